#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The boot loop of a run:
#   boots.sh <run-dir> <bzImage> <image>
# Boots the guest on the run's list; after a crash, a hang or a restart the
# guest asks for (its detectors were disarmed), boots it again from the
# next test, until the list is done or MAX_BOOTS.  Then writes the reports,
# points results/latest at the run and prints the summary.
# SIGINT or SIGTERM stops the guest, collects the boot in progress, marks
# the test that was running "interrupted" (tests that never started leave
# the list) and reports what finished.
# Exit status: 0 all passed or skipped, 1 a test failed, 130 interrupted.

set -eu
LAB_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$LAB_TOP/scripts/lib.sh"
. "$LAB_TOP/scripts/run/meta.sh"

SCRIPTS=$LAB_TOP/scripts
SIGNAL=		# SIGINT or SIGTERM once the run is being stopped
QSH=		# qemu.sh of the boot in progress
KILLER=		# its SIGKILL after the grace period
N=0		# boot number
OUTCOME=	# collect.sh's verdict on the last boot

# shellcheck disable=SC2317 # called from the traps
on_signal()
{
	[ -z "$SIGNAL" ] || return 0
	SIGNAL=SIG$1
	info "interrupted ($SIGNAL): stopping the guest, reporting what finished"
	stop_guest
}

