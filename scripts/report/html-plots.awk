# SPDX-License-Identifier: GPL-2.0
#
# The plots of a run report (used with plotlib.awk).  Input: results.tsv
# with the pos column (tsv.awk with_pos=1).  -v run=<run-dir>
# -v table=<test table> -v dir=<scratch>.  Per test with measurements:
#   success   success rate per order, a line per context
#   failures  injected and natural failures per context
#   latency   p50 and p99 per order, per context (log scale)
#   frag      free blocks per order before, during and after (all zones)
#   progress  a long test's progress records over its measured phase
#   subsys    a subsys test's throughput, one point a second before, during
#             and after injection, with its baseline and recovery threshold
#   recovery  (a sentence) its recovery time, drops and errors, injections
# A section without usable data gets a sentence instead of a plot.

BEGIN {
	FS = "\t"
}

FNR == 1 && $1 == "pos" {
	for (i = 1; i <= NF; i++)
		col[$i] = i
	next
}

# allocation statistics: not a subsys target's row (order "-")
$(col["ctx"]) != "-" && $(col["order"]) ~ /^[0-9]+$/ {
	p = $1
	c = $(col["ctx"])
	o = $(col["order"])
	if (!((p, c) in nctxo)) {
		nctx[p]++
		ctx[p, nctx[p]] = c
		nctxo[p, c] = 0
	}
	if (!((p, c, o) in have)) {
		have[p, c, o] = 1
		nctxo[p, c]++
		ords[p, c, nctxo[p, c]] = o
	}
	for (k in col)
		v[p, c, o, k] = $(col[k])
	stats[p] = 1
}

# sorted_orders(p, c, out): orders of one context, ascending.
function sorted_orders(p, c, out,    n, i, j, t)
{
	n = nctxo[p, c]
	for (i = 1; i <= n; i++)
		out[i] = ords[p, c, i] + 0
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && out[j - 1] > out[j]; j--) {
			t = out[j]
			out[j] = out[j - 1]
			out[j - 1] = t
		}
	return n
}

function success_plot(p, tag,    i, c, n, j, o, name, f, cmd, sep, pts, lo, hi, od)
{
	name = "t" p "-success"
	cmd = ""
	sep = "plot "
	lo = 99
	hi = 0
	for (i = 1; i <= nctx[p]; i++) {
		c = ctx[p, i]
		split("", od)
		n = sorted_orders(p, c, od)
		pts = 0
		for (j = 1; j <= n; j++) {
			o = od[j]
			if (!isnum(v[p, c, o, "success_pct"]))
				continue
			printf "%d %s\n", o, v[p, c, o, "success_pct"] > dat(name "." i ".dat")
			pts++
			if (o < lo)
				lo = o
			if (o > hi)
				hi = o
		}
		if (!pts)
			continue
		close(dat(name "." i ".dat"))
		cmd = cmd sep sprintf("'%s.%d.dat' using 1:2 with linespoints lw 2 pt 7 title '%s'",
		    name, i, gp_name(c))
		sep = ", "
	}
	if (cmd == "") {
		manifest(p, "success", "none", name,
		    "No allocation attempts were recorded, so there is no success rate to plot.")
		return
	}
	f = gp_begin(name, tag ": success rate per order", "order", "successful allocations (%)")
	printf "set xtics 1\nset xrange [%g:%g]\nset yrange [0:105]\n", lo - 0.5, hi + 0.5 > f
	gp_end(f, cmd)
	manifest(p, "success", "plot", name,
	    "Share of allocation attempts that succeeded, per order; one line per context.")
}

