/* Crash consistency of apply, rollback and recover on a mixed 4-GPU node
 * (A100-40GB, H100, A30, A100-80GB), and the mode rollbacks of issue 13
 * (findings 2, 5, 6).
 *
 * Seeded trials: each seed draws a prior layout A and a target layout B
 * per GPU (random GIs, some without CIs, some with partial CI sets; the
 * A100-80GB's MIG mode off or on), takes B as a checkpoint target (exact:
 * it names the empty GIs too), and then, for every mutation count K, runs
 * the apply from A with an NVML error injected at mutation K (in process:
 * the apply must roll back) and with a SIGKILL at mutation K (in a forked
 * child; then migctl_recover). After each: every GPU is exactly at A or
 * at B, nothing is pending, no journal is left, and a later apply reaches
 * B. A few trials kill the child at a random time instead. The machine is
 * put back at A by copying the simulator's state file, which is much
 * cheaper than rebuilding it.
 *
 * tests/run-tests.sh exports MIGSIM_LIB and MIGSIM_BIN. MIGCTL_CRASH_SEEDS
 * sets the number of seeds. Each trial costs thousands of simulated NVML
 * calls (every operation re-reads its GPU), about 0.3 s under ASan here,
 * so `make check` runs 3 seeds (about 180 trials, under a minute under
 * ASan here); `make crash-long` runs 20 seeds (over 1,000 trials).
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "migctl/apply.h"
#include "migctl/catalog.h"
#include "migctl/node.h"
#include "sim.h" /* sim_state_changed */

#define N_GPUS 4

#include "sim_fixture.h"

