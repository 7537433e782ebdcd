#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The lab_engine module from a test: load, control, statistics, checks.
# Sourced after lab.sh:  . "$LAB_LIB/engine.sh"
#
#   engine_load [param=value...]  insmod lab_engine (unloaded at exit), the
#                                 test's shell above the engine's threads
#                                 first (engine_above), with
#                                 window_ms= from engine_window_ms unless given,
#                                 and last the kernel command line's
#                                 lab_engine.<param>=<value> words (engine_cmdline)
#   engine_contexts [default|extra]
#                                 the engine's context names (its debugfs
#                                 table), space-separated; all by default
#   engine_window_ms [seconds]    window length for a measured phase of that
#                                 many seconds (default LAB_DURATION): 250 ms,
#                                 longer when the phase would need more than
#                                 32 windows
#   engine_set <param> <value>    change a parameter; takes effect on reset
#   engine_start | engine_stop   run and stop (statistics add up)
#   engine_reset                  re-read the parameters, zero statistics
#   engine_state                  "running" or "stopped"
#   engine_run <seconds> [hook]   start, stop by itself after that long by
#                                 the kernel's clock ("run <ms>"), and wait
#   engine_run_ms <ms> [hook]     the same in milliseconds
#   engine_run_until <ms> <least> the same, ending as soon as every context
#                                 and order made <least> attempts
#   engine_wait [hook]            wait until a "run" stopped by itself; the
#                                 hook runs ENGINE_HOOK_MS before the end;
#                                 a run of more than 30 s sends a progress
#                                 line every 10 s (engine_progress); the
#                                 time asked and run go to the phase
#   engine_clock                  ENGINE_STATE, ENGINE_RAN_MS,
#                                 ENGINE_ASKED_MS, ENGINE_ATTEMPTS,
#                                 ENGINE_FAILURES, ENGINE_CUTS,
#                                 ENGINE_FREE_BLOCKS of the last start, one
#                                 read of debugfs "clock"
#   engine_stats                  the stats lines
#   engine_sum [-f <file>] <field> [ctx]
#                                 a field summed over orders (and contexts),
#                                 live or from a saved stats file
#   engine_record <test> [check [<awk> <arg>]]
#                                 (check: engine_check's checks first, from
#                                 the same read; <awk>: a caller's own awk
#                                 rules on the same read, before these, with
#                                 the statistics' path in s, <arg> in xa
#                                 and a file to answer in, xout)
#                                 stats lines as "stat test=<test> ..." data
#                                 (their attempts and failures summed in
#                                 ENGINE_REC_ATTEMPTS, ENGINE_REC_FAILURES,
#                                 the fewest attempts of a context and
#                                 order that made any in ENGINE_REC_LEAST,
#                                 the windows' summary line in
#                                 ENGINE_REC_WINDOWS),
#                                 the windows as "win test=<test> phase=<n>
#                                 w=<i> ms= ctx= order= attempts= successes=
#                                 failures= lat_p50_ns= lat_p99_ns=" (phase
#                                 counts the calls within the test), and the
#                                 memory state at the end of each window as
#                                 "winmem test= phase= w= ms=
#                                 reserved_highatomic= free_blocks=o0,..,o10"
#   engine_zones_record <test> <phase>
#                                 free pages and high-order atomic reserve
#                                 per zone as "zone test= phase= node= zone=
#                                 free_pages= reserved_highatomic=" data
#   engine_check                  after stop: attempts = successes +
#                                 failures, nothing outstanding, RX refills
#                                 add up (category accounting), no verify
#                                 errors (category verify)
#   engine_check_file <stats>     the same checks on a saved stats file
#   engine_validate               stats lines are in the stable format
#                                 (reads stdin; prints the first problem)
#   lab_module_text <module>      "0x<start> 0x<end>" of a loaded module's
#                                 text, for fail_page_alloc's stack filter
#
# ENGINE_DIR and ENGINE_PARAMS point elsewhere to check these helpers
# against saved stats files.

