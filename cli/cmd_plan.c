/* migctl plan — pack a demand of MIG profiles into the fewest GPUs of a
 * fleet (lib/planner.c does the work), and print the plan as a report, as
 * JSON or as a mig-parted config. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "plan_engines.h"
#include "migctl/demand.h"
#include "migctl/export.h"
#include "migctl/layout.h"
#include "migctl/online.h"
#include "migctl/planner.h"
#include "util/list.h"
#include "util/strbuf.h"

#define MAX_DEMAND 256
#define DEFAULT_CONFIG_NAME "migctl-plan"

struct plan_cli {
	struct cli *cli;
	/* The fleet; for the live node one entry per MIG-capable GPU. */
	struct migctl_plan_fleet *fleet;
	size_t n_fleet;
	unsigned *node_index;         /* live: node GPU index per entry */
	const struct migctl_gpu_state **node_gpu; /* live: the GPU per entry */
	size_t n_left_out;            /* live: GPUs without MIG */
	unsigned left_out[MIGCTL_NODE_MAX_GPUS];
	/* The demand, in the order given. */
	struct migctl_demand dem;
	const char *demand_file;
	struct migctl_plan_pin *pins;
	size_t n_pins;
	bool incremental;             /* --incremental: the online policy */
	const char *nodes;            /* --nodes LIST (-o k8s, -o slurm) */
};

static void plan_cli_free(struct plan_cli *p)
{
	migctl_demand_release(&p->dem);
	free(p->fleet);
	free(p->node_index);
	free(p->node_gpu);
	free(p->pins);
}

/* --- the fleet ------------------------------------------------------------ */

static int parse_fleet(struct plan_cli *p, const char *list)
{
	struct migctl_error err = {0};
	char item[MIGCTL_NAME_MAX * 2];
	const char *s = list;
	size_t cap = 1;
	int r;

	for (const char *c = list; *c; c++)
		cap += *c == ',';
	p->fleet = calloc(cap, sizeof(*p->fleet));
	if (!p->fleet) {
		migctl_fail(&err, MIGCTL_ERR_NOMEM, "out of memory");
		return cli_report(p->cli, &err);
	}
	while ((r = mu_list_next(&s, item, sizeof(item))) != 0) {
		unsigned count = 1;
		char *colon;
		if (r < 0)
			return cli_usage_error(p->cli, "plan",
					       "--fleet: empty or overlong item in \"%s\"; write MODEL:COUNT,MODEL:COUNT",
					       list);
		colon = strrchr(item, ':');
		if (colon) {
			*colon = '\0';
			mu_trim(item);
			mu_trim(colon + 1);
			if (!item[0] || !mu_parse_count(colon + 1, MIGCTL_PLAN_MAX_GPUS, &count))
				return cli_usage_error(p->cli, "plan",
						       "--fleet: bad item \"%s:%s\"; write MODEL:COUNT with a count of GPUs up to %u (e.g. a100-sxm4-80gb:8)",
						       item, colon + 1, MIGCTL_PLAN_MAX_GPUS);
		}
		const struct migctl_gpu_model *m = cli_model(p->cli, item, &err);
		if (!m)
			return cli_report(p->cli, &err);
		p->fleet[p->n_fleet++] = (struct migctl_plan_fleet){.model = m, .count = count};
	}
	if (p->n_fleet == 0)
		return cli_usage_error(p->cli, "plan", "--fleet: no MODEL:COUNT given");
	return 0;
}

/* The node's MIG-capable GPUs, each as its catalog model, with the GPU
 * instances that exist as pins. */
