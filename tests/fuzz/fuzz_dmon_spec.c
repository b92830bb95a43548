/* libFuzzer target: dmon's command-line parsers, the entity spec (-i,
 * migctl_entity_spec_parse) and the field list (-e,
 * migctl_field_list_parse). The input is "SPEC\nFIELDS". A spec that
 * parses is matched and checked against a synthetic sample (two GPUs, GIs,
 * CIs); whatever the input, nothing may crash or leak, an error leaves
 * nothing allocated, and every answer is one the header documents. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migctl/sample.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void synthetic(struct migctl_entity *e, size_t *n)
{
	static const struct {
		enum migctl_entity_kind kind;
		unsigned id, gpu, gi, ci;
	} rows[] = {
		{MIGCTL_ENTITY_GPU, 0, 0, MIGCTL_ID_NONE, MIGCTL_ID_NONE},
		{MIGCTL_ENTITY_GI, 0, 0, 1, MIGCTL_ID_NONE},
		{MIGCTL_ENTITY_CI, 0, 0, 1, 0},
		{MIGCTL_ENTITY_CI, 1, 0, 1, 1},
		{MIGCTL_ENTITY_GPU, 1, 1, MIGCTL_ID_NONE, MIGCTL_ID_NONE},
		{MIGCTL_ENTITY_GI, 7, 1, 1, MIGCTL_ID_NONE},
		{MIGCTL_ENTITY_GI, 8, 1, 2, MIGCTL_ID_NONE},
		{MIGCTL_ENTITY_CI, 7, 1, 1, 0},
	};
	*n = sizeof(rows) / sizeof(rows[0]);
	for (size_t i = 0; i < *n; i++) {
		memset(&e[i], 0, sizeof(e[i]));
		e[i].kind = rows[i].kind;
		e[i].id = rows[i].id;
		e[i].gpu_index = rows[i].gpu;
		e[i].gi_id = rows[i].gi;
		e[i].ci_id = rows[i].ci;
		strcpy(e[i].gpu_uuid, rows[i].gpu ? "GPU-1111" : "GPU-0000");
		strcpy(e[i].gi_profile, "3g.40gb");
		if (rows[i].kind == MIGCTL_ENTITY_CI)
			strcpy(e[i].mig_uuid, i == 2 ? "MIG-aaaa" : "MIG-bbbb");
	}
}

static void spec(const char *text)
{
	struct migctl_entity_spec sp;
	struct migctl_error err;
	struct migctl_entity ents[8];
	struct migctl_sample s;
	enum migctl_err rc;

	memset(&sp, 0x5A, sizeof(sp));
	rc = migctl_entity_spec_parse(text, &sp, &err);
	if (rc != MIGCTL_ERR_OK) {
		if ((rc != MIGCTL_ERR_USAGE && rc != MIGCTL_ERR_NOMEM) || sp.items || sp.n_items ||
		    !err.msg[0])
			abort();
		return;
	}
	if (sp.n_items > 1024 || (sp.n_items && !sp.items))
		abort();
	memset(&s, 0, sizeof(s));
	synthetic(ents, &s.n_entities);
	s.entities = ents;
	for (size_t i = 0; i < s.n_entities; i++) {
		bool m = migctl_entity_spec_match(&sp, &ents[i]);
		/* "all" (dcgmi's default) selects GPUs only. */
		if (sp.all && m != (ents[i].kind == MIGCTL_ENTITY_GPU))
			abort();
	}
	rc = migctl_entity_spec_check(&sp, &s, &err);
	if (rc != MIGCTL_ERR_OK && (rc != MIGCTL_ERR_NOT_FOUND || !err.msg[0]))
		abort();
	migctl_entity_spec_release(&sp);
	if (sp.items || sp.n_items)
		abort();
}

static void fields(const char *text)
{
	struct migctl_error err;
	unsigned *ids = (unsigned *)1;
	size_t n = 99;
	enum migctl_err rc = migctl_field_list_parse(text, &ids, &n, &err);

	if (rc != MIGCTL_ERR_OK) {
		if ((rc != MIGCTL_ERR_USAGE && rc != MIGCTL_ERR_NOMEM) || ids || n)
			abort();
		return;
	}
	if (!ids || n == 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (!migctl_field_by_id(ids[i]))
			abort();
		for (size_t j = 0; j < i; j++)
			if (ids[i] == ids[j])
				abort();
	}
	free(ids);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *nl;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	spec(buf);
	fields(nl ? nl + 1 : buf);
	free(buf);
	return 0;
}
