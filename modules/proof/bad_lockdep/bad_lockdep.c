// SPDX-License-Identifier: GPL-2.0
/*
 * bad_lockdep: a broken module the suite must catch.  One spinlock guards a
 * page pool; a timer (softirq) takes it with spin_lock(), and a work item
 * (process context) takes it with spin_lock() too, where spin_lock_bh() is
 * needed: lockdep reports "inconsistent lock state".
 *
 * The timer runs on the first online CPU and the work item on another one,
 * so the softirq never interrupts the lock holder on its own CPU and the
 * bug never turns into a real deadlock (with a single CPU it could).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/gfp.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <linux/spinlock.h>
#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include "lab_compat.h"

static unsigned int period_ms = 4;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "Timer and work period in milliseconds (default 4)");

static DEFINE_SPINLOCK(bad_lockdep_lock);
static struct page *pool;
static struct timer_list bad_lockdep_timer;
static struct delayed_work bad_lockdep_work;
static int timer_cpu, work_cpu;
static bool stopping;

/* Swap the pooled page for a fresh one; called with the lock held. */
static void bad_lockdep_cycle(void)
{
	struct page *page = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 0);

	if (pool)
		__free_pages(pool, 0);
	pool = page;
}

static void bad_lockdep_tick(struct timer_list *t)
{
	spin_lock(&bad_lockdep_lock);
	bad_lockdep_cycle();
	spin_unlock(&bad_lockdep_lock);

	if (!READ_ONCE(stopping))
		mod_timer(t, jiffies + msecs_to_jiffies(period_ms));
}

static void bad_lockdep_work_fn(struct work_struct *work)
{
	/* The bug: softirqs stay enabled while the lock is held. */
	spin_lock(&bad_lockdep_lock);
	bad_lockdep_cycle();
	spin_unlock(&bad_lockdep_lock);

	if (!READ_ONCE(stopping))
		queue_delayed_work_on(work_cpu, system_wq, &bad_lockdep_work,
				      msecs_to_jiffies(period_ms));
}

static int __init bad_lockdep_init(void)
{
	timer_cpu = cpumask_first(cpu_online_mask);
	work_cpu = cpumask_next(timer_cpu, cpu_online_mask);
	if (work_cpu >= nr_cpu_ids)
		work_cpu = timer_cpu;

	timer_setup(&bad_lockdep_timer, bad_lockdep_tick, TIMER_PINNED);
	INIT_DELAYED_WORK(&bad_lockdep_work, bad_lockdep_work_fn);
	bad_lockdep_timer.expires = jiffies + 1;
	add_timer_on(&bad_lockdep_timer, timer_cpu);
	queue_delayed_work_on(work_cpu, system_wq, &bad_lockdep_work,
			      msecs_to_jiffies(period_ms));
	pr_info("lock taken from a timer on CPU %d and from a work item on CPU %d\n",
		timer_cpu, work_cpu);
	return 0;
}

static void __exit bad_lockdep_exit(void)
{
	WRITE_ONCE(stopping, true);
	lab_timer_shutdown_sync(&bad_lockdep_timer);
	cancel_delayed_work_sync(&bad_lockdep_work);
	if (pool)
		__free_pages(pool, 0);
}

module_init(bad_lockdep_init);
module_exit(bad_lockdep_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth proof: lock taken in softirq and in process context without _bh");
