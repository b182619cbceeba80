#ifndef QGA_FORGE_SRPM_H
#define QGA_FORGE_SRPM_H

/*
 * librpm work: reading package headers, installing a src.rpm into a private
 * _topdir (never ~/rpmbuild, never the rpm database), running a spec's build
 * stages with librpmbuild, and reading files out of a package payload.
 *
 * Spec parsing and %prep/%build run the spec's own code (shell, Lua,
 * %(...)): stage runs happen in a forked child (util/run.h run_function) so
 * that rpm's global macro state and any crash stay out of this process, and
 * their output goes to a log file.
 *
 * Functions return 0 or a negative error code with a message (util/error.h).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct srpm_info {
	char *name, *epoch, *version, *release, *arch;  /* epoch NULL when none */
	char *nevr;        /* name-[epoch:]version-release */
	char *nvr;         /* name-version-release (init's default directory) */
	bool is_source;
	int64_t buildtime; /* RPMTAG_BUILDTIME */
	char *payload_compressor;
	char *nevra;       /* name-[epoch:]version-release.arch, as rpm writes it */
	char *hdrid;       /* the header digest (SHA-256, else SHA-1, else the file's SHA-256):
			      unchanged by signing */
	bool is_signed;    /* carries an OpenPGP signature */
};

/*
 * librpm set up for this process, once (its configuration read, its
 * messages collected rather than printed). Every parent-process use of
 * librpm goes through here; builds and spec parsing run in forked children
 * that set rpm up afresh.
 */
int srpm_setup(void);

/*
 * Read a package's header. Errors: ERR_INPUT for a file that is not an rpm
 * or whose header is damaged (the message says which), ERR_NOTFOUND when the
 * file does not exist.
 */
int srpm_read_info(struct srpm_info *out, const char *path);
/* The header alone: the payload is not read (nor its digest checked). */
int srpm_read_header(struct srpm_info *out, const char *path);
void srpm_info_release(struct srpm_info *info);

/*
 * Install a source package into `topdir` (SPECS/, SOURCES/ created).
 * *spec_out: absolute path of the installed spec (caller frees).
 */
int srpm_install(char **spec_out, const char *path, const char *topdir);

/* Options of a build-stage run. */
struct srpm_build {
	const char *spec;            /* the spec to build */
	const char *label;           /* how messages name it (default: the spec's path) */
	const char *topdir;          /* private _topdir */
	const char *const *defines;  /* "MACRO VALUE" strings, NULL-terminated, or NULL */
	const char *log_path;        /* stage output goes here (appended) */
	unsigned amount;             /* RPMBUILD_* flags of rpmbuild.h */
	bool nodeps;                 /* skip the BuildRequires check */
	int timeout_ms;              /* 0: none */
	void (*tick)(void *arg);     /* progress callback while the stage runs (util/run.h) */
	void *tick_arg;
};

/*
 * Run %prep of `b->spec` (b->amount is ignored). *tree_out: the prepared
 * tree (%{_builddir}/%{buildsubdir}; caller frees); *npatches_out (may be
 * NULL): how many patches the spec declares. On failure the message has the
 * last lines of the log and names it.
 */
int srpm_prep(char **tree_out, int *npatches_out, const struct srpm_build *b);

/*
 * Run the stages in b->amount (for example RPMBUILD_PACKAGESOURCE, or
 * PREP|BUILD|INSTALL|PACKAGEBINARY|...). Unless b->nodeps, missing
 * BuildRequires fail with ERR_INPUT naming them.
 */
int srpm_build(const struct srpm_build *b);

/*
 * Where the spec's %build runs with b's macros: the expansion of
 * %{_builddir}/%{buildsubdir} (or rpm 4.20's %{builddir}) after parsing.
 * Caller frees *out.
 */
int srpm_build_subdir(char **out, const struct srpm_build *b);

/* Evaluate rpm macro expressions (e.g. "%{_arch}") with the host's config. Caller frees. */
char *srpm_expand(const char *expr);

/* The runtime rpm version ("4.18.0"). */
const char *srpm_rpm_version(void);

/* The last `lines` lines of a log file, for error messages. Caller frees. */
char *srpm_log_tail(const char *log_path, int lines);

/*
 * Extract the payload file `path` (as in the package, e.g. "/usr/bin/qemu-ga")
 * of `rpm_path` to `dest` (mode kept), with librpm's archive reader.
 */
int srpm_extract_file(const char *rpm_path, const char *path, const char *dest);

/* List the payload's file paths, one per line, into out. */
int srpm_list_files(struct buf *out, const char *rpm_path);

/*
 * What a binary package says about itself, for checks of where it can be
 * installed (src/deploy). Strings are owned by the struct.
 */
struct srpm_script {
	char *label;   /* "%post", "%triggerin -- glibc", "%filetriggerin" */
	char *prog;    /* the interpreter and its arguments ("/bin/sh"), or "" */
	char *body;    /* the script text ("" when the scriptlet has only an interpreter) */
};

struct srpm_pkg {
	char *nevra;      /* name-[epoch:]version-release.arch */
	char *name, *release, *arch;
	bool is_source;
	struct srpm_script *scripts;
	size_t nscripts;
	char **files;     /* every path of the package, in header order */
	unsigned *modes;  /* their st_mode */
	size_t nfiles;
	char **requires;  /* "libc.so.6(GLIBC_2.34)(64bit)", rpmlib() entries left out */
	size_t nrequires;
};

/*
 * Read scriptlets (%pre, %post, %preun, %postun, %pretrans, %posttrans,
 * %verifyscript), triggers and file triggers, the file list and the
 * requirements of a package's header. Errors as srpm_read_info().
 */
int srpm_read_package(struct srpm_pkg *out, const char *path);
void srpm_pkg_release(struct srpm_pkg *pkg);

/*
 * A file met while walking a payload (valid only inside the callback).
 * srpm_payload_read() reads the file's content sequentially; a callback may
 * read part of it, all of it or none.
 */
struct srpm_payload_file;
const char *srpm_payload_name(const struct srpm_payload_file *f);
unsigned srpm_payload_mode(const struct srpm_payload_file *f);
uint64_t srpm_payload_size(const struct srpm_payload_file *f);
/* Bytes read (0 at the end, or when the file's content is elsewhere: hard links), or < 0. */
long srpm_payload_read(struct srpm_payload_file *f, void *buf, size_t n);

/*
 * Walk the payload of `rpm_path` with librpm's archive reader, calling fn
 * for each file; fn returns 0 to go on, 1 to stop, < 0 (an error it set) to
 * fail.
 */
int srpm_walk_payload(const char *rpm_path,
		      int (*fn)(struct srpm_payload_file *f, void *arg), void *arg);

#endif
