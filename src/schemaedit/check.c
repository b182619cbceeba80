#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/banned.h"

/*
 * The rules of QEMU's scripts/qapi/expr.py and schema.py, by version
 * (struct qapi_rules). Messages are ours, but each names the same problem
 * at the same place the generator would, so a user can fix their
 * declaration before the (slower) generator cross-check runs.
 */

struct pragmas {
	int doc_required;            /* -1 unset */
	const struct qapi_value *returns_ok;   /* list of command names */
	const struct qapi_value *name_ok;      /* command-name-exceptions */
	const struct qapi_value *member_ok;    /* member-name-exceptions / name-case-whitelist */
	const struct qapi_value *doc_ok;       /* documentation-exceptions */
};

struct checker {
	const struct qapi_schema *root;
	const struct qapi_schema *s;   /* the file being checked */
	struct qapi_rules r;
	struct pragmas pragma;
};

static const char *const builtins[] = {
	"str", "number", "int", "int8", "int16", "int32", "int64", "uint8", "uint16",
	"uint32", "uint64", "size", "bool", "any", "null", "QType", NULL
};

bool qapi_is_builtin(const char *name)
{
	size_t i;

	for (i = 0; builtins[i]; i++)
		if (!strcmp(builtins[i], name))
			return true;
	return false;
}

const char *qapi_builtin_ctype(const char *name)
{
	static const char *const map[][2] = {
		{ "str", "char *" }, { "number", "double" }, { "int", "int64_t" },
		{ "int8", "int8_t" }, { "int16", "int16_t" }, { "int32", "int32_t" },
		{ "int64", "int64_t" }, { "uint8", "uint8_t" }, { "uint16", "uint16_t" },
		{ "uint32", "uint32_t" }, { "uint64", "uint64_t" }, { "size", "uint64_t" },
		{ "bool", "bool" }, { "any", "QObject *" }, { "null", "QNull *" },
		{ "QType", "QType" }
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i][0], name))
			return map[i][1];
	return NULL;
}

static bool in_list(const struct qapi_value *list, const char *name)
{
	size_t i;

	if (!list || list->type != QAPI_LIST)
		return false;
	for (i = 0; i < list->n; i++)
		if (list->items[i]->type == QAPI_STRING && !strcmp(list->items[i]->str, name))
			return true;
	return false;
}

