#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: subsys_net
# contexts: softirq (NAPI poll, backlog, TCP timers) of the network stack
# orders: the stack's own
# fault: -f <profile> (module-scoped profiles: the driver's text, or -m's)
# hog: -H <profile> (default none)
# duration: -d <seconds> (default $LAB_DURATION)
# timeout: 240
# needs: iperf3, and the target's driver module (veth, virtio_net)
# devices: subsys if -t virtio
#
# The kernel's own atomic allocations on the network path, under a real
# load (iperf3, TCP or UDP) over loopback, a veth pair between two network
# namespaces, or the two virtio-net NICs QEMU joins with a hub (one per
# namespace).  Throughput is sampled once a second from the receiving
# interface's byte counter: a baseline, then the hog starts and the fault
# profile is applied (scoped to the driver's text, or to -m's module), then
# injection and hog stop and throughput must come back.  Fails with
#   recovery:  throughput not back to 90% of the baseline within 10 s, or
#              (TCP) retransmissions per MiB received after recovery far
#              above those before injection (net.sh, net_retrans_record)
#   stuck:     the load died, or the kernel reported a TX queue timeout
#   injection: the profile injected nothing
#   unload:    the driver (or -m's module) does not unload
#   leak:      free pages not back once everything is torn down
#   taint:     new taint bits but O and E
# Splats are judged by the host from this test's console slice.
#
# Usage: subsys_net.sh -t <lo|veth|virtio> [-p tcp|udp] [-f <fault>]
#                      [-H <hog>] [-d <seconds>] [-m <module>]

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"
. "$LAB_LIB/engine.sh"
. "$LAB_LIB/fault.sh"
. "$LAB_LIB/hog.sh"
. "$LAB_LIB/verdict.sh"
. "$LAB_LIB/subsys.sh"
. "$LAB_LIB/net.sh"

TARGET=
PROTO=tcp
FAULT=none
HOG=none
DUR=$LAB_DURATION
MOD=

usage()
{
	echo "usage: subsys_net.sh -t <lo|veth|virtio> [-p tcp|udp] [-f <fault>] [-H <hog>] [-d <seconds>] [-m <module>]" >&2
	exit 2
}

parse_args()
{
	while getopts t:p:f:H:d:m: _o; do
		case $_o in
		t) TARGET=$OPTARG ;;
		p) PROTO=$OPTARG ;;
		f) FAULT=$OPTARG ;;
		H) HOG=$OPTARG ;;
		d) DUR=$OPTARG ;;
		m) MOD=$OPTARG ;;
		*) usage ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -eq 0 ] || usage
	case $TARGET in lo | veth | virtio) ;; *) usage ;; esac
	case $PROTO in tcp | udp) ;; *) usage ;; esac
	case $DUR in '' | *[!0-9]*) usage ;; esac
	case $MOD in *[!A-Za-z0-9_-]*) usage ;; esac
	case $FAULT$HOG in *[!A-Za-z0-9_-]*) usage ;; esac
}

# scope_module: the module a module-scoped profile filters on.
scope_module()
{
	if [ -n "$MOD" ]; then
		printf '%s\n' "$MOD"
	else
		printf '%s\n' "$NET_MODULE"
	fi
}

module_scoped()
{
	grep -q '^[[:space:]]*scope[[:space:]]*=[[:space:]]*module' \
		"$LAB_CONFIGS/fault/$FAULT.conf" 2>/dev/null
}

