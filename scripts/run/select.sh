#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The run's test list: read a runtest list, check it, select (TESTS, SKIP),
# add the EXTMOD entries, repeat it (REPEAT), number it and take a shard
# (SHARD).  Sourced by scripts/run.sh after scripts/lib.sh.
#   select_tests <out>   write the numbered list "idx tag command args"
#   ext_module_names     the modules EXTMOD builds (checks EXTMOD)

runtest_path()
{
	case $1 in
	*/*) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$LAB_TOP/runtest/$1" ;;
	esac
}

# check_list <file>: every line is "tag command args" with a known command
# and known profiles; tags are unique.
check_list()
{
	awk -v tests="$LAB_TOP/testcases" -v cfg="$LAB_TOP/configs" '
	function bad(msg) { printf "labyrinth: error: %s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"; err = 1 }
	function exists(f) { return (system("test -f \"" f "\"") == 0) }
	/^[ \t]*(#|$)/ { next }
	{
		if (NF < 2) { bad("expected \"tag command [args]\", got \"" $0 "\""); next }
		if ($1 !~ /^[A-Za-z0-9_.+-]+$/) { bad("bad tag \"" $1 "\" (letters, digits, _ . + - only)"); next }
		if ($1 in seen) { bad("tag \"" $1 "\" already used on line " seen[$1]); next }
		seen[$1] = FNR
		if ($2 !~ /^[A-Za-z0-9_.-]+$/ || !exists(tests "/" $2)) { bad("no test \"" $2 "\" in testcases/"); next }
		for (i = 3; i < NF; i++) {
			if ($i == "-f" && !exists(cfg "/fault/" $(i + 1) ".conf")) bad("no fault profile \"" $(i + 1) "\" in configs/fault/")
			if ($i == "-H" && !exists(cfg "/hog/" $(i + 1) ".conf")) bad("no hog profile \"" $(i + 1) "\" in configs/hog/")
		}
	}
	END { exit err ? 2 : 0 }' "$1" || exit 2
}

# list_devices <list>: "subsys" when an entry of the run's list needs the
# subsys tests' devices (scripts/qemu.sh), else "none".  A test says so in
# its header:
#   # devices: subsys              always
#   # devices: subsys if <words>   when its arguments hold these words
#                                  (one string, e.g. "-t virtio")
list_devices()
{
	awk -v dir="$LAB_TOP/testcases" '
	function needs(cmd, args,   f, l, w) {
		if (!(cmd in hdr)) {
			hdr[cmd] = "-"
			f = dir "/" cmd
			while ((getline l < f) > 0) {
				if (l !~ /^#/)
					break
				if (l ~ /^# devices: /) {
					sub(/^# devices: */, "", l)
					hdr[cmd] = l
				}
			}
			close(f)
		}
		w = hdr[cmd]
		if (w == "-")
			return 0
		if (w !~ / if /)
			return 1
		sub(/^[^ ]* if /, "", w)
		return index(" " args " ", " " w " ") > 0
	}
	{
		args = ""
		for (i = 4; i <= NF; i++)
			args = args (i > 4 ? " " : "") $i
		if (needs($3, args)) {
			found = 1
			exit
		}
	}
	END { print found ? "subsys" : "none" }' "$1"
}

# check_profiles <list>: validate every profile the list names.
check_profiles()
{
	[ -f "$LAB_TOP/testcases/lib/profile.awk" ] || return 0
	awk '{ for (i = 3; i < NF; i++) {
		if ($i == "-f") print "fault", $(i + 1)
		if ($i == "-H") print "hog", $(i + 1) } }' "$1" | sort -u |
		while read -r kind name; do
			awk -v kind="$kind" -f "$LAB_TOP/testcases/lib/profile.awk" \
				"$LAB_TOP/configs/$kind/$name.conf" >/dev/null || exit 2
		done || exit 2
}

