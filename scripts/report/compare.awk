# SPDX-License-Identifier: GPL-2.0
#
# The findings of a comparison of two runs, one per line, tab-separated,
# first field the kind (used with common.awk; everything in BEGIN):
#   totals  side n pass fail skip error xfail xpass interrupted
#   verdict tag base-status new-status regression|improvement|broken|conditions|change base-detail new-detail
#           (broken: the test broke, an error of the suite, not of the kernel;
#           conditions: pass <-> fail where the failure is the suite's memory
#           state not reached, state_categories)
#   crash   "category: title" tags
#   change  tag ctx order metric base-median new-median effect p-value
#           base-windows new-windows class conditions state floor
#           metric: success (window success rate, effect in points), p50,
#           p99 (window latency percentiles, effect in percent); class:
#           regression, improvement, conditions (a called change where the
#           memory state differed), none (not called); state: scarce
#           (free blocks of the order scarce in either run) or plenty;
#           floor: the effect floor of that state
#   cond    tag what base new        memory states that differ
#   untested tag ctx order base-windows new-windows
#   untested-count n
#   only    BASE|NEW tag status detail
#   rowonly BASE|NEW tag ctx order
#   count   regressions improvements conditions
# -v btable= -v ntable= (test tables) -v btsv= -v ntsv= (results.tsv)
# -v brun= -v nrun= (run folders, for the tests' data files)
# -v metrics= (comma list of success, p50, p99) -v alpha= -v success_pp=
# -v latency_pct= -v scarce_success_pp= -v scarce_latency_pct=
# -v min_windows= -v min_window_attempts= -v frag_ratio=
# -v frag_min_blocks= -v highatomic_pages= -v state_categories=
# (configs/compare.conf)
# Tests match by tag, measurements by tag, context and order.  The method:
# each test records its measured phase in windows ("win" records); a
# measurement's windows in BASE and NEW are two samples, compared with a
# Mann-Whitney U test, and a change is called when p < alpha and the
# medians differ by more than the floor.  Windows of one boot do not
# sample the spread between boots, so the floors are between-boot
# spreads measured A/A: one where free blocks of the order are plenty,
# a larger one where they are scarce (a fragmenter's orders).

function load_tsv(file, R, K,    line, f, n, seen_header, key)
{
	n = 0
	seen_header = 0
	while ((getline line < file) > 0) {
		if (!seen_header++)
			continue
		split(line, f, "\t")
		# rows of allocation statistics only: not the one of a test
		# without them, nor a subsys target's (order "-")
		if (f[col["ctx"]] == "-" || f[col["order"]] !~ /^[0-9]+$/)
			continue
		key = f[1] SUBSEP f[3] SUBSEP f[4]
		if (!(key in R))
			K[++n] = key
		R[key] = line
	}
	close(file)
	return n
}

function field(line, name,    f)
{
	split(line, f, "\t")
	return f[col[name]]
}

function out(s)
{
	print s
}

function totals(side, T, n,    i, c)
{
	split("", c)
	for (i = 1; i <= n; i++)
		c[T[i, "status"]]++
	out("totals\t" side "\t" n "\t" c["ok"] + 0 "\t" c["fail"] + 0 "\t" c["skip"] + 0 "\t" \
	    c["error"] + 0 "\t" c["xfail"] + 0 "\t" c["xpass"] + 0 "\t" c["interrupted"] + 0)
}

function verdicts(    i, t, b, nw, bs, ns, c)
{
	for (i = 1; i <= nb; i++) {
		t = B[i, "tag"]
		if (!(t in npos))
			continue
		b = i
		nw = npos[t]
		bs = B[b, "status"]
		ns = N[nw, "status"]
		if (bs == ns)
			continue
		if ((bs == "ok" && ns == "fail" && state_failure(N[nw, "detail"])) ||
		    (bs == "fail" && ns == "ok" && state_failure(B[b, "detail"])))
			c = "conditions"
		else if (bs == "ok" && ns == "fail")
			c = "regression"
		else if (bs == "fail" && ns == "ok")
			c = "improvement"
		else if (ns == "error")
			c = "broken"
		else
			c = "change"
		count[c]++
		out("verdict\t" t "\t" verdict_word(bs) "\t" verdict_word(ns) "\t" c "\t" \
		    B[b, "detail"] "\t" N[nw, "detail"])
	}
}

