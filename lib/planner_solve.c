/* migctl — the planner's integer programs (see the method at the top of
 * lib/planner.c): the covering program for the fewest GPUs with its
 * certified lower bound, the choice of the placeable demand when not
 * everything fits, and the exact free-capacity stage. They run on the
 * generic solver of lib/lp.c.
 */
#include "planner_impl.h"

/* The exact bound arithmetic. With rows of at most MIGCTL_PLAN_MAX_COUNT
 * instances, at most MIGCTL_PLAN_MAX_GPUS GPUs, at most 32 instances per
 * GPU and duals Y ≤ 64·2^20, every term stays below 2^55. */
typedef long long wide;

/* --- the covering program (fewest GPUs) ------------------------------- */

/* Exact ⌈LB(y)⌉ (see the top of lib/planner.c) for y ≈ Y/D. */
static long long certified_bound(const struct planner *pl, const double *y)
{
	static const long long dens[] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 15, 16, 20, 21, 24, 28,
		30, 35, 42, 60, 84, 105, 210, 420, 840, 2520, 27720, 360360,
		720720, 1048576,
	};
	long long best = 0;

	for (size_t di = 0; di < sizeof(dens) / sizeof(dens[0]); di++) {
		long long D = dens[di], Y[MAXR];
		wide num = 0;
		for (size_t i = 0; i < pl->n_rows; i++) {
			double v = y[i] * (double)D + 0.5;
			if (v < 0)
				v = 0;
			if (v > 64.0 * (double)D)
				v = 64.0 * (double)D;
			Y[i] = (long long)v;
			num += (wide)pl->dem[i] * Y[i];
		}
		for (size_t k = 0; k < pl->n_classes; k++) {
			const struct plan_class *cl = &pl->classes[k];
			wide uk = 0;
			for (size_t c = 0; c < cl->n_cols; c++) {
				const uint8_t *v = pl->col_cfg[cl->col0 + c];
				wide s = -(wide)cl->cost * D;
				for (size_t i = 0; i < pl->n_rows; i++)
					s += (wide)v[i] * Y[i];
				if (s > uk)
					uk = s;
			}
			num -= (wide)cl->n_gpus * uk;
		}
		if (num <= 0)
			continue;
		wide lb = (num + D - 1) / D;
		if (lb > best)
			best = (long long)lb;
	}
	return best;
}

struct cover_state {
	struct planner *pl;
	long long certified;
	double lp;
	bool root_feasible;
};

static void cover_root(void *ctx, struct bb *b, int status, double obj)
{
	struct cover_state *cs = ctx;
	struct planner *pl = cs->pl;

	cs->root_feasible = status == LP_OPTIMAL;
	if (status != LP_OPTIMAL)
		return;
	cs->lp = obj;
	cs->certified = certified_bound(pl, b->lp->y);
	b->target = (double)cs->certified;
	b->has_target = true;
	if (b->have_best && b->best_val <= b->target + 0.5)
		b->stop = true;
}

/* Round the LP solution down and cover the rest greedily: cheapest
 * column first, then the one covering most (weighted) residual demand. */
