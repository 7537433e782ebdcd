#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# report.sh <run-dir>: every report of a finished (or interrupted) run:
# ktap.txt, results.tsv, junit.xml and report.html, then say where the
# HTML report and the JUnit file are.

set -eu
. "$(dirname "$0")/lib.sh"

main()
{
	[ $# -eq 1 ] || die "usage: $0 <run-dir>"
	for _step in ktap tsv junit html; do
		sh "$LAB_TOP/scripts/$_step.sh" "$1"
	done
	printf 'labyrinth: report: %s/report.html\n' "$1"
	printf 'labyrinth: junit:  %s/junit.xml\n' "$1"
	sed -n 's/^# Totals: /labyrinth: totals: /p' "$1/ktap.txt"
}

main "$@"
