#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A whole labyrinth run: resolve the test list, build (or reuse) the kernel,
# modules and guest image, boot the guest, restart it after a crash or hang
# and go on with the next test, then write the results and reports.
#
# Variables (all optional):
#   RUNTEST=quick     a list under runtest/, or a path to one
#   TESTS=<ERE>       run only tests whose tag matches
#   SKIP=<file>       tags (EREs, one a line) to leave out; default runtest/skip
#   SHARD=k/N         run the k-th of N balanced, deterministic parts
#   LAB_DURATION=<s>  seconds a timed test runs (default 10)
#   VCPUS, MEM, ACCEL, HANG_TIMEOUT, KCMDLINE   see scripts/qemu.sh
#   KSRC, KBUILD, KASAN, JOBS                            see scripts/kernel.sh
#   EXTMOD=<dir>      also build this module and run runtest/extmod on it
#   RESULTS=<dir>     results folder (default results/)
#   RUN_ID=<name>     name of this run's folder (default: date and time)
#   MAX_BOOTS=<n>     give up after this many guest boots (default 50)
# Exit status: 0 all tests passed or skipped, 1 a test failed, 2 usage or
# set-up error (nothing under RESULTS is touched then), 130 interrupted.

set -eu
. "$(dirname "$0")/lib.sh"

SCRIPTS=$LAB_TOP/scripts

check_vars()
{
	: "${RUNTEST:=quick}"
	check_uint VCPUS "${VCPUS:=2}" 1 64
	check_mem MEM "${MEM:=2G}"
	check_enum ACCEL "${ACCEL:=auto}" auto kvm tcg
	check_enum DEVICES "${DEVICES:-subsys}" subsys none
	check_uint HANG_TIMEOUT "${HANG_TIMEOUT:=90}" 10 86400
	check_uint LAB_DURATION "${LAB_DURATION:=10}" 1 604800
	check_uint MAX_BOOTS "${MAX_BOOTS:=50}" 1 10000
	check_enum KASAN "${KASAN:=0}" 0 1
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
	export VCPUS MEM ACCEL HANG_TIMEOUT LAB_DURATION KASAN
}

runtest_path()
{
	case $1 in
	*/*) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$LAB_TOP/runtest/$1" ;;
	esac
}

# check_list <file>: every line is "tag command args" with a known command
# and known profiles; tags are unique.
check_list()
{
	awk -v tests="$LAB_TOP/testcases" -v cfg="$LAB_TOP/configs" '
	function bad(msg) { printf "labyrinth: error: %s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"; err = 1 }
	function exists(f) { return (system("test -f \"" f "\"") == 0) }
	/^[ \t]*(#|$)/ { next }
	{
		if (NF < 2) { bad("expected \"tag command [args]\", got \"" $0 "\""); next }
		if ($1 !~ /^[A-Za-z0-9_.+-]+$/) { bad("bad tag \"" $1 "\" (letters, digits, _ . + - only)"); next }
		if ($1 in seen) { bad("tag \"" $1 "\" already used on line " seen[$1]); next }
		seen[$1] = FNR
		if ($2 !~ /^[A-Za-z0-9_.-]+$/ || !exists(tests "/" $2)) { bad("no test \"" $2 "\" in testcases/"); next }
		for (i = 3; i < NF; i++) {
			if ($i == "-f" && !exists(cfg "/fault/" $(i + 1) ".conf")) bad("no fault profile \"" $(i + 1) "\" in configs/fault/")
			if ($i == "-H" && !exists(cfg "/hog/" $(i + 1) ".conf")) bad("no hog profile \"" $(i + 1) "\" in configs/hog/")
		}
	}
	END { exit err ? 2 : 0 }' "$1" || exit 2
}

# check_profiles <list>: validate every profile the list names.
check_profiles()
{
	[ -f "$LAB_TOP/testcases/lib/profile.awk" ] || return 0
	awk '{ for (i = 3; i < NF; i++) {
		if ($i == "-f") print "fault", $(i + 1)
		if ($i == "-H") print "hog", $(i + 1) } }' "$1" | sort -u |
		while read -r kind name; do
			awk -v kind="$kind" -f "$LAB_TOP/testcases/lib/profile.awk" \
				"$LAB_TOP/configs/$kind/$name.conf" >/dev/null || exit 2
		done || exit 2
}

# resolve <out>: the numbered list of tests this run will do.
resolve()
{
	src=$(runtest_path "$RUNTEST")
	if [ ! -f "$src" ] || [ ! -r "$src" ]; then
		die "runtest list '$src' not found or not readable"
	fi
	check_list "$src"
	skip=${SKIP:-$LAB_TOP/runtest/skip}
	if [ -n "${SKIP:-}" ] && [ ! -r "$SKIP" ]; then
		die "SKIP=$SKIP not found or not readable"
	fi
	grep -Ev '^[[:space:]]*(#|$)' "$src" | awk -v pat="${TESTS:-}" -v skipf="$skip" '
		BEGIN {
			while ((getline l < skipf) > 0) {
				sub(/#.*/, "", l); gsub(/[ \t]/, "", l)
				if (l != "") skip[++n] = l
			}
		}
		{
			if (pat != "" && $1 !~ pat) next
			for (i = 1; i <= n; i++) if ($1 ~ "^(" skip[i] ")$") next
			print
		}' >"$1.sel"
	if [ -n "${EXTMOD:-}" ]; then
		ext_entries >>"$1.sel"
	fi
	# Numbers come from the whole selection, so shards keep them and
	# merge.sh can restore the order.
	awk '{ print NR, $0 }' "$1.sel" >"$1.num"
	if [ -n "${SHARD:-}" ]; then
		awk -v shard="${SHARD%/*}" -v shards="${SHARD#*/}" \
			-f "$SCRIPTS/shard.awk" "$1.num" >"$1.sel" || exit 2
	else
		mv "$1.num" "$1.sel"
	fi
	rm -f "$1.num"
	mv "$1.sel" "$1"
	[ -s "$1" ] || die "no tests selected from $src (TESTS='${TESTS:-}', SKIP, SHARD)"
}

