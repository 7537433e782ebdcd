#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The boot loop of a run:
#   boots.sh <run-dir> <bzImage> <image>
# Splits the run's list into GUESTS balanced parts (scripts/shard.awk) and
# runs one guest loop per part at once, each a process of its own:
#   boots.sh --guest <g> <run-dir> <bzImage> <image>
# A guest loop boots its guest on its part; after a crash, a hang or a
# restart the guest asks for (its detectors were disarmed), boots it again
# from the part's next test, until the part is done or MAX_BOOTS boots.
# Boot folders are boot-<n> with one guest, boot-<g>-<n> with more; every
# boot is collected into the same tests/ folders, numbered as in the list,
# and its console and channel join the run's (one block per boot, the
# guest named).  Then writes the reports, points results/latest at the run,
# trims the cache again (the guests the run saved, scripts/qemu.sh "Saved
# guests") and prints the summary.
# SIGINT or SIGTERM stops every guest, collects the boots in progress,
# marks the tests that were running "interrupted" (tests that never
# started leave the list) and reports what finished.
# A guest gets its part and settings on its input port (scripts/qemu.sh,
# "Saved guests": every boot after the first of a kernel and image starts
# from the guest saved at the end of that first boot); with SNAPSHOT=off
# they go into its initramfs instead and every boot is a cold boot (also
# for a part too long for the input port: over 1 MiB).
# Variables: GUESTS (default: scripts/lib.sh default_guests), MAX_BOOTS
# (per guest, default 50), LAB_DURATION, LAB_SEED, VCPUS and MEM (per
# guest), SNAPSHOT (on, the default, or off).
# Exit status: 0 all passed or skipped, 1 a test failed, 130 interrupted.

set -eu
LAB_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$LAB_TOP/scripts/lib.sh"
. "$LAB_TOP/scripts/run/meta.sh"

SCRIPTS=$LAB_TOP/scripts
SIGNAL=		# SIGINT or SIGTERM once the run is being stopped
QSH=		# qemu.sh of the boot in progress
KILLER=		# its SIGKILL after the grace period
G=		# this guest's number (guest loop)
N=0		# boot number of this guest
B=		# boot id: N, or G-N with more than one guest
PART=		# this guest's part of the list
OUTCOME=	# collect.sh's verdict on the last boot
LOOPS=		# the guest loops' pids (coordinator)

# shellcheck disable=SC2317 # called from the traps
on_signal()
{
	[ -z "$SIGNAL" ] || return 0
	SIGNAL=SIG$1
	if [ -n "$G" ]; then
		# the coordinator names the signal the run got
		[ ! -s "$RUN/.signal" ] || SIGNAL=$(cat "$RUN/.signal")
		stop_guest
		return 0
	fi
	echo "$SIGNAL" >"$RUN/.signal"
	info "interrupted ($SIGNAL): stopping the guests, reporting what finished"
	stop_loops
}

# stop_loops: SIGTERM to every guest loop (they stop their guest).
stop_loops()
{
	# own variable: this runs from a trap, inside the loop over $LOOPS
	for _sl in $LOOPS; do
		kill -TERM "$_sl" 2>/dev/null || :
	done
}

# stop_guest: SIGTERM to qemu.sh of the boot in progress (it ends QEMU
# and records how), SIGKILL to QEMU if it still runs 8 s later.
stop_guest()
{
	[ -n "$QSH" ] || return 0
	kill -TERM "$QSH" 2>/dev/null || return 0
	_p=$RUN/boot-$B/console.log.pid
	(
		sleep 8
		[ ! -f "$_p" ] || kill -KILL "$(cat "$_p")" 2>/dev/null || :
	) &
	KILLER=$!
}

# await <pid>: wait until a child ended, through signals; its status.
await()
{
	while :; do
		_rc=0
		wait "$1" || _rc=$?
		kill -0 "$1" 2>/dev/null || return "$_rc"
		# a trap interrupted the wait; the guest may have started since
		[ -z "$SIGNAL" ] || [ -n "$KILLER" ] || stop_guest
	done
}

# locked <command...>: run a command under the run's lock (the guests
# share the run's logs, metadata and progress).
# shellcheck disable=SC2317 # run through shielded
locked()
{
	(
		flock 9
		"$@"
	) 9>>"$RUN/.lock"
}

