/* Unit tests of the integer-program solver in lib/lp.c: LPs with known
 * optima and duals (worked out by hand below each), equality rows and
 * bounds, infeasible and unbounded programs, and branch and bound on
 * small integer programs whose LP relaxation is fractional. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "lp.h"

#define TOL 1e-7

/* A program of `rows` x `cols` with the given row-major matrix, senses,
 * right-hand sides and costs, bounds 0..hi (LP_INF: none). */
struct prog {
	struct ilp p;
	struct lp_work w;
	double x[8], obj;
};

static void setup_prog(struct prog *g, size_t rows, size_t cols, const double *a,
		       const int *sense, const double *rhs, const double *cost, double hi)
{
	memset(g, 0, sizeof(*g));
	assert_true(migctl_ilp_alloc(&g->p, rows, cols));
	assert_true(migctl_lp_alloc(&g->w, rows, cols));
	g->p.nr = rows;
	memcpy(g->p.a, a, rows * cols * sizeof(double));
	for (size_t r = 0; r < rows; r++) {
		g->p.sense[r] = sense[r];
		g->p.rhs[r] = rhs[r];
	}
	for (size_t j = 0; j < cols; j++) {
		g->p.cost[j] = cost[j];
		g->p.lo[j] = 0;
		g->p.hi[j] = hi;
	}
}

static void free_prog(struct prog *g)
{
	migctl_lp_free(&g->w);
	migctl_ilp_free(&g->p);
}

/* min x1 + x2  s.t.  x1 + 2 x2 >= 4,  3 x1 + x2 >= 6.
 * Both rows bind at x = (1.6, 1.2), objective 2.8; the dual
 * max 4 y1 + 6 y2 s.t. y1 + 3 y2 <= 1, 2 y1 + y2 <= 1 has y = (0.4, 0.2). */
static void test_covering_lp_optimum_and_duals(void **state)
{
	(void)state;
	static const double a[] = {1, 2, 3, 1}, rhs[] = {4, 6}, cost[] = {1, 1};
	static const int sense[] = {LP_ROW_GE, LP_ROW_GE};
	struct prog g;

	setup_prog(&g, 2, 2, a, sense, rhs, cost, LP_INF);
	assert_int_equal(migctl_lp_solve(&g.p, &g.w, g.x, &g.obj), LP_OPTIMAL);
	assert_float_equal(g.obj, 2.8, TOL);
	assert_float_equal(g.x[0], 1.6, TOL);
	assert_float_equal(g.x[1], 1.2, TOL);
	assert_float_equal(g.w.y[0], 0.4, TOL);
	assert_float_equal(g.w.y[1], 0.2, TOL);
	free_prog(&g);
}

/* max x + y (min -x - y)  s.t.  x + 2y <= 4,  3x + y <= 6: the same
 * vertex from the other side, no phase 1 needed. */
static void test_packing_lp(void **state)
{
	(void)state;
	static const double a[] = {1, 2, 3, 1}, rhs[] = {4, 6}, cost[] = {-1, -1};
	static const int sense[] = {LP_ROW_LE, LP_ROW_LE};
	struct prog g;

	setup_prog(&g, 2, 2, a, sense, rhs, cost, LP_INF);
	assert_int_equal(migctl_lp_solve(&g.p, &g.w, g.x, &g.obj), LP_OPTIMAL);
	assert_float_equal(g.obj, -2.8, TOL);
	assert_float_equal(g.x[0], 1.6, TOL);
	assert_float_equal(g.x[1], 1.2, TOL);
	free_prog(&g);
}

/* min x  s.t.  x + y = 5,  y <= 3 (a bound): x = 2. Then a lower bound
 * x >= 4 moves it there, with y = 1. */
