/* migctl — the built-in catalog checked row by row against the reference.
 *
 * The tables below are an independent transcription of
 * ../shared/reference/mig-profiles.md (§1 PCI IDs and units, §2 GI profile
 * tables, §4 CI profiles, §5 mig-parted all-balanced layouts) and of the real
 * `nvidia-smi mig -lgip` transcripts in ../shared/seeds/ (seed 000: A100 80GB
 * PCIe, driver 535.230.02; seed 003: H20). They were written WITHOUT looking
 * at the data/catalog YAML files, so that a mistake in either shows up here.
 *
 * Conventions of the tables:
 *   - NA (-1) in a number column: the reference gives no number (or marks it
 *     [U]); the catalog's value is not asserted.
 *   - mem: the "Mem GiB" values the reference lists, separated by '/'; any
 *     one of them is accepted. 2-decimal prints stand for a 1/16 GiB value
 *     (9.62 = 9.625 GiB = 9856 MiB), so a value matches when
 *     |memory_mib / 1024 - value| < 0.006. NULL: not asserted ([U]).
 *   - placements: -lgipp notation "{0,2,4}:2"; NULL: not given.
 *   - conf: CONF_FALSE where the reference marks a value of the row [U]
 *     (the catalog must then say `confirmed: false`), CONF_TRUE where the
 *     whole row and the model's placements are [C], CONF_ANY otherwise
 *     (rows with [I] values, which docs/catalog-format.md allows either way).
 *
 * Each test collects every mismatch of its model family (printed as
 * "MISMATCH: <model> (<pci>) <profile>: ... [reference]") and fails once at
 * the end, so one run lists all of them.
 *
 * It is one file over 1,000 lines because it transcribes the reference
 * tables of every model family: keeping them in one place, next to the
 * checks, makes them easy to compare with the reference line by line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migctl/catalog.h"
#include "migctl/error.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NA (-1)

enum conf { CONF_ANY, CONF_TRUE, CONF_FALSE };

/* NVML_GPU_INSTANCE_PROFILE_* indices (mig-profiles.md §0). */
enum {
	IX_1 = 0x0, IX_2 = 0x1, IX_3 = 0x2, IX_4 = 0x3, IX_7 = 0x4,
	IX_1_REV1 = 0x7, IX_2_REV1 = 0x8, IX_1_REV2 = 0x9,
	IX_1_GFX = 0xA, IX_2_GFX = 0xB, IX_4_GFX = 0xC,
	IX_1_NO_ME = 0xD, IX_2_NO_ME = 0xE,
	IX_1_ALL_ME = 0xF, IX_2_ALL_ME = 0x10,
};

struct ref_gi {
	const char *name;
	int id;
	int nvml_index;
	int slices;
	const char *mem;
	int sm, ce, dec, enc, jpg, ofa;
	int max;
	const char *placements;
	enum conf conf;
};

struct ref_model {
	const char *label;
	unsigned pci;
	const char *src;            /* where the numbers come from */
	enum migctl_arch arch;
	unsigned units;             /* placement units (§0/§1) */
	unsigned compute_slices;    /* compute slices of the whole GPU */
	uint64_t memory_mib;        /* 0: not asserted */
	unsigned sm_count;          /* 0: not asserted */
	const struct ref_gi *gi;
	size_t n_gi;
};

#define P7 "{0,1,2,3,4,5,6}:1"

/* ---- §2.1 A100-40GB (SXM4/PCIe; A800-40GB) ------------------------------ */
static const struct ref_gi a100_40gb[] = {
/*	 name         ID  NVML index  sl mem              SM  CE DEC ENC JPG OFA max placements      conf */
	{"1g.5gb",    19, IX_1,       1, "4.75",          14, 1, 0,  0,  0,  0,  7, P7,            CONF_TRUE},
	{"1g.5gb+me", 20, IX_1_REV1,  1, "4.75",          14, 1, 1,  0,  1,  1,  1, P7,            CONF_TRUE},
	{"1g.10gb",   15, IX_1_REV2,  1, "9.62",          14, 1, 1,  0,  0,  0,  4, "{0,2,4,6}:2", CONF_TRUE},
	{"2g.10gb",   14, IX_2,       2, "9.62 / 9.75",   28, 2, 1,  0,  0,  0,  3, "{0,2,4}:2",   CONF_TRUE},
	{"3g.20gb",    9, IX_3,       3, "19.50 / 19.62", 42, 3, 2,  0,  0,  0,  2, "{0,4}:4",     CONF_TRUE},
	{"4g.20gb",    5, IX_4,       4, "19.50 / 19.62", 56, 4, 2,  0,  0,  0,  1, "{0}:4",       CONF_TRUE},
	{"7g.40gb",    0, IX_7,       7, "39.25 / 39.50", 98, 7, 5,  0,  1,  1,  1, "{0}:8",       CONF_TRUE},
};

/* ---- §2.2 A100-80GB SXM4 (and A800-80GB) --------------------------------
 * IDs, slices, SM/engines and placements as A100-40GB [§2.2]. Memory: the
 * §2.2 values, plus the seed-000 value 78.75 for 7g.80gb (a real A100-80GB
 * -lgip with driver 535; §2.2 lists memory "by driver"). */
static const struct ref_gi a100_80gb_sxm[] = {
	{"1g.10gb",    19, IX_1,      1, "9.50 / 9.75",          14, 1, 0, 0, 0, 0, 7, P7,            CONF_TRUE},
	{"1g.10gb+me", 20, IX_1_REV1, 1, "9.50 / 9.75",          14, 1, 1, 0, 1, 1, 1, P7,            CONF_TRUE},
	{"1g.20gb",    15, IX_1_REV2, 1, "19.50",                14, 1, 1, 0, 0, 0, 4, "{0,2,4,6}:2", CONF_TRUE},
	{"2g.20gb",    14, IX_2,      2, "19.50 / 19.62",        28, 2, 1, 0, 0, 0, 3, "{0,2,4}:2",   CONF_TRUE},
	{"3g.40gb",     9, IX_3,      3, "39.25 / 39.50",        42, 3, 2, 0, 0, 0, 2, "{0,4}:4",     CONF_TRUE},
	{"4g.40gb",     5, IX_4,      4, "39.25 / 39.50",        56, 4, 2, 0, 0, 0, 1, "{0}:4",       CONF_TRUE},
	{"7g.80gb",     0, IX_7,      7, "78.75 / 79.00 / 79.12 / 79.25",
	                                                         98, 7, 5, 0, 1, 1, 1, "{0}:8",       CONF_TRUE},
};

/* ---- A100 80GB PCIe 0x20B5: seed 000 (-lgip/-lgipp, driver 535.230.02),
 * memory exactly as printed; engines "SM CE / DEC JPEG / ENC OFA". */
static const struct ref_gi a100_80gb_pcie_seed000[] = {
	{"1g.10gb",    19, IX_1,      1, "9.50",  14, 1, 0, 0, 0, 0, 7, P7,            CONF_TRUE},
	{"1g.10gb+me", 20, IX_1_REV1, 1, "9.50",  14, 1, 1, 0, 1, 1, 1, P7,            CONF_TRUE},
	{"1g.20gb",    15, IX_1_REV2, 1, "19.50", 14, 1, 1, 0, 0, 0, 4, "{0,2,4,6}:2", CONF_TRUE},
	{"2g.20gb",    14, IX_2,      2, "19.50", 28, 2, 1, 0, 0, 0, 3, "{0,2,4}:2",   CONF_TRUE},
	{"3g.40gb",     9, IX_3,      3, "39.25", 42, 3, 2, 0, 0, 0, 2, "{0,4}:4",     CONF_TRUE},
	{"4g.40gb",     5, IX_4,      4, "39.25", 56, 4, 2, 0, 0, 0, 1, "{0}:4",       CONF_TRUE},
	{"7g.80gb",     0, IX_7,      7, "78.75", 98, 7, 5, 0, 1, 1, 1, "{0}:8",       CONF_TRUE},
};

/* ---- §2.3 A30-24GB (4 placement units) --------------------------------- */
static const struct ref_gi a30[] = {
	{"1g.6gb",     14, IX_1,      1, "5.81",          14, 1, 1, 0, 0, 0, 4, "{0,1,2,3}:1", CONF_TRUE},
	{"1g.6gb+me",  21, IX_1_REV1, 1, "5.81",          14, 1, 1, 0, 1, 1, 1, "{0,1,2,3}:1", CONF_TRUE},
	{"2g.12gb",     5, IX_2,      2, "11.69",         28, 2, 2, 0, 0, 0, 2, "{0,2}:2",     CONF_TRUE},
	{"2g.12gb+me",  6, IX_2_REV1, 2, "11.69",         28, 2, 2, 0, 1, 1, 1, "{0,2}:2",     CONF_TRUE},
	{"4g.24gb",     0, IX_4,      4, "23.44 / 23.50", 56, 4, 4, 0, 1, 1, 1, "{0}:4",       CONF_TRUE},
};

