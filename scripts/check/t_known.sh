#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Known issues (KNOWN, scripts/known.awk), the matrix grid of report.html
# and compare.html (scripts/report/grid.awk, compare-grid.awk) and the
# command that reruns a failure (repro in common.awk), on results folders
# made here: a known failure is xfail and the summary exits 0, the same
# without its line fails and exits 1, a pass of a known issue is xpass,
# bad known-issues lines exit 2 naming file:line before anything runs.

set -eu
cd "$(dirname "$0")/../.."
. scripts/check/reports-lib.sh

T=$(mktemp -d)
[ -z "${KEEP:-}" ] || echo "# kept: $T"
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT

# known <result> <tag> [<known-file>]: the result as known.awk makes it
# ("status<TAB>detail [ref]").
known()
{
	printf '%b\n' "$1" >"$T/result"
	rm -f "$T/ref"
	LC_ALL=C awk -v known="${3:-$T/known}" -v tag="$2" -v ref="$T/ref" \
		-f scripts/known.awk "$T/result"
	[ ! -f "$T/ref" ] || printf 'ref %s\n' "$(cat "$T/ref")"
}

# same <desc> <want> <got>
same()
{
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		printf '# want: %s\n# got:  %s\n' "$2" "$3"
		not_ok "$1"
	fi
}

# verdicts <tsv> <verdict...>: results.tsv has rows of every verdict.
verdicts()
{
	_f=$1
	shift
	for _v in "$@"; do
		cut -f2 "$_f" | grep -qx "$_v" || return 1
	done
}

# lacks <file> <BRE>: no line of file matches.
lacks()
{
	! grep -q "$2" "$1"
}

# before <file> <a> <b>: the first line with a comes no later than the
# first with b.
before()
{
	awk -v a="$2" -v b="$3" 'index($0, a) && !x { x = NR }
		index($0, b) && !y { y = NR }
		END { exit !(x && x <= y) }' "$1"
}

test_match()
{
	cat >"$T/known" <<'K'
# a comment, then an issue
proof_lockdep_bad_lockdep	lockdep https://bugzilla.example/1   inconsistent lock state
as_(timer|hrtimer)_prob_.*  bug-atomic|oops  abc123def sleeping function called
K
	_tab=$(printf '\t')
	same "known: a matching failure is xfail with its reference" \
		"xfail${_tab}lockdep: WARNING: inconsistent lock state ref https://bugzilla.example/1" \
		"$(known 'fail\tlockdep: WARNING: inconsistent lock state' proof_lockdep_bad_lockdep | tr '\n' ' ' | sed 's/ $//')"
	same "known: a failure of another category stays fail" \
		"fail${_tab}leak: unreferenced object" \
		"$(known 'fail\tleak: unreferenced object' proof_lockdep_bad_lockdep)"
	same "known: a failure of another title stays fail" \
		"fail${_tab}lockdep: possible circular locking dependency" \
		"$(known 'fail\tlockdep: possible circular locking dependency' proof_lockdep_bad_lockdep)"
	same "known: a failure of another tag stays fail" \
		"fail${_tab}lockdep: WARNING: inconsistent lock state" \
		"$(known 'fail\tlockdep: WARNING: inconsistent lock state' proof_lockdep_bad_lockdepX)"
	same "known: a pass of a known issue is xpass" \
		"xpass${_tab} ref https://bugzilla.example/1" \
		"$(known 'ok\t' proof_lockdep_bad_lockdep | tr '\n' ' ' | sed 's/ $//')"
	same "known: a REPEAT round's tag.r2 matches its base tag; EREs in tag and category" \
		"xfail${_tab}oops: BUG: sleeping function called from invalid context ref abc123def" \
		"$(known 'fail\toops: BUG: sleeping function called from invalid context' as_timer_prob_none.r2 | tr '\n' ' ' | sed 's/ $//')"
	same "known: errors and skips stay as they are" \
		"error${_tab}infrastructure: qemu ended skip${_tab}no reason" \
		"$(known 'error\tinfrastructure: qemu ended' proof_lockdep_bad_lockdep) $(known 'skip\tno reason' proof_lockdep_bad_lockdep)"
	same "known: runtest/known-issues has no active line" "" \
		"$(grep -Ev '^[[:space:]]*(#|$)' runtest/known-issues || :)"
}

