# SPDX-License-Identifier: GPL-2.0
#
# The matrix of two runs as one grid of differences (grid.awk), put into
# compare.html after its first section (the changes that matter, which
# lead the page): each cell gives the verdicts
# BASE -> NEW and the change of its success rate in points.  Reads the
# page on stdin and writes it with the grid.  Used with common.awk and
# grid.awk.
# -v scratch=<compare's scratch: BASE.tests NEW.tests BASE.tsv NEW.tsv>
# -v brun=<BASE run-dir> -v nrun=<NEW run-dir> -v drop=<points that count
# as a change of the success rate>
# A cell is red when its verdict got worse (pass -> xfail -> interrupted
# -> fail or error), green when it got better; with the same verdict,
# orange when the success rate fell by more than drop points, light green
# when it rose so much.

function badness(st)
{
	return st == "fail" || st == "error" ? 3 : st == "interrupted" ? 2 : st == "xfail" ? 1 : 0
}

function letter(st)
{
	return st == "" ? "-" : st == "ok" ? "P" : grid_letter(st)
}

# add_cols(G): the columns of a side into U, once each.
function add_cols(G,    i)
{
	for (i = 1; i <= G["cols"]; i++)
		if (!(("c" SUBSEP G["fault", i] SUBSEP G["hog", i]) in seen)) {
			seen["c", G["fault", i], G["hog", i]] = 1
			U["fault", ++U["cols"]] = G["fault", i]
			U["hog", U["cols"]] = G["hog", i]
		}
	for (i = 1; i <= G["rows"]; i++)
		if (!(("r" SUBSEP G["row", i]) in seen)) {
			seen["r", G["row", i]] = 1
			U["row", ++U["rows"]] = G["row", i]
		}
}

function cell(key,    bs, ns, bp, np, d, cls, text, tip, bt, nt)
{
	bs = (key SUBSEP "tests") in BG ? BG[key, "status"] : ""
	ns = (key SUBSEP "tests") in NG ? NG[key, "status"] : ""
	if (bs == "" && ns == "")
		return "<td class=\"e\"></td>"
	bp = bs == "" ? "" : grid_pct(BG, key)
	np = ns == "" ? "" : grid_pct(NG, key)
	bt = bs == "" ? "" : B[BG[key, "first"], "tag"]
	nt = ns == "" ? "" : N[NG[key, "first"], "tag"]
	d = bp != "" && np != "" ? np - bp : ""
	if (bs == "" || ns == "")
		cls = "only"
	else if (badness(ns) > badness(bs))
		cls = "worse"
	else if (badness(ns) < badness(bs))
		cls = "better"
	else if (d != "" && -d > drop)
		cls = "drop"
	else if (d != "" && d > drop)
		cls = "rise"
	else
		cls = "same"
	text = bs == ns ? "" : letter(bs) "&rarr;" letter(ns)
	if (d != "")
		text = text (text == "" ? "" : " ") sprintf("%+.0f", d)
	if (text == "")
		text = "="
	tip = (nt != "" ? nt : bt) ": " verdict_word(bs == "" ? "absent" : bs) " -> " \
	    verdict_word(ns == "" ? "absent" : ns)
	if (ns != "" && ns != "ok")
		tip = tip " (" N[NG[key, "first"], "detail"] ")"
	if (bp != "" || np != "")
		tip = tip ", success " (bp == "" ? "-" : sprintf("%.1f%%", bp)) " -> " \
		    (np == "" ? "-" : sprintf("%.1f%%", np))
	return "<td class=\"" cls "\" title=\"" esc(tip) "\">" text "</td>"
}

function grid(    r, i, row)
{
	print "<style>"
	grid_css()
	print "table.grid td.worse{background:#d9534f;color:#fff}table.grid td.better{background:#7cc68d}"
	print "table.grid td.drop{background:#f0a04b}table.grid td.rise{background:#d7f0dd}"
	print "table.grid td.same{background:#f4f4f4;color:#777}table.grid td.only{background:#cfe3fb}"
	print "</style>"
	print "<h2 id=\"grid\">Matrix: BASE &rarr; NEW</h2>"
	if (!U["cols"]) {
		print "<p>No test of either run is a matrix cell (atomic_stress.sh -c, extmod.sh -m).</p>"
		return
	}
	grid_sort_cols(U)
	print "<table class=\"grid\">"
	printf "%s", grid_head(U, "context / module")
	for (r = 1; r <= U["rows"]; r++) {
		row = "<tr><th>" esc(U["row", r]) "</th>"
		for (i = 1; i <= U["cols"]; i++)
			row = row cell(U["row", r] SUBSEP U["fault", i] SUBSEP U["hog", i])
		print row "</tr>"
	}
	print "</table>"
	print "<p><small>A cell: verdicts BASE&rarr;NEW when they differ (P pass, F fail, E error," \
	    " x xfail, X xpass, S skip, I interrupted, - absent) and the change of the success rate" \
	    " in points; red: worse verdict, green: better, orange: success rate down by more than " \
	    esc(drop) " points, light green: up as much, blue: in one run only.</small></p>"
}

BEGIN {
	nb = read_table(scratch "/BASE.tests", B)
	nn = read_table(scratch "/NEW.tests", N)
	grid_load(brun, B, nb, scratch "/BASE.tsv", 0, BG)
	grid_load(nrun, N, nn, scratch "/NEW.tsv", 0, NG)
	U["cols"] = U["rows"] = 0
	add_cols(BG)
	add_cols(NG)
}

# after the changes that matter: the page's second section
!done && ((/<h2/ && ++sections == 2) || /<\/body>/) {
	grid()
	done = 1
}

{ print }
