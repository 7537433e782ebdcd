#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: frag_buddyinfo
# contexts: none
# orders: 3
# fault: none
# hog: labyrinth
# duration: 10
# timeout: 120
# needs: labyrinth
#
# The labyrinth fragmenter as /proc/buddyinfo sees it: after a fragment
# pass no zone has a free block of order K or above (K: first argument,
# default 3; up to FRAG_SLACK=2 strays, see below), the module's own
# counts agree, and after release free memory
# (free pages plus the per-CPU lists) is back within 1% of where it
# started.  Records the time the pass took; the target is 10 s for K=3 in
# a 2 GiB guest.  Fails with
#   fragment:   a free block of order >= K remains, or the module's
#               counts disagree with /proc/buddyinfo
#   leak:       free memory not back within 1% after release
#   setup:      the module took nothing
#
# Usage: frag_buddyinfo.sh [K]

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"

LBY=/sys/kernel/debug/labyrinth
K=${1:-3}
# The check itself forks: a task that exits frees its order-2 kernel stack,
# and two such stacks can merge into one order-3 block between the pass and
# the read.  Up to SLACK such strays are not the fragmenter's failure.
SLACK=${FRAG_SLACK:-2}

# free_pages: pages free in the buddy allocator plus those on per-CPU lists.
free_pages()
{
	awk '$1 == "nr_free_pages" { f += $2 } $1 == "count:" { p += $2 }
	     END { printf "%d\n", f + p }' /proc/zoneinfo
}

# frag_record <phase>: one "frag" record per zone.
frag_record()
{
	awk -v t="$LAB_TAG" -v p="$1" '$1 == "Node" {
		out = "frag test=" t " phase=" p " zone=" $4
		for (i = 5; i <= NF; i++)
			out = out " o" i - 5 "=" $i
		print out
	}' /proc/buddyinfo >>"$LAB_OUT/data"
}

# drain_pcp: put the pages on the per-CPU lists back into the free lists,
# where they merge with their buddies: with page_owner on, reading
# /proc/pagetypeinfo drains them (nothing happens otherwise).  Pages freed
# before the pass and still on a per-CPU list would otherwise merge into
# blocks of order K or above after it.
drain_pcp()
{
	cat /proc/pagetypeinfo >/dev/null 2>&1 || :
}

# high_blocks: "zone=Z oN=C" for every free block count at order >= K.
high_blocks()
{
	awk -v k="$K" '$1 == "Node" {
		for (i = 5 + k; i <= NF; i++)
			if ($i > 0)
				printf "zone=%s o%d=%s ", $4, i - 5, $i
	}' /proc/buddyinfo
}

# stat_val <key>: a value from the module's totals line.
stat_val()
{
	awk -v k="$1" '{
		for (i = 1; i <= NF; i++)
			if (index($i, k "=") == 1)
				print substr($i, length(k) + 2)
	}' "$LBY/stats" | head -n 1
}

# module_high <line>: the module's count of free blocks at order >= K.
module_high()
{
	awk -v w="$1" -v k="$K" '$1 == w {
		for (i = 2 + k; i <= NF; i++) {
			split($i, kv, "=")
			s += kv[2]
		}
		print s + 0
	}' "$LBY/stats"
}

main()
{
	case $K in '' | *[!0-9]*) echo "usage: frag_buddyinfo.sh [K]" >&2; exit 2 ;; esac
	lab_insmod labyrinth order="$K"
	_free0=$(free_pages)
	frag_record before
	_b=$(awk -v k="$K" '$1 == "Node" { for (i = 5 + k; i <= NF; i++) s += $i } END { print s + 0 }' /proc/buddyinfo)
	lab_info "before: free_pages=$_free0 $(high_blocks)"
	lab_kmsg "frag_buddyinfo: fragment order=$K"
	lab_phase hog
	drain_pcp
	# Blocks freed elsewhere while a pass ends (tasks exiting, per-CPU
	# lists draining) are taken by a further pass, as a hog refreshes.
	_t0=$(lab_uptime_ms)
	_pass=0
	while :; do
		_pass=$((_pass + 1))
		printf 'fragment\n' >"$LBY/control" || lab_fail setup "labyrinth refused to fragment"
		# one reading gives both the count and the list reported
		_high=$(high_blocks)
		_cnt=$(printf '%s\n' "$_high" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^o[0-9]+=/) { sub(/^o[0-9]+=/, "", $i); s += $i } } END { print s + 0 }')
		if [ "$_cnt" -le "$SLACK" ] || [ "$_pass" -ge 3 ]; then
			break
		fi
		lab_info "pass $_pass left $_high; another pass"
	done
	_total_ms=$(($(lab_uptime_ms) - _t0))
	lab_phase check
	frag_record during
	_mod=$(module_high free_after)
	_ms=$(stat_val elapsed_ms)
	_taken=$(stat_val taken_pages)
	_held=$(stat_val held_pages)
	lab_info "fragmented in $_pass pass(es), ${_total_ms} ms (last pass ${_ms} ms): taken_pages=$_taken held_pages=$_held"
	[ "$_taken" -gt 0 ] || lab_fail setup "labyrinth took no memory"
	[ "$_cnt" -le "$SLACK" ] ||
		lab_fail fragment "more than $SLACK free blocks of order >= $K remain after $_pass passes: $_high"
	[ "$_mod" -le "$SLACK" ] ||
		lab_fail fragment "labyrinth counts $_mod free blocks of order >= $K after its pass"
	_m=$(module_high free_before)
	if [ "$_b" -gt 0 ] && [ "$_m" -eq 0 ]; then
		lab_fail fragment "before: /proc/buddyinfo had $_b free blocks of order >= $K, labyrinth counted none"
	fi

	lab_phase hog_stop
	printf 'release\n' >"$LBY/control" || lab_fail setup "labyrinth refused to release"
	# The release frees at once; pages still on their way back (per-CPU
	# lists draining) get a second before a shortfall counts.
	_free1=$(free_pages)
	if [ $(((_free0 - _free1) * 10000 / _free0)) -gt 100 ]; then
		sleep 1
		_free1=$(free_pages)
	fi
	frag_record after
	lab_rmmod labyrinth
	lab_phase verdict
	_lost=$((_free0 - _free1))
	_pct100=$((_lost * 10000 / _free0))
	lab_info "after release: free_pages=$_free1 (before $_free0, $_lost not back)"
	lab_data "sum test=$LAB_TAG order=$K passes=$_pass total_ms=$_total_ms elapsed_ms=$_ms taken_pages=$_taken held_pages=$_held free_before=$_free0 free_after=$_free1 lost_pages=$_lost"
	[ "$_pct100" -le 100 ] ||
		lab_fail leak "$_lost of $_free0 free pages not back after release"
}

main "$@"
