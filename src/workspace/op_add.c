/*
 * add-command: declare one or more commands (a QAPI fragment, or one built
 * from --name/--arg), put their handlers where the tree's QEMU version
 * wants them, and record everything as one commit on `forge` in one
 * workspace transaction. Every check runs before the transaction starts,
 * so a rejected input leaves the workspace exactly as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "internal.h"
#include "util/banned.h"

#define SCHEMA_PATH WS_SCHEMA_PATH
#define OP "add-command"
#define MAX_INPUT (16u << 20)

/* ---- the pipeline (internal.h), shared with remove-command ---- */

struct prep {
	const struct addcmd_input *in;
	const struct qapi_version *v;
	addcmd_read_fn read;
	void *arg;
	struct qapi_placement pl;
	struct qapi_monitor_placement mp;   /* in->qmp */
	const char *schema_path;            /* qga/qapi-schema.json or the QMP module */
	struct qapi_schema *schema, *frag, *merged;
	struct buf merged_text;
	struct qapi_proto *protos;
	size_t n_protos;
	struct addcmd_result *out;
	/* the declaration and handler as this release wants them (adapt_inputs) */
	struct buf frag_text, handler_text, notes;
};

/* The text of `rel` as this commit will have it (read once, then edited). */
static struct buf *file_for(struct prep *p, const char *rel, int *ret)
{
	struct addcmd_result *r = p->out;
	size_t i;

	*ret = 0;
	for (i = 0; i < r->n; i++)
		if (!strcmp(r->changes[i].path, rel))
			return &r->texts[i];
	r->changes[r->n].path = rel;
	buf_init(&r->texts[r->n], 0);
	buf_set_cap(&r->texts[r->n], MAX_INPUT);
	*ret = p->read(&r->texts[r->n], p->arg, rel);
	return &r->texts[r->n++];
}

/* ---- QEMU monitor commands (in->qmp) ---- */

/* The modules `s` (in qapi/) includes, parsed and handed to it, recursively. */
static int qmp_add_includes(struct prep *p, struct qapi_schema *s, int depth)
{
	size_t i;
	int ret = 0;

	if (depth > 8)
		return error_set(ERR_INPUT, "%s: includes nest too deep", qapi_schema_fname(s));
	for (i = 0; !ret && i < qapi_schema_ndefs(s); i++) {
		const struct qapi_def *d = qapi_schema_def(s, i);
		struct qapi_schema *inc = NULL;
		struct buf text = BUF_INIT;
		char *rel;

		if (d->meta != QAPI_INCLUDE || !d->name || strchr(d->name, '/'))
			continue;
		rel = xasprintf("qapi/%s", d->name);
		ret = p->read(&text, p->arg, rel);
		if (!ret)
			ret = qapi_schema_parse(&inc, rel, text.ptr, text.len, p->v);
		if (!ret)
			ret = qmp_add_includes(p, inc, depth + 1);
		if (!ret) {
			ret = qapi_schema_add_include(s, d->name, inc);
			inc = NULL;
		}
		qapi_schema_free(inc);
		buf_release(&text);
		free(rel);
	}
	return ret;
}

/* qapi/pragma.json, which qapi/qapi-schema.json includes first: its pragmas hold everywhere. */
static int qmp_add_pragmas(struct prep *p, struct qapi_schema *s)
{
	struct qapi_schema *inc = NULL;
	struct buf text = BUF_INIT;
	int ret;

	ret = p->read(&text, p->arg, "qapi/pragma.json");
	if (ret == ERR_NOTFOUND) {
		error_clear();
		ret = 0;
		goto out;
	}
	if (!ret)
		ret = qapi_schema_parse(&inc, "qapi/pragma.json", text.ptr, text.len, p->v);
	if (!ret) {
		ret = qapi_schema_add_include(s, "pragma.json", inc);
		inc = NULL;
	}
out:
	qapi_schema_free(inc);
	buf_release(&text);
	return ret;
}

/*
 * A QMP command's names must be new to the whole monitor schema, not only
 * to the module it goes in: every module qapi/qapi-schema.json includes is
 * read, and a name taken is refused with where the tree defines it.
 */
