# SPDX-License-Identifier: GPL-2.0
#
# results.tsv from a test table (see tests.awk) and each test's data file.
# -v run=<run-dir>; -v with_pos=1 adds a leading "pos" column.
# One row per test, context and order, from the "stat" records; repeated
# records of one context and order add up (latencies: the largest).
# One row per subsys target (testcases/subsys_*.sh), from the "tput",
# "recovery", "drops", "io" and "sum" records: ctx is the target
# ("<target>" or "<target>/<proto>", e.g. virtio/tcp), order "-", injected
# the sum record's injected=, and the last five columns, which are "-"
# in every other row:
#   kBps_before kBps_during kBps_after  the median second of each phase
#       as measured (a tput record's kBps; "-" for a phase without samples)
#   recovery_ms  ms from injection and hog stop until the load was back,
#       -1 when it was not within the limit (the test's recovery record,
#       which names no target: in each of the test's target rows)
#   drops  the stack's drops and errors during injection (the drops
#       record's sum=), the I/O errors for a disk (the io record's
#       io_errors=)
# A test with neither gets one row with "-" for context, order and numbers.

BEGIN {
	FS = "\t"
	ncol = split("attempts successes failures injected natural", SUMS, " ")
	split("lat_p50_ns lat_p99_ns lat_max_ns", MAXES, " ")
	nsub = split("kBps_before kBps_during kBps_after recovery_ms drops", SUBS, " ")
	hdr = "test\tverdict\tctx\torder\tattempts\tsuccesses\tfailures"
	hdr = hdr "\tinjected\tnatural\tsuccess_pct\tlat_p50_ns\tlat_p99_ns"
	hdr = hdr "\tlat_max_ns"
	for (i = 1; i <= nsub; i++)
		hdr = hdr "\t" SUBS[i]
	print (with_pos ? "pos\t" : "") hdr
	nodash = ""
	for (i = 1; i <= nsub; i++)
		nodash = nodash "\t-"
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

# stat_record(rec): a "stat" record added to its context and order.
function stat_record(rec,    key, i, name)
{
	if (!("ctx" in rec) || !("order" in rec) || !num(rec["order"]))
		return
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

# target(rec): the subsys row a record belongs to, "" for none.
function target(rec,    t)
{
	t = rec["target"]
	if (t == "" || t ~ /[^A-Za-z0-9_.-]/)
		return ""
	if (rec["proto"] ~ /^[A-Za-z0-9_]+$/)
		t = t "/" rec["proto"]
	if (!(t in tseen)) {
		tseen[t] = 1
		tkeys[++ntkeys] = t
	}
	return t
}

# subsys_record(kind, rec): a subsys test's figures into sub[target, column].
function subsys_record(kind, rec,    t, k)
{
	if (kind == "recovery") {
		if (rec["recovery_ms"] ~ /^(-1|[0-9]+)$/)
			rec_ms = rec["recovery_ms"] + 0
		return
	}
	t = target(rec)
	if (t == "")
		return
	if (kind == "tput") {
		if (rec["phase"] ~ /^(before|during|after)$/ && num(rec["kBps"]) &&
		    !(num(rec["samples"]) && rec["samples"] == 0))
			sub_[t, "kBps_" rec["phase"]] = rec["kBps"] + 0
	} else if (kind == "drops" || kind == "io") {
		k = kind == "drops" ? "sum" : "io_errors"
		if (num(rec[k]))
			sub_[t, "drops"] += rec[k]
	} else if (kind == "sum" && num(rec["injected"])) {
		sub_[t, "injected"] += rec["injected"]
	}
}

function sub_cell(t, name)
{
	return (t SUBSEP name) in sub_ ? sub_[t, name] : "-"
}

{
	pos = $1
	tag = $3
	v = verdict($4)
	split("", val)
	split("", sub_)
	nkeys = ntkeys = 0
	rec_ms = "-"
	file = run "/" $6 "/data"
	while ((getline line < file) > 0) {
		sub(/\r$/, "", line)
		kind = line
		sub(/[ \t].*/, "", kind)
		if (kind !~ /^(stat|tput|recovery|drops|io|sum)$/)
			continue
		split("", rec)
		parse(line, rec)
		if (kind == "stat")
			stat_record(rec)
		else
			subsys_record(kind, rec)
	}
	close(file)
	lead = (with_pos ? pos "\t" : "") tag "\t" v
	if (nkeys == 0 && ntkeys == 0)
		print lead "\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-" nodash
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
		print row nodash
	}
	for (k = 1; k <= ntkeys; k++) {
		t = tkeys[k]
		row = lead "\t" t "\t-\t-\t-\t-\t" sub_cell(t, "injected") "\t-\t-\t-\t-\t-"
		for (i = 1; i <= 3; i++)
			row = row "\t" sub_cell(t, SUBS[i])
		print row "\t" rec_ms "\t" sub_cell(t, "drops")
	}
	for (k = 1; k <= nkeys; k++)
		delete seen[keys[k]]
	for (k = 1; k <= ntkeys; k++)
		delete tseen[tkeys[k]]
}
