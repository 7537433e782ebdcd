#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# compare.sh [-c conf] [-o out-dir] BASE NEW: a regression report of run NEW
# against run BASE (folders, or run ids under results/).  Prints Markdown
# and writes compare.md and compare.html (with plots) into out-dir
# (default results/compare-<base>-<new>/).  Lists verdict changes, new
# crash titles, success-rate and p99-latency changes beyond the thresholds
# in configs/compare.conf (or -c, or COMPARE_CONF), and tests present in
# only one run.
# Exit: 0 no regression, 1 regression, 2 bad input (a missing, garbled or
# incompatible run folder, thresholds that do not parse).

set -eu
. "$(dirname "$0")/lib.sh"
. "$LAB_TOP/scripts/report/lib.sh"

usage()
{
	die "usage: $0 [-c thresholds.conf] [-o out-dir] BASE NEW"
}

# check_number <file:line> <key> <value> <integer|decimal>
check_number()
{
	case $3 in
	'' | *[!0-9.]* | *.*.* | .* | *.)
		die "$1: $2='$3' is not a non-negative number" ;;
	esac
	if [ "$4" = integer ]; then
		case $3 in
		*.*) die "$1: $2='$3' is not a whole number" ;;
		esac
	fi
}

# read_conf <file>: set DROP, RISE and MIN from key=value lines.
read_conf()
{
	if [ ! -f "$1" ] || [ ! -r "$1" ]; then
		die "thresholds file $1 not found"
	fi
	_n=0
	while IFS= read -r _line || [ -n "$_line" ]; do
		_n=$((_n + 1))
		_line=${_line#"${_line%%[![:space:]]*}"}
		_line=${_line%"${_line##*[![:space:]]}"}
		case $_line in
		'' | '#'*) continue ;;
		*=*) ;;
		*) die "$1:$_n: not a key=value line: $_line" ;;
		esac
		_key=${_line%%=*}
		_key=${_key%"${_key##*[![:space:]]}"}
		_val=${_line#*=}
		_val=${_val#"${_val%%[![:space:]]*}"}
		case $_key in
		success_drop_pp)
			check_number "$1:$_n" "$_key" "$_val" decimal
			awk -v d="$_val" 'BEGIN { exit !(d <= 100) }' ||
				die "$1:$_n: success_drop_pp=$_val is more than 100 points"
			DROP=$_val ;;
		p99_increase_pct)
			check_number "$1:$_n" "$_key" "$_val" decimal
			RISE=$_val ;;
		min_attempts)
			check_number "$1:$_n" "$_key" "$_val" integer
			MIN=$_val ;;
		*)
			die "$1:$_n: unknown key '$_key' (known: success_drop_pp, p99_increase_pct, min_attempts)" ;;
		esac
	done <"$1"
	[ -n "${DROP:-}" ] || die "$1: success_drop_pp is not set"
	[ -n "${RISE:-}" ] || die "$1: p99_increase_pct is not set"
	[ -n "${MIN:-}" ] || die "$1: min_attempts is not set"
}

# prepare <side> <run-dir>: the side's test table and results.tsv.
prepare()
{
	run_tests "$2" >"$SCRATCH/$1.tests" || die "$1: $2/list does not parse"
	run_tsv "$2" "$SCRATCH/$1.tests" >"$SCRATCH/$1.tsv"
}

render()
{
	LC_ALL=C awk -v fmt="$1" -v findings="$SCRATCH/findings" \
		-v bmeta="$base/meta.env" -v nmeta="$new/meta.env" \
		-v bid="$bid" -v nid="$nid" -v drop="$DROP" -v rise="$RISE" \
		-v min="$MIN" -v conf="$shown_conf" -v dir="$SCRATCH/plots" \
		-v generated="$(date -u '+%Y-%m-%d %H:%M UTC')" \
		-f "$REPORT_AWK/common.awk" -f "$REPORT_AWK/compare-render.awk"
}

main()
{
	conf=${COMPARE_CONF:-$LAB_TOP/configs/compare.conf}
	out=
	while getopts c:o: opt; do
		case $opt in
		c) conf=$OPTARG ;;
		o) out=$OPTARG ;;
		*) usage ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -eq 2 ] || usage
	read_conf "$conf"
	base=$(resolve_run BASE "$1") || exit 2
	new=$(resolve_run NEW "$2") || exit 2
	check_run BASE "$base" ktap
	check_run NEW "$new" ktap
	case $conf in
	"$LAB_TOP"/*) shown_conf=${conf#"$LAB_TOP"/} ;;
	*) shown_conf=$conf ;;
	esac
	bid=$(run_id "$base")
	nid=$(run_id "$new")
	out=${out:-$LAB_TOP/results/compare-$bid-$nid}
	scratch compare
	prepare BASE "$base"
	prepare NEW "$new"
	LC_ALL=C awk -v btable="$SCRATCH/BASE.tests" -v ntable="$SCRATCH/NEW.tests" \
		-v btsv="$SCRATCH/BASE.tsv" -v ntsv="$SCRATCH/NEW.tsv" \
		-v drop="$DROP" -v rise="$RISE" -v min="$MIN" \
		-f "$REPORT_AWK/common.awk" -f "$REPORT_AWK/compare.awk" \
		>"$SCRATCH/findings"
	mkdir -p "$SCRATCH/plots"
	: >"$SCRATCH/plots/manifest"
	LC_ALL=C awk -v btsv="$SCRATCH/BASE.tsv" -v ntsv="$SCRATCH/NEW.tsv" \
		-v dir="$SCRATCH/plots" -f "$REPORT_AWK/common.awk" \
		-f "$REPORT_AWK/plotlib.awk" -f "$REPORT_AWK/compare-plots.awk"
	plot_all "$SCRATCH/plots" "$SCRATCH/plots/manifest"
	mkdir -p "$out"
	render md >"$out/compare.md"
	render html | LC_ALL=C awk -v scratch="$SCRATCH" -v brun="$base" -v nrun="$new" -v drop="$DROP" \
		-f "$REPORT_AWK/common.awk" -f "$REPORT_AWK/grid.awk" \
		-f "$REPORT_AWK/compare-grid.awk" >"$out/compare.html"
	cat "$out/compare.md"
	info "comparison written to $out/compare.md and $out/compare.html"
	regressions=$(awk -F '\t' '$1 == "count" { print $2 }' "$SCRATCH/findings")
	[ "${regressions:-0}" -eq 0 ] || exit 1
}

main "$@"
