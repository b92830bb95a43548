/* Tests of the CLI's --force eviction callback (cli/evict.c) and of
 * migctl_process_start_time (lib/node_read.c): a process is signalled
 * only while it still has the start time recorded when the driver listed
 * it (issue 13, finding 8), so a pid reused by another process is left
 * alone. Children of this test stand in for the listed processes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static pid_t child(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

/* Whether `pid` ended within about a second; reaps it if so. */
static bool ended(pid_t pid, int *status)
{
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return true;
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	return false;
}

static void test_start_time(void **state)
{
	(void)state;
	uint64_t self = migctl_process_start_time((unsigned)getpid());
	assert_true(self > 0);
	assert_int_equal(migctl_process_start_time((unsigned)getpid()), self);
	pid_t pid = child();
	uint64_t t = migctl_process_start_time((unsigned)pid);
	assert_true(t >= self);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* gone: unknown */
	assert_int_equal(migctl_process_start_time((unsigned)pid), 0);
}

/* The recorded identity still holds: SIGTERM in round 0. */
static void test_same_process_is_signalled(void **state)
{
	struct migctl_error err = {0};
	struct migctl_process p = {0};
	long wait_ms = 0;
	int status = 0;
	(void)state;

	pid_t pid = child();
	p.pid = (unsigned)pid;
	p.start_time = migctl_process_start_time(p.pid);
	assert_int_equal(cli_evict(NULL, 0, &p, 1, &wait_ms, &err), MIGCTL_ERR_OK);
	assert_true(ended(pid, &status));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGTERM);
	assert_true(wait_ms > 0);
}

/* Another start time (the pid now names another process), or none known:
 * no signal, in either round. */
static void test_other_process_is_left_alone(void **state)
{
	struct migctl_error err = {0};
	struct migctl_process p[2] = {{0}, {0}};
	long wait_ms = 0;
	int status = 0;
	(void)state;

	pid_t a = child(), b = child();
	p[0].pid = (unsigned)a;
	p[0].start_time = migctl_process_start_time(p[0].pid) + 1;
	p[1].pid = (unsigned)b;
	p[1].start_time = 0;
	assert_int_equal(cli_evict(NULL, 0, p, 2, &wait_ms, &err), MIGCTL_ERR_OK);
	assert_int_equal(cli_evict(NULL, 1, p, 2, &wait_ms, &err), MIGCTL_ERR_OK);
	assert_false(ended(a, &status));
	assert_false(ended(b, &status));
	/* round 2: the caller gives up and says so */
	assert_int_equal(cli_evict(NULL, 2, p, 2, &wait_ms, &err), MIGCTL_ERR_BUSY);
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	waitpid(a, NULL, 0);
	waitpid(b, NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_time),
		cmocka_unit_test(test_same_process_is_signalled),
		cmocka_unit_test(test_other_process_is_left_alone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
