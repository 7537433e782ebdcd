// SPDX-License-Identifier: GPL-2.0
/*
 * bad_nf_stuck: a broken module the suite must catch on the kernel's own
 * network path: it fails gracefully at first, but never recovers.  An IPv4
 * netfilter hook (LOCAL_IN, init_net) takes a small note per packet with
 * GFP_ATOMIC in softirq.  When the note cannot be had it drops the packet
 * and switches to a "degraded" mode that nothing ever switches off again:
 * from then on it drops one packet in @drop_every, long after the
 * allocations succeed again.  Throughput does not come back once
 * injection stops (the recovery check); nothing leaks, nothing splats.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/atomic.h>
#include <linux/slab.h>
#include <linux/skbuff.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <net/net_namespace.h>

static unsigned int drop_every = 8;
module_param(drop_every, uint, 0444);
MODULE_PARM_DESC(drop_every, "Once degraded, drop one packet in this many (2-1000, default 8)");

struct bad_nf_stuck_note {
	unsigned int len;
};

#if IS_ENABLED(CONFIG_NETFILTER)
static atomic64_t bad_nf_stuck_packets;
static atomic64_t bad_nf_stuck_no_note;
static atomic64_t bad_nf_stuck_dropped;
static atomic_t bad_nf_stuck_degraded;

static unsigned int bad_nf_stuck_hook(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	struct bad_nf_stuck_note *note;
	u64 n = atomic64_inc_return(&bad_nf_stuck_packets);

	/* The bug: the degraded mode is never left. */
	if (atomic_read(&bad_nf_stuck_degraded) && !(n % drop_every)) {
		atomic64_inc(&bad_nf_stuck_dropped);
		return NF_DROP;
	}
	note = kmalloc(sizeof(*note), GFP_ATOMIC | __GFP_NOWARN);
	if (!note) {
		atomic64_inc(&bad_nf_stuck_no_note);
		atomic_set(&bad_nf_stuck_degraded, 1);
		atomic64_inc(&bad_nf_stuck_dropped);
		return NF_DROP;
	}
	note->len = skb->len;
	kfree(note);
	return NF_ACCEPT;
}

static const struct nf_hook_ops bad_nf_stuck_ops = {
	.hook		= bad_nf_stuck_hook,
	.pf		= NFPROTO_IPV4,
	.hooknum	= NF_INET_LOCAL_IN,
	.priority	= NF_IP_PRI_FIRST,
};

static int __init bad_nf_stuck_init(void)
{
	int err;

	if (drop_every < 2 || drop_every > 1000)
		return -EINVAL;
	err = nf_register_net_hook(&init_net, &bad_nf_stuck_ops);
	if (err)
		return err;
	pr_info("hooked IPv4 LOCAL_IN: once a note cannot be allocated, one packet in %u is dropped for good\n",
		drop_every);
	return 0;
}

static void __exit bad_nf_stuck_exit(void)
{
	nf_unregister_net_hook(&init_net, &bad_nf_stuck_ops);
	pr_info("packets=%lld no_note=%lld dropped=%lld degraded=%d\n",
		(long long)atomic64_read(&bad_nf_stuck_packets),
		(long long)atomic64_read(&bad_nf_stuck_no_note),
		(long long)atomic64_read(&bad_nf_stuck_dropped),
		atomic_read(&bad_nf_stuck_degraded));
}
#else
static int __init bad_nf_stuck_init(void)
{
	pr_info("kernel without CONFIG_NETFILTER\n");
	return -ENODEV;
}

static void __exit bad_nf_stuck_exit(void)
{
}
#endif

module_init(bad_nf_stuck_init);
module_exit(bad_nf_stuck_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth proof: a netfilter hook that keeps dropping packets after an atomic allocation failed");
