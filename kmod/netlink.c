// SPDX-License-Identifier: GPL-2.0
/*
 * nvflush generic netlink family "nvflush", specified in
 * Documentation/netlink/specs/nvflush.yaml.
 *
 * Every operation has its own policy and is validated strictly (unknown
 * attributes are rejected); every refusal carries an extack message.
 * Mutating operations need CAP_NET_ADMIN; reading is open to all users.
 */
#include <linux/ctype.h>
#include <linux/limits.h>
#include <linux/uuid.h>
#include <net/genetlink.h>
#include "nvflush.h"

static const struct nla_policy nvf_dev_create_policy[NVFLUSH_A_DEV_MODE + 1] = {
	[NVFLUSH_A_DEV_NAME] = { .type = NLA_NUL_STRING },
	[NVFLUSH_A_DEV_ORIGIN_PATH] = { .type = NLA_NUL_STRING, .len = PATH_MAX - 1 },
	[NVFLUSH_A_DEV_NVM_PATH] = { .type = NLA_NUL_STRING, .len = PATH_MAX - 1 },
	[NVFLUSH_A_DEV_FORMAT] = { .type = NLA_FLAG },
	[NVFLUSH_A_DEV_MODE] = NLA_POLICY_MAX(NLA_U32, NVFLUSH_MODE_SYNC_ONLY),
};

static const struct nla_policy nvf_dev_set_policy[NVFLUSH_A_DEV_ROOT_SYNC + 1] = {
	[NVFLUSH_A_DEV_NAME] = { .type = NLA_NUL_STRING },
	[NVFLUSH_A_DEV_MODE] = NLA_POLICY_MAX(NLA_U32, NVFLUSH_MODE_SYNC_ONLY),
	[NVFLUSH_A_DEV_HIGH_WATERMARK] = NLA_POLICY_RANGE(NLA_U32, 1, 100),
	[NVFLUSH_A_DEV_LOW_WATERMARK] = NLA_POLICY_MAX(NLA_U32, 99),
	[NVFLUSH_A_DEV_DESTAGE_RATE] = { .type = NLA_U64 },
	[NVFLUSH_A_DEV_ROOT_SYNC] = NLA_POLICY_MAX(NLA_U32, NVFLUSH_ROOT_SYNC_FOLLOW),
};

static const struct nla_policy nvf_policy_set_policy[NVFLUSH_A_POLICY_WEIGHT + 1] = {
	[NVFLUSH_A_POLICY_DEV_NAME] = { .type = NLA_NUL_STRING },
	[NVFLUSH_A_POLICY_CGROUP_PATH] = { .type = NLA_NUL_STRING, .len = PATH_MAX - 1 },
	[NVFLUSH_A_POLICY_MODE] = NLA_POLICY_MAX(NLA_U32, NVFLUSH_MODE_SYNC_ONLY),
	[NVFLUSH_A_POLICY_MAX_DIRTY] = { .type = NLA_U64 },
	[NVFLUSH_A_POLICY_ON_FULL] = NLA_POLICY_MAX(NLA_U32, NVFLUSH_ON_FULL_BYPASS),
	[NVFLUSH_A_POLICY_WEIGHT] = NLA_POLICY_RANGE(NLA_U32, 1, 1000),
};

static const struct nla_policy nvf_policy_del_policy[NVFLUSH_A_POLICY_CGROUP_ID + 1] = {
	[NVFLUSH_A_POLICY_DEV_NAME] = { .type = NLA_NUL_STRING },
	[NVFLUSH_A_POLICY_CGROUP_PATH] = { .type = NLA_NUL_STRING, .len = PATH_MAX - 1 },
	[NVFLUSH_A_POLICY_CGROUP_ID] = { .type = NLA_U64 },
};

static const struct nla_policy nvf_policy_get_policy[NVFLUSH_A_POLICY_CGROUP_PATH + 1] = {
	[NVFLUSH_A_POLICY_DEV_NAME] = { .type = NLA_NUL_STRING },
	[NVFLUSH_A_POLICY_CGROUP_PATH] = { .type = NLA_NUL_STRING, .len = PATH_MAX - 1 },
};

