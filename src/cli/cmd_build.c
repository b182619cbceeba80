#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "check_rpm.h"
#include "cli.h"
#include "commands.h"
#include "workspace/workspace.h"
#include "util/banned.h"

static void print_summary(struct json_object *m)
{
	struct json_object *v, *arts;
	size_t i;

	if (json_object_object_get_ex(m, "artifacts", &arts)) {
		for (i = 0; i < json_object_array_length(arts); i++) {
			struct json_object *a = json_object_array_get_idx(arts, i), *p;

			if (json_object_object_get_ex(a, "path", &p))
				printf("wrote %s\n", json_object_get_string(p));
		}
	}
	if (json_object_object_get_ex(m, "outdir", &v))
		printf("manifest: %s/manifest.json\n", json_object_get_string(v));
	if (json_object_object_get_ex(m, "deploy", &v))
		check_rpm_print(stdout, v, 0);
}

int cmd_build(int argc, const char **argv)
{
	const char **defines = NULL;
	const char *outdir = NULL;
	char *container = NULL, *mock = NULL;  /* allocated by popt */
	int nodeps = 0, jobs = 0, srpm_only = 0, agent_only = 0, status, nargs, ret;
	struct poptOption table[] = {
		{ "output", 'o', POPT_ARG_STRING, &outdir, 0,
		  "where the rpms, the agent and manifest.json go (default: WS/out)", "OUTDIR" },
		{ "nodeps", '\0', POPT_ARG_NONE, &nodeps, 0,
		  "do not check BuildRequires against the rpm database", NULL },
		{ "define", 'D', POPT_ARG_ARGV, &defines, 0,
		  "define an rpm macro for the build (repeatable)", "'MACRO VALUE'" },
		{ "jobs", 'j', POPT_ARG_INT, &jobs, 0, "parallel make/ninja jobs", "N" },
		{ "srpm-only", '\0', POPT_ARG_NONE, &srpm_only, 0,
		  "write the src.rpm and stop (for mock, Koji or COPR)", NULL },
		{ "agent-only", '\0', POPT_ARG_NONE, &agent_only, 0,
		  "a qemu or qemu-kvm src.rpm: build its qemu-guest-agent subpackage alone", NULL },
		{ "container", '\0', POPT_ARG_STRING, &container, 0,
		  "rebuild the src.rpm in a container with that distribution's rpm and compiler "
		  "(el7: image qga-forge-el7, podman or docker)", "el7" },
		{ "mock", '\0', POPT_ARG_STRING, &mock, 0,
		  "rebuild the src.rpm with mock -r CONFIG", "CONFIG" },
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	poptContext ctx = cli_parse(&status, "build", argc, argv, table, NULL);
	struct ws *ws = NULL;
	struct json_object *m = NULL;
	struct ws_build_opts o;
	struct cli_progress pr;

	if (!ctx)
		return status;
	cli_args(ctx, &nargs);
	if (nargs) {
		status = cli_usage("build", "unexpected arguments");
		goto out;
	}
	if (jobs < 0 || jobs > 1024) {
		status = cli_usage("build", "--jobs %d: expected a number from 1 to 1024", jobs);
		goto out;
	}
	if (container && strcmp(container, "el7")) {
		status = cli_usage("build", "--container %s: the one container known is el7", container);
		goto out;
	}
	if ((container || mock) && (srpm_only || (container && mock))) {
		status = cli_usage("build", "--container, --mock and --srpm-only exclude one another");
		goto out;
	}
	if (agent_only && (container || mock || srpm_only)) {
		status = cli_usage("build", "--agent-only builds on this host: not with --container, "
				   "--mock or --srpm-only");
		goto out;
	}
	if (mock && (!*mock || mock[0] == '-')) {
		status = cli_usage("build", "--mock '%s': expected a mock configuration name", mock);
		goto out;
	}
	if ((ret = ws_open(&ws, cli_opts.workspace)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.outdir = outdir;
	o.defines = (const char *const *)defines;
	o.nodeps = nodeps;
	o.jobs = jobs;
	o.srpm_only = srpm_only;
	o.container = container;
	o.mock_config = mock;
	o.agent_only = agent_only;
	o.datadir = cli_datadir();
	o.progress = cli_progress(&pr, cli_opts.quiet, cli_opts.json);
	if ((ret = ws_op_build(ws, &o, &m)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	if (cli_opts.json)
		cli_print_json(m);
	else
		print_summary(m);
	status = cli_finish(0);
out:
	json_object_put(m);
	ws_free(ws);
	poptFreeContext(ctx);
	free(container);
	free(mock);
	return status;
}
