/* migsim — the telemetry model: board constants per GPU model, the
 * activity of each MIG instance and of the GPU from the loads that
 * `migsim exec --load` registers, and the readings (power, temperature,
 * clocks, utilization, PCIe throughput, memory) that follow from it. Pure
 * functions of the machine: the same state reads the same. The formulas
 * are documented in docs/simulator-model.md; keep the two in step. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "util/list.h"

#define NO_ID NVML_VALUE_NOT_AVAILABLE_UINT

/* --- boards -------------------------------------------------------------- */

/* Public spec-sheet figures (TDP, boost and memory clocks, PCIe link);
 * idle power and temperatures as the seed transcripts show them (an idle
 * A100 80GB PCIe at 43-53 W and 29-34 C). The first entry whose key is a
 * substring of the model name applies, so longer names come first. */
struct board_entry {
	const char *key;
	struct sim_board b;
};

#define AMPERE_VBIOS "92.00.36.00.01"
#define HOPPER_VBIOS "96.00.74.00.01"
#define BLACKWELL_VBIOS "97.00.52.00.01"

static const struct board_entry boards[] = {
	{"SXM4-80GB", {400, 100, 55, 1410, 210, 1593, 32, 38, 92, 95, 85, 95, 4, 16, false,
		       AMPERE_VBIOS, "692-2G506-0210-002"}},
	{"SXM4-40GB", {400, 100, 52, 1410, 210, 1215, 32, 38, 92, 95, 85, 95, 4, 16, false,
		       AMPERE_VBIOS, "692-2G506-0200-003"}},
	{"PG506", {400, 100, 52, 1410, 210, 1215, 32, 38, 92, 95, 85, 95, 4, 16, false,
		   AMPERE_VBIOS, "692-2G506-0200-003"}},
	{"80GB PCIe", {300, 150, 45, 1410, 210, 1512, 31, 40, 92, 95, 85, 95, 4, 16, false,
		       AMPERE_VBIOS, "900-21001-0020-100"}},
	{"PCIE-40GB", {250, 150, 36, 1410, 210, 1215, 31, 40, 92, 95, 85, 95, 4, 16, false,
		       AMPERE_VBIOS, "900-21001-0000-000"}},
	{"40GB Active", {250, 150, 36, 1410, 210, 1215, 31, 40, 92, 95, 85, 95, 4, 16, true,
			 AMPERE_VBIOS, "900-21001-0000-000"}},
	{"A30", {165, 100, 30, 1440, 210, 1215, 30, 42, 92, 95, 85, 95, 4, 16, false,
		 AMPERE_VBIOS, "900-21001-0040-100"}},
	{"GH200", {900, 200, 90, 1980, 345, 2619, 30, 45, 92, 95, 87, 95, 5, 16, false,
		   HOPPER_VBIOS, "699-2G530-0200-000"}},
	{"H200 NVL", {600, 200, 65, 1785, 345, 3201, 30, 45, 92, 95, 87, 95, 5, 16, false,
		      HOPPER_VBIOS, "900-21010-0040-000"}},
	{"H200", {700, 200, 75, 1980, 345, 3201, 30, 45, 92, 95, 87, 95, 5, 16, false,
		  HOPPER_VBIOS, "692-2G520-0280-000"}},
	{"H20", {400, 200, 60, 1980, 345, 2619, 30, 45, 92, 95, 87, 95, 5, 16, false,
		 HOPPER_VBIOS, "692-2G520-0230-000"}},
	{"NVL", {400, 200, 60, 1785, 345, 2619, 30, 45, 92, 95, 87, 95, 5, 16, false,
		 HOPPER_VBIOS, "900-21010-0010-000"}},
	{"H100 PCIe", {350, 200, 50, 1755, 345, 1593, 30, 45, 92, 95, 87, 95, 5, 16, false,
		       HOPPER_VBIOS, "900-21010-0000-000"}},
	{"H800 PCIe", {350, 200, 50, 1755, 345, 1593, 30, 45, 92, 95, 87, 95, 5, 16, false,
		       HOPPER_VBIOS, "900-21010-0000-000"}},
	{"GB300", {1400, 200, 140, 2032, 345, 3996, 30, 45, 92, 95, 87, 95, 6, 16, false,
		   BLACKWELL_VBIOS, "699-2G548-0200-000"}},
	{"GB200", {1200, 200, 120, 1965, 345, 3996, 30, 45, 92, 95, 87, 95, 5, 16, false,
		   BLACKWELL_VBIOS, "699-2G548-0100-000"}},
	{"B300", {1100, 200, 110, 2032, 345, 3996, 30, 45, 92, 95, 87, 95, 6, 16, false,
		  BLACKWELL_VBIOS, "692-2G525-0200-000"}},
	{"B200", {1000, 200, 100, 1965, 345, 3996, 30, 45, 92, 95, 87, 95, 5, 16, false,
		  BLACKWELL_VBIOS, "692-2G525-0100-000"}},
	{"Max-Q", {300, 150, 25, 2617, 180, 14001, 35, 45, 92, 95, 87, 95, 5, 16, true,
		   BLACKWELL_VBIOS, "900-5G153-2500-000"}},
	{"Server Edition", {600, 150, 40, 2617, 180, 14001, 35, 45, 92, 95, 87, 95, 5, 16, false,
			    BLACKWELL_VBIOS, "900-2G153-0000-000"}},
	{"RTX PRO 6000", {600, 150, 40, 2617, 180, 14001, 35, 45, 92, 95, 87, 95, 5, 16, true,
			  BLACKWELL_VBIOS, "900-5G144-2200-000"}},
	/* Hopper SXM (H100 80GB HBM3, H100 96GB, H800, plain "H100"). */
	{"H100", {700, 200, 70, 1980, 345, 2619, 30, 45, 92, 95, 87, 95, 5, 16, false,
		  HOPPER_VBIOS, "692-2G520-0200-000"}},
	{"H800", {700, 200, 70, 1980, 345, 2619, 30, 45, 92, 95, 87, 95, 5, 16, false,
		  HOPPER_VBIOS, "692-2G520-0200-000"}},
};

