#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build the modules under modules/ (and EXTMOD, a user's out-of-tree module)
# against the kernel under test; print the folder that holds the .ko files:
#   <dir>/<name>.ko          the suite's modules
#   <dir>/proof/<name>.ko    the suite's proof modules
#   <dir>/ext/<name>.ko      EXTMOD's modules
# Usage: modules.sh <kernel-output-tree>
# Builds are cached by content; a module that does not compile is an error
# (exit 2) naming the file and line the compiler complained about.

set -eu
. "$(dirname "$0")/lib.sh"

# kbuild_dirs <root>: folders below root that hold a Kbuild file.
kbuild_dirs()
{
	(cd "$1" && find . -mindepth 2 -name Kbuild -print) |
		sed 's|^\./||; s|/Kbuild$||' | LC_ALL=C sort
}

compile()
{
	_kb=$1
	_dir=$2
	_what=$3
	_log=$_dir/build.log
	if ! make -C "$_kb" M="$_dir" W=1 -j"$(nproc)" modules >"$_log" 2>&1; then
		grep -E '(error|Error)' "$_log" | sed "s|$_dir/||" | head -n 20 >&2
		die "$_what does not compile against $_kb (log: $_log)"
	fi
	if grep -q 'warning:' "$_log"; then
		grep 'warning:' "$_log" | sed "s|$_dir/||" >&2
		info "$_what: compiler warnings (above)"
	fi
}

collect()
{
	_from=$1
	_to=$2
	mkdir -p "$_to"
	find "$_from" -name '*.ko' | while IFS= read -r _ko; do
		_rel=${_ko#"$_from"/}
		case $_rel in
		proof/*) mkdir -p "$_to/proof"; cp "$_ko" "$_to/proof/" ;;
		*) cp "$_ko" "$_to/" ;;
		esac
	done
}


# In-tree driver modules the subsys tests load (testcases/lib/kmod.sh),
# with the modules they depend on, when the kernel built them: copied to
# <dir>/kernel/ with a "deps" file, one "name dep,dep" line each.
KERNEL_MODULES="veth virtio_net virtio_blk"

# kernel_ko <tree> <name>: the path of an in-tree module, or nothing.
kernel_ko()
{
	find "$1" -name "$2.ko" 2>/dev/null | head -n 1
}

collect_kernel()
{
	_kb=$1
	_to=$2/kernel
	_todo=$KERNEL_MODULES
	while [ -n "$_todo" ]; do
		# shellcheck disable=SC2086 # a list of names
		set -- $_todo
		[ $# -gt 0 ] || break
		_n=$1
		shift
		_todo=$*
		[ -f "$_to/$_n.ko" ] && continue
		_p=$(kernel_ko "$_kb" "$_n")
		[ -n "$_p" ] || continue
		mkdir -p "$_to"
		cp "$_p" "$_to/"
		_deps=$(modinfo -F depends "$_p" 2>/dev/null || :)
		printf '%s %s\n' "$_n" "${_deps:--}" >>"$_to/deps"
		_todo="$_todo $(printf '%s' "$_deps" | tr ',' ' ')"
	done
}

build_suite()
{
	_kb=$1
	_out=$2
	rm -rf "$_out"
	mkdir -p "$_out/src"
	cp -R "$LAB_TOP/modules/." "$_out/src/"
	kbuild_dirs "$_out/src" | grep -v '^include$' |
		sed 's|$|/|; s|^|obj-m += |' >"$_out/src/Kbuild"
	[ -s "$_out/src/Kbuild" ] || die "no modules found under $LAB_TOP/modules"
	compile "$_kb" "$_out/src" "modules/"
	collect "$_out/src" "$_out/ko"
	collect_kernel "$_kb" "$_out/ko"
	: >"$_out/.lab-built"
}

build_ext()
{
	_kb=$1
	_src=$2
	_out=$3
	rm -rf "$_out"
	mkdir -p "$_out/src"
	cp -R "$_src/." "$_out/src/"
	compile "$_kb" "$_out/src" "EXTMOD=$_src"
	mkdir -p "$_out/ko"
	find "$_out/src" -name '*.ko' -exec cp {} "$_out/ko/" \;
	[ -n "$(ls "$_out/ko")" ] || die "EXTMOD=$_src built no .ko file"
	: >"$_out/.lab-built"
}

main()
{
	[ $# -eq 1 ] || die "usage: modules.sh <kernel-output-tree>"
	kb=$1
	[ -f "$kb/Module.symvers" ] || die "$kb has no Module.symvers"
	# A kernel folder rebuilt in place after an edit of its source
	# (kernel.sh) gives new modules for every content state it had.
	kkey=$({
		printf '%s\n' "$kb"
		cat "$kb/.config"
		[ ! -f "$kb/.lab-rebuild-time" ] || cat "$kb/.lab-state"
	} | hash_stdin)
	mkey=$(hash_tree "$LAB_TOP/modules")
	suite=$LAB_CACHE/modules/$kkey-$mkey
	if [ ! -f "$suite/.lab-built" ]; then
		locked "${suite##*/}" suite "$kb" "$suite"
	fi
	final=$suite/ko
	if [ -n "${EXTMOD:-}" ]; then
		[ -d "$EXTMOD" ] || die "EXTMOD=$EXTMOD is not a folder"
		[ -f "$EXTMOD/Kbuild" ] || [ -f "$EXTMOD/Makefile" ] ||
			die "EXTMOD=$EXTMOD has neither a Kbuild nor a Makefile"
		ext=$(cd "$EXTMOD" && pwd)
		ekey=$(hash_tree "$ext")
		eout=$LAB_CACHE/modules/$kkey-ext-$ekey
		if [ ! -f "$eout/.lab-built" ]; then
			locked "${eout##*/}" ext "$kb" "$ext" "$eout"
		fi
		final=$LAB_CACHE/modules/$kkey-$mkey-$ekey
		if [ ! -d "$final" ]; then
			locked "${final##*/}" join "$suite" "$eout" "$final"
		fi
	fi
	printf '%s\n' "$final"
}

# join <suite> <ext-build> <final>: the suite's modules and the EXTMOD's
# (under ext/) in one folder.
join()
{
	rm -rf "$3.tmp"
	cp -R "$1/ko" "$3.tmp"
	mkdir -p "$3.tmp/ext"
	cp "$2"/ko/*.ko "$3.tmp/ext/"
	mv "$3.tmp" "$3"
}

# locked <name> suite|ext|join <args>: one build at a time per cache
# entry, across runs (two runs building one folder at once break each
# other's objects); a run that waited finds the entry built.
locked()
{
	_name=$1
	shift
	mkdir -p "$LAB_CACHE/modules"
	export LAB_CACHE
	with_lock "modules-$_name" "$0" --build "$@" >&2
}

# --build suite|ext|join <args>: the build, under its lock.
build_locked()
{
	case $1 in
	suite)
		[ ! -f "$3/.lab-built" ] || return 0
		info "building modules against $2"
		build_suite "$2" "$3"
		;;
	ext)
		[ ! -f "$4/.lab-built" ] || return 0
		info "building EXTMOD=$3 against $2"
		build_ext "$2" "$3" "$4"
		;;
	join) [ -d "$4" ] || join "$2" "$3" "$4" ;;
	*) die "modules.sh --build: unknown step $1" ;;
	esac
}

if [ "${1:-}" = --build ]; then
	shift
	build_locked "$@"
	exit 0
fi
main "$@"
