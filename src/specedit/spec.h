#ifndef QGA_FORGE_SPEC_H
#define QGA_FORGE_SPEC_H

/*
 * RPM spec files: a lossless model, and the edits qga-forge makes to them.
 *
 * Every editing function takes the current spec text (`in`) and appends the
 * new text to `out`; it never reads or writes the spec file itself, so the
 * caller decides how the result lands (fs_write_atomic(), or one workspace
 * transaction with other files). Bytes the edit does not mean to change are
 * copied unchanged: line endings, tabs, alignment, comments, trailing
 * spaces. On error `out` is left as it was and the message names the spec
 * and, for rejected input, the place: "foo.spec:12:1: '%if' without '%endif'".
 *
 * `path` is used for messages and, where rpm is asked, to find the files
 * next to the spec; it need not exist for the pure text functions.
 *
 * Functions return 0 or a negative error code (util/error.h). They never
 * print. The rpm functions (spec_query(), spec_verify_patches(), and
 * spec_bump(), which asks rpm for the new version-release) parse the spec
 * with librpmbuild in a forked child: the spec's %(...) and Lua code and
 * rpm's global macro state never touch the calling process.
 *
 * Thread safety: none of these functions may run concurrently (the error
 * message is per thread, but rpm's configuration is read per process).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* The largest spec file the commands read (a bound for untrusted input). */
#define SPEC_CAP (32u << 20)

/* Host rpm version, from librpm: 4.18.0 is 41800. */
int spec_rpm_version(void);

/*
 * Where a spec's sources and patches live: X/SOURCES for a spec at
 * X/SPECS/foo.spec, else the spec's own directory. Caller frees.
 */
char *spec_sourcedir(const char *spec_path);

/*
 * Code in a spec that rpm runs while it only parses it: %(...) shell
 * commands, %{lua:...} and %lua, and what would bring unchecked text in
 * (%include, %{load:...}). 0 when there is none; else ERR_INPUT naming the
 * first one found, "PATH:LINE:COL: '%(' runs a shell command while rpm
 * reads the spec". Textual (rpm is not asked, nothing runs) and strict: a
 * construct in a comment counts, and on a line that defines a macro or
 * uses %{expand:...} an escaped "%%(" counts too, since that text is
 * expanded again. Used to refuse specs from untrusted src.rpms
 * (--no-spec-code).
 */
int spec_find_code(const char *path, const struct buf *text);

/*
 * Refusing specs that run code while rpm parses them (%(...), Lua,
 * %include): parsing a spec from an untrusted src.rpm runs that code.
 * The policy is on with `--no-spec-code` (init, spec check) or when the
 * environment has QGA_FORGE_REFUSE_SPEC_CODE set to anything but "" or "0";
 * every operation that hands a spec to rpm (init, forge, spec, patch, build,
 * agent) checks it first, before librpm reads a line of it.
 *
 * spec_policy_from_env(): true when the environment asks for the policy.
 * spec_policy_check(): with `option` or the environment asking for it, read
 * the spec at `path` and fail (ERR_INPUT, "LABEL:LINE:COL: '%(' runs a shell
 * command while rpm reads the spec; refused (...)") when it holds such code.
 * `label` names the spec in the message (NULL: path). 0 otherwise, and
 * always 0 when the policy is off.
 */
bool spec_policy_from_env(void);
int spec_policy_check(const char *path, const char *label, bool option);

/* ---- layout: what the model sees (read only) ---- */

enum spec_prep_style {
	SPEC_PREP_NONE,      /* %prep applies no patch */
	SPEC_PREP_PATCH,     /* explicit %patch lines (or lines using %{PATCHn}) */
	SPEC_PREP_AUTO       /* %autosetup or %autopatch applies the patches */
};

/*
 * How a %prep line names a patch. specedit's one table of forms says, for
 * each, how it is recognised in a %prep line, how a new line is written in
 * it and which rpm versions accept it; spec_layout() reports the form of the
 * last line that names patches.
 */
