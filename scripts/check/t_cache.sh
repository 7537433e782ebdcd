#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the bounded build cache (scripts/cache.sh) on a scratch
# LAB_CACHE: sizes, least-recently-used eviction, entries a run holds or a
# build in progress stay, cache-clean, the listing, and ten EXTMOD-like
# runs (a real scripts/image.sh each, with other modules every time) that
# keep the cache under LAB_CACHE_MAX.

set -eu
cd "$(dirname "$0")/../.."
. scripts/check/tap.sh
. scripts/lib.sh

T=$(mktemp -d)
SLEEPERS=
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup()
{
	for _s in $SLEEPERS; do
		kill "$_s" 2>/dev/null || :
	done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

C=$T/cache

# blob <file> <KiB> <age-minutes>: a file of that size, last changed then.
blob()
{
	mkdir -p "$(dirname "$1")"
	head -c "$(($2 * 1024))" /dev/zero >"$1"
	touch -d "-$3 minutes" "$1"
}

# entry <kind/key> <KiB> <age-minutes>: a finished cache entry, last used then.
entry()
{
	case $1 in
	image/*)
		blob "$C/$1.cpio" "$2" "$3"
		return 0
		;;
	kernel/*) _stamp=.lab-built ;;
	src/*) _stamp=.lab-extracted ;;
	modules/*) _stamp=.lab-built ;;
	snap/*) _stamp="what" ;;
	esac
	blob "$C/$1/payload" "$2" "$3"
	[ "${1%%/*}" != snap ] || blob "$C/$1/vm" 4 "$3"
	: >"$C/$1/$_stamp"
	mkdir -p "$C/$1/src"
	touch -d "-$3 minutes" "$C/$1/.lab-used" "$C/$1"
}

# sleeper: a process that stands for a running run; its pid.
sleeper()
{
	sleep 300 >/dev/null 2>&1 &
	SLEEPERS="$SLEEPERS $!"
	LAST=$!
}

# holding <pid>: a cache.sh hold of <pid> is running (read from /proc:
# no procps needed).
holding()
{
	for _f in /proc/[0-9]*/cmdline; do
		tr '\000' ' ' <"$_f" 2>/dev/null | grep -q "hold-locks $1 " && return 0
	done
	return 1
}

# released <pid>: wait (at most 5 s) until no cache.sh hold of <pid> is
# left.
released()
{
	_n=0
	while holding "$1" && [ "$_n" -lt 50 ]; do
		sleep 0.1
		_n=$((_n + 1))
	done
}

cache()
{
	LAB_CACHE=$C sh scripts/cache.sh "$@"
}

kib()
{
	du -sk "$C" | cut -f1
}

# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
sizes()
{
	_rc=0
	for _s in 5G 800M 1.5G 5GiB 1048576; do
		printf '%s=%s ' "$_s" "$(mem_mib "$_s")"
	done >"$T/sizes"
	check "sizes: 5G 800M 1.5G 5GiB and bytes read as MiB ($(cat "$T/sizes"))" \
		[ "$(cat "$T/sizes")" = "5G=5120 800M=800 1.5G=1536 5GiB=5120 1048576=1 " ]
	LAB_CACHE_MAX=5X cache list >"$T/out" 2>&1 || _rc=$?
	check "sizes: LAB_CACHE_MAX=5X is refused with status 2 (got $_rc)" \
		sh -c '[ "$1" = 2 ] && grep -q "LAB_CACHE_MAX=.5X. is not a size" "$2"' sh "$_rc" "$T/out"
	_rc=0
	LAB_CACHE_MAX=big RESULTS=$T/results sh scripts/run.sh >"$T/out" 2>&1 || _rc=$?
	check "sizes: run.sh refuses LAB_CACHE_MAX=big with status 2, no results folder (got $_rc)" \
		sh -c '[ "$1" = 2 ] && [ ! -e "$2" ] && grep -q "LAB_CACHE_MAX=.big." "$3"' sh "$_rc" "$T/results" "$T/out"
}

# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
lru()
{
	rm -rf "$C"
	entry image/old 2000 300
	entry modules/k1-m1 1000 200
	entry kernel/kold 3000 100
	entry snap/sold 2000 70
	entry src/s1 3000 50
	entry image/new 2000 10
	entry snap/snew 1000 5
	LAB_CACHE_MAX=7M cache evict 2>"$T/out" || :
	sed 's/^/# /' "$T/out"
	check "lru: the least recently used go first until the cache fits (image old, modules, kernel, saved guest old)" \
		sh -c '[ ! -e "$1/image/old.cpio" ] && [ ! -e "$1/modules/k1-m1" ] && [ ! -e "$1/kernel/kold" ] &&
			[ ! -e "$1/snap/sold" ] && [ -d "$1/src/s1" ] && [ -f "$1/image/new.cpio" ] &&
			[ -f "$1/snap/snew/vm" ]' sh "$C"
	check "lru: the cache fits LAB_CACHE_MAX=7M ($(kib) KiB)" [ "$(kib)" -le 7168 ]
	entry kernel/kold 3000 100
	LAB_CACHE_MAX=100M cache evict 2>"$T/out" || :
	check "lru: nothing goes while the cache fits" sh -c '[ -d "$1/kernel/kold" ] && [ ! -s "$2" ]' sh "$C" "$T/out"
}

# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
in_use()
{
	rm -rf "$C"
	entry kernel/kuse 3000 500
	entry src/suse 3000 400
	entry image/held 2000 300
	entry image/free 2000 200
	entry modules/k-m 100 100
	entry modules/k-ext-e 100 100
	entry modules/k-m-e 100 100
	rm -f "$C/modules/k-m-e/.lab-built" && rm -rf "$C/modules/k-m-e/src"
	mkdir -p "$C/src/suse/linux"
	echo "$C/src/suse/linux" >"$C/kernel/kuse/.lab-source"
	sleeper
	run=$LAST
	cache hold "$run" "$C/kernel/kuse" "$C/modules/k-m-e/ko" "$C/image/held.cpio" >"$T/held"
	check "hold: a run holds its kernel, the kernel's source, its image and all three module builds" \
		[ "$(LC_ALL=C sort "$T/held" | tr '\n' ' ')" = "$C/image/held.cpio $C/kernel/kuse $C/modules/k-ext-e $C/modules/k-m $C/modules/k-m-e $C/src/suse " ]
	check "hold: using an entry marks it used now" \
		sh -c '[ "$(($(date +%s) - $(stat -c %Y "$1/kernel/kuse/.lab-used")))" -lt 60 ] &&
			[ "$(($(date +%s) - $(stat -c %Y "$1/image/held.cpio")))" -lt 60 ]' sh "$C"
	# the held entries look least recently used: age them again
	touch -d '-500 minutes' "$C/kernel/kuse/.lab-used" "$C/src/suse/.lab-used" "$C/image/held.cpio"
	LAB_CACHE_MAX=1K cache evict 2>"$T/out" || :
	sed 's/^/# /' "$T/out"
	check "hold: eviction skips every entry a live run holds, however old, and removes the rest" \
		sh -c '[ -d "$1/kernel/kuse" ] && [ -d "$1/src/suse" ] && [ -f "$1/image/held.cpio" ] &&
			[ -d "$1/modules/k-m-e" ] && [ ! -e "$1/image/free.cpio" ]' sh "$C"
	check "hold: eviction says the cache stays over the limit because of entries in use" \
		grep -q 'over the limit.*in use' "$T/out"
	cache clean 2>"$T/out" || :
	check "clean: cache-clean keeps what a run holds" sh -c '[ -d "$1/kernel/kuse" ] && [ -f "$1/image/held.cpio" ]' sh "$C"
	kill "$run"
	wait "$run" 2>/dev/null || :
	sleep 2
	cache clean 2>"$T/out" || :
	check "clean: once the run ended, cache-clean empties the cache" \
		[ -z "$(find "$C/kernel" "$C/src" "$C/image" "$C/modules" -mindepth 1 -maxdepth 1)" ]
}

# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
building()
{
	rm -rf "$C"
	entry kernel/kb 1000 300
	rm -f "$C/kernel/kb/.lab-built"
	touch -d "-300 minutes" "$C/kernel/kb"
	mkdir -p "$C/locks"
	(
		exec 9>>"$C/locks/kernel-kb"
		flock 9
		exec sleep 300
	) >/dev/null 2>&1 &
	SLEEPERS="$SLEEPERS $!"
	lock=$!
	mkdir -p "$C/modules/young/src" "$C/image/root.abc" "$C/src/s.tmp"
	blob "$C/image/x.cpio.tmp" 100 0
	mkdir -p "$C/modules/stale/src"
	touch -d '-2 hours' "$C/modules/stale"
	sleep 0.5
	cache clean 2>"$T/out" || :
	check "building: a kernel whose build lock is held and unfinished builds under an hour old stay" \
		sh -c '[ -d "$1/kernel/kb" ] && [ -d "$1/modules/young" ] && [ -d "$1/image/root.abc" ] &&
			[ -f "$1/image/x.cpio.tmp" ] && [ -d "$1/src/s.tmp" ]' sh "$C"
	check "building: an unfinished build over an hour old goes" [ ! -e "$C/modules/stale" ]
	kill "$lock" 2>/dev/null || :
	wait "$lock" 2>/dev/null || :
	cache clean 2>"$T/out" || :
	check "building: once its build lock is free, the unfinished kernel goes" [ ! -e "$C/kernel/kb" ]
}

# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
lookup_lock()
{
	rm -rf "$C"
	entry image/found 1000 300
	mkdir -p "$C/locks"
	(
		exec 9>>"$C/locks/cache"
		flock -s 9
		exec sleep 300
	) >/dev/null 2>&1 &
	SLEEPERS="$SLEEPERS $!"
	looker=$!
	sleep 0.5
	LAB_CACHE_WAIT=1 LAB_CACHE_MAX=1K cache evict 2>"$T/out" || :
	check "lookup: while a run looks entries up (locks/cache shared) eviction waits, then leaves them" \
		sh -c '[ -f "$1/image/found.cpio" ] && grep -q "looking up entries" "$2"' sh "$C" "$T/out"
	kill "$looker" 2>/dev/null || :
	wait "$looker" 2>/dev/null || :
	LAB_CACHE_MAX=1K cache evict 2>"$T/out" || :
	check "lookup: then eviction proceeds" [ ! -e "$C/image/found.cpio" ]
}

# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
listing()
{
	rm -rf "$C"
	entry image/aaaa 1024 60
	entry kernel/kkkk 2048 30
	echo 6.12.9 >"$C/kernel/kkkk/.lab-release"
	echo /src/linux >"$C/kernel/kkkk/.lab-source"
	entry snap/ssss 1020 10
	echo "vmlinux, aaaa.cpio, 2 vCPUs, 2G" >"$C/snap/ssss/what"
	LAB_CACHE_MAX=800M cache list >"$T/list"
	sed 's/^/# /' "$T/list"
	check "list: one line per entry, least recently used first, with kind, key, size and what it is" \
		sh -c 'awk "NR == 2 && /^image +aaaa +1M .*guest image/ { a = 1 }
			NR == 3 && /^kernel +kkkk +2M .*kernel 6.12.9 from \/src\/linux/ { k = 1 }
			NR == 4 && /^snap +ssss +1M .*saved guest: vmlinux, aaaa.cpio, 2 vCPUs, 2G/ { s = 1 }
			END { exit !(a && k && s) }" "$1"' sh "$T/list"
	check "list: the total and the bound" grep -q '^total 4M in 3 entries (LAB_CACHE_MAX 800M)' "$T/list"
}

# extmod_runs: ten runs, each with another EXTMOD: a new module folder and
# a real guest image (scripts/image.sh, about 2 MB) each; the kernel, its
# source and the hog disk (about 36 MB) are shared.  Each run looks up,
# holds its entries while it runs, and evicts, as scripts/run.sh does.  The cache never passes
# LAB_CACHE_MAX, and no run loses an entry it holds.
# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
extmod_runs()
{
	if [ ! -x /bin/busybox ] || ! command -v stress-ng >/dev/null; then
		ok "extmod runs # SKIP busybox-static or stress-ng missing"
		return 0
	fi
	rm -rf "$C"
	entry src/s 20000 600
	entry kernel/k 20000 600
	mkdir -p "$C/src/s/linux"
	echo "$C/src/s/linux" >"$C/kernel/k/.lab-source"
	entry modules/km-mm 500 600
	max=90
	over=0
	lost=0
	prev=
	peak=0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		ko=$C/modules/km-mm-e$i
		mkdir -p "$ko/ext"
		echo "ext module $i" >"$ko/ext/m$i.ko"
		img=$(
			LAB_CACHE=$C
			export LAB_CACHE
			cache_lookup_begin
			sh scripts/image.sh "$ko"
		)
		sleeper
		cache hold "$LAST" "$C/kernel/k" "$ko" "$img" >/dev/null
		LAB_CACHE_MAX=${max}M cache evict 2>>"$T/evict" || :
		now=$(kib)
		[ "$now" -le "$peak" ] || peak=$now
		[ "$now" -le $((max * 1024)) ] || over=$((over + 1))
		[ -f "$img" ] && [ -d "$ko" ] && [ -d "$C/kernel/k" ] && [ -d "$C/src/s" ] || lost=$((lost + 1))
		# the previous run has ended by now, and its locks are gone
		# (cache.sh hold looks once a second whether its run lives)
		if [ -n "$prev" ]; then
			kill "$prev" 2>/dev/null || :
			released "$prev"
		fi
		prev=$LAST
	done
	sed 's/^/# /' "$T/evict" | tail -n 4
	check "extmod runs: 10 runs with a new image each stay under LAB_CACHE_MAX=${max}M (peak $((peak / 1024)) MiB, $over over)" \
		[ "$over" = 0 ]
	check "extmod runs: no run lost an entry it held ($lost)" [ "$lost" = 0 ]
	check "extmod runs: old images were evicted, the shared kernel and hog disk stayed" \
		sh -c '[ "$(ls "$1/image"/*.cpio | wc -l)" -le 8 ] && [ "$(ls "$1/image"/*.hog | wc -l)" = 1 ] &&
			[ -d "$1/kernel/k" ] && grep -q "evicted image" "$2"' sh "$C" "$T/evict"
}

main()
{
	sizes
	lru
	in_use
	building
	lookup_lock
	listing
	extmod_runs
	exit "$FAILED"
}

main "$@"