static int qmp_collisions(struct prep *p)
{
	struct qapi_schema *top = NULL;
	struct buf text = BUF_INIT;
	size_t i, k;
	int ret;

	ret = p->read(&text, p->arg, "qapi/qapi-schema.json");
	if (!ret)
		ret = qapi_schema_parse(&top, "qapi/qapi-schema.json", text.ptr, text.len, p->v);
	for (i = 0; !ret && i < qapi_schema_ndefs(top); i++) {
		const struct qapi_def *d = qapi_schema_def(top, i);
		struct qapi_schema *mod = NULL;
		struct buf mt = BUF_INIT;
		char *rel;

		if (d->meta != QAPI_INCLUDE || !d->name || strchr(d->name, '/'))
			continue;
		rel = xasprintf("qapi/%s", d->name);
		if (!(ret = p->read(&mt, p->arg, rel)))
			ret = qapi_schema_parse(&mod, rel, mt.ptr, mt.len, p->v);
		for (k = 0; !ret && k < qapi_schema_ndefs(p->frag); k++) {
			const struct qapi_def *f = qapi_schema_def(p->frag, k);
			const struct qapi_def *hit = f->name ? qapi_schema_find(mod, f->name) : NULL;

			if (hit && f->meta != QAPI_INCLUDE && f->meta != QAPI_PRAGMA) {
				struct qapi_loc l = qapi_schema_loc(mod, hit->start);
				struct qapi_loc fl = qapi_schema_loc(p->frag, f->start);

				if (!strncmp(p->in->fragment_name, "--name ", 7))
					ret = error_set(ERR_EXISTS, "--name: '%s' is already defined in %s:%u:%u (%s '%s' of the tree)",
							f->name, rel, l.line, l.col, qapi_meta_name(hit->meta),
							hit->name);
				else
					ret = error_set(ERR_EXISTS, "%s:%u:%u: '%s' is already defined in %s:%u:%u (%s '%s' of the tree)",
							p->in->fragment_name, fl.line, fl.col, f->name, rel,
							l.line, l.col, qapi_meta_name(hit->meta), hit->name);
			}
		}
		qapi_schema_free(mod);
		buf_release(&mt);
		free(rel);
	}
	qapi_schema_free(top);
	buf_release(&text);
	return ret;
}

/* The HMP wrappers: hmp-commands.hx, include/monitor/hmp.h, monitor/hmp-cmds.c. */
static int qmp_place_hmp(struct prep *p)
{
	struct qapi_cfile *target = NULL, *code = NULL;
	struct buf out = BUF_INIT, *text;
	struct qapi_hmp h = { 0 };
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < p->n_protos; i++) {
		char *origin = NULL;

		qapi_hmp_release(&h);
		if ((ret = qapi_hmp_generate(&h, p->merged, &p->protos[i], p->v)) < 0)
			break;
		text = file_for(p, p->mp.hmp_table, &ret);
		if (!ret && !(ret = qapi_hmp_add_table(&out, p->mp.hmp_table, text->ptr, text->len, &h)))
			buf_swap(&out, text);
		buf_reset(&out);
		if (!ret)
			text = file_for(p, p->mp.hmp_header, &ret);
		if (!ret && !(ret = qapi_hmp_add_decl(&out, p->mp.hmp_header, text->ptr, text->len, &h)))
			buf_swap(&out, text);
		buf_reset(&out);
		if (!ret)
			text = file_for(p, p->mp.hmp_file, &ret);
		qapi_cfile_free(target);
		qapi_cfile_free(code);
		target = code = NULL;
		if (!ret)
			ret = qapi_cfile_parse(&target, p->mp.hmp_file, text->ptr, text->len);
		if (!ret)
			ret = qapi_cfile_parse(&code, "hmp wrapper", h.code, strlen(h.code));
		if (!ret) {
			origin = xasprintf("%s: HMP wrapper added by qga-forge", h.name);
			ret = qapi_cfile_add_handlers(&out, target, code, origin);
		}
		if (!ret)
			buf_swap(&out, text);
		buf_reset(&out);
		free(origin);
	}
	qapi_hmp_release(&h);
	qapi_cfile_free(target);
	qapi_cfile_free(code);
	buf_release(&out);
	return ret;
}

