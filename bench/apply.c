/* Benchmark: applying a layout change to a node, migctl against
 * nvidia-mig-parted's strategy.
 *
 * On the bundled simulator (a temporary MIGSIM_STATE machine of 8
 * A100-SXM4-80GB, then one of 8 H100-SXM5-80GB) a seeded suite of layout
 * changes is applied twice from the same "before" layout:
 *
 *   (a) migctl: migctl_apply to the "after" targets (minimal transition per
 *       GPU, checkpoint and journal included);
 *   (b) baseline: mig-parted's config phase (reference/mig-parted.md §2.4,
 *       pkg/mig/config/config.go), implemented here on lib/node.c: a GPU
 *       whose CI counts per profile differ from the target is re-flashed:
 *       walk its GIs destroying each one's CIs and then the GI, then create
 *       the flattened profile list (sorted G desc, C desc) in order, each GI
 *       at the driver's placement (migctl_node_create_gi with placement
 *       NULL) followed by its CI, a repeated GI profile first trying a CI in
 *       the previous GI as mig-parted does; if a create fails, wipe and try
 *       the next ordering of mig-parted's swap recursion (identical profiles
 *       not swapped), at most PERM_CAP orderings per GPU.
 *
 * The "before" layout is set with migctl_apply (random layouts with every
 * GI pinned), captured with migctl_checkpoint_capture, and restored from
 * that checkpoint between (a) and (b); the restored layout must equal the
 * captured one, placements included.
 *
 * Per strategy: instances destroyed and created (GIs + CIs), creates that
 * failed, NVML calls (migctl_node_nvml_calls around the call) and wall time
 * (CLOCK_MONOTONIC). Each GPU must end at a layout satisfying its target
 * (migctl_layout_satisfies on a fresh read); otherwise, or when any setup
 * step fails, a *** BENCH ERROR *** and a non-zero exit.
 *
 * Needs MIGSIM_LIB and MIGSIM_BIN (bench/run.sh sets them); without them it
 * looks for build/sim/libnvidia-ml.so.1 and build/migsim next to itself.
 * The state directory is on /dev/shm when it exists (else /tmp) and is
 * removed at exit.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "migctl/apply.h"
#include "migctl/catalog.h"
#include "migctl/error.h"
#include "migctl/geometry.h"
#include "migctl/layout.h"
#include "migctl/node.h"

#include "bench_util.h"

#define GPUS 8
#define PERM_CAP 5040          /* orderings tried per GPU by the baseline */
#define RANDOM_ROUNDS 2        /* random-pair scenarios per model */
#define SEED 0x6d6967637472ull /* "migctr" */
#define MAX_LAYOUTS 4096
#define MAX_FLAT 64

static uint64_t rng_state;

static size_t rng_below(size_t n)
{
	return (size_t)(rng_next(&rng_state) % n);
}

/* --- per-strategy counters -------------------------------------------- */

struct stats {
	unsigned long destroyed, created, failed, calls;
	unsigned long orderings;        /* baseline: orderings tried */
	unsigned gpus_changed, gpus_ok, gpus;
	double seconds;
};

static void stats_add(struct stats *to, const struct stats *s)
{
	to->destroyed += s->destroyed;
	to->created += s->created;
	to->failed += s->failed;
	to->calls += s->calls;
	to->orderings += s->orderings;
	to->gpus_changed += s->gpus_changed;
	to->gpus_ok += s->gpus_ok;
	to->gpus += s->gpus;
	to->seconds += s->seconds;
}

/* --- targets ------------------------------------------------------------ */

struct scenario {
	char name[96];
	bool before_by_baseline;        /* set "before" as mig-parted would */
	struct migctl_gpu_target before[GPUS];
	struct migctl_gpu_target after[GPUS];
};

/* "1g.10gb:2,2g.20gb:1" with each GI's default (full) CI. */
static int target_of_spec(const struct migctl_gpu_model *m, const char *spec,
			  struct migctl_gpu_target *t)
{
	char buf[256], *save = NULL;
	struct migctl_error err = {0};

	memset(t, 0, sizeof(*t));
	t->mig_enabled = true;
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		unsigned count = 1;
		if (colon) {
			*colon = '\0';
			count = (unsigned)strtoul(colon + 1, NULL, 10);
		}
		const struct migctl_gi_profile *gp = migctl_model_find_gi_profile(m, tok, &err);
		const struct migctl_ci_profile *cp = gp ? migctl_gi_profile_default_ci(gp) : NULL;
		if (!gp || !cp) {
			fail("%s: profile %s: %s", m->name, tok, err.msg);
			return -1;
		}
		if (migctl_target_add(t, (size_t)(gp - m->gi), (size_t)(cp - gp->ci), count, &err)) {
			fail("%s: %s", m->name, err.msg);
			return -1;
		}
	}
	return 0;
}

