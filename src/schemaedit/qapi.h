#ifndef QGA_FORGE_QAPI_H
#define QGA_FORGE_QAPI_H

/*
 * The QAPI schema of a QEMU guest agent, and the C code that goes with a
 * new command.
 *
 * Everything here works on file contents (pointer and length) and hands
 * back new contents in a struct buf: the caller decides where and how they
 * are written (the workspace commits a command's files as one
 * transaction). Nothing here runs git or touches a workspace; only
 * qapi_gen_crosscheck() reads a source tree and runs its generator.
 *
 * Versions matter: QEMU's QAPI generator changed its rules over time, so
 * parsing, checking and prototype derivation take the tree's version
 * (from its VERSION file). A NULL version means "the newest rules known".
 *
 * Errors: functions return 0 or a negative code (util/error.h) with a
 * message; rejected input is reported as "FILE:LINE:COL: message" with
 * 1-based lines and columns (tabs advance to the next multiple of 8, as
 * QEMU counts them). Nothing prints, nothing exits.
 *
 * Objects are not shared between threads; distinct objects may be used
 * from distinct threads.
 */

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* ------------------------------------------------------------------ */
/* Versions                                                            */

struct qapi_version {
	int major, minor, micro;
};

/* Parse "7.2.0", "2.12.0\n", "8.1.50" (a VERSION file's text). */
int qapi_version_parse(struct qapi_version *out, const char *text);

/* <0, 0, >0 as a is older than, equal to, newer than major.minor. */
int qapi_version_cmp(const struct qapi_version *a, int major, int minor);

/* ------------------------------------------------------------------ */
/* The lossless schema model                                           */

struct qapi_loc {
	size_t offset;     /* byte offset in the source */
	unsigned line;     /* 1-based */
	unsigned col;      /* 1-based, tabs to multiples of 8 */
};

enum qapi_value_type {
	QAPI_STRING,
	QAPI_BOOL,
	QAPI_NULL,         /* only old generators (before 4.0) accept null */
	QAPI_LIST,
	QAPI_DICT
};

struct qapi_value {
	enum qapi_value_type type;
	struct qapi_loc loc;       /* first byte of the value */
	size_t end;                /* offset just past its last byte */
	char *str;                 /* QAPI_STRING: unescaped text */
	bool boolean;              /* QAPI_BOOL */
	size_t n;                  /* QAPI_LIST, QAPI_DICT: number of items */
	struct qapi_value **items; /* list items / dict values, in source order */
	char **keys;               /* QAPI_DICT: keys, unescaped */
	struct qapi_loc *key_locs; /* QAPI_DICT: where each key starts */
	size_t first_tok, last_tok; /* internal: the tokens it spans */
};

/* The value of `key` in a dict, or NULL (also when v is not a dict). */
const struct qapi_value *qapi_dict_get(const struct qapi_value *v, const char *key);

/* Sections of a documentation block ("##" ... "##"). */
struct qapi_doc_section {
	char *name;            /* member/feature name, "Returns", "Since", "Note", ..., NULL untagged */
	char *text;            /* text with the comment markers and tag removed */
	struct qapi_loc loc;   /* the line that starts the section */
};

struct qapi_doc {
	struct qapi_loc loc;   /* the opening "##" */
	size_t end;            /* just past the closing "##" line's newline */
	char *symbol;          /* "guest-foo" for "# @guest-foo:", NULL when free-form */
	char *body;
	size_t n_args, n_features, n_sections;
	struct qapi_doc_section *args, *features, *sections;
};

/*
 * The request of the first "-> { ... }" example line in `doc` (continued
 * over following lines until its braces balance), with the "# " markers
 * and the arrow removed: `{ "execute": "guest-foo", "arguments": {...} }`.
 * *out is NULL when the block has no such example. Caller frees.
 */
int qapi_doc_example(char **out, const struct qapi_doc *doc);

