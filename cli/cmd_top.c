/* migctl top — a full-screen live view (ncurses) of every GPU and slice:
 * profile, placement, SM / tensor / DRAM activity bars, memory used and
 * total, processes; keys sort the instances and pick a GPU. It fits 80
 * columns, so it works in any terminal over ssh. The values are the
 * sampler's (migctl/sample.h): a value the sampler cannot give (the
 * profiling fields on Ampere) shows as n/a, never as 0. */
#include <curses.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "migctl/sample.h"

#define TOP_WIDTH 80
#define BAR 7                 /* bar cells; the percentage follows */

enum top_sort { SORT_ID, SORT_SM, SORT_TENSOR, SORT_DRAM, SORT_MEMORY, N_SORTS };
static const char *const sort_names[N_SORTS] = {"id", "sm", "tensor", "dram", "memory"};

/* What the view asks the sampler for. */
static const unsigned top_fields[] = {
	MIGCTL_F_SM_ACTIVE, MIGCTL_F_PIPE_TENSOR_ACTIVE, MIGCTL_F_DRAM_ACTIVE,
	MIGCTL_F_FB_USED, MIGCTL_F_FB_TOTAL, MIGCTL_F_POWER_USAGE, MIGCTL_F_GPU_TEMP,
};

struct top {
	struct migctl_sampler *sampler;
	struct migctl_sample *sample; /* the one on screen; NULL before the first */
	char error[512];              /* the last take's error, "" if none */
	unsigned interval_ms;
	enum top_sort sort;
	long gpu;                     /* the picked GPU index; -1: every GPU */
	size_t n_gpus;
};

static const struct migctl_value *value_of(const struct migctl_entity *e, unsigned field)
{
	const struct migctl_value *v = migctl_entity_value(e, field);

	return v && v->status == MIGCTL_VALUE_OK ? v : NULL;
}

/* A bar and its percentage, 13 columns: "[#####  ] 75%" or "[  n/a  ]    ". */
static void put_bar(int y, int x, const struct migctl_value *v)
{
	if (!v) {
		mvprintw(y, x, "[  n/a  ]    ");
		return;
	}
	double r = v->d < 0 ? 0 : v->d > 1 ? 1 : v->d;
	int full = (int)(r * BAR + 0.5);
	mvaddch(y, x, '[');
	for (int i = 0; i < BAR; i++)
		mvaddch(y, x + 1 + i, i < full ? '#' : ' ');
	mvprintw(y, x + 1 + BAR, "]%3d%%", (int)(r * 100 + 0.5));
}

static double sort_key(const struct top *t, const struct migctl_entity *e)
{
	unsigned f = t->sort == SORT_SM ? MIGCTL_F_SM_ACTIVE
		   : t->sort == SORT_TENSOR ? MIGCTL_F_PIPE_TENSOR_ACTIVE
		   : t->sort == SORT_DRAM ? MIGCTL_F_DRAM_ACTIVE : MIGCTL_F_FB_USED;
	const struct migctl_value *v = value_of(e, f);

	return v ? v->d : -1;
}

/* One row: GPU, GI or CI. */
static void put_row(int y, const struct migctl_entity *e)
{
	char name[40], place[16] = "", mem[24] = "";
	const struct migctl_value *used = value_of(e, MIGCTL_F_FB_USED);
	const struct migctl_value *total = value_of(e, MIGCTL_F_FB_TOTAL);
	const char *model = strncmp(e->gpu_name, "NVIDIA ", 7) == 0 ? e->gpu_name + 7 : e->gpu_name;

	if (e->kind == MIGCTL_ENTITY_GPU) {
		snprintf(name, sizeof(name), "%u %.16s", e->gpu_index, model);
		snprintf(place, sizeof(place), "%s", e->mig_enabled ? "MIG" : "-");
	} else if (e->kind == MIGCTL_ENTITY_GI) {
		snprintf(name, sizeof(name), " GI %-2u %.11s", e->gi_id, e->gi_profile);
		snprintf(place, sizeof(place), "%u:%u", e->gi_placement.start, e->gi_placement.size);
	} else {
		snprintf(name, sizeof(name), "   CI %u %.10s", e->ci_id, e->ci_profile);
		if (e->ci_placement.size)
			snprintf(place, sizeof(place), "%u:%u", e->ci_placement.start,
				 e->ci_placement.size);
	}
	if (used && total && e->kind != MIGCTL_ENTITY_CI)
		snprintf(mem, sizeof(mem), "%lld/%lld", (long long)used->i, (long long)total->i);
	if (e->kind == MIGCTL_ENTITY_GPU)
		attron(A_BOLD);
	mvprintw(y, 0, "%-18.18s%-6.6s", name, place);
	put_bar(y, 24, value_of(e, MIGCTL_F_SM_ACTIVE));
	put_bar(y, 38, value_of(e, MIGCTL_F_PIPE_TENSOR_ACTIVE));
	put_bar(y, 52, value_of(e, MIGCTL_F_DRAM_ACTIVE));
	mvprintw(y, 66, "%-11.11s", mem);
	if (e->procs_unknown)
		mvprintw(y, 77, "  ?");
	else
		mvprintw(y, 77, "%3zu", e->n_procs);
	if (e->kind == MIGCTL_ENTITY_GPU)
		attroff(A_BOLD);
}

