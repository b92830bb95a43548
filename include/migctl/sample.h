/* migctl — the sampler: metrics of every GPU, GPU instance (GI) and compute
 * instance (CI) of a node, read straight from NVML (no DCGM host engine),
 * under DCGM's field IDs, short names and units.
 *
 * A sampler is opened on a node (migctl/node.h) that the caller opened and
 * keeps open. Each migctl_sampler_take re-reads the node's layout and
 * returns one sample: the entities that exist now (a GI destroyed since the
 * last sample is gone, a new one is there with its new identity), each with
 * one value per requested field. Nothing is cached across layouts: an
 * entity's values come only from the entity that exists now.
 *
 * Every value carries a status: ok, or not available with a reason (a
 * field that does not exist at that entity's level, a GPU without GPM, a
 * driver without the call, the first sample of a rate). A value that is not
 * available is never reported as zero. Every value also says how it was
 * normalised (enum migctl_norm), because a ratio means different things on
 * a GPU and on one of its instances.
 *
 * Profiling fields 1001-1016 (DCGM's "DCP" fields) come from NVML GPM on
 * Hopper and newer, as DCGM's GPM back end takes them
 * (reference/dcgm.md §2.1, §2.3): a GPU from nvmlGpmSampleGet on the GPU,
 * a GI from nvmlGpmMigSampleGet on its parent and GI ID, a CI from
 * nvmlGpmSampleGet on its MIG device. A value is nvmlGpmMetricsGet over the
 * previous and the current sample of the same entity, divided by 100 for
 * ratios (GPM reports percent; DCGM reports 0..1). On Ampere and older
 * DCGM computes these fields in its closed profiling module: they are not
 * available here (MIGCTL_NA_CLOSED_MODULE), never zero.
 *
 * Normalisation (documented in docs/monitoring.md):
 *   - an instance's ratio is relative to the instance's own capacity (its
 *     SMs for SM fields, its memory slices for DRAMA);
 *   - a GPU's ratio with MIG on is SM-weighted over its CIs:
 *     Σ value(CI) × SM(CI) / SM_MIG, SM_MIG being the SMs of the GPU's
 *     largest GI profile (98 on an A100, not 108) — reference/dcgm.md
 *     §2.4(b); with MIG off it is relative to the whole GPU;
 *   - ratios above 1 are clamped to 1 and flagged (DCGM #152 reports GI
 *     values above 1).
 *
 * Entity IDs (the numbers in `GPU-I 7`, `i:7`), documented in the README:
 *   - a GPU's ID is its NVML index;
 *   - a GI's ID is gpu_index × stride + slot, a CI's likewise with its own
 *     slots, where stride is the GPU's maximum MIG device count
 *     (nvmlDeviceGetMaxMigDeviceCount: 7 on an A100 or H100). This is
 *     DCGM's numbering (reference/dcgm.md §1.2), so `i:7` is the first GI
 *     of GPU 1 as in dcgmi. Unlike DCGM's, slots are deterministic and
 *     stable: at the first sample the GIs of a GPU take slots in GI-ID
 *     order (CIs in GI-ID, CI-ID order); an entity keeps its slot for the
 *     sampler's life; a new entity takes the lowest free slot of its GPU
 *     and a slot is freed when its entity goes.
 *   - The identity that survives restarts is the MIG identity carried by
 *     every entity: parent GPU UUID, GI ID, CI ID, profile and placement
 *     (and the MIG device UUID of a CI). The entity spec accepts it as
 *     `GPU/GI` and `GPU/GI/CI` (DCGM's hierarchy syntax).
 *
 * The library prints nothing; the CLI (`migctl dmon`) and the exporter
 * render samples.
 */
#ifndef MIGCTL_SAMPLE_H
#define MIGCTL_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migctl/catalog.h"
#include "migctl/error.h"
#include "migctl/node.h"

/* --- fields ---------------------------------------------------------------- */

/* The fields the sampler knows, by DCGM field ID (DCGM's numbers never
 * change, reference/dcgm.md §0). The enum values are the DCGM IDs. */
