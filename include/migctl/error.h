/* migctl — error codes shared by the library and every front end.
 *
 * The list is an X-macro so that the enum, the names, the default messages
 * and the CLI exit codes (= the numeric code) all come from one place.
 * Codes are part of the user interface (exit codes, JSON "error" objects):
 * append new ones at the end, never renumber.
 */
#ifndef MIGCTL_ERROR_H
#define MIGCTL_ERROR_H

#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>

/* X(NAME, code, "short-name", "default message") */
#define MIGCTL_ERRORS(X)                                                       \
	X(OK, 0, "ok", "success")                                              \
	X(INTERNAL, 1, "internal", "internal error")                           \
	X(USAGE, 2, "usage", "invalid command line")                           \
	X(NOMEM, 3, "nomem", "out of memory")                                  \
	X(IO, 4, "io", "input/output error")                                   \
	X(PARSE, 5, "parse", "malformed input")                                \
	X(CATALOG, 6, "catalog", "inconsistent GPU catalog")                   \
	X(UNKNOWN_MODEL, 7, "unknown-model", "unknown GPU model")              \
	X(UNKNOWN_PROFILE, 8, "unknown-profile", "unknown profile")            \
	X(INVALID_PLACEMENT, 9, "invalid-placement",                           \
	  "placement is not valid for this profile")                           \
	X(INSUFFICIENT_RESOURCES, 10, "insufficient-resources",                \
	  "insufficient resources")                                            \
	X(INFEASIBLE, 11, "infeasible", "layout does not fit on the GPU")     \
	X(STATE, 12, "state", "simulator state is missing or unreadable")     \
	X(NOT_FOUND, 13, "not-found", "no such GPU or instance")             \
	X(BUSY, 14, "busy", "in use by running processes or instances")      \
	X(NO_DRIVER, 15, "no-driver", "no NVIDIA driver (libnvidia-ml.so.1)") \
	X(NO_PERMISSION, 16, "no-permission", "insufficient permissions")     \
	X(NOT_SUPPORTED, 17, "not-supported", "not supported on this GPU")   \
	X(RESET_REQUIRED, 18, "reset-required", "a GPU reset is required")   \
	X(REBOOT_REQUIRED, 19, "reboot-required", "a reboot is required")    \
	X(NVML, 20, "nvml", "the NVIDIA driver reported an error")           \
	X(NOT_APPLIED, 21, "not-applied",                                      \
	  "the GPUs do not match the configuration")                          \
	X(ROLLED_BACK, 22, "rolled-back",                                      \
	  "the apply failed; the GPU was rolled back to its checkpoint")      \
	X(HOOK, 23, "hook", "a hook command failed")                         \
	X(LOCKED, 24, "locked",                                                \
	  "another migctl is changing this node (it holds the node lock)")    \
	X(MANAGED, 25, "managed",                                              \
	  "the driver manages this device node and would undo the change")    \
	X(UNSAFE_FILE, 26, "unsafe-file",                                      \
	  "a symbolic link on the file's path is owned by another user")

enum migctl_err {
#define MIGCTL_ERR_ENUM(name, code, str, msg) MIGCTL_ERR_##name = code,
	MIGCTL_ERRORS(MIGCTL_ERR_ENUM)
#undef MIGCTL_ERR_ENUM
};

/* Caller-owned error detail. `msg` names the subject (file:line, model,
 * profile, placement) and, where there is one, the fix. */
struct migctl_error {
	enum migctl_err code;
	char msg[512];
};

/* Short stable name of a code ("unknown-model"); "unknown" if out of range. */
const char *migctl_err_name(enum migctl_err code);

/* Default one-line message of a code. */
const char *migctl_strerror(enum migctl_err code);

/* The i-th entry of the error list (i from 0, in code order), for front
 * ends that print the list (exit-code tables, man pages): fills `code`,
 * `name` and `msg` (any may be NULL) and returns true, or false past the
 * end. */
bool migctl_err_entry(size_t i, enum migctl_err *code, const char **name, const char **msg);

/* Record `code` and a formatted message in `err` (which may be NULL) and
 * return `code`, so that callers can write `return migctl_fail(err, ...)`. */
enum migctl_err migctl_fail(struct migctl_error *err, enum migctl_err code,
			    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

enum migctl_err migctl_vfail(struct migctl_error *err, enum migctl_err code,
			     const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Print every code of the X-macro, one per line: `indent`, the number,
 * the short name and the default message ("  14  busy  in use by ...").
 * For the exit-code lists of --help texts, which then cannot disagree
 * with the codes the programs return. `indent` may be NULL. */
void migctl_err_print_table(FILE *out, const char *indent);

/* Reset `err` to MIGCTL_ERR_OK with an empty message. */
void migctl_error_clear(struct migctl_error *err);

/* Put "GPU N: " before err->msg unless it already starts with "GPU "
 * (an empty message becomes the code's default message first; a full
 * one is cut at the end). */
void migctl_error_prefix_gpu(struct migctl_error *err, unsigned gpu);

#endif
