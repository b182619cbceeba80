#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "workspace/workspace.h"
#include "util/banned.h"

struct cli_common cli_opts;

struct poptOption cli_common_options[] = {
	{ "workspace", 'w', POPT_ARG_STRING, &cli_opts.workspace, 0,
	  "workspace directory (default: the one containing the current directory)", "DIR" },
	{ "json", '\0', POPT_ARG_NONE, &cli_opts.json, 0, "print machine-readable JSON", NULL },
	{ "quiet", 'q', POPT_ARG_NONE, &cli_opts.quiet, 0, "print only errors and results", NULL },
	{ "verbose", 'v', POPT_ARG_NONE, &cli_opts.verbose, 0, "print more detail", NULL },
	POPT_TABLEEND
};

poptContext cli_parse(int *status, const char *name, int argc, const char **argv,
		      const struct poptOption *table, const char *args_help)
{
	poptContext ctx;
	int rc, i;
	/* popt names the program after argv[0] in --help and usage output. */
	static const char **av;
	static char *prog, *other;

	free(av);
	free(prog);
	free(other);
	prog = xasprintf("qga-forge %s", name);
	av = xcalloc((size_t)argc + 1, sizeof(*av));
	av[0] = prog;
	for (i = 1; i < argc; i++)
		av[i] = argv[i];
	ctx = poptGetContext(prog, argc, av, table, 0);
	other = xasprintf("[OPTION...]%s%s", args_help ? " " : "", args_help ? args_help : "");
	poptSetOtherOptionHelp(ctx, other);
	while ((rc = poptGetNextOpt(ctx)) > 0)
		;
	if (rc < -1) {
		fprintf(stderr, "qga-forge %s: %s: %s\n", name,
			poptBadOption(ctx, POPT_BADOPTION_NOALIAS), poptStrerror(rc));
		fprintf(stderr, "try 'qga-forge %s --help'\n", name);
		poptFreeContext(ctx);
		*status = 2;
		return NULL;
	}
	*status = 0;
	cli_sweep_leftovers();
	return ctx;
}

void cli_report_leftover(const struct scratch_leftover *left, void *payload)
{
	char *line = scratch_leftover_describe(left);

	cli_info("qga-forge: %s", line);
	free(line);
}

void cli_sweep_leftovers(void)
{
	scratch_sweep_tmp(cli_report_leftover, NULL);
}

const char **cli_args(poptContext ctx, int *count)
{
	const char **args = poptGetArgs(ctx);
	int n = 0;
	static const char *none[] = { NULL };

	if (!args)
		args = none;
	while (args[n])
		n++;
	if (count)
		*count = n;
	return args;
}

/* Length of the UTF-8 sequence at s (1-4), 0 when it is not valid UTF-8. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	/* C1 controls (U+0080..U+009F): a terminal may act on them too. */
	return cp >= 0x80 && cp <= 0x9f ? 0 : n;
}

/*
 * Messages carry text from inputs (a schema, a spec, an agent's reply):
 * control characters and bytes that are not printable UTF-8 are written as
 * \xNN, so that no input can steer the terminal that shows the message.
 */
static void put_safe(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_len(p);

		if (*p == '\n' || *p == '\t' || (n == 1 && *p >= 0x20 && *p != 0x7f)) {
			fputc(*p++, f);
		} else if (n > 1) {
			fwrite(p, 1, n, f);
			p += n;
		} else {
			fprintf(f, "\\x%02x", *p++);
		}
	}
}

int cli_fail(int code)
{
	fflush(stdout);
	fputs("qga-forge: error: ", stderr);
	put_safe(stderr, error_last());
	fputc('\n', stderr);
	return error_exit_status(code ? code : ERR_GENERIC);
}

int cli_usage(const char *name, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "qga-forge %s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ntry 'qga-forge %s --help'\n", name);
	return 2;
}

void cli_warn(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	fprintf(stderr, "qga-forge: warning: ");
	put_safe(stderr, b.ptr);
	fputc('\n', stderr);
	buf_release(&b);
}

void cli_info(const char *fmt, ...)
{
	va_list ap;

	if (cli_opts.quiet)
		return;
	fflush(stdout);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_print_json(struct json_object *obj)
{
	puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
					    JSON_C_TO_STRING_SPACED |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
}

int cli_finish(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "qga-forge: error: cannot write to standard output: %s\n",
			strerror(errno));
		return status ? status : 1;
	}
	return status;
}

const char *cli_datadir(void)
{
	static char *dir;
	char *self, *cand;

	if (dir)
		return dir;
	if (getenv("QGA_FORGE_DATADIR") && *getenv("QGA_FORGE_DATADIR"))
		return dir = xstrdup(getenv("QGA_FORGE_DATADIR"));
	self = fs_self_dir();
	if (self) {
		/* Installed: PREFIX/bin/qga-forge with PREFIX/share/qga-forge. */
		cand = fs_path_join(self, "../share/qga-forge");
		if (fs_is_dir(cand)) {
			dir = fs_abspath(cand);
			free(cand);
			free(self);
			return dir;
		}
		free(cand);
		/* Run from the source tree: ./qga-forge beside templates/. */
		cand = fs_path_join(self, "templates");
		if (fs_is_dir(cand)) {
			free(cand);
			return dir = self;
		}
		free(cand);
		free(self);
	}
	return dir = xstrdup(QGA_FORGE_DATADIR);
}

/*
 * Progress of a workspace operation on stderr: info lines unless -q, timings
 * with -v, warnings always; a long stage shows a live line on a terminal
 * and plain phase lines otherwise.
 */
static void on_progress(const struct ws_event *ev, void *payload)
{
	const struct cli_progress *p = payload;

	switch (ev->kind) {
	case WS_EVENT_WARNING:
		cli_warn("%s", ev->message);
		return;
	case WS_EVENT_INFO:
		if (!(strcmp(ev->op, "build") ? p->quiet : p->quiet_stages))
			cli_info("qga-forge: %s", ev->message);
		return;
	case WS_EVENT_TIMING:
		if (cli_opts.verbose)
			cli_info("qga-forge: %s: %.1f ms %s", ev->op, ev->seconds * 1e3, ev->step);
		return;
	default:
		break;
	}
	if (p->quiet_stages)
		return;
	fflush(stdout);
	if (ev->kind == WS_EVENT_STAGE && !p->tty) {
		fprintf(stderr, "qga-forge: %s\n", ev->step);
	} else if (ev->kind == WS_EVENT_PHASE && !p->tty) {
		fprintf(stderr, "qga-forge: %s: %s (%.0f s)\n", ev->step, ev->message, ev->seconds);
	} else if (ev->kind == WS_EVENT_TICK && p->tty) {
		fprintf(stderr, "\r\033[K[%s] %s %d:%02d", ev->step, ev->message ? ev->message : "starting",
			(int)ev->seconds / 60, (int)ev->seconds % 60);
		fflush(stderr);
	} else if (ev->kind == WS_EVENT_STAGE_END && p->tty) {
		fprintf(stderr, "\r\033[K");
	}
}

struct ws_progress cli_progress(struct cli_progress *p, bool quiet, bool quiet_stages)
{
	struct ws_progress wp;

	p->quiet = quiet;
	p->quiet_stages = quiet || quiet_stages;
	p->tty = isatty(2);
	wp.fn = on_progress;
	wp.payload = p;
	return wp;
}
