/* migctl exporter — Prometheus metrics of every GPU and slice over HTTP
 * (libmicrohttpd). The main thread is the sampler: every interval it
 * reads the node, renders the whole exposition into the back buffer and
 * swaps it with the front one. A scrape (libmicrohttpd's thread) only
 * copies the front buffer under a mutex, so it never waits on NVML and
 * costs the same however slow the driver is. Once a scraper has asked for
 * gzip (Prometheus does), the sampler compresses each exposition too: a
 * 56-device node's 340 KB become about 10 KB on the wire. */
#include <dlfcn.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "cli.h"
#include "migctl/exposition.h"

#define INTERVAL_MIN_MS 100u
#define INTERVAL_MAX_MS 3600000u

enum { OPT_LISTEN = 'l', OPT_INTERVAL = 'd', OPT_ONCE = 1000, OPT_NO_HOSTNAME };

struct gz {
	unsigned char *data;
	size_t len, cap;
};

struct exporter {
	struct cli *cli;
	unsigned interval_ms;
	bool hostname;
	char host[256];
	pthread_mutex_t lock;         /* guards front and the health fields */
	struct migctl_exposition front, back;
	struct gz front_gz, back_gz;  /* their gzip form; len 0: none */
	bool gzip_wanted;             /* guarded: a scrape asked for gzip */
	double last_sample;           /* monotonic seconds; 0: none yet */
	bool node_ok;                 /* the last sample could read the node */
	char why[512];                /* why not (guarded: /healthz reads it) */
	char why_next[512];           /* the sample in progress's (sampler only) */
	struct migctl_expo_info info; /* the sampler's counters */
	unsigned dropped;             /* GPUs left out of the current sample */
	struct migctl_sampler *sampler;
};

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Compress `x` into `z` (gzip, fastest level: the text repeats its labels
 * on every line, so level 1 already shrinks it some 30 times). On failure
 * z->len is 0 and scrapes get the plain text. */