enum qapi_meta {
	QAPI_META_NONE = 0,    /* an expression qga-forge does not recognise */
	QAPI_COMMAND,
	QAPI_STRUCT,
	QAPI_ENUM,
	QAPI_UNION,
	QAPI_ALTERNATE,
	QAPI_EVENT,
	QAPI_INCLUDE,
	QAPI_PRAGMA
};

/* "command", "struct", ... */
const char *qapi_meta_name(enum qapi_meta meta);

/* One top-level expression. */
struct qapi_def {
	enum qapi_meta meta;
	const char *name;            /* the meta key's value (include: the file); NULL for pragma */
	struct qapi_value *expr;     /* the whole dictionary */
	const struct qapi_doc *doc;  /* the documentation block right before it, or NULL */
	size_t start, end;           /* span of the expression: '{' to just past '}' */
	size_t line_end;             /* just past the newline that ends the expression's last line */
};

struct qapi_schema;

/*
 * Parse `text` (not necessarily NUL-terminated) named `fname` in messages,
 * with the lexical rules of version `v`. Syntax errors (strings, brackets,
 * doc block structure) are reported here; the rules about names, keys and
 * types are qapi_schema_check()'s. The schema keeps a copy of the text.
 */
int qapi_schema_parse(struct qapi_schema **out, const char *fname, const char *text, size_t len,
		      const struct qapi_version *v);
void qapi_schema_free(struct qapi_schema *s);

/* The source text as parsed, and the file name used in messages. */
const char *qapi_schema_text(const struct qapi_schema *s, size_t *len);
const char *qapi_schema_fname(const struct qapi_schema *s);

/* Top-level expressions in source order, documentation blocks in source order. */
size_t qapi_schema_ndefs(const struct qapi_schema *s);
const struct qapi_def *qapi_schema_def(const struct qapi_schema *s, size_t i);
size_t qapi_schema_ndocs(const struct qapi_schema *s);
const struct qapi_doc *qapi_schema_doc(const struct qapi_schema *s, size_t i);

/* The definition (not include/pragma) called `name`, or NULL. */
const struct qapi_def *qapi_schema_find(const struct qapi_schema *s, const char *name);

/* A loc for byte `offset` of the schema's text. */
struct qapi_loc qapi_schema_loc(const struct qapi_schema *s, size_t offset);

/*
 * Print the schema from its model (tokens with their surrounding space and
 * comments, doc blocks line by line) to `out` (appended). For an unedited
 * schema this is byte-identical to the parsed text.
 */
int qapi_schema_print(struct buf *out, const struct qapi_schema *s);

/*
 * Include files: when a schema has {'include': ...}, the checker needs the
 * included definitions. Give it their parsed schemas (the caller reads the
 * files, relative to the including file's directory); `s` takes ownership
 * of `inc`. An include that was not provided makes qapi_schema_check()
 * fail with a message naming it.
 */
int qapi_schema_add_include(struct qapi_schema *s, const char *name, struct qapi_schema *inc);

/*
 * Check the schema against the rules of QEMU's generator at version `v`:
 * expression kinds and keys, names (reserved names, case, prefixes),
 * duplicates, known types, 'data'/'returns' shapes, flags, 'if'
 * conditions, pragmas, documentation (required blocks, symbol, members,
 * sections) and the non-dictionary 'returns' pragma list. The first
 * problem is reported as FILE:LINE:COL: message (ERR_INPUT).
 */
int qapi_schema_check(const struct qapi_schema *s, const struct qapi_version *v);

/* ------------------------------------------------------------------ */
/* C names and prototypes                                               */

/* QEMU's c_name() of version v (protect: add "q_" to reserved words). Caller frees. */
char *qapi_c_name(const char *name, bool protect, const struct qapi_version *v);

struct qapi_param {
	char *ctype;   /* "const char *", "int64_t", "bool", "FooList *" */
	char *name;    /* "path", "has_count", "errp" */
};

