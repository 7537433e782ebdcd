#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The subsys tests' figures in the reports: results.tsv's rows per target
# (kBps_before kBps_during kBps_after recovery_ms drops), the throughput
# plot and recovery sentence of report.html, and compare.sh, which must
# not take a target's row for allocation statistics.  The fixture
# fixtures/runs/subsys holds five tests of a real SUBSYS=1 RUNTEST=subsys
# run (6.12.117, TCG): lo/udp, virtio/tcp and blk that passed, the
# selftest's stuck proof (recovery failed) and a proof that failed in its
# set-up (no data).  Bad records are planted into copies of it.  Run from
# the repository's root.

set -eu
. scripts/check/reports-lib.sh

TAB=$(printf '\t')

# row <tsv> <test> <ctx>: that test's row of that context, the test's
# name and verdict cut off.
row()
{
	awk -F '\t' -v t="$2" -v c="$3" '$1 == t && $3 == c' "$1" | cut -f3- | tr '\t' ' '
}

# want <desc> <got> <want>
want()
{
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		printf '# want: %s\n# got:  %s\n' "$3" "$2"
		not_ok "$1"
	fi
}

# copy <name>: a scratch copy of the subsys fixture run.
copy()
{
	rm -rf "${WORK:?}/$1"
	cp -R "$WORK/runs/subsys" "$WORK/$1"
	printf '%s\n' "$WORK/$1"
}

# fields <tsv>: every line has as many fields as the header.
# shellcheck disable=SC2317 # called through check
fields()
{
	awk -F '\t' 'NR == 1 { n = NF } NF != n { bad = 1 } END { exit bad || NR < 2 }' "$1"
}

test_tsv()
{
	R=$WORK/runs/subsys
	scripts/report.sh "$R" tsv
	_t=$R/results.tsv
	want "tsv: the header ends with the subsys columns, the others as before" \
		"$(sed -n 1p "$_t" | tr '\t' ' ')" \
		"test verdict ctx order attempts successes failures injected natural success_pct lat_p50_ns lat_p99_ns lat_max_ns kBps_before kBps_during kBps_after recovery_ms drops"
	check "tsv: every row as wide as the header" fields "$_t"
	want "tsv: virtio tcp: medians before, during, after, recovery, drops, injected" \
		"$(row "$_t" subsys_virtio_tcp_scoped virtio/tcp)" \
		"virtio/tcp - - - - 209 - - - - - 311 8 329 4470 257"
	want "tsv: lo udp: the drops record's sum" \
		"$(row "$_t" subsys_lo_udp_prob lo/udp)" \
		"lo/udp - - - - 25 - - - - - 119 293 211 6380 1702"
	want "tsv: blk: no proto in ctx, I/O errors as drops" \
		"$(row "$_t" subsys_blk_scoped blk)" \
		"blk - - - - 4408 - - - - - 35066 40222 32123 1450 0"
	want "tsv: a load that did not come back: -1, a phase at 0 kB/s is 0" \
		"$(row "$_t" proof_recovery_subsys_selftest_stuck selftest)" \
		"selftest - - - - - - - - - - 104 0 44 -1 -"
	want "tsv: a test without data: one row of '-'" \
		"$(row "$_t" proof_leak_bad_blk_leak -)" \
		"- - - - - - - - - - - - - - - -"
	want "tsv: a row per test and target" "$(sed 1d "$_t" | wc -l | tr -d ' ')" 5

	scripts/report.sh "$WORK/runs/clean" tsv
	_c=$WORK/runs/clean/results.tsv
	check "tsv: statistics rows as wide as the header" fields "$_c"
	want "tsv: statistics rows: '-' in the subsys columns" \
		"$(awk -F '\t' '$1 == "fault_order0" && $3 == "hrtimer" && $4 == 0' "$_c" | cut -f5,14-)" \
		"1000${TAB}-${TAB}-${TAB}-${TAB}-${TAB}-"
}