static int node_fleet(struct plan_cli *p)
{
	struct cli *cli = p->cli;
	struct migctl_error err = {0};
	size_t n_gis = 0;

	if (cli_node(cli, &err))
		return cli_report(cli, &err);
	const struct migctl_node *node = &cli->node;
	for (size_t i = 0; i < node->n_gpus; i++)
		n_gis += node->gpus[i].n_gis;
	p->fleet = calloc(node->n_gpus + 1, sizeof(*p->fleet));
	p->node_index = calloc(node->n_gpus + 1, sizeof(*p->node_index));
	p->node_gpu = calloc(node->n_gpus + 1, sizeof(*p->node_gpu));
	p->pins = calloc(n_gis + 1, sizeof(*p->pins));
	if (!p->fleet || !p->node_index || !p->node_gpu || !p->pins) {
		migctl_fail(&err, MIGCTL_ERR_NOMEM, "out of memory");
		return cli_report(cli, &err);
	}
	for (size_t i = 0; i < node->n_gpus; i++) {
		const struct migctl_gpu_state *gpu = &node->gpus[i];
		const struct migctl_gpu_model *m = gpu->catalog_model;

		if (!gpu->mig_capable) {
			if (p->n_left_out < MIGCTL_NODE_MAX_GPUS)
				p->left_out[p->n_left_out++] = gpu->index;
			continue;
		}
		if (!m && gpu->model.n_gi)
			m = &gpu->model; /* not in the catalog: the driver's profiles */
		if (!m) {
			migctl_fail(&err, MIGCTL_ERR_UNKNOWN_MODEL,
				    "GPU %u (%s) is not in the catalog and reports no MIG profiles while MIG mode is disabled; describe its model with --catalog FILE or enable MIG mode ('migctl%s mode enable -i %u')",
				    gpu->index, gpu->name, cli_sim_flag(cli), gpu->index);
			return cli_report(cli, &err);
		}
		for (size_t g = 0; g < gpu->n_gis; g++)
			p->pins[p->n_pins++] = (struct migctl_plan_pin){
				.gpu = p->n_fleet,
				.profile_id = gpu->gis[g].profile_id,
				.placement = gpu->gis[g].placement,
			};
		p->node_index[p->n_fleet] = gpu->index;
		p->node_gpu[p->n_fleet] = gpu;
		p->fleet[p->n_fleet++] = (struct migctl_plan_fleet){.model = m, .count = 1};
	}
	if (p->n_fleet == 0) {
		migctl_fail(&err, MIGCTL_ERR_NOT_SUPPORTED,
			    "no GPU of this node supports MIG; plan offline with --fleet MODEL:COUNT");
		return cli_report(cli, &err);
	}
	return 0;
}

static bool in_fleet(const struct plan_cli *p, const struct migctl_gpu_model *m)
{
	for (size_t i = 0; i < p->n_fleet; i++)
		if (p->fleet[i].model == m)
			return true;
	return false;
}

/* The fleet's model names, "A, B", into buf. */
static void fleet_models(const struct plan_cli *p, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < p->n_fleet && used + 1 < len; i++) {
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = p->fleet[k].model == p->fleet[i].model;
		if (!seen)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
						 p->fleet[i].model->name);
	}
}

/* --- the demand ----------------------------------------------------------- */

/* --demand PROFILE=N,MODEL/PROFILE=N (lib/demand.c). */
static int parse_demand(struct plan_cli *p, const char *list)
{
	struct migctl_error err = {0};

	if (strchr(list, '/') && cli_catalog(p->cli, &err))
		return cli_report(p->cli, &err);
	if (!migctl_demand_parse_list(&p->dem, list, &p->cli->catalog, &err))
		return 0;
	return err.code == MIGCTL_ERR_USAGE ? cli_usage_error(p->cli, "plan", "%s", err.msg)
					    : cli_report(p->cli, &err);
}

/* Does demand item i name a profile of some model that may serve it? */
static bool item_resolves(const struct plan_cli *p, size_t i)
{
	struct migctl_error scratch = {0};
	for (size_t e = 0; e < p->n_fleet; e++) {
		const struct migctl_gpu_model *m = p->fleet[e].model;
		if ((!p->dem.items[i].model || p->dem.items[i].model == m) &&
		    migctl_model_find_gi_profile(m, p->dem.items[i].profile, &scratch))
			return true;
	}
	return false;
}

