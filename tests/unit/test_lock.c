/* Tests of the node lock (lib/lock.c) and of process identity
 * (lib/util/proc.c): one holder at a time across processes, the holder
 * named by PID, start time and command line, waiting with and without a
 * limit, release on exit however the holder exits, and a PID whose start
 * time differs not taken for the process that had it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "migctl/lock.h"
#include "util/proc.h"

struct fixture {
	char dir[256];
	char path[300];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/test_lock-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	/* One level below: acquire creates the directory. */
	snprintf(f->path, sizeof(f->path), "%s/run/migctl.lock", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* A child that takes the lock, says so on `ready` and holds it until it
 * is killed or `hold_ms` passes. */
static pid_t holder_child(const char *path, long hold_ms, int ready)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	struct migctl_lock l;
	struct migctl_error err = {0};
	migctl_lock_init(&l);
	if (migctl_lock_acquire(&l, path, 0, "migctl apply -f test.yaml", NULL, &err))
		_exit(1);
	if (write(ready, "x", 1) != 1)
		_exit(2);
	struct timespec ts = {hold_ms / 1000, (hold_ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
	_exit(0); /* exits holding it: the kernel lets go */
}

static pid_t start_holder(const char *path, long hold_ms)
{
	int p[2];
	char c;

	assert_int_equal(pipe(p), 0);
	pid_t pid = holder_child(path, hold_ms, p[1]);
	assert_true(pid > 0);
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void test_one_holder_named(void **state)
{
	struct fixture *f = *state;
	struct migctl_lock l;
	struct migctl_lock_holder h;
	struct migctl_error err = {0};
	struct stat st;

	pid_t child = start_holder(f->path, 10000);
	migctl_lock_init(&l);
	assert_int_equal(migctl_lock_acquire(&l, f->path, 0, "second", &h, &err), MIGCTL_ERR_LOCKED);
	assert_int_equal(l.fd, -1);
	assert_int_equal(h.pid, child);
	assert_string_equal(h.cmdline, "migctl apply -f test.yaml");
	assert_true(h.since > 0 && h.since <= (long long)time(NULL));
	assert_true(migctl_process_alive(h.pid, h.start));
	char want[64];
	snprintf(want, sizeof(want), "process %ld (migctl apply -f test.yaml)", (long)child);
	assert_non_null(strstr(err.msg, want));
	assert_non_null(strstr(err.msg, "--wait"));
	/* The file is private, the directory too. */
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char dir[300];
	snprintf(dir, sizeof(dir), "%s/run", f->dir);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* A limited wait that runs out is refused too, after the wait. */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(migctl_lock_acquire(&l, f->path, 300, NULL, NULL, &err), MIGCTL_ERR_LOCKED);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 300);
	/* SIGKILL: the lock goes with the process. */
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_false(migctl_process_alive(h.pid, h.start));
	assert_int_equal(migctl_lock_acquire(&l, f->path, 0, NULL, NULL, &err), MIGCTL_ERR_OK);
	/* Now this process is the one named, with its own command line. */
	assert_true(migctl_lock_read_holder(f->path, &h));
	assert_int_equal(h.pid, getpid());
	assert_non_null(strstr(h.cmdline, "test_lock"));
	assert_int_equal(migctl_lock_acquire(&l, f->path, 0, NULL, NULL, &err), MIGCTL_ERR_OK);
	migctl_lock_release(&l);
	assert_int_equal(l.fd, -1);
}

static void test_wait_gets_it(void **state)
{
	struct fixture *f = *state;
	struct migctl_lock l;
	struct migctl_error err = {0};

	pid_t child = start_holder(f->path, 300);
	migctl_lock_init(&l);
	/* < 0: as long as it takes; the holder exits after 300 ms. */
	assert_int_equal(migctl_lock_acquire(&l, f->path, -1, NULL, NULL, &err), MIGCTL_ERR_OK);
	int status;
	waitpid(child, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	migctl_lock_release(&l);
}

static void test_bad_paths(void **state)
{
	struct fixture *f = *state;
	struct migctl_lock l;
	struct migctl_error err = {0};
	char link[400];

	migctl_lock_init(&l);
	assert_int_equal(migctl_lock_acquire(&l, "", 0, NULL, NULL, &err), MIGCTL_ERR_USAGE);
	assert_int_equal(migctl_lock_acquire(&l, "/nonexistent-dir/a/b/lock", 0, NULL, NULL, &err),
			 MIGCTL_ERR_IO);
	/* A symbolic link is never followed to its target. */
	snprintf(link, sizeof(link), "%s/link.lock", f->dir);
	assert_int_equal(symlink("/etc/passwd", link), 0);
	assert_int_not_equal(migctl_lock_acquire(&l, link, 0, NULL, NULL, &err), MIGCTL_ERR_OK);
	assert_int_equal(l.fd, -1);
}

static void test_process_identity(void **state)
{
	unsigned long long start, again;

	(void)state;
	assert_true(mu_proc_start_time((long)getpid(), &start));
	assert_true(mu_proc_start_time((long)getpid(), &again));
	assert_true(start == again && start > 0);
	assert_int_equal(migctl_process_self_start(), start);
	assert_true(mu_proc_alive((long)getpid(), start));
	/* Same PID, another start time: another process. */
	assert_false(mu_proc_alive((long)getpid(), start + 1));
	assert_false(mu_proc_start_time(0, &again));
	assert_false(mu_proc_start_time(-5, &again));
	/* A process that is gone. */
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	unsigned long long cs = 0;
	bool had = mu_proc_start_time((long)child, &cs);
	waitpid(child, NULL, 0);
	assert_false(had && mu_proc_alive((long)child, cs));
	char cmd[256];
	mu_proc_cmdline((long)getpid(), cmd, sizeof(cmd));
	assert_non_null(strstr(cmd, "test_lock"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_holder_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_gets_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_paths, setup, teardown),
		cmocka_unit_test(test_process_identity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
