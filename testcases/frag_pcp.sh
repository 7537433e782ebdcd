#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: frag_pcp
# contexts: hrtimer timer spin_irq
# orders: 0-4
# fault: none
# hog: labyrinth
# duration: 3 x LAB_DURATION
# timeout: 300
# needs: lab_engine labyrinth
#
# Where the high-order blocks freed under fragmentation go, and whether
# GFP_ATOMIC can take them again.  The labyrinth hog leaves no free block
# of order >= 3 (further passes until none is left, before every phase);
# the engine then runs the contexts of quick_all_global_labyrinth at
# orders 0-4, keeping 256 allocations per context and CPU and freeing the
# oldest, with no fault injected, three times:
#   plain    as the kernel runs
#   drained  while the per-CPU page lists are drained into the buddy free
#            lists every 100 ms (reading /proc/pagetypeinfo drains them
#            when page_owner is on, as the suite boots)
#   plain2   as plain again, to show the order of the phases does not
#            matter
# Blocks of order 3 the engine frees go to a per-CPU list chosen by their
# pageblock's migrate type; an unmovable (GFP_ATOMIC) request sees only the
# unmovable list of its own CPU, or the buddy free lists.  The success rate
# at order 3 with and without the drain, on two kernels, tells whether a
# difference between them comes from the per-CPU lists.
# Data: "sum test= phase= order= attempts= successes=" per phase and order,
# the engine's stat and win records, and the hog.sh records (hog, frag,
# pcp, pagetype, pageblocks, vmstat) after each phase.  Fails with
#   setup:      hog did not fragment, module missing, page_owner off
#   accounting: attempts != successes + failures, or pages outstanding
#
# Usage: frag_pcp.sh

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"
. "$LAB_LIB/engine.sh"
. "$LAB_LIB/hog.sh"

DRAIN_FLAG=$LAB_OUT/.draining

# drainer: drain the per-CPU lists every 100 ms while DRAIN_FLAG exists.
drainer()
{
	while [ -e "$DRAIN_FLAG" ]; do
		cat /proc/pagetypeinfo >/dev/null 2>&1 || :
		sleep 0.1
	done
}

# sums <phase>: "sum" records of attempts and successes per order.
sums()
{
	engine_stats | awk -v t="$LAB_TAG" -v p="$1" '/^ctx=/ && / order=/ {
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			v[kv[1]] = kv[2]
		}
		o = v["order"] + 0
		a[o] += v["attempts"]
		s[o] += v["successes"]
		if (o > max)
			max = o
	}
	END {
		for (o = 0; o <= max; o++)
			printf "sum test=%s phase=%s order=%d attempts=%d successes=%d pct=%.1f\n",
				t, p, o, a[o], s[o], a[o] ? 100 * s[o] / a[o] : 0
	}' >>"$LAB_OUT/data"
}

# during <phase>: the memory state while the engine still runs.
during()
{
	hog_frag_record "$1"
	engine_zones_record "$LAB_TAG" "$1"
}

phase()
{
	# shellcheck disable=SC2119 # its optional arguments keep their defaults
	hog_frag_confirm
	engine_load contexts=hrtimer,timer,spin_irq orders=0-4 hold=256
	lab_kmsg "frag_pcp: $1"
	if [ "$1" = drained ]; then
		: >"$DRAIN_FLAG"
		drainer &
		_drainer=$!
	fi
	lab_phase stress
	engine_run "$LAB_DURATION" "during $1"
	lab_phase check
	engine_stop
	if [ "$1" = drained ]; then
		rm -f "$DRAIN_FLAG"
		wait "$_drainer" || :
	fi
	hog_mm_record "$1"
	engine_check
	engine_record "$LAB_TAG"
	sums "$1"
	lab_info "$1: $(awk -v p="$1" '$1 == "sum" && $3 == "phase=" p && $4 == "order=3" { print $5, $6, $7 }' "$LAB_OUT/data")"
	lab_rmmod lab_engine
}

main()
{
	[ $# -eq 0 ] || { echo "usage: frag_pcp.sh" >&2; exit 2; }
	grep -q 'page_owner=on' /proc/cmdline ||
		lab_fail setup "page_owner is off: reading /proc/pagetypeinfo would not drain the per-CPU lists"
	hog_frag_record before
	hog_mm_record before
	hog_start labyrinth
	for _p in plain drained plain2; do
		phase "$_p"
	done
	hog_stop
	hog_frag_record after
}

main "$@"
