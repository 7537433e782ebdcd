// SPDX-License-Identifier: GPL-2.0
/*
 * bad_null: a broken module the suite must catch.  A timer allocates pages
 * with GFP_ATOMIC and writes to them without checking for failure, so the
 * first failed allocation (injected or natural) is a NULL pointer
 * dereference in softirq context: an oops, and a panic.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/gfp.h>
#include <linux/timer.h>
#include <linux/jiffies.h>
#include "lab_compat.h"

static unsigned int order = 2;
module_param(order, uint, 0444);
MODULE_PARM_DESC(order, "Page order allocated on each tick (default 2)");

static unsigned int period_ms = 4;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "Timer period in milliseconds (default 4)");

static struct timer_list bad_null_timer;
static bool stopping;

static void bad_null_tick(struct timer_list *t)
{
	unsigned long addr;

	addr = __get_free_pages(GFP_ATOMIC | __GFP_NOWARN, order);
	/* The bug: no check for failure before the write. */
	*(unsigned long *)addr = jiffies;
	free_pages(addr, order);

	if (!READ_ONCE(stopping))
		mod_timer(t, jiffies + msecs_to_jiffies(period_ms));
}

static int __init bad_null_init(void)
{
	if (order > LAB_MAX_ORDER)
		return -EINVAL;
	timer_setup(&bad_null_timer, bad_null_tick, 0);
	mod_timer(&bad_null_timer, jiffies + 1);
	pr_info("allocating order-%u pages every %u ms, unchecked\n",
		order, period_ms);
	return 0;
}

static void __exit bad_null_exit(void)
{
	WRITE_ONCE(stopping, true);
	lab_timer_shutdown_sync(&bad_null_timer);
}

module_init(bad_null_init);
module_exit(bad_null_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth proof: NULL dereference after a failed GFP_ATOMIC allocation");
