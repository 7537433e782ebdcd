# SPDX-License-Identifier: GPL-2.0
#
# The closing lines of a run (scripts/run/summary.sh), on stderr.  Used
# with common.awk; everything happens in BEGIN.
# -v run=<run-dir> -v table=<test table (tests.awk)>
# Exit status 1 when a test failed, broke or was interrupted; xfail and
# xpass do not fail the run.

function say(s)
{
	printf "labyrinth: %s\n", s > "/dev/stderr"
}

BEGIN {
	read_meta(run "/meta.env", meta, keys)
	n = read_table(table, T)
	for (i = 1; i <= n; i++) {
		s = T[i, "status"]
		c[s]++
		id = T[i, "idx"] " " T[i, "tag"]
		if (s == "xfail")
			say("xfail " id " # " T[i, "detail"] " (known: " T[i, "ref"] ")")
		else if (s == "xpass")
			say("XPASS " id " # known: " T[i, "ref"] " did not occur")
		else if (s != "ok" && s != "skip") {
			say("not ok " id " # " T[i, "detail"])
			if (s == "fail" || s == "error")
				say("  repro: " repro(meta, T[i, "tag"]))
		}
	}
	bad = n - c["ok"] - c["skip"] - c["xfail"] - c["xpass"]
	line = sprintf("%d tests: %d passed, %d failed, %d skipped, %d errors",
	    n, c["ok"], c["fail"], c["skip"], c["error"])
	if (c["xfail"] || c["xpass"])
		line = line sprintf(", %d xfail, %d xpass", c["xfail"], c["xpass"])
	if (c["interrupted"])
		line = line sprintf(", %d interrupted", c["interrupted"])
	say(line)
	exit (bad > 0 ? 1 : 0)
}
