/*
 * The agent-only spec: a vendor qemu / qemu-kvm spec reduced to its
 * qemu-guest-agent subpackage. What is kept is copied line for line from
 * the vendor's text (the line model of model.c), so the subpackage's
 * Summary, Requires, scriptlets and %files keep their macros; %build and
 * %install are written here, for the agent alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "util/util.h"
#include "util/banned.h"

/*
 * How each QEMU release configures and builds its guest agent alone. A row
 * holds from its release up to the next row's. Evidence: configure of each
 * tree (--help and scripts/meson-buildoptions.sh).
 */
static const struct agent_cfg {
	int from;                   /* MAJOR * 100 + MINOR */
	const char *const *options;
	const char *why;
} agent_cfgs[] = {
	/* 8.1: configure sets up a python venv and may download meson and its
	 * dependencies unless told not to. */
	{ 801, (const char *const[]){ "--disable-download", "--without-default-features",
				      "--disable-system", "--disable-user", "--enable-guest-agent",
				      "--disable-docs", "--disable-tools", "--disable-install-blobs",
				      NULL },
	  "8.1 and later: --without-default-features, offline (--disable-download)" },
	/* 6.1: --without-default-features turns every optional feature off. */
	{ 601, (const char *const[]){ "--without-default-features", "--disable-system",
				      "--disable-user", "--enable-guest-agent", "--disable-docs",
				      "--disable-tools", "--disable-install-blobs", NULL },
	  "6.1 to 8.0: --without-default-features" },
	/* 5.2: meson builds the agent, but only beside the tools. */
	{ 502, (const char *const[]){ "--disable-system", "--disable-user", "--enable-guest-agent",
				      "--enable-tools", "--disable-docs", "--disable-install-blobs",
				      NULL },
	  "5.2 to 6.0: the agent is built beside the tools" },
};

static int version_key(const char *v)
{
	int major = 0, minor = 0;

	if (!v || sscanf(v, "%d.%d", &major, &minor) < 1)
		return -1;
	return major * 100 + minor;
}

static const struct agent_cfg *agent_cfg_for(const char *version)
{
	int key = version_key(version);
	size_t i;

	for (i = 0; key >= 0 && i < sizeof(agent_cfgs) / sizeof(agent_cfgs[0]); i++)
		if (key >= agent_cfgs[i].from)
			return &agent_cfgs[i];
	return NULL;
}

/* BuildRequires the agent-only build keeps: the compiler, meson, python, glib, git (git_am), systemd's macros. */
static const char *const agent_buildrequires[] = {
	"gcc", "make", "meson", "ninja-build", "python3", "python3-devel", "python3-setuptools",
	"glib2-devel", "git", "git-core", "pkgconfig", "pkgconf-pkg-config", "systemd",
	"systemd-devel", "systemd-rpm-macros", NULL
};

/* ... and, when the subpackage ships the agent's man page, what QEMU's docs are built with. */
static const char *const docs_buildrequires[] = {
	"python3-sphinx", "python3-sphinx_rtd_theme", "python3-sphinx-rtd-theme", NULL
};

static bool in_list(const char *const *list, const char *name, size_t n)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (strlen(list[i]) == n && !strncmp(list[i], name, n))
			return true;
	return false;
}

static bool agent_needs(const char *name, size_t n, bool docs)
{
	return in_list(agent_buildrequires, name, n) || (docs && in_list(docs_buildrequires, name, n));
}

enum keep { KEEP, DROP, BUILD, INSTALL };

struct header {
	char word[32];
	char *pkg;              /* the package it belongs to (expanded name) */
};

/* Expand %{name} / %name in a section argument with the spec's Name. */
static char *expand_name(const char *s, size_t n, const char *main_name)
{
	struct buf b = BUF_INIT;
	size_t i = 0;

	while (i < n) {
		if (n - i >= 7 && !strncmp(s + i, "%{name}", 7)) {
			buf_puts(&b, main_name);
			i += 7;
		} else if (n - i >= 5 && !strncmp(s + i, "%name", 5) &&
			   (i + 5 == n || !(s[i + 5] == '_' || (s[i + 5] >= 'a' && s[i + 5] <= 'z')))) {
			buf_puts(&b, main_name);
			i += 5;
		} else {
			buf_put(&b, s + i, 1);
			i++;
		}
	}
	return buf_detach(&b, NULL);
}