struct qapi_proto {
	char *command;          /* "guest-foo" */
	char *ret;              /* "void", "int64_t", "char *", "Foo *", "EnumName" */
	bool ret_pointer;       /* returns a pointer (NULL is its error value) */
	char *func;             /* "qmp_guest_foo" */
	size_t n;               /* parameters, Error **errp included (last) */
	struct qapi_param *params;
};

/*
 * The handler prototype QEMU's generator at version v declares for command
 * `command` of a checked schema: has_ flags (every optional up to 7.2,
 * non-pointers and lists from 8.0), 'data': 'Struct' flattened (base
 * members first), 'boxed', and every type. ERR_NOTFOUND for an unknown
 * command.
 */
int qapi_proto_derive(struct qapi_proto *out, const struct qapi_schema *s, const char *command,
		      const struct qapi_version *v);
void qapi_proto_release(struct qapi_proto *p);

/* "RET qmp_x(PARAMS);" exactly as the generator writes it in qga-qapi-commands.h. Caller frees. */
char *qapi_proto_string(const struct qapi_proto *p);

/* ------------------------------------------------------------------ */
/* Editing the schema                                                  */

/*
 * Where a command's code goes and how it is kept off Windows, by version:
 *
 *   up to 6.1  handler in qga/commands-posix.c; a stub in qga/commands-win32.c
 *              answering QERR_UNSUPPORTED and the name in its block list
 *              (ga_command_blacklist_init(); the schema 'if' exists from 5.2
 *              but took 'defined(...)' strings then, so the stub is used
 *              throughout this range)
 *   6.2 - 9.0  handler in qga/commands-posix.c, the command gets
 *              'if': 'CONFIG_POSIX' in the schema: the generator leaves it
 *              out of Windows builds, so no stub and no block list entry
 *              (7.2 renamed the block list ga_command_init_blockedrpcs())
 *   9.1 on     handler in qga/commands-linux.c, 'if': 'CONFIG_LINUX'
 *
 * A command whose declaration already has an 'if' keeps it; its handler
 * still goes to the file named here.
 */
struct qapi_placement {
	const char *handler_file;   /* "qga/commands-posix.c" or "qga/commands-linux.c" */
	const char *win32_file;     /* "qga/commands-win32.c" or NULL */
	const char *blocklist_func; /* "ga_command_blacklist_init" or NULL */
	const char *schema_if;      /* "CONFIG_POSIX", "CONFIG_LINUX" or NULL */
};
void qapi_placement_for(struct qapi_placement *out, const struct qapi_version *v);

/* The pragma that lists commands allowed non-dictionary returns. */
const char *qapi_returns_pragma(const struct qapi_version *v);

/* True when command `name`'s 'returns' is not an object type (needs the pragma). */
bool qapi_returns_needs_pragma(const struct qapi_schema *s, const struct qapi_def *cmd);

struct qapi_insert_opts {
	const char *after;     /* insert after this definition; NULL: after the last one */
	const char *schema_if; /* add 'if': X to inserted commands that have none; NULL: don't */
	/* set by qapi_insert_fragment(): where the fragment's text is in the output */
	size_t frag_offset, frag_len;
	size_t frag_src_offset;   /* ... and where that text starts in the fragment */
};

/*
 * Insert the definitions (with their doc blocks and comments) of
 * `fragment` into `schema`, writing the new schema text to `out`:
 * separated by the blank line the file uses, with its line ending, after
 * `opts->after` or after the last definition. Commands whose 'returns' is
 * not an object (qapi_returns_needs_pragma()) are added to the version's
 * pragma list, keeping its layout (sorted lists stay sorted). `fragment`
 * must hold only definitions: no pragma, no include. Names already
 * defined in the schema are rejected (ERR_EXISTS) naming both places.
 * The result is not checked: parse and check it.
 */
