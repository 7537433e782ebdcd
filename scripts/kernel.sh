#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build (or find in the cache) the kernel under test and print its output
# folder: the tree that holds arch/x86/boot/bzImage, .config and
# Module.symvers.
#
# Variables:
#   KSRC=<tree>     a kernel source tree or a tarball of one (default: Debian's linux-source-6.12
#                   tarball, extracted into the cache)
#   KBUILD=<dir>    an already-built output tree: checked, not rebuilt
#   KASAN=0|1       add configs/kernel/optional/kasan.config
#   JOBS=<n>        parallel build jobs (default: number of CPUs)
#   LAB_CACHE=<dir> cache folder (default ~/.cache/labyrinth)
# Cache: one build folder per source tree, compiler and fragments
# ($LAB_CACHE/kernel/<key>).  The folder remembers the content state of the
# tree it was built from (.lab-state): the commit plus "git diff HEAD" and
# the untracked files' content for a git tree, every file's path, size and
# modification time for any other tree.  The same state is a cache hit;
# any change rebuilds incrementally in the same folder (kbuild's own
# dependency tracking).  A build counts only once its stamp (.lab-built)
# is written, so a failed or interrupted build is built again.

set -eu
. "$(dirname "$0")/lib.sh"

DEBIAN_TARBALL=${DEBIAN_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
RECIPE=3	# bump when the build recipe below changes

fragments()
{
	for _f in "$LAB_TOP"/configs/kernel/*.config; do
		printf '%s\n' "$_f"
	done
	if [ "${KASAN:-0}" = 1 ]; then
		printf '%s\n' "$LAB_TOP/configs/kernel/optional/kasan.config"
	fi
}

# verify_config <.config> <fragment...>: every requested symbol made it.
verify_config()
{
	_cfg=$1
	shift
	awk '
	FNR == 1 { file = FILENAME }
	file == SOFT {
		if ($1 ~ /^CONFIG_/) { r = $0; sub(/^[^ ]* */, "", r); soft[$1] = r }
		next
	}
	file == CFG {
		if ($0 ~ /^CONFIG_[A-Za-z0-9_]+=/) {
			k = $0; sub(/=.*/, "", k); v = $0; sub(/^[^=]*=/, "", v)
			have[k] = v
		}
		next
	}
	/^CONFIG_[A-Za-z0-9_]+=/ {
		k = $0; sub(/=.*/, "", k); v = $0; sub(/^[^=]*=/, "", v)
		if (!(k in have) || have[k] != v) {
			got = (k in have) ? k "=" have[k] : "not set"
			if (k in soft) {
				printf "labyrinth: warning: %s:%d: %s=%s requested, final .config has %s (%s)\n", \
					FILENAME, FNR, k, v, got, soft[k] > "/dev/stderr"
				next
			}
			printf "labyrinth: error: %s:%d: %s=%s requested, final .config has %s\n", \
				FILENAME, FNR, k, v, got > "/dev/stderr"
			bad++
		}
		next
	}
	/^# CONFIG_[A-Za-z0-9_]+ is not set/ {
		k = $2
		if ((k in have) && have[k] != "n") {
			printf "labyrinth: error: %s:%d: %s requested off, final .config has %s=%s\n", \
				FILENAME, FNR, k, k, have[k] > "/dev/stderr"
			bad++
		}
		next
	}
	/^[ \t]*(#|$)/ { next }
	{
		printf "labyrinth: error: %s:%d: not a config line: %s\n", FILENAME, FNR, $0 > "/dev/stderr"
		bad++
	}
	END { exit bad ? 2 : 0 }
	' CFG="$_cfg" SOFT="$LAB_TOP/configs/kernel/may-lack" \
		"$LAB_TOP/configs/kernel/may-lack" "$_cfg" "$@"
}

check_kbuild()
{
	_kb=$1
	[ -d "$_kb" ] || die "KBUILD=$_kb is not a folder"
	[ -f "$_kb/arch/x86/boot/bzImage" ] ||
		die "KBUILD=$_kb has no arch/x86/boot/bzImage (build the kernel first)"
	[ -f "$_kb/.config" ] || die "KBUILD=$_kb has no .config"
	[ -f "$_kb/Module.symvers" ] ||
		die "KBUILD=$_kb has no Module.symvers (run 'make modules' in it)"
	# shellcheck disable=SC2046
	verify_config "$_kb/.config" $(fragments) ||
		die "KBUILD=$_kb/.config lacks symbols the suite needs (listed above)"
}

