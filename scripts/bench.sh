#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks, figures for the README:
#   1. build work before QEMU starts on a cached run (kernel, modules, image)
#   2. boot to the first test line (host wall clock, QEMU start to the
#      guest's first START on the results channel), median of BOOTS boots
#      as a run makes them (from the saved guest, scripts/qemu.sh "Saved
#      guests"), the first boot that saves it, and the median of BOOTS
#      cold boots (SNAPSHOT=off) with QEMU's CPU time and the split:
#      before the kernel, the kernel, init and the runner
#   3. the cold kernel build time recorded when the cached kernel was built
#   4. runtest/bench: allocation rates per context against the same-boot
#      ceiling, and the fragmenter, from the tests' data records
# Variables: BOOTS (default 5), BENCH_RUNTEST (the list of step 4, default
# bench; empty: boots only), plus those of scripts/run.sh (KCMDLINE: to
# weigh a detector, switch it off there and compare; BOOT=bzimage: the
# compressed kernel instead of the PVH vmlinux; KASAN=1: the same
# figures for the KASAN kernel).

set -eu
. "$(dirname "$0")/lib.sh"

SCRIPTS=$LAB_TOP/scripts

now_ms()
{
	date +%s%3N
}

# parallel_guests <n> (BENCH_GUESTS=n): runtest/quick (LAB_DURATION=3) on
# 1 guest of n vCPUs, then on n guests of 1 vCPU, back to back; the wall
# time and the host's load average before each.
parallel_guests()
{
	for _cfg in "1 $1" "$1 1"; do
		_g=${_cfg% *}
		_v=${_cfg#* }
		_load=$(cut -d" " -f1-3 /proc/loadavg)
		_t0=$(date +%s)
		_rc=0
		GUESTS=$_g VCPUS=$_v RUNTEST=quick LAB_DURATION=3 \
			RUN_ID=bench-guests$_g-vcpus$_v-$(date +%Y%m%d-%H%M%S) "$SCRIPTS/run.sh" \
			>"$w/guests.out" 2>&1 || _rc=$?
		echo "quick_${_g}x${_v}vcpu_s=$(($(date +%s) - _t0)) status=$_rc load_before=$_load"
	done
}

# host_loop_ms: wall milliseconds of a fixed loop of the host's shell
# (300,000 additions, one process): the host's speed when a figure was
# taken.  The host is a shared machine whose CPU speed varies by half
# within an hour; every guest phase follows it.
host_loop_ms()
{
	_t0=$(date +%s%N)
	_i=0
	while [ "$_i" -lt 300000 ]; do
		_i=$((_i + 1))
	done
	echo $((($(date +%s%N) - _t0) / 1000000))
}

# quick_overhead: the median per-test overhead of a runtest/quick run (its
# tests' wall time minus the stress asked of them, from their "wall" and
# "phase" records: report/overhead.awk).  BENCH_QUICK_RUN names a run
# already made; else one is made here (LAB_DURATION=3; BENCH_QUICK=0
# skips it).
quick_overhead()
{
	_run=${BENCH_QUICK_RUN:-}
	if [ -z "$_run" ]; then
		[ "${BENCH_QUICK:-1}" != 0 ] || return 0
		_load=$(cut -d" " -f1-3 /proc/loadavg)
		_loop0=$(host_loop_ms)
		_rc=0
		RUNTEST=quick LAB_DURATION=3 RUN_ID=bench-quick-$(date +%Y%m%d-%H%M%S) \
			"$SCRIPTS/run.sh" >"$w/quick.out" 2>&1 || _rc=$?
		_run=$(sed -n 's/^labyrinth: results: //p' "$w/quick.out" | tail -n 1)
		echo "quick_run=$_run status=$_rc load_before=$_load"
		echo "quick_host_loop_ms=$_loop0 $(host_loop_ms) (before and after: a fixed loop of the host's shell, host_loop_ms; the quick figures follow the host's speed)"
	fi
	[ -d "$_run/tests" ] || { echo "quick_overhead_ms=- (no run folder '$_run')"; return 0; }
	_data=$(find "$_run/tests" -name data | sort)
	[ -n "$_data" ] || { echo "quick_overhead_ms=- (no test records in $_run)"; return 0; }
	# shellcheck disable=SC2086 # one file per test (paths without spaces)
	awk -f "$SCRIPTS/report/overhead.awk" $_data >"$w/overhead"
	sed -e '$d' -e 's/^phase /quick_phase /' -e '/^quick_phase /!s/^/quick_test /' "$w/overhead"
	echo "quick_overhead_ms=$(sed -n '$s/^median_overhead_ms=\([^ ]*\) tests=\(.*\)/\1 (median over \2 tests: wall time, the reset included, minus the stress asked)/p' "$w/overhead")"
}

cached_build()
{
	t0=$(now_ms)
	KB=$("$SCRIPTS/kernel.sh")
	KO=$("$SCRIPTS/modules.sh" "$KB")
	IMG=$("$SCRIPTS/image.sh" "$KO")
	t1=$(now_ms)
	echo "cached_build_ms=$((t1 - t0))"
}

# qemu_cpu_ms <pid-file>: CPU time QEMU has used so far, in milliseconds.
qemu_cpu_ms()
{
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print int(($12 + $13) * 1000 / hz) }' \
		"/proc/$(cat "$1")/stat" 2>/dev/null || echo 0
}

