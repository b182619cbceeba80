#ifndef QGA_FORGE_ERROR_H
#define QGA_FORGE_ERROR_H

/*
 * Error reporting for library modules.
 *
 * A module function that fails sets a message with error_set() (or one of
 * its relatives) and returns a negative code; it never prints and never
 * exits. Only src/cli/ reads the message (error_last()) and turns the code
 * into an exit status (error_exit_status()).
 *
 * The message is per thread. A new error_set() replaces the previous
 * message; error_prefix() adds context in front of it ("'x.spec': ...").
 *
 * Message style: lowercase, no full stop, the subject quoted, and for
 * rejected input the location first: "foo.qapi:12:5: unknown type 'frob'".
 */

#include <stdarg.h>

enum error_code {
	ERR_OK = 0,
	ERR_GENERIC = -1,  /* an operation failed (I/O, a library call, a child) */
	ERR_INPUT = -2,    /* user input was rejected: a bad file, argument or value */
	ERR_NOTFOUND = -3, /* something that should exist does not */
	ERR_EXISTS = -4,   /* something that should not exist does */
	ERR_LOCKED = -5,   /* another qga-forge process holds the workspace */
	ERR_USAGE = -6,    /* the command line is wrong (exit status 2) */
	ERR_BUG = -7       /* an internal inconsistency: a bug of qga-forge */
};

/* Set the message and return code (so callers can `return error_set(...)`). */
int error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int error_setv(int code, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Like error_set(), appending ": strerror(errno)" (errno read on entry). */
int error_set_errno(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prepend "CONTEXT: " to the current message; returns code unchanged. */
int error_prefix(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The current message, or "unknown error" when none is set. Never NULL. */
const char *error_last(void);

/* The code of the last error_set(), 0 if none. */
int error_last_code(void);

void error_clear(void);

/* 2 for ERR_USAGE, 1 for every other negative code, 0 for 0. */
int error_exit_status(int code);

#endif
