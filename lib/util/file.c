/* migctl internal — the whole-file reader and the atomic writer (see file.h). */
#include "util/file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

const char *mu_file_origin(const char *path)
{
	return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

enum migctl_err mu_file_read(const char *path, const char *what, size_t max,
			     char **out, size_t *len, struct migctl_error *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	char *buf = NULL;
	size_t used = 0, cap = 0;
	enum migctl_err rc = MIGCTL_ERR_OK;

	*out = NULL;
	*len = 0;
	if (!max)
		max = MU_FILE_MAX;
	if (!f)
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot open %s %s: %s; check the path",
				   what, path, strerror(errno));
	/* A file known to be too large is refused before any byte is read,
	 * and a device or directory is no input at all (/dev/zero never
	 * ends). Pipes and standard input are read up to the cap. */
	struct stat st;
	if (!is_stdin && fstat(fileno(f), &st) == 0) {
		if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISDIR(st.st_mode))
			rc = migctl_fail(err, MIGCTL_ERR_IO, "%s %s is not a regular file", what, path);
		else if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max)
			rc = migctl_fail(err, MIGCTL_ERR_IO,
					 "%s %s is larger than %zu bytes; is it the right file?",
					 what, path, max);
		if (rc)
			goto out;
	}
	for (;;) {
		if (used + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory reading %s", path);
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		size_t got = fread(buf + used, 1, cap - used - 1, f);
		used += got;
		if (used > max) {
			rc = migctl_fail(err, MIGCTL_ERR_IO,
					 "%s %s is larger than %zu bytes; is it the right file?",
					 what, path, max);
			goto out;
		}
		if (got == 0)
			break;
	}
	if (ferror(f))
		rc = migctl_fail(err, MIGCTL_ERR_IO, "cannot read %s %s: %s", what, path,
				 strerror(errno));
out:
	if (!is_stdin)
		fclose(f);
	if (rc) {
		free(buf);
		return rc;
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	return MIGCTL_ERR_OK;
}

enum migctl_err mu_file_write_atomic(const char *path, const char *what, const char *text,
				     size_t len, struct migctl_error *err)
{
	char tmp[4200];
	int fd, e = 0;
	size_t done = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid()) >= sizeof(tmp))
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot write %s %s: the path is too long",
				   what, path);
	/* A fresh temp file: a stale one goes, a planted link is not followed. */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		e = errno;
	while (!e && done < len) {
		ssize_t w = write(fd, text + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			e = w < 0 ? errno : EIO;
		else
			done += (size_t)w;
	}
	if (!e && fsync(fd) != 0)
		e = errno;
	if (fd >= 0 && close(fd) != 0 && !e)
		e = errno;
	if (!e && rename(tmp, path) != 0)
		e = errno;
	if (e) {
		if (fd >= 0)
			unlink(tmp);
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot write %s %s: %s; check the directory and its permissions",
				   what, path, strerror(e));
	}
	return MIGCTL_ERR_OK;
}