int qapi_insert_fragment(struct buf *out, const struct qapi_schema *schema,
			 const struct qapi_schema *fragment, const struct qapi_version *v,
			 struct qapi_insert_opts *opts);

/*
 * After qapi_insert_fragment(): when the current error message points into
 * the inserted text of the merged schema ("MERGED:LINE:COL: ..."), make it
 * point at the same place in the fragment's own file instead, so a user
 * sees their line numbers. Other messages are left alone.
 */
void qapi_remap_error(const char *merged_name, const char *merged_text, size_t merged_len,
		      const struct qapi_insert_opts *opts, const struct qapi_schema *fragment);

/* A command to declare from the command line (add-command --name). */
struct qapi_arg_spec {
	const char *name;      /* member name, no '*' */
	bool optional;
	const char *type;      /* type name */
	bool list;             /* ['type'] */
	const char *doc;       /* NULL: a generic line */
};

struct qapi_command_spec {
	const char *name;      /* "guest-foo" */
	size_t n_args;
	const struct qapi_arg_spec *args;
	const char *returns;   /* NULL: nothing */
	bool returns_list;
	const char *doc;       /* summary text; NULL: a generic line */
	const char *since;     /* NULL: the tree's major.minor */
};

/*
 * Parse "NAME:TYPE[:DOC]" ("*name" optional, "['T']" or "[T]" a list)
 * into spec (pointers into `arg`, which must outlive spec), and a
 * --returns value "T" or "['T']". ERR_USAGE with a message on bad input.
 */
int qapi_parse_arg_spec(struct qapi_arg_spec *spec, char *arg);
int qapi_parse_type_spec(const char **type, bool *list, char *text);

/*
 * Write a complete QAPI fragment for `spec` (a doc block from
 * `doc_template` and the command expression) in the layout of `schema`
 * (its continuation indent and line ending). Names are validated, doc
 * text is checked so it cannot be read as markup, types must be builtin
 * or defined in `schema`. `doc_template` is templates/doc-comment.qapi.in,
 * with {{NAME}}, {{SUMMARY}}, {{MEMBERS}}, {{RETURNS}} and {{SINCE}}.
 */
int qapi_fragment_from_spec(struct buf *out, const struct qapi_schema *schema,
			    const struct qapi_command_spec *spec, const struct qapi_version *v,
			    const char *doc_template);

/*
 * Rewrite a fragment's documentation into the form QEMU version `v`
 * wants, every line kept at its line number (so messages about the
 * result point at the user's lines), appending to `out`:
 *   - before 8.1, where continuation lines must stay at the column of the
 *     text after "@name: " or "Tag: ": continuation lines indented less
 *     (the newer style) are moved to that column;
 *   - from 9.1, "Note: text" becomes ".. note:: text";
 *   - from 9.1, an "Example:" / "Examples:" line becomes
 *     ".. qmp-example::" and the example's lines are indented by 4.
 * Each rewrite appends one line "FNAME:LINE: what (QEMU X.Y)" to `notes`
 * (may be NULL). Text that needs none is copied unchanged.
 */
int qapi_fragment_adapt(struct buf *out, struct buf *notes, const char *fname, const char *text,
			size_t len, const struct qapi_version *v);

/*
 * The same for a handler file's #include lines: QEMU 10.0 moved the
 * QObject headers from "qapi/qmp/X.h" to "qobject/X.h" (and
 * "qapi/qmp/dispatch.h" to "qapi/qmp-registry.h"); either spelling is
 * written as version `v` has it.
 */
int qapi_handler_adapt(struct buf *out, struct buf *notes, const char *fname, const char *text,
		       size_t len, const struct qapi_version *v);

/* ------------------------------------------------------------------ */
/* C handler files                                                     */

struct qapi_cfunc {
	char *name;
	bool is_static;
	size_t start, end;     /* whole definition incl. its leading comment */
	size_t sig_start;      /* first byte of the signature */
	struct qapi_loc loc;   /* where the signature starts */
	char *signature;       /* tokens of "RET NAME(PARAMS)" joined by single spaces */
};

