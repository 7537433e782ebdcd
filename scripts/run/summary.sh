#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The closing lines of a run, on stderr:
#   summary.sh <run-dir>
# every test that did not pass ("not ok idx tag # category: title") with
# the command that reruns it ("repro: make run ..."), known failures
# ("xfail idx tag # category: title (known: ref)") and known issues that did
# not occur ("XPASS idx tag # known: ref"), the totals, with REPEAT the
# pass count of every test (also written to <run-dir>/repeat.txt), and
# where the reports are.  Results are read as the reports read them
# (scripts/report/tests.awk).
# Exit status: 0 every test passed, was skipped, or failed as a known
# issue (xfail) or passed despite one (xpass); else 1.

set -eu
LAB_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$LAB_TOP/scripts/lib.sh"
. "$LAB_TOP/scripts/report/lib.sh"

# totals <table>: the lines above; exit 1 when a test failed, broke or
# was interrupted.
totals()
{
	LC_ALL=C awk -v run="$RUN" -v table="$1" -f "$REPORT_AWK/common.awk" \
		-f "$REPORT_AWK/summary.awk"
}

# repeat_counts <table> <rounds>: per test (the tag without its .rK
# suffix) "tag<TAB>passed k/n<TAB>status of each round"; passed counts ok,
# skip and xpass.
repeat_counts()
{
	awk -F '\t' '
	{
		t = $3
		sub(/\.r[0-9]+$/, "", t)
		if (!(t in n)) order[++m] = t
		n[t]++
		if ($4 == "ok" || $4 == "skip" || $4 == "xpass") p[t]++
		s[t] = s[t] (s[t] == "" ? "" : " ") $4
	}
	END {
		for (i = 1; i <= m; i++) {
			t = order[i]
			printf "%s\tpassed %d/%d\t%s\n", t, p[t], n[t], s[t]
		}
	}' "$1"
}

repeat_summary()
{
	repeat_counts "$1" >"$RUN/repeat.txt"
	awk -F '\t' -v r="$2" '
	{ split($2, a, "[ /]"); n++
	  if (a[2] == a[3]) every++
	  else printf "labyrinth: repeat: %s %s (%s)\n", $1, $2, $3 > "/dev/stderr" }
	END { printf "labyrinth: REPEAT=%s: %d of %d tests passed every round (repeat.txt)\n", \
		r, every, n > "/dev/stderr" }' "$RUN/repeat.txt"
}

main()
{
	[ $# -eq 1 ] || die "usage: summary.sh <run-dir>"
	RUN=$1
	[ -f "$RUN/list" ] || die "$RUN/list not found"
	tmp=$(mktemp)
	trap 'rm -f "$tmp"' EXIT
	run_tests "$RUN" >"$tmp" || die "$RUN/list does not parse"
	rc=0
	totals "$tmp" || rc=$?
	rounds=$(run_meta "$RUN" repeat)
	if [ "${rounds:-1}" -gt 1 ] 2>/dev/null; then
		repeat_summary "$tmp" "$rounds"
	fi
	info "results: $RUN"
	for f in ktap.txt junit.xml report.html repeat.txt; do
		[ ! -f "$RUN/$f" ] || info "  $RUN/$f"
	done
	return "$rc"
}

main "$@"