# check_known <file>: select.sh's check; prints the status and stderr.
check_known()
{
	LAB_TOP=$PWD sh -c '. scripts/lib.sh; . scripts/run/select.sh; check_known "$1"' sh "$1" 2>&1 &&
		echo "status 0" || echo "status $?"
}

test_bad_lines()
{
	printf '# ok\nt lockdep ref title\nonly three fields\n' >"$T/bad1"
	_o=$(check_known "$T/bad1")
	case $_o in
	*"$T/bad1:3: expected"*"status 2") ok "known: a line without four fields exits 2 naming file:line" ;;
	*) printf '# %s\n' "$_o"; not_ok "known: a line without four fields exits 2 naming file:line" ;;
	esac
	printf 't lockdep ref title\n\nt( lockdep ref title\n' >"$T/bad2"
	_o=$(check_known "$T/bad2")
	case $_o in
	*"$T/bad2:3: tag pattern 't(' is not a valid"*"status 2") ok "known: a tag ERE that does not compile exits 2 naming file:line" ;;
	*) printf '# %s\n' "$_o"; not_ok "known: a bad tag ERE exits 2 naming file:line" ;;
	esac
	printf 't lockdep ref title [unclosed\n' >"$T/bad3"
	_o=$(check_known "$T/bad3")
	case $_o in
	*"$T/bad3:1: title pattern"*"status 2") ok "known: a title ERE that does not compile exits 2 naming file:line" ;;
	*) printf '# %s\n' "$_o"; not_ok "known: a bad title ERE exits 2 naming file:line" ;;
	esac
	_o=$(check_known "$T/missing")
	case $_o in
	*"not found"*"status 2") ok "known: a missing KNOWN file exits 2" ;;
	*) printf '# %s\n' "$_o"; not_ok "known: a missing KNOWN file exits 2" ;;
	esac
	same "known: runtest/known-issues and the test file pass the check" "status 0 status 0" \
		"$(check_known runtest/known-issues) $(check_known "$T/known")"
	# the whole runner: a bad line stops it before results/ is touched
	mkdir -p "$T/results"
	_rc=0
	KNOWN=$T/bad2 RESULTS=$T/results RUNTEST=proof KSRC=$T/no-kernel sh scripts/run.sh >"$T/out" 2>&1 || _rc=$?
	if [ "$_rc" = 2 ] && grep -q "$T/bad2:3:" "$T/out" && [ -z "$(ls "$T/results")" ]; then
		ok "known: run.sh with a bad KNOWN line exits 2 naming file:line, results untouched"
	else
		sed 's/^/# /' "$T/out"
		not_ok "known: run.sh with a bad KNOWN line exits 2 (status $_rc)"
	fi
}

# proof_run <dir> <known-file>: a run folder of three proof tests, made by
# collect.sh from one boot with the known issues of <known-file>:
#   1 proof_lockdep_bad_lockdep  lockdep splat on the console
#   2 proof_pass_good_noisy      passes
#   3 proof_leak_bad_leak        passes
proof_run()
{
	_r=$1
	mkdir -p "$_r/boot-1" "$_r/tests"
	cat >"$_r/list" <<'L'
1 proof_lockdep_bad_lockdep extmod.sh -m bad_lockdep -f none -H none -d 5
2 proof_pass_good_noisy extmod.sh -m good_noisy -f none -H none -d 5
3 proof_leak_bad_leak extmod.sh -m bad_leak -f none -H none -d 5
L
	cat >"$_r/meta.env" <<'M'
suite_format=1
run_id=proof
runtest=proof
duration=5
ksrc=/src/linux-6.12
kasan=0
kcmdline=
vcpus=2
mem=4G
repeat=1
M
	cp "$2" "$_r/known-issues"
	printf '%s\n' 'LAB BOOT 1 3 tsc' \
		'LAB START 1 proof_lockdep_bad_lockdep 60' 'LAB RESULT 1 proof_lockdep_bad_lockdep ok' \
		'LAB START 2 proof_pass_good_noisy 60' 'LAB RESULT 2 proof_pass_good_noisy ok' \
		'LAB START 3 proof_leak_bad_leak 60' 'LAB RESULT 3 proof_leak_bad_leak ok' \
		'LAB DONE' >"$_r/boot-1/channel.log"
	{
		echo '[   30.000001] labyrinth: START 1 proof_lockdep_bad_lockdep'
		grep -v "labyrinth: " scripts/check/fixtures/console/real_bad_lockdep.bad
		echo '[   60.000001] labyrinth: END 1 proof_lockdep_bad_lockdep'
		echo '[   61.000001] labyrinth: START 2 proof_pass_good_noisy'
		echo '[   61.500001] labyrinth: END 2 proof_pass_good_noisy'
		echo '[   62.000001] labyrinth: START 3 proof_leak_bad_leak'
		echo '[   62.500001] labyrinth: END 3 proof_leak_bad_leak'
	} >"$_r/boot-1/console.log"
	echo 'exit 0' >"$_r/boot-1/console.log.end"
	sh scripts/collect.sh "$_r" 1 >/dev/null
}