# guest_env <start>: this boot's settings (testcases/runner.sh read_env);
# host randomness for the kernel's pool and the host's clock, which a
# guest restored from a saved state would otherwise lack.
# shellcheck disable=SC2317 # called from guest_input and guest_initrd
guest_env()
{
	printf 'start=%s\nduration=%s\nseed=%s\n' "$1" "$LAB_DURATION" "${LAB_SEED:-1}"
	printf 'entropy=%s\ndate=%s\n' "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" "$(date +%s)"
}

# guest_input <start>: this boot's input (testcases/runner.sh
# receive_input): its settings and its part of the list.
# shellcheck disable=SC2317 # run through shielded
guest_input()
{
	{
		guest_env "$1"
		echo "# list"
		cat "$PART"
		echo "# end"
	} >"$RUN/.input-$G"
}

# guest_initrd <start>: with SNAPSHOT=off, the base image plus this boot's
# list and settings.
# shellcheck disable=SC2317 # run through shielded
guest_initrd()
{
	_g=$RUN/.guest-$G
	rm -rf "$_g"
	mkdir -p "$_g/lab/run"
	cp "$PART" "$_g/lab/run/list"
	guest_env "$1" >"$_g/lab/run/env"
	(cd "$_g" && find lab | cpio -o -H newc --quiet) >"$RUN/.run-$G.cpio"
	cat "$IMG" "$RUN/.run-$G.cpio" >"$RUN/.initrd-$G"
	rm -rf "$_g" "$RUN/.run-$G.cpio"
}

# keep_logs <boot-dir> <start>: the boot's console and channel join the run's.
# shellcheck disable=SC2317 # run through locked
keep_logs()
{
	if ! grep -q '^qemu_cmdline=' "$RUN/meta.env" && [ -f "$1/console.log.cmdline" ]; then
		meta_add "$RUN" qemu_cmdline "$(cat "$1/console.log.cmdline")"
	fi
	_who=
	[ "$GUESTS" -eq 1 ] || _who=" guest $G"
	_how=
	if [ -s "$1/console.log.snap" ]; then
		read -r _s _k <"$1/console.log.snap"
		case $_s in
		restored) _how=" (restored from saved guest $_k: its boot record first)" ;;
		saved) _how=" (saved as guest $_k)" ;;
		esac
	fi
	{ echo "==== boot $B$_who from test $2$_how"; cat "$1/console.log"; } >>"$RUN/console.log"
	{ echo "LAB HOST boot $B start $2$_who"; cat "$1/channel.log"; } >>"$RUN/channel.log"
}

# mark_interrupted: the test the guest was running when the run was stopped.
# shellcheck disable=SC2317 # run through shielded
mark_interrupted()
{
	_idx=$(awk '$1 == "LAB" && $2 == "START" { i = $3 }
		$1 == "LAB" && $2 == "RESULT" && $3 == i { i = "" }
		END { print i }' "$RUN/boot-$B/channel.log" 2>/dev/null)
	[ -n "$_idx" ] || return 0
	_tag=$(awk -v i="$_idx" '$1 == i { print $2 }' "$RUN/list")
	mkdir -p "$RUN/tests/$_idx-$_tag"
	printf 'interrupted\tinterrupted: run stopped by %s\n' "$SIGNAL" \
		>"$RUN/tests/$_idx-$_tag/result"
}

# boot_once <start>: one boot from test <start>; sets OUTCOME.
boot_once()
{
	_b=$RUN/boot-$B
	mkdir -p "$_b"
	shielded guest_input "$1"
	# modules/lab_input takes at most 1 MiB (a list of some 15,000 tests)
	if [ "${SNAPSHOT:-on}" = off ] || [ "$(wc -c <"$RUN/.input-$G")" -gt 1048576 ]; then
		shielded guest_initrd "$1"
		"$SCRIPTS/qemu.sh" boot "$BZIMAGE" "$RUN/.initrd-$G" \
			"$_b/console.log" "$_b/channel.log" &
	else
		"$SCRIPTS/qemu.sh" boot "$BZIMAGE" "$IMG" \
			"$_b/console.log" "$_b/channel.log" "$RUN/.input-$G" &
	fi
	QSH=$!
	KILLER=
	"$SCRIPTS/run/progress.sh" follow "$RUN" "$B" "$QSH" &
	_follow=$!
	[ -z "$SIGNAL" ] || stop_guest
	_rc=0
	await "$QSH" || _rc=$?
	QSH=
	await "$_follow" || :
	if [ -n "$KILLER" ]; then
		kill "$KILLER" 2>/dev/null || :
	fi
	[ "$_rc" -eq 0 ] || [ -n "$SIGNAL" ] || die "qemu.sh failed for boot $B (see $_b)"
	shielded locked keep_logs "$_b" "$1"
	OUTCOME=$(shielded "$SCRIPTS/collect.sh" "$RUN" "$B")
	if [ -n "$SIGNAL" ]; then
		shielded mark_interrupted
	fi
	shielded "$SCRIPTS/run/progress.sh" after "$RUN" "$B" "$PART"
}

# left_from <start>: is there a test in the part from idx <start> on?
left_from()
{
	awk -v s="$1" '$1 >= s { f = 1 } END { exit !f }' "$PART"
}

# no_boot <start> <reason>: the guest never started a test: every test
# of the part from <start> on gets the reason; a kernel that died is a
# failure, else it is an error of the set-up.
no_boot()
{
	info "the guest did not start a test: $2"
	_st=error
	case $2 in
	*'Kernel panic'* | *BUG:* | *Oops* | *'general protection'*) _st=fail ;;
	esac
	awk -v s="$1" '$1 >= s { print $1, $2 }' "$PART" |
		while read -r _idx _tag; do
			mkdir -p "$RUN/tests/$_idx-$_tag"
			printf '%s\tboot: %s\n' "$_st" "$2" >"$RUN/tests/$_idx-$_tag/result"
		done
}