# ext_entries: runtest/extmod's lines for every module EXTMOD holds.
ext_entries()
{
	tmpl=$LAB_TOP/runtest/extmod
	[ -f "$tmpl" ] || die "runtest/extmod not found"
	for m in $EXT_MODS; do
		grep -Ev '^[[:space:]]*(#|$)' "$tmpl" | sed "s/@MOD@/$m/g"
	done
}

ext_module_names()
{
	[ -d "$EXTMOD" ] || die "EXTMOD=$EXTMOD is not a folder"
	[ -f "$EXTMOD/Kbuild" ] || [ -f "$EXTMOD/Makefile" ] ||
		die "EXTMOD=$EXTMOD has neither a Kbuild nor a Makefile"
	# obj-m lines name the modules: obj-m += foo.o
	names=$(cat "$EXTMOD/Kbuild" "$EXTMOD/Makefile" 2>/dev/null |
		sed -n 's/^[[:space:]]*obj-m[[:space:]]*[:+]*=[[:space:]]*//p' |
		tr ' ' '\n' | sed -n 's/\.o$//p' | sort -u | tr '\n' ' ')
	[ -n "$names" ] || die "EXTMOD=$EXTMOD: no 'obj-m += <name>.o' line in its Kbuild or Makefile"
	printf '%s\n' "$names"
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

suite_version()
{
	git -C "$LAB_TOP" describe --always --dirty 2>/dev/null || echo unknown
}

write_meta()
{
	{
		echo "suite_format=$LAB_SUITE_FORMAT"
		echo "suite_version=$(suite_version)"
		echo "run_id=${RUN##*/}"
		echo "runtest=$RUNTEST"
		echo "tests=${TESTS:-}"
		echo "shard=${SHARD:-}"
		echo "duration=$LAB_DURATION"
		echo "kernel_release=$(cat "$KB/.lab-release" 2>/dev/null || make -s -C "$KB" kernelrelease 2>/dev/null || echo unknown)"
		echo "kernel_source=$(cat "$KB/.lab-source" 2>/dev/null || echo "${KSRC:-unknown}")"
		echo "kernel_build=$KB"
		echo "config_hash=$(hash_stdin <"$KB/.config")"
		echo "fragments=$(cd "$LAB_TOP/configs/kernel" && find . -maxdepth 1 -name "*.config" | sed "s|^\./||" | LC_ALL=C sort | tr '\n' ' ')${KASAN:+kasan=$KASAN}"
		echo "extmod=${EXTMOD:-}"
		echo "vcpus=$VCPUS"
		echo "mem=$MEM"
		echo "machine=pc"
		echo "hang_timeout=$HANG_TIMEOUT"
		echo "start=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		profiles_meta
	} >"$RUN/meta.env"
}

# profiles_meta: every knob of every profile the list names.
profiles_meta()
{
	awk '{ for (i = 3; i < NF; i++) {
		if ($i == "-f") print "fault", $(i + 1)
		if ($i == "-H") print "hog", $(i + 1) } }' "$RUN/list" | sort -u |
		while read -r kind name; do
			grep -Ev '^[[:space:]]*(#|$)' "$LAB_TOP/configs/$kind/$name.conf" |
				sed "s/^[[:space:]]*/profile.$kind.$name./"
		done
}

