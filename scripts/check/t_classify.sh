#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the console classifier (scripts/classify.awk with
# configs/classify.conf), under every awk found here (mawk, gawk, busybox).
#
# Fixtures in scripts/check/fixtures/console/:
#   *.bad     console excerpts with splats; classify.awk must exit 1 and
#             print exactly *.expect ("category<TAB>title<TAB>line", the
#             verdict first), a failure (not noise) first
#   *.good    excerpts with nothing but noise; classify.awk must exit 0 and
#             print no failure (and exactly *.expect when there is one)
# Each *.bad is also classified again with other timestamps, PIDs, CPUs,
# addresses, offsets and CRLF line ends: the titles must not change.
#
# Then watchdog reports against the host's samples (scripts/collect.sh
# with scripts/hoststall.awk), on boots in scripts/check/fixtures/hoststall/
# (a real guest whose QEMU was stopped for 12 s) and on a real bad_livelock
# console with samples made here: a lockup the host caused is an
# infrastructure error, a lockup while QEMU kept running (busy, or starved
# but running, or idle) stays a lockup.
set -eu

FIX=scripts/check/fixtures/console
CLASSIFY=scripts/classify.awk
CONF=configs/classify.conf
TMP=
. scripts/check/tap.sh

# shellcheck disable=SC2317 # called from the trap
cleanup()
{
	[ -n "$TMP" ] && rm -rf "$TMP"
}

# awks: the awk implementations present, one command per line.
awks()
{
	for _a in mawk gawk original-awk; do
		command -v "$_a" >/dev/null 2>&1 && printf '%s\n' "$_a"
	done
	if command -v busybox >/dev/null 2>&1 && busybox awk 'BEGIN{}' 2>/dev/null
	then
		printf '%s\n' "busybox awk"
	fi
}

# classify <awk> <file> <out>: run the classifier, status in $RC.
classify()
{
	RC=0
	# shellcheck disable=SC2086 # $1 is a command with arguments
	$1 -v conf="$CONF" -f "$CLASSIFY" "$2" >"$3" 2>"$3.err" || RC=$?
}

# perturb <in> <out>: the same splat as another run would print it.
perturb()
{
	_cr=$(printf '\r')
	sed -e 's/^\[ *[0-9]*\.[0-9]*\]/[ 9876.543210]/' \
	    -e 's/PID: [0-9]*/PID: 4321/g' -e 's/pid: [0-9]*/pid: 4321/g' \
	    -e 's/CPU#[0-9]*/CPU#3/g' -e 's/CPU: [0-9]* /CPU: 3 /g' \
	    -e 's/ffff[0-9a-f]\{12\}/ffff8880cafe1000/g' \
	    -e 's/+0x[0-9a-f]*\/0x[0-9a-f]*/+0x1bc\/0x2f0/g' \
	    -e 's/address: [0-9a-f]*/address: 0000000000000010/' \
	    -e 's/task \([a-z]*\):[0-9]*/task \1:9999/' \
	    -e 's/kmemleak: [0-9]* new/kmemleak: 17 new/' \
	    -e 's/stuck for [0-9]*s/stuck for 41s/' \
	    -e 's/#[0-9]*: /#12: /' \
	    -e "s/\$/$_cr/" "$1" >"$2"
}

t_fixture_bad()
{
	_awk=$1
	_f=$2
	_n=$(basename "$_f")
	classify "$_awk" "$_f" "$TMP/out"
	if [ "$RC" -ne 1 ]; then
		not_ok "$_awk: $_n exits 1 (got $RC: $(cat "$TMP/out.err"))"
		return 0
	fi
	if [ ! -f "${_f%.bad}.expect" ]; then
		not_ok "$_awk: $_n has a .expect file"
		return 0
	fi
	check "$_awk: $_n classifies as expected" \
		cmp -s "$TMP/out" "${_f%.bad}.expect"
	# shellcheck disable=SC2016 # awk program
	check "$_awk: $_n: first finding is a failure, not noise" \
		awk -F '\t' 'NR == 1 { exit !($1 != "noise" && $2 != "") }' \
		"$TMP/out"
	perturb "$_f" "$TMP/perturbed"
	classify "$_awk" "$TMP/perturbed" "$TMP/out2"
	check "$_awk: $_n: same titles in another run" \
		cmp -s "$TMP/out2" "${_f%.bad}.expect"
}

