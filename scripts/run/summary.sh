#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The closing lines of a run, on stderr:
#   summary.sh <run-dir>
# every test that did not pass ("not ok idx tag # category: title"), the
# totals, with REPEAT the pass count of every test (also written to
# <run-dir>/repeat.txt), and where the reports are.
# Exit status: 0 every test passed or was skipped, else 1.

set -eu
LAB_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$LAB_TOP/scripts/lib.sh"
. "$LAB_TOP/scripts/report/lib.sh"

# statuses: "idx tag status detail" for every listed test, tab-separated.
statuses()
{
	awk -v d="$RUN/tests" '
	{ f = d "/" $1 "-" $2 "/result"; st = "error"; why = "missing: no result"
	  if ((getline l < f) > 0) { split(l, a, "\t"); st = a[1]; why = a[2] }
	  close(f)
	  printf "%s\t%s\t%s\t%s\n", $1, $2, st, why }' "$RUN/list"
}

totals()
{
	awk -F '\t' '
	{ c[$3]++; n++
	  if ($3 != "ok" && $3 != "skip")
		printf "labyrinth: not ok %d %s # %s\n", $1, $2, $4 > "/dev/stderr" }
	END {
		printf "labyrinth: %d tests: %d passed, %d failed, %d skipped, %d errors", \
			n, c["ok"], c["fail"], c["skip"], n - c["ok"] - c["fail"] - c["skip"] - c["interrupted"] > "/dev/stderr"
		if (c["interrupted"])
			printf ", %d interrupted", c["interrupted"] > "/dev/stderr"
		printf "\n" > "/dev/stderr"
		exit (n - c["ok"] - c["skip"] > 0) ? 1 : 0
	}' "$1"
}

# repeat_counts <statuses> <rounds>: per test (the tag without its .rK
# suffix) "tag<TAB>passed k/n<TAB>status of each round"; passed counts ok
# and skip.
repeat_counts()
{
	awk -F '\t' '
	{
		t = $2
		sub(/\.r[0-9]+$/, "", t)
		if (!(t in n)) order[++m] = t
		n[t]++
		if ($3 == "ok" || $3 == "skip") p[t]++
		s[t] = s[t] (s[t] == "" ? "" : " ") $3
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
	statuses >"$tmp"
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
