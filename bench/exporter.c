/* Benchmark of `migctl exporter` on an 8-GPU x 7-instance simulated node
 * (8 x H100, seven 1g.10gb GIs each, 56 MIG devices): scrape latency
 * p50/p99 over HTTP, the exporter's CPU per second at a 1 s interval (from
 * /proc/PID/stat), and, in this process, what one sample costs: the
 * sampler's read of the node (NVML, here the simulator) and the rendering
 * of the exposition. Goals (issue 15): p99 <= 1 ms, <= 1% of one core.
 * The ratios printed are measured / goal (below 1 meets it).
 *
 * Needs MIGSIM_LIB and MIGSIM_BIN (bench/run.sh sets them); migctl is
 * next to MIGSIM_BIN. */
#include <arpa/inet.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>

#include "bench_util.h"
#include "migctl/exposition.h"
#include "migctl/node.h"
#include "migctl/sample.h"

#define GPUS 8
#define SCRAPES 2000
#define CPU_SECONDS 10

static char migctl[PATH_MAX], migsim[PATH_MAX], state[PATH_MAX];

static int sim(const char *a, const char *b, const char *c, const char *d, const char *e)
{
	char *argv[] = {migsim, "--state", state, (char *)a, (char *)b, (char *)c, (char *)d,
			(char *)e, NULL};
	return run_quiet(argv, 1);
}

static int cli(const char *a, const char *b, const char *c, const char *d)
{
	char sim_flag[PATH_MAX + 8];
	snprintf(sim_flag, sizeof(sim_flag), "--sim=%s", state);
	char *argv[] = {migctl, sim_flag, (char *)a, (char *)b, (char *)c, (char *)d, NULL};
	return run_quiet(argv, 1);
}

/* One GET over a fresh connection, as Prometheus does without keep-alive,
 * with the extra header line `hdr` ("" for none); the answer's size, or -1. */
static long get(unsigned port, const char *path, const char *hdr, char *buf, size_t cap)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	char req[256];
	long got = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int len = snprintf(req, sizeof(req),
			   "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s\r\n", path,
			   hdr);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    write(fd, req, (size_t)len) != (ssize_t)len) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((n = read(fd, buf, cap)) > 0)
		got += n;
	close(fd);
	return got;
}

static long scrape(unsigned port, char *buf, size_t cap)
{
	return get(port, "/metrics", "", buf, cap);
}

