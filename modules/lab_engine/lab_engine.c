// SPDX-License-Identifier: GPL-2.0
/*
 * lab_engine - GFP_ATOMIC-class page allocations from every atomic context.
 *
 * Each enabled context runs one instance per selected CPU.  A callback
 * (hrtimer and irq_work in hardirq, timer_list and tasklet in softirq,
 * spinlocked, bh-disabled and preempt/RCU sections in a kthread) makes
 * "batch" allocation attempts, cycling through the selected orders, and
 * frees each page at once or keeps it in a hold ring; pages evicted from a
 * hold ring are freed later by whichever context drains the deferred list
 * first.  Every attempt is counted and timed; every NULL is handled.
 *
 * Parameters are read into a run at load time and on "reset"; "start" and
 * "stop" only start and stop that run, and its statistics add up over
 * starts until the next reset.  Starting allocates nothing (the kthread
 * contexts' threads are created, parked, with the run), so it works while
 * fail_page_alloc and failslab are scoped to this module.
 *
 * Control and statistics live in /sys/kernel/debug/lab_engine/; the line
 * formats are a stable interface described in README.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/bits.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/llist.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/timer.h>
#include <linux/u64_stats_sync.h>
#include <linux/uaccess.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>

#include "lab_compat.h"
#include "lab_mm.h"

/*
 * Latency histogram, HDR style: values below 2 * LAB_HIST_SUB ns have a
 * bucket each; above, every power of two [2^m, 2^(m+1)) is split into
 * LAB_HIST_SUB linear sub-buckets, so a bucket is at most 1/LAB_HIST_SUB
 * of its lower bound wide.  The last bucket also takes everything above.
 * The stats line shows the coarse view: LAB_HIST_LOG2 power-of-two buckets.
 */
#define LAB_HIST_SUB_BITS	3
#define LAB_HIST_SUB		BIT(LAB_HIST_SUB_BITS)
#define LAB_HIST_BUCKETS	256
#define LAB_HIST_LOG2		32
/* Most windows a run keeps; later ones are counted as dropped. */
#define LAB_MAX_WINDOWS		64
#define LAB_MAX_DELAY_NS	100000U
#define LAB_MAX_WINDOW_MS	60000U
/* Gap between back-to-back hardirq callbacks (rate_hz=0). */
#define LAB_B2B_GAP_NS		(20 * NSEC_PER_USEC)
/* Slots in each CPU's RX ring. */
#define LAB_RX_RING		256
/* Bytes at the start of each page kept out of the verify pattern. */
#define LAB_HDR_BYTES		64
#define LAB_PATTERN		0x6c616279726e7468ULL	/* "labyrnth" */
#define LAB_MAX_BATCH		1048576U
#define LAB_MAX_BUDGET_US	1000000U
#define LAB_MAX_HOLD		65536U

static char contexts[128];
module_param_string(contexts, contexts, sizeof(contexts), 0644);
MODULE_PARM_DESC(contexts,
		 "Comma list of contexts, as debugfs lab_engine/contexts lists them (default: those marked default there)");

static char orders[64] = "0";
module_param_string(orders, orders, sizeof(orders), 0644);
MODULE_PARM_DESC(orders, "Page orders, a list or ranges such as 0-4 or 0,2,3 (default 0)");

static char gfp[32] = "atomic";
module_param_string(gfp, gfp, sizeof(gfp), 0644);
MODULE_PARM_DESC(gfp, "GFP variant: atomic, atomic_nowarn, nowait, nowait_nowarn (default atomic)");

static char gfp_extra[64];
module_param_string(gfp_extra, gfp_extra, sizeof(gfp_extra), 0644);
MODULE_PARM_DESC(gfp_extra, "Comma list of extra flags: high, nomemalloc, comp, zero (default none)");

static unsigned int batch = 16;
module_param(batch, uint, 0644);
MODULE_PARM_DESC(batch, "Allocation attempts per callback (default 16)");

static unsigned int budget_us = 2000;
module_param(budget_us, uint, 0644);
MODULE_PARM_DESC(budget_us,
		 "Most time one callback spends on its batch: the batch ends early past it, so that a slow kernel (KASAN, TCG) does not hold a CPU in hardirq or softirq for a whole batch; 0 = no bound (default 2000, softirq's own MAX_SOFTIRQ_TIME)");

static unsigned int rate_hz = 1000;
module_param(rate_hz, uint, 0644);
MODULE_PARM_DESC(rate_hz,
		 "Callbacks per second per context per CPU (timer: at most HZ); 0 = back to back, hrtimer and irq_work then leave 20 us between callbacks and keep their CPU in hardirq (default 1000)");

static unsigned int hold;
module_param(hold, uint, 0644);
MODULE_PARM_DESC(hold,
		 "Pages each context keeps outstanding per CPU, freed later from any context (default 0)");

static unsigned int duration_ms;
module_param(duration_ms, uint, 0644);
MODULE_PARM_DESC(duration_ms, "Stop automatically after this many ms; 0 = until stopped (default 0)");

static bool verify;
module_param(verify, bool, 0644);
MODULE_PARM_DESC(verify, "Write a pattern into each page and check it before freeing (default 0)");

static char cpus[64];
module_param_string(cpus, cpus, sizeof(cpus), 0644);
MODULE_PARM_DESC(cpus, "CPU list to run on (default all online CPUs)");

static bool autostart;
module_param(autostart, bool, 0444);
MODULE_PARM_DESC(autostart, "Start at load time (default 0)");

static unsigned int selftest;
module_param(selftest, uint, 0644);
MODULE_PARM_DESC(selftest,
		 "Make a check fire on stop, to prove it can: 1 = an attempt counted as neither success nor failure (accounting mismatch), 2 = corrupt held pages before they are freed (verify errors; needs verify=1 and hold or rx_ring); default 0");

static unsigned int window_ms;
module_param(window_ms, uint, 0644);
MODULE_PARM_DESC(window_ms,
		 "Split a run into windows of this many ms, each with its own counts and percentiles (debugfs windows, at most 64 a run); 0 = off (default 0)");

static unsigned int delay_ns;
module_param(delay_ns, uint, 0644);
MODULE_PARM_DESC(delay_ns,
		 "Busy-wait this many ns after every allocation, inside the timed section: a known slowdown to test comparisons with (0-100000, default 0)");

struct lab_order_stats {
	struct u64_stats_sync syncp;
	u64_stats_t attempts;
	u64_stats_t successes;
	u64_stats_t failures;
	u64_stats_t freed;		/* freed by the owning callback */
	u64_stats_t bytes;
	u64_stats_t hist[LAB_HIST_BUCKETS];
	u64 lat_min;
	u64 lat_max;
	atomic64_t remote_freed;	/* freed through the deferred list */
	atomic64_t verify_errors;
};

struct lab_rx_stats {
	struct u64_stats_sync syncp;
	u64_stats_t refills;
	u64_stats_t served;
	u64_stats_t fallback;
	u64_stats_t dropped;
};

/* Written over the first bytes of a page on its way to the deferred list. */
struct lab_deferred {
	struct llist_node node;
	struct lab_order_stats *owner;
	unsigned int order;
};

struct lab_run;
struct lab_inst;

/*
 * create and destroy (optional) run when a run is built and freed, where
 * no injection is armed; start and stop must allocate nothing.
 */
struct lab_driver {
	int (*create)(struct lab_inst *inst);
	void (*destroy)(struct lab_inst *inst);
	int (*start)(struct lab_inst *inst);
	void (*stop)(struct lab_inst *inst);
};

struct lab_ctx {
	const char *name;
	bool by_default;
	const struct lab_driver *drv;
	void (*work)(struct lab_inst *inst);
};

struct lab_inst {
	struct lab_run *run;
	const struct lab_ctx *ctx;
	unsigned int cpu;
	unsigned int next_order;	/* index into run->order_list */
	bool started;
	bool stopping;
	struct page **slot;		/* hold ring, or the RX ring */
	u8 *slot_order;
	unsigned int nslots;
	unsigned int slot_idx;
	unsigned long cuts;		/* callbacks that ended at budget_ns */
	struct hrtimer hrt;		/* the hrtimer context, or a pacer */
	struct irq_work iw;
	struct timer_list tl;
	struct tasklet_struct tasklet;
	struct task_struct *thread;
	spinlock_t lock;		/* taken by the spin_irq and spin_bh sections */
	struct lab_rx_stats rx;
	struct lab_order_stats st[LAB_NR_ORDERS];
};

/*
 * Windows: every window_ms the counts since the last window are kept per
 * context and order (under lab_lock).  base[] holds the sums at the start
 * of the current window; win[w * nrows + row] the closed windows.
 */
struct lab_win_base {
	u64 attempts, successes, failures;
	u64 hist[LAB_HIST_BUCKETS];
};

struct lab_win {
	u64 attempts, successes, failures, p50, p99;
};