/* ---- §2.4 H100 80GB SXM5 (0x2330) --------------------------------------- */
static const struct ref_gi h100_80gb[] = {
	{"1g.10gb",    19, IX_1,      1, "9.50 / 9.62 / 9.75", 16,  1, 1, 0, 1, 0, 7, P7,            CONF_TRUE},
	{"1g.10gb+me", 20, IX_1_REV1, 1, "9.50 / 9.62 / 9.75", 16,  1, 1, 0, 1, 1, 1, P7,            CONF_TRUE},
	{"1g.20gb",    15, IX_1_REV2, 1, "19.50 / 19.62",      26,  1, 1, 0, 1, 0, 4, "{0,2,4,6}:2", CONF_TRUE},
	{"2g.20gb",    14, IX_2,      2, "19.50 / 19.62",      32,  2, 2, 0, 2, 0, 3, "{0,2,4}:2",   CONF_TRUE},
	{"3g.40gb",     9, IX_3,      3, "39.25 / 39.50",      60,  3, 3, 0, 3, 0, 2, "{0,4}:4",     CONF_TRUE},
	{"4g.40gb",     5, IX_4,      4, "39.25 / 39.50",      64,  4, 4, 0, 4, 0, 1, "{0}:4",       CONF_TRUE},
	{"7g.80gb",     0, IX_7,      7, "79.25",              132, 8, 7, 0, 7, 1, 1, "{0}:8",       CONF_TRUE},
};

/* ---- §2.4 H100 PCIe 80GB (0x2331): same table, but "its per-profile SM
 * counts probably differ — [U]" → SM not asserted, confirmed must be false. */
static const struct ref_gi h100_pcie[] = {
	{"1g.10gb",    19, IX_1,      1, "9.50 / 9.62 / 9.75", NA, 1, 1, 0, 1, 0, 7, P7,            CONF_FALSE},
	{"1g.10gb+me", 20, IX_1_REV1, 1, "9.50 / 9.62 / 9.75", NA, 1, 1, 0, 1, 1, 1, P7,            CONF_FALSE},
	{"1g.20gb",    15, IX_1_REV2, 1, "19.50 / 19.62",      NA, 1, 1, 0, 1, 0, 4, "{0,2,4,6}:2", CONF_FALSE},
	{"2g.20gb",    14, IX_2,      2, "19.50 / 19.62",      NA, 2, 2, 0, 2, 0, 3, "{0,2,4}:2",   CONF_FALSE},
	{"3g.40gb",     9, IX_3,      3, "39.25 / 39.50",      NA, 3, 3, 0, 3, 0, 2, "{0,4}:4",     CONF_FALSE},
	{"4g.40gb",     5, IX_4,      4, "39.25 / 39.50",      NA, 4, 4, 0, 4, 0, 1, "{0}:4",       CONF_FALSE},
	{"7g.80gb",     0, IX_7,      7, "79.25",              NA, 8, 7, 0, 7, 1, 1, "{0}:8",       CONF_FALSE},
};

/* ---- §2.5 H100 94GB / H100 NVL (0x2321): ENC 0 for all; slices, index and
 * placements as §2.4. */
static const struct ref_gi h100_nvl[] = {
	{"1g.12gb",    19, IX_1,      1, "10.75",         16,  1, 1, 0, 1, 0, 7, P7,            CONF_TRUE},
	{"1g.12gb+me", 20, IX_1_REV1, 1, "10.75",         16,  1, 1, 0, 1, 1, 1, P7,            CONF_TRUE},
	{"1g.24gb",    15, IX_1_REV2, 1, "21.50 / 21.62", 26,  1, 1, 0, 1, 0, 4, "{0,2,4,6}:2", CONF_TRUE},
	{"2g.24gb",    14, IX_2,      2, "21.62",         32,  2, 2, 0, 2, 0, 3, "{0,2,4}:2",   CONF_TRUE},
	{"3g.47gb",     9, IX_3,      3, "46.12 / 46.38", 60,  3, 3, 0, 3, 0, 2, "{0,4}:4",     CONF_TRUE},
	{"4g.47gb",     5, IX_4,      4, "46.12 / 46.38", 64,  4, 4, 0, 4, 0, 1, "{0}:4",       CONF_TRUE},
	{"7g.94gb",     0, IX_7,      7, "92.62 / 93.12", 132, 8, 7, 0, 7, 1, 1, "{0}:8",       CONF_TRUE},
};

/* ---- §2.6 H100 96GB / GH200 (0x2342): no ENC column, no NVML index column;
 * placements "presumed = H100 [I]" (asserted, confirmed either way). */
static const struct ref_gi h100_96gb[] = {
	{"1g.12gb",    19, NA, 1, "11.00", 16,  1, 1, NA, 1, 0, 7, P7,            CONF_ANY},
	{"1g.12gb+me", 20, NA, 1, "11.00", 16,  1, 1, NA, 1, 1, 1, P7,            CONF_ANY},
	{"1g.24gb",    15, NA, 1, "23.00", 26,  1, 1, NA, 1, 0, 4, "{0,2,4,6}:2", CONF_ANY},
	{"2g.24gb",    14, NA, 2, "23.00", 32,  2, 2, NA, 2, 0, 3, "{0,2,4}:2",   CONF_ANY},
	{"3g.48gb",     9, NA, 3, "46.50", 60,  3, 3, NA, 3, 0, 2, "{0,4}:4",     CONF_ANY},
	{"4g.48gb",     5, NA, 4, "46.50", 64,  4, 4, NA, 4, 0, 1, "{0}:4",       CONF_ANY},
	{"7g.96gb",     0, NA, 7, "93.00", 132, 8, 7, NA, 7, 1, 1, "{0}:8",       CONF_ANY},
};

/* ---- §2.7 H20 96GB (0x2329): names as §2.6 [C], IDs [I]; seed 003 -lgip
 * gives 1g.12gb / 1g.12gb+me: ID 19/20, 11.75 GiB, SM 8, DEC 1, ENC 0,
 * Total 7 / 1. Everything else (CE, JPG, OFA, other rows) is [U]. */
static const struct ref_gi h20[] = {
	{"1g.12gb",    19, NA, 1, "11.75", 8,  NA, 1,  0,  NA, NA, 7,  NULL, CONF_FALSE},
	{"1g.12gb+me", 20, NA, 1, "11.75", 8,  NA, 1,  0,  NA, NA, 1,  NULL, CONF_FALSE},
	{"1g.24gb",    15, NA, 1, NULL,    NA, NA, NA, NA, NA, NA, NA, NULL, CONF_FALSE},
	{"2g.24gb",    14, NA, 2, NULL,    NA, NA, NA, NA, NA, NA, NA, NULL, CONF_FALSE},
	{"3g.48gb",     9, NA, 3, NULL,    NA, NA, NA, NA, NA, NA, NA, NULL, CONF_FALSE},
	{"4g.48gb",     5, NA, 4, NULL,    NA, NA, NA, NA, NA, NA, NA, NULL, CONF_FALSE},
	{"7g.96gb",     0, NA, 7, NULL,    NA, NA, NA, NA, NA, NA, NA, NULL, CONF_FALSE},
};

/* ---- §2.8 H200 141GB (0x2335): placements "presumed = H100 [I]". -------- */
static const struct ref_gi h200[] = {
	{"1g.18gb",    19, NA, 1, "16.00",           16,  1, 1, NA, 1, 0, 7, P7,            CONF_ANY},
	{"1g.18gb+me", 20, NA, 1, "16.00",           16,  1, 1, NA, 1, 1, 1, P7,            CONF_ANY},
	{"1g.35gb",    15, NA, 1, "32.25",           26,  1, 1, NA, 1, 0, 4, "{0,2,4,6}:2", CONF_ANY},
	{"2g.35gb",    14, NA, 2, "32.25 / 32.50",   32,  2, 2, NA, 2, 0, 3, "{0,2,4}:2",   CONF_ANY},
	{"3g.71gb",     9, NA, 3, "69.50",           60,  3, 3, NA, 3, 0, 2, "{0,4}:4",     CONF_ANY},
	{"4g.71gb",     5, NA, 4, "69.50",           64,  4, 4, NA, 4, 0, 1, "{0}:4",       CONF_ANY},
	{"7g.141gb",    0, NA, 7, "139.75 / 140.00", 132, 8, 7, NA, 7, 1, 1, "{0}:8",       CONF_ANY},
};

/* ---- §2.9 GH200 144G HBM3e (0x2348): rows 3g/4g/7g have [U] memory and
 * [I] ID/SM/engines (asserted). No placements given. */
static const struct ref_gi gh200_144g[] = {
	{"1g.18gb",    19, NA, 1, "17.50", 16,  1, 1, NA, 1, 0, 7, NULL, CONF_ANY},
	{"1g.18gb+me", 20, NA, 1, "17.50", 16,  1, 1, NA, 1, 1, 1, NULL, CONF_ANY},
	{"1g.36gb",    15, NA, 1, "35.25", 26,  1, 1, NA, 1, 0, 4, NULL, CONF_ANY},
	{"2g.36gb",    14, NA, 2, "35.25", 32,  2, 2, NA, 2, 0, 3, NULL, CONF_ANY},
	{"3g.72gb",     9, NA, 3, NULL,    60,  3, 3, NA, 3, 0, 2, NULL, CONF_FALSE},
	{"4g.72gb",     5, NA, 4, NULL,    64,  4, 4, NA, 4, 0, 1, NULL, CONF_FALSE},
	{"7g.144gb",    0, NA, 7, NULL,    132, 8, 7, NA, 7, 1, 1, NULL, CONF_FALSE},
};

