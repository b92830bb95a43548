/* migctl CLI — Slurm's files and reconfiguration (cli/cmd_slurm.c), shared
 * with apply --slurm-reconfigure. */
#ifndef MIGCTL_CLI_SLURM_RUN_H
#define MIGCTL_CLI_SLURM_RUN_H

#include <stdbool.h>

#include "cli.h"

struct cli_slurm_paths {
	char slurm_conf[1024];     /* --slurm-conf, $SLURM_CONF, /etc/slurm/slurm.conf */
	char gres_conf[1024];      /* --gres-conf; "" : next to slurm.conf */
	char node[256];            /* --node; "" : $SLURMD_NODENAME or the host name */
	const char *restart;       /* --restart CMD: restarts slurmctld, or NULL */
};

/* The defaults (reads $SLURM_CONF). */
void cli_slurm_paths_default(struct cli_slurm_paths *sp);

/* After a change of the node (open, and locked by the caller): write
 * gres.conf and the node's Gres= for the live layout, run `scontrol
 * reconfigure` and resume the node if Slurm drained it; nothing when
 * gres.conf already lists the layout. Returns the exit status. */
int cli_slurm_reconfigure(struct cli *cli, struct cli_slurm_paths *sp);

/* Whether `scontrol show node NODE` says the node is drained (or
 * draining); false when it cannot tell. */
bool cli_slurm_node_drained(const char *node);

/* Whether `scontrol show node NODE` reports Gres= `gres`. */
bool cli_slurm_node_gres_is(const char *node, const char *gres);

#endif
