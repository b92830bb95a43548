/* migctl CLI — what command files share. Command files parse arguments and
 * print; the logic they call lives in the library (include/migctl). */
#ifndef MIGCTL_CLI_H
#define MIGCTL_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "migctl/catalog.h"
#include "migctl/error.h"
#include "migctl/geometry.h"

enum cli_output { CLI_TEXT, CLI_JSON };

struct cli {
	const char *prog;          /* "migctl" */
	const char *catalog_file;  /* --catalog FILE, or NULL */
	enum cli_output output;
	struct migctl_catalog catalog;
	bool catalog_loaded;
};

/* Long options every command accepts (besides its own). */
#define CLI_COMMON_LONG_OPTIONS                                    \
	{"output", required_argument, NULL, 'o'},                  \
	{"catalog", required_argument, NULL, 'C'},                 \
	{"help", no_argument, NULL, 'h'}

/* Handle an option from CLI_COMMON_LONG_OPTIONS (or -o/-h). Returns 1 if
 * handled, 0 if not one of them, or a negative value on a bad argument. */
int cli_common_option(struct cli *cli, int opt, const char *arg);

/* Load the built-in catalog plus --catalog FILE (once). */
enum migctl_err cli_catalog(struct cli *cli, struct migctl_error *err);

/* Resolve a model name from the command line. */
const struct migctl_gpu_model *cli_model(struct cli *cli, const char *query,
					 struct migctl_error *err);

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

/* Commands. argv[0] is the command name. */
int cmd_catalog(struct cli *cli, int argc, char **argv);
int cmd_layouts(struct cli *cli, int argc, char **argv);

#endif
