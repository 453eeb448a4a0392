// SPDX-License-Identifier: GPL-2.0
/*
 * MEMLAB_IOC_VERSION and /proc/memlab/version, and the rules of the ioctl
 * ABI that every command shares: unknown commands, @size, @flags, bad
 * pointers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/memlab.h>

#include "kselftest_harness.h"

/*
 * The suite runs in an emulated VM (TCG), sometimes on a KASAN + lockdep
 * kernel: many times slower than hardware. 30 s is not enough there.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300

static int open_memlab(struct __test_metadata *_metadata)
{
	int fd = open(MEMLAB_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		SKIP(return -1, MEMLAB_DEVICE " is missing: memlab is not loaded");
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", MEMLAB_DEVICE, strerror(errno));
	return fd;
}

/* Value of "Key:  value" in a /proc/memlab file, or NULL. */
static char *proc_field(const char *path, const char *key, char *buf, size_t len)
{
	char line[256];
	size_t klen = strlen(key);
	FILE *f = fopen(path, "r");
	char *found = NULL;

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		snprintf(buf, len, "%s", line + klen + 1 + strspn(line + klen + 1, " \t"));
		buf[strcspn(buf, "\n")] = '\0';
		found = buf;
		break;
	}
	fclose(f);
	return found;
}

TEST(version_reports_the_running_system)
{
	struct memlab_version ver = { .size = sizeof(ver) };
	int fd = open_memlab(_metadata);

	ASSERT_EQ(0, ioctl(fd, MEMLAB_IOC_VERSION, &ver));
	EXPECT_EQ(sizeof(ver), ver.size);
	EXPECT_EQ(MEMLAB_ABI_VERSION, ver.abi_version);
	EXPECT_TRUE(ver.features & MEMLAB_FEAT_VERSION);
	EXPECT_EQ(sysconf(_SC_PAGESIZE), ver.page_size);
	EXPECT_TRUE(ver.pgtable_levels == 4 || ver.pgtable_levels == 5)
		TH_LOG("pgtable_levels = %u", ver.pgtable_levels);
	close(fd);
}

/* 5-level paging is what lets user space map above 128 TiB. */
TEST(version_paging_levels_match_the_address_space)
{
	struct memlab_version ver = { .size = sizeof(ver) };
	void *hint = (void *)(1UL << 48) + (1UL << 47);
	int fd = open_memlab(_metadata);
	void *p;

	ASSERT_EQ(0, ioctl(fd, MEMLAB_IOC_VERSION, &ver));
	p = mmap(hint, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(ver.pgtable_levels == 5, (unsigned long)p >= (1UL << 47))
		TH_LOG("levels %u but a high hint mapped at %p", ver.pgtable_levels, p);
	munmap(p, 4096);
	close(fd);
}

TEST(version_file_matches_the_ioctl)
{
	struct memlab_version ver = { .size = sizeof(ver) };
	char buf[128], expect[32];
	int fd = open_memlab(_metadata);

	ASSERT_EQ(0, ioctl(fd, MEMLAB_IOC_VERSION, &ver));
	ASSERT_NE(NULL, proc_field(MEMLAB_PROC_DIR "/version", "AbiVersion", buf, sizeof(buf)));
	snprintf(expect, sizeof(expect), "%u", ver.abi_version);
	EXPECT_STREQ(expect, buf);

	ASSERT_NE(NULL, proc_field(MEMLAB_PROC_DIR "/version", "Version", buf, sizeof(buf)));
	snprintf(expect, sizeof(expect), "%u.%u.%u", ver.module_version >> 16,
		 (ver.module_version >> 8) & 0xff, ver.module_version & 0xff);
	EXPECT_STREQ(expect, buf);

	ASSERT_NE(NULL, proc_field(MEMLAB_PROC_DIR "/version", "PageSize", buf, sizeof(buf)));
	EXPECT_EQ(ver.page_size, strtoul(buf, NULL, 10));

	ASSERT_NE(NULL, proc_field(MEMLAB_PROC_DIR "/version", "PagingLevels", buf, sizeof(buf)));
	EXPECT_EQ(ver.pgtable_levels, strtoul(buf, NULL, 10));

	ASSERT_NE(NULL, proc_field(MEMLAB_PROC_DIR "/version", "Features", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "version"));
	close(fd);
}

TEST(unknown_command_is_enotty)
{
	struct memlab_version ver = { .size = sizeof(ver) };
	int fd = open_memlab(_metadata);

	EXPECT_EQ(-1, ioctl(fd, _IOWR(MEMLAB_IOC_MAGIC, 0x7f, struct memlab_version), &ver));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, _IOWR('x', 0x00, struct memlab_version), &ver));
	EXPECT_EQ(ENOTTY, errno);
	/* The right number in the wrong direction is another command. */
	EXPECT_EQ(-1, ioctl(fd, _IO(MEMLAB_IOC_MAGIC, 0x00), &ver));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, 0, NULL));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

