#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end: boot the real kernel under test with the real modules and run
# runtest/check, whose tests include deliberately broken modules; then check
# every test's verdict against scripts/check/e2e.expect ("tag status
# category"), the crash recovery, and the results folder.

set -eu
cd "$(dirname "$0")/../.."
. scripts/lib.sh

EXPECT=scripts/check/e2e.expect
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

ok()
{
	echo "ok - $*"
}

nok()
{
	echo "not ok - $*"
}

check()
{
	_what=$1
	shift
	if "$@"; then ok "$_what"; else nok "$_what"; fi
}

run_suite()
{
	rc=0
	RESULTS=$T/results RUN_ID=e2e RUNTEST=check LAB_DURATION=${E2E_DURATION:-3} \
		HANG_TIMEOUT=${E2E_HANG_TIMEOUT:-45} sh scripts/run.sh >"$T/run.out" 2>&1 || rc=$?
	sed 's/^/# /' "$T/run.out"
	echo "$rc" >"$T/rc"
}

# verdicts: every expected tag got the expected status and category.
verdicts()
{
	run=$T/results/e2e
	grep -Ev '^[[:space:]]*(#|$)' "$EXPECT" | while read -r tag status cat; do
		r=$(cat "$run"/tests/*-"$tag"/result 2>/dev/null || echo "missing	none: no result")
		got_st=$(printf '%s\n' "$r" | cut -f1)
		got_cat=$(printf '%s\n' "$r" | cut -f2 | sed 's/:.*//')
		if [ "$got_st" = "$status" ] &&
			{ [ "$cat" = - ] || [ "$got_cat" = "$cat" ]; }; then
			ok "e2e $tag: $status${cat#-}"
		else
			nok "e2e $tag: expected $status $cat, got $(printf '%s\n' "$r" | tr '\t' ' ')"
		fi
	done
}

folder()
{
	run=$T/results/e2e
	check "e2e exit status is 1 (broken proof modules fail)" [ "$(cat "$T/rc")" = 1 ]
	check "e2e results/latest points at the run" \
		[ "$(readlink "$T/results/latest")" = e2e ]
	check "e2e KTAP header and plan" \
		sh -c 'head -n 2 "$1" | tr "\n" " " | grep -q "^KTAP version 1 1\.\.[0-9]"' sh "$run/ktap.txt"
	n=$(wc -l <"$run/list")
	check "e2e KTAP has one line per test ($n)" \
		[ "$(grep -cE '^(not )?ok [0-9]+ ' "$run/ktap.txt")" = "$n" ]
	check "e2e meta.env names the kernel release" grep -q '^kernel_release=[0-9]' "$run/meta.env"
	check "e2e guest ran on a real clocksource" grep -q '^LAB BOOT [0-9]* [0-9]* tsc' "$run/channel.log"
	check "e2e console cut into per-test slices" \
		sh -c 'for f in "$1"/tests/*/kmsg.log; do grep -q "labyrinth: START" "$f" || exit 1; done' sh "$run"
	boots=$(sed -n 's/^boots=//p' "$run/meta.env")
	check "e2e guest restarted after the crash and went on ($boots boots)" [ "${boots:-0}" -ge 2 ]
	check "e2e progress line per test" \
		[ "$(grep -c '^# \[ *[0-9]*/[0-9]*\]' "$T/run.out" 2>/dev/null || echo 0)" -ge 1 ]
}

main()
{
	[ -f "$EXPECT" ] || die "$EXPECT not found"
	run_suite
	verdicts
	folder
}

main "$@"