struct lab_windows {
	unsigned int window_ms;
	unsigned int nrows;		/* selected contexts x orders */
	unsigned int nwin;		/* closed windows kept */
	unsigned int dropped;		/* closed beyond LAB_MAX_WINDOWS */
	unsigned int ncloses;
	u64 close_ns, close_ns_max;	/* what closing windows cost */
	u64 t0;				/* start of the current window, ns */
	u32 ms[LAB_MAX_WINDOWS];	/* length of each closed window */
	/* memory state at the end of each window, over populated zones */
	unsigned long highatomic[LAB_MAX_WINDOWS];
	unsigned long free_blocks[LAB_MAX_WINDOWS][LAB_NR_ORDERS];
	struct lab_win_base *base;	/* [nrows] */
	struct lab_win *win;		/* [LAB_MAX_WINDOWS * nrows] */
};

struct lab_run {
	gfp_t gfp;
	unsigned int batch;
	u64 budget_ns;			/* 0 = no bound */
	unsigned int hold;
	bool verify;
	u64 period_ns;			/* 0 = back to back */
	unsigned int duration_ms;
	unsigned int selftest;
	unsigned int delay_ns;
	unsigned int order_list[LAB_NR_ORDERS];	/* ascending */
	unsigned int norders;
	DECLARE_BITMAP(ctx_mask, 16);
	struct llist_head deferred;
	struct lab_windows *win;		/* NULL: window_ms=0 */
	unsigned int ninst;
	struct lab_inst insts[];
};

static DEFINE_MUTEX(lab_lock);
static struct lab_run *lab_cur;		/* under lab_lock */
static bool lab_running;		/* under lab_lock */
/*
 * The last start on the kernel's clock (under lab_lock): when, how long
 * it was asked to run (0: until stopped), how long it ran once stopped.
 */
static ktime_t lab_t_start;
static unsigned int lab_asked_ms;
static u64 lab_ran_ns;
/*
 * The end of a timed start: a hardirq hrtimer that sets every instance's
 * stopping flag (no callback re-arms, no kthread allocates) and queues the
 * stop, so the run ends on time even when a flood of atomic contexts keeps
 * the workqueues waiting.
 */
static struct hrtimer lab_deadline;
static bool lab_deadline_hit;		/* lab_ran_ns was set at the deadline */
static unsigned long lab_end_once;	/* bit 0: the run's end was set */
/*
 * "run <ms> <least>": the run also ends, the same way, once every context
 * and order made at least lab_least attempts (summed over its CPUs; an
 * order the RX ring never had to fall back to counts as done), looked at
 * every LAB_ENOUGH_MS by a hardirq hrtimer: a run that has to show a
 * number of attempts lasts what they take, not a guess of it.
 */
#define LAB_ENOUGH_MS 5
static struct hrtimer lab_enough;
static unsigned int lab_least;		/* 0: runs until the deadline */
static struct dentry *lab_dir;
static void lab_autostop_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(lab_autostop, lab_autostop_fn);
static void lab_window_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(lab_window, lab_window_fn);

/* ---- latency histogram ---- */

/* Bucket of a latency in ns. */
static unsigned int lab_hist_bucket(u64 ns)
{
	unsigned int shift;

	if (ns < 2 * LAB_HIST_SUB)
		return ns;
	shift = ilog2(ns) - LAB_HIST_SUB_BITS;
	if (shift >= LAB_HIST_BUCKETS / LAB_HIST_SUB - 1)
		return LAB_HIST_BUCKETS - 1;
	return shift * LAB_HIST_SUB + (unsigned int)(ns >> shift);
}

/* Lower bound of bucket b in ns; the upper bound is that of b + 1. */
static u64 lab_hist_low(unsigned int b)
{
	unsigned int shift;

	if (b < 2 * LAB_HIST_SUB)
		return b;
	shift = b / LAB_HIST_SUB - 1;
	return (u64)(b % LAB_HIST_SUB + LAB_HIST_SUB) << shift;
}

/* Power-of-two bucket of the stats line that holds bucket b. */
static unsigned int lab_hist_log2(unsigned int b)
{
	u64 low = lab_hist_low(b);

	return low ? min_t(unsigned int, ilog2(low), LAB_HIST_LOG2 - 1) : 0;
}

/*
 * The pct-th percentile of n latencies in hist: the bucket that holds the
 * rank, interpolated linearly within it.  The last, open bucket gives
 * U64_MAX (the caller knows the maximum, or not).
 */
static u64 lab_hist_percentile(const u64 *hist, u64 n, unsigned int pct)
{
	u64 want, seen = 0, low, width;
	unsigned int b;

	if (!n)
		return 0;
	want = div64_u64(n * pct + 99, 100);
	for (b = 0; b < LAB_HIST_BUCKETS; b++) {
		if (seen + hist[b] >= want)
			break;
		seen += hist[b];
	}
	if (b >= LAB_HIST_BUCKETS - 1)
		return U64_MAX;
	low = lab_hist_low(b);
	width = lab_hist_low(b + 1) - low;
	return low + div64_u64(width * (2 * (want - seen) - 1), 2 * hist[b]);
}

/* ---- allocation path, runs in every context ---- */

static u64 lab_seed(struct page *page)
{
	return LAB_PATTERN ^ ((u64)page_to_pfn(page) << 20);
}

static void lab_fill(struct page *page, unsigned int order)
{
	u64 *p = page_address(page);
	size_t n = (PAGE_SIZE << order) / sizeof(u64);
	u64 seed = lab_seed(page);
	size_t i;

	for (i = LAB_HDR_BYTES / sizeof(u64); i < n; i++)
		p[i] = seed + i;
}

static bool lab_pattern_ok(struct page *page, unsigned int order)
{
	const u64 *p = page_address(page);
	size_t n = (PAGE_SIZE << order) / sizeof(u64);
	u64 seed = lab_seed(page);
	size_t i;

	for (i = LAB_HDR_BYTES / sizeof(u64); i < n; i++)
		if (p[i] != seed + i)
			return false;
	return true;
}

/* After a successful allocation: check __GFP_ZERO, write the pattern. */
static void lab_prepare(struct lab_run *run, struct lab_order_stats *st,
			struct page *page, unsigned int order)
{
	if (!run->verify)
		return;
	if ((run->gfp & __GFP_ZERO) &&
	    memchr_inv(page_address(page), 0, PAGE_SIZE << order))
		atomic64_inc(&st->verify_errors);
	lab_fill(page, order);
}

static void lab_check_free(struct lab_run *run, struct lab_order_stats *st,
			   struct page *page, unsigned int order)
{
	if (run->verify && !lab_pattern_ok(page, order))
		atomic64_inc(&st->verify_errors);
	__free_pages(page, order);
}

/* Free a page in the callback that allocated it. */
static void lab_free_local(struct lab_run *run, struct lab_order_stats *st,
			   struct page *page, unsigned int order)
{
	lab_check_free(run, st, page, order);
	u64_stats_update_begin(&st->syncp);
	u64_stats_inc(&st->freed);
	u64_stats_update_end(&st->syncp);
}

/* Free a page that any context may own; safe in every context. */
static void lab_free_remote(struct lab_run *run, struct lab_order_stats *st,
			    struct page *page, unsigned int order)
{
	lab_check_free(run, st, page, order);
	atomic64_inc(&st->remote_freed);
}

static void lab_defer(struct lab_run *run, struct lab_order_stats *st,
		      struct page *page, unsigned int order)
{
	struct lab_deferred *d = page_address(page);

	BUILD_BUG_ON(sizeof(*d) > LAB_HDR_BYTES);
	d->owner = st;
	d->order = order;
	llist_add(&d->node, &run->deferred);
}

static void lab_drain_deferred(struct lab_run *run)
{
	struct lab_deferred *d, *tmp;
	struct llist_node *list;

	if (llist_empty(&run->deferred))
		return;
	list = llist_del_all(&run->deferred);
	llist_for_each_entry_safe(d, tmp, list, node)
		lab_free_remote(run, d->owner, virt_to_page(d), d->order);
}

static void lab_account(struct lab_order_stats *st, bool ok,
			unsigned int order, u64 ns)
{
	unsigned int b = lab_hist_bucket(ns);

	u64_stats_update_begin(&st->syncp);
	u64_stats_inc(&st->attempts);
	if (ok) {
		u64_stats_inc(&st->successes);
		u64_stats_add(&st->bytes, PAGE_SIZE << order);
	} else {
		u64_stats_inc(&st->failures);
	}
	u64_stats_inc(&st->hist[b]);
	if (ns < st->lat_min)
		st->lat_min = ns;
	if (ns > st->lat_max)
		st->lat_max = ns;
	u64_stats_update_end(&st->syncp);
}

static struct page *lab_alloc(struct lab_inst *inst, unsigned int order)
{
	struct lab_order_stats *st = &inst->st[order];
	struct page *page;
	u64 t0, t1;

