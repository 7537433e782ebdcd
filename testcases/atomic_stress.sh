#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: atomic_stress
# contexts: -c <list> (names from lab_engine's table, debugfs contexts)
# orders: -o <list or range> (e.g. 0-4)
# fault: -f <profile> (configs/fault)
# hog: -H <profile> (configs/hog)
# duration: -d <seconds> (default $LAB_DURATION)
# hold: -k <pages> kept outstanding per context and CPU (default 256), so
#       a hog's fragmentation makes high orders fail for real
# timeout: 240
# needs: lab_engine labyrinth stress-ng
#
# One cell of the matrix: the allocation engine runs the given contexts
# and orders under a fault profile and a memory hog; then injection stops,
# the hog goes, and a short recovery run must allocate again.  Fails with
#   setup:      hog did not fragment, bad profile, module missing
#   hog:        stress-ng died or failed
#   accounting: attempts != successes + failures, or pages outstanding
#   injection:  an active profile injected nothing, or the engine saw no
#               failure
#   recovery:   allocations still fail after injection and hog are gone
#   taint:      new taint bits but O and E
#   leak:       free pages not back after the engine is unloaded
# Data: the engine's "stat" records and its "win" records (the measured
# phase in windows of engine_window_ms), "frag" records before, during and
# after the hog, "zone" records (free pages and the high-order atomic
# reserve) during, "pagetype", "pageblocks" and "vmstat" records
# (hog.sh) before, during (with a hog: read once the engine stopped) and
# after, a "hog" record of the hog's goal, and "sum" records with
# injected and natural failures.
#
# Usage: atomic_stress.sh -c <contexts> -o <orders> -f <fault> -H <hog>
#                         [-d <seconds>] [-k <hold>]

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"
. "$LAB_LIB/engine.sh"
. "$LAB_LIB/fault.sh"
. "$LAB_LIB/hog.sh"
. "$LAB_LIB/verdict.sh"

CTX=
ORD=
FAULT=
HOG=
DUR=$LAB_DURATION
HOLD=256
RECOVERY_MS=${RECOVERY_MS:-2000}

usage()
{
	echo "usage: atomic_stress.sh -c <contexts> -o <orders> -f <fault> -H <hog> [-d <seconds>] [-k <hold>]" >&2
	exit 2
}

parse_args()
{
	while getopts c:o:f:H:d:k: _o; do
		case $_o in
		c) CTX=$OPTARG ;;
		o) ORD=$OPTARG ;;
		f) FAULT=$OPTARG ;;
		H) HOG=$OPTARG ;;
		d) DUR=$OPTARG ;;
		k) HOLD=$OPTARG ;;
		*) usage ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -eq 0 ] || usage
	case $CTX in '' | *[!a-z_,]*) usage ;; esac
	case $ORD in '' | *[!0-9,-]*) usage ;; esac
	case $FAULT in '' | *[!a-z0-9_-]*) usage ;; esac
	case $HOG in '' | *[!a-z0-9_-]*) usage ;; esac
	case $DUR in '' | *[!0-9]* | 0) usage ;; esac
	case $HOLD in '' | *[!0-9]*) usage ;; esac
}

# during: the memory state while the hog holds and the engine still runs
# (engine_run's hook, just before the end).
during()
{
	hog_check
	hog_frag_record during
	engine_zones_record "$LAB_TAG" during
}