TEST(size_smaller_than_the_first_version_is_einval)
{
	struct memlab_version ver = {};
	int fd = open_memlab(_metadata);
	__u64 size;

	for (size = 0; size < MEMLAB_VERSION_SIZE_VER0; size += 8) {
		memset(&ver, 0, sizeof(ver));
		ver.size = size;
		EXPECT_EQ(-1, ioctl(fd, MEMLAB_IOC_VERSION, &ver)) TH_LOG("size %llu", size);
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(0, ver.abi_version) TH_LOG("output written for a refused call");
	}
	close(fd);
}

/* A newer caller: its extra bytes must be zero, and are left alone. */
TEST(size_larger_with_a_zero_tail_is_accepted)
{
	struct {
		struct memlab_version ver;
		__u64 future[4];
	} arg = { .ver.size = sizeof(arg) };
	int fd = open_memlab(_metadata);

	ASSERT_EQ(0, ioctl(fd, MEMLAB_IOC_VERSION, &arg));
	EXPECT_EQ(MEMLAB_ABI_VERSION, arg.ver.abi_version);
	EXPECT_EQ(0, arg.future[0]);
	EXPECT_EQ(0, arg.future[3]);

	arg.future[2] = 1;
	arg.ver.abi_version = 0;
	EXPECT_EQ(-1, ioctl(fd, MEMLAB_IOC_VERSION, &arg));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(0, arg.ver.abi_version);
	close(fd);
}

TEST(size_over_a_page_is_e2big)
{
	size_t page = sysconf(_SC_PAGESIZE);
	struct memlab_version *ver = calloc(1, 2 * page);
	int fd = open_memlab(_metadata);

	ASSERT_NE(NULL, ver);
	ver->size = page + 8;
	EXPECT_EQ(-1, ioctl(fd, MEMLAB_IOC_VERSION, ver));
	EXPECT_EQ(E2BIG, errno);
	ver->size = page;
	EXPECT_EQ(0, ioctl(fd, MEMLAB_IOC_VERSION, ver));
	free(ver);
	close(fd);
}

TEST(unknown_flags_are_einval)
{
	struct memlab_version ver = { .size = sizeof(ver) };
	int fd = open_memlab(_metadata);
	int bit;

	for (bit = 0; bit < 64; bit++) {
		ver.flags = 1ULL << bit;
		EXPECT_EQ(-1, ioctl(fd, MEMLAB_IOC_VERSION, &ver)) TH_LOG("flag bit %d", bit);
		EXPECT_EQ(EINVAL, errno);
	}
	close(fd);
}

TEST(bad_pointers_are_efault)
{
	size_t page = sysconf(_SC_PAGESIZE);
	int fd = open_memlab(_metadata);
	char *guard;

	EXPECT_EQ(-1, ioctl(fd, MEMLAB_IOC_VERSION, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(fd, MEMLAB_IOC_VERSION, (void *)0xffffffff81000000UL));
	EXPECT_EQ(EFAULT, errno);

	/* The argument straddles the end of a page into an unmapped one. */
	guard = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, guard);
	ASSERT_EQ(0, munmap(guard + page, page));
	*(__u64 *)(guard + page - 8) = sizeof(struct memlab_version);
	EXPECT_EQ(-1, ioctl(fd, MEMLAB_IOC_VERSION, guard + page - 8));
	EXPECT_EQ(EFAULT, errno);

	/* Read-only memory: the input is read, the output cannot be written. */
	*(__u64 *)guard = sizeof(struct memlab_version);
	ASSERT_EQ(0, mprotect(guard, page, PROT_READ));
	EXPECT_EQ(-1, ioctl(fd, MEMLAB_IOC_VERSION, guard));
	EXPECT_EQ(EFAULT, errno);
	munmap(guard, page);
	close(fd);
}

/* Read-only opens are enough to ask; the mode is 0666 by design. */
TEST(read_only_open_can_ask_the_version)
{
	struct memlab_version ver = { .size = sizeof(ver) };
	int fd = open(MEMLAB_DEVICE, O_RDONLY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		SKIP(return, MEMLAB_DEVICE " is missing: memlab is not loaded");
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ioctl(fd, MEMLAB_IOC_VERSION, &ver));
	close(fd);
}

TEST_HARNESS_MAIN
