#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <rpm/rpmbuild.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmfileutil.h>
#include <rpm/rpmspec.h>
#include <rpm/header.h>

#include "specedit/spec.h"
#include "specedit/internal.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/rpmcfg.h"
#include "util/run.h"
#include "util/banned.h"

int spec_rpm_version(void)
{
	const char *v = RPMVERSION;
	int part[3] = { 0, 0, 0 }, i = 0;

	for (; *v && i < 3; v++) {
		if (isdigit((unsigned char)*v))
			part[i] = part[i] * 10 + (*v - '0');
		else if (*v == '.')
			i++;
		else
			break;
	}
	return part[0] * 10000 + part[1] * 100 + part[2];
}

char *spec_sourcedir(const char *spec_path)
{
	char *abs = fs_abspath(spec_path);
	char *dir = fs_dirname(abs);
	char *base = fs_basename(dir);
	char *out;

	if (!strcmp(base, "SPECS")) {
		char *top = fs_dirname(dir);

		out = fs_path_join(top, "SOURCES");
		free(top);
	} else {
		out = xstrdup(dir);
	}
	free(base);
	free(dir);
	free(abs);
	return out;
}

struct child_args {
	const char *file;
	const char *sourcedir;
	const char *specdir;
	const char *topdir;
	const char *const *defines;
	const char *dist;
};

/* True when the text at p is `path` as a whole word of a shell line. */
static bool path_ends(const char *p, size_t n)
{
	unsigned char c = (unsigned char)p[n];

	return !(isalnum(c) || c == '.' || c == '_' || c == '-' || c == '+' || c == '~' || c == '/');
}

struct hit {
	size_t pos;
	int number;
	const char *file;
};

static int hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static void add_src(json_object *arr, int num, const char *file)
{
	json_object *o = json_object_new_array();

	json_object_array_add(o, json_object_new_int(num));
	json_object_array_add(o, json_object_new_string(file));
	json_object_array_add(arr, o);
}

/*
 * rpm up to 4.16 leaves the explicit %patch commands out of %prep when a
 * spec is parsed with RPMSPEC_FORCE (it cannot look at the patch files
 * then); %autosetup and %autopatch stay, being macros. 4.18 keeps them
 * (measured: Debian 11's 4.16.1.2 drops them, Debian 12's 4.18.0 and later
 * keep them; 4.17, Ubuntu 22.04's, was not measured and is taken as 4.18).
 */
#define RPM_FORCE_KEEPS_PATCH_FROM 41700

static bool rpm_force_drops_patch(void)
{
	return spec_rpm_version() < RPM_FORCE_KEEPS_PATCH_FROM;
}

/*
 * A private %{_sourcedir} for parsing without RPMSPEC_FORCE: a link to each
 * source and patch the spec declares that exists, an empty file for each that
 * does not (a patch being added is not in SOURCES yet). rpm only looks at the
 * files to write %prep (owner, compression), so the text it writes is the one
 * it will run, with this directory's paths. Runs in the child. NULL when it
 * cannot be made; remove it with unstage_sources().
 */
static char *stage_sources(rpmSpec spec, const char *sourcedir)
{
	char tmpl[] = "/tmp/qga-forge-sources.XXXXXX";
	rpmSpecSrcIter si;
	rpmSpecSrc src;
	char *dir;
	bool ok = true;

	if (!mkdtemp(tmpl))
		return NULL;
	dir = xstrdup(tmpl);
	si = rpmSpecSrcIterInit(spec);
	while (ok && (src = rpmSpecSrcIterNext(si)) != NULL) {
		const char *name = rpmSpecSrcFilename(src, 0);
		char *from = fs_path_join(sourcedir, name), *to = fs_path_join(dir, name);

		if (strchr(name, '/'))
			ok = false;
		else if (access(from, R_OK) == 0)
			ok = symlink(from, to) == 0 || errno == EEXIST;
		else {
			int fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

			ok = fd >= 0 || errno == EEXIST;
			if (fd >= 0)
				close(fd);
		}
		free(from);
		free(to);
	}
	rpmSpecSrcIterFree(si);
	if (!ok) {
		fs_remove_tree(dir);
		free(dir);
		return NULL;
	}
	return dir;
}

