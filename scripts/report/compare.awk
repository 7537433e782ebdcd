# SPDX-License-Identifier: GPL-2.0
#
# The findings of a comparison of two runs, one per line, tab-separated,
# first field the kind (used with common.awk; everything in BEGIN):
#   totals  side n pass fail skip error
#   verdict tag base-status new-status regression|improvement|broken|change base-detail new-detail
#           (broken: the test broke, an error of the suite, not of the kernel)
#   crash   "category: title" tags
#   success tag ctx order base-pct new-pct delta-pp base-attempts new-attempts class
#   latency tag ctx order base-p99 new-p99 change-pct class
#   only    BASE|NEW tag status detail
#   rowonly BASE|NEW tag ctx order
#   below   count
#   count   regressions improvements
# -v btable= -v ntable= (test tables) -v btsv= -v ntsv= (results.tsv)
# -v drop= (success-rate drop in points) -v rise= (p99 increase in percent)
# -v min= (minimum attempts on both sides)
# Tests match by tag, measurements by tag, context and order.

function load_tsv(file, R, K,    line, f, n, seen_header, key)
{
	n = 0
	seen_header = 0
	while ((getline line < file) > 0) {
		if (!seen_header++)
			continue
		split(line, f, "\t")
		if (f[col["ctx"]] == "-")
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

function cls(bad, good)
{
	return bad ? "regression" : good ? "improvement" : ""
}

function totals(side, T, n,    i, c)
{
	split("", c)
	for (i = 1; i <= n; i++)
		c[T[i, "status"]]++
	out("totals\t" side "\t" n "\t" c["ok"] + 0 "\t" c["fail"] + 0 "\t" c["skip"] + 0 "\t" \
	    c["error"] + 0)
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
		if (bs == "ok" && ns == "fail")
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

# crashes: titles of kernel findings new in NEW (errors of the suite and
# interrupted tests are no crash).
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
		if (d in seen)
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

function num(v)
{
	return v ~ /^[0-9]+(\.[0-9]+)?$/
}

function measurements(    i, key, k, b, nw, ba, na, bp, np, d, c, below)
{
	below = 0
	for (i = 1; i <= nbr; i++) {
		key = BK[i]
		split(key, k, SUBSEP)
		if (!(k[1] in npos))
			continue
		if (!(key in NRW)) {
			out("rowonly\tBASE\t" k[1] "\t" k[2] "\t" k[3])
			continue
		}
		b = BR[key]
		nw = NRW[key]
		ba = field(b, "attempts")
		na = field(nw, "attempts")
		if (!num(ba) || !num(na) || ba + 0 < min || na + 0 < min) {
			below++
			continue
		}
		bp = field(b, "success_pct")
		np = field(nw, "success_pct")
		if (num(bp) && num(np)) {
			d = np - bp
			c = cls(-d > drop, d > drop)
			if (c != "") {
				count[c]++
				out("success\t" k[1] "\t" k[2] "\t" k[3] "\t" bp "\t" np "\t" \
				    sprintf("%+.2f", d) "\t" ba "\t" na "\t" c)
			}
		}
		bp = field(b, "lat_p99_ns")
		np = field(nw, "lat_p99_ns")
		if (num(bp) && num(np) && bp > 0 && np > 0) {
			d = (np - bp) * 100 / bp
			c = cls(d > rise, (bp - np) * 100 / np > rise)
			if (c != "") {
				count[c]++
				out("latency\t" k[1] "\t" k[2] "\t" k[3] "\t" bp "\t" np "\t" \
				    sprintf("%+.1f", d) "\t" c)
			}
		}
	}
	for (i = 1; i <= nnr; i++) {
		key = NK[i]
		split(key, k, SUBSEP)
		if ((k[1] in bpos) && !(key in BR))
			out("rowonly\tNEW\t" k[1] "\t" k[2] "\t" k[3])
	}
	out("below\t" below)
}

BEGIN {
	split("test verdict ctx order attempts successes failures injected natural " \
	    "success_pct lat_p50_ns lat_p99_ns lat_max_ns", names, " ")
	for (i = 1; i <= 13; i++)
		col[names[i]] = i
	nb = read_table(btable, B)
	nn = read_table(ntable, N)
	for (i = nb; i >= 1; i--)
		bpos[B[i, "tag"]] = i
	for (i = nn; i >= 1; i--)
		npos[N[i, "tag"]] = i
	nbr = load_tsv(btsv, BR, BK)
	nnr = load_tsv(ntsv, NRW, NK)
	totals("BASE", B, nb)
	totals("NEW", N, nn)
	verdicts()
	crashes()
	measurements()
	only()
	out("count\t" count["regression"] + 0 "\t" count["improvement"] + 0)
}
