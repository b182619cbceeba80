/* Signing packages and exporting the public key. */
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
#include "rpm/srpm.h"
#include "util/util.h"
#include "util/banned.h"

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
char *pub_gpg_program(void)
{
	char *g = srpm_expand("%{?__gpg}");

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

	if (rpmcfg_setup(NULL, NULL) < 0) {
		rpmlog(RPMLOG_ERR, "%s\n", error_last());
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

int pub_sign_package(const char *path, const char *display, const struct publish_opts *o,
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
int pub_export_key(char **path_out, const char *repo, const struct publish_opts *o,
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
