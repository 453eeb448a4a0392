// SPDX-License-Identifier: GPL-2.0
/*
 * memlab: module load and unload.
 *
 * memlab shows how the kernel manages a process's memory by walking its page
 * tables, and provokes the protection faults that guard that memory. People
 * read it through /proc/memlab, programs through ioctls on /dev/memlab; see
 * Documentation/ in the source tree.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pgtable.h>

#include "memlab.h"

bool memlab_verbose;
module_param_named(verbose, memlab_verbose, bool, 0644);
MODULE_PARM_DESC(verbose,
		 "Log every request (command, caller and target pid) to the kernel log (default: off)");

/*
 * The test VM fails a run whose kernel log shows a splat. This parameter
 * lets tests/ prove that it does, with a real WARN() taken in module code:
 * writing 1 to /sys/module/memlab/parameters/selftest_warn warns once.
 */
static int memlab_selftest_warn_set(const char *val,
				    const struct kernel_param *kp)
{
	bool warn;
	int ret;

	ret = kstrtobool(val, &warn);
	if (ret)
		return ret;
	WARN(warn, "memlab: selftest_warn written: a deliberate warning\n");
	return 0;
}

static const struct kernel_param_ops memlab_selftest_warn_ops = {
	.set = memlab_selftest_warn_set,
};

module_param_cb(selftest_warn, &memlab_selftest_warn_ops, NULL, 0200);
MODULE_PARM_DESC(selftest_warn,
		 "Write 1 to raise a WARN() on purpose, to test that the test VM catches kernel splats");

void memlab_fill_version(struct memlab_version *ver)
{
	ver->abi_version = MEMLAB_ABI_VERSION;
	ver->module_version = MEMLAB_VERSION_CODE;
	ver->features = MEMLAB_FEATURES;
	if (!memlab_intercept_ready())
		ver->features &= ~MEMLAB_FEAT_INJECT;
	ver->page_size = PAGE_SIZE;
	ver->pgtable_levels = pgtable_l5_enabled() ? 5 : 4;
}

static int __init memlab_init(void)
{
	int ret;

	ret = memlab_proc_init();
	if (ret)
		return ret;

	ret = memlab_fault_init();
	if (ret)
		goto out_proc_exit;

	ret = memlab_dev_init();
	if (ret)
		goto out_fault_exit;

	pr_info("version %s (ABI %d) loaded, %d-level paging\n",
		MEMLAB_VERSION_STRING, MEMLAB_ABI_VERSION,
		pgtable_l5_enabled() ? 5 : 4);
	return 0;

out_fault_exit:
	memlab_fault_exit();
out_proc_exit:
	memlab_proc_exit();
	return ret;
}

static void __exit memlab_exit(void)
{
	memlab_dev_exit();
	memlab_proc_exit();
	/* Last: nothing armed may outlive the module. */
	memlab_fault_exit();
	pr_info("unloaded\n");
}

module_init(memlab_init);
module_exit(memlab_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The memlab authors");
MODULE_DESCRIPTION("Walk process page tables, report RSS, swap and segments, inject protection faults");
MODULE_VERSION(MEMLAB_VERSION_STRING);