static const struct nla_policy nvf_dev_name_policy[NVFLUSH_A_DEV_NAME + 1] = {
	[NVFLUSH_A_DEV_NAME] = { .type = NLA_NUL_STRING },
};

static const struct nla_policy nvf_stats_get_policy[NVFLUSH_A_STATS_CGROUP_ID + 1] = {
	[NVFLUSH_A_STATS_DEV_NAME] = { .type = NLA_NUL_STRING },
	[NVFLUSH_A_STATS_CGROUP_ID] = { .type = NLA_U64 },
};

/* Names: 1..NVFLUSH_NAME_LEN-1 bytes of [A-Za-z0-9_.-]. */
static int nvf_check_name(const struct nlattr *attr,
			  struct netlink_ext_ack *extack)
{
	const char *name = nla_data(attr);
	size_t len = strlen(name), i;

	if (!len) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "device name is empty");
		return -EINVAL;
	}
	if (len >= NVFLUSH_NAME_LEN) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "device name is too long (at most 31 bytes)");
		return -ENAMETOOLONG;
	}
	for (i = 0; i < len; i++) {
		/* the kernel's isalnum() takes Latin-1 letters too */
		if (!isascii(name[i]) ||
		    (!isalnum(name[i]) && !strchr("_.-", name[i]))) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "device name may only contain letters, digits, '_', '.' and '-'");
			return -EINVAL;
		}
	}
	return 0;
}

static int nvf_check_path(const struct nlattr *attr, const char *what,
			  struct netlink_ext_ack *extack)
{
	if (!*(const char *)nla_data(attr)) {
		nvf_extack(extack, attr, what);
		return -EINVAL;
	}
	return 0;
}

/* Find the device named by a request. Caller holds nvf_devs_lock. */
static struct nvf_dev *nvf_info_dev(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[NVFLUSH_A_DEV_NAME];
	struct nvf_dev *dev = nvf_dev_find(nla_data(attr));

	if (!dev)
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such device");
	return dev;
}

static int nvf_fill_tier(struct sk_buff *skb, struct nvf_dev *dev)
{
	const struct nvf_tier *t = &dev->tier;
	struct nvf_tier_counters c;
	int i;

	nvf_tier_counters(dev, &c);
	{
		const struct {
			int attr;
			u64 val;
		} v[] = {
			{ NVFLUSH_A_DEV_DIRTY_BLOCKS, nvf_tier_dirty(dev) },
			{ NVFLUSH_A_DEV_COMMIT_SEQ, READ_ONCE(dev->commit_seq) },
			{ NVFLUSH_A_DEV_ABSORBED_WRITES, c.absorbed_writes },
			{ NVFLUSH_A_DEV_ABSORBED_BYTES, c.absorbed_bytes },
			{ NVFLUSH_A_DEV_WRITE_HITS, c.write_hits },
			{ NVFLUSH_A_DEV_READ_HITS, c.read_hits },
			{ NVFLUSH_A_DEV_READ_MISSES, c.read_misses },
			{ NVFLUSH_A_DEV_FLUSHES_ABSORBED, c.flushes_absorbed },
			{ NVFLUSH_A_DEV_ORIGIN_FLUSHES, c.origin_flushes },
			{ NVFLUSH_A_DEV_ORIGIN_FLUSHES_AVOIDED,
			  c.origin_flushes_avoided },
			{ NVFLUSH_A_DEV_COMMITS, c.commits },
			{ NVFLUSH_A_DEV_DESTAGED_BYTES, c.destaged_bytes },
			{ NVFLUSH_A_DEV_DESTAGE_BATCHES, c.destage_batches },
			{ NVFLUSH_A_DEV_DESTAGE_WRITES, c.destage_writes },
			{ NVFLUSH_A_DEV_SLOT_WAIT_USEC,
			  div_u64(c.slot_wait_ns, NSEC_PER_USEC) },
			{ NVFLUSH_A_DEV_DESTAGE_BACKOFFS, c.destage_backoffs },
			{ NVFLUSH_A_DEV_DESTAGE_THROTTLE_USEC,
			  div_u64(c.destage_throttle_ns, NSEC_PER_USEC) },
			{ NVFLUSH_A_DEV_DESTAGE_RATE, READ_ONCE(t->rate_cap) },
		};

		for (i = 0; i < ARRAY_SIZE(v); i++)
			if (nla_put_u64_64bit(skb, v[i].attr, v[i].val,
					      NVFLUSH_A_DEV_PAD))
				return -EMSGSIZE;
	}
	if (nla_put_u32(skb, NVFLUSH_A_DEV_HIGH_WATERMARK,
			READ_ONCE(t->high_pct)) ||
	    nla_put_u32(skb, NVFLUSH_A_DEV_LOW_WATERMARK, READ_ONCE(t->low_pct)) ||
	    nla_put_u32(skb, NVFLUSH_A_DEV_ROOT_SYNC, READ_ONCE(dev->root_sync)))
		return -EMSGSIZE;
	return 0;
}

