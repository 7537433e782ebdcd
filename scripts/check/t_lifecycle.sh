#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the guest runner's lifecycle library (testcases/lib/reset.sh)
# against fake /proc and debugfs files: the boot record, the reset of fault
# knobs and modules, each restart detector (it fires on a bad input and
# stays quiet on a good one), the choice of processes to stop, the test's
# RESULT facts; and, on real processes of their own session only, TERM,
# grace and KILL.  Run under the host's sh and, like the guest, under
# busybox sh and awk.
# shellcheck disable=SC2317 # the tests run through each_shell (tap.sh)
set -eu

TOP=$(pwd)
TMP=
. scripts/check/tap.sh
. scripts/check/slab.sh

# lib <body>: run body with reset.sh sourced against the fakes; its output
# in OUT, status in RC, restart reasons in WHY.
lib()
{
	RC=0
	[ ! -d "$TMP/boot" ] || : >"$TMP/boot/restart"
	OUT=$(LAB_LIB=$TOP/testcases/lib RESET_DIR=$TMP/boot RESET_PROC=$TMP/proc \
		RESET_DEBUGFS=$TMP/dbg RESET_RMMOD=$TMP/rmmod RESET_SLAB=$TMP/slab \
		RESET_DMESG=$TMP/dmesg \
		RESET_SETTLE_S=0 RESET_FREE_TOL=100 \
		$SH -c ". \"$TOP/testcases/lib/reset.sh\"
			$1" 2>&1) || RC=$?
	WHY=$(cat "$TMP/boot/restart" 2>/dev/null || :)
}

# expect_why <desc> <pattern>: the restart reasons match (empty: none).
expect_why()
{
	# shellcheck disable=SC2254 # the pattern is a pattern
	case $WHY in
	$2) [ "$RC" -eq 0 ] && { ok "$SHN: $1"; return 0; } ;;
	esac
	not_ok "$SHN: $1 (status $RC, reasons '$WHY')"
	printf '%s\n' "$OUT" | sed 's/^/# /'
}

fake_debugfs()
{
	rm -rf "$TMP/dbg"
	for _d in fail_page_alloc failslab; do
		mkdir -p "$TMP/dbg/$_d"
		for _kv in probability=0 interval=1 times=1 space=0 task-filter=N \
			require-start=0x0000000000000000 require-end=0xffffffffffffffff; do
			printf '%s\n' "${_kv#*=}" >"$TMP/dbg/$_d/${_kv%%=*}"
		done
	done
	printf '1\n' >"$TMP/dbg/fail_page_alloc/min-order"
	printf 'N\n' >"$TMP/dbg/failslab/cache-filter"
	: >"$TMP/dbg/kmemleak"
}

# fake_proc <free-kB> <pcp-pages> <tainted> <debug_locks>
fake_proc()
{
	rm -rf "$TMP/proc"
	mkdir -p "$TMP/proc/sys/vm" "$TMP/proc/sys/kernel"
	for _f in drop_caches compact_memory stat_refresh; do
		: >"$TMP/proc/sys/vm/$_f"
	done
	printf 'MemTotal: 2000000 kB\nMemFree: %s kB\n' "$1" >"$TMP/proc/meminfo"
	printf '  pagesets\n    cpu: 0\n              count: %s\n' "$2" >"$TMP/proc/zoneinfo"
	printf '%s\n' "$3" >"$TMP/proc/sys/kernel/tainted"
	printf ' lock-classes: 1000 [max: 8192]\n debug_locks: %s\n' "$4" >"$TMP/proc/lockdep_stats"
	printf '12.34 20.00\n' >"$TMP/proc/uptime"
	printf 'boot_mod 16384 0 - Live 0x0000000000000000\n' >"$TMP/proc/modules"
}

