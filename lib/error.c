/* migctl — error codes and messages. */
#include "migctl/error.h"

#include <stdio.h>
#include <string.h>

struct err_entry {
	enum migctl_err code;
	const char *name;
	const char *msg;
};

static const struct err_entry entries[] = {
#define MIGCTL_ERR_ENTRY(name, code, str, msg) {code, str, msg},
	MIGCTL_ERRORS(MIGCTL_ERR_ENTRY)
#undef MIGCTL_ERR_ENTRY
};

static const struct err_entry *lookup(enum migctl_err code)
{
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		if (entries[i].code == code)
			return &entries[i];
	return NULL;
}

const char *migctl_err_name(enum migctl_err code)
{
	const struct err_entry *e = lookup(code);
	return e ? e->name : "unknown";
}

const char *migctl_strerror(enum migctl_err code)
{
	const struct err_entry *e = lookup(code);
	return e ? e->msg : "unknown error";
}

bool migctl_err_entry(size_t i, enum migctl_err *code, const char **name, const char **msg)
{
	if (i >= sizeof(entries) / sizeof(entries[0]))
		return false;
	if (code)
		*code = entries[i].code;
	if (name)
		*name = entries[i].name;
	if (msg)
		*msg = entries[i].msg;
	return true;
}

enum migctl_err migctl_vfail(struct migctl_error *err, enum migctl_err code,
			     const char *fmt, va_list ap)
{
	if (err) {
		err->code = code;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	}
	return code;
}

enum migctl_err migctl_fail(struct migctl_error *err, enum migctl_err code,
			    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	migctl_vfail(err, code, fmt, ap);
	va_end(ap);
	return code;
}

void migctl_err_print_table(FILE *out, const char *indent)
{
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		fprintf(out, "%s%2d  %-23s %s\n", indent ? indent : "", (int)entries[i].code,
			entries[i].name, entries[i].msg);
}

void migctl_error_clear(struct migctl_error *err)
{
	if (err) {
		err->code = MIGCTL_ERR_OK;
		err->msg[0] = '\0';
	}
}

void migctl_error_prefix_gpu(struct migctl_error *err, unsigned gpu)
{
	char pre[24];
	int k = snprintf(pre, sizeof(pre), "GPU %u: ", gpu);
	size_t len;

	if (strncmp(err->msg, "GPU ", 4) == 0)
		return;
	if (!err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "%s", migctl_strerror(err->code));
	len = strlen(err->msg);
	if (len + (size_t)k >= sizeof(err->msg))
		len = sizeof(err->msg) - (size_t)k - 1;
	memmove(err->msg + k, err->msg, len);
	memcpy(err->msg, pre, (size_t)k);
	err->msg[(size_t)k + len] = '\0';
}
