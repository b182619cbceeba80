#include <stdarg.h>
#include <stdlib.h>

#include "strvec.h"
#include "buf.h"
#include "banned.h"

char *strvec_empty[] = { NULL };

void strvec_init(struct strvec *sv)
{
	sv->v = strvec_empty;
	sv->n = sv->alloc = 0;
}

static void push_owned(struct strvec *sv, char *s)
{
	if (sv->n + 2 > sv->alloc) {
		size_t cap = sv->alloc ? sv->alloc * 2 : 8;

		sv->v = xrealloc(sv->alloc ? sv->v : NULL, cap * sizeof(*sv->v));
		sv->alloc = cap;
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void strvec_push_nodup(struct strvec *sv, char *s)
{
	push_owned(sv, s);
}

void strvec_push(struct strvec *sv, const char *s)
{
	push_owned(sv, xstrdup(s));
}

void strvec_pushf(struct strvec *sv, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	push_owned(sv, buf_detach(&b, NULL));
}

void strvec_pushv(struct strvec *sv, const char *const *list)
{
	for (; list && *list; list++)
		strvec_push(sv, *list);
}

void strvec_clear(struct strvec *sv)
{
	size_t i;

	if (sv->alloc) {
		for (i = 0; i < sv->n; i++)
			free(sv->v[i]);
		free(sv->v);
	}
	strvec_init(sv);
}

char **strvec_detach(struct strvec *sv)
{
	char **v = sv->alloc ? sv->v : xcalloc(1, sizeof(*v));

	strvec_init(sv);
	return v;
}

void strvec_free_list(char **list)
{
	size_t i;

	for (i = 0; list && list[i]; i++)
		free(list[i]);
	free(list);
}
