// SPDX-License-Identifier: GPL-2.0
/*
 * bad_init_leak: a broken module the suite must catch on its load path.
 * Its init allocates a device context, then a ring of descriptors, then a
 * page for the ring's buffers.  When the ring's allocation fails, init
 * returns -ENOMEM without freeing the context: a load that fails leaks
 * it (kmemleak).  The other error paths unwind correctly, and the module
 * works when every allocation succeeds.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/gfp.h>
#include <linux/slab.h>

static unsigned int slots = 64;
module_param(slots, uint, 0444);
MODULE_PARM_DESC(slots, "Descriptors in the ring (default 64)");

struct bad_init_leak_desc {
	u64 addr;
	u32 len;
	u32 flags;
};

struct bad_init_leak_ctx {
	struct bad_init_leak_desc *ring;
	struct page *buffers;
	unsigned int slots;
};

static struct bad_init_leak_ctx *ctx;

static int __init bad_init_leak_init(void)
{
	struct bad_init_leak_ctx *c;

	if (!slots || slots > 4096)
		return -EINVAL;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->slots = slots;
	c->ring = kcalloc(slots, sizeof(*c->ring), GFP_KERNEL);
	if (!c->ring)
		return -ENOMEM;	/* The bug: c is not freed. */
	c->buffers = alloc_pages(GFP_KERNEL, 0);
	if (!c->buffers)
		goto out_free_ring;
	ctx = c;
	pr_info("ring of %u descriptors ready\n", slots);
	return 0;

out_free_ring:
	kfree(c->ring);
	kfree(c);
	return -ENOMEM;
}

static void __exit bad_init_leak_exit(void)
{
	__free_pages(ctx->buffers, 0);
	kfree(ctx->ring);
	kfree(ctx);
}

module_init(bad_init_leak_init);
module_exit(bad_init_leak_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth proof: init leaks its context when an allocation fails (load path)");
