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
#   subsys_probe_calibrate      size the speed probe (before the load)
#   subsys_sample <phase> <s> <counter-fn>
#                               <s> samples, one a second, into
#                               $LAB_OUT/rate.<phase>: a "stress" phase
#                               asking <s> seconds (lab_phase)
#   subsys_baseline             the reference probe and the baseline from
#                               the "before" samples
#   subsys_recover <counter-fn> <t_stop ms>
#                               sample until the load is back (or cannot
#                               be within the limit); a "recovery" record;
#                               the phase "recovery"
#   subsys_reference <counter-fn> <s>
#                               after a recovery not seen: the same load
#                               on a fresh driver as the reference; the
#                               "after" samples judged again against it
#   subsys_recovery_verdict     fail "recovery" unless it came back
#   subsys_median <file>        median of the numbers in a file
#   subsys_tput <phase> key=value...
#                               a "tput" data record of a phase's samples
#
# A sample is one line "<kB/s> <probe us> <guest ms>": the counter's rate
# over the last second by the guest's clock, and how long the speed probe
# (a fixed loop at nice -20, subsys_probe) took right after.  Under TCG the
# guest's clock is the host's: when other guests take the host's CPUs, the
# guest's rate drops and the probe takes longer alike.  So each rate is
# compared at the baseline's guest speed, rate x probe / reference probe
# (the median probe of the "before" samples), and a load the kernel left
# slow (a stuck queue, drops that go on) stays slow at any host speed.
# The recovery rule: the baseline is the lower quartile of the "before"
# rates; the load is back at the first second after injection and the
# hog stopped whose rate reaches SUBSYS_RECOVERY_PCT % of it and holds in
# at least SUBSYS_RECOVERY_HOLD - 1 of the SUBSYS_RECOVERY_HOLD seconds
# from that one, that second no later than SUBSYS_RECOVERY_S seconds
# after the stop.
#
# SUBSYS_KDIR, SUBSYS_PROC and SUBSYS_RMMOD point elsewhere to check these
# helpers against saved files; SUBSYS_PROBE names the probe function.

SUBSYS_KDIR=${SUBSYS_KDIR:-$LAB_MODDIR/kernel}
SUBSYS_PROC=${SUBSYS_PROC:-/proc}
SUBSYS_RMMOD=${SUBSYS_RMMOD:-rmmod}
SUBSYS_PROBE=${SUBSYS_PROBE:-subsys_probe}
SUBSYS_PROBE_MS=${SUBSYS_PROBE_MS:-60}
SUBSYS_PROBE_N=${SUBSYS_PROBE_N:-}
SUBSYS_PROBE_REF=1
SUBSYS_BASE=0
SUBSYS_RECOVERY_PCT=${SUBSYS_RECOVERY_PCT:-90}
SUBSYS_RECOVERY_S=${SUBSYS_RECOVERY_S:-10}
SUBSYS_RECOVERY_HOLD=${SUBSYS_RECOVERY_HOLD:-3}
SUBSYS_T_STOP=
SUBSYS_RECOVERY_MS=
SUBSYS_RECOVERED=0
SUBSYS_RECOVERY_BY=-
SUBSYS_C0=0
SUBSYS_T0=0

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

# subsys_median_col <file> <n>: median of column n.
subsys_median_col()
{
	awk -v n="$2" '{ print $n }' "$1" | sort -n |
		awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }'
}

subsys_median()
{
	sort -n "$1" | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }'
}

# subsys_probe_calibrate: SUBSYS_PROBE_N, the loop count that takes about
# SUBSYS_PROBE_MS on this guest now (before the load starts).
subsys_probe_calibrate()
{
	[ -z "$SUBSYS_PROBE_N" ] || return 0
	SUBSYS_PROBE_N=20000
	_us=$($SUBSYS_PROBE) || _us=0
	case $_us in '' | *[!0-9]*) _us=0 ;; esac
	[ "$_us" -gt 0 ] || _us=1
	SUBSYS_PROBE_N=$((SUBSYS_PROBE_N * SUBSYS_PROBE_MS * 1000 / _us))
	[ "$SUBSYS_PROBE_N" -ge 2000 ] || SUBSYS_PROBE_N=2000
	[ "$SUBSYS_PROBE_N" -le 5000000 ] || SUBSYS_PROBE_N=5000000
	lab_info "speed probe: $SUBSYS_PROBE_N loops (20000 took $_us us)"
}