struct qapi_cinclude {
	char *target;          /* "<sys/statvfs.h>" or "\"qemu/osdep.h\"" */
	size_t start, end;     /* the whole line incl. newline */
	bool conditional;      /* inside #if/#ifdef */
};

struct qapi_cfile {
	char *fname;
	struct buf text;
	size_t n_funcs, n_includes;
	struct qapi_cfunc *funcs;
	struct qapi_cinclude *includes;
	size_t include_block_end;  /* just past the last unconditional leading #include line */
	size_t body_start;         /* first byte after the leading #include lines and blank lines */
	char **top_names;          /* identifiers defined at file scope (functions, statics) */
	size_t n_top_names;
	bool ends_at_top_level;    /* #if depth and brace depth are 0 at the end */
};

/* Read a C source file's top-level structure (comments, strings and
 * preprocessor lines understood; no macro expansion). */
int qapi_cfile_parse(struct qapi_cfile **out, const char *fname, const char *text, size_t len);
void qapi_cfile_free(struct qapi_cfile *f);
const struct qapi_cfunc *qapi_cfile_find(const struct qapi_cfile *f, const char *name);

/*
 * Check a handler file against the prototypes of the commands it
 * implements: each has exactly one definition whose types match
 * (parameter names may differ); any other function must be static.
 * A mismatch names the file, line and column, and the expected
 * prototype.
 */
int qapi_handlers_check(const struct qapi_cfile *handlers, const struct qapi_proto *protos,
			size_t n);

/*
 * Add the code of `handlers` to `target` (a commands-*.c file), writing the
 * new text to `out`: its #include lines go into the target's leading
 * include block (those already included unconditionally are skipped), the
 * rest (helpers and handlers) is appended at the end of the file after a
 * comment naming `origin`. The generated commands header counts as
 * included when the target includes it under either of its names
 * ("qga-qapi-commands.h", or "qga-qmp-commands.h" in older trees).
 * Top-level names that the target already defines are rejected.
 */
int qapi_cfile_add_handlers(struct buf *out, const struct qapi_cfile *target,
			    const struct qapi_cfile *handlers, const char *origin);

/*
 * Fill `tmpl` (templates/handler-stub.c.in: {{INCLUDES}}, {{PROTOTYPE}},
 * {{COMMAND}}, {{UNUSED}} and {{RETURN}}) for one prototype: a handler
 * file that compiles without warnings and fails with
 * error_setg(errp, "command '...' is not implemented").
 */
int qapi_stub_generate(struct buf *out, const char *tmpl, const struct qapi_proto *p);

/*
 * For versions that need it: append a Windows stub answering
 * QERR_UNSUPPORTED for `p` to the commands-win32.c text `win32`, and add
 * the command to the block list function `blocklist_func`. ERR_NOTFOUND
 * when the function is missing.
 */
int qapi_win32_add_stub(struct buf *out, const struct qapi_cfile *win32, const struct qapi_proto *p,
			const char *blocklist_func);

/* ------------------------------------------------------------------ */
/* The generator cross-check                                           */

/*
 * Run the tree's own generator (`python3 scripts/qapi-gen.py -o OUT -p qga-
 * qga/qapi-schema.json`) on `schema_text` placed in a temporary copy of
 * the tree's qga JSON files, and compare the prototypes it declares in
 * qga-qapi-commands.h for each of `protos` with ours.
 *
 * Returns 0 when all match, 1 when the check cannot run (no python3, no
 * scripts/qapi-gen.py: *skip_reason says why), ERR_INPUT when the
 * generator rejects the schema (its message included), ERR_BUG when a
 * prototype differs (a qga-forge bug: both forms in the message).
 */
int qapi_gen_crosscheck(const char **skip_reason, const char *tree_dir, const char *schema_text,
			size_t len, const struct qapi_proto *protos, size_t n);

