// SPDX-License-Identifier: GPL-2.0
/*
 * bad_nf_leak: a broken module the suite must catch on the kernel's own
 * network path.  An IPv4 netfilter hook (LOCAL_IN, init_net) runs in
 * softirq for every packet the host receives: it takes a scratch block
 * with GFP_ATOMIC to copy the packet's head into, then a small note with
 * GFP_ATOMIC.  When the note cannot be had, the hook gives up and forgets
 * to free the block: under fault injection (or real memory pressure) the
 * failure path leaks pages (free-page drift; page_owner names the hook).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/skbuff.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <net/net_namespace.h>

static unsigned int order = 4;
module_param(order, uint, 0444);
MODULE_PARM_DESC(order, "Order of the scratch block per packet (default 4: 64 KiB, a GSO packet)");

struct bad_nf_note {
	unsigned int len;
	u32 sum;
};

#if IS_ENABLED(CONFIG_NETFILTER)
static atomic64_t bad_nf_packets;
static atomic64_t bad_nf_no_block;
static atomic64_t bad_nf_leaked;

static unsigned int bad_nf_leak_hook(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	struct bad_nf_note *note;
	struct page *block;
	unsigned int len, i;
	u8 *buf;

	atomic64_inc(&bad_nf_packets);
	block = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, order);
	if (!block) {
		atomic64_inc(&bad_nf_no_block);
		return NF_ACCEPT;
	}
	note = kmalloc(sizeof(*note), GFP_ATOMIC | __GFP_NOWARN);
	if (!note) {
		/* The bug: the block is not freed on this failure path. */
		atomic64_inc(&bad_nf_leaked);
		return NF_ACCEPT;
	}
	buf = page_address(block);
	len = min_t(unsigned int, skb_headlen(skb), PAGE_SIZE << order);
	memcpy(buf, skb->data, len);
	note->len = len;
	note->sum = 0;
	for (i = 0; i < len; i++)
		note->sum += buf[i];
	kfree(note);
	__free_pages(block, order);
	return NF_ACCEPT;
}

static const struct nf_hook_ops bad_nf_leak_ops = {
	.hook		= bad_nf_leak_hook,
	.pf		= NFPROTO_IPV4,
	.hooknum	= NF_INET_LOCAL_IN,
	.priority	= NF_IP_PRI_FIRST,
};

static int __init bad_nf_leak_init(void)
{
	int err;

	if (order > 4)
		return -EINVAL;
	err = nf_register_net_hook(&init_net, &bad_nf_leak_ops);
	if (err)
		return err;
	pr_info("hooked IPv4 LOCAL_IN: an order-%u block per packet, leaked when the note cannot be allocated\n",
		order);
	return 0;
}

static void __exit bad_nf_leak_exit(void)
{
	nf_unregister_net_hook(&init_net, &bad_nf_leak_ops);
	pr_info("packets=%lld no_block=%lld leaked=%lld\n",
		(long long)atomic64_read(&bad_nf_packets),
		(long long)atomic64_read(&bad_nf_no_block),
		(long long)atomic64_read(&bad_nf_leaked));
}
#else
static int __init bad_nf_leak_init(void)
{
	pr_info("kernel without CONFIG_NETFILTER\n");
	return -ENODEV;
}

static void __exit bad_nf_leak_exit(void)
{
}
#endif

module_init(bad_nf_leak_init);
module_exit(bad_nf_leak_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth proof: a netfilter hook that leaks pages when an atomic allocation fails");
