/* Unit tests for lib/access.c on a driver root the simulator wrote
 * (sim/driver_root.c): who may read a node as the kernel decides it
 * (owner, owning group and named entries under the ACL mask, others),
 * grants and revocations, the refusal of managed nodes with nothing
 * changed, --unmanage, and nodes made as nvidia-modprobe makes them.
 * Node numbers: reference/nvml-mig.md §3 (gpu0/gi7/access 66, ci0 67). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "migctl/access.h"
#include "sim.h"

struct fx {
	char dir[64];
	char root[128];
	struct sim_machine *m;
	struct migctl_caps *caps;
	struct migctl_caps_node gi, ci;
};

/* One A100-SXM4-40GB in MIG mode with a 1g.5gb GI 7 and its CI 0. */
static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct migctl_error err = {0};
	nvmlReturn_t act;
	unsigned id;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_access.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	migctl_caps_sim_root(f->dir, f->root, sizeof(f->root));
	f->m = calloc(1, sizeof(*f->m));
	f->caps = malloc(sizeof(*f->caps));
	assert_non_null(f->m);
	assert_non_null(f->caps);
	assert_int_equal(migctl_catalog_load_builtin(&f->m->catalog, &err), MIGCTL_ERR_OK);
	struct sim_gpu_spec spec = {
		migctl_catalog_find_model(&f->m->catalog, "A100-SXM4-40GB", &err), 1};
	assert_int_equal(sim_machine_build(f->m, &spec, 1, 0, false, &err), MIGCTL_ERR_OK);
	assert_int_equal(sim_set_mig_mode(f->m, 0, 1, &act), NVML_SUCCESS);
	assert_int_equal(sim_reset_gpu(f->m, 0), NVML_SUCCESS);
	struct migctl_placement at0 = {0, 1};
	assert_int_equal(sim_create_gi(f->m, 0, 19, &at0, &id), NVML_SUCCESS);
	assert_int_equal(id, 7);
	assert_int_equal(sim_create_ci(f->m, 0, 7, 0, NULL, &id), NVML_SUCCESS);
	assert_int_equal(sim_driver_root_sync(f->dir, f->m, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_caps_load(f->caps, f->root, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_caps_node(f->caps, MIGCTL_CAPS_GI, 0, 7, 0, &f->gi, &err), 0);
	assert_int_equal(migctl_caps_node(f->caps, MIGCTL_CAPS_CI, 0, 7, 0, &f->ci, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	sim_machine_release(f->m);
	free(f->m);
	free(f->caps);
	free(f);
	return 0;
}

static enum migctl_err change(struct fx *f, bool grant, bool unmanage,
			      const struct migctl_access_principal *who, size_t n_who,
			      struct migctl_access_outcome out[2], struct migctl_error *err)
{
	struct migctl_caps_node nodes[2] = {f->gi, f->ci};
	struct migctl_access_change ch = {grant, who, n_who, unmanage};

	return migctl_access_apply(f->caps, nodes, 2, &ch, out, err);
}

static void read_state(const struct migctl_caps_node *n, struct migctl_access_state *s)
{
	struct migctl_error err = {0};
	assert_int_equal(migctl_access_read(n, s, &err), MIGCTL_ERR_OK);
}

static void test_fresh_and_list(void **state)
{
	struct fx *f = *state;
	struct migctl_access_state s, *all = NULL;
	struct migctl_error err = {0};
	size_t n = 0;

	read_state(&f->ci, &s);
	assert_true(s.live);
	assert_true(s.cap.modify);
	assert_int_equal(s.cap.minor, 67);
	assert_true(s.st.exists);
	assert_int_equal(s.st.mode, 0444);
	assert_true(s.owner_read && s.group_read && s.others_read);
	assert_false(s.acl);
	assert_int_equal(migctl_access_list(f->caps, &all, &n, &err), MIGCTL_ERR_OK);
	assert_int_equal(n, 4);
	assert_string_equal(all[0].node.name, "config");
	assert_string_equal(all[1].node.name, "monitor");
	assert_string_equal(all[2].node.name, "gpu0/gi7/access");
	assert_string_equal(all[3].node.name, "gpu0/gi7/ci0/access");
	assert_int_equal(all[0].st.mode, 0400);
	assert_false(all[0].others_read);
	free(all);
}

static void test_managed_refused(void **state)
{
	struct fx *f = *state;
	struct migctl_access_principal u = {MIGCTL_ACCESS_USER, 4242};
	struct migctl_access_outcome out[2];
	struct migctl_access_state s;
	struct migctl_error err = {0};

	assert_int_equal(change(f, true, false, &u, 1, out, &err), MIGCTL_ERR_MANAGED);
	assert_non_null(strstr(err.msg, "gpu0/gi7/access"));
	assert_non_null(strstr(err.msg, "--unmanage"));
	assert_non_null(strstr(err.msg, "NVreg_ModifyDeviceFiles"));
	read_state(&f->gi, &s);
	assert_true(s.cap.modify);
	assert_false(s.acl);
	assert_int_equal(s.st.mode, 0444);
	assert_false(out[0].changed || out[1].changed);
}

static void test_grant_revoke(void **state)
{
	struct fx *f = *state;
	struct migctl_access_principal others = {MIGCTL_ACCESS_OTHERS, 0};
	struct migctl_access_principal who[2] = {{MIGCTL_ACCESS_USER, 4242},
						 {MIGCTL_ACCESS_GROUP, 4343}};
	struct migctl_access_outcome out[2];
	struct migctl_access_state s;
	struct migctl_error err = {0};

	assert_int_equal(change(f, false, true, &others, 1, out, &err), MIGCTL_ERR_OK);
	assert_true(out[0].unmanaged && out[1].unmanaged && out[0].changed && out[1].changed);
	read_state(&f->ci, &s);
	assert_false(s.cap.modify);
	assert_false(s.others_read);
	assert_int_equal(s.st.mode, 0440);

	assert_int_equal(change(f, true, false, who, 2, out, &err), MIGCTL_ERR_OK);
	assert_false(out[0].unmanaged);
	assert_true(out[0].changed);
	read_state(&f->ci, &s);
	assert_true(s.acl);
	assert_int_equal(s.n_named, 2);
	assert_int_equal(s.named[0].who, MIGCTL_ACCESS_USER);
	assert_int_equal(s.named[0].id, 4242);
	assert_true(s.named[0].read);
	assert_int_equal(s.named[1].who, MIGCTL_ACCESS_GROUP);
	assert_int_equal(s.named[1].id, 4343);
	assert_true(s.named[1].read);
	assert_false(s.others_read);
	/* Again: nothing to change. */
	assert_int_equal(change(f, true, false, who, 2, out, &err), MIGCTL_ERR_OK);
	assert_false(out[0].changed || out[1].changed);

	/* The user goes; the group stays. */
	assert_int_equal(change(f, false, false, who, 1, out, &err), MIGCTL_ERR_OK);
	read_state(&f->gi, &s);
	assert_int_equal(s.n_named, 1);
	assert_int_equal(s.named[0].id, 4343);
	/* And the group: no ACL left, the mode is what it was. */
	assert_int_equal(change(f, false, false, &who[1], 1, out, &err), MIGCTL_ERR_OK);
	read_state(&f->gi, &s);
	assert_false(s.acl);
	assert_int_equal(s.st.mode, 0440);
	assert_true(s.owner_read && s.group_read);
}

/* The owning group's read is masked by the ACL mask as the kernel does. */
static void test_owner_and_group(void **state)
{
	struct fx *f = *state;
	struct migctl_access_principal grp = {MIGCTL_ACCESS_OWNING_GROUP, 4545};
	struct migctl_access_principal own = {MIGCTL_ACCESS_OWNER, 4646};
	struct migctl_access_outcome out[2];
	struct migctl_access_state s;
	struct migctl_error err = {0};

	if (geteuid() != 0)
		skip(); /* chown */
	assert_int_equal(change(f, true, true, &grp, 1, out, &err), MIGCTL_ERR_OK);
	read_state(&f->ci, &s);
	assert_int_equal(s.st.gid, 4545);
	assert_true(s.group_read);
	assert_int_equal(change(f, true, false, &own, 1, out, &err), MIGCTL_ERR_OK);
	read_state(&f->ci, &s);
	assert_int_equal(s.st.uid, 4646);
	/* Revoking an owner the node does not have changes nothing. */
	struct migctl_access_principal other_owner = {MIGCTL_ACCESS_OWNER, 1};
	assert_int_equal(change(f, false, false, &other_owner, 1, out, &err), MIGCTL_ERR_OK);
	assert_false(out[0].changed || out[1].changed);
	assert_int_equal(change(f, false, false, &own, 1, out, &err), MIGCTL_ERR_OK);
	read_state(&f->ci, &s);
	assert_int_equal(s.st.uid, 0);
	assert_false(s.owner_read);
}

/* A missing node is made as nvidia-modprobe makes it; a wrong one is
 * refused before anything changes. */
static void test_missing_and_wrong_node(void **state)
{
	struct fx *f = *state;
	struct migctl_access_principal u = {MIGCTL_ACCESS_USER, 4242};
	struct migctl_access_outcome out[2];
	struct migctl_access_state s;
	struct migctl_error err = {0};

	if (geteuid() != 0)
		skip(); /* mknod */
	assert_int_equal(unlink(f->ci.host_path), 0);
	assert_int_equal(change(f, true, true, &u, 1, out, &err), MIGCTL_ERR_OK);
	assert_false(out[0].created);
	assert_true(out[1].created);
	read_state(&f->ci, &s);
	assert_true(s.st.is_chr);
	assert_int_equal(s.st.major, SIM_CAPS_MAJOR);
	assert_int_equal(s.st.minor, 67);
	assert_int_equal(s.st.uid, 0);
	assert_true(s.acl);

	assert_int_equal(unlink(f->ci.host_path), 0);
	assert_int_equal(mknod(f->ci.host_path, S_IFCHR | 0444, makedev(SIM_CAPS_MAJOR, 68)), 0);
	read_state(&f->gi, &s);
	size_t named = s.n_named;
	assert_int_equal(change(f, false, false, &u, 1, out, &err), MIGCTL_ERR_STATE);
	assert_non_null(strstr(err.msg, "not 508:67"));
	read_state(&f->gi, &s);
	assert_int_equal(s.n_named, named); /* the GI node, checked first, kept its grant */
}

/* A capability whose instance is gone is NOT_FOUND. */
static void test_gone(void **state)
{
	struct fx *f = *state;
	struct migctl_access_principal u = {MIGCTL_ACCESS_USER, 4242};
	struct migctl_access_outcome out[2];
	struct migctl_error err = {0};

	assert_int_equal(sim_destroy_ci(f->m, 0, 7, 0), NVML_SUCCESS);
	assert_int_equal(sim_driver_root_sync(f->dir, f->m, &err), MIGCTL_ERR_OK);
	assert_int_equal(change(f, true, true, &u, 1, out, &err), MIGCTL_ERR_NOT_FOUND);
	assert_non_null(strstr(err.msg, "gpu0/gi7/ci0/access"));
	assert_false(out[0].changed || out[0].unmanaged);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh_and_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_managed_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_and_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_and_wrong_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gone, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
