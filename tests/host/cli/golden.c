// SPDX-License-Identifier: GPL-2.0
/*
 * Golden files for the host-side tests of memlab(1). See golden.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "golden.h"

FILE *capture_open(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	return c->f;
}

char *capture_close(struct capture *c)
{
	assert_int_equal(0, fclose(c->f));
	c->f = NULL;
	return c->buf;
}

static char *read_file(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re");
	FILE *m;
	int ch;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	while ((ch = getc(f)) != EOF)
		putc(ch, m);
	fclose(f);
	fclose(m);
	return buf;
}

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "we");

	if (!f) {
		print_error("cannot write %s: %s\n", path, strerror(errno));
		fail();
	}
	fputs(s, f);
	fclose(f);
}

static const char *env_dir(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

void save_output(const char *name, const char *got)
{
	const char *out = env_dir("MEMLAB_CLI_OUT", NULL);
	char path[4096];

	if (out) {
		snprintf(path, sizeof(path), "%s/%s", out, name);
		write_file(path, got);
	}
}

void check_golden(const char *name, const char *got)
{
	const char *dir = env_dir("MEMLAB_CLI_EXPECTED", "tests/host/cli/expected");
	const char *update = getenv("MEMLAB_CLI_UPDATE");
	char path[4096];
	char *want;
	size_t line = 1, i;

	save_output(name, got);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (update && !strcmp(update, "1")) {
		write_file(path, got);
		return;
	}
	want = read_file(path);
	if (!want) {
		print_error("no expected file %s (MEMLAB_CLI_UPDATE=1 writes it)\n", path);
		fail();
	}
	for (i = 0; want[i] && got[i] && want[i] == got[i]; i++)
		if (got[i] == '\n')
			line++;
	if (want[i] || got[i]) {
		size_t s = i;

		/* Show the line where they part. */
		while (s && got[s - 1] != '\n' && want[s - 1] != '\n')
			s--;
		print_error("%s differs from %s at line %zu:\n  want: %.*s\n  got:  %.*s\n",
			    name, path, line, (int)strcspn(want + s, "\n"), want + s,
			    (int)strcspn(got + s, "\n"), got + s);
		free(want);
		fail();
	}
	free(want);
}
