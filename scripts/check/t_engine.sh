#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The engine library's checks on saved statistics (testcases/lib/engine.sh,
# run on the host): real stats lines from the A/A fixtures pass
# engine_validate; a p50 or p99 moved out of the power-of-two bucket of its
# rank, a histogram that does not add up, a missing field are refused.
# Run from the repository's root.

set -eu
. scripts/check/tap.sh

TMP=

# validate <file>: engine_validate on a stats file, in a subshell with the
# guest library (its paths pointed at the scratch folder).
validate()
{
	(
		LAB_OUT=$TMP/out
		export LAB_OUT
		. testcases/lib/lab.sh >/dev/null 2>&1
		. testcases/lib/engine.sh
		engine_validate <"$1"
	) >"$TMP/msg" 2>&1
}

# refused <what> <awk program>: the stats changed by the program are refused
# with a message containing <what>.
refused()
{
	awk "$2" "$TMP/stats" >"$TMP/bad"
	if cmp -s "$TMP/stats" "$TMP/bad"; then
		not_ok "engine_validate: the mutation for '$1' changed nothing"
		return
	fi
	if validate "$TMP/bad"; then
		not_ok "engine_validate refuses $1"
	else
		check "engine_validate refuses $1 ($(cut -c1-60 "$TMP/msg"))" grep -q "$1" "$TMP/msg"
	fi
}

# shellcheck disable=SC2016
main()
{
	TMP=$(mktemp -d)
	trap 'rm -rf "$TMP"' EXIT
	mkdir -p "$TMP/out"
	sed -n 's/^stat test=[^ ]* \(ctx=.*hist=.*\)$/\1/p' \
		scripts/check/fixtures/aa/aa1/tests/3-engine_contexts/data >"$TMP/stats"
	check "real stats lines from a run ($(wc -l <"$TMP/stats"))" [ -s "$TMP/stats" ]
	check "engine_validate accepts them" validate "$TMP/stats"
	# p50 doubled leaves its power-of-two bucket; p99 set to p50 too
	refused "lat_p50_ns outside the bucket of its rank" \
		'NR == 3 { split($10, a, "="); sub(/lat_p50_ns=[0-9]+/, "lat_p50_ns=" 2 * a[2]); split($12, m, "="); sub(/lat_max_ns=[0-9]+/, "lat_max_ns=" 4 * m[2]); sub(/lat_p99_ns=[0-9]+/, "lat_p99_ns=" 4 * m[2]) } { print }'
	refused "lat_p99_ns outside the bucket of its rank" \
		'NR == 4 { split($10, a, "="); sub(/lat_p99_ns=[0-9]+/, "lat_p99_ns=" a[2]) } { print }'
	refused "hist adds up to" 'NR == 2 { sub(/hist=/, "hist=1") } { print }'
	refused "expected 13 fields" 'NR == 1 { sub(/ bytes=[0-9]+/, "") } { print }'
	awk 'NR == 5 { split($10, a, "="); sub(/lat_p50_ns=[0-9]+/, "lat_p50_ns=" a[2] + 1) } { print }' \
		"$TMP/stats" >"$TMP/ok"
	check "engine_validate accepts a p50 moved within its bucket" validate "$TMP/ok"
	exit "$FAILED"
}

main "$@"
