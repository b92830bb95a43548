/* migctl dmon — watch fields of GPUs, GPU instances and compute instances
 * in `dcgmi dmon`'s output format (reference/dcgm.md §1.1), from the
 * library's sampler (include/migctl/sample.h); no host engine.
 *
 * The text format: a header of two lines, `#Entity` with the fields' tags
 * and `ID` with their units, printed before the first sample and again
 * every 14 samples (dcgmi reprints it every 14 iterations; seed 000's two
 * rows per sample over ten samples show one header); one row per entity:
 * `GPU n`, `GPU-I n`, `GPU-CI n`; the entity column 8 wide and each field
 * column its width + 6, each followed by 2 spaces; doubles with 3
 * decimals, `N/A` for a value that is not available. Trailing blanks are
 * not printed. -o json prints one JSON object per sample per line. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "migctl/sample.h"

#define DMON_HEADER_EVERY 14
#define DMON_ENTITY_WIDTH 8
#define DMON_DEFAULT_FIELDS "1001,1002,1003,1004,1005"

enum { OPT_IDENTITY = 1000 };

struct dmon {
	struct cli *cli;
	const char *fields_arg;
	const char *entities_arg;
	long delay_ms;
	long count;
	bool list;
	bool identity;
	unsigned *fields;
	size_t n_fields;
	struct migctl_entity_spec spec;
};

static volatile sig_atomic_t dmon_stop;

static void on_signal(int sig)
{
	(void)sig;
	dmon_stop = 1;
}

static const char *row_label(const struct migctl_entity *e)
{
	return e->kind == MIGCTL_ENTITY_GPU ? "GPU" : e->kind == MIGCTL_ENTITY_GI ? "GPU-I"
										 : "GPU-CI";
}

/* Print `line` without its trailing blanks. */
static void put_trimmed(char *line)
{
	size_t n = strlen(line);

	while (n && line[n - 1] == ' ')
		line[--n] = '\0';
	puts(line);
}

/* Append `text` padded to `width`, then two spaces. */
static size_t cell(char *line, size_t off, size_t cap, const char *text, unsigned width)
{
	int n = snprintf(line + off, cap - off, "%-*s  ", (int)width, text);

	return n < 0 || (size_t)n >= cap - off ? cap - 1 : off + (size_t)n;
}

static void print_header(const struct dmon *d)
{
	char l1[4096], l2[4096];
	size_t o1 = cell(l1, 0, sizeof(l1), "#Entity", DMON_ENTITY_WIDTH);
	size_t o2 = cell(l2, 0, sizeof(l2), "ID", DMON_ENTITY_WIDTH);

	for (size_t i = 0; i < d->n_fields; i++) {
		const struct migctl_field_info *f = migctl_field_by_id(d->fields[i]);
		o1 = cell(l1, o1, sizeof(l1), f->tag, f->width + 6);
		o2 = cell(l2, o2, sizeof(l2), f->unit, f->width + 6);
	}
	put_trimmed(l1);
	put_trimmed(l2);
}

static void format_value(const struct migctl_value *v, char *buf, size_t len)
{
	const struct migctl_field_info *f = migctl_field_by_id(v->field);

	if (v->status != MIGCTL_VALUE_OK)
		snprintf(buf, len, "N/A");
	else if (f->type == MIGCTL_VALUE_DOUBLE)
		snprintf(buf, len, "%.3f", v->d);
	else
		snprintf(buf, len, "%lld", (long long)v->i);
}

static void print_row(const struct dmon *d, const struct migctl_entity *e)
{
	char line[4096], label[32], val[64];
	size_t off;

	snprintf(label, sizeof(label), "%s %u", row_label(e), e->id);
	off = cell(line, 0, sizeof(line), label, DMON_ENTITY_WIDTH);
	for (size_t i = 0; i < d->n_fields; i++) {
		const struct migctl_field_info *f = migctl_field_by_id(d->fields[i]);
		format_value(&e->values[i], val, sizeof(val));
		off = cell(line, off, sizeof(line), val, f->width + 6);
	}
	put_trimmed(line);
}

