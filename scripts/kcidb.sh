#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kcidb.sh <run-dir>: write <run-dir>/kcidb.json, the run in KernelCI's
# KCIDB I/O format (schema 5.3): one checkout (the kernel source), one
# build (config hash, fragments, build time) and one test per list entry.
#
# Variables:
#   KCIDB_LOG_URL=<url>   where the run folder is published (a CI artifact
#                         URL); each test then gets log_url <url>/tests/<idx>-<tag>/kmsg.log
# Fields meta.env may lack are left out, never guessed; see README "KCIDB".

set -eu
. "$(dirname "$0")/lib.sh"
. "$LAB_TOP/scripts/report/lib.sh"

# checkout_key <run-dir>: the source's identity: the git commit when
# meta.env names one, else a hash of the source and release.
checkout_key()
{
	_c=$(run_meta "$1" kernel_commit)
	case $_c in
	*[!0-9a-f]* | '') ;;
	*)
		if [ ${#_c} -eq 40 ]; then
			printf 'git-%s\n' "$_c"
			return 0
		fi
		;;
	esac
	printf 'src-%s\n' "$({
		run_meta "$1" kernel_source
		run_meta "$1" kernel_release
	} | hash_stdin)"
}

# build_key <run-dir> <checkout-key>: the kernel cache entry's name when
# meta.env records it (the cache key covers source and fragments), else a
# hash of the checkout and the config.
build_key()
{
	_kb=$(run_meta "$1" kernel_build)
	if [ -n "$_kb" ]; then
		printf '%s\n' "${_kb##*/}"
		return 0
	fi
	printf '%s\n' "$({
		printf '%s\n' "$2"
		run_meta "$1" config_hash
	} | hash_stdin)"
}

# build_seconds <run-dir>: meta.env's kernel_build_seconds, else the first
# word of the build folder's .lab-build-time ("N seconds with -jJ").
build_seconds()
{
	_s=$(run_meta "$1" kernel_build_seconds)
	_kb=$(run_meta "$1" kernel_build)
	if [ -z "$_s" ] && [ -n "$_kb" ] && [ -f "$_kb/.lab-build-time" ]; then
		read -r _s _ <"$_kb/.lab-build-time" || :
	fi
	printf '%s\n' "$_s"
}

# compiler <run-dir>: CONFIG_CC_VERSION_TEXT of the build's .config.
compiler()
{
	_kb=$(run_meta "$1" kernel_build)
	[ -n "$_kb" ] && [ -f "$_kb/.config" ] || return 0
	sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$/\1/p' "$_kb/.config" | head -n 1
}

# boot_table <run-dir>: "boot start-idx epoch" per boot: the boots the
# run's channel.log announces ("LAB HOST boot <n> start <idx>"), each with
# the time QEMU started (its command line file), 0 when unknown; then
# "test <idx> <epoch>" for each test a boot's own channel.log started
# ("LAB START <idx> ..."): exact where guests ran parts of the list side
# by side, which start indexes alone cannot tell apart.
boot_table()
{
	[ -f "$1/channel.log" ] || return 0
	awk '$1 == "LAB" && $2 == "HOST" && $3 == "boot" && $5 == "start" { print $4, $6 }' \
		"$1/channel.log" | while read -r _n _start; do
		_t=0
		if [ -f "$1/boot-$_n/console.log.cmdline" ]; then
			_t=$(stat -c %Y "$1/boot-$_n/console.log.cmdline")
		fi
		printf '%s %s %s\n' "$_n" "$_start" "$_t"
		[ -f "$1/boot-$_n/channel.log" ] || continue
		awk -v t="$_t" '$1 == "LAB" && $2 == "START" && $3 ~ /^[0-9]+$/ { print "test", $3, t }' \
			"$1/boot-$_n/channel.log"
	done
}

main()
{
	[ $# -eq 1 ] || die "usage: $0 <run-dir>"
	run=$1
	check_run "run" "$run"
	case ${KCIDB_LOG_URL:-} in
	'' | http://* | https://*) ;;
	*) die "KCIDB_LOG_URL='$KCIDB_LOG_URL' is not an http(s) URL" ;;
	esac
	scratch kcidb
	boot_table "$run" >"$SCRATCH/boots"
	ck=$(checkout_key "$run")
	bk=$(build_key "$run" "$ck")
	LC_ALL=C awk -v run="$run" -v meta="$run/meta.env" -v boots="$SCRATCH/boots" \
		-v checkout_id="labyrinth:$ck" -v build_id="labyrinth:build-$bk" \
		-v build_seconds="$(build_seconds "$run")" -v compiler="$(compiler "$run")" \
		-v log_url="${KCIDB_LOG_URL:-}" -f "$REPORT_AWK/kcidb.awk" "$run/list" \
		>"$SCRATCH/kcidb.json" || die "$run/list does not parse"
	mv "$SCRATCH/kcidb.json" "$run/kcidb.json"
}

main "$@"
