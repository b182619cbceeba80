#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "buf.h"
#include "banned.h"

static __thread struct buf message = BUF_INIT;
static __thread int last_code;

int error_setv(int code, const char *fmt, va_list ap)
{
	buf_reset(&message);
	buf_vprintf(&message, fmt, ap);
	last_code = code ? code : ERR_GENERIC;
	return last_code;
}

int error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = error_setv(code, fmt, ap);
	va_end(ap);
	return code;
}

int error_set_errno(int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	code = error_setv(code, fmt, ap);
	va_end(ap);
	buf_printf(&message, ": %s", strerror(saved));
	return code;
}

int error_prefix(int code, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_puts(&b, ": ");
	buf_put(&b, message.ptr, message.len);
	buf_swap(&b, &message);
	buf_release(&b);
	if (!last_code)
		last_code = code;
	return code;
}

const char *error_last(void)
{
	return message.len ? message.ptr : "unknown error";
}

int error_last_code(void)
{
	return last_code;
}

void error_clear(void)
{
	buf_reset(&message);
	last_code = 0;
}

int error_exit_status(int code)
{
	if (code == 0)
		return 0;
	return code == ERR_USAGE ? 2 : 1;
}
