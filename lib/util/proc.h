/* migctl — internal helpers: the identity of a process on Linux, from
 * /proc. A PID alone names a process only while it lives; the pair (PID,
 * start time) names one process for the life of the boot, so lock holders
 * and journal owners are recorded and checked as that pair. */
#ifndef MU_PROC_H
#define MU_PROC_H

#include <stdbool.h>
#include <stddef.h>

/* The start time of process `pid` (field 22 of /proc/PID/stat, clock
 * ticks since boot) into *out. False when the process does not exist or
 * its stat file cannot be read or parsed. */
bool mu_proc_start_time(long pid, unsigned long long *out);

/* Whether process `pid` runs and started at `start` (the same process,
 * not a later one that reuses its PID). */
bool mu_proc_alive(long pid, unsigned long long start);

/* The command line of process `pid`, arguments joined by spaces and
 * cut to `len`; "" when it cannot be read. */
void mu_proc_cmdline(long pid, char *buf, size_t len);

#endif
