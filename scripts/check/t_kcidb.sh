#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kcidb.sh: kcidb.json of a real run folder and of variants with every
# status, validated against KernelCI's KCIDB schema (5.3) with Debian's
# jsonschema command; a broken document the validator must reject; the
# mapping, the build and checkout identity, start times, escaping, the
# excerpt bound and bad input.  Run from the repository's root.

set -eu
. scripts/check/reports-lib.sh

KF=scripts/check/fixtures/kcidb
SCHEMA=$KF/kcidb-io.schema.v5.3.json

# validator: Debian's jsonschema command (python3-jsonschema).
validator()
{
	if [ -x /usr/bin/jsonschema ]; then
		echo /usr/bin/jsonschema
	else
		command -v jsonschema || :
	fi
}

# shellcheck disable=SC2317
valid()
{
	"$JS" -i "$1" "$SCHEMA" >/dev/null 2>&1
}

# shellcheck disable=SC2317
invalid()
{
	! valid "$1"
}

# status_of <json> <idx>: the KCIDB status of the test at list index idx.
status_of()
{
	awk -v idx="$2" '
	index($0, "\"id\": \"labyrinth:") && index($0, "/" idx "-") { want = 1; next }
	want && /"status":/ { sub(/.*"status": "/, ""); sub(/".*/, ""); print; exit }' "$1"
}

# field_of <json> <idx> <key>: a test's top-level field, as written.
field_of()
{
	awk -v idx="$2" -v key="$3" '
	index($0, "\"id\": \"labyrinth:") && index($0, "/" idx "-") { want = 1; next }
	want && /^    }/ { exit }
	want && index($0, "\"" key "\": ") == 7 {
		sub(/^      "[a-z_]*": /, ""); sub(/,$/, ""); print; exit }' "$1"
}

# shellcheck disable=SC2317
is()
{
	[ "$1" = "$2" ]
}

# fake_build <dir>: a kernel build folder with a build time and a .config.
fake_build()
{
	mkdir -p "$1"
	echo '123 seconds with -j2' >"$1/.lab-build-time"
	echo 'CONFIG_CC_VERSION_TEXT="gcc (Debian 12.2.0-14) 12.2.0"' >"$1/.config"
}

# set_meta <run> <key> <value>: replace or add a meta.env key.
set_meta()
{
	grep -v "^$2=" "$1/meta.env" >"$1/meta.env.new" || :
	printf '%s=%s\n' "$2" "$3" >>"$1/meta.env.new"
	mv "$1/meta.env.new" "$1/meta.env"
}

test_real()
{
	R=$WORK/real
	cp -R "$KF/run" "$R"
	fake_build "$WORK/kbuild"
	set_meta "$R" kernel_build "$WORK/kbuild"
	check_rc "kcidb: writes kcidb.json for a real run" 0 scripts/kcidb.sh "$R"
	J=$R/kcidb.json
	check "kcidb: the real run's kcidb.json validates against KCIDB schema 5.3" valid "$J"
	check "kcidb: passes are PASS" is "$(status_of "$J" 1)$(status_of "$J" 2)" PASSPASS
	check "kcidb: the proof failures are FAIL" is "$(status_of "$J" 3)$(status_of "$J" 4)" FAILFAIL
	check "kcidb: test path from the list and tag" \
		has "$J" '"path": "labyrinth.kcidb_list.proof_bug-atomic_bad_sleep"'
	check "kcidb: category and title in misc" \
		has "$J" '"category": "accounting", "title": "accounting mismatch: ctx=hrtimer order=0"'
	check "kcidb: duration from tests/*/time" is "$(field_of "$J" 2 duration)" 22.940
	check "kcidb: start time = boot start + START marker's kernel time" \
		is "$(field_of "$J" 1 start_time)" '"2026-11-30T08:24:06.289Z"'
	check "kcidb: a failure carries its console excerpt from the START marker" \
		has "$J" '"log_excerpt": "[   35.601619] labyrinth: START 4 proof_accounting_engine_miscount\n'
	check "kcidb: a long console slice is cut, naming what was left out" \
		has "$J" 'more lines in tests/3-proof_bug-atomic_bad_sleep/kmsg.log]'
	check "kcidb: no excerpt for a pass" is "$(field_of "$J" 1 log_excerpt)" ""
	check "kcidb: build duration from .lab-build-time" has "$J" '"duration": 123.000,'
	check "kcidb: build compiler from the build's .config" \
		has "$J" '"compiler": "gcc (Debian 12.2.0-14) 12.2.0"'
	check "kcidb: build id is the kernel cache entry" has "$J" '"id": "labyrinth:build-kbuild"'
	check "kcidb: build carries config hash and fragments" \
		has "$J" '"config_hash": "82c4079b813e3f20", "fragments": "10-guest.config'
	check "kcidb: checkout from a tarball is a source hash" has "$J" '"id": "labyrinth:src-'
	cp "$J" "$WORK/first.json" 2>/dev/null || :
	scripts/kcidb.sh "$R"
	check "kcidb: ids and content are stable across rewrites" cmp -s "$J" "$WORK/first.json"
	sed 's/"status": "PASS"/"status": "OK"/' "$J" >"$WORK/mutated.json"
	check "kcidb: the validator rejects our document with a status KCIDB lacks" invalid "$WORK/mutated.json"
	check "kcidb: the validator rejects the broken fixture (bad.json)" invalid "$KF/bad.json"
}