/* --- JSON ------------------------------------------------------------------------ */

static json_t *json_identity(const struct migctl_entity *e)
{
	json_t *o = json_object();

	/* "id" is the dmon entity ID, "gpu" the NVML index. */
	json_object_set_new(o, "entity", json_string(row_label(e)));
	json_object_set_new(o, "id", json_integer(e->id));
	json_object_set_new(o, "gpu", json_integer(e->gpu_index));
	json_object_set_new(o, "gpu_uuid", json_string(e->gpu_uuid));
	json_object_set_new(o, "gpu_name", json_string(e->gpu_name));
	if (e->kind != MIGCTL_ENTITY_GPU) {
		json_object_set_new(o, "gi", json_integer(e->gi_id));
		json_object_set_new(o, "gi_profile", json_string(e->gi_profile));
		json_object_set_new(o, "gi_profile_id", json_integer(e->gi_profile_id));
		json_object_set_new(o, "gi_placement", cli_json_placement(e->gi_placement));
	}
	if (e->kind == MIGCTL_ENTITY_CI) {
		json_object_set_new(o, "ci", json_integer(e->ci_id));
		json_object_set_new(o, "ci_profile", json_string(e->ci_profile));
		json_object_set_new(o, "ci_profile_id", json_integer(e->ci_profile_id));
		json_object_set_new(o, "ci_placement", cli_json_placement(e->ci_placement));
		json_object_set_new(o, "mig_uuid", json_string(e->mig_uuid));
	}
	json_object_set_new(o, "sm", json_integer(e->sm));
	return o;
}

static json_t *json_value(const struct migctl_value *v)
{
	const struct migctl_field_info *f = migctl_field_by_id(v->field);
	json_t *o = json_pack("{s:i}", "field", (int)v->field);

	if (v->status != MIGCTL_VALUE_OK) {
		json_object_set_new(o, "value", json_null());
		json_object_set_new(o, "na", json_string(migctl_na_reason_name(v->reason)));
		json_object_set_new(o, "reason", json_string(migctl_na_reason_text(v->reason)));
		return o;
	}
	json_object_set_new(o, "value", f->type == MIGCTL_VALUE_DOUBLE ? json_real(v->d)
								       : json_integer(v->i));
	json_object_set_new(o, "norm", json_string(migctl_norm_name(v->norm)));
	json_object_set_new(o, "source", json_string(migctl_value_source_name(v->source)));
	if (v->clamped)
		json_object_set_new(o, "clamped", json_true());
	return o;
}

static void print_json(const struct dmon *d, const struct migctl_sample *s)
{
	json_t *ents = json_array(), *evs = json_array(), *root;
	char *text;

	for (size_t i = 0; i < s->n_entities; i++) {
		const struct migctl_entity *e = &s->entities[i];
		json_t *o, *vals;
		if (!migctl_entity_spec_match(&d->spec, e))
			continue;
		o = json_identity(e);
		vals = json_object();
		for (size_t k = 0; k < e->n_values; k++)
			json_object_set_new(vals, migctl_field_by_id(e->values[k].field)->tag,
					    json_value(&e->values[k]));
		json_object_set_new(o, "values", vals);
		json_array_append_new(ents, o);
	}
	for (size_t i = 0; i < s->n_events; i++) {
		const struct migctl_sample_event *ev = &s->events[i];
		static const char *const kinds[] = {"xid", "ecc-sbe", "ecc-dbe", "other"};
		json_t *o = json_pack("{s:s,s:i,s:I}", "type", kinds[ev->kind & 3], "gpu",
				      (int)ev->gpu_index, "data", (json_int_t)ev->data);
		if (ev->gi_id != MIGCTL_ID_NONE)
			json_object_set_new(o, "gi", json_integer(ev->gi_id));
		if (ev->ci_id != MIGCTL_ID_NONE)
			json_object_set_new(o, "ci", json_integer(ev->ci_id));
		json_array_append_new(evs, o);
	}
	root = json_pack("{s:I,s:I,s:f,s:o,s:o}", "seq", (json_int_t)s->seq, "time_ns",
			 (json_int_t)s->time_ns, "interval_s", s->interval_s, "entities", ents,
			 "events", evs);
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text)
		puts(text);
	free(text);
	json_decref(root);
}

