// SPDX-License-Identifier: GPL-2.0
/*
 * bad_list: a broken module the suite must catch.  A timer (softirq)
 * queues one request per tick on a pending list, then gives it a page
 * buffer; a request that gets one completes at once and leaves the list.
 * When the page allocation fails, the error path takes the request off
 * the list and the common exit takes it off again: a list_del of an entry
 * already deleted.  DEBUG_LIST sees the poisoned pointers and, with
 * BUG_ON_DATA_CORRUPTION, stops the kernel there instead of letting the
 * list go bad.  Correct as long as every allocation succeeds.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/list.h>
#include <linux/spinlock.h>
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

struct bad_list_req {
	struct list_head node;
	struct page *page;
};

static LIST_HEAD(pending);
static DEFINE_SPINLOCK(pending_lock);
static struct timer_list bad_list_timer;
static atomic_long_t served, failed;
static bool stopping;

static void bad_list_submit(void)
{
	struct bad_list_req *req;

	req = kmalloc(sizeof(*req), GFP_ATOMIC | __GFP_NOWARN);
	if (!req)
		return;
	spin_lock(&pending_lock);
	list_add_tail(&req->node, &pending);
	spin_unlock(&pending_lock);
	req->page = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, order);
	if (!req->page) {
		atomic_long_inc(&failed);
		spin_lock(&pending_lock);
		list_del(&req->node);
		spin_unlock(&pending_lock);
	} else {
		atomic_long_inc(&served);
		__free_pages(req->page, order);
	}
	/* The bug: on the error path the request is off the list already. */
	spin_lock(&pending_lock);
	list_del(&req->node);
	spin_unlock(&pending_lock);
	kfree(req);
}

static void bad_list_tick(struct timer_list *t)
{
	bad_list_submit();
	if (!READ_ONCE(stopping))
		mod_timer(t, jiffies + msecs_to_jiffies(period_ms));
}

static int __init bad_list_init(void)
{
	if (order > LAB_MAX_ORDER || !period_ms)
		return -EINVAL;
	timer_setup(&bad_list_timer, bad_list_tick, 0);
	mod_timer(&bad_list_timer, jiffies + 1);
	pr_info("one request every %u ms, order-%u buffer\n", period_ms, order);
	return 0;
}

static void __exit bad_list_exit(void)
{
	WRITE_ONCE(stopping, true);
	lab_timer_shutdown_sync(&bad_list_timer);
	pr_info("served=%ld failed=%ld\n", atomic_long_read(&served),
		atomic_long_read(&failed));
}

module_init(bad_list_init);
module_exit(bad_list_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth proof: list entry deleted twice on the failure path (list corruption)");
