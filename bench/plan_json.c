/* Benchmark: `migctl plan -o json` against `-o text` at 10,000 GPUs
 * (issue 14). Runs the migctl binary next to this one (build/migctl, or
 * MIGCTL_BIN) on the example, text and JSON in turn, each writing
 * to a file in a temporary directory, and prints the median CPU time
 * (user + system, from wait4) of each whole process and their ratio; the
 * goal is JSON <= 2x text. Checks that the JSON parses (jansson) and
 * holds 10,000 GPUs and the plan the text reports.
 */
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"

#define RUNS 11
#define GPUS 10000
#define FLEET "A100-SXM4-80GB:10000"
#define DEMAND "1g.10gb=3423,2g.20gb=3614,3g.40gb=3595,4g.40gb=3469,7g.80gb=3455"

/* CPU seconds of `migctl plan ... -o FORMAT > out`, or -1. */
static double run_cpu(const char *migctl, const char *format, const char *out)
{
	char *argv[] = {(char *)migctl, (char *)"plan", (char *)"--fleet", (char *)FLEET,
			(char *)"--demand", (char *)DEMAND, (char *)"-o", (char *)format, NULL};
	struct rusage ru;

	if (run_to(argv, out, 1, &ru) != 0)
		return -1;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

/* The JSON parses and agrees with the text's first line. */
static void check_outputs(const char *json_path, const char *text_path)
{
	json_error_t jerr;
	json_t *doc = json_load_file(json_path, 0, &jerr);
	FILE *f = fopen(text_path, "r");
	char line[256] = "";
	long used = -1;

	if (!doc) {
		fail("plan JSON does not parse: %s (line %d)", jerr.text, jerr.line);
	} else {
		json_t *per_gpu = json_object_get(doc, "per_gpu");
		json_int_t ju = json_integer_value(json_object_get(doc, "gpus_used"));
		if (json_array_size(per_gpu) != GPUS)
			fail("plan JSON lists %zu GPUs, not %d", json_array_size(per_gpu), GPUS);
		if (!f || !fgets(line, sizeof(line), f) ||
		    sscanf(line, "Plan: %ld of", &used) != 1 || used != (long)ju)
			fail("text says \"%s\", JSON gpus_used %lld", line, (long long)ju);
	}
	if (f)
		fclose(f);
	json_decref(doc);
}

int main(int argc, char **argv)
{
	char self[PATH_MAX], migctl[PATH_MAX + 16], dir[] = "/tmp/migctl-bench-json-XXXXXX";
	char jpath[64], tpath[64];
	double tj[RUNS], tt[RUNS];
	const char *env = getenv("MIGCTL_BIN");
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	(void)argc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (env && *env) {
		snprintf(migctl, sizeof(migctl), "%s", env);
	} else if (n > 0) {
		self[n] = 0;
		/* build/bench/plan_json -> build/migctl */
		snprintf(migctl, sizeof(migctl), "%s/../migctl", dirname(self));
	} else {
		snprintf(migctl, sizeof(migctl), "%s", argv[0]);
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(jpath, sizeof(jpath), "%s/plan.json", dir);
	snprintf(tpath, sizeof(tpath), "%s/plan.txt", dir);
	printf("== plan output benchmark (issue 14) ==\n\n"
	       "migctl plan --fleet %s --demand %s\n"
	       "CPU time (user + system) of the whole process, median of %d paired runs\n\n",
	       FLEET, DEMAND, RUNS);
	for (int r = 0; r < RUNS && !failures; r++) {
		tt[r] = run_cpu(migctl, "text", tpath);
		tj[r] = run_cpu(migctl, "json", jpath);
		if (tt[r] < 0 || tj[r] < 0)
			fail("%s plan failed (set MIGCTL_BIN?)", migctl);
	}
	if (!failures)
		check_outputs(jpath, tpath);
	if (!failures) {
		double mt = median(tt, RUNS), mj = median(tj, RUNS);
		printf("  -o text  %8.2f ms\n  -o json  %8.2f ms\n  json/text %7.2f"
		       "   (goal <= 2: %s)\n\n", mt * 1e3, mj * 1e3, mj / mt,
		       mj <= 2 * mt ? "met" : "not met");
	}
	unlink(jpath);
	unlink(tpath);
	rmdir(dir);
	if (failures) {
		fprintf(stderr, "*** plan output benchmark FAILED: %d error(s) ***\n", failures);
		return 1;
	}
	return 0;
}
