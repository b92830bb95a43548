/* Tests of the sampler (lib/sample*.c, migctl/sample.h) on the simulator.
 *
 * The simulator's load model (docs/simulator-model.md §2, §5) gives exact
 * numbers: a CI's activity is the sum of its processes' loads, a GPM metric
 * the mean of its two samples' activities, so after two samples under a
 * steady load a value equals the load. Expected values follow from the
 * loads the tests start and the SM counts of the H100's profiles
 * (reference/mig-profiles.md: 3g.40gb 60 SMs, 2g.20gb 32, 1g.10gb 16, the
 * 7g 132), not from the sampler's own output.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "migctl/sample.h"

#include "sim_fixture.h"

enum { H100_1G = 19, H100_2G = 14, H100_3G = 9, H100_7G = 0 };
enum { A100_3G = 9 };

static int setup(void **state)
{
	return sim_fixture_setup(state, "test_sample", "/tmp");
}

static void msleep(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* --- loads: `migsim exec --load` in the background ----------------------------- */

#define MAX_LOADS 4
static pid_t loads[MAX_LOADS];
static size_t n_loads;

static void start_load(struct fixture *f, const char *dev, const char *spec)
{
	char pidfile[320], buf[32] = "";
	FILE *p;

	assert_true(n_loads < MAX_LOADS);
	snprintf(pidfile, sizeof(pidfile), "%s/load%zu.pid", f->dir, n_loads);
	run("'%s' --state '%s' exec -d '%s' --load '%s' -- sleep 60 >/dev/null 2>&1 & echo $! >'%s'",
	    sim_bin, f->state, dev, spec, pidfile);
	p = fopen(pidfile, "r");
	assert_non_null(p);
	assert_non_null(fgets(buf, sizeof(buf), p));
	fclose(p);
	loads[n_loads] = (pid_t)atoi(buf);
	assert_true(loads[n_loads] > 0);
	n_loads++;
}

static void stop_loads(void)
{
	for (size_t i = 0; i < n_loads; i++) {
		kill(loads[i], SIGTERM);
		waitpid(loads[i], NULL, 0);
	}
	n_loads = 0;
}

static int teardown_loads(void **state)
{
	stop_loads();
	return teardown(state);
}

/* Refresh until the node lists `n` processes on GPU `i`. */
static void wait_procs(struct migctl_node *node, unsigned i, size_t n)
{
	struct migctl_error err = {0};

	for (int t = 0; t < 400; t++) {
		if (migctl_node_refresh(node, &err))
			fail_msg("refresh: %s", err.msg);
		if (node->gpus[i].n_procs == n)
			return;
		msleep(25);
	}
	fail_msg("GPU %u never showed %zu process(es)", i, n);
}

/* --- helpers ----------------------------------------------------------------------- */

static struct migctl_sampler *sampler(struct migctl_node *node, const unsigned *fields, size_t n,
				      bool events)
{
	struct migctl_sampler_options o = {.fields = fields, .n_fields = n, .events = events};
	struct migctl_sampler *s = NULL;
	struct migctl_error err = {0};

	if (migctl_sampler_open(&s, node, &o, &err))
		fail_msg("sampler: %s", err.msg);
	return s;
}

static struct migctl_sample *take(struct migctl_sampler *s)
{
	struct migctl_sample *smp = NULL;
	struct migctl_error err = {0};

	if (migctl_sampler_take(s, &smp, &err))
		fail_msg("take: %s", err.msg);
	assert_non_null(smp);
	return smp;
}

static const struct migctl_entity *mig(const struct migctl_sample *s, unsigned gpu, unsigned gi,
				       unsigned ci)
{
	const struct migctl_entity *e = migctl_sample_find_mig(s, gpu, gi, ci);
	if (!e)
		fail_msg("no entity %u/%d/%d in the sample", gpu, (int)gi, (int)ci);
	return e;
}

