/* Tests of lib/apply.c on the simulator: an apply either reaches its
 * target or leaves each GPU at its checkpoint, whatever NVML mutation
 * fails; a crash (SIGKILL right after any mutation) followed by
 * migctl_recover leaves every GPU at its checkpoint or its target, with
 * nothing orphaned; busy instances survive every apply that does not need
 * their place, and an apply that does is refused without any change.
 *
 * Faults come from the simulator (`migsim fault add --call mutating
 * --after K`, `--error kill`), so every step of the real executor is hit,
 * including resets. Each test gets a fresh machine (mkdtemp state dir);
 * tests/run-tests.sh exports MIGSIM_LIB and MIGSIM_BIN.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "migctl/apply.h"
#include "migctl/catalog.h"
#include "migctl/config.h"
#include "migctl/node.h"

#include "sim_fixture.h"

static int setup(void **state)
{
	return sim_fixture_setup(state, "test_apply", "/tmp");
}

/* Resolve config text (label "t") on the node into `plans`. */
static enum migctl_err resolve(struct fixture *f, const char *yaml, struct migctl_gpu_plan *plans)
{
	struct migctl_config cfg;
	struct migctl_config_gpu gpus[MIGCTL_NODE_MAX_GPUS];
	struct migctl_error err = {0};
	enum migctl_err rc;

	migctl_config_init(&cfg);
	rc = migctl_config_parse(&cfg, "test", yaml, strlen(yaml), &err);
	if (rc)
		fail_msg("config: %s", err.msg);
	const struct migctl_config_entry *e = migctl_config_select(&cfg, "t", &err);
	assert_non_null(e);
	migctl_config_gpus_of_node(&f->node, gpus);
	rc = migctl_config_resolve(e, cfg.unmatched, gpus, f->node.n_gpus, plans, &err);
	migctl_config_release(&cfg);
	return rc;
}

/* Apply config text with `opts`; the first GPU's outcome in `outcome`. */
static enum migctl_err apply_with(struct fixture *f, const char *yaml,
				  const struct migctl_apply_options *opts,
				  enum migctl_gpu_outcome *outcome, struct migctl_error *err)
{
	struct migctl_gpu_plan plans[MIGCTL_NODE_MAX_GPUS];
	struct migctl_apply_report rep;
	enum migctl_err rc;

	if ((rc = resolve(f, yaml, plans)))
		fail_msg("resolve failed: %d", rc);
	migctl_apply_report_init(&rep);
	rc = migctl_apply(&f->node, plans, opts, &rep, err);
	if (outcome)
		*outcome = rep.n_gpus ? rep.gpus[0].outcome : MIGCTL_GPU_UNMANAGED;
	migctl_apply_report_release(&rep);
	return rc;
}

static enum migctl_err apply(struct fixture *f, const char *yaml, bool force,
			     struct migctl_error *err)
{
	struct migctl_apply_options opts = {.force = force, .journal_path = f->journal};
	return apply_with(f, yaml, &opts, NULL, err);
}

/* A GPU's layout as text: "GI profile@start:size[CI profile@start ...]"
 * sorted by placement (the node lists GIs by ID, which changes when an
 * instance is recreated; placements and profiles are what must match). */
static void layout_text(const struct migctl_gpu_state *g, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "%s:", g->mig_current ? "on" : "off");
	for (unsigned start = 0; start < MIGCTL_MAX_UNITS; start++) {
		for (size_t i = 0; i < g->n_gis; i++) {
			const struct migctl_gi_state *gi = &g->gis[i];
			if (gi->placement.start != start)
				continue;
			n += (size_t)snprintf(buf + n, len - n, " %u@%u:%u[", gi->profile_id,
					      gi->placement.start, gi->placement.size);
			for (unsigned cs = 0; cs < MIGCTL_MAX_UNITS; cs++)
				for (size_t c = 0; c < gi->n_cis; c++)
					if (gi->cis[c].placement.start == cs)
						n += (size_t)snprintf(buf + n, len - n, " %u@%u",
								      gi->cis[c].profile_id, cs);
			n += (size_t)snprintf(buf + n, len - n, "]");
		}
	}
}