static int nvf_fill_dev(struct sk_buff *skb, struct nvf_dev *dev, u32 portid,
			u32 seq, int flags, u8 cmd)
{
	void *hdr = genlmsg_put(skb, portid, seq, &nvf_family, flags, cmd);
	char uuid[UUID_STRING_LEN + 1];

	if (!hdr)
		return -EMSGSIZE;
	snprintf(uuid, sizeof(uuid), "%pUb", dev->sb.uuid);
	if (nla_put_string(skb, NVFLUSH_A_DEV_NAME, dev->name) ||
	    nla_put_string(skb, NVFLUSH_A_DEV_ORIGIN_PATH, dev->origin_path) ||
	    nla_put_string(skb, NVFLUSH_A_DEV_NVM_PATH, dev->nvm_path) ||
	    nla_put_u32(skb, NVFLUSH_A_DEV_INDEX, dev->index) ||
	    nla_put_string(skb, NVFLUSH_A_DEV_DISK_NAME, dev->disk->disk_name) ||
	    nla_put_u64_64bit(skb, NVFLUSH_A_DEV_SIZE,
			      get_capacity(dev->disk) << SECTOR_SHIFT,
			      NVFLUSH_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, NVFLUSH_A_DEV_NVM_SIZE, dev->nvm.size,
			      NVFLUSH_A_DEV_PAD) ||
	    nla_put_u32(skb, NVFLUSH_A_DEV_BLOCK_SIZE, NVF_BLOCK_SIZE) ||
	    nla_put_u32(skb, NVFLUSH_A_DEV_OPENERS, disk_openers(dev->disk)) ||
	    nla_put_string(skb, NVFLUSH_A_DEV_NVM_UUID, uuid) ||
	    nla_put_u64_64bit(skb, NVFLUSH_A_DEV_NVM_SLOTS, dev->sb.nr_slots,
			      NVFLUSH_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, NVFLUSH_A_DEV_RECOVERED_BLOCKS,
			      dev->recovered_blocks, NVFLUSH_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, NVFLUSH_A_DEV_RECOVERY_USEC,
			      dev->recovery_usec, NVFLUSH_A_DEV_PAD) ||
	    nla_put_u32(skb, NVFLUSH_A_DEV_MODE, READ_ONCE(dev->mode)) ||
	    nla_put_u8(skb, NVFLUSH_A_DEV_DEGRADED, nvf_tier_degraded(dev)) ||
	    nvf_fill_tier(skb, dev)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int nvf_reply_dev(struct genl_info *info, struct nvf_dev *dev)
{
	struct sk_buff *skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	int err;

	if (!skb)
		return -ENOMEM;
	err = nvf_fill_dev(skb, dev, info->snd_portid, info->snd_seq, 0,
			   info->genlhdr->cmd);
	if (err) {
		nlmsg_free(skb);
		return err;
	}
	return genlmsg_reply(skb, info);
}

static int nvf_cmd_dev_create(struct sk_buff *skb, struct genl_info *info)
{
	struct nvf_create_args args = {};
	struct nvf_dev *dev;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NVFLUSH_A_DEV_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, NVFLUSH_A_DEV_ORIGIN_PATH) ||
	    GENL_REQ_ATTR_CHECK(info, NVFLUSH_A_DEV_NVM_PATH))
		return -EINVAL;
	args.origin_attr = info->attrs[NVFLUSH_A_DEV_ORIGIN_PATH];
	args.nvm_attr = info->attrs[NVFLUSH_A_DEV_NVM_PATH];
	err = nvf_check_name(info->attrs[NVFLUSH_A_DEV_NAME], info->extack);
	if (!err)
		err = nvf_check_path(args.origin_attr, "origin path is empty",
				     info->extack);
	if (!err)
		err = nvf_check_path(args.nvm_attr, "NVM path is empty",
				     info->extack);
	if (err)
		return err;
	args.name = nla_data(info->attrs[NVFLUSH_A_DEV_NAME]);
	args.origin_path = nla_data(args.origin_attr);
	args.nvm_path = nla_data(args.nvm_attr);
	args.format = nla_get_flag(info->attrs[NVFLUSH_A_DEV_FORMAT]);
	if (info->attrs[NVFLUSH_A_DEV_MODE])
		args.mode = nla_get_u32(info->attrs[NVFLUSH_A_DEV_MODE]);

	mutex_lock(&nvf_devs_lock);
	dev = nvf_dev_create(&args, info->extack);
	err = IS_ERR(dev) ? PTR_ERR(dev) : nvf_reply_dev(info, dev);
	mutex_unlock(&nvf_devs_lock);
	return err;
}

