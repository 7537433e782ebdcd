#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Turn one boot's results channel and console into per-test results.
#   collect.sh <run-dir> <boot-number>
# Reads <run-dir>/list, boot-<n>/channel.log, boot-<n>/console.log,
# boot-<n>/console.log.end and, when there, qemu.sh's samples of the host
# (boot-<n>/console.log.host, .cmdline); writes tests/<idx>-<tag>/{output.log,
# data,time,guest,kmsg.log,findings,result} and, for a test with watchdog
# reports, hoststall (scripts/hoststall.awk).  The last line of console.log.end says
# how QEMU ended: "hang <reason>" (the watchdog ended a silent guest),
# "interrupted <reason>" (Ctrl-C or SIGTERM), anything else (e.g.
# "exit <status>") taken as it is.  Prints one line for the caller:
#   done                      the guest finished the list
#   restart <idx> <reason>    the guest asked for a fresh boot after test idx
#                             ("LAB RESTART <idx> <reason>" on the channel:
#                             a detector was disarmed); idx keeps its result
#   crashed <idx>             the guest died or hung in (or after) test idx
#   noboot <reason>           the guest never started a test
# Each started test's result is "status<TAB>category: title" (decide below);
# the run's known issues then turn a known failure into xfail and a pass
# of a known issue into xpass (known below);
# its findings file holds the classifier's output, the verdict's splat and
# its console line first.
# A long test's progress records (LAB PROG) go to its data as they come.

set -eu
. "$(dirname "$0")/lib.sh"

split_channel()
{
	awk -v dir="$1/tests" '
	FILENAME == ARGV[1] { tag[$1] = $2; next }
	$1 != "LAB" { next }
	function d(i) { return dir "/" i "-" tag[i] }
	# unz <idx> <whole>: the records of test idx decoded into its data,
	# after what is there (the last one dropped unless the stream was
	# whole: it may be cut)
	function unz(i, whole,    f, t, o, l, prev, n) {
		f = d(i) "/.data.z"; t = f ".out"; o = d(i) "/data"
		close(f); close(o)
		system("base64 -d <\"" f "\" 2>/dev/null | gzip -dc >\"" t "\" 2>/dev/null")
		n = 0
		while ((getline l < t) > 0) {
			if (n++)
				print prev >> o
			prev = l
		}
		close(t)
		if (n && whole)
			print prev >> o
		close(o)
		system("rm -f \"" f "\" \"" t "\"")
		delete z[i]
	}
	function rest(n,   s) {
		if (NF <= n)
			return ""
		s = $0
		for (k = 0; k < n; k++)
			sub(/^[^ ]* +/, "", s)
		return s
	}
	$2 == "START" { system("mkdir -p \"" d($3) "\""); print "" > (d($3) "/started"); close(d($3) "/started"); next }
	$2 == "OUT" { print rest(3) >> (d($3) "/output.log"); next }
	$2 == "DATA" { print rest(3) >> (d($3) "/data"); next }
	# the gzipped records (testcases/runner.sh, send_data): base64 lines,
	# then "end"; a stream cut short (the guest died while sending) keeps
	# its whole records
	$2 == "DATAZ" && $4 == "end" { if ($3 in z) unz($3, 1); next }
	$2 == "DATAZ" { print $4 >> (d($3) "/.data.z"); z[$3] = 1; next }
	# progress records of a long test land in its data as they come, so
	# a test that never finished keeps them
	$2 == "PROG" { print rest(3) >> (d($3) "/data"); next }
	$2 == "TIME" { print $4 > (d($3) "/time"); close(d($3) "/time"); next }
	$2 == "RESULT" {
		s = rest(5)
		printf "%s\t%s\n", $5, s > (d($3) "/guest"); close(d($3) "/guest"); next
	}
	END { for (i in z) unz(i, 0) }
	' "$1/list" "$2"
}

split_console()
{
	awk -v dir="$1/tests" '
	FILENAME == ARGV[1] { tag[$1] = $2; next }
	{ line = $0; sub(/\r$/, "", line) }
	match(line, /labyrinth: START [0-9]+ /) {
		s = substr(line, RSTART + 17); split(s, f, " ")
		if (cur != "") close(cur)
		cur = dir "/" f[1] "-" tag[f[1]] "/kmsg.log"
		printf "" > cur
	}
	cur != "" { print line >> cur }
	match(line, /labyrinth: END [0-9]+ /) { if (cur != "") close(cur); cur = "" }
	' "$1/list" "$2"
}

classify()
{
	if [ -s "$1" ]; then
		awk -v conf="$LAB_TOP/configs/classify.conf" \
			-f "$LAB_TOP/scripts/classify.awk" "$1"
	fi
}

