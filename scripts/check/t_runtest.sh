#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the matrix, soak and proof lists: runtest/nightly is what
# scripts/gen-nightly.sh generates and covers every context x fault x hog;
# every entry names a test, profiles and modules that exist; tags are
# unique; proof tags name a known category.
set -eu

TMP=
CONTEXTS="hrtimer irq_work timer tasklet spin_irq spin_bh preempt_rcu ceiling rx_ring"
CATEGORIES="pass oops panic hang bug-atomic lockdep bad-page leak unload lockup accounting verify"
. scripts/check/tap.sh

# entries <list>: its test lines, comments and blank lines dropped.
entries()
{
	grep -v '^[[:space:]]*\(#\|$\)' "$1"
}

# problems <list>: one line per entry that names something missing.
problems()
{
	entries "$1" | while read -r _tag _cmd _args; do
		[ -f "testcases/$_cmd" ] || echo "$_tag: no testcases/$_cmd"
		# shellcheck disable=SC2086 # the arguments are words
		set -- $_args
		while [ $# -gt 1 ]; do
			case $1 in
			-f) [ -f "configs/fault/$2.conf" ] || echo "$_tag: no fault profile $2" ;;
			-H) [ -f "configs/hog/$2.conf" ] || echo "$_tag: no hog profile $2" ;;
			-m) [ -f "modules/proof/$2/$2.c" ] || echo "$_tag: no module $2" ;;
			-c)
				for _c in $(printf '%s\n' "$2" | tr ',' ' '); do
					case " $CONTEXTS " in
					*" $_c "*) ;;
					*) echo "$_tag: unknown context $_c" ;;
					esac
				done
				;;
			esac
			shift
		done
	done
}

t_list()
{
	_l=runtest/$1
	check "$_l exists" [ -f "$_l" ]
	problems "$_l" >"$TMP/p"
	check "$_l: every entry names existing tests, profiles, modules" [ ! -s "$TMP/p" ]
	sed 's/^/# /' "$TMP/p"
	_dups=$(entries "$_l" | awk '{ print $1 }' | sort | uniq -d)
	check "$_l: tags are unique" [ -z "$_dups" ]
}

t_nightly()
{
	sh scripts/gen-nightly.sh >"$TMP/nightly"
	check "runtest/nightly is what gen-nightly.sh generates" \
		cmp -s "$TMP/nightly" runtest/nightly
	_missing=0
	for _c in $CONTEXTS; do
		for _f in none prob interval scoped global; do
			for _h in none stressng labyrinth; do
				grep -q " -c $_c -o 0-4 -f $_f -H $_h\$" runtest/nightly ||
					_missing=$((_missing + 1))
			done
		done
	done
	check "runtest/nightly covers every context x fault x hog at orders 0-4 ($_missing missing)" \
		[ "$_missing" -eq 0 ]
	_n=$(entries runtest/nightly | wc -l)
	check "runtest/nightly has 9 x 5 x 3 entries ($_n)" [ "$_n" -eq 135 ]
}

t_proof()
{
	_bad=$(entries runtest/proof | awk -v cats=" $CATEGORIES " '{
		t = $1
		if (t !~ /^proof_/) { print t; next }
		sub(/^proof_/, "", t)
		c = t
		sub(/_.*/, "", c)
		if (index(cats, " " c " ") == 0)
			print $1
	}')
	check "runtest/proof: every tag names a known category" [ -z "$_bad" ]
	for _d in modules/proof/*/; do
		_m=$(basename "$_d")
		check "runtest/proof runs module $_m" grep -q -- "-m $_m " runtest/proof
	done
	_first=$(entries runtest/proof | head -n 1 | awk '{ print $1 }')
	check "runtest/proof runs bad_lockdep first (lockdep reports once per boot)" \
		[ "$_first" = proof_lockdep_bad_lockdep ]
}

main()
{
	TMP=$(mktemp -d)
	trap 'rm -rf "$TMP"' EXIT
	for _l in nightly soak proof subsys; do
		t_list "$_l"
	done
	t_nightly
	t_proof
	exit "$FAILED"
}

main "$@"
