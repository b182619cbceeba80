#ifndef QGA_FORGE_WORKSPACE_RPC_POLICY_H
#define QGA_FORGE_WORKSPACE_RPC_POLICY_H

/*
 * The vendor's RPC policy, as part of `patch`: every added command must be
 * callable under the configuration the package ships. Each Source of the
 * spec that is an RPC policy file (a sysconfig environment file with
 * BLACKLIST_RPC, BLOCK_RPCS or FILTER_RPC_ARGS, or a qemu-ga.conf with
 * block-rpcs, blacklist or allow-rpcs; see deploy/deploy.h) is read:
 *   - a block list naming a command refuses the sync (FILE:LINE:COL);
 *   - an allow-list gets the commands appended, in the file's own format,
 *     as a new Source file "<vendor name>.qga-forge" in SOURCES, and the
 *     spec's SourceN tag points at it (the vendor's file stays beside it);
 *   - when nothing needs adding, a SourceN qga-forge pointed elsewhere
 *     before is pointed back and its file removed.
 * The state entry "rpc_policy" ([{"number", "vendor", "file"}]) records
 * what qga-forge changed, so a second run changes nothing.
 */

#include <stddef.h>

#include "util/buf.h"

struct json_object;
struct spec_query_opts;

struct rpc_policy_file {
	char *path;        /* SOURCES/<name> to write (data) or to delete (data NULL) */
	struct buf data;
	bool remove;
};

struct rpc_policy_result {
	struct rpc_policy_file *files;
	size_t nfiles;
	char *changelog;            /* items for the changelog entry, or NULL */
	struct json_object *state;  /* the new "rpc_policy" entry (a new reference), NULL when empty */
};

/*
 * `text` is the spec being synced (edited in place); `prev` the state's
 * "rpc_policy" entry or NULL. Returns 0 or a negative code (ERR_INPUT for
 * a blocked command, the message naming the file, line and column).
 */
int rpc_policy_sync(struct rpc_policy_result *out, const char *spec, struct buf *text,
		    const char *sourcedir, const char *const *cmds, size_t ncmds,
		    struct json_object *prev, const struct spec_query_opts *q);
void rpc_policy_result_release(struct rpc_policy_result *r);

#endif
