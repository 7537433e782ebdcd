// SPDX-License-Identifier: GPL-2.0
/*
 * labyrinth - fragment free memory so that no free block of order >= K
 * remains.
 *
 * A pass allocates unmovable, non-compound blocks of order K until none
 * is left (or the budget or the reserve says stop).  Of each block it keeps
 * the first page and hands the rest straight back: with an extra reference
 * on the first page, __free_pages() frees the buddies of order K-1 ... 0
 * that make up the rest of the block.  The page kept in every naturally
 * aligned 2^K block stops the buddy allocator from merging anything there
 * back to order K, so free memory stays (2^K - 1) / 2^K of what was taken,
 * all of it in blocks below order K.  Pages that cannot move also defeat
 * compaction.
 *
 * Control and statistics live in /sys/kernel/debug/labyrinth/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>

#include "lab_compat.h"
#include "lab_mm.h"

/*
 * Unmovable, no reclaim of any kind (no kswapd or kcompactd that would
 * rebuild high-order blocks behind us), no warning on failure.  GFP_ATOMIC's
 * __GFP_HIGH is kept: only with it may the allocator hand out the free
 * blocks of the high-order atomic reserve (pageblocks that GFP_ATOMIC
 * allocations of order > 0 set aside), which would otherwise stay whole.
 * A pass stops at reserve_mb of free memory, far above the watermarks.
 */
#define LBY_GFP ((GFP_ATOMIC | __GFP_NOWARN | __GFP_NORETRY) & \
		 ~__GFP_KSWAPD_RECLAIM)

/*
 * For a pass's second round: direct compaction and reclaim may run (still
 * no kswapd), and when an attempt fails after reclaim the allocator drains
 * the per-cpu lists.
 */
#define LBY_GFP_DEEP ((GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN) & \
		      ~__GFP_KSWAPD_RECLAIM)

static unsigned int order = 3;
module_param(order, uint, 0644);
MODULE_PARM_DESC(order, "Leave no free block of this order or above (1 to the maximum order; default 3)");

static unsigned long budget_mb;
module_param(budget_mb, ulong, 0644);
MODULE_PARM_DESC(budget_mb, "Most memory a pass may take, in MiB; 0 = all it can (default 0)");

static unsigned long reserve_mb = 64;
module_param(reserve_mb, ulong, 0644);
MODULE_PARM_DESC(reserve_mb, "Free memory a pass leaves to the system, in MiB (default 64)");

static unsigned int refresh_ms;
module_param(refresh_ms, uint, 0644);
MODULE_PARM_DESC(refresh_ms,
		 "While fragmented, run a pass again every this many ms to take blocks freed since; 0 = never (default 0)");

static bool autostart;
module_param(autostart, bool, 0444);
MODULE_PARM_DESC(autostart, "Fragment at load time (default 0)");

/* Rounds of a pass's last steps while free blocks of order >= K are left. */
#define LBY_ROUNDS	4

static DEFINE_MUTEX(lby_lock);
/* All below under lby_lock. */
static LIST_HEAD(lby_held);		/* kept pages, linked by page->lru */
static unsigned long lby_held_pages;
static unsigned long lby_taken_pages;
static unsigned long lby_free_before[LAB_NR_ORDERS];
static unsigned long lby_free_after[LAB_NR_ORDERS];
static u64 lby_elapsed_ms;
static unsigned int lby_order;		/* K of the last pass */
static bool lby_fragmented;

static struct dentry *lby_dir;
static void lby_refresh_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(lby_refresh, lby_refresh_fn);

static unsigned long lby_blocks_from(const unsigned long *nr, unsigned int k)
{
	unsigned long n = 0;

	while (k < LAB_NR_ORDERS)
		n += nr[k++];
	return n;
}

/* Take one order-k block and keep only its first page. */
static bool lby_take_one(unsigned int k, gfp_t gfp)
{
	struct page *page;

	page = alloc_pages(gfp, k);
	if (!page)
		return false;
	/* With the extra reference __free_pages() frees all but page 0. */
	get_page(page);
	__free_pages(page, k);
	list_add(&page->lru, &lby_held);
	lby_held_pages++;
	lby_taken_pages += 1UL << k;
	return true;
}

struct lby_pass {
	unsigned int k;
	unsigned long budget;		/* pages; 0 = no limit */
	unsigned long reserve;		/* pages */
	unsigned long taken;
};

/*
 * Take blocks until the allocator has none left (1), the budget or the
 * reserve says stop (0), or a fatal signal comes (-EINTR).
 */
static int lby_take_all(struct lby_pass *p, gfp_t gfp)
{
	unsigned long block = 1UL << p->k;

	for (;;) {
		if (p->budget && p->taken + block > p->budget)
			return 0;
		if (global_zone_page_state(NR_FREE_PAGES) < p->reserve + block)
			return 0;
		if (!lby_take_one(p->k, gfp))
			return 1;
		p->taken += block;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
}

/*
 * Free blocks can also sit on the CPUs' per-cpu page lists, out of
 * /proc/buddyinfo's sight but not out of an allocation's reach.  On each
 * CPU take every block still to be had at orders K and above; split it
 * and keep one page of every aligned 2^K pages.
 */
static long lby_sweep_cpu(void *arg)
{
	unsigned int k = *(unsigned int *)arg;
	unsigned int o = LAB_MAX_ORDER + 1;
	struct page *page;
	unsigned long i;

	while (o-- > k) {
		while ((page = alloc_pages(LBY_GFP, o)) != NULL) {
			split_page(page, o);
			for (i = 0; i < (1UL << o); i++) {
				if (i % (1UL << k)) {
					__free_page(page + i);
					continue;
				}
				list_add(&page[i].lru, &lby_held);
				lby_held_pages++;
			}
			lby_taken_pages += 1UL << o;
			cond_resched();
		}
	}
	return 0;
}

static void lby_sweep(unsigned int k)
{
	int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu)
		work_on_cpu(cpu, lby_sweep_cpu, &k);
	cpus_read_unlock();
}

