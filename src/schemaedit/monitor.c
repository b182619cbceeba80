/*
 * QEMU monitor commands: where a QMP command's declaration and handler go
 * in a full QEMU tree, and the HMP wrapper written from its arguments.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/banned.h"

/*
 * The files by version. 7.2 and 10.0 (read in Debian's trees) agree for a
 * command of qapi/misc.json: monitor/qmp-cmds.c and monitor/hmp-cmds.c both
 * include qapi/qapi-commands-misc.h, hmp_handle_error() returns bool in
 * both. 8.0 moved the subsystem wrappers out of monitor/hmp-cmds.c (to
 * block/, net/, migration/, ...), but the miscellaneous ones stayed there.
 * Before 7.2 the project has not read a tree: refused.
 */
static const struct {
	int major, minor;                 /* from this release on */
	struct qapi_monitor_placement pl;
} placements[] = {
	{ 7, 2, { "qapi/misc.json", "qapi/qapi-commands-misc.h", "monitor/qmp-cmds.c",
		  "hmp-commands.hx", "include/monitor/hmp.h", "monitor/hmp-cmds.c" } },
};

int qapi_monitor_placement_for(struct qapi_monitor_placement *out, const struct qapi_version *v)
{
	size_t i, n = sizeof(placements) / sizeof(placements[0]);

	memset(out, 0, sizeof(*out));
	for (i = n; i-- > 0;)
		if (!v || qapi_version_cmp(v, placements[i].major, placements[i].minor) >= 0) {
			*out = placements[i].pl;
			return 0;
		}
	return error_set(ERR_INPUT, "QMP commands: QEMU %d.%d is older than %d.%d, the oldest release "
			 "whose monitor files qga-forge knows", v->major, v->minor, placements[0].major,
			 placements[0].minor);
}

/* ---- HMP ---- */

/* How hmp-commands.hx reads a scalar type, and how the wrapper gets it from the QDict. */
struct hmp_type {
	const char *qapi;
	char letter;       /* args_type letter (monitor/hmp.c monitor_parse_arguments()) */
	const char *ctype;
	const char *get;   /* "qdict_get_try_int" ... */
	const char *fmt;   /* printf format of the value (cast to `cast`) */
	const char *cast;
};

static const struct hmp_type hmp_types[] = {
	{ "str", 's', "const char *", "qdict_get_try_str", "%s", NULL },
	{ "int", 'l', "int64_t", "qdict_get_try_int", "%\" PRId64 \"", NULL },
	{ "int64", 'l', "int64_t", "qdict_get_try_int", "%\" PRId64 \"", NULL },
	{ "int8", 'i', "int8_t", "qdict_get_try_int", "%\" PRId64 \"", "int64_t" },
	{ "int16", 'i', "int16_t", "qdict_get_try_int", "%\" PRId64 \"", "int64_t" },
	{ "int32", 'i', "int32_t", "qdict_get_try_int", "%\" PRId64 \"", "int64_t" },
	{ "uint8", 'i', "uint8_t", "qdict_get_try_int", "%\" PRIu64 \"", "uint64_t" },
	{ "uint16", 'i', "uint16_t", "qdict_get_try_int", "%\" PRIu64 \"", "uint64_t" },
	{ "uint32", 'i', "uint32_t", "qdict_get_try_int", "%\" PRIu64 \"", "uint64_t" },
	{ "uint64", 'l', "uint64_t", "qdict_get_try_int", "%\" PRIu64 \"", NULL },
	{ "size", 'o', "uint64_t", "qdict_get_try_int", "%\" PRIu64 \"", NULL },
	{ "number", 'T', "double", "qdict_get_try_double", "%g", NULL },
	{ "bool", 'b', "bool", "qdict_get_try_bool", "%s", NULL },
	{ NULL, 0, NULL, NULL, NULL, NULL }
};

static const struct hmp_type *hmp_type_of(const char *qapi)
{
	size_t i;

	for (i = 0; hmp_types[i].qapi; i++)
		if (!strcmp(hmp_types[i].qapi, qapi))
			return &hmp_types[i];
	return NULL;
}

/* The member's type name, or NULL when it is a list (or malformed). */
static const char *member_type(const struct qapi_value *m)
{
	if (m && m->type == QAPI_DICT)
		m = qapi_dict_get(m, "type");
	return m && m->type == QAPI_STRING ? m->str : NULL;
}

static bool proto_has(const struct qapi_proto *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->params[i].name, name))
			return true;
	return false;
}