# add_test <run> <idx> <tag> <result-line|-> [kmsg-file]
add_test()
{
	printf '%s %s t.sh\n' "$2" "$3" >>"$1/list"
	[ "$4" != - ] || return 0
	mkdir -p "$1/tests/$2-$3"
	printf '%s\n' "$4" >"$1/tests/$2-$3/result"
	[ -z "${5:-}" ] || cp "$5" "$1/tests/$2-$3/kmsg.log"
}

# hostile_kmsg <file>: quotes, backslashes, tabs, control and non-ASCII
# bytes, and 100 KB of lines.
hostile_kmsg()
{
	{
		printf '[    3.500000] labyrinth: START 6 err_me\n'
		printf 'say "hi" \\ back\tslash \001\033[1m bold \303\251 \377 end\n'
		awk 'BEGIN { for (i = 0; i < 2000; i++) printf "[ %10d.000000] line %d of filler text for size\n", i, i }'
	} >"$1"
}

test_statuses()
{
	R=$WORK/mixed
	cp -R "$KF/run" "$R"
	set_meta "$R" kernel_build "$WORK/nowhere"
	set_meta "$R" kernel_commit 0123456789abcdef0123456789abcdef01234567
	set_meta "$R" start 2024-02-29T23:59:58Z
	hostile_kmsg "$WORK/hostile"
	add_test "$R" 5 skip_me 'skip	CONFIG_KASAN is not set'
	add_test "$R" 6 err_me 'error	broken: test exited 3' "$WORK/hostile"
	add_test "$R" 7 intr_me 'interrupted	interrupted: Ctrl-C'
	add_test "$R" 8 missing_me -
	add_test "$R" 9 garbled_me 'weird	stuff'
	add_test "$R" 10 xfail_me 'xfail	lockdep: known bug [https://bugs.example/1]'
	add_test "$R" 11 'odd.tag+x' 'ok	'
	check_rc "kcidb: writes kcidb.json with every status" 0 scripts/kcidb.sh "$R"
	J=$R/kcidb.json
	check "kcidb: every status, hostile console text and a 100 KB slice validate" valid "$J"
	check "kcidb: skip is SKIP with its reason" is "$(status_of "$J" 5)" SKIP
	check "kcidb: ... the reason in misc" has "$J" '"reason": "CONFIG_KASAN is not set"'
	check "kcidb: error is ERROR" is "$(status_of "$J" 6)" ERROR
	check "kcidb: interrupted is MISS" is "$(status_of "$J" 7)" MISS
	check "kcidb: a test in the list without a result is MISS" is "$(status_of "$J" 8)" MISS
	check "kcidb: a garbled result is ERROR" is "$(status_of "$J" 9)" ERROR
	check "kcidb: a known failure (xfail) is FAIL, labelled in misc" \
		has "$J" '"labyrinth_status": "xfail"'
	check "kcidb: ... FAIL" is "$(status_of "$J" 10)" FAIL
	check "kcidb: a tag outside KCIDB's path alphabet is made safe" \
		has "$J" '"path": "labyrinth.kcidb_list.odd_tag_x"'
	check "kcidb: quotes, backslashes and tabs are escaped" \
		has "$J" 'say \"hi\" \\ back\tslash ??[1m bold ?? ? end\n'
	check "kcidb: git commit gives the checkout id and hash" has "$J" \
		'"git_commit_hash": "0123456789abcdef0123456789abcdef01234567"'
	check "kcidb: ... id labyrinth:git-<commit>" \
		has "$J" '"id": "labyrinth:git-0123456789abcdef0123456789abcdef01234567"'
	check "kcidb: without the build folder there is no build duration" \
		is "$(grep -c '"duration": 123' "$J")" 0
	check "kcidb: date arithmetic across a leap day" \
		is "$(field_of "$J" 6 start_time)" '"2024-03-01T00:00:01.500Z"'
	check "kcidb: a 100 KB slice is cut below KCIDB's 16384 characters" \
		has "$J" 'more lines in tests/6-err_me/kmsg.log]'
	KCIDB_LOG_URL=https://ci.example.org/jobs/1/artifacts scripts/kcidb.sh "$R"
	check "kcidb: KCIDB_LOG_URL gives each test a log_url" has "$J" \
		'"log_url": "https://ci.example.org/jobs/1/artifacts/tests/3-proof_bug-atomic_bad_sleep/kmsg.log"'
	check "kcidb: ... still valid" valid "$J"
}

