#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The build cache LAB_CACHE (default ~/.cache/labyrinth) and its bound.
#   cache.sh list        what the cache holds: kind, key, size, last use,
#                        what it is; the total (make cache)
#   cache.sh evict       remove the least recently used entries until the
#                        cache fits LAB_CACHE_MAX (a run does this at its
#                        start, after its lookups)
#   cache.sh clean       remove every entry not in use (make cache-clean)
#   cache.sh hold <pid> <path...>
#                        mark the entries that hold these paths (a kernel
#                        build, a module folder, a guest image) and what
#                        they come from used now, and keep a shared lock
#                        on each while process <pid> lives; prints the
#                        entries once the locks are held
# Entries: image/<key>-<hog key>.cpio (guest images), image/<hog key>.hog
# (hog disks, scripts/image.sh hog), modules/<key> (module builds),
# kernel/<key> (kernel builds), src/<key> (extracted source trees),
# snap/<key> (saved guests, scripts/qemu.sh "Saved guests").  An
# entry's last use is the time of its .lab-used stamp (of the file itself
# for an image or a hog disk), else of the entry.  A run that holds a
# guest image holds the hog disk its name ends with.  Eviction skips what
# a run holds (locks/use-<kind>-<key>), a kernel being built
# (locks/kernel-<key>) and a build younger than an hour that has not
# finished; it takes locks/cache, which a run holds shared while it looks
# entries up, so it never removes what a run found and has not locked yet.
# Variables: LAB_CACHE, LAB_CACHE_MAX (default 5G; a size such as 5G,
# 800M, 1.5T or a number of bytes).  Exit status: 0, 2 bad usage or value.

set -eu
. "$(dirname "$0")/lib.sh"

# max_kib: LAB_CACHE_MAX in KiB.
max_kib()
{
	: "${LAB_CACHE_MAX:=5G}"
	_m=$(mem_mib "$LAB_CACHE_MAX")
	[ -n "$_m" ] || die "LAB_CACHE_MAX='$LAB_CACHE_MAX' is not a size like 5G or 800M"
	echo $((_m * 1024))
}

# entries: "kind<TAB>key<TAB>path" of every entry.
entries()
{
	for _kind in image modules kernel src snap; do
		[ -d "$LAB_CACHE/$_kind" ] || continue
		for _p in "$LAB_CACHE/$_kind"/*; do
			[ -e "$_p" ] || continue
			_k=${_p##*/}
			_k=${_k%.cpio}
			printf '%s\t%s\t%s\n' "$_kind" "${_k%.hog}" "$_p"
		done
	done
}

# last_use <path>: seconds since the epoch of the entry's last use.
last_use()
{
	if [ -f "$1/.lab-used" ]; then
		stat -c %Y "$1/.lab-used"
	else
		stat -c %Y "$1"
	fi
}

# finished <kind> <path>: the entry is complete (not a build in progress
# or one that failed).
finished()
{
	case $2 in
	*.tmp | *.tmp.* | */root.*) return 1 ;;
	esac
	case $1 in
	image) return 0 ;;
	kernel) [ -f "$2/.lab-built" ] ;;
	src) [ -f "$2/.lab-extracted" ] ;;
	snap) [ -f "$2/vm" ] ;;
	modules) [ -f "$2/.lab-built" ] || [ ! -d "$2/src" ] ;;
	esac
}

# what <kind> <path>: what the entry is.
what()
{
	finished "$1" "$2" || { echo "unfinished build"; return 0; }
	case $1 in
	image)
		case $2 in
		*.hog) echo "hog disk" ;;
		*) echo "guest image" ;;
		esac
		;;
	kernel)
		printf 'kernel %s from %s\n' "$(cat "$2/.lab-release" 2>/dev/null || echo '?')" \
			"$(cat "$2/.lab-source" 2>/dev/null || echo '?')"
		;;
	snap) printf 'saved guest: %s\n' "$(cat "$2/what" 2>/dev/null || echo '?')" ;;
	src) printf 'source tree %s\n' "$(find "$2" -mindepth 1 -maxdepth 1 -type d -printf "%f\n" | head -n 1)" ;;
	modules)
		case ${2##*/} in
		*-ext-*) printf 'EXTMOD build, %s .ko\n' "$(find "$2/ko" -name '*.ko' 2>/dev/null | wc -l)" ;;
		*-*-*) printf 'suite and EXTMOD modules, %s .ko\n' "$(find "$2" -name '*.ko' | wc -l)" ;;
		*) printf 'suite modules, %s .ko\n' "$(find "$2/ko" -name '*.ko' 2>/dev/null | wc -l)" ;;
		esac
		;;
	esac
}

