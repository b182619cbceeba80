#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "specedit/spec.h"
#include "specedit/model.h"
#include "util/error.h"
#include "util/banned.h"

/*
 * What rpm runs while it merely parses a spec. The scan is textual and errs
 * on the side of refusing: a construct counts wherever it is, comments
 * included (rpm expands macros in many of them), and on a line that defines
 * a macro or uses %{expand:...} even an escaped "%%(" counts, because the
 * escape is undone once and the result expanded again.
 */

struct construct {
	const char *text;     /* as written after the '%' run (without it) */
	const char *name;     /* for the message */
	const char *what;
};

/* Recognised after "%{" with any '?' and '!' flags skipped. */
static const struct construct braced[] = {
	{ "lua:", "%{lua:", "Lua code" },
	{ "load:", "%{load:", "a macro file that was not checked" },
};

static bool ident_char(int c)
{
	return isalnum(c) || c == '_';
}

/* Does the logical line [s, s + n) define a macro or re-expand text? */
static bool reexpands(const char *s, size_t n)
{
	size_t i = sm_skip_blanks(s, 0, n);

	if ((n - i >= 7 && !memcmp(s + i, "%global", 7)) ||
	    (n - i >= 7 && !memcmp(s + i, "%define", 7)))
		return true;
	for (; i + 7 <= n; i++)
		if (!memcmp(s + i, "expand:", 7) || !memcmp(s + i, "global:", 7) ||
		    !memcmp(s + i, "define:", 7))
			return true;
	return false;
}

/*
 * The construct at s[j] (just after a run of '%'), or NULL. `line_start`
 * says whether the run began its line (for %include).
 */
static const struct construct *construct_at(const char *s, size_t j, size_t end, bool line_start)
{
	static const struct construct shell = { "(", "%(", "a shell command" };
	static const struct construct lua = { "lua", "%lua", "Lua code" };
	static const struct construct include = { "include", "%include",
						  "a file that was not checked" };
	size_t k, i;

	if (j >= end)
		return NULL;
	if (s[j] == '(')
		return &shell;
	if (s[j] == '{') {
		for (k = j + 1; k < end && (s[k] == '?' || s[k] == '!'); k++)
			;
		for (i = 0; i < sizeof(braced) / sizeof(braced[0]); i++) {
			size_t n = strlen(braced[i].text);

			if (end - k >= n && !memcmp(s + k, braced[i].text, n))
				return &braced[i];
		}
		return NULL;
	}
	if (end - j >= 3 && !memcmp(s + j, "lua", 3) &&
	    (end - j == 3 || !ident_char((unsigned char)s[j + 3])))
		return &lua;
	if (line_start && end - j >= 7 && !memcmp(s + j, "include", 7) &&
	    (end - j == 7 || s[j + 7] == ' ' || s[j + 7] == '\t'))
		return &include;
	return NULL;
}

int spec_find_code(const char *path, const struct buf *text)
{
	const char *s = text->ptr;
	size_t len = text->len, start = 0;
	unsigned line = 1;
	bool continued = false;   /* the line before ended in a backslash and re-expands */

	while (start < len) {
		const char *nl = memchr(s + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - s) : len, i = start;
		size_t first = sm_skip_blanks(s, start, end);
		bool again = continued || reexpands(s + start, end - start);

		while (i < end) {
			const struct construct *c;
			size_t run = 0;

			if (s[i] != '%') {
				i++;
				continue;
			}
			while (i + run < end && s[i + run] == '%')
				run++;
			c = construct_at(s, i + run, end, i == first && run == 1);
			if (c && (run % 2 == 1 || again))
				return error_set(ERR_INPUT, "%s:%u:%zu: '%s' runs %s while rpm reads "
						 "the spec", path, line, i + run - 1 - start + 1, c->name,
						 c->what);
			i += run;
		}
		{
			size_t last = end;

			if (last > start && s[last - 1] == '\r')
				last--;
			continued = again && last > start && s[last - 1] == '\\';
		}
		start = end + 1;
		line++;
	}
	return 0;
}