t_fixture_good()
{
	_awk=$1
	_f=$2
	_n=$(basename "$_f")
	classify "$_awk" "$_f" "$TMP/out"
	check "$_awk: $_n exits 0" [ "$RC" -eq 0 ]
	# shellcheck disable=SC2016 # awk program
	check "$_awk: $_n: nothing but noise" \
		awk -F '\t' '$1 != "noise" { bad = 1 } END { exit bad }' \
		"$TMP/out"
	if [ -f "${_f%.good}.expect" ]; then
		check "$_awk: $_n classifies as expected" \
			cmp -s "$TMP/out" "${_f%.good}.expect"
	fi
}

# lines <file>: its number of lines.
lines()
{
	wc -l <"$1" | tr -d ' '
}

# shift_line <expect> <offset>: a fixture's findings with their line
# numbers moved down by offset.
shift_line()
{
	awk -F '\t' -v OFS='\t' -v o="$2" '$1 != "noise" { $3 += o } { print }' "$1"
}

# A splat after a lot of noise is still found; the first splat in time
# decides, each finding keeps the line where it starts.
t_mixed()
{
	_awk=$1
	cat "$FIX/alloc_failure.good" "$FIX/warning_generic.bad" \
	    "$FIX/fault_verbose.good" "$FIX/oops_gpf.bad" \
	    "$FIX/alloc_failure.good" >"$TMP/mixed"
	classify "$_awk" "$TMP/mixed" "$TMP/out"
	_o1=$(lines "$FIX/alloc_failure.good")
	_o2=$((_o1 + $(lines "$FIX/warning_generic.bad") + $(lines "$FIX/fault_verbose.good")))
	{
		shift_line "$FIX/warning_generic.expect" "$_o1"
		shift_line "$FIX/oops_gpf.expect" "$_o2"
		printf 'noise\tpage allocation failure x 4\n'
		printf 'noise\tFAULT_INJECTION: forcing a failure x 3\n'
	} >"$TMP/want"
	check "$_awk: splats among noise, first in time first, at their lines" \
		cmp -s "$TMP/out" "$TMP/want"
	# The same two splats the other way round: the oops decides.
	cat "$FIX/oops_gpf.bad" "$FIX/warning_generic.bad" >"$TMP/swapped"
	classify "$_awk" "$TMP/swapped" "$TMP/out"
	check "$_awk: the first splat in time decides, not a fixed ranking" \
		[ "$(cut -f1 "$TMP/out" | tr '\n' ' ')" = "oops warning " ]
	# A lockup after a lockdep report is its consequence; alone it is
	# the verdict itself, with nothing appended.
	classify "$_awk" "$FIX/lockdep_then_lockup.bad" "$TMP/out"
	# shellcheck disable=SC2016
	check "$_awk: a soft lockup after lockdep is named after it" \
		awk -F '\t' 'NR == 1 { exit !($1 == "lockdep" && $2 ~ /\(then soft lockup\)$/) }' "$TMP/out"
	classify "$_awk" "$FIX/soft_lockup.bad" "$TMP/out"
	# shellcheck disable=SC2016
	check "$_awk: a soft lockup alone is the verdict, no consequence named" \
		awk -F '\t' 'NR == 1 { exit !($1 == "lockup" && $2 !~ /then/) }' "$TMP/out"
	classify "$_awk" "$FIX/alloc_failure_then_bug.bad" "$TMP/out"
	_want=$(( $(lines "$FIX/alloc_failure.good") + 1 ))
	# shellcheck disable=SC2016
	check "$_awk: an allocation-failure warning before a BUG: the BUG's line decides" \
		awk -F '\t' -v l="$_want" 'NR == 1 { exit !($1 == "bug-atomic" && $3 == l) }' "$TMP/out"
	classify "$_awk" /dev/null "$TMP/out"
	_clean=0
	[ "$RC" -eq 0 ] && [ ! -s "$TMP/out" ] && _clean=1
	check "$_awk: empty slice is clean" [ "$_clean" -eq 1 ]
}

