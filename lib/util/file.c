/* migctl internal — the whole-file reader and the atomic writer (see file.h). */
#include "util/file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

/* As the kernel's limit on links followed in one lookup. */
#define LINKS_MAX 40

const char *mu_file_origin(const char *path)
{
	return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

/* The refusal of a link owned by neither root nor the caller. */
static enum migctl_err untrusted_link(const char *path, const char *what, const char *link,
				      uid_t owner, struct migctl_error *err)
{
	struct passwd pw, *found = NULL;
	char buf[1024];

	getpwuid_r(owner, &pw, buf, sizeof(buf), &found);
	return migctl_fail(err, MIGCTL_ERR_UNSAFE_FILE,
			   "refusing %s %s: the symbolic link %s on its path is owned by uid %u%s%s%s, "
			   "neither root nor you, and could point anywhere; name the file it should "
			   "reach directly, or have root or yourself own the link",
			   what, path, link, (unsigned)owner, found ? " (" : "",
			   found ? found->pw_name : "", found ? ")" : "");
}

/* The path still to walk, with its first component cut off into *name;
 * false at the end. Empty components ("a//b", a trailing '/') are skipped. */
static bool next_component(char **rest, char **name)
{
	char *p = *rest;

	while (*p == '/')
		p++;
	if (!*p)
		return false;
	*name = p;
	p += strcspn(p, "/");
	if (*p)
		*p++ = '\0';
	*rest = p;
	return true;
}

/* Whether no component follows in `rest`. */
static bool at_end(const char *rest)
{
	return rest[strspn(rest, "/")] == '\0';
}

/* The state of one walk: the directory reached, the text still to walk
 * (in buf) and the path walked so far (for messages). */
struct walk {
	int dir;
	char buf[2 * PATH_MAX], walked[PATH_MAX];
	char *rest;
	int links;
};

static int open_root(bool absolute)
{
	return open(absolute ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* Follow the link `name` in w->dir when its owner is trusted: its target
 * goes in front of what is left of the path. */
static enum migctl_err follow(struct walk *w, const char *name, const char *path, const char *what,
			      const char **why, struct migctl_error *err)
{
	char target[PATH_MAX];
	struct stat st;
	int lfd = openat(w->dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n = -1;

	errno = 0;

	/* The owner and the target are read from one descriptor of the link,
	 * so that a link swapped in between cannot pass the check. */
	if (lfd >= 0 && fstat(lfd, &st) == 0 && S_ISLNK(st.st_mode)) {
		if (st.st_uid != 0 && st.st_uid != geteuid()) {
			close(lfd);
			*why = "it is reached through a symbolic link owned by another user";
			return untrusted_link(path, what, w->walked, st.st_uid, err);
		}
		n = readlinkat(lfd, "", target, sizeof(target) - 1);
	}
	/* Not a link any more (swapped since it was looked at): no errno. */
	int e = n < 0 && lfd >= 0 && errno == 0 ? EAGAIN : errno;
	if (lfd >= 0)
		close(lfd);
	if (n < 0 || ++w->links > LINKS_MAX || strlen(w->rest) + (size_t)n + 2 > sizeof(w->buf)) {
		*why = n < 0 ? strerror(e) : strerror(ELOOP);
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot open %s %s: %s; check the path", what,
				   path, *why);
	}
	target[n] = '\0';
	/* What is left goes behind the target, in place (it fits: checked). */
	memmove(w->buf + n + 1, w->rest, strlen(w->rest) + 1);
	memcpy(w->buf, target, (size_t)n);
	w->buf[n] = '/';
	w->rest = w->buf;
	if (target[0] == '/') {
		close(w->dir);
		if ((w->dir = open_root(true)) < 0) {
			*why = strerror(errno);
			return migctl_fail(err, MIGCTL_ERR_IO, "cannot open %s %s: %s", what, path, *why);
		}
		w->walked[0] = '\0';
	} else {
		/* The target is relative to the link's directory. */
		char *slash = strrchr(w->walked, '/');
		*(slash ? slash : w->walked) = '\0';
	}
	return MIGCTL_ERR_OK;
}

/* Open the last component, a regular file, without following anything. */
static enum migctl_err open_last(struct walk *w, const char *name, const struct stat *lst,
				 const char *path, const char *what, size_t max, int *fd,
				 const char **why, struct migctl_error *err)
{
	struct stat st;

	/* A device is refused before it is opened (an open can have effects);
	 * the descriptor is checked again, the name may have changed. */
	if (!S_ISREG(lst->st_mode)) {
		*why = "it is not a regular file";
		return migctl_fail(err, MIGCTL_ERR_IO, "%s %s is not a regular file", what, path);
	}
	*fd = openat(w->dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (*fd < 0) {
		*why = errno == ELOOP ? "it is a symbolic link" : strerror(errno);
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot open %s %s: %s; check the path", what,
				   path, *why);
	}
	if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*why = "it is not a regular file";
		migctl_fail(err, MIGCTL_ERR_IO, "%s %s is not a regular file", what, path);
	} else if (max && (unsigned long long)st.st_size > max) {
		*why = "it is larger than any such file";
		migctl_fail(err, MIGCTL_ERR_IO, "%s %s is larger than %zu bytes; is it the right file?",
			    what, path, max);
	} else if (fcntl(*fd, F_SETFL, 0) != 0) {
		*why = strerror(errno);
		migctl_fail(err, MIGCTL_ERR_IO, "cannot open %s %s: %s", what, path, *why);
	} else {
		return MIGCTL_ERR_OK;
	}
	close(*fd);
	*fd = -1;
	return MIGCTL_ERR_IO;
}

enum migctl_err mu_file_open(const char *path, const char *what, size_t max, unsigned flags,
			     int *fd, const char **why, struct migctl_error *err)
{
	struct walk *w = calloc(1, sizeof(*w));
	const char *reason = NULL;
	enum migctl_err rc = MIGCTL_ERR_OK;
	char *name;

	*fd = -1;
	if (!why)
		why = &reason;
	*why = NULL;
	if (!w)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory opening %s", path);
	w->dir = -1;
	if (!path[0] || strlen(path) >= PATH_MAX) {
		*why = strerror(path[0] ? ENAMETOOLONG : ENOENT);
		rc = migctl_fail(err, MIGCTL_ERR_IO, "cannot open %s %s: %s; check the path", what,
				 path, *why);
		goto out;
	}
	snprintf(w->buf, sizeof(w->buf), "%s", path);
	w->rest = w->buf;
	if ((w->dir = open_root(path[0] == '/')) < 0) {
		*why = strerror(errno);
		rc = migctl_fail(err, MIGCTL_ERR_IO, "cannot open %s %s: %s", what, path, *why);
		goto out;
	}
	if (path[0] == '/')
		w->walked[0] = '\0';
	while (!rc) {
		struct stat st;
		if (!next_component(&w->rest, &name)) {
			*why = "it is not a regular file";
			rc = migctl_fail(err, MIGCTL_ERR_IO, "%s %s is not a regular file", what, path);
			break;
		}
		size_t used = strlen(w->walked);
		snprintf(w->walked + used, sizeof(w->walked) - used, "%s%s",
			 used || path[0] == '/' ? "/" : "", name);
		if (fstatat(w->dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			*why = strerror(errno);
			rc = migctl_fail(err, MIGCTL_ERR_IO, "cannot open %s %s: %s; check the path",
					 what, path, *why);
		} else if (S_ISLNK(st.st_mode) && (flags & MU_OPEN_NO_LINK)) {
			*why = "it is a symbolic link";
			rc = migctl_fail(err, MIGCTL_ERR_IO, "%s %s is a symbolic link; name the file "
					 "itself", what, path);
		} else if (S_ISLNK(st.st_mode)) {
			rc = follow(w, name, path, what, why, err);
		} else if (at_end(w->rest)) {
			rc = open_last(w, name, &st, path, what, max, fd, why, err);
			break;
		} else {
			int next = openat(w->dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (next < 0) {
				*why = strerror(errno);
				rc = migctl_fail(err, MIGCTL_ERR_IO, "cannot open %s %s: %s; check "
						 "the path", what, path, *why);
			} else {
				close(w->dir);
				w->dir = next;
			}
		}
	}
out:
	if (w->dir >= 0)
		close(w->dir);
	free(w);
	return rc;
}

/* The descriptor that `path` names when it is one the caller handed this
 * process (/dev/stdin, /dev/fd/N, /proc/self/fd/N: what a shell's `<(cmd)`
 * and `-f /dev/stdin` give), open on a pipe or a regular file; else -1.
 * Such a descriptor is the caller's own input, like "-", so it is read
 * through a duplicate rather than resolved as a path (its link target,
 * "pipe:[N]", is no path). */
static int caller_fd(const char *path)
{
	static const char *const dirs[] = {"/dev/fd/", "/proc/self/fd/"};
	long n = -1;
	struct stat st;

	if (strcmp(path, "/dev/stdin") == 0)
		n = 0;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && n < 0; i++) {
		size_t l = strlen(dirs[i]);
		char *end;
		if (strncmp(path, dirs[i], l) == 0 && path[l] >= '0' && path[l] <= '9') {
			long v = strtol(path + l, &end, 10);
			if (*end == '\0' && v <= INT_MAX)
				n = v;
		}
	}
	if (n < 0 || fstat((int)n, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode)))
		return -1;
	return fcntl((int)n, F_DUPFD_CLOEXEC, 0);
}

enum migctl_err mu_file_read(const char *path, const char *what, size_t max,
			     char **out, size_t *len, struct migctl_error *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = stdin;
	char *buf = NULL;
	size_t used = 0, cap = 0;
	enum migctl_err rc = MIGCTL_ERR_OK;
	int fd;

	*out = NULL;
	*len = 0;
	if (!max)
		max = MU_FILE_MAX;
	/* A file known to be too large is refused before any byte is read,
	 * and a device or directory is no input at all (/dev/zero never
	 * ends). Standard input, and a pipe the caller handed over, are read
	 * up to the cap. */
	if (!is_stdin) {
		if ((fd = caller_fd(path)) < 0 && (rc = mu_file_open(path, what, max, 0, &fd, NULL, err)))
			return rc;
		if (!(f = fdopen(fd, "rb"))) {
			close(fd);
			return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory reading %s", path);
		}
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
