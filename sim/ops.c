/* migsim — the machine model and the driver's MIG semantics (see sim.h).
 *
 * Pure: no I/O, no globals. Every rule that the driver enforces and that a
 * client can observe is here, so that the NVML front end and the control
 * tool cannot disagree. Where the reference leaves the driver's behaviour
 * open (reference/nvml-mig.md §6), the choice is noted at the spot.
 */
#include "sim.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define NO_ID NVML_VALUE_NOT_AVAILABLE_UINT

/* --- identity ----------------------------------------------------------- */

/* FNV-1a alone mixes the last bytes poorly into the high bits, and UUID
 * fields come from the whole word, so every hash ends in a finaliser
 * (splitmix64). Not cryptographic: it only needs to be stable and spread. */
struct hash {
	uint64_t h;
};

static void hash_init(struct hash *s, uint64_t lane)
{
	s->h = UINT64_C(0xcbf29ce484222325) ^ (lane * UINT64_C(0x9e3779b97f4a7c15));
}

static void hash_bytes(struct hash *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		s->h ^= p[i];
		s->h *= UINT64_C(0x100000001b3);
	}
}

/* Strings hash with their terminator so that ("ab", 1) and ("a", "b1")
 * cannot collide by concatenation. */
static void hash_str(struct hash *s, const char *str)
{
	hash_bytes(s, str, strlen(str) + 1);
}

static void hash_uint(struct hash *s, unsigned v)
{
	unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8),
			      (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
	hash_bytes(s, b, sizeof(b));
}

static uint64_t hash_final(const struct hash *s)
{
	uint64_t z = s->h + UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* 128 bits of (model, index): two independent lanes. */
static void gpu_digest(const char *model, unsigned index, uint64_t out[2])
{
	for (unsigned lane = 0; lane < 2; lane++) {
		struct hash s;
		hash_init(&s, lane + 1);
		hash_str(&s, "gpu");
		hash_str(&s, model);
		hash_uint(&s, index);
		out[lane] = hash_final(&s);
	}
}

/* Bus numbers as on a DGX/HGX board for the first eight GPUs, so that
 * transcripts look familiar; beyond that a sequence that stays distinct
 * from them (≡ 2 mod 8, which none of the eight is) and below 0x100 for
 * SIM_MAX_GPUS GPUs. */
static unsigned pci_bus_of(unsigned index)
{
	static const unsigned hgx[] = {0x07, 0x0F, 0x47, 0x4E,
				       0x87, 0x90, 0xB7, 0xBD};
	if (index < sizeof(hgx) / sizeof(hgx[0]))
		return hgx[index];
	return 0x1A + 8 * (index - 8);
}

static void gpu_identity(struct sim_gpu *g, unsigned index)
{
	uint64_t d[2];

	gpu_digest(g->model, index, d);
	snprintf(g->uuid, sizeof(g->uuid), "GPU-%08x-%04x-%04x-%04x-%012llx",
		 (unsigned)(d[0] >> 32), (unsigned)(d[0] >> 16) & 0xffff,
		 (unsigned)d[0] & 0xffff, (unsigned)(d[1] >> 48),
		 (unsigned long long)(d[1] & UINT64_C(0xffffffffffff)));
	/* 13 digits with a non-zero lead, like the boards' serials. */
	snprintf(g->serial, sizeof(g->serial), "%013llu",
		 1000000000000ULL +
			 (unsigned long long)((d[0] ^ d[1]) % 9000000000000ULL));
	g->pci_bus = pci_bus_of(index);
	g->minor = index;
}

/* A GPU's model must live in m->catalog, which the machine owns; a model
 * from elsewhere would dangle once the caller frees it. */
static const struct migctl_gpu_model *
own_model(const struct sim_machine *m, const struct migctl_gpu_model *model)
{
	for (size_t i = 0; i < m->catalog.n_models; i++)
		if (&m->catalog.models[i] == model)
			return model;
	for (size_t i = 0; i < m->catalog.n_models; i++)
		if (strcmp(m->catalog.models[i].name, model->name) == 0)
			return &m->catalog.models[i];
	return NULL;
}

enum migctl_err sim_machine_build(struct sim_machine *m,
				  const struct sim_gpu_spec *spec, size_t n_spec,
				  uint32_t swapped, bool non_root,
				  struct migctl_error *err)
{
	size_t total = 0;

	for (size_t i = 0; i < n_spec; i++) {
		if (!spec[i].model)
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "GPU spec %zu names no model", i + 1);
		if (!own_model(m, spec[i].model))
			return migctl_fail(err, MIGCTL_ERR_UNKNOWN_MODEL,
					   "model '%s' is not in the machine's catalog",
					   spec[i].model->name);
		if (spec[i].count > SIM_MAX_GPUS - total)
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "too many GPUs: at most %d per machine",
					   SIM_MAX_GPUS);
		total += spec[i].count;
	}
	if (total < 32 && (swapped >> total) != 0)
		return migctl_fail(err, MIGCTL_ERR_USAGE,
				   "half-swapped GPU index beyond the %zu GPUs of the machine",
				   total);

	/* Everything but what the caller set up for the machine: its catalog
	 * (which the GPUs point into) and the file it came from. */
	struct migctl_catalog cat = m->catalog;
	char file[sizeof(m->catalog_file)];
	memcpy(file, m->catalog_file, sizeof(file));
	memset(m, 0, sizeof(*m));
	m->catalog = cat;
	memcpy(m->catalog_file, file, sizeof(file));
	m->non_root = non_root;
	snprintf(m->driver, sizeof(m->driver), "%s", SIM_DRIVER_VERSION);

	for (size_t i = 0; i < n_spec; i++) {
		const struct migctl_gpu_model *model = own_model(m, spec[i].model);
		for (unsigned k = 0; k < spec[i].count; k++) {
			unsigned idx = m->n_gpus++;
			struct sim_gpu *g = &m->gpus[idx];
			g->m = model;
			snprintf(g->model, sizeof(g->model), "%s", model->name);
			gpu_identity(g, idx);
			g->half_swapped = (swapped >> idx) & 1u;
		}
	}
	return MIGCTL_ERR_OK;
}