/* "%files -n qemu-guest-agent -f x" -> word "%files", pkg "qemu-guest-agent". */
static void parse_header(struct header *h, const char *s, size_t n, const char *main_name)
{
	size_t i = 0, w;
	char *suffix = NULL;

	memset(h, 0, sizeof(*h));
	for (w = 0; w < n && !sm_is_blank(s[w]); w++)
		;
	snprintf(h->word, sizeof(h->word), "%.*s", (int)w, s);
	i = w;
	while (i < n) {
		size_t b, e;

		i = sm_skip_blanks(s, i, n);
		if (i >= n)
			break;
		b = i;
		for (e = b; e < n && !sm_is_blank(s[e]); e++)
			;
		i = e;
		if (e - b == 2 && !strncmp(s + b, "--", 2))
			break;  /* a trigger's condition follows */
		if (s[b] == '-' && e - b == 2 && strchr("nfplP", s[b + 1])) {
			size_t vb = sm_skip_blanks(s, i, n), ve;

			for (ve = vb; ve < n && !sm_is_blank(s[ve]); ve++)
				;
			if (s[b + 1] == 'n' && ve > vb) {
				free(h->pkg);
				h->pkg = expand_name(s + vb, ve - vb, main_name);
			}
			i = ve;
			continue;
		}
		if (s[b] == '-')
			continue;
		if (!suffix)
			suffix = expand_name(s + b, e - b, main_name);
	}
	if (!h->pkg)
		h->pkg = suffix ? xasprintf("%s-%s", main_name, suffix) : xstrdup(main_name);
	free(suffix);
}

static bool word_is(const struct header *h, const char *const *words)
{
	size_t i;

	for (i = 0; words[i]; i++)
		if (!strcmp(h->word, words[i]))
			return true;
	return false;
}

static enum keep section_keep(const struct header *h, const char *main_name, const char *sub)
{
	static const char *const always[] = { "%prep", "%changelog", "%patchlist", "%sourcelist", NULL };
	static const char *const never[] = { "%check", "%clean", "%conf", "%generate_buildrequires", NULL };

	if (word_is(h, always))
		return KEEP;
	if (word_is(h, never))
		return DROP;
	if (!strcmp(h->word, "%build"))
		return BUILD;
	if (!strcmp(h->word, "%install"))
		return INSTALL;
	if (!strcmp(h->word, "%description") && !strcmp(h->pkg, main_name))
		return KEEP;
	return strcmp(h->pkg, sub) ? DROP : KEEP;
}

static void put_line(struct buf *out, const struct sm *sm, size_t i)
{
	const struct sm_line *l = &sm->lines[i];

	buf_put(out, sm->text + l->off, l->len);
	if (l->eol)
		buf_put(out, sm->text + l->off + l->len, l->eol);
	else
		buf_puts(out, sm->nl);
}

/* Lines rpm reads whatever the section: conditionals and macro definitions. */
static bool structural(const struct sm *sm, size_t i)
{
	enum sm_kind k = sm->lines[sm->lines[i].first].kind;

	return k == SM_IF || k == SM_ELSE || k == SM_ENDIF || k == SM_MACRODEF;
}

static bool line_has(const struct sm *sm, size_t first, size_t last, const char *needle)
{
	size_t i, n = strlen(needle);

	for (i = first; i <= last; i++)
		if (memmem(sm_line_ptr(sm, i), sm->lines[i].len, needle, n))
			return true;
	return false;
}

