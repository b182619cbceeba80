#ifndef QGA_FORGE_BUF_H
#define QGA_FORGE_BUF_H

/*
 * A growable byte buffer.
 *
 * Invariants: `ptr` is never NULL and always NUL-terminated at ptr[len]
 * (an empty, unallocated buffer points at a static empty string, so it can
 * be printed without checks); `len < alloc` whenever alloc != 0.
 *
 * `cap`, when non-zero, is the most bytes the buffer may hold: growing past
 * it fails with ERR_INPUT and a message, which is how untrusted input
 * (agent replies, files from elsewhere) is kept bounded. Without a cap,
 * running out of memory aborts the program (as git does): callers need not
 * check for it.
 *
 * buf_detach() hands the allocation to the caller (free() it) and leaves an
 * empty buffer behind.
 */

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *ptr;
	size_t len;
	size_t alloc;
	size_t cap;
};

extern char buf_slopbuf[];
#define BUF_INIT { buf_slopbuf, 0, 0, 0 }

void buf_init(struct buf *b, size_t hint);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);                  /* len = 0, keeps memory */
char *buf_detach(struct buf *b, size_t *len_out);
void buf_swap(struct buf *a, struct buf *b);
void buf_set_cap(struct buf *b, size_t cap);

/* 0 on success, ERR_INPUT when the cap would be exceeded. */
int buf_grow(struct buf *b, size_t extra);
int buf_put(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Replace every occurrence of `key` by `val` (text inserted is not searched again). */
void buf_replace_all(struct buf *b, const char *key, const char *val);
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Insert or remove bytes at `pos` (pos <= len). */
int buf_insert(struct buf *b, size_t pos, const void *data, size_t len);
void buf_remove(struct buf *b, size_t pos, size_t len);
int buf_splice(struct buf *b, size_t pos, size_t remove, const void *data, size_t len);

void buf_truncate(struct buf *b, size_t len);
void buf_rtrim(struct buf *b);                  /* drop trailing whitespace */

/* Allocation helpers that abort on out-of-memory. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
