/* migsim — the commands on the machine itself: init (a fresh machine),
 * show, reset (one GPU), reboot (every GPU) and set (a GPU's settings). */
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
#include "util/list.h"

/* --- init ---------------------------------------------------------------- */

static const char init_usage[] =
	"Usage: migsim init [--gpus MODEL[:COUNT][,MODEL[:COUNT]...]] [--swapped N[,N...]|none]\n"
	"                   [--driver VERSION] [--reset-keeps-mig N[,N...]|none]\n"
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
	"                     mapping, comma-separated; every other GPU uses the\n"
	"                     identity mapping ('none': all of them). Default: the\n"
	"                     mapping that transcripts show for each model\n"
	"                     (half-swapped: NVIDIA A100 80GB PCIe; identity: others)\n"
	"  --driver VERSION   the driver the machine runs: a branch (450, 515, 535,\n"
	"                     580) or a release of one (535.247.01). NVML reports its\n"
	"                     driver, NVML and CUDA versions; a GPU model newer than\n"
	"                     the driver is refused. The entry points a client finds\n"
	"                     are those of the library it loads: build/sim-<branch>/\n"
	"                     (build/sim/ for 580). Default: 580.95.05\n"
	"  --reset-keeps-mig LIST\n"
	"                     indices of Hopper and later GPUs whose MIG mode stays\n"
	"                     enabled across a GPU reset ('none': no GPU). Default:\n"
	"                     none, they come back with MIG disabled (Ampere GPUs\n"
	"                     always keep the mode: it is persistent there)\n"
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
	const char *p = list;
	char buf[256];
	enum mu_list_item r;

	*n = 0;
	for (const char *q = list; (r = mu_list_next(&q, buf, sizeof(buf))) != MU_LIST_END;)
		if (r == MU_LIST_EMPTY)
			return ms_usage_error("init", "--gpus: empty item in \"%s\"; write MODEL[:COUNT][,MODEL[:COUNT]...]",
					      list);
	for (const char *seg = p; (r = mu_list_next(&p, buf, sizeof(buf))) != MU_LIST_END; seg = p) {
		/* The item, trimmed, goes back where it was (it is no longer). */
		char *item = list + (seg - list);
		char *colon;
		unsigned count = 1;

		if (r == MU_LIST_LONG)
			return ms_usage_error("init", "--gpus: model \"%.40s...\" is too long", buf);
		memcpy(item, buf, strlen(buf) + 1);
		colon = strrchr(item, ':');
		if (colon) {
			*colon = '\0';
			if (!ms_parse_uint(colon + 1, SIM_MAX_GPUS, &count) || count == 0)
				return ms_usage_error("init", "--gpus: bad count \"%s\" for %s; use a number from 1 to %d",
						      colon + 1, item, SIM_MAX_GPUS);
		}
		mu_trim(item);
		if (!item[0])
			return ms_usage_error("init", "--gpus: missing model before ':%u'", count);
		total += count;
		if (total > SIM_MAX_GPUS || *n == cap)
			return ms_usage_error("init", "--gpus: more than %d GPUs", SIM_MAX_GPUS);
		items[*n].query = item;
		items[*n].count = count;
		(*n)++;
	}
	return 0;
}

/* Parse a list of GPU indices (--swapped, --reset-keeps-mig) into a bit
 * set of indices < SIM_MAX_GPUS; "none" is the empty set. */
