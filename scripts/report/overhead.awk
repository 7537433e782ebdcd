# SPDX-License-Identifier: GPL-2.0
#
# Per-test overhead: each test's wall time (the runner's "wall" record,
# from its START to its RESULT, the reset included) against the stress
# asked of it (the asked_ms of its "phase ... name=stress" records).  A
# "stress" phase is a load the test asks for by its arguments or design,
# and only that: the engine's measured runs (asked and run by the
# kernel's clock: atomic_stress's measured phase, each of engine_contexts'
# runs and its two budget runs, engine_teardown's runs before the unload),
# a subsys test's load windows (its baseline and the window under
# injection, asked in whole seconds and run by the guest's clock).
# Everything else is overhead: settling, loading modules, applying
# profiles, a hog's start and stop, the recovery run (it is the verdict's,
# not asked for), the checks, the unload, the verdicts, the runner's
# reset and the data's transfer.
# Input: tests' data files (tests/*/data).  Output, one line per test with
# a wall record, in input order:
#   <tag> wall_ms=N asked_ms=N ran_ms=N overhead_ms=N
# then, per phase name ("unphased": what no phase covers), the median of the time
# the tests that have it spent in it (a test's phases of one name added
# up): where the wall time goes,
#   phase <name> median_ms=N tests=N
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

function flush(    k, s)
{
	if (wall != "") {
		o[++n] = wall - asked
		printf "%s wall_ms=%d asked_ms=%d ran_ms=%d overhead_ms=%d\n",
		    tag, wall, asked, ran, wall - asked
		# what no phase covers: the data's transfer after the reset, the
		# shell's start, a test that records no phases
		s = 0
		for (k in len)
			s += len[k]
		if (wall > s)
			len["unphased"] = wall - s
		for (k in len) {
			if (!(k in np))
				pname[++npn] = k
			pv[k, ++np[k]] = len[k]
		}
	}
	wall = ""
	tag = ""
	asked = ran = 0
	split("", len)
}

# med(v, m): the median of v[1..m] (sorts v).
function med(v, m,    i, j, t)
{
	for (i = 2; i <= m; i++)
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
			t = v[j]
			v[j] = v[j - 1]
			v[j - 1] = t
		}
	return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
}

FNR == 1 {
	flush()
}

$1 == "wall" {
	wall = val("ms") + 0
	tag = val("test")
}

$1 == "phase" {
	len[val("name")] += val("ms")
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
	for (p = 1; p <= npn; p++) {
		k = pname[p]
		split("", v)
		for (i = 1; i <= np[k]; i++)
			v[i] = pv[k, i]
		printf "phase %s median_ms=%d tests=%d\n", k, med(v, np[k]), np[k]
	}
	split("", v)
	for (i = 1; i <= n; i++)
		v[i] = o[i]
	printf "median_overhead_ms=%d tests=%d\n", med(v, n), n
}
