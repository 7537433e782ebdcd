# SPDX-License-Identifier: GPL-2.0
#
# The matrix of a run as one grid: a row per context (atomic_stress.sh
# -c) or module (extmod.sh -m), a column per fault profile (-f) and hog
# (-H), as the run's list names them.  Used with common.awk by html.awk
# and compare-grid.awk.  A cell holds every test of its context, profile
# and hog (REPEAT rounds: tag.r1, tag.r2, ...): its verdict is the worst
# of theirs, its success rate successes / attempts over their "stat"
# records (results.tsv).  Tests of other commands are no cell.

# grid_args(line, A): the options of a list line ("idx tag command args")
# into A["-c"], A["-m"], A["-f"], A["-H"]; returns the command.
function grid_args(line, A,    f, n, i)
{
	n = split(line, f, /[ \t]+/)
	split("", A)
	for (i = 4; i < n; i++)
		if (f[i] ~ /^-[cmfH]$/)
			A[f[i]] = f[i + 1]
	return f[3]
}

# grid_rank(status): how bad a verdict is; a cell shows its worst.
function grid_rank(s)
{
	return s == "fail" ? 6 : s == "error" ? 5 : s == "interrupted" ? 4 : \
	    s == "xfail" ? 3 : s == "xpass" ? 2 : s == "ok" ? 1 : 0
}

