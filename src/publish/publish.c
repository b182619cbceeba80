#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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
#include "internal.h"
#include "util/util.h"
#include "util/banned.h"

int pub_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool pub_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/*
 * Every *.rpm under `dir` (recursively; hidden entries and the top-level
 * directory `skip` left out), as paths relative to `dir`. Source packages
 * are left out by name here and by header later.
 */
int pub_scan_rpms(struct strvec *out, const char *dir, const char *skip)
{
	struct strvec all = STRVEC_INIT;
	size_t i, n = skip ? strlen(skip) : 0;
	int ret = fs_find_files(&all, dir, ".rpm");

	for (i = 0; !ret && i < all.n; i++) {
		const char *r = all.v[i];

		if ((skip && !strncmp(r, skip, n) && r[n] == '/') || pub_ends_with(r, ".src.rpm"))
			continue;
		strvec_push(out, r);
	}
	strvec_clear(&all);
	return ret;
}

/* ---- copying packages in ---- */

int pub_fsync_file(const char *path)
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
 * The temporary file (PUBLISH_TEMP_PREFIX + name + FS_TEMP_INFIX + six
 * characters) is locked until its rename: the next publish removes one a
 * killed run left (util/scratch.h scratch_sweep_files).
 */
static int add_package(struct publish_pkg *pkg, const char *src, const char *repo,
		       const struct publish_opts *o, const char *gpg)
{
	char *name = fs_basename(src), *rel = fs_path_join(PACKAGES_DIR, name);
	char *dst = fs_path_join(repo, rel), *tmp = NULL, hex[65];
	int fd = -1, ret;

	tmp = xasprintf("%s/%s/" PUBLISH_TEMP_PREFIX "%s" FS_TEMP_INFIX "XXXXXX", repo, PACKAGES_DIR,
			name);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot create a file in '%s/%s'", repo, PACKAGES_DIR);
		if (fd < 0) {
			free(tmp);
			tmp = NULL;
		}
		goto cleanup;
	}
	if ((ret = fs_copy_file(src, tmp)) < 0 || chmod(tmp, 0644) < 0)
		goto cleanup;
	if (o->sign_key) {
		if ((ret = pub_sign_package(tmp, name, o, gpg)) < 0)
			goto cleanup;
		pkg->signed_here = true;
	}
	if ((ret = pub_fsync_file(tmp)) < 0 || (ret = hash_sha256_file(hex, tmp)) < 0)
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
	if (fd >= 0)
		close(fd);
	free(name);
	free(rel);
	free(dst);
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
	struct strvec srcs = STRVEC_INIT, bins = STRVEC_INIT;
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
	if ((ret = pub_scan_rpms(&srcs, from, NULL)) < 0)
		goto cleanup;
	if (srcs.n)
		qsort(srcs.v, srcs.n, sizeof(*srcs.v), pub_cmp_str);

	/* Read every header first: nothing changes unless every input is good. */
	infos = xcalloc(srcs.n + 1, sizeof(*infos));
	for (i = 0; i < srcs.n; i++) {
		struct pkginfo info;
		char *p = fs_path_join(from, srcs.v[i]);

		if ((ret = pub_read_pkginfo(&info, p)) < 0) {
			free(p);
			goto cleanup;
		}
		if (info.is_source) {
			pub_pkginfo_release(&info);
			free(p);
			continue;
		}
		infos[bins.n] = info;
		strvec_push_nodup(&bins, p);
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
		gpg = pub_gpg_program();
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

			ret = pub_read_pkginfo(&there, dst);
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
			pub_pkginfo_release(&there);
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
	if (o->sign_key && (ret = pub_export_key(&out->gpgkey, repo, o, gpg)) < 0)
		goto cleanup;

	if (!cr_ready) {
		cr_xml_dump_init();
		cr_package_parser_init();
		cr_ready = true;
	}
	if ((ret = pub_write_metadata(out, repo)) < 0)
		goto cleanup;
	out->repo_file = repo_file_text(o, repo, o->sign_key != NULL);
	out->repo = repo;
	repo = NULL;
cleanup:
	for (i = 0; infos && i < bins.n; i++)
		pub_pkginfo_release(&infos[i]);
	free(infos);
	strvec_clear(&srcs);
	strvec_clear(&bins);
	free(repo);
	free(from);
	free(pkgdir);
	free(gpg);
	if (ret < 0)
		publish_result_release(out);
	return ret;
}
