/* migctl smi — the nvidia-smi personality: `nvidia-smi` (a symlink to
 * migctl) or `migctl smi ARGS...` runs the MIG subset of nvidia-smi on the
 * node (a real driver or the simulator), printing what nvidia-smi prints.
 *
 * Messages and tables follow public transcripts (tests/cli/golden/README.md
 * names them). Everything nvidia-smi itself prints goes to stdout, as
 * nvidia-smi does; only migctl's own hints go to stderr. Where NVIDIA's
 * binary runs on the simulator, tests/cli/oracle_cases.sh holds the
 * personality to it: same output, exit status and resulting machine.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smi.h"

static const char smi_usage[] =
	"Usage: nvidia-smi [-i ID[,ID...]] [-L | -mig 0|1 | -r]\n"
	"       nvidia-smi mig [-i ID[,ID...]] ACTION [-gi IDS] [-ci IDS]\n"
	"       migctl [--sim[=DIR]] smi ...   (the same, without a symlink)\n"
	"\n"
	"The MIG subset of nvidia-smi, run by migctl on the NVIDIA driver or, with\n"
	"--sim or MIGCTL_SIM=1, on the bundled simulator. Output is nvidia-smi's.\n"
	"\n"
	"  (no option)        the GPU table, the MIG devices table, the processes\n"
	"  -L, --list-gpus    GPUs and MIG devices with their UUIDs\n"
	"  -i, --id=IDS       GPUs by index, UUID or PCI bus ID, comma-separated\n"
	"  -mig, --multi-instance-gpu=0|1\n"
	"                     disable / enable MIG mode (all GPUs without -i)\n"
	"  -r, --gpu-reset    reset the GPUs (all without -i); on the simulator only:\n"
	"                     on a real driver use NVIDIA's nvidia-smi\n"
	"  -h, --help         show this help\n"
	"\n"
	"nvidia-smi mig ACTION (on the GPUs with MIG enabled):\n"
	"  -lgip, --list-gpu-instance-profiles\n"
	"  -lgipp, --list-gpu-instance-possible-placements\n"
	"  -lcip, --list-compute-instance-profiles        [-gi IDS]\n"
	"  -lcipp, --list-compute-instance-possible-placements [-gi IDS]\n"
	"  -lgi, --list-gpu-instances                     [-gi IDS]\n"
	"  -lci, --list-compute-instances                 [-gi IDS] [-ci IDS]\n"
	"  -cgi, --create-gpu-instance=LIST [-C]\n"
	"        LIST: profile IDs, names or 'MIG <name>', each optionally\n"
	"        ':START' (placement), e.g. -cgi '9,3g.40gb,MIG 3g.40gb'; -C,\n"
	"        --default-compute-instance also creates each GI's default CI\n"
	"  -cci, --create-compute-instance[=LIST]         [-gi IDS]\n"
	"        CI profiles by ID or name (default: the GI's default CI)\n"
	"  -dgi, --destroy-gpu-instance                   [-gi IDS]\n"
	"  -dci, --destroy-compute-instance               [-gi IDS] [-ci IDS]\n"
	"  -gi, --gpu-instance-id=IDS   -ci, --compute-instance-id=IDS\n"
	"\n"
	"Exit status (nvidia-smi's: NVML's return code): 0 success (a pending MIG\n"
	"mode change included: it prints a warning), 2 invalid argument or unknown\n"
	"profile, 3 not supported, 4 no permission, 6 not found (no such GPU or\n"
	"instance, no MIG-enabled GPU), 9 no driver, 19 in use, 23 insufficient\n"
	"resources, 255 an unknown option or any other error.\n";

/* `nvidia-smi mig -h` (and `mig` with nothing to do), as NVIDIA's binary
 * prints it (the oracle suite compares it). */
