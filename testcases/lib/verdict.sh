#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Verdict checks shared by the tests.  Each one fails the test with a named
# category (lab_fail) or returns.  Sourced after lab.sh (and fault.sh for
# verdict_injection).  The console (splats) is judged on the host, and the
# guest being alive is the runner's business.
#
#   verdict_snapshot [between]  taint and settled free memory before the
#                               test; the command <between> (work the test
#                               does anyway) runs between the first two
#                               readings, in place of a nap
#   verdict_injection <failures>
#                               with an active fault profile, failures were
#                               injected (fault_injected > 0) and the module
#                               saw some (<failures> > 0; "-" when the
#                               module does not count them)
#   verdict_recovery_step <stats> <ms-run> <ms-left> [copy]
#                               a stopped recovery run's engine stats, in
#                               one read: engine_check's books; how much
#                               longer it must go on for
#                               VERDICT_RECOVERY_MIN attempts of every
#                               context and order (VERDICT_RECOVERY_MORE_MS,
#                               at most <ms-left>); once no more is wanted,
#                               the verdict: every order tried allocated,
#                               with at most VERDICT_RECOVERY_PCT %
#                               failures (0: none); VERDICT_RECOVERY_LEAST
#                               is the fewest attempts of a context and
#                               order; <copy> gets a copy of the stats
#   verdict_recovery_early <ms-run> <ms-asked>
#                               after verdict_recovery_step: a run the
#                               engine ended before <ms-asked> (enough
#                               attempts, engine_run_until) made
#                               VERDICT_RECOVERY_MIN attempts of every
#                               context and order
#   verdict_recovery_rule <hog> the rule of a recovery run after a hog
#                               (none: no hog): VERDICT_RECOVERY_PCT and
#                               VERDICT_RECOVERY_MIN (below)
#   verdict_taint [mask]        no new taint bits but O and E
#   verdict_taint_free [module start end]
#                               both checks on one read of the taint and
#                               the free pages
#   verdict_free [module start end]
#                               free memory back within VERDICT_FREE_TOL
#                               pages of the snapshot (a first reading
#                               as it is passes; a shortfall is measured
#                               settled); page_owner names the pages
#                               still held from a module's text
#   verdict_quarantine          under KASAN, empty its quarantine (freed slab
#                               objects it holds back, up to 1/32 of
#                               memory) and free the slabs that leaves empty
#
# The recovery run's rule (the cells of atomic_stress.sh): after the
# measured phase, injection off and the hog gone, every context and order
# the test stressed, all at once, for at least VERDICT_RECOVERY_MIN
# attempts each, at most RECOVERY_MS.  With a hog (its memory coming back
# while the run goes on) at most 1 % of a pair's attempts may fail, over
# 1000 attempts: a pair that fails 1 % of the time passes 58 % of the
# time, one that fails 2 % 1 %.  Without a hog nothing makes an atomic
# allocation of order <= 4 fail in a guest with 480,000 free pages (no
# natural failure in the measured phases of the no-hog cells of 19 quick
# runs, nor in engine_contexts' 70,000-140,000 attempts a run): there one
# failure is the kernel not back, and the rule is none (VERDICT_RECOVERY_PCT
# 0) over 300 attempts: a pair that fails 1 % of the time passes
# 0.99^300 = 4.9 % of the time, one that fails 2 % 0.2 %, 0.5 % 22 % (the
# 1 % rule over 1000: 58 %, 1 %, 99 %).  The smallest failure rate caught
# 95 % of the time falls from 1.7 % to 1 %.  All contexts run at once, as
# they always did: the time is the slowest pair's, the tick-bound timer's
# (recovery_rate in atomic_stress.sh gives it four times the attempts).
#
# Free memory is measured settled: page cache and slab dropped, KASAN's
# quarantine emptied (verdict_quarantine), vmstat's
# per-CPU counters folded (stat_refresh), pages on the per-CPU free lists
# counted as free, repeated until two readings VERDICT_SETTLE_STEP_MS
# (200) apart change by less than VERDICT_SETTLE_PAGES a second, for at
# most VERDICT_SETTLE_S seconds.
#
# VERDICT_PROC (/proc), VERDICT_SLAB (/sys/kernel/slab) and VERDICT_PAGE_OWNER
# point elsewhere to check these helpers against saved files; VERDICT_KASAN
# (1 or 0) says whether the kernel has KASAN, else the runner's boot record
# ($LAB_BOOT_STATE/kasan) or kallsyms does.  What it shares with the
# runner's reset.sh (kstate.sh: taint letters, KASAN, draining memory) is
# sourced from $LAB_LIB.

