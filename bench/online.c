/* Benchmark: online placement of single creates (issue 6, "What it must
 * show", part c).
 *
 * A seeded arrival/departure trace (Poisson arrivals, exponential holding
 * times with mean 1, profiles drawn from the Alibaba-v2023 stand-in mix of
 * bench/planner.c, described in bench/README.md) is replayed on a fixed
 * fleet of 16 A100-SXM4-80GB at offered loads 0.7, 0.9 and 1.1 of the
 * fleet's compute slices, once per policy of migctl_online_place: migctl's
 * policy, the driver's rule (first GPU, migctl_grid_choose_placement) and
 * lowest-start first fit. A request that does not fit anywhere is rejected
 * (no queueing, no reconfiguration). Every policy sees the same traces.
 * A uniform 1g..7g mix is replayed as a second view.
 *
 * Reported per (mix, load, policy): acceptance rate, time-averaged stranded
 * capacity (bench/README.md, "online") and busy slices, with acceptance,
 * rejections and stranded capacity as ratios against first fit. A placement
 * that migctl_grid_can_place rejects, or a rejection while some GPU had a
 * free placement, is a loud error and a non-zero exit.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "migctl/catalog.h"
#include "migctl/error.h"
#include "migctl/geometry.h"
#include "migctl/online.h"

#include "bench_util.h"

#define MODEL_NAME "NVIDIA A100-SXM4-80GB"
#define FLEET 16
#define N_ARRIVALS 20000   /* per trace */
#define WARMUP 2000        /* arrivals before the statistics start */
#define REPS 5             /* traces per (mix, load) */
#define MAX_ACTIVE (FLEET * MIGCTL_MAX_UNITS)

enum { P1G, P2G, P3G, P4G, P7G, NPROF };
static const char *const prof_name[NPROF] = {
	"1g.10gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb",
};

#define N_LOADS 3
static const double loads[N_LOADS] = { 0.7, 0.9, 1.1 };

#define N_POL 3
static const enum migctl_online_policy policies[N_POL] = {
	MIGCTL_ONLINE_MIGCTL, MIGCTL_ONLINE_DRIVER, MIGCTL_ONLINE_FIRST_FIT,
};
#define FF 2 /* index of first fit in policies[] */

/* ------------------------------------------------------------------ */
/* Random numbers and the profile mixes                                 */
/* ------------------------------------------------------------------ */

/* Uniform in (0, 1]: safe for log(). */
static double rng_unit_open(uint64_t *s)
{
	return ((double)(rng_next(s) >> 11) + 1.0) * 0x1.0p-53;
}

static double rng_exp(uint64_t *s, double mean)
{
	return -mean * log(rng_unit_open(s));
}

/* The Alibaba cluster-trace-gpu-v2023 stand-in of bench/planner.c (a
 * gpu_milli distribution built from reference/planning.md §3; see
 * bench/README.md, "alibaba-mapped"), mapped to profiles the same way:
 * ceil(7 * gpu_milli / 1000) sevenths, 1..4 -> 1g..4g, 5..7 -> 7g. Here it
 * is reduced to exact profile weights (pods per profile, out of 3,078):
 * the same distribution as drawing gpu_milli and mapping it. */
struct milli_part {
	unsigned lo, hi;   /* gpu_milli range, inclusive */
	unsigned pods;
};
static const struct milli_part alibaba_milli[] = {
	{ 810, 810, 1078 }, { 470, 470, 750 }, { 320, 320, 328 },
	{ 650, 650, 253 },  { 230, 230, 140 }, { 460, 460, 128 },
	{ 1, 142, 32 },     { 143, 285, 140 }, { 286, 428, 61 },
	{ 429, 571, 93 },   { 572, 999, 75 },
};
#define N_MILLI_PARTS (sizeof(alibaba_milli) / sizeof(alibaba_milli[0]))

static int milli_to_profile(unsigned milli)
{
	switch ((milli * 7 + 999) / 1000) {
	case 1: return P1G;
	case 2: return P2G;
	case 3: return P3G;
	case 4: return P4G;
	default: return P7G;
	}
}

enum mix { M_ALIBABA, M_UNIFORM, N_MIX };
static const char *const mix_name[N_MIX] = { "alibaba-mapped", "uniform" };

/* Profile probabilities of each mix. */
static double mix_w[N_MIX][NPROF];

