// SPDX-License-Identifier: GPL-2.0
/*
 * good_atomic: a correct module the suite must pass.  A timer (softirq) and
 * an hrtimer (hardirq) allocate pages and a small object with GFP_ATOMIC,
 * check every result, count the failures and free what they got.  Under
 * any fault profile it must survive, leak nothing and unload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/jiffies.h>
#include <linux/atomic.h>
#include "lab_compat.h"

static unsigned int max_order = 3;
module_param(max_order, uint, 0444);
MODULE_PARM_DESC(max_order, "Highest page order allocated (default 3)");

static unsigned int period_ms = 4;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "Period of both timers in milliseconds (default 4)");

static struct timer_list good_timer;
static struct hrtimer good_hrtimer;
static atomic_long_t attempts, failures;
static bool stopping;

static void good_atomic_cycle(unsigned int order)
{
	struct page *page;
	void *obj;

	atomic_long_add(2, &attempts);
	page = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, order);
	if (page) {
		memset(page_address(page), 0x5a, PAGE_SIZE);
		__free_pages(page, order);
	} else {
		atomic_long_inc(&failures);
	}
	obj = kmalloc(128, GFP_ATOMIC | __GFP_NOWARN);
	if (!obj)
		atomic_long_inc(&failures);
	kfree(obj);
}

static void good_atomic_tick(struct timer_list *t)
{
	static unsigned int order;

	good_atomic_cycle(order);
	order = order < max_order ? order + 1 : 0;
	if (!READ_ONCE(stopping))
		mod_timer(t, jiffies + msecs_to_jiffies(period_ms));
}

static enum hrtimer_restart good_atomic_hrtick(struct hrtimer *t)
{
	good_atomic_cycle(0);
	if (READ_ONCE(stopping))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ms_to_ktime(period_ms));
	return HRTIMER_RESTART;
}

static int __init good_atomic_init(void)
{
	if (max_order > LAB_MAX_ORDER || !period_ms)
		return -EINVAL;
	timer_setup(&good_timer, good_atomic_tick, 0);
	lab_hrtimer_setup(&good_hrtimer, good_atomic_hrtick, CLOCK_MONOTONIC,
			  HRTIMER_MODE_REL);
	mod_timer(&good_timer, jiffies + 1);
	hrtimer_start(&good_hrtimer, ms_to_ktime(period_ms), HRTIMER_MODE_REL);
	pr_info("allocating orders 0-%u every %u ms, failures handled\n",
		max_order, period_ms);
	return 0;
}

static void __exit good_atomic_exit(void)
{
	WRITE_ONCE(stopping, true);
	hrtimer_cancel(&good_hrtimer);
	lab_timer_shutdown_sync(&good_timer);
	pr_info("attempts=%ld failures=%ld\n", atomic_long_read(&attempts),
		atomic_long_read(&failures));
}

module_init(good_atomic_init);
module_exit(good_atomic_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth proof: GFP_ATOMIC allocations with failures handled");
