# SPDX-License-Identifier: GPL-2.0
#
# hoststall.awk: was a lockup the guest reported the host's doing?
#
#   LC_ALL=C awk -v conf=configs/classify.conf -v idx=<test> \
#       -v cmdline="<kernel command line>" [-v cpu_min=0.1] \
#       -f scripts/hoststall.awk <console>.host <console> <slice>
#
# A guest under TCG keeps the host's clock: when the host stops running
# QEMU (QEMU stopped, blocked in the kernel, or starved of CPU), the guest
# sees time jump on resume, and every CPU's soft-lockup watchdog (or RCU's
# stall detector) reports a CPU "stuck" for as long as the host held it.
# The guest alone cannot tell this from a kernel that locked up; the host's
# samples (scripts/qemu.sh: <console>.host, one line a second) can.
#
# Inputs: the samples; the boot's console (for the byte offset of each
# line, which the samples' console sizes turn into host time); the test's
# console slice (its first line is the console line with
# "labyrinth: START <idx> ").  The time-based watchdog reports are the
# lines of classify.conf's categories lockup and hang.
#
# For each report: its line's host time T (the first sample whose console
# size covers the line), the time the report says a CPU was stuck N ("stuck
# for Ns", "blocked for more than N seconds", else the detector's limit),
# and the detector's limit L (soft lockup 2 x watchdog_thresh, RCU stall
# rcupdate.rcu_cpu_stall_timeout, workqueue lockup
# workqueue.watchdog_thresh, from the command line or the kernel's
# defaults).  Stalled time S is the time within [T - N - 2 s, T] in which
# the host held QEMU back: QEMU got less than cpu_min of a CPU while it was
# stopped (state T), blocked (D) or runnable but waiting for a CPU (its
# threads' run-queue wait grew by at least half the interval).  An idle
# guest also gets no CPU, but sleeps: that is no stall.  The report is the
# host's doing when S >= L / 2 and N - S < L: without the stall the
# detector would not have fired.
#
# Output, tab-separated:
#   report<TAB><slice line><TAB>stuck=N limit=L stalled=S cpu=C host=yes|no
# (C: the CPU seconds QEMU had in the window, all its threads: a starved
# but running guest shows here, and is not excused: a spin bounded by
# time, as a livelock's retry loop, looks the same from the host)
#   hoststall<TAB>reports=<n> explained=<m> stalled=<most S> from=<ms> to=<ms>
# (from and to: the host clock span of the longest stall, 0 when none);
#   window<TAB>wall=W cpu=C waited=S vcpus=V starved=yes|no
# over the whole test, from its START line to its slice's last line (to
# the last sample when the slice ends the console: the guest went silent):
# W s of host time, C CPU seconds QEMU had, S s its threads waited for a
# CPU, V vCPUs asked for (-smp).  Starved: QEMU had less than a quarter of
# the CPU it asked for (C < W x V / 4) and waited for a CPU at least half
# the time (S >= W / 2).  A test that ran out of time then is no evidence
# of a hang: a deadlocked guest sleeps (no wait), a spinning one on a host
# that keeps up gets its CPUs.
# Exit status 0; 2 with a message naming the file when the samples are
# malformed.

function die(msg)
{
	printf "hoststall.awk: %s\n", msg > "/dev/stderr"
	err = 2
	exit 2
}