# failures_plot(p, tag, sinj, snat, hassum): injected against natural
# failures per context.  Contexts whose stat records do not split their
# failures show them as "not split"; the test's own totals (its sum
# records' injected= and natural=) make a last group, test_total.
function failures_plot(p, tag, sinj, snat, hassum,    i, c, n, j, o, name, f, inj,
    nat, all, split_, tot, top, unsplit, od, cmd)
{
	name = "t" p "-failures"
	tot = top = unsplit = 0
	for (i = 1; i <= nctx[p]; i++) {
		c = ctx[p, i]
		split("", od)
		n = sorted_orders(p, c, od)
		inj = nat = all = split_ = 0
		for (j = 1; j <= n; j++) {
			o = od[j]
			if (isnum(v[p, c, o, "injected"]) || isnum(v[p, c, o, "natural"]))
				split_ = 1
			if (isnum(v[p, c, o, "injected"]))
				inj += v[p, c, o, "injected"]
			if (isnum(v[p, c, o, "natural"]))
				nat += v[p, c, o, "natural"]
			if (isnum(v[p, c, o, "failures"]))
				all += v[p, c, o, "failures"]
		}
		if (split_)
			all = 0
		else
			unsplit += all
		tot += inj + nat + all
		top = max3(top, max3(inj, nat, all))
		printf "%s %d %d %d\n", gp_name(c), inj, nat, all > dat(name ".dat")
	}
	if (hassum) {
		printf "test_total %d %d 0\n", sinj, snat > dat(name ".dat")
		tot += sinj + snat
		top = max3(top, max3(sinj, snat, 0))
	}
	close(dat(name ".dat"))
	if (tot == 0) {
		manifest(p, "failures", "none", name,
		    "No allocation failed, injected or natural: nothing to plot.")
		return
	}
	f = gp_begin(name, tag ": injected and natural failures", "context",
	    "failed allocations (all orders)")
	printf "set style data histograms\nset style histogram clustered gap 1\n" > f
	printf "set style fill solid 0.8 border -1\nset boxwidth 0.9\n" > f
	printf "set yrange [0:%g]\n", top * 1.15 > f
	cmd = sprintf("plot '%s.dat' using 2:xtic(1) title 'injected', '' using 3 title 'natural'",
	    name)
	if (unsplit)
		cmd = cmd ", '' using 4 title 'not split'"
	gp_end(f, cmd)
	manifest(p, "failures", "plot", name,
	    "Failed allocations per context, summed over orders: injected by fail_page_alloc/failslab against natural (memory really short)" \
	    (unsplit ? "; \"not split\" where a context's records do not tell the two apart" : "") \
	    (hassum ? "; test_total is the test's own count of injected and natural failures." : "."))
}

function max3(a, b, c)
{
	if (b > a)
		a = b
	return c > a ? c : a
}

function latency_plot(p, tag,    i, c, n, j, k, o, name, f, cmd, sep, q, qn, qs, pts, file, lo, hi, od)
{
	name = "t" p "-latency"
	cmd = ""
	sep = "plot "
	lo = 99
	hi = 0
	qn = split("lat_p50_ns lat_p99_ns", q, " ")
	split("p50 p99", qs, " ")
	for (i = 1; i <= nctx[p]; i++) {
		c = ctx[p, i]
		split("", od)
		n = sorted_orders(p, c, od)
		for (k = 1; k <= qn; k++) {
			file = name "." i "." qs[k] ".dat"
			pts = 0
			for (j = 1; j <= n; j++) {
				o = od[j]
				if (!isnum(v[p, c, o, q[k]]) || v[p, c, o, q[k]] <= 0)
					continue
				printf "%d %s\n", o, v[p, c, o, q[k]] > dat(file)
				pts++
				if (o < lo)
					lo = o
				if (o > hi)
					hi = o
			}
			if (!pts)
				continue
			close(dat(file))
			cmd = cmd sep sprintf("'%s' using 1:2 with linespoints lw 2 lc %d dt %d pt 7 title '%s %s'",
			    file, i, k == 1 ? 2 : 1, gp_name(c), qs[k])
			sep = ", "
		}
	}
	if (cmd == "") {
		manifest(p, "latency", "none", name, "No allocation latencies were recorded.")
		return
	}
	f = gp_begin(name, tag ": allocation latency", "order", "latency (ns, log scale)")
	printf "set xtics 1\nset xrange [%g:%g]\nset logscale y\nset format y '%%.0s%%c'\n",
	    lo - 0.5, hi + 0.5 > f
	gp_end(f, cmd)
	manifest(p, "latency", "plot", name,
	    "Allocation latency per order: p99 solid, p50 dashed, one colour per context.")
}