static void snapshot(struct fixture *f, char (*out)[512])
{
	struct migctl_error err = {0};
	if (migctl_node_refresh(&f->node, &err))
		fail_msg("refresh: %s", err.msg);
	for (size_t i = 0; i < f->node.n_gpus; i++)
		layout_text(&f->node.gpus[i], out[i], sizeof(out[i]));
}

static bool journal_exists(const struct fixture *f)
{
	return access(f->journal, F_OK) == 0;
}

/* A100 x 2. Before: GPU 0 balanced, GPU 1 7 x 1g. Target: GPU 0 keeps its
 * 3g at 4:4 and gets 4 x 1g; GPU 1 becomes 3 x 2g. */
static const char before_yaml[] =
	"version: v1\nmig-configs:\n  t:\n"
	"    - devices: [0]\n      mig-enabled: true\n"
	"      mig-devices: {\"1g.10gb\": 2, \"2g.20gb\": 1, \"3g.40gb\": 1}\n"
	"    - devices: [1]\n      mig-enabled: true\n      mig-devices: {\"1g.10gb\": 7}\n";
static const char target_yaml[] =
	"version: v1\nmig-configs:\n  t:\n"
	"    - devices: [0]\n      mig-enabled: true\n"
	"      mig-devices: {\"3g.40gb\": 1, \"1g.10gb\": 4}\n"
	"    - devices: [1]\n      mig-enabled: true\n      mig-devices: {\"2g.20gb\": 3}\n";

static void prepare(struct fixture *f, char (*before)[512])
{
	struct migctl_error err = {0};

	close_node(f);
	run("'%s' --state '%s' init --gpus A100-SXM4-80GB:2 >/dev/null", sim_bin, f->state);
	open_node(f);
	if (apply(f, before_yaml, false, &err))
		fail_msg("before: %s", err.msg);
	snapshot(f, before);
}

/* Each GPU is at its target (GPU 0: a 3g at 4:4 and four 1g; GPU 1: three
 * 2g) or exactly where it was before. */
static void assert_target_or_before(struct fixture *f, char (*before)[512], bool *at_target)
{
	char now[MIGCTL_NODE_MAX_GPUS][512];
	struct migctl_gpu_plan plans[MIGCTL_NODE_MAX_GPUS];

	snapshot(f, now);
	assert_int_equal(resolve(f, target_yaml, plans), MIGCTL_ERR_OK);
	for (size_t i = 0; i < 2; i++) {
		struct migctl_layout l;
		migctl_layout_of_gpu(&f->node.gpus[i], &l);
		at_target[i] = migctl_layout_satisfies(&f->node.gpus[i].model, &l, &plans[i].target);
		if (!at_target[i] && strcmp(now[i], before[i]) != 0)
			fail_msg("GPU %zu is neither at its target nor at its checkpoint:\n"
				 "  now    %s\n  before %s", i, now[i], before[i]);
		/* Nothing orphaned: no GI without a CI. */
		for (size_t g = 0; g < f->node.gpus[i].n_gis; g++)
			assert_true(f->node.gpus[i].gis[g].n_cis > 0);
	}
}

/* The number of NVML mutations a clean apply of the target makes. */
static size_t count_steps(struct fixture *f)
{
	struct migctl_gpu_plan plans[MIGCTL_NODE_MAX_GPUS];
	struct migctl_apply_report rep;
	struct migctl_apply_options opts = {.dry_run = true, .journal_path = f->journal};
	struct migctl_error err = {0};
	size_t n = 0;

	assert_int_equal(resolve(f, target_yaml, plans), MIGCTL_ERR_OK);
	migctl_apply_report_init(&rep);
	assert_int_equal(migctl_apply(&f->node, plans, &opts, &rep, &err), MIGCTL_ERR_OK);
	for (size_t i = 0; i < rep.n_gpus; i++)
		n += rep.gpus[i].transition.n_steps;
	/* GPU 0 keeps its 3g at 4:4 and both 1g at 0 and 1 (3 GIs + 3 CIs);
	 * only the 2g at 2:2 goes (GI + CI: 2 destroys) to make room for two
	 * more 1g (4 creates). GPU 1 loses 7 x 1g (14 destroys: no 2g
	 * placement keeps a 1g, and the target has no 1g) and gains 3 x 2g
	 * (6 creates). */
	size_t d0 = rep.gpus[0].transition.destroyed, k0 = rep.gpus[0].transition.kept;
	size_t d1 = rep.gpus[1].transition.destroyed;
	migctl_apply_report_release(&rep);
	assert_int_equal(d0, 2);
	assert_int_equal(k0, 6);
	assert_int_equal(d1, 14);
	assert_int_equal(n, 2 + 4 + 14 + 6);
	return n;
}

