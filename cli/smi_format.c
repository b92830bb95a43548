/* migctl CLI — text exactly as `nvidia-smi` and `nvidia-smi mig` print it.
 *
 * Column positions come from real transcripts (tests/cli/golden/README.md
 * names each one):
 *   -lgip   an A30 on driver 535 for the classic 79-column table; an RTX
 *           PRO 6000 on driver 575+ for the table two columns wider, which
 *           newer drivers use and which fits names such as
 *           "MIG 1g.24gb+me.all". We pick the wide table only when a name
 *           needs it.
 *   -lgi    the same two widths (55 / 57 columns inside the frame): an A30
 *           on driver 535 and seed 001 (driver 515); an A100 and an RTX PRO
 *           6000 on the wide drivers.
 *   -lci, -lcip  one width everywhere (A100, A30, H100, RTX PRO 6000).
 *   plain nvidia-smi  the layout of driver 580 (the simulator's driver):
 *           a public RTX PRO 6000 transcript for the GPU, MIG devices and
 *           processes tables; the MIG-device cell merging of GIs with
 *           several CIs from the MIG user guide.
 */
#include <string.h>

#include "cli.h"

static void rule(FILE *out, char edge, char fill, int width)
{
	fputc(edge, out);
	for (int i = 0; i < width; i++)
		fputc(fill, out);
	fputc(edge, out);
	fputc('\n', out);
}

/* --- -lgip, -lgipp --------------------------------------------------------- */

bool smi_lgip_wide(const struct migctl_gpu_model *model)
{
	for (size_t i = 0; i < model->n_gi; i++)
		if (strlen(model->gi[i].name) + 4 > 16) /* "MIG " */
			return true;
	return false;
}

void smi_print_lgip_header(FILE *out, bool wide)
{
	int pad = wide ? 2 : 0;         /* extra columns of the wide table */
	int inner = 77 + pad;           /* characters between the two '|' */

	rule(out, '+', '-', inner);
	fprintf(out, "| %-*s|\n", inner - 1, "GPU instance profiles:");
	fprintf(out, "| GPU   Name   %*s          ID    Instances   Memory     P2P    SM    DEC   ENC  |\n",
		pad, "");
	fprintf(out, "| %*s                             Free/Total   GiB              CE    JPEG  OFA  |\n",
		pad, "");
	rule(out, '|', '=', inner);
}

void smi_print_lgip_rows(FILE *out, unsigned gpu, const struct migctl_gpu_model *model,
			 const unsigned *free, bool wide)
{
	int pad = wide ? 2 : 0;
	int name_w = 16 + pad;

	for (size_t i = 0; i < model->n_gi; i++) {
		const struct migctl_gi_profile *p = &model->gi[i];
		char name[MIGCTL_NAME_MAX + 8];
		snprintf(name, sizeof(name), "MIG %s", p->name);
		/* SM, DEC, ENC are left-aligned ("188" starts where "46" does);
		 * CE is right-aligned one column further in. */
		fprintf(out, "|%4u  %-*s%4u%6u/%-8u %-11.2f%-7s%-7u%-6u%-4u|\n",
			gpu, name_w, name, p->id, free[i], p->max,
			(double)p->memory_mib / 1024.0, "No", p->sm, p->dec, p->enc);
		fprintf(out, "|%*s%2u     %-6u%-4u|\n", 60 + pad, "", p->ce, p->jpg, p->ofa);
		rule(out, '+', '-', 77 + pad);
	}
}

void smi_print_lgip(FILE *out, unsigned gpu, const struct migctl_gpu_model *model,
		    const unsigned *free)
{
	bool wide = smi_lgip_wide(model);

	smi_print_lgip_header(out, wide);
	smi_print_lgip_rows(out, gpu, model, free, wide);
}

void smi_print_lgipp(FILE *out, unsigned gpu, const struct migctl_gpu_model *model)
{
	for (size_t i = 0; i < model->n_gi; i++) {
		const struct migctl_gi_profile *p = &model->gi[i];
		char set[256];
		migctl_placement_set_format(&p->placements, set, sizeof(set));
		fprintf(out, "GPU %2u Profile ID %2u %s %s\n", gpu, p->id,
			p->placements.n_starts == 1 ? "Placement :" : "Placements:", set);
	}
}

