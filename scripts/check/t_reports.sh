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
	# totals: pass 3 fail 0 skip 1 error 0
	EOF
	rm -f "$R/clean/ktap.txt"
	check "ktap: clean run" scripts/report.sh "$R/clean" ktap
	check "ktap: clean run gives the expected summary" cmp "$WORK/ktap.clean" "$R/clean/ktap.txt"

	scripts/report.sh "$R/crash" ktap
	check "ktap: a crash is 'not ok' with its category and title" \
		has "$R/crash/ktap.txt" "not ok 1 engine_contexts # crash: BUG: sleeping function called from invalid context"
	check "ktap: a test without a result is 'not ok # missing: no result'" \
		has "$R/crash/ktap.txt" "not ok 3 frag_hog # missing: no result"
	check "ktap: crash run totals" \
		has "$R/crash/ktap.txt" "# totals: pass 1 fail 1 skip 1 error 1"

	scripts/report.sh "$R/garbled" ktap
	check "ktap: a garbled result is an error, never a pass" \
		has "$R/garbled/ktap.txt" 'not ok 1 engine_contexts # garbled: result "bogus half a line"'

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
	_hdr="test${TAB}verdict${TAB}ctx${TAB}order${TAB}attempts${TAB}successes${TAB}failures${TAB}injected${TAB}natural${TAB}success_pct${TAB}lat_p50_ns${TAB}lat_p99_ns${TAB}lat_max_ns"
	check "tsv: header row" [ "$(sed -n 1p "$R/clean/results.tsv")" = "$_hdr" ]
	check "tsv: one row per test, context and order (9+2+5+1)" \
		[ "$(sed 1d "$R/clean/results.tsv" | wc -l)" -eq 17 ]
	check "tsv: numbers of fault_order0/hrtimer/0" \
		[ "$(tsv_row "$R/clean/results.tsv" fault_order0 hrtimer 0)" = \
		"fault_order0${TAB}pass${TAB}hrtimer${TAB}0${TAB}1000${TAB}980${TAB}20${TAB}20${TAB}0${TAB}98.00${TAB}710${TAB}3030${TAB}9000" ]
	check "tsv: a test without stat records has one row of '-'" \
		[ "$(tsv_row "$R/clean/results.tsv" needs_kasan - -)" = \
		"needs_kasan${TAB}skip${TAB}-${TAB}-${TAB}-${TAB}-${TAB}-${TAB}-${TAB}-${TAB}-${TAB}-${TAB}-${TAB}-" ]

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

main()
{
	setup_scratch
	test_ktap
	test_tsv
	test_junit
	test_html
	test_busybox_awk
	finish
}

main "$@"
