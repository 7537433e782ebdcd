#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: lifecycle_clean
# contexts: none
# orders: none
# fault: none
# hog: none
# duration: 0
# timeout: 30
# needs: the runner's boot record ($LAB_BOOT_STATE)
#
# The runner's proof, after a test that leaked (lifecycle_leak): this test
# starts clean.  Every fault knob holds the value the runner recorded at
# boot (and probability is 0), no module is loaded that was not loaded at
# boot, and no process runs outside this test's session and the runner's.

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"

BOOT=${LAB_BOOT_STATE:-/tmp/lab-boot}

check_knobs()
{
	[ -s "$BOOT/knobs" ] || lab_fail setup "no boot record of the fault knobs in $BOOT"
	_n=0
	while read -r _f _v; do
		_now=$(cat "$_f")
		[ "$_now" = "$_v" ] || lab_fail reset "${_f#/sys/kernel/debug/} is '$_now', at boot '$_v'"
		_n=$((_n + 1))
	done <"$BOOT/knobs"
	for _d in fail_page_alloc failslab; do
		_p=$(cat "/sys/kernel/debug/$_d/probability")
		[ "$_p" = 0 ] || lab_fail reset "$_d/probability is $_p"
	done
	lab_info "$_n fault knobs at their boot values"
}

check_modules()
{
	_extra=$(awk -v boot="$BOOT/modules" '
		BEGIN { while ((getline l < boot) > 0) known[l] = 1 }
		!($1 in known) { printf "%s ", $1 }' /proc/modules)
	[ -z "$_extra" ] || lab_fail reset "modules loaded since boot: $_extra"
	lab_info "no module loaded since boot"
}

# session_of <pid>
session_of()
{
	cut -d')' -f2 "/proc/$1/stat" | cut -d' ' -f5
}

check_processes()
{
	_mine=$(session_of $$)
	_runner=$(session_of "$PPID")
	[ "$_mine" = $$ ] || lab_fail reset "the test does not lead its own session ($_mine, not $$)"
	_stray=$(cat /proc/[0-9]*/stat 2>/dev/null |
		awk -v mine="$_mine" -v runner="$_runner" '{
			c = $0; sub(/^[^(]*\(/, "", c); sub(/\) [^)]*$/, "", c)
			l = $0; sub(/^.*\) /, "", l); split(l, f, " ")
			if ($1 == 1 || $1 == 2 || f[2] == 2 || f[1] == "Z")
				next
			if (f[4] != mine && f[4] != runner)
				printf "%s(%s) ", $1, c
		}')
	[ -z "$_stray" ] || lab_fail reset "processes left from before: $_stray"
	lab_info "no process outside this test's session ($_mine) and the runner's ($_runner)"
}

main()
{
	lab_info "boot record: tainted, debug_locks, free pages: $(cat "$BOOT/state" 2>/dev/null); kmemleak: $(cat "$BOOT/kmemleak" 2>/dev/null)"
	check_knobs
	check_modules
	check_processes
}

main "$@"
