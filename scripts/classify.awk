# SPDX-License-Identifier: GPL-2.0
#
# classify.awk: find kernel splats in a console slice, and the one that
# decides the test's verdict.
#
#   awk -v conf=configs/classify.conf -f scripts/classify.awk [console...]
#
# Patterns come from conf (default configs/classify.conf; format described
# there).  Output, tab-separated:
#
#   category<TAB>title<TAB>line     the verdict: the splat that decided
#   category<TAB>title<TAB>line     every other finding, in time order
#   noise<TAB>title x count         one line per kind of noise
#
# "line" is the number of the input line where that splat's headline is:
# the reports show the console from there.
#
# The first splat in time is the cause and names the verdict.  Lockups,
# stalls and hung tasks (categories lockup and hang) that come after it are
# its consequences: the verdict's title ends in "(then soft lockup)" (the
# first of them).  A kernel panic ends the guest and keeps its category:
# "panic<TAB>Kernel panic - not syncing: X (after <cause title>)", with the
# cause's line, so that the excerpt shows the cause.
#
# A title is the text the pattern matched, normalised so that the same bug
# gives the same title in every run (timestamps, offsets, addresses, taint
# flags, CPU and PID numbers removed), followed by what the rest of the
# splat says: "(reason)" for bad pages (dump_page's "page dumped because:"),
# "(lock)" for lockdep (the first lock class named; lockdep's inconsistent
# state of fs_reclaim, a sleeping allocation in an interrupt, is category
# bug-atomic), and "in func [module]" naming the first stack frame inside a
# module (else the RIP function),
# unless the headline already names that function.  For kmemleak the frame
# is the allocation's top frame outside the allocator.  SLUB's "Object
# corrupt" names what was overwritten ("[Poison overwritten]" line just
# before it).
#
# One splat, one finding: headlines of one category less than 11 lines
# apart are one splat (an "Oops:" line after "BUG: kernel NULL pointer
# dereference"), unless the headline repeats (kmemleak's objects); a
# WARN()/BUG() banner ("WARNING: CPU: ... at", "kernel BUG at", "Oops:")
# that follows another headline before its call trace belongs to it
# (ODEBUG and list corruption are printed through WARN()).
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
	gsub(/ \((Not tainted|Tainted: [^)]*)\)/, "", t)
	gsub(/0x[0-9a-fA-F]+/, "ADDR", t)
	t = hexwords(t)
	gsub(/:[0-9]+ blocked/, " blocked", t)
	gsub(/[ \t]+/, " ", t)
	t = " " t " "
	while (match(t, / [0-9]+ /))
		t = substr(t, 1, RSTART) "N" substr(t, RSTART + RLENGTH - 1)
	sub(/^ +/, "", t)
	sub(/[ :,;.]+$/, "", t)
	# ODEBUG: the object's address and state say nothing stable.
	sub(/ \(active state [0-9]+\) object: ADDR object type:/, " object type:", t)
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

# allocator(f): a frame of the slab or page allocator itself (kmemleak's
# backtraces start there).
function allocator(f)
{
	return f ~ /^_*(kmalloc|kmem_cache|kmemleak|slab_|kvmalloc|kvzalloc|kzalloc|kcalloc|krealloc|kmemdup|kstrdup|kstrndup|vmalloc|vzalloc|alloc_pages|get_free_pages|get_zeroed_page|alloc_slab|allocate_slab|new_slab|do_kmalloc|mempool_alloc|kfence_|slab_alloc|alloc_frozen_pages|folio_alloc|page_alloc)/
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
	if (c == "leak" && t ~ /^unreferenced object/)
		t = "kmemleak: " t
	if (c == "slub" && t ~ /: Object corrupt$/ && nr - over_nr <= 3)
		sub(/Object corrupt$/, over, t)
	if (open && fcat[open] == c && nr - last_nr <= 10 && t != fhead[open] &&
	    t !~ /^kmemleak: unreferenced object/) {
		last_nr = nr
		return
	}
	# kmemleak's count after its objects is part of their report.
	if (open && fcat[open] == c && c == "leak" && t ~ /new suspected memory leak/)
		return
	if (open && fcat[open] != c && nr - last_nr <= 10 && !ftrace[open] &&
	    line ~ /^(WARNING: CPU: [0-9]+ (UID: [0-9]+ )?PID: [0-9]+ at |kernel BUG at |Oops: )/) {
		detail(line)
		return
	}
	fcat[++nf] = c
	ftitle[nf] = t
	fhead[nf] = t
	fline[nf] = nr
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
	if (fcat[open] == "leak")
		sub(/^kmemleak:/, "", line)
	f = frame(line)
	if (f != "" && falloc[open] == "" && !allocator(f))
		falloc[open] = f
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
	if (fcat[i] == "leak" && falloc[i] != "")
		d = falloc[i]
	if (d != "") {
		fn = d
		sub(/ .*/, "", fn)
		if (index(t, fn) == 0)
			t = t (t ~ / in / ? " from " : " in ") d
	}
	return t
}

