#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A stand-in for scripts/run.sh in tests of the CI jobs (LAB_CI_RUN): makes
# results/$RUN_ID/ from the fixture run "clean", keeping the tests of
# shard SHARD=k/N (every N-th, from the k-th); LAB_CI_FAIL=<tag> turns that
# test into a failure.  Exit status as scripts/run.sh.

set -eu
cd "$(dirname "$0")/../.."
. scripts/lib.sh

main()
{
	src=scripts/check/fixtures/runs/clean
	k=1
	n=1
	case ${SHARD:-} in
	'') ;;
	*/*)
		k=${SHARD%/*}
		n=${SHARD#*/}
		;;
	*) die "stand-in: SHARD='$SHARD' is not k/N" ;;
	esac
	out=${RESULTS:-results}/${RUN_ID:?RUN_ID is required}
	[ ! -e "$out" ] || die "stand-in: $out exists"
	mkdir -p "$out/tests"
	awk -v k="$k" -v n="$n" '/^[ \t]*(#|$)/ { next } { p++ } (p - 1) % n == k - 1' \
		"$src/list" >"$out/list"
	while read -r idx tag _; do
		cp -R "$src/tests/$idx-$tag" "$out/tests/"
		if [ "$tag" = "${LAB_CI_FAIL:-}" ]; then
			printf 'fail\tbug-atomic: BUG: planted by the stand-in\n' \
				>"$out/tests/$idx-$tag/result"
		fi
	done <"$out/list"
	grep -v '^run_id=\|^shard=' "$src/meta.env" >"$out/meta.env"
	printf 'run_id=%s\nshard=%s\n' "$RUN_ID" "${SHARD:-}" >>"$out/meta.env"
	cp "$src/console.log" "$src/channel.log" "$out/"
	sh scripts/report.sh "$out" >/dev/null
	! grep -q '^not ok' "$out/ktap.txt"
}

main "$@"