/* Run @op on the device named by the request, under nvf_devs_lock. */
static int nvf_do_dev(struct genl_info *info,
		      int (*op)(struct nvf_dev *dev, struct genl_info *info))
{
	struct nvf_dev *dev;
	int err = -ENODEV;

	if (GENL_REQ_ATTR_CHECK(info, NVFLUSH_A_DEV_NAME))
		return -EINVAL;
	mutex_lock(&nvf_devs_lock);
	dev = nvf_info_dev(info);
	if (dev)
		err = op(dev, info);
	mutex_unlock(&nvf_devs_lock);
	return err;
}

static int nvf_op_destroy(struct nvf_dev *dev, struct genl_info *info)
{
	return nvf_dev_destroy(dev, info->extack);
}

static int nvf_op_get(struct nvf_dev *dev, struct genl_info *info)
{
	return nvf_reply_dev(info, dev);
}

/* Validate every setting first: a refused request changes nothing. */
static int nvf_op_set(struct nvf_dev *dev, struct genl_info *info)
{
	struct nlattr *high_a = info->attrs[NVFLUSH_A_DEV_HIGH_WATERMARK];
	struct nlattr *low_a = info->attrs[NVFLUSH_A_DEV_LOW_WATERMARK];
	struct nlattr *mode_a = info->attrs[NVFLUSH_A_DEV_MODE];
	struct nlattr *rate_a = info->attrs[NVFLUSH_A_DEV_DESTAGE_RATE];
	struct nlattr *root_a = info->attrs[NVFLUSH_A_DEV_ROOT_SYNC];
	struct nvf_tier *t = &dev->tier;
	u32 high = high_a ? nla_get_u32(high_a) : READ_ONCE(t->high_pct);
	u32 low = low_a ? nla_get_u32(low_a) : READ_ONCE(t->low_pct);

	if (low >= high) {
		NL_SET_ERR_MSG_ATTR(info->extack, low_a ? low_a : high_a,
				    "low-watermark must be below high-watermark");
		return -EINVAL;
	}
	if ((high_a || low_a) && nvf_tier_set_watermarks(dev, high, low))
		return -EINVAL;	/* not reached: checked above */
	if (rate_a)
		WRITE_ONCE(t->rate_cap, nla_get_u64(rate_a));
	if (mode_a)
		WRITE_ONCE(dev->mode, nla_get_u32(mode_a));
	if (root_a)
		WRITE_ONCE(dev->root_sync, nla_get_u32(root_a));
	nvf_event_policy(dev, 0, NULL, false);
	return 0;
}

static int nvf_op_drain(struct nvf_dev *dev, struct genl_info *info)
{
	return nvf_destage_drain(dev, false);
}

