#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "workspace/workspace.h"
#include "util/banned.h"

struct add_opts {
	char *handler, *after, *name, *returns, *doc, *since;
	char **args;
	int no_generator, qmp, hmp;
};

static void free_opts(struct add_opts *o)
{
	size_t i;

	free(o->handler);
	free(o->after);
	free(o->name);
	free(o->returns);
	free(o->doc);
	free(o->since);
	for (i = 0; o->args && o->args[i]; i++)
		free(o->args[i]);
	free(o->args);
}

static int check_usage(struct add_opts *o, int nargs)
{
	if (nargs > 1)
		return cli_usage("add-command", "one FILE.qapi at a time");
	if (nargs == 1 && o->name)
		return cli_usage("add-command", "give FILE.qapi or --name, not both");
	if (nargs == 0 && !o->name)
		return cli_usage("add-command", "a FILE.qapi or --name NAME is required");
	if (o->hmp && !o->qmp)
		return cli_usage("add-command", "--hmp goes with --qmp");
	if (nargs == 1 && (o->args || o->returns || o->doc || o->since))
		return cli_usage("add-command", "--arg, --returns, --doc and --since go with --name");
	return 0;
}

static void print_json(const struct ws_add_result *r)
{
	struct json_object *j = json_object_new_object(), *list = json_object_new_array();
	size_t i, k;

	/* The recorded inputs are for the workspace, not for the reader. */
	for (i = 0; i < r->n; i++) {
		const struct ws_command *c = &r->added[i];
		struct json_object *x = json_object_new_object(), *files = json_object_new_array();

		for (k = 0; k < c->nfiles; k++)
			json_object_array_add(files, json_object_new_string(c->files[k]));
		json_object_object_add(x, "name", json_object_new_string(c->name));
		json_object_object_add(x, "commit", json_object_new_string(c->commit));
		json_object_object_add(x, "prototype", json_object_new_string(c->prototype));
		json_object_object_add(x, "example", json_object_get(c->example));
		json_object_object_add(x, "files", files);
		json_object_array_add(list, x);
	}
	json_object_object_add(j, "added", list);
	cli_print_json(j);
	json_object_put(j);
}

int cmd_add_command(int argc, const char **argv)
{
	struct add_opts o;
	struct poptOption table[] = {
		{ "handler", '\0', POPT_ARG_STRING, &o.handler, 0,
		  "C file with the handler(s) and their static helpers (default: a stub)", "FILE.c" },
		{ "after", '\0', POPT_ARG_STRING, &o.after, 0,
		  "put the declaration after definition NAME (default: after the last one)", "NAME" },
		{ "name", '\0', POPT_ARG_STRING, &o.name, 0,
		  "declare command NAME here instead of in a FILE.qapi", "NAME" },
		{ "arg", '\0', POPT_ARG_ARGV, &o.args, 0,
		  "an argument of --name: NAME:TYPE[:DOC], '*NAME' optional, ['TYPE'] a list (repeat it)",
		  "NAME:TYPE" },
		{ "returns", '\0', POPT_ARG_STRING, &o.returns, 0,
		  "what --name returns: TYPE or ['TYPE']", "TYPE" },
		{ "doc", '\0', POPT_ARG_STRING, &o.doc, 0,
		  "what --name does, for its doc comment", "TEXT" },
		{ "since", '\0', POPT_ARG_STRING, &o.since, 0,
		  "the Since: version of --name (default: the tree's MAJOR.MINOR)", "VERSION" },
		{ "no-generator-check", '\0', POPT_ARG_NONE, &o.no_generator, 0,
		  "do not run the tree's QAPI generator to confirm the prototypes", NULL },
		{ "qmp", '\0', POPT_ARG_NONE, &o.qmp, 0,
		  "a QEMU monitor (QMP) command: qapi/ and monitor/ of a full QEMU tree", NULL },
		{ "hmp", '\0', POPT_ARG_NONE, &o.hmp, 0,
		  "with --qmp: also an HMP wrapper (hmp-commands.hx, hmp.h, hmp-cmds.c)", NULL },
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct ws_add_result r = { 0 };
	struct ws_add_opts ao = { 0 };
	struct cli_progress pr;
	struct ws *ws = NULL;
	const char **pos;
	poptContext ctx;
	int status, nargs, ret;
	size_t i;

	memset(&o, 0, sizeof(o));
	ctx = cli_parse(&status, "add-command", argc, argv, table,
			"[--qmp [--hmp]] FILE.qapi | --name NAME [--arg NAME:TYPE]... [--returns TYPE]");
	if (!ctx) {
		free_opts(&o);
		return status;
	}
	pos = cli_args(ctx, &nargs);
	if ((status = check_usage(&o, nargs)) != 0)
		goto out;
	ao.fragment_path = nargs ? pos[0] : NULL;
	ao.name = o.name;
	ao.args = (const char *const *)o.args;
	ao.returns = o.returns;
	ao.doc = o.doc;
	ao.since = o.since;
	ao.handler_path = o.handler;
	ao.after = o.after;
	ao.no_generator = o.no_generator;
	ao.qmp = o.qmp;
	ao.hmp = o.hmp;
	ao.datadir = cli_datadir();
	ao.progress = cli_progress(&pr, cli_opts.quiet, false);
	if ((ret = ws_open(&ws, cli_opts.workspace)) < 0 || (ret = ws_op_add_command(ws, &r, &ao)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	if (cli_opts.json)
		print_json(&r);
	else if (!cli_opts.quiet)
		for (i = 0; i < r.n; i++)
			printf("added %s (commit %.12s)\n  %s\n", r.added[i].name, r.added[i].commit,
			       r.added[i].prototype);
	status = cli_finish(0);
out:
	ws_add_result_release(&r);
	ws_free(ws);
	poptFreeContext(ctx);
	free_opts(&o);
	return status;
}
