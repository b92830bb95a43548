/* migctl slurm — the node's MIG devices for Slurm: gres.conf lines, the
 * node's Gres=, the TaskProlog that exports the allocated slices' MIG
 * UUIDs, and the reconfiguration after a change (also apply
 * --slurm-reconfigure). lib/slurm.c builds and parses the text; this file
 * finds the files, writes them and runs scontrol. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "slurm_run.h"
#include "migctl/caps.h"
#include "migctl/slurm.h"
#include "util/file.h"

enum { OPT_FILE = 'f', OPT_NODE = 1000, OPT_SLURM_CONF, OPT_GRES_CONF, OPT_RESTART };

void cli_slurm_paths_default(struct cli_slurm_paths *sp)
{
	const char *env = getenv("SLURM_CONF");

	snprintf(sp->slurm_conf, sizeof(sp->slurm_conf), "%s",
		 env && *env ? env : "/etc/slurm/slurm.conf");
	sp->gres_conf[0] = '\0';
	sp->node[0] = '\0';
	sp->restart = NULL;
}

/* gres.conf next to slurm.conf unless given; the node: given, else
 * $SLURMD_NODENAME (set for prologs), else the short host name. */
static void finish_paths(struct cli_slurm_paths *sp)
{
	if (!sp->gres_conf[0]) {
		const char *slash = strrchr(sp->slurm_conf, '/');
		if (slash)
			snprintf(sp->gres_conf, sizeof(sp->gres_conf), "%.*s/gres.conf",
				 (int)(slash - sp->slurm_conf), sp->slurm_conf);
		else
			snprintf(sp->gres_conf, sizeof(sp->gres_conf), "gres.conf");
	}
	if (!sp->node[0]) {
		const char *env = getenv("SLURMD_NODENAME");
		if (env && *env) {
			snprintf(sp->node, sizeof(sp->node), "%s", env);
		} else if (gethostname(sp->node, sizeof(sp->node) - 1) == 0) {
			char *dot = strchr(sp->node, '.');
			if (dot)
				*dot = '\0';
		}
	}
}

/* The driver root whose device nodes gres.conf names: the simulator's in
 * its state directory (next to the default journal), else the host's. */
static enum migctl_err load_caps(struct cli *cli, struct migctl_caps *caps, struct migctl_error *err)
{
	char root[MIGCTL_CAPS_ROOT_MAX] = "/";

	if (cli->node.simulated) {
		struct apply_req req = {0};
		char journal[600];
		const char *j = cli_journal_path(cli, &req, journal, sizeof(journal));
		const char *slash = strrchr(j, '/');
		char dir[600];
		snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - j) : 1, slash ? j : ".");
		migctl_caps_sim_root(dir, root, sizeof(root));
	}
	return migctl_caps_load(caps, root, err);
}

/* The live layout as Slurm GRES. */
static enum migctl_err live_layout(struct cli *cli, struct migctl_slurm_layout *l,
				   struct migctl_error *err)
{
	struct migctl_gpu_state *gpus[MIGCTL_NODE_MAX_GPUS];
	struct migctl_caps *caps = malloc(sizeof(*caps));
	enum migctl_err rc;
	size_t n;

	if (!caps)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	if (!(rc = cli_select_gpus(cli, NULL, gpus, &n, err)) && !(rc = load_caps(cli, caps, err)))
		rc = migctl_slurm_layout_of(gpus, n, caps, l, err);
	free(caps);
	return rc;
}

/* scontrol at a fixed path (the library and migctl never look up
 * programs on PATH for root's jobs), or NULL. */
