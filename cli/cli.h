/* migctl CLI — what command files share. Command files parse arguments and
 * print; the logic they call lives in the library (include/migctl). */
#ifndef MIGCTL_CLI_H
#define MIGCTL_CLI_H

#include <getopt.h>
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
#include "migctl/planner.h"
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
	/* What cli_node reads of the node (MIGCTL_NODE_READ_*; 0: all): a
	 * command that only prints sets what it prints before cli_node. */
	unsigned node_read;
	long lock_wait_ms;         /* --wait[=SECONDS]: 0 refuses at once,
	                            * < 0 waits for as long as it takes */
	struct migctl_lock lock;   /* the node lock, while `locked` */
	bool locked;
	const char *format;        /* -o value as given ("yaml", "config"), or NULL */
	struct migctl_error failure; /* the first error reported (JSON errors) */
};

/* --- command descriptors (cli/command.c) ----------------------------------
 * Every command is described once: the dispatcher, the option parser,
 * --help, the man pages and bash completion all read the same descriptor,
 * so they cannot disagree with the code. */

/* What an option's argument (or an operand) completes to. */
enum cli_values {
	CLI_V_NONE,                /* free text: nothing to offer */
	CLI_V_FILE,                /* a file name */
	CLI_V_MODEL,               /* catalog model names, comma list */
	CLI_V_PROFILE,             /* GI profile names, comma list */
	CLI_V_CI_PROFILE,          /* CI profile names, comma list */
	CLI_V_GPU,                 /* GPU indices of the node */
	CLI_V_WORDS,               /* the words in `words` */
};

struct cli_opt {
	const char *name;          /* long name without "--" */
	char letter;               /* short letter, 0: long only */
	int key;                   /* what cli_next_opt returns; 0: `letter`.
				    * Long-only options use 1000..0x3fff (the
				    * common options take 'o', 'h' and above) */
	const char *arg;           /* argument name ("FILE"); NULL: takes none */
	const char *help;          /* lines separated by '\n', no trailing one */
	enum cli_values values;    /* what the argument completes to */
	const char *words;         /* CLI_V_WORDS: space-separated */
	bool required;             /* the command needs it (no [] in the synopsis) */
};

/* Command flags. */
#define CLI_OWN_PARSER 1u          /* personality: argv goes untouched to run */
#define CLI_OPERANDS_LAST 2u       /* options end at the first operand (run CMD -x) */

struct cli_command {
	const char *name;
	const char *summary;       /* one line, for 'migctl --help' */
	const char *operands;      /* synopsis words before the options, or NULL */
	const char *const *forms;  /* NULL, or several synopsis forms (NULL-ended) */
	const char *description;   /* paragraphs under the usage line */
	const char *formats;       /* -o values, first the default: "text json" */
	const char *format_note;   /* printed after the -o formats, or NULL */
	const struct cli_opt *opts;/* ended by an entry with a NULL name */
	const char *epilogue;      /* after the options: exit status, notes */
	enum cli_values operand_values; /* what operands complete to */
	const char *operand_words; /* CLI_V_WORDS: for the first operand */
	int (*run)(struct cli *cli, int argc, char **argv);
	unsigned flags;
};

/* -i GPUS, which the node commands share; `help` says what the default is. */
#define CLI_OPT_GPUS(help) {"id", 'i', 0, "GPUS", "only these GPUs: indices, UUIDs or PCI bus IDs,\n" help, CLI_V_GPU, NULL, false}

/* The descriptors, each in its command's file. */
extern const struct cli_command cli_cmd_catalog, cli_cmd_layouts, cli_cmd_list,
	cli_cmd_status, cli_cmd_mode, cli_cmd_profiles, cli_cmd_create, cli_cmd_destroy,
	cli_cmd_plan, cli_cmd_apply, cli_cmd_assert, cli_cmd_export, cli_cmd_checkpoint,
	cli_cmd_restore, cli_cmd_recover, cli_cmd_config, cli_cmd_smi, cli_cmd_parted;
extern const struct cli_command cli_cmd_dmon;
/* Monitoring: cli/cmd_exporter.c, cli/cmd_top.c. */
extern const struct cli_command cli_cmd_exporter, cli_cmd_top;
extern const struct cli_command cli_cmd_access;
extern const struct cli_command cli_cmd_run, cli_cmd_cdi;
extern const struct cli_command cli_cmd_k8s, cli_cmd_slurm;

/* Every command, in the order 'migctl --help' lists them (cli/commands.c). */
extern const struct cli_command *const cli_commands[];
extern const size_t cli_n_commands;
const struct cli_command *cli_find_command(const char *name);

