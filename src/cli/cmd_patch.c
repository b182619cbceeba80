#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "patch_sync.h"
#include "workspace/ws.h"
#include "util/banned.h"

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : NULL;
}

int cmd_patch(int argc, const char **argv)
{
	struct poptOption table[] = {
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	int status, nargs, ret;
	poptContext ctx = cli_parse(&status, "patch", argc, argv, table, NULL);
	struct json_object *report = NULL, *arr, *v;
	struct ws *ws = NULL;
	size_t i;

	if (!ctx)
		return status;
	cli_args(ctx, &nargs);
	if (nargs) {
		status = cli_usage("patch", "unexpected arguments");
		goto done;
	}
	if ((ret = ws_open(&ws, cli_opts.workspace)) < 0 || (ret = patch_sync(ws, &report)) < 0) {
		status = cli_fail(ret);
		goto done;
	}
	if (cli_opts.json) {
		cli_print_json(report);
		status = cli_finish(0);
		goto done;
	}
	if (json_object_object_get_ex(report, "patches", &arr))
		for (i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *e = json_object_array_get_idx(arr, i);

			json_object_object_get_ex(e, "number", &v);
			printf("patch %d %s\n", json_object_get_int(v), str(e, "name"));
		}
	if (json_object_object_get_ex(report, "removed", &arr))
		for (i = 0; i < json_object_array_length(arr); i++)
			printf("removed %s\n", json_object_get_string(json_object_array_get_idx(arr, i)));
	if (str(report, "release"))
		printf("release %s\n", str(report, "release"));
	if (str(report, "changelog"))
		printf("changelog %s\n", str(report, "changelog"));
	json_object_object_get_ex(report, "changed", &v);
	if (!json_object_get_boolean(v))
		cli_info("the spec and its patches are up to date");
	status = cli_finish(0);
done:
	json_object_put(report);
	ws_free(ws);
	poptFreeContext(ctx);
	return status;
}