static void mixes_init(void)
{
	double total = 0;

	for (size_t i = 0; i < N_MILLI_PARTS; i++) {
		const struct milli_part *m = &alibaba_milli[i];
		double per = (double)m->pods / (double)(m->hi - m->lo + 1);
		for (unsigned v = m->lo; v <= m->hi; v++)
			mix_w[M_ALIBABA][milli_to_profile(v)] += per;
		total += m->pods;
	}
	for (int p = 0; p < NPROF; p++) {
		mix_w[M_ALIBABA][p] /= total;
		mix_w[M_UNIFORM][p] = 1.0 / NPROF;
	}
}

static int draw_profile(enum mix m, uint64_t *s)
{
	double r = (double)(rng_next(s) >> 11) * 0x1.0p-53;

	for (int p = 0; p < NPROF - 1; p++) {
		if (r < mix_w[m][p])
			return p;
		r -= mix_w[m][p];
	}
	return NPROF - 1;
}

/* ------------------------------------------------------------------ */
/* The fleet and the replay                                             */
/* ------------------------------------------------------------------ */

struct bench {
	struct migctl_catalog cat;
	const struct migctl_gpu_model *model;
	struct migctl_grid grid;
	size_t gidx[NPROF];
	unsigned slices[NPROF];
};

struct arrival {
	double t, hold;
	int prof;
};

struct gpu_state {
	struct migctl_slot slots[MIGCTL_MAX_UNITS];
	size_t n;
	unsigned used;          /* busy compute slices */
	bool fits[NPROF];       /* remaining capacity > 0 */
};

struct departure {
	double t;
	unsigned gpu, start;
};

struct heap {
	struct departure d[MAX_ACTIVE];
	size_t n;
};

static void heap_push(struct heap *h, struct departure x)
{
	size_t i = h->n++;

	while (i > 0 && h->d[(i - 1) / 2].t > x.t) {
		h->d[i] = h->d[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->d[i] = x;
}

static struct departure heap_pop(struct heap *h)
{
	struct departure top = h->d[0], last = h->d[--h->n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->d[c + 1].t < h->d[c].t)
			c++;
		if (h->d[c].t >= last.t)
			break;
		h->d[i] = h->d[c];
		i = c;
	}
	if (h->n)
		h->d[i] = last;
	return top;
}

struct result {
	unsigned long arrivals, accepted;
	double stranded;   /* ∫ stranded slices dt */
	double busy;       /* ∫ busy slices dt */
	double span;       /* measured time */
	double seconds;    /* wall time of the replays */
};

static void gpu_refresh(const struct bench *b, struct gpu_state *g)
{
	for (int p = 0; p < NPROF; p++)
		g->fits[p] = migctl_grid_remaining_capacity(&b->grid, g->slots,
							    g->n,
							    b->gidx[p]) > 0;
}

/* Stranded slices now: free slices on GPUs where a request drawn from the
 * mix would not fit, in expectation over the mix. */
static double stranded_now(const struct gpu_state *gpus, const double *w,
			   unsigned total_slices)
{
	double s = 0;

	for (size_t g = 0; g < FLEET; g++) {
		unsigned free_slices = total_slices - gpus[g].used;
		for (int p = 0; p < NPROF; p++)
			if (!gpus[g].fits[p])
				s += w[p] * free_slices;
	}
	return s;
}

static unsigned busy_now(const struct gpu_state *gpus)
{
	unsigned s = 0;

	for (size_t g = 0; g < FLEET; g++)
		s += gpus[g].used;
	return s;
}

static void gpu_remove(const struct bench *b, struct gpu_state *g,
		       unsigned start)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->slots[i].placement.start == start) {
			g->used -= b->grid.profiles[g->slots[i].profile].slices;
			g->slots[i] = g->slots[--g->n];
			gpu_refresh(b, g);
			return;
		}
	fail("departure of an instance at start %u that is not there", start);
}

static void replay(const struct bench *b, const struct arrival *tr,
		   size_t n, enum migctl_online_policy pol, const double *w,
		   struct result *res)
{
	static struct gpu_state gpus[FLEET];
	static struct heap heap;
	struct migctl_online_gpu view[FLEET];
	unsigned cs = b->grid.compute_slices;
	double t_prev = tr[WARMUP].t, t0 = now();
	double stranded = 0, busy = 0; /* current values */

