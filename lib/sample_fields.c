/* migctl — the sampler's field table (migctl/sample.h): DCGM field IDs,
 * dmon tags, DCGM names, units, levels; lookups and the -e list parser;
 * the names and texts of reasons, normalisations and sources.
 *
 * Profiling rows (1001-1016) follow reference/dcgm.md §2.1: tag, legacy
 * name, entity level. The device rows use the IDs, tags and units of
 * DCGM's public field table (what `dcgmi dmon -l` lists); the reference
 * names the fields but not their tags, so those are ours to check against
 * a real dcgmi when one is at hand. */
#include "migctl/sample.h"
#include "util/list.h"
#include "util/suggest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GPU MIGCTL_ENTITY_GPU
#define GI MIGCTL_ENTITY_GI
#define CI MIGCTL_ENTITY_CI
#define INT MIGCTL_VALUE_INT
#define DBL MIGCTL_VALUE_DOUBLE

/* id, tag, DCGM name, long name, unit, type, width, level, profiling, ratio */
static const struct migctl_field_info fields[] = {
	{100, "SMCLK", "DEV_SM_CLOCK", "SM clock", "MHZ", INT, 5, GPU, false, false},
	{101, "MMCLK", "DEV_MEM_CLOCK", "Memory clock", "MHZ", INT, 5, GPU, false, false},
	{140, "MMTMP", "DEV_MEMORY_TEMP", "Memory temperature", "C", INT, 5, GPU, false, false},
	{150, "TMPTR", "DEV_GPU_TEMP", "GPU temperature", "C", INT, 5, GPU, false, false},
	{155, "POWER", "DEV_POWER_USAGE", "Power usage", "W", DBL, 7, GPU, false, false},
	{156, "TOTEC", "DEV_TOTAL_ENERGY_CONSUMPTION", "Total energy consumption", "mJ", INT,
	 10, GPU, false, false},
	{203, "GPUTL", "DEV_GPU_UTIL", "GPU utilization", "%", INT, 5, GPU, false, false},
	{204, "MCUTL", "DEV_MEM_COPY_UTIL", "Memory copy utilization", "%", INT, 5, GPU, false,
	 false},
	{230, "XIDER", "DEV_XID_ERRORS", "XID errors (last XID)", "", INT, 5, CI, false, false},
	{250, "FBTTL", "DEV_FB_TOTAL", "Framebuffer memory total", "MB", INT, 6, CI, false, false},
	{251, "FBFRE", "DEV_FB_FREE", "Framebuffer memory free", "MB", INT, 6, CI, false, false},
	{252, "FBUSD", "DEV_FB_USED", "Framebuffer memory used", "MB", INT, 6, CI, false, false},
	{310, "ESVTL", "DEV_ECC_SBE_VOL_TOTAL", "ECC single-bit errors, volatile", "", INT, 5,
	 GPU, false, false},
	{311, "EDVTL", "DEV_ECC_DBE_VOL_TOTAL", "ECC double-bit errors, volatile", "", INT, 5,
	 GPU, false, false},
	{312, "ESATL", "DEV_ECC_SBE_AGG_TOTAL", "ECC single-bit errors, aggregate", "", INT, 5,
	 GPU, false, false},
	{313, "EDATL", "DEV_ECC_DBE_AGG_TOTAL", "ECC double-bit errors, aggregate", "", INT, 5,
	 GPU, false, false},
	{1001, "GRACT", "PROF_GR_ENGINE_ACTIVE", "Graphics engine activity", "", DBL, 5, CI, true,
	 true},
	{1002, "SMACT", "PROF_SM_ACTIVE", "SM activity", "", DBL, 5, CI, true, true},
	{1003, "SMOCC", "PROF_SM_OCCUPANCY", "SM occupancy", "", DBL, 5, CI, true, true},
	{1004, "TENSO", "PROF_PIPE_TENSOR_ACTIVE", "Tensor activity", "", DBL, 5, CI, true, true},
	{1005, "DRAMA", "PROF_DRAM_ACTIVE", "DRAM activity", "", DBL, 5, GI, true, true},
	{1006, "FP64A", "PROF_PIPE_FP64_ACTIVE", "FP64 engine activity", "", DBL, 5, CI, true,
	 true},
	{1007, "FP32A", "PROF_PIPE_FP32_ACTIVE", "FP32 engine activity", "", DBL, 5, CI, true,
	 true},
	{1008, "FP16A", "PROF_PIPE_FP16_ACTIVE", "FP16 engine activity", "", DBL, 5, CI, true,
	 true},
	{1009, "PCITX", "PROF_PCIE_TX_BYTES", "PCIe TX bytes", "B/s", DBL, 5, GPU, true, false},
	{1010, "PCIRX", "PROF_PCIE_RX_BYTES", "PCIe RX bytes", "B/s", DBL, 5, GPU, true, false},
	{1011, "NVLTX", "PROF_NVLINK_TX_BYTES", "NVLink TX bytes", "B/s", DBL, 5, GPU, true, false},
	{1012, "NVLRX", "PROF_NVLINK_RX_BYTES", "NVLink RX bytes", "B/s", DBL, 5, GPU, true, false},
	{1013, "TIMMA", "PROF_PIPE_TENSOR_IMMA_ACTIVE", "Integer tensor activity", "", DBL, 5, CI,
	 true, true},
	{1014, "THMMA", "PROF_PIPE_TENSOR_HMMA_ACTIVE", "Half tensor activity", "", DBL, 5, CI,
	 true, true},
	{1015, "TDFMA", "PROF_PIPE_TENSOR_DFMA_ACTIVE", "FP64 tensor activity", "", DBL, 5, CI,
	 true, true},
	{1016, "INTAC", "PROF_PIPE_INT_ACTIVE", "Integer pipe activity", "", DBL, 5, CI, true,
	 true},
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

const struct migctl_field_info *migctl_fields(size_t *n)
{
	*n = N_FIELDS;
	return fields;
}

const struct migctl_field_info *migctl_field_by_id(unsigned id)
{
	for (size_t i = 0; i < N_FIELDS; i++)
		if (fields[i].id == id)
			return &fields[i];
	return NULL;
}

const struct migctl_field_info *migctl_field_lookup(const char *text)
{
	char *end;
	unsigned long id;

	if (!text || !*text)
		return NULL;
	if (text[0] >= '0' && text[0] <= '9') {
		errno = 0;
		id = strtoul(text, &end, 10);
		if (errno || *end || id > 0xFFFFu)
			return NULL;
		return migctl_field_by_id((unsigned)id);
	}
	if (strncasecmp(text, "DCGM_FI_", 8) == 0)
		text += 8;
	for (size_t i = 0; i < N_FIELDS; i++)
		if (strcasecmp(fields[i].tag, text) == 0 || strcasecmp(fields[i].name, text) == 0)
			return &fields[i];
	return NULL;
}

/* One -e item, trimmed of spaces, into `buf`; false if it does not fit. */
static bool trimmed(const char *s, size_t len, char *buf, size_t cap)
{
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= cap)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return true;
}