static int merge_schema(struct prep *p)
{
	struct qapi_insert_opts io = { 0 };
	int ret;

	io.after = p->in->after;
	io.schema_if = p->in->qmp ? NULL : p->pl.schema_if;
	ret = qapi_insert_fragment(&p->merged_text, p->schema, p->frag, p->v, &io);
	if (ret)
		return ret;
	ret = qapi_schema_parse(&p->merged, p->schema_path, p->merged_text.ptr, p->merged_text.len, p->v);
	if (!ret && p->in->qmp)
		ret = qmp_add_includes(p, p->merged, 0);
	if (!ret && p->in->qmp)
		ret = qmp_add_pragmas(p, p->merged);
	if (!ret)
		ret = qapi_schema_check(p->merged, p->v);
	if (ret)
		qapi_remap_error(p->schema_path, p->merged_text.ptr, p->merged_text.len, &io, p->frag);
	return ret;
}

static int derive_protos(struct prep *p)
{
	size_t i;
	int ret;

	p->protos = xcalloc(qapi_schema_ndefs(p->frag) + 1, sizeof(*p->protos));
	for (i = 0; i < qapi_schema_ndefs(p->frag); i++) {
		const struct qapi_def *d = qapi_schema_def(p->frag, i);

		if (d->meta != QAPI_COMMAND)
			continue;
		ret = qapi_proto_derive(&p->protos[p->n_protos], p->merged, d->name, p->v);
		if (ret)
			return ret;
		p->n_protos++;
	}
	if (!p->n_protos)
		return error_set(ERR_INPUT, "%s: declares no command", p->in->fragment_name);
	return 0;
}

/* The handler code: the user's file, or stubs from templates/handler-stub.c.in. */
static int load_handlers(struct qapi_cfile **out, struct prep *p)
{
	struct buf text = BUF_INIT;
	int ret = 0;
	size_t i;

	*out = NULL;
	if (p->in->handler_name) {
		ret = qapi_cfile_parse(out, p->in->handler_name, p->handler_text.ptr, p->handler_text.len);
	} else {
		struct buf tmpl = BUF_INIT;

		ret = ws_read_data(&tmpl, p->in->datadir, "templates/handler-stub.c.in");
		for (i = 0; !ret && i < p->n_protos; i++) {
			/* The includes once, at the top: later stubs go without them. */
			if (i == 1) {
				char *hit = strstr(tmpl.ptr, "{{INCLUDES}}");

				if (hit)
					buf_remove(&tmpl, (size_t)(hit - tmpl.ptr),
						   strlen("{{INCLUDES}}") + (hit[12] == '\n'));
				buf_puts(&text, "\n");
			}
			ret = qapi_stub_generate(&text, tmpl.ptr, &p->protos[i]);
		}
		if (!ret && p->in->qmp) {
			char *inc = xasprintf("\"%s\"", p->mp.commands_header);

			buf_replace_all(&text, "\"qga-qapi-commands.h\"", inc);
			free(inc);
		}
		if (!ret)
			ret = qapi_cfile_parse(out, "stub.c", text.ptr, text.len);
		buf_release(&tmpl);
	}
	buf_release(&text);
	if (!ret)
		ret = qapi_handlers_check(*out, p->protos, p->n_protos);
	return ret;
}

static char *names_of(const struct prep *p)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < p->n_protos; i++) {
		if (i)
			buf_puts(&b, i + 1 == p->n_protos ? " and " : ", ");
		buf_puts(&b, p->protos[i].command);
	}
	return buf_detach(&b, NULL);
}

