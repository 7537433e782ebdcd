// SPDX-License-Identifier: GPL-2.0
/*
 * bad_uaf: a broken module the suite must catch.  A tasklet (softirq),
 * scheduled by a timer, serves one request per run: a kmalloc'd request
 * gets a page buffer, is filled and completed.  When the page allocation
 * fails, the error path frees the request and then records the error in
 * it: a write after free.  Nothing crashes; KFENCE (a sampled request) or
 * SLUB poisoning (slub_debug=P, on the kmalloc caches) sees the write.
 * With own_cache=1 the requests come from the module's own kmem_cache,
 * which the suite's slub_debug list leaves alone: only KFENCE sees it.
 * Correct as long as every allocation succeeds.
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

static bool own_cache;
module_param(own_cache, bool, 0444);
MODULE_PARM_DESC(own_cache, "Take requests from the module's own kmem_cache instead of kmalloc (default N)");

static unsigned int period_ms = 1;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "Period of the timer that schedules the tasklet in milliseconds (default 1)");

struct bad_uaf_req {
	struct page *page;
	int status;
	u32 len;
	u8 payload[40];
};

static struct timer_list bad_uaf_timer;
static struct tasklet_struct bad_uaf_tasklet;
static struct kmem_cache *bad_uaf_cache;
static atomic_long_t served, failed;
static bool stopping;

static void bad_uaf_complete(struct bad_uaf_req *req, int status)
{
	req->status = status;
	if (status)
		atomic_long_inc(&failed);
	else
		atomic_long_inc(&served);
}

static struct bad_uaf_req *bad_uaf_alloc(void)
{
	if (bad_uaf_cache)
		return kmem_cache_alloc(bad_uaf_cache, GFP_ATOMIC | __GFP_NOWARN);
	return kmalloc(sizeof(struct bad_uaf_req), GFP_ATOMIC | __GFP_NOWARN);
}

static void bad_uaf_free(struct bad_uaf_req *req)
{
	if (bad_uaf_cache)
		kmem_cache_free(bad_uaf_cache, req);
	else
		kfree(req);
}

static void bad_uaf_serve(struct tasklet_struct *t)
{
	struct bad_uaf_req *req;

	req = bad_uaf_alloc();
	if (!req)
		return;
	req->len = sizeof(req->payload);
	req->page = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, order);
	if (!req->page) {
		bad_uaf_free(req);
		/* The bug: the request is completed after it was freed. */
		bad_uaf_complete(req, -ENOMEM);
		return;
	}
	memset(page_address(req->page), 0x5a, PAGE_SIZE);
	bad_uaf_complete(req, 0);
	__free_pages(req->page, order);
	bad_uaf_free(req);
}

static void bad_uaf_tick(struct timer_list *t)
{
	tasklet_schedule(&bad_uaf_tasklet);
	if (!READ_ONCE(stopping))
		mod_timer(t, jiffies + msecs_to_jiffies(period_ms));
}

static int __init bad_uaf_init(void)
{
	if (order > LAB_MAX_ORDER || !period_ms)
		return -EINVAL;
	if (own_cache) {
		bad_uaf_cache = KMEM_CACHE(bad_uaf_req, 0);
		if (!bad_uaf_cache)
			return -ENOMEM;
	}
	tasklet_setup(&bad_uaf_tasklet, bad_uaf_serve);
	timer_setup(&bad_uaf_timer, bad_uaf_tick, 0);
	mod_timer(&bad_uaf_timer, jiffies + 1);
	pr_info("one request every %u ms, order-%u buffer\n", period_ms, order);
	return 0;
}

static void __exit bad_uaf_exit(void)
{
	WRITE_ONCE(stopping, true);
	lab_timer_shutdown_sync(&bad_uaf_timer);
	tasklet_kill(&bad_uaf_tasklet);
	kmem_cache_destroy(bad_uaf_cache);
	pr_info("served=%ld failed=%ld\n", atomic_long_read(&served),
		atomic_long_read(&failed));
}

module_init(bad_uaf_init);
module_exit(bad_uaf_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth proof: request written to after its error path freed it (use after free)");
