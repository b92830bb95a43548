/* migsim — the commands that register things in the machine for other
 * processes to meet: exec (a command as a GPU process, with a load), fault
 * (NVML calls that fail) and event (NVML events for event sets). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migsim.h"

/* --- exec ------------------------------------------------------------------ */

static const char exec_usage[] =
	"Usage: migsim exec -d DEVICE [--memory MIB] [--load SPEC] -- CMD [ARGS...]\n"
	"\n"
	"Run CMD as a compute process on a GPU or MIG device of the simulated\n"
	"machine: NVML clients list its PID among the device's running processes,\n"
	"and the driver refuses what a process would block (destroying its\n"
	"instances, resetting the GPU, changing the MIG mode). The PID is\n"
	"registered before CMD starts and unregistered when it ends; a reboot\n"
	"drops the registration early. migsim waits for CMD and exits with its\n"
	"status (128+N if a signal N killed it; 127 if CMD is not found, 126 if\n"
	"it cannot be run).\n"
	"While CMD runs, migsim ignores SIGINT and SIGQUIT (a terminal sends them\n"
	"to CMD as well) and passes SIGTERM and SIGHUP on to CMD.\n"
	"CMD gets CUDA_VISIBLE_DEVICES and NVIDIA_VISIBLE_DEVICES set to the\n"
	"device's UUID.\n"
	"\n"
	"Options:\n"
	"  -d, --device DEV   a GPU UUID or index (the process runs on the whole\n"
	"                     GPU), a MIG device UUID, or the legacy form\n"
	"                     MIG-GPU-<GPU UUID>/<GI>/<CI> (on that compute\n"
	"                     instance); 'migsim show' lists the UUIDs\n"
	"  -m, --memory MIB   GPU memory the process uses (default 0); at most what\n"
	"                     the device has left\n"
	"  -l, --load SPEC    the work CMD puts on the device while it runs, as\n"
	"                     KEY=FRACTION pairs (0 to 1), comma-separated: sm,\n"
	"                     occupancy, tensor, fp64, fp32, fp16, dram, pcie-tx,\n"
	"                     pcie-rx; e.g. sm=0.8,tensor=0.6,dram=0.3. NVML's\n"
	"                     utilization, GPM, power, clocks and temperature\n"
	"                     follow it (docs/simulator-model.md); default idle\n"
	"  -h, --help         show this help\n";

/* A device of the machine: gi = ci = NVML_VALUE_NOT_AVAILABLE_UINT for a
 * whole GPU. */
struct device_ref {
	unsigned gpu, gi, ci;
};

static int find_device(const struct sim_machine *m, const char *query,
		       struct device_ref *out)
{
	unsigned v;

	if (ms_parse_uint(query, UINT_MAX, &v)) {
		if (v >= m->n_gpus)
			return ms_fail(MIGCTL_ERR_NOT_FOUND,
				       "no GPU %u; this machine has %u GPU%s (see 'migsim show')",
				       v, m->n_gpus, m->n_gpus == 1 ? "" : "s");
		*out = (struct device_ref){v, NVML_VALUE_NOT_AVAILABLE_UINT,
					   NVML_VALUE_NOT_AVAILABLE_UINT};
		return 0;
	}
	if (sim_find_uuid(m, query, &out->gpu, &out->gi, &out->ci))
		return 0;
	/* The legacy form of drivers before R470 (seed 004):
	 * MIG-GPU-<GPU UUID>/<GI>/<CI>. */
	if (strncasecmp(query, "MIG-GPU-", 8) == 0) {
		char gpu_uuid[64];
		unsigned gi, ci, g, x, y;
		int n = -1;
		const char *slash = strchr(query + 8, '/');
		if (slash && (size_t)(slash - (query + 4)) < sizeof(gpu_uuid) &&
		    sscanf(slash, "/%u/%u%n", &gi, &ci, &n) == 2 && n > 0 && slash[n] == '\0') {
			memcpy(gpu_uuid, query + 4, (size_t)(slash - (query + 4)));
			gpu_uuid[slash - (query + 4)] = '\0';
			if (sim_find_uuid(m, gpu_uuid, &g, &x, &y) && x == NVML_VALUE_NOT_AVAILABLE_UINT &&
			    gi < SIM_MAX_GIS && ci < SIM_MAX_CIS) {
				struct sim_gi *gp = sim_gi_find((struct sim_gpu *)&m->gpus[g], gi);
				if (gp && sim_ci_find(gp, ci)) {
					*out = (struct device_ref){g, gi, ci};
					return 0;
				}
			}
		}
	}
	return ms_fail(MIGCTL_ERR_NOT_FOUND,
		       "no GPU or MIG device with UUID \"%s\"; run 'migsim show' to see the UUIDs",
		       query);
}