# subsys_probe: microseconds, by the guest's clock (the "now" of
# /proc/timer_list, in ns), that a fixed loop of SUBSYS_PROBE_N turns takes
# at nice -20, ahead of the load.  Under TCG the guest's clock is the
# host's: when the host gives the guest less CPU, the same loop takes
# longer.
subsys_probe()
{
	# busybox has renice, not nice: the shell renices itself, then
	# becomes awk.
	# shellcheck disable=SC2016 # $$ and $@ are the inner shell's
	sh -c 'renice -n -20 -p $$ >/dev/null 2>&1; exec awk "$@"' awk \
		-v n="$SUBSYS_PROBE_N" -v tl="$SUBSYS_PROC/timer_list" '
	function now(  l, f) {
		while ((getline l < tl) > 0)
			if (l ~ /^now at [0-9]+ nsecs/) {
				split(l, f, " ")
				close(tl)
				return f[3]
			}
		close(tl)
		return -1
	}
	BEGIN {
		t0 = now()
		for (i = 0; i < n; i++)
			x += i
		t1 = now()
		printf "%d\n", (t0 < 0 || t1 < t0) ? 0 : (t1 - t0) / 1000
	}'
}

# subsys_tick <counter-fn> <file>: a second after the last sample by the
# guest's clock (the counters and the probe of the last one take part of
# it: a nap of what is left, at least 100 ms), one sample line "<kB/s
# since the last tick> <probe us> <guest ms>" into <file>.
# subsys_tick_start <counter-fn> starts the count.
subsys_tick_start()
{
	SUBSYS_C0=$($1)
	lab_now
	SUBSYS_T0=$LAB_NOW_MS
}

subsys_tick()
{
	lab_now
	_nap=$((SUBSYS_T0 + 1000 - LAB_NOW_MS))
	[ "$_nap" -ge 100 ] || _nap=100
	lab_sleep_ms "$_nap"
	_c1=$($1)
	lab_now
	_t1=$LAB_NOW_MS
	_dt=$((_t1 - SUBSYS_T0))
	[ "$_dt" -gt 0 ] || _dt=1
	_p=$($SUBSYS_PROBE) || _p=0
	case $_p in '' | *[!0-9]*) _p=0 ;; esac
	printf '%s %s %s\n' $(((_c1 - SUBSYS_C0) * 1000 / 1024 / _dt)) "$_p" "$_t1" >>"$2"
	SUBSYS_C0=$_c1
	SUBSYS_T0=$_t1
	[ "$HOG_TYPE" != stressng ] || hog_check
	return 0
}

# subsys_sample <phase> <seconds> <counter-fn>: a load window the test
# asks for, one sample a second into $LAB_OUT/rate.<phase>: a "stress"
# phase (lab_phase) asking <seconds> and running what the samples took
# by the guest's clock; what follows until the test's next phase is
# "check".
subsys_sample()
{
	lab_phase stress
	subsys_ticks "$3" "$LAB_OUT/rate.$1" "$2"
	lab_phase_engine $(($2 * 1000)) $((SUBSYS_T0 - SUBSYS_TICKS_T0))
	lab_phase check
}

# subsys_ticks <counter-fn> <file> <n>: <n> samples, one a second, into
# <file> (emptied first); SUBSYS_TICKS_T0 is the guest's ms they start at.
subsys_ticks()
{
	: >"$2"
	subsys_tick_start "$1"
	SUBSYS_TICKS_T0=$SUBSYS_T0
	_i=0
	while [ "$_i" -lt "$3" ]; do
		subsys_tick "$1" "$2"
		_i=$((_i + 1))
	done
}

# subsys_lower_quartile <file>: the lower quartile of its first column,
# the rate a load held in three seconds of four (0 for an empty file).
subsys_lower_quartile()
{
	cut -d ' ' -f 1 "$1" | sort -n |
		awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 3) / 4)] : 0 }'
}