static void test_clean_apply_reaches_target(void **state)
{
	struct fixture *f = *state;
	char before[MIGCTL_NODE_MAX_GPUS][512];
	struct migctl_error err = {0};
	bool at[2];

	prepare(f, before);
	unsigned gi_3g = 0;
	for (size_t g = 0; g < f->node.gpus[0].n_gis; g++)
		if (f->node.gpus[0].gis[g].placement.start == 4)
			gi_3g = f->node.gpus[0].gis[g].id;
	count_steps(f);
	assert_int_equal(apply(f, target_yaml, false, &err), MIGCTL_ERR_OK);
	assert_target_or_before(f, before, at);
	assert_true(at[0] && at[1]);
	/* The 3g GI was kept, not recreated: same ID at the same place. */
	bool kept = false;
	for (size_t g = 0; g < f->node.gpus[0].n_gis; g++)
		kept |= f->node.gpus[0].gis[g].placement.start == 4 && f->node.gpus[0].gis[g].id == gi_3g;
	assert_true(kept);
	assert_false(journal_exists(f));
	/* A second apply changes nothing. */
	unsigned long calls = migctl_node_nvml_calls(&f->node);
	assert_int_equal(apply(f, target_yaml, false, &err), MIGCTL_ERR_OK);
	assert_true(migctl_node_nvml_calls(&f->node) > calls); /* it read the node */
	assert_target_or_before(f, before, at);
}

static void test_fault_at_every_mutation(void **state)
{
	struct fixture *f = *state;
	char before[MIGCTL_NODE_MAX_GPUS][512];
	struct migctl_error err = {0};
	bool at[2];

	prepare(f, before);
	size_t steps = count_steps(f);
	for (size_t k = 0; k < steps; k++) {
		if (k > 0)
			prepare(f, before);
		run("'%s' --state '%s' fault add --call mutating --error UNKNOWN --after %zu >/dev/null",
		    sim_bin, f->state, k);
		enum migctl_err rc = apply(f, target_yaml, false, &err);
		run("'%s' --state '%s' fault clear >/dev/null", sim_bin, f->state);
		if (rc != MIGCTL_ERR_ROLLED_BACK)
			fail_msg("fault at mutation %zu: expected a rollback, got %d (%s)", k, rc, err.msg);
		assert_target_or_before(f, before, at);
		/* The apply stops at the failing GPU: GPU 1 never reached its
		 * target when GPU 0 failed. */
		assert_false(at[0] && at[1]);
		assert_false(journal_exists(f));
		/* And the next apply gets there. */
		assert_int_equal(apply(f, target_yaml, false, &err), MIGCTL_ERR_OK);
		assert_target_or_before(f, before, at);
		assert_true(at[0] && at[1]);
	}
}

static void test_kill_at_every_mutation_then_recover(void **state)
{
	struct fixture *f = *state;
	char before[MIGCTL_NODE_MAX_GPUS][512];
	struct migctl_apply_report rep;
	struct migctl_error err = {0};
	bool at[2];

	prepare(f, before);
	size_t steps = count_steps(f);
	for (size_t k = 0; k < steps; k++) {
		if (k > 0)
			prepare(f, before);
		run("'%s' --state '%s' fault add --call mutating --error kill --after %zu >/dev/null",
		    sim_bin, f->state, k);
		close_node(f);
		fflush(NULL);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct migctl_error e = {0};
			open_node(f);
			apply(f, target_yaml, false, &e);
			_exit(0); /* not reached: the fault kills the apply */
		}
		int status = 0;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			fail_msg("mutation %zu: the apply was not killed (status %d)", k, status);
		run("'%s' --state '%s' fault clear >/dev/null", sim_bin, f->state);
		assert_true(journal_exists(f));
		open_node(f);
		bool found = false;
		migctl_apply_report_init(&rep);
		if (migctl_recover(&f->node, f->journal, NULL, NULL, &found, &rep, &err))
			fail_msg("recover after mutation %zu: %s", k, err.msg);
		migctl_apply_report_release(&rep);
		assert_true(found);
		assert_false(journal_exists(f));
		assert_target_or_before(f, before, at);
		assert_int_equal(apply(f, target_yaml, false, &err), MIGCTL_ERR_OK);
		assert_target_or_before(f, before, at);
		assert_true(at[0] && at[1]);
	}
}

