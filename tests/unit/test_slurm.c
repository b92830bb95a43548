/* migctl — Slurm's text (lib/slurm.c): the index order of gres.conf lines
 * under a node's Gres=, slurm.conf's Gres= read and set byte for byte
 * elsewhere, and scontrol's node text. The live layout (gres.conf from a
 * simulated node, device nodes) is checked in tests/cli/slurm_cases.sh
 * against a real Slurm. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migctl/slurm.h"

static const char gres_conf[] =
	"# header\n"
	"# migctl: MIG-a gpu=0 gi=1 ci=0\n"
	"Name=gpu Type=3g.40gb MultipleFiles=/dev/nvidia0,/dev/nvidia-caps/nvidia-cap12,/dev/nvidia-caps/nvidia-cap13\n"
	"# migctl: MIG-b gpu=0 gi=3 ci=0\n"
	"Name=gpu Type=1g.10gb MultipleFiles=/dev/nvidia0,/dev/nvidia-caps/nvidia-cap30,/dev/nvidia-caps/nvidia-cap31\n"
	"Name=gpu Type=1g.10gb File=/dev/nvidia1\n"
	"# migctl: MIG-c gpu=1 gi=1 ci=0\n"
	"  name=GPU type=3g.40gb MultipleFiles=/dev/nvidia1,/dev/nvidia-caps/nvidia-cap147,/dev/nvidia-caps/nvidia-cap148 # c\n";

static void map(const char *gres, const char *idx, enum migctl_err want_rc, const char *want)
{
	struct migctl_error err = {0};
	char out[256];

	assert_int_equal(migctl_slurm_map(gres_conf, strlen(gres_conf), gres, idx, out, sizeof(out), &err),
			 want_rc);
	assert_string_equal(out, want);
}

/* Slurm numbers a node's GPUs by Gres= type order, then line order. */
static void test_map_order(void **state)
{
	(void)state;
	map(NULL, "0,1,3", MIGCTL_ERR_OK, "MIG-a,MIG-b,MIG-c");
	map("gpu:3g.40gb:2,gpu:1g.10gb:2", "0,1", MIGCTL_ERR_OK, "MIG-a,MIG-c");
	map("gpu:1g.10gb:2,gpu:3g.40gb:2", "0,2-3", MIGCTL_ERR_OK, "MIG-b,MIG-a,MIG-c");
	/* An index on a line migctl did not write, or past the file, maps to
	 * nothing: the prolog must not guess. */
	map("gpu:1g.10gb:2,gpu:3g.40gb:2", "1", MIGCTL_ERR_PARSE, "");
	map(NULL, "4", MIGCTL_ERR_PARSE, "");
	map(NULL, "0,x", MIGCTL_ERR_PARSE, "");
	map(NULL, "2-1", MIGCTL_ERR_PARSE, "");
}

static void test_conf_gres(void **state)
{
	static const char conf[] =
		"# NodeName=n1 Gres=gpu:commented:1\n"
		"NodeName=n0 CPUs=2\n"
		"NodeName=n1,n2 CPUs=4 Gres=gpu:3g.40gb:2 State=UNKNOWN # the GPU node\n"
		"PartitionName=p Nodes=n1\n";
	struct migctl_error err = {0};
	char gres[64], *out = NULL;
	(void)state;

	assert_int_equal(migctl_slurm_conf_gres(conf, strlen(conf), "n2", gres, sizeof(gres), &err), MIGCTL_ERR_OK);
	assert_string_equal(gres, "gpu:3g.40gb:2");
	assert_int_equal(migctl_slurm_conf_gres(conf, strlen(conf), "n0", gres, sizeof(gres), &err), MIGCTL_ERR_OK);
	assert_string_equal(gres, "");
	assert_int_equal(migctl_slurm_conf_gres(conf, strlen(conf), "n3", gres, sizeof(gres), &err), MIGCTL_ERR_NOT_FOUND);
	assert_non_null(strstr(err.msg, "n3"));

	assert_int_equal(migctl_slurm_conf_set_gres(conf, strlen(conf), "n1", "gpu:1g.10gb:7", &out, &err), MIGCTL_ERR_OK);
	assert_string_equal(out,
		"# NodeName=n1 Gres=gpu:commented:1\n"
		"NodeName=n0 CPUs=2\n"
		"NodeName=n1,n2 CPUs=4 Gres=gpu:1g.10gb:7 State=UNKNOWN # the GPU node\n"
		"PartitionName=p Nodes=n1\n");
	free(out);
	assert_int_equal(migctl_slurm_conf_set_gres(conf, strlen(conf), "n0", "gpu:x:1", &out, &err), MIGCTL_ERR_OK);
	assert_non_null(strstr(out, "NodeName=n0 CPUs=2 Gres=gpu:x:1\n"));
	free(out);
	assert_int_equal(migctl_slurm_conf_set_gres(conf, strlen(conf), "n2", "", &out, &err), MIGCTL_ERR_OK);
	assert_non_null(strstr(out, "NodeName=n1,n2 CPUs=4 State=UNKNOWN # the GPU node\n"));
	free(out);
	assert_int_equal(migctl_slurm_conf_set_gres(conf, strlen(conf), "n9", "", &out, &err), MIGCTL_ERR_NOT_FOUND);
	assert_null(out);
}

