/* migctl CLI — what command files share. Command files parse arguments and
 * print; the logic they call lives in the library (include/migctl). */
#ifndef MIGCTL_CLI_H
#define MIGCTL_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "migctl/apply.h"
#include "migctl/catalog.h"
#include "migctl/config.h"
#include "migctl/error.h"
#include "migctl/geometry.h"
#include "migctl/lock.h"
#include "migctl/node.h"
#include "util/list.h"

enum cli_output { CLI_TEXT, CLI_JSON };

struct cli {
	const char *prog;          /* "migctl" */
	const char *catalog_file;  /* --catalog FILE, or NULL */
	enum cli_output output;
	struct migctl_catalog catalog;
	bool catalog_loaded;
	bool simulate;             /* --sim[=DIR] or MIGCTL_SIM=1 */
	const char *sim_state;     /* DIR of --sim=DIR, or NULL */
	struct migctl_node node;
	bool node_open;
	long lock_wait_ms;         /* --wait[=SECONDS]: 0 refuses at once,
	                            * < 0 waits for as long as it takes */
	struct migctl_lock lock;   /* the node lock, while `locked` */
	bool locked;
};

/* Long options every command accepts (besides its own). */
#define CLI_COMMON_LONG_OPTIONS                                    \
	{"output", required_argument, NULL, 'o'},                  \
	{"catalog", required_argument, NULL, 'C'},                 \
	{"help", no_argument, NULL, 'h'},                          \
	{"wait", optional_argument, NULL, 'W'}

/* Handle an option from CLI_COMMON_LONG_OPTIONS (-o, --catalog, --wait). Returns
 * 1 if handled, 0 if not one of them, or a negative value on a bad
 * argument. */
int cli_common_option(struct cli *cli, int opt, const char *arg);

/* What every command does with an option from getopt_long: the common
 * options, -h (prints `usage`), and unknown options or bad values (a usage
 * error naming `cmd`). Returns CLI_OPT_NEXT when handled, CLI_OPT_MINE when
 * the command must handle `opt` itself, else the exit status to return. */
#define CLI_OPT_NEXT (-2)
#define CLI_OPT_MINE (-1)
int cli_option(struct cli *cli, const char *cmd, const char *usage, int opt,
	       const char *arg);

/* Take the node lock (include/migctl/lock.h) for a command that changes
 * the node; once per run, kept until the process exits. The file is
 * "migctl.lock" next to the simulator's state on the simulator (where the
 * default journal is), /run/migctl/migctl.lock on a real node. Needs the
 * open node. --wait decides how long a held lock is waited for. */
enum migctl_err cli_lock(struct cli *cli, struct migctl_error *err);

/* Load the built-in catalog plus --catalog FILE (once). */
enum migctl_err cli_catalog(struct cli *cli, struct migctl_error *err);

/* Resolve a model name from the command line. */
const struct migctl_gpu_model *cli_model(struct cli *cli, const char *query,
					 struct migctl_error *err);

/* Open the node (NVML or the simulator) once and read it; later calls
 * return the same node. On error prints nothing and fills `err`. */
enum migctl_err cli_node(struct cli *cli, struct migctl_error *err);

/* Print "migctl: error: MSG" to stderr and return the code (exit status). */
int cli_report(const struct cli *cli, const struct migctl_error *err);