enum migctl_field_id {
	MIGCTL_F_SM_CLOCK = 100,           /* SMCLK, MHz */
	MIGCTL_F_MEM_CLOCK = 101,          /* MMCLK, MHz */
	MIGCTL_F_MEMORY_TEMP = 140,        /* MMTMP, °C */
	MIGCTL_F_GPU_TEMP = 150,           /* TMPTR, °C */
	MIGCTL_F_POWER_USAGE = 155,        /* POWER, W */
	MIGCTL_F_TOTAL_ENERGY = 156,       /* TOTEC, mJ since driver load */
	MIGCTL_F_GPU_UTIL = 203,           /* GPUTL, % (not on MIG GPUs) */
	MIGCTL_F_MEM_COPY_UTIL = 204,      /* MCUTL, % (not on MIG GPUs) */
	MIGCTL_F_XID_ERRORS = 230,         /* XIDER: the last XID seen */
	MIGCTL_F_FB_TOTAL = 250,           /* FBTTL, MiB */
	MIGCTL_F_FB_FREE = 251,            /* FBFRE, MiB */
	MIGCTL_F_FB_USED = 252,            /* FBUSD, MiB */
	MIGCTL_F_ECC_SBE_VOL_TOTAL = 310,  /* ESVTL */
	MIGCTL_F_ECC_DBE_VOL_TOTAL = 311,  /* EDVTL */
	MIGCTL_F_ECC_SBE_AGG_TOTAL = 312,  /* ESATL */
	MIGCTL_F_ECC_DBE_AGG_TOTAL = 313,  /* EDATL */
	MIGCTL_F_GR_ENGINE_ACTIVE = 1001,  /* GRACT */
	MIGCTL_F_SM_ACTIVE = 1002,         /* SMACT */
	MIGCTL_F_SM_OCCUPANCY = 1003,      /* SMOCC */
	MIGCTL_F_PIPE_TENSOR_ACTIVE = 1004,/* TENSO */
	MIGCTL_F_DRAM_ACTIVE = 1005,       /* DRAMA (GI level) */
	MIGCTL_F_PIPE_FP64_ACTIVE = 1006,  /* FP64A */
	MIGCTL_F_PIPE_FP32_ACTIVE = 1007,  /* FP32A */
	MIGCTL_F_PIPE_FP16_ACTIVE = 1008,  /* FP16A */
	MIGCTL_F_PCIE_TX_BYTES = 1009,     /* PCITX, bytes/s (GPU level) */
	MIGCTL_F_PCIE_RX_BYTES = 1010,     /* PCIRX */
	MIGCTL_F_NVLINK_TX_BYTES = 1011,   /* NVLTX */
	MIGCTL_F_NVLINK_RX_BYTES = 1012,   /* NVLRX */
	MIGCTL_F_PIPE_TENSOR_IMMA_ACTIVE = 1013, /* TIMMA */
	MIGCTL_F_PIPE_TENSOR_HMMA_ACTIVE = 1014, /* THMMA */
	MIGCTL_F_PIPE_TENSOR_DFMA_ACTIVE = 1015, /* TDFMA */
	MIGCTL_F_PIPE_INT_ACTIVE = 1016,   /* INTAC */
};

enum migctl_entity_kind {
	MIGCTL_ENTITY_GPU = 0,
	MIGCTL_ENTITY_GI = 1,              /* dmon row `GPU-I n` */
	MIGCTL_ENTITY_CI = 2,              /* dmon row `GPU-CI n` */
};

enum migctl_value_type {
	MIGCTL_VALUE_INT = 0,              /* printed as an integer */
	MIGCTL_VALUE_DOUBLE = 1,           /* printed with 3 decimals by dmon */
};

/* One field: what `dmon -l` lists and what renderers name. */
struct migctl_field_info {
	unsigned id;                       /* DCGM field ID */
	const char *tag;                   /* dmon short name, "SMACT" */
	const char *name;                  /* DCGM's (legacy) name without the
	                                    * prefix: "PROF_SM_ACTIVE" → the
	                                    * exporter's DCGM_FI_PROF_SM_ACTIVE */
	const char *long_name;             /* "SM Activity" */
	const char *unit;                  /* dmon's unit line: "MHZ", "W", ""
	                                    * for ratios */
	enum migctl_value_type type;
	unsigned width;                    /* dmon's format width (column =
	                                    * width + 6, reference/dcgm.md §1.1) */
	/* The lowest level at which the field is defined (DCGM's entity
	 * level, reference/dcgm.md §2.1, §2.3): GPU-level fields are not
	 * available on instances, GI-level ones not on CIs. */
	enum migctl_entity_kind level;
	bool profiling;                    /* a DCP field (GPM or closed module) */
	bool is_ratio;                     /* 0..1, normalised as above */
};

/* Every field, in ID order; *n receives the count. Static storage. */
const struct migctl_field_info *migctl_fields(size_t *n);

/* A field by DCGM ID; NULL if unknown. */
const struct migctl_field_info *migctl_field_by_id(unsigned id);