static bool cover_heuristic(void *ctx, const struct ilp *p, const double *x_lp,
			    double *x)
{
	struct cover_state *cs = ctx;
	const struct planner *pl = cs->pl;
	double r[MAXR];
	size_t nr = pl->n_rows;
	unsigned long used[1024];
	bool ok = false;

	if (pl->n_classes > 1024)
		return false;
	memset(used, 0, pl->n_classes * sizeof(used[0]));
	for (size_t i = 0; i < nr; i++)
		r[i] = pl->dem[i];
	for (size_t j = 0; j < p->nc; j++) {
		x[j] = dfloor(x_lp[j] + 1e-9);
		if (x[j] < p->lo[j])
			x[j] = p->lo[j];
		used[pl->col_class[j]] += (unsigned long)x[j];
		for (size_t i = 0; i < nr; i++)
			r[i] -= pl->col_cfg[j][i] * x[j];
	}
	for (unsigned long guard = 0; guard < 100000; guard++) {
		size_t best = NONE;
		double best_cov = 0;
		bool done = true;
		for (size_t i = 0; i < nr; i++)
			done = done && r[i] <= 0;
		if (done) {
			ok = true;
			break;
		}
		for (size_t j = 0; j < p->nc; j++) {
			size_t k = pl->col_class[j];
			double cov = 0;
			if (x[j] >= p->hi[j] || used[k] >= pl->classes[k].n_gpus)
				continue;
			for (size_t i = 0; i < nr; i++)
				if (r[i] > 0)
					cov += pl->wt[i] *
					       (pl->col_cfg[j][i] < r[i] ? pl->col_cfg[j][i] : r[i]);
			if (cov <= 0)
				continue;
			if (best == NONE ||
			    pl->classes[k].cost < pl->classes[pl->col_class[best]].cost ||
			    (pl->classes[k].cost == pl->classes[pl->col_class[best]].cost &&
			     cov > best_cov + 1e-12)) {
				best = j;
				best_cov = cov;
			}
		}
		if (best == NONE)
			break;
		/* Take it as often as every covered row still needs it. */
		double times = LP_INF;
		for (size_t i = 0; i < nr; i++)
			if (r[i] > 0 && pl->col_cfg[best][i] > 0) {
				double t = dfloor(r[i] / pl->col_cfg[best][i]);
				if (t < times)
					times = t;
			}
		size_t k = pl->col_class[best];
		double room = (double)(pl->classes[k].n_gpus - used[k]);
		if (times < 1)
			times = 1;
		if (times > room)
			times = room;
		if (times > p->hi[best] - x[best])
			times = p->hi[best] - x[best];
		x[best] += times;
		used[k] += (unsigned long)times;
		for (size_t i = 0; i < nr; i++)
			r[i] -= pl->col_cfg[best][i] * times;
	}
	return ok;
}


/* Nodes for a stage that only breaks ties (the order among equally
 * good placed demands, the free capacity): a proof there can need an
 * exhaustive tree, and it is not worth the budget of the main objectives. */
#define TIEBREAK_NODES 5000ul

static void bb_setup(struct planner *pl, struct bb *b, struct ilp *p,
		     struct lp_work *w, unsigned long cap)
{
	unsigned long left = pl->node_limit > pl->stats.nodes
				     ? pl->node_limit - pl->stats.nodes : 0;

	b->p = p;
	b->lp = w;
	b->best_val = 0;
	b->have_best = false;
	b->has_target = false;
	b->stop = false;
	b->aborted = false;
	b->nodes = 0;
	b->capped = cap && cap < left;
	b->node_limit = b->capped ? cap : left;
	b->deadline = pl->deadline;
	if (cap) {
		/* All tie-break stages together get a tenth of the budget. */
		if (!pl->tiebreak_started) {
			pl->tiebreak_started = true;
			migctl_deadline_in(&pl->tiebreak_deadline, pl->budget_ms / 10 + 1);
		}
		const struct timespec *d = &pl->tiebreak_deadline;
		if (d->tv_sec < b->deadline.tv_sec ||
		    (d->tv_sec == b->deadline.tv_sec && d->tv_nsec < b->deadline.tv_nsec))
			b->deadline = *d;
	}
	memcpy(b->glo, p->lo, p->nc * sizeof(double));
	memcpy(b->ghi, p->hi, p->nc * sizeof(double));
}

static void bb_finish(struct planner *pl, struct bb *b)
{
	pl->stats.nodes += b->nodes;
	if (b->aborted && b->stop &&
	    (pl->stats.nodes >= pl->node_limit || migctl_deadline_past(&pl->deadline)))
		pl->stats.budget_exhausted = true;
}

/* Fewest GPUs covering pl->dem. `start` (n_cols counts) is a known
 * solution or NULL; `x` gets the best counts. */
