#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "workspace/workspace.h"
#include "util/banned.h"

int cmd_patch(int argc, const char **argv)
{
	struct poptOption table[] = {
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	int status, nargs, ret;
	poptContext ctx = cli_parse(&status, "patch", argc, argv, table, NULL);
	struct ws_patch_result r = { 0 };
	struct ws *ws = NULL;
	size_t i;

	if (!ctx)
		return status;
	cli_args(ctx, &nargs);
	if (nargs) {
		status = cli_usage("patch", "unexpected arguments");
		goto done;
	}
	if ((ret = ws_open(&ws, cli_opts.workspace)) < 0 || (ret = ws_op_patch(ws, &r)) < 0) {
		status = cli_fail(ret);
		goto done;
	}
	if (r.patchn_note)
		cli_info("%s", r.patchn_note);
	if (cli_opts.json) {
		struct json_object *j = ws_patch_result_json(&r);

		cli_print_json(j);
		json_object_put(j);
		status = cli_finish(0);
		goto done;
	}
	for (i = 0; i < r.npatches; i++)
		printf("patch %d %s\n", r.patches[i].number, r.patches[i].name);
	for (i = 0; i < r.nremoved; i++)
		printf("removed %s\n", r.removed[i]);
	if (r.release)
		printf("release %s\n", r.release);
	if (r.changelog)
		printf("changelog %s\n", r.changelog);
	if (!r.changed)
		cli_info("the spec and its patches are up to date");
	status = cli_finish(0);
done:
	ws_patch_result_release(&r);
	ws_free(ws);
	poptFreeContext(ctx);
	return status;
}