/* A field by any of its names: the decimal ID ("1002"), the tag ("SMACT",
 * any case) or DCGM's name with or without "DCGM_FI_" ("PROF_SM_ACTIVE").
 * NULL if none. */
const struct migctl_field_info *migctl_field_lookup(const char *text);

/* Parse dmon's -e list: comma-separated field names as above (spaces
 * around names allowed). *ids receives a heap array of *n IDs in the
 * order given (duplicates dropped), freed by the caller with free().
 * MIGCTL_ERR_USAGE naming the unknown field (with "did you mean") and
 * `migctl dmon -l`; nothing is allocated on error. */
enum migctl_err migctl_field_list_parse(const char *text, unsigned **ids, size_t *n,
					struct migctl_error *err);

/* --- values ------------------------------------------------------------------ */

enum migctl_value_status {
	MIGCTL_VALUE_OK = 0,
	MIGCTL_VALUE_NA = 1,               /* not available: see reason */
};

/* Why a value is not available. Never renumber; add at the end. */
enum migctl_na_reason {
	MIGCTL_NA_NONE = 0,
	MIGCTL_NA_LEVEL = 1,               /* the field is not defined at this
	                                    * entity's level (PCITX on a GI,
	                                    * DRAMA on a CI) */
	MIGCTL_NA_CLOSED_MODULE = 2,       /* Ampere and older: only DCGM's
	                                    * closed profiling module has it */
	MIGCTL_NA_NOT_SUPPORTED = 3,       /* the driver answered NOT_SUPPORTED */
	MIGCTL_NA_NO_ENTRY_POINT = 4,      /* the driver lacks the NVML call */
	MIGCTL_NA_FIRST_SAMPLE = 5,        /* a rate over two samples: none yet */
	MIGCTL_NA_NO_CIS = 6,              /* a GI without CIs (DCGM: no data) */
	MIGCTL_NA_MIG_ENABLED = 7,         /* NVML does not answer it in MIG
	                                    * mode (GPU utilization) */
	MIGCTL_NA_NVML_ERROR = 8,          /* another NVML error: nvml_rc */
	MIGCTL_NA_NO_PERMISSION = 9,
	MIGCTL_NA_NOT_COLLECTED = 10,      /* the sampler was not asked for it */
};

/* How a value was normalised. Never renumber; add at the end. */
enum migctl_norm {
	MIGCTL_NORM_ABSOLUTE = 0,          /* a quantity in the field's unit */
	MIGCTL_NORM_GPU = 1,               /* ratio of the whole GPU (MIG off, or
	                                    * a GPU-level field) */
	MIGCTL_NORM_INSTANCE = 2,          /* ratio of this GI's / CI's own
	                                    * capacity */
	MIGCTL_NORM_SM_WEIGHTED = 3,       /* GPU ratio with MIG on: Σ value(CI)
	                                    * × SM(CI) / SM_MIG */
	MIGCTL_NORM_GI_SHARED = 4,         /* a CI's value is its GI's (memory:
	                                    * the CIs of a GI share it) */
};

/* Where a value came from. Never renumber; add at the end. */
enum migctl_value_source {
	MIGCTL_SRC_NONE = 0,               /* not available */
	MIGCTL_SRC_NVML = 1,               /* an NVML query */
	MIGCTL_SRC_GPM = 2,                /* NVML GPM, over two samples */
	MIGCTL_SRC_DERIVED = 3,            /* computed by migctl from other values */
	MIGCTL_SRC_EVENTS = 4,             /* NVML events since the sampler opened */
};

struct migctl_value {
	unsigned field;                    /* DCGM field ID */
	enum migctl_value_status status;
	enum migctl_na_reason reason;      /* MIGCTL_NA_NONE when ok */
	int nvml_rc;                       /* NVML code behind a NA, 0 if none */
	enum migctl_norm norm;
	enum migctl_value_source source;
	bool clamped;                      /* a ratio above 1 was cut to 1 */
	double d;                          /* the value (ratios 0..1) */
	int64_t i;                         /* the same, rounded: exact for
	                                    * MIGCTL_VALUE_INT fields */
};

/* Short stable names for JSON and labels: "level", "closed-module", ...;
 * "instance", "sm-weighted", ...; "nvml", "gpm", ... */
const char *migctl_na_reason_name(enum migctl_na_reason r);
const char *migctl_norm_name(enum migctl_norm n);
const char *migctl_value_source_name(enum migctl_value_source s);
/* A sentence for a reason, for -l and messages: "needs DCGM's closed
 * profiling module: Ampere and older GPUs have no GPM". */
