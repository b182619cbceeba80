#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <createrepo_c/createrepo_c.h>
#include <rpm/header.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmpgp.h>
#include <rpm/rpmsign.h>
#include <rpm/rpmts.h>

#include "publish.h"
#include "util/util.h"
#include "util/banned.h"

#define PACKAGES_DIR "Packages"
#define DEFAULT_REPO_ID "qga-forge"
#define KEY_FILE "RPM-GPG-KEY-qga-forge"
#define SIGN_TIMEOUT_MS (120 * 1000)
/* Changelog entries kept per package in other.xml (createrepo_c's default is all). */
#define CHANGELOG_LIMIT 10

/* A growable list of strings, sorted before use. */
struct strlist {
	char **v;
	size_t n, alloc;
};

static void strlist_add(struct strlist *l, char *s)
{
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 16;
		l->v = xrealloc(l->v, l->alloc * sizeof(*l->v));
	}
	l->v[l->n++] = s;
}

static void strlist_release(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/*
 * Every *.rpm under `dir` (recursively; hidden entries and `skip` left out),
 * as paths relative to `base`. Source packages are left out by name here and
 * by header later.
 */
static int scan_rpms(struct strlist *out, const char *base, const char *rel, const char *skip)
{
	char *dir = rel ? fs_path_join(base, rel) : xstrdup(base);
	DIR *d = opendir(dir);
	struct dirent *e;
	int ret = 0;

	if (!d) {
		ret = error_set_errno(ERR_GENERIC, "cannot read the directory '%s'", dir);
		free(dir);
		return ret;
	}
	while ((e = readdir(d))) {
		char *r, *p;

		if (e->d_name[0] == '.' || (skip && !rel && !strcmp(e->d_name, skip)))
			continue;
		r = rel ? fs_path_join(rel, e->d_name) : xstrdup(e->d_name);
		p = fs_path_join(base, r);
		if (fs_is_dir(p)) {
			ret = scan_rpms(out, base, r, NULL);
			free(r);
		} else if (fs_is_file(p) && ends_with(e->d_name, ".rpm") &&
			   !ends_with(e->d_name, ".src.rpm")) {
			strlist_add(out, r);
		} else {
			free(r);
		}
		free(p);
		if (ret < 0)
			break;
	}
	closedir(d);
	free(dir);
	return ret;
}

/* ---- package headers (librpm) ---- */

static int rpm_setup(void)
{
	static int done;

	if (done)
		return 0;
	if (rpmReadConfigFiles(NULL, NULL) != 0)
		return error_set(ERR_GENERIC, "cannot read rpm's configuration");
	done = 1;
	return 0;
}

struct pkginfo {
	char *nevra;
	char *hdrid;     /* the header digest: unchanged by signing */
	bool is_source;
	bool is_signed;  /* carries an OpenPGP signature */
};

static void pkginfo_release(struct pkginfo *p)
{
	free(p->nevra);
	free(p->hdrid);
	memset(p, 0, sizeof(*p));
}

/* rpm's own messages would go to stderr: this module never prints. */
static int quiet_log(rpmlogRec rec, rpmlogCallbackData data)
{
	(void)rec;
	(void)data;
	return 0;
}

static int read_pkginfo(struct pkginfo *out, const char *path)
{
	rpmts ts = NULL;
	FD_t fd = NULL;
	Header h = NULL;
	rpmRC rc;
	const char *id;
	rpmlogCallback old_cb;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = rpm_setup()) < 0)
		return ret;
	fd = Fopen(path, "r.ufdio");
	if (!fd || Ferror(fd)) {
		ret = error_set(ERR_GENERIC, "cannot read '%s': %s", path, fd ? Fstrerror(fd) : "open failed");
		goto cleanup;
	}
	ts = rpmtsCreate();
	/* Identity only: a signature by a key we do not have is not an error here. */
	rpmtsSetVSFlags(ts, RPMVSF_MASK_NOSIGNATURES);
	/* rpm 4.18 cannot tell a callback's data: qga-forge's callbacks take none. */
	old_cb = rpmlogSetCallback(quiet_log, NULL);
	rc = rpmReadPackageFile(ts, fd, path, &h);
	rpmlogSetCallback(old_cb, NULL);
	if (rc != RPMRC_OK && rc != RPMRC_NOKEY && rc != RPMRC_NOTTRUSTED) {
		ret = error_set(ERR_INPUT, "'%s': not a readable rpm package", path);
		goto cleanup;
	}
	out->is_source = headerIsSource(h);
	out->is_signed = headerIsEntry(h, RPMTAG_RSAHEADER) || headerIsEntry(h, RPMTAG_DSAHEADER) ||
			 headerIsEntry(h, RPMTAG_SIGPGP) || headerIsEntry(h, RPMTAG_SIGGPG);
	out->nevra = headerGetAsString(h, RPMTAG_NEVRA);
	id = headerGetString(h, RPMTAG_SHA256HEADER);
	if (!id)
		id = headerGetString(h, RPMTAG_SHA1HEADER);
	if (id) {
		out->hdrid = xstrdup(id);
	} else {
		char hex[65];

		if ((ret = hash_sha256_file(hex, path)) < 0)
			goto cleanup;
		out->hdrid = xstrdup(hex);
	}