# boots: boot until the part is done, again after crashes and restarts;
# the counts go to .guest-<g>.env for the coordinator.
boots()
{
	_start=$(awk 'NR == 1 { print $1 }' "$PART")
	_start=${_start:-1}
	_restarts=0
	_reasons=
	_who=
	[ "$GUESTS" -eq 1 ] || _who="guest $G: "
	while [ -z "$SIGNAL" ]; do
		if [ "$N" -ge "$MAX_BOOTS" ]; then
			info "${_who}stopping after $MAX_BOOTS boots (MAX_BOOTS)"
			break
		fi
		N=$((N + 1))
		B=$N
		[ "$GUESTS" -eq 1 ] || B=$G-$N
		boot_once "$_start"
		[ -z "$SIGNAL" ] || break
		case $OUTCOME in
		done) break ;;
		crashed\ *)
			_idx=${OUTCOME#crashed }
			info "${_who}guest ended in test $_idx ($(cut -f2 "$RUN"/tests/"$_idx"-*/result 2>/dev/null)); restarting"
			_start=$((_idx + 1))
			;;
		restart\ *)
			_rest=${OUTCOME#restart }
			_idx=${_rest%% *}
			_why=${_rest#"$_idx"}
			_why=${_why# }
			info "${_who}restarting the guest after test $_idx: ${_why:-no reason given}"
			_restarts=$((_restarts + 1))
			_reasons="$_reasons${_reasons:+; }$_idx: ${_why:-no reason given}"
			_start=$((_idx + 1))
			;;
		noboot*)
			no_boot "$_start" "${OUTCOME#noboot }"
			break
			;;
		*)
			info "${_who}collect.sh gave no outcome for boot $B ('$OUTCOME'); stopping"
			break
			;;
		esac
		left_from "$_start" || break
	done
	printf 'boots=%s\nrestarts=%s\nreasons=%s\n' "$N" "$_restarts" "$_reasons" \
		>"$RUN/.guest-$G.env"
}

# guest_main <g>: one guest loop (a process of the coordinator's).
guest_main()
{
	G=$1
	PART=$RUN/.part-$G
	[ -f "$PART" ] || die "$PART not found (boots.sh --guest runs under boots.sh)"
	# started in the background: SIGINT is ignored; the coordinator
	# forwards it as SIGTERM
	trap 'on_signal TERM' TERM
	boots
}

# split_list: the parts of the run's list, .part-1 .. .part-<GUESTS>.
split_list()
{
	_n=$(grep -c . "$RUN/list" || :)
	[ "$GUESTS" -le "$_n" ] || GUESTS=$((_n > 0 ? _n : 1))
	for _g in $(seq 1 "$GUESTS"); do
		awk -v shard="$_g" -v shards="$GUESTS" -f "$SCRIPTS/shard.awk" \
			"$RUN/list" >"$RUN/.part-$_g"
	done
}

# guest_value <key>: one count of every guest, one per line.
guest_value()
{
	for _g in $(seq 1 "$GUESTS"); do
		sed -n "s/^$1=//p" "$RUN/.guest-$_g.env" 2>/dev/null
	done
}

