#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end: boot the real kernel under test with the real modules.
#   1. runtest/quick must pass as a whole (exit status 0), and its results
#      folder must be complete; its boot saved the guest or started from
#      the saved one, and every later boot (proof, restart) starts from it.
#   2. runtest/proof runs deliberately broken and correct modules: every
#      tag "proof_<category>_<what>" must end with that category ("pass":
#      no finding, the test passes); the guest that panics is restarted and
#      the run goes on.  On a KASAN kernel (KASAN=1 sh scripts/check/e2e.sh
#      proof) a slub or kfence expectation is kasan or kfence (proof_want).
#   3. a correct module brought as EXTMOD passes every extmod profile and
#      a page leak stays a leak (extmod); a use after free ends the boot,
#      the correct module after it passes (restart).
#   4. Ctrl-C during a run stops it with exit status 130 and its reports
#      (interrupt), and "make run" exits 1 for a failing test.
#   5. QEMU stopped from the host for 12 s while the guest is busy: the
#      soft lockup the guest reports on resume is an infrastructure error,
#      not a kernel lockup (hoststall).
#   6. the proofs on the kernel's own paths (runtest/proof-subsys) each
#      fail with their category, in a guest with the subsys devices; a
#      disk the host slows after injection is no recovery failure
#      (subsys).

set -eu
cd "$(dirname "$0")/../.."
. scripts/lib.sh

# These checks read boot-1/: one guest, however many the host would hold.
GUESTS=${GUESTS:-1}
export GUESTS

T=$(mktemp -d)
# E2E_KEEP=1 keeps the runs' results folders (printed first) for a closer look.
trap '[ -n "${E2E_KEEP:-}" ] || rm -rf "$T"' EXIT
[ -z "${E2E_KEEP:-}" ] || echo "# e2e results in $T"

ok()
{
	echo "ok - $*"
}

nok()
{
	echo "not ok - $*"
}

check()
{
	_what=$1
	shift
	if "$@"; then ok "$_what"; else nok "$_what"; fi
}

# suite <name> [list]: run the list (default runtest/<name>) into
# $T/results/<name>; status in $T/<name>.rc.
suite()
{
	rc=0
	RESULTS=$T/results RUN_ID=$1 RUNTEST=${2:-$1} LAB_DURATION=${E2E_DURATION:-3} \
		HANG_TIMEOUT=${E2E_HANG_TIMEOUT:-60} sh scripts/run.sh >"$T/$1.out" 2>&1 || rc=$?
	sed "s/^/# $1: /" "$T/$1.out"
	echo "$rc" >"$T/$1.rc"
}

result_of()
{
	cat "$T/results/$1"/tests/*-"$2"/result 2>/dev/null || printf 'missing\tnone: no result\n'
}

# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
quick()
{
	suite quick
	run=$T/results/quick
	check "quick: exit status 0 (all passed)" [ "$(cat "$T/quick.rc")" = 0 ]
	n=$(grep -c . "$run/list")
	check "quick: KTAP header, plan and one line per test ($n)" \
		sh -c 'head -n 2 "$1" | tr "\n" " " | grep -q "^KTAP version 1 1\.\.$2 " &&
			[ "$(grep -cE "^ok [0-9]+ " "$1")" = "$2" ]' sh "$run/ktap.txt" "$n"
	check "quick: results/latest points at the run" \
		[ "$(readlink "$T/results/latest")" = quick ]
	check "quick: meta.env names kernel release, accel and config hash" \
		sh -c 'grep -q "^kernel_release=[0-9]" "$1" && grep -q "^accel=" "$1" &&
			grep -q "^config_hash=" "$1"' sh "$run/meta.env"
	check "quick: guest ran on a real clocksource" \
		grep -q '^LAB BOOT [0-9]* [0-9]* tsc' "$run/channel.log"
	check "quick: console cut into per-test slices" \
		sh -c 'for f in "$1"/tests/*/kmsg.log; do grep -q "labyrinth: START" "$f" || exit 1; done' sh "$run"
	check "quick: engine statistics reached results.tsv" \
		sh -c 'awk -F "\t" "NR > 1 && \$5 ~ /^[0-9]+\$/ && \$5 > 0 { n++ } END { exit !(n > 0) }" "$1"' \
		sh "$run/results.tsv"
	check "quick: JUnit and HTML reports written" \
		sh -c 'grep -q "<testsuite" "$1/junit.xml" && grep -q "<svg" "$1/report.html"' sh "$run"
	check "quick: one progress line per test" \
		[ "$(grep -c '^\[ *[0-9]*/[0-9]*\]' "$T/quick.out")" = "$n" ]
	check "quick: no guest restart (boots=1, no LAB RESTART)" \
		sh -c 'grep -qx boots=1 "$1/meta.env" && ! grep -q "^LAB RESTART" "$1/channel.log"' sh "$run"
	check "quick: the boot saved the guest or started from the saved one ($(cat "$run/boot-1/console.log.snap" 2>/dev/null))" \
		grep -qE '^(saved|restored) [0-9a-f]+$' "$run/boot-1/console.log.snap"
}

