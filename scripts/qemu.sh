#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Boot the kernel under test once, with a watchdog.
#   qemu.sh boot <bzImage> <initrd> <console-file> <channel-file> [<input>]
#                                  with <input> (the run's list and settings,
#                                  see testcases/runner.sh's receive_input),
#                                  the guest reads them from its input port,
#                                  and the boot starts from a saved guest
#                                  when there is one (see "Saved guests")
#   qemu.sh accel <bzImage>        print the acceleration to use (kvm|tcg)
#   qemu.sh cmd <bzImage> <initrd> <console-file> <channel-file>
#                                  print the QEMU command, one argument a line
# Variables: VCPUS (2), MEM (2G: the RAM the guest sees, its hog disk comes
# on top), ACCEL (auto|kvm|tcg),
# HANG_TIMEOUT (seconds without guest output before the guest is declared
# hung, default 90; seconds QEMU spends stopped do not count, nor toward a
# test's timeout), KCMDLINE (extra kernel command line), DEVICES (subsys:
# the subsys tests' virtio NICs and disk; none, the default, and auto:
# without them; scripts/run.sh turns auto into what its list needs), BOOT (auto|pvh|bzimage: what QEMU
# loads, see boot_kernel), FIRMWARE (auto|qboot|seabios, see firmware).
# HOG_DISK (the hog disk QEMU places in guest RAM, see hog_setup: a path,
# or none; default: scripts/image.sh hog), SNAPSHOT (on|off, see "Saved
# guests").
#
# Saved guests (a boot with <input>): the first boot of a kernel, image and
# QEMU command line runs up to the runner's "LAB READY" (init done, the
# boot record taken, no test list yet), where QEMU's monitor stops the
# guest and migrates its whole state to $LAB_CACHE/snap/<key>/vm, with the
# console and channel up to there; the guest then goes on and reads its
# input.  Every later boot of the same key starts QEMU with -incoming from
# that file, continues it and sends its own input: the guest starts where
# the saved one stopped, as clean as after a boot, without booting.  The
# key hashes the command line (the per-boot paths left out), QEMU's version
# and the size and time of the kernel, initrd, hog disk and firmware
# files.  A restored boot's console and channel begin with the saved
# boot's, so its boot record is the one of the kernel that runs.  A saved
# guest QEMU cannot load, or whose guest ends before its runner's first
# line, is removed and the boot starts cold (the failed attempt's files
# kept as <file>.failed-restore).
# <console-file>.snap says which it was: "cold <key>" (nothing saved),
# "saved <key>" or "restored <key>".  SNAPSHOT=off: the boot with <input>
# neither saves nor restores a guest.
# "boot" writes how QEMU ended to <console-file>.end, one line:
#   exit <status>            QEMU ended by itself (0: the guest powered off)
#   killed <SIGNAL> <how>    a signal from outside ended QEMU: one QEMU
#                            caught ("terminating on signal 15 from pid 42
#                            (sh)"), one it died of ("died of the signal",
#                            SIGKILL from the OOM killer), or SIGTERM to
#                            this script ("qemu.sh was stopped")
#   hang <reason>            the watchdog ended it
# and samples the host's side of the boot once a second into
# <console-file>.host, the evidence scripts/collect.sh uses to tell a
# guest the host stalled from a kernel that locked up:
#   # t_ms cpu_ticks state console_bytes load1 wait_ms hz=<ticks a second>
#   <wall clock, ms> <QEMU's CPU time (user + system), ticks> <QEMU's state
#   (R, S, D, T...)> <size of <console-file>> <host load, 1 min> <time
#   QEMU's threads spent runnable but waiting for a host CPU, ms>
# SIGTERM to this script ends QEMU and still writes the line.

set -eu
. "$(dirname "$0")/lib.sh"

QEMU=${QEMU:-qemu-system-x86_64}
SNAP_DIR=$LAB_CACHE/snap
INPUT=
INCOMING=

# kvm_works <bzImage>: /dev/kvm can exist while KVM guests die at once, so
# boot the kernel with no init and look for it reaching the init stage.
kvm_works()
{
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	_log=$(mktemp)
	timeout 20 "$QEMU" -M pc -accel kvm -cpu host -m 256M -smp 1 \
		-nodefaults -no-user-config -display none -no-reboot \
		-serial "file:$_log" -kernel "$1" \
		-append "console=ttyS0 panic=-1 rdinit=/lab-no-init" \
		>/dev/null 2>&1 || :
	_ok=1
	grep -q -e 'Run /lab-no-init' -e 'No working init found' -e 'Kernel panic' "$_log" && _ok=0
	rm -f "$_log"
	return "$_ok"
}

