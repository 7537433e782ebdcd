#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest runner: run the resolved test list from /lab/run/list (lines
# "idx tag command args"), starting at the index the host asks for, and
# report every event on the results channel as it happens (see README,
# "Results channel").

set -eu

LIST=/lab/run/list
ENVF=/lab/run/env
TESTS=/lab/testcases
CHANNEL=${LAB_CHANNEL:-/dev/ttyS1}
# Seconds a test gets between TERM and KILL.
GRACE_S=5
# A kernel with KASAN runs about 3 times slower (lib/Kconfig.kasan), and
# every free-page reading empties its quarantine first: its tests get this
# many times their timeout.
KASAN_SLOW=3

# shellcheck source=testcases/lib/reset.sh
. /lab/testcases/lib/reset.sh

# emit <line>: one line on the results channel.  echo, not printf: the
# shell catches SIGCHLD without SA_RESTART, and a write to the serial port
# that waits (for room, or for the port while the heartbeat or the data
# writes) fails with EINTR when a child ends meanwhile; busybox's printf
# gives up then (status 1: the runner of a restored guest died that way
# on "LAB BOOT" twice in some 80 restores; its background "date -s" ends
# about then), its echo writes again.  (Lines begin with "LAB": never an option.)
emit()
{
	echo "$*" >&3 || {
		# shellcheck disable=SC2320 # echo's own status, the point
		_erc=$?
		echo "runner: cannot write to the results channel (status $_erc): $*"
		return "$_erc"
	}
}

# send_data <idx> <file>: a test's data records on the channel.  Under
# TCG the serial port carries about 100 KB a second, an interrupt every 16
# bytes, and those interrupts slow the reset that runs meanwhile: the
# records go gzipped (4-5 times fewer bytes for a test's windows), in
# base64 lines "LAB DATAZ <idx> <line>" and a last "LAB DATAZ <idx> end"
# once the whole stream is out (base64 lines have a multiple of 4
# characters: never "end").  scripts/collect.sh turns them back into the
# records.  Without gzip or base64 in the guest: "LAB DATA <idx> <record>"
# lines as they are.  (awk writes a line at a time, so that a line of the
# runner's never splits one.)
send_data()
{
	if [ -n "$DATA_Z" ]; then
		gzip -c "$2" | base64 |
			awk -v p="LAB DATAZ $1 " '{ print p $0; fflush() } END { print p "end" }' >&3
	else
		awk -v p="LAB DATA $1 " '{ print p $0; fflush() }' "$2" >&3
	fi
}
# (command -v is the shell's own: no fork)
DATA_Z=
if command -v gzip >/dev/null 2>&1 && command -v base64 >/dev/null 2>&1; then
	DATA_Z=1
fi

kmsg()
{
	printf '<6>labyrinth: %s\n' "$*" >/dev/kmsg
}

# Settings from the host: a fixed allow-list, never sourced.
read_env()
{
	START=1
	LAB_DURATION=10
	LAB_SEED=1
	[ -f "$ENVF" ] || return 0
	while IFS='=' read -r key value; do
		case $key in
		start) START=$value ;;
		duration) LAB_DURATION=$value ;;
		seed) LAB_SEED=$value ;;
		# host randomness mixed into the kernel's pool (not credited):
		# every guest restored from one saved state starts with the
		# same pool
		entropy) printf '%s\n' "$value" >/dev/urandom 2>/dev/null || : ;;
		# the host's clock, seconds since the epoch: a restored guest's
		# wall clock is its saved state's
		date) date -s "@$value" >/dev/null 2>&1 & ;;
		'' | '#'*) ;;
		*) echo "runner: unknown key '$key' in $ENVF" ;;
		esac
	done <"$ENVF"
	export LAB_DURATION LAB_SEED
}

open_channel()
{
	i=0
	while [ ! -e "$CHANNEL" ] && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ -e "$CHANNEL" ]; then
		stty -F "$CHANNEL" raw -echo 2>/dev/null || :
		exec 3>"$CHANNEL"
	else
		echo "runner: no results channel $CHANNEL, reporting on the console"
		exec 3>/dev/console
	fi
}

# input_module: with LAB_INPUT (the kernel command line's LAB_INPUT=<module>
# reaches init as a variable, scripts/qemu.sh), load the module that reads
# the host's input (modules/lab_input: the third serial port, polled,
# without the serial driver), before the boot record: it belongs to the
# boot.
input_module()
{
	[ -n "${LAB_INPUT:-}" ] || return 0
	insmod "/lab/modules/$LAB_INPUT.ko" ||
		echo "runner: cannot load /lab/modules/$LAB_INPUT.ko: no input from the host"
}