# guest_ms <console> <message>: the guest's clock (ms) on the console line
# that holds <message>, or nothing.
guest_ms()
{
	awk -v m="$2" 'index($0, m) && match($0, /^\[ *[0-9]+\.[0-9]+\]/) {
		t = substr($0, RSTART + 1, RLENGTH - 2); sub(/^ */, "", t)
		printf "%d\n", t * 1000; exit }' "$1" 2>/dev/null
}

# boot_to_first_test: one boot of a one-test list; print milliseconds from
# QEMU's start to the first START line, to power-off, QEMU's CPU time to
# the START, the guest's own clock at init and at the START (0 when not on
# the console), how the boot started (<console>.snap: cold, saved or
# restored; "cold" with SNAPSHOT=off), and from QEMU's start to the end of
# its load of the saved guest (<console>.loaded; 0 when not restored).
boot_to_first_test()
{
	w=$1
	{
		printf 'start=1\nduration=1\nseed=1\n'
		echo "# list"
		echo "1 guest_sanity guest_sanity.sh"
		echo "# end"
	} >"$w/input"
	rm -f "$w/console.log" "$w/channel.log" "$w/console.log.snap" "$w/console.log.loaded"
	t0=$(now_ms)
	"$SCRIPTS/qemu.sh" boot "$KB/arch/x86/boot/bzImage" "$IMG" \
		"$w/console.log" "$w/channel.log" "$w/input" &
	pid=$!
	first=
	cpu=
	while kill -0 "$pid" 2>/dev/null; do
		if [ -z "$first" ] && grep -q '^LAB START' "$w/channel.log" 2>/dev/null; then
			first=$(now_ms)
			cpu=$(qemu_cpu_ms "$w/console.log.pid")
		fi
		sleep 0.02
	done
	wait "$pid" || :
	end=$(now_ms)
	[ -n "$first" ] || first=$end
	kinit=$(guest_ms "$w/console.log" 'labyrinth: init')
	kstart=$(guest_ms "$w/console.log" 'labyrinth: START ')
	how=cold
	[ ! -s "$w/console.log.snap" ] || read -r how _ <"$w/console.log.snap"
	loaded=0
	if [ -s "$w/console.log.loaded" ]; then
		read -r loaded <"$w/console.log.loaded"
		loaded=$((loaded - t0))
	fi
	echo "$((first - t0)) $((end - t0)) ${cpu:-0} ${kinit:-0} ${kstart:-0} $how $loaded"
}

