/* libFuzzer target: mig-parted v1 configs and hooks files
 * (lib/config_parse.c, lib/hooks.c, lib/util/yaml_read.c). The same bytes
 * are parsed as a config, as a hooks file, and loaded by the shared YAML
 * reader with its size, depth and alias checks. None may
 * crash or leak; errors must be documented codes and leave the result
 * empty. A config that parses has every label resolved on a small fixed
 * node (two A100 models, an A30 and a GPU without MIG) under both policies
 * for unmatched GPUs, and each plan must point into its GPU's model. */
#include <stdint.h>
#include <stdlib.h>

#include "migctl/catalog.h"
#include "migctl/config.h"
#include "util/yaml_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_GPUS 4

static struct migctl_catalog cat;
static struct migctl_config_gpu gpus[N_GPUS];

static void node_init(void)
{
	static const char *const names[N_GPUS - 1] = {"NVIDIA A100-SXM4-80GB",
		"NVIDIA A100-PCIE-40GB", "NVIDIA A30"};
	static const char *const uuids[N_GPUS] = {
		"GPU-5b11fd6f-2ab0-2a1c-a2e0-8a0b2e0b3bc1",
		"GPU-00000000-1111-2222-3333-444444444444",
		"GPU-aaaaaaaa-1111-2222-3333-444444444444",
		"GPU-bbbbbbbb-1111-2222-3333-444444444444"};
	static const char *const buses[N_GPUS] = {"00000000:07:00.0", "00000000:0F:00.0",
		"00000000:C1:00.0", "00000001:01:00.0"};
	struct migctl_error err;

	migctl_catalog_init(&cat);
	if (migctl_catalog_load_builtin(&cat, &err))
		abort();
	for (unsigned i = 0; i < N_GPUS; i++) {
		const struct migctl_gpu_model *m =
			i < N_GPUS - 1 ? migctl_catalog_find_model(&cat, names[i], &err) : NULL;
		if (i < N_GPUS - 1 && !m)
			abort();
		gpus[i] = (struct migctl_config_gpu){
			.index = i, .uuid = uuids[i], .bus_id = buses[i],
			.pci_id = m ? (uint32_t)m->pci_device_ids[0] << 16 | 0x10DE : 0x1FB010DE,
			.subsystem_id = 0x147E10DE, .mig_capable = m != NULL, .model = m,
		};
	}
}

static void check_plans(const struct migctl_gpu_plan *out)
{
	for (unsigned i = 0; i < N_GPUS; i++) {
		const struct migctl_gpu_target *t = &out[i].target;
		const struct migctl_gpu_model *m = gpus[i].model;
		if (out[i].managed && !gpus[i].mig_capable)
			abort();
		if (out[i].matched && (!out[i].managed || out[i].spec_line == 0))
			abort();
		for (size_t k = 0; k < t->n_items; k++)
			if (!m || t->items[k].gi >= m->n_gi ||
			    t->items[k].ci >= m->gi[t->items[k].gi].n_ci || t->items[k].count == 0)
				abort();
		for (size_t k = 0; k < t->n_pins; k++)
			if (!m || t->pins[k].gi >= m->n_gi)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct migctl_config cfg;
	struct migctl_hooks hooks;
	struct migctl_error err;
	enum migctl_err rc;

	if (!ready) {
		node_init();
		ready = 1;
	}
	migctl_config_init(&cfg);
	rc = migctl_config_parse(&cfg, "fuzz", (const char *)data, size, &err);
	if (rc != MIGCTL_ERR_OK && rc != MIGCTL_ERR_PARSE && rc != MIGCTL_ERR_NOMEM)
		abort();
	if (rc != MIGCTL_ERR_OK && (cfg.n_entries != 0 || cfg.entries))
		abort();
	if (rc == MIGCTL_ERR_OK && cfg.n_entries == 0)
		abort();
	for (size_t e = 0; e < cfg.n_entries; e++) {
		const struct migctl_config_entry *entry =
			migctl_config_select(&cfg, cfg.entries[e].label, &err);
		struct migctl_gpu_plan out[N_GPUS];
		if (!entry)
			abort();
		for (int policy = 0; policy < 2; policy++) {
			rc = migctl_config_resolve(entry, (enum migctl_unmatched)policy, gpus,
						   N_GPUS, out, &err);
			if (rc == MIGCTL_ERR_OK)
				check_plans(out);
			else if (rc != MIGCTL_ERR_UNKNOWN_PROFILE && rc != MIGCTL_ERR_NOT_FOUND &&
				 rc != MIGCTL_ERR_NOT_SUPPORTED &&
				 rc != MIGCTL_ERR_INVALID_PLACEMENT && rc != MIGCTL_ERR_USAGE)
				abort();
		}
	}
	migctl_config_release(&cfg);

	migctl_hooks_init(&hooks);
	rc = migctl_hooks_parse(&hooks, "fuzz", (const char *)data, size, &err);
	if (rc != MIGCTL_ERR_OK && rc != MIGCTL_ERR_PARSE && rc != MIGCTL_ERR_NOMEM)
		abort();
	for (int p = 0; p < MIGCTL_HOOK_POINTS; p++) {
		if (rc != MIGCTL_ERR_OK && (hooks.n_commands[p] || hooks.commands[p]))
			abort();
		for (size_t i = 0; i < hooks.n_commands[p]; i++)
			if (!hooks.commands[p][i].command)
				abort();
	}
	migctl_hooks_release(&hooks);

	/* And by the reader alone: a document on success, nothing on failure. */
	struct mu_yaml y;
	rc = mu_yaml_load(&y, "fuzz", (const char *)data, size, MIGCTL_ERR_PARSE, true, &err);
	if ((rc == MIGCTL_ERR_OK) != y.loaded ||
	    (rc != MIGCTL_ERR_OK && rc != MIGCTL_ERR_PARSE && rc != MIGCTL_ERR_NOMEM))
		abort();
	mu_yaml_release(&y);
	return 0;
}
