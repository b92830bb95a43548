/* migctl internal — the one whole-file reader, with a size cap, and the one
 * atomic file writer.
 *
 * Configs, hooks files, catalogs and demand files are read whole before
 * they are parsed; the cap keeps a wrong path (a device, a huge log) from
 * filling memory.
 */
#ifndef MIGCTL_UTIL_FILE_H
#define MIGCTL_UTIL_FILE_H

#include <stddef.h>

#include "migctl/error.h"

/* Files larger than this are refused; real inputs are a few KB. */
#define MU_FILE_MAX ((size_t)16 << 20)

/* mu_file_open's flags. */
enum {
	MU_OPEN_NO_LINK = 1, /* no symbolic link at all, even a trusted one */
};

/* Open the file a user named, for reading, as the kernel's
 * protected_symlinks would for a shared directory: the path is resolved
 * one component at a time, and a symbolic link on the way (the file's own,
 * or a directory's) is followed only when it is owned by root or by the
 * effective user. Kubernetes' ConfigMap mounts (config.yaml -> ..data/
 * config.yaml, ..data -> ..2024_...) are links of that kind; a link that
 * another user planted in /tmp is not. The last component is then opened
 * with O_NOFOLLOW and O_NONBLOCK (a FIFO cannot hang the open; it is
 * cleared again) and must be a regular file of at most `max` bytes (0: no
 * cap). Devices are refused before they are opened.
 *
 * *fd: the open descriptor (close-on-exec), -1 on error. `what` names the
 * file in messages. MIGCTL_ERR_UNSAFE_FILE for a link owned by another
 * user (the message names the link, its owner and the fix); MIGCTL_ERR_IO
 * for a path that cannot be opened, a link under MU_OPEN_NO_LINK, a file
 * that is not regular or is over the cap. `why`, when not NULL, gets the
 * reason in a few words ("it is a symbolic link", "it is not a regular
 * file", ...) for callers with messages of their own. */
enum migctl_err mu_file_open(const char *path, const char *what, size_t max, unsigned flags,
			     int *fd, const char **why, struct migctl_error *err);

/* Read all of `path` ("-": standard input) into *out (malloc'ed, NUL-
 * terminated, caller frees) and its length into *len (the NUL not
 * counted). `what` names the file in messages ("config file"). A path
 * naming one of the process's own descriptors on a pipe or a file
 * (/dev/stdin, /dev/fd/N, /proc/self/fd/N: a shell's `<(cmd)`) is read
 * from that descriptor, like "-". Any other file is
 * opened by mu_file_open (links only when trusted, regular files only). At
 * most `max` bytes (0: MU_FILE_MAX): a file over it is refused by its
 * size, before it is read. MIGCTL_ERR_IO when it cannot be opened, read,
 * or is larger than the cap, MIGCTL_ERR_UNSAFE_FILE as mu_file_open; *out
 * is NULL on any error. */
enum migctl_err mu_file_read(const char *path, const char *what, size_t max,
			     char **out, size_t *len, struct migctl_error *err);

/* The name of `path` in messages: "<stdin>" for "-". */
const char *mu_file_origin(const char *path);

/* Replace `path` with `len` bytes of `text` atomically: readers see the
 * old file or the new one, never a part (a temp file next to it, synced,
 * then renamed over it; a planted link at the temp name is not followed,
 * and a link at `path` itself is replaced, never written through).
 * Mode 0644. `what` names the file in messages ("gres.conf");
 * MIGCTL_ERR_IO naming the path and the reason. */
enum migctl_err mu_file_write_atomic(const char *path, const char *what, const char *text,
				     size_t len, struct migctl_error *err);

#endif
