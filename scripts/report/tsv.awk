# SPDX-License-Identifier: GPL-2.0
#
# results.tsv from a test table (see tests.awk) and each test's data file.
# -v run=<run-dir>; -v with_pos=1 adds a leading "pos" column.
# One row per test, context and order, from the "stat" records; repeated
# records of one context and order add up (latencies: the largest).  A test
# without stat records gets one row with "-" for context, order and numbers.

BEGIN {
	FS = "\t"
	ncol = split("attempts successes failures injected natural", SUMS, " ")
	split("lat_p50_ns lat_p99_ns lat_max_ns", MAXES, " ")
	hdr = "test\tverdict\tctx\torder\tattempts\tsuccesses\tfailures"
	hdr = hdr "\tinjected\tnatural\tsuccess_pct\tlat_p50_ns\tlat_p99_ns"
	hdr = hdr "\tlat_max_ns"
	print (with_pos ? "pos\t" : "") hdr
}

function verdict(status)
{
	return status == "ok" ? "pass" : status
}

# parse(line, rec): the key=value fields of a record into rec[].
function parse(line, rec,    n, i, f, eq)
{
	n = split(line, f, /[ \t]+/)
	for (i = 2; i <= n; i++) {
		eq = index(f[i], "=")
		if (eq > 1)
			rec[substr(f[i], 1, eq - 1)] = substr(f[i], eq + 1)
	}
}

function num(v)
{
	return v ~ /^[0-9]+$/
}

function cell(key, name)
{
	return (key SUBSEP name) in val ? val[key, name] : "-"
}

{
	pos = $1
	tag = $3
	v = verdict($4)
	split("", val)
	split("", order_of)
	nkeys = 0
	file = run "/" $6 "/data"
	while ((getline line < file) > 0) {
		sub(/\r$/, "", line)
		if (line !~ /^stat[ \t]/)
			continue
		split("", rec)
		parse(line, rec)
		if (!("ctx" in rec) || !("order" in rec) || !num(rec["order"]))
			continue
		key = rec["ctx"] SUBSEP rec["order"]
		if (!(key in seen)) {
			seen[key] = 1
			keys[++nkeys] = key
		}
		for (i = 1; i <= ncol; i++) {
			name = SUMS[i]
			if (num(rec[name]))
				val[key, name] += rec[name]
		}
		for (i = 1; i <= 3; i++) {
			name = MAXES[i]
			if (num(rec[name]) &&
			    (!((key SUBSEP name) in val) || rec[name] + 0 > val[key, name]))
				val[key, name] = rec[name] + 0
		}
	}
	close(file)
	lead = (with_pos ? pos "\t" : "") tag "\t" v
	if (nkeys == 0)
		print lead "\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-"
	for (k = 1; k <= nkeys; k++) {
		key = keys[k]
		split(key, ko, SUBSEP)
		row = lead "\t" ko[1] "\t" ko[2]
		for (i = 1; i <= ncol; i++)
			row = row "\t" cell(key, SUMS[i])
		a = cell(key, "attempts")
		s = cell(key, "successes")
		pct = (a != "-" && s != "-" && a > 0) ? sprintf("%.2f", 100 * s / a) : "-"
		row = row "\t" pct
		for (i = 1; i <= 3; i++)
			row = row "\t" cell(key, MAXES[i])
		print row
	}
	for (k = 1; k <= nkeys; k++)
		delete seen[keys[k]]
}