/* The entities of one GPU in display order: the GPU, then its GIs sorted
 * by the sort key (each followed by its CIs, sorted the same way). */
static size_t gpu_rows(const struct top *t, size_t first, const struct migctl_entity **rows,
		       size_t cap)
{
	const struct migctl_sample *s = t->sample;
	size_t n = 0, end = first + 1;

	while (end < s->n_entities && s->entities[end].kind != MIGCTL_ENTITY_GPU)
		end++;
	rows[n++] = &s->entities[first];
	/* Selection sort of GIs by key (a GPU has at most a few). */
	bool done[MIGCTL_NODE_MAX_GIS * (MIGCTL_NODE_MAX_CIS + 1) + 1] = {false};
	for (;;) {
		size_t best = 0;
		for (size_t i = first + 1; i < end && i - first < sizeof(done); i++) {
			const struct migctl_entity *e = &s->entities[i];
			if (e->kind != MIGCTL_ENTITY_GI || done[i - first])
				continue;
			if (!best || (t->sort != SORT_ID && sort_key(t, e) > sort_key(t, &s->entities[best])))
				best = i;
		}
		if (!best)
			break;
		done[best - first] = true;
		if (n < cap)
			rows[n++] = &s->entities[best];
		for (size_t i = best + 1; i < end && s->entities[i].kind == MIGCTL_ENTITY_CI; i++)
			if (n < cap)
				rows[n++] = &s->entities[i];
	}
	return n;
}

static void draw_header(const struct top *t)
{
	char clock[16], gpu[24];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	if (t->gpu < 0)
		snprintf(gpu, sizeof(gpu), "all");
	else
		snprintf(gpu, sizeof(gpu), "%ld", t->gpu);
	attron(A_REVERSE);
	mvprintw(0, 0, "%-*s", TOP_WIDTH, "");
	mvprintw(0, 0, "migctl top  %zu GPUs  every %.1f s  sort: %s  GPU: %s", t->n_gpus,
		 t->interval_ms / 1000.0, sort_names[t->sort], gpu);
	mvprintw(0, TOP_WIDTH - 8, "%s", clock);
	attroff(A_REVERSE);
	attron(A_UNDERLINE);
	mvprintw(1, 0, "%-18s%-6s%-14s%-14s%-14s%-11s%3s", "GPU / INSTANCE", "PLACE", "SM", "TENSOR",
		 "DRAM", "MEM MiB", "PRC");
	attroff(A_UNDERLINE);
}

/* The processes of the picked GPU (or of every GPU), under the table. */
static int draw_procs(const struct top *t, int y)
{
	const struct migctl_sample *s = t->sample;

	if (y >= LINES - 2)
		return y;
	attron(A_UNDERLINE);
	mvprintw(y++, 0, "%-8s %-20s %-5s %-4s %-4s %-12s", "PID", "PROCESS", "GPU", "GI", "CI", "MEM MiB");
	attroff(A_UNDERLINE);
	for (size_t i = 0; i < s->n_entities && y < LINES - 1; i++) {
		const struct migctl_entity *e = &s->entities[i];
		if (e->kind != MIGCTL_ENTITY_GPU || (t->gpu >= 0 && e->gpu_index != (unsigned)t->gpu))
			continue;
		for (size_t p = 0; p < e->n_procs && y < LINES - 1; p++) {
			const struct migctl_process *pr = &e->procs[p];
			char gi[12] = "-", ci[12] = "-";
			if (pr->gi != MIGCTL_ID_NONE)
				snprintf(gi, sizeof(gi), "%u", pr->gi);
			if (pr->ci != MIGCTL_ID_NONE)
				snprintf(ci, sizeof(ci), "%u", pr->ci);
			mvprintw(y++, 0, "%-8u %-20.20s %-5u %-4s %-4s %-12llu", pr->pid,
				 pr->name[0] ? pr->name : "?", e->gpu_index, gi, ci,
				 (unsigned long long)pr->used_mib);
		}
	}
	return y;
}

static void draw(struct top *t)
{
	const struct migctl_entity *rows[64 * 8];
	int y = 2;

	erase();
	draw_header(t);
	if (t->sample) {
		t->n_gpus = 0;
		for (size_t i = 0; i < t->sample->n_entities; i++) {
			const struct migctl_entity *e = &t->sample->entities[i];
			if (e->kind != MIGCTL_ENTITY_GPU)
				continue;
			t->n_gpus++;
			if (t->gpu >= 0 && e->gpu_index != (unsigned)t->gpu)
				continue;
			size_t n = gpu_rows(t, i, rows, sizeof(rows) / sizeof(rows[0]));
			for (size_t r = 0; r < n && y < LINES - 2; r++)
				put_row(y++, rows[r]);
		}
		y = draw_procs(t, y + 1);
	}
	if (t->error[0])
		mvprintw(LINES - 2, 0, "%.*s", TOP_WIDTH, t->error);
	attron(A_REVERSE);
	mvprintw(LINES - 1, 0, "%-*s", TOP_WIDTH - 1, "q quit  s sort  0-9 pick GPU  a all GPUs  n/p next/previous GPU");
	attroff(A_REVERSE);
	refresh();
}

