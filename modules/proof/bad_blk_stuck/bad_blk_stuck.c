// SPDX-License-Identifier: GPL-2.0
/*
 * bad_blk_stuck: a broken module the suite must catch on the kernel's own
 * block completion path: it fails gracefully at first, but never
 * recovers.  A kthread keeps @depth page-sized reads in flight on a block
 * device (default /dev/vda, the virtio-blk disk); each read's bi_end_io
 * runs from the driver's completion (virtio-blk: the virtqueue interrupt)
 * and takes a small note with GFP_ATOMIC.  When the note cannot be had it
 * goes without, and switches to a "careful" mode that nothing ever
 * switches off again: from then on every completion waits @slow_us in
 * the interrupt (a stand-in for a slow fallback, a synchronous check of
 * the data), long after the allocations succeed again.  The disk's other
 * I/O waits behind it: throughput does not come back once injection
 * stops (the recovery check), and a fresh load of the module is fast
 * again.  Nothing leaks, nothing splats.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/slab.h>

static char *dev = "/dev/vda";
module_param(dev, charp, 0444);
MODULE_PARM_DESC(dev, "Block device to read from (default /dev/vda)");

static unsigned int depth = 8;
module_param(depth, uint, 0444);
MODULE_PARM_DESC(depth, "Reads in flight at a time (1-32, default 8)");

static unsigned int slow_us = 4000;
module_param(slow_us, uint, 0444);
MODULE_PARM_DESC(slow_us, "Wait per completion in careful mode, us (1-5000, default 4000)");

struct bad_blk_note {
	sector_t sector;
	unsigned long jiffies;
};

#if IS_ENABLED(CONFIG_BLOCK)
#include "lab_blk_reads.h"

static struct lab_blk_reads bad_blk_reads;
static atomic64_t bad_blk_completions;
static atomic64_t bad_blk_no_note;
static atomic64_t bad_blk_slow;
static atomic64_t bad_blk_errors;
static bool bad_blk_careful;

/* Runs from the driver's completion: interrupt context. */
static void bad_blk_end_io(struct bio *bio)
{
	struct bad_blk_note *note;

	atomic64_inc(&bad_blk_completions);
	if (bio->bi_status) {
		atomic64_inc(&bad_blk_errors);
		goto out_done;
	}
	if (READ_ONCE(bad_blk_careful)) {
		/* The bug: careful mode is never left. */
		atomic64_inc(&bad_blk_slow);
		udelay(slow_us);
	}
	note = kmalloc(sizeof(*note), GFP_ATOMIC | __GFP_NOWARN);
	if (!note) {
		/* Graceful: no note, no harm; but from now on, careful. */
		atomic64_inc(&bad_blk_no_note);
		WRITE_ONCE(bad_blk_careful, true);
		goto out_done;
	}
	note->sector = bio->bi_iter.bi_sector;
	note->jiffies = jiffies;
	kfree(note);
out_done:
	lab_blk_read_done(bio);
}

static int __init bad_blk_stuck_init(void)
{
	int err;

	if (!slow_us || slow_us > 5000)
		return -EINVAL;
	err = lab_blk_reads_start(&bad_blk_reads, dev, depth, bad_blk_end_io,
				  "bad_blk_stuck");
	if (err)
		return err;
	pr_info("%u page reads in flight on %s: %u us a completion for good once a note could not be allocated\n",
		depth, dev, slow_us);
	return 0;
}

static void __exit bad_blk_stuck_exit(void)
{
	lab_blk_reads_stop(&bad_blk_reads);
	pr_info("completions=%lld errors=%lld no_note=%lld slow=%lld\n",
		(long long)atomic64_read(&bad_blk_completions),
		(long long)atomic64_read(&bad_blk_errors),
		(long long)atomic64_read(&bad_blk_no_note),
		(long long)atomic64_read(&bad_blk_slow));
}
#else
static int __init bad_blk_stuck_init(void)
{
	pr_info("kernel without CONFIG_BLOCK\n");
	return -ENODEV;
}

static void __exit bad_blk_stuck_exit(void)
{
}
#endif

module_init(bad_blk_stuck_init);
module_exit(bad_blk_stuck_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth proof: a block completion that never leaves its slow path once an atomic allocation failed");
