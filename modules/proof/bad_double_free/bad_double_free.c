// SPDX-License-Identifier: GPL-2.0
/*
 * bad_double_free: a broken module the suite must catch.  A tasklet
 * (softirq), scheduled by a timer, sets up one request per run: a
 * kmalloc'd request and a page buffer for it.  When the page allocation
 * fails, the helper frees the request and so does its caller: a double
 * free.  SLUB's free checks (slub_debug=F) or KFENCE (a sampled request)
 * report it.  Correct as long as every allocation succeeds.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/atomic.h>
#include "lab_compat.h"

static unsigned int order;
module_param(order, uint, 0444);
MODULE_PARM_DESC(order, "Order of each request's page buffer (default 0)");

static unsigned int period_ms = 2;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "Period of the timer that schedules the tasklet in milliseconds (default 2)");

struct bad_double_free_req {
	struct page *page;
	u32 len;
	u8 payload[52];
};

static struct timer_list bad_double_free_timer;
static struct tasklet_struct bad_double_free_tasklet;
static atomic_long_t served, failed;
static bool stopping;

static int bad_double_free_fill(struct bad_double_free_req *req)
{
	req->page = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, order);
	if (!req->page) {
		/* The bug: the caller frees the request as well. */
		kfree(req);
		return -ENOMEM;
	}
	req->len = PAGE_SIZE << order;
	memset(page_address(req->page), 0x5a, req->len);
	return 0;
}

static void bad_double_free_serve(struct tasklet_struct *t)
{
	struct bad_double_free_req *req;

	req = kmalloc(sizeof(*req), GFP_ATOMIC | __GFP_NOWARN);
	if (!req)
		return;
	if (bad_double_free_fill(req)) {
		atomic_long_inc(&failed);
		kfree(req);
		return;
	}
	atomic_long_inc(&served);
	__free_pages(req->page, order);
	kfree(req);
}

static void bad_double_free_tick(struct timer_list *t)
{
	tasklet_schedule(&bad_double_free_tasklet);
	if (!READ_ONCE(stopping))
		mod_timer(t, jiffies + msecs_to_jiffies(period_ms));
}

static int __init bad_double_free_init(void)
{
	if (order > LAB_MAX_ORDER || !period_ms)
		return -EINVAL;
	tasklet_setup(&bad_double_free_tasklet, bad_double_free_serve);
	timer_setup(&bad_double_free_timer, bad_double_free_tick, 0);
	mod_timer(&bad_double_free_timer, jiffies + 1);
	pr_info("one request every %u ms, order-%u buffer\n", period_ms, order);
	return 0;
}

static void __exit bad_double_free_exit(void)
{
	WRITE_ONCE(stopping, true);
	lab_timer_shutdown_sync(&bad_double_free_timer);
	tasklet_kill(&bad_double_free_tasklet);
	pr_info("served=%ld failed=%ld\n", atomic_long_read(&served),
		atomic_long_read(&failed));
}

module_init(bad_double_free_init);
module_exit(bad_double_free_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth proof: request freed twice on the failure path (double free)");
