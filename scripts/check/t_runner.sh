#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the host runner: bad input is refused with exit status 2,
# a message naming what is wrong, and nothing under results/ touched; the
# kernel config verifier names missing symbols; collect.sh turns a boot's
# channel and console into the right verdicts; "make run" keeps run.sh's
# exit status; REPEAT repeats the selection and counts passes per test.

set -eu
cd "$(dirname "$0")/../.."

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

ok()
{
	echo "ok - $*"
}

nok()
{
	echo "not ok - $*"
}

# refused <what> <pattern> <env...>: run.sh exits 2, says <pattern>, and
# the results folder is untouched.
refused()
{
	_what=$1
	_pat=$2
	shift 2
	_before=$(find "$T/results" | LC_ALL=C sort | cksum)
	_rc=0
	env RESULTS="$T/results" LAB_CACHE="$T/cache" "$@" sh scripts/run.sh >"$T/out" 2>&1 || _rc=$?
	_after=$(find "$T/results" | LC_ALL=C sort | cksum)
	if [ "$_rc" -eq 2 ] && grep -q -- "$_pat" "$T/out" && [ "$_before" = "$_after" ]; then
		ok "refused: $_what"
	else
		sed 's/^/# /' "$T/out"
		nok "refused: $_what (status $_rc, want 2 and '$_pat', results untouched)"
	fi
}

bad_input()
{
	mkdir -p "$T/results/old"
	echo keep >"$T/results/old/ktap.txt"
	printf 'only_a_tag\n' >"$T/short.list"
	printf 'a guest_sanity.sh\nb no_such_test.sh\n' >"$T/nocmd.list"
	printf 'a guest_sanity.sh\na guest_sanity.sh\n' >"$T/dup.list"
	printf 'a guest_sanity.sh -f no_such_profile\n' >"$T/noprof.list"
	printf 'bad tag! guest_sanity.sh\n' >"$T/tag.list"
	refused "ACCEL=foo" "ACCEL='foo'" ACCEL=foo
	refused "VCPUS=abc" "VCPUS='abc'" VCPUS=abc
	refused "VCPUS=0" "VCPUS='0' is out of range" VCPUS=0
	refused "MEM=lots" "MEM='lots'" MEM=lots
	refused "LAB_DURATION=-1" "LAB_DURATION" LAB_DURATION=-1
	refused "HANG_TIMEOUT=x" "HANG_TIMEOUT" HANG_TIMEOUT=x
	refused "SHARD=3/2" "SHARD" SHARD=3/2
	refused "SHARD=x" "SHARD" SHARD=x
	refused "TESTS=(" "TESTS" "TESTS=("
	refused "missing runtest list" "not found or not readable" RUNTEST="$T/none.list"
	refused "runtest line without a command" "short.list:1:" RUNTEST="$T/short.list"
	refused "runtest line with an unknown test" "nocmd.list:2: no test" RUNTEST="$T/nocmd.list"
	refused "runtest duplicate tag" "dup.list:2: tag" RUNTEST="$T/dup.list"
	refused "runtest unknown fault profile" "noprof.list:1: no fault profile" RUNTEST="$T/noprof.list"
	refused "runtest bad tag" "tag.list:1:" RUNTEST="$T/tag.list"
	refused "RUN_ID with a slash" "RUN_ID" RUN_ID=a/b
	refused "REPEAT=0" "REPEAT='0' is out of range" REPEAT=0
	refused "REPEAT=x" "REPEAT='x'" REPEAT=x
	refused "KSRC not a kernel tree" "KSRC=$T is not a kernel source tree" KSRC="$T"
	refused "KSRC missing" "is not a folder" KSRC="$T/nowhere"
	refused "KBUILD without bzImage" "no arch/x86/boot/bzImage" KBUILD="$T"
	refused "EXTMOD not a folder" "EXTMOD=" EXTMOD="$T/nowhere"
}

