#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the boot loop (scripts/run/boots.sh) with a stand-in QEMU
# that plays a guest from the run's list: a crash restarts the guest from
# the next test, progress lines carry the host's final verdict, SIGINT to
# the run's process group and SIGTERM to the runner stop QEMU, mark the
# running test interrupted, write every report and results/latest and exit
# 130; qemu.sh records how QEMU ended and samples the host's side.  With GUESTS=2 the same list gives
# the same KTAP as one guest, the guests run at once, each recovers from its
# own crash or restart, and a signal stops both; the first boot saves the
# guest, later boots start from it (scripts/qemu.sh "Saved guests").
# ONLY=1: up to the saved guests
# tests; ONLY=guests: those and the two-guest tests.

set -eu
cd "$(dirname "$0")/../.."
. scripts/check/tap.sh

T=$(mktemp -d)
# (a stand-in ended by KILL leaves its monitor loop: every process of
# the stand-ins goes too)
[ -n "${KEEP:-}" ] || trap 'pkill -f "$T/bin/" 2>/dev/null || :; rm -rf "$T"' EXIT

# fake_qemu: a stand-in for qemu-system-x86_64.  Tags (without .rK) say
# what the guest does in a test: ok*, bug* (oops on the console, the guest
# says ok), panic* (the kernel dies), slow* (runs 60 s), restart* (passes,
# then asks for a restart and ends the boot), nap* (runs 2 s).  SIGTERM:
# QEMU's message, then exit 0.
fake_qemu()
{
	mkdir -p "$T/bin"
	cat >"$T/bin/qemu" <<'FAKE'
#!/bin/sh
set -eu
[ "${1:-}" != --version ] || { echo "QEMU emulator version 0.0 (stand-in)"; exit 0; }
con=
chan=
initrd=
inp=
mon=
incoming=
while [ $# -gt 0 ]; do
	case $1 in
	-serial)
		case $2 in
		file:*) if [ -z "$con" ]; then con=${2#file:}; else chan=${2#file:}; fi ;;
		esac
		shift
		;;
	-chardev)
		case $2 in
		file,id=labcon,path=*) con=${2#*path=}; con=${con%%,*} ;;
		file,id=labchan,path=*) chan=${2#*path=}; chan=${chan%%,*} ;;
		pipe,id=labin,path=*) inp=${2#*path=} ;;
		esac
		shift
		;;
	-monitor) mon=${2#pipe:}; shift ;;
	-incoming) incoming=${2#exec:cat \'}; incoming=${incoming%\'}; shift ;;
	-initrd) initrd=$2; shift ;;
	esac
	shift
done
trap 'echo "qemu-system-x86_64: terminating on signal 15 from pid 1 (test)" >&2; exit 0' TERM
d=$(mktemp -d)
k() { printf '[    1.000000] %s\n' "$*" >>"$con"; }
c() { printf '%s\n' "$*" >>"$chan"; }
if [ -n "$inp" ]; then
	# a guest saved and restored through the monitor (scripts/qemu.sh
	# "Saved guests"): the saved state is the line "fake-vm"
	if [ -n "$incoming" ] && [ "$(cat "$incoming" 2>/dev/null)" != fake-vm ]; then
		echo "qemu-system-x86_64: load of migration failed: Invalid argument" >&2
		exit 1
	fi
	state=paused
	[ -n "$incoming" ] || state=running
	echo "$state" >"$d/state"
	(
		exec 5<>"$mon.in" 7<>"$mon.out"
		while IFS= read -r cmd <&5; do
			case $cmd in
			"info status") printf 'VM status: %s\r\n' "$(cat "$d/state")" >&7 ;;
			stop) echo paused >"$d/state" ;;
			cont) echo running >"$d/state" ;;
			migrate*)
				f=${cmd#*>\'}
				echo fake-vm >"${f%\'*}"
				;;
			"info migrate") printf 'Migration status: completed\r\n' >&7 ;;
			esac
		done
	) &
	# (its pid kept: a later "&" changes $!, and the loop would outlive
	# a stand-in ended by TERM)
	monpid=$!
	trap 'kill $monpid 2>/dev/null || :' EXIT
	if [ -z "$incoming" ]; then
		k "labyrinth: init"
		c "LAB READY"
	fi
	exec 6<>"$inp.in"
	mkdir -p "$d/lab/run"
	while IFS= read -r l <&6; do
		[ "$l" != "# list" ] || break
		printf '%s\n' "$l" >>"$d/lab/run/env"
	done
	while IFS= read -r l <&6; do
		[ "$l" != "# end" ] || break
		printf '%s\n' "$l" >>"$d/lab/run/list"
	done
	# a restored guest that dies before its first line (FAKE_RESTORE_DIES)
	[ -z "$incoming" ] || [ -z "${FAKE_RESTORE_DIES:-}" ] || exit 0
	# the monitor's loop may take the "cont" after the input came
	n=0
	while [ "$(cat "$d/state")" != running ]; do
		n=$((n + 1))
		[ "$n" -lt 40 ] || { echo "fake: input to a paused guest" >&2; exit 1; }
		sleep 0.05
	done