# receive_input: the run's list and settings from the host (input_module):
# "LAB READY" on the channel, then the lines of $ENVF, a line "# list",
# the lines of $LIST, a line "# end".  The host saves the guest's state at
# "LAB READY" (the boot record taken, nothing of a run in it yet) and
# starts later boots from that state: every one of them then reads its own
# list here.  One awk: the read blocks until the whole input has come.
receive_input()
{
	mkdir -p "${LIST%/*}" "${ENVF%/*}"
	emit "LAB READY"
	awk -v env="$ENVF" -v list="$LIST" '
		$0 == "# list" { to = 1; next }
		$0 == "# end" { exit }
		{ print > (to ? list : env) }
		END { printf "" >> env; printf "" >> list }
	' "/sys/kernel/debug/$LAB_INPUT" || {
		_erc=$?
		echo "runner: reading the input from /sys/kernel/debug/$LAB_INPUT failed (status $_erc)"
		return "$_erc"
	}
}

# header_value <file> <key>: "# key: value" from a test's header (the
# comment lines at its top), read by the shell: no fork.
header_value()
{
	while IFS= read -r _hl; do
		case $_hl in
		"# $2:"*)
			_hl=${_hl#"# $2:"}
			# leading blanks off
			_hl=${_hl#"${_hl%%[![:space:]]*}"}
			printf '%s\n' "$_hl"
			return 0
			;;
		'#'* | '') ;;
		*) return 0 ;;
		esac
	done <"$1"
}

test_timeout()
{
	t=$(header_value "$1" timeout)
	case $t in
	'' | *[!0-9]*) t=300 ;;
	esac
	t=$((t + 2 * LAB_DURATION))
	read -r _kasan <"$RESET_DIR/kasan" 2>/dev/null || _kasan=0
	[ "$_kasan" != 1 ] || t=$((t * KASAN_SLOW))
	echo "$t"
}

heartbeat()
{
	while :; do
		sleep 5
		emit "LAB HB $(cut -d' ' -f1 /proc/uptime)"
	done
}

