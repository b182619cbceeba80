#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/banned.h"

/* scripts/qapi/common.py: c_name() and the words it protects. */
static const char *const reserved_words[] = {
	/* C89 */
	"auto", "break", "case", "char", "const", "continue", "default", "do", "double",
	"else", "enum", "extern", "float", "for", "goto", "if", "int", "long", "register",
	"return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
	"union", "unsigned", "void", "volatile", "while",
	/* C99 */
	"inline", "restrict", "_Bool", "_Complex", "_Imaginary",
	/* C11 */
	"_Alignas", "_Alignof", "_Atomic", "_Generic", "_Noreturn", "_Static_assert",
	"_Thread_local",
	/* GCC */
	"asm", "typeof",
	/* C++ */
	"bool", "catch", "class", "const_cast", "delete", "dynamic_cast", "explicit", "false",
	"friend", "mutable", "namespace", "new", "operator", "private", "protected", "public",
	"reinterpret_cast", "static_cast", "template", "this", "throw", "true", "try", "typeid",
	"typename", "using", "virtual", "wchar_t", "and", "and_eq", "bitand", "bitor", "compl",
	"not", "not_eq", "or", "or_eq", "xor", "xor_eq",
	/* namespace pollution, every version */
	"unix", "errno", "mips", "sparc",
	NULL
};

char *qapi_c_name(const char *name, bool protect, const struct qapi_version *v)
{
	struct qapi_rules r;
	char *out = xstrdup(name);
	char *p;
	size_t i;

	qapi_rules_init(&r, v);
	for (p = out; *p; p++) {
		if (r.c_name_all_chars) {
			if (!isalnum((unsigned char)*p) && *p != '_')
				*p = '_';
		} else if (*p == '-' || *p == '.') {
			*p = '_';
		}
	}
	if (!protect)
		return out;
	for (i = 0; reserved_words[i]; i++)
		if (!strcmp(out, reserved_words[i]))
			goto prefix;
	if ((r.polluted_i386 && !strcmp(out, "i386")) || (r.polluted_linux && !strcmp(out, "linux")))
		goto prefix;
	if (r.c_name_digit && isdigit((unsigned char)out[0]))
		goto prefix;
	return out;
prefix:
	p = xasprintf("q_%s", out);
	free(out);
	return p;
}

static bool is_pointer(const char *ctype)
{
	size_t n = strlen(ctype);

	return n && ctype[n - 1] == '*';
}

/*
 * The C type of a type reference (a name or a one-element list), as
 * QAPISchemaType.c_type() gives it. *is_list tells arrays apart (they keep
 * their has_ flag from 8.0 on).
 */
static int ctype_of(char **out, bool *is_list, const struct qapi_schema *s,
		    const struct qapi_value *ref, const struct qapi_version *v)
{
	const struct qapi_value *name = ref;
	const struct qapi_def *d;
	const char *b;
	char *cn, *elt;

	*is_list = false;
	if (ref->type == QAPI_DICT)
		name = ref = qapi_dict_get(ref, "type");
	if (!ref)
		return error_set(ERR_INPUT, "member without a type");
	if (ref->type == QAPI_LIST) {
		if (ref->n != 1 || ref->items[0]->type != QAPI_STRING)
			return error_set(ERR_INPUT, "array type must contain single type name");
		/* The array type is named ELEMENTList, and c_name() applies to that name. */
		elt = xasprintf("%sList", ref->items[0]->str);
		cn = qapi_c_name(elt, true, v);
		*out = xasprintf("%s *", cn);
		free(cn);
		free(elt);
		*is_list = true;
		return 0;
	}
	if (name->type != QAPI_STRING)
		return error_set(ERR_INPUT, "type reference must be a string");
	b = qapi_builtin_ctype(name->str);
	if (b) {
		*out = xstrdup(b);
		return 0;
	}
	d = qapi_lookup(s, name->str, NULL);
	if (!d) {
		size_t n = strlen(name->str);

		if (n > 4 && !strcmp(name->str + n - 4, "List")) {
			*out = xasprintf("%s *", name->str);
			*is_list = true;
			return 0;
		}
		return error_set(ERR_INPUT, "unknown type '%s'", name->str);
	}
	cn = qapi_c_name(name->str, true, v);
	if (d->meta == QAPI_ENUM)
		*out = cn;
	else {
		*out = xasprintf("%s *", cn);
		free(cn);
	}
	return 0;
}

static void add_param(struct qapi_proto *p, const char *ctype, const char *name)
{
	p->params = xrealloc(p->params, (p->n + 1) * sizeof(*p->params));
	p->params[p->n].ctype = xstrdup(ctype);
	p->params[p->n].name = xstrdup(name);
	p->n++;
}

