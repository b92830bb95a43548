/* migctl plan -o k8s / -o slurm — a fleet plan cut into nodes and written
 * for the engine that rolls it out. The configs come from the library
 * (migctl_plan_node_configs: one named mig-parted config per distinct node
 * layout); this file parses --nodes and prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan_engines.h"
#include "migctl/export.h"
#include "migctl/k8s.h"
#include "migctl/slurm.h"
#include "util/list.h"
#include "util/strbuf.h"

#define NODE_NAME_MAX 64

struct nodes {
	struct migctl_plan_node *v;
	char (*names)[NODE_NAME_MAX];
	size_t n;
};

static void nodes_free(struct nodes *ns)
{
	free(ns->v);
	free(ns->names);
}

/* A Kubernetes node name and Slurm NodeName both: lower-case letters,
 * digits, '-' and '.', a letter or digit at both ends (a DNS-1123
 * subdomain, which is also a safe shell word). */
static bool valid_node_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= NODE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      ((s[i] == '-' || s[i] == '.') && i > 0 && i + 1 < n)))
			return false;
	return true;
}

/* The default: this host for the live node, else one node per --fleet
 * item ("node-1", ...). */
static int default_nodes(struct cli *cli, const struct plan_engine_req *r, struct nodes *ns)
{
	size_t first = 0;

	if (r->node_index) {
		char host[256] = "";
		if (gethostname(host, sizeof(host) - 1) != 0 || !valid_node_name(host))
			return cli_usage_error(cli, "plan",
					       "this host's name \"%s\" is not a valid node name; give --nodes NAME",
					       host);
		memcpy(ns->names[0], host, strlen(host) + 1); /* valid: shorter */
		ns->v[0] = (struct migctl_plan_node){.name = ns->names[0], .first = 0, .n = r->plan->n_gpus};
		ns->n = 1;
		return 0;
	}
	for (size_t e = 0; e < r->n_fleet; e++) {
		snprintf(ns->names[e], NODE_NAME_MAX, "node-%zu", e + 1);
		ns->v[e] = (struct migctl_plan_node){.name = ns->names[e], .first = first,
						     .n = r->fleet[e].count};
		first += r->fleet[e].count;
	}
	ns->n = r->n_fleet;
	return 0;
}

/* --nodes NAME,NAME... (one per --fleet item, or the one live node) or
 * NAME:COUNT,... (runs of GPUs in plan order, adding up to the fleet). */
static int parse_nodes(struct cli *cli, const struct plan_engine_req *r, struct nodes *ns)
{
	size_t cap = r->plan->n_gpus + r->n_fleet + 2, first = 0, counted = 0;
	const char *s = r->nodes;
	char item[NODE_NAME_MAX + 16];
	int k;

	ns->v = calloc(cap, sizeof(*ns->v));
	ns->names = calloc(cap, sizeof(*ns->names));
	if (!ns->v || !ns->names) {
		struct migctl_error err = {0};
		migctl_fail(&err, MIGCTL_ERR_NOMEM, "out of memory");
		return cli_report(cli, &err);
	}
	if (!r->nodes)
		return default_nodes(cli, r, ns);
	while ((k = mu_list_next(&s, item, sizeof(item))) != 0) {
		char *colon = strchr(item, ':');
		unsigned count = 0;
		if (k < 0 || ns->n == cap)
			return cli_usage_error(cli, "plan", "--nodes: empty or overlong item in \"%s\"", r->nodes);
		if (colon) {
			*colon = '\0';
			if (!mu_parse_count(colon + 1, MIGCTL_PLAN_MAX_GPUS, &count) || count == 0)
				return cli_usage_error(cli, "plan", "--nodes: bad GPU count in \"%s:%s\"; write NAME:COUNT",
						       item, colon + 1);
			counted++;
		}
		if (!valid_node_name(item))
			return cli_usage_error(cli, "plan",
					       "--nodes: bad node name \"%s\"; use lower-case letters, digits, '-' and '.'",
					       item);
		memcpy(ns->names[ns->n], item, strlen(item) + 1); /* valid: shorter */
		ns->v[ns->n] = (struct migctl_plan_node){.name = ns->names[ns->n], .first = first, .n = count};
		first += count;
		ns->n++;
	}
	if (counted && counted != ns->n)
		return cli_usage_error(cli, "plan", "--nodes: give every node a GPU count (NAME:COUNT) or none");
	if (counted && first != r->plan->n_gpus)
		return cli_usage_error(cli, "plan", "--nodes: the GPU counts add up to %zu, the fleet has %zu GPUs",
				       first, r->plan->n_gpus);
	if (!counted) {
		size_t want = r->node_index ? 1 : r->n_fleet;
		if (ns->n != want)
			return cli_usage_error(cli, "plan",
					       "--nodes: %zu name%s for %zu %s; name one node per --fleet item, or give NAME:COUNT",
					       ns->n, ns->n == 1 ? "" : "s", want,
					       r->node_index ? "node (this one)" : "--fleet items");
		for (size_t i = 0, at = 0; i < ns->n; i++) {
			ns->v[i].first = at;
			ns->v[i].n = r->node_index ? r->plan->n_gpus : r->fleet[i].count;
			at += ns->v[i].n;
		}
	}
	return 0;
}