# bad_conf <awk> <desc> <line-number> <content>: exit 2, error names
# file:line.
bad_conf()
{
	printf '# header\n%s\n' "$4" >"$TMP/bad.conf"
	_rc=0
	# shellcheck disable=SC2086 # $1 is a command with arguments
	$1 -v conf="$TMP/bad.conf" -f "$CLASSIFY" /dev/null \
		>"$TMP/out" 2>"$TMP/err" || _rc=$?
	[ "$_rc" -eq 2 ] && grep -q "bad.conf:$3: " "$TMP/err" && _rc=ok
	check "$1: conf with $2 is an error naming file:line" [ "$_rc" = ok ]
}

t_conf()
{
	_awk=$1
	bad_conf "$_awk" "no separator" 2 "oops Oops"
	bad_conf "$_awk" "bad category" 2 "Oops!|Oops"
	bad_conf "$_awk" "empty pattern" 2 "oops|"
	bad_conf "$_awk" "unbalanced parenthesis" 2 "oops|Oops (a|b"
	bad_conf "$_awk" "unclosed bracket" 2 "oops|Oops [a-z"
	bad_conf "$_awk" "interval braces" 2 "oops|Oops a{2}"
	_rc=0
	# shellcheck disable=SC2086
	$_awk -v conf="$TMP/missing.conf" -f "$CLASSIFY" /dev/null \
		>"$TMP/out" 2>"$TMP/err" || _rc=$?
	[ "$_rc" -eq 2 ] && grep -q "missing.conf" "$TMP/err" && _rc=ok
	check "$_awk: missing conf is an error" [ "$_rc" = ok ]
	printf 'oops|Oops [[:alpha:]]+ []x]\n' >"$TMP/ok.conf"
	_rc=0
	# shellcheck disable=SC2086
	$_awk -v conf="$TMP/ok.conf" -f "$CLASSIFY" /dev/null \
		>"$TMP/out" 2>"$TMP/err" || _rc=$?
	check "$_awk: character classes and ']' first in brackets are accepted" \
		[ "$_rc" -eq 0 ]
}

# ---- watchdog reports the host caused (collect.sh, hoststall.awk)

HOSTFIX=scripts/check/fixtures/hoststall
HAWK='awk'
LIVELOCK=$FIX/real_bad_livelock.bad

# samples <console> <segment...>: qemu.sh's samples for a console whose
# guest clock is the host's (ms 1e12 + 1000 x the timestamp), one a second.
# A segment "from-to:cpu:state:wait" (guest seconds) says how much of a
# CPU QEMU got, its state and its threads' run-queue wait (share of the
# second); elsewhere 1.0:R:0 (a busy guest, the host keeping up).
samples()
{
	_c=$1
	shift
	awk -v segs="$*" '
	function seg(s,    i, n, a, r) {
		cpu = 1.0; state = "R"; wait = 0
		n = split(segs, a, " ")
		for (i = 1; i <= n; i++) {
			split(a[i], r, "[-:]")
			if (s >= r[1] + 0 && s < r[2] + 0) {
				cpu = r[3] + 0; state = r[4]; wait = r[5] + 0
			}
		}
	}
	{
		if (match($0, /^\[ *[0-9]+\.[0-9]+\]/))
			ts = substr($0, 2, RLENGTH - 2) + 0
		size += length($0) + 1
		upto[++n] = ts
		sz[n] = size
		if (ts > last)
			last = ts
	}
	END {
		print "# t_ms cpu_ticks state console_bytes load1 wait_ms hz=100"
		first = int(upto[1])
		c = 0; w = 0; k = 0; b = 0
		for (s = first; s <= int(last) + 3; s++) {
			seg(s)
			c += cpu * 100
			w += wait * 1000
			while (k < n && upto[k + 1] <= s) {
				k++
				b = sz[k]
			}
			printf "%.0f %d %s %d 3.5 %d\n", 1000000000000 + s * 1000, c, state, b, w
		}
	}' "$_c"
}

