#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: engine_stats_format
# contexts: all (lab_engine's table, debugfs contexts)
# orders: 0,2
# fault: none
# hog: none
# duration: 2
# timeout: 60
# needs: lab_engine
#
# The stats file is a stable interface: one line per context and order
# with every field, in order, numeric, 32 histogram buckets that add up to
# the attempts, latencies in order and p50/p99 inside the bucket of their
# rank, plus the RX ring's line.  The windows file has a line per window,
# context and order whose counts add up to at most the totals, and a memory
# line per window; the contexts file lists every context the stats show;
# the zones file has a line per populated zone.  The checks are proven
# on the same data: copies with a field dropped, a value not numeric,
# a bucket missing, a percentile moved out of its bucket, the books
# unbalanced must be refused.  Fails with
#   format:     a stats, windows, contexts or zones line is malformed, or
#               lines are missing
#   checker:    the validator or engine_check accepted a broken copy

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"
. "$LAB_LIB/engine.sh"

ORDERS=0,2

# MUTANTS: the broken copies of the stats the checks must refuse, one a
# line: number, the check that must refuse it (validate: engine_validate,
# check: engine_check), what is broken.  mutants writes them all from one
# read, as $LAB_OUT/stats.bad.<number>, and prints the numbers of those
# it could not break (the mutation found nothing to change).
MUTANTS='1 validate a field dropped
2 validate a value not numeric
3 validate a bucket missing
4 validate fields swapped
5 validate an RX field dropped
6 validate a histogram not adding up
7 validate a p50 moved out of its bucket
8 check attempts != successes + failures
9 check pages outstanding after stop'

mutants()
{
	awk -v out="$LAB_OUT/stats.bad." '
	function put(k, l) {
		if (l != $0)
			changed[k] = 1
		print l >(out k)
	}
	{
		l = $0; if (NR == 1) sub(/ bytes=[0-9]*/, "", l); put(1, l)
		l = $0; if (NR == 2) sub(/attempts=[0-9]*/, "&x", l); put(2, l)
		l = $0; if (NR == 3) sub(/hist=[0-9]*,/, "hist=", l); put(3, l)
		l = $0
		if (NR == 4 && match(l, /successes=[0-9]* failures=[0-9]*/)) {
			split(substr(l, RSTART, RLENGTH), w, " ")
			l = substr(l, 1, RSTART - 1) w[2] " " w[1] substr(l, RSTART + RLENGTH)
		}
		put(4, l)
		l = $0; if (/refills=/) sub(/ served=[0-9]*/, "", l); put(5, l)
		l = $0; if (NR == 5) sub(/attempts=[0-9]*/, "&1", l); put(6, l)
		l = $0
		if (NR == 1 && match(l, /lat_p50_ns=[0-9]+/))
			l = substr(l, 1, RSTART - 1) "lat_p50_ns=" 2 * substr(l, RSTART + 11, RLENGTH - 11) substr(l, RSTART + RLENGTH)
		put(7, l)
		l = $0; if (NR == 1) sub(/attempts=[0-9]*/, "&1", l); put(8, l)
		l = $0; if (NR == 1) sub(/outstanding=0/, "outstanding=3", l); put(9, l)
	}
	END {
		for (k = 1; k <= 9; k++)
			if (!(k in changed))
				print k
	}' "$LAB_OUT/stats"
}

# must_refuse: every mutant is refused by its check (a mutation that
# changed nothing is a setup failure: it would prove nothing).
must_refuse()
{
	mutants >"$LAB_OUT/.unchanged"
	while read -r _k _chk _what; do
		while read -r _u; do
			[ "$_u" != "$_k" ] || lab_fail setup "mutation '$_what' changed nothing"
		done <"$LAB_OUT/.unchanged"
		_f=$LAB_OUT/stats.bad.$_k
		case $_chk in
		validate)
			! engine_validate <"$_f" >/dev/null ||
				lab_fail checker "engine_validate accepted stats with $_what"
			;;
		check)
			! engine_check_stats <"$_f" >/dev/null ||
				lab_fail checker "engine_check accepted $_what"
			;;
		esac
	done <<EOF
$MUTANTS
EOF
}

