#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The runner's half of a test's lifecycle (sourced by runner.sh, never by a
# test): what the guest looked like at boot, putting it back after every
# test whatever the test did, and the checks that decide whether the next
# test needs a fresh guest.
#
#   reset_record              before the first test: every fault knob,
#                             loaded modules, taint, lockdep, kmemleak,
#                             KASAN (kasan: 1 or 0, read by verdict.sh too)
#                             and settled free memory, into $RESET_DIR
#   reset_ps <mode> <arg> [before]
#                             "pid state comm" of live user processes:
#                             mode all: every one; mode session: those of
#                             session <arg>; mode strays: those outside
#                             session <arg> and not listed in the file
#                             <before>
#   reset_stop <mode> <arg> <grace> [before]
#                             TERM them (and process group <arg> in mode
#                             session), KILL what is left after <grace>
#                             seconds; one that survives KILL needs a
#                             restart
#   reset_watchdog <sid> <timeout> <grace> <flag>
#                             at <timeout> seconds, reset_stop the session;
#                             <flag> says TERM or KILL
#   reset_modules             unload every module not loaded at boot
#   reset_knobs               every fault knob back to its boot value
#   reset_early               right after the test: the state's read and
#                             the detector probes, in the background
#   reset_all [stopped]       modules, knobs, detectors (with reset_early's
#                             readings when <stopped> is 0: no stray)
#   reset_detectors           lockdep on, no new taint (but O and E),
#                             kmemleak, KFENCE and debugobjects on, free
#                             memory back within RESET_FREE_TOL pages of
#                             the boot baseline
#   reset_result <status> <timeout> <grace> <out>
#                             the test's facts for its RESULT line
#
# Whatever only a fresh guest can fix is appended, one short reason a line,
# to $RESET_DIR/restart; reset_reasons prints them joined.  RESET_COUNT
# counts what the reset undid (processes, modules, knobs).
#
# RESET_PROC, RESET_DEBUGFS, RESET_SLAB, RESET_RMMOD and RESET_DMESG point
# elsewhere to check these helpers against saved files.  What it shares
# with verdict.sh (kstate.sh: taint letters, KASAN, draining memory) is
# sourced from LAB_LIB, the guest's library folder (/lab/testcases/lib).

. "${LAB_LIB:-/lab/testcases/lib}/kstate.sh"

RESET_DIR=${RESET_DIR:-/tmp/lab-boot}
RESET_PROC=${RESET_PROC:-/proc}
RESET_DEBUGFS=${RESET_DEBUGFS:-/sys/kernel/debug}
RESET_RMMOD=${RESET_RMMOD:-rmmod}
RESET_SLAB=${RESET_SLAB:-/sys/kernel/slab}
RESET_DMESG=${RESET_DMESG:-dmesg}
RESET_FAULTS=${RESET_FAULTS:-fail_page_alloc failslab}
RESET_FREE_TOL=${RESET_FREE_TOL:-4096}
RESET_SETTLE_PAGES=${RESET_SETTLE_PAGES:-64}
RESET_SETTLE_S=${RESET_SETTLE_S:-10}
RESET_SETTLE_STEP_MS=${RESET_SETTLE_STEP_MS:-200}
RESET_RMMOD_S=${RESET_RMMOD_S:-15}
RESET_EARLY_MS=${RESET_EARLY_MS:-10000}
RESET_TAINT_OK=$((4096 | 8192))
RESET_COUNT=0
# what reset_all undid (read by the runner)
# shellcheck disable=SC2034
RESET_MODS=0
# shellcheck disable=SC2034
RESET_KNOBS=0
RESET_PS=$RESET_DIR/.ps
KSTATE_TMP=$RESET_PS.kstate

reset_restart()
{
	printf '%s\n' "$*" >>"$RESET_DIR/restart"
}

reset_reasons()
{
	[ -s "$RESET_DIR/restart" ] || return 0
	awk 'NR > 1 { printf ", " } { printf "%s", $0 } END { print "" }' "$RESET_DIR/restart"
}