# consequence(c): a category that follows from an earlier splat.
function consequence(c)
{
	return c == "lockup" || c == "hang"
}

# kind(t): what a lockup or hang finding is, in two words.
function kind(t)
{
	if (t ~ /soft lockup/)
		return "soft lockup"
	if (t ~ /hard LOCKUP/)
		return "hard lockup"
	if (t ~ /rcu_[a-z_]+ (self-)?detected stall/)
		return "RCU stall"
	if (t ~ /^INFO: task /)
		return "hung task"
	if (match(t, /[a-z]+ lockup/))
		return substr(t, RSTART, RLENGTH)
	return "hang"
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
	# SLUB names what was overwritten on the line before its BUG line.
	if (match(line, /^\[[A-Za-z ]+ overwritten\]/)) {
		over = substr(line, 2, RLENGTH - 2)
		over_nr = nr
	}
	for (i = 1; i <= npat; i++) {
		# A headline starts at a word: "ODEBUG: selftest" is no "BUG:".
		if (match(line, pre[i]) &&
		    (RSTART == 1 || substr(line, RSTART - 1, 1) !~ /[A-Za-z0-9_]/)) {
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
	leaks = 0
	for (i = 1; i <= nf; i++) {
		t = finish(i)
		# lockdep's view of a sleeping allocation in atomic context
		# (reclaim entered from an interrupt) is that bug's first splat.
		if (fcat[i] == "lockdep" && t ~ /^WARNING: inconsistent lock state \(fs_reclaim\)/)
			fcat[i] = "bug-atomic"
		if ((fcat[i] SUBSEP t) in seen)
			continue
		seen[fcat[i] SUBSEP t] = 1
		n++
		ocat[n] = fcat[i]
		otitle[n] = t
		oline[n] = fline[i]
		if (t ~ /^kmemleak: unreferenced object/)
			leaks++
	}
	# kmemleak's count alone says less than the objects it counted.
	m = 0
	for (i = 1; i <= n; i++) {
		if (leaks && ocat[i] == "leak" && otitle[i] ~ /new suspected memory leak/)
			continue
		m++
		ocat[m] = ocat[i]
		otitle[m] = otitle[i]
		oline[m] = oline[i]
	}
	n = m
	# The verdict: the first splat in time, named with its first
	# consequence; a panic keeps its category and names its cause.
	v = 0
	for (i = 1; i <= n && !v; i++)
		if (ocat[i] == "panic")
			v = i
	if (v) {
		vcat = "panic"
		vtitle = otitle[v]
		vline = oline[v]
		if (v > 1) {
			vtitle = vtitle " (after " otitle[1] ")"
			vline = oline[1]
		}
	} else if (n) {
		v = 1
		vcat = ocat[1]
		vtitle = otitle[1]
		vline = oline[1]
		if (!consequence(vcat))
			for (i = 2; i <= n; i++)
				if (consequence(ocat[i])) {
					vtitle = vtitle " (then " kind(otitle[i]) ")"
					break
				}
	}
	if (v)
		printf "%s\t%s\t%d\n", vcat, vtitle, vline
	for (i = 1; i <= n; i++)
		if (i != v)
			printf "%s\t%s\t%d\n", ocat[i], otitle[i], oline[i]
	for (i = 1; i <= nn; i++)
		printf "noise\t%s x %d\n", nname[i], ncount[nname[i]]
	exit (n > 0) ? 1 : 0
}