# test_tsv_bad: records missing, cut short or garbled give "-", never a
# zero and never a crash.
test_tsv_bad()
{
	_r=$(copy notput)
	_d=$_r/tests/8-subsys_virtio_tcp_scoped/data
	sed -i '/^tput /d' "$_d"
	check "bad: a subsys test without tput records still reports" scripts/report.sh "$_r" tsv
	want "bad: ... '-' for its throughput, its other figures kept" \
		"$(row "$_r/results.tsv" subsys_virtio_tcp_scoped virtio/tcp)" \
		"virtio/tcp - - - - 209 - - - - - - - - 4470 257"

	_r=$(copy garbled)
	_d=$_r/tests/8-subsys_virtio_tcp_scoped/data
	sed -i 's/^\(tput .*phase=before.*\) kBps=311 /\1 kBps=3x1 /;
		s/^\(tput .*phase=during.*\) kBps=8 \(.*\) samples=5 /\1 kBps=0 \2 samples=0 /;
		s/recovery_ms=4470/recovery_ms=soon/; s/ sum=257$/ sum=/' "$_d"
	scripts/report.sh "$_r" tsv
	want "bad: a garbled rate, a phase without samples, a garbled recovery and sum: '-'" \
		"$(row "$_r/results.tsv" subsys_virtio_tcp_scoped virtio/tcp)" \
		"virtio/tcp - - - - 209 - - - - - - - 329 - -"

	_r=$(copy cut)
	_d=$_r/tests/14-subsys_blk_scoped/data
	grep -v '^tput .*phase=after\|^io \|^sum .*target=' "$_d" >"$_d.new"
	printf 'tput test=subsys_blk_scoped phase=after target=blk kBps=32' >>"$_d.new"
	mv "$_d.new" "$_d"
	scripts/report.sh "$_r" tsv
	want "bad: a record cut short keeps what it holds; no io, no sum: '-'" \
		"$(row "$_r/results.tsv" subsys_blk_scoped blk)" \
		"blk - - - - - - - - - - 35066 40222 32 1450 -"

	_r=$(copy rec)
	_d=$_r/tests/2-subsys_lo_udp_prob/data
	grep '^recovery \|^frag ' "$_d" >"$_d.new"
	mv "$_d.new" "$_d"
	scripts/report.sh "$_r" tsv
	want "bad: a recovery record without a target's records is no row of its own" \
		"$(awk -F '\t' '$1 == "subsys_lo_udp_prob"' "$_r/results.tsv" | cut -f3- | tr '\t' ' ')" \
		"- - - - - - - - - - - - - - - -"
}

# test_mixed: a test with stat records and a subsys target: both kinds of
# rows; the comparison and the plots of allocation statistics ignore the
# target's row.
test_mixed()
{
	_r=$WORK/mixed
	rm -rf "$_r"
	cp -R "$WORK/runs/clean" "$_r"
	grep '^tput \|^samples \|^recovery \|^drops \|^sum .*target=' \
		"$WORK/runs/subsys/tests/8-subsys_virtio_tcp_scoped/data" \
		>>"$_r/tests/2-fault_order0/data"
	scripts/report.sh "$_r" ktap tsv html
	want "mixed: the statistics rows and the target's row" \
		"$(awk -F '\t' '$1 == "fault_order0"' "$_r/results.tsv" | cut -f3,4 | tr '\n\t' ' :')" \
		"hrtimer:0 irq_work:0 virtio/tcp:- "
	check "mixed: the report has the throughput plot and the statistics plots" \
		has "$_r/report.html" 'fault_order0: throughput before, during and after injection'
	check "mixed: ... and the success rate plot, without the target as a context" sh -c \
		"grep -q 'fault_order0: success rate per order' '$_r/report.html' &&
		! grep -q 'virtio/tcp</text>' '$_r/report.html'"
	scripts/report.sh "$WORK/runs/clean" ktap
	scripts/compare.sh -o "$WORK/cleancmp" "$WORK/runs/clean" "$WORK/runs/clean" >/dev/null 2>&1 || :
	scripts/compare.sh -o "$WORK/mixedcmp" "$_r" "$_r" >/dev/null 2>&1 || :
	want "mixed: compare counts the measurements it counts without the target's row" \
		"$(sed 's/.*; //' "$WORK/mixedcmp/summary.txt")" "$(sed 's/.*; //' "$WORK/cleancmp/summary.txt")"
	check "mixed: ... and lists no target row as not tested" sh -c \
		"grep -q ' not tested' '$WORK/mixedcmp/summary.txt' && ! grep -q 'virtio/tcp' '$WORK/mixedcmp/compare.md' '$WORK/mixedcmp/compare.html'"
}