static int parse_gpu_set(const char *opt, const char *list, uint32_t *set)
{
	const char *p = list;

	*set = 0;
	if (strcmp(list, "none") == 0)
		return 0;
	for (;;) {
		char num[16];
		size_t len = strcspn(p, ",");
		unsigned v;

		if (len == 0 || len >= sizeof(num))
			return ms_usage_error("init", "%s: bad list \"%s\"; write GPU indices like 0,2, or none",
					      opt, list);
		memcpy(num, p, len);
		num[len] = '\0';
		if (!ms_parse_uint(num, SIM_MAX_GPUS - 1, &v))
			return ms_usage_error("init", "%s: bad GPU index \"%s\"; use 0 to %d",
					      opt, num, SIM_MAX_GPUS - 1);
		*set |= UINT32_C(1) << v;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

/* The built-in catalog plus `catalog` (if non-NULL) into m->catalog, and
 * the file's absolute path into `abs` (PATH_MAX bytes), which must fit
 * in m->catalog_file. Returns the exit code. */
static int load_catalog(struct sim_machine *m, const char *catalog, char *abs)
{
	struct migctl_error err = {0};

	migctl_catalog_init(&m->catalog);
	if (migctl_catalog_load_builtin(&m->catalog, &err) ||
	    (catalog && migctl_catalog_load_file(&m->catalog, catalog, &err)))
		return ms_report(&err);
	if (!catalog)
		return 0;
	if (!realpath(catalog, abs))
		return ms_fail(MIGCTL_ERR_IO, "cannot resolve catalog file %s: %s", catalog,
			       strerror(errno));
	if (strlen(abs) >= sizeof(m->catalog_file))
		return ms_fail(MIGCTL_ERR_IO,
			       "catalog file path %s is longer than %zu bytes; move the file to a shorter path",
			       abs, sizeof(m->catalog_file) - 1);
	return 0;
}

/* The options of `migsim init`, as given. */
struct init_opts {
	const char *gpus, *swapped, *driver, *keeps, *catalog;
	bool non_root;
	uint32_t swapped_set, keeps_set;
	struct sim_driver drv;
};

/* "--swapped: no GPU 2; the machine has 2 GPUs" for a set with an index
 * past the last GPU. */
static int check_gpu_set(const char *opt, uint32_t set, unsigned n_gpus)
{
	if (n_gpus >= SIM_MAX_GPUS || !(set >> n_gpus))
		return 0;
	unsigned bad = n_gpus;
	while (!((set >> bad) & 1))
		bad++;
	return ms_usage_error("init", "%s: no GPU %u; the machine has %u GPU%s", opt, bad, n_gpus,
			      n_gpus == 1 ? "" : "s");
}

/* Models whose boards show the half-swapped GI-ID mapping in transcripts
 * (reference mig-profiles.md §3): seed 000's A100 80GB PCIe gets 3g.40gb
 * at 4:4 as GI 1 and 2g.20gb at 0:2 as GI 5. Other models' transcripts
 * show the identity mapping, or none exist. */
static const char *const swapped_models[] = {"NVIDIA A100 80GB PCIe"};

static bool model_swapped(const struct migctl_gpu_model *model)
{
	for (size_t i = 0; i < sizeof(swapped_models) / sizeof(swapped_models[0]); i++)
		if (strcmp(model->name, swapped_models[i]) == 0)
			return true;
	return false;
}

/* The oldest driver a model runs on: its catalog min-driver, or for a
 * model without one the oldest min-driver of its architecture (no GPU
 * runs MIG on a driver older than its architecture's first). "" if none. */
static const char *model_min_driver(const struct migctl_catalog *cat,
				    const struct migctl_gpu_model *model)
{
	const char *min = model->min_driver;

	if (min[0])
		return min;
	for (size_t i = 0; i < cat->n_models; i++) {
		const struct migctl_gpu_model *o = &cat->models[i];
		if (o->arch == model->arch && o->min_driver[0] &&
		    (!min[0] || sim_driver_at_least(min, o->min_driver)))
			min = o->min_driver;
	}
	return min;
}

/* The models of --gpus in the machine's catalog, the GPU count, which
 * every index of --swapped and --reset-keeps-mig must be below, and the
 * default mapping per model when --swapped is not given. Each model must
 * run on the driver (its catalog min-driver). Returns the exit code. */
static int resolve_specs(struct sim_machine *m, const struct gpu_item *items, size_t n_items,
			 struct init_opts *o, struct sim_gpu_spec *spec, unsigned *n_gpus)
{
	struct migctl_error err = {0};
	int rc;

	*n_gpus = 0;
	for (size_t i = 0; i < n_items; i++) {
		spec[i].model = migctl_catalog_find_model(&m->catalog, items[i].query, &err);
		if (!spec[i].model)
			return ms_report(&err);
		const char *min = model_min_driver(&m->catalog, spec[i].model);
		if (!sim_driver_at_least(o->drv.version, min))
			return ms_usage_error("init", "--driver %s: %s needs driver %s or later",
					      o->drv.version, spec[i].model->name, min);
		spec[i].count = items[i].count;
		if (!o->swapped && model_swapped(spec[i].model))
			for (unsigned k = 0; k < items[i].count && *n_gpus + k < SIM_MAX_GPUS; k++)
				o->swapped_set |= UINT32_C(1) << (*n_gpus + k);
		*n_gpus += items[i].count;
	}
	if ((rc = check_gpu_set("--swapped", o->swapped_set, *n_gpus)) ||
	    (rc = check_gpu_set("--reset-keeps-mig", o->keeps_set, *n_gpus)))
		return rc;
	return 0;
}

/* ", 1,3" for the GPUs in `set`. */
static void print_gpu_set(const char *what, uint32_t set, unsigned n_gpus)
{
	if (!set)
		return;
	printf("; %s on GPU", what);
	for (unsigned i = 0, k = 0; i < n_gpus; i++)
		if ((set >> i) & 1)
			printf("%s%u", k++ ? "," : " ", i);
}

/* "migsim: new machine in DIR: 2 x NVIDIA A30; half-swapped ...". The
 * driver shows only when --driver chose it. */
static void print_new_machine(const char *dir, const struct sim_gpu_spec *spec, size_t n_items,
			      unsigned n_gpus, const struct init_opts *o)
{
	printf("migsim: new machine in %s: ", dir);
	for (size_t i = 0; i < n_items; i++)
		printf("%s%u x %s", i ? ", " : "", spec[i].count, spec[i].model->name);
	print_gpu_set("half-swapped GI IDs", o->swapped_set, n_gpus);
	print_gpu_set("MIG mode kept across resets", o->keeps_set, n_gpus);
	if (o->driver)
		printf("; driver %s (NVML %s, CUDA %d.%d)", o->drv.version, o->drv.nvml,
		       o->drv.cuda / 1000, o->drv.cuda % 1000 / 10);
	if (o->non_root)
		printf("; non-root");
	printf("\n");
}

/* Where the library of driver branch `branch` is, next to this migsim:
 * build/sim-<branch>/ in the build tree (build/sim/ for the newest), or
 * lib/migctl/[sim-<branch>/] when installed. False if none is there. */
static bool branch_library(unsigned branch, char *buf, size_t len)
{
	char self[PATH_MAX], sub[32];
	static const char *const layouts[] = {"%s/%s/libnvidia-ml.so.1",
					      "%s/../lib/migctl/%s/libnvidia-ml.so.1"};

	if (!realpath("/proc/self/exe", self))
		return false;
	*strrchr(self, '/') = '\0';
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		if (branch == SIM_NEWEST_BRANCH)
			snprintf(sub, sizeof(sub), i ? "." : "sim");
		else
			snprintf(sub, sizeof(sub), "sim-%u", branch);
		snprintf(buf, len, layouts[i], self, sub);
		if (access(buf, R_OK) == 0)
			return true;
	}
	return false;
}

/* Parse the command line into `o`. Returns -1 to go on, or the exit code
 * (0 after --help). */
static int parse_init_args(int argc, char **argv, struct init_opts *o)
{
	static const struct option opts[] = {
		{"gpus", required_argument, NULL, 'g'},
		{"swapped", required_argument, NULL, 's'},
		{"driver", required_argument, NULL, 'd'},
		{"reset-keeps-mig", required_argument, NULL, 'k'},
		{"non-root", no_argument, NULL, 'n'},
		{"catalog", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	int opt, rc;

	optind = 0; /* 0: glibc re-initialises its scan state */
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(init_usage, stdout);
			return 0;
		case 'g': o->gpus = optarg; break;
		case 's': o->swapped = optarg; break;
		case 'd': o->driver = optarg; break;
		case 'k': o->keeps = optarg; break;
		case 'n': o->non_root = true; break;
		case 'C': o->catalog = optarg; break;
		default:
			return ms_usage_error("init", "unknown option");
		}
	}
	if (optind != argc)
		return ms_usage_error("init", "unexpected argument '%s'", argv[optind]);
	if (o->swapped && (rc = parse_gpu_set("--swapped", o->swapped, &o->swapped_set)))
		return rc;
	if (o->keeps && (rc = parse_gpu_set("--reset-keeps-mig", o->keeps, &o->keeps_set)))
		return rc;
	if (!sim_driver_parse(o->driver ? o->driver : SIM_DRIVER_VERSION, &o->drv))
		return ms_usage_error("init", "--driver: \"%s\" is not a driver the simulator models; "
				      "give a branch (%s) or a release of one", o->driver,
				      sim_driver_branches);
	return -1;
}

int cmd_init(struct app *app, int argc, char **argv)
{
	struct init_opts o = {0};
	struct migctl_error err = {0};
	struct gpu_item items[SIM_MAX_GPUS];
	struct sim_gpu_spec spec[SIM_MAX_GPUS];
	size_t n_items = 0;
	char *gpus_copy = NULL;
	struct sim_machine *m = NULL;
	char abs_catalog[PATH_MAX];
	int rc = parse_init_args(argc, argv, &o);

	if (rc >= 0)
		return rc;
	rc = 0;
	if (o.gpus) {
		gpus_copy = strdup(o.gpus);
		if (!gpus_copy)
			return ms_fail(MIGCTL_ERR_NOMEM, "out of memory");
		rc = parse_gpus(gpus_copy, items, SIM_MAX_GPUS, &n_items);
	} else {
		items[0].query = DEFAULT_MODEL;
		items[0].count = DEFAULT_COUNT;
		n_items = 1;
	}
	if (rc)
		goto out;

	m = calloc(1, sizeof(*m));
	if (!m) {
		rc = ms_fail(MIGCTL_ERR_NOMEM, "out of memory");
		goto out;
	}
	unsigned n_gpus = 0;
	if ((rc = load_catalog(m, o.catalog, abs_catalog)) ||
	    (rc = resolve_specs(m, items, n_items, &o, spec, &n_gpus)))
		goto out;

	if (sim_machine_build(m, spec, n_items, o.swapped_set, o.non_root, &err)) {
		rc = ms_report(&err);
		goto out;
	}
	snprintf(m->driver, sizeof(m->driver), "%s", o.drv.version);
	for (unsigned i = 0; i < m->n_gpus; i++)
		m->gpus[i].mig_survives_reset = (o.keeps_set >> i) & 1;
	if (o.catalog)
		memcpy(m->catalog_file, abs_catalog, strlen(abs_catalog) + 1); /* length checked */
	else
		m->catalog_file[0] = '\0';

	ms_open_dir(app);
	if (sim_store_new(app->dir, m, &err)) {
		rc = ms_report(&err);
		goto out;
	}

	print_new_machine(app->dir, spec, n_items, n_gpus, &o);
	/* The library decides which entry points a client finds. */
	char lib[PATH_MAX + 64];
	if (o.driver && branch_library(o.drv.branch, lib, sizeof(lib)))
		printf("migsim: its entry points are those of %s\n", lib);
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

	printf("GPU %u: %s\n", idx, ms_gpu_model_name(g));
	printf("  UUID:    %s\n", g->uuid);
	printf("  Serial:  %s\n", g->serial);
	printf("  Bus ID:  00000000:%02X:00.0  (minor %u)\n", g->pci_bus, g->minor);
	if (g->mig_current == g->mig_pending)
		printf("  MIG:     %s\n", mig_word(g->mig_current));
	else
		printf("  MIG:     %s (pending: %s; run 'migsim reset -i %u')\n",
		       mig_word(g->mig_current), mig_word(g->mig_pending), idx);
	printf("  GI IDs:  %s mapping\n", g->half_swapped ? "half-swapped" : "identity");
	if (g->mig_survives_reset)
		printf("  Reset:   keeps MIG mode\n");
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

static void print_machine(const struct sim_machine *m, const char *dir)
{
	printf("Machine: %s (generation %llu)\n", dir, (unsigned long long)m->generation);
	struct sim_driver d;
	sim_driver_of(m, &d);
	printf("Driver:  %s, NVML %s, CUDA %d.%d\n", d.version, d.nvml, d.cuda / 1000,
	       d.cuda % 1000 / 10);
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
		ms_fault_texts(f, e, sizeof(e), r, sizeof(r));
		if (f->remaining < 0)
			printf("  %s -> %s, every call%s\n", f->call, e, r);
		else
			printf("  %s -> %s, next %d call%s%s\n", f->call, e, f->remaining,
			       f->remaining == 1 ? "" : "s", r);
	}
}

int cmd_show(struct app *app, int argc, char **argv)
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
				return ms_usage_error("show", "bad output format '%s' (use text or json)", optarg);
			break;
		default:
			return ms_usage_error("show", "unknown option");
		}
	}
	if (optind != argc)
		return ms_usage_error("show", "unexpected argument '%s'", argv[optind]);

	rc = ms_open_state(app, &s, SIM_SHARED);
	if (rc)
		return rc;
	if (json) {
		char *text = sim_machine_to_json(s.m);
		if (!text) {
			rc = ms_fail(MIGCTL_ERR_NOMEM, "out of memory");
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
		rc = ms_fail(MIGCTL_ERR_IO, "cannot write to standard output: %s", strerror(errno));
	return rc;
}

/* --- reset, reboot ------------------------------------------------------- */

static const char reset_usage[] =
	"Usage: migsim reset -i GPU\n"
	"\n"
	"Reset one GPU, as 'nvidia-smi -r' does: every GPU and compute instance on\n"
	"it is destroyed; an Ampere GPU applies its pending MIG mode, a Hopper or\n"
	"later GPU comes back with MIG disabled (unless 'migsim set' or 'migsim\n"
	"init --reset-keeps-mig' made it keep the mode). Refused while processes\n"
	"registered by 'migsim exec' run on the GPU.\n"
	"\n"
	"Options:\n"
	"  -i, --id GPU   the GPU's index or UUID (see 'migsim show')\n"
	"  -h, --help     show this help\n";

int cmd_reset(struct app *app, int argc, char **argv)
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
			return ms_usage_error("reset", "unknown option");
		}
	}
	if (optind != argc)
		return ms_usage_error("reset", "unexpected argument '%s'", argv[optind]);
	if (!id)
		return ms_usage_error("reset", "which GPU? give -i INDEX");

	rc = ms_open_state(app, &s, SIM_EXCLUSIVE);
	if (rc)
		return rc;
	rc = ms_find_gpu(s.m, id, &gpu);
	if (rc)
		goto out;
	nvmlReturn_t r = sim_reset_gpu(s.m, gpu);
	if (r == NVML_ERROR_IN_USE) {
		char pids[256];
		ms_busy_pids(s.m, gpu, NVML_VALUE_NOT_AVAILABLE_UINT,
			     NVML_VALUE_NOT_AVAILABLE_UINT, pids, sizeof(pids));
		rc = ms_fail(ERR_IN_USE,
			     "GPU %u is in use by process%s %s; stop %s first (or run 'migsim reboot')",
			     gpu, strchr(pids, ',') ? "es" : "", pids[0] ? pids : "?",
			     strchr(pids, ',') ? "them" : "it");
		goto out;
	}
	if (r != NVML_SUCCESS) {
		rc = ms_fail(MIGCTL_ERR_INTERNAL, "cannot reset GPU %u: %s (%s)", gpu,
			     ms_nvml_text(r), ms_nvml_name(r));
		goto out;
	}
	bool mig = s.m->gpus[gpu].mig_current;
	rc = ms_commit_close(&s);
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

