/* Tests of the Prometheus exposition (migctl/exposition.h) and of the node
 * read that leaves out failing GPUs (migctl_node_refresh_tolerant): label
 * escaping on a node built by hand; on the simulator, dcgm-exporter's
 * labels, the capacity metrics, the sampler's DCGM fields (a load on one
 * GI and on no other, nothing for what is not available), no stale series
 * after a reconfiguration, a GPU left out on an NVML error; the parser of
 * --listen. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim_fixture.h"
#include "migctl/exposition.h"
#include "migctl/sample.h"

static int setup(void **state)
{
	return sim_fixture_setup(state, "test_exposition", "/tmp");
}

static char *render(const struct migctl_node *node, const struct migctl_sample *s)
{
	struct migctl_exposition x = {0};
	struct migctl_expo_info info = {.hostname = "host\"1", .samples = 3, .sample = s};
	struct migctl_error err = {0};

	if (migctl_exposition_render(&x, node, &info, &err))
		fail_msg("render: %s", err.msg);
	assert_int_equal(strlen(x.text), x.len);
	return x.text;
}

static void assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle))
		fail_msg("the exposition has \"%s\"", needle);
}

/* Label values are escaped (quote, backslash, newline): a name from the
 * driver cannot break the format. */
static void test_escapes_label_values(void **state)
{
	struct migctl_gpu_state g;
	struct migctl_node node = {.n_gpus = 1, .gpus = &g};

	(void)state;
	memset(&g, 0, sizeof(g));
	snprintf(g.name, sizeof(g.name), "A\"B\\C\nD");
	snprintf(g.uuid, sizeof(g.uuid), "GPU-1");
	snprintf(g.bus_id, sizeof(g.bus_id), "00000000:07:00.0");
	snprintf(node.driver_version, sizeof(node.driver_version), "580.1");
	g.memory_total_mib = 100;
	g.memory_used_mib = 10;
	char *t = render(&node, NULL);
	assert_contains(t, "DCGM_FI_DEV_FB_USED{gpu=\"0\",UUID=\"GPU-1\",pci_bus_id=\"00000000:07:00.0\","
			   "device=\"nvidia0\",modelName=\"A\\\"B\\\\C\\nD\",Hostname=\"host\\\"1\","
			   "DCGM_FI_DRIVER_VERSION=\"580.1\"} 10\n");
	assert_contains(t, "DCGM_FI_DEV_FB_FREE{gpu=\"0\"");
	assert_contains(t, "} 90\n");
	assert_contains(t, "migctl_exporter_samples_total{Hostname=\"host\\\"1\"} 3\n");
	/* Every line is a comment or a sample: no raw newline inside a value. */
	for (const char *l = t; *l; l = strchr(l, '\n') + 1) {
		assert_true(l[0] == '#' || strncmp(l, "DCGM_FI_", 8) == 0 || strncmp(l, "migctl_", 7) == 0);
		assert_non_null(strchr(l, '\n'));
	}
	free(t);
}

/* An H100 with 3g.40gb (GI 2 at 4:4) and 2g.20gb (GI 3 at 0:2) and an empty
 * 1g.10gb GI; an A100 with MIG off. */
static struct migctl_node *layout(struct fixture *f)
{
	struct migctl_node *node = machine(f, "--gpus H100:1,A100-SXM4-80GB:1");
	struct migctl_gpu_state *g = enabled(node, 0);
	unsigned gi3 = create_gi(node, g, 9, NULL), gi2 = create_gi(node, g, 14, NULL);

	create_ci(node, g, gi3, 2, NULL);
	create_ci(node, g, gi2, 1, NULL);
	create_gi(node, g, 19, NULL);
	assert_int_equal(gi3, 2);
	assert_int_equal(gi2, 3);
	return open_node(f);
}

