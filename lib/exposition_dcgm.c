/* migctl — the sampler's values as dcgm-exporter's DCGM_FI_* metrics
 * (reference/dcgm.md §2-3). */
#include "exposition_impl.h"

void expo_render_dcgm(struct mu_strbuf *b, const struct migctl_node *node,
		      const struct migctl_sample_set *set, const char *sfx)
{
	(void)b;
	(void)node;
	(void)set;
	(void)sfx;
}
