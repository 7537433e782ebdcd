#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the QEMU command scripts/qemu.sh builds for a boot (qemu.sh
# cmd): the PVH boot of the uncompressed vmlinux when the build folder's
# kernel has a PVH entry, the bzImage otherwise or with BOOT=bzimage, a
# clear error for BOOT=pvh without one and for an unknown BOOT, and the
# delay-loop value (lpj=) a TCG guest gets from the host's TSC and the
# kernel's HZ, which KCMDLINE overrides, the TSC's rate (tsc_early_khz=)
# only from a host whose cpu MHz is its TSC's, tsc=reliable under TCG; qboot as firmware for a guest
# without the subsys tests' PCI devices, SeaBIOS with them.

set -eu
cd "$(dirname "$0")/../.."
. scripts/check/tap.sh

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# tree <name> <config lines...>: a kernel build folder with a bzImage, a
# vmlinux and the .config given.
tree()
{
	_d=$T/$1
	shift
	mkdir -p "$_d/arch/x86/boot"
	: >"$_d/arch/x86/boot/bzImage"
	: >"$_d/vmlinux"
	printf '%s\n' "$@" >"$_d/.config"
	printf '%s\n' "$_d/arch/x86/boot/bzImage"
}

# failed_with <status> <stderr> <pattern>: status 2 and the message.
failed_with()
{
	[ "$1" = 2 ] && grep -q "$3" "$2"
}

# lacks <file> <string>
lacks()
{
	! grep -q "$2" "$1"
}

# has_word <file> <word>: the -append argument has <word> as a word.
has_word()
{
	arg_after "$1" -append | tr ' ' '\n' | grep -qx "$2"
}

# arg_after <file> <option>: the argument that follows <option>.
arg_after()
{
	awk -v o="$2" 'p { print; exit } $0 == o { p = 1 }' "$1"
}

cmd()
{
	sh scripts/qemu.sh cmd "$1" "$T/initrd" "$T/console" "$T/channel"
}

boot_image()
{
	PVH=$(tree pvh CONFIG_PVH=y CONFIG_HZ=250)
	NOPVH=$(tree nopvh '# CONFIG_PVH is not set' CONFIG_HZ=250)
	ACCEL=tcg cmd "$PVH" >"$T/c1"
	check "a build folder with CONFIG_PVH=y boots its vmlinux" \
		[ "$(arg_after "$T/c1" -kernel)" = "$T/pvh/vmlinux" ]
	ACCEL=tcg BOOT=bzimage cmd "$PVH" >"$T/c2"
	check "BOOT=bzimage boots the bzImage" [ "$(arg_after "$T/c2" -kernel)" = "$PVH" ]
	ACCEL=tcg cmd "$NOPVH" >"$T/c3"
	check "a kernel without CONFIG_PVH boots its bzImage" \
		[ "$(arg_after "$T/c3" -kernel)" = "$NOPVH" ]
	KPVH=$(tree kasanpvh CONFIG_PVH=y CONFIG_KASAN=y CONFIG_HZ=250)
	ACCEL=tcg cmd "$KPVH" >"$T/c8"
	check "a KASAN kernel with a PVH entry boots its bzImage (it does not start from PVH)" \
		[ "$(arg_after "$T/c8" -kernel)" = "$KPVH" ]
	ACCEL=tcg BOOT=pvh cmd "$KPVH" >"$T/c9"
	check "BOOT=pvh boots a KASAN kernel's vmlinux all the same" \
		[ "$(arg_after "$T/c9" -kernel)" = "$T/kasanpvh/vmlinux" ]
	rm -f "$T/pvh/vmlinux"
	ACCEL=tcg cmd "$PVH" >"$T/c4"
	check "no vmlinux: the bzImage" [ "$(arg_after "$T/c4" -kernel)" = "$PVH" ]
	: >"$T/bzImage"
	ACCEL=tcg cmd "$T/bzImage" >"$T/c5"
	check "a bzImage outside a build folder boots as it is" \
		[ "$(arg_after "$T/c5" -kernel)" = "$T/bzImage" ]
	rc=0
	ACCEL=tcg BOOT=pvh cmd "$NOPVH" >"$T/c6" 2>"$T/e6" || rc=$?
	check "BOOT=pvh without a PVH kernel: exit 2, named (status $rc)" \
		failed_with "$rc" "$T/e6" "BOOT=pvh: .*CONFIG_PVH=y"
	rc=0
	ACCEL=tcg BOOT=elf cmd "$NOPVH" >"$T/c7" 2>"$T/e7" || rc=$?
	check "an unknown BOOT: exit 2, named (status $rc)" \
		failed_with "$rc" "$T/e7" "BOOT=.elf. is not one of"
}

