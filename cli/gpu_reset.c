/* migctl CLI — GPU reset through NVIDIA's nvidia-smi (see gpu_reset.h).
 *
 * The library decides no policy: it calls back here with a bus ID while
 * it holds no NVML handle. Which program resets a GPU is the CLI's choice,
 * made from absolute paths only, so that neither PATH nor a personality
 * symlink can substitute another program, migctl included.
 */
#include "gpu_reset.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

const char *const cli_nvidia_smi_paths[] = {
	"/usr/bin/nvidia-smi",
	"/usr/local/bin/nvidia-smi",
	"/usr/sbin/nvidia-smi",
	"/bin/nvidia-smi",
	NULL,
};

bool cli_find_nvidia_smi(const char *const *paths, const char *self, char *out, size_t len,
			 char *why, size_t why_len)
{
	const char *refused = NULL;

	snprintf(why, why_len, "nvidia-smi was not found in");
	for (size_t i = 0; paths[i]; i++) {
		char real[PATH_MAX];
		struct stat st;
		size_t used = strlen(why);

		if (used < why_len)
			snprintf(why + used, why_len - used, "%s %s", i ? "," : "", paths[i]);
		if (paths[i][0] != '/' || !realpath(paths[i], real))
			continue;
		if (stat(real, &st) != 0 || !S_ISREG(st.st_mode) || access(real, X_OK) != 0)
			continue;
		if (self && strcmp(real, self) == 0) {
			refused = paths[i];
			continue;
		}
		if (strlen(paths[i]) >= len)
			continue;
		memcpy(out, paths[i], strlen(paths[i]) + 1);
		return true;
	}
	if (refused)
		snprintf(why, why_len,
			 "%s is migctl itself, not NVIDIA's nvidia-smi; install the NVIDIA driver utilities",
			 refused);
	return false;
}

/* Keep the last `cap - 1` bytes read from `fd` in `out`: errors are at the
 * end. Returns the length kept. */
static size_t read_tail(int fd, char *out, size_t cap)
{
	size_t used = 0;

	for (;;) {
		char chunk[256];
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (used + (size_t)n >= cap) {
			size_t drop = used + (size_t)n - (cap - 1);
			if (drop > used)
				drop = used;
			memmove(out, out + drop, used - drop);
			used -= drop;
		}
		size_t take = (size_t)n < cap - 1 - used ? (size_t)n : cap - 1 - used;
		memcpy(out + used, chunk, take);
		used += take;
	}
	out[used] = '\0';
	return used;
}

int cli_run_gpu_reset(const char *smi, const char *bus_id, char *why, size_t why_len)
{
	char *argv[] = {(char *)smi, "--gpu-reset", "-i", (char *)bus_id, NULL};
	posix_spawn_file_actions_t fa;
	int fds[2], status = 0, e;
	pid_t pid;
	char out[1024];
	size_t used;

	why[0] = '\0';
	if (pipe2(fds, O_CLOEXEC) != 0) {
		snprintf(why, why_len, "cannot create a pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	e = posix_spawn(&pid, smi, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (e != 0) {
		close(fds[0]);
		snprintf(why, why_len, "cannot run %s: %s", smi, strerror(e));
		return -1;
	}
	used = read_tail(fds[0], out, sizeof(out));
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(why, why_len, "cannot wait for nvidia-smi: %s", strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	/* The last non-empty line of its output says why. */
	while (used > 0 && (out[used - 1] == '\n' || out[used - 1] == '\r' || out[used - 1] == ' '))
		out[--used] = '\0';
	char *line = strrchr(out, '\n');
	line = line ? line + 1 : out;
	if (WIFEXITED(status))
		snprintf(why, why_len, "nvidia-smi exited with status %d%s%.*s", WEXITSTATUS(status),
			 *line ? ": " : "", (int)(why_len > 64 ? why_len - 64 : 0), line);
	else
		snprintf(why, why_len, "nvidia-smi was killed by signal %d",
			 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return -1;
}

int cli_reset_gpu(void *ctx, const char *bus_id, char *why, size_t why_len)
{
	char self[PATH_MAX], smi[PATH_MAX];
	bool have_self = realpath("/proc/self/exe", self) != NULL;

	(void)ctx;
	if (!cli_find_nvidia_smi(cli_nvidia_smi_paths, have_self ? self : NULL, smi, sizeof(smi),
				 why, why_len))
		return -1;
	return cli_run_gpu_reset(smi, bus_id, why, why_len);
}