static void test_equality_and_bounds(void **state)
{
	(void)state;
	static const double a[] = {1, 1}, rhs[] = {5}, cost[] = {1, 0};
	static const int sense[] = {LP_ROW_EQ};
	struct prog g;

	setup_prog(&g, 1, 2, a, sense, rhs, cost, 3);
	g.p.hi[0] = LP_INF;
	assert_int_equal(migctl_lp_solve(&g.p, &g.w, g.x, &g.obj), LP_OPTIMAL);
	assert_float_equal(g.x[0], 2, TOL);
	assert_float_equal(g.x[1], 3, TOL);
	g.p.lo[0] = 4;
	assert_int_equal(migctl_lp_solve(&g.p, &g.w, g.x, &g.obj), LP_OPTIMAL);
	assert_float_equal(g.x[0], 4, TOL);
	assert_float_equal(g.x[1], 1, TOL);
	assert_float_equal(g.obj, 4, TOL);
	free_prog(&g);
}

/* x + y >= 5 with both at most 2 cannot hold; nor can lo > hi. */
static void test_infeasible(void **state)
{
	(void)state;
	static const double a[] = {1, 1}, rhs[] = {5}, cost[] = {1, 1};
	static const int sense[] = {LP_ROW_GE};
	struct prog g;

	setup_prog(&g, 1, 2, a, sense, rhs, cost, 2);
	assert_int_equal(migctl_lp_solve(&g.p, &g.w, g.x, &g.obj), LP_INFEASIBLE);
	g.p.hi[0] = g.p.hi[1] = 10;
	assert_int_equal(migctl_lp_solve(&g.p, &g.w, g.x, &g.obj), LP_OPTIMAL);
	assert_float_equal(g.obj, 5, TOL);
	g.p.lo[0] = 3;
	g.p.hi[0] = 2;
	assert_int_equal(migctl_lp_solve(&g.p, &g.w, g.x, &g.obj), LP_INFEASIBLE);
	free_prog(&g);
}

/* min -x  s.t.  x - y <= 1: x grows with y without end. */
static void test_unbounded(void **state)
{
	(void)state;
	static const double a[] = {1, -1}, rhs[] = {1}, cost[] = {-1, 0};
	static const int sense[] = {LP_ROW_LE};
	struct prog g;

	setup_prog(&g, 1, 2, a, sense, rhs, cost, LP_INF);
	assert_int_equal(migctl_lp_solve(&g.p, &g.w, g.x, &g.obj), LP_UNBOUNDED);
	/* A bound on y makes it bounded: x = 1 + 7. */
	g.p.hi[1] = 7;
	assert_int_equal(migctl_lp_solve(&g.p, &g.w, g.x, &g.obj), LP_OPTIMAL);
	assert_float_equal(g.x[0], 8, TOL);
	free_prog(&g);
}

/* Run branch and bound on g with generous limits. */
static void search(struct prog *g, struct bb *b)
{
	memset(b, 0, sizeof(*b));
	assert_true(migctl_bb_alloc(b, g->p.nc));
	b->p = &g->p;
	b->lp = &g->w;
	b->node_limit = 100000;
	migctl_deadline_in(&b->deadline, 60000);
	memcpy(b->glo, g->p.lo, g->p.nc * sizeof(double));
	memcpy(b->ghi, g->p.hi, g->p.nc * sizeof(double));
	migctl_bb_run(b);
}

/* max 5a + 4b  s.t.  6a + 4b <= 24,  a + 2b <= 6, integer. The LP
 * optimum is (3, 1.5) at 21; the integer optimum is (4, 0) at 20. */
static void test_bb_knapsack(void **state)
{
	(void)state;
	static const double a[] = {6, 4, 1, 2}, rhs[] = {24, 6}, cost[] = {-5, -4};
	static const int sense[] = {LP_ROW_LE, LP_ROW_LE};
	struct prog g;
	struct bb b;

	setup_prog(&g, 2, 2, a, sense, rhs, cost, LP_INF);
	search(&g, &b);
	assert_int_equal(b.root_status, LP_OPTIMAL);
	assert_float_equal(b.root_obj, -21, TOL);
	assert_true(b.have_best);
	assert_false(b.aborted);
	assert_float_equal(b.best_val, -20, TOL);
	assert_float_equal(b.best[0], 4, TOL);
	assert_float_equal(b.best[1], 0, TOL);
	assert_true(b.nodes > 1);
	/* Branching restores the bounds it changed. */
	assert_true(g.p.lo[0] == 0 && g.p.hi[0] >= LP_INF);
	migctl_bb_free(&b);
	free_prog(&g);
}

