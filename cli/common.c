/* migctl CLI — helpers shared by the command files. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "gpu_reset.h"

int cli_set_wait(struct cli *cli, const char *arg)
{
	/* --wait: as long as it takes; --wait=SECONDS: that long. */
	char *end;
	long s = arg ? strtol(arg, &end, 10) : -1;

	if (arg && (end == arg || *end || s < 0 || s > 86400))
		return -1;
	cli->lock_wait_ms = s < 0 ? -1 : s * 1000;
	return 0;
}

enum migctl_err cli_catalog(struct cli *cli, struct migctl_error *err)
{
	enum migctl_err rc;

	if (cli->catalog_loaded)
		return MIGCTL_ERR_OK;
	rc = migctl_catalog_load_builtin(&cli->catalog, err);
	if (rc == MIGCTL_ERR_OK && cli->catalog_file)
		rc = migctl_catalog_load_file(&cli->catalog, cli->catalog_file, err);
	if (rc)
		migctl_catalog_release(&cli->catalog);
	else
		cli->catalog_loaded = true;
	return rc;
}

const struct migctl_gpu_model *cli_model(struct cli *cli, const char *query,
					 struct migctl_error *err)
{
	if (cli_catalog(cli, err))
		return NULL;
	return migctl_catalog_find_model(&cli->catalog, query, err);
}

const char *cli_sim_state_dir(const struct cli *cli, char *buf, size_t len)
{
	const char *env = getenv("MIGSIM_STATE");
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (cli->sim_state)
		return cli->sim_state;
	if (env && *env)
		return env;
	if (xdg && *xdg)
		snprintf(buf, len, "%s/migsim", xdg);
	else
		snprintf(buf, len, "/tmp/migsim-%u", (unsigned)getuid());
	return buf;
}

enum migctl_err cli_node(struct cli *cli, struct migctl_error *err)
{
	/* The environment is the CLI's to read: the library takes paths. */
	const char *sim_lib = getenv("MIGCTL_SIM_LIB");
	const char *nvml_lib = getenv("MIGCTL_NVML_LIB");
	char state_buf[PATH_MAX];
	struct migctl_node_options opts = {
		.simulate = cli->simulate,
		.sim_lib = sim_lib && *sim_lib ? sim_lib : NULL,
		.sim_state = cli->simulate ? cli_sim_state_dir(cli, state_buf, sizeof(state_buf))
					   : cli->sim_state,
		/* --sim wins over MIGCTL_NVML_LIB. */
		.nvml_lib = !cli->simulate && nvml_lib && *nvml_lib ? nvml_lib : NULL,
		.catalog = NULL,
		.reset_gpu = cli_reset_gpu,
		.reset_ctx = NULL,
		.read = cli->node_read,
	};
	enum migctl_err rc;

	if (cli->node_open)
		return MIGCTL_ERR_OK;
	/* The default journal of `apply` follows $MIGSIM_STATE (lib/apply.c),
	 * and --sim=DIR has always meant that directory for it too. */
	if (cli->sim_state && setenv("MIGSIM_STATE", cli->sim_state, 1) != 0)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "cannot set MIGSIM_STATE: %s",
				   strerror(errno));
	if ((rc = cli_catalog(cli, err)))
		return rc;
	opts.catalog = &cli->catalog;
	if ((rc = migctl_node_open(&cli->node, &opts, err)))
		return rc;
	cli->node_open = true;
	return migctl_node_refresh(&cli->node, err);
}

enum migctl_err cli_lock(struct cli *cli, struct migctl_error *err)
{
	struct apply_req req = {0};
	char path[640], journal[600];
	enum migctl_err rc;

	if (cli->locked)
		return MIGCTL_ERR_OK;
	if ((rc = cli_node(cli, err)))
		return rc;
	if (cli->node.simulated) {
		/* Next to the default journal, in the simulator's state dir. */
		snprintf(path, sizeof(path), "%s", cli_journal_path(cli, &req, journal, sizeof(journal)));
		char *slash = strrchr(path, '/');
		snprintf(slash ? slash + 1 : path, sizeof(path) - (size_t)(slash ? slash + 1 - path : 0),
			 "migctl.lock");
	} else {
		snprintf(path, sizeof(path), "/run/migctl/migctl.lock");
	}
	migctl_lock_init(&cli->lock);
	if ((rc = migctl_lock_acquire(&cli->lock, path, cli->lock_wait_ms, NULL, NULL, err)))
		return rc;
	cli->locked = true;
	/* Whoever held the lock before may have changed the node since it
	 * was read: read it again under the lock. */
	return migctl_node_refresh(&cli->node, err);
}

/* Whether cli_print_json has printed a document (main() then leaves a
 * failure's JSON out: the command printed its own). */
static bool json_printed;

bool cli_json_printed(void)
{
	return json_printed;
}

void cli_json_streamed(void)
{
	json_printed = true;
}

/* The first failure of a run is the one JSON reports. */
static void remember(struct cli *cli, const struct migctl_error *err)
{
	if (cli->failure.code == MIGCTL_ERR_OK)
		cli->failure = *err;
}

int cli_report(struct cli *cli, const struct migctl_error *err)
{
	remember(cli, err);
	fprintf(stderr, "%s: error: %s\n", cli->prog,
		err->msg[0] ? err->msg : migctl_strerror(err->code));
	return (int)err->code;
}

int cli_usage_error(struct cli *cli, const char *cmd, const char *fmt, ...)
{
	struct migctl_error err;
	va_list ap;

	va_start(ap, fmt);
	migctl_vfail(&err, MIGCTL_ERR_USAGE, fmt, ap);
	va_end(ap);
	remember(cli, &err);
	fprintf(stderr, "%s: %s", cli->prog, err.msg);
	fprintf(stderr, "\nRun '%s %s --help' for usage.\n", cli->prog, cmd);
	return MIGCTL_ERR_USAGE;
}

int cli_print_json(json_t *value)
{
	int rc = MIGCTL_ERR_OK;

	json_printed = true;
	if (!value || json_dumpf(value, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
		rc = MIGCTL_ERR_NOMEM;
	else
		fputc('\n', stdout);
	json_decref(value);
	return rc;
}

json_t *cli_json_placements(const struct migctl_placement_set *set)
{
	json_t *starts = json_array();
	for (unsigned i = 0; i < set->n_starts; i++)
		json_array_append_new(starts, json_integer(set->starts[i]));
	return json_pack("{s:i,s:o}", "size", (int)set->size, "starts", starts);
}
