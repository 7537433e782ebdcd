#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's state as the runner's reset (reset.sh) and the tests'
# verdict (verdict.sh) both read and drain it; both source this file.  It
# keeps no state: the folders come as arguments, so that each library's
# own fakes (RESET_PROC, VERDICT_SLAB...) reach it.
#
#   kstate_taint_letters <mask>   the kernel's letters for the taint bits set
#   kstate_kasan_kallsyms <proc>  1 when <proc>/kallsyms has KASAN's
#                                 kasan_quarantine_reduce (generic KASAN,
#                                 which has a quarantine), else 0; reading
#                                 it takes seconds under TCG
#   kstate_shrink_slabs <slab>    shrink every slab cache in <slab> (sysfs
#                                 /sys/kernel/slab) that holds slabs
#   kstate_drain <proc> <quarantine>
#                                 page cache and slab dropped, the command
#                                 <quarantine> run (it empties KASAN's
#                                 quarantine where there is one), vmstat's
#                                 counters folded
#   kstate_refresh <proc>         vmstat's per-CPU counters folded into the
#                                 totals (stat_refresh)
#   kstate_settle <proc> <read> <nap> <step-ms> <pages-a-second> <max-s>
#                                 free pages once readings agree (below)
#   kstate_free_pages <proc>      free pages: MemFree and the pages on the
#                                 per-CPU lists (free, but not in MemFree)
#   kstate_running <proc> <pid>   the process lives and is not a zombie

kstate_taint_letters()
{
	awk -v m="$1" 'BEGIN {
		n = split("P F S R M B U D A W C I O E L K X T N", l, " ")
		for (i = 1; i <= n && m > 0; i++) {
			if (m % 2)
				s = s l[i]
			m = int(m / 2)
		}
		print s
	}'
}

kstate_kasan_kallsyms()
{
	awk '$3 == "kasan_quarantine_reduce" { k = 1; exit } END { print k + 0 }' \
		"$1/kallsyms" 2>/dev/null || echo 0
}

# kstate_shrink_slabs <slab>: shrinking a slab cache (its sysfs "shrink",
# kmem_cache_shrink) frees the cache's objects from KASAN's quarantine
# (kasan_cache_shrink) and then the cache's empty slabs; every cache that
# holds slabs is shrunk (an alias, a symbolic link, is the same cache).
kstate_shrink_slabs()
{
	for _c in "$1"/*; do
		[ -L "$_c" ] && continue
		[ -w "$_c/shrink" ] || continue
		_s=1
		[ -r "$_c/slabs" ] && read -r _s _ 2>/dev/null <"$_c/slabs"
		[ "$_s" = 0 ] || { printf '1\n' >"$_c/shrink"; } 2>/dev/null || :
	done
}

# kstate_free_pages <proc> [file]: free pages, those parked on the per-CPU
# lists counted (free, but not in MemFree); with <file>, its first line
# after them, in the same read (a fork less).
kstate_free_pages()
{
	awk -v f="${2:-}" '
	FILENAME ~ /meminfo$/ && $1 == "MemFree:" { n += int($2 / 4) }
	FILENAME ~ /zoneinfo$/ && $1 == "count:" { n += $2 }
	END {
		if (f == "") {
			print n + 0
			exit
		}
		t = ""
		if ((getline t < f) <= 0)
			t = ""
		print n + 0, t
	}' "$1/meminfo" "$1/zoneinfo"
}

kstate_refresh()
{
	[ -e "$1/sys/vm/stat_refresh" ] &&
		{ printf '1\n' >"$1/sys/vm/stat_refresh" 2>/dev/null || :; }
	return 0
}

# kstate_settle <proc> <read> <nap> <step-ms> <pages-a-second> <max-s>:
# what the command <read> prints first (free pages) once two readings at
# least <step-ms> apart (the command <nap> <ms> waits) change by less than
# <pages-a-second> pages a second, for at most <max-s> seconds; vmstat's
# per-CPU counters are folded before each reading after the first.  The
# rate is taken over the time between the readings by the kernel's clock
# (<proc>/uptime), the nap and the reading's own work: a nap of 200 ms is
# 250-350 ms between readings under TCG.  The readings go through the file
# KSTATE_TMP (a command substitution of a function forks twice); what the
# last one printed after the free pages is left in KSTATE_REST, the number
# of readings in KSTATE_READINGS and the first reading in KSTATE_FIRST.
# KSTATE_MS, when <nap> runs, is the clock at the reading before it.
KSTATE_TMP=${KSTATE_TMP:-/tmp/.kstate.$$}
kstate_settle()
{
	kstate_ms "$1"
	_ks_t=$KSTATE_MS
	"$2" >"$KSTATE_TMP"
	read -r _ks_prev KSTATE_REST <"$KSTATE_TMP"
	# shellcheck disable=SC2034 # read by the callers (verdict_snapshot)
	KSTATE_FIRST=$_ks_prev
	_ks_now=$_ks_prev
	_ks_i=0
	while [ $((_ks_i * $4)) -lt $(($6 * 1000)) ]; do
		"$3" "$4"
		_ks_i=$((_ks_i + 1))
		kstate_refresh "$1"
		kstate_ms "$1"
		"$2" >"$KSTATE_TMP"
		# shellcheck disable=SC2034 # read by the callers (verdict_snapshot)
		read -r _ks_now KSTATE_REST <"$KSTATE_TMP"
		_ks_dt=$((KSTATE_MS - _ks_t))
		[ "$_ks_dt" -ge "$4" ] || _ks_dt=$4
		_ks_d=$((_ks_now - _ks_prev))
		[ "$_ks_d" -lt 0 ] && _ks_d=$((-_ks_d))
		[ $((_ks_d * 1000)) -lt $(($5 * _ks_dt)) ] && break
		_ks_prev=$_ks_now
		_ks_t=$KSTATE_MS
	done
	# shellcheck disable=SC2034 # read by the callers (verdict_snapshot)
	KSTATE_READINGS=$((_ks_i + 1))
	printf '%s\n' "$_ks_now"
}

# kstate_ms <proc>: KSTATE_MS, milliseconds since boot (10 ms steps) from
# <proc>/uptime, read by the shell; 0 when it cannot be read.
kstate_ms()
{
	_ks_up=0.00
	{ read -r _ks_up _ <"$1/uptime"; } 2>/dev/null || :
	case $_ks_up in
	*.*) ;;
	*) _ks_up=0.00 ;;
	esac
	_ks_f=${_ks_up#*.}00
	_ks_f=${_ks_f%"${_ks_f#???}"}
	KSTATE_MS=$((${_ks_up%%.*} * 1000 + 1$_ks_f - 1000))
}

# kstate_drain <proc> <quarantine>: the dentries and inodes that dropping
# the slab frees go into KASAN's quarantine: it is emptied after.  Memory
# is not compacted: compaction moves pages and frees none (the settled
# count changed by 1-4 pages of 484,700 over it, four readings in a
# guest), and it took 0.15 s of every settle under TCG.
kstate_drain()
{
	sync
	printf '3\n' >"$1/sys/vm/drop_caches" 2>/dev/null || :
	"$2"
	kstate_refresh "$1"
}

# kstate_running <proc> <pid>: its stat read by the shell (no fork).
kstate_running()
{
	_st=
	{ read -r _st <"$1/$2/stat"; } 2>/dev/null || return 1
	_st=${_st##*) }
	[ "${_st%% *}" != Z ]
}