/* An ok value of `field` on `e`. */
static double ok(const struct migctl_entity *e, unsigned field)
{
	const struct migctl_value *v = migctl_entity_value(e, field);
	assert_non_null(v);
	if (v->status != MIGCTL_VALUE_OK)
		fail_msg("field %u on %u/%d/%d: not available (%s)", field, e->gpu_index,
			 (int)e->gi_id, (int)e->ci_id, migctl_na_reason_name(v->reason));
	return v->d;
}

static void assert_na(const struct migctl_entity *e, unsigned field, enum migctl_na_reason r)
{
	const struct migctl_value *v = migctl_entity_value(e, field);
	assert_non_null(v);
	assert_int_equal(v->status, MIGCTL_VALUE_NA);
	assert_int_equal(v->reason, r);
	assert_true(v->d == 0.0); /* not a number a renderer could print */
}

static void assert_near(double got, double want)
{
	if (fabs(got - want) > 1e-9)
		fail_msg("%.12f != %.12f", got, want);
}

/* --- fields -------------------------------------------------------------------------- */

static void test_field_table(void **state)
{
	size_t n;
	const struct migctl_field_info *f = migctl_fields(&n);
	/* reference/dcgm.md §2.1: ID, tag, level. */
	static const struct {
		unsigned id;
		const char *tag;
		enum migctl_entity_kind level;
	} dcp[] = {
		{1001, "GRACT", MIGCTL_ENTITY_CI}, {1002, "SMACT", MIGCTL_ENTITY_CI},
		{1003, "SMOCC", MIGCTL_ENTITY_CI}, {1004, "TENSO", MIGCTL_ENTITY_CI},
		{1005, "DRAMA", MIGCTL_ENTITY_GI}, {1006, "FP64A", MIGCTL_ENTITY_CI},
		{1007, "FP32A", MIGCTL_ENTITY_CI}, {1008, "FP16A", MIGCTL_ENTITY_CI},
		{1009, "PCITX", MIGCTL_ENTITY_GPU}, {1010, "PCIRX", MIGCTL_ENTITY_GPU},
		{1011, "NVLTX", MIGCTL_ENTITY_GPU}, {1012, "NVLRX", MIGCTL_ENTITY_GPU},
	};

	(void)state;
	assert_true(n >= 12);
	for (size_t i = 1; i < n; i++)
		assert_true(f[i - 1].id < f[i].id);
	for (size_t i = 0; i < sizeof(dcp) / sizeof(dcp[0]); i++) {
		const struct migctl_field_info *x = migctl_field_by_id(dcp[i].id);
		assert_non_null(x);
		assert_string_equal(x->tag, dcp[i].tag);
		assert_int_equal(x->level, dcp[i].level);
		assert_true(x->profiling);
		assert_int_equal(x->type, MIGCTL_VALUE_DOUBLE);
	}
	assert_int_equal(migctl_field_lookup("1002")->id, 1002);
	assert_int_equal(migctl_field_lookup("smact")->id, 1002);
	assert_int_equal(migctl_field_lookup("DCGM_FI_PROF_DRAM_ACTIVE")->id, 1005);
	assert_int_equal(migctl_field_lookup("prof_pipe_tensor_active")->id, 1004);
	assert_null(migctl_field_lookup("1000"));
	assert_null(migctl_field_lookup("99999999999"));
	assert_null(migctl_field_lookup(""));
	assert_null(migctl_field_by_id(0));
}