	memset(gpus, 0, sizeof(gpus));
	heap.n = 0;
	for (size_t g = 0; g < FLEET; g++)
		gpu_refresh(b, &gpus[g]);
	stranded = stranded_now(gpus, w, cs);
	for (size_t i = 0; i < n; i++) {
		const struct arrival *a = &tr[i];
		struct migctl_online_choice ch;
		enum migctl_err rc;
		bool measure = i >= WARMUP;

		/* Departures up to this arrival, integrating between events. */
		while (heap.n && heap.d[0].t <= a->t) {
			struct departure d = heap_pop(&heap);
			if (d.t > t_prev && i > WARMUP) {
				res->stranded += stranded * (d.t - t_prev);
				res->busy += busy * (d.t - t_prev);
				t_prev = d.t;
			}
			gpu_remove(b, &gpus[d.gpu], d.start);
			stranded = stranded_now(gpus, w, cs);
			busy = busy_now(gpus);
		}
		if (measure) {
			res->stranded += stranded * (a->t - t_prev);
			res->busy += busy * (a->t - t_prev);
			t_prev = a->t;
			res->arrivals++;
		}
		for (size_t g = 0; g < FLEET; g++) {
			view[g].grid = &b->grid;
			view[g].slots = gpus[g].slots;
			view[g].n_slots = gpus[g].n;
			view[g].profile = b->gidx[a->prof];
		}
		rc = migctl_online_place(view, FLEET, pol, &ch);
		if (rc == MIGCTL_ERR_OK) {
			struct gpu_state *g;
			if (ch.gpu >= FLEET ||
			    !migctl_grid_can_place(&b->grid, gpus[ch.gpu].slots,
						   gpus[ch.gpu].n,
						   b->gidx[a->prof],
						   ch.placement)) {
				fail("%s placed %s at GPU %zu start %u, which the "
				     "geometry rejects",
				     migctl_online_policy_name(pol),
				     prof_name[a->prof], ch.gpu,
				     ch.placement.start);
				return;
			}
			g = &gpus[ch.gpu];
			g->slots[g->n].profile = b->gidx[a->prof];
			g->slots[g->n].placement = ch.placement;
			g->n++;
			g->used += b->slices[a->prof];
			gpu_refresh(b, g);
			heap_push(&heap, (struct departure){ a->t + a->hold,
				  (unsigned)ch.gpu, ch.placement.start });
			stranded = stranded_now(gpus, w, cs);
			busy = busy_now(gpus);
			res->accepted += measure;
		} else if (rc == MIGCTL_ERR_INSUFFICIENT_RESOURCES) {
			for (size_t g = 0; g < FLEET; g++)
				if (gpus[g].fits[a->prof]) {
					fail("%s rejected %s while GPU %zu had room",
					     migctl_online_policy_name(pol),
					     prof_name[a->prof], g);
					return;
				}
		} else {
			fail("migctl_online_place: %s", migctl_err_name(rc));
			return;
		}
	}
	res->span += tr[n - 1].t - tr[WARMUP].t;
	res->seconds += now() - t0;
}

static int bench_init(struct bench *b)
{
	struct migctl_error err = { 0 };

	memset(b, 0, sizeof(*b));
	migctl_catalog_init(&b->cat);
	if (migctl_catalog_load_builtin(&b->cat, &err) != MIGCTL_ERR_OK) {
		fail("catalog: %s", err.msg);
		return -1;
	}
	b->model = migctl_catalog_find_model(&b->cat, MODEL_NAME, &err);
	if (!b->model) {
		fail("model: %s", err.msg);
		return -1;
	}
	migctl_grid_of_model(&b->grid, b->model);
	for (int p = 0; p < NPROF; p++) {
		const struct migctl_gi_profile *gi =
			migctl_model_find_gi_profile(b->model, prof_name[p], &err);
		int gx;

		if (!gi || (gx = migctl_grid_profile_index(&b->grid, gi->id)) < 0) {
			fail("profile %s: %s", prof_name[p], err.msg);
			return -1;
		}
		b->gidx[p] = (size_t)gx;
		b->slices[p] = b->grid.profiles[gx].slices;
	}
	return 0;
}

static uint64_t trace_seed(int mix, int load, int rep)
{
	uint64_t s = 0x6f6e6c696e65ull ^ ((uint64_t)mix << 40) ^
		     ((uint64_t)load << 20) ^ (uint64_t)rep;
	(void)rng_next(&s);
	return s;
}