# state_failure(detail): the test failed because the suite did not reach
# the memory state it sets up (a category of state_categories, e.g. the
# fragmenter's goal): a change of the conditions, not of the kernel.
function state_failure(d,    i, n, C)
{
	n = split(state_categories, C, ",")
	for (i = 1; i <= n; i++)
		if (category_of(d) == C[i])
			return 1
	return 0
}

# crashes: titles of kernel findings new in NEW (errors of the suite,
# interrupted tests and failures to reach the memory state are no crash).
function crashes(    i, d, seen, order, k, tags, t)
{
	for (i = 1; i <= nb; i++)
		if (B[i, "status"] == "fail")
			seen[B[i, "detail"]] = 1
	k = 0
	for (i = 1; i <= nn; i++) {
		if (N[i, "status"] != "fail")
			continue
		d = N[i, "detail"]
		if (d in seen || state_failure(d))
			continue
		if (d in tags) {
			t = tags[d] ", " N[i, "tag"]
		} else {
			order[++k] = d
			t = N[i, "tag"]
		}
		tags[d] = t
	}
	for (i = 1; i <= k; i++) {
		count["regression"]++
		out("crash\t" order[i] "\t" tags[order[i]])
	}
}

function only(    i)
{
	for (i = 1; i <= nb; i++)
		if (!(B[i, "tag"] in npos))
			out("only\tBASE\t" B[i, "tag"] "\t" verdict_word(B[i, "status"]) "\t" B[i, "detail"])
	for (i = 1; i <= nn; i++)
		if (!(N[i, "tag"] in bpos))
			out("only\tNEW\t" N[i, "tag"] "\t" verdict_word(N[i, "status"]) "\t" N[i, "detail"])
}

# ---- statistics over windows

function abs(x)
{
	return x < 0 ? -x : x
}

# median(W, key, metric, n): the median of W[key, metric, 1..n].
function median(W, key, metric, n,    A, i, j, v)
{
	for (i = 1; i <= n; i++) {
		v = W[key, metric, i]
		for (j = i - 1; j >= 1 && A[j] > v; j--)
			A[j + 1] = A[j]
		A[j + 1] = v
	}
	return n % 2 ? A[(n + 1) / 2] : (A[n / 2] + A[n / 2 + 1]) / 2
}

# erfc(x) for x >= 0 (Abramowitz and Stegun 7.1.26, error below 1.5e-7).
function erfc(x,    t)
{
	t = 1 / (1 + 0.3275911 * x)
	return t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + \
	    t * (-1.453152027 + t * 1.061405429)))) * exp(-x * x)
}

# mann_whitney(key, metric, nx, ny): two-sided p-value of the Mann-Whitney
# U test of BASE's windows against NEW's: ranks of the pooled samples (tied
# values share their mean rank), normal approximation with tie and
# continuity correction.
function mann_whitney(key, metric, nx, ny,    V, G, n, i, j, k, v, g, r1, t, ties, u, mu, var, z)
{
	n = 0
	for (i = 1; i <= nx; i++) {
		V[++n] = BW[key, metric, i]
		G[n] = 1
	}
	for (i = 1; i <= ny; i++) {
		V[++n] = NW[key, metric, i]
		G[n] = 2
	}
	for (i = 2; i <= n; i++) {
		v = V[i]
		g = G[i]
		for (j = i - 1; j >= 1 && V[j] > v; j--) {
			V[j + 1] = V[j]
			G[j + 1] = G[j]
		}
		V[j + 1] = v
		G[j + 1] = g
	}
	r1 = 0
	ties = 0
	for (i = 1; i <= n; i = j) {
		for (j = i + 1; j <= n && V[j] == V[i]; j++)
			;
		t = j - i
		ties += t * t * t - t
		for (k = i; k < j; k++)
			if (G[k] == 1)
				r1 += (i + j - 1) / 2
	}
	u = r1 - nx * (nx + 1) / 2
	mu = nx * ny / 2
	var = nx * ny / 12 * ((n + 1) - ties / (n * (n - 1)))
	if (var <= 0)
		return 1
	z = (abs(u - mu) - 0.5) / sqrt(var)
	return z <= 0 ? 1 : erfc(z / sqrt(2))
}

