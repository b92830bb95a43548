/* migsim — internal: what the control tool's files share. sim/migsim.c
 * holds main, the help and these helpers; sim/migsim_machine.c the
 * commands on the machine (init, show, reset, reboot); sim/migsim_exec.c
 * the commands that register processes and faults (exec, fault). */
#ifndef MIGSIM_MIGSIM_H
#define MIGSIM_MIGSIM_H

#include <stdbool.h>
#include <stddef.h>

#include "sim.h"

#define MIGSIM_VERSION "0.1.0"
#define PROG "migsim"

/* Exit code of a refusal because processes or instances are in use. */
#define ERR_IN_USE MIGCTL_ERR_BUSY

struct app {
	const char *state;      /* --state DIR, or NULL */
	char dir[512];          /* resolved state directory */
};

/* The commands: each returns the exit code. */
int cmd_init(struct app *app, int argc, char **argv);
int cmd_show(struct app *app, int argc, char **argv);
int cmd_reset(struct app *app, int argc, char **argv);
int cmd_reboot(struct app *app, int argc, char **argv);
int cmd_set(struct app *app, int argc, char **argv);
int cmd_exec(struct app *app, int argc, char **argv);
int cmd_fault(struct app *app, int argc, char **argv);
int cmd_event(struct app *app, int argc, char **argv);
int cmd_root(struct app *app, int argc, char **argv);

/* --- errors: print "migsim: error: ..." and return the exit code ------- */

int ms_report(const struct migctl_error *err);
int ms_fail(enum migctl_err code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A usage error of command `cmd`, with the pointer to its --help. */
int ms_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* --- parsing ----------------------------------------------------------- */

/* Unsigned decimal, digits only (no sign, no spaces), at most `max`. */
bool ms_parse_ull(const char *s, unsigned long long max, unsigned long long *out);
bool ms_parse_uint(const char *s, unsigned max, unsigned *out);
/* NVML return codes: name ("NVML_ERROR_IN_USE") and text ("In use by
 * another client") of a code. */
const char *ms_nvml_name(int code);
const char *ms_nvml_text(int code);
/* An NVML error code as a number ("19") or a name, with or without the
 * NVML_ERROR_ prefix, any case, '-' for '_' ("in-use"). Success is not an
 * error. Returns false if unknown. */
bool ms_parse_nvml_error(const char *s, int *out);

/* --- the state --------------------------------------------------------- */

/* Resolve app->dir from --state, $MIGSIM_STATE or the default. */
void ms_open_dir(struct app *app);
/* Open the state; on error report it and return the exit code. */
int ms_open_state(struct app *app, struct sim_session *s, enum sim_lock mode);
/* Commit and close; returns the exit code. */
int ms_commit_close(struct sim_session *s);

/* --- the machine ------------------------------------------------------- */

/* The catalog name of a GPU's model. */
const char *ms_gpu_model_name(const struct sim_gpu *g);
/* "123, 456" — the PIDs registered on a GPU (all of them when gi == ~0u)
 * or on a GI / CI. */
void ms_busy_pids(const struct sim_machine *m, unsigned gpu, unsigned gi, unsigned ci,
		  char *buf, size_t len);
/* A GPU by index ("0") or UUID; NOT_FOUND naming what exists otherwise. */
int ms_find_gpu(const struct sim_machine *m, const char *query, unsigned *gpu);
/* A fault's action ("NVML_ERROR_IN_USE (19)", "kill") and, when it lets
 * calls through first, ", after N call(s)". */
void ms_fault_texts(const struct sim_fault *f, char *e, size_t elen, char *after,
		    size_t alen);

#endif
