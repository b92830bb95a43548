/* Conformance of the NVML simulator (build/sim/libnvidia-ml.so.1) with the
 * NVML facts in ../shared/reference/nvml-mig.md and mig-profiles.md, and
 * with the contract in sim/sim.h.
 *
 * It is one long program on purpose: the reference's profile and placement
 * tables are transcribed here once, and every test shares the one dlopen
 * client and machine helpers below.
 *
 * This program is an NVML client like go-nvml or pynvml: it loads the
 * simulator only with dlopen ($MIGSIM_LIB), resolves every function by its
 * exact exported name with dlsym, and drives the simulated machine with the
 * control tool ($MIGSIM_BIN: init, reset, exec, fault, show). Each test gets
 * its own state directory ($MIGSIM_STATE, a fresh mkdtemp directory set
 * before nvmlInit) and removes it afterwards.
 *
 * Every failure message names the call, the code it returned, the code
 * expected, and the reference line that says so ("ref: ...").
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nvml_abi.h"

/* --- the library, resolved by name -------------------------------------- */

/* One pointer per exported name; the field is the exact symbol name. */
static struct {
	nvmlReturn_t (*nvmlInit_v2)(void);
	nvmlReturn_t (*nvmlInit)(void);
	nvmlReturn_t (*nvmlInitWithFlags)(unsigned int);
	nvmlReturn_t (*nvmlShutdown)(void);
	const char *(*nvmlErrorString)(nvmlReturn_t);
	nvmlReturn_t (*nvmlDeviceGetCount_v2)(unsigned int *);
	nvmlReturn_t (*nvmlDeviceGetHandleByIndex_v2)(unsigned int, nvmlDevice_t *);
	nvmlReturn_t (*nvmlDeviceGetHandleByUUID)(const char *, nvmlDevice_t *);
	nvmlReturn_t (*nvmlDeviceGetHandleByPciBusId_v2)(const char *, nvmlDevice_t *);
	nvmlReturn_t (*nvmlDeviceGetName)(nvmlDevice_t, char *, unsigned int);
	nvmlReturn_t (*nvmlDeviceGetUUID)(nvmlDevice_t, char *, unsigned int);
	nvmlReturn_t (*nvmlDeviceGetIndex)(nvmlDevice_t, unsigned int *);
	nvmlReturn_t (*nvmlDeviceGetMinorNumber)(nvmlDevice_t, unsigned int *);
	nvmlReturn_t (*nvmlDeviceGetPciInfo_v3)(nvmlDevice_t, nvmlPciInfo_t *);
	nvmlReturn_t (*nvmlDeviceGetMemoryInfo)(nvmlDevice_t, nvmlMemory_t *);
	nvmlReturn_t (*nvmlDeviceGetMemoryInfo_v2)(nvmlDevice_t, nvmlMemory_v2_t *);
	nvmlReturn_t (*nvmlDeviceGetAttributes_v2)(nvmlDevice_t, nvmlDeviceAttributes_t *);
	nvmlReturn_t (*nvmlDeviceGetArchitecture)(nvmlDevice_t, nvmlDeviceArchitecture_t *);
	nvmlReturn_t (*nvmlDeviceGetComputeRunningProcesses_v3)(nvmlDevice_t, unsigned int *,
								nvmlProcessInfo_t *);
	nvmlReturn_t (*nvmlDeviceSetMigMode)(nvmlDevice_t, unsigned int, nvmlReturn_t *);
	nvmlReturn_t (*nvmlDeviceGetMigMode)(nvmlDevice_t, unsigned int *, unsigned int *);
	nvmlReturn_t (*nvmlDeviceGetGpuInstanceProfileInfo)(nvmlDevice_t, unsigned int,
							    nvmlGpuInstanceProfileInfo_t *);
	nvmlReturn_t (*nvmlDeviceGetGpuInstanceProfileInfoV)(nvmlDevice_t, unsigned int,
							     nvmlGpuInstanceProfileInfo_v2_t *);
	nvmlReturn_t (*nvmlDeviceGetGpuInstanceProfileInfoByIdV)(nvmlDevice_t, unsigned int,
								 nvmlGpuInstanceProfileInfo_v2_t *);
	nvmlReturn_t (*nvmlDeviceGetGpuInstancePossiblePlacements_v2)(
		nvmlDevice_t, unsigned int, nvmlGpuInstancePlacement_t *, unsigned int *);
	nvmlReturn_t (*nvmlDeviceGetGpuInstanceRemainingCapacity)(nvmlDevice_t, unsigned int,
								  unsigned int *);
	nvmlReturn_t (*nvmlDeviceCreateGpuInstance)(nvmlDevice_t, unsigned int, nvmlGpuInstance_t *);
	nvmlReturn_t (*nvmlDeviceCreateGpuInstanceWithPlacement)(
		nvmlDevice_t, unsigned int, const nvmlGpuInstancePlacement_t *, nvmlGpuInstance_t *);
	nvmlReturn_t (*nvmlGpuInstanceDestroy)(nvmlGpuInstance_t);
	nvmlReturn_t (*nvmlDeviceGetGpuInstances)(nvmlDevice_t, unsigned int, nvmlGpuInstance_t *,
						  unsigned int *);
	nvmlReturn_t (*nvmlDeviceGetGpuInstanceById)(nvmlDevice_t, unsigned int, nvmlGpuInstance_t *);
	nvmlReturn_t (*nvmlGpuInstanceGetInfo)(nvmlGpuInstance_t, nvmlGpuInstanceInfo_t *);
	nvmlReturn_t (*nvmlGpuInstanceGetComputeInstanceProfileInfo)(
		nvmlGpuInstance_t, unsigned int, unsigned int, nvmlComputeInstanceProfileInfo_t *);
	nvmlReturn_t (*nvmlGpuInstanceGetComputeInstanceProfileInfoV)(
		nvmlGpuInstance_t, unsigned int, unsigned int, nvmlComputeInstanceProfileInfo_v2_t *);
	nvmlReturn_t (*nvmlGpuInstanceGetComputeInstanceRemainingCapacity)(
		nvmlGpuInstance_t, unsigned int, unsigned int *);
	nvmlReturn_t (*nvmlGpuInstanceGetComputeInstancePossiblePlacements)(
		nvmlGpuInstance_t, unsigned int, nvmlComputeInstancePlacement_t *, unsigned int *);
	nvmlReturn_t (*nvmlGpuInstanceCreateComputeInstance)(nvmlGpuInstance_t, unsigned int,
							     nvmlComputeInstance_t *);
	nvmlReturn_t (*nvmlGpuInstanceCreateComputeInstanceWithPlacement)(
		nvmlGpuInstance_t, unsigned int, const nvmlComputeInstancePlacement_t *,
		nvmlComputeInstance_t *);
	nvmlReturn_t (*nvmlComputeInstanceDestroy)(nvmlComputeInstance_t);
	nvmlReturn_t (*nvmlGpuInstanceGetComputeInstances)(nvmlGpuInstance_t, unsigned int,
							   nvmlComputeInstance_t *, unsigned int *);
	nvmlReturn_t (*nvmlGpuInstanceGetComputeInstanceById)(nvmlGpuInstance_t, unsigned int,
							      nvmlComputeInstance_t *);
	nvmlReturn_t (*nvmlComputeInstanceGetInfo_v2)(nvmlComputeInstance_t,
						      nvmlComputeInstanceInfo_t *);
	/* Legacy entry points an early-driver client resolves. */
	nvmlReturn_t (*nvmlDeviceGetGpuInstancePossiblePlacements)(
		nvmlDevice_t, unsigned int, nvmlGpuInstancePlacement_t *, unsigned int *);
	nvmlReturn_t (*nvmlComputeInstanceGetInfo)(nvmlComputeInstance_t, void *);
	nvmlReturn_t (*nvmlDeviceIsMigDeviceHandle)(nvmlDevice_t, unsigned int *);
	nvmlReturn_t (*nvmlDeviceGetGpuInstanceId)(nvmlDevice_t, unsigned int *);
	nvmlReturn_t (*nvmlDeviceGetComputeInstanceId)(nvmlDevice_t, unsigned int *);
	nvmlReturn_t (*nvmlDeviceGetMaxMigDeviceCount)(nvmlDevice_t, unsigned int *);
	nvmlReturn_t (*nvmlDeviceGetMigDeviceHandleByIndex)(nvmlDevice_t, unsigned int,
							    nvmlDevice_t *);
	nvmlReturn_t (*nvmlDeviceGetDeviceHandleFromMigDeviceHandle)(nvmlDevice_t, nvmlDevice_t *);
} nv;

static void *lib;             /* dlopen($MIGSIM_LIB) */
static const char *migsim_bin; /* $MIGSIM_BIN */
static char base_dir[256];    /* per test: mkdtemp; holds state/ and logs */
static char state_dir[300];   /* per test: $MIGSIM_STATE */

#define MAX_BG 4
static pid_t bg_pids[MAX_BG]; /* `migsim exec` children (process groups) */

/* Resolve `name` into `slot` (the address of a function pointer), or fail
 * the running test naming the missing export. */
static void resolve(void *slot, size_t size, const char *name)
{
	void *p;

	dlerror();
	p = dlsym(lib, name);
	if (p == NULL)
		fail_msg("the simulator does not export %s (dlsym: %s); ref: nvml-mig.md §1.2/§1.6 "
			 "(clients resolve this exact name)", name, dlerror());
	assert_int_equal(size, sizeof p);
	memcpy(slot, &p, sizeof p);
}

/* NV(nvmlX) is the dlsym'd nvmlX, resolved on first use. */
#define NV(f) (*(nv.f != NULL ? &nv.f : (resolve(&nv.f, sizeof nv.f, #f), &nv.f)))

/* --- checks with clear messages ------------------------------------------ */

static const char *rc_name(nvmlReturn_t rc)
{
	switch (rc) {
#define RC(x) case x: return #x;
	RC(NVML_SUCCESS) RC(NVML_ERROR_UNINITIALIZED) RC(NVML_ERROR_INVALID_ARGUMENT)
	RC(NVML_ERROR_NOT_SUPPORTED) RC(NVML_ERROR_NO_PERMISSION)
	RC(NVML_ERROR_ALREADY_INITIALIZED) RC(NVML_ERROR_NOT_FOUND)
	RC(NVML_ERROR_INSUFFICIENT_SIZE) RC(NVML_ERROR_INSUFFICIENT_POWER)
	RC(NVML_ERROR_DRIVER_NOT_LOADED) RC(NVML_ERROR_TIMEOUT) RC(NVML_ERROR_IRQ_ISSUE)
	RC(NVML_ERROR_LIBRARY_NOT_FOUND) RC(NVML_ERROR_FUNCTION_NOT_FOUND)
	RC(NVML_ERROR_CORRUPTED_INFOROM) RC(NVML_ERROR_GPU_IS_LOST)
	RC(NVML_ERROR_RESET_REQUIRED) RC(NVML_ERROR_OPERATING_SYSTEM)
	RC(NVML_ERROR_LIB_RM_VERSION_MISMATCH) RC(NVML_ERROR_IN_USE) RC(NVML_ERROR_MEMORY)
	RC(NVML_ERROR_NO_DATA) RC(NVML_ERROR_VGPU_ECC_NOT_SUPPORTED)
	RC(NVML_ERROR_INSUFFICIENT_RESOURCES) RC(NVML_ERROR_FREQ_NOT_SUPPORTED)
	RC(NVML_ERROR_ARGUMENT_VERSION_MISMATCH) RC(NVML_ERROR_DEPRECATED)
	RC(NVML_ERROR_NOT_READY) RC(NVML_ERROR_GPU_NOT_FOUND) RC(NVML_ERROR_INVALID_STATE)
	RC(NVML_ERROR_RESET_TYPE_NOT_SUPPORTED) RC(NVML_ERROR_UNKNOWN)
#undef RC
	}
	return "(not an nvmlReturn_t)";
}

static void check_rc(nvmlReturn_t got, nvmlReturn_t want, const char *expr, const char *ref,
		     const char *file, int line)
{
	if (got == want)
		return;
	print_error("%s:%d: %s\n    returned %s (%d), expected %s (%d)\n    ref: %s\n", file,
		    line, expr, rc_name(got), (int)got, rc_name(want), (int)want, ref);
	_fail(file, line);
}

/* RC(call, expected code, reference) */
#define RC(call, want, ref) check_rc((call), (want), #call, (ref), __FILE__, __LINE__)
#define OK(call) RC(call, NVML_SUCCESS, "the call is valid here")

static void check_uint(unsigned long long got, unsigned long long want, const char *what,
		       const char *ref, const char *file, int line)
{
	if (got == want)
		return;
	print_error("%s:%d: %s is %llu (0x%llx), expected %llu (0x%llx)\n    ref: %s\n", file,
		    line, what, got, got, want, want, ref);
	_fail(file, line);
}

#define EQ(got, want, ref) \
	check_uint((unsigned long long)(got), (unsigned long long)(want), #got, (ref), __FILE__, \
		   __LINE__)

static void check_str(const char *got, const char *want, const char *what, const char *ref,
		      const char *file, int line)
{
	if (got != NULL && strcmp(got, want) == 0)
		return;
	print_error("%s:%d: %s is \"%s\", expected \"%s\"\n    ref: %s\n", file, line, what,
		    got ? got : "(null)", want, ref);
	_fail(file, line);
}

#define STREQ(got, want, ref) check_str((got), (want), #got, (ref), __FILE__, __LINE__)

static void check_true(bool cond, const char *expr, const char *ref, const char *file, int line)
{
	if (cond)
		return;
	print_error("%s:%d: expected %s\n    ref: %s\n", file, line, expr, ref);
	_fail(file, line);
}

#define TRUE(cond, ref) check_true((cond), #cond, (ref), __FILE__, __LINE__)

/* --- the control tool ----------------------------------------------------- */

/* Run `migsim ARGS` (a shell command line after the binary), capture its
 * stdout and stderr into `out`; returns its exit status (-1 if it did not
 * exit normally). */
static int migsim_capture(char *out, size_t outlen, const char *fmt, va_list ap)
	CMOCKA_PRINTF_ATTRIBUTE(3, 0);