# ---- the data records (kv() is in common.awk)

# group(tag): the test a tag stands for.  Repeats of a test in one run
# (tag.rN, REPEAT=N) pool their windows with it.
function group(tag)
{
	sub(/\.r[0-9]+$/, "", tag)
	return tag
}

# phase_group(g, phase): what a window belongs to: the test itself for its
# first measured phase, "test#N" for the N-th (each engine_record call of a
# test is a phase; phases may run under different conditions, so their
# windows are not pooled).  TESTOF[] maps it back to the test.
function phase_group(g, phase)
{
	TESTOF[g] = g
	if (phase == "" || phase == 1)
		return g
	TESTOF[g "#" phase] = g
	return g "#" phase
}

# load_data(run, T, n, W, WN, C): the windows of every test in table T
# (those with at least min_window_attempts) into W[key, metric, i] and
# their number into WN[key], key = phase group SUBSEP ctx SUBSEP order;
# the memory state at the end of each window ("winmem") into C[phase
# group, ...]; the frag and zone records of phase "during" into C[group,
# ...]: free blocks of order >= o, and the high-order atomic reserve in
# pages.  HASWIN[group, ctx, order] marks measurements with any window.
function load_data(run, T, n, W, WN, C,    i, file, line, R, g, gp, key, o, k, tot, fb, nfb)
{
	for (i = 1; i <= n; i++) {
		file = run "/" T[i, "dir"] "/data"
		g = group(T[i, "tag"])
		while ((getline line < file) > 0) {
			sub(/\r$/, "", line)
			split("", R)
			if (line ~ /^win[ \t]/) {
				kv(line, R)
				if (!("ctx" in R))
					continue
				HASWIN[g, R["ctx"], R["order"]] = 1
				if (R["attempts"] + 0 < min_window_attempts)
					continue
				key = phase_group(g, R["phase"]) SUBSEP R["ctx"] SUBSEP R["order"]
				k = ++WN[key]
				W[key, "success", k] = 100 * R["successes"] / R["attempts"]
				W[key, "p50", k] = R["lat_p50_ns"] + 0
				W[key, "p99", k] = R["lat_p99_ns"] + 0
			} else if (line ~ /^winmem[ \t]/) {
				kv(line, R)
				gp = phase_group(g, R["phase"])
				k = ++C[gp, "wmem"]
				C[gp, "wha", k] = R["reserved_highatomic"] + 0
				nfb = split(R["free_blocks"], fb, ",")
				tot = 0
				for (o = 10; o >= 0; o--) {
					tot += o < nfb ? fb[o + 1] : 0
					C[gp, "wfree", o, k] = tot
				}
			} else if (line ~ /^frag[ \t]/) {
				kv(line, R)
				if (R["phase"] != "during")
					continue
				C[g, "frag"] = 1
				tot = 0
				for (o = 10; o >= 0; o--) {
					tot += R["o" o] + 0
					C[g, "free", o] += tot
				}
			} else if (line ~ /^zone[ \t]/) {
				kv(line, R)
				if (R["phase"] != "during")
					continue
				C[g, "zone"] = 1
				C[g, "highatomic"] += R["reserved_highatomic"] + 0
			}
		}
		close(file)
	}
}

# ---- like against like

# differ(a, b): free blocks scarce (at most frag_min_blocks) in one run,
# and in the other apart from it by more than frag_min_blocks and a factor
# frag_ratio.  Where blocks are plenty in both runs their number does not
# decide what succeeds.
function differ(a, b,    lo, hi)
{
	lo = a < b ? a : b
	hi = a < b ? b : a
	return lo <= frag_min_blocks && hi - lo > frag_min_blocks && hi > lo * frag_ratio
}

# sorted_median(A, n): the median of A[1..n], sorting A.
function sorted_median(A, n,    i, j, v)
{
	for (i = 2; i <= n; i++) {
		v = A[i]
		for (j = i - 1; j >= 1 && A[j] > v; j--)
			A[j + 1] = A[j]
		A[j + 1] = v
	}
	return n % 2 ? A[(n + 1) / 2] : (A[n / 2] + A[n / 2 + 1]) / 2
}