. "${LAB_LIB:-./lib}/kstate.sh"

VERDICT_FREE_TOL=${VERDICT_FREE_TOL:-2048}
VERDICT_SETTLE_PAGES=${VERDICT_SETTLE_PAGES:-64}
VERDICT_SETTLE_S=${VERDICT_SETTLE_S:-10}
VERDICT_SETTLE_STEP_MS=${VERDICT_SETTLE_STEP_MS:-200}
VERDICT_RECOVERY_PCT=${VERDICT_RECOVERY_PCT:-1}
VERDICT_RECOVERY_MIN=${VERDICT_RECOVERY_MIN:-1000}
VERDICT_RECOVERY_STRICT_MIN=${VERDICT_RECOVERY_STRICT_MIN:-300}
VERDICT_TAINT_OK=$((4096 | 8192))
VERDICT_TAINT0=
VERDICT_PROC=${VERDICT_PROC:-/proc}
VERDICT_PAGE_OWNER=${VERDICT_PAGE_OWNER:-/sys/kernel/debug/page_owner}
VERDICT_SLAB=${VERDICT_SLAB:-/sys/kernel/slab}
VERDICT_KASAN=${VERDICT_KASAN:-}
VERDICT_FREE0=
VERDICT_KMEMLEAK=${VERDICT_KMEMLEAK:-/sys/kernel/debug/kmemleak}
VERDICT_KMEMLEAK_REPORT=${VERDICT_KMEMLEAK_REPORT:-$VERDICT_KMEMLEAK}
VERDICT_KMEMLEAK_AGE_MS=${VERDICT_KMEMLEAK_AGE_MS:-5500}
VERDICT_KMEMLEAK_J0=
VERDICT_KMEMLEAK_MS=
VERDICT_KMEMLEAK_PRE_PID=
VERDICT_KMEMLEAK_PRE_MS=
VERDICT_TAINTED=${VERDICT_TAINTED:-/proc/sys/kernel/tainted}
VERDICT_BETWEEN=
VERDICT_FREE_NOW=
VERDICT_RECOVERY_LEAST=0
VERDICT_RECOVERY_MORE_MS=0
KSTATE_TMP=$LAB_OUT/.kstate

# verdict_memfree_pages: free pages, counting those parked on the per-CPU
# lists (free, but not in MemFree).
verdict_memfree_pages()
{
	kstate_free_pages "$VERDICT_PROC"
}

# verdict_free_taint: "<free pages> <taint mask>" in one read (the
# snapshot's readings: a fork less).
verdict_free_taint()
{
	kstate_free_pages "$VERDICT_PROC" "$VERDICT_TAINTED"
}

verdict_refresh()
{
	kstate_refresh "$VERDICT_PROC"
}

# verdict_kasan: true on a kernel with (generic) KASAN.
verdict_kasan()
{
	if [ -z "$VERDICT_KASAN" ]; then
		if [ -r "${LAB_BOOT_STATE:-/nonexistent}/kasan" ]; then
			read -r VERDICT_KASAN <"$LAB_BOOT_STATE/kasan"
		else
			VERDICT_KASAN=$(kstate_kasan_kallsyms "$VERDICT_PROC")
		fi
	fi
	[ "$VERDICT_KASAN" = 1 ]
}

# verdict_quarantine: under KASAN, every slab cache that holds slabs is
# shrunk (kstate_shrink_slabs), which empties the quarantine and frees the
# slabs that leaves empty.  Without KASAN nothing is done: the slabs' free
# pages are not worth the seconds it takes.
verdict_quarantine()
{
	verdict_kasan || return 0
	kstate_shrink_slabs "$VERDICT_SLAB"
}

