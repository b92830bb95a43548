/* migctl — the integer-program solver of lib/lp.h: a dense
 * bounded-variable primal simplex and a depth-first branch and bound.
 * Moved out of the planner, which is its only user so far.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lp.h"

#define NONE SIZE_MAX

/* Numerical tolerances of the simplex. Coefficients are small integers
 * (instances per GPU), right-hand sides at most 10^7. */
#define EPS_PIVOT 1e-9
#define EPS_COST 1e-9
#define EPS_INT LP_EPS_INT
#define EPS_FEAS 1e-6

#define BB_MAX_DEPTH 4000u

void migctl_ilp_free(struct ilp *p)
{
	free(p->a);
	free(p->sense);
	free(p->rhs);
	free(p->cost);
	free(p->lo);
	free(p->hi);
	memset(p, 0, sizeof(*p));
}

bool migctl_ilp_alloc(struct ilp *p, size_t rows, size_t cols)
{
	memset(p, 0, sizeof(*p));
	p->row_cap = rows;
	p->nc = cols;
	p->a = calloc(rows * cols + 1, sizeof(double));
	p->sense = calloc(rows + 1, sizeof(int));
	p->rhs = calloc(rows + 1, sizeof(double));
	p->cost = calloc(cols + 1, sizeof(double));
	p->lo = calloc(cols + 1, sizeof(double));
	p->hi = calloc(cols + 1, sizeof(double));
	if (!p->a || !p->sense || !p->rhs || !p->cost || !p->lo || !p->hi) {
		migctl_ilp_free(p);
		return false;
	}
	return true;
}

void migctl_lp_free(struct lp_work *w)
{
	free(w->t);
	free(w->d);
	free(w->c);
	free(w->ub);
	free(w->beta);
	free(w->y);
	free(w->basis);
	free(w->pos);
	free(w->upper);
	free(w->flip);
	memset(w, 0, sizeof(*w));
}

bool migctl_lp_alloc(struct lp_work *w, size_t rows, size_t cols)
{
	size_t width = cols + 2 * rows;

	memset(w, 0, sizeof(*w));
	w->rows = rows;
	w->width = width;
	w->t = malloc((rows * width + 1) * sizeof(double));
	w->d = malloc((width + 1) * sizeof(double));
	w->c = malloc((width + 1) * sizeof(double));
	w->ub = malloc((width + 1) * sizeof(double));
	w->beta = malloc((rows + 1) * sizeof(double));
	w->y = malloc((rows + 1) * sizeof(double));
	w->basis = malloc((rows + 1) * sizeof(size_t));
	w->pos = malloc((width + 1) * sizeof(size_t));
	w->upper = malloc(width + 1);
	w->flip = malloc(rows + 1);
	if (!w->t || !w->d || !w->c || !w->ub || !w->beta || !w->y ||
	    !w->basis || !w->pos || !w->upper || !w->flip) {
		migctl_lp_free(w);
		return false;
	}
	return true;
}

static void lp_price(struct lp_work *w, size_t nr, size_t width)
{
	memcpy(w->d, w->c, width * sizeof(double));
	for (size_t r = 0; r < nr; r++) {
		double cb = w->c[w->basis[r]];
		const double *row = w->t + r * width;
		if (cb == 0)
			continue;
		for (size_t j = 0; j < width; j++)
			w->d[j] -= cb * row[j];
	}
}

static void lp_pivot(struct lp_work *w, size_t nr, size_t width, size_t pr,
		     size_t pc)
{
	double *prow = w->t + pr * width;
	double inv = 1.0 / prow[pc];

	for (size_t j = 0; j < width; j++)
		prow[j] *= inv;
	prow[pc] = 1.0;
	for (size_t r = 0; r < nr; r++) {
		double *row = w->t + r * width;
		double f = row[pc];
		if (r == pr || f == 0)
			continue;
		for (size_t j = 0; j < width; j++)
			row[j] -= f * prow[j];
		row[pc] = 0;
	}
	double f = w->d[pc];
	if (f != 0) {
		for (size_t j = 0; j < width; j++)
			w->d[j] -= f * prow[j];
		w->d[pc] = 0;
	}
}

/* The entering column: the nonbasic one whose reduced cost improves most
 * (Dantzig), or the first that improves at all (Bland). Columns from
 * `no_enter` on never enter. NONE when the basis is optimal; `*dir` is +1
 * when it rises from its lower bound, -1 when it falls from its upper. */