# grid_load(run, T, n, tsv, off, G): the grid of a run with test table T
# (n tests, read_table) and results.tsv (off 1 when it has a leading pos
# column, else 0) into G:
#   G["rows"], G["row", k]; G["cols"], G["fault", k], G["hog", k]
#   G[row, fault, hog, "status"|"first"|"tests"|"att"|"succ"]
#   G["other"], G["other", k]: positions of tests that are no cell
# Returns the number of cells.
function grid_load(run, T, n, tsv, off, G,    line, f, args, i, cmd, A, r, fa, h,
    key, att, succ, seen, cells, hdr)
{
	split("", G)
	while ((getline line < (run "/list")) > 0) {
		if (line ~ /^[ \t]*(#|$)/)
			continue
		split(line, f, /[ \t]+/)
		args[f[1]] = line
	}
	close(run "/list")
	hdr = 1
	while ((getline line < tsv) > 0) {
		if (hdr) {
			hdr = 0
			continue
		}
		split(line, f, "\t")
		if (f[5 + off] ~ /^[0-9]+$/ && f[6 + off] ~ /^[0-9]+$/) {
			att[f[1 + off]] += f[5 + off]
			succ[f[1 + off]] += f[6 + off]
		}
	}
	close(tsv)
	cells = 0
	G["rows"] = G["cols"] = G["other"] = 0
	for (i = 1; i <= n; i++) {
		cmd = grid_args(args[T[i, "idx"]], A)
		if (cmd == "atomic_stress.sh" && A["-c"] != "")
			r = A["-c"]
		else if (cmd == "extmod.sh" && A["-m"] != "")
			r = "module " A["-m"]
		else {
			G["other", ++G["other"]] = i
			continue
		}
		fa = "-f" in A ? A["-f"] : "none"
		h = "-H" in A ? A["-H"] : "none"
		if (!(("r" SUBSEP r) in seen)) {
			seen["r", r] = 1
			G["row", ++G["rows"]] = r
		}
		if (!(("c" SUBSEP fa SUBSEP h) in seen)) {
			seen["c", fa, h] = 1
			G["cols"]++
			G["fault", G["cols"]] = fa
			G["hog", G["cols"]] = h
		}
		key = r SUBSEP fa SUBSEP h
		if (!((key SUBSEP "tests") in G)) {
			cells++
			G[key, "tests"] = 0
			G[key, "att"] = G[key, "succ"] = 0
			G[key, "status"] = ""
		}
		G[key, "tests"]++
		G[key, "att"] += att[T[i, "tag"]]
		G[key, "succ"] += succ[T[i, "tag"]]
		if (G[key, "status"] == "" ||
		    grid_rank(T[i, "status"]) > grid_rank(G[key, "status"])) {
			G[key, "status"] = T[i, "status"]
			G[key, "first"] = i
		}
	}
	grid_sort_cols(G)
	return cells
}

# grid_sort_cols(G): columns grouped by fault profile, in the order the
# profiles first appear, hogs in their order within each.
function grid_sort_cols(G,    i, j, k, nf, fo, seen, C)
{
	nf = 0
	for (i = 1; i <= G["cols"]; i++)
		if (!(G["fault", i] in seen)) {
			seen[G["fault", i]] = 1
			fo[++nf] = G["fault", i]
		}
	k = 0
	for (j = 1; j <= nf; j++)
		for (i = 1; i <= G["cols"]; i++)
			if (G["fault", i] == fo[j]) {
				C[++k, "f"] = G["fault", i]
				C[k, "h"] = G["hog", i]
			}
	for (i = 1; i <= k; i++) {
		G["fault", i] = C[i, "f"]
		G["hog", i] = C[i, "h"]
	}
}

# grid_pct(G, key): the cell's success rate in percent, "" without stats.
function grid_pct(G, key)
{
	return G[key, "att"] > 0 ? 100 * G[key, "succ"] / G[key, "att"] : ""
}

# grid_head(G, corner): the two header rows: fault profiles over their
# hogs.
function grid_head(G, corner,    i, span, out)
{
	out = "<tr><th rowspan=\"2\">" corner "</th>"
	for (i = 1; i <= G["cols"]; i += span) {
		for (span = 1; i + span <= G["cols"] && G["fault", i + span] == G["fault", i]; span++)
			;
		out = out "<th colspan=\"" span "\">fault " esc(G["fault", i]) "</th>"
	}
	out = out "</tr>\n<tr>"
	for (i = 1; i <= G["cols"]; i++)
		out = out "<th class=\"h\">" esc(G["hog", i]) "</th>"
	return out "</tr>\n"
}

# grid_css(): the styles of the grid's cells (verdict colours, the
# success rate as the height of the darker fill).
function grid_css()
{
	print "table.grid td,table.grid th{padding:.1em .25em;text-align:center;font-size:.8em}"
	print "table.grid th.h{font-weight:normal}table.grid td.e{background:#fafafa}"
	print "table.grid td a{display:block;color:#111;text-decoration:none;min-width:2.2em}"
	print "span.sw{display:inline-block;width:1em;height:1em;vertical-align:middle;border:1px solid #999}"
}

# grid_colour(status): the light and the dark tint of a verdict.
function grid_colour(s)
{
	if (s == "ok")
		return "#d7f0dd #7cc68d"
	if (s == "fail")
		return "#f8c9c5 #d9534f"
	if (s == "error")
		return "#e3c8ee #9b59b6"
	if (s == "xfail")
		return "#fde3c0 #f0a04b"
	if (s == "xpass")
		return "#cfe3fb #5b9bd5"
	if (s == "interrupted")
		return "#ddd6f3 #7e6bc4"
	return "#eeeeee #bbbbbb"
}

# grid_fill(status, pct): a cell's background: the verdict's light tint,
# filled from the bottom to the success rate with its dark one.
function grid_fill(s, pct,    c)
{
	split(grid_colour(s), c, " ")
	if (pct == "")
		return "background:" c[1]
	pct = int(pct)
	return "background:linear-gradient(to top," c[2] " " pct "%," c[1] " " pct "%)"
}

function grid_letter(s)
{
	return s == "fail" ? "F" : s == "error" ? "E" : s == "xfail" ? "x" : \
	    s == "xpass" ? "X" : s == "interrupted" ? "I" : s == "skip" ? "S" : ""
}

# grid_legend(): what the colours and letters say.
function grid_legend(    s, n, i, c, out)
{
	n = split("ok fail error xfail xpass skip interrupted", s, " ")
	out = "<p><small>"
	for (i = 1; i <= n; i++) {
		split(grid_colour(s[i]), c, " ")
		out = out "<span class=\"sw\" style=\"background:" c[2] "\"></span> " \
		    verdict_word(s[i]) (grid_letter(s[i]) != "" ? " (" grid_letter(s[i]) ")" : "") " "
	}
	return out "&mdash; the number is the success rate of the cell's allocations in percent," \
	    " the darker fill its height; a cell links to its test.</small></p>\n"
}
