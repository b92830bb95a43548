/* migctl — configs that migctl writes: one data model of a `version: v1`
 * config (labels; specs with devices, device filters, MIG mode, profile
 * counts and placements), built by `migctl export`, `migctl config
 * generate`, `parted generate-config` and `migctl plan -o config`, and
 * written as YAML or as JSON from the same model.
 *
 * GPUs with the same layout share one spec: migctl_export_add merges a
 * spec into an equal one of its label (same MIG mode, counts and
 * placements), adding its devices and device filters there.
 */
#ifndef MIGCTL_EXPORT_H
#define MIGCTL_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "migctl/catalog.h"
#include "migctl/error.h"

struct migctl_export_count {
	char profile[MIGCTL_NAME_MAX];    /* "1g.10gb", "1c.3g.40gb" */
	unsigned count;
};

struct migctl_export_spec {
	uint32_t *filters;                /* device-filter PCI IDs (device << 16 | vendor) */
	size_t n_filters;
	bool all_devices;                 /* devices: all */
	unsigned *devices;                /* else these GPU indices */
	size_t n_devices;
	bool mig_enabled;
	bool has_mig_devices;             /* write mig-devices (`{}` when n_counts is 0) */
	struct migctl_export_count *counts;
	size_t n_counts;
	char (*placements)[MIGCTL_NAME_MAX + 16]; /* "3g.40gb@4" */
	size_t n_placements;
};

struct migctl_export_entry {
	char *label;                      /* owned */
	struct migctl_export_spec *specs;
	size_t n_specs;
};

struct migctl_export {
	struct migctl_export_entry *entries;
	size_t n_entries;
};

void migctl_export_init(struct migctl_export *x);
void migctl_export_release(struct migctl_export *x);

/* A new label at the end (no specs yet; `label` is copied); *out points
 * into `x` until the next add. MIGCTL_ERR_NOMEM when out of memory. */
enum migctl_err migctl_export_add_label(struct migctl_export *x, const char *label,
					struct migctl_export_entry **out,
					struct migctl_error *err);

/* Add spec `s` (its arrays are copied) to label `e`: into the first spec
 * with the same MIG mode, mig-devices and placements, whose devices and
 * filters then gain those of `s` (a filter only once), else as a new spec
 * at the end. */
enum migctl_err migctl_export_add(struct migctl_export_entry *e,
				  const struct migctl_export_spec *s,
				  struct migctl_error *err);

struct migctl_node;
struct migctl_plan;

/* A node's current layout under `label`, one spec per layout (GPUs
 * without MIG left out, "devices: all" when one layout covers every GPU
 * with MIG); placements only when `placements`. *x is released first. */
enum migctl_err migctl_export_node(const struct migctl_node *node, const char *label,
				   bool placements, struct migctl_export *x,
				   struct migctl_error *err);

/* A plan's layout under `label`: one spec per layout, the GPUs by
 * index[g] (NULL: their position in the plan), placements always in the
 * model (the style decides how they are written). *x is released first. */
enum migctl_err migctl_export_plan(const struct migctl_plan *plan, const unsigned *index,
				   const char *label, struct migctl_export *x,
				   struct migctl_error *err);

/* How the YAML looks (the three writers keep their published form). */
struct migctl_export_style {
	const char *comment;              /* whole '#' lines before the document, or NULL */
	bool quote_labels;                /* "current": */
	bool quote_profiles;              /* "1g.10gb": 2 */
	bool flow_mig_devices;            /* mig-devices: {"1g.10gb": 2} */
	bool placements;                  /* migctl-placements: ["3g.40gb@4"] */
	bool placement_comments;          /* else "# placements: 3g.40gb@4" */
};

/* The model as YAML (through libyaml's emitter) into *out (malloc'ed,
 * caller frees). */
enum migctl_err migctl_export_yaml(const struct migctl_export *x,
				   const struct migctl_export_style *style, char **out,
				   struct migctl_error *err);

/* The model as a JSON document (caller decrefs), keys in the YAML's
 * order; placements when `placements`. NULL when out of memory. */
json_t *migctl_export_json(const struct migctl_export *x, bool placements);

#endif
