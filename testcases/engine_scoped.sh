#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: engine_scoped
# contexts: all (lab_engine's table, debugfs contexts)
# orders: 0-2
# fault: fail_page_alloc probability=100 interval=1 min-order=0 ignore-gfp-wait=N, stack filter on one module's text
# hog: none
# duration: 4
# timeout: 120
# needs: lab_engine labyrinth
#
# Module-scoped injection reaches every context, and nothing else.  The
# stack filter (require-start/require-end, stacktrace-depth=32) is set to
# the engine's text with probability 100, sleeping allocations included:
# every allocation the engine makes, in hardirq, softirq and process
# context, must fail, while labyrinth's allocations and a user-space
# write into tmpfs made at the same time must not.  Then the other way
# round: the filter on labyrinth's text must fail all of its allocations
# and none of the engine's (labyrinth runs first here: the filter matches
# any of the 32 innermost frames, and an interrupt taken while labyrinth
# runs has labyrinth's frames beneath the engine's).  The engine's start
# runs with failslab scoped to the engine's text as well: a start must
# allocate nothing (its kthreads are made, parked, at reset), or it would
# fail whenever a slab needed a fresh page under the filter.  Skips on
# kernels without the stack filter.
# Fails with
#   scope:      an engine allocation escaped the filter, or one made
#               outside the scoped module failed, or the engine's start
#               allocated (it failed under injection scoped to the engine)
#   accounting: attempts != successes + failures, or pages outstanding

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"
. "$LAB_LIB/engine.sh"

FPA=/sys/kernel/debug/fail_page_alloc
FSL=/sys/kernel/debug/failslab
LBY=/sys/kernel/debug/labyrinth
SECS=${LAB_DURATION:-4}
[ "$SECS" -le 8 ] || SECS=8
BUDGET_MB=32

# scope_to <module>: fail every page allocation made through its text.
scope_to()
{
	_r=$(lab_module_text "$1") || lab_fail setup "no text range for $1"
	lab_info "scope: $1 text $_r"
	printf '0\n' >"$FPA/probability"
	lab_write "$FPA/require-start" "${_r% *}"
	lab_write "$FPA/require-end" "${_r#* }"
	lab_write "$FPA/probability" 100
}

setup_knobs()
{
	[ -e "$FPA/require-start" ] ||
		lab_skip "no fail_page_alloc stack filter (CONFIG_FAULT_INJECTION_STACKTRACE_FILTER)"
	lab_write "$FPA/probability" 0
	lab_write "$FPA/interval" 1
	lab_write "$FPA/times" -1
	lab_write "$FPA/space" 0
	lab_write "$FPA/verbose" 0
	lab_write "$FPA/task-filter" N
	lab_write "$FPA/min-order" 0
	lab_write "$FPA/ignore-gfp-wait" N
	lab_write "$FPA/ignore-gfp-highmem" N
	lab_write "$FPA/stacktrace-depth" 32
	lab_write "$FPA/reject-start" 0
	lab_write "$FPA/reject-end" 0
	[ -e "$FSL/require-start" ] || lab_fail setup "no failslab stack filter ($FSL)"
	lab_write "$FSL/probability" 0
	lab_write "$FSL/interval" 1
	lab_write "$FSL/times" -1
	lab_write "$FSL/space" 0
	lab_write "$FSL/verbose" 0
	lab_write "$FSL/task-filter" N
	lab_write "$FSL/ignore-gfp-wait" N
	lab_write "$FSL/cache-filter" N
	lab_write "$FSL/stacktrace-depth" 32
	lab_write "$FSL/reject-start" 0
	lab_write "$FSL/reject-end" 0
	lab_write "$FSL/require-start" 0
	lab_write "$FSL/require-end" 0
}

# start_unfailable: start the engine while every slab allocation made
# through its text fails, too (only for the start: the engine's debugfs
# files allocate when they are opened).  Creating a kthread allocates in
# the caller's context: a start that did would fail here every time.
start_unfailable()
{
	_r=$(lab_module_text lab_engine) || lab_fail setup "no text range for lab_engine"
	if ! printf '%s\n' "${_r% *}" >"$FSL/require-start" ||
		! printf '%s\n' "${_r#* }" >"$FSL/require-end" ||
		! printf '100\n' >"$FSL/probability"; then
		lab_fail setup "cannot scope failslab to lab_engine"
	fi
	_rc=0
	printf 'run %s\n' $((SECS * 1000)) >"$ENGINE_DIR/control" 2>/dev/null || _rc=1
	printf '0\n' >"$FSL/probability"
	[ "$_rc" -eq 0 ] ||
		lab_fail scope "the engine's start failed under injection scoped to the engine: it allocates (see the kernel log)"
}

# fragment_taken: run a labyrinth pass; TAKEN, the pages it took (its
# stats read by the shell: no fork).
fragment_taken()
{
	printf 'release\n' >"$LBY/control"
	printf 'fragment\n' >"$LBY/control" || lab_fail setup "labyrinth refused to fragment"
	TAKEN=
	while read -r _w _; do
		case $_w in taken_pages=*) TAKEN=${_w#taken_pages=} ;; esac
	done <"$LBY/stats"
	[ -n "$TAKEN" ] || lab_fail setup "no taken_pages in $LBY/stats"
}