static const char smi_mig_help[] =
	"\n"
	"    mig -- Multi Instance GPU management.\n"
	"\n"
	"    Usage: nvidia-smi mig [options]\n"
	"\n"
	"    Options include:\n"
	"    [-h | --help]: Display help information.\n"
	"    [-i | --id]: Enumeration index, PCI bus ID or UUID.\n"
	"                 Provide comma separated values for more than one device.\n"
	"    [-gi | --gpu-instance-id]: GPU instance ID.\n"
	"                               Provide comma separated values for more than one GPU instance.\n"
	"    [-ci | --compute-instance-id]: Compute instance ID.\n"
	"                                   Provide comma separated values for more than one compute \n"
	"                                   instance.\n"
	"    [-lgip | --list-gpu-instance-profiles]: List supported GPU instance profiles.\n"
	"                                            Option -i can be used to restrict the command to\n"
	"                                            run on a specific GPU.\n"
	"    [-lgipp | --list-gpu-instance-possible-placements]: List possible GPU instance placements\n"
	"                                                        in the following format, {Start}:Size.\n"
	"                                                        Option -i can be used to restrict the\n"
	"                                                        command to run on a specific GPU.\n"
	"    [-C | --default-compute-instance]: Create compute instance with the default profile when used\n"
	"                                       with the option to create a GPU instance (-cgi).\n"
	"    [-cgi | --create-gpu-instance]: Create GPU instances for the given profile tuples. A profile\n"
	"                                    tuple consists of a profile name or ID and an optional placement\n"
	"                                    specifier, which consists of a colon and a placement start index.\n"
	"                                    Provide comma separated values for more than one profile tuple.\n"
	"                                    Option -i can be used to restrict the command to run on\n"
	"                                    a specific GPU.\n"
	"    [-dgi | --destroy-gpu-instance]: Destroy GPU instances.\n"
	"                                     Options -i and -gi can be used individually or combined\n"
	"                                     to restrict the command to run on a specific GPU or GPU\n"
	"                                     instance.\n"
	"    [-lgi | --list-gpu-instances]: List GPU instances.\n"
	"                                   Option -i can be used to restrict the command to run on a\n"
	"                                   specific GPU.\n"
	"    [-lcip | --list-compute-instance-profiles]: List supported compute instance profiles.\n"
	"                                                Options -i and -gi can be used individually or\n"
	"                                                combined to restrict the command to run on a\n"
	"                                                specific GPU or GPU instance.\n"
	"    [-lcipp | --list-compute-instance-possible-placements]: List possible compute instance placements\n"
	"                                                            in the following format, {Start}:Size.\n"
	"                                                            Options -i and -gi can be used individually or\n"
	"                                                            combined to restrict the command to run on a\n"
	"                                                            specific GPU or GPU instance.\n"
	"    [-cci | --create-compute-instance]: Create compute instance for the given profile name or IDs.\n"
	"                                        Provide comma separated values for more than one profile.\n"
	"                                        If no profile name or ID is given, then the default*\n"
	"                                        compute instance profile ID will be used. Options -i and\n"
	"                                        -gi can be used individually or combined to restrict the\n"
	"                                        command to run on a specific GPU or GPU instance.\n"
	"    [-dci | --destroy-compute-instance]: Destroy compute instances.\n"
	"                                         Options -i, -gi and -ci can be used individually or\n"
	"                                         combined to restrict the command to run on a specific\n"
	"                                         GPU or GPU instance or compute instance.\n"
	"    [-lci | --list-compute-instances]: List compute instances.\n"
	"                                       Options -i and -gi can be used individually or combined\n"
	"                                       to restrict the command to run on a specific GPU or GPU\n"
	"                                       instance.\n"
	"\n"
	"\n";

/* --- exit codes and error texts --------------------------------------------- */

int smi_exit(enum migctl_err e)
{
	switch (e) {
	case MIGCTL_ERR_OK:
		return 0;
	case MIGCTL_ERR_USAGE:
	case MIGCTL_ERR_PARSE:
	case MIGCTL_ERR_UNKNOWN_PROFILE:
	case MIGCTL_ERR_INVALID_PLACEMENT:
		return 2;
	case MIGCTL_ERR_NOT_SUPPORTED:
		return 3;
	case MIGCTL_ERR_NO_PERMISSION:
		return 4;
	case MIGCTL_ERR_NOT_FOUND:
		return 6;
	case MIGCTL_ERR_NO_DRIVER:
		return 9;
	/* nvidia-smi exits with NVML's return code (the oracle suite shows
	 * 19 and 23 from NVIDIA's binary). */
	case MIGCTL_ERR_RESET_REQUIRED:
		return 16;
	case MIGCTL_ERR_BUSY:
		return 19;
	case MIGCTL_ERR_INSUFFICIENT_RESOURCES:
		return 23;
	default:
		return 255;
	}
}

/* The text NVML gives for a condition, for errors migctl finds itself. */
const char *smi_plain_text(enum migctl_err e)
{
	switch (e) {
	case MIGCTL_ERR_USAGE:
	case MIGCTL_ERR_PARSE:
	case MIGCTL_ERR_UNKNOWN_PROFILE:
	case MIGCTL_ERR_INVALID_PLACEMENT:
		return "Invalid Argument";
	case MIGCTL_ERR_NOT_SUPPORTED:
		return "Not Supported";
	case MIGCTL_ERR_NO_PERMISSION:
		return "Insufficient Permissions";
	case MIGCTL_ERR_NOT_FOUND:
		return "Not Found";
	case MIGCTL_ERR_BUSY:
		return "In use by another client";
	case MIGCTL_ERR_INSUFFICIENT_RESOURCES:
		return "Insufficient Resources";
	case MIGCTL_ERR_RESET_REQUIRED:
		return "GPU requires reset";
	case MIGCTL_ERR_NOMEM:
		return "Insufficient Memory";
	case MIGCTL_ERR_NO_DRIVER:
		return "Driver Not Loaded";
	default:
		return "Unknown Error";
	}
}

/* NVML's text for the operation that just failed on the node. */
const char *smi_text(const struct smi *s, enum migctl_err e)
{
	const char *t = s->cli->node_open ? migctl_node_nvml_text(&s->cli->node) : "";

	return t && *t ? t : smi_plain_text(e);
}

int smi_bad_usage(void)
{
	printf("Invalid combination of input arguments. Please run 'nvidia-smi -h' for help.\n");
	return smi_exit(MIGCTL_ERR_USAGE);
}

