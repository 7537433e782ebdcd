# SPDX-License-Identifier: GPL-2.0
#
# Per-test overhead: each test's wall time (the runner's "wall" record,
# from its START to its RESULT, the reset included) against the stress
# asked of it (the asked_ms of its "phase ... name=stress" records: the
# engine time its measured phases asked for, by the kernel's clock).
# Input: tests' data files (tests/*/data).  Output, one line per test with
# a wall record, in input order:
#   <tag> wall_ms=N asked_ms=N ran_ms=N overhead_ms=N
# then one line
#   median_overhead_ms=N tests=N
# (median_overhead_ms=- when no test has a wall record: a run made before
# the records existed).

function val(k,    i)
{
	for (i = 2; i <= NF; i++)
		if (index($i, k "=") == 1)
			return substr($i, length(k) + 2)
	return ""
}

function flush()
{
	if (wall != "") {
		o[++n] = wall - asked
		printf "%s wall_ms=%d asked_ms=%d ran_ms=%d overhead_ms=%d\n",
		    tag, wall, asked, ran, wall - asked
	}
	wall = ""
	tag = ""
	asked = ran = 0
}

FNR == 1 {
	flush()
}

$1 == "wall" {
	wall = val("ms") + 0
	tag = val("test")
}

$1 == "phase" && val("name") == "stress" {
	asked += val("asked_ms")
	ran += val("ran_ms")
}

END {
	flush()
	if (!n) {
		print "median_overhead_ms=- tests=0"
		exit
	}
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && o[j - 1] > o[j]; j--) {
			t = o[j]
			o[j] = o[j - 1]
			o[j - 1] = t
		}
	m = n % 2 ? o[(n + 1) / 2] : (o[n / 2] + o[n / 2 + 1]) / 2
	printf "median_overhead_ms=%d tests=%d\n", m, n
}
