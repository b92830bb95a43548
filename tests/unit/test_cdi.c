/* Unit tests for the DEVICE argument of `migctl run` (lib/migdev.c) and the
 * CDI spec reader and writer (lib/cdi.c): the four DEVICE forms and what
 * none of them is; CDI's device-name rule (reference k8s-cdi.md §3.1:
 * letters, digits, '_', '-', '.', ':' inside, a letter or digit at each
 * end, so "0:1" and "MIG-…" are names and "MIG-GPU-…/1/0" is not); specs
 * read back; the atomic write. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migctl/cdi.h"
#include "migctl/migdev.h"

static void test_migdev_forms(void **state)
{
	struct migctl_migdev_spec s;
	struct migctl_error err = {0};
	(void)state;

	assert_int_equal(migctl_migdev_parse("0:1", &s, &err), MIGCTL_ERR_OK);
	assert_int_equal(s.form, MIGCTL_MIGDEV_INDEX);
	assert_int_equal(s.gpu, 0);
	assert_int_equal(s.mig, 1);
	assert_int_equal(migctl_migdev_parse("12:07", &s, &err), MIGCTL_ERR_OK);
	assert_int_equal(s.gpu, 12);
	assert_int_equal(s.mig, 7);

	assert_int_equal(migctl_migdev_parse("MIG-4d806f22-346a-5a1d-ac01-86b505cdf485", &s, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(s.form, MIGCTL_MIGDEV_UUID);
	assert_string_equal(s.text, "MIG-4d806f22-346a-5a1d-ac01-86b505cdf485");

	/* seed 000's CUDA_VISIBLE_DEVICES */
	assert_int_equal(migctl_migdev_parse("MIG-GPU-9d676d4a-1a5a-e5e0-f4a0-ab9bc8d406e5/2/0",
					     &s, &err), MIGCTL_ERR_OK);
	assert_int_equal(s.form, MIGCTL_MIGDEV_LEGACY);
	assert_string_equal(s.text, "GPU-9d676d4a-1a5a-e5e0-f4a0-ab9bc8d406e5");
	assert_int_equal(s.gi, 2);
	assert_int_equal(s.ci, 0);

	assert_int_equal(migctl_migdev_parse("1c.3g.40gb", &s, &err), MIGCTL_ERR_OK);
	assert_int_equal(s.form, MIGCTL_MIGDEV_PROFILE);
	assert_string_equal(s.text, "1c.3g.40gb");
	assert_int_equal(migctl_migdev_parse("1g.10gb+me", &s, &err), MIGCTL_ERR_OK);
	assert_int_equal(s.form, MIGCTL_MIGDEV_PROFILE);
}

static void test_migdev_refused(void **state)
{
	static const char *const bad[] = {
		"", "0", "17", "0:", ":1", "0:1:2", "0:x", "0:99999", "-1:0", "MIG-",
		"MIG-a/b", "MIG-GPU-abc", "MIG-GPU-abc/1", "MIG-GPU-abc/1/", "MIG-GPU-/1/0",
		"MIG-GPU-abc/x/0", "MIG-GPU-abc/1/0/", "1g 10gb", "1g.10gb;rm", "a/b",
	};
	struct migctl_migdev_spec s;
	struct migctl_error err = {0};
	char longname[200];
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (migctl_migdev_parse(bad[i], &s, &err) != MIGCTL_ERR_USAGE)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(strstr(err.msg, "device"));
	}
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(migctl_migdev_parse(longname, &s, &err), MIGCTL_ERR_USAGE);
	assert_non_null(strstr(err.msg, "too long"));
	/* a bare index says how to name a MIG device of that GPU */
	assert_int_equal(migctl_migdev_parse("3", &s, &err), MIGCTL_ERR_USAGE);
	assert_non_null(strstr(err.msg, "'3:0'"));
}