# window_state(C, g): where the engine recorded the memory state at the end
# of every window ("winmem"), the medians over those windows stand for the
# state of phase group g; else the test's single "during" snapshot.
function window_state(C, g,    n, k, o, A, t)
{
	n = C[g, "wmem"]
	if (!n) {
		t = TESTOF[g]
		if (t == "" || t == g)
			return
		C[g, "frag"] = C[t, "frag"]
		C[g, "zone"] = C[t, "zone"]
		C[g, "highatomic"] = C[t, "highatomic"]
		for (o = 0; o <= 10; o++)
			C[g, "free", o] = C[t, "free", o]
		return
	}
	for (k = 1; k <= n; k++)
		A[k] = C[g, "wha", k]
	C[g, "highatomic"] = sorted_median(A, n)
	for (o = 0; o <= 10; o++) {
		for (k = 1; k <= n; k++)
			A[k] = C[g, "wfree", o, k]
		C[g, "free", o] = sorted_median(A, n)
	}
	C[g, "frag"] = C[g, "zone"] = 1
}

# conditions(g): CD[g, o] says how the memory state of test g differed
# for allocations of order o ("" where it did not); "cond" findings give
# the numbers, once per test.  SC[g, o] is true where free blocks of order
# o or more were scarce (at most frag_min_blocks) in either run: a
# fragmenter's orders, whose success varies between boots more than
# between windows, judged against the scarce floors.
function conditions(g,    o, r, shown)
{
	if (g in cdone)
		return
	cdone[g] = 1
	window_state(BC, g)
	window_state(NC, g)
	for (o = 1; o <= 10; o++)
		SC[g, o] = BC[g, "frag"] && BC[g, "free", o] <= frag_min_blocks ||
		    NC[g, "frag"] && NC[g, "free", o] <= frag_min_blocks
	if (BC[g, "frag"] && NC[g, "frag"]) {
		for (o = 1; o <= 10; o++) {
			if (!differ(BC[g, "free", o], NC[g, "free", o]))
				continue
			CD[g, o] = "free blocks of order " o " or more: " BC[g, "free", o] \
			    " vs " NC[g, "free", o]
			if (!shown++)
				out("cond\t" g "\tfree blocks of order " o " or more\t" \
				    BC[g, "free", o] "\t" NC[g, "free", o])
		}
	}
	if (!BC[g, "zone"] || !NC[g, "zone"] ||
	    abs(BC[g, "highatomic"] - NC[g, "highatomic"]) <= highatomic_pages)
		return
	# The reserve matters where free blocks of the order are scarce in
	# both runs (or not known): elsewhere the free lists serve the order.
	r = "reserved_highatomic " BC[g, "highatomic"] " vs " NC[g, "highatomic"] " pages"
	shown = 0
	for (o = 1; o <= 10; o++) {
		if (BC[g, "frag"] && NC[g, "frag"] && (BC[g, "free", o] > frag_min_blocks ||
		    NC[g, "free", o] > frag_min_blocks))
			continue
		CD[g, o] = CD[g, o] == "" ? r : CD[g, o] "; " r
		if (!shown++)
			out("cond\t" g "\treserved_highatomic pages (orders " o " and up)\t" \
			    BC[g, "highatomic"] "\t" NC[g, "highatomic"])
	}
}

# ---- one measurement

# judge(key, metric, nb, nn, cond, scarce): a "change" finding for one
# metric.  Called (regression or improvement) when the p-value is below
# alpha and the medians of the windows differ by more than the metric's
# floor: the between-boot floor of its state (scarce: free blocks of the
# order scarce in either run; else plenty); a called change where the
# memory state differed is "conditions" instead.
function judge(key, metric, nb, nn, cond, scarce,    k, bm, nm, eff, p, c, floor, worse)
{
	split(key, k, SUBSEP)
	bm = median(BW, key, metric, nb)
	nm = median(NW, key, metric, nn)
	if (metric == "success") {
		eff = nm - bm
		floor = scarce ? scarce_success_pp : success_pp
		worse = eff < 0
	} else {
		if (bm <= 0)
			return
		eff = (nm - bm) * 100 / bm
		floor = scarce ? scarce_latency_pct : latency_pct
		worse = eff > 0
	}
	p = mann_whitney(key, metric, nb, nn)
	c = "none"
	if (p < alpha && abs(eff) > floor) {
		c = cond != "" ? "conditions" : worse ? "regression" : "improvement"
		count[c]++
	}
	out("change\t" k[1] "\t" k[2] "\t" k[3] "\t" metric "\t" \
	    sprintf(metric == "success" ? "%.2f" : "%.0f", bm) "\t" \
	    sprintf(metric == "success" ? "%.2f" : "%.0f", nm) "\t" sprintf("%+.1f", eff) "\t" \
	    sprintf("%.2g", p) "\t" nb "\t" nn "\t" c "\t" cond "\t" \
	    (scarce ? "scarce" : "plenty") "\t" floor)
}

