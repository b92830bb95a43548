/* migctl — the node's live GPUs as the rest of the library sees them: as
 * layouts (migctl_layout_of_gpu), as config-matching GPUs
 * (migctl_config_gpus_of_node), with the profile table their targets are
 * resolved on (migctl_gpu_target_model), and profile lookups by NVML ID.
 * Declared in include/migctl/apply.h and lib/apply_impl.h. */
#include <string.h>

#include "apply_impl.h"

long migctl_gi_index_by_id(const struct migctl_gpu_model *m, unsigned profile_id)
{
	for (size_t i = 0; i < m->n_gi; i++)
		if (m->gi[i].id == profile_id)
			return (long)i;
	return -1;
}

long migctl_ci_index_by_id(const struct migctl_gi_profile *gp, unsigned ci_profile_id)
{
	for (size_t i = 0; i < gp->n_ci; i++)
		if (gp->ci[i].id == ci_profile_id)
			return (long)i;
	return -1;
}

const struct migctl_gpu_model *migctl_gpu_target_model(const struct migctl_gpu_state *gpu)
{
	if (gpu->model.n_gi > 0 || !gpu->catalog_model)
		return &gpu->model;
	return gpu->catalog_model;
}

void migctl_config_gpus_of_node(const struct migctl_node *node, struct migctl_config_gpu *out)
{
	for (size_t i = 0; i < node->n_gpus; i++) {
		const struct migctl_gpu_state *g = &node->gpus[i];
		out[i] = (struct migctl_config_gpu){
			.index = g->index, .uuid = g->uuid, .bus_id = g->bus_id,
			.pci_id = (uint32_t)g->pci_device_id << 16 | 0x10DEu,
			.subsystem_id = g->pci_subsystem_id, .mig_capable = g->mig_capable,
			.model = migctl_gpu_target_model(g),
		};
	}
}

size_t migctl_gpu_gi_slots(const struct migctl_grid *grid, const struct migctl_gpu_state *gpu,
			   struct migctl_slot *slots)
{
	size_t n = 0;

	for (size_t i = 0; i < gpu->n_gis && i < MIGCTL_NODE_MAX_GIS; i++) {
		int q = migctl_grid_profile_index(grid, gpu->gis[i].profile_id);
		if (q >= 0)
			slots[n++] = (struct migctl_slot){(size_t)q, gpu->gis[i].placement};
	}
	return n;
}

void migctl_layout_of_gpu(const struct migctl_gpu_state *gpu, struct migctl_layout *out)
{
	const struct migctl_gpu_model *m = &gpu->model;

	memset(out, 0, sizeof(*out));
	for (size_t g = 0; g < gpu->n_gis && out->n_gis < MIGCTL_LAYOUT_MAX_GIS; g++) {
		const struct migctl_gi_state *gs = &gpu->gis[g];
		long gp = migctl_gi_index_by_id(m, gs->profile_id);
		if (gp < 0)
			continue;
		struct migctl_layout_gi *li = &out->gis[out->n_gis++];
		li->profile = (size_t)gp;
		li->placement = gs->placement;
		li->id = gs->id;
		for (size_t c = 0; c < gs->n_cis && li->n_cis < MIGCTL_LAYOUT_MAX_CIS; c++) {
			const struct migctl_ci_state *cs = &gs->cis[c];
			long cp = migctl_ci_index_by_id(&m->gi[gp], cs->profile_id);
			if (cp < 0)
				continue;
			struct migctl_layout_ci *lc = &li->cis[li->n_cis++];
			lc->profile = (size_t)cp;
			lc->placement = cs->placement;
			lc->id = cs->id;
			lc->busy = cs->n_procs > 0;
			li->busy |= lc->busy;
		}
		for (size_t p = 0; p < gpu->n_procs; p++)
			if (gpu->procs[p].gi == gs->id)
				li->busy = true;
	}
}