enum migctl_err migctl_planner_solve_cover(struct planner *pl, const double *start,
					   double *x, struct solve_out *res)
{
	enum migctl_err rc = MIGCTL_ERR_OK;
	struct ilp p = {0};
	struct lp_work w = {0};
	struct bb b = {0};
	struct cover_state cs = {.pl = pl};
	size_t nr = pl->n_rows, nc = pl->n_cols, K = pl->n_classes;

	memset(res, 0, sizeof(*res));
	if (!migctl_lp_alloc_all(&p, &w, &b, nr + K, nc)) {
		rc = nomem(pl);
		goto out;
	}
	p.nr = nr + K;
	for (size_t i = 0; i < nr; i++) {
		p.sense[i] = LP_ROW_GE;
		p.rhs[i] = pl->dem[i];
		for (size_t j = 0; j < nc; j++)
			p.a[i * nc + j] = pl->col_cfg[j][i];
	}
	for (size_t k = 0; k < K; k++) {
		p.sense[nr + k] = LP_ROW_LE;
		p.rhs[nr + k] = (double)pl->classes[k].n_gpus;
	}
	for (size_t j = 0; j < nc; j++) {
		size_t k = pl->col_class[j];
		p.a[(nr + k) * nc + j] = 1;
		p.cost[j] = pl->classes[k].cost;
		p.lo[j] = 0;
		p.hi[j] = (double)pl->classes[k].n_gpus;
	}
	for (size_t i = 0; i < nr; i++)
		pl->wt[i] = pl->rows[i].weight;
	bb_setup(pl, &b, &p, &w, 0);
	b.heur = cover_heuristic;
	b.on_root = cover_root;
	b.ctx = &cs;
	if (start && migctl_ilp_feasible(&p, b.glo, b.ghi, start))
		migctl_bb_offer(&b, start);
	migctl_bb_run(&b);
	bb_finish(pl, &b);
	pl->stats.lp_solves += w.solves;

	res->lp = cs.lp;
	if (!cs.root_feasible && b.root_status == LP_INFEASIBLE) {
		res->infeasible = true;
		goto out;
	}
	if (!b.have_best) {
		res->infeasible = !b.aborted;
		goto out;
	}
	res->found = true;
	res->value = b.best_val;
	res->bound = cs.certified;
	if (b.best_val <= (double)cs.certified + 0.5) {
		res->proven = true;
	} else if (!b.aborted) {
		res->proven = true;
		res->bound = (long long)(b.best_val + 0.5);
	}
	memcpy(x, b.best, nc * sizeof(double));
out:
	migctl_lp_release_all(&p, &w, &b);
	return rc;
}

/* --- demand that does not fit ----------------------------------------- */

static void place_root(void *ctx, struct bb *b, int status, double obj)
{
	(void)ctx;
	if (status != LP_OPTIMAL)
		return;
	b->target = ceil_tol(obj);
	b->has_target = true;
	if (b->have_best && b->best_val <= b->target + 0.5)
		b->stop = true;
}

/* Round the counts down and place what they cover. */
static bool place_heuristic(void *ctx, const struct ilp *p, const double *x_lp,
			    double *x)
{
	const struct planner *pl = ctx;
	size_t N = pl->n_cols, nr = pl->n_rows;

	for (size_t j = 0; j < N; j++) {
		x[j] = dfloor(x_lp[j] + 1e-9);
		if (x[j] < p->lo[j])
			x[j] = p->lo[j];
	}
	for (size_t i = 0; i < nr; i++) {
		double cov = 0;
		for (size_t j = 0; j < N; j++)
			cov += pl->col_cfg[j][i] * x[j];
		x[N + i] = cov < p->hi[N + i] ? cov : p->hi[N + i];
		if (x[N + i] < p->lo[N + i])
			return false;
	}
	return true;
}

/* The rows and bounds of the placeable-demand program over the counts
 * (n_cols columns) and the placed demand y (n_rows columns after them):
 * every row covers y_i, every class holds its GPUs, 0 <= y <= d. The
 * costs are set per stage. */
static void placeable_program(const struct planner *pl, struct ilp *p)
{
	size_t nr = pl->n_rows, N = pl->n_cols, K = pl->n_classes, nc = N + nr;

	p->nr = nr + K;
	for (size_t i = 0; i < nr; i++) {
		p->sense[i] = LP_ROW_GE;
		p->rhs[i] = 0;
		for (size_t j = 0; j < N; j++)
			p->a[i * nc + j] = pl->col_cfg[j][i];
		p->a[i * nc + N + i] = -1;
		p->lo[N + i] = 0;
		p->hi[N + i] = pl->dem[i];
	}
	for (size_t k = 0; k < K; k++) {
		p->sense[nr + k] = LP_ROW_LE;
		p->rhs[nr + k] = (double)pl->classes[k].n_gpus;
	}
	for (size_t j = 0; j < N; j++) {
		size_t k = pl->col_class[j];
		p->a[(nr + k) * nc + j] = 1;
		p->lo[j] = 0;
		p->hi[j] = (double)pl->classes[k].n_gpus;
	}
}

