#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# compare.sh on the fixture runs: equal runs, a real regression, an
# improvement, tests in only one run, the statistics over windows (called
# only beyond alpha and the floor), conditions that differ, measurements
# without windows, bad inputs and bad settings; and on two real runs of one
# kernel (A/A: no regression) with regressions planted into one of them.
# Run from the repository's root.

set -eu
. scripts/check/reports-lib.sh

AA=scripts/check/fixtures/aa

# cmp_run <name> <base> <new> [options...]: compare into $WORK/<name>,
# leaving the exit status in $WORK/<name>.rc.
cmp_run()
{
	_name=$1
	_b=$2
	_n=$3
	shift 3
	_rc=0
	scripts/compare.sh -o "$WORK/$_name" "$@" "$_b" "$_n" >"$WORK/$_name.out" \
		2>"$WORK/$_name.err" || _rc=$?
	echo "$_rc" >"$WORK/$_name.rc"
}

# shellcheck disable=SC2317 # called through check
rc_is()
{
	[ "$(cat "$WORK/$1.rc")" = "$2" ]
}

# add_windows <run-dir> [n]: n (default 12) "win" records for every "stat"
# record of the run's tests, spread a point or so around its success rate
# and a few per cent around its latencies, as a real run records them.
add_windows()
{
	for _d in "$1"/tests/*/; do
		[ -f "$_d/data" ] || continue
		awk -v n="${2:-12}" '
		{ print }
		/^stat / {
			for (i = 2; i <= NF; i++) {
				split($i, kv, "=")
				v[kv[1]] = kv[2]
			}
			a = int(v["attempts"] / n)
			for (w = 0; w < n; w++) {
				j = (w * 7) % 5 - 2
				s = int(a * (v["successes"] / v["attempts"] + j * 0.005) + 0.5)
				if (s > a)
					s = a
				if (s < 0)
					s = 0
				printf "win test=%s phase=1 w=%d ms=250 ctx=%s order=%s attempts=%d successes=%d failures=%d lat_p50_ns=%d lat_p99_ns=%d\n",
				    v["test"], w, v["ctx"], v["order"], a, s, a - s,
				    v["lat_p50_ns"] * (1 + j * 0.02), v["lat_p99_ns"] * (1 + ((w * 3) % 5 - 2) * 0.05)
			}
		}' "$_d/data" >"$_d/data.new"
		mv "$_d/data.new" "$_d/data"
	done
}

# scale_windows <data> <awk condition> <field> <factor>: the field of the
# matching win records multiplied (successes also move failures).
scale_windows()
{
	awk -v f="$3" -v x="$4" "
	function get(k,    i, kv) {
		for (i = 2; i <= NF; i++) {
			split(\$i, kv, \"=\")
			if (kv[1] == k)
				return kv[2]
		}
	}
	function put(k, val,    i, kv) {
		for (i = 2; i <= NF; i++) {
			split(\$i, kv, \"=\")
			if (kv[1] == k)
				\$i = k \"=\" val
		}
	}
	/^win / && ($2) {
		v = int(get(f) * x)
		put(f, v)
		if (f == \"successes\")
			put(\"failures\", get(\"attempts\") - v)
	}
	{ print }" "$1" >"$1.new"
	mv "$1.new" "$1"
}

# set_run_id <run-dir> <id>
set_run_id()
{
	sed -i "s/^run_id=.*/run_id=$2/" "$1/meta.env"
}

test_equal()
{
	R=$WORK/runs
	cmp_run same "$R/clean" "$R/clean"
	check "compare: a run against itself exits 0" rc_is same 0
	check "compare: ... and says no regression" has "$WORK/same.out" '**Result: no regression**'
	check "compare: ... with no change that matters" has "$WORK/same.out" \
		'None: no verdict regressed, no new crash title, no measurement moved beyond the run-to-run spread.'
	check "compare: the first line is the one-line summary" sh -c \
		"head -n 1 '$WORK/same.out' | grep -q '^labyrinth compare fixture-clean -> fixture-clean: no regression: '"
	check "compare: ... also in summary.txt" sh -c \
		"head -n 1 '$WORK/same.out' | cmp -s - '$WORK/same/summary.txt'"
	check "compare: the Markdown on stdout equals compare.md" sh -c \
		"tail -n +3 '$WORK/same.out' | cmp -s - '$WORK/same/compare.md'"
	check "compare: changes.tsv lists every measurement compared" sh -c \
		"[ \"\$(awk 'NR > 1' '$WORK/same/changes.tsv' | wc -l)\" -gt 0 ]"
}

