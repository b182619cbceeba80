#include <ctype.h>
#include <stddef.h>
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
 * The rules of QEMU's QAPI generator that changed over time, one row per
 * rule: the field of struct qapi_rules, the first release with the new
 * behaviour, and whether the field is true from that release on (FROM) or
 * before it (UNTIL). Where the evidence is a release's own tree, the tree
 * is Debian's source package of that release (5.2 bullseye, 7.2 bookworm,
 * 10.0 trixie), checked by tests/unit/test_schemaedit_versions.c. Where a
 * date is approximate the older behaviour is the more permissive one, so
 * a vendor's own schema is never rejected for a rule its generator did
 * not have yet; the generator cross-check is the final word.
 */
enum rule_dir { FROM, UNTIL };

struct rule_row {
	size_t field;       /* offsetof(struct qapi_rules, ...), a bool */
	int major, minor;
	enum rule_dir dir;
};

#define ROW(f, M, m, d) { offsetof(struct qapi_rules, f), (M), (m), (d) }

static const struct rule_row rule_rows[] = {
	/* Lexer: escapes and 'null' rejected, a schema starts with '{' or a doc (4.1). */
	ROW(old_lexer, 4, 1, UNTIL),
	ROW(first_must_be_brace, 4, 1, UNTIL),
	/* 'if' conditions (3.0); 'if': 'CONFIG_X' identifiers instead of C expression
	 * strings (6.2: the 5.2 tree's qga schema has 'defined(CONFIG_POSIX)'). */
	ROW(have_if, 3, 0, FROM),
	ROW(if_is_identifier, 6, 2, FROM),
	ROW(have_allow_oob, 2, 12, FROM),
	ROW(have_allow_preconfig, 3, 0, FROM),
	ROW(have_features, 4, 1, FROM),
	ROW(have_coroutine, 5, 2, FROM),
	/* 'returns-whitelist' became 'command-returns-exceptions' (6.0). */
	ROW(new_pragmas, 6, 0, FROM),
	/* Commands and members lowercase with '-', types CamelCase (6.0, expr.py
	 * check_name_lower/check_name_camel). */
	ROW(strict_names, 6, 0, FROM),
	/* Definition names ending in 'Kind' (and 'List') reserved: 'Kind'
	 * until 6.2 ("qapi: Stop enforcing 'type name should not end in
	 * Kind'", pulled 2021-09-25 for 6.2, ahead of dropping simple unions;
	 * the 5.2 tree's expr.py still checks both), for every kind of
	 * definition until 6.1 (John Snow's expr.py cleanup, 2021-04, made it
	 * a check of type names only). */
	ROW(kind_reserved, 6, 2, UNTIL),
	ROW(suffix_all_metas, 6, 1, UNTIL),
	/*
	 * Doc continuation lines. 5.2 added the indentation check (parser.py
	 * QAPIDoc.Section.append: "unexpected de-indent"); a section's text
	 * had to stay at the column of the text after "@name: " or "Tag: ",
	 * as the 5.2 and 7.2 trees' parser.py still have it.
	 * 8.1: "qapi: Relax doc string @name: description indentation rules"
	 * (Markus Armbruster, pulled 2023-05-09 for 8.1): the first non-blank
	 * continuation line sets the indentation, so "@time: text" continued
	 * by 4 spaces is valid, as the 10.0 tree's qga schema has it.
	 * 9.0: "qapi: Require descriptions and tagged sections to be
	 * indented" and "qapi: Rewrite doc comment parser", in the QAPI pull
	 * of 2024-02-26 (parser.py get_doc_indented()): an unindented line
	 * ends the section instead (so a section's text is on its tag's line
	 * or indented below it), and so does a de-indented one after the
	 * second line; the second line itself may not be de-indented.
	 */
	ROW(doc_indent, 5, 2, FROM),
	ROW(doc_indent_first_line, 8, 1, FROM),
	ROW(doc_dedent_ends_section, 9, 0, FROM),
	/* The same rewrite (9.0) lets "Features:" follow an untagged section:
	 * the 10.0 tree's qapi/net.json has a paragraph between the members and
	 * "Features:", which 7.2's generator rejects ("'@deprecated:' can't
	 * follow 'None' section"); a member's '@x:' after a section is still
	 * refused by 10.0 ("description of '@x:' follows a section"). */
	ROW(doc_features_anywhere, 9, 0, FROM),
	/* 'Returns:' only when the command returns (9.0: QAPIDoc.check_expr,
	 * Markus Armbruster's patch of 2024-02-27, before 9.0's freeze). */
	ROW(doc_returns_strict, 9, 0, FROM),
	/* Every member documented (9.0: QAPIDoc.connect_member "lacks
	 * documentation", with the 'documentation-exceptions' pragma). What a
	 * definition documents is the same in every release since 5.2
	 * (schema.py connect_doc): the local members and an implicit base's,
	 * never a named base's members nor a union's branches; an alternate's
	 * branches and an enum's values. */
	ROW(doc_members_required, 9, 0, FROM),
	/* Every feature of a documented definition and of its members is
	 * documented: QAPIDoc.connect_feature "feature '%s' lacks
	 * documentation" is in the 5.2 tree already (features came in 4.1). */
	ROW(doc_features_required, 5, 2, FROM),
	ROW(have_doc_exceptions, 9, 0, FROM),
	/* 'Note:' rejected for '.. note::' (9.1: "qapi: convert 'Note'
	 * sections to plain rST", commit d461c2797374, in the QAPI pull of
	 * 2024-07-06). */
	ROW(doc_note_rejected, 9, 1, FROM),
	/* 'Example:' rejected for '.. qmp-example::' (9.1: "qapi: remove
	 * 'Example' doc section", commit 3c5f6114d9ff, in the QAPI pull of
	 * 2024-07-17, applied before 9.1's soft freeze of 2024-07-23; the 10.0
	 * tree's parser.py has the message). */
	ROW(doc_example_rejected, 9, 1, FROM),
	/* has_ flag for every optional member until 8.0 (then only for
	 * non-pointers and lists). */
	ROW(has_for_all_optionals, 8, 0, UNTIL),
	ROW(c_name_all_chars, 6, 0, FROM),
	ROW(c_name_digit, 6, 0, FROM),
	ROW(polluted_i386, 3, 0, FROM),
	ROW(polluted_linux, 7, 1, FROM),
	ROW(cond_args_need_boxed, 8, 1, FROM),
	/* Simple unions gone: 'base' and 'discriminator' required (6.2). */
	ROW(union_needs_base, 6, 2, FROM),
	/* include/qapi/qmp/ moved to include/qobject/ (10.0: the 10.0 tree has
	 * include/qobject/qdict.h and no include/qapi/qmp/qdict.h). */
	ROW(qobject_includes, 10, 0, FROM),
};

#undef ROW

void qapi_rules_init(struct qapi_rules *r, const struct qapi_version *v)
{
	static const struct qapi_version newest = { 99, 0, 0 };
	const struct qapi_version *x = v ? v : &newest;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->v = *x;
	for (i = 0; i < sizeof(rule_rows) / sizeof(rule_rows[0]); i++) {
		const struct rule_row *row = &rule_rows[i];
		bool from = qapi_version_cmp(x, row->major, row->minor) >= 0;

		*(bool *)((char *)r + row->field) = row->dir == FROM ? from : !from;
	}
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
