# SPDX-License-Identifier: GPL-2.0
#
# The spread between runs of one kernel (A/A): how far apart the medians of
# the windows of a measurement are from one run (one boot) to the next,
# where compare (compare.awk) would test them.  Used with common.awk (kv).
# Arguments: the data files of every test of every run (RUN/tests/*/data);
# the run is the path before "/tests/".
# -v min_windows= -v min_window_attempts= -v frag_min_blocks=
# (configs/compare.conf)
# A measurement's state in one run is "scarce" when the free blocks of its
# order or more during the test (the median over the "winmem" windows, else
# the "frag" snapshot of phase "during") are at most frag_min_blocks, as
# under a fragmenter; else "plenty", or "unknown" when the test recorded no
# memory state.  Runs are compared only within one state: a move between states
# is what compare reports as "conditions differ".
# Output, tab-separated, one line per measurement and state ("m") and per
# state, order and metric ("c"):
#   m  state order test ctx metric runs min max spread
#   c  state order metric measurements runs spread test ctx
# spread: for success the largest difference of two runs' medians in
# points; for p50 and p99 the largest ratio of two runs' medians less one,
# in per cent.  A state's spread at an order is the largest of its
# measurements'.

function group(tag)
{
	sub(/\.r[0-9]+$/, "", tag)
	return tag
}

function run_of(file)
{
	sub(/\/tests\/[^\/]*\/data$/, "", file)
	return file
}

function phase_of(p)
{
	return p == "" || p == 1 ? "" : "#" p
}

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

# free_blocks(rg, o): free blocks of order >= o in run-and-group rg, or
# "" when not recorded.
function free_blocks(rg, o,    g, n, k, A)
{
	n = WM[rg]
	if (n) {
		for (k = 1; k <= n; k++)
			A[k] = WF[rg, o, k]
		return sorted_median(A, n)
	}
	g = rg
	sub(/#[0-9]+$/, "", g)
	return (g SUBSEP "frag") in FR ? FR[g, o] : ""
}

{
	sub(/\r$/, "")
	split("", R)
	r = run_of(FILENAME)
}

/^winmem[ \t]/ {
	kv($0, R)
	rg = r SUBSEP group(R["test"]) phase_of(R["phase"])
	x = ++WM[rg]
	nfb = split(R["free_blocks"], fb, ",")
	tot = 0
	for (o = 10; o >= 0; o--) {
		tot += o < nfb ? fb[o + 1] : 0
		WF[rg, o, x] = tot
	}
	next
}

/^frag[ \t]/ {
	kv($0, R)
	if (R["phase"] != "during")
		next
	rg = r SUBSEP group(R["test"])
	FR[rg, "frag"] = 1
	tot = 0
	for (o = 10; o >= 0; o--) {
		tot += R["o" o] + 0
		FR[rg, o] += tot
	}
	next
}

/^win[ \t]/ {
	kv($0, R)
	if (!("ctx" in R) || R["attempts"] + 0 < min_window_attempts)
		next
	key = group(R["test"]) phase_of(R["phase"]) SUBSEP R["ctx"] SUBSEP R["order"]
	if (!(key in MEAS)) {
		MEAS[key] = 1
		MK[++nm] = key
	}
	rk = key SUBSEP r
	if (!(rk in WN))
		RK[key, ++MR[key]] = r
	x = ++WN[rk]
	W[rk, "success", x] = 100 * R["successes"] / R["attempts"]
	W[rk, "p50", x] = R["lat_p50_ns"] + 0
	W[rk, "p99", x] = R["lat_p99_ns"] + 0
}

# spread(key, metric, state): an "m" line over the runs in that state.
function spread(key, metric, state,    k, j, rk, n, lo, hi, v, w, A, fbk, s, c)
{
	split(key, k, SUBSEP)
	n = 0
	lo = hi = ""
	for (j = 1; j <= MR[key]; j++) {
		rk = key SUBSEP RK[key, j]
		if (WN[rk] < min_windows || STATE[rk] != state)
			continue
		split("", A)
		for (w = 1; w <= WN[rk]; w++)
			A[w] = W[rk, metric, w]
		v = sorted_median(A, WN[rk])
		if (lo == "" || v < lo)
			lo = v
		if (hi == "" || v > hi)
			hi = v
		n++
	}
	if (n < 2)
		return
	if (metric == "success")
		s = hi - lo
	else if (lo > 0)
		s = (hi / lo - 1) * 100
	else
		return
	printf "m\t%s\t%s\t%s\t%s\t%s\t%d\t%.2f\t%.2f\t%.1f\n", state, k[3], k[1], k[2],
	    metric, n, lo, hi, s
	c = state SUBSEP k[3] SUBSEP metric
	if (!(c in CN))
		CK[++nc] = c
	CN[c]++
	if (n > CR[c])
		CR[c] = n
	if (CS[c] == "" || s > CS[c]) {
		CS[c] = s
		CT[c] = k[1] "\t" k[2]
	}
}

END {
	split("success p50 p99", M, " ")
	for (i = 1; i <= nm; i++) {
		key = MK[i]
		split(key, k, SUBSEP)
		for (j = 1; j <= MR[key]; j++) {
			fbk = free_blocks(RK[key, j] SUBSEP k[1], k[3])
			STATE[key SUBSEP RK[key, j]] = fbk != "" && fbk <= frag_min_blocks ? \
			    "scarce" : fbk == "" ? "unknown" : "plenty"
		}
		for (m = 1; m <= 3; m++) {
			spread(key, M[m], "plenty")
			spread(key, M[m], "scarce")
			spread(key, M[m], "unknown")
		}
	}
	for (i = 1; i <= nc; i++) {
		split(CK[i], k, SUBSEP)
		printf "c\t%s\t%s\t%s\t%d\t%d\t%.1f\t%s\n", k[1], k[2], k[3], CN[CK[i]],
		    CR[CK[i]], CS[CK[i]], CT[CK[i]]
	}
}