# host_lpj <hz>: what the guest should get on this host, or nothing.
host_lpj()
{
	host_rate || return 0
	awk -v hz="$1" -F': *' '/^cpu MHz/ { printf "lpj=%d\n", $2 * 1000000 / hz; exit }' /proc/cpuinfo
}

# host_rate: this host's "cpu MHz" is its TSC's rate (see tcg_clock).
host_rate()
{
	grep -q '^flags.* constant_tsc' /proc/cpuinfo &&
		! grep -q '^flags.* aperfmperf' /proc/cpuinfo &&
		[ ! -e /sys/devices/system/cpu/cpufreq/policy0 ]
}

# fake_cpuinfo <file> <flags>: a /proc/cpuinfo of one CPU at 2000.5 MHz.
fake_cpuinfo()
{
	printf 'processor\t: 0\ncpu MHz\t\t: 2000.500\nflags\t\t: fpu %s\n\n' "$2" >"$1"
}

lpj()
{
	K100=$(tree hz100 CONFIG_PVH=y CONFIG_HZ=100)
	K1000=$(tree hz1000 CONFIG_PVH=y CONFIG_HZ=1000)
	NOHZ=$(tree nohz CONFIG_PVH=y)
	want=$(host_lpj 100)
	ACCEL=tcg cmd "$K100" >"$T/l1"
	got=$(arg_after "$T/l1" -append | tr ' ' '\n' | grep '^lpj=' || :)
	check "TCG: lpj from the host's TSC and HZ=100 (want '$want', got '$got')" [ "$got" = "$want" ]
	if [ -n "$want" ]; then
		ACCEL=tcg cmd "$K1000" >"$T/l2"
		got1000=$(arg_after "$T/l2" -append | tr ' ' '\n' | grep '^lpj=' || :)
		check "TCG: HZ=1000 gives a tenth of HZ=100's lpj ($got1000)" \
			[ "$((${got#lpj=} / 10 - ${got1000#lpj=}))" -le 1 ]
		ACCEL=tcg KCMDLINE=lpj=4242 cmd "$K100" >"$T/l3"
		lpjs=$(arg_after "$T/l3" -append | tr ' ' '\n' | grep '^lpj=' | tr '\n' ' ')
		check "KCMDLINE's lpj= comes after the suite's, so it wins ($lpjs)" [ "$lpjs" = "$got lpj=4242 " ]
	else
		ok "# SKIP the host's cpu MHz is not its TSC's rate: no lpj to check"
	fi
	ACCEL=kvm cmd "$K100" >"$T/l4"
	check "KVM: no lpj" lacks "$T/l4" lpj=
	ACCEL=tcg cmd "$NOHZ" >"$T/l5"
	check "no CONFIG_HZ in the .config: no lpj" lacks "$T/l5" lpj=
	check "no CONFIG_HZ in the .config: the TSC's rate all the same" \
		grep -q 'tsc_early_khz=' "$T/l5"
}

