/* migctl layouts — enumerate the placed layouts of a GPU model. */
#include <string.h>

#include "cli.h"

/* Distinct profile multisets among the visited layouts. */
#define MAX_MULTISETS 4096
struct walk {
	const struct migctl_gpu_model *model;
	struct cli *cli;
	json_t *json;           /* array, in JSON mode */
	size_t index;
	unsigned char (*multisets)[MIGCTL_MAX_PROFILES];
	size_t n_multisets;
	bool multisets_overflow;
};

static void note_multiset(struct walk *w, const struct migctl_slot *slots, size_t n)
{
	unsigned char counts[MIGCTL_MAX_PROFILES] = {0};
	for (size_t i = 0; i < n; i++)
		counts[slots[i].profile]++;
	for (size_t i = 0; i < w->n_multisets; i++)
		if (memcmp(w->multisets[i], counts, sizeof(counts)) == 0)
			return;
	if (w->n_multisets == MAX_MULTISETS) {
		w->multisets_overflow = true;
		return;
	}
	memcpy(w->multisets[w->n_multisets++], counts, sizeof(counts));
}

static int visit(const struct migctl_slot *slots, size_t n, void *ctx)
{
	struct walk *w = ctx;
	const struct migctl_gpu_model *m = w->model;
	unsigned compute = 0, units = 0;

	note_multiset(w, slots, n);
	w->index++;
	for (size_t i = 0; i < n; i++) {
		compute += m->gi[slots[i].profile].compute_slices;
		units += slots[i].placement.size;
	}
	if (w->json) {
		json_t *inst = json_array();
		for (size_t i = 0; i < n; i++) {
			const struct migctl_gi_profile *p = &m->gi[slots[i].profile];
			json_array_append_new(inst, json_pack("{s:s,s:i,s:i,s:i,s:i}",
				"profile", p->name, "profile_id", (int)p->id,
				"start", (int)slots[i].placement.start,
				"size", (int)slots[i].placement.size,
				"gi_id", migctl_gi_id(m->units, slots[i].placement,
						      MIGCTL_GI_ID_IDENTITY)));
		}
		json_array_append_new(w->json, json_pack("{s:o,s:i,s:i}", "instances", inst,
			"compute_slices_used", (int)compute, "units_used", (int)units));
		return 0;
	}
	char map[MIGCTL_MAX_UNITS + 1];
	memset(map, '.', m->units);
	map[m->units] = '\0';
	for (size_t i = 0; i < n; i++)
		for (unsigned u = 0; u < slots[i].placement.size; u++)
			map[slots[i].placement.start + u] = (char)('A' + i);
	char used[16];
	snprintf(used, sizeof(used), "%u/%u", compute, m->compute_slices);
	printf("%5zu  %-*s  %-7s  ", w->index, (int)(m->units > 5 ? m->units : 5), map, used);
	for (size_t i = 0; i < n; i++)
		printf("%s%c=%s@%u:%u", i ? "  " : "", (char)('A' + i),
		       m->gi[slots[i].profile].name, slots[i].placement.start,
		       slots[i].placement.size);
	printf("\n");
	return 0;
}

enum { OPT_PROFILES = 1000, OPT_ALL };