# shellcheck disable=SC2016 # Markdown backticks, not command substitution
test_regression()
{
	R=$WORK/runs
	sed 's/^metrics=.*/metrics=success,p50,p99/' configs/compare.conf >"$WORK/all.conf"
	cmp_run reg "$R/clean" "$R/crash" -c "$WORK/all.conf"
	_md=$WORK/reg/compare.md
	_html=$WORK/reg/compare.html
	check "compare: a real regression exits 1" rc_is reg 1
	check "compare: ... says REGRESSION" has "$_md" '**Result: REGRESSION**'
	check "compare: ... in the summary line with its parts" has "$WORK/reg/summary.txt" \
		'REGRESSION: 13 regressions (1 verdict, 1 new crash title, 11 measurements)'
	check "compare: ... and the first changes that matter" has "$WORK/reg/summary.txt" \
		'First: engine_contexts pass->fail (crash: BUG: sleeping function called from invalid context); new crash: BUG: sleeping function called from invalid context in engine_contexts; '
	check "compare: ... counting the rest" sh -c "grep -q '; and 10 more\\.\$' '$WORK/reg/summary.txt'"
	check "compare: the runs' metadata follows the findings" sh -c \
		"awk '/^## /{print}' '$_md' | sed -n 5p | grep -q 'Runs compared'"
	check "compare: pass -> fail is a regression" has "$_md" \
		'| engine_contexts | pass | fail | **regression** | crash: BUG: sleeping function called from invalid context |'
	check "compare: pass -> error (missing result) is the suite broken, not a kernel regression" has "$_md" \
		'| frag_hog | pass | error | broken | missing: no result |'
	check "compare: new crash title listed" has "$_md" \
		'| `crash: BUG: sleeping function called from invalid context` | engine_contexts |'
	check "compare: a success-rate drop beyond the spread, with its p-value" has "$_md" \
		'| fault_order0 | hrtimer | 0 | success % | 97.6 | 79.5 | -18.1 points | 1.6e-05 | 12 / 12 | **regression** |'
	check "compare: a p99 rise beyond the spread, with its p-value" has "$_md" \
		'| engine_contexts | hrtimer | 0 | p99 ns | 4030 | 9030 | +124.1 % | 3.4e-05 | 12 / 12 | **regression** |'
	check "compare: the changes that matter come first" sh -c \
		"awk '/^## /{print}' '$_md' | head -n 1 | grep -q 'Changes that matter'"
	check "compare: measurements in only one run are listed" has "$_md" \
		'| frag_hog | timer | 0 | BASE |'
	check "compare: compare.html written with plots" sh -c \
		"[ \"\$(grep -c '<svg' '$_html')\" -eq 6 ]"
	check "compare: compare.html offline and balanced" sh -c \
		". scripts/check/reports-lib.sh; html_offline '$_html' && html_balanced '$_html'"
	check "compare: compare.html lists the regression" has "$_html" \
		'<td>engine_contexts</td><td>pass</td><td>fail</td><td><span class="reg">regression</span></td>'

	cmp_run imp "$R/crash" "$R/clean"
	check "compare: the reverse (fail -> pass) exits 0" rc_is imp 0
	check "compare: ... and lists an improvement" has "$WORK/imp/compare.md" \
		'| engine_contexts | fail | pass | improvement | BASE: crash: BUG: sleeping function called from invalid context |'
	check "compare: ... and a success-rate improvement" has "$WORK/imp/compare.md" \
		'| fault_order0 | hrtimer | 0 | success % | 79.5 | 97.6 | +18.1 points | 1.6e-05 | 12 / 12 | improvement |'
}

test_only_one()
{
	R=$WORK/runs
	cmp_run only "$R/clean" "$R/extra"
	_md=$WORK/only/compare.md
	check "compare: different test sets without regression exit 0" rc_is only 0
	check "compare: a test only in BASE is listed" has "$_md" '| frag_hog | BASE | pass |  |'
	check "compare: a skipped test only in BASE is listed" has "$_md" \
		'| needs_kasan | BASE | skip | CONFIG_KASAN is not set in this kernel |'
	check "compare: a test only in NEW is listed" has "$_md" '| new_test | NEW | pass |  |'
	check "compare: the known-good 'none' sentence is absent" sh -c \
		"! grep -q 'None: both runs ran the same tests.' '$_md'"
}