static int err(const struct checker *c, const struct qapi_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int err(const struct checker *c, const struct qapi_loc *loc, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	rc = error_set(ERR_INPUT, "%s:%u:%u: %s", c->s->fname, loc->line, loc->col, b.ptr);
	buf_release(&b);
	return rc;
}

/* ---- names ---- */

/* The stem after an optional "__RFQDN_" and "x-" prefix, or NULL if the name is invalid. */
static const char *name_stem(const struct checker *c, const char *name)
{
	const char *p = name;
	char *cn;
	bool bad;

	if (!strncmp(p, "__", 2)) {
		const char *q = p + 2;

		while (*q && (isalnum((unsigned char)*q) || *q == '.' || *q == '-'))
			q++;
		if (q == p + 2 || *q != '_')
			return NULL;
		p = q + 1;
	}
	if (c->r.strict_names && !strncmp(p, "x-", 2))
		p += 2;
	if (!isalpha((unsigned char)*p))
		return NULL;
	for (const char *q = p; *q; q++)
		if (!isalnum((unsigned char)*q) && *q != '_' && *q != '-')
			return NULL;
	cn = qapi_c_name(name, false, &c->r.v);
	bad = !strncmp(cn, "q_", 2);
	free(cn);
	return bad ? NULL : p;
}

static int check_name_lower(const struct checker *c, const char *name, const struct qapi_loc *loc,
			    const char *what, bool permit_upper, bool permit_underscore)
{
	const char *stem = name_stem(c, name);

	if (!stem)
		return err(c, loc, "%s has an invalid name", what);
	if (!c->r.strict_names)
		return 0;
	for (; *stem; stem++) {
		if ((!permit_upper && isupper((unsigned char)*stem)) ||
		    (!permit_underscore && *stem == '_'))
			return err(c, loc, "name of %s must not use uppercase or '_'", what);
	}
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static int check_defn_name(const struct checker *c, const struct qapi_def *d,
			   const struct qapi_loc *loc)
{
	const char *meta = qapi_meta_name(d->meta);
	const char *stem;
	char what[64];

	snprintf(what, sizeof(what), "%s '%.40s'", meta, d->name);
	stem = name_stem(c, d->name);
	if (!stem)
		return err(c, loc, "%s has an invalid name", what);
	if (c->r.suffix_all_metas && (d->meta == QAPI_EVENT || d->meta == QAPI_COMMAND) &&
	    (ends_with(d->name, "List") || ends_with(d->name, "Kind")))
		return err(c, loc, "%s name should not end in '%s'", what, d->name + strlen(d->name) - 4);
	if (d->meta == QAPI_EVENT) {
		if (c->r.strict_names)
			for (const char *p = stem; *p; p++)
				if (islower((unsigned char)*p) || *p == '-')
					return err(c, loc, "name of %s must not use lowercase or '-'", what);
		return 0;
	}
	if (d->meta == QAPI_COMMAND)
		return check_name_lower(c, d->name, loc, what, false, in_list(c->pragma.name_ok, d->name));
	if (c->r.strict_names) {
		/* CamelCase: [A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]* */
		bool lower = false;

		if (!isupper((unsigned char)stem[0]))
			return err(c, loc, "name of %s must use CamelCase", what);
		for (const char *p = stem; *p; p++) {
			if (!isalnum((unsigned char)*p))
				return err(c, loc, "name of %s must use CamelCase", what);
			if (p > stem && islower((unsigned char)*p))
				lower = true;
		}
		if (!lower)
			return err(c, loc, "name of %s must use CamelCase", what);
	}
	if (ends_with(d->name, "List"))
		return err(c, loc, "%s name should not end in 'List'", what);
	if (c->r.kind_reserved && ends_with(d->name, "Kind"))
		return err(c, loc, "%s name should not end in 'Kind'", what);
	return 0;
}

/* ---- keys, flags, conditions ---- */

static int check_keys(const struct checker *c, const struct qapi_value *dict, const char *source,
		      const char *const *required, const char *const *optional)
{
	size_t i, j;

	for (i = 0; required[i]; i++)
		if (!qapi_dict_get(dict, required[i]))
			return err(c, &dict->loc, "%s misses key '%s'", source, required[i]);
	for (i = 0; i < dict->n; i++) {
		bool ok = false;

		for (j = 0; required[j] && !ok; j++)
			ok = !strcmp(required[j], dict->keys[i]);
		for (j = 0; optional[j] && !ok; j++)
			ok = !strcmp(optional[j], dict->keys[i]);
		if (!ok) {
			struct buf valid = BUF_INIT;
			int rc;

			for (j = 0; required[j]; j++)
				buf_printf(&valid, "%s'%s'", valid.len ? ", " : "", required[j]);
			for (j = 0; optional[j]; j++)
				buf_printf(&valid, "%s'%s'", valid.len ? ", " : "", optional[j]);
			rc = err(c, &dict->key_locs[i], "%s has unknown key '%s' (valid keys: %s)", source,
				 dict->keys[i], valid.ptr);
			buf_release(&valid);
			return rc;
		}
	}
	return 0;
}

static int check_if_value(const struct checker *c, const struct qapi_value *cond, const char *source)
{
	size_t i;
	int rc;

	if (!c->r.if_is_identifier) {
		/* Before 6.2: a C preprocessor expression string, or a list of them. */
		if (cond->type == QAPI_STRING) {
			if (!*cond->str)
				return err(c, &cond->loc, "'if' condition '' of %s makes no sense", source);
			return 0;
		}
		if (cond->type == QAPI_LIST) {
			if (!cond->n)
				return err(c, &cond->loc, "'if' condition [] of %s is useless", source);
			for (i = 0; i < cond->n; i++) {
				if (cond->items[i]->type != QAPI_STRING || !*cond->items[i]->str)
					return err(c, &cond->items[i]->loc,
						   "'if' condition of %s must be a string or a list of strings",
						   source);
			}
			return 0;
		}
		return err(c, &cond->loc, "'if' condition of %s must be a string or a list of strings",
			   source);
	}
	if (cond->type == QAPI_STRING) {
		const char *p = cond->str;

		if (!isupper((unsigned char)*p))
			goto bad_ident;
		for (; *p; p++)
			if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
				goto bad_ident;
		return 0;
bad_ident:
		return err(c, &cond->loc, "'if' condition '%s' of %s is not a valid identifier",
			   cond->str, source);
	}
	if (cond->type != QAPI_DICT)
		return err(c, &cond->loc, "'if' condition of %s must be a string or an object", source);
	if (cond->n != 1)
		return err(c, &cond->loc, "'if' condition of %s must have exactly one of 'all', 'any', 'not'",
			   source);
	if (!strcmp(cond->keys[0], "not"))
		return check_if_value(c, cond->items[0], source);
	if (strcmp(cond->keys[0], "all") && strcmp(cond->keys[0], "any"))
		return err(c, &cond->key_locs[0], "'if' condition of %s has unknown key '%s'", source,
			   cond->keys[0]);
	if (cond->items[0]->type != QAPI_LIST)
		return err(c, &cond->items[0]->loc, "'%s' condition of %s must be an array",
			   cond->keys[0], source);
	if (!cond->items[0]->n)
		return err(c, &cond->items[0]->loc, "'if' condition [] of %s is useless", source);
	for (i = 0; i < cond->items[0]->n; i++) {
		rc = check_if_value(c, cond->items[0]->items[i], source);
		if (rc)
			return rc;
	}
	return 0;
}

static int check_if(const struct checker *c, const struct qapi_value *dict, const char *source)
{
	const struct qapi_value *cond = qapi_dict_get(dict, "if");

	return cond ? check_if_value(c, cond, source) : 0;
}

static int check_features(const struct checker *c, const struct qapi_value *features)
{
	size_t i;
	int rc;

	if (!features)
		return 0;
	if (features->type != QAPI_LIST)
		return err(c, &features->loc, "'features' must be an array");
	for (i = 0; i < features->n; i++) {
		const struct qapi_value *f = features->items[i];
		const struct qapi_value *name = f;

		if (f->type == QAPI_DICT) {
			static const char *const req[] = { "name", NULL };
			static const char *const opt[] = { "if", NULL };

			rc = check_keys(c, f, "'features' member", req, opt);
			if (rc)
				return rc;
			name = qapi_dict_get(f, "name");
			rc = check_if(c, f, "'features' member");
			if (rc)
				return rc;
		}
		if (name->type != QAPI_STRING)
			return err(c, &name->loc, "'features' member requires a string name");
		rc = check_name_lower(c, name->str, &name->loc, "'features' member", false, false);
		if (rc)
			return rc;
	}
	return 0;
}

static int check_flags(const struct checker *c, const struct qapi_value *expr)
{
	static const char *const false_only[] = { "gen", "success-response", NULL };
	static const char *const true_only[] = { "boxed", "allow-oob", "allow-preconfig", "coroutine", NULL };
	size_t i;

	for (i = 0; false_only[i]; i++) {
		const struct qapi_value *v = qapi_dict_get(expr, false_only[i]);

		if (v && (v->type != QAPI_BOOL || v->boolean))
			return err(c, &v->loc, "flag '%s' may only use false value", false_only[i]);
	}
	for (i = 0; true_only[i]; i++) {
		const struct qapi_value *v = qapi_dict_get(expr, true_only[i]);

		if (v && (v->type != QAPI_BOOL || !v->boolean))
			return err(c, &v->loc, "flag '%s' may only use true value", true_only[i]);
	}
	if (qapi_dict_get(expr, "allow-oob") && qapi_dict_get(expr, "coroutine"))
		return err(c, &expr->loc, "flags 'allow-oob' and 'coroutine' are incompatible");
	return 0;
}

/* ---- types ---- */

enum tkind { T_NONE, T_BUILTIN, T_ENUM, T_STRUCT, T_UNION, T_ALTERNATE, T_ARRAY };

static enum tkind type_kind(const struct checker *c, const char *name, const struct qapi_def **def)
{
	const struct qapi_def *d;

	if (def)
		*def = NULL;
	if (qapi_is_builtin(name))
		return !strcmp(name, "QType") ? T_ENUM : T_BUILTIN;
	d = qapi_lookup(c->root, name, NULL);
	if (!d) {
		/* Arrays of built-in types always exist under their C name (strList). */
		size_t n = strlen(name);
		char *elt;
		bool b;

		if (n <= 4 || strcmp(name + n - 4, "List"))
			return T_NONE;
		elt = xstrndup(name, n - 4);
		b = qapi_is_builtin(elt);
		free(elt);
		return b ? T_ARRAY : T_NONE;
	}
	if (def)
		*def = d;
	switch (d->meta) {
	case QAPI_ENUM: return T_ENUM;
	case QAPI_STRUCT: return T_STRUCT;
	case QAPI_UNION: return T_UNION;
	case QAPI_ALTERNATE: return T_ALTERNATE;
	default: return T_NONE;
	}
}

/*
 * The one rule for 'returns' (QEMU's schema.py: a command may return only an
 * object type unless the returns pragma lists it): anything but a struct or
 * a union needs the pragma. The checker and the editor (which adds the
 * command to the pragma) both ask here.
 */
static bool returns_need_pragma(enum tkind k)
{
	return k != T_STRUCT && k != T_UNION;
}

static const char *kind_name(enum tkind k)
{
	switch (k) {
	case T_BUILTIN: return "built-in type";
	case T_ENUM: return "enum type";
	case T_STRUCT: return "struct type";
	case T_UNION: return "union type";
	case T_ALTERNATE: return "alternate type";
	case T_ARRAY: return "array type";
	default: return "type";
	}
}

/* A type reference: 'Name' or ['Name'] (when allowed); must be defined. */
static int check_type_ref(const struct checker *c, const struct qapi_value *v, const char *source,
			  bool allow_array, enum tkind *kind_out, bool *is_array)
{
	const struct qapi_value *name = v;
	enum tkind k;

	if (is_array)
		*is_array = false;
	if (v->type == QAPI_LIST) {
		if (!allow_array)
			return err(c, &v->loc, "%s cannot be an array", source);
		if (v->n != 1 || v->items[0]->type != QAPI_STRING)
			return err(c, &v->loc, "%s: array type must contain single type name", source);
		name = v->items[0];
		if (is_array)
			*is_array = true;
	} else if (v->type != QAPI_STRING) {
		return err(c, &v->loc, "%s should be a type name", source);
	}
	k = type_kind(c, name->str, NULL);
	if (k == T_NONE)
		return err(c, &name->loc, "%s uses unknown type '%s'", source, name->str);
	if (kind_out)
		*kind_out = k;
	return 0;
}

/* Names of `members` (a dict of 'name'/'*name' -> type) collected into *names. */
static void add_name(char ***names, size_t *n, const char *name)
{
	*names = xrealloc(*names, (*n + 1) * sizeof(**names));
	(*names)[(*n)++] = xstrdup(name);
}

static void free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int check_members(const struct checker *c, const struct qapi_value *members,
			 const char *source, bool permissive, char ***names, size_t *n_names)
{
	size_t i, j;
	int rc;

	if (members->type != QAPI_DICT)
		return err(c, &members->loc, "%s should be an object or type name", source);
	for (i = 0; i < members->n; i++) {
		const char *key = members->keys[i];
		const struct qapi_value *arg = members->items[i];
		const struct qapi_loc *kl = &members->key_locs[i];
		char what[160];
		char *cn;

		snprintf(what, sizeof(what), "%s member '%.60s'", source, key);
		if (*key == '*')
			key++;
		rc = check_name_lower(c, key, kl, what, permissive, permissive);
		if (rc)
			return rc;
		if (!c->r.strict_names && !permissive) {
			for (const char *p = key; *p; p++)
				if (isupper((unsigned char)*p))
					return err(c, kl, "%s should not use uppercase", what);
		}
		cn = qapi_c_name(key, false, &c->r.v);
		if (!strcmp(cn, "u") || !strncmp(cn, "has_", 4)) {
			free(cn);
			return err(c, kl, "%s uses reserved name", what);
		}
		free(cn);
		/* Two names that map to the same C name would clash in generated code. */
		for (j = 0; j < i; j++) {
			const char *other = members->keys[j] + (members->keys[j][0] == '*');
			char *a = qapi_c_name(key, true, &c->r.v), *b = qapi_c_name(other, true, &c->r.v);
			bool same = !strcmp(a, b);

			free(a);
			free(b);
			if (same)
				return err(c, kl, "%s collides with member '%s'", what, other);
		}
		if (arg->type == QAPI_DICT) {
			static const char *const req[] = { "type", NULL };
			static const char *const opt_if[] = { "if", "features", NULL };
			static const char *const opt_none[] = { NULL };

			rc = check_keys(c, arg, what, req, c->r.have_if ? opt_if : opt_none);
			if (rc)
				return rc;
			rc = check_if(c, arg, what);
			if (!rc)
				rc = check_features(c, qapi_dict_get(arg, "features"));
			if (rc)
				return rc;
			arg = qapi_dict_get(arg, "type");
		}
		rc = check_type_ref(c, arg, what, true, NULL, NULL);
		if (rc)
			return rc;
		if (names)
			add_name(names, n_names, key);
	}
	return 0;
}

/*
 * The names a definition's doc block documents, as QEMU's connect_doc()
 * has them in every release since 5.2: a struct's or union's local
 * members and those of an implicit ({...}) base, but neither a named
 * base's members (documented with that type) nor a union's branches; an
 * alternate's branches; an enum's values; an event's own arguments.
 */
static void doc_member_names(const struct qapi_def *d, char ***names, size_t *n)
{
	const struct qapi_value *base = qapi_dict_get(d->expr, "base");
	const struct qapi_value *data = qapi_dict_get(d->expr, "data");
	size_t i;

	if (base && base->type == QAPI_DICT)
		for (i = 0; i < base->n; i++)
			add_name(names, n, base->keys[i] + (base->keys[i][0] == '*'));
	if (data && data->type == QAPI_DICT && d->meta != QAPI_UNION)
		for (i = 0; i < data->n; i++)
			add_name(names, n, data->keys[i] + (data->keys[i][0] == '*'));
	if (data && data->type == QAPI_LIST && d->meta == QAPI_ENUM)
		for (i = 0; i < data->n; i++) {
			const struct qapi_value *m = data->items[i];

			if (m->type == QAPI_DICT)
				m = qapi_dict_get(m, "name");
			if (m && m->type == QAPI_STRING)
				add_name(names, n, m->str);
		}
}

static void add_features(const struct qapi_value *features, char ***names, size_t *n)
{
	size_t i;

	if (!features || features->type != QAPI_LIST)
		return;
	for (i = 0; i < features->n; i++) {
		const struct qapi_value *f = features->items[i];

		if (f->type == QAPI_DICT)
			f = qapi_dict_get(f, "name");
		if (f && f->type == QAPI_STRING)
			add_name(names, n, f->str);
	}
}

/* The features a definition's doc block documents: its own and its members' (connect_doc). */
static void doc_feature_names(const struct qapi_def *d, char ***names, size_t *n)
{
	static const char *const holders[] = { "data", "base" };
	size_t h, i;

	add_features(qapi_dict_get(d->expr, "features"), names, n);
	for (h = 0; h < 2; h++) {
		const struct qapi_value *v = qapi_dict_get(d->expr, holders[h]);

		if (!v || (d->meta == QAPI_UNION && h == 0) || d->meta == QAPI_ALTERNATE)
			continue;
		for (i = 0; v->type == QAPI_DICT && i < v->n; i++)
			if (v->items[i]->type == QAPI_DICT)
				add_features(qapi_dict_get(v->items[i], "features"), names, n);
		for (i = 0; v->type == QAPI_LIST && i < v->n; i++)
			if (v->items[i]->type == QAPI_DICT)
				add_features(qapi_dict_get(v->items[i], "features"), names, n);
	}
}

/* ---- definitions ---- */

static int check_command(const struct checker *c, const struct qapi_def *d, char ***names,
			 size_t *n_names)
{
	const struct qapi_value *data = qapi_dict_get(d->expr, "data");
	const struct qapi_value *rets = qapi_dict_get(d->expr, "returns");
	const struct qapi_value *boxed = qapi_dict_get(d->expr, "boxed");
	bool is_boxed = boxed && boxed->type == QAPI_BOOL && boxed->boolean;
	int rc;

	if (is_boxed && !data)
		return err(c, &boxed->loc, "'boxed': true requires 'data'");
	if (data) {
		if (data->type == QAPI_DICT && !is_boxed) {
			rc = check_members(c, data, "'data'", false, names, n_names);
			if (rc)
				return rc;
			if (c->r.cond_args_need_boxed) {
				size_t i;

				for (i = 0; i < data->n; i++)
					if (data->items[i]->type == QAPI_DICT &&
					    qapi_dict_get(data->items[i], "if"))
						return err(c, &data->key_locs[i],
							   "conditional command arguments require 'boxed': true");
			}
		} else {
			enum tkind k = T_NONE;
			const struct qapi_def *sd = NULL;

			if (data->type != QAPI_STRING)
				return err(c, &data->loc, "'data' should be a type name");
			rc = check_type_ref(c, data, "command's 'data'", false, &k, NULL);
			if (rc)
				return rc;
			type_kind(c, data->str, &sd);
			if (k != T_STRUCT && !(is_boxed && (k == T_UNION || k == T_ALTERNATE)))
				return err(c, &data->loc, "command's 'data' cannot take %s '%s'%s",
					   kind_name(k), data->str,
					   k == T_UNION || k == T_ALTERNATE ? " without 'boxed': true" : "");
		}
	}
	if (rets) {
		enum tkind k = T_NONE;
		bool is_array = false;
		const struct qapi_value *rn = rets->type == QAPI_LIST && rets->n ? rets->items[0] : rets;

		rc = check_type_ref(c, rets, "command's 'returns'", true, &k, &is_array);
		if (rc)
			return rc;
		if (returns_need_pragma(k) && !in_list(c->pragma.returns_ok, d->name))
			return err(c, &rets->loc,
				   "command's 'returns' cannot take %s%s '%s' unless the command is listed in pragma '%s'",
				   is_array ? "an array of " : "", kind_name(k), rn->str,
				   qapi_returns_pragma(&c->r.v));
	}
	return 0;
}

static int check_struct_like(const struct checker *c, const struct qapi_def *d)
{
	const struct qapi_value *data = qapi_dict_get(d->expr, "data");
	const struct qapi_value *base = qapi_dict_get(d->expr, "base");
	bool permissive = in_list(c->pragma.member_ok, d->name);
	size_t i;
	int rc;

	switch (d->meta) {
	case QAPI_STRUCT:
		rc = check_members(c, data, "'data'", permissive, NULL, NULL);
		if (rc)
			return rc;
		if (base) {
			enum tkind k;

			rc = check_type_ref(c, base, "'base'", false, &k, NULL);
			if (rc)
				return rc;
			if (k != T_STRUCT)
				return err(c, &base->loc, "'base' requires a struct type, %s '%s' isn't",
					   kind_name(k), base->str);
		}
		return 0;
	case QAPI_ENUM:
		if (data->type != QAPI_LIST)
			return err(c, &data->loc, "'data' must be an array");
		for (i = 0; i < data->n; i++) {
			const struct qapi_value *m = data->items[i];
			char what[96];
			char *nm;

			if (m->type == QAPI_DICT) {
				static const char *const req[] = { "name", NULL };
				static const char *const opt[] = { "if", "features", NULL };

				rc = check_keys(c, m, "'data' member", req, opt);
				if (rc)
					return rc;
				rc = check_if(c, m, "'data' member");
				if (rc)
					return rc;
				m = qapi_dict_get(m, "name");
			}
			if (m->type != QAPI_STRING)
				return err(c, &m->loc, "'data' member requires a string name");
			snprintf(what, sizeof(what), "'data' member '%.60s'", m->str);
			/* Enum values may start with a digit (the C constant has a prefix). */
			nm = xasprintf("%s%s", isdigit((unsigned char)m->str[0]) ? "d" : "", m->str);
			rc = check_name_lower(c, nm, &m->loc, what, permissive, permissive);
			free(nm);
			if (rc)
				return rc;
		}
		if (qapi_dict_get(d->expr, "prefix") && qapi_dict_get(d->expr, "prefix")->type != QAPI_STRING)
			return err(c, &qapi_dict_get(d->expr, "prefix")->loc, "'prefix' must be a string");
		return 0;
	case QAPI_UNION:
		if (base) {
			if (base->type == QAPI_DICT) {
				rc = check_members(c, base, "'base'", permissive, NULL, NULL);
				if (rc)
					return rc;
			} else {
				rc = check_type_ref(c, base, "'base'", false, NULL, NULL);
				if (rc)
					return rc;
			}
		}
		if (data->type != QAPI_DICT)
			return err(c, &data->loc, "'data' must be an object");
		/* fall through */
	case QAPI_ALTERNATE:
		if (data->type != QAPI_DICT)
			return err(c, &data->loc, "'data' must be an object");
		if (!data->n)
			return err(c, &data->loc, "'data' must not be empty");
		for (i = 0; i < data->n; i++) {
			const struct qapi_value *v = data->items[i];
			char what[96];

			snprintf(what, sizeof(what), "'data' member '%.60s'", data->keys[i]);
			if (v->type == QAPI_DICT) {
				static const char *const req[] = { "type", NULL };
				static const char *const opt[] = { "if", NULL };

				rc = check_keys(c, v, what, req, opt);
				if (rc)
					return rc;
				v = qapi_dict_get(v, "type");
			}
			rc = check_type_ref(c, v, what, d->meta == QAPI_ALTERNATE || !base, NULL, NULL);
			if (rc)
				return rc;
		}
		return 0;
	case QAPI_EVENT:
		if (data && data->type == QAPI_DICT)
			return check_members(c, data, "'data'", false, NULL, NULL);
		if (data)
			return check_type_ref(c, data, "event's 'data'", false, NULL, NULL);
		return 0;
	default:
		return 0;
	}
}

static int check_doc(const struct checker *c, const struct qapi_def *d, char **names, size_t n)
{
	const struct qapi_doc *doc = d->doc;
	size_t i, j;

	for (i = 0; i < doc->n_sections; i++) {
		const char *sn = doc->sections[i].name;

		if (!sn)
			continue;
		if (!strcmp(sn, "Returns") && d->meta != QAPI_COMMAND)
			return err(c, &doc->sections[i].loc, "'Returns:' is only valid for commands");
		if (!strcmp(sn, "Returns") && c->r.doc_returns_strict &&
		    !qapi_dict_get(d->expr, "returns"))
			return err(c, &doc->sections[i].loc,
				   "'Returns:' section, but command '%s' doesn't return anything (QEMU %d.%d): remove the section",
				   d->name, c->r.v.major, c->r.v.minor);
		if ((!strcmp(sn, "Note") || !strcmp(sn, "Notes")) && c->r.doc_note_rejected)
			return err(c, &doc->sections[i].loc, "'%s:' is no longer supported; use '.. note::'",
				   sn);
		if ((!strcmp(sn, "Example") || !strcmp(sn, "Examples")) && c->r.doc_example_rejected)
			return err(c, &doc->sections[i].loc,
				   "'%s:' is no longer supported from QEMU 9.1; use '.. qmp-example::' followed by the indented example",
				   sn);
	}
	for (i = 0; i < doc->n_args; i++) {
		bool found = false;

		for (j = 0; j < n && !found; j++)
			found = !strcmp(names[j], doc->args[i].name);
		if (!found)
			return err(c, &doc->args[i].loc, "documented member '%s' does not exist",
				   doc->args[i].name);
	}
	if (c->r.doc_members_required && !in_list(c->pragma.doc_ok, d->name)) {
		for (j = 0; j < n; j++) {
			bool found = false;

			for (i = 0; i < doc->n_args && !found; i++)
				found = !strcmp(names[j], doc->args[i].name);
			if (!found)
				return err(c, &doc->loc, "member '%s' of %s '%s' lacks documentation",
					   names[j], qapi_meta_name(d->meta), d->name);
		}
	}
	{
		char **feats = NULL;
		size_t n_feats = 0;
		int rc = 0;

		doc_feature_names(d, &feats, &n_feats);
		for (i = 0; i < doc->n_features && !rc; i++) {
			bool found = false;

			for (j = 0; j < n_feats && !found; j++)
				found = !strcmp(feats[j], doc->features[i].name);
			if (!found)
				rc = err(c, &doc->features[i].loc, "documented feature '%s' does not exist",
					 doc->features[i].name);
		}
		for (j = 0; j < n_feats && !rc && c->r.doc_features_required; j++) {
			bool found = false;

			for (i = 0; i < doc->n_features && !found; i++)
				found = !strcmp(feats[j], doc->features[i].name);
			if (!found)
				rc = err(c, &doc->loc, "feature '%s' of %s '%s' lacks documentation", feats[j],
					 qapi_meta_name(d->meta), d->name);
		}
		free_names(feats, n_feats);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Pragmas are global in QEMU's parser: QEMU's monitor schema states them
 * in qapi/pragma.json, which qapi/qapi-schema.json includes first. Those
 * of included files count too, the including file's last.
 */
static int check_pragmas_of(struct checker *c, const struct qapi_schema *s, int depth)
{
	size_t i, j;
	int rc;

	for (i = 0; depth < 16 && i < s->n_includes; i++)
		if (s->includes[i].schema && (rc = check_pragmas_of(c, s->includes[i].schema, depth + 1)))
			return rc;
	c->s = s;
	for (i = 0; i < s->n_defs; i++) {
		const struct qapi_def *d = &s->defs[i];
		const struct qapi_value *p;

		if (d->meta != QAPI_PRAGMA)
			continue;
		p = d->expr->items[0];
		for (j = 0; j < p->n; j++) {
			const char *name = p->keys[j];
			const struct qapi_value *v = p->items[j];
			const struct qapi_value **slot = NULL;

			if (!strcmp(name, "doc-required")) {
				if (v->type != QAPI_BOOL)
					return err(c, &v->loc, "pragma 'doc-required' must be boolean");
				c->pragma.doc_required = v->boolean;
				continue;
			}
			if (c->r.new_pragmas) {
				if (!strcmp(name, "command-returns-exceptions"))
					slot = &c->pragma.returns_ok;
				else if (!strcmp(name, "command-name-exceptions"))
					slot = &c->pragma.name_ok;
				else if (!strcmp(name, "member-name-exceptions"))
					slot = &c->pragma.member_ok;
				else if (c->r.have_doc_exceptions && !strcmp(name, "documentation-exceptions"))
					slot = &c->pragma.doc_ok;
			} else {
				if (!strcmp(name, "returns-whitelist"))
					slot = &c->pragma.returns_ok;
				else if (!strcmp(name, "name-case-whitelist"))
					slot = &c->pragma.member_ok;
			}
			if (!slot) {
				if (!strcmp(name, "returns-whitelist") || !strcmp(name, "command-returns-exceptions"))
					return err(c, &p->key_locs[j],
						   "unknown pragma '%s' (QEMU %d.%d calls it '%s')", name,
						   c->r.v.major, c->r.v.minor, qapi_returns_pragma(&c->r.v));
				return err(c, &p->key_locs[j], "unknown pragma '%s'", name);
			}
			if (v->type != QAPI_LIST)
				return err(c, &v->loc, "pragma %s must be a list of strings", name);
			for (size_t k = 0; k < v->n; k++)
				if (v->items[k]->type != QAPI_STRING)
					return err(c, &v->items[k]->loc, "pragma %s must be a list of strings",
						   name);
			*slot = v;
		}
	}
	return 0;
}

static int check_pragmas(struct checker *c)
{
	memset(&c->pragma, 0, sizeof(c->pragma));
	c->pragma.doc_required = -1;
	const struct qapi_schema *saved = c->s;
	int rc = check_pragmas_of(c, c->root ? c->root : c->s, 0);

	c->s = saved;
	return rc;
}

static const char *const cmd_keys_all[] = {
	"data", "returns", "boxed", "if", "features", "gen", "success-response",
	"allow-oob", "allow-preconfig", "coroutine", NULL
};

static void command_keys(const struct checker *c, const char **keys)
{
	size_t i, n = 0;

	for (i = 0; cmd_keys_all[i]; i++) {
		const char *k = cmd_keys_all[i];

		if ((!strcmp(k, "if") && !c->r.have_if) ||
		    (!strcmp(k, "features") && !c->r.have_features) ||
		    (!strcmp(k, "allow-oob") && !c->r.have_allow_oob) ||
		    (!strcmp(k, "allow-preconfig") && !c->r.have_allow_preconfig) ||
		    (!strcmp(k, "coroutine") && !c->r.have_coroutine))
			continue;
		keys[n++] = k;
	}
	keys[n] = NULL;
}

static int check_def_keys(const struct checker *c, const struct qapi_def *d, const char *source)
{
	const char *opt[16];
	const char *req[8];
	size_t n = 0;

	req[0] = qapi_meta_name(d->meta);
	req[1] = NULL;
	switch (d->meta) {
	case QAPI_COMMAND:
		command_keys(c, opt);
		return check_keys(c, d->expr, source, req, opt);
	case QAPI_STRUCT:
		req[1] = "data";
		req[2] = NULL;
		opt[n++] = "base";
		break;
	case QAPI_ENUM:
		req[1] = "data";
		req[2] = NULL;
		opt[n++] = "prefix";
		break;
	case QAPI_UNION:
		req[1] = "data";
		if (c->r.union_needs_base) {
			req[2] = "base";
			req[3] = "discriminator";
			req[4] = NULL;
		} else {
			req[2] = NULL;
			opt[n++] = "base";
			opt[n++] = "discriminator";
		}
		break;
	case QAPI_ALTERNATE:
		req[1] = "data";
		req[2] = NULL;
		break;
	case QAPI_EVENT:
		opt[n++] = "data";
		opt[n++] = "boxed";
		break;
	default:
		break;
	}
	if (c->r.have_if)
		opt[n++] = "if";
	if (c->r.have_features)
		opt[n++] = "features";
	opt[n] = NULL;
	return check_keys(c, d->expr, source, req, opt);
}

static int check_file(struct checker *c, const struct qapi_schema *s);

static int check_def(struct checker *c, const struct qapi_def *d)
{
	const struct qapi_value *metav;
	char **names = NULL;
	size_t n_names = 0;
	char source[96];
	int rc;

	if (d->meta == QAPI_PRAGMA)
		return 0;
	if (d->meta == QAPI_INCLUDE) {
		size_t i;

		for (i = 0; i < c->s->n_includes; i++)
			if (!strcmp(c->s->includes[i].name, d->name) && c->s->includes[i].schema) {
				const struct qapi_schema *saved = c->s;
				struct pragmas saved_p = c->pragma;

				rc = check_file(c, c->s->includes[i].schema);
				c->s = saved;
				c->pragma = saved_p;
				return rc;
			}
		return err(c, &d->expr->loc, "included file '%s' was not provided to the checker", d->name);
	}
	if (d->meta == QAPI_META_NONE) {
		if (qapi_dict_get(d->expr, "type") && !qapi_dict_get(d->expr, "struct"))
			return err(c, &d->expr->loc,
				   "'type' is the old spelling of 'struct', which QEMU %d.%d requires",
				   c->r.v.major, c->r.v.minor);
		return err(c, &d->expr->loc,
			   "expression must have exactly one key 'enum', 'struct', 'union', 'alternate', 'command', 'event'");
	}
	metav = qapi_dict_get(d->expr, qapi_meta_name(d->meta));
	if (metav->type != QAPI_STRING)
		return err(c, &metav->loc, "'%s' requires a string name", qapi_meta_name(d->meta));
	rc = check_defn_name(c, d, &metav->loc);
	if (rc)
		return rc;
	snprintf(source, sizeof(source), "%s '%.60s'", qapi_meta_name(d->meta), d->name);
	if (d->doc) {
		if (strcmp(d->doc->symbol, d->name))
			return err(c, &d->expr->loc, "documentation comment is for '%s', not '%s'",
				   d->doc->symbol, d->name);
	} else if (c->pragma.doc_required == 1) {
		return err(c, &d->expr->loc, "%s needs a documentation comment (pragma 'doc-required')",
			   source);
	}
	rc = check_def_keys(c, d, source);
	if (!rc)
		rc = check_if(c, d->expr, source);
	if (!rc && c->r.have_features)
		rc = check_features(c, qapi_dict_get(d->expr, "features"));
	if (!rc)
		rc = check_flags(c, d->expr);
	if (rc)
		return rc;
	if (d->meta == QAPI_COMMAND) {
		/* Only a dict 'data' is documented here; a named struct documents its own. */
		rc = check_command(c, d, &names, &n_names);
	} else {
		rc = check_struct_like(c, d);
		if (!rc)
			doc_member_names(d, &names, &n_names);
	}
	if (!rc && d->doc)
		rc = check_doc(c, d, names, n_names);
	free_names(names, n_names);
	return rc;
}

static int check_duplicates(const struct checker *c, const struct qapi_schema *s)
{
	size_t i, j;

	for (i = 0; i < s->n_defs; i++) {
		const struct qapi_def *d = &s->defs[i];

		if (d->meta == QAPI_PRAGMA || d->meta == QAPI_INCLUDE || d->meta == QAPI_META_NONE ||
		    !d->name)
			continue;
		if (qapi_is_builtin(d->name))
			return err(c, &d->expr->loc, "'%s' is already defined as a built-in type", d->name);
		for (j = 0; j < i; j++) {
			const struct qapi_def *e = &s->defs[j];

			if (e->name && e->meta != QAPI_PRAGMA && e->meta != QAPI_INCLUDE &&
			    !strcmp(e->name, d->name)) {
				struct qapi_loc prev = e->expr->loc;

				return err(c, &d->expr->loc, "'%s' is already defined (at line %u)", d->name,
					   prev.line);
			}
		}
	}
	return 0;
}

static int check_file(struct checker *c, const struct qapi_schema *s)
{
	size_t i;
	int rc;

	c->s = s;
	rc = check_pragmas(c);
	if (!rc)
		rc = check_duplicates(c, s);
	for (i = 0; !rc && i < s->n_defs; i++)
		rc = check_def(c, &s->defs[i]);
	return rc;
}

int qapi_schema_check(const struct qapi_schema *s, const struct qapi_version *v)
{
	struct checker c;

	memset(&c, 0, sizeof(c));
	c.root = s;
	qapi_rules_init(&c.r, v);
	return check_file(&c, s);
}

bool qapi_returns_needs_pragma(const struct qapi_schema *s, const struct qapi_def *cmd)
{
	const struct qapi_value *rets = qapi_dict_get(cmd->expr, "returns");
	struct checker c;

	if (!rets)
		return false;
	if (rets->type == QAPI_LIST)
		rets = rets->n ? rets->items[0] : NULL;
	if (!rets || rets->type != QAPI_STRING)
		return false;
	memset(&c, 0, sizeof(c));
	c.root = s;
	return returns_need_pragma(type_kind(&c, rets->str, NULL));
}

bool qapi_valid_command_name(const char *name)
{
	const char *p = name;

	if (!islower((unsigned char)*p))
		return false;
	for (; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-')
			return false;
	return p[-1] != '-' && strlen(name) < 128 && strncmp(name, "q-", 2);
}

bool qapi_valid_member_name(const char *name)
{
	return qapi_valid_command_name(name) && strcmp(name, "u") && strncmp(name, "has-", 4);
}

bool qapi_valid_type_name(const char *name)
{
	const char *p = name;
	bool lower = false;

	if (!isupper((unsigned char)*p))
		return false;
	for (; *p; p++) {
		if (!isalnum((unsigned char)*p))
			return false;
		if (islower((unsigned char)*p))
			lower = true;
	}
	return lower && !ends_with(name, "List") && !ends_with(name, "Kind") && strlen(name) < 128;
}