/* The option scan of one command run; a table holds at most CLI_MAX_OPTS
 * options. */
#define CLI_MAX_OPTS 24
struct cli_parse {
	struct cli *cli;
	const struct cli_command *cmd;
	int argc;
	char **argv;
	const char *arg;           /* the argument of the option just returned */
	int ind;                   /* at the end: index of the first operand */
	int rc;                    /* the exit status at CLI_PARSE_STOP */
	struct option lopts[CLI_MAX_OPTS + 6];
	char shorts[2 * CLI_MAX_OPTS + 10];
};
#define CLI_PARSE_END 0            /* options done: operands from ind */
#define CLI_PARSE_STOP (-1)        /* help printed or usage error: return rc */

/* Start scanning argv (argv[0] is the command name). */
void cli_parse_init(struct cli_parse *p, struct cli *cli, const struct cli_command *cmd,
		    int argc, char **argv);
/* The next option of the command's own table (its key), after handling
 * the common ones (-o, --catalog, --sim, --wait, -h) itself; CLI_PARSE_END or
 * CLI_PARSE_STOP. */
int cli_next_opt(struct cli_parse *p);
/* The whole command line of a command whose only own option is -i GPUS
 * and that takes no operands (list, status). Returns CLI_OPT_NEXT when the
 * command should run, else the exit status. */
int cli_parse_gpu_list(struct cli *cli, const struct cli_command *cmd, int argc, char **argv,
		       const char **ids);
/* Print the command's --help, generated from its descriptor. */
void cli_print_help(FILE *out, const struct cli_command *cmd);
/* Whether the -o value given is `format` ("config"). */
bool cli_format_is(const struct cli *cli, const char *format);

/* Hidden helpers of cli/doc.c: man pages, completion, the exit codes. */
int cli_doc_main(struct cli *cli, int argc, char **argv);
/* "did you mean" for a mistyped command: fills `buf` with "; did you mean
 * 'status'?" or "". */
void cli_suggest_command(const char *name, char *buf, size_t len);

/* cli_parse_apply_req's "go on": the command should run. */
#define CLI_OPT_NEXT (-2)

/* Take the node lock (include/migctl/lock.h) for a command that changes
 * the node; once per run, kept until the process exits. The file is
 * "migctl.lock" next to the simulator's state on the simulator (where the
 * default journal is), /run/migctl/migctl.lock on a real node. Needs the
 * open node. --wait decides how long a held lock is waited for. */
enum migctl_err cli_lock(struct cli *cli, struct migctl_error *err);
/* --wait[=SECONDS] (`arg` NULL: no limit) into cli->lock_wait_ms; -1 for
 * a bad value. */
int cli_set_wait(struct cli *cli, const char *arg);

/* Load the built-in catalog plus --catalog FILE (once). */
enum migctl_err cli_catalog(struct cli *cli, struct migctl_error *err);

/* Resolve a model name from the command line. */
const struct migctl_gpu_model *cli_model(struct cli *cli, const char *query,
					 struct migctl_error *err);

/* Open the node (NVML or the simulator) once and read it; later calls
 * return the same node. On error prints nothing and fills `err`. */
enum migctl_err cli_node(struct cli *cli, struct migctl_error *err);

/* The simulator's state directory: --sim=DIR, else the simulator's own
 * rule (sim/state.c): $MIGSIM_STATE, $XDG_RUNTIME_DIR/migsim,
 * /tmp/migsim-UID. The journal, the CDI list and the simulated driver
 * root live there, and the library reads the machine's driver branch
 * there. Returns `buf` or a string that outlives it. */
const char *cli_sim_state_dir(const struct cli *cli, char *buf, size_t len);

/* Print "migctl: error: MSG" to stderr and return the code (exit status). */
int cli_report(struct cli *cli, const struct migctl_error *err);

/* Print a usage error and the hint to run --help; returns MIGCTL_ERR_USAGE. */
int cli_usage_error(struct cli *cli, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print JSON to stdout (indented, trailing newline) and drop the reference. */
int cli_print_json(json_t *value);
/* Whether cli_print_json has been called in this process. */
bool cli_json_printed(void);
/* A command writes its JSON itself, streamed: count it as printed. */
void cli_json_streamed(void);
/* `plan -o json` (cli/plan_json.c): the plan streamed to `out`, the same
 * document the jansson tree gave; items: the request's demand items;
 * node_index: node GPU index per plan GPU, or NULL. MIGCTL_ERR_NOMEM,
 * with nothing written, for a name that is not UTF-8. */
int cli_plan_json(const struct migctl_plan *plan, const struct migctl_plan_demand *items,
		  const unsigned *node_index, FILE *out);

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
	bool slurm_reconfigure;    /* apply --slurm-reconfigure */
	const char *slurm_restart; /* apply --slurm-restart CMD */
};
/* Parse the flags of one of apply/assert/restore/recover/checkpoint (the
 * options in its descriptor) into `req` (cli/apply_run.c). Returns
 * CLI_OPT_NEXT when the command should run, else the exit status. */