cleanup:
	headerFree(h);
	rpmtsFree(ts);
	if (fd)
		Fclose(fd);
	if (ret < 0)
		pkginfo_release(out);
	return ret;
}

/* ---- signing (librpmsign) ---- */

/* The first executable `name` in PATH, or NULL. Caller frees. */
static char *find_program(const char *name)
{
	const char *path = getenv("PATH"), *p, *end;

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p; p = *end ? end + 1 : end) {
		char *dir, *cand;

		end = strchrnul(p, ':');
		dir = end > p ? xstrndup(p, (size_t)(end - p)) : xstrdup(".");
		cand = fs_path_join(dir, name);
		free(dir);
		if (access(cand, X_OK) == 0 && fs_is_file(cand))
			return cand;
		free(cand);
	}
	return NULL;
}

/*
 * The gpg that rpm should run: rpm's %__gpg when it exists, else gpg2 or gpg
 * from PATH (Debian's rpm names /usr/bin/gpg2, which Debian does not ship).
 */
static char *gpg_program(void)
{
	char *g = rpm_setup() == 0 ? rpmExpand("%{?__gpg}", NULL) : NULL;

	if (g && *g && access(g, X_OK) == 0)
		return g;
	free(g);
	if ((g = find_program("gpg2")))
		return g;
	return find_program("gpg");
}

struct sign_ctx {
	const char *path;
	const char *key;
	const char *gpg_home;
	const char *gpg;
};

/* Runs in a forked child: rpm's macros are global, so they stay there. */
static int sign_child(void *arg)
{
	struct sign_ctx *c = arg;
	struct rpmSignArgs sa;

	if (rpmReadConfigFiles(NULL, NULL) != 0) {
		rpmlog(RPMLOG_ERR, "cannot read rpm's configuration\n");
		return 1;
	}
	rpmPushMacro(NULL, "__gpg", NULL, c->gpg, RMIL_CMDLINE);
	rpmPushMacro(NULL, "_gpg_name", NULL, c->key, RMIL_CMDLINE);
	if (c->gpg_home)
		rpmPushMacro(NULL, "_gpg_path", NULL, c->gpg_home, RMIL_CMDLINE);
	/* By name: rpm 4.18 would pass args.hashalgo to gpg as a number, which gpg refuses. */
	rpmPushMacro(NULL, "_gpg_digest_algo", NULL, "sha256", RMIL_CMDLINE);
	memset(&sa, 0, sizeof(sa));
	sa.keyid = (char *)c->key;
	/* Also the header+payload signature that rpm 4.11 (CentOS 7) checks too. */
	sa.signflags = RPMSIGN_FLAG_RPMV3;
	return rpmPkgSign(c->path, &sa) == 0 ? 0 : 1;
}

