/* libFuzzer target: the command line of every node command WITH GPUs
 * present. fuzz_cli_args stops at "no driver"; here the commands run on
 * the simulator (build/fuzz/sim/libnvidia-ml.so.1, loaded as on --sim), so
 * GPU, GI and CI arguments are resolved against a live node and changes
 * are made. The machine is 4 mixed GPUs (2 x A100-SXM4-80GB, H100, A30),
 * three with MIG on and instances, one of them a GI without CIs; it is
 * put back before every input, so each run starts from the same node.
 *
 * The input is split into argv at newlines; its first byte picks the
 * command. Arguments that could make a command write or run something
 * outside the state directory (--journal, hooks files, access's --root
 * and --sim, checkpoint and config output) are dropped: the harness must
 * stay harmless. Run it with -close_fd_mask=3 (tests/fuzz/smoke.sh does),
 * from any working directory: nothing is written there.
 *
 * Speed (make fuzz-long wants 10^7 inputs): the state directory is on
 * tmpfs where there is one (fuzz_env.h); machine.json is put back only
 * when a command replaced it (a commit always renames a new file in: its
 * inode changes); and the simulator's library stays loaded between inputs
 * (a command's dlclose does not unload it), while each command still
 * opens, initialises and shuts down NVML as migctl does.
 */
#include <dlfcn.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fuzz_env.h"
#include "sim.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int (*const commands[])(struct cli *, int, char **) = {
	smi_main, cmd_list, cmd_status, cmd_mode, cmd_profiles, cmd_create,
	cmd_destroy, cmd_plan, cmd_apply, cmd_assert, cmd_export, cmd_restore,
	cmd_recover, cmd_access,
};
static const char *const names[] = {
	"smi", "list", "status", "mode", "profiles", "create", "destroy", "plan",
	"apply", "assert", "export", "restore", "recover",
	"access",
};

static char state_dir[64];
static char *pristine;          /* machine.json of the starting node */
static size_t pristine_len;
static struct stat restored;    /* machine.json as the harness last wrote it */
static void *sim_lib;           /* held so that it stays loaded */

static void die(const char *what)
{
	fprintf(stderr, "fuzz_cli_sim: %s\n", what);
	exit(1);
}

/* Run one command as the harness does, for setting the node up. */
static void run(int (*cmd)(struct cli *, int, char **), int argc, const char **argv)
{
	struct cli cli = {.prog = "migctl", .output = CLI_TEXT, .simulate = true};

	migctl_catalog_init(&cli.catalog);
	if (cmd(&cli, argc, (char **)argv) != 0)
		die(argv[0]);
	if (cli.locked) /* a process exit would release it */
		migctl_lock_release(&cli.lock);
	if (cli.node_open)
		migctl_node_close(&cli.node);
	migctl_catalog_release(&cli.catalog);
}

static void build_machine(void)
{
	struct sim_machine m = {0};
	struct migctl_error err;
	const char *models[] = {"A100-SXM4-80GB", "H100 80GB HBM3", "A30"};
	struct sim_gpu_spec spec[3];
	unsigned counts[] = {2, 1, 1};

	migctl_catalog_init(&m.catalog);
	if (migctl_catalog_load_builtin(&m.catalog, &err))
		die(err.msg);
	for (size_t i = 0; i < 3; i++) {
		spec[i] = (struct sim_gpu_spec){migctl_catalog_find_model(&m.catalog, models[i],
									  &err), counts[i]};
		if (!spec[i].model)
			die(err.msg);
	}
	if (sim_machine_build(&m, spec, 3, 0, false, &err) || sim_store_new(state_dir, &m, &err))
		die(err.msg);
	sim_machine_release(&m);
	const char *mode[] = {"mode", "enable", "-i", "0,1,2", "--reset"};
	const char *a100[] = {"create", "-i", "0", "3g.40gb,2g.20gb,1g.10gb"};
	const char *noci[] = {"create", "-i", "1", "4g.40gb", "--no-ci"};
	const char *h100[] = {"create", "-i", "2", "1g.10gb,1g.10gb,3g.40gb"};
	run(cmd_mode, 5, mode);
	run(cmd_create, 4, a100);
	run(cmd_create, 5, noci);
	run(cmd_create, 4, h100);
}