test_run()
{
	printf 'proof_lockdep_bad_lockdep lockdep https://bugs.example/42 .\nproof_leak_bad_leak leak commit:0123abcd unreferenced object\n' >"$T/k.proof"
	proof_run "$T/xf" "$T/k.proof"
	_rc=0
	sh scripts/run/summary.sh "$T/xf" >"$T/xf.out" 2>&1 || _rc=$?
	if [ "$_rc" = 0 ] && grep -q '^labyrinth: xfail 1 proof_lockdep_bad_lockdep # lockdep: .*(known: https://bugs.example/42)' "$T/xf.out" &&
		grep -q '^labyrinth: XPASS 3 proof_leak_bad_leak # known: commit:0123abcd did not occur' "$T/xf.out" &&
		grep -q ', 1 xfail, 1 xpass' "$T/xf.out"; then
		ok "summary: a known proof failure is xfail, a known issue that passed xpass, exit 0"
	else
		sed 's/^/# /' "$T/xf.out"
		not_ok "summary: known failure xfail and exit 0 (status $_rc)"
	fi
	printf '# no issues\n' >"$T/k.none"
	proof_run "$T/f" "$T/k.none"
	_rc=0
	sh scripts/run/summary.sh "$T/f" >"$T/f.out" 2>&1 || _rc=$?
	if [ "$_rc" = 1 ] && grep -q '^labyrinth: not ok 1 proof_lockdep_bad_lockdep # lockdep: ' "$T/f.out" &&
		grep -qx "labyrinth:   repro: make run KSRC=/src/linux-6.12 RUNTEST=proof TESTS='^proof_lockdep_bad_lockdep\$' LAB_DURATION=5 MEM=4G REPEAT=3" "$T/f.out" &&
		! grep -q 'xfail\|XPASS' "$T/f.out"; then
		ok "summary: the same failure without its known-issues line fails, exit 1, with its repro"
	else
		sed 's/^/# /' "$T/f.out"
		not_ok "summary: unknown failure fails with repro (status $_rc)"
	fi
	scripts/report.sh "$T/xf" >/dev/null
	_k=$T/xf/ktap.txt
	check "ktap: xfail is 'ok N tag # XFAIL category: title (known: ref)'" \
		grep -q '^ok 1 proof_lockdep_bad_lockdep # XFAIL lockdep: .* (known: https://bugs.example/42)$' "$_k"
	check "ktap: xpass is 'ok N tag # XPASS known: ref'" \
		grep -qx 'ok 3 proof_leak_bad_leak # XPASS known: commit:0123abcd' "$_k"
	check "ktap: the Totals line counts xfail and xpass" \
		grep -qx '# Totals: pass:1 fail:0 xfail:1 xpass:1 skip:0 error:0' "$_k"
	check "tsv: the verdict column says xfail and xpass" \
		verdicts "$T/xf/results.tsv" xfail xpass
	_j=$T/xf/junit.xml
	check "junit: xfail is <skipped type=xfail> with the reference" \
		grep -q '<skipped message="xfail: lockdep: .*(known: https://bugs.example/42)" type="xfail"/>' "$_j"
	check "junit: xpass passes with the reference in system-out" \
		grep -q '<system-out>xpass: known: commit:0123abcd did not occur' "$_j"
	check "junit: no failure counted for known issues" grep -q 'failures="0" errors="0" skipped="1"' "$_j"
	if command -v xmllint >/dev/null 2>&1; then
		check "junit: with xfail and xpass valid against junit-10.xsd" \
			xmllint --noout --schema scripts/check/fixtures/xsd/junit-10.xsd "$_j"
	fi
	_h=$T/xf/report.html
	check "html: the banner says no new failure and counts the known issue" grep -q 'No new failure (3 tests; 1 known issue: xfail)' "$_h"
	check "html: an xpass banner points to the known issues" grep -q '1 known issue did not occur (xpass)' "$_h"
	check "html: the known failure's section links its reference" \
		grep -q 'known: <a href="https://bugs.example/42">' "$_h"
	scripts/report.sh "$T/f" html junit ktap >/dev/null
	check "html: a failure carries its repro command" \
		grep -q "Rerun: <code>make run KSRC=/src/linux-6.12 RUNTEST=proof TESTS=&#39;^proof_lockdep_bad_lockdep\\$&#39; LAB_DURATION=5 MEM=4G REPEAT=3</code>" "$T/f/report.html"
	check "junit: a failure's body starts with its repro command" \
		grep -q "<failure message=\"lockdep: [^\"]*\" type=\"lockdep\">repro: make run KSRC=/src/linux-6.12 RUNTEST=proof" "$T/f/junit.xml"
	check "html: no known-issue banner or section without known issues" \
		lacks "$T/f/report.html" 'banner note\|id="known"'
	_rc=0
	sh scripts/compare.sh -o "$T/c1" "$T/f" "$T/xf" >"$T/c1.out" 2>&1 || _rc=$?
	if [ "$_rc" = 0 ] && grep -q "^| proof_lockdep_bad_lockdep | fail | xfail | change |" "$T/c1.out" &&
		grep -q "^| proof_leak_bad_leak | pass | xpass | change |" "$T/c1.out"; then
		ok "compare: fail to xfail and pass to xpass are changes, no regression"
	else
		sed "s/^/# /" "$T/c1.out"
		not_ok "compare: fail to xfail is a change (status $_rc)"
	fi
	check "compare: xfail to xfail is no change" \
		sh scripts/compare.sh -o "$T/c2" "$T/xf" "$T/xf"
	check "compare: xfail to xfail is not listed as a verdict change" \
		lacks "$T/c2/compare.md" '| proof_lockdep_bad_lockdep | '
	check "compare: the totals count the known issues (xfail, xpass)" \
		grep -q '^| tests | .* 1 xfail, 1 xpass | .* 1 xfail, 1 xpass |$' "$T/c2/compare.md"
}

