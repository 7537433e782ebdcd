# SPDX-License-Identifier: GPL-2.0
#
# report.html of a run: one self-contained page (inline CSS and SVG, no
# scripts, nothing fetched).  Used with common.awk; everything happens in
# BEGIN.  -v run=<run-dir> -v table=<test table> -v tsv=<results.tsv with
# pos> -v dir=<scratch with manifest and SVGs> -v generated=<date>
# Order: summary, the matrix as one grid (grid.awk), metadata, failing
# tests with their console excerpt and the command that reruns them, known
# issues (xfail, xpass), all tests, then per test the plots and numbers.

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
	print ".xfail{color:#b36200;font-weight:bold}.xpass{color:#1f5fa8;font-weight:bold}"
	print ".banner.note{background:#e3eefb;color:#1f5fa8}"
	print "section.known{border-left:4px solid #f0a04b;padding-left:1em;margin:1em 0}"
	print "p.repro code{background:#f2f2f2;padding:.1em .3em;user-select:all}"
	grid_css()
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
	else if (count["xfail"])
		printf "<p class=\"banner good\">No new failure (%d %s; %d known %s: xfail).</p>\n", n, word,
		    count["xfail"], count["xfail"] == 1 ? "issue" : "issues"
	else
		printf "<p class=\"banner good\">No test failed (%d %s).</p>\n", n, word
	if (count["xpass"])
		printf "<p class=\"banner note\">%d known %s did not occur (xpass): see <a href=\"#known\">Known issues</a>.</p>\n",
		    count["xpass"], count["xpass"] == 1 ? "issue" : "issues"
	print "<table>"
	print "<tr><th>tests</th><th>pass</th><th>fail</th><th>error</th><th>xfail</th><th>xpass</th><th>skip</th><th>interrupted</th><th>test time</th></tr>"
	printf "<tr><td class=\"n\">%d</td><td class=\"n pass\">%d</td><td class=\"n fail\">%d</td>",
	    n, count["ok"], count["fail"]
	printf "<td class=\"n error\">%d</td><td class=\"n xfail\">%d</td><td class=\"n xpass\">%d</td>",
	    count["error"], count["xfail"], count["xpass"]
	printf "<td class=\"n skip\">%d</td><td class=\"n interrupted\">%d</td><td class=\"n\">%s</td></tr>\n",
	    count["skip"], count["interrupted"], secs(total)
	print "</table>"
	print "<p>Machine-readable: <a href=\"ktap.txt\">ktap.txt</a>, <a href=\"junit.xml\">junit.xml</a>,"
	print "<a href=\"results.tsv\">results.tsv</a>; logs: <a href=\"console.log\">console.log</a>,"
	print "<a href=\"channel.log\">channel.log</a>, <code>tests/&lt;idx&gt;-&lt;tag&gt;/</code>.</p>"
}

