// SPDX-License-Identifier: GPL-2.0
/*
 * bad_sleep: a broken module the suite must catch.  A timer allocates pages
 * with GFP_ATOMIC, but every few ticks its "refill" path uses GFP_KERNEL,
 * an allocation that may sleep, from softirq context: "BUG: sleeping
 * function called from invalid context".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/gfp.h>
#include <linux/timer.h>
#include <linux/jiffies.h>
#include "lab_compat.h"

static unsigned int period_ms = 4;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "Timer period in milliseconds (default 4)");

static unsigned int refill_every = 25;
module_param(refill_every, uint, 0444);
MODULE_PARM_DESC(refill_every, "Ticks between two GFP_KERNEL refills (default 25)");

static struct timer_list bad_sleep_timer;
static unsigned long ticks;
static bool stopping;

static void bad_sleep_refill(void)
{
	struct page *page;

	/* The bug: GFP_KERNEL may sleep, and this runs in softirq context. */
	page = alloc_pages(GFP_KERNEL, 0);
	if (page)
		__free_pages(page, 0);
}

static void bad_sleep_tick(struct timer_list *t)
{
	struct page *page;

	page = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 1);
	if (page)
		__free_pages(page, 1);
	if (refill_every && ++ticks % refill_every == 0)
		bad_sleep_refill();

	if (!READ_ONCE(stopping))
		mod_timer(t, jiffies + msecs_to_jiffies(period_ms));
}

static int __init bad_sleep_init(void)
{
	timer_setup(&bad_sleep_timer, bad_sleep_tick, 0);
	mod_timer(&bad_sleep_timer, jiffies + 1);
	pr_info("timer every %u ms, GFP_KERNEL refill every %u ticks\n",
		period_ms, refill_every);
	return 0;
}

static void __exit bad_sleep_exit(void)
{
	WRITE_ONCE(stopping, true);
	lab_timer_shutdown_sync(&bad_sleep_timer);
}

module_init(bad_sleep_init);
module_exit(bad_sleep_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth proof: GFP_KERNEL allocation from a timer (sleep in atomic context)");
