#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the guest's two images (scripts/image.sh) and of how QEMU
# gets the hog disk (scripts/qemu.sh cmd): the initramfs carries no hog
# payload (image.sh check fires on an archive that carries stress-ng or its
# libraries, as the initramfs did before the hog disk, and stays quiet on
# the one image.sh builds); the hog disk holds stress-ng, its libraries and
# the loader intact, the initramfs links into it; the hog disk's builder
# refuses bad input with status 2 and a message; QEMU's command places the
# disk as a persistent-memory region at 1 GiB with -m grown by its size;
# a run that holds a guest image holds its hog disk.

set -eu
cd "$(dirname "$0")/../.."
. scripts/check/tap.sh

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export LAB_CACHE="$T/cache"

# failed_with <status> <stderr> <pattern>: status 2 and the message.
# shellcheck disable=SC2317 # called through check
failed_with()
{
	[ "$1" = 2 ] && grep -q "$3" "$2"
}

# path_without <dir> <command...>: a folder for PATH with every command of
# the host's PATH but the ones named.
path_without()
{
	_d=$1
	shift
	mkdir -p "$_d"
	for _p in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
		[ -d "$_p" ] || continue
		ln -s "$_p"/* "$_d"/ 2>/dev/null || :
	done
	for _c in "$@"; do
		rm -f "$_d/$_c"
	done
}

# cpio_of <dir> <archive>
cpio_of()
{
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$2"
}

# hog_ok <disk> <file>: the disk holds <file> (a host path) byte for byte
# at the same path (debugfs, no mount needed).
hog_ok()
{
	debugfs -R "dump $2 $T/dumped" "$1" >/dev/null 2>&1 &&
		cmp -s "$T/dumped" "$2"
}

# payload_check: image.sh check fires on an archive with the hog payload
# and stays quiet on the initramfs image.sh builds.
# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
payload_check()
{
	mkdir -p "$T/ko" "$T/bad/usr/bin" "$T/bad/lib64" "$T/lib/usr/bin" "$T/lib/lib/x86_64-linux-gnu"
	echo module >"$T/ko/m.ko"
	IMG=$(sh scripts/image.sh "$T/ko" 2>"$T/img.err") || IMG=
	check "image: the guest image builds ($(tail -n 1 "$T/img.err"))" [ -f "$IMG" ]
	_sz=$(stat -c %s "$IMG" 2>/dev/null || echo 0)
	check "image: the initramfs carries no hog payload (image.sh check, $((_sz / 1048576)) MiB)" \
		sh scripts/image.sh check "$IMG"
	check "image: the initramfs is under 8 MiB ($_sz bytes; 35 MB with stress-ng)" \
		[ "$_sz" -lt 8388608 ]
	# the initramfs before the hog disk: stress-ng, its libraries and
	# the loader at their host paths
	_sng=$(command -v stress-ng)
	cp "$_sng" "$T/bad/usr/bin/"
	_ld=$(ldd "$_sng" | awk '$1 ~ /^\/lib64\// { print $1 }')
	cp -L "$_ld" "$T/bad/lib64/"
	cpio_of "$T/bad" "$T/bad.cpio"
	rc=0
	sh scripts/image.sh check "$T/bad.cpio" >"$T/bad.out" 2>&1 || rc=$?
	check "image: check fires on an initramfs with stress-ng and the loader (status $rc: $(tr '\n' ' ' <"$T/bad.out"))" \
		sh -c '[ "$1" = 1 ] && grep -qx "usr/bin/stress-ng" "$2" && grep -q "^lib64/ld-linux" "$2"' \
		sh "$rc" "$T/bad.out"
	_lib=$(ldd "$_sng" | awk '$3 ~ /libIPSec_MB|libcrypto/ { print $3; exit }')
	if [ -n "$_lib" ]; then
		cp -L "$_lib" "$T/lib$_lib"
		cpio_of "$T/lib" "$T/lib.cpio"
		rc=0
		sh scripts/image.sh check "$T/lib.cpio" >"$T/lib.out" 2>&1 || rc=$?
		check "image: check fires on one of stress-ng's libraries alone (${_lib##*/}: status $rc)" \
			sh -c '[ "$1" = 1 ] && grep -qx "${2#/}" "$3"' sh "$rc" "$_lib" "$T/lib.out"
	fi
	rc=0
	printf 'not an archive\n' >"$T/junk"
	sh scripts/image.sh check "$T/junk" 2>"$T/junk.err" || rc=$?
	check "image: check refuses a file that is no cpio archive (status 2)" \
		failed_with "$rc" "$T/junk.err" "junk: not a cpio archive"
}

