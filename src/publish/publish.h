#ifndef QGA_FORGE_PUBLISH_H
#define QGA_FORGE_PUBLISH_H

/*
 * Publishing: binary rpms of a build into a yum repository directory.
 *
 * publish_run() copies the binary packages of a build's OUTDIR into
 * REPO/Packages/, optionally signing each copy with rpm's signing library
 * before it is renamed into place, and then writes REPO/repodata/ with
 * libcreaterepo_c (primary, filelists, other, gzip, sha256, repomd.xml).
 *
 * Metadata is incremental: a package whose record in the existing
 * repodata has the same location, size and mtime is not read again; its
 * record is reused as it is (what `createrepo_c --update` does). Every
 * other rpm found under REPO is read. The new repodata/ is built beside the
 * old one and exchanged with it in one rename, so a reader (or a run after
 * a crash) sees the old metadata or the new, never a mix.
 *
 * A package whose file name is already in the repository is left alone
 * when it is the same package (same header digest: signing does not change
 * it) and refused when it differs: a published name never changes content.
 *
 * Functions return 0 or a negative error code with a message
 * (util/error.h); they never print.
 */

#include <stdbool.h>
#include <stddef.h>

/*
 * The new metadata is written in REPO/.repodata.XXXXXX, an owner-marked
 * scratch directory (util/scratch.h): callers sweep REPO for this prefix
 * before a run, so a killed run leaves nothing for long.
 */
#define PUBLISH_FRESH_PREFIX ".repodata."
/* A package being copied in: REPO/Packages/.NAME.qga-forge-XXXXXX, locked while written. */
#define PUBLISH_TEMP_PREFIX "."
#define PUBLISH_PACKAGES_DIR "Packages"

struct publish_opts {
	const char *outdir;    /* a build's OUTDIR (OUTDIR/RPMS/ is searched), or any
	                          directory of rpms; source packages are skipped */
	const char *repo;      /* the repository directory; created when missing */
	const char *sign_key;  /* %_gpg_name: a key id, fingerprint or user id; NULL: no signing */
	const char *gpg_home;  /* %_gpg_path (GNUPGHOME); NULL: gpg's default */
	const char *repo_id;   /* the .repo section name; NULL: "qga-forge" */
	const char *baseurl;   /* the .repo baseurl; NULL: a placeholder to replace */
};

struct publish_pkg {
	char *file;    /* the path inside the repository ("Packages/x-1-1.noarch.rpm") */
	char *nevra;   /* name-[epoch:]version-release.arch */
	char *sha256;  /* of the file as it is in the repository */
	bool added;    /* copied by this run (false: already there, same package) */
	bool signed_here; /* signed by this run */
};

struct publish_result {
	char *repo;            /* absolute path of the repository */
	struct publish_pkg *pkgs; /* the packages of OUTDIR, in file name order */
	size_t npkgs;
	size_t total;          /* packages in the repository's metadata */
	size_t reused;         /* records taken from the previous metadata */
	size_t read;           /* packages read to make their records */
	char *repomd;          /* path of the new repomd.xml */
	char *gpgkey;          /* path of the exported public key (signed runs), else NULL */
	char *repo_file;       /* the text of a .repo file for this repository */
};

#define PUBLISH_RESULT_INIT { NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL }

int publish_run(struct publish_result *out, const struct publish_opts *opts);
void publish_result_release(struct publish_result *r);

#endif