# fake_dmesg: the boot log from its first line, without KASAN.
fake_dmesg()
{
	printf '#!/bin/sh\ncat "%s"\n' "$TMP/dmesg.txt" >"$TMP/dmesg"
	chmod +x "$TMP/dmesg"
	printf '%s\n' '[    0.000000] Linux version 6.12.117 (gcc)' \
		'[    0.100000] Memory: 2000000K/2096696K available' >"$TMP/dmesg.txt"
}

# fake_rmmod: unloads a module by removing its line; "stuck" refuses, and
# "lower" refuses while "upper" (which uses it) is loaded.
fake_rmmod()
{
	cat >"$TMP/rmmod" <<EOF
#!/bin/sh
m=\$1
f=$TMP/proc/modules
[ "\$m" = stuck ] && exit 1
[ "\$m" = lower ] && grep -q '^upper ' "\$f" && exit 1
grep -v "^\$m " "\$f" >"\$f.new" || :
mv "\$f.new" "\$f"
EOF
	chmod +x "$TMP/rmmod"
}

setup()
{
	fake_dmesg
	fake_debugfs
	fake_proc 1000000 500 0 1
	fake_rmmod
	lib reset_record
}

# fake_slab: two caches with slabs, an empty one, an alias (symbolic link).
fake_slab()
{
	rm -rf "$TMP/slab"
	for _kv in kmalloc-64=12 dentry=3 empty=0; do
		mkdir -p "$TMP/slab/${_kv%%=*}"
		printf '%s\n' "${_kv#*=}" >"$TMP/slab/${_kv%%=*}/slabs"
		: >"$TMP/slab/${_kv%%=*}/shrink"
	done
	ln -s kmalloc-64 "$TMP/slab/alias-64"
}

# Under KASAN the boot record says so, and every settled reading first
# empties the quarantine: each cache with slabs is shrunk.
t_quarantine()
{
	fake_slab
	setup
	check "$SHN: boot record: no kasan_quarantine_reduce in kallsyms is kasan 0" \
		[ "$(cat "$TMP/boot/kasan")" = 0 ]
	check "$SHN: quarantine: without KASAN no cache is shrunk" [ "$(shrunk "$TMP/slab")" = "" ]
	fake_slab
	fake_debugfs
	fake_proc 1000000 500 0 1
	printf 'ffffffff81234560 T kasan_quarantine_reduce\n' >"$TMP/proc/kallsyms"
	lib reset_record
	check "$SHN: boot record: the whole boot log without KASAN's banner is kasan 0, kallsyms unread" \
		[ "$(cat "$TMP/boot/kasan")" = 0 ]
	printf '[    0.000000] kernel: random: crng init done\n' >"$TMP/dmesg.txt"
	lib reset_record
	check "$SHN: boot record: a boot log cut short leaves it to kallsyms (kasan_quarantine_reduce: 1)" \
		[ "$(cat "$TMP/boot/kasan")" = 1 ]
	fake_slab
	rm -f "$TMP/proc/kallsyms"
	printf '%s\n' '[    0.000000] Linux version 6.12.117 (gcc)' \
		'[    0.112233] KernelAddressSanitizer initialized (generic)' >"$TMP/dmesg.txt"
	lib reset_record
	check "$SHN: boot record: KASAN's banner in the boot log is kasan 1" \
		[ "$(cat "$TMP/boot/kasan")" = 1 ]
	check "$SHN: quarantine: under KASAN each cache with slabs is shrunk, once" \
		[ "$(shrunk "$TMP/slab")" = "dentry kmalloc-64 " ]
	fake_slab
	fake_proc $((1000000 - 400 * 4)) 500 0 1
	lib reset_detectors
	check "$SHN: quarantine: memory that looks missing is measured after shrinking" \
		[ "$(shrunk "$TMP/slab")" = "dentry kmalloc-64 " ]
}

