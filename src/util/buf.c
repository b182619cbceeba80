#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "banned.h"

char buf_slopbuf[1];

static void die_oom(size_t n)
{
	fprintf(stderr, "qga-forge: fatal: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die_oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		die_oom(nmemb * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		die_oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p;
	size_t len = strnlen(s, n);

	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return buf_detach(&b, NULL);
}

void buf_init(struct buf *b, size_t hint)
{
	b->ptr = buf_slopbuf;
	b->len = b->alloc = b->cap = 0;
	if (hint)
		buf_grow(b, hint);
}

void buf_release(struct buf *b)
{
	size_t cap = b->cap;

	if (b->alloc)
		free(b->ptr);
	buf_init(b, 0);
	b->cap = cap;
}

void buf_reset(struct buf *b)
{
	buf_truncate(b, 0);
}

char *buf_detach(struct buf *b, size_t *len_out)
{
	char *p;

	if (len_out)
		*len_out = b->len;
	if (!b->alloc)
		p = xstrdup("");
	else
		p = b->ptr;
	b->ptr = buf_slopbuf;
	b->len = b->alloc = 0;
	return p;
}

void buf_swap(struct buf *a, struct buf *b)
{
	struct buf t = *a;

	*a = *b;
	*b = t;
}

void buf_set_cap(struct buf *b, size_t cap)
{
	b->cap = cap;
}

int buf_grow(struct buf *b, size_t extra)
{
	size_t want;

	if (extra > (size_t)-1 - b->len - 1)
		die_oom((size_t)-1);
	want = b->len + extra + 1;
	if (b->cap && b->len + extra > b->cap)
		return error_set(ERR_INPUT, "data exceeds the limit of %zu bytes", b->cap);
	if (want <= b->alloc)
		return 0;
	if (want < b->alloc * 3 / 2)
		want = b->alloc * 3 / 2;
	if (want < 64)
		want = 64;
	if (!b->alloc) {
		b->ptr = xmalloc(want);
		b->ptr[0] = '\0';
	} else {
		b->ptr = xrealloc(b->ptr, want);
	}
	b->alloc = want;
	return 0;
}

int buf_put(struct buf *b, const void *data, size_t len)
{
	if (!len)
		return 0;
	if (buf_grow(b, len) < 0)
		return ERR_INPUT;
	memmove(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_put(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
	return buf_put(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return error_set(ERR_BUG, "bad format string '%s'", fmt);
	if (buf_grow(b, (size_t)n) < 0)
		return ERR_INPUT;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

int buf_splice(struct buf *b, size_t pos, size_t remove, const void *data, size_t len)
{
	if (pos > b->len)
		pos = b->len;
	if (remove > b->len - pos)
		remove = b->len - pos;
	if (len > remove && buf_grow(b, len - remove) < 0)
		return ERR_INPUT;
	if (!b->alloc && !len)
		return 0;
	memmove(b->ptr + pos + len, b->ptr + pos + remove, b->len - pos - remove);
	if (len)
		memcpy(b->ptr + pos, data, len);
	b->len = b->len - remove + len;
	b->ptr[b->len] = '\0';
	return 0;
}

int buf_insert(struct buf *b, size_t pos, const void *data, size_t len)
{
	return buf_splice(b, pos, 0, data, len);
}

void buf_remove(struct buf *b, size_t pos, size_t len)
{
	buf_splice(b, pos, len, NULL, 0);
}

void buf_truncate(struct buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	if (b->alloc)
		b->ptr[len] = '\0';
}

void buf_rtrim(struct buf *b)
{
	while (b->len && (b->ptr[b->len - 1] == ' ' || b->ptr[b->len - 1] == '\t' ||
			  b->ptr[b->len - 1] == '\n' || b->ptr[b->len - 1] == '\r'))
		b->len--;
	if (b->alloc)
		b->ptr[b->len] = '\0';
}

void buf_replace_all(struct buf *b, const char *key, const char *val)
{
	size_t klen = strlen(key), vlen = strlen(val), pos = 0;
	char *hit;

	if (!klen)
		return;
	while (pos <= b->len && (hit = memmem(b->ptr + pos, b->len - pos, key, klen))) {
		size_t at = (size_t)(hit - b->ptr);

		buf_splice(b, at, klen, val, vlen);
		pos = at + vlen;
	}
}
