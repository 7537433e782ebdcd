/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences between the releases the companion modules build
 * against (6.1 and later).  Each helper picks the interface the headers
 * offer, so the callers stay free of version checks.
 */
#ifndef LAB_COMPAT_H
#define LAB_COMPAT_H

#include <linux/version.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/hrtimer.h>
#include <linux/timer.h>

/*
 * Release of the headers being built against, for the interfaces that no
 * macro announces.  Out-of-tree modules cannot avoid this check.
 */
#define LAB_KERNEL_AT_LEAST(major, minor) \
	(KERNEL_VERSION(major, minor, 0) <= LINUX_VERSION_CODE)

/*
 * Highest page order the buddy allocator hands out.  6.4 made MAX_ORDER
 * inclusive, 6.8 renamed it MAX_PAGE_ORDER; before 6.4 it was exclusive.
 */
#if defined(MAX_PAGE_ORDER)
#define LAB_MAX_ORDER	MAX_PAGE_ORDER
#elif LAB_KERNEL_AT_LEAST(6, 4)
#define LAB_MAX_ORDER	MAX_ORDER
#else
#define LAB_MAX_ORDER	(MAX_ORDER - 1)
#endif
#define LAB_NR_ORDERS	(LAB_MAX_ORDER + 1)

static inline void lab_hrtimer_setup(struct hrtimer *timer,
				     enum hrtimer_restart (*fn)(struct hrtimer *),
				     clockid_t clock, enum hrtimer_mode mode)
{
#if LAB_KERNEL_AT_LEAST(6, 13)
	hrtimer_setup(timer, fn, clock, mode);
#else
	hrtimer_init(timer, clock, mode);
	timer->function = fn;
#endif
}

#ifdef timer_container_of
#define lab_timer_container_of(var, t, field)	timer_container_of(var, t, field)
#else
#define lab_timer_container_of(var, t, field)	from_timer(var, t, field)
#endif

/*
 * Stop a timer for good: wait for a running callback and refuse re-arming
 * where the kernel can (6.2 and later); callers also stop re-arming
 * themselves, which is all del_timer_sync() needs.
 */
static inline void lab_timer_shutdown_sync(struct timer_list *timer)
{
#if LAB_KERNEL_AT_LEAST(6, 2)
	timer_shutdown_sync(timer);
#else
	del_timer_sync(timer);
#endif
}

/* [start, end) of a module's core text, as fail_page_alloc's filter wants. */
static inline void lab_module_text(const struct module *mod,
				   unsigned long *start, unsigned long *end)
{
#if LAB_KERNEL_AT_LEAST(6, 4)
	*start = (unsigned long)mod->mem[MOD_TEXT].base;
	*end = *start + mod->mem[MOD_TEXT].size;
#else
	*start = (unsigned long)mod->core_layout.base;
	*end = *start + mod->core_layout.text_size;
#endif
}

#endif /* LAB_COMPAT_H */