accel()
{
	case ${ACCEL:-auto} in
	kvm | tcg) printf '%s\n' "$ACCEL" ;;
	auto)
		_probe=$LAB_CACHE/accel-$(uname -r)-$("$QEMU" --version | head -n 1 | hash_stdin)
		if [ ! -f "$_probe" ]; then
			mkdir -p "$LAB_CACHE"
			if kvm_works "$1"; then echo kvm; else echo tcg; fi >"$_probe"
		fi
		cat "$_probe"
		;;
	*) die "ACCEL='$ACCEL' is not one of: auto kvm tcg" ;;
	esac
}

# build_tree <bzImage>: the kernel build folder the bzImage is part of
# (<tree>/arch/x86/boot/bzImage with a .config), or nothing.
build_tree()
{
	case $1 in
	*/arch/x86/boot/bzImage)
		_t=${1%/arch/x86/boot/bzImage}
		[ ! -f "$_t/.config" ] || printf '%s\n' "$_t"
		;;
	esac
}

# tree_config <bzImage> <SYMBOL>: the symbol's value in the build folder's
# .config (CONFIG_ left out), or nothing.
tree_config()
{
	_t=$(build_tree "$1")
	[ -n "$_t" ] || return 0
	sed -n "s/^CONFIG_$2=//p" "$_t/.config" | head -n 1
}

# boot_kernel <bzImage>: the file QEMU loads.  BOOT=auto (default): the
# build folder's uncompressed vmlinux when the kernel has a PVH entry
# (CONFIG_PVH): QEMU loads the ELF itself and the guest starts without
# decompressing a bzImage (under TCG that took 1.5-2 s of the boot);
# otherwise the bzImage.  A KASAN kernel (6.12, KASAN_VMALLOC) does not
# start from its PVH entry (QEMU exits at once, nothing on the console),
# so auto boots its bzImage.  BOOT=pvh insists on the vmlinux, BOOT=bzimage
# always boots the bzImage.
boot_kernel()
{
	_vm=$(build_tree "$1")/vmlinux
	case ${BOOT:-auto} in
	bzimage) printf '%s\n' "$1" ;;
	auto | pvh)
		if [ "$(tree_config "$1" PVH)" = y ] && [ -f "$_vm" ] &&
			{ [ "${BOOT:-auto}" = pvh ] || [ "$(tree_config "$1" KASAN)" != y ]; }; then
			printf '%s\n' "$_vm"
		elif [ "${BOOT:-auto}" = pvh ]; then
			die "BOOT=pvh: $1 is not in a kernel build folder with a vmlinux built with CONFIG_PVH=y"
		else
			printf '%s\n' "$1"
		fi
		;;
	*) die "BOOT='$BOOT' is not one of: auto pvh bzimage" ;;
	esac
}

# tcg_clock <accel> <bzImage>: the clock options of a TCG guest, one line.
# Its TSC is the host's (QEMU reads the host's counter), so:
#   lpj=<loops per jiffy>  the boot vCPU derives the delay loop from the
#       TSC, but every other vCPU calibrates its own, which under TCG costs
#       about 0.4 s of the boot and comes out wrong (the emulation's timing
#       is not a CPU's): the host's TSC rate over the guest's HZ;
#   tsc_early_khz=<kHz>    the TSC's rate, not measured against the PIT:
#       with acpi=off the guest has no HPET or PM timer to fall back on, and
#       on a loaded host the PIT calibration fails ("Unable to calibrate
#       against PIT"), the TSC is then left unused;
#   tsc=reliable           no clocksource watchdog on the TSC: its only
#       watchdog without ACPI is the jiffies count, which falls behind when
#       the host holds QEMU back, and the watchdog then swaps the TSC for
#       jiffies in the middle of a run ("Marking clocksource 'tsc-early' as
#       unstable because the skew is too large"): every latency and the
#       kernel's own clock would be in jiffies from then on.
# The host's rate is its "cpu MHz" when that is the TSC's: a host with a
# constant TSC and neither APERF/MPERF nor a cpufreq driver (with either,
# "cpu MHz" is the current clock); lpj= and tsc_early_khz= are left out
# otherwise (and lpj= when the guest's HZ is unknown).
# LAB_CPUINFO (default /proc/cpuinfo) and LAB_CPUFREQ (default
# /sys/devices/system/cpu/cpufreq/policy0) name what is read, for the
# project's tests.
tcg_clock()
{
	[ "$1" = tcg ] || return 0
	_hz=$(tree_config "$2" HZ)
	case $_hz in '' | *[!0-9]*) _hz=0 ;; esac
	_freq=0
	[ -e "${LAB_CPUFREQ:-/sys/devices/system/cpu/cpufreq/policy0}" ] && _freq=1
	awk -v hz="$_hz" -v cpufreq="$_freq" -F': *' '
	$1 ~ /^flags/ && flags == "" { flags = " " $2 " " }
	$1 ~ /^cpu MHz/ && mhz == "" { mhz = $2 }
	END {
		tsc = index(flags, " constant_tsc ") && !index(flags, " aperfmperf ") && !cpufreq
		if (tsc && mhz > 0 && hz > 0)
			printf "lpj=%d ", mhz * 1000000 / hz
		if (tsc && mhz > 0)
			printf "tsc_early_khz=%d ", mhz * 1000
		print "tsc=reliable"
	}' "${LAB_CPUINFO:-/proc/cpuinfo}" 2>/dev/null || echo tsc=reliable
}

