#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: engine_teardown
# contexts: all (lab_engine's table, debugfs contexts)
# orders: 0-3
# fault: fail_page_alloc probability=50 min-order=0, module-scoped where the kernel has the stack filter
# hog: none
# duration: 10
# timeout: 300
# needs: lab_engine
#
# rmmod while every callback is armed: every context on every CPU, hold
# and RX rings full, patterns verified, and the module has to cancel, sync
# and free everything itself.  Round 1: all contexts at 500 callbacks a
# second; round 2 the same with fail_page_alloc failing half of the
# engine's allocations (all the kernel's atomic ones when the kernel has
# no stack filter); round 3 with injection, the softirq and kthread
# contexts back to back (self-rescheduling tasklets, timers re-armed from
# their callbacks, kthreads that never sleep).  Fails with
#   unload:     rmmod failed
#   injection:  injection was on but the engine saw no failure
#   accounting: the module reported an accounting mismatch on unload
#   verify:     the module reported verify errors before unload
#   leak:       free memory not back after the last unload
#   taint:      new taint bits but O and E

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"
. "$LAB_LIB/engine.sh"
. "$LAB_LIB/verdict.sh"

FPA=/sys/kernel/debug/fail_page_alloc
# Back to back, contexts that share the CPU with the rest of the system
# (the hardirq ones at rate_hz=0 would leave tasks no time: RCU stalls).
SHARED=timer,tasklet,spin_irq,spin_bh,preempt_rcu,ceiling,rx_ring
SCOPE=none
RANGE=

# inject_on <probability>: fail_page_alloc for the loaded engine; every knob
# goes back to its old value when the test ends (probability first).
inject_on()
{
	[ -d "$FPA" ] || return 1
	lab_write "$FPA/probability" 0
	lab_write "$FPA/interval" 1
	lab_write "$FPA/times" -1
	lab_write "$FPA/space" 0
	lab_write "$FPA/verbose" 0
	lab_write "$FPA/task-filter" N
	lab_write "$FPA/min-order" 0
	lab_write "$FPA/ignore-gfp-wait" Y
	SCOPE=global
	if [ -e "$FPA/require-start" ]; then
		lab_write "$FPA/stacktrace-depth" 32
		lab_write "$FPA/reject-start" 0
		lab_write "$FPA/reject-end" 0
		lab_write "$FPA/require-start" "${RANGE% *}"
		lab_write "$FPA/require-end" "${RANGE#* }"
		SCOPE=module
	fi
	lab_write "$FPA/probability" "$1"
}

inject_off()
{
	[ -d "$FPA" ] || return 0
	printf '0\n' >"$FPA/probability" || lab_fail setup "cannot switch fail_page_alloc off"
}

# mismatch_since <marker>: the engine's accounting complaints after it.
mismatch_since()
{
	dmesg | awk -v m="labyrinth: $1" '
	index($0, m) { on = 1; next }
	on && /lab_engine: accounting mismatch:/ { sub(/^.*accounting mismatch: /, ""); print; exit }'
}

# round <inject 0|1> <n> <contexts> <rate_hz> <batch>
round()
{
	_inject=$1
	_mark="engine_teardown round $2 inject=$_inject rate_hz=$4"
	lab_phase setup
	lab_kmsg "$_mark"
	engine_load contexts="$3" orders=0-3 rate_hz="$4" batch="$5" hold=64 verify=1
	RANGE=$(lab_module_text lab_engine)
	_scope=none
	if [ "$_inject" = 1 ] && inject_on 50; then
		_scope=$SCOPE
	fi
	# the run the test asks for: 2 s of the running engine, by the
	# kernel's clock; then the engine is unloaded while it runs
	lab_phase stress
	engine_start
	lab_sleep_ms 2000
	engine_clock
	lab_phase_engine 2000 "$ENGINE_RAN_MS"
	lab_phase unload
	engine_stats >"$LAB_OUT/stats.$2"
	lab_rmmod lab_engine
	inject_off
	lab_phase check
	# (summed once it stopped: forks are slow while it runs; the three
	# sums in one read)
	_sums=$(awk '/^ctx=/ && / order=/ {
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "attempts") a += kv[2]
			else if (kv[1] == "failures") f += kv[2]
			else if (kv[1] == "verify_errors") v += kv[2]
		}
	} END { printf "%.0f %.0f %.0f\n", a, f, v }' "$LAB_OUT/stats.$2")
	_a=${_sums%% *}
	_v=${_sums##* }
	_f=${_sums#* }
	_f=${_f% *}
	lab_info "round $2: injection=$_scope attempts=$_a failures=$_f verify_errors=$_v, unloaded while running"
	lab_data "sum test=$LAB_TAG round=$2 injection=$_scope attempts=$_a failures=$_f"
	_m=$(mismatch_since "$_mark")
	[ -z "$_m" ] || lab_fail accounting "on unload: $_m"
	[ "$_v" -eq 0 ] || lab_fail verify "$_v pages did not hold their pattern"
	[ "$_a" -gt 0 ] || lab_fail setup "the engine made no attempt in round $2"
	if [ "$_scope" != none ] && [ "$_f" -eq 0 ]; then
		lab_fail injection "fail_page_alloc at 50% ($_scope) but the engine saw no failure"
	fi
}

main()
{
	lab_phase settle
	verdict_snapshot
	lab_phase setup
	_all=$(engine_contexts | tr ' ' ',')
	round 0 1 "$_all" 500 2
	round 1 2 "$_all" 500 2
	round 1 3 "$SHARED" 0 4
	[ "$SCOPE" != none ] || lab_info "no fail_page_alloc in this kernel: rounds ran without injection"
	lab_phase verdict
	verdict_taint
	verdict_free lab_engine "${RANGE% *}" "${RANGE#* }"
}

main "$@"