static int place_code(struct prep *p)
{
	struct qapi_cfile *handlers = NULL, *target = NULL, *win32 = NULL;
	struct buf out = BUF_INIT, *text;
	char *names = names_of(p), *origin = NULL;
	size_t i;
	int ret;

	const char *handler_file = p->in->qmp ? p->mp.handler_file : p->pl.handler_file;

	ret = load_handlers(&handlers, p);
	if (ret)
		goto out;
	text = file_for(p, handler_file, &ret);
	if (!ret)
		ret = qapi_cfile_parse(&target, handler_file, text->ptr, text->len);
	if (ret)
		goto out;
	if (p->in->handler_name) {
		char *base = fs_basename(p->in->handler_name);

		origin = xasprintf("%s: added by qga-forge from %s", names, base);
		free(base);
	} else {
		origin = xasprintf("%s: added by qga-forge from a generated stub", names);
	}
	ret = qapi_cfile_add_handlers(&out, target, handlers, origin);
	if (ret)
		goto out;
	buf_swap(&out, text);
	buf_reset(&out);

	if (p->in->qmp && p->in->hmp)
		ret = qmp_place_hmp(p);
	if (!p->in->qmp && p->pl.win32_file) {
		text = file_for(p, p->pl.win32_file, &ret);
		for (i = 0; !ret && i < p->n_protos; i++) {
			/* A command that already carries an 'if' is the user's to place. */
			const struct qapi_def *d = qapi_schema_find(p->frag, p->protos[i].command);

			if (d && qapi_dict_get(d->expr, "if"))
				continue;
			qapi_cfile_free(win32);
			win32 = NULL;
			ret = qapi_cfile_parse(&win32, p->pl.win32_file, text->ptr, text->len);
			if (!ret)
				ret = qapi_win32_add_stub(&out, win32, &p->protos[i], p->pl.blocklist_func);
			if (!ret)
				buf_swap(&out, text);
			buf_reset(&out);
		}
	}
out:
	qapi_cfile_free(handlers);
	qapi_cfile_free(target);
	qapi_cfile_free(win32);
	buf_release(&out);
	free(names);
	free(origin);
	return ret;
}

static struct json_object *example_of(const struct prep *p, const char *command)
{
	const struct qapi_def *d = qapi_schema_find(p->frag, command);
	struct json_object *obj = NULL;
	char *text = NULL;

	if (d && d->doc)
		qapi_doc_example(&text, d->doc);
	if (text) {
		obj = json_tokener_parse(text);
		if (!obj || !json_object_is_type(obj, json_type_object)) {
			ws_warn_event(p->in->progress, OP, "the example request of '%s' is not a JSON "
				      "object; smoke will not call it", command);
			json_object_put(obj);
			obj = NULL;
		}
	}
	free(text);
	return obj;
}

/*
 * The names of a command's required arguments (smoke does not call a command
 * that has some with no request to make), or NULL when qga-forge cannot
 * tell ('data' a union, a type it does not find).
 */
static struct json_object *required_of(const struct prep *p, const char *command)
{
	const struct qapi_def *d = qapi_schema_find(p->frag, command);
	const struct qapi_value *data = d ? qapi_dict_get(d->expr, "data") : NULL;
	struct json_object *req = json_object_new_array();
	int depth;

	for (depth = 0; data && depth < 8; depth++) {
		const struct qapi_value *base = NULL;
		size_t i;

		if (data->type == QAPI_STRING) {
			const struct qapi_def *t = qapi_schema_find(p->frag, data->str);

			if (!t)
				t = qapi_schema_find(p->merged ? p->merged : p->schema, data->str);
			if (!t || t->meta != QAPI_STRUCT)
				goto unknown;
			base = qapi_dict_get(t->expr, "base");
			data = qapi_dict_get(t->expr, "data");
			if (!data)
				break;
		}
		if (data->type != QAPI_DICT)
			goto unknown;
		for (i = 0; i < data->n; i++)
			if (data->keys[i][0] != '*')
				json_object_array_add(req, json_object_new_string(data->keys[i]));
		if (!base || base->type != QAPI_STRING)
			break;
		data = base;
	}
	return req;
unknown:
	json_object_put(req);
	return NULL;
}