/* The preamble's BuildRequires line, with only what the agent needs; false: drop it. */
static bool filter_buildrequires(struct buf *out, const struct sm *sm, const struct sm_tag *t, bool docs)
{
	const char *v = sm->text + t->value_off;
	size_t n = t->value_len, i = 0;
	struct buf kept = BUF_INIT;
	bool keep_next = false, any = false;

	while (i < n) {
		size_t b, e;

		while (i < n && (sm_is_blank(v[i]) || v[i] == ','))
			i++;
		if (i >= n)
			break;
		if (v[i] == '(') {
			/* A rich dependency: whatever it names, the full build wanted it. */
			buf_release(&kept);
			return false;
		}
		b = i;
		while (i < n && !sm_is_blank(v[i]) && v[i] != ',')
			i++;
		e = i;
		if (strchr("<>=", v[b])) {
			/* an operator and its version belong to the name before */
			if (keep_next) {
				size_t vb = i;

				while (vb < n && sm_is_blank(v[vb]))
					vb++;
				for (i = vb; i < n && !sm_is_blank(v[i]) && v[i] != ','; i++)
					;
				buf_printf(&kept, " %.*s %.*s", (int)(e - b), v + b, (int)(i - vb), v + vb);
			} else {
				while (i < n && sm_is_blank(v[i]))
					i++;
				while (i < n && !sm_is_blank(v[i]) && v[i] != ',')
					i++;
			}
			continue;
		}
		keep_next = agent_needs(v + b, e - b, docs);
		if (keep_next) {
			buf_printf(&kept, "%s%.*s", any ? ", " : "", (int)(e - b), v + b);
			any = true;
		}
	}
	if (any) {
		const char *line = sm_line_ptr(sm, t->line);

		buf_put(out, line, t->value_off - sm->lines[t->line].off);
		buf_put(out, kept.ptr, kept.len);
		buf_puts(out, sm->nl);
	}
	buf_release(&kept);
	return any;
}

/* A word of a %files line that is a path: not one of rpm's directives. */
static size_t files_token(const char *s, size_t n, size_t *i)
{
	for (;;) {
		size_t b;

		*i = sm_skip_blanks(s, *i, n);
		if (*i >= n)
			return 0;
		b = *i;
		if (s[b] == '%') {
			size_t e = b + 1;
			int depth = 0;

			while (e < n && ((s[e] >= 'a' && s[e] <= 'z') || s[e] == '_'))
				e++;
			if (e < n && s[e] == '(') {
				for (; e < n; e++) {
					depth += s[e] == '(';
					depth -= s[e] == ')';
					if (!depth) {
						e++;
						break;
					}
				}
			}
			if (e > b + 1 && (e == n || sm_is_blank(s[e]) || s[e - 1] == ')')) {
				*i = e;
				continue;   /* %config(noreplace), %dir, %attr(...), %doc... */
			}
		}
		while (*i < n && !sm_is_blank(s[*i]))
			(*i)++;
		return *i - b;
	}
}

struct files_info {
	char *agent;                /* the entry of qemu-ga in a bin or libexec directory */
	char *man;                  /* the entry of its man page qemu-ga.8, if listed (no trailing '*') */
	struct strvec names;        /* basenames of the entries */
};

static void read_files(struct files_info *fi, const struct sm *sm, const struct sm_section *sec)
{
	size_t i;

	for (i = sec->begin; i < sec->end; i++) {
		const char *s = sm_line_ptr(sm, i);
		size_t n = sm->lines[i].len, p = 0, len;
		bool doc;

		if (sm->lines[i].kind != SM_TEXT)
			continue;
		doc = sm_word_at(s, n, sm_skip_blanks(s, 0, n), "%doc") ||
		      sm_word_at(s, n, sm_skip_blanks(s, 0, n), "%license");
		while ((len = files_token(s, n, &p)) > 0) {
			const char *tok = s + p - len, *base = tok + len;
			size_t blen;

			while (base > tok && base[-1] != '/')
				base--;
			blen = (size_t)(tok + len - base);
			while (blen && base[blen - 1] == '*')
				blen--;
			if (doc || blen < 4 || memchr(base, '%', blen) || memchr(base, '*', blen))
				continue;
			strvec_pushf(&fi->names, "%.*s", (int)blen, base);
			if (!fi->man && blen == 9 && !memcmp(base, "qemu-ga.8", 9))
				fi->man = xasprintf("%.*s", (int)(base + blen - tok), tok);
			if (!fi->agent && blen == 7 && !memcmp(base, "qemu-ga", 7) &&
			    (memmem(tok, (size_t)(base - tok), "bin", 3) ||
			     memmem(tok, (size_t)(base - tok), "libexec", 7)))
				fi->agent = xasprintf("%.*s", (int)len, tok);
		}
	}
}

/* A line of the vendor's %install that places a file of the subpackage. */
static bool install_line_wanted(const struct sm *sm, size_t first, size_t last, const struct files_info *fi)
{
	size_t k;

	/* The vendor's own build of the agent is not there: ours is installed instead. */
	if (line_has(sm, first, last, "qga/qemu-ga"))
		return false;
	if (line_has(sm, first, last, "qemu-ga") || line_has(sm, first, last, "qemu-guest-agent"))
		return true;
	for (k = 0; k < fi->names.n; k++)
		if (line_has(sm, first, last, fi->names.v[k]))
			return true;
	return false;
}