/* Demand items tied to a model must name one of the fleet. */
static int check_demand_models(struct plan_cli *p)
{
	struct migctl_error err = {0};
	char names[400];

	for (size_t i = 0; i < p->dem.n; i++) {
		const struct migctl_gpu_model *m = p->dem.items[i].model;
		if (!m || in_fleet(p, m))
			continue;
		fleet_models(p, names, sizeof(names));
		if (p->dem.lines[i]) {
			migctl_fail(&err, MIGCTL_ERR_PARSE,
				    "%s:%lu: demand for %s, which is not in the fleet (%s); tie it to a model of the fleet or drop the model",
				    p->demand_file, p->dem.lines[i], m->name, names);
			return cli_report(p->cli, &err);
		}
		return cli_usage_error(p->cli, "plan",
				       "--demand: the item for %s is tied to %s, which is not in the fleet (%s)",
				       p->dem.items[i].profile, m->name, names);
	}
	return 0;
}

/* --- output --------------------------------------------------------------- */

static unsigned gpu_index(const struct plan_cli *p, size_t g)
{
	return p->node_index ? p->node_index[g] : (unsigned)g;
}

static const char *inst_name(const struct migctl_plan_gpu *g, const struct migctl_plan_instance *in)
{
	return g->model->gi[in->profile].name;
}

static void optimality(const struct migctl_plan *plan, unsigned budget, char *buf, size_t len)
{
	if (plan->lower_bound == 0 && plan->gpus_used > 0)
		snprintf(buf, len, "incremental (online policy, no optimality claim)");
	else if (plan->optimal && plan->gpus_used == plan->lower_bound)
		snprintf(buf, len, "optimal (lower bound %zu reached)", plan->lower_bound);
	else if (plan->optimal)
		snprintf(buf, len, "optimal (proven by exhaustive search; lower bound %zu)",
			 plan->lower_bound);
	else if (plan->gpus_used == plan->lower_bound)
		snprintf(buf, len, "best found; lower bound %zu reached, but the placed demand is not proven maximal within %u ms",
			 plan->lower_bound, budget);
	else
		snprintf(buf, len, "best found; lower bound %zu not reached within %u ms",
			 plan->lower_bound, budget);
}

static char unit_letter(size_t i)
{
	return i < 26 ? (char)('A' + i) : (char)('a' + (i - 26) % 26);
}

/* Unused GPUs, as ranges of consecutive GPUs of one model. */
static void print_unused(const struct plan_cli *p, const struct migctl_plan *plan)
{
	bool first = true;
	for (size_t g = 0; g < plan->n_gpus;) {
		if (plan->gpus[g].used) {
			g++;
			continue;
		}
		size_t e = g;
		while (e + 1 < plan->n_gpus && !plan->gpus[e + 1].used &&
		       plan->gpus[e + 1].model == plan->gpus[g].model &&
		       gpu_index(p, e + 1) == gpu_index(p, e) + 1)
			e++;
		printf("%s", first ? "\nUnused GPUs: " : ", ");
		first = false;
		if (e > g)
			printf("%u-%u", gpu_index(p, g), gpu_index(p, e));
		else
			printf("%u", gpu_index(p, g));
		printf(" (%s)", plan->gpus[g].model->name);
		g = e + 1;
	}
	if (!first)
		printf("\n");
}

