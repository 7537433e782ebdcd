#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Network targets of the subsys tests.  Sourced after lab.sh and subsys.sh.
# Everything stays inside the guest (and QEMU's internal hub): loopback,
# and IPv4 link-local addresses (169.254.0.0/16) on the namespaces' links.
#
#   net_setup <lo|veth|virtio>  build the target: NET_A and NET_B are the
#                               client's and the server's namespaces (PIDs,
#                               "-" for this one), NET_IF_A/NET_IF_B their
#                               interfaces, NET_ADDR_B the server's address,
#                               NET_MODULE the driver's module (empty: none)
#   net_load_start <tcp|udp>    iperf3 server in B, client in A, running
#                               until net_load_stop
#   net_load_alive              the client and the server still run
#   net_load_stop               stop both
#   net_rx_bytes                bytes received on B's interface
#   net_cap_kBps <tcp|udp>      the load's set rate (kB/s), 0: none
#   net_counters                drop and error counters of both ends, one
#                               "key=value" line (sum of both namespaces)
#   net_tx_timeouts             TX queue timeouts the kernel reported so far
#   net_retrans_record <segs before> <bytes before> <segs after> <bytes after>
#                               a "retrans" record: TCP segments retransmitted
#                               per MiB received before injection and in a
#                               window after recovery
#   net_retrans_verdict         fail "recovery" when TCP still retransmits
#   net_teardown                namespaces gone, driver unloaded (a driver
#                               that will not unload fails "unload")
#
# Loopback: client and server in this namespace over 127.0.0.1.  veth: a
# pair between two new namespaces, with GRO on (ethtool) so each end
# receives in its own NAPI poll, in veth's text.  virtio: the two virtio-net
# NICs QEMU joins with a hub (-netdev hubport), one per namespace; their RX
# refill runs in virtio-net's NAPI poll.

NET_A=-
NET_B=-
NET_IF_A=lo
NET_IF_B=lo
NET_ADDR_B=127.0.0.1
NET_MODULE=
NET_PORT=5201
NET_CLIENT=
NET_SERVER=
NET_MAC_A=52:54:00:1a:b0:01
NET_MAC_B=52:54:00:1a:b0:02
NET_UDP_RATE=${NET_UDP_RATE:-40M}

# net_if_by <file> <value>: the interface whose /sys/class/net/<if>/<file>
# reads <value>.
net_if_by()
{
	for _d in /sys/class/net/*; do
		[ "$(cat "$_d/$1" 2>/dev/null)" = "$2" ] && { printf '%s\n' "${_d##*/}"; return 0; }
	done
	return 1
}

# net_place <ns> <if> <addr/len>: move an interface into a namespace and
# give it an address.
net_place()
{
	ip link set dev "$2" netns "$1" || lab_fail setup "cannot move $2 into namespace $1"
	subsys_in "$1" ip link set dev lo up
	subsys_in "$1" ip addr add "$3" dev "$2" || lab_fail setup "cannot set $3 on $2"
	subsys_in "$1" ip link set dev "$2" up || lab_fail setup "cannot bring $2 up"
}

net_gro_on()
{
	if command -v ethtool >/dev/null 2>&1; then
		subsys_in "$1" ethtool -K "$2" gro on >/dev/null 2>&1 ||
			lab_info "warning: ethtool -K $2 gro on failed"
	else
		lab_info "warning: no ethtool in the image: veth receives without NAPI"
	fi
}

net_setup_lo()
{
	ip link set dev lo up || lab_fail setup "cannot bring lo up"
}

net_setup_veth()
{
	NET_MODULE=veth
	subsys_kmod veth
	NET_A=$(subsys_ns_new)
	NET_B=$(subsys_ns_new)
	ip link add labv0 type veth || lab_fail setup "ip link add labv0 type veth failed"
	_peer=$(net_if_by ifindex "$(cat /sys/class/net/labv0/iflink)") ||
		lab_fail setup "no peer of labv0"
	ip link set dev "$_peer" name labv1 || lab_fail setup "cannot rename $_peer"
	NET_IF_A=labv0
	NET_IF_B=labv1
	NET_ADDR_B=169.254.20.2
	net_place "$NET_A" labv0 169.254.20.1/24
	net_place "$NET_B" labv1 169.254.20.2/24
	net_gro_on "$NET_A" labv0
	net_gro_on "$NET_B" labv1
}