# frag_plot(p, tag, file): the frag records of one test's data file.
function frag_plot(p, tag, file,    line, phase, zone, o, i, name,
    f, cmd, sep, ph, nph, pts, seen, sum, any, maxo, rec, last, zones)
{
	name = "t" p "-frag"
	any = 0
	maxo = -1
	while ((getline line < file) > 0) {
		if (line !~ /^frag[ \t]/)
			continue
		split("", rec)
		kv(line, rec)
		phase = rec["phase"]
		zone = rec["node"] "/" rec["zone"]
		if (phase !~ /^(before|during|after)$/ || rec["zone"] == "")
			continue
		for (o = 0; o <= 10; o++) {
			if (!(("o" o) in rec) || !isnum(rec["o" o]))
				continue
			last[phase, zone, o] = rec["o" o]
			seen[phase, zone] = 1
			zones[zone] = 1
			if (o > maxo)
				maxo = o
			any = 1
		}
	}
	close(file)
	if (!any) {
		manifest(p, "frag", "none", name,
		    "No fragmentation snapshots (frag records) were recorded.")
		return
	}
	cmd = ""
	sep = "plot "
	nph = split("before during after", ph, " ")
	for (i = 1; i <= nph; i++) {
		pts = 0
		for (o = 0; o <= maxo; o++) {
			sum = 0
			for (zone in zones)
				if ((ph[i], zone, o) in last)
					sum += last[ph[i], zone, o]
			if (sum > 0) {
				printf "%d %d\n", o, sum > dat(name "." ph[i] ".dat")
				pts++
			}
		}
		if (!pts)
			continue
		close(dat(name "." ph[i] ".dat"))
		cmd = cmd sep sprintf("'%s.%s.dat' using 1:2 with linespoints lw 2 pt 7 title '%s'",
		    name, ph[i], ph[i])
		sep = ", "
	}
	if (cmd == "") {
		manifest(p, "frag", "none", name,
		    "The fragmentation snapshots show no free blocks at all.")
		return
	}
	f = gp_begin(name, tag ": free blocks per order (all zones)", "order", "free blocks (log scale)")
	printf "set xtics 1\nset xrange [-0.5:%g]\nset logscale y\n", maxo + 0.5 > f
	gp_end(f, cmd)
	manifest(p, "frag", "plot", name,
	    "Free blocks per order (/proc/buddyinfo, zones added up) before, during and after the memory hog; orders with no free block are not drawn.")
}

# progress_plot(p, tag, file): the "prog" records of a long test (one every
# 10 s of its measured phase): attempts a second and free blocks of order
# >= K over the phase's elapsed time.
function progress_plot(p, tag, file,    line, rec, k, name, f, np, fk, cmd)
{
	name = "t" p "-progress"
	np = 0
	fk = ""
	while ((getline line < file) > 0) {
		if (line !~ /^prog[ \t]/)
			continue
		split("", rec)
		kv(line, rec)
		if (!isnum(rec["elapsed_s"]) || !isnum(rec["attempts_per_s"]))
			continue
		for (k in rec)
			if (k ~ /^free_blocks_o[0-9]+$/)
				fk = substr(k, 14)
		printf "%d %d %d %d %d\n", rec["elapsed_s"], rec["attempts_per_s"],
		    fk != "" ? rec["free_blocks_o" fk] : 0, rec["injected"], rec["natural"] > dat(name ".dat")
		np++
	}
	close(file)
	if (!np)
		return
	close(dat(name ".dat"))
	f = gp_begin(name, tag ": progress of the measured phase", "seconds into the phase", "attempts a second")
	printf "set y2tics\nset ytics nomirror\nset y2label 'free blocks / failures'\nset yrange [0:*]\nset y2range [0:*]\n" > f
	cmd = sprintf("plot '%s.dat' using 1:2 with linespoints lw 2 pt 7 title 'attempts/s', ", name)
	cmd = cmd sprintf("'%s.dat' using 1:3 axes x1y2 with linespoints lw 2 title 'free blocks of order >= %s', ", name, fk)
	cmd = cmd sprintf("'%s.dat' using 1:4 axes x1y2 with lines dt 2 title 'injected failures', ", name)
	cmd = cmd sprintf("'%s.dat' using 1:5 axes x1y2 with lines dt 3 title 'natural failures'", name)
	gp_end(f, cmd)
	manifest(p, "progress", "plot", name,
	    "Progress lines of the measured phase, one every 10 s: allocation attempts a second since the line before, free blocks of order >= " fk " (/proc/buddyinfo) and the failures so far (injected, natural).")
}