	t0 = ktime_get_ns();
	page = alloc_pages(inst->run->gfp, order);
	if (inst->run->delay_ns)
		ndelay(inst->run->delay_ns);
	t1 = ktime_get_ns();
	lab_account(st, page, order, t1 - t0);
	if (page)
		lab_prepare(inst->run, st, page, order);
	return page;
}

/* Keep a page in the hold ring; the page it displaces goes to be freed later. */
static void lab_hold(struct lab_inst *inst, struct page *page, unsigned int order)
{
	unsigned int i = inst->slot_idx;
	struct page *old = inst->slot[i];

	if (old)
		lab_defer(inst->run, &inst->st[inst->slot_order[i]], old,
			  inst->slot_order[i]);
	inst->slot[i] = page;
	inst->slot_order[i] = order;
	inst->slot_idx = (i + 1) % inst->nslots;
}

static unsigned int lab_pick_order(struct lab_inst *inst)
{
	struct lab_run *run = inst->run;
	unsigned int order = run->order_list[inst->next_order];

	if (++inst->next_order == run->norders)
		inst->next_order = 0;
	return order;
}

/* When the callback that starts now must end its batch (0: never). */
static u64 lab_budget_end(const struct lab_run *run)
{
	return run->budget_ns ? ktime_get_ns() + run->budget_ns : 0;
}

/*
 * Whether a callback with attempts left is past its budget: it then ends
 * its batch, and the cut is counted.  The first attempt always runs.
 */
static bool lab_past_budget(struct lab_inst *inst, u64 end)
{
	if (!end || ktime_get_ns() < end)
		return false;
	WRITE_ONCE(inst->cuts, inst->cuts + 1);
	return true;
}

/* One callback's worth of work for the plain contexts. */
static void lab_batch(struct lab_inst *inst)
{
	struct lab_run *run = inst->run;
	u64 end = lab_budget_end(run);
	unsigned int i, order;
	struct page *page;

	lab_drain_deferred(run);
	for (i = 0; i < run->batch; i++) {
		if (i && lab_past_budget(inst, end))
			break;
		order = lab_pick_order(inst);
		page = lab_alloc(inst, order);
		if (!page)
			continue;
		if (inst->nslots)
			lab_hold(inst, page, order);
		else
			lab_free_local(run, &inst->st[order], page, order);
	}
}

static void lab_spin_irq_work(struct lab_inst *inst)
{
	unsigned long flags;

	spin_lock_irqsave(&inst->lock, flags);
	lab_batch(inst);
	spin_unlock_irqrestore(&inst->lock, flags);
}

static void lab_spin_bh_work(struct lab_inst *inst)
{
	spin_lock_bh(&inst->lock);
	lab_batch(inst);
	spin_unlock_bh(&inst->lock);
}

static void lab_preempt_rcu_work(struct lab_inst *inst)
{
	preempt_disable();
	rcu_read_lock();
	lab_batch(inst);
	rcu_read_unlock();
	preempt_enable();
}

static void lab_ceiling_work(struct lab_inst *inst)
{
	preempt_disable();
	lab_batch(inst);
	preempt_enable();
}

/*
 * RX ring refill, NIC style: each poll delivers up to "batch" buffers
 * (frees the page in the slot) and refills the slot at the requested
 * (highest selected) order, falling back through the lower selected orders;
 * when every order fails the slot stays empty and the packet is dropped.
 */
static void lab_rx_refill(struct lab_inst *inst, unsigned int i)
{
	struct lab_run *run = inst->run;
	struct lab_rx_stats *rx = &inst->rx;
	unsigned int k = run->norders;
	struct page *page = NULL;
	unsigned int order = 0;

	while (k-- > 0) {
		order = run->order_list[k];
		page = lab_alloc(inst, order);
		if (page)
			break;
	}
	inst->slot[i] = page;
	inst->slot_order[i] = order;

	u64_stats_update_begin(&rx->syncp);
	u64_stats_inc(&rx->refills);
	if (!page)
		u64_stats_inc(&rx->dropped);
	else if (order == run->order_list[run->norders - 1])
		u64_stats_inc(&rx->served);
	else
		u64_stats_inc(&rx->fallback);
	u64_stats_update_end(&rx->syncp);
}

static void lab_rx_poll(struct lab_inst *inst)
{
	struct lab_run *run = inst->run;
	unsigned int n = min(run->batch, inst->nslots);
	u64 end = lab_budget_end(run);
	unsigned int i, k, order;
	struct page *page;

	lab_drain_deferred(run);
	for (k = 0; k < n; k++) {
		if (k && lab_past_budget(inst, end))
			break;
		i = inst->slot_idx;
		inst->slot_idx = (i + 1) % inst->nslots;
		page = inst->slot[i];
		if (page) {
			order = inst->slot_order[i];
			lab_free_local(run, &inst->st[order], page, order);
		}
		lab_rx_refill(inst, i);
	}
}

/* ---- drivers: what calls ctx->work, and how it is stopped ---- */

static u64 lab_gap_ns(struct lab_inst *inst)
{
	return inst->run->period_ns ?: LAB_B2B_GAP_NS;
}

static enum hrtimer_restart lab_hrtimer_fn(struct hrtimer *t)
{
	struct lab_inst *inst = container_of(t, struct lab_inst, hrt);

	if (READ_ONCE(inst->stopping))
		return HRTIMER_NORESTART;
	inst->ctx->work(inst);
	hrtimer_forward_now(t, ns_to_ktime(lab_gap_ns(inst)));
	return HRTIMER_RESTART;
}

/* Runs on inst->cpu (IPI), so the pinned timer stays there. */
static void lab_arm_hrtimer(void *arg)
{
	struct lab_inst *inst = arg;

	hrtimer_start(&inst->hrt, ns_to_ktime(lab_gap_ns(inst)),
		      HRTIMER_MODE_REL_PINNED_HARD);
}

static int lab_hrtimer_start(struct lab_inst *inst)
{
	lab_hrtimer_setup(&inst->hrt, lab_hrtimer_fn, CLOCK_MONOTONIC,
			  HRTIMER_MODE_REL_HARD);
	return smp_call_function_single(inst->cpu, lab_arm_hrtimer, inst, 1);
}

static void lab_hrtimer_stop(struct lab_inst *inst)
{
	hrtimer_cancel(&inst->hrt);
}

static const struct lab_driver lab_drv_hrtimer = {
	.start = lab_hrtimer_start,
	.stop = lab_hrtimer_stop,
};

/* irq_work: a pinned hrtimer paces it; the handler runs in hardirq. */
static void lab_irq_work_fn(struct irq_work *iw)
{
	struct lab_inst *inst = container_of(iw, struct lab_inst, iw);

	if (!READ_ONCE(inst->stopping))
		inst->ctx->work(inst);
}

static enum hrtimer_restart lab_irq_work_pace(struct hrtimer *t)
{
	struct lab_inst *inst = container_of(t, struct lab_inst, hrt);

	if (READ_ONCE(inst->stopping))
		return HRTIMER_NORESTART;
	irq_work_queue(&inst->iw);
	hrtimer_forward_now(t, ns_to_ktime(lab_gap_ns(inst)));
	return HRTIMER_RESTART;
}

static int lab_irq_work_start(struct lab_inst *inst)
{
	inst->iw = IRQ_WORK_INIT_HARD(lab_irq_work_fn);
	lab_hrtimer_setup(&inst->hrt, lab_irq_work_pace, CLOCK_MONOTONIC,
			  HRTIMER_MODE_REL_HARD);
	return smp_call_function_single(inst->cpu, lab_arm_hrtimer, inst, 1);
}

static void lab_irq_work_stop(struct lab_inst *inst)
{
	hrtimer_cancel(&inst->hrt);
	irq_work_sync(&inst->iw);
}

static const struct lab_driver lab_drv_irq_work = {
	.start = lab_irq_work_start,
	.stop = lab_irq_work_stop,
};

/* timer_list: pinned, re-armed from its callback, at most HZ per second. */
static unsigned long lab_timer_period(struct lab_inst *inst)
{
	u64 ns = inst->run->period_ns;

	return ns ? max_t(unsigned long, 1, nsecs_to_jiffies(ns)) : 1;
}

static void lab_timer_fn(struct timer_list *t)
{
	struct lab_inst *inst = lab_timer_container_of(inst, t, tl);

	if (READ_ONCE(inst->stopping))
		return;
	inst->ctx->work(inst);
	mod_timer(&inst->tl, jiffies + lab_timer_period(inst));
}

static int lab_timer_start(struct lab_inst *inst)
{
	timer_setup(&inst->tl, lab_timer_fn, TIMER_PINNED);
	inst->tl.expires = jiffies + lab_timer_period(inst);
	add_timer_on(&inst->tl, inst->cpu);
	return 0;
}