/* `migsim exec -d DEV -- sleep 60` in the background, waited for until the
 * node lists it. */
static void exec_bg(struct fixture *f, const char *dev)
{
	char pidfile[400], buf[32] = "";
	struct migctl_error err = {0};

	snprintf(pidfile, sizeof(pidfile), "%s/exec.pid", f->dir);
	run("'%s' --state '%s' exec -d '%s' -- sleep 60 >/dev/null 2>&1 & echo $! >'%s'", sim_bin,
	    f->state, dev, pidfile);
	FILE *p = fopen(pidfile, "r");
	assert_non_null(p);
	assert_non_null(fgets(buf, sizeof(buf), p));
	fclose(p);
	f->bg = (pid_t)atoi(buf);
	for (int i = 0; i < 200; i++) {
		if (migctl_node_refresh(&f->node, &err))
			fail_msg("refresh: %s", err.msg);
		if (f->node.gpus[0].n_procs > 0)
			return;
		struct timespec ts = {0, 20 * 1000000L};
		nanosleep(&ts, NULL);
	}
	fail_msg("the background process never showed up");
}

static void test_busy_instance_survives(void **state)
{
	struct fixture *f = *state;
	char before[MIGCTL_NODE_MAX_GPUS][512], now[MIGCTL_NODE_MAX_GPUS][512];
	struct migctl_error err = {0};

	prepare(f, before);
	/* A process on the 3g GI at 4:4 of GPU 0. */
	const char *uuid = NULL;
	unsigned busy_gi = 0;
	for (size_t g = 0; g < f->node.gpus[0].n_gis; g++) {
		if (f->node.gpus[0].gis[g].placement.start == 4) {
			uuid = f->node.gpus[0].gis[g].cis[0].uuid;
			busy_gi = f->node.gpus[0].gis[g].id;
		}
	}
	assert_non_null(uuid);
	char dev[96];
	snprintf(dev, sizeof(dev), "%s", uuid);
	exec_bg(f, dev);

	/* 7g needs the whole GPU: refused, nothing changed on any GPU. */
	static const char whole[] =
		"version: v1\nmig-configs:\n  t:\n"
		"    - devices: all\n      mig-enabled: true\n      mig-devices: {\"7g.80gb\": 1}\n";
	snapshot(f, before);
	assert_int_equal(apply(f, whole, false, &err), MIGCTL_ERR_BUSY);
	assert_non_null(strstr(err.msg, "GPU 0"));
	snapshot(f, now);
	assert_string_equal(now[0], before[0]);
	assert_string_equal(now[1], before[1]);
	assert_false(journal_exists(f));

	/* Disabling MIG needs it gone too. */
	static const char off[] =
		"version: v1\nmig-configs:\n  t:\n    - devices: [0]\n      mig-enabled: false\n";
	assert_int_equal(apply(f, off, false, &err), MIGCTL_ERR_BUSY);

	/* Layouts that leave 4:4 alone apply, and the GI stays the same. */
	static const char *const fits[] = {
		target_yaml,
		"version: v1\nmig-configs:\n  t:\n    - devices: [0]\n      mig-enabled: true\n"
		"      mig-devices: {\"3g.40gb\": 2}\n",
		"version: v1\nmig-configs:\n  t:\n    - devices: [0]\n      mig-enabled: true\n"
		"      mig-devices: {\"3g.40gb\": 1, \"2g.20gb\": 2}\n",
	};
	for (size_t i = 0; i < sizeof(fits) / sizeof(fits[0]); i++) {
		if (apply(f, fits[i], false, &err))
			fail_msg("layout %zu: %s", i, err.msg);
		bool kept = false;
		for (size_t g = 0; g < f->node.gpus[0].n_gis; g++)
			kept |= f->node.gpus[0].gis[g].id == busy_gi &&
				f->node.gpus[0].gis[g].placement.start == 4;
		assert_true(kept);
	}
	stop_bg(f);
}