t_record()
{
	setup
	check "$SHN: boot record lists every fault knob with its value" \
		grep -qx "$TMP/dbg/failslab/cache-filter N" "$TMP/boot/knobs"
	check "$SHN: boot record counts $(wc -l <"$TMP/boot/knobs") knobs (16)" \
		[ "$(wc -l <"$TMP/boot/knobs")" -eq 16 ]
	check "$SHN: boot record has taint, lockdep and free pages (250000 + 500)" \
		[ "$(cat "$TMP/boot/state")" = "0 1 250500" ]
	check "$SHN: boot record has the modules loaded at boot" \
		[ "$(cat "$TMP/boot/modules")" = boot_mod ]
	lib reset_detectors
	expect_why "a guest as at boot needs no restart" ''
}

# shellcheck disable=SC2016
t_knobs()
{
	setup
	printf '100\n' >"$TMP/dbg/fail_page_alloc/probability"
	printf 'Y\n' >"$TMP/dbg/failslab/task-filter"
	printf '0x1000\n' >"$TMP/dbg/fail_page_alloc/require-start"
	printf '0\n' >"$TMP/dbg/fail_page_alloc/min-order"
	# shellcheck disable=SC2016
	lib 'reset_knobs_changed | head -n 1; reset_knobs; echo "restored $RESET_COUNT"'
	expect_why "changed knobs are put back without a restart" ''
	check "$SHN: probability goes back first" \
		[ "$(printf '%s\n' "$OUT" | head -n 1 | cut -d' ' -f1)" = "$TMP/dbg/fail_page_alloc/probability" ]
	check "$SHN: four knobs restored" \
		sh -c '[ "$(printf "%s\n" "$1" | tail -n 1)" = "restored 4" ] &&
			[ "$(cat "$2/fail_page_alloc/probability")$(cat "$2/failslab/task-filter")$(cat "$2/fail_page_alloc/min-order")" = 0N1 ] &&
			[ "$(cat "$2/fail_page_alloc/require-start")" = 0x0000000000000000 ]' sh "$OUT" "$TMP/dbg"
	# A knob that does not take its value: writes vanish, reads are empty.
	rm "$TMP/dbg/failslab/interval"
	ln -s /dev/null "$TMP/dbg/failslab/interval"
	lib reset_knobs
	expect_why "a knob that cannot be put back needs a restart" 'fault knob failslab/interval stuck at *'
}

# shellcheck disable=SC2016
t_modules()
{
	setup
	printf 'upper 16384 0 - Live 0x0\nlower 16384 1 upper, Live 0x0\n' >>"$TMP/proc/modules"
	# shellcheck disable=SC2016
	lib 'reset_modules; echo "unloaded $RESET_COUNT"'
	expect_why "modules loaded by a test are unloaded (users first)" ''
	check "$SHN: only the boot module is left, two unloaded" \
		sh -c '[ "$(cut -d" " -f1 "$1")" = boot_mod ] && [ "$2" = "unloaded 2" ]' \
		sh "$TMP/proc/modules" "$OUT"
	printf 'stuck 16384 0 - Live 0x0\n' >>"$TMP/proc/modules"
	lib reset_modules
	expect_why "a module that will not unload needs a restart" 'module stuck would not unload'
}