# now_cs: NOW_CS, hundredths of a second since boot (a variable: a
# command substitution forks).
now_cs()
{
	read -r _up _ </proc/uptime
	NOW_CS=$((${_up%%.*} * 100 + 1${_up#*.} - 100))
}

# secs <hundredths>: SECS, as seconds with two decimals.
secs()
{
	SECS=$(($1 / 100)).$(($1 % 100 / 10))$(($1 % 10))
}

# start_test <cmd> [args...]: the test in a session of its own (setsid
# runs it in place: the runner's children lead no process group), without
# the results channel.  Its pid is its session and process group id.
start_test()
{
	cd "$TESTS"
	export LAB_IDX="$idx" LAB_TAG="$tag" LAB_OUT="$out" LAB_BOOT_STATE="$RESET_DIR"
	export LAB_MODDIR=/lab/modules LAB_CONFIGS=/lab/configs
	_cmd=$1
	shift
	setsid sh "./$_cmd" "$@" </dev/null 3>&- &
	TEST_PID=$!
}

# supervise <timeout> <cmd> [args...]: run the test, stop its session at
# its timeout (reset_watchdog), then stop every process that was not
# there at boot (the boot record's "before") and is not the runner's: the
# rest of its session and whatever left it (setsid, stress-ng's forks).
# The reset's readings for a test that left nothing behind start first
# (reset_early), in the background.
# Writes .rc, .t1 (when it ended), .timeout (TERM or KILL) and .killed to
# $out.
supervise()
{
	_to=$1
	shift
	start_test "$@"
	reset_watchdog "$TEST_PID" "$_to" "$GRACE_S" "$out/.timeout" >/dev/null 2>&1 &
	_wd=$!
	_rc=0
	# (silent: the shell would print "Killed" for a test ended by KILL)
	wait "$TEST_PID" 2>/dev/null || _rc=$?
	now_cs
	echo "$NOW_CS" >"$out/.t1"
	echo "$_rc" >"$out/.rc"
	kill "$_wd" 2>/dev/null || :
	wait "$_wd" 2>/dev/null || :
	reset_early
	RESET_COUNT=0
	reset_stop strays "$RUNNER_SID" "$GRACE_S" "$RESET_DIR/before" || :
	echo "$RESET_COUNT" >"$out/.killed"
}

# reset_after <idx>: put the guest back as it was at boot and check the
# detectors; a diagnostic line says what it took from the test's end
# (stopping its processes included).
reset_after()
{
	_killed=
	read -r _killed <"$out/.killed" || :
	reset_all "$_killed"
	read -r _ _ _base <"$RESET_DIR/state"
	now_cs
	secs $((NOW_CS - t1))
	emit "LAB OUT $1 # reset: ${SECS}s, stopped $_killed processes, unloaded $RESET_MODS modules, restored $RESET_KNOBS knobs, free_pages=$RESET_FREE (boot $_base, tolerance $RESET_FREE_TOL)"
}

run_one()
{
	idx=$1
	tag=$2
	cmd=$3
	shift 3
	out=/tmp/lab/$idx
	# (a fork less when there is nothing to remove: a fresh boot)
	[ ! -e "$out" ] || rm -rf "$out"
	mkdir -p "$out"
	file=$TESTS/$cmd
	timeout=300
	[ -f "$file" ] && timeout=$(test_timeout "$file")
	emit "LAB START $idx $tag $timeout"
	kmsg "START $idx $tag"
	now_cs
	t0=$NOW_CS
	export LAB_T0_MS=$((t0 * 10))
	(supervise "$timeout" "$cmd" "$@") 2>&1 | while IFS= read -r line; do
		case $line in
		'# progress: '*) emit "LAB PROG $idx ${line#\# progress: }" ;;
		*) emit "LAB OUT $idx $line" ;;
		esac
	done
	now_cs
	read -r t1 <"$out/.t1" || t1=$NOW_CS
	secs $((t1 - t0))
	emit "LAB TIME $idx $SECS"
	# The data goes out while the reset runs (send_data).
	_sender=
	if [ -s "$out/data" ]; then
		send_data "$idx" "$out/data" &
		_sender=$!
	fi
	reset_after "$idx"
	now_cs
	t2=$NOW_CS
	[ -z "$_sender" ] || wait "$_sender" || :
	# the runner's part: the reset (the rest of the time until the
	# result is the data's transfer), and the test's wall time from its
	# START to its RESULT
	now_cs
	t3=$NOW_CS
	emit "LAB DATA $idx phase test=$tag name=reset start_ms=$(((t1 - t0) * 10)) ms=$(((t2 - t1) * 10))"
	emit "LAB DATA $idx wall test=$tag ms=$(((t3 - t0) * 10)) run_ms=$(((t1 - t0) * 10))"
	read -r rc <"$out/.rc" || rc=255
	emit "LAB RESULT $idx $tag $(reset_result "$rc" "$timeout" "$GRACE_S" "$out")"
	kmsg "END $idx $tag"
	RESTART=$(reset_reasons)
	[ -z "$RESTART" ] || emit "LAB RESTART $idx $RESTART"
}

main()
{
	open_channel
	heartbeat &
	hb=$!
	# the session: the fourth field after the command's closing
	# parenthesis (read, not cut: no fork)
	read -r _stat <"/proc/$$/stat"
	set -f
	# shellcheck disable=SC2086 # fields
	set -- ${_stat##*) }
	set +f
	RUNNER_SID=$4
	input_module
	reset_record
	[ -z "${LAB_INPUT:-}" ] || receive_input
	read_env
	# counted and read by the shell: every fork before the first test
	# delays it
	count=0
	while read -r _; do
		count=$((count + 1))
	done <"$LIST"
	_cs=none
	{ read -r _cs </sys/devices/system/clocksource/clocksource0/current_clocksource; } 2>/dev/null || :
	emit "LAB BOOT $START $count $_cs"
	RESTART=
	while read -r idx tag cmd args; do
		[ "$idx" -ge "$START" ] || continue
		# The arguments are words, never patterns.
		set -f
		# shellcheck disable=SC2086
		set -- $args
		set +f
		run_one "$idx" "$tag" "$cmd" "$@"
		# A test that left what a reset cannot undo: a fresh guest
		# runs the rest (the host boots one from the next test).
		[ -z "$RESTART" ] || break
	done <"$LIST"
	kill "$hb" 2>/dev/null || :
	[ -n "$RESTART" ] || emit "LAB DONE"
}

main "$@"
