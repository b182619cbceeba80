#ifndef QGA_FORGE_WORKSPACE_H
#define QGA_FORGE_WORKSPACE_H

/*
 * The workspace operations: the orchestration layer between the command
 * line and the modules (schemaedit, specedit, patchgen, rpm, agent).
 *
 *   init            a src.rpm becomes a workspace (WS/src after %prep, in git)
 *   add-command     a QAPI declaration and its handlers become one commit
 *   remove-command  that commit goes again (later ones replayed or rebuilt)
 *   patch           the commits become the spec's patch series
 *   build           src.rpm, clean rebuild, qemu-ga, OUT/manifest.json
 *   agent           the spec's %build on a mirror of the work tree, incrementally
 *   smoke           the built agent started and its added commands called
 *   forge           init + add-command... + build + smoke on one handle, one lock
 *   commands        the work tree's commands with their prototypes
 *
 * The contract every operation keeps:
 * - Inputs are a typed options struct (paths, including the data directory
 *   holding templates/, are given, never guessed); results are a typed
 *   struct the caller releases with the matching *_release() (safe on a
 *   zeroed or half-filled result).
 * - Returns 0 or a negative code (util/error.h) with error_last() set; a
 *   rejected input changes no file. Nothing is printed and nothing exits:
 *   progress, timings and warnings go to `progress` (which may be empty).
 * - Operations that take a `struct ws *` need it open (ws_open(), which
 *   holds the workspace lock) and leave it open; state changes go through
 *   workspace transactions (ws.h).
 * - Not thread safe: the modules below keep per-process state (rpm macros).
 *
 * ws.h is this module's lower half (the handle, the typed state, the lock
 * and transactions); it is included here so callers need this header only.
 */

#include <stdbool.h>
#include <stddef.h>

#include "workspace/ws.h"

struct json_object;
struct qga_smoke_result;

/* ---- progress ---- */

enum ws_event_kind {
	WS_EVENT_INFO,      /* `message`: a progress line for the user */
	WS_EVENT_WARNING,   /* `message`: something the user should know */
	WS_EVENT_TIMING,    /* step `step` took `seconds` (for a verbose run) */
	WS_EVENT_STAGE,     /* a long stage `step` starts */
	WS_EVENT_PHASE,     /* rpm phase `message` of stage `step` ended; it took `seconds` */
	WS_EVENT_TICK,      /* stage `step` still runs (phase `message` or NULL), `seconds` in */
	WS_EVENT_STAGE_END  /* stage `step` ended */
};

struct ws_event {
	enum ws_event_kind kind;
	const char *op;       /* "init", "add-command", "build", ... */
	const char *step;     /* NULL for INFO and WARNING */
	const char *message;  /* NULL where the kind has none */
	double seconds;
};

/* Called synchronously from the operation; the event is valid for the call only. */
typedef void (*ws_progress_fn)(const struct ws_event *ev, void *payload);

struct ws_progress {
	ws_progress_fn fn;    /* NULL: no progress */
	void *payload;
};

/* ---- init ---- */

struct ws_init_opts {
	const char *srpm;               /* the source package */
	const char *dir;                /* the workspace (NULL: ./NAME-VERSION-RELEASE) */
	const char *const *defines;     /* "MACRO VALUE" for %prep, kept in the state */
	bool force;                     /* replace `dir` when it is not empty */
	bool no_spec_code;              /* refuse a spec that runs code while parsed */
	struct ws_progress progress;
};

struct ws_init_result {
	char *workspace;                /* absolute */
	char *nevr;
	char *qemu_version;
	char baseline[41];
	int distribution_patches;
	char *dist;                     /* the dist tag defined for every rpm call, or NULL */
	bool dist_inferred;             /* from the src.rpm's Release (else a --define) */
	char *release;                  /* the src.rpm's Release */
};

/*
 * Usage check of --define values: ERR_USAGE "--define 'X': expected 'MACRO VALUE'".
 */
int ws_check_defines(const char *const *defines);

