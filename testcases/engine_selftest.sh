#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: engine_selftest
# contexts: hrtimer tasklet spin_irq
# orders: 0-1
# fault: none
# hog: none
# duration: 2
# timeout: 60
# needs: lab_engine
#
# The engine's own checks can fire: with selftest=1 the module books an
# attempt as neither success nor failure and must report "accounting
# mismatch" on stop (and engine_check must fail the test, category
# accounting); with selftest=2 it corrupts the pages of its hold rings
# before freeing them and must count verify errors (category verify).
# "none" is the known-good run that must pass.  For the proof list: the
# broken modes are expected to fail.
#
# Usage: engine_selftest.sh none|miscount|corrupt

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"
. "$LAB_LIB/engine.sh"

main()
{
	case ${1:-} in
	none) _st=0 ;;
	miscount) _st=1 ;;
	corrupt) _st=2 ;;
	*) echo "usage: engine_selftest.sh none|miscount|corrupt" >&2; exit 2 ;;
	esac
	engine_load contexts=hrtimer,tasklet,spin_irq orders=0-1 rate_hz=500 \
		batch=4 hold=16 verify=1 selftest="$_st"
	lab_phase stress
	engine_run 2
	lab_phase check
	engine_stop
	engine_record "$LAB_TAG"
	lab_info "selftest=$_st attempts=$(engine_sum attempts) verify_errors=$(engine_sum verify_errors)"
	engine_check
	lab_rmmod lab_engine
}

main "$@"
