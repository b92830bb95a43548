/* migsim — the control tool of the MIG simulator: create a machine, show it,
 * reset GPUs, reboot, run commands registered as GPU processes, inject
 * NVML faults. Every command is one locked session on the state directory
 * (sim/state.c); the driver semantics live in sim/ops.c. */
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

#include "sim.h"

#define MIGSIM_VERSION "0.1.0"
#define PROG "migsim"

/* Exit code of a refusal because processes or instances are in use. The
 * error list has no in-use code yet; the nearest is "insufficient
 * resources" (what nvidia-smi users meet next to "In use by another
 * client"). Change it here if the list grows one. */
#define ERR_IN_USE MIGCTL_ERR_BUSY

struct app {
	const char *state;      /* --state DIR, or NULL */
	char dir[512];          /* resolved state directory */
};

struct command {
	const char *name;
	int (*run)(struct app *app, int argc, char **argv);
	const char *summary;
};

/* --- helpers ---------------------------------------------------------- */

static int report(const struct migctl_error *err)
{
	fprintf(stderr, PROG ": error: %s\n",
		err->msg[0] ? err->msg : migctl_strerror(err->code));
	return (int)err->code;
}

static int fail(enum migctl_err code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fail(enum migctl_err code, const char *fmt, ...)
{
	struct migctl_error err = {0};
	va_list ap;

	va_start(ap, fmt);
	migctl_vfail(&err, code, fmt, ap);
	va_end(ap);
	return report(&err);
}

static int usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int usage_error(const char *cmd, const char *fmt, ...)
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
static bool parse_ull(const char *s, unsigned long long max, unsigned long long *out)
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

static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
	unsigned long long v;

	if (!parse_ull(s, max, &v))
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

static const char *nvml_name(int code)
{
	for (size_t i = 0; i < N_NVML_CODES; i++)
		if (nvml_codes[i].code == code)
			return nvml_codes[i].name;
	return "NVML_ERROR_?";
}

static const char *nvml_text(int code)
{
	for (size_t i = 0; i < N_NVML_CODES; i++)
		if (nvml_codes[i].code == code)
			return nvml_codes[i].text;
	return "Unknown Error";
}

/* An NVML error code as a number ("19") or a name, with or without the
 * NVML_ERROR_ prefix, any case, '-' for '_' ("in-use"). Success is not an
 * error. Returns false if unknown. */
static bool parse_nvml_error(const char *s, int *out)
{
	unsigned v;
	char up[64];
	size_t n = 0;

	if (parse_uint(s, 999, &v)) {
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

static void open_dir(struct app *app)
{
	sim_state_dir(app->state, app->dir, sizeof(app->dir));
}

/* Open the state; on error report it and return the exit code. */
static int open_state(struct app *app, struct sim_session *s, enum sim_lock mode)
{
	struct migctl_error err = {0};

	open_dir(app);
	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	if (sim_open(s, app->dir, mode, true, &err))
		return report(&err);
	return 0;
}

/* Commit and close; returns the exit code. */
static int commit_close(struct sim_session *s)
{
	struct migctl_error err = {0};
	int rc = 0;

	if (sim_commit(s, &err))
		rc = report(&err);
	sim_close(s);
	return rc;
}

static const char *gpu_model_name(const struct sim_gpu *g)
{
	return g->m ? g->m->name : g->model;
}

/* "123, 456" — the PIDs registered on a GPU (all of them when gi == ~0u)
 * or on a GI / CI. */
static void busy_pids(const struct sim_machine *m, unsigned gpu, unsigned gi,
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
static int find_gpu(const struct sim_machine *m, const char *query, unsigned *gpu)
{
	unsigned v;

	if (parse_uint(query, UINT_MAX, &v)) {
		if (v < m->n_gpus) {
			*gpu = v;
			return 0;
		}
		return fail(MIGCTL_ERR_NOT_FOUND,
			    "no GPU %u; this machine has %u GPU%s (indices 0-%u; see 'migsim show')",
			    v, m->n_gpus, m->n_gpus == 1 ? "" : "s",
			    m->n_gpus ? m->n_gpus - 1 : 0);
	}
	for (unsigned i = 0; i < m->n_gpus; i++)
		if (strcasecmp(m->gpus[i].uuid, query) == 0) {
			*gpu = i;
			return 0;
		}
	return fail(MIGCTL_ERR_NOT_FOUND,
		    "no GPU with UUID \"%s\"; run 'migsim show' for the GPUs' indices and UUIDs",
		    query);
}

/* --- init ---------------------------------------------------------------- */

static const char init_usage[] =
	"Usage: migsim init [--gpus MODEL[:COUNT][,MODEL[:COUNT]...]] [--swapped N[,N...]]\n"
	"                   [--non-root] [--catalog FILE]\n"
	"\n"
	"Create a fresh simulated machine in the state directory, replacing the\n"
	"one there (its instances, processes and faults are lost). GPUs come in\n"
	"the order given, with MIG disabled and no instances; UUIDs, serials and\n"
	"bus numbers depend only on the GPU index and model.\n"
	"\n"
	"Options:\n"
	"  --gpus LIST        GPU models with counts, e.g. 'H100:2,A30'; a model is\n"
	"                     a name, alias or PCI device ID as 'migctl catalog list'\n"
	"                     shows them (default: A100-SXM4-80GB:2; at most 32 GPUs)\n"
	"  --swapped LIST     indices of GPUs whose boards use the half-swapped GI-ID\n"
	"                     mapping, comma-separated (default: none)\n"
	"  --non-root         NVML calls that change the machine fail with\n"
	"                     NVML_ERROR_NO_PERMISSION, as for a non-root user\n"
	"  --catalog FILE     add or override GPU models from FILE\n"
	"                     (docs/catalog-format.md); the machine remembers its\n"
	"                     absolute path and loads it again on every use\n"
	"  -h, --help         show this help\n";

#define DEFAULT_MODEL "A100-SXM4-80GB"
#define DEFAULT_COUNT 2

/* Parse --gpus into model queries and counts, in place (`list` is a copy).
 * Returns 0 or the usage error's exit code. */
struct gpu_item {
	const char *query;
	unsigned count;
};

static int parse_gpus(char *list, struct gpu_item *items, size_t cap, size_t *n)
{
	unsigned total = 0;
	char *save = NULL;

	*n = 0;
	if (!list[0] || list[0] == ',' || list[strlen(list) - 1] == ',' || strstr(list, ",,"))
		return usage_error("init", "--gpus: empty item in \"%s\"; write MODEL[:COUNT][,MODEL[:COUNT]...]",
				   list);
	for (char *item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *colon = strrchr(item, ':');
		unsigned count = 1;

		while (*item == ' ')
			item++;
		if (colon) {
			*colon = '\0';
			if (!parse_uint(colon + 1, SIM_MAX_GPUS, &count) || count == 0)
				return usage_error("init", "--gpus: bad count \"%s\" for %s; use a number from 1 to %d",
						   colon + 1, item, SIM_MAX_GPUS);
		}
		for (char *e = item + strlen(item); e > item && e[-1] == ' ';)
			*--e = '\0';
		if (!item[0])
			return usage_error("init", "--gpus: missing model before ':%u'", count);
		total += count;
		if (total > SIM_MAX_GPUS || *n == cap)
			return usage_error("init", "--gpus: more than %d GPUs", SIM_MAX_GPUS);
		items[*n].query = item;
		items[*n].count = count;
		(*n)++;
	}
	return 0;
}

/* Parse --swapped into a bit set of GPU indices < SIM_MAX_GPUS. */
static int parse_swapped(const char *list, uint32_t *set)
{
	const char *p = list;

	*set = 0;
	for (;;) {
		char num[16];
		size_t len = strcspn(p, ",");
		unsigned v;

		if (len == 0 || len >= sizeof(num))
			return usage_error("init", "--swapped: bad list \"%s\"; write GPU indices like 0,2", list);
		memcpy(num, p, len);
		num[len] = '\0';
		if (!parse_uint(num, SIM_MAX_GPUS - 1, &v))
			return usage_error("init", "--swapped: bad GPU index \"%s\"; use 0 to %d",
					   num, SIM_MAX_GPUS - 1);
		*set |= UINT32_C(1) << v;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

static int cmd_init(struct app *app, int argc, char **argv)
{
	static const struct option opts[] = {
		{"gpus", required_argument, NULL, 'g'},
		{"swapped", required_argument, NULL, 's'},
		{"non-root", no_argument, NULL, 'n'},
		{"catalog", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *gpus = NULL, *swapped = NULL, *catalog = NULL;
	bool non_root = false;
	struct migctl_error err = {0};
	struct gpu_item items[SIM_MAX_GPUS];
	struct sim_gpu_spec spec[SIM_MAX_GPUS];
	size_t n_items = 0;
	uint32_t swapped_set = 0;
	char *gpus_copy = NULL;
	struct sim_machine *m = NULL;
	char abs_catalog[PATH_MAX];
	int opt, rc = 0;

	optind = 0; /* 0: glibc re-initialises its scan state */
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(init_usage, stdout);
			return 0;
		case 'g': gpus = optarg; break;
		case 's': swapped = optarg; break;
		case 'n': non_root = true; break;
		case 'C': catalog = optarg; break;
		default:
			return usage_error("init", "unknown option");
		}
	}
	if (optind != argc)
		return usage_error("init", "unexpected argument '%s'", argv[optind]);

	if (gpus) {
		gpus_copy = strdup(gpus);
		if (!gpus_copy)
			return fail(MIGCTL_ERR_NOMEM, "out of memory");
		rc = parse_gpus(gpus_copy, items, SIM_MAX_GPUS, &n_items);
	} else {
		items[0].query = DEFAULT_MODEL;
		items[0].count = DEFAULT_COUNT;
		n_items = 1;
	}
	if (rc == 0 && swapped)
		rc = parse_swapped(swapped, &swapped_set);
	if (rc)
		goto out;

	m = calloc(1, sizeof(*m));
	if (!m) {
		rc = fail(MIGCTL_ERR_NOMEM, "out of memory");
		goto out;
	}
	migctl_catalog_init(&m->catalog);
	if (migctl_catalog_load_builtin(&m->catalog, &err) ||
	    (catalog && migctl_catalog_load_file(&m->catalog, catalog, &err))) {
		rc = report(&err);
		goto out;
	}
	if (catalog) {
		if (!realpath(catalog, abs_catalog)) {
			rc = fail(MIGCTL_ERR_IO, "cannot resolve catalog file %s: %s",
				  catalog, strerror(errno));
			goto out;
		}
		if (strlen(abs_catalog) >= sizeof(m->catalog_file)) {
			rc = fail(MIGCTL_ERR_IO,
				  "catalog file path %s is longer than %zu bytes; move the file to a shorter path",
				  abs_catalog, sizeof(m->catalog_file) - 1);
			goto out;
		}
	}

	unsigned n_gpus = 0;
	for (size_t i = 0; i < n_items; i++) {
		spec[i].model = migctl_catalog_find_model(&m->catalog, items[i].query, &err);
		if (!spec[i].model) {
			rc = report(&err);
			goto out;
		}
		spec[i].count = items[i].count;
		n_gpus += items[i].count;
	}
	if (n_gpus < SIM_MAX_GPUS && (swapped_set >> n_gpus)) {
		unsigned bad = n_gpus;
		while (!((swapped_set >> bad) & 1))
			bad++;
		rc = usage_error("init", "--swapped: no GPU %u; the machine has %u GPU%s",
				 bad, n_gpus, n_gpus == 1 ? "" : "s");
		goto out;
	}

	if (sim_machine_build(m, spec, n_items, swapped_set, non_root, &err)) {
		rc = report(&err);
		goto out;
	}
	if (catalog)
		memcpy(m->catalog_file, abs_catalog, strlen(abs_catalog) + 1); /* length checked */
	else
		m->catalog_file[0] = '\0';

	open_dir(app);
	if (sim_store_new(app->dir, m, &err)) {
		rc = report(&err);
		goto out;
	}

	printf("migsim: new machine in %s: ", app->dir);
	for (size_t i = 0; i < n_items; i++)
		printf("%s%u x %s", i ? ", " : "", spec[i].count, spec[i].model->name);
	if (swapped_set) {
		printf("; half-swapped GI IDs on GPU");
		for (unsigned i = 0, k = 0; i < n_gpus; i++)
			if ((swapped_set >> i) & 1)
				printf("%s%u", k++ ? "," : " ", i);
	}
	if (non_root)
		printf("; non-root");
	printf("\n");
out:
	if (m) {
		sim_machine_release(m);
		free(m);
	}
	free(gpus_copy);
	return rc;
}

/* --- show ----------------------------------------------------------------- */

static const char show_usage[] =
	"Usage: migsim show [-o text|json]\n"
	"\n"
	"Print the simulated machine: per GPU its index, model, UUID, PCI bus ID,\n"
	"MIG mode (current, and the pending mode while a change waits for a reset),\n"
	"GI-ID mapping, GPU instances (profile, placement, GI ID) and their compute\n"
	"instances (CI ID, profile, placement, MIG device UUID), and the processes\n"
	"registered by 'migsim exec'; then the injected faults and whether NVML\n"
	"calls run as non-root. Creates the default machine if there is none.\n"
	"\n"
	"Options:\n"
	"  -o, --output FMT  text (default) or json (the machine as stored)\n"
	"  -h, --help        show this help\n";

static const char *mig_word(bool on)
{
	return on ? "Enabled" : "Disabled";
}

static void print_process(const struct sim_machine *m, const struct sim_process *p)
{
	const struct sim_gpu *g = &m->gpus[p->gpu];

	printf("    PID %-8u %6llu MiB  ", p->pid, p->used_mib);
	if (p->gi == NVML_VALUE_NOT_AVAILABLE_UINT) {
		printf("whole GPU\n");
	} else if (p->ci == NVML_VALUE_NOT_AVAILABLE_UINT) {
		printf("GI %u\n", p->gi);
	} else {
		char uuid[64];
		sim_mig_uuid(g, p->gi, p->ci, uuid, sizeof(uuid));
		printf("GI %u CI %u  %s\n", p->gi, p->ci, uuid);
	}
}

static void print_gpu(const struct sim_machine *m, unsigned idx)
{
	const struct sim_gpu *g = &m->gpus[idx];
	unsigned n_procs = 0;

	printf("GPU %u: %s\n", idx, gpu_model_name(g));
	printf("  UUID:    %s\n", g->uuid);
	printf("  Serial:  %s\n", g->serial);
	printf("  Bus ID:  00000000:%02X:00.0  (minor %u)\n", g->pci_bus, g->minor);
	if (g->mig_current == g->mig_pending)
		printf("  MIG:     %s\n", mig_word(g->mig_current));
	else
		printf("  MIG:     %s (pending: %s; run 'migsim reset -i %u')\n",
		       mig_word(g->mig_current), mig_word(g->mig_pending), idx);
	printf("  GI IDs:  %s mapping\n", g->half_swapped ? "half-swapped" : "identity");
	if (g->n_gis == 0) {
		printf("  GPU instances: none\n");
	} else {
		printf("  GPU instances:\n");
		for (unsigned i = 0; i < g->n_gis; i++) {
			const struct sim_gi *gi = &g->gis[i];
			const struct migctl_gi_profile *gp = sim_gi_profile(g, gi);
			printf("    GI %-2u  %-12s (profile %2u)  placement %u:%u\n",
			       gi->id, gp ? gp->name : "?", gi->profile_id,
			       gi->placement.start, gi->placement.size);
			for (unsigned c = 0; c < gi->n_cis; c++) {
				const struct sim_ci *ci = &gi->cis[c];
				const struct migctl_ci_profile *cp = sim_ci_profile(g, gi, ci);
				char uuid[64];
				sim_mig_uuid(g, gi->id, ci->id, uuid, sizeof(uuid));
				printf("      CI %u  %-12s (profile %u)  placement %u:%u  %s\n",
				       ci->id, cp ? cp->name : "?", ci->profile_id,
				       ci->placement.start, ci->placement.size, uuid);
			}
		}
	}
	for (unsigned i = 0; i < m->n_procs; i++)
		n_procs += m->procs[i].gpu == idx;
	if (n_procs == 0) {
		printf("  Processes: none\n");
	} else {
		printf("  Processes:\n");
		for (unsigned i = 0; i < m->n_procs; i++)
			if (m->procs[i].gpu == idx)
				print_process(m, &m->procs[i]);
	}
}

/* A fault's action ("NVML_ERROR_IN_USE (19)", "kill") and, when it lets
 * calls through first, ", after N call(s)". */
static void fault_texts(const struct sim_fault *f, char *e, size_t elen, char *after,
			size_t alen)
{
	if (f->error == SIM_FAULT_KILL)
		snprintf(e, elen, "kill");
	else
		snprintf(e, elen, "%s (%d)", nvml_name(f->error), f->error);
	if (f->skip > 0)
		snprintf(after, alen, ", after %d call%s", f->skip, f->skip == 1 ? "" : "s");
	else
		after[0] = '\0';
}

static void print_machine(const struct sim_machine *m, const char *dir)
{
	printf("Machine: %s (generation %llu)\n", dir, (unsigned long long)m->generation);
	printf("Driver:  %s, NVML %s, CUDA %d.%d\n", SIM_DRIVER_VERSION, SIM_NVML_VERSION,
	       SIM_CUDA_VERSION / 1000, SIM_CUDA_VERSION % 1000 / 10);
	if (m->catalog_file[0])
		printf("Catalog: built-in + %s\n", m->catalog_file);
	printf("Non-root: %s\n", m->non_root
	       ? "yes (NVML calls that change the machine fail with NVML_ERROR_NO_PERMISSION)"
	       : "no");
	for (unsigned i = 0; i < m->n_gpus; i++) {
		printf("\n");
		print_gpu(m, i);
	}
	printf("\n");
	if (m->n_faults == 0) {
		printf("Faults: none\n");
		return;
	}
	printf("Faults:\n");
	for (unsigned i = 0; i < m->n_faults; i++) {
		const struct sim_fault *f = &m->faults[i];
		char e[64], r[64];
		fault_texts(f, e, sizeof(e), r, sizeof(r));
		if (f->remaining < 0)
			printf("  %s -> %s, every call%s\n", f->call, e, r);
		else
			printf("  %s -> %s, next %d call%s%s\n", f->call, e, f->remaining,
			       f->remaining == 1 ? "" : "s", r);
	}
}

static int cmd_show(struct app *app, int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	bool json = false;
	struct sim_session s;
	int opt, rc;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(show_usage, stdout);
			return 0;
		case 'o':
			if (strcmp(optarg, "json") == 0)
				json = true;
			else if (strcmp(optarg, "text") == 0)
				json = false;
			else
				return usage_error("show", "bad output format '%s' (use text or json)", optarg);
			break;
		default:
			return usage_error("show", "unknown option");
		}
	}
	if (optind != argc)
		return usage_error("show", "unexpected argument '%s'", argv[optind]);

	rc = open_state(app, &s, SIM_SHARED);
	if (rc)
		return rc;
	if (json) {
		char *text = sim_machine_to_json(s.m);
		if (!text) {
			rc = fail(MIGCTL_ERR_NOMEM, "out of memory");
		} else {
			size_t len = strlen(text);
			fputs(text, stdout);
			if (len == 0 || text[len - 1] != '\n')
				fputc('\n', stdout);
			free(text);
		}
	} else {
		print_machine(s.m, app->dir);
	}
	sim_close(&s);
	if (rc == 0 && fflush(stdout) != 0)
		rc = fail(MIGCTL_ERR_IO, "cannot write to standard output: %s", strerror(errno));
	return rc;
}

/* --- reset, reboot ------------------------------------------------------- */

static const char reset_usage[] =
	"Usage: migsim reset -i GPU\n"
	"\n"
	"Reset one GPU, as 'nvidia-smi -r' does: every GPU and compute instance on\n"
	"it is destroyed; an Ampere GPU applies its pending MIG mode, a Hopper or\n"
	"later GPU comes back with MIG disabled. Refused while processes registered\n"
	"by 'migsim exec' run on the GPU.\n"
	"\n"
	"Options:\n"
	"  -i, --id GPU   the GPU's index or UUID (see 'migsim show')\n"
	"  -h, --help     show this help\n";

static int cmd_reset(struct app *app, int argc, char **argv)
{
	static const struct option opts[] = {
		{"id", required_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *id = NULL;
	struct sim_session s;
	unsigned gpu = 0;
	int opt, rc;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "i:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(reset_usage, stdout);
			return 0;
		case 'i': id = optarg; break;
		default:
			return usage_error("reset", "unknown option");
		}
	}
	if (optind != argc)
		return usage_error("reset", "unexpected argument '%s'", argv[optind]);
	if (!id)
		return usage_error("reset", "which GPU? give -i INDEX");

	rc = open_state(app, &s, SIM_EXCLUSIVE);
	if (rc)
		return rc;
	rc = find_gpu(s.m, id, &gpu);
	if (rc)
		goto out;
	nvmlReturn_t r = sim_reset_gpu(s.m, gpu);
	if (r == NVML_ERROR_IN_USE) {
		char pids[256];
		busy_pids(s.m, gpu, NVML_VALUE_NOT_AVAILABLE_UINT,
			  NVML_VALUE_NOT_AVAILABLE_UINT, pids, sizeof(pids));
		rc = fail(ERR_IN_USE,
			  "GPU %u is in use by process%s %s; stop %s first (or run 'migsim reboot')",
			  gpu, strchr(pids, ',') ? "es" : "", pids[0] ? pids : "?",
			  strchr(pids, ',') ? "them" : "it");
		goto out;
	}
	if (r != NVML_SUCCESS) {
		rc = fail(MIGCTL_ERR_INTERNAL, "cannot reset GPU %u: %s (%s)", gpu,
			  nvml_text(r), nvml_name(r));
		goto out;
	}
	bool mig = s.m->gpus[gpu].mig_current;
	rc = commit_close(&s);
	if (rc == 0)
		printf("GPU %u reset; MIG %s\n", gpu, mig_word(mig));
	return rc;
out:
	sim_close(&s);
	return rc;
}

static const char reboot_usage[] =
	"Usage: migsim reboot\n"
	"\n"
	"Simulate a reboot: every GPU is reset (instances are lost; Ampere GPUs\n"
	"apply a pending MIG mode, Hopper and later come back with MIG disabled)\n"
	"and every process registered by 'migsim exec' is dropped. The commands\n"
	"themselves keep running. Faults and the non-root setting stay.\n"
	"\n"
	"Options:\n"
	"  -h, --help   show this help\n";

static int cmd_reboot(struct app *app, int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	struct sim_session s;
	int opt, rc;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(reboot_usage, stdout);
			return 0;
		default:
			return usage_error("reboot", "unknown option");
		}
	}
	if (optind != argc)
		return usage_error("reboot", "unexpected argument '%s'", argv[optind]);
	rc = open_state(app, &s, SIM_EXCLUSIVE);
	if (rc)
		return rc;
	unsigned n_gpus = s.m->n_gpus, n_procs = s.m->n_procs;
	sim_reboot(s.m);
	rc = commit_close(&s);
	if (rc == 0)
		printf("rebooted: %u GPU%s reset, %u registered process%s dropped\n",
		       n_gpus, n_gpus == 1 ? "" : "s", n_procs, n_procs == 1 ? "" : "es");
	return rc;
}

/* --- exec ------------------------------------------------------------------ */

static const char exec_usage[] =
	"Usage: migsim exec -d UUID [--memory MIB] -- CMD [ARGS...]\n"
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
	"\n"
	"Options:\n"
	"  -d, --device UUID  a GPU UUID (the process runs on the whole GPU) or a\n"
	"                     MIG device UUID (on that GPU and compute instance);\n"
	"                     'migsim show' lists both. A GPU index works too.\n"
	"  -m, --memory MIB   GPU memory the process uses (default 0); at most what\n"
	"                     the device has left\n"
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

	if (parse_uint(query, UINT_MAX, &v)) {
		if (v >= m->n_gpus)
			return fail(MIGCTL_ERR_NOT_FOUND,
				    "no GPU %u; this machine has %u GPU%s (see 'migsim show')",
				    v, m->n_gpus, m->n_gpus == 1 ? "" : "s");
		*out = (struct device_ref){v, NVML_VALUE_NOT_AVAILABLE_UINT,
					   NVML_VALUE_NOT_AVAILABLE_UINT};
		return 0;
	}
	if (sim_find_uuid(m, query, &out->gpu, &out->gi, &out->ci))
		return 0;
	return fail(MIGCTL_ERR_NOT_FOUND,
		    "no GPU or MIG device with UUID \"%s\"; run 'migsim show' to see the UUIDs",
		    query);
}

/* Register `pid` on the device; returns the exit code. */
static int register_process(struct app *app, pid_t pid, const char *device,
			    unsigned long long memory)
{
	struct sim_session s;
	struct device_ref d = {0};
	int rc;

	rc = open_state(app, &s, SIM_EXCLUSIVE);
	if (rc)
		return rc;
	struct sim_machine *m = s.m;
	rc = find_device(m, device, &d);
	if (rc)
		goto out;
	if (m->n_procs == SIM_MAX_PROCS) {
		rc = fail(MIGCTL_ERR_INSUFFICIENT_RESOURCES,
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
		rc = fail(MIGCTL_ERR_INSUFFICIENT_RESOURCES,
			  "--memory %llu MiB does not fit on %s: it has %llu MiB, %llu MiB of them used by other processes",
			  memory, device, total, used);
		goto out;
	}
	m->procs[m->n_procs++] = (struct sim_process){
		.pid = (unsigned)pid, .gpu = d.gpu, .gi = d.gi, .ci = d.ci,
		.used_mib = memory,
	};
	return commit_close(&s);
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

	rc = open_state(app, &s, SIM_EXCLUSIVE);
	if (rc)
		return rc;
	struct sim_machine *m = s.m;
	unsigned keep = 0;
	for (unsigned i = 0; i < m->n_procs; i++)
		if (m->procs[i].pid != (unsigned)pid)
			m->procs[keep++] = m->procs[i];
	m->n_procs = keep;
	return commit_close(&s);
}

static volatile sig_atomic_t child_pid;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

static int cmd_exec(struct app *app, int argc, char **argv)
{
	static const struct option opts[] = {
		{"device", required_argument, NULL, 'd'},
		{"memory", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *device = NULL;
	unsigned long long memory = 0;
	int opt, rc, fds[2];

	optind = 0;
	/* '+': stop at CMD, so that its own options stay its own. */
	while ((opt = getopt_long(argc, argv, "+d:m:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(exec_usage, stdout);
			return 0;
		case 'd': device = optarg; break;
		case 'm':
			if (!parse_ull(optarg, ULLONG_MAX, &memory))
				return usage_error("exec", "bad --memory '%s'; give MiB as a whole number", optarg);
			break;
		default:
			return usage_error("exec", "unknown option");
		}
	}
	if (!device)
		return usage_error("exec", "which device? give -d UUID (see 'migsim show')");
	if (optind >= argc)
		return usage_error("exec", "no command to run; write: migsim exec -d UUID -- CMD [ARGS...]");
	char **cmd = argv + optind;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return fail(MIGCTL_ERR_IO, "cannot create a pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		rc = fail(MIGCTL_ERR_IO, "cannot fork to run %s: %s", cmd[0], strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return rc;
	}
	if (pid == 0) {
		/* Child: wait until the parent has registered us. */
		char go;
		ssize_t n;
		close(fds[1]);
		do
			n = read(fds[0], &go, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(127); /* the parent failed and said why */
		execvp(cmd[0], cmd);
		int e = errno;
		fprintf(stderr, PROG ": error: cannot run '%s': %s\n", cmd[0], strerror(e));
		_exit(e == ENOENT ? 127 : 126);
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

	rc = register_process(app, pid, device, memory);
	if (rc == 0) {
		ssize_t n;
		do
			n = write(fds[1], "g", 1);
		while (n < 0 && errno == EINTR);
	}
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
		rc = fail(MIGCTL_ERR_INTERNAL, "cannot wait for %s (PID %d): %s",
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
				return usage_error("fault", "--error %s: NVML_SUCCESS is not an error; give a code like 19 or a name like IN_USE", optarg);
			if (!parse_nvml_error(optarg, &error))
				return usage_error("fault", "unknown NVML error '%s'; use a code like 19, a name like IN_USE, or kill", optarg);
			have_error = true;
			break;
		case 'n':
			if (strcmp(optarg, "-1") == 0)
				count = -1;
			else if (parse_uint(optarg, INT_MAX, &v) && v > 0)
				count = (int)v;
			else
				return usage_error("fault", "bad --count '%s'; use a number from 1 up, or -1 for every call", optarg);
			break;
		case 'a':
			if (!parse_uint(optarg, INT_MAX, &v))
				return usage_error("fault", "bad --after '%s'; use a number of calls from 0 up", optarg);
			after = (int)v;
			break;
		default:
			return usage_error("fault", "unknown option");
		}
	}
	if (optind != argc)
		return usage_error("fault", "unexpected argument '%s'", argv[optind]);
	if (!call || !have_error)
		return usage_error("fault", "'fault add' needs --call NAME and --error CODE");
	bool valid = (strncmp(call, "nvml", 4) == 0 || strncmp(call, "migsim", 6) == 0 ||
		      strcmp(call, SIM_FAULT_MUTATING) == 0) && strlen(call) < SIM_CALL_MAX;
	for (const char *p = call; valid && *p; p++)
		valid = isalnum((unsigned char)*p) || *p == '_';
	if (!valid)
		return usage_error("fault", "bad --call '%s'; give an NVML function name such as nvmlDeviceCreateGpuInstance, or mutating",
				   call);

	rc = open_state(app, &s, SIM_EXCLUSIVE);
	if (rc)
		return rc;
	if (s.m->n_faults == SIM_MAX_FAULTS) {
		sim_close(&s);
		return fail(MIGCTL_ERR_INSUFFICIENT_RESOURCES,
			    "%d faults are set already, the simulator's limit; run 'migsim fault clear'",
			    SIM_MAX_FAULTS);
	}
	struct sim_fault *f = &s.m->faults[s.m->n_faults++];
	memset(f, 0, sizeof(*f));
	snprintf(f->call, sizeof(f->call), "%s", call);
	f->error = error;
	f->remaining = count;
	f->skip = after;
	rc = commit_close(&s);
	if (rc == 0) {
		/* "every call ... returns", "the next call ... returns", "the
		 * next 2 calls ... return" */
		const char *verb_s = count > 1 ? "" : "s";
		char what[96], first[64] = "";
		if (error == SIM_FAULT_KILL)
			snprintf(what, sizeof(what), "kill%s the calling process after doing the work", verb_s);
		else
			snprintf(what, sizeof(what), "return%s %s (%d)", verb_s, nvml_name(error), error);
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
		return usage_error("fault", "unknown option");
	}
	if (optind != argc)
		return usage_error("fault", "'fault %s' takes no arguments", sub);
	return 0;
}

static int cmd_fault(struct app *app, int argc, char **argv)
{
	struct sim_session s;
	int rc;

	if (argc < 2)
		return usage_error("fault", "missing subcommand (add, list or clear)");
	const char *sub = argv[1];
	if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
		fputs(fault_usage, stdout);
		return 0;
	}
	if (strcmp(sub, "add") == 0)
		return fault_add(app, argc - 1, argv + 1);
	if (strcmp(sub, "list") != 0 && strcmp(sub, "clear") != 0)
		return usage_error("fault", "unknown subcommand '%s' (use add, list or clear)", sub);
	rc = fault_simple(sub, argc - 1, argv + 1);
	if (rc)
		return rc < 0 ? 0 : rc;

	if (strcmp(sub, "list") == 0) {
		rc = open_state(app, &s, SIM_SHARED);
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
			fault_texts(f, e, sizeof(e), a, sizeof(a));
			if (f->remaining < 0)
				printf("%-40s %-40s every call%s\n", f->call, e, a);
			else
				printf("%-40s %-40s %d%s\n", f->call, e, f->remaining, a);
		}
		sim_close(&s);
		return 0;
	}

	rc = open_state(app, &s, SIM_EXCLUSIVE);
	if (rc)
		return rc;
	unsigned n = s.m->n_faults;
	s.m->n_faults = 0;
	rc = commit_close(&s);
	if (rc == 0)
		printf("removed %u fault%s\n", n, n == 1 ? "" : "s");
	return rc;
}

/* --- main ------------------------------------------------------------------ */

static const struct command commands[] = {
	{"init", cmd_init, "create a fresh machine (replaces the current one)"},
	{"show", cmd_show, "print GPUs, MIG modes, instances, processes and faults"},
	{"reset", cmd_reset, "reset a GPU: instances go, a pending MIG mode applies"},
	{"reboot", cmd_reboot, "reset every GPU and drop every registered process"},
	{"exec", cmd_exec, "run a command registered as a process on a GPU or MIG device"},
	{"fault", cmd_fault, "make NVML calls fail: fault add|list|clear"},
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