median()
{
	sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

# boot_phases <boots>: where the boot's time goes, medians: before the
# kernel's clock starts (QEMU, firmware, loading and decompressing the
# kernel: host wall time to the START less the guest's clock there),
# the kernel up to init, and init and the runner up to the START.  The
# guest's clock runs with the host's under TCG; on a loaded host the
# split is only as good as the guest's TSC calibration.
boot_phases()
{
	awk '$4 > 0 && $5 >= $4 { print $1 - $5, $4, $5 - $4 }' "$1" >"$1.phases"
	[ -s "$1.phases" ] || return 0
	echo "boot_phase_before_kernel_ms=$(cut -d' ' -f1 "$1.phases" | median) (QEMU, firmware, kernel load and decompression)"
	echo "boot_phase_kernel_ms=$(cut -d' ' -f2 "$1.phases" | median) (the kernel's clock at init)"
	echo "boot_phase_init_to_start_ms=$(cut -d' ' -f3 "$1.phases" | median) (init and the runner's boot record up to the START)"
}

main()
{
	[ -z "${BENCH_GUESTS:-}" ] || check_uint BENCH_GUESTS "$BENCH_GUESTS" 2 64
	check_uint BOOTS "${BOOTS:=5}" 1 100
	BENCH_RUNTEST=${BENCH_RUNTEST-bench}
	w=$(mktemp -d)
	trap 'rm -rf "$w"' EXIT
	out=${RESULTS:-$LAB_TOP/results}/bench-$(date +%Y%m%d-%H%M%S).txt
	mkdir -p "$(dirname "$out")"
	{
		echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		echo "host=$(nproc) CPUs, $(awk '/MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo), $(uname -r)"
		cached_build
		echo "accel=$("$SCRIPTS/qemu.sh" accel "$KB/arch/x86/boot/bzImage")"
		echo "boot_kernel=$("$SCRIPTS/qemu.sh" cmd "$KB/arch/x86/boot/bzImage" initrd console channel |
			awk 'p { print; exit } $0 == "-kernel" { p = 1 }') (BOOT=${BOOT:-auto})"
		echo "kcmdline_extra=${KCMDLINE:-}"
		echo "kasan=${KASAN:-0}"
		echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg) (the host's load average: the figures are only as quiet as the host)"
		echo "kernel_release=$(cat "$KB/.lab-release" 2>/dev/null || echo unknown)"
		echo "cold_kernel_build=$(cat "$KB/.lab-build-time" 2>/dev/null || echo unknown)"
		echo "image_bytes=$(stat -c %s "$IMG")"
		# the boots of a run: from the guest saved at the first boot of
		# this kernel and image; that first boot is measured too: a
		# saved guest already in the cache is saved again
		boot_to_first_test "$w" >"$w/prime"
		if [ "$(cut -d' ' -f6 "$w/prime")" = restored ]; then
			read -r _ key <"$w/console.log.snap"
			rm -rf "${LAB_CACHE:?}/snap/$key"
			boot_to_first_test "$w" >"$w/prime"
		fi
		i=0
		while [ "$i" -lt "$BOOTS" ]; do
			boot_to_first_test "$w"
			i=$((i + 1))
		done >"$w/boots"
		echo "boot_to_first_test_ms=$(cut -d' ' -f1 "$w/boots" | median) (median of $BOOTS, $(cut -d' ' -f6 "$w/boots" | sort | uniq -c | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }'); all: $(cut -d' ' -f1 "$w/boots" | tr '\n' ' '))"
		echo "boot_and_poweroff_ms=$(cut -d' ' -f2 "$w/boots" | median)"
		echo "boot_cpu_ms=$(cut -d" " -f3 "$w/boots" | median) (QEMU's CPU time to the first START: steadier than wall time when the host is shared)"
		echo "boot_restore_load_ms=$(awk '$6 == "restored" { print $7 }' "$w/boots" | median) (of it, QEMU's start and load of the saved guest: QEMU reads every page of the guest's ${MEM:-2G}, so this is the host's price of that much fresh memory; all: $(awk '$6 == "restored" { print $7 }' "$w/boots" | tr '\n' ' '))"
		echo "saving_boot_ms=$(cut -d' ' -f1 "$w/prime") ($(cut -d' ' -f6 "$w/prime"): the first boot of a kernel and image, a cold boot stopped at the runner's LAB READY while QEMU writes the guest's state)"
		# cold boots, as with SNAPSHOT=off: the first boot of a new
		# kernel or image, and the figure before saved guests
		i=0
		while [ "$i" -lt "$BOOTS" ]; do
			SNAPSHOT=off boot_to_first_test "$w"
			i=$((i + 1))
		done >"$w/cold"
		echo "cold_boot_to_first_test_ms=$(cut -d' ' -f1 "$w/cold" | median) (median of $BOOTS cold boots, SNAPSHOT=off; all: $(cut -d' ' -f1 "$w/cold" | tr '\n' ' '))"
		echo "cold_boot_cpu_ms=$(cut -d" " -f3 "$w/cold" | median)"
		boot_phases "$w/cold"
		echo "load_after_boots=$(cut -d' ' -f1-3 /proc/loadavg)"
		if [ -n "$BENCH_RUNTEST" ] && [ -f "$LAB_TOP/runtest/$BENCH_RUNTEST" ]; then
			rc=0
			RUNTEST=$BENCH_RUNTEST RUN_ID=bench-$(date +%Y%m%d-%H%M%S) "$SCRIPTS/run.sh" \
				>"$w/run.out" 2>&1 || rc=$?
			run=$(sed -n 's/^labyrinth: results: //p' "$w/run.out" | tail -n 1)
			echo "bench_run=$run status=$rc"
			if [ -n "$run" ]; then
				cat "$run"/tests/*/data 2>/dev/null | grep '^sum ' || :
			fi
		fi
		quick_overhead
	} | tee "$out"
	[ -z "${BENCH_GUESTS:-}" ] || parallel_guests "$BENCH_GUESTS" | tee -a "$out"
	info "figures written to $out"
}

main "$@"
