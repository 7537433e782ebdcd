#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ktap.sh <run-dir>: (re)write <run-dir>/ktap.txt, the KTAP v1 summary of a
# run, from its list and tests/*/result.  Tests are numbered by their place
# in the list.  A test without a result is "not ok ... # missing: no result".

set -eu
. "$(dirname "$0")/lib.sh"
. "$LAB_TOP/scripts/report/lib.sh"

usage()
{
	die "usage: $0 <run-dir>"
}

ktap()
{
	awk -F '\t' '
	{ n++; status[n] = $4; tag[n] = $3; detail[n] = $5 }
	END {
		print "KTAP version 1"
		print "1.." n + 0
		for (i = 1; i <= n; i++) {
			if (status[i] == "ok") {
				print "ok " i " " tag[i]
				pass++
			} else if (status[i] == "skip") {
				print "ok " i " " tag[i] " # SKIP " detail[i]
				skip++
			} else {
				print "not ok " i " " tag[i] " # " detail[i]
				if (status[i] == "fail")
					fail++
				else
					error++
			}
		}
		printf "# totals: pass %d fail %d skip %d error %d\n",
		    pass, fail, skip, error
	}'
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
