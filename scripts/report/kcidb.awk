# SPDX-License-Identifier: GPL-2.0
#
# KCIDB I/O (schema 5.3) of a results folder: one checkout, one build and a
# test per list entry.  Input: <run>/list ("idx tag command args").
#   -v run=<run-dir> meta=<meta.env> boots=<file of "boot start-idx epoch">
#   -v checkout_id= build_id= build_seconds= compiler= log_url=
# Statuses: ok PASS, fail FAIL, error ERROR, skip SKIP, xfail FAIL and
# xpass PASS (known issues), interrupted MISS, no result MISS; the suite's
# own word stays in misc.labyrinth_status.

# jstr(s): s as a JSON string.  Backslashes are doubled by hand: awks
# differ in what a backslash means in gsub's replacement.
function jstr(s,    out, i)
{
	out = ""
	while ((i = index(s, "\\")) > 0) {
		out = out substr(s, 1, i - 1) "\\\\"
		s = substr(s, i + 1)
	}
	s = out s
	gsub(/"/, "\\\"", s)
	gsub(/\t/, "\\t", s)
	gsub(/\n/, "\\n", s)
	return "\"" s "\""
}

# clean(s): printable ASCII and tabs only, so every string is valid JSON
# and its length in characters is its length in bytes.
function clean(s)
{
	gsub(/[^\t -~]/, "?", s)
	return s
}

function num(s)
{
	return sprintf("%.3f", s + 0)
}

function is_num(s)
{
	return s ~ /^[0-9]+(\.[0-9]+)?$/
}

