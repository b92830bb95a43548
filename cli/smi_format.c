/* migctl CLI — text exactly as `nvidia-smi mig -lgip` / `-lgipp` print it.
 *
 * Column positions come from real transcripts (an A30 on driver 535 for the
 * classic 79-column table; an RTX PRO 6000 on driver 575+ for the table two
 * columns wider, which newer drivers use and which fits names such as
 * "MIG 1g.24gb+me.all"). We pick the wide table only when a name needs it.
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

void smi_print_lgip(FILE *out, unsigned gpu, const struct migctl_gpu_model *model,
		    const unsigned *free)
{
	int name_w = 16;
	for (size_t i = 0; i < model->n_gi; i++) {
		int len = (int)strlen(model->gi[i].name) + 4; /* "MIG " */
		if (len > name_w)
			name_w = 18;
	}
	int pad = name_w - 16;          /* extra columns of the wide table */
	int inner = 77 + pad;           /* characters between the two '|' */

	rule(out, '+', '-', inner);
	fprintf(out, "| %-*s|\n", inner - 1, "GPU instance profiles:");
	fprintf(out, "| GPU   Name   %*s          ID    Instances   Memory     P2P    SM    DEC   ENC  |\n",
		pad, "");
	fprintf(out, "| %*s                             Free/Total   GiB              CE    JPEG  OFA  |\n",
		pad, "");
	rule(out, '|', '=', inner);
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
		rule(out, '+', '-', inner);
	}
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
