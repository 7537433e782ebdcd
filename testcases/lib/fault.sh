#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Fault profiles: fail_page_alloc and failslab set from a profile in
# $LAB_CONFIGS/fault/<name>.conf (validated by profile.awk).  Sourced after
# lab.sh; needs lab_module_text (engine.sh) for module-scoped profiles.
#
#   fault_apply <profile> [module]  set the knobs; every knob is saved and
#                                   put back when the test ends
#   fault_off                       no more failures from now on (probability
#                                   0; the saved values are still restored)
#   fault_injected                  failures injected since fault_apply
#                                   (fault_count: in FAULT_INJECTED)
#   fault_active                    true when the profile injects at all
#   fault_load_sweep <module> <ko> [params]
#                                   with a scope=load profile: load the
#                                   module failing its init's 1st, 2nd, ...
#                                   allocation until a load makes none
#
# Injected failures are counted from the "times" knob: a profile's times=-1
# (no limit) is set as FAULT_TIMES_BIG instead, and every injected failure
# takes one off it.
#
# FAULT_DEBUGFS (/sys/kernel/debug) points elsewhere to check these helpers
# against saved files.

LAB_LIB=${LAB_LIB:-./lib}
FAULT_DEBUGFS=${FAULT_DEBUGFS:-/sys/kernel/debug}
FAULT_TIMES_BIG=1000000000
FAULT_PROFILE=none
FAULT_TARGETS=
FAULT_PROBABILITY=0
FAULT_SCOPE=global
FAULT_TIMES_SET=0
FAULT_KALLSYMS=${FAULT_KALLSYMS:-/proc/kallsyms}
FAULT_SWEEP_MAX=${FAULT_SWEEP_MAX:-200}

fault_dir()
{
	case $1 in
	page) FAULT_DIR=$FAULT_DEBUGFS/fail_page_alloc ;;
	slab) FAULT_DIR=$FAULT_DEBUGFS/failslab ;;
	esac
}

# fault_set_target <dir> <page|slab> <start> <end>: the knobs of one
# fault_attr; probability last, so nothing fails before all is set.
fault_set_target()
{
	_d=$1
	[ -d "$_d" ] || lab_fail setup "no $_d (kernel without fault injection?)"
	lab_write "$_d/probability" 0
	lab_write "$_d/interval" "$f_interval"
	lab_write "$_d/times" "$FAULT_TIMES_SET"
	lab_write "$_d/space" "$f_space"
	lab_write "$_d/verbose" "$f_verbose"
	lab_write "$_d/task-filter" N
	lab_write "$_d/ignore-gfp-wait" "$f_ignore_gfp_wait"
	if [ "$2" = page ]; then
		lab_write "$_d/ignore-gfp-highmem" "$f_ignore_gfp_highmem"
		lab_write "$_d/min-order" "$f_min_order"
	fi
	if [ -e "$_d/require-start" ]; then
		lab_write "$_d/stacktrace-depth" "$f_stacktrace_depth"
		lab_write "$_d/reject-start" 0
		lab_write "$_d/reject-end" 0
		lab_write "$_d/require-start" "$3"
		lab_write "$_d/require-end" "$4"
	elif [ "$FAULT_SCOPE" != global ]; then
		# Older kernels (6.1 among them) have no stack filter on x86_64.
		lab_skip "module-scoped profile $FAULT_PROFILE needs the stack filter (CONFIG_FAULT_INJECTION_STACKTRACE_FILTER), not in this kernel"
	fi
	lab_write "$_d/probability" "$FAULT_PROBABILITY"
}

fault_apply()
{
	FAULT_PROFILE=$1
	_mod=${2:-}
	_fp=$LAB_CONFIGS/fault/$FAULT_PROFILE.conf
	[ -f "$_fp" ] || lab_fail setup "no fault profile '$FAULT_PROFILE' ($_fp)"
	_norm=$(awk -v kind=fault -f "$LAB_LIB/profile.awk" "$_fp" 2>"$LAB_OUT/.fault.err") ||
		lab_fail setup "fault profile: $(cat "$LAB_OUT/.fault.err")"
	while IFS='=' read -r _k _v; do
		case $_k in
		target) f_target=$_v ;;
		probability) FAULT_PROBABILITY=$_v ;;
		interval) f_interval=$_v ;;
		times) f_times=$_v ;;
		space) f_space=$_v ;;
		min-order) f_min_order=$_v ;;
		ignore-gfp-wait) f_ignore_gfp_wait=$_v ;;
		ignore-gfp-highmem) f_ignore_gfp_highmem=$_v ;;
		verbose) f_verbose=$_v ;;
		scope) FAULT_SCOPE=$_v ;;
		stacktrace-depth) f_stacktrace_depth=$_v ;;
		*) lab_fail setup "profile.awk printed unknown key '$_k'" ;;
		esac
	done <<EOF
