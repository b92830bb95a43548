/* migctl export — the current layout as a nvidia-mig-parted config. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char export_usage[] =
	"Usage: migctl export [-o yaml|json] [-l LABEL] [--no-placements]\n"
	"\n"
	"Print the GPUs' current MIG layout as a config in nvidia-mig-parted's\n"
	"format, under LABEL (default 'current'). GPUs with the same layout share\n"
	"an entry. Each entry also lists its GPU instances' placements under the\n"
	"migctl extension key migctl-placements, so that 'migctl apply' recreates\n"
	"exactly this layout; --no-placements leaves it out (nvidia-mig-parted\n"
	"rejects the key).\n"
	"\n"
	"Options:\n"
	"  -o, --output FMT  yaml (default) or json\n"
	"  -l, --config-label LABEL  the label (default current)\n"
	"  --no-placements   no migctl-placements key\n"
	"  -h, --help        show this help\n";

/* --- export, checkpoint -------------------------------------------------- */

/* One GPU's entry body (everything but devices) as JSON, to compare GPUs
 * and to print. */
static json_t *export_body(const struct migctl_gpu_state *g, bool placements)
{
	json_t *o = json_object();
	json_object_set_new(o, "mig-enabled", json_boolean(g->mig_current));
	if (!g->mig_current)
		return o;
	struct migctl_layout layout;
	struct migctl_gpu_target t;
	migctl_layout_of_gpu(g, &layout);
	migctl_layout_to_target(&layout, &t);
	json_t *devs = json_object();
	for (size_t i = 0; i < t.n_items; i++)
		json_object_set_new(devs, g->model.gi[t.items[i].gi].ci[t.items[i].ci].name,
				    json_integer(t.items[i].count));
	json_object_set_new(o, "mig-devices", devs);
	if (placements && layout.n_gis) {
		json_t *pins = json_array();
		for (size_t k = 0; k < layout.n_gis; k++) {
			char pin[MIGCTL_NAME_MAX + 16];
			snprintf(pin, sizeof(pin), "%s@%u", g->model.gi[layout.gis[k].profile].name,
				 layout.gis[k].placement.start);
			json_array_append_new(pins, json_string(pin));
		}
		json_object_set_new(o, "migctl-placements", pins);
	}
	return o;
}

static void yaml_scalar(const char *s)
{
	printf("\"");
	for (; *s; s++)
		printf(*s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
	printf("\"");
}

int cli_export(struct cli *cli, const char *label, bool json, bool placements)
{
	struct migctl_error err = {0};
	enum migctl_err rc;

	if ((rc = cli_node(cli, &err)))
		return cli_report(cli, &err);
	size_t n = cli->node.n_gpus;
	json_t **body = calloc(n + 1, sizeof(*body));
	bool *done = calloc(n + 1, sizeof(*done));
	json_t *specs = json_array();
	if (!body || !done || !specs) {
		free(body);
		free(done);
		json_decref(specs);
		migctl_fail(&err, MIGCTL_ERR_NOMEM, "out of memory");
		return cli_report(cli, &err);
	}
	size_t capable = 0;
	for (size_t i = 0; i < n; i++) {
		capable += cli->node.gpus[i].mig_capable;
		body[i] = export_body(&cli->node.gpus[i], placements);
	}
	for (size_t i = 0; i < n; i++) {
		if (done[i] || !cli->node.gpus[i].mig_capable)
			continue;
		json_t *devices = json_array();
		size_t members = 0;
		for (size_t k = i; k < n; k++) {
			if (done[k] || !cli->node.gpus[k].mig_capable || !json_equal(body[i], body[k]))
				continue;
			done[k] = true;
			members++;
			json_array_append_new(devices, json_integer(cli->node.gpus[k].index));
		}
		json_t *spec = json_object();
		if (members == capable) {
			json_object_set_new(spec, "devices", json_string("all"));
			json_decref(devices);
		} else {
			json_object_set_new(spec, "devices", devices);
		}
		json_object_update(spec, body[i]);
		json_array_append_new(specs, spec);
	}
	json_t *root = json_pack("{s:s,s:{s:o}}", "version", "v1", "mig-configs", label, specs);
	if (json) {
		cli_print_json(root);
	} else {
		printf("version: v1\nmig-configs:\n  ");
		yaml_scalar(label);
		printf(":\n");
		size_t i;
		json_t *spec;
		json_array_foreach(specs, i, spec) {
			json_t *dv = json_object_get(spec, "devices");
			if (json_is_string(dv)) {
				printf("    - devices: all\n");
			} else {
				printf("    - devices: [");
				for (size_t k = 0; k < json_array_size(dv); k++)
					printf("%s%lld", k ? ", " : "",
					       (long long)json_integer_value(json_array_get(dv, k)));
				printf("]\n");
			}
			printf("      mig-enabled: %s\n",
			       json_is_true(json_object_get(spec, "mig-enabled")) ? "true" : "false");
			json_t *md = json_object_get(spec, "mig-devices");
			if (md) {
				const char *key;
				json_t *v;
				printf("      mig-devices:%s\n", json_object_size(md) ? "" : " {}");
				json_object_foreach(md, key, v) {
					printf("        ");
					yaml_scalar(key);
					printf(": %lld\n", (long long)json_integer_value(v));
				}
			}
			json_t *pins = json_object_get(spec, "migctl-placements");
			for (size_t k = 0; k < json_array_size(pins); k++) {
				printf("%s", k ? ", " : "      migctl-placements: [");
				yaml_scalar(json_string_value(json_array_get(pins, k)));
			}
			if (json_array_size(pins))
				printf("]\n");
		}
		json_decref(root);
	}
	for (size_t i = 0; i < n; i++)
		json_decref(body[i]);
	free(body);
	free(done);
	return 0;
}

enum { OPT_NO_PLACEMENTS = 1000 };

int cmd_export(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"config-label", required_argument, NULL, 'l'},
		{"no-placements", no_argument, NULL, OPT_NO_PLACEMENTS},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *label = "current";
	bool json = cli->output == CLI_JSON, placements = true;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:l:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			if (strcmp(optarg, "json") == 0)
				json = true;
			else if (strcmp(optarg, "yaml") == 0 || strcmp(optarg, "text") == 0)
				json = false;
			else
				return cli_usage_error(cli, "export", "bad output format '%s' (use yaml or json)",
						       optarg);
			break;
		case 'l': label = optarg; break;
		case OPT_NO_PLACEMENTS: placements = false; break;
		case 'h': fputs(export_usage, stdout); return 0;
		default: return cli_usage_error(cli, "export", "unknown option or missing value");
		}
	}
	if (optind < argc)
		return cli_usage_error(cli, "export", "unexpected argument '%s'", argv[optind]);
	return cli_export(cli, label, json, placements);
}

