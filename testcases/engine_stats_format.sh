#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: engine_stats_format
# contexts: hrtimer irq_work timer tasklet spin_irq spin_bh preempt_rcu ceiling rx_ring
# orders: 0,2
# fault: none
# hog: none
# duration: 2
# timeout: 60
# needs: lab_engine
#
# The stats file is a stable interface: one line per context and order
# with every field, in order, numeric, 32 histogram buckets that add up to
# the attempts and latencies in order, plus the RX ring's line.  The
# checks are proven on the same data: copies with a field dropped, a
# value not numeric, a bucket missing, the books unbalanced must be
# refused.  Fails with
#   format:     a stats line is malformed, or lines are missing
#   checker:    the validator or engine_check accepted a broken copy

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"
. "$LAB_LIB/engine.sh"

ORDERS=0,2

# must_refuse <what> <sed script>: the validator rejects the mutated copy.
must_refuse()
{
	sed "$2" "$LAB_OUT/stats" >"$LAB_OUT/stats.bad"
	cmp -s "$LAB_OUT/stats" "$LAB_OUT/stats.bad" &&
		lab_fail setup "mutation '$1' changed nothing"
	if engine_validate <"$LAB_OUT/stats.bad" >/dev/null; then
		lab_fail checker "engine_validate accepted stats with $1"
	fi
}

main()
{
	_ctxs=$(echo "$ENGINE_CONTEXTS" | tr ' ' ',')
	engine_load contexts="$_ctxs" orders="$ORDERS" rate_hz=200 batch=4 hold=8
	engine_start
	engine_wait 2
	engine_stop
	engine_stats >"$LAB_OUT/stats"
	_n=$(wc -l <"$LAB_OUT/stats")
	# 9 contexts x 2 orders, and the RX ring's line.
	[ "$_n" -eq 19 ] || lab_fail format "$_n stats lines, expected 19"
	_msg=$(engine_validate <"$LAB_OUT/stats") || lab_fail format "$_msg"
	lab_info "stats: $_msg"
	engine_check
	engine_record "$LAB_TAG"

	must_refuse "a field dropped" '1s/ bytes=[0-9]*//'
	must_refuse "a value not numeric" '2s/attempts=\([0-9]*\)/attempts=\1x/'
	must_refuse "a bucket missing" '3s/hist=[0-9]*,/hist=/'
	must_refuse "fields swapped" '4s/\(successes=[0-9]*\) \(failures=[0-9]*\)/\2 \1/'
	must_refuse "an RX field dropped" '/refills=/s/ served=[0-9]*//'
	must_refuse "a histogram not adding up" '5s/attempts=\([0-9]*\)/attempts=\11/'
	sed '1s/attempts=\([0-9]*\)/attempts=\11/' "$LAB_OUT/stats" >"$LAB_OUT/stats.bad"
	if engine_check_stats <"$LAB_OUT/stats.bad" >/dev/null; then
		lab_fail checker "engine_check accepted attempts != successes + failures"
	fi
	sed '1s/outstanding=0/outstanding=3/' "$LAB_OUT/stats" >"$LAB_OUT/stats.bad"
	if engine_check_stats <"$LAB_OUT/stats.bad" >/dev/null; then
		lab_fail checker "engine_check accepted pages outstanding after stop"
	fi
	lab_rmmod lab_engine
}

main "$@"