enum spec_patch_form {
	SPEC_FORM_NONE,          /* no %patch line to copy */
	SPEC_FORM_PATCHN,        /* %patch3 -p1         (rpm up to 4.19) */
	SPEC_FORM_PATCH_N,       /* %patch 3 -p1        (rpm 4.18 and later) */
	SPEC_FORM_PATCH_P,       /* %patch -P 3 -p1     (every rpm) */
	SPEC_FORM_PATCH_PN,      /* %patch -P3 -p1      (every rpm) */
	SPEC_FORM_MACRO,         /* a line using %{PATCH3}, e.g. git am %{PATCH3} */
	SPEC_FORM_AUTOPATCH,     /* %autopatch -p1 3    (rpm 4.18 and later) */
	SPEC_FORM_AUTOPATCH_MIN, /* %autopatch -m 3: a bound of the range it applies */
	SPEC_FORM_AUTOPATCH_MAX  /* %autopatch -M 3 */
};

struct spec_patch_tag {
	int number;          /* rpm's number: unnumbered Patch: tags count on from the highest so far */
	bool numbered;       /* PatchN: rather than Patch: (or a %patchlist line) */
	bool conditional;    /* inside %if/%ifarch... */
	unsigned line;       /* 1-based line of the tag */
	char *value;         /* the file name as written (macros not expanded) */
};

struct spec_layout {
	struct spec_patch_tag *patches;  /* declaration order */
	size_t npatches;
	enum spec_prep_style prep;
	enum spec_patch_form form;       /* of the last explicit patch line, if any */
	bool git_am;                     /* %prep applies patches with git am */
	int max_number;                  /* highest patch number in use (commented-out tags count), -1 if none */
};

/*
 * The model's view of a spec. Fails on what the model rejects: binary data,
 * unbalanced conditionals, a second %prep, duplicate patch numbers in effect.
 */
int spec_layout(struct spec_layout *out, const char *path, const struct buf *in);
void spec_layout_release(struct spec_layout *l);

/* ---- add-patch ---- */

struct spec_add_patch_opts {
	const char *name;        /* patch file name for the tag: a plain name, no '%', no blanks */
	const char *comment;     /* NULL, or text for "# ..." lines above the tag (one per line) */
	const void *patch_data;  /* the patch, to check it suits the %prep style (may be NULL) */
	size_t patch_len;
	int rpm_version;         /* rpm that will read the spec; 0: spec_rpm_version() */
};

struct spec_add_patch_result {
	int number;              /* the new patch's number */
	bool numbered;           /* PatchN: was written (else Patch:) */
	unsigned tag_line;       /* 1-based line of the new tag in the new text */
	unsigned prep_line;      /* 1-based line of the new %prep line, 0 when %autosetup/%autopatch applies it */
	struct buf warnings;     /* one message per line (e.g. a form changed for this rpm) */
};

/*
 * Declare patch `opts->name` as the highest-numbered patch (one more than
 * any number the spec uses, in any branch of any conditional, commented-out
 * tags included) after the last Patch tag, outside any conditional, in the
 * spec's own tag style (number padding, alignment, tabs, unnumbered Patch:).
 * Adds the %prep line in the form of the last existing patch line, after it
 * and outside any conditional, or none where %autosetup/%autopatch applies
 * the patch. A %prep that would not apply it (an %autopatch -M range that
 * ends below the new number), a git am layout with a patch that is not a
 * mailbox, a name already declared, duplicate numbers, unbalanced
 * conditionals or a spec without %prep are refused.
 * Where `rpm_version` rejects %patchN (4.20) or lacks %patch N (before
 * 4.18), %patch -P N is written and a warning says so.
 * Release the result with spec_add_patch_result_release() (on failure there is
 * nothing to release; calling it anyway is harmless).
 */
