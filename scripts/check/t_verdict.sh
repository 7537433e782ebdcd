#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the verdict: the guest's verdict, fault and hog helpers
# (testcases/lib/{verdict,fault,hog}.sh) against fake /proc and debugfs
# files, under the host's sh and, like the guest, under busybox sh and awk;
# and the host's one verdict path (scripts/collect.sh) on hand-made boots.
# Every check fires on a bad input and stays quiet on a good one.
# shellcheck disable=SC2317 # the tests run through each_shell (tap.sh)
set -eu

TOP=$(pwd)
TMP=
. scripts/check/tap.sh
. scripts/check/slab.sh

# guest <body>: run body with the libraries sourced, in a fresh LAB_OUT;
# status in RC, the verdict in VERDICT.
guest()
{
	rm -rf "$TMP/out"
	mkdir -p "$TMP/out"
	RC=0
	LAB_OUT=$TMP/out LAB_LIB=$TOP/testcases/lib LAB_CONFIGS=$TOP/configs \
	LAB_TAG=t FAULT_DEBUGFS=$TMP/dbg VERDICT_PROC=$TMP/proc \
	VERDICT_PAGE_OWNER=$TMP/page_owner HOG_PROC=$TMP/proc VERDICT_SLAB=$TMP/slab \
	VERDICT_SETTLE_S=1 HOG_CONFIRM_S=0 \
		$SH -c ". \"\$LAB_LIB/lab.sh\"
			. \"\$LAB_LIB/fault.sh\"
			. \"\$LAB_LIB/hog.sh\"
			. \"\$LAB_LIB/verdict.sh\"
			lab_kmsg() { :; }
			lab_module_text() { echo 0xffffffffa0000000 0xffffffffa0003000; }
			$1" >"$TMP/stdout" 2>&1 || RC=$?
	VERDICT=$(cat "$TMP/out/verdict" 2>/dev/null || :)
}

# expect <desc> <rc> <verdict pattern>: the last guest run ended so.
expect()
{
	# shellcheck disable=SC2254 # the pattern is a pattern
	case $VERDICT in
	$3) [ "$RC" -eq "$2" ] && { ok "$SHN: $1"; return 0; } ;;
	esac
	not_ok "$SHN: $1 (status $RC, verdict '$VERDICT')"
	sed 's/^/# /' "$TMP/stdout"
}

# expect_out <desc> <rc> <output>: the last guest run printed exactly that.
expect_out()
{
	if [ "$RC" -eq "$2" ] && [ "$(cat "$TMP/stdout")" = "$3" ]; then
		ok "$SHN: $1"
		return 0
	fi
	not_ok "$SHN: $1 (status $RC, output '$(cat "$TMP/stdout")', expected '$3')"
}

knob()
{
	cat "$TMP/dbg/$1"
}

fake_debugfs()
{
	rm -rf "$TMP/dbg"
	for _d in fail_page_alloc failslab; do
		mkdir -p "$TMP/dbg/$_d"
		for _kv in probability=0 interval=1 times=1 space=0 verbose=2 \
			task-filter=N ignore-gfp-wait=Y stacktrace-depth=32 \
			require-start=0x0000000000000000 \
			require-end=0xffffffffffffffff \
			reject-start=0x0000000000000000 \
			reject-end=0x0000000000000000; do
			printf '%s\n' "${_kv#*=}" >"$TMP/dbg/$_d/${_kv%%=*}"
		done
	done
	printf 'Y\n' >"$TMP/dbg/fail_page_alloc/ignore-gfp-highmem"
	printf '1\n' >"$TMP/dbg/fail_page_alloc/min-order"
}

fake_proc()
{
	rm -rf "$TMP/proc"
	mkdir -p "$TMP/proc/sys/vm"
	: >"$TMP/proc/sys/vm/drop_caches"
	printf 'MemTotal: 2000000 kB\nMemFree: %s kB\n' "$1" >"$TMP/proc/meminfo"
	printf '  pagesets\n    cpu: 0\n              count: %s\n    cpu: 1\n              count: 0\n' \
		"$2" >"$TMP/proc/zoneinfo"
	printf 'Node 0, zone    DMA32 %s\n' "$3" >"$TMP/proc/buddyinfo"
}

