# SPDX-License-Identifier: GPL-2.0
#
# ktap.txt of a run from its test table (tests.awk), KTAP v1 as the
# kernel's selftests write it (tools/testing/selftests/kselftest.h):
#   ok N tag                                   passed
#   ok N tag # SKIP reason                     skipped
#   not ok N tag # category: title             failed (a kernel finding or
#                                              the test's own check)
#   not ok N tag # error category: title       broken test or infrastructure
#                                              (kselftest's "# error")
#   ok N tag # SKIP interrupted: reason        the run was interrupted while
#                                              the test ran: no verdict
#   ok N tag # XFAIL category: title (known: ref)   a known issue (known.awk)
#   ok N tag # XPASS known: ref                a known issue that did not occur
#   # Totals: pass:N fail:N xfail:N xpass:N skip:N error:N
# Interrupted tests count as skips: KTAP has no other result that is
# neither a pass nor a failure.  Tests are numbered by their place in the
# list.

# interrupted(d): the reason, said to be an interruption once.
function interrupted(d)
{
	return d ~ /^interrupted: / ? d : "interrupted: " d
}

BEGIN { FS = "\t" }

{
	n++
	status[n] = $4
	tag[n] = $3
	detail[n] = $5
	ref[n] = $7
}

END {
	print "KTAP version 1"
	print "1.." n + 0
	for (i = 1; i <= n; i++) {
		s = status[i]
		if (s == "ok") {
			print "ok " i " " tag[i]
			pass++
		} else if (s == "skip") {
			print "ok " i " " tag[i] " # SKIP " detail[i]
			skip++
		} else if (s == "interrupted") {
			print "ok " i " " tag[i] " # SKIP " interrupted(detail[i])
			skip++
		} else if (s == "xfail") {
			print "ok " i " " tag[i] " # XFAIL " detail[i] " (known: " ref[i] ")"
			xfail++
		} else if (s == "xpass") {
			print "ok " i " " tag[i] " # XPASS known: " ref[i]
			xpass++
		} else if (s == "fail") {
			print "not ok " i " " tag[i] " # " detail[i]
			fail++
		} else {
			print "not ok " i " " tag[i] " # error " detail[i]
			error++
		}
	}
	printf "# Totals: pass:%d fail:%d xfail:%d xpass:%d skip:%d error:%d\n",
	    pass, fail, xfail, xpass, skip, error
}
