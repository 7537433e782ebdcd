#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: subsys_selftest
# contexts: none (user space)
# orders: none
# fault: none
# hog: none
# duration: -d <seconds> (default $LAB_DURATION)
# timeout: 120
# needs: nothing (any kernel)
#
# The subsys tests' recovery rule in a real guest, on a real host's noise,
# without a kernel path under test: the load is two CPU-bound loops (awk,
# one a vCPU), the counter their turns.  The sampling, the speed probe and
# the rule are the subsys tests' (lib/subsys.sh).  The "injection" stops
# both loops (SIGSTOP) for the injection phase and lets them go on after.
# With -s, every turn takes twice the work after it (as a kernel that
# retransmits every packet): the load stays at half the baseline however
# the CPU is shared, and the test must fail with
#   recovery:  throughput not back to 90% of the baseline within 10 s
# Without -s it must pass, however the host's load moves.
#
# Usage: subsys_selftest.sh [-s] [-d <seconds>]

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"
. "$LAB_LIB/hog.sh"
. "$LAB_LIB/subsys.sh"

STUCK=0
DUR=$LAB_DURATION
LOOPS=

usage()
{
	echo "usage: subsys_selftest.sh [-s] [-d <seconds>]" >&2
	exit 2
}

parse_args()
{
	while getopts sd: _o; do
		case $_o in
		s) STUCK=1 ;;
		d) DUR=$OPTARG ;;
		*) usage ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -eq 0 ] || usage
	case $DUR in '' | *[!0-9]*) usage ;; esac
}

# turns: the loops' turns so far (a byte appended a turn), 1024 a "kB".
turns()
{
	cat "$LAB_OUT"/.turns.* 2>/dev/null | wc -c | awk '{ printf "%d\n", $1 * 1024 }'
}

# load_start: the two loops; a turn is <w> x 1000 additions, where <w>
# is read from $LAB_OUT/.work at every turn (1 unless it says otherwise).
load_start()
{
	printf '1\n' >"$LAB_OUT/.work"
	for _i in 1 2; do
		awk -v f="$LAB_OUT/.turns.$_i" -v wf="$LAB_OUT/.work" 'BEGIN {
			while (1) {
				w = 1
				if ((getline l < wf) > 0)
					w = l + 0
				close(wf)
				for (i = 0; i < w * 1000; i++)
					x += i
				printf "." >> f
				fflush(f)
			}
		}' &
		LOOPS="$LOOPS $!"
	done
	lab_on_exit "kill -CONT $LOOPS 2>/dev/null; kill $LOOPS 2>/dev/null; :"
	lab_info "load: two awk loops ($LOOPS)"
}

main()
{
	parse_args "$@"
	_n=$DUR
	[ "$_n" -ge 3 ] || _n=3
	[ "$_n" -le 10 ] || _n=10
	subsys_probe_calibrate
	load_start
	sleep 1
	subsys_sample before "$_n" turns
	subsys_baseline 0
	# shellcheck disable=SC2086 # one PID a word
	kill -STOP $LOOPS
	subsys_sample during "$DUR" turns
	if [ "$STUCK" = 1 ]; then
		printf '2\n' >"$LAB_OUT/.work"
		lab_info "every turn now takes twice the work: the load stays at half"
	fi
	# shellcheck disable=SC2086
	kill -CONT $LOOPS
	T_STOP=$(lab_uptime_ms)
	subsys_recover turns "$T_STOP"
	subsys_tput before target=selftest
	subsys_tput during target=selftest
	subsys_tput after target=selftest
	subsys_recovery_verdict
	lab_info "pass: recovered in ${SUBSYS_RECOVERY_MS} ms"
}

main "$@"
