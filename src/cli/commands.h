#ifndef QGA_FORGE_COMMANDS_H
#define QGA_FORGE_COMMANDS_H

/* One entry point per subcommand; see main.c for the table. */

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

#endif