# kernel_cmdline: the guest kernel's command line.  The detectors are tuned
# to the tests' length (figures in the README's detection table): KFENCE
# samples a slab allocation every millisecond (at most one a tick), SLUB
# checks the kmalloc caches (F free checks, Z red zones, P poisoning), a
# soft lockup is reported after 2 x watchdog_thresh = 8 s, an RCU stall
# after 20 s (at 10 s, kmemleak's scan thread, preempted in an RCU read
# section while CPU hogs ran, tripped it in runtest/quick).  KCMDLINE
# comes last, so it overrides any of them (the clock options included).
# kernel_cmdline <accel> <bzImage>
kernel_cmdline()
{
	printf '%s' "console=ttyS0 panic=-1 quiet loglevel=4 page_owner=on" \
		" kfence.sample_interval=1 slub_debug=FZP,kmalloc-*" \
		" watchdog_thresh=4 rcupdate.rcu_cpu_stall_timeout=20"
	# No ACPI: the firmware's MP table brings up the vCPUs and the BIOS's
	# PIR table routes the PCI interrupts.  With PCI in the kernel, ACPI's
	# namespace scan took 0.8-0.9 s of every boot under TCG (acpi_init,
	# initcall_debug), and with the virtio PCI devices its _PRT ran into the
	# AML loop timeout (30 s, twice).
	printf ' %s' acpi=off
	[ "$(devices)" = none ] || printf ' %s' pci=noacpi
	printf ' %s' rdinit=/init
	_hog=$(hog_cmdline)
	[ -z "$_hog" ] || printf ' %s' "$_hog"
	_clock=$(tcg_clock "$1" "$2")
	[ -z "$_clock" ] || printf ' %s' "$_clock"
	# the input port, the third serial port (see serial_args), read by
	# modules/lab_input: the serial driver keeps to the first two
	[ -z "$INPUT" ] || printf ' %s' 8250.nr_uarts=2 LAB_INPUT=lab_input
	[ -z "${KCMDLINE:-}" ] || printf ' %s' "$KCMDLINE"
	printf '\n'
}

# devices: the DEVICES asked for: subsys or none (auto, what scripts/run.sh
# has not resolved, is none).
devices()
{
	case ${DEVICES:-none} in
	auto) echo none ;;
	*) printf '%s\n' "${DEVICES:-none}" ;;
	esac
}

# subsys_disk: a small raw disk image in the cache for the virtio-blk
# tests, made once; each boot writes to a throw-away overlay (snapshot=on),
# so concurrent guests share it and nothing persists between boots.
subsys_disk()
{
	_img=$LAB_CACHE/disk/subsys-64M.raw
	if [ ! -f "$_img" ]; then
		mkdir -p "$LAB_CACHE/disk"
		truncate -s 64M "$_img.tmp.$$" && mv "$_img.tmp.$$" "$_img"
	fi
	printf '%s\n' "$_img"
}

# subsys_devices: the subsys tests' devices, one argument per line (none
# with DEVICES=none): two virtio-net NICs joined by a QEMU-internal hub
# and nothing else (no host backend), and a virtio-blk disk.
subsys_devices()
{
	case $(devices) in
	none) return 0 ;;
	subsys) ;;
	*) die "DEVICES='$DEVICES' is not one of: auto subsys none" ;;
	esac
	printf '%s\n' -netdev hubport,id=lab0,hubid=0 \
		-device virtio-net-pci,netdev=lab0,mac=52:54:00:1a:b0:01,romfile= \
		-netdev hubport,id=lab1,hubid=0 \
		-device virtio-net-pci,netdev=lab1,mac=52:54:00:1a:b0:02,romfile= \
		-drive "file=$(subsys_disk),format=raw,if=none,id=labblk,snapshot=on" \
		-device virtio-blk-pci,drive=labblk
}

