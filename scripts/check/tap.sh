#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Result lines of the project's tests, sourced by scripts/check/t_*.sh:
# "ok - <what>" or "not ok - <what>"; FAILED is 1 once anything failed.

export FAILED=0

ok()
{
	printf 'ok - %s\n' "$*"
}

not_ok()
{
	printf 'not ok - %s\n' "$*"
	FAILED=1
}

# check <what> <command...>: ok when the command succeeds.
check()
{
	_desc=$1
	shift
	if "$@"; then ok "$_desc"; else not_ok "$_desc"; fi
}