/*
 * A pass: the cheap way while free blocks last; then allocations that may
 * compact and reclaim, whose last failure also drains the per-cpu lists
 * into the free lists (where their pages merge with their buddies), and
 * the cheap way again for what that made, and the per-cpu lists' own
 * blocks of order K and above.  Pages freed meanwhile (our own frees push
 * older pages off the per-cpu lists) can still merge into such blocks:
 * repeat the last steps while any is left, LBY_ROUNDS times at most.
 */
static int lby_fragment_locked(void)
{
	struct lby_pass p = { .k = READ_ONCE(order) };
	u64 t0 = ktime_get_ns();
	unsigned int round;
	int ret;

	lockdep_assert_held(&lby_lock);
	if (p.k < 1 || p.k > LAB_MAX_ORDER) {
		pr_err("order: %u out of range 1-%d\n", p.k, LAB_MAX_ORDER);
		return -EINVAL;
	}
	p.reserve = READ_ONCE(reserve_mb) << (20 - PAGE_SHIFT);
	p.budget = READ_ONCE(budget_mb) << (20 - PAGE_SHIFT);
	if (!lby_fragmented)
		lab_count_free_blocks(lby_free_before);

	ret = lby_take_all(&p, LBY_GFP);
	if (ret > 0)
		ret = lby_take_all(&p, LBY_GFP_DEEP);
	for (round = 0; ret > 0 && round < LBY_ROUNDS; round++) {
		ret = lby_take_all(&p, LBY_GFP);
		if (ret > 0)
			lby_sweep(p.k);
		lab_count_free_blocks(lby_free_after);
		if (!lby_blocks_from(lby_free_after, p.k))
			break;
	}

	lab_count_free_blocks(lby_free_after);
	lby_elapsed_ms = div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC);
	lby_order = p.k;
	lby_fragmented = true;
	return ret < 0 ? ret : 0;
}

static void lby_release_locked(void)
{
	struct page *page, *tmp;

	lockdep_assert_held(&lby_lock);
	list_for_each_entry_safe(page, tmp, &lby_held, lru) {
		list_del(&page->lru);
		__free_page(page);
		cond_resched();
	}
	lby_held_pages = 0;
	lby_taken_pages = 0;
	lby_fragmented = false;
}

static void lby_refresh_arm(void)
{
	unsigned int ms = READ_ONCE(refresh_ms);

	if (ms)
		schedule_delayed_work(&lby_refresh, msecs_to_jiffies(ms));
}

static void lby_refresh_fn(struct work_struct *work)
{
	mutex_lock(&lby_lock);
	if (lby_fragmented) {
		lby_fragment_locked();
		lby_refresh_arm();
	}
	mutex_unlock(&lby_lock);
}

static int lby_fragment(void)
{
	int ret;

	mutex_lock(&lby_lock);
	ret = lby_fragment_locked();
	if (!ret)
		pr_info("order %u: took %lu pages, holding %lu, in %llu ms\n",
			lby_order, lby_taken_pages, lby_held_pages, lby_elapsed_ms);
	mutex_unlock(&lby_lock);
	if (!ret)
		lby_refresh_arm();
	return ret;
}

static void lby_release(void)
{
	cancel_delayed_work_sync(&lby_refresh);
	mutex_lock(&lby_lock);
	lby_release_locked();
	mutex_unlock(&lby_lock);
}

static ssize_t lby_control_write(struct file *file, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	char buf[16];
	int ret = 0;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';

	if (sysfs_streq(buf, "fragment"))
		ret = lby_fragment();
	else if (sysfs_streq(buf, "release"))
		lby_release();
	else
		ret = -EINVAL;
	return ret ? ret : len;
}

static const struct file_operations lby_control_fops = {
	.owner = THIS_MODULE,
	.write = lby_control_write,
	.llseek = noop_llseek,
};

static void lby_show_orders(struct seq_file *m, const char *what,
			    const unsigned long *nr)
{
	unsigned int o;

	seq_puts(m, what);
	for (o = 0; o < LAB_NR_ORDERS; o++)
		seq_printf(m, " o%u=%lu", o, nr[o]);
	seq_putc(m, '\n');
}

static int lby_stats_show(struct seq_file *m, void *unused)
{
	unsigned long now[LAB_NR_ORDERS];

	lab_count_free_blocks(now);
	mutex_lock(&lby_lock);
	lby_show_orders(m, "free_before", lby_free_before);
	lby_show_orders(m, "free_after", lby_free_after);
	lby_show_orders(m, "free_now", now);
	seq_printf(m, "taken_pages=%lu held_pages=%lu elapsed_ms=%llu order=%u\n",
		   lby_taken_pages, lby_held_pages, lby_elapsed_ms, lby_order);
	mutex_unlock(&lby_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lby_stats);

static int __init labyrinth_init(void)
{
	int ret;

	lby_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("control", 0200, lby_dir, NULL, &lby_control_fops);
	debugfs_create_file("stats", 0444, lby_dir, NULL, &lby_stats_fops);

	if (autostart) {
		ret = lby_fragment();
		if (ret) {
			lby_release();
			debugfs_remove_recursive(lby_dir);
			return ret;
		}
	}
	return 0;
}

static void __exit labyrinth_exit(void)
{
	debugfs_remove_recursive(lby_dir);
	lby_release();
}

module_init(labyrinth_init);
module_exit(labyrinth_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Memory fragmenter: no free block of order K or above remains");