/*
 * Make a workspace. Everything happens in a temporary sibling directory
 * renamed to `dir` only when complete, so a failure leaves nothing behind
 * (with `force` the old workspace stays until the new one is ready).
 * ERR_EXISTS when `dir` exists, is not empty and `force` is off. When %prep
 * fails its log is kept in $TMPDIR and the message names it.
 * With ws_out (may be NULL) the new workspace stays open and locked.
 */
int ws_op_init(struct ws **ws_out, struct ws_init_result *out, const struct ws_init_opts *o);
void ws_init_result_release(struct ws_init_result *r);

/* ---- add-command ---- */

struct ws_add_opts {
	const char *fragment_path;      /* FILE.qapi, or NULL with `name` */
	const char *name;               /* --name: a declaration from these options */
	const char *const *args;        /* --arg NAME:TYPE[:DOC] */
	const char *returns, *doc, *since;
	const char *handler_path;       /* FILE.c with the handlers (NULL: stubs) */
	const char *after;              /* put the declaration after this definition */
	bool no_generator;              /* skip the tree's QAPI generator cross-check */
	const char *datadir;            /* holds templates/ */
	struct ws_progress progress;
	bool qmp;                       /* a QEMU monitor command: qapi/, monitor/ (a full QEMU tree) */
	bool hmp;                       /* with qmp: and its HMP wrapper */
};

struct ws_add_result {
	struct ws_command *added;       /* copies of the new state entries */
	size_t n;
};

/*
 * Declare the command(s), place their handlers as the tree's QEMU version
 * wants them, and record one commit on `forge` plus the state entries in
 * one transaction. Every check runs first: a rejected input changes nothing.
 */
int ws_op_add_command(struct ws *ws, struct ws_add_result *out, const struct ws_add_opts *o);
void ws_add_result_release(struct ws_add_result *r);

/* ---- remove-command ---- */

struct ws_remove_result {
	struct ws_command *removed;     /* the entries that went */
	size_t n;
};

/*
 * Drop the commit that added `name` (later commits replayed, or rebuilt
 * from their recorded inputs when they touch the same lines) and move the
 * branch and the work tree in one transaction. ERR_NOTFOUND for an
 * unknown command, ERR_INPUT for one that came with the source package.
 */
struct ws_remove_opts {
	const char *name;               /* the command */
	const char *datadir;            /* holds templates/ (later commits may be rebuilt) */
	struct ws_progress progress;
};

int ws_op_remove_command(struct ws *ws, struct ws_remove_result *out, const struct ws_remove_opts *o);
void ws_remove_result_release(struct ws_remove_result *r);

/* ---- patch ---- */

struct ws_patch_result {
	struct ws_patch *patches;       /* the series, as recorded in the state */
	size_t npatches;
	char **removed;                 /* names of patches that went */
	size_t nremoved;
	bool changed;
	char *release;                  /* "[E:]V-R" as rpm sees it; NULL when nothing to do */
	char *changelog;                /* header line of our changelog entry, or NULL */
	size_t patchn_converted;        /* %patchN lines first rewritten as %patch -P N, on
					   their own (rpm >= 4.20 rejects %patchN); 0: none */
	char *patchn_note;              /* when patchn_converted: the line that says why */
};

/*
 * Export upstream..forge as format-patch files into the spec's SOURCES and
 * bring the spec in line: the Patch tags and %prep lines qga-forge owns
 * (each marked by a "# qga-forge: NAME" comment) are added, replaced or
 * removed; Release gets a local suffix once per workspace, and the
 * changelog entry of that bump lists the commands added. Patches, spec and
 * state are written in one transaction, after rpm has checked that the new
 * %prep applies the series, in order, after every vendor patch. Running it
 * again without new commits changes nothing.
 */
int ws_op_patch(struct ws *ws, struct ws_patch_result *out);
void ws_patch_result_release(struct ws_patch_result *r);
/* The result as JSON: {"patches": [{name, number, commit, subject, sha256}],
 * "removed", "changed", "release", "changelog"} (a new reference). */
struct json_object *ws_patch_result_json(const struct ws_patch_result *r);