check_ksrc()
{
	[ -d "$1" ] || die "KSRC=$1 is not a folder"
	if [ ! -f "$1/Makefile" ] || [ ! -f "$1/Kconfig" ] || [ ! -d "$1/arch/x86" ] ||
		[ ! -f "$1/scripts/kconfig/merge_config.sh" ]; then
		die "KSRC=$1 is not a kernel source tree (no Makefile, Kconfig, arch/x86 or scripts/kconfig/merge_config.sh)"
	fi
}

# build_place <tree>: what names the tree's build folder: a git tree's top
# folder; a tarball extracted into the cache its path, version, top-level
# files and Makefile (the name its builds always had); any other tree its
# path.
build_place()
{
	if git -C "$1" rev-parse HEAD >/dev/null 2>&1; then
		printf 'git %s\n' "$(git -C "$1" rev-parse --show-toplevel)"
		return 0
	fi
	case $1 in
	"$LAB_CACHE"/src/*)
		printf '%s\n' "$1"
		make -s -C "$1" kernelversion 2>/dev/null || :
		find "$1" -maxdepth 1 -newer "$1/Makefile" -type f | LC_ALL=C sort
		stat -c '%Y %s' "$1/Makefile"
		;;
	*) printf 'tree %s\n' "$1" ;;
	esac
}

# source_state <tree>: a hash of the tree's content: for git the commit,
# the diff of every tracked change (staged or not) and the untracked files
# (not ignored) with their content; otherwise every file's path, size and
# modification time.
source_state()
{
	if git -C "$1" rev-parse HEAD >/dev/null 2>&1; then
		(
			cd "$1"
			git rev-parse HEAD
			git -c core.quotepath=off diff --no-ext-diff --no-textconv \
				--no-color --binary HEAD -- .
			git -c core.quotepath=off ls-files --others --exclude-standard -- . >"$STATE_TMP"
			cat "$STATE_TMP"
			[ ! -s "$STATE_TMP" ] || git hash-object --stdin-paths <"$STATE_TMP"
		)
	else
		find "$1" -type f -printf '%P\t%s\t%T@\n' | LC_ALL=C sort
	fi | hash_stdin
}

# tarball_source <tarball>: extract a kernel source tarball once (into the
# cache); print the tree.
tarball_source()
{
	DEBIAN_TARBALL=$1
	[ -f "$DEBIAN_TARBALL" ] ||
		die "$DEBIAN_TARBALL not found (Debian: package linux-source-6.12 or linux-source-6.1)"
	_id=$(stat -c '%n %s %Y' "$DEBIAN_TARBALL" | hash_stdin)
	_dir=$LAB_CACHE/src/$_id
	if [ ! -f "$_dir/.lab-extracted" ]; then
		info "extracting $DEBIAN_TARBALL"
		rm -rf "$_dir.tmp"
		mkdir -p "$_dir.tmp"
		tar -xf "$DEBIAN_TARBALL" -C "$_dir.tmp" ||
			die "cannot extract $DEBIAN_TARBALL"
		rm -rf "$_dir"
		mv "$_dir.tmp" "$_dir"
		: >"$_dir/.lab-extracted"
	fi
	for _t in "$_dir"/*/; do
		_t=${_t%/}
		[ -f "$_t/Makefile" ] && { printf '%s\n' "$_t"; return 0; }
	done
	die "$DEBIAN_TARBALL holds no kernel tree"
}

# configure <src> <out> <log>: a fresh .config from tinyconfig and the
# fragments.
configure()
{
	rm -rf "$2"
	mkdir -p "$2"
	# shellcheck disable=SC2046 # one fragment a word
	{
		make -C "$1" O="$2" ARCH=x86_64 tinyconfig &&
			"$1/scripts/kconfig/merge_config.sh" -m -O "$2" \
				"$2/.config" $(fragments) &&
			make -C "$1" O="$2" ARCH=x86_64 olddefconfig
	} >"$3" 2>&1 || {
		tail -n 20 "$3" >&2
		die "configuring the kernel in $1 failed (log: $3)"
	}
	: >"$2/.lab-configured"
}

