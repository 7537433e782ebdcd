#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The engine library's checks on saved statistics (testcases/lib/engine.sh,
# run on the host): real stats lines from the A/A fixtures pass
# engine_validate; a p50 or p99 moved out of the power-of-two bucket of its
# rank, a histogram that does not add up, a missing field are refused.
# Run from the repository's root.

set -eu
. scripts/check/tap.sh

TMP=

# validate <file>: engine_validate on a stats file, in a subshell with the
# guest library (its paths pointed at the scratch folder).
validate()
{
	(
		LAB_OUT=$TMP/out
		export LAB_OUT
		. testcases/lib/lab.sh >/dev/null 2>&1
		. testcases/lib/engine.sh
		engine_validate <"$1"
	) >"$TMP/msg" 2>&1
}

# refused <what> <awk program>: the stats changed by the program are refused
# with a message containing <what>.
refused()
{
	awk "$2" "$TMP/stats" >"$TMP/bad"
	if cmp -s "$TMP/stats" "$TMP/bad"; then
		not_ok "engine_validate: the mutation for '$1' changed nothing"
		return
	fi
	if validate "$TMP/bad"; then
		not_ok "engine_validate refuses $1"
	else
		check "engine_validate refuses $1 ($(cut -c1-60 "$TMP/msg"))" grep -q "$1" "$TMP/msg"
	fi
}

# wait_run <asked-ms> <lag-ms> <stop-at-ms> <body>: the body (in the guest
# library, with the phase "stress" open) against a fake engine whose clock
# moves on by what the shell sleeps plus lag-ms, and which stops by itself
# at stop-at-ms (0: never).  Output in $TMP/msg, data in $TMP/out/data.
wait_run()
{
	rm -rf "$TMP/eng" "$TMP/out"
	mkdir -p "$TMP/eng" "$TMP/out"
	printf 'state=running ran_ms=0 asked_ms=%s\n' "$1" >"$TMP/eng/clock"
	(
		LAB_OUT=$TMP/out LAB_TAG=t ENGINE_DIR=$TMP/eng
		export LAB_OUT LAB_TAG ENGINE_DIR
		. testcases/lib/lab.sh
		. testcases/lib/engine.sh
		RAN=0
		ASKED=$1 LAG=$2 STOP=$3
		# shellcheck disable=SC2317 # called by engine_wait
		engine_sleep_ms()
		{
			printf '%s\n' "$1" >>"$ENGINE_DIR/naps"
			RAN=$((RAN + $1 + LAG))
			_st=running
			[ "$STOP" -eq 0 ] || [ "$RAN" -lt "$STOP" ] || { _st=stopped; RAN=$STOP; }
			printf 'state=%s ran_ms=%s asked_ms=%s attempts=1000 failures=10 cuts=2 free_blocks=5,5,5,2,1,0,0,0,0,0,0\n' "$_st" "$RAN" "$ASKED" >"$ENGINE_DIR/clock"
		}
		lab_phase stress
		eval "$4"
		lab_phase_end
	) >"$TMP/msg" 2>&1 || :
}