# subsys_baseline [<cap kB/s>]: the reference probe (SUBSYS_PROBE_REF, the
# median probe of the "before" samples) and the baseline (SUBSYS_BASE, the
# lower quartile of the "before" rates); fails "setup" when a
# second before injection carried nothing.  A load that has a set rate
# (<cap>, UDP's) and ran at 90% of it or more is not bound by the guest's
# CPU, so its rate does not follow the host's speed: its samples are
# compared as measured (SUBSYS_PROBE_REF=0).
subsys_baseline()
{
	_f=$LAB_OUT/rate.before
	awk '$1 <= 0 { z = 1 } END { exit !z }' "$_f" &&
		lab_fail setup "a second without traffic before injection: $(awk '{ printf "%s ", $1 }' "$_f")kB/s"
	SUBSYS_PROBE_REF=$(awk '{ print $2 }' "$_f" | sort -n |
		awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }')
	[ "$SUBSYS_PROBE_REF" -gt 0 ] || SUBSYS_PROBE_REF=1
	_raw=$(subsys_median_col "$_f" 1)
	if [ "${1:-0}" -gt 0 ] && [ "$_raw" -ge $(($1 * SUBSYS_RECOVERY_PCT / 100)) ]; then
		SUBSYS_PROBE_REF=0
		lab_info "the load ran at its set rate ($_raw of $1 kB/s): rates compared as measured"
	fi
	# The rate the load held in three seconds of four: single seconds
	# swing by half on a shared host.
	SUBSYS_BASE=$(subsys_lower_quartile "$_f")
	lab_info "baseline: $SUBSYS_BASE kB/s (lower quartile, median $_raw; probe $SUBSYS_PROBE_REF us)"
}

# subsys_norm <file>: each sample's rate at the speed of the baseline
# (rate x its probe / the reference probe), one a line.  A probe of 0
# (no clock) leaves the rate as it is.
SUBSYS_NORM='function norm(r, p) { return int((p > 0 && ref > 0) ? r * p / ref : r) }'
subsys_norm()
{
	awk -v ref="$SUBSYS_PROBE_REF" "$SUBSYS_NORM"'{ print norm($1, $2) }' "$1"
}

# subsys_judge <file> <threshold> <t_stop> <limit ms>: the recovery of
# the "after" samples: the first second, no later than the limit, that
# starts a window of SUBSYS_RECOVERY_HOLD seconds in which the load is
# back: that second and at least SUBSYS_RECOVERY_HOLD - 1 of the window's
# reach the threshold, as measured or each at the baseline's guest speed
# (rate x its probe / the reference probe; not for a load compared as
# measured, SUBSYS_PROBE_REF=0).  Prints
# "<recovery ms|-1> <done 0|1> <measured|speed|->": done once recovered,
# or once no second within the limit can start such a window.
subsys_judge()
{
	awk -v thr="$2" -v t0="$3" -v lim="$4" -v hold="$SUBSYS_RECOVERY_HOLD" \
		-v ref="$SUBSYS_PROBE_REF" "$SUBSYS_NORM"'
	{ r[NR] = $1; n[NR] = ref > 0 ? norm($1, $2) : -1; t[NR] = $3 - t0 }
	END {
		for (i = 1; i <= NR; i++) {
			if (t[i] > lim || r[i] <= 0)
				continue
			if (i + hold - 1 > NR) {
				print -1, 0, "-"
				exit
			}
			okr = okn = 0
			for (j = i; j < i + hold; j++) {
				okr += r[j] >= thr
				okn += n[j] >= thr
			}
			if (r[i] >= thr && okr >= hold - 1) {
				print t[i], 1, "measured"
				exit
			}
			if (n[i] >= thr && okn >= hold - 1) {
				print t[i], 1, "speed"
				exit
			}
		}
		# Done when every second within the limit has its window.
		late = 0
		for (i = 1; i <= NR; i++)
			late += t[i] > lim
		print -1, (NR && t[NR] > lim && late >= hold - 1) ? 1 : 0, "-"
	}' "$1"
}

