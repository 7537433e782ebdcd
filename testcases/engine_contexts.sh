#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: engine_contexts
# contexts: all (lab_engine's table, debugfs contexts)
# orders: 0-4
# fault: none
# hog: none
# duration: 10
# timeout: 180
# needs: lab_engine
#
# Every context alone in turn, on every CPU, for LAB_DURATION / 5 seconds
# (at least 2): orders 0-4, a hold ring whose pages are freed from other
# contexts, patterns written and verified.  Each context must attempt and
# succeed at every order, and the books must balance after stop.  Then
# the time budget: hrtimer callbacks of 64 attempts that each busy-wait
# 100 us must end at budget_us=1000 (about 10 attempts each, every
# callback cut), and with budget_us=0 make all 64 (no cut).  Fails with
#   context:    a context made no attempt, or none succeeded, at an order
#   budget:     a callback ran past its budget, or one was cut without one
#   accounting: attempts != successes + failures, or pages outstanding
#   verify:     a page did not hold its pattern until it was freed

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"
. "$LAB_LIB/engine.sh"

ORDERS=0-4

# RAN_AWK: engine_record's own rules for a context's run (its name in
# xa): at every order, attempts and successes (the RX ring: refills
# served at its order, the highest; lower ones are fallbacks); it answers
# in xout "attempts=N failures=N" of the context, or the first problem.
# The books (engine_record's check) come first: one read of the
# statistics for the books, the records and this, since every fork
# counts under TCG.
# shellcheck disable=SC2016 # awk's own variables
RAN_AWK='
FILENAME == s && $1 == "ctx=" xa && / order=/ {
	for (i = 2; i <= NF; i++) {
		split($i, kv, "=")
		if (kv[1] == "attempts") ra += kv[2]
		else if (kv[1] == "failures") rf += kv[2]
	}
}
FILENAME == s && $1 == "ctx=rx_ring" && / refills=/ {
	rn++
	split($3, kv, "=")
	if (kv[2] + 0 == 0 && rbad == "")
		rbad = sprintf("rx_ring: no refill served: %s", $0)
}
FILENAME == s && $1 == "ctx=" xa && / order=/ && xa != "rx_ring" {
	rn++
	split("", rv)
	for (i = 2; i <= NF; i++) {
		split($i, kv, "=")
		rv[kv[1]] = kv[2]
	}
	if ((rv["attempts"] + 0 == 0 || rv["successes"] + 0 == 0) && rbad == "")
		rbad = sprintf("%s order=%s: attempts=%s successes=%s", xa, rv["order"], rv["attempts"], rv["successes"])
}
END {
	if (rbad != "")
		print "bad " rbad >xout
	else if (!rn)
		printf "bad %s: no statistics\n", xa >xout
	else
		printf "ok attempts=%.0f failures=%.0f\n", ra, rf >xout
}'

run_one()
{
	lab_kmsg "engine_contexts: $1"
	engine_set contexts "$1"
	engine_reset
	lab_phase stress
	engine_run "$SECS"
	lab_phase check
	engine_stop
	engine_record "$LAB_TAG" check "$RAN_AWK" "$1"
	read -r _ok _msg <"$LAB_OUT/.xrec" || :
	[ -n "$_ok" ] || _msg="$1: no answer from the statistics' read"
	[ "$_ok" = ok ] || lab_fail context "$_msg"
	lab_info "$1: $_msg"
}

# budget_run <budget-us>: one second of the hrtimer context, 50
# callbacks a second of 64 attempts at 100 us each; ATT attempts, CUTS cuts.
budget_run()
{
	engine_set contexts hrtimer
	engine_set orders 0
	engine_set hold 0
	engine_set verify 0
	engine_set batch 64
	engine_set rate_hz 50
	engine_set delay_ns 100000
	engine_set budget_us "$1"
	engine_reset
	# a run the test asks for: stress, as the contexts' runs
	lab_phase stress
	engine_run 1
	lab_phase check
	engine_stop
	engine_check
	engine_clock
	# (the clock's attempts: those of the one context and order, no fork)
	ATT=$ENGINE_ATTEMPTS
	CUTS=$ENGINE_CUTS
	lab_info "budget_us=$1: attempts=$ATT cuts=$CUTS"
	lab_data "budget test=$LAB_TAG budget_us=$1 attempts=$ATT cuts=$CUTS"
}

check_budget()
{
	budget_run 1000
	if [ "$CUTS" -eq 0 ] || [ "$ATT" -gt $((CUTS * 20)) ]; then
		lab_fail budget "budget_us=1000 with 100 us per attempt: $ATT attempts, $CUTS callbacks cut (at most 20 attempts per callback expected)"
	fi
	budget_run 0
	if [ "$CUTS" -ne 0 ] || [ "$ATT" -eq 0 ] || [ $((ATT % 64)) -ne 0 ]; then
		lab_fail budget "budget_us=0: $ATT attempts, $CUTS callbacks cut (whole batches of 64, no cut expected)"
	fi
}

main()
{
	SECS=$((LAB_DURATION / 5))
	[ "$SECS" -ge 2 ] || SECS=2
	# (1 s windows: the verdicts are on sums, and 0.25 s windows were
	# 350 records, most of the 0.9 s the serial line took after the test
	# under TCG; the names through a file: a command substitution of a
	# function forks twice)
	engine_load orders="$ORDERS" rate_hz=500 batch=8 hold=32 verify=1 window_ms=1000
	engine_contexts >"$LAB_OUT/.ctx"
	read -r _names <"$LAB_OUT/.ctx"
	for _c in $_names; do
		run_one "$_c"
	done
	check_budget
	lab_rmmod lab_engine
}

main "$@"