# firmware: the -bios option, one argument a line.  FIRMWARE=auto
# (default): Debian's minimal qboot when the guest has no PCI devices of
# the subsys tests (their interrupts are routed with SeaBIOS's PIR table,
# see kernel_cmdline) and QEMU ships it; otherwise QEMU's default, SeaBIOS.
# FIRMWARE=qboot insists on it, FIRMWARE=seabios never uses it.
firmware()
{
	_qb=${QBOOT_ROM:-/usr/share/qemu/qboot.rom}
	case ${FIRMWARE:-auto} in
	seabios) return 0 ;;
	auto) [ "$(devices)" = none ] && [ -f "$_qb" ] || return 0 ;;
	qboot) [ -f "$_qb" ] || die "FIRMWARE=qboot: $_qb not found (package qemu-system-data)" ;;
	*) die "FIRMWARE='$FIRMWARE' is not one of: auto qboot seabios" ;;
	esac
	printf '%s\n' -bios "$_qb"
}

# fs_of <image>: the file system of a hog disk, ext2 or erofs, by its
# superblock's magic number.
fs_of()
{
	[ "$(od -An -tx1 -j1080 -N2 "$1" | tr -d ' \n')" != 53ef ] || { echo ext2; return 0; }
	[ "$(od -An -tx1 -j1024 -N4 "$1" | tr -d ' \n')" != e2e1f5e0 ] || { echo erofs; return 0; }
	die "HOG_DISK=$1 is neither an ext2 nor an erofs image"
}

# hog_setup <bzImage>: the hog disk (scripts/image.sh hog: stress-ng,
# iperf3, ethtool and their libraries in a read-only file system) and
# where it goes.  QEMU's loader device copies it into guest RAM before the
# firmware runs, and memmap=<size>!<addr> makes that range a legacy
# persistent-memory region, which the kernel leaves alone and offers as
# /dev/pmem0 (configs/kernel/45-hog-disk.config); LAB_HOG=<fs> (an
# environment variable of init) tells testcases/init to mount it.  The
# region sits at 1 GiB (half of MEM in a guest under 2 GiB): the kernel
# and its decompression stay below it, the firmware's tables and the
# initrd QEMU loads at the top of RAM above it.  -m grows by the region's
# size, so the guest's RAM stays what MEM gave without a hog disk (MemTotal
# 2 MiB lower with MEM=2G: the struct pages of one more memory section).
# Sets GUEST_MIB (QEMU's -m), HOG_IMG (empty with HOG_DISK=none), HOG_FS,
# HOG_MIB (the region's size) and HOG_AT_MIB (its address).
hog_setup()
{
	_mem=$(mem_mib "${MEM:-2G}")
	if [ -z "$_mem" ] || [ "$_mem" -lt 256 ]; then
		die "MEM='${MEM:-2G}' is not a size of at least 256M"
	fi
	GUEST_MIB=$_mem
	HOG_IMG=
	case ${HOG_DISK:-} in
	none) return 0 ;;
	"") HOG_IMG=$("$(dirname "$0")/image.sh" hog) ;;
	*,*) die "HOG_DISK=$HOG_DISK: QEMU takes no comma in the path" ;;
	*) HOG_IMG=$HOG_DISK ;;
	esac
	[ -f "$HOG_IMG" ] || die "HOG_DISK=$HOG_IMG not found"
	HOG_FS=$(fs_of "$HOG_IMG")
	_mib2=$((2 * 1048576))
	_n=$((($(stat -c %s "$HOG_IMG") + _mib2 - 1) / _mib2))
	HOG_MIB=$((_n * 2))
	HOG_AT_MIB=1024
	[ "$_mem" -ge 2048 ] || HOG_AT_MIB=$((_mem / 2 - _mem / 2 % 2))
	GUEST_MIB=$((_mem + HOG_MIB))
	if [ -n "$(build_tree "$1")" ] && [ "$(tree_config "$1" BLK_DEV_PMEM)" != y ]; then
		info "warning: $(build_tree "$1")/.config has no CONFIG_BLK_DEV_PMEM=y: the guest cannot reach the hog disk (stress-ng)"
	fi
}