ENGINE_DIR=${ENGINE_DIR:-/sys/kernel/debug/lab_engine}
ENGINE_PARAMS=${ENGINE_PARAMS:-/sys/module/lab_engine/parameters}
ENGINE_PHASE=0
ENGINE_HOOK_MS=${ENGINE_HOOK_MS:-500}
ENGINE_LATE_MS=${ENGINE_LATE_MS:-30000}
ENGINE_PROGRESS_MS=${ENGINE_PROGRESS_MS:-10000}
ENGINE_PROGRESS_MIN_MS=${ENGINE_PROGRESS_MIN_MS:-30000}
ENGINE_PROGRESS_ORDER=${ENGINE_PROGRESS_ORDER:-3}
ENGINE_STATE=
ENGINE_RAN_MS=0
ENGINE_ASKED_MS=0
ENGINE_ATTEMPTS=0
ENGINE_FAILURES=0
ENGINE_CUTS=0
ENGINE_FREE_BLOCKS=

engine_window_ms()
{
	_ms=$((${1:-$LAB_DURATION} * 1000 / 32))
	[ "$_ms" -ge 250 ] || _ms=250
	[ "$_ms" -le 60000 ] || _ms=60000
	echo "$_ms"
}

# engine_cmdline: the lab_engine.<param>=<value> words of the kernel
# command line, as <param>=<value> (what modprobe would pass; busybox
# insmod does not), e.g. KCMDLINE=lab_engine.delay_ns=2000 for a whole run.
engine_cmdline()
{
	# read and split by the shell (no fork)
	_cl=
	{ read -r _cl <"${ENGINE_CMDLINE:-/proc/cmdline}"; } 2>/dev/null || :
	set -f
	for _w in $_cl; do
		case $_w in
		lab_engine.*=*) ;;
		*) continue ;;
		esac
		_w=${_w#lab_engine.}
		case ${_w%%=*} in '' | *[!a-z_]*) continue ;; esac
		case ${_w#*=} in *[!0-9A-Za-z_,-]*) continue ;; esac
		printf '%s\n' "$_w"
	done
	set +f
}

# engine_above: the test's shell (and what it starts from now on) at nice
# ENGINE_SHELL_NICE, once a test.  The engine's process-context contexts
# are kernel threads at nice 0 that never sleep while they run: a shell at
# their level wakes late from its naps (the end of a measured phase, the
# unload engine_teardown times to the kernel's clock: 0.3-0.9 s late
# while every context flooded both vCPUs).  The shell only naps while the
# engine runs, so the contexts lose nothing but its short turns.  A memory
# hog started after it is put back at nice 0 (hog.sh).
ENGINE_SHELL_NICE=${ENGINE_SHELL_NICE:--20}
ENGINE_ABOVE=
engine_above()
{
	[ -z "$ENGINE_ABOVE" ] || return 0
	ENGINE_ABOVE=$ENGINE_SHELL_NICE
	renice "$ENGINE_SHELL_NICE" -p $$ >/dev/null 2>&1 ||
		lab_info "warning: cannot renice the test's shell to $ENGINE_SHELL_NICE"
}

engine_load()
{
	engine_above
	engine_cmdline >"$LAB_OUT/.cmdline"
	_cmd=
	while read -r _w; do
		_cmd="$_cmd $_w"
	done <"$LAB_OUT/.cmdline"
	engine_window_ms "$LAB_DURATION" >"$LAB_OUT/.window"
	read -r _wms <"$LAB_OUT/.window"
	# shellcheck disable=SC2086 # one word per parameter
	lab_insmod lab_engine window_ms="$_wms" "$@" $_cmd
	[ -d "$ENGINE_DIR" ] || lab_fail setup "no $ENGINE_DIR (debugfs not mounted?)"
}

# engine_all_set: every context of the loaded engine's own table set (a
# parameter takes effect at the next reset); ENGINE_ALL, their names
# joined by commas, ENGINE_NAMES by blanks.  Through a file and joined by
# the shell: a command substitution of a function forks twice, and every
# fork counts under TCG.
engine_all_set()
{
	engine_contexts >"$LAB_OUT/.ctx"
	read -r ENGINE_NAMES <"$LAB_OUT/.ctx"
	ENGINE_ALL=
	for _c in $ENGINE_NAMES; do
		ENGINE_ALL=${ENGINE_ALL:+$ENGINE_ALL,}$_c
	done
	engine_set contexts "$ENGINE_ALL"
}