# shellcheck disable=SC2016 # the bodies expand in the guest library
t_wait()
{
	wait_run 3000 0 3000 'engine_wait "echo hook at \$RAN"'
	check "engine_wait: the hook runs once, before the end" \
		[ "$(grep -c '^hook at' "$TMP/msg")" = 1 ] && grep -q '^hook at 2500$' "$TMP/msg"
	check "engine_wait: the phase gets the time asked and run (kernel clock)" \
		grep -q '^phase test=t name=stress start_ms=0 ms=[0-9]* asked_ms=3000 ran_ms=3000$' "$TMP/out/data"
	check "engine_wait: no progress line for a short run" \
		sh -c "! grep -q progress '$TMP/msg'"
	wait_run 3000 4000 3000 'engine_wait "echo hook at \$RAN"'
	check "engine_wait: a shell that woke after the end still takes the hook's reading" \
		grep -q '^hook at 3000$' "$TMP/msg"
	wait_run 45000 0 45000 'FAULT_TARGETS=page; fault_count() { FAULT_INJECTED=4; }; engine_wait'
	check "engine_wait: a 45 s run sends 4 progress lines, one every 10 s" \
		[ "$(grep -c '^# progress: prog test=t ' "$TMP/msg")" = 4 ]
	check "engine_wait: a progress line holds the time, the rate, the failures and the free blocks" \
		grep -q '^# progress: prog test=t elapsed_s=10 remaining_s=35 attempts=1000 attempts_per_s=100 failures=10 injected=4 natural=6 free_blocks_o3=3$' "$TMP/msg"
	check "engine_wait: the rate is since the line before" \
		grep -q '^# progress: prog test=t elapsed_s=20 remaining_s=25 attempts=1000 attempts_per_s=0 ' "$TMP/msg"
	wait_run 3000 0 3000 'engine_sleep_ms 0; engine_clock; echo "cuts $ENGINE_CUTS fb $ENGINE_FREE_BLOCKS"'
	check "engine_clock: reads the callbacks cut at the budget, and the free blocks after them" \
		grep -q '^cuts 2 fb 5,5,5,2,1,0,0,0,0,0,0$' "$TMP/msg"
	wait_run 3000 0 0 'ENGINE_LATE_MS=5000; engine_wait'
	check "engine_wait: an engine that does not stop by itself fails the test" \
		grep -q 'FAIL timing: the engine ran [0-9]* ms of 3000 ms asked' "$TMP/msg"
	wait_run 3000 0 3000 'engine_run_ms 3000; lab_phase check; engine_ctl stop'
	check "engine_run_ms: starts the run with its length" grep -q '^stop$' "$TMP/eng/control"
	check "lab_phase: phases follow each other" \
		sh -c "grep -q '^phase test=t name=check start_ms=[0-9]* ms=[0-9]*$' '$TMP/out/data'"
	# a run the engine ends by itself once every pair made its attempts
	wait_run 2000 0 180 'engine_run_until 2000 300'
	check "engine_run_until: asks for the run and the attempts" grep -q '^run 2000 300$' "$TMP/eng/control"
	check "engine_run_until: an end that may come at any time is looked for every 20 ms" \
		awk '$1 > 20 { bad = 1 } END { exit bad || NR != 9 }' "$TMP/eng/naps"
	check "engine_run_until: the phase gets the time asked and run" \
		grep -q '^phase test=t name=stress start_ms=0 ms=[0-9]* asked_ms=2000 ran_ms=180$' "$TMP/out/data"
	wait_run 2000 0 180 'engine_run_until 2000 300; echo "step=${ENGINE_WAIT_STEP_MS:-none}"'
	check "engine_run_until: the waits after it nap as before" grep -q '^step=none$' "$TMP/msg"
}

# t_sleep: lab_sleep_ms sleeps what it is asked, under busybox sh without
# a fork (read -t on a FIFO), under a shell without read -t with sleep.
# shellcheck disable=SC2016 # the snippet expands in the shell it runs in
t_sleep()
{
	for _sh in sh busybox; do
		if [ "$_sh" = busybox ]; then
			command -v busybox >/dev/null 2>&1 || continue
			_run="busybox sh"
		else
			_run="sh"
		fi
		rm -rf "$TMP/out"
		_got=$(LAB_OUT=$TMP/out LAB_TAG=t $_run -c '. testcases/lib/lab.sh
			lab_now; a=$LAB_NOW_MS; lab_sleep_ms 300; lab_sleep_ms 40; lab_now
			echo "$((LAB_NOW_MS - a)) $LAB_SLEEP_FIFO"' 2>&1) || :
		case $_sh:${_got#* } in
		busybox:*/.sleep | sh:*/.sleep | sh:none) ;;
		*) not_ok "lab_sleep_ms ($_sh): got '$_got'"; continue ;;
		esac
		check "lab_sleep_ms ($_sh, ${_got#* }): 340 ms asked, ${_got% *} ms slept" \
			[ "${_got% *}" -ge 330 ] && [ "${_got% *}" -lt 3000 ]
	done
	check "lab_sleep_ms: busybox sh sleeps without a fork" sh -c \
		"! command -v busybox >/dev/null || [ \"\$(LAB_OUT=$TMP/out2 LAB_TAG=t busybox sh -c '. testcases/lib/lab.sh; lab_sleep_ms 10; echo \$LAB_SLEEP_FIFO')\" = '$TMP/out2/.sleep' ]"
}

