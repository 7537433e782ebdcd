#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of GUESTS (parallel guests): the default fits the host's cores
# and memory, bad values are refused before anything is built, the parts
# the guests get cover the list once and are balanced, and a run never
# starts more guests than it has tests.  The guests themselves run in
# scripts/check/t_boots.sh (stand-in QEMU, GUESTS=2).

set -eu
cd "$(dirname "$0")/../.."
. scripts/check/tap.sh
. scripts/lib.sh

T=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT

# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
defaults()
{
	# vcpus mem cores available-MiB -> guests
	for _c in "2 2G 2 20000 1" "1 2G 2 20000 2" "2 2G 8 20000 4" "1 2G 8 5000 2" \
		"2 2048M 32 65536 16" "4 2G 2 20000 1" "1 8G 4 4000 1"; do
		# shellcheck disable=SC2086 # five words
		set -- $_c
		_got=$(default_guests "$1" "$2" "$3" "$4")
		check "default: $3 cores, $4 MiB free, guests of $1 vCPUs and $2: $5 guests (got $_got)" \
			[ "$_got" = "$5" ]
	done
	_here=$(default_guests 2 2G)
	check "default: this host ($(nproc) cores) with VCPUS=2 MEM=2G: $_here guests, at least 1, at most cores / 2" \
		sh -c '[ "$1" -ge 1 ] && [ "$1" -le $(( $(nproc) / 2 > 0 ? $(nproc) / 2 : 1 )) ]' sh "$_here"
}

# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
bad_values()
{
	for _v in 0 x 65 -1 1.5; do
		_rc=0
		GUESTS=$_v RESULTS=$T/results sh scripts/run.sh >"$T/out" 2>&1 || _rc=$?
		check "bad value: run.sh GUESTS=$_v exits 2 naming GUESTS, no results folder (got $_rc)" \
			sh -c '[ "$1" = 2 ] && grep -q "GUESTS=" "$2" && [ ! -e "$3" ]' sh "$_rc" "$T/out" "$T/results"
	done
}

# parts: the parts boots.sh gives the guests (scripts/shard.awk) hold every
# test once, in the list's order, balanced by cost.
# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
parts()
{
	printf '%s\n' '1 a x -d 10' '2 b x -d 10' '3 c x' '4 d x' '5 e x -d 5' \
		'6 f x -d 5' '7 g x' >"$T/list"
	for _g in 1 2 3; do
		awk -v shard="$_g" -v shards=3 -f scripts/shard.awk "$T/list" >"$T/part$_g"
	done
	check "parts: three parts hold every test exactly once" \
		sh -c 'cat "$1"/part1 "$1"/part2 "$1"/part3 | sort -n | cmp -s - "$1/list"' sh "$T"
	check "parts: each part keeps the list's order" \
		sh -c 'for p in "$1"/part*; do sort -n -c "$p" || exit 1; done' sh "$T"
	loads=$(for _g in 1 2 3; do
		awk '{ c = 1; for (i = 3; i < NF; i++) if ($i == "-d") c = $(i + 1); s += c } END { print s }' "$T/part$_g"
	done | sort -n | tr '\n' ' ')
	check "parts: balanced by cost (loads $loads: 11 11 11 of 33)" [ "$loads" = "11 11 11 " ]
}

main()
{
	defaults
	bad_values
	parts
	exit "$FAILED"
}

main "$@"