phases()
{
	_n=$DUR
	[ "$_n" -ge 3 ] || _n=3
	[ "$_n" -le 10 ] || _n=10
	# TCP's slow start and the first ARP are no part of the baseline.
	sleep 2
	net_load_alive
	retrans_reading B0
	subsys_sample before "$_n" net_rx_bytes
	retrans_reading B1
	subsys_baseline "$(net_cap_kBps "$PROTO")"
	hog_start "$HOG"
	hog_frag_confirm
	hog_frag_record during
	C0=$(net_counters)
	fault_apply "$FAULT" "$(scope_module)"
	subsys_sample during "$DUR" net_rx_bytes
	fault_off
	INJ=$(fault_injected)
	C1=$(net_counters)
	hog_stop
	T_STOP=$(lab_uptime_ms)
	hog_frag_record after
	subsys_recover net_rx_bytes "$T_STOP"
	[ "$PROTO" = tcp ] || return 0
	lab_phase recovery
	retrans_reading A0
	lab_sleep_ms $((NET_RETRANS_S * 1000))
	retrans_reading A1
	lab_phase verdict
}

# retrans_reading <name>: the TCP segments retransmitted so far and the
# bytes received, as RETRANS_<name> and BYTES_<name> (TCP only).
retrans_reading()
{
	[ "$PROTO" = tcp ] || return 0
	net_retrans "$(net_counters)"
	eval "RETRANS_$1=\$NET_RETRANS BYTES_$1=\$(net_rx_bytes)"
}

report()
{
	_d=$(net_counters_delta "$C0" "$C1")
	subsys_tput before "target=$TARGET proto=$PROTO"
	subsys_tput during "target=$TARGET proto=$PROTO"
	subsys_tput after "target=$TARGET proto=$PROTO"
	lab_data "drops test=$LAB_TAG phase=during target=$TARGET proto=$PROTO $_d"
	[ "$PROTO" != tcp ] ||
		net_retrans_record $((RETRANS_B1 - RETRANS_B0)) $((BYTES_B1 - BYTES_B0)) \
			$((RETRANS_A1 - RETRANS_A0)) $((BYTES_A1 - BYTES_A0))
	lab_data "sum test=$LAB_TAG target=$TARGET proto=$PROTO fault=$FAULT hog=$HOG module=$(scope_module) duration_s=$DUR injected=$INJ"
	lab_info "during injection: $INJ failures injected; stack counters: $_d"
}

main()
{
	parse_args "$@"
	if [ "$TARGET" = lo ] && [ -z "$MOD" ] && module_scoped; then
		lab_skip "loopback is built into the kernel: no module text for the module-scoped profile $FAULT"
	fi
	[ -z "$MOD" ] || lab_module_path "$MOD" >/dev/null || lab_fail setup "module $MOD not in the image"
	grep -q 'debug_locks: *0' /proc/lockdep_stats 2>/dev/null &&
		lab_info "warning: lockdep is off in this boot (an earlier splat turned it off): locking bugs go unseen"
	TO0=$(net_tx_timeouts)
	# shellcheck disable=SC2119 # no work between its readings
	verdict_snapshot
	hog_frag_record before
	net_setup "$TARGET"
	[ -z "$MOD" ] || lab_insmod "$MOD"
	subsys_probe_calibrate
	net_load_start "$PROTO"
	phases
	report
	net_load_alive
	TEXT=
	if [ -n "$MOD" ]; then
		TEXT=$(lab_module_text "$MOD") || TEXT=
	elif [ -n "$NET_MODULE" ]; then
		TEXT=$(lab_module_text "$NET_MODULE") || TEXT=
	fi
	net_load_stop
	[ -z "$MOD" ] || lab_rmmod "$MOD"
	net_teardown
	TO1=$(net_tx_timeouts)
	[ "$TO1" -le "$TO0" ] ||
		lab_fail stuck "the kernel reported $((TO1 - TO0)) TX queue timeouts"
	verdict_taint
	# shellcheck disable=SC2086 # "start end" are two words
	verdict_free "$(scope_module)" $TEXT
	# The load's recovery is judged after the leak: pages lost are a finding
	# page_owner names the allocator of, a slow load after a leak may be its
	# consequence (or the host's noise), not the other way round.
	subsys_recovery_verdict
	net_retrans_verdict
	verdict_injection -
	lab_info "pass: $TARGET $PROTO under fault=$FAULT hog=$HOG, recovered in ${SUBSYS_RECOVERY_MS} ms"
}

main "$@"
