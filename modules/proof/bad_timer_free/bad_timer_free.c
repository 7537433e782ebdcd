// SPDX-License-Identifier: GPL-2.0
/*
 * bad_timer_free: a broken module the suite must catch.  A timer (softirq)
 * submits one request per tick: a kmalloc'd request with its own timeout
 * timer, armed before the request's page buffer is allocated.  A request
 * that gets its buffer completes at once and its timeout is deleted; when
 * the page allocation fails, the request is freed with its timeout still
 * pending.  debugobjects (DEBUG_OBJECTS_TIMERS, DEBUG_OBJECTS_FREE) reports
 * the free of an active timer_list, its hint naming the timeout callback;
 * without it the timer later fires from freed memory.  Correct as long as
 * every allocation succeeds.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/jiffies.h>
#include <linux/atomic.h>
#include "lab_compat.h"

static unsigned int order = 1;
module_param(order, uint, 0444);
MODULE_PARM_DESC(order, "Order of each request's page buffer (default 1)");

static unsigned int period_ms = 4;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "Timer period in milliseconds (default 4)");

struct bad_timer_free_req {
	struct timer_list timeout;
	struct page *page;
};

static struct timer_list bad_timer_free_timer;
static atomic_long_t served, failed, timeouts;
static bool stopping;

static void bad_timer_free_timeout(struct timer_list *t)
{
	struct bad_timer_free_req *req;

	req = lab_timer_container_of(req, t, timeout);
	atomic_long_inc(&timeouts);
	pr_warn_ratelimited("request %p timed out\n", req);
}

static void bad_timer_free_submit(void)
{
	struct bad_timer_free_req *req;

	req = kmalloc(sizeof(*req), GFP_ATOMIC | __GFP_NOWARN);
	if (!req)
		return;
	timer_setup(&req->timeout, bad_timer_free_timeout, 0);
	mod_timer(&req->timeout, jiffies + HZ);
	req->page = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, order);
	if (!req->page) {
		atomic_long_inc(&failed);
		/* The bug: the timeout is still pending. */
		kfree(req);
		return;
	}
	atomic_long_inc(&served);
	del_timer_sync(&req->timeout);
	__free_pages(req->page, order);
	kfree(req);
}

static void bad_timer_free_tick(struct timer_list *t)
{
	bad_timer_free_submit();
	if (!READ_ONCE(stopping))
		mod_timer(t, jiffies + msecs_to_jiffies(period_ms));
}

static int __init bad_timer_free_init(void)
{
	if (order > LAB_MAX_ORDER || !period_ms)
		return -EINVAL;
	timer_setup(&bad_timer_free_timer, bad_timer_free_tick, 0);
	mod_timer(&bad_timer_free_timer, jiffies + 1);
	pr_info("one request with a 1 s timeout every %u ms, order-%u buffer\n",
		period_ms, order);
	return 0;
}

static void __exit bad_timer_free_exit(void)
{
	WRITE_ONCE(stopping, true);
	lab_timer_shutdown_sync(&bad_timer_free_timer);
	pr_info("served=%ld failed=%ld timeouts=%ld\n",
		atomic_long_read(&served), atomic_long_read(&failed),
		atomic_long_read(&timeouts));
}

module_init(bad_timer_free_init);
module_exit(bad_timer_free_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth proof: request freed with its timeout timer still pending (debugobjects)");