measured_phase()
{
	lab_phase setup
	# (through a file: a command substitution of a function forks twice)
	engine_window_ms "$DUR" >"$LAB_OUT/.wms"
	read -r _wms <"$LAB_OUT/.wms"
	engine_load contexts="$CTX" orders="$ORD" hold="$HOLD" window_ms="$_wms"
	fault_apply "$FAULT" lab_engine
	lab_kmsg "measured phase: contexts=$CTX orders=$ORD fault=$FAULT hog=$HOG ${DUR}s"
	lab_phase stress
	engine_run "$DUR" during
	lab_phase check
	engine_stop
	fault_off
	# without a hog nothing happens between this reading and the one
	# after (hog_state_record after): that one alone is taken
	[ "$HOG" = none ] || hog_mm_record during
	# the books, the records, the sums and the windows' summary from one
	# read
	engine_record "$LAB_TAG" check
	_att=$ENGINE_REC_ATTEMPTS
	_fail=$ENGINE_REC_FAILURES
	lab_info "$ENGINE_REC_WINDOWS"
	fault_count
	_inj=$FAULT_INJECTED
	_nat=$((_fail - _inj))
	[ "$_nat" -ge 0 ] || _nat=0
	lab_data "sum test=$LAB_TAG contexts=$CTX orders=$ORD fault=$FAULT hog=$HOG scope=$FAULT_SCOPE attempts=$_att failures=$_fail injected=$_inj natural=$_nat"
	lab_info "attempts=$_att failures=$_fail injected=$_inj natural=$_nat"
	verdict_injection "$_fail"
}

# recovery_phase: every context and order the test stressed, all at once,
# until each made VERDICT_RECOVERY_MIN attempts, RECOVERY_MS at most: the
# engine ends the run itself once they did (engine_run_until), so it lasts
# what the slowest pair takes (verdict.sh says why the rule and the
# numbers).  The engine's callbacks make four times the attempts at a
# quarter of the rate (recovery_rate): the same attempts a second asked of
# a context that keeps pace, four times those of the timer context, whose
# callbacks come once a jiffy at most however high the rate.
recovery_phase()
{
	lab_phase recovery
	recovery_rate
	engine_reset
	lab_kmsg "recovery run"
	engine_run_until "$RECOVERY_MS" "$VERDICT_RECOVERY_MIN"
	engine_stop
	# the books and the verdict from one read
	_rec_ms=$ENGINE_RAN_MS
	verdict_recovery_step "$ENGINE_DIR/stats" "$_rec_ms" 0 "$LAB_OUT/recovery.stats"
	verdict_recovery_early "$_rec_ms" "$RECOVERY_MS"
	lab_info "recovery: $_rec_ms ms, at least $VERDICT_RECOVERY_LEAST attempts per context and order (at least $VERDICT_RECOVERY_MIN asked), at most $VERDICT_RECOVERY_PCT % failures"
	lab_data "sum test=$LAB_TAG recovery_ms=$_rec_ms recovery_least=$VERDICT_RECOVERY_LEAST recovery_min=$VERDICT_RECOVERY_MIN recovery_pct=$VERDICT_RECOVERY_PCT"
}

# recovery_rate: batch x 4 and rate_hz / 4 for the recovery run (at most
# the engine's largest batch; a rate of 0, back to back, stays).
recovery_rate()
{
	read -r _b <"$ENGINE_PARAMS/batch"
	read -r _r <"$ENGINE_PARAMS/rate_hz"
	[ "$_r" -ge 4 ] && [ "$_b" -le 16384 ] || return 0
	engine_set batch $((_b * 4))
	engine_set rate_hz $((_r / 4))
}

main()
{
	parse_args "$@"
	verdict_recovery_rule "$HOG"
	lab_phase settle
	# the memory records before, between the settle's readings
	verdict_snapshot "hog_state_record before"
	# without a hog there is nothing to start, confirm or stop: no phase
	if [ "$HOG" != none ]; then
		lab_phase hog
		hog_start "$HOG"
		# shellcheck disable=SC2119 # its optional arguments keep their defaults
		hog_frag_confirm
	fi
	measured_phase
	if [ "$HOG" != none ]; then
		lab_phase hog_stop
		hog_stop
	fi
	hog_state_record after
	recovery_phase
	lab_phase unload
	lab_rmmod lab_engine
	lab_phase verdict
	# shellcheck disable=SC2119 # its optional arguments keep their defaults
	verdict_taint_free
	lab_phase_end
}

main "$@"