/* Choose the placed demand (see the top of lib/planner.c). Writes it to
 * pl->dem and a plan placing it to x (n_cols counts). */
enum migctl_err migctl_planner_solve_placeable(struct planner *pl, double *x,
					       bool *proven)
{
	enum migctl_err rc = MIGCTL_ERR_OK;
	struct ilp p = {0};
	struct lp_work w = {0};
	struct bb b = {0};
	size_t nr = pl->n_rows, N = pl->n_cols, K = pl->n_classes;
	size_t nc = N + nr;
	double *inc = NULL;

	*proven = true;
	if (!migctl_lp_alloc_all(&p, &w, &b, nr + K + 2, nc) ||
	    !(inc = calloc(nc, sizeof(double)))) {
		rc = nomem(pl);
		goto out;
	}
	placeable_program(pl, &p);
	/* Stages: 0 slices, 1 instances, 2 + i row i. */
	for (size_t stage = 0; stage < 2 + nr; stage++) {
		double val;
		if (stage >= 2) {
			size_t i = stage - 2;
			if (inc[N + i] >= p.hi[N + i] - 0.5) {
				p.lo[N + i] = p.hi[N + i];
				continue;
			}
		}
		for (size_t i = 0; i < nr; i++)
			p.cost[N + i] = stage == 0 ? -(double)pl->rows[i].weight
				      : stage == 1 ? -1.0
				      : (i == stage - 2 ? -1.0 : 0.0);
		bb_setup(pl, &b, &p, &w, stage == 0 ? 0 : TIEBREAK_NODES);
		b.on_root = place_root;
		b.heur = place_heuristic;
		b.ctx = pl;
		migctl_bb_offer(&b, inc);
		migctl_bb_run(&b);
		bb_finish(pl, &b);
		if (!b.have_best) {
			rc = migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
					 "planner: lost the placeable demand");
			goto out;
		}
		if (!(b.best_val <= b.target + 0.5 && b.has_target) && b.aborted) {
			if (stage == 0)
				*proven = false;
			else
				pl->stats.tiebreaks_proven = false;
		}
		memcpy(inc, b.best, nc * sizeof(double));
		val = -b.best_val;
		if (stage == 0) {
			double all = 0;
			for (size_t i = 0; i < nr; i++)
				all += pl->rows[i].weight * pl->dem[i];
			if (val >= all - 0.5)
				break;  /* everything fits after all */
		}
		if (stage < 2) {
			/* Keep this level's optimum while improving the next. */
			size_t r = p.nr++;
			p.sense[r] = LP_ROW_GE;
			p.rhs[r] = val;
			for (size_t j = 0; j < nc; j++)
				p.a[r * nc + j] = 0;
			for (size_t i = 0; i < nr; i++)
				p.a[r * nc + N + i] = stage == 0 ? pl->rows[i].weight : 1;
		} else {
			size_t i = stage - 2;
			p.lo[N + i] = p.hi[N + i] = inc[N + i];
		}
	}
	pl->stats.lp_solves += w.solves;
	for (size_t i = 0; i < nr; i++)
		pl->dem[i] = dfloor(inc[N + i] + 0.5);
	memcpy(x, inc, N * sizeof(double));
out:
	free(inc);
	migctl_lp_release_all(&p, &w, &b);
	return rc;
}

#define MAX_FREE_TABLEAU 250000u

struct free_class {
	size_t rep;             /* group with the configurations */
	size_t n_gpus;
	size_t col0;
	uint64_t hash;
};

/* The free-capacity stage's view of the groups: classes of
 * interchangeable groups (same configurations with the same free
 * capacity), one column per configuration of each class. */
struct free_stage {
	struct free_class *fc;
	size_t nf, nc;
	size_t *fc_of;          /* group -> free class */
	int *score;             /* per group config: free capacity */
	size_t *score0;         /* per group: its first entry in score */
};

static void free_stage_release(struct free_stage *fs)
{
	free(fs->fc);
	free(fs->fc_of);
	free(fs->score);
	free(fs->score0);
}

