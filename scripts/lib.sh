#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Shared host-side helpers: messages, errors, variable checks, the cache.
# Sourced by the scripts in this folder.

LAB_TOP=${LAB_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
LAB_CACHE=${LAB_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/labyrinth}
export LAB_SUITE_FORMAT=1

info()
{
	printf 'labyrinth: %s\n' "$*" >&2
}

# die <message>: a usage or set-up error, exit status 2.
die()
{
	printf 'labyrinth: error: %s\n' "$*" >&2
	exit 2
}

# check_enum <VAR> <value> <allowed...>
check_enum()
{
	_name=$1
	_val=$2
	shift 2
	for _a in "$@"; do
		[ "$_val" = "$_a" ] && return 0
	done
	die "$_name='$_val' is not one of: $*"
}

# check_uint <VAR> <value> <min> <max>
check_uint()
{
	case $2 in
	'' | *[!0-9]*) die "$1='$2' is not a whole number" ;;
	esac
	if [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then
		die "$1='$2' is out of range $3..$4"
	fi
}

# check_mem <VAR> <value>: QEMU memory size such as 2G or 2048M.
check_mem()
{
	case $2 in
	[1-9]*[GM] | [1-9]*[GM]i) ;;
	*) die "$1='$2' is not a memory size like 2G or 2048M" ;;
	esac
	_n=${2%i}
	_n=${_n%[GM]}
	case $_n in
	*[!0-9]*) die "$1='$2' is not a memory size like 2G or 2048M" ;;
	esac
}

# image_hog <image>: the hog disk a guest image of the cache goes with:
# image/<key>-<hog key>.cpio goes with image/<hog key>.hog (scripts/image.sh);
# nothing for another name.
image_hog()
{
	case ${1##*/} in
	*-*.cpio)
		_ih=${1##*-}
		printf '%s\n' "${1%/*}/${_ih%.cpio}.hog"
		;;
	esac
}

# hash_stdin: a short content hash.
hash_stdin()
{
	sha256sum | cut -c1-16
}

# hash_tree <dir...>: hash of the names and contents of the files below.
hash_tree()
{
	find "$@" -type f ! -name '*.o' ! -name '*.ko' ! -name '.*' -print |
		LC_ALL=C sort | while IFS= read -r _f; do
			printf '%s\n' "$_f"
			cat "$_f"
		done | hash_stdin
}

# with_lock <name> <command...>: serialise builds that share a cache entry.
with_lock()
{
	_lock=$LAB_CACHE/locks/$1
	shift
	mkdir -p "$LAB_CACHE/locks"
	flock "$_lock" "$@"
}

# resolve_run <label> <run>: a results folder given as a path, or as a run
# id (or "latest") under RESULTS (default results/).
resolve_run()
{
	[ -n "$2" ] || die "$1 is not set: give a run folder or a run id"
	_res=${RESULTS:-$LAB_TOP/results}
	if [ -d "$2" ]; then
		printf '%s\n' "$2"
	elif [ -d "$_res/$2" ]; then
		printf '%s\n' "$_res/$2"
	else
		die "$1: no run folder '$2' (neither a folder nor $_res/$2)"
	fi
}

# shielded <command...>: run a command that must finish even when the run
# is being interrupted: SIGINT and SIGTERM are ignored while it runs (the
# caller's trap acts once it returns).
shielded()
{
	(
		trap '' INT TERM
		"$@"
	)
}

# mem_mib <size>: a size such as 2G, 800M, 5GiB or a number of bytes, in
# MiB (rounded down); empty for anything else.
mem_mib()
{
	printf '%s\n' "$1" | awk '
	match($0, /^[0-9]+(\.[0-9]+)?/) {
		n = substr($0, 1, RLENGTH); u = toupper(substr($0, RLENGTH + 1))
		sub(/I?B?$/, "", u)
		if (u == "") { m = n / 1048576 }
		else if (u == "K") { m = n / 1024 }
		else if (u == "M") { m = n }
		else if (u == "G") { m = n * 1024 }
		else if (u == "T") { m = n * 1048576 }
		else exit
		printf "%d\n", m
	}'
}

# default_guests <vcpus> <mem> [<cores> <available-MiB>]: how many guests
# of <vcpus> and <mem> the host (its cores and available memory, default
# this host's) holds at once: min(cores / vcpus, available / mem), at least 1.
default_guests()
{
	_cores=${3:-$(nproc 2>/dev/null || echo 1)}
	_avail=${4:-$(awk '$1 == "MemAvailable:" { printf "%d\n", $2 / 1024 }' /proc/meminfo 2>/dev/null)}
	_per=$(mem_mib "$2")
	awk -v c="$_cores" -v v="$1" -v a="${_avail:-0}" -v m="${_per:-0}" 'BEGIN {
		g = int(c / (v > 0 ? v : 1))
		if (m > 0 && a > 0 && int(a / m) < g) g = int(a / m)
		print (g < 1 ? 1 : g) }'
}

# check_guests: GUESTS (default: default_guests) is a count of guests.
check_guests()
{
	: "${GUESTS:=$(default_guests "${VCPUS:-2}" "${MEM:-2G}")}"
	check_uint GUESTS "$GUESTS" 1 64
}

# check_cache_max: LAB_CACHE_MAX (default 5G) is a size.
check_cache_max()
{
	: "${LAB_CACHE_MAX:=5G}"
	[ -n "$(mem_mib "$LAB_CACHE_MAX")" ] ||
		die "LAB_CACHE_MAX='$LAB_CACHE_MAX' is not a size like 5G or 800M"
	export LAB_CACHE_MAX
}

# cache_lookup_begin, cache_lookup_end: between the two, this process
# looks entries up in the cache (and builds them); eviction (scripts/
# cache.sh) waits for it, so nothing found is removed before the run
# holds it (scripts/cache.sh hold).  File descriptor 8 holds the lock.
cache_lookup_begin()
{
	mkdir -p "$LAB_CACHE/locks"
	exec 8>>"$LAB_CACHE/locks/cache"
	flock -s 8
}

cache_lookup_end()
{
	flock -u 8
	exec 8>&-
}
