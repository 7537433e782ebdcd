#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the hog's memory-state records (testcases/lib/hog.sh):
# the "hog" record of the fragmentation goal, and the "pagetype",
# "pageblocks" and "vmstat" records read from saved /proc files, under the
# host's sh and, like the guest, under busybox sh and awk.
# shellcheck disable=SC2317 # the tests run through each_shell (tap.sh)
set -eu

TOP=$(pwd)
TMP=
. scripts/check/tap.sh

# guest <body>: run body with lab.sh and hog.sh sourced against the fake
# /proc in $TMP/proc; status in RC, its data records in $TMP/out/data.
guest()
{
	rm -rf "$TMP/out"
	# the guest's clock: 5 s since boot
	printf '5.00 9.00\n' >"$TMP/uptime"
	mkdir -p "$TMP/out"
	RC=0
	LAB_OUT=$TMP/out LAB_LIB=$TOP/testcases/lib LAB_CONFIGS=$TOP/configs \
	LAB_TAG=t HOG_PROC=$TMP/proc HOG_LBY=$TMP/lby HOG_CONFIRM_S=2 \
	LAB_UPTIME=$TMP/uptime \
		$SH -c ". \"\$LAB_LIB/lab.sh\"
			. \"\$LAB_LIB/hog.sh\"
			lab_kmsg() { :; }
			$1" >"$TMP/stdout" 2>&1 || RC=$?
	touch "$TMP/out/data"
}

# has <desc> <line>: the last guest run wrote exactly this data record.
has()
{
	if grep -qxF "$2" "$TMP/out/data"; then
		ok "$SHN: $1"
	else
		not_ok "$SHN: $1 (data: $(cat "$TMP/out/data"))"
	fi
}

# lacks <desc> <ERE>: no data record of the last guest run matches.
lacks()
{
	if grep -qE "$2" "$TMP/out/data"; then
		not_ok "$SHN: $1 (data: $(cat "$TMP/out/data"))"
	else
		ok "$SHN: $1"
	fi
}

fake_proc()
{
	rm -rf "$TMP/proc"
	mkdir -p "$TMP/proc"
	printf 'Node 0, zone    DMA32 %s\n' "$1" >"$TMP/proc/buddyinfo"
	cat >"$TMP/proc/pagetypeinfo" <<'EOF'
Page block order: 9
Pages per block:  512

Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 
Node    0, zone    DMA32, type    Unmovable    120     40      9      0      0      0      0      0      0      0      0 
Node    0, zone    DMA32, type      Movable   3000   1000    200      0      0      0      0      0      0      0      0 
Node    0, zone    DMA32, type  Reclaimable      2      1      0      0      0      0      0      0      0      0      0 
Node    0, zone    DMA32, type   HighAtomic      4      6      3     17      1      0      0      0      0      0      0 
Node    0, zone    DMA32, type      Isolate      0      0      0      0      0      0      0      0      0      0      0 

Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate 
Node 0, zone    DMA32          400          600            8           11            0 
EOF
	cat >"$TMP/proc/zoneinfo" <<'EOF'
Node 0, zone    DMA32
  pages free     16000
        min      1000
  pagesets
    cpu: 0
              count: 1234
              high:  2975
              batch: 63
  vm stats threshold: 24
    cpu: 1
              count: 7
              high:  2975
              batch: 63
  vm stats threshold: 24
  node_unreclaimable:  0
EOF
	cat >"$TMP/proc/vmstat" <<'EOF'
nr_free_pages 16000
nr_inactive_anon 10
pgalloc_dma32 123456
pgfree 130000
allocstall_dma32 0
compact_stall 7
compact_fail 6
compact_success 1
thp_fault_alloc 0
EOF
}

