/* migctl cdi — CDI specs for container runtimes: `cdi generate` writes the
 * node's nvidia.com/gpu spec (lib/cdi.c), `cdi list` shows the names of
 * one; and the refresh after every command that changed the node, for each
 * spec generated before (the refresh list). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "migctl/caps.h"
#include "migctl/cdi.h"
#include "util/file.h"

enum { CDI_OPT_OUTPUT = 1000, CDI_OPT_NO_REFRESH, CDI_OPT_SPEC };

#define DEFAULT_SPEC MIGCTL_CDI_DIR "/" MIGCTL_CDI_FILE

/* --- the refresh list -------------------------------------------------------
 * The absolute paths of the specs `cdi generate` wrote, one per line, so
 * that every later change of the node rewrites them. It lives where the
 * node lock does: next to the simulator's state, else in /run/migctl
 * (tmpfs, cleared at boot like /var/run/cdi itself). */

static void list_path(const struct cli *cli, char *buf, size_t len)
{
	char dir[PATH_MAX];

	if (!cli->node.simulated) {
		snprintf(buf, len, "/run/migctl/cdi-specs");
		return;
	}
	snprintf(buf, len, "%s/cdi-specs", cli_sim_state_dir(cli, dir, sizeof(dir)));
}

/* The list's text ("" when there is none); NULL on a read error. */
static char *list_read(const char *path, struct migctl_error *err)
{
	char *text = NULL;
	size_t len;

	if (access(path, F_OK) != 0 && errno == ENOENT)
		return strdup("");
	if (mu_file_read(path, "CDI refresh list", 0, &text, &len, err))
		return NULL;
	return text;
}

/* Whether `line` (up to a newline) is `path`. */
static bool line_is(const char *line, const char *path)
{
	size_t n = strlen(path);
	return strncmp(line, path, n) == 0 && (line[n] == '\n' || line[n] == '\0');
}

/* Add `spec` to the list (`add`) or take it out; the list is replaced
 * atomically, as the specs are. */
static enum migctl_err list_update(const struct cli *cli, const char *spec, bool add,
				   struct migctl_error *err)
{
	char path[640];
	char *text, *out;
	size_t used = 0;
	enum migctl_err rc;

	list_path(cli, path, sizeof(path));
	if (!cli->node.simulated && mkdir("/run/migctl", 0755) != 0 && errno != EEXIST)
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot create /run/migctl: %s", strerror(errno));
	if (!(text = list_read(path, err)))
		return err->code;
	out = malloc(strlen(text) + strlen(spec) + 2);
	if (!out) {
		free(text);
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	}
	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
		if (!line_is(line, spec) && n > 1) {
			memcpy(out + used, line, n);
			used += n;
			if (!nl)
				out[used++] = '\n';
		}
		line += n;
	}
	if (add)
		used += (size_t)sprintf(out + used, "%s\n", spec);
	out[used] = '\0';
	rc = migctl_cdi_write(path, out, err);
	free(text);
	free(out);
	return rc;
}

/* --- generating -------------------------------------------------------------- */

/* The driver root the spec's host paths are under: the host's, or the
 * simulator's in its state directory (where the journal and the lock are). */
static const char *driver_root(const struct cli *cli, char *buf, size_t len)
{
	char dir[PATH_MAX];

	if (!cli->node.simulated)
		return "/";
	migctl_caps_sim_root(cli_sim_state_dir(cli, dir, sizeof(dir)), buf, len);
	return buf;
}

/* The spec of the open node as text (caller frees). */
static enum migctl_err spec_text(const struct cli *cli, char **text, struct migctl_error *err)
{
	char root[MIGCTL_CAPS_ROOT_MAX];
	struct migctl_cdi_options opts = {.driver_root = driver_root(cli, root, sizeof(root))};

	return migctl_cdi_generate(&cli->node, &opts, text, err);
}

/* `path` made absolute (the refresh list must not depend on the working
 * directory of later commands). */
static void absolute(const char *path, char *buf, size_t len)
{
	char cwd[512];

	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		snprintf(buf, len, "%s", path);
	else
		snprintf(buf, len, "%s/%s", cwd, path);
}

static json_t *json_names(const struct migctl_cdi_spec *spec, bool nodes)
{
	json_t *a = json_array();

	for (size_t i = 0; i < spec->n_devices; i++) {
		const struct migctl_cdi_device *d = &spec->devices[i];
		json_t *o = json_pack("{s:s,s:s++}", "name", d->name, "qualified", spec->kind, "=", d->name);
		if (nodes) {
			json_t *n = json_array();
			for (size_t k = 0; k < d->n_nodes; k++)
				json_array_append_new(n, json_string(d->nodes[k]));
			json_object_set_new(o, "device_nodes", n);
		}
		json_array_append_new(a, o);
	}
	return a;
}