static void test_capacity_metrics(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = layout(f);
	char *t = render(node, NULL);
	char lab[512];

	snprintf(lab, sizeof(lab), "{gpu=\"0\",UUID=\"%s\",pci_bus_id=\"%s\",device=\"nvidia%u\","
		 "modelName=\"NVIDIA H100 80GB HBM3\"", node->gpus[0].uuid, node->gpus[0].bus_id,
		 node->gpus[0].minor);
	char want[1024];
	/* Instances by state: two GIs with a CI, one without; two idle CIs. */
	snprintf(want, sizeof(want), "migctl_instances%s,level=\"gi\",state=\"empty\",", lab);
	assert_contains(t, want);
	assert_non_null(strstr(strstr(t, want), "} 1\n"));
	/* 3g at 4:4 and 2g at 0:2 and 1g somewhere in 2..3: one 1g.10gb fits. */
	snprintf(want, sizeof(want), "migctl_largest_free_profile_slices%s,profile=\"1g.10gb\",", lab);
	assert_contains(t, want);
	snprintf(want, sizeof(want), "migctl_gi_profile_remaining%s,profile=\"3g.40gb\",profile_id=\"9\",", lab);
	assert_contains(t, want);
	assert_true(strncmp(strchr(strstr(t, want), '}'), "} 0\n", 4) == 0);
	snprintf(want, sizeof(want), "migctl_gi_profile_free_placements%s,profile=\"1g.10gb\",profile_id=\"19\",", lab);
	assert_true(strncmp(strchr(strstr(t, want), '}'), "} 1\n", 4) == 0);
	/* The GI series carry GPU_I_PROFILE and the NVML GI ID. */
	snprintf(want, sizeof(want), "DCGM_FI_DEV_FB_USED%s,GPU_I_PROFILE=\"3g.40gb\",GPU_I_ID=\"2\",", lab);
	assert_contains(t, want);
	/* The empty GI has no MIG device, so no memory series. */
	assert_lacks(t, "DCGM_FI_DEV_FB_USED{gpu=\"0\",UUID=\"GPU-6b286e60-cc6f-57f4-c401-357f79035b2c\","
			"pci_bus_id=\"00000000:07:00.0\",device=\"nvidia0\",modelName=\"NVIDIA H100 80GB HBM3\","
			"GPU_I_PROFILE=\"1g.10gb\"");
	assert_contains(t, "migctl_mig_mode{gpu=\"1\"");
	free(t);
}

/* The sampler's values: a load on GI 3's CI shows on GI 3's SMACT and
 * on no other GI; the A100 (no GPM) gets no profiling series at all. */