/* Register `pid` on the device with its memory and load, and put the
 * device's UUID in `uuid` (for CUDA_VISIBLE_DEVICES); returns the exit
 * code. */
static int register_process(struct app *app, pid_t pid, const char *device,
			    unsigned long long memory, const struct sim_load *load,
			    char *uuid, size_t uuid_len)
{
	struct sim_session s;
	struct device_ref d = {0};
	int rc;

	rc = ms_open_state(app, &s, SIM_EXCLUSIVE);
	if (rc)
		return rc;
	struct sim_machine *m = s.m;
	rc = find_device(m, device, &d);
	if (rc)
		goto out;
	if (m->n_procs == SIM_MAX_PROCS) {
		rc = ms_fail(MIGCTL_ERR_INSUFFICIENT_RESOURCES,
			     "%d processes are registered already, the simulator's limit; end some or run 'migsim reboot'",
			     SIM_MAX_PROCS);
		goto out;
	}
	/* Memory: what the device has, less what its other processes use. */
	const struct sim_gpu *g = &m->gpus[d.gpu];
	unsigned long long total = g->m ? g->m->memory_mib : 0, used = 0;
	if (d.gi != NVML_VALUE_NOT_AVAILABLE_UINT) {
		const struct sim_gi *gi = sim_gi_find(&m->gpus[d.gpu], d.gi);
		const struct migctl_gi_profile *gp = gi ? sim_gi_profile(g, gi) : NULL;
		total = gp ? gp->memory_mib : 0;
	}
	for (unsigned i = 0; i < m->n_procs; i++)
		if (m->procs[i].gpu == d.gpu && m->procs[i].gi == d.gi && m->procs[i].ci == d.ci)
			used += m->procs[i].used_mib;
	if (memory > total || memory > total - used) {
		rc = ms_fail(MIGCTL_ERR_INSUFFICIENT_RESOURCES,
			     "--memory %llu MiB does not fit on %s: it has %llu MiB, %llu MiB of them used by other processes",
			     memory, device, total, used);
		goto out;
	}
	m->procs[m->n_procs++] = (struct sim_process){
		.pid = (unsigned)pid, .gpu = d.gpu, .gi = d.gi, .ci = d.ci,
		.used_mib = memory, .load = *load,
	};
	if (d.gi == NVML_VALUE_NOT_AVAILABLE_UINT)
		snprintf(uuid, uuid_len, "%s", g->uuid);
	else
		sim_mig_uuid(g, d.gi, d.ci, uuid, uuid_len);
	return ms_commit_close(&s);
out:
	sim_close(&s);
	return rc;
}

/* Drop `pid`'s registration (a reboot may have dropped it already, and
 * sim_open drops it too once the process is gone). */
static int unregister_process(struct app *app, pid_t pid)
{
	struct sim_session s;
	int rc;

	rc = ms_open_state(app, &s, SIM_EXCLUSIVE);
	if (rc)
		return rc;
	struct sim_machine *m = s.m;
	unsigned keep = 0;
	for (unsigned i = 0; i < m->n_procs; i++)
		if (m->procs[i].pid != (unsigned)pid)
			m->procs[keep++] = m->procs[i];
	m->n_procs = keep;
	return ms_commit_close(&s);
}

static volatile sig_atomic_t child_pid;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

/* The child of `migsim exec`: wait until the parent has registered us
 * (one byte on `fd`, then the device's UUID up to end of file), set the
 * CUDA and container device variables, then become CMD. */