# subsys_plot(p, tag, file): a subsys test's "samples" records (comma
# lists kBps=, probe_us= and ms=, the guest's clock, per phase) as
# kB/s over the test's seconds, a line per phase, the injection phase
# shaded; the "recovery" record's baseline and threshold as lines, and
# each second at the baseline's guest speed (rate x probe / reference
# probe) as points where the test compares so.  Then a sentence: the
# recovery, the drops and errors ("drops", "io") and the failures
# injected ("sum" with target=).
function subsys_plot(p, tag, file,    line, rec, R, ph, nph, i, j, n, kb, pr, ms,
    x0, np, ref, base, thr, name, f, cmd, d0, d1, nn, text, pct)
{
	name = "t" p "-subsys"
	split("", R)
	np = nn = 0
	x0 = -1
	while ((getline line < file) > 0) {
		if (line !~ /^(samples|recovery|drops|io|sum)[ \t]/)
			continue
		split("", rec)
		kv(line, rec)
		if (line ~ /^samples/) {
			if (rec["phase"] !~ /^(before|during|after)$/)
				continue
			n = split(rec["kBps"], kb, ",")
			split(rec["ms"], ms, ",")
			split(rec["probe_us"], pr, ",")
			for (i = 1; i <= n; i++) {
				if (!isnum(kb[i]) || !isnum(ms[i]))
					continue
				j = ++R[rec["phase"], "n"]
				R[rec["phase"], j, "kBps"] = kb[i]
				R[rec["phase"], j, "ms"] = ms[i]
				R[rec["phase"], j, "probe"] = isnum(pr[i]) ? pr[i] : 0
				if (x0 < 0 || ms[i] + 0 < x0)
					x0 = ms[i] + 0
				np++
			}
		} else if (line ~ /^recovery/) {
			for (i in rec)
				R["rec", i] = rec[i]
			R["rec"] = 1
		} else if (line ~ /^drops/) {
			R["drops"] = 1
			if (isnum(rec["sum"]))
				R["drops_sum"] += rec["sum"]
			R["drops_list"] = R["drops_list"] nonzero(line)
		} else if (line ~ /^io/) {
			R["io"] = 1
			R["ios"] += rec["ios"]
			R["io_errors"] += rec["io_errors"]
			R["in_flight"] += rec["in_flight_end"]
		} else if (rec["target"] != "" && isnum(rec["injected"])) {
			R["sum"] = 1
			R["injected"] += rec["injected"]
			R["fault"] = rec["fault"]
			R["hog"] = rec["hog"]
			R["module"] = rec["module"]
		}
	}
	close(file)
	ref = isnum(R["rec", "probe_us"]) ? R["rec", "probe_us"] + 0 : 0
	base = isnum(R["rec", "baseline_kBps"]) ? R["rec", "baseline_kBps"] + 0 : -1
	thr = isnum(R["rec", "threshold_kBps"]) ? R["rec", "threshold_kBps"] + 0 : -1
	pct = recovery_pct(base, thr)
	if (!np)
		manifest(p, "subsys", "none", name,
		    "No throughput samples (samples records) were recorded, so there is no throughput to plot.")
	else {
		cmd = ""
		nph = split("before during after", ph, " ")
		for (i = 1; i <= nph; i++) {
			n = R[ph[i], "n"]
			if (!n)
				continue
			for (j = 1; j <= n; j++) {
				printf "%.3f %s\n", (R[ph[i], j, "ms"] - x0) / 1000,
				    R[ph[i], j, "kBps"] > dat(name "." ph[i] ".dat")
				if (ref > 0 && R[ph[i], j, "probe"] > 0) {
					printf "%.3f %d\n", (R[ph[i], j, "ms"] - x0) / 1000,
					    R[ph[i], j, "kBps"] * R[ph[i], j, "probe"] / ref > dat(name ".norm.dat")
					nn++
				}
			}
			close(dat(name "." ph[i] ".dat"))
			cmd = cmd (cmd == "" ? "plot " : ", ") \
			    sprintf("'%s.%s.dat' using 1:2 with linespoints lw 2 pt 7 title '%s'",
			    name, ph[i], ph[i])
		}
		if (nn) {
			close(dat(name ".norm.dat"))
			cmd = cmd sprintf(", '%s.norm.dat' using 1:2 with points pt 6 lc rgb '#777777' title 'at the baseline guest speed'",
			    name)
		}
		if (base >= 0)
			cmd = cmd sprintf(", %d with lines dt 2 lw 1.5 lc rgb '#444444' title 'baseline %d kB/s'",
			    base, base)
		if (thr >= 0)
			cmd = cmd sprintf(", %d with lines dt 3 lw 1.5 lc rgb '#b3261e' title '%s: %d kB/s'",
			    thr, pct, thr)
		f = gp_begin(name, tag ": throughput before, during and after injection",
		    "seconds (guest clock)", "kB/s")
		if (R["during", "n"]) {
			d0 = (R["during", 1, "ms"] - x0) / 1000 - 1
			d1 = (R["during", R["during", "n"], "ms"] - x0) / 1000
			printf "set object 1 rect from %.3f,graph 0 to %.3f,graph 1 behind fillcolor rgb '#fde7e9' fillstyle solid 1.0 noborder\n",
			    d0 < 0 ? 0 : d0, d1 > f
		}
		printf "set yrange [0:*]\nset xrange [0:*]\n" > f
		gp_end(f, cmd)
		manifest(p, "subsys", "plot", name,
		    "Throughput of the load, a point per sample (the rate over the second before it), before, during (shaded) and after injection and the hog" \
		    (base >= 0 ? "; the baseline (the lower quartile of the seconds before) and the recovery threshold, " pct " of it" : "") \
		    (nn ? "; grey circles: each second at the baseline's guest speed (rate x its speed probe / the reference probe)." : "."))
	}
	manifest(p, "recovery", "none", name "-text", subsys_text(R, pct))
}