static void test_field_list_parse(void **state)
{
	struct migctl_error err = {0};
	unsigned *ids = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(migctl_field_list_parse("1001, SMACT ,1003,1001,prof_dram_active", &ids, &n,
						 &err), MIGCTL_ERR_OK);
	assert_int_equal(n, 4);
	assert_int_equal(ids[0], 1001);
	assert_int_equal(ids[1], 1002);
	assert_int_equal(ids[2], 1003);
	assert_int_equal(ids[3], 1005);
	free(ids);
	assert_int_equal(migctl_field_list_parse("1001,SMAKT", &ids, &n, &err), MIGCTL_ERR_USAGE);
	assert_null(ids);
	assert_contains(err.msg, "'SMAKT'");
	assert_contains(err.msg, "SMACT");
	assert_contains(err.msg, "dmon -l");
	assert_int_equal(migctl_field_list_parse("1001,,1002", &ids, &n, &err), MIGCTL_ERR_USAGE);
	assert_int_equal(migctl_field_list_parse("", &ids, &n, &err), MIGCTL_ERR_USAGE);
	assert_null(ids);
}

/* --- entity specs ------------------------------------------------------------------------ */

static void test_spec_parse(void **state)
{
	struct migctl_entity_spec sp;
	struct migctl_error err = {0};

	(void)state;
	assert_int_equal(migctl_entity_spec_parse("i:7,i:8", &sp, &err), MIGCTL_ERR_OK);
	assert_int_equal(sp.n_items, 2);
	assert_int_equal(sp.items[0].kind, MIGCTL_SPEC_GI);
	assert_int_equal(sp.items[1].lo, 8);
	migctl_entity_spec_release(&sp);

	/* First-letter prefixes, ranges with lists, paths, UUIDs. */
	assert_int_equal(migctl_entity_spec_parse("0,gpu:{1-2},instance:{3,5-6},ci:9,c:10,"
						  "compute_instance:11,1/2,*/*/*,GPU-abc-1,MIG-x",
						  &sp, &err), MIGCTL_ERR_OK);
	assert_int_equal(sp.n_items, 11);
	assert_int_equal(sp.items[0].kind, MIGCTL_SPEC_GPU);
	assert_int_equal(sp.items[1].kind, MIGCTL_SPEC_GPU);
	assert_int_equal(sp.items[1].hi, 2);
	assert_int_equal(sp.items[2].kind, MIGCTL_SPEC_GI);
	assert_int_equal(sp.items[3].lo, 5);
	assert_int_equal(sp.items[3].hi, 6);
	assert_int_equal(sp.items[4].kind, MIGCTL_SPEC_CI);
	assert_int_equal(sp.items[5].kind, MIGCTL_SPEC_CI);
	assert_int_equal(sp.items[6].kind, MIGCTL_SPEC_CI);
	assert_int_equal(sp.items[7].kind, MIGCTL_SPEC_PATH);
	assert_int_equal(sp.items[7].depth, 2);
	assert_int_equal(sp.items[7].path[1], 2);
	assert_int_equal(sp.items[8].depth, 3);
	assert_int_equal(sp.items[8].path[0], MIGCTL_SPEC_ANY);
	assert_int_equal(sp.items[9].kind, MIGCTL_SPEC_UUID);
	assert_string_equal(sp.items[10].uuid, "MIG-x");
	migctl_entity_spec_release(&sp);

	assert_int_equal(migctl_entity_spec_parse("", &sp, &err), MIGCTL_ERR_OK);
	assert_true(sp.all);
	migctl_entity_spec_release(&sp);
	assert_int_equal(migctl_entity_spec_parse("-1", &sp, &err), MIGCTL_ERR_OK);
	assert_true(sp.all);
	migctl_entity_spec_release(&sp);

	static const char *const bad[] = {
		"i:", "i:x", "x:1", "cpu:1", "nvswitch:0", "i:{}", "i:{1-2", "i:1-2}", "1,,2",
		"1/2/3/4", "1/x", "i:{3-1}", "12345678", "{{1}}", "link:1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&sp, 0xAA, sizeof(sp));
		if (migctl_entity_spec_parse(bad[i], &sp, &err) != MIGCTL_ERR_USAGE)
			fail_msg("'%s' was accepted", bad[i]);
		assert_null(sp.items);
		assert_int_equal(sp.n_items, 0);
	}
	assert_int_equal(migctl_entity_spec_parse("cpu:1", &sp, &err), MIGCTL_ERR_USAGE);
	assert_contains(err.msg, "'cpu:1'");
}

