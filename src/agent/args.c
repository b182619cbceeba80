#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "agent/qga.h"
#include "agent/json-compat.h"
#include "util/util.h"
#include "util/banned.h"

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

/*
 * QEMU 2.12's rule (scripts/qapi.py, valid_name) is the loosest of all
 * versions: later ones only narrow it, and the agent answers
 * CommandNotFound for anything it does not know, so the client accepts
 * every name some version could have generated.
 */
bool qga_valid_command_name(const char *name)
{
	const char *p = name;

	if (!name || !*name || strlen(name) > QGA_NAME_MAX)
		return false;
	if (p[0] == '_' && p[1] == '_') {
		const char *q = p + 2;

		while (is_alnum(*q) || *q == '.' || *q == '-')
			q++;
		if (q == p + 2 || *q != '_')
			return false;
		p = q + 1;
	}
	if (!is_alpha(*p))
		return false;
	for (p++; *p; p++)
		if (!is_alnum(*p) && *p != '-' && *p != '_')
			return false;
	return true;
}

static void put_quoted(struct buf *b, const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '\'' || c == '\\')
			buf_printf(b, "\\x%02x", c);
		else
			buf_putc(b, (char)c);
	}
	if (s[i])
		buf_puts(b, "...");
}

int qga_check_command_name(const char *name)
{
	struct buf b = BUF_INIT;
	int ret;

	if (qga_valid_command_name(name))
		return 0;
	if (!name || !*name)
		return error_set(ERR_INPUT, "empty command name");
	put_quoted(&b, name, 64);
	if (strlen(name) > QGA_NAME_MAX)
		ret = error_set(ERR_INPUT, "'%s': command name longer than %d bytes",
				b.ptr, QGA_NAME_MAX);
	else
		ret = error_set(ERR_INPUT, "'%s': not a command name (a letter, then letters, "
				"digits, '-' or '_')", b.ptr);
	buf_release(&b);
	return ret;
}

static void line_col(const char *text, size_t off, int *line, int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && text[i]; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static int args_error(const char *label, const char *text, size_t off, const char *what)
{
	int line, col;

	line_col(text, off, &line, &col);
	return error_set(ERR_INPUT, "%s:%d:%d: %s", label, line, col, what);
}

/* Parse the object that starts at text[start]; positions are given in all of text. */
static int parse_object_at(struct json_object **out, const char *text, size_t start,
			   const char *label)
{
	struct json_tokener *tok = NULL;
	struct json_object *obj = NULL;
	enum json_tokener_error jerr;
	size_t len = strlen(text + start), end, i;
	int ret = 0;

	*out = NULL;
	tok = json_tokener_new_ex(QGA_JSON_DEPTH);
	if (!tok)
		return error_set(ERR_GENERIC, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | QGA_JSON_VALIDATE_UTF8 |
				    QGA_JSON_ALLOW_TRAILING);
	for (i = start; text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'; i++)
		;
	if (!text[i]) {
		ret = args_error(label, text, i, "expected a JSON object");
		goto cleanup;
	}
	if (text[i] != '{') {
		ret = args_error(label, text, i, "expected a JSON object ('{')");
		goto cleanup;
	}
	obj = json_tokener_parse_ex(tok, text + start, (int)len);
	jerr = json_tokener_get_error(tok);
	end = start + qga_json_parse_end(tok);
	if (jerr == json_tokener_continue) {
		ret = args_error(label, text, start + len, "unexpected end of the JSON object");
		goto cleanup;
	}
	if (jerr != json_tokener_success) {
		struct buf what = BUF_INIT;

		buf_puts(&what, json_tokener_error_desc(jerr));
		if (text[end]) {
			buf_puts(&what, " near '");
			put_quoted(&what, text + end, 16);
			buf_putc(&what, '\'');
		}
		ret = args_error(label, text, end, what.ptr);
		buf_release(&what);
		goto cleanup;
	}
	for (i = end; text[i]; i++) {
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r') {
			ret = args_error(label, text, i, "unexpected text after the JSON object");
			goto cleanup;
		}
	}
	*out = obj;
	obj = NULL;
cleanup:
	json_object_put(obj);
	json_tokener_free(tok);
	return ret;
}

int qga_parse_args(struct json_object **out, const char *text, const char *label)
{
	*out = NULL;
	if (!text)
		return error_set(ERR_BUG, "qga_parse_args: no text");
	return parse_object_at(out, text, 0, label ? label : "arguments");
}

int qga_parse_call(char **name_out, struct json_object **args_out, const char *spec)
{
	const char *p = spec, *start;
	char *name = NULL, *label = NULL;
	struct json_object *args = NULL;
	int ret = 0;

	*name_out = NULL;
	*args_out = NULL;
	while (*p && isspace((unsigned char)*p))
		p++;
	start = p;
	while (*p && !isspace((unsigned char)*p) && *p != '{')
		p++;
	name = xstrndup(start, (size_t)(p - start));
	if (!*name) {
		ret = error_set(ERR_INPUT, "'%s': expected 'NAME [JSON-ARGS]'", spec);
		goto cleanup;
	}
	ret = qga_check_command_name(name);
	if (ret < 0)
		goto cleanup;
	while (*p && isspace((unsigned char)*p))
		p++;
	if (*p) {
		label = xasprintf("arguments of '%s'", name);
		ret = parse_object_at(&args, spec, (size_t)(start - spec) + strlen(name), label);
		if (ret < 0)
			goto cleanup;
	}
	*name_out = name;
	*args_out = args;
	name = NULL;
	args = NULL;
cleanup:
	free(name);
	free(label);
	json_object_put(args);
	return ret;
}

int qga_request_args(char **out, const char *name, struct json_object *request)
{
	struct json_object *exe = NULL, *args = NULL;

	*out = NULL;
	if (!json_object_is_type(request, json_type_object))
		return error_set(ERR_INPUT, "example request of '%s' is not a JSON object", name);
	if (!json_object_object_get_ex(request, "execute", &exe) ||
	    !json_object_is_type(exe, json_type_string))
		return error_set(ERR_INPUT, "example request of '%s' has no \"execute\" string", name);
	if (strcmp(json_object_get_string(exe), name) != 0)
		return error_set(ERR_INPUT, "example request of '%s' executes '%s'", name,
				 json_object_get_string(exe));
	if (!json_object_object_get_ex(request, "arguments", &args) || !args)
		return 0;
	if (!json_object_is_type(args, json_type_object))
		return error_set(ERR_INPUT, "example request of '%s': \"arguments\" is not an object",
				 name);
	*out = xstrdup(json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN |
						      QGA_JSON_NOSLASHESCAPE));
	return 0;
}

#define MAX_TIMEOUT_S 86400.0

int qga_parse_timeout(int *out_ms, const char *text, const char *label)
{
	char *end = NULL;
	double s;

	*out_ms = 0;
	if (!text)
		return 0;
	errno = 0;
	s = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(s) || s <= 0 || s > MAX_TIMEOUT_S)
		return error_set(ERR_INPUT, "%s '%s': expected a number of seconds above 0 "
				 "and at most %.0f", label ? label : "timeout", text, MAX_TIMEOUT_S);
	*out_ms = (int)(s * 1000 + 0.5);
	if (*out_ms < 1)
		*out_ms = 1;
	return 0;
}