# stop_guest: SIGTERM to qemu.sh of the boot in progress (it ends QEMU
# and records how), SIGKILL to QEMU if it still runs 8 s later.
stop_guest()
{
	[ -n "$QSH" ] || return 0
	kill -TERM "$QSH" 2>/dev/null || return 0
	_p=$RUN/boot-$N/console.log.pid
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

# guest_initrd <start>: the base image plus this boot's list and settings.
# shellcheck disable=SC2317 # run through shielded
guest_initrd()
{
	_g=$RUN/.guest
	rm -rf "$_g"
	mkdir -p "$_g/lab/run"
	cp "$RUN/list" "$_g/lab/run/list"
	printf 'start=%s\nduration=%s\nseed=%s\n' "$1" "$LAB_DURATION" "${LAB_SEED:-1}" \
		>"$_g/lab/run/env"
	(cd "$_g" && find lab | cpio -o -H newc --quiet) >"$RUN/.run.cpio"
	cat "$IMG" "$RUN/.run.cpio" >"$RUN/.initrd"
	rm -rf "$_g" "$RUN/.run.cpio"
}

# keep_logs <boot-dir> <start>: the boot's console and channel join the run's.
# shellcheck disable=SC2317 # run through shielded
keep_logs()
{
	if ! grep -q '^qemu_cmdline=' "$RUN/meta.env" && [ -f "$1/console.log.cmdline" ]; then
		meta_add "$RUN" qemu_cmdline "$(cat "$1/console.log.cmdline")"
	fi
	{ echo "==== boot $N from test $2"; cat "$1/console.log"; } >>"$RUN/console.log"
	{ echo "LAB HOST boot $N start $2"; cat "$1/channel.log"; } >>"$RUN/channel.log"
}

# mark_interrupted: the test the guest was running when the run was stopped.
# shellcheck disable=SC2317 # run through shielded
mark_interrupted()
{
	_idx=$(awk '$1 == "LAB" && $2 == "START" { i = $3 }
		$1 == "LAB" && $2 == "RESULT" && $3 == i { i = "" }
		END { print i }' "$RUN/boot-$N/channel.log" 2>/dev/null)
	[ -n "$_idx" ] || return 0
	_tag=$(awk -v i="$_idx" '$1 == i { print $2 }' "$RUN/list")
	mkdir -p "$RUN/tests/$_idx-$_tag"
	printf 'interrupted\tinterrupted: run stopped by %s\n' "$SIGNAL" \
		>"$RUN/tests/$_idx-$_tag/result"
}

# boot_once <start>: one boot from test <start>; sets OUTCOME.
boot_once()
{
	_b=$RUN/boot-$N
	mkdir -p "$_b"
	shielded guest_initrd "$1"
	"$SCRIPTS/qemu.sh" boot "$BZIMAGE" "$RUN/.initrd" \
		"$_b/console.log" "$_b/channel.log" &
	QSH=$!
	KILLER=
	"$SCRIPTS/run/progress.sh" follow "$RUN" "$N" "$QSH" &
	_follow=$!
	[ -z "$SIGNAL" ] || stop_guest
	_rc=0
	await "$QSH" || _rc=$?
	QSH=
	await "$_follow" || :
	if [ -n "$KILLER" ]; then
		kill "$KILLER" 2>/dev/null || :
	fi
	[ "$_rc" -eq 0 ] || [ -n "$SIGNAL" ] || die "qemu.sh failed for boot $N (see $_b)"
	shielded keep_logs "$_b" "$1"
	OUTCOME=$(shielded "$SCRIPTS/collect.sh" "$RUN" "$N")
	if [ -n "$SIGNAL" ]; then
		shielded mark_interrupted
	fi
	shielded "$SCRIPTS/run/progress.sh" after "$RUN" "$N"
}

# left_from <start>: is there a test in the list from idx <start> on?
left_from()
{
	awk -v s="$1" '$1 >= s { f = 1 } END { exit !f }' "$RUN/list"
}

# no_boot <start> <reason>: the guest never started a test: every test
# from <start> on gets the reason; a kernel that died is a failure, else
# it is an error of the set-up.
no_boot()
{
	info "the guest did not start a test: $2"
	_st=error
	case $2 in
	*'Kernel panic'* | *BUG:* | *Oops* | *'general protection'*) _st=fail ;;
	esac
	awk -v s="$1" '$1 >= s { print $1, $2 }' "$RUN/list" |
		while read -r _idx _tag; do
			mkdir -p "$RUN/tests/$_idx-$_tag"
			printf '%s\tboot: %s\n' "$_st" "$2" >"$RUN/tests/$_idx-$_tag/result"
		done
}

# boots: boot until the list is done, again after crashes and restarts.
boots()
{
	_start=1
	_restarts=0
	_reasons=
	while [ -z "$SIGNAL" ]; do
		if [ "$N" -ge "$MAX_BOOTS" ]; then
			info "stopping after $MAX_BOOTS boots (MAX_BOOTS)"
			break
		fi
		N=$((N + 1))
		boot_once "$_start"
		[ -z "$SIGNAL" ] || break
		case $OUTCOME in
		done) break ;;
		crashed\ *)
			_idx=${OUTCOME#crashed }
			info "guest ended in test $_idx ($(cut -f2 "$RUN"/tests/"$_idx"-*/result 2>/dev/null)); restarting"
			_start=$((_idx + 1))
			;;
		restart\ *)
			_rest=${OUTCOME#restart }
			_idx=${_rest%% *}
			_why=${_rest#"$_idx"}
			_why=${_why# }
			info "restarting the guest after test $_idx: ${_why:-no reason given}"
			_restarts=$((_restarts + 1))
			_reasons="$_reasons${_reasons:+; }$_idx: ${_why:-no reason given}"
			_start=$((_idx + 1))
			;;
		noboot*)
			no_boot "$_start" "${OUTCOME#noboot }"
			break
			;;
		*)
			info "collect.sh gave no outcome for boot $N ('$OUTCOME'); stopping"
			break
			;;
		esac
		left_from "$_start" || break
	done
	meta_add "$RUN" boots "$N"
	meta_add "$RUN" restarts "$_restarts"
	meta_add "$RUN" restart_reasons "$_reasons"
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
	rm -rf "$RUN/.initrd" "$RUN/.progress" "$RUN"/.live-*
	if [ -n "$SIGNAL" ]; then
		meta_add "$RUN" interrupted "$SIGNAL"
		trim_list
	fi
	meta_add "$RUN" end "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	"$SCRIPTS/report.sh" "$RUN" >/dev/null || info "writing the reports of $RUN failed"
	ln -sfn "${RUN##*/}" "$(dirname "$RUN")/latest"
	_rc=0
	"$SCRIPTS/run/summary.sh" "$RUN" || _rc=$?
	[ -z "$SIGNAL" ] || _rc=130
	return "$_rc"
}

main()
{
	trap 'on_signal INT' INT
	trap 'on_signal TERM' TERM
	[ $# -eq 3 ] || die "usage: boots.sh <run-dir> <bzImage> <image>"
	RUN=$1
	BZIMAGE=$2
	IMG=$3
	if [ ! -f "$RUN/list" ] || [ ! -f "$RUN/meta.env" ]; then
		die "$RUN is not a prepared run folder (list, meta.env)"
	fi
	: "${MAX_BOOTS:=50}" "${LAB_DURATION:=10}"
	LAB_T0=$(date +%s)
	export LAB_T0
	boots
	# From here on the run only reports; a signal no longer stops it.
	trap '' INT TERM
	rc=0
	finish || rc=$?
	exit "$rc"
}

main "$@"