static void run_child(int fd, char **cmd) __attribute__((noreturn));
static void run_child(int fd, char **cmd)
{
	char go, uuid[128];
	size_t have = 0;
	ssize_t n;

	do
		n = read(fd, &go, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(127); /* the parent failed and said why */
	while (have < sizeof(uuid) - 1) {
		n = read(fd, uuid + have, sizeof(uuid) - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	uuid[have] = '\0';
	if (have > 0) {
		setenv("CUDA_VISIBLE_DEVICES", uuid, 1);
		setenv("NVIDIA_VISIBLE_DEVICES", uuid, 1);
	}
	execvp(cmd[0], cmd);
	int e = errno;
	fprintf(stderr, PROG ": error: cannot run '%s': %s\n", cmd[0], strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

/* Tell the child it is registered: "g" and the device's UUID (run_child). */
static void release_child(int fd, const char *uuid)
{
	char msg[NVML_DEVICE_UUID_V2_BUFFER_SIZE + 1];
	size_t len = (size_t)snprintf(msg, sizeof(msg), "g%s", uuid), off = 0;

	if (len >= sizeof(msg))
		len = sizeof(msg) - 1;
	while (off < len) {
		ssize_t n = write(fd, msg + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

int cmd_exec(struct app *app, int argc, char **argv)
{
	static const struct option opts[] = {
		{"device", required_argument, NULL, 'd'},
		{"memory", required_argument, NULL, 'm'},
		{"load", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *device = NULL;
	unsigned long long memory = 0;
	struct sim_load load = {0};
	struct migctl_error lerr;
	char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE] = "";
	int opt, rc, fds[2];

	optind = 0;
	/* '+': stop at CMD, so that its own options stay its own. */
	while ((opt = getopt_long(argc, argv, "+d:m:l:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(exec_usage, stdout);
			return 0;
		case 'd': device = optarg; break;
		case 'm':
			if (!ms_parse_ull(optarg, ULLONG_MAX, &memory))
				return ms_usage_error("exec", "bad --memory '%s'; give MiB as a whole number", optarg);
			break;
		case 'l':
			if (sim_load_parse(optarg, &load, &lerr) != MIGCTL_ERR_OK)
				return ms_usage_error("exec", "%s", lerr.msg);
			break;
		default:
			return ms_usage_error("exec", "unknown option");
		}
	}
	if (!device)
		return ms_usage_error("exec", "which device? give -d UUID (see 'migsim show')");
	if (optind >= argc)
		return ms_usage_error("exec", "no command to run; write: migsim exec -d UUID -- CMD [ARGS...]");
	char **cmd = argv + optind;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return ms_fail(MIGCTL_ERR_IO, "cannot create a pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		rc = ms_fail(MIGCTL_ERR_IO, "cannot fork to run %s: %s", cmd[0], strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return rc;
	}
	if (pid == 0) {
		close(fds[1]);
		run_child(fds[0], cmd);
	}
	close(fds[0]);

	/* SIGINT/SIGQUIT from the terminal reach CMD by themselves; ignore them
	 * here so that we outlive CMD and unregister it. Pass on the signals
	 * aimed at us alone. */
	struct sigaction ign = {.sa_handler = SIG_IGN}, fwd = {.sa_handler = forward_signal};
	struct sigaction old_int, old_quit, old_term, old_hup;
	sigemptyset(&ign.sa_mask);
	sigemptyset(&fwd.sa_mask);
	child_pid = pid;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	sigaction(SIGTERM, &fwd, &old_term);
	sigaction(SIGHUP, &fwd, &old_hup);

	rc = register_process(app, pid, device, memory, &load, uuid, sizeof(uuid));
	if (rc == 0)
		release_child(fds[1], uuid);
	close(fds[1]);

	int status = 0;
	pid_t w;
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	child_pid = 0;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	if (rc)
		return rc; /* not registered, CMD never ran */

	if (w < 0)
		rc = ms_fail(MIGCTL_ERR_INTERNAL, "cannot wait for %s (PID %d): %s",
			     cmd[0], (int)pid, strerror(errno));
	else if (WIFEXITED(status))
		rc = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		rc = 128 + WTERMSIG(status);
	else
		rc = MIGCTL_ERR_INTERNAL;
	if (unregister_process(app, pid) != 0)
		fprintf(stderr, PROG ": warning: PID %d stays registered until the next "
			"access to the machine notices it is gone\n", (int)pid);
	return rc;
}

/* --- fault ----------------------------------------------------------------- */

static const char fault_usage[] =
	"Usage: migsim fault add --call NAME --error CODE [--count N] [--after N]\n"
	"       migsim fault list\n"
	"       migsim fault clear\n"
	"\n"
	"Inject NVML errors: the next N calls of the NVML function NAME return\n"
	"CODE without doing anything, in every process using the simulated\n"
	"library. Faults stay across resets and reboots until used up or cleared.\n"
	"Faults are checked in the order they were added; the first that matches\n"
	"a call (by its name, the name without a _vN suffix, or the class\n"
	"'mutating') applies to it.\n"
	"\n"
	"Subcommands:\n"
	"  add     add a fault\n"
	"  list    list the faults and how many calls each has left\n"
	"  clear   remove every fault\n"
	"\n"
	"Options of 'add':\n"
	"  --call NAME    NVML function name, e.g. nvmlDeviceCreateGpuInstance, or\n"
	"                 migsimResetGpu, or 'mutating': every call that changes\n"
	"                 the machine (nvmlDeviceSetMigMode,\n"
	"                 nvmlDeviceCreateGpuInstance[WithPlacement],\n"
	"                 nvmlGpuInstanceDestroy,\n"
	"                 nvmlGpuInstanceCreateComputeInstance[WithPlacement],\n"
	"                 nvmlComputeInstanceDestroy, migsimResetGpu)\n"
	"  --error CODE   NVML return code: a number (19) or a name, with or\n"
	"                 without the NVML_ERROR_ prefix, any case (IN_USE,\n"
	"                 NVML_ERROR_IN_USE, insufficient-resources); or 'kill':\n"
	"                 the call does its work, which is saved, then the calling\n"
	"                 process is killed (SIGKILL) before the call returns\n"
	"  --count N      how many calls fail (default 1); -1: every call\n"
	"  --after N      let N matching calls run normally first (default 0)\n"
	"  -h, --help     show this help\n";

static int fault_add(struct app *app, int argc, char **argv)
{
	static const struct option opts[] = {
		{"call", required_argument, NULL, 'c'},
		{"error", required_argument, NULL, 'e'},
		{"count", required_argument, NULL, 'n'},
		{"after", required_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *call = NULL;
	int error = 0, count = 1, after = 0, opt, rc;
	bool have_error = false;
	struct sim_session s;
	unsigned v;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(fault_usage, stdout);
			return 0;
		case 'c': call = optarg; break;
		case 'e':
			if (strcasecmp(optarg, "kill") == 0) {
				error = SIM_FAULT_KILL;
				have_error = true;
				break;
			}
			if (strcmp(optarg, "0") == 0 || strcasecmp(optarg, "SUCCESS") == 0 ||
			    strcasecmp(optarg, "NVML_SUCCESS") == 0)
				return ms_usage_error("fault", "--error %s: NVML_SUCCESS is not an error; give a code like 19 or a name like IN_USE", optarg);
			if (!ms_parse_nvml_error(optarg, &error))
				return ms_usage_error("fault", "unknown NVML error '%s'; use a code like 19, a name like IN_USE, or kill", optarg);
			have_error = true;
			break;
		case 'n':
			if (strcmp(optarg, "-1") == 0)
				count = -1;
			else if (ms_parse_uint(optarg, INT_MAX, &v) && v > 0)
				count = (int)v;
			else
				return ms_usage_error("fault", "bad --count '%s'; use a number from 1 up, or -1 for every call", optarg);
			break;
		case 'a':
			if (!ms_parse_uint(optarg, INT_MAX, &v))
				return ms_usage_error("fault", "bad --after '%s'; use a number of calls from 0 up", optarg);
			after = (int)v;
			break;
		default:
			return ms_usage_error("fault", "unknown option");
		}
	}
	if (optind != argc)
		return ms_usage_error("fault", "unexpected argument '%s'", argv[optind]);
	if (!call || !have_error)
		return ms_usage_error("fault", "'fault add' needs --call NAME and --error CODE");
	bool valid = (strncmp(call, "nvml", 4) == 0 || strncmp(call, "migsim", 6) == 0 ||
		      strcmp(call, SIM_FAULT_MUTATING) == 0) && strlen(call) < SIM_CALL_MAX;
	for (const char *p = call; valid && *p; p++)
		valid = isalnum((unsigned char)*p) || *p == '_';
	if (!valid)
		return ms_usage_error("fault", "bad --call '%s'; give an NVML function name such as nvmlDeviceCreateGpuInstance, or mutating",
				      call);

	rc = ms_open_state(app, &s, SIM_EXCLUSIVE);
	if (rc)
		return rc;
	if (s.m->n_faults == SIM_MAX_FAULTS) {
		sim_close(&s);
		return ms_fail(MIGCTL_ERR_INSUFFICIENT_RESOURCES,
			       "%d faults are set already, the simulator's limit; run 'migsim fault clear'",
			       SIM_MAX_FAULTS);
	}
	struct sim_fault *f = &s.m->faults[s.m->n_faults++];
	memset(f, 0, sizeof(*f));
	snprintf(f->call, sizeof(f->call), "%s", call);
	f->error = error;
	f->remaining = count;
	f->skip = after;
	rc = ms_commit_close(&s);
	if (rc == 0) {
		/* "every call ... returns", "the next call ... returns", "the
		 * next 2 calls ... return" */
		const char *verb_s = count > 1 ? "" : "s";
		char what[96], first[64] = "";
		if (error == SIM_FAULT_KILL)
			snprintf(what, sizeof(what), "kill%s the calling process after doing the work", verb_s);
		else
			snprintf(what, sizeof(what), "return%s %s (%d)", verb_s, ms_nvml_name(error), error);
		if (after > 0)
			snprintf(first, sizeof(first), ", after %d call%s that run%s normally,", after,
				 after == 1 ? "" : "s", after == 1 ? "s" : "");
		if (count < 0)
			printf("fault added: every call of %s%s %s\n", call, first, what);
		else
			printf("fault added: the next %d call%s of %s%s %s\n", count,
			       count == 1 ? "" : "s", call, first, what);
	}
	return rc;
}

/* `fault list` and `fault clear` take no options but --help. */
static int fault_simple(const char *sub, int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(fault_usage, stdout);
			return -1;
		}
		return ms_usage_error("fault", "unknown option");
	}
	if (optind != argc)
		return ms_usage_error("fault", "'fault %s' takes no arguments", sub);
	return 0;
}

int cmd_fault(struct app *app, int argc, char **argv)
{
	struct sim_session s;
	int rc;

	if (argc < 2)
		return ms_usage_error("fault", "missing subcommand (add, list or clear)");
	const char *sub = argv[1];
	if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
		fputs(fault_usage, stdout);
		return 0;
	}
	if (strcmp(sub, "add") == 0)
		return fault_add(app, argc - 1, argv + 1);
	if (strcmp(sub, "list") != 0 && strcmp(sub, "clear") != 0)
		return ms_usage_error("fault", "unknown subcommand '%s' (use add, list or clear)", sub);
	rc = fault_simple(sub, argc - 1, argv + 1);
	if (rc)
		return rc < 0 ? 0 : rc;

	if (strcmp(sub, "list") == 0) {
		rc = ms_open_state(app, &s, SIM_SHARED);
		if (rc)
			return rc;
		const struct sim_machine *m = s.m;
		if (m->n_faults == 0)
			printf("no faults\n");
		else
			printf("%-40s %-40s %s\n", "CALL", "ERROR", "REMAINING");
		for (unsigned i = 0; i < m->n_faults; i++) {
			const struct sim_fault *f = &m->faults[i];
			char e[64], a[64];
			ms_fault_texts(f, e, sizeof(e), a, sizeof(a));
			if (f->remaining < 0)
				printf("%-40s %-40s every call%s\n", f->call, e, a);
			else
				printf("%-40s %-40s %d%s\n", f->call, e, f->remaining, a);
		}
		sim_close(&s);
		return 0;
	}

	rc = ms_open_state(app, &s, SIM_EXCLUSIVE);
	if (rc)
		return rc;
	unsigned n = s.m->n_faults;
	s.m->n_faults = 0;
	rc = ms_commit_close(&s);
	if (rc == 0)
		printf("removed %u fault%s\n", n, n == 1 ? "" : "s");
	return rc;
}


/* --- event ----------------------------------------------------------------- */

static const char event_usage[] =
	"Usage: migsim event -d DEVICE (--xid N | --type TYPE [--data N])\n"
	"\n"
	"Inject an NVML event: clients that registered for its type on the GPU\n"
	"(nvmlDeviceRegisterEvents) get it from nvmlEventSetWait_v2, with the GI\n"
	"and CI IDs of a MIG device (0xFFFFFFFF for a whole GPU). ECC events also\n"
	"count in the GPU's ECC error counters. The machine keeps the last 64\n"
	"events.\n"
	"\n"
	"Options:\n"
	"  -d, --device DEV   a GPU UUID or index, or a MIG device UUID (also the\n"
	"                     legacy MIG-GPU-<UUID>/<GI>/<CI> form)\n"
	"  --xid N            an XID critical error with code N (same as\n"
	"                     --type xid --data N)\n"
	"  --type TYPE        xid, ecc-sbe (single-bit ECC), ecc-dbe (double-bit\n"
	"                     ECC), pstate, clock or mig-config\n"
	"  --data N           the event's data (the XID for xid; default 0)\n"
	"  -h, --help         show this help\n";

/* NVML event type bits (nvml.h), by the names the command takes. */
static const struct {
	const char *name;
	unsigned long long bit;
} event_types[] = {
	{"ecc-sbe", 0x1ULL}, {"ecc-dbe", 0x2ULL}, {"pstate", 0x4ULL},
	{"xid", 0x8ULL},     {"clock", 0x10ULL},  {"mig-config", 0x100ULL},
};

int cmd_event(struct app *app, int argc, char **argv)
{
	static const struct option opts[] = {
		{"device", required_argument, NULL, 'd'},
		{"xid", required_argument, NULL, 'x'},
		{"type", required_argument, NULL, 't'},
		{"data", required_argument, NULL, 'D'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *device = NULL;
	unsigned long long type = 0, data = 0;
	int opt, rc;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(event_usage, stdout);
			return 0;
		case 'd': device = optarg; break;
		case 'x':
		case 'D':
			if (!ms_parse_ull(optarg, ULLONG_MAX, &data))
				return ms_usage_error("event", "bad number '%s'", optarg);
			if (opt == 'x') {
				if (type && type != 0x8ULL)
					return ms_usage_error("event", "--xid and --type %s do not go together", "other than xid");
				type = 0x8ULL;
			}
			break;
		case 't': {
			size_t i = 0;
			for (; i < sizeof(event_types) / sizeof(event_types[0]); i++)
				if (strcasecmp(optarg, event_types[i].name) == 0)
					break;
			if (i == sizeof(event_types) / sizeof(event_types[0]))
				return ms_usage_error("event", "unknown event type '%s' (xid, ecc-sbe, ecc-dbe, pstate, clock, mig-config)", optarg);
			if (type && type != event_types[i].bit)
				return ms_usage_error("event", "give one event type");
			type = event_types[i].bit;
			break;
		}
		default:
			return ms_usage_error("event", "unknown option");
		}
	}
	if (!device)
		return ms_usage_error("event", "which device? give -d UUID (see 'migsim show')");
	if (!type)
		return ms_usage_error("event", "which event? give --xid N or --type TYPE");
	if (optind < argc)
		return ms_usage_error("event", "unexpected argument '%s'", argv[optind]);

	struct sim_session s;
	struct device_ref d = {0};
	rc = ms_open_state(app, &s, SIM_EXCLUSIVE);
	if (rc)
		return rc;
	rc = find_device(s.m, device, &d);
	if (rc) {
		sim_close(&s);
		return rc;
	}
	sim_event_add(s.m, d.gpu, d.gi, d.ci, type, data);
	return ms_commit_close(&s);
}
