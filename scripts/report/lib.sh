#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the report scripts (ktap, tsv, junit, html, compare,
# merge): run-folder checks, metadata, the test table, scratch space.
# Sourced after scripts/lib.sh.

REPORT_AWK=$LAB_TOP/scripts/report

# run_meta <run-dir> <key>: the value of key in meta.env (last one wins).
run_meta()
{
	awk -v key="$2" '
	/^[ \t]*(#|$)/ { next }
	{
		eq = index($0, "=")
		if (eq && substr($0, 1, eq - 1) == key)
			val = substr($0, eq + 1)
	}
	END { print val }' "$1/meta.env"
}

# run_id <run-dir>: meta.env's run_id, else the folder's name.
run_id()
{
	_id=$(run_meta "$1" run_id)
	if [ -z "$_id" ]; then
		_id=$(cd -P "$1" && pwd)
		_id=${_id##*/}
	fi
	printf '%s\n' "$_id"
}

# check_run <label> <run-dir> [ktap]: die (exit 2) unless run-dir is a
# complete results folder of this suite's format.  With "ktap", ktap.txt
# must exist and start with the KTAP header too.
check_run()
{
	_label=$1
	_dir=$2
	[ -d "$_dir" ] || die "$_label: '$_dir' is not a folder"
	[ -f "$_dir/meta.env" ] ||
		die "$_label: $_dir/meta.env is missing (not a results folder, or a run that never started)"
	[ -f "$_dir/list" ] || die "$_label: $_dir/list is missing (garbled results folder)"
	_fmt=$(run_meta "$_dir" suite_format)
	[ -n "$_fmt" ] || die "$_label: $_dir/meta.env has no suite_format (garbled results folder)"
	[ "$_fmt" = "$LAB_SUITE_FORMAT" ] ||
		die "$_label: $_dir has suite_format=$_fmt, this suite reads format $LAB_SUITE_FORMAT (incompatible suite version)"
	[ "${3:-}" = ktap ] || return 0
	[ -f "$_dir/ktap.txt" ] || die "$_label: $_dir/ktap.txt is missing (unfinished or garbled run)"
	_head=$(sed -n 1p "$_dir/ktap.txt")
	[ "$_head" = "KTAP version 1" ] ||
		die "$_label: $_dir/ktap.txt does not start with 'KTAP version 1' (garbled run)"
}

# run_tests <run-dir>: the test table, one line per list entry:
#   pos <TAB> idx <TAB> tag <TAB> status <TAB> detail <TAB> tests/<idx>-<tag>
#   <TAB> known-issue reference
# status is ok|fail|skip|error|interrupted|xfail|xpass (scripts/report/tests.awk);
# a test without a result is an error.
run_tests()
{
	LC_ALL=C awk -v run="$1" -f "$REPORT_AWK/tests.awk" "$1/list"
}

# run_tsv <run-dir> <table> [pos]: results.tsv on stdout; with "pos" a
# leading column holds the test's position in the list.
run_tsv()
{
	LC_ALL=C awk -v run="$1" -v with_pos="${3:+1}" -f "$REPORT_AWK/tsv.awk" "$2"
}

# scratch <area>: a private scratch folder, removed on exit.
scratch()
{
	SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/labyrinth-$1.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$SCRATCH'" EXIT
	trap 'exit 130' INT TERM
}

# plot_all <dir> <manifest>: draw every "plot" entry of a manifest with
# gnuplot, all in one process; if that fails, one by one, so that a plot
# that fails leaves its error beside it and no SVG, and the others are drawn.
plot_all()
{
	command -v gnuplot >/dev/null 2>&1 || {
		: >"$1/no-gnuplot"
		return 0
	}
	awk -F '\t' '$3 == "plot" { print $4 }' "$2" >"$1/plots"
	[ -s "$1/plots" ] || return 0
	while IFS= read -r _gp; do
		printf 'reset\n'
		cat "$1/$_gp.gp"
		printf 'unset output\n'
	done <"$1/plots" >"$1/all.gp"
	(cd "$1" && gnuplot all.gp >/dev/null 2>all.err) && return 0
	while IFS= read -r _gp; do
		rm -f "$1/$_gp.svg"
		(cd "$1" && gnuplot "$_gp.gp" >/dev/null 2>"$_gp.err") ||
			rm -f "$1/$_gp.svg"
	done <"$1/plots"
}
