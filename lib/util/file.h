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

/* Read all of `path` ("-": standard input) into *out (malloc'ed, NUL-
 * terminated, caller frees) and its length into *len (the NUL not
 * counted). `what` names the file in messages ("config file"). At most
 * `max` bytes (0: MU_FILE_MAX): a regular file over it is refused by its
 * size, before it is read; a device or a directory is refused as such.
 * MIGCTL_ERR_IO when it cannot be opened,
 * read, or is larger than the cap; *out is NULL on any error. */
enum migctl_err mu_file_read(const char *path, const char *what, size_t max,
			     char **out, size_t *len, struct migctl_error *err);

/* The name of `path` in messages: "<stdin>" for "-". */
const char *mu_file_origin(const char *path);

/* Replace `path` with `len` bytes of `text` atomically: readers see the
 * old file or the new one, never a part (a temp file next to it, synced,
 * then renamed over it; a planted link at the temp name is not followed).
 * Mode 0644. `what` names the file in messages ("gres.conf");
 * MIGCTL_ERR_IO naming the path and the reason. */
enum migctl_err mu_file_write_atomic(const char *path, const char *what, const char *text,
				     size_t len, struct migctl_error *err);

#endif
