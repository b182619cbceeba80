#ifndef QGA_FORGE_DEPLOY_H
#define QGA_FORGE_DEPLOY_H

/*
 * Deployability of built binary rpms: will the package install and run on
 * the distribution it is meant for?
 *
 * A package built on a host without the target's rpm macros (Debian has no
 * %_unitdir, %_udevrulesdir or %systemd_* macros) can carry scriptlets that
 * are the literal text "%systemd_post x.service" (status 127 on the
 * target), files under "/rules.d/" or at "/" (a macro that expanded to
 * nothing), and binaries linked against the build host's glibc and
 * libraries. deploy_check() finds each of these from the package header
 * (scriptlets, triggers, file paths, requirements) and the ELF files of the
 * payload (read with librpm's archive reader, no rpm2cpio), and names the
 * package, the problem and the fix.
 *
 * The target is the distribution generation the package is for: el7, el8,
 * el9, el10 or fedora, taken from the dist tag of the Release (".el7",
 * ".el8_4", ".fc41") or given by the caller. Its glibc and the library
 * sonames it ships are a table (deploy_baselines), one row per target.
 *
 * Functions return 0 or a negative code with a message (util/error.h);
 * a problem found in a package is a result, not an error.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* ---- the baseline table ---- */

struct deploy_baseline {
	const char *name;         /* "el7" */
	const char *label;        /* "CentOS/RHEL 7" */
	unsigned glibc[2];        /* newest GLIBC_x.y symbol version it provides: {2, 17} */
	const char *mock_root;    /* mock configuration without the architecture: "centos+epel-7" */
	const char *container;    /* `build --container` name, or NULL */
	unsigned bit;             /* this target's bit in deploy_soname masks */
};

/* el7, el8, el9, el10, fedora; NULL-terminated (name NULL). */
extern const struct deploy_baseline deploy_baselines[];

/* The row named `name` ("el9"), or NULL. */
const struct deploy_baseline *deploy_baseline_find(const char *name);

/*
 * The row for the dist tag in a Release ("3.el7", "11.el8_4.qga1",
 * "1.module+el8.3.0+7421+cafe", "2.fc41"), or NULL when it has none.
 */
const struct deploy_baseline *deploy_baseline_for_release(const char *release);

/*
 * Whether target `b` ships a library with this soname: 1 yes, 0 no (a
 * known library whose soname differs there: libssl.so.10 on el7,
 * libssl.so.3 on el9), -1 not in the table (cannot tell).
 * *instead (may be NULL) receives the target's soname of the same library
 * when the answer is 0 and it has one (static string), else NULL.
 */
int deploy_soname_status(const struct deploy_baseline *b, const char *soname, const char **instead);

/*
 * Parse a glibc symbol version: "GLIBC_2.34" gives {2, 34, 0}, "GLIBC_2.2.5"
 * {2, 2, 5}, "GLIBC_ABI_DT_RELR" {2, 36, 0} (the release that added it).
 * Returns 1 when parsed, 0 for a name that is not a glibc release version
 * (GLIBC_PRIVATE, GLIBCXX_3.4, anything else).
 */
int deploy_glibc_version(unsigned out[3], const char *name);

/* ---- the ELF reader ---- */

struct deploy_elf_verneed {
	char *file;      /* "libc.so.6" */
	char *version;   /* "GLIBC_2.34" */
};

struct deploy_elf {
	bool is64, big_endian;
	uint16_t machine;                   /* e_machine */
	char **needed;                      /* DT_NEEDED sonames */
	size_t nneeded;
	struct deploy_elf_verneed *verneed; /* .gnu.version_r entries */
	size_t nverneed;
};
#define DEPLOY_ELF_INIT { false, false, 0, NULL, 0, NULL, 0 }

/*
 * Read the dynamic dependencies of an ELF image in memory: the DT_NEEDED
 * sonames of its dynamic section and the symbol versions it needs
 * (SHT_GNU_verneed), through the section headers. 32 and 64 bit, either
 * byte order. Returns 1 for an ELF file (out filled; a static executable
 * or a relocatable object gives empty lists), 0 when `data` is not ELF,
 * ERR_INPUT when it is damaged (every offset is bounds-checked; the
 * message names `name`).
 */
int deploy_elf_read(struct deploy_elf *out, const unsigned char *data, size_t len, const char *name);
void deploy_elf_release(struct deploy_elf *e);

/* ---- unexpanded macros ---- */

