/* libFuzzer target: what `migctl run` and `migctl cdi` read from outside.
 * The same bytes are read as a CDI spec (migctl_cdi_parse, `cdi list`)
 * and as a DEVICE argument (migctl_migdev_parse, then
 * migctl_migdev_resolve on a node built in memory: 2 A100s with MIG
 * devices, one of them busy). Nothing may crash or leak; errors must be
 * the documented codes; what is accepted must hold the promises of the
 * headers (valid CDI names, absolute node paths, a device of the node). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migctl/catalog.h"
#include "migctl/cdi.h"
#include "migctl/migdev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct migctl_catalog cat;
static struct migctl_gpu_state gpus[2];
static struct migctl_process procs[1];
static struct migctl_node node = {.gpus = gpus, .n_gpus = 2};

/* GPU g: GIs 1 (3g, CIs 0 and 1) and 9 (1g, CI 0); MIG indices 0..2. */
static void build_node(void)
{
	struct migctl_error err;
	const struct migctl_gpu_model *m;

	migctl_catalog_init(&cat);
	if (migctl_catalog_load_builtin(&cat, &err) ||
	    !(m = migctl_catalog_find_model(&cat, "A100-SXM4-40GB", &err)))
		abort();
	for (unsigned g = 0; g < 2; g++) {
		struct migctl_gpu_state *gpu = &gpus[g];
		gpu->index = g;
		gpu->minor = g;
		gpu->mig_current = true;
		gpu->model = *m;    /* borrowed profile arrays: read only here */
		snprintf(gpu->uuid, sizeof(gpu->uuid), "GPU-0000000%u-0000-0000-0000-000000000000", g);
		gpu->n_gis = 2;
		gpu->gis[0] = (struct migctl_gi_state){.id = 1, .n_cis = 2};
		gpu->gis[1] = (struct migctl_gi_state){.id = 9, .n_cis = 1};
		const char *names[] = {"1c.3g.20gb", "2c.3g.20gb", "1g.5gb"};
		for (unsigned d = 0; d < 3; d++) {
			struct migctl_ci_state *ci = d < 2 ? &gpu->gis[0].cis[d] : &gpu->gis[1].cis[0];
			ci->id = d < 2 ? d : 0;
			ci->mig_index = 2 - d;
			snprintf(ci->profile_name, sizeof(ci->profile_name), "%s", names[d]);
			snprintf(ci->uuid, sizeof(ci->uuid), "MIG-%u%u000000-0000-0000-0000-000000000000", g, d);
		}
	}
	procs[0] = (struct migctl_process){.pid = 4242, .gi = 9, .ci = 0};
	gpus[1].procs = procs;
	gpus[1].n_procs = 1;
	gpus[1].gis[1].cis[0].n_procs = 1;
}

static void check_spec(const uint8_t *data, size_t size)
{
	struct migctl_cdi_spec spec;
	struct migctl_error err;
	enum migctl_err rc = migctl_cdi_parse((const char *)data, size, "fuzz", &spec, &err);

	if (rc != MIGCTL_ERR_OK && rc != MIGCTL_ERR_PARSE && rc != MIGCTL_ERR_NOMEM)
		abort();
	if (rc) {
		if (spec.devices || spec.n_devices || spec.kind)
			abort();
		return;
	}
	if (!spec.version || !strchr(spec.kind, '/'))
		abort();
	for (size_t i = 0; i < spec.n_devices; i++) {
		if (!migctl_cdi_valid_name(spec.devices[i].name))
			abort();
		for (size_t k = 0; k < spec.devices[i].n_nodes; k++)
			if (spec.devices[i].nodes[k][0] != '/')
				abort();
	}
	migctl_cdi_spec_release(&spec);
}

static void check_device(const char *text)
{
	struct migctl_migdev_spec spec;
	struct migctl_migdev_ref ref;
	struct migctl_error err;
	enum migctl_err rc = migctl_migdev_parse(text, &spec, &err);

	if (rc != MIGCTL_ERR_OK && rc != MIGCTL_ERR_USAGE)
		abort();
	for (int exclusive = 0; exclusive < 2; exclusive++) {
		enum migctl_err r = migctl_migdev_resolve(&node, text, exclusive, &ref, &err);
		if ((rc != MIGCTL_ERR_OK) != (r == MIGCTL_ERR_USAGE))
			abort();        /* resolving parses the same way */
		if (r == MIGCTL_ERR_OK) {
			if (!ref.gpu || !ref.gi || !ref.ci || (exclusive && ref.ci->n_procs))
				abort();
		} else if (r != MIGCTL_ERR_USAGE && r != MIGCTL_ERR_NOT_FOUND &&
			   r != MIGCTL_ERR_BUSY && r != MIGCTL_ERR_UNKNOWN_PROFILE) {
			abort();
		} else if (ref.gpu) {
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (!node.gpus[0].uuid[0])
		build_node();
	check_spec(data, size);
	if (size > 256)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_device(text);
	free(text);
	return 0;
}
