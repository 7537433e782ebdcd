#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The nightly CI's two steps, shared by ci/gitlab-ci.yml and
# ci/github-actions.yml (they only map their engine's variables):
#
#   ci.sh shard <k/N|-> <run-id>
#       one shard of RUNTEST (default nightly) into results/<run-id>/, then
#       its kcidb.json.  Exit status as scripts/run.sh: 0 passed, 1 a test
#       failed, 2 set-up error.
#   ci.sh merge <out-id> <previous-dir|-> <run-dir>...
#       make merge of the shards into results/<out-id>/, its kcidb.json,
#       then scripts/compare.sh (what make compare runs, here with its output
#       folder beside the merged run and its own exit status: 1 regression,
#       2 bad input) against the previous night's merged run (a run
#       folder, or a folder holding one named nightly-merged-*; "-" or a
#       missing one: no comparison, said so).  Exit 0, 1 on a regression
#       or a failed test in the merged run, 2 when merging fails.
#
# Variables:
#   LAB_CI_RUN   the command that makes a shard's run folder (default
#                "sh scripts/run.sh"; a stand-in for tests of the jobs)
#   KCIDB_LOG_URL  passed on to scripts/kcidb.sh

set -eu
. "$(dirname "$0")/lib.sh"

shard()
{
	[ $# -eq 2 ] || die "usage: ci.sh shard <k/N|-> <run-id>"
	_shard=$1
	[ "$_shard" != - ] || _shard=
	case $2 in
	'' | */* | .*) die "ci.sh: run id '$2' is not a folder name" ;;
	esac
	: "${RUNTEST:=nightly}"
	export RUNTEST
	_rc=0
	if [ -z "${LAB_CI_RUN:-}" ]; then
		sh "$LAB_TOP/scripts/setup.sh" run
		LAB_CI_RUN="sh '$LAB_TOP/scripts/run.sh'"
	fi
	info "ci: shard ${_shard:-all} of $RUNTEST as $2"
	SHARD=$_shard RUN_ID=$2 sh -c "$LAB_CI_RUN" || _rc=$?
	_run=${RESULTS:-$LAB_TOP/results}/$2
	if [ -f "$_run/meta.env" ]; then
		sh "$LAB_TOP/scripts/kcidb.sh" "$_run" || _rc=2
	else
		info "ci: no run folder $_run"
		[ "$_rc" -ne 0 ] || _rc=2
	fi
	return "$_rc"
}

# previous <dir>: the previous night's merged run folder, or nothing.
previous()
{
	[ "$1" != - ] && [ -d "$1" ] || return 0
	if [ -f "$1/meta.env" ]; then
		printf '%s\n' "$1"
		return 0
	fi
	find "$1" -type f -name meta.env -path '*nightly-merged-*' | LC_ALL=C sort |
		tail -n 1 | sed 's|/meta.env$||'
}

merge()
{
	[ $# -ge 3 ] || die "usage: ci.sh merge <out-id> <previous-dir|-> <run-dir>..."
	_out=${RESULTS:-$LAB_TOP/results}/$1
	_prev=$(previous "$2")
	shift 2
	make -s -C "$LAB_TOP" merge OUT="$_out" RUNS="$*" ||
		die "ci: make merge failed"
	sh "$LAB_TOP/scripts/kcidb.sh" "$_out"
	_rc=0
	grep -q '^not ok' "$_out/ktap.txt" && _rc=1
	if [ -z "$_prev" ]; then
		info "ci: no previous merged run: no comparison tonight"
		return "$_rc"
	fi
	info "ci: comparing $_prev with $_out"
	_cdir=$(dirname "$_out")/compare-${_prev##*/}-${_out##*/}
	_crc=0
	sh "$LAB_TOP/scripts/compare.sh" -o "$_cdir" "$_prev" "$_out" >"$_out/compare.md" ||
		_crc=$?
	cat "$_out/compare.md"
	case $_crc in
	0) ;;
	1) _rc=1 ;;
	*)
		info "ci: the comparison failed (exit $_crc, not a regression)"
		_rc=2
		;;
	esac
	return "$_rc"
}

main()
{
	[ $# -ge 1 ] || die "usage: ci.sh shard|merge ..."
	_what=$1
	shift
	case $_what in
	shard) shard "$@" ;;
	merge) merge "$@" ;;
	*) die "ci.sh: unknown step '$_what' (shard, merge)" ;;
	esac
}

main "$@"