function metadata(    i, k, key, nkey)
{
	nkey = split("kernel_release kernel_source config_hash runtest list_name shard known_issues " \
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
		printf "<p class=\"repro\">Rerun: <code>%s</code></p>\n", esc(repro(meta, T[i, "tag"]))
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
		printf "<p>None: every test passed%s.</p>\n",
		    count["xfail"] ? ", was skipped or failed as a known issue" : " or was skipped"
}

# ref_html(ref): a known issue's reference, a link when it is a URL.
function ref_html(ref)
{
	if (ref ~ /^https?:\/\/[^ "<>]+$/)
		return "<a href=\"" esc(ref) "\">" esc(ref) "</a>"
	return esc(ref)
}

# known(): the known failures (xfail) with their excerpt and the known
# issues that did not occur (xpass).
function known(    i, s, any, dir, d, ex)
{
	if (!count["xfail"] && !count["xpass"])
		return
	print "<h2 id=\"known\">Known issues</h2>"
	for (i = 1; i <= n; i++) {
		s = T[i, "status"]
		if (s == "xpass") {
			if (!any++)
				print "<p class=\"banner note\">Known issues that did not occur: fixed, or rarer than thought? Drop their line from the known-issues file once fixed.</p><ul>"
			printf "<li id=\"t%d\"><span class=\"xpass\">XPASS</span> %s %s: known %s</li>\n", i,
			    esc(T[i, "idx"]), esc(T[i, "tag"]), ref_html(T[i, "ref"])
		}
	}
	if (any)
		print "</ul>"
	for (i = 1; i <= n; i++) {
		if (T[i, "status"] != "xfail")
			continue
		dir = run "/" T[i, "dir"]
		d = T[i, "detail"]
		printf "<section class=\"known\" id=\"t%d\">\n", i
		printf "<h3>%s %s <span class=\"xfail\">XFAIL</span></h3>\n", esc(T[i, "idx"]),
		    esc(T[i, "tag"])
		printf "<p><b>%s</b>: %s &mdash; known: %s</p>\n", esc(category_of(d)),
		    esc(title_of(d)), ref_html(T[i, "ref"])
		ex = excerpt(dir, title_of(d))
		if (ex != "")
			printf "<details><summary>console excerpt</summary><pre>%s</pre></details>\n", esc(ex)
		print "</section>"
	}
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
		printf "<tr id=\"r%d\"><td class=\"n\">%s</td><td>%s</td><td class=\"%s\">%s</td>",
		    i, esc(T[i, "idx"]), esc(T[i, "tag"]), verdict_word(s), verdict_word(s)
		d = ""
		if (s == "fail" || s == "error")
			d = "<a href=\"#t" i "\">" esc(T[i, "detail"]) "</a>"
		else if (s == "skip" || s == "interrupted")
			d = esc(T[i, "detail"])
		else if (s == "xfail")
			d = "<a href=\"#t" i "\">" esc(T[i, "detail"]) "</a> (known: " ref_html(T[i, "ref"]) ")"
		else if (s == "xpass")
			d = "<a href=\"#t" i "\">known: " esc(T[i, "ref"]) "</a> did not occur"
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

# numbers(p): the test's rows of results.tsv (with the pos column): the
# allocation statistics per context and order, and a subsys test's
# figures per target (order "-").
function numbers(p,    line, f, i, rows, srows)
{
	rows = srows = ""
	while ((getline line < tsv) > 0) {
		split(line, f, "\t")
		if (f[1] != p || f[4] == "-")
			continue
		if (f[5] == "-") {
			srows = srows "<tr><td>" esc(f[4]) "</td>"
			for (i = 15; i <= 19; i++)
				srows = srows "<td class=\"n\">" esc(f[i]) "</td>"
			srows = srows "<td class=\"n\">" esc(f[9]) "</td></tr>\n"
			continue
		}
		rows = rows "<tr>"
		for (i = 4; i <= 14; i++)
			rows = rows "<td" (i > 4 ? " class=\"n\"" : "") ">" esc(f[i]) "</td>"
		rows = rows "</tr>\n"
	}
	close(tsv)
	if (srows != "") {
		print "<details><summary>throughput and recovery (results.tsv)</summary><table>"
		print "<tr><th>target</th><th>kB/s before</th><th>kB/s during</th><th>kB/s after</th>" \
		    "<th>recovery ms</th><th>drops or I/O errors</th><th>injected</th></tr>"
		printf "%s", srows
		print "</table></details>"
	}
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
	nsec = split("subsys recovery success failures latency frag progress", sec, " ")
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

# grid(): the matrix at a glance (grid.awk): a cell per context or module,
# fault profile and hog, coloured by verdict and success rate, linked to
# its test; then the tests that are no cell.
# phase_colour(name): the bar colour of a phase (stress stands out).
function phase_colour(name)
{
	if (name == "stress")
		return "#2e7d32"
	if (name == "reset")
		return "#9e9e9e"
	if (name ~ /^(settle|verdict|recovery|kmemleak)$/)
		return "#f0a04b"
	return "#7aa6d6"
}

# time_per_test: each test's wall time against the stress asked of it,
# and its phases as a bar (data records "wall" and "phase").
function time_per_test(    i, P, have, maxw, w, k, o, med, nov, ov, t, j, width, title, left)
{
	have = 0
	maxw = 0
	for (i = 1; i <= n; i++) {
		phases(run "/" T[i, "dir"], P)
		if (P["wall"] == "")
			continue
		have++
		if (P["wall"] > maxw)
			maxw = P["wall"]
	}
	if (!have)
		return
	print "<h2 id=\"time\">Time per test</h2>"
	print "<p>Wall time from the test's START to its RESULT in the guest (the runner's reset included) against the stress asked of it (its measured phases, by the kernel's clock); the rest is overhead. The bar shows the phases the test recorded: <span style=\"color:#2e7d32\">stress</span>, <span style=\"color:#f0a04b\">settling, recovery and verdicts</span>, <span style=\"color:#7aa6d6\">set-up and the rest</span>, <span style=\"color:#9e9e9e\">the runner's reset</span>.</p>"
	print "<table>"
	print "<tr><th>test</th><th>wall</th><th>stress asked</th><th>stress ran</th><th>overhead</th><th>phases</th></tr>"
	nov = 0
	for (i = 1; i <= n; i++) {
		phases(run "/" T[i, "dir"], P)
		if (P["wall"] == "")
			continue
		ov[++nov] = P["wall"] - P["asked"]
		printf "<tr><td><a href=\"#r%d\">%s</a></td><td class=\"n\">%.2fs</td><td class=\"n\">%.2fs</td><td class=\"n\">%.2fs</td><td class=\"n\">%.2fs</td><td>",
		    i, esc(T[i, "tag"]), P["wall"] / 1000, P["asked"] / 1000, P["ran"] / 1000,
		    (P["wall"] - P["asked"]) / 1000
		printf "<div style=\"display:flex;width:30em;height:1em;background:#eee\">"
		left = 0
		for (k = 1; k <= P["n"]; k++) {
			width = P[k, "ms"] * 100 / maxw
			title = sprintf("%s: %.2fs from %.2fs", P[k, "name"], P[k, "ms"] / 1000,
			    P[k, "start"] / 1000)
			printf "<span title=\"%s\" style=\"width:%.2f%%;background:%s\"></span>",
			    esc(title), width, phase_colour(P[k, "name"])
			left += P[k, "ms"]
		}
		if (P["wall"] > left)
			printf "<span title=\"%s\" style=\"width:%.2f%%;background:#ddd\"></span>",
			    esc(sprintf("not in a phase: %.2fs", (P["wall"] - left) / 1000)),
			    (P["wall"] - left) * 100 / maxw
		print "</div></td></tr>"
	}
	print "</table>"
	for (j = 2; j <= nov; j++)
		for (k = j; k > 1 && ov[k - 1] > ov[k]; k--) {
			t = ov[k]
			ov[k] = ov[k - 1]
			ov[k - 1] = t
		}
	med = nov % 2 ? ov[(nov + 1) / 2] : (ov[nov / 2] + ov[nov / 2 + 1]) / 2
	printf "<p>Median overhead: %.2fs a test (%d tests).</p>\n", med / 1000, nov
}

function grid(    ncell, r, i, key, s, pct, t, text, tip, o, list, p)
{
	print "<h2 id=\"grid\">Matrix</h2>"
	ncell = grid_load(run, T, n, tsv, 1, G)
	if (!ncell)
		print "<p>No test of this run is a matrix cell (atomic_stress.sh -c, extmod.sh -m).</p>"
	else {
		print "<table class=\"grid\">"
		printf "%s", grid_head(G, "context / module")
		for (r = 1; r <= G["rows"]; r++) {
			printf "<tr><th>%s</th>", esc(G["row", r])
			for (i = 1; i <= G["cols"]; i++) {
				key = G["row", r] SUBSEP G["fault", i] SUBSEP G["hog", i]
				if (!((key SUBSEP "tests") in G)) {
					printf "<td class=\"e\"></td>"
					continue
				}
				s = G[key, "status"]
				pct = grid_pct(G, key)
				t = G[key, "first"]
				p = pct == "" ? "" : int(pct)
				text = grid_letter(s)
				text = text (text != "" && p != "" ? " " : "") p
				if (text == "")
					text = "-"
				tip = T[t, "tag"] ": " verdict_word(s)
				if (s != "ok")
					tip = tip " (" T[t, "detail"] ")"
				if (G[key, "tests"] > 1)
					tip = tip ", worst of " G[key, "tests"] " tests"
				if (pct != "")
					tip = tip sprintf(", success %.1f%%", pct)
				printf "<td style=\"%s\"><a href=\"#%s%d\" title=\"%s\">%s</a></td>",
				    grid_fill(s, pct), s ~ /^(fail|error|xfail|xpass)$/ ? "t" : "r", t,
				    esc(tip), text
			}
			print "</tr>"
		}
		print "</table>"
		printf "%s", grid_legend()
	}
	list = ""
	for (o = 1; o <= G["other"]; o++) {
		i = G["other", o]
		list = list (list == "" ? "" : ", ") "<a href=\"#r" i "\">" esc(T[i, "tag"]) \
		    "</a> <span class=\"" verdict_word(T[i, "status"]) "\">" \
		    verdict_word(T[i, "status"]) "</span>"
	}
	if (list != "")
		printf "<p>Not in the matrix: %s.</p>\n", list
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
	summary()
	grid()
	metadata()
	failing()
	known()
	all_tests()
	time_per_test()
	measurements()
	printf "<p><small>Written by labyrinth's scripts/report.sh, %s.</small></p>\n", esc(generated)
	print "</body>"
	print "</html>"
}
