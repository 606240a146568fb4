// SPDX-License-Identifier: GPL-2.0
/*
 * nvflush NVM tier: the persistent memory device, mapped once through DAX.
 */
#include <linux/badblocks.h>
#include <linux/dax.h>
#include <linux/pfn_t.h>
#include "nvflush.h"

/**
 * nvf_nvm_map() - map a DAX-capable block device into the kernel
 * @nvm: receives the mapping
 * @bdev: the NVM block device, opened exclusively
 * @extack: receives the reason of a refusal
 *
 * The whole device must be directly accessible as one range: a device
 * without DAX (e.g. a raw pmem namespace, or a disk) is refused, and so is
 * one whose range is interrupted (e.g. by known bad blocks).
 *
 * Return: 0 or a negative errno.
 */
int nvf_nvm_map(struct nvf_nvm *nvm, struct block_device *bdev,
		struct netlink_ext_ack *extack)
{
	u64 start_off = 0, size = bdev_nr_bytes(bdev);
	long pages = size >> PAGE_SHIFT, mapped;
	struct dax_device *dax;
	pfn_t pfn;
	int id;

	dax = fs_dax_get_by_bdev(bdev, &start_off, NULL, NULL);
	if (!dax) {
		NL_SET_ERR_MSG(extack,
			       "NVM does not support DAX (use a pmem namespace in fsdax mode)");
		return -EOPNOTSUPP;
	}
	if (pages < 1) {
		NL_SET_ERR_MSG(extack, "NVM is smaller than one page");
		fs_put_dax(dax, NULL);
		return -EINVAL;
	}
	id = dax_read_lock();
	mapped = dax_direct_access(dax, start_off >> PAGE_SHIFT, pages,
				   DAX_ACCESS, &nvm->kaddr, &pfn);
	dax_read_unlock(id);
	if (mapped < pages) {
		nvf_extack(extack, NULL, mapped < 0 ?
			   "NVM cannot be mapped through DAX" :
			   "NVM is not directly accessible as one range (bad blocks?)");
		fs_put_dax(dax, NULL);
		nvm->kaddr = NULL;
		return mapped < 0 ? mapped : -EIO;
	}
	nvm->dax = dax;
	nvm->size = (u64)pages << PAGE_SHIFT;
	nvm->bb = bdev->bd_disk->bb;
	nvm->first_sector = start_off >> SECTOR_SHIFT;
	return 0;
}

/**
 * nvf_nvm_read() - copy from the NVM mapping, with media error recovery
 * @nvm: the mapping
 * @dst: kernel buffer
 * @src: address inside the mapping
 * @len: bytes
 *
 * A range listed in the disk's bad blocks is not read at all: its contents
 * are not to be trusted even where a load would not fault (a poisoned line
 * cleared by a write that never completed, an emulated error).
 *
 * Return: 0, or -EIO for a bad block or a machine check.
 */
int nvf_nvm_read(const struct nvf_nvm *nvm, void *dst, const void *src,
		 size_t len)
{
	u64 off = src - nvm->kaddr;
	sector_t first_bad, first = nvm->first_sector + (off >> SECTOR_SHIFT);
	int bad_sectors;

	if (nvm->bb &&
	    badblocks_check(nvm->bb, first,
			    nvm->first_sector +
			    DIV_ROUND_UP(off + len, SECTOR_SIZE) - first,
			    &first_bad, &bad_sectors))
		return -EIO;
	if (nvf_fault_fail(NVF_FAULT_NVM_READ))
		return -EIO;
	return copy_mc_to_kernel(dst, src, len) ? -EIO : 0;
}

/**
 * nvf_nvm_unmap() - release a mapping made by nvf_nvm_map()
 * @nvm: the mapping (may be unmapped already)
 */
void nvf_nvm_unmap(struct nvf_nvm *nvm)
{
	if (!nvm->dax)
		return;
	fs_put_dax(nvm->dax, NULL);
	nvm->dax = NULL;
	nvm->kaddr = NULL;
	nvm->size = 0;
	nvm->bb = NULL;
}