# guest_verdict <guest-file>: the guest's own verdict as "status<TAB>
# category: title".  A test that ended without a verdict is broken
# (error), not failed.
guest_verdict()
{
	awk -F '\t' '
	NR > 1 { exit }
	{
		st = $1
		why = $0
		sub(/^[^\t]*\t?/, "", why)
		if (st == "ok")
			print "ok\t"
		else if (st == "skip")
			print "skip\t" (why == "" ? "no reason given" : why)
		else if (st == "fail" && (why == "" || why ~ /^test: failed without a reason/))
			print "error\ttest: exited with status 1 without a verdict"
		else if (st == "fail" || st == "error" || st == "interrupted")
			print st "\t" (why == "" ? "test: " st " without a reason" : why)
		else
			print "error\tgarbled: guest result \"" $0 "\""
	}
	END { if (NR == 0) print "error\tgarbled: empty guest result" }' "$1"
}

# ended <boot-end>: the verdict of a test the guest never finished, when
# its console slice holds no finding (a panic on the console is one): a
# hang the watchdog saw fails it; an interrupt leaves it interrupted;
# anything else (QEMU killed or failed, host out of memory) is an error of
# the infrastructure, never a kernel verdict.
ended()
{
	case $1 in
	hang*) printf 'fail\thang: %s\n' "${1#hang }" ;;
	interrupted*)
		_why=${1#interrupted}
		printf 'interrupted\t%s\n' "${_why# }"
		;;
	*) printf 'error\tinfrastructure: qemu ended (%s)\n' "$1" ;;
	esac
}

# host_stalled <test-dir> <boot-dir>: when every watchdog report (soft
# lockup, RCU stall, hung task...) in the test's slice came while the host
# held QEMU back (scripts/hoststall.awk on the samples qemu.sh took), the
# reason, else nothing.  The evidence goes to <test-dir>/hoststall.
host_stalled()
{
	rm -f "$1/hoststall"
	[ -s "$2/console.log.host" ] || return 0
	_idx=${1##*/}
	_rc=0
	LC_ALL=C awk -v conf="$LAB_TOP/configs/classify.conf" -v idx="${_idx%%-*}" \
		-v cmdline="$(cat "$2/console.log.cmdline" 2>/dev/null || :)" \
		-f "$LAB_TOP/scripts/hoststall.awk" "$2/console.log.host" \
		"$2/console.log" "$1/kmsg.log" >"$1/hoststall" 2>"$1/hoststall.err" || _rc=$?
	[ "$_rc" -eq 0 ] || die "$(cat "$1/hoststall.err")"
	rm -f "$1/hoststall.err"
	host_reason hoststall "$1/hoststall"
}

# host_reason <kind> <hoststall>: the reason hoststall.awk's line of that
# kind (its key=value fields) gives to charge the host rather than the
# kernel, else nothing: "hoststall" when QEMU was held back over every
# watchdog report, "window" when it was starved over the whole test.
host_reason()
{
	awk -F '\t' -v kind="$1" '$1 == kind {
		for (i = 1; i <= split($2, kv, " "); i++) {
			split(kv[i], p, "=")
			v[p[1]] = p[2]
		}
		if (kind == "hoststall" && v["reports"] + 0 > 0 && v["explained"] + 0 == v["reports"] + 0)
			printf "host stalled the guest for %.0f s (QEMU held back from %s to %s UTC); %d watchdog report%s not charged to the kernel\n",
				v["stalled"], hms(v["from"]), hms(v["to"]), v["reports"], (v["reports"] > 1 ? "s" : "")
		if (kind == "window" && v["starved"] == "yes")
			printf "host starved the guest: QEMU had %.0f CPU s in %.0f s for %d vCPU%s and waited %.0f s for a CPU\n",
				v["cpu"], v["wall"], v["vcpus"], (v["vcpus"] > 1 ? "s" : ""), v["waited"]
	}
	function hms(ms,    s) {
		s = int(ms / 1000) % 86400
		return sprintf("%02d:%02d:%02d", int(s / 3600), int(s / 60) % 60, s % 60)
	}' "$2"
}

# host_starved <test-dir> <boot-dir>: when the host starved QEMU over the
# whole test (hoststall.awk's window line: under a quarter of the CPU it
# asked for, waiting for a CPU at least half the time), the reason, else
# nothing.  A test that ran out of time then is no evidence against the
# kernel.
host_starved()
{
	[ -s "$2/console.log.host" ] || return 0
	[ -f "$1/hoststall" ] || host_stalled "$1" "$2" >/dev/null
	host_reason window "$1/hoststall"
}

# watchdog <category>: a report of a time-based watchdog.
watchdog()
{
	case $1 in lockup | hang) return 0 ;; esac
	return 1
}