int spec_add_patch(struct buf *out, struct spec_add_patch_result *res, const char *path,
		   const struct buf *in, const struct spec_add_patch_opts *opts);
void spec_add_patch_result_release(struct spec_add_patch_result *res);

/*
 * Remove the Patch tag whose value is `name`, its "# qga-forge: ..." comment
 * block, and the %prep lines that apply only that patch. ERR_NOTFOUND when
 * no tag has that value. Other numbers are not changed.
 */
int spec_remove_patch(struct buf *out, const char *path, const struct buf *in, const char *name);

/* ---- renumber ---- */

struct spec_renumber_map {
	int old_number;
	int new_number;
	unsigned line;
};

/*
 * Number the Patch tags sequentially in declaration order (from 0 when the
 * first is 0 or unnumbered, else from 1) and rewrite every reference:
 * %patchN, %patch N, %patch -P N, %{PATCHn}, %PATCHn, %autopatch numbers and
 * -m/-M ranges. Tags keep their padding, alignment and comments. Refused when
 * a number is declared twice, when a reference names no tag, or when an
 * %autopatch range would select other patches afterwards. *map (may be
 * NULL) lists every tag, declaration order; caller frees.
 */
int spec_renumber(struct buf *out, struct spec_renumber_map **map, size_t *nmap,
		  const char *path, const struct buf *in);

/*
 * Set the value of the numbered tag SourceN (a plain file name: the
 * caller validates it), keeping every other byte. ERR_NOTFOUND when the
 * spec has no SourceN in effect.
 */
int spec_set_source(struct buf *out, const char *path, const struct buf *in, int number,
		    const char *value);

/*
 * Point the spec's references to source file `from` by its path in the
 * source directory (`%{_sourcedir}/FROM`, `%_sourcedir/FROM`,
 * `$RPM_SOURCE_DIR/FROM`, `${RPM_SOURCE_DIR}/FROM`; real RHEL and CentOS specs
 * install their sysconfig files this way, not as %{SOURCEn}) at `to`,
 * keeping every other byte. `*count` gets the number of references changed.
 */
void spec_rename_source_refs(struct buf *out, const struct buf *in, const char *from, const char *to,
			     size_t *count);

/* ---- rpm's view ---- */

struct spec_query_opts {
	const char *sourcedir;          /* NULL: spec_sourcedir(path) */
	const char *const *defines;     /* "MACRO VALUE" entries, NULL-terminated, or NULL */
	const char *dist;               /* when set, %{dist} is defined as this ("" for %{nil}) */
};

struct spec_src {
	int number;
	char *file;                     /* file name as rpm expanded it */
};

struct spec_pkg {
	char *name, *epoch, *version, *release, *summary;   /* NULL when the header has none */
};

struct spec_info {
	char *name;
	char *epoch;                    /* NULL when the spec has no Epoch */
	char *version;
	char *release;
	struct spec_src *patches;       /* declared, in rpm's number order */
	size_t npatches;
	struct spec_src *applied;       /* as the expanded %prep applies them, in order */
	size_t napplied;
	struct spec_src *sources;       /* Source tags (not patches), in rpm's number order */
	size_t nsources;
	struct spec_pkg *packages;      /* every package rpm's parser made, the main one first */
	size_t npackages;
	char **undefined;               /* macros of spec_dist_macros() that stay undefined once
					   rpm has read the host's configuration and the spec */
	size_t nundefined;
};

/*
 * Parse spec text with librpmbuild (rpmSpecParse, RPMSPEC_ANYARCH |
 * RPMSPEC_FORCE) in a child process. `text` NULL means the file at `path`;
 * otherwise the text is written to a temporary file next to `path`, so
 * relative lookups (%{_specdir}, %include) work, and removed afterwards.
 * A parse error fails with rpm's own message, its line numbers pointing
 * into `path`.
 */
int spec_query(struct spec_info *out, const char *path, const struct buf *text,
	       const struct spec_query_opts *opts);