# make_status: "make run" exits with run.sh's own status, 2 for a bad
# variable (make's own status for a failed recipe would be 2 as well; the
# e2e test checks 1 for a failing test and 130 for Ctrl-C).
make_status()
{
	_before=$(find "$T/results" | LC_ALL=C sort | cksum)
	_rc=0
	make run RESULTS="$T/results" LAB_CACHE="$T/cache" VCPUS=abc >"$T/out" 2>&1 || _rc=$?
	_after=$(find "$T/results" | LC_ALL=C sort | cksum)
	if [ "$_rc" = 2 ] && grep -q "VCPUS='abc'" "$T/out" && [ "$_before" = "$_after" ]; then
		ok "make run: a bad variable exits 2, results untouched"
	else
		sed 's/^/# /' "$T/out"
		nok "make run: a bad variable exits 2 (got $_rc)"
	fi
	make_refused "a bad runtest list exits 2 naming file and line" "tag.list:1:" \
		RUNTEST="$T/tag.list"
	# a pattern reaches run.sh as written ("$|" is a variable of make's);
	# an unbalanced one is refused naming it
	make_refused "TESTS reaches the runner as written, \$| included" \
		"TESTS='(^a\$|^b\$' is not a valid" TESTS='(^a$|^b$'
}

# make_refused <what> <text> <variable=value>...: make run with them exits
# 2 and says <text>.
make_refused()
{
	_what=$1
	_text=$2
	shift 2
	_rc=0
	make run RESULTS="$T/results" LAB_CACHE="$T/cache" "$@" >"$T/out" 2>&1 || _rc=$?
	if [ "$_rc" = 2 ] && grep -qF -- "$_text" "$T/out"; then
		ok "make run: $_what"
	else
		sed 's/^/# /' "$T/out"
		nok "make run: $_what (got $_rc)"
	fi
}