# The statistics: a 10-point drop is called at the 6-point floor and not at
# 15; a drop within the windows' spread, or with too few windows, is not.
# shellcheck disable=SC2016
test_statistics()
{
	R=$WORK/runs
	cp -R "$R/clean" "$WORK/worse"
	set_run_id "$WORK/worse" fixture-worse
	# shellcheck disable=SC2016
	scale_windows "$WORK/worse/tests/2-fault_order0/data" '$6 == "ctx=hrtimer"' successes 0.898
	cmp_run worse "$R/clean" "$WORK/worse"
	check "statistics: a 10-point drop is a regression at the 6-point floor" rc_is worse 1
	sed 's/^success_min_pp=.*/success_min_pp=15/' configs/compare.conf >"$WORK/loose.conf"
	cmp_run loose "$R/clean" "$WORK/worse" -c "$WORK/loose.conf"
	check "statistics: ... and not at a 15-point floor" rc_is loose 0
	check "statistics: ... where it is listed among the moves within the spread" \
		has "$WORK/loose/compare.md" '| fault_order0 | hrtimer | 0 | success % | 97.6 | 86.8 | -10.8 points | 1.6e-05 |'
	sed 's/^alpha=.*/alpha=0.00000001/' configs/compare.conf >"$WORK/strict.conf"
	cmp_run strict "$R/clean" "$WORK/worse" -c "$WORK/strict.conf"
	check "statistics: ... nor when the p-value is above alpha" rc_is strict 0

	# half the windows, every other one 10 points lower: a spread as wide
	# as the move, which the test does not call
	cp -R "$R/clean" "$WORK/noisy"
	set_run_id "$WORK/noisy" fixture-noisy
	scale_windows "$WORK/noisy/tests/2-fault_order0/data" \
		'$6 == "ctx=hrtimer" && $4 ~ /=[02468]$|=10$/' successes 0.898
	cp -R "$R/clean" "$WORK/noisy2"
	set_run_id "$WORK/noisy2" fixture-noisy2
	scale_windows "$WORK/noisy2/tests/2-fault_order0/data" \
		'$6 == "ctx=hrtimer" && $4 ~ /=[13579]$|=11$/' successes 0.898
	cmp_run noisy "$WORK/noisy" "$WORK/noisy2"
	check "statistics: a change of the median within a wide spread is not called" rc_is noisy 0

	cp -R "$R/clean" "$WORK/few"
	set_run_id "$WORK/few" fixture-few
	for _d in "$WORK/few"/tests/*/; do
		[ -f "$_d/data" ] || continue
		awk '!/^win / || $4 ~ /^w=[0-4]$/' "$_d/data" >"$_d/data.new"
		mv "$_d/data.new" "$_d/data"
	done
	# shellcheck disable=SC2016
	scale_windows "$WORK/few/tests/2-fault_order0/data" '$6 == "ctx=hrtimer"' successes 0.5
	cmp_run few "$R/clean" "$WORK/few"
	check "statistics: with fewer windows than min_windows nothing is called" rc_is few 0
	check "statistics: ... and the measurements are listed as not tested" has \
		"$WORK/few/compare.md" '| fault_order0 | hrtimer | 0 | 12 / 5 |'
}

# Like against like: a change where the memory state differed is reported
# as "conditions differ" with the numbers, not as a regression.
test_conditions()
{
	R=$WORK/runs
	cp -R "$R/clean" "$WORK/cond"
	set_run_id "$WORK/cond" fixture-cond
	_data=$WORK/cond/tests/3-frag_hog/data
	sed -i '/phase=during zone=DMA32/s/o3=37 o4=21 o5=10 o6=5 o7=3 o8=1 o9=0 o10=17/o3=0 o4=0 o5=0 o6=0 o7=0 o8=0 o9=0 o10=0/' "$_data"
	sed -i '/phase=during zone=DMA /s/o3=1 o4=1 o5=1 o6=1 o7=0 o8=1 o9=1 o10=3/o3=0 o4=0 o5=0 o6=0 o7=0 o8=0 o9=0 o10=0/' "$_data"
	# shellcheck disable=SC2016
	scale_windows "$_data" '$7 == "order=3"' successes 0.5
	cmp_run cond "$R/clean" "$WORK/cond"
	_md=$WORK/cond/compare.md
	check "conditions: a drop where the free blocks differ is no regression (exit 0)" rc_is cond 0
	check "conditions: ... the states are shown with their numbers" has "$_md" \
		'| frag_hog | free blocks of order 3 or more | 103 | 0 |'
	check "conditions: ... and the change under them, with the reason" has "$_md" \
		'| frag_hog | timer | 3 | success % | 82.9 | 41.5 | -41.5 points | 6.2e-06 | 12 / 12 | free blocks of order 3 or more: 103 vs 0 |'
	check "conditions: ... counted in the summary" has "$WORK/cond/summary.txt" \
		'1 change where the memory state differed'

	# free blocks that differ but are plenty in both runs excuse nothing
	cp -R "$R/clean" "$WORK/plentycond"
	set_run_id "$WORK/plentycond" fixture-plentycond
	_data=$WORK/plentycond/tests/3-frag_hog/data
	sed -i '/phase=during zone=DMA32/s/o3=37 o4=21 o5=10 o6=5 o7=3 o8=1 o9=0 o10=17/o3=370 o4=210 o5=100 o6=50 o7=30 o8=10 o9=0 o10=170/' "$_data"
	# shellcheck disable=SC2016
	scale_windows "$_data" '$7 == "order=3"' successes 0.5
	cmp_run plentycond "$R/clean" "$WORK/plentycond"
	check "conditions: free blocks plenty in both runs (103 vs 949) excuse no drop (exit 1)" \
		rc_is plentycond 1
	check "conditions: ... and are not listed as a different state" sh -c \
		"! grep -q '| frag_hog | free blocks of order' '$WORK/plentycond/compare.md'"

	# the same drop with the same free blocks is a regression
	cp -R "$R/clean" "$WORK/samecond"
	set_run_id "$WORK/samecond" fixture-samecond
	# shellcheck disable=SC2016
	scale_windows "$WORK/samecond/tests/3-frag_hog/data" '$7 == "order=3"' successes 0.5
	cmp_run samecond "$R/clean" "$WORK/samecond"
	check "conditions: the same drop with the same memory state is a regression" rc_is samecond 1

	# the high-order atomic reserve: it excuses a change where free blocks
	# of the order are scarce in both runs (here: free blocks not recorded)
	for _r in "$R/clean" "$WORK/samecond"; do
		cp -R "$_r" "$WORK/hz-$(basename "$_r")"
	done
	echo 'zone test=frag_hog phase=during node=0 zone=DMA32 free_pages=300000 reserved_highatomic=0' \
		>>"$WORK/hz-clean/tests/3-frag_hog/data"
	echo 'zone test=frag_hog phase=during node=0 zone=DMA32 free_pages=300000 reserved_highatomic=6144' \
		>>"$WORK/hz-samecond/tests/3-frag_hog/data"
	cmp_run hzfree "$WORK/hz-clean" "$WORK/hz-samecond"
	check "conditions: ... not where free blocks of the order are plenty (exit 1)" rc_is hzfree 1
	for _r in hz-clean hz-samecond; do
		sed -i '/^frag /d' "$WORK/$_r/tests/3-frag_hog/data"
	done
	cmp_run hz "$WORK/hz-clean" "$WORK/hz-samecond"
	check "conditions: a different high-order atomic reserve is no regression (exit 0)" rc_is hz 0
	check "conditions: ... shown with its numbers" has "$WORK/hz/compare.md" \
		'| frag_hog | reserved_highatomic pages (orders 1 and up) | 0 | 6144 |'
	check "conditions: ... and order 0 still judged as a regression would be" sh -c \
		"! grep -q '| frag_hog | timer | 0 | success % .*reserved_highatomic' '$WORK/hz/compare.md'"

	# the memory state at the end of every window (winmem) outweighs the
	# single end-of-phase snapshot: here the snapshots agree, the windows
	# do not
	for _s in base:4096 new:0 same:4096; do
		_n=${_s%%:*}
		if [ "$_n" = base ]; then
			cp -R "$R/clean" "$WORK/wm-$_n"
		else
			cp -R "$WORK/samecond" "$WORK/wm-$_n"
		fi
		_d=$WORK/wm-$_n/tests/3-frag_hog/data
		echo 'zone test=frag_hog phase=during node=0 zone=DMA32 free_pages=300000 reserved_highatomic=0' >>"$_d"
		for _w in 0 1 2 3 4 5 6 7 8 9 10 11; do
			echo "winmem test=frag_hog phase=1 w=$_w ms=250 reserved_highatomic=${_s#*:} free_blocks=900,800,700,1,0,0,0,0,0,0,0" >>"$_d"
		done
	done
	cmp_run wm "$WORK/wm-base" "$WORK/wm-new"
	check "conditions: a reserve that differs over the windows is no regression (exit 0)" rc_is wm 0
	check "conditions: ... shown with the windows' medians" has "$WORK/wm/compare.md" \
		'| frag_hog | reserved_highatomic pages (orders 3 and up) | 4096 | 0 |'
	cmp_run wmsame "$WORK/wm-base" "$WORK/wm-same"
	check "conditions: ... while the same reserve over the windows leaves it a regression" \
		rc_is wmsame 1
}

# A test that fails because the suite did not reach its memory state (a
# state_categories failure, e.g. the fragmenter's goal) is a change of
# conditions, not a kernel regression; any other failure stays one.
test_state_failure()
{
	R=$WORK/runs
	cp -R "$R/clean" "$WORK/nogoal"
	set_run_id "$WORK/nogoal" fixture-nogoal
	printf 'fail\tfragment: more than 2 free blocks of order >= 3 remain: 5\n' \
		>"$WORK/nogoal/tests/3-frag_hog/result"
	sed -i 's/^ok 3 frag_hog$/not ok 3 frag_hog # fragment: more than 2 free blocks of order >= 3 remain: 5/' \
		"$WORK/nogoal/ktap.txt"
	cmp_run nogoal "$R/clean" "$WORK/nogoal"
	check "state: pass -> fail for the fragmenter's goal is no regression (exit 0)" rc_is nogoal 0
	check "state: ... listed under conditions differ with the failure" has "$WORK/nogoal/compare.md" \
		'| frag_hog | verdict: the suite'"'"'s memory state not reached | pass | fail: fragment: more than 2 free blocks of order &gt;= 3 remain: 5 |'
	check "state: ... counted in the summary" has "$WORK/nogoal/summary.txt" \
		'1 change where the memory state differed'
	check "state: ... and no new crash title" sh -c "! grep -q 'New crash titles' '$WORK/nogoal/compare.md'"
	sed 's/^state_categories=.*/state_categories=hog/' configs/compare.conf >"$WORK/nostate.conf"
	cmp_run nogoal2 "$R/clean" "$WORK/nogoal" -c "$WORK/nostate.conf"
	check "state: the same failure outside state_categories is a regression (exit 1)" \
		rc_is nogoal2 1
	cmp_run goal "$WORK/nogoal" "$R/clean"
	check "state: fail -> pass for the goal is no improvement either" has "$WORK/goal/summary.txt" \
		'no regression: 0 improvements, 1 change where the memory state differed'
}