/* --- -l and --identity -------------------------------------------------------------- */

static const char *level_word(enum migctl_entity_kind k)
{
	return k == MIGCTL_ENTITY_GPU ? "GPU" : k == MIGCTL_ENTITY_GI ? "GI" : "CI";
}

static int list_fields(struct cli *cli)
{
	size_t n;
	const struct migctl_field_info *f = migctl_fields(&n);

	if (cli->output == CLI_JSON) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_pack("{s:i,s:s,s:s,s:s,s:s,s:s,s:b}",
				"id", (int)f[i].id, "tag", f[i].tag, "name", f[i].name,
				"long_name", f[i].long_name, "unit", f[i].unit,
				"level", level_word(f[i].level), "profiling", f[i].profiling));
		return cli_print_json(json_pack("{s:o}", "fields", a));
	}
	printf("%-5s  %-5s  %-5s  %-5s  %-36s  %s\n", "ID", "TAG", "UNIT", "LEVEL",
	       "DCGM NAME", "DESCRIPTION");
	for (size_t i = 0; i < n; i++)
		printf("%-5u  %-5s  %-5s  %-5s  DCGM_FI_%-28s  %s\n", f[i].id, f[i].tag,
		       f[i].unit[0] ? f[i].unit : "-", level_word(f[i].level), f[i].name,
		       f[i].long_name);
	return 0;
}

static void place(char *buf, size_t len, struct migctl_placement p)
{
	if (p.size)
		snprintf(buf, len, "%u:%u", p.start, p.size);
	else
		snprintf(buf, len, "-");
}

static int list_identity(const struct dmon *d, const struct migctl_sample *s)
{
	if (d->cli->output == CLI_JSON) {
		json_t *a = json_array();
		for (size_t i = 0; i < s->n_entities; i++)
			if (migctl_entity_spec_match(&d->spec, &s->entities[i]))
				json_array_append_new(a, json_identity(&s->entities[i]));
		return cli_print_json(json_pack("{s:o}", "entities", a));
	}
	printf("%-10s  %3s  %3s  %3s  %-14s  %-9s  %-9s  %4s  %s\n", "ENTITY", "GPU", "GI", "CI",
	       "PROFILE", "GI PLACE", "CI PLACE", "SM", "UUID");
	for (size_t i = 0; i < s->n_entities; i++) {
		const struct migctl_entity *e = &s->entities[i];
		char label[32], gi[12] = "-", ci[12] = "-", gp[16], cp[16];
		if (!migctl_entity_spec_match(&d->spec, e))
			continue;
		snprintf(label, sizeof(label), "%s %u", row_label(e), e->id);
		if (e->kind != MIGCTL_ENTITY_GPU)
			snprintf(gi, sizeof(gi), "%u", e->gi_id);
		if (e->kind == MIGCTL_ENTITY_CI)
			snprintf(ci, sizeof(ci), "%u", e->ci_id);
		place(gp, sizeof(gp), e->gi_placement);
		place(cp, sizeof(cp), e->ci_placement);
		printf("%-10s  %3u  %3s  %3s  %-14s  %-9s  %-9s  %4u  %s\n", label, e->gpu_index, gi,
		       ci, e->kind == MIGCTL_ENTITY_CI   ? e->ci_profile
			   : e->kind == MIGCTL_ENTITY_GI ? e->gi_profile
							 : "-",
		       gp, cp, e->sm, e->kind == MIGCTL_ENTITY_CI ? e->mig_uuid : e->gpu_uuid);
	}
	return 0;
}

