/* commands: every command of the work tree's schema with its C prototype. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/banned.h"

int ws_op_commands(struct ws *ws, struct ws_command_list *out)
{
	char *p = fs_path_join(ws_src_dir(ws), WS_SCHEMA_PATH);
	const struct ws_state *st = ws_info(ws);
	struct qapi_schema *s = NULL;
	struct qapi_version v;
	struct buf b = BUF_INIT;
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = ws_tree_version(&v, ws);
	if (!ret)
		ret = fs_read_file(&b, p);
	if (!ret)
		ret = qapi_schema_parse(&s, WS_SCHEMA_PATH, b.ptr, b.len, &v);
	if (!ret) {
		out->qemu_version = xasprintf("%d.%d.%d", v.major, v.minor, v.micro);
		out->v = xcalloc(qapi_schema_ndefs(s) + 1, sizeof(*out->v));
	}
	for (i = 0; !ret && i < qapi_schema_ndefs(s); i++) {
		const struct qapi_def *d = qapi_schema_def(s, i);
		struct ws_listed_command *e;
		const struct ws_command *added;
		struct qapi_proto proto;

		if (d->meta != QAPI_COMMAND || !d->name)
			continue;
		e = &out->v[out->n++];
		e->name = xstrdup(d->name);
		if (qapi_proto_derive(&proto, s, d->name, &v) == 0) {
			e->prototype = qapi_proto_string(&proto);
			qapi_proto_release(&proto);
		} else {
			e->problem = xstrdup(error_last());
		}
		added = ws_find_command(st, d->name);
		if (added) {
			e->commit = xstrdup(added->commit ? added->commit : "");
			out->n_added++;
		}
	}
	/* The monitor commands qga-forge added (the tree's own hundreds are not listed). */
	for (i = 0; !ret && i < st->ncommands; i++) {
		const struct ws_command *c = &st->commands[i];
		struct ws_listed_command *e;
		bool hmp;

		if (!ws_command_is_qmp(c, &hmp))
			continue;
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		e = &out->v[out->n++];
		memset(e, 0, sizeof(*e));
		e->name = xstrdup(c->name);
		e->prototype = c->prototype ? xstrdup(c->prototype) : NULL;
		if (!e->prototype)
			e->problem = xstrdup("no prototype recorded");
		e->commit = xstrdup(c->commit ? c->commit : "");
		e->qmp = true;
		e->hmp = hmp;
		out->n_added++;
	}
	qapi_schema_free(s);
	buf_release(&b);
	free(p);
	if (ret)
		ws_command_list_release(out);
	return ret;
}

void ws_command_list_release(struct ws_command_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].prototype);
		free(l->v[i].problem);
		free(l->v[i].commit);
	}
	free(l->v);
	free(l->qemu_version);
	memset(l, 0, sizeof(*l));
}
