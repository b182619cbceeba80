#ifndef QGA_FORGE_WS_H
#define QGA_FORGE_WS_H

/*
 * The lower half of the workspace module: the handle, the typed state, the
 * lock and crash-safe transactions. The operations built on them (init,
 * add-command, build, forge, ...) are in workspace.h, which includes this.
 *
 * A qga-forge workspace:
 *
 *   WS/.qga-forge/state.json   what the workspace is (json-c object, below)
 *   WS/.qga-forge/lock         flock()ed by the one process that has it open
 *   WS/.qga-forge/txn/         journal of a multi-file edit in progress
 *   WS/.qga-forge/logs/        logs of %prep and builds
 *   WS/rpmbuild/{SPECS,SOURCES} the installed src.rpm (private _topdir)
 *   WS/src/                    the tree after %prep: a git work tree,
 *                              branch `upstream` = baseline, `forge` = ours
 *
 * state.json keys: "format" (1), "srpm" {path, sha256, name, epoch,
 * version, release, nevr}, "spec" (path relative to WS), "qemu_version",
 * "baseline" (commit id), "defines" [..], "distribution_patches" (count),
 * "commands" [ {name, commit, prototype, example, files, origin, fragment,
 * handler_name, handler, after} ], "patches" [ {name, number, commit,
 * subject, sha256} ], "spec_sync" {bumped, header, changelog}, "agent",
 * "qga_forge_version": struct ws_state below. Unknown keys are kept.
 *
 * Locking: ws_open() takes an exclusive flock on WS/.qga-forge/lock, waiting
 * up to QGA_FORGE_LOCK_TIMEOUT seconds (default 30) for another qga-forge
 * process to finish, then fails with ERR_LOCKED naming that process. The
 * kernel drops the lock when its holder dies, so there are no stale locks.
 *
 * Crash safety: ws_open() finishes or undoes an interrupted transaction
 * before returning, so callers always see every file all old or all new.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct json_object;
struct ws;
struct ws_txn;

/*
 * Create the workspace metadata in `dir` (which must exist) and lock it.
 * Used by `init`; state starts as {"format": 1}.
 */
int ws_create(struct ws **out, const char *dir);

/*
 * Open the workspace at `dir`, or when dir is NULL the one containing the
 * current directory (searched upward). Takes the lock and recovers.
 */
int ws_open(struct ws **out, const char *dir);

/* Release the lock and free. NULL is fine. */
void ws_free(struct ws *ws);

const char *ws_root(const struct ws *ws);     /* absolute WS */
const char *ws_src_dir(const struct ws *ws);  /* absolute WS/src */
const char *ws_topdir(const struct ws *ws);   /* absolute WS/rpmbuild */
const char *ws_meta_dir(const struct ws *ws); /* absolute WS/.qga-forge */

/* Absolute path of the spec (from state "spec"); NULL before init sets it. */
const char *ws_spec_path(const struct ws *ws);

/* state "qemu_version", or NULL. */
const char *ws_qemu_version(const struct ws *ws);

/*
 * The typed state: state.json parsed once by ws_open(). Read it with
 * ws_info(); change it through ws_edit() (which marks it changed), and the
 * next ws_txn_commit() or ws_save_state() writes it. Keys it does not know
 * (at the top, in "srpm" and in each command and patch entry) are kept as
 * they were. Strings are owned by the state; replace them with the
 * ws_state_* helpers or free()/xstrdup() by hand.
 */
struct ws_srpm {
	char *path, *sha256, *name, *epoch, *version, *release, *nevr;  /* epoch may be NULL */
};

/* A command add-command added, with the inputs it was made from. */
struct ws_command {
	char *name;
	char *commit;                 /* the commit that added it */
	char *prototype;              /* its C prototype */
	struct json_object *example;  /* the doc's example request, or NULL */
	char **files;                 /* paths in WS/src the commit changed (NULL-terminated) */
	size_t nfiles;
	/* the recorded inputs, to make the commit again on another parent */
	char *origin;                 /* "foo.qapi" or "--name NAME" */
	char *fragment;               /* the QAPI text */
	size_t fragment_len;
	char *handler_name;           /* base name of the handler file, or NULL (stubs) */
	char *handler;                /* its text */
	size_t handler_len;
	char *after;                  /* --after NAME, or NULL */
	struct json_object *raw;      /* the entry as read (unknown keys), or NULL */
};

/* A patch of the series that `patch` exported into SOURCES. */
struct ws_patch {
	char *name;
	int number;
	char *commit, *subject, *sha256;
	struct json_object *raw;
};

struct ws_state {
	int format;
	bool has_srpm;
	struct ws_srpm srpm;
	char *spec;                   /* relative to WS */
	char *qemu_version;
	char *baseline;               /* commit id */
	char **defines;               /* "MACRO VALUE", NULL-terminated (never NULL once parsed) */
	size_t ndefines;
	int distribution_patches;
	struct ws_command *commands;
	size_t ncommands;
	bool has_patches;             /* "patches" present (an empty list counts) */
	struct ws_patch *patches;
	size_t npatches;
	bool has_spec_sync;           /* "spec_sync": what `patch` did to Release and %changelog */
	bool sync_bumped;
	char *sync_header;
	char *sync_changelog;
	char *agent;                  /* the last agent built, or NULL */
	char *qga_forge_version;      /* of the init that made the workspace */
};

