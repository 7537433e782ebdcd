#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# merge.sh OUT RUN...: combine the result folders of the shards of one run
# (SHARD=k/N) into one results folder OUT, then rebuild its ktap.txt,
# results.tsv, junit.xml and report.html.  RUN is a folder or a run id
# under results/.  Tests are numbered 1..N again: shards numbered from 1
# each stay together in shard order (shard=k/N in meta.env, then the order
# of RUN arguments); shards that kept the full list's idx go back into the
# full list's order.  Test folders are copied, console.log and channel.log
# concatenated, meta.env united (differing values joined with ", ", start
# the earliest, end the latest, merged_from the runs' ids).
# Exit 2 when a run is missing or garbled, when runs differ in suite_format
# or kernel config_hash, when one test appears in two runs, or when OUT
# already holds something.

set -eu
. "$(dirname "$0")/lib.sh"
. "$LAB_TOP/scripts/report/lib.sh"

TAB=$(printf '\t')

# entries <shard> <order> <run>: for each list line
#   idx shard order pos tag run command-and-args
entries()
{
	awk -v shard="$1" -v order="$2" -v run="$3" '
	/^[ \t]*(#|$)/ { next }
	NF < 2 || $1 !~ /^[0-9]+$/ {
		printf "%s:%d: not an \"idx tag command args\" line\n", FILENAME, FNR > "/dev/stderr"
		exit 2
	}
	{
		rest = $0
		sub(/^[ \t]*[^ \t]+[ \t]+[^ \t]+[ \t]*/, "", rest)
		printf "%d\t%d\t%d\t%d\t%s\t%s\t%s\n", $1, shard, order, ++pos, $2, run, rest
	}' "$3/list"
}

# merge_meta <out> <run...>: the union of the runs' meta.env.
merge_meta()
{
	_out=$1
	shift
	for _r in "$@"; do
		printf '%s\n' "$_r/meta.env"
	done | awk -v out_id="${_out##*/}" -v ids="$IDS" '
	{
		file = $0
		while ((getline line < file) > 0) {
			if (line ~ /^[ \t]*(#|$)/ || !(eq = index(line, "=")))
				continue
			k = substr(line, 1, eq - 1)
			v = substr(line, eq + 1)
			if (k == "run_id" || k == "shard")
				continue
			if (!(k in val)) {
				keys[++n] = k
				val[k] = v
				have[k, v] = 1
			} else if (k == "start") {
				if (v < val[k])
					val[k] = v
			} else if (k == "end") {
				if (v > val[k])
					val[k] = v
			} else if (!((k, v) in have)) {
				have[k, v] = 1
				val[k] = val[k] ", " v
			}
		}
		close(file)
	}
	END {
		print "run_id=" out_id
		for (i = 1; i <= n; i++)
			print keys[i] "=" val[keys[i]]
		print "merged_from=" ids
	}' >"$_out/meta.env"
}

# check_same <key> <run...>: every run has the same non-empty value.
check_same()
{
	_key=$1
	shift
	_first=
	_firstrun=
	for _r in "$@"; do
		_v=$(run_meta "$_r" "$_key")
		[ -n "$_v" ] || die "$_r/meta.env has no $_key: cannot tell whether it may be merged"
		if [ -z "$_firstrun" ]; then
			_first=$_v
			_firstrun=$_r
		elif [ "$_v" != "$_first" ]; then
			die "$_r has $_key=$_v but $_firstrun has $_key=$_first: refusing to merge"
		fi
	done
}

copy_tests()
{
	_new=0
	while IFS="$TAB" read -r _idx _shard _order _pos _tag _run _rest; do
		_new=$((_new + 1))
		printf '%s %s %s\n' "$_new" "$_tag" "$_rest" >>"$OUT/list"
		if [ -d "$_run/tests/$_idx-$_tag" ]; then
			cp -R "$_run/tests/$_idx-$_tag" "$OUT/tests/$_new-$_tag"
		fi
	done <"$SCRATCH/entries"
	sed -i 's/ *$//' "$OUT/list"
}

main()
{
	[ $# -ge 2 ] || die "usage: $0 OUT RUN..."
	OUT=$1
	shift
	if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT" 2>/dev/null)" ]; then
		die "$OUT already exists and is not empty: choose a new folder"
	fi
	scratch merge
	: >"$SCRATCH/runs"
	for _arg in "$@"; do
		_r=$(resolve_run RUN "$_arg") || exit 2
		check_run merge "$_r"
		printf '%s\n' "$_r" >>"$SCRATCH/runs"
	done
	# the runs, one per line, as positional parameters again
	set --
	while IFS= read -r _r; do
		set -- "$@" "$_r"
	done <"$SCRATCH/runs"
	check_same suite_format "$@"
	check_same config_hash "$@"
	IDS=
	_order=0
	: >"$SCRATCH/unsorted"
	for _r in "$@"; do
		_order=$((_order + 1))
		IDS="$IDS${IDS:+ }$(run_id "$_r")"
		_shard=$(run_meta "$_r" shard)
		_shard=${_shard%%/*}
		case $_shard in
		'' | *[!0-9]*) _shard=0 ;;
		esac
		entries "$_shard" "$_order" "$_r" >>"$SCRATCH/unsorted" ||
			die "$_r/list does not parse"
	done
	_dup=$(cut -f5 "$SCRATCH/unsorted" | sort | uniq -d | head -n 1)
	[ -z "$_dup" ] || die "test '$_dup' is in more than one run: these are not shards of one run"
	# Runs that number their tests from 1 keep them together, in shard
	# order (meta.env shard=k/N, then the order of RUN arguments); runs
	# that kept the full list's idx interleave back into its order.
	if [ -n "$(cut -f1 "$SCRATCH/unsorted" | sort | uniq -d | head -n 1)" ]; then
		sort -t "$TAB" -k2,2n -k3,3n -k4,4n "$SCRATCH/unsorted"
	else
		sort -t "$TAB" -k1,1n -k3,3n -k4,4n "$SCRATCH/unsorted"
	fi >"$SCRATCH/entries"
	mkdir -p "$OUT/tests"
	: >"$OUT/list"
	copy_tests
	merge_meta "$OUT" "$@"
	: >"$OUT/console.log"
	: >"$OUT/channel.log"
	for _r in "$@"; do
		[ ! -f "$_r/console.log" ] || cat "$_r/console.log" >>"$OUT/console.log"
		[ ! -f "$_r/channel.log" ] || cat "$_r/channel.log" >>"$OUT/channel.log"
	done
	"$LAB_TOP/scripts/report.sh" "$OUT" ktap tsv junit html
	info "merged $# runs into $OUT: $OUT/report.html, $OUT/junit.xml"
}

main "$@"
