// SPDX-License-Identifier: GPL-2.0
/*
 * nvflush generic netlink: the policy operations (policy-set, policy-del,
 * policy-get). Policies, validation and the family are in netlink.c; the
 * policy engine is policy.c.
 */
#include <net/genetlink.h>
#include "nvflush.h"

/* The device named by a policy request. Caller holds nvf_devs_lock. */
static struct nvf_dev *nvf_policy_dev(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[NVFLUSH_A_POLICY_DEV_NAME];
	struct nvf_dev *dev = nvf_dev_find(nla_data(attr));

	if (!dev)
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such device");
	return dev;
}

static int nvf_check_cgroup_path(const struct nlattr *attr,
				 struct netlink_ext_ack *extack)
{
	if (*(const char *)nla_data(attr) != '/') {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "cgroup path must start with '/' (relative to the cgroup2 mount)");
		return -EINVAL;
	}
	return 0;
}

/**
 * nvf_cmd_policy_set() - POLICY_SET: create or change a cgroup's policy
 * @skb: the request
 * @info: its parsed attributes
 *
 * Return: 0 or a negative errno (nothing changed).
 */
int nvf_cmd_policy_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct nvf_policy_args a = {};
	u32 mode, on_full, weight;
	struct nvf_dev *dev;
	u64 max_dirty;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NVFLUSH_A_POLICY_DEV_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, NVFLUSH_A_POLICY_CGROUP_PATH))
		return -EINVAL;
	a.path_attr = attrs[NVFLUSH_A_POLICY_CGROUP_PATH];
	err = nvf_check_cgroup_path(a.path_attr, info->extack);
	if (err)
		return err;
	a.path = nla_data(a.path_attr);
	if (attrs[NVFLUSH_A_POLICY_MODE]) {
		mode = nla_get_u32(attrs[NVFLUSH_A_POLICY_MODE]);
		a.mode = &mode;
	}
	if (attrs[NVFLUSH_A_POLICY_ON_FULL]) {
		on_full = nla_get_u32(attrs[NVFLUSH_A_POLICY_ON_FULL]);
		a.on_full = &on_full;
	}
	if (attrs[NVFLUSH_A_POLICY_MAX_DIRTY]) {
		max_dirty = nla_get_u64(attrs[NVFLUSH_A_POLICY_MAX_DIRTY]);
		if (max_dirty && max_dirty < NVF_BLOCK_SIZE) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    attrs[NVFLUSH_A_POLICY_MAX_DIRTY],
					    "max-dirty is below one block (4096 bytes)");
			return -EINVAL;
		}
		a.max_dirty = &max_dirty;
	}
	if (attrs[NVFLUSH_A_POLICY_WEIGHT]) {
		weight = nla_get_u32(attrs[NVFLUSH_A_POLICY_WEIGHT]);
		a.weight = &weight;
	}
	mutex_lock(&nvf_devs_lock);
	dev = nvf_policy_dev(info);
	err = dev ? nvf_policy_set(dev, &a, info->extack) : -ENODEV;
	mutex_unlock(&nvf_devs_lock);
	return err;
}

/**
 * nvf_cmd_policy_del() - POLICY_DEL: delete a cgroup's policy
 * @skb: the request
 * @info: its parsed attributes (the cgroup by path or by id)
 *
 * Return: 0 or a negative errno.
 */
int nvf_cmd_policy_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *path = info->attrs[NVFLUSH_A_POLICY_CGROUP_PATH];
	struct nlattr *id_attr = info->attrs[NVFLUSH_A_POLICY_CGROUP_ID];
	struct nvf_dev *dev;
	u64 id = 0;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NVFLUSH_A_POLICY_DEV_NAME))
		return -EINVAL;
	if (!path == !id_attr) {
		NL_SET_ERR_MSG(info->extack,
			       "give the cgroup either by path or by id");
		return -EINVAL;
	}
	if (path) {
		err = nvf_check_cgroup_path(path, info->extack);
		if (!err && nvf_policy_lookup_path(nla_data(path), &id)) {
			NL_SET_ERR_MSG_ATTR(info->extack, path,
					    "no such cgroup (delete a removed cgroup's policy by id)");
			err = -ENOENT;
		}
		if (err)
			return err;
	} else {
		id = nla_get_u64(id_attr);
	}
	mutex_lock(&nvf_devs_lock);
	dev = nvf_policy_dev(info);
	err = dev ? nvf_policy_del(dev, id, info->extack) : -ENODEV;
	mutex_unlock(&nvf_devs_lock);
	return err;
}