static double cpu_seconds(pid_t pid)
{
	char path[64], line[1024];
	unsigned long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f || !fgets(line, sizeof(line), f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	const char *p = strrchr(line, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Start the exporter on a free port; its pid, or -1. */
static pid_t start_exporter(unsigned *port, char *buf, size_t cap)
{
	for (unsigned tries = 0; tries < 20; tries++) {
		char listen[64], sim_flag[PATH_MAX + 8];
		*port = 20000 + (unsigned)(getpid() * 7 + tries * 131) % 30000;
		snprintf(listen, sizeof(listen), "127.0.0.1:%u", *port);
		snprintf(sim_flag, sizeof(sim_flag), "--sim=%s", state);
		pid_t pid = fork();
		if (pid == 0) {
			int fd = open("/dev/null", O_WRONLY);
			dup2(fd, 2);
			execl(migctl, migctl, sim_flag, "exporter", "--listen", listen, (char *)NULL);
			_exit(127);
		}
		for (int i = 0; i < 100; i++) {
			usleep(20000);
			if (scrape(*port, buf, cap) > 0)
				return pid;
			if (waitpid(pid, NULL, WNOHANG) == pid)
				break;
		}
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	return -1;
}

#define GZIP_HEADER "Accept-Encoding: gzip\r\n"

/* SCRAPES GETs of `path`: p50 and p99 in ms; the last answer's size. */
static long latency(unsigned port, const char *path, const char *hdr, char *buf, size_t cap,
		    double *p50, double *p99)
{
	static double t[SCRAPES];
	long size = 0;

	for (int i = 0; i < SCRAPES; i++) {
		double s = now();
		size = get(port, path, hdr, buf, cap);
		t[i] = now() - s;
		if (size <= 0) {
			fail("exporter: GET %s %d failed", path, i);
			return -1;
		}
	}
	qsort(t, SCRAPES, sizeof(t[0]), cmp_d);
	*p50 = t[SCRAPES / 2] * 1e3;
	*p99 = t[SCRAPES * 99 / 100] * 1e3;
	return size;
}

static double cpu_share(pid_t pid)
{
	double c0 = cpu_seconds(pid), w0 = now();
	sleep(CPU_SECONDS);
	return (cpu_seconds(pid) - c0) / (now() - w0);
}

static void bench_http(void)
{
	static char buf[1 << 16];
	unsigned port;
	long size, gz;
	double p50, p99, h50, h99, g50, g99;
	pid_t pid = start_exporter(&port, buf, sizeof(buf));

	if (pid < 0) {
		fail("exporter: could not start migctl exporter");
		return;
	}
	sleep(2); /* past the first samples */
	double idle = cpu_share(pid);
	size = latency(port, "/metrics", "", buf, sizeof(buf), &p50, &p99);
	/* The baseline: /healthz, a few bytes from the same server, shows
	 * what the machine's scheduling adds to any request. */
	latency(port, "/healthz", "", buf, sizeof(buf), &h50, &h99);
	/* Gzip, as Prometheus scrapes: the sampler compresses from the
	 * sample after the first such scrape on; then its CPU again. */
	get(port, "/metrics", GZIP_HEADER, buf, sizeof(buf));
	sleep(2);
	gz = latency(port, "/metrics", GZIP_HEADER, buf, sizeof(buf), &g50, &g99);
	double gzip_cpu = cpu_share(pid);
	if (size < 0 || gz < 0)
		goto out;
	printf("exporter: %d GPUs x 7 instances, %ld bytes per scrape\n", GPUS, size);
	printf("  scrape latency  p50 %.3f ms  p99 %.3f ms  (goal p99 <= 1 ms: ratio %.2f)\n", p50,
	       p99, p99 / 1.0);
	printf("  /healthz on the same server  p50 %.3f ms  p99 %.3f ms  (scrape/healthz p99: %.2f)\n",
	       h50, h99, h99 > 0 ? p99 / h99 : 0);
	printf("  CPU at a 1 s interval, no scrapes: %.2f%% of one core (goal <= 1%%: ratio %.2f)\n",
	       idle * 100, idle * 100 / 1.0);
	printf("  gzip scrape (%ld bytes)  p50 %.3f ms  p99 %.3f ms  (goal p99 <= 1 ms: ratio %.2f)\n",
	       gz, g50, g99, g99 / 1.0);
	printf("  CPU at a 1 s interval, compressing every sample: %.2f%% of one core (ratio %.2f)\n",
	       gzip_cpu * 100, gzip_cpu * 100 / 1.0);
out:
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* In this process: one sample through the sampler, and one render. */
static void bench_inside(const char *lib)
{
	struct migctl_node node = {0};
	struct migctl_node_options o = {.simulate = true, .sim_lib = lib, .sim_state = state};
	struct migctl_sampler *s = NULL;
	struct migctl_exposition x = {0};
	struct migctl_error err = {0};
	struct migctl_sample *smp = NULL;
	double take = 0, render = 0;
	const int n = 10;

	if (migctl_node_open(&node, &o, &err) || migctl_node_refresh(&node, &err) ||
	    migctl_sampler_open(&s, &node, NULL, &err)) {
		fail("exporter: %s", err.msg);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		double t0 = now();
		migctl_sample_free(smp);
		smp = NULL;
		if (migctl_sampler_take(s, &smp, &err)) {
			fail("exporter: take: %s", err.msg);
			goto out;
		}
		double t1 = now();
		struct migctl_expo_info info = {.hostname = "bench", .sample = smp};
		migctl_exposition_render(&x, &node, &info, &err);
		render += now() - t1;
		take += t1 - t0;
	}
	printf("  one sample: NVML reads (the simulator) %.2f ms, rendering %.3f ms (%zu bytes)\n",
	       take / n * 1e3, render / n * 1e3, x.len);
out:
	migctl_sample_free(smp);
	migctl_exposition_release(&x);
	migctl_sampler_free(s);
	migctl_node_close(&node);
}

int main(void)
{
	const char *lib = getenv("MIGSIM_LIB"), *bin = getenv("MIGSIM_BIN");
	char tmp[] = "/tmp/migctl-bench-exporter.XXXXXX", dir[PATH_MAX];

	if (!lib || !bin) {
		fprintf(stderr, "exporter: set MIGSIM_LIB and MIGSIM_BIN (see bench/run.sh)\n");
		return 1;
	}
	snprintf(migsim, sizeof(migsim), "%s", bin);
	snprintf(dir, sizeof(dir), "%s", bin);
	snprintf(migctl, sizeof(migctl), "%s/migctl", dirname(dir));
	if (!mkdtemp(tmp)) {
		perror("exporter: mkdtemp");
		return 1;
	}
	snprintf(state, sizeof(state), "%s", tmp);
	if (sim("init", "--gpus", "H100:8", NULL, NULL) || cli("mode", "enable", NULL, NULL) ||
	    cli("create", "1g.10gb,1g.10gb,1g.10gb,1g.10gb,1g.10gb,1g.10gb,1g.10gb", "-i",
		"0,1,2,3,4,5,6,7")) {
		fail("exporter: cannot build the 8-GPU node in %s", state);
	} else {
		bench_http();
		bench_inside(lib);
	}
	char *rm[] = {"rm", "-rf", state, NULL};
	run_quiet(rm, 1);
	return failures ? 1 : 0;
}
