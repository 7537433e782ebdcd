#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The runner's half of a test's lifecycle (sourced by runner.sh, never by a
# test): what the guest looked like at boot, putting it back after every
# test whatever the test did, and the checks that decide whether the next
# test needs a fresh guest.
#
#   reset_record              before the first test: every fault knob,
#                             loaded modules, taint, lockdep, kmemleak and
#                             settled free memory, into $RESET_DIR
#   reset_ps <mode> <arg> [before]
#                             "pid state comm" of live user processes:
#                             mode session: those of session <arg>;
#                             mode strays: those outside session <arg>
#                             and not listed in the file <before>
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
#   reset_detectors           lockdep on, no new taint (but O and E),
#                             kmemleak on, free memory back within
#                             RESET_FREE_TOL pages of the boot baseline
#
# Whatever only a fresh guest can fix is appended, one short reason a line,
# to $RESET_DIR/restart; reset_reasons prints them joined.  RESET_COUNT
# counts what the reset undid (processes, modules, knobs).
#
# RESET_PROC, RESET_DEBUGFS and RESET_RMMOD point elsewhere to check these
# helpers against saved files.

RESET_DIR=${RESET_DIR:-/tmp/lab-boot}
RESET_PROC=${RESET_PROC:-/proc}
RESET_DEBUGFS=${RESET_DEBUGFS:-/sys/kernel/debug}
RESET_RMMOD=${RESET_RMMOD:-rmmod}
RESET_FAULTS=${RESET_FAULTS:-fail_page_alloc failslab}
RESET_FREE_TOL=${RESET_FREE_TOL:-4096}
RESET_SETTLE_PAGES=${RESET_SETTLE_PAGES:-64}
RESET_SETTLE_S=${RESET_SETTLE_S:-10}
RESET_RMMOD_S=${RESET_RMMOD_S:-15}
RESET_TAINT_OK=$((4096 | 8192))
RESET_COUNT=0

reset_restart()
{
	printf '%s\n' "$*" >>"$RESET_DIR/restart"
}

reset_reasons()
{
	[ -s "$RESET_DIR/restart" ] || return 0
	awk 'NR > 1 { printf ", " } { printf "%s", $0 } END { print "" }' "$RESET_DIR/restart"
}

# reset_uptime: whole seconds since boot, without a fork.
reset_uptime()
{
	read -r _up _ <"$RESET_PROC/uptime"
	printf '%s\n' "${_up%%.*}"
}

# reset_uptime_ds: tenths of a second since boot.
reset_uptime_ds()
{
	read -r _up _ <"$RESET_PROC/uptime"
	_f=${_up#*.}
	printf '%s\n' "$((${_up%%.*} * 10 + ${_f%"${_f#?}"}))"
}

# --- processes -------------------------------------------------------------

# reset_ps_all: "pid ppid sid state comm" of every process but the kernel's
# threads (kthreadd and its children) and init.
reset_ps_all()
{
	# One cat for all: a process may end between the glob and the read.
	cat "$RESET_PROC"/[0-9]*/stat 2>/dev/null | awk '{
		l = $0
		c = l; sub(/^[^(]*\(/, "", c); sub(/\) [^)]*$/, "", c)
		sub(/^.*\) /, "", l)
		split(l, f, " ")
		pid = $1; state = f[1]; ppid = f[2]; sid = f[4]
		if (pid == 1 || pid == 2 || ppid == 2)
			next
		print pid, ppid, sid, state, c
	}'
}

reset_ps()
{
	_mode=$1
	_arg=$2
	_before=${3:-/dev/null}
	reset_ps_all | awk -v mode="$_mode" -v arg="$_arg" -v me="$$" -v before="$_before" '
		BEGIN { while ((getline l < before) > 0) { split(l, w, " "); known[w[1]] = 1 } }
		$4 == "Z" || $1 == me { next }
		mode == "session" && $3 == arg { print $1, $4, $5 }
		mode == "strays" && $3 != arg && !($1 in known) { print $1, $4, $5 }
	'
}

# reset_signal <sig> <mode> <arg> [before]: the number of processes signalled.
reset_signal()
{
	_sig=$1
	shift
	[ "$1" = session ] && kill "-$_sig" "-$2" 2>/dev/null
	_n=0
	for _p in $(reset_ps "$@" | cut -d' ' -f1); do
		kill "-$_sig" "$_p" 2>/dev/null && _n=$((_n + 1))
	done
	printf '%s\n' "$_n"
}

