/* migctl — the GPU model catalog.
 *
 * The catalog knows every MIG-capable GPU model: its PCI device IDs, memory,
 * placement-unit count, and every GPU-instance (GI) profile with its
 * compute-instance (CI) profiles. The data lives in data/catalog/ YAML files
 * (format: docs/catalog-format.md), is embedded into the binary at build
 * time, and can be extended or overridden by a user file.
 *
 * Pure module: no printing, no globals besides the embedded data.
 */
#ifndef MIGCTL_CATALOG_H
#define MIGCTL_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migctl/error.h"

/* Placement units are bits of a 32-bit mask; real GPUs use 4, 8 or 12. */
#define MIGCTL_MAX_UNITS 32
#define MIGCTL_MAX_PCI_IDS 8
#define MIGCTL_MAX_ALIASES 8
#define MIGCTL_NAME_MAX 64
#define MIGCTL_MAX_PROFILES 32      /* GI profiles per model, CI per GI */

/* A placement: `size` consecutive units starting at `start`. For a GI the
 * units are the GPU's placement units (memory slices on A100/H100); for a CI
 * they are the compute slices of its GI. */
struct migctl_placement {
	unsigned start;
	unsigned size;
};

static inline bool migctl_placement_equal(struct migctl_placement a, struct migctl_placement b)
{
	return a.start == b.start && a.size == b.size;
}

/* The placements a profile may take: every start in `starts`, all of the
 * same `size` (nvidia-smi prints this as "{0,2,4}:2"). */
struct migctl_placement_set {
	unsigned size;
	unsigned n_starts;
	unsigned starts[MIGCTL_MAX_UNITS];
};

enum migctl_arch {
	MIGCTL_ARCH_UNKNOWN = 0,
	MIGCTL_ARCH_AMPERE,
	MIGCTL_ARCH_HOPPER,
	MIGCTL_ARCH_BLACKWELL,
};

struct migctl_ci_profile {
	unsigned id;                  /* NVML CI profile ID (= CI index) */
	char name[MIGCTL_NAME_MAX];   /* "1c.3g.40gb", without "MIG " */
	unsigned slices;              /* compute slices (placement size) */
	unsigned sm;                  /* multiprocessors */
	unsigned max;                 /* instance count in an empty GI */
	bool is_default;              /* '*' in nvidia-smi -lcip */
	bool confirmed;               /* false: reference marks it unconfirmed */
	struct migctl_placement_set placements;
};

struct migctl_gi_profile {
	unsigned id;                  /* NVML profile ID (nvidia-smi "ID") */
	unsigned nvml_index;          /* NVML_GPU_INSTANCE_PROFILE_* index */
	char name[MIGCTL_NAME_MAX];   /* "3g.40gb", without "MIG " */
	unsigned compute_slices;
	uint64_t memory_mib;
	unsigned sm, ce, dec, enc, jpg, ofa;
	unsigned max;                 /* instance count on an empty GPU */
	bool confirmed;
	struct migctl_placement_set placements;
	struct migctl_ci_profile *ci;
	size_t n_ci;
};

struct migctl_gpu_model {
	char name[MIGCTL_NAME_MAX];   /* NVML device name, "NVIDIA A100 80GB PCIe" */
	char aliases[MIGCTL_MAX_ALIASES][MIGCTL_NAME_MAX];
	size_t n_aliases;
	unsigned pci_device_ids[MIGCTL_MAX_PCI_IDS]; /* 16-bit device IDs */
	size_t n_pci_device_ids;
	enum migctl_arch arch;
	uint64_t memory_mib;          /* total memory as NVML reports it */
	unsigned sm_count;            /* SMs of the whole GPU (MIG disabled) */
	unsigned units;               /* placement units (4, 8, 12) */
	unsigned compute_slices;      /* compute slices of the whole GPU */
	char min_driver[32];
	bool confirmed;
	char source[MIGCTL_NAME_MAX * 2]; /* "data/catalog/ampere.yaml:12" */
	struct migctl_gi_profile *gi;
	size_t n_gi;
};

struct migctl_catalog {
	struct migctl_gpu_model *models;
	size_t n_models;
};

/* Initialise an empty catalog. */
void migctl_catalog_init(struct migctl_catalog *cat);