void sim_machine_release(struct sim_machine *m)
{
	migctl_catalog_release(&m->catalog);
	/* The models they pointed at are gone. */
	for (unsigned i = 0; i < m->n_gpus && i < SIM_MAX_GPUS; i++)
		m->gpus[i].m = NULL;
}

/* --- lookups ------------------------------------------------------------ */

static int gi_index(const struct sim_gpu *g, unsigned gi_id)
{
	for (unsigned i = 0; i < g->n_gis; i++)
		if (g->gis[i].id == gi_id)
			return (int)i;
	return -1;
}

static int ci_index(const struct sim_gi *gi, unsigned ci_id)
{
	for (unsigned i = 0; i < gi->n_cis; i++)
		if (gi->cis[i].id == ci_id)
			return (int)i;
	return -1;
}

struct sim_gi *sim_gi_find(struct sim_gpu *g, unsigned gi_id)
{
	int i = gi_index(g, gi_id);
	return i < 0 ? NULL : &g->gis[i];
}

struct sim_ci *sim_ci_find(struct sim_gi *gi, unsigned ci_id)
{
	int i = ci_index(gi, ci_id);
	return i < 0 ? NULL : &gi->cis[i];
}

const struct migctl_gi_profile *sim_gi_profile(const struct sim_gpu *g,
					       const struct sim_gi *gi)
{
	if (!g->m)
		return NULL;
	return migctl_model_gi_profile_by_id(g->m, gi->profile_id);
}

const struct migctl_ci_profile *sim_ci_profile(const struct sim_gpu *g,
					       const struct sim_gi *gi,
					       const struct sim_ci *ci)
{
	const struct migctl_gi_profile *gp = sim_gi_profile(g, gi);
	if (!gp)
		return NULL;
	for (size_t i = 0; i < gp->n_ci; i++)
		if (gp->ci[i].id == ci->profile_id)
			return &gp->ci[i];
	return NULL;
}

static struct sim_gpu *gpu_of(struct sim_machine *m, unsigned gpu)
{
	return gpu < m->n_gpus ? &m->gpus[gpu] : NULL;
}

static const struct sim_gpu *gpu_of_c(const struct sim_machine *m, unsigned gpu)
{
	return gpu < m->n_gpus ? &m->gpus[gpu] : NULL;
}

/* --- faults and processes ----------------------------------------------- */

static void fault_remove(struct sim_machine *m, unsigned i)
{
	memmove(&m->faults[i], &m->faults[i + 1],
		(m->n_faults - i - 1) * sizeof(m->faults[0]));
	m->n_faults--;
}

