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

# each_shell <function...>: run the functions once under the host's sh and
# once under busybox sh with busybox awk (the guest's tools), when busybox
# is installed.  Sets SHN (sh|busybox) and SH (the command that runs a
# shell); TMP must be a scratch folder.
each_shell()
{
	mkdir -p "$TMP/bin"
	for SHN in sh busybox; do
		if [ "$SHN" = busybox ]; then
			command -v busybox >/dev/null 2>&1 || continue
			ln -sf "$(command -v busybox)" "$TMP/bin/awk"
			SH="env PATH=$TMP/bin:$PATH busybox sh"
		else
			# shellcheck disable=SC2034 # read by the functions it runs
			SH="sh"
		fi
		for _each in "$@"; do
			"$_each"
		done
	done
}
