#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Memory hogs from a profile in $LAB_CONFIGS/hog/<name>.conf (validated by
# profile.awk): none, stress-ng, or the labyrinth fragmenter module.
# Sourced after lab.sh, with verdict.sh (verdict_quarantine).
#
#   hog_start <profile>     start the hog and wait until it holds its memory
#   hog_check               the hog is still healthy (stress-ng alive)
#   hog_stop                stop it; stress-ng's exit status must be sane,
#                           and none of its processes may outlive it
#   hog_frag_confirm [K [N]]
#                           at most N free blocks of order >= K remain
#                           (default: the profile's frag-order and
#                           frag-max-free), within HOG_CONFIRM_S seconds
#                           (labyrinth: passes);
#                           otherwise the test fails with
#                           "setup: hog did not fragment", since a test that
#                           claims fragmentation but ran without it would
#                           pass for the wrong reason
#   hog_frag_record <phase> /proc/buddyinfo as "frag" data records
#   hog_state_record <phase>
#                           both records below in one read
#   hog_mm_record <phase>   the allocator's own view as data records:
#                           "pagetype" (free blocks per order and migrate
#                           type, from /proc/pagetypeinfo, so the free
#                           blocks of the high-order atomic reserve),
#                           "pageblocks" (pageblocks per migrate type),
#                           "pcp" (pages on each CPU's per-CPU lists, from
#                           /proc/zoneinfo) and
#                           "vmstat" (its allocation, compaction and
#                           reclaim counters).  With page_owner on, reading
#                           /proc/pagetypeinfo drains the per-CPU lists:
#                           call it where that cannot change a measurement.
#
# For labyrinth, hog_frag_confirm asks for further passes (each takes what
# merged since the last) until no block of order >= K is left, at most
# HOG_CONFIRM_S of them; then at most N may remain.  It writes a "hog"
# record: the goal (order, max), the blocks of order >= K left when it
# held (left), the further passes (repasses), the milliseconds from
# hog_start until then (goal_ms) and, for labyrinth, its first pass
# (pass_ms, taken_pages, held_pages, pass_left: blocks of order >= K after
# that pass).
#
# HOG_FRAG_ORDER is the profile's frag-order (empty: nothing to confirm).
# HOG_PROC (/proc) points elsewhere to check these helpers against saved
# files.

HOG_TYPE=none
HOG_NAME=
HOG_PID=
HOG_T0=
HOG_PASS=
HOG_REPASSES=0
HOG_LBY=${HOG_LBY:-/sys/kernel/debug/labyrinth}
HOG_FRAG_ORDER=
HOG_FRAG_MAX=0
HOG_SETTLE_S=${HOG_SETTLE_S:-30}
HOG_CONFIRM_S=${HOG_CONFIRM_S:-10}
HOG_POLL_MS=${HOG_POLL_MS:-200}
HOG_PROC=${HOG_PROC:-/proc}
HOG_BUDDYINFO=$HOG_PROC/buddyinfo

hog_read()
{
	_fp=$LAB_CONFIGS/hog/$1.conf
	[ -f "$_fp" ] || lab_fail setup "no hog profile '$1' ($_fp)"
	_norm=$(awk -v kind=hog -f "$LAB_LIB/profile.awk" "$_fp" 2>"$LAB_OUT/.hog.err") ||
		lab_fail setup "hog profile: $(cat "$LAB_OUT/.hog.err")"
	while IFS='=' read -r _k _v; do
		case $_k in
		type) HOG_TYPE=$_v ;;
		vm) h_vm=$_v ;;
		vm-bytes) h_vm_bytes=$_v ;;
		vm-keep) h_vm_keep=$_v ;;
		vm-populate) h_vm_populate=$_v ;;
		bigheap) h_bigheap=$_v ;;
		mmap) h_mmap=$_v ;;
		mmap-bytes) h_mmap_bytes=$_v ;;
		oom-avoid) h_oom_avoid=$_v ;;
		oomable) h_oomable=$_v ;;
		order) h_order=$_v ;;
		budget-mb) h_budget=$_v ;;
		reserve-mb) h_reserve=$_v ;;
		frag-order) HOG_FRAG_ORDER=$_v ;;
		frag-max-free) HOG_FRAG_MAX=$_v ;;
		*) lab_fail setup "profile.awk printed unknown key '$_k'" ;;
		esac
	done <<EOF
