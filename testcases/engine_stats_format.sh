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

# must_refuse <what> <sed script>: the validator rejects the mutated copy.
must_refuse()
{
	sed "$2" "$LAB_OUT/stats" >"$LAB_OUT/stats.bad"
	cmp -s "$LAB_OUT/stats" "$LAB_OUT/stats.bad" &&
		lab_fail setup "mutation '$1' changed nothing"
	if engine_validate <"$LAB_OUT/stats.bad" >/dev/null; then
		lab_fail checker "engine_validate accepted stats with $1"
	fi
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
	_all=$(engine_contexts)
	_ctxs=$(echo "$_all" | tr ' ' ',')
	engine_set contexts "$_ctxs"
	engine_reset
	lab_phase stress
	engine_run 1
	lab_phase check
	engine_stop
	engine_stats >"$LAB_OUT/stats"
	_n=$(wc -l <"$LAB_OUT/stats")
	# every context x 2 orders, and the RX ring's line
	_want=$(($(echo "$_all" | wc -w) * 2 + 1))
	[ "$_n" -eq "$_want" ] || lab_fail format "$_n stats lines, expected $_want"
	_msg=$(engine_validate <"$LAB_OUT/stats") || lab_fail format "$_msg"
	lab_info "stats: $_msg"
	cat "$ENGINE_DIR/windows" >"$LAB_OUT/windows"
	_msg=$(check_windows) || lab_fail format "$_msg"
	_msg=$(check_zones) || lab_fail format "$_msg"
	lab_info "windows: $(grep -c '^w=' "$LAB_OUT/windows") lines, $(grep '^windows=' "$LAB_OUT/windows"); zones: $(wc -l <"$ENGINE_DIR/zones")"
	engine_check
	engine_record "$LAB_TAG"

	must_refuse "a field dropped" '1s/ bytes=[0-9]*//'
	must_refuse "a value not numeric" '2s/attempts=\([0-9]*\)/attempts=\1x/'
	must_refuse "a bucket missing" '3s/hist=[0-9]*,/hist=/'
	must_refuse "fields swapped" '4s/\(successes=[0-9]*\) \(failures=[0-9]*\)/\2 \1/'
	must_refuse "an RX field dropped" '/refills=/s/ served=[0-9]*//'
	must_refuse "a histogram not adding up" '5s/attempts=\([0-9]*\)/attempts=\11/'
	awk 'NR == 1 { sub(/lat_p50_ns=[0-9]+/, "lat_p50_ns=" 2 * $20) } { print }' \
		FS='[ =]' "$LAB_OUT/stats" >"$LAB_OUT/stats.bad"
	if engine_validate <"$LAB_OUT/stats.bad" >/dev/null; then
		lab_fail checker "engine_validate accepted a p50 moved out of its bucket"
	fi
	sed '1s/attempts=\([0-9]*\)/attempts=\11/' "$LAB_OUT/stats" >"$LAB_OUT/stats.bad"
	if engine_check_stats <"$LAB_OUT/stats.bad" >/dev/null; then
		lab_fail checker "engine_check accepted attempts != successes + failures"
	fi
	sed '1s/outstanding=0/outstanding=3/' "$LAB_OUT/stats" >"$LAB_OUT/stats.bad"
	if engine_check_stats <"$LAB_OUT/stats.bad" >/dev/null; then
		lab_fail checker "engine_check accepted pages outstanding after stop"
	fi
	lab_rmmod lab_engine
}

main "$@"
