#ifndef QGA_FORGE_SPEC_POLICY_H
#define QGA_FORGE_SPEC_POLICY_H

/*
 * Refusing specs that run code while rpm parses them (%(...), Lua,
 * %include): parsing a spec from an untrusted src.rpm runs that code.
 * The policy is on with `--no-spec-code` (init, spec check) or when the
 * environment has QGA_FORGE_REFUSE_SPEC_CODE set to anything but "" or "0";
 * every command that hands a spec to rpm (init, forge, spec, patch, build,
 * agent) checks it first, before librpm reads a line of it.
 */

#include <stdbool.h>

/* True when the environment asks for the policy. */
bool spec_policy_from_env(void);

/*
 * With `option` or the environment asking for it: read the spec at `path`
 * and fail (ERR_INPUT, "LABEL:LINE:COL: '%(' runs a shell command while rpm
 * reads the spec; refused (...)") when it holds such code. `label` names
 * the spec in the message (NULL: path). 0 otherwise, and always 0 when the
 * policy is off.
 */
int spec_policy_check(const char *path, const char *label, bool option);

#endif
