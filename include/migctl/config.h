/* migctl — declarative MIG configs: nvidia-mig-parted's `version: v1`
 * format, its hooks file, and migctl's documented extensions.
 *
 * The format (reference/mig-parted.md §1):
 *
 *   version: v1
 *   mig-configs:
 *     LABEL:
 *       - devices: all | [0, 1, ...]
 *         device-filter: "0x20B510DE" | ["0x20B510DE", "0x233010DE:0x16C110DE"]
 *         mig-enabled: true | false
 *         mig-devices: {"1g.10gb": 2, "1c.3g.40gb": 3, ...}
 *
 * Extensions (rejected by nvidia-mig-parted, so a file that uses them is
 * migctl-only):
 *   - `devices` list items may be GPU UUIDs ("GPU-…") or PCI bus IDs
 *     ("00000000:07:00.0", "07:00.0") besides indices;
 *   - `migctl-placements: ["3g.40gb@4", "1g.10gb@0"]` in a spec pins GIs
 *     of the named GI profile (or of a CI profile's GI) at those starts;
 *   - top-level `migctl-unmatched: leave | disable`: what happens to GPUs
 *     that no spec of the selected config matches (default `leave`, as
 *     mig-parted does); apply and assert follow the same policy.
 *
 * Parsing checks everything mig-parted checks at parse time, with its
 * messages, plus duplicate keys and labels; resolving against the GPUs
 * of a node (migctl_config_resolve) checks what mig-parted only finds at
 * apply time, or never: profiles that do not exist on a GPU's model,
 * device indices beyond the node, MIG requested on a GPU without MIG.
 *
 * Pure module: no I/O except migctl_config_load_file / hooks_load_file.
 */
#ifndef MIGCTL_CONFIG_H
#define MIGCTL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migctl/catalog.h"
#include "migctl/error.h"
#include "migctl/layout.h"

/* A GPU named in `devices:`. */
enum migctl_device_ref_kind {
	MIGCTL_DEVICE_INDEX,
	MIGCTL_DEVICE_UUID,
	MIGCTL_DEVICE_BUS_ID,
};

struct migctl_device_ref {
	enum migctl_device_ref_kind kind;
	unsigned index;               /* MIGCTL_DEVICE_INDEX */
	char text[96];                /* UUID or bus ID as written */
};

/* `0xDDDDVVVV` or `0xDDDDVVVV:0xSSSSVVVV` (subsystem device and vendor). */
struct migctl_device_filter {
	uint32_t pci_id;              /* device << 16 | vendor */
	bool has_subsystem;
	uint32_t subsystem_id;        /* subsystem device << 16 | vendor */
};

/* A profile string of mig-parted's grammar,
 * [<C>c.]<G>g.<GB>gb[+attr[,attr]][-negattr]. */
struct migctl_profile_name {
	unsigned ci_slices;           /* C; 0 when the "Nc." prefix is absent */
	unsigned gi_slices;           /* G */
	unsigned memory_gb;           /* GB */
	char attrs[32];               /* "+me", "+me.all", "+gfx", "-me", "" */
};

struct migctl_config_count {
	char profile[MIGCTL_NAME_MAX]; /* as written, "1c.3g.40gb" */
	struct migctl_profile_name parsed;
	unsigned count;
	unsigned line;
};

struct migctl_config_pin {
	char profile[MIGCTL_NAME_MAX];
	unsigned start;
	unsigned line;
};

struct migctl_config_spec {
	bool all_devices;
	struct migctl_device_ref *devices;
	size_t n_devices;
	struct migctl_device_filter *filters; /* empty: every GPU */
	size_t n_filters;
	bool mig_enabled;
	struct migctl_config_count *mig_devices; /* in file order */
	size_t n_mig_devices;
	struct migctl_config_pin *pins;
	size_t n_pins;
	unsigned line;
};

struct migctl_config_entry {
	char label[128];
	struct migctl_config_spec *specs;
	size_t n_specs;
	unsigned line;
};

enum migctl_unmatched {
	MIGCTL_UNMATCHED_LEAVE = 0,   /* unlisted GPUs are left as they are */
	MIGCTL_UNMATCHED_DISABLE,     /* unlisted GPUs get MIG disabled */
};

struct migctl_config {
	char origin[256];             /* file name for messages */
	struct migctl_config_entry *entries; /* in file order */
	size_t n_entries;
	bool unmatched_set;           /* migctl-unmatched was given */
	enum migctl_unmatched unmatched;
	bool uses_extensions;         /* any migctl-only syntax */
};

void migctl_config_init(struct migctl_config *cfg);
void migctl_config_release(struct migctl_config *cfg);

/* Parse a config from memory. `origin` names it in messages, which read
 * "ORIGIN:LINE: what is wrong" and, where mig-parted has a message for
 * the same fault, contain mig-parted's wording. MIGCTL_ERR_PARSE on any
 * error; `cfg` must be initialised and is left empty on error. */
enum migctl_err migctl_config_parse(struct migctl_config *cfg,
				    const char *origin, const char *text,
				    size_t len, struct migctl_error *err);

/* Read and parse a file; "-" reads standard input. MIGCTL_ERR_IO if it
 * cannot be read. */
enum migctl_err migctl_config_load_file(struct migctl_config *cfg,
					const char *path,
					struct migctl_error *err);

/* The entry of `label`; with label NULL the only entry. Errors:
 * MIGCTL_ERR_USAGE "missing required flag 'selected-config' when more
 * than one config available" (and the labels), MIGCTL_ERR_NOT_FOUND
 * "selected mig-config not present: LABEL" (and the labels). */
const struct migctl_config_entry *
migctl_config_select(const struct migctl_config *cfg, const char *label,
		     struct migctl_error *err);