/* --- command line ------------------------------------------------------------ */

/* Does argv[*i] name this option (short "-x" or long "--xx")? Options with
 * a value take it from "--long=VALUE" or from the next argument. Returns 1
 * (matched; *val set when wanted), 0 (not this option), -1 (value missing). */
static int match(int argc, char **argv, int *i, const char *shrt, const char *lng,
		 bool takes_value, const char **val)
{
	const char *a = argv[*i];
	size_t ll = lng ? strlen(lng) : 0;

	if (lng && strncmp(a, lng, ll) == 0 && a[ll] == '=' && takes_value) {
		*val = a + ll + 1;
		return 1;
	}
	if (strcmp(a, shrt) != 0 && !(lng && strcmp(a, lng) == 0))
		return 0;
	if (!takes_value)
		return 1;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

/* nvidia-smi's command-line errors, as NVIDIA's binary prints them (the
 * oracle suite, tests/cli/oracle_cases.sh, compares them): the top level's
 * "ERROR: ..." lines with a blank line after, exit 2 or 255; the mig
 * subcommand's one-line forms, exit 2. Each returns -1 with the exit
 * status in s->status. */
static int top_error(struct smi *s, int status, const char *fmt, const char *arg)
{
	printf("ERROR: ");
	printf(fmt, arg);
	printf("\n\n");
	s->status = status;
	return -1;
}

static int mig_error(struct smi *s, const char *what, const char *arg)
{
	printf("Option \"%s\" %s.\n", arg, what);
	s->status = 2;
	return -1;
}

/* The mig subcommand's actions, in the order of nvidia-smi's `mig -h`:
 * given several, nvidia-smi runs the first of this order (-lgi -cgi 9
 * creates). */
static const struct {
	const char *shrt, *lng;
	enum smi_action action;
} mig_actions[] = {
	{"-lgip", "--list-gpu-instance-profiles", SMI_LGIP},
	{"-lgipp", "--list-gpu-instance-possible-placements", SMI_LGIPP},
	{"-cgi", "--create-gpu-instance", SMI_CGI},
	{"-dgi", "--destroy-gpu-instance", SMI_DGI},
	{"-lgi", "--list-gpu-instances", SMI_LGI},
	{"-lcip", "--list-compute-instance-profiles", SMI_LCIP},
	{"-lcipp", "--list-compute-instance-possible-placements", SMI_LCIPP},
	{"-cci", "--create-compute-instance", SMI_CCI},
	{"-dci", "--destroy-compute-instance", SMI_DCI},
	{"-lci", "--list-compute-instances", SMI_LCI},
};
#define N_MIG_ACTIONS (sizeof(mig_actions) / sizeof(mig_actions[0]))

static int set_action(struct smi *s, enum smi_action a)
{
	for (size_t k = 0; k < N_MIG_ACTIONS; k++)
		if (mig_actions[k].action == a)
			s->actions |= 1u << k;
	return 1;
}

/* One argument of `nvidia-smi mig ...`: 1 taken, -1 error (printed). */
static int parse_mig_option(struct smi *s, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v = NULL;
	int r;

	if (match(argc, argv, i, "-h", "--help", false, &v)) {
		s->mig_help = true;
		return 1;
	}
	if ((r = match(argc, argv, i, "-i", "--id", true, &v)) != 0) {
		if (r < 0)
			return mig_error(s, "is missing its value", a);
		s->ids = v;
		return 1;
	}
	for (size_t k = 0; k < N_MIG_ACTIONS; k++) {
		if (mig_actions[k].action == SMI_CGI || mig_actions[k].action == SMI_CCI)
			continue;
		if (match(argc, argv, i, mig_actions[k].shrt, mig_actions[k].lng, false, &v))
			return set_action(s, mig_actions[k].action);
	}
	if ((r = match(argc, argv, i, "-cgi", "--create-gpu-instance", true, &v)) != 0) {
		if (r < 0)
			return mig_error(s, "is missing its value", a);
		s->cgi = v;
		return set_action(s, SMI_CGI);
	}
	if (strcmp(a, "-cci") == 0 || strcmp(a, "--create-compute-instance") == 0) {
		/* The list is optional: a following argument that is not an
		 * option is it. */
		if (*i + 1 < argc && argv[*i + 1][0] != '-')
			s->cci = argv[++*i];
		return set_action(s, SMI_CCI);
	}
	if (strncmp(a, "--create-compute-instance=", 26) == 0) {
		s->cci = a + 26;
		return set_action(s, SMI_CCI);
	}
	if (match(argc, argv, i, "-C", "--default-compute-instance", false, &v)) {
		s->create_ci = true;
		return 1;
	}
	if ((r = match(argc, argv, i, "-gi", "--gpu-instance-id", true, &v)) != 0) {
		if (r < 0)
			return mig_error(s, "is missing its value", a);
		s->gi_ids = v;
		return 1;
	}
	if ((r = match(argc, argv, i, "-ci", "--compute-instance-id", true, &v)) != 0) {
		if (r < 0)
			return mig_error(s, "is missing its value", a);
		s->ci_ids = v;
		return 1;
	}
	return mig_error(s, "is not recognized", a);
}

/* -mig VALUE: an integer; 0 and 1 are modes, other numbers fail later
 * ("Invalid MIG Mode"), anything else now. */
static int parse_mig_mode(struct smi *s, const char *v)
{
	char *end;
	long m = strtol(v, &end, 10);

	if (!*v || *end)
		return top_error(s, 2, "Option %s is invalid for -mig. Please run 'nvidia-smi -h' for help.", v);
	s->mig_mode = m < 0 || m > 1 ? 2 : (int)m;
	s->mig_value = v;
	return 0;
}

/* The top level's options. -L and -h are commands that take no other
 * option; -mig and -r are device modifications, one at a time. Returns
 * 0 to go on, 1 for --help, -1 for an error (printed; s->status). */
static int parse_top(struct smi *s, int argc, char **argv)
{
	const char *unknown = NULL;
	int commands = 0, changes = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		int r;

		if (match(argc, argv, &i, "-h", "--help", false, &v) ||
		    match(argc, argv, &i, "-L", "--list-gpus", false, &v)) {
			commands++;
			s->list = s->list || a[1] == 'L' || strcmp(a, "--list-gpus") == 0;
			continue;
		}
		if ((r = match(argc, argv, &i, "-i", "--id", true, &v)) != 0 ||
		    (r = match(argc, argv, &i, "-mig", "--multi-instance-gpu", true, &v)) != 0) {
			if (r < 0)
				return top_error(s, 255, "Option %s is missing its value. Please run 'nvidia-smi -h' for help.", a);
			if (a[1] == 'i' || strncmp(a, "--id", 4) == 0) {
				s->ids = v;
			} else {
				changes++;
				if (changes == 1 && parse_mig_mode(s, v) < 0)
					return -1;
			}
			continue;
		}
		if (match(argc, argv, &i, "-r", "--gpu-reset", false, &v)) {
			changes++;
			s->reset = true;
			continue;
		}
		if (!unknown)
			unknown = a;
	}
	if (commands > 1)
		return top_error(s, 2, "Only one command can be run at a time. Please run 'nvidia-smi -h' for help.%s", "");
	if (commands == 1) {
		/* The first argument that is not the command is refused. */
		for (int i = 1; i < argc; i++) {
			const char *a = argv[i];
			if (strcmp(a, "-L") && strcmp(a, "--list-gpus") && strcmp(a, "-h") && strcmp(a, "--help"))
				return top_error(s, 2, "Option %s is not valid for this command. Please run 'nvidia-smi -h' for help.",
						 strncmp(a, "--list-gpus=", 12) == 0 ? a + 12 : a);
		}
		return s->list ? 0 : 1;
	}
	if (unknown)
		return top_error(s, 255, "Option %s is not recognized. Please run 'nvidia-smi -h'.", unknown);
	if (changes > 1) {
		printf("Invalid combination of input arguments. Only one device modification may be done at a time.\n\n");
		s->status = 2;
		return -1;
	}
	return 0;
}