# reset_uptime_ds: RESET_DS, tenths of a second since boot (a variable,
# not printed: a command substitution forks).
reset_uptime_ds()
{
	read -r _up _ <"$RESET_PROC/uptime"
	_f=${_up#*.}
	RESET_DS=$((${_up%%.*} * 10 + ${_f%"${_f#?}"}))
}


# reset_nap <ms>: a nap that long.  Where the shell's read has a timeout
# (busybox ash: read -t on a FIFO no one writes), without a fork: the
# reset's polls take one, and a fork of "sleep" costs a tenth of a second
# or more under TCG.
RESET_NAP=
reset_nap()
{
	if [ -z "$RESET_NAP" ]; then
		_rc=0
		# shellcheck disable=SC3045 # the probe: 2 where read has no -t
		read -r -t 0 _x </dev/null 2>/dev/null || _rc=$?
		RESET_NAP=none
		if [ "$_rc" -ne 2 ] && mkdir -p "$RESET_DIR" &&
			{ [ -p "$RESET_DIR/.nap" ] || mkfifo "$RESET_DIR/.nap" 2>/dev/null; }; then
			RESET_NAP=$RESET_DIR/.nap
		fi
	fi
	_ms=$1
	_frac=$((_ms % 1000 + 1000))
	_secs=$((_ms / 1000)).${_frac#1}
	if [ "$RESET_NAP" = none ]; then
		sleep "$_secs"
		return 0
	fi
	# shellcheck disable=SC3045 # only where the shell has read -t
	read -r -t "$_secs" _x <>"$RESET_NAP" || :
}

# reset_await <file> <ms>: true once the file's last line is "done", false
# after <ms> milliseconds without it.  The naps grow from 10 ms.
reset_await()
{
	_aw=0
	_an=10
	while :; do
		_al=
		while IFS= read -r _l; do
			_al=$_l
		done <"$1"
		[ "$_al" != 'done' ] || return 0
		[ "$_aw" -lt "$2" ] || return 1
		reset_nap "$_an"
		_aw=$((_aw + _an))
		[ "$_an" -ge 160 ] || _an=$((_an * 2))
	done
}

# --- processes -------------------------------------------------------------

# reset_ps <mode> <arg> [before]: "pid state comm" of live user processes
# (not init, not kernel threads, not zombies, not this shell).  One awk
# reads the stat files (a fork costs tens of milliseconds under TCG); a
# process that ends between the glob and the read is skipped.
#
# Modes all and strays leave a mark, RESET_MARK: the last pid given and
# the forks so far (/proc/loadavg's last field, /proc/stat's "processes")
# when the reading began; mode strays only when it found none.  Mode strays reads only the pids above the
# previous mark, when the mark shows that the pid counter cannot have
# wrapped since (below): every process started since has a pid above
# it, and one from before was read then (a stray then was stopped, or
# its survival asked for a fresh guest).  Under TCG the kernel takes
# about half a millisecond for a stat file, and most pids are kernel
# threads.
#   The counter gives pids upwards from the mark; past pid_max it starts
# again at 300 (RESERVED_PIDS), skipping pids in use.  To come back to or
# above the mark it must have given at least (pid_max - 301) - 2 x (tasks
# alive) pids.  So with fewer than (pid_max - 301) / 4 tasks alive, fewer
# than (pid_max - 301) / 2 forks since the mark and a last pid not below
# it, it did not wrap.  Anything else reads every pid.
RESET_MARK=$RESET_DIR/.pidmark
reset_ps()
{
	_mk=/dev/null
	case $1 in all | strays) _mk=$RESET_MARK ;; esac
	# shellcheck disable=SC2016 # awk's own variables
	awk -v mode="$1" -v arg="$2" -v me="$$" -v before="${3:-/dev/null}" \
		-v mark="$_mk" -v proc="$RESET_PROC" '
		function mark_now(    l, w) {
			last = -1; forks = -1; tasks = -1; pmax = -1
			if ((getline l < (proc "/loadavg")) > 0) {
				split(l, w, " ")
				last = w[5]
				sub(/^[^\/]*\//, "", w[4])
				tasks = w[4]
			}
			while ((getline l < (proc "/stat")) > 0)
				if (l ~ /^processes /) {
					split(l, w, " ")
					forks = w[2]
				}
			if ((getline l < (proc "/sys/kernel/pid_max")) > 0)
				pmax = l
			ok = last ~ /^[0-9]+$/ && forks ~ /^[0-9]+$/ && tasks ~ /^[0-9]+$/ && pmax ~ /^[0-9]+$/
		}
		function one(l,    c, f, pid, state, ppid, sid) {
			c = l; sub(/^[^(]*\(/, "", c); sub(/\) [^)]*$/, "", c)
			pid = l; sub(/ .*/, "", pid)
			sub(/^.*\) /, "", l)
			split(l, f, " ")
			state = f[1]; ppid = f[2]; sid = f[4]
			if (pid == 1 || pid == 2 || ppid == 2 || state == "Z" || pid == me)
				return
			if (mode == "all" || (mode == "session" && sid == arg) ||
			    (mode == "strays" && sid != arg && !(pid in known))) {
				print pid, state, c
				found = 1
			}
		}
		BEGIN {
			while ((getline l < before) > 0) { split(l, w, " "); known[w[1]] = 1 }
			from = 0
			if (mark != "/dev/null") {
				m0 = ""
				if (mode == "strays")
					getline m0 < mark
				close(mark)
				mark_now()
				split(m0, w, " ")
				if (ok && w[1] ~ /^[0-9]+$/ && w[2] ~ /^[0-9]+$/ &&
				    last + 0 >= w[1] + 0 && (forks - w[2]) * 2 < pmax - 301 &&
				    tasks * 4 < pmax - 301)
					from = w[1] + 1
			}
			for (i = 1; i < ARGC; i++) {
				if (from) {
					p = ARGV[i]
					sub(/\/stat$/, "", p)
					sub(/^.*\//, "", p)
					if (p + 0 < from)
						continue
				}
				if ((getline l < ARGV[i]) > 0)
					one(l)
				close(ARGV[i])
			}
			# the mark moves on once no stray is left: until then
			# reset_wait_gone reads from the same one
			if (mark != "/dev/null" && (mode == "all" || !found)) {
				if (ok)
					print last, forks > mark
				else
					printf "" > mark
				close(mark)
			}
			exit
		}' "$RESET_PROC"/[0-9]*/stat
}

# reset_signal <sig> <mode> <arg> [before]: signal them; RESET_N is how
# many there were.
reset_signal()
{
	_sig=$1
	shift
	[ "$1" = session ] && kill "-$_sig" "-$2" 2>/dev/null
	reset_ps "$@" >"$RESET_PS"
	RESET_N=0
	while read -r _p _; do
		kill "-$_sig" "$_p" 2>/dev/null && RESET_N=$((RESET_N + 1))
	done <"$RESET_PS"
	return 0
}

# reset_wait_gone <tenths> <mode> <arg> [before]: true once none is left.
reset_wait_gone()
{
	reset_uptime_ds
	_until=$((RESET_DS + $1))
	shift
	# naps from 10 ms up to 100: a process that obeys goes at once
	_n=10
	while reset_ps "$@" >"$RESET_PS" && [ -s "$RESET_PS" ]; do
		reset_uptime_ds
		[ "$RESET_DS" -lt "$_until" ] || return 1
		reset_nap "$_n"
		[ "$_n" -ge 100 ] || _n=$((_n * 2))
	done
}

reset_stop()
{
	_m=$1
	_a=$2
	_g=$3
	_b=${4:-/dev/null}
	reset_signal TERM "$_m" "$_a" "$_b"
	[ "$RESET_N" -gt 0 ] || return 0
	RESET_COUNT=$((RESET_COUNT + RESET_N))
	reset_wait_gone $((_g * 10)) "$_m" "$_a" "$_b" && return 0
	[ -z "${RESET_KILL_FLAG:-}" ] || echo KILL >"$RESET_KILL_FLAG"
	reset_signal KILL "$_m" "$_a" "$_b"
	reset_wait_gone 30 "$_m" "$_a" "$_b" && return 1
	while read -r _p _st _c; do
		reset_restart "process $_p ($_c) would not die"
	done <"$RESET_PS"
	return 1
}

reset_watchdog()
{
	reset_uptime_ds
	_end=$((RESET_DS + $2 * 10))
	# naps of the shell (reset_nap), not a "sleep" to fork every second
	while [ "$RESET_DS" -lt "$_end" ]; do
		reset_nap 1000
		reset_uptime_ds
	done
	echo TERM >"$4"
	RESET_KILL_FLAG=$4
	RESET_PS=$RESET_DIR/.ps.watchdog
	reset_stop session "$1" "$3" || :
}

# --- modules ---------------------------------------------------------------

# reset_new_modules: loaded now, not at boot; unused ones first.
reset_new_modules()
{
	awk -v boot="$RESET_DIR/modules" '
		BEGIN { while ((getline l < boot) > 0) { split(l, w, " "); known[w[1]] = 1 } }
		$1 in known { next }
		$3 == "0" { free = free $1 "\n"; next }
		{ used = used $1 "\n" }
		END { printf "%s%s", free, used }' "$RESET_PROC/modules" 2>/dev/null
}

# reset_running <pid>: the process is alive and not a zombie.
reset_running()
{
	kstate_running "$RESET_PROC" "$1"
}

# reset_rmmod <name>: 0 unloaded, 1 refused, 2 still running after
# RESET_RMMOD_S seconds (a module exit that never returns).
reset_rmmod()
{
	"$RESET_RMMOD" "$1" >/dev/null 2>&1 &
	_rp=$!
	reset_uptime_ds
	_until=$((RESET_DS + RESET_RMMOD_S * 10))
	_n=10
	while reset_running "$_rp"; do
		reset_uptime_ds
		if [ "$RESET_DS" -ge "$_until" ]; then
			reset_restart "module $1 would not unload (rmmod hung)"
			return 2
		fi
		reset_nap "$_n"
		[ "$_n" -ge 100 ] || _n=$((_n * 2))
	done
	wait "$_rp" && return 0
	return 1
}

reset_modules()
{
	[ -r "$RESET_PROC/modules" ] || return 0
	# Modules that use each other go in several passes.
	_pass=0
	while [ "$_pass" -lt 8 ]; do
		_mods=$(reset_new_modules)
		[ -n "$_mods" ] || return 0
		_done=0
		for _m in $_mods; do
			_rc=0
			reset_rmmod "$_m" || _rc=$?
			[ "$_rc" -eq 2 ] && return 0
			[ "$_rc" -eq 0 ] && { _done=$((_done + 1)); RESET_COUNT=$((RESET_COUNT + 1)); }
		done
		[ "$_done" -gt 0 ] || break
		_pass=$((_pass + 1))
	done
	for _m in $(reset_new_modules); do
		reset_restart "module $_m would not unload"
	done
}

# --- fault knobs -----------------------------------------------------------

# reset_knobs_changed: "file boot-value now-value" of every knob that
# differs from its boot value, probability first, so nothing fails while
# the rest changes.  Values are single words.  reset_scan's knob lines.
reset_knobs_changed()
{
	reset_scan knobs
}

# reset_knobs: every knob back; one that does not take its value needs a
# restart.
reset_knobs()
{
	[ -s "$RESET_DIR/knobs" ] || return 0
	reset_knobs_changed >"$RESET_PS"
	[ -s "$RESET_PS" ] || return 0
	while read -r _f _v _; do
		printf '%s\n' "$_v" >"$_f" 2>/dev/null || :
		RESET_COUNT=$((RESET_COUNT + 1))
	done <"$RESET_PS"
	reset_knobs_changed >"$RESET_PS"
	while read -r _f _v _now; do
		reset_restart "fault knob ${_f#"$RESET_DEBUGFS"/} stuck at $_now"
	done <"$RESET_PS"
}

# --- detectors -------------------------------------------------------------

# reset_state: "tainted debug_locks free kfence" now, in one read (a fork
# costs under TCG): debug_locks is 1, 0 or none (no lockdep); free pages
# count those on the per-CPU lists (free, but not in MemFree), as
# verdict.sh reads them; kfence is on, off or none (reset_kfence_state).
# reset_scan's state line, without the modules and the knobs.
reset_state()
{
	reset_scan state
}

reset_free_pages()
{
	kstate_free_pages "$RESET_PROC"
}

# reset_kmemleak_state: on, off or none.  A kmemleak disabled at run time
# (after an error, or "off") keeps its debugfs file but refuses every
# command but "clear" with EPERM; an enabled one answers an unknown command
# with EINVAL (mm/kmemleak.c, kmemleak_write).  One disabled at boot has no
# file.  The write waits for a scan in progress (scan_mutex; the first
# automatic scan runs a minute after boot and takes seconds): a probe that
# has no answer within a second meets a scan, so kmemleak is on.  (echo,
# not printf: busybox's printf is silent about write errors.)  The probe
# runs in the background (reset_kmemleak_probe) while the caller does
# other work, and reset_kmemleak_answer waits for its answer.
reset_kmemleak_state()
{
	reset_kmemleak_probe
	reset_kmemleak_answer
}

# reset_kmemleak_probe [file]: start the probe, its answer into the file
# (default $RESET_PS.kmemleak; RESET_KMEMLEAK_PROBE: none when there is
# no kmemleak file).
reset_kmemleak_probe()
{
	RESET_KMEMLEAK_PROBE=none
	_k=$RESET_DEBUGFS/kmemleak
	[ -e "$_k" ] || return 0
	RESET_KMEMLEAK_PROBE=${1:-$RESET_PS.kmemleak}
	# The refused write must not end the subshell under set -e (the
	# runner's): then no answer came, and a second went by for nothing.
	# The answer is whole once its last line "done" is written (shell
	# built-ins only: no rm or mv to fork; emptied here, before the
	# probe starts).
	: >"$RESET_KMEMLEAK_PROBE"
	({ echo labyrinth-probe >"$_k" || :; } 2>>"$RESET_KMEMLEAK_PROBE"
		echo 'done' >>"$RESET_KMEMLEAK_PROBE") &
}

# reset_kmemleak_read <file>: RESET_KMEMLEAK_MSG, the probe's answer
# (its first line), once the line "done" ends it; false before.
reset_kmemleak_read()
{
	RESET_KMEMLEAK_MSG=
	_first=1
	while IFS= read -r _l; do
		[ "$_l" != 'done' ] || return 0
		[ -z "$_first" ] || RESET_KMEMLEAK_MSG=$_l
		_first=
	done <"$1"
	return 1
}

# reset_kmemleak_answer: on, off or none, once the probe answered or a
# second went by (reset_await: the answer comes within milliseconds
# unless a scan holds kmemleak's lock).
reset_kmemleak_answer()
{
	[ "$RESET_KMEMLEAK_PROBE" != none ] || { echo none; return 0; }
	RESET_KMEMLEAK_MSG=
	! reset_await "$RESET_KMEMLEAK_PROBE" 1000 ||
		reset_kmemleak_read "$RESET_KMEMLEAK_PROBE" || :
	reset_kmemleak_word "$RESET_KMEMLEAK_MSG"
}

reset_kmemleak_word()
{
	case $1 in
	*'not permitted'*) echo off ;;
	*) echo on ;;
	esac
}