# The between-boot floors: at an order whose free blocks are scarce (a
# fragmenter reached its goal) the success rate varies between boots more
# than between windows, so a move is called only beyond the scarce floor.
# shellcheck disable=SC2016
test_scarce()
{
	R=$WORK/runs
	for _s in sc-base sc-10 sc-40 sc-o2; do
		cp -R "$R/clean" "$WORK/$_s"
		set_run_id "$WORK/$_s" "fixture-$_s"
		sed -i '/phase=during zone=DMA32/s/o3=37 o4=21 o5=10 o6=5 o7=3 o8=1 o9=0 o10=17/o3=0 o4=0 o5=0 o6=0 o7=0 o8=0 o9=0 o10=0/' \
			"$WORK/$_s/tests/3-frag_hog/data"
		sed -i '/phase=during zone=DMA /s/o3=1 o4=1 o5=1 o6=1 o7=0 o8=1 o9=1 o10=3/o3=0 o4=0 o5=0 o6=0 o7=0 o8=0 o9=0 o10=0/' \
			"$WORK/$_s/tests/3-frag_hog/data"
	done
	scale_windows "$WORK/sc-10/tests/3-frag_hog/data" '$7 == "order=3"' successes 0.87
	scale_windows "$WORK/sc-40/tests/3-frag_hog/data" '$7 == "order=3"' successes 0.5
	scale_windows "$WORK/sc-o2/tests/3-frag_hog/data" '$7 == "order=2"' successes 0.87
	cmp_run sc10 "$WORK/sc-base" "$WORK/sc-10"
	check "scarce: a 12-point drop where free blocks are scarce in both runs is not called (exit 0)" \
		rc_is sc10 0
	check "scarce: ... listed as a move within the spread" has "$WORK/sc10/compare.md" \
		'| frag_hog | timer | 3 | success % | 82.9 | 70.7 | -12.2 points |'
	check "scarce: ... judged against the scarce floor (changes.tsv)" sh -c \
		"grep -q '^frag_hog	timer	3	success	.*	none		scarce	20\$' '$WORK/sc10/changes.tsv'"
	cmp_run sc40 "$WORK/sc-base" "$WORK/sc-40"
	check "scarce: a 41-point drop there is beyond the scarce floor: a regression (exit 1)" \
		rc_is sc40 1
	cmp_run sco2 "$WORK/sc-base" "$WORK/sc-o2"
	check "scarce: a 12-point drop at an order below the goal (plenty) is a regression" \
		rc_is sco2 1
	check "scarce: ... judged against the plenty floor (changes.tsv)" sh -c \
		"grep -q '^frag_hog	timer	2	success	.*	regression		plenty	6\$' '$WORK/sco2/changes.tsv'"
	sed 's/^scarce_success_min_pp=.*/scarce_success_min_pp=5/' configs/compare.conf >"$WORK/scarce5.conf"
	cmp_run sc10f "$WORK/sc-base" "$WORK/sc-10" -c "$WORK/scarce5.conf"
	check "scarce: ... and so is the scarce drop with a 5-point scarce floor" rc_is sc10f 1
	check "scarce: the method section names both floors" has "$WORK/sc10/compare.md" \
		'6 points (success rate) or 50 % (latency) where free blocks of the order are plenty, 20 points or 50 % where they are scarce'
}

