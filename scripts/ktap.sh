#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ktap.sh <run-dir>: (re)write <run-dir>/ktap.txt, the KTAP v1 summary of a
# run, from its list and tests/*/result (format: scripts/report/ktap.awk).
# A test without a result is "not ok ... # error missing: no result".

set -eu
. "$(dirname "$0")/lib.sh"
. "$LAB_TOP/scripts/report/lib.sh"

usage()
{
	die "usage: $0 <run-dir>"
}

ktap()
{
	LC_ALL=C awk -f "$REPORT_AWK/ktap.awk"
}

main()
{
	[ $# -eq 1 ] || usage
	run=$1
	check_run "run" "$run"
	scratch ktap
	run_tests "$run" >"$SCRATCH/tests" || die "$run/list does not parse"
	ktap <"$SCRATCH/tests" >"$SCRATCH/ktap.txt"
	mv "$SCRATCH/ktap.txt" "$run/ktap.txt"
}

main "$@"