/*
 * Find the first rpm macro left unexpanded in `text`: "%{...}", "%{?x}",
 * or "%name" where a word starts (after a line start, blank, quote, "/",
 * "=", "(" or ";") and the name has an underscore or at least four
 * letters, so that printf formats ("%s", "%-10s", "%lu") and date formats
 * ("+%Y%m%d") are not taken for macros. "%%" is an escaped percent sign.
 * Returns the offset of the '%' and sets *len_out to the macro's length,
 * or returns -1.
 */
long deploy_find_macro(const char *text, size_t *len_out);

/* ---- the check ---- */

enum deploy_severity {
	DEPLOY_ERROR,    /* the package fails on its target */
	DEPLOY_WARNING   /* it may: the check cannot tell */
};

struct deploy_problem {
	enum deploy_severity severity;
	char *kind;      /* "macro-in-scriptlet", "macro-in-path", "empty-macro-path",
			    "glibc", "soname", "no-target", "unknown-soname" */
	char *where;     /* "%post", "/rules.d/99-x.rules", "/usr/bin/qemu-ga" */
	char *message;   /* what is wrong, in words */
	char *fix;       /* what to do about it */
};

struct deploy_report {
	char *path;              /* the rpm file */
	char *nevra;
	char *target;            /* "el7", or NULL when unknown */
	char *target_source;     /* "dist tag", "--target", "vendor src.rpm's dist tag", or "none" */
	unsigned glibc_needed[3];/* the newest GLIBC_ version any file or requirement needs */
	size_t nelf;             /* ELF files read from the payload */
	struct deploy_problem *problems;
	size_t nproblems;
	size_t nerrors, nwarnings;
};

struct deploy_result {
	struct deploy_report *rpms;
	size_t nrpms;
	size_t nerrors, nwarnings;  /* over every package */
};
#define DEPLOY_RESULT_INIT { NULL, 0, 0, 0 }

struct deploy_opts {
	const char *target;           /* a deploy_baselines name; NULL: each rpm's dist tag */
	const char *fallback_release; /* when an rpm's Release has no dist tag, this one's
					 (the vendor src.rpm's Release); may be NULL */
	bool read_payload;            /* read the ELF files of the payload (else requirements only) */
};

/*
 * Check each rpm of `paths` (files, or directories searched recursively for
 * *.rpm; source packages in a directory are left out, a source package
 * named explicitly is refused). Errors: ERR_INPUT for an unknown
 * o->target, an unreadable or damaged package, a source package, or no
 * rpm at all; ERR_NOTFOUND for a path that does not exist.
 */
int deploy_check(struct deploy_result *out, const char *const *paths, size_t npaths,
		 const struct deploy_opts *o);
void deploy_result_release(struct deploy_result *r);

/* The result as JSON ({"ok", "errors", "warnings", "rpms": [...]}); a new reference. */
struct json_object;
struct json_object *deploy_result_json(const struct deploy_result *r);

/* deploy_check() and deploy_result_json() in one call (what build and forge record). */
int deploy_check_json(struct json_object **out, const char *const *paths, size_t npaths,
		      const struct deploy_opts *o);

/* ---- the vendor's RPC policy ---- */

/*
 * Which guest-agent commands a package enables once installed is decided by
 * the files it ships, not by the agent: /etc/sysconfig/qemu-ga, read by the
 * systemd unit's EnvironmentFile= and expanded in its ExecStart, in three
 * styles (CentOS 7 and RHEL 8 "BLACKLIST_RPC=a,b" for --blacklist=, RHEL
 * 9.0-9.3 "BLOCK_RPCS=a,b" for --block-rpcs=, RHEL 9.4+ and 10
 * FILTER_RPC_ARGS="--allow-rpcs=a,b"), and /etc/qemu-ga/qemu-ga.conf
 * ("block-rpcs=", the older "blacklist=", "allow-rpcs=" in [general]).
 * Under an allow-list a command not listed answers "has been disabled".
 */

enum deploy_policy_kind {
	DEPLOY_POLICY_BLOCK,
	DEPLOY_POLICY_ALLOW
};

struct deploy_policy_list {
	enum deploy_policy_kind kind;
	char *key;           /* "BLACKLIST_RPC", "BLOCK_RPCS", "FILTER_RPC_ARGS", "block-rpcs" ... */
	char *option;        /* the agent option it becomes: "--blacklist", "--allow-rpcs" ... */
	int line, col;       /* 1-based position of the list's first character */
	size_t start, end;   /* the comma-separated list is text[start, end) */
	char **names;        /* its entries */
	size_t nnames;
};

