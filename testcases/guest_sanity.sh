#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: guest_sanity
# contexts: none
# orders: none
# fault: none
# hog: none
# duration: 0
# timeout: 60
# needs: nothing
#
# The guest has what every other test relies on: a real clocksource, the
# fault-injection knobs with the stack filter, page_owner, kmemleak, an
# untainted kernel (but for out-of-tree module taint), the suite's modules and a working stress-ng.

set -eu
. ./lib/lab.sh

check_clock()
{
	# (files read by the shell where it can: a fork costs under TCG)
	read -r cs </sys/devices/system/clocksource/clocksource0/current_clocksource
	lab_info "clocksource $cs"
	case $cs in
	tsc | hpet | acpi_pm | kvm-clock) ;;
	*) lab_fail setup "clocksource is $cs: latencies would be meaningless" ;;
	esac
}

check_knobs()
{
	for f in fail_page_alloc failslab; do
		for k in probability interval times space verbose task-filter; do
			[ -e "/sys/kernel/debug/$f/$k" ] ||
				lab_fail setup "missing /sys/kernel/debug/$f/$k"
		done
	done
	if [ -e /sys/kernel/debug/fail_page_alloc/require-start ]; then
		lab_info "stack filter present: module-scoped injection available"
	else
		lab_info "no stack filter in this kernel: module-scoped profiles will skip"
	fi
	[ -e /sys/kernel/debug/fail_page_alloc/min-order ] ||
		lab_fail setup "missing fail_page_alloc/min-order"
	read -r p </sys/kernel/debug/fail_page_alloc/probability
	[ "$p" = 0 ] || lab_fail setup "fail_page_alloc probability is $p at boot"
}

check_debug()
{
	[ -e /sys/kernel/debug/page_owner ] || lab_fail setup "page_owner not enabled"
	[ -e /sys/kernel/debug/kmemleak ] || lab_fail setup "kmemleak not available"
	# O (4096) and E (8192) come from loading the suite's own out-of-tree
	# modules: an earlier test of the same boot sets them.
	t=$(lab_tainted)
	[ $((t & ~(4096 | 8192))) = 0 ] || lab_fail taint "kernel tainted ($t) before this test"
}

check_payload()
{
	for m in lab_engine labyrinth; do
		lab_module_path "$m" >/dev/null || lab_fail setup "module $m not in the image"
	done
	v=$(stress-ng --version 2>&1) || lab_fail setup "stress-ng does not run: $v"
	lab_info "$v"
	lab_info "kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs, $(awk '/MemTotal/ { print $2 }' /proc/meminfo) kB"
}

main()
{
	check_clock
	check_knobs
	check_debug
	check_payload
	read -r up _ </proc/uptime
	lab_data "sum test=guest_sanity uptime_s=$up"
}

main "$@"
