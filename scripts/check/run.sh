#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The project's own tests.  Every check prints "ok - <what>" or
# "not ok - <what>"; the last line is "N passed, N failed".
#   run.sh [all|lint|unit|e2e]
# Unit tests are scripts/check/t_*.sh; the end-to-end tests boot the real
# kernel under test (scripts/check/e2e.sh).

set -eu
cd "$(dirname "$0")/../.."
. scripts/lib.sh

LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

# shell_files: every shell script of the product and its tests.
shell_files()
{
	{
		find scripts testcases .ci -type f -name '*.sh'
		printf '%s\n' testcases/init .ci/run
	} | LC_ALL=C sort -u
}

lint()
{
	for f in $(shell_files); do
		if out=$(shellcheck -s sh "$f" 2>&1); then
			echo "ok - shellcheck $f"
		else
			printf '%s\n' "$out" | sed 's/^/# /'
			echo "not ok - shellcheck $f"
		fi
	done
	if grep -rlE '^#!.*python|\.py$' scripts testcases modules configs runtest Makefile 2>/dev/null |
		grep -q .; then
		echo "not ok - no Python in the product"
	else
		echo "ok - no Python in the product"
	fi
}

unit()
{
	for t in scripts/check/t_*.sh; do
		[ -f "$t" ] || continue
		rc=0
		sh "$t" >"$LOG.t" 2>&1 || rc=$?
		cat "$LOG.t"
		if [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$LOG.t"; then
			echo "not ok - $t exited with status $rc"
		fi
		grep -q '^ok\|^not ok' "$LOG.t" || echo "not ok - $t reported nothing"
	done
	rm -f "$LOG.t"
}

e2e()
{
	sh scripts/check/e2e.sh
}

main()
{
	what=${1:-all}
	case $what in
	all) { lint; unit; e2e; } 2>&1 | tee "$LOG" ;;
	lint | unit | e2e) "$what" 2>&1 | tee "$LOG" ;;
	*) die "usage: scripts/check/run.sh [all|lint|unit|e2e]" ;;
	esac
	pass=$(grep -c '^ok' "$LOG" || :)
	fail=$(grep -c '^not ok' "$LOG" || :)
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
}

main "$@"
