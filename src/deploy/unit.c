#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "deploy.h"
#include "rpm/srpm.h"
#include "util/util.h"
#include "util/banned.h"

#define SMALL_FILE_CAP (256u << 10)

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static void push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

static void free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * Logical lines: a line ending in a backslash continues on the next (the
 * backslash and newline become a space, as systemd reads it). fn gets each
 * joined line and its first physical line number.
 */
static void each_line(const char *text, size_t len, void (*fn)(const char *line, int lineno, void *arg),
		      void *arg)
{
	struct buf l = BUF_INIT;
	size_t s = 0, e;
	int lineno = 1, first = 1;

	while (s < len) {
		for (e = s; e < len && text[e] != '\n'; e++)
			;
		{
			size_t t = e;

			while (t > s && text[t - 1] == '\r')
				t--;
			if (t > s && text[t - 1] == '\\') {
				buf_put(&l, text + s, t - s - 1);
				buf_putc(&l, ' ');
				s = e + 1;
				lineno++;
				continue;
			}
			buf_put(&l, text + s, t - s);
		}
		fn(l.ptr, first, arg);
		buf_reset(&l);
		s = e + 1;
		first = ++lineno;
	}
	if (l.len)
		fn(l.ptr, first, arg);
	buf_release(&l);
}

struct unit_ctx {
	struct deploy_unit *u;
	bool in_service;
};