# t_write: lab_write writes a knob and puts it back at the test's end; a
# knob that already holds the value is not written and not put back (a
# test that changed it meanwhile keeps its value); a file under
# /proc/sys/ is written whatever it holds.
# shellcheck disable=SC2016 # the snippet expands in the shell it runs in
t_write()
{
	for _sh in sh busybox; do
		command -v "$_sh" >/dev/null || continue
		_sh_cmd=$_sh
		[ "$_sh" = sh ] || _sh_cmd="busybox sh"
		rm -rf "$TMP/kn" "$TMP/out"
		mkdir -p "$TMP/kn/proc/sys/vm"
		echo 5 >"$TMP/kn/a"
		echo 7 >"$TMP/kn/b"
		echo 3 >"$TMP/kn/proc/sys/vm/act"
		LAB_OUT=$TMP/out LAB_TAG=t K=$TMP/kn $_sh_cmd -c '. testcases/lib/lab.sh
			lab_write "$K/a" 9
			lab_write "$K/b" 7
			lab_write "$K/proc/sys/vm/act" 3
			echo "$(cat "$K/a") $(wc -l <"$LAB_RESTORE")" >"$K/during"
			echo 8 >"$K/b"
			echo 0 >"$K/proc/sys/vm/act"' >/dev/null 2>&1 || :
		check "lab_write ($_sh): a changed knob is put back, one at its value is neither written nor put back, a sysctl is written ($(cat "$TMP/kn/during" 2>/dev/null); a=$(cat "$TMP/kn/a") b=$(cat "$TMP/kn/b") act=$(cat "$TMP/kn/proc/sys/vm/act"))" \
			[ "$(cat "$TMP/kn/during" 2>/dev/null) $(cat "$TMP/kn/a") $(cat "$TMP/kn/b") $(cat "$TMP/kn/proc/sys/vm/act")" = "9 2 5 8 3" ]
	done
}