# subsys_recover <counter-fn> <t_stop ms>: sample after injection and the
# hog stopped until subsys_judge is done (at most SUBSYS_RECOVERY_S +
# 2 x SUBSYS_RECOVERY_HOLD seconds); SUBSYS_RECOVERY_MS is the recovery
# time (empty: none) and a "recovery" record says so.  The verdict is
# subsys_recovery_verdict's, once the figures are recorded.
subsys_recover()
{
	lab_phase recovery
	SUBSYS_T_STOP=$2
	_lim=$((SUBSYS_RECOVERY_S * 1000))
	_need=$((SUBSYS_BASE * SUBSYS_RECOVERY_PCT / 100))
	_f=$LAB_OUT/rate.after
	: >"$_f"
	subsys_tick_start "$1"
	SUBSYS_RECOVERY_MS=
	while :; do
		subsys_tick "$1" "$_f"
		_j=$(subsys_judge "$_f" "$_need" "$SUBSYS_T_STOP" "$_lim")
		_d=${_j#* }
		[ "${_d% *}" = 1 ] && break
		[ "$(tail -n 1 "$_f" | cut -d ' ' -f 3)" -le $((SUBSYS_T_STOP + _lim + 2000 * SUBSYS_RECOVERY_HOLD)) ] || break
	done
	[ "${_j%% *}" = -1 ] || SUBSYS_RECOVERY_MS=${_j%% *}
	SUBSYS_RECOVERY_BY=${_j##* }
	SUBSYS_RECOVERED=0
	[ -n "$SUBSYS_RECOVERY_MS" ] && SUBSYS_RECOVERED=1
	_pa=$(awk '{ print $2 }' "$_f" | sort -n |
		awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }')
	lab_phase verdict
	lab_data "recovery test=$LAB_TAG baseline_kBps=$SUBSYS_BASE threshold_kBps=$_need recovery_ms=${SUBSYS_RECOVERY_MS:--1} limit_ms=$_lim recovered=$SUBSYS_RECOVERED probe_us=$SUBSYS_PROBE_REF after_probe_us=$_pa by=$SUBSYS_RECOVERY_BY"
}

# subsys_reference <counter-fn> <seconds>: after subsys_recover did not
# see the load come back, the same load on a fresh instance of its path
# (the caller reloaded the driver and started the load again): <seconds>
# samples into $LAB_OUT/rate.reference, and the "after" samples judged
# again (subsys_judge, same limit) against SUBSYS_RECOVERY_PCT % of the
# reference's lower quartile, as measured or at the reference's guest
# speed.  The speed probe follows the host's CPU, not QEMU's side of a
# device (its I/O thread, the host's wake-ups): when that moved between
# the baseline and the end, a fresh driver is as slow as the one under
# test, and the failures left nothing behind.  A driver the failures left
# slow (a queue stuck, a slow path never left) is slower than its fresh
# self.  Only a reference below the baseline can lower the bar, and one
# that carries nothing cannot.  A "reference" record; when the "after"
# samples reach it, SUBSYS_RECOVERED=1, SUBSYS_RECOVERY_BY=reference and
# SUBSYS_RECOVERY_MS when they did.
subsys_reference()
{
	lab_phase recovery
	_f=$LAB_OUT/rate.reference
	subsys_ticks "$1" "$_f" "$2"
	lab_phase verdict
	_rb=$(subsys_lower_quartile "$_f")
	_rp=$(subsys_median_col "$_f" 2)
	case $_rp in '' | *[!0-9]*) _rp=0 ;; esac
	[ "$_rp" -gt 0 ] || _rp=1
	_need=$((_rb * SUBSYS_RECOVERY_PCT / 100))
	_j="-1 0 -"
	if [ "$_rb" -gt 0 ] && [ "$_rb" -lt "$SUBSYS_BASE" ]; then
		# the reference probe, unless the load is compared as measured
		_pr=0
		[ "$SUBSYS_PROBE_REF" = 0 ] || _pr=$_rp
		_j=$(SUBSYS_PROBE_REF=$_pr subsys_judge "$LAB_OUT/rate.after" "$_need" \
			"$SUBSYS_T_STOP" $((SUBSYS_RECOVERY_S * 1000)))
	fi
	_ok=0
	if [ "${_j%% *}" != -1 ]; then
		_ok=1
		SUBSYS_RECOVERED=1
		SUBSYS_RECOVERY_MS=${_j%% *}
		SUBSYS_RECOVERY_BY=reference
	fi
	lab_data "reference test=$LAB_TAG kBps=$_rb threshold_kBps=$_need baseline_kBps=$SUBSYS_BASE probe_us=$_rp samples=$(wc -l <"$_f") recovered=$_ok kBps_all=$(cut -d ' ' -f 1 "$_f" | tr '\n' ',' | sed 's/,$//')"
	lab_info "reference, a fresh driver: $_rb kB/s (lower quartile; baseline $SUBSYS_BASE): the load after injection $([ "$_ok" = 1 ] && echo "reached ${_need} kB/s ${SUBSYS_RECOVERY_MS} ms after the stop" || echo "did not reach ${_need} kB/s either")"
}

# subsys_recovery_verdict: fail "recovery" unless subsys_recover (or
# subsys_reference) saw the load come back.
subsys_recovery_verdict()
{
	_need=$((SUBSYS_BASE * SUBSYS_RECOVERY_PCT / 100))
	if [ "$SUBSYS_RECOVERED" = 1 ]; then
		lab_info "recovered: ${_need} kB/s (${SUBSYS_RECOVERY_PCT}% of ${SUBSYS_BASE}) reached ${SUBSYS_RECOVERY_MS} ms after injection and hog stopped ($SUBSYS_RECOVERY_BY)"
		return 0
	fi
	lab_info "after (kB/s, probe us, guest ms): $(tr '\n' ',' <"$LAB_OUT/rate.after")"
	_ref=
	[ ! -s "$LAB_OUT/rate.reference" ] ||
		_ref="; a fresh driver: $(cut -d ' ' -f 1 "$LAB_OUT/rate.reference" | sort -n | tail -n 1) kB/s at best"
	lab_fail recovery "throughput not back to ${SUBSYS_RECOVERY_PCT}% of the baseline (${_need} of ${SUBSYS_BASE} kB/s, as measured or at the baseline's guest speed) for ${SUBSYS_RECOVERY_HOLD} s within ${SUBSYS_RECOVERY_S} s after injection and hog stopped (best $(cut -d ' ' -f 1 "$LAB_OUT/rate.after" | sort -n | tail -n 1) kB/s$_ref)"
}

# subsys_tput <phase> key=value...: a "tput" record of a phase's samples:
# the median, slowest and fastest second as measured (kBps, min_kBps,
# max_kBps), the median at the baseline's guest speed (norm_kBps) and the
# median probe (probe_us); and a "samples" record of the samples
# themselves (comma lists: kBps, probe_us and the guest's ms).
subsys_tput()
{
	_ph=$1
	shift
	_f=$LAB_OUT/rate.$_ph
	_stats=$(awk -v ref="$SUBSYS_PROBE_REF" "$SUBSYS_NORM"'
		function med(a, n,  i, j, x) {
			for (i = 2; i <= n; i++) {
				x = a[i]
				for (j = i - 1; j >= 1 && a[j] > x; j--)
					a[j + 1] = a[j]
				a[j + 1] = x
			}
			return a[int((n + 1) / 2)]
		}
		{ r[NR] = $1; m[NR] = norm($1, $2); p[NR] = $2 }
		END {
			if (!NR) { print "kBps=0 min_kBps=0 max_kBps=0 samples=0 norm_kBps=0 probe_us=0"; exit }
			k = med(r, NR)
			printf "kBps=%d min_kBps=%d max_kBps=%d samples=%d norm_kBps=%d probe_us=%d\n",
			    k, r[1], r[NR], NR, med(m, NR), med(p, NR)
		}' "$_f")
	lab_data "tput test=$LAB_TAG phase=$_ph${*:+ $*} $_stats"
	lab_data "samples test=$LAB_TAG phase=$_ph $(awk '{ r = r s $1; p = p s $2; m = m s $3; s = "," }
		END { printf "kBps=%s probe_us=%s ms=%s\n", r, p, m }' "$_f")"
	lab_info "throughput $_ph: $_stats"
}
