/* migctl — the sampler (migctl/sample.h): one take re-reads the node's
 * layout, numbers its entities (stable slots), reads every field of every
 * entity from NVML and GPM, and hands the caller a self-contained sample.
 *
 * What a take keeps for the next one lives here: the entity slots and the
 * previous GPM sample of each entity, both keyed by the entity's identity
 * (lib/sample_impl.h), so a GI destroyed and recreated between takes gets
 * a fresh key and never inherits the old one's counters. Reading values
 * is lib/sample_read.c. */
#include "sample_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

enum migctl_err migctl_sampler_open(struct migctl_sampler **out, struct migctl_node *node,
				    const struct migctl_sampler_options *opts,
				    struct migctl_error *err)
{
	struct migctl_sampler *s;
	size_t n_all;
	const struct migctl_field_info *all = migctl_fields(&n_all);
	size_t n = opts && opts->fields ? opts->n_fields : n_all;

	*out = NULL;
	if (!node || !node->nvml)
		return migctl_fail(err, MIGCTL_ERR_USAGE, "sampler: the node is not open");
	s = calloc(1, sizeof(*s));
	if (!s || !(s->fields = calloc(n ? n : 1, sizeof(*s->fields)))) {
		free(s);
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		unsigned id = opts && opts->fields ? opts->fields[i] : all[i].id;
		if (!migctl_field_by_id(id)) {
			migctl_sampler_free(s);
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "sampler: unknown field %u; `migctl dmon -l` lists the "
					   "fields", id);
		}
		s->fields[i] = id;
	}
	s->n_fields = n;
	s->node = node;
	if (opts) {
		s->on_gpu_error = opts->on_gpu_error;
		s->error_ctx = opts->error_ctx;
	}
	if (opts && opts->events)
		sample_events_open(s);
	*out = s;
	return MIGCTL_ERR_OK;
}

void migctl_sampler_free(struct migctl_sampler *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_tracks; i++) {
		sample_track_release(s, s->tracks[i]);
		free(s->tracks[i]);
	}
	free(s->tracks);
	sample_events_close(s);
	free(s->xids);
	free(s->fields);
	free(s);
}

/* --- identity keys and slots ------------------------------------------------- */

/* A CI's key: its MIG device UUID tells a recreated CI from the old one
 * (the driver gives it a new UUID; reference: ARCHITECTURE, MIG UUIDs). A
 * GI's key holds its CIs' UUIDs for the same reason: a GI recreated at the
 * same place with the same profile is another GI. */
static void key_of(const struct migctl_gpu_state *g, const struct migctl_gi_state *gi,
		   const struct migctl_ci_state *ci, char *key, size_t len)
{
	size_t off;

	if (!gi) {
		snprintf(key, len, "%s", g->uuid);
		return;
	}
	off = (size_t)snprintf(key, len, "%s/%u/%u/%u:%u", g->uuid, gi->id, gi->profile_id,
			       gi->placement.start, gi->placement.size);
	if (ci) {
		snprintf(key + off, len > off ? len - off : 0, "/%u/%u/%s", ci->id, ci->profile_id,
			 ci->uuid);
		return;
	}
	for (size_t i = 0; i < gi->n_cis && off < len; i++)
		off += (size_t)snprintf(key + off, len - off, "|%s", gi->cis[i].uuid);
}

/* The track of one GPU (by UUID), made on first sight. */
static struct sample_track *track_of(struct migctl_sampler *s, const struct migctl_gpu_state *g)
{
	struct sample_track **all, *t;

	for (size_t i = 0; i < s->n_tracks; i++)
		if (strcmp(s->tracks[i]->uuid, g->uuid) == 0)
			return s->tracks[i];
	all = realloc(s->tracks, (s->n_tracks + 1) * sizeof(*all));
	if (!all)
		return NULL;
	s->tracks = all;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	s->tracks[s->n_tracks++] = t;
	snprintf(t->uuid, sizeof(t->uuid), "%s", g->uuid);
	t->gpm_support = -1;
	return t;
}

/* Keep the slots whose entity still exists (marked `seen`), free the
 * others, then give each new key the lowest free slot. `keys` are the
 * entity keys of one kind on one GPU, in GI-ID (, CI-ID) order. */