/* What an eviction callback was asked. */
struct evict_log {
	unsigned calls, round;
	size_t n;
	unsigned pid;
};

/* Eviction as an operator would do it: SIGTERM, then wait. */
static enum migctl_err term_evict(void *ctx, unsigned round, const struct migctl_process *pids,
				  size_t n, long *wait_ms, struct migctl_error *err)
{
	struct evict_log *log = ctx;
	(void)err;
	log->calls++;
	log->round = round;
	log->n = n;
	log->pid = pids[0].pid;
	for (size_t k = 0; k < n; k++)
		kill((pid_t)pids[k].pid, SIGTERM);
	*wait_ms = 5000;
	return MIGCTL_ERR_OK;
}

/* A caller that will not stop anything. */
static enum migctl_err refuse_evict(void *ctx, unsigned round, const struct migctl_process *pids,
				    size_t n, long *wait_ms, struct migctl_error *err)
{
	(void)ctx, (void)round, (void)n, (void)wait_ms;
	return migctl_fail(err, MIGCTL_ERR_BUSY, "will not stop process %u", pids[0].pid);
}

/* --force stops processes only through the caller's callback: without
 * one, busy instances are refused as without force; a refusing callback
 * rolls the GPU back; a working one lets the apply through. */
static void test_force_evicts_through_callback(void **state)
{
	struct fixture *f = *state;
	char before[MIGCTL_NODE_MAX_GPUS][512], now[MIGCTL_NODE_MAX_GPUS][512];
	struct migctl_error err = {0};
	struct evict_log log = {0};
	enum migctl_gpu_outcome outcome;
	static const char whole[] =
		"version: v1\nmig-configs:\n  t:\n"
		"    - devices: [0]\n      mig-enabled: true\n      mig-devices: {\"7g.80gb\": 1}\n";

	prepare(f, before);
	char dev[96];
	snprintf(dev, sizeof(dev), "%s", f->node.gpus[0].gis[0].cis[0].uuid);
	exec_bg(f, dev);
	unsigned pid = f->node.gpus[0].procs[0].pid;
	snapshot(f, before);

	struct migctl_apply_options opts = {.force = true, .journal_path = f->journal};
	assert_int_equal(apply_with(f, whole, &opts, &outcome, &err), MIGCTL_ERR_BUSY);
	assert_int_equal(outcome, MIGCTL_GPU_REFUSED);
	snapshot(f, now);
	assert_string_equal(now[0], before[0]);

	opts.evict = refuse_evict;
	assert_int_equal(apply_with(f, whole, &opts, &outcome, &err), MIGCTL_ERR_ROLLED_BACK);
	assert_int_equal(outcome, MIGCTL_GPU_ROLLED_BACK);
	assert_non_null(strstr(err.msg, "GPU 0: will not stop process"));
	snapshot(f, now);
	assert_string_equal(now[0], before[0]);
	assert_false(journal_exists(f));

	opts.evict = term_evict;
	opts.evict_ctx = &log;
	if (apply_with(f, whole, &opts, &outcome, &err))
		fail_msg("apply with eviction: %s", err.msg);
	assert_int_equal(outcome, MIGCTL_GPU_APPLIED);
	assert_int_equal(log.calls, 1);
	assert_int_equal(log.round, 0);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.pid, pid);
	assert_int_equal(f->node.gpus[0].n_procs, 0);
	assert_int_equal(f->node.gpus[0].n_gis, 1);
	stop_bg(f);
}

