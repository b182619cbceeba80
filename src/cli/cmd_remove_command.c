#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "workspace/workspace.h"
#include "util/banned.h"

int cmd_remove_command(int argc, const char **argv)
{
	struct poptOption table[] = {
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct ws_remove_result r = { 0 };
	struct ws_remove_opts o = { 0 };
	struct cli_progress pr;
	struct ws *ws = NULL;
	const char **pos;
	poptContext ctx;
	int status, nargs, ret;
	size_t i;

	ctx = cli_parse(&status, "remove-command", argc, argv, table, "NAME");
	if (!ctx)
		return status;
	pos = cli_args(ctx, &nargs);
	if (nargs != 1) {
		status = cli_usage("remove-command", nargs ? "one NAME at a time" : "a command NAME is required");
		goto out;
	}
	o.name = pos[0];
	o.datadir = cli_datadir();
	o.progress = cli_progress(&pr, cli_opts.quiet, false);
	if ((ret = ws_open(&ws, cli_opts.workspace)) < 0 ||
	    (ret = ws_op_remove_command(ws, &r, &o)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	if (cli_opts.json) {
		struct json_object *j = json_object_new_object(), *list = json_object_new_array();

		for (i = 0; i < r.n; i++)
			json_object_array_add(list, ws_command_json(&r.removed[i]));
		json_object_object_add(j, "removed", list);
		cli_print_json(j);
		json_object_put(j);
	} else if (!cli_opts.quiet) {
		for (i = 0; i < r.n; i++)
			printf("removed %s (commit %.12s)\n", r.removed[i].name,
			       r.removed[i].commit ? r.removed[i].commit : "?");
	}
	status = cli_finish(0);
out:
	ws_remove_result_release(&r);
	ws_free(ws);
	poptFreeContext(ctx);
	return status;
}