# guests: run the guest loops at once and wait for all of them.
guests()
{
	split_list
	meta_add "$RUN" guests "$GUESTS"
	for _g in $(seq 1 "$GUESTS"); do
		GUESTS=$GUESTS sh "$SCRIPTS/run/boots.sh" --guest "$_g" "$RUN" "$BZIMAGE" "$IMG" &
		LOOPS="$LOOPS $!"
	done
	[ -z "$SIGNAL" ] || stop_loops
	_g=0
	for _l in $LOOPS; do
		_g=$((_g + 1))
		while :; do
			_rc=0
			wait "$_l" || _rc=$?
			kill -0 "$_l" 2>/dev/null || break
		done
		[ "$_rc" -eq 0 ] || [ -n "$SIGNAL" ] ||
			info "guest $_g stopped with status $_rc; its tests that did not run are missing"
	done
	meta_add "$RUN" boots "$(guest_value boots | awk '{ s += $1 } END { print s + 0 }')"
	meta_add "$RUN" restarts "$(guest_value restarts | awk '{ s += $1 } END { print s + 0 }')"
	meta_add "$RUN" restart_reasons "$(guest_value reasons | awk 'NF' | paste -sd';' | sed 's/;/; /g')"
}

# trim_list: after an interrupt only the tests with a result stay listed.
trim_list()
{
	meta_add "$RUN" planned "$(wc -l <"$RUN/list")"
	awk -v d="$RUN/tests" '{ f = d "/" $1 "-" $2 "/result"
		if ((getline x < f) > 0) print; close(f) }' "$RUN/list" >"$RUN/list.done"
	mv "$RUN/list.done" "$RUN/list"
	for _t in "$RUN"/tests/*; do
		[ ! -d "$_t" ] || [ -f "$_t/result" ] || rm -rf "$_t"
	done
}

finish()
{
	rm -rf "$RUN"/.initrd-* "$RUN"/.input-* "$RUN"/.part-* "$RUN"/.guest-* "$RUN/.signal" "$RUN/.lock" \
		"$RUN/.progress" "$RUN/.progress.lock" "$RUN"/.live-*
	if [ -n "$SIGNAL" ]; then
		meta_add "$RUN" interrupted "$SIGNAL"
		trim_list
	fi
	meta_add "$RUN" end "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	"$SCRIPTS/report.sh" "$RUN" >/dev/null || info "writing the reports of $RUN failed"
	ln -sfn "${RUN##*/}" "$(dirname "$RUN")/latest"
	# a guest this run saved counts too: the cache back under
	# LAB_CACHE_MAX (what the run holds stays)
	if [ -z "$SIGNAL" ] && cat "$RUN"/boot-*/console.log.snap 2>/dev/null | grep -q '^saved '; then
		"$SCRIPTS/cache.sh" evict || :
	fi
	_rc=0
	"$SCRIPTS/run/summary.sh" "$RUN" || _rc=$?
	[ -z "$SIGNAL" ] || _rc=130
	return "$_rc"
}

main()
{
	_guest=
	if [ "${1:-}" = --guest ]; then
		_guest=${2:-}
		shift 2 || die "usage: boots.sh --guest <g> <run-dir> <bzImage> <image>"
	fi
	[ $# -eq 3 ] || die "usage: boots.sh <run-dir> <bzImage> <image>"
	RUN=$1
	BZIMAGE=$2
	IMG=$3
	if [ ! -f "$RUN/list" ] || [ ! -f "$RUN/meta.env" ]; then
		die "$RUN is not a prepared run folder (list, meta.env)"
	fi
	: "${MAX_BOOTS:=50}" "${LAB_DURATION:=10}" "${VCPUS:=2}" "${MEM:=2G}"
	check_guests
	# the hog disk a cache image's name ends with (scripts/image.sh):
	# qemu.sh then need not work it out at every boot
	if [ -z "${HOG_DISK:-}" ]; then
		_h=$(image_hog "$IMG")
		[ -z "$_h" ] || [ ! -f "$_h" ] || { HOG_DISK=$_h && export HOG_DISK; }
	fi
	if [ -n "$_guest" ]; then
		guest_main "$_guest"
		exit 0
	fi
	trap 'on_signal INT' INT
	trap 'on_signal TERM' TERM
	LAB_T0=$(date +%s)
	export LAB_T0 MAX_BOOTS LAB_DURATION
	guests
	# From here on the run only reports; a signal no longer stops it.
	trap '' INT TERM
	rc=0
	finish || rc=$?
	exit "$rc"
}

main "$@"
