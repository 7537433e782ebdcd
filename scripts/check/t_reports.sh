#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The reports of one run (scripts/report.sh ktap, tsv, junit, html) on the
# hand-written results folders in fixtures/runs (clean, crash, garbled,
# nometa, format2).  Run from the repository's root.

set -eu
. scripts/check/reports-lib.sh

TAB=$(printf '\t')

test_ktap()
{
	R=$WORK/runs
	cat >"$WORK/ktap.clean" <<-'EOF'
	KTAP version 1
	1..4
	ok 1 engine_contexts
	ok 2 fault_order0
	ok 3 frag_hog
	ok 4 needs_kasan # SKIP CONFIG_KASAN is not set in this kernel
	# Totals: pass:3 fail:0 xfail:0 xpass:0 skip:1 error:0
	EOF
	rm -f "$R/clean/ktap.txt"
	check "ktap: clean run" scripts/report.sh "$R/clean" ktap
	check "ktap: clean run gives the expected summary" cmp "$WORK/ktap.clean" "$R/clean/ktap.txt"

	scripts/report.sh "$R/crash" ktap
	check "ktap: a crash is 'not ok' with its category and title" \
		has "$R/crash/ktap.txt" "not ok 1 engine_contexts # crash: BUG: sleeping function called from invalid context"
	check "ktap: a test without a result is 'not ok # error missing: no result'" \
		has "$R/crash/ktap.txt" "not ok 3 frag_hog # error missing: no result"
	check "ktap: crash run totals as kselftest writes them" \
		has "$R/crash/ktap.txt" "# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:1"

	scripts/report.sh "$R/garbled" ktap
	check "ktap: a garbled result is an error, never a pass" \
		has "$R/garbled/ktap.txt" 'not ok 1 engine_contexts # error garbled: result "bogus half a line"'

	mkdir "$WORK/empty"
	cp "$R/clean/meta.env" "$WORK/empty/"
	: >"$WORK/empty/list"
	scripts/report.sh "$WORK/empty" ktap
	check "ktap: an empty list gives plan 1..0" has "$WORK/empty/ktap.txt" "1..0"

	check_rc "ktap: a folder without meta.env is refused (exit 2)" 2 scripts/report.sh "$R/nometa" ktap
	check_rc "ktap: a run of another suite_format is refused (exit 2)" 2 scripts/report.sh "$R/format2" ktap
	cp -R "$R/clean" "$WORK/badlist"
	printf 'x engine_contexts\n' >>"$WORK/badlist/list"
	check_rc "ktap: a list line without an idx is refused (exit 2)" 2 scripts/report.sh "$WORK/badlist" ktap
}

# tsv_row <file> <test> <ctx> <order>: that row, tab-separated.
tsv_row()
{
	awk -F '\t' -v t="$2" -v c="$3" -v o="$4" '$1 == t && $3 == c && $4 == o' "$1"
}

