# SPDX-License-Identifier: GPL-2.0
#
# Functions shared by the report writers: escaping for XML and HTML,
# console excerpts, test durations, metadata.  Run with LC_ALL=C.

# The first line of a kernel report, after the patterns in FACTS' detection
# list (syzkaller's report headlines, LAVA's kernel-messages).
function headline_re()
{
	return "Oops|general protection fault|kernel BUG at|BUG:|WARNING:|" \
	    "INFO: rcu_[a-z]* (self-)?detected stall|INFO: task .* blocked for more than|" \
	    "KASAN|KFENCE|UBSAN|unreferenced object|Kernel panic - not syncing|" \
	    "Call Trace:"
}

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

# excerpt(file, title): the part of a console slice that explains a
# failure: from just before the line that carries the title, or else the
# first kernel report headline, about 60 lines; without either, the last
# 40 lines.  Returns "" for a missing or empty file.
function excerpt(file, title,    lines, n, i, hit, from, to, out, re)
{
	n = 0
	while ((getline lines[n + 1] < file) > 0)
		n++
	close(file)
	if (n == 0)
		return ""
	hit = 0
	if (length(title) >= 8)
		for (i = 1; i <= n && !hit; i++)
			if (index(lines[i], title))
				hit = i
	re = headline_re()
	for (i = 1; i <= n && !hit; i++)
		if (lines[i] ~ re)
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
# fields idx tag status detail dir; returns the number of tests.
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