# verdict_drain: page cache and slab dropped (the dentries and inodes that
# frees go into KASAN's quarantine: emptied after).
verdict_drain()
{
	kstate_drain "$VERDICT_PROC" verdict_quarantine
}

# verdict_settled_free: free pages once the drains have settled: readings
# VERDICT_SETTLE_STEP_MS apart until they change by less than
# VERDICT_SETTLE_PAGES a second (the same rate as readings a second apart).
verdict_settled_free()
{
	verdict_drain
	kstate_settle "$VERDICT_PROC" verdict_memfree_pages lab_sleep_ms \
		"$VERDICT_SETTLE_STEP_MS" "$VERDICT_SETTLE_PAGES" "$VERDICT_SETTLE_S"
}

# verdict_settle_nap <ms>: the snapshot's wait between two readings: the
# work VERDICT_BETWEEN names (once), then a nap for what is left of <ms>
# since the reading before (KSTATE_MS).  The readings stay <ms> apart and
# must agree as closely (VERDICT_SETTLE_PAGES a second): the wait is
# spent on work the test does anyway instead of a nap.
verdict_settle_nap()
{
	_vs_t=$KSTATE_MS
	if [ -n "$VERDICT_BETWEEN" ]; then
		_vb=$VERDICT_BETWEEN
		VERDICT_BETWEEN=
		eval "$_vb"
	fi
	kstate_ms "$VERDICT_PROC"
	_vn=$(($1 - (KSTATE_MS - _vs_t)))
	[ "$_vn" -le 0 ] || lab_sleep_ms "$_vn"
}

verdict_snapshot()
{
	VERDICT_BETWEEN=${1:-}
	verdict_drain
	kstate_settle "$VERDICT_PROC" verdict_free_taint verdict_settle_nap \
		"$VERDICT_SETTLE_STEP_MS" "$VERDICT_SETTLE_PAGES" "$VERDICT_SETTLE_S" \
		>"$LAB_OUT/.free0"
	read -r VERDICT_FREE0 <"$LAB_OUT/.free0"
	VERDICT_TAINT0=$KSTATE_REST
	[ -n "$VERDICT_TAINT0" ] || VERDICT_TAINT0=$(lab_tainted)
	# the work not done when the first two readings agreed at once
	[ -z "$VERDICT_BETWEEN" ] || eval "$VERDICT_BETWEEN"
	VERDICT_BETWEEN=
	lab_info "before: tainted=$VERDICT_TAINT0 free_pages=$VERDICT_FREE0 (settled: $KSTATE_READINGS readings, the first $KSTATE_FIRST)"
}

verdict_injection()
{
	fault_active || return 0
	fault_count
	_inj=$FAULT_INJECTED
	[ "$_inj" -gt 0 ] ||
		lab_skip "injection had no effect: profile $FAULT_PROFILE injected 0 failures (nothing the profile reaches allocated while it was on)"
	case $1 in
	-) ;;
	0) lab_skip "injection had no effect: $_inj failures injected, the module saw none" ;;
	esac
}

# verdict_recovery_rule <hog>: without a hog, no failure over
# VERDICT_RECOVERY_STRICT_MIN attempts; after one, the 1 % rule over
# VERDICT_RECOVERY_MIN (the reasoning is at the top of this file).
verdict_recovery_rule()
{
	[ "$1" = none ] || return 0
	VERDICT_RECOVERY_PCT=0
	VERDICT_RECOVERY_MIN=$VERDICT_RECOVERY_STRICT_MIN
}