/* ---- build ---- */

struct ws_build_opts {
	const char *outdir;             /* default: WS/out */
	const char *const *defines;     /* extra "MACRO VALUE" for this build */
	bool nodeps;
	int jobs;                       /* 0: rpm's default */
	bool srpm_only;
	const char *container;          /* rebuild in this container image ("el7"); NULL: host */
	const char *mock_config;        /* rebuild with `mock -r CONFIG`; NULL: host */
	const char *datadir;            /* holds containers/ (for a message) */
	bool agent_only;                /* the qemu-guest-agent subpackage alone (op_agent_only.c) */
	struct ws_progress progress;
};

/*
 * Sync the patch series into the spec, write the src.rpm, rebuild the
 * binary rpms from it in a private topdir (never from the workspace tree),
 * take qemu-ga out of the binary rpm, write OUT/manifest.json and record the
 * agent in the state. OUT: SRPMS/, RPMS/<arch>/, agent/qemu-ga, build.log,
 * manifest.json. *manifest_out (may be NULL) receives the manifest (a new
 * reference): {qga_forge_version, rebuild, inputs {srpm, command_files},
 * qemu_version, commands, patches, artifacts, srpm, agent, outdir, log,
 * timings}. A failure names its step: "step 'rebuild' failed: ...".
 */
int ws_op_build(struct ws *ws, const struct ws_build_opts *o, struct json_object **manifest_out);

/* ---- agent ---- */

struct ws_agent_opts {
	const char *const *defines;     /* extra "MACRO VALUE" for %build */
	int jobs;
	bool clean;                     /* start from an empty build directory */
	struct ws_progress progress;
};

struct ws_agent_result {
	char *agent;                    /* the qemu-ga built */
	unsigned files_synced;
	double seconds;
};

/*
 * The developer's fast loop: the spec's %build on a mirror of the work tree
 * (WS/.qga-forge/agent-build) that survives between runs, so a one-line
 * change rebuilds only what depends on it. The agent is recorded in the state.
 */
int ws_op_agent(struct ws *ws, struct ws_agent_result *out, const struct ws_agent_opts *o);
void ws_agent_result_release(struct ws_agent_result *r);

/* ---- smoke ---- */

struct ws_smoke_opts {
	const char *agent;              /* run this qemu-ga (NULL: the workspace's) */
	const char *const *calls;       /* --call 'NAME [JSON-ARGS]' */
	int timeout_ms;                 /* 0: default */
	bool strict;                    /* a stub's answer and a command not called are failures */
	struct ws_progress progress;
	/*
	 * As installed: the agent started as the packages' systemd unit starts
	 * it (ExecStart, its EnvironmentFile= variables, the packaged
	 * qemu-ga.conf), so the vendor's RPC policy applies. `vm`: inside a
	 * small VM on a virtio-serial port (implies as_installed).
	 */
	bool as_installed;
	bool vm;
	const char *const *rpms;        /* the packages (NULL: the workspace build's OUT/RPMS) */
	const char *kernel_dir;         /* vm: scripts/vm-kernel.sh's directory (NULL: run it) */
	const char *accel;              /* vm: "kvm", "tcg", or NULL: probe */
	const char *datadir;            /* vm: holds scripts/vm-kernel.sh */
	/*
	 * QMP: `agent` is a QEMU system emulator (NULL: the one the workspace's
	 * build took from its rpms), started with only a QMP monitor; the
	 * workspace's monitor commands are called, and through
	 * human-monitor-command their HMP wrappers.
	 */
	bool qmp;
};

/*
 * Start the agent and call each added command (with its --call requests,
 * which always win, else its doc example, else no arguments) and every
 * other --call. A command whose handler is the generated stub ("stub" in
 * its state entry) answering "not implemented" is reported as a stub; a
 * command with required arguments ("required") and no request is checked
 * through guest-info only ("not called"); neither fails without `strict`. `ws` may be
 * NULL with o->agent set: the binary alone is checked. ERR_USAGE for a bad
 * --call. When the agent started, `out` is filled even if the run failed
 * (out->started); the caller releases it with qga_smoke_result_release().
 */
