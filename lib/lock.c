/* migctl — the node lock (see include/migctl/lock.h): an exclusive flock
 * on a file that records its holder. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "migctl/lock.h"
#include "util/proc.h"

/* How often a waiting command tries again. */
#define RETRY_MS 50

void migctl_lock_init(struct migctl_lock *l)
{
	l->fd = -1;
}

bool migctl_process_alive(long pid, unsigned long long start)
{
	return mu_proc_alive(pid, start);
}

unsigned long long migctl_process_self_start(void)
{
	unsigned long long t = 0;
	return mu_proc_start_time((long)getpid(), &t) ? t : 0;
}

bool migctl_lock_read_holder(const char *path, struct migctl_lock_holder *h)
{
	char buf[512];
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	memset(h, 0, sizeof(*h));
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* "pid START SINCE\nCOMMAND LINE\n" */
	int used = 0;
	if (sscanf(buf, "%ld %llu %lld%n", &h->pid, &h->start, &h->since, &used) != 3 ||
	    h->pid <= 0)
		return false;
	const char *cmd = buf + used;
	if (*cmd == '\n')
		cmd++;
	snprintf(h->cmdline, sizeof(h->cmdline), "%.*s", (int)strcspn(cmd, "\n"), cmd);
	return true;
}

/* Record this process as the holder (the lock is held). */
static void write_holder(int fd, const char *cmdline)
{
	char buf[512], self[256];
	if (!cmdline) {
		mu_proc_cmdline((long)getpid(), self, sizeof(self));
		cmdline = self;
	}
	int n = snprintf(buf, sizeof(buf), "%ld %llu %lld\n%.255s\n", (long)getpid(),
			 migctl_process_self_start(), (long long)time(NULL), cmdline);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1;
	/* Best effort: the flock is the lock, the text only names it. */
	if (ftruncate(fd, 0) == 0 && pwrite(fd, buf, (size_t)n, 0) == n)
		fdatasync(fd);
}

static enum migctl_err locked_error(const char *path, struct migctl_lock_holder *holder,
				    struct migctl_error *err)
{
	struct migctl_lock_holder h;
	char when[64] = "an unknown time";

	if (!migctl_lock_read_holder(path, &h))
		return migctl_fail(err, MIGCTL_ERR_LOCKED,
				   "another migctl is changing this node (it holds %s); wait for "
				   "it to finish, or run again with --wait", path);
	if (holder)
		*holder = h;
	time_t t = (time_t)h.since;
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	return migctl_fail(err, MIGCTL_ERR_LOCKED,
			   "another migctl is changing this node: process %ld (%s) holds %s "
			   "since %s; wait for it to finish, or run again with --wait",
			   h.pid, h.cmdline[0] ? h.cmdline : "command line unknown", path, when);
}

/* Open (creating) the lock file, and its directory if missing. */
static int open_lock_file(const char *path, struct migctl_error *err)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0700); /* one level; an error shows at open */
	}
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		migctl_fail(err, errno == EACCES || errno == EPERM || errno == EROFS
				 ? MIGCTL_ERR_NO_PERMISSION : MIGCTL_ERR_IO,
			    "cannot open the node lock %s: %s%s", path, strerror(errno),
			    errno == EACCES || errno == EPERM ? "; run as root" : "");
	return fd;
}

enum migctl_err migctl_lock_acquire(struct migctl_lock *l, const char *path, long wait_ms,
				    const char *cmdline, struct migctl_lock_holder *holder,
				    struct migctl_error *err)
{
	struct timespec t0, now;

	if (l->fd >= 0)
		return MIGCTL_ERR_OK;
	if (!path || !*path)
		return migctl_fail(err, MIGCTL_ERR_USAGE, "no lock path given");
	int fd = open_lock_file(path, err);
	if (fd < 0)
		return err ? err->code : MIGCTL_ERR_IO;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			enum migctl_err rc = migctl_fail(err, MIGCTL_ERR_IO, "cannot lock %s: %s",
							 path, strerror(errno));
			close(fd);
			return rc;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		long waited = (long)((now.tv_sec - t0.tv_sec) * 1000 +
				     (now.tv_nsec - t0.tv_nsec) / 1000000);
		if (wait_ms >= 0 && waited >= wait_ms) {
			close(fd);
			return locked_error(path, holder, err);
		}
		struct timespec ts = {0, RETRY_MS * 1000000L};
		nanosleep(&ts, NULL);
	}
	write_holder(fd, cmdline);
	l->fd = fd;
	return MIGCTL_ERR_OK;
}

void migctl_lock_release(struct migctl_lock *l)
{
	if (l->fd < 0)
		return;
	flock(l->fd, LOCK_UN);
	close(l->fd);
	l->fd = -1;
}
