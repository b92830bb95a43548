/* migctl — the apply journal (see lib/apply_impl.h): a JSON-lines file
 * whose header holds the checkpoint of every GPU an apply will change,
 * followed by one line per step begun and done and per GPU event.
 *
 * Every line is appended and fdatasync'ed on its own, so a crash can at
 * most cut the last line short; the reader stops there. The header is
 * written to a temporary file and renamed into place, so the journal
 * either does not exist or starts with a complete header.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apply_impl.h"
#include "migctl/lock.h"
#include "util/file.h"

/* A rename or unlink is durable only once its directory is synced. */
static enum migctl_err sync_dir_of(const char *path, struct migctl_error *err)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot open directory %s: %s", dir,
				   strerror(errno));
	fsync(fd);
	close(fd);
	return MIGCTL_ERR_OK;
}

/* Append `obj` (consumed) as one synced line. */
static enum migctl_err journal_line(struct migctl_journal *j, json_t *obj,
				    struct migctl_error *err)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	enum migctl_err rc = MIGCTL_ERR_OK;

	json_decref(obj);
	if (!text)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	size_t n = strlen(text);
	text[n] = '\n'; /* json_dumps leaves room only for the NUL: rewrite it */
	if (write(j->fd, text, n + 1) != (ssize_t)(n + 1) || fdatasync(j->fd) != 0)
		rc = migctl_fail(err, MIGCTL_ERR_IO, "cannot write the journal %s: %s; nothing "
				 "more is changed", j->path, strerror(errno));
	free(text);
	return rc;
}

enum migctl_err migctl_journal_set_path(struct migctl_journal *j, const char *path,
					struct migctl_error *err)
{
	if (!path || !*path)
		return migctl_fail(err, MIGCTL_ERR_USAGE, "no journal path given");
	if (strlen(path) >= sizeof(j->path))
		return migctl_fail(err, MIGCTL_ERR_USAGE, "the journal path is longer than %zu "
				   "characters; give a shorter one", sizeof(j->path) - 1);
	memcpy(j->path, path, strlen(path) + 1);
	return MIGCTL_ERR_OK;
}

void migctl_journal_remove_stale(const struct migctl_journal *j)
{
	char tmp[sizeof(j->path) + 8];

	snprintf(tmp, sizeof(tmp), "%s.tmp", j->path);
	if (unlink(tmp) == 0)
		sync_dir_of(j->path, NULL);
}

/* The journal's directory, one level created (0700) if missing; an
 * existing one must be a directory of this user or root, so that another
 * user cannot have prepared it (links, or reading the journal). */
static enum migctl_err journal_dir(const char *path, struct migctl_error *err)
{
	char dir[sizeof(((struct migctl_journal *)0)->path)];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return MIGCTL_ERR_OK;
	*slash = '\0';
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return MIGCTL_ERR_OK; /* the open reports it */
	if (lstat(dir, &st) != 0)
		return MIGCTL_ERR_OK;
	if (!S_ISDIR(st.st_mode) || (st.st_uid != geteuid() && st.st_uid != 0))
		return migctl_fail(err, MIGCTL_ERR_NO_PERMISSION,
				   "the journal's directory %s is %s; remove it or give "
				   "another path with --journal", dir, S_ISDIR(st.st_mode)
				   ? "owned by another user" : "not a directory");
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_journal_open(struct migctl_journal *j, const struct migctl_checkpoint *cp,
				    struct migctl_error *err)
{
	char tmp[600];
	enum migctl_err rc;
	/* pid and start: the owner, which recovery leaves alone while it
	 * runs (see migctl_journal_owner). */
	json_t *hdr = json_pack("{s:s,s:i,s:i,s:I,s:I,s:o}", "journal", "migctl", "version", 1,
				"pid", (int)getpid(),
				"start", (json_int_t)migctl_process_self_start(),
				"time", (json_int_t)time(NULL),
				"checkpoint", migctl_checkpoint_json(cp));

