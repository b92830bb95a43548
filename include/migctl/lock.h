/* migctl — the node lock: one migctl that changes a node at a time.
 *
 * Every command that changes MIG state (apply, restore, recover, create,
 * destroy, mode and the mutating paths of the nvidia-smi and
 * nvidia-mig-parted personalities) holds an exclusive flock(2) on one
 * lock file per node for its whole run. Without it a second apply (which
 * recovers first) or a recover took a running apply's journal for a
 * crash's and rolled its GPUs back. The caller chooses the file (the CLI:
 * next to the simulator's state, /run/migctl on a real node); the library
 * reads no environment.
 *
 * The holder writes its PID, its start time (from /proc/PID/stat, so that
 * a later process that reuses the PID is not taken for it), the time it
 * took the lock and its command line into the file, so that a refused
 * command can name it. The kernel drops the lock when the holder exits,
 * however it exits: a stale file never blocks anyone.
 */
#ifndef MIGCTL_LOCK_H
#define MIGCTL_LOCK_H

#include <stdbool.h>

#include "migctl/error.h"

/* Who holds a lock (or held it last: the file outlives the lock). */
struct migctl_lock_holder {
	long pid;
	unsigned long long start;     /* clock ticks after boot (/proc) */
	long long since;              /* time(2) when it took the lock */
	char cmdline[256];
};

struct migctl_lock {
	int fd;                       /* -1 while not held */
};

void migctl_lock_init(struct migctl_lock *l);

/* Take the lock at `path` (created 0600 if missing; its directory too,
 * 0700, one level). `wait_ms`: 0 refuses at once, > 0 waits up to that
 * long, < 0 waits for as long as it takes. `cmdline` is recorded for
 * others to see (NULL: this process's own, from /proc/self/cmdline).
 * A lock this lock object already holds is OK.
 * Errors: MIGCTL_ERR_LOCKED when another process holds it (then `holder`,
 * if not NULL, says who, and the message names it), MIGCTL_ERR_NO_PERMISSION
 * when the file cannot be created or opened for that reason, _IO otherwise. */
enum migctl_err migctl_lock_acquire(struct migctl_lock *l, const char *path, long wait_ms,
				    const char *cmdline, struct migctl_lock_holder *holder,
				    struct migctl_error *err);

/* Release the lock (a no-op when not held). The file stays. */
void migctl_lock_release(struct migctl_lock *l);

/* Read the holder recorded in the lock file at `path`; false if there is
 * none or it cannot be read. Says nothing about whether it still holds
 * the lock. */
bool migctl_lock_read_holder(const char *path, struct migctl_lock_holder *h);

/* Whether process `pid` is alive and is the one that started at `start`. */
bool migctl_process_alive(long pid, unsigned long long start);

/* This process's start time (0 if /proc cannot tell). */
unsigned long long migctl_process_self_start(void);

#endif
