/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's own numbers, read whole from /proc and /sys text files, for
 * the tests that hold memlab against them.
 */
#ifndef MEMLAB_TESTS_PROC_TEXT_H
#define MEMLAB_TESTS_PROC_TEXT_H

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/*
 * A whole file, NUL-terminated, with a '\n' put first so that every key of
 * a "Key: value" file reads "\nKey:", which cannot match the tail of
 * another key ("\nRss:" is not in "SwapPss:"). free() it.
 *
 * Return: the text, or NULL when the file cannot be read whole or is
 * empty, as smaps_rollup is once its process has exited.
 */
static inline char *read_text(const char *path)
{
	size_t size = 16384, len = 1;
	char *text, *bigger;
	ssize_t n = -1;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	text = malloc(size);
	if (text) {
		text[0] = '\n';
		for (;;) {
			if (size - len < 4096) {
				bigger = realloc(text, size * 2);
				if (!bigger) {
					n = -1;
					break;
				}
				text = bigger;
				size *= 2;
			}
			n = read(fd, text + len, size - len - 1);
			if (n <= 0)
				break;
			len += n;
		}
	}
	close(fd);
	if (n < 0 || len == 1) {
		free(text);
		return NULL;
	}
	text[len] = '\0';
	return text;
}

/* read_text() of /proc/@pid/@name. */
static inline char *read_pid_file(pid_t pid, const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	return read_text(path);
}

/*
 * The number after @key in the text of read_text(), "\nRss:" say, in the
 * file's unit; ULONG_MAX when the key is not there.
 */
static inline unsigned long field_kb(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoul(p + strlen(key), NULL, 10) : ULONG_MAX;
}

#endif /* MEMLAB_TESTS_PROC_TEXT_H */