/* A placed layout of the grid (grid profile i = model->gi[i]) as a target,
 * with every GI pinned or with counts only. */
static int target_of_slots(const struct migctl_gpu_model *m, const struct migctl_slot *s,
			   size_t n, bool pin, struct migctl_gpu_target *t)
{
	struct migctl_error err = {0};

	memset(t, 0, sizeof(*t));
	t->mig_enabled = true;
	for (size_t k = 0; k < n; k++) {
		const struct migctl_gi_profile *gp = &m->gi[s[k].profile];
		const struct migctl_ci_profile *cp = migctl_gi_profile_default_ci(gp);
		if (!cp || migctl_target_add(t, s[k].profile, (size_t)(cp - gp->ci), 1, &err)) {
			fail("%s: %s: no default CI or %s", m->name, gp->name, err.msg);
			return -1;
		}
		if (pin)
			t->pins[t->n_pins++] = (struct migctl_target_pin){.gi = s[k].profile, .placement = s[k].placement};
	}
	return 0;
}

/* "2x1g.10gb+1x3g.40gb" for the report. */
static void describe(const struct migctl_gpu_model *m, const struct migctl_gpu_target *t,
		     char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < t->n_items && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%ux%s", used ? "+" : "",
					 t->items[i].count, m->gi[t->items[i].gi].ci[t->items[i].ci].name);
	if (!buf[0])
		snprintf(buf, len, "empty");
}

/* Non-extendable layouts of a model, for the random pairs. */
struct layouts {
	struct migctl_slot slots[MAX_LAYOUTS][MIGCTL_LAYOUT_MAX_GIS];
	size_t n_slots[MAX_LAYOUTS];
	size_t n;
};

static int collect_layout(const struct migctl_slot *slots, size_t n, void *ctx)
{
	struct layouts *l = ctx;
	if (l->n == MAX_LAYOUTS || n > MIGCTL_LAYOUT_MAX_GIS)
		return 1;
	memcpy(l->slots[l->n], slots, n * sizeof(*slots));
	l->n_slots[l->n++] = n;
	return 0;
}

/* Same profile multiset (slots are sorted by start, so count per profile). */
static bool same_multiset(const struct migctl_slot *a, size_t na, const struct migctl_slot *b,
			  size_t nb)
{
	unsigned ca[MIGCTL_MAX_PROFILES] = {0}, cb[MIGCTL_MAX_PROFILES] = {0};
	for (size_t i = 0; i < na; i++)
		ca[a[i].profile]++;
	for (size_t i = 0; i < nb; i++)
		cb[b[i].profile]++;
	return memcmp(ca, cb, sizeof(ca)) == 0;
}

/* --- the node ------------------------------------------------------------ */

struct bench {
	const char *lib, *bin;
	char dir[64];
	/* The journal in the machine's directory: the library no longer
	 * learns that directory from the environment. */
	char journal[96];
	struct migctl_catalog cat;     /* CI profiles of GIs not created yet */
	struct migctl_node node;
	bool open;
};

static void plans_of(const struct migctl_gpu_target *targets, struct migctl_gpu_plan *plans)
{
	memset(plans, 0, GPUS * sizeof(*plans));
	for (size_t i = 0; i < GPUS; i++) {
		plans[i].matched = plans[i].managed = true;
		plans[i].target = targets[i];
	}
}

static int apply_targets(struct bench *b, const struct migctl_gpu_plan *plans,
			 struct migctl_apply_report *rep, const char *what)
{
	struct migctl_apply_options opts = {.journal_path = b->journal};
	struct migctl_error err = {0};
	enum migctl_err rc = migctl_apply(&b->node, plans, &opts, rep, &err);
	if (rc != MIGCTL_ERR_OK) {
		fail("%s: migctl_apply: %s", what, err.msg);
		return -1;
	}
	return 0;
}

/* The profile IDs behind the model indices that targets use: targets are
 * built once and compared later, so the live model's order must not move. */
static unsigned model_ids[MIGCTL_MAX_PROFILES][MIGCTL_MAX_PROFILES + 1];

static unsigned long model_sig(const struct migctl_gpu_model *m, bool record)
{
	unsigned long diff = 0;
	for (size_t g = 0; g < m->n_gi && g < MIGCTL_MAX_PROFILES; g++) {
		unsigned row[MIGCTL_MAX_PROFILES + 1] = {m->gi[g].id};
		for (size_t c = 0; c < m->gi[g].n_ci && c < MIGCTL_MAX_PROFILES; c++)
			row[c + 1] = m->gi[g].ci[c].id + 1;
		if (record)
			memcpy(model_ids[g], row, sizeof(row));
		else
			diff += memcmp(model_ids[g], row, sizeof(row)) != 0;
	}
	return diff;
}

