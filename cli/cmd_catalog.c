/* migctl catalog — list and show the GPU models migctl knows. */
#include <string.h>

#include "cli.h"

static void print_pci_ids(FILE *out, const struct migctl_gpu_model *m, int width)
{
	char buf[128] = "";
	size_t used = 0;
	for (size_t i = 0; i < m->n_pci_device_ids && used < sizeof(buf); i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s0x%04X",
					 i ? "," : "", m->pci_device_ids[i]);
	fprintf(out, "%-*s", width, buf);
}

static json_t *json_pci_ids(const struct migctl_gpu_model *m)
{
	json_t *a = json_array();
	for (size_t i = 0; i < m->n_pci_device_ids; i++)
		json_array_append_new(a, json_sprintf("0x%04X", m->pci_device_ids[i]));
	return a;
}

static json_t *json_model_summary(const struct migctl_gpu_model *m)
{
	json_t *aliases = json_array();
	for (size_t i = 0; i < m->n_aliases; i++)
		json_array_append_new(aliases, json_string(m->aliases[i]));
	return json_pack("{s:s,s:o,s:o,s:s,s:I,s:i,s:i,s:i,s:i,s:s,s:b,s:s}",
			 "name", m->name, "aliases", aliases,
			 "pci_device_ids", json_pci_ids(m),
			 "architecture", migctl_arch_name(m->arch),
			 "memory_mib", (json_int_t)m->memory_mib,
			 "sm_count", (int)m->sm_count,
			 "placement_units", (int)m->units,
			 "compute_slices", (int)m->compute_slices,
			 "gpu_instance_profiles", (int)m->n_gi,
			 "min_driver", m->min_driver,
			 "confirmed", m->confirmed, "source", m->source);
}

static int catalog_list(struct cli *cli)
{
	const struct migctl_catalog *cat = &cli->catalog;

	if (cli->output == CLI_JSON) {
		json_t *a = json_array();
		for (size_t i = 0; i < cat->n_models; i++)
			json_array_append_new(a, json_model_summary(&cat->models[i]));
		return cli_print_json(json_pack("{s:o}", "models", a));
	}
	int w = 5;
	for (size_t i = 0; i < cat->n_models; i++)
		if ((int)strlen(cat->models[i].name) > w)
			w = (int)strlen(cat->models[i].name);
	printf("%-*s %-20s %-10s %5s %10s %8s\n", w, "MODEL", "PCI DEVICE IDS", "ARCH",
	       "UNITS", "MEMORY", "PROFILES");
	for (size_t i = 0; i < cat->n_models; i++) {
		const struct migctl_gpu_model *m = &cat->models[i];
		printf("%-*s ", w, m->name);
		print_pci_ids(stdout, m, 20);
		printf(" %-10s %5u %7lluMiB %8zu%s\n", migctl_arch_name(m->arch), m->units,
		       (unsigned long long)m->memory_mib, m->n_gi,
		       m->confirmed ? "" : "  (unconfirmed)");
	}
	printf("\n%zu models. 'migctl catalog show MODEL' shows one.\n", cat->n_models);
	return 0;
}

static json_t *json_model(const struct migctl_gpu_model *m)
{
	json_t *root = json_model_summary(m);
	json_t *gis = json_array();
	struct migctl_grid grid;

	migctl_grid_of_model(&grid, m);
	for (size_t i = 0; i < m->n_gi; i++) {
		const struct migctl_gi_profile *p = &m->gi[i];
		json_t *cis = json_array();
		for (size_t j = 0; j < p->n_ci; j++) {
			const struct migctl_ci_profile *c = &p->ci[j];
			json_array_append_new(cis, json_pack("{s:i,s:s,s:i,s:i,s:i,s:b,s:o,s:b}",
				"id", (int)c->id, "name", c->name, "slices", (int)c->slices,
				"sm", (int)c->sm, "max", (int)c->max, "default", c->is_default,
				"placements", cli_json_placements(&c->placements),
				"confirmed", c->confirmed));
		}
		json_array_append_new(gis, json_pack(
			"{s:i,s:s,s:i,s:i,s:I,s:f,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:o,s:b,s:o}",
			"id", (int)p->id, "name", p->name, "nvml_index", (int)p->nvml_index,
			"compute_slices", (int)p->compute_slices,
			"memory_mib", (json_int_t)p->memory_mib,
			"memory_gib", (double)p->memory_mib / 1024.0,
			"sm", (int)p->sm, "ce", (int)p->ce, "dec", (int)p->dec,
			"enc", (int)p->enc, "jpg", (int)p->jpg, "ofa", (int)p->ofa,
			"max", (int)p->max,
			"free", (int)migctl_grid_remaining_capacity(&grid, NULL, 0, i),
			"placements", cli_json_placements(&p->placements),
			"confirmed", p->confirmed,
			"compute_instance_profiles", cis));
	}
	json_object_set_new(root, "gpu_instance_profiles", gis);
	return root;
}

static void print_ci_profiles(const struct migctl_gpu_model *m)
{
	printf("Compute-instance profiles (ID, SMs, placements in compute slices, max):\n");
	for (size_t i = 0; i < m->n_gi; i++) {
		const struct migctl_gi_profile *p = &m->gi[i];
		printf("  MIG %s (GI profile %u):\n", p->name, p->id);
		for (size_t j = 0; j < p->n_ci; j++) {
			const struct migctl_ci_profile *c = &p->ci[j];
			char set[256];
			migctl_placement_set_format(&c->placements, set, sizeof(set));
			printf("    MIG %-18s ID %u%s  %3u SM  %-18s max %u%s\n", c->name, c->id,
			       c->is_default ? "*" : " ", c->sm, set, c->max,
			       c->confirmed ? "" : "  (unconfirmed)");
		}
	}
}