$_norm
EOF
}

hog_memfree_kb()
{
	awk '$1 == "MemFree:" { print $2 }' "$HOG_PROC/meminfo"
}

# hog_frag_ok: the profile's fragmentation goal holds now.
hog_frag_ok()
{
	[ "$(hog_free_blocks "$1")" -le "$2" ]
}

# hog_settle: wait until the hog reached its goal (the fragmentation the
# profile asks for, looked at every HOG_POLL_MS, else free memory that
# stopped falling), at most HOG_SETTLE_S seconds.
hog_settle()
{
	if [ -n "$HOG_FRAG_ORDER" ]; then
		_i=0
		until hog_frag_ok "$HOG_FRAG_ORDER" "$HOG_FRAG_MAX"; do
			[ $((_i * HOG_POLL_MS)) -lt $((HOG_SETTLE_S * 1000)) ] || break
			lab_sleep_ms "$HOG_POLL_MS"
			_i=$((_i + 1))
			hog_check
		done
		lab_info "hog settled after $((_i * HOG_POLL_MS)) ms, MemFree $(hog_memfree_kb) kB"
		return 0
	fi
	_prev=$(hog_memfree_kb)
	_i=0
	while [ "$_i" -lt "$HOG_SETTLE_S" ]; do
		sleep 1
		_i=$((_i + 1))
		hog_check
		_now=$(hog_memfree_kb)
		# Settled: less than 1% of change in a second, after 3 seconds.
		if [ "$_i" -ge 3 ] &&
			[ $(((_prev - _now) * 100)) -lt "$_prev" ] &&
			[ $(((_now - _prev) * 100)) -lt "$_prev" ]; then
			break
		fi
		_prev=$_now
	done
	lab_info "hog settled after ${_i}s, MemFree $(hog_memfree_kb) kB"
}

hog_start_stressng()
{
	command -v stress-ng >/dev/null 2>&1 || lab_fail setup "stress-ng not in the guest"
	set --
	[ "$h_vm" -gt 0 ] && set -- "$@" --vm "$h_vm" --vm-bytes "$h_vm_bytes"
	[ "$h_vm" -gt 0 ] && [ "$h_vm_keep" = Y ] && set -- "$@" --vm-keep
	[ "$h_vm" -gt 0 ] && [ "$h_vm_populate" = Y ] && set -- "$@" --vm-populate
	[ "$h_bigheap" -gt 0 ] && set -- "$@" --bigheap "$h_bigheap"
	[ "$h_mmap" -gt 0 ] && set -- "$@" --mmap "$h_mmap" --mmap-bytes "$h_mmap_bytes"
	[ "$h_oom_avoid" = Y ] && set -- "$@" --oom-avoid
	[ "$h_oomable" = Y ] && set -- "$@" --oomable
	lab_info "hog: stress-ng $*"
	if [ -n "${ENGINE_ABOVE:-}" ]; then
		# the shell runs above the engine (engine_above): the hog at
		# nice 0, before it forks its workers (the subshell's own pid
		# from /proc/self, read by the shell)
		(
			read -r _self _ </proc/self/stat
			renice 0 -p "$_self" >/dev/null 2>&1 || :
			exec stress-ng "$@" --timeout 0
		) >"$LAB_OUT/hog.log" 2>&1 &
	else
		stress-ng "$@" --timeout 0 >"$LAB_OUT/hog.log" 2>&1 &
	fi
	HOG_PID=$!
	# Killed at exit if the test ends early; hog_stop does it properly.
	lab_on_exit "kill -INT $HOG_PID 2>/dev/null && sleep 1 && kill -KILL $HOG_PID 2>/dev/null; :"
	hog_settle
}