static void gzip_exposition(const struct migctl_exposition *x, struct gz *z)
{
	z_stream st;

	memset(&st, 0, sizeof(st));
	z->len = 0;
	if (deflateInit2(&st, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return;
	size_t need = deflateBound(&st, (uLong)x->len);
	if (need > z->cap) {
		unsigned char *p = realloc(z->data, need);
		if (!p) {
			deflateEnd(&st);
			return;
		}
		z->data = p;
		z->cap = need;
	}
	st.next_in = (Bytef *)x->text;
	st.avail_in = (uInt)x->len;
	st.next_out = z->data;
	st.avail_out = (uInt)z->cap;
	if (deflate(&st, Z_FINISH) == Z_STREAM_END)
		z->len = st.total_out;
	deflateEnd(&st);
}

static void on_gpu_error(void *ctx, unsigned index, const struct migctl_error *why)
{
	struct exporter *ex = ctx;

	(void)index;
	ex->dropped++;
	snprintf(ex->why_next, sizeof(ex->why_next), "%s", why->msg);
}

/* One sample: read the node, render into the back buffer, swap. */
static void sample(struct exporter *ex)
{
	struct migctl_error err = {0};
	struct migctl_node shown;
	enum migctl_err rc;
	double t0 = mono_now();

	ex->dropped = 0;
	ex->why_next[0] = '\0';
	/* The sampler leaves out the GPUs NVML fails on (on_gpu_error). */
	struct migctl_sample *smp = NULL;
	rc = migctl_sampler_take(ex->sampler, &smp, &err);
	shown = ex->cli->node;
	if (rc) {
		/* Nothing could be read: every GPU's metrics go, the counters stay. */
		ex->info.node_errors++;
		shown.n_gpus = 0;
		snprintf(ex->why_next, sizeof(ex->why_next), "%s", err.msg);
	}
	ex->info.gpu_errors += ex->dropped;
	ex->info.gpus_dropped = ex->dropped;
	ex->info.samples++;
	ex->info.timestamp = wall_now();
	ex->info.hostname = ex->hostname ? ex->host : NULL;
	ex->info.sample = smp;
	if (migctl_exposition_render(&ex->back, &shown, &ex->info, &err))
		snprintf(ex->why_next, sizeof(ex->why_next), "%s", err.msg);
	ex->info.sample = NULL;
	migctl_sample_free(smp);
	pthread_mutex_lock(&ex->lock);
	bool gzip = ex->gzip_wanted;
	pthread_mutex_unlock(&ex->lock);
	ex->back_gz.len = 0;
	if (gzip)
		gzip_exposition(&ex->back, &ex->back_gz);
	ex->info.sample_seconds = mono_now() - t0;

	pthread_mutex_lock(&ex->lock);
	struct migctl_exposition t = ex->front;
	ex->front = ex->back;
	ex->back = t;
	struct gz tz = ex->front_gz;
	ex->front_gz = ex->back_gz;
	ex->back_gz = tz;
	ex->last_sample = mono_now();
	ex->node_ok = rc == MIGCTL_ERR_OK;
	memcpy(ex->why, ex->why_next, sizeof(ex->why));
	pthread_mutex_unlock(&ex->lock);
}

/* libmicrohttpd is opened when the exporter starts, not linked: it pulls in
 * GnuTLS and eight more libraries, whose loading cost about 0.9 ms of CPU
 * at the start of every migctl command (bench/smi_ratio's floor). The
 * pointer types come from microhttpd.h, so a mismatch does not compile. */
static struct {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
	__typeof__(MHD_lookup_connection_value) *lookup_connection_value;
} mhd;

static enum migctl_err load_mhd(struct migctl_error *err)
{
	/* Debian 12's libmicrohttpd12; the soname the headers were built for. */
	static const char soname[] = "libmicrohttpd.so.12";
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
				   "the exporter needs %s: %s; install it (Debian: apt-get install libmicrohttpd12)",
				   soname, dlerror());
#define MHD_SYM(field, name)                                                         \
	do {                                                                         \
		*(void **)&mhd.field = dlsym(h, name);                               \
		if (!mhd.field)                                                      \
			return migctl_fail(err, MIGCTL_ERR_NOT_FOUND, "%s lacks %s",  \
					   soname, name);                            \
	} while (0)
	MHD_SYM(start_daemon, "MHD_start_daemon");
	MHD_SYM(stop_daemon, "MHD_stop_daemon");
	MHD_SYM(create_response_from_buffer, "MHD_create_response_from_buffer");
	MHD_SYM(add_response_header, "MHD_add_response_header");
	MHD_SYM(queue_response, "MHD_queue_response");
	MHD_SYM(destroy_response, "MHD_destroy_response");
	MHD_SYM(lookup_connection_value, "MHD_lookup_connection_value");
#undef MHD_SYM
	return MIGCTL_ERR_OK;
}

static enum MHD_Result reply_as(struct MHD_Connection *c, unsigned status, const char *type,
				const char *encoding, const void *body, size_t len)
{
	struct MHD_Response *r = mhd.create_response_from_buffer(len, (void *)body,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (encoding)
		mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, encoding);
	ret = mhd.queue_response(c, status, r);
	mhd.destroy_response(r);
	return ret;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			     const char *body, size_t len)
{
	return reply_as(c, status, type, NULL, body, len);
}

/* /metrics: the front buffer, gzipped when the scraper takes it and the
 * sampler has made it (from the sample after the first gzip scrape). */
static enum MHD_Result metrics(struct exporter *ex, struct MHD_Connection *c)
{
	static const char type[] = "text/plain; version=0.0.4; charset=utf-8";
	bool gzip = migctl_accepts_gzip(
		mhd.lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING));
	enum MHD_Result r;

	pthread_mutex_lock(&ex->lock);
	if (gzip)
		ex->gzip_wanted = true;
	if (gzip && ex->front_gz.len)
		r = reply_as(c, MHD_HTTP_OK, type, "gzip", ex->front_gz.data, ex->front_gz.len);
	else
		r = reply(c, MHD_HTTP_OK, type, ex->front.text ? ex->front.text : "", ex->front.len);
	pthread_mutex_unlock(&ex->lock);
	return r;
}

/* /healthz: 200 while samples keep coming and the node can be read. */
static enum MHD_Result health(struct exporter *ex, struct MHD_Connection *c)
{
	char body[640];
	unsigned status = MHD_HTTP_OK;
	double limit = 3.0 * ex->interval_ms / 1000.0 + 5.0;

	pthread_mutex_lock(&ex->lock);
	double age = mono_now() - ex->last_sample;
	if (!ex->node_ok) {
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
		snprintf(body, sizeof(body), "unhealthy: the node cannot be read: %s\n", ex->why);
	} else if (age > limit) {
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
		snprintf(body, sizeof(body), "unhealthy: the last sample is %.1f s old\n", age);
	} else {
		snprintf(body, sizeof(body), "ok\n");
	}
	pthread_mutex_unlock(&ex->lock);
	return reply(c, status, "text/plain; charset=utf-8", body, strlen(body));
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct exporter *ex = cls;
	static const char index[] =
		"<html><head><title>migctl exporter</title></head><body>"
		"<h1>migctl exporter</h1><p><a href=\"/metrics\">/metrics</a> "
		"<a href=\"/healthz\">/healthz</a></p></body></html>\n";
	static const char missing[] = "not found: try /metrics or /healthz\n";

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)con_cls;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET only\n", 9);
	if (strcmp(url, "/metrics") == 0)
		return metrics(ex, c);
	if (strcmp(url, "/healthz") == 0 || strcmp(url, "/health") == 0)
		return health(ex, c);
	if (strcmp(url, "/") == 0)
		return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", index, sizeof(index) - 1);
	return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", missing, sizeof(missing) - 1);
}