# run_kasan <run>: 1 when the run's kernel has KASAN (KASAN=1, or a KBUILD
# tree built with it), else 0.
run_kasan()
{
	_kb=$(sed -n 's/^kernel_build=//p' "$1/meta.env" 2>/dev/null)
	if grep -qx 'CONFIG_KASAN=y' "$_kb/.config" 2>/dev/null; then echo 1; else echo 0; fi
}

# proof_want <tag> <kasan>: the categories a proof tag accepts, "a+b".
# With KASAN (<kasan> 1) KASAN checks every access to a slab object, and a freed one waits
# in its quarantine, out of SLUB debugging's sight: a use after free or a
# double free that SLUB debugging or KFENCE reports on the default kernel
# is KASAN's (kasan), or KFENCE's when KFENCE sampled the object (KASAN
# leaves KFENCE's objects alone).
proof_want()
{
	_w=${1#proof_}
	_w=${_w%%_*}
	[ "$2" = 1 ] || { printf '%s\n' "$_w"; return 0; }
	printf '%s\n' "$_w" | awk -F+ '{
		for (i = 1; i <= NF; i++) {
			if ($i == "slub" || $i == "kfence")
				k = 1
			if ($i != "slub")
				w = w (w == "" ? "" : "+") $i
		}
		if (k)
			w = "kasan" (w == "" ? "" : "+" w)
		print w
	}'
}

# proof_results <suite> <list>: every tag of the list ends as its name says.
proof_results()
{
	kasan=$(run_kasan "$T/results/$1")
	grep -Ev '^[[:space:]]*(#|$)' "$2" | while read -r tag _; do
		want=$(proof_want "$tag" "$kasan")
		r=$(result_of "$1" "$tag")
		st=$(printf '%s\n' "$r" | cut -f1)
		cat=$(printf '%s\n' "$r" | cut -f2 | sed 's/:.*//')
		if [ "$want" = pass ] && [ "$st" = ok ]; then
			ok "$1: $tag passes"
		elif [ "$want" != pass ] && [ "$st" = fail ] &&
			case +$want+ in *"+$cat+"*) true ;; *) false ;; esac; then
			ok "$1: $tag fails with category $cat (of $want)"
		else
			nok "$1: $tag: want $want, got $(printf '%s\n' "$r" | tr '\t' ' ')"
		fi
	done
}

# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
proof()
{
	suite proof
	run=$T/results/proof
	check "proof: exit status 1 (broken modules fail)" [ "$(cat "$T/proof.rc")" = 1 ]
	proof_results proof runtest/proof
	boots=$(sed -n 's/^boots=//p' "$run/meta.env")
	last=$(grep -Ev '^[[:space:]]*(#|$)' runtest/proof | tail -n 1 | cut -d' ' -f1)
	check "proof: guest restarted after the panic ($boots boots) and ran the rest" \
		sh -c '[ "${1:-0}" -ge 2 ] && [ -n "$(cat "$2"/tests/*-"$3"/result 2>/dev/null)" ]' \
		sh "$boots" "$run" "$last"
	check "proof: every boot after the first started from the saved guest" \
		sh -c 'for f in "$1"/boot-*/console.log.snap; do
			case $f in */boot-1/*) continue ;; esac
			grep -q "^restored " "$f" || exit 1
		done' sh "$run"
}

# subsys: the proofs on the kernel's own paths (runtest/proof-subsys: a
# netfilter hook that leaks, one that never recovers, a block completion
# that leaks, the recovery rule left at half) each fail with their
# category, in a guest booted with the subsys devices.
subsys()
{
	suite proof-subsys
	run=$T/results/proof-subsys
	check "proof-subsys: exit status 1 (broken modules fail)" \
		[ "$(cat "$T/proof-subsys.rc")" = 1 ]
	check "proof-subsys: the guest booted with the subsys devices" \
		grep -qx devices=subsys "$run/meta.env"
	proof_results proof-subsys runtest/proof-subsys
	throttled
}

# throttled: the host's side of the disk slower after injection (QEMU's
# block throttle, 8 MiB/s, set from its monitor at the test's "fault ...
# off"), the guest's CPU as fast as before: the load does not reach the
# baseline again, but a fresh virtio_blk carries no more, so the test
# passes on the reference (subsys_reference); proof_recovery_bad_blk_stuck
# (above) is the driver left slow, which the reference does not excuse.
# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
throttled()
{
	printf '%s\n' 'e2e_blk_throttled subsys_blk.sh -f slab -H none' >"$T/throttled.list"
	RESULTS=$T/results RUN_ID=throttled RUNTEST=$T/throttled.list LAB_DURATION=${E2E_DURATION:-3} \
		HANG_TIMEOUT=${E2E_HANG_TIMEOUT:-60} sh scripts/run.sh >"$T/throttled.out" 2>&1 &
	pid=$!
	run=$T/results/throttled
	c=$run/boot-1/console.log
	n=0
	until grep -q 'labyrinth: fault .* off' "$c" 2>/dev/null; do
		n=$((n + 1))
		if [ "$n" -gt 3000 ] || ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		sleep 0.2
	done
	# 8 MiB/s, a fraction of any baseline seen (50-100 MB/s)
	[ ! -p "$c.mon.in" ] || printf '%s\n' "block_set_io_throttle labblk 8388608 0 0 0 0 0" 1<>"$c.mon.in"
	wait "$pid" || :
	sed 's/^/# throttled: /' "$T/throttled.out"
	r=$(result_of throttled e2e_blk_throttled)
	check "throttled: the disk throttled to 8 MiB/s after injection: passes ($(printf '%s' "$r" | tr '\t' ' '))" \
		[ "$(printf '%s\n' "$r" | cut -f1)" = ok ]
	check "throttled: not back against the baseline, back against a fresh driver" \
		sh -c 'grep -q "^recovery .* recovered=0 " "$@" && grep -q "^reference .* recovered=1 " "$@"' sh \
		"$run"/tests/*/data
}