/* A model the table does not name (a catalog file's): an A100-like board. */
static const struct sim_board fallback = {
	300, 150, 45, 1410, 210, 1512, 31, 40, 92, 95, 85, 95, 4, 16, false,
	AMPERE_VBIOS, "900-00000-0000-000",
};

const struct sim_board *sim_board_of(const struct migctl_gpu_model *model)
{
	for (size_t i = 0; model && i < sizeof(boards) / sizeof(boards[0]); i++)
		if (strstr(model->name, boards[i].key))
			return &boards[i].b;
	return &fallback;
}

unsigned sim_pcie_link_kbs(const struct sim_board *b)
{
	/* Per lane and direction, after line coding: gen3 0.985 GB/s, gen4
	 * 1.969, gen5 3.938, gen6 7.563 (in KB/s, 1 KB = 1000 B). */
	static const unsigned lane_kbs[] = {0, 250000, 500000, 984615, 1969230, 3938461, 7563000};
	unsigned gen = b->pcie_gen < 7 ? b->pcie_gen : 6;
	return lane_kbs[gen] * b->pcie_width;
}

/* --- activity ----------------------------------------------------------- */

#define LOAD_EACH(X) X(sm) X(occupancy) X(tensor) X(fp64) X(fp32) X(fp16) X(dram) \
	X(pcie_tx) X(pcie_rx)

bool sim_load_any(const struct sim_load *l)
{
#define LOAD_NZ(f) if (l->f != 0.0) return true;
	LOAD_EACH(LOAD_NZ)
#undef LOAD_NZ
	return false;
}