# repeat: REPEAT=3 lists the selection three times, round by round, tags
# suffixed .r1 .. .r3; the summary counts passes per test in repeat.txt and
# exits 1 when a round failed.
repeat()
{
	printf 'a guest_sanity.sh\nb guest_sanity.sh -d 5\n' >"$T/rep.list"
	_got=$(LAB_TOP=$PWD RUNTEST=$T/rep.list REPEAT=3 sh -c '
		. scripts/lib.sh
		. scripts/run/select.sh
		select_tests "$1"
		cut -d" " -f1,2 "$1" | tr "\n" ","' sh "$T/rep.out" 2>&1)
	if [ "$_got" = "1 a.r1,2 b.r1,3 a.r2,4 b.r2,5 a.r3,6 b.r3," ]; then
		ok "REPEAT=3: the selection three times, tags .r1 .. .r3"
	else
		nok "REPEAT=3: the selection three times (got '$_got')"
	fi
	_r=$T/reprun
	mkdir -p "$_r"
	cp "$T/rep.out" "$_r/list"
	printf 'suite_format=1\nrepeat=3\n' >"$_r/meta.env"
	for _t in 1-a.r1:ok 2-b.r1:ok 3-a.r2:fail 4-b.r2:ok 5-a.r3:ok 6-b.r3:skip; do
		mkdir -p "$_r/tests/${_t%:*}"
		printf '%s\twhy\n' "${_t#*:}" >"$_r/tests/${_t%:*}/result"
	done
	_rc=0
	sh scripts/run/summary.sh "$_r" >"$T/out" 2>&1 || _rc=$?
	if [ "$_rc" = 1 ] && grep -qx "a	passed 2/3	ok fail ok" "$_r/repeat.txt" &&
		grep -qx "b	passed 3/3	ok ok skip" "$_r/repeat.txt" &&
		grep -q "repeat: a passed 2/3" "$T/out"; then
		ok "REPEAT: repeat.txt and the summary give passes per test, exit 1"
	else
		sed 's/^/# /' "$T/out" "$_r/repeat.txt"
		nok "REPEAT: repeat.txt and the summary (status $_rc)"
	fi
}

# A KBUILD whose .config lacks a requested symbol: the error names the
# symbol and the fragment's file and line.
config_verify()
{
	kb=$T/kb
	mkdir -p "$kb/arch/x86/boot"
	: >"$kb/arch/x86/boot/bzImage"
	: >"$kb/Module.symvers"
	cat configs/kernel/*.config | grep '^CONFIG_' | grep -v '^CONFIG_FAIL_PAGE_ALLOC=' >"$kb/.config"
	rc=0
	KBUILD=$kb LAB_CACHE=$T/cache sh scripts/kernel.sh >"$T/out" 2>&1 || rc=$?
	line=$(grep -n '^CONFIG_FAIL_PAGE_ALLOC=' configs/kernel/20-fault-injection.config | cut -d: -f1)
	if [ "$rc" = 2 ] &&
		grep -q "20-fault-injection.config:$line: CONFIG_FAIL_PAGE_ALLOC=y requested" "$T/out"; then
		ok "kernel config verifier names a missing symbol and its fragment line"
	else
		sed 's/^/# /' "$T/out"
		nok "kernel config verifier names a missing symbol (status $rc)"
	fi
	cat configs/kernel/*.config | grep '^CONFIG_' |
		grep -v '^CONFIG_FAULT_INJECTION_STACKTRACE_FILTER=' >"$kb/.config"
	rc=0
	KBUILD=$kb LAB_CACHE=$T/cache sh scripts/kernel.sh >"$T/out" 2>&1 || rc=$?
	if [ "$rc" = 0 ] && grep -q "warning: .*CONFIG_FAULT_INJECTION_STACKTRACE_FILTER" "$T/out"; then
		ok "kernel config verifier only warns about a symbol listed in may-lack"
	else
		sed 's/^/# /' "$T/out"
		nok "kernel config verifier only warns about a may-lack symbol (status $rc)"
	fi
	cat configs/kernel/*.config | grep '^CONFIG_' >"$kb/.config"
	rc=0
	out=$(KBUILD=$kb LAB_CACHE=$T/cache sh scripts/kernel.sh 2>"$T/out") || rc=$?
	if [ "$rc" = 0 ] && [ "$out" = "$kb" ]; then
		ok "kernel config verifier accepts a complete .config"
	else
		sed 's/^/# /' "$T/out"
		nok "kernel config verifier accepts a complete .config (status $rc)"
	fi
}

# collect: a boot where test 1 passes, test 2 passes in the guest but
# oopsed on the console, and test 3 panicked the guest.
collect()
{
	run=$T/run
	mkdir -p "$run/boot-1" "$run/tests"
	printf '1 t_ok guest_sanity.sh\n2 t_oops guest_sanity.sh\n3 t_panic guest_sanity.sh\n4 t_next guest_sanity.sh\n' >"$run/list"
	cat >"$run/boot-1/channel.log" <<'CH'
LAB BOOT 1 4 tsc
LAB START 1 t_ok 60
LAB OUT 1 # hello
LAB DATA 1 sum test=t_ok x=1
LAB TIME 1 0.50
LAB RESULT 1 t_ok ok
LAB START 2 t_oops 60
LAB TIME 2 0.70
LAB RESULT 2 t_oops ok
LAB START 3 t_panic 60
CH
	cat >"$run/boot-1/console.log" <<'CO'
[    1.000000] labyrinth: START 1 t_ok
[    1.100000] lab_engine: loaded
[    1.200000] labyrinth: END 1 t_ok
[    2.000000] labyrinth: START 2 t_oops
[    2.100000] BUG: kernel NULL pointer dereference, address: 0000000000000008
[    2.100001] #PF: supervisor read access in kernel mode
[    2.100002] Oops: Oops: 0000 [#1] PREEMPT SMP
[    2.300000] labyrinth: END 2 t_oops
[    3.000000] labyrinth: START 3 t_panic
[    3.100000] Kernel panic - not syncing: Fatal exception in interrupt
CO
	echo "exit 0" >"$run/boot-1/console.log.end"
	out=$(sh scripts/collect.sh "$run" 1 2>&1) || out="status $?: $out"
	r1=$(cat "$run"/tests/1-t_ok/result 2>/dev/null || :)
	r2=$(cut -f2 "$run"/tests/2-t_oops/result 2>/dev/null || :)
	r3=$(cut -f2 "$run"/tests/3-t_panic/result 2>/dev/null || :)
	if [ "$out" = "crashed 3" ]; then ok "collect: crash in test 3 reported"; else nok "collect: crash in test 3 reported (got '$out')"; fi
	case $r1 in ok*) ok "collect: clean test passes" ;; *) nok "collect: clean test passes (got '$r1')" ;; esac
	case $r2 in oops:*) ok "collect: console oops fails a test the guest passed" ;; *) nok "collect: console oops fails the test (got '$r2')" ;; esac
	case $r3 in panic:*'Fatal exception'*) ok "collect: dead guest gives category panic with the crash title" ;; *) nok "collect: panic category and title (got '$r3')" ;; esac
	if grep -qx '# hello' "$run/tests/1-t_ok/output.log" && grep -q '^sum test=t_ok' "$run/tests/1-t_ok/data"; then
		ok "collect: output and data records land in the test's folder"
	else
		nok "collect: output and data records land in the test's folder"
	fi
	if [ ! -e "$run"/tests/4-t_next ]; then
		ok "collect: a test that never started has no result yet"
	else
		nok "collect: a test that never started has no result yet"
	fi
	echo "hang no output from the guest for 45s" >"$run/boot-1/console.log.end"
	sed -i '/Kernel panic/d' "$run/boot-1/console.log"
	sh scripts/collect.sh "$run" 1 >/dev/null 2>&1 || :
	r3=$(cut -f2 "$run"/tests/3-t_panic/result 2>/dev/null || :)
	case $r3 in hang:*) ok "collect: silent guest gives category hang" ;; *) nok "collect: silent guest gives category hang (got '$r3')" ;; esac
}

# live: a long test's progress lines (LAB PROG) are printed on the host
# as they come (progress.sh follow) and land in the test's data, also
# when the test never finished (collect.sh).
live()
{
	run=$T/live
	mkdir -p "$run/boot-1" "$run/tests"
	printf '1 soak_x atomic_stress.sh\n' >"$run/list"
	cat >"$run/boot-1/channel.log" <<'CH'
LAB BOOT 1 1 tsc
LAB START 1 soak_x 200
LAB PROG 1 prog test=soak_x elapsed_s=10 remaining_s=35 attempts=120000 attempts_per_s=12000 failures=310 injected=300 natural=10 free_blocks_o3=12
LAB OUT 1 # still going
LAB PROG 1 prog test=soak_x elapsed_s=20 remaining_s=25 attempts=230000 attempts_per_s=11000 failures=620 injected=600 natural=20 free_blocks_o3=9
CH
	echo "exit 0" >"$run/boot-1/console.log.end"
	: >"$run/boot-1/console.log"
	sleep 1 &
	LAB_T0=$(date +%s) sh scripts/run/progress.sh follow "$run" 1 $! 2>"$T/live.err" || :
	if grep -q '^ *soak_x  *10s of 45s, 35s left  12000 attempts/s  failures 310 (injected 300, natural 10)  free blocks of order >= 3: 12$' "$T/live.err" &&
		[ "$(grep -c 'attempts/s' "$T/live.err")" -eq 2 ]; then
		ok "progress: a line on the host for each progress record"
	else
		nok "progress: a line on the host for each progress record (got '$(cat "$T/live.err")')"
	fi
	out=$(sh scripts/collect.sh "$run" 1 2>&1) || out="status $?: $out"
	if [ "$(grep -c '^prog test=soak_x elapsed_s=' "$run/tests/1-soak_x/data" 2>/dev/null)" = 2 ] &&
		[ "$out" = "crashed 1" ]; then
		ok "collect: progress records of a test that never finished land in its data"
	else
		nok "collect: progress records land in the data (got '$out', $(cat "$run/tests/1-soak_x/data" 2>/dev/null))"
	fi
}

# dataz: a test's records sent gzipped in base64 (runner.sh, send_data)
# land in its data in order between the plain ones; a stream the guest
# did not finish keeps its whole records and drops the cut one.
dataz()
{
	run=$T/dataz
	mkdir -p "$run/boot-1" "$run/tests"
	printf '1 t_z guest_sanity.sh
2 t_cut guest_sanity.sh
' >"$run/list"
	awk 'BEGIN { for (i = 0; i < 400; i++) printf "win test=t_z phase=1 w=%d ms=250 ctx=spin_irq order=%d attempts=%d\n", i, i % 5, 500 + i }' >"$T/recs"
	{
		echo 'LAB BOOT 1 2 tsc'
		echo 'LAB START 1 t_z 60'
		echo 'LAB PROG 1 prog test=t_z elapsed_s=1'
		gzip -c "$T/recs" | base64 | sed 's/^/LAB DATAZ 1 /'
		echo 'LAB DATAZ 1 end'
		echo 'LAB DATA 1 wall test=t_z ms=900'
		echo 'LAB RESULT 1 t_z ok'
		echo 'LAB START 2 t_cut 60'
		gzip -c "$T/recs" | base64 | sed 's/^/LAB DATAZ 2 /' | head -n 20
	} >"$run/boot-1/channel.log"
	echo "exit 0" >"$run/boot-1/console.log.end"
	: >"$run/boot-1/console.log"
	sh scripts/collect.sh "$run" 1 >/dev/null 2>&1 || :
	{
		echo 'prog test=t_z elapsed_s=1'
		cat "$T/recs"
		echo 'wall test=t_z ms=900'
	} >"$T/want"
	if cmp -s "$T/want" "$run/tests/1-t_z/data" && [ ! -e "$run/tests/1-t_z/.data.z" ]; then
		ok "collect: gzipped records land in the data, in order with the plain ones"
	else
		nok "collect: gzipped records land in the data in order ($(diff "$T/want" "$run/tests/1-t_z/data" 2>&1 | head -n 5))"
	fi
	_n=$(wc -l <"$run/tests/2-t_cut/data" 2>/dev/null || echo 0)
	if [ "$_n" -gt 0 ] && [ "$_n" -lt 400 ] &&
		head -n "$_n" "$T/recs" | cmp -s - "$run/tests/2-t_cut/data"; then
		ok "collect: a cut stream keeps its whole records ($_n of 400) and drops the cut one"
	else
		nok "collect: a cut stream keeps its whole records (got $_n lines)"
	fi
}

# emit_eintr: the runner's emit survives a child that ends while its write
# waits (busybox ash catches SIGCHLD without SA_RESTART); printf, as emit
# had it, does not.  The channel is a FIFO filled up, emptied a moment
# after the child ended.  The scenario is tried up to three times until
# printf fails in it (a shell that reaches its write only after the child
# ended meets no EINTR).
emit_scenario()
{
	rm -f "$T/ch"
	mkfifo "$T/ch"
	_rc=0
	# shellcheck disable=SC2016 # the inner shell's own arguments
	busybox ash -c '
		. "$1"
		exec 3<>"$2"
		head -c 65536 /dev/zero >&3
		(sleep 0.5) &
		(sleep 1.2; exec head -c 65600 "$2" >/dev/null) &
		if [ "$3" = emit ]; then
			emit "LAB BOOT 1 4 tsc"
		else
			printf "%s\n" "LAB BOOT 1 4 tsc" >&3
		fi' sh "$T/emit.sh" "$T/ch" "$1" >"$T/emit.out" 2>&1 || _rc=$?
	return "$_rc"
}

emit_eintr()
{
	command -v busybox >/dev/null 2>&1 || { ok "# SKIP emit and EINTR: no busybox"; return 0; }
	sed -n '/^emit()$/,/^}$/p' testcases/runner.sh >"$T/emit.sh"
	_bit=
	for _i in 1 2 3; do
		emit_scenario printf || { _bit=$?; break; }
	done
	if [ -z "$_bit" ]; then
		nok "runner: emit and EINTR: printf never failed in the scenario (3 tries)"
		return 0
	fi
	if emit_scenario emit; then
		ok "runner: emit writes on when a child ends while it waits for the channel (printf gave up: status $_bit)"
	else
		nok "runner: emit and a child ending while it waits (status $?: $(cat "$T/emit.out"))"
	fi
}

# image_key: the guest image follows the modules' content.
image_key()
{
	mkdir -p "$T/ko"
	echo one >"$T/ko/m.ko"
	a=$(LAB_CACHE=$T/cache sh scripts/image.sh "$T/ko" 2>/dev/null)
	echo two >"$T/ko/m.ko"
	b=$(LAB_CACHE=$T/cache sh scripts/image.sh "$T/ko" 2>/dev/null)
	if [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ]; then
		ok "image: a changed module gives a new guest image"
	else
		nok "image: a changed module gives a new guest image ($a, $b)"
	fi
}

main()
{
	bad_input
	make_status
	repeat
	config_verify
	collect
	live
	dataz
	emit_eintr
	image_key
}

main "$@"
