// SPDX-License-Identifier: GPL-2.0
/*
 * nvflush: a stacked block device that absorbs the writeback of chosen
 * cgroups into non-volatile memory and destages it to a slower origin.
 */
#include <linux/module.h>
#include "nvflush.h"

static int __init nvf_init(void)
{
	int err = nvf_fault_init();

	if (err)
		return err;
	err = nvf_netlink_init();
	if (err) {
		pr_err("cannot register the generic netlink family: %d\n", err);
		nvf_fault_exit();
		return err;
	}
	pr_info("loaded\n");
	return 0;
}

/* Devices pin the module, so none exists when this runs. */
static void __exit nvf_exit(void)
{
	nvf_netlink_exit();
	nvf_fault_exit();
	pr_info("unloaded\n");
}

module_init(nvf_init);
module_exit(nvf_exit);

MODULE_DESCRIPTION("nvflush: per-cgroup writeback absorption into NVM");
MODULE_AUTHOR("The nvflush authors");
MODULE_LICENSE("GPL");
