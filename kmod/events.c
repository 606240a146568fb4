// SPDX-License-Identifier: GPL-2.0
/*
 * nvflush events: notifications multicast to the "events" group of the
 * family (NVFLUSH_CMD_EVENT). Nothing is built while nobody listens. The
 * events of the I/O path are rate limited by their callers; the degraded
 * event is sent from a work item, since errors are latched in completion
 * context.
 */
#include <net/genetlink.h>
#include "nvflush.h"

static int nvf_event_fill(struct sk_buff *skb, struct nvf_dev *dev,
			  const struct nvf_event *ev)
{
	if (nla_put_u32(skb, NVFLUSH_A_EVENT_TYPE, ev->type) ||
	    nla_put_string(skb, NVFLUSH_A_EVENT_DEV_NAME, dev->name))
		return -EMSGSIZE;
	if (ev->cgroup_id &&
	    nla_put_u64_64bit(skb, NVFLUSH_A_EVENT_CGROUP_ID, ev->cgroup_id,
			      NVFLUSH_A_EVENT_PAD))
		return -EMSGSIZE;
	if (ev->cgroup_path &&
	    nla_put_string(skb, NVFLUSH_A_EVENT_CGROUP_PATH, ev->cgroup_path))
		return -EMSGSIZE;
	if (ev->reason &&
	    (nla_put_string(skb, NVFLUSH_A_EVENT_REASON, ev->reason) ||
	     nla_put_u32(skb, NVFLUSH_A_EVENT_ERROR, ev->error)))
		return -EMSGSIZE;
	if (ev->has_dirty &&
	    nla_put_u64_64bit(skb, NVFLUSH_A_EVENT_DIRTY_BYTES, ev->dirty_bytes,
			      NVFLUSH_A_EVENT_PAD))
		return -EMSGSIZE;
	if (ev->type == NVFLUSH_EVENT_TYPE_QUOTA_HIT &&
	    (nla_put_u64_64bit(skb, NVFLUSH_A_EVENT_MAX_DIRTY, ev->max_dirty,
			       NVFLUSH_A_EVENT_PAD) ||
	     nla_put_u32(skb, NVFLUSH_A_EVENT_ON_FULL, ev->on_full)))
		return -EMSGSIZE;
	if (ev->removed && nla_put_flag(skb, NVFLUSH_A_EVENT_REMOVED))
		return -EMSGSIZE;
	return 0;
}

/**
 * nvf_event_send() - multicast an event of a device
 * @dev: the device
 * @ev: the event
 * @gfp: allocation flags of the caller's context (not in hard IRQ)
 *
 * An event that cannot be allocated is dropped: events are advisory.
 */
void nvf_event_send(struct nvf_dev *dev, const struct nvf_event *ev, gfp_t gfp)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&nvf_family, &init_net, NVF_MCGRP_EVENTS))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, gfp);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &nvf_family, 0, NVFLUSH_CMD_EVENT);
	if (!hdr || nvf_event_fill(skb, dev, ev)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&nvf_family, skb, 0, NVF_MCGRP_EVENTS, gfp);
}

/**
 * nvf_event_policy() - a policy or the device's settings changed
 * @dev: the device
 * @cgid: the policy's cgroup id, 0 for the device's own settings
 * @path: the policy's cgroup path (NULL for the device)
 * @removed: the policy was deleted
 *
 * Context: process context (a netlink operation).
 */
void nvf_event_policy(struct nvf_dev *dev, u64 cgid, const char *path,
		      bool removed)
{
	struct nvf_event ev = {
		.type = NVFLUSH_EVENT_TYPE_POLICY_CHANGED,
		.cgroup_id = cgid,
		.cgroup_path = path,
		.removed = removed,
	};

	nvf_event_send(dev, &ev, GFP_KERNEL);
}

/**
 * nvf_event_ratelimit() - claim the right to send a rate-limited event
 * @stamp: jiffies of the last event of this kind and source
 *
 * Return: true at most once per second per @stamp.
 */
bool nvf_event_ratelimit(unsigned long *stamp)
{
	unsigned long last = READ_ONCE(*stamp), now = jiffies;

	if (last && time_before(now, last + HZ))
		return false;
	return cmpxchg(stamp, last, now ?: 1) == last;
}
