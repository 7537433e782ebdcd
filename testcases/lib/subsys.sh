#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Shared by the subsys tests (the kernel's own atomic allocators under a
# real load): in-tree driver modules, network namespaces, throughput
# sampled from a byte counter, and the recovery rule.  Sourced after
# lab.sh.
#
#   subsys_kmod <name>          load an in-tree module (and the modules it
#                               depends on) from $LAB_MODDIR/kernel/;
#                               skip when the kernel did not build it
#   subsys_ns_new               a new network namespace, held by a sleeping
#                               process; prints that PID
#   subsys_in <pid|-> cmd...    run cmd in that PID's network namespace
#                               ("-": this one)
#   subsys_exec <pid|-> cmd...  the same, replacing the shell: in
#                               "( subsys_exec ... ) &", $! is cmd
#   subsys_sample <phase> <s> <counter-fn>
#                               <s> one-second throughput samples (kB/s)
#                               of the byte counter <counter-fn> prints,
#                               into $LAB_OUT/rate.<phase>
#   subsys_recover <counter-fn> <baseline kB/s> <t_stop ms>
#                               sample until a second reaches
#                               SUBSYS_RECOVERY_PCT % of the baseline,
#                               at most SUBSYS_RECOVERY_S seconds after
#                               t_stop (lab_uptime_ms when injection
#                               and hog stopped); fails "recovery"
#   subsys_median <file>        median of the numbers in a file
#   subsys_tput <phase> key=value...
#                               a "tput" data record of a phase's samples
#
# SUBSYS_KDIR, SUBSYS_PROC and SUBSYS_RMMOD point elsewhere to check these helpers
# against saved files.

SUBSYS_KDIR=${SUBSYS_KDIR:-$LAB_MODDIR/kernel}
SUBSYS_PROC=${SUBSYS_PROC:-/proc}
SUBSYS_RMMOD=${SUBSYS_RMMOD:-rmmod}
SUBSYS_RECOVERY_PCT=${SUBSYS_RECOVERY_PCT:-90}
SUBSYS_RECOVERY_S=${SUBSYS_RECOVERY_S:-10}
SUBSYS_T_STOP=
SUBSYS_RECOVERY_MS=

subsys_kmod()
{
	grep -q "^$1 " "$SUBSYS_PROC/modules" && return 0
	_line=$(grep "^$1 " "$SUBSYS_KDIR/deps" 2>/dev/null) ||
		lab_skip "in-tree module $1 is not in the image (the kernel was built without it as a module)"
	for _dep in $(printf '%s\n' "${_line#* }" | tr ',' ' '); do
		[ "$_dep" = - ] || subsys_kmod "$_dep"
	done
	insmod "$SUBSYS_KDIR/$1.ko" || lab_fail setup "insmod $1 failed"
	lab_on_exit "grep -q '^$1 ' '$SUBSYS_PROC/modules' && $SUBSYS_RMMOD '$1'"
}

subsys_ns_new()
{
	unshare -n sleep 1000000 >/dev/null 2>&1 &
	_pid=$!
	printf "%s\n" "$_pid" >>"$LAB_OUT/.subsys-ns"
	lab_on_exit "kill $_pid 2>/dev/null; :"
	_self=$(readlink /proc/self/ns/net)
	_i=0
	while [ "$(readlink "/proc/$_pid/ns/net" 2>/dev/null)" = "$_self" ] ||
		[ ! -e "/proc/$_pid/ns/net" ]; do
		_i=$((_i + 1))
		[ "$_i" -le 50 ] || lab_fail setup "no network namespace (unshare -n failed)"
		sleep 0.1
	done
	printf '%s\n' "$_pid"
}

# subsys_ns_end: end the namespaces; their devices go back (virtio) or
# away (veth) once the kernel has cleaned them up.
subsys_ns_end()
{
	[ -f "$LAB_OUT/.subsys-ns" ] || return 0
	while read -r _p; do
		kill "$_p" 2>/dev/null || :
		_i=0
		while kill -0 "$_p" 2>/dev/null && [ "$_i" -lt 50 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
	done <"$LAB_OUT/.subsys-ns"
	rm -f "$LAB_OUT/.subsys-ns"
}

subsys_in()
{
	_ns=$1
	shift
	if [ "$_ns" = - ]; then
		"$@"
	else
		nsenter -t "$_ns" -n "$@"
	fi
}

# subsys_exec <pid|-> cmd...: become cmd in that PID's network namespace,
# for "( subsys_exec ... ) &", so that $! is the command itself.
subsys_exec()
{
	_ns=$1
	shift
	[ "$_ns" = - ] && exec "$@"
	exec nsenter -t "$_ns" -n "$@"
}

subsys_median()
{
	sort -n "$1" | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }'
}

