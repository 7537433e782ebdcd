# SPDX-License-Identifier: GPL-2.0
#
# shard.awk -v shard=k -v shards=N: of a resolved test list ("idx tag
# command args"), print the lines of shard k of N, in the list's order.
# The split is deterministic and balanced by estimated cost: a test's cost
# is its "-d <seconds>" (or "-d<seconds>") argument, else 1; tests go
# longest first, ties by tag, each to the shard with the least cost so far
# (ties: the lowest shard).  Every test lands in exactly one shard.
# Bad k or N: a message and exit 2.

function fail(msg)
{
	printf "shard.awk: %s\n", msg > "/dev/stderr"
	bad = 1
	exit 2
}

function cost(    i)
{
	for (i = 3; i <= NF; i++) {
		if ($i == "-d" && i < NF && $(i + 1) ~ /^[0-9]+(\.[0-9]+)?$/)
			return $(i + 1) + 0
		if ($i ~ /^-d[0-9]+(\.[0-9]+)?$/)
			return substr($i, 3) + 0
	}
	return 1
}

# before(a, b): test a goes before test b in the greedy order.
function before(a, b)
{
	if (c[a] != c[b])
		return c[a] > c[b]
	if (tag[a] != tag[b])
		return tag[a] < tag[b]
	return a < b
}

BEGIN {
	if (shard !~ /^[0-9]+$/ || shards !~ /^[0-9]+$/)
		fail("need -v shard=k -v shards=N with whole numbers (got shard='" \
		    shard "' shards='" shards "')")
	shard += 0
	shards += 0
	if (shards < 1 || shard < 1 || shard > shards)
		fail("shard " shard "/" shards " is out of range: need 1 <= k <= N")
}

/^[ \t]*(#|$)/ { next }

{
	if (NF < 2)
		fail(FILENAME ":" FNR ": not an \"idx tag command args\" line: " $0)
	n++
	line[n] = $0
	tag[n] = $2
	c[n] = cost()
}

END {
	if (bad)
		exit 2
	for (i = 1; i <= n; i++)
		o[i] = i
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && before(o[j], o[j - 1]); j--) {
			t = o[j]
			o[j] = o[j - 1]
			o[j - 1] = t
		}
	for (s = 1; s <= shards; s++)
		load[s] = 0
	for (i = 1; i <= n; i++) {
		best = 1
		for (s = 2; s <= shards; s++)
			if (load[s] < load[best])
				best = s
		bin[o[i]] = best
		load[best] += c[o[i]]
	}
	for (i = 1; i <= n; i++)
		if (bin[i] == shard)
			print line[i]
}
