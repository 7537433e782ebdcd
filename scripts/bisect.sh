#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bisect.sh: find the first bad commit of a kernel git tree with the suite,
# driving "git bisect run".  Each step runs the selected tests REPEAT times
# on the checked-out commit and takes the majority; a build or set-up
# failure (the suite's exit status 2) skips the commit (125).  The tree is
# left as it was found: a dirty tree is refused, and "git bisect reset"
# runs at the end, also after Ctrl-C.
#
# Variables:
#   KSRC=<git tree>  GOOD=<rev>  BAD=<rev>  TESTS=<pattern>   (required)
#   REPEAT=<n>       runs per commit, majority decides (default 1; a tie skips)
#   RUNTEST, LAB_DURATION, RESULTS, ...   passed on to scripts/run.sh
#   RUN_ID           name of the bisect's run folder (default bisect-<date>)
#   LAB_BISECT_RUN   the command run at each step (default: sh scripts/run.sh);
#                    it sees KSRC, TESTS, RESULTS and RUN_ID and exits like
#                    scripts/run.sh: 0 pass, 1 a test failed, 2 set-up error
# Writes results/<RUN_ID>/: bisect.txt (the answer), bisect.log (every
# step), git-bisect.log ("git bisect log"), steps/<run> (each suite run).
# Exit status: 0 found, 1 not found (no failure at BAD, a failure at GOOD,
# or only skipped commits left), 2 usage or set-up error (also when GOOD or
# BAD cannot be built or set up), 130 interrupted.

set -eu
. "$(dirname "$0")/lib.sh"

say()
{
	printf '%s\n' "$*" >>"$BDIR/bisect.log"
	info "bisect: $*"
}