# VERDICT_RECOVERY_AWK: verdict_recovery_step's reading of a recovery
# run's statistics: the sizing (more_ms) and the verdict (judge).  With
# ENGINE_CHECK_AWK (engine.sh) in front, it checks the books too.
# shellcheck disable=SC2016 # awk's own variables
VERDICT_RECOVERY_AWK='
/^ctx=/ && / order=/ {
	ctx = ""; o = ""; a = 0; s = 0; f = 0
	for (i = 1; i <= NF; i++) {
		split($i, kv, "=")
		if (kv[1] == "ctx") ctx = kv[2]
		else if (kv[1] == "order") o = kv[2]
		else if (kv[1] == "attempts") a = kv[2] + 0
		else if (kv[1] == "successes") s = kv[2] + 0
		else if (kv[1] == "failures") f = kv[2] + 0
	}
	# Orders a context did not try (rx_ring falls back only on failure)
	# say nothing; the sizing counts every other pair, tried or not.
	if (!(ctx == "rx_ring" && a == 0)) {
		if (!np++ || a < least)
			least = a
		if (a < min) {
			need = a > 0 ? (min - a) * ran / a : left
			if (need > most)
				most = need
		}
	}
	if (a == 0)
		next
	n++
	# the first problem is the verdict
	if (bad != "")
		next
	if (s == 0)
		bad = sprintf("ctx=%s order=%s: no allocation succeeded (%d attempts)", ctx, o, a)
	else if (f * 100 > a * pct)
		bad = sprintf("ctx=%s order=%s: %d of %d allocations failed (at most %s%% may)", ctx, o, f, a, pct)
}
function more_ms() {
	if (most > 0)
		most = int((most * 1.1 + 99) / 100) * 100
	return (most > left ? left : most) + 0
}
function judge() {
	if (bad != "")
		return bad
	if (n == 0)
		return "the recovery run made no allocations"
	return ""
}
'

# verdict_recovery_step <stats> <ms-run> <ms-left> [copy]: one read of a
# stopped recovery run's statistics for all it decides: the engine's books
# (engine_check's categories, with ENGINE_CHECK_AWK from engine.sh), then
# how much longer to run (VERDICT_RECOVERY_MORE_MS: VERDICT_RECOVERY_MIN
# attempts of every pair at the slowest pair's rate, a tenth more, in
# steps of 100 ms, at most <ms-left>; a failure that no longer run can
# undo, under the rule of no failures, is judged at once), and once no
# more is wanted the verdict.  VERDICT_RECOVERY_LEAST: the fewest attempts.
verdict_recovery_step()
{
	_chk=${ENGINE_CHECK_AWK:-'function chk_line() {} function chk_end() { return "" }'}
	_rc=0
	awk -v pct="$VERDICT_RECOVERY_PCT" -v min="$VERDICT_RECOVERY_MIN" -v ran="$2" \
		-v left="$3" -v copy="${4:-}" "$_chk"'
	{ chk_line() }
	copy != "" { print >copy }
	'"$VERDICT_RECOVERY_AWK"'
	END {
		m = chk_end()
		if (m != "") {
			print "check", m
			exit 1
		}
		ms = more_ms()
		if (ms > 0 && !(pct == 0 && bad != "")) {
			print "more", ms, least + 0
			exit 0
		}
		m = judge()
		if (m != "") {
			print "recovery", m
			exit 1
		}
		print "done", 0, least + 0
	}' "$1" >"$LAB_OUT/.recovery" || _rc=$?
	read -r _kind _rest <"$LAB_OUT/.recovery" || _kind=
	case $_kind in
	check) lab_fail "${_rest%%: *}" "${_rest#*: }" ;;
	recovery) lab_fail recovery "$_rest after injection stopped and the hog was released" ;;
	more | done) ;;
	*) lab_fail setup "the recovery run's statistics could not be read (status $_rc)" ;;
	esac
	# shellcheck disable=SC2034 # read by the tests (atomic_stress)
	VERDICT_RECOVERY_MORE_MS=${_rest% *}
	# shellcheck disable=SC2034 # read by the tests (atomic_stress)
	VERDICT_RECOVERY_LEAST=${_rest#* }
}

# verdict_recovery_early <ms-run> <ms-asked>: the engine ends a run by
# itself before its time only once every context and order made the
# attempts asked; one that ended early with fewer would pass a recovery
# verdict on less than its rule (the fewest attempts,
# VERDICT_RECOVERY_LEAST, from verdict_recovery_step's read).
verdict_recovery_early()
{
	[ "$1" -lt "$2" ] || return 0
	[ "$VERDICT_RECOVERY_LEAST" -ge "$VERDICT_RECOVERY_MIN" ] ||
		lab_fail timing "the engine ended the recovery run at $1 ms of $2 with $VERDICT_RECOVERY_LEAST attempts of a context and order, fewer than the $VERDICT_RECOVERY_MIN asked"
}