/* Text safe inside a C string and an .hx line: printable ASCII, quotes and backslashes dropped. */
static char *help_text(const struct qapi_def *d, const char *command)
{
	const char *body = d->doc && d->doc->body ? d->doc->body : "";
	struct buf b = BUF_INIT;
	const char *p;

	while (*body == '\n' || *body == ' ')
		body++;
	for (p = body; *p && *p != '\n' && b.len < 72; p++)
		if (isprint((unsigned char)*p) && *p != '"' && *p != '\\')
			buf_put(&b, p, 1);
	buf_rtrim(&b);
	if (!b.len)
		buf_printf(&b, "run QMP command %s", command);
	return buf_detach(&b, NULL);
}

struct hmp_arg {
	const char *name;      /* QAPI member name */
	char *cname;           /* its C name */
	bool optional;
	const struct hmp_type *t;  /* NULL: an enum */
	const char *enum_name;
};

static int hmp_args(struct hmp_arg **out, size_t *n, const struct qapi_schema *s,
		    const struct qapi_def *d, const struct qapi_version *v)
{
	const struct qapi_value *data = qapi_dict_get(d->expr, "data");
	const struct qapi_value *boxed = qapi_dict_get(d->expr, "boxed");
	struct hmp_arg *a;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!data)
		return 0;
	if (data->type != QAPI_DICT || (boxed && boxed->type == QAPI_BOOL && boxed->boolean))
		return error_set(ERR_INPUT, "--hmp: '%s' takes its arguments as one type; an HMP "
				 "wrapper is written for arguments listed in 'data'", d->name);
	a = xcalloc(data->n + 1, sizeof(*a));
	for (i = 0; i < data->n; i++) {
		const char *key = data->keys[i];
		const char *type = member_type(data->items[i]);
		const struct qapi_def *td = NULL;

		a[i].optional = *key == '*';
		a[i].name = key + a[i].optional;
		a[i].cname = qapi_c_name(a[i].name, true, v);
		if (type)
			a[i].t = hmp_type_of(type);
		if (type && !a[i].t)
			td = qapi_lookup(s, type, NULL);
		if (td && td->meta == QAPI_ENUM)
			a[i].enum_name = td->name;
		*n = i + 1;
		if (!a[i].t && !a[i].enum_name) {
			*out = a;
			return error_set(ERR_INPUT, "--hmp: argument '%s' of '%s' is %s%s%s: HMP cannot express "
					 "it (hmp-commands.hx takes strings, integers, sizes, numbers, "
					 "booleans and enum names); declare the command without --hmp",
					 a[i].name, d->name, type ? "of type '" : "a list",
					 type ? type : "", type ? "'" : "");
		}
	}
	*out = a;
	return 0;
}

static void hmp_args_free(struct hmp_arg *a, size_t n)
{
	size_t i;

	for (i = 0; a && i < n; i++)
		free(a[i].cname);
	free(a);
}

/* printf of the scalar `expr` of QAPI type `type` (a builtin or an enum); false if not scalar. */
static bool print_scalar(struct buf *b, const struct qapi_schema *s, const char *indent,
			 const char *label, const char *type, const char *expr)
{
	const struct hmp_type *t = type ? hmp_type_of(type) : NULL;
	const struct qapi_def *td;

	if (t && !strcmp(type, "bool")) {
		buf_printf(b, "%smonitor_printf(mon, \"%s%%s\\n\", %s ? \"true\" : \"false\");\n", indent,
			   label, expr);
		return true;
	}
	if (t) {
		buf_printf(b, "%smonitor_printf(mon, \"%s%s\\n\", ", indent, label, t->fmt);
		if (t->cast)
			buf_printf(b, "(%s)%s);\n", t->cast, expr);
		else
			buf_printf(b, "%s);\n", expr);
		return true;
	}
	td = type ? qapi_lookup(s, type, NULL) : NULL;
	if (td && td->meta == QAPI_ENUM) {
		buf_printf(b, "%smonitor_printf(mon, \"%s%%s\\n\", %s_str(%s));\n", indent, label, td->name,
			   expr);
		return true;
	}
	return false;
}

