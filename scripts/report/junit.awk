# SPDX-License-Identifier: GPL-2.0
#
# junit.xml of a run, for CI dashboards (Jenkins, GitLab).  Used with
# common.awk; everything happens in BEGIN.
# -v run=<run-dir> -v table=<test table file>
# One testsuite "labyrinth.<list>"; a testcase per test.  Failures (a
# kernel finding or the test's own check) are <failure>, broken tests and
# infrastructure errors <error>; both carry "category: title" as the
# message and the console excerpt from the deciding splat as the body.
# Skips carry their reason; an interrupted test is <skipped> with message
# "interrupted: reason".  A known failure (xfail) is <skipped
# type="xfail"> with "category: title (known: ref)"; a known issue that
# did not occur (xpass) passes, with "xpass: known: ref" in <system-out>.
# A failure's body starts with the command that reruns it (repro).
# Valid against the Jenkins xUnit plugin's junit-10.xsd
# (scripts/check/fixtures/xsd/).

function attr(name, value)
{
	return " " name "=\"" esc(value) "\""
}

function secs(t)
{
	return sprintf("%.3f", t == "" ? 0 : t)
}

function testcase(i,    tag, status, detail, dir, t, body, out, el)
{
	tag = T[i, "tag"]
	status = T[i, "status"]
	detail = T[i, "detail"]
	dir = run "/" T[i, "dir"]
	printf "    <testcase%s%s%s", attr("classname", suite), attr("name", tag),
	    attr("time", secs(dur[i]))
	if (status == "ok") {
		print "/>"
		return
	}
	print ">"
	if (status == "skip") {
		printf "      <skipped%s/>\n", attr("message", detail)
	} else if (status == "xfail") {
		printf "      <skipped%s%s/>\n",
		    attr("message", "xfail: " detail " (known: " T[i, "ref"] ")"),
		    attr("type", "xfail")
	} else if (status == "xpass") {
		printf "      <system-out>%s</system-out>\n",
		    esc("xpass: known: " T[i, "ref"] " did not occur\n")
	} else if (status == "interrupted") {
		printf "      <skipped%s%s/>\n", attr("message", detail ~ /^interrupted: / ? detail : "interrupted: " detail),
		    attr("type", "interrupted")
	} else {
		body = excerpt(dir, title_of(detail))
		if (body == "")
			body = "(no console output captured for this test)\n"
		body = "repro: " repro(meta, tag) "\n\n" body
		el = status == "fail" ? "failure" : "error"
		printf "      <%s%s%s>%s</%s>\n", el, attr("message", detail),
		    attr("type", category_of(detail)), esc(body), el
		out = tail_of(dir "/output.log", 200)
		if (out != "")
			printf "      <system-out>%s</system-out>\n", esc(out)
	}
	print "    </testcase>"
}

BEGIN {
	nmeta = read_meta(run "/meta.env", meta, mkeys)
	list = meta["list_name"]
	if (list == "" && meta["runtest"] != "") {
		list = meta["runtest"]
		sub(/.*\//, "", list)
	}
	if (list == "")
		list = "run"
	suite = "labyrinth." list
	n = read_table(table, T)
	total = 0
	for (i = 1; i <= n; i++) {
		dur[i] = test_time(run "/" T[i, "dir"])
		total += dur[i]
		count[T[i, "status"]]++
	}
	print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	# junit-10.xsd: <testsuites> has no skipped attribute.
	printf "<testsuites%s%s%s%s%s>\n", attr("name", "labyrinth"),
	    attr("tests", n), attr("failures", count["fail"] + 0),
	    attr("errors", count["error"] + 0), attr("time", secs(total))
	printf "  <testsuite%s%s%s%s%s%s>\n", attr("name", suite),
	    attr("tests", n), attr("failures", count["fail"] + 0),
	    attr("errors", count["error"] + 0),
	    attr("skipped", count["skip"] + count["interrupted"] + count["xfail"]),
	    attr("time", secs(total))
	if (nmeta) {
		print "    <properties>"
		for (i = 1; i <= nmeta; i++)
			printf "      <property%s%s/>\n", attr("name", mkeys[i]),
			    attr("value", meta[mkeys[i]])
		print "    </properties>"
	}
	for (i = 1; i <= n; i++)
		testcase(i)
	print "  </testsuite>"
	print "</testsuites>"
}
