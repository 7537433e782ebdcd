#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: lifecycle_detectors
# contexts: none
# orders: none
# fault: none
# hog: none
# duration: 0
# timeout: 30
# needs: kmemleak
#
# The runner's proof: a test that passes but leaves three detectors blind
# for the rest of the boot.  It adds taint W through
# /proc/sys/kernel/tainted (a later warning would no longer be new), turns
# kmemleak off (irreversible until the next boot) and turns KFENCE off
# (sample_interval 0, as KFENCE does to itself on an internal warning).
# The runner must ask for a fresh guest: "LAB RESTART <idx> taint W,
# kmemleak disabled, kfence disabled".

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"

main()
{
	[ -e /sys/kernel/debug/kmemleak ] || lab_skip "no kmemleak in this kernel"
	printf '512\n' >/proc/sys/kernel/tainted || lab_fail setup "cannot add taint W"
	printf 'off\n' >/sys/kernel/debug/kmemleak || lab_fail setup "cannot turn kmemleak off"
	_kf=/sys/module/kfence/parameters/sample_interval
	[ -w "$_kf" ] || lab_skip "no KFENCE in this kernel"
	printf '0\n' >"$_kf" || lab_fail setup "cannot turn KFENCE off"
	lab_info "left: taint W, kmemleak off, KFENCE off"
}

main "$@"