static enum migctl_err take(struct top *t, struct migctl_error *err)
{
	struct migctl_sample *s = NULL;
	enum migctl_err rc = migctl_sampler_take(t->sampler, &s, err);

	if (rc) {
		/* Keep the last good sample on screen and say why it is old. */
		snprintf(t->error, sizeof(t->error), "cannot read the node: %.480s", err->msg);
		return rc;
	}
	t->error[0] = '\0';
	migctl_sample_free(t->sample);
	t->sample = s;
	return MIGCTL_ERR_OK;
}

/* A key: false to quit. */
static bool key(struct top *t, int c)
{
	if (c == 'q' || c == 'Q' || c == 27)
		return false;
	if (c == 's')
		t->sort = (enum top_sort)((t->sort + 1) % N_SORTS);
	else if (c == 'a')
		t->gpu = -1;
	else if (c >= '0' && c <= '9' && (size_t)(c - '0') < t->n_gpus)
		t->gpu = c - '0';
	else if ((c == 'n' || c == KEY_RIGHT) && t->n_gpus)
		t->gpu = (t->gpu + 1) % (long)t->n_gpus;
	else if ((c == 'p' || c == KEY_LEFT) && t->n_gpus)
		t->gpu = t->gpu <= 0 ? (long)t->n_gpus - 1 : t->gpu - 1;
	return true;
}

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void run(struct top *t)
{
	double next = mono_ms() + t->interval_ms;

	initscr();
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	draw(t);
	for (;;) {
		double left = next - mono_ms();
		timeout(left > 0 ? (int)left : 0);
		int c = getch();
		if (c != ERR) {
			if (!key(t, c))
				break;
		} else if (mono_ms() >= next) {
			struct migctl_error err = {0};
			take(t, &err);
			next = mono_ms() + t->interval_ms;
		}
		draw(t);
	}
	endwin();
}

int cmd_top(struct cli *cli, int argc, char **argv)
{
	struct top t = {.interval_ms = 1000, .gpu = -1};
	struct migctl_sampler_options so = {.fields = top_fields,
					    .n_fields = sizeof(top_fields) / sizeof(top_fields[0])};
	struct migctl_error err = {0};
	struct cli_parse p;
	int opt, rc = 0;

	cli_parse_init(&p, cli, &cli_cmd_top, argc, argv);
	while ((opt = cli_next_opt(&p)) > 0) {
		char *end;
		unsigned long v = strtoul(p.arg, &end, 10);
		if (p.arg[0] < '0' || p.arg[0] > '9' || *end || v < 100 || v > 3600000)
			return cli_usage_error(cli, "top", "--interval '%s': give milliseconds from 100 to 3600000",
					       p.arg);
		t.interval_ms = (unsigned)v;
	}
	if (opt == CLI_PARSE_STOP)
		return p.rc;
	if (p.ind < argc)
		return cli_usage_error(cli, "top", "unexpected argument '%s'", argv[p.ind]);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return cli_usage_error(cli, "top", "needs a terminal; 'migctl dmon' prints samples as lines");
	if (cli_node(cli, &err) || migctl_sampler_open(&t.sampler, &cli->node, &so, &err))
		return cli_report(cli, &err);
	if (take(&t, &err))
		rc = cli_report(cli, &err);
	else
		run(&t);
	migctl_sample_free(t.sample);
	migctl_sampler_free(t.sampler);
	return rc;
}

static const struct cli_opt top_opts[] = {
	{"interval", 'd', 0, "MS", "refresh interval in milliseconds (default 1000,\n100 to 3600000)", CLI_V_NONE, NULL, false},
	{0},
};

const struct cli_command cli_cmd_top = {
	.name = "top",
	.summary = "live full-screen view of every GPU and slice",
	.description =
		"Show every GPU, GPU instance (GI) and compute instance (CI) on one screen,\n"
		"refreshed every interval: profile, placement (start:size), SM, tensor and\n"
		"DRAM activity bars (DCGM's SMACT, TENSO and DRAMA: an instance's share of\n"
		"its own capacity; a MIG GPU's SM-weighted over its instances), memory used\n"
		"and total in MiB, and the number of processes; the processes of the shown\n"
		"GPUs are listed under the table. Values the driver cannot give (the\n"
		"profiling fields on Ampere, which only DCGM's closed module reads) show as\n"
		"n/a. It fits an 80-column terminal.\n"
		"\n"
		"Keys: q quits; s sorts the instances of each GPU by id, SM, tensor, DRAM or\n"
		"memory in turn; 0-9 shows only that GPU, a every GPU; n and p (or the\n"
		"arrow keys) step through the GPUs.\n",
	.formats = "text",
	.opts = top_opts,
	.epilogue = "Exit status 2 without a terminal or for a bad --interval.\n",
	.run = cmd_top,
};