const char *migctl_na_reason_text(enum migctl_na_reason r);

/* --- entities and samples ---------------------------------------------------- */

/* One GPU, GI or CI in a sample, with its identity and values. */
struct migctl_entity {
	enum migctl_entity_kind kind;
	unsigned id;                       /* entity ID (see the top) */
	unsigned gpu_index;
	char gpu_uuid[96];                 /* parent GPU UUID */
	char gpu_name[96];                 /* "NVIDIA H100 80GB HBM3" */
	unsigned gi_id;                    /* NVML GI ID; MIGCTL_ID_NONE on a GPU */
	unsigned ci_id;                    /* NVML CI ID; MIGCTL_ID_NONE on a GPU/GI */
	/* GI and CI: the GI's profile. CI: also its own profile. */
	unsigned gi_profile_id;
	char gi_profile[MIGCTL_NAME_MAX];  /* "3g.40gb"; "" on a GPU */
	struct migctl_placement gi_placement;
	unsigned ci_profile_id;
	char ci_profile[MIGCTL_NAME_MAX];  /* "1c.3g.40gb"; "" on a GPU/GI */
	struct migctl_placement ci_placement; /* within the GI; size 0 unknown */
	char mig_uuid[96];                 /* CI: MIG device UUID; "" otherwise */
	/* Multiprocessors of this entity (GPU with MIG on: SM_MIG, the
	 * largest GI profile's; MIG off: 0, unknown). The weights of the
	 * SM-weighted rule. */
	unsigned sm;
	bool mig_enabled;                  /* the GPU's current MIG mode */
	/* The processes on this entity (a GPU: all of them; a GI: those on
	 * its CIs). Points into the sample. */
	const struct migctl_process *procs;
	size_t n_procs;
	bool procs_unknown;                /* the driver did not list them */
	/* One value per field of the sample (same order as
	 * migctl_sample.fields). Points into the sample. */
	const struct migctl_value *values;
	size_t n_values;
	/* The parent GPU's PCI bus ID ("00000000:07:00.0") and device minor
	 * (/dev/nvidia<minor>, the exporter's `device` label). */
	char bus_id[32];
	unsigned minor;
};

/* An NVML event (XID, ECC) seen since the previous sample. */
enum migctl_event_kind {
	MIGCTL_EVENT_XID = 0,
	MIGCTL_EVENT_ECC_SBE = 1,
	MIGCTL_EVENT_ECC_DBE = 2,
	MIGCTL_EVENT_OTHER = 3,
};

struct migctl_sample_event {
	enum migctl_event_kind kind;
	unsigned gpu_index;
	unsigned gi_id, ci_id;             /* MIGCTL_ID_NONE: the whole GPU */
	uint64_t data;                     /* the XID for XID events */
};

/* One sample of the node. Owned by the caller (migctl_sample_free); it
 * does not point into the sampler, so it may outlive the next take and be
 * handed to another thread. */
struct migctl_sample {
	uint64_t seq;                      /* 1, 2, ... per sampler */
	uint64_t time_ns;                  /* CLOCK_REALTIME at the take */
	uint64_t mono_ns;                  /* CLOCK_MONOTONIC at the take */
	double interval_s;                 /* since the previous take; 0 first */
	const unsigned *fields;            /* the sampler's fields, n_fields */
	size_t n_fields;
	/* GPU first, then by (GPU index, GI ID, GI before its CIs, CI ID):
	 * dcgmi dmon's row order (reference/dcgm.md §1.1). */
	struct migctl_entity *entities;
	size_t n_entities;
	struct migctl_sample_event *events;
	size_t n_events;
	void *priv;                        /* storage; do not touch */
};

/* The value of `field` on entity `e`; NULL if the sample was not asked
 * for that field. */
const struct migctl_value *migctl_entity_value(const struct migctl_entity *e,
					       unsigned field);

/* An entity of a sample by kind and entity ID; NULL if absent. */
const struct migctl_entity *migctl_sample_find(const struct migctl_sample *s,
					       enum migctl_entity_kind kind, unsigned id);

/* An entity by MIG identity: GPU index, GI ID (MIGCTL_ID_NONE: the GPU)
 * and CI ID (MIGCTL_ID_NONE: the GI); NULL if absent. */
const struct migctl_entity *migctl_sample_find_mig(const struct migctl_sample *s,
						   unsigned gpu_index, unsigned gi_id,
						   unsigned ci_id);

void migctl_sample_free(struct migctl_sample *s);

/* --- the sampler --------------------------------------------------------------- */