int main(void)
{
	struct bench b;
	struct arrival *tr = malloc(N_ARRIVALS * sizeof(*tr));
	double t_start = now(), secs[N_POL] = { 0 };
	unsigned wins = 0, cells = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	mixes_init();
	printf("== online placement benchmark (issue 6, part c) ==\n\n");
	if (!tr || bench_init(&b) < 0) {
		free(tr);
		if (!tr)
			fail("out of memory");
		fprintf(stderr, "\n*** online benchmark FAILED ***\n");
		return 1;
	}
	unsigned cap = FLEET * b.grid.compute_slices;
	printf("(c) online replay: %d x %s (%u compute slices), no queueing,"
	       " no reconfiguration.\n"
	       "    %d traces of %d arrivals per row (first %d not counted):"
	       " Poisson arrivals, exponential holding (mean 1),\n"
	       "    rate set so that offered slices = load x capacity."
	       " accept = accepted / arrivals; xff = ratio to first fit.\n"
	       "    stranded = time-averaged free slices on GPUs where a"
	       " request drawn from the mix does not fit,\n"
	       "    %% of capacity; busy = time-averaged busy slices,"
	       " %% of capacity (bench/README.md, \"online\").\n\n",
	       FLEET, b.model->name, cap, REPS, N_ARRIVALS, WARMUP);
	printf("%-14s %4s  %-9s | %7s %7s %7s | %8s %7s | %6s\n", "mix", "load",
	       "policy", "accept", "xff", "rej xff", "stranded", "xff", "busy");
	for (int m = 0; m < N_MIX; m++) {
		double mean_slices = 0;

		for (int p = 0; p < NPROF; p++)
			mean_slices += mix_w[m][p] * b.slices[p];
		for (int l = 0; l < N_LOADS; l++) {
			struct result r[N_POL];
			double rate = loads[l] * cap / mean_slices;

			memset(r, 0, sizeof(r));
			for (int rep = 0; rep < REPS; rep++) {
				uint64_t s = trace_seed(m, l, rep);
				double t = 0;
				for (size_t i = 0; i < N_ARRIVALS; i++) {
					t += rng_exp(&s, 1.0 / rate);
					tr[i].t = t;
					tr[i].hold = rng_exp(&s, 1.0);
					tr[i].prof = draw_profile((enum mix)m, &s);
				}
				for (int k = 0; k < N_POL; k++)
					replay(&b, tr, N_ARRIVALS, policies[k],
					       mix_w[m], &r[k]);
			}
			if (failures)
				goto out;
			const struct result *f = &r[FF];
			double acc_ff = (double)f->accepted / f->arrivals;
			double rej_ff = 1 - acc_ff;
			double str_ff = f->stranded / f->span;
			for (int k = 0; k < N_POL; k++) {
				double acc = (double)r[k].accepted / r[k].arrivals;
				double str = r[k].stranded / r[k].span;
				printf("%-14s %4.1f  %-9s | %6.2f%% %7.3f %7.3f |"
				       " %7.2f%% %7.3f | %5.1f%%\n",
				       k ? "" : mix_name[m], loads[l],
				       migctl_online_policy_name(policies[k]),
				       100 * acc, acc / acc_ff,
				       rej_ff > 0 ? (1 - acc) / rej_ff : 1.0,
				       100 * str / cap,
				       str_ff > 0 ? str / str_ff : 1.0,
				       100 * r[k].busy / r[k].span / cap);
				secs[k] += r[k].seconds;
			}
			cells++;
			wins += r[0].accepted >= r[1].accepted &&
				r[0].accepted >= r[2].accepted;
		}
	}
	printf("\n    goal: migctl's acceptance at or above both baselines:"
	       " %u/%u rows (%s)\n", wins, cells,
	       wins == cells ? "met" : "not met");
	printf("    time: migctl %.2f s, driver %.2f s, first fit %.2f s"
	       " (%.1f us/request for migctl); whole run %.1f s\n\n",
	       secs[0], secs[1], secs[2],
	       secs[0] * 1e6 / (N_MIX * N_LOADS * REPS * N_ARRIVALS),
	       now() - t_start);
out:
	free(tr);
	migctl_catalog_release(&b.cat);
	if (failures) {
		fprintf(stderr, "\n*** online benchmark FAILED: %d error(s) ***\n",
			failures);
		return 1;
	}
	return 0;
}