# table: "last-use<TAB>KiB<TAB>kind<TAB>key<TAB>path" of every entry,
# least recently used first.
table()
{
	entries | while IFS="$(printf '\t')" read -r _kind _key _p; do
		_kib=$(du -sk -- "$_p" 2>/dev/null | cut -f1)
		printf '%s\t%s\t%s\t%s\t%s\n' "$(last_use "$_p")" "${_kib:-0}" "$_kind" "$_key" "$_p"
	done | LC_ALL=C sort -n -k1,1
}

human()
{
	awk -v k="$1" 'BEGIN {
		if (k >= 1048576) printf "%.1fG\n", k / 1048576
		else if (k >= 1024) printf "%.0fM\n", k / 1024
		else printf "%dK\n", k }'
}

list()
{
	_max=$(max_kib)
	printf '%-8s %-36s %7s  %-16s  %s\n' KIND KEY SIZE 'LAST USE' WHAT
	_tot=0
	_n=0
	_tab=$(table)
	if [ -n "$_tab" ]; then
		while IFS="$(printf '\t')" read -r _t _kib _kind _key _p; do
			printf '%-8s %-36s %7s  %-16s  %s\n' "$_kind" "$_key" "$(human "$_kib")" \
				"$(date -d "@$_t" '+%Y-%m-%d %H:%M')" "$(what "$_kind" "$_p")"
			_tot=$((_tot + _kib))
			_n=$((_n + 1))
		done <<EOF
$_tab
EOF
	fi
	printf 'total %s in %d entries (LAB_CACHE_MAX %s) in %s\n' "$(human "$_tot")" "$_n" \
		"$(human "$_max")" "$LAB_CACHE"
}

# remove <kind> <key> <path>: remove one entry unless a run holds it or it
# is being built; status 75 when it was left.
remove()
{
	_use=$LAB_CACHE/locks/use-$1-${3##*/}
	if ! finished "$1" "$3" && [ -n "$(find "$3" -maxdepth 0 -mmin -60)" ]; then
		return 75
	fi
	mkdir -p "$LAB_CACHE/locks"
	if [ "$1" = kernel ]; then
		flock -n -E 75 "$_use" flock -n -E 75 "$LAB_CACHE/locks/kernel-$2" rm -rf -- "$3" || return $?
	else
		flock -n -E 75 "$_use" rm -rf -- "$3" || return $?
	fi
	rm -f "$_use"
}

# evict_to <KiB>: remove the least recently used entries until the cache
# holds at most <KiB>.
evict_to()
{
	_limit=$1
	mkdir -p "$LAB_CACHE/locks"
	exec 8>>"$LAB_CACHE/locks/cache"
	if ! flock -x -w "${LAB_CACHE_WAIT:-5}" 8; then
		info "cache: another run is looking up entries; nothing evicted now"
		return 0
	fi
	_tab=$(table)
	_tot=$(printf '%s\n' "$_tab" | awk -F '\t' '{ s += $2 } END { print s + 0 }')
	_freed=0
	_kept=0
	if [ -n "$_tab" ] && [ "$_tot" -gt "$_limit" ]; then
		while IFS="$(printf '\t')" read -r _t _kib _kind _key _p; do
			[ "$_tot" -gt "$_limit" ] || break
			_rc=0
			remove "$_kind" "$_key" "$_p" || _rc=$?
			if [ "$_rc" -eq 0 ]; then
				_tot=$((_tot - _kib))
				_freed=$((_freed + _kib))
				info "cache: evicted $_kind $_key ($(human "$_kib"), last used $(date -d "@$_t" '+%Y-%m-%d %H:%M'))"
			else
				_kept=$((_kept + 1))
			fi
		done <<EOF
$_tab
EOF
	fi
	flock -u 8
	exec 8>&-
	if [ "$_limit" -lt 0 ] && [ "$_kept" -gt 0 ]; then
		info "cache: kept $_kept entries in use or being built ($(human "$_tot"))"
	elif [ "$_limit" -ge 0 ] && [ "$_tot" -gt "$_limit" ]; then
		info "cache: $(human "$_tot") is over the limit $(human "$_limit"): $_kept entries are in use or being built"
	fi
	[ "$_freed" -eq 0 ] || info "cache: freed $(human "$_freed"), $(human "$_tot") left"
}

# entry_of <path>: the cache entry that holds a path, if any.
entry_of()
{
	case $1 in
	"$LAB_CACHE"/image/* | "$LAB_CACHE"/modules/* | "$LAB_CACHE"/kernel/* | "$LAB_CACHE"/src/*)
		_r=${1#"$LAB_CACHE"/}
		_kind=${_r%%/*}
		_r=${_r#*/}
		printf '%s\t%s\t%s\n' "$_kind" "${_r%%/*}" "$LAB_CACHE/$_kind/${_r%%/*}"
		;;
	esac
}

