#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The live progress display of a run, one line per test with its final
# verdict (the one collect.sh gives it), elapsed time and ETA, on stderr:
#   [ 3/13] ok    engine_scoped        4.1s  elapsed 1:02  eta 3:27
#   [ 4/13] fail  engine_teardown      2.0s  elapsed 1:10  eta 3:12  # oops: ...
#   progress.sh follow <run-dir> <boot> <pid>
#       while process <pid> (the boot's qemu.sh) lives: a line for each test
#       the guest finishes, once collect.sh has judged it on the logs so far,
#       and one for each progress record of a long test (LAB PROG, sent
#       every 10 s of a measured phase longer than 30 s: prog_line)
#   progress.sh after <run-dir> <boot> [<list>]
#       after the boot was collected: a line for each test that has a result
#       and no line yet (the test that crashed, hung or was interrupted), of
#       <list> (the boot's part of the run's list; default the whole list)
# Tests already shown are listed in <run-dir>/.progress.  Variables:
# LAB_T0 (the run's start, seconds since the epoch).

set -eu
LAB_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$LAB_TOP/scripts/lib.sh"

# line <idx> <tag> <test-dir>: print the line of one test (under the
# run's progress lock: the guests of a run share the count).
line()
{
	(
		flock 9
		line_locked "$@"
	) 9>>"$RUN/.progress.lock"
}

line_locked()
{
	! grep -qx "$1" "$RUN/.progress" 2>/dev/null || return 0
	_res=$(cat "$3/result" 2>/dev/null || printf 'error\tmissing: no result')
	_st=$(printf '%s\n' "$_res" | cut -f1)
	_why=$(printf '%s\n' "$_res" | cut -f2- | cut -c1-70)
	_secs=$(cat "$3/time" 2>/dev/null || echo -)
	echo "$1" >>"$RUN/.progress"
	_n=$(wc -l <"$RUN/.progress")
	_total=$(wc -l <"$RUN/list")
	_el=$(($(date +%s) - ${LAB_T0:-$(date +%s)}))
	_eta=$((_el * (_total - _n) / _n))
	[ "$_eta" -ge 0 ] || _eta=0
	case $_st in
	ok | xpass) _why= ;;
	*) _why="  # $_why" ;;
	esac
	printf '[%*d/%d] %-5s %-40s %6ss  elapsed %d:%02d  eta %d:%02d%s\n' \
		"${#_total}" "$_n" "$_total" "$_st" "$2" "$_secs" \
		$((_el / 60)) $((_el % 60)) $((_eta / 60)) $((_eta % 60)) "$_why" >&2
}

# prog_line <record>: the host's line for a progress record of a long test
# ("prog test= elapsed_s= remaining_s= attempts_per_s= failures= injected=
# natural= free_blocks_o<K>=", see lab_progress), on stderr:
#   soak_x  20s of 45s, 25s left  12031 attempts/s  failures 310 (injected 300, natural 10)  free blocks of order >= 3: 12
prog_line()
{
	printf '%s\n' "$1" | awk '{
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			v[kv[1]] = kv[2]
			if (kv[1] ~ /^free_blocks_o[0-9]+$/) {
				fk = substr(kv[1], 14)
				fb = kv[2]
			}
		}
		printf "        %-40s %ds of %ds, %ds left  %d attempts/s  failures %d (injected %d, natural %d)",
			v["test"], v["elapsed_s"], v["elapsed_s"] + v["remaining_s"], v["remaining_s"],
			v["attempts_per_s"], v["failures"], v["injected"], v["natural"]
		if (fk != "")
			printf "  free blocks of order >= %d: %d", fk, fb
		printf "\n"
	}' >&2
}

# judge <idx> <tag>: collect.sh's verdict on test idx from the logs so far,
# in a scratch copy of the run (the run's own folder is collected after
# the boot); prints the scratch test folder.
judge()
{
	_live=$RUN/.live-$B
	_boot=$RUN/boot-$B
	rm -rf "$_live"
	mkdir -p "$_live/boot-$B" "$_live/tests"
	cp "$RUN/list" "$_live/list"
	[ ! -f "$RUN/known-issues" ] || cp "$RUN/known-issues" "$_live/known-issues"
	# collect.sh cuts the whole console into the tests' folders
	awk -v d="$_live/tests" '{ print d "/" $1 "-" $2 }' "$RUN/list" | xargs mkdir -p
	# the kernel's END marker follows the RESULT line on the other port
	_w=0
	while [ "$_w" -lt 25 ] && ! grep -q "labyrinth: END $1 " "$_boot/console.log"; do
		sleep 0.2
		_w=$((_w + 1))
	done
	awk -v i="$1" '$1 == "LAB" && $3 == i' "$_boot/channel.log" >"$_live/boot-$B/channel.log"
	echo "LAB DONE" >>"$_live/boot-$B/channel.log"
	cp "$_boot/console.log" "$_live/boot-$B/console.log"
	# the host's samples so far: a lockup the host caused is no verdict
	for _f in console.log.host console.log.cmdline; do
		[ ! -f "$_boot/$_f" ] || cp "$_boot/$_f" "$_live/boot-$B/$_f"
	done
	echo "exit 0" >"$_live/boot-$B/console.log.end"
	"$LAB_TOP/scripts/collect.sh" "$_live" "$B" </dev/null >/dev/null 2>&1 || :
	printf '%s\n' "$_live/tests/$1-$2"
}

follow()
{
	# the boot ends when qemu.sh ends; it handles SIGTERM itself
	trap '' TERM
	_chan=$RUN/boot-$B/channel.log
	while [ ! -f "$_chan" ] && kill -0 "$1" 2>/dev/null; do
		sleep 0.1
	done
	tail -n +1 -s 0.5 -f --pid="$1" "$_chan" 2>/dev/null |
		while read -r _lab _what _idx _tag _rest; do
			[ "$_lab" = LAB ] || continue
			case $_what in
			RESULT) line "$_idx" "$_tag" "$(judge "$_idx" "$_tag")" ;;
			PROG) prog_line "$_tag $_rest" ;;
			esac
		done || :
	rm -rf "$RUN/.live-$B"
}

after()
{
	touch "$RUN/.progress"
	while read -r _idx _tag _; do
		[ -f "$RUN/tests/$_idx-$_tag/result" ] || continue
		line "$_idx" "$_tag" "$RUN/tests/$_idx-$_tag"
	done <"$1"
}

main()
{
	case ${1:-} in
	follow)
		[ $# -eq 4 ] || die "usage: progress.sh follow <run-dir> <boot> <pid>"
		RUN=$2
		B=$3
		follow "$4"
		;;
	after)
		[ $# -eq 3 ] || [ $# -eq 4 ] || die "usage: progress.sh after <run-dir> <boot> [<list>]"
		RUN=$2
		B=$3
		after "${4:-$RUN/list}"
		;;
	*) die "usage: progress.sh follow|after ..." ;;
	esac
}

main "$@"
