# SPDX-License-Identifier: GPL-2.0
#
# A comparison's findings (compare.awk) as Markdown or as a self-contained
# HTML page with plots, or the one-line summary (used with common.awk;
# everything in BEGIN).
# -v fmt=md|html|summary -v findings= -v bmeta= -v nmeta= (meta.env files)
# -v bid= -v nid= (run ids) -v alpha= -v metrics= -v success_pp=
# -v latency_pct= -v scarce_success_pp= -v scarce_latency_pct=
# -v min_windows= -v min_window_attempts= (settings)
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
			tot[f[2]] = f[3] (f[3] == 1 ? " test: " : " tests: ") f[4] " pass, " f[5] " fail, " f[6] " skip, " f[7] " error" \
			    (f[8] + f[9] ? ", " f[8] + 0 " xfail, " f[9] + 0 " xpass" : "") \
			    (f[10] ? ", " f[10] " interrupted" : "")
		else if (f[1] == "count") {
			regressions = f[2]
			improvements = f[3]
			conditions = f[4]
		} else if (f[1] == "untested-count")
			untested = f[2]
		else if (f[1] == "verdict" && f[5] == "regression")
			nverdict++
		else if (f[1] == "crash")
			ncrash++
		else if (f[1] == "subsys") {
			nsubsys++
			if (f[7] == "regression")
				nsubsysreg++
		}
		else if (f[1] == "change") {
			compared++
			if (f[12] == "regression")
				nmeasure++
			else if (f[12] == "conditions")
				ncondmeasure++
		}
	}
	close(findings)
}

function cells(k, f)
{
	return split(F[k], f, "\t")
}

function plural(n, one, many)
{
	return n + 0 " " (n == 1 ? one : many)
}

# The one line for a CI comment: the result, its counts, and the first
# changes that matter (at most three).
function summary_line()
{
	return "labyrinth compare " bid " -> " nid ": " \
	    (regressions > 0 ? "REGRESSION: " : "no regression: ") result_detail() \
	    top_changes(3)
}

# top_changes(max): " First: " and up to max changes that matter (verdict
# regressions, new crash titles, measurements), "" when there is none.
function top_changes(max,    k, f, n, s, t)
{
	n = 0
	s = ""
	for (k = 1; k <= nf; k++) {
		cells(k, f)
		t = ""
		if (kind[k] == "verdict" && f[5] == "regression")
			t = f[2] " " f[3] "->" f[4] (f[7] != "" ? " (" f[7] ")" : "")
		else if (kind[k] == "crash")
			t = "new " f[2] " in " f[3]
		else if (kind[k] == "change" && f[12] == "regression")
			t = f[2] " " f[3] " order " f[4] " " metric_name(f[5]) " " num(f[5], f[6]) \
			    " -> " num(f[5], f[7]) " (" effect(f[5], f[8]) ", p " f[9] ")"
		else if (kind[k] == "subsys" && f[7] == "regression")
			t = f[2] " " f[3] " " f[4] " -> " f[5] " (" f[6] ")"
		if (t == "")
			continue
		if (++n <= max)
			s = s (n > 1 ? "; " : "") t
	}
	if (!n)
		return ""
	return " First: " s (n > max ? "; and " (n - max) " more." : ".")
}

# The counts behind the result.
function result_detail(    s)
{
	s = ""
	if (regressions > 0)
		s = plural(regressions, "regression", "regressions") " (" \
		    plural(nverdict, "verdict", "verdicts") ", " \
		    plural(ncrash, "new crash title", "new crash titles") ", " \
		    plural(nmeasure, "measurement", "measurements") \
		    (nsubsysreg ? ", " plural(nsubsysreg, "subsys figure", "subsys figures") : "") "), "
	s = s plural(improvements, "improvement", "improvements")
	if (conditions > 0)
		s = s ", " plural(conditions, "change", "changes") " where the memory state differed"
	return s "; " plural(compared, "measurement", "measurements") " compared, " \
	    (nsubsys ? plural(nsubsys, "subsys figure", "subsys figures") " compared, " : "") \
	    untested + 0 " not tested."
}

# num(m, v): a median for the tables.
function num(m, v)
{
	return sprintf(m == "success" ? "%.1f" : "%.0f", v)
}

function metric_name(m)
{
	return m == "success" ? "success %" : m " ns"
}

function effect(m, v)
{
	return m == "success" ? v " points" : v " %"
}

