#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "deploy.h"
#include "rpm/srpm.h"
#include "util/util.h"
#include "util/banned.h"

/* An ELF file bigger than this is not read (no agent comes near it). */
#define ELF_READ_CAP ((uint64_t)512 << 20)

/* ---- unexpanded macros ---- */

static bool is_word_start(const char *text, const char *p)
{
	char c;

	if (p == text)
		return true;
	c = p[-1];
	return c == ' ' || c == '\t' || c == '\n' || c == '"' || c == '\'' || c == '/' || c == '=' ||
	       c == '(' || c == ';' || c == '`';
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

long deploy_find_macro(const char *text, size_t *len_out)
{
	const char *p;

	for (p = text; (p = strchr(p, '%')); p++) {
		const char *q = p + 1;

		if (*q == '%') {  /* "%%" is a literal percent sign */
			p++;
			continue;
		}
		if (*q == '{') {
			const char *r = q + 1, *close;

			while (*r == '?' || *r == '!')
				r++;
			if (!((*r >= 'a' && *r <= 'z') || (*r >= 'A' && *r <= 'Z') || *r == '_'))
				continue;
			close = strchr(r, '}');
			*len_out = close ? (size_t)(close - p) + 1 : strlen(p);
			return p - text;
		}
		if (((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || *q == '_') &&
		    is_word_start(text, p)) {
			const char *r = q;
			bool underscore = false;

			while (is_name_char(*r)) {
				underscore |= *r == '_';
				r++;
			}
			if (underscore || r - q >= 4) {
				*len_out = (size_t)(r - p);
				return p - text;
			}
		}
	}
	return -1;
}

/* The macro's name without %, braces or ?! ("systemd_post", "_unitdir"). */
static char *macro_name(const char *m, size_t len)
{
	size_t i = 1, j;

	if (i < len && m[i] == '{')
		i++;
	while (i < len && (m[i] == '?' || m[i] == '!'))
		i++;
	for (j = i; j < len && is_name_char(m[j]); j++)
		;
	return xstrndup(m + i, j - i);
}

/* Which package defines a macro on Fedora and RHEL (el7: systemd's own macros.systemd). */
static const char *macro_package(const char *name, const struct deploy_baseline *b)
{
	static const char *const systemd_macros[] = {
		"systemd_", "_unitdir", "_userunitdir", "_udevrulesdir", "_udevhwdbdir", "_presetdir",
		"_userpresetdir", "_tmpfilesdir", "_sysusersdir", "_sysctldir", "_modulesloaddir",
		"_environmentdir", "_binfmtdir", "_journalcatalogdir", "udev_rules_update",
		"tmpfiles_create", "sysctl_apply", "binfmt_apply", "sysusers_create", NULL
	};
	size_t i;

	for (i = 0; systemd_macros[i]; i++)
		if (!strncmp(name, systemd_macros[i], strlen(systemd_macros[i])))
			return b && !strcmp(b->name, "el7") ? "systemd (its macros.systemd)"
							  : "systemd-rpm-macros";
	return "redhat-rpm-config";
}

/* ---- problems ---- */

static void add_problem(struct deploy_report *r, enum deploy_severity sev, const char *kind,
			const char *where, char *message, char *fix)
{
	struct deploy_problem *p;

	r->problems = xrealloc(r->problems, (r->nproblems + 1) * sizeof(*r->problems));
	p = &r->problems[r->nproblems++];
	p->severity = sev;
	p->kind = xstrdup(kind);
	p->where = xstrdup(where);
	p->message = message;
	p->fix = fix;
	if (sev == DEPLOY_ERROR)
		r->nerrors++;
	else
		r->nwarnings++;
}

/* "`qga-forge build --container el7` or `qga-forge build --mock centos+epel-7-x86_64`" */
static char *rebuild_fix(const struct deploy_baseline *b, const char *arch)
{
	const char *a = !arch || !strcmp(arch, "noarch") ? "x86_64" : arch;

	if (!b)
		return xstrdup("rebuild in the target's build root: `qga-forge build --mock CONFIG` "
			       "(or `--container el7` for CentOS 7)");
	if (b->container)
		return xasprintf("rebuild for %s: `qga-forge build --container %s` or "
				 "`qga-forge build --mock %s-%s`", b->name, b->container, b->mock_root, a);
	return xasprintf("rebuild for %s: `qga-forge build --mock %s-%s`", b->name, b->mock_root, a);
}

static char *macro_fix(const struct deploy_baseline *b, const char *arch, const char *pkg)
{
	char *rb = rebuild_fix(b, arch), *r;

	r = xasprintf("%s, where %s defines the macro (it is missing on the build host)", rb, pkg);
	free(rb);
	return r;
}

static void check_text(struct deploy_report *r, const struct deploy_baseline *b, const char *arch,
		       const char *kind, const char *where, const char *text)
{
	size_t len;
	long off = deploy_find_macro(text, &len);
	char *name, *shown;
	const char *line, *eol;
	int lineno = 1;

	if (off < 0)
		return;
	for (line = text; line < text + off; line++)
		if (*line == '\n')
			lineno++;
	line = text + off;
	while (line > text && line[-1] != '\n')
		line--;
	eol = strchr(line, '\n');
	shown = xstrndup(line, eol ? (size_t)(eol - line) : strlen(line));
	name = macro_name(text + off, len);
	if (!strcmp(kind, "macro-in-path"))
		add_problem(r, DEPLOY_ERROR, kind, where,
			    xasprintf("the file path holds the unexpanded macro '%.*s'", (int)len, text + off),
			    macro_fix(b, arch, macro_package(name, b)));
	else
		add_problem(r, DEPLOY_ERROR, kind, where,
			    xasprintf("line %d is the unexpanded macro '%.*s' (\"%s\"): the shell "
				      "fails with status 127 on the target", lineno, (int)len, text + off,
				      shown),
			    macro_fix(b, arch, macro_package(name, b)));
	free(shown);
	free(name);
}

/* Top-level directories a package installs into; anything else came from an empty macro. */
static bool standard_top(const char *path)
{
	static const char *const tops[] = {
		"usr", "etc", "var", "opt", "boot", "run", "srv", "lib", "lib64", "lib32", "bin",
		"sbin", "root", "home", "tmp", "dev", "proc", "sys", "mnt", "media", "afs", NULL
	};
	const char *p = path + 1, *slash = strchr(p, '/');
	size_t n = slash ? (size_t)(slash - p) : strlen(p), i;

	if (!slash)
		return false;  /* a file right at / */
	for (i = 0; tops[i]; i++)
		if (strlen(tops[i]) == n && !strncmp(p, tops[i], n))
			return true;
	return false;
}

/* Which macro most likely produced a path like this one. */
static const char *guess_empty_macro(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot = base ? strrchr(base, '.') : NULL;

	if (!strncmp(path, "/rules.d/", 9))
		return "_udevrulesdir";
	if (!strncmp(path, "/hwdb.d/", 8))
		return "_udevhwdbdir";
	if (base == path && dot && (!strcmp(dot, ".service") || !strcmp(dot, ".socket") ||
				    !strcmp(dot, ".timer") || !strcmp(dot, ".path") ||
				    !strcmp(dot, ".target") || !strcmp(dot, ".mount")))
		return "_unitdir";
	if (base == path && dot && !strcmp(dot, ".preset"))
		return "_presetdir";
	return NULL;
}

static void check_paths(struct deploy_report *r, const struct srpm_pkg *pkg,
			const struct deploy_baseline *b)
{
	size_t i;

	for (i = 0; i < pkg->nfiles; i++) {
		const char *f = pkg->files[i], *macro;
		size_t len;

		if (deploy_find_macro(f, &len) >= 0) {
			check_text(r, b, pkg->arch, "macro-in-path", f, f);
			continue;
		}
		if (f[0] != '/' || S_ISDIR(pkg->modes[i]) || standard_top(f))
			continue;
		macro = guess_empty_macro(f);
		if (macro)
			add_problem(r, DEPLOY_ERROR, "empty-macro-path", f,
				    xasprintf("installed outside the standard directories: %%{%s} "
					      "expanded to nothing on the build host", macro),
				    macro_fix(b, pkg->arch, macro_package(macro, b)));
		else
			add_problem(r, DEPLOY_ERROR, "empty-macro-path", f,
				    xstrdup("installed outside the standard directories: a macro of "
					    "its path expanded to nothing on the build host"),
				    macro_fix(b, pkg->arch, "redhat-rpm-config or systemd-rpm-macros"));
	}
}

/* ---- requirements ---- */

static int cmp_ver(const unsigned a[3], const unsigned b[3])
{
	int i;

	for (i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

static char *ver_str(const unsigned v[3])
{
	return v[2] ? xasprintf("%u.%u.%u", v[0], v[1], v[2]) : xasprintf("%u.%u", v[0], v[1]);
}

struct reqs {
	char **sonames;        /* needed, each once */
	char **where;          /* the first file (or requirement) needing it */
	size_t n;
};

static void reqs_add(struct reqs *q, const char *soname, const char *where)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		if (!strcmp(q->sonames[i], soname))
			return;
	q->sonames = xrealloc(q->sonames, (q->n + 1) * sizeof(*q->sonames));
	q->where = xrealloc(q->where, (q->n + 1) * sizeof(*q->where));
	q->sonames[q->n] = xstrdup(soname);
	q->where[q->n++] = xstrdup(where);
}

static void reqs_release(struct reqs *q)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		free(q->sonames[i]);
		free(q->where[i]);
	}
	free(q->sonames);
	free(q->where);
}

struct payload_ctx {
	struct deploy_report *r;
	const struct deploy_baseline *b;
	const char *arch;
	struct reqs needed;
	bool glibc_reported;
};

static void check_elf_glibc(struct payload_ctx *c, const char *file, const struct deploy_elf *e)
{
	unsigned max[3] = { 0, 0, 0 }, v[3];
	const char *maxname = NULL, *maxfile = NULL;
	size_t i, over = 0;

	for (i = 0; i < e->nverneed; i++) {
		if (!deploy_glibc_version(v, e->verneed[i].version))
			continue;
		if (c->b) {
			unsigned base[3] = { c->b->glibc[0], c->b->glibc[1], 0 };

			if (cmp_ver(v, base) > 0)
				over++;
		}
		if (cmp_ver(v, max) > 0) {
			memcpy(max, v, sizeof(max));
			maxname = e->verneed[i].version;
			maxfile = e->verneed[i].file;
		}
	}
	if (!maxname)
		return;
	if (cmp_ver(max, c->r->glibc_needed) > 0)
		memcpy(c->r->glibc_needed, max, sizeof(max));
	if (over) {
		char *need = ver_str(max);

		add_problem(c->r, DEPLOY_ERROR, "glibc", file,
			    xasprintf("needs %s (from %s; %zu symbol version%s newer than the target's): "
				      "glibc %s, but %s (%s) has glibc %u.%u", maxname, maxfile, over,
				      over == 1 ? "" : "s", need, c->b->name, c->b->label, c->b->glibc[0],
				      c->b->glibc[1]),
			    rebuild_fix(c->b, c->arch));
		free(need);
		c->glibc_reported = true;
	}
}

static int payload_file(struct srpm_payload_file *f, void *arg)
{
	struct payload_ctx *c = arg;
	unsigned char magic[4];
	unsigned char *data = NULL;
	uint64_t size = srpm_payload_size(f);
	size_t got = 0;
	long n;
	struct deploy_elf e = DEPLOY_ELF_INIT;
	int ret = 0;
	size_t i;

	if (!S_ISREG(srpm_payload_mode(f)) || size < 64 || size > ELF_READ_CAP)
		return 0;
	if ((n = srpm_payload_read(f, magic, sizeof(magic))) < 0)
		return (int)n;
	if (n != 4 || memcmp(magic, "\177ELF", 4))
		return 0;
	data = xmalloc((size_t)size);
	memcpy(data, magic, 4);
	got = 4;
	while (got < size) {
		if ((n = srpm_payload_read(f, data + got, (size_t)size - got)) < 0) {
			ret = (int)n;
			goto cleanup;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if ((ret = deploy_elf_read(&e, data, got, srpm_payload_name(f))) < 0) {
		/* A damaged ELF file is the package's problem, reported like the others. */
		add_problem(c->r, DEPLOY_ERROR, "elf", srpm_payload_name(f), xstrdup(error_last()),
			    xstrdup("rebuild the package"));
		ret = 0;
		goto cleanup;
	}
	c->r->nelf++;
	for (i = 0; i < e.nneeded; i++)
		reqs_add(&c->needed, e.needed[i], srpm_payload_name(f));
	check_elf_glibc(c, srpm_payload_name(f), &e);
	ret = 0;
cleanup:
	deploy_elf_release(&e);
	free(data);
	return ret;
}

/* "libc.so.6(GLIBC_2.34)(64bit)" -> soname "libc.so.6", version "GLIBC_2.34" (or "") */
static bool split_requirement(char **soname, char **version, const char *req)
{
	const char *open = strchr(req, '('), *close;
	size_t n = open ? (size_t)(open - req) : strlen(req);

	*soname = *version = NULL;
	if (n < 4 || memmem(req, n, ".so", 3) == NULL || req[0] == '/')
		return false;
	*soname = xstrndup(req, n);
	if (open && (close = strchr(open, ')')))
		*version = xstrndup(open + 1, (size_t)(close - open - 1));
	else
		*version = xstrdup("");
	return true;
}

static void check_requirements(struct payload_ctx *c, const struct srpm_pkg *pkg)
{
	unsigned max[3] = { 0, 0, 0 }, v[3];
	const char *maxreq = NULL;
	size_t i;

	for (i = 0; i < pkg->nrequires; i++) {
		char *soname, *version, *where;

		if (!split_requirement(&soname, &version, pkg->requires[i]))
			continue;
		where = xasprintf("Requires: %s", pkg->requires[i]);
		reqs_add(&c->needed, soname, where);
		if (deploy_glibc_version(v, version) && cmp_ver(v, max) > 0) {
			memcpy(max, v, sizeof(max));
			maxreq = pkg->requires[i];
		}
		free(where);
		free(soname);
		free(version);
	}
	if (!maxreq)
		return;
	if (cmp_ver(max, c->r->glibc_needed) > 0)
		memcpy(c->r->glibc_needed, max, sizeof(max));
	if (c->b && !c->glibc_reported) {
		unsigned base[3] = { c->b->glibc[0], c->b->glibc[1], 0 };

		if (cmp_ver(max, base) > 0) {
			char *need = ver_str(max), *where = xasprintf("Requires: %s", maxreq);

			add_problem(c->r, DEPLOY_ERROR, "glibc", where,
				    xasprintf("needs glibc %s, but %s (%s) has glibc %u.%u", need,
					      c->b->name, c->b->label, c->b->glibc[0], c->b->glibc[1]),
				    rebuild_fix(c->b, c->arch));
			free(need);
			free(where);
		}
	}
}

/* Does the package ship this soname itself (a private library)? */
static bool ships(const struct srpm_pkg *pkg, const char *soname)
{
	size_t i;

	for (i = 0; i < pkg->nfiles; i++) {
		const char *base = strrchr(pkg->files[i], '/');

		if (base && !strcmp(base + 1, soname))
			return true;
	}
	return false;
}

static void check_sonames(struct payload_ctx *c, const struct srpm_pkg *pkg)
{
	size_t i;

	if (!c->b)
		return;
	for (i = 0; i < c->needed.n; i++) {
		const char *instead, *so = c->needed.sonames[i];
		int st;

		if (ships(pkg, so))
			continue;
		st = deploy_soname_status(c->b, so, &instead);
		if (st == 0)
			add_problem(c->r, DEPLOY_ERROR, "soname", c->needed.where[i],
				    instead ? xasprintf("needs %s, but %s has %s", so, c->b->name, instead)
					    : xasprintf("needs %s, which %s does not ship", so, c->b->name),
				    rebuild_fix(c->b, c->arch));
		else if (st < 0)
			add_problem(c->r, DEPLOY_WARNING, "unknown-soname", c->needed.where[i],
				    xasprintf("needs %s, which the baseline table of %s does not list: "
					      "check that the target ships it", so, c->b->name),
				    rebuild_fix(c->b, c->arch));
	}
}

/* ---- one package ---- */

static int check_one(struct deploy_report *r, const char *path, const struct deploy_opts *o)
{
	struct srpm_pkg pkg;
	const struct deploy_baseline *b = NULL;
	struct payload_ctx c;
	size_t i;
	int ret;

	memset(r, 0, sizeof(*r));
	memset(&c, 0, sizeof(c));
	r->path = xstrdup(path);
	if ((ret = srpm_read_package(&pkg, path)) < 0)
		return ret;
	if (pkg.is_source) {
		ret = error_set(ERR_INPUT, "'%s' is a source package: check-rpm reads binary rpms", path);
		goto cleanup;
	}
	r->nevra = xstrdup(pkg.nevra);
	if (o->target) {
		b = deploy_baseline_find(o->target);
		r->target_source = xstrdup("--target");
	} else if ((b = deploy_baseline_for_release(pkg.release))) {
		r->target_source = xstrdup("dist tag");
	} else if ((b = deploy_baseline_for_release(o->fallback_release))) {
		r->target_source = xstrdup("vendor src.rpm's dist tag");
	} else {
		r->target_source = xstrdup("none");
	}
	r->target = b ? xstrdup(b->name) : NULL;
	if (!b)
		add_problem(r, DEPLOY_WARNING, "no-target", pkg.nevra,
			    xasprintf("the Release '%s' has no dist tag, so the target distribution is "
				      "unknown and its requirements were not checked", pkg.release),
			    xstrdup("pass --target el7|el8|el9|el10|fedora"));

	for (i = 0; i < pkg.nscripts; i++) {
		const struct srpm_script *s = &pkg.scripts[i];
		bool trig = strstr(s->label, "trigger") != NULL;

		check_text(r, b, pkg.arch, trig ? "macro-in-trigger" : "macro-in-scriptlet", s->label,
			   s->body);
		check_text(r, b, pkg.arch, trig ? "macro-in-trigger" : "macro-in-scriptlet", s->label,
			   s->prog);
	}
	check_paths(r, &pkg, b);

	c.r = r;
	c.b = b;
	c.arch = pkg.arch;
	if (o->read_payload && (ret = srpm_walk_payload(path, payload_file, &c)) < 0)
		goto cleanup;
	check_requirements(&c, &pkg);
	check_sonames(&c, &pkg);
cleanup:
	reqs_release(&c.needed);
	srpm_pkg_release(&pkg);
	return ret;
}

/* ---- inputs ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

struct pathlist {
	char **v;
	size_t n;
};

static void pathlist_add(struct pathlist *l, char *p)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = p;
}

static int collect_dir(struct pathlist *l, const char *dir, int depth)
{
	DIR *d;
	struct dirent *e;
	struct pathlist here = { NULL, 0 };
	size_t i;
	int ret = 0;

	if (depth > 8)
		return 0;
	if (!(d = opendir(dir)))
		return error_set_errno(ERR_GENERIC, "cannot read '%s'", dir);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			pathlist_add(&here, fs_path_join(dir, e->d_name));
	closedir(d);
	if (here.n)
		qsort(here.v, here.n, sizeof(*here.v), cmp_str);
	for (i = 0; i < here.n; i++) {
		struct stat st;

		if (ret == 0 && lstat(here.v[i], &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				ret = collect_dir(l, here.v[i], depth + 1);
			} else if (S_ISREG(st.st_mode) && ends_with(here.v[i], ".rpm") &&
				   !ends_with(here.v[i], ".src.rpm")) {
				pathlist_add(l, here.v[i]);
				here.v[i] = NULL;
			}
		}
		free(here.v[i]);
	}
	free(here.v);
	return ret;
}

void deploy_result_release(struct deploy_result *r)
{
	size_t i, j;

	for (i = 0; i < r->nrpms; i++) {
		struct deploy_report *p = &r->rpms[i];

		for (j = 0; j < p->nproblems; j++) {
			free(p->problems[j].kind);
			free(p->problems[j].where);
			free(p->problems[j].message);
			free(p->problems[j].fix);
		}
		free(p->problems);
		free(p->path);
		free(p->nevra);
		free(p->target);
		free(p->target_source);
	}
	free(r->rpms);
	memset(r, 0, sizeof(*r));
}

int deploy_check(struct deploy_result *out, const char *const *paths, size_t npaths,
		 const struct deploy_opts *o)
{
	struct pathlist l = { NULL, 0 };
	size_t i;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (o->target && !deploy_baseline_find(o->target))
		return error_set(ERR_INPUT, "unknown target '%s' (known: el7, el8, el9, el10, fedora)",
				 o->target);
	for (i = 0; i < npaths && !ret; i++) {
		struct stat st;

		if (stat(paths[i], &st) < 0)
			ret = error_set_errno(errno == ENOENT ? ERR_NOTFOUND : ERR_GENERIC,
					      "cannot read '%s'", paths[i]);
		else if (S_ISDIR(st.st_mode))
			ret = collect_dir(&l, paths[i], 0);
		else
			pathlist_add(&l, xstrdup(paths[i]));
	}
	if (!ret && !l.n)
		ret = error_set(ERR_INPUT, "no binary rpm found in %s%s", paths[0] ? paths[0] : "",
				npaths > 1 ? " and the other paths" : "");
	if (!ret) {
		out->rpms = xcalloc(l.n, sizeof(*out->rpms));
		for (i = 0; i < l.n && !ret; i++) {
			ret = check_one(&out->rpms[i], l.v[i], o);
			out->nrpms++;
			out->nerrors += out->rpms[i].nerrors;
			out->nwarnings += out->rpms[i].nwarnings;
		}
	}
	for (i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	if (ret)
		deploy_result_release(out);
	return ret;
}

struct json_object *deploy_result_json(const struct deploy_result *r)
{
	struct json_object *o = json_object_new_object(), *rpms = json_object_new_array();
	size_t i, j;

	json_object_object_add(o, "ok", json_object_new_boolean(r->nerrors == 0));
	json_object_object_add(o, "errors", json_object_new_int64((int64_t)r->nerrors));
	json_object_object_add(o, "warnings", json_object_new_int64((int64_t)r->nwarnings));
	for (i = 0; i < r->nrpms; i++) {
		const struct deploy_report *p = &r->rpms[i];
		struct json_object *x = json_object_new_object(), *probs = json_object_new_array();
		const struct deploy_baseline *b = deploy_baseline_find(p->target);

		json_object_object_add(x, "rpm", json_object_new_string(p->path));
		json_object_object_add(x, "nevra", json_object_new_string(p->nevra ? p->nevra : ""));
		json_object_object_add(x, "target", p->target ? json_object_new_string(p->target) : NULL);
		json_object_object_add(x, "target_source", json_object_new_string(p->target_source ?
										   p->target_source : "none"));
		if (b) {
			char *g = xasprintf("%u.%u", b->glibc[0], b->glibc[1]);

			json_object_object_add(x, "target_glibc", json_object_new_string(g));
			free(g);
		}
		if (p->glibc_needed[0]) {
			char *g = ver_str(p->glibc_needed);

			json_object_object_add(x, "glibc_needed", json_object_new_string(g));
			free(g);
		} else {
			json_object_object_add(x, "glibc_needed", NULL);
		}
		json_object_object_add(x, "elf_files", json_object_new_int64((int64_t)p->nelf));
		json_object_object_add(x, "ok", json_object_new_boolean(p->nerrors == 0));
		for (j = 0; j < p->nproblems; j++) {
			const struct deploy_problem *q = &p->problems[j];
			struct json_object *y = json_object_new_object();

			json_object_object_add(y, "severity", json_object_new_string(
				q->severity == DEPLOY_ERROR ? "error" : "warning"));
			json_object_object_add(y, "kind", json_object_new_string(q->kind));
			json_object_object_add(y, "where", json_object_new_string(q->where));
			json_object_object_add(y, "message", json_object_new_string(q->message));
			json_object_object_add(y, "fix", json_object_new_string(q->fix));
			json_object_array_add(probs, y);
		}
		json_object_object_add(x, "problems", probs);
		json_object_array_add(rpms, x);
	}
	json_object_object_add(o, "rpms", rpms);
	return o;
}

int deploy_check_json(struct json_object **out, const char *const *paths, size_t npaths,
		      const struct deploy_opts *o)
{
	struct deploy_result r = DEPLOY_RESULT_INIT;
	int ret;

	*out = NULL;
	if ((ret = deploy_check(&r, paths, npaths, o)) < 0)
		return ret;
	*out = deploy_result_json(&r);
	deploy_result_release(&r);
	return 0;
}
