#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bisect.sh on a synthetic git history of 10 commits, the 6th of which
# plants a bug (a file BUG), with a stand-in for the suite run that fails
# while BUG is there: finds the commit and its failing test's title,
# leaves the tree as it was (branch or detached HEAD), skips commits whose
# build fails (exit 2), takes the majority over REPEAT runs, refuses a
# dirty tree and bad variables, and cleans up after an interrupt.  Run
# from the repository's root.

set -eu
. scripts/check/reports-lib.sh

BISECT=$(pwd)/scripts/bisect.sh

# make_history <dir>: commits c1..c10; c6 adds BUG; NOBUILD files mark
# commits whose build fails when the test asks for it (see standin).
make_history()
{
	git init -q -b main "$1"
	git -C "$1" config user.email lab@example.org
	git -C "$1" config user.name lab
	for _i in 1 2 3 4 5 6 7 8 9 10; do
		echo "$_i" >"$1/version"
		[ "$_i" -ne 6 ] || echo planted >"$1/BUG"
		git -C "$1" add -A
		git -C "$1" commit -q -m "c$_i: step $_i"
	done
}

# standin: a stand-in for scripts/run.sh.  Fails (1) while BUG exists,
# writing a result like the suite's; exits 2 on commits listed in
# $STATE/nobuild; FLAKY=1 fails good commits on their 1st run of 3 and
# passes bad ones on their 2nd; SLOW=1 waits in the bisection's steps
# (not at the ends) for the interrupt test.
write_standin()
{
	cat >"$1" <<'EOF'
set -eu
c=$(git -C "$KSRC" rev-parse HEAD)
echo "$c $TESTS $RUN_ID" >>"$STATE/calls"
out=$RESULTS/$RUN_ID/tests/1-planted
mkdir -p "$out"
if grep -q "^$(git -C "$KSRC" log -1 --format=%s | cut -d: -f1)\$" "$STATE/nobuild" 2>/dev/null; then
	exit 2
fi
if [ -n "${SLOW:-}" ] && [ "${RUN_ID#step-}" != "$RUN_ID" ]; then
	: >"$STATE/running"
	sleep 30
fi
n=$(($(cat "$STATE/$c.n" 2>/dev/null || echo 0) + 1))
echo "$n" >"$STATE/$c.n"
bad=0
[ ! -f "$KSRC/BUG" ] || bad=1
if [ "${FLAKY:-}" = 1 ]; then
	if [ "$bad" = 1 ] && [ $((n % 3)) = 2 ]; then bad=0
	elif [ "$bad" = 0 ] && [ $((n % 3)) = 1 ]; then bad=1; fi
fi
if [ "$bad" = 1 ]; then
	printf 'fail\tplanted: BUG file present in the tree\n' >"$out/result"
	exit 1
fi
printf 'ok\t\n' >"$out/result"
EOF
}

# commit_of <n>: the hash of commit c<n>.
commit_of()
{
	git -C "$T" log --all --format='%H %s' | awk -v s="c$1:" '$2 == s { print $1 }'
}

