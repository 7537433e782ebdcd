#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Fake slab caches' answers for the unit tests of the KASAN quarantine
# (t_lifecycle.sh, t_verdict.sh), sourced after tap.sh.

# shrunk <slab>: the caches in folder <slab> written "1" to their shrink
# file, once each (an alias, a symbolic link, is not listed).
shrunk()
{
	for _c in "$1"/*/shrink; do
		[ -L "${_c%/shrink}" ] && continue
		[ "$(cat "$_c")" = 1 ] && printf '%s ' "$(basename "${_c%/shrink}")"
	done
	echo
}