struct deploy_policy {
	char *file;          /* as messages name it */
	bool is_conf;        /* qemu-ga.conf (key file) rather than sysconfig (environment) */
	struct deploy_policy_list *lists;  /* the assignments in effect (the last of each key) */
	size_t nlists;
};

/*
 * Parse a sysconfig environment file or a qemu-ga.conf key file (told
 * apart by content: a "[group]" line makes a key file). Only lists that
 * take effect count: in a key file the [general] group's keys, in an
 * environment file the last assignment of each variable, comments
 * skipped. A file with neither is a policy with no lists. ERR_INPUT for
 * text that is not a text file (a NUL byte), naming `file`.
 */
int deploy_policy_parse(struct deploy_policy *out, const char *file, const char *text, size_t len);
void deploy_policy_release(struct deploy_policy *p);

/*
 * Make the commands `names` callable under policy `p` (parsed from `text`):
 * a block list naming one fails with ERR_INPUT and
 * "FILE:LINE:COL: KEY (OPTION) blocks 'NAME' ..."; an allow list missing
 * some gets them appended in the file's own form (comma-separated, inside
 * the quotes the value has). *out: the new text (the same as `text` when
 * nothing was needed); *added: how many names were added (may be NULL).
 */
int deploy_policy_allow(struct buf *out, size_t *added, const struct deploy_policy *p,
			const char *text, size_t len, const char *const *names, size_t n);

/* ---- the agent as its systemd unit starts it ---- */

/* What a unit file says about starting its service ([Service] only). */
struct deploy_unit {
	char *exec_start;     /* the last ExecStart=, continuation lines joined, prefixes (-@+!:) dropped */
	char **env_files;     /* EnvironmentFile= paths, in order */
	bool *env_optional;   /* ... written with a leading '-' (a missing file is fine) */
	size_t nenv_files;
	char **env;           /* Environment= assignments "KEY=VALUE", in order */
	size_t nenv;
};

/* Parse a unit file. ERR_INPUT when it has no ExecStart in [Service] (naming `file`). */
int deploy_unit_parse(struct deploy_unit *out, const char *file, const char *text, size_t len);
void deploy_unit_release(struct deploy_unit *u);

/*
 * Append the assignments of a systemd environment file ("KEY=VALUE",
 * comments and blank lines skipped, one level of '' or "" quotes removed,
 * backslash-newline joined) to *vars as "KEY=VALUE" strings (*n counts).
 */
void deploy_env_parse(char ***vars, size_t *n, const char *text, size_t len);

/*
 * Split a command line as systemd does for ExecStart: words separated by
 * blanks, '' and "" quotes, "${NAME}" replaced inside a word, "$NAME" as a
 * whole word replaced by the value's blank-separated words (none when
 * empty or unset), "$$" a dollar sign. `vars` are "KEY=VALUE" strings, the
 * last one of a key winning. *argv_out is NULL-terminated; free each and it.
 * ERR_INPUT for an unterminated quote.
 */
int deploy_exec_expand(char ***argv_out, size_t *argc_out, const char *cmdline,
		       const char *const *vars, size_t nvars);

/*
 * The agent as the packages install it: the first unit file of `rpms`
 * (/usr/lib/systemd/system or /lib/systemd/system) whose ExecStart runs a
 * program named qemu-ga, its ExecStart expanded with the Environment= and
 * the EnvironmentFile= files the packages ship, and the qemu-ga.conf they
 * ship (any path ending in /qemu-ga.conf under /etc).
 */
struct deploy_installed {
	char *rpm;            /* the package holding the unit, NULL when none has one */
	char *unit;           /* its path in the package */
	char *exec_start;     /* as written (joined) */
	char **argv;          /* expanded; argv[0] the installed program */
	size_t argc;
	char **env_files;     /* the environment files read (from the packages) */
	size_t nenv_files;
	char **missing_env;   /* EnvironmentFile= paths no package ships */
	size_t nmissing_env;
	char *conf_path;      /* the shipped qemu-ga.conf, or NULL */
	struct buf conf;      /* its text */
	char *program_rpm;    /* the package shipping argv[0], or NULL */
};

/*
 * Read the packages' payloads. A package set with no qemu-ga unit is not an
 * error (out->rpm NULL). When `extract_to` is set and a package ships
 * argv[0], it is extracted there (mode kept). Errors: unreadable packages,
 * a unit whose ExecStart cannot be split.
 */
int deploy_installed_read(struct deploy_installed *out, const char *const *rpms, size_t n,
			  const char *extract_to);
void deploy_installed_release(struct deploy_installed *d);

#endif