hog_start_labyrinth()
{
	lab_insmod labyrinth order="$h_order" budget_mb="$h_budget" reserve_mb="$h_reserve"
	_ctl=$HOG_LBY/control
	[ -e "$_ctl" ] || lab_fail setup "no $_ctl"
	# Under KASAN, slabs whose objects wait in its quarantine would be freed
	# during the test and merge back into high-order blocks: free them now.
	verdict_quarantine
	printf 'fragment\n' >"$_ctl" || lab_fail setup "labyrinth: fragment failed"
	_st=$(tr '\n' ' ' <"$HOG_LBY/stats")
	lab_info "hog: labyrinth $_st"
	HOG_PASS=$(hog_pass_summary "$_st" "$h_order")
}

# hog_pass_summary <stats> <K>: labyrinth's stats (one line) as
# "pass_ms= taken_pages= held_pages= pass_left=".
hog_pass_summary()
{
	printf '%s\n' "$1" | awk -v k="$2" '{
		for (i = 1; i <= NF; i++) {
			if ($i !~ /=/) {
				what = $i
				continue
			}
			split($i, kv, "=")
			if (kv[1] ~ /^o[0-9]+$/) {
				if (what == "free_after" && substr(kv[1], 2) + 0 >= k + 0)
					left += kv[2]
			} else
				val[kv[1]] = kv[2]
		}
		printf "pass_ms=%s taken_pages=%s held_pages=%s pass_left=%d\n",
			val["elapsed_ms"], val["taken_pages"], val["held_pages"], left
	}'
}

hog_start()
{
	lab_now
	HOG_T0=$LAB_NOW_MS
	HOG_NAME=$1
	HOG_PASS=
	# "none" is the profile of no hog (configs/hog/none.conf: type=none):
	# nothing to read or start
	if [ "$1" = none ]; then
		HOG_TYPE=none
		return 0
	fi
	hog_read "$1"
	lab_kmsg "hog $1 ($HOG_TYPE) starting"
	case $HOG_TYPE in
	none) ;;
	stressng) hog_start_stressng ;;
	labyrinth) hog_start_labyrinth ;;
	esac
}

hog_check()
{
	[ "$HOG_TYPE" = stressng ] || return 0
	kill -0 "$HOG_PID" 2>/dev/null && return 0
	_rc=0
	wait "$HOG_PID" || _rc=$?
	HOG_PID=
	sed 's/^/# hog: /' "$LAB_OUT/hog.log" | tail -n 5
	lab_fail hog "stress-ng ended early with status $_rc"
}

hog_stop()
{
	case $HOG_TYPE in
	stressng)
		hog_check
		kill -INT "$HOG_PID" 2>/dev/null || :
		_rc=0
		wait "$HOG_PID" || _rc=$?
		HOG_PID=
		# 0: all stressors ran; 3: a stressor lacked resources and
		# skipped (stress-ng's EXIT_NO_RESOURCE); anything else is a hog
		# that failed.
		case $_rc in
		0 | 3) ;;
		*)
			sed 's/^/# hog: /' "$LAB_OUT/hog.log" | tail -n 5
			lab_fail hog "stress-ng exited with status $_rc"
			;;
		esac
		hog_stressng_gone
		;;
	labyrinth)
		printf 'release\n' >"$HOG_LBY/control" ||
			lab_fail setup "labyrinth: release failed"
		lab_rmmod labyrinth
		;;
	esac
	[ "$HOG_TYPE" = none ] || lab_kmsg "hog stopped"
	HOG_TYPE=none
}

# hog_stressng_left: the pids of live stress-ng processes (their names
# begin with "stress-ng": its workers rename themselves, stress-ng-vm).
# The stat files are read with getline: a process that ends between the
# glob and the read is skipped (busybox awk gives up, status 1, at an
# argument file it cannot open; the workers end in that very window).
hog_stressng_left()
{
	awk 'BEGIN {
		for (i = 1; i < ARGC; i++) {
			if ((getline l < ARGV[i]) > 0 && index(l, "(stress-ng") && l !~ /\) Z /) {
				split(l, w, " ")
				print w[1]
			}
			close(ARGV[i])
		}
		exit
	}' "${HOG_PROC:-/proc}"/[0-9]*/stat
}