# plots <run> <dir>: html-plots.awk of a run into dir (its data files
# and gnuplot scripts), without drawing them.
plots()
{
	rm -rf "$2"
	mkdir -p "$2"
	: >"$2/manifest"
	LAB_TOP=$PWD
	. scripts/report/lib.sh
	run_tests "$1" >"$2/tests"
	run_tsv "$1" "$2/tests" pos >"$2/html.tsv"
	LC_ALL=C awk -v run="$1" -v table="$2/tests" -v dir="$2" \
		-f scripts/report/common.awk -f scripts/report/plotlib.awk \
		-f scripts/report/html-plots.awk "$2/html.tsv"
}

test_plot_data()
{
	_p=$WORK/plots
	plots "$WORK/runs/subsys" "$_p"
	want "plot: seconds from the first sample, the rate as measured" \
		"$(tr '\n' ' ' <"$_p/t2-subsys.before.dat")" \
		"0.000 283 7.800 311 13.190 469 16.820 555 19.570 249 "
	want "plot: the during phase, five samples" "$(wc -l <"$_p/t2-subsys.during.dat" | tr -d ' ')" 5
	want "plot: each sample at the baseline's guest speed (rate x probe / reference)" \
		"$(sed -n 1p "$_p/t2-subsys.norm.dat")" "0.000 350"
	check "plot: baseline and threshold drawn" sh -c \
		"grep -q \"283 with lines .*title 'baseline 283 kB/s'\" '$_p/t2-subsys.gp' &&
		grep -q \"254 with lines .*title '90%: 254 kB/s'\" '$_p/t2-subsys.gp'"
	check "plot: the injection phase shaded" \
		grep -q 'set object 1 rect from 52.210,graph 0 to 60.660,graph 1' "$_p/t2-subsys.gp"
	check "plot: a test without data has no subsys section" sh -c \
		"! awk -F '\t' '\$1 == 5' '$_p/manifest' | grep -q ."
	check "plot: a subsys test has no 'no allocation statistics' sentence" sh -c \
		"! grep -q 'No allocation statistics' '$_p/manifest'"

	_r=$(copy nosamples)
	sed -i '/^samples /d' "$_r/tests/8-subsys_virtio_tcp_scoped/data"
	sed -i 's/kBps=44,591/kBps=44,x91/; s/ms=165580,/ms=,/' "$_r/tests/2-subsys_lo_udp_prob/data"
	plots "$_r" "$WORK/plots2"
	check "plot: no samples records: a sentence, no plot" \
		grep -q '^2	subsys	none	t2-subsys	No throughput samples' "$WORK/plots2/manifest"
	check "plot: ... the recovery sentence still there" \
		grep -q '^2	recovery	none	t2-subsys-text	Recovery: 4470 ms' "$WORK/plots2/manifest"
	want "plot: garbled samples are left out, the others kept" \
		"$(wc -l <"$WORK/plots2/t1-subsys.before.dat" | tr -d ' ')" 3
}