# The title and the result: the page leads with it and the changes that
# matter; the runs' metadata comes after the findings (runs_section).
function overview()
{
	heading(1, "labyrinth compare: " e(bid) " " arrow " " e(nid))
	para(bold(regressions > 0 ? "Result: REGRESSION" : "Result: no regression") " " dash " " \
	    e(result_detail()))
}

function runs_section(    keys, nk, i, k)
{
	heading(2, "Runs compared")
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
}

# change_rows(class): the measurement changes of one class.
function change_rows(class, with_cond,    k, f, any)
{
	for (k = 1; k <= nf; k++) {
		if (kind[k] != "change")
			continue
		cells(k, f)
		if (f[12] != class)
			continue
		if (!any++)
			table("test|ctx|order|metric|BASE median|NEW median|change|p-value|windows BASE / NEW" \
			    (with_cond ? "|memory state" : "|"))
		row(e(f[2]) "\t" e(f[3]) "\t" f[4] "\t" metric_name(f[5]) "\t" num(f[5], f[6]) "\t" num(f[5], f[7]) "\t" \
		    effect(f[5], f[8]) "\t" f[9] "\t" f[10] " / " f[11] "\t" \
		    (with_cond ? e(f[13]) : mark(class)))
	}
	if (any)
		table_end()
	return any
}

function matter_section(    k, f, any, any2, d)
{
	heading(2, "Changes that matter")
	for (k = 1; k <= nf; k++) {
		if (kind[k] != "verdict")
			continue
		cells(k, f)
		if (f[5] != "regression")
			continue
		if (!any++)
			table("test|BASE|NEW|change|detail")
		d = f[7]
		if (f[6] != "" && f[6] != f[7])
			d = d (d == "" ? "" : "; ") "BASE: " f[6]
		row(e(f[2]) "\t" f[3] "\t" f[4] "\t" mark(f[5]) "\t" e(d))
	}
	if (any)
		table_end()
	any2 = 0
	for (k = 1; k <= nf; k++) {
		if (kind[k] != "crash")
			continue
		if (!any2++) {
			para("New crash titles (NEW failed with a title BASE never showed):")
			table("category: title|tests")
		}
		cells(k, f)
		row(code(e(f[2])) "\t" e(f[3]))
	}
	if (any2)
		table_end()
	if (nmeasure) {
		para("Measurements that moved beyond the run-to-run spread:")
		change_rows("regression", 0)
	}
	if (!any && !any2 && !nmeasure)
		para("None: no verdict regressed, no new crash title, no measurement moved " \
		    "beyond the run-to-run spread.")
}

# The subsys tests' throughput and recovery, test by test (compare-subsys.awk).
function subsys_section(    k, f, any)
{
	if (!nsubsys)
		return
	heading(2, "Kernel subsystems: throughput and recovery")
	para("Per subsys test: the median throughput of each phase at the baseline's guest speed " \
	    "(listed: between boots on a shared host it measures the host as much as the kernel) " \
	    "and the recovery time after injection and the hog stopped (-1: the load did not come " \
	    "back). A recovery that fails, or takes twice as long and at least 2 s longer, is a regression.")
	table("test|figure|BASE|NEW|change|class")
	for (k = 1; k <= nf; k++) {
		if (kind[k] != "subsys")
			continue
		cells(k, f)
		row(e(f[2]) "\t" f[3] "\t" f[4] "\t" f[5] "\t" e(f[6]) "\t" (f[7] == "none" ? "" : mark(f[7])))
	}
	table_end()
}

function conditions_section(    k, f, any)
{
	heading(2, "Conditions differ")
	for (k = 1; k <= nf; k++) {
		cells(k, f)
		if (kind[k] != "cond" && !(kind[k] == "verdict" && f[5] == "conditions"))
			continue
		if (!any++) {
			para("The memory state during these tests was not the same in both runs, " \
			    "so their changes are not attributed to the kernel:")
			table("test|what|BASE|NEW")
		}
		if (kind[k] == "cond")
			row(e(f[2]) "\t" e(f[3]) "\t" f[4] "\t" f[5])
		else
			row(e(f[2]) "\tverdict: the suite's memory state not reached\t" f[3] \
			    (f[6] != "" ? ": " e(f[6]) : "") "\t" f[4] (f[7] != "" ? ": " e(f[7]) : ""))
	}
	if (any) {
		table_end()
		if (ncondmeasure > 0) {
			para("Changes beyond the spread at those orders (" \
			    plural(ncondmeasure, "change", "changes") "):")
			change_rows("conditions", 1)
		}
	} else
		para("None: where both runs recorded it, the free blocks per order and " \
		    "the high-order atomic reserve during the tests matched.")
}

