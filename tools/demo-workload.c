// SPDX-License-Identifier: GPL-2.0
/*
 * The process "make demo" looks at: a little of everything memlab shows.
 *
 *   - 8 MiB of anonymous memory written, 4 MiB of it pushed to swap
 *   - 4 MiB in transparent huge pages (if the kernel gives them)
 *   - 4 MiB shared with a forked child, copy-on-write, 1 MiB of it since
 *     written by the child (so no longer shared)
 *   - 1 MiB of shared anonymous memory
 *
 * It prints one line for the demo script, "pid CHILD swap ADDR thp ADDR
 * cow ADDR", and stops itself (SIGSTOP) so that its memory holds still.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MiB (1UL << 20)

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static char *map(size_t len, int flags)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

/* A 2 MiB-aligned range inside a larger mapping, so THPs can back it. */
static char *map_aligned(size_t len)
{
	char *raw = map(len + 2 * MiB, MAP_PRIVATE);

	return (char *)(((unsigned long)raw + 2 * MiB - 1) & ~(2 * MiB - 1));
}

int main(void)
{
	char *swapped = map(8 * MiB, MAP_PRIVATE);
	char *huge = map_aligned(4 * MiB);
	char *cow = map(4 * MiB, MAP_PRIVATE);
	char *shared = map(1 * MiB, MAP_SHARED);
	pid_t child;

	memset(swapped, 's', 8 * MiB);
	if (madvise(swapped, 4 * MiB, MADV_PAGEOUT))
		perror("madvise(MADV_PAGEOUT)");

	if (madvise(huge, 4 * MiB, MADV_HUGEPAGE))
		perror("madvise(MADV_HUGEPAGE)");
	memset(huge, 'h', 4 * MiB);
	memset(cow, 'c', 4 * MiB);
	memset(shared, 'm', 1 * MiB);

	child = fork();
	if (child < 0)
		die("fork");
	if (!child) {
		memset(cow, 'C', 1 * MiB);	/* copy-on-write: 1 MiB is ours now */
		raise(SIGSTOP);
		return 0;
	}
	if (waitpid(child, NULL, WUNTRACED) != child)
		die("waitpid");

	printf("%d %d swap %p thp %p cow %p\n", getpid(), child, (void *)swapped,
	       (void *)huge, (void *)(cow + 2 * MiB));
	fflush(stdout);
	raise(SIGSTOP);
	return 0;
}
