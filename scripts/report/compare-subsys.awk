# SPDX-License-Identifier: GPL-2.0
#
# The subsys tests' figures of two runs compared (testcases/subsys_*.sh,
# their "tput" and "recovery" data records): findings lines for
# compare-render.awk, tab-separated,
#   subsys <tag> <metric> <base> <new> <effect> <class>
# metric: recovery_ms (time from injection and hog stop until the load
# was back; -1: it was not, within the limit), and per phase the median
# throughput at the baseline's guest speed, before_kBps, during_kBps,
# after_kBps (the "norm_kBps" of a tput record, its "kBps" for runs that
# did not record one).  effect: recovery, the ratio new/base; throughput,
# the change in percent.  class: recovery_ms is a regression when the
# load no longer comes back, or took at least twice as long and at least
# min_ms longer (the figure moves in steps of a sample, a second or more
# on a loaded host); an improvement the other way round; throughput is
# listed (class none): between two boots on a shared host it measures
# the host as much as the kernel (the recovery rule within a test does
# not: it compares each rate at the baseline's guest speed).  A tag in
# only one run is not compared.
# Usage: awk -v brun=<base run dir> -v nrun=<new run dir> [-v min_ms=2000]
#   -f compare-subsys.awk <data files of both runs>

function side(file)
{
	if (index(file, brun "/") == 1)
		return "B"
	if (index(file, nrun "/") == 1)
		return "N"
	return ""
}

# kv(name): the value of name=... in the current record, "" if none.
function kv(name,    i)
{
	for (i = 2; i <= NF; i++)
		if (index($i, name "=") == 1)
			return substr($i, length(name) + 2)
	return ""
}

function note(s, tag, metric, v)
{
	if (!(tag in seen)) {
		seen[tag] = 1
		T[++nt] = tag
	}
	if (!((tag, metric) in M)) {
		M[tag, metric] = 1
		MK[tag, ++nm[tag]] = metric
	}
	V[s, tag, metric] = v
}

{
	s = side(FILENAME)
	if (s == "")
		next
	tag = kv("test")
	if (tag == "")
		next
	if ($1 == "recovery" && kv("recovery_ms") != "")
		note(s, tag, "recovery_ms", kv("recovery_ms") + 0)
	else if ($1 == "tput" && kv("phase") != "") {
		v = kv("norm_kBps")
		if (v == "")
			v = kv("kBps")
		if (v != "")
			note(s, tag, kv("phase") "_kBps", v + 0)
	}
}

function recovery_class(b, n)
{
	if (b >= 0 && n < 0)
		return "regression"
	if (b < 0 && n >= 0)
		return "improvement"
	if (b < 0 && n < 0)
		return "none"
	if (n >= 2 * b && n - b >= min_ms)
		return "regression"
	if (b >= 2 * n && b - n >= min_ms)
		return "improvement"
	return "none"
}

END {
	if (min_ms == "")
		min_ms = 2000
	for (i = 1; i <= nt; i++) {
		tag = T[i]
		for (j = 1; j <= nm[tag]; j++) {
			metric = MK[tag, j]
			if (!(("B", tag, metric) in V) || !(("N", tag, metric) in V))
				continue
			b = V["B", tag, metric]
			n = V["N", tag, metric]
			if (metric == "recovery_ms") {
				c = recovery_class(b, n)
				eff = (b > 0 && n >= 0) ? sprintf("x%.2f", n / b) : "-"
			} else {
				c = "none"
				eff = b > 0 ? sprintf("%+.0f%%", (n - b) * 100 / b) : "-"
			}
			printf "subsys\t%s\t%s\t%s\t%s\t%s\t%s\n", tag, metric, b, n, eff, c
		}
	}
}