static int nvf_cmd_dev_destroy(struct sk_buff *skb, struct genl_info *info)
{
	return nvf_do_dev(info, nvf_op_destroy);
}

static int nvf_cmd_dev_get(struct sk_buff *skb, struct genl_info *info)
{
	return nvf_do_dev(info, nvf_op_get);
}

static int nvf_cmd_dev_set(struct sk_buff *skb, struct genl_info *info)
{
	if (!info->attrs[NVFLUSH_A_DEV_MODE] &&
	    !info->attrs[NVFLUSH_A_DEV_HIGH_WATERMARK] &&
	    !info->attrs[NVFLUSH_A_DEV_LOW_WATERMARK] &&
	    !info->attrs[NVFLUSH_A_DEV_DESTAGE_RATE] &&
	    !info->attrs[NVFLUSH_A_DEV_ROOT_SYNC]) {
		NL_SET_ERR_MSG(info->extack,
			       "nothing to set: give mode, a watermark, destage-rate or root-sync");
		return -EINVAL;
	}
	return nvf_do_dev(info, nvf_op_set);
}

static int nvf_cmd_dev_drain(struct sk_buff *skb, struct genl_info *info)
{
	return nvf_do_dev(info, nvf_op_drain);
}

/* Dump cursors: args[0] = next device index, args[1] = next cgroup id. */
static int nvf_dump_dev(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nvf_dev *dev;
	int err = 0;

	mutex_lock(&nvf_devs_lock);
	list_for_each_entry(dev, &nvf_devs, node) {
		if (dev->index < cb->args[0])
			continue;
		err = nvf_fill_dev(skb, dev, NETLINK_CB(cb->skb).portid,
				   cb->nlh->nlmsg_seq, NLM_F_MULTI,
				   NVFLUSH_CMD_DEV_GET);
		if (err)
			break;
		cb->args[0] = dev->index + 1;
	}
	mutex_unlock(&nvf_devs_lock);
	/* a full skb ends this round; the dump continues from the cursor */
	return err == -EMSGSIZE && skb->len ? skb->len : err ?: skb->len;
}

static int nvf_fill_stats(struct sk_buff *skb, struct netlink_callback *cb,
			  struct nvf_dev *dev, u64 id,
			  const struct nvf_counters *c)
{
	static const int attrs[] = {
		NVFLUSH_A_STATS_WRITE_BIOS, NVFLUSH_A_STATS_WRITE_BYTES,
		NVFLUSH_A_STATS_SYNC_WRITES, NVFLUSH_A_STATS_FLUSHES,
		NVFLUSH_A_STATS_FUA_WRITES, NVFLUSH_A_STATS_READ_BIOS,
		NVFLUSH_A_STATS_READ_BYTES, NVFLUSH_A_STATS_DISCARD_BIOS,
		NVFLUSH_A_STATS_DISCARD_BYTES, NVFLUSH_A_STATS_ABSORBED_WRITES,
		NVFLUSH_A_STATS_ABSORBED_BYTES, NVFLUSH_A_STATS_BYPASSED_WRITES,
		NVFLUSH_A_STATS_BYPASSED_BYTES, NVFLUSH_A_STATS_WRITE_HITS,
		NVFLUSH_A_STATS_READ_HITS, NVFLUSH_A_STATS_READ_MISSES,
		NVFLUSH_A_STATS_DIRTY_BYTES, NVFLUSH_A_STATS_DESTAGED_BYTES,
		NVFLUSH_A_STATS_QUOTA_THROTTLES,
		NVFLUSH_A_STATS_QUOTA_THROTTLE_USEC,
		NVFLUSH_A_STATS_QUOTA_BYPASSES,
	};
	/* dirty_blocks is a sum of per-CPU +1/-1: signed, transiently < 0 */
	const s64 dirty = (s64)c->dirty_blocks;
	const u64 vals[] = {
		c->write_bios, c->write_bytes, c->sync_writes, c->flushes,
		c->fua_writes, c->read_bios, c->read_bytes, c->discard_bios,
		c->discard_bytes, c->absorbed_writes, c->absorbed_bytes,
		c->bypassed_writes, c->bypassed_bytes, c->write_hits,
		c->read_hits, c->read_misses,
		dirty > 0 ? (u64)dirty * NVF_BLOCK_SIZE : 0, c->destaged_bytes,
		c->quota_throttles, div_u64(c->quota_throttle_ns, NSEC_PER_USEC),
		c->quota_bypasses,
	};
	void *hdr;
	int i;

	BUILD_BUG_ON(ARRAY_SIZE(attrs) != ARRAY_SIZE(vals));
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &nvf_family, NLM_F_MULTI, NVFLUSH_CMD_STATS_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, NVFLUSH_A_STATS_DEV_NAME, dev->name) ||
	    nla_put_u64_64bit(skb, NVFLUSH_A_STATS_CGROUP_ID, id,
			      NVFLUSH_A_STATS_PAD))
		goto cancel;
	for (i = 0; i < ARRAY_SIZE(attrs); i++)
		if (nla_put_u64_64bit(skb, attrs[i], vals[i],
				      NVFLUSH_A_STATS_PAD))
			goto cancel;
	if (nla_put_64bit(skb, NVFLUSH_A_STATS_WRITE_LATENCY,
			  sizeof(c->write_lat), c->write_lat,
			  NVFLUSH_A_STATS_PAD) ||
	    nla_put_64bit(skb, NVFLUSH_A_STATS_FLUSH_LATENCY,
			  sizeof(c->flush_lat), c->flush_lat,
			  NVFLUSH_A_STATS_PAD))
		goto cancel;
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static bool nvf_counters_zero(const struct nvf_counters *c)
{
	return !(c->write_bios | c->read_bios | c->flushes | c->discard_bios);
}

