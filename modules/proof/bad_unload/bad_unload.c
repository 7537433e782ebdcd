// SPDX-License-Identifier: GPL-2.0
/*
 * bad_unload: a broken module the suite must catch.  It takes a reference
 * on itself when it loads and never drops it, so rmmod fails ("in use").
 * Meanwhile a timer allocates and frees pages with GFP_ATOMIC correctly.
 * Writing 1 to /sys/module/bad_unload/parameters/release drops the
 * reference, so the module can be removed by hand afterwards.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/gfp.h>
#include <linux/timer.h>
#include <linux/jiffies.h>
#include "lab_compat.h"

static struct timer_list bad_unload_timer;
static bool stopping;
static bool held;

static int bad_unload_release(const char *val, const struct kernel_param *kp)
{
	bool release;
	int ret = kstrtobool(val, &release);

	if (ret)
		return ret;
	if (release && held) {
		held = false;
		module_put(THIS_MODULE);
		pr_info("self-reference dropped\n");
	}
	return 0;
}

static const struct kernel_param_ops bad_unload_release_ops = {
	.set = bad_unload_release,
};
module_param_cb(release, &bad_unload_release_ops, NULL, 0200);
MODULE_PARM_DESC(release, "Write 1 to drop the self-reference that blocks unloading");

static void bad_unload_tick(struct timer_list *t)
{
	struct page *page = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 0);

	if (page)
		__free_pages(page, 0);
	if (!READ_ONCE(stopping))
		mod_timer(t, jiffies + msecs_to_jiffies(10));
}

static int __init bad_unload_init(void)
{
	/* The bug: a reference on itself that nothing ever drops. */
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	held = true;
	timer_setup(&bad_unload_timer, bad_unload_tick, 0);
	mod_timer(&bad_unload_timer, jiffies + 1);
	pr_info("holding a reference on itself\n");
	return 0;
}

static void __exit bad_unload_exit(void)
{
	WRITE_ONCE(stopping, true);
	lab_timer_shutdown_sync(&bad_unload_timer);
}

module_init(bad_unload_init);
module_exit(bad_unload_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth proof: module that cannot be unloaded");