/* Print the members of struct `type` held in `var` (a pointer), bases first. */
static int print_struct(struct buf *b, const struct qapi_schema *s, const char *indent,
			const char *type, const char *var, const struct qapi_version *v, int depth)
{
	const struct qapi_def *d = qapi_lookup(s, type, NULL);
	const struct qapi_value *base, *data;
	struct qapi_rules r;
	size_t i;
	int ret;

	if (!d || d->meta != QAPI_STRUCT || depth > 8)
		return error_set(ERR_INPUT, "--hmp: '%s' is not a struct the wrapper can print", type);
	qapi_rules_init(&r, v);
	base = qapi_dict_get(d->expr, "base");
	if (base && base->type == QAPI_STRING &&
	    (ret = print_struct(b, s, indent, base->str, var, v, depth + 1)) < 0)
		return ret;
	data = qapi_dict_get(d->expr, "data");
	for (i = 0; data && data->type == QAPI_DICT && i < data->n; i++) {
		const char *key = data->keys[i];
		bool optional = *key == '*';
		const char *name = key + optional, *mt = member_type(data->items[i]);
		const struct hmp_type *t = mt ? hmp_type_of(mt) : NULL;
		char *cn = qapi_c_name(name, true, v), *expr = xasprintf("%s->%s", var, cn);
		char *label = xasprintf("%s: ", name);
		char *inner = xasprintf("%s    ", indent);
		bool pointer = t ? !strcmp(t->ctype, "const char *") : !mt;
		const struct qapi_def *td = mt && !t ? qapi_lookup(s, mt, NULL) : NULL;

		if (td && td->meta != QAPI_ENUM)
			pointer = true;
		if (optional && (r.has_for_all_optionals || !pointer || !mt))
			buf_printf(b, "%sif (%s->has_%s) {\n", indent, var, cn);
		else if (optional)
			buf_printf(b, "%sif (%s) {\n", indent, expr);
		if (!print_scalar(b, s, optional ? inner : indent, label, mt, expr))
			buf_printf(b, "%s/* '%s' is not a scalar: not printed */\n", optional ? inner : indent,
				   name);
		if (optional)
			buf_printf(b, "%s}\n", indent);
		free(cn);
		free(expr);
		free(label);
		free(inner);
	}
	return 0;
}

static int hmp_code(struct buf *b, const struct qapi_schema *s, const struct qapi_def *d,
		    const struct qapi_proto *p, const struct hmp_arg *a, size_t n,
		    const char *func, const struct qapi_version *v)
{
	const struct qapi_value *rets = qapi_dict_get(d->expr, "returns");
	const char *rtype = NULL;
	bool rlist = false, any_enum = false;
	size_t i;
	int ret;

	for (i = 0; i < n; i++)
		any_enum |= a[i].enum_name != NULL;
	if (rets && rets->type == QAPI_LIST && rets->n == 1 && rets->items[0]->type == QAPI_STRING) {
		rtype = rets->items[0]->str;
		rlist = true;
	} else if (rets && rets->type == QAPI_STRING) {
		rtype = rets->str;
	}
	if (rets && (!rtype || !qapi_lookup(s, rtype, NULL) ||
		     qapi_lookup(s, rtype, NULL)->meta != QAPI_STRUCT))
		return error_set(ERR_INPUT, "--hmp: '%s' returns %s: the HMP wrapper prints a struct or a "
				 "list of structs", d->name, rtype ? rtype : "a value it cannot print");

	buf_puts(b, "#include \"qemu/osdep.h\"\n");
	if (any_enum)
		buf_puts(b, "#include \"qapi/util.h\"\n");
	buf_printf(b, "\nvoid %s(Monitor *mon, const QDict *qdict)\n{\n", func);
	for (i = 0; i < n; i++) {
		char *has = xasprintf("has_%s", a[i].cname);

		if (proto_has(p, has))
			buf_printf(b, "    bool %s = qdict_haskey(qdict, \"%s\");\n", has, a[i].name);
		free(has);
		if (a[i].enum_name)
			buf_printf(b, "    const char *%s_str = qdict_get_try_str(qdict, \"%s\");\n", a[i].cname,
				   a[i].name);
		else if (!strcmp(a[i].t->qapi, "str"))
			buf_printf(b, "    const char *%s = qdict_get_try_str(qdict, \"%s\");\n", a[i].cname,
				   a[i].name);
		else if (!strcmp(a[i].t->qapi, "bool"))
			buf_printf(b, "    bool %s = qdict_get_try_bool(qdict, \"%s\", false);\n", a[i].cname,
				   a[i].name);
		else
			buf_printf(b, "    %s %s = %s(qdict, \"%s\", 0);\n", a[i].t->ctype, a[i].cname,
				   a[i].t->get, a[i].name);
	}
	if (rtype)
		buf_printf(b, "    %s%s *ret;\n", rtype, rlist ? "List" : "");
	if (rlist)
		buf_printf(b, "    %sList *e;\n", rtype);
	buf_puts(b, "    Error *err = NULL;\n");
	for (i = 0; i < n; i++) {
		if (!a[i].enum_name)
			continue;
		buf_printf(b, "    %s %s = %s%s_str ? qapi_enum_parse(&%s_lookup, %s_str, -1, &err) : 0;\n",
			   a[i].enum_name, a[i].cname, "", a[i].cname, a[i].enum_name, a[i].cname);
		buf_puts(b, "\n    if (hmp_handle_error(mon, err)) {\n        return;\n    }\n");
	}
	buf_puts(b, "\n    ");
	if (rtype)
		buf_puts(b, "ret = ");
	buf_printf(b, "%s(", p->func);
	for (i = 0; i + 1 < p->n; i++)
		buf_printf(b, "%s, ", p->params[i].name);
	buf_puts(b, "&err);\n");
	if (!rtype) {
		buf_puts(b, "    hmp_handle_error(mon, err);\n}\n");
		return 0;
	}
	buf_puts(b, "    if (hmp_handle_error(mon, err)) {\n        return;\n    }\n");
	if (rlist) {
		buf_puts(b, "    for (e = ret; e; e = e->next) {\n");
		ret = print_struct(b, s, "        ", rtype, "e->value", v, 0);
		buf_puts(b, "        if (e->next) {\n            monitor_printf(mon, \"\\n\");\n        }\n");
		buf_puts(b, "    }\n");
	} else {
		ret = print_struct(b, s, "    ", rtype, "ret", v, 0);
	}
	if (ret)
		return ret;
	buf_printf(b, "    qapi_free_%s%s(ret);\n}\n", rtype, rlist ? "List" : "");
	return 0;
}

