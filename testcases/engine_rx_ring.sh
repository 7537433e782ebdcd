#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: engine_rx_ring
# contexts: rx_ring
# orders: 0-3
# fault: none; then fail_page_alloc on the engine's text at probability 100 (kernels with the stack filter)
# hog: labyrinth order=3
# duration: 9
# timeout: 120
# needs: lab_engine labyrinth
#
# The NIC-like consumer: an RX ring on every CPU refilled in softirq at
# order 3, falling back to orders 2, 1, 0 and dropping when nothing is to
# be had.  Three phases of LAB_DURATION / 3 seconds: with free memory
# every refill is served at order 3; with labyrinth leaving no free block
# of order 3 refills fall back and nothing is dropped (not all of them:
# blocks that compaction makes from movable memory are served, and a
# delivered page goes straight back to the next refill through the
# per-cpu lists); with every allocation of the engine failing every refill
# is dropped.  Fails with
#   rx:         served, fallback or dropped counts not as the phase demands,
#               or a run asked to end at 1 attempt of every order (engine
#               "run <ms> <least>") ended before the requested order made one
#   accounting: refills != served + fallback + dropped, attempts !=
#               successes + failures, or pages outstanding

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"
. "$LAB_LIB/engine.sh"

FPA=/sys/kernel/debug/fail_page_alloc
LBY=/sys/kernel/debug/labyrinth

# rx_counts: "refills served fallback dropped".
rx_counts()
{
	awk '$1 == "ctx=rx_ring" && / refills=/ {
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			v[kv[1]] = kv[2]
		}
		print v["refills"] + 0, v["served"] + 0, v["fallback"] + 0, v["dropped"] + 0
	}' "$ENGINE_DIR/stats"
}

# phase <name> [hook]: run the ring (after the hook, if any); sets R S F D.
phase()
{
	lab_kmsg "engine_rx_ring: $1"
	engine_reset
	[ $# -lt 2 ] || "$2"
	lab_phase stress
	engine_run "$SECS"
	lab_phase check
	engine_stop
	engine_check
	engine_record "$LAB_TAG"
	# shellcheck disable=SC2046 # four numbers
	set -- "$1" $(rx_counts)
	R=$2 S=$3 F=$4 D=$5
	lab_info "$1: refills=$R served=$S fallback=$F dropped=$D"
	lab_data "sum test=$LAB_TAG phase=$1 refills=$R served=$S fallback=$F dropped=$D"
	[ "$R" -gt 0 ] || lab_fail rx "$1: no refill"
}

# early_end: a run that ends on attempts ("run <ms> <least>", the
# recovery run's) ends only once the ring's requested order made them.
# With a poll every 20 ms the engine's first look (5 ms) finds no attempt
# at any order; the lower orders the ring never had to try count as done,
# the requested one must not, or the run ends with nothing shown.
early_end()
{
	lab_kmsg "engine_rx_ring: early end"
	lab_phase check
	read -r _rate <"$ENGINE_PARAMS/rate_hz"
	engine_set rate_hz 50
	engine_reset
	engine_run_until 2000 1
	engine_stop
	engine_set rate_hz "$_rate"
	_top=$(awk '$1 == "ctx=rx_ring" && $2 == "order=3" {
		for (i = 3; i <= NF; i++)
			if ($i ~ /^attempts=/)
				print substr($i, 10) + 0
	}' "$ENGINE_DIR/stats")
	lab_info "early end: the run ended at ${ENGINE_RAN_MS} ms of 2000 with ${_top:-0} attempts at order 3 (1 asked)"
	[ "${_top:-0}" -gt 0 ] ||
		lab_fail rx "a run asked to end at 1 attempt of every order ended at ${ENGINE_RAN_MS} ms before the ring's order 3 made one"
}

inject_engine()
{
	_r=$(lab_module_text lab_engine) || lab_fail setup "no text range for lab_engine"
	lab_write "$FPA/probability" 0
	lab_write "$FPA/interval" 1
	lab_write "$FPA/times" -1
	lab_write "$FPA/space" 0
	lab_write "$FPA/verbose" 0
	lab_write "$FPA/task-filter" N
	lab_write "$FPA/min-order" 0
	lab_write "$FPA/stacktrace-depth" 32
	lab_write "$FPA/reject-start" 0
	lab_write "$FPA/reject-end" 0
	lab_write "$FPA/require-start" "${_r% *}"
	lab_write "$FPA/require-end" "${_r#* }"
	lab_write "$FPA/probability" 100
}

main()
{
	SECS=$((LAB_DURATION / 3))
	[ "$SECS" -ge 2 ] || SECS=2
	engine_load contexts=rx_ring orders=0-3 rate_hz=500 batch=32 gfp=atomic_nowarn

	early_end
	phase free
	if [ "$S" -ne "$R" ]; then
		lab_fail rx "free memory: served=$S of $R, fallback=$F dropped=$D"
	fi

	lab_phase hog
	lab_insmod labyrinth order=3
	printf 'fragment\n' >"$LBY/control" || lab_fail setup "labyrinth refused to fragment"
	phase fragmented
	lab_phase hog_stop
	printf 'release\n' >"$LBY/control"
	lab_rmmod labyrinth
	lab_phase check
	if [ "$F" -eq 0 ] || [ "$D" -ne 0 ]; then
		lab_fail rx "no free block of order 3: served=$S fallback=$F dropped=$D of $R"
	fi

	if [ ! -e "$FPA/require-start" ]; then
		lab_info "no fail_page_alloc stack filter: injected phase skipped"
		lab_rmmod lab_engine
		return 0
	fi
	phase injected inject_engine
	printf '0\n' >"$FPA/probability"
	[ "$D" -eq "$R" ] || lab_fail rx "every allocation failing: dropped=$D of $R, served=$S fallback=$F"
	lab_rmmod lab_engine
}

main "$@"
