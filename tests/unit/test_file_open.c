/* migctl — opening and writing the files a user names (lib/util/file.c):
 * which symbolic links are followed (root's and the caller's, as in a
 * Kubernetes ConfigMap mount), which are refused (another user's), what is
 * no input at all (FIFOs, directories, devices), and that an output named
 * by a link replaces the link instead of writing through it.
 *
 * Each test builds its files in a fresh private directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"

struct dir {
	char path[64];
};

static void put(const char *dir, const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void link_at(const char *dir, const char *target, const char *name)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	snprintf(d->path, sizeof(d->path), "/tmp/migctl-test-file-open-XXXXXX");
	assert_non_null(mkdtemp(d->path));
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	assert_int_equal(system(cmd), 0);
	free(d);
	return 0;
}

/* Read `name` under the test directory: the code, and the text in *text. */
static enum migctl_err read_in(const struct dir *d, const char *name, char **text,
			       struct migctl_error *err)
{
	char p[256];
	size_t len;

	snprintf(p, sizeof(p), "%s/%s", d->path, name);
	return mu_file_read(p, "config file", 0, text, &len, err);
}

/* Kubernetes mounts a ConfigMap as config.yaml -> ..data/config.yaml,
 * ..data -> ..2024_01_01_00_00_00.1 (the caller's, here: the kubelet
 * writes them as root). That chain is followed, relative and absolute. */
static void test_configmap_layout(void **state)
{
	struct dir *d = *state;
	struct migctl_error err;
	char *text = NULL, abs_target[256], p[256];
	size_t len;

	snprintf(p, sizeof(p), "%s/..2024_01_01_00_00_00.1", d->path);
	assert_int_equal(mkdir(p, 0755), 0);
	put(p, "config.yaml", "version: v1\n");
	link_at(d->path, "..2024_01_01_00_00_00.1", "..data");
	link_at(d->path, "..data/config.yaml", "config.yaml");
	assert_int_equal(read_in(d, "config.yaml", &text, &err), MIGCTL_ERR_OK);
	assert_string_equal(text, "version: v1\n");
	free(text);
	/* An absolute link to the mount, and a path through "..". */
	snprintf(abs_target, sizeof(abs_target), "%s/config.yaml", d->path);
	link_at(d->path, abs_target, "abs.yaml");
	assert_int_equal(read_in(d, "abs.yaml", &text, &err), MIGCTL_ERR_OK);
	assert_string_equal(text, "version: v1\n");
	free(text);
	assert_int_equal(read_in(d, "..data/../config.yaml", &text, &err), MIGCTL_ERR_OK);
	free(text);
	/* A relative path from the working directory. */
	char cwd[512];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(d->path), 0);
	assert_int_equal(mu_file_read("config.yaml", "config file", 0, &text, &len, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(len, 12);
	free(text);
	assert_int_equal(chdir(cwd), 0);
}

/* A link that another user owns (planted in a shared directory) is not
 * followed, at the last component or on the way; the message names the
 * link and its owner. Needs root to give a link away. */
static void test_foreign_link_refused(void **state)
{
	struct dir *d = *state;
	struct migctl_error err;
	char *text = (char *)1, p[256];

	if (geteuid() != 0)
		skip();
	put(d->path, "real.yaml", "version: v1\n");
	link_at(d->path, "real.yaml", "planted.yaml");
	snprintf(p, sizeof(p), "%s/planted.yaml", d->path);
	assert_int_equal(lchown(p, 65534, 65534), 0);
	assert_int_equal(read_in(d, "planted.yaml", &text, &err), MIGCTL_ERR_UNSAFE_FILE);
	assert_null(text);
	assert_non_null(strstr(err.msg, p));
	assert_non_null(strstr(err.msg, "owned by uid 65534"));
	assert_non_null(strstr(err.msg, "neither root nor you"));
	/* A directory link on the way, owned by nobody. */
	link_at(d->path, ".", "sub");
	snprintf(p, sizeof(p), "%s/sub", d->path);
	assert_int_equal(lchown(p, 65534, 65534), 0);
	assert_int_equal(read_in(d, "sub/real.yaml", &text, &err), MIGCTL_ERR_UNSAFE_FILE);
	assert_non_null(strstr(err.msg, p));
	/* The caller's own link to the same file is followed. */
	link_at(d->path, "real.yaml", "mine.yaml");
	assert_int_equal(read_in(d, "mine.yaml", &text, &err), MIGCTL_ERR_OK);
	free(text);
}

/* No input at all: a FIFO (refused without waiting for a writer), a
 * directory, a device; and a link loop. */
static void test_not_regular_refused(void **state)
{
	struct dir *d = *state;
	struct migctl_error err;
	char *text = (char *)1, p[256];
	size_t len;

	snprintf(p, sizeof(p), "%s/fifo", d->path);
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(read_in(d, "fifo", &text, &err), MIGCTL_ERR_IO);
	assert_null(text);
	assert_non_null(strstr(err.msg, "is not a regular file"));
	assert_int_equal(mu_file_read(d->path, "config file", 0, &text, &len, &err), MIGCTL_ERR_IO);
	assert_non_null(strstr(err.msg, "is not a regular file"));
	assert_int_equal(mu_file_read("/dev/zero", "config file", 0, &text, &len, &err),
			 MIGCTL_ERR_IO);
	assert_non_null(strstr(err.msg, "/dev/zero is not a regular file"));
	/* The caller's link to a device is followed, and the device refused. */
	link_at(d->path, "/dev/zero", "zero");
	assert_int_equal(read_in(d, "zero", &text, &err), MIGCTL_ERR_IO);
	assert_non_null(strstr(err.msg, "is not a regular file"));
	link_at(d->path, "loop2", "loop1");
	link_at(d->path, "loop1", "loop2");
	assert_int_equal(read_in(d, "loop1", &text, &err), MIGCTL_ERR_IO);
	assert_non_null(strstr(err.msg, "cannot open config file"));
	assert_int_equal(read_in(d, "missing/x.yaml", &text, &err), MIGCTL_ERR_IO);
	assert_non_null(strstr(err.msg, "No such file"));
}

/* A pipe the caller handed over (a shell's `-f <(cmd)` or `-f /dev/stdin`
 * from a pipe) is read through its descriptor, whatever its link says; a
 * descriptor on a device is still no input. */
static void test_caller_pipe(void **state)
{
	struct migctl_error err;
	char *text = NULL, p[64];
	size_t len;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "version: v1\n", 12), 12);
	close(fds[1]);
	snprintf(p, sizeof(p), "/dev/fd/%d", fds[0]);
	assert_int_equal(mu_file_read(p, "config file", 0, &text, &len, &err), MIGCTL_ERR_OK);
	assert_string_equal(text, "version: v1\n");
	assert_int_equal(len, 12);
	free(text);
	/* The caller's descriptor stays open (it was read through a copy). */
	assert_true(fcntl(fds[0], F_GETFD) >= 0);
	close(fds[0]);
	int dev = open("/dev/zero", O_RDONLY);
	assert_true(dev >= 0);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", dev);
	assert_int_equal(mu_file_read(p, "config file", 0, &text, &len, &err), MIGCTL_ERR_IO);
	assert_null(text);
	assert_non_null(strstr(err.msg, "is not a regular file"));
	close(dev);
}

