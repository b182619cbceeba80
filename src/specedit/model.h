#ifndef QGA_FORGE_SPEC_MODEL_H
#define QGA_FORGE_SPEC_MODEL_H

/*
 * Internal to src/specedit: the lossless model of a spec file.
 *
 * The text is split into physical lines (offsets into the caller's text,
 * which must outlive the model). Physical lines are grouped into logical
 * lines as rpm reads them (a trailing backslash or an unclosed %{ or %(
 * continues a line). Every physical line knows its section, its innermost
 * conditional, and the conditional branch it sits in.
 *
 * Edits are collected per physical line (replace, delete, insert after)
 * and applied by sm_render(), which copies every untouched byte.
 */

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "spec.h"

enum sm_kind {
	SM_TEXT,
	SM_BLANK,
	SM_COMMENT,
	SM_TAG,
	SM_SECTION,
	SM_IF,
	SM_ELSE,
	SM_ENDIF,
	SM_MACRODEF
};

enum sm_section_kind {
	SEC_PREAMBLE,
	SEC_PACKAGE,
	SEC_DESCRIPTION,
	SEC_PREP,
	SEC_CHANGELOG,
	SEC_PATCHLIST,
	SEC_SOURCELIST,
	SEC_FILES,
	SEC_SCRIPT          /* %build, %install, %check, scriptlets... */
};

struct sm_line {
	size_t off, len;    /* text of the line, without its line ending */
	size_t eol;         /* bytes of the line ending: 0, 1 or 2 */
	size_t first, last; /* physical lines of the logical line it belongs to */
	enum sm_kind kind;
	int section;        /* index in sm->sections */
	int cond;           /* innermost open conditional, -1 when none */
	int branch;         /* innermost conditional branch, -1 when none */
};

struct sm_cond {
	size_t if_line, endif_line;
	int parent;
};

struct sm_branch {
	int parent;
	int cond;
	int index;
};

struct sm_section {
	enum sm_section_kind kind;
	size_t header;      /* line of "%prep" etc.; 0 for the preamble (no header) */
	size_t begin, end;  /* lines [begin, end) of the body */
	bool has_header;
};

enum sm_tag_kind { TAG_OTHER, TAG_PATCH, TAG_SOURCE };

struct sm_tag {
	size_t line;
	enum sm_tag_kind kind;
	size_t name_off, name_len;   /* tag name without the number */
	size_t num_off, num_len;     /* the digits (num_len 0: unnumbered) */
	size_t colon;                /* offset of ':' */
	size_t value_off, value_len; /* value without trailing blanks */
	int number;                  /* as written, or rpm's for unnumbered patches */
	bool commented;              /* "#Patch4: x" */
	bool listed;                 /* a %patchlist line */
};

struct sm_macrodef {
	size_t line;
	size_t name_off, name_len;
	size_t value_off, value_len;
};

enum sm_dir_kind { DIR_SETUP, DIR_AUTOSETUP, DIR_AUTOPATCH, DIR_PATCH, DIR_MACROLINE };

/* Where a directive holds a patch number: how a form is recognised. */
enum sm_num_at {
	AT_NONE,             /* no number at all: %patch -p1 */
	AT_NAME,             /* glued to the directive's name: %patch3 */
	AT_ARG,              /* an argument of its own: %patch 3, %autopatch 3 */
	AT_OPT,              /* the value of an option, as the next argument: -P 3 */
	AT_OPT_GLUED,        /* the value of an option, glued to it: -P3 */
	AT_MACRO             /* %{PATCH3}, %PATCH3, %{?PATCH3} anywhere on a line */
};
#define AT(x) (1u << (x))

/* Where a new line puts its -p option. */
enum sm_strip_at {
	STRIP_AS_SPEC,       /* before the number when the spec's line has it there, else after */
	STRIP_AFTER,         /* %patch3 -p1: the number is glued to the name */
	STRIP_BEFORE         /* %autopatch -p1 3: its options end at the first argument */
};

/*
 * The one table of the ways a %prep line names a patch (forms.c): for each
 * form, how model.c recognises it (the directive, where the number sits,
 * the option it is the value of), how add-patch writes a new line in it, and
 * which rpm versions accept it (with what add-patch says when this rpm does
 * not and %patch -P N, which every rpm knows, is written instead). A new
 * form is one enum value, one row and its tests.
 */
struct sm_form_row {
	enum spec_patch_form form;
	/* recognised */
	enum sm_dir_kind dir;         /* the directive it is an argument of */
	unsigned at;                  /* AT() bits: where the number sits */
	char opt;                     /* the option whose value it is (AT_OPT*), else 0 */
	bool bound;                   /* a bound of the range %autopatch applies, not a patch */
	/* written: the name, then the number, and -p where strip_at says */
	const char *name;             /* "%patch"; NULL: not written from the table */
	const char *number;           /* the number after the name: "%0*d", " -P %0*d" */
	enum sm_strip_at strip_at;
	/* accepted: from/up to this rpm (41800 = 4.18; 0: no bound) */
	int rpm_min, rpm_max;
	const char *refused;          /* when this rpm does not accept it: "rpm %d.%d rejects %%patchN" */
};

/* The row of a form; NULL for SPEC_FORM_NONE. */
const struct sm_form_row *sm_form(enum spec_patch_form form);
/* The rows, for walking the table. */
const struct sm_form_row *sm_forms(size_t *n);
/*
 * The form of a number (or of its absence: AT_NONE) found at `at` in a `dir`
 * directive, as the value of option `opt` (0: none); NULL when it names no
 * patch there.
 */