static int sign_package(const char *path, const char *display, const struct publish_opts *o,
			const char *gpg)
{
	struct run_result r = RUN_RESULT_INIT;
	struct run_opts ro;
	struct sign_ctx c = { path, o->sign_key, o->gpg_home, gpg };
	const char *argv[] = { "rpmsign", "--addsign", display, NULL };
	int ret;

	memset(&ro, 0, sizeof(ro));
	ro.argv = argv;
	ro.capture = true;
	ro.capture_cap = 16384;
	ro.timeout_ms = SIGN_TIMEOUT_MS;
	if ((ret = run_function(&r, &ro, sign_child, &c)) < 0)
		goto cleanup;
	if (r.status != 0) {
		/* rpm's complaint about a missing terminal says nothing about the failure. */
		const char *noise = "warning: Could not set GPG_TTY to stdin: Inappropriate ioctl for device\n";
		char *at = strstr(r.err.ptr, noise);

		if (at)
			buf_remove(&r.err, (size_t)(at - r.err.ptr), strlen(noise));
		buf_rtrim(&r.err);
		ret = error_set(ERR_GENERIC, "cannot sign '%s' with key '%s'%s%s%s", display,
				o->sign_key, r.timed_out ? " (timed out)" : "",
				r.err.len ? ": " : "", r.err.ptr);
	}
cleanup:
	run_result_release(&r);
	return ret;
}

/* The public key, armored, into REPO/RPM-GPG-KEY-qga-forge. */
static int export_key(char **path_out, const char *repo, const struct publish_opts *o,
		      const char *gpg)
{
	struct run_result r = RUN_RESULT_INIT;
	struct run_opts ro;
	const char *argv[8];
	char *path = fs_path_join(repo, KEY_FILE);
	int n = 0, ret;

	argv[n++] = gpg;
	if (o->gpg_home) {
		argv[n++] = "--homedir";
		argv[n++] = o->gpg_home;
	}
	argv[n++] = "--batch";
	argv[n++] = "--armor";
	argv[n++] = "--export";
	argv[n++] = o->sign_key;
	argv[n] = NULL;
	memset(&ro, 0, sizeof(ro));
	ro.argv = argv;
	ro.capture = true;
	ro.timeout_ms = 60 * 1000;
	if ((ret = run_command(&r, &ro)) < 0)
		goto cleanup;
	if (r.status != 0 || !strstr(r.out.ptr, "BEGIN PGP PUBLIC KEY BLOCK")) {
		buf_rtrim(&r.err);
		ret = error_set(ERR_GENERIC, "cannot export the public key '%s'%s%s", o->sign_key,
				r.err.len ? ": " : "", r.err.ptr);
		goto cleanup;
	}
	if ((ret = fs_write_atomic(path, r.out.ptr, r.out.len, 0644)) < 0)
		goto cleanup;
	*path_out = path;
	path = NULL;
cleanup:
	free(path);
	run_result_release(&r);
	return ret;
}

/* ---- copying packages in ---- */

static int fsync_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0 || fsync(fd) < 0)
		ret = error_set_errno(ERR_GENERIC, "cannot sync '%s'", path);
	if (fd >= 0)
		close(fd);
	return ret;
}

/*
 * Copy `src` to REPO/Packages/<name> through a temporary file in the same
 * directory, signed there when asked, so the name appears only complete.
 */
static int add_package(struct publish_pkg *pkg, const char *src, const char *repo,
		       const struct publish_opts *o, const char *gpg)
{
	char *name = fs_basename(src), *rel = fs_path_join(PACKAGES_DIR, name);
	char *dst = fs_path_join(repo, rel), *tmp = NULL, hex[65];
	int fd, ret;

	tmp = xasprintf("%s/%s/.%s.XXXXXX", repo, PACKAGES_DIR, name);
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot create a file in '%s/%s'", repo, PACKAGES_DIR);
		free(tmp);
		tmp = NULL;
		goto cleanup;
	}
	close(fd);
	if ((ret = fs_copy_file(src, tmp)) < 0 || chmod(tmp, 0644) < 0)
		goto cleanup;
	if (o->sign_key) {
		if ((ret = sign_package(tmp, name, o, gpg)) < 0)
			goto cleanup;
		pkg->signed_here = true;
	}
	if ((ret = fsync_file(tmp)) < 0 || (ret = hash_sha256_file(hex, tmp)) < 0)
		goto cleanup;
	if (rename(tmp, dst) < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot rename '%s' to '%s'", tmp, dst);
		goto cleanup;
	}
	free(tmp);
	tmp = NULL;
	if ((ret = fs_fsync_parent(dst)) < 0)
		goto cleanup;
	pkg->file = rel;
	rel = NULL;
	pkg->sha256 = xstrdup(hex);
	pkg->added = true;
