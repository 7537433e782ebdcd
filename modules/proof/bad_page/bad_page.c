// SPDX-License-Identifier: GPL-2.0
/*
 * bad_page: a broken module the suite must catch.  A timer allocates an
 * order-1 block with GFP_ATOMIC, splits it into two pages, and after
 * trigger_after ticks frees the first page as if it still were the order-1
 * block: the allocator finds the second page in use ("BUG: Bad page state
 * ... nonzero _refcount").
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/timer.h>
#include <linux/jiffies.h>
#include "lab_compat.h"

static unsigned int period_ms = 4;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "Timer period in milliseconds (default 4)");

static unsigned int trigger_after = 50;
module_param(trigger_after, uint, 0444);
MODULE_PARM_DESC(trigger_after, "Ticks before the wrong-order free (default 50)");

static struct timer_list bad_page_timer;
static unsigned long ticks;
static bool stopping;

static void bad_page_tick(struct timer_list *t)
{
	struct page *page = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 1);

	if (page) {
		split_page(page, 1);
		if (++ticks == trigger_after) {
			/* The bug: page is order-0 since split_page(). */
			__free_pages(page, 1);
			__free_pages(page + 1, 0);
		} else {
			__free_pages(page, 0);
			__free_pages(page + 1, 0);
		}
	}

	if (!READ_ONCE(stopping))
		mod_timer(t, jiffies + msecs_to_jiffies(period_ms));
}

static int __init bad_page_init(void)
{
	timer_setup(&bad_page_timer, bad_page_tick, 0);
	mod_timer(&bad_page_timer, jiffies + 1);
	pr_info("wrong-order free after %u ticks of %u ms\n",
		trigger_after, period_ms);
	return 0;
}

static void __exit bad_page_exit(void)
{
	WRITE_ONCE(stopping, true);
	lab_timer_shutdown_sync(&bad_page_timer);
}

module_init(bad_page_init);
module_exit(bad_page_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth proof: page freed with the wrong order (bad page state)");