static int nvf_dump_dev_stats(struct sk_buff *skb, struct netlink_callback *cb,
			      struct nvf_dev *dev, const struct nlattr *cgroup)
{
	struct nvf_counters *sum;
	u64 id = cb->args[1];
	int err = 0;

	/* with the histograms, too large for the stack */
	sum = kmalloc(sizeof(*sum), GFP_KERNEL);
	if (!sum)
		return -ENOMEM;
	if (cgroup) {
		/* one cgroup: dumped once, nothing if it did no I/O here */
		id = nla_get_u64(cgroup);
		if (!cb->args[1] && nvf_stats_read(&dev->stats, &id, sum) &&
		    id == nla_get_u64(cgroup))
			err = nvf_fill_stats(skb, cb, dev, id, sum);
		if (!err)
			cb->args[1] = 1;
		kfree(sum);
		return err;
	}
	while (nvf_stats_read(&dev->stats, &id, sum)) {
		/* the fallback entry is listed only once it was needed */
		if (id != NVF_UNATTRIBUTED_ID || !nvf_counters_zero(sum)) {
			err = nvf_fill_stats(skb, cb, dev, id, sum);
			if (err)
				break;
		}
		cb->args[1] = ++id;
		if (!id)	/* wrapped: the last possible id was dumped */
			break;
	}
	kfree(sum);
	return err;
}

static int nvf_dump_stats(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr *filter = nvf_dump_attrs(cb)[NVFLUSH_A_STATS_DEV_NAME];
	struct nlattr *cgroup = nvf_dump_attrs(cb)[NVFLUSH_A_STATS_CGROUP_ID];
	struct nvf_dev *dev;
	int err = 0;

	mutex_lock(&nvf_devs_lock);
	if (filter && !nvf_dev_find(nla_data(filter))) {
		NL_SET_ERR_MSG_ATTR(cb->extack, filter, "no such device");
		err = -ENODEV;
		goto out;
	}
	list_for_each_entry(dev, &nvf_devs, node) {
		if (dev->index < cb->args[0])
			continue;
		if (filter && strcmp(dev->name, nla_data(filter)))
			continue;
		if (dev->index != cb->args[0]) {
			cb->args[0] = dev->index;
			cb->args[1] = 0;
		}
		err = nvf_dump_dev_stats(skb, cb, dev, cgroup);
		if (err)
			break;
		cb->args[0] = dev->index + 1;
		cb->args[1] = 0;
	}
out:
	mutex_unlock(&nvf_devs_lock);
	return err == -EMSGSIZE && skb->len ? skb->len : err ?: skb->len;
}