/* ---- §2.10 B200 180GB (0x2901): 3g/4g/7g: memory, SM [U]; DEC/JPG
 * "guide 1 [U]"; CE from the guide (6/8/16), ENC 0, OFA as given. */
static const struct ref_gi b200[] = {
	{"1g.23gb",    19, NA, 1, "22.00 / 20.50", 18, 2,  1,  0, 1,  0, 7, NULL, CONF_ANY},
	{"1g.23gb+me", 20, NA, 1, "22.00 / 20.50", 18, 2,  1,  0, 1,  1, 1, NULL, CONF_ANY},
	{"1g.45gb",    15, NA, 1, "44.25",         30, 2,  1,  0, 1,  0, 4, NULL, CONF_ANY},
	{"2g.45gb",    14, NA, 2, "44.25",         36, 4,  2,  0, 2,  0, 3, NULL, CONF_ANY},
	{"3g.90gb",     9, NA, 3, NULL,            NA, 6,  NA, 0, NA, 0, 2, NULL, CONF_FALSE},
	{"4g.90gb",     5, NA, 4, NULL,            NA, 8,  NA, 0, NA, 0, 1, NULL, CONF_FALSE},
	{"7g.180gb",    0, NA, 7, NULL,            NA, 16, NA, 0, NA, 1, 1, NULL, CONF_FALSE},
};

/* ---- §2.11 GB200 (0x2941), production names (mig-parted#227). ENC 0. --- */
static const struct ref_gi gb200[] = {
	{"1g.23gb",    19, NA, 1, "20.00 / 22.00", 18, 2,  1,  0, 1,  0, 7, NULL, CONF_ANY},
	{"1g.23gb+me", 20, NA, 1, "20.00 / 22.00", 18, 2,  1,  0, 1,  1, 1, NULL, CONF_ANY},
	{"1g.47gb",    15, NA, 1, "45.50",         32, 2,  1,  0, 1,  0, 4, NULL, CONF_ANY},
	{"2g.47gb",    14, NA, 2, "45.50",         38, 4,  2,  0, 2,  0, 3, NULL, CONF_ANY},
	{"3g.93gb",     9, NA, 3, NULL,            NA, NA, NA, 0, NA, 0, 2, NULL, CONF_FALSE},
	{"4g.93gb",     5, NA, 4, NULL,            NA, NA, NA, 0, NA, 0, 1, NULL, CONF_FALSE},
	{"7g.186gb",    0, NA, 7, NULL,            NA, NA, NA, 0, NA, 1, 1, NULL, CONF_FALSE},
};

/* ---- §2.12 B300 (0x3182) / GB300 (0x31C2): names and maxima [C]; IDs
 * presumed 19/20/15/14/9/5/0 [I]; everything else [U]. -------------------- */
#define UNK NA, NA, NA, NA, NA, NA
static const struct ref_gi b300[] = {
	{"1g.34gb",    19, NA, 1, NULL, UNK, 7, NULL, CONF_FALSE},
	{"1g.34gb+me", 20, NA, 1, NULL, UNK, 1, NULL, CONF_FALSE},
	{"1g.67gb",    15, NA, 1, NULL, UNK, 4, NULL, CONF_FALSE},
	{"2g.67gb",    14, NA, 2, NULL, UNK, 3, NULL, CONF_FALSE},
	{"3g.135gb",    9, NA, 3, NULL, UNK, 2, NULL, CONF_FALSE},
	{"4g.135gb",    5, NA, 4, NULL, UNK, 1, NULL, CONF_FALSE},
	{"7g.269gb",    0, NA, 7, NULL, UNK, 1, NULL, CONF_FALSE},
};
static const struct ref_gi gb300[] = {
	{"1g.35gb",    19, NA, 1, NULL, UNK, 7, NULL, CONF_FALSE},
	{"1g.35gb+me", 20, NA, 1, NULL, UNK, 1, NULL, CONF_FALSE},
	{"1g.70gb",    15, NA, 1, NULL, UNK, 4, NULL, CONF_FALSE},
	{"2g.70gb",    14, NA, 2, NULL, UNK, 3, NULL, CONF_FALSE},
	{"3g.139gb",    9, NA, 3, NULL, UNK, 2, NULL, CONF_FALSE},
	{"4g.139gb",    5, NA, 4, NULL, UNK, 1, NULL, CONF_FALSE},
	{"7g.278gb",    0, NA, 7, NULL, UNK, 1, NULL, CONF_FALSE},
};
#undef UNK

/* ---- §2.13 RTX PRO 6000 Blackwell (12 placement units). NVML index [I]
 * (asserted); all other values [C]. 1g memory "23.62 (also 23.12)". ------ */
#define Q4 "{0,3,6,9}:3"
static const struct ref_gi rtx_pro_6000[] = {
	{"1g.24gb",        14, IX_1,        1, "23.62 / 23.12", 46,  1, 1, 1, 1, 0, 4, Q4,        CONF_ANY},
	{"1g.24gb+me",     21, IX_1_REV1,   1, "23.62 / 23.12", 46,  1, 1, 1, 1, 1, 1, Q4,        CONF_ANY},
	{"1g.24gb+gfx",    47, IX_1_GFX,    1, "23.62 / 23.12", 46,  1, 1, 1, 1, 0, 4, Q4,        CONF_ANY},
	{"1g.24gb+me.all", 65, IX_1_ALL_ME, 1, "23.62 / 23.12", 46,  1, 4, 4, 4, 1, 1, Q4,        CONF_ANY},
	{"1g.24gb-me",     67, IX_1_NO_ME,  1, "23.62 / 23.12", 46,  1, 0, 0, 0, 0, 4, Q4,        CONF_ANY},
	{"2g.48gb",         5, IX_2,        2, "47.38",         94,  2, 2, 2, 2, 0, 2, "{0,6}:6", CONF_ANY},
	{"2g.48gb+gfx",    35, IX_2_GFX,    2, "47.38",         94,  2, 2, 2, 2, 0, 2, "{0,6}:6", CONF_ANY},
	{"2g.48gb+me.all", 64, IX_2_ALL_ME, 2, "47.38",         94,  2, 4, 4, 4, 1, 1, "{0,6}:6", CONF_ANY},
	{"2g.48gb-me",     66, IX_2_NO_ME,  2, "47.38",         94,  2, 0, 0, 0, 0, 2, "{0,6}:6", CONF_ANY},
	{"4g.96gb",         0, IX_4,        4, "95.00 / 95.12", 188, 4, 4, 4, 4, 1, 1, "{0}:12",  CONF_ANY},
	{"4g.96gb+gfx",    32, IX_4_GFX,    4, "95.00 / 95.12", 188, 4, 4, 4, 4, 1, 1, "{0}:12",  CONF_ANY},
};
#undef Q4

#define TBL(t) t, ARRAY_LEN(t)
#define AMP MIGCTL_ARCH_AMPERE
#define HOP MIGCTL_ARCH_HOPPER
#define BLW MIGCTL_ARCH_BLACKWELL

/* label, PCI, source, arch, units, compute slices, memory MiB, SM count */
static const struct ref_model m_a100_sxm4_40gb = {"A100-SXM4-40GB", 0x20B0, "mig-profiles.md §1, §2.1", AMP, 8, 7, 0, 0, TBL(a100_40gb)};
static const struct ref_model m_a100_pcie_40gb = {"A100-PCIE-40GB", 0x20B1, "mig-profiles.md §1, §2.1", AMP, 8, 7, 0, 0, TBL(a100_40gb)};
static const struct ref_model m_a100_pcie_40gb_b = {"A100-PCIE-40GB", 0x20F1, "mig-profiles.md §1, §2.1", AMP, 8, 7, 0, 0, TBL(a100_40gb)};
static const struct ref_model m_a100_sxm4_80gb = {"A100-SXM4-80GB", 0x20B2, "mig-profiles.md §1, §2.2 (+ seed 000 7g memory)", AMP, 8, 7, 0, 0, TBL(a100_80gb_sxm)};
/* seed 000: "16MiB / 81920MiB" */
static const struct ref_model m_a100_80gb_pcie = {"A100 80GB PCIe", 0x20B5, "seed 000 -lgip/-lgipp (driver 535.230.02)", AMP, 8, 7, 81920, 0, TBL(a100_80gb_pcie_seed000)};
/* §2.3: "A30 full GPU: 56 SMs" */
static const struct ref_model m_a30 = {"A30", 0x20B7, "mig-profiles.md §1, §2.3", AMP, 4, 4, 0, 56, TBL(a30)};
/* §2.4: "SM counts are from H100 SXM5 (132 SMs)" */
static const struct ref_model m_h100_sxm5 = {"H100 80GB HBM3 (SXM5)", 0x2330, "mig-profiles.md §1, §2.4", HOP, 8, 7, 0, 132, TBL(h100_80gb)};
static const struct ref_model m_h100_pcie = {"H100 PCIe", 0x2331, "mig-profiles.md §1, §2.4 (PCIe SM counts [U])", HOP, 8, 7, 0, 0, TBL(h100_pcie)};
static const struct ref_model m_h100_nvl = {"H100 NVL", 0x2321, "mig-profiles.md §1, §2.5", HOP, 8, 7, 0, 0, TBL(h100_nvl)};
static const struct ref_model m_gh200 = {"GH200 / H100 96GB", 0x2342, "mig-profiles.md §1, §2.6", HOP, 8, 7, 0, 0, TBL(h100_96gb)};
static const struct ref_model m_h20 = {"H20", 0x2329, "mig-profiles.md §1, §2.7 + seed 003 -lgip", HOP, 8, 7, 0, 0, TBL(h20)};
static const struct ref_model m_h200 = {"H200", 0x2335, "mig-profiles.md §1, §2.8", HOP, 8, 7, 0, 0, TBL(h200)};
static const struct ref_model m_gh200_144g = {"GH200 144G HBM3e", 0x2348, "mig-profiles.md §1, §2.9", HOP, 8, 7, 0, 0, TBL(gh200_144g)};
static const struct ref_model m_b200 = {"B200", 0x2901, "mig-profiles.md §1, §2.10", BLW, 8, 7, 0, 0, TBL(b200)};
static const struct ref_model m_gb200 = {"GB200", 0x2941, "mig-profiles.md §1, §2.11 (production names)", BLW, 8, 7, 0, 0, TBL(gb200)};
static const struct ref_model m_b300 = {"B300", 0x3182, "mig-profiles.md §1, §2.12", BLW, 8, 7, 0, 0, TBL(b300)};
static const struct ref_model m_gb300 = {"GB300", 0x31C2, "mig-profiles.md §1, §2.12", BLW, 8, 7, 0, 0, TBL(gb300)};
/* §2.13: "Full GPU: 188 SMs, 97887 MiB" */
static const struct ref_model m_rtx_pro_6000 = {"RTX PRO 6000 Blackwell Server Edition", 0x2BB5, "mig-profiles.md §1, §2.13", BLW, 12, 4, 97887, 188, TBL(rtx_pro_6000)};