static int open_machine(struct bench *b, const char *gpus)
{
	char cmd[PATH_MAX + 256];
	struct migctl_node_options o = {0};
	struct migctl_error err = {0};

	if (b->open) {
		migctl_node_close(&b->node);
		b->open = false;
	}
	snprintf(cmd, sizeof(cmd), "'%s' --state '%s' init --gpus %s >/dev/null", b->bin, b->dir,
		 gpus);
	if (system(cmd) != 0) {
		fail("migsim init --gpus %s failed", gpus);
		return -1;
	}
	o.nvml_lib = b->lib;
	o.sim_state = b->dir;
	o.catalog = &b->cat;
	if (migctl_node_open(&b->node, &o, &err) || migctl_node_refresh(&b->node, &err)) {
		fail("opening the simulated node: %s", err.msg);
		return -1;
	}
	b->open = true;
	if (b->node.n_gpus != GPUS) {
		fail("the simulated node has %zu GPUs, expected %d", b->node.n_gpus, GPUS);
		return -1;
	}
	/* MIG on everywhere (with the reset an A100 needs). */
	struct migctl_gpu_plan plans[GPUS];
	struct migctl_gpu_target empty[GPUS];
	struct migctl_apply_report rep;
	memset(empty, 0, sizeof(empty));
	for (size_t i = 0; i < GPUS; i++)
		empty[i].mig_enabled = true;
	plans_of(empty, plans);
	migctl_apply_report_init(&rep);
	int r = apply_targets(b, plans, &rep, "enabling MIG");
	migctl_apply_report_release(&rep);
	if (r == 0 && migctl_node_refresh(&b->node, &err)) {
		fail("refresh: %s", err.msg);
		return -1;
	}
	for (size_t i = 0; r == 0 && i < GPUS; i++)
		if (!b->node.gpus[i].mig_current || b->node.gpus[i].model.n_gi == 0) {
			fail("GPU %zu: MIG is not on after enabling it", i);
			r = -1;
		}
	if (r == 0)
		model_sig(&b->node.gpus[0].model, true);
	return r;
}

/* Empty every GPU, MIG staying on (the simulator's reset would turn it
 * off again on Hopper). */
static int wipe(struct bench *b)
{
	struct migctl_gpu_plan plans[GPUS];
	struct migctl_gpu_target empty[GPUS];
	struct migctl_apply_report rep;
	int r;

	memset(empty, 0, sizeof(empty));
	for (size_t i = 0; i < GPUS; i++)
		empty[i].mig_enabled = true;
	plans_of(empty, plans);
	migctl_apply_report_init(&rep);
	r = apply_targets(b, plans, &rep, "emptying the GPUs");
	migctl_apply_report_release(&rep);
	return r;
}

/* Two layouts hold the same instances: GI profiles and placements, CI
 * profiles and placements (order-independent over GIs). */
static bool same_layout(const struct migctl_layout *a, const struct migctl_layout *b)
{
	if (a->n_gis != b->n_gis)
		return false;
	for (size_t i = 0; i < a->n_gis; i++) {
		const struct migctl_layout_gi *x = &a->gis[i];
		bool found = false;
		for (size_t j = 0; j < b->n_gis && !found; j++) {
			const struct migctl_layout_gi *y = &b->gis[j];
			if (x->profile != y->profile || x->placement.start != y->placement.start ||
			    x->placement.size != y->placement.size || x->n_cis != y->n_cis)
				continue;
			found = true;
			for (size_t c = 0; c < x->n_cis && found; c++) {
				bool hit = false;
				for (size_t d = 0; d < y->n_cis && !hit; d++)
					hit = x->cis[c].profile == y->cis[d].profile &&
					      x->cis[c].placement.start == y->cis[d].placement.start &&
					      x->cis[c].placement.size == y->cis[d].placement.size;
				found = hit;
			}
		}
		if (!found)
			return false;
	}
	return true;
}

/* Count of GPUs whose fresh layout satisfies `targets`. */
static unsigned check_targets(struct bench *b, const struct migctl_gpu_target *targets,
			      const char *who, const char *scen)
{
	struct migctl_error err = {0};
	unsigned ok = 0;

	if (migctl_node_refresh(&b->node, &err)) {
		fail("%s: refresh: %s", scen, err.msg);
		return 0;
	}
	for (size_t i = 0; i < GPUS; i++) {
		struct migctl_gpu_state *gpu = &b->node.gpus[i];
		struct migctl_layout l;
		if (model_sig(&gpu->model, false)) {
			fail("%s: GPU %zu: its profile table changed order; the targets' indices "
			     "no longer name the same profiles", scen, i);
			continue;
		}
		migctl_layout_of_gpu(gpu, &l);
		if (migctl_layout_satisfies(&gpu->model, &l, &targets[i])) {
			ok++;
		} else {
			char want[256], have[256];
			struct migctl_gpu_target held;
			migctl_layout_to_target(&l, &held);
			describe(&gpu->model, &targets[i], want, sizeof(want));
			describe(&gpu->model, &held, have, sizeof(have));
			fail("%s: %s left GPU %zu at %s (%zu GIs), target %s", scen, who, i, have,
			     l.n_gis, want);
		}
	}
	return ok;
}