t_detectors()
{
	setup
	fake_proc 1000000 500 4096 1
	lib reset_detectors
	expect_why "taint O (out-of-tree module) alone is no reason" ''
	fake_proc 1000000 500 $((512 | 4096 | 8192)) 1
	lib reset_detectors
	expect_why "new taint W needs a restart" 'taint W'
	fake_proc 1000000 500 $((32 | 4096)) 1
	lib reset_detectors
	expect_why "new taint B (a KASAN, KFENCE, SLUB or bad-page report) needs a restart" 'taint B'
	fake_proc 1000000 500 0 0
	lib reset_detectors
	expect_why "lockdep turned off needs a restart" 'lockdep off'
	fake_proc $((1000000 - 90 * 4)) 500 0 1
	lib reset_detectors
	expect_why "90 pages short (tolerance 100) is no reason" ''
	fake_proc $((1000000 - 400 * 4)) 500 0 1
	lib reset_detectors
	expect_why "400 pages short needs a restart" '400 pages not recovered'
	fake_proc 1000000 300 0 1
	lib reset_detectors
	expect_why "per-CPU pages count as free (200 short of 500 needs a restart)" '200 pages not recovered'
	lib 'reset_kmemleak_word "sh: write error: Operation not permitted"; reset_kmemleak_word "sh: write error: Invalid argument"; reset_kmemleak_state'
	check "$SHN: kmemleak refusing with EPERM reads as off, EINVAL and success as on" \
		[ "$(printf '%s\n' "$OUT" | tr '\n' ' ')" = "off on on " ]
	# settling: readings 200 ms apart; a change of 40 pages (200 a
	# second, over RESET_SETTLE_PAGES=64) is not settled, 10 (50) is
	lib "RESET_SETTLE_S=2; reset_drain() { :; }; reset_free_pages() { n=\$(cat $TMP/n 2>/dev/null || echo 0); echo \$((n + 1)) >$TMP/n; case \$n in 0) echo 1000 ;; 1) echo 1040 ;; *) echo 1050 ;; esac; }; rm -f $TMP/n; reset_settled_free"
	check "$SHN: boot record: free memory settles at under RESET_SETTLE_PAGES a second ($OUT)" \
		[ "$OUT" = 1050 ]
	# the rate is taken over the time the kernel's clock says passed: 20
	# pages over a nap that took 500 ms (40 a second) is settled, over
	# 200 ms (100 a second) it is not
	lib "RESET_SETTLE_S=2; reset_drain() { :; }; reset_nap() { printf '13.34 20.00\\n' >$TMP/proc/uptime; }; reset_free_pages() { n=\$(cat $TMP/n 2>/dev/null || echo 0); echo \$((n + 1)) >$TMP/n; case \$n in 0) echo 1000 ;; 1) echo 1020 ;; *) echo 1100 ;; esac; }; rm -f $TMP/n; printf '12.84 20.00\\n' >$TMP/proc/uptime; reset_settled_free"
	check "$SHN: settling: 20 pages over 500 ms by the clock is settled ($OUT)" [ "$OUT" = 1020 ]
	lib "RESET_SETTLE_S=2; reset_drain() { :; }; reset_nap() { printf '13.04 20.00\\n' >$TMP/proc/uptime; }; reset_free_pages() { n=\$(cat $TMP/n 2>/dev/null || echo 0); echo \$((n + 1)) >$TMP/n; case \$n in 0) echo 1000 ;; 1) echo 1020 ;; *) echo 1100 ;; esac; }; rm -f $TMP/n; printf '12.84 20.00\\n' >$TMP/proc/uptime; reset_settled_free"
	check "$SHN: settling: 20 pages over 200 ms is not ($OUT)" [ "$OUT" != 1020 ]
	# A refused write (here to a directory) still brings its answer under
	# set -e (the runner's): the probe's subshell must not end at the error.
	mkdir -p "$TMP/boot"
	mv "$TMP/dbg/kmemleak" "$TMP/kmemleak.saved"
	mkdir "$TMP/dbg/kmemleak"
	# shellcheck disable=SC2016 # expands in the library's shell
	lib 'set -e; reset_kmemleak_state; test -s "$RESET_PS.kmemleak" && echo answered'
	rmdir "$TMP/dbg/kmemleak"
	mv "$TMP/kmemleak.saved" "$TMP/dbg/kmemleak"
	check "$SHN: a refused kmemleak probe answers under set -e" \
		[ "$(printf '%s\n' "$OUT" | tr '\n' ' ')" = "on answered " ]
}