test_tsv()
{
	R=$WORK/runs
	scripts/report.sh "$R/clean" tsv
	_hdr="test${TAB}verdict${TAB}ctx${TAB}order${TAB}attempts${TAB}successes${TAB}failures${TAB}injected${TAB}natural${TAB}success_pct${TAB}lat_p50_ns${TAB}lat_p99_ns${TAB}lat_max_ns${TAB}kBps_before${TAB}kBps_during${TAB}kBps_after${TAB}recovery_ms${TAB}drops"
	check "tsv: header row" [ "$(sed -n 1p "$R/clean/results.tsv")" = "$_hdr" ]
	check "tsv: one row per test, context and order (9+2+5+1)" \
		[ "$(sed 1d "$R/clean/results.tsv" | wc -l)" -eq 17 ]
	check "tsv: numbers of fault_order0/hrtimer/0" \
		[ "$(tsv_row "$R/clean/results.tsv" fault_order0 hrtimer 0)" = \
		"fault_order0${TAB}pass${TAB}hrtimer${TAB}0${TAB}1000${TAB}980${TAB}20${TAB}20${TAB}0${TAB}98.00${TAB}710${TAB}3030${TAB}9000${TAB}-${TAB}-${TAB}-${TAB}-${TAB}-" ]
	check "tsv: a test without stat records has one row of '-'" \
		[ "$(tsv_row "$R/clean/results.tsv" needs_kasan - -)" = \
		"needs_kasan${TAB}skip$(printf '\t-%.0s' 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)" ]

	scripts/report.sh "$R/crash" tsv
	check "tsv: a record cut short by a crash is left out" \
		[ "$(awk -F '\t' '$1 == "engine_contexts"' "$R/crash/results.tsv" | wc -l)" -eq 9 ]
	check "tsv: verdicts fail and error" \
		[ "$(cut -f1,2 "$R/crash/results.tsv" | sort -u | tr '\n\t' ' :')" = \
		"engine_contexts:fail fault_order0:pass frag_hog:error needs_kasan:skip test:verdict " ]

	scripts/report.sh "$R/engine" tsv
	check "tsv: engine records: a row per context and order, none for rx totals" \
		[ "$(sed 1d "$R/engine/results.tsv" | cut -f3,4 | tr '\n\t' ' :')" = \
		"hrtimer:0 hrtimer:1 rx_ring:0 rx_ring:1 " ]
	check "tsv: engine records: no per-context split gives '-', no attempts no rate" \
		[ "$(tsv_row "$R/engine/results.tsv" atomic_stress_mix rx_ring 1 | cut -f8-10)" = \
		"-${TAB}-${TAB}-" ]

	cp -R "$R/clean" "$WORK/twice"
	_d=$WORK/twice/tests/2-fault_order0/data
	_extra=$(sed -n 1p "$_d" | sed 's/lat_p99_ns=3030/lat_p99_ns=7000/; s/attempts=1000/attempts=500/; s/successes=980/successes=500/')
	printf '%s\n' "$_extra" >>"$_d"
	scripts/report.sh "$WORK/twice" tsv
	check "tsv: repeated records add up counts and keep the largest p99" \
		[ "$(tsv_row "$WORK/twice/results.tsv" fault_order0 hrtimer 0 | cut -f5,6,10,12)" = \
		"1500${TAB}1480${TAB}98.67${TAB}7000" ]
}

test_junit()
{
	R=$WORK/runs
	scripts/report.sh "$R/crash" junit
	_j=$R/crash/junit.xml
	check "junit: well-formed XML" xml_wellformed "$_j"
	check "junit: well-formed by the structural checker too" env NO_XMLLINT=1 sh -c \
		". scripts/check/reports-lib.sh; xml_wellformed '$_j'"
	printf '<a><b>x</a></b>\n' >"$WORK/bad.xml"
	check_rc "junit: the XML checker rejects crossed tags" 1 xml_wellformed "$WORK/bad.xml"
	check_rc "junit: the structural checker rejects crossed tags" 1 env NO_XMLLINT=1 sh -c \
		". scripts/check/reports-lib.sh; xml_wellformed '$WORK/bad.xml'"
	printf '<a>AT&T</a>\n' >"$WORK/amp.xml"
	check_rc "junit: the structural checker rejects a raw '&'" 1 env NO_XMLLINT=1 sh -c \
		". scripts/check/reports-lib.sh; xml_wellformed '$WORK/amp.xml'"
	check "junit: suite counts" has "$_j" \
		'<testsuite name="labyrinth.quick" tests="4" failures="1" errors="1" skipped="1"'
	check "junit: failure with category: title" has "$_j" \
		'<failure message="crash: BUG: sleeping function called from invalid context" type="crash">'
	check "junit: missing result is an error" has "$_j" \
		'<error message="missing: no result" type="missing">'
	check "junit: skip with its reason" has "$_j" \
		'<skipped message="CONFIG_KASAN is not set in this kernel"/>'
	check "junit: console excerpt escaped" has "$_j" \
		'check &quot;a&lt;b&quot; &amp; &#39;c&gt;d&#39;'
	check "junit: no control characters or non-ASCII bytes" sh -c \
		"! LC_ALL=C grep -q '[^[:print:][:space:]]' '$_j'"
	check "junit: test time from the START/END markers" has "$_j" \
		'name="engine_contexts" time="10.200"'
	scripts/report.sh "$R/clean" junit
	check "junit: test time from the guest's own figure first" has "$R/clean/junit.xml" \
		'name="fault_order0" time="5.250"'
	check "junit: clean run well-formed, nothing failed" sh -c \
		". scripts/check/reports-lib.sh; xml_wellformed '$R/clean/junit.xml' &&
		grep -q 'failures=\"0\" errors=\"0\"' '$R/clean/junit.xml'"
}

