# SPDX-License-Identifier: GPL-2.0
#
# A comparison's findings (compare.awk) as Markdown or as a self-contained
# HTML page with plots (used with common.awk; everything in BEGIN).
# -v fmt=md|html -v findings= -v bmeta= -v nmeta= (meta.env files)
# -v bid= -v nid= (run ids) -v drop= -v rise= -v min= (thresholds)
# -v conf= (threshold file, for the record) -v dir= (plots, html only)
# -v generated=<date>

# ---- format primitives

function e(s)
{
	if (fmt == "html")
		return esc(s)
	s = clean(s)
	gsub(/\\/, "\\\\", s)
	gsub(/\|/, "\\|", s)
	gsub(/</, "\\&lt;", s)
	gsub(/>/, "\\&gt;", s)
	return s
}

function bold(s)
{
	return fmt == "html" ? "<b>" s "</b>" : "**" s "**"
}

function code(s)
{
	return fmt == "html" ? "<code>" s "</code>" : "`" s "`"
}

function heading(level, text)
{
	if (fmt == "html")
		printf "<h%d>%s</h%d>\n", level, text, level
	else
		printf "%s %s\n\n", substr("####", 1, level), text
}

function para(text)
{
	if (fmt == "html")
		printf "<p>%s</p>\n", text
	else
		printf "%s\n\n", text
}

# table(head): start a table; head holds the column titles, "|"-separated.
function table(head,    h, n, i, line)
{
	n = split(head, h, "|")
	if (fmt == "html") {
		line = "<table>\n<tr>"
		for (i = 1; i <= n; i++)
			line = line "<th>" h[i] "</th>"
		print line "</tr>"
		return
	}
	line = "|"
	for (i = 1; i <= n; i++)
		line = line " " h[i] " |"
	print line
	line = "|"
	for (i = 1; i <= n; i++)
		line = line " --- |"
	print line
}

# row(cells): one row; cells are formatted already, tab-separated.
function row(cells,    c, n, i, line)
{
	n = split(cells, c, "\t")
	line = fmt == "html" ? "<tr>" : "|"
	for (i = 1; i <= n; i++)
		line = line (fmt == "html" ? "<td>" c[i] "</td>" : " " c[i] " |")
	print line (fmt == "html" ? "</tr>" : "")
}

function table_end()
{
	print fmt == "html" ? "</table>" : ""
}

function mark(c)
{
	if (c != "regression")
		return c
	return fmt == "html" ? "<span class=\"reg\">regression</span>" : bold(c)
}

# ---- the page

function html_head()
{
	print "<!DOCTYPE html>"
	print "<html lang=\"en\">"
	print "<head>"
	print "<meta charset=\"utf-8\">"
	print "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	print "<title>labyrinth compare: " esc(bid) " to " esc(nid) "</title>"
	print "<style>"
	print "body{font-family:sans-serif;margin:1.5em auto;max-width:72em;padding:0 1em;color:#222}"
	print "h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}"
	print "table{border-collapse:collapse;margin:.5em 0}"
	print "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}"
	print "th{background:#f2f2f2}"
	print ".reg{color:#b3261e;font-weight:bold}"
	print "figure{margin:1em 0}figure svg{width:100%;max-width:760px;height:auto}"
	print "figcaption{font-size:.9em;color:#555}"
	print "</style>"
	print "</head>"
	print "<body>"
}

function load_findings(    line, f, k)
{
	while ((getline line < findings) > 0) {
		k = ++nf
		F[k] = line
		split(line, f, "\t")
		kind[k] = f[1]
		if (f[1] == "totals")
			tot[f[2]] = f[3] (f[3] == 1 ? " test: " : " tests: ") f[4] " pass, " f[5] " fail, " f[6] " skip, " f[7] " error"
		else if (f[1] == "count") {
			regressions = f[2]
			improvements = f[3]
		} else if (f[1] == "below")
			below = f[2]
	}
	close(findings)
}

function cells(k, f)
{
	return split(F[k], f, "\t")
}

function overview(    keys, nk, i, k)
{
	heading(1, "labyrinth compare: " e(bid) " " arrow " " e(nid))
	if (regressions > 0)
		para(bold("Result: REGRESSION") " " dash " " regressions " " \
		    (regressions == 1 ? "regression" : "regressions") ", " improvements " " \
		    (improvements == 1 ? "improvement" : "improvements") ".")
	else
		para(bold("Result: no regression") " " dash " " improvements " " \
		    (improvements == 1 ? "improvement" : "improvements") ".")
	table(" |BASE|NEW")
	row("run\t" e(bid) "\t" e(nid))
	nk = split("kernel_release kernel_source config_hash runtest list_name " \
	    "suite_version accel vcpus mem start", keys, " ")
	for (i = 1; i <= nk; i++) {
		k = keys[i]
		if (BM[k] != "" || NM[k] != "")
			row(k "\t" e(BM[k]) "\t" e(NM[k]))
	}
	row("tests\t" tot["BASE"] "\t" tot["NEW"])
	table_end()
	para("Thresholds (" e(conf) "): a success rate that drops by more than " drop \
	    " points, a p99 latency that rises by more than " rise \
	    " %; numbers count with at least " min " attempts in both runs.")
}

