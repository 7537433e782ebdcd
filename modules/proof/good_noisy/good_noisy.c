// SPDX-License-Identifier: GPL-2.0
/*
 * good_noisy: a correct module the suite must pass, although it makes the
 * console noisy.  A timer takes every free block of a high order with
 * GFP_ATOMIC and no __GFP_NOWARN until the allocator says no ("page
 * allocation failure" warnings), then gives them all back, and starts over
 * after a period.  The work is spread over ticks of at most "batch" blocks
 * taken or freed, as a driver refilling a ring would: freeing hundreds of
 * 2 MiB blocks in one softirq (each checked by debug objects) takes
 * seconds under TCG.  The failures are natural, handled, and nothing
 * leaks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/timer.h>
#include <linux/jiffies.h>
#include "lab_compat.h"

static unsigned int order = 9;
module_param(order, uint, 0444);
MODULE_PARM_DESC(order, "Order of the blocks taken (default 9)");

static unsigned int period_ms = 500;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "Timer period in milliseconds (default 500)");

static unsigned int max_blocks = 4096;
module_param(max_blocks, uint, 0444);
MODULE_PARM_DESC(max_blocks, "Most blocks held at once (default 4096)");

static unsigned int batch = 16;
module_param(batch, uint, 0444);
MODULE_PARM_DESC(batch, "Most blocks taken or freed per tick (default 16)");

static struct timer_list good_noisy_timer;
static unsigned long rounds, failed_rounds;
static bool stopping;
/* Blocks held, and whether the round is giving them back. */
static LIST_HEAD(held);
static unsigned int nheld;
static bool giving_back;

/* give_back: free up to @n held blocks; true when none is left. */
static bool give_back(unsigned int n)
{
	struct page *page;

	while (n-- && !list_empty(&held)) {
		page = list_first_entry(&held, struct page, lru);
		list_del(&page->lru);
		__free_pages(page, order);
		nheld--;
	}
	return list_empty(&held);
}

static void good_noisy_tick(struct timer_list *t)
{
	unsigned long next = 1;
	struct page *page;
	unsigned int n;

	if (giving_back) {
		if (give_back(batch)) {
			giving_back = false;
			rounds++;
			next = msecs_to_jiffies(period_ms);
		}
	} else {
		/* Take blocks until one fails; that failure is warned about. */
		for (n = 0; n < batch; n++) {
			if (nheld >= max_blocks) {
				giving_back = true;
				break;
			}
			page = alloc_pages(GFP_ATOMIC, order);
			if (!page) {
				failed_rounds++;
				giving_back = true;
				break;
			}
			list_add(&page->lru, &held);
			nheld++;
		}
	}

	if (!READ_ONCE(stopping))
		mod_timer(t, jiffies + next);
}

static int __init good_noisy_init(void)
{
	if (order > LAB_MAX_ORDER || !batch)
		return -EINVAL;
	timer_setup(&good_noisy_timer, good_noisy_tick, 0);
	mod_timer(&good_noisy_timer, jiffies + 1);
	pr_info("taking order-%u blocks until failure every %u ms\n",
		order, period_ms);
	return 0;
}

static void __exit good_noisy_exit(void)
{
	WRITE_ONCE(stopping, true);
	lab_timer_shutdown_sync(&good_noisy_timer);
	give_back(UINT_MAX);
	pr_info("rounds=%lu failed_rounds=%lu\n", rounds, failed_rounds);
}

module_init(good_noisy_init);
module_exit(good_noisy_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth proof: high-order GFP_ATOMIC without __GFP_NOWARN (noisy but correct)");
