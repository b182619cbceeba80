#include <stdio.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "workspace/workspace.h"
#include "util/banned.h"

int cmd_agent(int argc, const char **argv)
{
	const char **defines = NULL;
	int jobs = 0, clean = 0, status, nargs, ret;
	struct poptOption table[] = {
		{ "define", 'D', POPT_ARG_ARGV, &defines, 0,
		  "define an rpm macro for %build (repeatable)", "'MACRO VALUE'" },
		{ "jobs", 'j', POPT_ARG_INT, &jobs, 0, "parallel make/ninja jobs", "N" },
		{ "clean", '\0', POPT_ARG_NONE, &clean, 0,
		  "start from an empty build directory", NULL },
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	poptContext ctx = cli_parse(&status, "agent", argc, argv, table, NULL);
	struct ws_agent_result r = { 0 };
	struct ws_agent_opts o = { 0 };
	struct cli_progress pr;
	struct ws *ws = NULL;

	if (!ctx)
		return status;
	cli_args(ctx, &nargs);
	if (nargs) {
		status = cli_usage("agent", "unexpected arguments");
		goto out;
	}
	o.defines = (const char *const *)defines;
	o.jobs = jobs;
	o.clean = clean;
	o.progress = cli_progress(&pr, cli_opts.quiet, false);
	if ((ret = ws_open(&ws, cli_opts.workspace)) < 0 || (ret = ws_op_agent(ws, &r, &o)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	if (cli_opts.json) {
		struct json_object *j = json_object_new_object();
		char text[32];

		snprintf(text, sizeof(text), "%.3f", r.seconds);
		json_object_object_add(j, "agent", json_object_new_string(r.agent));
		json_object_object_add(j, "files_synced", json_object_new_int((int)r.files_synced));
		json_object_object_add(j, "seconds", json_object_new_double_s(r.seconds, text));
		cli_print_json(j);
		json_object_put(j);
	} else {
		printf("agent: %s (%.1f s)\n", r.agent, r.seconds);
	}
	status = cli_finish(0);
out:
	ws_agent_result_release(&r);
	ws_free(ws);
	poptFreeContext(ctx);
	return status;
}