static void lab_timer_stop(struct lab_inst *inst)
{
	lab_timer_shutdown_sync(&inst->tl);
}

static const struct lab_driver lab_drv_timer = {
	.start = lab_timer_start,
	.stop = lab_timer_stop,
};

/*
 * Tasklet: paced by a pinned hrtimer, or back to back by rescheduling
 * itself (the softirq code then hands it to ksoftirqd).
 */
static void lab_tasklet_fn(struct tasklet_struct *t)
{
	struct lab_inst *inst = from_tasklet(inst, t, tasklet);

	if (READ_ONCE(inst->stopping))
		return;
	inst->ctx->work(inst);
	if (!inst->run->period_ns && !READ_ONCE(inst->stopping))
		tasklet_schedule(&inst->tasklet);
}

static enum hrtimer_restart lab_tasklet_pace(struct hrtimer *t)
{
	struct lab_inst *inst = container_of(t, struct lab_inst, hrt);

	if (READ_ONCE(inst->stopping))
		return HRTIMER_NORESTART;
	tasklet_schedule(&inst->tasklet);
	hrtimer_forward_now(t, ns_to_ktime(inst->run->period_ns));
	return HRTIMER_RESTART;
}

static void lab_kick_tasklet(void *arg)
{
	struct lab_inst *inst = arg;

	tasklet_schedule(&inst->tasklet);
}

static int lab_tasklet_start(struct lab_inst *inst)
{
	tasklet_setup(&inst->tasklet, lab_tasklet_fn);
	lab_hrtimer_setup(&inst->hrt, lab_tasklet_pace, CLOCK_MONOTONIC,
			  HRTIMER_MODE_REL_HARD);
	if (inst->run->period_ns)
		return smp_call_function_single(inst->cpu, lab_arm_hrtimer,
						inst, 1);
	return smp_call_function_single(inst->cpu, lab_kick_tasklet, inst, 1);
}

static void lab_tasklet_stop(struct lab_inst *inst)
{
	hrtimer_cancel(&inst->hrt);
	tasklet_kill(&inst->tasklet);
}

static const struct lab_driver lab_drv_tasklet = {
	.start = lab_tasklet_start,
	.stop = lab_tasklet_stop,
};

/*
 * kthread bound to the CPU: sections back to back or at rate_hz.  It is
 * created parked when the run is built (creating a thread allocates, in
 * this module's context: under injection scoped to this module a start
 * could fail); start unparks it, stop parks it again, out of any section.
 */
static void lab_thread_pace(struct lab_inst *inst, ktime_t *next)
{
	u64 period = inst->run->period_ns;
	ktime_t now;

	if (!period) {
		cond_resched();
		return;
	}
	now = ktime_get();
	*next = ktime_add_ns(*next, period);
	if (ktime_before(*next, now))
		*next = now;
	set_current_state(TASK_INTERRUPTIBLE);
	if (!kthread_should_stop() && !kthread_should_park())
		schedule_hrtimeout(next, HRTIMER_MODE_ABS);
	__set_current_state(TASK_RUNNING);
}

static int lab_thread_fn(void *arg)
{
	struct lab_inst *inst = arg;
	ktime_t next = ktime_get();

	while (!kthread_should_stop()) {
		if (kthread_should_park()) {
			kthread_parkme();
			next = ktime_get();
			continue;
		}
		if (READ_ONCE(inst->stopping)) {
			/* the deadline passed: idle until parked */
			set_current_state(TASK_INTERRUPTIBLE);
			if (!kthread_should_stop() && !kthread_should_park())
				schedule();
			__set_current_state(TASK_RUNNING);
			continue;
		}
		inst->ctx->work(inst);
		lab_thread_pace(inst, &next);
	}
	return 0;
}

static int lab_thread_create(struct lab_inst *inst)
{
	struct task_struct *t;

	t = kthread_create(lab_thread_fn, inst, "lab_%s/%u", inst->ctx->name,
			   inst->cpu);
	if (IS_ERR(t))
		return PTR_ERR(t);
	kthread_bind(t, inst->cpu);
	inst->thread = t;
	/* parks before it runs lab_thread_fn */
	return kthread_park(t);
}

static void lab_thread_destroy(struct lab_inst *inst)
{
	if (!inst->thread)
		return;
	kthread_stop(inst->thread);
	inst->thread = NULL;
}

static int lab_thread_start(struct lab_inst *inst)
{
	kthread_unpark(inst->thread);
	return 0;
}

static void lab_thread_stop(struct lab_inst *inst)
{
	kthread_park(inst->thread);
}

static const struct lab_driver lab_drv_thread = {
	.create = lab_thread_create,
	.destroy = lab_thread_destroy,
	.start = lab_thread_start,
	.stop = lab_thread_stop,
};

/*
 * The contexts.  This table is the one list of their names: debugfs
 * "contexts" publishes it to the tests, and scripts/contexts.sh reads it
 * for the host (the lines between the two markers; one .name and
 * .by_default per entry).
 */
/* lab-contexts: begin */
static const struct lab_ctx lab_ctxs[] = {
	{
		.name = "hrtimer", .by_default = true,
		.drv = &lab_drv_hrtimer, .work = lab_batch,
	},
	{
		.name = "irq_work", .by_default = true,
		.drv = &lab_drv_irq_work, .work = lab_batch,
	},
	{
		.name = "timer", .by_default = true,
		.drv = &lab_drv_timer, .work = lab_batch,
	},
	{
		.name = "tasklet", .by_default = true,
		.drv = &lab_drv_tasklet, .work = lab_batch,
	},
	{
		.name = "spin_irq", .by_default = true,
		.drv = &lab_drv_thread, .work = lab_spin_irq_work,
	},
	{
		.name = "spin_bh", .by_default = true,
		.drv = &lab_drv_thread, .work = lab_spin_bh_work,
	},
	{
		.name = "preempt_rcu", .by_default = true,
		.drv = &lab_drv_thread, .work = lab_preempt_rcu_work,
	},
	{
		.name = "ceiling", .by_default = false,
		.drv = &lab_drv_thread, .work = lab_ceiling_work,
	},
	{
		.name = "rx_ring", .by_default = false,
		.drv = &lab_drv_tasklet, .work = lab_rx_poll,
	},
};

/* lab-contexts: end */

static bool lab_is_rx(const struct lab_ctx *ctx)
{
	return ctx->work == lab_rx_poll;
}

/* ---- parameters into a run ---- */

struct lab_cfg {
	char contexts[sizeof(contexts)];
	char orders[sizeof(orders)];
	char gfp[sizeof(gfp)];
	char gfp_extra[sizeof(gfp_extra)];
	char cpus[sizeof(cpus)];
	unsigned int batch, budget_us, rate_hz, hold, duration_ms, selftest;
	unsigned int window_ms, delay_ns;
	bool verify;
};

static const struct {
	const char *name;
	gfp_t flags;
} lab_gfps[] = {
	{ "atomic", GFP_ATOMIC & ~__GFP_NOWARN },
	{ "atomic_nowarn", GFP_ATOMIC | __GFP_NOWARN },
	{ "nowait", GFP_NOWAIT & ~__GFP_NOWARN },
	{ "nowait_nowarn", GFP_NOWAIT | __GFP_NOWARN },
}, lab_gfp_extras[] = {
	{ "high", __GFP_HIGH },
	{ "nomemalloc", __GFP_NOMEMALLOC },
	{ "comp", __GFP_COMP },
	{ "zero", __GFP_ZERO },
};

static void lab_cfg_snapshot(struct lab_cfg *c)
{
	kernel_param_lock(THIS_MODULE);
	strscpy(c->contexts, contexts, sizeof(c->contexts));
	strscpy(c->orders, orders, sizeof(c->orders));
	strscpy(c->gfp, gfp, sizeof(c->gfp));
	strscpy(c->gfp_extra, gfp_extra, sizeof(c->gfp_extra));
	strscpy(c->cpus, cpus, sizeof(c->cpus));
	c->batch = batch;
	c->budget_us = budget_us;
	c->rate_hz = rate_hz;
	c->hold = hold;
	c->duration_ms = duration_ms;
	c->selftest = selftest;
	c->window_ms = window_ms;
	c->delay_ns = delay_ns;
	c->verify = verify;
	kernel_param_unlock(THIS_MODULE);
}

static int lab_parse_contexts(char *s, unsigned long *mask)
{
	char *tok;
	size_t i;

	s = strim(s);
	if (!*s) {
		for (i = 0; i < ARRAY_SIZE(lab_ctxs); i++)
			if (lab_ctxs[i].by_default)
				__set_bit(i, mask);
		return 0;
	}
	while ((tok = strsep(&s, ",")) != NULL) {
		tok = strim(tok);
		for (i = 0; i < ARRAY_SIZE(lab_ctxs); i++)
			if (!strcmp(tok, lab_ctxs[i].name))
				break;
		if (i == ARRAY_SIZE(lab_ctxs)) {
			pr_err("contexts: unknown context '%s'\n", tok);
			return -EINVAL;
		}
		__set_bit(i, mask);
	}
	return 0;
}

