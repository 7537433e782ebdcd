#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# html.sh <run-dir>: write <run-dir>/report.html, one self-contained page
# that opens offline: metadata, summary, failing tests first (category,
# title, console excerpt), all tests, then per test the plots gnuplot draws
# as inline SVG: success rate per order for each context, injected against
# natural failures, latency percentiles, free blocks per order before,
# during and after.  Data that is missing gets a sentence, not a plot.

set -eu
. "$(dirname "$0")/lib.sh"
. "$LAB_TOP/scripts/report/lib.sh"

main()
{
	[ $# -eq 1 ] || die "usage: $0 <run-dir>"
	run=$1
	check_run "run" "$run"
	scratch html
	run_tests "$run" >"$SCRATCH/tests" || die "$run/list does not parse"
	run_tsv "$run" "$SCRATCH/tests" pos >"$SCRATCH/results.tsv"
	mkdir "$SCRATCH/plots"
	: >"$SCRATCH/plots/manifest"
	LC_ALL=C awk -v run="$run" -v table="$SCRATCH/tests" -v dir="$SCRATCH/plots" \
		-f "$REPORT_AWK/common.awk" -f "$REPORT_AWK/plotlib.awk" \
		-f "$REPORT_AWK/html-plots.awk" "$SCRATCH/results.tsv"
	plot_all "$SCRATCH/plots" "$SCRATCH/plots/manifest"
	LC_ALL=C awk -v run="$run" -v table="$SCRATCH/tests" \
		-v tsv="$SCRATCH/results.tsv" -v dir="$SCRATCH/plots" \
		-v generated="$(date -u '+%Y-%m-%d %H:%M UTC')" \
		-f "$REPORT_AWK/common.awk" -f "$REPORT_AWK/html.awk" \
		>"$SCRATCH/report.html"
	mv "$SCRATCH/report.html" "$run/report.html"
}

main "$@"
