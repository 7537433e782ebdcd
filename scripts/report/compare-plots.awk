# SPDX-License-Identifier: GPL-2.0
#
# The plots of a comparison (used with common.awk and plotlib.awk;
# everything in BEGIN).  -v btsv= -v ntsv= (results.tsv of BASE and NEW)
# -v dir=<scratch>.  Per test with measurements in either run:
#   success  success rate per order, BASE dashed and NEW solid, a colour
#            per context
#   latency  p99 latency per order, the same way (log scale)
# Manifest keys are the test's tag.

function load(file, side,    line, f, seen_header, t, c, o)
{
	seen_header = 0
	while ((getline line < file) > 0) {
		if (!seen_header++)
			continue
		split(line, f, "\t")
		t = f[1]
		c = f[3]
		o = f[4]
		if (c == "-" || o !~ /^[0-9]+$/)
			continue
		if (!(t in ntag_ctx)) {
			tags[++ntags] = t
			ntag_ctx[t] = 0
		}
		if (!((t, c) in ctxi)) {
			ctxi[t, c] = ++ntag_ctx[t]
			ctxn[t, ntag_ctx[t]] = c
		}
		pct[side, t, c, o] = f[10]
		p99[side, t, c, o] = f[12]
		orders[t, c, o] = 1
		if (!((t, "lo") in range) || o + 0 < range[t, "lo"])
			range[t, "lo"] = o + 0
		if (!((t, "hi") in range) || o + 0 > range[t, "hi"])
			range[t, "hi"] = o + 0
	}
	close(file)
}

# series(name, t, i, side, V, logy): write one data file; returns the
# number of points.
function series(name, t, i, side, V, logy,    c, o, file, pts)
{
	c = ctxn[t, i]
	file = name "." i "." side ".dat"
	pts = 0
	for (o = range[t, "lo"]; o <= range[t, "hi"]; o++) {
		if (!((t, c, o) in orders) || !((side, t, c, o) in V))
			continue
		if (!isnum(V[side, t, c, o]) || (logy && V[side, t, c, o] <= 0))
			continue
		printf "%d %s\n", o, V[side, t, c, o] > dat(file)
		pts++
	}
	if (pts)
		close(dat(file))
	return pts
}

function plot(t, k, section, V, logy, title, ylabel, caption, what,    name, i, s, sides,
    cmd, sep, f)
{
	name = "c" k "-" section
	split("base new", sides, " ")
	cmd = ""
	sep = "plot "
	for (i = 1; i <= ntag_ctx[t]; i++)
		for (s = 1; s <= 2; s++)
			if (series(name, t, i, sides[s], V, logy)) {
				cmd = cmd sep sprintf("'%s.%d.%s.dat' using 1:2 with linespoints lw 2 pt %d ps 1.3 lc %d dt %d title '%s %s'",
				    name, i, sides[s], s == 1 ? 6 : 7, i, s == 1 ? 2 : 1, gp_name(ctxn[t, i]),
				    toupper(sides[s]))
				sep = ", "
			}
	if (cmd == "") {
		manifest(t, section, "none", name, "No " what " was recorded in either run.")
		return
	}
	f = gp_begin(name, t ": " title, "order", ylabel)
	printf "set xtics 1\nset xrange [%g:%g]\n", range[t, "lo"] - 0.5, range[t, "hi"] + 0.5 > f
	if (logy)
		printf "set logscale y\nset format y '%%.0s%%c'\n" > f
	else
		printf "set yrange [0:105]\n" > f
	gp_end(f, cmd)
	manifest(t, section, "plot", name, caption)
}

BEGIN {
	load(btsv, "base")
	load(ntsv, "new")
	for (k = 1; k <= ntags; k++) {
		t = tags[k]
		plot(t, k, "success", pct, 0, "success rate, BASE against NEW",
		    "success rate (%)",
		    "Successful allocations per order: BASE dashed, NEW solid, one colour per context.",
		    "success rate")
		plot(t, k, "latency", p99, 1, "p99 latency, BASE against NEW",
		    "p99 latency (ns)",
		    "p99 allocation latency per order (log scale): BASE dashed, NEW solid, one colour per context.",
		    "p99 latency")
	}
	close(dir "/manifest")
}