/* --- baseline: mig-parted's config phase --------------------------------- */

struct flat_item {
	size_t gi, ci;                  /* indices into the live model */
	unsigned key;                   /* equal keys = identical profiles */
};

struct baseline {
	struct migctl_node *node;
	struct migctl_gpu_state *gpu;
	struct flat_item items[MAX_FLAT];
	size_t n;
	unsigned long attempts;
	struct stats *st;
	bool done;
};

/* ClearMigConfig: per GI (walk order), destroy its CIs, then the GI. */
static int bl_clear(struct baseline *bl)
{
	struct migctl_gpu_state *gpu = bl->gpu;
	struct migctl_error err = {0};
	unsigned gi_ids[MIGCTL_NODE_MAX_GIS], ci_ids[MIGCTL_NODE_MAX_GIS][MIGCTL_NODE_MAX_CIS];
	size_t n_gis = gpu->n_gis, n_cis[MIGCTL_NODE_MAX_GIS];

	for (size_t g = 0; g < n_gis; g++) {
		gi_ids[g] = gpu->gis[g].id;
		n_cis[g] = gpu->gis[g].n_cis;
		for (size_t c = 0; c < n_cis[g]; c++)
			ci_ids[g][c] = gpu->gis[g].cis[c].id;
	}
	for (size_t g = 0; g < n_gis; g++) {
		for (size_t c = 0; c < n_cis[g]; c++) {
			if (migctl_node_destroy_ci(bl->node, gpu, gi_ids[g], ci_ids[g][c], &err)) {
				fail("baseline: GPU %u: %s", gpu->index, err.msg);
				return -1;
			}
			bl->st->destroyed++;
		}
		if (migctl_node_destroy_gi(bl->node, gpu, gi_ids[g], &err)) {
			fail("baseline: GPU %u: %s", gpu->index, err.msg);
			return -1;
		}
		bl->st->destroyed++;
	}
	return 0;
}

/* One ordering: clear, then create in order. 0 = success, 1 = a create
 * failed (try the next ordering), -1 = hard error. */
static int bl_attempt(struct baseline *bl)
{
	struct migctl_gpu_state *gpu = bl->gpu;
	struct migctl_error err = {0};
	long last_gi = -1;
	unsigned gi_id = 0;
	bool have_gi = false;

	bl->attempts++;
	bl->st->orderings++;
	if (gpu->n_gis > 0 && bl_clear(bl))
		return -1;
	for (size_t k = 0; k < bl->n; k++) {
		const struct flat_item *it = &bl->items[k];
		/* IDs now: every operation re-reads the GPU, model included. */
		unsigned gi_prof = gpu->model.gi[it->gi].id;
		unsigned ci_prof = gpu->model.gi[it->gi].ci[it->ci].id;
		bool reuse = have_gi && last_gi == (long)it->gi;
		last_gi = (long)it->gi;
		for (;;) {
			if (!reuse) {
				if (migctl_node_create_gi(bl->node, gpu, gi_prof, NULL, &gi_id, &err)) {
					bl->st->failed++;
					return 1;
				}
				bl->st->created++;
				have_gi = true;
			}
			if (migctl_node_create_ci(bl->node, gpu, gi_id, ci_prof, NULL, NULL,
						  &err)) {
				bl->st->failed++;
				if (reuse) {
					reuse = false;
					continue;
				}
				return 1;
			}
			bl->st->created++;
			break;
		}
	}
	return 0;
}

/* mig-parted's iteratePermutationsUntilSuccess: swap recursion, skipping
 * a swap with an identical profile seen earlier in [i, j). */
static int bl_iterate(struct baseline *bl, size_t i)
{
	if (bl->attempts >= PERM_CAP)
		return 1;
	if (i >= bl->n) {
		int r = bl_attempt(bl);
		if (r == 0)
			bl->done = true;
		return r;
	}
	for (size_t j = i; j < bl->n; j++) {
		bool swap = true;
		for (size_t k = i; k < j && swap; k++)
			swap = bl->items[k].key != bl->items[j].key;
		if (!swap)
			continue;
		struct flat_item t = bl->items[i];
		bl->items[i] = bl->items[j];
		bl->items[j] = t;
		int r = bl_iterate(bl, i + 1);
		if (r <= 0)
			return r;
		t = bl->items[i];
		bl->items[i] = bl->items[j];
		bl->items[j] = t;
		if (bl->attempts >= PERM_CAP)
			return 1;
	}
	return 1;
}