struct migctl_sampler;

struct migctl_sampler_options {
	/* Fields to read, by DCGM ID (NULL: every field of migctl_fields).
	 * Copied. Unknown IDs fail MIGCTL_ERR_USAGE. */
	const unsigned *fields;
	size_t n_fields;
	/* Subscribe to XID and ECC events (nvmlEventSet*) so that samples
	 * carry them and XIDER has a value. */
	bool events;
	/* When set, a GPU that cannot be read is left out of the take and
	 * reported here, and the other GPUs are sampled
	 * (migctl_node_refresh_tolerant); when NULL such a GPU fails the
	 * take. */
	migctl_gpu_error_fn on_gpu_error;
	void *error_ctx;
};

/* Open a sampler on `node` (open, borrowed: it must outlive the sampler;
 * the sampler refreshes it at every take). `opts` may be NULL. */
enum migctl_err migctl_sampler_open(struct migctl_sampler **out, struct migctl_node *node,
				    const struct migctl_sampler_options *opts,
				    struct migctl_error *err);

/* Take a sample: refresh the node's layout, read every field of every
 * entity, keep what GPM needs for the next take. *out receives a sample
 * that the caller frees with migctl_sample_free. GPM fields of an entity
 * are MIGCTL_NA_FIRST_SAMPLE at the first take that sees it: take one
 * sample, wait an interval, take the next (what dmon does). Errors: the
 * node's refresh errors (with on_gpu_error, only a node whose GPUs cannot
 * be counted); per-value NVML errors are NA values, not errors. */
enum migctl_err migctl_sampler_take(struct migctl_sampler *s, struct migctl_sample **out,
				    struct migctl_error *err);

/* Free the sampler (GPM samples, event sets); the node stays open. */
void migctl_sampler_free(struct migctl_sampler *s);

/* --- entity specs (dmon -i) --------------------------------------------------- */

/* One item of an entity spec. */
enum migctl_spec_kind {
	MIGCTL_SPEC_GPU = 0,               /* "0", "gpu:0", "g:{0-2}" */
	MIGCTL_SPEC_GI = 1,                /* "i:7", "instance:{7-8}" */
	MIGCTL_SPEC_CI = 2,                /* "ci:8", "c:8", "compute_instance:8" */
	MIGCTL_SPEC_PATH = 3,              /* "1/2", "1/2/0"; "*" for any part */
	MIGCTL_SPEC_UUID = 4,              /* "GPU-<uuid>" or "MIG-<uuid>" */
};

#define MIGCTL_SPEC_ANY 0xFFFFFFFEu        /* "*" in a path */

struct migctl_spec_item {
	enum migctl_spec_kind kind;
	unsigned lo, hi;                   /* entity IDs lo..hi (GPU/GI/CI) */
	/* PATH: GPU index, GI ID, CI ID; each may be MIGCTL_SPEC_ANY; depth
	 * 1 (GPU), 2 (GI) or 3 (CI). */
	unsigned path[3];
	unsigned depth;
	char uuid[96];                     /* UUID: a GPU or MIG device UUID */
};

struct migctl_entity_spec {
	struct migctl_spec_item *items;    /* owned */
	size_t n_items;
	bool all;                          /* empty text or "-1": every GPU
	                                    * (dcgmi's default: GPUs only) */
};

/* Parse dcgmi's entity syntax (reference/dcgm.md §1.2): comma-separated
 * items, each a GPU index, a prefix ("gpu:"/"g:", any prefix starting with
 * "i" for GIs, with "c" for CIs) and an ID or a `{a-b,c}` range, or a
 * hierarchy path with `*`. MIGCTL_ERR_USAGE naming the bad item on error
 * (nothing allocated). Release with migctl_entity_spec_release. */
enum migctl_err migctl_entity_spec_parse(const char *text, struct migctl_entity_spec *spec,
					 struct migctl_error *err);

void migctl_entity_spec_release(struct migctl_entity_spec *spec);

/* Whether `e` is selected by `spec`. */
bool migctl_entity_spec_match(const struct migctl_entity_spec *spec,
			      const struct migctl_entity *e);

/* Check that every item of `spec` selects at least one entity of `s`:
 * MIGCTL_ERR_NOT_FOUND naming the first that selects none and listing what
 * exists ("no GPU instance i:9; GPU instances here: i:7 (GPU 1 GI 1
 * 3g.40gb), ..."). */
enum migctl_err migctl_entity_spec_check(const struct migctl_entity_spec *spec,
					 const struct migctl_sample *s,
					 struct migctl_error *err);

#endif
