#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# contexts.sh [default|extra]: the lab_engine context names, one a line, in
# the order of the engine's table (modules/lab_engine/lab_engine.c, between
# the "lab-contexts: begin" and "lab-contexts: end" marker lines); all of
# them, or only those on by default or only those on request.  The host's
# one source of the names (the guest reads debugfs lab_engine/contexts).
# Exit 2 when the table is missing or holds no name.

set -eu
. "$(dirname "$0")/lib.sh"

ENGINE_SRC=${ENGINE_SRC:-$LAB_TOP/modules/lab_engine/lab_engine.c}

main()
{
	case ${1:-} in
	'' | default | extra) ;;
	*) die "usage: contexts.sh [default|extra]" ;;
	esac
	[ -r "$ENGINE_SRC" ] || die "$ENGINE_SRC not found"
	awk -v want="${1:-}" -v src="$ENGINE_SRC" '
	/lab-contexts: begin/ { on = 1; next }
	/lab-contexts: end/ { on = 0; done = 1; next }
	!on { next }
	/\.name = "/ {
		if (name != "") {
			printf "%s:%d: context %s without .by_default\n", src, FNR, name > "/dev/stderr"
			bad = 1
			exit 2
		}
		name = $0
		sub(/.*\.name = "/, "", name)
		sub(/".*/, "", name)
	}
	/\.by_default = (true|false)/ {
		dflt = $0 ~ /\.by_default = true/ ? "default" : "extra"
		if (name == "") {
			printf "%s:%d: .by_default before .name\n", src, FNR > "/dev/stderr"
			bad = 1
			exit 2
		}
		if (want == "" || want == dflt)
			print name
		n++
		name = ""
	}
	END {
		if (bad)
			exit 2
		if (!done || !n) {
			printf "%s: no context table between the lab-contexts markers\n", src > "/dev/stderr"
			exit 2
		}
	}' "$ENGINE_SRC" || exit 2
}

main "$@"