/* --- -lgi --------------------------------------------------------------------- */

void smi_print_lgi_header(FILE *out, bool wide)
{
	int pad = wide ? 2 : 0;
	int inner = 55 + pad;

	rule(out, '+', '-', inner);
	fprintf(out, "| %-*s|\n", inner - 1, "GPU instances:");
	fprintf(out, "| GPU   Name%*s             Profile  Instance   Placement  |\n", pad, "");
	fprintf(out, "|%*s                          ID       ID       Start:Size |\n", pad, "");
	rule(out, '|', '=', inner);
}

void smi_print_lgi_row(FILE *out, bool wide, unsigned gpu, const char *profile_name,
		       unsigned profile_id, unsigned gi_id, struct migctl_placement placement)
{
	int pad = wide ? 2 : 0;
	char name[MIGCTL_NAME_MAX + 8];

	snprintf(name, sizeof(name), "MIG %s", profile_name);
	fprintf(out, "|%4u  %-*s%6u%9u%11u:%-6u|\n", gpu, 16 + pad, name, profile_id, gi_id,
		placement.start, placement.size);
	rule(out, '+', '-', 55 + pad);
}

/* --- -lci ----------------------------------------------------------------------- */

void smi_print_lci_header(FILE *out)
{
	rule(out, '+', '-', 68);
	fputs("| Compute instances:                                                 |\n"
	      "| GPU     GPU       Name             Profile   Instance   Placement  |\n"
	      "|       Instance                       ID        ID       Start:Size |\n"
	      "|         ID                                                         |\n", out);
	rule(out, '|', '=', 68);
}

void smi_print_lci_row(FILE *out, unsigned gpu, unsigned gi_id, const char *profile_name,
		       unsigned profile_id, unsigned ci_id, struct migctl_placement placement)
{
	char name[MIGCTL_NAME_MAX + 8];

	snprintf(name, sizeof(name), "MIG %s", profile_name);
	if (placement.size == 0) /* unknown: an early driver */
		fprintf(out, "|%4u%7u       %-16s%6u%10u%11s%-6s|\n", gpu, gi_id, name,
			profile_id, ci_id, "N/A", "");
	else
		fprintf(out, "|%4u%7u       %-16s%6u%10u%11u:%-6u|\n", gpu, gi_id, name,
			profile_id, ci_id, placement.start, placement.size);
	rule(out, '+', '-', 68);
}

/* --- -lcip, -lcipp ------------------------------------------------------------------ */

void smi_print_lcip_header(FILE *out)
{
	rule(out, '+', '-', 86);
	fputs("| Compute instance profiles:                                                           |\n"
	      "| GPU     GPU       Name             Profile  Instances   Exclusive       Shared       |\n"
	      "|       Instance                       ID     Free/Total     SM       DEC   ENC   OFA  |\n"
	      "|         ID                                                          CE    JPEG       |\n",
	      out);
	rule(out, '|', '=', 86);
}

/* Engines are the GI's, shared by its CIs; SM is the CI profile's. */
void smi_print_lcip_row(FILE *out, unsigned gpu, unsigned gi_id,
			const struct migctl_gi_profile *gi, const struct migctl_ci_profile *ci,
			unsigned free)
{
	char name[MIGCTL_NAME_MAX + 8];

	snprintf(name, sizeof(name), "MIG %s", ci->name);
	fprintf(out, "|%4u%7u       %-16s%6u%c%6u/%-3u%11u%9u%6u%6u   |\n", gpu, gi_id, name,
		ci->id, ci->is_default ? '*' : ' ', free, ci->max, ci->sm, gi->dec, gi->enc,
		gi->ofa);
	fprintf(out, "|%71u%6u         |\n", gi->ce, gi->jpg);
	rule(out, '+', '-', 86);
}

