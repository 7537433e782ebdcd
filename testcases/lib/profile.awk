# SPDX-License-Identifier: GPL-2.0
#
# profile.awk: validate and normalise a fault or hog profile.
#
#   awk -v kind=fault|hog -f testcases/lib/profile.awk <profile.conf>
#
# A profile holds "key=value" lines, "#" comments and blank lines.  Every
# key must be on the kind's allow-list, appear once and hold a valid value.
# Output: every key of the kind, defaults filled in, one "key=value" a line,
# booleans as Y/N.  Errors go to stderr as "file:line: message"; exit 2.
# Runs on the host (mawk, gawk) and in the guest (busybox awk).

function fail(line, msg)
{
	printf "%s:%s: %s\n", (FILENAME == "" ? "profile.awk" : FILENAME), line, msg > "/dev/stderr"
	failed = 1
	exit 2
}

function isint(v)
{
	return v ~ /^-?[0-9]+$/
}

function range(v, lo, hi)
{
	if (!isint(v) || v + 0 < lo || v + 0 > hi)
		fail(FNR, key ": '" v "' is not an integer in " lo ".." hi)
	return v + 0
}

function boolean(v)
{
	if (v ~ /^(Y|y|1|yes)$/)
		return "Y"
	if (v ~ /^(N|n|0|no)$/)
		return "N"
	fail(FNR, key ": '" v "' is not Y or N")
}

function oneof(v, list,    n, i, a)
{
	n = split(list, a, " ")
	for (i = 1; i <= n; i++)
		if (v == a[i])
			return v
	fail(FNR, key ": '" v "' is not one of: " list)
}

# size: a percentage of memory (1%..95%) or bytes with an optional K/M/G.
function size(v)
{
	if (v ~ /^[0-9]+%$/ && v + 0 >= 1 && v + 0 <= 95)
		return v
	if (v ~ /^[1-9][0-9]*[KMG]?$/)
		return v
	fail(FNR, key ": '" v "' is not a size (1%..95% or N[K|M|G])")
}

function fault_value(k, v)
{
	if (k == "target")
		return oneof(v, "page slab both")
	if (k == "probability")
		return range(v, 0, 100)
	if (k == "interval")
		return range(v, 1, 1000000)
	if (k == "times") {
		if (v == "-1")
			return -1
		return range(v, 0, 1000000000)
	}
	if (k == "space")
		return range(v, 0, 1000000000)
	if (k == "min-order")
		return range(v, 0, 10)
	if (k == "ignore-gfp-wait" || k == "ignore-gfp-highmem")
		return boolean(v)
	if (k == "verbose")
		return range(v, 0, 2)
	if (k == "scope")
		return oneof(v, "module global load")
	if (k == "stacktrace-depth")
		return range(v, 1, 32)
}

function hog_value(k, v)
{
	if (k == "type")
		return oneof(v, "none stressng labyrinth")
	if (k == "vm" || k == "bigheap" || k == "mmap")
		return range(v, 0, 64)
	if (k == "vm-bytes" || k == "mmap-bytes")
		return size(v)
	if (k == "vm-keep" || k == "vm-populate" || k == "oom-avoid" ||
	    k == "oomable")
		return boolean(v)
	if (k == "order" || k == "frag-order")
		return range(v, 0, 10)
	if (k == "budget-mb" || k == "reserve-mb")
		return range(v, 0, 1048576)
	if (k == "frag-max-free")
		return range(v, 0, 1000000)
}

BEGIN {
	if (kind == "fault") {
		keys = "target probability interval times space min-order " \
		    "ignore-gfp-wait ignore-gfp-highmem verbose scope " \
		    "stacktrace-depth"
		defs = "page 0 1 -1 0 0 Y N 0 global 32"
	} else if (kind == "hog") {
		keys = "type vm vm-bytes vm-keep vm-populate bigheap mmap " \
		    "mmap-bytes oom-avoid oomable order budget-mb reserve-mb " \
		    "frag-order frag-max-free"
		defs = "- 0 60% Y N 0 0 10% Y N 3 0 64 - 0"
	} else {
		fail(0, "kind must be fault or hog, not '" kind "'")
	}
	nkeys = split(keys, order, " ")
	split(defs, d, " ")
	for (i = 1; i <= nkeys; i++) {
		allowed[order[i]] = 1
		val[order[i]] = d[i] == "-" ? "" : d[i]
	}
}

{
	line = $0
	sub(/\r$/, "", line)
	if (line ~ /^[ \t]*(#|$)/)
		next
	if (line !~ /^[a-z][a-z-]*=[^ \t]+$/)
		fail(FNR, "expected key=value without spaces, got '" line "'")
	p = index(line, "=")
	key = substr(line, 1, p - 1)
	v = substr(line, p + 1)
	if (!(key in allowed))
		fail(FNR, "unknown key '" key "' for a " kind " profile (known: " keys ")")
	if (key in seen)
		fail(FNR, "key '" key "' given twice (first on line " seen[key] ")")
	seen[key] = FNR
	val[key] = kind == "fault" ? fault_value(key, v) : hog_value(key, v)
}

END {
	if (failed)
		exit 2
	if (kind == "hog")
		hog_check()
	for (i = 1; i <= nkeys; i++)
		printf "%s=%s\n", order[i], val[order[i]]
}

# Keys that only one type of hog understands are errors for the others.
function hog_check(    k, t)
{
	t = val["type"]
	if (t == "")
		fail(FNR, "missing key 'type' (none, stressng or labyrinth)")
	for (k in seen) {
		if (k ~ /^(vm|vm-bytes|vm-keep|vm-populate|bigheap|mmap|mmap-bytes|oom-avoid|oomable)$/ &&
		    t != "stressng")
			fail(seen[k], "key '" k "' is for type=stressng")
		if (k ~ /^(order|budget-mb|reserve-mb)$/ && t != "labyrinth")
			fail(seen[k], "key '" k "' is for type=labyrinth")
		if (k ~ /^frag-/ && t == "none")
			fail(seen[k], "key '" k "' needs a hog")
	}
	if (t == "stressng" && val["vm"] + val["bigheap"] + val["mmap"] == 0)
		fail(FNR, "a stressng hog needs vm, bigheap or mmap workers")
	if (t == "labyrinth" && val["frag-order"] == "")
		val["frag-order"] = val["order"]
}