int cmd_reboot(struct app *app, int argc, char **argv)
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
			return ms_usage_error("reboot", "unknown option");
		}
	}
	if (optind != argc)
		return ms_usage_error("reboot", "unexpected argument '%s'", argv[optind]);
	rc = ms_open_state(app, &s, SIM_EXCLUSIVE);
	if (rc)
		return rc;
	unsigned n_gpus = s.m->n_gpus, n_procs = s.m->n_procs;
	sim_reboot(s.m);
	sim_driver_root_reset(s.dir, false); /* /dev and capabilities start afresh */
	rc = ms_commit_close(&s);
	if (rc == 0)
		printf("rebooted: %u GPU%s reset, %u registered process%s dropped\n",
		       n_gpus, n_gpus == 1 ? "" : "s", n_procs, n_procs == 1 ? "" : "es");
	return rc;
}


/* --- set ------------------------------------------------------------------ */

static const char set_usage[] =
	"Usage: migsim set -i GPU --reset-keeps-mig on|off\n"
	"\n"
	"Change a setting of one GPU of the machine, keeping everything else.\n"
	"\n"
	"Options:\n"
	"  -i, --id GPU                the GPU's index or UUID (see 'migsim show')\n"
	"  --reset-keeps-mig on|off    whether a Hopper or later GPU keeps MIG mode\n"
	"                              across a reset (off: it comes back with MIG\n"
	"                              disabled, the default; Ampere keeps it anyway)\n"
	"  -h, --help                  show this help\n";