static void print_text(const struct plan_cli *p, const struct migctl_plan *plan, unsigned budget,
		       bool extra)
{
	char opt[200];
	int width = 5;
	bool any_pin = false;

	optimality(plan, budget, opt, sizeof(opt));
	printf("Plan: %zu of %zu GPU%s used; %s\n", plan->gpus_used, plan->n_gpus,
	       plan->n_gpus == 1 ? "" : "s", opt);
	printf("Demand:");
	for (size_t i = 0; i < p->dem.n; i++) {
		const struct migctl_plan_demand *d = &p->dem.items[i];
		printf("%s %u x %s%s%s", i ? "," : "", d->count, d->model ? d->model->name : "",
		       d->model ? "/" : "", d->profile);
		if (plan->demand[i].pinned)
			printf(" (%u existing)", plan->demand[i].pinned);
	}
	printf("; %s\n", plan->complete ? "all placed" : "NOT all placed");
	if (p->n_pins)
		printf("Existing GPU instances: %zu, kept where they are (pinned)%s\n", p->n_pins,
		       extra ? "; the demand comes on top of them" : "; they count toward the demand");
	printf("Free capacity: %lu (instances that could still be created, per GI profile, summed)\n",
	       plan->free_capacity);

	for (size_t g = 0; g < plan->n_gpus; g++) {
		const struct migctl_plan_gpu *gp = &plan->gpus[g];
		int len = (int)strlen(gp->model->name);
		if (gp->used && len > width)
			width = len;
	}
	if (plan->gpus_used) {
		int uw = 5;
		for (size_t g = 0; g < plan->n_gpus; g++)
			if (plan->gpus[g].used && (int)plan->gpus[g].model->units > uw)
				uw = (int)plan->gpus[g].model->units;
		printf("\n%4s  %-*s  %-*s  %4s  %s\n", "GPU", width, "MODEL", uw, "UNITS", "FREE",
		       "INSTANCES (profile@start:size)");
		for (size_t g = 0; g < plan->n_gpus; g++) {
			const struct migctl_plan_gpu *gp = &plan->gpus[g];
			char map[MIGCTL_MAX_UNITS + 1];
			if (!gp->used)
				continue;
			memset(map, '.', gp->model->units);
			map[gp->model->units] = '\0';
			for (size_t i = 0; i < gp->n_instances; i++) {
				const struct migctl_plan_instance *in = &gp->instances[i];
				for (unsigned u = 0; u < in->placement.size &&
				     in->placement.start + u < gp->model->units; u++)
					map[in->placement.start + u] = unit_letter(i);
			}
			printf("%4u  %-*s  %-*s  %4u ", gpu_index(p, g), width, gp->model->name, uw, map,
			       gp->free_capacity);
			for (size_t i = 0; i < gp->n_instances; i++) {
				const struct migctl_plan_instance *in = &gp->instances[i];
				printf("%s%c=%s@%u:%u%s", i ? "  " : " ", unit_letter(i), inst_name(gp, in),
				       in->placement.start, in->placement.size, in->pinned ? "*" : "");
				any_pin |= in->pinned;
			}
			printf("\n");
		}
		if (any_pin)
			printf("* exists now and stays (pinned)\n");
	}

	print_unused(p, plan);

	/* GPUs the plan uses whose MIG mode is off now. */
	for (size_t g = 0; p->node_gpu && g < plan->n_gpus; g++)
		if (plan->gpus[g].used && !p->node_gpu[g]->mig_current)
			printf("GPU %u: MIG mode is disabled now; enable it before applying the plan ('migctl%s mode enable -i %u')\n",
			       gpu_index(p, g), cli_sim_flag(p->cli), gpu_index(p, g));
	if (p->n_left_out) {
		printf("Not planned (no MIG support): GPU");
		for (size_t i = 0; i < p->n_left_out; i++)
			printf("%s %u", i ? "," : "", p->left_out[i]);
		printf("\n");
	}

	if (!plan->complete) {
		bool first = true;
		printf("\nUnplaced:");
		for (size_t i = 0; i < plan->n_demand; i++) {
			if (!plan->demand[i].unplaced)
				continue;
			const struct migctl_plan_demand *d = &p->dem.items[i];
			printf("%s %u x %s%s%s (of %u)", first ? "" : ",", plan->demand[i].unplaced,
			       d->model ? d->model->name : "", d->model ? "/" : "", d->profile,
			       plan->demand[i].demand);
			first = false;
		}
		printf("\n");
	}
}

