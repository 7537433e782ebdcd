/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Readings of the buddy allocator's state that more than one companion
 * module reports.
 */
#ifndef LAB_MM_H
#define LAB_MM_H

#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/string.h>

#include "lab_compat.h"

/*
 * Free blocks per order into nr[0 .. LAB_NR_ORDERS), summed over the
 * populated zones of online nodes, as /proc/buddyinfo counts them; returns
 * those zones' high-order atomic reserve, in pages.  Unlocked: a snapshot
 * is all a report needs.
 */
static inline unsigned long lab_count_free_blocks(unsigned long *nr)
{
	unsigned long highatomic = 0;
	struct zone *zone;
	unsigned int o;
	int nid, z;

	memset(nr, 0, sizeof(*nr) * LAB_NR_ORDERS);
	for_each_online_node(nid) {
		for (z = 0; z < MAX_NR_ZONES; z++) {
			zone = &NODE_DATA(nid)->node_zones[z];
			if (!populated_zone(zone))
				continue;
			highatomic += READ_ONCE(zone->nr_reserved_highatomic);
			for (o = 0; o < LAB_NR_ORDERS; o++)
				nr[o] += READ_ONCE(zone->free_area[o].nr_free);
		}
	}
	return highatomic;
}

#endif /* LAB_MM_H */