# reset_kfence_state: on, off or none.  KFENCE turns itself off for good
# on its own internal warnings (KFENCE_WARN_ON), and sample_interval=0
# turns it off: its debugfs stats say "enabled: 0" then.
reset_kfence_state()
{
	_s=$RESET_DEBUGFS/kfence/stats
	[ -r "$_s" ] || { echo none; return 0; }
	awk '$1 == "enabled:" { on = ($2 == 1) } END { print on ? "on" : "off" }' "$_s"
}

# reset_odebug_state: on, off or none.  debugobjects turns itself off for
# the rest of the boot when it cannot allocate its tracking objects (which
# fault injection can make happen) and says so once in the kernel log
# (lib/debugobjects.c, debug_objects_oom); it has no knob that tells.
reset_odebug_state()
{
	[ -e "$RESET_DEBUGFS/debug_objects/stats" ] || { echo none; return 0; }
	if "$RESET_DMESG" 2>/dev/null | grep -q 'ODEBUG: Out of memory. ODEBUG disabled'; then
		echo off
	else
		echo on
	fi
}

# reset_boot_log: "<odebug> <kasan>" from one read of the kernel log:
# odebug as reset_odebug_state says it; kasan 1 on a kernel with
# (generic) KASAN, else 0.  KASAN's banner ("KernelAddressSanitizer
# initialized") is in the boot log as long as the log still begins with
# the kernel's first line; else kallsyms says (its function
# kasan_quarantine_reduce), which takes seconds to read under TCG.
reset_boot_log()
{
	_od=none
	[ -e "$RESET_DEBUGFS/debug_objects/stats" ] && _od=on
	"$RESET_DMESG" 2>/dev/null | awk -v od="$_od" '
		NR == 1 { whole = index($0, "Linux version") > 0 }
		/KernelAddressSanitizer initialized/ { k = 1 }
		od == "on" && /ODEBUG: Out of memory\. ODEBUG disabled/ { od = "off" }
		END { print od, k ? 1 : whole ? 0 : "" }' >"$RESET_PS.log"
	read -r _od _v <"$RESET_PS.log" || :
	[ -n "$_v" ] || _v=$(kstate_kasan_kallsyms "$RESET_PROC")
	printf '%s %s\n' "$_od" "$_v"
}