static void finish_result(struct prep *p)
{
	struct addcmd_result *r = p->out;
	const struct addcmd_input *in = p->in;
	struct buf msg = BUF_INIT;
	char *names = names_of(p);
	size_t i, j;

	for (i = 0; i < r->n; i++) {
		r->changes[i].data = r->texts[i].ptr;
		r->changes[i].len = r->texts[i].len;
	}
	if (in->qmp) {
		buf_printf(&msg, "qmp: add %s\n\n", names);
		buf_printf(&msg, "Declared in %s (from %s),\nhandled in %s", p->schema_path, in->origin,
			   p->mp.handler_file);
		if (in->hmp)
			buf_printf(&msg, ",\nwith an HMP wrapper in %s, %s and %s", p->mp.hmp_table,
				   p->mp.hmp_header, p->mp.hmp_file);
	} else {
		buf_printf(&msg, "qga: add %s\n\n", names);
		buf_printf(&msg, "Declared in %s (from %s),\nhandled in %s", SCHEMA_PATH, in->origin,
			   p->pl.handler_file);
	}
	if (!in->qmp && p->pl.schema_if)
		buf_printf(&msg, " under 'if': '%s'", p->pl.schema_if);
	if (!in->qmp && p->pl.win32_file)
		buf_printf(&msg, ",\nanswered with QERR_UNSUPPORTED in %s", p->pl.win32_file);
	buf_puts(&msg, ".\n\n");
	for (i = 0; i < p->n_protos; i++) {
		char *s = qapi_proto_string(&p->protos[i]);

		buf_printf(&msg, "  %s\n", s);
		free(s);
	}
	r->message = buf_detach(&msg, NULL);
	r->entries = xcalloc(p->n_protos + 1, sizeof(*r->entries));
	for (i = 0; i < p->n_protos; i++) {
		struct ws_command *e = &r->entries[r->nentries++];

		e->name = xstrdup(p->protos[i].command);
		e->prototype = qapi_proto_string(&p->protos[i]);
		e->example = example_of(p, p->protos[i].command);
		e->files = xcalloc(r->n + 1, sizeof(*e->files));
		for (j = 0; j < r->n; j++)
			e->files[e->nfiles++] = xstrdup(r->changes[j].path);
		e->origin = xstrdup(in->origin);
		if (in->fragment) {
			e->fragment = xstrndup(in->fragment, in->fragment_len);
			e->fragment_len = in->fragment_len;
		}
		e->handler_name = in->handler_name ? xstrdup(in->handler_name) : NULL;
		if (in->handler) {
			e->handler = xstrndup(in->handler, in->handler_len);
			e->handler_len = in->handler_len;
		}
		e->after = in->after ? xstrdup(in->after) : NULL;
		/* For smoke: what it may call, and whether the handler only answers "not implemented". */
		e->raw = json_object_new_object();
		json_object_object_add(e->raw, "required", required_of(p, p->protos[i].command));
		json_object_object_add(e->raw, "stub", json_object_new_boolean(!in->handler_name));
		if (in->qmp) {
			const struct qapi_def *d = qapi_schema_find(p->frag, p->protos[i].command);
			const struct qapi_value *data = d ? qapi_dict_get(d->expr, "data") : NULL;
			struct json_object *hargs = json_object_new_array();

			/* HMP takes the arguments by position, in this order (smoke writes its line). */
			for (j = 0; data && data->type == QAPI_DICT && j < data->n; j++)
				json_object_array_add(hargs, json_object_new_string(data->keys[j] +
										  (data->keys[j][0] == '*')));
			json_object_object_add(e->raw, "kind", json_object_new_string("qmp"));
			json_object_object_add(e->raw, "hmp", json_object_new_boolean(in->hmp));
			json_object_object_add(e->raw, "hmp_args", hargs);
		}
	}
	free(names);
}

/*
 * A command file is written once for every QEMU release: where this
 * release wants another form of a doc block or an #include line, the
 * inputs are rewritten into it, line for line, and the notes say how.
 */
static int adapt_inputs(struct prep *p)
{
	int ret = qapi_fragment_adapt(&p->frag_text, &p->notes, p->in->fragment_name,
				      p->in->fragment, p->in->fragment_len, p->v);

	if (!ret && p->in->handler_name)
		ret = qapi_handler_adapt(&p->handler_text, &p->notes, p->in->handler_name,
					 p->in->handler, p->in->handler_len, p->v);
	if (!ret && p->notes.len)
		p->out->notes = xstrndup(p->notes.ptr, p->notes.len);
	return ret;
}