# shm_mount: a tmpfs on /dev/shm for user_write (the mounts read by the
# shell: no fork).
shm_mount()
{
	while read -r _dev _dir _fs _; do
		[ "$_dir $_fs" != "/dev/shm tmpfs" ] || return 0
	done </proc/mounts
	[ -d /dev/shm ] || mkdir -p /dev/shm
	mount -t tmpfs shm /dev/shm || lab_fail setup "cannot mount a tmpfs on /dev/shm"
}

# user_write: 8 MiB into tmpfs from user space (dd's count of what it
# wrote read by the shell); 0 on success.  The file is emptied, not
# removed (a fork less): main removes it at the end.
user_write()
{
	_ok=0
	dd if=/dev/zero of=/dev/shm/engine_scoped bs=64k count=128 2>"$LAB_OUT/.dd" || _ok=1
	_out=
	while read -r _l; do
		case $_l in *' records out'*) _out=${_l%% *} ;; esac
	done <"$LAB_OUT/.dd"
	[ "$_out" = 128+0 ] || _ok=1
	: >/dev/shm/engine_scoped
	return "$_ok"
}

# per_ctx: "ctx attempts successes failures" per context, orders summed.
per_ctx()
{
	awk '/^ctx=/ && / order=/ {
		c = substr($1, 5)
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			v[c, kv[1]] += kv[2]
		}
		if (!(c in seen)) { seen[c] = 1; order[++n] = c }
	}
	END {
		for (i = 1; i <= n; i++)
			print order[i], v[order[i], "attempts"] + 0, v[order[i], "successes"] + 0, v[order[i], "failures"] + 0
	}' "$ENGINE_DIR/stats"
}

# engine_phase <module> together|apart: the engine runs under a filter on
# <module> while labyrinth and user space allocate, or labyrinth and user
# space first (an interrupt that arrives while labyrinth runs carries its
# frames beneath the engine's: the filter sees them and fails the engine).
engine_phase()
{
	engine_reset
	scope_to "$1"
	lab_phase stress
	if [ "$2" = apart ]; then
		# the user-space write on the other CPU while labyrinth
		# fragments (both before the engine runs); its status
		# through a file
		(
			_u=0
			user_write || _u=1
			echo "$_u" >"$LAB_OUT/.user"
		) &
		_uw=$!
		fragment_taken
		wait "$_uw" || :
		_user=1
		read -r _user <"$LAB_OUT/.user" || :
		engine_ctl "run $((SECS * 1000))"
	else
		start_unfailable
		fragment_taken
		_user=0
		user_write || _user=1
	fi
	_taken=$TAKEN
	engine_wait
	engine_stop
	lab_phase check
	printf '0\n' >"$FPA/probability"
	engine_record "$LAB_TAG" check
}

main()
{
	setup_knobs
	# loaded once: every context of the loaded engine's table is set,
	# and taken at the first phase's reset
	# (1 s windows: the verdict is on sums, and 0.25 s windows were 600
	# records, 0.8 s of the serial line's time under TCG)
	engine_load orders=0-2 rate_hz=200 batch=4 hold=8 gfp=atomic_nowarn window_ms=1000
	engine_all_set
	lab_insmod labyrinth order=3 budget_mb="$BUDGET_MB"
	shm_mount

	lab_kmsg "engine_scoped: filter on lab_engine"
	engine_phase lab_engine together
	per_ctx >"$LAB_OUT/.per_ctx"
	_n=0
	while read -r _c _a _s _f; do
		lab_info "scoped to the engine: ctx=$_c attempts=$_a successes=$_s failures=$_f"
		lab_data "sum test=$LAB_TAG scope=lab_engine ctx=$_c attempts=$_a successes=$_s failures=$_f injected=$_f"
		[ "$_a" -gt 0 ] || lab_fail setup "ctx=$_c made no attempt"
		[ "$_s" -eq 0 ] || lab_fail scope "ctx=$_c: $_s of $_a allocations escaped the filter on lab_engine"
		_n=$((_n + 1))
	done <"$LAB_OUT/.per_ctx"
	[ "$_n" -eq 9 ] || lab_fail setup "statistics for $_n contexts, expected 9"
	lab_info "outside the scope: labyrinth took $_taken pages, user write status $_user"
	[ "$_taken" -gt 0 ] || lab_fail scope "labyrinth's allocations failed under a filter on lab_engine"
	[ "$_user" -eq 0 ] || lab_fail scope "a user-space write failed under a filter on lab_engine"

	lab_kmsg "engine_scoped: filter on labyrinth"
	engine_phase labyrinth apart
	# (summed by engine_record's read)
	_fails=$ENGINE_REC_FAILURES
	_att=$ENGINE_REC_ATTEMPTS
	lab_info "scoped to labyrinth: engine attempts=$_att failures=$_fails, labyrinth took $_taken pages"
	lab_data "sum test=$LAB_TAG scope=labyrinth attempts=$_att failures=$_fails labyrinth_taken=$_taken"
	[ "$_taken" -eq 0 ] || lab_fail scope "labyrinth took $_taken pages under a filter on its own text"
	[ "$_att" -gt 0 ] || lab_fail setup "the engine made no attempt"
	[ "$_fails" -eq 0 ] || lab_fail scope "$_fails engine allocations failed under a filter on labyrinth"
	[ "$_user" -eq 0 ] || lab_fail scope "a user-space write failed under a filter on labyrinth"
	printf 'release\n' >"$LBY/control"
	lab_rmmod labyrinth
	lab_rmmod lab_engine
	rm -f /dev/shm/engine_scoped
}

main "$@"