void smi_print_lcipp(FILE *out, unsigned gpu, unsigned gi_id, const struct migctl_gi_profile *gi)
{
	for (size_t i = 0; i < gi->n_ci; i++) {
		const struct migctl_ci_profile *p = &gi->ci[i];
		char set[256];
		migctl_placement_set_format(&p->placements, set, sizeof(set));
		fprintf(out, "GPU %2u GI %2u Profile ID %2u %s %s\n", gpu, gi_id, p->id,
			p->placements.n_starts == 1 ? "Placement :" : "Placements:", set);
	}
}

/* --- -L ------------------------------------------------------------------------------- */

/* The GPU's MIG devices (CIs) in MIG-device index order. Returns the count. */
size_t smi_mig_devices(const struct migctl_gpu_state *gpu, struct smi_mig_ref *out, size_t cap)
{
	size_t n = 0;

	for (size_t g = 0; g < gpu->n_gis; g++)
		for (size_t c = 0; c < gpu->gis[g].n_cis; c++)
			if (n < cap)
				out[n++] = (struct smi_mig_ref){&gpu->gis[g], &gpu->gis[g].cis[c]};
	/* Insertion sort by MIG-device index (then GI ID, CI ID): few items. */
	for (size_t i = 1; i < n; i++) {
		struct smi_mig_ref x = out[i];
		size_t j = i;
		while (j > 0 && (out[j - 1].ci->mig_index > x.ci->mig_index ||
				 (out[j - 1].ci->mig_index == x.ci->mig_index &&
				  (out[j - 1].gi->id > x.gi->id ||
				   (out[j - 1].gi->id == x.gi->id && out[j - 1].ci->id > x.ci->id))))) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = x;
	}
	return n;
}

void smi_print_list(FILE *out, const struct migctl_gpu_state *gpu)
{
	struct smi_mig_ref devs[MIGCTL_NODE_MAX_GIS * MIGCTL_NODE_MAX_CIS];
	size_t n = smi_mig_devices(gpu, devs, sizeof(devs) / sizeof(devs[0]));

	fprintf(out, "GPU %u: %s (UUID: %s)\n", gpu->index, gpu->name, gpu->uuid);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  MIG %-11s Device %2u: (UUID: %s)\n", devs[i].ci->profile_name,
			devs[i].ci->mig_index, devs[i].ci->uuid);
}

/* --- plain nvidia-smi (driver 580 layout) ----------------------------------------------- */

/* A line of columns: edges[i] before column i (and edges[n] at the end),
 * column i filled with fills[i]. */
static void columns(FILE *out, const char *edges, const char *fills, const int *widths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fputc(edges[i], out);
		for (int k = 0; k < widths[i]; k++)
			fputc(fills[i], out);
	}
	fputc(edges[n], out);
	fputc('\n', out);
}

static const int gpu_cols[] = {41, 24, 22};
static const int mig_cols[] = {18, 34, 11, 23};
#define SMI_WIDTH 89                    /* characters between the outer '|' */

/* nvidia-smi reports ECC state; NVML via the node does not. Data-center
 * GPUs ship with ECC on, the RTX PRO boards with it off. */
static bool ecc_on(const struct migctl_gpu_state *gpu)
{
	return strstr(gpu->name, "RTX") == NULL;
}

/* BAR1 size of a MIG device: the GPU's BAR1 (the power of two at or above
 * its memory, e.g. 65536 MiB on an A100 40GB) times the GI's share of the
 * placement units, less 1 MiB — 32767 MiB for a 3g.20gb GI there, as
 * nvidia-smi prints it. NVML's BAR1 query is not in the node model. */
static unsigned long long bar1_mib(const struct migctl_gpu_state *gpu,
				   const struct migctl_gi_state *gi)
{
	unsigned long long bar = 1;
	unsigned units = gpu->model.units ? gpu->model.units :
			 gpu->catalog_model ? gpu->catalog_model->units : 8;

	while (bar < gpu->memory_total_mib)
		bar <<= 1;
	if (units == 0 || gi->placement.size == 0)
		return 0;
	return bar * gi->placement.size / units - 1;
}