int addcmd_prepare(struct addcmd_result *out, const struct addcmd_input *in,
		   const struct qapi_version *v, addcmd_read_fn read, void *arg)
{
	struct prep p;
	struct buf *schema_text;
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	p.in = in;
	p.v = v;
	p.read = read;
	p.arg = arg;
	p.out = out;
	qapi_placement_for(&p.pl, v);
	p.schema_path = SCHEMA_PATH;
	if (in->qmp) {
		if ((ret = qapi_monitor_placement_for(&p.mp, v)) < 0)
			goto out;
		p.schema_path = p.mp.schema_file;
	}

	schema_text = file_for(&p, p.schema_path, &ret);
	if (ret)
		goto out;
	if ((ret = qapi_schema_parse(&p.schema, p.schema_path, schema_text->ptr, schema_text->len, v)) < 0) {
		error_prefix(ret, "the tree's schema does not parse");
		goto out;
	}
	if ((ret = adapt_inputs(&p)) < 0 ||
	    (ret = qapi_schema_parse(&p.frag, in->fragment_name, p.frag_text.ptr, p.frag_text.len, v)) < 0 ||
	    (in->qmp && (ret = qmp_collisions(&p)) < 0) ||
	    (in->qmp && (ret = qmp_add_includes(&p, p.schema, 0)) < 0) ||
	    (in->qmp && (ret = qapi_monitor_check_returns(p.frag, p.schema)) < 0) ||
	    (ret = merge_schema(&p)) < 0 ||
	    (ret = derive_protos(&p)) < 0)
		goto out;
	if (in->gen_tree && in->qmp) {
		ret = qapi_gen_crosscheck_qmp(&out->gen_skipped, in->gen_tree, p.schema_path,
					      p.merged_text.ptr, p.merged_text.len, p.protos, p.n_protos);
		if (ret < 0)
			goto out;
		ret = 0;
	} else if (in->gen_tree) {
		ret = qapi_gen_crosscheck(&out->gen_skipped, in->gen_tree, p.merged_text.ptr,
					  p.merged_text.len, p.protos, p.n_protos);
		if (ret < 0)
			goto out;
		ret = 0;
	}
	buf_swap(schema_text, &p.merged_text);
	if ((ret = place_code(&p)) < 0)
		goto out;
	finish_result(&p);
out:
	for (i = 0; i < p.n_protos; i++)
		qapi_proto_release(&p.protos[i]);
	free(p.protos);
	qapi_schema_free(p.schema);
	qapi_schema_free(p.frag);
	qapi_schema_free(p.merged);
	buf_release(&p.merged_text);
	buf_release(&p.frag_text);
	buf_release(&p.handler_text);
	buf_release(&p.notes);
	if (ret)
		addcmd_result_release(out);
	return ret;
}

void addcmd_result_release(struct addcmd_result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		buf_release(&r->texts[i]);
	free(r->message);
	free(r->notes);
	ws_commands_free(r->entries, r->nentries);
	memset(r, 0, sizeof(*r));
}

bool addcmd_input_from_entry(struct addcmd_input *in, const struct ws_command *e)
{
	memset(in, 0, sizeof(*in));
	in->fragment = e->fragment;
	in->fragment_len = e->fragment_len;
	in->origin = e->origin;
	if (!in->fragment || !in->origin)
		return false;
	in->fragment_name = in->origin;
	in->handler_name = e->handler_name;
	in->handler = e->handler;
	in->handler_len = e->handler_len;
	if (in->handler_name && !in->handler)
		return false;
	in->after = e->after;
	in->qmp = ws_command_is_qmp(e, &in->hmp);
	return true;
}

bool ws_command_is_qmp(const struct ws_command *e, bool *hmp)
{
	struct json_object *v;
	bool qmp = e->raw && json_object_object_get_ex(e->raw, "kind", &v) &&
		   json_object_is_type(v, json_type_string) && !strcmp(json_object_get_string(v), "qmp");

	if (hmp)
		*hmp = qmp && json_object_object_get_ex(e->raw, "hmp", &v) && json_object_get_boolean(v);
	return qmp;
}

/* ---- the operation ---- */