const char *const sim_mutating_calls[] = {
	"nvmlDeviceSetMigMode",
	"nvmlDeviceCreateGpuInstance",
	"nvmlDeviceCreateGpuInstanceWithPlacement",
	"nvmlGpuInstanceDestroy",
	"nvmlGpuInstanceCreateComputeInstance",
	"nvmlGpuInstanceCreateComputeInstanceWithPlacement",
	"nvmlComputeInstanceDestroy",
	"migsimResetGpu",
	NULL,
};

/* `call` is `name` followed by a version suffix "_v<digits>". */
static bool versioned_of(const char *name, const char *call)
{
	size_t n = strlen(name);
	const char *v = call + n;

	return strncmp(call, name, n) == 0 && v[0] == '_' && v[1] == 'v' && v[2] != '\0' &&
	       strspn(v + 2, "0123456789") == strlen(v + 2);
}

bool sim_fault_matches(const char *name, const char *call)
{
	if (strcmp(name, call) == 0 || versioned_of(name, call))
		return true;
	if (strcmp(name, SIM_FAULT_MUTATING) == 0)
		for (const char *const *c = sim_mutating_calls; *c; c++)
			if (strcmp(*c, call) == 0)
				return true;
	return false;
}

bool sim_fault_pending(const struct sim_machine *m, const char *call)
{
	for (unsigned i = 0; i < m->n_faults && i < SIM_MAX_FAULTS; i++)
		if (m->faults[i].remaining != 0 && sim_fault_matches(m->faults[i].call, call))
			return true;
	return false;
}

nvmlReturn_t sim_fault_apply(struct sim_machine *m, const char *call, bool *changed,
			     bool *kill)
{
	*changed = false;
	*kill = false;
	for (unsigned i = 0; i < m->n_faults; i++) {
		struct sim_fault *f = &m->faults[i];
		if (!sim_fault_matches(f->call, call))
			continue;
		if (f->remaining == 0) {
			/* Spent (only a hand-edited state has these): drop it
			 * and let a later fault on the same call apply. */
			fault_remove(m, i--);
			*changed = true;
			continue;
		}
		if (f->skip > 0) {
			f->skip--;
			*changed = true;
			return NVML_SUCCESS;
		}
		int e = f->error;
		if (f->remaining > 0) {   /* an every-call fault stays as it is */
			*changed = true;
			if (--f->remaining == 0)
				fault_remove(m, i);
		}
		if (e == SIM_FAULT_KILL) {
			*kill = true;
			return NVML_SUCCESS;
		}
		return (nvmlReturn_t)e;
	}
	return NVML_SUCCESS;
}

nvmlReturn_t sim_fault_take(struct sim_machine *m, const char *call)
{
	bool changed, kill;

	return sim_fault_apply(m, call, &changed, &kill);
}

static bool proc_matches(const struct sim_process *p, unsigned gpu,
			 unsigned gi, unsigned ci)
{
	if (p->gpu != gpu)
		return false;
	if (gi == NO_ID && ci == NO_ID)
		return true;
	if (p->gi != gi)
		return false;
	return ci == NO_ID || p->ci == ci;
}

bool sim_busy(const struct sim_machine *m, unsigned gpu, unsigned gi, unsigned ci)
{
	for (unsigned i = 0; i < m->n_procs; i++)
		if (proc_matches(&m->procs[i], gpu, gi, ci))
			return true;
	return false;
}

unsigned long long sim_gpu_used_mib(const struct sim_machine *m, unsigned gpu,
				    unsigned gi, unsigned ci)
{
	unsigned long long sum = 0;
	for (unsigned i = 0; i < m->n_procs; i++)
		if (proc_matches(&m->procs[i], gpu, gi, ci))
			sum += m->procs[i].used_mib;
	return sum;
}

/* --- MIG mode and reset ------------------------------------------------- */

/* Only Ampere needs a reset to switch; Hopper and later switch in the
 * driver and forget the mode on reset (nvml-mig.md §2.1). An unknown
 * architecture is a new one, so it behaves like the newest. */
static bool mode_is_persistent(const struct sim_gpu *g)
{
	return g->m && g->m->arch == MIGCTL_ARCH_AMPERE;
}