cleanup:
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(name);
	free(rel);
	free(dst);
	return ret;
}

/* ---- metadata (libcreaterepo_c) ---- */

static int cr_fail(GError **gerr, const char *fmt, const char *arg)
{
	int ret = error_set(ERR_GENERIC, fmt, arg, *gerr ? (*gerr)->message : "unknown error");

	g_clear_error(gerr);
	return ret;
}

/* Write one compressed metadata file of `type` and add its record to `repomd`. */
static int write_md_file(cr_Repomd *repomd, const char *dir, const char *type,
			 cr_XmlFileType xtype, cr_Package **pkgs, size_t n)
{
	GError *gerr = NULL;
	char *path = xasprintf("%s/%s.xml.gz", dir, type);
	cr_ContentStat *stat = NULL;
	cr_XmlFile *f = NULL;
	cr_RepomdRecord *rec = NULL;
	size_t i;
	int ret = 0;

	stat = cr_contentstat_new(CR_CHECKSUM_SHA256, &gerr);
	if (!stat) {
		ret = cr_fail(&gerr, "cannot write '%s': %s", path);
		goto cleanup;
	}
	f = cr_xmlfile_sopen(path, xtype, CR_CW_GZ_COMPRESSION, stat, &gerr);
	if (!f || cr_xmlfile_set_num_of_pkgs(f, (long)n, &gerr) != CRE_OK) {
		ret = cr_fail(&gerr, "cannot write '%s': %s", path);
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		if (cr_xmlfile_add_pkg(f, pkgs[i], &gerr) != CRE_OK) {
			ret = cr_fail(&gerr, "cannot write '%s': %s", path);
			goto cleanup;
		}
	}
	if (cr_xmlfile_close(f, &gerr) != CRE_OK) {
		f = NULL;
		ret = cr_fail(&gerr, "cannot write '%s': %s", path);
		goto cleanup;
	}
	f = NULL;
	if ((ret = fsync_file(path)) < 0)
		goto cleanup;
	rec = cr_repomd_record_new(type, path);
	cr_repomd_record_load_contentstat(rec, stat);
	if (cr_repomd_record_fill(rec, CR_CHECKSUM_SHA256, &gerr) != CRE_OK ||
	    cr_repomd_record_rename_file(rec, &gerr) != CRE_OK) {
		ret = cr_fail(&gerr, "cannot record '%s': %s", path);
		goto cleanup;
	}
	cr_repomd_set_record(repomd, rec);
	rec = NULL;
cleanup:
	if (f)
		cr_xmlfile_close(f, NULL);
	if (rec)
		cr_repomd_record_free(rec);
	if (stat)
		cr_contentstat_free(stat, NULL);
	free(path);
	return ret;
}

/* Put the directory `fresh` in place of REPO/repodata, atomically where the kernel can. */
static int swap_repodata(const char *repo, const char *fresh)
{
	char *md = fs_path_join(repo, "repodata");
	int ret = 0;

	if (!fs_exists(md)) {
		if (rename(fresh, md) < 0)
			ret = error_set_errno(ERR_GENERIC, "cannot rename '%s' to '%s'", fresh, md);
	} else if (renameat2(AT_FDCWD, fresh, AT_FDCWD, md, RENAME_EXCHANGE) < 0) {
		/* No exchange on this file system: two renames, a short window without metadata. */
		char *old = fs_path_join(repo, ".repodata.old");

		if ((ret = fs_remove_tree(old)) == 0) {
			if (rename(md, old) < 0 || rename(fresh, md) < 0)
				ret = error_set_errno(ERR_GENERIC, "cannot replace '%s'", md);
			else
				fs_remove_tree(old);
		}
		free(old);
	}
	if (ret == 0) {
		/* `fresh` now holds the previous metadata (or nothing). */
		fs_remove_tree(fresh);
		ret = fs_fsync_dir(repo);
	}
	free(md);
	return ret;
}