static void write_build(struct buf *out, const struct agent_cfg *cfg, bool docs, const char *nl)
{
	size_t i;

	buf_printf(out, "# qga-forge: the guest agent alone (QEMU %s)%s", cfg->why, nl);
	/* rpm sends a script's stdout to /dev/null unless verbose: the log shows what was built. */
	buf_printf(out, "exec 1>&2%s", nl);
	buf_printf(out, "mkdir -p qga-forge-build%scd qga-forge-build%s", nl, nl);
	buf_printf(out, "../configure \\%s", nl);
	buf_printf(out, "    --prefix=%%{_prefix} \\%s", nl);
	buf_printf(out, "    --libdir=%%{_libdir} \\%s", nl);
	buf_printf(out, "    --libexecdir=%%{_libexecdir} \\%s", nl);
	buf_printf(out, "    --sysconfdir=%%{_sysconfdir} \\%s", nl);
	buf_printf(out, "    --localstatedir=%%{_localstatedir} \\%s", nl);
	buf_printf(out, "    --with-pkgversion=%%{name}-%%{version}-%%{release} \\%s", nl);
	buf_printf(out, "    %%{?optflags:--extra-cflags=\"%%{optflags}\"} \\%s", nl);
	for (i = 0; cfg->options[i]; i++) {
		const char *opt = cfg->options[i];

		/* the man page the subpackage ships is made by QEMU's docs build (sphinx) */
		if (docs && !strcmp(opt, "--disable-docs"))
			opt = "--enable-docs";
		buf_printf(out, "    %s%s%s", opt, cfg->options[i + 1] ? " \\" : "", nl);
	}
	buf_printf(out, "ninja %%{?_smp_mflags} qga/qemu-ga%s%s%s", docs ? " docs/qemu-ga.8" : "", nl, nl);
}

int spec_agent_only_supported(const char *qemu_version)
{
	if (!agent_cfg_for(qemu_version))
		return error_set(ERR_INPUT, "QEMU %s: agent-only builds need QEMU 5.2 or later (configured "
				 "with meson); build the whole package instead", qemu_version ? qemu_version : "?");
	return 0;
}

void spec_agent_only_result_release(struct spec_agent_only_result *r)
{
	free(r->agent_path);
	memset(r, 0, sizeof(*r));
}