nvmlReturn_t sim_set_mig_mode(struct sim_machine *m, unsigned gpu, unsigned mode,
			      nvmlReturn_t *activation)
{
	struct sim_gpu *g = gpu_of(m, gpu);
	nvmlReturn_t dummy;

	if (!activation)
		activation = &dummy;
	*activation = NVML_SUCCESS;
	if (!g || (mode != NVML_DEVICE_MIG_DISABLE && mode != NVML_DEVICE_MIG_ENABLE))
		return NVML_ERROR_INVALID_ARGUMENT;
	if (m->non_root)
		return NVML_ERROR_NO_PERMISSION;

	bool want = mode == NVML_DEVICE_MIG_ENABLE;
	if (mode_is_persistent(g)) {
		if (g->mig_pending != want) {
			if (sim_busy(m, gpu, NO_ID, NO_ID))
				return NVML_ERROR_IN_USE;
			/* Undocumented on hardware (§2.8); tools always
			 * destroy first, and refusing keeps state coherent. */
			if (!want && g->n_gis > 0)
				return NVML_ERROR_IN_USE;
			g->mig_pending = want;
		}
		/* Repeating a pending request still needs the reset, as
		 * nvidia-smi's repeated warning shows. */
		if (g->mig_current != g->mig_pending)
			*activation = NVML_ERROR_RESET_REQUIRED;
		return NVML_SUCCESS;
	}

	if (g->mig_current == want && g->mig_pending == want)
		return NVML_SUCCESS;
	if (sim_busy(m, gpu, NO_ID, NO_ID))
		return NVML_ERROR_IN_USE;
	if (!want && g->n_gis > 0)
		return NVML_ERROR_IN_USE;
	g->mig_current = g->mig_pending = want;
	return NVML_SUCCESS;
}

/* Whether Hopper and later keep MIG mode across a reset is not settled
 * (nvml-mig.md §2.1: "all gone by the time the VM is gone and GPU
 * resets" is about a VM's teardown), so it is a per-GPU setting that
 * defaults to losing it. */
static void reset_gpu(struct sim_gpu *g)
{
	g->n_gis = 0;
	if (mode_is_persistent(g))
		g->mig_current = g->mig_pending;
	else if (!g->mig_survives_reset)
		g->mig_current = g->mig_pending = false;
}

nvmlReturn_t sim_reset_gpu(struct sim_machine *m, unsigned gpu)
{
	struct sim_gpu *g = gpu_of(m, gpu);

	if (!g)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (sim_busy(m, gpu, NO_ID, NO_ID))
		return NVML_ERROR_IN_USE;
	reset_gpu(g);
	return NVML_SUCCESS;
}

void sim_reboot(struct sim_machine *m)
{
	m->n_procs = 0;
	for (unsigned i = 0; i < m->n_gpus && i < SIM_MAX_GPUS; i++)
		reset_gpu(&m->gpus[i]);
}

/* --- GPU instances ------------------------------------------------------ */

/* The GPU's GIs as geometry slots. A GI whose profile the grid lacks (only
 * a corrupt state has one) still occupies its units: usage counting skips
 * profile indices beyond the grid but keeps the mask. */
static size_t gi_slots(const struct sim_gpu *g, const struct migctl_grid *grid,
		       struct migctl_slot *slots)
{
	for (unsigned i = 0; i < g->n_gis; i++) {
		int p = migctl_grid_profile_index(grid, g->gis[i].profile_id);
		slots[i].profile = p < 0 ? SIZE_MAX : (size_t)p;
		slots[i].placement = g->gis[i].placement;
	}
	return g->n_gis;
}