/* Returns 0 to go on, 1 for --help, 2 for `mig` help, -1 for an error
 * (printed; s->status). `mig` is a subcommand only as the first argument. */
static int parse(struct smi *s, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "mig") != 0)
		return parse_top(s, argc, argv);
	s->mig = true;
	for (int i = 2; i < argc; i++)
		if (parse_mig_option(s, argc, argv, &i) < 0)
			return -1;
	for (size_t k = 0; k < N_MIG_ACTIONS; k++)
		if (s->actions & (1u << k)) {
			s->action = mig_actions[k].action;
			break;
		}
	/* No action and nothing to select with: nvidia-smi shows `mig -h`. */
	if (s->mig_help || (s->action == SMI_NONE && !s->gi_ids && !s->ci_ids && !s->create_ci))
		return 2;
	return 0;
}

/* "1,2" -> {1, 2}. Empty items (a trailing comma) are ignored. */
static bool parse_ids(const char *text, unsigned *out, size_t *n)
{
	const char *p = text;

	*n = 0;
	while (*p) {
		char *end;
		unsigned long v;

		while (*p == ' ')
			p++;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p < '0' || *p > '9')
			return false;
		v = strtoul(p, &end, 10);
		if (v > 0xFFFF || *n == SMI_MAX_IDS)
			return false;
		out[(*n)++] = (unsigned)v;
		p = end;
		while (*p == ' ')
			p++;
		if (*p && *p != ',')
			return false;
	}
	return *n > 0;
}