# t_cmdline: the kernel command line's lab_engine.<param>=<value> words
# become engine parameters; other words, malformed names and values that
# are not plain words are left out; engine_record writes the stats and
# windows records from one read.
# shellcheck disable=SC2016
t_cmdline()
{
	printf '%s\n' 'BOOT_IMAGE=x lab_engine.delay_ns=20000 lab_engine.Bad=1 quiet lab_engine.contexts=timer,tasklet lab_engine.x=$(id) lab_engine_y=2' \
		>"$TMP/cmdline"
	for _sh in sh busybox; do
		command -v "$_sh" >/dev/null || continue
		_sh_cmd=$_sh
		[ "$_sh" = sh ] || _sh_cmd="busybox sh"
		_got=$(ENGINE_CMDLINE=$TMP/cmdline LAB_OUT=$TMP/out LAB_TAG=t $_sh_cmd -c \
			'. testcases/lib/lab.sh; . testcases/lib/engine.sh; engine_cmdline' | tr '\n' ' ')
		check "engine_cmdline ($_sh): the engine's words only ($_got)" \
			[ "$_got" = "delay_ns=20000 contexts=timer,tasklet " ]
		mkdir -p "$TMP/eng"
		printf 'ctx=hrtimer order=0 attempts=5\n' >"$TMP/eng/stats"
		printf 'w=0 ms=250 ctx=hrtimer order=0 attempts=5\nw=0 ms=250 memory reserved_highatomic=0 free_blocks=1,2\nwindows=1 dropped=2\n' \
			>"$TMP/eng/windows"
		printf 'ctx=timer order=1 attempts=7 successes=4 failures=3\nctx=rx_ring refills=9 served=9 fallback=0 dropped=0\n' >>"$TMP/eng/stats"
		rm -f "$TMP/out/data"
		_sums=$(ENGINE_DIR=$TMP/eng LAB_OUT=$TMP/out LAB_TAG=t $_sh_cmd -c \
			'. testcases/lib/lab.sh; . testcases/lib/engine.sh; engine_record t; echo "$ENGINE_REC_ATTEMPTS $ENGINE_REC_FAILURES $ENGINE_REC_LEAST $ENGINE_REC_WINDOWS"')
		check "engine_record ($_sh): attempts and failures summed over contexts and orders, the fewest of a pair, the windows' summary ($_sums)" \
			[ "$_sums" = "12 3 5 windows=1 dropped=2" ]
		# with check: engine_check's books from the same read
		echo stopped >"$TMP/eng/state"
		printf 'ctx=timer order=1 attempts=7 successes=4 failures=3 outstanding=0\n' >"$TMP/eng/stats"
		rm -f "$TMP/out/verdict"
		_rc=0
		ENGINE_DIR=$TMP/eng LAB_OUT=$TMP/out LAB_TAG=t $_sh_cmd -c \
			'. testcases/lib/lab.sh; . testcases/lib/engine.sh; engine_record t check' >/dev/null || _rc=$?
		check "engine_record ($_sh): check passes balanced books" [ "$_rc" = 0 ]
		printf 'ctx=timer order=1 attempts=7 successes=4 failures=2 outstanding=0\n' >"$TMP/eng/stats"
		_rc=0
		ENGINE_DIR=$TMP/eng LAB_OUT=$TMP/out LAB_TAG=t $_sh_cmd -c \
			'. testcases/lib/lab.sh; . testcases/lib/engine.sh; engine_record t check' >/dev/null || _rc=$?
		check "engine_record ($_sh): check fails unbalanced books, category accounting" \
			sh -c '[ "$1" = 1 ] && grep -q "^accounting: ctx=timer order=1 attempts=7" "$2"' sh "$_rc" "$TMP/out/verdict"
		echo running >"$TMP/eng/state"
		_rc=0
		ENGINE_DIR=$TMP/eng LAB_OUT=$TMP/out LAB_TAG=t $_sh_cmd -c \
			'. testcases/lib/lab.sh; . testcases/lib/engine.sh; engine_record t check' >/dev/null || _rc=$?
		check "engine_record ($_sh): check refuses a running engine" \
			sh -c '[ "$1" = 1 ] && grep -q "^setup: engine_check while the engine runs" "$2"' sh "$_rc" "$TMP/out/verdict"
		printf 'ctx=hrtimer order=0 attempts=5\n' >"$TMP/eng/stats"
		rm -f "$TMP/out/data"
		ENGINE_DIR=$TMP/eng LAB_OUT=$TMP/out LAB_TAG=t $_sh_cmd -c \
			'. testcases/lib/lab.sh; . testcases/lib/engine.sh; engine_record t; engine_record t'
		check "engine_record ($_sh): stat, win, winmem and winsum records, phases counted" \
			[ "$(tr '\n' '|' <"$TMP/out/data")" = "stat test=t ctx=hrtimer order=0 attempts=5|win test=t phase=1 w=0 ms=250 ctx=hrtimer order=0 attempts=5|winmem test=t phase=1 w=0 ms=250 reserved_highatomic=0 free_blocks=1,2|winsum test=t phase=1 windows=1 dropped=2|stat test=t ctx=hrtimer order=0 attempts=5|win test=t phase=2 w=0 ms=250 ctx=hrtimer order=0 attempts=5|winmem test=t phase=2 w=0 ms=250 reserved_highatomic=0 free_blocks=1,2|winsum test=t phase=2 windows=1 dropped=2|" ]
	done
}