# hog_stressng_gone: stress-ng's parent has ended; wait until its workers
# have too, HOG_GONE_S seconds, then KILL them and wait as long again.  A
# parent that gives up on a worker still freeing the memory it held
# (seconds under TCG on a loaded host) leaves it running: the memory it
# holds would read as a leak of the kernel's, and the runner's reset
# would stop it only after the verdict.
HOG_GONE_S=${HOG_GONE_S:-10}
hog_stressng_gone()
{
	_i=0
	while :; do
		hog_stressng_left >"$LAB_OUT/.hog-left"
		[ -s "$LAB_OUT/.hog-left" ] || return 0
		_i=$((_i + 1))
		if [ "$_i" -eq $((HOG_GONE_S * 5)) ]; then
			lab_info "hog: stress-ng processes still running ${HOG_GONE_S}s after stress-ng ended: $(tr '\n' ' ' <"$LAB_OUT/.hog-left")(KILL)"
			# shellcheck disable=SC2046 # one pid a word
			kill -KILL $(cat "$LAB_OUT/.hog-left") 2>/dev/null || :
		elif [ "$_i" -ge $((HOG_GONE_S * 10)) ]; then
			lab_fail hog "stress-ng processes would not end: $(tr '\n' ' ' <"$LAB_OUT/.hog-left")"
		fi
		lab_sleep_ms 200
	done
}

# hog_free_blocks <K>: free blocks of order >= K in all zones.
hog_free_blocks()
{
	awk -v k="$1" '$1 == "Node" {
		for (i = 5 + k; i <= NF; i++)
			n += $i
	} END { print n + 0 }' "$HOG_BUDDYINFO"
}

# shellcheck disable=SC2120 # callers may omit the tolerance
hog_frag_confirm()
{
	_k=${1:-$HOG_FRAG_ORDER}
	_max=${2:-$HOG_FRAG_MAX}
	[ -n "$_k" ] || return 0
	# A churning hog's free memory comes and goes: give it a few seconds.
	# Blocks freed after labyrinth's pass (tasks exiting, per-CPU lists
	# draining) merge again: further passes take them, until none is
	# left, so that every kernel starts the measured phase at the goal.
	_i=0
	HOG_REPASSES=0
	while :; do
		_n=$(hog_free_blocks "$_k")
		[ "$_n" -gt 0 ] || break
		[ "$HOG_TYPE" = labyrinth ] || [ "$_n" -gt "$_max" ] || break
		_i=$((_i + 1))
		if [ "$_i" -gt "$HOG_CONFIRM_S" ]; then
			[ "$_n" -gt "$_max" ] || break
			hog_goal_record "$_k" "$_max"
			lab_info "buddyinfo: $(tail -n 1 "$HOG_BUDDYINFO")"
			lab_fail setup "hog did not fragment: $_n free blocks of order >= $_k (at most $_max allowed)"
		fi
		if [ "$HOG_TYPE" = labyrinth ]; then
			hog_labyrinth_pass
		else
			sleep 1
		fi
		hog_check
	done
	hog_goal_record "$_k" "$_max"
	lab_info "free blocks of order >= $_k: $_n (at most $_max allowed), after $HOG_REPASSES further passes"
}

# hog_labyrinth_pass: one more labyrinth pass (it takes what merged since).
hog_labyrinth_pass()
{
	HOG_REPASSES=$((HOG_REPASSES + 1))
	printf 'fragment\n' >"$HOG_LBY/control" || lab_fail setup "labyrinth: fragment failed"
}

hog_frag_record()
{
	awk -v test="$LAB_TAG" -v phase="$1" '$1 == "Node" {
		sub(/,$/, "", $2)
		line = "frag test=" test " phase=" phase " node=" $2 " zone=" $4
		for (i = 5; i <= NF; i++)
			line = line " o" i - 5 "=" $i
		print line
	}' "$HOG_BUDDYINFO" >>"$LAB_OUT/data"
}