# verdict_taint [mask]: the mask read now (lab_tainted), or the one given.
verdict_taint()
{
	_now=${1:-}
	[ -n "$_now" ] || _now=$(lab_tainted)
	_new=$((_now & ~VERDICT_TAINT0 & ~VERDICT_TAINT_OK))
	[ "$_new" -eq 0 ] ||
		lab_fail taint "new taint bits $_new ($(kstate_taint_letters "$_new")), tainted=$_now"
}

# verdict_owner_pages <start> <end>: pages page_owner says are still
# allocated from a call stack through [start, end) (hex addresses, as
# printed once the module is gone).
verdict_owner_pages()
{
	[ -r "$VERDICT_PAGE_OWNER" ] || return 1
	# page_owner wants reads big enough for a whole record: cat's.
	# shellcheck disable=SC2002
	cat "$VERDICT_PAGE_OWNER" | awk -v lo="$1" -v hi="$2" '
	function hex16(s) {
		sub(/^0x/, "", s)
		s = tolower(s)
		while (length(s) < 16)
			s = "0" s
		return s
	}
	BEGIN { lo = hex16(lo); hi = hex16(hi) }
	/^Page allocated via order / {
		if (hit)
			pages += size
		size = 1
		for (o = $5 + 0; o > 0; o--)
			size *= 2
		hit = 0
		next
	}
	!hit && $1 ~ /^0x[0-9a-f]+$/ {
		a = hex16($1)
		if (a >= lo && a < hi)
			hit = 1
	}
	END {
		if (hit)
			pages += size
		print pages + 0
	}'
}