static struct MHD_Daemon *start_http(struct exporter *ex, const struct migctl_listen *l,
				     struct migctl_error *err)
{
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
	const struct sockaddr *sa;
	unsigned flags = MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD;

	if (load_mhd(err))
		return NULL;
	memset(&in4, 0, sizeof(in4));
	memset(&in6, 0, sizeof(in6));
	if (l->family == AF_INET6) {
		in6.sin6_family = AF_INET6;
		in6.sin6_port = htons((uint16_t)l->port);
		memcpy(&in6.sin6_addr, l->addr, 16);
		sa = (const struct sockaddr *)&in6;
		flags |= MHD_USE_IPv6;
	} else {
		in4.sin_family = AF_INET;
		in4.sin_port = htons((uint16_t)l->port);
		memcpy(&in4.sin_addr, l->addr, 4);
		sa = (const struct sockaddr *)&in4;
	}
	struct MHD_Daemon *d = mhd.start_daemon(flags, (uint16_t)l->port, NULL, NULL, handle, ex,
						MHD_OPTION_SOCK_ADDR, sa,
						MHD_OPTION_CONNECTION_LIMIT, 64u,
						MHD_OPTION_CONNECTION_TIMEOUT, 10u,
						MHD_OPTION_END);
	if (!d)
		migctl_fail(err, MIGCTL_ERR_IO,
			    "cannot listen on %s%s%s:%u: %s; pick another address or port with --listen",
			    l->family == AF_INET6 ? "[" : "", l->host,
			    l->family == AF_INET6 ? "]" : "", l->port,
			    errno ? strerror(errno) : "libmicrohttpd refused to start");
	return d;
}

/* Sample every interval until SIGINT, SIGTERM or SIGHUP. The signals are
 * blocked in every thread and taken here with sigtimedwait, so no handler
 * runs in the middle of a sample. */
static void serve(struct exporter *ex, const sigset_t *stop)
{
	for (;;) {
		double next = ex->last_sample + ex->interval_ms / 1000.0;
		double left = next - mono_now();
		if (left > 0) {
			struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
			int sig = sigtimedwait(stop, NULL, &ts);
			if (sig > 0)
				return;
			if (sig < 0 && errno != EAGAIN)
				continue;
		}
		sample(ex);
	}
}

static int parse(struct cli *cli, int argc, char **argv, struct exporter *ex,
		 struct migctl_listen *l, bool *once)
{
	const char *listen = MIGCTL_LISTEN_DEFAULT;
	struct migctl_error err = {0};
	struct cli_parse p;
	int opt;

	cli_parse_init(&p, cli, &cli_cmd_exporter, argc, argv);
	while ((opt = cli_next_opt(&p)) > 0) {
		if (opt == OPT_LISTEN) {
			listen = p.arg;
		} else if (opt == OPT_INTERVAL) {
			char *end;
			unsigned long v = strtoul(p.arg, &end, 10);
			if (p.arg[0] < '0' || p.arg[0] > '9' || *end || v < INTERVAL_MIN_MS ||
			    v > INTERVAL_MAX_MS)
				return cli_usage_error(cli, "exporter",
						       "--interval '%s': give milliseconds from %u to %u",
						       p.arg, INTERVAL_MIN_MS, INTERVAL_MAX_MS);
			ex->interval_ms = (unsigned)v;
		} else if (opt == OPT_ONCE) {
			*once = true;
		} else if (opt == OPT_NO_HOSTNAME) {
			ex->hostname = false;
		}
	}
	if (opt == CLI_PARSE_STOP)
		return p.rc;
	if (p.ind < argc)
		return cli_usage_error(cli, "exporter", "unexpected argument '%s'", argv[p.ind]);
	if (migctl_listen_parse(listen, l, &err))
		return cli_usage_error(cli, "exporter", "%s", err.msg);
	return CLI_OPT_NEXT;
}

