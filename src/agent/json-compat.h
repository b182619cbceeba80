#ifndef QGA_FORGE_AGENT_JSON_COMPAT_H
#define QGA_FORGE_AGENT_JSON_COMPAT_H

/*
 * Internal to the agent module: json-c differences between the versions
 * the project builds with (0.11 on CentOS 7 to current Fedora).
 */

#include <json-c/json.h>

/* Nesting depth accepted in agent replies and arguments. */
#define QGA_JSON_DEPTH 128

#ifdef JSON_TOKENER_VALIDATE_UTF8
#define QGA_JSON_VALIDATE_UTF8 JSON_TOKENER_VALIDATE_UTF8
#else
#define QGA_JSON_VALIDATE_UTF8 0
#endif

/* Trailing text is reported by the caller, with a better message. */
#ifdef JSON_TOKENER_ALLOW_TRAILING_CHARS
#define QGA_JSON_ALLOW_TRAILING JSON_TOKENER_ALLOW_TRAILING_CHARS
#else
#define QGA_JSON_ALLOW_TRAILING 0
#endif

#ifdef JSON_C_TO_STRING_NOSLASHESCAPE
#define QGA_JSON_NOSLASHESCAPE JSON_C_TO_STRING_NOSLASHESCAPE
#else
#define QGA_JSON_NOSLASHESCAPE 0
#endif

/* Bytes of the last chunk the tokener used (before 0.15: a public field). */
#if defined(JSON_C_VERSION_NUM) && JSON_C_VERSION_NUM >= ((0 << 16) | (15 << 8))
#define qga_json_parse_end(tok) json_tokener_get_parse_end(tok)
#else
#define qga_json_parse_end(tok) ((size_t)(tok)->char_offset)
#endif

#endif