/* --- Ampere: DCP fields need DCGM's closed module ----------------------------------------- */

static void test_ampere_profiling_not_available(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "--gpus A100-SXM4-40GB:2");
	struct migctl_gpu_state *g = enabled(node, 1);
	unsigned gi = create_gi(node, g, A100_3G, NULL);
	create_ci(node, g, gi, 2, NULL);
	struct migctl_sampler *s = sampler(node, NULL, 0, false);
	struct migctl_sample *a = take(s), *b = take(s);

	for (size_t i = 0; i < b->n_entities; i++) {
		const struct migctl_entity *e = &b->entities[i];
		for (size_t k = 0; k < e->n_values; k++) {
			const struct migctl_value *v = &e->values[k];
			const struct migctl_field_info *fi = migctl_field_by_id(v->field);
			if (!fi->profiling || (unsigned)e->kind > (unsigned)fi->level)
				continue;
			/* Not available, with the reason; never a zero. */
			assert_int_equal(v->status, MIGCTL_VALUE_NA);
			assert_int_equal(v->reason, MIGCTL_NA_CLOSED_MODULE);
		}
	}
	/* NVML's own fields are there: clocks, memory; GPU utilization only
	 * without MIG (NVML answers NOT_SUPPORTED in MIG mode). */
	const struct migctl_entity *g0 = mig(b, 0, MIGCTL_ID_NONE, MIGCTL_ID_NONE);
	const struct migctl_entity *g1 = mig(b, 1, MIGCTL_ID_NONE, MIGCTL_ID_NONE);
	assert_true(ok(g0, MIGCTL_F_SM_CLOCK) > 0);
	assert_near(ok(g0, MIGCTL_F_FB_TOTAL), (double)node->gpus[0].memory_total_mib);
	assert_near(ok(g0, MIGCTL_F_GPU_UTIL), 0);
	assert_na(g1, MIGCTL_F_GPU_UTIL, MIGCTL_NA_MIG_ENABLED);
	assert_na(g1, MIGCTL_F_XID_ERRORS, MIGCTL_NA_NOT_COLLECTED);
	/* The instances: memory is the GI's, shared by its CI. */
	const struct migctl_entity *ge = mig(b, 1, gi, MIGCTL_ID_NONE);
	const struct migctl_entity *ce = mig(b, 1, gi, 0);
	assert_string_equal(ge->gi_profile, "3g.20gb");
	assert_int_equal(ce->sm, 42);
	assert_near(ok(ce, MIGCTL_F_FB_TOTAL), ok(ge, MIGCTL_F_FB_TOTAL));
	assert_int_equal(migctl_entity_value(ce, MIGCTL_F_FB_TOTAL)->norm, MIGCTL_NORM_GI_SHARED);
	assert_na(ge, MIGCTL_F_SM_CLOCK, MIGCTL_NA_LEVEL);
	assert_na(ce, MIGCTL_F_DRAM_ACTIVE, MIGCTL_NA_LEVEL);
	migctl_sample_free(a);
	migctl_sample_free(b);
	migctl_sampler_free(s);
}

/* --- Hopper: GPM under the load model ------------------------------------------------------- */

/* An H100 with MIG on and GIs 3g, 2g, 1g, each with its full CI; the GI
 * IDs in `gis`. */
static struct migctl_gpu_state *h100_three(struct fixture *f, unsigned gis[3])
{
	struct migctl_node *node = machine(f, "--gpus H100-SXM5-80GB");
	struct migctl_gpu_state *g = enabled(node, 0);
	static const unsigned prof[3] = {H100_3G, H100_2G, H100_1G};
	static const unsigned ci_prof[3] = {2, 1, 0};