# stall_boot <run> <console> <samples|-> <tag> <guest-result|-> [<end>]:
# one boot of one test (index from the console's START line) and
# collect.sh on it; the result in <run>/tests/*/result, collect.sh's status
# in $RC.  Guest result "-": the guest never finished the test, and <end>
# says how QEMU ended (default "exit 0").
stall_boot()
{
	rm -rf "$1"
	mkdir -p "$1/boot-1"
	_idx=$(sed -n 's/.*labyrinth: START \([0-9]*\) .*/\1/p' "$2" | head -n 1)
	printf '%s %s x.sh\n' "$_idx" "$4" >"$1/list"
	printf 'LAB START %s %s 60\n' "$_idx" "$4" >"$1/boot-1/channel.log"
	[ "$5" = - ] || printf 'LAB RESULT %s %s %s\nLAB DONE\n' "$_idx" "$4" "$5" >>"$1/boot-1/channel.log"
	cp "$2" "$1/boot-1/console.log"
	[ "$3" = - ] || cp "$3" "$1/boot-1/console.log.host"
	echo "${6:-exit 0}" >"$1/boot-1/console.log.end"
	echo "qemu -smp 1 -append console=ttyS0 watchdog_thresh=4 rcupdate.rcu_cpu_stall_timeout=20" \
		>"$1/boot-1/console.log.cmdline"
	RC=0
	sh scripts/collect.sh "$1" 1 >"$1/outcome" 2>"$1/err" || RC=$?
}