static int write_metadata(struct publish_result *res, const char *repo)
{
	GError *gerr = NULL;
	struct strlist hrefs = { 0 };
	cr_Metadata *old = NULL;
	GHashTable *ht = NULL;
	cr_Package **pkgs = NULL;
	bool *owned = NULL;
	cr_Repomd *repomd = NULL;
	char *tmpdir = NULL, *xml = NULL, *repomd_path = NULL, *revision = NULL;
	char *olddir = fs_path_join(repo, "repodata");
	size_t i;
	int ret;

	if ((ret = scan_rpms(&hrefs, repo, NULL, "repodata")) < 0)
		goto cleanup;
	if (hrefs.n)
		qsort(hrefs.v, hrefs.n, sizeof(*hrefs.v), cmp_str);

	old = cr_metadata_new(CR_HT_KEY_HREF, 0, NULL);
	if (fs_is_dir(olddir)) {
		if (cr_metadata_locate_and_load_xml(old, repo, &gerr) != CRE_OK) {
			ret = cr_fail(&gerr, "cannot read the metadata in '%s': %s (remove that "
				      "directory to rebuild it from the packages)", olddir);
			goto cleanup;
		}
		ht = cr_metadata_hashtable(old);
	}

	pkgs = xcalloc(hrefs.n + 1, sizeof(*pkgs));
	owned = xcalloc(hrefs.n + 1, sizeof(*owned));
	for (i = 0; i < hrefs.n; i++) {
		char *path = fs_path_join(repo, hrefs.v[i]);
		cr_Package *p = ht ? g_hash_table_lookup(ht, hrefs.v[i]) : NULL;
		struct stat st;

		if (stat(path, &st) < 0) {
			ret = error_set_errno(ERR_GENERIC, "cannot read '%s'", path);
			free(path);
			goto cleanup;
		}
		if (p && p->time_file == (gint64)st.st_mtime && p->size_package == (gint64)st.st_size) {
			pkgs[i] = p;
			res->reused++;
		} else {
			rpmlogCallback old_cb = rpmlogSetCallback(quiet_log, NULL);

			p = cr_package_from_rpm(path, CR_CHECKSUM_SHA256, hrefs.v[i], NULL,
						CHANGELOG_LIMIT, &st, CR_HDRR_NONE, &gerr);
			rpmlogSetCallback(old_cb, NULL);
			if (!p) {
				ret = cr_fail(&gerr, "cannot read the package '%s': %s", path);
				free(path);
				goto cleanup;
			}
			pkgs[i] = p;
			owned[i] = true;
			res->read++;
		}
		free(path);
	}
	res->total = hrefs.n;

	tmpdir = xasprintf("%s/.repodata.XXXXXX", repo);
	if (!mkdtemp(tmpdir)) {
		ret = error_set_errno(ERR_GENERIC, "cannot create a directory in '%s'", repo);
		free(tmpdir);
		tmpdir = NULL;
		goto cleanup;
	}
	chmod(tmpdir, 0755);
	repomd = cr_repomd_new();
	revision = xasprintf("%lld", (long long)time(NULL));
	cr_repomd_set_revision(repomd, revision);
	if ((ret = write_md_file(repomd, tmpdir, "primary", CR_XMLFILE_PRIMARY, pkgs, hrefs.n)) < 0 ||
	    (ret = write_md_file(repomd, tmpdir, "filelists", CR_XMLFILE_FILELISTS, pkgs, hrefs.n)) < 0 ||
	    (ret = write_md_file(repomd, tmpdir, "other", CR_XMLFILE_OTHER, pkgs, hrefs.n)) < 0)
		goto cleanup;
	cr_repomd_sort_records(repomd);
	xml = cr_xml_dump_repomd(repomd, &gerr);
	if (!xml) {
		ret = cr_fail(&gerr, "cannot write the metadata of '%s': %s", repo);
		goto cleanup;
	}
	repomd_path = fs_path_join(tmpdir, "repomd.xml");
	if ((ret = fs_write_atomic(repomd_path, xml, strlen(xml), 0644)) < 0 ||
	    (ret = fs_fsync_dir(tmpdir)) < 0 || (ret = swap_repodata(repo, tmpdir)) < 0)
		goto cleanup;
	free(tmpdir);
	tmpdir = NULL;
	res->repomd = fs_path_join(olddir, "repomd.xml");
cleanup:
	if (tmpdir) {
		fs_remove_tree(tmpdir);
		free(tmpdir);
	}
	for (i = 0; pkgs && i < hrefs.n; i++)
		if (owned[i] && pkgs[i])
			cr_package_free(pkgs[i]);
	free(pkgs);
	free(owned);
	if (repomd)
		cr_repomd_free(repomd);
	if (old)
		cr_metadata_free(old);
	g_free(xml);
	free(repomd_path);
	free(revision);
	free(olddir);
	strlist_release(&hrefs);
	return ret;
}