# shellcheck disable=SC2016 # the guest snippets expand in the guest's shell
t_fault()
{
	fake_debugfs
	guest 'fault_apply scoped mymod; fault_active && echo active
		for t in fail_page_alloc failslab; do
			for k in probability times require-start require-end; do
				echo "$t/$k=$(cat "$FAULT_DEBUGFS/$t/$k")"
			done
		done
		echo "min-order=$(cat "$FAULT_DEBUGFS/fail_page_alloc/min-order")"
		echo 999999990 >"$FAULT_DEBUGFS/fail_page_alloc/times"
		echo 999999995 >"$FAULT_DEBUGFS/failslab/times"
		echo "injected=$(fault_injected)"
		fault_off
		echo "off=$(cat "$FAULT_DEBUGFS/fail_page_alloc/probability")"'
	expect "fault_apply scoped runs" 0 ""
	_good=1
	for _l in active fail_page_alloc/probability=25 failslab/probability=25 \
		fail_page_alloc/times=1000000000 \
		fail_page_alloc/require-start=0xffffffffa0000000 \
		failslab/require-end=0xffffffffa0003000 min-order=0 \
		injected=15 off=0; do
		grep -qx "$_l" "$TMP/stdout" || { _good=0; echo "# missing $_l"; }
	done
	if [ "$_good" -eq 1 ]; then
		ok "$SHN: scoped profile sets the knobs, counts 15 injected"
	else
		not_ok "$SHN: scoped profile sets the knobs, counts 15 injected"
	fi
	_restored=0
	[ "$(knob fail_page_alloc/probability)" = 0 ] &&
		[ "$(knob fail_page_alloc/times)" = 1 ] &&
		[ "$(knob fail_page_alloc/min-order)" = 1 ] &&
		[ "$(knob failslab/require-start)" = 0x0000000000000000 ] &&
		[ "$(knob failslab/verbose)" = 2 ] && _restored=1
	if [ "$_restored" -eq 1 ]; then
		ok "$SHN: every knob restored when the test ends"
	else
		not_ok "$SHN: every knob restored when the test ends"
	fi

	guest 'FAULT_SCOPE=x; fault_apply interval'
	expect "module-scoped profile without a module is a setup failure" 1 "setup: *no module*"
	guest 'fault_apply nosuch mymod'
	expect "missing profile is a setup failure" 1 "setup: no fault profile 'nosuch'*"
	mkdir -p "$TMP/configs/fault"
	printf 'probability=7\nscope=everywhere\n' >"$TMP/configs/fault/broken.conf"
	guest "LAB_CONFIGS=$TMP/configs; fault_apply broken mymod"
	expect "bad profile is a setup failure naming file:line" 1 "setup: fault profile: */broken.conf:2: *"
	rm -rf "$TMP/dbg/failslab"
	guest 'fault_apply global'
	expect "missing debugfs knobs are a setup failure" 1 "setup: no */failslab*"
}

# shellcheck disable=SC2016 # the guest snippets expand in the guest's shell
t_injection()
{
	fake_debugfs
	guest 'fault_apply scoped mymod; fault_off; verdict_injection 12'
	expect "nothing injected: a skip, injection had no effect" 4 "injection had no effect*injected 0 failures*"
	guest 'fault_apply scoped mymod; echo 999999000 >"$FAULT_DEBUGFS/fail_page_alloc/times"; verdict_injection 0'
	expect "injected but the module saw no failure: a skip, no effect" 4 "injection had no effect*the module saw none*"
	guest 'fault_apply scoped mymod; echo 999999000 >"$FAULT_DEBUGFS/fail_page_alloc/times"; verdict_injection 1000'
	expect "injected and seen: passes" 0 ""
	guest 'fault_apply scoped mymod; echo 999999000 >"$FAULT_DEBUGFS/fail_page_alloc/times"; verdict_injection -'
	expect "injected, module does not count: passes" 0 ""
	guest 'fault_apply none; verdict_injection 0'
	expect "profile none: nothing to inject, passes" 0 ""
}


# fake_kmemleak: a report with one object from before the test (jiffies
# 4294892000) and two allocated during it by bad_slab_leak's timer.
fake_kmemleak()
{
	mkdir -p "$TMP/proc"
	printf 'Timer List Version: v0.9\njiffies: 4294900000\n' >"$TMP/proc/timer_list"
	: >"$TMP/kmemleak.ctl"
	{
		printf 'unreferenced object 0xffff888004c1e2c0 (size 64):\n'
		printf '  comm "swapper/0", pid 1, jiffies 4294892000\n'
		printf '  backtrace (crc 5d3f0a4e):\n'
		printf '    __kmalloc_cache_noprof+0x2b6/0x3a0\n'
		printf '    some_boot_fn+0x10/0x20\n'
		for _j in 4294901806 4294901810; do
			printf 'unreferenced object 0xffff888004c1e300 (size 16):\n'
			printf '  comm "softirq", pid 0, jiffies %s\n' "$_j"
			printf '  hex dump (first 16 bytes):\n'
			printf '    5a 5a 5a 5a 00 00 00 00 00 00 00 00 00 00 00 00  ZZZZ............\n'
			printf '  backtrace (crc 5d3f0a4e):\n'
			printf '    kmalloc_trace_noprof+0x2b6/0x3a0\n'
			printf '    bad_slab_leak_tick+0x35/0x120 [bad_slab_leak]\n'
			printf '    call_timer_fn+0x90/0x1a0\n'
		done
	} >"$TMP/kmemleak.all"
	head -n 5 "$TMP/kmemleak.all" >"$TMP/kmemleak.old"
}

# kml <report> <body>: the guest with the fake kmemleak files.
kml()
{
	_rep=$1
	shift
	guest "VERDICT_KMEMLEAK=$TMP/kmemleak.ctl VERDICT_KMEMLEAK_REPORT=$_rep
		VERDICT_KMEMLEAK_AGE_MS=0; $*"
}