static size_t lp_entering(const struct lp_work *w, size_t no_enter, bool bland, int *dir)
{
	size_t e = NONE;
	double best = 0;

	for (size_t j = 0; j < no_enter; j++) {
		double dj = w->d[j], score;
		int jd;
		if (w->pos[j] != NONE || w->ub[j] <= 0)
			continue;
		if (!w->upper[j] && dj < -EPS_COST) {
			score = -dj;
			jd = 1;
		} else if (w->upper[j] && dj > EPS_COST) {
			score = dj;
			jd = -1;
		} else {
			continue;
		}
		if (bland) {
			*dir = jd;
			return j;
		}
		if (score > best) {
			best = score;
			e = j;
			*dir = jd;
		}
	}
	return e;
}

/* The ratio test for entering column `e` moving in direction `dir`: the
 * leaving row (NONE: `e` reaches its own bound first, or never stops),
 * how far `e` moves (`*tmax`) and whether the leaving variable goes to
 * its upper bound. Ties go to the largest pivot, or under Bland's rule
 * to the lowest basic column. */
static size_t lp_leaving(const struct lp_work *w, size_t nr, size_t width, size_t e, int dir,
			 bool bland, double *tmax, bool *to_upper)
{
	double best_alpha = 0;
	size_t leave = NONE;

	*tmax = w->ub[e];
	*to_upper = false;
	for (size_t r = 0; r < nr; r++) {
		double alpha = dir * w->t[r * width + e], lim;
		double ubr = w->ub[w->basis[r]];
		bool up;
		if (alpha > EPS_PIVOT) {
			lim = w->beta[r] / alpha;
			up = false;
		} else if (alpha < -EPS_PIVOT && ubr < LP_INF) {
			lim = (ubr - w->beta[r]) / -alpha;
			up = true;
		} else {
			continue;
		}
		if (lim < 0)
			lim = 0;
		bool take;
		if (leave == NONE)
			take = lim < *tmax;
		else if (lim < *tmax - 1e-12)
			take = true;
		else if (lim <= *tmax + 1e-12)
			take = bland ? w->basis[r] < w->basis[leave]
				     : dabs(alpha) > dabs(best_alpha);
		else
			take = false;
		if (take) {
			if (lim < *tmax)
				*tmax = lim;
			leave = r;
			*to_upper = up;
			best_alpha = alpha;
		}
	}
	return leave;
}

/* Primal simplex iterations from a feasible basis. Columns from `no_enter`
 * on (the artificials) never enter. Dantzig's rule, switching to Bland's
 * after a run of degenerate pivots, which cannot cycle. */
static int lp_iterate(struct lp_work *w, size_t nr, size_t width,
		      size_t no_enter)
{
	unsigned long it = 0, max_it = 50ul * (nr + width) + 1000;
	unsigned degenerate = 0;
	bool bland = false;

	for (;;) {
		int dir = 0;
		double tmax;
		bool to_upper;

		if (it++ > max_it)
			return LP_LIMIT;
		size_t e = lp_entering(w, no_enter, bland, &dir);
		if (e == NONE)
			return LP_OPTIMAL;
		size_t leave = lp_leaving(w, nr, width, e, dir, bland, &tmax, &to_upper);
		if (leave == NONE && tmax >= LP_INF)
			return LP_UNBOUNDED;
		if (tmax > 1e-12) {
			degenerate = 0;
		} else if (++degenerate > 50) {
			bland = true;
		}
		if (tmax > 0)
			for (size_t r = 0; r < nr; r++)
				w->beta[r] -= dir * tmax * w->t[r * width + e];
		if (leave == NONE) {
			w->upper[e] = !w->upper[e];     /* bound flip */
			continue;
		}
		double val = dir > 0 ? tmax : w->ub[e] - tmax;
		size_t out = w->basis[leave];
		w->upper[out] = to_upper;
		w->pos[out] = NONE;
		lp_pivot(w, nr, width, leave, e);
		w->basis[leave] = e;
		w->pos[e] = leave;
		w->upper[e] = 0;
		w->beta[leave] = val;
	}
}

/* Solve the LP relaxation of `p` under its current bounds. On LP_OPTIMAL
 * writes x (p->nc values), the objective and the row duals (w->y). */