/* ---- the .repo snippet ---- */

static char *repo_file_text(const struct publish_opts *o, const char *repo, bool sign)
{
	const char *id = o->repo_id ? o->repo_id : DEFAULT_REPO_ID;
	const char *url = o->baseurl ? o->baseurl : "https://REPLACE-WITH-HOST/PATH";
	struct buf b = BUF_INIT;

	buf_printf(&b, "# /etc/yum.repos.d/%s.repo: the packages of %s\n", id, repo);
	if (!o->baseurl)
		buf_printf(&b, "# replace baseurl with the address where that directory is served\n");
	buf_printf(&b, "[%s]\nname=%s: custom QEMU guest agent packages\n", id, id);
	buf_printf(&b, "baseurl=%s\nenabled=1\n", url);
	if (sign) {
		const char *slash = url[strlen(url) - 1] == '/' ? "" : "/";

		buf_printf(&b, "gpgcheck=1\ngpgkey=%s%s%s\n", url, slash, KEY_FILE);
	} else {
		buf_printf(&b, "gpgcheck=0\n");
	}
	return buf_detach(&b, NULL);
}

static bool valid_repo_id(const char *id)
{
	const char *p;

	if (!*id)
		return false;
	for (p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("-_.:", *p)))
			return false;
	return true;
}