# reset_all: one read for a test that left nothing behind, the same
# restarts as the step-by-step reset for one that did.
# shellcheck disable=SC2016
t_scan()
{
	setup
	lib 'reset_scan'
	check "$SHN: scan of a clean guest: only the state, as reset_state reads it ($OUT)" \
		[ "$OUT" = "state 0 1 250500 none" ]
	lib 'reset_all; echo "$RESET_MODS $RESET_KNOBS $RESET_FREE"'
	expect_why "reset_all: a clean guest needs no restart" ''
	check "$SHN: reset_all: nothing undone, free pages from the one read ($OUT)" \
		[ "$OUT" = "0 0 250500" ]
	printf 'upper 16384 0 - Live 0x0\n' >>"$TMP/proc/modules"
	printf '100\n' >"$TMP/dbg/fail_page_alloc/probability"
	printf '7\n' >"$TMP/dbg/failslab/interval"
	lib 'reset_scan'
	check "$SHN: scan: the module left, the changed knobs (probability first), the state" \
		[ "$(printf '%s\n' "$OUT" | tr '\n' '|')" = "knob $TMP/dbg/fail_page_alloc/probability 0 100|knob $TMP/dbg/failslab/interval 1 7|mod upper|state 0 1 250500 none|" ]
	lib 'reset_all; echo "$RESET_MODS $RESET_KNOBS"'
	expect_why "reset_all: a module and knobs left behind are undone without a restart" ''
	check "$SHN: reset_all: one module unloaded, two knobs restored ($OUT)" \
		sh -c '[ "$1" = "1 2" ] && [ "$(cut -d" " -f1 "$2")" = boot_mod ] &&
			[ "$(cat "$3/fail_page_alloc/probability")$(cat "$3/failslab/interval")" = 01 ]' \
		sh "$OUT" "$TMP/proc/modules" "$TMP/dbg"
	fake_proc $((1000000 - 400 * 4)) 500 $((512 | 4096)) 0
	lib 'reset_all'
	expect_why "reset_all from the one read: taint W, lockdep off, pages short need a restart" \
		'lockdep off
taint W
400 pages not recovered'
}

# reset_early's readings, taken when the test ended: reset_all 0 (no
# stray) takes them, reset_all 1 (a stray stopped since) reads again, and
# so does a reading that never ended.  Each detector still fires from
# them.
# shellcheck disable=SC2016
t_early()
{
	setup
	mkdir -p "$TMP/dbg/debug_objects"
	printf 'max_chain     :2\n' >"$TMP/dbg/debug_objects/stats"
	lib reset_record
	lib 'reset_early; wait; reset_all 0; echo "$RESET_MODS $RESET_KNOBS $RESET_FREE"'
	expect_why "early: a clean guest needs no restart" ''
	check "$SHN: early: nothing undone, free pages from the early read ($OUT)" \
		[ "$OUT" = "0 0 250500" ]
	# taint and lockdep after the early read: reset_all 0 takes the
	# early read, reset_all 1 reads again
	lib 'reset_early; wait; cp "$RESET_PS.early" "$RESET_PS.early.saved"'
	fake_proc 1000000 500 $((512 | 4096)) 0
	lib 'cp "$RESET_PS.early.saved" "$RESET_PS.early"; reset_all 0'
	expect_why "early: with no stray, the early read is taken" ''
	lib 'cp "$RESET_PS.early.saved" "$RESET_PS.early"; reset_all 1'
	expect_why "early: after a stray was stopped, the state is read again" \
		'lockdep off
taint W'
	lib 'reset_early; wait; reset_all 0'
	expect_why "early: taint W and lockdep off in the early read need a restart" \
		'lockdep off
taint W'
	fake_proc $((1000000 - 400 * 4)) 500 0 1
	lib 'reset_early; wait; reset_all 0'
	expect_why "early: 400 pages short in the early read needs a restart" '400 pages not recovered'
	fake_proc 1000000 500 0 1
	printf '%s\n' '[   42.000000] ODEBUG: Out of memory. ODEBUG disabled' >>"$TMP/dmesg.txt"
	lib 'reset_early; wait; reset_all 0'
	expect_why "early: the early debugobjects probe fires" 'debugobjects disabled'
	fake_dmesg
	lib 'reset_early; wait; printf "sh: write error: Operation not permitted\ndone\n" >"$RESET_PS.early-kmemleak"; reset_all 0'
	expect_why "early: the early kmemleak probe's refusal is taken" 'kmemleak disabled'
	# a module left behind: the early read shows it, and it is undone
	printf 'upper 16384 0 - Live 0x0\n' >>"$TMP/proc/modules"
	lib 'reset_early; wait; reset_all 0; echo "$RESET_MODS"'
	expect_why "early: a module left behind is undone without a restart" ''
	check "$SHN: early: the module from the early read is unloaded ($OUT)" \
		sh -c '[ "$1" = 1 ] && [ "$(cut -d" " -f1 "$2")" = boot_mod ]' sh "$OUT" "$TMP/proc/modules"
	# a reading that never ended: read again after RESET_EARLY_MS
	fake_proc $((1000000 - 400 * 4)) 500 0 1
	lib 'printf "state 0 1 250500 none\n" >"$RESET_PS.early"; RESET_EARLY_MS=40; reset_all 0'
	expect_why "early: a read without its end is not taken" '400 pages not recovered'
	lib 'printf "a\nb\n" >"$TMP/f"; RESET_EARLY_MS=40; reset_await "$TMP/f" 40 || echo waited; echo done >>"$TMP/f"; reset_await "$TMP/f" 0 && echo whole'
	check "$SHN: reset_await: false without the last line done, true with it ($(printf '%s\n' "$OUT" | tr '\n' ' '))" \
		[ "$(printf '%s\n' "$OUT" | tr '\n' ' ')" = "waited whole " ]
	rm -r "$TMP/dbg/debug_objects"
}