# reset_quarantine: under KASAN, free the objects its quarantine holds back
# (up to 1/32 of memory) and the slabs that leaves empty: shrink every slab
# cache that holds slabs (kstate_shrink_slabs: kmem_cache_shrink
# calls kasan_cache_shrink).  The boot record says whether there is KASAN.
reset_quarantine()
{
	_k=0
	[ -s "$RESET_DIR/kasan" ] && read -r _k <"$RESET_DIR/kasan"
	[ "$_k" = 1 ] || return 0
	kstate_shrink_slabs "$RESET_SLAB"
}

# reset_drain: page cache and slab dropped (what that frees goes into
# KASAN's quarantine: emptied after).
reset_drain()
{
	kstate_drain "$RESET_PROC" reset_quarantine
}

# reset_settled_free: free pages once caches are dropped and two readings
# RESET_SETTLE_STEP_MS apart (kstate_settle) change by less than
# RESET_SETTLE_PAGES pages a second, for RESET_SETTLE_S at most.
reset_settled_free()
{
	reset_drain
	kstate_settle "$RESET_PROC" reset_free_pages reset_nap "$RESET_SETTLE_STEP_MS" \
		"$RESET_SETTLE_PAGES" "$RESET_SETTLE_S"
}

# reset_armed: _kl, _kf and _od, what the boot record says of kmemleak,
# KFENCE and debugobjects (on, off or none): the detectors a test must
# not disarm.
reset_armed()
{
	read -r _kl <"$RESET_DIR/kmemleak"
	_kf=none
	_od=none
	[ ! -s "$RESET_DIR/detectors" ] || read -r _kf _od <"$RESET_DIR/detectors"
}

