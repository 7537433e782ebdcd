#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Block target of the subsys tests: the virtio-blk disk QEMU gives the
# guest (a small raw image in the host's cache, written through a
# throw-away overlay).  Direct I/O (O_DIRECT) on the raw device, so every
# read and write is a request to the driver and its completion runs from
# the virtqueue interrupt, with no page cache or file system in between.
# Sourced after lab.sh and subsys.sh.
#
#   blk_setup                   load virtio_blk; BLK_DEV is the disk (vda)
#   blk_load_start              a writer and a reader (busybox dd, 64 KiB
#                               O_DIRECT requests) in a loop
#   blk_load_alive              both loops still run
#   blk_load_stop               stop them; I/O that does not finish within
#                               BLK_STUCK_S seconds fails "stuck"
#   blk_bytes                   bytes read and written so far (block stats)
#   blk_counters                "ios=N in_flight=N io_errors=N"
#   blk_teardown                unload virtio_blk ("unload" if it refuses)
#
# BLK_SYS (/sys/block) points elsewhere to check these helpers against
# saved files.

BLK_SYS=${BLK_SYS:-/sys/block}
BLK_DEV=
BLK_STUCK_S=${BLK_STUCK_S:-10}
BLK_PIDS=
BLK_BS=65536
BLK_COUNT=128

blk_setup()
{
	subsys_kmod virtio_blk
	_i=0
	while :; do
		for _d in "$BLK_SYS"/vd*; do
			[ -e "$_d/stat" ] && [ -b "/dev/${_d##*/}" ] && BLK_DEV=${_d##*/}
		done
		[ -n "$BLK_DEV" ] && break
		_i=$((_i + 1))
		[ "$_i" -le 50 ] ||
			lab_skip "no virtio-blk disk (QEMU started without DEVICES=subsys?)"
		sleep 0.1
	done
	lab_info "target blk: /dev/$BLK_DEV, $(($(cat "$BLK_SYS/$BLK_DEV/size") / 2048)) MiB, driver virtio_blk"
}

# blk_loop <what> <dd args...>: run dd until the stop file appears; count
# the runs that failed (an I/O error reached user space).
blk_loop()
{
	_what=$1
	shift
	while [ ! -e "$LAB_OUT/.blk-stop" ]; do
		dd "$@" bs="$BLK_BS" count="$BLK_COUNT" 2>/dev/null ||
			printf '%s\n' "$_what" >>"$LAB_OUT/blk-errors"
	done
}

blk_load_start()
{
	rm -f "$LAB_OUT/.blk-stop"
	: >"$LAB_OUT/blk-errors"
	blk_loop write if=/dev/zero of="/dev/$BLK_DEV" oflag=direct conv=notrunc &
	BLK_PIDS=$!
	blk_loop read if="/dev/$BLK_DEV" of=/dev/null iflag=direct skip="$BLK_COUNT" &
	BLK_PIDS="$BLK_PIDS $!"
	lab_on_exit "touch '$LAB_OUT/.blk-stop'; kill $BLK_PIDS 2>/dev/null; :"
	lab_info "load: dd ${BLK_BS}-byte O_DIRECT writes and reads on /dev/$BLK_DEV"
}

blk_load_alive()
{
	for _p in $BLK_PIDS; do
		kill -0 "$_p" 2>/dev/null || lab_fail stuck "a dd loop on /dev/$BLK_DEV ended"
	done
}

blk_stat_field()
{
	awk -v n="$1" '{ print $n }' "$BLK_SYS/$BLK_DEV/stat"
}

blk_bytes()
{
	awk '{ print ($3 + $7) * 512 }' "$BLK_SYS/$BLK_DEV/stat"
}

blk_counters()
{
	_err=$(wc -l <"$LAB_OUT/blk-errors")
	awk -v e="$_err" '{ printf "ios=%d in_flight=%d io_errors=%d\n", $1 + $5, $9, e }' \
		"$BLK_SYS/$BLK_DEV/stat"
}

blk_load_stop()
{
	touch "$LAB_OUT/.blk-stop"
	_i=0
	for _p in $BLK_PIDS; do
		while kill -0 "$_p" 2>/dev/null; do
			_i=$((_i + 1))
			[ "$_i" -le $((BLK_STUCK_S * 10)) ] ||
				lab_fail stuck "I/O on /dev/$BLK_DEV did not finish within ${BLK_STUCK_S}s ($(blk_stat_field 9) requests in flight)"
			sleep 0.1
		done
		wait "$_p" 2>/dev/null || :
	done
	BLK_PIDS=
	_i=0
	until [ "$(blk_stat_field 9)" -eq 0 ]; do
		_i=$((_i + 1))
		[ "$_i" -le $((BLK_STUCK_S * 10)) ] ||
			lab_fail stuck "$(blk_stat_field 9) requests still in flight on /dev/$BLK_DEV ${BLK_STUCK_S}s after the load stopped"
		sleep 0.1
	done
}

blk_teardown()
{
	[ -z "$BLK_PIDS" ] || blk_load_stop
	lab_rmmod virtio_blk
}