static int flat_cmp(const void *pa, const void *pb, const void *ctx)
{
	const struct migctl_gpu_model *m = ctx;
	const struct flat_item *a = pa, *b = pb;
	const struct migctl_gi_profile *ga = &m->gi[a->gi], *gb = &m->gi[b->gi];
	unsigned sa = ga->compute_slices, sb = gb->compute_slices;
	unsigned ca = ga->ci[a->ci].slices, cb = gb->ci[b->ci].slices;
	if (sa != sb)
		return sa > sb ? -1 : 1;        /* G descending */
	if (ca != cb)
		return ca > cb ? -1 : 1;        /* C descending */
	/* Attributes, then memory: mig-parted leaves such ties to sort.Slice;
	 * the profile ID makes them deterministic here. */
	if (ga->id != gb->id)
		return ga->id < gb->id ? -1 : 1;
	return (a->ci > b->ci) - (a->ci < b->ci);
}

static const struct migctl_gpu_model *sort_model;
static int flat_cmp_global(const void *a, const void *b)
{
	return flat_cmp(a, b, sort_model);
}

/* The baseline on every GPU, in index order; stops at the first GPU whose
 * orderings all fail (as mig-parted does), leaving that GPU empty. */
static void baseline_apply(struct bench *b, const struct migctl_gpu_target *targets,
			   struct stats *st)
{
	struct migctl_error err = {0};

	/* mig-parted reads every GPU's current config first. */
	if (migctl_node_refresh(&b->node, &err)) {
		fail("baseline: refresh: %s", err.msg);
		return;
	}
	for (size_t i = 0; i < GPUS; i++) {
		struct migctl_gpu_state *gpu = &b->node.gpus[i];
		const struct migctl_gpu_target *t = &targets[i];
		unsigned have[MIGCTL_MAX_PROFILES][MIGCTL_MAX_PROFILES];
		unsigned want[MIGCTL_MAX_PROFILES][MIGCTL_MAX_PROFILES];

		/* GetMigConfig: CIs per (GI profile, CI profile). */
		memset(have, 0, sizeof(have));
		memset(want, 0, sizeof(want));
		for (size_t g = 0; g < gpu->n_gis; g++) {
			const struct migctl_gi_state *gs = &gpu->gis[g];
			size_t gp = (size_t)(gs->profile - gpu->model.gi);
			for (size_t c = 0; c < gs->n_cis; c++)
				for (size_t k = 0; k < gs->profile->n_ci; k++)
					if (gs->profile->ci[k].id == gs->cis[c].profile_id)
						have[gp][k]++;
		}
		for (size_t k = 0; k < t->n_items; k++)
			want[t->items[k].gi][t->items[k].ci] += t->items[k].count;
		if (memcmp(have, want, sizeof(have)) == 0)
			continue;
		st->gpus_changed++;

		struct baseline bl = {.node = &b->node, .gpu = gpu, .st = st};
		for (size_t k = 0; k < t->n_items; k++)
			for (unsigned c = 0; c < t->items[k].count && bl.n < MAX_FLAT; c++)
				bl.items[bl.n++] = (struct flat_item){t->items[k].gi, t->items[k].ci,
								      (unsigned)(t->items[k].gi * 64 +
										 t->items[k].ci)};
		sort_model = &gpu->model;
		qsort(bl.items, bl.n, sizeof(bl.items[0]), flat_cmp_global);
		int r = bl_iterate(&bl, 0);
		if (r < 0)
			return;
		if (!bl.done) {
			/* All orderings failed: clear, stop (no later GPU). */
			bl_clear(&bl);
			printf("    baseline: GPU %zu: all %lu orderings failed\n", i, bl.attempts);
			return;
		}
	}
}

/* --- one scenario --------------------------------------------------------- */

static void print_row(const char *who, const struct stats *s)
{
	printf("    %-10s %9lu %8lu %7lu %10lu %9.1f %6u %5u/%u\n", who, s->destroyed, s->created,
	       s->failed, s->calls, s->seconds * 1e3, s->gpus_changed, s->gpus_ok, s->gpus);
}

