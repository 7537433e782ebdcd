#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tsv.sh <run-dir>: write <run-dir>/results.tsv, one row per test, context
# and order with the numbers of the tests' "stat" records:
#   test verdict ctx order attempts successes failures injected natural
#   success_pct lat_p50_ns lat_p99_ns lat_max_ns
# "-" marks a number that was not recorded.

set -eu
. "$(dirname "$0")/lib.sh"
. "$LAB_TOP/scripts/report/lib.sh"

main()
{
	[ $# -eq 1 ] || die "usage: $0 <run-dir>"
	run=$1
	check_run "run" "$run"
	scratch tsv
	run_tests "$run" >"$SCRATCH/tests" || die "$run/list does not parse"
	run_tsv "$run" "$SCRATCH/tests" >"$SCRATCH/results.tsv"
	mv "$SCRATCH/results.tsv" "$run/results.tsv"
}

main "$@"
