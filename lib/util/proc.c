/* migctl — process identity from /proc (see lib/util/proc.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/proc.h"

/* Read at most len-1 bytes of a small /proc file; -1 on error. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

bool mu_proc_start_time(long pid, unsigned long long *out)
{
	char path[64], buf[1024];

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return false;
	/* The command name (field 2) may hold spaces and ')': the fields
	 * after it start after the last ')'. Field 3 is the state, so the
	 * start time (22) is the 20th field from there. */
	char *p = strrchr(buf, ')');
	if (!p)
		return false;
	p++;
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return false;
	}
	char *end;
	unsigned long long v = strtoull(p + 1, &end, 10);
	if (end == p + 1)
		return false;
	*out = v;
	return true;
}

bool mu_proc_alive(long pid, unsigned long long start)
{
	unsigned long long now;
	return mu_proc_start_time(pid, &now) && now == start;
}

void mu_proc_cmdline(long pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if (len < 2 || (n = read_small(path, buf, len)) <= 0) {
		buf[0] = '\0';
		return;
	}
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0' || buf[i] == '\n')
			buf[i] = ' ';
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
}