# pick <src>: the list's entries that TESTS selects and SKIP leaves in.
pick()
{
	grep -Ev '^[[:space:]]*(#|$)' "$1" | awk -v pat="${TESTS:-}" -v skipf="$2" '
		BEGIN {
			while ((getline l < skipf) > 0) {
				sub(/#.*/, "", l); gsub(/[ \t]/, "", l)
				if (l != "") skip[++n] = l
			}
		}
		{
			if (pat != "" && $1 !~ pat) next
			for (i = 1; i <= n; i++) if ($1 ~ "^(" skip[i] ")$") next
			print
		}'
}

# repeat <n>: the entries n times over, round by round, each tag suffixed
# with its round: tag.r1, tag.r2, ...
repeat()
{
	if [ "$1" -le 1 ]; then
		cat
		return 0
	fi
	awk -v n="$1" '
	{ l[NR] = $0 }
	END {
		for (r = 1; r <= n; r++)
			for (i = 1; i <= NR; i++) {
				s = l[i]
				sub(/^[^ \t]+/, "&.r" r, s)
				print s
			}
	}'
}

# select_tests <out>: the numbered list of tests this run will do.
select_tests()
{
	_src=$(runtest_path "$RUNTEST")
	if [ ! -f "$_src" ] || [ ! -r "$_src" ]; then
		die "runtest list '$_src' not found or not readable"
	fi
	check_list "$_src"
	_skip=${SKIP:-$LAB_TOP/runtest/skip}
	if [ -n "${SKIP:-}" ] && [ ! -r "$SKIP" ]; then
		die "SKIP=$SKIP not found or not readable"
	fi
	pick "$_src" "$_skip" >"$1.pick"
	if [ -n "${EXTMOD:-}" ]; then
		# shellcheck disable=SC2046 # one module name a word
		ext_entries $(ext_module_names) >>"$1.pick"
	fi
	repeat "${REPEAT:-1}" <"$1.pick" >"$1.sel"
	rm -f "$1.pick"
	# Numbers come from the whole selection, so shards keep them and
	# merge.sh can restore the order.
	awk '{ print NR, $0 }' "$1.sel" >"$1.num"
	if [ -n "${SHARD:-}" ]; then
		awk -v shard="${SHARD%/*}" -v shards="${SHARD#*/}" \
			-f "$LAB_TOP/scripts/shard.awk" "$1.num" >"$1.sel" || exit 2
	else
		mv "$1.num" "$1.sel"
	fi
	rm -f "$1.num"
	mv "$1.sel" "$1"
	[ -s "$1" ] || die "no tests selected from $_src (TESTS='${TESTS:-}', SKIP, SHARD)"
}

# ext_entries <module...>: runtest/extmod's lines for every module.
ext_entries()
{
	_tmpl=$LAB_TOP/runtest/extmod
	[ -f "$_tmpl" ] || die "runtest/extmod not found"
	for _m in "$@"; do
		grep -Ev '^[[:space:]]*(#|$)' "$_tmpl" | sed "s/@MOD@/$_m/g"
	done
}

ext_module_names()
{
	[ -d "$EXTMOD" ] || die "EXTMOD=$EXTMOD is not a folder"
	[ -f "$EXTMOD/Kbuild" ] || [ -f "$EXTMOD/Makefile" ] ||
		die "EXTMOD=$EXTMOD has neither a Kbuild nor a Makefile"
	# obj-m lines name the modules: obj-m += foo.o
	_names=$(cat "$EXTMOD/Kbuild" "$EXTMOD/Makefile" 2>/dev/null |
		sed -n 's/^[[:space:]]*obj-m[[:space:]]*[:+]*=[[:space:]]*//p' |
		tr ' ' '\n' | sed -n 's/\.o$//p' | sort -u | tr '\n' ' ')
	[ -n "$_names" ] || die "EXTMOD=$EXTMOD: no 'obj-m += <name>.o' line in its Kbuild or Makefile"
	printf '%s\n' "$_names"
}

# known_file: the known-issues file of this run (KNOWN, default
# runtest/known-issues).
known_file()
{
	printf '%s\n' "${KNOWN:-$LAB_TOP/runtest/known-issues}"
}

# check_known <file>: every line has the four fields and its EREs compile;
# else file:line and exit 2.
check_known()
{
	if [ -d "$1" ] || [ ! -r "$1" ]; then
		die "KNOWN=$1 not found or not readable"
	fi
	_kf=$(mktemp)
	LC_ALL=C awk -v mode=fields -f "$LAB_TOP/scripts/known.awk" "$1" >"$_kf" || {
		rm -f "$_kf"
		exit 2
	}
	_tab=$(printf '\t')
	_bad=
	while IFS=$_tab read -r _line _what _re; do
		_rc=0
		printf "" | grep -E -- "$_re" >/dev/null 2>&1 || _rc=$?
		[ "$_rc" -gt 1 ] ||
			RE=$_re LC_ALL=C awk 'BEGIN { if ("" ~ ENVIRON["RE"]) exit 0 }' >/dev/null 2>&1 || _rc=2
		[ "$_rc" -le 1 ] || {
			_bad="$1:$_line: $_what '$_re' is not a valid extended regular expression"
			break
		}
	done <"$_kf"
	rm -f "$_kf"
	[ -z "$_bad" ] || die "$_bad"
}
