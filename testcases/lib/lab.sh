#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Core of the guest-side test library: verdicts, data records, module
# loading and state that must be restored when the test ends.  Sourced by
# every test:  . "${LAB_LIB:-./lib}/lab.sh"

LAB_OUT=${LAB_OUT:-/tmp/lab-out}
LAB_MODDIR=${LAB_MODDIR:-/lab/modules}
LAB_CONFIGS=${LAB_CONFIGS:-/lab/configs}
LAB_DURATION=${LAB_DURATION:-10}
LAB_TAG=${LAB_TAG:-$(basename "$0" .sh)}
mkdir -p "$LAB_OUT"

# Restore actions run in reverse order of registration from one EXIT trap.
LAB_RESTORE="$LAB_OUT/.restore"
: >"$LAB_RESTORE"

lab_info()
{
	printf '# %s\n' "$*"
}

# lab_fail <category> <title...>: record the verdict and end the test.
lab_fail()
{
	_cat=$1
	shift
	printf '%s: %s\n' "$_cat" "$*" >"$LAB_OUT/verdict"
	lab_info "FAIL $_cat: $*"
	exit 1
}

# lab_skip <reason...>: the test cannot run here; say why.
lab_skip()
{
	printf '%s\n' "$*" >"$LAB_OUT/verdict"
	lab_info "SKIP $*"
	exit 4
}

# lab_data <kind> key=value...: one machine-readable record.
lab_data()
{
	printf '%s\n' "$*" >>"$LAB_OUT/data"
}

# lab_kmsg <text>: a line in the kernel log, to mark phases in a slice.
lab_kmsg()
{
	printf '<6>labyrinth: %s\n' "$*" >/dev/kmsg 2>/dev/null || :
}

# lab_on_exit <shell command>: run it when the test ends, last first.
lab_on_exit()
{
	printf '%s\n' "$*" | cat - "$LAB_RESTORE" >"$LAB_RESTORE.new"
	mv "$LAB_RESTORE.new" "$LAB_RESTORE"
}

# lab_write <file> <value>: write a sysfs/debugfs/procfs knob, saving the
# old value so it is put back when the test ends.
lab_write()
{
	_f=$1
	_v=$2
	[ -e "$_f" ] || lab_fail setup "no such knob $_f"
	_old=$(cat "$_f") || lab_fail setup "cannot read $_f"
	lab_on_exit "printf '%s\\n' '$_old' >'$_f' 2>/dev/null"
	printf '%s\n' "$_v" >"$_f" || lab_fail setup "cannot write '$_v' to $_f"
}

lab_run_restore()
{
	[ -s "$LAB_RESTORE" ] || return 0
	while IFS= read -r _cmd; do
		sh -c "$_cmd" || :
	done <"$LAB_RESTORE"
	: >"$LAB_RESTORE"
}

lab_exit_trap()
{
	_rc=$?
	trap - EXIT INT TERM
	lab_run_restore
	exit "$_rc"
}
trap lab_exit_trap EXIT
trap 'exit 130' INT TERM

# lab_need_module <name>: the path of a built module, or skip.
lab_module_path()
{
	for _p in "$LAB_MODDIR/$1.ko" "$LAB_MODDIR"/*/"$1.ko"; do
		[ -f "$_p" ] && { printf '%s\n' "$_p"; return 0; }
	done
	return 1
}

# lab_insmod <name> [params...]: load a module, unload it at exit.
lab_insmod()
{
	_m=$1
	shift
	_p=$(lab_module_path "$_m") || lab_fail setup "module $_m not in image"
	insmod "$_p" "$@" || lab_fail setup "insmod $_m $* failed"
	lab_on_exit "grep -q '^$_m ' /proc/modules && rmmod '$_m'"
}

# lab_rmmod <name>: unload now; failure to unload is a test failure.
lab_rmmod()
{
	grep -q "^$1 " /proc/modules || return 0
	rmmod "$1" || lab_fail unload "rmmod $1 failed"
}

lab_tainted()
{
	cat /proc/sys/kernel/tainted
}

# lab_uptime_ms: monotonic milliseconds since boot.
lab_uptime_ms()
{
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}