function other_section(    k, f, any, d)
{
	heading(2, "Improvements and other changes")
	for (k = 1; k <= nf; k++) {
		if (kind[k] != "verdict")
			continue
		cells(k, f)
		if (f[5] == "regression" || f[5] == "conditions")
			continue
		if (!any++)
			table("test|BASE|NEW|change|detail")
		d = f[7]
		if (f[6] != "" && f[6] != f[7])
			d = d (d == "" ? "" : "; ") "BASE: " f[6]
		row(e(f[2]) "\t" f[3] "\t" f[4] "\t" mark(f[5]) "\t" e(d))
	}
	if (any)
		table_end()
	if (!change_rows("improvement", 0) && !any)
		para("None.")
}

# The largest moves that were not called, by effect, at most 10.
function uncalled_section(    k, f, n, i, j, I, A, v, x)
{
	heading(2, "Largest moves within the spread")
	n = 0
	for (k = 1; k <= nf; k++) {
		if (kind[k] != "change")
			continue
		cells(k, f)
		if (f[12] != "none" || f[8] + 0 == 0)
			continue
		v = f[8] + 0
		if (f[5] == "success")
			v *= 10
		v = v < 0 ? -v : v
		for (j = n; j >= 1 && A[j] < v; j--) {
			A[j + 1] = A[j]
			I[j + 1] = I[j]
		}
		A[j + 1] = v
		I[j + 1] = k
		n++
	}
	if (!n) {
		para("None: every measurement compared was called (or none was compared).")
		return
	}
	para(plural(n, "measurement", "measurements") " moved less than the floor or " \
	    "with a p-value above alpha; the largest (all in changes.tsv):")
	table("test|ctx|order|metric|BASE median|NEW median|change|p-value|windows BASE / NEW")
	for (i = 1; i <= n && i <= 10; i++) {
		cells(I[i], f)
		row(e(f[2]) "\t" e(f[3]) "\t" f[4] "\t" metric_name(f[5]) "\t" num(f[5], f[6]) "\t" num(f[5], f[7]) "\t" \
		    effect(f[5], f[8]) "\t" f[9] "\t" f[10] " / " f[11])
	}
	table_end()
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

function notcompared_section(    k, f, any, any2)
{
	heading(2, "Not compared")
	para(untested + 0 " measurements had fewer than " min_windows " windows of at least " \
	    min_window_attempts " attempts in one of the runs and were not tested.")
	for (k = 1; k <= nf; k++) {
		if (kind[k] != "untested")
			continue
		if (!any++)
			table("test|ctx|order|windows BASE / NEW")
		cells(k, f)
		row(e(f[2]) "\t" e(f[3]) "\t" f[4] "\t" f[5] " / " f[6])
	}
	if (any)
		table_end()
	for (k = 1; k <= nf; k++) {
		if (kind[k] != "rowonly")
			continue
		if (!any2++) {
			para("Measurements of a test that ran in both, present in only one run:")
			table("test|ctx|order|only in")
		}
		cells(k, f)
		row(e(f[3]) "\t" e(f[4]) "\t" f[5] "\t" f[2])
	}
	if (any2)
		table_end()
}

function method_section()
{
	heading(2, "Method")
	para("Each test records its measured phase in windows. Per test, context and " \
	    "order, the windows of BASE and NEW are compared with a Mann-Whitney U test " \
	    "(two-sided, normal approximation with tie correction); a change is called when " \
	    "p < " alpha " and the median window moves by more than a floor, the spread " \
	    "between boots of one kernel measured A/A (windows of one boot do not sample " \
	    "it): " success_pp " points (success rate) or " latency_pct " % (latency) where " \
	    "free blocks of the order are plenty, " scarce_success_pp " points or " \
	    scarce_latency_pct " % where they are scarce in either run (a fragmenter's " \
	    "orders; metrics: " metrics "). Before a change is attributed to the kernel, the memory state during the " \
	    "test (free blocks per order, high-order atomic reserve) must match. Settings: " \
	    e(conf) ".")
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
	if (fmt == "summary") {
		print summary_line()
		exit 0
	}
	if (fmt == "html")
		html_head()
	overview()
	matter_section()
	subsys_section()
	conditions_section()
	other_section()
	uncalled_section()
	runs_section()
	only_section()
	notcompared_section()
	method_section()
	if (fmt == "html") {
		plots()
		printf "<p><small>Written by labyrinth's scripts/compare.sh, %s.</small></p>\n",
		    esc(generated)
		print "</body>"
		print "</html>"
	}
}
