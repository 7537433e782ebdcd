#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# compare.sh [-c conf] [-o out-dir] BASE NEW: a regression report of run NEW
# against run BASE (folders, or run ids under results/).  Prints a one-line
# summary, then Markdown; writes summary.txt, compare.md, compare.html (with
# plots) and changes.tsv (every measurement compared) into out-dir (default
# results/compare-<base>-<new>/).  Verdict changes, new crash titles, and
# per test, context and order the windows of BASE against those of NEW
# (Mann-Whitney U test and a minimum effect, configs/compare.conf, or -c, or
# COMPARE_CONF), with the memory state of both runs compared first.
# Exit: 0 no regression, 1 regression, 2 bad input (a missing, garbled or
# incompatible run folder, thresholds that do not parse).
#
# compare.sh -s [-c conf] RUN RUN [RUN...]: the spread between runs of one
# kernel (A/A), per memory state (free blocks plenty or scarce), order and
# metric, against the floors of the settings (compare-spread.awk).  Exit 0
# when every floor of a compared metric is above the spread measured, 1
# when one is not (that A/A pair would read as a regression), 2 bad input.

set -eu
. "$(dirname "$0")/lib.sh"
. "$LAB_TOP/scripts/report/lib.sh"

usage()
{
	die "usage: $0 [-c thresholds.conf] [-o out-dir] BASE NEW
       $0 -s [-c thresholds.conf] RUN RUN [RUN...]"
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

# check_range <file:line> <key> <value> <awk condition on v> <what>
check_range()
{
	awk -v v="$3" "BEGIN { exit !($4) }" || die "$1: $2=$3 is not $5"
}

# check_metrics <file:line> <value>: a comma list of success, p50, p99.
check_metrics()
{
	case ,$2, in
	,,) die "$1: metrics is empty" ;;
	esac
	for _m in $(printf '%s\n' "$2" | tr ',' ' '); do
		case $_m in
		success | p50 | p99) ;;
		*) die "$1: metrics: unknown metric '$_m' (known: success, p50, p99)" ;;
		esac
	done
}

CONF_KEYS="method alpha metrics success_min_pp latency_min_pct scarce_success_min_pp scarce_latency_min_pct min_window_attempts min_windows frag_ratio frag_min_blocks highatomic_diff_pages state_categories"

# conf_set <file:line> <key> <value>: check one setting and keep it as
# CONF_<key>.
conf_set()
{
	case $2 in
	method)
		[ "$3" = mann-whitney ] ||
			die "$1: method=$3 is not known (known: mann-whitney)"
		CONF_method=$3 ;;
	alpha)
		check_number "$1" "$2" "$3" decimal
		check_range "$1" "$2" "$3" 'v > 0 && v < 1' "between 0 and 1"
		CONF_alpha=$3 ;;
	metrics) check_metrics "$1" "$3"; CONF_metrics=$3 ;;
	success_min_pp)
		check_number "$1" "$2" "$3" decimal
		check_range "$1" "$2" "$3" 'v <= 100' "100 points or less"
		CONF_success_min_pp=$3 ;;
	latency_min_pct) check_number "$1" "$2" "$3" decimal; CONF_latency_min_pct=$3 ;;
	scarce_success_min_pp)
		check_number "$1" "$2" "$3" decimal
		check_range "$1" "$2" "$3" 'v <= 100' "100 points or less"
		CONF_scarce_success_min_pp=$3 ;;
	scarce_latency_min_pct)
		check_number "$1" "$2" "$3" decimal; CONF_scarce_latency_min_pct=$3 ;;
	frag_ratio)
		check_number "$1" "$2" "$3" decimal
		check_range "$1" "$2" "$3" 'v >= 1' "1 or more"
		CONF_frag_ratio=$3 ;;
	min_window_attempts)
		check_number "$1" "$2" "$3" integer; CONF_min_window_attempts=$3 ;;
	frag_min_blocks) check_number "$1" "$2" "$3" integer; CONF_frag_min_blocks=$3 ;;
	highatomic_diff_pages)
		check_number "$1" "$2" "$3" integer; CONF_highatomic_diff_pages=$3 ;;
	state_categories)
		case ,$3, in
		*[!a-z_,]* | *,,*) die "$1: state_categories='$3' is not a comma list of categories" ;;
		esac
		CONF_state_categories=$3 ;;
	min_windows)
		check_number "$1" "$2" "$3" integer
		check_range "$1" "$2" "$3" 'v >= 2' "2 or more"
		CONF_min_windows=$3 ;;
	*)
		die "$1: unknown key '$2' (known: $(echo "$CONF_KEYS" | sed 's/ /, /g'))" ;;
	esac
}

