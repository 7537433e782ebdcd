#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Core of the guest-side test library: verdicts, data records, module
# loading and state that must be restored when the test ends.  Sourced by
# every test:  . "${LAB_LIB:-./lib}/lab.sh"

LAB_OUT=${LAB_OUT:-/tmp/lab-out}
LAB_MODDIR=${LAB_MODDIR:-/lab/modules}
LAB_CONFIGS=${LAB_CONFIGS:-/lab/configs}
LAB_DURATION=${LAB_DURATION:-10}
LAB_TAG=${LAB_TAG:-$(basename "$0" .sh)}
[ -d "$LAB_OUT" ] || mkdir -p "$LAB_OUT"

# Restore actions run in reverse order of registration from one EXIT trap.
LAB_RESTORE="$LAB_OUT/.restore"
: >"$LAB_RESTORE"
# The phase that runs (lab_phase): its name, start (uptime ms), and the
# engine time asked and run in it (lab_phase_engine).
LAB_PHASE=
LAB_PHASE_T0=0
LAB_PHASE_ASKED=0
LAB_PHASE_RAN=0
# The test's start (uptime ms): the runner's, else the first phase's.
LAB_T0_MS=${LAB_T0_MS:-}
LAB_NOW_MS=0

lab_info()
{
	printf '# %s\n' "$*"
}

# lab_fail <category> <title...>: record the verdict and end the test.
lab_fail()
{
	_cat=$1
	shift
	printf '%s: %s\n' "$_cat" "$*" >"$LAB_OUT/verdict"
	lab_info "FAIL $_cat: $*"
	exit 1
}

# lab_skip <reason...>: the test cannot run here; say why.
lab_skip()
{
	printf '%s\n' "$*" >"$LAB_OUT/verdict"
	lab_info "SKIP $*"
	exit 4
}

# lab_data <kind> key=value...: one machine-readable record.
lab_data()
{
	printf '%s\n' "$*" >>"$LAB_OUT/data"
}

# lab_kmsg <text>: a line in the kernel log, to mark phases in a slice.
lab_kmsg()
{
	printf '<6>labyrinth: %s\n' "$*" >/dev/kmsg 2>/dev/null || :
}

# lab_on_exit <shell command>: run it when the test ends, last first.
lab_on_exit()
{
	printf '%s\n' "$*" >>"$LAB_RESTORE"
}

# lab_write <file> <value>: write a sysfs/debugfs/procfs knob, saving the
# old value so it is put back when the test ends.  A sysfs or debugfs knob
# that already holds the value is left alone, with nothing to put back (a
# fault profile sets some fifteen knobs a target, about half of them to
# the values they hold, and each write and its restore cost some 5 ms
# under TCG); a sysctl is always written (some act on every write:
# drop_caches, compact_memory).
lab_write()
{
	_f=$1
	_v=$2
	[ -e "$_f" ] || lab_fail setup "no such knob $_f"
	# (read, not cat: a profile sets a dozen knobs, and a fork costs
	# tens of milliseconds under TCG; but a sysctl file answers busybox's
	# byte-at-a-time read past its start with nothing: cat there)
	_old=
	case $_f in
	*/proc/sys/*) _old=$(cat "$_f") || lab_fail setup "cannot read $_f" ;;
	*)
		{ read -r _old <"$_f"; } 2>/dev/null || [ -n "$_old" ] ||
			lab_fail setup "cannot read $_f"
		[ "$_old" != "$_v" ] || return 0
		;;
	esac
	lab_on_exit "printf '%s\\n' '$_old' >'$_f' 2>/dev/null"
	printf '%s\n' "$_v" >"$_f" || lab_fail setup "cannot write '$_v' to $_f"
}

lab_run_restore()
{
	[ -s "$LAB_RESTORE" ] || return 0
	# last registered first (reversed by the shell: no fork); each one on
	# its own, whatever it returns
	_rev=
	while IFS= read -r _cmd; do
		_rev="$_cmd
$_rev"
	done <"$LAB_RESTORE"
	: >"$LAB_RESTORE"
	printf '%s' "$_rev" >"$LAB_RESTORE.rev"
	while IFS= read -r _cmd; do
		eval "$_cmd" || :
	done <"$LAB_RESTORE.rev"
}

lab_exit_trap()
{
	_rc=$?
	trap - EXIT INT TERM
	# what the test leaves to its exit (unloading, knobs) is a phase too
	if [ -n "$LAB_PHASE" ] && [ -s "$LAB_RESTORE" ]; then
		lab_phase restore
	else
		lab_phase_end
	fi
	lab_run_restore
	lab_phase_end
	exit "$_rc"
}
trap lab_exit_trap EXIT
trap 'exit 130' INT TERM

# lab_module_path <name>: the path of a built module; false when the
# image has none.
lab_module_path()
{
	lab_module_find "$1" || return 1
	printf '%s\n' "$LAB_MODULE_PATH"
}

# lab_module_find <name>: LAB_MODULE_PATH, the path of a built module (a
# variable: a command substitution forks); false when the image has none.
lab_module_find()
{
	for LAB_MODULE_PATH in "$LAB_MODDIR/$1.ko" "$LAB_MODDIR"/*/"$1.ko"; do
		[ -f "$LAB_MODULE_PATH" ] && return 0
	done
	return 1
}