static const struct ref_model *const all_models[] = {
	&m_a100_sxm4_40gb, &m_a100_pcie_40gb, &m_a100_pcie_40gb_b,
	&m_a100_sxm4_80gb, &m_a100_80gb_pcie, &m_a30,
	&m_h100_sxm5, &m_h100_pcie, &m_h100_nvl, &m_gh200, &m_h20, &m_h200,
	&m_gh200_144g, &m_b200, &m_gb200, &m_b300, &m_gb300, &m_rtx_pro_6000,
};

/* ======================================================================== */
/* Helpers                                                                  */
/* ======================================================================== */

static struct migctl_catalog g_cat;
static bool g_loaded;
static char g_load_msg[600];
static int g_errors;

static void mismatch(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void mismatch(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	print_error("MISMATCH: %s\n", buf);
	g_errors++;
}

static void begin(void)
{
	g_errors = 0;
	if (!g_loaded)
		fail_msg("built-in catalog did not load: %s", g_load_msg);
}

static void finish(const char *what)
{
	if (g_errors)
		fail_msg("%s: %d mismatch(es) with the reference (listed above)",
			 what, g_errors);
}

static int group_setup(void **state)
{
	struct migctl_error err;
	enum migctl_err rc;

	(void)state;
	memset(&err, 0, sizeof err);
	migctl_catalog_init(&g_cat);
	rc = migctl_catalog_load_builtin(&g_cat, &err);
	g_loaded = rc == MIGCTL_ERR_OK;
	if (!g_loaded)
		snprintf(g_load_msg, sizeof g_load_msg, "code %d: %s", (int)rc,
			 err.msg);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	migctl_catalog_release(&g_cat);
	return 0;
}

/* Own placement parser ("{0,2,4}:2"), independent of the library's. */
static bool parse_placements(const char *text, struct migctl_placement_set *out)
{
	const char *p = text;
	char *end;

	memset(out, 0, sizeof *out);
	if (*p++ != '{')
		return false;
	for (;;) {
		unsigned long v = strtoul(p, &end, 10);

		if (end == p || out->n_starts >= MIGCTL_MAX_UNITS)
			return false;
		out->starts[out->n_starts++] = (unsigned)v;
		p = end;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p++ != '}')
			return false;
		break;
	}
	if (*p++ != ':')
		return false;
	out->size = (unsigned)strtoul(p, &end, 10);
	return end != p && *end == '\0';
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return (x > y) - (x < y);
}

static void format_placements(const struct migctl_placement_set *s, char *buf,
			      size_t len)
{
	size_t n = 0;

	n += (size_t)snprintf(buf + n, len - n, "{");
	for (unsigned i = 0; i < s->n_starts && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%u", i ? "," : "",
				      s->starts[i]);
	if (n < len)
		snprintf(buf + n, len - n, "}:%u", s->size);
}

/* Same size and the same set of starts, in any order. */
static bool placements_equal(const struct migctl_placement_set *a,
			     const struct migctl_placement_set *b)
{
	unsigned x[MIGCTL_MAX_UNITS], y[MIGCTL_MAX_UNITS];

	if (a->size != b->size || a->n_starts != b->n_starts ||
	    a->n_starts > MIGCTL_MAX_UNITS)
		return false;
	memcpy(x, a->starts, a->n_starts * sizeof x[0]);
	memcpy(y, b->starts, b->n_starts * sizeof y[0]);
	qsort(x, a->n_starts, sizeof x[0], cmp_unsigned);
	qsort(y, b->n_starts, sizeof y[0], cmp_unsigned);
	return memcmp(x, y, a->n_starts * sizeof x[0]) == 0;
}

static void check_placements(const char *who, const char *ref_text,
			     const struct migctl_placement_set *actual,
			     const char *src)
{
	struct migctl_placement_set want;
	char got[256];

	if (!parse_placements(ref_text, &want)) {
		mismatch("%s: test bug, bad reference placements '%s'", who,
			 ref_text);
		return;
	}
	if (!placements_equal(&want, actual)) {
		format_placements(actual, got, sizeof got);
		mismatch("%s: placements %s, reference %s [%s]", who, got,
			 ref_text, src);
	}
}

/* Does memory_mib match one of the '/'-separated GiB values? */
static bool memory_matches(uint64_t mib, const char *list)
{
	const char *p = list;
	double gib = (double)mib / 1024.0;

	while (*p) {
		char *end;
		double v;

		while (*p == ' ' || *p == '/')
			p++;
		if (!*p)
			break;
		v = strtod(p, &end);
		if (end == p)
			return false;
		if (gib - v < 0.006 && v - gib < 0.006)
			return true;
		p = end;
	}
	return false;
}