static int read_worktree(struct buf *out, void *arg, const char *rel)
{
	struct ws *ws = arg;
	char *p = fs_path_join(ws_src_dir(ws), rel);
	int ret;

	if (!fs_is_file(p))
		ret = error_set(ERR_NOTFOUND, "the work tree has no '%s'", rel);
	else
		ret = fs_read_file(out, p);
	free(p);
	return ret;
}

int ws_tree_version(struct qapi_version *v, struct ws *ws)
{
	const char *s = ws_info(ws)->qemu_version;
	struct buf b = BUF_INIT;
	int ret;

	if (s && *s)
		return qapi_version_parse(v, s);
	ret = read_worktree(&b, ws, "VERSION");
	if (!ret)
		ret = qapi_version_parse(v, b.ptr);
	buf_release(&b);
	return ret;
}

/*
 * add-command reads and rewrites files of qga/ (and reads VERSION): those
 * must hold what HEAD has. Work elsewhere in the tree may stay uncommitted,
 * and checking only these paths keeps the command fast on a tree of
 * thousands of files.
 */
static int require_clean(struct ws *ws, bool qmp)
{
	static const char *const paths[] = { "qga", "VERSION", "qapi", "monitor", "hmp-commands.hx",
					     "include/monitor" };

	return ws_require_clean(ws, paths, qmp ? 6 : 2);
}

static int read_input(struct buf *b, const char *path)
{
	if (!fs_is_file(path))
		return error_set(ERR_NOTFOUND, "'%s': no such file", path);
	buf_set_cap(b, MAX_INPUT);
	return fs_read_file(b, path);
}

/* A fragment written from --name/--arg/--returns/--doc/--since. */
static int fragment_from_options(struct buf *out, const struct ws_add_opts *o, struct ws *ws,
				 const struct qapi_version *v)
{
	struct qapi_command_spec spec = { 0 };
	struct qapi_arg_spec *args;
	struct qapi_schema *schema = NULL;
	struct buf tmpl = BUF_INIT, st = BUF_INIT;
	/* The spec parsers cut their text in place: they get copies. */
	struct strvec argv = STRVEC_INIT;
	char *returns = o->returns ? xstrdup(o->returns) : NULL;
	const char *schema_path = SCHEMA_PATH;
	struct qapi_monitor_placement mp;
	size_t n = 0, i;
	int ret = 0;

	if (o->qmp && !(ret = qapi_monitor_placement_for(&mp, v)))
		schema_path = mp.schema_file;
	strvec_pushv(&argv, o->args);
	n = argv.n;
	args = xcalloc(n + 1, sizeof(*args));
	if (!ret)
		ret = ws_read_data(&tmpl, o->datadir, "templates/doc-comment.qapi.in");
	for (i = 0; !ret && i < n; i++)
		ret = qapi_parse_arg_spec(&args[i], argv.v[i]);
	spec.name = o->name;
	spec.n_args = n;
	spec.args = args;
	spec.doc = o->doc;
	spec.since = o->since;
	if (!ret && returns)
		ret = qapi_parse_type_spec(&spec.returns, &spec.returns_list, returns);
	if (!ret)
		ret = read_worktree(&st, ws, schema_path);
	if (!ret && (ret = qapi_schema_parse(&schema, schema_path, st.ptr, st.len, v)) < 0)
		error_prefix(ret, "the tree's schema does not parse");
	if (!ret && qapi_schema_find(schema, o->name)) {
		const struct qapi_def *d = qapi_schema_find(schema, o->name);
		struct qapi_loc l = qapi_schema_loc(schema, d->start);

		ret = error_set(ERR_EXISTS, "--name: '%s' is already defined in %s:%u:%u (%s '%s' of the tree)",
				o->name, schema_path, l.line, l.col, qapi_meta_name(d->meta), d->name);
	}
	if (!ret)
		ret = qapi_fragment_from_spec(out, schema, &spec, v, tmpl.ptr);
	qapi_schema_free(schema);
	buf_release(&tmpl);
	buf_release(&st);
	free(args);
	free(returns);
	strvec_clear(&argv);
	return ret;
}