static int lab_parse_gfp(char *base, char *extra, gfp_t *out)
{
	char *tok;
	size_t i;

	base = strim(base);
	for (i = 0; i < ARRAY_SIZE(lab_gfps); i++)
		if (!strcmp(base, lab_gfps[i].name))
			break;
	if (i == ARRAY_SIZE(lab_gfps)) {
		pr_err("gfp: unknown variant '%s'\n", base);
		return -EINVAL;
	}
	*out = lab_gfps[i].flags;

	extra = strim(extra);
	while (extra && *extra && (tok = strsep(&extra, ",")) != NULL) {
		tok = strim(tok);
		for (i = 0; i < ARRAY_SIZE(lab_gfp_extras); i++)
			if (!strcmp(tok, lab_gfp_extras[i].name))
				break;
		if (i == ARRAY_SIZE(lab_gfp_extras)) {
			pr_err("gfp_extra: unknown flag '%s'\n", tok);
			return -EINVAL;
		}
		*out |= lab_gfp_extras[i].flags;
	}
	return 0;
}

static int lab_parse_orders(struct lab_run *run, const char *s)
{
	DECLARE_BITMAP(mask, LAB_NR_ORDERS);
	unsigned int o;
	int ret;

	ret = bitmap_parselist(s, mask, LAB_NR_ORDERS);
	if (ret || bitmap_empty(mask, LAB_NR_ORDERS)) {
		pr_err("orders: bad list '%s' (orders 0-%d)\n", s, LAB_MAX_ORDER);
		return -EINVAL;
	}
	run->norders = 0;
	for_each_set_bit(o, mask, LAB_NR_ORDERS)
		run->order_list[run->norders++] = o;
	return 0;
}

static int lab_parse_cpus(const char *s, struct cpumask *mask)
{
	if (!*s) {
		cpumask_copy(mask, cpu_online_mask);
		return 0;
	}
	if (cpulist_parse(s, mask)) {
		pr_err("cpus: bad list '%s'\n", s);
		return -EINVAL;
	}
	cpumask_and(mask, mask, cpu_online_mask);
	if (cpumask_empty(mask)) {
		pr_err("cpus: no online CPU in '%s'\n", s);
		return -EINVAL;
	}
	return 0;
}

static int lab_check_ranges(const struct lab_cfg *c)
{
	if (!c->batch || c->batch > LAB_MAX_BATCH) {
		pr_err("batch: %u out of range 1-%u\n", c->batch, LAB_MAX_BATCH);
		return -EINVAL;
	}
	if (c->budget_us > LAB_MAX_BUDGET_US) {
		pr_err("budget_us: %u out of range 0-%u\n", c->budget_us,
		       LAB_MAX_BUDGET_US);
		return -EINVAL;
	}
	if (c->hold > LAB_MAX_HOLD) {
		pr_err("hold: %u out of range 0-%u\n", c->hold, LAB_MAX_HOLD);
		return -EINVAL;
	}
	if (c->rate_hz > NSEC_PER_SEC) {
		pr_err("rate_hz: %u out of range\n", c->rate_hz);
		return -EINVAL;
	}
	if (c->window_ms > LAB_MAX_WINDOW_MS || (c->window_ms && c->window_ms < 10)) {
		pr_err("window_ms: %u out of range 0, 10-%u\n", c->window_ms,
		       LAB_MAX_WINDOW_MS);
		return -EINVAL;
	}
	if (c->delay_ns > LAB_MAX_DELAY_NS) {
		pr_err("delay_ns: %u out of range 0-%u\n", c->delay_ns,
		       LAB_MAX_DELAY_NS);
		return -EINVAL;
	}
	return 0;
}

static void lab_windows_free(struct lab_windows *w)
{
	if (!w)
		return;
	kvfree(w->base);
	kvfree(w->win);
	kfree(w);
}

static int lab_windows_alloc(struct lab_run *run, unsigned int ms)
{
	struct lab_windows *w;

	if (!ms)
		return 0;
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	run->win = w;
	w->window_ms = ms;
	w->nrows = bitmap_weight(run->ctx_mask, 16) * run->norders;
	w->base = kvcalloc(w->nrows, sizeof(*w->base), GFP_KERNEL);
	w->win = kvcalloc(LAB_MAX_WINDOWS * w->nrows, sizeof(*w->win),
			  GFP_KERNEL);
	if (!w->base || !w->win)
		return -ENOMEM;
	return 0;
}

static void lab_inst_free_slots(struct lab_inst *inst)
{
	kfree(inst->slot);
	kfree(inst->slot_order);
}

static void lab_run_free(struct lab_run *run)
{
	unsigned int i;

	if (!run)
		return;
	for (i = 0; i < run->ninst; i++) {
		if (run->insts[i].ctx->drv->destroy)
			run->insts[i].ctx->drv->destroy(&run->insts[i]);
		lab_inst_free_slots(&run->insts[i]);
	}
	lab_windows_free(run->win);
	kvfree(run);
}

static int lab_inst_init(struct lab_run *run, struct lab_inst *inst,
			 const struct lab_ctx *ctx, unsigned int cpu)
{
	unsigned int o;

	inst->run = run;
	inst->ctx = ctx;
	inst->cpu = cpu;
	spin_lock_init(&inst->lock);
	u64_stats_init(&inst->rx.syncp);
	for (o = 0; o < LAB_NR_ORDERS; o++) {
		u64_stats_init(&inst->st[o].syncp);
		inst->st[o].lat_min = U64_MAX;
	}
	inst->nslots = lab_is_rx(ctx) ? LAB_RX_RING : run->hold;
	if (inst->nslots) {
		inst->slot = kcalloc(inst->nslots, sizeof(*inst->slot),
				     GFP_KERNEL);
		inst->slot_order = kcalloc(inst->nslots,
					   sizeof(*inst->slot_order), GFP_KERNEL);
		if (!inst->slot || !inst->slot_order)
			return -ENOMEM;
	}
	return ctx->drv->create ? ctx->drv->create(inst) : 0;
}

static struct lab_run *lab_run_build(void)
{
	struct lab_cfg *c;
	struct lab_run *run = NULL;
	DECLARE_BITMAP(ctx_mask, 16);
	cpumask_var_t cpu_mask;
	unsigned int ninst, k, cpu;
	size_t i;
	gfp_t flags;
	int ret;

	BUILD_BUG_ON(ARRAY_SIZE(lab_ctxs) > 16);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	if (!zalloc_cpumask_var(&cpu_mask, GFP_KERNEL)) {
		kfree(c);
		return ERR_PTR(-ENOMEM);
	}
	bitmap_zero(ctx_mask, 16);
	lab_cfg_snapshot(c);
	ret = lab_check_ranges(c);
	if (!ret)
		ret = lab_parse_contexts(c->contexts, ctx_mask);
	if (!ret)
		ret = lab_parse_gfp(c->gfp, c->gfp_extra, &flags);
	if (!ret)
		ret = lab_parse_cpus(strim(c->cpus), cpu_mask);
	if (ret)
		goto out;

	ninst = bitmap_weight(ctx_mask, 16) * cpumask_weight(cpu_mask);
	run = kvzalloc(struct_size(run, insts, ninst), GFP_KERNEL);
	if (!run) {
		ret = -ENOMEM;
		goto out;
	}
	ret = lab_parse_orders(run, strim(c->orders));
	if (ret)
		goto out;
	run->gfp = flags;
	run->batch = c->batch;
	run->budget_ns = (u64)c->budget_us * NSEC_PER_USEC;
	run->hold = c->hold;
	run->verify = c->verify;
	run->period_ns = c->rate_hz ? div_u64(NSEC_PER_SEC, c->rate_hz) : 0;
	run->duration_ms = c->duration_ms;
	run->selftest = c->selftest;
	run->delay_ns = c->delay_ns;
	bitmap_copy(run->ctx_mask, ctx_mask, 16);
	init_llist_head(&run->deferred);
	ret = lab_windows_alloc(run, c->window_ms);
	if (ret)
		goto out;

	k = 0;
	for_each_set_bit(i, ctx_mask, ARRAY_SIZE(lab_ctxs)) {
		for_each_cpu(cpu, cpu_mask) {
			run->ninst = k + 1;
			ret = lab_inst_init(run, &run->insts[k++], &lab_ctxs[i], cpu);
			if (ret)
				goto out;
		}
	}
out:
	free_cpumask_var(cpu_mask);
	kfree(c);
	if (ret) {
		lab_run_free(run);
		return ERR_PTR(ret);
	}
	return run;
}

/* ---- statistics ---- */

struct lab_sum {
	u64 attempts, successes, failures, freed, bytes, lat_min, lat_max;
	u64 remote_freed, verify_errors;
	u64 hist[LAB_HIST_BUCKETS];
};