# extmod: a correct module a user brings (EXTMOD=scripts/check/fixtures/
# extmod/good_fallback, built on its own) passes every runtest/extmod
# profile, and a real page leak (proof_leak_bad_leak) is still a leak:
# under KASAN=1 the free-page check must tell KASAN's quarantine (freed
# slab objects held back) from pages a module lost.
# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
extmod()
{
	rc=0
	RESULTS=$T/results RUN_ID=extmod RUNTEST=proof TESTS='^(ext_|proof_leak_bad_leak$)' \
		EXTMOD=$(pwd)/scripts/check/fixtures/extmod/good_fallback \
		LAB_DURATION=${E2E_DURATION:-3} HANG_TIMEOUT=${E2E_HANG_TIMEOUT:-60} \
		sh scripts/run.sh >"$T/extmod.out" 2>&1 || rc=$?
	sed 's/^/# extmod: /' "$T/extmod.out"
	run=$T/results/extmod
	n=$(grep -c '^ext_' runtest/extmod)
	check "extmod: $n profiles of the correct module ran" \
		[ "$(grep -c ' ext_good_fallback_' "$run/list")" = "$n" ]
	cut -d' ' -f2 "$run/list" | while read -r tag; do
		r=$(result_of extmod "$tag")
		case $tag in
		ext_*) check "extmod: $tag passes ($(printf '%s' "$r" | tr '\t' ' '))" \
			[ "$(printf '%s\n' "$r" | cut -f1)" = ok ] ;;
		*) check "extmod: $tag is a leak ($(printf '%s' "$r" | tr '\t' ' '))" \
			sh -c 'printf "%s\n" "$1" | grep -q "^fail	leak: "' sh "$r" ;;
		esac
	done
	check "extmod: exit status 1 (the leak)" [ "$rc" = 1 ]
}

# restart: a memory-safety report ends the boot.  A use after free
# (bad_uaf) is reported by SLUB debugging, KFENCE or KASAN, each of which
# taints B; the runner asks for a fresh guest after that test, so the
# correct module after it runs in a clean boot and passes, never charged
# with the corruption left behind.
# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
restart()
{
	for t in proof_slub+kfence_bad_uaf proof_pass_good_atomic_scoped; do
		grep "^$t " runtest/proof
	done >"$T/restart.list"
	suite restart "$T/restart.list"
	run=$T/results/restart
	kasan=$(run_kasan "$run")
	while read -r tag _; do
		want=$(proof_want "$tag" "$kasan")
		r=$(result_of restart "$tag")
		st=$(printf '%s\n' "$r" | cut -f1)
		cat=$(printf '%s\n' "$r" | cut -f2 | sed 's/:.*//')
		check "restart: $tag: want $want, got $(printf '%s' "$r" | tr '\t' ' ')" \
			sh -c 'case $1 in pass) [ "$2" = ok ] ;; *) [ "$2" = fail ] &&
				case +$1+ in *"+$3+"*) true ;; *) false ;; esac ;; esac' sh "$want" "$st" "$cat"
	done <"$T/restart.list"
	check "restart: the guest restarted after the report (taint B)" \
		grep -q '^LAB RESTART 1 .*taint [A-Z]*B' "$run/channel.log"
	check "restart: the correct module ran in a second boot" \
		sh -c 'grep -qx boots=2 "$1/meta.env" && grep -q "^LAB START 2 " "$1/boot-2/channel.log"' sh "$run"
	check "restart: the second boot started from the saved guest, its console from the saved boot's record" \
		sh -c 'grep -q "^restored " "$1/boot-2/console.log.snap" &&
			awk "/labyrinth: init/ { i = NR } /labyrinth: START 2 / { s = NR } END { exit !(i && s > i) }" "$1/boot-2/console.log" &&
			! grep -q "labyrinth: START 1 " "$1/boot-2/console.log"' sh "$run"
}

