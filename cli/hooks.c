/* migctl CLI — running mig-parted hooks (hooks v1).
 *
 * Semantics follow nvidia-mig-parted (reference/mig-parted.md §2.5): the
 * commands of a hook run one after another and the first failure stops
 * the hook; a child's environment is only the hook's own `envs` overlaid
 * with the MIG_PARTED_* variables of the command line (those win), so the
 * parent's environment, PATH included, is not inherited. The command
 * itself is looked up on the caller's PATH when it has no '/', as Go's
 * exec.Command does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

/* The command's path: itself if it has a '/', else the first executable
 * of that name on the caller's PATH (or the name, to fail at exec). */
static void find_command(const char *cmd, char *out, size_t len)
{
	const char *path = getenv("PATH");

	snprintf(out, len, "%s", cmd);
	if (strchr(cmd, '/') || !path)
		return;
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");
		char cand[1024];
		snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, n ? p : ".", cmd);
		if (access(cand, X_OK) == 0) {
			snprintf(out, len, "%s", cand);
			return;
		}
		p += n + (p[n] == ':');
	}
}

static bool env_has(char **env, size_t n, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < n; i++)
		if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
			return true;
	return false;
}

static void free_strv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* envs of the hook, then the command line's variables over them. */
static char **child_env(const struct migctl_hook_command *c, char *const *vars)
{
	size_t nv = 0;
	while (vars && vars[nv])
		nv++;
	char **env = calloc(c->n_envs + nv + 1, sizeof(*env));
	size_t n = 0;

	if (!env)
		return NULL;
	for (size_t i = 0; i < nv; i++)
		if (!(env[n++] = strdup(vars[i])))
			goto nomem;
	for (size_t i = 0; i < c->n_envs; i++) {
		if (env_has(env, nv, c->envs[i].name))
			continue;
		if (asprintf(&env[n++], "%s=%s", c->envs[i].name, c->envs[i].value) < 0) {
			env[--n] = NULL;
			goto nomem;
		}
	}
	return env;
nomem:
	free_strv(env);
	return NULL;
}

static enum migctl_err run_one(const struct hook_runner *h, enum migctl_hook_point point,
			       const struct migctl_hook_command *c, struct migctl_error *err)
{
	char path[1024];
	char **argv = calloc(c->n_args + 2, sizeof(*argv));
	char **env = child_env(c, h->vars);
	enum migctl_err rc = MIGCTL_ERR_OK;
	int status = 0;
	pid_t pid;

	if (!argv || !env) {
		rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
		goto out;
	}
	find_command(c->command, path, sizeof(path));
	argv[0] = c->command;
	for (size_t i = 0; i < c->n_args; i++)
		argv[i + 1] = c->args[i];
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		rc = migctl_fail(err, MIGCTL_ERR_IO, "hook %s: cannot start '%s': %s",
				 migctl_hook_point_name(point), c->command, strerror(errno));
		goto out;
	}
	if (pid == 0) {
		if (!h->show_output) {
			int null = open("/dev/null", O_WRONLY);
			if (null >= 0) {
				dup2(null, STDOUT_FILENO);
				dup2(null, STDERR_FILENO);
			}
		} else {
			dup2(STDERR_FILENO, STDOUT_FILENO); /* keep our stdout clean */
		}
		if (c->workdir && chdir(c->workdir) != 0)
			_exit(126);
		execve(path, argv, env);
		_exit(errno == ENOENT ? 127 : 126);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char how[64];
		if (WIFEXITED(status))
			snprintf(how, sizeof(how), "exited with status %d%s", WEXITSTATUS(status),
				 WEXITSTATUS(status) == 127 ? " (command not found)" : "");
		else
			snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(status));
		rc = migctl_fail(err, MIGCTL_ERR_HOOK,
				 "hook %s: '%s' (%s line %u) %s; fix the hook or run without -k",
				 migctl_hook_point_name(point), c->command, h->file, c->line, how);
	}
out:
	free(argv);
	free_strv(env);
	return rc;
}

enum migctl_err hook_run(enum migctl_hook_point point, void *ctx, struct migctl_error *err)
{
	const struct hook_runner *h = ctx;
	enum migctl_err rc;

	if (!h || !h->hooks)
		return MIGCTL_ERR_OK;
	for (size_t i = 0; i < h->hooks->n_commands[point]; i++)
		if ((rc = run_one(h, point, &h->hooks->commands[point][i], err)))
			return rc;
	return MIGCTL_ERR_OK;
}