# shellcheck disable=SC2016
t_kmemleak()
{
	fake_kmemleak
	kml "$TMP/kmemleak.all" 'verdict_kmemleak_begin; verdict_kmemleak'
	expect "kmemleak: objects allocated during the test fail it, titled by the allocation site" 1 \
		"leak: kmemleak: unreferenced object (size 16) allocated in bad_slab_leak_tick \[bad_slab_leak\]"
	check "$SHN: kmemleak: the test's reports are in its output, the older one is not" \
		sh -c 'grep -q "^# unreferenced object 0xffff888004c1e300" "$1" &&
			! grep -q some_boot_fn "$1"' sh "$TMP/stdout"
	check "$SHN: kmemleak: scanned, then cleared" \
		sh -c '[ "$(tail -n 1 "$1")" = clear ]' sh "$TMP/kmemleak.ctl"
	kml "$TMP/kmemleak.old" 'verdict_kmemleak_begin; verdict_kmemleak'
	expect "kmemleak: only objects from before the test: passes" 0 ""
	guest "VERDICT_KMEMLEAK=$TMP/no-kmemleak; verdict_kmemleak_begin; verdict_kmemleak"
	expect "kmemleak: not in the kernel: passes, says so" 0 ""
	check "$SHN: kmemleak: its absence is said" \
		grep -q "slab leaks go unseen" "$TMP/stdout"
}


# t_kmemleak_names: reports made after the unload carry bare addresses;
# the module's symbols kept by the prescan name them, and an address
# outside its text (init, freed after the load) names the module.
t_kmemleak_names()
{
	mkdir -p "$TMP/proc"
	printf 'jiffies: 4294900000\n' >"$TMP/proc/timer_list"
	{
		printf 'ffffffffa0001000 t mymod_tick\t[mymod]\n'
		printf 'ffffffffa0001200 t mymod_refill\t[mymod]\n'
		printf 'ffffffff81000000 T _stext\n'
	} >"$TMP/proc/kallsyms"
	: >"$TMP/kmemleak.ctl"
	for _a in 0xffffffffa0001234 0xffffffffa0006031; do
		printf 'unreferenced object 0xffff888004c1e300 (size 32):\n'
		printf '  comm "insmod", pid 7, jiffies 4294901806\n'
		printf '  backtrace (crc 5d3f0a4e):\n'
		printf '    __kmalloc_cache_noprof+0x2b6/0x3a0\n'
		printf '    %s\n' "$_a"
		printf '    do_one_initcall+0xc0/0x1f5\n'
	done >"$TMP/kmemleak.raw"
	kml "$TMP/kmemleak.raw" 'verdict_kmemleak_begin
		verdict_kmemleak_names mymod 0xffffffffa0001000 0xffffffffa0003000
		verdict_kmemleak_prescan
		verdict_kmemleak 0 mymod'
	expect "kmemleak: a bare address in the module's text is named from its symbols" 1 \
		"leak: kmemleak: unreferenced object (size 32) allocated in mymod_refill \[mymod\]"
	check "$SHN: kmemleak: a bare address outside it names the module" \
		grep -q "^# kmemleak site: 1 32 mymod (code no longer loaded)" "$TMP/stdout"
}