/* Every package of the spec, as rpm's parser has it: [name, epoch|null, version, release, summary]. */
static json_object *package_list(rpmSpec spec)
{
	json_object *pkgs = json_object_new_array();
	rpmSpecPkgIter pi = rpmSpecPkgIterInit(spec);
	rpmSpecPkg pkg;

	while ((pkg = rpmSpecPkgIterNext(pi)) != NULL) {
		Header h = rpmSpecPkgHeader(pkg);
		json_object *e = json_object_new_array();
		const rpmTagVal tags[] = { RPMTAG_NAME, RPMTAG_EPOCH, RPMTAG_VERSION, RPMTAG_RELEASE,
					   RPMTAG_SUMMARY };
		size_t i;

		for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
			char *v = NULL;

			if (headerIsEntry(h, tags[i]))
				v = headerGetAsString(h, tags[i]);
			json_object_array_add(e, v ? json_object_new_string(v) : NULL);
			free(v);
		}
		json_object_array_add(pkgs, e);
	}
	rpmSpecPkgIterFree(pi);
	return pkgs;
}

/* Runs in the child: everything rpm does stays there. */
static int query_child(void *arg)
{
	const struct child_args *a = arg;
	rpmSpec spec = NULL;
	rpmSpecPkgIter pi;
	rpmSpecPkg pkg;
	rpmSpecSrcIter si;
	rpmSpecSrc src;
	Header h;
	const char *prep;
	json_object *o, *patches, *applied, *sources;
	struct hit *hits = NULL;
	size_t nhits = 0, alloc = 0, i;
	char *packager, *staged = NULL;

	if (rpmcfg_setup(NULL, NULL) < 0) {
		fprintf(stderr, "error: %s\n", error_last());
		return 3;
	}
	if (a->topdir)
		addMacro(NULL, "_topdir", NULL, a->topdir, RMIL_CMDLINE);
	addMacro(NULL, "_sourcedir", NULL, a->sourcedir, RMIL_CMDLINE);
	addMacro(NULL, "_specdir", NULL, a->specdir, RMIL_CMDLINE);
	for (i = 0; a->defines && a->defines[i]; i++)
		rpmDefineMacro(NULL, a->defines[i], RMIL_CMDLINE);
	if (a->dist)
		addMacro(NULL, "dist", NULL, *a->dist ? a->dist : "%{nil}", RMIL_CMDLINE);
	spec = rpmSpecParse(a->file, RPMSPEC_ANYARCH | RPMSPEC_FORCE, NULL);
	if (!spec)
		return 1;
	if (rpm_force_drops_patch() && (staged = stage_sources(spec, a->sourcedir)) != NULL) {
		rpmSpec full;

		addMacro(NULL, "_sourcedir", NULL, staged, RMIL_CMDLINE);
		full = rpmSpecParse(a->file, RPMSPEC_ANYARCH, NULL);
		if (full) {
			rpmSpecFree(spec);
			spec = full;
		} else {
			delMacro(NULL, "_sourcedir");
		}
	}
	pi = rpmSpecPkgIterInit(spec);
	pkg = rpmSpecPkgIterNext(pi);
	rpmSpecPkgIterFree(pi);
	h = pkg ? rpmSpecPkgHeader(pkg) : rpmSpecSourceHeader(spec);
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(headerGetString(h, RPMTAG_NAME) ?
								  headerGetString(h, RPMTAG_NAME) : ""));
	if (headerIsEntry(h, RPMTAG_EPOCH))
		json_object_object_add(o, "epoch", json_object_new_int64(
			(int64_t)headerGetNumber(h, RPMTAG_EPOCH)));
	json_object_object_add(o, "version", json_object_new_string(
		headerGetString(h, RPMTAG_VERSION) ? headerGetString(h, RPMTAG_VERSION) : ""));
	json_object_object_add(o, "release", json_object_new_string(
		headerGetString(h, RPMTAG_RELEASE) ? headerGetString(h, RPMTAG_RELEASE) : ""));
	packager = rpmExpand("%{?packager}", NULL);
	json_object_object_add(o, "packager", json_object_new_string(packager ? packager : ""));
	free(packager);
	json_object_object_add(o, "packages", package_list(spec));

	patches = json_object_new_array();
	applied = json_object_new_array();
	sources = json_object_new_array();
	prep = rpmSpecGetSection(spec, RPMBUILD_PREP);
	si = rpmSpecSrcIterInit(spec);
	while ((src = rpmSpecSrcIterNext(si)) != NULL) {
		const char *file;
		char *full;
		size_t flen;
		const char *p;

		if (!(rpmSpecSrcFlags(src) & RPMBUILD_ISPATCH)) {
			if (rpmSpecSrcFlags(src) & RPMBUILD_ISSOURCE)
				add_src(sources, rpmSpecSrcNum(src), rpmSpecSrcFilename(src, 0));
			continue;
		}
		file = rpmSpecSrcFilename(src, 0);
		add_src(patches, rpmSpecSrcNum(src), file);
		if (!prep)
			continue;
		full = rpmGetPath("%{_sourcedir}/", file, NULL);
		flen = strlen(full);
		for (p = prep; (p = strstr(p, full)) != NULL; p += flen) {
			if (!path_ends(p, flen))
				continue;
			if (nhits == alloc) {
				alloc = alloc ? 2 * alloc : 16;
				hits = realloc(hits, alloc * sizeof(*hits));
				if (!hits)
					return 3;
			}
			hits[nhits].pos = (size_t)(p - prep);
			hits[nhits].number = rpmSpecSrcNum(src);
			hits[nhits].file = file;
			nhits++;
		}
		free(full);
	}
	if (nhits)
		qsort(hits, nhits, sizeof(*hits), hit_cmp);
	for (i = 0; i < nhits; i++)
		add_src(applied, hits[i].number, hits[i].file);
	json_object_object_add(o, "patches", patches);
	json_object_object_add(o, "applied", applied);
	json_object_object_add(o, "sources", sources);
	{
		/* Macros of distribution macro packages that neither the host nor the spec defines. */
		json_object *undef = json_object_new_array();

		for (i = 0; spec_dist_macros[i].name; i++) {
			char *probe = xasprintf("%%{?%s:1}", spec_dist_macros[i].name);
			char *val = rpmExpand(probe, NULL);

			if (!val || strcmp(val, "1") != 0)
				json_object_array_add(undef, json_object_new_string(spec_dist_macros[i].name));
			free(val);
			free(probe);
		}
		json_object_object_add(o, "undefined", undef);
	}
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), stdout);
	fflush(stdout);
	rpmSpecSrcIterFree(si);
	/* The child exits now; what is ours is freed so memory checkers see no leak. */
	json_object_put(o);
	free(hits);
	rpmSpecFree(spec);
	if (staged) {
		fs_remove_tree(staged);
		free(staged);
	}
	return 0;
}