static bool id_in(unsigned id, const unsigned *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* --- GPU selection ----------------------------------------------------------- */

/* The GPUs -i names (all without -i), by index. */
static int select_gpus(struct smi *s)
{
	struct migctl_node *node = &s->cli->node;

	s->n_gpus = 0;
	if (!s->ids) {
		for (size_t i = 0; i < node->n_gpus && i < MIGCTL_NODE_MAX_GPUS; i++)
			s->gpus[s->n_gpus++] = &node->gpus[i];
		return 0;
	}
	const char *p = s->ids;
	char item[128];
	enum mu_list_item r;
	while ((r = mu_list_next(&p, item, sizeof(item))) != MU_LIST_END) {
		struct migctl_error err;
		struct migctl_gpu_state *g;

		if (r != MU_LIST_ITEM)
			continue; /* as nvidia-smi: "-i 0," is GPU 0 */
		migctl_error_clear(&err);
		g = migctl_node_find_gpu(node, item, &err);
		if (!g)
			continue; /* nvidia-smi skips what names no GPU */
		bool dup = false;
		for (size_t k = 0; k < s->n_gpus; k++)
			dup = dup || s->gpus[k] == g;
		if (!dup && s->n_gpus < MIGCTL_NODE_MAX_GPUS)
			s->gpus[s->n_gpus++] = g;
	}
	if (s->n_gpus == 0) {
		printf("No devices were found\n");
		return smi_exit(MIGCTL_ERR_NOT_FOUND);
	}
	/* By index, as nvidia-smi lists them. */
	for (size_t i = 1; i < s->n_gpus; i++)
		for (size_t j = i; j > 0 && s->gpus[j - 1]->index > s->gpus[j]->index; j--) {
			struct migctl_gpu_state *t = s->gpus[j];
			s->gpus[j] = s->gpus[j - 1];
			s->gpus[j - 1] = t;
		}
	return 0;
}

/* Keep the GPUs with MIG mode on; none left: nvidia-smi's message. */
static int keep_mig_gpus(struct smi *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n_gpus; i++)
		if (s->gpus[i]->mig_current)
			s->gpus[n++] = s->gpus[i];
	s->n_gpus = n;
	if (n == 0) {
		printf("No MIG-enabled devices found.\n");
		return smi_exit(MIGCTL_ERR_NOT_FOUND);
	}
	return 0;
}

/* The GPU's GI IDs in the order nvidia-smi walks them: by GI profile in
 * the -lgip order, then by ID. */
static size_t gi_order(const struct migctl_gpu_state *gpu, unsigned *ids)
{
	size_t n = 0;

	for (size_t p = 0; p < gpu->model.n_gi; p++)
		for (size_t g = 0; g < gpu->n_gis; g++)
			if (gpu->gis[g].profile_id == gpu->model.gi[p].id && n < MIGCTL_NODE_MAX_GIS)
				ids[n++] = gpu->gis[g].id;
	/* GIs whose profile the model lacks, last. */
	for (size_t g = 0; g < gpu->n_gis; g++)
		if (!migctl_model_gi_profile_by_id(&gpu->model, gpu->gis[g].profile_id) &&
		    n < MIGCTL_NODE_MAX_GIS)
			ids[n++] = gpu->gis[g].id;
	/* Within a profile, ascending IDs. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0; j--) {
			const struct migctl_gi_state *a = migctl_gpu_find_gi((struct migctl_gpu_state *)gpu, ids[j - 1]);
			const struct migctl_gi_state *b = migctl_gpu_find_gi((struct migctl_gpu_state *)gpu, ids[j]);
			if (a->profile_id != b->profile_id || a->id < b->id)
				break;
			unsigned t = ids[j];
			ids[j] = ids[j - 1];
			ids[j - 1] = t;
		}
	return n;
}

static const char *gi_profile_name(const struct migctl_gpu_state *gpu,
				   const struct migctl_gi_state *gi)
{
	const struct migctl_gi_profile *p = gi->profile;

	if (!p)
		p = migctl_model_gi_profile_by_id(&gpu->model, gi->profile_id);
	return p ? p->name : "unknown";
}

/* --- read-only actions ------------------------------------------------------- */

static int do_lgip(struct smi *s)
{
	bool wide = false;

	for (size_t i = 0; i < s->n_gpus; i++)
		wide = wide || smi_lgip_wide(&s->gpus[i]->model);
	smi_print_lgip_header(stdout, wide);
	for (size_t i = 0; i < s->n_gpus; i++)
		smi_print_lgip_rows(stdout, s->gpus[i]->index, &s->gpus[i]->model,
				    s->gpus[i]->gi_free, wide);
	return 0;
}

static int do_lgipp(struct smi *s)
{
	for (size_t i = 0; i < s->n_gpus; i++)
		smi_print_lgipp(stdout, s->gpus[i]->index, &s->gpus[i]->model);
	return 0;
}

/* The GIs -gi selects on a GPU (all without -gi), in walk order. GIs -gi
 * names that do not exist are left out. */
size_t smi_target_gis(const struct smi *s, const struct migctl_gpu_state *gpu,
			 const unsigned *want, size_t n_want, unsigned *ids)
{
	unsigned all[MIGCTL_NODE_MAX_GIS];
	size_t n_all = gi_order(gpu, all), n = 0;

	if (!s->gi_ids) {
		memcpy(ids, all, n_all * sizeof(all[0]));
		return n_all;
	}
	for (size_t i = 0; i < n_all; i++)
		if (id_in(all[i], want, n_want))
			ids[n++] = all[i];
	return n;
}

/* The CIs -ci selects in a GI (all without -ci), by ID. CIs -ci names
 * that do not exist are left out, as nvidia-smi does. */
size_t smi_target_cis(const struct smi *s, const struct migctl_gi_state *gi,
			 const unsigned *want, size_t n_want, unsigned *ids)
{
	size_t n = 0;

	for (size_t c = 0; c < gi->n_cis && n < MIGCTL_NODE_MAX_CIS; c++)
		if (!s->ci_ids || id_in(gi->cis[c].id, want, n_want))
			ids[n++] = gi->cis[c].id;
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0 && ids[b - 1] > ids[b]; b--) {
			unsigned t = ids[b];
			ids[b] = ids[b - 1];
			ids[b - 1] = t;
		}
	return n;
}