nvmlReturn_t sim_create_gi(struct sim_machine *m, unsigned gpu, unsigned profile_id,
			   const struct migctl_placement *placement, unsigned *gi_id)
{
	struct sim_gpu *g = gpu_of(m, gpu);
	struct migctl_grid grid;
	struct migctl_slot slots[SIM_MAX_GIS];
	struct migctl_placement p;

	if (!g)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (m->non_root)
		return NVML_ERROR_NO_PERMISSION;
	if (!g->mig_current)
		return NVML_ERROR_NOT_SUPPORTED;
	if (!g->m)
		return NVML_ERROR_UNKNOWN;
	migctl_grid_of_model(&grid, g->m);
	int prof = migctl_grid_profile_index(&grid, profile_id);
	if (prof < 0)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (placement && !migctl_placement_set_has(grid.profiles[prof].placements, *placement))
		return NVML_ERROR_INVALID_ARGUMENT;
	/* The first GI turns on memory partitioning, which RM refuses while
	 * clients hold the GPU (§2.1); later GIs do not repartition. */
	if (g->n_gis == 0 && sim_busy(m, gpu, NO_ID, NO_ID))
		return NVML_ERROR_IN_USE;
	if (g->n_gis >= SIM_MAX_GIS)
		return NVML_ERROR_INSUFFICIENT_RESOURCES;

	size_t n = gi_slots(g, &grid, slots);
	if (placement) {
		/* Occupied but listed: the header's "could not be created"
		 * code; the real code is unconfirmed (§2.3). */
		if (!migctl_grid_can_place(&grid, slots, n, (size_t)prof, *placement))
			return NVML_ERROR_INSUFFICIENT_RESOURCES;
		p = *placement;
	} else if (migctl_grid_choose_placement(&grid, slots, n, (size_t)prof, &p) !=
		   MIGCTL_ERR_OK) {
		return NVML_ERROR_INSUFFICIENT_RESOURCES;
	}

	int id = migctl_gi_id(g->m->units, p,
			      g->half_swapped ? MIGCTL_GI_ID_HALF_SWAPPED
					      : MIGCTL_GI_ID_IDENTITY);
	/* The catalog loader rejects unaligned placements and placements do
	 * not overlap, so neither can happen with a sound catalog. */
	if (id < 0 || id >= SIM_MAX_GIS || gi_index(g, (unsigned)id) >= 0)
		return NVML_ERROR_UNKNOWN;

	unsigned at = 0;
	while (at < g->n_gis && g->gis[at].id < (unsigned)id)
		at++;
	memmove(&g->gis[at + 1], &g->gis[at], (g->n_gis - at) * sizeof(g->gis[0]));
	g->gis[at] = (struct sim_gi){
		.id = (unsigned)id,
		.profile_id = profile_id,
		.placement = p,
	};
	g->n_gis++;
	if (gi_id)
		*gi_id = (unsigned)id;
	return NVML_SUCCESS;
}

nvmlReturn_t sim_destroy_gi(struct sim_machine *m, unsigned gpu, unsigned gi_id)
{
	struct sim_gpu *g = gpu_of(m, gpu);

	if (!g)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (m->non_root)
		return NVML_ERROR_NO_PERMISSION;
	int i = gi_index(g, gi_id);
	if (i < 0)
		return NVML_ERROR_NOT_FOUND;
	if (g->gis[i].n_cis > 0 || sim_busy(m, gpu, gi_id, NO_ID))
		return NVML_ERROR_IN_USE;
	memmove(&g->gis[i], &g->gis[i + 1],
		(g->n_gis - (unsigned)i - 1) * sizeof(g->gis[0]));
	g->n_gis--;
	return NVML_SUCCESS;
}

nvmlReturn_t sim_gi_remaining(const struct sim_machine *m, unsigned gpu,
			      unsigned profile_id, unsigned *count)
{
	const struct sim_gpu *g = gpu_of_c(m, gpu);
	struct migctl_grid grid;
	struct migctl_slot slots[SIM_MAX_GIS];

	if (!g || !count)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (!g->mig_current)
		return NVML_ERROR_NOT_SUPPORTED;
	if (!g->m)
		return NVML_ERROR_UNKNOWN;
	migctl_grid_of_model(&grid, g->m);
	int prof = migctl_grid_profile_index(&grid, profile_id);
	if (prof < 0)
		return NVML_ERROR_INVALID_ARGUMENT;
	size_t n = gi_slots(g, &grid, slots);
	*count = migctl_grid_remaining_capacity(&grid, slots, n, (size_t)prof);
	return NVML_SUCCESS;
}

/* --- compute instances -------------------------------------------------- */

static size_t ci_slots(const struct sim_gi *gi, const struct migctl_grid *grid,
		       struct migctl_slot *slots)
{
	for (unsigned i = 0; i < gi->n_cis; i++) {
		int p = migctl_grid_profile_index(grid, gi->cis[i].profile_id);
		slots[i].profile = p < 0 ? SIZE_MAX : (size_t)p;
		slots[i].placement = gi->cis[i].placement;
	}
	return gi->n_cis;
}