static int nvf_fill_policy(struct sk_buff *skb, u32 portid, u32 seq,
			   int flags, struct nvf_dev *dev,
			   const struct nvf_policy_info *p)
{
	void *hdr = genlmsg_put(skb, portid, seq, &nvf_family, flags,
				NVFLUSH_CMD_POLICY_GET);

	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, NVFLUSH_A_POLICY_DEV_NAME, dev->name) ||
	    nla_put_string(skb, NVFLUSH_A_POLICY_CGROUP_PATH, p->path) ||
	    nla_put_u64_64bit(skb, NVFLUSH_A_POLICY_CGROUP_ID, p->cgid,
			      NVFLUSH_A_POLICY_PAD) ||
	    nla_put_u32(skb, NVFLUSH_A_POLICY_MODE, p->mode) ||
	    nla_put_u64_64bit(skb, NVFLUSH_A_POLICY_MAX_DIRTY, p->max_dirty,
			      NVFLUSH_A_POLICY_PAD) ||
	    nla_put_u32(skb, NVFLUSH_A_POLICY_ON_FULL, p->on_full) ||
	    nla_put_u32(skb, NVFLUSH_A_POLICY_WEIGHT, p->weight) ||
	    (p->stale && nla_put_flag(skb, NVFLUSH_A_POLICY_STALE)) ||
	    nla_put_u64_64bit(skb, NVFLUSH_A_POLICY_DIRTY_BYTES, p->dirty_bytes,
			      NVFLUSH_A_POLICY_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/**
 * nvf_cmd_policy_get() - POLICY_GET do: the policy of one cgroup
 * @skb: the request
 * @info: its parsed attributes
 *
 * Return: 0 or a negative errno.
 */
int nvf_cmd_policy_get(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *path = info->attrs[NVFLUSH_A_POLICY_CGROUP_PATH];
	struct nvf_policy_info p;
	struct sk_buff *msg;
	struct nvf_dev *dev;
	u64 id, found;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NVFLUSH_A_POLICY_DEV_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, NVFLUSH_A_POLICY_CGROUP_PATH))
		return -EINVAL;
	err = nvf_check_cgroup_path(path, info->extack);
	if (err)
		return err;
	if (nvf_policy_lookup_path(nla_data(path), &id)) {
		NL_SET_ERR_MSG_ATTR(info->extack, path, "no such cgroup");
		return -ENOENT;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&nvf_devs_lock);
	dev = nvf_policy_dev(info);
	err = -ENODEV;
	if (dev) {
		found = id;
		err = -ENOENT;
		if (nvf_policy_read(dev, &found, &p) && found == id)
			err = nvf_fill_policy(msg, info->snd_portid,
					      info->snd_seq, 0, dev, &p);
		else
			NL_SET_ERR_MSG_ATTR(info->extack, path,
					    "this cgroup has no policy on this device");
	}
	mutex_unlock(&nvf_devs_lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/**
 * nvf_dump_policy() - POLICY_GET dump: every policy (of one device)
 * @skb: the reply being filled
 * @cb: args[0] = next device index, args[1] = next cgroup id
 *
 * Return: bytes filled, 0 at the end, or a negative errno.
 */
int nvf_dump_policy(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr *filter = nvf_dump_attrs(cb)[NVFLUSH_A_POLICY_DEV_NAME];
	struct nvf_policy_info p;
	struct nvf_dev *dev;
	int err = 0;
	u64 id;

	mutex_lock(&nvf_devs_lock);
	if (filter && !nvf_dev_find(nla_data(filter))) {
		NL_SET_ERR_MSG_ATTR(cb->extack, filter, "no such device");
		err = -ENODEV;
		goto out;
	}
	list_for_each_entry(dev, &nvf_devs, node) {
		if (dev->index < cb->args[0] ||
		    (filter && strcmp(dev->name, nla_data(filter))))
			continue;
		if (dev->index != cb->args[0]) {
			cb->args[0] = dev->index;
			cb->args[1] = 0;
		}
		for (id = cb->args[1]; nvf_policy_read(dev, &id, &p); id++) {
			err = nvf_fill_policy(skb, NETLINK_CB(cb->skb).portid,
					      cb->nlh->nlmsg_seq, NLM_F_MULTI,
					      dev, &p);
			if (err)
				goto out;
			cb->args[1] = id + 1;
		}
		cb->args[0] = dev->index + 1;
		cb->args[1] = 0;
	}
out:
	mutex_unlock(&nvf_devs_lock);
	return err == -EMSGSIZE && skb->len ? skb->len : err ?: skb->len;
}