int migctl_lp_solve(const struct ilp *p, struct lp_work *w, double *x,
		    double *obj)
{
	size_t nr = p->nr, nc = p->nc, width = nc + 2 * nr;
	bool phase1 = false;
	int st;

	w->solves++;
	for (size_t j = 0; j < nc; j++) {
		if (p->hi[j] < p->lo[j] - EPS_FEAS)
			return LP_INFEASIBLE;
		w->ub[j] = p->hi[j] > p->lo[j] ? p->hi[j] - p->lo[j] : 0;
	}
	for (size_t r = 0; r < nr; r++) {
		double *row = w->t + r * width;
		const double *ar = p->a + r * nc;
		double b = p->rhs[r];
		for (size_t j = 0; j < nc; j++)
			b -= ar[j] * p->lo[j];
		double fl = b < 0 ? -1 : 1;
		double sc = p->sense[r] == LP_ROW_GE ? -1 : p->sense[r] == LP_ROW_LE ? 1 : 0;
		w->flip[r] = (signed char)fl;
		for (size_t j = 0; j < nc; j++)
			row[j] = fl * ar[j];
		memset(row + nc, 0, 2 * nr * sizeof(double));
		row[nc + r] = fl * sc;
		row[nc + nr + r] = 1;
		w->ub[nc + r] = p->sense[r] == LP_ROW_EQ ? 0 : LP_INF;
		w->beta[r] = fl * b;
		if (fl * sc > 0) {
			w->basis[r] = nc + r;
			w->ub[nc + nr + r] = 0;
		} else {
			w->basis[r] = nc + nr + r;
			w->ub[nc + nr + r] = LP_INF;
			phase1 = true;
		}
	}
	memset(w->upper, 0, width);
	for (size_t j = 0; j < width; j++)
		w->pos[j] = NONE;
	for (size_t r = 0; r < nr; r++)
		w->pos[w->basis[r]] = r;

	if (phase1) {
		double sum = 0;
		memset(w->c, 0, width * sizeof(double));
		for (size_t r = 0; r < nr; r++)
			if (w->basis[r] >= nc + nr)
				w->c[w->basis[r]] = 1;
		lp_price(w, nr, width);
		st = lp_iterate(w, nr, width, nc + nr);
		if (st != LP_OPTIMAL)
			return st == LP_UNBOUNDED ? LP_LIMIT : st;
		for (size_t r = 0; r < nr; r++)
			if (w->basis[r] >= nc + nr)
				sum += w->beta[r];
		if (sum > EPS_FEAS)
			return LP_INFEASIBLE;
		for (size_t r = 0; r < nr; r++)
			w->ub[nc + nr + r] = 0;
	}
	memset(w->c, 0, width * sizeof(double));
	memcpy(w->c, p->cost, nc * sizeof(double));
	lp_price(w, nr, width);
	st = lp_iterate(w, nr, width, nc + nr);
	if (st != LP_OPTIMAL)
		return st;

	*obj = 0;
	for (size_t j = 0; j < nc; j++) {
		double v = w->pos[j] != NONE ? w->beta[w->pos[j]]
					      : (w->upper[j] ? w->ub[j] : 0);
		if (v < 0)
			v = 0;
		if (v > w->ub[j])
			v = w->ub[j];
		x[j] = p->lo[j] + v;
		*obj += p->cost[j] * x[j];
	}
	for (size_t r = 0; r < nr; r++)
		w->y[r] = -w->flip[r] * w->d[nc + nr + r];
	return LP_OPTIMAL;
}

/* --- branch and bound ------------------------------------------------- */

void migctl_deadline_in(struct timespec *d, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += ms / 1000;
	d->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (d->tv_nsec >= 1000000000L) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000L;
	}
}

