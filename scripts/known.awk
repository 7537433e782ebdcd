# SPDX-License-Identifier: GPL-2.0
#
# Known issues (runtest/known-issues): one issue a line,
#   <tag ERE> <category ERE> <reference> <title ERE ...>
# blank-separated; the title ERE is the rest of the line.  Two modes:
#   awk -v mode=fields -f known.awk <file>
#       checks every line's form; prints "line<TAB>what<TAB>ERE" for each
#       ERE, for the caller to check they compile; errors name file:line,
#       exit status 2
#   awk -v known=<file> -v tag=<tag> -v ref=<ref-file> -f known.awk <result>
#       the test's result ("status<TAB>category: title") as it stands
#       with the known issues: a failure that an issue matches (the tag or
#       its REPEAT base tag whole, the category whole, the title anywhere)
#       becomes "xfail"; a pass whose tag an issue names becomes "xpass".
#       The matching issue's reference goes to ref-file.
# The first matching line wins.

function trim(s)
{
	sub(/^[ \t]+/, "", s)
	sub(/[ \t\r]+$/, "", s)
	return s
}

# parse(line, f): the four fields into f[1..4]; 0 if there are fewer.
function parse(line, f,    i, s)
{
	s = trim(line)
	for (i = 1; i <= 3; i++) {
		if (!match(s, /^[^ \t]+/))
			return 0
		f[i] = substr(s, 1, RLENGTH)
		s = trim(substr(s, RLENGTH + 1))
	}
	f[4] = s
	return s != ""
}

function bad(msg)
{
	printf "labyrinth: error: %s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
	err = 1
}

function whole(s, re)
{
	return s ~ ("^(" re ")$")
}

mode == "fields" && /^[ \t]*(#|[ \t\r]*$)/ { next }

mode == "fields" {
	if (!parse($0, f)) {
		bad("expected \"<tag ERE> <category ERE> <reference> <title ERE>\", got \"" trim($0) "\"")
		next
	}
	printf "%d\ttag pattern\t%s\n", FNR, f[1]
	printf "%d\tcategory pattern\t%s\n", FNR, f[2]
	printf "%d\ttitle pattern\t%s\n", FNR, f[4]
	next
}

mode != "fields" && FNR == 1 {
	status = $0
	detail = ""
	t = index($0, "\t")
	if (t) {
		status = substr($0, 1, t - 1)
		detail = substr($0, t + 1)
	}
	c = index(detail, ": ")
	category = c ? substr(detail, 1, c - 1) : detail
	title = c ? substr(detail, c + 2) : detail
	base = tag
	sub(/\.r[0-9]+$/, "", base)
	n = 0
	hit = 0
	if (status == "fail" || status == "ok") {
		while (!hit && (getline line < known) > 0) {
			n++
			if (line ~ /^[ \t]*(#|[ \t\r]*$)/ || !parse(line, f))
				continue
			if (!whole(tag, f[1]) && !whole(base, f[1]))
				continue
			if (status == "ok" || (whole(category, f[2]) && title ~ f[4]))
				hit = n
		}
		close(known)
	}
	if (hit) {
		status = status == "ok" ? "xpass" : "xfail"
		print f[3] > ref
		close(ref)
	}
	printf "%s\t%s\n", status, detail
}

END {
	if (err)
		exit 2
}
