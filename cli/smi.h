/* migctl smi — what the nvidia-smi personality's files share: the parsed
 * command line (cli/smi.c parses it and runs the read-only actions;
 * cli/smi_change.c creates and destroys instances) and nvidia-smi's exit
 * codes and texts. Internal to those two files. */
#ifndef MIGCTL_CLI_SMI_H
#define MIGCTL_CLI_SMI_H

#include "cli.h"

enum smi_action {
	SMI_NONE, SMI_LGIP, SMI_LGIPP, SMI_LCIP, SMI_LCIPP, SMI_LGI, SMI_LCI,
	SMI_CGI, SMI_CCI, SMI_DGI, SMI_DCI,
};

struct smi {
	struct cli *cli;
	const char *ids;            /* -i */
	bool list;                  /* -L */
	int mig_mode;               /* -mig: 0, 1, or -1 */
	bool mig;                   /* the `mig` subcommand */
	enum smi_action action;
	const char *cgi;            /* -cgi LIST */
	const char *cci;            /* -cci [LIST]; NULL: default CI */
	bool create_ci;             /* -C */
	const char *gi_ids, *ci_ids;
	struct migctl_gpu_state *gpus[MIGCTL_NODE_MAX_GPUS];
	size_t n_gpus;
	bool reset;                 /* -r, --gpu-reset */
	const char *mig_value;      /* -mig's value as given */
	unsigned actions;           /* mig actions given, bits of mig_actions[] */
	bool mig_help;              /* mig -h */
	int status;                 /* exit status of a command-line error */
};

#define SMI_MAX_IDS 64

/* nvidia-smi's exit code for a migctl error. */
int smi_exit(enum migctl_err e);
/* The text NVML gives for a condition, for errors migctl finds itself. */
const char *smi_plain_text(enum migctl_err e);
/* NVML's text for the operation that just failed on the node. */
const char *smi_text(const struct smi *s, enum migctl_err e);
/* nvidia-smi's usage error line; returns its exit code. */
int smi_bad_usage(void);
/* The GIs -gi selects on a GPU (all without -gi) that exist, in walk order. */
size_t smi_target_gis(const struct smi *s, const struct migctl_gpu_state *gpu,
		      const unsigned *want, size_t n_want, unsigned *ids);
/* The CIs -ci selects in a GI (all without -ci) that exist, by ID. */
size_t smi_target_cis(const struct smi *s, const struct migctl_gi_state *gi,
		      const unsigned *want, size_t n_want, unsigned *ids);
/* What -gi (and, with `ci_want`, -ci) select over the GPUs: the number of
 * CIs (of GIs without `ci_want`); *n_gis (if not NULL) gets the GIs. */
size_t smi_count_targets(const struct smi *s, const unsigned *want, size_t n_want,
			 const unsigned *ci_want, size_t n_ci_want, size_t *n_gis);
/* nvidia-smi's "No GPU instances found" / "No compute instances found";
 * return the exit code. */
int smi_no_gis(void);
int smi_no_cis(void);
/* -gi and -ci as ID lists; -1 when one is malformed. */
int smi_parse_gi_ci_ids(const struct smi *s, unsigned *gi, size_t *n_gi, unsigned *ci,
			size_t *n_ci);

/* nvidia-smi mig -cgi, -cci, -dgi, -dci (cli/smi_change.c). */
int smi_do_cgi(struct smi *s);
int smi_do_cci(struct smi *s);
int smi_do_dgi(struct smi *s);
int smi_do_dci(struct smi *s);
/* nvidia-smi -r (cli/smi_change.c). */
int smi_do_reset(struct smi *s);

#endif