# hog_cmdline: the kernel's command line for the hog disk (see hog_setup).
hog_cmdline()
{
	[ -n "$HOG_IMG" ] || return 0
	printf 'memmap=%sM!%sM LAB_HOG=%s\n' "$HOG_MIB" "$HOG_AT_MIB" "$HOG_FS"
}

# hog_device: QEMU's loader device for the hog disk (see hog_setup), one
# argument a line.
hog_device()
{
	[ -n "$HOG_IMG" ] || return 0
	printf '%s\n' -device "loader,file=$HOG_IMG,addr=$((HOG_AT_MIB * 1048576)),force-raw=on"
}

# serial_args <console> <channel>: the serial ports and, with an input,
# the monitor, one argument a line.  ttyS0 is the console, ttyS1 the
# results channel, both files; with an input they are opened for appending
# (a restored boot's begin with the saved boot's), the third port (COM3,
# which modules/lab_input polls: the serial driver's receive path would
# teach lockdep a lock order that SLUB's reports then trip) is the input
# port and the monitor is QEMU's human monitor, both FIFO pairs
# (<console>.input.in/.out, <console>.mon.in/.out).
serial_args()
{
	if [ -z "$INPUT" ]; then
		printf '%s\n' -serial "file:$1" -serial "file:$2"
		return 0
	fi
	printf '%s\n' -chardev "file,id=labcon,path=$1,append=on" -serial chardev:labcon \
		-chardev "file,id=labchan,path=$2,append=on" -serial chardev:labchan \
		-chardev "pipe,id=labin,path=$1.input" -serial chardev:labin \
		-monitor "pipe:$1.mon"
}

# qemu_cmd <accel> <bzImage> <initrd> <console> <channel>: the command line,
# one argument per line.
qemu_cmd()
{
	_cpu=max
	[ "$1" = kvm ] && _cpu=host
	printf '%s\n' "$QEMU" -M pc -accel "$1" -cpu "$_cpu" \
		-smp "${VCPUS:-2}" -m "${GUEST_MIB}M" \
		-nodefaults -no-user-config -display none -no-reboot
	serial_args "$4" "$5"
	printf '%s\n' -kernel "$(boot_kernel "$2")" -initrd "$3" \
		-append "$(kernel_cmdline "$1" "$2")"
	firmware
	hog_device
	subsys_devices
}

# snap_key <cmd0> <kernel file> <initrd>: the key of the saved guest of
# this boot (see "Saved guests"), from the command line with the console
# and channel left as placeholders (boot's <console>.cmd0), QEMU's file and
# the files QEMU loads (the kernel: boot_kernel's).
snap_key()
{
	{
		cat "$1"
		_q=$(command -v "$QEMU" 2>/dev/null || echo "$QEMU")
		file_id "$_q"
		for _f in "$2" "$3" ${HOG_IMG:+"$HOG_IMG"} $(firmware | sed -n 2p); do
			file_id "$_f"
		done
	} | hash_stdin
}

# with_paths <cmd0> <console> <channel>: the command line with its
# placeholders replaced (literally: a path is no pattern).
with_paths()
{
	awk -v con="$2" -v chan="$3" '
	function put(s, ph, v,    i, out) {
		out = ""
		while ((i = index(s, ph)) > 0) {
			out = out substr(s, 1, i - 1) v
			s = substr(s, i + length(ph))
		}
		return out s
	}
	{ print put(put($0, "@LAB_CONSOLE@", con), "@LAB_CHANNEL@", chan) }' "$1"
}