else
	(cd "$d" && cpio -i --quiet <"$initrd")
fi
start=$(sed -n 's/^start=//p' "$d/lab/run/env")
c "LAB BOOT $start 0 tsc"
while read -r idx tag cmd; do
	[ "$idx" -ge "$start" ] || continue
	c "LAB START $idx $tag 60"
	k "labyrinth: START $idx $tag"
	case $tag in
	slow*) sleep 60 & wait $! ;;
	nap*) sleep 2 ;;
	panic*) k "Kernel panic - not syncing: Fatal exception"; rm -rf "$d"; exit 0 ;;
	bug*) k "BUG: kernel NULL pointer dereference, address: 0000000000000008" ;;
	esac
	c "LAB TIME $idx 0.25"
	c "LAB RESULT $idx $tag ok"
	k "labyrinth: END $idx $tag"
	case $tag in
	restart*) c "LAB RESTART $idx lockdep off"; rm -rf "$d"; exit 0 ;;
	esac
done <"$d/lab/run/list"
c "LAB DONE"
rm -rf "$d"
FAKE
	chmod +x "$T/bin/qemu"
	: >"$T/bzImage"
	: >"$T/image"
}

# prepare <run-id> <list-lines...>: a run folder as scripts/run.sh leaves it.
prepare()
{
	RUN=$T/results/$1
	shift
	mkdir -p "$RUN/tests"
	: >"$RUN/list"
	_i=0
	for _t in "$@"; do
		_i=$((_i + 1))
		echo "$_i $_t guest_sanity.sh" >>"$RUN/list"
	done
	printf 'suite_format=1\nrun_id=%s\nruntest=fake\nrepeat=1\n' "${RUN##*/}" >"$RUN/meta.env"
}

# boots: boots.sh on $RUN with the stand-in QEMU, in the background
# in a session of its own (pid $BOOTS = its process group); GUESTS
# guests (default 1).
boots()
{
	env QEMU="$T/bin/qemu" ACCEL=tcg HANG_TIMEOUT=30 LAB_DURATION=1 GUESTS="${GUESTS:-1}" \
		LAB_CACHE="$T/cache" SNAPSHOT="${SNAPSHOT:-on}" \
		setsid env --default-signal=INT,TERM sh scripts/run/boots.sh "$RUN" "$T/bzImage" "$T/image" \
		>"$T/out" 2>&1 &
	BOOTS=$!
}

result_of()
{
	cat "$RUN"/tests/"$1"-*/result 2>/dev/null || echo none
}

# until_seen <pattern> <file>: wait up to 60 s for a line.
until_seen()
{
	_n=0
	while ! grep -q -- "$1" "$2" 2>/dev/null; do
		_n=$((_n + 1))
		[ "$_n" -lt 300 ] || return 1
		sleep 0.2
	done
}

no_qemu_left()
{
	for _p in "$RUN"/boot-*/console.log.pid; do
		[ -f "$_p" ] || continue
		! kill -0 "$(cat "$_p")" 2>/dev/null || return 1
	done
}

# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
crash_and_verdicts()
{
	prepare crash ok_a bug_b panic_c ok_d
	boots
	rc=0
	wait "$BOOTS" || rc=$?
	sed 's/^/# /' "$T/out"
	check "boots: a failed test gives exit status 1 (got $rc)" [ "$rc" = 1 ]
	check "boots: clean test passes" sh -c 'result_of() { cat "$1"/tests/1-*/result; }; result_of "$1" | grep -q "^ok"' sh "$RUN"
	case $(result_of 2) in
	fail*oops*) ok "boots: an oops on the console fails the test the guest passed" ;;
	*) not_ok "boots: console oops fails test 2 (got '$(result_of 2)')" ;;
	esac
	case $(result_of 3) in
	fail*panic*) ok "boots: the test that killed the guest fails with category panic" ;;
	*) not_ok "boots: panic in test 3 (got '$(result_of 3)')" ;;
	esac
	check "boots: the guest restarted after the panic and ran test 4" \
		sh -c 'grep -q "^ok" "$1"/tests/4-*/result && grep -qx "boots=2" "$1/meta.env"' sh "$RUN"
	check "boots: progress shows the host's verdict, not the guest's (test 2: fail)" \
		grep -qE '^\[2/4\] fail +bug_b ' "$T/out"
	check "boots: one progress line per test, the crashed one included" \
		[ "$(grep -cE '^\[[ 0-9]+/4\]' "$T/out")" = 4 ]
	check "boots: the crash is announced as a restart" grep -q 'guest ended in test 3' "$T/out"
	check "boots: KTAP, JUnit, HTML written and results/latest moved" \
		sh -c 'grep -q "^not ok 2 bug_b" "$1/ktap.txt" && [ -s "$1/junit.xml" ] &&
			[ -s "$1/report.html" ] && [ "$(readlink "$2")" = crash ]' sh "$RUN" "$T/results/latest"
}

# interrupted <signal> <to-group|to-runner>
# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
interrupted()
{
	prepare "int$1$2" ok_a slow_b ok_c
	boots
	if ! until_seen '^\[1/3\]' "$T/out" || ! until_seen 'LAB START 2' "$RUN/boot-1/channel.log"; then
		kill -KILL "-$BOOTS" 2>/dev/null || :
		not_ok "interrupt ($1 $2): the first test never finished"
		return 0
	fi
	t0=$(date +%s)
	if [ "$2" = group ]; then
		kill -"$1" "-$BOOTS"
	else
		kill -"$1" "$BOOTS"
	fi
	rc=0
	wait "$BOOTS" || rc=$?
	secs=$(($(date +%s) - t0))
	sed 's/^/# /' "$T/out"
	check "interrupt ($1 to the $2): exit status 130 (got $rc) within 15 s (took $secs s)" \
		sh -c '[ "$1" = 130 ] && [ "$2" -le 15 ]' sh "$rc" "$secs"
	check "interrupt ($1 to the $2): the running test is marked interrupted" \
		[ "$(result_of 2)" = "interrupted	interrupted: run stopped by SIG$1" ]
	check "interrupt ($1 to the $2): the finished test keeps its result, the unstarted one leaves the list" \
		sh -c 'grep -q "^ok" "$1"/tests/1-*/result && [ "$(cut -d" " -f2 "$1/list" | tr "\n" " ")" = "ok_a slow_b " ]' sh "$RUN"
	check "interrupt ($1 to the $2): reports written, latest moved, meta says so" \
		sh -c 'grep -q "^ok 2 slow_b # SKIP interrupted: run stopped by SIG$3" "$1/ktap.txt" && [ -s "$1/junit.xml" ] &&
			[ -s "$1/report.html" ] && [ "$(readlink "$2")" = "${1##*/}" ] &&
			grep -qx "interrupted=SIG$3" "$1/meta.env"' sh "$RUN" "$T/results/latest" "$1"
	check "interrupt ($1 to the $2): no QEMU left running" no_qemu_left
	check "interrupt ($1 to the $2): QEMU's end recorded as killed" \
		grep -q '^killed SIG' "$RUN/boot-1/console.log.end"
}

