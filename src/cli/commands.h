#ifndef QGA_FORGE_COMMANDS_H
#define QGA_FORGE_COMMANDS_H

/*
 * The subcommands: one entry point per command, one file per command
 * (src/cli/cmd_<name>.c), one row per command in main.c's cli_commands[].
 *
 * To add a command (as git's builtin.h describes for git):
 *  1. Put what it does in a module: a workspace operation in
 *     src/workspace/ (typed options and result, progress through a
 *     struct ws_progress, documented in workspace.h, unit-tested in
 *     tests/unit/), or a function of the module it belongs to when it
 *     needs no workspace (spec, exec, publish, check-rpm).
 *  2. Write src/cli/cmd_<name>.c with `int cmd_<name>(int argc, const char
 *     **argv)`: a popt table that includes CLI_COMMON_OPTIONS and ends with
 *     POPT_AUTOHELP POPT_TABLEEND, parsed by cli_parse(); usage errors with
 *     cli_usage() (exit 2); the operation called once, with
 *     cli_progress() for its progress and cli_datadir() for templates;
 *     its result printed (text, or cli_print_json() with --json); failures
 *     through cli_fail(); the end through cli_finish(). A command that works
 *     on a workspace opens it with ws_open(&ws, cli_opts.workspace) and
 *     frees it before returning. It reads the workspace state only through
 *     the typed struct ws_state (ws_info()), never by JSON keys.
 *  3. Declare it below and add its row to cli_commands[] in main.c (name,
 *     function, one-line summary for `qga-forge help`).
 *  4. Document it in README.md, doc/qga-forge.1 and the bash completion,
 *     and add tests/cli/tNNNN-<name>.sh; t0001-help walks the table.
 */

int cmd_help(int argc, const char **argv);
int cmd_version(int argc, const char **argv);
int cmd_init(int argc, const char **argv);
int cmd_status(int argc, const char **argv);
int cmd_add_command(int argc, const char **argv);
int cmd_remove_command(int argc, const char **argv);
int cmd_commands(int argc, const char **argv);
int cmd_build(int argc, const char **argv);
int cmd_agent(int argc, const char **argv);
int cmd_forge(int argc, const char **argv);
int cmd_smoke(int argc, const char **argv);
int cmd_exec(int argc, const char **argv);
int cmd_spec(int argc, const char **argv);
int cmd_patch(int argc, const char **argv);
int cmd_publish(int argc, const char **argv);
int cmd_check_rpm(int argc, const char **argv);

#endif
