#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The nightly CI jobs, offline: ci/gitlab-ci.yml and ci/github-actions.yml
# parse as YAML and hold what the README promises (shard mapping, kernel
# cache, artifacts, JUnit report, a merge job that compares with the
# previous night), with broken copies that the checks reject; and
# scripts/ci.sh runs four shards (a stand-in for the suite) and merges and
# compares them.  Run from the repository's root.

set -eu
. scripts/check/reports-lib.sh

GL=ci/gitlab-ci.yml
GH=ci/github-actions.yml

# flat <yaml>: one line per key, "a.b.c=value", list items and block text
# as "a.b[]=text"; enough YAML for these files' structure.
# shellcheck disable=SC2317
flat()
{
	awk '
	/^[ \t]*(#|$)/ { next }
	{
		match($0, /^ */)
		ind = RLENGTH
		line = substr($0, ind + 1)
		if (line ~ /^- /) {
			line = substr(line, 3)
			ind += 2
		}
		while (n > 0 && lvl[n] >= ind)
			n--
		path = ""
		for (i = 1; i <= n; i++)
			path = path key[i] "."
		if (match(line, /^[A-Za-z0-9_$.-]+:( |$)/)) {
			k = substr(line, 1, RLENGTH)
			sub(/: ?$/, "", k)
			v = substr(line, RLENGTH + 1)
			print path k "=" v
			n++
			lvl[n] = ind
			key[n] = k
		} else {
			sub(/\.$/, "", path)
			print path "[]=" line
		}
	}' "$1"
}

# yaml_ok <file>: parses as YAML (python3-yaml, a test-only tool).
# shellcheck disable=SC2317
yaml_ok()
{
	python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$1" 2>/dev/null
}

# gl_shard <flat> <k> <N>: the SHARD the GitLab job computes for node k of N.
gl_shard()
{
	_line=$(sed -n 's/^nightly\.script\[\]=export SHARD=/SHARD=/p' "$1")
	[ -n "$_line" ] || return 1
	# shellcheck disable=SC2016
	CI_NODE_INDEX=$2 CI_NODE_TOTAL=$3 sh -c "$_line"' && printf "%s\n" "$SHARD"'
}

# gitlab_ok <yaml>: the structure the README describes.
# shellcheck disable=SC2016,SC2317
gitlab_ok()
{
	yaml_ok "$1" || return 1
	flat "$1" >"$WORK/gl.flat"
	F=$WORK/gl.flat
	_n=$(sed -n 's/^nightly\.parallel=\([0-9]*\)$/\1/p' "$F")
	[ -n "$_n" ] && [ "$_n" -ge 2 ] &&
		[ "$(gl_shard "$F" 3 "$_n")" = "3/$_n" ] &&
		grep -q '^nightly\.script\[\]=sh scripts/ci.sh shard "$SHARD" ' "$F" &&
		grep -q '^variables\.LAB_CACHE=$CI_PROJECT_DIR/\.lab-cache$' "$F" &&
		grep -q '^nightly\.cache\.paths\[\]=\.lab-cache/$' "$F" &&
		grep -q '^nightly\.artifacts\.when=always$' "$F" &&
		grep -q '^nightly\.artifacts\.paths\[\]=results/' "$F" &&
		grep -q '^nightly\.artifacts\.reports\.junit=results/.*/junit\.xml$' "$F" &&
		grep -q '^merge\.needs\.job=nightly$' "$F" &&
		grep -q '^merge\.when=always$' "$F" &&
		grep -q '^merge\.script\[\]=.*jobs/artifacts/$CI_DEFAULT_BRANCH/download?job=merge' "$F" &&
		grep -q '^merge\.script\[\]=sh scripts/ci.sh merge .* previous ' "$F" &&
		grep -q '^merge\.artifacts\.reports\.junit=' "$F"
}

# github_ok <yaml>
# shellcheck disable=SC2016,SC2317
github_ok()
{
	yaml_ok "$1" || return 1
	flat "$1" >"$WORK/gh.flat"
	F=$WORK/gh.flat
	_m=$(sed -n 's/^jobs\.nightly\.strategy\.matrix\.shard=\[\(.*\)\]$/\1/p' "$F")
	[ -n "$_m" ] || return 1
	_n=$(printf '%s\n' "$_m" | awk -F ', *' '{ for (i = 1; i <= NF; i++) if ($i != i) bad = 1
		print bad ? 0 : NF }')
	[ "$_n" -ge 2 ] &&
		grep -q "^jobs\.nightly\.env\.SHARD=\${{ matrix\.shard }}/$_n\$" "$F" &&
		grep -q "^env\.SHARDS=\"$_n\"" "$F" &&
		grep -q '^jobs\.nightly\.steps\.run=sh scripts/ci.sh shard "$SHARD" "$RUN_ID"$' "$F" &&
		grep -q '^jobs\.nightly\.env\.LAB_CACHE=.*/\.lab-cache$' "$F" &&
		grep -q '^jobs\.nightly\.steps\.uses=actions/cache@' "$F" &&
		grep -q '^jobs\.nightly\.steps\.with\.path=\.lab-cache$' "$F" &&
		grep -q '^jobs\.nightly\.steps\.uses=actions/upload-artifact@' "$F" &&
		grep -q '^jobs\.nightly\.steps\.with\.path=results/${{ env\.RUN_ID }}/$' "$F" &&
		grep -q '^jobs\.nightly\.steps\.with\.report_paths=.*junit\.xml$' "$F" &&
		grep -q '^jobs\.merge\.needs=nightly$' "$F" &&
		grep -q '^jobs\.merge\.if=always()$' "$F" &&
		grep -q '^jobs\.merge\.steps\.with\.run-id=' "$F" &&
		grep -q '^jobs\.merge\.steps\.run=sh scripts/ci.sh merge "$OUT" previous ' "$F"
}

# shellcheck disable=SC2317
is()
{
	[ "$1" = "$2" ]
}

# broken <src> <sed-expr> <dst>: a copy with one change.
broken()
{
	sed "$2" "$1" >"$3"
}

test_yaml()
{
	check "ci: $GL has the promised structure" gitlab_ok "$GL"
	check "ci: GitLab node 3 of 4 runs SHARD=3/4" is "$(gl_shard "$WORK/gl.flat" 3 4)" 3/4
	check "ci: $GH has the promised structure" github_ok "$GH"
	broken "$GL" 's/^  parallel: .*//' "$WORK/b1.yml"
	check "ci: GitLab without parallel: rejected" not gitlab_ok "$WORK/b1.yml"
	# shellcheck disable=SC2016
	broken "$GL" 's/CI_NODE_INDEX:-1}\/\${CI_NODE_TOTAL/CI_NODE_TOTAL:-1}\/${CI_NODE_INDEX/' "$WORK/b2.yml"
	check "ci: GitLab with the shard mapping swapped: rejected" not gitlab_ok "$WORK/b2.yml"
	broken "$GL" '/^  artifacts:/,/^  [a-z]/s/when: always/when: on_success/' "$WORK/b3.yml"
	check "ci: GitLab without artifacts on failure: rejected" not gitlab_ok "$WORK/b3.yml"
	broken "$GL" 's/^  script:/\tscript:/' "$WORK/b4.yml"
	check "ci: GitLab with a tab indent (not YAML): rejected" not gitlab_ok "$WORK/b4.yml"
	broken "$GH" 's/shard: \[1, 2, 3, 4\]/shard: [1, 2, 3]/' "$WORK/b5.yml"
	check "ci: GitHub matrix of 3 with SHARD k/4: rejected" not github_ok "$WORK/b5.yml"
	broken "$GH" 's/^    if: always()$//' "$WORK/b6.yml"
	check "ci: GitHub merge not run after failed shards: rejected" not github_ok "$WORK/b6.yml"
	broken "$GH" 's/^          path: \.lab-cache$/          path: .cache/' "$WORK/b7.yml"
	check "ci: GitHub caching another folder than LAB_CACHE: rejected" not github_ok "$WORK/b7.yml"
}

# shellcheck disable=SC2317
not()
{
	! "$@"
}

# shards <night> [VAR=value...]: four shards with the stand-in; statuses
# in $WORK/<night>.rc as "k:rc" words.
shards()
{
	_night=$1
	shift
	: >"$WORK/$_night.rc"
	for _k in 1 2 3 4; do
		_rc=0
		env RESULTS="$WORK/res" LAB_CI_RUN="sh scripts/check/ci-standin.sh" "$@" \
			sh scripts/ci.sh shard "$_k/4" "nightly-$_night-shard$_k" \
			>>"$WORK/$_night.log" 2>&1 || _rc=$?
		printf '%s:%s ' "$_k" "$_rc" >>"$WORK/$_night.rc"
	done
}

# merge <night> <previous> [runs...]: status in $WORK/merge-<night>.rc
merge()
{
	_night=$1
	_prev=$2
	shift 2
	_rc=0
	RESULTS="$WORK/res" sh scripts/ci.sh merge "nightly-merged-$_night" "$_prev" "$@" \
		>"$WORK/merge-$_night.out" 2>&1 || _rc=$?
	echo "$_rc" >"$WORK/merge-$_night.rc"
}

# shellcheck disable=SC2317
rc_file()
{
	[ "$(cat "$1")" = "$2" ]
}

test_flow()
{
	R=$WORK/res
	shards 1
	check "ci: four shards of a clean night exit 0" rc_file "$WORK/1.rc" "1:0 2:0 3:0 4:0 "
	check "ci: each shard has its kcidb.json" test -f "$R/nightly-1-shard3/kcidb.json"
	check "ci: the shard's meta says SHARD=3/4" has "$R/nightly-1-shard3/meta.env" "shard=3/4"
	merge 1 - "$R"/nightly-1-shard*
	check "ci: merging the first night exits 0" rc_file "$WORK/merge-1.rc" 0
	check "ci: ... and says there is nothing to compare with" \
		has "$WORK/merge-1.out" "no previous merged run"
	check "ci: the merged run holds every test of the four shards" \
		is "$(sed -n 's/^# Totals: //p' "$R/nightly-merged-1/ktap.txt")" "pass:3 fail:0 xfail:0 xpass:0 skip:1 error:0"
	check "ci: the merged run has its kcidb.json" test -f "$R/nightly-merged-1/kcidb.json"
	if [ -x /usr/bin/jsonschema ]; then
		check "ci: ... valid KCIDB" /usr/bin/jsonschema -i "$R/nightly-merged-1/kcidb.json" \
			scripts/check/fixtures/kcidb/kcidb-io.schema.v5.3.json
	fi
	mkdir -p "$WORK/previous/results"
	cp -R "$R/nightly-merged-1" "$WORK/previous/results/"
	shards 2 LAB_CI_FAIL=frag_hog
	check "ci: the shard with a failing test exits 1, the others 0" \
		rc_file "$WORK/2.rc" "1:0 2:0 3:1 4:0 "
	merge 2 "$WORK/previous" "$R"/nightly-2-shard*
	check "ci: the second night, with a new failure, exits 1" rc_file "$WORK/merge-2.rc" 1
	check "ci: ... compared with the previous night's merged run (found in the artifact folder)" \
		has "$WORK/merge-2.out" "compare: nightly-merged-1 -> nightly-merged-2"
	check "ci: ... which reports the regression" has "$WORK/merge-2.out" "**Result: REGRESSION**"
	shards 3
	merge 3 "$WORK/previous/results/nightly-merged-1" "$R"/nightly-3-shard*
	check "ci: a third, clean night against the first: exit 0, no regression" \
		rc_file "$WORK/merge-3.rc" 0
	check "ci: ... compared" has "$WORK/merge-3.out" "**Result: no regression**"
	mkdir -p "$WORK/garbled/nightly-merged-0"
	printf 'suite_format=9\nrun_id=nightly-merged-0\n' >"$WORK/garbled/nightly-merged-0/meta.env"
	: >"$WORK/garbled/nightly-merged-0/list"
	merge 3b "$WORK/garbled" "$R"/nightly-3-shard*
	check "ci: a previous run of another suite format: the comparison fails with 2" \
		rc_file "$WORK/merge-3b.rc" 2
	merge 4 - "$R/nightly-1-shard1" "$R/nightly-2-shard1"
	check "ci: merging shards that hold the same test fails with 2" rc_file "$WORK/merge-4.rc" 2
	shards 5 LAB_CI_RUN="sh -c 'exit 2'"
	check "ci: a shard whose run fails to set up exits 2" rc_file "$WORK/5.rc" "1:2 2:2 3:2 4:2 "
	_rc=0
	sh scripts/ci.sh shard 1/4 ../escape >/dev/null 2>&1 || _rc=$?
	check "ci: a run id that is not a folder name is refused (exit 2)" is "$_rc" 2
}

main()
{
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/labyrinth-ci.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$WORK'" EXIT
	trap 'exit 130' INT TERM
	mkdir -p "$WORK/res"
	if ! python3 -c 'import yaml' 2>/dev/null; then
		not_ok "ci: python3-yaml is missing (scripts/setup.sh check installs it)"
	else
		test_yaml
	fi
	test_flow
	finish
}

main "$@"