test_html()
{
	R=$WORK/runs
	scripts/report.sh "$R/crash" html
	_h=$R/crash/report.html
	check "html: written" [ -s "$_h" ]
	check "html: nothing fetched from outside (offline)" html_offline "$_h"
	printf '<p><img src="http://example.org/x.png"></p>\n' >"$WORK/ext.html"
	check_rc "html: the offline check fires on an external image" 1 html_offline "$WORK/ext.html"
	check "html: elements balanced, ids unique" html_balanced "$_h"
	printf '<section><svg id="a"></svg><svg id="a"></svg>\n' >"$WORK/unbal.html"
	check_rc "html: the balance check fires on an unclosed section" 1 html_balanced "$WORK/unbal.html"
	check "html: failing tests come before all tests and the plots" sh -c \
		". scripts/check/reports-lib.sh;
		before '$_h' 'id=\"failures\"' 'id=\"tests\"' && before '$_h' 'id=\"tests\"' 'id=\"measurements\"'"
	check "html: failing test with category and title" has "$_h" \
		'<p><b>crash</b>: BUG: sleeping function called from invalid context</p>'
	check "html: console excerpt escaped" has "$_h" 'check &quot;a&lt;b&quot; &amp; &#39;c&gt;d&#39;'
	check "html: the test without a result is among the failures" has "$_h" \
		'<p><b>missing</b>: no result</p>'
	check "html: metadata in the header" has "$_h" \
		'<tr><td class="k">kernel_release</td><td>6.12.57+lab</td></tr>'
	check "html: summary counts" has "$_h" '2 of 4 tests failed or broke.'
	check "html: plots inlined as SVG" [ "$(grep -c '<svg' "$_h")" -eq 7 ]

	scripts/report.sh "$R/clean" html
	_h=$R/clean/report.html
	check "html: clean run says so" has "$_h" 'No test failed (4 tests).'
	check "html: clean run, no failing test" has "$_h" '<p>None: every test passed or was skipped.</p>'
	check "html: clean run has all 10 plots" [ "$(grep -c '<svg' "$_h")" -eq 10 ]
	check "html: fragmentation plot" has "$_h" 'free blocks per order (all zones)'
	check "html: injected against natural plot" has "$_h" 'injected and natural failures'
	check "html: clean run offline and balanced" sh -c \
		". scripts/check/reports-lib.sh; html_offline '$_h' && html_balanced '$_h'"

	scripts/report.sh "$R/engine" html
	_h=$R/engine/report.html
	check "html: engine records give 4 plots" [ "$(grep -c '<svg' "$_h")" -eq 4 ]
	check "html: failures the records do not split are shown as such" has "$_h" \
		"&quot;not split&quot; where a context&#39;s records do not tell the two apart"
	check "html: the test's own injected/natural totals are plotted" has "$_h" \
		'test_total is the test&#39;s own count of injected and natural failures.'

	scripts/report.sh "$R/garbled" html
	check "html: no data gives a sentence, not a plot" sh -c \
		"grep -q 'there is nothing to plot' '$R/garbled/report.html' &&
		! grep -q '<svg' '$R/garbled/report.html'"

	mkdir "$WORK/bin"
	printf '#!/bin/sh\necho "line 3: boom" >&2\nexit 1\n' >"$WORK/bin/gnuplot"
	chmod +x "$WORK/bin/gnuplot"
	check "html: a failing gnuplot still gives a report" env PATH="$WORK/bin:$PATH" \
		scripts/report.sh "$R/clean" html
	check "html: ... which says why each plot is missing" sh -c \
		"[ \"\$(grep -c 'could not be drawn (line 3: boom)' '$R/clean/report.html')\" -eq 10 ]"
	check_rc "html: a folder without meta.env is refused (exit 2)" 2 scripts/report.sh "$R/nometa" html
}

