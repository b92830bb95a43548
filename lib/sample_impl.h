/* migctl — internal: what the sampler's files (lib/sample.c, the take and
 * the slots; lib/sample_read.c, NVML, GPM and events) share. Not installed. */
#ifndef MIGCTL_SAMPLE_IMPL_H
#define MIGCTL_SAMPLE_IMPL_H

#include "migctl/sample.h"
#include "node_internal.h"

/* Slots per GPU and kind: above the 7 or 8 MIG devices a GPU can hold. */
#define SAMPLE_MAX_SLOTS 16
#define SAMPLE_NO_SLOT 0xFFFFFFFFu
/* An identity key: GPU UUID, GI ID, profile, placement, CI UUIDs. */
#define SAMPLE_KEY_LEN 512

/* The previous GPM sample of one entity. */
struct sample_gpm {
	nvmlGpmSample_t prev;              /* NULL: none yet */
};

struct sample_slot {
	bool used, seen;
	char key[SAMPLE_KEY_LEN];
	struct sample_gpm gpm;
};

/* What the sampler keeps per GPU (by UUID) between takes. */
struct sample_track {
	char uuid[96];
	int gpm_support;                   /* -1 not asked yet, 0 no, 1 yes */
	nvmlReturn_t gpm_rc;               /* why not, when the query failed */
	struct sample_gpm gpu_gpm;
	struct sample_slot gi_slots[SAMPLE_MAX_SLOTS];
	struct sample_slot ci_slots[SAMPLE_MAX_SLOTS];
};

/* One entity of a take with what reading it needs. */
struct sample_ref {
	struct sample_track *t;            /* NULL when out of memory */
	const struct migctl_gpu_state *g;
	const struct migctl_gi_state *gi;  /* NULL on a GPU */
	const struct migctl_ci_state *ci;  /* NULL on a GPU or GI */
	struct sample_gpm *gpm;            /* NULL: no GPM state kept */
};

/* The last XID seen on a GPU, GI or CI. */
struct sample_xid {
	char gpu_uuid[96];
	unsigned gi, ci;
	uint64_t xid;
	uint64_t order;                    /* arrival: the newest wins for a GPU */
};

/* A sample's storage (migctl_sample.priv). */
struct sample_store {
	unsigned *fields;
	struct migctl_value *values;
	struct migctl_process *procs;
};

struct migctl_sampler {
	struct migctl_node *node;          /* borrowed */
	unsigned *fields;
	size_t n_fields;
	uint64_t seq;
	uint64_t last_mono;
	unsigned stride;                   /* entity-ID stride, fixed at the first take */
	struct sample_track **tracks;      /* each its own allocation: refs
	                                    * point into them across a take */
	size_t n_tracks;
	bool events;                       /* an event set is registered */
	migctl_gpu_error_fn on_gpu_error;  /* NULL: a GPU error fails the take */
	void *error_ctx;
	nvmlEventSet_t evset;
	struct sample_xid *xids;
	size_t n_xids;
	uint64_t n_events;                 /* events seen, for sample_xid.order */
};

/* --- sample_read.c --- */

/* The GPU's maximum MIG device count (the entity-ID stride); 0 if NVML
 * does not say. */
unsigned sample_max_mig_devices(struct migctl_sampler *s, const struct migctl_gpu_state *g);
/* Fill `vals` (one per sampler field) for entity `e`. */
void sample_read_entity(struct migctl_sampler *s, const struct migctl_entity *e,
			struct sample_ref *r, struct migctl_value *vals);
/* Drop an entity's previous GPM sample. */
void sample_gpm_forget(struct migctl_sampler *s, struct sample_gpm *g);
void sample_track_release(struct migctl_sampler *s, struct sample_track *t);
/* Events: register every GPU of the node; free; move what arrived into
 * the sample and the sampler's last XIDs. */
void sample_events_open(struct migctl_sampler *s);
void sample_events_close(struct migctl_sampler *s);
void sample_events_drain(struct migctl_sampler *s, struct migctl_sample *smp);

#endif