# early_stop: SIGTERM as the first boot starts still ends the run with 130
# and its reports, no QEMU left.
early_stop()
{
	prepare early slow_a ok_b
	boots
	until_seen . "$RUN/boot-1/console.log.cmdline" || :
	kill -TERM "$BOOTS"
	rc=0
	wait "$BOOTS" || rc=$?
	sed 's/^/# /' "$T/out"
	left=none
	no_qemu_left || left=some
	check "early stop: exit status 130 (got $rc), no QEMU left ($left)" \
		[ "$rc.$left" = 130.none ]
	check "early stop: KTAP written (tests that never started leave the list)" \
		grep -qx '1\.\.[01]' "$RUN/ktap.txt"
}

# restart: a restart the guest asks for after a test boots the guest again
# from the next test; the test keeps its verdict; meta.env counts it.
# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
restart()
{
	if ! grep -q RESTART scripts/collect.sh; then
		ok "boots: restart on request # SKIP collect.sh does not report restarts"
		return 0
	fi
	prepare restart ok_a restart_b ok_c
	boots
	rc=0
	wait "$BOOTS" || rc=$?
	sed 's/^/# /' "$T/out"
	check "boots: a restart on request is announced with its reason" \
		grep -q 'restarting the guest after test 2: lockdep off' "$T/out"
	check "boots: the test before the restart keeps its pass, the next boot runs test 3 (status $rc)" \
		sh -c '[ "$1" = 0 ] && grep -q "^ok" "$2"/tests/2-*/result && grep -q "^ok" "$2"/tests/3-*/result &&
			grep -qx "LAB HOST boot 2 start 3" "$2/channel.log"' sh "$rc" "$RUN"
	check "boots: meta.env counts the restart and its reason" \
		sh -c 'grep -qx "restarts=1" "$1/meta.env" && grep -qx "restart_reasons=2: lockdep off" "$1/meta.env"' sh "$RUN"
}

# qemu_end: console.log.end tells QEMU's own exit from a kill from outside.
# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
qemu_end()
{
	printf '#!/bin/sh\nexit 3\n' >"$T/bin/q3"
	printf '#!/bin/sh\nsleep 60 & wait $!\n' >"$T/bin/qsleep"
	chmod +x "$T/bin/q3" "$T/bin/qsleep"
	QEMU=$T/bin/q3 ACCEL=tcg sh scripts/qemu.sh boot "$T/bzImage" "$T/image" "$T/c3" "$T/ch3" || :
	check "qemu.sh: QEMU's own exit status is recorded (exit 3)" [ "$(cat "$T/c3.end")" = "exit 3" ]
	printf 'start=1\n# list\n# end\n' >"$T/input"
	HOG_DISK=none LAB_CACHE=$T/cache QEMU=$T/bin/q3 ACCEL=tcg sh scripts/qemu.sh boot "$T/bzImage" "$T/image" \
		"$T/c3i" "$T/ch3i" "$T/input" || :
	sleep 0.3
	check "qemu.sh: with an input, a QEMU that ends at once is recorded, no monitor reader or FIFO left" \
		sh -c '[ "$(cat "$1.end")" = "exit 3" ] && ! pgrep -f "$1.mon.out" >/dev/null &&
			[ ! -e "$1.mon.in" ] && [ ! -e "$1.input.in" ] && grep -q "^cold " "$1.snap"' sh "$T/c3i"
	QEMU=$T/bin/qsleep ACCEL=tcg sh scripts/qemu.sh boot "$T/bzImage" "$T/image" "$T/ck" "$T/chk" &
	q=$!
	until_seen . "$T/ck.pid" || :
	sleep 0.5
	kill -KILL "$(cat "$T/ck.pid")" 2>/dev/null || :
	wait "$q" || :
	check "qemu.sh: QEMU killed from outside is recorded as killed SIGKILL" \
		grep -q '^killed SIGKILL ' "$T/ck.end"
	QEMU=$T/bin/qsleep ACCEL=tcg sh scripts/qemu.sh boot "$T/bzImage" "$T/image" "$T/ct" "$T/cht" &
	q=$!
	until_seen . "$T/ct.pid" || :
	kill -TERM "$q"
	rc=0
	wait "$q" || rc=$?
	check "qemu.sh: SIGTERM to qemu.sh ends QEMU and records it (status $rc)" \
		sh -c '[ "$1" = 0 ] && grep -q "^killed SIGTERM qemu.sh was stopped" "$2" && ! kill -0 "$(cat "$3")" 2>/dev/null' \
		sh "$rc" "$T/ct.end" "$T/ct.pid"
}