verdict_free()
{
	[ -n "$VERDICT_FREE0" ] || lab_fail setup "verdict_free without verdict_snapshot"
	# A first reading as it is: dropping caches and emptying the
	# quarantine only add free pages, so a reading within the
	# tolerance passes as the settled one would; only a shortfall is
	# measured settled, and only that decides a failure.
	# (through a file: a command substitution of a function forks twice;
	# verdict_taint_free's reading when it made one)
	if [ -n "$VERDICT_FREE_NOW" ]; then
		_after=$VERDICT_FREE_NOW
		VERDICT_FREE_NOW=
	else
		verdict_refresh
		verdict_memfree_pages >"$LAB_OUT/.free1"
		read -r _after <"$LAB_OUT/.free1"
	fi
	_how=unsettled
	if [ $((VERDICT_FREE0 - _after)) -gt "$VERDICT_FREE_TOL" ]; then
		verdict_settled_free >"$LAB_OUT/.free1"
		read -r _after <"$LAB_OUT/.free1"
		_how=settled
	fi
	_lost=$((VERDICT_FREE0 - _after))
	lab_info "after: free_pages=$_after ($_how; before $VERDICT_FREE0, $_lost not returned, tolerance $VERDICT_FREE_TOL)"
	lab_data "sum test=$LAB_TAG free_before=$VERDICT_FREE0 free_after=$_after pages_lost=$_lost tolerance=$VERDICT_FREE_TOL free_after_read=$_how"
	[ "$_lost" -gt "$VERDICT_FREE_TOL" ] || return 0
	_who=
	if [ $# -eq 3 ] && _owned=$(verdict_owner_pages "$2" "$3"); then
		_who=", page_owner: $_owned pages allocated from $1"
	fi
	lab_fail leak "$_lost pages not returned (tolerance $VERDICT_FREE_TOL)$_who"
}

# verdict_taint_free [module start end]: verdict_taint and verdict_free
# on one read of the taint and the free pages (a fork less).
verdict_taint_free()
{
	verdict_refresh
	verdict_free_taint >"$LAB_OUT/.free1"
	read -r VERDICT_FREE_NOW _vt <"$LAB_OUT/.free1"
	verdict_taint "$_vt"
	verdict_free "$@"
}

# verdict_jiffies: the kernel's jiffies now (kmemleak stamps objects with
# the jiffies of their allocation).
verdict_jiffies()
{
	awk '$1 == "jiffies:" { print $2; exit }' "$VERDICT_PROC/timer_list"
}

# verdict_kmemleak_begin: objects allocated from now on
# (VERDICT_KMEMLEAK_J0, jiffies) are the test's; a clear forgets the
# reports kmemleak already holds (boot, earlier tests).
verdict_kmemleak_begin()
{
	VERDICT_KMEMLEAK_J0=
	if [ ! -w "$VERDICT_KMEMLEAK" ] ||
		! { printf 'clear\n' >"$VERDICT_KMEMLEAK"; } 2>/dev/null; then
		lab_info "kmemleak: not available (no $VERDICT_KMEMLEAK, or kmemleak is off), slab leaks go unseen"
		return 0
	fi
	VERDICT_KMEMLEAK_J0=$(verdict_jiffies)
	lab_info "kmemleak: objects allocated from jiffies $VERDICT_KMEMLEAK_J0 on are this test's"
}

# verdict_kmemleak_scan: one scan; its milliseconds in VERDICT_KMEMLEAK_MS.
verdict_kmemleak_scan()
{
	lab_now
	_t0=$LAB_NOW_MS
	{ printf 'scan\n' >"$VERDICT_KMEMLEAK"; } 2>/dev/null || return 1
	lab_now
	VERDICT_KMEMLEAK_MS=$((LAB_NOW_MS - _t0))
}

# verdict_kmemleak_names <module> <start> <end>: keep the module's text
# symbols while it is loaded, so that bare addresses in reports made after
# the unload get names.
verdict_kmemleak_names()
{
	[ -n "$VERDICT_KMEMLEAK_J0" ] || return 0
	awk -v m="[$1]" -v lo="$2" -v hi="$3" '
	BEGIN { print "range", lo, hi }
	$NF == m && $2 ~ /^[tT]$/ { print $1, $3 }' \
		"$VERDICT_PROC/kallsyms" >"$LAB_OUT/.kmemleak.syms" 2>/dev/null || :
}

# verdict_kmemleak_prescan: start the first of the two scans a leak needs
# (kmemleak holds back an object whose contents changed since the scan
# before, and a new one's always have), in the background: after the
# unload, so that what the module held until then counts too; it runs
# while the free-page check settles.
verdict_kmemleak_prescan()
{
	[ -n "$VERDICT_KMEMLEAK_J0" ] || return 0
	(
		verdict_kmemleak_scan || exit 0
		printf '%s\n' "$VERDICT_KMEMLEAK_MS" >"$LAB_OUT/.kmemleak.pre"
	) &
	VERDICT_KMEMLEAK_PRE_PID=$!
}

# verdict_kmemleak_parse <j0> <tally> [module]: copy the reports of
# objects allocated at or after jiffies <j0> from stdin to stdout; write
# to <tally> one line per allocation site, "count size site", most first.
# The site is the backtrace's first frame outside the allocator; a bare
# address is named from the module's symbols kept by the prescan, else
# said to be the module's code that is no longer loaded (its init).
verdict_kmemleak_parse()
{
	awk -v j0="$1" -v tally="$2" -v mod="${3:-}" -v syms="$LAB_OUT/.kmemleak.syms" '
	function hex16(s) {
		sub(/^0x/, "", s)
		s = tolower(s)
		while (length(s) < 16)
			s = "0" s
		return s
	}
	function name(a,    i, best) {
		a = hex16(a)
		best = 0
		if (lo != "" && a >= lo && a < hi)
			for (i = 1; i <= ns; i++)
				if (sa[i] <= a && (!best || sa[i] > sa[best]))
					best = i
		if (best)
			return sn[best] " [" mod "]"
		return mod != "" ? mod " (code no longer loaded)" : a
	}
	function flush() {
		if (rec != "" && jf + 0 >= j0 + 0) {
			printf "%s", rec
			n[size " " site]++
		}
		rec = ""; site = ""; jf = 0; bt = 0
	}
	BEGIN {
		while ((getline l < syms) > 0) {
			split(l, f, " ")
			if (f[1] == "range") {
				lo = hex16(f[2])
				hi = hex16(f[3])
				continue
			}
			ns++
			sa[ns] = hex16(f[1])
			sn[ns] = f[2]
		}
	}
	/^unreferenced object / {
		flush()
		size = $0
		sub(/.*\(size /, "", size)
		sub(/\).*/, "", size)
	}
	{ rec = rec $0 "\n" }
	/^  comm .* jiffies [0-9]+/ { jf = $NF }
	/^  backtrace/ { bt = 1; next }
	bt && site == "" && NF {
		fn = $1
		sub(/\+0x.*/, "", fn)
		if (fn ~ /_noprof$/ || fn ~ /^_*(kmalloc|kmem_cache|kzalloc|kcalloc|krealloc|kvmalloc|kvzalloc|kmemdup|kstrdup|kmemleak|slab_|new_slab|allocate_slab|alloc_pages|alloc_slab)/)
			next
		if (fn ~ /^0x[0-9a-f]+$/)
			site = name(fn)
		else if ($NF ~ /^\[[A-Za-z0-9_]+\]$/)
			site = fn " " $NF
		else
			site = fn
	}
	END {
		flush()
		for (k in n)
			print n[k], k | "sort -rn >\"" tally "\""
	}'
}

# verdict_kmemleak <since-ms> [module]: once the objects allocated up to
# since-ms (uptime) are old enough for kmemleak to report them
# (MSECS_MIN_AGE, 5 s), scan again and fail the test with category leak
# when objects allocated during the test are unreferenced.  The reports
# go to the test's output and $LAB_OUT/kmemleak.txt; the title names the
# allocation site.
verdict_kmemleak()
{
	[ -n "$VERDICT_KMEMLEAK_J0" ] || return 0
	if [ -n "$VERDICT_KMEMLEAK_PRE_PID" ]; then
		wait "$VERDICT_KMEMLEAK_PRE_PID" || :
	else
		verdict_kmemleak_scan || :
		printf '%s\n' "$VERDICT_KMEMLEAK_MS" >"$LAB_OUT/.kmemleak.pre"
	fi
	VERDICT_KMEMLEAK_PRE_MS=$(cat "$LAB_OUT/.kmemleak.pre" 2>/dev/null || :)
	lab_now
	_wait=$(($1 + VERDICT_KMEMLEAK_AGE_MS - LAB_NOW_MS))
	[ "$_wait" -le 0 ] || sleep "$(((_wait + 999) / 1000))"
	if ! verdict_kmemleak_scan; then
		lab_info "kmemleak: scan refused (kmemleak turned itself off), slab leaks go unseen"
		return 0
	fi
	cat "$VERDICT_KMEMLEAK_REPORT" >"$LAB_OUT/.kmemleak" 2>/dev/null || :
	printf 'clear\n' >"$VERDICT_KMEMLEAK" 2>/dev/null || :
	[ -f "$LAB_OUT/.kmemleak.syms" ] || : >"$LAB_OUT/.kmemleak.syms"
	verdict_kmemleak_parse "$VERDICT_KMEMLEAK_J0" "$LAB_OUT/.kmemleak.sites" "${2:-}" \
		<"$LAB_OUT/.kmemleak" >"$LAB_OUT/kmemleak.txt"
	_n=$(grep -c '^unreferenced object ' "$LAB_OUT/kmemleak.txt" || :)
	lab_info "kmemleak: scans took ${VERDICT_KMEMLEAK_PRE_MS:--} and $VERDICT_KMEMLEAK_MS ms, $_n unreferenced objects allocated during the test"
	lab_data "sum test=$LAB_TAG kmemleak_objects=$_n kmemleak_prescan_ms=${VERDICT_KMEMLEAK_PRE_MS:-0} kmemleak_scan_ms=$VERDICT_KMEMLEAK_MS kmemleak_wait_ms=$((_wait > 0 ? _wait : 0))"
	[ "$_n" -gt 0 ] || return 0
	sed 's/^/# kmemleak site: /' "$LAB_OUT/.kmemleak.sites"
	head -n 40 "$LAB_OUT/kmemleak.txt" | sed 's/^/# /'
	read -r _cnt _size _site <"$LAB_OUT/.kmemleak.sites" || :
	lab_fail leak "kmemleak: unreferenced object (size $_size) allocated in ${_site:-an unknown place}"
}