/* Print a usage error and the hint to run --help; returns MIGCTL_ERR_USAGE. */
int cli_usage_error(const struct cli *cli, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print JSON to stdout (indented, trailing newline) and drop the reference. */
int cli_print_json(json_t *value);

/* JSON of a placement set: {"size": 2, "starts": [0, 2, 4]}. */
json_t *cli_json_placements(const struct migctl_placement_set *set);

/* nvidia-smi formats (cli/smi_format.c). `free[i]` is the Free count of
 * model->gi[i]. */
void smi_print_lgip(FILE *out, unsigned gpu, const struct migctl_gpu_model *model,
		    const unsigned *free);
void smi_print_lgipp(FILE *out, unsigned gpu, const struct migctl_gpu_model *model);

/* The pieces of -lgip, for one table over several GPUs: the wide table
 * (two more columns) when a profile name needs it. */
bool smi_lgip_wide(const struct migctl_gpu_model *model);
void smi_print_lgip_header(FILE *out, bool wide);
void smi_print_lgip_rows(FILE *out, unsigned gpu, const struct migctl_gpu_model *model,
			 const unsigned *free, bool wide);

/* -lgi (same width rule as -lgip), -lci, -lcip, -lcipp. Each row printer
 * prints its row and the rule under it; names are without "MIG ". */
void smi_print_lgi_header(FILE *out, bool wide);
void smi_print_lgi_row(FILE *out, bool wide, unsigned gpu, const char *profile_name,
		       unsigned profile_id, unsigned gi_id, struct migctl_placement placement);
void smi_print_lci_header(FILE *out);
void smi_print_lci_row(FILE *out, unsigned gpu, unsigned gi_id, const char *profile_name,
		       unsigned profile_id, unsigned ci_id, struct migctl_placement placement);
void smi_print_lcip_header(FILE *out);
void smi_print_lcip_row(FILE *out, unsigned gpu, unsigned gi_id,
			const struct migctl_gi_profile *gi, const struct migctl_ci_profile *ci,
			unsigned free);
void smi_print_lcipp(FILE *out, unsigned gpu, unsigned gi_id, const struct migctl_gi_profile *gi);

/* A GPU's MIG devices (one per CI) in MIG-device index order. */
struct smi_mig_ref {
	const struct migctl_gi_state *gi;
	const struct migctl_ci_state *ci;
};
size_t smi_mig_devices(const struct migctl_gpu_state *gpu, struct smi_mig_ref *out, size_t cap);

/* nvidia-smi -L lines of one GPU and its MIG devices. */
void smi_print_list(FILE *out, const struct migctl_gpu_state *gpu);

/* Plain nvidia-smi: the timestamp line (if non-NULL), the GPU table, the
 * MIG devices table (when a GPU has MIG on) and the processes table. */
void smi_print_status(FILE *out, const struct migctl_node *node,
		      struct migctl_gpu_state *const *gpus, size_t n, const char *timestamp);

/* --- helpers of the node commands (cli/node_util.c) -------------------- */

/* Open the node and select GPUs by a comma list of indices, UUIDs or PCI
 * bus IDs (`list` NULL: every GPU, in index order); duplicates once. */
enum migctl_err cli_select_gpus(struct cli *cli, const char *list,
				struct migctl_gpu_state **out, size_t *n,
				struct migctl_error *err);
/* Keep only the GPUs with MIG enabled (in place), as nvidia-smi mig does
 * without -i; returns how many. With none the list is left as it was. */
size_t cli_keep_mig_enabled(struct migctl_gpu_state **gpus, size_t n);
/* Processes on the GPU / GI / CI (MIGCTL_ID_NONE = any), counted or as
 * "1234 (python), 99". */
size_t cli_count_procs(const struct migctl_gpu_state *gpu, unsigned gi, unsigned ci);
void cli_format_pids(const struct migctl_gpu_state *gpu, unsigned gi, unsigned ci,
		     char *buf, size_t len);
/* "--sim=DIR " (or "") to repeat in suggested commands. */
const char *cli_sim_flag(const struct cli *cli);
/* JSON pieces. */
json_t *cli_json_placement(struct migctl_placement p);
json_t *cli_json_process(const struct migctl_process *p);
json_t *cli_json_error(const struct migctl_error *err);
/* The GPU's MIG devices (CIs) in MIG device order; and a CI's GI. */
size_t cli_mig_devices(const struct migctl_gpu_state *gpu,
		       const struct migctl_ci_state **out, size_t cap);
const struct migctl_gi_state *cli_gi_of(const struct migctl_gpu_state *gpu,
					const struct migctl_ci_state *ci);

/* Put "GPU N: " before a library message that does not name its GPU. */
void cli_prefix_gpu(struct migctl_error *err, unsigned gpu);

/* --- declarative layouts (cli/cmd_apply.c, cli/hooks.c, cli/parted.c) -- */

/* Hooks of one apply: the parsed file and the MIG_PARTED_* variables
 * ("NAME=value", NULL-terminated) every hook command gets. */
struct hook_runner {
	const struct migctl_hooks *hooks;
	const char *file;
	char *const *vars;
	bool show_output;          /* hook stdout/stderr go to our stderr */
};
/* migctl_apply_hook_fn over a struct hook_runner. */
enum migctl_err hook_run(enum migctl_hook_point point, void *ctx, struct migctl_error *err);

/* One apply/assert/restore request, from migctl's flags or from
 * nvidia-mig-parted's flags and MIG_PARTED_* variables. */
struct apply_req {
	const char *config_file;   /* -f; "-" is standard input */
	const char *label;         /* -c; NULL: the only one */
	const char *hooks_file;    /* -k */
	const char *journal;       /* --journal; NULL: the default */
	const char *unmatched;     /* --unmatched; NULL: the config's policy */
	bool dry_run, force, skip_reset, mode_only, valid_only;
	bool parted;               /* print nvidia-mig-parted's messages */
	bool debug;                /* -d: hook output is shown */
};
/* Parse the flags `allowed` (getopt letters; long-only --force, --unmatched
 * and --journal as 'F', 'G', 'H') of one of apply/assert/restore/recover/
 * checkpoint into `req` (cli/apply_run.c). Returns CLI_OPT_NEXT when the
 * command should run, else the exit status. */
int cli_parse_apply_req(struct cli *cli, const char *cmd, const char *usage,
			const char *allowed, int argc, char **argv, struct apply_req *req);
/* Print an apply/restore/recover/assert report (text or JSON), with the
 * error `err` when `rc` is not 0; `verb` names the command. */
void cli_print_apply_report(struct cli *cli, const struct migctl_apply_report *rep, bool dry,
			    enum migctl_err rc, const struct migctl_error *err, const char *verb);
/* The journal file of an apply or recover: --journal, else on the
 * simulator "<state dir>/migctl-journal.jsonl" (the state of --sim=DIR or
 * $MIGSIM_STATE, else $XDG_RUNTIME_DIR/migsim, else /tmp/migsim-UID),
 * else $MIGCTL_JOURNAL, else /var/lib/migctl/journal.jsonl. Needs the open
 * node; returns req->journal or `buf`. */
const char *cli_journal_path(const struct cli *cli, const struct apply_req *req, char *buf,
			     size_t len);
/* migctl_evict_fn of --force: SIGTERM, 5 s, SIGKILL, 5 s, then busy. */
enum migctl_err cli_evict(void *ctx, unsigned round, const unsigned *pids, size_t n,
			  long *wait_ms, struct migctl_error *err);
int cli_apply(struct cli *cli, const struct apply_req *req);
int cli_assert(struct cli *cli, const struct apply_req *req);
int cli_restore(struct cli *cli, const struct apply_req *req);
int cli_export(struct cli *cli, const char *label, bool json, bool placements);
int cli_checkpoint(struct cli *cli, const char *file);
/* Default layouts for catalog `models` (comma list) or, with NULL, the
 * node's MIG-capable GPUs, written to `file` (NULL or "-": stdout) as
 * YAML or, with `json`, as JSON. */
int cli_generate_config(struct cli *cli, const char *models, const char *file, bool json);

/* Commands. argv[0] is the command name. */
int cmd_catalog(struct cli *cli, int argc, char **argv);
int cmd_layouts(struct cli *cli, int argc, char **argv);
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_status(struct cli *cli, int argc, char **argv);
int cmd_mode(struct cli *cli, int argc, char **argv);
int cmd_profiles(struct cli *cli, int argc, char **argv);
int cmd_create(struct cli *cli, int argc, char **argv);
int cmd_destroy(struct cli *cli, int argc, char **argv);
int cmd_plan(struct cli *cli, int argc, char **argv);
int cmd_apply(struct cli *cli, int argc, char **argv);
int cmd_assert(struct cli *cli, int argc, char **argv);
int cmd_export(struct cli *cli, int argc, char **argv);
int cmd_checkpoint(struct cli *cli, int argc, char **argv);
int cmd_restore(struct cli *cli, int argc, char **argv);
int cmd_recover(struct cli *cli, int argc, char **argv);
int cmd_config(struct cli *cli, int argc, char **argv);

/* The nvidia-mig-parted personality (cli/parted.c): argv as
 * nvidia-mig-parted gets it, argv[0] included. */
int parted_main(struct cli *cli, int argc, char **argv);

/* The nvidia-smi personality (cli/smi.c): argv as nvidia-smi gets it,
 * argv[0] included. Returns nvidia-smi's exit status. */
int smi_main(struct cli *cli, int argc, char **argv);

#endif