static enum migctl_err unknown_field(const char *item, struct migctl_error *err)
{
	struct mu_suggest sg;
	char list[200] = "", hint[240] = "";

	mu_suggest_init(&sg, item);
	for (size_t i = 0; i < N_FIELDS; i++) {
		mu_suggest_add(&sg, fields[i].tag);
		mu_suggest_add(&sg, fields[i].name);
	}
	if (mu_suggest_format(&sg, '\'', list, sizeof(list)))
		snprintf(hint, sizeof(hint), " (did you mean %s?)", list);
	return migctl_fail(err, MIGCTL_ERR_USAGE,
			   "unknown field '%s'%s; `migctl dmon -l` lists the fields", item, hint);
}

enum migctl_err migctl_field_list_parse(const char *text, unsigned **ids, size_t *n,
					struct migctl_error *err)
{
	unsigned *out = NULL;
	size_t count = 0;
	const char *p = text ? text : "";

	*ids = NULL;
	*n = 0;
	out = calloc(N_FIELDS, sizeof(*out));
	if (!out)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char item[64];
		const struct migctl_field_info *f;
		bool dup = false;

		if (!trimmed(p, len, item, sizeof(item)) || !item[0]) {
			free(out);
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "empty or overlong field in the list '%.80s'; give "
					   "comma-separated field IDs or tags, e.g. -e 1001,1002",
					   text ? text : "");
		}
		f = migctl_field_lookup(item);
		if (!f) {
			free(out);
			return unknown_field(item, err);
		}
		for (size_t i = 0; i < count; i++)
			dup |= out[i] == f->id;
		if (!dup)
			out[count++] = f->id;
		if (!comma)
			break;
		p = comma + 1;
	}
	*ids = out;
	*n = count;
	return MIGCTL_ERR_OK;
}

const char *migctl_na_reason_name(enum migctl_na_reason r)
{
	static const char *const names[] = {
		"none", "level", "closed-module", "not-supported", "no-entry-point",
		"first-sample", "no-cis", "mig-enabled", "nvml-error", "no-permission",
		"not-collected",
	};
	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "unknown";
}

const char *migctl_na_reason_text(enum migctl_na_reason r)
{
	static const char *const texts[] = {
		"available",
		"the field is not defined at this entity's level",
		"needs DCGM's closed profiling module: GPUs before Hopper have no GPM",
		"the driver does not support it on this device",
		"the driver lacks the NVML call",
		"a rate over two samples: no previous sample yet",
		"the GPU instance has no compute instances",
		"NVML does not report it for a GPU in MIG mode; use the profiling fields",
		"the driver reported an error",
		"insufficient permissions",
		"not collected by this sampler",
	};
	return (unsigned)r < sizeof(texts) / sizeof(texts[0]) ? texts[r] : "unknown";
}

const char *migctl_norm_name(enum migctl_norm n)
{
	static const char *const names[] = {
		"absolute", "gpu", "instance", "sm-weighted", "gi-shared",
	};
	return (unsigned)n < sizeof(names) / sizeof(names[0]) ? names[n] : "unknown";
}

const char *migctl_value_source_name(enum migctl_value_source s)
{
	static const char *const names[] = {"none", "nvml", "gpm", "derived", "events"};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}