# reset_detectors [state [early]]: what the test left that a reset cannot
# undo, from the kernel's state now (or a file of reset_state's line read
# since the test ended).  Free memory is read cheaply first; only memory
# that looks missing is measured settled (caches dropped).
# RESET_FREE is the reading.  The kmemleak probe runs while the rest is
# read; with "early", the probes are those reset_early started when the
# test ended (nothing was undone since).
reset_detectors()
{
	read -r _t0 _dl0 _base <"$RESET_DIR/state"
	reset_armed
	_odp=
	_odf=$RESET_PS.odebug
	if [ "${2:-}" = early ]; then
		RESET_KMEMLEAK_PROBE=none
		[ "$_kl" != on ] || [ ! -e "$RESET_DEBUGFS/kmemleak" ] ||
			RESET_KMEMLEAK_PROBE=$RESET_PS.early-kmemleak
		_odf=$RESET_PS.early-odebug
		if [ "$_od" = on ] && ! reset_await "$_odf" "$RESET_EARLY_MS"; then
			_odf=$RESET_PS.odebug
			reset_odebug_state >"$_odf" &
			_odp=$!
		fi
	else
		# the probes that fork or wait run while the rest is read (on
		# the other vCPU)
		[ "$_kl" != on ] || reset_kmemleak_probe
		if [ "$_od" = on ]; then
			reset_odebug_state >"$_odf" &
			_odp=$!
		fi
	fi
	if [ $# -eq 0 ]; then
		reset_state >"$RESET_PS"
		set -- "$RESET_PS"
	fi
	read -r _t _dl RESET_FREE _kfnow <"$1"
	[ "$_dl0" = 1 ] && [ "$_dl" = 0 ] && reset_restart "lockdep off"
	_new=$((_t & ~_t0 & ~RESET_TAINT_OK))
	[ "$_new" -eq 0 ] || reset_restart "taint $(kstate_taint_letters "$_new")"
	# (the reasons in the order they always came: lockdep, taint,
	# kmemleak, KFENCE, debugobjects)
	if [ "$_kl" = on ]; then
		reset_kmemleak_answer >"$RESET_PS.kl"
		read -r _klnow <"$RESET_PS.kl"
		[ "$_klnow" != off ] || reset_restart "kmemleak disabled"
	fi
	[ "$_kf" = on ] && [ "$_kfnow" = off ] &&
		reset_restart "kfence disabled"
	if [ "$_od" = on ]; then
		[ -z "$_odp" ] || wait "$_odp" || :
		_odnow=on
		read -r _odnow <"$_odf" || :
		[ "$_odnow" != off ] || reset_restart "debugobjects disabled"
	fi
	[ $((_base - RESET_FREE)) -le "$RESET_FREE_TOL" ] && return 0
	RESET_FREE=$(reset_settled_free)
	_lost=$((_base - RESET_FREE))
	[ "$_lost" -le "$RESET_FREE_TOL" ] || reset_restart "$_lost pages not recovered"
	return 0
}

# reset_scan: what reset_new_modules, reset_knobs_changed and reset_state
# print, in one awk (a fork costs tens of milliseconds under TCG): "mod
# <name>" per module loaded since boot (unused ones first), "knob <file>
# <boot-value> <now>" per fault knob off its boot value (probability
# first), then "state <tainted> <debug_locks> <free> <kfence>".
# reset_scan state: only "<tainted> <debug_locks> <free> <kfence>"
# (reset_state); reset_scan knobs: only the knobs, "<file> <boot-value>
# <now>" (reset_knobs_changed).
reset_scan()
{
	_mf=
	_rs_boot=$RESET_DIR/modules
	_rs_knobs=$RESET_DIR/knobs
	if [ "${1:-}" = state ]; then
		_rs_boot=/dev/null
		_rs_knobs=/dev/null
	elif [ "${1:-}" = knobs ]; then
		_rs_boot=/dev/null
	elif [ -r "$RESET_PROC/modules" ]; then
		_mf=$RESET_PROC/modules
	fi
	# shellcheck disable=SC2086 # no file or one, a path without spaces
	awk -v boot="$_rs_boot" -v knobs="$_rs_knobs" -v only="${1:-}" \
		-v ls="$RESET_PROC/lockdep_stats" -v kfs="$RESET_DEBUGFS/kfence/stats" '
	BEGIN {
		pfx = only == "knobs" ? "" : "knob "
		while ((getline l < boot) > 0) { split(l, w, " "); known[w[1]] = 1 }
		while ((getline l < knobs) > 0) {
			split(l, w, " ")
			f = w[1]; v = w[2]
			now = "(unreadable)"
			if ((getline x < f) > 0)
				now = x
			close(f)
			if (now "" == v "")
				continue
			if (f ~ /\/probability$/)
				print pfx f, v, now
			else
				rest = rest pfx f " " v " " now "\n"
		}
		printf "%s", rest
		if (only == "knobs")
			exit
		dl = "none"
		while ((getline l < ls) > 0) {
			split(l, w, " ")
			if (w[1] == "debug_locks:")
				dl = w[2]
		}
		kf = "none"
		while ((getline l < kfs) > 0) {
			split(l, w, " ")
			if (w[1] == "enabled:")
				kf = w[2] == 1 ? "on" : "off"
			else if (kf == "none")
				kf = "off"
		}
	}
	FILENAME ~ /modules$/ {
		if ($1 in known)
			next
		if ($3 == "0")
			free = free "mod " $1 "\n"
		else
			used = used "mod " $1 "\n"
		next
	}
	FILENAME ~ /tainted$/ { t = $1 }
	FILENAME ~ /meminfo$/ && $1 == "MemFree:" { n += int($2 / 4) }
	FILENAME ~ /zoneinfo$/ && $1 == "count:" { n += $2 }
	END {
		if (only == "knobs")
			exit
		if (only == "state") {
			print t + 0, dl, n + 0, kf
			exit
		}
		printf "%s%s", free, used
		print "state", t + 0, dl, n + 0, kf
	}' $_mf "$RESET_PROC/sys/kernel/tainted" "$RESET_PROC/meminfo" "$RESET_PROC/zoneinfo"
}

# reset_all [stopped]: the whole reset after a test: modules, knobs,
# detectors.  One read of the kernel's state (reset_scan) does for a test
# that left no module and no knob behind; else the state is read again
# once they are put back.  With <stopped> 0 (the test left no stray
# process), the read and the probes reset_early started when the test
# ended are taken.  RESET_MODS and RESET_KNOBS count what was undone.
reset_all()
{
	_early=
	_scan=$RESET_PS.scan
	if [ "${1:-}" = 0 ] && reset_await "$RESET_PS.early" "$RESET_EARLY_MS"; then
		_early=early
		_scan=$RESET_PS.early
	else
		reset_scan >"$_scan"
	fi
	_mods=0
	_knobs=0
	while read -r _kind _rest; do
		case $_kind in
		mod) _mods=1 ;;
		knob) _knobs=1 ;;
		state) printf '%s\n' "$_rest" >"$RESET_PS.state" ;;
		esac
	done <"$_scan"
	# shellcheck disable=SC2034 # read by the runner
	RESET_MODS=0
	# shellcheck disable=SC2034
	RESET_KNOBS=0
	if [ "$_mods" = 1 ]; then
		RESET_COUNT=0
		reset_modules
		# shellcheck disable=SC2034
		RESET_MODS=$RESET_COUNT
	fi
	if [ "$_knobs" = 1 ]; then
		RESET_COUNT=0
		reset_knobs
		# shellcheck disable=SC2034
		RESET_KNOBS=$RESET_COUNT
	fi
	if [ "$_mods$_knobs" = 00 ]; then
		reset_detectors "$RESET_PS.state" $_early
	else
		reset_detectors
	fi
}

