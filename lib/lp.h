/* migctl — a small generic integer-program solver, internal to the
 * library: a dense bounded-variable primal simplex (two phases, Dantzig's
 * rule with Bland's after a run of degenerate pivots) and a depth-first
 * branch and bound over it. It knows nothing of GPUs; lib/planner*.c
 * builds its programs. Problems are small (tens of rows, up to tens of
 * thousands of columns) with small integer coefficients. */
#ifndef MIGCTL_LP_H
#define MIGCTL_LP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* An infinite bound. */
#define LP_INF 1e300
/* How far from an integer an LP value may be and still count as one. */
#define LP_EPS_INT 1e-6

static inline double dfloor(double v)
{
	double t = (double)(long long)v;
	return t > v ? t - 1 : t;
}

static inline double dceil(double v)
{
	double t = (double)(long long)v;
	return t < v ? t + 1 : t;
}

static inline double dabs(double v)
{
	return v < 0 ? -v : v;
}

/* The smallest integer not below an LP value, allowing for rounding. */
static inline double ceil_tol(double v)
{
	return dceil(v - LP_EPS_INT);
}

/* --- linear and integer programs ---------------------------------------- */

enum { LP_ROW_LE = -1, LP_ROW_EQ = 0, LP_ROW_GE = 1 };
enum lp_status { LP_OPTIMAL, LP_INFEASIBLE, LP_UNBOUNDED, LP_LIMIT };

/* min cost·x  s.t.  rows, lo ≤ x ≤ hi, x integer (all variables). */
struct ilp {
	size_t nr, nc;          /* rows in use, columns */
	size_t row_cap;
	double *a;              /* row_cap × nc, row-major */
	int *sense;             /* LP_ROW_* per row */
	double *rhs;
	double *cost;
	double *lo, *hi;        /* current bounds (branching changes them) */
};

/* Dense tableau of a bounded-variable primal simplex. Columns: the
 * structural ones, one slack per row, one artificial per row. */
struct lp_work {
	size_t rows, width;     /* capacity */
	double *t;              /* rows × width */
	double *d;              /* reduced costs */
	double *c;              /* costs of the phase */
	double *ub;             /* upper bounds after shifting by lo */
	double *beta;           /* values of the basic variables */
	double *y;              /* row duals after a solve */
	size_t *basis;          /* basic column of each row */
	size_t *pos;            /* row of each basic column, SIZE_MAX otherwise */
	unsigned char *upper;   /* nonbasic column at its upper bound */
	signed char *flip;      /* row multiplied by -1 */
	unsigned long solves;
};

/* A program of `rows` rows (nr starts at 0) and `cols` columns, all zero;
 * false when out of memory (nothing is left allocated). */
bool migctl_ilp_alloc(struct ilp *p, size_t rows, size_t cols);
void migctl_ilp_free(struct ilp *p);

/* Work space for programs of up to `rows` rows and `cols` columns. */
bool migctl_lp_alloc(struct lp_work *w, size_t rows, size_t cols);
void migctl_lp_free(struct lp_work *w);

/* Solve the LP relaxation of `p` under its current bounds. Returns an
 * enum lp_status; on LP_OPTIMAL writes x (p->nc values), the objective
 * and the row duals (w->y, in the sign convention of a minimisation:
 * y ≥ 0 on binding ≥ rows). */
int migctl_lp_solve(const struct ilp *p, struct lp_work *w, double *x, double *obj);

/* Whether integer `x` satisfies every row and the bounds glo..ghi. */
bool migctl_ilp_feasible(const struct ilp *p, const double *glo, const double *ghi,
			 const double *x);

/* --- branch and bound ---------------------------------------------------- */

struct bb;
/* Turn the LP solution of a node into an integer candidate in x_out;
 * false if none. */
typedef bool (*bb_heuristic)(void *ctx, const struct ilp *p,
			     const double *x_lp, double *x_out);
/* Called once the root LP is solved (status, objective): may set a
 * target or stop the search. */
typedef void (*bb_root_hook)(void *ctx, struct bb *b, int status, double obj);

/* One search. The caller sets p, lp, the callbacks, the limits and glo/ghi
 * (the problem's own bounds), and may offer a known solution before
 * migctl_bb_run. Objective values are taken to be integers: a solution
 * must improve the incumbent by at least one. */
struct bb {
	struct ilp *p;
	struct lp_work *lp;
	double *x;              /* LP solution of the current node */
	double *cand;           /* a candidate integer solution */
	double *best;           /* incumbent */
	double *glo, *ghi;      /* bounds of the whole problem */
	double best_val;
	bool have_best;
	double target;          /* stop once best_val <= target */
	bool has_target;
	bb_heuristic heur;
	bb_root_hook on_root;
	void *ctx;
	unsigned long nodes, node_limit;
	struct timespec deadline;
	bool capped;            /* node_limit is the stage's own cap */
	bool aborted;           /* some subtree was not explored */
	bool stop;
	int root_status;
	double root_obj;
};

/* The per-column arrays of a search over `nc` columns; migctl_bb_free
 * frees them (also after a failed alloc). */
bool migctl_bb_alloc(struct bb *b, size_t nc);
void migctl_bb_free(struct bb *b);

/* A program, its work space and a search over it, for `rows` rows and
 * `cols` columns, with everything zero; false when out of memory. Zero
 * the three first: migctl_lp_release_all then frees them whether or not
 * this succeeded. */
bool migctl_lp_alloc_all(struct ilp *p, struct lp_work *w, struct bb *b, size_t rows,
			 size_t cols);
void migctl_lp_release_all(struct ilp *p, struct lp_work *w, struct bb *b);

/* Take integer `x` as the incumbent if it is feasible and better. */
void migctl_bb_offer(struct bb *b, const double *x);

/* Search from the root: most fractional column first, up branch first;
 * the root always runs, whatever the limits. */
void migctl_bb_run(struct bb *b);

/* `ms` milliseconds from now, and whether a deadline has passed
 * (CLOCK_MONOTONIC). */
void migctl_deadline_in(struct timespec *d, unsigned ms);
bool migctl_deadline_past(const struct timespec *deadline);

#endif
