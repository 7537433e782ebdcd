// SPDX-License-Identifier: GPL-2.0
/*
 * bad_livelock: a broken module the suite must catch.  A timer (softirq)
 * refills a small receive ring with order-N buffers and, when an
 * allocation fails, retries it at once until it works.  While order-N
 * allocations keep failing (fault injection, fragmentation) the CPU never
 * leaves softirq: the soft-lockup detector and the RCU stall detector see
 * it.  So that the guest lives on to report it, the loop gives up after
 * give_up_s seconds and the ring is then left alone (0: never gives up; the
 * CPU stays in softirq for as long as allocations fail, and whatever task
 * it interrupted with it).  Correct as long as every allocation succeeds.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/gfp.h>
#include <linux/timer.h>
#include <linux/jiffies.h>
#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include "lab_compat.h"

#define BAD_LIVELOCK_SLOTS	8

static unsigned int order = 3;
module_param(order, uint, 0444);
MODULE_PARM_DESC(order, "Order of the ring's buffers (default 3)");

static unsigned int period_ms = 4;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "Timer period in milliseconds (default 4)");

static unsigned int give_up_s = 15;
module_param(give_up_s, uint, 0444);
MODULE_PARM_DESC(give_up_s, "Seconds one refill retries before the ring is abandoned, 0 = never (default 15)");

static struct timer_list bad_livelock_timer;
static struct page *ring[BAD_LIVELOCK_SLOTS];
static atomic_long_t refills, retries;
static bool stopping, abandoned;

static struct page *bad_livelock_alloc(void)
{
	u64 until = ktime_get_mono_fast_ns() + (u64)give_up_s * NSEC_PER_SEC;
	struct page *page;

	/* The bug: retried in softirq until the allocator gives in. */
	while (!(page = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, order))) {
		atomic_long_inc(&retries);
		if (READ_ONCE(stopping))
			break;
		if (give_up_s && ktime_get_mono_fast_ns() > until) {
			abandoned = true;
			break;
		}
	}
	return page;
}

static void bad_livelock_tick(struct timer_list *t)
{
	unsigned int i;

	for (i = 0; i < BAD_LIVELOCK_SLOTS && !abandoned; i++) {
		/* Deliver the old buffer, refill the slot. */
		if (ring[i])
			__free_pages(ring[i], order);
		ring[i] = bad_livelock_alloc();
		atomic_long_inc(&refills);
	}
	if (abandoned) {
		pr_warn("refill retried for %u s, ring abandoned\n", give_up_s);
		return;
	}
	if (!READ_ONCE(stopping))
		mod_timer(t, jiffies + msecs_to_jiffies(period_ms));
}

static int __init bad_livelock_init(void)
{
	if (order > LAB_MAX_ORDER || !period_ms)
		return -EINVAL;
	timer_setup(&bad_livelock_timer, bad_livelock_tick, 0);
	mod_timer(&bad_livelock_timer, jiffies + 1);
	pr_info("refilling %d order-%u slots every %u ms\n", BAD_LIVELOCK_SLOTS,
		order, period_ms);
	return 0;
}

static void __exit bad_livelock_exit(void)
{
	unsigned int i;

	WRITE_ONCE(stopping, true);
	lab_timer_shutdown_sync(&bad_livelock_timer);
	for (i = 0; i < BAD_LIVELOCK_SLOTS; i++) {
		if (ring[i])
			__free_pages(ring[i], order);
		ring[i] = NULL;
	}
	pr_info("refills=%ld retries=%ld\n", atomic_long_read(&refills),
		atomic_long_read(&retries));
}

module_init(bad_livelock_init);
module_exit(bad_livelock_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth proof: softirq retries a high-order GFP_ATOMIC allocation until it works (livelock)");
