/* Tests of checkpoint files (lib/checkpoint.c, lib/journal.c): the format
 * nvidia-mig-parted writes and reads (a GI's "ProfileID" is its
 * NVML_GPU_INSTANCE_PROFILE_* index, shared/reference/mig-parted.md §2.7,
 * nvml-mig.md §1.4 and §2.2), migctl's additions, old migctl files, and
 * hostile files (a GPU listed twice, a newer format). The node is built in
 * memory: GPUs with a UUID and a catalog model are all migctl_checkpoint_
 * plans needs, so no simulator is involved.
 *
 * The mig-parted fixtures below are written by hand from the documented
 * format (api/checkpoint/v1/state.go, pkg/types/mig_state.go): no CI
 * placement, GI profile by index. A100-SXM4-80GB profile indices and IDs
 * from nvml-mig.md §2.2: index 0 = 1g (ID 19), 2 = 3g (ID 9), 4 = 7g (ID 0).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migctl/apply.h"
#include "migctl/catalog.h"
#include "migctl/node.h"
#include "apply_impl.h"

struct fixture {
	struct migctl_catalog cat;
	struct migctl_node node;
	struct migctl_checkpoint cp;
	struct migctl_gpu_plan plans[2];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct migctl_error err;

	if (!f)
		return -1;
	migctl_catalog_init(&f->cat);
	if (migctl_catalog_load_builtin(&f->cat, &err))
		return -1;
	const struct migctl_gpu_model *m = migctl_catalog_find_model(&f->cat, "A100-SXM4-80GB",
								     &err);
	if (!m)
		return -1;
	f->node.gpus = calloc(2, sizeof(*f->node.gpus));
	if (!f->node.gpus)
		return -1;
	f->node.n_gpus = 2;
	for (unsigned i = 0; i < 2; i++) {
		struct migctl_gpu_state *g = &f->node.gpus[i];
		g->index = i;
		snprintf(g->name, sizeof(g->name), "NVIDIA A100-SXM4-80GB");
		snprintf(g->uuid, sizeof(g->uuid), "GPU-%u", i);
		g->mig_capable = g->mig_current = g->mig_pending = true;
		g->catalog_model = m;
	}
	migctl_checkpoint_init(&f->cp);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	migctl_checkpoint_release(&f->cp);
	free(f->node.gpus);
	migctl_catalog_release(&f->cat);
	free(f);
	return 0;
}

static enum migctl_err parse(struct fixture *f, const char *text, struct migctl_error *err)
{
	return migctl_checkpoint_from_json(&f->cp, "test.json", text, strlen(text), err);
}

/* The profile name and placement start of pin `k` of GPU `i`'s plan. */
static const char *pin_name(struct fixture *f, size_t i, size_t k, unsigned *start)
{
	const struct migctl_gpu_model *m = f->node.gpus[i].catalog_model;
	const struct migctl_target_pin *pin = &f->plans[i].target.pins[k];
	*start = pin->placement.start;
	return m->gi[pin->gi].name;
}

static const char mig_parted_a100[] =
	"{\"Version\":\"v1\",\"MigState\":{\"Devices\":["
	"{\"UUID\":\"GPU-0\",\"MigMode\":1,\"GpuInstances\":["
	"{\"ProfileID\":2,\"Placement\":{\"Start\":0,\"Size\":4},"
	"\"ComputeInstances\":[{\"ProfileID\":2,\"EngProfileID\":0}]},"
	"{\"ProfileID\":0,\"Placement\":{\"Start\":6,\"Size\":1},"
	"\"ComputeInstances\":[{\"ProfileID\":0,\"EngProfileID\":0}]}]},"
	"{\"UUID\":\"GPU-1\",\"MigMode\":1,\"GpuInstances\":["
	"{\"ProfileID\":4,\"Placement\":{\"Start\":0,\"Size\":8},"
	"\"ComputeInstances\":[{\"ProfileID\":4,\"EngProfileID\":0}]}]}]}}";