void spec_info_release(struct spec_info *info);

/*
 * Check, with rpm, that the expanded %prep of `text` applies the patch files
 * `names` (as declared, e.g. "foo.patch") each exactly once, in this order,
 * after every other patch it applies. A parse error or any other outcome
 * fails with a message that says which patch and why.
 */
int spec_verify_patches(const char *path, const struct buf *text, const char *const *names,
			size_t n, const struct spec_query_opts *opts);

/* ---- dist tag ---- */

/*
 * The dist tag a package was built with, inferred from its src.rpm: rpm
 * expands the spec's Release with %{dist} standing for a marker, and
 * `built_release` (the Release in the src.rpm's header) is matched against
 * that template: header "3.el7" with "Release: 3%{?dist}" gives ".el7",
 * header "3" gives "" (built without one). *out is NULL when the Release
 * does not use %{dist} (0 returned, nothing to infer). A header Release that
 * does not fit the template fails with ERR_NOTFOUND and a message saying
 * both. Caller frees *out.
 */
int spec_infer_dist(char **out, const char *path, const char *built_release,
		    const struct spec_query_opts *opts);

/* spec_infer_dist() that also keeps rpm's view of the spec (info_out, released by the caller). */
int spec_infer_dist_info(char **out, struct spec_info *info_out, const char *path,
			 const char *built_release, const struct spec_query_opts *opts);

/* ---- macros of a distribution's macro packages ---- */

/*
 * Macros that vendor specs take from their distribution's macro packages
 * (systemd-rpm-macros, redhat-rpm-config, python-srpm-macros) and that other
 * hosts lack (Debian's rpm has no %_unitdir, %_udevrulesdir, %systemd_* or
 * %__python3): name and the package that provides it. The table ends with a
 * NULL name.
 */
struct spec_dist_macro {
	const char *name;
	const char *package;
};
extern const struct spec_dist_macro spec_dist_macros[];

/* A use of such a macro that rpm leaves unexpanded on this host. */
struct spec_macro_use {
	const char *name;               /* from spec_dist_macros (static) */
	const char *package;
	unsigned line, col;             /* 1-based, in the spec */
};

/*
 * The uses in `text` (the spec `path` as rpm parsed it into `info`) of the
 * macros info->undefined lists, in text order; %{?name...} and %{!?name...}
 * are not uses. Comment lines are skipped. Caller frees *out.
 */
int spec_find_undefined_macros(struct spec_macro_use **out, size_t *nout, const char *path,
			       const struct buf *text, const struct spec_info *info);

/* ---- bump ---- */

struct spec_bump_opts {
	const char *changelog;   /* entry text, one item per line ("- " added); NULL: "- rebuilt" */
	const char *packager;    /* "Name <email>"; NULL: %packager, $QGA_FORGE_PACKAGER, or a default */
	const char *suffix;      /* NULL: bump the release number; else a local suffix (".qga") */
	int64_t now;             /* entry time, seconds since the epoch; 0: the current time */
	const struct spec_query_opts *query;  /* how rpm reads the spec (may be NULL) */
};

struct spec_bump_result {
	char *old_release;       /* the Release/macro value before and after (as written) */
	char *new_release;
	char *header;            /* the changelog header line written, NULL when none */
	bool release_managed;    /* %autorelease: left alone */
	bool changelog_managed;  /* %autochangelog: left alone */
	struct buf warnings;
};

/*
 * Bump the release as rpmdev-bumpspec does (the %global/%define baserelease
 * or release macro the Release tag uses, else the leading number of
 * Release:, "0.N" pre-releases bumping N), or, with a suffix, append
 * SUFFIX1 to Release (SUFFIXn becomes SUFFIXn+1) so a local build sorts
 * above the vendor's same release. Adds a %changelog entry in the style of
 * the existing ones: "* Www Mmm DD YYYY Name <email> - [E:]V-R" (epoch when
 * the newest entry shows one, the dist tag when it shows one), C locale, UTC,
 * never dated before the newest entry, '%' escaped as "%%".
 * %autorelease and %autochangelog are left alone.
 */