/* Free everything the catalog owns; it is empty afterwards. */
void migctl_catalog_release(struct migctl_catalog *cat);

/* Load the built-in catalog into `cat`, which must be empty: a copy of the
 * C tables compiled at build time from the data/catalog/ YAML files (no YAML
 * is parsed). On error `cat` is left empty. */
enum migctl_err migctl_catalog_load_builtin(struct migctl_catalog *cat,
					    struct migctl_error *err);

/* Parse catalog YAML from memory. `origin` names the text in messages
 * ("file:line: ..."). Models are added to `cat`; with `override` a model
 * whose name matches an existing one replaces it, without it a clash is an
 * error. Every check runs before `cat` changes: on error `cat` is as before. */
enum migctl_err migctl_catalog_load_buffer(struct migctl_catalog *cat,
					   const char *origin,
					   const char *text, size_t len,
					   bool override,
					   struct migctl_error *err);

/* Read FILE and load it with override (what `--catalog FILE` does). */
enum migctl_err migctl_catalog_load_file(struct migctl_catalog *cat,
					 const char *path,
					 struct migctl_error *err);

/* Find a model by NVML name (with or without the "NVIDIA " prefix), alias
 * or PCI device ID ("0x20B5", "20b5", "0x20B510DE"). Names compare
 * case-insensitively, ignoring spaces, '-' and '_'. Returns NULL and fills
 * `err` (MIGCTL_ERR_UNKNOWN_MODEL, with suggestions) when nothing matches. */
const struct migctl_gpu_model *
migctl_catalog_find_model(const struct migctl_catalog *cat, const char *query,
			  struct migctl_error *err);

/* Find a model by 16-bit PCI device ID; NULL if none. */
const struct migctl_gpu_model *
migctl_catalog_find_pci(const struct migctl_catalog *cat, unsigned device_id);

/* Find a GI profile by ID ("9"), name ("3g.40gb") or NVML name
 * ("MIG 3g.40gb"), case-insensitively. NULL and MIGCTL_ERR_UNKNOWN_PROFILE
 * (listing the model's profiles) when nothing matches. */
const struct migctl_gi_profile *
migctl_model_find_gi_profile(const struct migctl_gpu_model *model,
			     const char *query, struct migctl_error *err);

/* "did you mean" for a mistyped GI profile name of `model`: writes
 * "; did you mean \"1g.5gb\"?" (every close name), or "" when none is
 * close, into `buf`. */
void migctl_model_profile_hint(const struct migctl_gpu_model *model, const char *query,
			       char *buf, size_t len);

/* Parse a comma-separated list of GI profiles as nvidia-smi -cgi takes it
 * ("9,3g.40gb,MIG 3g.40gb"; spaces around items are ignored). Writes the
 * profiles' indices in model->gi to `out` (at most `cap`) and their number
 * to `n`. Empty items, unknown profiles and overlong lists are errors. */
enum migctl_err migctl_model_parse_gi_profile_list(const struct migctl_gpu_model *model,
						   const char *list, size_t *out,
						   size_t cap, size_t *n,
						   struct migctl_error *err);

/* GI profile with this NVML profile ID; NULL if none. */
const struct migctl_gi_profile *
migctl_model_gi_profile_by_id(const struct migctl_gpu_model *model,
			      unsigned id);

/* CI profile of a GI profile by ID or name; NULL and an error if none. */
const struct migctl_ci_profile *
migctl_gi_profile_find_ci_profile(const struct migctl_gi_profile *gi,
				  const char *query, struct migctl_error *err);

/* The default CI profile of a GI profile (the one covering the whole GI). */
const struct migctl_ci_profile *
migctl_gi_profile_default_ci(const struct migctl_gi_profile *gi);

/* "ampere", "hopper", "blackwell", "unknown". */
const char *migctl_arch_name(enum migctl_arch arch);

/* Parse nvidia-smi placement notation "{0,2,4}:2" (also "{0}:8").
 * `max_units` bounds start+size. */
enum migctl_err migctl_placement_set_parse(const char *text,
					   unsigned max_units,
					   struct migctl_placement_set *out,
					   struct migctl_error *err);

/* Format a placement set as nvidia-smi does: "{0,2,4}:2". Returns the
 * length snprintf would have written. */
int migctl_placement_set_format(const struct migctl_placement_set *set,
				char *buf, size_t len);

#endif
