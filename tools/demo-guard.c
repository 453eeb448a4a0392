// SPDX-License-Identifier: GPL-2.0
/*
 * The process the end of "make demo" arms a fault in: one page holding a
 * sentence, and a SIGSEGV handler that says what it caught. It prints
 * "PID ADDR" and then obeys one word per line on stdin:
 *
 *   write   write the page (the same byte back: the sentence stays)
 *   show    print the sentence
 *
 * answering one line each.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char sentence[] = "memlab was here, and these bytes survived it";
static sigjmp_buf again;
static volatile siginfo_t caught;

static void on_sigsegv(int sig, siginfo_t *info, void *uctx)
{
	(void)sig;
	(void)uctx;
	caught = *info;
	siglongjmp(again, 1);
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigsegv, .sa_flags = SA_SIGINFO };
	char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char cmd[64];

	if (page == MAP_FAILED || sigaction(SIGSEGV, &sa, NULL)) {
		perror("demo-guard");
		return 1;
	}
	memcpy(page, sentence, sizeof(sentence));
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("%d %p\n", getpid(), (void *)page);

	while (fgets(cmd, sizeof(cmd), stdin)) {
		if (!strcmp(cmd, "show\n")) {
			printf("the page says: \"%s\"\n", page);
		} else if (!strcmp(cmd, "write\n")) {
			volatile char *byte = page + 10;

			if (sigsetjmp(again, 1) == 0) {
				*byte = *byte;
				printf("write at %p: done, no fault\n", (void *)byte);
			} else {
				printf("write at %p: caught SIGSEGV, si_code %s, si_addr %p\n",
				       (void *)byte,
				       caught.si_code == SEGV_ACCERR ? "SEGV_ACCERR" :
				       caught.si_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other",
				       caught.si_addr);
			}
		} else {
			printf("unknown command\n");
		}
	}
	return 0;
}