/* Count what -gi (and, with `ci_want`, -ci) select over the GPUs: the
 * number of CIs (of GIs without `ci_want`); *n_gis gets the GIs. */
size_t smi_count_targets(const struct smi *s, const unsigned *want, size_t n_want,
			    const unsigned *ci_want, size_t n_ci_want, size_t *n_gis)
{
	size_t gis = 0, cis = 0;

	for (size_t i = 0; i < s->n_gpus; i++) {
		unsigned ids[MIGCTL_NODE_MAX_GIS], ci_ids[MIGCTL_NODE_MAX_CIS];
		size_t n = smi_target_gis(s, s->gpus[i], want, n_want, ids);

		gis += n;
		for (size_t k = 0; ci_want && k < n; k++)
			cis += smi_target_cis(s, migctl_gpu_find_gi(s->gpus[i], ids[k]), ci_want,
					  n_ci_want, ci_ids);
	}
	if (n_gis)
		*n_gis = gis;
	return ci_want ? cis : gis;
}

int smi_no_gis(void)
{
	printf("No GPU instances found: Not Found\n");
	return smi_exit(MIGCTL_ERR_NOT_FOUND);
}

int smi_no_cis(void)
{
	printf("No compute instances found: Not Found\n");
	return smi_exit(MIGCTL_ERR_NOT_FOUND);
}

int smi_parse_gi_ci_ids(const struct smi *s, unsigned *gi, size_t *n_gi, unsigned *ci,
			   size_t *n_ci)
{
	*n_gi = *n_ci = 0;
	if (s->gi_ids && !parse_ids(s->gi_ids, gi, n_gi))
		return -1;
	if (s->ci_ids && !parse_ids(s->ci_ids, ci, n_ci))
		return -1;
	return 0;
}

static int do_lgi(struct smi *s)
{
	unsigned want[SMI_MAX_IDS], ci_want[SMI_MAX_IDS];
	size_t n_want, n_ci_want;
	bool wide = false, any = false;

	if (smi_parse_gi_ci_ids(s, want, &n_want, ci_want, &n_ci_want))
		return smi_bad_usage();
	for (size_t i = 0; i < s->n_gpus; i++)
		wide = wide || smi_lgip_wide(&s->gpus[i]->model);
	for (size_t i = 0; i < s->n_gpus; i++) {
		struct migctl_gpu_state *gpu = s->gpus[i];
		unsigned ids[MIGCTL_NODE_MAX_GIS];
		size_t n = gi_order(gpu, ids); /* nvidia-smi's -lgi ignores -gi */

		for (size_t k = 0; k < n; k++) {
			const struct migctl_gi_state *gi = migctl_gpu_find_gi(gpu, ids[k]);
			if (!any)
				smi_print_lgi_header(stdout, wide);
			any = true;
			smi_print_lgi_row(stdout, wide, gpu->index, gi_profile_name(gpu, gi),
					  gi->profile_id, gi->id, gi->placement);
		}
	}
	if (!any) {
		printf("No GPU instances found: Not Found\n");
		return smi_exit(MIGCTL_ERR_NOT_FOUND);
	}
	return 0;
}

/* Rows of -lci (and of -dci): CIs by CI profile order within a GI. */
static size_t ci_order(const struct migctl_gi_state *gi, unsigned *ids)
{
	size_t n = 0;
	const struct migctl_gi_profile *p = gi->profile;

	if (p)
		for (size_t k = 0; k < p->n_ci; k++)
			for (size_t c = 0; c < gi->n_cis; c++)
				if (gi->cis[c].profile_id == p->ci[k].id)
					ids[n++] = gi->cis[c].id;
	for (size_t c = 0; c < gi->n_cis; c++) {
		bool known = false;
		for (size_t k = 0; p && k < p->n_ci; k++)
			known = known || gi->cis[c].profile_id == p->ci[k].id;
		if (!known)
			ids[n++] = gi->cis[c].id;
	}
	return n;
}