# file_id <file>: what tells a file's versions apart: its name for a guest
# image or hog disk of the cache (named by their content; the cache stamps
# their last use on their time), else its name, size and time.
file_id()
{
	case $1 in
	"$LAB_CACHE"/image/*) printf '%s\n' "$1" ;;
	*) stat -L -c '%n %s %Y' "$1" ;;
	esac
}

# mon <console> <command>: a command to QEMU's monitor.
mon()
{
	printf '%s\n' "$2" 1<>"$1.mon.in"
}

# mon_last <console> <prefix>: the monitor's last line that starts with
# <prefix>, carriage return left out.
mon_last()
{
	tr -d '\r' <"$1.monitor" | grep -- "^$2" | tail -n 1
}

# drive <console> <channel> <input> <qemu-pid>: what the host does while
# the guest boots with an input (see "Saved guests"): restore and continue,
# or save at "LAB READY"; then send the input.  Writes <console>.snap, and
# for a restored guest <console>.loaded (the host's clock in ms when QEMU
# had loaded it).
drive()
{
	: >"$1.monitor"
	# (its open waits for QEMU's: killed by run_qemu if QEMU never came)
	cat "$1.mon.out" >>"$1.monitor" &
	printf '%s\n' "$!" >"$1.reader"
	if [ -n "$INCOMING" ]; then
		# the saved guest was stopped: once loaded it waits paused
		while :; do
			kill -0 "$4" 2>/dev/null || return 0
			mon "$1" "info status"
			sleep 0.02
			case $(mon_last "$1" "VM status:") in
			*inmigrate* | '') ;;
			*paused* | *running*) break ;;
			esac
		done
		# when the load ended (make bench: QEMU reads every page of the
		# guest's RAM, the host's price of fresh memory)
		date +%s%3N >"$1.loaded"
		mon "$1" cont
		touch "$SNAP/.lab-used" 2>/dev/null || :
		printf 'restored %s\n' "$SNAP_KEY" >"$1.snap"
	else
		while ! grep -q '^LAB READY' "$2"; do
			kill -0 "$4" 2>/dev/null || return 0
			sleep 0.05
		done
		[ -z "$SNAP" ] || save "$1" "$2" "$4"
	fi
	cat "$3" 1<>"$1.input.in" &
	printf '%s\n' "$!" >"$1.writer"
}

# save <console> <channel> <qemu-pid>: stop the guest, migrate its state to
# the cache with the console and channel so far, continue it.
save()
{
	mkdir -p "$SNAP_DIR"
	_tmp=$SNAP_DIR/.tmp.$$
	rm -rf "$_tmp"
	mkdir "$_tmp"
	mon "$1" stop
	mon "$1" "migrate \"exec:cat >'$_tmp/vm'\""
	mon "$1" "info migrate"
	_st=
	while kill -0 "$3" 2>/dev/null; do
		_st=$(mon_last "$1" "Migration status:")
		case $_st in
		*completed* | *failed* | *cancelled*) break ;;
		esac
		sleep 0.05
	done
	cp "$1" "$_tmp/console"
	cp "$2" "$_tmp/channel"
	mon "$1" cont
	case $_st in
	*completed*)
		printf '%s\n' "$SNAP_KEY" >"$_tmp/key"
		printf '%s, %s, %s vCPUs, %s\n' "$SNAP_KERNEL" "${SNAP_IMAGE##*/}" \
			"${VCPUS:-2}" "${MEM:-2G}" >"$_tmp/what"
		# whole, or not at all (another guest may have saved the key)
		mv -T "$_tmp" "$SNAP" 2>/dev/null || rm -rf "$_tmp"
		printf 'saved %s\n' "$SNAP_KEY" >"$1.snap"
		;;
	*)
		rm -rf "$_tmp"
		info "warning: saving the guest failed (${_st:-QEMU ended}): later boots start cold"
		;;
	esac
}

size_of()
{
	stat -c %s "$1" 2>/dev/null || echo 0
}

# sample <pid> <console>: one line of <console>.host (see above); nothing
# once QEMU is gone.
sample()
{
	# shellcheck disable=SC2046 # one word per thread of QEMU
	awk -v t="$(date +%s%3N)" -v b="$(size_of "$2")" '
	FILENAME ~ /schedstat$/ { wait += $2; next }
	FILENAME == "/proc/loadavg" { load = $1; next }
	{
		s = $0
		sub(/^.*\) /, "", s)
		n = split(s, f, " ")
		if (n >= 13) {
			st = f[1]
			cpu = f[12] + f[13]
		}
	}
	END {
		if (st != "")
			printf "%s %s %s %s %s %.0f\n", t, cpu, st, b, load, wait / 1000000
	}' "/proc/$1/stat" /proc/loadavg $(ls -d "/proc/$1/task"/*/schedstat 2>/dev/null) \
		>>"$2.host" 2>/dev/null || :
}

# stopped <console>: the last sample saw QEMU stopped (SIGSTOP, a
# debugger): state T or t.
stopped()
{
	case $(tail -n 1 "$1.host" | cut -d' ' -f3) in
	T | t) return 0 ;;
	esac
	return 1
}

# current_timeout <channel>: seconds the running test may take, or empty.
current_timeout()
{
	awk '$1 == "LAB" && $2 == "START" { idx = $3; t = $5; open = 1 }
	     $1 == "LAB" && $2 == "RESULT" && $3 == idx { open = 0 }
	     END { if (open) print idx, t }' "$1"
}