net_setup_virtio()
{
	NET_MODULE=virtio_net
	subsys_kmod virtio_net
	_i=0
	until _a=$(net_if_by address "$NET_MAC_A") && _b=$(net_if_by address "$NET_MAC_B"); do
		_i=$((_i + 1))
		[ "$_i" -le 50 ] ||
			lab_skip "no virtio-net NICs $NET_MAC_A and $NET_MAC_B (QEMU started without DEVICES=subsys?)"
		sleep 0.1
	done
	NET_A=$(subsys_ns_new)
	NET_B=$(subsys_ns_new)
	NET_IF_A=$_a
	NET_IF_B=$_b
	NET_ADDR_B=169.254.10.2
	net_place "$NET_A" "$_a" 169.254.10.1/24
	net_place "$NET_B" "$_b" 169.254.10.2/24
}

net_setup()
{
	case $1 in
	lo) net_setup_lo ;;
	veth) net_setup_veth ;;
	virtio) net_setup_virtio ;;
	*) lab_fail setup "unknown network target '$1'" ;;
	esac
	lab_info "target $1: client ${NET_IF_A} (ns $NET_A), server ${NET_IF_B} $NET_ADDR_B (ns $NET_B)${NET_MODULE:+, driver $NET_MODULE}"
}

# net_listening: the server's port is open in B.
net_listening()
{
	subsys_in "$NET_B" cat "$SUBSYS_PROC/net/tcp" 2>/dev/null |
		awk -v p="$(printf ':%04X' "$NET_PORT")" '$2 ~ p "$" && $4 == "0A" { f = 1 } END { exit !f }'
}

net_load_start()
{
	command -v iperf3 >/dev/null 2>&1 || lab_skip "no iperf3 in the image (package iperf3)"
	(subsys_exec "$NET_B" iperf3 -s -B "$NET_ADDR_B" -p "$NET_PORT") \
		>"$LAB_OUT/iperf3-server.log" 2>&1 &
	NET_SERVER=$!
	lab_on_exit "kill $NET_SERVER 2>/dev/null; :"
	_i=0
	until net_listening; do
		_i=$((_i + 1))
		[ "$_i" -le 100 ] || lab_fail setup "iperf3 server did not start: $(tail -n 1 "$LAB_OUT/iperf3-server.log")"
		sleep 0.1
	done
	_proto=$1
	set -- -c "$NET_ADDR_B" -p "$NET_PORT" -t 3600 -i 0
	case $_proto in
	tcp) ;;
	udp) set -- "$@" -u -b "$NET_UDP_RATE" -l 1400 ;;
	*) lab_fail setup "unknown protocol '$_proto'" ;;
	esac
	(subsys_exec "$NET_A" iperf3 "$@") >"$LAB_OUT/iperf3-client.log" 2>&1 &
	NET_CLIENT=$!
	lab_on_exit "kill $NET_CLIENT 2>/dev/null; :"
	lab_info "load: iperf3 $*"
}

net_load_alive()
{
	kill -0 "$NET_CLIENT" 2>/dev/null ||
		lab_fail stuck "iperf3 client ended: $(tail -n 2 "$LAB_OUT/iperf3-client.log" | tr '\n' ' ')"
	kill -0 "$NET_SERVER" 2>/dev/null ||
		lab_fail stuck "iperf3 server ended: $(tail -n 2 "$LAB_OUT/iperf3-server.log" | tr '\n' ' ')"
}

net_load_stop()
{
	for _p in "$NET_CLIENT" "$NET_SERVER"; do
		[ -n "$_p" ] || continue
		kill "$_p" 2>/dev/null || :
		wait "$_p" 2>/dev/null || :
	done
	NET_CLIENT=
	NET_SERVER=
}