# repro: a REPEAT round's tag names its base tag; KASAN, EXTMOD, KCMDLINE
# and VCPUS when set; regex characters of a tag escaped.
test_repro()
{
	_got=$(LC_ALL=C awk -f scripts/report/common.awk -f /dev/stdin <<'A'
BEGIN {
	m["duration"] = 3; m["kasan"] = 1; m["extmod"] = "/src/my mod"
	m["kcmdline"] = "a=1 b"; m["vcpus"] = 4; m["mem"] = "2G"
	print repro(m, "ext_x.y_plain.r2")
}
A
)
	same "repro: base tag of a REPEAT round, KASAN, EXTMOD, KCMDLINE, VCPUS, quoted" \
		"make run KASAN=1 EXTMOD='/src/my mod' TESTS='^ext_x\\.y_plain\$' LAB_DURATION=3 VCPUS=4 KCMDLINE='a=1 b' REPEAT=3" \
		"$_got"
}

# grid_run <dir> <variant>: a nightly-like run: contexts hrtimer timer
# tasklet x fault none prob x hog none labyrinth, an extmod test, one test
# outside the matrix.  Variant new: hrtimer/prob/none fails, timer's
# success rate drops.
grid_run()
{
	_r=$1
	mkdir -p "$_r/tests"
	printf 'suite_format=1\nrun_id=%s\nruntest=nightly\nduration=3\n' "${_r##*/}" >"$_r/meta.env"
	_i=0
	for _c in hrtimer timer tasklet; do
		for _f in none prob; do
			for _h in none labyrinth; do
				_i=$((_i + 1))
				_t=as_${_c}_${_f}_${_h}
				printf '%s %s atomic_stress.sh -c %s -o 0-4 -f %s -H %s\n' "$_i" "$_t" "$_c" "$_f" "$_h" >>"$_r/list"
				mkdir -p "$_r/tests/$_i-$_t"
				_s=900
				[ "$2" != new ] || [ "$_c" != timer ] || _s=500
				printf 'stat test=%s ctx=%s order=0 attempts=1000 successes=%s failures=%s\n' \
					"$_t" "$_c" "$_s" $((1000 - _s)) >"$_r/tests/$_i-$_t/data"
				if [ "$2" = new ] && [ "$_t" = as_hrtimer_prob_none ]; then
					printf 'fail\toops: BUG: kernel NULL pointer dereference\n'
				else
					printf 'ok\t\n'
				fi >"$_r/tests/$_i-$_t/result"
			done
		done
	done
	printf '13 ext_m_plain extmod.sh -m m -f none -H none\n14 sanity guest_sanity.sh\n' >>"$_r/list"
	for _t in 13-ext_m_plain 14-sanity; do
		mkdir -p "$_r/tests/$_t"
		printf 'ok\t\n' >"$_r/tests/$_t/result"
	done
	printf 'KTAP version 1\n' >"$_r/ktap.txt"
}