# ended_how <status> <qemu-stderr>: the line for <console>.end (see above).
ended_how()
{
	_msg=$(grep -m 1 'terminating on signal' "$2" 2>/dev/null || :)
	if [ -n "$STOPPED" ]; then
		printf 'killed SIGTERM qemu.sh was stopped\n'
	elif [ "$1" -gt 128 ] && [ "$1" -lt 160 ]; then
		printf 'killed SIG%s died of the signal (status %d)\n' "$(kill -l "$1")" "$1"
	elif [ -n "$_msg" ]; then
		_sig=$(printf '%s\n' "$_msg" | sed -n 's/.*terminating on signal \([0-9]*\).*/\1/p')
		printf 'killed SIG%s %s\n' "$(kill -l "${_sig:-0}" 2>/dev/null || echo "${_sig:-?}")" \
			"$(printf '%s\n' "$_msg" | sed 's/^[^:]*: //')"
	else
		printf 'exit %s\n' "$1"
	fi
}

# shellcheck disable=SC2317 # called from the trap
on_term()
{
	STOPPED=1
}

# fifos <console>: the FIFO pairs of the input port and the monitor.
fifos()
{
	rm -f "$1.input.in" "$1.input.out" "$1.mon.in" "$1.mon.out"
	mkfifo "$1.input.in" "$1.input.out" "$1.mon.in" "$1.mon.out"
}