# guest_initrd <start>: the base image plus this boot's list and settings.
guest_initrd()
{
	g=$RUN/.guest
	rm -rf "$g"
	mkdir -p "$g/lab/run"
	cp "$RUN/list" "$g/lab/run/list"
	printf 'start=%s\nduration=%s\nseed=%s\n' "$1" "$LAB_DURATION" "${LAB_SEED:-1}" \
		>"$g/lab/run/env"
	(cd "$g" && find lab | cpio -o -H newc --quiet) >"$RUN/.run.cpio"
	cat "$IMG" "$RUN/.run.cpio" >"$RUN/.initrd"
	rm -rf "$g" "$RUN/.run.cpio"
}

# progress <channel> <qemu-pid>: one line per finished test, live.  A
# shell loop, not awk: some awks buffer a pipe and would print late.
progress()
{
	_n=$(find "$RUN/tests" -name result | wc -l)
	_tag=
	_secs=0
	tail -n +1 -s 0.5 -f --pid="$2" "$1" 2>/dev/null |
		while read -r lab what idx f4 f5 _; do
			[ "$lab" = LAB ] || continue
			case $what in
			START) _tag=$f4 ;;
			TIME) _secs=$f4 ;;
			RESULT)
				_n=$((_n + 1))
				_el=$(($(date +%s) - T0))
				_eta=$((_el * (TOTAL - _n) / _n))
				printf '[%*d/%d] %-5s %-40s %6ss  elapsed %d:%02d  eta %d:%02d\n' \
					"${#TOTAL}" "$_n" "$TOTAL" "$f5" "$_tag" "$_secs" \
					$((_el / 60)) $((_el % 60)) $((_eta / 60)) $((_eta % 60)) >&2
				;;
			esac
		done || :
}

boot_once()
{
	n=$1
	start=$2
	b=$RUN/boot-$n
	mkdir -p "$b"
	guest_initrd "$start"
	"$SCRIPTS/qemu.sh" boot "$KB/arch/x86/boot/bzImage" "$RUN/.initrd" \
		"$b/console.log" "$b/channel.log" &
	QPID=$!
	# Wait for the channel file, then follow it for live progress.
	while [ ! -f "$b/console.log.pid" ] && kill -0 "$QPID" 2>/dev/null; do
		sleep 0.1
	done
	progress "$b/channel.log" "$(cat "$b/console.log.pid" 2>/dev/null || echo "$QPID")"
	wait "$QPID" || die "qemu.sh failed for boot $n (see $b)"
	QPID=
	[ -f "$RUN/meta.env" ] && ! grep -q '^qemu_cmdline=' "$RUN/meta.env" &&
		echo "qemu_cmdline=$(cat "$b/console.log.cmdline")" >>"$RUN/meta.env"
	{ echo "==== boot $n from test $start"; cat "$b/console.log"; } >>"$RUN/console.log"
	{ echo "LAB HOST boot $n start $start"; cat "$b/channel.log"; } >>"$RUN/channel.log"
	"$SCRIPTS/collect.sh" "$RUN" "$n"
}

