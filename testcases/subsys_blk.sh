#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: subsys_blk
# contexts: virtio-blk request submission (task and kblockd) and its
#           completions from the virtqueue interrupt
# orders: the block layer's own
# fault: -f <profile> (module-scoped profiles: virtio_blk's text, or -m's)
# hog: -H <profile> (default none)
# duration: -d <seconds> (default $LAB_DURATION)
# timeout: 240
# needs: virtio_blk module, the virtio-blk disk
# devices: subsys
#
# The kernel's own atomic allocations on the block path: O_DIRECT writes
# and reads (busybox dd, 64 KiB requests) on the raw virtio-blk disk.
# Throughput is sampled once a second from the disk's block stats: a
# baseline, then the hog starts and the fault profile is applied (scoped to
# virtio_blk's text), then injection and hog stop and throughput must come
# back.  With -m <module>, that module is loaded once the disk is there
# (with dev=/dev/<disk>), injection is scoped to its text and its pages
# are looked for in page_owner (a proof module on the completion path).
# Fails with
#   recovery:  throughput not back to 90% of the baseline within 10 s,
#              nor to 90% of what the same load on a fresh virtio_blk
#              (reloaded after the leak check) carries when that is
#              below the baseline (subsys_reference)
#   stuck:     a dd loop died, or I/O still in flight 10 s after the load
#              stopped
#   injection: the profile injected nothing
#   unload:    virtio_blk (or -m's module) does not unload
#   leak:      free pages not back once everything is torn down
#   taint:     new taint bits but O and E
# Splats are judged by the host from this test's console slice.
#
# Usage: subsys_blk.sh [-f <fault>] [-H <hog>] [-d <seconds>] [-m <module>]

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"
. "$LAB_LIB/engine.sh"
. "$LAB_LIB/fault.sh"
. "$LAB_LIB/hog.sh"
. "$LAB_LIB/verdict.sh"
. "$LAB_LIB/subsys.sh"
. "$LAB_LIB/blk.sh"

FAULT=none
HOG=none
DUR=$LAB_DURATION
MOD=

usage()
{
	echo "usage: subsys_blk.sh [-f <fault>] [-H <hog>] [-d <seconds>] [-m <module>]" >&2
	exit 2
}

parse_args()
{
	while getopts f:H:d:m: _o; do
		case $_o in
		f) FAULT=$OPTARG ;;
		H) HOG=$OPTARG ;;
		d) DUR=$OPTARG ;;
		m) MOD=$OPTARG ;;
		*) usage ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -eq 0 ] || usage
	case $DUR in '' | *[!0-9]*) usage ;; esac
	case $MOD in *[!A-Za-z0-9_-]*) usage ;; esac
	case $FAULT$HOG in *[!A-Za-z0-9_-]*) usage ;; esac
}

# scope_module: the module a module-scoped profile filters on.
scope_module()
{
	printf '%s\n' "${MOD:-virtio_blk}"
}

phases()
{
	_n=$DUR
	[ "$_n" -ge 3 ] || _n=3
	[ "$_n" -le 10 ] || _n=10
	sleep 1
	blk_load_alive
	subsys_sample before "$_n" blk_bytes
	subsys_baseline 0
	hog_start "$HOG"
	hog_frag_confirm
	hog_frag_record during
	C0=$(blk_counters)
	fault_apply "$FAULT" "$(scope_module)"
	subsys_sample during "$DUR" blk_bytes
	fault_off
	INJ=$(fault_injected)
	C1=$(blk_counters)
	hog_stop
	T_STOP=$(lab_uptime_ms)
	hog_frag_record after
	subsys_recover blk_bytes "$T_STOP"
}

report()
{
	_d=$(printf '%s\n%s\n' "$C0" "$C1" | awk '
		NR == 1 { for (i = 1; i <= NF; i++) { split($i, kv, "="); b[kv[1]] = kv[2] } next }
		{ split($1, a, "="); split($3, e, "=")
		  printf "ios=%d io_errors=%d in_flight_end=%s\n", a[2] - b["ios"], e[2] - b["io_errors"], substr($2, 11) }')
	subsys_tput before "target=blk"
	subsys_tput during "target=blk"
	subsys_tput after "target=blk"
	lab_data "io test=$LAB_TAG phase=during target=blk $_d"
	lab_data "sum test=$LAB_TAG target=blk fault=$FAULT hog=$HOG module=$(scope_module) duration_s=$DUR injected=$INJ"
	lab_info "during injection: $INJ failures injected; block: $_d"
}

# blk_reference: the load the test ran, again on a fresh virtio_blk (and
# a fresh -m module), for subsys_reference: the seconds the recovery rule
# holds the load for, and two more.
blk_reference()
{
	lab_info "the load did not come back: the same load on a fresh virtio_blk, for reference"
	BLK_DEV=
	blk_setup
	[ -z "$MOD" ] || lab_insmod "$MOD" "dev=/dev/$BLK_DEV"
	blk_load_start
	sleep 1
	subsys_reference blk_bytes $((SUBSYS_RECOVERY_HOLD + 2))
	blk_load_alive
	[ -z "$MOD" ] || lab_rmmod "$MOD"
	blk_load_stop
	blk_teardown
}

main()
{
	parse_args "$@"
	[ -z "$MOD" ] || lab_module_path "$MOD" >/dev/null || lab_fail setup "module $MOD not in the image"
	grep -q 'debug_locks: *0' /proc/lockdep_stats 2>/dev/null &&
		lab_info "warning: lockdep is off in this boot (an earlier splat turned it off): locking bugs go unseen"
	# shellcheck disable=SC2119 # no work between its readings
	verdict_snapshot
	hog_frag_record before
	blk_setup
	subsys_probe_calibrate
	[ -z "$MOD" ] || lab_insmod "$MOD" "dev=/dev/$BLK_DEV"
	blk_load_start
	phases
	report
	blk_load_alive
	TEXT=$(lab_module_text "$(scope_module)") || TEXT=
	# -m's module keeps reads in flight until it is gone.
	[ -z "$MOD" ] || lab_rmmod "$MOD"
	blk_load_stop
	blk_teardown
	verdict_taint
	# shellcheck disable=SC2086 # "start end" are two words
	verdict_free "$(scope_module)" $TEXT
	# The load's recovery after the leak, as in subsys_net.sh; a load not
	# seen back is measured again on a fresh driver (blk_reference).
	[ "$SUBSYS_RECOVERED" = 1 ] || blk_reference
	subsys_recovery_verdict
	verdict_injection -
	lab_info "pass: blk under fault=$FAULT hog=$HOG, recovered in ${SUBSYS_RECOVERY_MS} ms"
}

main "$@"