static void mig_mode_text(const struct migctl_gpu_state *gpu, char *buf, size_t len)
{
	if (!gpu->mig_capable)
		snprintf(buf, len, "N/A");
	else if (gpu->mig_pending != gpu->mig_current)
		snprintf(buf, len, "%s*", gpu->mig_pending ? "Enabled" : "Disabled");
	else
		snprintf(buf, len, "%s", gpu->mig_current ? "Enabled" : "Disabled");
}

static void print_gpu(FILE *out, const struct migctl_gpu_state *gpu)
{
	char name[sizeof(gpu->name) + 4], mig[16];
	const char *ecc;

	if (strlen(gpu->name) > 27)
		snprintf(name, sizeof(name), "%.24s...", gpu->name);
	else
		snprintf(name, sizeof(name), "%s", gpu->name);
	mig_mode_text(gpu, mig, sizeof(mig));
	if (gpu->mig_current)
		ecc = ecc_on(gpu) ? "On" : "Off";
	else
		ecc = ecc_on(gpu) ? "0" : "N/A";
	fprintf(out, "|%4u  %-27s    %-3s |%19s %3s |%21s |\n", gpu->index, name, "N/A",
		gpu->bus_id, "Off", ecc);
	fprintf(out, "| %3s %5s    %-4s%14s / %5s |%8lluMiB / %6lluMiB |%8s%13s |\n", "N/A",
		"N/A", "P0", "N/A", "N/A", (unsigned long long)gpu->memory_used_mib,
		(unsigned long long)gpu->memory_total_mib, gpu->mig_current ? "N/A" : "0%",
		"Default");
	fprintf(out, "|%41s|%24s|%21s |\n", "", "", mig);
	columns(out, "++++", "---", gpu_cols, 3);
}

static void print_mig_devices(FILE *out, struct migctl_gpu_state *const *gpus, size_t n)
{
	bool any = false;

	fputc('\n', out);
	rule(out, '+', '-', SMI_WIDTH);
	fprintf(out, "| %-*s|\n", SMI_WIDTH - 1, "MIG devices:");
	columns(out, "+++++", "----", mig_cols, 4);
	fputs("| GPU  GI  CI  MIG |              Shared Memory-Usage |        Vol|        Shared         |\n"
	      "|      ID  ID  Dev |                Shared BAR1-Usage | SM     Unc| CE ENC  DEC  OFA  JPG |\n"
	      "|                  |                                  |        ECC|                       |\n",
	      out);
	columns(out, "|+++|", "====", mig_cols, 4);
	for (size_t g = 0; g < n; g++) {
		const struct migctl_gpu_state *gpu = gpus[g];
		struct smi_mig_ref devs[MIGCTL_NODE_MAX_GIS * MIGCTL_NODE_MAX_CIS];
		size_t nd;

		if (!gpu->mig_current)
			continue;
		nd = smi_mig_devices(gpu, devs, sizeof(devs) / sizeof(devs[0]));
		for (size_t i = 0; i < nd; i++) {
			const struct migctl_gi_state *gi = devs[i].gi;
			const struct migctl_ci_state *ci = devs[i].ci;
			const struct migctl_gi_profile *p = gi->profile;
			bool first = i == 0 || devs[i - 1].gi != gi;
			bool more = i + 1 < nd && devs[i + 1].gi == gi;
			unsigned ce = p ? p->ce : 0, enc = p ? p->enc : 0, dec = p ? p->dec : 0;
			unsigned ofa = p ? p->ofa : 0, jpg = p ? p->jpg : 0;
			const char *ecc = ecc_on(gpu) ? "0" : "N/A";

			any = true;
			fprintf(out, "|%3u%5u%4u%4u  |", gpu->index, gi->id, ci->id, ci->mig_index);
			if (first)
				fprintf(out, "%16lluMiB / %5lluMiB    |",
					(unsigned long long)ci->memory_used_mib,
					(unsigned long long)ci->memory_total_mib);
			else
				fprintf(out, "%34s|", "");
			fprintf(out, " %-3u%6s |%3u%4u%5u%5u%5u |\n", ci->sm, ecc, ce, enc, dec, ofa, jpg);
			if (first)
				fprintf(out, "|%18s|%16lluMiB / %5lluMiB    |%11s|%23s|\n", "", 0ULL,
					bar1_mib(gpu, gi), "", "");
			else
				fprintf(out, "|%18s|%34s|%11s|%23s|\n", "", "", "", "");
			columns(out, "+++++", more ? "- --" : "----", mig_cols, 4);
		}
	}
	if (!any) {
		fprintf(out, "|  %-*s|\n", SMI_WIDTH - 2, "No MIG devices found");
		rule(out, '+', '-', SMI_WIDTH);
	}
}

