// SPDX-License-Identifier: GPL-2.0
/*
 * nvflush device lifecycle: create a stacked gendisk over an exclusively
 * opened origin and NVM device, and tear it down again.
 *
 * Every device holds a reference on the module, so the module cannot be
 * unloaded while devices exist: destroy them first (documented in
 * Documentation/admin-guide.md).
 */
#include <linux/blkdev.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "nvflush.h"

/* serializes device creation, destruction, lookup and netlink dumps */
DEFINE_MUTEX(nvf_devs_lock);
LIST_HEAD(nvf_devs);
static DEFINE_IDA(nvf_index_ida);

/**
 * nvf_dev_find() - look up a device by name
 * @name: device name
 *
 * Context: caller holds nvf_devs_lock.
 * Return: the device, or NULL.
 */
struct nvf_dev *nvf_dev_find(const char *name)
{
	struct nvf_dev *dev;

	lockdep_assert_held(&nvf_devs_lock);
	list_for_each_entry(dev, &nvf_devs, node)
		if (!strcmp(dev->name, name))
			return dev;
	return NULL;
}

static void nvf_dev_insert(struct nvf_dev *dev)
{
	struct nvf_dev *pos;

	list_for_each_entry(pos, &nvf_devs, node)
		if (pos->index > dev->index)
			break;
	list_add_tail(&dev->node, &pos->node);
}

/* Error messages naming the lower device they concern (static strings). */
struct nvf_role {
	const char *noent;
	const char *notblk;
	const char *nxio;
	const char *unresolved;
	const char *busy;
	const char *unopened;
	const char *stacked;
};

static const struct nvf_role nvf_origin_role = {
	.noent = "origin path does not exist",
	.notblk = "origin is not a block device",
	.nxio = "origin block device is not present",
	.unresolved = "origin path cannot be resolved",
	.busy = "origin is in use (mounted or claimed by another driver)",
	.unopened = "origin cannot be opened",
	.stacked = "origin is itself an nvflush device",
};

static const struct nvf_role nvf_nvm_role = {
	.noent = "NVM path does not exist",
	.notblk = "NVM is not a block device",
	.nxio = "NVM block device is not present",
	.unresolved = "NVM path cannot be resolved",
	.busy = "NVM is in use (mounted or claimed by another driver)",
	.unopened = "NVM cannot be opened",
	.stacked = "NVM is itself an nvflush device",
};

/* Resolve a path to a block device number, naming what is wrong with it. */
static int nvf_resolve(const struct nvf_role *role, const char *path,
		       const struct nlattr *attr, dev_t *devt,
		       struct netlink_ext_ack *extack)
{
	int err = lookup_bdev(path, devt);

	if (!err)
		return 0;
	if (err == -ENOENT)
		nvf_extack(extack, attr, role->noent);
	else if (err == -ENOTBLK)
		nvf_extack(extack, attr, role->notblk);
	else if (err == -ENXIO)
		nvf_extack(extack, attr, role->nxio);
	else
		nvf_extack(extack, attr, role->unresolved);
	return err;
}

static int nvf_open(struct nvf_dev *dev, struct nvf_bdev *b,
		    const struct nvf_role *role, const char *path,
		    const struct nlattr *attr, struct netlink_ext_ack *extack)
{
	int err = nvf_bdev_open(b, path, dev);

	if (err) {
		nvf_extack(extack, attr,
			   err == -EBUSY ? role->busy : role->unopened);
		return err;
	}
	if (b->bdev->bd_disk->fops == &nvf_fops) {
		nvf_extack(extack, attr, role->stacked);
		nvf_bdev_close(b);
		return -EINVAL;
	}
	return 0;
}

static int nvf_dev_open_lower(struct nvf_dev *dev,
			      const struct nvf_create_args *args,
			      struct netlink_ext_ack *extack)
{
	dev_t origin_devt, nvm_devt;
	int err;

	err = nvf_resolve(&nvf_origin_role, args->origin_path, args->origin_attr,
			  &origin_devt, extack);
	if (err)
		return err;
	err = nvf_resolve(&nvf_nvm_role, args->nvm_path, args->nvm_attr, &nvm_devt,
			  extack);
	if (err)
		return err;
	if (origin_devt == nvm_devt) {
		NL_SET_ERR_MSG_ATTR(extack, args->nvm_attr,
				    "origin and NVM are the same device");
		return -EINVAL;
	}
	err = nvf_open(dev, &dev->origin, &nvf_origin_role, args->origin_path,
		       args->origin_attr, extack);
	if (err)
		return err;
	if (bdev_nr_sectors(dev->origin.bdev) < NVF_BLOCK_SECTORS) {
		NL_SET_ERR_MSG_ATTR(extack, args->origin_attr,
				    "origin is smaller than one 4 KiB block");
		return -EINVAL;
	}
	err = nvf_open(dev, &dev->nvm_bdev, &nvf_nvm_role, args->nvm_path,
		       args->nvm_attr, extack);
	if (err)
		return err;
	err = nvf_nvm_map(&dev->nvm, dev->nvm_bdev.bdev, extack);
	if (err)
		return err;
	err = nvf_super_load(dev, args->format, extack);
	if (err)
		return err;
	err = nvf_tier_init(dev);
	if (err)
		NL_SET_ERR_MSG(extack, "cannot load the NVM tier");
	return err;
}

