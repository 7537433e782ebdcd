#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest's two images, each cached by content in $LAB_CACHE/image:
#   image.sh <ko-dir>    the initramfs: busybox-static, the built modules,
#                        testcases/ and configs/; prints the path of the cpio
#                        archive (<key>-<hog key>.cpio: it goes with that
#                        hog disk, and a run that holds it holds both)
#   image.sh hog         the hog disk: stress-ng, the subsys tests' iperf3
#                        and ethtool (when installed), the shared libraries
#                        they link and the dynamic loader, in a read-only
#                        ext2 file system (<hog key>.hog); prints its path
#   image.sh check <cpio>
#                        lists what of the hog payload a cpio archive
#                        carries; status 1 when it carries any
# The kernel unpacks the initramfs at every boot: under TCG the 35 MB it
# was with the hog payload cost 1.2-1.4 s of each boot.  QEMU places the
# hog disk in guest RAM instead (scripts/qemu.sh: a legacy persistent-memory
# region, /dev/pmem0) and testcases/init mounts it on /hog; the initramfs
# holds symbolic links into it (usr/bin/<tool>, lib, lib64).
# No network and no host file system are needed inside the guest.
# Variables: BUSYBOX (/bin/busybox), HOG_FS (ext2|erofs, default ext2: see
# the README's boot figures).

set -eu
. "$(dirname "$0")/lib.sh"

BUSYBOX=${BUSYBOX:-/bin/busybox}
# stress-ng is required; the subsys tests' network load and NIC settings
# are staged when installed.
HOG_TOOLS="stress-ng iperf3 ethtool"
HOG_RECIPE=1	# bump when the hog disk's layout below changes

# hog_bins: the host paths of the hog tools, one a line.
hog_bins()
{
	command -v stress-ng >/dev/null ||
		die "stress-ng not found in PATH (package stress-ng): the hog disk needs it"
	for _t in $HOG_TOOLS; do
		command -v "$_t" || :
	done
}

# hog_libs <bin...>: the shared libraries and the loader they need, one a
# line, each once.
hog_libs()
{
	for _b in "$@"; do
		ldd "$_b" 2>/dev/null || :
	done | awk '
		$2 == "=>" && $3 ~ /^\// { print $3 }
		$1 ~ /^\// { print $1 }' | awk '!seen[$0]++'
}

# hog_name: the hog disk's file name, <key>.hog, from the recipe, the file
# system and every staged file's path, size and modification time.
hog_name()
{
	_bins=$(hog_bins)
	# shellcheck disable=SC2086 # one path a word (no spaces in them)
	_libs=$(hog_libs $_bins)
	_key=$({
		printf 'recipe %s fs %s\n' "$HOG_RECIPE" "$(hog_fs)"
		# shellcheck disable=SC2086
		stat -L -c '%n %s %Y' $_bins $_libs
	} | hash_stdin)
	printf '%s.hog\n' "$_key"
}

hog_fs()
{
	case ${HOG_FS:-ext2} in
	ext2 | erofs) printf '%s\n' "${HOG_FS:-ext2}" ;;
	*) die "HOG_FS='$HOG_FS' is not one of: ext2 erofs" ;;
	esac
}

# stage_hog <root>: the hog payload at its host paths: the tools in
# usr/bin, the libraries where ldd found them.
stage_hog()
{
	_root=$1
	mkdir -p "$_root/usr/bin"
	_bins=$(hog_bins)
	for _b in $_bins; do
		cp "$_b" "$_root/usr/bin/"
	done
	# shellcheck disable=SC2086
	hog_libs $_bins | while IFS= read -r _lib; do
		mkdir -p "$_root$(dirname "$_lib")"
		cp -L "$_lib" "$_root$_lib"
	done
	# what the guest can check its copy against (sha256sum -c)
	(cd "$_root" && find . -type f | LC_ALL=C sort | xargs sha256sum) >"$_root.sums"
	mv "$_root.sums" "$_root/SHA256SUMS"
}

# make_fs <root> <image>: a read-only file system of <root>, padded to a
# whole number of 2 MiB (the region's alignment in guest RAM).
make_fs()
{
	case $(hog_fs) in
	ext2)
		command -v mke2fs >/dev/null || die "mke2fs not found (package e2fsprogs)"
		# 4 KiB blocks, 1/32 and 1 MiB of room for the metadata,
		# no reserved blocks, few inodes, no resize reserve
		_kib=$(du -sk --apparent-size "$1" | cut -f1)
		_n=$(find "$1" | wc -l)
		mke2fs -q -F -t ext2 -b 4096 -m 0 -N $((_n + 32)) -O ^resize_inode \
			-L labhog -d "$1" "$2" $(((_kib + _kib / 32 + 1024) / 4)) >/dev/null ||
			die "mke2fs failed for $2"
		;;
	erofs)
		command -v mkfs.erofs >/dev/null || die "mkfs.erofs not found (package erofs-utils)"
		mkfs.erofs --quiet -T0 --all-root "$2" "$1" >&2 || die "mkfs.erofs failed for $2"
		;;
	esac
	_mib2=$((2 * 1024 * 1024))
	truncate -s $((($(stat -c %s "$2") + _mib2 - 1) / _mib2 * _mib2)) "$2"
}