int cmd_set(struct app *app, int argc, char **argv)
{
	static const struct option opts[] = {
		{"id", required_argument, NULL, 'i'},
		{"reset-keeps-mig", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *id = NULL, *keeps = NULL;
	struct sim_session s;
	unsigned gpu = 0;
	int opt, rc;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "i:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(set_usage, stdout);
			return 0;
		case 'i': id = optarg; break;
		case 'k': keeps = optarg; break;
		default:
			return ms_usage_error("set", "unknown option");
		}
	}
	if (optind != argc)
		return ms_usage_error("set", "unexpected argument '%s'", argv[optind]);
	if (!id)
		return ms_usage_error("set", "which GPU? give -i INDEX");
	if (!keeps)
		return ms_usage_error("set", "nothing to set; give --reset-keeps-mig on|off");
	if (strcmp(keeps, "on") != 0 && strcmp(keeps, "off") != 0)
		return ms_usage_error("set", "--reset-keeps-mig: \"%s\"; write on or off", keeps);

	rc = ms_open_state(app, &s, SIM_EXCLUSIVE);
	if (rc)
		return rc;
	rc = ms_find_gpu(s.m, id, &gpu);
	if (rc) {
		sim_close(&s);
		return rc;
	}
	s.m->gpus[gpu].mig_survives_reset = strcmp(keeps, "on") == 0;
	rc = ms_commit_close(&s);
	if (rc == 0)
		printf("GPU %u: MIG mode %s across a reset\n", gpu,
		       strcmp(keeps, "on") == 0 ? "kept" : "lost (Hopper and later)");
	return rc;
}