static void print_unconfirmed(const struct migctl_gpu_model *m)
{
	bool any = !m->confirmed;
	for (size_t i = 0; i < m->n_gi; i++)
		any |= !m->gi[i].confirmed;
	if (!any)
		return;
	printf("\nUnconfirmed (the reference has no transcript for these; values are estimates):");
	if (!m->confirmed)
		printf(" the model itself;");
	for (size_t i = 0; i < m->n_gi; i++)
		if (!m->gi[i].confirmed)
			printf(" %s", m->gi[i].name);
	printf("\n");
}

static int catalog_show(struct cli *cli, const struct migctl_gpu_model *m,
			bool only_lgip, bool only_lgipp)
{
	unsigned free[MIGCTL_MAX_PROFILES];
	struct migctl_grid grid;

	if (cli->output == CLI_JSON)
		return cli_print_json(json_model(m));
	migctl_grid_of_model(&grid, m);
	for (size_t i = 0; i < m->n_gi; i++)
		free[i] = migctl_grid_remaining_capacity(&grid, NULL, 0, i);
	if (only_lgip || only_lgipp) {
		if (only_lgip)
			smi_print_lgip(stdout, 0, m, free);
		if (only_lgipp)
			smi_print_lgipp(stdout, 0, m);
		return 0;
	}
	printf("%s: ", m->name);
	print_pci_ids(stdout, m, 0);
	printf(", %s, %llu MiB, %u SMs, %u placement units, %u compute slices\n\n",
	       migctl_arch_name(m->arch), (unsigned long long)m->memory_mib,
	       m->sm_count, m->units, m->compute_slices);
	smi_print_lgip(stdout, 0, m, free);
	printf("\n");
	smi_print_lgipp(stdout, 0, m);
	printf("\n");
	print_ci_profiles(m);
	print_unconfirmed(m);
	return 0;
}

enum { OPT_LGIP = 1000, OPT_LGIPP };

int cmd_catalog(struct cli *cli, int argc, char **argv)
{
	bool only_lgip = false, only_lgipp = false;
	struct migctl_error err = {0};
	struct cli_parse p;
	int opt, next;

	cli_parse_init(&p, cli, &cli_cmd_catalog, argc, argv);
	while ((opt = cli_next_opt(&p)) > 0) {
		if (opt == OPT_LGIP)
			only_lgip = true;
		else if (opt == OPT_LGIPP)
			only_lgipp = true;
	}
	if (opt == CLI_PARSE_STOP)
		return p.rc;
	next = p.ind;
	if (next >= argc)
		return cli_usage_error(cli, "catalog", "missing subcommand (list or show)");
	const char *sub = argv[next++];
	if (strcmp(sub, "list") == 0) {
		if (next != argc)
			return cli_usage_error(cli, "catalog", "'catalog list' takes no arguments");
		if (cli_catalog(cli, &err))
			return cli_report(cli, &err);
		return catalog_list(cli);
	}
	if (strcmp(sub, "show") == 0) {
		if (next + 1 != argc)
			return cli_usage_error(cli, "catalog", "'catalog show' takes one MODEL");
		const struct migctl_gpu_model *m = cli_model(cli, argv[next], &err);
		if (!m)
			return cli_report(cli, &err);
		return catalog_show(cli, m, only_lgip, only_lgipp);
	}
	return cli_usage_error(cli, "catalog", "unknown subcommand '%s' (use list or show)", sub);
}

static const struct cli_opt catalog_opts[] = {
	{"lgip", 0, OPT_LGIP, NULL, "print only the -lgip table", CLI_V_NONE, NULL, false},
	{"lgipp", 0, OPT_LGIPP, NULL, "print only the -lgipp lines", CLI_V_NONE, NULL, false},
	{0},
};

static const char *const catalog_forms[] = {
	"list [-o text|json]",
	"show MODEL [--lgip | --lgipp] [-o text|json]",
	NULL,
};

const struct cli_command cli_cmd_catalog = {
	.name = "catalog",
	.summary = "list GPU models and show their MIG profiles",
	.forms = catalog_forms,
	.description =
		"Show the built-in GPU catalog (plus --catalog FILE).\n"
		"\n"
		"  list            every model: name, PCI device IDs, architecture,\n"
		"                  placement units, memory, number of GI profiles\n"
		"  show MODEL      one model: the GPU-instance profile table as\n"
		"                  'nvidia-smi mig -lgip' prints it on an empty GPU, the\n"
		"                  placements as 'nvidia-smi mig -lgipp' prints them, and\n"
		"                  the compute-instance profiles of every GI profile\n"
		"\n"
		"MODEL is a name or alias (case and '-', '_', ' ' do not matter:\n"
		"'a100-80gb-pcie', 'NVIDIA A100 80GB PCIe') or a PCI device ID ('0x20B5').\n",
	.formats = "text json",
	.opts = catalog_opts,
	.operand_values = CLI_V_MODEL,
	.operand_words = "list show",
	.run = cmd_catalog,
};