int qapi_hmp_generate(struct qapi_hmp *out, const struct qapi_schema *s, const struct qapi_proto *p,
		      const struct qapi_version *v)
{
	const struct qapi_def *d = qapi_lookup(s, p->command, NULL);
	struct hmp_arg *a = NULL;
	struct buf args = BUF_INIT, params = BUF_INIT, code = BUF_INIT, hx = BUF_INIT, srst = BUF_INIT;
	char *cn = NULL, *help = NULL;
	size_t n = 0, i;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!d || d->meta != QAPI_COMMAND)
		return error_set(ERR_NOTFOUND, "no command '%s' in the schema", p->command);
	if ((ret = hmp_args(&a, &n, s, d, v)) < 0)
		goto out;
	cn = qapi_c_name(p->command, false, v);
	out->func = xasprintf("hmp_%s", cn);
	for (i = 0; i < n; i++) {
		buf_printf(&args, "%s%s:%c%s", i ? "," : "", a[i].name, a[i].enum_name ? 's' : a[i].t->letter,
			   a[i].optional ? "?" : "");
		buf_printf(&params, "%s%s%s%s", i ? " " : "", a[i].optional ? "[" : "", a[i].name,
			   a[i].optional ? "]" : "");
		buf_printf(&srst, " %s*%s*%s", a[i].optional ? "[" : "", a[i].name, a[i].optional ? "]" : "");
	}
	if ((ret = hmp_code(&code, s, d, p, a, n, out->func, v)) < 0)
		goto out;
	help = help_text(d, p->command);
	buf_printf(&hx, "    {\n        .name       = \"%s\",\n        .args_type  = \"%s\",\n"
		   "        .params     = \"%s\",\n        .help       = \"%s\",\n"
		   "        .cmd        = %s,\n    },\n\nSRST\n``%s``%s\n  %s\nERST\n",
		   p->command, args.ptr, params.ptr, help, out->func, p->command, srst.ptr, help);
	out->name = xstrdup(p->command);
	out->args_type = buf_detach(&args, NULL);
	out->params = buf_detach(&params, NULL);
	out->hx_entry = buf_detach(&hx, NULL);
	out->decl = xasprintf("void %s(Monitor *mon, const QDict *qdict);\n", out->func);
	out->code = buf_detach(&code, NULL);
out:
	if (ret)
		qapi_hmp_release(out);
	hmp_args_free(a, n);
	buf_release(&args);
	buf_release(&params);
	buf_release(&code);
	buf_release(&hx);
	buf_release(&srst);
	free(cn);
	free(help);
	return ret;
}

