/* migctl CLI — GPU reset on a real driver: the callback the CLI hands the
 * library (migctl_node_options.reset_gpu). It runs NVIDIA's nvidia-smi
 * from a fixed list of absolute paths, never through PATH, and never a
 * candidate that is migctl itself (the README's `ln -s migctl
 * ~/bin/nvidia-smi` personality must not make migctl call itself). */
#ifndef MIGCTL_CLI_GPU_RESET_H
#define MIGCTL_CLI_GPU_RESET_H

#include <stdbool.h>
#include <stddef.h>

/* Where NVIDIA's packages install nvidia-smi, in the order tried. */
extern const char *const cli_nvidia_smi_paths[];

/* The first of `paths` (NULL-terminated) that is absolute, an executable
 * regular file, and does not resolve (realpath) to `self` (the real path
 * of the running program; NULL: not compared). Copies it to `out` and
 * returns true; otherwise false with the reason in `why`. */
bool cli_find_nvidia_smi(const char *const *paths, const char *self, char *out, size_t len,
			 char *why, size_t why_len);

/* Run `SMI --gpu-reset -i BUS_ID` without a shell, its output captured.
 * 0 on success; otherwise -1 with the last line it printed (or how it
 * died) in `why`. */
int cli_run_gpu_reset(const char *smi, const char *bus_id, char *why, size_t why_len);

/* migctl_reset_gpu_fn: cli_find_nvidia_smi over cli_nvidia_smi_paths
 * (excluding /proc/self/exe), then cli_run_gpu_reset. `ctx` is unused. */
int cli_reset_gpu(void *ctx, const char *bus_id, char *why, size_t why_len);

#endif
