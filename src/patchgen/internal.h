#ifndef QGA_FORGE_PATCHGEN_INTERNAL_H
#define QGA_FORGE_PATCHGEN_INTERNAL_H

/* Shared by the files of the patchgen module only. */

/*
 * Set an error message "CONTEXT: libgit2's last message" and return code:
 * libgit2's errors are wrapped once, where they happen.
 */
int patchgen_git_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