void qapi_hmp_release(struct qapi_hmp *h)
{
	free(h->name);
	free(h->func);
	free(h->args_type);
	free(h->params);
	free(h->hx_entry);
	free(h->decl);
	free(h->code);
	memset(h, 0, sizeof(*h));
}

/* 1-based line and column of byte `off` of `text`. */
static void line_col(const char *text, size_t off, unsigned *line, unsigned *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* Where `needle` starts as a whole word in text, or (size_t)-1. */
static size_t find_word(const char *text, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++) {
		if (memcmp(text + i, needle, n))
			continue;
		if (i && (isalnum((unsigned char)text[i - 1]) || text[i - 1] == '_'))
			continue;
		if (i + n < len && (isalnum((unsigned char)text[i + n]) || text[i + n] == '_'))
			continue;
		return i;
	}
	return (size_t)-1;
}

int qapi_hmp_add_table(struct buf *out, const char *fname, const char *text, size_t len,
		       const struct qapi_hmp *h)
{
	char *key = xasprintf("\"%s\"", h->name);
	size_t at = 0, off;
	unsigned line, col;
	int ret = 0;

	/* An entry's name is the first string after ".name" on its line. */
	while ((off = find_word(text + at, len - at, ".name")) != (size_t)-1) {
		const char *ls = text + at + off, *le = memchr(ls, '\n', len - at - off);
		const char *hit = NULL;

		if (!le)
			le = text + len;
		if ((size_t)(le - ls) >= strlen(key))
			hit = memmem(ls, (size_t)(le - ls), key, strlen(key));
		if (hit) {
			line_col(text, (size_t)(hit - text), &line, &col);
			ret = error_set(ERR_EXISTS, "%s:%u:%u: the tree already has an HMP command '%s'", fname,
					line, col, h->name);
			goto out;
		}
		at = (size_t)(le - text);
	}
	buf_put(out, text, len);
	if (len && text[len - 1] != '\n')
		buf_puts(out, "\n");
	buf_printf(out, "\n%s", h->hx_entry);
out:
	free(key);
	return ret;
}

int qapi_hmp_add_decl(struct buf *out, const char *fname, const char *text, size_t len,
		      const struct qapi_hmp *h)
{
	size_t off = find_word(text, len, h->func), endif = (size_t)-1, i;
	unsigned line, col;

	if (off != (size_t)-1) {
		line_col(text, off, &line, &col);
		return error_set(ERR_EXISTS, "%s:%u:%u: the tree already declares '%s'", fname, line, col,
				 h->func);
	}
	/* Before the include guard's #endif: the last "#endif" line. */
	for (i = 0; i + 6 <= len; i++)
		if ((i == 0 || text[i - 1] == '\n') && !memcmp(text + i, "#endif", 6))
			endif = i;
	if (endif == (size_t)-1)
		return error_set(ERR_INPUT, "%s: no closing #endif to put '%s' before", fname, h->func);
	buf_put(out, text, endif);
	buf_puts(out, h->decl);
	buf_puts(out, "\n");
	buf_put(out, text + endif, len - endif);
	return 0;
}

int qapi_monitor_check_returns(const struct qapi_schema *frag, const struct qapi_schema *schema)
{
	size_t i;

	for (i = 0; i < frag->n_defs; i++) {
		const struct qapi_def *d = &frag->defs[i], *t;
		const struct qapi_value *r = d->meta == QAPI_COMMAND ? qapi_dict_get(d->expr, "returns") : NULL;
		const struct qapi_value *name = r;

		if (!r)
			continue;
		if (r->type == QAPI_LIST && r->n == 1)
			name = r->items[0];
		if (name->type != QAPI_STRING)
			continue;  /* the checker says what is wrong */
		t = qapi_lookup(frag, name->str, NULL);
		if (!t)
			t = qapi_lookup(schema, name->str, NULL);
		if (t && (t->meta == QAPI_STRUCT || (t->meta == QAPI_UNION && r == name)))
			continue;
		if (!t && !qapi_is_builtin(name->str))
			continue;
		return qapi_err_at(frag, r->loc.offset, "a QMP command returns an object (a struct, or a list "
				   "of structs), not %s '%s': QEMU's 'command-returns-exceptions' pragma "
				   "is for its old commands", t ? qapi_meta_name(t->meta) : "the builtin",
				   name->str);
	}
	return 0;
}
