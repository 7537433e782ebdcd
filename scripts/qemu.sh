#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Boot the kernel under test once, with a watchdog.
#   qemu.sh boot <bzImage> <initrd> <console-file> <channel-file>
#   qemu.sh accel <bzImage>        print the acceleration to use (kvm|tcg)
# Variables: VCPUS (2), MEM (2G), ACCEL (auto|kvm|tcg),
# HANG_TIMEOUT (seconds without guest output before the guest is declared
# hung, default 90), KCMDLINE (extra kernel command line), DEVICES (subsys:
# the subsys tests' virtio NICs and disk, the default; none: without them).
# "boot" appends the outcome to <console-file>.end: "exit <status>" when QEMU
# ended by itself, "hang <reason>" when the watchdog ended it.

set -eu
. "$(dirname "$0")/lib.sh"

QEMU=${QEMU:-qemu-system-x86_64}

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
	case ${DEVICES:-subsys} in
	none) return 0 ;;
	subsys) ;;
	*) die "DEVICES='$DEVICES' is not one of: subsys none" ;;
	esac
	printf '%s\n' -netdev hubport,id=lab0,hubid=0 \
		-device virtio-net-pci,netdev=lab0,mac=52:54:00:1a:b0:01,romfile= \
		-netdev hubport,id=lab1,hubid=0 \
		-device virtio-net-pci,netdev=lab1,mac=52:54:00:1a:b0:02,romfile= \
		-drive "file=$(subsys_disk),format=raw,if=none,id=labblk,snapshot=on" \
		-device virtio-blk-pci,drive=labblk
}

# qemu_cmd <accel> <bzImage> <initrd> <console> <channel>: the command line,
# one argument per line.
qemu_cmd()
{
	_cpu=max
	[ "$1" = kvm ] && _cpu=host
	# With the virtio PCI devices, ACPI's _PRT (PCI interrupt routing) runs
	# into the AML loop timeout twice under TCG (30 s each): route with
	# the BIOS's PIR table instead.
	_pci=
	[ "${DEVICES:-subsys}" = subsys ] && _pci=" pci=noacpi"
	printf '%s\n' "$QEMU" -M pc -accel "$1" -cpu "$_cpu" \
		-smp "${VCPUS:-2}" -m "${MEM:-2G}" \
		-nodefaults -no-user-config -display none -no-reboot \
		-serial "file:$4" \
		-serial "file:$5" \
		-kernel "$2" -initrd "$3" \
		-append "console=ttyS0 panic=-1 quiet loglevel=4 page_owner=on$_pci rdinit=/init ${KCMDLINE:-}"
	subsys_devices
}

size_of()
{
	stat -c %s "$1" 2>/dev/null || echo 0
}

# current_timeout <channel>: seconds the running test may take, or empty.
current_timeout()
{
	awk '$1 == "LAB" && $2 == "START" { idx = $3; t = $5; open = 1 }
	     $1 == "LAB" && $2 == "RESULT" && $3 == idx { open = 0 }
	     END { if (open) print idx, t }' "$1"
}

boot()
{
	[ $# -eq 4 ] || die "usage: qemu.sh boot <bzImage> <initrd> <console> <channel>"
	_accel=$(accel "$1")
	_hang=${HANG_TIMEOUT:-90}
	: >"$3"
	: >"$4"
	: >"$3.end"
	qemu_cmd "$_accel" "$@" >"$3.cmd"
	tr '\n' ' ' <"$3.cmd" | sed 's/ $/\n/' >"$3.cmdline"
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
	_last=$(date +%s)
	_seen=0
	_tidx=
	_tstart=0
	_why=
	while kill -0 "$_pid" 2>/dev/null; do
		sleep 1
		_now=$(date +%s)
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
		if [ -n "$_why" ]; then
			kill "$_pid" 2>/dev/null || :
			sleep 1
			kill -9 "$_pid" 2>/dev/null || :
			break
		fi
	done
	_rc=0
	wait "$_pid" || _rc=$?
	if [ -n "$_why" ]; then
		printf 'hang %s\n' "$_why" >>"$3.end"
	else
		printf 'exit %s\n' "$_rc" >>"$3.end"
	fi
	# QEMU's own complaints (for example a KVM internal error) belong to
	# the console record.
	if [ -s "$3.qemu" ]; then
		sed 's/^/qemu: /' "$3.qemu" >>"$3"
	fi
}

main()
{
	case ${1:-} in
	boot) shift; boot "$@" ;;
	accel) shift; accel "$@" ;;
	*) die "usage: qemu.sh boot|accel ..." ;;
	esac
}

main "$@"