/* --- the loop ------------------------------------------------------------------------ */

static void sleep_until(struct timespec *next, long delay_ms)
{
	next->tv_nsec += (delay_ms % 1000) * 1000000L;
	next->tv_sec += delay_ms / 1000 + next->tv_nsec / 1000000000L;
	next->tv_nsec %= 1000000000L;
	while (!dmon_stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL) == EINTR)
		;
}

static void print_sample(const struct dmon *d, const struct migctl_sample *s, long iteration)
{
	if (d->cli->output == CLI_JSON) {
		print_json(d, s);
		return;
	}
	if (iteration % DMON_HEADER_EVERY == 0)
		print_header(d);
	for (size_t i = 0; i < s->n_entities; i++)
		if (migctl_entity_spec_match(&d->spec, &s->entities[i]))
			print_row(d, &s->entities[i]);
}

/* Take the first sample (GPM needs one before any value), check -i
 * against it, then print one sample per delay. */
static int dmon_run(struct dmon *d, struct migctl_sampler *smp)
{
	struct migctl_error err = {0};
	struct migctl_sample *s = NULL;
	struct timespec next;
	int rc = 0;

	if (migctl_sampler_take(smp, &s, &err) ||
	    migctl_entity_spec_check(&d->spec, s, &err)) {
		migctl_sample_free(s);
		return cli_report(d->cli, &err);
	}
	if (d->identity) {
		rc = list_identity(d, s);
		migctl_sample_free(s);
		return rc;
	}
	migctl_sample_free(s);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (long it = 0; !dmon_stop && (d->count == 0 || it < d->count); it++) {
		sleep_until(&next, d->delay_ms);
		if (dmon_stop)
			break;
		if (migctl_sampler_take(smp, &s, &err))
			return cli_report(d->cli, &err);
		print_sample(d, s, it);
		fflush(stdout);
		migctl_sample_free(s);
	}
	if (dmon_stop)
		printf("dmon was stopped due to receiving a signal\n");
	return rc;
}

static bool number_arg(const char *s, long min, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min)
		return false;
	*out = v;
	return true;
}

static int parse(struct dmon *d, int argc, char **argv)
{
	struct cli_parse p;
	int opt;

	cli_parse_init(&p, d->cli, &cli_cmd_dmon, argc, argv);
	while ((opt = cli_next_opt(&p)) > 0) {
		switch (opt) {
		case 'e': d->fields_arg = p.arg; break;
		case 'i': d->entities_arg = p.arg; break;
		case 'l': d->list = true; break;
		case OPT_IDENTITY: d->identity = true; break;
		case 'd':
			if (!number_arg(p.arg, 1, &d->delay_ms))
				return cli_usage_error(d->cli, "dmon", "-d takes milliseconds, at least 1, not '%s'", p.arg);
			break;
		case 'c':
			if (!number_arg(p.arg, 0, &d->count))
				return cli_usage_error(d->cli, "dmon", "-c takes a sample count (0: until interrupted), not '%s'", p.arg);
			break;
		}
	}
	if (opt == CLI_PARSE_STOP)
		return p.rc;
	if (p.ind != argc)
		return cli_usage_error(d->cli, "dmon", "unexpected argument '%s'", argv[p.ind]);
	if (d->list && (d->fields_arg || d->entities_arg || d->identity))
		return cli_usage_error(d->cli, "dmon", "-l lists the fields and takes no other option");
	return CLI_OPT_NEXT;
}