/* Check a profile string against mig-parted's grammar (no model needed).
 * MIGCTL_ERR_PARSE with the reason. */
enum migctl_err migctl_profile_name_parse(const char *text,
					  struct migctl_profile_name *out,
					  struct migctl_error *err);

/* Parse a PCI ID filter string. MIGCTL_ERR_PARSE with the reason. */
enum migctl_err migctl_device_filter_parse(const char *text,
					   struct migctl_device_filter *out,
					   struct migctl_error *err);

/* A GPU of the node as config matching sees it. */
struct migctl_config_gpu {
	unsigned index;
	const char *uuid;
	const char *bus_id;           /* "00000000:07:00.0" */
	uint32_t pci_id;              /* device << 16 | vendor */
	uint32_t subsystem_id;
	bool mig_capable;
	const struct migctl_gpu_model *model; /* live profiles; NULL if none */
};

/* What the selected entry asks of one GPU. */
struct migctl_gpu_plan {
	bool matched;                 /* a spec matched it */
	bool managed;                 /* apply/assert look at it: matched, or
	                               * unmatched under the `disable` policy */
	unsigned spec_line;           /* line of the deciding spec; 0 if none */
	struct migctl_gpu_target target;
};

/* Resolve `entry` against the GPUs of a node: per GPU, the last spec that
 * matches (device filter and devices) decides, as in mig-parted; GPUs no
 * spec matches follow `unmatched`. Every profile string is resolved on
 * each GPU's own model (the same name may be another profile ID, or
 * missing, on another model). `out` has one element per GPU. Errors,
 * each naming the GPU, the spec's line and the fix:
 *   MIGCTL_ERR_UNKNOWN_PROFILE   a profile the GPU's model lacks (listing
 *                                the model's profiles);
 *   MIGCTL_ERR_NOT_FOUND         a device index, UUID or bus ID that is
 *                                not on the node;
 *   MIGCTL_ERR_NOT_SUPPORTED     mig-enabled: true on a GPU without MIG
 *                                named explicitly (under `all`, such GPUs
 *                                are skipped, as in mig-parted);
 *   MIGCTL_ERR_INVALID_PLACEMENT a pin at a start its profile lacks on the
 *                                GPU's model (a pin whose profile the spec
 *                                does not ask for is a parse error).
 * Feasibility of the counts is checked by migctl_transition_plan. */
enum migctl_err migctl_config_resolve(const struct migctl_config_entry *entry,
				      enum migctl_unmatched unmatched,
				      const struct migctl_config_gpu *gpus,
				      size_t n_gpus,
				      struct migctl_gpu_plan *out,
				      struct migctl_error *err);

/* --- hooks (mig-parted hooks v1) --------------------------------------- */

enum migctl_hook_point {
	MIGCTL_HOOK_APPLY_START,
	MIGCTL_HOOK_PRE_APPLY_MODE,
	MIGCTL_HOOK_PRE_APPLY_CONFIG,
	MIGCTL_HOOK_APPLY_EXIT,
	MIGCTL_HOOK_POINTS
};

/* "apply-start", ... */
const char *migctl_hook_point_name(enum migctl_hook_point p);

struct migctl_hook_env {
	char *name;
	char *value;
};

struct migctl_hook_command {
	char *command;
	char **args;                  /* n_args strings */
	size_t n_args;
	struct migctl_hook_env *envs;
	size_t n_envs;
	char *workdir;                /* NULL: the caller's directory */
	unsigned line;
};

struct migctl_hooks {
	struct migctl_hook_command *commands[MIGCTL_HOOK_POINTS];
	size_t n_commands[MIGCTL_HOOK_POINTS];
};

void migctl_hooks_init(struct migctl_hooks *hooks);
void migctl_hooks_release(struct migctl_hooks *hooks);

/* Parse a hooks file (`version: v1`, `hooks: {NAME: [{command, args,
 * envs, workdir}]}`). Unknown hook names and keys are errors.
 * MIGCTL_ERR_PARSE, "ORIGIN:LINE: ..."; `hooks` is empty on error. */
enum migctl_err migctl_hooks_parse(struct migctl_hooks *hooks,
				   const char *origin, const char *text,
				   size_t len, struct migctl_error *err);
enum migctl_err migctl_hooks_load_file(struct migctl_hooks *hooks,
				       const char *path,
				       struct migctl_error *err);

/* --- generate ---------------------------------------------------------- */

/* One GPU kind for config generation. */
struct migctl_generate_gpu {
	const struct migctl_gpu_model *model;
	uint32_t pci_id;              /* device << 16 | vendor */
};

/* Write a `version: v1` config with the default named layouts for these
 * GPUs into a malloc'ed string (*out, caller frees): `all-disabled`,
 * `all-enabled`, `all-balanced` (2 x 1g + 1 x 2g + 1 x 3g on 7-slice GPUs,
 * 2 x 1g + 1 x 2g on 4-slice GPUs, from the base profile with the most
 * instances of each size, as mig-parted's generator does), and one
 * `all-<profile>` per GI profile at its instance limit ('+' becomes '.'
 * in the label). `device-filter`s are written when the GPUs have more
 * than one PCI ID. Models may repeat; duplicates are merged. */
enum migctl_err migctl_config_generate(const struct migctl_generate_gpu *gpus,
				       size_t n_gpus, char **out,
				       struct migctl_error *err);

struct migctl_export;
/* The same config as a data model (include/migctl/export.h) in *x, which
 * is released first; `-o json` writes it with migctl_export_json. */
enum migctl_err migctl_config_generate_model(const struct migctl_generate_gpu *gpus,
					     size_t n_gpus, struct migctl_export *x,
					     struct migctl_error *err);

#endif
