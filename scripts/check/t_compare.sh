#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# compare.sh on the fixture runs: equal runs, a real regression, an
# improvement, tests in only one run, thresholds, garbled and incompatible
# runs, bad threshold files.  Run from the repository's root.

set -eu
. scripts/check/reports-lib.sh

# cmp_run <name> <base> <new> [options...]: compare into $WORK/<name>,
# leaving the exit status in $WORK/<name>.rc.
cmp_run()
{
	_name=$1
	_b=$2
	_n=$3
	shift 3
	_rc=0
	scripts/compare.sh -o "$WORK/$_name" "$@" "$_b" "$_n" >"$WORK/$_name.out" \
		2>"$WORK/$_name.err" || _rc=$?
	echo "$_rc" >"$WORK/$_name.rc"
}

# shellcheck disable=SC2317 # called through check
rc_is()
{
	[ "$(cat "$WORK/$1.rc")" = "$2" ]
}

test_equal()
{
	R=$WORK/runs
	cmp_run same "$R/clean" "$R/clean"
	check "compare: a run against itself exits 0" rc_is same 0
	check "compare: ... and says no regression" has "$WORK/same.out" '**Result: no regression**'
	check "compare: ... with no verdict change" has "$WORK/same.out" \
		'None: every test in both runs has the same verdict.'
	check "compare: Markdown on stdout equals compare.md" cmp "$WORK/same.out" "$WORK/same/compare.md"
}

# shellcheck disable=SC2016 # Markdown backticks, not command substitution
test_regression()
{
	R=$WORK/runs
	cmp_run reg "$R/clean" "$R/crash"
	_md=$WORK/reg/compare.md
	_html=$WORK/reg/compare.html
	check "compare: a real regression exits 1" rc_is reg 1
	check "compare: ... says REGRESSION" has "$_md" '**Result: REGRESSION**'
	check "compare: pass -> fail is a regression" has "$_md" \
		'| engine_contexts | pass | fail | **regression** | crash: BUG: sleeping function called from invalid context |'
	check "compare: pass -> error (missing result) is the suite broken, not a kernel regression" has "$_md" \
		'| frag_hog | pass | error | broken | missing: no result |'
	check "compare: new crash title listed" has "$_md" \
		'| `crash: BUG: sleeping function called from invalid context` | engine_contexts |'
	check "compare: success-rate drop beyond the threshold" has "$_md" \
		'| fault_order0 | hrtimer | 0 | 98.00 | 80.00 | -18.00 | 1000 / 1000 | **regression** |'
	check "compare: p99 rise beyond the threshold" has "$_md" \
		'| engine_contexts | hrtimer | 0 | 4030 | 9030 | +124.1 | **regression** |'
	check "compare: measurements in only one run are listed" has "$_md" \
		'| frag_hog | timer | 0 | BASE |'
	check "compare: compare.html written with plots" sh -c \
		"[ \"\$(grep -c '<svg' '$_html')\" -eq 6 ]"
	check "compare: compare.html offline and balanced" sh -c \
		". scripts/check/reports-lib.sh; html_offline '$_html' && html_balanced '$_html'"
	check "compare: compare.html lists the regression" has "$_html" \
		'<td>engine_contexts</td><td>pass</td><td>fail</td><td><span class="reg">regression</span></td>'

	cmp_run imp "$R/crash" "$R/clean"
	check "compare: the reverse (fail -> pass) exits 0" rc_is imp 0
	check "compare: ... and lists an improvement" has "$WORK/imp/compare.md" \
		'| engine_contexts | fail | pass | improvement | BASE: crash: BUG: sleeping function called from invalid context |'
	check "compare: ... and a success-rate improvement" has "$WORK/imp/compare.md" \
		'| fault_order0 | hrtimer | 0 | 80.00 | 98.00 | +18.00 | 1000 / 1000 | improvement |'
}

test_only_one()
{
	R=$WORK/runs
	cmp_run only "$R/clean" "$R/extra"
	_md=$WORK/only/compare.md
	check "compare: different test sets without regression exit 0" rc_is only 0
	check "compare: a test only in BASE is listed" has "$_md" '| frag_hog | BASE | pass |  |'
	check "compare: a skipped test only in BASE is listed" has "$_md" \
		'| needs_kasan | BASE | skip | CONFIG_KASAN is not set in this kernel |'
	check "compare: a test only in NEW is listed" has "$_md" '| new_test | NEW | pass |  |'
	check "compare: the known-good 'none' sentence is absent" sh -c \
		"! grep -q 'None: both runs ran the same tests.' '$_md'"
}

