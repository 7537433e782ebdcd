#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest's initramfs: busybox-static, stress-ng with the shared
# libraries it needs, the built modules, testcases/ and configs/.  No network
# and no host file system are needed inside the guest.
# Usage: image.sh <ko-dir>      prints the path of the cpio archive
# Cached by content.

set -eu
. "$(dirname "$0")/lib.sh"

BUSYBOX=${BUSYBOX:-/bin/busybox}
SUBSYS_TOOLS="iperf3 ethtool"

stage_binary()
{
	_root=$1
	_bin=$2
	mkdir -p "$_root/usr/bin"
	cp "$_bin" "$_root/usr/bin/"
	ldd "$_bin" 2>/dev/null | awk '
		$2 == "=>" && $3 ~ /^\// { print $3 }
		$1 ~ /^\// { print $1 }' | while IFS= read -r _lib; do
		mkdir -p "$_root$(dirname "$_lib")"
		cp -L "$_lib" "$_root$_lib"
	done
}

stage()
{
	_root=$1
	_ko=$2
	mkdir -p "$_root/bin" "$_root/sbin" "$_root/proc" "$_root/sys" \
		"$_root/dev" "$_root/tmp" "$_root/run" "$_root/lab" "$_root/etc"
	cp "$BUSYBOX" "$_root/bin/busybox"
	"$BUSYBOX" --list | while IFS= read -r _a; do
		[ "$_a" = busybox ] || ln -sf busybox "$_root/bin/$_a"
	done
	for _d in sbin usr/bin usr/sbin; do
		mkdir -p "$_root/$_d"
	done
	stage_binary "$_root" "$(command -v stress-ng)"
	# The subsys tests' network load and NIC settings (when installed).
	for _t in $SUBSYS_TOOLS; do
		if _b=$(command -v "$_t"); then stage_binary "$_root" "$_b"; fi
	done
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

main()
{
	[ $# -eq 1 ] || die "usage: image.sh <ko-dir>"
	ko=$1
	[ -d "$ko" ] || die "module folder $ko not found"
	[ -x "$BUSYBOX" ] || die "$BUSYBOX not found (package busybox-static)"
	command -v stress-ng >/dev/null || die "stress-ng not found (package stress-ng)"
	key=$({
		hash_tree "$LAB_TOP/testcases" "$LAB_TOP/configs"
		# hash_tree leaves out .ko files; the modules count by content.
		find "$ko" -type f -name '*.ko' | LC_ALL=C sort | xargs cat | hash_stdin
		stat -c '%n %s %Y' "$BUSYBOX" "$(command -v stress-ng)"
		for _t in $SUBSYS_TOOLS; do
			if _b=$(command -v "$_t"); then stat -c "%n %s %Y" "$_b"; fi
		done
	} | hash_stdin)
	img=$LAB_CACHE/image/$key.cpio
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
