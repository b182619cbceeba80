#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "workspace/ws.h"
#include "util/banned.h"

static const char *get_str(struct json_object *o, const char *k1, const char *k2)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k1, &v))
		return "?";
	if (k2 && !json_object_object_get_ex(v, k2, &v))
		return "?";
	return json_object_get_string(v);
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
	struct ws *ws = NULL;
	struct json_object *st, *cmds;

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
	st = ws_state(ws);
	if (cli_opts.json) {
		cli_print_json(st);
		status = cli_finish(0);
		goto out;
	}
	printf("workspace: %s\n", ws_root(ws));
	printf("package:   %s\n", get_str(st, "srpm", "nevr"));
	printf("qemu:      %s\n", get_str(st, "qemu_version", NULL));
	printf("spec:      %s\n", ws_spec_path(ws) ? ws_spec_path(ws) : "?");
	printf("baseline:  %.12s\n", get_str(st, "baseline", NULL));
	if (json_object_object_get_ex(st, "commands", &cmds) &&
	    json_object_array_length(cmds) > 0) {
		size_t i;

		printf("commands added:\n");
		for (i = 0; i < json_object_array_length(cmds); i++)
			printf("  %s\n", get_str(json_object_array_get_idx(cmds, i), "name", NULL));
	} else {
		printf("commands added: none\n");
	}
	status = cli_finish(0);
out:
	ws_free(ws);
	poptFreeContext(ctx);
	return status;
}