/* Round a non-negative value to the nearest integer (no libm). */
static unsigned rnd(double v)
{
	return v <= 0.0 ? 0u : (unsigned)(v + 0.5);
}

static double clamp01(double v)
{
	return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
}

/* The summed, clamped loads of the processes on exactly this device. */
static void device_load(const struct sim_machine *m, unsigned gpu, unsigned gi, unsigned ci,
			struct sim_load *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < m->n_procs; i++) {
		const struct sim_process *p = &m->procs[i];
		if (p->gpu != gpu || p->gi != gi || p->ci != ci)
			continue;
#define LOAD_ADD(f) out->f += p->load.f;
		LOAD_EACH(LOAD_ADD)
#undef LOAD_ADD
	}
#define LOAD_CLAMP(f) out->f = clamp01(out->f);
	LOAD_EACH(LOAD_CLAMP)
#undef LOAD_CLAMP
}

/* A decimal fraction in 0..1: digits, at most one point, nothing else
 * (no sign, exponent, spaces, "nan" or "inf", which strtod would take). */
static bool parse_fraction(const char *s, size_t n, double *out)
{
	char buf[32];
	size_t digits = 0, points = 0;

	if (n == 0 || n >= sizeof(buf))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.')
			points++;
		else if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else
			return false;
	}
	if (digits == 0 || points > 1)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	double v = strtod(buf, NULL);
	if (!(v >= 0.0 && v <= 1.0))
		return false;
	*out = v;
	return true;
}

enum migctl_err sim_load_parse(const char *spec, struct sim_load *out,
			       struct migctl_error *err)
{
	static const struct {
		const char *key;
		size_t offset;
	} keys[] = {
		{"sm", offsetof(struct sim_load, sm)},
		{"occupancy", offsetof(struct sim_load, occupancy)},
		{"tensor", offsetof(struct sim_load, tensor)},
		{"fp64", offsetof(struct sim_load, fp64)},
		{"fp32", offsetof(struct sim_load, fp32)},
		{"fp16", offsetof(struct sim_load, fp16)},
		{"dram", offsetof(struct sim_load, dram)},
		{"pcie-tx", offsetof(struct sim_load, pcie_tx)},
		{"pcie-rx", offsetof(struct sim_load, pcie_rx)},
	};
	struct sim_load l;
	unsigned seen = 0;
	const char *p = spec;
	char item[64];
	enum mu_list_item kind;

	memset(&l, 0, sizeof(l));
	while ((kind = mu_list_next(&p, item, sizeof(item))) != MU_LIST_END) {
		char *eq = kind == MU_LIST_ITEM ? strchr(item, '=') : NULL;
		size_t k = 0, klen = eq ? (size_t)(eq - item) : 0;
		for (; eq && k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strlen(keys[k].key) == klen && memcmp(keys[k].key, item, klen) == 0)
				break;
		if (!eq || k == sizeof(keys) / sizeof(keys[0]))
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "bad load '%s': write KEY=VALUE with KEY one of sm, occupancy, tensor, fp64, fp32, fp16, dram, pcie-tx, pcie-rx",
					   item);
		double v;
		if (!parse_fraction(eq + 1, strlen(eq + 1), &v))
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "bad load value '%s' for %s: give a fraction from 0 to 1, e.g. 0.8",
					   eq + 1, keys[k].key);
		if (seen & (1u << k))
			return migctl_fail(err, MIGCTL_ERR_USAGE, "load key %s given twice",
					   keys[k].key);
		seen |= 1u << k;
		memcpy((char *)&l + keys[k].offset, &v, sizeof(v));
	}
	*out = l;
	return MIGCTL_ERR_OK;
}

static void add_weighted(struct sim_load *acc, const struct sim_load *l, double w)
{
#define LOAD_W(f) acc->f += l->f * w;
	LOAD_EACH(LOAD_W)
#undef LOAD_W
}

/* The GPU's MIG SMs: the largest GI profile's, as the reference's A100
 * example needs (98 of 108 SMs on an A100 40GB). */