# days_from_civil / iso: epoch seconds <-> "YYYY-MM-DDTHH:MM:SS(.sss)Z".
function days_from_civil(y, m, d,    era, yoe, doy, doe)
{
	y -= (m <= 2)
	era = int((y >= 0 ? y : y - 399) / 400)
	yoe = y - era * 400
	doy = int((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
	doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
	return era * 146097 + doe - 719468
}

function epoch_of(s,    y, mo, d, h, mi, se)
{
	if (s !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z$/)
		return ""
	y = substr(s, 1, 4) + 0
	mo = substr(s, 6, 2) + 0
	d = substr(s, 9, 2) + 0
	h = substr(s, 12, 2) + 0
	mi = substr(s, 15, 2) + 0
	se = substr(s, 18, 2) + 0
	return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se
}

function iso(t,    days, secs, z, era, doe, yoe, y, doy, mp, d, m, ms)
{
	ms = int((t - int(t)) * 1000 + 0.5)
	t = int(t)
	if (ms >= 1000) { t++; ms -= 1000 }
	days = int(t / 86400)
	secs = t - days * 86400
	z = days + 719468
	era = int(z / 146097)
	doe = z - era * 146097
	yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
	y = yoe + era * 400
	doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
	mp = int((5 * doy + 2) / 153)
	d = doy - int((153 * mp + 2) / 5) + 1
	m = mp + (mp < 10 ? 3 : -9)
	y += (m <= 2)
	return sprintf("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d,
	    int(secs / 3600), int(secs % 3600 / 60), secs % 60, ms)
}

# path_part(s): one element of a KCIDB test path ([a-zA-Z0-9_-]+).
function path_part(s)
{
	sub(/.*\//, "", s)
	gsub(/[^a-zA-Z0-9_-]/, "_", s)
	return s == "" ? "_" : s
}

function read_first(file,    line)
{
	line = ""
	if ((getline line < file) <= 0)
		line = ""
	close(file)
	sub(/\r$/, "", line)
	return line
}

# excerpt(file): the test's console slice from its start, at most LIMIT
# characters, with a closing line naming what was left out.
function excerpt(file, note,    line, out, n, more)
{
	out = ""
	n = 0
	more = 0
	while ((getline line < file) > 0) {
		line = clean(line) "\n"
		if (more || length(out) + length(line) > LIMIT) {
			more++
			continue
		}
		out = out line
	}
	close(file)
	if (more)
		out = out "[" more " more lines in " note "]\n"
	return out
}

# start_ts(file): the kernel timestamp of the START marker in a slice.
function start_ts(file,    line, ts)
{
	ts = ""
	while ((getline line < file) > 0) {
		if (line ~ /^\[ *[0-9]+\.[0-9]+\] labyrinth: START /) {
			ts = line
			sub(/^\[ */, "", ts)
			sub(/\].*/, "", ts)
			break
		}
	}
	close(file)
	return ts
}

function load_meta(    line, eq)
{
	while ((getline line < meta) > 0) {
		sub(/\r$/, "", line)
		if (line ~ /^[ \t]*(#|$)/)
			continue
		eq = index(line, "=")
		if (eq)
			M[substr(line, 1, eq - 1)] = substr(line, eq + 1)
	}
	close(meta)
}

# load_boots: boot n covers the tests from its start index on; its anchor
# is the host time QEMU started (0 when unknown).  A "test <idx> <epoch>"
# line names the boot that started the test itself, and wins.
function load_boots(    line, f)
{
	nboots = 0
	while ((getline line < boots) > 0) {
		split(line, f, " ")
		if (f[1] == "test") {
			tanchor[f[2] + 0] = f[3] + 0
			continue
		}
		nboots++
		bstart[nboots] = f[2] + 0
		banchor[nboots] = f[3] + 0
	}
	close(boots)
	if (!nboots) {
		nboots = 1
		bstart[1] = 1
		banchor[1] = 0
	}
	if (!banchor[1] && epoch_of(M["start"]) != "" && !("merged_from" in M))
		banchor[1] = epoch_of(M["start"])
}

function anchor_of(idx,    i, a)
{
	if ((idx + 0) in tanchor)
		return tanchor[idx + 0]
	a = 0
	for (i = 1; i <= nboots; i++)
		if (idx + 0 >= bstart[i])
			a = banchor[i]
	return a
}

function kv(key, val, last)
{
	return "      " jstr(key) ": " val (last ? "\n" : ",\n")
}

function misc_pairs(keys, n,    i, out, k)
{
	out = ""
	for (i = 1; i <= n; i++) {
		k = keys[i]
		if (!(k in MI) || MI[k] == "")
			continue
		out = out (out == "" ? "" : ", ") jstr(k) ": " MI[k]
	}
	return "{" out "}"
}

BEGIN {
	LIMIT = 16000
	load_meta()
	load_boots()
	origin = "labyrinth"
	runtest = path_part(M["runtest"] == "" ? "run" : M["runtest"])
	if (length(M["kernel_commit"]) != 40 || M["kernel_commit"] ~ /[^0-9a-f]/)
		M["kernel_commit"] = ""
	ntests = 0
}

/^[ \t]*(#|$)/ { next }

{
	sub(/\r$/, "")
	if (NF < 2 || $1 !~ /^[0-9]+$/) {
		printf "labyrinth: error: %s:%d: not an \"idx tag command args\" line: %s\n",
		    FILENAME, FNR, $0 > "/dev/stderr"
		bad = 1
		exit 2
	}
	ntests++
	T_idx[ntests] = $1
	T_tag[ntests] = $2
}

function test_json(i,    idx, tag, dir, line, st, detail, t, status, cat, title,
    ts, a, out, dur, keys, lines)
{
	idx = T_idx[i]
	tag = T_tag[i]
	dir = "tests/" idx "-" tag
	line = read_first(run "/" dir "/result")
	st = line
	detail = ""
	t = index(line, "\t")
	if (t) {
		st = substr(line, 1, t - 1)
		detail = substr(line, t + 1)
	}
	gsub(/\t/, " ", detail)
	sub(/^ +/, "", detail)
	sub(/ +$/, "", detail)
	if (line == "") {
		st = "missing"
		detail = "missing: no result"
	}
	if (st == "ok") status = "PASS"
	else if (st == "fail" || st == "xfail") status = "FAIL"
	else if (st == "xpass") status = "PASS"
	else if (st == "skip") status = "SKIP"
	else if (st == "error") status = "ERROR"
	else if (st == "interrupted" || st == "missing") status = "MISS"
	else {
		status = "ERROR"
		detail = "garbled: result \"" line "\""
		gsub(/\t/, " ", detail)
		st = "error"
	}
	delete MI
	cat = ""
	title = ""
	if (status == "SKIP") {
		MI["reason"] = jstr(clean(detail == "" ? "no reason given" : detail))
	} else if (status == "FAIL" || status == "ERROR" || status == "MISS") {
		t = index(detail, ": ")
		if (t) {
			cat = substr(detail, 1, t - 1)
			title = substr(detail, t + 2)
		} else {
			cat = "unknown"
			title = detail
		}
		MI["category"] = jstr(clean(cat))
		MI["title"] = jstr(clean(title))
	}
	MI["labyrinth_status"] = jstr(st)
	MI["index"] = idx + 0
	MI["tag"] = jstr(clean(tag))
	MI["results"] = jstr(clean(dir))
	split("category title reason labyrinth_status index tag results", keys, " ")

	out = "    {\n"
	out = out kv("id", jstr(origin ":" clean(M["run_id"]) "/" idx "-" clean(tag)))
	out = out kv("origin", jstr(origin))
	out = out kv("build_id", jstr(build_id))
	out = out kv("path", jstr(origin "." runtest "." path_part(tag)))
	out = out kv("status", jstr(status))
	ts = start_ts(run "/" dir "/kmsg.log")
	a = anchor_of(idx)
	if (ts != "" && a > 0)
		out = out kv("start_time", jstr(iso(a + ts)))
	dur = read_first(run "/" dir "/time")
	if (is_num(dur))
		out = out kv("duration", num(dur))
	if (status == "FAIL" || status == "ERROR") {
		lines = excerpt(run "/" dir "/kmsg.log", dir "/kmsg.log")
		if (lines != "")
			out = out kv("log_excerpt", jstr(lines))
	}
	if (log_url != "")
		out = out kv("log_url", jstr(log_url "/" dir "/kmsg.log"))
	out = out kv("environment", "{\"comment\": " jstr(clean(env_comment)) "}")
	out = out kv("misc", misc_pairs(keys, 7), 1)
	return out "    }"
}

END {
	if (bad)
		exit 2
	env_comment = "QEMU " (M["machine"] == "" ? "pc" : M["machine"]) ", accel " \
	    (M["accel"] == "" ? "unknown" : M["accel"]) ", " M["vcpus"] " vCPUs, " M["mem"]

	print "{"
	print "  \"version\": {\"major\": 5, \"minor\": 3},"

	print "  \"checkouts\": ["
	print "    {"
	printf "%s", kv("id", jstr(checkout_id))
	printf "%s", kv("origin", jstr(origin))
	if (M["kernel_commit"] != "")
		printf "%s", kv("git_commit_hash", jstr(M["kernel_commit"]))
	if (epoch_of(M["start"]) != "")
		printf "%s", kv("start_time", jstr(iso(epoch_of(M["start"]))))
	printf "%s", kv("valid", "true")
	delete MI
	MI["kernel_source"] = jstr(clean(M["kernel_source"]))
	MI["kernel_release"] = jstr(clean(M["kernel_release"]))
	MI["suite_version"] = jstr(clean(M["suite_version"]))
	MI["run_id"] = jstr(clean(M["run_id"]))
	split("kernel_source kernel_release suite_version run_id", keys, " ")
	printf "%s", kv("misc", misc_pairs(keys, 4), 1)
	print "    }"
	print "  ],"

	print "  \"builds\": ["
	print "    {"
	printf "%s", kv("id", jstr(build_id))
	printf "%s", kv("origin", jstr(origin))
	printf "%s", kv("checkout_id", jstr(checkout_id))
	printf "%s", kv("architecture", jstr("x86_64"))
	printf "%s", kv("config_name", jstr(clean("tinyconfig " M["fragments"])))
	if (compiler != "")
		printf "%s", kv("compiler", jstr(clean(compiler)))
	if (is_num(build_seconds))
		printf "%s", kv("duration", num(build_seconds))
	printf "%s", kv("status", jstr("PASS"))
	delete MI
	MI["config_hash"] = jstr(clean(M["config_hash"]))
	MI["fragments"] = jstr(clean(M["fragments"]))
	MI["kernel_release"] = jstr(clean(M["kernel_release"]))
	split("config_hash fragments kernel_release", keys, " ")
	printf "%s", kv("misc", misc_pairs(keys, 3), 1)
	print "    }"
	print "  ],"

	print "  \"tests\": ["
	for (i = 1; i <= ntests; i++)
		print test_json(i) (i < ntests ? "," : "")
	print "  ]"
	print "}"
}
