/* migsim — the control tool of the MIG simulator: create a machine, show it,
 * reset GPUs, reboot, run commands registered as GPU processes, inject
 * NVML faults. Every command is one locked session on the state directory
 * (sim/state.c); the driver semantics live in sim/ops.c. This file holds
 * main, the help and the helpers the command files share (migsim.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migsim.h"

struct command {
	const char *name;
	int (*run)(struct app *app, int argc, char **argv);
	const char *summary;
};

/* --- helpers ---------------------------------------------------------- */

int ms_report(const struct migctl_error *err)
{
	fprintf(stderr, PROG ": error: %s\n",
		err->msg[0] ? err->msg : migctl_strerror(err->code));
	return (int)err->code;
}

int ms_fail(enum migctl_err code, const char *fmt, ...)
{
	struct migctl_error err = {0};
	va_list ap;

	va_start(ap, fmt);
	migctl_vfail(&err, code, fmt, ap);
	va_end(ap);
	return ms_report(&err);
}

int ms_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nRun '" PROG " %s --help' for usage.\n", cmd);
	return MIGCTL_ERR_USAGE;
}

/* Unsigned decimal, digits only (no sign, no spaces), at most `max`. */
bool ms_parse_ull(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

bool ms_parse_uint(const char *s, unsigned max, unsigned *out)
{
	unsigned long long v;

	if (!ms_parse_ull(s, max, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

/* NVML return codes by name, from the ABI header's list. */
struct nvml_code {
	int code;
	const char *name;       /* "NVML_ERROR_IN_USE" */
	const char *text;       /* "In use by another client" */
};

static const struct nvml_code nvml_codes[] = {
#define NVML_CODE_ENTRY(code, text) {code, #code, text},
	NVML_ERROR_STRINGS(NVML_CODE_ENTRY)
#undef NVML_CODE_ENTRY
};
#define N_NVML_CODES (sizeof(nvml_codes) / sizeof(nvml_codes[0]))

const char *ms_nvml_name(int code)
{
	for (size_t i = 0; i < N_NVML_CODES; i++)
		if (nvml_codes[i].code == code)
			return nvml_codes[i].name;
	return "NVML_ERROR_?";
}

const char *ms_nvml_text(int code)
{
	for (size_t i = 0; i < N_NVML_CODES; i++)
		if (nvml_codes[i].code == code)
			return nvml_codes[i].text;
	return "Unknown Error";
}

/* An NVML error code as a number ("19") or a name, with or without the
 * NVML_ERROR_ prefix, any case, '-' for '_' ("in-use"). Success is not an
 * error. Returns false if unknown. */
bool ms_parse_nvml_error(const char *s, int *out)
{
	unsigned v;
	char up[64];
	size_t n = 0;

	if (ms_parse_uint(s, 999, &v)) {
		if (v == 0 || (v > NVML_ERROR_RESET_TYPE_NOT_SUPPORTED && v != NVML_ERROR_UNKNOWN))
			return false;
		*out = (int)v;
		return true;
	}
	for (; *s && n + 1 < sizeof(up); s++)
		up[n++] = *s == '-' ? '_' : (char)toupper((unsigned char)*s);
	if (*s)
		return false;
	up[n] = '\0';
	for (size_t i = 0; i < N_NVML_CODES; i++) {
		const char *name = nvml_codes[i].name;
		if (nvml_codes[i].code == NVML_SUCCESS)
			continue;
		if (strcmp(up, name) == 0 ||
		    strcmp(up, name + strlen("NVML_ERROR_")) == 0) {
			*out = nvml_codes[i].code;
			return true;
		}
	}
	return false;
}

void ms_open_dir(struct app *app)
{
	sim_state_dir(app->state, app->dir, sizeof(app->dir));
}

/* Open the state; on error report it and return the exit code. */
int ms_open_state(struct app *app, struct sim_session *s, enum sim_lock mode)
{
	struct migctl_error err = {0};

	ms_open_dir(app);
	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	if (sim_open(s, app->dir, mode, true, &err))
		return ms_report(&err);
	return 0;
}

/* Commit and close; returns the exit code. */
int ms_commit_close(struct sim_session *s)
{
	struct migctl_error err = {0};
	int rc = 0;

	if (sim_commit(s, &err))
		rc = ms_report(&err);
	sim_close(s);
	return rc;
}

const char *ms_gpu_model_name(const struct sim_gpu *g)
{
	return g->m ? g->m->name : g->model;
}

/* "123, 456" — the PIDs registered on a GPU (all of them when gi == ~0u)
 * or on a GI / CI. */
void ms_busy_pids(const struct sim_machine *m, unsigned gpu, unsigned gi,
		  unsigned ci, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < m->n_procs; i++) {
		const struct sim_process *p = &m->procs[i];
		if (p->gpu != gpu)
			continue;
		if (gi != NVML_VALUE_NOT_AVAILABLE_UINT && p->gi != gi)
			continue;
		if (ci != NVML_VALUE_NOT_AVAILABLE_UINT && p->ci != ci)
			continue;
		int w = snprintf(buf + used, len - used, "%s%u", used ? ", " : "", p->pid);
		if (w < 0 || (size_t)w >= len - used) {
			if (len > 4)
				strcpy(buf + len - 4, "...");
			return;
		}
		used += (size_t)w;
	}
}

/* A GPU by index ("0") or UUID; NOT_FOUND naming what exists otherwise. */
int ms_find_gpu(const struct sim_machine *m, const char *query, unsigned *gpu)
{
	unsigned v;

	if (ms_parse_uint(query, UINT_MAX, &v)) {
		if (v < m->n_gpus) {
			*gpu = v;
			return 0;
		}
		return ms_fail(MIGCTL_ERR_NOT_FOUND,
			       "no GPU %u; this machine has %u GPU%s (indices 0-%u; see 'migsim show')",
			       v, m->n_gpus, m->n_gpus == 1 ? "" : "s",
			       m->n_gpus ? m->n_gpus - 1 : 0);
	}
	for (unsigned i = 0; i < m->n_gpus; i++)
		if (strcasecmp(m->gpus[i].uuid, query) == 0) {
			*gpu = i;
			return 0;
		}
	return ms_fail(MIGCTL_ERR_NOT_FOUND,
		       "no GPU with UUID \"%s\"; run 'migsim show' for the GPUs' indices and UUIDs",
		       query);
}

/* A fault's action ("NVML_ERROR_IN_USE (19)", "kill") and, when it lets
 * calls through first, ", after N call(s)". */
void ms_fault_texts(const struct sim_fault *f, char *e, size_t elen, char *after,
		    size_t alen)
{
	if (f->error == SIM_FAULT_KILL)
		snprintf(e, elen, "kill");
	else
		snprintf(e, elen, "%s (%d)", ms_nvml_name(f->error), f->error);
	if (f->skip > 0)
		snprintf(after, alen, ", after %d call%s", f->skip, f->skip == 1 ? "" : "s");
	else
		after[0] = '\0';
}

/* --- main ------------------------------------------------------------------ */

static const struct command commands[] = {
	{"init", cmd_init, "create a fresh machine (replaces the current one)"},
	{"show", cmd_show, "print GPUs, MIG modes, instances, processes and faults"},
	{"reset", cmd_reset, "reset a GPU: instances go, a pending MIG mode applies"},
	{"reboot", cmd_reboot, "reset every GPU and drop every registered process"},
	{"set", cmd_set, "change a GPU's settings (whether a reset keeps MIG mode)"},
	{"exec", cmd_exec, "run a command registered as a process on a GPU or MIG device"},
	{"fault", cmd_fault, "make NVML calls fail: fault add|list|clear"},
	{"event", cmd_event, "inject an NVML event (XID, ECC, ...) for event sets"},
	{"root", cmd_root, "print the simulated driver root (procfs files, device nodes)"},
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: migsim [--state DIR] COMMAND [ARGS...]\n"
		"\n"
		"migsim controls the machine that the simulated NVML library\n"
		"(build/sim/libnvidia-ml.so.1) shows to its clients: its GPUs, their MIG\n"
		"mode and instances, the processes running on them and injected faults.\n"
		"The machine lives in a state directory shared by every process.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n"
		"Global options:\n"
		"  --state DIR   the state directory (default: $MIGSIM_STATE, else\n"
		"                $XDG_RUNTIME_DIR/migsim, else /tmp/migsim-UID)\n"
		"  -h, --help    show this help; 'migsim COMMAND --help' for a command\n"
		"  --version     print the version\n"
		"\n"
		"Every command but 'init' creates the default machine, 2 x NVIDIA\n"
		"A100-SXM4-80GB, if the directory has none.\n"
		"\n"
		"Exit codes ('migsim exec' exits with the command's status):\n");
	migctl_err_print_table(out, "  ");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"state", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0, 0, 0, 0},
	};
	struct app app = {0};
	int opt;

	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'S':
			if (!optarg[0]) {
				fprintf(stderr, PROG ": --state needs a directory\n"
					"Run 'migsim --help' for usage.\n");
				return MIGCTL_ERR_USAGE;
			}
			app.state = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("migsim %s (simulated driver %s)\n", MIGSIM_VERSION, SIM_DRIVER_VERSION);
			return 0;
		default:
			fprintf(stderr, "Run 'migsim --help' for usage.\n");
			return MIGCTL_ERR_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return MIGCTL_ERR_USAGE;
	}
	const char *name = argv[optind];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i].name) == 0)
			return commands[i].run(&app, argc - optind, argv + optind);
	fprintf(stderr, PROG ": unknown command '%s'. Run 'migsim --help' for the list.\n", name);
	return MIGCTL_ERR_USAGE;
}