# hog_goal_record <K> <max>: the "hog" record of the fragmentation goal.
hog_goal_record()
{
	_ms=
	lab_now
	[ -z "$HOG_T0" ] || _ms=" goal_ms=$((LAB_NOW_MS - HOG_T0))"
	_pass=
	[ -z "$HOG_PASS" ] || _pass=" $HOG_PASS"
	lab_data "hog test=$LAB_TAG profile=${HOG_NAME:-none} type=$HOG_TYPE order=$1 max=$2 left=$(hog_free_blocks "$1") repasses=$HOG_REPASSES$_ms$_pass"
}

# hog_mm_record <phase>: see the head of this file.
hog_mm_record()
{
	hog_mm_awk "$1"
}

# hog_state_record <phase>: hog_frag_record and hog_mm_record in one read.
hog_state_record()
{
	hog_mm_awk "$1" "$HOG_BUDDYINFO"
}

# hog_mm_awk <phase> [buddyinfo]: the records of hog_mm_record, with the
# "frag" records of hog_frag_record first when a buddyinfo file is given.
hog_mm_awk()
{
	# One awk for the files (a fork costs under TCG): the per-CPU lists
	# first, since reading pagetypeinfo may drain them.  A file that
	# cannot be read gives no record.
	_files=
	[ -z "${2:-}" ] || [ ! -r "$2" ] || _files=$2
	for _f in zoneinfo vmstat pagetypeinfo; do
		[ -r "$HOG_PROC/$_f" ] && _files="$_files $HOG_PROC/$_f"
	done
	[ -n "$_files" ] || return 0
	# shellcheck disable=SC2086 # paths without spaces
	awk -v t="$LAB_TAG" -v p="$1" '
	FNR == 1 { f = FILENAME; sub(/.*\//, "", f) }
	f == "buddyinfo" && $1 == "Node" {
		sub(/,$/, "", $2)
		line = "frag test=" t " phase=" p " node=" $2 " zone=" $4
		for (i = 5; i <= NF; i++)
			line = line " o" i - 5 "=" $i
		print line
		next
	}
	f == "buddyinfo" { next }
	f == "zoneinfo" && $1 == "Node" { sub(/,$/, "", $2); node = $2; zone = $4; next }
	f == "zoneinfo" && $1 == "cpu:" { cpu = $2; next }
	f == "zoneinfo" && $1 == "count:" { count = $2; next }
	f == "zoneinfo" && $1 == "high:" { high = $2; next }
	f == "zoneinfo" && $1 == "batch:" {
		print "pcp test=" t " phase=" p " node=" node " zone=" zone " cpu=" cpu " count=" count " high=" high " batch=" $2
		next
	}
	f == "vmstat" && $1 ~ /^(nr_free_pages|pgalloc_|pgfree$|allocstall_|compact_|pgscan_|pgsteal_|kswapd_|pageoutrun$)/ {
		vm = vm " " $1 "=" $2
		next
	}
	f == "pagetypeinfo" && vm != "" {
		print "vmstat test=" t " phase=" p vm
		vm = ""
	}
	f == "pagetypeinfo" && $1 == "Node" && $5 == "type" {
		sub(/,$/, "", $2)
		sub(/,$/, "", $4)
		line = "pagetype test=" t " phase=" p " node=" $2 " zone=" $4 " type=" $6
		for (i = 7; i <= NF; i++)
			line = line " o" i - 7 "=" $i
		print line
		next
	}
	f == "pagetypeinfo" && /^Number of blocks type/ {
		n = 0
		for (i = 5; i <= NF; i++)
			name[++n] = $i
		blocks = 1
		next
	}
	f == "pagetypeinfo" && blocks && $1 == "Node" {
		sub(/,$/, "", $2)
		line = "pageblocks test=" t " phase=" p " node=" $2 " zone=" $4
		for (i = 1; i <= n && 4 + i <= NF; i++)
			line = line " " name[i] "=" $(4 + i)
		print line
		next
	}
	f == "pagetypeinfo" && blocks && !NF { blocks = 0 }
	END { if (vm != "") print "vmstat test=" t " phase=" p vm }' $_files >>"$LAB_OUT/data" 2>/dev/null || :
}