# test_time: the time per test (wall against stress, phases) and the
# progress plot of a long test, from the runner's "wall" and the tests'
# "phase" and "prog" records; the overhead figure of scripts/bench.sh.
test_time()
{
	R=$WORK/runs
	cp -R "$R/clean" "$R/timed"
	_d=$R/timed/tests
	cat >>"$_d/1-engine_contexts/data" <<'EOF2'
phase test=engine_contexts name=stress start_ms=500 ms=2200 asked_ms=2000 ran_ms=2010
phase test=engine_contexts name=check start_ms=2700 ms=800
phase test=engine_contexts name=reset start_ms=3500 ms=1000
wall test=engine_contexts ms=5000 run_ms=3500
EOF2
	cat >>"$_d/2-fault_order0/data" <<'EOF2'
phase test=fault_order0 name=settle start_ms=0 ms=400
phase test=fault_order0 name=stress start_ms=400 ms=45100 asked_ms=45000 ran_ms=45020
prog test=fault_order0 elapsed_s=10 remaining_s=35 attempts=100000 attempts_per_s=10000 failures=30 injected=20 natural=10 free_blocks_o3=12
prog test=fault_order0 elapsed_s=20 remaining_s=25 attempts=190000 attempts_per_s=9000 failures=60 injected=40 natural=20 free_blocks_o3=9
phase test=fault_order0 name=reset start_ms=45500 ms=700
wall test=fault_order0 ms=46500 run_ms=45500
EOF2
	cat >>"$_d/3-frag_hog/data" <<'EOF2'
wall test=frag_hog ms=9000 run_ms=8000
EOF2
	scripts/report.sh "$R/timed" html
	_h=$R/timed/report.html
	check "time: a section of wall time against stress" has "$_h" '<h2 id="time">Time per test</h2>'
	check "time: wall, stress asked and run, overhead of a test" has "$_h" \
		'engine_contexts</a></td><td class="n">5.00s</td><td class="n">2.00s</td><td class="n">2.01s</td><td class="n">3.00s</td>'
	check "time: a test without phases is all overhead" has "$_h" \
		'frag_hog</a></td><td class="n">9.00s</td><td class="n">0.00s</td><td class="n">0.00s</td><td class="n">9.00s</td>'
	check "time: the phases as a bar" has "$_h" 'title="stress: 2.20s from 0.50s"'
	check "time: the median overhead" has "$_h" '<p>Median overhead: 3.00s a test (3 tests).</p>'
	check "time: the progress of a long test is plotted" has "$_h" 'progress of the measured phase'
	check "time: ... as one more plot" [ "$(grep -c '<svg' "$_h")" -eq 11 ]
	check "time: offline and balanced" sh -c \
		". scripts/check/reports-lib.sh; html_offline '$_h' && html_balanced '$_h'"
	check "time: a run without wall records has no such section" sh -c \
		"! grep -q 'id=\"time\"' '$R/clean/report.html'"
	awk -f scripts/report/overhead.awk "$_d"/1-*/data "$_d"/2-*/data "$_d"/3-*/data "$_d"/4-*/data >"$WORK/overhead"
	check "overhead: a line per test with a wall record" \
		[ "$(grep -c ' wall_ms=' "$WORK/overhead")" -eq 3 ]
	check "overhead: wall minus the stress asked" \
		grep -qx 'fault_order0 wall_ms=46500 asked_ms=45000 ran_ms=45020 overhead_ms=1500' "$WORK/overhead"
	check "overhead: the median last" \
		[ "$(tail -n 1 "$WORK/overhead")" = "median_overhead_ms=3000 tests=3" ]
	check "overhead: per phase, the median of the tests that have it" \
		grep -qx 'phase stress median_ms=23650 tests=2' "$WORK/overhead"
	check "overhead: what no phase covers (a test without phases: all of it)" \
		grep -qx 'phase unphased median_ms=1000 tests=3' "$WORK/overhead"
	check "overhead: no wall record, no figure" sh -c \
		"[ \"\$(awk -f scripts/report/overhead.awk '$R/clean/tests/1-engine_contexts/data')\" = 'median_overhead_ms=- tests=0' ]"
}