# run_qemu <accel> <bzImage> <initrd> <console> <channel> [<input>]: one
# QEMU, watched (see the top); with an input, driven (drive).
run_qemu()
{
	_accel=$1
	shift
	: >"$3.end"
	printf '# t_ms cpu_ticks state console_bytes load1 wait_ms hz=%s\n' \
		"$(getconf CLK_TCK 2>/dev/null || echo 100)" >"$3.host"
	{
		with_paths "$3.cmd0" "$3" "$4"
		[ -z "$INCOMING" ] || printf '%s\n' -incoming "exec:cat '$INCOMING'"
	} >"$3.cmd"
	tr '\n' ' ' <"$3.cmd" | sed 's/ $/\n/' >"$3.cmdline"
	if [ -n "$STOPPED" ]; then
		printf 'killed SIGTERM qemu.sh was stopped before QEMU started\n' >>"$3.end"
		return 0
	fi
	[ -z "$INPUT" ] || fifos "$3"
	# One argument per line, so no argument is split.
	(
		set -f
		IFS='
'
		# shellcheck disable=SC2046
		exec $(cat "$3.cmd") </dev/null >"$3.qemu" 2>&1
	) &
	_pid=$!
	printf '%s\n' "$_pid" >"$3.pid"
	_drv=
	if [ -n "$INPUT" ]; then
		drive "$3" "$4" "$INPUT" "$_pid" &
		_drv=$!
	fi
	_last=$(date +%s)
	_seen=0
	_tidx=
	_tstart=0
	_why=
	_now=$_last
	sample "$_pid" "$3"
	while kill -0 "$_pid" 2>/dev/null; do
		[ -z "$STOPPED" ] || break
		sleep 1
		sample "$_pid" "$3"
		_prev=$_now
		_now=$(date +%s)
		if stopped "$3"; then
			# a stopped QEMU runs no guest: its time is no silence
			_last=$((_last + _now - _prev))
			_tstart=$((_tstart + _now - _prev))
		fi
		_size=$(($(size_of "$3") + $(size_of "$4")))
		if [ "$_size" -ne "$_seen" ]; then
			_seen=$_size
			_last=$_now
		fi
		_cur=$(current_timeout "$4")
		if [ "${_cur%% *}" != "$_tidx" ]; then
			_tidx=${_cur%% *}
			_tstart=$_now
		fi
		if [ -n "$_tidx" ] && [ $((_now - _tstart)) -gt $((${_cur#* } + 60)) ]; then
			_why="test $_tidx ran past its timeout of ${_cur#* }s"
		elif [ $((_now - _last)) -gt "$_hang" ]; then
			_why="no output from the guest for ${_hang}s"
		fi
		[ -z "$_why" ] || break
	done
	if [ -n "$_why" ] || [ -n "$STOPPED" ]; then
		kill "$_pid" 2>/dev/null || :
		sleep 1
		kill -9 "$_pid" 2>/dev/null || :
	fi
	_rc=0
	while :; do
		wait "$_pid" && _rc=0 || _rc=$?
		kill -0 "$_pid" 2>/dev/null || break
		kill "$_pid" 2>/dev/null || :
	done
	if [ -n "$_drv" ]; then
		# the driver ends with QEMU; the input's writer may be left
		# blocked on a FIFO nobody reads, the monitor's reader on the
		# open of a FIFO QEMU never opened
		wait "$_drv" 2>/dev/null || :
		for _f in "$3.writer" "$3.reader"; do
			[ ! -s "$_f" ] || kill "$(cat "$_f")" 2>/dev/null || :
		done
		rm -f "$3.input.in" "$3.input.out" "$3.mon.in" "$3.mon.out" "$3.writer" "$3.reader"
	fi
	if [ -n "$_why" ]; then
		printf 'hang %s\n' "$_why" >>"$3.end"
	else
		ended_how "$_rc" "$3.qemu" >>"$3.end"
	fi
	# QEMU's own complaints (for example a KVM internal error) belong to
	# the console record.
	if [ -s "$3.qemu" ]; then
		sed 's/^/qemu: /' "$3.qemu" >>"$3"
	fi
}

boot()
{
	[ $# -eq 4 ] || [ $# -eq 5 ] ||
		die "usage: qemu.sh boot <bzImage> <initrd> <console> <channel> [<input>]"
	STOPPED=
	trap on_term TERM
	_accel=$(accel "$1")
	_kfile=$(boot_kernel "$1")
	firmware >/dev/null
	hog_setup "$1"
	_hang=${HANG_TIMEOUT:-90}
	INPUT=${5:-}
	INCOMING=
	SNAP=
	if [ -n "$INPUT" ]; then
		[ -f "$INPUT" ] || die "qemu.sh: input $INPUT not found"
		case $3$4 in
		*,* | *\'*) die "qemu.sh: $3 and $4 may hold no comma or quote (QEMU's options)" ;;
		esac
	fi
	# the command line once, the console and channel left as placeholders
	qemu_cmd "$_accel" "$1" "$2" @LAB_CONSOLE@ @LAB_CHANNEL@ >"$3.cmd0"
	if [ -n "$INPUT" ] && [ "${SNAPSHOT:-on}" != off ]; then
		SNAP_KEY=$(snap_key "$3.cmd0" "$_kfile" "$2")
		SNAP_KERNEL=$_kfile
		SNAP_IMAGE=$2
		SNAP=$SNAP_DIR/$SNAP_KEY
		case $SNAP in
		*\'*) die "LAB_CACHE=$LAB_CACHE may hold no quote (QEMU's -incoming)" ;;
		esac
		[ ! -f "$SNAP/vm" ] || INCOMING=$SNAP/vm
	fi
	while :; do
		: >"$3"
		: >"$4"
		_pre=0
		if [ -n "$INCOMING" ]; then
			cp "$SNAP/console" "$3"
			cp "$SNAP/channel" "$4"
			_pre=$(wc -l <"$4")
		fi
		[ -z "$SNAP" ] || printf 'cold %s\n' "$SNAP_KEY" >"$3.snap"
		run_qemu "$_accel" "$@"
		[ -z "$INCOMING" ] && break
		[ -z "$STOPPED" ] || break
		# a saved guest QEMU could not load (QEMU ended before the
		# guest went on), or a restored guest that ended before its
		# runner's first line (LAB BOOT): removed, and the boot
		# starts cold; the failed attempt's records are kept
		if ! grep -q '^restored' "$3.snap"; then
			_why="QEMU could not start from it: $(head -c 300 "$3.qemu" | tr '\n' ' ')"
		elif ! tail -n +"$((_pre + 1))" "$4" | grep -q '^LAB BOOT'; then
			_why="the guest ended before its first line: $(cat "$3.end"), console: $(tail -n 3 "$3" | tr '\n' ' ')"
		else
			break
		fi
		info "warning: saved guest $SNAP: $_why; booting cold"
		for _f in "$3" "$4" "$3.end" "$3.qemu" "$3.monitor"; do
			[ ! -f "$_f" ] || mv "$_f" "$_f.failed-restore"
		done
		rm -rf "$SNAP"
		INCOMING=
	done
}

main()
{
	case ${1:-} in
	boot) shift; boot "$@" ;;
	accel) shift; accel "$@" ;;
	cmd)
		shift
		[ $# -eq 4 ] || die "usage: qemu.sh cmd <bzImage> <initrd> <console> <channel>"
		boot_kernel "$1" >/dev/null
		firmware >/dev/null
		hog_setup "$1"
		qemu_cmd "$(accel "$1")" "$@"
		;;
	*) die "usage: qemu.sh boot|accel|cmd ..." ;;
	esac
}

main "$@"
