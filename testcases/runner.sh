#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest runner: run the resolved test list from /lab/run/list (lines
# "idx tag command args"), starting at the index the host asks for, and
# report every event on the results channel as it happens (see README,
# "Results channel").

set -eu

LIST=/lab/run/list
ENVF=/lab/run/env
TESTS=/lab/testcases
CHANNEL=${LAB_CHANNEL:-/dev/ttyS1}

emit()
{
	printf '%s\n' "$*" >&3
}

kmsg()
{
	printf '<6>labyrinth: %s\n' "$*" >/dev/kmsg
}

# Settings from the host: a fixed allow-list, never sourced.
read_env()
{
	START=1
	LAB_DURATION=10
	LAB_SEED=1
	[ -f "$ENVF" ] || return 0
	while IFS='=' read -r key value; do
		case $key in
		start) START=$value ;;
		duration) LAB_DURATION=$value ;;
		seed) LAB_SEED=$value ;;
		'' | '#'*) ;;
		*) echo "runner: unknown key '$key' in $ENVF" ;;
		esac
	done <"$ENVF"
	export LAB_DURATION LAB_SEED
}

open_channel()
{
	i=0
	while [ ! -e "$CHANNEL" ] && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ -e "$CHANNEL" ]; then
		stty -F "$CHANNEL" raw -echo 2>/dev/null || :
		exec 3>"$CHANNEL"
	else
		echo "runner: no results channel $CHANNEL, reporting on the console"
		exec 3>/dev/console
	fi
}

# header_value <file> <key>: "# key: value" from a test's header.
header_value()
{
	sed -n "s/^# $2:[[:space:]]*//p" "$1" | head -n 1
}

test_timeout()
{
	t=$(header_value "$1" timeout)
	case $t in
	'' | *[!0-9]*) t=300 ;;
	esac
	echo $((t + 2 * LAB_DURATION))
}

heartbeat()
{
	while :; do
		sleep 5
		emit "LAB HB $(cut -d' ' -f1 /proc/uptime)"
	done
}

run_one()
{
	idx=$1
	tag=$2
	cmd=$3
	shift 3
	out=/tmp/lab/$idx
	rm -rf "$out"
	mkdir -p "$out"
	file=$TESTS/$cmd
	timeout=300
	[ -f "$file" ] && timeout=$(test_timeout "$file")
	emit "LAB START $idx $tag $timeout"
	kmsg "START $idx $tag"
	t0=$(cut -d" " -f1 /proc/uptime)
	(
		cd "$TESTS"
		export LAB_IDX="$idx" LAB_TAG="$tag" LAB_OUT="$out"
		export LAB_MODDIR=/lab/modules LAB_CONFIGS=/lab/configs
		rc=0
		timeout -s KILL "$timeout" sh "./$cmd" "$@" </dev/null || rc=$?
		echo "$rc" >"$out/.rc"
	) 2>&1 | while IFS= read -r line; do
		emit "LAB OUT $idx $line"
	done
	rc=$(cat "$out/.rc" 2>/dev/null || echo 255)
	emit "LAB TIME $idx $(awk -v t0="$t0" '{ printf "%.2f", $1 - t0 }' /proc/uptime)"
	if [ -f "$out/data" ]; then
		while IFS= read -r line; do
			emit "LAB DATA $idx $line"
		done <"$out/data"
	fi
	why=$(head -n 1 "$out/verdict" 2>/dev/null || :)
	case $rc in
	0) emit "LAB RESULT $idx $tag ok" ;;
	1) emit "LAB RESULT $idx $tag fail ${why:-test: failed without a reason}" ;;
	4) emit "LAB RESULT $idx $tag skip ${why:-no reason given}" ;;
	137) emit "LAB RESULT $idx $tag fail timeout: test ran longer than ${timeout}s" ;;
	*) emit "LAB RESULT $idx $tag error test: exit status $rc${why:+ ($why)}" ;;
	esac
	kmsg "END $idx $tag"
}

main()
{
	read_env
	open_channel
	count=$(wc -l <"$LIST")
	emit "LAB BOOT $START $count $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo none)"
	heartbeat &
	hb=$!
	set -f
	while read -r idx tag cmd args; do
		[ "$idx" -ge "$START" ] || continue
		# shellcheck disable=SC2086
		run_one "$idx" "$tag" "$cmd" $args
	done <"$LIST"
	set +f
	kill "$hb" 2>/dev/null || :
	emit "LAB DONE"
}

main "$@"
