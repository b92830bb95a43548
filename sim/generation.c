/* migsim — the state's generation counter, shared by every process that
 * uses one state directory, so that a read needs no lock and no system
 * call while nothing changed (docs/simulator-model.md, "Sharing the
 * state").
 *
 * The counter is the first 8 bytes of DIR/lock, the file every session
 * already flocks: no new file appears in a state directory, and older
 * directories (an empty lock file) start at 0. Each process maps those 8
 * bytes once (MAP_SHARED) and keeps the mapping until sim_forget. A
 * writer adds 1 under the exclusive lock before it replaces machine.json;
 * a reader compares the counter with the one it saw when it last loaded
 * the file under a lock, and only on a difference takes the lock and
 * looks at the file again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"

/* The mapped counter of one state directory, and which lock file it is
 * (a directory removed and made again has a new one). */
static struct {
	_Atomic uint64_t *gen;
	char dir[512];
	dev_t dev;
	ino_t ino;
} shared;

static bool fast_path = true;

void sim_gen_set_fast_path(bool on)
{
	fast_path = on;
}

void sim_gen_unmap(void)
{
	if (shared.gen)
		munmap((void *)shared.gen, sizeof(*shared.gen));
	shared.gen = NULL;
	shared.dir[0] = '\0';
}

bool sim_gen_map(const char *dir, int lock_fd)
{
	struct stat st;

	if (fstat(lock_fd, &st) != 0) {
		sim_gen_unmap();
		return true;
	}
	if (shared.gen && strcmp(shared.dir, dir) == 0 && shared.dev == st.st_dev &&
	    shared.ino == st.st_ino)
		return false;
	sim_gen_unmap();
	/* Growing to 8 bytes is idempotent, so two first users racing here
	 * both end with the same zero counter; the file never shrinks. */
	if (st.st_size < (off_t)sizeof(uint64_t) &&
	    ftruncate(lock_fd, (off_t)sizeof(uint64_t)) != 0)
		return true;
	/* A mapping holds on to the open file it was made from, and with it
	 * any flock taken through that open file: mapped through `lock_fd`,
	 * the session's lock would outlive its close. Map a second opening
	 * of the same file, which is never locked. */
	char path[600];
	struct stat again;
	snprintf(path, sizeof(path), "%s/lock", dir);
	int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return true; /* every call then takes the lock, as without the counter */
	void *p = MAP_FAILED;
	if (fstat(fd, &again) == 0 && again.st_dev == st.st_dev && again.st_ino == st.st_ino)
		p = mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return true;
	shared.gen = p;
	snprintf(shared.dir, sizeof(shared.dir), "%s", dir);
	shared.dev = st.st_dev;
	shared.ino = st.st_ino;
	return true;
}

bool sim_gen_read(const char *dir, uint64_t *out)
{
	if (!fast_path || !shared.gen || strcmp(shared.dir, dir) != 0)
		return false;
	*out = atomic_load_explicit(shared.gen, memory_order_acquire);
	return true;
}

bool sim_gen_bump(const char *dir)
{
	uint64_t v = 0;
	char path[600];
	bool ok;

	if (shared.gen && strcmp(shared.dir, dir) == 0) {
		atomic_fetch_add_explicit(shared.gen, 1, memory_order_acq_rel);
		return true;
	}
	/* Not mapped here (mmap failed): the file is the same counter, and
	 * the exclusive lock orders this with every other writer. */
	snprintf(path, sizeof(path), "%s/lock", dir);
	int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (pread(fd, &v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = 0;
	v++;
	ok = pwrite(fd, &v, sizeof(v), 0) == (ssize_t)sizeof(v);
	close(fd);
	return ok;
}

enum migctl_err sim_state_changed(const char *dir, struct migctl_error *err)
{
	char path[600];
	enum migctl_err rc = MIGCTL_ERR_OK;

	snprintf(path, sizeof(path), "%s/lock", dir);
	int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot open %s: %s", path, strerror(errno));
	while (flock(fd, LOCK_EX) != 0)
		if (errno != EINTR) {
			rc = migctl_fail(err, MIGCTL_ERR_IO, "cannot lock %s: %s", path,
					 strerror(errno));
			break;
		}
	if (rc == MIGCTL_ERR_OK && !sim_gen_bump(dir))
		rc = migctl_fail(err, MIGCTL_ERR_IO, "cannot count a change in %s: %s", path,
				 strerror(errno));
	close(fd);
	return rc;
}
