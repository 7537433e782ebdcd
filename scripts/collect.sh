#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Turn one boot's results channel and console into per-test results.
#   collect.sh <run-dir> <boot-number>
# Reads <run-dir>/list, boot-<n>/channel.log, boot-<n>/console.log and
# boot-<n>/console.log.end; writes tests/<idx>-<tag>/{output.log,data,time,
# guest,kmsg.log,findings,result}.  Prints one line for the caller:
#   done                      the guest finished the list
#   crashed <idx>             the guest died or hung in (or after) test idx
#   noboot <reason>           the guest never started a test

set -eu
. "$(dirname "$0")/lib.sh"

split_channel()
{
	awk -v dir="$1/tests" '
	FILENAME == ARGV[1] { tag[$1] = $2; next }
	$1 != "LAB" { next }
	function d(i) { return dir "/" i "-" tag[i] }
	function rest(n,   s) { s = $0; for (k = 0; k < n; k++) sub(/^[^ ]* +/, "", s); return s }
	$2 == "START" { system("mkdir -p \"" d($3) "\""); print "" > (d($3) "/started"); close(d($3) "/started"); next }
	$2 == "OUT" { print rest(3) >> (d($3) "/output.log"); next }
	$2 == "DATA" { print rest(3) >> (d($3) "/data"); next }
	$2 == "TIME" { print $4 > (d($3) "/time"); close(d($3) "/time"); next }
	$2 == "RESULT" {
		s = rest(5)
		printf "%s\t%s\n", $5, s > (d($3) "/guest"); close(d($3) "/guest"); next
	}
	' "$1/list" "$2"
}

split_console()
{
	awk -v dir="$1/tests" '
	FILENAME == ARGV[1] { tag[$1] = $2; next }
	{ line = $0; sub(/\r$/, "", line) }
	match(line, /labyrinth: START [0-9]+ /) {
		s = substr(line, RSTART + 17); split(s, f, " ")
		if (cur != "") close(cur)
		cur = dir "/" f[1] "-" tag[f[1]] "/kmsg.log"
		printf "" > cur
	}
	cur != "" { print line >> cur }
	match(line, /labyrinth: END [0-9]+ /) { if (cur != "") close(cur); cur = "" }
	' "$1/list" "$2"
}

classify()
{
	if [ -s "$1" ]; then
		awk -v conf="$LAB_TOP/configs/classify.conf" \
			-f "$LAB_TOP/scripts/classify.awk" "$1"
	fi
}

# decide <test-dir> <boot-end>: combine the guest's own verdict with the
# console findings into "status<TAB>category: title".
decide()
{
	_t=$1
	_end=$2
	_rc=0
	classify "$_t/kmsg.log" >"$_t/findings" || _rc=$?
	[ "$_rc" -le 1 ] || die "classifying $_t/kmsg.log failed"
	_find=$(grep -v '^noise	' "$_t/findings" | head -n 1 | sed 's/	/: /')
	if [ -f "$_t/guest" ]; then
		_st=$(cut -f1 "$_t/guest")
		_why=$(cut -f2- "$_t/guest")
		if [ -n "$_find" ]; then
			printf 'fail\t%s\n' "$_find"
		else
			printf '%s\t%s\n' "$_st" "$_why"
		fi
		return 0
	fi
	_title=$(printf '%s\n' "$_find" | sed 's/^[^:]*: //')
	case $_end in
	hang*) printf 'fail\thang: %s\n' "${_title:-${_end#hang }}" ;;
	*) printf 'fail\tpanic: %s\n' "${_title:-guest ended without a result (${_end})}" ;;
	esac
}

main()
{
	[ $# -eq 2 ] || die "usage: collect.sh <run-dir> <boot-number>"
	run=$1
	boot=$run/boot-$2
	[ -f "$boot/channel.log" ] || die "$boot/channel.log not found"
	end=$(tail -n 1 "$boot/console.log.end" 2>/dev/null || echo "exit unknown")
	split_channel "$run" "$boot/channel.log"
	split_console "$run" "$boot/console.log"
	started=$(awk '$1 == "LAB" && $2 == "START" { print $3 }' "$boot/channel.log")
	last=
	for idx in $started; do
		tag=$(awk -v i="$idx" '$1 == i { print $2 }' "$run/list")
		t=$run/tests/$idx-$tag
		decide "$t" "$end" >"$t/result"
		last=$idx
	done
	if grep -q '^LAB DONE' "$boot/channel.log"; then
		echo "done"
	elif [ -n "$last" ]; then
		# A guest that died between tests: the crash belongs to the test
		# that ran last; its slice runs to the end of the console.
		tag=$(awk -v i="$last" '$1 == i { print $2 }' "$run/list")
		t=$run/tests/$last-$tag
		if [ -f "$t/guest" ]; then
			awk -v idx="$last" '
				{ sub(/\r$/, "") }
				index($0, "labyrinth: END " idx " ") { on = 1; next }
				on' "$boot/console.log" >>"$t/kmsg.log"
			decide "$t" "$end" >"$t/result"
		fi
		echo "crashed $last"
	else
		reason=$(grep -E 'Kernel panic|KVM internal error|qemu:' "$boot/console.log" |
			head -n 1 | sed 's/^\[[ 0-9.]*\] //')
		echo "noboot ${reason:-${end}}"
	fi
}

main "$@"