# net_proc <ns> <file>: a file of /proc/net as that namespace sees it
# (/proc/<pid>/net/<file>: no nsenter a second).
net_proc()
{
	if [ "$1" = - ]; then
		cat "$SUBSYS_PROC/net/$2"
	else
		cat "$SUBSYS_PROC/$1/net/$2"
	fi
}

# net_dev_field <ns> <if> <n>: field n (1 = rx bytes) of an interface's
# /proc/net/dev line.
net_dev_field()
{
	net_proc "$1" dev | awk -v i="$2:" -v n="$3" '
		{ sub(/^ */, ""); sub(/:/, ": ") }
		$1 == i { print $(n + 1); f = 1 }
		END { if (!f) print 0 }'
}

# net_cap_kBps <tcp|udp>: the load's set rate in kB/s of payload (UDP's
# NET_UDP_RATE, bits a second with a K, M or G suffix); 0: none (TCP).
net_cap_kBps()
{
	[ "$1" = udp ] || { echo 0; return 0; }
	printf '%s\n' "$NET_UDP_RATE" | awk '{
		v = $0 + 0; u = substr($0, length($0))
		if (u == "K") v *= 1000; else if (u == "M") v *= 1000000; else if (u == "G") v *= 1000000000
		printf "%d\n", v / 8 / 1024 }'
}

net_rx_bytes()
{
	net_dev_field "$NET_B" "$NET_IF_B" 1
}

# net_ns_counters <ns> <if>: drops and errors of one end: the interface's
# (/proc/net/dev), IP's, TCP's and UDP's (/proc/net/snmp) and TCP's drops
# for want of memory or room (/proc/net/netstat).
net_ns_counters()
{
	{
		net_proc "$1" dev | awk -v i="$2:" '
			{ sub(/^ */, ""); sub(/:/, ": ") }
			$1 == i { print "rx_errors", $4; print "rx_dropped", $5; print "tx_errors", $12; print "tx_dropped", $13 }'
		net_proc "$1" snmp | awk '
			$1 == "Ip:" && $2 !~ /^[0-9]/ { for (i = 2; i <= NF; i++) ip[i] = $i; next }
			$1 == "Ip:" { for (i = 2; i <= NF; i++) if (ip[i] == "InDiscards" || ip[i] == "OutDiscards") print "ip_" tolower(ip[i]), $i; next }
			$1 == "Tcp:" && $2 !~ /^-?[0-9]/ { for (i = 2; i <= NF; i++) tcp[i] = $i; next }
			$1 == "Tcp:" { for (i = 2; i <= NF; i++) if (tcp[i] == "RetransSegs" || tcp[i] == "InErrs") print "tcp_" tolower(tcp[i]), $i; next }
			$1 == "Udp:" && $2 !~ /^[0-9]/ { for (i = 2; i <= NF; i++) udp[i] = $i; next }
			$1 == "Udp:" { for (i = 2; i <= NF; i++) if (udp[i] ~ /^(InErrors|RcvbufErrors|SndbufErrors)$/) print "udp_" tolower(udp[i]), $i; next }'
		net_proc "$1" netstat 2>/dev/null | awk '
			$1 == "TcpExt:" && $2 !~ /^[0-9]/ { for (i = 2; i <= NF; i++) x[i] = $i; next }
			$1 == "TcpExt:" { for (i = 2; i <= NF; i++) if (x[i] ~ /^(TCPBacklogDrop|TCPRcvQDrop|TCPOFODrop|PruneCalled|TCPAbortOnMemory|TCPMemoryPressures)$/) print "tcp_" tolower(x[i]), $i; next }'
	}
}

net_counters()
{
	{
		net_ns_counters "$NET_A" "$NET_IF_A"
		if [ "$NET_B" != "$NET_A" ] || [ "$NET_IF_B" != "$NET_IF_A" ]; then
			net_ns_counters "$NET_B" "$NET_IF_B"
		fi
	} | awk '{ s[$1] += $2; if (!($1 in o)) { o[$1] = ++n; k[n] = $1 } }
		END { for (i = 1; i <= n; i++) printf "%s%s=%d", (i > 1 ? " " : ""), k[i], s[k[i]]; print "" }'
}