/* Summing space for stats and checks, under lab_lock: stop allocates nothing. */
static struct lab_sum lab_sum_buf;

static u64 lab_read_stat(struct lab_order_stats *st, u64_stats_t *v)
{
	unsigned int start;
	u64 x;

	do {
		start = u64_stats_fetch_begin(&st->syncp);
		x = u64_stats_read(v);
	} while (u64_stats_fetch_retry(&st->syncp, start));
	return x;
}

static void lab_sum_add(struct lab_sum *sum, struct lab_order_stats *st)
{
	u64 attempts, successes, failures, freed, bytes, lat_min, lat_max;
	unsigned int start, b;

	do {
		start = u64_stats_fetch_begin(&st->syncp);
		attempts = u64_stats_read(&st->attempts);
		successes = u64_stats_read(&st->successes);
		failures = u64_stats_read(&st->failures);
		freed = u64_stats_read(&st->freed);
		bytes = u64_stats_read(&st->bytes);
		lat_min = READ_ONCE(st->lat_min);
		lat_max = READ_ONCE(st->lat_max);
	} while (u64_stats_fetch_retry(&st->syncp, start));

	if (attempts && (!sum->attempts || lat_min < sum->lat_min))
		sum->lat_min = lat_min;
	sum->lat_max = max(sum->lat_max, lat_max);
	sum->attempts += attempts;
	sum->successes += successes;
	sum->failures += failures;
	sum->freed += freed;
	sum->bytes += bytes;
	sum->remote_freed += atomic64_read(&st->remote_freed);
	sum->verify_errors += atomic64_read(&st->verify_errors);
	for (b = 0; b < LAB_HIST_BUCKETS; b++)
		sum->hist[b] += lab_read_stat(st, &st->hist[b]);
}

static void lab_sum_ctx(struct lab_run *run, const struct lab_ctx *ctx,
			unsigned int order, struct lab_sum *sum)
{
	unsigned int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < run->ninst; i++)
		if (run->insts[i].ctx == ctx)
			lab_sum_add(sum, &run->insts[i].st[order]);
}

static s64 lab_outstanding(const struct lab_sum *s)
{
	return (s64)(s->successes - s->freed - s->remote_freed);
}

static u64 lab_hist_total(const u64 *hist)
{
	u64 n = 0;
	unsigned int b;

	for (b = 0; b < LAB_HIST_BUCKETS; b++)
		n += hist[b];
	return n;
}

/* Percentile interpolated in the histogram, within the exact min and max. */
static u64 lab_percentile(const struct lab_sum *s, unsigned int pct)
{
	u64 v;

	if (!s->attempts)
		return 0;
	v = lab_hist_percentile(s->hist, lab_hist_total(s->hist), pct);
	return clamp_t(u64, v, s->lat_min, s->lat_max);
}

static void lab_show_order(struct seq_file *m, const struct lab_ctx *ctx,
			   unsigned int order, const struct lab_sum *s)
{
	u64 log2[LAB_HIST_LOG2] = { 0 };
	unsigned int b;

	for (b = 0; b < LAB_HIST_BUCKETS; b++)
		log2[lab_hist_log2(b)] += s->hist[b];
	seq_printf(m, "ctx=%s order=%u attempts=%llu successes=%llu failures=%llu verify_errors=%llu outstanding=%lld bytes=%llu",
		   ctx->name, order, s->attempts, s->successes, s->failures,
		   s->verify_errors, lab_outstanding(s), s->bytes);
	seq_printf(m, " lat_min_ns=%llu lat_p50_ns=%llu lat_p99_ns=%llu lat_max_ns=%llu hist=",
		   s->attempts ? s->lat_min : 0, lab_percentile(s, 50),
		   lab_percentile(s, 99), s->lat_max);
	for (b = 0; b < LAB_HIST_LOG2; b++)
		seq_printf(m, "%s%llu", b ? "," : "", log2[b]);
	seq_putc(m, '\n');
}

static void lab_show_rx(struct seq_file *m, struct lab_run *run,
			const struct lab_ctx *ctx)
{
	u64 refills = 0, served = 0, fallback = 0, dropped = 0;
	struct lab_rx_stats *rx;
	unsigned int i, start;
	u64 r, s, f, d;

	for (i = 0; i < run->ninst; i++) {
		if (run->insts[i].ctx != ctx)
			continue;
		rx = &run->insts[i].rx;
		do {
			start = u64_stats_fetch_begin(&rx->syncp);
			r = u64_stats_read(&rx->refills);
			s = u64_stats_read(&rx->served);
			f = u64_stats_read(&rx->fallback);
			d = u64_stats_read(&rx->dropped);
		} while (u64_stats_fetch_retry(&rx->syncp, start));
		refills += r;
		served += s;
		fallback += f;
		dropped += d;
	}
	seq_printf(m, "ctx=%s refills=%llu served=%llu fallback=%llu dropped=%llu\n",
		   ctx->name, refills, served, fallback, dropped);
}