# uses <path...>: the entries a run uses: those holding the paths, the
# hog disk of a guest image, the source tree of a kernel, the suite and
# EXTMOD builds of a combined module folder; "kind<TAB>key<TAB>path", each once.
uses()
{
	for _a in "$@"; do
		entry_of "$_a"
		case $_a in
		"$LAB_CACHE"/image/*-*.cpio)
			_h=$(image_hog "$_a")
			[ ! -f "$_h" ] || entry_of "$_h"
			;;
		"$LAB_CACHE"/kernel/*)
			[ ! -f "$_a/.lab-source" ] || ! [ -e "$(cat "$_a/.lab-source")" ] ||
				entry_of "$(cat "$_a/.lab-source")"
			;;
		"$LAB_CACHE"/modules/*)
			_m=${_a#"$LAB_CACHE"/modules/}
			_m=${_m%%/*}
			case $_m in
			*-ext-*) ;;
			*-*-*)
				for _d in "$LAB_CACHE/modules/${_m%-*}" \
					"$LAB_CACHE/modules/${_m%%-*}-ext-${_m##*-}"; do
					[ ! -d "$_d" ] || entry_of "$_d"
				done
				;;
			esac
			;;
		esac
	done | awk '!seen[$0]++'
}

# alive <pid>: the process runs (a zombie, ended but not yet reaped, does
# not).
alive()
{
	kill -0 "$1" 2>/dev/null || return 1
	[ ! -r "/proc/$1/stat" ] || [ "$(awk "{ print \$3 }" "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# hold_locks <pid> <ready> [<lock>...]: a shared lock on each, then
# <ready> is written and the locks stay until <pid> ends.
hold_locks()
{
	_pid=$1
	_ready=$2
	shift 2
	if [ $# -eq 0 ]; then
		: >"$_ready"
		while alive "$_pid"; do
			sleep 1
		done
		return 0
	fi
	_l=$1
	shift
	exec flock -s -w 120 "$_l" sh "$0" hold-locks "$_pid" "$_ready" "$@"
}

# hold <pid> <path...>: see the head of this file.
hold()
{
	_pid=$1
	shift
	mkdir -p "$LAB_CACHE/locks"
	_ready=$(mktemp "$LAB_CACHE/locks/.ready.XXXXXX")
	rm -f "$_ready"
	# shellcheck disable=SC2046 # cache paths hold no spaces
	set -- $(uses "$@" | awk -F '\t' -v d="$LAB_CACHE/locks" '{ print $3; print d "/use-" $1 "-" $2 }')
	_locks=
	_ents=
	while [ $# -ge 2 ]; do
		if [ -d "$1" ]; then
			touch "$1/.lab-used"
		else
			touch -c "$1"
		fi
		_ents="$_ents $1"
		_locks="$_locks $2"
		shift 2
	done
	(
		trap '' INT TERM HUP
		# shellcheck disable=SC2086 # lock files: cache paths without spaces
		hold_locks "$_pid" "$_ready" $_locks
	) </dev/null >/dev/null 2>&1 &
	while [ ! -e "$_ready" ]; do
		kill -0 $! 2>/dev/null || die "cache: cannot lock the entries this run uses"
		sleep 0.1
	done
	rm -f "$_ready"
	for _e in $_ents; do
		[ -e "$_e" ] || die "cache: $_e was removed while this run looked it up; run again"
		printf '%s\n' "$_e"
	done
}

main()
{
	case ${1:-} in
	list) max_kib >/dev/null; list ;;
	evict) evict_to "$(max_kib)" ;;
	clean) evict_to -1 ;;
	hold)
		[ $# -ge 3 ] || die "usage: cache.sh hold <pid> <path...>"
		shift
		hold "$@"
		;;
	hold-locks) shift; hold_locks "$@" ;;
	*) die "usage: cache.sh list|evict|clean|hold <pid> <path...>" ;;
	esac
}

main "$@"