# boots: boot until the list is done, restarting after crashes.
boots()
{
	start=1
	n=0
	while :; do
		n=$((n + 1))
		if [ "$n" -gt "$MAX_BOOTS" ]; then
			info "stopping after $MAX_BOOTS boots (MAX_BOOTS)"
			break
		fi
		outcome=$(boot_once "$n" "$start")
		case $outcome in
		done) break ;;
		crashed*)
			idx=${outcome#crashed }
			info "guest ended in test $idx ($(cut -f2 "$RUN"/tests/"$idx"-*/result)); restarting"
			start=$((idx + 1))
			[ "$start" -le "$TOTAL" ] || break
			;;
		noboot*)
			info "the guest did not start a test: ${outcome#noboot }"
			awk -v s="$start" '$1 >= s { print $1, $2 }' "$RUN/list" |
				while read -r idx tag; do
					mkdir -p "$RUN/tests/$idx-$tag"
					printf 'fail\tboot: %s\n' "${outcome#noboot }" \
						>"$RUN/tests/$idx-$tag/result"
				done
			break
			;;
		esac
	done
	echo "boots=$n" >>"$RUN/meta.env"
}

reports()
{
	for s in ktap tsv junit html; do
		if [ -x "$SCRIPTS/$s.sh" ]; then
			"$SCRIPTS/$s.sh" "$RUN" || info "$s report failed"
		fi
	done
}

on_interrupt()
{
	trap - INT TERM
	info "interrupted: stopping the guest, reporting what finished"
	for p in "$RUN"/boot-*/console.log.pid; do
		[ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
	wait 2>/dev/null || :
	echo "interrupted=1" >>"$RUN/meta.env"
	# Only tests that finished are reported.
	for t in "$RUN"/tests/*; do
		[ -f "$t/result" ] || rm -rf "$t"
	done
	awk -v d="$RUN/tests" '{ f = d "/" $1 "-" $2 "/result"; if ((getline x < f) > 0) print; close(f) }' \
		"$RUN/list" >"$RUN/list.done"
	mv "$RUN/list.done" "$RUN/list"
	finish
	exit 130
}

finish()
{
	echo "end=$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$RUN/meta.env"
	reports
	ln -sfn "${RUN##*/}" "$(dirname "$RUN")/latest"
	summary
}

summary()
{
	awk -v d="$RUN/tests" '
	{ f = d "/" $1 "-" $2 "/result"; st = "error"; why = "missing: no result"
	  if ((getline l < f) > 0) { split(l, a, "\t"); st = a[1]; why = a[2] }
	  close(f); c[st]++
	  if (st != "ok" && st != "skip") printf "labyrinth: not ok %d %s # %s\n", $1, $2, why > "/dev/stderr" }
	END { printf "labyrinth: %d tests: %d passed, %d failed, %d skipped, %d errors\n", \
		NR, c["ok"], c["fail"], c["skip"], c["error"] > "/dev/stderr"
	      exit (c["fail"] + c["error"] > 0) ? 1 : 0 }' "$RUN/list"
	rc=$?
	info "results: $RUN"
	for f in ktap.txt junit.xml report.html; do
		[ -f "$RUN/$f" ] && info "  $RUN/$f"
	done
	return "$rc"
}

main()
{
	check_vars
	EXT_MODS=
	if [ -n "${EXTMOD:-}" ]; then
		EXT_MODS=$(ext_module_names)
	fi
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	resolve "$tmp/list"
	check_profiles "$tmp/list"
	KB=$("$SCRIPTS/kernel.sh")
	KO=$("$SCRIPTS/modules.sh" "$KB")
	IMG=$("$SCRIPTS/image.sh" "$KO")
	RUN=$(new_run_dir)
	cp "$tmp/list" "$RUN/list"
	mkdir -p "$RUN/tests"
	TOTAL=$(wc -l <"$RUN/list")
	T0=$(date +%s)
	QPID=
	write_meta
	trap on_interrupt INT TERM
	info "run ${RUN##*/}: $TOTAL tests from $RUNTEST on $(cat "$KB/.lab-release" 2>/dev/null || echo "$KB"), $VCPUS vCPUs, $MEM, accel $("$SCRIPTS/qemu.sh" accel "$KB/arch/x86/boot/bzImage")"
	echo "accel=$("$SCRIPTS/qemu.sh" accel "$KB/arch/x86/boot/bzImage")" >>"$RUN/meta.env"
	boots
	rm -f "$RUN/.initrd"
	trap - INT TERM
	rc=0
	finish || rc=$?
	exit "$rc"
}

main "$@"