# build <src> <out> <state>: build (or rebuild incrementally) the tree's
# kernel in <out> for the content state <state>.  Runs under the folder's
# lock.
build()
{
	_src=$1
	_out=$2
	_log=$_out/build.log
	if [ -f "$_out/.lab-built" ]; then
		if [ ! -f "$_out/.lab-state" ]; then
			# built before the folder kept its state: its name held
			# the tree's identity, so it is this state
			printf '%s\n' "$3" >"$_out/.lab-state"
		fi
		[ "$(cat "$_out/.lab-state")" != "$3" ] || return 0
	fi
	jobs=${JOBS:-$(nproc)}
	_how=incrementally
	if [ ! -f "$_out/.config" ] ||
		{ [ ! -f "$_out/.lab-configured" ] && [ ! -f "$_out/.lab-built" ]; }; then
		_how="from scratch"
		info "configuring kernel from $_src in $_out (log $_log)"
		configure "$_src" "$_out" "$_log"
	fi
	rm -f "$_out/.lab-built"
	# shellcheck disable=SC2046 # one fragment a word
	verify_config "$_out/.config" $(fragments) ||
		die "the kernel tree $_src cannot provide every symbol the suite needs (listed above)"
	info "building kernel $_how from $_src in $_out (-j$jobs, log $_log)"
	_t0=$(date +%s)
	make -C "$_src" O="$_out" ARCH=x86_64 -j"$jobs" bzImage modules \
		>>"$_log" 2>&1 || {
		grep -E 'error|Error' "$_log" | head -n 20 >&2
		die "building the kernel in $_src failed (log: $_log)"
	}
	# shellcheck disable=SC2046 # one fragment a word
	verify_config "$_out/.config" $(fragments) ||
		die "the kernel tree $_src cannot provide every symbol the suite needs (listed above)"
	make -s -C "$_out" kernelrelease >"$_out/.lab-release" 2>/dev/null
	printf '%s\n' "$_src" >"$_out/.lab-source"
	_secs=$(($(date +%s) - _t0))
	if [ "$_how" = incrementally ]; then
		printf '%s seconds with -j%s\n' "$_secs" "$jobs" >"$_out/.lab-rebuild-time"
	else
		printf '%s seconds with -j%s\n' "$_secs" "$jobs" >"$_out/.lab-build-time"
	fi
	printf '%s\n' "$3" >"$_out/.lab-state"
	: >"$_out/.lab-built"
}

main()
{
	check_enum KASAN "${KASAN:-0}" 0 1
	if [ -n "${JOBS:-}" ]; then
		check_uint JOBS "$JOBS" 1 256
	fi
	if [ -n "${KBUILD:-}" ]; then
		check_kbuild "$KBUILD"
		cd "$KBUILD" && pwd
		return 0
	fi
	case ${KSRC:-} in
	"") src=$(tarball_source "$DEBIAN_TARBALL") ;;
	*.tar | *.tar.*) src=$(tarball_source "$KSRC") ;;
	*)
		check_ksrc "$KSRC"
		src=$(cd "$KSRC" && pwd)
		;;
	esac
	key=$({
		printf 'recipe %s\n' "$RECIPE"
		build_place "$src"
		gcc --version | head -n 1
		for f in $(fragments); do
			printf '%s\n' "${f##*/}"
			cat "$f"
		done
	} | hash_stdin)
	out=$LAB_CACHE/kernel/$key
	STATE_TMP=$(mktemp)
	state=$(source_state "$src")
	rm -f "$STATE_TMP"
	if [ ! -f "$out/.lab-built" ] || [ "$(cat "$out/.lab-state" 2>/dev/null)" != "$state" ]; then
		mkdir -p "$LAB_CACHE/kernel"
		export LAB_CACHE
		with_lock "kernel-$key" "$0" --build "$src" "$out" "$state" >&2
	fi
	[ -f "$out/.lab-built" ] || die "kernel build in $out did not finish"
	printf '%s\n' "$out"
}

if [ "${1:-}" = --build ]; then
	build "$2" "$3" "$4"
	exit 0
fi
main "$@"