/*
 * rpm's messages name the temporary file and say "line N:"; point them at
 * the real spec as "spec:N:1: rpm: ...".
 */
/*
 * Some rpm errors name no line but quote it after their last ": " (rpm 4.20:
 * "%patchN is obsolete, use %patch N (or %patch -P N): %patch1 -p1"). When
 * that text is on exactly one line of the spec, the message gets its place:
 * "spec:LINE:COL: rpm: ...". False when it cannot be placed.
 */
static bool locate(struct buf *msg, const struct buf *text, const char *path, const char *m)
{
	const char *quote = NULL, *p, *hit = NULL, *s;
	size_t qn;
	unsigned line = 1, hit_line = 0;

	for (p = m; (p = strstr(p, ": ")) != NULL; p += 2)
		quote = p + 2;
	if (!text || !text->len || !quote)
		return false;
	qn = strlen(quote);
	while (qn && isspace((unsigned char)quote[qn - 1]))
		qn--;
	if (qn < 3)
		return false;
	for (s = text->ptr; s < text->ptr + text->len; s++) {
		if (*s == '\n') {
			line++;
			continue;
		}
		if ((size_t)(text->ptr + text->len - s) >= qn && !memcmp(s, quote, qn)) {
			if (hit && hit_line != line)
				return false;
			if (!hit) {
				hit = s;
				hit_line = line;
			}
		}
	}
	if (!hit)
		return false;
	for (s = hit; s > text->ptr && s[-1] != '\n'; s--)
		;
	buf_printf(msg, "%s:%u:%zu: rpm: %s", path, hit_line, (size_t)(hit - s) + 1, m);
	return true;
}

