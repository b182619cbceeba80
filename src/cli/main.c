#include <stdio.h>
#include <string.h>

#include <rpm/rpmlib.h>

#include "cli.h"
#include "commands.h"
#include "util/banned.h"

const struct cli_command cli_commands[] = {
	{ "init", cmd_init, "prepare a workspace from a src.rpm" },
	{ "status", cmd_status, "show the workspace's package, version and commands" },
	{ "add-command", cmd_add_command, "declare a guest-agent command and add its handler" },
	{ "remove-command", cmd_remove_command, "take back a command that add-command added" },
	{ "commands", cmd_commands, "list the schema's commands with their C prototypes" },
	{ "build", cmd_build, "build the src.rpm, the binary rpms and the agent" },
	{ "agent", cmd_agent, "rebuild qemu-ga from the work tree, incrementally" },
	{ "forge", cmd_forge, "init, add commands, build and smoke-test in one step" },
	{ "smoke", cmd_smoke, "start an agent and call its new commands" },
	{ "exec", cmd_exec, "run one command on an agent socket" },
	{ "patch", cmd_patch, "export the commits as patches and sync the spec" },
	{ "spec", cmd_spec, "edit a spec file: add-patch, renumber, bump, check" },
	{ "check-rpm", cmd_check_rpm, "check that built rpms install and run on their target" },
	{ "publish", cmd_publish, "copy built rpms into a yum repository, signed, with metadata" },
	{ "help", cmd_help, "list the commands" },
	{ "version", cmd_version, "print the version of qga-forge" },
	{ NULL, NULL, NULL }
};

static void print_table(FILE *f)
{
	const struct cli_command *c;

	fprintf(f, "usage: qga-forge [--version] [--help] COMMAND [ARGS]\n\ncommands:\n");
	for (c = cli_commands; c->name; c++)
		fprintf(f, "  %-16s %s\n", c->name, c->summary);
	fprintf(f, "\n'qga-forge COMMAND --help' describes a command's options.\n");
}

int cmd_help(int argc, const char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: qga-forge help [COMMAND]\n\nlists the commands, or shows COMMAND's help\n");
		return cli_finish(0);
	}
	if (argc > 1) {
		const struct cli_command *c;

		for (c = cli_commands; c->name; c++) {
			if (!strcmp(c->name, argv[1])) {
				const char *args[] = { c->name, "--help", NULL };

				return c->fn(2, args);
			}
		}
		return cli_usage("help", "unknown command '%s'", argv[1]);
	}
	print_table(stdout);
	return cli_finish(0);
}

int cmd_version(int argc, const char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: qga-forge version\n\nprints the version of qga-forge\n");
		return cli_finish(0);
	}
	printf("qga-forge %s\n", QGA_FORGE_VERSION);
	return cli_finish(0);
}

int main(int argc, const char **argv)
{
	const struct cli_command *c;

	if (argc < 2) {
		print_table(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return cmd_version(1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv + 1);
	for (c = cli_commands; c->name; c++)
		if (!strcmp(c->name, argv[1]))
			return c->fn(argc - 1, argv + 1);
	fprintf(stderr, "qga-forge: '%s' is not a qga-forge command; see 'qga-forge help'\n", argv[1]);
	return 2;
}