static void read_pristine(void)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/machine.json", state_dir);
	f = fopen(path, "rb");
	if (!f)
		die("no machine.json");
	pristine = malloc(1 << 20);
	if (!pristine)
		die("out of memory");
	pristine_len = fread(pristine, 1, 1 << 20, f);
	fclose(f);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The state directory goes at exit, whatever the commands left in it,
 * the simulator's driver root (a tree) included. */
static void cleanup(void)
{
	nftw(state_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(pristine);
	if (sim_lib)
		dlclose(sim_lib);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char lib[4096];
	(void)argc;
	(void)argv;
	fuzz_sim_lib("fuzz_cli_sim", lib, sizeof(lib));
	if (!(sim_lib = dlopen(lib, RTLD_NOW | RTLD_LOCAL)))
		die(dlerror());
	fuzz_scratch_dir("fuzz_cli_sim", state_dir, sizeof(state_dir));
	/* "-f -" reads standard input: it must not wait for a terminal. */
	if (!freopen("/dev/null", "r", stdin))
		die("/dev/null");
	setenv("MIGCTL_SIM_LIB", lib, 1);
	setenv("MIGSIM_STATE", state_dir, 1);
	unsetenv("MIGCTL_NVML_LIB");
	atexit(cleanup);
	build_machine();
	read_pristine();
	return 0;
}

/* Put the starting machine back, unless the last command left it as the
 * harness wrote it (same inode, size and time: a commit renames a new file
 * in), and drop any journal left behind. */
static void restore_machine(void)
{
	char path[128], tmp[160];
	struct stat now;
	FILE *f;

	snprintf(path, sizeof(path), "%s/migctl-journal.jsonl", state_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/machine.json", state_dir);
	if (restored.st_ino && stat(path, &now) == 0 && now.st_ino == restored.st_ino &&
	    now.st_dev == restored.st_dev && now.st_size == restored.st_size &&
	    now.st_mtim.tv_sec == restored.st_mtim.tv_sec &&
	    now.st_mtim.tv_nsec == restored.st_mtim.tv_nsec)
		return;
	snprintf(tmp, sizeof(tmp), "%s/machine.json.tmp.fuzz", state_dir);
	f = fopen(tmp, "wb");
	if (!f || fwrite(pristine, 1, pristine_len, f) != pristine_len || fclose(f) != 0 ||
	    rename(tmp, path) != 0)
		die("cannot restore machine.json");
	/* A copy of the machine that a command left loaded must not outlive
	 * the file it came from (sim.h, the shared generation). */
	struct migctl_error err;
	if (sim_state_changed(state_dir, &err) || stat(path, &restored) != 0)
		die("cannot restore machine.json");
}

/* Whether an argument could make the command write or run something
 * outside the state directory: --journal, -k/--hooks-file and apply's
 * --slurm-* (slurm.conf, scontrol, a restart command), and access's
 * --root and --sim=DIR, which would chmod or make nodes under another
 * driver root such as / (getopt takes unique prefixes of long names and
 * bundles of short options, hence the broad match). */
static bool unsafe(const char *arg, bool access)
{
	if (arg[0] != '-')
		return false;
	if (arg[1] == '-')
		return strncmp(arg, "--j", 3) == 0 || strncmp(arg, "--h", 3) == 0 ||
		       strncmp(arg, "--sl", 4) == 0 ||
		       (access && (strncmp(arg, "--r", 3) == 0 || strncmp(arg, "--s", 3) == 0));
	return strchr(arg, 'k') != NULL;
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
		if (!unsafe(tok, commands[which] == cmd_access))
			argv[argc++] = tok;
	argv[argc] = NULL;

	restore_machine();
	struct cli cli = {.prog = "migctl", .output = CLI_TEXT, .simulate = true};
	migctl_catalog_init(&cli.catalog);
	commands[which](&cli, argc, argv);
	if (cli.locked)
		migctl_lock_release(&cli.lock);
	if (cli.node_open)
		migctl_node_close(&cli.node);
	migctl_catalog_release(&cli.catalog);
	free(text);
	return 0;
}
