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
#include <linux/kthread.h>
#include <linux/completion.h>
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/err.h>

static char *dev = "/dev/vda";
module_param(dev, charp, 0444);
MODULE_PARM_DESC(dev, "Block device to read from (default /dev/vda)");

static unsigned int order = 4;
module_param(order, uint, 0444);
MODULE_PARM_DESC(order, "Order of the copy block per completion (default 4: 64 KiB)");

static unsigned int depth = 8;
module_param(depth, uint, 0444);
MODULE_PARM_DESC(depth, "Reads in flight at a time (1-32, default 8)");

#define BAD_BLK_MAX_DEPTH 32

struct bad_blk_note {
	sector_t sector;
	u32 sum;
};

#if IS_ENABLED(CONFIG_BLOCK)
#include <linux/blkdev.h>
#include <linux/bio.h>

static struct file *bad_blk_file;
static struct task_struct *bad_blk_thread;
static struct page *bad_blk_pages[BAD_BLK_MAX_DEPTH];
static DECLARE_COMPLETION(bad_blk_round);
static atomic_t bad_blk_pending;
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
		goto out_put;
	}
	block = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, order);
	if (!block) {
		atomic64_inc(&bad_blk_no_block);
		goto out_put;
	}
	note = kmalloc(sizeof(*note), GFP_ATOMIC | __GFP_NOWARN);
	if (!note) {
		/* The bug: the block is not freed on this failure path. */
		atomic64_inc(&bad_blk_leaked);
		goto out_put;
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
out_put:
	bio_put(bio);
	if (atomic_dec_and_test(&bad_blk_pending))
		complete(&bad_blk_round);
}

static void bad_blk_submit(struct block_device *bdev, unsigned int slot,
			   sector_t sector)
{
	struct bio *bio;

	/* GFP_NOIO may sleep: bio_alloc then never fails (mempool). */
	bio = bio_alloc(bdev, 1, REQ_OP_READ, GFP_NOIO);
	bio->bi_iter.bi_sector = sector;
	__bio_add_page(bio, bad_blk_pages[slot], PAGE_SIZE, 0);
	bio->bi_end_io = bad_blk_end_io;
	submit_bio(bio);
}

static int bad_blk_fn(void *unused)
{
	struct block_device *bdev = file_bdev(bad_blk_file);
	sector_t pages = bdev_nr_sectors(bdev) >> (PAGE_SHIFT - SECTOR_SHIFT);
	sector_t next = 0;
	unsigned int i;

	while (!kthread_should_stop()) {
		reinit_completion(&bad_blk_round);
		atomic_set(&bad_blk_pending, depth);
		for (i = 0; i < depth; i++) {
			bad_blk_submit(bdev, i, next << (PAGE_SHIFT - SECTOR_SHIFT));
			if (++next >= pages)
				next = 0;
		}
		wait_for_completion(&bad_blk_round);
		cond_resched();
	}
	return 0;
}

static void bad_blk_free_pages(void)
{
	unsigned int i;

	for (i = 0; i < depth; i++) {
		if (bad_blk_pages[i])
			__free_page(bad_blk_pages[i]);
		bad_blk_pages[i] = NULL;
	}
}

static int __init bad_blk_leak_init(void)
{
	unsigned int i;
	int err;

	if (order > 4 || !depth || depth > BAD_BLK_MAX_DEPTH)
		return -EINVAL;
	bad_blk_file = bdev_file_open_by_path(dev, BLK_OPEN_READ, NULL, NULL);
	if (IS_ERR(bad_blk_file)) {
		pr_err("cannot open %s: %ld\n", dev, PTR_ERR(bad_blk_file));
		return PTR_ERR(bad_blk_file);
	}
	if (bdev_nr_sectors(file_bdev(bad_blk_file)) < (PAGE_SIZE >> SECTOR_SHIFT)) {
		err = -ENOSPC;
		goto out_put_file;
	}
	for (i = 0; i < depth; i++) {
		bad_blk_pages[i] = alloc_page(GFP_KERNEL);
		if (!bad_blk_pages[i]) {
			err = -ENOMEM;
			goto out_free_pages;
		}
	}
	bad_blk_thread = kthread_run(bad_blk_fn, NULL, "bad_blk_leak");
	if (IS_ERR(bad_blk_thread)) {
		err = PTR_ERR(bad_blk_thread);
		goto out_free_pages;
	}
	pr_info("%u page reads in flight on %s: an order-%u block per completion, leaked when the note cannot be allocated\n",
		depth, dev, order);
	return 0;

out_free_pages:
	bad_blk_free_pages();
out_put_file:
	fput(bad_blk_file);
	return err;
}

static void __exit bad_blk_leak_exit(void)
{
	/* The thread returns only once its last round has completed. */
	kthread_stop(bad_blk_thread);
	bad_blk_free_pages();
	fput(bad_blk_file);
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
