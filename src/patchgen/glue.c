/* libgit2 glue: initialisation, repositories, ids, signatures, errors. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>
#include <zlib.h>

#include "patchgen.h"
#include "internal.h"
#include "util/compat.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/banned.h"

int patchgen_git_fail(int code, const char *fmt, ...)
{
	const git_error *e = git_error_last();
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	error_set(code, "%s: %s", b.ptr, e && e->message ? e->message : "libgit2 error");
	buf_release(&b);
	return code;
}

void pg_lib_init(void)
{
	static int done;

	if (!done) {
		git_libgit2_init();
		done = 1;
	}
}

int pg_open_repo(git_repository **out, const char *dir)
{
	pg_lib_init();
	if (git_repository_open_ext(out, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
		return patchgen_git_fail(ERR_GENERIC, "cannot open the git repository in '%s'", dir);
	return 0;
}

void pg_oid_hex(char out[41], const git_oid *oid)
{
	git_oid_tostr(out, 41, oid);
}

int pg_parse_oid(git_oid *out, const char *hex)
{
	if (!hex || strlen(hex) != 40 || git_oid_fromstr(out, hex) < 0)
		return error_set(ERR_BUG, "'%s' is not a commit id", hex ? hex : "(null)");
	return 0;
}

int pg_lookup_commit(git_commit **out, git_repository *repo, const char *hex)
{
	git_oid oid;

	if (pg_parse_oid(&oid, hex) < 0)
		return ERR_BUG;
	if (git_commit_lookup(out, repo, &oid) < 0)
		return patchgen_git_fail(ERR_NOTFOUND, "commit '%s' not found", hex);
	return 0;
}

int pg_make_sig(git_signature **out, const struct patchgen_sig *sig)
{
	if (git_signature_new(out, sig->name, sig->email, (git_time_t)sig->when, 0) < 0)
		return patchgen_git_fail(ERR_INPUT, "invalid author '%s <%s>'", sig->name, sig->email);
	return 0;
}
