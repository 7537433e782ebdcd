# SPDX-License-Identifier: GPL-2.0
#
# The test table of a results folder: the resolved list joined with each
# test's result file.  Input: <run>/list ("idx tag command args").
# -v run=<run-dir>.  Output, one line per test, tab-separated:
#   pos idx tag status detail tests/<idx>-<tag> reference
# status is ok|fail|skip|error|interrupted|xfail|xpass; reference is the
# known issue's (tests/<idx>-<tag>/known) for xfail and xpass, else
# empty.  A test without a result, or with one that does not parse, is an
# error: a test that reports nothing never passes.  interrupted: the run
# was stopped while the test ran (no verdict either way).

/^[ \t]*(#|$)/ { next }

{
	sub(/\r$/, "")
	if (NF < 2 || $1 !~ /^[0-9]+$/) {
		printf "%s:%d: not an \"idx tag command args\" line: %s\n",
		    FILENAME, FNR, $0 > "/dev/stderr"
		bad = 1
		exit 2
	}
	pos++
	dir = "tests/" $1 "-" $2
	file = run "/" dir "/result"
	line = ""
	got = (getline line < file) > 0
	close(file)
	sub(/\r$/, "", line)
	status = line
	detail = ""
	t = index(line, "\t")
	if (t) {
		status = substr(line, 1, t - 1)
		detail = substr(line, t + 1)
	}
	gsub(/\t/, " ", detail)
	sub(/^ +/, "", detail)
	sub(/ +$/, "", detail)
	if (!got || status == "") {
		status = "error"
		detail = "missing: no result"
	} else if (status !~ /^(ok|fail|skip|error|interrupted|xfail|xpass)$/) {
		detail = "garbled: result \"" line "\""
		gsub(/\t/, " ", detail)
		status = "error"
	} else if (status == "fail" && detail == "") {
		detail = "unknown: failed without a verdict"
	} else if (status == "error" && detail == "") {
		detail = "broken: test error without a reason"
	} else if (status == "interrupted" && detail == "") {
		detail = "the run was stopped"
	} else if (status == "skip" && detail == "") {
		detail = "no reason given"
	}
	ref = ""
	if (status == "xfail" || status == "xpass") {
		file = run "/" dir "/known"
		if ((getline ref < file) <= 0)
			ref = "unknown reference"
		close(file)
		gsub(/[\t\r]/, " ", ref)
	}
	printf "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", pos, $1, $2, status, detail, dir, ref
}

END {
	if (bad)
		exit 2
}