# interrupt: Ctrl-C as a terminal sends it (SIGINT to the process group of
# "make run", the command in the README) while the second test runs: make
# exits 130, that test is "interrupted", the one never started leaves the
# list, every report is written, results/latest moves, no QEMU is left; and
# "make run" exits 1 for a failing test.
# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
interrupt()
{
	printf '%s\n' 'e2e_first guest_sanity.sh' \
		'e2e_long atomic_stress.sh -c timer -o 0 -f none -H none -d 600' \
		'e2e_never guest_sanity.sh' >"$T/interrupt.list"
	env --default-signal=INT,TERM setsid make run RESULTS="$T/results" RUN_ID=interrupt \
		RUNTEST="$T/interrupt.list" HANG_TIMEOUT=60 >"$T/interrupt.out" 2>&1 &
	pg=$!
	n=0
	until grep -q '^\[1/3\]' "$T/interrupt.out" && grep -q 'LAB START 2 ' \
		"$T/results/interrupt/boot-1/channel.log" 2>/dev/null; do
		n=$((n + 1))
		if [ "$n" -gt 1800 ] || ! kill -0 "$pg" 2>/dev/null; then
			break
		fi
		sleep 1
	done
	sleep 2
	t0=$(date +%s)
	kill -INT "-$pg" 2>/dev/null || :
	rc=0
	wait "$pg" || rc=$?
	secs=$(($(date +%s) - t0))
	sed 's/^/# interrupt: /' "$T/interrupt.out"
	run=$T/results/interrupt
	check "interrupt: make run exits 130 after Ctrl-C (got $rc, in $secs s)" [ "$rc" = 130 ]
	check "interrupt: the running test is marked interrupted" \
		[ "$(cat "$run"/tests/2-e2e_long/result 2>/dev/null)" = "$(printf 'interrupted\tinterrupted: run stopped by SIGINT')" ]
	check "interrupt: the finished test kept its verdict, the unstarted one left the list" \
		sh -c 'grep -q "^ok" "$1"/tests/1-e2e_first/result && [ "$(cut -d" " -f2 "$1/list" | tr "\n" " ")" = "e2e_first e2e_long " ]' sh "$run"
	check "interrupt: KTAP, JUnit and HTML written, results/latest moved" \
		sh -c 'grep -q "^ok 2 e2e_long # SKIP interrupted" "$1/ktap.txt" && [ -s "$1/junit.xml" ] &&
			[ -s "$1/report.html" ] && [ "$(readlink "$2")" = interrupt ]' sh "$run" "$T/results/latest"
	check "interrupt: no QEMU left running" \
		sh -c 'for p in "$1"/boot-*/console.log.pid; do ! kill -0 "$(cat "$p")" 2>/dev/null || exit 1; done' sh "$run"
	rc=0
	make run RESULTS="$T/results" RUN_ID=makefail RUNTEST=proof \
		TESTS='^proof_accounting_engine_miscount$' LAB_DURATION=3 >"$T/makefail.out" 2>&1 || rc=$?
	sed 's/^/# makefail: /' "$T/makefail.out"
	check "make run exits 1 for a failing test (got $rc)" [ "$rc" = 1 ]
}

# lifecycle: the runner stops a test that ignores TERM at its timeout and
# resets what it left (fault knobs, module, processes) so the next test
# starts clean in the same boot; a test that leaves taint or kmemleak off
# gets a fresh guest after it, and so does each lockdep report, so two
# locking bugs in one list are both caught.
# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
lifecycle()
{
	suite lifecycle
	run=$T/results/lifecycle
	ch=$run/channel.log
	check "lifecycle: a test that ignores TERM is KILLed at its timeout" \
		sh -c 'printf "%s\n" "$1" | grep -q "^fail	timeout: test ran longer than [0-9]*s (TERM ignored, KILL after [0-9]*s)"' \
		sh "$(result_of lifecycle lifecycle_leak)"
	r=$(result_of lifecycle lifecycle_clean)
	printf '%s\n' "$r" | sed 's/^/# lifecycle_clean: /'
	check "lifecycle: the next test starts clean (knobs, modules, processes)" \
		[ "$(printf '%s\n' "$r" | cut -f1)" = ok ]
	check "lifecycle: it ran in the same boot (reset, no restart)" \
		sh -c 'grep -q "^LAB START 2 " "$1/boot-1/channel.log" && ! grep -q "^LAB RESTART [12] " "$2"' \
		sh "$run" "$ch"
	check "lifecycle: taint W, kmemleak and KFENCE off need a fresh guest" \
		grep -q '^LAB RESTART 3 taint W, kmemleak disabled, kfence disabled$' "$ch"
	for t in lifecycle_lockdep_a lifecycle_lockdep_b; do
		r=$(result_of lifecycle "$t")
		check "lifecycle: $t fails with category lockdep ($(printf '%s' "$r" | tr '\t' ' '))" \
			sh -c 'printf "%s\n" "$1" | grep -q "^fail	lockdep: "' sh "$r"
	done
	check "lifecycle: the guest restarted after the first lockdep report" \
		grep -q '^LAB RESTART 4 .*lockdep off' "$ch"
	check "lifecycle: three boots ($(sed -n 's/^boots=//p' "$run/meta.env"))" \
		grep -qx 'boots=3' "$run/meta.env"
}

