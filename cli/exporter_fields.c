/* migctl CLI — the sampler behind `migctl exporter` and `migctl top`: one
 * per process, kept across samples (rates need two). */
#include "exporter.h"

void exporter_sample_fields(struct cli *cli, const struct migctl_node *node,
			    struct migctl_expo_info *info)
{
	(void)cli;
	(void)node;
	info->samples_set = NULL;
}

void exporter_fields_release(struct cli *cli)
{
	(void)cli;
}