# hog: build the hog disk unless cached; print its path.
hog()
{
	_hog=$LAB_CACHE/image/$(hog_name)
	if [ ! -f "$_hog" ]; then
		info "building the hog disk (stress-ng and its libraries)"
		mkdir -p "$LAB_CACHE/image"
		_root=$(mktemp -d "$LAB_CACHE/image/root.XXXXXX")
		trap 'rm -rf "$_root" "$_root.sums" "$_hog.tmp.$$"' EXIT
		stage_hog "$_root"
		make_fs "$_root" "$_hog.tmp.$$"
		rm -rf "$_root"
		trap - EXIT
		mv "$_hog.tmp.$$" "$_hog"
	fi
	printf '%s\n' "$_hog"
}

# stage_links <root>: the initramfs's links into the hog disk mounted on
# /hog: each tool in usr/bin, and the top folders of the libraries' paths
# (lib, lib64: the loader's /lib64/ld-linux-x86-64.so.2).
stage_links()
{
	_bins=$(hog_bins)
	for _b in $_bins; do
		ln -s "/hog/usr/bin/${_b##*/}" "$1/usr/bin/${_b##*/}"
	done
	# shellcheck disable=SC2086
	hog_libs $_bins | awk -F/ '{ print $2 }' | LC_ALL=C sort -u | while IFS= read -r _d; do
		ln -s "hog/$_d" "$1/$_d"
	done
}

stage()
{
	_root=$1
	_ko=$2
	mkdir -p "$_root/bin" "$_root/sbin" "$_root/proc" "$_root/sys" \
		"$_root/dev" "$_root/tmp" "$_root/run" "$_root/lab" "$_root/etc" \
		"$_root/hog"
	cp "$BUSYBOX" "$_root/bin/busybox"
	"$BUSYBOX" --list | while IFS= read -r _a; do
		[ "$_a" = busybox ] || ln -sf busybox "$_root/bin/$_a"
	done
	for _d in sbin usr/bin usr/sbin; do
		mkdir -p "$_root/$_d"
	done
	stage_links "$_root"
	cp -R "$LAB_TOP/testcases" "$_root/lab/testcases"
	mkdir -p "$_root/lab/configs"
	for _d in fault hog; do
		[ -d "$LAB_TOP/configs/$_d" ] && cp -R "$LAB_TOP/configs/$_d" "$_root/lab/configs/"
	done
	cp -R "$_ko" "$_root/lab/modules"
	cp "$LAB_TOP/testcases/init" "$_root/init"
	chmod 0755 "$_root/init"
	printf 'root:x:0:0:root:/:/bin/sh\n' >"$_root/etc/passwd"
	printf 'root:x:0:\n' >"$_root/etc/group"
}

# check <cpio>: the hog payload's files the archive carries (regular files
# at the paths the hog disk holds them), one a line; status 1 if any.
check()
{
	[ -f "$1" ] || die "$1 not found"
	_bins=$(hog_bins)
	_list=$(mktemp)
	cpio -itv --quiet <"$1" >"$_list" 2>/dev/null || {
		rm -f "$_list"
		die "$1: not a cpio archive"
	}
	# shellcheck disable=SC2086
	{ for _b in $_bins; do echo "/usr/bin/${_b##*/}"; done; hog_libs $_bins; } |
		awk 'FNR == NR { sub(/^\//, ""); want[$0] = 1; next }
		     /^-/ && ($NF in want) { print $NF; bad = 1 }
		     END { exit bad }' - "$_list" && _rc=0 || _rc=$?
	rm -f "$_list"
	return "$_rc"
}

main()
{
	HOG_FS=$(hog_fs)
	case ${1:-} in
	hog)
		[ $# -eq 1 ] || die "usage: image.sh hog"
		hog
		return 0
		;;
	check)
		[ $# -eq 2 ] || die "usage: image.sh check <cpio>"
		check "$2"
		return
		;;
	esac
	[ $# -eq 1 ] || die "usage: image.sh <ko-dir> | hog | check <cpio>"
	ko=$1
	[ -d "$ko" ] || die "module folder $ko not found"
	[ -x "$BUSYBOX" ] || die "$BUSYBOX not found (package busybox-static)"
	hog=$(hog)
	hkey=${hog##*/}
	hkey=${hkey%.hog}
	key=$({
		hash_tree "$LAB_TOP/testcases" "$LAB_TOP/configs"
		# hash_tree leaves out .ko files; the modules count by content.
		find "$ko" -type f -name '*.ko' | LC_ALL=C sort | xargs cat | hash_stdin
		stat -c '%n %s %Y' "$BUSYBOX"
		printf 'hog %s\n' "$hkey"
	} | hash_stdin)
	img=$LAB_CACHE/image/$key-$hkey.cpio
	if [ ! -f "$img" ]; then
		info "building guest image"
		mkdir -p "$LAB_CACHE/image"
		root=$(mktemp -d "$LAB_CACHE/image/root.XXXXXX")
		stage "$root" "$ko"
		(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) \
			>"$img.tmp" || die "cpio failed"
		rm -rf "$root"
		mv "$img.tmp" "$img"
	fi
	printf '%s\n' "$img"
}

main "$@"
