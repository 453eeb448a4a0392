// SPDX-License-Identifier: GPL-2.0
/*
 * A process for trace_test.sh: it does nothing between rounds, so that
 * every page fault it takes while traced is one a round asked for.
 *
 *   trace_workload PAGES WRITES
 *
 * Prints "PID GUARD_ADDRESS" and waits. Each SIGUSR1 is a round: write
 * every one of PAGES anonymous pages (new ones in the first round), then
 * WRITES times the guard page, each write that faults with SIGSEGV
 * recovered; then prints "round N: SEGV M" (M: faults of this round) and
 * waits again. SIGTERM ends it.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096UL

static sigjmp_buf recover;
static volatile sig_atomic_t segvs;

static void on_segv(int sig)
{
	(void)sig;
	segvs++;
	siglongjmp(recover, 1);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_segv, .sa_flags = SA_NODEFER };
	unsigned long pages, writes, i;
	volatile char *mem, *guard;
	sigset_t set;
	int sig, round;

	if (argc != 3) {
		fprintf(stderr, "usage: trace_workload PAGES WRITES\n");
		return 2;
	}
	pages = strtoul(argv[1], NULL, 0);
	writes = strtoul(argv[2], NULL, 0);
	mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	guard = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || guard == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* No THP: one fault per page, as the test counts them. */
	madvise((void *)mem, pages * PAGE, MADV_NOHUGEPAGE);
	guard[0] = 1;
	sigaction(SIGSEGV, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("%d %#lx\n", getpid(), (unsigned long)guard);
	fflush(stdout);

	for (round = 1;; round++) {
		if (sigwait(&set, &sig) || sig == SIGTERM)
			return 0;
		segvs = 0;
		for (i = 0; i < pages; i++)
			mem[i * PAGE] = (char)round;
		for (i = 0; i < writes; i++)
			if (!sigsetjmp(recover, 1))
				guard[8] = (char)i;
		printf("round %d: SEGV %d\n", round, (int)segvs);
		fflush(stdout);
	}
}