static char lower_ascii(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool streq_nocase(const char *a, const char *b)
{
	while (*a && *b && lower_ascii(*a) == lower_ascii(*b))
		a++, b++;
	return *a == '\0' && *b == '\0';
}

static const struct migctl_gi_profile *
gi_by_name(const struct migctl_gpu_model *m, const char *name)
{
	for (size_t i = 0; i < m->n_gi; i++)
		if (strcmp(m->gi[i].name, name) == 0)
			return &m->gi[i];
	return NULL;
}

static bool model_has_pci(const struct migctl_gpu_model *m, unsigned pci)
{
	for (size_t i = 0; i < m->n_pci_device_ids; i++)
		if (m->pci_device_ids[i] == pci)
			return true;
	return false;
}

static const char *arch_str(enum migctl_arch a)
{
	switch (a) {
	case MIGCTL_ARCH_AMPERE: return "ampere";
	case MIGCTL_ARCH_HOPPER: return "hopper";
	case MIGCTL_ARCH_BLACKWELL: return "blackwell";
	default: return "unknown";
	}
}

static const struct migctl_gpu_model *resolve_pci(const char *label,
						  unsigned pci, const char *src)
{
	const struct migctl_gpu_model *m = migctl_catalog_find_pci(&g_cat, pci);

	if (!m) {
		mismatch("%s (0x%04X): PCI device ID does not resolve to any "
			 "catalog model [%s]", label, pci, src);
		return NULL;
	}
	if (!model_has_pci(m, pci))
		mismatch("%s (0x%04X): find_pci returned '%s', whose "
			 "pci-device-ids do not list 0x%04X", label, pci,
			 m->name, pci);
	return m;
}

#define CHECK_NUM(who, field, want, got, src)                                  \
	do {                                                                   \
		if ((want) != NA && (long long)(got) != (long long)(want))     \
			mismatch("%s: %s %lld, reference %lld [%s]", who,      \
				 field, (long long)(got), (long long)(want),   \
				 src);                                         \
	} while (0)

/* Check one GI profile row. `who` names model, PCI ID and profile. */
static void check_gi_row(const char *who, const struct migctl_gpu_model *m,
			 const struct ref_gi *r,
			 const struct migctl_gi_profile *g, const char *src)
{
	CHECK_NUM(who, "ID", r->id, g->id, src);
	CHECK_NUM(who, "NVML index", r->nvml_index, g->nvml_index, src);
	CHECK_NUM(who, "compute slices", r->slices, g->compute_slices, src);
	CHECK_NUM(who, "SM", r->sm, g->sm, src);
	CHECK_NUM(who, "CE", r->ce, g->ce, src);
	CHECK_NUM(who, "DEC", r->dec, g->dec, src);
	CHECK_NUM(who, "ENC", r->enc, g->enc, src);
	CHECK_NUM(who, "JPG", r->jpg, g->jpg, src);
	CHECK_NUM(who, "OFA", r->ofa, g->ofa, src);
	CHECK_NUM(who, "max", r->max, g->max, src);
	if (r->mem && !memory_matches(g->memory_mib, r->mem))
		mismatch("%s: memory %llu MiB = %.4f GiB, reference accepts "
			 "%s GiB [%s]", who, (unsigned long long)g->memory_mib,
			 (double)g->memory_mib / 1024.0, r->mem, src);
	if (r->placements)
		check_placements(who, r->placements, &g->placements, src);
	if (r->conf == CONF_FALSE && g->confirmed)
		mismatch("%s: confirmed is true, but the reference marks values "
			 "of this row [U] (unconfirmed) [%s]", who, src);
	if (r->conf == CONF_TRUE && !g->confirmed)
		mismatch("%s: confirmed is false, but every value of this row is "
			 "[C] in the reference [%s]", who, src);
	/* Lookup by profile ID must find this very profile. */
	if (r->id != NA &&
	    migctl_model_gi_profile_by_id(m, (unsigned)r->id) != g)
		mismatch("%s: migctl_model_gi_profile_by_id(%d) does not "
			 "return this profile", who, r->id);
}

static void check_model(const struct ref_model *rm)
{
	const struct migctl_gpu_model *m;
	char who[256];

	m = resolve_pci(rm->label, rm->pci, rm->src);
	if (!m)
		return;
	snprintf(who, sizeof who, "%s (0x%04X, catalog '%s')", rm->label,
		 rm->pci, m->name);

	if (m->arch != rm->arch)
		mismatch("%s: architecture %s, reference %s [%s]", who,
			 arch_str(m->arch), arch_str(rm->arch), rm->src);
	CHECK_NUM(who, "placement units", (long long)rm->units, m->units,
		  rm->src);
	CHECK_NUM(who, "compute slices of the GPU",
		  (long long)rm->compute_slices, m->compute_slices, rm->src);
	if (rm->memory_mib)
		CHECK_NUM(who, "memory MiB", (long long)rm->memory_mib,
			  m->memory_mib, rm->src);
	if (rm->sm_count)
		CHECK_NUM(who, "SM count", (long long)rm->sm_count,
			  m->sm_count, rm->src);

	/* Every reference row is in the catalog, with its values. */
	for (size_t i = 0; i < rm->n_gi; i++) {
		const struct ref_gi *r = &rm->gi[i];
		const struct migctl_gi_profile *g = gi_by_name(m, r->name);
		char pwho[384];

		snprintf(pwho, sizeof pwho, "%s profile %s", who, r->name);
		if (!g) {
			mismatch("%s: missing from the catalog [%s]", pwho,
				 rm->src);
			continue;
		}
		check_gi_row(pwho, m, r, g, rm->src);
	}
	/* ... and the catalog has no profile the reference does not list. */
	for (size_t j = 0; j < m->n_gi; j++) {
		bool found = false;

		for (size_t i = 0; i < rm->n_gi && !found; i++)
			found = strcmp(rm->gi[i].name, m->gi[j].name) == 0;
		if (!found)
			mismatch("%s: catalog profile '%s' (ID %u) is not in the "
				 "reference table [%s]", who, m->gi[j].name,
				 m->gi[j].id, rm->src);
	}
}

static void check_models(const struct ref_model *const *list, size_t n,
			 const char *what)
{
	begin();
	for (size_t i = 0; i < n; i++)
		check_model(list[i]);
	finish(what);
}

/* ======================================================================== */
/* Per-family GI profile tests                                              */
/* ======================================================================== */

static void test_a100_40gb_gi_profiles(void **state)
{
	static const struct ref_model *const l[] = {
		&m_a100_sxm4_40gb, &m_a100_pcie_40gb, &m_a100_pcie_40gb_b,
	};
	(void)state;
	check_models(l, ARRAY_LEN(l), "A100-40GB (0x20B0/0x20B1/0x20F1)");
}

static void test_a100_80gb_gi_profiles(void **state)
{
	static const struct ref_model *const l[] = {
		&m_a100_sxm4_80gb, &m_a100_80gb_pcie,
	};
	(void)state;
	check_models(l, ARRAY_LEN(l), "A100-80GB (0x20B2/0x20B5)");
}

static void test_a30_gi_profiles(void **state)
{
	static const struct ref_model *const l[] = {&m_a30};
	(void)state;
	check_models(l, ARRAY_LEN(l), "A30 (0x20B7)");
}

static void test_h100_80gb_sxm5_gi_profiles(void **state)
{
	static const struct ref_model *const l[] = {&m_h100_sxm5};
	(void)state;
	check_models(l, ARRAY_LEN(l), "H100 80GB SXM5 (0x2330)");
}

static void test_h100_pcie_gi_profiles(void **state)
{
	static const struct ref_model *const l[] = {&m_h100_pcie};
	(void)state;
	check_models(l, ARRAY_LEN(l), "H100 PCIe (0x2331)");
}

static void test_h100_nvl_gi_profiles(void **state)
{
	static const struct ref_model *const l[] = {&m_h100_nvl};
	(void)state;
	check_models(l, ARRAY_LEN(l), "H100 NVL (0x2321)");
}

static void test_h100_96gb_gh200_gi_profiles(void **state)
{
	static const struct ref_model *const l[] = {&m_gh200};
	(void)state;
	check_models(l, ARRAY_LEN(l), "H100 96GB / GH200 (0x2342)");
}

static void test_h20_gi_profiles(void **state)
{
	static const struct ref_model *const l[] = {&m_h20};
	(void)state;
	check_models(l, ARRAY_LEN(l), "H20 (0x2329)");
}

static void test_h200_gi_profiles(void **state)
{
	static const struct ref_model *const l[] = {&m_h200};
	(void)state;
	check_models(l, ARRAY_LEN(l), "H200 (0x2335)");
}

static void test_gh200_144g_gi_profiles(void **state)
{
	static const struct ref_model *const l[] = {&m_gh200_144g};
	(void)state;
	check_models(l, ARRAY_LEN(l), "GH200 144G (0x2348)");
}

static void test_b200_gi_profiles(void **state)
{
	static const struct ref_model *const l[] = {&m_b200};
	(void)state;
	check_models(l, ARRAY_LEN(l), "B200 (0x2901)");
}

static void test_gb200_gi_profiles(void **state)
{
	static const struct ref_model *const l[] = {&m_gb200};
	(void)state;
	check_models(l, ARRAY_LEN(l), "GB200 (0x2941)");
}

static void test_b300_gb300_gi_profiles(void **state)
{
	static const struct ref_model *const l[] = {&m_b300, &m_gb300};
	(void)state;
	check_models(l, ARRAY_LEN(l), "B300 / GB300 (0x3182/0x31C2)");
}

static void test_rtx_pro_6000_gi_profiles(void **state)
{
	static const struct ref_model *const l[] = {&m_rtx_pro_6000};
	(void)state;
	check_models(l, ARRAY_LEN(l), "RTX PRO 6000 (0x2BB5)");
}

/* ======================================================================== */
/* Further §1 PCI IDs that share a §2 profile table                         */
/* ======================================================================== */

struct ref_alias {
	unsigned pci;
	const char *label;
	unsigned units;
	const struct ref_gi *family;  /* NULL: only resolve + units */
	size_t n;
	const char *src;
};

static const struct ref_alias aliases[] = {
	{0x20F6, "A800 40GB PCIe", 8, TBL(a100_40gb), "§1: A100-40GB profiles"},
	{0x20BD, "A800 SXM4 40GB", 8, TBL(a100_40gb), "§1: A100-40GB profiles"},
	{0x20F3, "A800-SXM4-80GB", 8, TBL(a100_80gb_sxm), "§1: A100-80GB profiles"},
	{0x20F5, "A800 80GB PCIe", 8, TBL(a100_80gb_sxm), "§1: A100-80GB profiles"},
	{0x2322, "H800 PCIe", 8, TBL(h100_80gb), "§1: H100-80GB profiles"},
	{0x2324, "H800", 8, TBL(h100_80gb), "§1: H100-80GB profiles"},
	{0x2339, "H100 SXM5 94GB", 8, TBL(h100_nvl), "§1/§2.5: H100 94GB table [I]"},
	{0x233A, "H800L 94GB (H800 NVL)", 8, TBL(h100_nvl), "§1: H100 NVL profiles"},
	{0x233D, "H100 96GB", 8, TBL(h100_96gb), "§1/§2.6"},
	{0x233B, "H200 NVL", 8, TBL(h200), "§1/§2.8"},
	{0x2BB1, "RTX PRO 6000 Blackwell Workstation", 12, TBL(rtx_pro_6000), "§1/§2.13"},
	{0x2BB4, "RTX PRO 6000 Blackwell Max-Q", 12, TBL(rtx_pro_6000), "§1/§2.13"},
	{0x20B6, "PG506-96GB", 8, NULL, 0, "§1 (grouped with H100-96GB by mig-parted)"},
};

/* Same profile set (names), IDs, maxima and placements as the family table;
 * memory and SM counts are not asserted for these boards. */
static void test_other_section1_pci_ids(void **state)
{
	(void)state;
	begin();
	for (size_t i = 0; i < ARRAY_LEN(aliases); i++) {
		const struct ref_alias *a = &aliases[i];
		const struct migctl_gpu_model *m;
		char who[256];

		m = resolve_pci(a->label, a->pci, a->src);
		if (!m)
			continue;
		snprintf(who, sizeof who, "%s (0x%04X, catalog '%s')",
			 a->label, a->pci, m->name);
		CHECK_NUM(who, "placement units", (long long)a->units,
			  m->units, a->src);
		if (!a->family)
			continue;
		for (size_t k = 0; k < a->n; k++) {
			const struct ref_gi *r = &a->family[k];
			const struct migctl_gi_profile *g = gi_by_name(m, r->name);
			char pwho[384];

			snprintf(pwho, sizeof pwho, "%s profile %s", who,
				 r->name);
			if (!g) {
				mismatch("%s: missing [%s]", pwho, a->src);
				continue;
			}
			CHECK_NUM(pwho, "ID", r->id, g->id, a->src);
			CHECK_NUM(pwho, "compute slices", r->slices,
				  g->compute_slices, a->src);
			CHECK_NUM(pwho, "max", r->max, g->max, a->src);
			if (r->placements)
				check_placements(pwho, r->placements,
						 &g->placements, a->src);
		}
		if (m->n_gi != a->n)
			mismatch("%s: %zu GI profiles, reference table has %zu "
				 "[%s]", who, m->n_gi, a->n, a->src);
	}
	finish("other §1 PCI IDs");
}

/* ======================================================================== */
/* Model names from §1 / seeds resolve to the model of their PCI ID         */
/* ======================================================================== */

static void test_model_names_resolve_to_pci_model(void **state)
{
	static const struct {
		unsigned pci;
		const char *name;
		const char *src;
	} names[] = {
		{0x20B0, "NVIDIA A100-SXM4-40GB", "§1"},
		{0x20B0, "A100-SXM4-40GB", "§1 (older drivers drop 'NVIDIA ')"},
		{0x20B1, "NVIDIA A100-PCIE-40GB", "§1"},
		{0x20F1, "NVIDIA A100-PCIE-40GB", "§1"},
		{0x20B2, "NVIDIA A100-SXM4-80GB", "§1; seed 001 -L"},
		{0x20B5, "NVIDIA A100 80GB PCIe", "seed 000 nvidia-smi"},
		{0x20F5, "NVIDIA A800 80GB PCIe", "§1"},
		{0x20B7, "NVIDIA A30", "§1"},
		{0x2330, "NVIDIA H100 80GB HBM3", "§1"},
		{0x2331, "NVIDIA H100 PCIe", "§1"},
		{0x2342, "NVIDIA GH200 480GB", "§1"},
		{0x2329, "NVIDIA H20", "seed 003 nvidia-smi -L"},
		{0x2335, "NVIDIA H200", "§1"},
		{0x2901, "NVIDIA B200", "§1"},
		{0x2941, "NVIDIA GB200", "§1"},
		{0x2BB5, "NVIDIA RTX PRO 6000 Blackwell Server Edition", "§1"},
		{0x2BB4, "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition", "§1"},
	};
	(void)state;
	begin();
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		const struct migctl_gpu_model *by_pci, *by_name;
		struct migctl_error err;

		memset(&err, 0, sizeof err);
		by_pci = migctl_catalog_find_pci(&g_cat, names[i].pci);
		by_name = migctl_catalog_find_model(&g_cat, names[i].name, &err);
		if (!by_name)
			mismatch("model name '%s' (0x%04X) does not resolve: %s "
				 "[%s]", names[i].name, names[i].pci, err.msg,
				 names[i].src);
		else if (by_name != by_pci)
			mismatch("model name '%s' resolves to '%s', but PCI ID "
				 "0x%04X resolves to '%s' [%s]", names[i].name,
				 by_name->name, names[i].pci,
				 by_pci ? by_pci->name : "(nothing)",
				 names[i].src);
	}
	finish("model names");
}

