#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: engine_contexts
# contexts: all (lab_engine's table, debugfs contexts)
# orders: 0-4
# fault: none
# hog: none
# duration: 10
# timeout: 180
# needs: lab_engine
#
# Every context alone in turn, on every CPU, for LAB_DURATION / 5 seconds
# (at least 2): orders 0-4, a hold ring whose pages are freed from other
# contexts, patterns written and verified.  Each context must attempt and
# succeed at every order, and the books must balance after stop.  Then
# the time budget: hrtimer callbacks of 64 attempts that each busy-wait
# 100 us must end at budget_us=1000 (about 10 attempts each, every
# callback cut), and with budget_us=0 make all 64 (no cut).  Fails with
#   context:    a context made no attempt, or none succeeded, at an order
#   budget:     a callback ran past its budget, or one was cut without one
#   accounting: attempts != successes + failures, or pages outstanding
#   verify:     a page did not hold its pattern until it was freed

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"
. "$LAB_LIB/engine.sh"

ORDERS=0-4

# check_ran <ctx>: at every order, attempts and successes (the RX ring:
# refills served at its order, the highest; lower ones are fallbacks);
# "attempts=N failures=N" of the context in the output (the first problem
# is the verdict, the books' first); the books
# (engine_check's checks, ENGINE_CHECK_AWK) in the same read, its answer
# through a file: every fork counts under TCG.
check_ran()
{
	read -r _es <"$ENGINE_DIR/state"
	[ "$_es" = stopped ] || lab_fail setup "check_ran while the engine runs"
	_rc=0
	awk -v c="$1" "$ENGINE_CHECK_AWK"'
	{ chk_line() }
	$1 == "ctx=" c && / order=/ {
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "attempts") a += kv[2]
			else if (kv[1] == "failures") fl += kv[2]
		}
	}
	$1 == "ctx=rx_ring" && / refills=/ {
		n++
		split($3, kv, "=")
		if (kv[2] + 0 == 0 && bad == "")
			bad = sprintf("rx_ring: no refill served: %s", $0)
	}
	$1 == "ctx=" c && / order=/ {
		if (c == "rx_ring")
			next
		n++
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			f[kv[1]] = kv[2]
		}
		if ((f["attempts"] + 0 == 0 || f["successes"] + 0 == 0) && bad == "")
			bad = sprintf("%s order=%s: attempts=%s successes=%s", c, f["order"], f["attempts"], f["successes"])
	}
	END {
		m = chk_end()
		if (m != "") {
			print "books", m
			exit 1
		}
		if (bad != "") {
			print bad
			exit 1
		}
		if (!n) {
			printf "%s: no statistics\n", c
			exit 1
		}
		printf "attempts=%.0f failures=%.0f\n", a, fl
	}' "$ENGINE_DIR/stats" >"$LAB_OUT/.ran" || _rc=$?
	read -r _msg <"$LAB_OUT/.ran" || :
	case $_rc:$_msg in
	0:*) ;;
	*:'books '*)
		_msg=${_msg#books }
		lab_fail "${_msg%%: *}" "${_msg#*: }"
		;;
	*) lab_fail context "$_msg" ;;
	esac
	lab_info "$1: $_msg"
}

run_one()
{
	lab_kmsg "engine_contexts: $1"
	engine_set contexts "$1"
	engine_reset
	lab_phase stress
	engine_run "$SECS"
	lab_phase check
	engine_stop
	check_ran "$1"
	engine_record "$LAB_TAG"
}

# budget_run <budget-us>: one second of the hrtimer context, 50
# callbacks a second of 64 attempts at 100 us each; ATT attempts, CUTS cuts.
budget_run()
{
	engine_set contexts hrtimer
	engine_set orders 0
	engine_set hold 0
	engine_set verify 0
	engine_set batch 64
	engine_set rate_hz 50
	engine_set delay_ns 100000
	engine_set budget_us "$1"
	engine_reset
	# a run the test asks for: stress, as the contexts' runs
	lab_phase stress
	engine_run 1
	lab_phase check
	engine_stop
	engine_check
	engine_clock
	# (the clock's attempts: those of the one context and order, no fork)
	ATT=$ENGINE_ATTEMPTS
	CUTS=$ENGINE_CUTS
	lab_info "budget_us=$1: attempts=$ATT cuts=$CUTS"
	lab_data "budget test=$LAB_TAG budget_us=$1 attempts=$ATT cuts=$CUTS"
}

check_budget()
{
	budget_run 1000
	if [ "$CUTS" -eq 0 ] || [ "$ATT" -gt $((CUTS * 20)) ]; then
		lab_fail budget "budget_us=1000 with 100 us per attempt: $ATT attempts, $CUTS callbacks cut (at most 20 attempts per callback expected)"
	fi
	budget_run 0
	if [ "$CUTS" -ne 0 ] || [ "$ATT" -eq 0 ] || [ $((ATT % 64)) -ne 0 ]; then
		lab_fail budget "budget_us=0: $ATT attempts, $CUTS callbacks cut (whole batches of 64, no cut expected)"
	fi
}

main()
{
	SECS=$((LAB_DURATION / 5))
	[ "$SECS" -ge 2 ] || SECS=2
	# (1 s windows: the verdicts are on sums, and 0.25 s windows were
	# 350 records, most of the 0.9 s the serial line took after the test
	# under TCG; the names through a file: a command substitution of a
	# function forks twice)
	engine_load orders="$ORDERS" rate_hz=500 batch=8 hold=32 verify=1 window_ms=1000
	engine_contexts >"$LAB_OUT/.ctx"
	read -r _names <"$LAB_OUT/.ctx"
	for _c in $_names; do
		run_one "$_c"
	done
	check_budget
	lab_rmmod lab_engine
}

main "$@"