/* A checkpoint as mig-parted writes it restores the same profiles. */
static void test_mig_parted_file_restores(void **state)
{
	struct fixture *f = *state;
	struct migctl_error err = {0};
	unsigned start;

	assert_int_equal(parse(f, mig_parted_a100, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_checkpoint_plans(&f->node, &f->cp, f->plans, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(f->plans[0].target.n_pins, 2);
	assert_string_equal(pin_name(f, 0, 0, &start), "3g.40gb");
	assert_int_equal(start, 0);
	assert_string_equal(pin_name(f, 0, 1, &start), "1g.10gb");
	assert_int_equal(start, 6);
	assert_int_equal(f->plans[1].target.n_pins, 1);
	assert_string_equal(pin_name(f, 1, 0, &start), "7g.80gb");
}

/* migctl's file read with mig-parted's schema: GI ProfileID is the index,
 * and migctl's fields are extra keys only. */
static void test_migctl_file_is_mig_parted(void **state)
{
	struct fixture *f = *state;
	struct migctl_error err = {0};
	char *text = NULL;
	json_error_t je;

	assert_int_equal(parse(f, mig_parted_a100, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_checkpoint_to_json(&f->cp, &text, &err), MIGCTL_ERR_OK);
	json_t *root = json_loads(text, 0, &je);
	assert_non_null(root);
	json_t *devs = json_object_get(json_object_get(root, "MigState"), "Devices");
	assert_int_equal(json_array_size(devs), 2);
	json_t *gis = json_object_get(json_array_get(devs, 0), "GpuInstances");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(gis, 0), "ProfileID")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(gis, 1), "ProfileID")), 0);
	json_t *ci = json_array_get(json_object_get(json_array_get(gis, 0), "ComputeInstances"), 0);
	assert_int_equal(json_integer_value(json_object_get(ci, "ProfileID")), 2);
	assert_int_equal(json_integer_value(json_object_get(ci, "EngProfileID")), 0);
	assert_int_equal(json_integer_value(json_object_get(root, "MigctlFormat")), 2);
	json_decref(root);
	/* and read back: the same plans */
	assert_int_equal(parse(f, text, &err), MIGCTL_ERR_OK);
	free(text);
	assert_int_equal(migctl_checkpoint_plans(&f->node, &f->cp, f->plans, &err),
			 MIGCTL_ERR_OK);
	unsigned start;
	assert_string_equal(pin_name(f, 0, 0, &start), "3g.40gb");
	assert_string_equal(pin_name(f, 1, 0, &start), "7g.80gb");
}

/* A file of migctl before format 2 (IDs, CI placements, no MigctlFormat)
 * is read by ID: 9 is 3g.40gb, not the index-9 1g.20gb. */
static void test_old_migctl_file(void **state)
{
	struct fixture *f = *state;
	struct migctl_error err = {0};
	unsigned start;
	const char *old = "{\"Version\":\"v1\",\"MigState\":{\"Devices\":["
		"{\"UUID\":\"GPU-0\",\"MigMode\":1,\"GpuInstances\":["
		"{\"ProfileID\":9,\"Placement\":{\"Start\":4,\"Size\":4},\"ComputeInstances\":["
		"{\"ProfileID\":2,\"EngProfileID\":0,\"Placement\":{\"Start\":0,\"Size\":4}}]}]}]}}";

	assert_int_equal(parse(f, old, &err), MIGCTL_ERR_OK);
	assert_false(f->cp.gpus[0].has_index);
	assert_int_equal(migctl_checkpoint_plans(&f->node, &f->cp, f->plans, &err),
			 MIGCTL_ERR_OK);
	assert_string_equal(pin_name(f, 0, 0, &start), "3g.40gb");
	assert_int_equal(start, 4);
	/* written back, it stays an ID file, marked as such */
	char *text = NULL;
	assert_int_equal(migctl_checkpoint_to_json(&f->cp, &text, &err), MIGCTL_ERR_OK);
	assert_non_null(strstr(text, "\"MigctlFormat\": 1"));
	assert_int_equal(parse(f, text, &err), MIGCTL_ERR_OK);
	free(text);
	assert_false(f->cp.gpus[0].has_index);
	assert_int_equal(f->cp.gpus[0].gi_profile_id[0], 9);
}

/* An index and an ID that disagree (a file edited or taken on another
 * kind of GPU) are refused rather than guessed. */