/* What adapt_inputs() rewrote for this release, one event per line. */
static void print_notes(const struct ws_progress *pr, const char *notes)
{
	while (notes && *notes) {
		const char *nl = strchr(notes, '\n');
		int len = nl ? (int)(nl - notes) : (int)strlen(notes);

		ws_info_event(pr, OP, "add-command: %.*s", len, notes);
		notes += len + (nl != NULL);
	}
}

int ws_op_add_command(struct ws *ws, struct ws_add_result *out, const struct ws_add_opts *o)
{
	const struct ws_progress *pr = &o->progress;
	double t0 = clock_now();
	struct ws_txn *t = NULL;
	struct qapi_version v;
	struct addcmd_input in;
	struct addcmd_result r;
	struct buf frag = BUF_INIT, handler = BUF_INIT;
	struct ws_state *st;
	char *origin = NULL, *hname = NULL, commit[41];
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	memset(&in, 0, sizeof(in));
	memset(&r, 0, sizeof(r));
	ws_step_time(pr, OP, &t0, "opening the workspace");
	if ((ret = require_clean(ws, o->qmp)) < 0 || (ret = ws_tree_version(&v, ws)) < 0)
		goto out;
	ws_step_time(pr, OP, &t0, "checking that the work tree is clean");
	if (o->fragment_path) {
		origin = fs_basename(o->fragment_path);
		in.fragment_name = o->fragment_path;
		ret = read_input(&frag, o->fragment_path);
	} else {
		origin = xasprintf("--name %s", o->name);
		in.fragment_name = origin;
		ret = fragment_from_options(&frag, o, ws, &v);
	}
	if (!ret && o->handler_path) {
		ret = read_input(&handler, o->handler_path);
		hname = fs_basename(o->handler_path);
		in.handler_name = o->handler_path;
		in.handler = handler.ptr;
		in.handler_len = handler.len;
	}
	if (ret)
		goto out;
	in.origin = origin;
	in.fragment = frag.ptr;
	in.fragment_len = frag.len;
	in.after = o->after;
	in.gen_tree = o->no_generator ? NULL : ws_src_dir(ws);
	in.datadir = o->datadir;
	in.progress = pr;
	in.qmp = o->qmp;
	in.hmp = o->hmp;
	if ((ret = addcmd_prepare(&r, &in, &v, read_worktree, ws)) < 0)
		goto out;
	ws_step_time(pr, OP, &t0, in.gen_tree ? "declaring, placing and checking (generator included)" :
		     "declaring, placing and checking");
	if (r.gen_skipped)
		ws_info_event(pr, OP, "add-command: generator check skipped: %s", r.gen_skipped);
	print_notes(pr, r.notes);
	if ((ret = ws_txn_begin(&t, ws)) < 0 ||
	    (ret = ws_stage_commit(ws, t, r.changes, r.n, r.message, commit)) < 0)
		goto out;
	ws_step_time(pr, OP, &t0, "writing the commit");
	st = ws_edit(ws);
	st->commands = xrealloc(st->commands, (st->ncommands + r.nentries + 1) * sizeof(*st->commands));
	out->added = xcalloc(r.nentries + 1, sizeof(*out->added));
	for (i = 0; i < r.nentries; i++) {
		struct ws_command *e = &r.entries[i];

		/* Recorded with the handler's base name: the path was only for messages. */
		if (hname)
			ws_state_set_str(&e->handler_name, hname);
		ws_state_set_str(&e->commit, commit);
		ws_command_copy(&out->added[out->n++], e);
		st->commands[st->ncommands++] = *e;
		memset(e, 0, sizeof(*e));
	}
	ret = ws_txn_commit(t);
	t = NULL;
	if (!ret)
		ws_step_time(pr, OP, &t0, "committing the transaction");
out:
	if (t)
		ws_txn_abort(t);
	if (ret)
		ws_add_result_release(out);
	addcmd_result_release(&r);
	buf_release(&frag);
	buf_release(&handler);
	free(origin);
	free(hname);
	return ret;
}

void ws_add_result_release(struct ws_add_result *r)
{
	ws_commands_free(r->added, r->n);
	memset(r, 0, sizeof(*r));
}