static int print_config(const struct plan_cli *p, const struct migctl_plan *plan,
			unsigned budget, const char *name, bool placements)
{
	struct migctl_export_style style = {
		.flow_mig_devices = true, .quote_profiles = true,
		.placements = placements, .placement_comments = !placements,
	};
	struct migctl_error err = {0};
	struct mu_strbuf head = {0};
	struct migctl_export x;
	char opt[200], *text = NULL;
	int rc = 0;

	optimality(plan, budget, opt, sizeof(opt));
	mu_sb_printf(&head, "# migctl plan: %zu of %zu GPU%s used; %s.\n", plan->gpus_used,
		     plan->n_gpus, plan->n_gpus == 1 ? "" : "s", opt);
	if (!plan->complete)
		mu_sb_printf(&head, "# The demand does not fit: %lu instance%s unplaced (see 'migctl plan -o text').\n",
			     plan->unplaced, plan->unplaced == 1 ? "" : "s");
	if (p->n_left_out) {
		mu_sb_printf(&head, "# Left out (no MIG support; mig-parted leaves unlisted GPUs as they are): GPU");
		for (size_t i = 0; i < p->n_left_out; i++)
			mu_sb_printf(&head, "%s %u", i ? "," : "", p->left_out[i]);
		mu_sb_printf(&head, "\n");
	}
	mu_sb_printf(&head, placements ? "# Apply: migctl apply -f FILE -c %s\n"
				       : "# Apply: migctl apply (or nvidia-mig-parted apply) -f FILE -c %s\n",
		     name);
	style.comment = head.p;
	migctl_export_init(&x);
	if (head.oom)
		migctl_fail(&err, MIGCTL_ERR_NOMEM, "out of memory");
	else if (!migctl_export_plan(plan, p->node_index, name, &x, &err) &&
		 !migctl_export_yaml(&x, &style, &text, &err))
		fputs(text, stdout);
	if (err.code)
		rc = cli_report(p->cli, &err);
	migctl_export_release(&x);
	mu_sb_release(&head);
	free(text);
	return rc;
}

/* -o k8s, -o slurm (cli/plan_engines.c). */
static int print_engine(const struct plan_cli *p, const struct migctl_plan *plan,
			unsigned budget, const char *name)
{
	char opt[200], head[400];

	optimality(plan, budget, opt, sizeof(opt));
	snprintf(head, sizeof(head), "# migctl plan: %zu of %zu GPU%s used; %s.\n%s", plan->gpus_used,
		 plan->n_gpus, plan->n_gpus == 1 ? "" : "s", opt,
		 plan->complete ? "" : "# The demand does not fit (see 'migctl plan -o text').\n");
	struct plan_engine_req req = {
		.plan = plan, .fleet = p->fleet, .n_fleet = p->n_fleet,
		.node_index = p->node_gpu ? p->node_index : NULL,
		.nodes = p->nodes, .name = name, .head = head,
	};
	return cli_plan_engine(p->cli, &req, cli_format_is(p->cli, "slurm"));
}

static bool valid_config_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return false;
	return true;
}

/* --- the command ---------------------------------------------------------- */

