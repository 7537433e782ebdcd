#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: extmod
# contexts: the module's own
# orders: the module's own
# fault: -f <profile> (default scoped)
# hog: -H <profile> (default none)
# duration: -d <seconds> (default $LAB_DURATION)
# timeout: 180
# needs: the module's .ko under /lab/modules (ext/ for EXTMOD, proof/)
#
# Bring your own module: load it under a fault profile (module-scoped
# profiles filter on its text) and a memory hog, let it run, stop the
# injection and the hog, unload it.  Fails with
#   unload:  rmmod refuses (or the module cannot be loaded: setup)
#   taint:   new taint bits but O and E (a warning, oops, bad page, lockup)
#   leak:    free pages not back after unload (page_owner names the pages
#            still allocated from the module's text), or kmemleak finds
#            slab objects allocated during the test unreferenced after
#            unload (title: the allocation site)
# and skips (exit 4) when the profile injected nothing: that says the
# test missed, not that the module is wrong.  A profile with scope=load
# (loadsweep) sweeps failures through the module's init instead: load
# after load, the 1st, 2nd, ... allocation fails, until a load makes none
# (fault_load_sweep); a failed load must unwind and leave nothing behind.
# Splats (oops, sleep in atomic, lockdep, bad page state) are judged by the
# host from this test's console slice.  The module's own kernel messages
# are kept in $LAB_OUT/module.log and shown as diagnostics.
#
# Usage: extmod.sh -m <module> [-f <fault>] [-H <hog>] [-d <seconds>]
#                  [-p "<module parameters>"]

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"
. "$LAB_LIB/engine.sh"
. "$LAB_LIB/fault.sh"
. "$LAB_LIB/hog.sh"
. "$LAB_LIB/verdict.sh"

MOD=
FAULT=scoped
HOG=none
DUR=$LAB_DURATION
PARAMS=
UNLOADED_MS=

usage()
{
	echo "usage: extmod.sh -m <module> [-f <fault>] [-H <hog>] [-d <seconds>] [-p <params>]" >&2
	exit 2
}

parse_args()
{
	while getopts m:f:H:d:p: _o; do
		case $_o in
		m) MOD=$OPTARG ;;
		f) FAULT=$OPTARG ;;
		H) HOG=$OPTARG ;;
		d) DUR=$OPTARG ;;
		p) PARAMS=$OPTARG ;;
		*) usage ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -eq 0 ] || usage
	case $MOD in
	'' | *[!A-Za-z0-9_-]*) usage ;;
	esac
	case $DUR in
	'' | *[!0-9]*) usage ;;
	esac
}

# keep_messages: the module's kernel messages since it was loaded.
keep_messages()
{
	dmesg 2>/dev/null | awk -v m="$MOD" -v mark="labyrinth: extmod $MOD loading" '
		index($0, mark) { on = 1; next }
		on && (index($0, "] " m ": ") || index($0, "[" m "]"))' \
		>"$LAB_OUT/module.log" || :
	_n=$(wc -l <"$LAB_OUT/module.log")
	lab_info "module messages: $_n lines (module.log)"
	sed -n 's/^/# /p' "$LAB_OUT/module.log" | head -n 40
}

# kfence_allocs: slab allocations KFENCE has guarded since boot (0 without it).
kfence_allocs()
{
	awk -F': ' '$1 == "total allocations" { n = $2 } END { print n + 0 }' \
		/sys/kernel/debug/kfence/stats 2>/dev/null || echo 0
}

run_module()
{
	lab_kmsg "extmod $MOD loading"
	if [ "$(fault_profile_scope "$FAULT")" = load ]; then
		fault_apply "$FAULT" "$MOD"
		# shellcheck disable=SC2086 # parameters are words
		fault_load_sweep "$MOD" "$(lab_module_path "$MOD")" $PARAMS
		lab_data "sum test=$LAB_TAG module=$MOD sweep_loads=$FAULT_SWEEP_LOADS"
	else
		# shellcheck disable=SC2086 # parameters are words
		lab_insmod "$MOD" $PARAMS
		fault_apply "$FAULT" "$MOD"
	fi
	_kf0=$(kfence_allocs)
	lab_phase stress
	_t0=$LAB_NOW_MS
	_waited=0
	while [ "$_waited" -lt "$DUR" ]; do
		sleep 1
		_waited=$((_waited + 1))
		hog_check
		grep -q "^$MOD " /proc/modules ||
			lab_fail unload "$MOD disappeared while running"
	done
	lab_now
	lab_phase_engine $((DUR * 1000)) $((LAB_NOW_MS - _t0))
	lab_phase check
	fault_off
	_inj=$(fault_injected)
	_kf=$(($(kfence_allocs) - _kf0))
	lab_data "sum test=$LAB_TAG module=$MOD fault=$FAULT hog=$HOG duration_s=$DUR injected=$_inj kfence_samples=$_kf"
	lab_info "injected failures: $_inj; KFENCE guarded $_kf slab allocations in the window"
}

unload_module()
{
	TEXT=$(lab_module_text "$MOD") || TEXT=
	# shellcheck disable=SC2086 # "start end" are two words
	verdict_kmemleak_names "$MOD" $TEXT
	if ! rmmod "$MOD" 2>"$LAB_OUT/.rmmod"; then
		keep_messages
		lab_fail unload "rmmod $MOD failed: $(head -n 1 "$LAB_OUT/.rmmod")"
	fi
	UNLOADED_MS=$(lab_uptime_ms)
	verdict_kmemleak_prescan
	keep_messages
}

main()
{
	parse_args "$@"
	lab_module_path "$MOD" >/dev/null || lab_fail setup "module $MOD not in the image"
	grep -q 'debug_locks: *0' /proc/lockdep_stats 2>/dev/null &&
		lab_info "warning: lockdep is off in this boot (an earlier splat turned it off): locking bugs go unseen"
	lab_phase settle
	# shellcheck disable=SC2119 # no work between its readings
	verdict_snapshot
	verdict_kmemleak_begin
	lab_phase hog
	hog_frag_record before
	hog_start "$HOG"
	# shellcheck disable=SC2119 # its optional arguments keep their defaults
	hog_frag_confirm
	hog_frag_record during
	run_module
	hog_stop
	hog_frag_record after
	lab_phase unload
	unload_module
	lab_phase verdict
	verdict_taint
	# shellcheck disable=SC2086 # "start end" are two words
	verdict_free "$MOD" $TEXT
	lab_phase kmemleak
	verdict_kmemleak "$UNLOADED_MS" "$MOD"
	lab_phase verdict
	verdict_injection -
	lab_info "pass: $MOD ran ${DUR}s under fault=$FAULT hog=$HOG and unloaded cleanly"
	lab_phase_end
}

main "$@"
