/* libFuzzer target: command-line parsing of every migctl command and of
 * the nvidia-smi personality. The input is split into argv at newlines;
 * its first byte picks the command. There is no driver (MIGCTL_NVML_LIB
 * points nowhere), so a command either rejects its arguments or reaches
 * the node and stops with "no driver": what is fuzzed is everything before
 * that, which must never crash or leak. "__complete" is the completion
 * helper, which reads a command line being typed. Run it with -close_fd_mask=3
 * (tests/fuzz/smoke.sh does): the commands print a lot. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int (*const commands[])(struct cli *, int, char **) = {
	smi_main, cmd_list, cmd_status, cmd_mode, cmd_profiles,
	cmd_create, cmd_destroy, cmd_layouts, cmd_catalog, cmd_plan,
	cli_doc_main,
	cmd_dmon,
	cmd_exporter, cmd_top,
};
static const char *const names[] = {
	"smi", "list", "status", "mode", "profiles", "create", "destroy",
	"layouts", "catalog", "plan", "__complete",
	"dmon",
	"exporter", "top",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("MIGCTL_NVML_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
	/* --sim must not find build/fuzz/sim/ either: `exporter --sim` would
	 * serve until killed. */
	setenv("MIGCTL_SIM_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
	unsetenv("MIGCTL_SIM");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *argv[64];
	int argc = 0;
	size_t which;

	if (size == 0 || size > 4096)
		return 0;
	which = data[0] % (sizeof(commands) / sizeof(commands[0]));
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	argv[argc++] = (char *)names[which];
	for (char *p = text, *tok; argc < 63 && (tok = strsep(&p, "\n")) != NULL;)
		argv[argc++] = tok;
	argv[argc] = NULL;

	struct cli cli = {.prog = "migctl", .output = CLI_TEXT};
	migctl_catalog_init(&cli.catalog);
	commands[which](&cli, argc, argv);
	if (cli.node_open)
		migctl_node_close(&cli.node);
	migctl_catalog_release(&cli.catalog);
	free(text);
	return 0;
}