function verdict_section(    k, f, any, d)
{
	heading(2, "Verdict changes")
	for (k = 1; k <= nf; k++) {
		if (kind[k] != "verdict")
			continue
		if (!any++)
			table("test|BASE|NEW|change|detail")
		cells(k, f)
		d = f[7]
		if (f[6] != "" && f[6] != f[7])
			d = d (d == "" ? "" : "; ") "BASE: " f[6]
		row(e(f[2]) "\t" f[3] "\t" f[4] "\t" mark(f[5]) "\t" e(d))
	}
	if (any)
		table_end()
	else
		para("None: every test in both runs has the same verdict.")
}

function crash_section(    k, f, any)
{
	heading(2, "New crash titles")
	for (k = 1; k <= nf; k++) {
		if (kind[k] != "crash")
			continue
		if (!any++)
			table("category: title|tests")
		cells(k, f)
		row(code(e(f[2])) "\t" e(f[3]))
	}
	if (any)
		table_end()
	else
		para("None: NEW failed with no title that BASE did not also show.")
}

function success_section(    k, f, any)
{
	heading(2, "Success rate changes beyond " drop " points")
	for (k = 1; k <= nf; k++) {
		if (kind[k] != "success")
			continue
		if (!any++)
			table("test|ctx|order|BASE %|NEW %|change (points)|attempts BASE / NEW|")
		cells(k, f)
		row(e(f[2]) "\t" e(f[3]) "\t" f[4] "\t" f[5] "\t" f[6] "\t" f[7] "\t" \
		    f[8] " / " f[9] "\t" mark(f[10]))
	}
	if (any)
		table_end()
	else
		para("None.")
}

function latency_section(    k, f, any)
{
	heading(2, "p99 latency changes beyond " rise " %")
	for (k = 1; k <= nf; k++) {
		if (kind[k] != "latency")
			continue
		if (!any++)
			table("test|ctx|order|BASE p99 ns|NEW p99 ns|change %|")
		cells(k, f)
		row(e(f[2]) "\t" e(f[3]) "\t" f[4] "\t" f[5] "\t" f[6] "\t" f[7] "\t" mark(f[8]))
	}
	if (any)
		table_end()
	else
		para("None.")
}

function only_section(    k, f, any)
{
	heading(2, "Tests in only one run")
	for (k = 1; k <= nf; k++) {
		if (kind[k] != "only")
			continue
		if (!any++)
			table("test|only in|verdict|detail")
		cells(k, f)
		row(e(f[3]) "\t" f[2] "\t" f[4] "\t" e(f[5]))
	}
	if (any)
		table_end()
	else
		para("None: both runs ran the same tests.")
}

function notcompared_section(    k, f, any)
{
	heading(2, "Not compared")
	para(below + 0 " measurements had fewer than " min \
	    " attempts in one of the runs and were not compared.")
	for (k = 1; k <= nf; k++) {
		if (kind[k] != "rowonly")
			continue
		if (!any++) {
			para("Measurements of a test that ran in both, present in only one run:")
			table("test|ctx|order|only in")
		}
		cells(k, f)
		row(e(f[3]) "\t" e(f[4]) "\t" f[5] "\t" f[2])
	}
	if (any)
		table_end()
}

# ---- HTML only: plots

function svg(name,    file, line, out, started)
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
		gsub(/id='/, "id='" name "-", line)
		gsub(/id="/, "id=\"" name "-", line)
		gsub(/href='#/, "href='#" name "-", line)
		gsub(/href="#/, "href=\"#" name "-", line)
		gsub(/url\(#/, "url(#" name "-", line)
		out = out line "\n"
	}
	close(file)
	return out
}

function plots(    line, f, last, s, nognuplot)
{
	heading(2, "Plots")
	nognuplot = (getline line < (dir "/no-gnuplot")) >= 0
	close(dir "/no-gnuplot")
	last = ""
	while ((getline line < (dir "/manifest")) > 0) {
		split(line, f, "\t")
		if (f[1] != last) {
			heading(3, esc(f[1]))
			last = f[1]
		}
		if (f[3] == "none") {
			para(esc(f[5]))
			continue
		}
		s = svg(f[4])
		if (s == "")
			para("This plot could not be drawn" (nognuplot ? " (gnuplot is not installed)" : "") ".")
		else
			printf "<figure>\n%s<figcaption>%s</figcaption>\n</figure>\n", s, esc(f[5])
	}
	close(dir "/manifest")
	if (last == "")
		para("Neither run recorded allocation statistics: there is nothing to plot.")
}

BEGIN {
	arrow = fmt == "html" ? "&rarr;" : "->"
	dash = fmt == "html" ? "&mdash;" : "-"
	read_meta(bmeta, BM, bkeys)
	read_meta(nmeta, NM, nkeys)
	load_findings()
	if (fmt == "html")
		html_head()
	overview()
	verdict_section()
	crash_section()
	success_section()
	latency_section()
	only_section()
	notcompared_section()
	if (fmt == "html") {
		plots()
		printf "<p><small>Written by labyrinth's scripts/compare.sh, %s.</small></p>\n",
		    esc(generated)
		print "</body>"
		print "</html>"
	}
}