static const char *trim(char *s)
{
	size_t n;

	while (blank(*s))
		s++;
	n = strlen(s);
	while (n && blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

static void unit_line(const char *line, int lineno, void *arg)
{
	struct unit_ctx *c = arg;
	char *copy = xstrdup(line), *eq;
	const char *l = trim(copy), *key, *val;

	(void)lineno;
	if (!*l || *l == '#' || *l == ';')
		goto out;
	if (*l == '[') {
		c->in_service = !strncmp(l, "[Service]", 9);
		goto out;
	}
	if (!c->in_service || !(eq = strchr(copy, '=')))
		goto out;
	*eq = '\0';
	key = trim(copy);
	val = trim(eq + 1);
	if (!strcmp(key, "ExecStart")) {
		while (*val == '-' || *val == '@' || *val == '+' || *val == '!' || *val == ':')
			val++;
		free(c->u->exec_start);
		c->u->exec_start = *val ? xstrdup(val) : NULL;  /* "ExecStart=" resets */
	} else if (!strcmp(key, "EnvironmentFile") && *val) {
		bool opt = *val == '-';

		c->u->env_optional = xrealloc(c->u->env_optional, (c->u->nenv_files + 1) * sizeof(bool));
		c->u->env_optional[c->u->nenv_files] = opt;
		push(&c->u->env_files, &c->u->nenv_files, xstrdup(val + opt));
	} else if (!strcmp(key, "Environment") && *val) {
		char **words = NULL;
		size_t n = 0, i;

		if (deploy_exec_expand(&words, &n, val, NULL, 0) == 0)
			for (i = 0; i < n; i++)
				if (strchr(words[i], '='))
					push(&c->u->env, &c->u->nenv, xstrdup(words[i]));
		error_clear();
		free_strv(words, n);
	}
out:
	free(copy);
}

void deploy_unit_release(struct deploy_unit *u)
{
	free(u->exec_start);
	free_strv(u->env_files, u->nenv_files);
	free(u->env_optional);
	free_strv(u->env, u->nenv);
	memset(u, 0, sizeof(*u));
}

int deploy_unit_parse(struct deploy_unit *out, const char *file, const char *text, size_t len)
{
	struct unit_ctx c = { out, false };

	memset(out, 0, sizeof(*out));
	each_line(text, len, unit_line, &c);
	if (!out->exec_start) {
		deploy_unit_release(out);
		return error_set(ERR_INPUT, "%s: no ExecStart= in [Service]", file);
	}
	return 0;
}

struct env_ctx {
	char ***vars;
	size_t *n;
};

static void env_line(const char *line, int lineno, void *arg)
{
	struct env_ctx *c = arg;
	char *copy = xstrdup(line), *eq;
	const char *l = trim(copy), *key;
	char *val;
	size_t vl;

	(void)lineno;
	if (!*l || *l == '#' || *l == ';' || !(eq = strchr(copy, '='))) {
		free(copy);
		return;
	}
	*eq = '\0';
	key = trim(copy);
	val = (char *)trim(eq + 1);
	vl = strlen(val);
	if (vl >= 2 && (val[0] == '"' || val[0] == '\'') && val[vl - 1] == val[0]) {
		val[vl - 1] = '\0';
		val++;
	}
	if (*key)
		push(c->vars, c->n, xasprintf("%s=%s", key, val));
	free(copy);
}

void deploy_env_parse(char ***vars, size_t *n, const char *text, size_t len)
{
	struct env_ctx c = { vars, n };

	each_line(text, len, env_line, &c);
}

static const char *lookup(const char *const *vars, size_t nvars, const char *name, size_t nl)
{
	size_t i;
	const char *found = NULL;

	for (i = 0; i < nvars; i++)
		if (!strncmp(vars[i], name, nl) && vars[i][nl] == '=')
			found = vars[i] + nl + 1;
	return found;
}

static bool name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

int deploy_exec_expand(char ***argv_out, size_t *argc_out, const char *cmdline,
		       const char *const *vars, size_t nvars)
{
	struct buf w = BUF_INIT;
	char **argv = NULL;
	size_t argc = 0;
	const char *p = cmdline;
	int ret = 0;

	*argv_out = NULL;
	*argc_out = 0;
	while (*p) {
		bool word = false;

		while (blank(*p) || *p == '\n')
			p++;
		if (!*p)
			break;
		/* "$NAME" alone: the value's words */
		if (p[0] == '$' && (name_char(p[1]) && !(p[1] >= '0' && p[1] <= '9'))) {
			const char *e = p + 1, *v;

			while (name_char(*e))
				e++;
			if (!*e || blank(*e)) {
				char **sub = NULL;
				size_t nsub = 0, i;

				v = lookup(vars, nvars, p + 1, (size_t)(e - p - 1));
				if (v && (ret = deploy_exec_expand(&sub, &nsub, v, NULL, 0)) < 0)
					goto fail;
				for (i = 0; i < nsub; i++)
					push(&argv, &argc, sub[i]);
				free(sub);
				p = e;
				continue;
			}
		}
		buf_reset(&w);
		while (*p && !blank(*p) && *p != '\n') {
			if (*p == '"' || *p == '\'') {
				char q = *p++;

				while (*p && *p != q) {
					if (q == '"' && *p == '\\' && p[1])
						p++;
					buf_putc(&w, *p++);
				}
				if (!*p) {
					ret = error_set(ERR_INPUT, "unterminated quote in '%s'", cmdline);
					goto fail;
				}
				p++;
				word = true;
				continue;
			}
			if (p[0] == '$' && p[1] == '$') {
				buf_putc(&w, '$');
				p += 2;
				continue;
			}
			if (p[0] == '$' && p[1] == '{') {
				const char *e = strchr(p + 2, '}'), *v;

				if (e) {
					v = lookup(vars, nvars, p + 2, (size_t)(e - p - 2));
					if (v)
						buf_puts(&w, v);
					p = e + 1;
					word = true;
					continue;
				}
			}
			if (*p == '\\' && p[1]) {
				p++;
			}
			buf_putc(&w, *p++);
			word = true;
		}
		if (word)
			push(&argv, &argc, xstrdup(w.ptr));
	}
	if (!argv)
		argv = xcalloc(1, sizeof(*argv));
	buf_release(&w);
	*argv_out = argv;
	*argc_out = argc;
	return 0;
fail:
	buf_release(&w);
	free_strv(argv, argc);
	return ret;
}

/* ---- reading the packages ---- */

struct pfile {
	char *path;
	struct buf data;
	char *rpm;
};

struct collect {
	struct pfile *v;
	size_t n;
	const char *rpm;
	struct buf names;   /* every path of every package, one per line, with its rpm */
};

static bool wanted(const char *name)
{
	size_t n = strlen(name);

	if (!strncmp(name, "/etc/", 5))
		return true;
	if ((!strncmp(name, "/usr/lib/systemd/system/", 24) || !strncmp(name, "/lib/systemd/system/", 20)) &&
	    n > 8 && !strcmp(name + n - 8, ".service"))
		return true;
	return false;
}

static int collect_file(struct srpm_payload_file *f, void *arg)
{
	struct collect *c = arg;
	const char *name = srpm_payload_name(f);
	struct pfile *p;
	char chunk[8192];
	long got;

	buf_printf(&c->names, "%s\t%s\n", name, c->rpm);
	if (!S_ISREG(srpm_payload_mode(f)) || !wanted(name) || srpm_payload_size(f) > SMALL_FILE_CAP)
		return 0;
	c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
	p = &c->v[c->n++];
	p->path = xstrdup(name);
	p->rpm = xstrdup(c->rpm);
	buf_init(&p->data, 0);
	while ((got = srpm_payload_read(f, chunk, sizeof(chunk))) > 0)
		buf_put(&p->data, chunk, (size_t)got);
	return got < 0 ? (int)got : 0;
}

static const struct pfile *find_pfile(const struct collect *c, const char *path)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].path, path))
			return &c->v[i];
	return NULL;
}

