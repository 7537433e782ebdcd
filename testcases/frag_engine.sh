#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: frag_engine
# contexts: hrtimer tasklet spin_irq
# orders: 0-4
# fault: none
# hog: labyrinth order=3 refresh_ms=100
# duration: 10
# timeout: 120
# needs: lab_engine labyrinth
#
# Fragmentation makes atomic allocations fail for real, at the orders it
# should and only there.  With labyrinth holding memory so that no free
# block of order 3 or above remains (and taking again every 100 ms what
# frees and compaction make), the engine in hardirq, softirq and process
# context must see failures at orders 3 and 4 and none at orders 0-2;
# once labyrinth has released its memory, no failure at any order.
# Fails with
#   fragment:   no failure at an order >= 3 under fragmentation, or a
#               failure at an order below 3, or one after release
#   accounting: attempts != successes + failures, or pages outstanding

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"
. "$LAB_LIB/engine.sh"

K=3
LBY=/sys/kernel/debug/labyrinth

# failures_by_order: "order attempts failures" summed over contexts.
failures_by_order()
{
	awk '/^ctx=/ && / order=/ {
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			v[kv[1]] = kv[2]
		}
		o = v["order"] + 0
		a[o] += v["attempts"]
		f[o] += v["failures"]
		if (o > max)
			max = o
	}
	END { for (o = 0; o <= max; o++) print o, a[o] + 0, f[o] + 0 }' "$ENGINE_DIR/stats"
}

run()
{
	lab_kmsg "frag_engine: $1"
	engine_reset
	lab_phase stress
	engine_run "$SECS"
	lab_phase check
	engine_stop
	engine_check
	engine_record "$LAB_TAG"
	failures_by_order >"$LAB_OUT/orders.$1"
	while read -r _o _a _f; do
		lab_info "$1: order=$_o attempts=$_a failures=$_f"
		lab_data "sum test=$LAB_TAG phase=$1 order=$_o attempts=$_a failures=$_f"
	done <"$LAB_OUT/orders.$1"
}

main()
{
	SECS=$((LAB_DURATION / 2))
	[ "$SECS" -ge 2 ] || SECS=2
	engine_load contexts=hrtimer,tasklet,spin_irq orders=0-4 rate_hz=500 \
		batch=5 gfp=atomic_nowarn
	lab_phase hog
	lab_insmod labyrinth order="$K" refresh_ms=100
	printf 'fragment\n' >"$LBY/control" || lab_fail setup "labyrinth refused to fragment"
	run fragmented
	while read -r _o _a _f; do
		[ "$_a" -gt 0 ] || lab_fail setup "no attempt at order $_o"
		if [ "$_o" -ge "$K" ] && [ "$_f" -eq 0 ]; then
			lab_fail fragment "no free block of order >= $K, yet no failure at order $_o ($_a attempts)"
		fi
		if [ "$_o" -lt "$K" ] && [ "$_f" -ne 0 ]; then
			lab_fail fragment "$_f of $_a failed at order $_o, below the fragmented order $K"
		fi
	done <"$LAB_OUT/orders.fragmented"

	lab_phase hog_stop
	printf 'release\n' >"$LBY/control"
	lab_rmmod labyrinth
	run released
	while read -r _o _a _f; do
		[ "$_f" -eq 0 ] || lab_fail fragment "$_f of $_a failed at order $_o after release"
	done <"$LAB_OUT/orders.released"
	lab_rmmod lab_engine
}

main "$@"