const struct sm_form_row *sm_form_find(enum sm_dir_kind dir, enum sm_num_at at, char opt);
/* Does rpm `rpmver` (spec_rpm_version(): 41800 for 4.18.0) accept the form? */
bool sm_form_accepted(const struct sm_form_row *row, int rpmver);
/*
 * Append a line of the row's form applying patch `num`, zero-padded to
 * `width` (0: none), with -p`strip` unless strip < 0, before the number when
 * `strip_first` and the row allows it. The row must have a name.
 */
void sm_form_write(struct buf *out, const struct sm_form_row *row, int num, int width, int strip,
		   bool strip_first);

struct sm_ref {
	size_t line;
	size_t off, len;     /* the digits */
	int number;
	enum spec_patch_form form;
	int directive;       /* index in sm->dirs, -1 for a %{PATCHn} outside one */
};

/* A patch-related directive of %prep. */
struct sm_dir {
	enum sm_dir_kind kind;
	size_t line;
	size_t off, len;     /* the directive's text (to the end of the line or its enclosing macro) */
	bool at_start;       /* begins its line, rather than sits inside %{?x:...} */
	enum spec_patch_form form; /* how it names its patches (the last one it names) */
	int strip;           /* -p value, -1 when absent */
	bool strip_first;    /* -p is written before the patch number */
	bool no_patches;     /* %autosetup -N */
	bool git_am;         /* %autosetup -S git_am, or a "git am" line */
	bool has_min, has_max, range_unknown;
	int min, max;        /* %autopatch -m/-M */
	int nrefs;           /* number references it holds */
	bool all_patches;    /* uses %{patches} */
};

struct sm {
	const char *path;
	const char *text;
	size_t size;
	const char *nl;          /* line ending for new lines */
	struct sm_line *lines;
	size_t nlines;
	struct sm_cond *conds;
	size_t nconds;
	struct sm_branch *branches;
	size_t nbranches;
	struct sm_section *sections;
	size_t nsections;
	struct sm_tag *tags;
	size_t ntags;
	struct sm_macrodef *defs;
	size_t ndefs;
	struct sm_ref *refs;
	size_t nrefs;
	struct sm_dir *dirs;
	size_t ndirs;
	int prep;                /* section index of %prep, -1 */
	int changelog;           /* section index of %changelog, -1 */
	int patchlist;           /* section index of %patchlist, -1 */

	/* pending edits, one slot per line */
	char **replace;
	bool *deleted;
	struct buf *after;
};

/* Parse; rejects binary data, unbalanced conditionals, a second %prep, huge numbers. */
int sm_parse(struct sm *sm, const char *path, const char *text, size_t len);
void sm_release(struct sm *sm);

/* Text of line i (not NUL-terminated). */
static inline const char *sm_line_ptr(const struct sm *sm, size_t i)
{
	return sm->text + sm->lines[i].off;
}

/* Set an input error "path:line:col: message" for offset `off` in line `line`. */
int sm_error(const struct sm *sm, size_t line, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The outermost conditional around line i, -1 when it is unconditional. */
int sm_outer_cond(const struct sm *sm, size_t i);

/* Line after which new text may go to sit after line i and outside any conditional. */
size_t sm_after_outside(const struct sm *sm, size_t i);

/* True when lines a and b can never both be in effect (other branches of one %if). */
bool sm_exclusive(const struct sm *sm, size_t a, size_t b);

/* Patch tags that are in effect (not commented out), in declaration order. */
size_t sm_patch_tags(const struct sm *sm, struct sm_tag **out);

/* Edits (take effect in sm_render). `text` has no line ending. */
void sm_delete_line(struct sm *sm, size_t i);
void sm_insert_after(struct sm *sm, size_t i, const char *text, size_t len);

/* Replace bytes [off, off+len) of line i's current text. */
void sm_splice_line(struct sm *sm, size_t i, size_t off_in_line, size_t len, const char *text,
		    size_t tlen);

/* Current text of line i (after replacements), NUL-terminated; caller frees. */
char *sm_line_text(const struct sm *sm, size_t i);

/* Write the edited text to out. */
void sm_render(const struct sm *sm, struct buf *out);

/*
 * 1-based line number, in the rendered text, of line i itself, or (after_it)
 * of the nth line inserted after it.
 */
unsigned sm_rendered_line(const struct sm *sm, size_t i, bool after_it, size_t nth_inserted);

/* Small text helpers shared by the edit files. */
bool sm_is_blank(int c);
size_t sm_skip_blanks(const char *s, size_t i, size_t n);
bool sm_word_at(const char *s, size_t n, size_t i, const char *word);
unsigned sm_visual_col(const char *s, size_t n);

/*
 * Blanks after a tag's colon: when `aligned`, enough to reach visual column
 * `col` (tabs if the template has tabs; at least one blank), else the
 * template itself.
 */
void sm_pad_to(struct buf *b, const char *line_start, unsigned col, const char *ws_template,
	       size_t ws_len, bool aligned);

/* Whether a tag's value is padded to a column (its own blanks, or other tags at that column). */
bool sm_tag_aligned(const struct sm *sm, const struct sm_tag *t);

/* Append s with every '%' doubled, so rpm reads it literally. */
void sm_put_escaped(struct buf *b, const char *s, size_t n);

#endif
