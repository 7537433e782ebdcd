// SPDX-License-Identifier: GPL-2.0
/*
 * bad_slab_leak: a broken module the suite must catch.  A timer (softirq)
 * builds a receive descriptor on every tick: a small kmalloc'd descriptor,
 * then an order-N page buffer for it.  When the page allocation fails, the
 * descriptor is dropped without being freed.  Only a few hundred bytes go
 * per failure, far below a free-page tolerance: kmemleak finds them.
 * Correct as long as every allocation succeeds.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/jiffies.h>
#include <linux/atomic.h>
#include "lab_compat.h"

static unsigned int order = 3;
module_param(order, uint, 0444);
MODULE_PARM_DESC(order, "Order of the page buffer behind each descriptor (default 3)");

static unsigned int period_ms = 4;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "Timer period in milliseconds (default 4)");

struct bad_slab_leak_desc {
	struct page *page;
	unsigned int order;
	u32 cookie;
};

static struct timer_list bad_slab_leak_timer;
static atomic_long_t dropped;
static bool stopping;

static struct bad_slab_leak_desc *bad_slab_leak_build(void)
{
	struct bad_slab_leak_desc *desc;

	desc = kmalloc(sizeof(*desc), GFP_ATOMIC | __GFP_NOWARN);
	if (!desc)
		return NULL;
	desc->order = order;
	desc->cookie = 0x5a5a5a5a;
	desc->page = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, order);
	if (!desc->page) {
		atomic_long_inc(&dropped);
		/* The bug: desc is never freed on this path. */
		return NULL;
	}
	return desc;
}

static void bad_slab_leak_tick(struct timer_list *t)
{
	struct bad_slab_leak_desc *desc = bad_slab_leak_build();

	if (desc) {
		__free_pages(desc->page, desc->order);
		kfree(desc);
	}
	if (!READ_ONCE(stopping))
		mod_timer(t, jiffies + msecs_to_jiffies(period_ms));
}

static int __init bad_slab_leak_init(void)
{
	if (order > LAB_MAX_ORDER || !period_ms)
		return -EINVAL;
	timer_setup(&bad_slab_leak_timer, bad_slab_leak_tick, 0);
	mod_timer(&bad_slab_leak_timer, jiffies + 1);
	pr_info("descriptor plus order-%u buffer every %u ms\n", order, period_ms);
	return 0;
}

static void __exit bad_slab_leak_exit(void)
{
	WRITE_ONCE(stopping, true);
	lab_timer_shutdown_sync(&bad_slab_leak_timer);
	pr_info("dropped=%ld\n", atomic_long_read(&dropped));
}

module_init(bad_slab_leak_init);
module_exit(bad_slab_leak_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth proof: descriptor leaked when the page allocation after it fails (kmemleak)");