static int generate(struct cli *cli, const char *output, bool no_refresh)
{
	struct migctl_error err = {0};
	struct migctl_cdi_spec spec = {0};
	char path[600];
	char *text = NULL;
	bool to_stdout = strcmp(output, "-") == 0;
	int rc;

	absolute(output, path, sizeof(path));
	if ((rc = cli_node(cli, &err)) || (rc = spec_text(cli, &text, &err)))
		goto out;
	if (to_stdout) {
		printf("%s\n", text);
		goto out;
	}
	if ((rc = migctl_cdi_write(path, text, &err)) ||
	    (rc = list_update(cli, path, !no_refresh, &err)))
		goto out;
	if ((rc = migctl_cdi_parse(text, strlen(text), path, &spec, &err)))
		goto out;
	if (cli->output == CLI_JSON) {
		rc = cli_print_json(json_pack("{s:s,s:s,s:s,s:b,s:o}", "spec", path, "cdiVersion",
					      spec.version, "kind", spec.kind, "refresh", !no_refresh,
					      "devices", json_names(&spec, false)));
	} else {
		printf("wrote CDI spec %s (%s, %zu device names)%s\n", path, spec.kind, spec.n_devices,
		       no_refresh ? "; not refreshed after changes" : "");
		for (size_t i = 0; i < spec.n_devices; i++)
			printf("  %s=%s\n", spec.kind, spec.devices[i].name);
	}
out:
	migctl_cdi_spec_release(&spec);
	free(text);
	return rc ? cli_report(cli, &err) : 0;
}

void cli_cdi_refresh(struct cli *cli)
{
	struct migctl_error err = {0};
	char path[640];
	char *list, *text = NULL;
	bool refreshed = false;

	if (!cli->node_open)
		return;
	list_path(cli, path, sizeof(path));
	if (!(list = list_read(path, &err)))
		goto warn;
	for (char *line = list, *nl; *line; line = nl ? nl + 1 : line + strlen(line)) {
		struct migctl_error e = {0};
		if ((nl = strchr(line, '\n')))
			*nl = '\0';
		if (!*line)
			continue;
		/* A spec removed since (by hand, or /var/run at boot) stays gone. */
		if (access(line, F_OK) != 0) {
			list_update(cli, line, false, &e);
			continue;
		}
		if (!refreshed && (migctl_node_refresh(&cli->node, &e) || spec_text(cli, &text, &e))) {
			fprintf(stderr, "migctl: warning: CDI specs not refreshed: %s\n", e.msg);
			break;
		}
		refreshed = true;
		if (migctl_cdi_write(line, text, &e))
			fprintf(stderr, "migctl: warning: CDI spec %s not refreshed: %s; it may name "
				"MIG devices that are gone\n", line, e.msg);
	}
	free(text);
	free(list);
	return;
warn:
	fprintf(stderr, "migctl: warning: CDI specs not refreshed: %s\n", err.msg);
}

/* --- cdi list ----------------------------------------------------------------- */

static int list(struct cli *cli, const char *file)
{
	struct migctl_error err = {0};
	struct migctl_cdi_spec spec;
	char *text;
	size_t len;
	int rc;

	if ((rc = mu_file_read(file, "CDI spec", 0, &text, &len, &err))) {
		if (strcmp(file, DEFAULT_SPEC) == 0 && access(file, F_OK) != 0)
			migctl_fail(&err, MIGCTL_ERR_NOT_FOUND, "no CDI spec at %s; write one with "
				    "'migctl cdi generate'", file);
		return cli_report(cli, &err);
	}
	rc = migctl_cdi_parse(text, len, mu_file_origin(file), &spec, &err);
	free(text);
	if (rc)
		return cli_report(cli, &err);
	if (cli->output == CLI_JSON)
		rc = cli_print_json(json_pack("{s:s,s:s,s:s,s:o}", "spec", file, "cdiVersion",
					      spec.version, "kind", spec.kind, "devices",
					      json_names(&spec, true)));
	else
		for (size_t i = 0; i < spec.n_devices; i++)
			printf("%s=%s\n", spec.kind, spec.devices[i].name);
	migctl_cdi_spec_release(&spec);
	return rc;
}