static int setup(void **state)
{
	/* tmpfs when there is one: the simulator and the journal sync
	 * every write, which a disk shared with other builds makes slow,
	 * and a killed process loses nothing from the page cache anyway. */
	return sim_fixture_setup(state, "test_apply_crash",
				 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
}

static unsigned rnd(struct fixture *f, unsigned n)
{
	/* xorshift64: reproducible from the seed on every libc. */
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return n ? (unsigned)(f->rng % n) : 0;
}

static void refresh(struct fixture *f)
{
	struct migctl_error err = {0};
	if (migctl_node_refresh(&f->node, &err))
		fail_msg("refresh: %s", err.msg);
}

/* Save or put back the simulated machine (its one state file). */
static void save_state(struct fixture *f, const char *name)
{
	run("cp '%s/machine.json' '%s/%s'", f->state, f->dir, name);
}

static void load_state(struct fixture *f, const char *name)
{
	char from[400], tmp[400], to[400];
	snprintf(from, sizeof(from), "%s/%s", f->dir, name);
	snprintf(tmp, sizeof(tmp), "%s/machine.json.h1", f->state);
	snprintf(to, sizeof(to), "%s/machine.json", f->state);
	FILE *in = fopen(from, "rb"), *out = fopen(tmp, "wb");
	assert_non_null(in);
	assert_non_null(out);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(rename(tmp, to), 0);
	/* This process holds the simulator open and reads through its
	 * copy while the shared generation says nothing changed. */
	struct migctl_error err = {0};
	if (sim_state_changed(f->state, &err))
		fail_msg("generation: %s", err.msg);
	refresh(f);
}

/* Set a GPU's MIG mode now (resetting an Ampere GPU). */
static void set_mode(struct fixture *f, size_t i, bool on)
{
	struct migctl_mode_result res;
	struct migctl_error err = {0};
	struct migctl_gpu_state *g = &f->node.gpus[i];

	if (g->mig_current == on && g->mig_pending == on)
		return;
	if (migctl_node_set_mig_mode(&f->node, g, on, &res, &err))
		fail_msg("mode: %s", err.msg);
	if (res.pending && migctl_node_reset_gpu(&f->node, g, &err))
		fail_msg("reset: %s", err.msg);
	assert_true(g->mig_current == on && g->mig_pending == on);
}

/* A random legal layout on GPU i: GIs of random profiles where they fit;
 * each with no CI (1 in 4), its full CI, or 1-2 random CIs. */
static void random_layout(struct fixture *f, size_t i)
{
	struct migctl_gpu_state *g = &f->node.gpus[i];
	struct migctl_error err = {0};

	if (!g->mig_current)
		return;
	for (unsigned tries = rnd(f, 9); tries > 0; tries--) {
		/* Every operation re-reads the GPU, model included: profiles
		 * are looked up again by ID after each. */
		unsigned gi, ci, gp_id = g->model.gi[rnd(f, (unsigned)g->model.n_gi)].id;
		if (migctl_node_create_gi(&f->node, g, gp_id, NULL, &gi, &err))
			continue; /* no room left for it */
		unsigned how = rnd(f, 4);
		for (unsigned n = how == 0 ? 0 : how == 1 ? 1 : 1 + rnd(f, 2); n > 0; n--) {
			const struct migctl_gi_profile *gp = NULL;
			for (size_t k = 0; k < g->model.n_gi; k++)
				if (g->model.gi[k].id == gp_id)
					gp = &g->model.gi[k];
			assert_non_null(gp);
			if (gp->n_ci == 0)
				break;
			/* how 1: the full CI (the catalog lists CI profiles
			 * smallest first); else 1-2 random ones. */
			unsigned cp = how == 1 ? (unsigned)gp->n_ci - 1 : rnd(f, (unsigned)gp->n_ci);
			if (migctl_node_create_ci(&f->node, g, gi, gp->ci[cp].id, NULL, &ci, &err))
				break;
		}
	}
}

/* A random node state: the A100-80GB (GPU 3) with MIG off one time in
 * three, the other GPUs on; random layouts. From an all-on, empty node. */
static void random_node(struct fixture *f)
{
	load_state(f, "base");
	if (rnd(f, 3) == 0)
		set_mode(f, 3, false);
	for (size_t i = 0; i < N_GPUS; i++)
		random_layout(f, i);
	refresh(f);
}

static bool same_ci_set(const struct migctl_gpu_checkpoint *a, size_t ga,
			const struct migctl_gpu_checkpoint *b, size_t gb)
{
	const struct migctl_layout_gi *x = &a->layout.gis[ga], *y = &b->layout.gis[gb];
	uint32_t used = 0;

	if (x->n_cis != y->n_cis)
		return false;
	for (size_t c = 0; c < x->n_cis; c++) {
		bool found = false;
		for (size_t d = 0; d < y->n_cis && !found; d++)
			if (!(used & (1u << d)) && a->ci_profile_id[ga][c] == b->ci_profile_id[gb][d] &&
			    migctl_placement_equal(x->cis[c].placement, y->cis[d].placement)) {
				used |= 1u << d;
				found = true;
			}
		if (!found)
			return false;
	}
	return true;
}

/* The same mode and the same GIs (profile, placement) with the same CIs
 * (profile, placement); instance IDs may differ. */
static bool same_gpu(const struct migctl_gpu_checkpoint *a, const struct migctl_gpu_checkpoint *b)
{
	uint32_t used = 0;

	if (a->mig_enabled != b->mig_enabled || a->layout.n_gis != b->layout.n_gis)
		return false;
	for (size_t g = 0; g < a->layout.n_gis; g++) {
		bool found = false;
		for (size_t h = 0; h < b->layout.n_gis && !found; h++)
			if (!(used & (1u << h)) && a->gi_profile_id[g] == b->gi_profile_id[h] &&
			    migctl_placement_equal(a->layout.gis[g].placement,
						   b->layout.gis[h].placement) &&
			    same_ci_set(a, g, b, h)) {
				used |= 1u << h;
				found = true;
			}
		if (!found)
			return false;
	}
	return true;
}

static void capture(struct fixture *f, struct migctl_checkpoint *cp)
{
	struct migctl_error err = {0};
	refresh(f);
	if (migctl_checkpoint_capture(&f->node, cp, &err))
		fail_msg("capture: %s", err.msg);
	assert_int_equal(cp->n_gpus, f->node.n_gpus);
}

/* Every GPU exactly at A or at B, nothing pending, no journal; returns
 * how many are at B. */
static unsigned check_a_or_b(struct fixture *f, const struct migctl_checkpoint *a,
			     const struct migctl_checkpoint *b, const char *what, unsigned k)
{
	struct migctl_checkpoint now;
	unsigned at_b = 0;

	migctl_checkpoint_init(&now);
	capture(f, &now);
	for (size_t i = 0; i < f->node.n_gpus; i++) {
		const struct migctl_gpu_state *g = &f->node.gpus[i];
		if (g->mig_pending != g->mig_current)
			fail_msg("%s at mutation %u: GPU %zu has a MIG mode change pending", what, k, i);
		bool is_b = same_gpu(&now.gpus[i], &b->gpus[i]);
		if (!is_b && !same_gpu(&now.gpus[i], &a->gpus[i]))
			fail_msg("%s at mutation %u: GPU %zu (%s) is neither at its prior nor at its "
				 "target layout", what, k, i, g->name);
		at_b += is_b;
	}
	migctl_checkpoint_release(&now);
	if (access(f->journal, F_OK) == 0)
		fail_msg("%s at mutation %u: a journal is left", what, k);
	return at_b;
}

static enum migctl_err apply_plans(struct fixture *f, const struct migctl_gpu_plan *plans,
				   struct migctl_error *err)
{
	struct migctl_apply_options opts = {.journal_path = f->journal};
	struct migctl_apply_report rep;

	migctl_apply_report_init(&rep);
	enum migctl_err rc = migctl_apply(&f->node, plans, &opts, &rep, err);
	migctl_apply_report_release(&rep);
	return rc;
}

static void recover(struct fixture *f, const char *what, unsigned k)
{
	struct migctl_apply_report rep;
	struct migctl_error err = {0};
	bool found = false;

	migctl_apply_report_init(&rep);
	if (migctl_recover(&f->node, f->journal, NULL, NULL, &found, &rep, &err))
		fail_msg("%s at mutation %u: recover failed: %s", what, k, err.msg);
	migctl_apply_report_release(&rep);
}

/* Fork an apply of `plans`; kill it after `delay_us` (< 0: let a kill
 * fault do it). Returns whether it died of SIGKILL. */
static bool apply_in_child(struct fixture *f, const struct migctl_gpu_plan *plans, long delay_us)
{
	close_node(f);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct migctl_error e = {0};
		open_node(f);
		_exit(apply_plans(f, plans, &e) == MIGCTL_ERR_OK ? 0 : 3);
	}
	if (delay_us >= 0) {
		struct timespec ts = {delay_us / 1000000, (delay_us % 1000000) * 1000};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	open_node(f);
	if (!WIFSIGNALED(status) && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		fail_msg("the apply in the child failed (status %d)", status);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

/* After a trial: the later apply converges on B. */
static void converge(struct fixture *f, const struct migctl_gpu_plan *plans,
		     const struct migctl_checkpoint *a, const struct migctl_checkpoint *b,
		     const char *what, unsigned k)
{
	struct migctl_error err = {0};
	if (apply_plans(f, plans, &err))
		fail_msg("%s at mutation %u: the next apply failed: %s", what, k, err.msg);
	if (check_a_or_b(f, a, b, what, k) != f->node.n_gpus)
		fail_msg("%s at mutation %u: the next apply did not reach the target", what, k);
}

/* One kind of fault ("UNKNOWN" error or "kill") at every mutation count
 * of the apply A -> B; returns the number of trials. */
static unsigned every_mutation(struct fixture *f, const char *kind,
			       const struct migctl_gpu_plan *plans,
			       const struct migctl_checkpoint *a, const struct migctl_checkpoint *b)
{
	bool kill_fault = strcmp(kind, "kill") == 0;
	unsigned trials = 0;

	for (unsigned k = 0;; k++) {
		struct migctl_error err = {0};
		bool fired;
		load_state(f, "a");
		run("'%s' --state '%s' fault add --call mutating --error %s --after %u >/dev/null",
		    sim_bin, f->state, kind, k);
		if (kill_fault) {
			fired = apply_in_child(f, plans, -1);
		} else {
			enum migctl_err rc = apply_plans(f, plans, &err);
			fired = rc != MIGCTL_ERR_OK;
			if (fired && rc != MIGCTL_ERR_ROLLED_BACK)
				fail_msg("error at mutation %u: expected a rollback, got %d (%s)", k,
					 rc, err.msg);
		}
		run("'%s' --state '%s' fault clear >/dev/null", sim_bin, f->state);
		refresh(f);
		if (kill_fault)
			recover(f, kind, k);
		unsigned at_b = check_a_or_b(f, a, b, kind, k);
		trials++;
		if (!fired) { /* past the last mutation: a clean apply */
			assert_int_equal(at_b, N_GPUS);
			return trials;
		}
		converge(f, plans, a, b, kind, k);
	}
}

/* Draw A and B for a seed; plans (B as a checkpoint) are resolved on A. */
static void draw(struct fixture *f, struct migctl_checkpoint *a, struct migctl_checkpoint *b,
		 struct migctl_gpu_plan *plans)
{
	struct migctl_error err = {0};

	random_node(f);
	capture(f, a);
	save_state(f, "a");
	random_node(f);
	capture(f, b);
	load_state(f, "a");
	if (migctl_checkpoint_plans(&f->node, b, plans, &err))
		fail_msg("plans: %s", err.msg);
}

static void base_node(struct fixture *f)
{
	run("'%s' --state '%s' init --gpus A100-SXM4-40GB,H100-SXM5-80GB,A30,A100-SXM4-80GB "
	    ">/dev/null", sim_bin, f->state);
	open_node(f);
	assert_int_equal(f->node.n_gpus, N_GPUS);
	for (size_t i = 0; i < N_GPUS; i++)
		set_mode(f, i, true);
	save_state(f, "base");
}

static void test_crash_consistency(void **state)
{
	struct fixture *f = *state;
	struct migctl_checkpoint a, b;
	struct migctl_gpu_plan plans[N_GPUS];
	unsigned trials = 0, kills = 0;
	const char *env = getenv("MIGCTL_CRASH_SEEDS");
	unsigned seeds = env && atoi(env) > 0 ? (unsigned)atoi(env) : 3;

	migctl_checkpoint_init(&a);
	migctl_checkpoint_init(&b);
	base_node(f);
	for (unsigned seed = 1; seed <= seeds; seed++) {
		f->rng = 0x9E3779B97F4A7C15ull * seed;
		draw(f, &a, &b, plans);
		trials += every_mutation(f, "UNKNOWN", plans, &a, &b);
		trials += every_mutation(f, "kill", plans, &a, &b);
		/* SIGKILL at random times, whatever the apply is doing. */
		for (unsigned t = 0; t < 4; t++) {
			load_state(f, "a");
			kills += apply_in_child(f, plans, (long)rnd(f, 40000));
			recover(f, "random kill", t);
			check_a_or_b(f, &a, &b, "random kill", t);
			converge(f, plans, &a, &b, "random kill", t);
			trials++;
		}
	}
	print_message("crash consistency: %u seeds, %u trials (%u killed at a random time)\n",
		      seeds, trials, kills);
	assert_true(trials >= 40 * seeds); /* every mutation count was reached */
	migctl_checkpoint_release(&a);
	migctl_checkpoint_release(&b);
}


/* Two A100s with MIG off; B: MIG on with a 3g GI and its CI on each (no
 * empty GI, so that these tests fail on the mode findings alone). Saves
 * the MIG-off machine as "off". */
static void two_a100s(struct fixture *f, struct migctl_checkpoint *b, struct migctl_gpu_plan *plans)
{
	struct migctl_error err = {0};
	unsigned gi, ci;

	run("'%s' --state '%s' init --gpus A100-SXM4-80GB:2 >/dev/null", sim_bin, f->state);
	open_node(f);
	save_state(f, "off");
	for (size_t i = 0; i < 2; i++) {
		struct migctl_gpu_state *g = &f->node.gpus[i];
		set_mode(f, i, true);
		if (migctl_node_create_gi(&f->node, g, 9, NULL, &gi, &err) ||
		    migctl_node_create_ci(&f->node, g, gi, 2, NULL, &ci, &err))
			fail_msg("setup: %s", err.msg);
	}
	capture(f, b);
	assert_int_equal(b->gpus[0].layout.n_gis, 1);
	load_state(f, "off");
	if (migctl_checkpoint_plans(&f->node, b, plans, &err))
		fail_msg("plans: %s", err.msg);
}

/* Finding 5: GPU 0's first create fails after the mode phase turned MIG
 * on on both GPUs. GPU 0 is rolled back, and GPU 1, which the apply did
 * not reach, must get its old mode back too. */
static void test_failed_apply_undoes_mode_changes(void **state)
{
	struct fixture *f = *state;
	struct migctl_checkpoint b;
	struct migctl_gpu_plan plans[MIGCTL_NODE_MAX_GPUS];
	struct migctl_apply_options opts = {.journal_path = f->journal};
	struct migctl_apply_report rep;
	struct migctl_error err = {0};

	migctl_checkpoint_init(&b);
	two_a100s(f, &b, plans);
	run("'%s' --state '%s' fault add --call nvmlDeviceCreateGpuInstanceWithPlacement "
	    "--error INSUFFICIENT_RESOURCES >/dev/null", sim_bin, f->state);
	migctl_apply_report_init(&rep);
	assert_int_equal(migctl_apply(&f->node, plans, &opts, &rep, &err), MIGCTL_ERR_ROLLED_BACK);
	assert_int_equal(rep.gpus[0].outcome, MIGCTL_GPU_ROLLED_BACK);
	assert_int_equal(rep.gpus[1].outcome, MIGCTL_GPU_ROLLED_BACK);
	migctl_apply_report_release(&rep);
	refresh(f);
	for (size_t i = 0; i < 2; i++) {
		assert_false(f->node.gpus[i].mig_current);
		assert_false(f->node.gpus[i].mig_pending);
	}
	assert_int_not_equal(access(f->journal, F_OK), 0);
	/* And the next apply gets there. */
	run("'%s' --state '%s' fault clear >/dev/null", sim_bin, f->state);
	assert_int_equal(migctl_apply(&f->node, plans, &opts, &rep, &err), MIGCTL_ERR_OK);
	migctl_apply_report_release(&rep);
	migctl_checkpoint_release(&b);
}

/* Finding 6: a kill right after the MIG mode was set on an Ampere GPU,
 * before its reset, leaves the change pending; recover must take it
 * back (the next reset would make it current), both ways. */
static void test_recover_takes_back_a_pending_mode(void **state)
{
	struct fixture *f = *state;
	struct migctl_checkpoint b, on;
	struct migctl_gpu_plan plans[MIGCTL_NODE_MAX_GPUS];
	struct migctl_error err = {0};

	migctl_checkpoint_init(&b);
	migctl_checkpoint_init(&on);
	two_a100s(f, &b, plans);
	/* off -> on, killed between the mode call and the reset */
	run("'%s' --state '%s' fault add --call nvmlDeviceSetMigMode --error kill >/dev/null",
	    sim_bin, f->state);
	assert_true(apply_in_child(f, plans, -1));
	assert_true(f->node.gpus[0].mig_pending && !f->node.gpus[0].mig_current);
	recover(f, "pending enable", 0);
	refresh(f);
	assert_false(f->node.gpus[0].mig_current);
	assert_false(f->node.gpus[0].mig_pending);
	assert_int_not_equal(access(f->journal, F_OK), 0);

	/* on (with instances) -> off, killed likewise */
	if (apply_plans(f, plans, &err))
		fail_msg("apply: %s", err.msg);
	capture(f, &on);
	struct migctl_gpu_plan off[MIGCTL_NODE_MAX_GPUS];
	memset(off, 0, sizeof(off));
	off[0].matched = off[0].managed = true;
	run("'%s' --state '%s' fault add --call nvmlDeviceSetMigMode --error kill >/dev/null",
	    sim_bin, f->state);
	assert_true(apply_in_child(f, off, -1));
	assert_true(f->node.gpus[0].mig_current && !f->node.gpus[0].mig_pending);
	recover(f, "pending disable", 0);
	check_a_or_b(f, &on, &on, "pending disable", 0);
	migctl_checkpoint_release(&on);
	migctl_checkpoint_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_failed_apply_undoes_mode_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_takes_back_a_pending_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_consistency, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