int cmd_layouts(struct cli *cli, int argc, char **argv)
{
	const char *profiles = NULL;
	enum migctl_layout_filter filter = MIGCTL_LAYOUTS_NON_EXTENDABLE;
	struct migctl_error err = {0};
	struct cli_parse p;
	int opt;

	cli_parse_init(&p, cli, &cli_cmd_layouts, argc, argv);
	while ((opt = cli_next_opt(&p)) > 0) {
		if (opt == OPT_PROFILES)
			profiles = p.arg;
		else if (opt == OPT_ALL)
			filter = MIGCTL_LAYOUTS_ALL;
	}
	if (opt == CLI_PARSE_STOP)
		return p.rc;
	if (p.ind + 1 != argc)
		return cli_usage_error(cli, "layouts", "expected one MODEL");
	const struct migctl_gpu_model *m = cli_model(cli, argv[p.ind], &err);
	if (!m)
		return cli_report(cli, &err);

	uint32_t allowed = 0;
	if (profiles) {
		size_t idx[MIGCTL_MAX_PROFILES], n;
		if (migctl_model_parse_gi_profile_list(m, profiles, idx, MIGCTL_MAX_PROFILES,
						       &n, &err))
			return cli_report(cli, &err);
		for (size_t i = 0; i < n; i++)
			allowed |= UINT32_C(1) << idx[i];
	} else {
		allowed = m->n_gi >= 32 ? UINT32_MAX : (UINT32_C(1) << m->n_gi) - 1;
	}

	struct migctl_grid grid;
	struct walk w = {.model = m, .cli = cli};
	w.multisets = calloc(MAX_MULTISETS, sizeof(*w.multisets));
	if (!w.multisets) {
		migctl_fail(&err, MIGCTL_ERR_NOMEM, "out of memory");
		return cli_report(cli, &err);
	}
	migctl_grid_of_model(&grid, m);

	json_t *names = json_array();
	for (size_t i = 0; i < m->n_gi; i++)
		if (allowed & (UINT32_C(1) << i))
			json_array_append_new(names, json_string(m->gi[i].name));
	const char *kind = filter == MIGCTL_LAYOUTS_ALL ? "placed" : "non-extendable";

	if (cli->output == CLI_JSON) {
		w.json = json_array();
		size_t count = migctl_grid_enumerate(&grid, allowed, filter, visit, &w);
		free(w.multisets);
		return cli_print_json(json_pack("{s:s,s:o,s:s,s:I,s:I,s:o}",
			"model", m->name, "profiles", names, "filter", kind,
			"count", (json_int_t)count, "multisets", (json_int_t)w.n_multisets,
			"layouts", w.json));
	}
	printf("%s layouts of %s using", filter == MIGCTL_LAYOUTS_ALL ? "All placed" : "Non-extendable", m->name);
	for (size_t i = 0; i < json_array_size(names); i++)
		printf("%s %s", i ? "," : "", json_string_value(json_array_get(names, i)));
	json_decref(names);
	printf(":\n\n%5s  %-*s  %-7s  %s\n", "#", (int)(m->units > 5 ? m->units : 5), "UNITS",
	       "COMPUTE", "INSTANCES (profile@start:size)");
	size_t count = migctl_grid_enumerate(&grid, allowed, filter, visit, &w);
	printf("\n%zu %s layouts, %zu%s distinct profile multisets.\n", count, kind,
	       w.n_multisets, w.multisets_overflow ? "+" : "");
	free(w.multisets);
	return 0;
}

static const struct cli_opt layouts_opts[] = {
	{"profiles", 0, OPT_PROFILES, "LIST",
	 "only these GI profiles, by ID or name, comma-separated\n"
	 "('1g.10gb,2g.20gb,3g.40gb,4g.40gb,7g.80gb' or '19,14,9,5,0');\n"
	 "default: every profile of the model", CLI_V_PROFILE, NULL, false},
	{"all", 0, OPT_ALL, NULL, "every placed layout, not only the non-extendable ones", CLI_V_NONE, NULL, false},
	{0},
};

const struct cli_command cli_cmd_layouts = {
	.name = "layouts",
	.summary = "enumerate the layouts of GPU instances on a model",
	.operands = "MODEL",
	.description =
		"List every non-extendable layout of GPU instances on an empty GPU of\n"
		"MODEL: sets of instances with their placements to which no further\n"
		"instance of the chosen profiles can be added.\n",
	.formats = "text json",
	.opts = layouts_opts,
	.epilogue =
		"In the text output each layout shows its units: one letter per instance,\n"
		"'.' for a unit no instance uses.\n",
	.operand_values = CLI_V_MODEL,
	.run = cmd_layouts,
};
