#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# name: lifecycle_lockdep
# contexts: the module's own (bad_lockdep: a timer and a work item)
# orders: none
# fault: none
# hog: none
# duration: 2
# timeout: 30
# needs: bad_lockdep (modules/proof)
#
# The runner's proof that every test starts with lockdep armed: load
# bad_lockdep (a lock taken from softirq and from process context without
# disabling softirqs), give lockdep two seconds to report it, unload it.
# The test itself passes; the host finds the report in its console slice,
# and the runner asks for a fresh guest because lockdep is now off, so the
# same test later in the list is caught again.

set -eu
LAB_LIB=${LAB_LIB:-./lib}
. "$LAB_LIB/lab.sh"

main()
{
	lab_insmod bad_lockdep
	sleep 2
	lab_rmmod bad_lockdep
	lab_info "bad_lockdep ran 2s and unloaded"
}

main "$@"