/* The rpm shipping `path`, from the name list, or NULL. */
static char *rpm_of(const struct collect *c, const char *path)
{
	size_t pl = strlen(path);
	const char *p = c->names.ptr;

	while (p && *p) {
		const char *nl = strchr(p, '\n');

		if (!strncmp(p, path, pl) && p[pl] == '\t')
			return xstrndup(p + pl + 1, (size_t)((nl ? nl : p + strlen(p)) - (p + pl + 1)));
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static bool runs_qemu_ga(const char *argv0)
{
	const char *base = argv0 ? strrchr(argv0, '/') : NULL;

	base = base ? base + 1 : argv0;
	return base && !strcmp(base, "qemu-ga");
}

void deploy_installed_release(struct deploy_installed *d)
{
	free(d->rpm);
	free(d->unit);
	free(d->exec_start);
	free_strv(d->argv, d->argc);
	free_strv(d->env_files, d->nenv_files);
	free_strv(d->missing_env, d->nmissing_env);
	free(d->conf_path);
	buf_release(&d->conf);
	free(d->program_rpm);
	memset(d, 0, sizeof(*d));
}

static int use_unit(struct deploy_installed *out, const struct collect *c, const struct pfile *uf,
		    const struct deploy_unit *u, char **argv, size_t argc, const char *extract_to)
{
	char **vars = NULL;
	size_t nvars = 0, i;
	int ret;

	out->rpm = xstrdup(uf->rpm);
	out->unit = xstrdup(uf->path);
	out->exec_start = xstrdup(u->exec_start);
	for (i = 0; i < u->nenv; i++)
		push(&vars, &nvars, xstrdup(u->env[i]));
	for (i = 0; i < u->nenv_files; i++) {
		const struct pfile *ef = find_pfile(c, u->env_files[i]);

		if (!ef) {
			push(&out->missing_env, &out->nmissing_env, xstrdup(u->env_files[i]));
			continue;
		}
		push(&out->env_files, &out->nenv_files, xstrdup(ef->path));
		deploy_env_parse(&vars, &nvars, ef->data.ptr, ef->data.len);
	}
	free_strv(argv, argc);
	ret = deploy_exec_expand(&out->argv, &out->argc, u->exec_start, (const char *const *)vars, nvars);
	free_strv(vars, nvars);
	if (ret < 0)
		return error_prefix(ret, "%s: ExecStart", uf->path);
	for (i = 0; i < c->n; i++) {
		size_t n = strlen(c->v[i].path);

		if (n > 13 && !strcmp(c->v[i].path + n - 13, "/qemu-ga.conf")) {
			out->conf_path = xstrdup(c->v[i].path);
			buf_put(&out->conf, c->v[i].data.ptr, c->v[i].data.len);
			break;
		}
	}
	out->program_rpm = out->argc ? rpm_of(c, out->argv[0]) : NULL;
	if (extract_to && out->program_rpm &&
	    (ret = srpm_extract_file(out->program_rpm, out->argv[0], extract_to)) < 0)
		return ret;
	return 0;
}

int deploy_installed_read(struct deploy_installed *out, const char *const *rpms, size_t n,
			  const char *extract_to)
{
	struct collect c;
	size_t i;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	buf_init(&c.names, 0);
	for (i = 0; i < n && !ret; i++) {
		c.rpm = rpms[i];
		ret = srpm_walk_payload(rpms[i], collect_file, &c);
	}
	for (i = 0; i < c.n && !ret; i++) {
		struct deploy_unit u;
		char **argv = NULL;
		size_t argc = 0;
		size_t pl = strlen(c.v[i].path);

		if (pl < 8 || strcmp(c.v[i].path + pl - 8, ".service") || strncmp(c.v[i].path, "/", 1) ||
		    !strncmp(c.v[i].path, "/etc/", 5))
			continue;
		if (deploy_unit_parse(&u, c.v[i].path, c.v[i].data.ptr, c.v[i].data.len) < 0) {
			error_clear();
			continue;
		}
		/* argv[0] needs no variables: split once to see what the unit runs */
		if (deploy_exec_expand(&argv, &argc, u.exec_start, NULL, 0) == 0 && argc &&
		    runs_qemu_ga(argv[0])) {
			ret = use_unit(out, &c, &c.v[i], &u, argv, argc, extract_to);
			deploy_unit_release(&u);
			break;
		}
		error_clear();
		free_strv(argv, argc);
		deploy_unit_release(&u);
	}
	for (i = 0; i < c.n; i++) {
		free(c.v[i].path);
		free(c.v[i].rpm);
		buf_release(&c.v[i].data);
	}
	free(c.v);
	buf_release(&c.names);
	if (ret < 0)
		deploy_installed_release(out);
	return ret;
}