/* ======================================================================== */
/* CI profiles (§4.1, §4.3; SM per §4.2: 14 × compute slices on A100/A30)   */
/* ======================================================================== */

struct ref_ci {
	const char *name;   /* "<c>c.<gi name>" or the GI name (whole GI) */
	int id;
	int slices;
	int max;
	const char *placements;
	bool is_default;
};

struct ref_ci_set {
	const char *gi;
	const struct ref_ci *ci;
	size_t n;
};

/* A 1g GI: its whole-GI CI, ID 0; ID 7 (1_SLICE_REV1) on a REV2 1g GI [I]. */
static const struct ref_ci ci_1g_5gb[] = {{"1g.5gb", 0, 1, 1, "{0}:1", true}};
static const struct ref_ci ci_1g_5gb_me[] = {{"1g.5gb+me", 0, 1, 1, "{0}:1", true}};
static const struct ref_ci ci_1g_10gb_rev2[] = {{"1g.10gb", 7, 1, 1, "{0}:1", true}};
static const struct ref_ci ci_2g_10gb[] = {
	{"1c.2g.10gb", 0, 1, 2, "{0,1}:1", false},
	{"2g.10gb", 1, 2, 1, "{0}:2", true},
};
static const struct ref_ci ci_3g_20gb[] = {
	{"1c.3g.20gb", 0, 1, 3, "{0,1,2}:1", false},
	{"2c.3g.20gb", 1, 2, 1, "{0,1}:2", false}, /* 1:2 from seed 001 (-cci 0,1) */
	{"3g.20gb", 2, 3, 1, "{0}:3", true},
};
static const struct ref_ci ci_4g_20gb[] = {
	{"1c.4g.20gb", 0, 1, 4, "{0,1,2,3}:1", false},
	{"2c.4g.20gb", 1, 2, 2, "{0,2}:2", false},
	{"4g.20gb", 3, 4, 1, "{0}:4", true},
};
static const struct ref_ci ci_7g_40gb[] = {
	{"1c.7g.40gb", 0, 1, 7, "{0,1,2,3,4,5,6}:1", false},
	{"2c.7g.40gb", 1, 2, 3, "{0,2,4}:2", false},
	{"3c.7g.40gb", 2, 3, 2, "{0,4}:3", false},
	{"4c.7g.40gb", 3, 4, 1, "{0}:4", false},
	{"7g.40gb", 4, 7, 1, "{0}:7", true},
};
static const struct ref_ci_set ci_a100_40gb[] = {
	{"1g.5gb", TBL(ci_1g_5gb)},
	{"1g.5gb+me", TBL(ci_1g_5gb_me)},
	{"1g.10gb", TBL(ci_1g_10gb_rev2)},
	{"2g.10gb", TBL(ci_2g_10gb)},
	{"3g.20gb", TBL(ci_3g_20gb)},
	{"4g.20gb", TBL(ci_4g_20gb)},
	{"7g.40gb", TBL(ci_7g_40gb)},
};

static const struct ref_ci ci_1g_6gb[] = {{"1g.6gb", 0, 1, 1, "{0}:1", true}};
static const struct ref_ci ci_1g_6gb_me[] = {{"1g.6gb+me", 0, 1, 1, "{0}:1", true}};
static const struct ref_ci ci_2g_12gb[] = {
	{"1c.2g.12gb", 0, 1, 2, "{0,1}:1", false},
	{"2g.12gb", 1, 2, 1, "{0}:2", true},
};
static const struct ref_ci ci_2g_12gb_me[] = {
	{"1c.2g.12gb+me", 0, 1, 2, "{0,1}:1", false},
	{"2g.12gb+me", 1, 2, 1, "{0}:2", true},
};
static const struct ref_ci ci_4g_24gb[] = {
	{"1c.4g.24gb", 0, 1, 4, "{0,1,2,3}:1", false},
	{"2c.4g.24gb", 1, 2, 2, "{0,2}:2", false},
	{"4g.24gb", 3, 4, 1, "{0}:4", true},
};
static const struct ref_ci_set ci_a30[] = {
	{"1g.6gb", TBL(ci_1g_6gb)},
	{"1g.6gb+me", TBL(ci_1g_6gb_me)},
	{"2g.12gb", TBL(ci_2g_12gb)},
	{"2g.12gb+me", TBL(ci_2g_12gb_me)},
	{"4g.24gb", TBL(ci_4g_24gb)},
};

/* The reference does not say whether a CI of a variant GI ("+me", "+gfx",
 * "-me", "+me.all") keeps the variant suffix; accept the name with or
 * without it ("1c.2g.12gb+me" or "1c.2g.12gb"). */
static bool ci_name_matches(const char *ref, const char *actual)
{
	char stripped[MIGCTL_NAME_MAX];
	const char *gb;
	size_t len;

	if (strcmp(ref, actual) == 0)
		return true;
	gb = strstr(ref, "gb");
	if (!gb || gb[2] == '\0')
		return false;
	len = (size_t)(gb + 2 - ref);
	if (len >= sizeof stripped)
		return false;
	memcpy(stripped, ref, len);
	stripped[len] = '\0';
	return strcmp(stripped, actual) == 0;
}