/* A journal whose last line was torn by a crash is read up to it. */
static void test_torn_journal(void **state)
{
	struct fixture *f = *state;
	char before[MIGCTL_NODE_MAX_GPUS][512], now[MIGCTL_NODE_MAX_GPUS][512];
	struct migctl_checkpoint cp;
	struct migctl_apply_report rep;
	struct migctl_error err = {0};
	char *text = NULL;
	bool found = false;

	prepare(f, before);
	migctl_checkpoint_init(&cp);
	assert_int_equal(migctl_checkpoint_capture(&f->node, &cp, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_checkpoint_to_json(&cp, &text, &err), MIGCTL_ERR_OK);
	/* The header as lib/journal.c writes it, on one line. */
	for (char *c = text; *c; c++)
		if (*c == '\n')
			*c = ' ';
	FILE *j = fopen(f->journal, "w");
	assert_non_null(j);
	fprintf(j, "{\"journal\": \"migctl\", \"version\": 1, \"checkpoint\": %s}\n"
		   "{\"gpu\": \"x\", \"seq\": 1, \"op\": \"destroy-ci\", \"pha", text);
	fclose(j);
	free(text);
	migctl_checkpoint_release(&cp);
	/* Meanwhile the crashed apply had emptied GPU 1. */
	struct migctl_gpu_state *g1 = &f->node.gpus[1];
	for (size_t g = g1->n_gis; g-- > 0;) {
		assert_int_equal(migctl_node_destroy_ci(&f->node, g1, g1->gis[g].id, g1->gis[g].cis[0].id,
							&err), MIGCTL_ERR_OK);
		assert_int_equal(migctl_node_destroy_gi(&f->node, g1, g1->gis[g].id, &err),
				 MIGCTL_ERR_OK);
	}
	migctl_apply_report_init(&rep);
	assert_int_equal(migctl_recover(&f->node, f->journal, NULL, NULL, &found, &rep, &err),
			 MIGCTL_ERR_OK);
	assert_true(found);
	assert_int_equal(rep.gpus[1].outcome, MIGCTL_GPU_ROLLED_BACK);
	migctl_apply_report_release(&rep);
	snapshot(f, now);
	assert_string_equal(now[0], before[0]);
	assert_string_equal(now[1], before[1]);
	assert_false(journal_exists(f));

	/* Not a journal: refused, left in place. */
	j = fopen(f->journal, "w");
	assert_non_null(j);
	fputs("hello\n", j);
	fclose(j);
	migctl_apply_report_init(&rep);
	assert_int_equal(migctl_recover(&f->node, f->journal, NULL, NULL, &found, &rep, &err),
			 MIGCTL_ERR_PARSE);
	migctl_apply_report_release(&rep);
	assert_true(journal_exists(f));
}

/* Mode: Ampere needs a reset (or says so with skip_reset), Hopper not. */
static void test_mode_changes(void **state)
{
	struct fixture *f = *state;
	struct migctl_gpu_plan plans[MIGCTL_NODE_MAX_GPUS];
	struct migctl_apply_report rep;
	struct migctl_error err = {0};
	static const char on[] =
		"version: v1\nmig-configs:\n  t:\n    - devices: all\n      mig-enabled: true\n"
		"      mig-devices: {}\n";

	run("'%s' --state '%s' init --gpus A100-SXM4-80GB,H100-SXM5-80GB >/dev/null", sim_bin,
	    f->state);
	open_node(f);
	assert_int_equal(resolve(f, on, plans), MIGCTL_ERR_OK);
	struct migctl_apply_options opts = {.skip_reset = true, .journal_path = f->journal};
	migctl_apply_report_init(&rep);
	assert_int_equal(migctl_apply(&f->node, plans, &opts, &rep, &err),
			 MIGCTL_ERR_RESET_REQUIRED);
	assert_int_equal(rep.gpus[0].outcome, MIGCTL_GPU_PENDING);
	assert_int_equal(rep.gpus[1].outcome, MIGCTL_GPU_APPLIED); /* Hopper: at once */
	assert_false(rep.gpus[1].reset);
	assert_true(f->node.gpus[0].mig_pending && !f->node.gpus[0].mig_current);
	opts.skip_reset = false;
	assert_int_equal(migctl_apply(&f->node, plans, &opts, &rep, &err), MIGCTL_ERR_OK);
	assert_true(rep.gpus[0].reset);
	assert_true(f->node.gpus[0].mig_current);
	assert_int_equal(rep.gpus[1].outcome, MIGCTL_GPU_UNCHANGED);
	migctl_apply_report_release(&rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clean_apply_reaches_target, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_at_every_mutation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_at_every_mutation_then_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_instance_survives, setup, teardown),
		cmocka_unit_test_setup_teardown(test_force_evicts_through_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode_changes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup_reaper, NULL);
}
