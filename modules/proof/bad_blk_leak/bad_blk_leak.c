// SPDX-License-Identifier: GPL-2.0
/*
 * bad_blk_leak: a broken module the suite must catch on the kernel's own
 * block completion path.  A kthread keeps @depth page-sized reads in
 * flight on a block device (default /dev/vda, the virtio-blk disk); each
 * read's bi_end_io runs from the driver's completion (virtio-blk: the
 * virtqueue interrupt) and takes, with GFP_ATOMIC, a block to keep a copy
 * of the data, then a small note with GFP_ATOMIC.  When the note cannot be
 * had, the completion gives up and forgets to free the block: under fault
 * injection (or real memory pressure) the failure path leaks pages
 * (free-page drift; page_owner names the completion).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/highmem.h>

static char *dev = "/dev/vda";
module_param(dev, charp, 0444);
MODULE_PARM_DESC(dev, "Block device to read from (default /dev/vda)");

static unsigned int order = 4;
module_param(order, uint, 0444);
MODULE_PARM_DESC(order, "Order of the copy block per completion (default 4: 64 KiB)");

static unsigned int depth = 8;
module_param(depth, uint, 0444);
MODULE_PARM_DESC(depth, "Reads in flight at a time (1-32, default 8)");

struct bad_blk_note {
	sector_t sector;
	u32 sum;
};

#if IS_ENABLED(CONFIG_BLOCK)
#include "lab_blk_reads.h"

static struct lab_blk_reads bad_blk_reads;
static atomic64_t bad_blk_completions;
static atomic64_t bad_blk_no_block;
static atomic64_t bad_blk_leaked;
static atomic64_t bad_blk_errors;

/* Runs from the driver's completion: interrupt context. */
static void bad_blk_end_io(struct bio *bio)
{
	struct page *data = bio_first_page_all(bio);
	struct bad_blk_note *note;
	struct page *block;
	unsigned int i;
	u8 *src, *buf;

	atomic64_inc(&bad_blk_completions);
	if (bio->bi_status) {
		atomic64_inc(&bad_blk_errors);
		goto out_done;
	}
	block = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, order);
	if (!block) {
		atomic64_inc(&bad_blk_no_block);
		goto out_done;
	}
	note = kmalloc(sizeof(*note), GFP_ATOMIC | __GFP_NOWARN);
	if (!note) {
		/* The bug: the block is not freed on this failure path. */
		atomic64_inc(&bad_blk_leaked);
		goto out_done;
	}
	buf = page_address(block);
	src = kmap_local_page(data);
	memcpy(buf, src, PAGE_SIZE);
	kunmap_local(src);
	note->sector = bio->bi_iter.bi_sector;
	note->sum = 0;
	for (i = 0; i < PAGE_SIZE; i++)
		note->sum += buf[i];
	kfree(note);
	__free_pages(block, order);
out_done:
	lab_blk_read_done(bio);
}

static int __init bad_blk_leak_init(void)
{
	int err;

	if (order > 4)
		return -EINVAL;
	err = lab_blk_reads_start(&bad_blk_reads, dev, depth, bad_blk_end_io,
				  "bad_blk_leak");
	if (err)
		return err;
	pr_info("%u page reads in flight on %s: an order-%u block per completion, leaked when the note cannot be allocated\n",
		depth, dev, order);
	return 0;
}

static void __exit bad_blk_leak_exit(void)
{
	lab_blk_reads_stop(&bad_blk_reads);
	pr_info("completions=%lld errors=%lld no_block=%lld leaked=%lld\n",
		(long long)atomic64_read(&bad_blk_completions),
		(long long)atomic64_read(&bad_blk_errors),
		(long long)atomic64_read(&bad_blk_no_block),
		(long long)atomic64_read(&bad_blk_leaked));
}
#else
static int __init bad_blk_leak_init(void)
{
	pr_info("kernel without CONFIG_BLOCK\n");
	return -ENODEV;
}

static void __exit bad_blk_leak_exit(void)
{
}
#endif

module_init(bad_blk_leak_init);
module_exit(bad_blk_leak_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth proof: a block completion that leaks pages when an atomic allocation fails");
