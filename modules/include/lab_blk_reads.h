/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The load of the proof modules on the block completion path: a kthread
 * keeps a number of page-sized reads in flight on a block device, round
 * after round, and each read's bi_end_io (the module's, called from the
 * driver's completion: virtio-blk's virtqueue interrupt) ends with
 * lab_blk_read_done().  One instance a module.
 */
#ifndef LAB_BLK_READS_H
#define LAB_BLK_READS_H

#include <linux/atomic.h>
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/printk.h>

#define LAB_BLK_MAX_DEPTH 32

struct lab_blk_reads {
	struct file *file;
	struct task_struct *thread;
	struct page *pages[LAB_BLK_MAX_DEPTH];
	unsigned int depth;
	bio_end_io_t *end_io;
	struct completion round;
	atomic_t pending;
};

/* The end of a read's bi_end_io: puts the bio, ends the round. */
static inline void lab_blk_read_done(struct bio *bio)
{
	struct lab_blk_reads *r = bio->bi_private;

	bio_put(bio);
	if (atomic_dec_and_test(&r->pending))
		complete(&r->round);
}

static inline void lab_blk_submit(struct lab_blk_reads *r,
				  struct block_device *bdev, unsigned int slot,
				  sector_t sector)
{
	struct bio *bio;

	/* GFP_NOIO may sleep: bio_alloc then never fails (mempool). */
	bio = bio_alloc(bdev, 1, REQ_OP_READ, GFP_NOIO);
	bio->bi_iter.bi_sector = sector;
	__bio_add_page(bio, r->pages[slot], PAGE_SIZE, 0);
	bio->bi_end_io = r->end_io;
	bio->bi_private = r;
	submit_bio(bio);
}

static inline int lab_blk_reads_fn(void *arg)
{
	struct lab_blk_reads *r = arg;
	struct block_device *bdev = file_bdev(r->file);
	sector_t pages = bdev_nr_sectors(bdev) >> (PAGE_SHIFT - SECTOR_SHIFT);
	sector_t next = 0;
	unsigned int i;

	while (!kthread_should_stop()) {
		reinit_completion(&r->round);
		atomic_set(&r->pending, r->depth);
		for (i = 0; i < r->depth; i++) {
			lab_blk_submit(r, bdev, i, next << (PAGE_SHIFT - SECTOR_SHIFT));
			if (++next >= pages)
				next = 0;
		}
		wait_for_completion(&r->round);
		cond_resched();
	}
	return 0;
}

static inline void lab_blk_free_pages(struct lab_blk_reads *r)
{
	unsigned int i;

	for (i = 0; i < r->depth; i++) {
		if (r->pages[i])
			__free_page(r->pages[i]);
		r->pages[i] = NULL;
	}
}

/*
 * lab_blk_reads_start: open @dev for reading and start the kthread
 * @name with @depth (1..LAB_BLK_MAX_DEPTH) reads in flight, each ending
 * in @end_io.
 */
static inline int lab_blk_reads_start(struct lab_blk_reads *r, const char *dev,
				      unsigned int depth, bio_end_io_t *end_io,
				      const char *name)
{
	unsigned int i;
	int err;

	if (!depth || depth > LAB_BLK_MAX_DEPTH)
		return -EINVAL;
	r->depth = depth;
	r->end_io = end_io;
	init_completion(&r->round);
	r->file = bdev_file_open_by_path(dev, BLK_OPEN_READ, NULL, NULL);
	if (IS_ERR(r->file)) {
		pr_err("cannot open %s: %ld\n", dev, PTR_ERR(r->file));
		return PTR_ERR(r->file);
	}
	if (bdev_nr_sectors(file_bdev(r->file)) < (PAGE_SIZE >> SECTOR_SHIFT)) {
		err = -ENOSPC;
		goto out_put_file;
	}
	for (i = 0; i < depth; i++) {
		r->pages[i] = alloc_page(GFP_KERNEL);
		if (!r->pages[i]) {
			err = -ENOMEM;
			goto out_free_pages;
		}
	}
	r->thread = kthread_run(lab_blk_reads_fn, r, "%s", name);
	if (IS_ERR(r->thread)) {
		err = PTR_ERR(r->thread);
		goto out_free_pages;
	}
	return 0;

out_free_pages:
	lab_blk_free_pages(r);
out_put_file:
	fput(r->file);
	return err;
}

static inline void lab_blk_reads_stop(struct lab_blk_reads *r)
{
	/* The thread returns only once its last round has completed. */
	kthread_stop(r->thread);
	lab_blk_free_pages(r);
	fput(r->file);
}

#endif