static void print_header(void)
{
	printf("    %-10s %9s %8s %7s %10s %9s %6s %7s\n", "strategy", "destroyed", "created",
	       "failed", "nvml calls", "time ms", "gpus~", "target");
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

/* Put the checkpointed before layout back and check that every GPU has
 * the layout of `snap` again (`l`: scratch space). */
static int restore_before(struct bench *b, const struct scenario *sc,
			  const struct migctl_checkpoint *cp,
			  const struct migctl_layout *snap, struct migctl_layout *l)
{
	struct migctl_apply_report rep;
	struct migctl_error err = {0};
	struct migctl_gpu_plan *restore = calloc(b->node.n_gpus, sizeof(*restore));

	if (!restore || migctl_checkpoint_plans(&b->node, cp, restore, &err)) {
		fail("%s: checkpoint plans: %s", sc->name, err.msg);
		free(restore);
		return -1;
	}
	migctl_apply_report_init(&rep);
	int ra = apply_targets(b, restore, &rep, "restoring the before layout");
	migctl_apply_report_release(&rep);
	free(restore);
	if (ra || migctl_node_refresh(&b->node, &err))
		return -1;
	for (size_t i = 0; i < GPUS; i++) {
		migctl_layout_of_gpu(&b->node.gpus[i], l);
		if (!same_layout(l, &snap[i])) {
			fail("%s: GPU %zu: the restored before layout differs from the first", sc->name, i);
			return -1;
		}
	}
	return 0;
}

/* The scenario's GPU 0 change and the two rows with their ratios. */
static void print_scenario(struct bench *b, const struct scenario *sc, const struct stats *sm,
			   const struct stats *sb)
{
	char bef[200], aft[200];
	const struct migctl_gpu_model *m = &b->node.gpus[0].model;

	describe(m, &sc->before[0], bef, sizeof(bef));
	describe(m, &sc->after[0], aft, sizeof(aft));
	printf("  %s\n    GPU 0: %s -> %s\n", sc->name, bef, aft);
	print_header();
	print_row("migctl", sm);
	print_row("mig-parted", sb);
	printf("    %-10s %9.3f %8.3f %7s %10.3f %9.3f\n", "ratio", ratio((double)sm->destroyed, (double)sb->destroyed),
	       ratio((double)sm->created, (double)sb->created), "", ratio((double)sm->calls, (double)sb->calls),
	       ratio(sm->seconds, sb->seconds));
	if (sb->orderings > sb->gpus_changed)
		printf("    baseline tried %lu orderings on %u GPUs\n", sb->orderings, sb->gpus_changed);
}

static int run_scenario(struct bench *b, const struct scenario *sc, struct stats *tot_m,
			struct stats *tot_b)
{
	struct migctl_gpu_plan *plans = calloc(GPUS, sizeof(*plans));
	struct migctl_apply_report rep;
	struct migctl_checkpoint cp;
	struct migctl_error err = {0};
	struct migctl_layout *snap = calloc(GPUS, sizeof(*snap));
	struct migctl_layout *l = calloc(1, sizeof(*l));
	struct stats sm = {0}, sb = {0};
	int r = -1;

	migctl_apply_report_init(&rep);
	migctl_checkpoint_init(&cp);
	if (!plans || !snap || !l) {
		fail("out of memory");
		goto out;
	}

	/* Before: empty GPUs, then the before targets. */
	if (wipe(b))
		goto out;
	plans_of(sc->before, plans);
	if (sc->before_by_baseline) {
		struct stats ignored = {0};
		baseline_apply(b, sc->before, &ignored);
	} else if (apply_targets(b, plans, &rep, sc->name)) {
		goto out;
	}
	if (check_targets(b, sc->before, "setup", sc->name) != GPUS)
		goto out;
	if (migctl_checkpoint_capture(&b->node, &cp, &err)) {
		fail("%s: checkpoint: %s", sc->name, err.msg);
		goto out;
	}
	for (size_t i = 0; i < GPUS; i++)
		migctl_layout_of_gpu(&b->node.gpus[i], &snap[i]);

	/* (a) migctl. */
	plans_of(sc->after, plans);
	migctl_apply_report_release(&rep);
	migctl_apply_report_init(&rep);
	unsigned long c0 = migctl_node_nvml_calls(&b->node);
	double t0 = now();
	struct migctl_apply_options opts = {.journal_path = b->journal};
	enum migctl_err rc = migctl_apply(&b->node, plans, &opts, &rep, &err);
	sm.seconds = now() - t0;
	sm.calls = migctl_node_nvml_calls(&b->node) - c0;
	if (rc)
		fail("%s: migctl_apply: %s", sc->name, err.msg);
	sm.destroyed = rep.destroyed;
	sm.created = rep.created;
	sm.gpus = GPUS;
	for (size_t i = 0; i < rep.n_gpus; i++)
		sm.gpus_changed += rep.gpus[i].layout_change;
	sm.gpus_ok = check_targets(b, sc->after, "migctl", sc->name);

	/* Back to the same before layout, placements included. */
	if (restore_before(b, sc, &cp, snap, l))
		goto out;

	/* (b) baseline. */
	c0 = migctl_node_nvml_calls(&b->node);
	t0 = now();
	baseline_apply(b, sc->after, &sb);
	sb.seconds = now() - t0;
	sb.calls = migctl_node_nvml_calls(&b->node) - c0;
	sb.gpus = GPUS;
	sb.gpus_ok = check_targets(b, sc->after, "baseline", sc->name);

	print_scenario(b, sc, &sm, &sb);
	stats_add(tot_m, &sm);
	stats_add(tot_b, &sb);
	r = 0;
out:
	migctl_apply_report_release(&rep);
	migctl_checkpoint_release(&cp);
	free(plans);
	free(snap);
	free(l);
	return r;
}

/* --- the suite ------------------------------------------------------------ */

static int all_spec(const struct migctl_gpu_model *m, const char *spec,
		    struct migctl_gpu_target *t)
{
	for (size_t i = 0; i < GPUS; i++)
		if (target_of_spec(m, spec, &t[i]))
			return -1;
	return 0;
}

static int run_model(struct bench *b, const char *gpus, const char *label,
		     struct stats *tot_m, struct stats *tot_b)
{
	struct scenario *sc = calloc(1, sizeof(*sc));
	struct layouts *lay = calloc(1, sizeof(*lay));
	struct stats mm = {0}, mb = {0};
	int r = -1;

	if (!sc || !lay) {
		fail("out of memory");
		goto out;
	}
	if (open_machine(b, gpus))
		goto out;
	const struct migctl_gpu_model *m = &b->node.gpus[0].model;
	printf("\n%s: %d x %s, simulated\n", label, GPUS, b->node.gpus[0].name);

	static const struct {
		const char *name, *before, *after;
	} fixed[] = {
		{"1g+2g+3g -> balanced (one more 1g)", "1g.10gb:1,2g.20gb:1,3g.40gb:1",
		 "1g.10gb:2,2g.20gb:1,3g.40gb:1"},
		{"7 x 1g -> 3g + 4 x 1g", "1g.10gb:7", "3g.40gb:1,1g.10gb:4"},
		{"2 x 3g -> 3g + 2g + 2 x 1g (keeps one 3g)", "3g.40gb:2",
		 "3g.40gb:1,2g.20gb:1,1g.10gb:2"},
		{"balanced -> 3 x 2g", "1g.10gb:2,2g.20gb:1,3g.40gb:1", "2g.20gb:3"},
	};
	for (size_t k = 0; k < sizeof(fixed) / sizeof(fixed[0]); k++) {
		snprintf(sc->name, sizeof(sc->name), "%s, all %d GPUs", fixed[k].name, GPUS);
		if (all_spec(m, fixed[k].before, sc->before) || all_spec(m, fixed[k].after, sc->after) ||
		    run_scenario(b, sc, &mm, &mb))
			goto out;
	}

	/* The same first change, from a node mig-parted had configured. */
	snprintf(sc->name, sizeof(sc->name),
		 "1g+2g+3g set by mig-parted -> balanced, all %d GPUs", GPUS);
	sc->before_by_baseline = true;
	if (all_spec(m, fixed[0].before, sc->before) || all_spec(m, fixed[0].after, sc->after) ||
	    run_scenario(b, sc, &mm, &mb))
		goto out;
	sc->before_by_baseline = false;

	/* One GPU of eight changes. */
	snprintf(sc->name, sizeof(sc->name), "balanced; GPU 3 -> 7 x 1g, the other 7 unchanged");
	if (all_spec(m, "1g.10gb:2,2g.20gb:1,3g.40gb:1", sc->before) ||
	    all_spec(m, "1g.10gb:2,2g.20gb:1,3g.40gb:1", sc->after) ||
	    target_of_spec(m, "1g.10gb:7", &sc->after[3]) || run_scenario(b, sc, &mm, &mb))
		goto out;

	/* No-op. */
	snprintf(sc->name, sizeof(sc->name), "balanced -> balanced (no-op)");
	if (all_spec(m, "1g.10gb:2,2g.20gb:1,3g.40gb:1", sc->before) ||
	    all_spec(m, "1g.10gb:2,2g.20gb:1,3g.40gb:1", sc->after) || run_scenario(b, sc, &mm, &mb))
		goto out;

	/* Random non-extendable -> random non-extendable, a pair per GPU. */
	struct migctl_grid grid;
	migctl_grid_of_model(&grid, m);
	migctl_grid_enumerate(&grid, MIGCTL_ALL_PROFILES, MIGCTL_LAYOUTS_NON_EXTENDABLE,
			      collect_layout, lay);
	if (lay->n < 2 || lay->n == MAX_LAYOUTS) {
		fail("%s: %zu non-extendable layouts", label, lay->n);
		goto out;
	}
	for (unsigned round = 0; round < RANDOM_ROUNDS; round++) {
		snprintf(sc->name, sizeof(sc->name),
			 "random non-extendable pairs, round %u (of %zu layouts)", round + 1, lay->n);
		for (size_t i = 0; i < GPUS; i++) {
			size_t x = rng_below(lay->n), y;
			do
				y = rng_below(lay->n);
			while (same_multiset(lay->slots[x], lay->n_slots[x], lay->slots[y],
					     lay->n_slots[y]));
			if (target_of_slots(m, lay->slots[x], lay->n_slots[x], true, &sc->before[i]) ||
			    target_of_slots(m, lay->slots[y], lay->n_slots[y], false, &sc->after[i]))
				goto out;
		}
		if (run_scenario(b, sc, &mm, &mb))
			goto out;
	}

	printf("  %s, all scenarios\n", label);
	print_header();
	print_row("migctl", &mm);
	print_row("mig-parted", &mb);
	stats_add(tot_m, &mm);
	stats_add(tot_b, &mb);
	r = 0;
out:
	free(sc);
	free(lay);
	return r;
}

/* MIGSIM_LIB / MIGSIM_BIN, else the build tree next to this program
 * (build/bench/apply -> build/sim/libnvidia-ml.so.1, build/migsim). */
static int find_sim(struct bench *b, char *lib, char *bin, size_t len)
{
	const char *el = getenv("MIGSIM_LIB"), *eb = getenv("MIGSIM_BIN");
	char exe[PATH_MAX - 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (el && *el && eb && *eb) {
		b->lib = el;
		b->bin = eb;
		return 0;
	}
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	for (int up = 0; up < 2; up++) {
		char *slash = strrchr(exe, '/');
		if (!slash)
			return -1;
		*slash = '\0';
	}
	snprintf(lib, len, "%s/sim/libnvidia-ml.so.1", exe);
	snprintf(bin, len, "%s/migsim", exe);
	if (access(lib, R_OK) || access(bin, X_OK))
		return -1;
	b->lib = lib;
	b->bin = bin;
	return 0;
}

int main(void)
{
	static struct bench b;
	static char lib[PATH_MAX], bin[PATH_MAX];
	struct stats tm = {0}, tb = {0};
	char cmd[PATH_MAX + 64];
	double t0 = now();

	if (find_sim(&b, lib, bin, sizeof(lib))) {
		fprintf(stderr, "apply: set MIGSIM_LIB and MIGSIM_BIN (see bench/run.sh)\n");
		return 1;
	}
	/* tmpfs when there is one: the simulator fsyncs its state after every
	 * change, and on disk those syncs would be most of the time measured. */
	snprintf(b.dir, sizeof(b.dir), "%s/migctl-bench-apply-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(b.dir)) {
		perror("apply: mkdtemp");
		return 1;
	}
	snprintf(b.journal, sizeof(b.journal), "%s/migctl-journal.jsonl", b.dir);
	rng_state = SEED;
	migctl_catalog_init(&b.cat);
	{
		struct migctl_error err = {0};
		if (migctl_catalog_load_builtin(&b.cat, &err)) {
			fprintf(stderr, "apply: catalog: %s\n", err.msg);
			return 1;
		}
	}
	printf("apply: migctl_apply against mig-parted's re-flash strategy (baseline), "
	       "%d GPUs per node, simulated (state in %s)\n", GPUS, b.dir);
	printf("  destroyed/created: GIs + CIs; failed: creates the driver refused; "
	       "gpus~: GPUs whose layout changed;\n  target: GPUs satisfying the target afterwards; "
	       "baseline tries at most %d orderings per GPU\n", PERM_CAP);

	if (run_model(&b, "A100-SXM4-80GB:8", "A100-SXM4-80GB", &tm, &tb) == 0)
		run_model(&b, "H100-SXM5-80GB:8", "H100-SXM5-80GB", &tm, &tb);
	if (b.open)
		migctl_node_close(&b.node);
	migctl_catalog_release(&b.cat);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b.dir);
	if (system(cmd) != 0)
		fail("cannot remove %s", b.dir);

	printf("\nall scenarios, both models\n");
	print_header();
	print_row("migctl", &tm);
	print_row("mig-parted", &tb);
	printf("\n  destroyed:  migctl %lu, baseline %lu, ratio %.3f\n", tm.destroyed, tb.destroyed,
	       ratio((double)tm.destroyed, (double)tb.destroyed));
	printf("  created:    migctl %lu, baseline %lu, ratio %.3f\n", tm.created, tb.created,
	       ratio((double)tm.created, (double)tb.created));
	printf("  nvml calls: migctl %lu, baseline %lu, ratio %.3f\n", tm.calls, tb.calls,
	       ratio((double)tm.calls, (double)tb.calls));
	printf("  time:       migctl %.1f ms, baseline %.1f ms, ratio %.3f\n", tm.seconds * 1e3,
	       tb.seconds * 1e3, ratio(tm.seconds, tb.seconds));
	printf("  at target:  migctl %u/%u GPUs, baseline %u/%u GPUs\n", tm.gpus_ok, tm.gpus,
	       tb.gpus_ok, tb.gpus);
	printf("  bench wall time %.1f s\n", now() - t0);
	if (failures) {
		fprintf(stderr, "apply: %d error(s)\n", failures);
		return 1;
	}
	return 0;
}
