# SPDX-License-Identifier: GPL-2.0
#
# report.html of a run: one self-contained page (inline CSS and SVG, no
# scripts, nothing fetched).  Used with common.awk; everything happens in
# BEGIN.  -v run=<run-dir> -v table=<test table> -v tsv=<results.tsv with
# pos> -v dir=<scratch with manifest and SVGs> -v generated=<date>
# Order: metadata, summary, failing tests with their console excerpt, all
# tests, then per test the plots and numbers.

function css()
{
	print "<style>"
	print "body{font-family:sans-serif;margin:1.5em auto;max-width:72em;padding:0 1em;color:#222}"
	print "h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}"
	print "table{border-collapse:collapse;margin:.5em 0}"
	print "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}"
	print "th{background:#f2f2f2}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	print "pre{background:#f7f7f7;border:1px solid #ddd;padding:.5em;overflow-x:auto;font-size:.85em}"
	print ".pass{color:#1a7f37}.fail,.error{color:#b3261e;font-weight:bold}.skip{color:#8a6d00}"
	print ".interrupted{color:#5b4a9e;font-weight:bold}"
	print ".banner{padding:.6em 1em;border-radius:4px;font-weight:bold}"
	print ".banner.bad{background:#fde7e9;color:#b3261e}.banner.good{background:#e6f4ea;color:#1a7f37}"
	print "section.failure{border-left:4px solid #b3261e;padding-left:1em;margin:1em 0}"
	print "figure{margin:1em 0}figure svg{width:100%;max-width:760px;height:auto}"
	print "figcaption{font-size:.9em;color:#555}"
	print "td.k{font-family:monospace;white-space:nowrap}"
	print "</style>"
}

function header(    i, id)
{
	id = meta["run_id"] != "" ? meta["run_id"] : run_name
	print "<!DOCTYPE html>"
	print "<html lang=\"en\">"
	print "<head>"
	print "<meta charset=\"utf-8\">"
	print "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	print "<title>labyrinth report: " esc(id) "</title>"
	css()
	print "</head>"
	print "<body>"
	print "<h1>labyrinth report: " esc(id) "</h1>"
}

function summary(    bad, word)
{
	bad = count["fail"] + count["error"]
	word = n == 1 ? "test" : "tests"
	if (n == 0)
		print "<p class=\"banner bad\">The test list was empty: nothing ran.</p>"
	else if (bad)
		printf "<p class=\"banner bad\">%d of %d %s failed or broke%s.</p>\n", bad, n, word,
		    count["interrupted"] ? "; " count["interrupted"] " interrupted" : ""
	else if (count["interrupted"])
		printf "<p class=\"banner bad\">The run was interrupted: %d of %d %s got no verdict.</p>\n",
		    count["interrupted"], n, word
	else
		printf "<p class=\"banner good\">No test failed (%d %s).</p>\n", n, word
	print "<table>"
	print "<tr><th>tests</th><th>pass</th><th>fail</th><th>error</th><th>skip</th><th>interrupted</th><th>test time</th></tr>"
	printf "<tr><td class=\"n\">%d</td><td class=\"n pass\">%d</td><td class=\"n fail\">%d</td>",
	    n, count["ok"], count["fail"]
	printf "<td class=\"n error\">%d</td><td class=\"n skip\">%d</td><td class=\"n interrupted\">%d</td><td class=\"n\">%s</td></tr>\n",
	    count["error"], count["skip"], count["interrupted"], secs(total)
	print "</table>"
	print "<p>Machine-readable: <a href=\"ktap.txt\">ktap.txt</a>, <a href=\"junit.xml\">junit.xml</a>,"
	print "<a href=\"results.tsv\">results.tsv</a>; logs: <a href=\"console.log\">console.log</a>,"
	print "<a href=\"channel.log\">channel.log</a>, <code>tests/&lt;idx&gt;-&lt;tag&gt;/</code>.</p>"
}

function metadata(    i, k, key, nkey)
{
	nkey = split("kernel_release kernel_source config_hash runtest list_name shard " \
	    "suite_version accel vcpus mem start end boots interrupted", key, " ")
	print "<table>"
	for (i = 1; i <= nkey; i++) {
		k = key[i]
		if (meta[k] == "")
			continue
		printf "<tr><td class=\"k\">%s</td><td>%s</td></tr>\n", k, esc(meta[k])
	}
	print "</table>"
	if (!nmeta) {
		print "<p>meta.env holds no metadata.</p>"
		return
	}
	print "<details><summary>all metadata (meta.env)</summary><table>"
	for (i = 1; i <= nmeta; i++)
		printf "<tr><td class=\"k\">%s</td><td>%s</td></tr>\n", esc(mkeys[i]),
		    esc(meta[mkeys[i]])
	print "</table></details>"
}

function secs(t)
{
	if (t == "")
		return "-"
	if (t >= 60)
		return sprintf("%dm%02ds", int(t / 60), int(t % 60))
	return sprintf("%.1fs", t)
}

function failing(    i, any, dir, d, ex, out)
{
	print "<h2 id=\"failures\">Failing tests</h2>"
	for (i = 1; i <= n; i++) {
		if (T[i, "status"] != "fail" && T[i, "status"] != "error")
			continue
		any = 1
		dir = run "/" T[i, "dir"]
		d = T[i, "detail"]
		printf "<section class=\"failure\" id=\"t%d\">\n", i
		printf "<h3>%s %s <span class=\"%s\">%s</span></h3>\n", esc(T[i, "idx"]),
		    esc(T[i, "tag"]), T[i, "status"], toupper(T[i, "status"])
		printf "<p><b>%s</b>: %s</p>\n", esc(category_of(d)), esc(title_of(d))
		ex = excerpt(dir, title_of(d))
		if (ex == "")
			print "<p>No console output was captured for this test.</p>"
		else
			printf "<pre>%s</pre>\n", esc(ex)
		out = tail_of(dir "/output.log", 100)
		if (out != "")
			printf "<details><summary>test output</summary><pre>%s</pre></details>\n",
			    esc(out)
		print "</section>"
	}
	if (!any)
		print "<p>None: every test passed or was skipped.</p>"
}

function all_tests(    i, s, d)
{
	print "<h2 id=\"tests\">All tests</h2>"
	if (n == 0) {
		print "<p>The list holds no tests.</p>"
		return
	}
	print "<table>"
	print "<tr><th>idx</th><th>test</th><th>verdict</th><th>detail</th><th>time</th><th>data</th></tr>"
	for (i = 1; i <= n; i++) {
		s = T[i, "status"]
		printf "<tr><td class=\"n\">%s</td><td>%s</td><td class=\"%s\">%s</td>",
		    esc(T[i, "idx"]), esc(T[i, "tag"]), verdict_word(s), verdict_word(s)
		d = ""
		if (s == "fail" || s == "error")
			d = "<a href=\"#t" i "\">" esc(T[i, "detail"]) "</a>"
		else if (s == "skip" || s == "interrupted")
			d = esc(T[i, "detail"])
		printf "<td>%s</td><td class=\"n\">%s</td><td>%s</td></tr>\n", d,
		    secs(dur[i]), (i in plotted) ? "<a href=\"#m" i "\">plots</a>" : ""
	}
	print "</table>"
}

# svg(name, id): the SVG gnuplot drew, inlined with ids made unique.
function svg(name, id,    file, line, out, started)
{
	file = dir "/" name ".svg"
	out = ""
	while ((getline line < file) > 0) {
		if (!started) {
			if (line !~ /^<svg/)
				continue
			started = 1
		}
		if (line ~ /^ *xmlns(:xlink)?="/)
			continue
		gsub(/id='/, "id='" id "-", line)
		gsub(/id="/, "id=\"" id "-", line)
		gsub(/href='#/, "href='#" id "-", line)
		gsub(/href="#/, "href=\"#" id "-", line)
		gsub(/url\(#/, "url(#" id "-", line)
		out = out line "\n"
	}
	close(file)
	return out
}

function plot_error(name,    file, line, msg)
{
	file = dir "/" name ".err"
	msg = ""
	while ((getline line < file) > 0)
		if (line ~ /[a-z]/ && msg == "")
			msg = line
	close(file)
	return msg
}

function figure(key, section,    name, kind, text, s, why)
{
	name = M[key, section, "name"]
	kind = M[key, section, "kind"]
	text = M[key, section, "text"]
	if (kind == "none") {
		printf "<p>%s</p>\n", esc(text)
		return
	}
	s = svg(name, name)
	if (s == "") {
		why = nognuplot ? "gnuplot is not installed" : plot_error(name)
		printf "<p>This plot could not be drawn%s.</p>\n",
		    why == "" ? "" : " (" esc(why) ")"
		return
	}
	printf "<figure>\n%s<figcaption>%s</figcaption>\n</figure>\n", s, esc(text)
}

function numbers(p,    line, f, i, rows)
{
	rows = ""
	while ((getline line < tsv) > 0) {
		split(line, f, "\t")
		if (f[1] != p || f[4] == "-")
			continue
		rows = rows "<tr>"
		for (i = 4; i <= 14; i++)
			rows = rows "<td" (i > 4 ? " class=\"n\"" : "") ">" esc(f[i]) "</td>"
		rows = rows "</tr>\n"
	}
	close(tsv)
	if (rows == "")
		return
	print "<details><summary>numbers</summary><table>"
	print "<tr><th>ctx</th><th>order</th><th>attempts</th><th>successes</th><th>failures</th>" \
	    "<th>injected</th><th>natural</th><th>success %</th><th>p50 ns</th><th>p99 ns</th>" \
	    "<th>max ns</th></tr>"
	printf "%s", rows
	print "</table></details>"
}

function measurements(    i, j, sec, nsec, none, line, f)
{
	print "<h2 id=\"measurements\">Measurements</h2>"
	while ((getline line < (dir "/manifest")) > 0) {
		split(line, f, "\t")
		M[f[1], f[2], "kind"] = f[3]
		M[f[1], f[2], "name"] = f[4]
		M[f[1], f[2], "text"] = f[5]
		M[f[1], f[2]] = 1
	}
	close(dir "/manifest")
	nsec = split("success failures latency frag", sec, " ")
	for (i = 1; i <= n; i++) {
		if (!(i in plotted))
			continue
		printf "<section id=\"m%d\">\n<h3>%s %s</h3>\n", i, esc(T[i, "idx"]), esc(T[i, "tag"])
		for (j = 1; j <= nsec; j++)
			if ((i, sec[j]) in M)
				figure(i, sec[j])
		numbers(i)
		print "</section>"
	}
	none = ""
	for (i = 1; i <= n; i++)
		if (!(i in plotted))
			none = none (none == "" ? "" : ", ") esc(T[i, "tag"])
	if (none != "" && !nplotted)
		print "<p>No test recorded allocation statistics or fragmentation snapshots: there is nothing to plot.</p>"
	else if (none != "")
		printf "<p>No measurements recorded by: %s.</p>\n", none
}

BEGIN {
	nmeta = read_meta(run "/meta.env", meta, mkeys)
	run_name = run
	sub(/\/+$/, "", run_name)
	sub(/.*\//, "", run_name)
	n = read_table(table, T)
	total = ""
	for (i = 1; i <= n; i++) {
		dur[i] = test_time(run "/" T[i, "dir"])
		if (dur[i] != "")
			total += dur[i]
		count[T[i, "status"]]++
	}
	nognuplot = (getline line < (dir "/no-gnuplot")) >= 0
	close(dir "/no-gnuplot")
	# which tests have a measurements section (for the links above it)
	while ((getline line < (dir "/manifest")) > 0) {
		split(line, f, "\t")
		if (!(f[1] in plotted))
			nplotted++
		plotted[f[1]] = 1
	}
	close(dir "/manifest")
	header()
	metadata()
	summary()
	failing()
	all_tests()
	measurements()
	printf "<p><small>Written by labyrinth's scripts/report.sh, %s.</small></p>\n", esc(generated)
	print "</body>"
	print "</html>"
}
