#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: bench_engine
# contexts: all but ceiling (lab_engine's table), against ceiling
# orders: 0
# fault: none
# hog: none
# duration: 60
# timeout: 400
# needs: lab_engine
#
# Attempts per second of each context, back to back at order 0 on one CPU
# (the last; the test's shell keeps the others), against the tight-loop
# ceiling in the same boot.  Ceiling and context windows alternate, ROUNDS
# of each, so that a change in the host's speed hits both alike.  Each
# callback makes BATCH attempts, the timer's TIMER_BATCH: a timer_list
# fires at most once a tick, so only a long batch amortises the tick.
# Every callback, the ceiling's too, stops at the engine's budget_us
# (BENCH_BUDGET_US, the engine's default 2000): at HZ=250 the timer then
# gets at most half of each tick, and a kernel that allocates slowly
# (KASAN) never holds its CPU in hardirq or softirq for a whole batch.
# Records per context (cuts: callbacks of the context's windows that ended
# at the budget)
#   sum test=bench_engine ctx=<c> rate=<n> ceiling=<n> ratio_pct=<n> batch=<n> budget_us=<n> cuts=<n>
# Variables: BENCH_ROUNDS (2), BENCH_BATCH (64), BENCH_TIMER_BATCH (2048),
# BENCH_BUDGET_US (2000), BENCH_MIN_RATIO (percent, 0; the second argument wins).  Fails only when
# a minimum ratio is set and a context falls below it:
#   bench:      a context below the minimum ratio to the ceiling
#
# Usage: bench_engine.sh [window-seconds [min-ratio-percent]]

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"
. "$LAB_LIB/engine.sh"

WINDOW=${1:-2}
ROUNDS=${BENCH_ROUNDS:-2}
BATCH=${BENCH_BATCH:-64}
TIMER_BATCH=${BENCH_TIMER_BATCH:-2048}
BUDGET_US=${BENCH_BUDGET_US:-2000}
MIN_RATIO=${2:-${BENCH_MIN_RATIO:-0}}

uptime_cs()
{
	awk '{ printf "%d\n", $1 * 100 }' /proc/uptime
}

# window <ctx> <batch>: run it WINDOW seconds; WA attempts in WT
# centiseconds, WC callbacks cut at the budget.
window()
{
	engine_set contexts "$1"
	engine_set batch "$2"
	engine_reset
	engine_start
	sleep 0.5
	_a0=$(engine_sum attempts)
	_t0=$(uptime_cs)
	sleep "$WINDOW"
	_a1=$(engine_sum attempts)
	_t1=$(uptime_cs)
	engine_stop
	engine_check
	engine_clock
	WC=$ENGINE_CUTS
	WA=$((_a1 - _a0))
	WT=$((_t1 - _t0))
}

# rate <attempts> <centiseconds>
rate()
{
	if [ "$2" -gt 0 ]; then echo $(($1 * 100 / $2)); else echo 0; fi
}

main()
{
	case $WINDOW/$MIN_RATIO in
	*/*[!0-9]* | *[!0-9]*/* | 0/* | /* | */)
		echo "usage: bench_engine.sh [window-seconds [min-ratio-percent]]" >&2
		exit 2
		;;
	esac
	case $BUDGET_US in
	'' | *[!0-9]*)
		echo "bench_engine.sh: BENCH_BUDGET_US: not a number of microseconds: '$BUDGET_US'" >&2
		exit 2
		;;
	esac
	_cpu=$(($(grep -c '^processor' /proc/cpuinfo) - 1))
	lab_info "clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource), CPU $_cpu, ${WINDOW}s windows, $ROUNDS rounds"
	engine_load contexts=ceiling orders=0 rate_hz=0 cpus="$_cpu" gfp=atomic_nowarn budget_us="$BUDGET_US"
	_low=
	for _c in $(engine_contexts); do
		[ "$_c" != ceiling ] || continue
		_b=$BATCH
		[ "$_c" != timer ] || _b=$TIMER_BATCH
		_ca=0 _ct=0 _xa=0 _xt=0 _xc=0
		_r=0
		while [ "$_r" -lt "$ROUNDS" ]; do
			window ceiling "$_b"
			_ca=$((_ca + WA)) _ct=$((_ct + WT))
			window "$_c" "$_b"
			_xa=$((_xa + WA)) _xt=$((_xt + WT)) _xc=$((_xc + WC))
			_r=$((_r + 1))
		done
		_rate=$(rate "$_xa" "$_xt")
		_ceil=$(rate "$_ca" "$_ct")
		[ "$_ceil" -gt 0 ] || lab_fail setup "the ceiling made no attempt"
		_pct=$((_rate * 100 / _ceil))
		_sum="ctx=$_c rate=$_rate ceiling=$_ceil ratio_pct=$_pct batch=$_b budget_us=$BUDGET_US cuts=$_xc"
		lab_data "sum test=$LAB_TAG $_sum"
		lab_info "sum test=$LAB_TAG $_sum"
		[ "$_pct" -ge "$MIN_RATIO" ] || _low="$_low $_c=$_pct%"
	done
	lab_rmmod lab_engine
	[ -z "$_low" ] || lab_fail bench "below $MIN_RATIO% of the ceiling:$_low"
}

main "$@"