static int run_plan(struct plan_cli *p, unsigned budget, bool extra, bool config,
		    const char *config_name, bool placements)
{
	struct cli *cli = p->cli;
	struct migctl_error err = {0};
	struct migctl_plan plan;
	int rc;

	if ((rc = check_demand_models(p)))
		return rc;
	struct migctl_plan_request req = {
		.fleet = p->fleet, .n_fleet = p->n_fleet,
		.demand = p->dem.items, .n_demand = p->dem.n,
		.pins = p->pins, .n_pins = p->n_pins,
		.pins_are_extra = extra,
		.time_budget_ms = budget,
	};
	migctl_plan_init(&plan);
	if (p->incremental ? migctl_plan_incremental(&req, &plan, &err)
			   : migctl_plan_solve(&req, &plan, &err)) {
		/* Name the demand file's line of an unknown profile. */
		if (err.code == MIGCTL_ERR_UNKNOWN_PROFILE)
			for (size_t i = 0; i < p->dem.n; i++) {
				if (item_resolves(p, i))
					continue;
				if (p->dem.lines[i]) {
					char msg[sizeof(err.msg)];
					snprintf(msg, sizeof(msg), "%s", err.msg);
					migctl_fail(&err, err.code, "%s:%lu: %s", p->demand_file,
						    p->dem.lines[i], msg);
				}
				break;
			}
		return cli_report(cli, &err);
	}

	if (config)
		rc = print_config(p, &plan, budget, config_name, placements);
	else if (cli_format_is(cli, "k8s") || cli_format_is(cli, "slurm"))
		rc = print_engine(p, &plan, budget, config_name);
	else if (cli->output == CLI_JSON)
		rc = cli_plan_json(&plan, p->dem.items, p->node_index, stdout);
	else
		print_text(p, &plan, budget, extra);
	fflush(stdout);
	if (!rc && !plan.complete) {
		char list[300] = "";
		size_t used = 0;
		for (size_t i = 0; i < plan.n_demand && used < sizeof(list); i++)
			if (plan.demand[i].unplaced)
				used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%u x %s%s%s",
							 used ? ", " : "", plan.demand[i].unplaced,
							 p->dem.items[i].model ? p->dem.items[i].model->name : "",
							 p->dem.items[i].model ? "/" : "", p->dem.items[i].profile);
		migctl_fail(&err, MIGCTL_ERR_INFEASIBLE,
			    "the demand does not fit the fleet of %zu GPU%s: %s could not be placed; the plan printed is the closest one (add GPUs or reduce the demand)",
			    plan.n_gpus, plan.n_gpus == 1 ? "" : "s", list);
		rc = cli_report(cli, &err);
	}
	migctl_plan_release(&plan);
	return rc;
}

enum { OPT_FLEET = 1000, OPT_DEMAND, OPT_DEMAND_FILE, OPT_BUDGET, OPT_EXTRA, OPT_CONFIG_NAME,
       OPT_PLACEMENTS, OPT_INCREMENTAL, OPT_NODES };

int cmd_plan(struct cli *cli, int argc, char **argv)
{
	struct plan_cli *p = calloc(1, sizeof(*p));
	struct migctl_error err = {0};
	const char *fleet = NULL, *config_name = DEFAULT_CONFIG_NAME;
	const char *demand[MAX_DEMAND];
	size_t n_demand_args = 0;
	unsigned budget = MIGCTL_PLAN_DEFAULT_BUDGET_MS;
	bool extra = false, config = false, placements = false;
	struct cli_parse args;
	int opt, rc = 0;

	if (!p) {
		migctl_fail(&err, MIGCTL_ERR_NOMEM, "out of memory");
		return cli_report(cli, &err);
	}
	p->cli = cli;
	cli_parse_init(&args, cli, &cli_cmd_plan, argc, argv);
	while ((opt = cli_next_opt(&args)) > 0) {
		const char *val = args.arg;
		switch (opt) {
		case OPT_FLEET: fleet = val; break;
		case OPT_DEMAND:
			if (n_demand_args == MAX_DEMAND) {
				rc = cli_usage_error(cli, "plan", "--demand given more than %d times", MAX_DEMAND);
				goto out;
			}
			demand[n_demand_args++] = val;
			break;
		case OPT_DEMAND_FILE: p->demand_file = val; break;
		case OPT_BUDGET:
			if (!mu_parse_count(val, 86400000ul, &budget) || budget == 0) {
				rc = cli_usage_error(cli, "plan",
						     "--time-budget: bad value \"%s\"; give milliseconds, e.g. 2000",
						     val);
				goto out;
			}
			break;
		case OPT_EXTRA: extra = true; break;
		case OPT_CONFIG_NAME: config_name = val; break;
		case OPT_PLACEMENTS: placements = true; break;
		case OPT_INCREMENTAL: p->incremental = true; break;
		case OPT_NODES: p->nodes = val; break;
		}
	}
	if (opt == CLI_PARSE_STOP) {
		rc = args.rc;
		goto out;
	}
	config = cli_format_is(cli, "config");
	if (args.ind != argc) {
		rc = cli_usage_error(cli, "plan", "unexpected argument '%s' (give the demand with --demand PROFILE=N)",
				     argv[args.ind]);
		goto out;
	}
	if (!n_demand_args && !p->demand_file) {
		rc = cli_usage_error(cli, "plan", "missing demand: give --demand PROFILE=N,... or --demand-file FILE");
		goto out;
	}
	if (n_demand_args && p->demand_file) {
		rc = cli_usage_error(cli, "plan", "give --demand or --demand-file, not both");
		goto out;
	}
	if (!valid_config_name(config_name)) {
		rc = cli_usage_error(cli, "plan", "--config-name: bad name \"%s\"; use letters, digits, '.', '_' and '-'",
				     config_name);
		goto out;
	}
	if (p->nodes && !cli_format_is(cli, "k8s") && !cli_format_is(cli, "slurm")) {
		rc = cli_usage_error(cli, "plan", "--nodes applies to -o k8s and -o slurm only");
		goto out;
	}
	if (placements && !config) {
		rc = cli_usage_error(cli, "plan", "--placements applies to -o config only");
		goto out;
	}

	/* Demand syntax first (no driver needed to find a typo), then the fleet. */
	for (size_t i = 0; i < n_demand_args; i++)
		if ((rc = parse_demand(p, demand[i])))
			goto out;
	if (p->demand_file && (cli_catalog(cli, &err) ||
			       migctl_demand_load_file(&p->dem, p->demand_file, &cli->catalog, &err))) {
		rc = cli_report(cli, &err);
		goto out;
	}
	if (fleet)
		rc = parse_fleet(p, fleet);
	else
		rc = node_fleet(p);
	if (rc)
		goto out;
	/* Single creates add to what exists: the demand is extra. */
	rc = run_plan(p, budget, extra || p->incremental, config, config_name, placements);
out:
	plan_cli_free(p);
	free(p);
	return rc;
}

