// SPDX-License-Identifier: GPL-2.0
/*
 * memlab(1): what the ioctls do not carry, from the kernel's own
 * /proc/PID files: the process's name and its mappings' names. Never
 * /proc/memlab: everything memlab measures comes from the ioctls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define PF_KTHREAD	0x00200000	/* include/linux/sched.h */

char *proc_comm(int pid)
{
	char path[64], buf[64];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return n ? strdup(buf) : NULL;
}

/* One line of /proc/PID/maps: its start address and its name, if any. */
static int parse_maps_line(char *line, u64 *start, char **name)
{
	unsigned long long s, e, off, ino;
	unsigned int maj, min;
	char perm[8];
	int pos = 0;

	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu%n", &s, &e, perm, &off, &maj,
		   &min, &ino, &pos) < 7 || !pos)
		return -1;
	*start = s;
	line += pos;
	line += strspn(line, " ");
	line[strcspn(line, "\n")] = '\0';
	*name = line;
	return 0;
}

int proc_map_names(int pid, struct maps_data *md)
{
	char path[64], *line = NULL;
	size_t len = 0, i = 0;
	FILE *f;

	md->names = calloc(md->n ? md->n : 1, sizeof(*md->names));
	if (!md->names)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	/* Both are in address order: walk them side by side. */
	while (getline(&line, &len, f) > 0) {
		u64 start;
		char *name;

		if (parse_maps_line(line, &start, &name))
			continue;
		while (i < md->n && md->vmas[i].start < start)
			i++;
		if (i == md->n)
			break;
		if (md->vmas[i].start == start && *name)
			md->names[i] = strdup(name);
	}
	free(line);
	fclose(f);
	return 0;
}

bool proc_is_kthread(int pid)
{
	char path[64], buf[1024], *p;
	unsigned int flags;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The name may hold spaces and parentheses: start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %u", &flags) != 1)
		return false;
	return flags & PF_KTHREAD;
}

bool proc_exists(int pid)
{
	return !kill(pid, 0) || errno == EPERM;
}

bool have_capability(unsigned int cap)
{
	char line[256];
	u64 eff = 0;
	bool found = false;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			found = true;
			break;
		}
	fclose(f);
	return found && cap < 64 && (eff >> cap) & 1;
}