# keys(A, K): the keys of A into K[1..n], sorted; returns n.
function keys(A, K,    n, key, i, j, v)
{
	n = 0
	for (key in A)
		K[++n] = key
	for (i = 2; i <= n; i++) {
		v = K[i]
		for (j = i - 1; j >= 1 && K[j] > v; j--)
			K[j + 1] = K[j]
		K[j + 1] = v
	}
	return n
}

# measurements(): every phase group, context and order with windows in
# either run, judged over their windows; measurements of tests that ran in
# both runs without any window are listed as not tested.
function measurements(    i, key, k, g, cond, m, nm, M, few, nk, K, U)
{
	nm = split(metrics, M, ",")
	for (key in BWN)
		U[key] = 1
	for (key in NWN)
		U[key] = 1
	nk = keys(U, K)
	for (i = 1; i <= nk; i++) {
		key = K[i]
		split(key, k, SUBSEP)
		g = k[1]
		if (!(TESTOF[g] in bgrp) || !(TESTOF[g] in ngrp))
			continue
		if (BWN[key] < min_windows || NWN[key] < min_windows) {
			few++
			out("untested\t" k[1] "\t" k[2] "\t" k[3] "\t" BWN[key] + 0 "\t" NWN[key] + 0)
			continue
		}
		conditions(g)
		cond = CD[g, k[3]]
		for (m = 1; m <= nm; m++)
			judge(key, M[m], BWN[key], NWN[key], cond, SC[g, k[3]])
	}
	for (i = 1; i <= nbr; i++) {
		key = BK[i]
		split(key, k, SUBSEP)
		if (!(k[1] in npos))
			continue
		if (!(key in NRW)) {
			out("rowonly\tBASE\t" k[1] "\t" k[2] "\t" k[3])
			continue
		}
		g = group(k[1])
		if ((g SUBSEP k[2] SUBSEP k[3]) in HASWIN)
			continue
		few++
		out("untested\t" k[1] "\t" k[2] "\t" k[3] "\t0\t0")
	}
	for (i = 1; i <= nnr; i++) {
		key = NK[i]
		split(key, k, SUBSEP)
		if ((k[1] in bpos) && !(key in BR))
			out("rowonly\tNEW\t" k[1] "\t" k[2] "\t" k[3])
	}
	out("untested-count\t" few + 0)
}

BEGIN {
	split("test verdict ctx order attempts successes failures injected natural " \
	    "success_pct lat_p50_ns lat_p99_ns lat_max_ns kBps_before kBps_during " \
	    "kBps_after recovery_ms drops", names, " ")
	for (i = 1; i <= 18; i++)
		col[names[i]] = i
	nb = read_table(btable, B)
	nn = read_table(ntable, N)
	for (i = nb; i >= 1; i--)
		bpos[B[i, "tag"]] = i
	for (i = 1; i <= nb; i++)
		bgrp[group(B[i, "tag"])] = 1
	for (i = nn; i >= 1; i--)
		npos[N[i, "tag"]] = i
	for (i = 1; i <= nn; i++)
		ngrp[group(N[i, "tag"])] = 1
	nbr = load_tsv(btsv, BR, BK)
	nnr = load_tsv(ntsv, NRW, NK)
	load_data(brun, B, nb, BW, BWN, BC)
	load_data(nrun, N, nn, NW, NWN, NC)
	totals("BASE", B, nb)
	totals("NEW", N, nn)
	verdicts()
	crashes()
	measurements()
	only()
	out("count\t" count["regression"] + 0 "\t" count["improvement"] + 0 "\t" \
	    count["conditions"] + 0)
}