static const struct cli_opt plan_opts[] = {
	{"fleet", 0, OPT_FLEET, "LIST",
	 "MODEL:COUNT entries, comma-separated, e.g.\n"
	 "a100-sxm4-80gb:8,h100-sxm5-80gb:4 (MODEL alone: one\n"
	 "GPU); models as 'migctl catalog list' names them.\n"
	 "GPUs are numbered from 0 in the order given", CLI_V_MODEL, NULL, false},
	{"demand", 0, OPT_DEMAND, "LIST",
	 "PROFILE=N entries, comma-separated, e.g.\n"
	 "1g.10gb=13,3g.40gb=4; a profile by name, NVML name\n"
	 "or ID, resolved on each model of the fleet (a model\n"
	 "without it cannot serve it). MODEL/PROFILE=N serves\n"
	 "the item only with GPUs of MODEL. May be repeated", CLI_V_PROFILE, NULL, false},
	{"demand-file", 0, OPT_DEMAND_FILE, "FILE",
	 "the demand as YAML or JSON:\n"
	 "  demand: {1g.10gb: 13, 3g.40gb: 4}\n"
	 "or per model (a mapping of profiles under a model):\n"
	 "  demand: {A100-SXM4-80GB: {1g.10gb: 3}, 3g.40gb: 1}", CLI_V_FILE, NULL, false},
	{"time-budget", 0, OPT_BUDGET, "MS",
	 "search time limit in milliseconds (default 2000);\n"
	 "when it ends first, the best plan found is printed\n"
	 "and the report says the bound was not reached", CLI_V_NONE, NULL, false},
	{"extra", 0, OPT_EXTRA, NULL,
	 "the demand is in addition to the instances that\n"
	 "exist on the node (default: they count toward it)", CLI_V_NONE, NULL, false},
	{"config-name", 0, OPT_CONFIG_NAME, "NAME",
	 "the config's name in mig-configs (default\n"
	 "migctl-plan)", CLI_V_NONE, NULL, false},
	{"placements", 0, OPT_PLACEMENTS, NULL,
	 "with -o config: add each entry's placements as the\n"
	 "key migctl-placements (a migctl extension that\n"
	 "nvidia-mig-parted rejects; without this option the\n"
	 "placements are a comment)", CLI_V_NONE, NULL, false},
	{"incremental", 0, OPT_INCREMENTAL, NULL,
	 "do not pack: place the demand one instance at a time,\n"
	 "in the order given, each where migctl's online\n"
	 "policy puts a single create ('migctl create\n"
	 "--pick-gpu': used GPUs first, the most size-weighted\n"
	 "room left), next to what exists; nothing moves\n"
	 "(implies --extra)", CLI_V_NONE, NULL, false},
	{"nodes", 0, OPT_NODES, "LIST",
	 "with -o k8s or -o slurm: the nodes that hold the\n"
	 "fleet's GPUs, comma-separated: NAME per --fleet item\n"
	 "(default node-1, node-2, ...; this host's name for\n"
	 "the live node), or NAME:COUNT for runs of GPUs in\n"
	 "fleet order", CLI_V_NONE, NULL, false},
	{0},
};

