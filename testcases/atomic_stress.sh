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
# (hog.sh) before, during (read once the engine stopped) and after, a
# "hog" record of the hog's goal, and "sum" records with injected and
# natural failures.
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
RECOVERY_FIRST_MS=${RECOVERY_FIRST_MS:-300}

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
	engine_load contexts="$CTX" orders="$ORD" hold="$HOLD" \
		window_ms="$(engine_window_ms "$DUR")"
	fault_apply "$FAULT" lab_engine
	lab_kmsg "measured phase: contexts=$CTX orders=$ORD fault=$FAULT hog=$HOG ${DUR}s"
	lab_phase stress
	engine_run "$DUR" during
	lab_phase check
	engine_stop
	fault_off
	hog_mm_record during
	engine_check
	engine_record "$LAB_TAG"
	# both sums and the windows' summary in one read (every fork counts
	# under TCG)
	_win=
	[ ! -r "$ENGINE_DIR/windows" ] || _win=$ENGINE_DIR/windows
	# shellcheck disable=SC2086 # no file or one, a path without spaces
	_sums=$(awk '/^ctx=/ && / order=/ {
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "attempts") a += kv[2]
			else if (kv[1] == "failures") f += kv[2]
		}
	}
	/^windows=/ { w = $0 }
	END { printf "%.0f %.0f %s\n", a, f, w }' "$ENGINE_DIR/stats" $_win)
	_att=${_sums%% *}
	_sums=${_sums#* }
	_fail=${_sums%% *}
	lab_info "${_sums#* }"
	fault_count
	_inj=$FAULT_INJECTED
	_nat=$((_fail - _inj))
	[ "$_nat" -ge 0 ] || _nat=0
	lab_data "sum test=$LAB_TAG contexts=$CTX orders=$ORD fault=$FAULT hog=$HOG scope=$FAULT_SCOPE attempts=$_att failures=$_fail injected=$_inj natural=$_nat"
	lab_info "attempts=$_att failures=$_fail injected=$_inj natural=$_nat"
	verdict_injection "$_fail"
}

# recovery_phase: a run long enough that every context and order it tried
# made VERDICT_RECOVERY_MIN attempts (so that VERDICT_RECOVERY_PCT % of
# failures can show), at most RECOVERY_MS in all: a first run of
# RECOVERY_FIRST_MS, then one more sized by the slowest pair's rate.
recovery_phase()
{
	lab_phase recovery
	engine_reset
	lab_kmsg "recovery run"
	engine_run_ms "$RECOVERY_FIRST_MS"
	_more=$(verdict_recovery_more "$ENGINE_DIR/stats" "$RECOVERY_FIRST_MS" \
		$((RECOVERY_MS - RECOVERY_FIRST_MS)))
	_ms=${_more% *}
	[ "$_ms" -eq 0 ] || engine_run_ms "$_ms"
	engine_stop
	# one read of the statistics for the checks and the verdict
	engine_stats >"$LAB_OUT/recovery.stats"
	engine_check_file "$LAB_OUT/recovery.stats"
	[ "$_ms" -eq 0 ] || _more=$(verdict_recovery_more "$LAB_OUT/recovery.stats" 1 0)
	lab_info "recovery: $((RECOVERY_FIRST_MS + _ms)) ms, at least ${_more#* } attempts per context and order"
	verdict_recovery "$LAB_OUT/recovery.stats"
}

main()
{
	parse_args "$@"
	lab_phase settle
	verdict_snapshot
	hog_state_record before
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
	verdict_taint
	# shellcheck disable=SC2119 # its optional arguments keep their defaults
	verdict_free
	lab_phase_end
}

main "$@"