# conf_get <key>: its value; fails when it is not set.
conf_get()
{
	case $1 in
	method) _v=${CONF_method:-} ;;
	alpha) _v=${CONF_alpha:-} ;;
	metrics) _v=${CONF_metrics:-} ;;
	success_min_pp) _v=${CONF_success_min_pp:-} ;;
	latency_min_pct) _v=${CONF_latency_min_pct:-} ;;
	scarce_success_min_pp) _v=${CONF_scarce_success_min_pp:-} ;;
	scarce_latency_min_pct) _v=${CONF_scarce_latency_min_pct:-} ;;
	min_window_attempts) _v=${CONF_min_window_attempts:-} ;;
	min_windows) _v=${CONF_min_windows:-} ;;
	frag_ratio) _v=${CONF_frag_ratio:-} ;;
	frag_min_blocks) _v=${CONF_frag_min_blocks:-} ;;
	highatomic_diff_pages) _v=${CONF_highatomic_diff_pages:-} ;;
	state_categories) _v=${CONF_state_categories:-} ;;
	*) _v= ;;
	esac
	[ -n "$_v" ] && printf '%s\n' "$_v"
}

# read_conf <file>: every key of CONF_KEYS from key=value lines.
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
		conf_set "$1:$_n" "$_key" "$_val"
	done <"$1"
	for _k in $CONF_KEYS; do
		conf_get "$_k" >/dev/null || die "$1: $_k is not set"
	done
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
		-v bid="$bid" -v nid="$nid" -v conf="$shown_conf" \
		-v alpha="$CONF_alpha" -v metrics="$CONF_metrics" \
		-v success_pp="$CONF_success_min_pp" -v latency_pct="$CONF_latency_min_pct" \
		-v scarce_success_pp="$CONF_scarce_success_min_pp" \
		-v scarce_latency_pct="$CONF_scarce_latency_min_pct" \
		-v min_windows="$CONF_min_windows" \
		-v min_window_attempts="$CONF_min_window_attempts" \
		-v dir="$SCRATCH/plots" \
		-v generated="$(date -u '+%Y-%m-%d %H:%M UTC')" \
		-f "$REPORT_AWK/common.awk" -f "$REPORT_AWK/compare-render.awk"
}

# subsys_findings: the subsys tests' throughput and recovery compared
# (compare-subsys.awk), added to the findings and their regressions and
# improvements to the count.
subsys_findings()
{
	# shellcheck disable=SC2046 # one argument per data file
	LC_ALL=C awk -v brun="$base" -v nrun="$new" -f "$REPORT_AWK/compare-subsys.awk" \
		$(ls "$base"/tests/*/data "$new"/tests/*/data 2>/dev/null) /dev/null \
		>"$SCRATCH/subsys"
	LC_ALL=C awk -F '\t' -v OFS='\t' '
		FILENAME == ARGV[1] { if ($7 == "regression") r++; else if ($7 == "improvement") i++; next }
		$1 == "count" { $2 += r; $3 += i }
		{ print }' "$SCRATCH/subsys" "$SCRATCH/findings" >"$SCRATCH/findings.new"
	cat "$SCRATCH/subsys" >>"$SCRATCH/findings.new"
	mv "$SCRATCH/findings.new" "$SCRATCH/findings"
}

# changes_tsv: every measurement compared, with its test's numbers.
changes_tsv()
{
	printf 'test\tctx\torder\tmetric\tbase_median\tnew_median\teffect\tp_value\tbase_windows\tnew_windows\tclass\tconditions\tstate\tfloor\n'
	awk -F '\t' -v OFS='\t' '$1 == "change" { $1 = ""; sub(/^\t/, ""); print }' \
		"$SCRATCH/findings"
}