t_recovery()
{
	printf 'ctx=timer order=0 attempts=100 successes=100 failures=0\nctx=timer order=4 attempts=100 successes=100 failures=0\n' >"$TMP/good"
	printf 'ctx=rx_ring order=0 attempts=0 successes=0 failures=0\nctx=rx_ring order=4 attempts=50 successes=50 failures=0\nctx=rx_ring refills=50 served=50 fallback=0 dropped=0\n' >"$TMP/rx"
	printf 'ctx=timer order=0 attempts=100 successes=100 failures=0\nctx=timer order=4 attempts=100 successes=95 failures=5\n' >"$TMP/some"
	printf 'ctx=timer order=4 attempts=100 successes=0 failures=100\n' >"$TMP/none"
	guest "verdict_recovery_step $TMP/good 0 0"
	expect "recovery: all allocations succeed" 0 ""
	guest "verdict_recovery_step $TMP/rx 0 0"
	expect "recovery: orders rx_ring did not try say nothing" 0 ""
	guest "verdict_recovery_step $TMP/some 0 0"
	expect "recovery: 5% failures fail" 1 "recovery: ctx=timer order=4: 5 of 100 allocations failed*"
	guest "verdict_recovery_step $TMP/none 0 0"
	expect "recovery: no success fails" 1 "recovery: ctx=timer order=4: no allocation succeeded*"
	: >"$TMP/empty"
	guest "verdict_recovery_step $TMP/empty 0 0"
	expect "recovery: no allocations at all fail" 1 "recovery: the recovery run made no allocations*"
	# sizing: 1000 attempts of every pair the run must show
	printf 'ctx=timer order=0 attempts=1500 successes=1500 failures=0\nctx=timer order=4 attempts=1000 successes=1000 failures=0\nctx=rx_ring order=0 attempts=0 successes=0 failures=0\n' >"$TMP/enough"
	printf 'ctx=timer order=0 attempts=1500 successes=1500 failures=0\nctx=timer order=4 attempts=500 successes=500 failures=0\n' >"$TMP/half"
	printf 'ctx=timer order=0 attempts=1500 successes=1500 failures=0\nctx=timer order=4 attempts=100 successes=100 failures=0\n' >"$TMP/slow"
	printf 'ctx=timer order=0 attempts=1500 successes=1500 failures=0\nctx=hrtimer order=4 attempts=0 successes=0 failures=0\n' >"$TMP/idle"
	guest "verdict_recovery_step $TMP/enough 300 1700; echo \$VERDICT_RECOVERY_MORE_MS \$VERDICT_RECOVERY_LEAST"
	expect_out "recovery sizing: every pair has 1000 attempts: no more (rx_ring's untried order aside)" 0 "0 1000"
	guest "verdict_recovery_step $TMP/half 300 1700; echo \$VERDICT_RECOVERY_MORE_MS \$VERDICT_RECOVERY_LEAST"
	expect_out "recovery sizing: half the attempts: as long again, a tenth more" 0 "400 500"
	guest "verdict_recovery_step $TMP/slow 300 1700; echo \$VERDICT_RECOVERY_MORE_MS \$VERDICT_RECOVERY_LEAST"
	expect_out "recovery sizing: a slow pair gets what is left" 0 "1700 100"
	guest "verdict_recovery_step $TMP/idle 300 1700; echo \$VERDICT_RECOVERY_MORE_MS \$VERDICT_RECOVERY_LEAST"
	expect_out "recovery sizing: a context with no attempt gets what is left" 0 "1700 0"
	# the rule without a hog: no failure over 300 attempts; with one, 1 %
	# over 1000
	printf 'ctx=timer order=0 attempts=400 successes=400 failures=0 outstanding=0\nctx=timer order=4 attempts=300 successes=299 failures=1 outstanding=0\n' >"$TMP/one"
	guest "verdict_recovery_rule none; verdict_recovery_step $TMP/one 0 0"
	expect "recovery: without a hog one failure in 300 fails" 1 "recovery: ctx=timer order=4: 1 of 300 allocations failed (at most 0% may)*"
	guest "verdict_recovery_rule labyrinth; verdict_recovery_step $TMP/one 0 0"
	expect "recovery: after a hog 1 failure in 300 is within 1 %" 0 ""
	guest "verdict_recovery_rule none; verdict_recovery_step $TMP/good 0 0; echo \$VERDICT_RECOVERY_MIN \$VERDICT_RECOVERY_LEAST"
	expect_out "recovery: without a hog 300 attempts asked, the fewest made read back" 0 "300 100"
	# one read for the books, the sizing and the verdict
	printf 'ctx=timer order=0 attempts=400 successes=400 failures=0 outstanding=0\nctx=timer order=4 attempts=150 successes=150 failures=0 outstanding=0\n' >"$TMP/short"
	printf 'ctx=timer order=0 attempts=40 successes=40 failures=0 outstanding=0\nctx=timer order=4 attempts=15 successes=14 failures=1 outstanding=0\n' >"$TMP/early"
	printf 'ctx=timer order=0 attempts=400 successes=399 failures=0 outstanding=0\nctx=timer order=4 attempts=400 successes=400 failures=0 outstanding=0\n' >"$TMP/books"
	printf 'ctx=timer order=0 attempts=400 successes=400 failures=0 outstanding=0\nctx=timer order=4 attempts=400 successes=400 failures=0 outstanding=0\n' >"$TMP/fine"
	step=". \"\$LAB_LIB/engine.sh\"; verdict_recovery_rule none; verdict_recovery_step"
	guest "$step $TMP/fine 250 1750 $TMP/copy; echo \$VERDICT_RECOVERY_MORE_MS \$VERDICT_RECOVERY_LEAST"
	expect_out "recovery step: every pair has its 300 attempts: done" 0 "0 400"
	check "$SHN: recovery step: the statistics copied" cmp -s "$TMP/fine" "$TMP/copy"
	guest "$step $TMP/short 250 1750; echo \$VERDICT_RECOVERY_MORE_MS \$VERDICT_RECOVERY_LEAST"
	expect_out "recovery step: a pair short of 300: more time, no verdict yet" 0 "300 150"
	guest "$step $TMP/short 500 0"
	expect "recovery step: no time left: the verdict on what was made" 0 ""
	guest "$step $TMP/early 250 1750"
	expect "recovery step: without a hog a failure is judged at once" 1 "recovery: ctx=timer order=4: 1 of 15 allocations failed*"
	guest ". \"\$LAB_LIB/engine.sh\"; verdict_recovery_rule labyrinth; verdict_recovery_step $TMP/early 250 1750; echo \$VERDICT_RECOVERY_MORE_MS"
	expect_out "recovery step: after a hog a failure waits for the full run" 0 "1750"
	# a run in which no order of the RX ring was tried: its lines are
	# the books' too (the rules that skip untried orders come after)
	printf 'ctx=rx_ring order=0 attempts=0 successes=0 failures=0 outstanding=0\nctx=rx_ring order=4 attempts=0 successes=0 failures=0 outstanding=0\nctx=rx_ring refills=0 served=0 fallback=0 dropped=0\n' >"$TMP/rxidle"
	guest "$step $TMP/rxidle 6 0 $TMP/copy"
	expect "recovery step: an RX ring that tried nothing made no allocations (not: no statistics)" 1 "recovery: the recovery run made no allocations*"
	check "$SHN: recovery step: every line copied, the untried ones too" cmp -s "$TMP/rxidle" "$TMP/copy"
	guest "$step $TMP/books 250 1750"
	expect "recovery step: the books are checked in the same read" 1 "accounting: ctx=timer order=0 attempts=400 successes=399 failures=0*"
	# a run the engine ended by itself (enough attempts) before its time
	guest "$step $TMP/fine 180 0; verdict_recovery_early 180 2000"
	expect "recovery: ended early with every pair at its 300 attempts" 0 ""
	guest "$step $TMP/short 180 0; verdict_recovery_early 180 2000"
	expect "recovery: ended early with a pair short of its attempts fails" 1 "timing: the engine ended the recovery run at 180 ms of 2000 with 150 attempts*"
	guest "$step $TMP/short 2001 0; verdict_recovery_early 2001 2000"
	expect "recovery: a pair short at the deadline is what the time allowed" 0 ""
}

