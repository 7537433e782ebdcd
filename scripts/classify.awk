# SPDX-License-Identifier: GPL-2.0
#
# classify.awk: find kernel splats in a console slice.
#
#   awk -v conf=configs/classify.conf -f scripts/classify.awk [console...]
#
# Patterns come from conf (default configs/classify.conf; format described
# there).  Output, one line per finding, the most severe first:
#
#   category<TAB>title
#
# then one line per kind of noise:  noise<TAB><title> x <count>
#
# A title is the text the pattern matched, normalised so that the same bug
# gives the same title in every run (timestamps, offsets, addresses, CPU and
# PID numbers removed), followed by what the rest of the splat says:
# "(reason)" for bad pages (dump_page's "page dumped because:"), "(lock)"
# for lockdep (the first lock class named), and "in func [module]" naming
# the first stack frame inside a module (else the RIP function), unless the
# headline already names that function.  A panic that follows another
# finding carries it: "Kernel panic - not syncing: X (after <title>)".
# Headlines of one category less than 11 lines apart are one splat (an
# "Oops:" line after "BUG: kernel NULL pointer dereference").
#
# Exit status: 0 nothing but noise, 1 findings, 2 bad pattern file.
# POSIX awk only: runs under mawk, gawk and busybox awk.

function die(msg)
{
	printf "classify.awk: %s\n", msg > "/dev/stderr"
	err = 2
	exit 2
}