static int migsim_capture(char *out, size_t outlen, const char *fmt, va_list ap)
{
	char args[1024], cmd[1600];
	FILE *p;
	size_t n = 0;
	int st;

	vsnprintf(args, sizeof args, fmt, ap);
	snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", migsim_bin, args);
	p = popen(cmd, "r");
	if (p == NULL)
		fail_msg("popen(%s): %s", cmd, strerror(errno));
	out[0] = '\0';
	for (;;) {
		size_t r;

		if (n + 1 >= outlen) {
			char sink[256];

			if (fread(sink, 1, sizeof sink, p) == 0)
				break;
			continue;
		}
		r = fread(out + n, 1, outlen - 1 - n, p);
		if (r == 0)
			break;
		n += r;
	}
	out[n] = '\0';
	st = pclose(p);
	return (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
}

static int migsim(char *out, size_t outlen, const char *fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(3, 4);
static int migsim(char *out, size_t outlen, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = migsim_capture(out, outlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* Run `migsim ARGS` and fail the test if it does not exit 0. */
static void migsim_ok(const char *fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(1, 2);
static void migsim_ok(const char *fmt, ...)
{
	char out[8192], args[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	rc = migsim_capture(out, sizeof out, fmt, ap);
	va_end(ap);
	if (rc != 0)
		fail_msg("`migsim %s` exited %d (needs to succeed for this test):\n%s", args, rc, out);
}

/* Start `migsim exec -d UUID -- sleep 60` in its own process group; returns
 * its PID (also recorded for teardown). */
static pid_t migsim_exec_bg(const char *uuid)
{
	char log[400];
	pid_t pid;
	int slot;

	for (slot = 0; slot < MAX_BG && bg_pids[slot] != 0; slot++)
		;
	assert_true(slot < MAX_BG);
	snprintf(log, sizeof log, "%s/exec-%d.log", base_dir, slot);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		FILE *f;

		setpgid(0, 0);
		f = freopen(log, "w", stdout);
		if (f != NULL)
			dup2(fileno(f), 2);
		execl(migsim_bin, "migsim", "exec", "-d", uuid, "--", "sleep", "60", (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	bg_pids[slot] = pid;
	return pid;
}

/* Kill a background exec (its whole process group) and reap it and any
 * orphan of its group (we are a child subreaper), so its PIDs are gone. */
static void kill_bg(pid_t pid)
{
	int slot, st;

	for (slot = 0; slot < MAX_BG && bg_pids[slot] != pid; slot++)
		;
	if (slot == MAX_BG || pid == 0)
		return;
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	/* Orphaned members of the group were re-parented to us. */
	while (waitpid(-pid, &st, 0) > 0)
		;
	bg_pids[slot] = 0;
}

static void print_bg_log(pid_t pid)
{
	char path[400], buf[2048];
	FILE *f;
	size_t n;
	int slot;

	for (slot = 0; slot < MAX_BG && bg_pids[slot] != pid; slot++)
		;
	if (slot == MAX_BG)
		return;
	snprintf(path, sizeof path, "%s/exec-%d.log", base_dir, slot);
	f = fopen(path, "r");
	if (f == NULL)
		return;
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	print_error("    output of `migsim exec`: %s\n", n ? buf : "(none)");
}

/* True if `pid` is `root` or one of its descendants (via /proc). */
static bool is_descendant(pid_t pid, pid_t root)
{
	int depth;

	for (depth = 0; depth < 16 && pid > 1; depth++) {
		char path[64], buf[512], *p;
		FILE *f;
		size_t n;
		int ppid;

		if (pid == root)
			return true;
		snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
		f = fopen(path, "r");
		if (f == NULL)
			return false;
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (p == NULL || sscanf(p + 1, " %*c %d", &ppid) != 1)
			return false;
		pid = ppid;
	}
	return false;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* --- per test state -------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* Bring the library's init refcount back to zero (ignores a missing
 * symbol: this runs in teardown). */
static void shutdown_all(void)
{
	nvmlReturn_t (*shut)(void);
	void *p = dlsym(lib, "nvmlShutdown");
	int i;

	if (p == NULL)
		return;
	memcpy(&shut, &p, sizeof p);
	for (i = 0; i < 32 && shut() == NVML_SUCCESS; i++)
		;
}

static int setup(void **state)
{
	(void)state;
	shutdown_all();
	snprintf(base_dir, sizeof base_dir, "%s/migsim-conformance-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(base_dir) == NULL) {
		print_error("mkdtemp(%s): %s\n", base_dir, strerror(errno));
		return -1;
	}
	snprintf(state_dir, sizeof state_dir, "%s/state", base_dir);
	if (mkdir(state_dir, 0700) != 0) {
		print_error("mkdir(%s): %s\n", state_dir, strerror(errno));
		return -1;
	}
	setenv("MIGSIM_STATE", state_dir, 1);
	memset(bg_pids, 0, sizeof bg_pids);
	return 0;
}

static int teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < MAX_BG; i++)
		if (bg_pids[i] != 0)
			kill_bg(bg_pids[i]);
	shutdown_all();
	nftw(base_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	unsetenv("MIGSIM_STATE");
	return 0;
}

static int group_setup(void **state)
{
	const char *path = getenv("MIGSIM_LIB");

	(void)state;
	migsim_bin = getenv("MIGSIM_BIN");
	if (path == NULL || migsim_bin == NULL) {
		print_error("set MIGSIM_LIB (the simulator's libnvidia-ml.so.1) and MIGSIM_BIN "
			    "(migsim); tests/run-tests.sh does\n");
		return -1;
	}
	if (access(migsim_bin, X_OK) != 0) {
		print_error("MIGSIM_BIN=%s: %s\n", migsim_bin, strerror(errno));
		return -1;
	}
	/* RTLD_NOW: every symbol the library needs must resolve at load. */
	lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		print_error("dlopen(%s): %s\n", path, dlerror());
		return -1;
	}
	/* `migsim exec` may fork the command: adopt orphans so that killing
	 * the group leaves no zombie that still looks alive. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	/* Unload like go-nvml, whose Shutdown() calls nvmlShutdown then
	 * dlclose: under LeakSanitizer anything the library still holds after
	 * its last nvmlShutdown shows up as a leak. */
	if (lib != NULL)
		dlclose(lib);
	lib = NULL;
	return 0;
}

/* --- helpers on the library ---------------------------------------------- */

static nvmlDevice_t device(unsigned idx)
{
	nvmlDevice_t d = NULL;

	OK(NV(nvmlDeviceGetHandleByIndex_v2)(idx, &d));
	TRUE(d != NULL, "a successful nvmlDeviceGetHandleByIndex_v2 returns a handle");
	return d;
}

static void uuid_of(nvmlDevice_t d, char *buf)
{
	memset(buf, 0, NVML_DEVICE_UUID_V2_BUFFER_SIZE);
	OK(NV(nvmlDeviceGetUUID)(d, buf, NVML_DEVICE_UUID_V2_BUFFER_SIZE));
}

/* `prefix` + 8-4-4-4-12 lowercase hex; v5: version nibble 5 and RFC-4122
 * variant [89ab] (MIG UUIDs). */
static bool uuid_well_formed(const char *s, const char *prefix, bool v5)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };
	size_t pl = strlen(prefix);
	const char *p;
	int g, i;

	if (strncmp(s, prefix, pl) != 0 || strlen(s) != pl + 36)
		return false;
	p = s + pl;
	for (g = 0; g < 5; g++) {
		for (i = 0; i < groups[g]; i++, p++)
			if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
				return false;
		if (g < 4 && *p++ != '-')
			return false;
	}
	if (v5) {
		const char *u = s + pl;

		if (u[14] != '5' || strchr("89ab", u[19]) == NULL)
			return false;
	}
	return true;
}

static void check_mig_mode(nvmlDevice_t d, unsigned cur, unsigned pend, const char *ref)
{
	unsigned c = 99, p = 99;

	OK(NV(nvmlDeviceGetMigMode)(d, &c, &p));
	EQ(c, cur, ref);
	EQ(p, pend, ref);
}

/* Enable MIG on an Ampere GPU the way a real host does: set (pending,
 * RESET_REQUIRED), then reset the GPU (`migsim reset -i IDX`). */
static void enable_mig_ampere(nvmlDevice_t d, unsigned idx)
{
	nvmlReturn_t act = NVML_ERROR_UNKNOWN;

	OK(NV(nvmlDeviceSetMigMode)(d, NVML_DEVICE_MIG_ENABLE, &act));
	migsim_ok("reset -i %u", idx);
	check_mig_mode(d, 1, 1, "sim.h sim_reset_gpu: Ampere applies the pending MIG mode");
}

static nvmlGpuInstanceInfo_t gi_info(nvmlGpuInstance_t gi)
{
	nvmlGpuInstanceInfo_t info;

	memset(&info, 0xff, sizeof info);
	OK(NV(nvmlGpuInstanceGetInfo)(gi, &info));
	return info;
}

static nvmlComputeInstanceInfo_t ci_info(nvmlComputeInstance_t ci)
{
	nvmlComputeInstanceInfo_t info;

	memset(&info, 0xff, sizeof info);
	OK(NV(nvmlComputeInstanceGetInfo_v2)(ci, &info));
	return info;
}

/* Create a GI of `profile` without a placement; check where it landed. */
static nvmlGpuInstance_t create_gi_at(nvmlDevice_t d, unsigned profile, unsigned start,
				      unsigned size, unsigned id, const char *ref)
{
	nvmlGpuInstance_t gi = NULL;
	nvmlGpuInstanceInfo_t info;

	RC(NV(nvmlDeviceCreateGpuInstance)(d, profile, &gi), NVML_SUCCESS, ref);
	info = gi_info(gi);
	EQ(info.profileId, profile, ref);
	EQ(info.placement.start, start, ref);
	EQ(info.placement.size, size, ref);
	EQ(info.id, id, ref);
	TRUE(info.device == d, "nvmlGpuInstanceInfo_t.device is the parent handle (nvml-mig.md §1.3)");
	return gi;
}

static unsigned gi_remaining(nvmlDevice_t d, unsigned profile)
{
	unsigned n = 999;

	OK(NV(nvmlDeviceGetGpuInstanceRemainingCapacity)(d, profile, &n));
	return n;
}

/* --- reference data: A100-SXM4-80GB (mig-profiles.md §2.1, §2.2) --------- */

struct gip_ref {
	unsigned index;      /* NVML_GPU_INSTANCE_PROFILE_* */
	unsigned id;
	const char *name;    /* NVML profile name, "MIG " + this */
	unsigned slices;     /* compute slices = sliceCount */
	unsigned sm, ce, dec, enc, jpg, ofa, max;
	unsigned long long mem[3]; /* MiB; the reference lists per-driver values */
	unsigned n_place;
	unsigned starts[7];
	unsigned size;       /* placement size in units */
};

static const struct gip_ref a100_80gb[] = {
	{ 0, 19, "1g.10gb", 1, 14, 1, 0, 0, 0, 0, 7, { 9728, 9984, 0 }, 7, { 0, 1, 2, 3, 4, 5, 6 }, 1 },
	{ 7, 20, "1g.10gb+me", 1, 14, 1, 1, 0, 1, 1, 1, { 9728, 9984, 0 }, 7, { 0, 1, 2, 3, 4, 5, 6 }, 1 },
	{ 9, 15, "1g.20gb", 1, 14, 1, 1, 0, 0, 0, 4, { 19968, 0, 0 }, 4, { 0, 2, 4, 6 }, 2 },
	{ 1, 14, "2g.20gb", 2, 28, 2, 1, 0, 0, 0, 3, { 19968, 20096, 0 }, 3, { 0, 2, 4 }, 2 },
	{ 2, 9, "3g.40gb", 3, 42, 3, 2, 0, 0, 0, 2, { 40192, 40448, 0 }, 2, { 0, 4 }, 4 },
	{ 3, 5, "4g.40gb", 4, 56, 4, 2, 0, 0, 0, 1, { 40192, 40448, 0 }, 1, { 0 }, 4 },
	{ 4, 0, "7g.80gb", 7, 98, 7, 5, 0, 1, 1, 1, { 80896, 81024, 81152 }, 1, { 0 }, 8 },
};
#define N_A100 (sizeof a100_80gb / sizeof a100_80gb[0])
#define REF_A100 "mig-profiles.md §2.2 (A100-80GB; IDs, slices, SM, engines, placements as §2.1)"

static const struct gip_ref *a100_by_index(unsigned index)
{
	size_t i;

	for (i = 0; i < N_A100; i++)
		if (a100_80gb[i].index == index)
			return &a100_80gb[i];
	return NULL;
}

static bool mem_ok(const struct gip_ref *r, unsigned long long mib)
{
	int i;

	for (i = 0; i < 3; i++)
		if (r->mem[i] != 0 && r->mem[i] == mib)
			return true;
	return false;
}

/* CI profiles of an A100-80GB 3g.40gb GI (mig-profiles.md §4.1-4.3). */
struct cip_ref {
	unsigned id;
	const char *name;
	unsigned slices, max, sm;
	unsigned n_place;
	unsigned starts[3];
};

static const struct cip_ref a100_3g_cis[] = {
	{ 0, "1c.3g.40gb", 1, 3, 14, 3, { 0, 1, 2 } },
	{ 1, "2c.3g.40gb", 2, 1, 28, 2, { 0, 1 } }, /* 1:2: seed 001, -cci 0,1 */
	{ 2, "3g.40gb", 3, 1, 42, 1, { 0 } },
};
#define REF_CI "mig-profiles.md §4.1 (3g: 1c ID 0 x3, 2c ID 1 x1, 3g ID 2 x1), §4.2 (SM 14 x c, shared engines = the GI's: CE 3, DEC 2, ENC/JPG/OFA 0), §4.3"

/* === 1. init, shutdown, refcount, error strings ========================== */

static void test_init_refcount_and_errors(void **state)
{
	static const struct {
		nvmlReturn_t rc;
		const char *text;
	} texts[] = {
		{ NVML_SUCCESS, "Success" },
		{ NVML_ERROR_UNINITIALIZED, "Uninitialized" },
		{ NVML_ERROR_INVALID_ARGUMENT, "Invalid Argument" },
		{ NVML_ERROR_NOT_SUPPORTED, "Not Supported" },
		{ NVML_ERROR_NO_PERMISSION, "Insufficient Permissions" },
		{ NVML_ERROR_NOT_FOUND, "Not Found" },
		{ NVML_ERROR_INSUFFICIENT_SIZE, "Insufficient Size" },
		{ NVML_ERROR_RESET_REQUIRED, "GPU requires reset" },
		{ NVML_ERROR_IN_USE, "In use by another client" },
		{ NVML_ERROR_INSUFFICIENT_RESOURCES, "Insufficient Resources" },
		{ NVML_ERROR_UNKNOWN, "Unknown Error" },
	};
	unsigned n = 0, i;
	nvmlDevice_t d;
	const char *s;

	(void)state;
	/* Error strings need no init: pynvml and go-nvml format errors with
	 * them at any time. */
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
		STREQ(NV(nvmlErrorString)(texts[i].rc), texts[i].text,
		      "nvml-mig.md §1.5 nvmlErrorString texts");
	s = NV(nvmlErrorString)((nvmlReturn_t)12345);
	TRUE(s != NULL && s[0] != '\0', "nvmlErrorString returns a string for any code (§1.5)");

	RC(NV(nvmlDeviceGetCount_v2)(&n), NVML_ERROR_UNINITIALIZED,
	   "nvml-mig.md §1.5 NVML_ERROR_UNINITIALIZED: calls before nvmlInit");
	RC(NV(nvmlDeviceGetHandleByIndex_v2)(0, &d), NVML_ERROR_UNINITIALIZED,
	   "nvml-mig.md §1.5: calls before nvmlInit");
	RC(NV(nvmlShutdown)(), NVML_ERROR_UNINITIALIZED,
	   "nvml-mig.md §1.2 nvmlShutdown refcounted with init: nothing to shut down");

	/* Refcount: two inits need two shutdowns. */
	OK(NV(nvmlInit_v2)());
	OK(NV(nvmlInit_v2)());
	OK(NV(nvmlDeviceGetCount_v2)(&n));
	EQ(n, 2, "sim.h: the default machine is 2 x A100-SXM4-80GB");
	OK(NV(nvmlShutdown)());
	RC(NV(nvmlDeviceGetCount_v2)(&n), NVML_SUCCESS,
	   "nvml-mig.md §1.2: nvmlShutdown is refcounted with init (one init still open)");
	OK(NV(nvmlShutdown)());
	RC(NV(nvmlDeviceGetCount_v2)(&n), NVML_ERROR_UNINITIALIZED,
	   "nvml-mig.md §1.2: after the last nvmlShutdown calls fail");
	RC(NV(nvmlShutdown)(), NVML_ERROR_UNINITIALIZED,
	   "nvml-mig.md §1.2: shutdown without a matching init");

	/* The other entry points of §1.6 / §5.1 count too. */
	OK(NV(nvmlInitWithFlags)(0));
	OK(NV(nvmlInit)());
	OK(NV(nvmlDeviceGetCount_v2)(&n));
	OK(NV(nvmlShutdown)());
	OK(NV(nvmlShutdown)());
	RC(NV(nvmlDeviceGetCount_v2)(&n), NVML_ERROR_UNINITIALIZED,
	   "nvml-mig.md §5.1 nvmlInitWithFlags/nvmlInit are refcounted like nvmlInit_v2");
	/* Re-init after a full shutdown works. */
	OK(NV(nvmlInit_v2)());
	OK(NV(nvmlDeviceGetCount_v2)(&n));
	EQ(n, 2, "sim.h default machine");
}

/* Count this process's open fds that point into the state directory. */
static unsigned fds_into_state(char *which, size_t len)
{
	char path[64], target[1024];
	unsigned n = 0;
	int fd;

	which[0] = '\0';
	for (fd = 0; fd < 4096; fd++) {
		ssize_t r;

		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		r = readlink(path, target, sizeof target - 1);
		if (r <= 0)
			continue;
		target[r] = '\0';
		if (strncmp(target, state_dir, strlen(state_dir)) == 0) {
			n++;
			if (which[0] == '\0')
				snprintf(which, len, "fd %d -> %s", fd, target);
		}
	}
	return n;
}

static void test_shutdown_releases_state(void **state)
{
	char which[1100];
	nvmlReturn_t act;
	unsigned n;

	(void)state;
	OK(NV(nvmlInit_v2)());
	OK(NV(nvmlDeviceGetCount_v2)(&n));
	OK(NV(nvmlDeviceSetMigMode)(device(0), NVML_DEVICE_MIG_ENABLE, &act));
	check_mig_mode(device(0), 0, 1, "pending enable");
	OK(NV(nvmlShutdown)());
	n = fds_into_state(which, sizeof which);
	if (n != 0)
		fail_msg("after the last nvmlShutdown the process still holds %u open fd(s) into "
			 "$MIGSIM_STATE (first: %s). go-nvml's Shutdown() calls nvmlShutdown and then "
			 "dlclose()s the library, so whatever the library still holds then (fds, the "
			 "cached machine) leaks on every Init/Shutdown cycle; ref: nvml-mig.md §1.2 "
			 "(nvmlShutdown refcounted with init), §1.6 (go-nvml loads with dlopen)",
			 n, which);
}

/* === 2. device enumeration ================================================ */

static void test_enumeration_default_machine(void **state)
{
	char uuids[2][NVML_DEVICE_UUID_V2_BUFFER_SIZE];
	unsigned minors[2];
	unsigned n = 0, i;

	(void)state;
	/* No `migsim init`: the library creates the default machine. */
	OK(NV(nvmlInit_v2)());
	OK(NV(nvmlDeviceGetCount_v2)(&n));
	EQ(n, 2, "sim.h sim_open: a missing machine is created as the default (2 x A100-SXM4-80GB)");
	for (i = 0; i < n; i++) {
		char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
		nvmlDevice_t d = device(i), d2 = NULL;
		nvmlPciInfo_t pci;
		nvmlMemory_t mem;
		nvmlMemory_v2_t mem2;
		nvmlDeviceArchitecture_t arch = 0;
		unsigned idx = 99, dom = 99, bus = 99, dev = 99, is_mig = 99, max_mig = 99;
		char tail = 0;

		TRUE(device(i) == d,
		     "the same device gives the same handle (go-nvml compares handles; nvml-mig.md §1.1)");
		OK(NV(nvmlDeviceGetName)(d, name, sizeof name));
		STREQ(name, "NVIDIA A100-SXM4-80GB", "mig-profiles.md §1 (device name)");
		uuid_of(d, uuids[i]);
		TRUE(uuid_well_formed(uuids[i], "GPU-", false),
		     "GPU UUID \"GPU-\" + 8-4-4-4-12 lowercase hex (sim.h struct sim_gpu.uuid; nvml-mig.md §2.7)");
		OK(NV(nvmlDeviceGetHandleByUUID)(uuids[i], &d2));
		TRUE(d2 == d, "nvmlDeviceGetHandleByUUID round-trips to the same handle (§1.2)");
		OK(NV(nvmlDeviceGetIndex)(d, &idx));
		EQ(idx, i, "nvmlDeviceGetIndex of handle i (§1.2)");
		OK(NV(nvmlDeviceGetMinorNumber)(d, &minors[i]));

		memset(&pci, 0xff, sizeof pci);
		OK(NV(nvmlDeviceGetPciInfo_v3)(d, &pci));
		EQ(pci.pciDeviceId, 0x20B210DEu,
		   "mig-profiles.md §1: pciDeviceId = device<<16 | 0x10DE, A100-SXM4-80GB 0x20B2");
		TRUE(memchr(pci.busId, '\0', sizeof pci.busId) != NULL, "busId NUL-terminated");
		TRUE(memchr(pci.busIdLegacy, '\0', sizeof pci.busIdLegacy) != NULL,
		     "busIdLegacy NUL-terminated");
		TRUE(strlen(pci.busId) == 16 &&
			     sscanf(pci.busId, "%8X:%2X:%2X.0%c", &dom, &bus, &dev, &tail) == 3,
		     "nvml-mig.md §1.3 busId format \"%08X:%02X:%02X.0\"");
		EQ(dom, pci.domain, "busId domain = nvmlPciInfo_t.domain (§1.3)");
		EQ(bus, pci.bus, "busId bus = nvmlPciInfo_t.bus (§1.3)");
		EQ(dev, pci.device, "busId device = nvmlPciInfo_t.device (§1.3)");
		d2 = NULL;
		OK(NV(nvmlDeviceGetHandleByPciBusId_v2)(pci.busId, &d2));
		TRUE(d2 == d, "nvmlDeviceGetHandleByPciBusId_v2 round-trips to the same handle (§1.2)");

		memset(&mem, 0, sizeof mem);
		OK(NV(nvmlDeviceGetMemoryInfo)(d, &mem));
		TRUE(mem.total >= 80896ull << 20 && mem.total <= 81920ull << 20,
		     "A100-SXM4-80GB: 80 GB, at least the 7g.80gb profile's 79.00 GiB (mig-profiles.md §1, §2.2)");
		EQ(mem.free + mem.used, mem.total, "nvmlMemory_t: free + used = total");
		memset(&mem2, 0, sizeof mem2);
		mem2.version = nvmlMemory_v2;
		OK(NV(nvmlDeviceGetMemoryInfo_v2)(d, &mem2));
		EQ(mem2.total, mem.total, "nvmlDeviceGetMemoryInfo_v2 total = v1 total (§1.2, §1.3)");

		OK(NV(nvmlDeviceGetArchitecture)(d, &arch));
		EQ(arch, NVML_DEVICE_ARCH_AMPERE, "nvml-mig.md §1.2 architecture AMPERE=7");
		OK(NV(nvmlDeviceIsMigDeviceHandle)(d, &is_mig));
		EQ(is_mig, 0, "a GPU handle is not a MIG device handle (§1.2)");
		OK(NV(nvmlDeviceGetMaxMigDeviceCount)(d, &max_mig));
		EQ(max_mig, 0, "nvml-mig.md §1.2: MaxMigDeviceCount \"returns zero if MIG is not ... enabled\"");
	}
	TRUE(strcmp(uuids[0], uuids[1]) != 0, "GPU UUIDs are unique");
	TRUE(minors[0] != minors[1], "minor numbers are unique (/dev/nvidia<minor>, §1.2)");
	{
		nvmlDevice_t d = NULL;

		RC(NV(nvmlDeviceGetHandleByUUID)("GPU-00000000-0000-0000-0000-000000000000", &d),
		   NVML_ERROR_NOT_FOUND, "nvml.h: an unknown UUID is NOT_FOUND");
		RC(NV(nvmlDeviceGetHandleByIndex_v2)(n, &d), NVML_ERROR_INVALID_ARGUMENT,
		   "nvml.h: an index >= count is INVALID_ARGUMENT");
	}
}

static void test_hopper_identity(void **state)
{
	char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
	nvmlDeviceArchitecture_t arch = 0;
	nvmlPciInfo_t pci;
	nvmlDevice_t d;
	unsigned n = 0;

	(void)state;
	migsim_ok("init --gpus H100-SXM5-80GB");
	OK(NV(nvmlInit_v2)());
	OK(NV(nvmlDeviceGetCount_v2)(&n));
	EQ(n, 1, "`migsim init --gpus H100-SXM5-80GB` makes one GPU");
	d = device(0);
	OK(NV(nvmlDeviceGetName)(d, name, sizeof name));
	STREQ(name, "NVIDIA H100 80GB HBM3", "mig-profiles.md §1 (H100 SXM5 80GB device name)");
	OK(NV(nvmlDeviceGetArchitecture)(d, &arch));
	EQ(arch, NVML_DEVICE_ARCH_HOPPER, "nvml-mig.md §1.2 architecture HOPPER=9");
	memset(&pci, 0, sizeof pci);
	OK(NV(nvmlDeviceGetPciInfo_v3)(d, &pci));
	EQ(pci.pciDeviceId, 0x233010DEu, "mig-profiles.md §1: H100 SXM5 80GB is 0x2330");
}

/* === 3. MIG mode ========================================================== */

static void test_mig_mode_ampere_pending(void **state)
{
	nvmlReturn_t act = NVML_ERROR_UNKNOWN;
	nvmlGpuInstance_t gi = NULL;
	nvmlDevice_t d, other;
	unsigned n = 99;

	(void)state;
	OK(NV(nvmlInit_v2)());
	d = device(0);
	other = device(1);
	check_mig_mode(d, 0, 0, "sim.h sim_machine_build: MIG disabled on a new machine");
	RC(NV(nvmlDeviceCreateGpuInstance)(d, 9, &gi), NVML_ERROR_NOT_SUPPORTED,
	   "sim.h sim_create_gi: NOT_SUPPORTED while MIG is disabled");
	RC(NV(nvmlDeviceGetGpuInstanceRemainingCapacity)(d, 9, &n), NVML_ERROR_NOT_SUPPORTED,
	   "nvml-mig.md §2.3 RemainingCapacity needs MIG enabled; sim.h sim_gi_remaining");
	RC(NV(nvmlDeviceSetMigMode)(d, 2, &act), NVML_ERROR_INVALID_ARGUMENT,
	   "nvml.h: mode other than NVML_DEVICE_MIG_DISABLE/ENABLE is INVALID_ARGUMENT");

	act = NVML_ERROR_UNKNOWN;
	OK(NV(nvmlDeviceSetMigMode)(d, NVML_DEVICE_MIG_ENABLE, &act));
	RC(act, NVML_ERROR_RESET_REQUIRED,
	   "nvml-mig.md §2.1 / sim.h sim_set_mig_mode: Ampere activationStatus RESET_REQUIRED");
	check_mig_mode(d, 0, 1, "nvml-mig.md §2.1: Ampere change stays pending (current 0, pending 1)");
	check_mig_mode(other, 0, 0, "setting GPU 0 does not touch GPU 1");
	RC(NV(nvmlDeviceCreateGpuInstance)(d, 9, &gi), NVML_ERROR_NOT_SUPPORTED,
	   "sim.h sim_create_gi: NOT_SUPPORTED while MIG is only pending");

	migsim_ok("reset -i 0");
	/* `d` was obtained before another process reset the GPU: handles stay
	 * valid, and the library sees the other process's change. */
	check_mig_mode(d, 1, 1, "sim.h sim_reset_gpu: Ampere applies the pending mode on reset");
	check_mig_mode(other, 0, 0, "`migsim reset -i 0` resets only GPU 0");
	OK(NV(nvmlDeviceGetMaxMigDeviceCount)(d, &n));
	TRUE(n > 0, "nvml-mig.md §2.7 MaxMigDeviceCount > 0 once MIG is enabled");
	/* Same mode again: a no-op. */
	OK(NV(nvmlDeviceSetMigMode)(d, NVML_DEVICE_MIG_ENABLE, &act));
	check_mig_mode(d, 1, 1, "sim.h sim_set_mig_mode: setting the mode it already has is a no-op");

	/* Disable while a GI exists: IN_USE (sim.h; reference §2.8 [U]). */
	gi = create_gi_at(d, 9, 4, 4, 2, "nvml-mig.md §2.4/§2.5: first 3g at 4:4, GI 2");
	RC(NV(nvmlDeviceSetMigMode)(d, NVML_DEVICE_MIG_DISABLE, &act), NVML_ERROR_IN_USE,
	   "sim.h sim_set_mig_mode: IN_USE to disable while GIs exist");
	check_mig_mode(d, 1, 1, "a refused mode change changes nothing");
	OK(NV(nvmlGpuInstanceDestroy)(gi));
	act = NVML_ERROR_UNKNOWN;
	OK(NV(nvmlDeviceSetMigMode)(d, NVML_DEVICE_MIG_DISABLE, &act));
	RC(act, NVML_ERROR_RESET_REQUIRED, "nvml-mig.md §2.1: Ampere disable is pending too");
	check_mig_mode(d, 1, 0, "nvml-mig.md §2.1: pending disable (current 1, pending 0)");
	migsim_ok("reset -i 0");
	check_mig_mode(d, 0, 0, "sim.h sim_reset_gpu applies the pending disable");
}

static void test_mig_mode_hopper_immediate(void **state)
{
	nvmlReturn_t act = NVML_ERROR_UNKNOWN;
	nvmlGpuInstance_t gi = NULL;
	nvmlDevice_t d;

	(void)state;
	migsim_ok("init --gpus H100-SXM5-80GB");
	OK(NV(nvmlInit_v2)());
	d = device(0);
	check_mig_mode(d, 0, 0, "new machine: MIG disabled");
	RC(NV(nvmlDeviceCreateGpuInstance)(d, 9, &gi), NVML_ERROR_NOT_SUPPORTED,
	   "sim.h sim_create_gi: NOT_SUPPORTED while MIG is disabled");
	OK(NV(nvmlDeviceSetMigMode)(d, NVML_DEVICE_MIG_ENABLE, &act));
	RC(act, NVML_SUCCESS, "sim.h sim_set_mig_mode: Hopper is immediate, activation NVML_SUCCESS");
	check_mig_mode(d, 1, 1, "nvml-mig.md §2.1 / sim.h: Hopper switches at once");
	gi = create_gi_at(d, 9, 4, 4, 2, "mig-profiles.md §2.4 (H100 placements as A100), nvml-mig.md §2.4/§2.5");
	OK(NV(nvmlGpuInstanceDestroy)(gi));
	act = NVML_ERROR_UNKNOWN;
	OK(NV(nvmlDeviceSetMigMode)(d, NVML_DEVICE_MIG_DISABLE, &act));
	RC(act, NVML_SUCCESS, "sim.h: Hopper disable is immediate");
	check_mig_mode(d, 0, 0, "sim.h: Hopper disable is immediate");

	/* Reset: Hopper comes back with MIG disabled. */
	OK(NV(nvmlDeviceSetMigMode)(d, NVML_DEVICE_MIG_ENABLE, &act));
	migsim_ok("reset -i 0");
	check_mig_mode(d, 0, 0,
		       "nvml-mig.md §2.1 (H100 MIG mode not persistent) / sim.h sim_reset_gpu: Hopper comes back disabled");
}

/* === 4. profiles and placements ========================================== */

static void check_gi_profile_v2(const nvmlGpuInstanceProfileInfo_v2_t *v, const struct gip_ref *r)
{
	char want[64];

	snprintf(want, sizeof want, "MIG %s", r->name);
	EQ(v->version, nvmlGpuInstanceProfileInfo_v2, "the version word is left as given");
	EQ(v->id, r->id, REF_A100);
	EQ(v->isP2pSupported, 0, "mig-profiles.md §0: P2P is No for every profile");
	EQ(v->sliceCount, r->slices, REF_A100);
	EQ(v->instanceCount, r->max, REF_A100);
	EQ(v->multiprocessorCount, r->sm, REF_A100);
	EQ(v->copyEngineCount, r->ce, REF_A100);
	EQ(v->decoderCount, r->dec, REF_A100);
	EQ(v->encoderCount, r->enc, REF_A100);
	EQ(v->jpegCount, r->jpg, REF_A100);
	EQ(v->ofaCount, r->ofa, REF_A100);
	if (!mem_ok(r, v->memorySizeMB))
		fail_msg("%s: v2 memorySizeMB %llu is none of the reference values (%s)", r->name,
			 v->memorySizeMB, REF_A100);
	TRUE(memchr(v->name, '\0', sizeof v->name) != NULL, "v2 name NUL-terminated");
	STREQ(v->name, want, "mig-profiles.md §0: NVML profile name is \"MIG <name>\"");
}

static void check_gi_profile_v3(const nvmlGpuInstanceProfileInfo_v3_t *v, const struct gip_ref *r)
{
	char want[64];

	snprintf(want, sizeof want, "MIG %s", r->name);
	EQ(v->version, nvmlGpuInstanceProfileInfo_v3, "the version word is left as given");
	EQ(v->id, r->id, REF_A100);
	EQ(v->sliceCount, r->slices,
	   "nvml-mig.md §1.1/§1.3: v3 layout (sliceCount @8, no isP2pSupported), dispatch on the version word");
	EQ(v->instanceCount, r->max, "v3 layout: instanceCount @12");
	EQ(v->multiprocessorCount, r->sm, "v3 layout: multiprocessorCount @16");
	EQ(v->copyEngineCount, r->ce, "v3 layout");
	EQ(v->decoderCount, r->dec, "v3 layout");
	EQ(v->encoderCount, r->enc, "v3 layout");
	EQ(v->jpegCount, r->jpg, "v3 layout");
	EQ(v->ofaCount, r->ofa, "v3 layout: ofaCount @36");
	if (!mem_ok(r, v->memorySizeMB))
		fail_msg("%s: v3 memorySizeMB (@40) %llu is none of the reference values (%s)",
			 r->name, v->memorySizeMB, REF_A100);
	TRUE(memchr(v->name, '\0', sizeof v->name) != NULL, "v3 name NUL-terminated");
	STREQ(v->name, want, "nvml-mig.md §1.3: v3 name @48 is \"MIG <name>\"");
	EQ(v->capabilities, 0,
	   "nvml-mig.md §1.3: v3 capabilities @144; no P2P (mig-profiles.md §0) and no GFX on A100");
}

static void test_gi_profiles_a100(void **state)
{
	nvmlDevice_t d;
	unsigned idx;

	(void)state;
	migsim_ok("init --gpus A100-SXM4-80GB");
	OK(NV(nvmlInit_v2)());
	d = device(0);
	enable_mig_ampere(d, 0);

	for (idx = 0; idx < NVML_GPU_INSTANCE_PROFILE_COUNT; idx++) {
		const struct gip_ref *r = a100_by_index(idx);
		nvmlGpuInstanceProfileInfo_t v1;
		nvmlGpuInstanceProfileInfo_v2_t v2, byid;
		nvmlGpuInstanceProfileInfo_v3_t v3;
		nvmlReturn_t rc;

		memset(&v1, 0xff, sizeof v1);
		memset(&v2, 0xff, sizeof v2);
		memset(&v3, 0xff, sizeof v3);
		v2.version = nvmlGpuInstanceProfileInfo_v2;
		v3.version = nvmlGpuInstanceProfileInfo_v3;
		if (r == NULL) {
			RC(NV(nvmlDeviceGetGpuInstanceProfileInfo)(d, idx, &v1), NVML_ERROR_NOT_SUPPORTED,
			   "nvml-mig.md §1.4: an index the GPU lacks is NOT_SUPPORTED");
			RC(NV(nvmlDeviceGetGpuInstanceProfileInfoV)(d, idx, &v2), NVML_ERROR_NOT_SUPPORTED,
			   "nvml-mig.md §1.4: an index the GPU lacks is NOT_SUPPORTED (V, v2)");
			RC(NV(nvmlDeviceGetGpuInstanceProfileInfoV)(d, idx, (nvmlGpuInstanceProfileInfo_v2_t *)&v3),
			   NVML_ERROR_NOT_SUPPORTED,
			   "nvml-mig.md §1.4: an index the GPU lacks is NOT_SUPPORTED (V, v3)");
			continue;
		}
		rc = NV(nvmlDeviceGetGpuInstanceProfileInfo)(d, idx, &v1);
		if (rc != NVML_SUCCESS)
			fail_msg("index %u (%s): nvmlDeviceGetGpuInstanceProfileInfo returned %s; ref: %s",
				 idx, r->name, rc_name(rc), REF_A100);
		EQ(v1.id, r->id, "v1 id is the profile ID, not the index (nvml-mig.md §2.2)");
		EQ(v1.isP2pSupported, 0, "mig-profiles.md §0");
		EQ(v1.sliceCount, r->slices, REF_A100);
		EQ(v1.instanceCount, r->max, REF_A100);
		EQ(v1.multiprocessorCount, r->sm, REF_A100);
		EQ(v1.copyEngineCount, r->ce, REF_A100);
		EQ(v1.decoderCount, r->dec, REF_A100);
		EQ(v1.encoderCount, r->enc, REF_A100);
		EQ(v1.jpegCount, r->jpg, REF_A100);
		EQ(v1.ofaCount, r->ofa, REF_A100);
		if (!mem_ok(r, v1.memorySizeMB))
			fail_msg("%s: v1 memorySizeMB %llu is none of the reference values (%s)",
				 r->name, v1.memorySizeMB, REF_A100);

		rc = NV(nvmlDeviceGetGpuInstanceProfileInfoV)(d, idx, &v2);
		if (rc != NVML_SUCCESS)
			fail_msg("index %u (%s): ProfileInfoV with version 0x%08X returned %s; ref: "
				 "nvml-mig.md §1.1 (v2 = 0x02000098, pynvml's default)",
				 idx, r->name, nvmlGpuInstanceProfileInfo_v2, rc_name(rc));
		check_gi_profile_v2(&v2, r);
		EQ(v2.memorySizeMB, v1.memorySizeMB, "v1 and v2 report the same memory");

		/* go-nvml passes a v3 struct through the v2 parameter. */
		rc = NV(nvmlDeviceGetGpuInstanceProfileInfoV)(d, idx,
							      (nvmlGpuInstanceProfileInfo_v2_t *)&v3);
		if (rc != NVML_SUCCESS)
			fail_msg("index %u (%s): ProfileInfoV with version 0x%08X returned %s; ref: "
				 "nvml-mig.md §1.1 (v3 = 0x03000098, go-nvml V3())",
				 idx, r->name, nvmlGpuInstanceProfileInfo_v3, rc_name(rc));
		check_gi_profile_v3(&v3, r);

		memset(&byid, 0xff, sizeof byid);
		byid.version = nvmlGpuInstanceProfileInfo_v2;
		OK(NV(nvmlDeviceGetGpuInstanceProfileInfoByIdV)(d, r->id, &byid));
		check_gi_profile_v2(&byid, r);
	}
	{
		nvmlGpuInstanceProfileInfo_t v1;
		nvmlGpuInstanceProfileInfo_v2_t v2;
		static const unsigned bad[] = { 0, 0x01000098, 0x04000098, 0x02000090, 0x020000A0,
						0x0300008C, 0x02000088 };
		unsigned i;

		RC(NV(nvmlDeviceGetGpuInstanceProfileInfo)(d, NVML_GPU_INSTANCE_PROFILE_COUNT, &v1),
		   NVML_ERROR_INVALID_ARGUMENT,
		   "nvml-mig.md §1.4 / §5.3: enumerate until INVALID_ARGUMENT (index COUNT)");
		RC(NV(nvmlDeviceGetGpuInstanceProfileInfo)(d, 1000, &v1), NVML_ERROR_INVALID_ARGUMENT,
		   "nvml-mig.md §1.4: index past the end");
		memset(&v2, 0, sizeof v2);
		v2.version = nvmlGpuInstanceProfileInfo_v2;
		RC(NV(nvmlDeviceGetGpuInstanceProfileInfoV)(d, NVML_GPU_INSTANCE_PROFILE_COUNT, &v2),
		   NVML_ERROR_INVALID_ARGUMENT, "nvml-mig.md §1.4: index past the end (V)");
		for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			memset(&v2, 0, sizeof v2);
			v2.version = bad[i];
			if (NV(nvmlDeviceGetGpuInstanceProfileInfoV)(d, NVML_GPU_INSTANCE_PROFILE_3_SLICE,
								     &v2) !=
			    NVML_ERROR_ARGUMENT_VERSION_MISMATCH)
				fail_msg("ProfileInfoV with version word 0x%08X did not return "
					 "NVML_ERROR_ARGUMENT_VERSION_MISMATCH; ref: nvml-mig.md §1.1 "
					 "(dispatch on the full version word; only 0x02000098/0x03000098)",
					 bad[i]);
		}
	}
}

/* Check the possible placements of each A100 profile; MIG may be off. */
static void check_placements(nvmlDevice_t d, const char *when)
{
	size_t i;

	for (i = 0; i < N_A100; i++) {
		const struct gip_ref *r = &a100_80gb[i];
		nvmlGpuInstancePlacement_t pl[16];
		unsigned count = 0, j;
		nvmlReturn_t rc;

		rc = NV(nvmlDeviceGetGpuInstancePossiblePlacements_v2)(d, r->id, NULL, &count);
		if (rc != NVML_SUCCESS)
			fail_msg("%s: placements of %s (ID %u) with a NULL buffer returned %s; ref: "
				 "nvml-mig.md §2.3/§5.4 (NULL returns the count, regardless of MIG mode)",
				 when, r->name, r->id, rc_name(rc));
		EQ(count, r->n_place, "nvml-mig.md §2.3 / mig-profiles.md §2.1 placements count");
		memset(pl, 0xff, sizeof pl);
		count = r->n_place;
		OK(NV(nvmlDeviceGetGpuInstancePossiblePlacements_v2)(d, r->id, pl, &count));
		EQ(count, r->n_place, "placement count with a buffer");
		for (j = 0; j < r->n_place; j++) {
			if (pl[j].start != r->starts[j] || pl[j].size != r->size)
				fail_msg("%s: placement %u of %s is %u:%u, expected %u:%u; ref: "
					 "mig-profiles.md §2.1 / nvml-mig.md §2.3 (-lgipp order)",
					 when, j, r->name, pl[j].start, pl[j].size, r->starts[j],
					 r->size);
		}
		if (r->n_place > 1) {
			count = r->n_place - 1;
			RC(NV(nvmlDeviceGetGpuInstancePossiblePlacements_v2)(d, r->id, pl, &count),
			   NVML_ERROR_INSUFFICIENT_SIZE,
			   "nvml-mig.md §2.3: a buffer shorter than the placement count");
		}
	}
}

static void test_gi_placements_a100(void **state)
{
	nvmlGpuInstancePlacement_t pl[8];
	nvmlGpuInstance_t gi;
	unsigned count = 8;
	nvmlDevice_t d;

	(void)state;
	OK(NV(nvmlInit_v2)());
	d = device(0);
	check_mig_mode(d, 0, 0, "new machine");
	check_placements(d, "MIG disabled");
	RC(NV(nvmlDeviceGetGpuInstancePossiblePlacements_v2)(d, 9, pl, NULL),
	   NVML_ERROR_INVALID_ARGUMENT, "nvml.h: count NULL is INVALID_ARGUMENT");
	TRUE(NV(nvmlDeviceGetGpuInstancePossiblePlacements_v2)(d, 1, pl, &count) != NVML_SUCCESS,
	     "profile ID 1 does not exist on an A100 (mig-profiles.md §2.1)");
	/* Placements ignore occupancy (§2.3). */
	enable_mig_ampere(d, 0);
	gi = create_gi_at(d, 9, 4, 4, 2, "nvml-mig.md §2.4");
	check_placements(d, "MIG enabled, a 3g at 4:4");
	OK(NV(nvmlGpuInstanceDestroy)(gi));
}

/* === 5. GPU instances ====================================================== */

/* Two 3g on an empty A100: 4:4 then 0:4; GI IDs per `swapped`. */
static void two_3g(nvmlDevice_t d, bool swapped)
{
	const char *ref = swapped
		? "mig-profiles.md §3 half-swapped mapping (4:4 -> 1, 0:4 -> 2); nvml-mig.md §2.5 (`-cgi 9,9` on A100-80GB -> GI 1 at 4:4, GI 2 at 0:4)"
		: "nvml-mig.md §2.4 (3g,3g: 4:4 then 0:4) and §2.5 identity mapping (GI 2 then 1)";
	nvmlGpuInstance_t a, b, c = NULL, list[4];
	nvmlGpuInstanceInfo_t ia, ib;
	unsigned count, i;
	bool seen_a = false, seen_b = false;

	EQ(gi_remaining(d, 9), 2, "nvml-mig.md §2.3 remaining capacity on an empty GPU = instanceCount");
	a = create_gi_at(d, 9, 4, 4, swapped ? 1 : 2, ref);
	EQ(gi_remaining(d, 9), 1, "nvml-mig.md §2.3 remaining capacity after one 3g");
	b = create_gi_at(d, 9, 0, 4, swapped ? 2 : 1, ref);
	EQ(gi_remaining(d, 9), 0, "nvml-mig.md §2.3 remaining capacity after two 3g");
	EQ(gi_remaining(d, 19), 0, "a full GPU has no room for a 1g (§2.3, `0/7`)");
	RC(NV(nvmlDeviceCreateGpuInstance)(d, 9, &c), NVML_ERROR_INSUFFICIENT_RESOURCES,
	   "nvml-mig.md §5.7 / sim.h sim_create_gi: INSUFFICIENT_RESOURCES when no placement fits");

	/* GetGpuInstances with a buffer of instanceCount elements (go-nvml). */
	count = 2;
	memset(list, 0, sizeof list);
	OK(NV(nvmlDeviceGetGpuInstances)(d, 9, list, &count));
	EQ(count, 2, "nvml-mig.md §1.2 GetGpuInstances: count is the number of GIs of the profile");
	ia = gi_info(a);
	ib = gi_info(b);
	for (i = 0; i < count; i++) {
		nvmlGpuInstanceInfo_t x = gi_info(list[i]);

		seen_a |= x.id == ia.id;
		seen_b |= x.id == ib.id;
		TRUE(x.profileId == 9 && x.device == d, "GetGpuInstances returns GIs of the profile");
	}
	TRUE(seen_a && seen_b, "GetGpuInstances lists both created GIs");
	count = 7;
	OK(NV(nvmlDeviceGetGpuInstances)(d, 19, list, &count));
	EQ(count, 0, "no 1g GIs exist");
	for (i = 0; i < 2; i++) {
		nvmlGpuInstanceInfo_t want = i ? ib : ia, got;
		nvmlGpuInstance_t h = NULL;

		OK(NV(nvmlDeviceGetGpuInstanceById)(d, want.id, &h));
		got = gi_info(h);
		EQ(got.id, want.id, "nvml-mig.md §2.5 GetGpuInstanceById finds the GI");
		EQ(got.placement.start, want.placement.start, "GetGpuInstanceById: same GI");
		EQ(got.profileId, 9, "GetGpuInstanceById: same GI");
	}
	{
		nvmlGpuInstance_t h = NULL;

		RC(NV(nvmlDeviceGetGpuInstanceById)(d, 0, &h), NVML_ERROR_NOT_FOUND,
		   "nvml-mig.md §1.2 GetGpuInstanceById -> NOT_FOUND if absent");
		RC(NV(nvmlDeviceGetGpuInstanceById)(d, 7, &h), NVML_ERROR_NOT_FOUND,
		   "nvml-mig.md §1.2 GetGpuInstanceById -> NOT_FOUND if absent");
	}
	OK(NV(nvmlGpuInstanceDestroy)(a));
	EQ(gi_remaining(d, 9), 1, "destroy frees the placement");
	{
		nvmlGpuInstance_t h = NULL;

		RC(NV(nvmlDeviceGetGpuInstanceById)(d, ia.id, &h), NVML_ERROR_NOT_FOUND,
		   "a destroyed GI is NOT_FOUND");
	}
	OK(NV(nvmlGpuInstanceDestroy)(b));
	EQ(gi_remaining(d, 9), 2, "destroy frees the placement");
	count = 2;
	OK(NV(nvmlDeviceGetGpuInstances)(d, 9, list, &count));
	EQ(count, 0, "no GIs left");
}

/* The legacy v1 calls as early MIG drivers had them: placements want a
 * buffer and MIG on (nvml-mig.md §1.2, §2.3); CI info v1 ends before
 * `placement` (added with _v2), so it must not write past that. */
static void test_legacy_v1_calls(void **state)
{
	nvmlGpuInstancePlacement_t pl[8];
	nvmlComputeInstance_t ci;
	nvmlGpuInstance_t gi;
	unsigned count = 8;
	unsigned char buf[sizeof(nvmlComputeInstanceInfo_t) + 8];
	nvmlComputeInstanceInfo_t info;
	nvmlDevice_t d;

	(void)state;
	migsim_ok("init --gpus A100-SXM4-80GB");
	OK(NV(nvmlInit_v2)());
	d = device(0);
	RC(NV(nvmlDeviceGetGpuInstancePossiblePlacements)(d, 9, pl, &count),
	   NVML_ERROR_NOT_SUPPORTED, "nvml-mig.md §2.3: v1 required MIG enabled");
	count = 8;
	OK(NV(nvmlDeviceGetGpuInstancePossiblePlacements_v2)(d, 9, pl, &count));
	EQ(count, 2, "§2.3: v2 lists placements with MIG disabled");
	enable_mig_ampere(d, 0);
	RC(NV(nvmlDeviceGetGpuInstancePossiblePlacements)(d, 9, NULL, &count),
	   NVML_ERROR_INVALID_ARGUMENT, "nvml-mig.md §2.3: v1 required a buffer");
	count = 8;
	OK(NV(nvmlDeviceGetGpuInstancePossiblePlacements)(d, 9, pl, &count));
	EQ(count, 2, "mig-profiles.md: 3g.40gb {0,4}:4");
	EQ(pl[1].start, 4, "3g.40gb second start");
	EQ(pl[1].size, 4, "3g.40gb size");

	gi = create_gi_at(d, 9, 4, 4, 2, "nvml-mig.md §2.4: the first 3g goes to 4:4");
	OK(NV(nvmlGpuInstanceCreateComputeInstance)(gi, 1, &ci));
	memset(buf, 0xA5, sizeof(buf));
	OK(NV(nvmlComputeInstanceGetInfo)(ci, buf));
	for (size_t i = offsetof(nvmlComputeInstanceInfo_t, placement); i < sizeof(buf); i++)
		EQ(buf[i], 0xA5, "v1 nvmlComputeInstanceInfo_t ends before placement (§1.2: v2 fills it)");
	memcpy(&info, buf, offsetof(nvmlComputeInstanceInfo_t, placement));
	EQ(info.profileId, 1, "v1 still gives the CI profile ID");
	OK(NV(nvmlComputeInstanceDestroy)(ci));
	OK(NV(nvmlGpuInstanceDestroy)(gi));
}

static void test_gi_lifecycle_identity(void **state)
{
	nvmlDevice_t d;

	(void)state;
	migsim_ok("init --gpus A100-SXM4-80GB");
	OK(NV(nvmlInit_v2)());
	d = device(0);
	enable_mig_ampere(d, 0);
	two_3g(d, false);
}

static void test_gi_lifecycle_swapped(void **state)
{
	nvmlDevice_t d0, d1;

	(void)state;
	/* --swapped takes GPU indices: GPU 1 is half-swapped, GPU 0 is not. */
	migsim_ok("init --gpus A100-SXM4-80GB:2 --swapped 1");
	OK(NV(nvmlInit_v2)());
	d0 = device(0);
	d1 = device(1);
	enable_mig_ampere(d0, 0);
	enable_mig_ampere(d1, 1);
	two_3g(d1, true);
	two_3g(d0, false);
}

struct step {
	unsigned profile, start, size, id;
};

/* Create `n` GIs in order, checking placement and ID; destroy them all. */
static void run_sequence(nvmlDevice_t d, const struct step *s, size_t n, const char *ref)
{
	nvmlGpuInstance_t gis[8];
	size_t i;

	for (i = 0; i < n; i++) {
		nvmlGpuInstance_t gi = NULL;
		nvmlGpuInstanceInfo_t info;
		nvmlReturn_t rc = NV(nvmlDeviceCreateGpuInstance)(d, s[i].profile, &gi);

		if (rc != NVML_SUCCESS)
			fail_msg("step %zu (profile %u): create returned %s; ref: %s", i,
				 s[i].profile, rc_name(rc), ref);
		info = gi_info(gi);
		if (info.placement.start != s[i].start || info.placement.size != s[i].size ||
		    info.id != s[i].id)
			fail_msg("step %zu (profile %u): placed at %u:%u with GI ID %u, expected "
				 "%u:%u GI %u; ref: %s",
				 i, s[i].profile, info.placement.start, info.placement.size, info.id,
				 s[i].start, s[i].size, s[i].id, ref);
		gis[i] = gi;
	}
	for (i = n; i-- > 0;)
		OK(NV(nvmlGpuInstanceDestroy)(gis[i]));
}

static void test_gi_auto_placement_sequences(void **state)
{
	static const struct step ones[] = {
		{ 19, 6, 1, 13 }, { 19, 4, 1, 11 }, { 19, 5, 1, 12 }, { 19, 0, 1, 7 },
		{ 19, 1, 1, 8 },  { 19, 2, 1, 9 },  { 19, 3, 1, 10 },
	};
	static const struct step mixed[] = {
		{ 9, 4, 4, 2 }, { 19, 0, 1, 7 }, { 14, 2, 2, 4 }, { 19, 1, 1, 8 },
	};
	static const struct step two_g_first[] = {
		{ 14, 4, 2, 5 }, { 19, 6, 1, 13 }, { 19, 0, 1, 7 },
		{ 19, 1, 1, 8 }, { 19, 2, 1, 9 },  { 19, 3, 1, 10 },
	};
	static const struct step fails[] = {
		{ 19, 6, 1, 13 }, { 19, 4, 1, 11 }, { 14, 0, 2, 3 },
	};
	nvmlGpuInstance_t gi = NULL, list[8];
	unsigned count;
	nvmlDevice_t d;

	(void)state;
	migsim_ok("init --gpus A100-SXM4-80GB");
	OK(NV(nvmlInit_v2)());
	d = device(0);
	enable_mig_ampere(d, 0);
	run_sequence(d, ones, 7, "nvml-mig.md §2.4 row A100 1g x7: 6,4,5,0,1,2,3 (->13,11,12,7,8,9,10)");
	run_sequence(d, mixed, 4, "nvml-mig.md §2.4 row 3g,1g,2g,1g: 4:4, 0, 2:2, 1 (->2,7,4,8)");
	run_sequence(d, two_g_first, 6, "nvml-mig.md §2.4 row 2g, 1g x5: 4:2, 6, 0,1,2,3 (->5,13,7,8,9,10)");

	/* 1g,1g,2g,3g: the 3g does not fit (§2.4, mig-profiles.md §5). */
	{
		nvmlGpuInstance_t made[3];
		unsigned i;

		for (i = 0; i < 3; i++) {
			nvmlGpuInstanceInfo_t info;

			OK(NV(nvmlDeviceCreateGpuInstance)(d, fails[i].profile, &made[i]));
			info = gi_info(made[i]);
			if (info.placement.start != fails[i].start || info.id != fails[i].id)
				fail_msg("1g,1g,2g,3g step %u: at %u:%u GI %u, expected %u:%u GI %u; "
					 "ref: nvml-mig.md §2.4 row 1g,1g,2g,3g (6, 4, 0:2 -> 13,11,3)",
					 i, info.placement.start, info.placement.size, info.id,
					 fails[i].start, fails[i].size, fails[i].id);
		}
		RC(NV(nvmlDeviceCreateGpuInstance)(d, 9, &gi), NVML_ERROR_INSUFFICIENT_RESOURCES,
		   "nvml-mig.md §2.4 / mig-profiles.md §5: 1g,1g,2g,3g fails on the 3g with Insufficient Resources");
		count = 8;
		OK(NV(nvmlDeviceGetGpuInstances)(d, 9, list, &count));
		EQ(count, 0, "a failed create leaves no GI");
		for (i = 3; i-- > 0;)
			OK(NV(nvmlGpuInstanceDestroy)(made[i]));
	}
}

static void test_gi_with_placement(void **state)
{
	nvmlGpuInstancePlacement_t p;
	nvmlGpuInstance_t gi = NULL, other = NULL;
	nvmlGpuInstanceInfo_t info;
	nvmlDevice_t d;
	unsigned count;

	(void)state;
	migsim_ok("init --gpus A100-SXM4-80GB");
	OK(NV(nvmlInit_v2)());
	d = device(0);
	p.start = 0;
	p.size = 4;
	RC(NV(nvmlDeviceCreateGpuInstanceWithPlacement)(d, 9, &p, &gi), NVML_ERROR_NOT_SUPPORTED,
	   "sim.h sim_create_gi: NOT_SUPPORTED while MIG is disabled");
	enable_mig_ampere(d, 0);

	OK(NV(nvmlDeviceCreateGpuInstanceWithPlacement)(d, 9, &p, &gi));
	info = gi_info(gi);
	EQ(info.placement.start, 0, "CreateGpuInstanceWithPlacement uses the given placement");
	EQ(info.placement.size, 4, "CreateGpuInstanceWithPlacement uses the given placement");
	EQ(info.id, 1, "mig-profiles.md §3 identity mapping: 0:4 -> GI 1");

	RC(NV(nvmlDeviceCreateGpuInstanceWithPlacement)(d, 9, &p, &other),
	   NVML_ERROR_INSUFFICIENT_RESOURCES,
	   "sim.h sim_create_gi: placement occupied -> INSUFFICIENT_RESOURCES (nvml-mig.md §2.3 [U])");
	p.start = 1;
	p.size = 1;
	RC(NV(nvmlDeviceCreateGpuInstanceWithPlacement)(d, 19, &p, &other),
	   NVML_ERROR_INSUFFICIENT_RESOURCES,
	   "sim.h sim_create_gi: overlapping placement -> INSUFFICIENT_RESOURCES (nvml-mig.md §2.3)");
	p.start = 2;
	p.size = 4;
	RC(NV(nvmlDeviceCreateGpuInstanceWithPlacement)(d, 9, &p, &other),
	   NVML_ERROR_INVALID_ARGUMENT,
	   "nvml-mig.md §2.3 / sim.h: a placement not listed ({0,4}:4 for ID 9) -> INVALID_ARGUMENT");
	p.start = 4;
	p.size = 3;
	RC(NV(nvmlDeviceCreateGpuInstanceWithPlacement)(d, 9, &p, &other),
	   NVML_ERROR_INVALID_ARGUMENT, "nvml-mig.md §2.3: wrong size -> INVALID_ARGUMENT");
	p.start = 7;
	p.size = 1;
	RC(NV(nvmlDeviceCreateGpuInstanceWithPlacement)(d, 19, &p, &other),
	   NVML_ERROR_INVALID_ARGUMENT,
	   "mig-profiles.md §2.1/§3: 1g at 7:1 is never listed -> INVALID_ARGUMENT");
	p.start = 4;
	p.size = 4;
	RC(NV(nvmlDeviceCreateGpuInstanceWithPlacement)(d, 1, &p, &other),
	   NVML_ERROR_INVALID_ARGUMENT, "sim.h sim_create_gi: unknown profile -> INVALID_ARGUMENT");
	count = 2;
	{
		nvmlGpuInstance_t list[2];

		OK(NV(nvmlDeviceGetGpuInstances)(d, 9, list, &count));
		EQ(count, 1, "failed creates change nothing");
	}
	OK(NV(nvmlDeviceCreateGpuInstanceWithPlacement)(d, 9, &p, &other));
	info = gi_info(other);
	EQ(info.id, 2, "mig-profiles.md §3 identity mapping: 4:4 -> GI 2");
	EQ(info.placement.start, 4, "given placement");
	OK(NV(nvmlGpuInstanceDestroy)(other));
	OK(NV(nvmlGpuInstanceDestroy)(gi));
}

/* === 6. compute instances ================================================== */

static void test_ci_profiles(void **state)
{
	nvmlGpuInstance_t gi;
	nvmlDevice_t d;
	unsigned id;

	(void)state;
	migsim_ok("init --gpus A100-SXM4-80GB");
	OK(NV(nvmlInit_v2)());
	d = device(0);
	enable_mig_ampere(d, 0);
	gi = create_gi_at(d, 9, 4, 4, 2, "nvml-mig.md §2.4/§2.5");

	for (id = 0; id < NVML_COMPUTE_INSTANCE_PROFILE_COUNT; id++) {
		const struct cip_ref *r = id < 3 ? &a100_3g_cis[id] : NULL;
		nvmlComputeInstanceProfileInfo_t v1;
		nvmlComputeInstanceProfileInfo_v2_t v2;
		nvmlComputeInstanceProfileInfo_v3_t v3;
		char want[64];
		nvmlReturn_t rc;

		memset(&v1, 0xff, sizeof v1);
		memset(&v2, 0xff, sizeof v2);
		memset(&v3, 0xff, sizeof v3);
		v2.version = nvmlComputeInstanceProfileInfo_v2;
		v3.version = nvmlComputeInstanceProfileInfo_v3;
		if (r == NULL) {
			RC(NV(nvmlGpuInstanceGetComputeInstanceProfileInfoV)(gi, id, 0, &v2),
			   NVML_ERROR_NOT_SUPPORTED,
			   "nvml-mig.md §1.4: CI profile the 3g GI lacks (4g has no 3c; 3g has only 1c/2c/3c) -> NOT_SUPPORTED");
			continue;
		}
		snprintf(want, sizeof want, "MIG %s", r->name);
		OK(NV(nvmlGpuInstanceGetComputeInstanceProfileInfo)(gi, id, 0, &v1));
		EQ(v1.id, r->id, "nvml-mig.md §2.2: CI profile ID = CI profile index");
		EQ(v1.sliceCount, r->slices, REF_CI);
		EQ(v1.instanceCount, r->max, REF_CI);
		EQ(v1.multiprocessorCount, r->sm, REF_CI);
		EQ(v1.sharedCopyEngineCount, 3, REF_CI);
		EQ(v1.sharedDecoderCount, 2, REF_CI);
		EQ(v1.sharedEncoderCount, 0, REF_CI);
		EQ(v1.sharedJpegCount, 0, REF_CI);
		EQ(v1.sharedOfaCount, 0, REF_CI);

		rc = NV(nvmlGpuInstanceGetComputeInstanceProfileInfoV)(gi, id, 0, &v2);
		if (rc != NVML_SUCCESS)
			fail_msg("CI profile %u: V with version 0x%08X returned %s; ref: nvml-mig.md "
				 "§1.1 (CI v2 = 0x02000088)",
				 id, nvmlComputeInstanceProfileInfo_v2, rc_name(rc));
		EQ(v2.version, nvmlComputeInstanceProfileInfo_v2, "version left as given");
		EQ(v2.id, r->id, REF_CI);
		EQ(v2.sliceCount, r->slices, REF_CI);
		EQ(v2.instanceCount, r->max, REF_CI);
		EQ(v2.multiprocessorCount, r->sm, REF_CI);
		EQ(v2.sharedCopyEngineCount, 3, REF_CI);
		EQ(v2.sharedDecoderCount, 2, REF_CI);
		EQ(v2.sharedOfaCount, 0, REF_CI);
		TRUE(memchr(v2.name, '\0', sizeof v2.name) != NULL, "v2 name NUL-terminated");
		STREQ(v2.name, want,
		      "nvml-mig.md §2.6 naming (<C>c. omitted when C == G) / mig-profiles.md §4.1 (e.g. MIG 1c.3g.40gb, MIG 3g.40gb)");

		rc = NV(nvmlGpuInstanceGetComputeInstanceProfileInfoV)(
			gi, id, 0, (nvmlComputeInstanceProfileInfo_v2_t *)&v3);
		if (rc != NVML_SUCCESS)
			fail_msg("CI profile %u: V with version 0x%08X returned %s; ref: nvml-mig.md "
				 "§1.1 (CI v3 = 0x0300008C)",
				 id, nvmlComputeInstanceProfileInfo_v3, rc_name(rc));
		EQ(v3.id, r->id, REF_CI);
		EQ(v3.sliceCount, r->slices, REF_CI);
		EQ(v3.multiprocessorCount, r->sm, REF_CI);
		STREQ(v3.name, want, "nvml-mig.md §1.3 CI v3 name @40");
		EQ(v3.capabilities, 0, "nvml-mig.md §1.3 CI v3 capabilities @136: no GFX on A100");
	}
	{
		nvmlComputeInstanceProfileInfo_v2_t v2;
		static const unsigned bad[] = { 0, 0x01000088, 0x02000098, 0x0300008C + 4,
						0x04000088, 0x03000098 };
		unsigned i;

		memset(&v2, 0, sizeof v2);
		v2.version = nvmlComputeInstanceProfileInfo_v2;
		RC(NV(nvmlGpuInstanceGetComputeInstanceProfileInfoV)(gi, NVML_COMPUTE_INSTANCE_PROFILE_COUNT,
								      0, &v2),
		   NVML_ERROR_INVALID_ARGUMENT, "nvml-mig.md §1.4: CI index past the end");
		RC(NV(nvmlGpuInstanceGetComputeInstanceProfileInfoV)(gi, 0,
								      NVML_COMPUTE_INSTANCE_ENGINE_PROFILE_COUNT,
								      &v2),
		   NVML_ERROR_INVALID_ARGUMENT,
		   "nvml-mig.md §1.4: engProfile must be < ENGINE_PROFILE_COUNT (1)");
		for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			memset(&v2, 0, sizeof v2);
			v2.version = bad[i];
			if (NV(nvmlGpuInstanceGetComputeInstanceProfileInfoV)(gi, 0, 0, &v2) !=
			    NVML_ERROR_ARGUMENT_VERSION_MISMATCH)
				fail_msg("CI ProfileInfoV with version word 0x%08X did not return "
					 "NVML_ERROR_ARGUMENT_VERSION_MISMATCH; ref: nvml-mig.md §1.1 "
					 "(only 0x02000088 / 0x0300008C)",
					 bad[i]);
		}
	}
	/* CI placements, NULL-count protocol (§1.2). */
	for (id = 0; id < 3; id++) {
		const struct cip_ref *r = &a100_3g_cis[id];
		nvmlComputeInstancePlacement_t pl[8];
		unsigned count = 0, j;

		OK(NV(nvmlGpuInstanceGetComputeInstancePossiblePlacements)(gi, id, NULL, &count));
		EQ(count, r->n_place, "mig-profiles.md §4.3: 3g GI 1c {0,1,2}:1, 2c {0,1}:2 (1:2 from seed 001), 3c {0}:3");
		count = r->n_place;
		memset(pl, 0xff, sizeof pl);
		OK(NV(nvmlGpuInstanceGetComputeInstancePossiblePlacements)(gi, id, pl, &count));
		for (j = 0; j < r->n_place; j++)
			if (pl[j].start != r->starts[j] || pl[j].size != r->slices)
				fail_msg("CI placement %u of %s is %u:%u, expected %u:%u; ref: "
					 "mig-profiles.md §4.3",
					 j, r->name, pl[j].start, pl[j].size, r->starts[j], r->slices);
	}
	OK(NV(nvmlGpuInstanceDestroy)(gi));
}

static void test_ci_lifecycle(void **state)
{
	nvmlComputeInstance_t cis[3], extra = NULL, list[4];
	nvmlComputeInstancePlacement_t p;
	nvmlGpuInstance_t gi;
	nvmlDevice_t d;
	unsigned i, count, n;

	(void)state;
	migsim_ok("init --gpus A100-SXM4-80GB");
	OK(NV(nvmlInit_v2)());
	d = device(0);
	enable_mig_ampere(d, 0);
	gi = create_gi_at(d, 9, 4, 4, 2, "nvml-mig.md §2.4/§2.5");

	OK(NV(nvmlGpuInstanceGetComputeInstanceRemainingCapacity)(gi, 0, &n));
	EQ(n, 3, "mig-profiles.md §4.1: 3 x 1c in a 3g");
	for (i = 0; i < 3; i++) {
		nvmlComputeInstanceInfo_t info;

		OK(NV(nvmlGpuInstanceCreateComputeInstance)(gi, 0, &cis[i]));
		info = ci_info(cis[i]);
		EQ(info.id, i, "nvml-mig.md §2.6: CI IDs lowest free, observed 0,1,2");
		EQ(info.placement.start, i,
		   "mig-profiles.md §4.3: three 1c.3g at 0:1, 1:1, 2:1 (ComputeInstanceGetInfo_v2 fills placement)");
		EQ(info.placement.size, 1, "mig-profiles.md §4.3");
		EQ(info.profileId, 0, "CI profile ID");
		TRUE(info.device == d, "nvmlComputeInstanceInfo_t.device is the parent GPU handle (§1.3)");
		TRUE(info.gpuInstance == gi, "nvmlComputeInstanceInfo_t.gpuInstance is the GI handle (§1.3)");
		OK(NV(nvmlGpuInstanceGetComputeInstanceRemainingCapacity)(gi, 0, &n));
		EQ(n, 2 - i, "CI remaining capacity counts down");
	}
	RC(NV(nvmlGpuInstanceCreateComputeInstance)(gi, 0, &extra),
	   NVML_ERROR_INSUFFICIENT_RESOURCES, "a fourth 1c in a 3g does not fit");
	RC(NV(nvmlGpuInstanceCreateComputeInstance)(gi, 2, &extra),
	   NVML_ERROR_INSUFFICIENT_RESOURCES, "the whole-GI 3g CI does not fit beside 1c CIs");
	count = 3;
	OK(NV(nvmlGpuInstanceGetComputeInstances)(gi, 0, list, &count));
	EQ(count, 3, "GetComputeInstances lists the three 1c");
	for (i = 0; i < 3; i++) {
		nvmlComputeInstance_t h = NULL;

		OK(NV(nvmlGpuInstanceGetComputeInstanceById)(gi, i, &h));
		EQ(ci_info(h).id, i, "GetComputeInstanceById finds the CI");
		EQ(ci_info(h).placement.start, i, "GetComputeInstanceById: same CI");
	}
	{
		nvmlComputeInstance_t h = NULL;

		RC(NV(nvmlGpuInstanceGetComputeInstanceById)(gi, 3, &h), NVML_ERROR_NOT_FOUND,
		   "GetComputeInstanceById of an absent CI -> NOT_FOUND");
	}

	RC(NV(nvmlGpuInstanceDestroy)(gi), NVML_ERROR_IN_USE,
	   "nvml-mig.md §2.8: GI destroy -> IN_USE while compute instances exist");
	OK(NV(nvmlComputeInstanceDestroy)(cis[1]));
	OK(NV(nvmlGpuInstanceCreateComputeInstance)(gi, 0, &extra));
	EQ(ci_info(extra).id, 1, "nvml-mig.md §2.6: the lowest free CI ID is reused");
	EQ(ci_info(extra).placement.start, 1, "nvml-mig.md §2.6 / ARCHITECTURE.md: lowest free start");
	cis[1] = extra;
	for (i = 0; i < 3; i++)
		OK(NV(nvmlComputeInstanceDestroy)(cis[i]));
	count = 3;
	OK(NV(nvmlGpuInstanceGetComputeInstances)(gi, 0, list, &count));
	EQ(count, 0, "no CIs left");

	/* With placement. */
	p.start = 2;
	p.size = 1;
	OK(NV(nvmlGpuInstanceCreateComputeInstanceWithPlacement)(gi, 0, &p, &cis[0]));
	EQ(ci_info(cis[0]).placement.start, 2, "CreateComputeInstanceWithPlacement uses the placement");
	EQ(ci_info(cis[0]).id, 0, "lowest free CI ID");
	RC(NV(nvmlGpuInstanceCreateComputeInstanceWithPlacement)(gi, 0, &p, &extra),
	   NVML_ERROR_INSUFFICIENT_RESOURCES, "occupied CI placement");
	p.start = 3;
	RC(NV(nvmlGpuInstanceCreateComputeInstanceWithPlacement)(gi, 0, &p, &extra),
	   NVML_ERROR_INVALID_ARGUMENT, "CI placement not listed ({0,1,2}:1)");
	OK(NV(nvmlComputeInstanceDestroy)(cis[0]));

	OK(NV(nvmlGpuInstanceDestroy)(gi));
	{
		nvmlGpuInstance_t h = NULL;

		RC(NV(nvmlDeviceGetGpuInstanceById)(d, 2, &h), NVML_ERROR_NOT_FOUND,
		   "destroying the CIs then the GI works (nvml-mig.md §2.8)");
	}
}

/* === 7. MIG devices ======================================================== */

static void test_mig_devices(void **state)
{
	static const struct {
		unsigned gi, ci;
		const char *name;
		unsigned sm, ci_slices;
	} want[] = {
		{ 1, 0, "NVIDIA A100-SXM4-80GB MIG 1c.3g.40gb", 14, 1 },
		{ 1, 1, "NVIDIA A100-SXM4-80GB MIG 1c.3g.40gb", 14, 1 },
		{ 2, 0, "NVIDIA A100-SXM4-80GB MIG 3g.40gb", 42, 3 },
	};
	char uuids[3][NVML_DEVICE_UUID_V2_BUFFER_SIZE];
	nvmlGpuInstanceProfileInfo_v2_t p3g;
	nvmlComputeInstance_t ci;
	nvmlGpuInstance_t g2, g1;
	nvmlDevice_t d, other;
	unsigned max = 0, i;

	(void)state;
	OK(NV(nvmlInit_v2)());
	d = device(0);
	other = device(1);
	enable_mig_ampere(d, 0);
	g2 = create_gi_at(d, 9, 4, 4, 2, "nvml-mig.md §2.4/§2.5");
	g1 = create_gi_at(d, 9, 0, 4, 1, "nvml-mig.md §2.4/§2.5");
	/* Created out of index order: GI 2's CI first. */
	OK(NV(nvmlGpuInstanceCreateComputeInstance)(g2, 2, &ci));
	OK(NV(nvmlGpuInstanceCreateComputeInstance)(g1, 0, &ci));
	OK(NV(nvmlGpuInstanceCreateComputeInstance)(g1, 0, &ci));
	memset(&p3g, 0, sizeof p3g);
	p3g.version = nvmlGpuInstanceProfileInfo_v2;
	OK(NV(nvmlDeviceGetGpuInstanceProfileInfoV)(d, NVML_GPU_INSTANCE_PROFILE_3_SLICE, &p3g));

	OK(NV(nvmlDeviceGetMaxMigDeviceCount)(d, &max));
	TRUE(max >= 3, "nvml-mig.md §2.7: MaxMigDeviceCount is the loop bound (> 0, here >= 3 MIG devices)");
	OK(NV(nvmlDeviceGetMaxMigDeviceCount)(other, &i));
	EQ(i, 0, "nvml-mig.md §1.2: MaxMigDeviceCount is 0 where MIG is not enabled (GPU 1)");

	for (i = 0; i < 3; i++) {
		char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
		nvmlDevice_t m = NULL, parent = NULL, back = NULL, again = NULL;
		nvmlDeviceAttributes_t attr;
		nvmlMemory_t mem;
		unsigned v = 99;
		size_t j;

		OK(NV(nvmlDeviceGetMigDeviceHandleByIndex)(d, i, &m));
		OK(NV(nvmlDeviceGetMigDeviceHandleByIndex)(d, i, &again));
		TRUE(again == m, "the same MIG device gives the same handle");
		OK(NV(nvmlDeviceIsMigDeviceHandle)(m, &v));
		EQ(v, 1, "nvml-mig.md §2.7 IsMigDeviceHandle on a MIG handle");
		OK(NV(nvmlDeviceGetGpuInstanceId)(m, &v));
		EQ(v, want[i].gi, "nvml-mig.md §2.7: MIG device index order is ascending (GI ID, CI ID)");
		OK(NV(nvmlDeviceGetComputeInstanceId)(m, &v));
		EQ(v, want[i].ci, "nvml-mig.md §2.7: MIG device index order is ascending (GI ID, CI ID)");
		OK(NV(nvmlDeviceGetDeviceHandleFromMigDeviceHandle)(m, &parent));
		TRUE(parent == d, "nvml-mig.md §2.7 DeviceHandleFromMigDeviceHandle is the parent");
		OK(NV(nvmlDeviceGetIndex)(m, &v));
		EQ(v, i, "nvml-mig.md §1.2: GetIndex on a MIG handle is its MIG device index");
		OK(NV(nvmlDeviceGetName)(m, name, sizeof name));
		STREQ(name, want[i].name,
		      "mig-profiles.md §0: MIG device name = \"<parent name> MIG <CI-profile name>\"");
		uuid_of(m, uuids[i]);
		TRUE(uuid_well_formed(uuids[i], "MIG-", true),
		     "nvml-mig.md §2.7: MIG-xxxxxxxx-xxxx-5xxx-[89ab]xxx-xxxxxxxxxxxx (version 5)");
		for (j = 0; j < i; j++)
			TRUE(strcmp(uuids[i], uuids[j]) != 0, "MIG UUIDs are unique");
		OK(NV(nvmlDeviceGetHandleByUUID)(uuids[i], &back));
		OK(NV(nvmlDeviceIsMigDeviceHandle)(back, &v));
		EQ(v, 1, "nvml-mig.md §1.2: GetHandleByUUID of a MIG UUID returns a MIG device handle");
		OK(NV(nvmlDeviceGetGpuInstanceId)(back, &v));
		EQ(v, want[i].gi, "MIG UUID round-trip: same GI");
		OK(NV(nvmlDeviceGetComputeInstanceId)(back, &v));
		EQ(v, want[i].ci, "MIG UUID round-trip: same CI");
		{
			char u2[NVML_DEVICE_UUID_V2_BUFFER_SIZE];

			uuid_of(back, u2);
			STREQ(u2, uuids[i], "MIG UUID round-trip");
		}

		memset(&attr, 0xff, sizeof attr);
		OK(NV(nvmlDeviceGetAttributes_v2)(m, &attr));
		EQ(attr.multiprocessorCount, want[i].sm,
		   "nvml-mig.md §2.7 attributes per instance: SMs of the CI (mig-profiles.md §4.2: 14 x c)");
		EQ(attr.sharedCopyEngineCount, 3, "mig-profiles.md §4.2: shared engines = the 3g GI's");
		EQ(attr.sharedDecoderCount, 2, "mig-profiles.md §4.2: shared engines = the 3g GI's");
		EQ(attr.gpuInstanceSliceCount, 3, "3g GI: 3 slices");
		EQ(attr.computeInstanceSliceCount, want[i].ci_slices, "CI slices");
		EQ(attr.memorySizeMB, p3g.memorySizeMB,
		   "nvml-mig.md §2.7 / mig-profiles.md §0: MIG device memory = the GI profile's memory");
		memset(&mem, 0, sizeof mem);
		OK(NV(nvmlDeviceGetMemoryInfo)(m, &mem));
		EQ(mem.total, p3g.memorySizeMB << 20,
		   "mig-profiles.md §0: a MIG device's nvmlDeviceGetMemoryInfo.total equals the profile memory");
		EQ(mem.free + mem.used, mem.total, "free + used = total");
	}
	for (i = 3; i < max && i < 64; i++) {
		nvmlDevice_t m = NULL;

		RC(NV(nvmlDeviceGetMigDeviceHandleByIndex)(d, i, &m), NVML_ERROR_NOT_FOUND,
		   "nvml-mig.md §1.2: NOT_FOUND if no MIG device at index");
	}
	{
		nvmlDevice_t m = NULL;
		nvmlReturn_t rc = NV(nvmlDeviceGetMigDeviceHandleByIndex)(d, max, &m);

		TRUE(rc == NVML_ERROR_NOT_FOUND || rc == NVML_ERROR_INVALID_ARGUMENT,
		     "nvml-mig.md §2.7: index >= max -> NOT_FOUND or INVALID_ARGUMENT (go-nvlib skips both)");
	}
}

/* === 8. busy paths ========================================================= */

/* Wait up to 10 s until a process from `root` shows on `dev`; returns its
 * entry. */
static nvmlProcessInfo_t wait_process(nvmlDevice_t dev, pid_t root)
{
	int tries;

	for (tries = 0; tries < 200; tries++) {
		nvmlProcessInfo_t infos[32];
		unsigned count = 32, i;

		memset(infos, 0, sizeof infos);
		OK(NV(nvmlDeviceGetComputeRunningProcesses_v3)(dev, &count, infos));
		for (i = 0; i < count && i < 32; i++)
			if (is_descendant((pid_t)infos[i].pid, root))
				return infos[i];
		sleep_ms(50);
	}
	print_bg_log(root);
	fail_msg("the process of `migsim exec` (pid %d or a child) never showed in "
		 "nvmlDeviceGetComputeRunningProcesses_v3 on its device within 10 s; "
		 "ref: sim.h struct sim_process (registered by `migsim exec`), nvml-mig.md §1.2",
		 (int)root);
	/* not reached */
	return (nvmlProcessInfo_t){ 0, 0, 0, 0 };
}

static void test_busy_ci_process(void **state)
{
	char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
	nvmlComputeInstance_t ci;
	nvmlProcessInfo_t pi;
	nvmlGpuInstance_t gi;
	nvmlDevice_t d, m;
	pid_t pid;
	nvmlReturn_t act;

	(void)state;
	migsim_ok("init --gpus A100-SXM4-80GB");
	OK(NV(nvmlInit_v2)());
	d = device(0);
	enable_mig_ampere(d, 0);
	gi = create_gi_at(d, 9, 4, 4, 2, "nvml-mig.md §2.4/§2.5");
	OK(NV(nvmlGpuInstanceCreateComputeInstance)(gi, 0, &ci));
	OK(NV(nvmlGpuInstanceCreateComputeInstance)(gi, 0, &ci));
	EQ(ci_info(ci).id, 1, "second 1c gets CI ID 1");
	OK(NV(nvmlDeviceGetMigDeviceHandleByIndex)(d, 1, &m));
	uuid_of(m, uuid);

	pid = migsim_exec_bg(uuid);
	pi = wait_process(m, pid);
	EQ(pi.gpuInstanceId, 2, "nvml-mig.md §1.2 nvmlProcessInfo_t.gpuInstanceId of a MIG process");
	EQ(pi.computeInstanceId, 1, "nvml-mig.md §1.2 nvmlProcessInfo_t.computeInstanceId of a MIG process");
	{
		nvmlDevice_t m0;
		nvmlProcessInfo_t infos[8];
		unsigned count = 8, i;

		OK(NV(nvmlDeviceGetMigDeviceHandleByIndex)(d, 0, &m0));
		OK(NV(nvmlDeviceGetComputeRunningProcesses_v3)(m0, &count, infos));
		for (i = 0; i < count; i++)
			TRUE(infos[i].pid != pi.pid, "the process runs on CI 1 only, not on CI 0");
	}

	RC(NV(nvmlComputeInstanceDestroy)(ci), NVML_ERROR_IN_USE,
	   "nvml-mig.md §2.8: ComputeInstanceDestroy -> IN_USE if processes run on the CI");
	RC(NV(nvmlDeviceSetMigMode)(d, NVML_DEVICE_MIG_DISABLE, &act), NVML_ERROR_IN_USE,
	   "sim.h sim_set_mig_mode: IN_USE if processes run on the GPU");
	check_mig_mode(d, 1, 1, "a refused mode change changes nothing");
	{
		char out[4096];
		int rc = migsim(out, sizeof out, "reset -i 0");

		TRUE(rc != 0, "sim.h sim_reset_gpu: IN_USE (non-zero exit) while processes run");
		check_mig_mode(d, 1, 1, "a refused reset changes nothing");
		EQ(ci_info(ci).id, 1, "a refused reset keeps the instances");
	}

	kill_bg(pid);
	TRUE(kill((pid_t)pi.pid, 0) != 0, "the exec'd process is gone");
	RC(NV(nvmlComputeInstanceDestroy)(ci), NVML_SUCCESS,
	   "sim.h sim_open: registered processes whose PID is gone are dropped; destroy then succeeds");
	{
		nvmlProcessInfo_t infos[8];
		unsigned count = 8;

		OK(NV(nvmlDeviceGetComputeRunningProcesses_v3)(d, &count, infos));
		EQ(count, 0, "no processes left on the GPU");
	}
}

static void test_busy_gpu_process_mode_change(void **state)
{
	char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
	nvmlReturn_t act = NVML_ERROR_UNKNOWN;
	nvmlGpuInstance_t gi = NULL;
	nvmlProcessInfo_t pi;
	nvmlDevice_t d;
	pid_t pid;

	(void)state;
	migsim_ok("init --gpus H100-SXM5-80GB");
	OK(NV(nvmlInit_v2)());
	d = device(0);
	uuid_of(d, uuid);

	pid = migsim_exec_bg(uuid);
	pi = wait_process(d, pid);
	EQ(pi.gpuInstanceId, NVML_VALUE_NOT_AVAILABLE_UINT,
	   "nvml-mig.md §1.2: gpuInstanceId = 0xFFFFFFFF when not MIG");
	EQ(pi.computeInstanceId, NVML_VALUE_NOT_AVAILABLE_UINT,
	   "nvml-mig.md §1.2: computeInstanceId = 0xFFFFFFFF when not MIG");
	RC(NV(nvmlDeviceSetMigMode)(d, NVML_DEVICE_MIG_ENABLE, &act), NVML_ERROR_IN_USE,
	   "sim.h sim_set_mig_mode: IN_USE if processes run on the GPU (nvml-mig.md §2.1: daemons holding the GPU must stop first)");
	check_mig_mode(d, 0, 0, "a refused mode change changes nothing");
	kill_bg(pid);
	OK(NV(nvmlDeviceSetMigMode)(d, NVML_DEVICE_MIG_ENABLE, &act));
	check_mig_mode(d, 1, 1, "after the process is gone the mode change works (Hopper: immediate)");

	/* First GI while a process holds the GPU: IN_USE (§2.1). */
	pid = migsim_exec_bg(uuid);
	(void)wait_process(d, pid);
	RC(NV(nvmlDeviceCreateGpuInstance)(d, 19, &gi), NVML_ERROR_IN_USE,
	   "nvml-mig.md §2.1/§5.7 / sim.h sim_create_gi: first GI while processes run -> IN_USE");
	kill_bg(pid);
	gi = create_gi_at(d, 19, 6, 1, 13, "nvml-mig.md §2.4 (H100 1g first at 6 -> GI 13)");
	OK(NV(nvmlGpuInstanceDestroy)(gi));
}

/* === 9. non-root =========================================================== */

static void test_non_root(void **state)
{
	char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
	nvmlGpuInstanceProfileInfo_v2_t v2;
	nvmlGpuInstancePlacement_t pl[4];
	nvmlReturn_t act = NVML_ERROR_UNKNOWN;
	nvmlGpuInstance_t gi = NULL;
	nvmlDevice_t d;
	unsigned n = 0;

	(void)state;
	migsim_ok("init --gpus A100-SXM4-80GB --non-root");
	OK(NV(nvmlInit_v2)());
	OK(NV(nvmlDeviceGetCount_v2)(&n));
	EQ(n, 1, "reads work for a non-root user");
	d = device(0);
	OK(NV(nvmlDeviceGetName)(d, name, sizeof name));
	STREQ(name, "NVIDIA A100-SXM4-80GB", "reads work for a non-root user");
	RC(NV(nvmlDeviceSetMigMode)(d, NVML_DEVICE_MIG_ENABLE, &act), NVML_ERROR_NO_PERMISSION,
	   "nvml-mig.md §2.1 (SetMigMode requires root) / sim.h non_root: NO_PERMISSION");
	check_mig_mode(d, 0, 0, "reads work; a refused set changes nothing");
	RC(NV(nvmlDeviceCreateGpuInstance)(d, 9, &gi), NVML_ERROR_NO_PERMISSION,
	   "nvml-mig.md §2.9 (create requires a privileged user) / sim.h non_root: mutating calls NO_PERMISSION");
	memset(&v2, 0, sizeof v2);
	v2.version = nvmlGpuInstanceProfileInfo_v2;
	n = 4;
	OK(NV(nvmlDeviceGetGpuInstancePossiblePlacements_v2)(d, 9, pl, &n));
	EQ(n, 2, "placements are readable");
}

/* === 10. fault injection ================================================== */

static void test_fault_injection(void **state)
{
	nvmlGpuInstance_t gi = NULL, list[2];
	unsigned count;
	nvmlDevice_t d;

	(void)state;
	migsim_ok("init --gpus A100-SXM4-80GB");
	OK(NV(nvmlInit_v2)());
	d = device(0);
	enable_mig_ampere(d, 0);
	migsim_ok("fault add --call nvmlDeviceCreateGpuInstance --error 23 --count 1");
	RC(NV(nvmlDeviceCreateGpuInstance)(d, 9, &gi), NVML_ERROR_INSUFFICIENT_RESOURCES,
	   "sim.h struct sim_fault: the next `count` calls return `error`");
	EQ(gi_remaining(d, 9), 2, "sim.h sim_fault: an injected failure does nothing");
	count = 2;
	OK(NV(nvmlDeviceGetGpuInstances)(d, 9, list, &count));
	EQ(count, 0, "sim.h sim_fault: an injected failure creates nothing");
	gi = create_gi_at(d, 9, 4, 4, 2, "sim.h sim_fault: --count 1 fails only one call");
	OK(NV(nvmlGpuInstanceDestroy)(gi));

	/* A fault on one function does not touch another. */
	migsim_ok("fault add --call nvmlGpuInstanceDestroy --error 19 --count 1");
	gi = create_gi_at(d, 9, 4, 4, 2, "a fault on nvmlGpuInstanceDestroy does not affect create");
	RC(NV(nvmlGpuInstanceDestroy)(gi), NVML_ERROR_IN_USE, "injected IN_USE on destroy");
	EQ(gi_info(gi).id, 2, "the GI is still there");
	OK(NV(nvmlGpuInstanceDestroy)(gi));
}

/* `migsim ARGS` succeeds and its output contains (want) or lacks `needle`. */
static void migsim_has(const char *args, const char *needle, bool want, const char *ref)
{
	char out[65536];
	int rc = migsim(out, sizeof out, "%s", args);

	if (rc != 0)
		fail_msg("`migsim %s` exited %d:\n%s", args, rc, out);
	if ((strstr(out, needle) != NULL) != want)
		fail_msg("`migsim %s` output %s \"%s\"; ref: %s\n%s", args,
			 want ? "lacks" : "has", needle, ref, out);
}

static unsigned gi_count(nvmlDevice_t d, unsigned profile)
{
	nvmlGpuInstance_t list[8];
	unsigned count = 8;

	OK(NV(nvmlDeviceGetGpuInstances)(d, profile, list, &count));
	return count;
}

static void test_fault_after(void **state)
{
	nvmlGpuInstancePlacement_t pl;
	nvmlGpuInstance_t gi = NULL, gis[4];
	nvmlDevice_t d;
	unsigned n, i;

	(void)state;
	migsim_ok("init --gpus A100-SXM4-80GB");
	OK(NV(nvmlInit_v2)());
	d = device(0);
	enable_mig_ampere(d, 0);
	migsim_ok("fault add --call nvmlDeviceCreateGpuInstanceWithPlacement "
		  "--error INSUFFICIENT_RESOURCES --after 2");
	migsim_has("show -o json", "\"skip\": 2", true, "sim.h struct sim_fault: stored as \"skip\"");

	/* Another call, even of the same family, does not count. */
	gi = create_gi_at(d, 9, 4, 4, 2, "a fault on ...WithPlacement does not affect CreateGpuInstance");
	OK(NV(nvmlGpuInstanceDestroy)(gi));
	migsim_has("show -o json", "\"skip\": 2", true,
		   "sim.h sim_fault_apply: only matching calls count the skip down");

	/* 1g.10gb (profile 19) at 0, 1: pass; at 2: fails; at 2 again: passes. */
	for (i = 0; i < 2; i++) {
		pl = (nvmlGpuInstancePlacement_t){ i, 1 };
		RC(NV(nvmlDeviceCreateGpuInstanceWithPlacement)(d, 19, &pl, &gis[i]), NVML_SUCCESS,
		   "sim.h struct sim_fault: --after 2 lets the first two calls run normally");
	}
	migsim_has("show -o json", "\"skip\": 0", true,
		   "sim.h struct sim_fault: each passing call counts the skip down in the state");
	pl = (nvmlGpuInstancePlacement_t){ 2, 1 };
	RC(NV(nvmlDeviceCreateGpuInstanceWithPlacement)(d, 19, &pl, &gis[2]),
	   NVML_ERROR_INSUFFICIENT_RESOURCES, "sim.h struct sim_fault: --after 2 fails the third call");
	EQ(gi_count(d, 19), 2, "sim.h struct sim_fault: the failed third call creates nothing");
	migsim_has("fault list", "no faults", true, "sim.h struct sim_fault: a --count 1 fault is spent");
	RC(NV(nvmlDeviceCreateGpuInstanceWithPlacement)(d, 19, &pl, &gis[2]), NVML_SUCCESS,
	   "sim.h struct sim_fault: the fault is gone after firing once");
	EQ(gi_count(d, 19), 3, "three 1g GIs");
	for (i = 0; i < 3; i++)
		OK(NV(nvmlGpuInstanceDestroy)(gis[i]));

	/* On a read call, registered under the base name of a versioned one:
	 * the call upgrades to the exclusive lock to count the skip down. */
	migsim_ok("fault add --call nvmlDeviceGetCount --error UNKNOWN --after 1 --count 1");
	OK(NV(nvmlDeviceGetCount_v2)(&n));
	RC(NV(nvmlDeviceGetCount_v2)(&n), NVML_ERROR_UNKNOWN,
	   "sim.h struct sim_fault: base-name fault with --after 1 fails the second call");
	OK(NV(nvmlDeviceGetCount_v2)(&n));
	EQ(n, 1, "one GPU");
}

static void test_fault_mutating_class(void **state)
{
	nvmlComputeInstance_t ci = NULL, cis[2];
	nvmlGpuInstance_t gi = NULL;
	nvmlDevice_t d;
	unsigned count;
	int (*reset_gpu)(unsigned);
	void *sym;

	(void)state;
	migsim_ok("init --gpus H100-SXM5-80GB");
	OK(NV(nvmlInit_v2)());
	d = device(0);
	{
		nvmlReturn_t act;

		OK(NV(nvmlDeviceSetMigMode)(d, NVML_DEVICE_MIG_ENABLE, &act));
	}
	migsim_ok("fault add --call mutating --error IN_USE --after 2");
	gi = create_gi_at(d, 9, 4, 4, 2, "sim.h SIM_FAULT_MUTATING: the first mutating call passes");
	count = 2;
	OK(NV(nvmlGpuInstanceGetComputeInstances)(gi, NVML_COMPUTE_INSTANCE_PROFILE_3_SLICE, cis, &count));
	EQ(count, 0, "reads do not count for the mutating class");
	OK(NV(nvmlGpuInstanceCreateComputeInstance)(gi, NVML_COMPUTE_INSTANCE_PROFILE_3_SLICE, &ci));
	RC(NV(nvmlComputeInstanceDestroy)(ci), NVML_ERROR_IN_USE,
	   "sim.h SIM_FAULT_MUTATING: --after 2 hits the third mutating call, a destroy");
	count = 2;
	OK(NV(nvmlGpuInstanceGetComputeInstances)(gi, NVML_COMPUTE_INSTANCE_PROFILE_3_SLICE, cis, &count));
	EQ(count, 1, "the failed destroy left the CI in place");

	/* Faults apply in the order they were added: the class fault added
	 * first wins over an exact-name fault added after it. */
	migsim_ok("fault add --call mutating --error INSUFFICIENT_RESOURCES");
	migsim_ok("fault add --call nvmlComputeInstanceDestroy --error NOT_FOUND");
	RC(NV(nvmlComputeInstanceDestroy)(ci), NVML_ERROR_INSUFFICIENT_RESOURCES,
	   "sim.h struct sim_fault: the first fault added that matches applies");
	RC(NV(nvmlComputeInstanceDestroy)(ci), NVML_ERROR_NOT_FOUND,
	   "sim.h struct sim_fault: then the next one");
	OK(NV(nvmlComputeInstanceDestroy)(ci));
	OK(NV(nvmlGpuInstanceDestroy)(gi));

	/* migsimResetGpu is in the class. */
	dlerror();
	sym = dlsym(lib, "migsimResetGpu");
	TRUE(sym != NULL, "the simulator exports migsimResetGpu");
	memcpy(&reset_gpu, &sym, sizeof sym);
	migsim_ok("fault add --call mutating --error NO_PERMISSION");
	EQ(reset_gpu(0), NVML_ERROR_NO_PERMISSION, "sim.h sim_mutating_calls: migsimResetGpu is mutating");
	check_mig_mode(d, 1, 1, "the refused reset changed nothing");
	EQ(reset_gpu(0), NVML_SUCCESS, "the fault is spent");
	check_mig_mode(d, 0, 0, "sim.h sim_reset_gpu: Hopper comes back with MIG disabled");
}

/* A client killed right after its k-th mutating call (k = 3): two calls
 * pass (one in this process, one in the child: the skip count is shared
 * through the state), the third does its work, which is committed, and the
 * child dies by SIGKILL before the call returns. */
static void test_fault_kill(void **state)
{
	nvmlGpuInstance_t gi = NULL, gis[2];
	nvmlComputeInstance_t cis[2];
	nvmlDevice_t d;
	unsigned count, total = 0, i;
	pid_t child;
	int st;

	(void)state;
	migsim_ok("init --gpus H100-SXM5-80GB");
	OK(NV(nvmlInit_v2)());
	d = device(0);
	{
		nvmlReturn_t act;

		OK(NV(nvmlDeviceSetMigMode)(d, NVML_DEVICE_MIG_ENABLE, &act));
	}
	migsim_ok("fault add --call mutating --error kill --after 2");
	migsim_has("show -o json", "\"error\": -1", true, "sim.h SIM_FAULT_KILL is stored as error -1");
	gi = create_gi_at(d, 9, 4, 4, 2, "sim.h SIM_FAULT_KILL: a skipped call runs normally");
	migsim_has("show -o json", "\"skip\": 1", true, "the first mutating call counted the skip down");

	(void)&NV(nvmlInit_v2);
	(void)&NV(nvmlShutdown);
	(void)&NV(nvmlDeviceGetHandleByIndex_v2);
	(void)&NV(nvmlDeviceCreateGpuInstance);
	(void)&NV(nvmlGpuInstanceCreateComputeInstance);
	fflush(NULL);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		nvmlComputeInstance_t cc;
		nvmlGpuInstance_t cg;
		nvmlDevice_t cd;
		int code = 0, j;

		for (j = 0; j < 32 && nv.nvmlShutdown() == NVML_SUCCESS; j++)
			;
		if (nv.nvmlInit_v2() != NVML_SUCCESS)
			code = 1;
		else if (nv.nvmlDeviceGetHandleByIndex_v2(0, &cd) != NVML_SUCCESS)
			code = 2;
		else if (nv.nvmlDeviceCreateGpuInstance(cd, 9, &cg) != NVML_SUCCESS)
			code = 3;
		else if (nv.nvmlGpuInstanceCreateComputeInstance(
				 cg, NVML_COMPUTE_INSTANCE_PROFILE_3_SLICE, &cc) != NVML_SUCCESS)
			code = 4;
		else
			code = 5; /* the call returned: the kill did not happen */
		_exit(code);
	}
	assert_int_equal(waitpid(child, &st, 0), child);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		fail_msg("the child was to die by SIGKILL in its second mutating call; status 0x%x "
			 "(exit 1 init, 2 handle, 3 create GI, 4 create CI, 5 not killed); "
			 "ref: sim.h SIM_FAULT_KILL", st);

	/* The killed call's work is committed: a second GI with one CI. */
	EQ(gi_count(d, 9), 2, "the child's GI (the second mutating call) exists");
	count = 2;
	OK(NV(nvmlDeviceGetGpuInstances)(d, 9, gis, &count));
	for (i = 0; i < count; i++) {
		unsigned n = 2;

		OK(NV(nvmlGpuInstanceGetComputeInstances)(gis[i], NVML_COMPUTE_INSTANCE_PROFILE_3_SLICE,
							  cis, &n));
		total += n;
		if (gis[i] == gi)
			EQ(n, 0, "this process's GI has no CI");
	}
	EQ(total, 1, "sim.h SIM_FAULT_KILL: the killed call's CI is committed");
	migsim_has("fault list", "no faults", true, "sim.h SIM_FAULT_KILL: the fault is consumed");

	/* Mutating calls work normally again: clean up. */
	for (i = 0; i < count; i++) {
		unsigned n = 2, j;

		OK(NV(nvmlGpuInstanceGetComputeInstances)(gis[i], NVML_COMPUTE_INSTANCE_PROFILE_3_SLICE,
							  cis, &n));
		for (j = 0; j < n; j++)
			OK(NV(nvmlComputeInstanceDestroy)(cis[j]));
		OK(NV(nvmlGpuInstanceDestroy)(gis[i]));
	}
	EQ(gi_count(d, 9), 0, "every GI destroyed");
}

/* === 11. persistence across processes ===================================== */

static void test_persistence_cli_sees_library(void **state)
{
	char gpu_uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE], mig_uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
	char out[65536];
	nvmlComputeInstance_t ci;
	nvmlGpuInstance_t gi;
	nvmlDevice_t d, m;
	int rc;

	(void)state;
	migsim_ok("init --gpus H100-SXM5-80GB");
	OK(NV(nvmlInit_v2)());
	d = device(0);
	uuid_of(d, gpu_uuid);
	{
		nvmlReturn_t act;

		OK(NV(nvmlDeviceSetMigMode)(d, NVML_DEVICE_MIG_ENABLE, &act));
	}
	gi = create_gi_at(d, 14, 4, 2, 5, "nvml-mig.md §2.4 (2g first at 4:2 -> GI 5)");
	OK(NV(nvmlGpuInstanceCreateComputeInstance)(gi, 1, &ci));
	OK(NV(nvmlDeviceGetMigDeviceHandleByIndex)(d, 0, &m));
	uuid_of(m, mig_uuid);

	/* While this process holds the library open, another reads the state. */
	rc = migsim(out, sizeof out, "show -o json");
	if (rc != 0)
		fail_msg("`migsim show -o json` exited %d while a client holds the library:\n%s", rc,
			 out);
	TRUE(strstr(out, gpu_uuid) != NULL, "`migsim show -o json` shows the GPU UUID");
	TRUE(strstr(out, "\"profile_id\": 14") != NULL,
	     "`migsim show -o json` shows the 2g.20gb GI (profile 14) created through the library in this process");
	TRUE(strstr(out, "\"mig_current\": true") != NULL,
	     "`migsim show -o json` shows the MIG mode set through the library");

	/* Handles stay valid across calls and across other processes' writes. */
	migsim_ok("fault add --call nvmlDeviceGetCount_v2 --error 999 --count 1");
	{
		char u2[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
		unsigned n;

		RC(NV(nvmlDeviceGetCount_v2)(&n), NVML_ERROR_UNKNOWN,
		   "a fault added by another process is seen by this one");
		OK(NV(nvmlDeviceGetCount_v2)(&n));
		uuid_of(m, u2);
		STREQ(u2, mig_uuid, "a MIG handle stays valid across calls");
		EQ(ci_info(ci).id, 0, "a CI handle stays valid across calls");
		EQ(gi_info(gi).id, 5, "a GI handle stays valid across calls");
	}
	OK(NV(nvmlComputeInstanceDestroy)(ci));
	OK(NV(nvmlGpuInstanceDestroy)(gi));
	rc = migsim(out, sizeof out, "show -o json");
	if (rc != 0)
		fail_msg("`migsim show -o json` exited %d:\n%s", rc, out);
	TRUE(strstr(out, "\"profile_id\": 14") == NULL && strstr(out, "\"gpu_instances\": []") != NULL,
	     "`migsim show -o json` no longer shows the GI destroyed through the library");
}

static void test_persistence_library_sees_other_processes(void **state)
{
	nvmlGpuInstance_t gi = NULL;
	nvmlDevice_t d;
	pid_t child;
	int st;

	(void)state;
	migsim_ok("init --gpus H100-SXM5-80GB");
	OK(NV(nvmlInit_v2)());
	d = device(0);
	{
		nvmlReturn_t act;

		OK(NV(nvmlDeviceSetMigMode)(d, NVML_DEVICE_MIG_ENABLE, &act));
	}
	/* Another client process (same library, its own init) creates a GI.
	 * Resolve what it calls first: the child uses the pointers directly. */
	(void)&NV(nvmlInit_v2);
	(void)&NV(nvmlShutdown);
	(void)&NV(nvmlDeviceGetHandleByIndex_v2);
	(void)&NV(nvmlDeviceCreateGpuInstance);
	fflush(NULL);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		nvmlGpuInstance_t cg;
		nvmlDevice_t cd;
		int code = 0, i;

		/* Drop the init inherited from the parent: start as a fresh client. */
		for (i = 0; i < 32 && nv.nvmlShutdown() == NVML_SUCCESS; i++)
			;
		if (nv.nvmlInit_v2() != NVML_SUCCESS)
			code = 1;
		else if (nv.nvmlDeviceGetHandleByIndex_v2(0, &cd) != NVML_SUCCESS)
			code = 2;
		else if (nv.nvmlDeviceCreateGpuInstance(cd, 9, &cg) != NVML_SUCCESS)
			code = 3;
		else if (nv.nvmlShutdown() != NVML_SUCCESS)
			code = 4;
		_exit(code);
	}
	assert_int_equal(waitpid(child, &st, 0), child);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("the second client process failed (status 0x%x: 1 init, 2 handle, 3 create "
			 "GI, 4 shutdown)", st);
	OK(NV(nvmlDeviceGetGpuInstanceById)(d, 2, &gi));
	EQ(gi_info(gi).placement.start, 4,
	   "a GI created by another client process is seen here (DESIGN.md: state persists in a directory shared by all processes)");
	EQ(gi_remaining(d, 9), 1, "remaining capacity reflects the other process's GI");

	/* The control tool's reset is seen too: Hopper loses MIG mode. */
	migsim_ok("reset -i 0");
	check_mig_mode(d, 0, 0, "sim.h sim_reset_gpu (Hopper comes back disabled), seen through the same handle");
	{
		nvmlReturn_t rc = NV(nvmlDeviceGetGpuInstanceById)(d, 2, &gi);

		if (rc != NVML_ERROR_NOT_FOUND && rc != NVML_ERROR_NOT_SUPPORTED)
			fail_msg("GetGpuInstanceById(2) after `migsim reset` returned %s, expected "
				 "NOT_FOUND or NOT_SUPPORTED; ref: nvml-mig.md §2.1 (GIs do not survive a reset)",
				 rc_name(rc));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_init_refcount_and_errors),
		T(test_shutdown_releases_state),
		T(test_enumeration_default_machine),
		T(test_hopper_identity),
		T(test_mig_mode_ampere_pending),
		T(test_mig_mode_hopper_immediate),
		T(test_gi_profiles_a100),
		T(test_gi_placements_a100),
		T(test_legacy_v1_calls),
	T(test_gi_lifecycle_identity),
		T(test_gi_lifecycle_swapped),
		T(test_gi_auto_placement_sequences),
		T(test_gi_with_placement),
		T(test_ci_profiles),
		T(test_ci_lifecycle),
		T(test_mig_devices),
		T(test_busy_ci_process),
		T(test_busy_gpu_process_mode_change),
		T(test_non_root),
		T(test_fault_injection),
		T(test_fault_after),
		T(test_fault_mutating_class),
		T(test_fault_kill),
		T(test_persistence_cli_sees_library),
		T(test_persistence_library_sees_other_processes),
#undef T
	};

	return cmocka_run_group_tests_name("sim_conformance", tests, group_setup, group_teardown);
}