static unsigned mig_sm_total(const struct migctl_gpu_model *model)
{
	unsigned best = 0;
	for (size_t i = 0; i < model->n_gi; i++)
		if (model->gi[i].sm > best)
			best = model->gi[i].sm;
	return best;
}

/* Sum over the CIs of one GI (or of every GI when gi == NO_ID) of
 * activity × CI SMs; *sm gets the sum of the SMs. */
static void sum_cis(const struct sim_machine *m, unsigned gpu, unsigned gi,
		    struct sim_load *acc, double *sm)
{
	const struct sim_gpu *g = &m->gpus[gpu];

	for (unsigned i = 0; i < g->n_gis; i++) {
		const struct sim_gi *gp = &g->gis[i];
		if (gi != NO_ID && gp->id != gi)
			continue;
		for (unsigned k = 0; k < gp->n_cis; k++) {
			const struct migctl_ci_profile *cp = sim_ci_profile(g, gp, &gp->cis[k]);
			struct sim_load l;
			if (!cp)
				continue;
			device_load(m, gpu, gp->id, gp->cis[k].id, &l);
			add_weighted(acc, &l, cp->sm);
			*sm += cp->sm;
		}
	}
}

void sim_activity(const struct sim_machine *m, unsigned gpu, unsigned gi, unsigned ci,
		  struct sim_load *out)
{
	const struct sim_gpu *g = &m->gpus[gpu];
	double sm = 0.0, denom;

	if (ci != NO_ID || (gi == NO_ID && !g->mig_current)) {
		device_load(m, gpu, gi, ci, out);
		return;
	}
	memset(out, 0, sizeof(*out));
	sum_cis(m, gpu, gi, out, &sm);
	if (gi != NO_ID) {
		/* A GI: its CIs weighted by their share of the GI's SMs. */
		const struct sim_gi *gp = sim_gi_find((struct sim_gpu *)g, gi);
		const struct migctl_gi_profile *prof = gp ? sim_gi_profile(g, gp) : NULL;
		denom = prof && prof->sm ? prof->sm : sm;
	} else {
		denom = g->m ? mig_sm_total(g->m) : sm;
		/* PCIe is a GPU-level resource: the processes' shares of the
		 * link add up, unweighted (scaled by denom here to undo the
		 * division below). */
		out->pcie_tx = out->pcie_rx = 0.0;
		for (unsigned i = 0; i < m->n_procs; i++) {
			if (m->procs[i].gpu != gpu)
				continue;
			out->pcie_tx += m->procs[i].load.pcie_tx;
			out->pcie_rx += m->procs[i].load.pcie_rx;
		}
		out->pcie_tx = clamp01(out->pcie_tx) * (denom ? denom : 1.0);
		out->pcie_rx = clamp01(out->pcie_rx) * (denom ? denom : 1.0);
	}
	if (denom <= 0.0) {
		memset(out, 0, sizeof(*out));
		return;
	}
#define LOAD_DIV(f) out->f = clamp01(out->f / denom);
	LOAD_EACH(LOAD_DIV)
#undef LOAD_DIV
}

/* --- readings ----------------------------------------------------------- */

