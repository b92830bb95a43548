/* What the fuzz targets that touch files share: where the simulator's
 * library is (fuzz_cli_sim, fuzz_nvml_node), and where their scratch
 * directory goes (those two and fuzz_checkpoint, which reads journals from
 * a file).
 *
 * The library is found next to the executable (build/fuzz/sim/), so a
 * target runs from any working directory. The scratch directory goes on
 * tmpfs (/dev/shm) where there is one: every change of the simulated
 * machine writes a temp file, syncs and renames it, and a journal is
 * written per input; on a disk's file system that costs more than the
 * code under test. */
#ifndef FUZZ_ENV_H
#define FUZZ_ENV_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* build/fuzz/sim/libnvidia-ml.so.1 beside the running target, into `lib`
 * (PATH_MAX bytes); exits with a message when it is not there. */
static inline void fuzz_sim_lib(const char *target, char *lib, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", lib, len - 32);
	char *slash = n > 0 ? memrchr(lib, '/', (size_t)n) : NULL;

	if (!slash || (strcpy(slash, "/sim/libnvidia-ml.so.1"), access(lib, R_OK) != 0)) {
		fprintf(stderr, "%s: no sim/libnvidia-ml.so.1 next to the executable; run make fuzz\n",
			target);
		exit(1);
	}
}

/* A fresh private directory NAME-XXXXXX on /dev/shm, else /tmp, into `dir`;
 * exits when none can be made. */
static inline void fuzz_scratch_dir(const char *name, char *dir, size_t len)
{
	struct stat st;
	bool shm = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0;

	snprintf(dir, len, "%s/%s-XXXXXX", shm ? "/dev/shm" : "/tmp", name);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "%s: cannot make a scratch directory\n", name);
		exit(1);
	}
}

#endif