/* 6.1 has no split ops: per-op policies in genl_ops serve both kernels. */
static const struct genl_ops nvf_ops[] = {
	{
		.cmd = NVFLUSH_CMD_DEV_CREATE,
		.flags = GENL_ADMIN_PERM,
		.policy = nvf_dev_create_policy,
		.maxattr = ARRAY_SIZE(nvf_dev_create_policy) - 1,
		.doit = nvf_cmd_dev_create,
	},
	{
		.cmd = NVFLUSH_CMD_DEV_DESTROY,
		.flags = GENL_ADMIN_PERM,
		.policy = nvf_dev_name_policy,
		.maxattr = ARRAY_SIZE(nvf_dev_name_policy) - 1,
		.doit = nvf_cmd_dev_destroy,
	},
	{
		.cmd = NVFLUSH_CMD_DEV_GET,
		.policy = nvf_dev_name_policy,
		.maxattr = ARRAY_SIZE(nvf_dev_name_policy) - 1,
		.doit = nvf_cmd_dev_get,
		.dumpit = nvf_dump_dev,
	},
	{
		.cmd = NVFLUSH_CMD_STATS_GET,
		.policy = nvf_stats_get_policy,
		.maxattr = ARRAY_SIZE(nvf_stats_get_policy) - 1,
		.dumpit = nvf_dump_stats,
	},
	{
		.cmd = NVFLUSH_CMD_DEV_SET,
		.flags = GENL_ADMIN_PERM,
		.policy = nvf_dev_set_policy,
		.maxattr = ARRAY_SIZE(nvf_dev_set_policy) - 1,
		.doit = nvf_cmd_dev_set,
	},
	{
		.cmd = NVFLUSH_CMD_DEV_DRAIN,
		.flags = GENL_ADMIN_PERM,
		.policy = nvf_dev_name_policy,
		.maxattr = ARRAY_SIZE(nvf_dev_name_policy) - 1,
		.doit = nvf_cmd_dev_drain,
	},
	{
		.cmd = NVFLUSH_CMD_POLICY_SET,
		.flags = GENL_ADMIN_PERM,
		.policy = nvf_policy_set_policy,
		.maxattr = ARRAY_SIZE(nvf_policy_set_policy) - 1,
		.doit = nvf_cmd_policy_set,
	},
	{
		.cmd = NVFLUSH_CMD_POLICY_DEL,
		.flags = GENL_ADMIN_PERM,
		.policy = nvf_policy_del_policy,
		.maxattr = ARRAY_SIZE(nvf_policy_del_policy) - 1,
		.doit = nvf_cmd_policy_del,
	},
	{
		.cmd = NVFLUSH_CMD_POLICY_GET,
		.policy = nvf_policy_get_policy,
		.maxattr = ARRAY_SIZE(nvf_policy_get_policy) - 1,
		.doit = nvf_cmd_policy_get,
		.dumpit = nvf_dump_policy,
	},
};

static const struct genl_multicast_group nvf_mcgrps[] = {
	[NVF_MCGRP_EVENTS] = { .name = NVFLUSH_MCGRP_EVENTS },
};

struct genl_family nvf_family __ro_after_init = {
	.name = NVFLUSH_FAMILY_NAME,
	.version = NVFLUSH_FAMILY_VERSION,
	.module = THIS_MODULE,
	.parallel_ops = true,
	.ops = nvf_ops,
	.n_ops = ARRAY_SIZE(nvf_ops),
	.mcgrps = nvf_mcgrps,
	.n_mcgrps = ARRAY_SIZE(nvf_mcgrps),
	.resv_start_op = NVFLUSH_CMD_DEV_DRAIN + 1,
};

/**
 * nvf_netlink_init() - register the generic netlink family
 *
 * Return: 0 or a negative errno.
 */
int __init nvf_netlink_init(void)
{
	return genl_register_family(&nvf_family);
}

/**
 * nvf_netlink_exit() - unregister the generic netlink family
 */
void nvf_netlink_exit(void)
{
	genl_unregister_family(&nvf_family);
}
