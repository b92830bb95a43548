/* The CLI's GPU-reset callback (cli/gpu_reset.c): nvidia-smi is taken
 * from absolute paths only, never when it resolves to the running
 * program (the `ln -s migctl ~/bin/nvidia-smi` personality), and its
 * failure text reaches the caller. Fake programs live in a temp dir. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpu_reset.h"

struct fx {
	char dir[256];
	char self[PATH_MAX];     /* stands for the migctl binary */
	char link[PATH_MAX];     /* DIR/a/nvidia-smi -> self */
	char smi[PATH_MAX];      /* DIR/b/nvidia-smi, a real program */
};

static void write_prog(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0755), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char sub[PATH_MAX + 8];

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/migctl-reset-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->self, sizeof(f->self), "%s/migctl", f->dir);
	write_prog(f->self, "exit 0");
	snprintf(sub, sizeof(sub), "%s/a", f->dir);
	mkdir(sub, 0755);
	snprintf(sub, sizeof(sub), "%s/b", f->dir);
	mkdir(sub, 0755);
	snprintf(f->link, sizeof(f->link), "%s/a/nvidia-smi", f->dir);
	if (symlink(f->self, f->link) != 0)
		return -1;
	snprintf(f->smi, sizeof(f->smi), "%s/b/nvidia-smi", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void test_skips_a_link_to_itself(void **state)
{
	struct fx *f = *state;
	const char *paths[] = {f->link, f->smi, NULL};
	char out[PATH_MAX], why[512];

	write_prog(f->smi, "exit 0");
	assert_true(cli_find_nvidia_smi(paths, f->self, out, sizeof(out), why, sizeof(why)));
	assert_string_equal(out, f->smi);
}

static void test_refuses_only_itself(void **state)
{
	struct fx *f = *state;
	const char *paths[] = {f->link, f->smi, NULL}; /* f->smi does not exist */
	char out[PATH_MAX] = "", why[512];

	assert_false(cli_find_nvidia_smi(paths, f->self, out, sizeof(out), why, sizeof(why)));
	assert_non_null(strstr(why, f->link));
	assert_non_null(strstr(why, "migctl itself"));
	assert_string_equal(out, "");
	/* Compared with another program, the link is an ordinary candidate. */
	assert_true(cli_find_nvidia_smi(paths, "/nonexistent", out, sizeof(out), why, sizeof(why)));
	assert_string_equal(out, f->link);
}

static void test_absolute_executables_only(void **state)
{
	struct fx *f = *state;
	char rel[] = "nvidia-smi";
	const char *paths[] = {rel, f->smi, NULL};
	char out[PATH_MAX], why[512];

	/* Even with a program of that name in the working directory. */
	assert_int_equal(chdir(f->dir), 0);
	write_prog(rel, "exit 0");
	write_prog(f->smi, "exit 0");
	assert_int_equal(chmod(f->smi, 0644), 0);
	assert_false(cli_find_nvidia_smi(paths, NULL, out, sizeof(out), why, sizeof(why)));
	assert_non_null(strstr(why, "not found"));
	assert_non_null(strstr(why, f->smi));
	assert_int_equal(chmod(f->smi, 0755), 0);
	assert_true(cli_find_nvidia_smi(paths, NULL, out, sizeof(out), why, sizeof(why)));
	assert_string_equal(out, f->smi);
	assert_int_equal(chdir("/"), 0);
}

static void test_fixed_list_is_absolute(void **state)
{
	(void)state;
	size_t n = 0;
	for (; cli_nvidia_smi_paths[n]; n++)
		assert_int_equal(cli_nvidia_smi_paths[n][0], '/');
	assert_true(n >= 3);
	assert_string_equal(cli_nvidia_smi_paths[0], "/usr/bin/nvidia-smi");
}

static void test_run_passes_bus_id_and_reports_failure(void **state)
{
	struct fx *f = *state;
	char args[PATH_MAX + 8], body[2 * PATH_MAX], why[512], got[128] = "";
	FILE *in;

	snprintf(args, sizeof(args), "%s/args", f->dir);
	snprintf(body, sizeof(body), "echo \"$*\" >'%s'\necho 'Resetting...'\n"
		 "echo 'Unable to reset GPU 00000000:07:00.0: In use by another client'\nexit 3",
		 args);
	write_prog(f->smi, body);
	assert_int_equal(cli_run_gpu_reset(f->smi, "00000000:07:00.0", why, sizeof(why)), -1);
	assert_string_equal(why,
			    "nvidia-smi exited with status 3: Unable to reset GPU 00000000:07:00.0: In use by another client");
	in = fopen(args, "r");
	assert_non_null(in);
	assert_non_null(fgets(got, sizeof(got), in));
	fclose(in);
	assert_string_equal(got, "--gpu-reset -i 00000000:07:00.0\n");

	write_prog(f->smi, "exit 0");
	assert_int_equal(cli_run_gpu_reset(f->smi, "00000000:07:00.0", why, sizeof(why)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_skips_a_link_to_itself),
		T(test_refuses_only_itself),
		T(test_absolute_executables_only),
		T(test_fixed_list_is_absolute),
		T(test_run_passes_bus_id_and_reports_failure),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
