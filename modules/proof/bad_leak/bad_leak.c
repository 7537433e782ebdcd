// SPDX-License-Identifier: GPL-2.0
/*
 * bad_leak: a broken module the suite must catch.  A timer allocates with
 * GFP_ATOMIC on every tick and frees what it allocated, except one block
 * per tick that it forgets: the pages are never returned, not even on
 * unload (free-page drift; page_owner knows who took them).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/gfp.h>
#include <linux/timer.h>
#include <linux/jiffies.h>
#include "lab_compat.h"

static unsigned int order = 3;
module_param(order, uint, 0444);
MODULE_PARM_DESC(order, "Order of the block forgotten on each tick (default 3)");

static unsigned int period_ms = 8;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "Timer period in milliseconds (default 8)");

static struct timer_list bad_leak_timer;
static bool stopping;

static void bad_leak_tick(struct timer_list *t)
{
	struct page *kept, *lost;

	kept = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 0);
	/* The bug: this block is never freed. */
	lost = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, order);
	if (kept)
		__free_pages(kept, 0);
	(void)lost;

	if (!READ_ONCE(stopping))
		mod_timer(t, jiffies + msecs_to_jiffies(period_ms));
}

static int __init bad_leak_init(void)
{
	if (order > LAB_MAX_ORDER)
		return -EINVAL;
	timer_setup(&bad_leak_timer, bad_leak_tick, 0);
	mod_timer(&bad_leak_timer, jiffies + 1);
	pr_info("forgetting an order-%u block every %u ms\n", order, period_ms);
	return 0;
}

static void __exit bad_leak_exit(void)
{
	WRITE_ONCE(stopping, true);
	lab_timer_shutdown_sync(&bad_leak_timer);
}

module_init(bad_leak_init);
module_exit(bad_leak_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth proof: pages allocated and never freed (free-page drift)");