# reset_early: right after the test ended, before its strays are looked
# for, what reset_all takes when the test left nothing to undo (no stray,
# no module, no knob): the kernel's state (reset_scan) and the detector
# probes (kmemleak, debugobjects), each in the background (the other vCPU)
# while the strays are looked for.  A file is whole once its last line is
# "done" (reset_await).
reset_early()
{
	: >"$RESET_PS.early"
	{ reset_scan; echo 'done'; } >>"$RESET_PS.early" 2>/dev/null &
	reset_armed
	# (none of them keeps the caller's output open: the runner reads
	# the test's output until every writer is gone)
	[ "$_kl" != on ] || reset_kmemleak_probe "$RESET_PS.early-kmemleak" >/dev/null
	[ "$_od" = on ] || return 0
	: >"$RESET_PS.early-odebug"
	{ reset_odebug_state; echo 'done'; } >>"$RESET_PS.early-odebug" 2>/dev/null &
}

# --- at boot -----------------------------------------------------------------

# reset_record: the boot record.  Every step without a fork where the
# shell can do it (a fork costs tens of milliseconds under TCG, and the
# record is all that runs between init and the first test): the knobs
# and modules read by the shell, the kernel log read once, KFENCE from
# the same read as taint and lockdep, the kmemleak probe in the
# background while memory settles.  "before": the processes outside the
# runner's session that live before the first test (reset_ps strays
# spares them after each test).
reset_record()
{
	[ ! -e "$RESET_DIR" ] || rm -rf "$RESET_DIR"
	mkdir -p "$RESET_DIR"
	: >"$RESET_DIR/restart"
	# What takes a fork runs on the other vCPU while this shell reads the
	# knobs and modules: the kmemleak probe, the kernel log, the processes.
	reset_kmemleak_probe
	reset_boot_log >"$RESET_PS.bootlog" &
	_bl=$!
	reset_ps all 0 >"$RESET_DIR/before" &
	_ps=$!
	# read, not $(cat): two forks a file took 2 s of every boot under TCG
	for _d in $RESET_FAULTS; do
		for _f in "$RESET_DEBUGFS/$_d"/*; do
			{ [ -f "$_f" ] && [ -r "$_f" ]; } || continue
			_v=
			read -r _v <"$_f" || :
			printf '%s %s\n' "$_f" "$_v"
		done
	done >"$RESET_DIR/knobs"
	: >"$RESET_DIR/modules"
	if [ -r "$RESET_PROC/modules" ]; then
		while read -r _m _; do
			printf '%s\n' "$_m"
		done <"$RESET_PROC/modules" >"$RESET_DIR/modules"
	fi
	wait "$_bl" "$_ps" || :
	read -r _od _kasan <"$RESET_PS.bootlog"
	printf '%s\n' "$_kasan" >"$RESET_DIR/kasan"
	reset_drain
	kstate_settle "$RESET_PROC" reset_free_pages reset_nap "$RESET_SETTLE_STEP_MS" \
		"$RESET_SETTLE_PAGES" "$RESET_SETTLE_S" >"$RESET_PS.free"
	read -r _free <"$RESET_PS.free"
	reset_state >"$RESET_PS"
	read -r _t _dl _ _kf <"$RESET_PS"
	printf '%s %s %s\n' "$_t" "$_dl" "$_free" >"$RESET_DIR/state"
	printf '%s %s\n' "$_kf" "$_od" >"$RESET_DIR/detectors"
	reset_kmemleak_answer >"$RESET_DIR/kmemleak"
}

# --- the test's facts ------------------------------------------------------

# reset_result <status> <timeout> <grace> <out>: "ok", "fail <category:
# title>" (status 1 with a verdict), "skip <reason>", or "error <why>" for
# a broken test (status 1 without a verdict, any other status, a shell
# error); a test its timeout ended fails, saying how it was stopped
# (<out>/.timeout: TERM or KILL).
reset_result()
{
	_why=
	[ -s "$4/verdict" ] && read -r _why <"$4/verdict"
	_how=
	[ -s "$4/.timeout" ] && read -r _how <"$4/.timeout"
	case $_how in
	TERM) echo "fail timeout: test ran longer than $2s (stopped by TERM)"; return 0 ;;
	KILL) echo "fail timeout: test ran longer than $2s (TERM ignored, KILL after $3s)"; return 0 ;;
	esac
	case $1 in
	0) echo ok ;;
	1)
		if [ -n "$_why" ]; then
			echo "fail $_why"
		else
			echo "error test: failed without a verdict"
		fi
		;;
	4) echo "skip ${_why:-no reason given}" ;;
	129 | 1[3-9][0-9] | 2[0-5][0-9]) echo "error test: killed by signal $(($1 - 128))" ;;
	*) echo "error test: exit status $1" ;;
	esac
}
