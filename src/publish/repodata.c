/* Repository metadata (repodata/). */
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
#include "internal.h"
#include "util/util.h"
#include "util/banned.h"

/* rpm's own messages would go to stderr: this module never prints. */
static int pub_quiet_log(rpmlogRec rec, rpmlogCallbackData data)
{
	(void)rec;
	(void)data;
	return 0;
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
	if ((ret = pub_fsync_file(path)) < 0)
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

int pub_write_metadata(struct publish_result *res, const char *repo)
{
	GError *gerr = NULL;
	struct strvec hrefs = STRVEC_INIT;
	cr_Metadata *old = NULL;
	GHashTable *ht = NULL;
	cr_Package **pkgs = NULL;
	bool *owned = NULL;
	cr_Repomd *repomd = NULL;
	struct scratch fresh = SCRATCH_INIT;
	const char *tmpdir = NULL;
	char *xml = NULL, *repomd_path = NULL, *revision = NULL;
	char *olddir = fs_path_join(repo, "repodata");
	size_t i;
	int ret;

	if ((ret = pub_scan_rpms(&hrefs, repo, "repodata")) < 0)
		goto cleanup;
	if (hrefs.n)
		qsort(hrefs.v, hrefs.n, sizeof(*hrefs.v), pub_cmp_str);

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
			rpmlogCallback old_cb = rpmlogSetCallback(pub_quiet_log, NULL);

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

	/* Owner-marked: a killed run's copy is removed by the next publish (util/scratch.h). */
	if ((ret = scratch_create(&fresh, repo, PUBLISH_FRESH_PREFIX)) < 0)
		goto cleanup;
	tmpdir = fresh.path;
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
	res->repomd = fs_path_join(olddir, "repomd.xml");
cleanup:
	scratch_remove(&fresh);
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
	strvec_clear(&hrefs);
	return ret;
}