# engine_contexts [default|extra]: the names from the engine's own table;
# the engine is loaded for a moment when it is not loaded yet.
# shellcheck disable=SC2120 # callers may omit the kind
engine_contexts()
{
	_loaded=1
	if [ ! -r "$ENGINE_DIR/contexts" ]; then
		_loaded=0
		_p=$(lab_module_path lab_engine) || lab_fail setup "module lab_engine not in image"
		insmod "$_p" || lab_fail setup "insmod lab_engine failed"
	fi
	_names=$(awk -v want="${1:-}" 'want == "" || $2 == want { printf "%s%s", n++ ? " " : "", $1 }
		END { print "" }' "$ENGINE_DIR/contexts")
	[ "$_loaded" -eq 1 ] || rmmod lab_engine || lab_fail unload "rmmod lab_engine failed"
	[ -n "$_names" ] || lab_fail setup "lab_engine lists no contexts"
	echo "$_names"
}

engine_ctl()
{
	printf '%s\n' "$1" >"$ENGINE_DIR/control" 2>/dev/null ||
		lab_fail setup "lab_engine refused '$1' (see the kernel log)"
}

engine_start()
{
	engine_ctl start
}

engine_stop()
{
	engine_ctl stop
}

engine_reset()
{
	engine_ctl reset
}

engine_state()
{
	read -r _es <"$ENGINE_DIR/state"
	printf '%s\n' "$_es"
}

engine_set()
{
	[ -e "$ENGINE_PARAMS/$1" ] || lab_fail setup "lab_engine has no parameter '$1'"
	printf '%s\n' "$2" >"$ENGINE_PARAMS/$1" ||
		lab_fail setup "cannot set lab_engine $1=$2"
}

engine_stats()
{
	cat "$ENGINE_DIR/stats"
}

engine_sum()
{
	_src=$ENGINE_DIR/stats
	if [ "$1" = -f ]; then
		_src=$2
		shift 2
	fi
	awk -v f="$1" -v c="${2:-}" '
	/^ctx=/ && / order=/ {
		if (c != "" && $1 != "ctx=" c)
			next
		for (i = 2; i <= NF; i++)
			if (index($i, f "=") == 1)
				s += substr($i, length(f) + 2)
	}
	END { printf "%.0f\n", s }' "$_src"
}

# engine_clock: from the engine's debugfs "clock", without a fork:
# ENGINE_STATE (running|stopped), ENGINE_RAN_MS and ENGINE_ASKED_MS of the
# last start (kernel's clock), ENGINE_ATTEMPTS and ENGINE_FAILURES of the
# run so far, ENGINE_CUTS (callbacks that ended their batch at budget_us),
# ENGINE_FREE_BLOCKS (free blocks per order, o0,...,o10).
engine_clock()
{
	read -r _st _ran _ask _att _fai _cut _fb <"$ENGINE_DIR/clock" ||
		lab_fail setup "cannot read $ENGINE_DIR/clock"
	ENGINE_STATE=${_st#state=}
	ENGINE_RAN_MS=${_ran#ran_ms=}
	ENGINE_ASKED_MS=${_ask#asked_ms=}
	_att=${_att#attempts=}
	_fai=${_fai#failures=}
	ENGINE_ATTEMPTS=${_att:-0}
	ENGINE_FAILURES=${_fai:-0}
	_cut=${_cut#cuts=}
	# shellcheck disable=SC2034 # read by the tests (engine_contexts, bench_engine)
	ENGINE_CUTS=${_cut:-0}
	ENGINE_FREE_BLOCKS=${_fb#free_blocks=}
}

# engine_run <seconds> [hook]: run the engine for that long by the
# kernel's clock (it stops itself) and wait until it stopped (engine_wait).
engine_run()
{
	engine_run_ms $(($1 * 1000)) "${2:-}"
}

engine_run_ms()
{
	engine_ctl "run $1"
	engine_wait "${2:-}"
}

# engine_run_until <ms> <least>: run for <ms> at most, by the kernel's
# clock, and stop as soon as every context and order made <least>
# attempts ("run <ms> <least>"); the wait looks every ENGINE_UNTIL_STEP_MS,
# as the end may come at any time.
ENGINE_UNTIL_STEP_MS=${ENGINE_UNTIL_STEP_MS:-20}
engine_run_until()
{
	engine_ctl "run $1 $2"
	ENGINE_WAIT_STEP_MS=$ENGINE_UNTIL_STEP_MS
	engine_wait
	ENGINE_WAIT_STEP_MS=
}

# engine_sleep_ms <ms>: sleep that long (lab_sleep_ms: no fork in the guest).
engine_sleep_ms()
{
	lab_sleep_ms "$1"
}

# engine_wait [hook]: wait until the engine, started with "run <ms>", has
# stopped by itself.  The shell only waits: the phase lasts what was asked
# whatever the shell's own pace (with every context on every CPU, a
# starved shell's "sleep 1" takes seconds).  The hook, a shell command,
# runs once while the engine still runs, ENGINE_HOOK_MS before its end
# (the memory state "during" the phase).  A wait of more than
# ENGINE_PROGRESS_MIN_MS reports progress every ENGINE_PROGRESS_MS
# (engine_progress).  The time asked and run goes to the test's phase
# (lab_phase_engine).
engine_wait()
{
	_hook=${1:-}
	_last_ms=0
	_last_att=0
	engine_clock
	_asked=$ENGINE_ASKED_MS
	[ "$_asked" -gt 0 ] || lab_fail setup "engine_wait: the engine was not started with a duration"
	_next=$ENGINE_PROGRESS_MS
	while [ "$ENGINE_STATE" = running ]; do
		_left=$((_asked - ENGINE_RAN_MS))
		_nap=$_left
		if [ -n "$_hook" ]; then
			if [ "$_left" -le "$ENGINE_HOOK_MS" ]; then
				eval "$_hook"
				_hook=
				engine_clock
				continue
			fi
			_nap=$((_left - ENGINE_HOOK_MS))
		fi
		if [ "$_asked" -gt "$ENGINE_PROGRESS_MIN_MS" ]; then
			if [ "$ENGINE_RAN_MS" -ge "$_next" ]; then
				engine_progress
				_next=$((_next + ENGINE_PROGRESS_MS))
			fi
			[ $((_next - ENGINE_RAN_MS)) -ge "$_nap" ] || _nap=$((_next - ENGINE_RAN_MS))
		fi
		# a run that may end early is looked at in steps
		[ -z "${ENGINE_WAIT_STEP_MS:-}" ] || [ "$_nap" -le "$ENGINE_WAIT_STEP_MS" ] ||
			_nap=$ENGINE_WAIT_STEP_MS
		# the autostop fires within a jiffy or a work item's delay:
		# short naps from there (a nap and a read, no fork)
		[ "$_nap" -ge 10 ] || _nap=10
		[ "$ENGINE_RAN_MS" -le $((_asked + ENGINE_LATE_MS)) ] ||
			lab_fail timing "the engine ran ${ENGINE_RAN_MS} ms of ${_asked} ms asked: it did not stop by itself"
		engine_sleep_ms "$_nap"
		engine_clock
	done
	# a shell that woke after the end still takes its reading
	[ -z "$_hook" ] || eval "$_hook"
	lab_phase_engine "$_asked" "$ENGINE_RAN_MS"
}

# engine_progress: a progress line (lab_progress) of the running engine,
# from its clock file and the fault knobs alone, without a fork (the shell
# is starved while every context floods the CPUs): the time run and left,
# allocation attempts a second since the last line, failures (injected by
# the fault profile, natural: the rest), and free blocks of order >=
# ENGINE_PROGRESS_ORDER.
engine_progress()
{
	_inj=0
	if [ -n "${FAULT_TARGETS:-}" ]; then
		fault_count
		_inj=$FAULT_INJECTED
	fi
	_hi=0
	_o=0
	_ifs=$IFS
	IFS=,
	# shellcheck disable=SC2086 # one word per order
	set -- $ENGINE_FREE_BLOCKS
	IFS=$_ifs
	for _n; do
		[ "$_o" -lt "$ENGINE_PROGRESS_ORDER" ] || _hi=$((_hi + _n))
		_o=$((_o + 1))
	done
	_nat=$((ENGINE_FAILURES - _inj))
	[ "$_nat" -ge 0 ] || _nat=0
	_dt=$((ENGINE_RAN_MS - _last_ms))
	[ "$_dt" -gt 0 ] || _dt=1
	lab_progress "elapsed_s=$((ENGINE_RAN_MS / 1000)) remaining_s=$(((_asked - ENGINE_RAN_MS + 999) / 1000)) attempts=$ENGINE_ATTEMPTS attempts_per_s=$(((ENGINE_ATTEMPTS - _last_att) * 1000 / _dt)) failures=$ENGINE_FAILURES injected=$_inj natural=$_nat free_blocks_o$ENGINE_PROGRESS_ORDER=$_hi"
	_last_ms=$ENGINE_RAN_MS
	_last_att=$ENGINE_ATTEMPTS
}

engine_record()
{
	_chk=
	if [ "${2:-}" = check ]; then
		# (read by the shell: no fork)
		read -r _es <"$ENGINE_DIR/state"
		[ "$_es" = stopped ] || lab_fail setup "engine_check while the engine runs"
		_chk=$LAB_OUT/.check
		: >"$_chk"
	fi
	ENGINE_PHASE=$((ENGINE_PHASE + 1))
	[ -z "${3:-}" ] || : >"$LAB_OUT/.xrec"
	# one awk for both files (a fork costs under TCG)
	_win=
	[ ! -r "$ENGINE_DIR/windows" ] || _win=$ENGINE_DIR/windows
	# shellcheck disable=SC2086 # no file or one, a path without spaces
	awk -v t="$1" -v p="$ENGINE_PHASE" -v s="$ENGINE_DIR/stats" -v sums="$LAB_OUT/.sums" \
		-v chk="$_chk" -v xa="${4:-}" -v xout="$LAB_OUT/.xrec" "$ENGINE_CHECK_AWK${3:-}"'
	chk != "" && FILENAME == s { chk_line() }
	FILENAME == s && /^ctx=/ {
		print "stat test=" t " " $0
		if (!/ order=/)
			next
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "attempts") {
				a += kv[2]
				if (kv[2] > 0 && (mn == "" || kv[2] + 0 < mn))
					mn = kv[2] + 0
			} else if (kv[1] == "failures") f += kv[2]
		}
		next
	}
	FILENAME == s { next }
	/^w=/ && $3 == "memory" { $3 = ""; sub(/  /, " "); print "winmem test=" t " phase=" p " " $0; next }
	/^w=/ { print "win test=" t " phase=" p " " $0 }
	/^windows=/ { w = $0 }
	/^windows=/ && $2 != "dropped=0" { print "winsum test=" t " phase=" p " " $0 }
	END {
		printf "%.0f %.0f %.0f %s\n", a, f, mn, w >sums
		if (chk != "")
			print chk_end() >chk
	}' "$ENGINE_DIR/stats" $_win >>"$LAB_OUT/data"
	# shellcheck disable=SC2034 # read by the tests (atomic_stress)
	read -r ENGINE_REC_ATTEMPTS ENGINE_REC_FAILURES ENGINE_REC_LEAST ENGINE_REC_WINDOWS <"$LAB_OUT/.sums"
	[ -n "$_chk" ] || return 0
	_msg=
	read -r _msg <"$_chk" || :
	[ -z "$_msg" ] || lab_fail "${_msg%%: *}" "${_msg#*: }"
}

engine_zones_record()
{
	[ -r "$ENGINE_DIR/zones" ] || return 0
	awk -v t="$1" -v p="$2" '/^node=/ { print "zone test=" t " phase=" p " " $0 }' \
		"$ENGINE_DIR/zones" >>"$LAB_OUT/data"
}

# ENGINE_CHECK_AWK: the check as awk functions, for engine_check_stats
# and for a caller's own awk that reads the same statistics for more (one
# fork instead of two): chk_line() on every line, chk_end() at the end
# returns "category: title" of the first problem, or "".
# shellcheck disable=SC2016 # awk's own variables
ENGINE_CHECK_AWK='
function chk_val(k,    i) {
	for (i = 1; i <= NF; i++)
		if (index($i, k "=") == 1)
			return substr($i, length(k) + 2)
	return ""
}
function chk_line(    a, s, f, o, v, id, r, sv, fb, d) {
	if ($0 !~ /^ctx=/ || chk_bad != "")
		return
	if (/ order=/) {
		chk_n++
		a = chk_val("attempts") + 0; s = chk_val("successes") + 0
		f = chk_val("failures") + 0; o = chk_val("outstanding") + 0
		v = chk_val("verify_errors") + 0
		id = chk_val("ctx") " order=" chk_val("order")
		if (a != s + f || o != 0)
			chk_bad = sprintf("accounting: ctx=%s attempts=%s successes=%s failures=%s outstanding=%s", id, a, s, f, o)
		else if (v != 0)
			chk_bad = sprintf("verify: ctx=%s: %s pages did not hold their pattern", id, v)
		return
	}
	if (/ refills=/) {
		r = chk_val("refills") + 0; sv = chk_val("served") + 0
		fb = chk_val("fallback") + 0; d = chk_val("dropped") + 0
		if (r != sv + fb + d)
			chk_bad = sprintf("accounting: ctx=%s refills=%s served=%s fallback=%s dropped=%s", chk_val("ctx"), r, sv, fb, d)
	}
}
function chk_end() {
	if (chk_bad != "")
		return chk_bad
	return chk_n ? "" : "accounting: no engine statistics"
}
'

# engine_check_stats: the check on stats lines from stdin: prints
# "category: title" for the first problem and fails.
engine_check_stats()
{
	awk "$ENGINE_CHECK_AWK"'
	{ chk_line() }
	END {
		m = chk_end()
		if (m != "") {
			print m
			exit 1
		}
	}'
}

engine_check()
{
	# (read by the shell: no fork)
	read -r _es <"$ENGINE_DIR/state"
	[ "$_es" = stopped ] || lab_fail setup "engine_check while the engine runs"
	engine_check_file "$ENGINE_DIR/stats"
}

# engine_check_file <stats-file>: engine_check's checks on saved stats
# (the answer through a file: a command substitution of a function forks
# twice).
engine_check_file()
{
	engine_check_stats <"$1" >"$LAB_OUT/.check" && return 0
	read -r _msg <"$LAB_OUT/.check"
	lab_fail "${_msg%%: *}" "${_msg#*: }"
}

# engine_validate: every stats line has every field, in order, numeric;
# 32 histogram buckets adding up to attempts; min <= p50 <= p99 <= max;
# p50 and p99 inside the power-of-two bucket that holds their rank (the
# engine interpolates within finer buckets that nest in these).
engine_validate()
{
	awk '
	function bad(why) {
		printf "line %d: %s: %s\n", NR, why, $0
		err = 1
		exit 1
	}
	function num(s) {
		return s ~ /^[0-9]+$/
	}
	# in_bucket(v, pct, n): v lies in the bucket of the pct-th of n ranks
	function in_bucket(v, pct, n,    want, seen, i, lo, hi, last) {
		want = int((n * pct + 99) / 100)
		seen = 0
		for (i = 1; i < 32; i++) {
			seen += b[i]
			if (seen >= want)
				break
		}
		last = i == 32
		# powers by multiplication: busybox awk may lack math support
		for (hi = 2; --i > 0; )
			hi *= 2
		lo = hi == 2 ? 0 : hi / 2
		return v >= lo && (last || v < hi)
	}
	BEGIN {
		nk = split("ctx order attempts successes failures verify_errors outstanding bytes lat_min_ns lat_p50_ns lat_p99_ns lat_max_ns hist", key, " ")
		nr = split("ctx refills served fallback dropped", rkey, " ")
	}
	$0 !~ /^ctx=/ { bad("not a ctx= line") }
	/ refills=/ {
		if (NF != nr)
			bad("expected " nr " fields")
		for (i = 1; i <= nr; i++) {
			if (index($i, rkey[i] "=") != 1)
				bad("field " i " is not " rkey[i])
			rv = substr($i, length(rkey[i]) + 2)
			if (i > 1 && !num(rv))
				bad(rkey[i] " is not a number")
		}
		rx++
		next
	}
	{
		if (NF != nk)
			bad("expected " nk " fields")
		for (i = 1; i <= nk; i++) {
			if (index($i, key[i] "=") != 1)
				bad("field " i " is not " key[i])
			v[i] = substr($i, length(key[i]) + 2)
			if (i > 2 && i < nk && !num(v[i]))
				bad(key[i] " is not a number")
		}
		if (v[1] !~ /^[a-z_]+$/ || !num(v[2]))
			bad("bad ctx or order")
		nb = split(v[nk], b, ",")
		if (nb != 32)
			bad("hist has " nb " buckets, not 32")
		sum = 0
		for (i = 1; i <= nb; i++) {
			if (!num(b[i]))
				bad("hist bucket " i - 1 " is not a number")
			sum += b[i]
		}
		if (sum != v[3] + 0)
			bad("hist adds up to " sum ", attempts=" v[3])
		if (v[3] + 0 > 0 && !(v[9] + 0 <= v[10] + 0 && v[10] + 0 <= v[11] + 0 &&
		    v[11] + 0 <= v[12] + 0))
			bad("latencies out of order")
		if (v[3] + 0 > 0 && !in_bucket(v[10] + 0, 50, v[3] + 0))
			bad("lat_p50_ns outside the bucket of its rank")
		if (v[3] + 0 > 0 && !in_bucket(v[11] + 0, 99, v[3] + 0))
			bad("lat_p99_ns outside the bucket of its rank")
		lines++
	}
	END {
		if (err)
			exit 1
		if (!lines) {
			print "no ctx/order lines"
			exit 1
		}
		printf "%d ctx/order lines, %d rx lines\n", lines, rx
	}'
}

# lab_module_text <module>: its text range, "0x<start> 0x<end>".  The
# engine says exactly; for other modules /proc/modules gives the start of
# the text and the size of the whole module.
lab_module_text()
{
	if [ "$1" = lab_engine ] && [ -r "$ENGINE_DIR/text_range" ]; then
		read -r _tr <"$ENGINE_DIR/text_range"
		printf '%s\n' "$_tr"
		return
	fi
	awk -v m="$1" '
	# Exact 64-bit sum in two 32-bit halves: awk numbers are doubles, and
	# some awks print %x through a 32-bit int.
	function hexval(s,    i, n) {
		n = 0
		for (i = 1; i <= length(s); i++)
			n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return n
	}
	function hex8(n,    i, s) {
		s = ""
		for (i = 0; i < 8; i++) {
			s = substr("0123456789abcdef", n % 16 + 1, 1) s
			n = int(n / 16)
		}
		return s
	}
	$1 == m {
		a = tolower($6)
		sub(/^0x/, "", a)
		if (a !~ /^[0-9a-f]+$/ || a ~ /^0+$/)
			exit 1
		while (length(a) < 16)
			a = "0" a
		hi = hexval(substr(a, 1, 8))
		lo = hexval(substr(a, 9, 8))
		e = lo + $2
		ehi = hi + int(e / 4294967296)
		e = e % 4294967296
		print "0x" hex8(hi) hex8(lo), "0x" hex8(ehi) hex8(e)
		found = 1
		exit 0
	}
	END { if (!found) exit 1 }' /proc/modules
}