# bis <name> [VAR=value...]: bisect GOOD=c1 BAD=c10 into $WORK/res/<name>,
# status in $WORK/<name>.rc.
bis()
{
	_name=$1
	shift
	: >"$STATE/calls"
	rm -f "$STATE"/*.n
	_rc=0
	env KSRC="$T" GOOD="$(commit_of 1)" BAD=main TESTS='^planted$' \
		RESULTS="$WORK/res" RUN_ID="$_name" LAB_BISECT_RUN="sh $WORK/standin.sh" \
		STATE="$STATE" "$@" sh "$BISECT" >"$WORK/$_name.out" 2>&1 || _rc=$?
	echo "$_rc" >"$WORK/$_name.rc"
}

# shellcheck disable=SC2317
rc_of()
{
	[ "$(cat "$WORK/$1.rc")" = "$2" ]
}

# shellcheck disable=SC2317
is()
{
	[ "$1" = "$2" ]
}

# pristine <where>: HEAD is <where> (branch name or commit), no changes,
# no bisect in progress.
# shellcheck disable=SC2317
pristine()
{
	_now=$(git -C "$T" symbolic-ref -q --short HEAD || git -C "$T" rev-parse HEAD)
	[ "$_now" = "$1" ] &&
		[ -z "$(git -C "$T" status --porcelain)" ] &&
		[ ! -e "$T/.git/BISECT_LOG" ]
}

test_find()
{
	bis find
	B=$WORK/res/find
	check "bisect: finds a first bad commit (exit 0)" rc_of find 0
	check "bisect: ... the planted one, in bisect.txt" \
		has "$B/bisect.txt" "first bad commit: $(commit_of 6)"
	check "bisect: ... with its subject" has "$B/bisect.txt" "c6: step 6"
	check "bisect: ... and the failing test's title" \
		has "$B/bisect.txt" "planted: planted: BUG file present in the tree"
	check "bisect: the tree is back on its branch, clean, no bisect left" pristine main
	check "bisect: every step is in bisect.log" has "$B/bisect.log" "step "
	check "bisect: GOOD and BAD were checked first" has "$B/bisect.log" "bad-end "
	check "bisect: the stand-in got TESTS" has "$STATE/calls" '^planted$'
	check "bisect: git bisect log kept" has "$B/git-bisect.log" "# first bad commit"
	_n=$(wc -l <"$STATE/calls")
	check "bisect: at most 2 + ceil(log2 9) = 6 runs for 10 commits (took $_n)" test "$_n" -le 6
	bis again RUN_ID=find
	check "bisect: an existing RUN_ID folder is refused (exit 2)" rc_of again 2
}

test_detached()
{
	git -C "$T" checkout -q --detach "$(commit_of 3)"
	bis detached
	check "bisect: from a detached HEAD: finds c6" \
		has "$WORK/res/detached/bisect.txt" "first bad commit: $(commit_of 6)"
	check "bisect: ... and returns to the same detached commit" pristine "$(commit_of 3)"
	git -C "$T" checkout -q main
}

test_skip()
{
	printf 'c7\nc8\n' >"$STATE/nobuild"
	bis skip
	check "bisect: with c7 and c8 failing to build, still finds c6" \
		has "$WORK/res/skip/bisect.txt" "first bad commit: $(commit_of 6)"
	check "bisect: ... a build failure (exit 2) skips the commit" \
		has "$WORK/res/skip/bisect.log" "skip (build or set-up error"
	printf 'c6\n' >"$STATE/nobuild"
	bis skip6
	check "bisect: when the bad commit itself cannot be built: not found (exit 1)" rc_of skip6 1
	check "bisect: ... bisect.txt says so" has "$WORK/res/skip6/bisect.txt" "first bad commit: not found"
	check "bisect: ... and the tree is back" pristine main
	printf 'c10\n' >"$STATE/nobuild"
	bis nobad
	check "bisect: a BAD that cannot be built is a set-up error (exit 2)" rc_of nobad 2
	check "bisect: ... bisect.txt says so" has "$WORK/res/nobad/bisect.txt" "could not be tested"
	check "bisect: ... and the tree is back" pristine main
	: >"$STATE/nobuild"
}

test_majority()
{
	bis flaky3 FLAKY=1 REPEAT=3
	check "bisect: a flaky test with REPEAT=3: the majority finds c6" \
		has "$WORK/res/flaky3/bisect.txt" "first bad commit: $(commit_of 6)"
	bis flaky1 FLAKY=1 REPEAT=1
	check "bisect: ... with REPEAT=1 the same flake misleads (GOOD fails: exit 1)" rc_of flaky1 1
	check "bisect: ... and bisect.txt names the reason" \
		has "$WORK/res/flaky1/bisect.txt" "does not pass the selected tests"
}

test_refusals()
{
	echo dirty >>"$T/version"
	bis dirty
	check "bisect: a dirty tree is refused (exit 2)" rc_of dirty 2
	check "bisect: ... the change is still there" has "$T/version" dirty
	check "bisect: ... and nothing ran" is "$(wc -l <"$STATE/calls")" 0
	git -C "$T" checkout -q -- version
	bis nogood GOOD=
	check "bisect: GOOD missing is a usage error (exit 2)" rc_of nogood 2
	bis notests TESTS=
	check "bisect: TESTS missing is a usage error (exit 2)" rc_of notests 2
	bis badrev GOOD=no-such-rev
	check "bisect: a GOOD that is not a commit (exit 2)" rc_of badrev 2
	bis reversed GOOD=main BAD="$(commit_of 1)"
	check "bisect: GOOD after BAD (exit 2)" rc_of reversed 2
	bis repeat0 REPEAT=0
	check "bisect: REPEAT=0 (exit 2)" rc_of repeat0 2
	bis notree KSRC="$WORK/res"
	check "bisect: KSRC not a git tree (exit 2)" rc_of notree 2
	bis passes BAD="$(commit_of 5)"
	check "bisect: a BAD that passes: not found (exit 1)" rc_of passes 1
	check "bisect: ... bisect.txt says BAD does not fail" \
		has "$WORK/res/passes/bisect.txt" "does not fail the selected tests"
	git -C "$T" bisect start main "$(commit_of 1)" >/dev/null 2>&1
	bis busy
	check "bisect: a tree already being bisected is refused (exit 2)" rc_of busy 2
	git -C "$T" bisect reset >/dev/null 2>&1
	check "bisect: after all refusals the tree is untouched" pristine main
}

test_interrupt()
{
	rm -f "$STATE/running"
	: >"$STATE/calls"
	env KSRC="$T" GOOD="$(commit_of 1)" BAD=main TESTS=x RESULTS="$WORK/res" \
		RUN_ID=intr LAB_BISECT_RUN="sh $WORK/standin.sh" STATE="$STATE" SLOW=1 \
		sh "$BISECT" >"$WORK/intr.out" 2>&1 &
	_pid=$!
	_n=0
	while [ ! -f "$STATE/running" ] && [ "$_n" -lt 150 ]; do
		sleep 0.1
		_n=$((_n + 1))
	done
	kill -TERM "$_pid"
	_rc=0
	wait "$_pid" || _rc=$?
	check "bisect: interrupted in a step: exit 130 (got $_rc)" is "$_rc" 130
	check "bisect: ... git bisect was reset, tree back on main" pristine main
	check "bisect: ... bisect.txt says interrupted" has "$WORK/res/intr/bisect.txt" interrupted
	sleep 0.5
	check "bisect: ... no stand-in left running" \
		test -z "$(pgrep -f "$WORK/standin.sh" || :)"
}

main()
{
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/labyrinth-bisect.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$WORK'" EXIT
	trap 'exit 130' INT TERM
	T=$WORK/tree
	STATE=$WORK/state
	mkdir -p "$STATE" "$WORK/res"
	make_history "$T"
	write_standin "$WORK/standin.sh"
	test_find
	test_detached
	test_skip
	test_majority
	test_refusals
	test_interrupt
	finish
}

main "$@"