	for (int i = 0; i < 3; i++) {
		gis[i] = create_gi(node, g, prof[i], NULL);
		create_ci(node, g, gis[i], ci_prof[i], NULL);
	}
	return g;
}

static const char *mig_uuid(const struct migctl_gpu_state *g, unsigned gi)
{
	const struct migctl_gi_state *gs = migctl_gpu_find_gi((struct migctl_gpu_state *)g, gi);
	assert_non_null(gs);
	assert_true(gs->n_cis > 0);
	return gs->cis[0].uuid;
}

static void test_load_shows_on_its_instance_only(void **state)
{
	struct fixture *f = *state;
	unsigned gis[3];
	struct migctl_gpu_state *g = h100_three(f, gis);
	struct migctl_node *node = &f->node;
	static const unsigned fields[] = {1002, 1004, 1005, 1001, 1009};
	struct migctl_sampler *s = sampler(node, fields, 5, false);
	struct migctl_sample *s1 = take(s);

	/* First sample: GPM needs two. */
	assert_na(mig(s1, 0, gis[0], 0), 1002, MIGCTL_NA_FIRST_SAMPLE);
	start_load(f, mig_uuid(g, gis[1]), "sm=0.8,tensor=0.5,dram=0.6");
	wait_procs(node, 0, 1);
	/* One interval later: the loaded instance shows it (the mean of the
	 * two samples, the load only in the second), and no other does. */
	struct migctl_sample *s2 = take(s);
	struct migctl_sample *s3 = take(s);
	for (int k = 0; k < 2; k++) {
		const struct migctl_sample *x = k ? s3 : s2;
		double scale = k ? 1.0 : 0.5;
		for (int i = 0; i < 3; i++) {
			const struct migctl_entity *ci = mig(x, 0, gis[i], 0);
			const struct migctl_entity *gi = mig(x, 0, gis[i], MIGCTL_ID_NONE);
			double want = i == 1 ? scale : 0.0;
			assert_near(ok(ci, 1002), 0.8 * want);
			assert_near(ok(ci, 1004), 0.5 * want);
			assert_near(ok(gi, 1002), 0.8 * want); /* one full CI: the CI's */
			assert_near(ok(gi, 1005), 0.6 * want);
			assert_na(ci, 1005, MIGCTL_NA_LEVEL); /* DRAMA is per GI */
			assert_na(gi, 1009, MIGCTL_NA_LEVEL); /* PCIe is per GPU */
			assert_int_equal(migctl_entity_value(ci, 1002)->norm, MIGCTL_NORM_INSTANCE);
			assert_int_equal(migctl_entity_value(ci, 1002)->source, MIGCTL_SRC_GPM);
		}
	}
	const struct migctl_entity *gpu = mig(s3, 0, MIGCTL_ID_NONE, MIGCTL_ID_NONE);
	assert_int_equal(migctl_entity_value(gpu, 1002)->norm, MIGCTL_NORM_SM_WEIGHTED);
	assert_near(ok(gpu, 1009), 0.0);
	/* The process is on the loaded CI, its GI and the GPU, nowhere else. */
	assert_int_equal(mig(s3, 0, gis[1], 0)->n_procs, 1);
	assert_int_equal(mig(s3, 0, gis[1], MIGCTL_ID_NONE)->n_procs, 1);
	assert_int_equal(mig(s3, 0, gis[0], 0)->n_procs, 0);
	assert_int_equal(gpu->n_procs, 1);
	assert_string_equal(gpu->procs[0].name, "sleep"); /* migsim runs it */
	migctl_sample_free(s1);
	migctl_sample_free(s2);
	migctl_sample_free(s3);
	migctl_sampler_free(s);
}

/* GPU-level values with MIG on: Σ value(CI) × SM(CI) / SM_MIG, SM_MIG the
 * 7g profile's 132 (reference/dcgm.md §2.4(b)). */