static void test_show_node(void **state)
{
	static const char idle[] = "NodeName=vm Arch=x86_64\n   Gres=gpu:3g.40gb:2\n   State=IDLE ThreadsPerCore=1\n";
	static const char drained[] = "NodeName=vm\n   Gres=(null)\n   State=IDLE+DRAIN+INVALID_REG ThreadsPerCore=1\n   Reason=gres/gpu count too low\n";
	/* As slurmctld 22.05 shows a node just after its restart. */
	static const char restarted[] = "NodeName=vm CoresPerSocket=1\n   State=UNKNOWN+NOT_RESPONDING ThreadsPerCore=1\n";
	char gres[64];
	(void)state;

	assert_false(migctl_slurm_show_node_drained(idle, strlen(idle)));
	assert_true(migctl_slurm_show_node_drained(drained, strlen(drained)));
	assert_true(migctl_slurm_show_node_registered(idle, strlen(idle)));
	assert_true(migctl_slurm_show_node_registered(drained, strlen(drained)));
	assert_false(migctl_slurm_show_node_registered(restarted, strlen(restarted)));
	assert_false(migctl_slurm_show_node_registered("NodeName=vm\n", 12));
	assert_true(migctl_slurm_show_node_gres(idle, strlen(idle), gres, sizeof(gres)));
	assert_string_equal(gres, "gpu:3g.40gb:2");
	assert_true(migctl_slurm_show_node_gres(drained, strlen(drained), gres, sizeof(gres)));
	assert_string_equal(gres, "");
	assert_false(migctl_slurm_show_node_gres("State=IDLE", 10, gres, sizeof(gres)));
}

/* gres.conf lines and Gres= from a layout: grouped by type in the order
 * the types first appear. */
static void test_gres_text(void **state)
{
	struct migctl_slurm_dev devs[3] = {
		{.type = "3g.40gb", .uuid = "MIG-a", .gpu = 0, .gi = 1, .ci = 0,
		 .files = {"/dev/nvidia0", "/dev/nvidia-caps/nvidia-cap12", "/dev/nvidia-caps/nvidia-cap13"}},
		{.type = "3g.40gb", .uuid = "MIG-c", .gpu = 1, .gi = 1, .ci = 0,
		 .files = {"/dev/nvidia1", "/dev/nvidia-caps/nvidia-cap147", "/dev/nvidia-caps/nvidia-cap148"}},
		{.type = "1g.10gb", .uuid = "MIG-b", .gpu = 0, .gi = 3, .ci = 0,
		 .files = {"/dev/nvidia0", "/dev/nvidia-caps/nvidia-cap30", "/dev/nvidia-caps/nvidia-cap31"}},
	};
	struct migctl_slurm_layout l = {.devs = devs, .n = 3};
	struct migctl_error err = {0};
	char gres[64], out[64];
	(void)state;

	assert_int_equal(migctl_slurm_gres(&l, gres, sizeof(gres), &err), MIGCTL_ERR_OK);
	assert_string_equal(gres, "gpu:3g.40gb:2,gpu:1g.10gb:1");
	assert_int_equal(migctl_slurm_gres(&l, gres, 10, &err), MIGCTL_ERR_USAGE);
	char *text = migctl_slurm_gres_conf(&l);
	assert_non_null(text);
	assert_non_null(strstr(text, "# migctl: MIG-c gpu=1 gi=1 ci=0\nName=gpu Type=3g.40gb MultipleFiles=/dev/nvidia1,/dev/nvidia-caps/nvidia-cap147,/dev/nvidia-caps/nvidia-cap148\n"));
	/* What migctl writes, the prolog reads back in Slurm's order. */
	assert_int_equal(migctl_slurm_map(text, strlen(text), gres, "0-2", out, sizeof(out), &err), MIGCTL_ERR_OK);
	assert_string_equal(out, "MIG-a,MIG-c,MIG-b");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_order),
		cmocka_unit_test(test_conf_gres),
		cmocka_unit_test(test_show_node),
		cmocka_unit_test(test_gres_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