# lab_insmod <name> [params...]: load a module, unload it at exit.
lab_insmod()
{
	_m=$1
	shift
	lab_module_find "$_m" || lab_fail setup "module $_m not in image"
	insmod "$LAB_MODULE_PATH" "$@" || lab_fail setup "insmod $_m $* failed"
	lab_on_exit "lab_loaded '$_m' && rmmod '$_m'"
}

# lab_loaded <name>: the module is loaded: its /sys/module/<name>/initstate
# (a loadable module's only), else /proc/modules read by the shell (a grep
# to fork costs tens of milliseconds under TCG, and the shell reads a byte
# at a time).
lab_loaded()
{
	if [ -z "${LAB_MODULES:-}" ] && [ -d /sys/module ]; then
		[ -e "/sys/module/$1/initstate" ]
		return
	fi
	while read -r _lm _; do
		[ "$_lm" != "$1" ] || return 0
	done <"${LAB_MODULES:-/proc/modules}"
	return 1
}

# lab_rmmod <name>: unload now; failure to unload is a test failure.
lab_rmmod()
{
	lab_loaded "$1" || return 0
	rmmod "$1" || lab_fail unload "rmmod $1 failed"
}

# lab_tainted: the taint mask.  (cat, not the shell's read: busybox reads
# a byte at a time, and a sysctl file answers a read past its start with
# nothing, so read would see "4" of "4096".)
lab_tainted()
{
	cat /proc/sys/kernel/tainted
}

# lab_now: LAB_NOW_MS, monotonic milliseconds since boot (10 ms steps),
# without a fork.
lab_now()
{
	read -r _up _ <"${LAB_UPTIME:-/proc/uptime}"
	_fr=${_up#*.}00
	_fr=${_fr%"${_fr#???}"}
	LAB_NOW_MS=$((${_up%%.*} * 1000 + 1$_fr - 1000))
}

# lab_uptime_ms: the same, printed.
lab_uptime_ms()
{
	lab_now
	printf '%s\n' "$LAB_NOW_MS"
}

# lab_phase <name>: end the phase that runs, if any, and begin <name>.  A
# phase ends as a record
#   phase test=<tag> name=<name> start_ms=<from the test's start> ms=<length>
#         [asked_ms=<engine time asked> ran_ms=<engine time run>]
# (engine time by the kernel's clock, lab_phase_engine); "stress" names
# the measured phases: the time asked of them is the test's requested
# duration, the rest of its wall time is overhead.
lab_phase()
{
	lab_phase_end
	LAB_PHASE=$1
	LAB_PHASE_T0=$LAB_NOW_MS
}

# lab_phase_engine <asked_ms> <ran_ms>: engine time of the phase.
lab_phase_engine()
{
	LAB_PHASE_ASKED=$((LAB_PHASE_ASKED + $1))
	LAB_PHASE_RAN=$((LAB_PHASE_RAN + $2))
}

# lab_phase_end: the record of the phase that runs (LAB_NOW_MS: now).
lab_phase_end()
{
	lab_now
	[ -n "$LAB_T0_MS" ] || LAB_T0_MS=$LAB_NOW_MS
	[ -n "$LAB_PHASE" ] || return 0
	_eng=
	[ "$LAB_PHASE_ASKED$LAB_PHASE_RAN" = 00 ] ||
		_eng=" asked_ms=$LAB_PHASE_ASKED ran_ms=$LAB_PHASE_RAN"
	lab_data "phase test=$LAB_TAG name=$LAB_PHASE start_ms=$((LAB_PHASE_T0 - LAB_T0_MS)) ms=$((LAB_NOW_MS - LAB_PHASE_T0))$_eng"
	LAB_PHASE=
	LAB_PHASE_ASKED=0
	LAB_PHASE_RAN=0
}

# lab_progress <key=value...>: a progress line of a long phase, sent to
# the host at once (the runner turns "# progress: " lines into LAB PROG)
# as a "prog test=<tag> ..." record.
lab_progress()
{
	printf '# progress: prog test=%s %s\n' "$LAB_TAG" "$*"
}

# lab_sleep_ms <ms>: sleep that long.  Where the shell's read has a
# timeout (busybox ash: read -t on a FIFO no one writes), without a fork:
# under TCG, while the engine floods the CPUs, forking "sleep" takes
# hundreds of milliseconds, more than the naps of a wait.
LAB_SLEEP_FIFO=
lab_sleep_ms()
{
	_ms=$1
	_r=$((_ms % 1000))
	[ "$_r" -ge 100 ] || _r=0$_r
	[ "$_r" -ge 10 ] || _r=0$_r
	_secs=$((_ms / 1000)).$_r
	if [ -z "$LAB_SLEEP_FIFO" ]; then
		_rc=0
		# shellcheck disable=SC3045 # the probe: 2 where read has no -t
		read -r -t 0 _x </dev/null 2>/dev/null || _rc=$?
		LAB_SLEEP_FIFO=none
		if [ "$_rc" -ne 2 ] && { [ -p "$LAB_OUT/.sleep" ] || mkfifo "$LAB_OUT/.sleep" 2>/dev/null; }; then
			LAB_SLEEP_FIFO=$LAB_OUT/.sleep
		fi
	fi
	if [ "$LAB_SLEEP_FIFO" = none ]; then
		sleep "$_secs"
		return 0
	fi
	# shellcheck disable=SC3045 # only where the shell has read -t
	read -r -t "$_secs" _x <>"$LAB_SLEEP_FIFO" || :
}