/* The free capacity of every configuration of group `g` (in fs->score
 * from index `k`), and a hash of configurations and scores. */
static enum migctl_err score_group(struct planner *pl, struct free_stage *fs, size_t g,
				   size_t k, uint64_t *hash)
{
	struct group *gr = &pl->groups[g];
	struct model_info *mi = &pl->models[gr->model];
	uint64_t h = 1469598103934665603ull ^ (gr->n_pins ? 7 : 3);
	bool oom = false;

	fs->score0[g] = k;
	for (size_t c = 0; c < gr->n_all; c++, k++) {
		size_t li = migctl_planner_place_config(pl, gr, gr->all + c * MAXR, &oom);
		if (oom)
			return nomem(pl);
		if (li == NONE)
			return migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
					   "planner: a configuration has no placement");
		fs->score[k] = migctl_planner_layout_free(mi, li);
		for (size_t i = 0; i < MAXR; i++)
			h = (h ^ gr->all[c * MAXR + i]) * 1099511628211ull;
		h = (h ^ (uint64_t)fs->score[k]) * 1099511628211ull;
	}
	*hash = h;
	return MIGCTL_ERR_OK;
}

/* Free capacity of every configuration of every group, and the classes
 * of interchangeable groups. */
static enum migctl_err free_classes(struct planner *pl, struct free_stage *fs)
{
	size_t G = pl->n_groups, n_all = 0;
	enum migctl_err rc;

	for (size_t g = 0; g < G; g++)
		n_all += pl->groups[g].n_all;
	fs->fc = calloc(G, sizeof(*fs->fc));
	fs->fc_of = calloc(G, sizeof(size_t));
	fs->score0 = calloc(G + 1, sizeof(size_t));
	fs->score = calloc(n_all + 1, sizeof(int));
	if (!fs->fc || !fs->fc_of || !fs->score0 || !fs->score)
		return nomem(pl);
	for (size_t g = 0, k = 0; g < G; g++) {
		const struct group *gr = &pl->groups[g];
		struct free_class *fc = fs->fc;
		uint64_t h = 0;
		if ((rc = score_group(pl, fs, g, k, &h)))
			return rc;
		k += gr->n_all;
		size_t f;
		for (f = 0; f < fs->nf; f++) {
			const struct group *r = &pl->groups[fc[f].rep];
			if (fc[f].hash == h && (r->n_pins > 0) == (gr->n_pins > 0) &&
			    r->n_all == gr->n_all &&
			    !memcmp(r->all, gr->all, gr->n_all * MAXR) &&
			    !memcmp(fs->score + fs->score0[fc[f].rep], fs->score + fs->score0[g],
				    gr->n_all * sizeof(int)))
				break;
		}
		if (f == fs->nf) {
			fc[f].rep = g;
			fc[f].hash = h;
			fc[f].col0 = fs->nc;
			fs->nc += gr->n_all;
			fs->nf++;
		}
		fc[f].n_gpus += gr->n_gpus;
		fs->fc_of[g] = f;
	}
	return MIGCTL_ERR_OK;
}

/* The rows of the free-capacity program (see the top of lib/planner.c):
 * each class holds its GPUs, each row is covered, and no more unpinned
 * GPUs are used than the plan uses now. */
static void free_program(const struct planner *pl, const struct free_stage *fs, struct ilp *p)
{
	size_t nr = pl->n_rows, nf = fs->nf, nc = fs->nc;
	double used = 0;

	p->nr = nf + nr + 1;
	for (size_t t = 0; t < pl->n_types; t++)
		if (!pl->groups[pl->types[t].group].n_pins && !zero_vec(pl->types[t].v))
			used += (double)pl->types[t].count;
	for (size_t f = 0; f < nf; f++) {
		const struct group *gr = &pl->groups[fs->fc[f].rep];
		p->sense[f] = LP_ROW_EQ;
		p->rhs[f] = (double)fs->fc[f].n_gpus;
		for (size_t c = 0; c < gr->n_all; c++) {
			const uint8_t *v = gr->all + c * MAXR;
			size_t j = fs->fc[f].col0 + c;
			p->a[f * nc + j] = 1;
			for (size_t i = 0; i < nr; i++)
				p->a[(nf + i) * nc + j] = v[i];
			if (!gr->n_pins && !zero_vec(v))
				p->a[(nf + nr) * nc + j] = 1;
			p->cost[j] = -(double)fs->score[fs->score0[fs->fc[f].rep] + c];
			p->lo[j] = 0;
			p->hi[j] = (double)fs->fc[f].n_gpus;
		}
	}
	for (size_t i = 0; i < nr; i++) {
		p->sense[nf + i] = LP_ROW_GE;
		p->rhs[nf + i] = pl->dem[i];
	}
	p->sense[nf + nr] = LP_ROW_LE;
	p->rhs[nf + nr] = used;
}

