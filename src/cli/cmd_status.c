#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "workspace/workspace.h"
#include "util/banned.h"

static const char *or_unknown(const char *s)
{
	return s ? s : "?";
}

int cmd_status(int argc, const char **argv)
{
	struct poptOption table[] = {
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	int status, nargs, ret;
	poptContext ctx = cli_parse(&status, "status", argc, argv, table, NULL);
	const struct ws_state *st;
	struct ws *ws = NULL;
	size_t i;

	if (!ctx)
		return status;
	cli_args(ctx, &nargs);
	if (nargs) {
		status = cli_usage("status", "unexpected arguments");
		goto out;
	}
	if ((ret = ws_open(&ws, cli_opts.workspace)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	if (cli_opts.json) {
		struct json_object *j = ws_state_json(ws);

		cli_print_json(j);
		json_object_put(j);
		status = cli_finish(0);
		goto out;
	}
	st = ws_info(ws);
	printf("workspace: %s\n", ws_root(ws));
	printf("package:   %s\n", or_unknown(st->srpm.nevr));
	printf("qemu:      %s\n", or_unknown(st->qemu_version));
	printf("spec:      %s\n", ws_spec_path(ws) ? ws_spec_path(ws) : "?");
	printf("baseline:  %.12s\n", or_unknown(st->baseline));
	if (st->ncommands) {
		printf("commands added:\n");
		for (i = 0; i < st->ncommands; i++)
			printf("  %s\n", st->commands[i].name);
	} else {
		printf("commands added: none\n");
	}
	status = cli_finish(0);
out:
	ws_free(ws);
	poptFreeContext(ctx);
	return status;
}