void sim_read_gpu(const struct sim_machine *m, unsigned gpu, struct sim_reading *out)
{
	const struct sim_gpu *g = &m->gpus[gpu];
	const struct sim_board *b = sim_board_of(g->m);
	const struct sim_load *a = &out->act;

	memset(out, 0, sizeof(*out));
	sim_activity(m, gpu, NO_ID, NO_ID, &out->act);
	/* Power: idle plus the dynamic range, driven by SM, tensor and DRAM
	 * activity (weights 0.5, 0.3, 0.2). */
	double drive = clamp01(0.5 * a->sm + 0.3 * a->tensor + 0.2 * a->dram);
	double watts = b->idle_w + (double)(b->tdp_w - b->idle_w) * drive;
	out->power_mw = rnd(watts * 1000.0);
	/* Temperature rises with the share of the dynamic power. */
	out->temp_c = b->temp_idle_c + rnd(b->temp_rise_c * drive);
	out->mem_temp_c = out->temp_c + 2;
	/* The SM clock rises linearly with SM activity from idle to boost;
	 * HBM/GDDR stays at its one P0 clock. */
	out->sm_mhz = b->idle_sm_mhz +
		      rnd((double)(b->max_sm_mhz - b->idle_sm_mhz) * a->sm);
	out->mem_mhz = b->mem_mhz;
	out->util_gpu = rnd(100.0 * a->sm);
	out->util_mem = rnd(100.0 * a->dram);
	unsigned link = sim_pcie_link_kbs(b);
	out->pcie_tx_kbs = rnd(link * a->pcie_tx);
	out->pcie_rx_kbs = rnd(link * a->pcie_rx);
}

/* --- memory ------------------------------------------------------------- */

/* The seeds' idle MIG devices: 37 MiB on a 3g.40gb (A100 80GB PCIe, seed
 * 000), 11 on a 3g.20gb, 7 on a 2g.10gb, 3 on a 1g.5gb (A100 40GB, seed
 * 004), 12 on a 2g.12gb (A30, seed 003). Those profiles answer as seen;
 * others scale with the instance's memory at 37 MiB per 40192 MiB,
 * rounded up, at least 3. */
unsigned long long sim_gi_reserved_mib(const struct migctl_gi_profile *gp)
{
	static const struct {
		const char *profile;
		unsigned long long reserved;
	} seen[] = {{"3g.40gb", 37}, {"3g.20gb", 11}, {"2g.10gb", 7}, {"1g.5gb", 3},
		    {"2g.12gb", 12}};

	for (size_t i = 0; i < sizeof(seen) / sizeof(seen[0]); i++)
		if (strcmp(gp->name, seen[i].profile) == 0)
			return seen[i].reserved;
	unsigned long long r = (gp->memory_mib * 37 + 40191) / 40192;
	return r < 3 ? 3 : r;
}

unsigned long long sim_used_mib(const struct sim_machine *m, unsigned gpu, unsigned gi)
{
	const struct sim_gpu *g = &m->gpus[gpu];
	unsigned long long used = 0;

	if (!g->mig_current)
		return sim_gpu_used_mib(m, gpu, NO_ID, NO_ID);
	for (unsigned i = 0; i < g->n_gis; i++) {
		const struct sim_gi *gp = &g->gis[i];
		const struct migctl_gi_profile *prof = sim_gi_profile(g, gp);
		if (gi != NO_ID && gp->id != gi)
			continue;
		if (prof)
			used += sim_gi_reserved_mib(prof);
		used += sim_gpu_used_mib(m, gpu, gp->id, NO_ID);
	}
	return used;
}

/* --- events ------------------------------------------------------------- */

/* NVML event type bits (nvml.h): single- and double-bit ECC. */
#define EV_SINGLE_BIT_ECC 0x1ULL
#define EV_DOUBLE_BIT_ECC 0x2ULL

void sim_event_add(struct sim_machine *m, unsigned gpu, unsigned gi, unsigned ci,
		   unsigned long long type, unsigned long long data)
{
	if (m->n_events == SIM_MAX_EVENTS) {
		memmove(&m->events[0], &m->events[1], sizeof(m->events[0]) * (SIM_MAX_EVENTS - 1));
		m->n_events--;
	}
	m->events[m->n_events++] = (struct sim_event){
		.seq = ++m->event_seq, .gpu = gpu, .gi = gi, .ci = ci, .type = type, .data = data,
	};
	if (type & EV_SINGLE_BIT_ECC)
		m->gpus[gpu].ecc_corrected++;
	if (type & EV_DOUBLE_BIT_ECC)
		m->gpus[gpu].ecc_uncorrected++;
}