# run_once <label> <n>: one suite run on the checked-out commit; prints
# pass, fail or error.  The failing tests' "category: title" lines go to
# $BDIR/steps/<run>.titles.
run_once()
{
	_id=$1-$2
	_rc=0
	# Known issues would turn the failure looked for into a pass (xfail):
	# a bisect hunts a known bug too, unless KNOWN names a file.
	KSRC=$KSRC TESTS=$TESTS RUN_ID=$_id RESULTS=$BDIR/steps REPEAT=1 \
		KNOWN=${KNOWN:-/dev/null} sh -c "$LAB_BISECT_RUN" >"$BDIR/steps/$_id.out" 2>&1 </dev/null || _rc=$?
	for _r in "$BDIR/steps/$_id"/tests/*/result; do
		[ -f "$_r" ] || continue
		awk -F '\t' -v t="${_r%/result}" '$1 == "fail" || $1 == "error" {
			sub(/.*\/tests\/[0-9]*-/, "", t); print t ": " $2 }' "$_r"
	done >"$BDIR/steps/$_id.titles"
	case $_rc in
	0) echo pass ;;
	1) echo fail ;;
	2) echo error ;;
	130) echo interrupted ;;
	*) echo "error" ;;
	esac
}

# step <label>: REPEAT runs on HEAD; exit status as git bisect run reads
# it: 0 good, 1 bad, 125 skip, 255 abort (interrupted).
step()
{
	_label=$1
	_c=$(git rev-parse --short=12 HEAD)
	_subj=$(git log -1 --format=%s HEAD)
	_f=0
	_p=0
	_i=1
	while [ "$_i" -le "$REPEAT" ]; do
		_v=$(run_once "$_label-$_c" "$_i")
		say "$_label $_c run $_i/$REPEAT: $_v ($_subj)"
		case $_v in
		pass) _p=$((_p + 1)) ;;
		fail) _f=$((_f + 1)) ;;
		error)
			say "$_label $_c: skip (build or set-up error, see steps/$_label-$_c-$_i.out)"
			return 125
			;;
		interrupted) return 255 ;;
		esac
		_i=$((_i + 1))
	done
	if [ $((_f * 2)) -gt "$REPEAT" ]; then
		say "$_label $_c: bad ($_f of $REPEAT runs failed)"
		return 1
	elif [ $((_p * 2)) -gt "$REPEAT" ]; then
		say "$_label $_c: good ($_p of $REPEAT runs passed)"
		return 0
	fi
	say "$_label $_c: skip (a tie: $_f failed, $_p passed)"
	return 125
}

check_vars()
{
	[ -n "${KSRC:-}" ] || die "bisect: KSRC=<git tree> is required"
	[ -n "${GOOD:-}" ] || die "bisect: GOOD=<rev> is required"
	[ -n "${BAD:-}" ] || die "bisect: BAD=<rev> is required"
	[ -n "${TESTS:-}" ] || die "bisect: TESTS=<pattern> is required (the tests that tell good from bad)"
	REPEAT=${REPEAT:-1}
	check_uint REPEAT "$REPEAT" 1 99
	[ -d "$KSRC" ] || die "bisect: KSRC=$KSRC is not a folder"
	KSRC=$(cd "$KSRC" && pwd)
	[ "$(git -C "$KSRC" rev-parse --show-toplevel 2>/dev/null)" = "$KSRC" ] ||
		die "bisect: KSRC=$KSRC is not the top of a git work tree"
	GOOD_C=$(git -C "$KSRC" rev-parse -q --verify "$GOOD^{commit}") ||
		die "bisect: GOOD=$GOOD is not a commit in $KSRC"
	BAD_C=$(git -C "$KSRC" rev-parse -q --verify "$BAD^{commit}") ||
		die "bisect: BAD=$BAD is not a commit in $KSRC"
	git -C "$KSRC" merge-base --is-ancestor "$GOOD_C" "$BAD_C" ||
		die "bisect: GOOD=$GOOD is not an ancestor of BAD=$BAD"
	[ "$GOOD_C" != "$BAD_C" ] || die "bisect: GOOD and BAD are the same commit"
	[ ! -e "$(git -C "$KSRC" rev-parse --absolute-git-dir)/BISECT_LOG" ] ||
		die "bisect: $KSRC is already being bisected (git bisect reset, or finish that one)"
	_dirty=$(git -C "$KSRC" status --porcelain --untracked-files=no)
	[ -z "$_dirty" ] ||
		die "bisect: $KSRC has uncommitted changes (commit or stash them first): $(printf '%s' "$_dirty" | head -n 3 | tr '\n' ' ')"
}

# where_now: the branch HEAD is on, or the commit when detached.
where_now()
{
	git -C "$KSRC" symbolic-ref -q --short HEAD || git -C "$KSRC" rev-parse HEAD
}

# restore: the tree as it was found.
restore()
{
	if [ -e "$(git -C "$KSRC" rev-parse --absolute-git-dir)/BISECT_LOG" ]; then
		git -C "$KSRC" bisect log >"$BDIR/git-bisect.log" 2>/dev/null || :
		git -C "$KSRC" bisect reset >/dev/null 2>&1 || :
	fi
	if [ "$(where_now)" != "$ORIG" ]; then
		git -C "$KSRC" checkout -q "$ORIG" 2>/dev/null ||
			info "bisect: could not return $KSRC to $ORIG"
	fi
}

# stop_child: end the running git bisect and everything below it.
stop_child()
{
	[ -n "${CHILD:-}" ] || return 0
	kill -TERM "-$CHILD" 2>/dev/null || :
	_n=0
	while kill -0 "-$CHILD" 2>/dev/null && [ "$_n" -lt 300 ]; do
		sleep 0.1
		_n=$((_n + 1))
	done
	kill -KILL "-$CHILD" 2>/dev/null || :
	CHILD=
}

on_interrupt()
{
	trap - INT TERM
	stop_child
	say "interrupted"
	restore
	{
		echo "bisect interrupted after $(($(date +%s) - T0)) s; the tree is back at $ORIG"
		echo "steps so far: bisect.log"
	} >"$BDIR/bisect.txt"
	info "bisect: interrupted; $BDIR/bisect.txt"
	exit 130
}

# endpoint <label> <commit> <want>: check that an end of the range is what
# GOOD or BAD says it is.
endpoint()
{
	git -C "$KSRC" checkout -q --detach "$2"
	_rc=0
	(cd "$KSRC" && step "$1") || _rc=$?
	[ "$_rc" -ne 255 ] || on_interrupt
	echo "$_rc"
}

# titles_of <short-commit>: the failing tests' titles of that commit's runs.
titles_of()
{
	cat "$BDIR"/steps/*-"$1"-*.titles 2>/dev/null | LC_ALL=C sort | uniq -c |
		LC_ALL=C sort -rn | sed 's/^ *\([0-9]*\) /  (\1x) /'
}

report()
{
	_first=$1
	_secs=$(($(date +%s) - T0))
	_steps=$(grep -E -c ': (good|bad|skip) ' "$BDIR/bisect.log" || :)
	{
		if [ -n "$_first" ]; then
			_s=$(git -C "$KSRC" rev-parse --short=12 "$_first")
			echo "first bad commit: $_first"
			git -C "$KSRC" log -1 --format='  %s%n  author: %an <%ae>, %ad' "$_first"
			echo "failing tests at $_s:"
			titles_of "$_s"
		else
			echo "first bad commit: not found"
			echo "  $2"
		fi
		echo "tree: $KSRC"
		echo "range: GOOD=$GOOD ($GOOD_C) BAD=$BAD ($BAD_C)"
		echo "tests: ${RUNTEST:-quick} TESTS='$TESTS', REPEAT=$REPEAT (majority decides; a tie skips)"
		echo "steps: $_steps decisions in $_secs s (each step: bisect.log; each run: steps/)"
	} >"$BDIR/bisect.txt"
	sed 's/^/labyrinth: bisect: /' "$BDIR/bisect.txt" >&2
}

# untestable <what>: an end of the range that cannot be built or set up,
# or whose runs tie: nothing to bisect (exit 2).
untestable()
{
	restore
	report "" "$1 could not be tested (build or set-up error, or a tie; bisect.log, steps/)"
	exit 2
}

main()
{
	check_vars
	# shellcheck disable=SC2016
	: "${LAB_BISECT_RUN:=sh '$LAB_TOP/scripts/run.sh'}"
	export LAB_BISECT_RUN KSRC TESTS REPEAT
	ORIG=$(where_now)
	res=${RESULTS:-$LAB_TOP/results}
	BDIR=$res/${RUN_ID:-bisect-$(date -u +%Y%m%d-%H%M%S)}
	[ ! -e "$BDIR" ] || die "bisect: $BDIR exists already (RUN_ID)"
	mkdir -p "$BDIR/steps"
	BDIR=$(cd "$BDIR" && pwd)
	export BDIR
	T0=$(date +%s)
	CHILD=
	trap on_interrupt INT TERM
	trap restore EXIT
	say "bisecting $KSRC: GOOD=$GOOD BAD=$BAD TESTS='$TESTS' REPEAT=$REPEAT (HEAD was $ORIG)"
	rc=$(endpoint bad-end "$BAD_C")
	case $rc in
	1) ;;
	125) untestable "BAD=$BAD" ;;
	*)
		restore
		report "" "BAD=$BAD does not fail the selected tests"
		exit 1
		;;
	esac
	rc=$(endpoint good-end "$GOOD_C")
	case $rc in
	0) ;;
	125) untestable "GOOD=$GOOD" ;;
	*)
		restore
		report "" "GOOD=$GOOD does not pass the selected tests"
		exit 1
		;;
	esac
	git -C "$KSRC" checkout -q "$ORIG"
	git -C "$KSRC" bisect start "$BAD_C" "$GOOD_C" >/dev/null 2>&1 ||
		die "bisect: git bisect start failed in $KSRC"
	# shellcheck disable=SC2016
	setsid sh -c 'cd "$1" && exec git bisect run sh "$2" --step' sh \
		"$KSRC" "$LAB_TOP/scripts/bisect.sh" >"$BDIR/git-bisect-run.log" 2>&1 &
	CHILD=$!
	rc=0
	wait "$CHILD" || rc=$?
	CHILD=
	first=$(sed -n 's/^\([0-9a-f]\{40\}\) is the first bad commit$/\1/p' "$BDIR/git-bisect-run.log")
	restore
	trap - EXIT INT TERM
	if [ -n "$first" ]; then
		report "$first"
		exit 0
	fi
	why=$(grep -m 1 -i "skip\|could be any of\|abort\|error" "$BDIR/git-bisect-run.log" || echo "git bisect run exited $rc")
	report "" "$why (git-bisect-run.log)"
	exit 1
}

if [ "${1:-}" = --step ]; then
	step step
	exit $?
fi
main "$@"
