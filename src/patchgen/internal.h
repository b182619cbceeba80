#ifndef QGA_FORGE_PATCHGEN_INTERNAL_H
#define QGA_FORGE_PATCHGEN_INTERNAL_H

/* Shared by the files of the patchgen module only. */

/*
 * Set an error message "CONTEXT: libgit2's last message" and return code:
 * libgit2's errors are wrapped once, where they happen.
 */
int patchgen_git_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <git2.h>

#include "patchgen.h"

/* glue.c: libgit2 set up once; repositories, ids and signatures with their errors wrapped. */
void pg_lib_init(void);
int pg_open_repo(git_repository **out, const char *dir);
void pg_oid_hex(char out[41], const git_oid *oid);
int pg_parse_oid(git_oid *out, const char *hex);
int pg_lookup_commit(git_commit **out, git_repository *repo, const char *hex);
int pg_make_sig(git_signature **out, const struct patchgen_sig *sig);

#endif