# KFENCE and debugobjects turn themselves off for the rest of a boot; a
# test after that would run with the detector blind.
t_armed()
{
	fake_dmesg
	fake_debugfs
	mkdir -p "$TMP/dbg/kfence" "$TMP/dbg/debug_objects"
	printf 'enabled: 1\ncurrently allocated: 3\n' >"$TMP/dbg/kfence/stats"
	printf 'max_chain     :2\n' >"$TMP/dbg/debug_objects/stats"
	fake_proc 1000000 500 0 1
	fake_rmmod
	lib reset_record
	check "$SHN: boot record: KFENCE and debugobjects on" \
		[ "$(cat "$TMP/boot/detectors")" = "on on" ]
	lib reset_detectors
	expect_why "KFENCE and debugobjects still on is no reason" ''
	printf 'enabled: 0\ncurrently allocated: 0\n' >"$TMP/dbg/kfence/stats"
	lib reset_detectors
	expect_why "KFENCE turned off needs a restart" 'kfence disabled'
	printf 'enabled: 1\n' >"$TMP/dbg/kfence/stats"
	printf '%s\n' '[   42.000000] ODEBUG: Out of memory. ODEBUG disabled' >>"$TMP/dmesg.txt"
	lib reset_detectors
	expect_why "debugobjects out of memory (disabled for the boot) needs a restart" \
		'debugobjects disabled'
	rm -r "$TMP/dbg/kfence" "$TMP/dbg/debug_objects"
	fake_dmesg
	lib reset_record
	check "$SHN: boot record: a kernel without them records none" \
		[ "$(cat "$TMP/boot/detectors")" = "none none" ]
	printf '%s\n' '[   42.000000] ODEBUG: Out of memory. ODEBUG disabled' >>"$TMP/dmesg.txt"
	lib reset_detectors
	expect_why "... and asks for no restart on their account" ''
}

