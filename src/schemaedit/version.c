#include <ctype.h>
#include <string.h>

#include "internal.h"
#include "util/error.h"
#include "util/banned.h"

static const char *parse_num(const char *p, int *out)
{
	long n = 0;

	if (!isdigit((unsigned char)*p))
		return NULL;
	while (isdigit((unsigned char)*p)) {
		n = n * 10 + (*p - '0');
		if (n > 100000)
			return NULL;
		p++;
	}
	*out = (int)n;
	return p;
}

int qapi_version_parse(struct qapi_version *out, const char *text)
{
	struct qapi_version v = { 0, 0, 0 };
	const char *p = text;

	while (*p == ' ' || *p == '\t')
		p++;
	p = parse_num(p, &v.major);
	if (p && *p == '.')
		p = parse_num(p + 1, &v.minor);
	else
		p = NULL;
	if (p && *p == '.')
		p = parse_num(p + 1, &v.micro);
	if (!p || (*p && !isspace((unsigned char)*p) && *p != '-' && *p != '~' && *p != '+'))
		return error_set(ERR_INPUT, "'%.40s' is not a QEMU version (expected MAJOR.MINOR.MICRO)",
				 text);
	*out = v;
	return 0;
}

int qapi_version_cmp(const struct qapi_version *a, int major, int minor)
{
	if (!a)
		return 1;
	if (a->major != major)
		return a->major < major ? -1 : 1;
	if (a->minor != minor)
		return a->minor < minor ? -1 : 1;
	return 0;
}

/*
 * The cut-over versions below come from QEMU's scripts/qapi history. Where
 * a date is approximate the older behaviour is the more permissive one, so
 * a vendor's own schema is never rejected for a rule its generator did not
 * have yet; the generator cross-check is the final word.
 */
void qapi_rules_init(struct qapi_rules *r, const struct qapi_version *v)
{
	static const struct qapi_version newest = { 99, 0, 0 };
	const struct qapi_version *x = v ? v : &newest;

	memset(r, 0, sizeof(*r));
	r->v = *x;
#define AT_LEAST(M, m) (qapi_version_cmp(x, (M), (m)) >= 0)
	r->old_lexer = !AT_LEAST(4, 1);
	r->first_must_be_brace = !AT_LEAST(4, 1);
	r->have_if = AT_LEAST(3, 0);
	r->if_is_identifier = AT_LEAST(6, 2);
	r->have_allow_oob = AT_LEAST(2, 12);
	r->have_allow_preconfig = AT_LEAST(3, 0);
	r->have_features = AT_LEAST(4, 1);
	r->have_coroutine = AT_LEAST(5, 2);
	r->new_pragmas = AT_LEAST(6, 0);
	r->strict_names = AT_LEAST(6, 0);
	r->kind_reserved = !AT_LEAST(5, 0);
	r->doc_indent = AT_LEAST(5, 2);
	r->doc_returns_strict = AT_LEAST(9, 0);
	r->doc_members_required = AT_LEAST(9, 0);
	r->doc_note_rejected = AT_LEAST(9, 1);
	r->has_for_all_optionals = !AT_LEAST(8, 0);
	r->c_name_all_chars = AT_LEAST(6, 0);
	r->c_name_digit = AT_LEAST(6, 0);
	r->polluted_i386 = AT_LEAST(3, 0);
	r->polluted_linux = AT_LEAST(7, 1);
	r->cond_args_need_boxed = AT_LEAST(8, 1);
	r->union_needs_base = AT_LEAST(6, 2);
	r->have_doc_exceptions = AT_LEAST(9, 0);
#undef AT_LEAST
}

const char *qapi_returns_pragma(const struct qapi_version *v)
{
	return qapi_version_cmp(v, 6, 0) >= 0 ? "command-returns-exceptions" : "returns-whitelist";
}

void qapi_placement_for(struct qapi_placement *out, const struct qapi_version *v)
{
	memset(out, 0, sizeof(*out));
	if (qapi_version_cmp(v, 9, 1) >= 0) {
		out->handler_file = "qga/commands-linux.c";
		out->schema_if = "CONFIG_LINUX";
	} else if (qapi_version_cmp(v, 6, 2) >= 0) {
		out->handler_file = "qga/commands-posix.c";
		out->schema_if = "CONFIG_POSIX";
	} else {
		out->handler_file = "qga/commands-posix.c";
		out->win32_file = "qga/commands-win32.c";
		out->blocklist_func = "ga_command_blacklist_init";
	}
}