static bool valid_url(const char *url)
{
	const char *p;

	if (!*url)
		return false;
	for (p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

/* ---- the whole run ---- */

void publish_result_release(struct publish_result *r)
{
	size_t i;

	for (i = 0; i < r->npkgs; i++) {
		free(r->pkgs[i].file);
		free(r->pkgs[i].nevra);
		free(r->pkgs[i].sha256);
	}
	free(r->pkgs);
	free(r->repo);
	free(r->repomd);
	free(r->gpgkey);
	free(r->repo_file);
	memset(r, 0, sizeof(*r));
}

int publish_run(struct publish_result *out, const struct publish_opts *o)
{
	struct strlist srcs = { 0 }, bins = { 0 };
	struct pkginfo *infos = NULL;
	char *repo = NULL, *from = NULL, *pkgdir = NULL, *gpg = NULL;
	size_t i, j;
	int ret = 0;
	static bool cr_ready;

	memset(out, 0, sizeof(*out));
	if (!o->outdir || !o->repo)
		return error_set(ERR_BUG, "publish_run: outdir and repo are required");
	if (o->repo_id && !valid_repo_id(o->repo_id))
		return error_set(ERR_INPUT, "'%s': a repository id is letters, digits and '-_.:'",
				 o->repo_id);
	if (o->baseurl && !valid_url(o->baseurl))
		return error_set(ERR_INPUT, "'%s': a base URL has no spaces or control characters",
				 o->baseurl);
	if (o->sign_key && (!*o->sign_key || o->sign_key[0] == '-'))
		return error_set(ERR_INPUT, "'%s': not a key id", o->sign_key);
	if (!fs_is_dir(o->outdir))
		return error_set(ERR_NOTFOUND, "'%s': no such directory", o->outdir);
	if (o->gpg_home && !fs_is_dir(o->gpg_home))
		return error_set(ERR_NOTFOUND, "'%s': no such directory (--gpg-home)", o->gpg_home);

	/* A build's OUTDIR keeps its binary rpms in RPMS/; else take the directory as it is. */
	from = fs_path_join(o->outdir, "RPMS");
	if (!fs_is_dir(from)) {
		free(from);
		from = xstrdup(o->outdir);
	}
	if ((ret = scan_rpms(&srcs, from, NULL, NULL)) < 0)
		goto cleanup;
	if (srcs.n)
		qsort(srcs.v, srcs.n, sizeof(*srcs.v), cmp_str);

	/* Read every header first: nothing changes unless every input is good. */
	infos = xcalloc(srcs.n + 1, sizeof(*infos));
	for (i = 0; i < srcs.n; i++) {
		struct pkginfo info;
		char *p = fs_path_join(from, srcs.v[i]);

		if ((ret = read_pkginfo(&info, p)) < 0) {
			free(p);
			goto cleanup;
		}
		if (info.is_source) {
			pkginfo_release(&info);
			free(p);
			continue;
		}
		infos[bins.n] = info;
		strlist_add(&bins, p);
	}
	out->pkgs = xcalloc(bins.n + 1, sizeof(*out->pkgs));
	if (!bins.n) {
		ret = error_set(ERR_NOTFOUND, "'%s': no binary rpms to publish", from);
		goto cleanup;
	}
	/* Two inputs with one file name would overwrite each other. */
	for (i = 0; i < bins.n; i++) {
		char *a = fs_basename(bins.v[i]);

		for (j = i + 1; j < bins.n && ret == 0; j++) {
			char *b = fs_basename(bins.v[j]);

			if (!strcmp(a, b))
				ret = error_set(ERR_INPUT, "'%s' and '%s': two packages of one name",
						bins.v[i], bins.v[j]);
			free(b);
		}
		free(a);
		if (ret < 0)
			goto cleanup;
	}

	if ((ret = fs_mkdirs(o->repo, 0755)) < 0)
		goto cleanup;
	repo = fs_abspath(o->repo);
	pkgdir = fs_path_join(repo, PACKAGES_DIR);
	if ((ret = fs_mkdirs(pkgdir, 0755)) < 0)
		goto cleanup;
	if (o->sign_key) {
		gpg = gpg_program();
		if (!gpg) {
			ret = error_set(ERR_NOTFOUND, "signing needs gpg, and neither rpm's %%__gpg "
					"nor gpg2 or gpg in PATH is there");
			goto cleanup;
		}
	}

	/* Which inputs are there already (same package), and which name clashes. */
	for (i = 0; i < bins.n; i++) {
		struct publish_pkg *pkg = &out->pkgs[i];
		char *name = fs_basename(bins.v[i]), *rel = fs_path_join(PACKAGES_DIR, name);
		char *dst = fs_path_join(repo, rel);

		out->npkgs++;
		pkg->nevra = xstrdup(infos[i].nevra ? infos[i].nevra : name);
		if (fs_exists(dst)) {
			struct pkginfo there;
			char hex[65];

			ret = read_pkginfo(&there, dst);
			if (ret == 0 && strcmp(there.hdrid, infos[i].hdrid))
				ret = error_set(ERR_EXISTS, "'%s' is already in the repository with "
						"different contents; a published package is never "
						"replaced (give the new build another Release)", rel);
			/* A .repo with gpgcheck=1 would make clients refuse it. */
			if (ret == 0 && o->sign_key && !there.is_signed)
				ret = error_set(ERR_EXISTS, "'%s' is already in the repository without a "
						"signature; --sign does not change published packages "
						"(publish signed builds into a new repository)", rel);
			if (ret == 0 && (ret = hash_sha256_file(hex, dst)) == 0) {
				pkg->file = rel;
				rel = NULL;
				pkg->sha256 = xstrdup(hex);
			}
			pkginfo_release(&there);
		}
		free(name);
		free(rel);
		free(dst);
		if (ret < 0)
			goto cleanup;
	}
	for (i = 0; i < bins.n; i++) {
		if (out->pkgs[i].file)
			continue;
		if ((ret = add_package(&out->pkgs[i], bins.v[i], repo, o, gpg)) < 0)
			goto cleanup;
	}
	if (o->sign_key && (ret = export_key(&out->gpgkey, repo, o, gpg)) < 0)
		goto cleanup;

	if (!cr_ready) {
		cr_xml_dump_init();
		cr_package_parser_init();
		cr_ready = true;
	}
	if ((ret = write_metadata(out, repo)) < 0)
		goto cleanup;
	out->repo_file = repo_file_text(o, repo, o->sign_key != NULL);
	out->repo = repo;
	repo = NULL;
cleanup:
	for (i = 0; infos && i < bins.n; i++)
		pkginfo_release(&infos[i]);
	free(infos);
	strlist_release(&srcs);
	strlist_release(&bins);
	free(repo);
	free(from);
	free(pkgdir);
	free(gpg);
	if (ret < 0)
		publish_result_release(out);
	return ret;
}