# compare.sh -s: the spread between runs of one kernel against the floors.
test_spread()
{
	_rc=0
	scripts/compare.sh -s "$AA/boot10" "$AA/aa1" "$AA/aa2" >"$WORK/spread.out" 2>&1 || _rc=$?
	check "spread: the A/A fixtures are within the floors (exit 0)" [ "$_rc" = 0 ]
	check "spread: ... the outlier boot's 10 points at order 3 measured" sh -c \
		"grep -q '^scarce  *3 success  *10\.5pt  *20pt .* quick_all_global_labyrinth spin_irq\$' '$WORK/spread.out'"
	check "spread: ... with a line per state, order and metric" sh -c \
		"grep -q '^scarce  *3 success ' '$WORK/spread.out' && grep -q '^plenty  *0 p50 ' '$WORK/spread.out'"
	sed 's/^scarce_success_min_pp=.*/scarce_success_min_pp=5/' configs/compare.conf >"$WORK/low.conf"
	_rc=0
	scripts/compare.sh -s -c "$WORK/low.conf" "$AA/boot10" "$AA/aa1" "$AA/aa2" \
		>"$WORK/spread-low.out" 2>&1 || _rc=$?
	check "spread: a floor below the spread measured exits 1" [ "$_rc" = 1 ]
	check "spread: ... naming it" sh -c "grep -q '^scarce  *3 success .*FLOOR TOO LOW' '$WORK/spread-low.out'"
	_rc=0
	scripts/compare.sh -s "$AA/aa1" >/dev/null 2>&1 || _rc=$?
	check "spread: one run is a usage error (exit 2)" [ "$_rc" = 2 ]
	_rc=0
	scripts/compare.sh -s "$AA/aa1" "$WORK/no-such-run" >/dev/null 2>&1 || _rc=$?
	check "spread: a missing run exits 2" [ "$_rc" = 2 ]
}

