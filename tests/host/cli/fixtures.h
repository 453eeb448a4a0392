/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recorded ioctl answers the host-side tests of memlab(1) format (see
 * fixtures.c), and the helpers that compare output with tests/host/cli/
 * expected/.
 */
#ifndef MEMLAB_CLI_FIXTURES_H
#define MEMLAB_CLI_FIXTURES_H

#include <stddef.h>

#include <linux/memlab.h>

extern const struct memlab_summary fx_summary;
extern const struct memlab_vma fx_vmas[];
extern const char *const fx_names[];
extern const size_t fx_nvmas;
extern const struct memlab_scan_region fx_scan[];		/* all categories */
extern const size_t fx_scan_n;
extern const struct memlab_scan_region fx_mapscan[];	/* map's return mask */
extern const size_t fx_mapscan_n;
extern const struct memlab_vtop fx_vtop_thp;	/* inside a THP */
extern const struct memlab_vtop fx_vtop_swap;	/* a swapped-out page */
extern const struct memlab_vtop fx_vtop_cow;	/* shared with a child */
extern const struct memlab_version fx_version;

#endif /* MEMLAB_CLI_FIXTURES_H */