static void test_cdi_names(void **state)
{
	(void)state;
	assert_true(migctl_cdi_valid_name("0"));
	assert_true(migctl_cdi_valid_name("0:1"));
	assert_true(migctl_cdi_valid_name("all"));
	assert_true(migctl_cdi_valid_name("MIG-4d806f22-346a-5a1d-ac01-86b505cdf485"));
	assert_true(migctl_cdi_valid_name("a_b.c-d"));
	assert_false(migctl_cdi_valid_name(""));
	assert_false(migctl_cdi_valid_name("MIG-GPU-9d676d4a-1a5a-e5e0-f4a0-ab9bc8d406e5/1/0"));
	assert_false(migctl_cdi_valid_name(":1"));
	assert_false(migctl_cdi_valid_name("1:"));
	assert_false(migctl_cdi_valid_name("-a"));
	assert_false(migctl_cdi_valid_name("a b"));
	assert_false(migctl_cdi_valid_name("gp\xc3\xbc"));
}

static void test_cdi_parse(void **state)
{
	static const char spec[] =
		"{\"cdiVersion\": \"0.5.0\", \"kind\": \"nvidia.com/gpu\", \"devices\": ["
		"{\"name\": \"0:1\", \"containerEdits\": {\"deviceNodes\": ["
		"{\"path\": \"/dev/nvidia0\", \"hostPath\": \"/x/dev/nvidia0\"},"
		"{\"path\": \"/dev/nvidia-caps/nvidia-cap12\"}]}},"
		"{\"name\": \"all\"}]}";
	struct migctl_cdi_spec s;
	struct migctl_error err = {0};
	(void)state;

	assert_int_equal(migctl_cdi_parse(spec, strlen(spec), "t", &s, &err), MIGCTL_ERR_OK);
	assert_string_equal(s.version, "0.5.0");
	assert_string_equal(s.kind, "nvidia.com/gpu");
	assert_int_equal(s.n_devices, 2);
	assert_string_equal(s.devices[0].name, "0:1");
	assert_int_equal(s.devices[0].n_nodes, 2);
	assert_string_equal(s.devices[0].nodes[1], "/dev/nvidia-caps/nvidia-cap12");
	assert_int_equal(s.devices[1].n_nodes, 0);
	migctl_cdi_spec_release(&s);

	static const char *const bad[] = {
		"", "[]", "{\"kind\": \"a/b\", \"devices\": []}",
		"{\"cdiVersion\": \"0.5.0\", \"kind\": \"ab\", \"devices\": []}",
		"{\"cdiVersion\": \"0.5.0\", \"kind\": \"a/b/c\", \"devices\": []}",
		"{\"cdiVersion\": \"0.5.0\", \"kind\": \"a/b\", \"devices\": {}}",
		"{\"cdiVersion\": \"0.5.0\", \"kind\": \"a/b\", \"devices\": [{\"name\": \"x/y\"}]}",
		"{\"cdiVersion\": \"0.5.0\", \"kind\": \"a/b\", \"devices\": [{\"name\": \"x\", "
		"\"containerEdits\": {\"deviceNodes\": [{\"path\": \"dev/x\"}]}}]}",
		"{\"cdiVersion\": \"0.5.0\", \"kind\": \"a/b\", \"kind\": \"a/b\", \"devices\": []}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (migctl_cdi_parse(bad[i], strlen(bad[i]), "bad", &s, &err) != MIGCTL_ERR_PARSE)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(strncmp(err.msg, "bad", 3), 0);
		assert_null(s.devices);
		assert_null(s.kind);
	}
}

static void test_cdi_write(void **state)
{
	char dir[] = "/tmp/test_cdi-XXXXXX", path[64], missing[96], buf[64];
	struct migctl_error err = {0};
	struct stat st;
	FILE *f;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/spec.json", dir);
	assert_int_equal(migctl_cdi_write(path, "first", &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_cdi_write(path, "second\n", &err), MIGCTL_ERR_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "second\n");
	/* a directory that does not exist: an error naming it, nothing made */
	snprintf(missing, sizeof(missing), "%s/no/spec.json", dir);
	assert_int_equal(migctl_cdi_write(missing, "x", &err), MIGCTL_ERR_IO);
	assert_non_null(strstr(err.msg, missing));
	/* only the spec is left: no temporary file */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migdev_forms),
		cmocka_unit_test(test_migdev_refused),
		cmocka_unit_test(test_cdi_names),
		cmocka_unit_test(test_cdi_parse),
		cmocka_unit_test(test_cdi_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