static void assign_slots(struct migctl_sampler *s, struct sample_slot *slots, size_t n_slots,
			 char (*keys)[SAMPLE_KEY_LEN], size_t n_keys, unsigned *out)
{
	for (size_t j = 0; j < n_slots; j++)
		slots[j].seen = false;
	for (size_t i = 0; i < n_keys; i++) {
		out[i] = SAMPLE_NO_SLOT;
		for (size_t j = 0; j < n_slots; j++)
			if (slots[j].used && strcmp(slots[j].key, keys[i]) == 0) {
				slots[j].seen = true;
				out[i] = (unsigned)j;
			}
	}
	for (size_t j = 0; j < n_slots; j++)
		if (slots[j].used && !slots[j].seen) {
			sample_gpm_forget(s, &slots[j].gpm);
			memset(&slots[j], 0, sizeof(slots[j]));
		}
	for (size_t i = 0; i < n_keys; i++) {
		if (out[i] != SAMPLE_NO_SLOT)
			continue;
		for (size_t j = 0; j < n_slots; j++)
			if (!slots[j].used) {
				slots[j].used = slots[j].seen = true;
				snprintf(slots[j].key, sizeof(slots[j].key), "%s", keys[i]);
				out[i] = (unsigned)j;
				break;
			}
	}
}

/* --- one take ------------------------------------------------------------------ */

static size_t count_entities(const struct migctl_node *node)
{
	size_t n = 0;

	for (size_t i = 0; i < node->n_gpus; i++) {
		const struct migctl_gpu_state *g = &node->gpus[i];
		n += 1 + g->n_gis;
		for (size_t j = 0; j < g->n_gis; j++)
			n += g->gis[j].n_cis;
	}
	return n;
}

static size_t count_procs(const struct migctl_node *node)
{
	size_t n = 0;

	for (size_t i = 0; i < node->n_gpus; i++)
		n += node->gpus[i].n_procs;
	return n;
}