/* MU_OPEN_NO_LINK (the journal): no link at all, even the caller's. */
static void test_no_link_flag(void **state)
{
	struct dir *d = *state;
	struct migctl_error err;
	const char *why = NULL;
	char p[256];
	int fd;

	put(d->path, "journal", "{}\n");
	link_at(d->path, "journal", "link");
	snprintf(p, sizeof(p), "%s/link", d->path);
	assert_int_equal(mu_file_open(p, "journal", 0, MU_OPEN_NO_LINK, &fd, &why, &err),
			 MIGCTL_ERR_IO);
	assert_int_equal(fd, -1);
	assert_string_equal(why, "it is a symbolic link");
	assert_int_equal(mu_file_open(p, "journal", 0, 0, &fd, &why, &err), MIGCTL_ERR_OK);
	assert_true(fd >= 0);
	/* Opened blocking again, and close-on-exec. */
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	assert_int_equal(mu_file_open(p, "journal", 2, 0, &fd, &why, &err), MIGCTL_ERR_IO);
	assert_non_null(strstr(err.msg, "larger than 2 bytes"));
}

/* An output named by a link: the link is replaced by the file, the file it
 * pointed to is left alone. */
static void test_write_replaces_link(void **state)
{
	struct dir *d = *state;
	struct migctl_error err;
	char p[256], *text = NULL;
	struct stat st;

	put(d->path, "victim", "precious\n");
	link_at(d->path, "victim", "out.yaml");
	snprintf(p, sizeof(p), "%s/out.yaml", d->path);
	assert_int_equal(mu_file_write_atomic(p, "config file", "new\n", 4, &err), MIGCTL_ERR_OK);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(read_in(d, "victim", &text, &err), MIGCTL_ERR_OK);
	assert_string_equal(text, "precious\n");
	free(text);
	assert_int_equal(read_in(d, "out.yaml", &text, &err), MIGCTL_ERR_OK);
	assert_string_equal(text, "new\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_configmap_layout, setup, teardown),
		cmocka_unit_test(test_caller_pipe),
		cmocka_unit_test_setup_teardown(test_foreign_link_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_regular_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_link_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_replaces_link, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
