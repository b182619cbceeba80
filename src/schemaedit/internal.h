#ifndef QGA_FORGE_SCHEMAEDIT_INTERNAL_H
#define QGA_FORGE_SCHEMAEDIT_INTERNAL_H

/* Shared by the files of src/schemaedit/ only. */

#include "qapi.h"

enum qapi_tok_type {
	TOK_LBRACE = '{',
	TOK_RBRACE = '}',
	TOK_COLON = ':',
	TOK_COMMA = ',',
	TOK_LBRACKET = '[',
	TOK_RBRACKET = ']',
	TOK_STRING = '\'',
	TOK_TRUE = 't',
	TOK_FALSE = 'f',
	TOK_NULL = 'n',
	TOK_COMMENT = '#',   /* a comment line returned as a token (doc blocks) */
	TOK_EOF = 0
};

/* Every token owns the bytes [trivia, end): space and plain comments, then itself. */
struct qapi_token {
	enum qapi_tok_type type;
	size_t trivia, start, end;
};

/* A top-level item: a doc block or an expression, as a token range. */
struct qapi_item {
	bool is_doc;
	size_t first_tok, last_tok;   /* inclusive */
	struct qapi_doc *doc;         /* is_doc */
	struct qapi_value *expr;      /* !is_doc */
};

struct qapi_include {
	char *name;
	struct qapi_schema *schema;
};

/* Which rules apply, derived once from the version. */
struct qapi_rules {
	struct qapi_version v;
	bool old_lexer;          /* escapes \n \t \uXXXX..., 'null', any byte in strings */
	bool first_must_be_brace;
	bool have_if;            /* 'if' conditions (3.0) */
	bool if_is_identifier;   /* 'if': 'CONFIG_X' / {'all': [...]} (6.2); before: C expression strings */
	bool have_allow_oob;     /* 2.12 */
	bool have_allow_preconfig; /* 3.0 */
	bool have_features;      /* 'features' on commands (5.0; structs 4.1) */
	bool have_coroutine;     /* 5.2 */
	bool new_pragmas;        /* command-returns-exceptions & co (6.0); else returns-whitelist */
	bool strict_names;       /* 6.0: lower-case commands and members, no '_' */
	bool kind_reserved;      /* definitions may not end in 'Kind' (before 6.2) */
	bool suffix_all_metas;   /* ... nor 'List', commands and events too (before 6.1) */
	bool doc_indent;         /* continuation lines must keep their indent (5.2) */
	bool doc_indent_first_line; /* ... the indent of the first continuation line (8.1);
				     * before: the column of the text after "@name: " */
	bool doc_dedent_ends_section; /* an unindented continuation ends the section (9.0) */
	bool doc_features_anywhere; /* "Features:" may follow an untagged section (9.0) */
	bool doc_returns_strict; /* 'Returns:' only when the command returns something (9.0) */
	bool doc_members_required; /* every member documented (9.0) */
	bool doc_features_required; /* every feature documented (known from 5.2) */
	bool doc_note_rejected;  /* 'Note:' sections rejected (9.1) */
	bool doc_example_rejected; /* 'Example:' sections rejected (9.1) */
	bool qobject_includes;   /* QObject headers in qobject/, not qapi/qmp/ (10.0) */
	bool has_for_all_optionals; /* has_ flag for every optional member (up to 7.2) */
	bool c_name_all_chars;   /* c_name maps every non-identifier char (6.0), else only '-' and '.' */
	bool c_name_digit;       /* c_name protects a leading digit (6.0) */
	bool polluted_i386;      /* 3.0 */
	bool polluted_linux;     /* 7.1 */
	bool cond_args_need_boxed; /* 8.1 */
	bool union_needs_base;   /* simple unions gone: 'base' and 'discriminator' required (6.2) */
	bool have_doc_exceptions; /* 'documentation-exceptions' pragma (9.0) */
};

void qapi_rules_init(struct qapi_rules *r, const struct qapi_version *v);

struct qapi_schema {
	char *fname;
	char *src;                 /* NUL-terminated; a '\n' is added when the file lacks one */
	size_t len;                /* bytes of the original text */
	size_t lex_len;            /* bytes the lexer sees (len or len + 1) */
	size_t *line_starts;
	size_t n_lines;
	struct qapi_rules rules;

	struct qapi_token *toks;
	size_t n_toks, alloc_toks;
	struct qapi_item *items;
	size_t n_items, alloc_items;
	struct qapi_def *defs;
	size_t n_defs, alloc_defs;
	struct qapi_doc **docs;
	size_t n_docs, alloc_docs;
	struct qapi_include *includes;
	size_t n_includes;
};

/* Error at a byte offset of s: "FNAME:LINE:COL: message" (ERR_INPUT). */
int qapi_err_at(const struct qapi_schema *s, size_t offset, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Doc block parsing (doc.c): lines are the raw comment lines, "##" excluded. */
struct qapi_doc_line {
	const char *text;   /* starts at '#' */
	size_t len;         /* without the newline */
	size_t offset;      /* of the '#' */
};
int qapi_doc_parse(struct qapi_doc *doc, const struct qapi_schema *s,
		   const struct qapi_doc_line *lines, size_t n);
void qapi_doc_release(struct qapi_doc *doc);

/* Value helpers */
void qapi_value_free(struct qapi_value *v);
bool qapi_is_builtin(const char *name);
const char *qapi_builtin_ctype(const char *name);

/* Lookup across the schema and its includes (definitions only). */
const struct qapi_def *qapi_lookup(const struct qapi_schema *s, const char *name,
				   const struct qapi_schema **where);

/* Is `name` a valid identifier of the kinds used here. */
bool qapi_valid_command_name(const char *name);
bool qapi_valid_member_name(const char *name);
bool qapi_valid_type_name(const char *name);

/* Token sequence helpers for C text (cfile.c), used by the stub writer too. */
char *qapi_c_join_tokens(const char *text, size_t len);

#endif