# shellcheck disable=SC2016 # the guest snippets expand in the guest's shell
t_goal()
{
	fake_proc "100 100 100 0 0 0 0 0 0 0 0"
	guest 'hog_start none; hog_goal_record 3 8'
	has "goal record of a hog without a pass" \
		"hog test=t profile=none type=none order=3 max=8 left=0 repasses=0 goal_ms=0"
	guest 'HOG_T0=1200; HOG_NAME=labyrinth; HOG_TYPE=labyrinth
		HOG_PASS=$(hog_pass_summary "free_before o0=1 o1=2 o2=3 o3=4 o4=500 free_after o0=90 o1=80 o2=70 o3=5 o4=2 free_now o0=1 o1=1 o2=1 o3=9 o4=9 taken_pages=4000 held_pages=500 elapsed_ms=2345 order=3" 3)
		hog_frag_confirm 3 8'
	has "goal record: the pass's own count of what it left, not free_before or free_now" \
		"hog test=t profile=labyrinth type=labyrinth order=3 max=8 left=0 repasses=0 goal_ms=3800 pass_ms=2345 taken_pages=4000 held_pages=500 pass_left=7"
	fake_proc "100 100 100 12 0 0 0 0 0 0 0"
	guest 'hog_frag_confirm 3 8'
	if [ "$RC" -eq 1 ]; then ok "$SHN: 12 blocks of order 3 fail the confirmation"; else not_ok "$SHN: 12 blocks of order 3 fail the confirmation (rc $RC)"; fi
	has "a failed confirmation still records what was left" \
		"hog test=t profile=none type=none order=3 max=8 left=12 repasses=0"
}

t_mm()
{
	fake_proc "100 100 100 0 0 0 0 0 0 0 0"
	guest 'hog_mm_record during'
	has "pagetypeinfo: the high-order atomic reserve's free blocks" \
		"pagetype test=t phase=during node=0 zone=DMA32 type=HighAtomic o0=4 o1=6 o2=3 o3=17 o4=1 o5=0 o6=0 o7=0 o8=0 o9=0 o10=0"
	has "pagetypeinfo: unmovable free blocks" \
		"pagetype test=t phase=during node=0 zone=DMA32 type=Unmovable o0=120 o1=40 o2=9 o3=0 o4=0 o5=0 o6=0 o7=0 o8=0 o9=0 o10=0"
	has "pagetypeinfo: pageblocks per migrate type" \
		"pageblocks test=t phase=during node=0 zone=DMA32 Unmovable=400 Movable=600 Reclaimable=8 HighAtomic=11 Isolate=0"
	has "vmstat: the allocator's counters, nothing else" \
		"vmstat test=t phase=during nr_free_pages=16000 pgalloc_dma32=123456 pgfree=130000 allocstall_dma32=0 compact_stall=7 compact_fail=6 compact_success=1"
	has "zoneinfo: the first CPU's per-CPU lists" \
		"pcp test=t phase=during node=0 zone=DMA32 cpu=0 count=1234 high=2975 batch=63"
	has "zoneinfo: the second CPU's per-CPU lists" \
		"pcp test=t phase=during node=0 zone=DMA32 cpu=1 count=7 high=2975 batch=63"
	lacks "no stray records from headers" '^pagetype .*type=(order|block)|^pageblocks .*(Number|type=)'
	rm -f "$TMP/proc/pagetypeinfo" "$TMP/proc/vmstat" "$TMP/proc/zoneinfo"
	guest 'hog_mm_record during'
	if [ "$RC" -eq 0 ] && [ ! -s "$TMP/out/data" ]; then
		ok "$SHN: no pagetypeinfo, zoneinfo or vmstat: no record, no failure"
	else
		not_ok "$SHN: no pagetypeinfo, zoneinfo or vmstat: no record, no failure (rc $RC)"
	fi
}