int cmd_exporter(struct cli *cli, int argc, char **argv)
{
	struct exporter ex = {.cli = cli, .interval_ms = 1000, .hostname = true};
	struct migctl_error err = {0};
	struct migctl_listen l;
	struct MHD_Daemon *d;
	sigset_t stop, old;
	bool once = false;
	int rc = parse(cli, argc, argv, &ex, &l, &once);

	if (rc != CLI_OPT_NEXT)
		return rc;
	if (cli_node(cli, &err))
		return cli_report(cli, &err);
	struct migctl_sampler_options so = {
		.events = true, .on_gpu_error = on_gpu_error, .error_ctx = &ex};
	if (migctl_sampler_open(&ex.sampler, &cli->node, &so, &err))
		return cli_report(cli, &err);
	if (gethostname(ex.host, sizeof(ex.host) - 1) != 0)
		snprintf(ex.host, sizeof(ex.host), "localhost");
	pthread_mutex_init(&ex.lock, NULL);
	sample(&ex);
	if (once) {
		/* Rates and GPM values need two samples an interval apart. */
		struct timespec ts = {ex.interval_ms / 1000, (long)(ex.interval_ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
		sample(&ex);
		fwrite(ex.front.text, 1, ex.front.len, stdout);
		goto out;
	}
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	d = start_http(&ex, &l, &err);
	if (!d) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		rc = cli_report(cli, &err);
		goto out;
	}
	fprintf(stderr, "migctl exporter: serving http://%s%s%s:%u/metrics every %u ms\n",
		l.family == AF_INET6 ? "[" : "", l.host, l.family == AF_INET6 ? "]" : "",
		l.port, ex.interval_ms);
	serve(&ex, &stop);
	mhd.stop_daemon(d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
out:
	migctl_sampler_free(ex.sampler);
	migctl_exposition_release(&ex.front);
	migctl_exposition_release(&ex.back);
	free(ex.front_gz.data);
	free(ex.back_gz.data);
	pthread_mutex_destroy(&ex.lock);
	return rc == CLI_OPT_NEXT ? 0 : rc;
}

static const struct cli_opt exporter_opts[] = {
	{"listen", 'l', OPT_LISTEN, "ADDR:PORT", "where to serve (default " MIGCTL_LISTEN_DEFAULT ", loopback\nonly); 0.0.0.0:9400 or [::]:9400 for every interface", CLI_V_NONE, NULL, false},
	{"interval", 'd', OPT_INTERVAL, "MS", "sampling interval in milliseconds (default 1000,\n100 to 3600000)", CLI_V_NONE, NULL, false},
	{"once", 0, OPT_ONCE, NULL, "print one exposition on standard output and exit\n(no server): two samples an interval apart, the\nsecond one printed", CLI_V_NONE, NULL, false},
	{"no-hostname", 0, OPT_NO_HOSTNAME, NULL, "leave out the Hostname label (dcgm-exporter's -n)", CLI_V_NONE, NULL, false},
	{0},
};

const struct cli_command cli_cmd_exporter = {
	.name = "exporter",
	.summary = "serve Prometheus metrics of every GPU and slice",
	.description =
		"Serve the node's metrics for Prometheus at /metrics, with dcgm-exporter's\n"
		"metric names (DCGM_FI_*) and labels (gpu, UUID, pci_bus_id, device,\n"
		"modelName, GPU_I_PROFILE, GPU_I_ID, Hostname), so that dashboards and\n"
		"alerts written for dcgm-exporter work, plus migctl's capacity metrics:\n"
		"free placements and remaining capacity per GPU instance profile\n"
		"(migctl_gi_profile_free_placements, migctl_gi_profile_remaining), the\n"
		"largest profile that still fits (migctl_largest_free_profile_slices) and\n"
		"instances by state (migctl_instances).\n"
		"\n"
		"A sampler reads the node every interval and renders the whole exposition\n"
		"into a buffer; a scrape only copies that buffer and never calls NVML\n"
		"(gzipped, from the sample after a scraper first asked for gzip). A\n"
		"GPU that NVML fails on is left out of that sample and counted in\n"
		"migctl_exporter_gpu_errors_total; a MIG reconfiguration shows in the next\n"
		"sample, with no series left over from the old layout. /healthz answers 200\n"
		"while samples keep coming and the node can be read, else 503.\n"
		"\n"
		"The exporter runs until SIGINT, SIGTERM or SIGHUP. dist/migctl-exporter.service\n"
		"runs it under systemd.\n",
	.formats = "text",
	.opts = exporter_opts,
	.epilogue = "Exit status 2 for a bad --listen or --interval, 4 when the address cannot be\n"
		    "bound, 15 without a driver.\n",
	.run = cmd_exporter,
};
