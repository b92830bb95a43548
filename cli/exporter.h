/* migctl CLI — what `migctl exporter` (cli/cmd_exporter.c) and `migctl top`
 * (cli/cmd_top.c) share: the sampler that gives them the DCGM fields
 * (cli/exporter_fields.c), kept across samples. */
#ifndef MIGCTL_CLI_EXPORTER_H
#define MIGCTL_CLI_EXPORTER_H

#include "cli.h"
#include "migctl/exposition.h"

/* Take the sampler's values for the GPUs of `node` (just read) and point
 * info->samples_set at them (NULL when the sampler has nothing). */
void exporter_sample_fields(struct cli *cli, const struct migctl_node *node,
			    struct migctl_expo_info *info);
/* Free the sampler's state. */
void exporter_fields_release(struct cli *cli);

#endif
