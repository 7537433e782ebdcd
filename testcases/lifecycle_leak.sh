#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: lifecycle_leak
# contexts: none
# orders: none
# fault: fail_page_alloc and failslab left on at probability 100
# hog: stress-ng --vm 1 and sleeping children, left running
# duration: until the runner's timeout
# timeout: 4
# needs: lab_engine, stress-ng
#
# The runner's proof, a deliberately bad citizen: it leaves behind all a
# reset must undo (fault knobs changed, a module loaded, stress-ng and
# sleeping children running, one of them in a session of its own),
# ignoring TERM from its start, and never ends.  The runner must KILL it at its timeout; its
# own EXIT trap (lab.sh restores what lab_write changed) never runs.  The
# test after it (lifecycle_clean) checks that the guest is clean anyway.
#
# Nothing is really failed: the stack filter requires an address range no
# code lives in, failslab's cache filter names no cache, and "times" allows
# at most two failures should a filter be missing.

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"

# leak_knobs <dir>: the knobs of one fault_attr, far from their boot values.
leak_knobs()
{
	_d=$1
	[ -d "$_d" ] || lab_skip "no $_d (kernel without fault injection)"
	lab_write "$_d/times" 2
	if [ -e "$_d/require-start" ]; then
		lab_write "$_d/require-start" 0x1000
		lab_write "$_d/require-end" 0x2000
		lab_write "$_d/reject-start" 0x3000
		lab_write "$_d/reject-end" 0x4000
		lab_write "$_d/stacktrace-depth" 8
	fi
	[ -e "$_d/cache-filter" ] && lab_write "$_d/cache-filter" Y
	[ -e "$_d/min-order" ] && lab_write "$_d/min-order" 0
	lab_write "$_d/task-filter" Y
	lab_write "$_d/interval" 3
	lab_write "$_d/space" 4096
	lab_write "$_d/verbose" 0
	lab_write "$_d/ignore-gfp-wait" N
	lab_write "$_d/probability" 100
}

main()
{
	# TERM and INT do nothing: only KILL ends this test.
	trap '' TERM INT
	lab_insmod lab_engine
	leak_knobs /sys/kernel/debug/fail_page_alloc
	leak_knobs /sys/kernel/debug/failslab
	command -v stress-ng >/dev/null 2>&1 || lab_fail setup "stress-ng not in the guest"
	stress-ng --vm 1 --vm-bytes 16M --timeout 0 >/dev/null 2>&1 &
	sleep 600 &
	setsid sleep 601 &
	sleep 1
	lab_info "left: fault injection on, lab_engine loaded, stress-ng and two sleeps running"
	while :; do
		sleep 1
	done
}

main "$@"
