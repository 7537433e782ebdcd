#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install what labyrinth needs from Debian's archive, only when missing.
#   setup.sh [run|check|all]    (default: run)
# Idempotent; prints what it installs.  Without root and with packages
# missing it names them and exits 2.

set -eu
. "$(dirname "$0")/lib.sh"

RUN_PKGS="qemu-system-x86 busybox-static stress-ng linux-source-6.12 gcc make
flex bison bc libelf-dev libssl-dev cpio kmod xz-utils util-linux gnuplot-nox
iperf3 ethtool e2fsprogs"
CHECK_PKGS="shellcheck libxml2-utils python3-jsonschema python3-yaml"

installed()
{
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing_of()
{
	for _p in "$@"; do
		installed "$_p" || printf '%s\n' "$_p"
	done
}

main()
{
	group=${1:-run}
	case $group in
	run) pkgs=$RUN_PKGS ;;
	check | all) pkgs="$RUN_PKGS $CHECK_PKGS" ;;
	*) die "setup.sh: unknown group '$group' (run, check, all)" ;;
	esac
	command -v dpkg-query >/dev/null ||
		die "setup.sh needs a Debian system (dpkg-query not found)"
	# shellcheck disable=SC2086
	missing=$(missing_of $pkgs | tr '\n' ' ')
	[ -n "$missing" ] || return 0
	if [ "$(id -u)" -ne 0 ]; then
		die "missing packages: ${missing}; install them as root: apt-get install $missing"
	fi
	info "installing: $missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	if ! apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1; then
		apt-get update -q >/dev/null ||
			die "apt-get update failed"
		# shellcheck disable=SC2086
		apt-get install -y -q --no-install-recommends $missing >/dev/null ||
			die "apt-get install $missing failed"
	fi
	# shellcheck disable=SC2086
	still=$(missing_of $pkgs | tr '\n' ' ')
	[ -z "$still" ] || die "still missing after install: $still"
	info "installed: $missing"
}

main "$@"