t_processes()
{
	setup
	# pid state ppid sid: init, kthreadd, a kernel thread, the runner and
	# its heartbeat (session 0), an old process, the test (session 100)
	# with a child and a zombie, and one that left for its own session.
	for _e in "1 S 0 0" "2 S 0 0" "10 I 2 0" "50 S 1 0" "60 S 50 0" "70 S 1 70" \
		"100 S 50 100" "101 S 100 100" "102 Z 100 100" "103 S 100 103"; do
		# shellcheck disable=SC2086 # four words
		set -- $_e
		mkdir -p "$TMP/proc/$1"
		printf '%s (my proc) %s %s %s %s 0 -1\n' "$1" "$2" "$3" "$4" "$4" >"$TMP/proc/$1/stat"
	done
	printf '1\n50\n70\n' >"$TMP/before"
	lib "reset_ps strays 0 $TMP/before | cut -d' ' -f1 | tr '\n' ' '"
	check "$SHN: strays: the test's session and what left it, not the runner's, old ones, zombies or kernel threads ($OUT)" \
		[ "$OUT" = "100 101 103 " ]
	lib "reset_ps session 100 | tr '\n' ' '"
	check "$SHN: session: its live members, with their names ($OUT)" \
		[ "$OUT" = "100 S my proc 101 S my proc " ]
	# the pid mark: strays are read above the last clean reading's last
	# pid, unless the pid counter may have wrapped since
	check "$SHN: no mark while strays are left" [ ! -s "$TMP/boot/.pidmark" ]
	rm -r "$TMP/proc/100" "$TMP/proc/101" "$TMP/proc/102" "$TMP/proc/103"
	printf '0.00 0.01 0.05 1/60 103\n' >"$TMP/proc/loadavg"
	printf 'cpu  1 2 3 4\nintr 5 0 0\nprocesses 1000\nprocs_running 1\n' >"$TMP/proc/stat"
	mkdir -p "$TMP/proc/sys/kernel"
	echo 32768 >"$TMP/proc/sys/kernel/pid_max"
	lib "reset_ps strays 0 $TMP/before | cut -d' ' -f1 | tr '\n' ' '"
	check "$SHN: a clean reading leaves its mark ($OUT, $(cat "$TMP/boot/.pidmark"))" \
		[ "$OUT$(cat "$TMP/boot/.pidmark")" = "103 1000" ]
	for _e in "90 S 1 90" "200 S 1 200"; do
		# shellcheck disable=SC2086 # four words
		set -- $_e
		mkdir -p "$TMP/proc/$1"
		printf '%s (my proc) %s %s %s %s 0 -1\n' "$1" "$2" "$3" "$4" "$4" >"$TMP/proc/$1/stat"
	done
	printf '0.00 0.01 0.05 1/62 200\n' >"$TMP/proc/loadavg"
	printf 'processes 1010\n' >"$TMP/proc/stat"
	lib "reset_ps strays 0 $TMP/before | cut -d' ' -f1 | tr '\n' ' '"
	check "$SHN: strays above the mark only ($OUT)" [ "$OUT" = "200 " ]
	check "$SHN: ... and the mark stays while one is left" \
		[ "$(cat "$TMP/boot/.pidmark")" = "103 1000" ]
	printf 'processes 17300\n' >"$TMP/proc/stat"
	lib "reset_ps strays 0 $TMP/before | cut -d' ' -f1 | tr '\n' ' '"
	check "$SHN: forks enough to wrap the pid counter: every pid read ($OUT)" [ "$OUT" = "200 90 " ]
	printf 'processes 1010\n' >"$TMP/proc/stat"
	printf '0.00 0.01 0.05 1/62 80\n' >"$TMP/proc/loadavg"
	lib "reset_ps strays 0 $TMP/before | cut -d' ' -f1 | tr '\n' ' '"
	check "$SHN: a last pid below the mark: every pid read ($OUT)" [ "$OUT" = "200 90 " ]
	printf '0.00 0.01 0.05 1/8200 200\n' >"$TMP/proc/loadavg"
	lib "reset_ps strays 0 $TMP/before | cut -d' ' -f1 | tr '\n' ' '"
	check "$SHN: too many tasks alive to tell: every pid read ($OUT)" [ "$OUT" = "200 90 " ]
	printf '0.00 0.01 0.05 1/62 200\n' >"$TMP/proc/loadavg"
	lib "reset_ps strays 0 $TMP/before | cut -d' ' -f1 | tr '\n' ' '"
	check "$SHN: the same readings within bounds: above the mark again ($OUT)" [ "$OUT" = "200 " ]
	rm -r "$TMP/proc/loadavg" "$TMP/proc/stat" "$TMP/proc/sys" "$TMP/proc/90" "$TMP/proc/200"
}

