#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "workspace/workspace.h"
#include "util/banned.h"

int cmd_init(int argc, const char **argv)
{
	const char **defines = NULL;
	int force = 0, no_spec_code = 0, status, nargs, ret;
	struct poptOption table[] = {
		{ "define", 'D', POPT_ARG_ARGV, &defines, 0,
		  "define an rpm macro for %prep (repeatable)", "'MACRO VALUE'" },
		{ "force", 'f', POPT_ARG_NONE, &force, 0,
		  "replace DIR when it exists and is not empty", NULL },
		{ "no-spec-code", '\0', POPT_ARG_NONE, &no_spec_code, 0,
		  "refuse a spec that runs code while rpm parses it (%(...), Lua, %include)", NULL },
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	poptContext ctx = cli_parse(&status, "init", argc, argv, table, "SRPM");
	struct ws_init_result r = { 0 };
	struct ws_init_opts o = { 0 };
	struct cli_progress pr;
	const char **args;

	if (!ctx)
		return status;
	args = cli_args(ctx, &nargs);
	if (nargs != 1) {
		status = cli_usage("init", nargs ? "too many arguments" : "missing SRPM");
		goto out;
	}
	if (ws_check_defines((const char *const *)defines) < 0) {
		status = cli_usage("init", "%s", error_last());
		goto out;
	}
	o.srpm = args[0];
	o.dir = cli_opts.workspace;
	o.defines = (const char *const *)defines;
	o.force = force;
	o.no_spec_code = no_spec_code;
	o.progress = cli_progress(&pr, cli_opts.quiet, false);
	if ((ret = ws_op_init(NULL, &r, &o)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	if (cli_opts.json) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "workspace", json_object_new_string(r.workspace));
		json_object_object_add(j, "package", json_object_new_string(r.nevr));
		json_object_object_add(j, "qemu_version", json_object_new_string(r.qemu_version));
		json_object_object_add(j, "distribution_patches",
				       json_object_new_int(r.distribution_patches));
		json_object_object_add(j, "baseline", json_object_new_string(r.baseline));
		json_object_object_add(j, "dist", r.dist ? json_object_new_string(r.dist) : NULL);
		cli_print_json(j);
		json_object_put(j);
	} else {
		printf("package:   %s\n", r.nevr);
		printf("qemu:      %s\n", r.qemu_version);
		printf("patches:   %d distribution patch%s applied by %%prep\n", r.distribution_patches,
		       r.distribution_patches == 1 ? "" : "es");
		if (r.dist && r.dist_inferred)
			printf("dist:      %s (from the src.rpm's Release %s)\n",
			       *r.dist ? r.dist : "(none)", r.release);
		printf("baseline:  %.12s (branch upstream; work on branch forge)\n", r.baseline);
		printf("workspace: %s\n", r.workspace);
	}
	status = cli_finish(0);
out:
	ws_init_result_release(&r);
	poptFreeContext(ctx);
	return status;
}
