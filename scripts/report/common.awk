# SPDX-License-Identifier: GPL-2.0
#
# Functions shared by the report writers: escaping for XML and HTML,
# console excerpts, test durations, metadata.  Run with LC_ALL=C.

# clean(s): s without control characters and with non-ASCII bytes as "?",
# so that any console output makes valid XML and UTF-8.
function clean(s,    ctl, hi)
{
	ctl = "[" sprintf("%c", 1) "-" sprintf("%c", 8) sprintf("%c", 11) \
	    sprintf("%c", 12) sprintf("%c", 14) "-" sprintf("%c", 31) \
	    sprintf("%c", 127) "]"
	hi = "[" sprintf("%c", 128) "-" sprintf("%c", 255) "]"
	gsub(ctl, "", s)
	gsub(hi, "?", s)
	return s
}

# esc(s): s escaped for XML attributes and text, and for HTML.
function esc(s)
{
	s = clean(s)
	gsub(/&/, "\\&amp;", s)
	gsub(/</, "\\&lt;", s)
	gsub(/>/, "\\&gt;", s)
	gsub(/"/, "\\&quot;", s)
	gsub(/'/, "\\&#39;", s)
	return s
}

# title_of(detail): "category: title" -> "title".
function title_of(d,    c)
{
	c = index(d, ": ")
	return c ? substr(d, c + 2) : d
}

# category_of(detail): "category: title" -> "category".
function category_of(d,    c)
{
	c = index(d, ": ")
	return c ? substr(d, 1, c - 1) : d
}

# decided_line(dir): the console line (in dir/kmsg.log) where the splat
# that decided the test's verdict starts: the third field of the first
# line of dir/findings, which the classifier writes (scripts/classify.awk).
# 0 when no splat decided.
function decided_line(dir,    file, line, got, f)
{
	file = dir "/findings"
	got = (getline line < file) > 0
	close(file)
	if (!got || split(line, f, "\t") < 3 || f[1] == "noise" || f[3] !~ /^[0-9]+$/)
		return 0
	return f[3] + 0
}

# excerpt(dir, title): the part of a test's console slice that explains
# its verdict: from just before the deciding splat (decided_line), else
# the line that carries the title, about 60 lines; without either, the
# last 40 lines.  Returns "" for a missing or empty slice.
function excerpt(dir, title,    file, lines, n, i, hit, from, to, out)
{
	file = dir "/kmsg.log"
	n = 0
	while ((getline lines[n + 1] < file) > 0)
		n++
	close(file)
	if (n == 0)
		return ""
	hit = decided_line(dir)
	if (hit > n)
		hit = 0
	if (!hit && length(title) >= 8)
		for (i = 1; i <= n && !hit; i++)
			if (index(lines[i], title))
				hit = i
	if (hit) {
		from = hit - 3
		to = hit + 56
	} else {
		from = n - 39
		to = n
	}
	if (from < 1)
		from = 1
	if (to > n)
		to = n
	out = from > 1 ? "[... " (from - 1) " earlier lines ...]\n" : ""
	for (i = from; i <= to; i++)
		out = out lines[i] "\n"
	if (to < n)
		out = out "[... " (n - to) " more lines ...]\n"
	return out
}

# tail_of(file, max): the last max lines of a file.
function tail_of(file, max,    lines, n, i, out)
{
	n = 0
	while ((getline lines[n + 1] < file) > 0)
		n++
	close(file)
	out = n > max ? "[... " (n - max) " earlier lines ...]\n" : ""
	for (i = (n > max ? n - max + 1 : 1); i <= n; i++)
		out = out lines[i] "\n"
	return out
}

# duration(file): seconds between the runner's START and END markers in a
# console slice (the last timestamp when END never came); "" if unknown.
function duration(file,    line, t, start, end, last)
{
	start = end = last = ""
	while ((getline line < file) > 0) {
		if (!match(line, /\[ *[0-9]+\.[0-9]+\]/))
			continue
		t = substr(line, RSTART + 1, RLENGTH - 2) + 0
		if (start == "" && line ~ /labyrinth: START /)
			start = t
		else if (line ~ /labyrinth: END /)
			end = t
		last = t
	}
	close(file)
	if (start == "")
		return ""
	if (end == "")
		end = last
	return end >= start ? end - start : ""
}

# test_time(dir): a test's seconds: the guest's own figure (the "time"
# file the runner writes from LAB TIME), else the START/END markers of its
# console slice; "" if unknown.
function test_time(dir,    line, got)
{
	got = (getline line < (dir "/time")) > 0
	close(dir "/time")
	if (got && line ~ /^[0-9]+(\.[0-9]+)?$/)
		return line + 0
	return duration(dir "/kmsg.log")
}

# read_meta(file, meta, keys): meta.env into meta[key]; keys[1..n] keep the
# file's order.  Returns n.
function read_meta(file, meta, keys,    line, eq, k, n)
{
	n = 0
	while ((getline line < file) > 0) {
		if (line ~ /^[ \t]*(#|$)/ || !(eq = index(line, "=")))
			continue
		k = substr(line, 1, eq - 1)
		if (!(k in meta))
			keys[++n] = k
		meta[k] = substr(line, eq + 1)
	}
	close(file)
	return n
}

# read_table(file, T): a test table (tests.awk) into T[pos, field] with
# fields idx tag status detail dir ref; returns the number of tests.
function read_table(file, T,    line, f, n)
{
	n = 0
	while ((getline line < file) > 0) {
		split(line, f, "\t")
		n++
		T[n, "idx"] = f[2]
		T[n, "tag"] = f[3]
		T[n, "status"] = f[4]
		T[n, "detail"] = f[5]
		T[n, "dir"] = f[6]
		T[n, "ref"] = f[7]
	}
	close(file)
	return n
}

function verdict_word(status)
{
	return status == "ok" ? "pass" : status
}

# kv(line, rec): the key=value fields of a data record into rec[].
function kv(line, rec,    n, i, f, eq)
{
	n = split(line, f, /[ \t]+/)
	for (i = 2; i <= n; i++) {
		eq = index(f[i], "=")
		if (eq > 1)
			rec[substr(f[i], 1, eq - 1)] = substr(f[i], eq + 1)
	}
}

# shq(s): s as one shell word, quoted when it needs it.
function shq(s)
{
	if (s ~ /^[A-Za-z0-9_.\/:=,+@%-]+$/)
		return s
	gsub(/'/, "'\\''", s)
	return "'" s "'"
}

# repro(meta, tag): the one command that reruns test tag on the run's
# kernel and settings (meta: meta.env as read_meta reads it), three
# times.  A REPEAT round's tag.rN names its base tag.  Settings at their
# default are left out.
function repro(meta, tag,    base, cmd)
{
	base = tag
	sub(/\.r[0-9]+$/, "", base)
	gsub(/[.+]/, "\\\\&", base)
	cmd = "make run"
	if (meta["ksrc"] != "")
		cmd = cmd " KSRC=" shq(meta["ksrc"])
	if (meta["kasan"] == "1" || meta["fragments"] ~ /kasan=1/)
		cmd = cmd " KASAN=1"
	if (meta["runtest"] != "" && meta["runtest"] != "quick")
		cmd = cmd " RUNTEST=" shq(meta["runtest"])
	if (meta["extmod"] != "")
		cmd = cmd " EXTMOD=" shq(meta["extmod"])
	cmd = cmd " TESTS=" shq("^" base "$")
	if (meta["duration"] != "")
		cmd = cmd " LAB_DURATION=" shq(meta["duration"])
	if (meta["vcpus"] != "" && meta["vcpus"] != "2")
		cmd = cmd " VCPUS=" shq(meta["vcpus"])
	if (meta["mem"] != "" && meta["mem"] != "2G")
		cmd = cmd " MEM=" shq(meta["mem"])
	if (meta["hang_timeout"] != "" && meta["hang_timeout"] != "90")
		cmd = cmd " HANG_TIMEOUT=" shq(meta["hang_timeout"])
	if (meta["kcmdline"] != "")
		cmd = cmd " KCMDLINE=" shq(meta["kcmdline"])
	return cmd " REPEAT=3"
}

# phases(dir, P): a test's time as its data records tell it: P["wall"]
# (ms, START to RESULT, the runner's "wall" record; "" without one),
# P["asked"] and P["ran"] (engine time of its "stress" phases, by the
# kernel's clock), P["n"] phases in order with P[i, "name"], P[i, "start"],
# P[i, "ms"].  Returns P["n"].
function phases(dir, P,    file, line, rec)
{
	split("", P)
	P["wall"] = ""
	P["asked"] = P["ran"] = P["n"] = 0
	file = dir "/data"
	while ((getline line < file) > 0) {
		if (line ~ /^wall[ \t]/) {
			split("", rec)
			kv(line, rec)
			P["wall"] = rec["ms"] + 0
		} else if (line ~ /^phase[ \t]/) {
			split("", rec)
			kv(line, rec)
			P["n"]++
			P[P["n"], "name"] = rec["name"]
			P[P["n"], "start"] = rec["start_ms"] + 0
			P[P["n"], "ms"] = rec["ms"] + 0
			if (rec["name"] == "stress") {
				P["asked"] += rec["asked_ms"]
				P["ran"] += rec["ran_ms"]
			}
		}
	}
	close(file)
	return P["n"]
}