t_taint()
{
	guest 'VERDICT_TAINT0=0; lab_tainted() { echo 12288; }; verdict_taint'
	expect "taint: O and E are fine" 0 ""
	guest 'VERDICT_TAINT0=4096; lab_tainted() { echo 4640; }; verdict_taint'
	expect "taint: new W and B fail, lettered" 1 "taint: new taint bits 544 (BW)*"
	guest 'VERDICT_TAINT0=512; lab_tainted() { echo 4608; }; verdict_taint'
	expect "taint: a W from before the test is not this test's" 0 ""
	guest 'VERDICT_TAINT0=0; lab_tainted() { echo 16384; }; verdict_taint'
	expect "taint: soft lockup (L) fails" 1 "taint: new taint bits 16384 (L)*"
}

t_free()
{
	# settling: a change of 20 pages in 200 ms (100 a second, over the 64
	# a second of VERDICT_SETTLE_PAGES) is not settled; 10 (50 a second) is
	guest "n=0; verdict_drain() { :; }; verdict_memfree_pages() { n=\$(cat $TMP/n 2>/dev/null || echo 0); echo \$((n + 1)) >$TMP/n; [ \$n -lt 3 ] && echo \$((1000 + n * 20)) || echo \$((1040 + n * 10)); }; rm -f $TMP/n; verdict_settled_free"
	expect_out "settle: readings 200 ms apart must change by less than 64 pages a second" 0 "1080"
	# the snapshot: the test's own work between its first two readings
	# (once), the taint from the same read as the free pages
	fake_proc 400000 100 "1 1 1 1 1 1 1 1 1 1 1"
	printf '4096\n' >"$TMP/tainted"
	rm -f "$TMP/between"
	guest "VERDICT_TAINTED=$TMP/tainted; verdict_drain() { :; }; verdict_snapshot 'echo ran >>$TMP/between'; echo \$VERDICT_FREE0 \$VERDICT_TAINT0 \$KSTATE_READINGS >$TMP/snap"
	check "$SHN: snapshot: settled free pages and the taint of the same read" \
		grep -qx '100100 4096 2' "$TMP/snap"
	check "$SHN: snapshot: the work between the readings ran once" \
		[ "$(grep -cx ran "$TMP/between")" = 1 ]
	# readings that keep moving: another reading after the work
	guest "VERDICT_TAINTED=$TMP/tainted; verdict_drain() { :; }; n=0; verdict_free_taint() { n=\$(cat $TMP/n 2>/dev/null || echo 0); echo \$((n + 1)) >$TMP/n; echo \$((1000 + n * 40)) 0; }; rm -f $TMP/n; verdict_snapshot :; echo \$VERDICT_FREE0 \$KSTATE_READINGS >$TMP/snap"
	check "$SHN: snapshot: readings 40 pages apart (200 a second) are read again" \
		[ "$(cut -d' ' -f2 "$TMP/snap")" -gt 2 ]
	fake_proc 400000 100 "1 1 1 1 1 1 1 1 1 1 1"
	guest 'VERDICT_FREE0=100100; verdict_free'
	expect "free: pages back (per-CPU lists count as free)" 0 ""
	guest 'VERDICT_FREE0=105100; verdict_free'
	expect "free: 5000 pages missing is a leak" 1 "leak: 5000 pages not returned (tolerance 2048)"
	# both checks on one read: the taint first, then the pages
	printf '4096\n' >"$TMP/tainted"
	guest "VERDICT_TAINTED=$TMP/tainted; VERDICT_TAINT0=4096; VERDICT_FREE0=100100; verdict_taint_free"
	expect "taint and free: no new taint, pages back" 0 ""
	guest "VERDICT_TAINTED=$TMP/tainted; VERDICT_TAINT0=4096; VERDICT_FREE0=105100; verdict_drain() { :; }; verdict_taint_free"
	expect "taint and free: 5000 pages missing is a leak" 1 "leak: 5000 pages not returned (tolerance 2048)"
	printf '4608\n' >"$TMP/tainted"
	guest "VERDICT_TAINTED=$TMP/tainted; VERDICT_TAINT0=4096; VERDICT_FREE0=105100; verdict_taint_free"
	expect "taint and free: a new W from the same read fails first" 1 "taint: new taint bits 512 (W)*"
	# a shortfall as read is measured again settled, and only that decides:
	# dropped caches bring the pages back
	guest "VERDICT_FREE0=105100; verdict_drain() { printf 'MemTotal: 2000000 kB\\nMemFree: 420000 kB\\n' >$TMP/proc/meminfo; }; verdict_free"
	expect "free: a shortfall that settling brings back passes" 0 ""
	check "$SHN: free: the settled reading is the one recorded" grep -q 'free_after=105100 .*free_after_read=settled' "$TMP/out/data"
	fake_proc 400000 100 "1 1 1 1 1 1 1 1 1 1 1"
	guest "VERDICT_FREE0=100100; verdict_drain() { echo drained >$TMP/drained; }; verdict_free"
	expect "free: a reading within the tolerance passes as it is" 0 ""
	check "$SHN: free: ... without dropping caches or compacting" [ ! -e "$TMP/drained" ]
	cat >"$TMP/page_owner" <<'EOF'
Page allocated via order 3, mask 0x2820(GFP_ATOMIC|__GFP_NOWARN), pid 0, tgid 0 (swapper/1), ts 3148026721 ns
PFN 0x7c0 type Unmovable Block 3 type Unmovable Flags 0x0(section=0|zone=0)
 prep_new_page+0x17/0x4b
 __alloc_pages_noprof+0x9e/0x158
 0xffffffffa000002c
 call_timer_fn+0xe3/0x1cc

Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 1, tgid 1 (init), ts 1 ns
PFN 0x800 type Unmovable Block 4 type Unmovable Flags 0x0(section=0|zone=0)
 prep_new_page+0x17/0x4b
 0xffffffffa0004000

Page allocated via order 2, mask 0x2820(GFP_ATOMIC|__GFP_NOWARN), pid 0, tgid 0 (swapper/0), ts 3159990662 ns
PFN 0x7c8 type Unmovable Block 3 type Unmovable Flags 0x0(section=0|zone=0)
 0xffffffffa0002ff0
 call_timer_fn+0xe3/0x1cc
EOF
	guest 'VERDICT_FREE0=105100; verdict_free mymod 0xffffffffa0000000 0xffffffffa0003000'
	expect "free: page_owner names 12 pages from the module's text" 1 \
		"leak: 5000 pages not returned (tolerance 2048), page_owner: 12 pages allocated from mymod"
}

