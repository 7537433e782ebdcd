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
# second with fail_page_alloc failing half of the engine's allocations
# (all the kernel's atomic ones when the kernel has no stack filter);
# round 2 with injection, the softirq and kthread contexts back to back
# (self-rescheduling tasklets, timers re-armed from their callbacks,
# kthreads that never sleep).  A round without injection before them
# showed nothing these do not: with half of the allocations failing, the
# hold rings (64 pages a context and CPU) still fill in a tenth of a
# second and the RX ring refills from lower orders (all four fail 1 time
# in 16), so the unload meets the same full rings, and the success and
# failure paths both; on a kernel without fail_page_alloc it was the same
# run twice.  Each round costs 0.5-0.7 s besides its 2 s (the load, the
# unload under the flood, the shell's late wake-up).  Fails with
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
ALL=
STATS_LEAD_MS=400
ROUNDS=2

# inject_on <probability>: fail_page_alloc for the loaded engine; every knob
# goes back to its old value when the test ends (probability first).
inject_on()
{
	[ -d "$FPA" ] || return 1
	# the knobs of an earlier round are still set (and their old values
	# saved): only the range of this load's text and the probability
	if [ "$SCOPE" != none ]; then
		if [ "$SCOPE" = module ]; then
			if ! printf '%s\n' "${RANGE% *}" >"$FPA/require-start" ||
				! printf '%s\n' "${RANGE#* }" >"$FPA/require-end"; then
				lab_fail setup "cannot scope fail_page_alloc to lab_engine"
			fi
		fi
		printf '%s\n' "$1" >"$FPA/probability" ||
			lab_fail setup "cannot switch fail_page_alloc on"
		return 0
	fi
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

# round <inject 0|1> <n> <contexts> <rate_hz> <batch>: load the engine
# (contexts "all": those of its table, set once it is loaded), run it, and
# unload it while it runs; its statistics of just before the unload in
# $LAB_OUT/stats.<n> and its scope in SCOPE.<n> (judged by judge, after
# the last round: every fork counts under TCG).
round()
{
	_inject=$1
	lab_phase setup
	lab_kmsg "engine_teardown round $2 inject=$_inject rate_hz=$4"
	_ctx=$3
	[ "$_ctx" != all ] || _ctx=$ALL
	if [ -n "$_ctx" ]; then
		engine_load contexts="$_ctx" orders=0-3 rate_hz="$4" batch="$5" hold=64 verify=1
	else
		# the names from the loaded engine's own table: no load and
		# unload just to list them
		engine_load orders=0-3 rate_hz="$4" batch="$5" hold=64 verify=1
		engine_all_set
		ALL=$ENGINE_ALL
		engine_reset
	fi
	lab_module_text lab_engine >"$LAB_OUT/.range"
	read -r RANGE <"$LAB_OUT/.range"
	_scope=none
	if [ "$_inject" = 1 ] && inject_on 50; then
		_scope=$SCOPE
	fi
	eval "SCOPE_$2=\$_scope"
	# The run the test asks for: 2 s of the running engine, by the
	# kernel's clock; then the engine is unloaded while it runs.  The
	# statistics' read and the unload by processes forked before the
	# start (a fork while every context floods both CPUs took 0.2-0.45 s,
	# and the shell wakes late from its naps): the statistics in the
	# run's last STATS_LEAD_MS (their read took 0.25-0.45 s), the unload
	# when the kernel's clock says the 2 s are up (unloader).  They are
	# not this shell's children: an end would interrupt the shell's nap
	# (busybox's read -t then waits its whole time again).
	: >"$LAB_OUT/stats.$2"
	: >"$LAB_OUT/.ran"
	(
		unloader "$LAB_OUT/stats.$2" &
		echo "$!" >"$LAB_OUT/.unloader"
	)
	read -r _pid <"$LAB_OUT/.unloader"
	lab_phase stress
	engine_start
	lab_sleep_ms 2000
	# (the engine's clock of just before the unload: its files go first)
	_ran=
	while [ -z "$_ran" ] && running "$_pid"; do
		lab_sleep_ms 10
		read -r _ran <"$LAB_OUT/.ran" || :
	done
	[ -n "$_ran" ] || read -r _ran <"$LAB_OUT/.ran" || :
	lab_phase_engine 2000 "${_ran:-2000}"
	lab_phase unload
	while running "$_pid"; do
		lab_sleep_ms 10
	done
	! lab_loaded lab_engine || lab_fail unload "rmmod lab_engine failed"
	[ -s "$LAB_OUT/stats.$2" ] || lab_fail setup "cannot read the engine's statistics"
	inject_off
}

# unloader <stats>: the statistics into <stats> in the run's last
# STATS_LEAD_MS, the kernel's clock into $LAB_OUT/.ran, then rmmod once
# the engine ran 2 s.  Every fork happens before the flood: the reader
# (its child, exec'd cat) is forked at once and naps, and the unloader
# ends as rmmod itself.  Its naps are short once the reader may end: an
# end (SIGCHLD) makes busybox's read -t wait its whole time again.
unloader()
{
	(
		lab_sleep_ms $((2000 - STATS_LEAD_MS))
		exec cat "$ENGINE_DIR/stats" >"$1"
	) &
	_rd=$!
	lab_sleep_ms $((2000 - STATS_LEAD_MS - 50))
	while running "$_rd"; do
		lab_sleep_ms 10
	done
	engine_clock
	[ "$ENGINE_RAN_MS" -ge 2000 ] || lab_sleep_ms $((2000 - ENGINE_RAN_MS))
	engine_clock
	echo "$ENGINE_RAN_MS" >"$LAB_OUT/.ran"
	exec rmmod lab_engine
}

# running <pid>: the process lives and is not a zombie.
running()
{
	kstate_running /proc "$1"
}

# judge: each round's sums from one read of its statistics file, and the
# engine's first accounting complaint in the kernel log after the last run's
# markers (a complaint before a round 1 marker, from an earlier run of the
# test in the same boot, is forgotten): one awk for all.
judge()
{
	dmesg | awk '
	FILENAME ~ /\/stats\.[0-9]+$/ {
		if (!/^ctx=/ || !/ order=/)
			next
		r = FILENAME
		sub(/.*\./, "", r)
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "attempts") a[r] += kv[2]
			else if (kv[1] == "failures") f[r] += kv[2]
			else if (kv[1] == "verify_errors") v[r] += kv[2]
		}
		next
	}
	index($0, "labyrinth: engine_teardown round ") {
		m = $0
		sub(/.*engine_teardown round /, "", m)
		sub(/ .*/, "", m)
		if (m == 1)
			found = ""
		next
	}
	found == "" && /lab_engine: accounting mismatch:/ {
		sub(/^.*accounting mismatch: /, "")
		found = m " " $0
	}
	END {
		if (found != "")
			print "mismatch", found
		for (r = 1; r <= ROUNDS; r++)
			printf "%d %.0f %.0f %.0f\n", r, a[r], f[r], v[r]
	}' ROUNDS="$ROUNDS" "$LAB_OUT"/stats.[0-9] - >"$LAB_OUT/.sums"
	while read -r _r _a _f _v; do
		if [ "$_r" = mismatch ]; then
			lab_fail accounting "on unload in round $_a: $_f $_v"
		fi
		eval "_scope=\$SCOPE_$_r"
		lab_info "round $_r: injection=$_scope attempts=$_a failures=$_f verify_errors=$_v, unloaded while running"
		lab_data "sum test=$LAB_TAG round=$_r injection=$_scope attempts=$_a failures=$_f"
		[ "$_v" -eq 0 ] || lab_fail verify "round $_r: $_v pages did not hold their pattern"
		[ "$_a" -gt 0 ] || lab_fail setup "the engine made no attempt in round $_r"
		if [ "$_scope" != none ] && [ "$_f" -eq 0 ]; then
			lab_fail injection "round $_r: fail_page_alloc at 50% ($_scope) but the engine saw no failure"
		fi
	done <"$LAB_OUT/.sums"
}

main()
{
	lab_phase settle
	# shellcheck disable=SC2119 # no work between its readings
	verdict_snapshot
	round 1 1 all 500 2
	round 1 2 "$SHARED" 0 4
	[ "$SCOPE" != none ] || lab_info "no fail_page_alloc in this kernel: rounds ran without injection"
	lab_phase check
	judge
	lab_phase verdict
	verdict_taint_free lab_engine "${RANGE% *}" "${RANGE#* }"
}

main "$@"