# qemu_samples: qemu.sh samples the host's side once a second into
# <console>.host: QEMU's CPU time, state (T while it is stopped), the
# console's size as it grows; the hang watchdog does not count the
# seconds QEMU was stopped.
# shellcheck disable=SC2016 # sh -c scripts and awk programs
qemu_samples()
{
	cat >"$T/bin/qtalk" <<'TALK'
#!/bin/sh
while [ $# -gt 0 ]; do
	case $1 in -serial) con=${2#file:}; break ;; esac
	shift
done
i=0
while [ "$i" -lt 12 ]; do
	echo "[    $i.000000] line $i" >>"$con"
	i=$((i + 1))
	sleep 0.5
done
TALK
	chmod +x "$T/bin/qtalk"
	QEMU=$T/bin/qtalk ACCEL=tcg HANG_TIMEOUT=3 sh scripts/qemu.sh boot "$T/bzImage" "$T/image" "$T/cs" "$T/chs" &
	q=$!
	until_seen . "$T/cs.pid" || :
	sleep 1.5
	kill -STOP "$(cat "$T/cs.pid")" 2>/dev/null || :
	sleep 5
	kill -CONT "$(cat "$T/cs.pid")" 2>/dev/null || :
	wait "$q" || :
	check "qemu.sh: 5 s stopped is no silence of the guest (HANG_TIMEOUT=3: $(cat "$T/cs.end"))" \
		[ "$(cat "$T/cs.end")" = "exit 0" ]
	QEMU=$T/bin/qsleep ACCEL=tcg HANG_TIMEOUT=3 sh scripts/qemu.sh boot "$T/bzImage" "$T/image" "$T/cq" "$T/chq" || :
	check "qemu.sh: a silent, running QEMU is still a hang ($(cat "$T/cq.end"))" \
		[ "$(cat "$T/cq.end")" = "hang no output from the guest for 3s" ]
	check "qemu.sh: samples file with its header (hz=)" \
		grep -q '^# t_ms cpu_ticks state console_bytes load1 wait_ms hz=[0-9][0-9]*$' "$T/cs.host"
	check "qemu.sh: one sample a second, six fields, time and CPU never going back ($(grep -vc '^#' "$T/cs.host") samples)" \
		awk '/^#/ { next } NF != 6 || $1 !~ /^[0-9]+$/ || $2 !~ /^[0-9]+$/ || $1 < t || $2 < c { bad = 1 }
			{ t = $1; c = $2; n++ } END { exit bad || n < 5 }' "$T/cs.host"
	check "qemu.sh: the samples show QEMU stopped (state T)" \
		awk '$3 == "T" { n++ } END { exit !(n >= 2) }' "$T/cs.host"
	check "qemu.sh: the samples follow the console's size" \
		sh -c 'tail -n 1 "$1" | awk -v s="$(wc -c <"$2")" "{ exit !(\$4 > 0 && \$4 <= s) }"' sh "$T/cs.host" "$T/cs"
}

# started_at <file>, ended_at <file>: modification times with nanoseconds.
# shellcheck disable=SC2317 # called through check
started_at()
{
	stat -c %.9Y "$1" 2>/dev/null || echo 0
}

# overlap <boot-a> <boot-b>: the two boots ran at the same time (each
# started before the other ended; qemu.sh writes console.log.cmdline as
# QEMU starts and console.log.end as it ends).
# shellcheck disable=SC2317 # called through check
overlap()
{
	awk -v s1="$(started_at "$1/console.log.cmdline")" -v e1="$(started_at "$1/console.log.end")" \
		-v s2="$(started_at "$2/console.log.cmdline")" -v e2="$(started_at "$2/console.log.end")" \
		'BEGIN { exit !(s1 > 0 && s2 > 0 && s1 < e2 && s2 < e1) }'
}

# two_guests: the same list under GUESTS=1 and GUESTS=2 gives the same
# KTAP; the two guests run at once, each from its part, each recovers from
# its own crash or restart; one progress line per test; the logs name the
# guest of each boot.  Parts (scripts/shard.awk): guest 1 gets 3 bug_c,
# 4 panic_d, 5 nap_e, 6 ok_f; guest 2 gets 1 ok_a, 2 nap_b, 7 restart_g,
# 8 ok_h.
# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
two_guests()
{
	set -- ok_a nap_b bug_c panic_d nap_e ok_f restart_g ok_h
	prepare one "$@"
	one=$RUN
	GUESTS=1 boots
	rc1=0
	wait "$BOOTS" || rc1=$?
	prepare two "$@"
	t0=$(date +%s)
	GUESTS=2 boots
	rc2=0
	wait "$BOOTS" || rc2=$?
	secs=$(($(date +%s) - t0))
	sed 's/^/# /' "$T/out"
	check "guests: GUESTS=2 and GUESTS=1 end alike (status $rc2 and $rc1, both 1)" [ "$rc1.$rc2" = 1.1 ]
	if diff "$one/ktap.txt" "$RUN/ktap.txt" >"$T/ktap.diff"; then
		ok "guests: GUESTS=2 gives the same ktap.txt as one guest, test for test"
	else
		sed 's/^/# /' "$T/ktap.diff"
		not_ok "guests: GUESTS=2 gives the same ktap.txt as one guest, test for test"
	fi
	check "guests: one run folder: boots boot-1-1 boot-1-2 boot-2-1 boot-2-2, no other" \
		[ "$(cd "$RUN" && echo boot-*)" = "boot-1-1 boot-1-2 boot-2-1 boot-2-2" ]
	check "guests: the two guests ran at once" overlap "$RUN/boot-1-1" "$RUN/boot-2-1"
	check "guests: guest 1 restarted after its panic and ran test 5, guest 2 after its restart ran test 8" \
		sh -c 'grep -q "LAB START 5 " "$1/boot-1-2/channel.log" && grep -q "LAB START 8 " "$1/boot-2-2/channel.log" &&
			grep -q "^fail.*panic" "$1"/tests/4-*/result && grep -q "^ok" "$1"/tests/8-*/result' sh "$RUN"
	check "guests: meta.env counts 4 boots, 1 restart, 2 guests" \
		sh -c 'grep -qx boots=4 "$1/meta.env" && grep -qx restarts=1 "$1/meta.env" &&
			grep -qx guests=2 "$1/meta.env" && grep -qx "restart_reasons=7: lockdep off" "$1/meta.env"' sh "$RUN"
	check "guests: one progress line per test, numbered 1 to 8 once each" \
		sh -c '[ "$(grep -oE "^\[[ 0-9]+/8\]" "$1" | tr -d "[ " | sort -n | tr "\n" " ")" = "1/8] 2/8] 3/8] 4/8] 5/8] 6/8] 7/8] 8/8] " ]' sh "$T/out"
	check "guests: the run's channel and console hold every boot, the guest named" \
		sh -c 'grep -qx "LAB HOST boot 1-2 start 5 guest 1" "$1/channel.log" &&
			grep -qx "LAB HOST boot 2-1 start 1 guest 2" "$1/channel.log" &&
			[ "$(grep -c "^==== boot [12]-[12] guest [12] from test" "$1/console.log")" = 4 ]' sh "$RUN"
	check "guests: no scratch files left in the run folder" \
		sh -c '[ -z "$(cd "$1" && ls -A | grep "^\.")" ]' sh "$RUN"
	echo "# GUESTS=2 stand-in run took $secs s"
}

# interrupted_guests <signal> <group|runner>: with two guests, each in a
# slow test, a signal stops both, marks both tests interrupted, reports.
# Parts: guest 1 gets 1 ok_a, 2 slow_b; guest 2 gets 3 slow_c, 4 ok_d.
# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
interrupted_guests()
{
	prepare "g2int$1$2" ok_a slow_b slow_c ok_d
	GUESTS=2 boots
	if ! until_seen 'LAB START 2' "$RUN/boot-1-1/channel.log" ||
		! until_seen 'LAB START 3' "$RUN/boot-2-1/channel.log"; then
		kill -KILL "-$BOOTS" 2>/dev/null || :
		not_ok "interrupt with 2 guests ($1 $2): the slow tests never started"
		return 0
	fi
	t0=$(date +%s)
	if [ "$2" = group ]; then
		kill -"$1" "-$BOOTS"
	else
		kill -"$1" "$BOOTS"
	fi
	rc=0
	wait "$BOOTS" || rc=$?
	secs=$(($(date +%s) - t0))
	sed 's/^/# /' "$T/out"
	check "interrupt with 2 guests ($1 to the $2): exit status 130 (got $rc) within 15 s (took $secs s)" \
		sh -c '[ "$1" = 130 ] && [ "$2" -le 15 ]' sh "$rc" "$secs"
	check "interrupt with 2 guests ($1 to the $2): both running tests are marked interrupted by SIG$1" \
		[ "$(result_of 2)|$(result_of 3)" = "interrupted	interrupted: run stopped by SIG$1|interrupted	interrupted: run stopped by SIG$1" ]
	check "interrupt with 2 guests ($1 to the $2): the finished test stays, the unstarted one leaves the list" \
		sh -c 'grep -q "^ok" "$1"/tests/1-*/result && [ "$(cut -d" " -f2 "$1/list" | tr "\n" " ")" = "ok_a slow_b slow_c " ] &&
			[ ! -d "$1"/tests/4-ok_d ]' sh "$RUN"
	check "interrupt with 2 guests ($1 to the $2): reports written, latest moved, meta says so" \
		sh -c 'grep -qx "1\.\.3" "$1/ktap.txt" && [ "$(grep -c "^ok [23] slow_[bc] # SKIP" "$1/ktap.txt")" = 2 ] &&
			[ "$(readlink "$2")" = "${1##*/}" ] && grep -qx "interrupted=SIG$3" "$1/meta.env"' \
		sh "$RUN" "$T/results/latest" "$1"
	check "interrupt with 2 guests ($1 to the $2): no QEMU left, both ends recorded as killed" \
		sh -c 'grep -q "^killed SIG" "$1/boot-1-1/console.log.end" && grep -q "^killed SIG" "$1/boot-2-1/console.log.end"' sh "$RUN"
	check "interrupt with 2 guests ($1 to the $2): no QEMU left running" no_qemu_left
}

# saved_guests: the first boot saves the guest at LAB READY (the cache's
# snap/<key> with the boot's console and channel so far), a later run's
# boots start from it, their console beginning with the saved boot's; a
# saved guest QEMU cannot load is removed and the boot starts cold (and
# saves again); another guest size is another key; SNAPSHOT=off boots cold
# from the initramfs and saves nothing.
# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
saved_guests()
{
	rm -rf "$T/cache/snap"
	mkdir -p "$T/cache/image"
	head -c 2097152 /dev/zero >"$T/cache/image/old.cpio"
	touch -d '-2 hours' "$T/cache/image/old.cpio"
	prepare snap1 ok_a ok_b
	LAB_CACHE_MAX=1M boots
	wait "$BOOTS" || :
	check "saved guests: a run that saved a guest trims the cache at its end" \
		sh -c '[ ! -e "$1/image/old.cpio" ] && grep -q "cache: evicted image old" "$2"' sh "$T/cache" "$T/out"
	_s=$(find "$T/cache/snap" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	check "saved guests: the first boot saves the guest ($(cat "$RUN/boot-1/console.log.snap" 2>/dev/null))" \
		sh -c 'grep -q "^saved " "$1/boot-1/console.log.snap" && [ -f "$2/vm" ] &&
			grep -qx "LAB READY" "$2/channel" && ! grep -q "LAB START" "$2/channel" &&
			grep -q "labyrinth: init" "$2/console"' sh "$RUN" "$_s"
	check "saved guests: the saved boot ran its tests (ok, ok)" \
		sh -c 'grep -q "^ok" "$1"/tests/1-*/result && grep -q "^ok" "$1"/tests/2-*/result' sh "$RUN"
	prepare snap2 ok_a panic_b ok_c
	boots
	wait "$BOOTS" || :
	check "saved guests: both boots of the next run (a panic between) start from it" \
		sh -c 'grep -q "^restored ${2##*/}" "$1/boot-1/console.log.snap" &&
			grep -q "^restored ${2##*/}" "$1/boot-2/console.log.snap" &&
			grep -q "^ok" "$1"/tests/3-*/result' sh "$RUN" "$_s"
	check "saved guests: a restored boot's console and channel begin with the saved boot's" \
		sh -c 'head -n 1 "$1/boot-2/console.log" | grep -q "labyrinth: init" &&
			grep -q "^==== boot 2 from test 3 (restored from saved guest" "$1/console.log" &&
			[ "$(head -n 1 "$1/boot-2/channel.log")" = "LAB READY" ] &&
			grep -q "^LAB START 3 " "$1/boot-2/channel.log"' sh "$RUN"
	echo junk >"$_s/vm"
	prepare snap3 ok_a
	boots
	wait "$BOOTS" || :
	check "saved guests: a saved guest QEMU cannot load: warned, removed, the boot starts cold and saves again" \
		sh -c 'grep -q "QEMU could not start from it.*load of migration failed" "$1" &&
			grep -q "^saved " "$2/boot-1/console.log.snap" && [ "$(cat "$3/vm")" = fake-vm ] &&
			grep -q "^ok" "$2"/tests/1-*/result' sh "$T/out" "$RUN" "$_s"
	prepare snapdie ok_a
	FAKE_RESTORE_DIES=1 boots
	wait "$BOOTS" || :
	check "saved guests: a restored guest that ends before its first line: warned, its files kept, the boot starts cold" \
		sh -c 'grep -q "ended before its first line" "$1" && grep -q "^saved " "$2/boot-1/console.log.snap" &&
			[ -f "$2/boot-1/channel.log.failed-restore" ] && grep -q "^ok" "$2"/tests/1-*/result &&
			grep -qx boots=1 "$2/meta.env"' sh "$T/out" "$RUN"
	prepare snap4 ok_a
	VCPUS=1 boots
	wait "$BOOTS" || :
	check "saved guests: another guest size (VCPUS=1) is another saved guest" \
		sh -c 'grep -q "^saved " "$1/boot-1/console.log.snap" && [ "$(ls "$2" | wc -l)" = 2 ]' sh "$RUN" "$T/cache/snap"
	prepare snap5 ok_a
	SNAPSHOT=off boots
	wait "$BOOTS" || :
	check "saved guests: SNAPSHOT=off boots cold from the initramfs, saves and restores nothing" \
		sh -c '[ ! -e "$1/boot-1/console.log.snap" ] && grep -q "^ok" "$1"/tests/1-*/result &&
			! grep -q "LAB READY" "$1/boot-1/channel.log" && grep -q -- "-initrd" "$1/boot-1/console.log.cmd" &&
			! grep -q -- "-incoming" "$1/boot-1/console.log.cmd"' sh "$RUN"
}

main()
{
	fake_qemu
	qemu_end
	qemu_samples
	crash_and_verdicts
	restart
	saved_guests
	if [ "${ONLY:-}" = guests ]; then
		[ -n "${SKIP2:-}" ] || two_guests
		interrupted_guests INT group
		exit "$FAILED"
	fi
	[ -n "${ONLY:-}" ] && exit 0
	interrupted INT group
	interrupted TERM runner
	early_stop
	two_guests
	interrupted_guests INT group
	interrupted_guests TERM runner
	exit "$FAILED"
}

main "$@"
