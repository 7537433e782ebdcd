#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The run's metadata, <run-dir>/meta.env (key=value, the last value of a
# key wins).  Sourced by scripts/run.sh and scripts/run/boots.sh after
# scripts/lib.sh.
#   write_meta <run-dir> <kernel-build>   the run's settings, at its start
#   meta_add <run-dir> <key> <value>      one more key=value

meta_add()
{
	printf '%s=%s\n' "$2" "$3" >>"$1/meta.env"
}

suite_version()
{
	git -C "$LAB_TOP" describe --always --dirty 2>/dev/null || echo unknown
}

fragment_names()
{
	(cd "$LAB_TOP/configs/kernel" && find . -maxdepth 1 -name "*.config") |
		sed "s|^\./||" | LC_ALL=C sort | tr '\n' ' '
}

# profiles_meta <list>: every knob of every profile the list names.
profiles_meta()
{
	awk '{ for (i = 3; i < NF; i++) {
		if ($i == "-f") print "fault", $(i + 1)
		if ($i == "-H") print "hog", $(i + 1) } }' "$1" | sort -u |
		while read -r _kind _name; do
			grep -Ev '^[[:space:]]*(#|$)' "$LAB_TOP/configs/$_kind/$_name.conf" |
				sed "s/^[[:space:]]*/profile.$_kind.$_name./"
		done
}

write_meta()
{
	_run=$1
	_kb=$2
	{
		echo "suite_format=$LAB_SUITE_FORMAT"
		echo "suite_version=$(suite_version)"
		echo "run_id=${_run##*/}"
		echo "runtest=$RUNTEST"
		echo "tests=${TESTS:-}"
		echo "shard=${SHARD:-}"
		echo "repeat=${REPEAT:-1}"
		echo "duration=$LAB_DURATION"
		echo "kernel_release=$(cat "$_kb/.lab-release" 2>/dev/null || make -s -C "$_kb" kernelrelease 2>/dev/null || echo unknown)"
		echo "kernel_source=$(cat "$_kb/.lab-source" 2>/dev/null || echo "${KSRC:-unknown}")"
		echo "kernel_state=$(cat "$_kb/.lab-state" 2>/dev/null || echo unknown)"
		echo "kernel_build=$_kb"
		echo "config_hash=$(hash_stdin <"$_kb/.config")"
		echo "fragments=$(fragment_names)${KASAN:+kasan=$KASAN}"
		echo "devices=${DEVICES:-none}"
		echo "extmod=${EXTMOD:-}"
		echo "ksrc=${KSRC:-}"
		echo "kasan=${KASAN:-0}"
		echo "kcmdline=${KCMDLINE:-}"
		echo "known_issues=$(known_file)"
		echo "known_issues_hash=$(hash_stdin <"$_run/known-issues")"
		echo "vcpus=$VCPUS"
		echo "mem=$MEM"
		echo "machine=pc"
		echo "hang_timeout=$HANG_TIMEOUT"
		echo "start=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		profiles_meta "$_run/list"
	} >"$_run/meta.env"
}
