/* Helpers shared by the benchmarks (the programs in bench/): error reporting, the
 * clock, medians, splitmix64 random numbers and running a command
 * quietly. Everything is static (inline), one copy per benchmark
 * program, so that a program that does not use a helper does not warn. */
#ifndef MIGCTL_BENCH_UTIL_H
#define MIGCTL_BENCH_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Errors reported by fail(); a benchmark exits non-zero if there are any. */
static int failures __attribute__((unused));

static inline void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("\n*** BENCH ERROR: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" ***\n", stderr);
	failures++;
}

/* Monotonic time in seconds. */
static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of t[0..n) (sorts t). */
static inline double median(double *t, size_t n)
{
	qsort(t, n, sizeof(t[0]), cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* splitmix64: small, fast, and the same on every platform. */
static inline uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Run argv with stdout to the file `out` (created or truncated; NULL:
 * /dev/null) and stderr to /dev/null unless `show_err`; `ru`, if not NULL,
 * gets the child's resource usage. Returns the exit status, or -1. */
static inline int run_to(char *const argv[], const char *out, int show_err,
			 struct rusage *ru)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = out ? open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600) : -1;
		int null = open("/dev/null", O_WRONLY);
		if (out && fd < 0)
			_exit(126);
		if (fd >= 0 || null >= 0)
			dup2(fd >= 0 ? fd : null, 1);
		if (!show_err && null >= 0)
			dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (wait4(pid, &status, 0, ru) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Run argv with stdout (and stderr unless `show_err`) to /dev/null;
 * returns the exit status, or -1. */
static inline int run_quiet(char *const argv[], int show_err)
{
	return run_to(argv, NULL, show_err, NULL);
}

#endif
