#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# junit.sh <run-dir>: write <run-dir>/junit.xml for CI dashboards: one
# testsuite labyrinth.<list> (list_name in meta.env), a testcase per test;
# failures and errors carry "category: title" and the console excerpt,
# skips their reason.

set -eu
. "$(dirname "$0")/lib.sh"
. "$LAB_TOP/scripts/report/lib.sh"

main()
{
	[ $# -eq 1 ] || die "usage: $0 <run-dir>"
	run=$1
	check_run "run" "$run"
	scratch junit
	run_tests "$run" >"$SCRATCH/tests" || die "$run/list does not parse"
	LC_ALL=C awk -v run="$run" -v table="$SCRATCH/tests" \
		-f "$REPORT_AWK/common.awk" -f "$REPORT_AWK/junit.awk" \
		>"$SCRATCH/junit.xml"
	mv "$SCRATCH/junit.xml" "$run/junit.xml"
}

main "$@"