# decide <test-dir> <boot-end> <boot-dir>: the test's result, "status<TAB>
# category: title".  The one place that combines the guest's facts with
# the console: a kernel finding (the first splat in time) beats the
# guest's own checks, then the guest's verdict, then how the guest ended.
# Watchdog reports the host caused (host_stalled) are no kernel finding:
# the next finding decides, or the test is an infrastructure error; a
# splat before them names no "(then ...)" consequence.  A timeout or hang
# with no finding while the host starved the guest (host_starved) is an
# infrastructure error too.
decide()
{
	_t=$1
	_rc=0
	classify "$_t/kmsg.log" >"$_t/findings" || _rc=$?
	[ "$_rc" -le 1 ] || die "classifying $_t/kmsg.log failed"
	_find=$(awk -F '\t' '$1 != "noise" { print $1 ": " $2; exit }' "$_t/findings")
	if watchdog "${_find%%: *}"; then
		_stall=$(host_stalled "$_t" "$3")
		if [ -n "$_stall" ]; then
			# the first other finding is the verdict's splat now
			awk -F '\t' '$1 != "noise" && $1 != "lockup" && $1 != "hang" { print; exit }' \
				"$_t/findings" >"$_t/findings.new"
			awk -F '\t' -v f="$_t/findings.new" 'BEGIN { getline first < f }
				$0 != first' "$_t/findings" >>"$_t/findings.new"
			mv "$_t/findings.new" "$_t/findings"
			_find=$(awk -F '\t' '$1 != "noise" && $1 != "lockup" && $1 != "hang" {
				print $1 ": " $2; exit }' "$_t/findings")
			if [ -z "$_find" ]; then
				printf 'error\tinfrastructure: %s\n' "$_stall"
				return 0
			fi
		fi
	elif case $_find in *' (then '*')') true ;; *) false ;; esac &&
		[ -n "$(host_stalled "$_t" "$3")" ]; then
		# the lockup after the splat was the host's: no consequence
		_find=${_find% (then *}
	fi
	if [ -n "$_find" ]; then
		printf 'fail\t%s\n' "$_find"
		return 0
	fi
	if [ -f "$_t/guest" ]; then
		_res=$(guest_verdict "$_t/guest")
	else
		_res=$(ended "$2")
	fi
	# out of time (the runner's timeout, the host's hang watchdog) while
	# the host starved the guest: an infrastructure error
	case $_res in
	"fail	timeout:"* | "fail	hang:"*)
		_starve=$(host_starved "$_t" "$3")
		[ -z "$_starve" ] || _res=$(printf 'error\tinfrastructure: %s (%s)' "$_starve" "${_res#*	}")
		;;
	esac
	printf '%s\n' "$_res"
}

# known <run> <test-dir>: the run's known issues (its copy of KNOWN)
# applied to the test's result (scripts/known.awk): a failure they name
# becomes xfail, a pass of a test they name xpass; the reference goes to
# <test-dir>/known.
known()
{
	rm -f "$2/known"
	[ -s "$1/known-issues" ] || return 0
	_tag=${2##*/}
	_tag=${_tag#*-}
	LC_ALL=C awk -v known="$1/known-issues" -v tag="$_tag" -v ref="$2/known" \
		-f "$LAB_TOP/scripts/known.awk" "$2/result" >"$2/result.new"
	mv "$2/result.new" "$2/result"
}

# test_dir <run> <idx>: the folder of test idx.
test_dir()
{
	printf '%s/tests/%s-%s\n' "$1" "$2" "$(awk -v i="$2" '$1 == i { print $2 }' "$1/list")"
}

# tail_after <run> <boot> <idx> <boot-end>: the console after test idx's
# END marker (teardown, a crash after it, a restart) joins its slice.
tail_after()
{
	_t=$(test_dir "$1" "$3")
	[ -f "$_t/guest" ] || return 0
	awk -v idx="$3" '
		{ sub(/\r$/, "") }
		index($0, "labyrinth: END " idx " ") { on = 1; next }
		on' "$2/console.log" >>"$_t/kmsg.log"
	decide "$_t" "$4" "$2" >"$_t/result"
	known "$1" "$_t"
}

main()
{
	[ $# -eq 2 ] || die "usage: collect.sh <run-dir> <boot-number>"
	run=$1
	boot=$run/boot-$2
	[ -f "$boot/channel.log" ] || die "$boot/channel.log not found"
	end=$(tail -n 1 "$boot/console.log.end" 2>/dev/null || :)
	end=${end:-exit unknown}
	split_channel "$run" "$boot/channel.log"
	split_console "$run" "$boot/console.log"
	started=$(awk '$1 == "LAB" && $2 == "START" { print $3 }' "$boot/channel.log")
	last=
	for idx in $started; do
		t=$(test_dir "$run" "$idx")
		decide "$t" "$end" "$boot" >"$t/result"
		known "$run" "$t"
		last=$idx
	done
	restart=$(awk -v i="$last" '$1 == "LAB" && $2 == "RESTART" && $3 == i {
		s = $0; sub(/^LAB +RESTART +[^ ]+ */, "", s)
		print (s == "" ? "the guest asked for a fresh boot" : s); exit }' \
		"$boot/channel.log")
	if grep -q '^LAB DONE' "$boot/channel.log"; then
		echo "done"
	elif [ -n "$restart" ]; then
		tail_after "$run" "$boot" "$last" "$end"
		echo "restart $last $restart"
	elif [ -n "$last" ]; then
		# A guest that died between tests: the crash belongs to the test
		# that ran last; its slice runs to the end of the console.
		tail_after "$run" "$boot" "$last" "$end"
		echo "crashed $last"
	else
		reason=$(grep -E 'Kernel panic|KVM internal error|qemu:' "$boot/console.log" |
			head -n 1 | sed 's/^\[[ 0-9.]*\] //')
		echo "noboot ${reason:-${end}}"
	fi
}

main "$@"