/* Vertex cover of a triangle: min x1 + x2 + x3 with every pair >= 1.
 * The LP gives 1.5 (all halves); two vertices are needed. */
static void test_bb_triangle_cover(void **state)
{
	(void)state;
	static const double a[] = {1, 1, 0, 0, 1, 1, 1, 0, 1}, rhs[] = {1, 1, 1},
			    cost[] = {1, 1, 1};
	static const int sense[] = {LP_ROW_GE, LP_ROW_GE, LP_ROW_GE};
	struct prog g;
	struct bb b;

	setup_prog(&g, 3, 3, a, sense, rhs, cost, 1);
	search(&g, &b);
	assert_float_equal(b.root_obj, 1.5, TOL);
	assert_true(b.have_best);
	assert_false(b.aborted);
	assert_float_equal(b.best_val, 2, TOL);
	assert_true(migctl_ilp_feasible(&g.p, b.glo, b.ghi, b.best));
	migctl_bb_free(&b);
	free_prog(&g);
}

/* 2x = 1 has an LP solution but no integer one: the tree is exhausted
 * without an incumbent, which proves it. */
static void test_bb_integer_infeasible(void **state)
{
	(void)state;
	static const double a[] = {2}, rhs[] = {1}, cost[] = {1};
	static const int sense[] = {LP_ROW_EQ};
	struct prog g;
	struct bb b;

	setup_prog(&g, 1, 1, a, sense, rhs, cost, 5);
	search(&g, &b);
	assert_int_equal(b.root_status, LP_OPTIMAL);
	assert_float_equal(b.root_obj, 0.5, TOL);
	assert_false(b.have_best);
	assert_false(b.aborted);
	migctl_bb_free(&b);
	free_prog(&g);
}

/* Offers: an infeasible point is ignored, a feasible one becomes the
 * incumbent, a worse one does not replace it, and meeting the target
 * stops the search. */
static void test_bb_offer_and_target(void **state)
{
	(void)state;
	static const double a[] = {1, 1}, rhs[] = {3}, cost[] = {1, 2};
	static const int sense[] = {LP_ROW_GE};
	struct prog g;
	struct bb b = {0};

	setup_prog(&g, 1, 2, a, sense, rhs, cost, 5);
	assert_true(migctl_bb_alloc(&b, 2));
	b.p = &g.p;
	memcpy(b.glo, g.p.lo, sizeof(double) * 2);
	memcpy(b.ghi, g.p.hi, sizeof(double) * 2);
	migctl_bb_offer(&b, (const double[]){1, 1});     /* 2 < 3 */
	assert_false(b.have_best);
	migctl_bb_offer(&b, (const double[]){1, 2});     /* value 5 */
	assert_true(b.have_best);
	assert_float_equal(b.best_val, 5, TOL);
	migctl_bb_offer(&b, (const double[]){0, 3});     /* value 6: worse */
	assert_float_equal(b.best_val, 5, TOL);
	b.target = 3;
	b.has_target = true;
	migctl_bb_offer(&b, (const double[]){3, 0});     /* value 3: the target */
	assert_float_equal(b.best_val, 3, TOL);
	assert_true(b.stop);
	migctl_bb_free(&b);
	free_prog(&g);
}

static void test_deadline(void **state)
{
	(void)state;
	struct timespec d;
	migctl_deadline_in(&d, 0);
	assert_true(migctl_deadline_past(&d));
	migctl_deadline_in(&d, 60000);
	assert_false(migctl_deadline_past(&d));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_covering_lp_optimum_and_duals),
		cmocka_unit_test(test_packing_lp),
		cmocka_unit_test(test_equality_and_bounds),
		cmocka_unit_test(test_infeasible),
		cmocka_unit_test(test_unbounded),
		cmocka_unit_test(test_bb_knapsack),
		cmocka_unit_test(test_bb_triangle_cover),
		cmocka_unit_test(test_bb_integer_infeasible),
		cmocka_unit_test(test_bb_offer_and_target),
		cmocka_unit_test(test_deadline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