static void test_dcgm_fields(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = layout(f);
	struct migctl_sampler *s = NULL;
	struct migctl_sample *a = NULL, *b = NULL;
	struct migctl_error err = {0};
	char uuid[96];

	snprintf(uuid, sizeof(uuid), "%s", migctl_gpu_find_gi(&node->gpus[0], 3)->cis[0].uuid);
	f->bg = fork();
	if (f->bg == 0) {
		execl(sim_bin, sim_bin, "--state", f->state, "exec", "-d", uuid, "--load", "sm=0.5",
		      "--", "sleep", "30", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		if (migctl_node_refresh(node, &err) == 0 && node->gpus[0].n_procs == 1)
			break;
		usleep(50000);
	}
	assert_int_equal(node->gpus[0].n_procs, 1);
	assert_int_equal(migctl_sampler_open(&s, node, NULL, &err), 0);
	assert_int_equal(migctl_sampler_take(s, &a, &err), 0);
	usleep(100000);
	assert_int_equal(migctl_sampler_take(s, &b, &err), 0);
	char *t = render(node, b);
	const char *gi3 = strstr(t, "DCGM_FI_PROF_SM_ACTIVE{gpu=\"0\"");
	assert_non_null(gi3);
	assert_non_null(strstr(t, "GPU_I_PROFILE=\"2g.20gb\",GPU_I_ID=\"3\",Hostname=\"host\\\"1\",DCGM_FI_DRIVER_VERSION=\"580.95.05\"} 0.500000\n"));
	assert_non_null(strstr(t, "GPU_I_PROFILE=\"3g.40gb\",GPU_I_ID=\"2\",Hostname=\"host\\\"1\",DCGM_FI_DRIVER_VERSION=\"580.95.05\"} 0.000000\n"));
	assert_lacks(t, "DCGM_FI_PROF_SM_ACTIVE{gpu=\"1\"");
	assert_contains(t, "DCGM_FI_DEV_GPU_TEMP{gpu=\"1\"");
	/* dcgm-exporter's types: energy is a counter. */
	assert_contains(t, "# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter\n");
	/* One family per metric name: its TYPE line appears once. */
	const char *first = strstr(t, "# TYPE DCGM_FI_PROF_SM_ACTIVE ");
	assert_non_null(first);
	assert_null(strstr(first + 1, "# TYPE DCGM_FI_PROF_SM_ACTIVE "));
	free(t);
	migctl_sample_free(a);
	migctl_sample_free(b);
	migctl_sampler_free(s);
}

/* A GI destroyed and another created between two renders: the new one
 * shows with its own identity, nothing of the old one is left. */
static void test_no_stale_series(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = layout(f);
	struct migctl_error err = {0};
	char *before = render(node, NULL);

	assert_contains(before, "GPU_I_PROFILE=\"2g.20gb\",GPU_I_ID=\"3\"");
	struct migctl_gpu_state *g = &node->gpus[0];
	if (migctl_node_destroy_ci(node, g, 3, 0, &err) || migctl_node_destroy_gi(node, g, 3, &err))
		fail_msg("destroy: %s", err.msg);
	unsigned id = create_gi(node, g, 19, NULL);
	create_ci(node, g, id, 0, NULL);
	assert_int_equal(migctl_node_refresh(node, &err), 0);
	char *after = render(node, NULL);
	char want[128];
	snprintf(want, sizeof(want), "GPU_I_PROFILE=\"1g.10gb\",GPU_I_ID=\"%u\"", id);
	assert_contains(after, want);
	assert_lacks(after, "GPU_I_PROFILE=\"2g.20gb\"");
	free(before);
	free(after);
}

struct dropped {
	unsigned n, index;
	char why[512];
};

static void on_error(void *ctx, unsigned index, const struct migctl_error *why)
{
	struct dropped *d = ctx;

	d->n++;
	d->index = index;
	snprintf(d->why, sizeof(d->why), "%s", why->msg);
}

/* NVML fails on GPU 0 once: it is left out of that read and reported, GPU
 * 1 keeps its index; the next read has both again. */
static void test_tolerant_refresh(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = layout(f);
	struct migctl_error err = {0};
	struct dropped d = {0};

	run("'%s' --state '%s' fault add --call nvmlDeviceGetUUID --error GPU_IS_LOST --count 1 >/dev/null",
	    sim_bin, f->state);
	assert_int_equal(migctl_node_refresh_tolerant(node, on_error, &d, &err), 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.index, 0);
	assert_contains(d.why, "GPU 0");
	assert_int_equal(node->n_gpus, 1);
	assert_int_equal(node->gpus[0].index, 1);
	char *t = render(node, NULL);
	assert_lacks(t, "{gpu=\"0\"");
	assert_contains(t, "{gpu=\"1\"");
	free(t);
	assert_int_equal(migctl_node_refresh_tolerant(node, on_error, &d, &err), 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(node->n_gpus, 2);
	/* migctl_node_refresh itself still fails as a whole. */
	run("'%s' --state '%s' fault add --call nvmlDeviceGetUUID --error GPU_IS_LOST --count 1 >/dev/null",
	    sim_bin, f->state);
	assert_int_not_equal(migctl_node_refresh(node, &err), 0);
}

static void test_listen_parse(void **state)
{
	static const struct {
		const char *text;
		int family;
		unsigned port;
		const char *error;
	} cases[] = {
		{"127.0.0.1:9400", AF_INET, 9400, NULL},
		{"0.0.0.0:1", AF_INET, 1, NULL},
		{"[::1]:65535", AF_INET6, 65535, NULL},
		{"[::]:9400", AF_INET6, 9400, NULL},
		{":9400", 0, 0, "write 127.0.0.1:9400 for loopback only or 0.0.0.0:9400"},
		{"127.0.0.1", 0, 0, "has no port"},
		{"127.0.0.1:", 0, 0, "from 1 to 65535"},
		{"127.0.0.1:0", 0, 0, "from 1 to 65535"},
		{"127.0.0.1:65536", 0, 0, "from 1 to 65535"},
		{"127.0.0.1:+80", 0, 0, "from 1 to 65535"},
		{"127.0.0.1:80x", 0, 0, "from 1 to 65535"},
		{"localhost:80", 0, 0, "not a numeric IPv4 or IPv6 address"},
		{"::1:80", 0, 0, "[ADDR]:PORT"},
		{"[::1:80", 0, 0, "[ADDR]:PORT"},
		{"[::1]80", 0, 0, "[ADDR]:PORT"},
		{"[]:80", 0, 0, "has no address"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct migctl_listen l;
		struct migctl_error err = {0};
		enum migctl_err rc = migctl_listen_parse(cases[i].text, &l, &err);
		if (!cases[i].error) {
			if (rc)
				fail_msg("%s: %s", cases[i].text, err.msg);
			assert_int_equal(l.family, cases[i].family);
			assert_int_equal(l.port, cases[i].port);
		} else {
			if (rc != MIGCTL_ERR_USAGE)
				fail_msg("%s: accepted", cases[i].text);
			assert_contains(err.msg, cases[i].error);
			assert_contains(err.msg, cases[i].text);
		}
	}
}

/* Accept-Encoding as Prometheus and curl send it, weights, "*" and
 * malformed weights (plain text then). */
static void test_accepts_gzip(void **state)
{
	static const struct {
		const char *value;
		bool gzip;
	} cases[] = {
		{NULL, false},
		{"", false},
		{"gzip", true},
		{"GZip", true},
		{"x-gzip", true},
		{"deflate, gzip, br, zstd", true},
		{"identity", false},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"gzip;q=0.001", true},
		{"gzip;Q=1", true},
		{"gzip;q=1.0, deflate", true},
		{"gzip;q=x", false},
		{"gzip;level=1", true},
		{"gzipped", false},
		{"br,  gzip ;q=0.5", true},
		{"*", true},
		{"*;q=0", false},
		{"*, gzip;q=0", false},
		{"gzip;q=0, *", false},
		{"deflate;q=0.5, *;q=0.1", true},
		{",,,", false},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (migctl_accepts_gzip(cases[i].value) != cases[i].gzip)
			fail_msg("Accept-Encoding '%s': want %s", cases[i].value ? cases[i].value : "(none)",
				 cases[i].gzip ? "gzip" : "plain");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes_label_values),
		cmocka_unit_test(test_listen_parse),
		cmocka_unit_test(test_accepts_gzip),
		cmocka_unit_test_setup_teardown(test_capacity_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dcgm_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_stale_series, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tolerant_refresh, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