# The same reports with busybox awk as awk (the suite's awk must work in
# both busybox awk and mawk).
test_busybox_awk()
{
	if ! command -v busybox >/dev/null 2>&1; then
		ok "busybox awk: # SKIP busybox not installed"
		return 0
	fi
	mkdir -p "$WORK/bb"
	ln -s "$(command -v busybox)" "$WORK/bb/awk"
	cp -R "$WORK/runs/crash" "$WORK/bbcrash"
	for _s in ktap tsv junit; do
		PATH="$WORK/bb:$PATH" scripts/report.sh "$WORK/bbcrash" "$_s"
	done
	for _f in ktap.txt results.tsv junit.xml; do
		check "busybox awk: same $_f as mawk" cmp "$WORK/runs/crash/$_f" "$WORK/bbcrash/$_f"
	done
}

# verdict_run <dir>: a results folder that collect.sh makes from one boot:
#   1 t_noise_bug  an allocation-failure warning (noise), then a BUG
#   2 t_broken     exited 1 without a verdict (a broken test)
#   3 t_ok         passed
#   4 t_stopped    running when the run was interrupted
verdict_run()
{
	_r=$1
	_c=scripts/check/fixtures/console
	mkdir -p "$_r/boot-1"
	cp "$FIXTURES/clean/meta.env" "$_r/"
	printf '1 t_noise_bug x.sh\n2 t_broken x.sh\n3 t_ok x.sh\n4 t_stopped x.sh\n' >"$_r/list"
	printf '%s\n' 'LAB BOOT 1 4 tsc' \
		'LAB START 1 t_noise_bug 60' 'LAB RESULT 1 t_noise_bug ok' \
		'LAB START 2 t_broken 60' 'LAB RESULT 2 t_broken fail test: failed without a reason' \
		'LAB START 3 t_ok 60' 'LAB RESULT 3 t_ok ok' \
		'LAB START 4 t_stopped 60' >"$_r/boot-1/channel.log"
	{
		echo '[   30.000001] labyrinth: START 1 t_noise_bug'
		cat "$_c/alloc_failure.good" "$_c/sleep_atomic.bad" | grep -v "labyrinth: "
		echo '[   60.000001] labyrinth: END 1 t_noise_bug'
		echo '[   61.000001] labyrinth: START 2 t_broken'
		echo '[   61.500001] labyrinth: END 2 t_broken'
		echo '[   62.000001] labyrinth: START 3 t_ok'
		echo '[   62.500001] labyrinth: END 3 t_ok'
		echo '[   63.000001] labyrinth: START 4 t_stopped'
	} >"$_r/boot-1/console.log"
	echo 'interrupted SIGINT' >"$_r/boot-1/console.log.end"
	sh scripts/collect.sh "$_r" 1 >/dev/null
}

# kunit_py: the kernel's KTAP parser in the cached kernel tree, if any.
kunit_py()
{
	for _k in "${LAB_CACHE:-$HOME/.cache/labyrinth}"/src/*/linux-source-*/tools/testing/kunit/kunit.py; do
		[ -f "$_k" ] && { printf '%s\n' "$_k"; return 0; }
	done
	return 1
}

