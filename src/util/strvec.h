#ifndef QGA_FORGE_STRVEC_H
#define QGA_FORGE_STRVEC_H

/*
 * A growable, NULL-terminated vector of owned strings (git's strvec):
 * argv arrays, lists of defines, lists of paths.
 *
 * Invariants: `v` is never NULL (an empty vector points at a static empty
 * list until the first push) and v[n] == NULL, so v can be passed wherever
 * a `const char *const *` list is expected.
 */

#include <stddef.h>

struct strvec {
	char **v;
	size_t n, alloc;
};

extern char *strvec_empty[];
#define STRVEC_INIT { strvec_empty, 0, 0 }

void strvec_init(struct strvec *sv);
/* Append a copy of s. */
void strvec_push(struct strvec *sv, const char *s);
/* Append s itself (malloc()ed; the vector owns it from now on). */
void strvec_push_nodup(struct strvec *sv, char *s);
void strvec_pushf(struct strvec *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append copies of every string of a NULL-terminated list (NULL: none). */
void strvec_pushv(struct strvec *sv, const char *const *list);
/* As a const list for APIs taking `const char *const *`. */
#define strvec_list(sv) ((const char *const *)(sv)->v)
void strvec_clear(struct strvec *sv);
/* Hand the NULL-terminated array to the caller (free each, then it); sv is emptied. */
char **strvec_detach(struct strvec *sv);
/* Free a detached array. NULL is fine. */
void strvec_free_list(char **list);

#endif