# fake_slab: caches as /sys/kernel/slab shows them: two that hold slabs,
# one empty, one alias (a symbolic link) and a file that is no cache.
fake_slab()
{
	rm -rf "$TMP/slab"
	for _kv in kmalloc-64=12 dentry=3 empty=0; do
		mkdir -p "$TMP/slab/${_kv%%=*}"
		printf '%s N0=%s\n' "${_kv#*=}" "${_kv#*=}" >"$TMP/slab/${_kv%%=*}/slabs"
		: >"$TMP/slab/${_kv%%=*}/shrink"
	done
	ln -s kmalloc-64 "$TMP/slab/alias-64"
	: >"$TMP/slab/not-a-cache"
}

# shellcheck disable=SC2016 # the guest snippets expand in the guest's shell
t_quarantine()
{
	fake_proc 400000 0 "1 1 1 1 1 1 1 1 1 1 1"
	printf 'ffffffff81000000 T _stext\nffffffff81234560 T kasan_quarantine_reduce\n' \
		>"$TMP/proc/kallsyms"
	fake_slab
	guest 'verdict_settled_free'
	check "$SHN: quarantine: KASAN (kallsyms): every cache with slabs shrunk, once" \
		[ "$(shrunk "$TMP/slab")" = "dentry kmalloc-64 " ]
	fake_slab
	mkdir -p "$TMP/boot"
	echo 0 >"$TMP/boot/kasan"
	guest "LAB_BOOT_STATE=$TMP/boot; verdict_settled_free"
	check "$SHN: quarantine: the boot record (kasan 0) overrides kallsyms: nothing shrunk" \
		[ "$(shrunk "$TMP/slab")" = "" ]
	printf 'ffffffff81000000 T _stext\nffffffff81234560 T kmem_cache_shrink\n' \
		>"$TMP/proc/kallsyms"
	fake_slab
	guest 'verdict_drain'
	check "$SHN: quarantine: no KASAN: nothing shrunk" [ "$(shrunk "$TMP/slab")" = "" ]
	fake_slab
	guest 'VERDICT_KASAN=1; verdict_drain'
	check "$SHN: quarantine: VERDICT_KASAN=1: shrunk" [ "$(shrunk "$TMP/slab")" = "dentry kmalloc-64 " ]
}

# shellcheck disable=SC2016 # the guest snippets expand in the guest's shell
t_hog()
{
	fake_proc 400000 0 "100 100 100 0 0 0 0 0 0 0 2"
	guest 'hog_frag_confirm 3 2'
	expect "frag confirm: 2 free blocks of order >= 3, 2 allowed" 0 ""
	guest 'hog_frag_confirm 2 8'
	expect "frag confirm: 102 blocks of order >= 2 fail" 1 "setup: hog did not fragment: 102 free blocks of order >= 2 (at most 8 allowed)"
	guest 'hog_start none; hog_frag_confirm; hog_stop'
	expect "hog none: nothing to confirm" 0 ""
	guest 'hog_frag_record during; cat "$LAB_OUT/data"'
	if grep -qx 'frag test=t phase=during node=0 zone=DMA32 o0=100 o1=100 o2=100 o3=0 o4=0 o5=0 o6=0 o7=0 o8=0 o9=0 o10=2' "$TMP/stdout"; then
		ok "$SHN: buddyinfo becomes a frag record"
	else
		not_ok "$SHN: buddyinfo becomes a frag record"
	fi
	guest 'hog_start nosuch'
	expect "missing hog profile is a setup failure" 1 "setup: no hog profile 'nosuch'*"
}

