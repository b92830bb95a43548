/* The simulator fixture shared by the unit tests that drive a simulated
 * machine (test_node.c, test_create.c, test_apply.c, test_apply_crash.c):
 * each test gets a mkdtemp directory holding the simulator's state file
 * ($MIGSIM_STATE) and a journal path, the builtin catalog, and a node
 * opened through the simulated NVML library ($MIGSIM_LIB); machines are
 * made with `$MIGSIM_BIN init`. tests/run-tests.sh exports both variables.
 *
 * Include it after <cmocka.h>. Everything is static inline, so a test
 * program that does not use a helper does not warn about it.
 */
#ifndef MIGCTL_TESTS_SIM_FIXTURE_H
#define MIGCTL_TESTS_SIM_FIXTURE_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "migctl/catalog.h"
#include "migctl/node.h"

struct fixture {
	char dir[256];
	char state[300];
	char journal[320];
	struct migctl_catalog cat;
	struct migctl_node node;
	bool open;
	pid_t bg;               /* a background `migsim exec`, or 0 */
	uint64_t rng;           /* test_apply_crash.c's random layouts */
};

static const char *sim_lib;
static const char *sim_bin;

/* Run a shell command; a non-zero status fails the test. */
static inline void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	if (rc != 0)
		fail_msg("command failed (%d): %s", rc, cmd);
}

/* Group setup: find the simulator. */
static inline int group_setup(void **state)
{
	(void)state;
	sim_lib = getenv("MIGSIM_LIB");
	sim_bin = getenv("MIGSIM_BIN");
	if (!sim_lib || !sim_bin) {
		print_error("set MIGSIM_LIB and MIGSIM_BIN (tests/run-tests.sh does)\n");
		return -1;
	}
	return 0;
}

/* The same, for tests that start `migsim exec` in the background of a
 * shell that exits at once: adopt it so that stop_bg can reap it. */
static inline int group_setup_reaper(void **state)
{
	int rc = group_setup(state);

	if (rc == 0)
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	return rc;
}

/* Per-test setup: a fresh directory "TMP/NAME-XXXXXX" under $TMPDIR, or
 * `tmp` when that is unset, with the state and journal paths in it, and
 * the builtin catalog. */
static inline int sim_fixture_setup(void **state, const char *name, const char *tmp)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct migctl_error err;

	if (!f)
		return -1;
	if (getenv("TMPDIR"))
		tmp = getenv("TMPDIR");
	snprintf(f->dir, sizeof(f->dir), "%s/%s-XXXXXX", tmp, name);
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
	snprintf(f->journal, sizeof(f->journal), "%s/journal.jsonl", f->dir);
	setenv("MIGSIM_STATE", f->state, 1);
	migctl_catalog_init(&f->cat);
	if (migctl_catalog_load_builtin(&f->cat, &err)) {
		print_error("catalog: %s\n", err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

/* Stop the background `migsim exec`, if any. */
static inline void stop_bg(struct fixture *f)
{
	if (f->bg <= 0)
		return;
	kill(f->bg, SIGTERM); /* migsim passes it on to its command */
	waitpid(f->bg, NULL, 0);
	f->bg = 0;
}

static inline void close_node(struct fixture *f)
{
	if (f->open)
		migctl_node_close(&f->node);
	f->open = false;
}

static inline int teardown(void **state)
{
	struct fixture *f = *state;

	stop_bg(f);
	close_node(f);
	migctl_catalog_release(&f->cat);
	run("rm -rf '%s'", f->dir);
	unsetenv("MIGSIM_STATE");
	free(f);
	return 0;
}

/* (Re)open the node on the current machine and read it. */
static inline struct migctl_node *open_node(struct fixture *f)
{
	struct migctl_node_options opts = {
		.nvml_lib = sim_lib, .sim_state = f->state, .catalog = &f->cat,
	};
	struct migctl_error err = {0};

	close_node(f);
	if (migctl_node_open(&f->node, &opts, &err))
		fail_msg("open: %s", err.msg);
	f->open = true;
	if (migctl_node_refresh(&f->node, &err))
		fail_msg("refresh: %s", err.msg);
	return &f->node;
}

/* A machine (`migsim init ARGS`) and the node open and read on it. */
static inline struct migctl_node *machine(struct fixture *f, const char *init_args)
{
	run("'%s' --state '%s' init %s >/dev/null", sim_bin, f->state, init_args);
	return open_node(f);
}

/* MIG enabled on GPU `i` (Ampere: pending, then reset). */
static inline struct migctl_gpu_state *enabled(struct migctl_node *node, unsigned i)
{
	struct migctl_mode_result res;
	struct migctl_error err = {0};
	struct migctl_gpu_state *g = &node->gpus[i];

	if (migctl_node_set_mig_mode(node, g, true, &res, &err))
		fail_msg("enable: %s", err.msg);
	if (res.pending && migctl_node_reset_gpu(node, g, &err))
		fail_msg("reset: %s", err.msg);
	assert_true(g->mig_current);
	return g;
}

static inline unsigned create_gi(struct migctl_node *node, struct migctl_gpu_state *g,
				 unsigned profile, const struct migctl_placement *pl)
{
	struct migctl_error err = {0};
	unsigned id = 999;

	if (migctl_node_create_gi(node, g, profile, pl, &id, &err))
		fail_msg("create GI %u: %s", profile, err.msg);
	return id;
}

static inline unsigned create_ci(struct migctl_node *node, struct migctl_gpu_state *g,
				 unsigned gi, unsigned profile,
				 const struct migctl_placement *pl)
{
	struct migctl_error err = {0};
	unsigned id = 999;

	if (migctl_node_create_ci(node, g, gi, profile, pl, &id, &err))
		fail_msg("create CI %u in GI %u: %s", profile, gi, err.msg);
	return id;
}

static inline void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

#endif