# t_ran: engine_contexts' own rules on engine_record's read (RAN_AWK,
# taken from the test): a context that attempted and succeeded at every
# order passes with its sums; an order without a success, a context
# without statistics and an RX ring that served no refill fail; the
# books are checked first.
# shellcheck disable=SC2016
t_ran()
{
	sed -n "/^RAN_AWK='/,/^}'\$/p" testcases/engine_contexts.sh >"$TMP/ran_awk"
	check "RAN_AWK found in engine_contexts.sh" grep -q '^END' "$TMP/ran_awk"
	mkdir -p "$TMP/ran"
	echo stopped >"$TMP/ran/state"
	for _sh in sh busybox; do
		command -v "$_sh" >/dev/null || continue
		_sh_cmd=$_sh
		[ "$_sh" = sh ] || _sh_cmd="busybox sh"
		for _c in \
			'timer|ok attempts=17 failures=3|ctx=timer order=0 attempts=10 successes=10 failures=0 outstanding=0|ctx=timer order=1 attempts=7 successes=4 failures=3 outstanding=0|ctx=tasklet order=0 attempts=0 successes=0 failures=0 outstanding=0' \
			'timer|bad timer order=1: attempts=7 successes=0|ctx=timer order=0 attempts=10 successes=10 failures=0 outstanding=0|ctx=timer order=1 attempts=7 successes=0 failures=7 outstanding=0' \
			'timer|bad timer: no statistics|ctx=tasklet order=0 attempts=10 successes=10 failures=0 outstanding=0' \
			'rx_ring|bad rx_ring: no refill served: ctx=rx_ring refills=0 served=0|ctx=rx_ring order=0 attempts=0 successes=0 failures=0 outstanding=0|ctx=rx_ring refills=0 served=0' \
			'rx_ring|ok attempts=4 failures=0|ctx=rx_ring order=2 attempts=4 successes=4 failures=0 outstanding=0|ctx=rx_ring refills=4 served=4'; do
			_ctx=${_c%%|*}
			_r=${_c#*|}
			_want=${_r%%|*}
			printf '%s\n' "${_r#*|}" | tr '|' '\n' >"$TMP/ran/stats"
			rm -f "$TMP/out/verdict" "$TMP/out/.xrec"
			_rc=0
			ENGINE_DIR=$TMP/ran LAB_OUT=$TMP/out LAB_TAG=t RAN=$TMP/ran_awk $_sh_cmd -c \
				'. testcases/lib/lab.sh; . testcases/lib/engine.sh; . "$RAN"; engine_record t check "$RAN_AWK" "$1"' sh "$_ctx" \
				>/dev/null || _rc=$?
			_got=
			read -r _got <"$TMP/out/.xrec" || :
			check "RAN_AWK ($_sh, $_ctx): $_want ($_got)" [ "$_rc:$_got" = "0:$_want" ]
		done
		# the books first: an unbalanced order fails as accounting
		printf 'ctx=timer order=0 attempts=10 successes=9 failures=0 outstanding=0\n' >"$TMP/ran/stats"
		_rc=0
		ENGINE_DIR=$TMP/ran LAB_OUT=$TMP/out LAB_TAG=t RAN=$TMP/ran_awk $_sh_cmd -c \
			'. testcases/lib/lab.sh; . testcases/lib/engine.sh; . "$RAN"; engine_record t check "$RAN_AWK" timer' \
			>/dev/null || _rc=$?
		check "RAN_AWK ($_sh): unbalanced books fail first, category accounting" \
			sh -c '[ "$1" = 1 ] && grep -q "^accounting: ctx=timer order=0" "$2"' sh "$_rc" "$TMP/out/verdict"
	done
}

# shellcheck disable=SC2016
main()
{
	TMP=$(mktemp -d)
	trap 'rm -rf "$TMP"' EXIT
	mkdir -p "$TMP/out"
	sed -n 's/^stat test=[^ ]* \(ctx=.*hist=.*\)$/\1/p' \
		scripts/check/fixtures/aa/aa1/tests/3-engine_contexts/data >"$TMP/stats"
	check "real stats lines from a run ($(wc -l <"$TMP/stats"))" [ -s "$TMP/stats" ]
	check "engine_validate accepts them" validate "$TMP/stats"
	# p50 doubled leaves its power-of-two bucket; p99 set to p50 too
	refused "lat_p50_ns outside the bucket of its rank" \
		'NR == 3 { split($10, a, "="); sub(/lat_p50_ns=[0-9]+/, "lat_p50_ns=" 2 * a[2]); split($12, m, "="); sub(/lat_max_ns=[0-9]+/, "lat_max_ns=" 4 * m[2]); sub(/lat_p99_ns=[0-9]+/, "lat_p99_ns=" 4 * m[2]) } { print }'
	refused "lat_p99_ns outside the bucket of its rank" \
		'NR == 4 { split($10, a, "="); sub(/lat_p99_ns=[0-9]+/, "lat_p99_ns=" a[2]) } { print }'
	refused "hist adds up to" 'NR == 2 { sub(/hist=/, "hist=1") } { print }'
	refused "expected 13 fields" 'NR == 1 { sub(/ bytes=[0-9]+/, "") } { print }'
	awk 'NR == 5 { split($10, a, "="); sub(/lat_p50_ns=[0-9]+/, "lat_p50_ns=" a[2] + 1) } { print }' \
		"$TMP/stats" >"$TMP/ok"
	check "engine_validate accepts a p50 moved within its bucket" validate "$TMP/ok"
	t_wait
	t_sleep
	t_cmdline
	t_ran
	t_write
	exit "$FAILED"
}

main "$@"