/* The plan's configs, each line of the YAML indented by `indent`. */
static int configs_yaml(struct cli *cli, const struct plan_engine_req *r, struct nodes *ns,
			struct migctl_export *x, const char *indent, struct mu_strbuf *out)
{
	struct migctl_export_style style = {
		.flow_mig_devices = true, .quote_profiles = true, .placement_comments = true,
	};
	struct migctl_error err = {0};
	char *text = NULL;

	if (migctl_plan_node_configs(r->plan, r->node_index, ns->v, ns->n, r->name, x, &err) ||
	    migctl_export_yaml(x, &style, &text, &err))
		return cli_report(cli, &err);
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		mu_sb_printf(out, "%s%.*s\n", len ? indent : "", (int)len, line);
		line += len + (nl != NULL);
	}
	free(text);
	return 0;
}

/* Prints the text when everything before went well (rc 0, no allocation
 * failed) and releases what print_k8s and print_slurm built. */
static int finish(struct cli *cli, int rc, struct mu_strbuf *b, struct mu_strbuf *cfg,
		  struct migctl_export *x)
{
	if (!rc && (b->oom || cfg->oom)) {
		struct migctl_error err = {0};
		migctl_fail(&err, MIGCTL_ERR_NOMEM, "out of memory");
		rc = cli_report(cli, &err);
	}
	if (!rc)
		fputs(b->p, stdout);
	mu_sb_release(cfg);
	mu_sb_release(b);
	migctl_export_release(x);
	return rc;
}

/* k8s-mig-manager's inputs: the ConfigMap of named configs, and the label
 * commands that roll the plan out one node at a time. */
static int print_k8s(struct cli *cli, const struct plan_engine_req *r, struct nodes *ns)
{
	struct migctl_export x;
	struct mu_strbuf b = {0}, cfg = {0};
	int rc;

	migctl_export_init(&x);
	/* The configs first: the label commands name each node's. */
	rc = configs_yaml(cli, r, ns, &x, "    ", &cfg);
	mu_sb_printf(&b, "%s", r->head);
	mu_sb_printf(&b,
		"# k8s-mig-manager applies a node's config when its nvidia.com/mig.config\n"
		"# label changes, and reports nvidia.com/mig.config.state (pending, then\n"
		"# success or failed). Create this ConfigMap in the GPU Operator's namespace,\n"
		"# point mig-manager at it (ClusterPolicy migManager.config.name=%s),\n"
		"# then label one node at a time, waiting for success before the next:\n"
		"#   kubectl apply -n gpu-operator -f FILE\n", r->name);
	for (size_t i = 0; i < ns->n; i++)
		mu_sb_printf(&b, "#   kubectl label node %s nvidia.com/mig.config=%s --overwrite\n"
				 "#   kubectl get node %s -L nvidia.com/mig.config.state\n",
			     ns->v[i].name, rc ? "" : x.entries[ns->v[i].config].label, ns->v[i].name);
	mu_sb_printf(&b, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  config.yaml: |\n%s",
		     r->name, cfg.p ? cfg.p : "");
	return finish(cli, rc, &b, &cfg, &x);
}