static void check_ci_sets(const char *label, unsigned pci,
			  const struct ref_ci_set *sets, size_t n_sets,
			  const char *src)
{
	const struct migctl_gpu_model *m = resolve_pci(label, pci, src);

	if (!m)
		return;
	for (size_t s = 0; s < n_sets; s++) {
		const struct migctl_gi_profile *g = gi_by_name(m, sets[s].gi);
		char who[256];

		snprintf(who, sizeof who, "%s (0x%04X) GI %s", label, pci,
			 sets[s].gi);
		if (!g) {
			mismatch("%s: GI profile missing [%s]", who, src);
			continue;
		}
		for (size_t i = 0; i < sets[s].n; i++) {
			const struct ref_ci *r = &sets[s].ci[i];
			const struct migctl_ci_profile *c = NULL;
			char cwho[384];

			for (size_t k = 0; k < g->n_ci && !c; k++)
				if (ci_name_matches(r->name, g->ci[k].name))
					c = &g->ci[k];
			snprintf(cwho, sizeof cwho, "%s CI %s", who, r->name);
			if (!c) {
				mismatch("%s: missing [%s]", cwho, src);
				continue;
			}
			CHECK_NUM(cwho, "CI ID", r->id, c->id, src);
			CHECK_NUM(cwho, "slices", r->slices, c->slices, src);
			CHECK_NUM(cwho, "SM (14 x slices, §4.2)",
				  14 * r->slices, c->sm, src);
			CHECK_NUM(cwho, "max", r->max, c->max, src);
			if (c->is_default != r->is_default)
				mismatch("%s: default flag %d, reference %d "
					 "[%s]", cwho, c->is_default,
					 r->is_default, src);
			check_placements(cwho, r->placements, &c->placements,
					 src);
		}
		for (size_t k = 0; k < g->n_ci; k++) {
			bool found = false;

			for (size_t i = 0; i < sets[s].n && !found; i++)
				found = ci_name_matches(sets[s].ci[i].name,
							g->ci[k].name);
			if (!found)
				mismatch("%s: catalog CI profile '%s' (ID %u) "
					 "is not in the reference [%s]", who,
					 g->ci[k].name, g->ci[k].id, src);
		}
	}
}

static void test_a100_40gb_ci_profiles(void **state)
{
	static const unsigned pcis[] = {0x20B0, 0x20B1, 0x20F1};
	(void)state;
	begin();
	for (size_t i = 0; i < ARRAY_LEN(pcis); i++)
		check_ci_sets("A100-40GB", pcis[i], TBL(ci_a100_40gb),
			      "mig-profiles.md §4.1-§4.3");
	finish("A100-40GB CI profiles");
}

static void test_a30_ci_profiles(void **state)
{
	(void)state;
	begin();
	check_ci_sets("A30", 0x20B7, TBL(ci_a30), "mig-profiles.md §4.1-§4.3");
	finish("A30 CI profiles");
}

/* Whole-GI CI ID by GI compute slices (§4.1: 1c=0, 2c=1, 3c=2, 4c=3, 7c=4,
 * 8c=5, 6c=6); a REV2 1g GI (profile ID 15 on 8-unit GPUs) uses ID 7 [I]. */
static int whole_gi_ci_id(const struct migctl_gpu_model *m,
			  const struct migctl_gi_profile *g)
{
	switch (g->compute_slices) {
	case 1: return (m->units == 8 && g->id == 15) ? 7 : 0;
	case 2: return 1;
	case 3: return 2;
	case 4: return 3;
	case 6: return 6;
	case 7: return 4;
	case 8: return 5;
	default: return NA;
	}
}

/* For every GI profile of every covered model: exactly one default CI, the
 * one covering the whole GI ("the default is the CI covering the whole GI",
 * §4.1), named like the GI, with the GI's SMs, ID per §4.1, max 1, {0}:c. */
static void test_default_ci_covers_whole_gi(void **state)
{
	(void)state;
	begin();
	for (size_t i = 0; i < ARRAY_LEN(all_models); i++) {
		const struct ref_model *rm = all_models[i];
		const struct migctl_gpu_model *m =
			migctl_catalog_find_pci(&g_cat, rm->pci);

		if (!m)
			continue; /* reported by the per-model test */
		for (size_t j = 0; j < m->n_gi; j++) {
			const struct migctl_gi_profile *g = &m->gi[j];
			const struct migctl_ci_profile *d =
				migctl_gi_profile_default_ci(g);
			size_t n_default = 0;
			char who[256], want[64];

			snprintf(who, sizeof who, "%s (0x%04X) GI %s",
				 rm->label, rm->pci, g->name);
			for (size_t k = 0; k < g->n_ci; k++)
				n_default += g->ci[k].is_default;
			if (n_default != 1)
				mismatch("%s: %zu CI profiles marked default, "
					 "expected exactly 1 [§4.1]", who,
					 n_default);
			if (!d) {
				mismatch("%s: no default CI profile [§4.1]",
					 who);
				continue;
			}
			if (!d->is_default)
				mismatch("%s: migctl_gi_profile_default_ci "
					 "returned '%s', not flagged default",
					 who, d->name);
			if (!ci_name_matches(g->name, d->name))
				mismatch("%s: default CI named '%s', expected "
					 "the GI name [§4.1]", who, d->name);
			CHECK_NUM(who, "default CI slices",
				  (long long)g->compute_slices, d->slices,
				  "§4.1");
			CHECK_NUM(who, "default CI SM (= GI SM)",
				  (long long)g->sm, d->sm, "§4.2");
			CHECK_NUM(who, "default CI max", 1, d->max, "§4.1");
			CHECK_NUM(who, "default CI ID", whole_gi_ci_id(m, g),
				  d->id, "§4.1; §2.13 for RTX PRO");
			snprintf(want, sizeof want, "{0}:%u", g->compute_slices);
			check_placements(who, want, &d->placements, "§4.3");
		}
	}
	finish("default CI profiles");
}

/* ======================================================================== */
/* §5 mig-parted all-balanced layouts: names resolve, and the layout fits    */
/* ======================================================================== */

struct ref_layout {
	const char *label;
	unsigned pcis[4];
	size_t n_pcis;
	struct { const char *name; unsigned count; } part[3];
	size_t n_parts;
};

static const struct ref_layout layouts[] = {
	{"A100-40GB", {0x20B0, 0x20B1, 0x20F1}, 3,
	 {{"1g.5gb", 2}, {"2g.10gb", 1}, {"3g.20gb", 1}}, 3},
	{"A100/H100-80GB", {0x20B2, 0x20B5, 0x2330, 0x2331}, 4,
	 {{"1g.10gb", 2}, {"2g.20gb", 1}, {"3g.40gb", 1}}, 3},
	{"A30", {0x20B7}, 1, {{"1g.6gb", 2}, {"2g.12gb", 1}}, 2},
	{"H100 NVL", {0x2321}, 1,
	 {{"1g.12gb", 2}, {"2g.24gb", 1}, {"3g.47gb", 1}}, 3},
	{"H100-96GB / GH200 / H20", {0x2342, 0x2329}, 2,
	 {{"1g.12gb", 2}, {"2g.24gb", 1}, {"3g.48gb", 1}}, 3},
	{"H200", {0x2335}, 1, {{"1g.18gb", 2}, {"2g.35gb", 1}, {"3g.71gb", 1}}, 3},
	{"GH200 144G", {0x2348}, 1,
	 {{"1g.18gb", 2}, {"2g.36gb", 1}, {"3g.72gb", 1}}, 3},
	{"B200", {0x2901}, 1, {{"1g.23gb", 2}, {"2g.45gb", 1}, {"3g.90gb", 1}}, 3},
	{"GB200", {0x2941}, 1, {{"1g.23gb", 2}, {"2g.47gb", 1}, {"3g.93gb", 1}}, 3},
	{"B300", {0x3182}, 1, {{"1g.34gb", 2}, {"2g.67gb", 1}, {"3g.135gb", 1}}, 3},
	{"GB300", {0x31C2}, 1, {{"1g.35gb", 2}, {"2g.70gb", 1}, {"3g.139gb", 1}}, 3},
	{"RTX PRO 6000", {0x2BB5}, 1, {{"1g.24gb", 2}, {"2g.48gb", 1}}, 2},
};

/* Independent backtracking: can the instances be placed without overlap? */
static bool fits(const struct migctl_gi_profile *const *inst, size_t n,
		 size_t k, uint32_t used, unsigned units)
{
	const struct migctl_placement_set *p;

	if (k == n)
		return true;
	p = &inst[k]->placements;
	for (unsigned s = 0; s < p->n_starts; s++) {
		uint32_t mask;

		if (p->starts[s] + p->size > units || p->size == 0 ||
		    p->size > 31)
			continue;
		mask = ((UINT32_C(1) << p->size) - 1) << p->starts[s];
		if (used & mask)
			continue;
		if (fits(inst, n, k + 1, used | mask, units))
			return true;
	}
	return false;
}