static void test_gpu_value_is_sm_weighted(void **state)
{
	struct fixture *f = *state;
	unsigned gis[3];
	struct migctl_gpu_state *g = h100_three(f, gis);
	struct migctl_node *node = &f->node;
	static const unsigned fields[] = {1002, 1003, 1004, 1007};
	struct migctl_sampler *s;

	start_load(f, mig_uuid(g, gis[0]), "sm=0.75,occupancy=0.5,tensor=0.25");
	start_load(f, mig_uuid(g, gis[2]), "sm=0.5,fp32=1");
	wait_procs(node, 0, 2);
	s = sampler(node, fields, 4, false);
	struct migctl_sample *a = take(s), *b = take(s);
	const struct migctl_entity *gpu = mig(b, 0, MIGCTL_ID_NONE, MIGCTL_ID_NONE);

	assert_int_equal(gpu->sm, 132);
	for (size_t k = 0; k < 4; k++) {
		double sum = 0.0;
		unsigned sms = 0;
		for (size_t i = 0; i < b->n_entities; i++) {
			const struct migctl_entity *e = &b->entities[i];
			if (e->kind != MIGCTL_ENTITY_CI)
				continue;
			sum += ok(e, fields[k]) * e->sm;
			sms += e->sm;
		}
		assert_int_equal(sms, 60 + 32 + 16);
		assert_near(ok(gpu, fields[k]), sum / 132.0);
	}
	/* The numbers themselves: SMACT 0.75 × 60/132 + 0.5 × 16/132. */
	assert_near(ok(gpu, 1002), (0.75 * 60 + 0.5 * 16) / 132.0);
	assert_near(ok(gpu, 1007), 16 / 132.0);
	assert_near(ok(mig(b, 0, gis[2], 0), 1007), 1.0);
	migctl_sample_free(a);
	migctl_sample_free(b);
	migctl_sampler_free(s);
}

/* A GI destroyed and recreated between samples: the new one with its new
 * identity, none of the old, and no GPM value carried over. */