/* One node's Slurm lines, as comments: its config, Gres= and gres.conf. */
static enum migctl_err slurm_node(struct mu_strbuf *b, const struct plan_engine_req *r,
				  const struct migctl_plan_node *nd, const char *config,
				  struct migctl_error *err)
{
	struct migctl_slurm_layout l;
	char gres[4096];
	enum migctl_err rc;

	migctl_slurm_layout_init(&l);
	if (!(rc = migctl_slurm_plan_layout(r->plan, nd->first, nd->n, &l, err)) &&
	    !(rc = migctl_slurm_gres(&l, gres, sizeof(gres), err))) {
		mu_sb_printf(b, "#\n# node %s: config %s\n", nd->name, config);
		if (gres[0])
			mu_sb_printf(b, "#   slurm.conf: NodeName=%s Gres=%s\n#   gres.conf:\n", nd->name, gres);
		else
			mu_sb_printf(b, "#   no MIG device: no Gres= in slurm.conf, no gres.conf lines\n");
		for (size_t i = 0; i < l.n; i++)
			mu_sb_printf(b, "#     Name=gpu Type=%s MultipleFiles=%s,%s,%s\n", l.devs[i].type,
				     l.devs[i].files[0], l.devs[i].files[1], l.devs[i].files[2]);
	}
	migctl_slurm_layout_release(&l);
	return rc;
}

/* The configs as a mig-parted file, each node's config name and Slurm
 * lines in the comment above it. */
static int print_slurm(struct cli *cli, const struct plan_engine_req *r, struct nodes *ns)
{
	struct migctl_export x;
	struct migctl_error err = {0};
	struct mu_strbuf b = {0}, cfg = {0};
	int rc;

	migctl_export_init(&x);
	rc = configs_yaml(cli, r, ns, &x, "", &cfg);
	mu_sb_printf(&b, "%s", r->head);
	mu_sb_printf(&b,
		"# Per node: its config in this file and the Slurm lines it will have.\n"
		"# Apply on each node, draining it first:\n"
		"#   migctl apply -f FILE -c CONFIG --slurm-reconfigure\n"
		"# which writes the real gres.conf (with the MIG UUIDs the TaskProlog\n"
		"# 'migctl slurm prolog' needs) and the node's Gres=. The lines below take\n"
		"# each node's GPU i as /dev/nvidia<i> and GI IDs as on an identity board.\n");
	for (size_t i = 0; i < ns->n && !rc; i++)
		if (slurm_node(&b, r, &ns->v[i], x.entries[ns->v[i].config].label, &err))
			rc = cli_report(cli, &err);
	mu_sb_printf(&b, "%s", cfg.p ? cfg.p : "");
	return finish(cli, rc, &b, &cfg, &x);
}

int cli_plan_engine(struct cli *cli, const struct plan_engine_req *req, bool slurm)
{
	struct nodes ns = {0};
	int rc = parse_nodes(cli, req, &ns);

	if (!rc) {
		char label[MIGCTL_NAME_MAX * 2];
		snprintf(label, sizeof(label), "%s-%zu", req->name, ns.n);
		if (!migctl_k8s_valid_label_value(label))
			rc = cli_usage_error(cli, "plan",
					     "--config-name: \"%s\" does not make a Kubernetes label value (at most 63 characters, a letter or digit at both ends)",
					     req->name);
	}
	if (!rc)
		rc = slurm ? print_slurm(cli, req, &ns) : print_k8s(cli, req, &ns);
	nodes_free(&ns);
	return rc;
}