# tsc: the TSC's rate and no clocksource watchdog for a TCG guest, from a
# host whose cpu MHz is the TSC's; no rate from one whose cpu MHz is its
# current clock (APERF/MPERF, cpufreq); nothing under KVM.
tsc()
{
	K=$(tree tsc CONFIG_PVH=y CONFIG_HZ=250)
	fake_cpuinfo "$T/cpuinfo.tsc" "tsc constant_tsc nonstop_tsc"
	fake_cpuinfo "$T/cpuinfo.aperf" "tsc constant_tsc aperfmperf"
	fake_cpuinfo "$T/cpuinfo.old" "tsc"
	LAB_CPUINFO=$T/cpuinfo.tsc LAB_CPUFREQ=$T/none ACCEL=tcg cmd "$K" >"$T/t1"
	a=$(arg_after "$T/t1" -append)
	check "TCG, constant TSC: tsc_early_khz=2000500 ($a)" has_word "$T/t1" tsc_early_khz=2000500
	check "TCG, constant TSC: lpj=8002000 at HZ=250" has_word "$T/t1" lpj=8002000
	check "TCG: tsc=reliable" has_word "$T/t1" tsc=reliable
	LAB_CPUINFO=$T/cpuinfo.aperf LAB_CPUFREQ=$T/none ACCEL=tcg cmd "$K" >"$T/t2"
	check "TCG, APERF/MPERF: cpu MHz is the current clock, no rate" lacks "$T/t2" tsc_early_khz=
	check "TCG, APERF/MPERF: no lpj" lacks "$T/t2" lpj=
	check "TCG, APERF/MPERF: tsc=reliable all the same" has_word "$T/t2" tsc=reliable
	: >"$T/policy0"
	LAB_CPUINFO=$T/cpuinfo.tsc LAB_CPUFREQ=$T/policy0 ACCEL=tcg cmd "$K" >"$T/t3"
	check "TCG, a cpufreq driver: no rate" lacks "$T/t3" tsc_early_khz=
	LAB_CPUINFO=$T/cpuinfo.old LAB_CPUFREQ=$T/none ACCEL=tcg cmd "$K" >"$T/t4"
	check "TCG, no constant TSC: no rate" lacks "$T/t4" tsc_early_khz=
	LAB_CPUINFO=$T/cpuinfo.tsc LAB_CPUFREQ=$T/none ACCEL=kvm cmd "$K" >"$T/t5"
	check "KVM: no TSC rate" lacks "$T/t5" tsc_early_khz=
	check "KVM: no tsc=reliable" lacks "$T/t5" tsc=reliable
}

# shellcheck disable=SC2016 # the sh -c scripts expand in their own shell
firmware()
{
	FW=$(tree fw CONFIG_PVH=y CONFIG_HZ=250)
	: >"$T/qboot.rom"
	export QBOOT_ROM="$T/qboot.rom" LAB_CACHE="$T/cache"
	ACCEL=tcg cmd "$FW" >"$T/f1"
	check "no PCI devices: qboot" [ "$(arg_after "$T/f1" -bios)" = "$T/qboot.rom" ]
	ACCEL=tcg DEVICES=subsys cmd "$FW" >"$T/f2"
	check "the subsys devices: SeaBIOS (no -bios)" lacks "$T/f2" -bios
	a1=" $(arg_after "$T/f1" -append) "
	a2=" $(arg_after "$T/f2" -append) "
	check "no devices: acpi=off, no pci=noacpi" \
		sh -c 'case $1 in *" pci=noacpi "*) exit 1 ;; *" acpi=off "*) exit 0 ;; esac; exit 1' sh "$a1"
	check "the subsys devices: acpi=off and pci=noacpi (the BIOS's PIR table)" \
		sh -c 'case $1 in *" acpi=off "*) ;; *) exit 1 ;; esac
			case $1 in *" pci=noacpi "*) ;; *) exit 1 ;; esac' sh "$a2"
	ACCEL=tcg DEVICES=auto cmd "$FW" >"$T/f7"
	check "DEVICES=auto (not resolved by a run): no devices, qboot" \
		[ "$(arg_after "$T/f7" -bios)" = "$T/qboot.rom" ]
	ACCEL=tcg FIRMWARE=seabios cmd "$FW" >"$T/f3"
	check "FIRMWARE=seabios: no -bios" lacks "$T/f3" -bios
	rm -f "$T/qboot.rom"
	ACCEL=tcg cmd "$FW" >"$T/f4"
	check "no qboot installed: SeaBIOS" lacks "$T/f4" -bios
	rc=0
	ACCEL=tcg FIRMWARE=qboot cmd "$FW" >"$T/f5" 2>"$T/e5" || rc=$?
	check "FIRMWARE=qboot without qboot: exit 2, named (status $rc)" \
		failed_with "$rc" "$T/e5" "FIRMWARE=qboot: .*qboot.rom not found"
	rc=0
	ACCEL=tcg FIRMWARE=ovmf cmd "$FW" >"$T/f6" 2>"$T/e6" || rc=$?
	check "an unknown FIRMWARE: exit 2, named (status $rc)" \
		failed_with "$rc" "$T/e6" "FIRMWARE=.ovmf. is not one of"
	unset QBOOT_ROM
}

main()
{
	boot_image
	lpj
	tsc
	firmware
	[ "$FAILED" = 0 ]
}

main "$@"