/* The current types as counts of the program's columns. */
static enum migctl_err free_incumbent(struct planner *pl, const struct free_stage *fs,
				      double *x0)
{
	for (size_t t = 0; t < pl->n_types; t++) {
		const struct gtype *ty = &pl->types[t];
		const struct group *gr = &pl->groups[ty->group];
		size_t c;
		for (c = 0; c < gr->n_all; c++)
			if (!memcmp(gr->all + c * MAXR, ty->v, MAXR))
				break;
		if (c == gr->n_all)
			return migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
					   "planner: a planned configuration is not feasible");
		x0[fs->fc[fs->fc_of[ty->group]].col0 + c] += (double)ty->count;
	}
	return MIGCTL_ERR_OK;
}

/* Hand each class's configurations (counts `best`) to its groups in
 * order, as the plan's new types. */
static enum migctl_err free_hand_out(struct planner *pl, const struct free_stage *fs,
				     const double *best)
{
	size_t G = pl->n_groups;

	pl->n_types = 0;
	for (size_t f = 0; f < fs->nf; f++) {
		const struct group *rep = &pl->groups[fs->fc[f].rep];
		size_t g = fs->fc[f].rep, room = pl->groups[g].n_gpus;
		for (size_t c = 0; c < rep->n_all; c++) {
			size_t cnt = (size_t)(best[fs->fc[f].col0 + c] + 0.5);
			while (cnt > 0) {
				while (room == 0) {
					do
						g++;
					while (g < G && fs->fc_of[g] != f);
					if (g >= G)
						return migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
								   "planner: free-capacity class over capacity");
					room = pl->groups[g].n_gpus;
				}
				size_t take = cnt < room ? cnt : room;
				if (!migctl_planner_add_type(pl, g, rep->all + c * MAXR, take))
					return nomem(pl);
				cnt -= take;
				room -= take;
			}
		}
	}
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_planner_solve_free(struct planner *pl, bool *proven)
{
	enum migctl_err rc = MIGCTL_ERR_OK;
	struct ilp p = {0};
	struct lp_work w = {0};
	struct bb b = {0};
	struct free_stage fs = {0};
	size_t rows;
	double *x0 = NULL;

	*proven = false;
	if (migctl_deadline_past(&pl->deadline))
		goto out;
	if ((rc = free_classes(pl, &fs)))
		goto out;
	rows = fs.nf + pl->n_rows + 1;
	if ((double)rows * (double)(fs.nc + 2 * rows) > MAX_FREE_TABLEAU)
		goto out;
	x0 = calloc(fs.nc + 1, sizeof(double));
	if (!x0 || !migctl_lp_alloc_all(&p, &w, &b, rows, fs.nc)) {
		rc = nomem(pl);
		goto out;
	}
	free_program(pl, &fs, &p);
	if ((rc = free_incumbent(pl, &fs, x0)))
		goto out;
	bb_setup(pl, &b, &p, &w, TIEBREAK_NODES);
	b.on_root = place_root;
	migctl_bb_offer(&b, x0);
	if (!b.have_best) {
		rc = migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
				 "planner: the plan fails its own free-capacity program");
		goto out;
	}
	migctl_bb_run(&b);
	bb_finish(pl, &b);
	pl->stats.lp_solves += w.solves;
	*proven = (b.has_target && b.best_val <= b.target + 0.5) || !b.aborted;
	rc = free_hand_out(pl, &fs, b.best);
out:
	free_stage_release(&fs);
	free(x0);
	migctl_lp_release_all(&p, &w, &b);
	return rc;
}