	if (!hdr)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	if ((rc = journal_dir(j->path, err))) {
		json_decref(hdr);
		return rc;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", j->path);
	migctl_journal_remove_stale(j);
	j->fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (j->fd < 0) {
		json_decref(hdr);
		return migctl_fail(err, errno == EACCES ? MIGCTL_ERR_NO_PERMISSION : MIGCTL_ERR_IO,
				   "cannot create the journal %s: %s; give another path with "
				   "--journal or run as root", tmp, strerror(errno));
	}
	if ((rc = journal_line(j, hdr, err)))
		goto fail;
	if (rename(tmp, j->path) != 0) {
		rc = migctl_fail(err, MIGCTL_ERR_IO, "cannot create the journal %s: %s", j->path,
				 strerror(errno));
		goto fail;
	}
	if ((rc = sync_dir_of(j->path, err)))
		goto fail;
	return MIGCTL_ERR_OK;
fail:
	close(j->fd);
	j->fd = -1;
	unlink(tmp);
	return rc;
}

void migctl_journal_close(struct migctl_journal *j, bool remove)
{
	if (j->fd < 0)
		return;
	close(j->fd);
	j->fd = -1;
	if (remove) {
		unlink(j->path);
		sync_dir_of(j->path, NULL);
	}
}

enum migctl_err migctl_journal_event(struct migctl_journal *j, const char *uuid,
				     const char *what, struct migctl_error *err)
{
	if (j->fd < 0)
		return MIGCTL_ERR_OK;
	return journal_line(j, json_pack("{s:s,s:s}", "gpu", uuid, "event", what), err);
}

enum migctl_err migctl_journal_step_begin(struct migctl_journal *j, const char *uuid,
					  const char *op, unsigned profile_id,
					  struct migctl_placement gi_placement,
					  struct migctl_error *err)
{
	if (j->fd < 0)
		return MIGCTL_ERR_OK;
	json_t *line = json_pack("{s:s,s:I,s:s,s:i,s:i,s:i,s:s}", "gpu", uuid,
				 "seq", (json_int_t)++j->seq, "op", op,
				 "profile", (int)profile_id, "start", (int)gi_placement.start,
				 "size", (int)gi_placement.size, "phase", "begin");
	return journal_line(j, line, err);
}

enum migctl_err migctl_journal_step_done(struct migctl_journal *j, struct migctl_error *err)
{
	if (j->fd < 0)
		return MIGCTL_ERR_OK;
	return journal_line(j, json_pack("{s:I,s:s}", "seq", (json_int_t)j->seq,
					 "phase", "done"), err);
}

/* The header line: "journal": "migctl" and the checkpoint. */
static enum migctl_err read_header(const char *path, json_t *j, struct migctl_checkpoint *cp,
				   struct migctl_error *err)
{
	json_t *kind = json_object_get(j, "journal");
	if (!json_is_string(kind) || strcmp(json_string_value(kind), "migctl") != 0)
		return migctl_fail(err, MIGCTL_ERR_PARSE,
				   "%s:1: not a migctl journal; move the file away if "
				   "no apply was interrupted", path);
	return migctl_checkpoint_parse_json(cp, path, json_object_get(j, "checkpoint"), err);
}

/* A later line: remember the GPU if it says the GPU settled. */
static enum migctl_err read_event(json_t *j, char (**settled)[96], size_t *n_settled,
				  struct migctl_error *err)
{
	const char *ev = json_string_value(json_object_get(j, "event"));
	const char *uuid = json_string_value(json_object_get(j, "gpu"));
	if (!ev || !uuid || (strcmp(ev, "done") != 0 && strcmp(ev, "rolled-back") != 0))
		return MIGCTL_ERR_OK;
	void *grown = realloc(*settled, (*n_settled + 1) * sizeof(**settled));
	if (!grown)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	*settled = grown;
	snprintf((*settled)[(*n_settled)++], 96, "%s", uuid);
	return MIGCTL_ERR_OK;
}

/* The journal for reading: no link, nothing but a regular file of
 * plausible size (a FIFO cannot hang the open). */
static FILE *open_journal(const char *path, struct migctl_error *err)
{
	const char *why = NULL;
	int fd;
	struct migctl_error ignored;

	if (mu_file_open(path, "journal", MIGCTL_JOURNAL_MAX, MU_OPEN_NO_LINK, &fd, &why, &ignored)) {
		migctl_fail(err, MIGCTL_ERR_IO, "cannot read the journal %s: %s; move it away "
			    "if no apply was interrupted", path, why);
		return NULL;
	}
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		migctl_fail(err, MIGCTL_ERR_IO, "cannot read the journal %s: %s", path,
			    strerror(errno));
	}
	return f;
}

enum migctl_err migctl_journal_read(const char *path, struct migctl_checkpoint *cp,
				    char (**settled)[96], size_t *n_settled,
				    struct migctl_error *err)
{
	FILE *f = open_journal(path, err);
	char *line = NULL;
	size_t cap = 0;
	enum migctl_err rc = MIGCTL_ERR_OK;
	bool header = false;

	*settled = NULL;
	*n_settled = 0;
	if (!f)
		return MIGCTL_ERR_IO;
	while (!rc && getline(&line, &cap, f) > 0) {
		json_t *j = json_loads(line, 0, NULL);
		if (!j) {
			if (!header)
				rc = migctl_fail(err, MIGCTL_ERR_PARSE,
						 "%s:1: not a migctl journal; move the file away if "
						 "no apply was interrupted", path);
			break; /* a torn last line */
		}
		if (!header) {
			header = true;
			rc = read_header(path, j, cp, err);
		} else {
			rc = read_event(j, settled, n_settled, err);
		}
		json_decref(j);
	}
	if (!header && !rc)
		rc = migctl_fail(err, MIGCTL_ERR_PARSE, "%s: empty journal; remove it", path);
	free(line);
	fclose(f);
	if (rc) {
		free(*settled);
		*settled = NULL;
		*n_settled = 0;
	}
	return rc;
}

enum migctl_err migctl_journal_remove(const char *path, struct migctl_error *err)
{
	if (unlink(path) != 0 && errno != ENOENT)
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot remove the journal %s: %s", path,
				   strerror(errno));
	sync_dir_of(path, NULL);
	return MIGCTL_ERR_OK;
}

bool migctl_journal_owner_alive(const char *path, long *pid)
{
	/* Only a regular file of plausible size: a FIFO would block here,
	 * /dev/zero never end a line; the read that follows says why. */
	FILE *f = open_journal(path, NULL);
	char *line = NULL;
	size_t cap = 0;
	bool alive = false;

	*pid = 0;
	if (!f)
		return false;
	if (getline(&line, &cap, f) > 0) {
		json_t *j = json_loads(line, 0, NULL);
		json_t *p = json_object_get(j, "pid"), *s = json_object_get(j, "start");
		/* A journal without a start time (older migctl) has no owner
		 * that can be told from a later process with its PID. */
		if (json_is_integer(p) && json_is_integer(s) && json_integer_value(p) > 0 &&
		    json_integer_value(s) > 0) {
			*pid = (long)json_integer_value(p);
			alive = *pid != (long)getpid() &&
				migctl_process_alive(*pid, (unsigned long long)json_integer_value(s));
		}
		json_decref(j);
	}
	free(line);
	fclose(f);
	return alive;
}