const struct ws_state *ws_info(const struct ws *ws);
struct ws_state *ws_edit(struct ws *ws);

/* The command named `name`, or NULL. */
const struct ws_command *ws_find_command(const struct ws_state *st, const char *name);

/* Deep copies and releases of entries (for results that outlive the handle). */
void ws_command_copy(struct ws_command *dst, const struct ws_command *src);
void ws_command_release(struct ws_command *c);
void ws_commands_free(struct ws_command *v, size_t n);

/* An entry as state.json has it (a new reference). */
struct json_object *ws_command_json(const struct ws_command *c);
struct json_object *ws_patch_json(const struct ws_patch *p);
void ws_patch_copy(struct ws_patch *dst, const struct ws_patch *src);
void ws_patches_free(struct ws_patch *v, size_t n);

/* state as JSON exactly as it would be written (a new reference). */
struct json_object *ws_state_json(struct ws *ws);

/*
 * The raw state object (borrowed), for keys the typed state does not know.
 * Changing a key the typed state knows through it is seen by ws_spec_path()
 * and ws_qemu_version(), not by ws_info(); do not mix both in one change.
 */
struct json_object *ws_state(struct ws *ws);

/* Write state.json alone, atomically (the typed state included when changed). */
int ws_save_state(struct ws *ws);

/* Join a relative path onto WS. Caller frees. */
char *ws_path(const struct ws *ws, const char *rel);

/*
 * Transactions: several files (inside WS) replaced or deleted, the git ref of
 * the work tree moved, and state.json saved, all or nothing.
 *
 *   ws_txn_begin(&t, ws);
 *   ws_txn_put(t, path, data, len, 0644); ...   staged, nothing visible yet
 *   ws_txn_delete(t, path); ...
 *   ws_txn_set_ref(t, "refs/heads/forge", old_hex, new_hex);
 *   ws_txn_commit(t);   commit point, then applied; state.json included
 *
 * ws_txn_put()'s mode is the file's new mode; 0 keeps the mode of an
 * existing file (0644 for a new one). Targets must lie inside WS, outside
 * WS/.qga-forge, once symbolic links in their directories are resolved
 * (a link planted in the workspace cannot carry a write out of it), and
 * ws_txn_put() refuses a target that is itself a link (ERR_INPUT). ws_txn_commit() fails, changing
 * nothing, when the ref is no longer at old_hex (nor already at new_hex).
 *
 * After a crash anywhere in ws_txn_commit(), the next ws_open() completes it
 * (when the commit point was reached) or discards it (when not). Git objects
 * the new ref points to must be written before ws_txn_commit().
 * After a ref move the git index is reset to the new commit's tree.
 * ws_txn_commit() and ws_txn_abort() free the transaction.
 */
int ws_txn_begin(struct ws_txn **out, struct ws *ws);
int ws_txn_put(struct ws_txn *t, const char *path, const void *data, size_t len, mode_t mode);
int ws_txn_delete(struct ws_txn *t, const char *path);
int ws_txn_set_ref(struct ws_txn *t, const char *refname, const char *old_hex, const char *new_hex);
int ws_txn_commit(struct ws_txn *t);
void ws_txn_abort(struct ws_txn *t);

/*
 * Stage a commit on branch `forge` of WS/src: `changes` (paths relative to
 * WS/src) become a new commit on top of forge's head, and the transaction
 * `t` gets the new file contents and the ref move. Nothing is visible until
 * ws_txn_commit(t). The author is QGA_FORGE_AUTHOR_NAME/_EMAIL (else
 * GIT_AUTHOR_NAME/_EMAIL, else "qga-forge"); the date SOURCE_DATE_EPOCH
 * when set, else now. out_hex (may be NULL) receives the new commit id.
 */
struct patchgen_change;
int ws_stage_commit(struct ws *ws, struct ws_txn *t, const struct patchgen_change *changes,
		    size_t n, const char *message, char out_hex[41]);

/*
 * Stage moving `forge` (and the work tree) from its current head to
 * new_hex: every file that differs between the two commits is rewritten or
 * removed in `t`.
 */
int ws_stage_head_move(struct ws *ws, struct ws_txn *t, const char *new_hex);

/* The author signature described above (strings are static or from env). */
struct patchgen_sig;
void ws_default_sig(struct patchgen_sig *out);

/* For tests of crash safety: QGA_FORGE_TXN_CRASH_AT=N makes the process
 * _exit(99) at step N of the next commit (0 = before the commit point,
 * 1 = just after it, 10+i = after file i is in place, 2 = after the ref
 * move, 3 = after the index update). When ws_open() finishes a committed
 * change, lock files git left in WS/src/.git by the process that died
 * (index.lock, the ref's lock) are removed first. */

/*
 * Where the host's rpm rejects %patchN (4.20 and later): rewrite the
 * workspace spec's %patchN lines as "%patch -P N" (every rpm from 4.11 reads
 * it, so the result still builds on CentOS 7), written on its own, and
 * record the step in the state ("spec_conversions": rpm, step, lines; the
 * caller saves the state). *count_out is the number of lines rewritten,
 * 0 when nothing was needed.
 */
int ws_convert_patchn(struct ws *ws, const char *spec, const char *step, size_t *count_out);

#endif