subsys_sample()
{
	_ph=$1
	_n=$2
	_fn=$3
	: >"$LAB_OUT/rate.$_ph"
	_c0=$($_fn)
	_t0=$(lab_uptime_ms)
	_i=0
	while [ "$_i" -lt "$_n" ]; do
		sleep 1
		_c1=$($_fn)
		_t1=$(lab_uptime_ms)
		_dt=$((_t1 - _t0))
		[ "$_dt" -gt 0 ] || _dt=1
		printf '%s\n' $(((_c1 - _c0) * 1000 / 1024 / _dt)) >>"$LAB_OUT/rate.$_ph"
		_c0=$_c1
		_t0=$_t1
		_i=$((_i + 1))
		[ "$HOG_TYPE" = stressng ] && hog_check
	done
	return 0
}

subsys_tput()
{
	_ph=$1
	shift
	_stats=$(sort -n "$LAB_OUT/rate.$_ph" | awk '{ v[NR] = $1 }
		END {
			if (!NR) { print "kBps=0 min_kBps=0 max_kBps=0 samples=0"; exit }
			print "kBps=" v[int((NR + 1) / 2)], "min_kBps=" v[1], "max_kBps=" v[NR], "samples=" NR
		}')
	lab_data "tput test=$LAB_TAG phase=$_ph${*:+ $*} $_stats"
	lab_info "throughput $_ph: $_stats"
}

subsys_recover()
{
	_fn=$1
	_base=$2
	SUBSYS_T_STOP=$3
	_need=$((_base * SUBSYS_RECOVERY_PCT / 100))
	: >"$LAB_OUT/rate.after"
	_c0=$($_fn)
	_t0=$(lab_uptime_ms)
	SUBSYS_RECOVERY_MS=
	_extra=0
	while :; do
		sleep 1
		_c1=$($_fn)
		_t1=$(lab_uptime_ms)
		_dt=$((_t1 - _t0))
		[ "$_dt" -gt 0 ] || _dt=1
		_r=$(((_c1 - _c0) * 1000 / 1024 / _dt))
		printf '%s\n' "$_r" >>"$LAB_OUT/rate.after"
		_c0=$_c1
		_t0=$_t1
		if [ -z "$SUBSYS_RECOVERY_MS" ] && [ "$_r" -ge "$_need" ] && [ "$_r" -gt 0 ]; then
			SUBSYS_RECOVERY_MS=$((_t1 - SUBSYS_T_STOP))
		fi
		if [ -n "$SUBSYS_RECOVERY_MS" ]; then
			# Two more seconds for the "after" figure.
			_extra=$((_extra + 1))
			[ "$_extra" -gt 2 ] && break
		elif [ $((_t1 - SUBSYS_T_STOP)) -gt $((SUBSYS_RECOVERY_S * 1000)) ]; then
			break
		fi
	done
	_ok=1
	[ -n "$SUBSYS_RECOVERY_MS" ] && [ "$SUBSYS_RECOVERY_MS" -le $((SUBSYS_RECOVERY_S * 1000)) ] || _ok=0
	lab_data "recovery test=$LAB_TAG baseline_kBps=$_base threshold_kBps=$_need recovery_ms=${SUBSYS_RECOVERY_MS:--1} limit_ms=$((SUBSYS_RECOVERY_S * 1000)) recovered=$_ok"
	[ "$_ok" = 1 ] && {
		lab_info "recovered: ${_need} kB/s (${SUBSYS_RECOVERY_PCT}% of ${_base}) reached ${SUBSYS_RECOVERY_MS} ms after injection and hog stopped"
		return 0
	}
	lab_info "after: $(tr '\n' ' ' <"$LAB_OUT/rate.after")kB/s"
	lab_fail recovery "throughput not back to ${SUBSYS_RECOVERY_PCT}% of the baseline (${_need} of ${_base} kB/s) within ${SUBSYS_RECOVERY_S} s after injection and hog stopped (best $(sort -n "$LAB_OUT/rate.after" | tail -n 1) kB/s)"
}