# balanced(re): parentheses and bracket expressions close, and no interval
# braces (which mawk does not support).
function balanced(re,    i, j, n, ch, depth)
{
	n = length(re)
	depth = 0
	for (i = 1; i <= n; i++) {
		ch = substr(re, i, 1)
		if (ch == "\\") {
			i++
		} else if (ch == "[") {
			j = i + 1
			if (substr(re, j, 1) == "^")
				j++
			if (substr(re, j, 1) == "]")
				j++
			while (j <= n && substr(re, j, 1) != "]") {
				if (substr(re, j, 2) ~ /^\[[:.=]$/) {
					ch = substr(re, j + 1, 1)
					j += 2
					while (j < n && substr(re, j, 2) != ch "]")
						j++
					if (j >= n)
						return 0
					j++
				}
				j++
			}
			if (j > n)
				return 0
			i = j
		} else if (ch == "(") {
			depth++
		} else if (ch == ")") {
			if (--depth < 0)
				return 0
		} else if (ch == "{" || ch == "}") {
			return 0
		}
	}
	return depth == 0
}

function load_conf(file,    line, n, p, c, r, rc)
{
	n = 0
	while ((rc = (getline line < file)) > 0) {
		n++
		sub(/\r$/, "", line)
		if (line ~ /^[ \t]*(#|$)/)
			continue
		p = index(line, "|")
		if (p == 0)
			die(file ":" n ": expected 'category|ERE', got '" line "'")
		c = substr(line, 1, p - 1)
		r = substr(line, p + 1)
		if (c !~ /^[a-z][a-z0-9-]*$/)
			die(file ":" n ": bad category '" c "'")
		if (r == "")
			die(file ":" n ": empty pattern")
		if (!balanced(r))
			die(file ":" n ": unbalanced ( [ or interval braces in '" r "'")
		npat++
		pcat[npat] = c
		pre[npat] = r
		if (!(c in rank))
			rank[c] = ++nrank
	}
	if (rc < 0)
		die(file ": cannot read")
	close(file)
	if (npat == 0)
		die(file ": no patterns")
}

# clean(s): a console line without carriage returns, log level, timestamp
# and printk caller id.
function clean(s)
{
	gsub(/\r/, "", s)
	sub(/^<[0-9]+>/, "", s)
	sub(/^\[ *[0-9]+\.[0-9]+\] ?/, "", s)
	sub(/^\[ *[TC][0-9]+\] ?/, "", s)
	return s
}

# hexwords(t): whole words of 8 or more hex digits become ADDR.
function hexwords(t,    out, pre, w)
{
	out = ""
	while (match(t, /[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]+/)) {
		pre = substr(t, 1, RSTART - 1)
		w = substr(t, RSTART, RLENGTH)
		t = substr(t, RSTART + RLENGTH)
		if ((pre == "" || pre ~ /[^0-9A-Za-z_]$/) &&
		    (t == "" || t ~ /^[^0-9A-Za-z_]/))
			w = "ADDR"
		out = out pre w
	}
	return out t
}

function norm(t)
{
	gsub(/\+0x[0-9a-fA-F]+\/0x[0-9a-fA-F]+/, "", t)
	gsub(/CPU: [0-9]+ (UID: [0-9]+ )?PID: [0-9]+ /, "", t)
	gsub(/CPU#[0-9]+/, "CPU#N", t)
	gsub(/ ?\[#[0-9]+\]/, "", t)
	gsub(/0x[0-9a-fA-F]+/, "ADDR", t)
	t = hexwords(t)
	gsub(/:[0-9]+ blocked/, " blocked", t)
	gsub(/[ \t]+/, " ", t)
	t = " " t " "
	while (match(t, / [0-9]+ /))
		t = substr(t, 1, RSTART) "N" substr(t, RSTART + RLENGTH - 1)
	sub(/^ +/, "", t)
	sub(/[ :,;.]+$/, "", t)
	return t
}

# frame(s): "func [module]" or "func" from a reliable stack frame line.
function frame(s)
{
	sub(/^[ \t]+/, "", s)
	sub(/[ \t]+$/, "", s)
	if (s !~ /^[A-Za-z_.][A-Za-z0-9_.]*\+0x[0-9a-fA-F]+\/0x[0-9a-fA-F]+( \[[A-Za-z0-9_]+( [0-9a-f]+)?\])?$/)
		return ""
	sub(/\+0x[0-9a-fA-F]+\/0x[0-9a-fA-F]+/, "", s)
	sub(/ [0-9a-f]+\]$/, "]", s)
	return s
}

function headline(c, t)
{
	if (c == "noise") {
		if (!(t in ncount))
			nname[++nn] = t
		ncount[t]++
		open = 0
		return
	}
	if (open && fcat[open] == c && nr - last_nr <= 10) {
		last_nr = nr
		return
	}
	fcat[++nf] = c
	ftitle[nf] = t
	open = nf
	open_nr = nr
	last_nr = nr
}

function detail(line,    f)
{
	if (line ~ /Call Trace:/)
		ftrace[open] = 1
	# lockdep: the frames of the backtrace beat those of earlier traces.
	if (line ~ /stack backtrace:/) {
		fsave[open] = fmod[open]
		fmod[open] = ""
	}
	if (!ftrace[open] && match(line, /RIP: [0-9a-fA-F]+:/)) {
		f = frame(substr(line, RSTART + RLENGTH))
		if (f != "" && frip[open] == "")
			frip[open] = f
		if (f ~ / \[/ && fmod[open] == "")
			fmod[open] = f
		return
	}
	f = frame(line)
	if (f ~ / \[/ && fmod[open] == "") {
		fmod[open] = f
		return
	}
	if (fcat[open] == "bad-page" && freason[open] == "" &&
	    match(line, /page dumped because: /))
		freason[open] = norm(substr(line, RSTART + RLENGTH))
	if (fcat[open] == "lockdep" && flock[open] == "" &&
	    match(line, /\([^(){}]+\)\{/))
		flock[open] = substr(line, RSTART + 1, RLENGTH - 3)
}

function finish(i,    t, d, fn)
{
	t = ftitle[i]
	if (freason[i] != "")
		t = t " (" freason[i] ")"
	if (flock[i] != "")
		t = t " (" flock[i] ")"
	d = fmod[i] != "" ? fmod[i] : fsave[i] != "" ? fsave[i] : frip[i]
	if (d != "") {
		fn = d
		sub(/ .*/, "", fn)
		if (index(t, fn) == 0)
			t = t (t ~ / in / ? " from " : " in ") d
	}
	return t
}

BEGIN {
	if (conf == "")
		conf = "configs/classify.conf"
	load_conf(conf)
}

{
	line = clean($0)
	nr++
	if (open && nr - open_nr > 150)
		open = 0
	for (i = 1; i <= npat; i++) {
		if (match(line, pre[i])) {
			headline(pcat[i], norm(substr(line, RSTART, RLENGTH)))
			next
		}
	}
	if (open)
		detail(line)
}

END {
	if (err)
		exit err
	n = 0
	for (i = 1; i <= nf; i++) {
		t = finish(i)
		if ((fcat[i] SUBSEP t) in seen)
			continue
		seen[fcat[i] SUBSEP t] = 1
		n++
		ocat[n] = fcat[i]
		otitle[n] = t
	}
	# Stable insertion sort by rank.
	for (i = 2; i <= n; i++) {
		c = ocat[i]
		t = otitle[i]
		for (j = i - 1; j >= 1 && rank[ocat[j]] > rank[c]; j--) {
			ocat[j + 1] = ocat[j]
			otitle[j + 1] = otitle[j]
		}
		ocat[j + 1] = c
		otitle[j + 1] = t
	}
	if (n > 1 && ocat[1] == "panic" && ocat[2] != "panic")
		otitle[1] = otitle[1] " (after " otitle[2] ")"
	for (i = 1; i <= n; i++)
		printf "%s\t%s\n", ocat[i], otitle[i]
	for (i = 1; i <= nn; i++)
		printf "noise\t%s x %d\n", nname[i], ncount[nname[i]]
	exit (n > 0) ? 1 : 0
}