/* Run the generator on a schema file in place; `outdir` receives its output. */
int qapi_gen_run(const char *tree_dir, const char *schema_path, const char *outdir);

/* ------------------------------------------------------------------ */
/* QEMU monitor commands (QMP, HMP) in a full QEMU tree                */

/*
 * Where a QMP command goes in a QEMU tree of version v, relative to the
 * tree's top (a table by version in monitor.c, read from real trees).
 * ERR_INPUT for a release older than the oldest known one.
 */
struct qapi_monitor_placement {
	const char *schema_file;     /* "qapi/misc.json": the schema module */
	const char *commands_header; /* "qapi/qapi-commands-misc.h": its generated header */
	const char *handler_file;    /* "monitor/qmp-cmds.c" */
	const char *hmp_table;       /* "hmp-commands.hx" */
	const char *hmp_header;      /* "include/monitor/hmp.h" */
	const char *hmp_file;        /* "monitor/hmp-cmds.c" */
};
int qapi_monitor_placement_for(struct qapi_monitor_placement *out, const struct qapi_version *v);

/*
 * New QMP commands return objects: QEMU lists the exceptions, old commands, in
 * its 'command-returns-exceptions' pragma. A command of `frag` that returns
 * anything else (types looked up in frag, then in schema and its includes) is
 * refused at its 'returns' (ERR_INPUT, FILE:LINE:COL).
 */
int qapi_monitor_check_returns(const struct qapi_schema *frag, const struct qapi_schema *schema);

/* The HMP wrapper of a QMP command, written from its QAPI arguments. */
struct qapi_hmp {
	char *name;        /* "hello-world" (the HMP name is the QMP name) */
	char *func;        /* "hmp_hello_world" */
	char *args_type;   /* "message:s?": s str and enums, l int/int64/uint64, i 8-32 bit ints,
			    * o size, T number, b bool; '?' optional */
	char *params;      /* "[message]" */
	char *hx_entry;    /* the hmp-commands.hx block (entry and its SRST doc) */
	char *decl;        /* "void hmp_x(Monitor *mon, const QDict *qdict);\n" */
	char *code;        /* a C file: #include lines, then the wrapper (reads the QDict,
			    * calls the qmp_ function, prints a struct's members or a list's
			    * items, errors through hmp_handle_error()) */
};

/*
 * Write the wrapper of the command of prototype `p` (derived from `s` at
 * version v). An argument HMP cannot express (a list, a struct, 'any',
 * arguments given as one type) or a result it cannot print (not a struct
 * or a list of structs) is ERR_INPUT, saying which.
 */
int qapi_hmp_generate(struct qapi_hmp *out, const struct qapi_schema *s, const struct qapi_proto *p,
		      const struct qapi_version *v);
void qapi_hmp_release(struct qapi_hmp *h);

/* Append h's entry to an hmp-commands.hx text; ERR_EXISTS (FILE:LINE:COL) when the name is taken. */
int qapi_hmp_add_table(struct buf *out, const char *fname, const char *text, size_t len,
		       const struct qapi_hmp *h);

/* Add h's declaration before the closing #endif of include/monitor/hmp.h; ERR_EXISTS when taken. */
int qapi_hmp_add_decl(struct buf *out, const char *fname, const char *text, size_t len,
		      const struct qapi_hmp *h);

/*
 * The QMP form of qapi_gen_crosscheck(): the tree's generator runs on a
 * copy of its qapi/ directory with `module` ("qapi/misc.json") replaced by
 * `schema_text`, from qapi/qapi-schema.json (no prefix), and the
 * prototypes are compared with those of qapi-commands-MODULE.h.
 */
int qapi_gen_crosscheck_qmp(const char **skip_reason, const char *tree_dir, const char *module,
			    const char *schema_text, size_t len, const struct qapi_proto *protos,
			    size_t n);

#endif