# reset_wait_gone <tenths> <mode> <arg> [before]: true once none is left.
reset_wait_gone()
{
	_until=$(($(reset_uptime_ds) + $1))
	shift
	while [ -n "$(reset_ps "$@")" ]; do
		[ "$(reset_uptime_ds)" -lt "$_until" ] || return 1
		sleep 0.1
	done
}

reset_stop()
{
	_m=$1
	_a=$2
	_g=$3
	_b=${4:-/dev/null}
	_n=$(reset_signal TERM "$_m" "$_a" "$_b")
	[ "$_n" -gt 0 ] || [ "$_m" = session ] || return 0
	RESET_COUNT=$((RESET_COUNT + _n))
	reset_wait_gone $((_g * 10)) "$_m" "$_a" "$_b" && return 0
	[ -z "${RESET_KILL_FLAG:-}" ] || echo KILL >"$RESET_KILL_FLAG"
	reset_signal KILL "$_m" "$_a" "$_b" >/dev/null
	reset_wait_gone 30 "$_m" "$_a" "$_b" && return 1
	reset_ps "$_m" "$_a" "$_b" | while read -r _p _st _c; do
		reset_restart "process $_p ($_c) would not die"
	done
	return 1
}

reset_watchdog()
{
	_end=$(($(reset_uptime) + $2))
	while [ "$(reset_uptime)" -lt "$_end" ]; do
		sleep 1
	done
	echo TERM >"$4"
	RESET_KILL_FLAG=$4
	reset_stop session "$1" "$3" || :
}

# --- modules ---------------------------------------------------------------

reset_mod_list()
{
	cut -d' ' -f1 "$RESET_PROC/modules" 2>/dev/null || :
}

# reset_new_modules: loaded now, not at boot; unused ones first.
reset_new_modules()
{
	awk -v boot="$RESET_DIR/modules" '
		BEGIN { while ((getline l < boot) > 0) { split(l, w, " "); known[w[1]] = 1 } }
		!($1 in known) { print ($3 == "0" ? 0 : 1), $1 }' \
		"$RESET_PROC/modules" 2>/dev/null | sort -n | cut -d' ' -f2
}