static int proc_cmp(const void *a, const void *b)
{
	const struct migctl_process *x = a, *y = b;

	if (x->gi != y->gi)
		return x->gi < y->gi ? -1 : 1;
	if (x->ci != y->ci)
		return x->ci < y->ci ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* The processes of `e` within its GPU's sorted list [base, base + n). */
static void procs_of(struct migctl_entity *e, const struct migctl_process *base, size_t n)
{
	size_t first = n, count = 0;

	for (size_t i = 0; i < n; i++) {
		bool in = e->kind == MIGCTL_ENTITY_GPU ||
			  (base[i].gi == e->gi_id &&
			   (e->kind == MIGCTL_ENTITY_GI || base[i].ci == e->ci_id));
		if (in) {
			if (first == n)
				first = i;
			count++;
		}
	}
	e->procs = count ? base + first : NULL;
	e->n_procs = count;
}

static void fill_gpu_entity(struct migctl_entity *e, const struct migctl_gpu_state *g)
{
	memset(e, 0, sizeof(*e));
	e->kind = MIGCTL_ENTITY_GPU;
	e->id = g->index;
	e->gpu_index = g->index;
	snprintf(e->gpu_uuid, sizeof(e->gpu_uuid), "%s", g->uuid);
	snprintf(e->gpu_name, sizeof(e->gpu_name), "%s", g->name);
	e->gi_id = e->ci_id = MIGCTL_ID_NONE;
	e->mig_enabled = g->mig_current;
	snprintf(e->bus_id, sizeof(e->bus_id), "%s", g->bus_id);
	e->minor = g->minor;
	e->procs_unknown = g->procs_unknown;
	/* SM_MIG, the weights' denominator: the largest GI profile's SMs.
	 * Without MIG it stays 0: NVML does not give the chip's count here. */
	for (size_t i = 0; g->mig_current && i < g->model.n_gi; i++)
		if (g->model.gi[i].sm > e->sm)
			e->sm = g->model.gi[i].sm;
}

static void fill_gi_entity(struct migctl_entity *e, const struct migctl_entity *gpu,
			   const struct migctl_gi_state *gi)
{
	*e = *gpu;
	e->kind = MIGCTL_ENTITY_GI;
	e->gi_id = gi->id;
	e->gi_profile_id = gi->profile_id;
	if (gi->profile) {
		snprintf(e->gi_profile, sizeof(e->gi_profile), "%s", gi->profile->name);
		e->sm = gi->profile->sm;
	} else {
		e->sm = 0;
	}
	e->gi_placement = gi->placement;
}

static void fill_ci_entity(struct migctl_entity *e, const struct migctl_entity *gi_e,
			   const struct migctl_ci_state *ci)
{
	*e = *gi_e;
	e->kind = MIGCTL_ENTITY_CI;
	e->ci_id = ci->id;
	e->ci_profile_id = ci->profile_id;
	snprintf(e->ci_profile, sizeof(e->ci_profile), "%s", ci->profile_name);
	e->ci_placement = ci->placement;
	snprintf(e->mig_uuid, sizeof(e->mig_uuid), "%s", ci->uuid);
	e->sm = ci->sm;
}

/* The entities of one GPU from `at` on (GPU, then each GI and its CIs),
 * with slots and IDs; returns how many. */
static size_t build_gpu(struct migctl_sampler *s, const struct migctl_gpu_state *g,
			struct migctl_entity *at, struct sample_ref *refs)
{
	struct sample_track *t = track_of(s, g);
	char keys[SAMPLE_MAX_SLOTS][SAMPLE_KEY_LEN], ci_keys[SAMPLE_MAX_SLOTS][SAMPLE_KEY_LEN];
	unsigned gi_slot[SAMPLE_MAX_SLOTS], ci_slot[SAMPLE_MAX_SLOTS];
	size_t n_ci = 0, k = 0;

	fill_gpu_entity(&at[k], g);
	refs[k] = (struct sample_ref){t, g, NULL, NULL, t ? &t->gpu_gpm : NULL};
	k++;
	for (size_t i = 0; i < g->n_gis && i < SAMPLE_MAX_SLOTS; i++) {
		key_of(g, &g->gis[i], NULL, keys[i], SAMPLE_KEY_LEN);
		for (size_t j = 0; j < g->gis[i].n_cis && n_ci < SAMPLE_MAX_SLOTS; j++)
			key_of(g, &g->gis[i], &g->gis[i].cis[j], ci_keys[n_ci++], SAMPLE_KEY_LEN);
	}
	if (t) {
		assign_slots(s, t->gi_slots, SAMPLE_MAX_SLOTS, keys, g->n_gis, gi_slot);
		assign_slots(s, t->ci_slots, SAMPLE_MAX_SLOTS, ci_keys, n_ci, ci_slot);
	}
	n_ci = 0;
	for (size_t i = 0; i < g->n_gis; i++) {
		const struct migctl_gi_state *gi = &g->gis[i];
		struct migctl_entity *gi_e = &at[k];
		unsigned slot = t && i < SAMPLE_MAX_SLOTS ? gi_slot[i] : SAMPLE_NO_SLOT;

		fill_gi_entity(gi_e, &at[0], gi);
		gi_e->id = g->index * s->stride + (slot == SAMPLE_NO_SLOT ? (unsigned)i : slot);
		refs[k] = (struct sample_ref){t, g, gi, NULL,
					      slot == SAMPLE_NO_SLOT ? NULL : &t->gi_slots[slot].gpm};
		k++;
		for (size_t j = 0; j < gi->n_cis; j++, n_ci++) {
			unsigned cslot = t && n_ci < SAMPLE_MAX_SLOTS ? ci_slot[n_ci] : SAMPLE_NO_SLOT;
			fill_ci_entity(&at[k], gi_e, &gi->cis[j]);
			at[k].id = g->index * s->stride + (cslot == SAMPLE_NO_SLOT ? (unsigned)n_ci : cslot);
			refs[k] = (struct sample_ref){t, g, gi, &gi->cis[j],
						      cslot == SAMPLE_NO_SLOT ? NULL
									      : &t->ci_slots[cslot].gpm};
			k++;
		}
	}
	return k;
}

static struct migctl_sample *sample_alloc(size_t n_ent, size_t n_fields, size_t n_procs)
{
	struct migctl_sample *smp = calloc(1, sizeof(*smp));
	struct sample_store *st = calloc(1, sizeof(*st));

	if (!smp || !st)
		goto fail;
	smp->priv = st;
	st->fields = calloc(n_fields ? n_fields : 1, sizeof(*st->fields));
	st->values = calloc(n_ent * n_fields + 1, sizeof(*st->values));
	st->procs = calloc(n_procs + 1, sizeof(*st->procs));
	smp->entities = calloc(n_ent + 1, sizeof(*smp->entities));
	if (!st->fields || !st->values || !st->procs || !smp->entities)
		goto fail;
	return smp;
fail:
	if (smp && !smp->priv)
		free(st);
	migctl_sample_free(smp);
	return NULL;
}

void migctl_sample_free(struct migctl_sample *smp)
{
	struct sample_store *st;

	if (!smp)
		return;
	st = smp->priv;
	if (st) {
		free(st->fields);
		free(st->values);
		free(st->procs);
		free(st);
	}
	free(smp->entities);
	free(smp->events);
	free(smp);
}

/* The stride of entity IDs: fixed at the first take (see migctl/sample.h). */
static void fix_stride(struct migctl_sampler *s)
{
	unsigned stride = 7;

	if (s->stride)
		return;
	for (size_t i = 0; i < s->node->n_gpus; i++) {
		unsigned m = sample_max_mig_devices(s, &s->node->gpus[i]);
		if (m > stride)
			stride = m;
	}
	s->stride = stride < SAMPLE_MAX_SLOTS ? stride : SAMPLE_MAX_SLOTS;
}

enum migctl_err migctl_sampler_take(struct migctl_sampler *s, struct migctl_sample **out,
				    struct migctl_error *err)
{
	struct migctl_node *node = s->node;
	struct migctl_sample *smp = NULL;
	struct sample_ref *refs = NULL;
	struct sample_store *st;
	enum migctl_err rc;
	size_t n_ent, k = 0, pk = 0;

	*out = NULL;
	rc = s->on_gpu_error
		? migctl_node_refresh_tolerant(node, s->on_gpu_error, s->error_ctx, err)
		: migctl_node_refresh(node, err);
	if (rc)
		return rc;
	fix_stride(s);
	n_ent = count_entities(node);
	smp = sample_alloc(n_ent, s->n_fields, count_procs(node));
	refs = calloc(n_ent + 1, sizeof(*refs));
	if (!smp || !refs) {
		rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
		goto out;
	}
	st = smp->priv;
	memcpy(st->fields, s->fields, s->n_fields * sizeof(*s->fields));
	smp->fields = st->fields;
	smp->n_fields = s->n_fields;
	smp->seq = ++s->seq;
	smp->time_ns = now_ns(CLOCK_REALTIME);
	smp->mono_ns = now_ns(CLOCK_MONOTONIC);
	smp->interval_s = s->last_mono ? (double)(smp->mono_ns - s->last_mono) / 1e9 : 0.0;
	s->last_mono = smp->mono_ns;
	sample_events_drain(s, smp);
	for (size_t i = 0; i < node->n_gpus; i++) {
		const struct migctl_gpu_state *g = &node->gpus[i];
		size_t first = k;
		struct migctl_process *pbase = st->procs + pk;

		if (g->n_procs)
			memcpy(pbase, g->procs, g->n_procs * sizeof(*pbase));
		qsort(pbase, g->n_procs, sizeof(*pbase), proc_cmp);
		pk += g->n_procs;
		k += build_gpu(s, g, smp->entities + k, refs + k);
		for (size_t e = first; e < k; e++)
			procs_of(&smp->entities[e], pbase, g->n_procs);
	}
	smp->n_entities = k;
	for (size_t e = 0; e < k; e++) {
		struct migctl_value *v = st->values + e * s->n_fields;
		smp->entities[e].values = v;
		smp->entities[e].n_values = s->n_fields;
		sample_read_entity(s, &smp->entities[e], &refs[e], v);
	}
	*out = smp;
	smp = NULL;
out:
	free(refs);
	migctl_sample_free(smp);
	return rc;
}

/* --- walking a sample ---------------------------------------------------------- */

const struct migctl_value *migctl_entity_value(const struct migctl_entity *e, unsigned field)
{
	for (size_t i = 0; i < e->n_values; i++)
		if (e->values[i].field == field)
			return &e->values[i];
	return NULL;
}

const struct migctl_entity *migctl_sample_find(const struct migctl_sample *s,
					       enum migctl_entity_kind kind, unsigned id)
{
	for (size_t i = 0; i < s->n_entities; i++)
		if (s->entities[i].kind == kind && s->entities[i].id == id)
			return &s->entities[i];
	return NULL;
}

const struct migctl_entity *migctl_sample_find_mig(const struct migctl_sample *s,
						   unsigned gpu_index, unsigned gi_id,
						   unsigned ci_id)
{
	for (size_t i = 0; i < s->n_entities; i++) {
		const struct migctl_entity *e = &s->entities[i];
		if (e->gpu_index == gpu_index && e->gi_id == gi_id && e->ci_id == ci_id)
			return e;
	}
	return NULL;
}