$_norm
EOF
	case $f_target in
	both) FAULT_TARGETS="page slab" ;;
	*) FAULT_TARGETS=$f_target ;;
	esac
	FAULT_TIMES_SET=$f_times
	[ "$f_times" = -1 ] && FAULT_TIMES_SET=$FAULT_TIMES_BIG
	_start=0
	_end=0xffffffffffffffff
	if [ "$FAULT_SCOPE" = load ]; then
		# Any text above the kernel's own: module text.
		_start=$(fault_kernel_etext) ||
			lab_fail setup "no _etext in $FAULT_KALLSYMS"
	elif [ "$FAULT_SCOPE" = module ]; then
		[ -n "$_mod" ] ||
			lab_fail setup "fault profile $FAULT_PROFILE is module-scoped but no module was named"
		_range=$(lab_module_text "$_mod") ||
			lab_fail setup "no text range for module $_mod"
		_start=${_range% *}
		_end=${_range#* }
		case $_start$_end in
		*[!0-9a-fA-Fx]* | '') lab_fail setup "bad text range '$_range' for $_mod" ;;
		esac
		case $_start in 0x*) ;; *) _start=0x$_start ;; esac
		case $_end in 0x*) ;; *) _end=0x$_end ;; esac
	fi
	for _t in $FAULT_TARGETS; do
		fault_dir "$_t"
		fault_set_target "$FAULT_DIR" "$_t" "$_start" "$_end"
	done
	lab_info "fault $FAULT_PROFILE: targets=$FAULT_TARGETS probability=$FAULT_PROBABILITY interval=$f_interval scope=$FAULT_SCOPE${_mod:+ module=$_mod} range=$_start-$_end"
	lab_kmsg "fault $FAULT_PROFILE on: probability=$FAULT_PROBABILITY interval=$f_interval scope=$FAULT_SCOPE"
}

fault_active()
{
	[ -n "$FAULT_TARGETS" ] && [ "$FAULT_PROBABILITY" -gt 0 ]
}

fault_off()
{
	for _t in $FAULT_TARGETS; do
		fault_dir "$_t"
		printf '0\n' >"$FAULT_DIR/probability" ||
			lab_fail setup "cannot switch $_t fault injection off"
	done
	lab_kmsg "fault $FAULT_PROFILE off"
}

# fault_count: FAULT_INJECTED, the failures injected since fault_apply,
# without a fork (fault_injected prints it).
fault_count()
{
	FAULT_INJECTED=0
	for _t in $FAULT_TARGETS; do
		case $_t in
		page) _d=$FAULT_DEBUGFS/fail_page_alloc ;;
		*) _d=$FAULT_DEBUGFS/failslab ;;
		esac
		read -r _now <"$_d/times"
		FAULT_INJECTED=$((FAULT_INJECTED + FAULT_TIMES_SET - _now))
	done
}

fault_injected()
{
	fault_count
	printf '%s\n' "$FAULT_INJECTED"
}

# fault_kernel_etext: the end of the kernel's own text, 0x<hex>.
fault_kernel_etext()
{
	awk '$3 == "_etext" && $1 !~ /^0+$/ { print "0x" $1; f = 1; exit }
	     END { exit !f }' "$FAULT_KALLSYMS"
}


# fault_profile_scope <profile>: the profile's scope (global, module, load).
fault_profile_scope()
{
	awk -v kind=fault -f "$LAB_LIB/profile.awk" "$LAB_CONFIGS/fault/$1.conf" 2>/dev/null |
		sed -n 's/^scope=//p'
}
# fault_load_sweep <module> <path> [params...]: with a scope=load profile
# applied, load the module again and again, the n-th load failing the n-th
# allocation made with module text on the stack (its init's), until a load
# makes no injected failure; that load stays (unloaded when the test ends).
# Busybox's insmod loads again by itself (init_module after finit_module)
# when a load fails, without injection (fail-nth is spent): so every failed
# load is followed by one that must work.  Sets FAULT_SWEEP_LOADS.
fault_load_sweep()
{
	_m=$1
	_ko=$2
	shift 2
	FAULT_SWEEP_LOADS=0
	while :; do
		FAULT_SWEEP_LOADS=$((FAULT_SWEEP_LOADS + 1))
		[ "$FAULT_SWEEP_LOADS" -le "$FAULT_SWEEP_MAX" ] ||
			lab_skip "load sweep: $_m still made injected failures after $FAULT_SWEEP_MAX loads"
		_inj0=$(fault_injected)
		_rc=0
		# fail-nth belongs to the task; exec keeps it for insmod.
		sh -c 'n=$1; shift; printf "%s\n" "$n" >/proc/self/fail-nth && exec insmod "$@"' \
			sh "$FAULT_SWEEP_LOADS" "$_ko" "$@" 2>"$LAB_OUT/.insmod" || _rc=$?
		_inj=$(($(fault_injected) - _inj0))
		[ "$_rc" -eq 0 ] ||
			lab_fail setup "load sweep: insmod $_m failed (load $FAULT_SWEEP_LOADS, $_inj failures injected, and the load after it): $(head -n 1 "$LAB_OUT/.insmod")"
		if [ "$_inj" -eq 0 ]; then
			lab_on_exit "lab_loaded '$_m' && rmmod '$_m'"
			break
		fi
		rmmod "$_m" 2>"$LAB_OUT/.rmmod" ||
			lab_fail unload "rmmod $_m after load $FAULT_SWEEP_LOADS (its allocation $FAULT_SWEEP_LOADS failed): $(head -n 1 "$LAB_OUT/.rmmod")"
	done
	lab_info "load sweep: allocations 1-$((FAULT_SWEEP_LOADS - 1)) made through $_m's init failed in turn, one per load; load $FAULT_SWEEP_LOADS made no injected failure"
}