# Labyrinth passes again while blocks are left; other hogs only wait.
# shellcheck disable=SC2016 # the guest snippets expand in the guest's shell
t_repass()
{
	rm -rf "$TMP/lby"
	mkdir -p "$TMP/lby"
	fake_proc "100 100 100 3 0 0 0 0 0 0 0"
	guest 'HOG_TYPE=labyrinth; hog_frag_confirm 3 8'
	has "labyrinth: 3 blocks left, a further pass per try, then within the tolerance" \
		"hog test=t profile=none type=labyrinth order=3 max=8 left=3 repasses=2"
	if [ "$(cat "$TMP/lby/control" 2>/dev/null)" = fragment ]; then
		ok "$SHN: a further pass is asked of labyrinth's control"
	else
		not_ok "$SHN: a further pass is asked of labyrinth's control"
	fi
	rm -f "$TMP/lby/control"
	guest 'hog_frag_confirm 3 8'
	has "another hog: 3 blocks within the tolerance, no pass" \
		"hog test=t profile=none type=none order=3 max=8 left=3 repasses=0"
	if [ ! -e "$TMP/lby/control" ]; then ok "$SHN: no pass asked of another hog"; else not_ok "$SHN: no pass asked of another hog"; fi
	fake_proc "100 100 100 12 0 0 0 0 0 0 0"
	guest 'HOG_TYPE=labyrinth; hog_frag_confirm 3 8'
	if [ "$RC" -eq 1 ] && grep -q 'hog did not fragment: 12 free blocks' "$TMP/out/verdict"; then
		ok "$SHN: labyrinth: 12 blocks after its passes fail the confirmation"
	else
		not_ok "$SHN: labyrinth: 12 blocks after its passes fail the confirmation (rc $RC)"
	fi
	has "the failed confirmation records the passes" \
		"hog test=t profile=none type=labyrinth order=3 max=8 left=12 repasses=2"
}

# t_gone: stress-ng's workers that outlive its parent (hog_stressng_gone):
# none left passes at once; a worker that never ends fails "hog" once a
# KILL did not end it either; zombies and other processes do not count.
# shellcheck disable=SC2016 # the inner shell's own arguments
t_gone()
{
	fake_proc 1
	for _e in "1 (init) S" "400 (stress-ng) Z" "401 (sh) S"; do
		mkdir -p "$TMP/proc/${_e%% *}"
		printf '%s 1 1 1 0 -1\n' "$_e" >"$TMP/proc/${_e%% *}/stat"
	done
	guest 'hog_stressng_gone; echo gone'
	check "$SHN: no stress-ng process left (a zombie and others do not count): no wait" \
		[ "$RC:$(cat "$TMP/stdout")" = "0:gone" ]
	# a worker that ends between the glob and the read (its stat file
	# gone) is skipped, and the ones after it are still read
	mkdir -p "$TMP/proc/402" "$TMP/proc/403"
	ln -s "$TMP/proc/402/gone" "$TMP/proc/402/stat"
	printf '403 (stress-ng-vm) S 1 1 1 0 -1\n' >"$TMP/proc/403/stat"
	guest 'set -e; hog_stressng_left; echo read'
	check "$SHN: a process gone between the glob and the read is skipped ($(tr '\n' ' ' <"$TMP/stdout"))" \
		[ "$RC:$(tr '\n' ' ' <"$TMP/stdout")" = "0:403 read " ]
	rm -r "$TMP/proc/402" "$TMP/proc/403"
	mkdir -p "$TMP/proc/4194399"
	printf '4194399 (stress-ng-vm) S 1 1 1 0 -1\n' >"$TMP/proc/4194399/stat"
	guest 'HOG_GONE_S=1; hog_stressng_left; hog_stressng_gone; echo gone'
	check "$SHN: a stress-ng worker that would not end fails hog after KILL ($(tr '\n' ' ' <"$TMP/stdout"))" \
		sh -c '[ "$1" = 1 ] && grep -qx 4194399 "$2" && grep -q "(KILL)" "$2" && grep -q "^hog: stress-ng processes would not end: 4194399" "$3"' \
		sh "$RC" "$TMP/stdout" "$TMP/out/verdict"
}

main()
{
	TMP=$(mktemp -d)
	trap 'rm -rf "$TMP"' EXIT
	each_shell t_goal t_mm t_repass t_gone
	exit "$FAILED"
}

main "$@"