static void rpm_message(struct buf *msg, const char *err, const char *tmp, const char *abs,
			const char *path, const struct buf *spec_text)
{
	const char *line = err;
	bool any = false;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		struct buf l = BUF_INIT;
		const char *p;
		char *found;

		if (n >= 7 && !strncmp(line, "error: ", 7)) {
			buf_put(&l, line + 7, n - 7);
			while (tmp && (found = strstr(l.ptr, tmp)) != NULL)
				buf_splice(&l, (size_t)(found - l.ptr), strlen(tmp), path, strlen(path));
			if (strcmp(abs, path) != 0)
				while ((found = strstr(l.ptr, abs)) != NULL)
					buf_splice(&l, (size_t)(found - l.ptr), strlen(abs), path, strlen(path));
			if (any)
				buf_puts(msg, "; ");
			p = l.ptr;
			if (!strncmp(p, path, strlen(path)) && !strncmp(p + strlen(path), ": ", 2))
				p += strlen(path) + 2;
			if (!strncmp(p, "line ", 5) && isdigit((unsigned char)p[5])) {
				char *end;
				long ln = strtol(p + 5, &end, 10);

				if (!strncmp(end, ": ", 2)) {
					buf_printf(msg, "%s:%ld:1: rpm: %s", path, ln, end + 2);
					any = true;
					buf_release(&l);
					line = nl ? nl + 1 : NULL;
					continue;
				}
			}
			if (!locate(msg, spec_text, path, p))
				buf_printf(msg, "%s: rpm: %s", path, p);
			any = true;
		}
		buf_release(&l);
		line = nl ? nl + 1 : NULL;
	}
	buf_rtrim(msg);
}

static int parse_srcs(struct spec_src **out, size_t *n, json_object *arr)
{
	size_t i, len = arr ? json_object_array_length(arr) : 0;

	*out = xcalloc(len + 1, sizeof(**out));
	*n = len;
	for (i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(arr, i);

		(*out)[i].number = json_object_get_int(json_object_array_get_idx(e, 0));
		(*out)[i].file = xstrdup(json_object_get_string(json_object_array_get_idx(e, 1)));
	}
	return 0;
}

/*
 * The text to parse as an unnamed file (O_TMPFILE) in `dir`, which rpm
 * reads as /proc/self/fd/N in the forked child: a kill at any moment
 * leaves nothing behind next to the spec. -1 (errno set) where the file
 * system has no unnamed files; the caller then writes a named one.
 */