static void test_all_balanced_layouts(void **state)
{
	(void)state;
	begin();
	for (size_t i = 0; i < ARRAY_LEN(layouts); i++) {
		const struct ref_layout *l = &layouts[i];

		for (size_t q = 0; q < l->n_pcis; q++) {
			const struct migctl_gpu_model *m;
			const struct migctl_gi_profile *inst[8];
			size_t n = 0;
			unsigned slices = 0;
			bool ok = true;
			char who[256];

			snprintf(who, sizeof who, "all-balanced %s on 0x%04X",
				 l->label, l->pcis[q]);
			m = resolve_pci(who, l->pcis[q], "§5");
			if (!m)
				continue;
			for (size_t p = 0; p < l->n_parts; p++) {
				struct migctl_error err;
				const struct migctl_gi_profile *g;

				memset(&err, 0, sizeof err);
				g = migctl_model_find_gi_profile(
					m, l->part[p].name, &err);
				if (!g) {
					mismatch("%s: profile '%s' does not "
						 "resolve on '%s': %s [§5]",
						 who, l->part[p].name, m->name,
						 err.msg);
					ok = false;
					continue;
				}
				if (l->part[p].count > g->max)
					mismatch("%s: %u x %s exceeds max %u "
						 "[§5]", who, l->part[p].count,
						 g->name, g->max);
				for (unsigned c = 0; c < l->part[p].count; c++) {
					inst[n++] = g;
					slices += g->compute_slices;
				}
			}
			if (!ok)
				continue;
			if (slices > m->compute_slices)
				mismatch("%s: uses %u compute slices, model has "
					 "%u [§5]", who, slices,
					 m->compute_slices);
			if (!fits(inst, n, 0, 0, m->units))
				mismatch("%s: no non-overlapping placement "
					 "exists with the catalog's placements "
					 "[§5: each must be creatable on an "
					 "empty GPU]", who);
		}
	}
	finish("mig-parted all-balanced layouts");
}

/* ======================================================================== */
/* Case-insensitive name lookup                                              */
/* ======================================================================== */

/* test_lookup_case_insensitive: GI profiles of the RTX PRO 6000 by
 * name (any case) and ID. */
static void check_rtx_gi_lookup(void)
{
	static const struct {
		const char *query;
		unsigned id;
	} rtx_queries[] = {
		{"1g.24gb+me.all", 65}, {"MIG 1G.24GB+ME.ALL", 65},
		{"1g.24gb-me", 67}, {"2g.48gb-me", 66}, {"MIG 4g.96gb+gfx", 32},
		{"1g.24gb", 14}, {"47", 47},
	};
	const struct migctl_gpu_model *m;
	struct migctl_error err;

	m = migctl_catalog_find_pci(&g_cat, 0x2BB5);
	if (!m) {
		mismatch("RTX PRO 6000 (0x2BB5) not in catalog [§2.13]");
	} else {
		for (size_t i = 0; i < ARRAY_LEN(rtx_queries); i++) {
			const struct migctl_gi_profile *g;

			memset(&err, 0, sizeof err);
			g = migctl_model_find_gi_profile(m, rtx_queries[i].query,
							 &err);
			if (!g || g->id != rtx_queries[i].id)
				mismatch("RTX PRO 6000: find_gi_profile(\"%s\")"
					 " returned %s, expected profile ID %u "
					 "(%s)", rtx_queries[i].query,
					 g ? g->name : "NULL",
					 rtx_queries[i].id, err.msg);
		}
	}
}

/* test_lookup_case_insensitive: CI profiles by name and ID. */
static void check_ci_lookup(void)
{
	const struct migctl_gpu_model *m;
	struct migctl_error err;

	/* CI lookup by name and ID on an A100-40GB 3g.20gb GI (§4.1). */
	m = migctl_catalog_find_pci(&g_cat, 0x20B0);
	if (m) {
		const struct migctl_gi_profile *g = gi_by_name(m, "3g.20gb");
		const struct migctl_ci_profile *c;

		if (g) {
			memset(&err, 0, sizeof err);
			c = migctl_gi_profile_find_ci_profile(g, "1c.3g.20gb",
							      &err);
			if (!c || c->id != 0)
				mismatch("A100-40GB 3g.20gb: find_ci_profile("
					 "\"1c.3g.20gb\") returned %s, expected"
					 " CI ID 0 (%s)", c ? c->name : "NULL",
					 err.msg);
			memset(&err, 0, sizeof err);
			c = migctl_gi_profile_find_ci_profile(g, "2", &err);
			if (!c || !streq_nocase(c->name, "3g.20gb"))
				mismatch("A100-40GB 3g.20gb: find_ci_profile("
					 "\"2\") returned %s, expected 3g.20gb "
					 "(%s)", c ? c->name : "NULL", err.msg);
			memset(&err, 0, sizeof err);
			c = migctl_gi_profile_find_ci_profile(g, "1C.3G.20GB",
							      &err);
			if (!c || c->id != 0)
				mismatch("A100-40GB 3g.20gb: find_ci_profile("
					 "\"1C.3G.20GB\") returned %s, expected"
					 " CI ID 0 (%s)", c ? c->name : "NULL",
					 err.msg);
		}
	}
}

static void test_lookup_case_insensitive(void **state)
{
	static const char *const model_queries[] = {
		"a100 80gb pcie", "A100 80GB PCIe", "NVIDIA A100 80GB PCIe",
		"nvidia a100 80gb pcie", "A100_80GB-PCIE", "0x20b5", "0x20B5",
		"20b5", "0x20B510DE",
	};
	static const struct {
		const char *query;
		unsigned id;
	} gi_queries[] = {
		{"MIG 3g.40gb", 9}, {"mig 3G.40GB", 9}, {"3g.40gb", 9},
		{"3G.40GB", 9}, {"9", 9}, {"1g.10gb+me", 20},
		{"MIG 1G.10GB+ME", 20}, {"7g.80gb", 0}, {"0", 0},
		{"1g.20gb", 15},
	};
	const struct migctl_gpu_model *want, *m;
	struct migctl_error err;

	(void)state;
	begin();
	want = migctl_catalog_find_pci(&g_cat, 0x20B5);
	if (!want) {
		mismatch("A100 80GB PCIe (0x20B5) not in catalog [seed 000]");
		finish("lookup");
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(model_queries); i++) {
		memset(&err, 0, sizeof err);
		m = migctl_catalog_find_model(&g_cat, model_queries[i], &err);
		if (m != want)
			mismatch("find_model(\"%s\") returned %s, expected '%s' "
				 "(%s)", model_queries[i],
				 m ? m->name : "NULL", want->name, err.msg);
	}
	memset(&err, 0, sizeof err);
	m = migctl_catalog_find_model(&g_cat, "A100 81GB PCIe", &err);
	if (m || err.code != MIGCTL_ERR_UNKNOWN_MODEL)
		mismatch("find_model(\"A100 81GB PCIe\") returned %s with code "
			 "%d, expected NULL and MIGCTL_ERR_UNKNOWN_MODEL",
			 m ? m->name : "NULL", (int)err.code);

	for (size_t i = 0; i < ARRAY_LEN(gi_queries); i++) {
		const struct migctl_gi_profile *g;

		memset(&err, 0, sizeof err);
		g = migctl_model_find_gi_profile(want, gi_queries[i].query, &err);
		if (!g || g->id != gi_queries[i].id)
			mismatch("A100 80GB PCIe: find_gi_profile(\"%s\") "
				 "returned %s, expected profile ID %u (%s)",
				 gi_queries[i].query, g ? g->name : "NULL",
				 gi_queries[i].id, err.msg);
	}
	memset(&err, 0, sizeof err);
	if (migctl_model_find_gi_profile(want, "5g.50gb", &err) ||
	    err.code != MIGCTL_ERR_UNKNOWN_PROFILE)
		mismatch("A100 80GB PCIe: find_gi_profile(\"5g.50gb\") should "
			 "fail with MIGCTL_ERR_UNKNOWN_PROFILE (code %d)",
			 (int)err.code);

	check_rtx_gi_lookup();
	check_ci_lookup();
	finish("case-insensitive lookup");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a100_40gb_gi_profiles),
		cmocka_unit_test(test_a100_80gb_gi_profiles),
		cmocka_unit_test(test_a30_gi_profiles),
		cmocka_unit_test(test_h100_80gb_sxm5_gi_profiles),
		cmocka_unit_test(test_h100_pcie_gi_profiles),
		cmocka_unit_test(test_h100_nvl_gi_profiles),
		cmocka_unit_test(test_h100_96gb_gh200_gi_profiles),
		cmocka_unit_test(test_h20_gi_profiles),
		cmocka_unit_test(test_h200_gi_profiles),
		cmocka_unit_test(test_gh200_144g_gi_profiles),
		cmocka_unit_test(test_b200_gi_profiles),
		cmocka_unit_test(test_gb200_gi_profiles),
		cmocka_unit_test(test_b300_gb300_gi_profiles),
		cmocka_unit_test(test_rtx_pro_6000_gi_profiles),
		cmocka_unit_test(test_other_section1_pci_ids),
		cmocka_unit_test(test_model_names_resolve_to_pci_model),
		cmocka_unit_test(test_a100_40gb_ci_profiles),
		cmocka_unit_test(test_a30_ci_profiles),
		cmocka_unit_test(test_default_ci_covers_whole_gi),
		cmocka_unit_test(test_all_balanced_layouts),
		cmocka_unit_test(test_lookup_case_insensitive),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
