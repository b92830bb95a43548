/* migsim — `migsim root`: where the simulated driver's files are (the
 * driver root that `migctl --root` and `migctl --sim` read), brought up to
 * date with the machine first. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "migsim.h"

static const char root_usage[] =
	"Usage: migsim root\n"
	"\n"
	"Print the simulated driver root: the directory in the state directory\n"
	"that holds what a real node has under / for the live MIG layout:\n"
	"  proc/driver/nvidia-caps/mig-minors, proc/devices (nvidia-caps),\n"
	"  proc/driver/nvidia/params (ModifyDeviceFiles),\n"
	"  proc/driver/nvidia/capabilities/mig/{config,monitor},\n"
	"  proc/driver/nvidia/capabilities/gpuN/mig/giX[/ciY]/access,\n"
	"  dev/nvidiaN, dev/nvidiactl, dev/nvidia-uvm, dev/nvidia-caps/nvidia-capM.\n"
	"Every change of the machine updates it. Device nodes are character\n"
	"devices when the simulator runs as root, plain files otherwise (said on\n"
	"standard error). To model a driver loaded with NVreg_ModifyDeviceFiles=0,\n"
	"write 'ModifyDeviceFiles: 0' into proc/driver/nvidia/params there.\n";

int cmd_root(struct app *app, int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	struct migctl_error err = {0};
	struct sim_session s;
	char root[700];
	int opt, rc;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(root_usage, stdout);
			return 0;
		default:
			return ms_usage_error("root", "unknown option");
		}
	}
	if (optind != argc)
		return ms_usage_error("root", "unexpected argument '%s'", argv[optind]);
	rc = ms_open_state(app, &s, SIM_EXCLUSIVE);
	if (rc)
		return rc;
	/* A state written before the driver root existed gets one now. */
	if (sim_driver_root_sync(s.dir, s.m, &err)) {
		sim_close(&s);
		return ms_report(&err);
	}
	sim_close(&s);
	sim_driver_root_path(app->dir, root, sizeof(root));
	printf("%s\n", root);
	if (!sim_driver_root_real_nodes(app->dir))
		fprintf(stderr, PROG ": note: the device nodes under %s/dev are plain files, "
			"not character devices (mknod needs root)\n", root);
	return 0;
}