# reset_rmmod <name>: 0 unloaded, 1 refused, 2 still running after
# RESET_RMMOD_S seconds (a module exit that never returns).
reset_rmmod()
{
	"$RESET_RMMOD" "$1" >/dev/null 2>&1 &
	_rp=$!
	_until=$(($(reset_uptime_ds) + RESET_RMMOD_S * 10))
	while [ -r "$RESET_PROC/$_rp/stat" ] &&
		[ "$(cut -d')' -f2 "$RESET_PROC/$_rp/stat" 2>/dev/null | cut -d' ' -f2)" != Z ]; do
		if [ "$(reset_uptime_ds)" -ge "$_until" ]; then
			reset_restart "module $1 would not unload (rmmod hung)"
			return 2
		fi
		sleep 0.1
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

reset_knob_files()
{
	for _d in $RESET_FAULTS; do
		for _f in "$RESET_DEBUGFS/$_d"/*; do
			[ -f "$_f" ] && [ -r "$_f" ] && printf '%s\n' "$_f"
		done
	done
	return 0
}

# reset_knob <file> <value>: put one knob back.
reset_knob()
{
	_now=$(cat "$1" 2>/dev/null) || _now='(unreadable)'
	[ "$_now" = "$2" ] && return 0
	printf '%s\n' "$2" >"$1" 2>/dev/null || :
	if [ "$(cat "$1" 2>/dev/null)" = "$2" ]; then
		RESET_COUNT=$((RESET_COUNT + 1))
	else
		reset_restart "fault knob ${1#"$RESET_DEBUGFS"/} stuck at $_now"
	fi
}

# reset_knobs_changed: "file boot-value" of the knobs that differ from
# their boot value now, probability first, so nothing fails while the
# rest changes.
reset_knobs_changed()
{
	awk '{
		f = $1; v = $0; sub(/^[^ ]* ?/, "", v)
		now = "(unreadable)"
		if ((getline l < f) > 0)
			now = l
		close(f)
		if (now != v)
			print (f ~ /\/probability$/ ? 0 : 1), f, v
	}' "$RESET_DIR/knobs" | sort -n -k1,1 | cut -d' ' -f2-
}

reset_knobs()
{
	[ -s "$RESET_DIR/knobs" ] || return 0
	reset_knobs_changed >"$RESET_DIR/.knobs"
	while read -r _f _v; do
		reset_knob "$_f" "$_v"
	done <"$RESET_DIR/.knobs"
}

# --- detectors -------------------------------------------------------------

reset_debug_locks()
{
	awk '$1 == "debug_locks:" { print $2; f = 1 } END { if (!f) print "none" }' \
		"$RESET_PROC/lockdep_stats" 2>/dev/null || echo none
}

# reset_kmemleak_state: on, off or none.  A kmemleak disabled at run time
# (after an error, or "off") keeps its debugfs file but refuses every
# command but "clear" with EPERM; an enabled one answers an unknown command
# with EINVAL (mm/kmemleak.c, kmemleak_write).  One disabled at boot has no
# file.
reset_kmemleak_state()
{
	_k=$RESET_DEBUGFS/kmemleak
	[ -e "$_k" ] || { echo none; return 0; }
	_msg=$({ printf 'labyrinth-probe\n' >"$_k"; } 2>&1) || :
	reset_kmemleak_word "$_msg"
}

reset_kmemleak_word()
{
	case $1 in
	*'not permitted'*) echo off ;;
	*) echo on ;;
	esac
}

reset_taint_letters()
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

# reset_free_pages: free pages, counting those on the per-CPU lists (free,
# but not in MemFree), as verdict.sh reads them.
reset_free_pages()
{
	awk 'FILENAME ~ /meminfo/ && $1 == "MemFree:" { n += int($2 / 4) }
	     FILENAME ~ /zoneinfo/ && $1 == "count:" { n += $2 }
	     END { print n + 0 }' "$RESET_PROC/meminfo" "$RESET_PROC/zoneinfo"
}

reset_drain()
{
	sync
	printf '3\n' >"$RESET_PROC/sys/vm/drop_caches" 2>/dev/null || :
	printf '1\n' >"$RESET_PROC/sys/vm/compact_memory" 2>/dev/null || :
	printf '1\n' >"$RESET_PROC/sys/vm/stat_refresh" 2>/dev/null || :
}

# reset_settled_free: free pages once caches are dropped and two readings
# a second apart differ by less than RESET_SETTLE_PAGES.
reset_settled_free()
{
	reset_drain
	_prev=$(reset_free_pages)
	_i=0
	while [ "$_i" -lt "$RESET_SETTLE_S" ]; do
		sleep 1
		_i=$((_i + 1))
		printf '1\n' >"$RESET_PROC/sys/vm/stat_refresh" 2>/dev/null || :
		_now=$(reset_free_pages)
		_d=$((_now - _prev))
		[ "$_d" -lt 0 ] && _d=$((-_d))
		[ "$_d" -lt "$RESET_SETTLE_PAGES" ] && break
		_prev=$_now
	done
	printf '%s\n' "${_now:-$_prev}"
}

# reset_free_check: cheap reading first; only memory that looks missing is
# measured settled (caches dropped, memory compacted).
reset_free_check()
{
	read -r _base <"$RESET_DIR/free"
	RESET_FREE=$(reset_free_pages)
	[ $((_base - RESET_FREE)) -le "$RESET_FREE_TOL" ] && return 0
	RESET_FREE=$(reset_settled_free)
	_lost=$((_base - RESET_FREE))
	[ "$_lost" -le "$RESET_FREE_TOL" ] && return 0
	reset_restart "$_lost pages not recovered"
	return 0
}

reset_detectors()
{
	read -r _dl <"$RESET_DIR/debug_locks"
	[ "$_dl" = 1 ] && [ "$(reset_debug_locks)" = 0 ] && reset_restart "lockdep off"
	read -r _t0 <"$RESET_DIR/tainted"
	# sysctl files answer one read: no byte-wise "read" builtin on them.
	_t=$(cat "$RESET_PROC/sys/kernel/tainted")
	_new=$((_t & ~_t0 & ~RESET_TAINT_OK))
	[ "$_new" -eq 0 ] || reset_restart "taint $(reset_taint_letters "$_new")"
	read -r _kl <"$RESET_DIR/kmemleak"
	[ "$_kl" = on ] && [ "$(reset_kmemleak_state)" = off ] &&
		reset_restart "kmemleak disabled"
	reset_free_check
	return 0
}

# --- at boot -----------------------------------------------------------------

reset_record()
{
	rm -rf "$RESET_DIR"
	mkdir -p "$RESET_DIR"
	: >"$RESET_DIR/restart"
	reset_knob_files | while IFS= read -r _f; do
		printf '%s %s\n' "$_f" "$(cat "$_f")"
	done >"$RESET_DIR/knobs"
	reset_mod_list >"$RESET_DIR/modules"
	cat "$RESET_PROC/sys/kernel/tainted" >"$RESET_DIR/tainted"
	reset_debug_locks >"$RESET_DIR/debug_locks"
	reset_kmemleak_state >"$RESET_DIR/kmemleak"
	reset_settled_free >"$RESET_DIR/free"
}