static void print_processes(FILE *out, struct migctl_gpu_state *const *gpus, size_t n)
{
	bool any = false;

	fputc('\n', out);
	rule(out, '+', '-', SMI_WIDTH);
	fprintf(out, "| %-*s|\n", SMI_WIDTH - 1, "Processes:");
	fputs("|  GPU   GI   CI              PID   Type   Process name                        GPU Memory |\n"
	      "|        ID   ID                                                               Usage      |\n",
	      out);
	rule(out, '|', '=', SMI_WIDTH);
	for (size_t g = 0; g < n; g++) {
		const struct migctl_gpu_state *gpu = gpus[g];
		for (size_t i = 0; i < gpu->n_procs; i++) {
			const struct migctl_process *p = &gpu->procs[i];
			char gi[12] = "N/A", ci[12] = "N/A", name[sizeof(p->name) + 4];
			const char *pname = p->name[0] ? p->name : "[Not Found]";
			size_t len = strlen(pname);

			if (p->gi != MIGCTL_ID_NONE)
				snprintf(gi, sizeof(gi), "%u", p->gi);
			if (p->ci != MIGCTL_ID_NONE)
				snprintf(ci, sizeof(ci), "%u", p->ci);
			if (len > 35)
				snprintf(name, sizeof(name), "...%s", pname + len - 32);
			else
				snprintf(name, sizeof(name), "%s", pname);
			any = true;
			fprintf(out, "|%5u   %-3s  %-3s%16u%7s   %-35s%8lluMiB |\n", gpu->index, gi, ci,
				p->pid, "C", name, (unsigned long long)p->used_mib);
		}
	}
	if (!any)
		fprintf(out, "|  %-*s|\n", SMI_WIDTH - 2, "No running processes found");
	rule(out, '+', '-', SMI_WIDTH);
}

void smi_print_status(FILE *out, const struct migctl_node *node,
		      struct migctl_gpu_state *const *gpus, size_t n, const char *timestamp)
{
	char cuda[16];
	bool any_mig = false;

	if (node->cuda_version > 0)
		snprintf(cuda, sizeof(cuda), "%d.%d", node->cuda_version / 1000,
			 node->cuda_version % 1000 / 10);
	else
		snprintf(cuda, sizeof(cuda), "N/A");
	if (timestamp)
		fprintf(out, "%s       \n", timestamp);
	rule(out, '+', '-', SMI_WIDTH);
	fprintf(out, "| NVIDIA-SMI %-23s Driver Version: %-15s CUDA Version: %-9s|\n",
		node->driver_version, node->driver_version, cuda);
	columns(out, "++++", "---", gpu_cols, 3);
	fputs("| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |\n"
	      "| Fan  Temp   Perf          Pwr:Usage/Cap |           Memory-Usage | GPU-Util  Compute M. |\n"
	      "|                                         |                        |               MIG M. |\n",
	      out);
	columns(out, "|++|", "===", gpu_cols, 3);
	for (size_t i = 0; i < n; i++) {
		print_gpu(out, gpus[i]);
		any_mig = any_mig || gpus[i]->mig_current;
	}
	if (any_mig)
		print_mig_devices(out, gpus, n);
	print_processes(out, gpus, n);
}