static void test_index_id_mismatch(void **state)
{
	struct fixture *f = *state;
	struct migctl_error err = {0};
	const char *bad = "{\"Version\":\"v1\",\"MigctlFormat\":2,\"MigState\":{\"Devices\":["
		"{\"UUID\":\"GPU-0\",\"MigMode\":1,\"GpuInstances\":["
		"{\"ProfileID\":2,\"MigctlProfileID\":19,\"Placement\":{\"Start\":0,\"Size\":4},"
		"\"ComputeInstances\":[]}]}]}}";

	assert_int_equal(parse(f, bad, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_checkpoint_plans(&f->node, &f->cp, f->plans, &err),
			 MIGCTL_ERR_UNKNOWN_PROFILE);
	assert_non_null(strstr(err.msg, "index 2 has ID 19"));
}

static void test_newer_format_refused(void **state)
{
	struct fixture *f = *state;
	struct migctl_error err = {0};

	assert_int_equal(parse(f, "{\"Version\":\"v1\",\"MigctlFormat\":3,\"MigState\":"
			       "{\"Devices\":[]}}", &err), MIGCTL_ERR_PARSE);
	assert_non_null(strstr(err.msg, "newer migctl"));
	assert_null(f->cp.gpus);
}

/* One UUID several times with more than 16 GIs in all (finding 3): the
 * file is refused, before any target is built from it. */
static char *duplicated_uuid(void)
{
	char *text = malloc(8192);
	size_t len = 0;

	assert_non_null(text);
	len += (size_t)snprintf(text + len, 8192 - len, "{\"Version\":\"v1\",\"MigState\":"
				"{\"Devices\":[");
	for (int d = 0; d < 3; d++) {
		len += (size_t)snprintf(text + len, 8192 - len, "%s{\"UUID\":\"GPU-0\","
					"\"MigMode\":1,\"GpuInstances\":[", d ? "," : "");
		for (int k = 0; k < 7; k++)
			len += (size_t)snprintf(text + len, 8192 - len, "%s{\"ProfileID\":0,"
						"\"Placement\":{\"Start\":%d,\"Size\":1},"
						"\"ComputeInstances\":[{\"ProfileID\":0,"
						"\"EngProfileID\":0}]}", k ? "," : "", k);
		len += (size_t)snprintf(text + len, 8192 - len, "]}");
	}
	snprintf(text + len, 8192 - len, "]}}");
	return text;
}

static void test_duplicate_uuid_checkpoint(void **state)
{
	struct fixture *f = *state;
	struct migctl_error err = {0};
	char *text = duplicated_uuid();

	assert_int_equal(parse(f, text, &err), MIGCTL_ERR_PARSE);
	assert_non_null(strstr(err.msg, "GPU-0 is listed twice"));
	free(text);
	/* a checkpoint built in memory with the same UUID twice is refused
	 * by the planner too, not merged into one target */
	assert_int_equal(parse(f, mig_parted_a100, &err), MIGCTL_ERR_OK);
	snprintf(f->cp.gpus[1].uuid, sizeof(f->cp.gpus[1].uuid), "GPU-0");
	assert_int_equal(migctl_checkpoint_plans(&f->node, &f->cp, f->plans, &err),
			 MIGCTL_ERR_PARSE);
}

/* The same through the journal header (recover's input). */
static void test_duplicate_uuid_journal(void **state)
{
	struct fixture *f = *state;
	struct migctl_error err = {0};
	char path[] = "/tmp/test_checkpoint-XXXXXX";
	char (*settled)[96] = NULL;
	size_t n_settled = 0;
	char *text = duplicated_uuid();
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	FILE *j = fdopen(fd, "w");
	assert_non_null(j);
	fprintf(j, "{\"journal\":\"migctl\",\"version\":1,\"checkpoint\":%s}\n", text);
	fclose(j);
	free(text);
	assert_int_equal(migctl_journal_read(path, &f->cp, &settled, &n_settled, &err),
			 MIGCTL_ERR_PARSE);
	assert_non_null(strstr(err.msg, "listed twice"));
	assert_null(settled);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mig_parted_file_restores, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migctl_file_is_mig_parted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_migctl_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_id_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_format_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_uuid_checkpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_uuid_journal, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
