#ifndef QGA_FORGE_CLI_H
#define QGA_FORGE_CLI_H

/*
 * The command-line layer: the only code that prints, parses options or
 * chooses an exit status. Every subcommand is `int cmd_<name>(int argc,
 * const char **argv)` in its own cmd_<name>.c, listed in main.c's table;
 * commands.h says how to add one.
 *
 * Exit status: 0 success, 1 failure, 2 usage error.
 */

#include <popt.h>
#include <stdbool.h>

#include "util/util.h"

struct cli_common {
	const char *workspace; /* -w DIR */
	int json;              /* --json */
	int quiet;             /* -q */
	int verbose;           /* -v */
};

extern struct cli_common cli_opts;
extern struct poptOption cli_common_options[];

#define CLI_COMMON_OPTIONS \
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, cli_common_options, 0, "Common options:", NULL }

/*
 * Parse argv for command `name` with `table` (which must include
 * CLI_COMMON_OPTIONS, POPT_AUTOHELP and end with POPT_TABLEEND).
 * `args_help` describes the positional arguments for --help/usage.
 * Returns a context whose leftover arguments are the positionals, or NULL
 * after printing a usage error (*status set to 2) or help (*status 0).
 */
poptContext cli_parse(int *status, const char *name, int argc, const char **argv,
		      const struct poptOption *table, const char *args_help);

/* The positional arguments left in ctx, NULL-terminated (owned by ctx). */
const char **cli_args(poptContext ctx, int *count);

/* Print "qga-forge: error: <error_last()>" and return the exit status for `code`. */
int cli_fail(int code);

/* Print a usage error for `name` and return 2. */
int cli_usage(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Progress/info line on stderr unless -q. */
void cli_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Leftovers of interrupted runs (util/scratch.h): one line each on stderr
 * (unless -q). cli_parse() runs cli_sweep_leftovers() for every command,
 * which removes what dead runs left in $TMPDIR (generator checks, smoke
 * directories, rebuild topdirs).
 */
struct scratch_leftover;
void cli_report_leftover(const struct scratch_leftover *left, void *payload);
void cli_sweep_leftovers(void);

/* Print a json-c object to stdout (pretty) followed by a newline. */
struct json_object;
void cli_print_json(struct json_object *obj);

/* Check that stdout was written completely (git.c does the same). */
int cli_finish(int status);

/* The directory holding templates/ (installed share dir or the source tree). */
const char *cli_datadir(void);

/*
 * Progress of a workspace operation printed on stderr (struct ws_progress
 * of workspace.h): `quiet` hides all but warnings; `quiet_stages` hides the
 * build's stages and lines (build and forge hide them with --json too).
 * `p` holds the printer's state and must outlive the operation.
 */
struct cli_progress {
	bool quiet, quiet_stages;
	bool tty;
};
struct ws_progress;
struct ws_progress cli_progress(struct cli_progress *p, bool quiet, bool quiet_stages);

/* main.c's table, for `help` and the --help walk. */
struct cli_command {
	const char *name;
	int (*fn)(int argc, const char **argv);
	const char *summary;
};

extern const struct cli_command cli_commands[];

#endif