static int add_members(struct qapi_proto *p, const struct qapi_schema *s,
		       const struct qapi_value *members, const struct qapi_version *v,
		       const struct qapi_rules *r)
{
	size_t i;
	int rc;

	if (!members || members->type != QAPI_DICT)
		return 0;
	for (i = 0; i < members->n; i++) {
		const char *key = members->keys[i];
		bool optional = *key == '*';
		char *ctype = NULL, *cn;
		bool is_list;

		if (optional)
			key++;
		rc = ctype_of(&ctype, &is_list, s, members->items[i], v);
		if (rc)
			return rc;
		/* c_param_type(): a 'str' argument is const */
		if (!strcmp(ctype, "char *")) {
			free(ctype);
			ctype = xstrdup("const char *");
		}
		cn = qapi_c_name(key, true, v);
		if (optional && (r->has_for_all_optionals || !is_pointer(ctype) || is_list)) {
			char *has = xasprintf("has_%s", cn);

			add_param(p, "bool", has);
			free(has);
		}
		add_param(p, ctype, cn);
		free(cn);
		free(ctype);
	}
	return 0;
}

/* Members of struct `name` with its bases first, as the generator flattens them. */
static int add_struct_members(struct qapi_proto *p, const struct qapi_schema *s, const char *name,
			      const struct qapi_version *v, const struct qapi_rules *r, int depth)
{
	const struct qapi_def *d = qapi_lookup(s, name, NULL);
	const struct qapi_value *base;
	int rc;

	if (!d || d->meta != QAPI_STRUCT)
		return error_set(ERR_INPUT, "'%s' is not a struct type", name);
	if (depth > 32)
		return error_set(ERR_INPUT, "struct '%s' contains itself", name);
	base = qapi_dict_get(d->expr, "base");
	if (base && base->type == QAPI_STRING) {
		rc = add_struct_members(p, s, base->str, v, r, depth + 1);
		if (rc)
			return rc;
	}
	return add_members(p, s, qapi_dict_get(d->expr, "data"), v, r);
}

int qapi_proto_derive(struct qapi_proto *out, const struct qapi_schema *s, const char *command,
		      const struct qapi_version *v)
{
	const struct qapi_def *d = qapi_lookup(s, command, NULL);
	const struct qapi_value *data, *rets, *boxed;
	struct qapi_rules r;
	bool is_list;
	char *cn;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!d || d->meta != QAPI_COMMAND)
		return error_set(ERR_NOTFOUND, "no command '%s' in the schema", command);
	qapi_rules_init(&r, v);
	data = qapi_dict_get(d->expr, "data");
	rets = qapi_dict_get(d->expr, "returns");
	boxed = qapi_dict_get(d->expr, "boxed");

	out->command = xstrdup(command);
	cn = qapi_c_name(command, true, v);
	out->func = xasprintf("qmp_%s", cn);
	free(cn);
	if (rets) {
		rc = ctype_of(&out->ret, &is_list, s, rets, v);
		if (rc)
			goto fail;
	} else {
		out->ret = xstrdup("void");
	}
	out->ret_pointer = is_pointer(out->ret);

	if (boxed && boxed->type == QAPI_BOOL && boxed->boolean && data) {
		char *ctype = NULL;

		rc = ctype_of(&ctype, &is_list, s, data, v);
		if (rc)
			goto fail;
		add_param(out, ctype, "arg");
		free(ctype);
	} else if (data && data->type == QAPI_STRING) {
		rc = add_struct_members(out, s, data->str, v, &r, 0);
		if (rc)
			goto fail;
	} else {
		rc = add_members(out, s, data, v, &r);
		if (rc)
			goto fail;
	}
	add_param(out, "Error **", "errp");
	return 0;
fail:
	error_prefix(rc, "command '%s'", command);
	qapi_proto_release(out);
	return rc;
}

void qapi_proto_release(struct qapi_proto *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->params[i].ctype);
		free(p->params[i].name);
	}
	free(p->params);
	free(p->command);
	free(p->ret);
	free(p->func);
	memset(p, 0, sizeof(*p));
}

char *qapi_proto_string(const struct qapi_proto *p)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_printf(&b, "%s%s%s(", p->ret, is_pointer(p->ret) ? "" : " ", p->func);
	for (i = 0; i < p->n; i++)
		buf_printf(&b, "%s%s%s%s", i ? ", " : "", p->params[i].ctype,
			   is_pointer(p->params[i].ctype) ? "" : " ", p->params[i].name);
	buf_puts(&b, ");");
	return buf_detach(&b, NULL);
}