static int unnamed_copy(const char *dir, const struct buf *text)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0 && fs_write_all(fd, text->ptr, text->len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int spec_query_internal(struct spec_info *out, char **packager, const char *path,
			const struct buf *text, const struct spec_query_opts *opts)
{
	int tmpfd = -1;
	struct run_result rr = RUN_RESULT_INIT;
	struct run_opts ro;
	struct child_args a;
	char *abs = fs_abspath(path), *specdir = fs_dirname(abs), *sourcedir = NULL;
	char *tmp = NULL, *topdir = NULL, *base = fs_basename(specdir);
	json_object *o = NULL, *v;
	const char *argv[] = { "rpmspec", path, NULL };
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (packager)
		*packager = NULL;
	sourcedir = opts && opts->sourcedir ? fs_abspath(opts->sourcedir) : spec_sourcedir(abs);
	if (!strcmp(base, "SPECS"))
		topdir = fs_dirname(specdir);
	if (text && (tmpfd = unnamed_copy(specdir, text)) >= 0) {
		tmp = xasprintf("/proc/self/fd/%d", tmpfd);
	} else if (text) {
		ret = fs_write_temp(&tmp, abs, text->ptr, text->len, 0600);
		if (ret < 0)
			goto out;
	}
	memset(&a, 0, sizeof(a));
	a.file = tmp ? tmp : abs;
	a.sourcedir = sourcedir;
	a.specdir = specdir;
	a.topdir = topdir;
	a.defines = opts ? opts->defines : NULL;
	a.dist = opts ? opts->dist : NULL;
	memset(&ro, 0, sizeof(ro));
	ro.argv = argv;
	ro.capture = true;
	ro.capture_cap = 4u << 20;
	ro.timeout_ms = 300 * 1000;
	ret = run_function(&rr, &ro, query_child, &a);
	if (ret < 0)
		goto out;
	if (rr.status != 0) {
		struct buf msg = BUF_INIT;
		struct buf file = BUF_INIT;

		/* The spec's text, to place rpm's messages that name no line. */
		buf_set_cap(&file, SPEC_CAP);
		if (!text && fs_read_file(&file, abs) < 0) {
			error_clear();
			buf_reset(&file);
		}
		rpm_message(&msg, rr.err.ptr, tmp, abs, path, text ? text : &file);
		buf_release(&file);
		if (!msg.len)
			buf_printf(&msg, "%s: rpm cannot parse the spec%s%s", path,
				   rr.timed_out ? " (timed out)" : "", rr.err.len ? ": " : "");
		if (!msg.len || !strstr(msg.ptr, "rpm:")) {
			buf_rtrim(&rr.err);
			buf_puts(&msg, rr.err.ptr);
		}
		ret = error_set(ERR_INPUT, "%s", msg.ptr);
		buf_release(&msg);
		goto out;
	}
	o = json_tokener_parse(rr.out.ptr);
	if (!o || !json_object_is_type(o, json_type_object)) {
		ret = error_set(ERR_GENERIC, "%s: cannot read rpm's view of the spec", path);
		goto out;
	}
	out->name = xstrdup(json_object_object_get_ex(o, "name", &v) ? json_object_get_string(v) : "");
	if (json_object_object_get_ex(o, "epoch", &v))
		out->epoch = xasprintf("%lld", (long long)json_object_get_int64(v));
	out->version = xstrdup(json_object_object_get_ex(o, "version", &v) ? json_object_get_string(v) : "");
	out->release = xstrdup(json_object_object_get_ex(o, "release", &v) ? json_object_get_string(v) : "");
	if (packager && json_object_object_get_ex(o, "packager", &v) && *json_object_get_string(v))
		*packager = xstrdup(json_object_get_string(v));
	json_object_object_get_ex(o, "patches", &v);
	parse_srcs(&out->patches, &out->npatches, v);
	json_object_object_get_ex(o, "applied", &v);
	parse_srcs(&out->applied, &out->napplied, v);
	v = NULL;
	json_object_object_get_ex(o, "sources", &v);
	parse_srcs(&out->sources, &out->nsources, v);
	if (json_object_object_get_ex(o, "packages", &v) && json_object_is_type(v, json_type_array)) {
		size_t i, k, n = json_object_array_length(v);

		out->packages = xcalloc(n + 1, sizeof(*out->packages));
		for (i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(v, i);
			char **f[] = { &out->packages[i].name, &out->packages[i].epoch,
				       &out->packages[i].version, &out->packages[i].release,
				       &out->packages[i].summary };

			for (k = 0; k < 5; k++) {
				json_object *x = json_object_array_get_idx(e, k);

				*f[k] = x ? xstrdup(json_object_get_string(x)) : NULL;
			}
		}
		out->npackages = n;
	}
	if (json_object_object_get_ex(o, "undefined", &v) && json_object_is_type(v, json_type_array)) {
		size_t i, n = json_object_array_length(v);

		out->undefined = xcalloc(n + 1, sizeof(*out->undefined));
		for (i = 0; i < n; i++)
			out->undefined[i] = xstrdup(json_object_get_string(json_object_array_get_idx(v, i)));
		out->nundefined = n;
	}
out:
	if (tmpfd >= 0)
		close(tmpfd);
	else if (tmp)
		unlink(tmp);
	free(tmp);
	if (o)
		json_object_put(o);
	run_result_release(&rr);
	free(abs);
	free(specdir);
	free(sourcedir);
	free(topdir);
	free(base);
	if (ret < 0)
		spec_info_release(out);
	return ret;
}

int spec_query(struct spec_info *out, const char *path, const struct buf *text,
	       const struct spec_query_opts *opts)
{
	return spec_query_internal(out, NULL, path, text, opts);
}

static void free_srcs(struct spec_src *s, size_t n)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		free(s[i].file);
	free(s);
}