test_thresholds()
{
	R=$WORK/runs
	# NEW: the clean run with fault_order0 succeeding 10 points less
	cp -R "$R/clean" "$WORK/worse"
	sed -i 's/successes=980 failures=20/successes=880 failures=120/' \
		"$WORK/worse/tests/2-fault_order0/data"
	sed -i 's/^run_id=.*/run_id=fixture-worse/' "$WORK/worse/meta.env"
	cmp_run worse "$R/clean" "$WORK/worse"
	check "thresholds: a 10-point drop is a regression at 5 points" rc_is worse 1
	printf 'success_drop_pp=15\np99_increase_pct=50\nmin_attempts=100\n' >"$WORK/loose.conf"
	cmp_run loose "$R/clean" "$WORK/worse" -c "$WORK/loose.conf"
	check "thresholds: ... and not at 15 points" rc_is loose 0
	printf 'success_drop_pp = 5\n  # many attempts needed\np99_increase_pct=50\nmin_attempts=5000\n' \
		>"$WORK/min.conf"
	cmp_run min "$R/clean" "$WORK/worse" -c "$WORK/min.conf"
	check "thresholds: below min_attempts a number does not count" rc_is min 0
	check "thresholds: ... and the report says how many were not compared" \
		has "$WORK/min/compare.md" '16 measurements had fewer than 5000 attempts'
	printf 'success_drop_pp=5\np99_increase_pct=10\nmin_attempts=100\n' >"$WORK/tight.conf"
	cmp_run tight "$R/clean" "$R/extra" -c "$WORK/tight.conf"
	check "thresholds: unchanged latencies stay quiet at 10 %" rc_is tight 0
}

test_bad_input()
{
	R=$WORK/runs
	cmp_run g1 "$R/clean" "$R/garbled"
	check "bad input: NEW without ktap.txt exits 2" rc_is g1 2
	check "bad input: ... naming what is wrong" has "$WORK/g1.err" 'NEW: '"$R"'/garbled/ktap.txt is missing'
	cmp_run g2 "$R/garbled" "$R/clean"
	check "bad input: BASE garbled exits 2" rc_is g2 2
	cmp_run g3 "$R/clean" "$R/nometa"
	check "bad input: no meta.env exits 2" rc_is g3 2
	cmp_run g4 "$R/clean" "$R/format2"
	check "bad input: another suite_format exits 2" rc_is g4 2
	check "bad input: ... called incompatible" has "$WORK/g4.err" 'incompatible suite version'
	cmp_run g5 "$R/clean" "$WORK/no-such-run"
	check "bad input: a missing run exits 2" rc_is g5 2
	cp -R "$R/clean" "$WORK/badktap"
	printf 'TAP version 13\n' >"$WORK/badktap/ktap.txt"
	cmp_run g6 "$R/clean" "$WORK/badktap"
	check "bad input: a ktap.txt that is not KTAP exits 2" rc_is g6 2

	printf 'success_drop_pp=5\n\np99_increse_pct=50\n' >"$WORK/typo.conf"
	cmp_run c1 "$R/clean" "$R/clean" -c "$WORK/typo.conf"
	check "bad thresholds: unknown key exits 2" rc_is c1 2
	check "bad thresholds: ... naming file:line" has "$WORK/c1.err" "$WORK/typo.conf:3: unknown key 'p99_increse_pct'"
	printf 'success_drop_pp=5\np99_increase_pct=fifty\nmin_attempts=100\n' >"$WORK/val.conf"
	cmp_run c2 "$R/clean" "$R/clean" -c "$WORK/val.conf"
	check "bad thresholds: a value that is no number exits 2" rc_is c2 2
	check "bad thresholds: ... naming file:line" has "$WORK/c2.err" "$WORK/val.conf:2: p99_increase_pct='fifty'"
	printf 'success_drop_pp=5\np99_increase_pct=50\nmin_attempts=1.5\n' >"$WORK/int.conf"
	cmp_run c3 "$R/clean" "$R/clean" -c "$WORK/int.conf"
	check "bad thresholds: fractional min_attempts exits 2" rc_is c3 2
	printf 'success_drop_pp=5\n' >"$WORK/short.conf"
	cmp_run c4 "$R/clean" "$R/clean" -c "$WORK/short.conf"
	check "bad thresholds: a missing key exits 2" rc_is c4 2
	cmp_run c5 "$R/clean" "$R/clean" -c "$WORK/none.conf"
	check "bad thresholds: a missing file exits 2" rc_is c5 2
	check "configs/compare.conf parses" scripts/compare.sh -o "$WORK/conf" \
		-c configs/compare.conf "$R/clean" "$R/clean"
}

main()
{
	setup_scratch
	test_equal
	test_regression
	test_only_one
	test_thresholds
	test_bad_input
	finish
}

main "$@"