# nonzero(line): the counters of a drops record that moved, in the
# record's order: ", name value" each.
function nonzero(line,    n, i, f, eq, k, v, out)
{
	out = ""
	n = split(line, f, /[ \t]+/)
	for (i = 2; i <= n; i++) {
		eq = index(f[i], "=")
		k = substr(f[i], 1, eq - 1)
		v = substr(f[i], eq + 1)
		if (eq > 1 && k !~ /^(test|phase|target|proto|sum)$/ && isnum(v) && v > 0)
			out = out ", " k " " v
	}
	return out
}

# recovery_pct(base, thr): the threshold as a share of the baseline, as
# the test set it (threshold = int(baseline x pct / 100), 90 unless the
# test was told otherwise).
function recovery_pct(base, thr)
{
	if (base <= 0 || thr < 0)
		return "90%"
	if (int(base * 90 / 100) == thr)
		return "90%"
	return sprintf("%d%%", thr * 100 / base + 0.5)
}

# subsys_text(R, pct): the sentence under a subsys test's plot.
function subsys_text(R, pct,    t, ms, lim, by)
{
	if (!R["rec"])
		t = "No recovery record: the test ended before it measured the recovery."
	else {
		ms = R["rec", "recovery_ms"]
		lim = isnum(R["rec", "limit_ms"]) ? " (limit " R["rec", "limit_ms"] " ms)" : ""
		by = R["rec", "by"] == "speed" ? ", at the baseline's guest speed" : \
		    R["rec", "by"] == "measured" ? ", as measured" : ""
		if (isnum(ms))
			t = sprintf("Recovery: %d ms, the load back at %s of its baseline (%s of %s kB/s) after injection and the hog stopped%s%s.",
			    ms, pct, R["rec", "threshold_kBps"], R["rec", "baseline_kBps"], by, lim)
		else if (ms == "-1")
			t = sprintf("Recovery: none, the load not back at %s of its baseline (%s of %s kB/s) after injection and the hog stopped%s.",
			    pct, R["rec", "threshold_kBps"], R["rec", "baseline_kBps"], lim)
		else
			t = "Recovery: the recovery record holds no recovery time."
	}
	if (R["drops"])
		t = t sprintf(" Drops and errors during injection: %d", R["drops_sum"]) \
		    (R["drops_list"] != "" ? " (" substr(R["drops_list"], 3) ")." : ".")
	if (R["io"])
		t = t sprintf(" Block layer during injection: %d requests completed, %d I/O errors, %d in flight when injection stopped.",
		    R["ios"], R["io_errors"], R["in_flight"])
	if (!R["drops"] && !R["io"])
		t = t " No drops or I/O errors were recorded."
	if (R["sum"])
		t = t sprintf(" Failures injected: %d (fault %s, hog %s%s).", R["injected"],
		    R["fault"], R["hog"], R["module"] != "" ? ", module " R["module"] : "")
	return t
}

END {
	n = read_table(table, T)
	for (p = 1; p <= n; p++) {
		file = run "/" T[p, "dir"] "/data"
		hasfrag = hasprog = hassum = sinj = snat = hassub = 0
		while ((getline line < file) > 0) {
			if (line ~ /^(tput|samples|recovery|drops|io)[ \t]/)
				hassub = 1
			if (line ~ /^frag[ \t]/)
				hasfrag = 1
			if (line ~ /^prog[ \t]/)
				hasprog = 1
			if (line !~ /^sum[ \t]/)
				continue
			split("", rec)
			kv(line, rec)
			if (isnum(rec["injected"]) || isnum(rec["natural"]))
				hassum = 1
			if (isnum(rec["injected"]))
				sinj += rec["injected"]
			if (isnum(rec["natural"]))
				snat += rec["natural"]
		}
		close(file)
		if (!(p in stats) && !hasfrag && !hasprog && !hassub)
			continue
		tag = T[p, "tag"]
		if (hassub)
			subsys_plot(p, tag, file)
		if (p in stats) {
			success_plot(p, tag)
			failures_plot(p, tag, sinj, snat, hassum)
			latency_plot(p, tag)
		} else if (!hassub) {
			manifest(p, "success", "none", "t" p "-success",
			    "No allocation statistics (stat records) were recorded.")
		}
		frag_plot(p, tag, file)
		progress_plot(p, tag, file)
	}
	close(dir "/manifest")
}
