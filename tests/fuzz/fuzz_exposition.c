/* libFuzzer target: the exporter's handling of outside text. The first
 * byte picks what the rest is:
 *   even: a --listen value (migctl_listen_parse); an accepted one must have
 *         a port in 1..65535 and an address that reads back the same;
 *   3 mod 4: a scraper's Accept-Encoding (migctl_accepts_gzip); gzip may be
 *         taken only where the value names gzip or "*";
 *   1 mod 4: the names the driver reports (GPU name, UUID, bus ID, GI profile
 *         name, driver version, host name, split at NUL bytes) in a node built
 *         here, rendered (migctl_exposition_render); every line must be a
 *         comment or one sample whose label values have no raw newline
 *         and balanced quotes. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "migctl/exposition.h"

static void check_listen(const char *text)
{
	struct migctl_listen l;
	struct migctl_error err = {0};
	char back[64];

	if (migctl_listen_parse(text, &l, &err) != MIGCTL_ERR_OK)
		return;
	if (l.port < 1 || l.port > 65535 || (l.family != AF_INET && l.family != AF_INET6))
		abort();
	if (!inet_ntop(l.family, l.addr, back, sizeof(back)))
		abort();
}

/* The next NUL-separated piece of the input, cut to fit `len`. */
static const uint8_t *piece(const uint8_t *p, const uint8_t *end, char *dst, size_t len)
{
	size_t n = 0;

	while (p < end && *p) {
		if (n + 1 < len)
			dst[n++] = (char)*p;
		p++;
	}
	dst[n] = '\0';
	return p < end ? p + 1 : p;
}

/* One sample line: NAME{k="v",...} VALUE, quotes balanced, escapes valid. */
static void check_line(const char *l, size_t n)
{
	size_t i = 0;
	bool in = false;

	if (n == 0 || l[0] == '#')
		return;
	while (i < n && l[i] != '{' && l[i] != ' ')
		i++;
	for (; i < n; i++) {
		if (in && l[i] == '\\') {
			if (i + 1 >= n || (l[i + 1] != '\\' && l[i + 1] != '"' && l[i + 1] != 'n'))
				abort();
			i++;
		} else if (l[i] == '"') {
			in = !in;
		}
	}
	if (in)
		abort();
}

static void check_render(const uint8_t *p, const uint8_t *end)
{
	struct migctl_gpu_state *g = calloc(1, sizeof(*g));
	struct migctl_gi_profile prof;
	struct migctl_node node = {.n_gpus = 1, .gpus = g};
	struct migctl_exposition x = {0};
	struct migctl_error err = {0};
	char host[128];

	if (!g)
		return;
	memset(&prof, 0, sizeof(prof));
	p = piece(p, end, g->name, sizeof(g->name));
	p = piece(p, end, g->uuid, sizeof(g->uuid));
	p = piece(p, end, g->bus_id, sizeof(g->bus_id));
	p = piece(p, end, prof.name, sizeof(prof.name));
	p = piece(p, end, node.driver_version, sizeof(node.driver_version));
	piece(p, end, host, sizeof(host));
	g->memory_total_mib = 100;
	g->mig_capable = g->mig_current = prof.name[0] != '\0';
	if (g->mig_current) {
		/* One GI with one CI, so that the GI's labels are rendered. */
		g->n_gis = 1;
		g->gis[0].id = 1;
		g->gis[0].profile = &prof;
		g->gis[0].n_cis = 1;
		g->gis[0].cis[0].memory_total_mib = 10;
	}
	struct migctl_expo_info info = {.hostname = host[0] ? host : NULL};
	if (migctl_exposition_render(&x, &node, &info, &err) == MIGCTL_ERR_OK) {
		for (const char *l = x.text; *l;) {
			const char *nl = strchr(l, '\n');
			if (!nl)
				abort();
			check_line(l, (size_t)(nl - l));
			l = nl + 1;
		}
	}
	migctl_exposition_release(&x);
	free(g);
}

static void check_gzip(const char *text)
{
	bool named = strchr(text, '*') || strcasestr(text, "gzip");

	if (migctl_accepts_gzip(text) && !named)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	if (data[0] % 2 == 0 || data[0] % 4 == 3) {
		char *text = malloc(size);
		if (!text)
			return 0;
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		if (data[0] % 2 == 0)
			check_listen(text);
		else
			check_gzip(text);
		free(text);
	} else {
		check_render(data + 1, data + size);
	}
	return 0;
}
