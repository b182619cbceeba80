#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "workspace/workspace.h"
#include "util/banned.h"

/* commands: every command of the work tree's schema with its C prototype. */

static void print_json(const struct ws_command_list *l)
{
	struct json_object *r = json_object_new_object(), *list = json_object_new_array();
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct ws_listed_command *c = &l->v[i];
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "name", json_object_new_string(c->name));
		json_object_object_add(e, "prototype", c->prototype ?
				       json_object_new_string(c->prototype) : NULL);
		if (c->problem)
			json_object_object_add(e, "problem", json_object_new_string(c->problem));
		json_object_object_add(e, "added", json_object_new_boolean(c->commit != NULL));
		/* Agent commands keep their entries' form; monitor ones say what they are. */
		if (c->qmp) {
			json_object_object_add(e, "kind", json_object_new_string("qmp"));
			json_object_object_add(e, "hmp", json_object_new_boolean(c->hmp));
		}
		if (c->commit)
			json_object_object_add(e, "commit", json_object_new_string(c->commit));
		json_object_array_add(list, e);
	}
	json_object_object_add(r, "qemu_version", json_object_new_string(l->qemu_version));
	json_object_object_add(r, "commands", list);
	cli_print_json(r);
	json_object_put(r);
}

int cmd_commands(int argc, const char **argv)
{
	struct poptOption table[] = {
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct ws_command_list l = { 0 };
	struct ws *ws = NULL;
	poptContext ctx;
	int status, nargs, ret;
	size_t i;

	ctx = cli_parse(&status, "commands", argc, argv, table, NULL);
	if (!ctx)
		return status;
	cli_args(ctx, &nargs);
	if (nargs) {
		status = cli_usage("commands", "unexpected arguments");
		goto out;
	}
	if ((ret = ws_open(&ws, cli_opts.workspace)) < 0 || (ret = ws_op_commands(ws, &l)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	if (cli_opts.json) {
		print_json(&l);
	} else {
		for (i = 0; i < l.n; i++)
			printf("%c %-36s %s%s\n", l.v[i].commit ? '+' : ' ', l.v[i].name,
			       l.v[i].prototype ? l.v[i].prototype : "(no prototype: see --json)",
			       l.v[i].qmp ? (l.v[i].hmp ? "  [QMP, HMP]" : "  [QMP]") : "");
		printf("\n%zu commands, %zu added by qga-forge (marked +)\n", l.n, l.n_added);
	}
	status = cli_finish(0);
out:
	ws_command_list_release(&l);
	ws_free(ws);
	poptFreeContext(ctx);
	return status;
}