# repeat_copy <run> <dir>: the run as a REPEAT run's first round would
# have written it: every tag "<tag>.r1".
repeat_copy()
{
	cp -R "$1" "$2"
	for _d in "$2"/tests/*; do
		mv "$_d" "$_d.r1"
	done
	awk '{ $2 = $2 ".r1"; print }' "$1/list" >"$2/list"
	for _f in "$2"/tests/*/data; do
		sed 's/ test=\([^ ]*\)/ test=\1.r1/' "$_f" >"$_f.new"
		mv "$_f.new" "$_f"
	done
}

# A REPEAT run's rounds ("<tag>.rN") are pooled per test: their windows are
# compared against the other run's as a plain run's are.
test_repeat()
{
	repeat_copy "$AA/aa2" "$WORK/rep"
	set_run_id "$WORK/rep" aa2-r
	cmp_run aa0 "$AA/aa1" "$AA/aa2"
	cmp_run rep "$AA/aa1" "$WORK/rep"
	check "REPEAT: a run whose tags are <tag>.r1 compares as many measurements" sh -c \
		"[ \"\$(awk 'NR > 1' '$WORK/rep/changes.tsv' | wc -l)\" -ge 100 ] &&
		[ \"\$(awk 'NR > 1' '$WORK/rep/changes.tsv' | wc -l)\" = \"\$(awk 'NR > 1' '$WORK/aa0/changes.tsv' | wc -l)\" ]"
	check "REPEAT: ... and exits 0 against the same kernel" rc_is rep 0
}

# Two real runs of runtest/quick on one kernel: no regression; regressions
# planted into the second are found.
test_aa()
{
	cmp_run aa "$AA/aa1" "$AA/aa2"
	check "A/A: two real runs of one kernel exit 0" rc_is aa 0
	check "A/A: ... with no regression" has "$WORK/aa.out" '**Result: no regression**'
	check "A/A: ... and measurements compared" sh -c \
		"[ \"\$(awk 'NR > 1' '$WORK/aa/changes.tsv' | wc -l)\" -ge 100 ]"
	check "A/A: ... compare.html offline and balanced" sh -c \
		". scripts/check/reports-lib.sh; html_offline '$WORK/aa/compare.html' && html_balanced '$WORK/aa/compare.html'"
	check "A/A: the two boots reached different atomic reserves, and compare says so" \
		has "$WORK/aa.out" \
		'| quick_all_global_labyrinth | reserved_highatomic pages (orders 3 and up) | 5120 | 0 |'

	# boot10: an older run of the same kernel whose boot kept order-3
	# success under the fragmenter at 10 % in every window (0-2 % in other
	# boots): the windows of one boot do not sample that spread
	cmp_run outlier "$AA/boot10" "$AA/aa2"
	check "A/A: a boot that kept 10 % at order 3 against one with 0 % exits 0" rc_is outlier 0
	sed 's/^highatomic_diff_pages=.*/highatomic_diff_pages=100000/' configs/compare.conf \
		>"$WORK/noreserve.conf"
	cmp_run aanores "$AA/boot10" "$AA/aa2" -c "$WORK/noreserve.conf"
	check "A/A: ... without the reserve check the scarce floor keeps it quiet (exit 0)" \
		rc_is aanores 0
	sed 's/^scarce_success_min_pp=.*/scarce_success_min_pp=5/' configs/compare.conf \
		>"$WORK/scarce5.conf"
	cmp_run aascarce "$AA/boot10" "$AA/aa2" -c "$WORK/scarce5.conf"
	check "A/A: ... with a 5-point scarce floor the reserve check does (exit 0)" \
		rc_is aascarce 0
	sed 's/^scarce_success_min_pp=.*/scarce_success_min_pp=5/' "$WORK/noreserve.conf" \
		>"$WORK/noscarce.conf"
	cmp_run aanoscarce "$AA/boot10" "$AA/aa2" -c "$WORK/noscarce.conf"
	check "A/A: ... without either, order 3 and 4 read as regressions (exit 1)" \
		rc_is aanoscarce 1
	check "A/A: ... at the fragmenter's orders only" sh -c \
		"[ \"\$(grep -c '^| quick_all_global_labyrinth | [a-z_]* | [34] | success % .*regression\*\* |\$' '$WORK/aanoscarce/compare.md')\" -ge 3 ] &&
		[ \"\$(grep -c '^| .*regression\*\* |\$' '$WORK/aanoscarce/compare.md')\" = \"\$(grep -c '^| quick_all_global_labyrinth | [a-z_]* | [34] | success % .*regression\*\* |\$' '$WORK/aanoscarce/compare.md')\" ]"

	cp -R "$AA/aa2" "$WORK/half"
	set_run_id "$WORK/half" aa2-half
	# shellcheck disable=SC2016
	scale_windows "$WORK/half/tests/12-quick_all_global_labyrinth/data" '$6 == "ctx=spin_irq"' successes 0.5
	cmp_run half "$AA/aa1" "$WORK/half"
	check "planted: success halved for one context is called (exit 1)" rc_is half 1
	check "planted: ... as a success-rate regression of spin_irq" sh -c \
		"grep -q '^| quick_all_global_labyrinth | spin_irq | 0 | success % .*regression' '$WORK/half/compare.md'"

	cp -R "$AA/aa2" "$WORK/slow"
	set_run_id "$WORK/slow" aa2-slow
	# shellcheck disable=SC2016
	scale_windows "$WORK/slow/tests/9-quick_hardirq_prob/data" '$6 == "ctx=hrtimer"' lat_p50_ns 2
	cmp_run slow "$AA/aa1" "$WORK/slow"
	check "planted: p50 latency doubled for one context is called (exit 1)" rc_is slow 1
	check "planted: ... as a p50 regression of hrtimer" sh -c \
		"grep -q '^| quick_hardirq_prob | hrtimer | [0-4] | p50 ns .*regression' '$WORK/slow/compare.md'"
	check "planted: ... and only there" sh -c \
		"[ \"\$(grep -c '^| .*regression\*\* |\$' '$WORK/slow/compare.md')\" -eq 5 ] && [ \"\$(grep -c '^| quick_hardirq_prob | hrtimer | .*regression\*\* |\$' '$WORK/slow/compare.md')\" -eq 5 ]"
	check "planted: ... with the planted size" sh -c \
		"grep '^| quick_hardirq_prob | hrtimer | 0 | p50 ns' '$WORK/slow/compare.md' | grep -q '| +[89][0-9]\.[0-9] % \|| +1[01][0-9]\.[0-9] % '"

	# a real run of two of the tests with lab_engine.delay_ns=20000 on the
	# kernel command line: a busy-wait inside every timed allocation
	cmp_run delay "$AA/aa1" "$AA/slow"
	check "planted (real run, delay_ns=20000): the slowdown is called (exit 1)" rc_is delay 1
	check "planted (real run): ... as p50 regressions of those tests only" sh -c \
		"[ \"\$(grep -c '^| quick_\(hardirq\|softirq\)_prob | .* p50 ns .*regression\*\* |\$' '$WORK/delay/compare.md')\" -ge 10 ] && [ \"\$(grep -c '^| .*regression\*\* |\$' '$WORK/delay/compare.md')\" = \"\$(grep -c '^| quick_\(hardirq\|softirq\)_prob | .* p50 ns .*regression\*\* |\$' '$WORK/delay/compare.md')\" ]"
	check "planted (real run): ... while the same tests in A/A stay quiet" sh -c \
		"! grep -q '^| quick_\(hardirq\|softirq\)_prob | .*regression' '$WORK/aa/compare.md'"
}

test_bad_input()
{
	R=$WORK/runs
	cmp_run g1 "$R/clean" "$R/garbled"
	check "bad input: NEW without ktap.txt exits 2" rc_is g1 2
	check "bad input: ... naming what is wrong" has "$WORK/g1.err" 'NEW: '"$R"'/garbled/ktap.txt is missing'
	cmp_run g2 "$R/garbled" "$R/clean"
	check "bad input: BASE garbled exits 2" rc_is g2 2
	cmp_run g3 "$R/clean" "$R/nometa"
	check "bad input: no meta.env exits 2" rc_is g3 2
	cmp_run g4 "$R/clean" "$R/format2"
	check "bad input: another suite_format exits 2" rc_is g4 2
	check "bad input: ... called incompatible" has "$WORK/g4.err" 'incompatible suite version'
	cmp_run g5 "$R/clean" "$WORK/no-such-run"
	check "bad input: a missing run exits 2" rc_is g5 2
	cp -R "$R/clean" "$WORK/badktap"
	printf 'TAP version 13\n' >"$WORK/badktap/ktap.txt"
	cmp_run g6 "$R/clean" "$WORK/badktap"
	check "bad input: a ktap.txt that is not KTAP exits 2" rc_is g6 2
}

# bad_conf <name> <sed script> <expected message>: configs/compare.conf
# changed by the script is refused with exit 2 and the message.
bad_conf()
{
	sed "$2" configs/compare.conf >"$WORK/$1.conf"
	cmp_run "$1" "$WORK/runs/clean" "$WORK/runs/clean" -c "$WORK/$1.conf"
	check "bad settings: $1 exits 2" rc_is "$1" 2
	check "bad settings: ... saying '$3'" has "$WORK/$1.err" "$3"
}

test_bad_conf()
{
	_c=$WORK/typo.conf
	bad_conf typo 's/^alpha=/alpah=/' "$_c:16: unknown key 'alpah'"
	bad_conf word 's/^latency_min_pct=.*/latency_min_pct=fifty/' \
		"$WORK/word.conf:$(grep -n '^latency_min_pct=' configs/compare.conf | cut -d: -f1): latency_min_pct='fifty' is not a non-negative number"
	bad_conf fraction 's/^min_windows=.*/min_windows=8.5/' "min_windows='8.5' is not a whole number"
	bad_conf alpha1 's/^alpha=.*/alpha=1.5/' 'alpha=1.5 is not between 0 and 1'
	bad_conf onewin 's/^min_windows=.*/min_windows=1/' 'min_windows=1 is not 2 or more'
	bad_conf metric 's/^metrics=.*/metrics=success,p95/' "metrics: unknown metric 'p95'"
	bad_conf method 's/^method=.*/method=t-test/' 'method=t-test is not known'
	bad_conf nokv 's/^method=.*/mann-whitney/' 'not a key=value line'
	bad_conf missing '/^frag_ratio=/d' 'frag_ratio is not set'
	bad_conf statecat 's/^state_categories=.*/state_categories=Fragment goal/' \
		"state_categories='Fragment goal' is not a comma list of categories"
	cmp_run nofile "$WORK/runs/clean" "$WORK/runs/clean" -c "$WORK/none.conf"
	check "bad settings: a missing file exits 2" rc_is nofile 2
	check "configs/compare.conf parses" scripts/compare.sh -o "$WORK/conf" \
		-c configs/compare.conf "$WORK/runs/clean" "$WORK/runs/clean"
}

main()
{
	setup_scratch
	for _r in clean crash extra; do
		add_windows "$WORK/runs/$_r"
	done
	test_equal
	test_regression
	test_only_one
	test_statistics
	test_conditions
	test_scarce
	test_state_failure
	test_spread
	test_bad_input
	test_bad_conf
	test_aa
	test_repeat
	finish
}

main "$@"
