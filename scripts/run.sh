#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A whole labyrinth run: check the variables, resolve the test list
# (scripts/run/select.sh), build (or reuse) the kernel, modules and guest
# image, create the run's folder and metadata (scripts/run/meta.sh), then
# hand over to the boot loop (scripts/run/boots.sh), which boots the guest,
# restarts it after a crash, a hang or a restart the guest asks for, shows
# progress (scripts/run/progress.sh), writes the reports (scripts/report.sh)
# and the summary (scripts/run/summary.sh).
#
# Variables (all optional):
#   RUNTEST=quick     a list under runtest/, or a path to one
#   TESTS=<ERE>       run only tests whose tag matches
#   SKIP=<file>       tags (EREs, one a line) to leave out; default runtest/skip
#   KNOWN=<file>      known issues (xfail/xpass); default runtest/known-issues
#   SHARD=k/N         run the k-th of N balanced, deterministic parts
#   REPEAT=<n>        run the selection n times (tags get .r1 .. .rn)
#   LAB_DURATION=<s>  seconds a timed test runs (default 10)
#   VCPUS, MEM, ACCEL, HANG_TIMEOUT, KCMDLINE, BOOT, FIRMWARE   see
#                     scripts/qemu.sh
#   SNAPSHOT=on       boots after the first of a kernel and image start from
#                     the guest saved at that first boot's end (see
#                     scripts/qemu.sh, "Saved guests"); off: every boot cold
#   DEVICES=auto      the subsys tests' devices: auto (default) adds them
#                     when a test of the list needs them (its "devices:"
#                     header), subsys always, none never
#   KSRC, KBUILD, KASAN, JOBS                   see scripts/kernel.sh
#   EXTMOD=<dir>      also build this module and run runtest/extmod on it
#   RESULTS=<dir>     results folder (default results/)
#   RUN_ID=<name>     name of this run's folder (default: date and time)
#   GUESTS=<n>        guests at once, each on a balanced part of the list
#                     (default: as many as the cores and memory hold)
#   MAX_BOOTS=<n>     give up after this many boots of a guest (default 50)
#   LAB_CACHE_MAX=<size>  bound of the build cache (default 5G), see
#                     scripts/cache.sh
# Exit status: 0 all tests passed or skipped, 1 a test failed, 2 usage or
# set-up error (nothing under RESULTS is touched then), 130 interrupted
# (SIGINT or SIGTERM: the guest is stopped and what finished is reported).

set -eu
. "$(dirname "$0")/lib.sh"
. "$LAB_TOP/scripts/run/select.sh"
. "$LAB_TOP/scripts/run/meta.sh"

SCRIPTS=$LAB_TOP/scripts

check_vars()
{
	: "${RUNTEST:=quick}"
	check_uint VCPUS "${VCPUS:=2}" 1 64
	check_mem MEM "${MEM:=2G}"
	check_enum ACCEL "${ACCEL:=auto}" auto kvm tcg
	check_enum DEVICES "${DEVICES:=auto}" auto subsys none
	[ -z "${BOOT:-}" ] || check_enum BOOT "$BOOT" auto pvh bzimage
	[ -z "${FIRMWARE:-}" ] || check_enum FIRMWARE "$FIRMWARE" auto qboot seabios
	check_enum SNAPSHOT "${SNAPSHOT:=on}" on off
	check_enum KASAN "${KASAN:=0}" 0 1
	# A KASAN kernel runs 3-5 times slower under TCG (its boot as well)
	[ "$KASAN" = 0 ] || : "${HANG_TIMEOUT:=270}"
	check_uint HANG_TIMEOUT "${HANG_TIMEOUT:=90}" 10 86400
	check_uint LAB_DURATION "${LAB_DURATION:=10}" 1 604800
	check_uint MAX_BOOTS "${MAX_BOOTS:=50}" 1 10000
	check_uint REPEAT "${REPEAT:=1}" 1 1000
	check_guests
	check_cache_max
	if [ -n "${SHARD:-}" ]; then
		case $SHARD in
		[1-9]*/[1-9]*) ;;
		*) die "SHARD='$SHARD' is not of the form k/N" ;;
		esac
		check_uint "SHARD k" "${SHARD%/*}" 1 "${SHARD#*/}"
	fi
	if [ -n "${TESTS:-}" ]; then
		_rc=0
		printf "" | grep -E -- "$TESTS" >/dev/null 2>&1 || _rc=$?
		[ "$_rc" -le 1 ] || die "TESTS='$TESTS' is not a valid extended regular expression"
	fi
	case ${RUN_ID:-x} in
	*/* | .* | latest) die "RUN_ID='$RUN_ID' is not a plain folder name" ;;
	esac
	export VCPUS MEM ACCEL HANG_TIMEOUT LAB_DURATION KASAN MAX_BOOTS REPEAT GUESTS SNAPSHOT
}

new_run_dir()
{
	base=${RESULTS:-$LAB_TOP/results}
	mkdir -p "$base" || die "cannot create results folder $base"
	if [ -n "${RUN_ID:-}" ]; then
		[ ! -e "$base/$RUN_ID" ] || die "results/$RUN_ID exists already; choose another RUN_ID"
		id=$RUN_ID
	else
		id=$(date +%Y%m%d-%H%M%S)
		n=1
		while [ -e "$base/$id" ]; do
			n=$((n + 1))
			id=$(date +%Y%m%d-%H%M%S)-$n
		done
	fi
	mkdir "$base/$id" || die "cannot create $base/$id"
	printf '%s\n' "$base/$id"
}

main()
{
	check_vars
	if [ -n "${EXTMOD:-}" ]; then
		ext_module_names >/dev/null
	fi
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	select_tests "$tmp/list"
	check_known "$(known_file)"
	check_profiles "$tmp/list"
	# the subsys tests' NICs and disk only in the boots of a list that
	# uses them: the firmware that routes their interrupts and the PCI
	# scan cost every boot they are in
	[ "$DEVICES" != auto ] || DEVICES=$(list_devices "$tmp/list")
	export DEVICES
	cache_lookup_begin
	KB=$("$SCRIPTS/kernel.sh")
	KO=$("$SCRIPTS/modules.sh" "$KB")
	IMG=$("$SCRIPTS/image.sh" "$KO")
	# the run holds its cache entries until it ends; then the cache is
	# trimmed to LAB_CACHE_MAX
	"$SCRIPTS/cache.sh" hold $$ "$KB" "$KO" "$IMG" >/dev/null
	cache_lookup_end
	"$SCRIPTS/cache.sh" evict
	accel=$("$SCRIPTS/qemu.sh" accel "$KB/arch/x86/boot/bzImage")
	RUN=$(new_run_dir)
	cp "$tmp/list" "$RUN/list"
	cat "$(known_file)" >"$RUN/known-issues"
	mkdir -p "$RUN/tests"
	write_meta "$RUN" "$KB"
	meta_add "$RUN" accel "$accel"
	info "run ${RUN##*/}: $(wc -l <"$RUN/list") tests from $RUNTEST on $(cat "$KB/.lab-release" 2>/dev/null || echo "$KB"), $GUESTS x ($VCPUS vCPUs, $MEM), accel $accel"
	rm -rf "$tmp"
	trap - EXIT
	exec "$SCRIPTS/run/boots.sh" "$RUN" "$KB/arch/x86/boot/bzImage" "$IMG"
}

main "$@"