test_bad_input()
{
	check_rc "kcidb: a folder that is not a run is refused (exit 2)" 2 scripts/kcidb.sh "$WORK"
	check_rc "kcidb: no argument is a usage error (exit 2)" 2 scripts/kcidb.sh
	R=$WORK/garbled
	cp -R "$KF/run" "$R"
	echo 'not-a-number tag t.sh' >>"$R/list"
	_rc=0
	scripts/kcidb.sh "$R" 2>"$WORK/garbled.err" || _rc=$?
	check "kcidb: a garbled list line is refused with exit 2" is "$_rc" 2
	check "kcidb: ... naming the file and line" has "$WORK/garbled.err" "$R/list:5:"
	check "kcidb: ... and writes no kcidb.json" test ! -e "$R/kcidb.json"
	R=$WORK/real
	_rc=0
	KCIDB_LOG_URL=ftp://x scripts/kcidb.sh "$R" 2>/dev/null || _rc=$?
	check "kcidb: a KCIDB_LOG_URL that is not http(s) is refused (exit 2)" is "$_rc" 2
}

# test_guests: two guests ran the list side by side (guest 1 tests 1 and
# 3, guest 2 tests 2 and 4, QEMU started an hour apart): each test's start
# time comes from the boot that started it, not from its index.
test_guests()
{
	R=$WORK/guests
	cp -R "$KF/run" "$R"
	set_meta "$R" kernel_build "$WORK/kbuild"
	printf '%s\n' "LAB HOST boot 1-1 start 1 guest 1" "LAB HOST boot 2-1 start 2 guest 2" >"$R/channel.log"
	mkdir -p "$R/boot-1-1" "$R/boot-2-1"
	printf 'LAB START %s x 1\n' 1 3 >"$R/boot-1-1/channel.log"
	printf 'LAB START %s x 1\n' 2 4 >"$R/boot-2-1/channel.log"
	: >"$R/boot-1-1/console.log.cmdline"
	: >"$R/boot-2-1/console.log.cmdline"
	touch -d '2026-11-30 08:00:00Z' "$R/boot-1-1/console.log.cmdline"
	touch -d '2026-11-30 09:00:00Z' "$R/boot-2-1/console.log.cmdline"
	scripts/kcidb.sh "$R"
	J=$R/kcidb.json
	check "kcidb: two guests: test 3 starts on guest 1's boot (28.4 s after 08:00)" \
		is "$(field_of "$J" 3 start_time)" '"2026-11-30T08:00:28.365Z"'
	check "kcidb: two guests: test 2 starts on guest 2's boot (5.0 s after 09:00)" \
		is "$(field_of "$J" 2 start_time)" '"2026-11-30T09:00:05.048Z"'
}

main()
{
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/labyrinth-kcidb.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$WORK'" EXIT
	trap 'exit 130' INT TERM
	JS=$(validator)
	if [ -z "$JS" ]; then
		not_ok "kcidb: no jsonschema validator (scripts/setup.sh check installs python3-jsonschema)"
		finish
	fi
	test_real
	test_guests
	test_statuses
	test_bad_input
	finish
}

main "$@"