int cmd_dmon(struct cli *cli, int argc, char **argv)
{
	struct dmon d = {.cli = cli, .delay_ms = 1000};
	struct migctl_sampler *smp = NULL;
	struct migctl_error err = {0};
	struct migctl_sampler_options so = {0};
	struct sigaction sa;
	int rc = parse(&d, argc, argv);

	if (rc != CLI_OPT_NEXT)
		return rc;
	if (d.list)
		return list_fields(cli);
	if (migctl_field_list_parse(d.fields_arg ? d.fields_arg : DMON_DEFAULT_FIELDS, &d.fields,
				    &d.n_fields, &err) ||
	    migctl_entity_spec_parse(d.entities_arg, &d.spec, &err)) {
		free(d.fields);
		return cli_report(cli, &err);
	}
	so.fields = d.fields;
	so.n_fields = d.n_fields;
	so.events = true;
	if (cli_node(cli, &err) || migctl_sampler_open(&smp, &cli->node, &so, &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = dmon_run(&d, smp);
out:
	migctl_sampler_free(smp);
	migctl_entity_spec_release(&d.spec);
	free(d.fields);
	return rc;
}

static const struct cli_opt dmon_opts[] = {
	{"field-id", 'e', 0, "FIELDS",
	 "fields to show: DCGM field IDs or tags, comma-separated\n"
	 "(default " DMON_DEFAULT_FIELDS "); -l lists them", CLI_V_NONE, NULL, false},
	{"entity-id", 'i', 0, "ENTITIES",
	 "entities, dcgmi's syntax: GPU indices (0), GPU instances\n"
	 "(i:7), compute instances (ci:8 or c:8), ranges ({7-8}),\n"
	 "GPU/GI[/CI] paths with '*' (1/2/0, */*), GPU or MIG UUIDs\n"
	 "(default: every GPU)", CLI_V_NONE, NULL, false},
	{"delay", 'd', 0, "MS", "milliseconds between samples (default 1000)", CLI_V_NONE, NULL,
	 false},
	{"count", 'c', 0, "COUNT", "samples to print (default 0: until interrupted)", CLI_V_NONE,
	 NULL, false},
	{"list", 'l', 0, NULL, "list the fields: ID, tag, unit, level, DCGM name", CLI_V_NONE,
	 NULL, false},
	{"identity", 0, OPT_IDENTITY, NULL,
	 "list the entities -i selects with their entity IDs and\n"
	 "MIG identity (GPU, GI, CI, profile, placements, UUID)", CLI_V_NONE, NULL, false},
	{0},
};

const struct cli_command cli_cmd_dmon = {
	.name = "dmon",
	.summary = "watch GPU, GPU-instance and compute-instance metrics (dcgmi dmon's format)",
	.description =
		"Print the fields -e names for the entities -i selects, one row per\n"
		"entity every -d milliseconds, in the format of 'dcgmi dmon': a header of\n"
		"'#Entity' and the fields' tags, 'ID' and their units, repeated every 14\n"
		"samples; rows 'GPU n', 'GPU-I n', 'GPU-CI n'; 3 decimals; 'N/A' where a\n"
		"value is not available. No host engine: values come from NVML and, on\n"
		"Hopper and newer, GPM. On Ampere the profiling fields (1001-1016) are\n"
		"N/A: only DCGM's closed profiling module computes them there.\n"
		"\n"
		"Entity IDs follow DCGM's numbering: a GPU is its index; a GPU instance\n"
		"is GPU x S + slot and a compute instance likewise, S being the most MIG\n"
		"devices a GPU holds (7 on an A100 or H100), so i:7 is the first GPU\n"
		"instance of GPU 1. Slots go in GI-ID (CI-ID) order when dmon starts; an\n"
		"instance keeps its ID while it exists and a new one takes the lowest\n"
		"free slot. --identity shows which instance each ID is; GPU/GI/CI\n"
		"paths (1/2/0) select by NVML IDs, which do not change.\n"
		"\n"
		"Instance values are relative to the instance; GPU values with MIG on\n"
		"are SM-weighted over the GPU's compute instances. -o json prints one\n"
		"object per sample per line with each value's normalisation, source,\n"
		"and for N/A the reason.\n",
	.formats = "text json",
	.opts = dmon_opts,
	.run = cmd_dmon,
};
