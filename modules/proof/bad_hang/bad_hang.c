// SPDX-License-Identifier: GPL-2.0
/*
 * bad_hang: a broken module the suite must catch.  A kthread bound to the
 * last online CPU allocates a page with GFP_ATOMIC, then disables
 * preemption and spins: the soft-lockup and RCU stall detectors report it
 * after about 20 s.  With irqs_off=1 it spins with interrupts off too; then
 * only the RCU stall detector can see it, once another CPU takes a tick.
 * It spins spin_s seconds, or for ever with spin_s=0, when only a guest
 * restart ends it (rmmod waits for the spin to end).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/timekeeping.h>
#include <linux/preempt.h>
#include <linux/irqflags.h>
#include "lab_compat.h"

static unsigned int spin_s = 30;
module_param(spin_s, uint, 0444);
MODULE_PARM_DESC(spin_s, "Seconds to spin with preemption off, 0 = for ever (default 30)");

static bool irqs_off;
module_param(irqs_off, bool, 0444);
MODULE_PARM_DESC(irqs_off, "Spin with interrupts disabled too (default N)");

static struct task_struct *bad_hang_task;

static noinline void bad_hang_spin(u64 until_ns)
{
	unsigned long flags = 0;

	preempt_disable();
	if (irqs_off)
		local_irq_save(flags);
	/* The bug: a busy wait that never lets the CPU go. */
	while (!spin_s || ktime_get_mono_fast_ns() < until_ns) {
		cpu_relax();
		if (irqs_off)
			udelay(1);
	}
	if (irqs_off)
		local_irq_restore(flags);
	preempt_enable();
}

static int bad_hang_thread(void *unused)
{
	struct page *page = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 0);

	if (page)
		__free_pages(page, 0);
	bad_hang_spin(ktime_get_mono_fast_ns() + (u64)spin_s * NSEC_PER_SEC);
	pr_info("spin over\n");
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

static int __init bad_hang_init(void)
{
	unsigned int cpu = cpumask_last(cpu_online_mask);

	bad_hang_task = kthread_create(bad_hang_thread, NULL, "bad_hang/%u", cpu);
	if (IS_ERR(bad_hang_task))
		return PTR_ERR(bad_hang_task);
	kthread_bind(bad_hang_task, cpu);
	wake_up_process(bad_hang_task);
	pr_info("spinning on CPU %u for %u s%s\n", cpu, spin_s,
		irqs_off ? " with interrupts off" : "");
	return 0;
}

static void __exit bad_hang_exit(void)
{
	kthread_stop(bad_hang_task);
}

module_init(bad_hang_init);
module_exit(bad_hang_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth proof: CPU spinning with preemption disabled (soft lockup)");