test_verdicts()
{
	_r=$WORK/verdicts
	verdict_run "$_r"
	scripts/report.sh "$_r" ktap tsv junit html
	_k=$_r/ktap.txt
	check "ktap: a kernel finding is 'not ok # category: title'" has "$_k" \
		'not ok 1 t_noise_bug # bug-atomic: BUG: sleeping function called from invalid context'
	check "ktap: a test without a verdict is 'not ok # error', kept apart from fail" has "$_k" \
		'not ok 2 t_broken # error test: exited with status 1 without a verdict'
	check "ktap: an interrupted test is a skip that says so, neither ok nor fail" has "$_k" \
		'ok 4 t_stopped # SKIP interrupted: SIGINT'
	check "ktap: totals line as kselftest writes it" \
		[ "$(tail -n 1 "$_k")" = '# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:1' ]
	if ! command -v python3 >/dev/null 2>&1; then
		ok "ktap: kunit.py parse # SKIP python3 not installed"
	elif ! _kp=$(kunit_py); then
		ok "ktap: kunit.py parse # SKIP no kernel tree in the cache"
	else
		python3 "$_kp" parse "$_k" >"$WORK/kunit.out" 2>&1 || :
		check "ktap: the kernel's kunit.py parses it: 1 passed, 2 failed, 1 skipped" sh -c \
			"grep -q 'Ran 4 tests: passed: 1, failed: 2, skipped: 1\$' '$WORK/kunit.out' &&
			! grep -qi 'error' '$WORK/kunit.out'"
		python3 "$_kp" parse "$R/clean/ktap.txt" >"$WORK/kunit.out" 2>&1 || :
		check "ktap: kunit.py parses a clean run: 3 passed, 1 skipped" \
			grep -q 'Ran 4 tests: passed: 3, skipped: 1$' "$WORK/kunit.out"
	fi

	_j=$_r/junit.xml
	check "junit: a broken test is <error>, not <failure>" has "$_j" \
		'<error message="test: exited with status 1 without a verdict" type="test">'
	check "junit: a kernel finding is <failure>" has "$_j" \
		'<failure message="bug-atomic: BUG: sleeping function called from invalid context'
	check "junit: an interrupted test is skipped and says so" has "$_j" \
		'<skipped message="interrupted: SIGINT" type="interrupted"/>'
	# The excerpt: from the BUG that decided, not the allocation-failure
	# warning (noise) before it.
	awk '/<failure /,/<\/failure>/' "$_j" >"$WORK/excerpt"
	check "junit: the excerpt shows the deciding BUG" \
		has "$WORK/excerpt" 'BUG: sleeping function called from invalid context'
	check "junit: ... and not the allocation-failure warning before it" sh -c \
		"! grep -q 'page allocation failure' '$WORK/excerpt'"

	_h=$_r/report.html
	awk '/<section class="failure" id="t1">/,/<\/section>/' "$_h" >"$WORK/excerpt"
	check "html: the excerpt shows the deciding BUG" \
		has "$WORK/excerpt" 'BUG: sleeping function called from invalid context'
	check "html: ... and not the allocation-failure warning before it" sh -c \
		"! grep -q 'page allocation failure' '$WORK/excerpt'"
	check "html: a broken test is listed as ERROR" has "$_h" \
		'<h3>2 t_broken <span class="error">ERROR</span></h3>'
	check "html: an interrupted test is shown as interrupted with its reason" has "$_h" \
		'<td class="interrupted">interrupted</td><td>SIGINT</td>'
	check "html: the banner counts the interrupted test" has "$_h" \
		'2 of 4 tests failed or broke; 1 interrupted.'
	check "html: elements balanced" html_balanced "$_h"

	check "tsv: verdicts fail, error, pass, interrupted" \
		[ "$(sed 1d "$_r/results.tsv" | cut -f1,2 | tr '\n\t' ' :')" = \
		"t_noise_bug:fail t_broken:error t_ok:pass t_stopped:interrupted " ]
}

# junit_schema: junit.xml against the Jenkins xUnit plugin's junit-10.xsd
# (jenkinsci/xunit-plugin, src/main/resources/org/jenkinsci/plugins/xunit/
# types/model/xsd/junit-10.xsd, stored in fixtures/xsd/).
test_junit_schema()
{
	if ! command -v xmllint >/dev/null 2>&1; then
		ok "junit: junit-10.xsd # SKIP xmllint not installed (libxml2-utils)"
		return 0
	fi
	_xsd=scripts/check/fixtures/xsd/junit-10.xsd
	for _run in "$WORK/runs/crash" "$WORK/runs/clean" "$WORK/verdicts"; do
		check "junit: $(basename "$_run") run valid against junit-10.xsd" \
			xmllint --noout --schema "$_xsd" "$_run/junit.xml"
	done
	sed 's/<testsuites /<testsuites skipped="1" /' "$WORK/runs/crash/junit.xml" >"$WORK/skipattr.xml"
	check_rc "junit: the schema check fires on a skipped attribute of <testsuites>" 3 \
		xmllint --noout --schema "$_xsd" "$WORK/skipattr.xml"
}

main()
{
	setup_scratch
	test_ktap
	test_tsv
	test_junit
	test_html
	test_time
	test_verdicts
	test_junit_schema
	test_busybox_awk
	finish
}

main "$@"
