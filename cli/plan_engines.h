/* migctl CLI — a fleet plan for the engines that roll it out (cli/plan_engines.c):
 * `plan -o k8s` (k8s-mig-manager's ConfigMap and one label per node) and
 * `plan -o slurm` (each node's config and its gres.conf lines). */
#ifndef MIGCTL_CLI_PLAN_ENGINES_H
#define MIGCTL_CLI_PLAN_ENGINES_H

#include <stdbool.h>

#include "cli.h"
#include "migctl/planner.h"

struct plan_engine_req {
	const struct migctl_plan *plan;
	const struct migctl_plan_fleet *fleet; /* the request's fleet */
	size_t n_fleet;
	/* Live node: the node's GPU index of each plan GPU; NULL offline. */
	const unsigned *node_index;
	const char *nodes;         /* --nodes LIST, or NULL */
	const char *name;          /* --config-name: the configs' prefix */
	const char *head;          /* '#' lines on the plan (optimality) */
};

/* Print the plan for k8s (`slurm` false) or Slurm; returns the exit
 * status. */
int cli_plan_engine(struct cli *cli, const struct plan_engine_req *req, bool slurm);

#endif