# ---- the host's verdict (scripts/collect.sh)

# boot <run> <end> <list> : channel lines on stdin after a "--" line come
# from the console.  One boot: <run>/boot-1/{channel,console}.log and
# console.log.end; then collect.sh, its output in <run>/outcome.
boot()
{
	rm -rf "$1"
	mkdir -p "$1/boot-1"
	printf '%s\n' "$3" | tr ';' '\n' >"$1/list"
	awk -v dir="$1/boot-1" '
		$0 == "--" { con = 1; next }
		{ print > (dir (con ? "/console.log" : "/channel.log")) }' -
	[ -f "$1/boot-1/console.log" ] || : >"$1/boot-1/console.log"
	printf '%s\n' "$2" >"$1/boot-1/console.log.end"
	sh scripts/collect.sh "$1" 1 >"$1/outcome" 2>"$1/err" ||
		echo "status $?: $(cat "$1/err")" >"$1/outcome"
}

# result <run> <idx-tag>: that test's result line, tab shown as " | ".
result()
{
	sed 's/	/ | /' "$1/tests/$2/result" 2>/dev/null || echo "(no result)"
}

# is <desc> <got> <want>
is()
{
	if [ "$2" = "$3" ]; then
		ok "collect: $1"
	else
		not_ok "collect: $1 (got '$2', want '$3')"
	fi
}

# console <fixture> <start-line>: a console fixture with its labyrinth
# markers removed, timestamps as they are.
console()
{
	grep -v 'labyrinth: ' "$TOP/scripts/check/fixtures/console/$1"
}

t_collect_rules()
{
	R=$TMP/run
	{
		printf 'LAB START 1 a 60\nLAB RESULT 1 a fail leak: 5000 pages not returned (tolerance 2048)\n'
		printf 'LAB START 2 b 60\nLAB RESULT 2 b fail leak: 5000 pages not returned (tolerance 2048)\n'
		printf 'LAB START 3 c 60\nLAB RESULT 3 c skip no KASAN\nLAB DONE\n--\n'
		echo '[    1.0] labyrinth: START 1 a'
		console real_bad_lockdep.bad
		echo '[    9.0] labyrinth: END 1 a'
		echo '[   10.0] labyrinth: START 2 b'
		echo '[   10.5] labyrinth: leaked pages: 5000 pages not returned after unload (tolerance 2048)'
		echo '[   11.0] labyrinth: END 2 b'
		echo '[   12.0] labyrinth: START 3 c'
		console sleep_atomic.bad
		echo '[   13.0] labyrinth: END 3 c'
	} | boot "$R" "exit 0" "1 a x.sh;2 b x.sh;3 c x.sh"
	is "a finished boot is done" "$(cat "$R/outcome")" "done"
	is "a console finding beats the guest's own check (cause first)" "$(result "$R" 1-a)" \
		"fail | lockdep: WARNING: inconsistent lock state (bad_lockdep_lock) in bad_lockdep_work_fn [bad_lockdep]"
	is "no finding: the guest's own check decides, with one title (its echo in the kernel log is no finding)" \
		"$(result "$R" 2-b)" "fail | leak: 5000 pages not returned (tolerance 2048)"
	is "a finding fails a test the guest skipped" "$(cut -d'	' -f1 "$R/tests/3-c/result")" "fail"
	_l=$(head -n 1 "$R/tests/1-a/findings" | cut -f3)
	is "findings: the verdict's splat first, with its console line" \
		"$(head -n 1 "$R/tests/1-a/findings" | cut -f1)" "lockdep"
	is "findings: the deciding line is that splat's headline in the slice" \
		"$(sed -n "${_l:-0}p" "$R/tests/1-a/kmsg.log" | sed 's/^\[[ 0-9.]*\] //')" \
		"WARNING: inconsistent lock state"

	{
		printf 'LAB START 1 a 60\nLAB RESULT 1 a fail test: failed without a reason\n'
		printf 'LAB START 2 b 60\nLAB RESULT 2 b fail\n'
		printf 'LAB START 3 c 60\nLAB RESULT 3 c error test: exit status 2\n'
		printf 'LAB START 4 d 60\nLAB RESULT 4 d bogus\nLAB DONE\n--\n'
	} | boot "$R" "exit 0" "1 a x.sh;2 b x.sh;3 c x.sh;4 d x.sh"
	is "exit 1 without a verdict is an error (a broken test), not a failure" "$(result "$R" 1-a)" \
		"error | test: exited with status 1 without a verdict"
	is "a bare fail without a verdict is an error too" "$(cut -d'	' -f1 "$R/tests/2-b/result")" "error"
	is "the guest's error stays an error" "$(result "$R" 3-c)" "error | test: exit status 2"
	is "a garbled guest result is an error" "$(cut -d'	' -f1 "$R/tests/4-d/result")" "error"
}