nvmlReturn_t sim_create_ci(struct sim_machine *m, unsigned gpu, unsigned gi_id,
			   unsigned ci_profile_id,
			   const struct migctl_placement *placement, unsigned *ci_id)
{
	struct sim_gpu *g = gpu_of(m, gpu);
	struct migctl_grid grid;
	struct migctl_slot slots[SIM_MAX_CIS];
	struct migctl_placement p;
	unsigned used[SIM_MAX_CIS];

	if (!g)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (m->non_root)
		return NVML_ERROR_NO_PERMISSION;
	struct sim_gi *gi = sim_gi_find(g, gi_id);
	if (!gi)
		return NVML_ERROR_NOT_FOUND;
	const struct migctl_gi_profile *gp = sim_gi_profile(g, gi);
	if (!gp)
		return NVML_ERROR_UNKNOWN;
	migctl_grid_of_gi(&grid, gp);
	int prof = migctl_grid_profile_index(&grid, ci_profile_id);
	if (prof < 0)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (placement && !migctl_placement_set_has(grid.profiles[prof].placements, *placement))
		return NVML_ERROR_INVALID_ARGUMENT;

	size_t n = ci_slots(gi, &grid, slots);
	if (placement) {
		if (!migctl_grid_can_place(&grid, slots, n, (size_t)prof, *placement))
			return NVML_ERROR_INSUFFICIENT_RESOURCES;
		p = *placement;
	} else if (migctl_grid_choose_placement(&grid, slots, n, (size_t)prof, &p) !=
		   MIGCTL_ERR_OK) {
		return NVML_ERROR_INSUFFICIENT_RESOURCES;
	}

	for (unsigned i = 0; i < gi->n_cis; i++)
		used[i] = gi->cis[i].id;
	int id = migctl_lowest_free_id(used, gi->n_cis, SIM_MAX_CIS);
	if (id < 0)
		return NVML_ERROR_INSUFFICIENT_RESOURCES;

	unsigned at = 0;
	while (at < gi->n_cis && gi->cis[at].id < (unsigned)id)
		at++;
	memmove(&gi->cis[at + 1], &gi->cis[at], (gi->n_cis - at) * sizeof(gi->cis[0]));
	uint16_t *made = &g->ci_made[gi->id][id];
	gi->cis[at] = (struct sim_ci){
		.id = (unsigned)id,
		.profile_id = ci_profile_id,
		.placement = p,
		.uuid_gen = *made,
	};
	if (*made < UINT16_MAX)
		(*made)++;
	gi->n_cis++;
	if (ci_id)
		*ci_id = (unsigned)id;
	return NVML_SUCCESS;
}

nvmlReturn_t sim_destroy_ci(struct sim_machine *m, unsigned gpu, unsigned gi_id,
			    unsigned ci_id)
{
	struct sim_gpu *g = gpu_of(m, gpu);

	if (!g)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (m->non_root)
		return NVML_ERROR_NO_PERMISSION;
	struct sim_gi *gi = sim_gi_find(g, gi_id);
	if (!gi)
		return NVML_ERROR_NOT_FOUND;
	int i = ci_index(gi, ci_id);
	if (i < 0)
		return NVML_ERROR_NOT_FOUND;
	if (sim_busy(m, gpu, gi_id, ci_id))
		return NVML_ERROR_IN_USE;
	memmove(&gi->cis[i], &gi->cis[i + 1],
		(gi->n_cis - (unsigned)i - 1) * sizeof(gi->cis[0]));
	gi->n_cis--;
	return NVML_SUCCESS;
}

nvmlReturn_t sim_ci_remaining(const struct sim_machine *m, unsigned gpu,
			      unsigned gi_id, unsigned ci_profile_id,
			      unsigned *count)
{
	const struct sim_gpu *g = gpu_of_c(m, gpu);
	struct migctl_grid grid;
	struct migctl_slot slots[SIM_MAX_CIS];

	if (!g || !count)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (!g->mig_current)
		return NVML_ERROR_NOT_SUPPORTED;
	int i = gi_index(g, gi_id);
	if (i < 0)
		return NVML_ERROR_NOT_FOUND;
	const struct sim_gi *gi = &g->gis[i];
	const struct migctl_gi_profile *gp = sim_gi_profile(g, gi);
	if (!gp)
		return NVML_ERROR_UNKNOWN;
	migctl_grid_of_gi(&grid, gp);
	int prof = migctl_grid_profile_index(&grid, ci_profile_id);
	if (prof < 0)
		return NVML_ERROR_INVALID_ARGUMENT;
	size_t n = ci_slots(gi, &grid, slots);
	*count = migctl_grid_remaining_capacity(&grid, slots, n, (size_t)prof);
	return NVML_SUCCESS;
}

