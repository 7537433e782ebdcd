#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The one entry for the report writers of a results folder:
#   report.sh <run-dir> [ktap|tsv|junit|html|kcidb...]
# (Re)writes the reports named (default: all five, and then says where
# they are and the totals) from the run's list, meta.env and
# tests/*/result:
#   ktap.txt     KTAP v1 summary; tests numbered by their place in the list;
#                a test without a result is "not ok ... # missing: no result"
#   results.tsv  one row per test, context and order with the numbers of the
#                tests' "stat" records: test verdict ctx order attempts
#                successes failures injected natural success_pct lat_p50_ns
#                lat_p99_ns lat_max_ns, then kBps_before kBps_during
#                kBps_after recovery_ms drops, a subsys test's figures in
#                its row per target (order "-"; report/tsv.awk) ("-": not
#                recorded)
#   junit.xml    one testsuite labyrinth.<list>, a testcase per test; failures
#                and errors carry "category: title" and the console excerpt,
#                skips their reason
#   report.html  one self-contained page that opens offline: summary, the
#                matrix as one grid (report/grid.awk), metadata, failing
#                tests first with their console excerpt and repro command,
#                known issues, all tests, and per test the plots gnuplot
#                draws as inline SVG (a subsys test's throughput, baseline
#                and threshold, with its recovery time and drops)
#   kcidb.json   the run in KernelCI's KCIDB I/O format (scripts/kcidb.sh)
# Used by scripts/run/boots.sh after a run and by scripts/merge.sh.
# Exit status 2 for a folder that is not a results folder of this suite.

set -eu
. "$(dirname "$0")/lib.sh"
. "$LAB_TOP/scripts/report/lib.sh"

ktap()
{
	LC_ALL=C awk -f "$REPORT_AWK/ktap.awk" "$SCRATCH/tests" >"$SCRATCH/ktap.txt"
	mv "$SCRATCH/ktap.txt" "$RUN/ktap.txt"
}

kcidb()
{
	sh "$LAB_TOP/scripts/kcidb.sh" "$RUN"
}

tsv()
{
	run_tsv "$RUN" "$SCRATCH/tests" >"$SCRATCH/results.tsv"
	mv "$SCRATCH/results.tsv" "$RUN/results.tsv"
}

junit()
{
	LC_ALL=C awk -v run="$RUN" -v table="$SCRATCH/tests" \
		-f "$REPORT_AWK/common.awk" -f "$REPORT_AWK/junit.awk" \
		>"$SCRATCH/junit.xml"
	mv "$SCRATCH/junit.xml" "$RUN/junit.xml"
}

html()
{
	run_tsv "$RUN" "$SCRATCH/tests" pos >"$SCRATCH/html.tsv"
	rm -rf "$SCRATCH/plots"
	mkdir "$SCRATCH/plots"
	: >"$SCRATCH/plots/manifest"
	LC_ALL=C awk -v run="$RUN" -v table="$SCRATCH/tests" -v dir="$SCRATCH/plots" \
		-f "$REPORT_AWK/common.awk" -f "$REPORT_AWK/plotlib.awk" \
		-f "$REPORT_AWK/html-plots.awk" "$SCRATCH/html.tsv"
	plot_all "$SCRATCH/plots" "$SCRATCH/plots/manifest"
	LC_ALL=C awk -v run="$RUN" -v table="$SCRATCH/tests" \
		-v tsv="$SCRATCH/html.tsv" -v dir="$SCRATCH/plots" \
		-v generated="$(date -u '+%Y-%m-%d %H:%M UTC')" \
		-f "$REPORT_AWK/common.awk" -f "$REPORT_AWK/grid.awk" \
		-f "$REPORT_AWK/html.awk" \
		>"$SCRATCH/report.html"
	mv "$SCRATCH/report.html" "$RUN/report.html"
}

main()
{
	[ $# -ge 1 ] || die "usage: $0 <run-dir> [ktap|tsv|junit|html|kcidb...]"
	RUN=$1
	shift
	_say=
	if [ $# -eq 0 ]; then
		set -- ktap tsv junit html kcidb
		_say=1
	fi
	for _kind in "$@"; do
		case $_kind in
		ktap | tsv | junit | html | kcidb) ;;
		*) die "unknown report '$_kind' (known: ktap tsv junit html kcidb)" ;;
		esac
	done
	check_run "run" "$RUN"
	scratch report
	run_tests "$RUN" >"$SCRATCH/tests" || die "$RUN/list does not parse"
	for _kind in "$@"; do
		"$_kind"
	done
	[ -n "$_say" ] || return 0
	for _kind in "$@"; do
		case $_kind in
		ktap) printf 'labyrinth: ktap:   %s/ktap.txt\n' "$RUN" ;;
		tsv) printf 'labyrinth: tsv:    %s/results.tsv\n' "$RUN" ;;
		junit) printf 'labyrinth: junit:  %s/junit.xml\n' "$RUN" ;;
		html) printf 'labyrinth: report: %s/report.html\n' "$RUN" ;;
		kcidb) printf 'labyrinth: kcidb:  %s/kcidb.json\n' "$RUN" ;;
		esac
	done
	[ ! -f "$RUN/ktap.txt" ] || sed -n 's/^# Totals: /labyrinth: totals: /p' "$RUN/ktap.txt"
}

main "$@"