# check_windows: the windows file against the stats: every line complete
# and balanced, at least 4 windows, per context and order the windows'
# attempts at most the total and more than half of it.
check_windows()
{
	awk '
	FNR == NR && /^ctx=/ && / order=/ {
		split($1, c, "="); split($2, o, "="); split($3, a, "=")
		total[c[2] " " o[2]] = a[2]
		next
	}
	FNR == NR { next }
	/^windows=/ { split($1, w, "="); nwin = w[2]; next }
	$3 == "memory" {
		if (NF != 5 || $1 !~ /^w=[0-9]+$/ || $2 !~ /^ms=[0-9]+$/ ||
		    $4 !~ /^reserved_highatomic=[0-9]+$/ ||
		    $5 !~ /^free_blocks=[0-9]+(,[0-9]+)+$/) {
			print "windows line " FNR " malformed: " $0
			exit 1
		}
		nmem++
		next
	}
	{
		if (NF != 9 || $1 !~ /^w=[0-9]+$/ || $2 !~ /^ms=[0-9]+$/ ||
		    $3 !~ /^ctx=[a-z_]+$/ || $4 !~ /^order=[0-9]+$/ ||
		    $5 !~ /^attempts=[0-9]+$/ || $6 !~ /^successes=[0-9]+$/ ||
		    $7 !~ /^failures=[0-9]+$/ || $8 !~ /^lat_p50_ns=[0-9]+$/ ||
		    $9 !~ /^lat_p99_ns=[0-9]+$/) {
			print "windows line " FNR " malformed: " $0
			exit 1
		}
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			v[kv[1]] = kv[2]
		}
		if (v["attempts"] != v["successes"] + v["failures"] ||
		    v["lat_p50_ns"] + 0 > v["lat_p99_ns"] + 0) {
			print "windows line " FNR " does not add up: " $0
			exit 1
		}
		sum[v["ctx"] " " v["order"]] += v["attempts"]
	}
	END {
		if (nwin < 4) {
			print "only " nwin + 0 " windows"
			exit 1
		}
		if (nmem != nwin) {
			print nmem + 0 " memory lines for " nwin " windows"
			exit 1
		}
		for (k in total)
			if (sum[k] > total[k] || (total[k] > 0 && 2 * sum[k] <= total[k])) {
				print "windows of " k " hold " sum[k] + 0 " of " total[k] " attempts"
				exit 1
			}
	}' "$LAB_OUT/stats" "$LAB_OUT/windows"
}

check_zones()
{
	awk '$1 ~ /^node=[0-9]+$/ && $2 ~ /^zone=/ && $3 ~ /^free_pages=[0-9]+$/ &&
		$4 ~ /^reserved_highatomic=[0-9]+$/ && NF == 4 { n++; next }
		{ print "zones line " NR " malformed: " $0; exit 1 }
		END { if (!n) { print "no zone"; exit 1 } }' "$ENGINE_DIR/zones"
}

main()
{
	# loaded once: the contexts read from the loaded engine, then every
	# one of them set (a parameter takes effect on reset)
	engine_load orders="$ORDERS" rate_hz=200 batch=4 hold=8 window_ms=200
	engine_all_set
	engine_reset
	lab_phase stress
	engine_run 1
	lab_phase check
	engine_stop
	engine_stats >"$LAB_OUT/stats"
	_n=0
	while read -r _; do
		_n=$((_n + 1))
	done <"$LAB_OUT/stats"
	# every context x 2 orders, and the RX ring's line
	# shellcheck disable=SC2086 # one word per context
	set -- $ENGINE_NAMES
	_want=$(($# * 2 + 1))
	[ "$_n" -eq "$_want" ] || lab_fail format "$_n stats lines, expected $_want"
	_rc=0
	engine_validate <"$LAB_OUT/stats" >"$LAB_OUT/.msg" || _rc=$?
	read -r _msg <"$LAB_OUT/.msg" || :
	[ "$_rc" -eq 0 ] || lab_fail format "$_msg"
	lab_info "stats: $_msg"
	cat "$ENGINE_DIR/windows" >"$LAB_OUT/windows"
	check_windows >"$LAB_OUT/.msg" || { read -r _msg <"$LAB_OUT/.msg" || :; lab_fail format "$_msg"; }
	check_zones >"$LAB_OUT/.msg" || { read -r _msg <"$LAB_OUT/.msg" || :; lab_fail format "$_msg"; }
	lab_info "windows: $(awk '/^w=/ { n++ } /^windows=/ { w = $0 }
		END { printf "%d lines, %s", n, w }' "$LAB_OUT/windows"); zones: $(awk 'END { print NR }' "$ENGINE_DIR/zones")"
	engine_record "$LAB_TAG" check

	must_refuse
	lab_rmmod lab_engine
}

main "$@"
