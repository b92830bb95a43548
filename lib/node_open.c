/* migctl — opening a node (see migctl/node.h): which NVML library to
 * load, from the caller's options only (the library reads no environment),
 * and closing it. */
#include "node_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The driver branch of the simulated machine in `dir` (450 for
 * "450.80.02"), read from DIR/machine.json; 0 when there is no machine yet
 * or it names no driver (the simulator then runs its newest branch). The
 * simulator writes the file indented with its keys in a fixed order, the
 * driver among the first few, so a look at the head of the file is enough;
 * the rest of a machine with many GPUs is never read. */
static unsigned state_driver_branch(const char *dir)
{
	char path[PATH_MAX], head[1024];
	static const char key[] = "\n \"driver\": \"";
	size_t n;
	FILE *f;

	if (!dir || !*dir)
		return 0;
	node_fmt_cut(path, sizeof(path), "%s/machine.json", dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(head, 1, sizeof(head) - 1, f);
	fclose(f);
	head[n] = '\0';
	const char *at = strstr(head, key);
	if (!at)
		return 0;
	return (unsigned)strtoul(at + sizeof(key) - 1, NULL, 10);
}

/* The simulator's library bundled with migctl: next to the executable in
 * the build tree (build/migctl, build/sim/), or in lib/migctl/ of the
 * installation prefix. A machine of an older driver branch needs that
 * branch's library (sim-<branch>/ in either place), whose exported entry
 * points are that driver's; the newest branch is the plain directory. */
static bool bundled_sim_lib(unsigned branch, char *out, size_t len, char *tried,
			    size_t tried_len)
{
	char exe[PATH_MAX], sub[32] = "";
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	static const char *const rel[] = {"%s/sim%s/libnvidia-ml.so.1",
					  "%s/../lib/migctl%s/libnvidia-ml.so.1"};
	size_t used = 0;

	tried[0] = '\0';
	if (n <= 0) {
		snprintf(tried, tried_len, "(cannot read /proc/self/exe)");
		return false;
	}
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0';
	if (branch && branch < NVML_ERA_LATER)
		snprintf(sub, sizeof(sub), "-%u", branch);
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		/* "sim" + "-450" in the build tree, "lib/migctl" + "/sim-450"
		 * installed. */
		char dir_sub[40];
		snprintf(dir_sub, sizeof(dir_sub), "%s%s", i && sub[0] ? "/sim" : "", sub);
		node_fmt_cut(out, len, rel[i], exe, dir_sub);
		if (access(out, R_OK) == 0)
			return true;
		if (used < tried_len)
			used += (size_t)snprintf(tried + used, tried_len - used, "%s%s",
						 i ? ", " : "", out);
	}
	return false;
}

enum migctl_err migctl_node_open(struct migctl_node *node,
				 const struct migctl_node_options *opts,
				 struct migctl_error *err)
{
	struct node_priv *p;
	const char *path = NULL;
	char buf[PATH_MAX];
	enum migctl_err rc;

	memset(node, 0, sizeof(*node));
	node->catalog = opts ? opts->catalog : NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory opening NVML");
	p->api = &node_no_api;

	if (opts && opts->nvml_lib && *opts->nvml_lib) {
		path = opts->nvml_lib;
	} else if (opts && opts->simulate) {
		char tried[2 * PATH_MAX];
		unsigned branch = 0;
		if (opts->sim_lib && *opts->sim_lib) {
			path = opts->sim_lib;
		} else if (bundled_sim_lib(branch = state_driver_branch(opts->sim_state),
					   buf, sizeof(buf), tried, sizeof(tried))) {
			path = buf;
		} else if (branch && branch < NVML_ERA_LATER) {
			free(p);
			return migctl_fail(err, MIGCTL_ERR_NO_DRIVER,
					   "the simulated machine runs driver branch %u, whose simulator library is missing (tried %s); build it (make builds sim-%u/), or set MIGCTL_SIM_LIB to a simulator's libnvidia-ml.so.1",
					   branch, tried, branch);
		} else {
			free(p);
			return migctl_fail(err, MIGCTL_ERR_NO_DRIVER,
					   "the bundled simulator library is missing (tried %s); rebuild migctl, or set MIGCTL_SIM_LIB to the simulator's libnvidia-ml.so.1",
					   tried);
		}
	} else {
		path = "libnvidia-ml.so.1";
	}
	node_copy_str(p->path, sizeof(p->path), path);
	if (opts && opts->sim_state)
		node_copy_str(p->sim_state, sizeof(p->sim_state), opts->sim_state);
	if (opts) {
		p->reset_gpu = opts->reset_gpu;
		p->reset_ctx = opts->reset_ctx;
		p->read = opts->read;
	}

	rc = migctl_nvml_open(&p->nv, path, p->sim_state[0] ? p->sim_state : NULL, err);
	if (rc) {
		free(p);
		return rc;
	}
	p->api = migctl_nvml_api(p->nv);
	node->nvml = p;
	node->simulated = (opts && opts->simulate) || p->api->SimResetGpu != NULL;

	if (NV(p, SystemGetDriverVersion, node->driver_version,
	       (unsigned)sizeof(node->driver_version)) != NVML_SUCCESS)
		node->driver_version[0] = '\0';
	if (NV(p, SystemGetNVMLVersion, node->nvml_version,
	       (unsigned)sizeof(node->nvml_version)) != NVML_SUCCESS)
		node->nvml_version[0] = '\0';
	int cuda = 0;
	if (NV(p, SystemGetCudaDriverVersion, &cuda) == NVML_SUCCESS)
		node->cuda_version = cuda;
	return MIGCTL_ERR_OK;
}

void migctl_node_close(struct migctl_node *node)
{
	struct node_priv *p;

	if (!node)
		return;
	p = priv_of(node);
	node_release_gpus(node->gpus, node->n_gpus);
	if (p) {
		migctl_nvml_close(p->nv);
		free(p);
	}
	memset(node, 0, sizeof(*node));
}