# hoststall: SIGSTOP to QEMU for 12 s while both vCPUs are busy in the
# guest, then SIGCONT: the guest reports a soft lockup on resume; the
# host's samples show QEMU stopped, so the test is an infrastructure error.
# Busy for sure: the engine's preempt_rcu threads back to back
# (lab_engine.rate_hz=0), one a CPU.  A CPU that idles with its tick
# stopped touches the watchdog when it wakes (tick_nohz_irq_enter), and
# reports nothing: a memory hog's one worker, asleep at the stop, left
# both vCPUs idle and the test passed.  The stop comes 2 s into the 25 s
# measured phase.
# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
hoststall()
{
	printf '%s\n' 'e2e_stall atomic_stress.sh -c preempt_rcu -o 0 -f none -H none -d 25' \
		>"$T/hoststall.list"
	RESULTS=$T/results RUN_ID=hoststall RUNTEST=$T/hoststall.list LAB_DURATION=3 \
		HANG_TIMEOUT=60 KCMDLINE=lab_engine.rate_hz=0 SNAPSHOT=off \
		sh scripts/run.sh >"$T/hoststall.out" 2>&1 &
	pid=$!
	b=$T/results/hoststall/boot-1
	n=0
	until grep -q 'labyrinth: measured phase: ' "$b/console.log" 2>/dev/null; do
		n=$((n + 1))
		if [ "$n" -gt 600 ] || ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		sleep 1
	done
	sleep 2
	q=$(cat "$b/console.log.pid" 2>/dev/null || :)
	if [ -n "$q" ] && kill -STOP "$q" 2>/dev/null; then
		sleep 12
		kill -CONT "$q" 2>/dev/null || :
	fi
	rc=0
	wait "$pid" || rc=$?
	sed 's/^/# hoststall: /' "$T/hoststall.out"
	r=$(result_of hoststall e2e_stall)
	check "hoststall: QEMU stopped 12 s: infrastructure error, not lockup ($(printf '%s' "$r" | tr '\t' ' '))" \
		sh -c 'printf "%s\n" "$1" | grep -q "^error	infrastructure: host stalled the guest for 1[0-9] s "' sh "$r"
	check "hoststall: the samples show QEMU stopped (state T)" \
		awk '$3 == "T" { n++ } END { exit !(n >= 8) }' "$b/console.log.host"
	check "hoststall: both busy vCPUs reported the stop as a soft lockup" \
		awk '/BUG: soft lockup - CPU#[01] / { c[$0 ~ /CPU#0 / ? 0 : 1] = 1 }
			END { exit !(c[0] && c[1]) }' "$b/console.log"
}

main()
{
	case ${1:-all} in
	quick) quick ;;
	proof) proof ;;
	interrupt) interrupt ;;
	lifecycle) lifecycle ;;
	extmod) extmod ;;
	restart) restart ;;
	hoststall) hoststall ;;
	subsys) subsys ;;
	all) quick; proof; subsys; extmod; restart; lifecycle; interrupt; hoststall ;;
	*) die "usage: e2e.sh [quick|proof|extmod|restart|lifecycle|interrupt|hoststall|all]" ;;
	esac
}

main "$@"