static int lab_stats_show(struct seq_file *m, void *unused)
{
	struct lab_sum *sum = &lab_sum_buf;
	struct lab_run *run;
	unsigned int i, k;

	mutex_lock(&lab_lock);
	run = lab_cur;
	for_each_set_bit(i, run->ctx_mask, ARRAY_SIZE(lab_ctxs)) {
		for (k = 0; k < run->norders; k++) {
			lab_sum_ctx(run, &lab_ctxs[i], run->order_list[k], sum);
			lab_show_order(m, &lab_ctxs[i], run->order_list[k], sum);
		}
		if (lab_is_rx(&lab_ctxs[i]))
			lab_show_rx(m, run, &lab_ctxs[i]);
	}
	mutex_unlock(&lab_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lab_stats);

/* ---- windows ---- */

/* Difference of two histograms, under lab_lock. */
static u64 lab_win_hist[LAB_HIST_BUCKETS];

static u64 lab_win_percentile(u64 n, unsigned int pct)
{
	u64 v = lab_hist_percentile(lab_win_hist, n, pct);

	return v == U64_MAX ? lab_hist_low(LAB_HIST_BUCKETS - 1) : v;
}

/* Window x of row from the sums s, against the base of the window. */
static void lab_window_fill(struct lab_win *x, const struct lab_sum *s,
			    const struct lab_win_base *base)
{
	unsigned int b;
	u64 n;

	x->attempts = s->attempts - base->attempts;
	x->successes = s->successes - base->successes;
	x->failures = s->failures - base->failures;
	for (b = 0; b < LAB_HIST_BUCKETS; b++)
		lab_win_hist[b] = s->hist[b] - base->hist[b];
	n = lab_hist_total(lab_win_hist);
	x->p50 = lab_win_percentile(n, 50);
	x->p99 = lab_win_percentile(n, 99);
}

/*
 * End the current window and begin the next: keep its counts when "keep"
 * (and there is room), then take the sums as the new window's base.
 */
static void lab_window_close(struct lab_run *run, bool keep)
{
	struct lab_windows *w = run->win;
	struct lab_sum *s = &lab_sum_buf;
	struct lab_win_base *base;
	unsigned int i, k, row = 0;
	u64 now = ktime_get_ns();

	lockdep_assert_held(&lab_lock);
	if (keep && w->nwin == LAB_MAX_WINDOWS) {
		w->dropped++;
		keep = false;
	}
	for_each_set_bit(i, run->ctx_mask, ARRAY_SIZE(lab_ctxs)) {
		for (k = 0; k < run->norders; k++, row++) {
			lab_sum_ctx(run, &lab_ctxs[i], run->order_list[k], s);
			base = &w->base[row];
			if (keep)
				lab_window_fill(&w->win[w->nwin * w->nrows + row],
						s, base);
			base->attempts = s->attempts;
			base->successes = s->successes;
			base->failures = s->failures;
			memcpy(base->hist, s->hist, sizeof(base->hist));
		}
	}
	if (keep) {
		/* the memory state at the window's end */
		w->highatomic[w->nwin] =
			lab_count_free_blocks(w->free_blocks[w->nwin]);
		w->ms[w->nwin++] = div_u64(now - w->t0, NSEC_PER_MSEC);
	}
	w->t0 = now;
	now = ktime_get_ns() - now;
	w->ncloses++;
	w->close_ns += now;
	w->close_ns_max = max(w->close_ns_max, now);
}

/* Runs every window_ms while the run runs; closes a window when it is due. */
static void lab_window_fn(struct work_struct *work)
{
	struct lab_windows *w;
	u64 span, now;

	mutex_lock(&lab_lock);
	w = lab_cur->win;
	if (lab_running && w && !READ_ONCE(lab_deadline_hit)) {
		span = (u64)w->window_ms * NSEC_PER_MSEC;
		now = ktime_get_ns();
		/* a quarter window early is due: jiffies round */
		if (now + span / 4 >= w->t0 + span)
			lab_window_close(lab_cur, true);
		schedule_delayed_work(&lab_window, msecs_to_jiffies(w->window_ms));
	}
	mutex_unlock(&lab_lock);
}

static void lab_windows_begin(struct lab_run *run)
{
	if (!run->win)
		return;
	lab_window_close(run, false);
	schedule_delayed_work(&lab_window, msecs_to_jiffies(run->win->window_ms));
}

/* At stop: keep the last window if it lasted at least half a window. */
static void lab_windows_end(struct lab_run *run)
{
	struct lab_windows *w = run->win;

	if (!w)
		return;
	cancel_delayed_work(&lab_window);
	lab_window_close(run, (ktime_get_ns() - w->t0) * 2 >=
			 (u64)w->window_ms * NSEC_PER_MSEC);
}

static void lab_show_windows(struct seq_file *m, struct lab_run *run)
{
	struct lab_windows *w = run->win;
	const struct lab_win *x;
	unsigned int n, i, k, row;

	for (n = 0; n < w->nwin; n++) {
		row = 0;
		for_each_set_bit(i, run->ctx_mask, ARRAY_SIZE(lab_ctxs)) {
			for (k = 0; k < run->norders; k++, row++) {
				x = &w->win[n * w->nrows + row];
				seq_printf(m, "w=%u ms=%u ctx=%s order=%u attempts=%llu successes=%llu failures=%llu lat_p50_ns=%llu lat_p99_ns=%llu\n",
					   n, w->ms[n], lab_ctxs[i].name,
					   run->order_list[k], x->attempts,
					   x->successes, x->failures, x->p50,
					   x->p99);
			}
		}
		seq_printf(m, "w=%u ms=%u memory reserved_highatomic=%lu free_blocks=",
			   n, w->ms[n], w->highatomic[n]);
		for (k = 0; k < LAB_NR_ORDERS; k++)
			seq_printf(m, "%s%lu", k ? "," : "", w->free_blocks[n][k]);
		seq_putc(m, '\n');
	}
	seq_printf(m, "windows=%u dropped=%u window_ms=%u close_ns_avg=%llu close_ns_max=%llu\n",
		   w->nwin, w->dropped, w->window_ms,
		   w->ncloses ? div_u64(w->close_ns, w->ncloses) : 0,
		   w->close_ns_max);
}

static int lab_windows_show(struct seq_file *m, void *unused)
{
	mutex_lock(&lab_lock);
	if (lab_cur->win)
		lab_show_windows(m, lab_cur);
	mutex_unlock(&lab_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lab_windows);

/* attempts == successes + failures and nothing outstanding, or pr_err. */
static int lab_check_accounting(struct lab_run *run)
{
	struct lab_sum *s = &lab_sum_buf;
	unsigned int i, k;
	int bad = 0;

	lockdep_assert_held(&lab_lock);
	for_each_set_bit(i, run->ctx_mask, ARRAY_SIZE(lab_ctxs)) {
		for (k = 0; k < run->norders; k++) {
			lab_sum_ctx(run, &lab_ctxs[i], run->order_list[k], s);
			if (s->attempts == s->successes + s->failures &&
			    !lab_outstanding(s))
				continue;
			pr_err("accounting mismatch: ctx=%s order=%u attempts=%llu successes=%llu failures=%llu outstanding=%llu\n",
			       lab_ctxs[i].name, run->order_list[k], s->attempts,
			       s->successes, s->failures,
			       (u64)lab_outstanding(s));
			bad++;
		}
	}
	return bad ? -EIO : 0;
}

/* ---- start and stop ---- */

/* selftest=2: a held page's pattern no longer matches. */
static void lab_selftest_corrupt(struct page *page)
{
	u64 *p = page_address(page);

	p[LAB_HDR_BYTES / sizeof(u64)] ^= 1;
}

/* selftest=1: one attempt that is neither a success nor a failure. */
static void lab_selftest_miscount(struct lab_run *run)
{
	struct lab_order_stats *st = &run->insts[0].st[run->order_list[0]];

	u64_stats_update_begin(&st->syncp);
	u64_stats_inc(&st->attempts);
	u64_stats_update_end(&st->syncp);
}

/* Free what the hold and RX rings keep; every callback is stopped. */
static void lab_release_slots(struct lab_inst *inst)
{
	unsigned int i, order;

	for (i = 0; i < inst->nslots; i++) {
		if (!inst->slot[i])
			continue;
		order = inst->slot_order[i];
		if (inst->run->selftest == 2)
			lab_selftest_corrupt(inst->slot[i]);
		lab_free_remote(inst->run, &inst->st[order], inst->slot[i], order);
		inst->slot[i] = NULL;
	}
}

static void lab_stop_locked(void)
{
	struct lab_run *run = lab_cur;
	unsigned int i;

	lockdep_assert_held(&lab_lock);
	if (!lab_running)
		return;
	hrtimer_cancel(&lab_deadline);
	hrtimer_cancel(&lab_enough);
	if (!READ_ONCE(lab_deadline_hit))
		lab_ran_ns = ktime_to_ns(ktime_sub(ktime_get(), lab_t_start));
	for (i = 0; i < run->ninst; i++)
		WRITE_ONCE(run->insts[i].stopping, true);
	for (i = 0; i < run->ninst; i++) {
		if (!run->insts[i].started)
			continue;
		run->insts[i].ctx->drv->stop(&run->insts[i]);
		run->insts[i].started = false;
	}
	lab_windows_end(run);
	for (i = 0; i < run->ninst; i++)
		lab_release_slots(&run->insts[i]);
	lab_drain_deferred(run);
	lab_running = false;
	if (run->selftest == 1)
		lab_selftest_miscount(run);
	lab_check_accounting(run);
	pr_info("stopped\n");
}

/*
 * Start the current run: no parameter is read and nothing allocated, so a
 * start works under injection scoped to this module.  It stops by itself
 * after ms milliseconds of the kernel's clock (0: the run's duration_ms),
 * or once every context and order made least attempts (0: no such end).
 */
static int lab_start_locked(unsigned int ms, unsigned int least)
{
	struct lab_run *run;
	unsigned int i;
	int ret;

	lockdep_assert_held(&lab_lock);
	if (lab_running)
		return -EBUSY;
	run = lab_cur;
	lab_running = true;
	lab_asked_ms = ms ? ms : run->duration_ms;
	lab_ran_ns = 0;
	WRITE_ONCE(lab_deadline_hit, false);
	clear_bit(0, &lab_end_once);
	lab_least = least;
	lab_t_start = ktime_get();
	lab_windows_begin(run);
	for (i = 0; i < run->ninst; i++)
		WRITE_ONCE(run->insts[i].stopping, false);
	for (i = 0; i < run->ninst; i++) {
		ret = run->insts[i].ctx->drv->start(&run->insts[i]);
		if (ret) {
			pr_err("cannot start %s on CPU %u: %d\n",
			       run->insts[i].ctx->name, run->insts[i].cpu, ret);
			lab_stop_locked();
			return ret;
		}
		run->insts[i].started = true;
	}
	if (lab_asked_ms)
		hrtimer_start(&lab_deadline, ms_to_ktime(lab_asked_ms),
			      HRTIMER_MODE_REL_HARD);
	if (least)
		hrtimer_start(&lab_enough, ms_to_ktime(LAB_ENOUGH_MS),
			      HRTIMER_MODE_REL_HARD);
	pr_info("started: %u instances\n", run->ninst);
	return 0;
}

/*
 * The end of a run by itself (the deadline, or enough attempts), once:
 * the time it ran, every instance's stopping flag, and the stop queued.
 */
static void lab_end_run(void)
{
	struct lab_run *run = lab_cur;
	unsigned int i;

	if (test_and_set_bit(0, &lab_end_once))
		return;
	lab_ran_ns = ktime_to_ns(ktime_sub(ktime_get(), lab_t_start));
	WRITE_ONCE(lab_deadline_hit, true);
	for (i = 0; i < run->ninst; i++)
		WRITE_ONCE(run->insts[i].stopping, true);
	schedule_delayed_work(&lab_autostop, 0);
}

static enum hrtimer_restart lab_deadline_fn(struct hrtimer *t)
{
	lab_end_run();
	return HRTIMER_NORESTART;
}

/*
 * Every context and order made lab_least attempts (read without the
 * statistics' sequence: a torn read on a 32-bit kernel only delays the
 * end by a look).  The RX ring tries a lower order only when the one
 * above failed: a lower order it never tried counts as done, its
 * requested (highest) order never does.
 */
static bool lab_least_reached(const struct lab_run *run)
{
	unsigned int i, j, k, o;
	u64 n;

	for_each_set_bit(i, run->ctx_mask, ARRAY_SIZE(lab_ctxs)) {
		for (k = 0; k < run->norders; k++) {
			o = run->order_list[k];
			n = 0;
			for (j = 0; j < run->ninst; j++)
				if (run->insts[j].ctx == &lab_ctxs[i])
					n += u64_stats_read(&run->insts[j].st[o].attempts);
			if (n < lab_least &&
			    !(n == 0 && lab_is_rx(&lab_ctxs[i]) &&
			      k + 1 < run->norders))
				return false;
		}
	}
	return true;
}

static enum hrtimer_restart lab_enough_fn(struct hrtimer *t)
{
	if (test_bit(0, &lab_end_once))
		return HRTIMER_NORESTART;
	if (!lab_least_reached(lab_cur)) {
		hrtimer_forward_now(t, ms_to_ktime(LAB_ENOUGH_MS));
		return HRTIMER_RESTART;
	}
	lab_end_run();
	return HRTIMER_NORESTART;
}

static void lab_autostop_fn(struct work_struct *work)
{
	mutex_lock(&lab_lock);
	lab_stop_locked();
	mutex_unlock(&lab_lock);
}

static int lab_stop(void)
{
	cancel_delayed_work_sync(&lab_autostop);
	cancel_delayed_work_sync(&lab_window);
	mutex_lock(&lab_lock);
	lab_stop_locked();
	mutex_unlock(&lab_lock);
	return 0;
}

/* A new run from the parameters as they are now, with zeroed statistics. */
static int lab_reset(void)
{
	struct lab_run *run;
	int ret = -EBUSY;

	mutex_lock(&lab_lock);
	if (!lab_running) {
		run = lab_run_build();
		ret = PTR_ERR_OR_ZERO(run);
		if (!ret) {
			lab_run_free(lab_cur);
			lab_cur = run;
		}
	}
	mutex_unlock(&lab_lock);
	return ret;
}

/* ---- debugfs ---- */

static ssize_t lab_control_write(struct file *file, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	char buf[32];
	unsigned int ms, least = 0;
	int ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';

	if (sysfs_streq(buf, "start")) {
		mutex_lock(&lab_lock);
		ret = lab_start_locked(0, 0);
		mutex_unlock(&lab_lock);
	} else if (!strncmp(buf, "run ", 4)) {
		/*
		 * "run <ms> [<least>]": start, and stop after ms of the
		 * kernel's clock, or once every context and order made least
		 * attempts
		 */
		char *arg = strim(buf + 4), *sp = strchr(arg, ' ');

		ret = 0;
		if (sp) {
			*sp = '\0';
			ret = kstrtouint(skip_spaces(sp + 1), 10, &least);
			if (!ret && !least)
				ret = -EINVAL;
		}
		if (!ret)
			ret = kstrtouint(arg, 10, &ms);
		if (!ret && !ms)
			ret = -EINVAL;
		if (!ret) {
			mutex_lock(&lab_lock);
			ret = lab_start_locked(ms, least);
			mutex_unlock(&lab_lock);
		}
	} else if (sysfs_streq(buf, "stop")) {
		ret = lab_stop();
	} else if (sysfs_streq(buf, "reset")) {
		ret = lab_reset();
	} else {
		ret = -EINVAL;
	}
	return ret ? ret : len;
}

static const struct file_operations lab_control_fops = {
	.owner = THIS_MODULE,
	.write = lab_control_write,
	.llseek = noop_llseek,
};

static int lab_state_show(struct seq_file *m, void *unused)
{
	bool running;

	mutex_lock(&lab_lock);
	running = lab_running;
	mutex_unlock(&lab_lock);
	seq_printf(m, "%s\n", running ? "running" : "stopped");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lab_state);

/*
 * The last start on the kernel's monotonic clock: the milliseconds it ran
 * (so far, while it runs; up to the deadline once that passed) and was
 * asked to run (0: until stopped); the attempts and failures of the run so
 * far and the free blocks per order of every populated zone, so that a
 * progress line needs one read.
 */
static int lab_clock_show(struct seq_file *m, void *unused)
{
	struct lab_run *run;
	struct lab_order_stats *st;
	u64 ran, attempts = 0, failures = 0, cuts = 0;
	unsigned long free_blocks[LAB_NR_ORDERS];
	unsigned int asked, i, k, o;
	bool running;

	mutex_lock(&lab_lock);
	run = lab_cur;
	running = lab_running;
	ran = running && !READ_ONCE(lab_deadline_hit) ?
		ktime_to_ns(ktime_sub(ktime_get(), lab_t_start)) : lab_ran_ns;
	asked = lab_asked_ms;
	for (i = 0; i < run->ninst; i++) {
		cuts += READ_ONCE(run->insts[i].cuts);
		for (k = 0; k < run->norders; k++) {
			st = &run->insts[i].st[run->order_list[k]];
			attempts += lab_read_stat(st, &st->attempts);
			failures += lab_read_stat(st, &st->failures);
		}
	}
	mutex_unlock(&lab_lock);
	lab_count_free_blocks(free_blocks);
	seq_printf(m, "state=%s ran_ms=%llu asked_ms=%u attempts=%llu failures=%llu cuts=%llu free_blocks=",
		   running ? "running" : "stopped", div_u64(ran, NSEC_PER_MSEC),
		   asked, attempts, failures, cuts);
	for (o = 0; o < LAB_NR_ORDERS; o++)
		seq_printf(m, "%lu%c", free_blocks[o], o + 1 < LAB_NR_ORDERS ? ',' : '\n');
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lab_clock);

static int lab_text_range_show(struct seq_file *m, void *unused)
{
	unsigned long start, end;

	lab_module_text(THIS_MODULE, &start, &end);
	seq_printf(m, "0x%lx 0x%lx\n", start, end);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lab_text_range);

/* The context table: "<name> default" or "<name> extra" (on request). */
static int lab_contexts_show(struct seq_file *m, void *unused)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lab_ctxs); i++)
		seq_printf(m, "%s %s\n", lab_ctxs[i].name,
			   lab_ctxs[i].by_default ? "default" : "extra");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lab_contexts);