static const char *const plan_forms[] = {
	"[--fleet MODEL:COUNT[,MODEL:COUNT...]]\n"
	"                   (--demand PROFILE=N[,PROFILE=N...] | --demand-file FILE)\n"
	"                   [--time-budget MS] [--extra] [-o text|json|config]\n"
	"                   [--config-name NAME] [--placements] [--incremental]\n"
	"                   [-o k8s|slurm [--nodes LIST]]",
	NULL,
};

const struct cli_command cli_cmd_plan = {
	.name = "plan",
	.summary = "pack a demand of MIG profiles into the fewest GPUs",
	.forms = plan_forms,
	.description =
		"Pack a demand of GPU-instance profiles into the fewest GPUs of a fleet,\n"
		"exactly: the plan places all the demand if it fits, uses the fewest GPUs,\n"
		"and then leaves the most free capacity. A proven lower bound says whether\n"
		"the GPU count is optimal. When the demand does not fit, the plan is the\n"
		"closest one (the most compute slices placed, then the most instances,\n"
		"then earlier demand items first) and the exit status is 11.\n"
		"\n"
		"The fleet is --fleet (offline, from the catalog; no driver needed) or,\n"
		"without --fleet, this node (the driver, or the simulator with --sim):\n"
		"each MIG-capable GPU as its catalog model, MIG mode enabled or not.\n"
		"The GPU instances that exist on the node are pinned: the plan keeps them\n"
		"where they are and builds around them, and they count toward the demand\n"
		"for their profile (with --extra the demand comes on top of them). The\n"
		"plan never destroys an instance.\n",
	.formats = "text json config k8s slurm",
	.format_note = ": a mig-parted\n'version: v1' config for nvidia-mig-parted apply;\nk8s, slurm: see below",
	.opts = plan_opts,
	.epilogue =
		"The text report shows per GPU a map of its placement units (one letter\n"
		"per instance, '.' free, '*' after a pinned instance) and its free\n"
		"capacity: how many more instances of each GI profile could still be\n"
		"created, summed ('Free' in nvidia-smi mig -lgip). New instances are GIs\n"
		"with their default compute instance.\n"
		"\n"
		"Exit status: 0 the demand fits; 11 it does not (the closest plan is\n"
		"printed, and what is unplaced); 2 bad command line; 4 unreadable FILE;\n"
		"5 malformed FILE; 7 unknown model; 8 unknown profile; 15 no driver (use\n"
		"--fleet or --sim); 17 no GPU of the node supports MIG.\n"
		"\n"
		"-o k8s cuts the plan into nodes (--nodes) and prints k8s-mig-manager's\n"
		"inputs: a ConfigMap whose config.yaml holds one named config per distinct\n"
		"node layout (NAME-1, NAME-2, ... after --config-name; each node's GPUs\n"
		"numbered from 0), and, as comments, the 'kubectl label node NODE\n"
		"nvidia.com/mig.config=NAME-N' commands that roll it out node by node.\n"
		"-o slurm prints the same configs as a mig-parted file, with each node's\n"
		"config name, slurm.conf Gres= and gres.conf lines as comments.\n",
	.run = cmd_plan,
};