t_collect_ends()
{
	R=$TMP/run
	for _end in "exit 0" "exit 1" "signal KILL" "killed by signal 9"; do
		printf 'LAB START 1 a 60\nLAB RESULT 1 a ok\nLAB START 2 b 60\n--\n[ 1.0] labyrinth: START 2 b\n[ 1.1] lab_engine: loaded\n' |
			boot "$R" "$_end" "1 a x.sh;2 b x.sh;3 c x.sh"
		is "QEMU ended ($_end) without a panic: an infrastructure error, never a panic" \
			"$(result "$R" 2-b)" "error | infrastructure: qemu ended ($_end)"
	done
	is "... and the boot crashed in that test" "$(cat "$R/outcome")" "crashed 2"
	{
		printf 'LAB START 1 a 60\n--\n[ 1.0] labyrinth: START 1 a\n'
		console real_bad_null_panic.bad
	} | boot "$R" "exit 0" "1 a x.sh"
	is "a panic on the console is the kernel's: panic, named after its oops" "$(result "$R" 1-a)" \
		"fail | panic: Kernel panic - not syncing: Fatal exception in interrupt (after BUG: kernel NULL pointer dereference in bad_null_tick [bad_null])"
	printf 'LAB START 1 a 60\n--\n[ 1.0] labyrinth: START 1 a\n' |
		boot "$R" "hang no output from the guest for 90s" "1 a x.sh"
	is "a silent guest the watchdog ended: hang" "$(result "$R" 1-a)" \
		"fail | hang: no output from the guest for 90s"
	{
		printf 'LAB START 1 a 60\n--\n[ 1.0] labyrinth: START 1 a\n'
		console lockdep_then_lockup.bad
	} | boot "$R" "hang test 1 ran past its timeout of 60s" "1 a x.sh"
	is "a hang after lockdep: lockdep names it, the lockup follows" "$(result "$R" 1-a)" \
		"fail | lockdep: WARNING: inconsistent lock state (bad_lockdep_lock) in bad_lockdep_work_fn [bad_lockdep] (then soft lockup)"
	is "... and every splat is in findings" "$(cut -f1 "$R/tests/1-a/findings" | tr '\n' ' ')" "lockdep lockup "
	printf 'LAB START 1 a 60\nLAB RESULT 1 a ok\nLAB START 2 b 60\n--\n[ 1.0] labyrinth: START 2 b\n' |
		boot "$R" "interrupted SIGINT" "1 a x.sh;2 b x.sh"
	is "an interrupted run leaves the running test interrupted" "$(result "$R" 2-b)" \
		"interrupted | SIGINT"
	is "... and the test before it keeps its verdict" "$(result "$R" 1-a)" "ok | "
}

t_collect_restart()
{
	R=$TMP/run
	{
		printf 'LAB START 1 a 60\nLAB RESULT 1 a ok\nLAB START 2 b 60\nLAB RESULT 2 b ok\n'
		printf 'LAB RESTART 2 lockdep is off (debug_locks=0)\n--\n'
		echo '[ 1.0] labyrinth: START 1 a'
		echo '[ 1.5] labyrinth: END 1 a'
		echo '[ 2.0] labyrinth: START 2 b'
		echo '[ 2.5] labyrinth: END 2 b'
		echo '[ 3.0] reboot: Restarting system'
	} | boot "$R" "exit 0" "1 a x.sh;2 b x.sh;3 c x.sh"
	is "LAB RESTART after a test asks the boot loop for a fresh boot" "$(cat "$R/outcome")" \
		"restart 2 lockdep is off (debug_locks=0)"
	is "... and that test keeps its own result" "$(result "$R" 2-b)" "ok | "
	{
		printf 'LAB START 1 a 60\nLAB RESULT 1 a ok\nLAB RESTART 1 taint\nLAB START 2 b 60\n--\n'
		echo '[ 1.0] labyrinth: START 2 b'
		console real_bad_null_panic.bad
	} | boot "$R" "exit 0" "1 a x.sh;2 b x.sh"
	is "a restart request for an earlier test does not hide a crash" "$(cat "$R/outcome")" "crashed 2"
	{
		printf 'LAB START 1 a 60\nLAB RESULT 1 a ok\nLAB RESTART 1 taint\n--\n'
		echo '[ 1.0] labyrinth: START 1 a'
		echo '[ 1.5] labyrinth: END 1 a'
		console sched_atomic.bad
	} | boot "$R" "exit 0" "1 a x.sh;2 b x.sh"
	is "a splat after the test's END (its reset) is charged to it" \
		"$(cut -d'	' -f1 "$R/tests/1-a/result")" "fail"
}

main()
{
	TMP=$(mktemp -d)
	trap 'rm -rf "$TMP"' EXIT
	each_shell t_fault t_injection t_kmemleak t_kmemleak_names t_recovery t_taint t_free t_quarantine t_hog
	t_collect_rules
	t_collect_ends
	t_collect_restart
	exit "$FAILED"
}

main "$@"
