#ifndef QGA_FORGE_WORKSPACE_INTERNAL_H
#define QGA_FORGE_WORKSPACE_INTERNAL_H

/* Shared by the files of the workspace module; not part of its contract. */

#include <stdbool.h>
#include <stddef.h>

#include "workspace.h"
#include "patchgen/patchgen.h"
#include "schemaedit/qapi.h"
#include "util/util.h"

struct json_object;

#define WS_SCHEMA_PATH "qga/qapi-schema.json"

/* ---- state.c ---- */
int ws_state_parse(struct ws_state *st, struct json_object *j, const char *root);
void ws_state_store(struct json_object *j, const struct ws_state *st);
void ws_state_release(struct ws_state *st);
/* Replace *field by a copy of value (NULL allowed). */
void ws_state_set_str(char **field, const char *value);

/* ---- ws.c: the handle ---- */
#define META ".qga-forge"
#define STATE_FILE "state.json"
#define TXN_DIR "txn"

struct ws {
	char *root, *src, *topdir, *meta, *spec;
	int lock_fd;
	struct json_object *state;   /* as read: written back with unknown keys kept */
	struct ws_state info;        /* the typed state, parsed once */
	bool info_changed;           /* ws_edit() was called: store before writing */
};

/* state.json's text (the typed state stored first when it changed). Caller frees. */
char *ws_state_text(struct ws *ws, size_t *len);

/* ---- txn.c ---- */
/* Finish or drop an interrupted transaction (at_open: also git's stale locks). */
int ws_recover_journal(struct ws *ws, bool at_open);

/* The handle now lives at `root` (init renamed its directory); the lock stays. */
void ws_relocate(struct ws *ws, const char *root);

/* ---- progress (op_util.c) ---- */
void ws_emit(const struct ws_progress *p, enum ws_event_kind kind, const char *op, const char *step,
	     const char *message, double seconds);
void ws_info_event(const struct ws_progress *p, const char *op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ws_warn_event(const struct ws_progress *p, const char *op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * A scratch_sweep() report callback (util/scratch.h): one INFO event per
 * leftover removed. `payload` is a struct ws_leftover_report.
 */
struct ws_leftover_report {
	const struct ws_progress *progress;
	const char *op;
};
struct scratch_leftover;
void ws_report_leftover(const struct scratch_leftover *left, void *payload);

/* Report the time since *t as step `what` and restart the clock (*t in seconds). */
void ws_step_time(const struct ws_progress *p, const char *op, double *t, const char *what);

/*
 * The one clean-tree rule: `paths` of WS/src (all of it when n is 0) must
 * hold what HEAD has, or the user's uncommitted edits would end up in our
 * commit: ERR_INPUT naming what is not clean.
 */
int ws_require_clean(struct ws *ws, const char *const *paths, size_t n);

/* Read a file of the data directory (templates/...), capped. */
int ws_read_data(struct buf *b, const char *datadir, const char *name);


/* ---- op_add.c: the add-command pipeline, shared with remove-command ---- */

/*
 * addcmd_prepare() reads the files it edits through `read` (relative paths
 * in the source tree), checks everything, and returns the new file
 * contents, the commit message and the state entries; it writes nothing.
 */
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
	const char *datadir;         /* holds templates/ */
	const struct ws_progress *progress;
	bool qmp;                    /* a QEMU monitor command (qapi/, monitor/), not an agent one */
	bool hmp;                    /* ... with an HMP wrapper */
};

typedef int (*addcmd_read_fn)(struct buf *out, void *arg, const char *rel);

struct addcmd_result {
	struct patchgen_change changes[6];
	struct buf texts[6];
	size_t n;
	char *message;
	/* one entry per command: name, prototype, example, files and the
	 * inputs; "commit" is the caller's to set */
	struct ws_command *entries;
	size_t nentries;
	const char *gen_skipped;     /* why the generator check did not run, or NULL */
	char *notes;                 /* how the inputs were written for this QEMU release
					(qapi_fragment_adapt, qapi_handler_adapt): lines, or NULL */
};

int addcmd_prepare(struct addcmd_result *out, const struct addcmd_input *in,
		   const struct qapi_version *v, addcmd_read_fn read, void *arg);
void addcmd_result_release(struct addcmd_result *r);

/* The inputs recorded in a state entry (pointers into it); false when it has none. */
bool addcmd_input_from_entry(struct addcmd_input *in, const struct ws_command *e);

/* A state entry's kind: true for a QEMU monitor command (QMP); *hmp: with an HMP wrapper. */
bool ws_command_is_qmp(const struct ws_command *e, bool *hmp);

/*
 * emulator.c: the QEMU system emulator among a build's rpms (qemu-kvm in
 * libexec, qemu-system-* in bin) extracted into OUTDIR/emulator/; *out is
 * its path, or NULL when no rpm has one (an agent-only package).
 */
int ws_extract_emulator(char **out, const char *outdir, struct json_object *rpms);

/* The tree's QEMU version: the state's, else WS/src/VERSION. */
int ws_tree_version(struct qapi_version *v, struct ws *ws);

/* ---- op_build.c ---- */
/*
 * ws_op_build() with `extra_timings` (may be NULL) merged into the
 * manifest's timings; *step_out (may be NULL) names the step that failed
 * ("patch", "srpm", "rebuild", "agent", "manifest", "build"), NULL on success.
 */
int ws_build_run(struct ws *ws, const struct ws_build_opts *o, struct json_object *extra_timings,
		 struct json_object **manifest_out, const char **step_out);

/* ---- op_build_external.c ---- */
int ws_build_external(const struct ws_build_opts *o, const char *srpm, const char *outdir,
		      const char *rpmsdir, const char *log, const char *const *defines);
/* Record `seconds` (rounded to ms) as timings[step]. */
void ws_add_timing(struct json_object *timings, const char *step, double seconds);
/* Write OUTDIR/manifest.json (pretty JSON, replaced atomically). */
int ws_write_manifest(const char *outdir, struct json_object *m);


/* ---- op_agent_only.c: build --agent-only ---- */
enum ws_agent_only_mode {
	WS_AGENT_ONLY_NONE,
	WS_AGENT_ONLY_SUBPACKAGE,       /* qemu-guest-agent is a subpackage: derive a spec */
	WS_AGENT_ONLY_WHOLE             /* the src.rpm is qemu-guest-agent itself: build it as is */
};
struct ws_agent_only_plan {
	enum ws_agent_only_mode mode;
	char *vendor_name;              /* the spec's main package */
	char *evr;                      /* qemu-guest-agent's [E:]V-R as the workspace spec has it */
};
/* Which package of the workspace's spec is the agent (rpm's parse); an input error when none. */
int ws_agent_only_plan(struct ws *ws, struct ws_agent_only_plan *out);
void ws_agent_only_plan_release(struct ws_agent_only_plan *p);
/*
 * Derive the agent-only spec of `vendor_spec` (installed in a rebuild
 * topdir): written beside it, where rpmbuild reads it (*spec_out, caller
 * frees), and into OUTDIR for inspection, both NAME.agent-only.spec.
 */
int ws_agent_only_spec(char **spec_out, struct ws *ws, const struct ws_agent_only_plan *plan,
		       const char *vendor_spec, const char *outdir, const struct ws_progress *pr);
/* Remove OUTDIR/NAME.agent-only.spec of an earlier build (every build starts OUT afresh). */
void ws_agent_only_sweep(const char *outdir);

#endif