/* --- MIG devices -------------------------------------------------------- */

static bool ref_before(struct sim_mig_ref a, struct sim_mig_ref b)
{
	return a.gi < b.gi || (a.gi == b.gi && a.ci < b.ci);
}

size_t sim_mig_devices(const struct sim_machine *m, unsigned gpu,
		       struct sim_mig_ref *out, size_t cap)
{
	const struct sim_gpu *g = gpu_of_c(m, gpu);
	struct sim_mig_ref all[SIM_MAX_GIS * SIM_MAX_CIS];
	size_t n = 0;

	if (!g)
		return 0;
	/* The ops keep both levels sorted, but a loaded state need not be:
	 * sort here so the NVML index order never depends on it. */
	for (unsigned i = 0; i < g->n_gis && i < SIM_MAX_GIS; i++) {
		const struct sim_gi *gi = &g->gis[i];
		for (unsigned k = 0; k < gi->n_cis && k < SIM_MAX_CIS; k++) {
			struct sim_mig_ref r = {gi->id, gi->cis[k].id};
			size_t at = n++;
			while (at > 0 && ref_before(r, all[at - 1])) {
				all[at] = all[at - 1];
				at--;
			}
			all[at] = r;
		}
	}
	for (size_t i = 0; i < n && i < cap; i++)
		out[i] = all[i];
	return n;
}

/* The creation count of the CI (GI `gi`, CI `ci`) of `g`; 0 if absent. */
static unsigned uuid_gen_of(const struct sim_gpu *g, unsigned gi, unsigned ci)
{
	for (unsigned i = 0; i < g->n_gis && i < SIM_MAX_GIS; i++) {
		if (g->gis[i].id != gi)
			continue;
		for (unsigned k = 0; k < g->gis[i].n_cis && k < SIM_MAX_CIS; k++)
			if (g->gis[i].cis[k].id == ci)
				return g->gis[i].cis[k].uuid_gen;
	}
	return 0;
}

void sim_mig_uuid(const struct sim_gpu *g, unsigned gi, unsigned ci,
		  char *buf, size_t len)
{
	unsigned gen = uuid_gen_of(g, gi, ci);
	uint64_t d[2];

	for (unsigned lane = 0; lane < 2; lane++) {
		struct hash s;
		hash_init(&s, lane + 1);
		hash_str(&s, "mig");
		hash_str(&s, g->uuid);
		hash_uint(&s, gi);
		hash_uint(&s, ci);
		/* A first creation hashes as before the count existed, so
		 * its UUID stays what earlier versions gave it. */
		if (gen)
			hash_uint(&s, gen);
		d[lane] = hash_final(&s);
	}
	/* RFC 4122 version 5 and variant 10xx, as RM's nvGenerateSmcUuid. */
	snprintf(buf, len, "MIG-%08x-%04x-5%03x-%04x-%012llx",
		 (unsigned)(d[0] >> 32), (unsigned)(d[0] >> 16) & 0xffff,
		 (unsigned)d[0] & 0xfff,
		 0x8000u | ((unsigned)(d[1] >> 48) & 0x3fff),
		 (unsigned long long)(d[1] & UINT64_C(0xffffffffffff)));
}

bool sim_find_uuid(const struct sim_machine *m, const char *uuid,
		   unsigned *gpu, unsigned *gi, unsigned *ci)
{
	struct sim_mig_ref refs[SIM_MAX_GIS * SIM_MAX_CIS];
	char mig[NVML_DEVICE_UUID_V2_BUFFER_SIZE];

	for (unsigned i = 0; i < m->n_gpus; i++) {
		const struct sim_gpu *g = &m->gpus[i];
		if (strcasecmp(g->uuid, uuid) == 0) {
			*gpu = i;
			*gi = *ci = NVML_VALUE_NOT_AVAILABLE_UINT;
			return true;
		}
		size_t n = sim_mig_devices(m, i, refs, SIM_MAX_GIS * SIM_MAX_CIS);
		for (size_t k = 0; k < n && k < SIM_MAX_GIS * SIM_MAX_CIS; k++) {
			sim_mig_uuid(g, refs[k].gi, refs[k].ci, mig, sizeof(mig));
			if (strcasecmp(mig, uuid) == 0) {
				*gpu = i;
				*gi = refs[k].gi;
				*ci = refs[k].ci;
				return true;
			}
		}
	}
	return false;
}