test_grid()
{
	grid_run "$T/base" base
	grid_run "$T/new" new
	scripts/report.sh "$T/new" html >/dev/null
	_h=$T/new/report.html
	_cells=$(grep -o '<td style="[^"]*"><a href="#[rt][0-9]*"' "$_h" | wc -l)
	same "grid: one linked cell per context, fault profile and hog (13)" 13 "$_cells"
	check "grid: the failing cell is red, shows F and its success rate, links to its failure" \
		grep -q '<td style="background:linear-gradient(to top,#d9534f 90%,#f8c9c5 90%)"><a href="#t3" title="as_hrtimer_prob_none: fail (oops: BUG: kernel NULL pointer dereference), success 90.0%">F 90</a></td>' "$_h"
	check "grid: a passing cell is green to its success rate" \
		grep -q '<td style="background:linear-gradient(to top,#7cc68d 50%,#d7f0dd 50%)"><a href="#r5"' "$_h"
	check "grid: header rows name fault profiles over their hogs" \
		grep -q '<th colspan="2">fault none</th><th colspan="2">fault prob</th>' "$_h"
	check "grid: an extmod test is a row of its module" grep -q '<tr><th>module m</th>' "$_h"
	check "grid: a test of another command is listed apart" \
		grep -q 'Not in the matrix: <a href="#r14">sanity</a>' "$_h"
	check "grid: comes before the metadata and the failures" \
		before "$_h" 'id="grid"' 'id="failures"'
	check "html: report.html with the grid is well-formed" xmllint --html --noout "$_h"
	_rc=0
	sh scripts/compare.sh -o "$T/cmp" "$T/base" "$T/new" >/dev/null 2>&1 || _rc=$?
	_c=$T/cmp/compare.html
	check "compare grid: the new failure is a red P->F cell" \
		grep -q '<td class="worse" title="as_hrtimer_prob_none: pass -&gt; fail ([^"]*), success 90.0% -&gt; 90.0%">P&rarr;F +0</td>' "$_c"
	check "compare grid: a success-rate drop beyond the threshold is orange with its change" \
		grep -q '<td class="drop" title="as_timer_none_none: pass -&gt; pass, success 90.0% -&gt; 50.0%">-40</td>' "$_c"
	check "compare grid: an unchanged cell is plain" \
		grep -q '<td class="same" title="as_tasklet_none_none: pass -&gt; pass, success 90.0% -&gt; 90.0%">+0</td>' "$_c"
	check "compare grid: after the changes that matter, which lead the page" \
		before "$_c" '>Changes that matter<' 'id="grid"'
	check "compare grid: ... before the other sections" \
		before "$_c" 'id="grid"' '>Conditions differ<'
	same "compare: still exits 1 for the regression" 1 "$_rc"
}

main()
{
	test_match
	test_bad_lines
	test_run
	test_repro
	test_grid
	[ "$FAILED" -eq 0 ]
}

main "$@"