# verdict_is <desc> <run> <ERE>: the test's result matches.
verdict_is()
{
	_got=$(cat "$2"/tests/*/result 2>/dev/null | tr '\t' '|')
	if printf '%s\n' "$_got" | grep -Eq -- "$3"; then
		ok "$HAWK: host stall: $1"
	else
		not_ok "$HAWK: host stall: $1 (got '$_got')"
	fi
}

t_host_stall()
{
	R=$TMP/stall
	# A real guest: QEMU stopped (SIGSTOP) for 12 s during a test; on
	# resume the busy CPU reported a soft lockup ("stuck for 11s").
	stall_boot "$R" "$HOSTFIX/stopped/console.log" "$HOSTFIX/stopped/console.log.host" \
		engine_contexts ok
	verdict_is "QEMU stopped 12 s, then a soft lockup: an infrastructure error, not lockup" \
		"$R" '^error\|infrastructure: host stalled the guest for 1[0-9] s .* not charged to the kernel$'
	# shellcheck disable=SC2016 # awk program
	check "$HAWK: host stall: every report of the stopped guest explained ($(tail -n 1 "$R"/tests/*/hoststall 2>/dev/null))" \
		awk -F '\t' '$1 == "report" { n++; if ($3 !~ /host=yes/) bad = 1 } END { exit bad || n < 1 }' "$R"/tests/*/hoststall
	stall_boot "$R" "$HOSTFIX/stopped/console.log" - engine_contexts ok
	verdict_is "the same console without host samples: lockup (no evidence, no excuse)" \
		"$R" '^fail\|lockup: BUG: soft lockup'

	# bad_livelock's real report, QEMU running all along: busy; starved
	# by a loaded host but running; idle-low CPU but sleeping (no stall).
	samples "$LIVELOCK" >"$TMP/busy.host"
	stall_boot "$R" "$LIVELOCK" "$TMP/busy.host" proof_lockup_bad_livelock ok
	verdict_is "bad_livelock, QEMU busy: lockup" "$R" \
		'^fail\|lockup: BUG: soft lockup in bad_livelock_tick \[bad_livelock\]$'
	samples "$LIVELOCK" "170-210:0.3:R:0.9" >"$TMP/loaded.host"
	stall_boot "$R" "$LIVELOCK" "$TMP/loaded.host" proof_lockup_bad_livelock ok
	verdict_is "bad_livelock on a loaded host (QEMU at 30% of a CPU): lockup" "$R" \
		'^fail\|lockup: BUG: soft lockup in bad_livelock_tick'
	samples "$LIVELOCK" "183-196:0.02:S:0" >"$TMP/idle.host"
	stall_boot "$R" "$LIVELOCK" "$TMP/idle.host" proof_lockup_bad_livelock ok
	verdict_is "QEMU at 2% but sleeping (an idle guest): no stall, lockup" "$R" \
		'^fail\|lockup: BUG: soft lockup'
	samples "$LIVELOCK" "186-193:0.0:T:0" >"$TMP/short.host"
	stall_boot "$R" "$LIVELOCK" "$TMP/short.host" proof_lockup_bad_livelock ok
	verdict_is "a 7 s stop cannot explain the RCU stall after it: lockup" "$R" \
		'^fail\|lockup: BUG: soft lockup'

	# The same console with QEMU stopped, or starved to nothing, for the
	# 12 s before the reports: the host's doing.
	samples "$LIVELOCK" "183-196:0.0:T:0" >"$TMP/stop.host"
	stall_boot "$R" "$LIVELOCK" "$TMP/stop.host" proof_lockup_bad_livelock ok
	verdict_is "QEMU stopped (T) 13 s under both reports: infrastructure error" "$R" \
		'^error\|infrastructure: host stalled the guest for 1[0-9] s .*2 watchdog reports not charged'
	samples "$LIVELOCK" "183-196:0.01:S:1.8" >"$TMP/starved.host"
	stall_boot "$R" "$LIVELOCK" "$TMP/starved.host" proof_lockup_bad_livelock ok
	verdict_is "QEMU runnable, 1% of a CPU for 13 s (starved): infrastructure error" "$R" \
		'^error\|infrastructure: host stalled'

	# A test out of time with no watchdog report (the runner's timeout,
	# the host's hang watchdog): the host's doing only when it starved
	# QEMU over the whole test (under a quarter of the CPU asked for,
	# waiting for a CPU at least half the time).
	TO='fail timeout: test ran longer than 60s (stopped by TERM)'
	{
		echo "[  100.000000] labyrinth: START 3 slow_test"
		for _s in $(seq 101 165); do echo "[  $_s.000000] slow_test: still working"; done
		echo "[  166.000000] labyrinth: END 3 slow_test"
	} >"$TMP/slow.log"
	samples "$TMP/slow.log" "100-170:0.15:R:1.6" >"$TMP/slow_starved.host"
	stall_boot "$R" "$TMP/slow.log" "$TMP/slow_starved.host" slow_test "$TO"
	verdict_is "timeout, QEMU at 15% of its CPU and waiting: infrastructure error" "$R" \
		'^error\|infrastructure: host starved the guest: QEMU had 1[0-9] CPU s in 6[0-9] s for 1 vCPU and waited .* \(timeout: test ran longer than 60s'
	stall_boot "$R" "$TMP/slow.log" - slow_test "$TO"
	verdict_is "timeout without host samples: timeout (no evidence, no excuse)" "$R" '^fail\|timeout: '
	samples "$TMP/slow.log" >"$TMP/slow_busy.host"
	stall_boot "$R" "$TMP/slow.log" "$TMP/slow_busy.host" slow_test "$TO"
	verdict_is "timeout, QEMU busy all along: timeout" "$R" '^fail\|timeout: '
	samples "$TMP/slow.log" "100-170:0.02:S:0" >"$TMP/slow_idle.host"
	stall_boot "$R" "$TMP/slow.log" "$TMP/slow_idle.host" slow_test "$TO"
	verdict_is "timeout, QEMU idle and sleeping (a guest stuck waiting): timeout" "$R" '^fail\|timeout: '
	samples "$TMP/slow.log" "100-170:0.4:R:1.6" >"$TMP/slow_loaded.host"
	stall_boot "$R" "$TMP/slow.log" "$TMP/slow_loaded.host" slow_test "$TO"
	verdict_is "timeout, QEMU at 40% of its CPU (slowed, not starved): timeout" "$R" '^fail\|timeout: '
	head -n 30 "$TMP/slow.log" >"$TMP/silent.log"
	samples "$TMP/silent.log" "100-200:0.05:R:1.8" >"$TMP/silent_starved.host"
	stall_boot "$R" "$TMP/silent.log" "$TMP/silent_starved.host" slow_test - "hang guest silent for 60 s"
	verdict_is "guest silent, QEMU starved to the end: infrastructure error" "$R" \
		'^error\|infrastructure: host starved the guest: .*\(hang: guest silent for 60 s\)$'
	samples "$TMP/silent.log" "100-200:0.01:S:0" >"$TMP/silent_idle.host"
	stall_boot "$R" "$TMP/silent.log" "$TMP/silent_idle.host" slow_test - "hang guest silent for 60 s"
	verdict_is "guest silent, QEMU sleeping (a deadlock): hang" "$R" '^fail\|hang: guest silent for 60 s$'

	# A stall excuses only the watchdog: a real splat after it decides.
	grep -v 'labyrinth: ' "$FIX/sleep_atomic.bad" | sed 's/^\[ *[0-9.]*\]/[ 99.000000]/' >"$TMP/bug"
	awk -v bug="$TMP/bug" '/labyrinth: END / { while ((getline l < bug) > 0) print l }
		{ print }' "$HOSTFIX/stopped/console.log" >"$TMP/then_bug.log"
	stall_boot "$R" "$TMP/then_bug.log" "$HOSTFIX/stopped/console.log.host" engine_contexts ok
	verdict_is "a stall, then a real splat: the splat decides" "$R" '^fail\|bug-atomic: '
	_first=$(head -n 1 "$R"/tests/*/findings | cut -f1)
	check "$HAWK: host stall: the deciding splat comes first in findings ($_first)" [ "$_first" = bug-atomic ]

	# A real splat before the host's lockup: no "(then soft lockup)".
	awk -v bug="$TMP/bug" '/watchdog: BUG: soft lockup/ { while ((getline l < bug) > 0) print l }
		{ print }' "$HOSTFIX/stopped/console.log" >"$TMP/bug_then.log"
	stall_boot "$R" "$TMP/bug_then.log" "$HOSTFIX/stopped/console.log.host" engine_contexts ok
	verdict_is "a real splat, then the host's lockup: the splat, no consequence named" "$R" \
		'^fail\|bug-atomic: BUG: sleeping function called from invalid context[^(]*$'
	stall_boot "$R" "$TMP/bug_then.log" - engine_contexts ok
	verdict_is "the same without host samples: the splat, then soft lockup" "$R" \
		'^fail\|bug-atomic: .*\(then soft lockup\)$'

	printf '# t_ms cpu_ticks state console_bytes load1 wait_ms hz=100\n1 2 R\n' >"$TMP/bad.host"
	stall_boot "$R" "$LIVELOCK" "$TMP/bad.host" proof_lockup_bad_livelock ok
	_e=$(cat "$R/err")
	# shellcheck disable=SC2016 # the arguments of sh -c
	check "$HAWK: host stall: malformed samples exit 2 naming file:line ($_e)" \
		sh -c '[ "$1" -eq 2 ] && printf "%s\n" "$2" | grep -q "console.log.host:2: "' sh "$RC" "$_e"
}

main()
{
	TMP=$(mktemp -d)
	trap cleanup EXIT
	_awks=$(awks)
	[ -n "$_awks" ] || { not_ok "an awk to test with"; exit 1; }
	_nbad=0
	for _f in "$FIX"/*.bad; do
		_nbad=$((_nbad + 1))
	done
	check "at least 15 known-bad console fixtures ($_nbad)" [ "$_nbad" -ge 15 ]
	printf '%s\n' "$_awks" | {
		while IFS= read -r _awk; do
			for _f in "$FIX"/*.bad; do
				t_fixture_bad "$_awk" "$_f"
			done
			for _f in "$FIX"/*.good; do
				t_fixture_good "$_awk" "$_f"
			done
			t_mixed "$_awk"
			t_conf "$_awk"
		done
		exit "$FAILED"
	} || FAILED=1
	# collect.sh runs the host's awk: each of mawk and gawk in turn
	for HAWK in mawk gawk; do
		command -v "$HAWK" >/dev/null 2>&1 || continue
		mkdir -p "$TMP/$HAWK"
		ln -sf "$(command -v "$HAWK")" "$TMP/$HAWK/awk"
		(
			PATH=$TMP/$HAWK:$PATH
			t_host_stall
			exit "$FAILED"
		) || FAILED=1
	done
	exit "$FAILED"
}

main "$@"