static int do_lci(struct smi *s)
{
	unsigned want[SMI_MAX_IDS], ci_want[SMI_MAX_IDS];
	size_t n_want, n_ci_want;
	bool any = false, any_gi = false;

	if (smi_parse_gi_ci_ids(s, want, &n_want, ci_want, &n_ci_want))
		return smi_bad_usage();
	for (size_t i = 0; i < s->n_gpus; i++) {
		struct migctl_gpu_state *gpu = s->gpus[i];
		unsigned ids[MIGCTL_NODE_MAX_GIS];
		size_t n = smi_target_gis(s, gpu, want, n_want, ids);

		for (size_t k = 0; k < n; k++) {
			struct migctl_gi_state *gi = migctl_gpu_find_gi(gpu, ids[k]);
			unsigned cis[MIGCTL_NODE_MAX_CIS];
			size_t nc = ci_order(gi, cis);

			any_gi = true;
			for (size_t c = 0; c < nc; c++) {
				/* nvidia-smi's -lci ignores -ci */
				const struct migctl_ci_state *ci = migctl_gi_find_ci(gi, cis[c]);
				if (!any)
					smi_print_lci_header(stdout);
				any = true;
				smi_print_lci_row(stdout, gpu->index, gi->id, ci->profile_name,
						  ci->profile_id, ci->id, ci->placement);
			}
		}
	}
	if (!any_gi) {
		printf("No GPU instances found: Not Found\n");
		return smi_exit(MIGCTL_ERR_NOT_FOUND);
	}
	if (!any) {
		printf("No compute instances found: Not Found\n");
		return smi_exit(MIGCTL_ERR_NOT_FOUND);
	}
	return 0;
}

static int do_lcip(struct smi *s, bool placements)
{
	unsigned want[SMI_MAX_IDS], ci_want[SMI_MAX_IDS];
	size_t n_want, n_ci_want;
	bool any = false;

	if (smi_parse_gi_ci_ids(s, want, &n_want, ci_want, &n_ci_want))
		return smi_bad_usage();
	for (size_t i = 0; i < s->n_gpus; i++) {
		struct migctl_gpu_state *gpu = s->gpus[i];
		unsigned ids[MIGCTL_NODE_MAX_GIS];
		size_t n = smi_target_gis(s, gpu, want, n_want, ids);

		for (size_t k = 0; k < n; k++) {
			const struct migctl_gi_state *gi = migctl_gpu_find_gi(gpu, ids[k]);
			const struct migctl_gi_profile *p = gi->profile;

			if (!p)
				p = migctl_model_gi_profile_by_id(&gpu->model, gi->profile_id);
			if (!p)
				continue;
			if (placements) {
				smi_print_lcipp(stdout, gpu->index, gi->id, p);
				any = true;
				continue;
			}
			for (size_t c = 0; c < p->n_ci; c++) {
				if (!any)
					smi_print_lcip_header(stdout);
				any = true;
				smi_print_lcip_row(stdout, gpu->index, gi->id, p, &p->ci[c],
						   gi->ci_free[c]);
			}
		}
	}
	if (!any) {
		printf("No GPU instances found: Not Found\n");
		return smi_exit(MIGCTL_ERR_NOT_FOUND);
	}
	return 0;
}

/* `mig` with -gi, -ci or -C but no action: nvidia-smi looks the instances
 * up, says when there are none, and does nothing else. */
static int do_lookup(struct smi *s)
{
	unsigned want[SMI_MAX_IDS], ci_want[SMI_MAX_IDS];
	size_t n_want, n_ci_want, n_gis = 0;

	if (smi_parse_gi_ci_ids(s, want, &n_want, ci_want, &n_ci_want))
		return smi_bad_usage();
	if (!smi_count_targets(s, want, n_want, ci_want, n_ci_want, &n_gis))
		return n_gis ? smi_no_cis() : smi_no_gis();
	return 0;
}

/* --- top level ---------------------------------------------------------------------- */

static int do_mig_mode(struct smi *s)
{
	bool enable = s->mig_mode == 1;
	const char *verb = enable ? "enable" : "disable";
	int status = 0;

	for (size_t i = 0; i < s->n_gpus; i++) {
		struct migctl_gpu_state *gpu = s->gpus[i];
		struct migctl_mode_result res;
		struct migctl_error err;
		enum migctl_err rc;
		char bus[sizeof(gpu->bus_id)];

		snprintf(bus, sizeof(bus), "%s", gpu->bus_id);
		memset(&res, 0, sizeof(res));
		migctl_error_clear(&err);
		rc = migctl_node_set_mig_mode(&s->cli->node, gpu, enable, &res, &err);
		if (rc) {
			printf("Unable to %s MIG Mode for GPU %s: %s\n", verb, bus, smi_text(s, rc));
			if (err.msg[0])
				fprintf(stderr, "%s: %s\n", s->cli->prog, err.msg);
			status = smi_exit(rc);
			continue;
		}
		if (res.pending) {
			printf("Warning: MIG mode is in pending %s state for GPU %s:%s\n", verb, bus,
			       res.activation_text[0] ? res.activation_text : "Not Supported");
			printf("Reboot the system or try nvidia-smi --gpu-reset to make MIG mode effective on GPU %s\n",
			       bus);
		} else {
			printf("%s MIG Mode for GPU %s\n", enable ? "Enabled" : "Disabled", bus);
		}
	}
	if (status) {
		printf("Terminating early due to previous errors.\n");
		return status;
	}
	printf("All done.\n");
	return 0;
}