# spread <run>...: the A/A spread table of the runs, and whether the
# floors of the settings are above it.
spread()
{
	scratch spread
	: >"$SCRATCH/files"
	for _r in "$@"; do
		_d=$(resolve_run RUN "$_r") || exit 2
		check_run RUN "$_d" ktap
		for _f in "$_d"/tests/*/data; do
			[ -f "$_f" ] && printf '%s\n' "$_f" >>"$SCRATCH/files"
		done
	done
	# shellcheck disable=SC2046 # one argument per data file
	LC_ALL=C awk -v min_windows="$CONF_min_windows" \
		-v min_window_attempts="$CONF_min_window_attempts" \
		-v frag_min_blocks="$CONF_frag_min_blocks" \
		-f "$REPORT_AWK/common.awk" -f "$REPORT_AWK/compare-spread.awk" \
		$(cat "$SCRATCH/files") >"$SCRATCH/spread"
	LC_ALL=C awk -F '\t' -v runs=$# -v metrics="$CONF_metrics" \
		-v success_pp="$CONF_success_min_pp" -v latency_pct="$CONF_latency_min_pct" \
		-v scarce_success_pp="$CONF_scarce_success_min_pp" \
		-v scarce_latency_pct="$CONF_scarce_latency_min_pct" '
	BEGIN {
		split(metrics, M, ",")
		for (i in M)
			used[M[i]] = 1
		printf "A/A spread over %d runs: the largest move of a median of windows between two runs\n", runs
		printf "%-7s %5s %-8s %8s %8s %6s  %s\n", "state", "order", "metric", "spread", "floor",
		    "meas.", "largest in"
	}
	$1 == "c" {
		floor = $2 == "scarce" ? ($4 == "success" ? scarce_success_pp : scarce_latency_pct) : \
		    ($4 == "success" ? success_pp : latency_pct)
		unit = $4 == "success" ? "pt" : "%"
		flag = ""
		if (!($4 in used))
			flag = "  (not compared)"
		else if ($7 + 0 >= floor + 0) {
			flag = "  FLOOR TOO LOW"
			low++
		}
		printf "%-7s %5s %-8s %6.1f%-2s %6s%-2s %6d  %s %s%s\n", $2, $3, $4, $7, unit,
		    floor, unit, $5, $8, $9, flag
	}
	END {
		if (low)
			printf "%d floors are not above the spread measured\n", low
		exit low ? 1 : 0
	}' <<EOF
$(grep '^c' "$SCRATCH/spread" | sort -t "$(printf '\t')" -k2,2 -k4,4r -k3,3n)
EOF
}

main()
{
	conf=${COMPARE_CONF:-$LAB_TOP/configs/compare.conf}
	out=
	mode=compare
	while getopts c:o:s opt; do
		case $opt in
		c) conf=$OPTARG ;;
		o) out=$OPTARG ;;
		s) mode=spread ;;
		*) usage ;;
		esac
	done
	shift $((OPTIND - 1))
	if [ "$mode" = spread ]; then
		[ $# -ge 2 ] || usage
		read_conf "$conf"
		spread "$@"
		return
	fi
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
		-v brun="$base" -v nrun="$new" \
		-v alpha="$CONF_alpha" -v metrics="$CONF_metrics" \
		-v success_pp="$CONF_success_min_pp" -v latency_pct="$CONF_latency_min_pct" \
		-v scarce_success_pp="$CONF_scarce_success_min_pp" \
		-v scarce_latency_pct="$CONF_scarce_latency_min_pct" \
		-v min_windows="$CONF_min_windows" \
		-v min_window_attempts="$CONF_min_window_attempts" \
		-v frag_ratio="$CONF_frag_ratio" -v frag_min_blocks="$CONF_frag_min_blocks" \
		-v highatomic_pages="$CONF_highatomic_diff_pages" \
		-v state_categories="$CONF_state_categories" \
		-f "$REPORT_AWK/common.awk" -f "$REPORT_AWK/compare.awk" \
		>"$SCRATCH/findings"
	subsys_findings
	mkdir -p "$SCRATCH/plots"
	: >"$SCRATCH/plots/manifest"
	LC_ALL=C awk -v btsv="$SCRATCH/BASE.tsv" -v ntsv="$SCRATCH/NEW.tsv" \
		-v dir="$SCRATCH/plots" -f "$REPORT_AWK/common.awk" \
		-f "$REPORT_AWK/plotlib.awk" -f "$REPORT_AWK/compare-plots.awk"
	plot_all "$SCRATCH/plots" "$SCRATCH/plots/manifest"
	mkdir -p "$out"
	render summary >"$out/summary.txt"
	render md >"$out/compare.md"
	render html | LC_ALL=C awk -v scratch="$SCRATCH" -v brun="$base" -v nrun="$new" \
		-v drop="$CONF_success_min_pp" -f "$REPORT_AWK/common.awk" -f "$REPORT_AWK/grid.awk" \
		-f "$REPORT_AWK/compare-grid.awk" >"$out/compare.html"
	changes_tsv >"$out/changes.tsv"
	cat "$out/summary.txt"
	echo
	cat "$out/compare.md"
	info "comparison written to $out/compare.md, compare.html, summary.txt and changes.tsv"
	regressions=$(awk -F '\t' '$1 == "count" { print $2 }' "$SCRATCH/findings")
	[ "${regressions:-0}" -eq 0 ] || exit 1
}

main "$@"
