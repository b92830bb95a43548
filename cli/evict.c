/* migctl CLI — the eviction callback of --force (see cli.h): signals to
 * the processes on instances an apply, restore or recover must destroy.
 *
 * The driver listed those processes some time ago; a pid may since have
 * ended and been reused by an unrelated process. Each one is signalled only
 * while its start time is still the one the listing recorded, checked
 * through a pidfd so that the pid cannot be reused between the check and
 * the signal.
 */
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli.h"

/* How long each signal of --force gets before the next one. */
#define EVICT_GRACE_MS 5000

/* Send `sig` to `p` if it still is the process the driver listed. A pidfd
 * pins the process: if the pid was reused before it was opened, the start
 * time read after opening is the new process's and differs. Kernels
 * without pidfds (before 5.3) get the check and a plain kill. */
static void signal_same(const struct migctl_process *p, int sig)
{
	if (p->start_time == 0)
		return; /* identity unknown: leave it, the apply reports busy */
	long fd = syscall(SYS_pidfd_open, (pid_t)p->pid, 0);
	if (fd < 0 && errno != ENOSYS)
		return; /* gone */
	if (migctl_process_start_time(p->pid) == p->start_time) {
		if (fd >= 0)
			syscall(SYS_pidfd_send_signal, (int)fd, sig, NULL, 0);
		else
			kill((pid_t)p->pid, sig);
	}
	if (fd >= 0)
		close((int)fd);
}

enum migctl_err cli_evict(void *ctx, unsigned round, const struct migctl_process *procs,
			  size_t n, long *wait_ms, struct migctl_error *err)
{
	(void)ctx;
	if (round >= 2)
		return migctl_fail(err, MIGCTL_ERR_BUSY, "process %u still runs on an instance to "
				   "destroy after SIGKILL; stop it and run again", procs[0].pid);
	for (size_t k = 0; k < n; k++)
		signal_same(&procs[k], round == 0 ? SIGTERM : SIGKILL);
	*wait_ms = EVICT_GRACE_MS;
	return MIGCTL_ERR_OK;
}