static int report_init(const struct smi *s, enum migctl_err rc, const struct migctl_error *err)
{
	if (rc == MIGCTL_ERR_NO_DRIVER) {
		printf("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
		       "Make sure that the latest NVIDIA driver is installed and running.\n\n");
		fprintf(stderr, "%s: %s (for the simulator: migctl --sim smi ..., or MIGCTL_SIM=1)\n",
			s->cli->prog, err->msg[0] ? err->msg : migctl_strerror(rc));
	} else {
		printf("Failed to initialize NVML: %s\n", smi_plain_text(rc));
		if (err->msg[0])
			fprintf(stderr, "%s: %s\n", s->cli->prog, err->msg);
	}
	return smi_exit(rc);
}

/* What the listings print, so that the node reads only that; everything
 * for the status table and for the actions that change the node. */
static unsigned smi_node_read(const struct smi *s)
{
	if (s->list)
		return MIGCTL_NODE_READ_DEVICES;
	if (!s->mig || s->reset || s->mig_mode >= 0)
		return MIGCTL_NODE_READ_ALL;
	switch (s->action) {
	case SMI_LGIP:
		return MIGCTL_NODE_READ_PROFILES | MIGCTL_NODE_READ_CAPACITY;
	case SMI_LGIPP:
		return MIGCTL_NODE_READ_PROFILES | MIGCTL_NODE_READ_PLACEMENTS;
	case SMI_LGI:
		return MIGCTL_NODE_READ_GIS;
	default:
		return MIGCTL_NODE_READ_ALL;
	}
}

/* The actions that change the node hold the node lock (cli_lock); a
 * held lock is refused at once, as nvidia-smi has no --wait. */
static int smi_lock(struct smi *s)
{
	struct migctl_error err = {0};
	enum migctl_err rc = cli_lock(s->cli, &err);

	if (rc)
		fprintf(stderr, "%s: %s\n", s->cli->prog, err.msg);
	return smi_exit(rc);
}

int smi_main(struct cli *cli, int argc, char **argv)
{
	struct smi s = {.cli = cli, .mig_mode = -1};
	struct migctl_error err;
	enum migctl_err rc;
	int r;

	r = parse(&s, argc, argv);
	if (r > 0) {
		fputs(r == 2 ? smi_mig_help : smi_usage, stdout);
		return 0;
	}
	if (r < 0)
		return s.status;
	migctl_error_clear(&err);
	cli->node_read = smi_node_read(&s);
	if ((rc = cli_node(cli, &err)))
		return report_init(&s, rc, &err);
	if ((r = select_gpus(&s)))
		return r;
	if (s.list) {
		for (size_t i = 0; i < s.n_gpus; i++)
			smi_print_list(stdout, s.gpus[i]);
		return 0;
	}
	if (s.reset)
		return (r = smi_lock(&s)) ? r : smi_do_reset(&s);
	if (s.mig_mode == 2) {
		printf("Invalid MIG Mode: %s\n", s.mig_value);
		printf("Terminating early due to previous errors.\n");
		return smi_exit(MIGCTL_ERR_USAGE);
	}
	if (s.mig_mode >= 0)
		return (r = smi_lock(&s)) ? r : do_mig_mode(&s);
	if (!s.mig) {
		char stamp[64] = "";
		time_t now = time(NULL);
		struct tm tm;

		if (localtime_r(&now, &tm))
			strftime(stamp, sizeof(stamp), "%a %b %e %H:%M:%S %Y", &tm);
		smi_print_status(stdout, &cli->node, s.gpus, s.n_gpus, stamp);
		return 0;
	}
	if ((r = keep_mig_gpus(&s)))
		return r;
	if ((s.action == SMI_CGI || s.action == SMI_CCI || s.action == SMI_DGI ||
	     s.action == SMI_DCI) && (r = smi_lock(&s)))
		return r;
	switch (s.action) {
	case SMI_LGIP:
		return do_lgip(&s);
	case SMI_LGIPP:
		return do_lgipp(&s);
	case SMI_LCIP:
		return do_lcip(&s, false);
	case SMI_LCIPP:
		return do_lcip(&s, true);
	case SMI_LGI:
		return do_lgi(&s);
	case SMI_LCI:
		return do_lci(&s);
	case SMI_CGI:
		return smi_do_cgi(&s);
	case SMI_CCI:
		return smi_do_cci(&s);
	case SMI_DGI:
		return smi_do_dgi(&s);
	case SMI_DCI:
		return smi_do_dci(&s);
	case SMI_NONE:
	default:
		return do_lookup(&s);
	}
}

/* The personality keeps its own parser (it imitates nvidia-smi's command
 * line); the descriptor gives it a place in --help, the man pages and
 * completion. */
const struct cli_command cli_cmd_smi = {
	.name = "smi",
	.summary = "the nvidia-smi MIG subset, e.g. 'migctl smi mig -lgi'",
	.operands = "[nvidia-smi arguments]",
	.description =
		"Behave as nvidia-smi does for its MIG subset: -L, the plain status\n"
		"table, -mig 0|1, -r, and 'mig' with -lgip, -lgipp, -lgi, -cgi, -dgi,\n"
		"-lcip, -lcipp, -lci, -cci and -dci. Messages and exit codes are\n"
		"nvidia-smi's.\n"
		"A symlink named nvidia-smi to migctl does the same. 'migctl smi --help'\n"
		"lists what is supported.\n",
	.run = smi_main,
	.flags = CLI_OWN_PARSER,
};
