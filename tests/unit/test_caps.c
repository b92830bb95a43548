/* Unit tests for the driver-root reader (lib/caps.c) and the simulator's
 * driver files (sim/driver_root.c).
 *
 * Expected numbers are the reference's (reference/nvml-mig.md §3): minors
 * config 1, monitor 2, gpu0/gi0/access 3, gpu0/gi0/ci0/access 4, the MIG
 * guide's GI 1 CIs 0-2 on gpu0 at 12..15, gpu3/gi3/ci3 439, gpu6/gi11/ci5
 * 918, gpu31/gi14/ci7 4322; mig/config mode 0400 (256), mig/monitor and the
 * access files 0444; nodes under /dev/nvidia-caps with the nvidia-caps
 * major of proc/devices; /dev/nvidiaN 195:N.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migctl/caps.h"
#include "sim.h"

#define S(lit) lit, sizeof(lit) - 1

static struct migctl_caps_minors minors;

static void test_minors_parse(void **state)
{
	struct migctl_error err = {0};
	(void)state;

	assert_int_equal(migctl_caps_minors_parse(S("config 1\nmonitor 2\r\n"
						    "gpu0/gi0/access 3\n"
						    "gpu0/gi0/ci0/access 4\n"
						    "\n"
						    "gpu3/gi3/ci3/access 439\n"
						    "fabric-imex-mgmt 4323\n"
						    "gpu32/gi0/access 4323\n"
						    "gpu6/gi11/ci5/access   918"),
						  "t", &minors, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(minors.config, 1);
	assert_int_equal(minors.monitor, 2);
	assert_int_equal(minors.gi[0][0], 3);
	assert_int_equal(minors.ci[0][0][0], 4);
	assert_int_equal(minors.ci[3][3][3], 439);
	assert_int_equal(minors.ci[6][11][5], 918);
	assert_int_equal(minors.gi[0][1], -1);
	assert_int_equal(minors.ci[31][14][7], -1);
}

static void test_minors_parse_errors(void **state)
{
	static const char *const bad[] = {
		"config\n", "config x\n", "config 1 2\n", "config -1\n",
		"config 1048576\n", "config 1\nconfig 1\n", "gpu0/gi1/access 12\ngpu0/gi1/access 12\n",
	};
	struct migctl_error err = {0};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		assert_int_equal(migctl_caps_minors_parse(bad[i], strlen(bad[i]), "mm", &minors,
							  &err),
				 MIGCTL_ERR_PARSE);
		assert_non_null(strstr(err.msg, "mm:"));
	}
	/* Names that are not exactly the driver's are other capabilities. */
	assert_int_equal(migctl_caps_minors_parse(S("gpu0/gi1/accessx 5\ngpu0/gi1/ci9/access 6\n"
						    "gpu0/gi15/access 7\n"),
						  "mm", &minors, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(minors.gi[0][1], -1);
}

static void test_capfile_parse(void **state)
{
	struct migctl_capfile f;
	struct migctl_error err = {0};
	(void)state;

	assert_int_equal(migctl_caps_capfile_parse(S("DeviceFileMinor: 1\nDeviceFileMode: 256\n"
						     "DeviceFileModify: 1\n"), "c", &f, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(f.minor, 1);
	assert_int_equal(f.mode, 0400);
	assert_true(f.modify);
	assert_int_equal(migctl_caps_capfile_parse(S("DeviceFileModify: 0\nDeviceFileMinor: 13\n"
						     "DeviceFileMode: 292"), "c", &f, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(f.minor, 13);
	assert_int_equal(f.mode, 0444);
	assert_false(f.modify);
	assert_int_equal(migctl_caps_capfile_parse(S("DeviceFileMinor: 1\nDeviceFileMode: 256\n"),
						   "c", &f, &err),
			 MIGCTL_ERR_PARSE);
	assert_non_null(strstr(err.msg, "DeviceFileModify"));
	assert_int_equal(migctl_caps_capfile_parse(S("DeviceFileMinor: 1\nDeviceFileMode: 256\n"
						     "DeviceFileModify: 2\n"), "c", &f, &err),
			 MIGCTL_ERR_PARSE);
}

static void test_devices_and_params(void **state)
{
	static const char devices[] =
		"Character devices:\n  1 mem\n195 nvidia\n236 nvidia-caps\n"
		"510 nvidia-uvm\n\nBlock devices:\n238 nvidia-caps-not\n 7 loop\n";
	struct migctl_caps_params p;
	struct migctl_error err = {0};
	unsigned major = 0;
	(void)state;

	assert_int_equal(migctl_caps_devices_major(S(devices), "d", "nvidia-caps", &major, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(major, 236);
	assert_int_equal(migctl_caps_devices_major(S(devices), "d", "nvidia-uvm", &major, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(major, 510);
	assert_int_equal(migctl_caps_devices_major(S(devices), "d", "loop", &major, &err),
			 MIGCTL_ERR_NOT_FOUND);
	assert_int_equal(migctl_caps_devices_major(S("Character devices:\n99999 x\n"), "d", "x",
						   &major, &err),
			 MIGCTL_ERR_PARSE);

	assert_int_equal(migctl_caps_params_parse(S("ResmanDebugLevel: 4294967295\n"
						    "RegistryDwords: \"\"\n"), "p", &p, &err),
			 MIGCTL_ERR_OK);
	assert_true(p.modify_device_files);
	assert_int_equal(p.mode, 0666);
	assert_int_equal(migctl_caps_params_parse(S("ModifyDeviceFiles: 0\nDeviceFileGID: 44\n"
						    "DeviceFileMode: 432\n"), "p", &p, &err),
			 MIGCTL_ERR_OK);
	assert_false(p.modify_device_files);
	assert_int_equal(p.gid, 44);
	assert_int_equal(p.mode, 0660);
	assert_int_equal(migctl_caps_params_parse(S("ModifyDeviceFiles: yes\n"), "p", &p, &err),
			 MIGCTL_ERR_PARSE);
}

/* --- the simulator's driver root, read back ---------------------------- */

struct simroot {
	char dir[64];
	char root[128];
	struct sim_machine *m;
	struct migctl_caps *caps;
};

static void sync_root(struct simroot *r)
{
	struct migctl_error err = {0};

	assert_int_equal(sim_driver_root_sync(r->dir, r->m, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_caps_load(r->caps, r->root, &err), MIGCTL_ERR_OK);
}

/* Two A100-SXM4-40GB, MIG on GPU 0: a 3g GI with three 1c CIs (GI 1 at
 * 0:4, as in the MIG guide's example) and a 1g GI. */
static int simroot_setup(void **state)
{
	struct simroot *r = calloc(1, sizeof(*r));
	struct migctl_error err = {0};
	nvmlReturn_t act;
	unsigned id;

	assert_non_null(r);
	snprintf(r->dir, sizeof(r->dir), "/tmp/test_caps.XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	migctl_caps_sim_root(r->dir, r->root, sizeof(r->root));
	r->m = calloc(1, sizeof(*r->m));
	r->caps = malloc(sizeof(*r->caps));
	assert_non_null(r->m);
	assert_non_null(r->caps);
	assert_int_equal(migctl_catalog_load_builtin(&r->m->catalog, &err), MIGCTL_ERR_OK);
	struct sim_gpu_spec spec = {
		migctl_catalog_find_model(&r->m->catalog, "A100-SXM4-40GB", &err), 2};
	assert_non_null(spec.model);
	assert_int_equal(sim_machine_build(r->m, &spec, 1, 0, false, &err), MIGCTL_ERR_OK);
	assert_int_equal(sim_set_mig_mode(r->m, 0, 1, &act), NVML_SUCCESS);
	assert_int_equal(sim_reset_gpu(r->m, 0), NVML_SUCCESS);
	struct migctl_placement at0 = {0, 4};
	assert_int_equal(sim_create_gi(r->m, 0, 9, &at0, &id), NVML_SUCCESS);
	assert_int_equal(id, 1);
	for (unsigned c = 0; c < 3; c++) {
		assert_int_equal(sim_create_ci(r->m, 0, 1, 0, NULL, &id), NVML_SUCCESS);
		assert_int_equal(id, c);
	}
	assert_int_equal(sim_create_gi(r->m, 0, 19, NULL, &id), NVML_SUCCESS);
	*state = r;
	return 0;
}

static int simroot_teardown(void **state)
{
	struct simroot *r = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
	if (system(cmd) != 0)
		return -1;
	sim_machine_release(r->m);
	free(r->m);
	free(r->caps);
	free(r);
	return 0;
}

/* The simulator's mig-minors is the driver's whole table, and both agree
 * with the reference's numbers. */
static void test_sim_minors(void **state)
{
	struct simroot *r = *state;
	char path[256];

	sync_root(r);
	sim_driver_root_path(r->dir, path, sizeof(path));
	assert_string_equal(path, r->root);
	const struct migctl_caps_minors *mm = &r->caps->minors;
	assert_int_equal(mm->config, 1);
	assert_int_equal(mm->monitor, 2);
	assert_int_equal(mm->gi[0][0], 3);
	assert_int_equal(mm->ci[0][0][0], 4);
	assert_int_equal(mm->gi[0][1], 12);
	assert_int_equal(mm->ci[0][1][0], 13);
	assert_int_equal(mm->ci[0][1][2], 15);
	assert_int_equal(mm->ci[3][3][3], 439);
	assert_int_equal(mm->ci[6][11][5], 918);
	assert_int_equal(mm->ci[31][14][7], 4322);
	for (unsigned g = 0; g < MIGCTL_CAPS_MAX_GPUS; g++)
		for (unsigned i = 0; i < MIGCTL_CAPS_MAX_GIS; i++) {
			assert_true(mm->gi[g][i] > 2);
			for (unsigned c = 0; c < MIGCTL_CAPS_MAX_CIS; c++)
				assert_int_equal(mm->ci[g][i][c], mm->gi[g][i] + 1 + (int)c);
		}
	assert_int_equal(r->caps->caps_major, SIM_CAPS_MAJOR);
	assert_true(r->caps->params.modify_device_files);
}

static void check_node(const struct migctl_caps_node *n, unsigned major, unsigned minor,
		       unsigned mode)
{
	struct migctl_caps_node_state st;
	struct migctl_error err = {0};

	assert_int_equal(migctl_caps_node_stat(n, &st, &err), MIGCTL_ERR_OK);
	assert_true(st.exists);
	assert_int_equal(st.mode, mode);
	if (geteuid() == 0) {
		assert_true(st.is_chr);
		assert_int_equal(st.major, major);
		assert_int_equal(st.minor, minor);
	}
}

static void test_sim_mig_device(void **state)
{
	struct simroot *r = *state;
	struct migctl_caps_node n[3];
	struct migctl_capfile f;
	struct migctl_error err = {0};

	sync_root(r);
	assert_int_equal(migctl_caps_mig_device(r->caps, 0, 1, 2, n, &err), MIGCTL_ERR_OK);
	assert_string_equal(n[0].path, "/dev/nvidia0");
	assert_string_equal(n[1].path, "/dev/nvidia-caps/nvidia-cap12");
	assert_string_equal(n[2].path, "/dev/nvidia-caps/nvidia-cap15");
	assert_string_equal(n[1].name, "gpu0/gi1/access");
	assert_string_equal(n[2].name, "gpu0/gi1/ci2/access");
	assert_string_equal(n[2].cap_path, "/proc/driver/nvidia/capabilities/gpu0/mig/gi1/ci2/access");
	assert_true(strncmp(n[2].host_path, r->root, strlen(r->root)) == 0);
	assert_string_equal(n[2].host_path + strlen(r->root), n[2].path);
	assert_string_equal(n[2].cap_host_path + strlen(r->root), n[2].cap_path);
	check_node(&n[0], 195, 0, 0666);
	check_node(&n[1], SIM_CAPS_MAJOR, 12, 0444);
	check_node(&n[2], SIM_CAPS_MAJOR, 15, 0444);
	assert_int_equal(migctl_caps_capfile_read(&n[2], &f, &err), MIGCTL_ERR_OK);
	assert_int_equal(f.minor, 15);
	assert_int_equal(f.mode, 0444);
	assert_true(f.modify);

	struct migctl_caps_node cfg, ctl;
	assert_int_equal(migctl_caps_node(r->caps, MIGCTL_CAPS_CONFIG, 0, 0, 0, &cfg, &err),
			 MIGCTL_ERR_OK);
	assert_string_equal(cfg.cap_path, "/proc/driver/nvidia/capabilities/mig/config");
	check_node(&cfg, SIM_CAPS_MAJOR, 1, 0400);
	assert_int_equal(migctl_caps_capfile_read(&cfg, &f, &err), MIGCTL_ERR_OK);
	assert_int_equal(f.mode, 256);
	assert_int_equal(migctl_caps_node(r->caps, MIGCTL_CAPS_CTL, 0, 0, 0, &ctl, &err),
			 MIGCTL_ERR_OK);
	check_node(&ctl, 195, 255, 0666);
	assert_int_equal(migctl_caps_capfile_read(&ctl, &f, &err), MIGCTL_ERR_USAGE);

	/* Out of the driver's tables. */
	assert_int_equal(migctl_caps_node(r->caps, MIGCTL_CAPS_CI, 32, 0, 0, &ctl, &err),
			 MIGCTL_ERR_NOT_FOUND);
	assert_int_equal(migctl_caps_node(r->caps, MIGCTL_CAPS_CI, 0, 1, 8, &ctl, &err),
			 MIGCTL_ERR_NOT_FOUND);
}

/* Capability files follow the layout; nodes stay, as on a real node. */
static void test_sim_follows_layout(void **state)
{
	struct simroot *r = *state;
	struct migctl_caps_node ci, gi, other;
	struct migctl_caps_node_state st;
	struct migctl_capfile f;
	struct migctl_error err = {0};

	sync_root(r);
	assert_int_equal(migctl_caps_node(r->caps, MIGCTL_CAPS_CI, 0, 1, 2, &ci, &err), 0);
	assert_int_equal(migctl_caps_node(r->caps, MIGCTL_CAPS_GI, 0, 1, 0, &gi, &err), 0);
	assert_int_equal(migctl_caps_node(r->caps, MIGCTL_CAPS_GI, 1, 1, 0, &other, &err), 0);
	/* GPU 1 has MIG off: no capability files for it. */
	assert_int_equal(migctl_caps_capfile_read(&other, &f, &err), MIGCTL_ERR_NOT_FOUND);

	assert_int_equal(sim_destroy_ci(r->m, 0, 1, 2), NVML_SUCCESS);
	sync_root(r);
	assert_int_equal(migctl_caps_capfile_read(&ci, &f, &err), MIGCTL_ERR_NOT_FOUND);
	assert_int_equal(migctl_caps_capfile_read(&gi, &f, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_caps_node_stat(&ci, &st, &err), MIGCTL_ERR_OK);
	assert_true(st.exists);

	/* A node changed by hand is kept while its instance lives; when the
	 * instance is made again on a managed capability, it is reset. */
	assert_int_equal(chmod(ci.host_path, 0400), 0);
	unsigned id;
	assert_int_equal(sim_create_ci(r->m, 0, 1, 0, NULL, &id), NVML_SUCCESS);
	assert_int_equal(id, 2);
	sync_root(r);
	check_node(&ci, SIM_CAPS_MAJOR, 15, 0444);
	assert_int_equal(chmod(ci.host_path, 0400), 0);
	sync_root(r);
	assert_int_equal(migctl_caps_node_stat(&ci, &st, &err), MIGCTL_ERR_OK);
	assert_int_equal(st.mode, 0400);

	/* GI 1 destroyed: its files go. */
	for (unsigned c = 0; c < 3; c++)
		assert_int_equal(sim_destroy_ci(r->m, 0, 1, c), NVML_SUCCESS);
	assert_int_equal(sim_destroy_gi(r->m, 0, 1), NVML_SUCCESS);
	sync_root(r);
	assert_int_equal(migctl_caps_capfile_read(&gi, &f, &err), MIGCTL_ERR_NOT_FOUND);
}

static void test_load_errors(void **state)
{
	struct migctl_caps *c = malloc(sizeof(*c));
	struct migctl_error err = {0};
	char dir[] = "/tmp/test_caps_empty.XXXXXX";
	(void)state;

	assert_non_null(c);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(migctl_caps_load(c, dir, &err), MIGCTL_ERR_NO_DRIVER);
	assert_non_null(strstr(err.msg, "mig-minors"));
	assert_non_null(strstr(err.msg, "--root"));
	rmdir(dir);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minors_parse),
		cmocka_unit_test(test_minors_parse_errors),
		cmocka_unit_test(test_capfile_parse),
		cmocka_unit_test(test_devices_and_params),
		cmocka_unit_test_setup_teardown(test_sim_minors, simroot_setup, simroot_teardown),
		cmocka_unit_test_setup_teardown(test_sim_mig_device, simroot_setup,
						simroot_teardown),
		cmocka_unit_test_setup_teardown(test_sim_follows_layout, simroot_setup,
						simroot_teardown),
		cmocka_unit_test(test_load_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