static void test_recreated_gi_is_new(void **state)
{
	struct fixture *f = *state;
	unsigned gis[3];
	struct migctl_gpu_state *g = h100_three(f, gis);
	struct migctl_node *node = &f->node;
	struct migctl_error err = {0};
	static const unsigned fields[] = {1002};
	struct migctl_sampler *s = sampler(node, fields, 1, false);
	struct migctl_sample *a = take(s), *b = take(s), *c;
	char old_uuid[96];
	unsigned old_id = mig(b, 0, gis[1], MIGCTL_ID_NONE)->id;
	unsigned keep_id = mig(b, 0, gis[2], MIGCTL_ID_NONE)->id;
	size_t n = b->n_entities;

	snprintf(old_uuid, sizeof(old_uuid), "%s", mig(b, 0, gis[1], 0)->mig_uuid);
	assert_int_equal(migctl_node_destroy_ci(node, g, gis[1], 0, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_node_destroy_gi(node, g, gis[1], &err), MIGCTL_ERR_OK);
	unsigned again = create_gi(node, g, H100_2G, NULL);
	create_ci(node, g, again, 1, NULL);
	c = take(s);
	assert_int_equal(c->n_entities, n);
	for (size_t i = 0; i < c->n_entities; i++)
		assert_string_not_equal(c->entities[i].mig_uuid, old_uuid);
	const struct migctl_entity *ne = mig(c, 0, again, 0);
	assert_string_not_equal(ne->mig_uuid, "");
	/* Its GPM state is new: no value from the old GI's counters. */
	assert_na(ne, 1002, MIGCTL_NA_FIRST_SAMPLE);
	assert_na(mig(c, 0, again, MIGCTL_ID_NONE), 1002, MIGCTL_NA_FIRST_SAMPLE);
	assert_near(ok(mig(c, 0, gis[0], 0), 1002), 0.0);
	/* The others keep their IDs; the new GI takes the freed slot. */
	assert_int_equal(mig(c, 0, gis[2], MIGCTL_ID_NONE)->id, keep_id);
	assert_int_equal(mig(c, 0, again, MIGCTL_ID_NONE)->id, old_id);
	/* IDs are unique within a kind. */
	for (size_t i = 0; i < c->n_entities; i++)
		for (size_t j = i + 1; j < c->n_entities; j++)
			assert_false(c->entities[i].kind == c->entities[j].kind &&
				     c->entities[i].id == c->entities[j].id);
	migctl_sample_free(a);
	migctl_sample_free(b);
	migctl_sample_free(c);
	migctl_sampler_free(s);
}

/* Seed 000's numbering: GPU 1 of two A100 80GB PCIe with GIs 1 and 2 (two
 * 3g.40gb) shows them as GPU-I 7 and GPU-I 8, as dcgmi did. */
static void test_seed000_entity_ids(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "--gpus A100-PCIE-80GB:2");
	struct migctl_gpu_state *g = enabled(node, 1);
	struct migctl_entity_spec sp;
	struct migctl_error err = {0};
	unsigned a = create_gi(node, g, A100_3G, NULL), b = create_gi(node, g, A100_3G, NULL);

	assert_int_equal(a, 1); /* half-swapped board: 4:4 is GI 1 */
	assert_int_equal(b, 2);
	create_ci(node, g, a, 2, NULL);
	create_ci(node, g, b, 2, NULL);
	struct migctl_sampler *s = sampler(node, NULL, 0, false);
	struct migctl_sample *x = take(s);
	assert_int_equal(mig(x, 1, 1, MIGCTL_ID_NONE)->id, 7);
	assert_int_equal(mig(x, 1, 2, MIGCTL_ID_NONE)->id, 8);
	assert_int_equal(mig(x, 1, 1, 0)->id, 7);
	assert_int_equal(mig(x, 1, 2, 0)->id, 8);
	assert_int_equal(migctl_entity_spec_parse("i:7,i:8", &sp, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_entity_spec_check(&sp, x, &err), MIGCTL_ERR_OK);
	size_t hits = 0;
	for (size_t i = 0; i < x->n_entities; i++)
		if (migctl_entity_spec_match(&sp, &x->entities[i])) {
			assert_int_equal(x->entities[i].kind, MIGCTL_ENTITY_GI);
			hits++;
		}
	assert_int_equal(hits, 2);
	migctl_entity_spec_release(&sp);
	/* An ID that selects nothing names what exists. */
	assert_int_equal(migctl_entity_spec_parse("i:9", &sp, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_entity_spec_check(&sp, x, &err), MIGCTL_ERR_NOT_FOUND);
	assert_contains(err.msg, "i:9");
	assert_contains(err.msg, "i:7 (GPU 1 GI 1 3g.40gb)");
	migctl_entity_spec_release(&sp);
	/* Paths select by NVML IDs. */
	assert_int_equal(migctl_entity_spec_parse("1/2/0", &sp, &err), MIGCTL_ERR_OK);
	assert_true(migctl_entity_spec_match(&sp, mig(x, 1, 2, 0)));
	assert_false(migctl_entity_spec_match(&sp, mig(x, 1, 1, 0)));
	assert_false(migctl_entity_spec_match(&sp, mig(x, 1, 2, MIGCTL_ID_NONE)));
	migctl_entity_spec_release(&sp);
	migctl_sample_free(x);
	migctl_sampler_free(s);
}

static void test_gi_without_ci_and_xid(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "--gpus H100-SXM5-80GB");
	struct migctl_gpu_state *g = enabled(node, 0);
	unsigned empty = create_gi(node, g, H100_1G, NULL);
	unsigned full = create_gi(node, g, H100_2G, NULL);
	static const unsigned fields[] = {1002, 230, 252};
	struct migctl_sampler *s;

	create_ci(node, g, full, 1, NULL);
	s = sampler(node, fields, 3, true);
	struct migctl_sample *a = take(s);
	run("'%s' --state '%s' event -d '%s' --xid 79 >/dev/null", sim_bin, f->state,
	    mig_uuid(g, full));
	struct migctl_sample *b = take(s);
	const struct migctl_entity *e = mig(b, 0, empty, MIGCTL_ID_NONE);

	assert_na(e, 1002, MIGCTL_NA_NO_CIS);
	assert_na(e, 252, MIGCTL_NA_NO_CIS);
	assert_near(ok(e, 230), 0);
	assert_int_equal(b->n_events, 1);
	assert_int_equal(b->events[0].kind, MIGCTL_EVENT_XID);
	assert_int_equal(b->events[0].data, 79);
	assert_int_equal(b->events[0].gi_id, full);
	assert_near(ok(mig(b, 0, full, 0), 230), 79);
	assert_near(ok(mig(b, 0, MIGCTL_ID_NONE, MIGCTL_ID_NONE), 230), 79);
	assert_int_equal(a->n_events, 0);
	migctl_sample_free(a);
	migctl_sample_free(b);
	migctl_sampler_free(s);
}

struct dropped {
	unsigned calls, index;
};

static void on_gpu_error(void *ctx, unsigned index, const struct migctl_error *why)
{
	struct dropped *d = ctx;

	(void)why;
	d->calls++;
	d->index = index;
}

/* With on_gpu_error a GPU that NVML fails on is left out and the others
 * are sampled; without it the same failure fails the take. */
static void test_failed_gpu_left_out(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "--gpus H100-SXM5-80GB,A100-SXM4-80GB");
	static const unsigned fields[] = {150};
	struct dropped d = {0};
	struct migctl_sampler_options o = {.fields = fields, .n_fields = 1,
					   .on_gpu_error = on_gpu_error, .error_ctx = &d};
	struct migctl_sampler *s = NULL, *strict = sampler(node, fields, 1, false);
	struct migctl_sample *smp = NULL;
	struct migctl_error err = {0};
	const char *fault = "'%s' --state '%s' fault add --call nvmlDeviceGetUUID "
			    "--error GPU_IS_LOST --count 1 >/dev/null";

	assert_int_equal(migctl_sampler_open(&s, node, &o, &err), MIGCTL_ERR_OK);
	run(fault, sim_bin, f->state);
	assert_int_not_equal(migctl_sampler_take(strict, &smp, &err), MIGCTL_ERR_OK);
	assert_null(smp);
	run(fault, sim_bin, f->state);
	smp = take(s);
	assert_int_equal(d.calls, 1);
	assert_int_equal(smp->n_entities, 1);
	const struct migctl_entity *e = &smp->entities[0];
	assert_int_not_equal(e->gpu_index, d.index);
	assert_int_equal(e->kind, MIGCTL_ENTITY_GPU);
	assert_true(ok(e, 150) > 0);
	migctl_sample_free(smp);
	smp = take(s);
	assert_int_equal(d.calls, 1);
	assert_int_equal(smp->n_entities, 2);
	migctl_sample_free(smp);
	migctl_sampler_free(s);
	migctl_sampler_free(strict);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_table),
		cmocka_unit_test(test_field_list_parse),
		cmocka_unit_test(test_spec_parse),
		cmocka_unit_test_setup_teardown(test_ampere_profiling_not_available, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_shows_on_its_instance_only, setup,
						teardown_loads),
		cmocka_unit_test_setup_teardown(test_gpu_value_is_sm_weighted, setup, teardown_loads),
		cmocka_unit_test_setup_teardown(test_recreated_gi_is_new, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seed000_entity_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gi_without_ci_and_xid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_gpu_left_out, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup_reaper, NULL);
}