static const char *scontrol_bin(void)
{
	static const char *const paths[] = {"/usr/bin/scontrol", "/usr/local/bin/scontrol",
					    "/opt/slurm/bin/scontrol", NULL};

	for (size_t i = 0; paths[i]; i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* Run scontrol ARGS; 0 or an error naming the status. */
static enum migctl_err scontrol(char *const args[], struct migctl_error *err)
{
	const char *bin = scontrol_bin();
	int status;
	pid_t pid;

	if (!bin)
		return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
				   "scontrol not found in /usr/bin, /usr/local/bin or /opt/slurm/bin; install Slurm's client or run 'scontrol reconfigure' by hand");
	fflush(NULL);
	if ((pid = fork()) < 0)
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot start scontrol: %s", strerror(errno));
	if (pid == 0) {
		execv(bin, args);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return migctl_fail(err, MIGCTL_ERR_IO, "waiting for scontrol: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return migctl_fail(err, MIGCTL_ERR_IO, "'scontrol %s %s' failed (status %d); see slurmctld's log",
				   args[1], args[2] ? args[2] : "", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return MIGCTL_ERR_OK;
}

/* `scontrol show node NODE` into buf; its length (0 on failure). */
static size_t show_node(const char *node, char *buf, size_t len)
{
	size_t used = 0;
	int fds[2], status;
	pid_t pid;
	const char *bin = scontrol_bin();

	if (!bin || len < 2 || pipe(fds) != 0)
		return 0;
	fflush(NULL);
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return 0;
	}
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(bin, "scontrol", "show", "node", node, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	for (ssize_t r; used < len - 1 && (r = read(fds[0], buf + used, len - 1 - used)) != 0;) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		used += (size_t)r;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[used] = '\0';
	return used;
}

bool cli_slurm_node_drained(const char *node)
{
	char buf[16384];
	size_t n = show_node(node, buf, sizeof(buf));
	return migctl_slurm_show_node_drained(buf, n);
}

static bool node_registered(const char *node)
{
	char buf[16384];
	size_t n = show_node(node, buf, sizeof(buf));
	return migctl_slurm_show_node_registered(buf, n);
}

bool cli_slurm_node_gres_is(const char *node, const char *gres)
{
	char buf[16384], now[4096];
	size_t n = show_node(node, buf, sizeof(buf));
	return migctl_slurm_show_node_gres(buf, n, now, sizeof(now)) && strcmp(now, gres) == 0;
}

/* slurm.conf with the node's Gres= set, written back only if it changed. */
static enum migctl_err update_slurm_conf(const struct cli_slurm_paths *sp, const char *gres,
					 bool *changed, struct migctl_error *err)
{
	char *text = NULL, *next = NULL, now[4096];
	size_t len;
	enum migctl_err rc;

	*changed = false;
	if ((rc = mu_file_read(sp->slurm_conf, "slurm.conf", 0, &text, &len, err)) ||
	    (rc = migctl_slurm_conf_gres(text, len, sp->node, now, sizeof(now), err)))
		goto out;
	if (strcmp(now, gres) == 0)
		goto out;
	if (!(rc = migctl_slurm_conf_set_gres(text, len, sp->node, gres, &next, err)) &&
	    !(rc = mu_file_write_atomic(sp->slurm_conf, "slurm.conf", next, strlen(next), err)))
		*changed = true;
out:
	free(text);
	free(next);
	return rc;
}

/* The node may have been drained while slurmd and slurmctld disagreed
 * ("gres/gpu count too low"): give it back to the scheduler. */
static enum migctl_err resume_if_drained(const char *node, bool *resumed, struct migctl_error *err)
{
	char state_arg[300];
	char *resume[] = {"scontrol", "update", state_arg, "State=RESUME", NULL};
	enum migctl_err rc = MIGCTL_ERR_OK;

	*resumed = false;
	snprintf(state_arg, sizeof(state_arg), "NodeName=%s", node);
	/* A restarted slurmctld refuses to resume a node that slurmd has not
	 * registered again yet (UNKNOWN+NOT_RESPONDING): give slurmd 30 s. */
	for (int i = 0; i < 30 * 4 && !node_registered(node); i++)
		usleep(250 * 1000);
	if (cli_slurm_node_drained(node) && !(rc = scontrol(resume, err)))
		*resumed = true;
	return rc;
}

/* Poll `scontrol show node` for up to `seconds` until it reports `gres`. */
static bool wait_gres(const char *node, const char *gres, int seconds)
{
	for (int i = 0; i < seconds * 4; i++) {
		if (cli_slurm_node_gres_is(node, gres))
			return true;
		usleep(250 * 1000);
	}
	return cli_slurm_node_gres_is(node, gres);
}

/* The administrator's command that restarts slurmctld, through /bin/sh. */
static enum migctl_err run_restart(const char *cmd, struct migctl_error *err)
{
	int status;
	pid_t pid;

	fflush(NULL);
	if ((pid = fork()) < 0)
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot start the slurmctld restart: %s", strerror(errno));
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return migctl_fail(err, MIGCTL_ERR_IO, "waiting for the slurmctld restart: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return migctl_fail(err, MIGCTL_ERR_IO, "the slurmctld restart command '%s' failed (status %d)",
				   cmd, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return MIGCTL_ERR_OK;
}

int cli_slurm_reconfigure(struct cli *cli, struct cli_slurm_paths *sp)
{
	struct migctl_slurm_layout l;
	struct migctl_error err = {0};
	char gres[4096], *text = NULL, *old = NULL;
	size_t old_len = 0;
	bool conf_changed = false, restarted = false;
	enum migctl_err rc;

	finish_paths(sp);
	migctl_slurm_layout_init(&l);
	if ((rc = migctl_node_refresh(&cli->node, &err)) || (rc = live_layout(cli, &l, &err)) ||
	    (rc = migctl_slurm_gres(&l, gres, sizeof(gres), &err)))
		goto out;
	if (!(text = migctl_slurm_gres_conf(&l))) {
		rc = migctl_fail(&err, MIGCTL_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* Only a change of the layout rewrites the files and reconfigures
	 * (a reconfigure costs every daemon a reread). */
	bool same = mu_file_read(sp->gres_conf, "gres.conf", 0, &old, &old_len, &err) == MIGCTL_ERR_OK &&
		    strcmp(old, text) == 0;
	memset(&err, 0, sizeof(err));
	/* Both files before the reconfigure: a new type needs gres.conf and
	 * the node's Gres= together. */
	if (!same && ((rc = mu_file_write_atomic(sp->gres_conf, "gres.conf", text, strlen(text), &err)) ||
		      (rc = update_slurm_conf(sp, gres, &conf_changed, &err))))
		goto out;
	/* slurmd rereads gres.conf on a reconfigure. slurmctld (22.05) does
	 * not take a new count or new types of File= GRES that way ("Attempt
	 * to change gres/gpu Count ... invalid with File configuration"); it
	 * does when it restarts after slurmd reread the file. */
	char *reconf[] = {"scontrol", "reconfigure", NULL};
	if (!same && (rc = scontrol(reconf, &err)))
		goto out;
	if (!wait_gres(sp->node, gres, same ? 0 : 3) && sp->restart) {
		if ((rc = run_restart(sp->restart, &err)))
			goto out;
		restarted = true;
		wait_gres(sp->node, gres, 30);
	}
	if (!cli_slurm_node_gres_is(sp->node, gres)) {
		rc = migctl_fail(&err, MIGCTL_ERR_NOT_APPLIED,
				 "gres.conf and slurm.conf list the layout (Gres=%s), but slurmctld has other GRES for node %s: Slurm takes a new count or type of File= GRES only when slurmctld restarts; restart it (e.g. 'systemctl restart slurmctld' on the controller) and run 'migctl slurm reconfigure' again, or give the restart command (--restart, apply --slurm-restart)",
				 gres, sp->node);
		goto out;
	}
	bool resumed = false;
	if ((rc = resume_if_drained(sp->node, &resumed, &err)))
		goto out;
	if (same)
		fprintf(stderr, "migctl: Slurm: %s already lists this layout; not reconfigured%s%s\n",
			sp->gres_conf, restarted ? "; slurmctld restarted" : "", resumed ? "; node resumed" : "");
	else
		fprintf(stderr, "migctl: Slurm: wrote %s%s%s (Gres=%s) and reconfigured%s%s\n", sp->gres_conf,
			conf_changed ? " and " : "", conf_changed ? sp->slurm_conf : "", gres,
			restarted ? " (slurmctld restarted)" : "", resumed ? "; node resumed" : "");
out:
	free(text);
	free(old);
	migctl_slurm_layout_release(&l);
	return rc ? cli_report(cli, &err) : 0;
}

/* --- migctl slurm prolog --------------------------------------------------- */

/* The TaskProlog: the GRES indices of the step (SLURM_STEP_GPUS, else
 * SLURM_JOB_GPUS, else CUDA_VISIBLE_DEVICES) as MIG UUIDs. On any failure
 * it exports an empty CUDA_VISIBLE_DEVICES, so that a job never runs on a
 * slice it was not given, and prints the reason into the job's output. */
static int run_prolog(struct cli_slurm_paths *sp)
{
	const char *vars[] = {"SLURM_STEP_GPUS", "SLURM_JOB_GPUS", "CUDA_VISIBLE_DEVICES"};
	const char *indices = NULL;
	struct migctl_error err = {0};
	char *gres_conf = NULL, *conf = NULL, gres[4096] = "", out[8192];
	size_t glen, clen;

	finish_paths(sp);
	for (size_t i = 0; i < 3 && !indices; i++)
		if (getenv(vars[i]) && *getenv(vars[i]))
			indices = getenv(vars[i]);
	if (!indices)
		return 0; /* a job without GPUs */
	/* The node's Gres= orders the types; without it, file order. */
	if (mu_file_read(sp->slurm_conf, "slurm.conf", 0, &conf, &clen, &err) == MIGCTL_ERR_OK)
		migctl_slurm_conf_gres(conf, clen, sp->node, gres, sizeof(gres), &err);
	memset(&err, 0, sizeof(err));
	if (mu_file_read(sp->gres_conf, "gres.conf", 0, &gres_conf, &glen, &err) ||
	    migctl_slurm_map(gres_conf, glen, gres, indices, out, sizeof(out), &err)) {
		printf("print migctl slurm prolog: %s\nexport CUDA_VISIBLE_DEVICES=\n", err.msg);
		fprintf(stderr, "migctl: error: %s\n", err.msg);
	} else {
		printf("export CUDA_VISIBLE_DEVICES=%s\n", out);
	}
	free(gres_conf);
	free(conf);
	return 0;
}

int cmd_slurm(struct cli *cli, int argc, char **argv)
{
	struct cli_slurm_paths sp;
	struct migctl_slurm_layout l;
	struct migctl_error err = {0};
	const char *file = NULL, *what;
	struct cli_parse p;
	int opt, rc = 0;

	cli_slurm_paths_default(&sp);
	cli_parse_init(&p, cli, &cli_cmd_slurm, argc, argv);
	while ((opt = cli_next_opt(&p)) > 0) {
		if (opt == OPT_FILE)
			file = p.arg;
		else if (opt == OPT_NODE)
			snprintf(sp.node, sizeof(sp.node), "%s", p.arg);
		else if (opt == OPT_SLURM_CONF)
			snprintf(sp.slurm_conf, sizeof(sp.slurm_conf), "%s", p.arg);
		else if (opt == OPT_GRES_CONF)
			snprintf(sp.gres_conf, sizeof(sp.gres_conf), "%s", p.arg);
		else if (opt == OPT_RESTART)
			sp.restart = p.arg;
	}
	if (opt == CLI_PARSE_STOP)
		return p.rc;
	if (p.ind >= argc)
		return cli_usage_error(cli, "slurm", "missing subcommand: use gres, nodes, prolog or reconfigure");
	what = argv[p.ind];
	if (p.ind + 1 < argc)
		return cli_usage_error(cli, "slurm", "unexpected argument '%s'", argv[p.ind + 1]);
	if (file && strcmp(what, "gres") != 0)
		return cli_usage_error(cli, "slurm", "--file applies to 'slurm gres' only");
	if (sp.restart && strcmp(what, "reconfigure") != 0)
		return cli_usage_error(cli, "slurm", "--restart applies to 'slurm reconfigure' only");
	if (strcmp(what, "prolog") == 0)
		return run_prolog(&sp);
	if (strcmp(what, "gres") != 0 && strcmp(what, "nodes") != 0 && strcmp(what, "reconfigure") != 0)
		return cli_usage_error(cli, "slurm", "unknown subcommand '%s': use gres, nodes, prolog or reconfigure", what);
	if (cli_node(cli, &err))
		return cli_report(cli, &err);
	if (strcmp(what, "reconfigure") == 0) {
		if (cli_lock(cli, &err))
			return cli_report(cli, &err);
		return cli_slurm_reconfigure(cli, &sp);
	}
	finish_paths(&sp);
	migctl_slurm_layout_init(&l);
	char gres[4096], *text = NULL;
	if (live_layout(cli, &l, &err) || migctl_slurm_gres(&l, gres, sizeof(gres), &err)) {
		rc = cli_report(cli, &err);
	} else if (strcmp(what, "nodes") == 0) {
		printf("NodeName=%s Gres=%s\n", sp.node, gres);
	} else if (!(text = migctl_slurm_gres_conf(&l))) {
		migctl_fail(&err, MIGCTL_ERR_NOMEM, "out of memory");
		rc = cli_report(cli, &err);
	} else if (!file || strcmp(file, "-") == 0) {
		fputs(text, stdout);
	} else if (mu_file_write_atomic(file, "gres.conf", text, strlen(text), &err)) {
		rc = cli_report(cli, &err);
	}
	free(text);
	migctl_slurm_layout_release(&l);
	return rc;
}

static const struct cli_opt slurm_opts[] = {
	{"file", 'f', 0, "FILE", "gres: write gres.conf to FILE atomically", CLI_V_FILE, NULL, false},
	{"node", 0, OPT_NODE, "NAME",
	 "the node's NodeName (default: $SLURMD_NODENAME, else\nthe short host name)", CLI_V_NONE, NULL, false},
	{"slurm-conf", 0, OPT_SLURM_CONF, "FILE",
	 "slurm.conf (default: $SLURM_CONF, else\n/etc/slurm/slurm.conf)", CLI_V_FILE, NULL, false},
	{"gres-conf", 0, OPT_GRES_CONF, "FILE",
	 "gres.conf (default: next to slurm.conf)", CLI_V_FILE, NULL, false},
	{"restart", 0, OPT_RESTART, "CMD",
	 "reconfigure: the shell command that restarts\n"
	 "slurmctld, run when it keeps the old GRES after\n"
	 "'scontrol reconfigure'", CLI_V_NONE, NULL, false},
	{0},
};

const struct cli_command cli_cmd_slurm = {
	.name = "slurm",
	.summary = "Slurm: gres.conf, Gres=, TaskProlog and reconfigure for the layout",
	.operands = "gres|nodes|prolog|reconfigure",
	.description =
		"Hand this node's MIG devices to Slurm as GRES of type gpu, one per MIG\n"
		"device, its type the profile ('+' becomes '.').\n"
		"\n"
		"'slurm gres' prints gres.conf for the live layout: per MIG device a\n"
		"'# migctl: UUID' comment and 'Name=gpu Type=PROFILE MultipleFiles=' with\n"
		"its parent GPU's node and its GI and CI capability nodes (Slurm needs them\n"
		"to be character devices), grouped by type.\n"
		"'slurm nodes' prints the node's slurm.conf 'NodeName=NODE Gres=...', the\n"
		"types in the same order.\n"
		"'slurm prolog' is the TaskProlog: Slurm gives a job its slices as indices\n"
		"(SLURM_STEP_GPUS, CUDA_VISIBLE_DEVICES) in the order of Gres= and then of\n"
		"the gres.conf lines; it prints 'export CUDA_VISIBLE_DEVICES=MIG-...' with\n"
		"the UUIDs of those slices (empty, and a message, when it cannot map them).\n"
		"It needs no driver. Set TaskProlog= to a script that runs it.\n"
		"'slurm reconfigure' (and 'migctl apply --slurm-reconfigure') writes\n"
		"gres.conf and the node's Gres= in slurm.conf, each atomically, and runs\n"
		"'scontrol reconfigure', which makes slurmd reread gres.conf. Slurm 22.05's\n"
		"slurmctld takes a new count or type of File= GRES only when it restarts:\n"
		"with --restart CMD (apply: --slurm-restart CMD) migctl runs CMD then;\n"
		"without, it says so (exit 21). Once slurmctld reports the new Gres=, the\n"
		"node is resumed if Slurm drained it meanwhile. Run again after a restart:\n"
		"with gres.conf already current it only checks and resumes.\n",
	.formats = "text",
	.opts = slurm_opts,
	.epilogue =
		"Exit status: 0 done; 2 bad command line; 4 a file cannot be read or\n"
		"written, or scontrol failed; 13 slurm.conf has no NodeName line for the\n"
		"node, or scontrol is missing; 15 no driver (use --sim); 21 slurmctld\n"
		"still has the old GRES (restart it).\n",
	.operand_values = CLI_V_WORDS,
	.operand_words = "gres nodes prolog reconfigure",
	.run = cmd_slurm,
};
