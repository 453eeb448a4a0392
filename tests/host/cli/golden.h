/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Golden files for the host-side tests of memlab(1): output captured in
 * memory and compared byte for byte with tests/host/cli/expected/NAME.
 *
 *   MEMLAB_CLI_EXPECTED   the directory of the expected files
 *   MEMLAB_CLI_OUT        where each test also writes what it got (so that
 *                         cli_test.sh can check the JSON with jq and the
 *                         SVG with xmllint and rsvg-convert)
 *   MEMLAB_CLI_UPDATE=1   write what the tests got as the new expected
 *                         files (then read the diff before committing)
 */
#ifndef MEMLAB_CLI_GOLDEN_H
#define MEMLAB_CLI_GOLDEN_H

#include <stdio.h>

#include "format.h"

struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

/* A FILE that writes into memory. */
FILE *capture_open(struct capture *c);

/* Its text, NUL-terminated; free() it. */
char *capture_close(struct capture *c);

/* Write @got to $MEMLAB_CLI_OUT/@name, if set, for the runner to check. */
void save_output(const char *name, const char *got);

/* Fail the running test unless @got equals expected/@name. */
void check_golden(const char *name, const char *got);

#endif /* MEMLAB_CLI_GOLDEN_H */