int cmd_cdi(struct cli *cli, int argc, char **argv)
{
	const char *output = NULL, *spec = NULL, *format = NULL, *sub;
	bool no_refresh = false;
	struct cli_parse p;
	int opt;

	cli_parse_init(&p, cli, &cli_cmd_cdi, argc, argv);
	while ((opt = cli_next_opt(&p)) > 0) {
		if (opt == CDI_OPT_OUTPUT)
			output = p.arg;
		else if (opt == CDI_OPT_NO_REFRESH)
			no_refresh = true;
		else if (opt == CDI_OPT_SPEC)
			spec = p.arg;
		else if (opt == 'o')
			format = p.arg;
	}
	if (opt == CLI_PARSE_STOP)
		return p.rc;
	/* -o is this command's own option: --output names the spec file here,
	 * as it does for nvidia-ctk cdi generate. */
	if (format && strcmp(format, "json") != 0 && strcmp(format, "text") != 0)
		return cli_usage_error(cli, "cdi", "bad output format '%s' (use text or json)", format);
	if (format)
		cli->output = strcmp(format, "json") == 0 ? CLI_JSON : CLI_TEXT;
	if (p.ind + 1 != argc)
		return cli_usage_error(cli, "cdi", "give one of: generate, list");
	sub = argv[p.ind];
	if (strcmp(sub, "generate") == 0) {
		if (spec)
			return cli_usage_error(cli, "cdi", "--spec is for 'cdi list'; generate writes --output FILE");
		return generate(cli, output ? output : DEFAULT_SPEC, no_refresh);
	}
	if (strcmp(sub, "list") == 0) {
		if (output || no_refresh)
			return cli_usage_error(cli, "cdi", "--output and --no-refresh are for 'cdi generate'; "
					       "list reads --spec FILE");
		return list(cli, spec ? spec : DEFAULT_SPEC);
	}
	return cli_usage_error(cli, "cdi", "unknown subcommand '%s' (use generate or list)", sub);
}

static const struct cli_opt cdi_opts[] = {
	{"output", 0, CDI_OPT_OUTPUT, "FILE", "generate: the spec file (default " DEFAULT_SPEC ");\n"
	 "'-' prints the spec and records nothing", CLI_V_FILE, NULL, false},
	{"no-refresh", 0, CDI_OPT_NO_REFRESH, NULL, "generate: write the spec once; later changes of\n"
	 "the node do not rewrite it", CLI_V_NONE, NULL, false},
	{"spec", 0, CDI_OPT_SPEC, "FILE", "list: the spec to read (default " DEFAULT_SPEC ")",
	 CLI_V_FILE, NULL, false},
	{"format", 'o', 0, "FMT", "text (default) or json", CLI_V_WORDS, "text json", false},
	{0},
};

const struct cli_command cli_cmd_cdi = {
	.name = "cdi",
	.summary = "write and list CDI specs of the GPUs and MIG devices",
	.operands = "generate|list",
	.description =
		"Container runtimes (podman, containerd, CRI-O, Docker 25+) hand devices to\n"
		"containers through CDI specs in /etc/cdi and /var/run/cdi.\n"
		"\n"
		"'cdi generate' writes the node's nvidia.com/gpu spec, atomically: the names\n"
		"N (GPU index), N:M (MIG device M of GPU N, as 'migctl list' counts), each\n"
		"GPU and MIG UUID, and 'all'. A MIG device brings its GPU's /dev/nvidiaN and\n"
		"the capability nodes of its GPU instance and compute instance; every device\n"
		"brings /dev/nvidiactl and /dev/nvidia-uvm*, and NVIDIA_VISIBLE_DEVICES=void.\n"
		"On the simulator the host paths are under its driver root.\n"
		"\n"
		"migctl remembers the specs it wrote and rewrites them after every command\n"
		"that changes the node (apply, restore, create, destroy, mode, recover, and\n"
		"the nvidia-smi and mig-parted personalities), so that a spec never names a\n"
		"MIG device that is gone. --no-refresh writes a spec that is left alone, and\n"
		"takes a remembered one off the list; a spec deleted by hand is not written\n"
		"again.\n"
		"\n"
		"'cdi list' prints the qualified names of a spec (nvidia.com/gpu=0:1), the\n"
		"names a runtime takes: podman run --device nvidia.com/gpu=0:1 ...\n",
	.opts = cdi_opts,
	.operand_words = "generate list",
	.operand_values = CLI_V_WORDS,
	.run = cmd_cdi,
};