static int nvf_dev_add_disk(struct nvf_dev *dev)
{
	struct block_device *origin = dev->origin.bdev;
	struct nvf_disk_limits lim = {
		.block_size = NVF_BLOCK_SIZE,
		.max_discard_sectors = bdev_max_discard_sectors(origin),
		.discard_granularity = max(NVF_BLOCK_SIZE,
					   bdev_discard_granularity(origin)),
	};
	struct gendisk *disk;
	int err;

	disk = nvf_alloc_disk(&lim);
	if (IS_ERR(disk))
		return PTR_ERR(disk);
	/* major 0 + minors 0: a dynamic dev_t from the extended major */
	disk->fops = &nvf_fops;
	disk->private_data = dev;
	disk->flags |= GENHD_FL_NO_PART;
	snprintf(disk->disk_name, DISK_NAME_LEN, "nvflush%d", dev->index);
	set_capacity(disk, round_down(bdev_nr_sectors(origin),
				      NVF_BLOCK_SECTORS));
	dev->disk = disk;
	err = add_disk(disk);
	if (err) {
		put_disk(disk);
		dev->disk = NULL;
	}
	return err;
}

static void nvf_dev_free(struct nvf_dev *dev)
{
	nvf_tier_exit(dev);
	nvf_io_exit(dev);
	nvf_nvm_unmap(&dev->nvm);
	nvf_bdev_close(&dev->nvm_bdev);
	nvf_bdev_close(&dev->origin);
	nvf_stats_exit(&dev->stats);
	nvf_policies_exit(dev);
	if (dev->index >= 0)
		ida_free(&nvf_index_ida, dev->index);
	kfree(dev->origin_path);
	kfree(dev->nvm_path);
	kfree(dev);
}

/**
 * nvf_dev_create() - create a stacked device
 * @args: name and lower device paths, already validated for syntax
 * @extack: receives a message naming the reason of a failure
 *
 * Context: process context, caller holds nvf_devs_lock.
 * Return: the new device, or an ERR_PTR; on failure nothing is left behind.
 */
struct nvf_dev *nvf_dev_create(const struct nvf_create_args *args,
			       struct netlink_ext_ack *extack)
{
	struct nvf_dev *dev;
	int err;

	lockdep_assert_held(&nvf_devs_lock);
	if (nvf_dev_find(args->name)) {
		NL_SET_ERR_MSG(extack, "a device with this name exists");
		return ERR_PTR(-EEXIST);
	}
	if (!try_module_get(THIS_MODULE)) {
		NL_SET_ERR_MSG(extack, "module is being unloaded");
		return ERR_PTR(-ENODEV);
	}
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev) {
		err = -ENOMEM;
		goto out_put;
	}
	dev->index = -1;
	strscpy(dev->name, args->name, sizeof(dev->name));
	dev->mode = args->mode;
	nvf_policies_init(dev);
	dev->origin_path = kstrdup(args->origin_path, GFP_KERNEL);
	dev->nvm_path = kstrdup(args->nvm_path, GFP_KERNEL);
	err = nvf_stats_init(&dev->stats);
	if (!dev->origin_path || !dev->nvm_path || err) {
		err = -ENOMEM;
		goto out_free;
	}
	err = nvf_dev_open_lower(dev, args, extack);
	if (err)
		goto out_free;
	err = nvf_io_init(dev);
	if (err)
		goto out_free;
	err = ida_alloc_max(&nvf_index_ida, MINORMASK, GFP_KERNEL);
	if (err < 0)
		goto out_free;
	dev->index = err;
	err = nvf_dev_add_disk(dev);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot register the stacked disk");
		goto out_free;
	}
	nvf_dev_insert(dev);
	pr_info("%s: created %s over origin %s, NVM %s (%llu MiB mapped)\n",
		dev->name, dev->disk->disk_name, dev->origin_path,
		dev->nvm_path, dev->nvm.size >> 20);
	return dev;

out_free:
	nvf_dev_free(dev);
out_put:
	module_put(THIS_MODULE);
	return ERR_PTR(err);
}

/**
 * nvf_disk_open() - block_device_operations.open of a stacked disk
 * @disk: the disk being opened
 *
 * Context: called by the block layer with disk->open_mutex held.
 * Return: 0, or -ENXIO while the device is being destroyed.
 */
int nvf_disk_open(struct gendisk *disk)
{
	struct nvf_dev *dev = disk->private_data;

	return dev->dying ? -ENXIO : 0;
}

/**
 * nvf_dev_destroy() - destroy a device that nobody has open
 * @dev: the device
 * @extack: receives the reason of a refusal
 *
 * Context: process context, caller holds nvf_devs_lock.
 * Return: 0, or -EBUSY (nothing changed) while the stacked disk is open.
 */
int nvf_dev_destroy(struct nvf_dev *dev, struct netlink_ext_ack *extack)
{
	struct gendisk *disk = dev->disk;

	lockdep_assert_held(&nvf_devs_lock);
	mutex_lock(&disk->open_mutex);
	if (disk_openers(disk)) {
		mutex_unlock(&disk->open_mutex);
		NL_SET_ERR_MSG(extack,
			       "device is open (mounted or in use by a process)");
		return -EBUSY;
	}
	dev->dying = true;
	mutex_unlock(&disk->open_mutex);

	list_del(&dev->node);
	del_gendisk(disk);
	/* del_gendisk() does not wait for clones already sent to the origin */
	percpu_ref_kill(&dev->inflight);
	wait_for_completion(&dev->drained);
	pr_info("%s: destroyed %s\n", dev->name, disk->disk_name);
	put_disk(disk);
	nvf_dev_free(dev);
	module_put(THIS_MODULE);
	return 0;
}