test_html()
{
	R=$WORK/runs/subsys
	scripts/report.sh "$R" ktap tsv html
	_h=$R/report.html
	check "html: offline and balanced" sh -c \
		". scripts/check/reports-lib.sh; html_offline '$_h' && html_balanced '$_h'"
	if command -v gnuplot >/dev/null 2>&1; then
		want "html: a throughput plot per subsys test with samples" \
			"$(grep -c 'throughput before, during and after injection</text>' "$_h")" 4
		check "html: the plot shows the baseline and the threshold" sh -c \
			"grep -q 'baseline 283 kB/s</text>' '$_h' && grep -q '90%: 254 kB/s</text>' '$_h'"
	else
		ok "html: plots # SKIP gnuplot not installed"
	fi
	check "html: recovery time, drops and injections in text" has "$_h" \
		'<p>Recovery: 4470 ms, the load back at 90% of its baseline (254 of 283 kB/s) after injection and the hog stopped, as measured (limit 10000 ms). Drops and errors during injection: 257 (rx_dropped 127, tx_dropped 2, tcp_retranssegs 103, tcp_tcpmemorypressures 25). Failures injected: 209 (fault scoped, hog none, module virtio_net).</p>'
	check "html: the disk's requests and I/O errors" has "$_h" \
		'Block layer during injection: 7632 requests completed, 0 I/O errors, 1 in flight when injection stopped.'
	check "html: a load that did not come back says so" has "$_h" \
		'<p>Recovery: none, the load not back at 90% of its baseline (90 of 101 kB/s) after injection and the hog stopped (limit 10000 ms). No drops or I/O errors were recorded.</p>'
	check "html: the figures of results.tsv in a table" has "$_h" \
		'<tr><td>virtio/tcp</td><td class="n">311</td><td class="n">8</td><td class="n">329</td><td class="n">4470</td><td class="n">257</td><td class="n">209</td></tr>'
	check "html: the test without data has no measurements" has "$_h" \
		'No measurements recorded by: proof_leak_bad_blk_leak.'
}

test_compare()
{
	R=$WORK/runs/subsys
	_n=$(copy new)
	scripts/report.sh "$_n" ktap
	_rc=0
	scripts/compare.sh -o "$WORK/cmp" "$R" "$_n" >"$WORK/cmp.out" 2>&1 || _rc=$?
	want "compare: a subsys run against a copy of itself, no regression" "$_rc" 0
	check "compare: ... no target row taken for an untested measurement" \
		has "$WORK/cmp/summary.txt" '0 measurements compared, 16 subsys figures compared, 0 not tested'
	check "compare: ... and no plot of allocation statistics for a target" sh -c \
		"! grep -q 'No success rate was recorded' '$WORK/cmp/compare.html'"
	check "compare: ... its throughput and recovery listed" \
		grep -q '^| subsys_virtio_tcp_scoped | recovery_ms | 4470 | 4470 | x1.00 |' "$WORK/cmp/compare.md"
}

# test_awks: the same results.tsv and sentences with mawk and busybox awk
# as with the host's awk.
test_awks()
{
	R=$WORK/runs/subsys
	grep -o '<p>Recovery:[^<]*' "$R/report.html" >"$WORK/sentences"
	for _awk in mawk busybox gawk; do
		if ! command -v "$_awk" >/dev/null 2>&1; then
			ok "$_awk: # SKIP not installed"
			continue
		fi
		mkdir -p "$WORK/$_awk"
		if [ "$_awk" = busybox ]; then
			ln -sf "$(command -v busybox)" "$WORK/$_awk/awk"
		else
			ln -sf "$(command -v "$_awk")" "$WORK/$_awk/awk"
		fi
		_r=$(copy "run-$_awk")
		PATH="$WORK/$_awk:$PATH" scripts/report.sh "$_r" tsv html
		check "$_awk: the same results.tsv" cmp "$R/results.tsv" "$_r/results.tsv"
		grep -o '<p>Recovery:[^<]*' "$_r/report.html" >"$WORK/sentences.$_awk"
		check "$_awk: the same recovery sentences" cmp "$WORK/sentences" "$WORK/sentences.$_awk"
	done
}

main()
{
	setup_scratch
	test_tsv
	test_tsv_bad
	test_mixed
	test_plot_data
	test_html
	test_compare
	test_awks
	finish
}

main "$@"