/* Free pages and the high-order atomic reserve of every populated zone. */
static int lab_zones_show(struct seq_file *m, void *unused)
{
	struct zone *zone;
	int nid, z;

	for_each_online_node(nid) {
		for (z = 0; z < MAX_NR_ZONES; z++) {
			zone = &NODE_DATA(nid)->node_zones[z];
			if (!populated_zone(zone))
				continue;
			seq_printf(m, "node=%d zone=%s free_pages=%lu reserved_highatomic=%lu\n",
				   nid, zone->name,
				   zone_page_state(zone, NR_FREE_PAGES),
				   READ_ONCE(zone->nr_reserved_highatomic));
		}
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lab_zones);

static int __init lab_engine_init(void)
{
	struct lab_run *run;
	int ret;

	run = lab_run_build();
	if (IS_ERR(run))
		return PTR_ERR(run);
	lab_cur = run;
	lab_hrtimer_setup(&lab_deadline, lab_deadline_fn, CLOCK_MONOTONIC,
			  HRTIMER_MODE_REL_HARD);
	lab_hrtimer_setup(&lab_enough, lab_enough_fn, CLOCK_MONOTONIC,
			  HRTIMER_MODE_REL_HARD);

	lab_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("control", 0200, lab_dir, NULL, &lab_control_fops);
	debugfs_create_file("state", 0444, lab_dir, NULL, &lab_state_fops);
	debugfs_create_file("clock", 0444, lab_dir, NULL, &lab_clock_fops);
	debugfs_create_file("stats", 0444, lab_dir, NULL, &lab_stats_fops);
	debugfs_create_file("windows", 0444, lab_dir, NULL, &lab_windows_fops);
	debugfs_create_file("contexts", 0444, lab_dir, NULL, &lab_contexts_fops);
	debugfs_create_file("zones", 0444, lab_dir, NULL, &lab_zones_fops);
	debugfs_create_file("text_range", 0400, lab_dir, NULL,
			    &lab_text_range_fops);

	if (autostart) {
		mutex_lock(&lab_lock);
		ret = lab_start_locked(0, 0);
		mutex_unlock(&lab_lock);
		if (ret) {
			debugfs_remove_recursive(lab_dir);
			lab_run_free(lab_cur);
			return ret;
		}
	}
	return 0;
}

static void __exit lab_engine_exit(void)
{
	debugfs_remove_recursive(lab_dir);
	hrtimer_cancel(&lab_deadline);
	hrtimer_cancel(&lab_enough);
	cancel_delayed_work_sync(&lab_autostop);
	mutex_lock(&lab_lock);
	if (lab_running)
		lab_stop_locked();
	else
		lab_check_accounting(lab_cur);
	mutex_unlock(&lab_lock);
	cancel_delayed_work_sync(&lab_window);
	lab_run_free(lab_cur);
}

module_init(lab_engine_init);
module_exit(lab_engine_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("GFP_ATOMIC-class page allocation engine for every atomic context");