# hog_disk: the hog disk holds the payload intact; the initramfs's links
# point into it; its name is in the guest image's.
# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
hog_disk()
{
	HOG=$(sh scripts/image.sh hog 2>/dev/null) || HOG=
	check "hog: image.sh hog prints the cached disk" [ -f "$HOG" ]
	_sng=$(command -v stress-ng)
	check "hog: stress-ng on the disk is the host's, byte for byte" hog_ok "$HOG" "$_sng"
	_bad=
	for _l in $(ldd "$_sng" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		hog_ok "$HOG" "$_l" || _bad="$_bad $_l"
	done
	check "hog: every library of stress-ng and the loader on the disk, byte for byte (missing or changed:${_bad:- none})" \
		[ -z "$_bad" ]
	check "hog: the disk carries SHA256SUMS of its files" \
		sh -c 'debugfs -R "cat /SHA256SUMS" "$1" 2>/dev/null | grep -q " ./usr/bin/stress-ng$"' sh "$HOG"
	check "hog: the disk is a whole number of 2 MiB" [ $(($(stat -c %s "$HOG") % 2097152)) = 0 ]
	_h=${HOG##*/}
	check "hog: the guest image names its hog disk (${IMG##*/})" \
		[ "${IMG##*-}" = "${_h%.hog}.cpio" ]
	cpio -itv --quiet <"$IMG" >"$T/links" 2>/dev/null
	check "hog: the initramfs links usr/bin/stress-ng, lib and lib64 into /hog" \
		sh -c 'grep -q "^l.* usr/bin/stress-ng -> /hog/usr/bin/stress-ng$" "$1" &&
			grep -q "^l.* lib -> hog/lib$" "$1" && grep -q "^l.* lib64 -> hog/lib64$" "$1"' sh "$T/links"
	_t0=$(stat -c %Y "$HOG")
	sh scripts/image.sh hog >/dev/null 2>&1
	check "hog: a second image.sh hog reuses the cached disk" [ "$(stat -c %Y "$HOG")" = "$_t0" ]
}

# bad_input: the hog disk's builder refuses what it cannot build.
# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
bad_input()
{
	path_without "$T/nostress" stress-ng
	rc=0
	LAB_CACHE=$T/c2 PATH=$T/nostress sh scripts/image.sh hog >"$T/o" 2>"$T/e" || rc=$?
	check "hog: no stress-ng on the host is refused (status $rc: $(cat "$T/e"))" \
		sh -c 'failed_with() { [ "$1" = 2 ] && grep -q "$3" "$2"; }
			failed_with "$1" "$2" "stress-ng not found" && [ ! -s "$3" ] &&
			[ -z "$(find "$4" -name "*.hog" 2>/dev/null)" ]' sh "$rc" "$T/e" "$T/o" "$T/c2"
	rc=0
	LAB_CACHE=$T/c2 PATH=$T/nostress sh scripts/image.sh "$T/ko" >"$T/o" 2>"$T/e" || rc=$?
	check "image: no stress-ng on the host is refused for the guest image too (status $rc)" \
		failed_with "$rc" "$T/e" "stress-ng not found"
	path_without "$T/nomkfs" mke2fs
	rc=0
	LAB_CACHE=$T/c3 PATH=$T/nomkfs sh scripts/image.sh hog >"$T/o" 2>"$T/e" || rc=$?
	check "hog: no mke2fs is refused, nothing left behind (status $rc: $(tail -n 1 "$T/e"))" \
		sh -c '[ "$1" = 2 ] && grep -q "mke2fs not found" "$2" &&
			[ -z "$(find "$3/image" -mindepth 1 2>/dev/null)" ]' sh "$rc" "$T/e" "$T/c3"
	rc=0
	HOG_FS=xfs sh scripts/image.sh hog >"$T/o" 2>"$T/e" || rc=$?
	check "hog: an unknown HOG_FS is refused (status $rc)" failed_with "$rc" "$T/e" "HOG_FS='xfs' is not one of"
	rc=0
	sh scripts/image.sh hog extra >"$T/o" 2>"$T/e" || rc=$?
	check "hog: usage error (status $rc)" failed_with "$rc" "$T/e" "usage: image.sh hog"
}

# arg_after <file> <option>: the argument that follows <option>.
arg_after()
{
	awk -v o="$2" 'p { print; exit } $0 == o { p = 1 }' "$1"
}

# qemu_cmd: the hog disk in QEMU's command line.
# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
qemu_cmd()
{
	mkdir -p "$T/kb/arch/x86/boot"
	: >"$T/kb/arch/x86/boot/bzImage"
	printf 'CONFIG_BLK_DEV_PMEM=y\nCONFIG_HZ=250\n' >"$T/kb/.config"
	_bz=$T/kb/arch/x86/boot/bzImage
	_mib=$(($(stat -c %s "$HOG") / 1048576))
	ACCEL=tcg sh scripts/qemu.sh cmd "$_bz" "$T/initrd" c ch >"$T/cmd" 2>"$T/cmd.err" || :
	check "qemu: -m is MEM (2G) plus the hog disk's ${_mib} MiB" [ "$(arg_after "$T/cmd" -m)" = "$((2048 + _mib))M" ]
	check "qemu: the loader places the hog disk at 1 GiB" \
		[ "$(arg_after "$T/cmd" -device)" = "loader,file=$HOG,addr=1073741824,force-raw=on" ]
	check "qemu: memmap= reserves that region, LAB_HOG names its file system" \
		sh -c 'case $(awk "p { print; exit } \$0 == \"-append\" { p = 1 }" "$1") in
			*" memmap=$2M!1024M LAB_HOG=ext2"*) exit 0 ;; esac; exit 1' sh "$T/cmd" "$_mib"
	MEM=1G ACCEL=tcg sh scripts/qemu.sh cmd "$_bz" "$T/initrd" c ch >"$T/cmd1" 2>/dev/null || :
	check "qemu: MEM=1G puts the region at 512 MiB" \
		[ "$(arg_after "$T/cmd1" -device)" = "loader,file=$HOG,addr=536870912,force-raw=on" ]
	HOG_DISK=none ACCEL=tcg sh scripts/qemu.sh cmd "$_bz" "$T/initrd" c ch >"$T/cmd2" 2>/dev/null || :
	check "qemu: HOG_DISK=none: no loader, no memmap=, -m is MEM" \
		sh -c '! grep -q "^loader\|memmap=" "$1" && grep -qx 2048M "$1"' sh "$T/cmd2"
	rc=0
	HOG_DISK=$T/missing ACCEL=tcg sh scripts/qemu.sh cmd "$_bz" "$T/initrd" c ch >/dev/null 2>"$T/e" || rc=$?
	check "qemu: a missing HOG_DISK is refused (status $rc)" failed_with "$rc" "$T/e" "missing not found"
	rc=0
	HOG_DISK=$T/junk ACCEL=tcg sh scripts/qemu.sh cmd "$_bz" "$T/initrd" c ch >/dev/null 2>"$T/e" || rc=$?
	check "qemu: a HOG_DISK that is no file system image is refused (status $rc)" \
		failed_with "$rc" "$T/e" "neither an ext2 nor an erofs image"
	printf 'CONFIG_HZ=250\n' >"$T/kb/.config"
	ACCEL=tcg sh scripts/qemu.sh cmd "$_bz" "$T/initrd" c ch >/dev/null 2>"$T/e" || :
	check "qemu: a kernel without CONFIG_BLK_DEV_PMEM gets a warning" grep -q "no CONFIG_BLK_DEV_PMEM=y" "$T/e"
}

# cache_hold: a run that holds a guest image holds its hog disk; the
# listing tells the two apart.
cache_hold()
{
	sleep 300 >/dev/null 2>&1 &
	_run=$!
	sh scripts/cache.sh hold "$_run" "$IMG" >"$T/held" 2>&1 || :
	check "cache: holding the guest image holds its hog disk" grep -qx "$HOG" "$T/held"
	touch -d '-500 minutes' "$HOG" "$IMG"
	LAB_CACHE_MAX=1M sh scripts/cache.sh evict 2>/dev/null || :
	check "cache: eviction leaves a held hog disk" [ -f "$HOG" ]
	LAB_CACHE_MAX=30G sh scripts/cache.sh list >"$T/list"
	check "cache: the listing shows the hog disk" grep -q "^image .* hog disk$" "$T/list"
	kill "$_run" 2>/dev/null || :
	wait "$_run" 2>/dev/null || :
}

main()
{
	if [ ! -x /bin/busybox ] || ! command -v stress-ng >/dev/null || ! command -v debugfs >/dev/null; then
		ok "image # SKIP busybox-static, stress-ng or debugfs (e2fsprogs) missing"
		exit 0
	fi
	payload_check
	hog_disk
	bad_input
	qemu_cmd
	cache_hold
	exit "$FAILED"
}

main "$@"