int spec_bump(struct buf *out, struct spec_bump_result *res, const char *path,
	      const struct buf *in, const struct spec_bump_opts *opts);
void spec_bump_result_release(struct spec_bump_result *res);

/*
 * Replace the items of the changelog entry whose header line is exactly
 * `header` with `text` (same rules as spec_bump's changelog text).
 * ERR_NOTFOUND when no entry has that header.
 */
int spec_changelog_set_entry(struct buf *out, const char *path, const struct buf *in,
			     const char *header, const char *text);

/* ---- %patchN on rpm 4.20 and later ---- */

/* True when rpm `rpm_version` (0: the host's) rejects %patchN (4.20 and later). */
bool spec_rpm_rejects_patchn(int rpm_version);

struct spec_patchn_result {
	size_t count;            /* %patchN directives rewritten */
	unsigned *lines;         /* 1-based line and column of each, in text order */
	unsigned *cols;
};

/*
 * Rewrite every %patchN directive of %prep (%patch0, %patch00012, inside
 * %{?with_x:...}, and in %prep's comments, which rpm 4.20 expands) as
 * "%patch -P N", which every rpm from 4.11 to 6.x accepts; the options and
 * every other byte stay as they were. "%%patch3" (rpm's escape) is left
 * alone. `res` (may be NULL) lists what changed; count 0 means `out` got the
 * text unchanged. Release with spec_patchn_result_release().
 */
int spec_convert_patchn(struct buf *out, struct spec_patchn_result *res, const char *path,
			const struct buf *in);
void spec_patchn_result_release(struct spec_patchn_result *res);


/* ---- agent-only builds (agentonly.c) ---- */

struct spec_agent_only_opts {
	const char *main_name;          /* the spec's Name, as rpm expands it (spec_query) */
	const char *subpackage;         /* "qemu-guest-agent" */
	const char *qemu_version;       /* the tree's VERSION: chooses configure's options */
};

struct spec_agent_only_result {
	unsigned package_line;          /* 1-based line of the vendor's %package -n SUB */
	unsigned files_line;            /* ... and of its %files -n SUB */
	char *agent_path;               /* qemu-ga's %files entry as written ("%{_bindir}/qemu-ga") */
	size_t kept_install_lines;      /* vendor %install lines kept (they place SUB's files) */
	size_t kept_buildrequires, dropped_buildrequires;
	size_t dropped_sections;
	bool docs;                      /* SUB ships qemu-ga.8: the build makes QEMU's docs (sphinx) */
};

/*
 * The agent-only spec of a vendor spec whose subpackage `o->subpackage`
 * holds the guest agent: the preamble (BuildRequires cut down to what the
 * agent needs), the main %description, SUB's %package, %description,
 * scriptlets and %files, %prep and %changelog, copied line for line; every
 * other package's sections, %check and %clean dropped (their conditionals
 * and macro definitions kept, so the rest reads as before); %build written
 * for the agent alone with the options of that QEMU release; %install
 * installs the agent where SUB's %files lists it, then the vendor's
 * %install lines that name SUB's files. The main package has no %files, so
 * rpm builds SUB alone, with the main package's epoch, version and release.
 * Errors: the file's sections missing, no qemu-ga in SUB's %files, QEMU
 * older than 5.2 (spec_agent_only_supported()).
 */
int spec_derive_agent_only(struct buf *out, struct spec_agent_only_result *res, const char *path,
			   const struct buf *in, const struct spec_agent_only_opts *o);
void spec_agent_only_result_release(struct spec_agent_only_result *r);
/* 0 when an agent-only build knows QEMU `qemu_version`'s configure, else an error saying so. */
int spec_agent_only_supported(const char *qemu_version);

#endif
