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
. scripts/check/tap.sh

# guest <body>: run body with the libraries sourced, in a fresh LAB_OUT;
# status in RC, the verdict in VERDICT.  sleep and the clock are fakes:
# every lab_uptime_ms call is one second later.
guest()
{
	rm -rf "$TMP/out"
	mkdir -p "$TMP/out"
	printf '0\n' >"$TMP/clock"
	RC=0
	LAB_OUT=$TMP/out LAB_LIB=$TOP/testcases/lib LAB_CONFIGS=$TOP/configs \
	LAB_TAG=t SUBSYS_PROC=$TMP/proc SUBSYS_KDIR=$TMP/kernel BLK_SYS=$TMP/block \
	SUBSYS_RMMOD=true \
	T_DIR=$TMP \
		$SH -c ". \"\$LAB_LIB/lab.sh\"
			. \"\$LAB_LIB/hog.sh\"
			. \"\$LAB_LIB/subsys.sh\"
			. \"\$LAB_LIB/net.sh\"
			. \"\$LAB_LIB/blk.sh\"
			lab_kmsg() { :; }
			sleep() { :; }
			lab_uptime_ms() {
				_c=\$(cat \"\$T_DIR/clock\")
				printf '%s\n' \$((_c + 1000)) >\"\$T_DIR/clock\"
				printf '%s\n' \"\$_c\"
			}
			# counter: the next line of \$TMP/counter per call.
			counter() {
				_l=\$(head -n 1 \"\$T_DIR/counter\")
				tail -n +2 \"\$T_DIR/counter\" >\"\$T_DIR/counter.n\"
				mv \"\$T_DIR/counter.n\" \"\$T_DIR/counter\"
				printf '%s\n' \"\${_l:-0}\"
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

data_has()
{
	grep -q -e "$1" "$TMP/out/data" 2>/dev/null
}

t_recovery()
{
	# Baseline 1000 kB/s; the threshold is 900.  The clock starts at 0 and
	# injection stopped at 0: the third second reaches 950 at 3000 ms.
	counters 100 400 950 1000 1000 1000
	guest 'subsys_recover counter 1000 0'
	expect "recovery: back to 90% within 10 s passes" 0 ""
	if data_has '^recovery test=t baseline_kBps=1000 threshold_kBps=900 recovery_ms=3000 limit_ms=10000 recovered=1$'; then
		ok "$SHN: recovery record names the time it took"
	else
		not_ok "$SHN: recovery record names the time it took"
		sed 's/^/# /' "$TMP/out/data" 2>/dev/null || :
	fi
	counters 100 200 300 400 500 600 700 800 850 880 890 899 899 899
	guest 'subsys_recover counter 1000 0'
	expect "recovery: still below 90% after 10 s fails" 1 "recovery: throughput not back to 90% of the baseline (900 of 1000 kB/s)*"
	if data_has 'recovered=0'; then
		ok "$SHN: a failed recovery is recorded"
	else
		not_ok "$SHN: a failed recovery is recorded"
	fi
	counters 0 0 0 0 0 0 0 0 0 0 0 0 0 0
	guest 'subsys_recover counter 1000 0'
	expect "recovery: a stuck load (no bytes at all) fails" 1 "recovery: *"
	# Late: the load was only back 12 s after injection stopped.
	counters 950 950 950
	guest 'subsys_recover counter 1000 -12000'
	expect "recovery: back only after the limit fails" 1 "recovery: *"
}

t_sample()
{
	counters 10 20 30 40 50
	guest 'subsys_sample before 5 counter; subsys_tput before target=lo proto=tcp'
	expect "sampling five seconds" 0 ""
	if [ "$(tr '\n' ' ' <"$TMP/out/rate.before")" = "10 20 30 40 50 " ] &&
		data_has '^tput test=t phase=before target=lo proto=tcp kBps=30 min_kBps=10 max_kBps=50 samples=5$'; then
		ok "$SHN: one rate per second and a tput record with the median"
	else
		not_ok "$SHN: one rate per second and a tput record with the median"
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
}

t_net()
{
	fake_net 123456789 1 2 3 4 5 6 7 8
	guest 'net_rx_bytes; net_counters'
	if [ "$RC" -eq 0 ] && [ "$(cat "$TMP/stdout")" = "123456789
rx_errors=1 rx_dropped=2 tx_errors=3 tx_dropped=4 ip_indiscards=5 ip_outdiscards=6 tcp_retranssegs=7 tcp_inerrs=0 udp_inerrors=8 udp_rcvbuferrors=0 udp_sndbuferrors=0" ]; then
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

main()
{
	TMP=$(mktemp -d)
	trap 'rm -rf "$TMP"' EXIT
	each_shell t_recovery t_sample t_net t_blk t_kmod
	exit "$FAILED"
}

main "$@"