void spec_info_release(struct spec_info *info)
{
	free(info->name);
	free(info->epoch);
	free(info->version);
	free(info->release);
	free_srcs(info->patches, info->npatches);
	free_srcs(info->applied, info->napplied);
	free_srcs(info->sources, info->nsources);
	for (size_t i = 0; i < info->nundefined; i++)
		free(info->undefined[i]);
	for (size_t i = 0; i < info->npackages; i++) {
		free(info->packages[i].name);
		free(info->packages[i].epoch);
		free(info->packages[i].version);
		free(info->packages[i].release);
		free(info->packages[i].summary);
	}
	free(info->packages);
	free(info->undefined);
	memset(info, 0, sizeof(*info));
}

int spec_verify_patches(const char *path, const struct buf *text, const char *const *names,
			size_t n, const struct spec_query_opts *opts)
{
	struct spec_info info;
	size_t i, j;
	int ret;

	ret = spec_query(&info, path, text, opts);
	if (ret < 0)
		return ret;
	for (i = 0; i < n; i++) {
		size_t count = 0;
		bool declared = false;

		for (j = 0; j < info.npatches; j++)
			if (!strcmp(info.patches[j].file, names[i]))
				declared = true;
		for (j = 0; j < info.napplied; j++)
			if (!strcmp(info.applied[j].file, names[i]))
				count++;
		if (!declared) {
			ret = error_set(ERR_INPUT, "%s: rpm sees no Patch tag for '%s'", path, names[i]);
			goto out;
		}
		if (count == 0) {
			ret = error_set(ERR_INPUT, "%s: the expanded %%prep does not apply '%s'",
					path, names[i]);
			goto out;
		}
		if (count > 1) {
			ret = error_set(ERR_INPUT, "%s: the expanded %%prep applies '%s' %zu times",
					path, names[i], count);
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		size_t at = info.napplied - n + i;

		if (info.napplied < n || strcmp(info.applied[at].file, names[i]) != 0) {
			for (j = 0; j < info.napplied; j++)
				if (!strcmp(info.applied[j].file, names[i]))
					break;
			ret = error_set(ERR_INPUT, "%s: the expanded %%prep applies '%s' before '%s', "
					"not last", path, names[i],
					j + 1 < info.napplied ? info.applied[j + 1].file : "?");
			goto out;
		}
	}
out:
	spec_info_release(&info);
	return ret;
}
