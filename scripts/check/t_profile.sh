#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of testcases/lib/profile.awk: every shipped fault and hog
# profile validates, under every awk found here (the guest runs busybox
# awk), and bad profiles are rejected with "file:line: message", exit 2.
set -eu

PROFILE=testcases/lib/profile.awk
TMP=
. scripts/check/tap.sh

awks()
{
	for _a in mawk gawk original-awk; do
		command -v "$_a" >/dev/null 2>&1 && printf '%s\n' "$_a"
	done
	if command -v busybox >/dev/null 2>&1 && busybox awk 'BEGIN{}' 2>/dev/null
	then
		printf '%s\n' "busybox awk"
	fi
}

# run <awk> <kind> <file>: profile.awk's status in RC, output in $TMP/out.
run()
{
	RC=0
	# shellcheck disable=SC2086 # $1 is a command with arguments
	$1 -v kind="$2" -f "$PROFILE" "$3" >"$TMP/out" 2>"$TMP/err" || RC=$?
}

t_shipped()
{
	_awk=$1
	for _kind in fault hog; do
		for _f in configs/"$_kind"/*.conf; do
			run "$_awk" "$_kind" "$_f"
			check "$_awk: $_f is a valid $_kind profile" [ "$RC" -eq 0 ]
		done
	done
	run "$_awk" fault configs/fault/scoped.conf
	check "$_awk: scoped.conf normalised (defaults, scope=module)" \
		grep -qx 'scope=module' "$TMP/out"
	_n=$(wc -l <"$TMP/out")
	check "$_awk: a fault profile lists all 11 keys ($_n)" [ "$_n" -eq 11 ]
	run "$_awk" hog configs/hog/labyrinth.conf
	check "$_awk: labyrinth.conf confirms at its own order" \
		grep -qx 'frag-order=3' "$TMP/out"
}

# bad <awk> <kind> <line> <desc> <content>: rejected naming file:line.
bad()
{
	printf '%s\n' "$5" >"$TMP/p.conf"
	run "$1" "$2" "$TMP/p.conf"
	_good=0
	[ "$RC" -eq 2 ] && grep -q "p.conf:$3: " "$TMP/err" && [ ! -s "$TMP/out" ] &&
		_good=1
	check "$1: $2 profile with $4 is rejected at line $3" [ "$_good" -eq 1 ]
}

t_bad()
{
	_a=$1
	bad "$_a" fault 2 "an unknown key" "$(printf 'probability=5\nprobabilty=5')"
	bad "$_a" fault 1 "probability 101" "probability=101"
	bad "$_a" fault 1 "a negative interval" "interval=-3"
	bad "$_a" fault 1 "times -2" "times=-2"
	bad "$_a" fault 1 "an unknown target" "target=disk"
	bad "$_a" fault 1 "an unknown scope" "scope=task"
	bad "$_a" fault 1 "a non-boolean" "ignore-gfp-wait=maybe"
	bad "$_a" fault 1 "min-order 11" "min-order=11"
	bad "$_a" fault 3 "a key given twice" "$(printf '# c\nverbose=1\nverbose=2')"
	bad "$_a" fault 1 "spaces around =" "probability = 5"
	bad "$_a" fault 1 "no =" "probability"
	bad "$_a" hog 1 "an unknown type" "type=memeater"
	bad "$_a" hog 2 "stress-ng keys on labyrinth" "$(printf 'type=labyrinth\nvm=2')"
	bad "$_a" hog 2 "labyrinth keys on stress-ng" "$(printf 'type=stressng\norder=3\nvm=1')"
	bad "$_a" hog 2 "a bad size" "$(printf 'type=stressng\nvm-bytes=200%%\nvm=1')"
	bad "$_a" hog 1 "no type" "frag-max-free=3"
	bad "$_a" hog 1 "stress-ng without workers" "type=stressng"
	run "$_a" disk configs/fault/none.conf
	check "$_a: an unknown kind is an error" [ "$RC" -eq 2 ]
}

main()
{
	TMP=$(mktemp -d)
	trap 'rm -rf "$TMP"' EXIT
	_awks=$(awks)
	[ -n "$_awks" ] || { not_ok "an awk to test with"; exit 1; }
	printf '%s\n' "$_awks" | {
		while IFS= read -r _awk; do
			t_shipped "$_awk"
			t_bad "$_awk"
		done
		exit "$FAILED"
	} || FAILED=1
	exit "$FAILED"
}

main "$@"
