#ifndef QGA_FORGE_PUBLISH_INTERNAL_H
#define QGA_FORGE_PUBLISH_INTERNAL_H

/* Shared by the files of the publish module only. */

#include <stdbool.h>

#include "publish.h"

struct strvec;

#define PACKAGES_DIR PUBLISH_PACKAGES_DIR
#define DEFAULT_REPO_ID "qga-forge"
#define KEY_FILE "RPM-GPG-KEY-qga-forge"
#define SIGN_TIMEOUT_MS (120 * 1000)
/* Changelog entries kept per package in other.xml (createrepo_c's default is all). */
#define CHANGELOG_LIMIT 10

/* publish.c */
int pub_cmp_str(const void *a, const void *b);
bool pub_ends_with(const char *s, const char *suffix);
int pub_scan_rpms(struct strvec *out, const char *dir, const char *skip);
int pub_fsync_file(const char *path);

/* headers.c: what publish needs of a package header (the rpm module reads it) */
struct pkginfo {
	char *nevra;
	char *hdrid;     /* the header digest: unchanged by signing */
	bool is_source;
	bool is_signed;  /* carries an OpenPGP signature */
};
int pub_read_pkginfo(struct pkginfo *out, const char *path);
void pub_pkginfo_release(struct pkginfo *p);

/* sign.c: signing with librpmsign and gpg, the public key exported */
char *pub_gpg_program(void);
int pub_sign_package(const char *path, const char *display, const struct publish_opts *o,
		 const char *gpg);
int pub_export_key(char **path_out, const char *repo, const struct publish_opts *o, const char *gpg);

/* repodata.c: repodata/ written with libcreaterepo_c, swapped in atomically */
int pub_write_metadata(struct publish_result *res, const char *repo);

#endif