# net_counters_delta <before> <after>: after - before, key by key, and
# "sum=" of them all.
net_counters_delta()
{
	printf '%s\n%s\n' "$1" "$2" | awk '
		NR == 1 { for (i = 1; i <= NF; i++) { split($i, kv, "="); b[kv[1]] = kv[2] } next }
		{ for (i = 1; i <= NF; i++) { split($i, kv, "="); d = kv[2] - b[kv[1]]; s += d
			printf "%s%s=%d", (i > 1 ? " " : ""), kv[1], d } printf " sum=%d\n", s }'
}

# net_retrans <counters>: NET_RETRANS, the TCP segments retransmitted in a
# net_counters line (read by the shell: no fork).
net_retrans()
{
	# shellcheck disable=SC2034 # read by the tests (subsys_net.sh)
	NET_RETRANS=0
	for _kv in $1; do
		# shellcheck disable=SC2034
		case $_kv in tcp_retranssegs=*) NET_RETRANS=${_kv#*=} ;; esac
	done
}

# The retransmission rule.  A load can look back at speed while the stack
# still loses packets for good (a hook that drops one in eight: TCP over
# loopback resends them within milliseconds, and on a loaded host the
# throughput alone swings more than that costs).  Retransmissions per MiB
# received do not follow the host's speed.  After recovery they must fall
# to NET_RETRANS_FACTOR times the rate before injection, or
# NET_RETRANS_FLOOR per MiB, whichever is more; fewer than NET_RETRANS_MIN
# segments in the window never fail.  Over loopback a healthy stack
# retransmits none; one that drops one segment of 64 KiB in eight, about
# two per MiB.
NET_RETRANS_FACTOR=${NET_RETRANS_FACTOR:-4}
NET_RETRANS_FLOOR=${NET_RETRANS_FLOOR:-0.5}
NET_RETRANS_MIN=${NET_RETRANS_MIN:-5}
NET_RETRANS_S=${NET_RETRANS_S:-2}
NET_RETRANS_BAD=0
NET_RETRANS_WHY=

net_retrans_record()
{
	awk -v sb="$1" -v bb="$2" -v sa="$3" -v ba="$4" -v f="$NET_RETRANS_FACTOR" \
		-v fl="$NET_RETRANS_FLOOR" -v mn="$NET_RETRANS_MIN" 'BEGIN {
		mb = bb / 1048576; ma = ba / 1048576
		rb = mb > 0 ? sb / mb : 0
		ra = ma > 0 ? sa / ma : (sa > 0 ? sa : 0)
		lim = f * rb
		if (lim < fl)
			lim = fl
		printf "%d %.2f %.2f %.2f %.1f\n", (sa >= mn && ra > lim), rb, ra, lim, ma
	}' >"$LAB_OUT/.retrans"
	read -r NET_RETRANS_BAD _rb _ra _lim _ma <"$LAB_OUT/.retrans"
	lab_data "retrans test=$LAB_TAG before_segs=$1 before_bytes=$2 after_segs=$3 after_bytes=$4 before_per_MiB=$_rb after_per_MiB=$_ra limit_per_MiB=$_lim window_s=$NET_RETRANS_S"
	NET_RETRANS_WHY="TCP still retransmits after injection stopped and the load came back: $3 segments in ${_ma} MiB received over ${NET_RETRANS_S} s ($_ra per MiB; before injection $_rb, limit $_lim)"
	lab_info "retransmissions: $_rb per MiB before injection, $_ra after recovery (limit $_lim)"
}

net_retrans_verdict()
{
	[ "$NET_RETRANS_BAD" = 1 ] || return 0
	lab_fail recovery "$NET_RETRANS_WHY"
}

net_tx_timeouts()
{
	dmesg 2>/dev/null | grep -c -e "NETDEV WATCHDOG" -e "transmit queue [0-9]* timed out" || :
}

net_teardown()
{
	net_load_stop
	subsys_ns_end
	[ -n "$NET_MODULE" ] || return 0
	# Devices leave a dying namespace from the kernel's cleanup work.
	_i=0
	while [ "$NET_MODULE" = veth ] && [ -e /sys/class/net/labv0 ] && [ "$_i" -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	lab_rmmod "$NET_MODULE"
}