bool migctl_deadline_past(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* Whether integer `x` satisfies every row and the problem's bounds. */
bool migctl_ilp_feasible(const struct ilp *p, const double *glo,
			 const double *ghi, const double *x)
{
	for (size_t j = 0; j < p->nc; j++)
		if (x[j] < glo[j] || x[j] > ghi[j])
			return false;
	for (size_t r = 0; r < p->nr; r++) {
		const double *ar = p->a + r * p->nc;
		double s = 0;
		for (size_t j = 0; j < p->nc; j++)
			s += ar[j] * x[j];
		if ((p->sense[r] == LP_ROW_GE && s < p->rhs[r] - 1e-9) ||
		    (p->sense[r] == LP_ROW_LE && s > p->rhs[r] + 1e-9) ||
		    (p->sense[r] == LP_ROW_EQ && dabs(s - p->rhs[r]) > 1e-9))
			return false;
	}
	return true;
}

static double ilp_value(const struct ilp *p, const double *x)
{
	double v = 0;
	for (size_t j = 0; j < p->nc; j++)
		v += p->cost[j] * x[j];
	return v;
}

void migctl_bb_offer(struct bb *b, const double *x)
{
	double v;

	if (!migctl_ilp_feasible(b->p, b->glo, b->ghi, x))
		return;
	v = ilp_value(b->p, x);
	if (b->have_best && v > b->best_val - 0.5)
		return;
	memcpy(b->best, x, b->p->nc * sizeof(double));
	b->best_val = v;
	b->have_best = true;
	if (b->has_target && v <= b->target + 0.5)
		b->stop = true;
}

/* Most fractional variable, NONE if the LP solution is integral. */
static size_t bb_pick(const struct ilp *p, const double *x)
{
	size_t pick = NONE;
	double best = 0;

	for (size_t j = 0; j < p->nc; j++) {
		double f = x[j] - dfloor(x[j]);
		double s = f < 1 - f ? f : 1 - f;
		if (s > EPS_INT && s > best + 1e-12) {
			best = s;
			pick = j;
		}
	}
	return pick;
}

static void bb_node(struct bb *b, unsigned depth)
{
	struct ilp *p = b->p;
	double obj = 0;

	if (b->stop)
		return;
	/* The root always runs, so that a spent budget still gives the
	 * rounding heuristic's plan. */
	if (depth > 0 && (b->nodes >= b->node_limit || depth > BB_MAX_DEPTH ||
			  migctl_deadline_past(&b->deadline))) {
		b->aborted = true;
		b->stop = true;
		return;
	}
	b->nodes++;
	int st = migctl_lp_solve(p, b->lp, b->x, &obj);
	if (depth == 0) {
		b->root_status = st;
		b->root_obj = obj;
		if (b->on_root)
			b->on_root(b->ctx, b, st, obj);
		if (b->stop)
			return;
	}
	if (st == LP_INFEASIBLE)
		return;
	if (st != LP_OPTIMAL) {
		b->aborted = true;
		return;
	}
	double bound = ceil_tol(obj);
	if (b->have_best && bound > b->best_val - 0.5)
		return;
	size_t j = bb_pick(p, b->x);
	if (j == NONE) {
		for (size_t k = 0; k < p->nc; k++)
			b->cand[k] = dfloor(b->x[k] + 0.5);
		if (migctl_ilp_feasible(p, b->glo, b->ghi, b->cand))
			migctl_bb_offer(b, b->cand);
		else
			b->aborted = true;
		return;
	}
	if (b->heur && b->heur(b->ctx, p, b->x, b->cand))
		migctl_bb_offer(b, b->cand);
	if (b->stop || (b->have_best && bound > b->best_val - 0.5))
		return;

	double v = b->x[j], lo = p->lo[j], hi = p->hi[j];
	p->lo[j] = dceil(v);
	bb_node(b, depth + 1);
	p->lo[j] = lo;
	if (b->stop)
		return;
	p->hi[j] = dfloor(v);
	bb_node(b, depth + 1);
	p->hi[j] = hi;
}

void migctl_bb_run(struct bb *b)
{
	bb_node(b, 0);
}

bool migctl_bb_alloc(struct bb *b, size_t nc)
{
	b->x = calloc(nc + 1, sizeof(double));
	b->cand = calloc(nc + 1, sizeof(double));
	b->best = calloc(nc + 1, sizeof(double));
	b->glo = calloc(nc + 1, sizeof(double));
	b->ghi = calloc(nc + 1, sizeof(double));
	return b->x && b->cand && b->best && b->glo && b->ghi;
}

void migctl_bb_free(struct bb *b)
{
	free(b->x);
	free(b->cand);
	free(b->best);
	free(b->glo);
	free(b->ghi);
}

bool migctl_lp_alloc_all(struct ilp *p, struct lp_work *w, struct bb *b, size_t rows,
			 size_t cols)
{
	return migctl_ilp_alloc(p, rows, cols) && migctl_lp_alloc(w, rows, cols) &&
	       migctl_bb_alloc(b, cols);
}

void migctl_lp_release_all(struct ilp *p, struct lp_work *w, struct bb *b)
{
	migctl_bb_free(b);
	migctl_lp_free(w);
	migctl_ilp_free(p);
}