# gone <pid>: ended (a zombie counts: its parent has not waited yet).
# shellcheck disable=SC2317
gone()
{
	[ ! -e "/proc/$1" ] || grep -q ') Z ' "/proc/$1/stat" 2>/dev/null
}

# t_stop: real processes, each in a session of its own (setsid runs in
# place, so $! is the session), so nothing else on this machine is touched.
# shellcheck disable=SC2016
t_stop()
{
	rm -f "$TMP/flag"
	$SH -c 'exec setsid sh -c "sleep 30; :"' </dev/null >/dev/null 2>&1 &
	_p=$!
	sleep 0.5
	RC=0
	LAB_LIB=$TOP/testcases/lib RESET_DIR=$TMP/boot RESET_KILL_FLAG=$TMP/flag $SH -c ". \"$TOP/testcases/lib/reset.sh\"
		reset_stop session $_p 3" || RC=$?
	check "$SHN: a session that obeys TERM stops without KILL" \
		sh -c '[ "$1" = 0 ] && [ ! -e "$2" ]' sh "$RC" "$TMP/flag"
	check "$SHN: ... and is gone" gone "$_p"
	wait "$_p" 2>/dev/null || :
	$SH -c 'exec setsid sh -c "trap \"\" TERM; sleep 30; :"' </dev/null >/dev/null 2>&1 &
	_p=$!
	sleep 0.5
	LAB_LIB=$TOP/testcases/lib RESET_DIR=$TMP/boot $SH -c ". \"$TOP/testcases/lib/reset.sh\"
		reset_watchdog $_p 1 1 \"$TMP/flag\""
	check "$SHN: the watchdog KILLs a session that ignores TERM after the grace" \
		sh -c '[ "$(cat "$1")" = KILL ]' sh "$TMP/flag"
	check "$SHN: ... and it is gone" gone "$_p"
	wait "$_p" 2>/dev/null || :
}

t_result()
{
	mkdir -p "$TMP/out"
	rm -f "$TMP/out/verdict" "$TMP/out/.timeout"
	lib "reset_result 0 60 5 $TMP/out; reset_result 1 60 5 $TMP/out; reset_result 2 60 5 $TMP/out; reset_result 137 60 5 $TMP/out; reset_result 4 60 5 $TMP/out"
	check "$SHN: RESULT: ok, error without a verdict, error for a shell error or a signal" \
		[ "$(printf '%s\n' "$OUT" | tr '\n' '|')" = "ok|error test: failed without a verdict|error test: exit status 2|error test: killed by signal 9|skip no reason given|" ]
	printf 'leak: 400 pages not returned\n' >"$TMP/out/verdict"
	lib "reset_result 1 60 5 $TMP/out; reset_result 3 60 5 $TMP/out"
	check "$SHN: RESULT: fail with the verdict only for status 1" \
		[ "$(printf '%s\n' "$OUT" | tr '\n' '|')" = "fail leak: 400 pages not returned|error test: exit status 3|" ]
	echo KILL >"$TMP/out/.timeout"
	lib "reset_result 137 60 5 $TMP/out"
	check "$SHN: RESULT: a timeout says KILL was needed" \
		[ "$OUT" = "fail timeout: test ran longer than 60s (TERM ignored, KILL after 5s)" ]
	echo TERM >"$TMP/out/.timeout"
	lib "reset_result 143 60 5 $TMP/out"
	check "$SHN: RESULT: a timeout says TERM ended it" \
		[ "$OUT" = "fail timeout: test ran longer than 60s (stopped by TERM)" ]
}

main()
{
	TMP=$(mktemp -d)
	trap 'rm -rf "$TMP"' EXIT
	each_shell t_record t_quarantine t_knobs t_modules t_detectors t_scan t_early t_armed t_processes t_stop t_result
	exit "$FAILED"
}

main "$@"