int spec_derive_agent_only(struct buf *out, struct spec_agent_only_result *res, const char *path,
			   const struct buf *in, const struct spec_agent_only_opts *o)
{
	struct sm sm;
	struct files_info fi = { NULL, NULL, STRVEC_INIT };
	const struct agent_cfg *cfg = agent_cfg_for(o->qemu_version);
	struct header *hdrs = NULL;
	enum keep *keep = NULL;
	size_t s, i;
	int ret, package = -1, files = -1, build = -1, install = -1;

	memset(res, 0, sizeof(*res));
	buf_reset(out);
	if ((ret = spec_agent_only_supported(o->qemu_version)) < 0)
		return ret;
	if ((ret = sm_parse(&sm, path, in->ptr, in->len)) < 0)
		return ret;
	hdrs = xcalloc(sm.nsections + 1, sizeof(*hdrs));
	keep = xcalloc(sm.nsections + 1, sizeof(*keep));
	for (s = 1; s < sm.nsections; s++) {
		const struct sm_section *sec = &sm.sections[s];

		parse_header(&hdrs[s], sm_line_ptr(&sm, sec->header), sm.lines[sec->header].len,
			     o->main_name);
		if (!strcmp(hdrs[s].word, "%end")) {
			keep[s] = keep[s - 1] == DROP ? DROP : KEEP;
			continue;
		}
		keep[s] = section_keep(&hdrs[s], o->main_name, o->subpackage);
		if (keep[s] == KEEP && !strcmp(hdrs[s].word, "%package"))
			package = (int)s;
		if (keep[s] == KEEP && !strcmp(hdrs[s].word, "%files")) {
			if (files >= 0) {
				ret = sm_error(&sm, sec->header, 0, "a second '%%files' section of '%s' (the "
					       "first is at line %zu)", o->subpackage,
					       sm.sections[files].header + 1);
				goto out;
			}
			files = (int)s;
		}
		if (keep[s] == BUILD)
			build = (int)s;
		if (keep[s] == INSTALL)
			install = (int)s;
	}
	if (package < 0 || files < 0 || build < 0 || install < 0) {
		ret = error_set(ERR_INPUT, "%s: no '%s' section: an agent-only build needs the spec's "
				"'%%package -n %s', '%%files -n %s', '%%build' and '%%install'", path,
				package < 0 ? "%package -n qemu-guest-agent" :
				files < 0 ? "%files -n qemu-guest-agent" : build < 0 ? "%build" : "%install",
				o->subpackage, o->subpackage);
		goto out;
	}
	read_files(&fi, &sm, &sm.sections[files]);
	if (!fi.agent) {
		ret = sm_error(&sm, sm.sections[files].header, 0, "'%s' lists no qemu-ga in a bin or "
			       "libexec directory: nothing to install the agent as", o->subpackage);
		goto out;
	}
	res->package_line = (unsigned)sm.sections[package].header + 1;
	res->files_line = (unsigned)sm.sections[files].header + 1;
	res->agent_path = xstrdup(fi.agent);
	res->docs = fi.man != NULL;

	buf_printf(out, "# Derived by qga-forge from %s: its '%s' subpackage alone, built for the agent "
		   "only.%s", path, o->subpackage, sm.nl);
	for (s = 0; s < sm.nsections; s++) {
		const struct sm_section *sec = &sm.sections[s];

		if (s > 0 && keep[s] != DROP)
			put_line(out, &sm, sec->header);
		if (keep[s] == BUILD)
			write_build(out, cfg, fi.man != NULL, sm.nl);
		if (keep[s] == INSTALL) {
			buf_printf(out, "# qga-forge: the agent built above, where %%%%files -n %s lists it%s",
				   o->subpackage, sm.nl);
			buf_printf(out, "install -D -p -m 0755 qga-forge-build/qga/qemu-ga %%{buildroot}%s%s",
				   fi.agent, sm.nl);
			if (fi.man)
				buf_printf(out, "install -D -p -m 0644 qga-forge-build/docs/qemu-ga.8 "
					   "%%{buildroot}%s%s", fi.man, sm.nl);
			buf_printf(out, "# qga-forge: the vendor's lines that install the subpackage's files%s",
				   sm.nl);
		}
		for (i = sec->begin; i < sec->end; i++) {
			const struct sm_line *l = &sm.lines[i];
			bool want;

			if (i != l->first)
				continue;
			switch (keep[s]) {
			case KEEP:
				want = true;
				if (s == 0 && sm.lines[i].kind == SM_TAG) {
					size_t t;

					for (t = 0; t < sm.ntags && sm.tags[t].line != i; t++)
						;
					if (t < sm.ntags && sm.tags[t].name_len == 13 &&
					    !strncasecmp(sm.text + sm.tags[t].name_off, "BuildRequires", 13) &&
					    l->first == l->last) {
						if (filter_buildrequires(out, &sm, &sm.tags[t], fi.man != NULL))
							res->kept_buildrequires++;
						else
							res->dropped_buildrequires++;
						continue;
					}
				}
				break;
			case INSTALL:
				want = structural(&sm, i) ||
				       (l->kind != SM_BLANK && l->kind != SM_COMMENT &&
					install_line_wanted(&sm, l->first, l->last, &fi));
				if (want && !structural(&sm, i) && l->kind != SM_BLANK)
					res->kept_install_lines++;
				break;
			default:
				want = structural(&sm, i);
				break;
			}
			if (want) {
				size_t k;

				for (k = l->first; k <= l->last && k < sec->end; k++)
					put_line(out, &sm, k);
			}
		}
		if (s > 0 && keep[s] == DROP)
			res->dropped_sections++;
	}
	ret = 0;
out:
	for (s = 0; hdrs && s < sm.nsections; s++)
		free(hdrs[s].pkg);
	free(hdrs);
	free(keep);
	free(fi.agent);
	free(fi.man);
	strvec_clear(&fi.names);
	sm_release(&sm);
	if (ret < 0) {
		buf_reset(out);
		spec_agent_only_result_release(res);
	}
	return ret;
}
