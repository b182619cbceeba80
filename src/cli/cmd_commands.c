#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "schemaedit/qapi.h"
#include "workspace/ws.h"
#include "util/banned.h"

/* commands: every command of the work tree's schema with its C prototype. */

#define SCHEMA_PATH "qga/qapi-schema.json"

static const char *added_commit(struct json_object *cmds, const char *name)
{
	size_t i;

	for (i = 0; cmds && i < json_object_array_length(cmds); i++) {
		struct json_object *e = json_object_array_get_idx(cmds, i), *v;

		if (json_object_object_get_ex(e, "name", &v) && !strcmp(json_object_get_string(v), name))
			return json_object_object_get_ex(e, "commit", &v) ? json_object_get_string(v) : "";
	}
	return NULL;
}

static int list_commands(struct json_object *out, struct ws *ws, struct qapi_version *v)
{
	char *p = fs_path_join(ws_src_dir(ws), SCHEMA_PATH);
	struct json_object *st = ws_state(ws), *cmds = NULL;
	struct qapi_schema *s = NULL;
	struct buf b = BUF_INIT;
	const char *ver = ws_qemu_version(ws);
	size_t i;
	int ret;

	if (!json_object_object_get_ex(st, "commands", &cmds) ||
	    !json_object_is_type(cmds, json_type_array))
		cmds = NULL;
	if (!ver) {
		char *vp = fs_path_join(ws_src_dir(ws), "VERSION");
		struct buf vb = BUF_INIT;

		ret = fs_read_file(&vb, vp);
		if (!ret)
			ret = qapi_version_parse(v, vb.ptr);
		buf_release(&vb);
		free(vp);
	} else {
		ret = qapi_version_parse(v, ver);
	}
	if (!ret)
		ret = fs_read_file(&b, p);
	if (!ret)
		ret = qapi_schema_parse(&s, SCHEMA_PATH, b.ptr, b.len, v);
	for (i = 0; !ret && i < qapi_schema_ndefs(s); i++) {
		const struct qapi_def *d = qapi_schema_def(s, i);
		struct json_object *e;
		struct qapi_proto proto;
		const char *commit;

		if (d->meta != QAPI_COMMAND || !d->name)
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "name", json_object_new_string(d->name));
		if (qapi_proto_derive(&proto, s, d->name, v) == 0) {
			char *ps = qapi_proto_string(&proto);

			json_object_object_add(e, "prototype", json_object_new_string(ps));
			free(ps);
			qapi_proto_release(&proto);
		} else {
			json_object_object_add(e, "prototype", NULL);
			json_object_object_add(e, "problem", json_object_new_string(error_last()));
		}
		commit = added_commit(cmds, d->name);
		json_object_object_add(e, "added", json_object_new_boolean(commit != NULL));
		if (commit)
			json_object_object_add(e, "commit", json_object_new_string(commit));
		json_object_array_add(out, e);
	}
	qapi_schema_free(s);
	buf_release(&b);
	free(p);
	return ret;
}

int cmd_commands(int argc, const char **argv)
{
	struct poptOption table[] = {
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct json_object *list = json_object_new_array();
	struct ws *ws = NULL;
	struct qapi_version v;
	poptContext ctx;
	int status, nargs, ret;
	size_t i, n_added = 0;

	ctx = cli_parse(&status, "commands", argc, argv, table, NULL);
	if (!ctx) {
		json_object_put(list);
		return status;
	}
	cli_args(ctx, &nargs);
	if (nargs) {
		status = cli_usage("commands", "unexpected arguments");
		goto out;
	}
	if ((ret = ws_open(&ws, cli_opts.workspace)) < 0 || (ret = list_commands(list, ws, &v)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	for (i = 0; i < json_object_array_length(list); i++) {
		struct json_object *e = json_object_array_get_idx(list, i), *a;

		if (json_object_object_get_ex(e, "added", &a) && json_object_get_boolean(a))
			n_added++;
	}
	if (cli_opts.json) {
		struct json_object *r = json_object_new_object();
		char *vs = xasprintf("%d.%d.%d", v.major, v.minor, v.micro);

		json_object_object_add(r, "qemu_version", json_object_new_string(vs));
		json_object_object_add(r, "commands", json_object_get(list));
		cli_print_json(r);
		json_object_put(r);
		free(vs);
	} else {
		for (i = 0; i < json_object_array_length(list); i++) {
			struct json_object *e = json_object_array_get_idx(list, i), *x;
			bool added = json_object_object_get_ex(e, "added", &x) && json_object_get_boolean(x);
			const char *name = json_object_object_get_ex(e, "name", &x) ?
				json_object_get_string(x) : "?";
			const char *proto = json_object_object_get_ex(e, "prototype", &x) && x ?
				json_object_get_string(x) : "(no prototype: see --json)";

			printf("%c %-36s %s\n", added ? '+' : ' ', name, proto);
		}
		printf("\n%zu commands, %zu added by qga-forge (marked +)\n",
		       json_object_array_length(list), n_added);
	}
	status = cli_finish(0);
out:
	json_object_put(list);
	ws_free(ws);
	poptFreeContext(ctx);
	return status;
}
