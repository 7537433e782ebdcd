#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the subsys tests' guest helpers (testcases/lib/{subsys,net,
# blk}.sh) against fake /proc, /sys/block and module files, with a fake
# clock: the recovery rule passes a load that comes back and fails one that
# does not, counters and block stats parse, in-tree modules load after
# what they depend on.  Run under the host's sh and under busybox sh and awk.
# shellcheck disable=SC2317 # the tests run through each_shell (tap.sh)
set -eu

TOP=$(pwd)
TMP=
T_CAP=0
. scripts/check/tap.sh

# guest <body>: run body with the libraries sourced, in a fresh LAB_OUT;
# status in RC, the verdict in VERDICT.  sleep and the clock are fakes:
# the clock moves only by the naps (lab_sleep_ms).
guest()
{
	rm -rf "$TMP/out"
	mkdir -p "$TMP/out"
	printf '0\n' >"$TMP/clock"
	RC=0
	LAB_OUT=$TMP/out LAB_LIB=$TOP/testcases/lib LAB_CONFIGS=$TOP/configs \
	LAB_TAG=t SUBSYS_PROC=$TMP/proc SUBSYS_KDIR=$TMP/kernel BLK_SYS=$TMP/block \
	SUBSYS_RMMOD=true SUBSYS_PROBE=probe \
	T_DIR=$TMP \
		$SH -c ". \"\$LAB_LIB/lab.sh\"
			. \"\$LAB_LIB/hog.sh\"
			. \"\$LAB_LIB/subsys.sh\"
			. \"\$LAB_LIB/net.sh\"
			. \"\$LAB_LIB/blk.sh\"
			lab_kmsg() { :; }
			sleep() { :; }
			# the guest's clock moves only while the test naps
			lab_now() { read -r LAB_NOW_MS <\"\$T_DIR/clock\"; }
			lab_uptime_ms() { lab_now; printf '%s\n' \"\$LAB_NOW_MS\"; }
			lab_sleep_ms() {
				read -r _c <\"\$T_DIR/clock\"
				printf '%s\n' \$((_c + \$1)) >\"\$T_DIR/clock\"
			}
			# counter: the next line of \$TMP/counter per call.
			counter() {
				_l=\$(head -n 1 \"\$T_DIR/counter\")
				tail -n +2 \"\$T_DIR/counter\" >\"\$T_DIR/counter.n\"
				mv \"\$T_DIR/counter.n\" \"\$T_DIR/counter\"
				printf '%s\n' \"\${_l:-0}\"
			}
			# probe: the next line of \$TMP/probe per call (100 once empty).
			probe() {
				_l=\$(head -n 1 \"\$T_DIR/probe\")
				tail -n +2 \"\$T_DIR/probe\" >\"\$T_DIR/probe.n\"
				mv \"\$T_DIR/probe.n\" \"\$T_DIR/probe\"
				printf '%s\n' \"\${_l:-100}\"
			}
			$1" >"$TMP/stdout" 2>&1 || RC=$?
	VERDICT=$(cat "$TMP/out/verdict" 2>/dev/null || :)
}

expect()
{
	# shellcheck disable=SC2254 # the pattern is a pattern
	case $VERDICT in
	$3) [ "$RC" -eq "$2" ] && { ok "$SHN: $1"; return 0; } ;;
	esac
	not_ok "$SHN: $1 (status $RC, verdict '$VERDICT')"
	sed 's/^/# /' "$TMP/stdout"
}

# counters <kB/s...>: a byte counter rising by these kB per (fake) second.
counters()
{
	awk 'BEGIN { c = 0; print c; for (i = 1; i < ARGC; i++) { c += ARGV[i] * 1024; print c } }' "$@" \
		>"$TMP/counter"
}

# probes <us...>: what the speed probe reads, one call after another.
probes()
{
	: >"$TMP/probe"
	for _p in "$@"; do
		printf '%s\n' "$_p" >>"$TMP/probe"
	done
}

data_has()
{
	grep -q -e "$1" "$TMP/out/data" 2>/dev/null
}

# recover "<before kB/s...>" "<after kB/s...>" ["<before probes>" "<after
# probes>"]: the "before" samples (probes 100 us unless given), their
# baseline, then subsys_recover of a counter rising by the "after" kB a
# second (the stop at 0 ms) and the verdict.
recover()
{
	# shellcheck disable=SC2086 # one word per sample
	counters $2
	# shellcheck disable=SC2086
	probes ${4:-}
	# shellcheck disable=SC2086
	printf '%s\n' $1 >"$TMP/before.r"
	# shellcheck disable=SC2086
	printf '%s\n' ${3:-} >"$TMP/before.p"
	# shellcheck disable=SC2016
	guest 'awk '\''NR == FNR { p[FNR] = $1; next } { print $1, (p[FNR] ? p[FNR] : 100), FNR * 1000 - 20000 }'\'' \
			"$T_DIR/before.p" "$T_DIR/before.r" >"$LAB_OUT/rate.before"
		subsys_baseline '"${T_CAP:-0}"'
		subsys_recover counter 0
		subsys_recovery_verdict'
}

# recover_cap ...: recover with a set rate of 4882 kB/s (UDP at 40M).
recover_cap()
{
	T_CAP=4882
	recover "$@"
	T_CAP=0
}

recovery_record()
{
	if data_has "$2"; then
		ok "$SHN: $1"
	else
		not_ok "$SHN: $1"
		sed 's/^/# /' "$TMP/out/data" 2>/dev/null || :
	fi
}

t_recovery()
{
	# Baseline 1000 kB/s; the threshold is 900.  Injection stopped at 0;
	# the third second reaches 950 at 3000 ms and holds.
	recover "1000 1000 1000 1000 1000" "100 400 950 1000 1000 1000"
	expect "recovery: back to 90% within 10 s and holding passes" 0 ""
	recovery_record "recovery record names the time it took" \
		'^recovery test=t baseline_kBps=1000 threshold_kBps=900 recovery_ms=3000 limit_ms=10000 recovered=1 probe_us=100 after_probe_us=100 by=measured$'
	recover "1000 1000 1000 1000 1000" "100 200 300 400 500 600 700 800 850 880 890 899 899 899"
	expect "recovery: still below 90% after 10 s fails" 1 "recovery: throughput not back to 90% of the baseline (900 of 1000 kB/s*"
	recovery_record "a failed recovery is recorded" 'recovery_ms=-1 limit_ms=10000 recovered=0'
	recover "1000 1000 1000 1000 1000" "0 0 0 0 0 0 0 0 0 0 0 0 0 0"
	expect "recovery: a stuck load (no bytes at all) fails" 1 "recovery: *"
	# One fast second among slow ones is no recovery.
	recover "1000 1000 1000 1000 1000" "500 950 500 500 950 500 500 950 500 500 950 500 500 500"
	expect "recovery: single seconds at 90% that do not hold fail" 1 "recovery: *"
	# Back only 11 s after injection stopped.
	recover "1000 1000 1000 1000 1000" "0 0 0 0 0 0 0 0 0 0 950 950 950 950"
	expect "recovery: back only after the limit fails" 1 "recovery: *"
}

# reference "<before kB/s...>" "<after kB/s...>" "<reference kB/s...>":
# the "before" samples and their baseline, "after" samples one a second
# from the stop (0 ms) that were not seen back, then subsys_reference of a
# counter rising by the "reference" kB a second (probes 100 us throughout)
# and the verdict.
reference()
{
	# shellcheck disable=SC2086 # one word per sample
	counters $3
	probes
	# shellcheck disable=SC2086
	printf '%s\n' $1 >"$TMP/before.r"
	# shellcheck disable=SC2086
	printf '%s\n' $2 >"$TMP/after.r"
	# shellcheck disable=SC2016
	guest 'awk '\''{ print $1, 100, FNR * 1000 - 20000 }'\'' "$T_DIR/before.r" >"$LAB_OUT/rate.before"
		awk '\''{ print $1, 100, FNR * 1000 }'\'' "$T_DIR/after.r" >"$LAB_OUT/rate.after"
		subsys_baseline 0
		SUBSYS_T_STOP=0
		subsys_reference counter '"$(echo "$3" | wc -w)"'
		subsys_recovery_verdict'
}

t_reference()
{
	# The host's side of the device got slower after injection (the
	# probe, the guest's CPU, did not): a fresh driver carries 720 kB/s,
	# the one under test 700, within 90% of it: back.
	reference "1000 1000 1000 1000 1000" "700 700 700 700 700 700 700 700 700 700 700 700" \
		"720 720 720 720 720"
	expect "reference: a fresh driver as slow as the one under test passes" 0 ""
	recovery_record "reference: the record says the load reached it" \
		'^reference test=t kBps=720 threshold_kBps=648 baseline_kBps=1000 probe_us=100 samples=5 recovered=1 kBps_all=720,720,720,720,720$'
	# The driver the failures left slow: a fresh one is back at the
	# baseline.
	reference "1000 1000 1000 1000 1000" "700 700 700 700 700 700 700 700 700 700 700 700" \
		"1000 1000 1000 1000 1000"
	expect "reference: a fresh driver at the baseline fails the slow one" 1 \
		"recovery: throughput not back to 90% of the baseline (900 of 1000 kB/s*; a fresh driver: 1000 kB/s at best)"
	recovery_record "reference: the record says it was not reached" 'recovered=0'
	# A fresh driver slower than the baseline, the one under test slower
	# still.
	reference "1000 1000 1000 1000 1000" "300 300 300 300 300 300 300 300 300 300 300 300" \
		"720 720 720 720 720"
	expect "reference: a load far below a slower fresh driver fails" 1 "recovery: *"
	reference "1000 1000 1000 1000 1000" "700 700 700 700 700 700 700 700 700 700 700 700" \
		"950 950 950 950 950"
	expect "reference: 700 against a fresh driver's 950 fails" 1 "recovery: *"
	# A reference that carries nothing cannot lower the bar to nothing.
	reference "1000 1000 1000 1000 1000" "0 0 0 0 0 0 0 0 0 0 0 0" "0 0 0 0 0"
	expect "reference: a fresh driver that carries nothing fails a stuck load" 1 "recovery: *"
}

# Host noise: the loads as the guest sees them when other guests take the
# host's CPUs (the rate and the speed probe move together).
t_recovery_noise()
{
	# The host gave the guest half its CPU after injection: half the rate,
	# the probe twice as long.  At the baseline's speed it is all back.
	recover "1000 1000 1000 1000 1000" "500 500 500 500 500" "" "200 200 200 200 200"
	expect "noise: a load back on a host half as fast passes" 0 ""
	recovery_record "noise: the record has both probes" 'recovered=1 probe_us=100 after_probe_us=200 by=speed$'
	# The baseline was taken while the host was busy (slow seconds with
	# long probes): at their own speed they were as fast as the rest.
	recover "1000 400 1000 1000 1000" "950 950 950 950" "100 250 100 100 100" ""
	expect "noise: a slow baseline second on a busy host passes" 0 ""
	recovery_record "noise: the baseline is the lower quartile (the second slowest of five)" 'baseline_kBps=1000 threshold_kBps=900 recovery_ms=1000'
	# Known-bad: the kernel left the load at 80% and the host got slower
	# too: rate and probe both move, the load stays below 90%.
	recover "1000 1000 1000 1000 1000" "400 400 400 400 400 400 400 400 400 400 400 400 400 400" "" \
		"200 200 200 200 200 200 200 200 200 200 200 200 200 200"
	expect "noise: a load left at 80% on a slower host fails" 1 "recovery: *"
	# Known-bad: a stuck queue on a host that got faster still carries
	# nothing.
	recover "1000 1000 1000 1000 1000" "0 0 0 0 0 0 0 0 0 0 0 0 0 0" "" \
		"50 50 50 50 50 50 50 50 50 50 50 50 50 50"
	expect "noise: a stuck load on a faster host fails" 1 "recovery: *"
	# Recorded in a real guest on a loaded host (runtest/subsys's
	# subsys_selftest; the "after" samples as recorded, the "before" ones
	# with the recorded medians and ranges).  A load that came back while
	# the probe swung from 78 to 432 ms:
	recover "32 50 50 60 71" "48 35 50 48 45" "272519 272519 272519 272519 272519" \
		"252738 111618 108489 432267 77612"
	expect "recorded: a load back as measured passes, whatever the probe says" 0 ""
	# A load whose baseline fell from 103 to 59 while it was taken, back at
	# its last rate (the median, 75, would fail it):
	recover "103 84 75 59 59" "58 91 35 54 61" "230612 70904 143363 107955 32477" \
		"69261 77458 519611 71357 82555"
	expect "recorded: a load back at the rate it held in most seconds passes" 0 ""
	# The same load left at half (every turn twice the work):
	recover "29 53 53 70 92" "52 22 44 23 30 25" "98559 98559 98559 98559 98559" \
		"115010 98427 49533 119275 502350 92534"
	expect "recorded: a load left at half fails, one fast second and a slow probe notwithstanding" 1 "recovery: *"
	recover "57 81 34 59 88" "26 28 61 42 40 61" "16371 32022 31159 46939 16261" \
		"32530 27634 16039 38397 16633 15287"
	expect "recorded: another load left at half fails" 1 "recovery: *"
	# A load at its set rate (UDP's) does not follow the host's speed: a
	# baseline on a busy host and a recovery on a quiet one, as measured.
	# shellcheck disable=SC2016
	recover_cap "4882 4882 4882 4882 4882" "4882 4882 4882 4882" "200 200 200 200 200" "100 100 100 100"
	expect "noise: a load at its set rate is compared as measured" 0 ""
	recovery_record "noise: ... without a reference probe" 'baseline_kBps=4882 threshold_kBps=4393 recovery_ms=1000 limit_ms=10000 recovered=1 probe_us=0'
	recover_cap "4882 4882 4882 4882 4882" "3900 3900 3900 3900 3900 3900 3900 3900 3900 3900 3900 3900 3900 3900" \
		"200 200 200 200 200" "400 400 400 400 400 400 400 400 400 400 400 400 400 400"
	expect "noise: a load left below its set rate fails, however slow the host" 1 "recovery: *"
	# A second before injection without traffic is no baseline.
	recover "1000 0 1000" "1000 1000 1000"
	expect "a second without traffic before injection is a setup error" 1 "setup: a second without traffic before injection*"
}

t_probe()
{
	probes 100000
	# shellcheck disable=SC2016
	guest 'subsys_probe_calibrate; echo "n=$SUBSYS_PROBE_N"'
	if [ "$RC" -eq 0 ] && grep -q '^n=12000$' "$TMP/stdout"; then
		ok "$SHN: the probe is sized to take 60 ms (20000 loops took 100 ms: 12000)"
	else
		not_ok "$SHN: the probe is sized to take 60 ms (20000 loops took 100 ms: 12000)"
		sed 's/^/# /' "$TMP/stdout"
	fi
	mkdir -p "$TMP/proc"
	printf 'Timer List Version: v0.9\nHRTIMER_MAX_CLOCK_BASES: 8\nnow at 5000000000 nsecs\n' >"$TMP/proc/timer_list"
	# shellcheck disable=SC2016
	guest 'SUBSYS_PROBE_N=1000; subsys_probe; SUBSYS_PROC=$T_DIR/none; subsys_probe'
	if [ "$RC" -eq 0 ] && [ "$(tr '\n' ' ' <"$TMP/stdout")" = "0 0 " ]; then
		ok "$SHN: the probe reads the kernel's clock (a clock that stands still, or none, reads 0)"
	else
		not_ok "$SHN: the probe reads the kernel's clock (a clock that stands still, or none, reads 0)"
		sed 's/^/# /' "$TMP/stdout"
	fi
	printf '500 0 1000\n800 200 2000\n' >"$TMP/rates"
	# shellcheck disable=SC2016
	guest 'SUBSYS_PROBE_REF=100; subsys_norm "$T_DIR/rates"'
	if [ "$(tr '\n' ' ' <"$TMP/stdout")" = "500 1600 " ]; then
		ok "$SHN: rates at the reference speed; a sample without a probe as measured"
	else
		not_ok "$SHN: rates at the reference speed; a sample without a probe as measured"
		sed 's/^/# /' "$TMP/stdout"
	fi
}

t_sample()
{
	counters 10 20 30 40 50
	probes 100 100 200 100 50
	guest 'subsys_sample before 5 counter; subsys_baseline; subsys_tput before target=lo proto=tcp'
	expect "sampling five seconds" 0 ""
	if [ "$(tr '\n' ' ' <"$TMP/out/rate.before")" = "10 100 1000 20 100 2000 30 200 3000 40 100 4000 50 50 5000 " ] &&
		data_has '^tput test=t phase=before target=lo proto=tcp kBps=30 min_kBps=10 max_kBps=50 samples=5 norm_kBps=25 probe_us=100$' &&
		data_has '^samples test=t phase=before kBps=10,20,30,40,50 probe_us=100,100,200,100,50 ms=1000,2000,3000,4000,5000$'; then
		ok "$SHN: one rate and probe per second and a tput record with the medians"
	else
		not_ok "$SHN: one rate and probe per second and a tput record with the medians"
		sed 's/^/# /' "$TMP/out/rate.before" "$TMP/out/data" 2>/dev/null || :
	fi
}

fake_net()
{
	rm -rf "$TMP/proc"
	mkdir -p "$TMP/proc/net"
	cat >"$TMP/proc/net/dev" <<EOF
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:$1  1000    $2    $3    0     0          0         0 $1  1000    $4    $5    0     0       0          0
EOF
	cat >"$TMP/proc/net/snmp" <<EOF
Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes
Ip: 1 64 1000 0 0 0 0 $6 1000 1000 $7 0
Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors
Tcp: 1 200 120000 -1 1 1 0 0 2 1000 1000 $8 0 0 0
Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
Udp: 10 0 $9 10 0 0 0 0 0
UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
UdpLite: 0 0 99 0 0 0 0 0 0
EOF
	cat >"$TMP/proc/net/netstat" <<EOF
TcpExt: SyncookiesSent PruneCalled TCPBacklogDrop TCPAbortOnMemory TCPRcvQDrop TCPOFODrop TCPMemoryPressures
TcpExt: 0 0 9 0 0 0 2
IpExt: InNoRoutes InTruncatedPkts
IpExt: 0 0
EOF
}

t_net()
{
	fake_net 123456789 1 2 3 4 5 6 7 8
	guest 'net_rx_bytes; net_counters'
	if [ "$RC" -eq 0 ] && [ "$(cat "$TMP/stdout")" = "123456789
rx_errors=1 rx_dropped=2 tx_errors=3 tx_dropped=4 ip_indiscards=5 ip_outdiscards=6 tcp_retranssegs=7 tcp_inerrs=0 udp_inerrors=8 udp_rcvbuferrors=0 udp_sndbuferrors=0 tcp_prunecalled=0 tcp_tcpbacklogdrop=9 tcp_tcpabortonmemory=0 tcp_tcprcvqdrop=0 tcp_tcpofodrop=0 tcp_tcpmemorypressures=2" ]; then
		ok "$SHN: /proc/net/dev and /proc/net/snmp counters of an interface"
	else
		not_ok "$SHN: /proc/net/dev and /proc/net/snmp counters of an interface"
		sed 's/^/# /' "$TMP/stdout"
	fi
	guest 'net_counters_delta "rx_dropped=2 tcp_retranssegs=7" "rx_dropped=5 tcp_retranssegs=17"'
	if [ "$(cat "$TMP/stdout")" = "rx_dropped=3 tcp_retranssegs=10 sum=13" ]; then
		ok "$SHN: counter deltas and their sum"
	else
		not_ok "$SHN: counter deltas and their sum"
		sed 's/^/# /' "$TMP/stdout"
	fi
	# shellcheck disable=SC2016 # expanded by the guest's shell
	guest 'net_retrans "rx_dropped=2 tcp_retranssegs=17 tcp_inerrs=0"; echo "$NET_RETRANS"'
	check "$SHN: the retransmitted segments of a counters line" [ "$(cat "$TMP/stdout")" = 17 ]
}

# t_retrans: the retransmission rule (net_retrans_record, net_retrans_verdict).
t_retrans()
{
	_mib=1048576
	# a dropper of one segment in eight over loopback: about 2 per MiB
	# after recovery, none before
	guest "net_retrans_record 0 $((40 * _mib)) 19 $((9 * _mib)); net_retrans_verdict"
	if [ "$RC" -eq 1 ] && grep -q '^recovery: TCP still retransmits after injection stopped and the load came back: 19 segments in 9.0 MiB.*2.11 per MiB; before injection 0.00, limit 0.50' "$TMP/out/verdict" &&
		grep -q '^retrans test=t before_segs=0 .* after_segs=19 .* after_per_MiB=2.11 limit_per_MiB=0.50 ' "$TMP/out/data"; then
		ok "$SHN: retransmissions that go on after recovery fail recovery, with the record"
	else
		not_ok "$SHN: retransmissions after recovery fail recovery (status $RC, $(cat "$TMP/out/verdict" 2>/dev/null))"
	fi
	guest "net_retrans_record 0 $((40 * _mib)) 2 $((9 * _mib)); net_retrans_verdict"
	check "$SHN: a healthy stack's stray retransmission or two passes" [ "$RC" -eq 0 ]
	guest "net_retrans_record 40 $((20 * _mib)) 30 $((10 * _mib)); net_retrans_verdict"
	check "$SHN: as many per MiB as before injection passes (a lossy link)" [ "$RC" -eq 0 ]
	guest "net_retrans_record 4 $((20 * _mib)) 30 $((10 * _mib)); net_retrans_verdict"
	check "$SHN: more than 4 times the rate before injection fails" [ "$RC" -eq 1 ]
	guest "net_retrans_record 0 $((40 * _mib)) 6 0; net_retrans_verdict"
	check "$SHN: retransmissions with nothing received fail" [ "$RC" -eq 1 ]
}

t_cap()
{
	guest 'NET_UDP_RATE=40M; net_cap_kBps udp; NET_UDP_RATE=800K; net_cap_kBps udp; net_cap_kBps tcp'
	if [ "$(tr '\n' ' ' <"$TMP/stdout")" = "4882 97 0 " ]; then
		ok "$SHN: UDP's set rate in kB/s (40M: 4882), none for TCP"
	else
		not_ok "$SHN: UDP's set rate in kB/s (40M: 4882), none for TCP"
		sed 's/^/# /' "$TMP/stdout"
	fi
}

fake_block()
{
	rm -rf "$TMP/block"
	mkdir -p "$TMP/block/vda"
	printf '%8d %8d %8d %8d %8d %8d %8d %8d %8d %8d %8d\n' "$1" 0 "$2" 10 "$3" 0 "$4" 10 "$5" 20 40 \
		>"$TMP/block/vda/stat"
}

t_blk()
{
	fake_block 10 2048 20 4096 0
	# shellcheck disable=SC2016
	guest 'BLK_DEV=vda; : >"$LAB_OUT/blk-errors"; echo write >>"$LAB_OUT/blk-errors"; blk_bytes; blk_counters'
	if [ "$RC" -eq 0 ] && [ "$(cat "$TMP/stdout")" = "3145728
ios=30 in_flight=0 io_errors=1" ]; then
		ok "$SHN: block stats give bytes moved, requests and errors"
	else
		not_ok "$SHN: block stats give bytes moved, requests and errors"
		sed 's/^/# /' "$TMP/stdout"
	fi
	fake_block 10 2048 20 4096 3
	guest 'BLK_DEV=vda; BLK_STUCK_S=1; blk_load_stop'
	expect "requests still in flight after the load stopped fail 'stuck'" 1 "stuck: 3 requests still in flight on /dev/vda 1s after the load stopped"
	fake_block 10 2048 20 4096 0
	guest 'BLK_DEV=vda; BLK_STUCK_S=1; blk_load_stop'
	expect "no request in flight: the load stops cleanly" 0 ""
}

t_kmod()
{
	rm -rf "$TMP/kernel" "$TMP/proc"
	mkdir -p "$TMP/kernel" "$TMP/proc"
	printf 'virtio_net net_failover\nnet_failover failover\nfailover -\nveth -\n' >"$TMP/kernel/deps"
	: >"$TMP/proc/modules"
	# shellcheck disable=SC2016
	guest 'insmod() { printf "%s\n" "${1##*/}"; printf "%s x\n" "$(basename "$1" .ko)" >>"$SUBSYS_PROC/modules"; }
		subsys_kmod virtio_net; subsys_kmod failover'
	if [ "$RC" -eq 0 ] && [ "$(tr '\n' ' ' <"$TMP/stdout")" = "failover.ko net_failover.ko virtio_net.ko " ]; then
		ok "$SHN: in-tree modules load after what they depend on, once"
	else
		not_ok "$SHN: in-tree modules load after what they depend on, once"
		sed 's/^/# /' "$TMP/stdout"
	fi
	guest 'subsys_kmod virtio_blk'
	expect "a driver the kernel did not build skips the test" 4 "in-tree module virtio_blk is not in the image*"
}

# subsys_run <dir> <recovery ms> <during kB/s>: a copy of the clean
# fixture run whose first test also recorded a subsys test's figures.
subsys_run()
{
	rm -rf "$1"
	cp -r "$TOP/scripts/check/fixtures/runs/clean" "$1"
	cat >>"$1/tests/1-engine_contexts/data" <<EOF
tput test=subsys_fix phase=before target=virtio proto=tcp kBps=1000 min_kBps=900 max_kBps=1100 samples=5 norm_kBps=1000 probe_us=40000
tput test=subsys_fix phase=during target=virtio proto=tcp kBps=$3 min_kBps=1 max_kBps=$3 samples=5 norm_kBps=$3 probe_us=40000
tput test=subsys_fix phase=after target=virtio proto=tcp kBps=1000 min_kBps=900 max_kBps=1100 samples=5 norm_kBps=1000 probe_us=40000
recovery test=subsys_fix baseline_kBps=1000 threshold_kBps=900 recovery_ms=$2 limit_ms=10000 recovered=$([ "$2" -ge 0 ] && echo 1 || echo 0) probe_us=40000 after_probe_us=40000
EOF
}

# compare_subsys <name> <base ms> <new ms> [during kB/s of new]: compare.sh of
# two such runs; status in RC, the report in $TMP/<name>.
compare_subsys()
{
	subsys_run "$TMP/b" "$2" 500
	subsys_run "$TMP/n" "$3" "${4:-500}"
	RC=0
	(cd "$TOP" && sh scripts/compare.sh -o "$TMP/$1" "$TMP/b" "$TMP/n") >"$TMP/$1.out" 2>&1 || RC=$?
}

t_compare()
{
	compare_subsys same 3000 3000
	if [ "$RC" -eq 0 ] && grep -q '^| subsys_fix | recovery_ms | 3000 | 3000 | x1.00 |  |$' "$TMP/same/compare.md"; then
		ok "compare: equal subsys runs, no regression, recovery listed"
	else
		not_ok "compare: equal subsys runs, no regression, recovery listed (status $RC)"
		sed 's/^/# /' "$TMP/same.out"
	fi
	compare_subsys doubled 3000 6500
	if [ "$RC" -eq 1 ] && grep -q 'REGRESSION.*subsys_fix recovery_ms 3000 -> 6500 (x2.17)' "$TMP/doubled/summary.txt"; then
		ok "compare: a recovery time that doubled is a regression"
	else
		not_ok "compare: a recovery time that doubled is a regression (status $RC)"
		sed 's/^/# /' "$TMP/doubled.out"
	fi
	compare_subsys slower 3000 4500
	if [ "$RC" -eq 0 ]; then
		ok "compare: a recovery 1.5 times as long is listed, not called"
	else
		not_ok "compare: a recovery 1.5 times as long is listed, not called (status $RC)"
		sed 's/^/# /' "$TMP/slower.out"
	fi
	compare_subsys short 500 1200
	if [ "$RC" -eq 0 ]; then
		ok "compare: doubled by less than 2 s (one sample or two) is not called"
	else
		not_ok "compare: doubled by less than 2 s (one sample or two) is not called (status $RC)"
	fi
	compare_subsys never 3000 -1
	if [ "$RC" -eq 1 ] && grep -q 'subsys_fix recovery_ms 3000 -> -1' "$TMP/never/summary.txt"; then
		ok "compare: a load that no longer comes back is a regression"
	else
		not_ok "compare: a load that no longer comes back is a regression (status $RC)"
		sed 's/^/# /' "$TMP/never.out"
	fi
	compare_subsys faster 6500 3000 250
	if [ "$RC" -eq 0 ] && grep -q '1 improvement' "$TMP/faster/summary.txt" &&
		grep -q '^| subsys_fix | during_kBps | 500 | 250 | -50% |  |$' "$TMP/faster/compare.md"; then
		ok "compare: a recovery twice as fast is an improvement; throughput changes are listed"
	else
		not_ok "compare: a recovery twice as fast is an improvement; throughput changes are listed (status $RC)"
		sed 's/^/# /' "$TMP/faster.out"
	fi
}

main()
{
	TMP=$(mktemp -d)
	trap 'rm -rf "$TMP"' EXIT
	each_shell t_recovery t_reference t_recovery_noise t_probe t_sample t_net t_retrans t_cap t_blk t_kmod
	t_compare
	exit "$FAILED"
}

main "$@"
