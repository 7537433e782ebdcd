#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# shard.awk (disjoint, covering, balanced, deterministic subsets; bad k/N)
# and merge.sh (shards back into one run; refusals).  Run from the
# repository's root.

set -eu
. scripts/check/reports-lib.sh

# make_list <file>: a resolved list of 23 tests with assorted durations.
make_list()
{
	awk 'BEGIN {
		for (i = 1; i <= 23; i++) {
			d = (i * 37) % 60 + 1
			if (i % 5 == 0)
				printf "%d t%02d t.sh -o 2\n", i, i
			else if (i % 7 == 0)
				printf "%d t%02d t.sh -d%d\n", i, i, d
			else
				printf "%d t%02d t.sh -c hrtimer -d %d\n", i, i, d
		}
	}' >"$1"
}

# shards <awk> <list> <N>: write $WORK/s.<k> for k = 1..N.
shards()
{
	_k=1
	while [ "$_k" -le "$3" ]; do
		"$1" -v shard="$_k" -v shards="$3" -f scripts/shard.awk "$2" >"$WORK/s.$_k"
		_k=$((_k + 1))
	done
}

# covers <list> <N>: the shards hold every line exactly once.
# shellcheck disable=SC2317 # called through check
covers()
{
	_k=1
	: >"$WORK/all"
	while [ "$_k" -le "$2" ]; do
		cat "$WORK/s.$_k" >>"$WORK/all"
		_k=$((_k + 1))
	done
	sort "$1" >"$WORK/want"
	sort "$WORK/all" >"$WORK/got"
	cmp -s "$WORK/want" "$WORK/got"
}

# disjoint <N>: no line is in two shards.
# shellcheck disable=SC2317 # called through check
disjoint()
{
	_k=1
	while [ "$_k" -le "$1" ]; do
		cat "$WORK/s.$_k"
		_k=$((_k + 1))
	done | sort | uniq -d | awk 'END { exit NR != 0 }'
}

# in_order <list> <N>: each shard keeps the list's order.
# shellcheck disable=SC2317 # called through check
in_order()
{
	_k=1
	while [ "$_k" -le "$2" ]; do
		awk 'NR == FNR { at[$0] = FNR; next } at[$0] <= last { bad = 1 } { last = at[$0] }
		END { exit bad }' "$1" "$WORK/s.$_k" || return 1
		_k=$((_k + 1))
	done
}

# balanced <N> [files...]: the costliest shard exceeds the cheapest by at
# most the costliest single test (what greedy longest-first guarantees).
# shellcheck disable=SC2317 # called through check
balanced()
{
	_n=$1
	shift
	awk -v n="$_n" '
	function cost(    i) {
		for (i = 3; i <= NF; i++) {
			if ($i == "-d") return $(i + 1)
			if ($i ~ /^-d[0-9]/) return substr($i, 3)
		}
		return 1
	}
	FNR == 1 { k++ }
	{ c = cost(); load[k] += c; if (c > big) big = c }
	END {
		lo = hi = load[1]
		for (i = 1; i <= n; i++) {
			if (load[i] < lo) lo = load[i]
			if (load[i] > hi) hi = load[i]
		}
		exit hi - lo > big
	}' "$@"
}

shard_files()
{
	_k=1
	while [ "$_k" -le "$1" ]; do
		printf '%s\n' "$WORK/s.$_k"
		_k=$((_k + 1))
	done
}

test_shard()
{
	_list=$WORK/list
	make_list "$_list"
	for _n in 1 2 3 4 7; do
		shards awk "$_list" "$_n"
		check "shard: $_n shards cover the list" covers "$_list" "$_n"
		check "shard: $_n shards are disjoint" disjoint "$_n"
		check "shard: $_n shards keep the list order" in_order "$_list" "$_n"
		# shellcheck disable=SC2046
		check "shard: $_n shards are balanced by -d cost" balanced "$_n" $(shard_files "$_n")
	done
	shards awk "$_list" 3
	cp "$WORK/s.1" "$WORK/first.1"
	shards awk "$_list" 3
	check "shard: deterministic" cmp "$WORK/s.1" "$WORK/first.1"
	if command -v busybox >/dev/null 2>&1; then
		busybox awk -v shard=1 -v shards=3 -f scripts/shard.awk "$_list" >"$WORK/bb.1"
		check "shard: busybox awk picks the same subset" cmp "$WORK/bb.1" "$WORK/first.1"
	fi

	# known-bad inputs for the checkers above
	head -n 12 "$_list" >"$WORK/s.1"
	tail -n 12 "$_list" >"$WORK/s.2"
	check_rc "shard: the disjoint check fires on overlapping shards" 1 disjoint 2
	check_rc "shard: the balance check fires on a lopsided split" 1 balanced 2 "$_list" "$WORK/empty"

	printf '1 big t.sh -d 100\n2 a t.sh\n3 b t.sh\n4 c t.sh\n' >"$WORK/heavy"
	check "shard: a long test gets a shard to itself" sh -c \
		"[ \"\$(awk -v shard=1 -v shards=2 -f scripts/shard.awk '$WORK/heavy')\" = '1 big t.sh -d 100' ]"

	check_rc "shard: k=0 exits 2" 2 awk -v shard=0 -v shards=2 -f scripts/shard.awk "$_list"
	check_rc "shard: k>N exits 2" 2 awk -v shard=3 -v shards=2 -f scripts/shard.awk "$_list"
	check_rc "shard: N=0 exits 2" 2 awk -v shard=1 -v shards=0 -f scripts/shard.awk "$_list"
	check_rc "shard: k not a number exits 2" 2 awk -v shard=x -v shards=2 -f scripts/shard.awk "$_list"
	check_rc "shard: no k/N exits 2" 2 awk -f scripts/shard.awk "$_list"
	_msg=$(awk -v shard=3 -v shards=2 -f scripts/shard.awk "$_list" 2>&1 >/dev/null || :)
	check "shard: ... with a clear message" [ "$_msg" = "shard.awk: shard 3/2 is out of range: need 1 <= k <= N" ]
}