int cli_parse_apply_req(struct cli *cli, const struct cli_command *desc, int argc, char **argv,
			struct apply_req *req);
/* The option entries the apply family shares. */
enum { APPLY_OPT_FORCE = 1000, APPLY_OPT_UNMATCHED, APPLY_OPT_JOURNAL, APPLY_OPT_SLURM,
       APPLY_OPT_SLURM_RESTART };
#define APPLY_OPT_CONFIG(help) {"config-file", 'f', 0, "FILE", "the config; '-' reads standard input", CLI_V_FILE, NULL, true}, \
	{"selected-config", 'c', 0, "LABEL", help, CLI_V_NONE, NULL, false}
#define APPLY_OPT_HOOKS {"hooks-file", 'k', 0, "HOOKS", "mig-parted hooks (apply-start, pre-apply-mode,\npre-apply-config, apply-exit)", CLI_V_FILE, NULL, false}
#define APPLY_OPT_DRY_RUN {"dry-run", 'n', 0, NULL, "print the plan (what is destroyed and why,\nwhat is created where); change nothing", CLI_V_NONE, NULL, false}
#define APPLY_OPT_FORCE_ENTRY(help) {"force", 0, APPLY_OPT_FORCE, NULL, help, CLI_V_NONE, NULL, false}
#define APPLY_OPT_SKIP_RESET {"skip-reset", 's', 0, NULL, "never reset a GPU; a pending mode change exits 18", CLI_V_NONE, NULL, false}
#define APPLY_OPT_UNMATCHED_ENTRY(help) {"unmatched", 0, APPLY_OPT_UNMATCHED, "POLICY", help, CLI_V_WORDS, "leave disable", false}
#define APPLY_OPT_JOURNAL_ENTRY(help) {"journal", 0, APPLY_OPT_JOURNAL, "FILE", help, CLI_V_FILE, NULL, false}
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
/* migctl_evict_fn of --force (cli/evict.c): SIGTERM, 5 s, SIGKILL, 5 s,
 * then busy; a process whose start time is no longer the one the driver's
 * listing recorded (its pid was reused) is not signalled. */
enum migctl_err cli_evict(void *ctx, unsigned round, const struct migctl_process *procs,
			  size_t n, long *wait_ms, struct migctl_error *err);
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
int cmd_exporter(struct cli *cli, int argc, char **argv);
int cmd_top(struct cli *cli, int argc, char **argv);
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
int cmd_access(struct cli *cli, int argc, char **argv);
/* The driver root of a command (cli/cmd_access.c): `root` (--root DIR) if
 * non-NULL, else with --sim the simulator's (in the state directory of
 * --sim=DIR, $MIGSIM_STATE, $XDG_RUNTIME_DIR/migsim or /tmp/migsim-UID),
 * else "/". Returns `root`, `buf` or "/". */
const char *cli_driver_root(const struct cli *cli, const char *root, char *buf, size_t len);
int cmd_recover(struct cli *cli, int argc, char **argv);
int cmd_config(struct cli *cli, int argc, char **argv);
int cmd_dmon(struct cli *cli, int argc, char **argv);
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_cdi(struct cli *cli, int argc, char **argv);
/* After a command that changed the node (it took the node lock): rewrite
 * the CDI specs `cdi generate` wrote (cli/cmd_cdi.c); failures are
 * warnings on stderr. */
void cli_cdi_refresh(struct cli *cli);
int cmd_k8s(struct cli *cli, int argc, char **argv);
int cmd_slurm(struct cli *cli, int argc, char **argv);

/* The nvidia-mig-parted personality (cli/parted.c): argv as
 * nvidia-mig-parted gets it, argv[0] included. */
int parted_main(struct cli *cli, int argc, char **argv);

/* The nvidia-smi personality (cli/smi.c): argv as nvidia-smi gets it,
 * argv[0] included. Returns nvidia-smi's exit status. */
int smi_main(struct cli *cli, int argc, char **argv);

#endif