int ws_op_smoke(struct ws *ws, struct qga_smoke_result *out, const struct ws_smoke_opts *o);
/* ws_op_smoke() that also gives ws_smoke_plan_report()'s object (*report, a new reference). */
int ws_op_smoke_report(struct ws *ws, struct qga_smoke_result *out, struct json_object **report,
		       const struct ws_smoke_opts *o);

/*
 * ws_op_smoke() in two halves, so that the workspace can be closed while
 * the agent runs: ws_smoke_prepare() reads what it needs from `ws` (may be
 * NULL with o->agent) into a plan that does not refer to it.
 */
struct ws_smoke_plan;
int ws_smoke_prepare(struct ws_smoke_plan **out, struct ws *ws, const struct ws_smoke_opts *o);
int ws_smoke_run(struct qga_smoke_result *out, struct ws_smoke_plan *plan);
/*
 * After ws_smoke_run(): {"as_installed": {rpm, unit, exec_start,
 * environment_files, config} | null, "vm": {kernel, release, accelerator,
 * accelerator_reason, boot_seconds, initrd_bytes, guest_command, qemu,
 * console_tail (when `res` failed)} | null} (a new reference); keys only for
 * what the run did.
 */
struct json_object *ws_smoke_plan_report(const struct ws_smoke_plan *plan,
					 const struct qga_smoke_result *res);
void ws_smoke_plan_free(struct ws_smoke_plan *plan);
/* ERR_USAGE (message set) when a --call value is malformed. */
int ws_smoke_check_calls(const char *const *calls);

/* ---- commands ---- */

struct ws_listed_command {
	char *name;
	char *prototype;                /* NULL when it cannot be derived (see problem) */
	char *problem;
	char *commit;                   /* added by qga-forge: its commit ("" unknown); else NULL */
	bool qmp;                       /* a QEMU monitor command (added ones only are listed) */
	bool hmp;                       /* ... with an HMP wrapper */
};

struct ws_command_list {
	char *qemu_version;             /* "MAJOR.MINOR.MICRO" */
	struct ws_listed_command *v;
	size_t n, n_added;
};

int ws_op_commands(struct ws *ws, struct ws_command_list *out);
void ws_command_list_release(struct ws_command_list *l);

/* ---- forge ---- */

struct ws_forge_command {
	const char *qapi;               /* FILE.qapi */
	const char *handler;            /* FILE.c or NULL */
	bool qmp, hmp;                  /* a QEMU monitor command (add-command --qmp [--hmp]) */
};

struct ws_forge_opts {
	const char *srpm;
	const struct ws_forge_command *commands;
	size_t ncommands;
	const char *outdir;             /* required */
	const char *workspace;          /* NULL: OUTDIR/workspace (replaced when there) */
	const char *const *defines;     /* for %prep and the build */
	const char *const *calls;       /* extra smoke calls */
	bool nodeps, force, no_smoke;
	bool smoke_vm;                  /* smoke in a VM (ws_smoke_opts.vm) instead of on the host */
	bool agent_only;                /* build --agent-only */
	bool strict;                    /* smoke: stubs and commands not called fail */
	int jobs;
	const char *datadir;
	struct ws_progress progress;
};

struct ws_forge_result {
	char *workspace;
	char *outdir;
	char *failed_step;              /* NULL on success: "init", "add-command X", "build", "smoke" */
	struct json_object *manifest;   /* as written to OUT/manifest.json (NULL when the build did not run) */
};

/*
 * init + add-command for each command + build + smoke, in this process on
 * one workspace handle that holds the lock throughout. The manifest gets
 * "smoke" (the smoke result), "workspace", inputs.command_files and
 * timings for every step; it is written even when smoke fails. A failure
 * sets out->failed_step and a message "step 'STEP' failed: ...".
 */
int ws_op_forge(struct ws_forge_result *out, const struct ws_forge_opts *o);
void ws_forge_result_release(struct ws_forge_result *r);

#endif