test_merge()
{
	R=$WORK/runs
	check "merge: two shards" scripts/merge.sh "$WORK/m" "$R/shard2" "$R/shard1"
	check "merge: the list in the full list's order, numbered again" cmp "$WORK/m/list" "$R/clean/list"
	check "merge: the KTAP summary of the whole run" cmp "$WORK/m/ktap.txt" "$R/clean/ktap.txt"
	scripts/report.sh "$R/clean" tsv
	check "merge: the same numbers as the whole run" cmp "$WORK/m/results.tsv" "$R/clean/results.tsv"
	check "merge: test folders renumbered" [ -f "$WORK/m/tests/4-needs_kasan/result" ]
	check "merge: junit rebuilt" [ -s "$WORK/m/junit.xml" ]
	check "merge: html rebuilt" [ -s "$WORK/m/report.html" ]
	check "merge: meta.env names the shards" has "$WORK/m/meta.env" 'merged_from=fixture-shard2 fixture-shard1'
	check "merge: meta.env start is the earliest" has "$WORK/m/meta.env" 'start=2025-01-06T02:01:00Z'
	check "merge: meta.env end is the latest" has "$WORK/m/meta.env" 'end=2025-01-06T02:12:00Z'
	check "merge: consoles concatenated" [ "$(wc -l <"$WORK/m/console.log")" -eq \
		"$(cat "$R/shard1/console.log" "$R/shard2/console.log" | wc -l)" ]
	check "merge: compares equal with the whole run" scripts/compare.sh -o "$WORK/mc" \
		"$R/clean" "$WORK/m"

	# shards as the runner writes them: each numbered from 1
	for _s in 1 2; do
		mkdir -p "$WORK/local$_s/tests"
		cp "$R/shard$_s/meta.env" "$R/shard$_s/ktap.txt" "$WORK/local$_s/"
		awk '{ $1 = NR; print }' "$R/shard$_s/list" >"$WORK/local$_s/list"
		while read -r _old _tag _rest; do
			_new=$(awk -v t="$_tag" '$2 == t { print $1 }' "$WORK/local$_s/list")
			cp -R "$R/shard$_s/tests/$_old-$_tag" "$WORK/local$_s/tests/$_new-$_tag"
		done <"$R/shard$_s/list"
	done
	check "merge: shards numbered from 1 each" scripts/merge.sh "$WORK/ml" \
		"$WORK/local2" "$WORK/local1"
	check "merge: ... stay together, in shard order" [ \
		"$(cut -d' ' -f1,2 "$WORK/ml/list" | tr '\n' ' ')" = \
		"1 engine_contexts 2 frag_hog 3 fault_order0 4 needs_kasan " ]
	check "merge: ... with their results" has "$WORK/ml/ktap.txt" \
		"ok 4 needs_kasan # SKIP CONFIG_KASAN is not set in this kernel"

	check_rc "merge: another config_hash is refused" 2 scripts/merge.sh "$WORK/m2" "$R/shard1" "$R/otherhash"
	check "merge: ... and nothing is written" [ ! -e "$WORK/m2" ]
	check_rc "merge: another suite_format is refused" 2 scripts/merge.sh "$WORK/m3" "$R/shard1" "$R/format2"
	check_rc "merge: a folder that is no run is refused" 2 scripts/merge.sh "$WORK/m4" "$R/shard1" "$R/nometa"
	check_rc "merge: the same test twice is refused" 2 scripts/merge.sh "$WORK/m5" "$R/shard1" "$R/shard1"
	check_rc "merge: an existing OUT is refused" 2 scripts/merge.sh "$WORK/m" "$R/shard1" "$R/shard2"
	check_rc "merge: no runs is refused" 2 scripts/merge.sh "$WORK/m6"
}

main()
{
	setup_scratch
	: >"$WORK/empty"
	test_shard
	test_merge
	finish
}

main "$@"