function load_conf(file,    line, p, c, rc)
{
	while ((rc = (getline line < file)) > 0) {
		sub(/\r$/, "", line)
		if (line ~ /^[ \t]*(#|$)/)
			continue
		p = index(line, "|")
		c = substr(line, 1, p - 1)
		if (c == "lockup" || c == "hang")
			pat[++npat] = substr(line, p + 1)
	}
	if (rc < 0)
		die(file ": cannot read")
	close(file)
}

# opt(name, dflt): a number from the kernel command line.
function opt(name, dflt,    i, n, w)
{
	n = split(cmdline, w, " ")
	for (i = 1; i <= n; i++)
		if (index(w[i], name "=") == 1 && substr(w[i], length(name) + 2) ~ /^[0-9]+$/)
			return substr(w[i], length(name) + 2) + 0
	return dflt
}

# smp(): the vCPUs QEMU's command line asks for (-smp N or -smp cpus=N).
function smp(    i, n, w)
{
	n = split(cmdline, w, " ")
	for (i = 1; i < n; i++)
		if (w[i] == "-smp") {
			sub(/^cpus=/, "", w[i + 1])
			sub(/,.*/, "", w[i + 1])
			if (w[i + 1] ~ /^[0-9]+$/)
				return w[i + 1] + 0
		}
	return 1
}

function clean(s)
{
	gsub(/\r/, "", s)
	sub(/^<[0-9]+>/, "", s)
	sub(/^\[ *[0-9]+\.[0-9]+\] ?/, "", s)
	sub(/^\[ *[TC][0-9]+\] ?/, "", s)
	return s
}

function is_report(s,    i)
{
	for (i = 1; i <= npat; i++)
		if (match(s, pat[i]) &&
		    (RSTART == 1 || substr(s, RSTART - 1, 1) !~ /[A-Za-z0-9_]/))
			return 1
	return 0
}

# limit(s): the threshold of the detector that printed s, in seconds.
function limit(s)
{
	if (s ~ /rcu_[a-z_]+ (self-)?detected stall/)
		return opt("rcupdate.rcu_cpu_stall_timeout", 21)
	if (s ~ /workqueue lockup/)
		return opt("workqueue.watchdog_thresh", 30)
	if (s ~ /blocked for more than [0-9]+ seconds/)
		return stuck(s, 120)
	return 2 * opt("watchdog_thresh", 10)
}

function stuck(s, dflt)
{
	if (match(s, /stuck for [0-9]+s/))
		return substr(s, RSTART + 10, RLENGTH - 11) + 0
	if (match(s, /blocked for more than [0-9]+ seconds/))
		return substr(s, RSTART + 22, RLENGTH - 30) + 0
	return dflt
}

# host_ms(c): the host time at which console line c had been written.
function host_ms(c,    i)
{
	for (i = 1; i <= ns; i++)
		if (sb[i] >= cend[c])
			return st[i]
	return st[ns]
}

# held(i): the host held QEMU back between samples i - 1 and i.
function held(i,    dt, rate, waited)
{
	dt = st[i] - st[i - 1]
	if (dt <= 0)
		return 0
	rate = (sc[i] - sc[i - 1]) / hz / (dt / 1000)
	if (rate >= cpu_min)
		return 0
	waited = sw[i] - sw[i - 1] >= dt / 2
	return waited || sstate[i] ~ /^[TtD]/ || sstate[i - 1] ~ /^[TtD]/
}

# stalled(w0, w1): seconds within [w0, w1] (ms) the host held QEMU back;
# sets from and to (ms) to the span it covers, got to the CPU seconds
# QEMU had in the window and waited to the seconds its threads waited for
# a CPU.
function stalled(w0, w1,    i, a, b, f, sum)
{
	sum = 0
	from = to = 0
	got = waited = 0
	for (i = 2; i <= ns; i++) {
		a = st[i - 1] > w0 ? st[i - 1] : w0
		b = st[i] < w1 ? st[i] : w1
		if (b <= a)
			continue
		f = (b - a) / (st[i] - st[i - 1])
		got += (sc[i] - sc[i - 1]) / hz * f
		waited += (sw[i] - sw[i - 1]) / 1000 * f
		if (!held(i))
			continue
		sum += b - a
		if (!from)
			from = a
		to = b
	}
	return sum / 1000
}

BEGIN {
	if (conf == "")
		conf = "configs/classify.conf"
	if (cpu_min == "")
		cpu_min = 0.1
	load_conf(conf)
	hz = 100
	start = 0
}

# The samples.
FILENAME == ARGV[1] {
	if (FNR == 1 && match($0, /hz=[0-9]+/))
		hz = substr($0, RSTART + 3, RLENGTH - 3) + 0
	if ($0 ~ /^#/ || NF == 0)
		next
	if (NF < 6 || $1 !~ /^[0-9]+$/ || $2 !~ /^[0-9]+$/ || $4 !~ /^[0-9]+$/ ||
	    $6 !~ /^[0-9]+$/)
		die(FILENAME ":" FNR ": not a sample line: " $0)
	ns++
	st[ns] = $1
	sc[ns] = $2
	sstate[ns] = $3
	sb[ns] = $4
	sw[ns] = $6
	next
}

# The boot's console: byte offsets; where the slice starts.
FILENAME == ARGV[2] {
	cum += length($0) + 1
	cend[FNR] = cum
	if (!start && index($0, "labyrinth: START " idx " "))
		start = FNR
	next
}

# The slice: the watchdog reports.
{
	nslice = FNR
	s = clean($0)
	if (!is_report(s))
		next
	nrep++
	n = stuck(s, limit(s))
	l = limit(s)
	t = ns && start ? host_ms(start + FNR - 1) : 0
	got = 0
	sec = t ? stalled(t - (n + 2) * 1000, t) : 0
	yes = sec >= l / 2 && n - sec < l
	if (yes)
		nexp++
	if (sec > most) {
		most = sec
		mfrom = from
		mto = to
	}
	printf "report\t%d\tstuck=%d limit=%d stalled=%.1f cpu=%.1f host=%s\n", FNR, n, l, sec, got, yes ? "yes" : "no"
}

END {
	if (err)
		exit err
	printf "hoststall\treports=%d explained=%d stalled=%.1f from=%.0f to=%.0f\n", nrep, nexp, most, mfrom, mto
	window()
}

# window: QEMU's share of the host over the whole test (see the top).
function window(    w0, w1, last, cpu, wt, wall, v)
{
	if (!ns || !start)
		return
	w0 = host_ms(start)
	last = start + (nslice ? nslice : 1) - 1
	w1 = last in cend && cend[last] < cum ? host_ms(last) : st[ns]
	stalled(w0, w1)
	cpu = got
	wt = waited
	wall = (w1 - w0) / 1000
	v = smp()
	printf "window\twall=%.1f cpu=%.1f waited=%.1f vcpus=%d starved=%s\n", wall, cpu, wt, v,
	    ((wall > 0 && cpu < wall * v / 4 && wt >= wall / 2) ? "yes" : "no")
}
