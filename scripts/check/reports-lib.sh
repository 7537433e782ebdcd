#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the report tests (t_reports.sh, t_compare.sh, t_shard.sh):
# "ok - " / "not ok - " lines, a scratch copy of the fixture runs, and the
# structural checkers the tests apply to generated files.  Sourced from
# the repository's root.

FIXTURES=scripts/check/fixtures/runs
FAILED=0

ok()
{
	printf 'ok - %s\n' "$1"
}

not_ok()
{
	printf 'not ok - %s\n' "$1"
	FAILED=1
}

# check <desc> <command...>: ok when the command succeeds.
check()
{
	_desc=$1
	shift
	if "$@" >/dev/null 2>&1; then
		ok "$_desc"
	else
		not_ok "$_desc"
	fi
}

# check_rc <desc> <status> <command...>: ok when the command exits so.
check_rc()
{
	_desc=$1
	_want=$2
	shift 2
	_rc=0
	"$@" >/dev/null 2>&1 || _rc=$?
	if [ "$_rc" -eq "$_want" ]; then
		ok "$_desc"
	else
		not_ok "$_desc (exit $_rc, want $_want)"
	fi
}

# setup_scratch: $WORK, a private copy of the fixture runs, removed on exit.
setup_scratch()
{
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/labyrinth-check.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$WORK'" EXIT
	trap 'exit 130' INT TERM
	cp -R "$FIXTURES" "$WORK/runs"
}

# has <file> <fixed string>
has()
{
	grep -F -q -e "$2" "$1"
}

# xml_wellformed <file>: xmllint when installed, else a structural check:
# one root, every start tag closed in order, no stray "<" or "&".
xml_wellformed()
{
	if command -v xmllint >/dev/null 2>&1 && [ -z "${NO_XMLLINT:-}" ]; then
		xmllint --noout "$1"
		return
	fi
	awk '
	BEGIN { RS = "<"; depth = 0; roots = 0 }
	NR == 1 { if ($0 !~ /^[ \t\n]*$/) bad = 1; next }
	{
		tag = $0
		gt = index(tag, ">")
		if (!gt) { bad = 1; exit }
		text = substr(tag, gt + 1)
		tag = substr(tag, 1, gt - 1)
		if (text ~ /&/ && text !~ /^([^&]|&(amp|lt|gt|quot|apos|#[0-9]+);)*$/)
			bad = 1
		if (tag ~ /^[?!]/)
			next
		if (tag ~ /^\//) {
			name = substr(tag, 2)
			if (depth == 0 || stack[depth] != name) { bad = 1; exit }
			depth--
			next
		}
		split(tag, f, /[ \t\n\/]/)
		if (depth == 0)
			roots++
		if (tag !~ /\/$/)
			stack[++depth] = f[1]
	}
	END { exit bad || depth != 0 || roots != 1 }' "$1"
}

# html_offline <file>: nothing the page would fetch (src/href to another
# host, CSS url() or @import, scripts).
html_offline()
{
	! grep -E -i -q '(src|href|xlink:href|action)=["'"'"']?(https?:)?//|url\((["'"'"'])?(https?:)?//|@import|<script|<link |<iframe|<object|<embed' "$1"
}

# html_balanced <file>: the block elements the report writers emit are
# closed as often as opened, and no element id appears twice.
html_balanced()
{
	awk '
	{
		line = $0
		for (i = 1; i <= n; i++) {
			t = tags[i]
			open[t] += gsub("<" t "[ >]", "", line)
			close_[t] += gsub("</" t ">", "", line)
		}
		rest = $0
		while (match(rest, /id=["'"'"'][^"'"'"']*["'"'"']/)) {
			id = substr(rest, RSTART, RLENGTH)
			if (id in seen)
				dup = 1
			seen[id] = 1
			rest = substr(rest, RSTART + RLENGTH)
		}
	}
	BEGIN { n = split("html body section table tr figure svg pre details", tags, " ") }
	END {
		for (i = 1; i <= n; i++)
			if (open[tags[i]] != close_[tags[i]])
				bad = 1
		exit bad || dup
	}' "$1"
}

# before <file> <a> <b>: the first line with a comes before the first with b.
before()
{
	_la=$(grep -n -F -e "$2" "$1" | head -n 1 | cut -d: -f1)
	_lb=$(grep -n -F -e "$3" "$1" | head -n 1 | cut -d: -f1)
	[ -n "$_la" ] && [ -n "$_lb" ] && [ "$_la" -lt "$_lb" ]
}

finish()
{
	exit "$FAILED"
}
