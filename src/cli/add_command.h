#ifndef QGA_FORGE_ADD_COMMAND_H
#define QGA_FORGE_ADD_COMMAND_H

/*
 * The add-command pipeline, shared by `add-command` (on the work tree) and
 * `remove-command` (which rebuilds the later add-command commits on a new
 * parent from the inputs recorded in the workspace state).
 *
 * addcmd_prepare() reads the files it edits through `read` (relative
 * paths in the source tree), checks everything, and returns the new file
 * contents, the commit message and the state entries; it writes nothing.
 */

#include <stdbool.h>
#include <stddef.h>

#include "patchgen/patchgen.h"
#include "schemaedit/qapi.h"
#include "util/buf.h"

struct json_object;

struct addcmd_input {
	const char *origin;          /* how the declaration was given, for messages: "foo.qapi" */
	const char *fragment_name;   /* file name in error messages */
	const char *fragment;        /* QAPI text */
	size_t fragment_len;
	const char *handler_name;    /* NULL: stubs from templates/handler-stub.c.in */
	const char *handler;
	size_t handler_len;
	const char *after;           /* --after NAME or NULL */
	const char *gen_tree;        /* run the tree's generator from here; NULL: don't */
};

typedef int (*addcmd_read_fn)(struct buf *out, void *arg, const char *rel);

struct addcmd_result {
	struct patchgen_change changes[3];
	struct buf texts[3];
	size_t n;
	char *message;
	/* one object per command: name, prototype, example, files, and the
	 * inputs (origin, fragment, handler_name, handler, after); "commit" is
	 * the caller's to add */
	struct json_object *entries;
	const char *gen_skipped;     /* why the generator check did not run, or NULL */
};

int addcmd_prepare(struct addcmd_result *out, const struct addcmd_input *in,
		   const struct qapi_version *v, addcmd_read_fn read, void *arg);
void addcmd_result_release(struct addcmd_result *r);

/* The inputs recorded in a state entry (pointers into the entry); false when it has none. */
bool addcmd_input_from_entry(struct addcmd_input *in, struct json_object *entry);

#endif
