#ifndef QGA_FORGE_SCRATCH_H
#define QGA_FORGE_SCRATCH_H

/*
 * Scratch directories marked with their owner, and the sweep that removes
 * what a dead owner left.
 *
 * A scratch directory PARENT/STEM comes with a lock file beside it,
 * PARENT/STEM.lock. The lock file is made first (so a directory never
 * exists without its owner's mark) and held with flock(LOCK_EX) for as long
 * as the owner lives: the kernel drops the lock when the last descriptor of
 * it closes, which is when the owner and every child it forked without
 * exec are gone, however they ended (SIGKILL included). The lock file also
 * records "PID STARTTIME" (field 22 of /proc/PID/stat), for messages and as
 * a second opinion: a lock that can be taken while that very process still
 * runs (a file system without working flock) counts as live.
 *
 * The descriptor is close-on-exec: programs qga-forge runs never hold it.
 *
 * On a normal end the owner removes the directory and then the lock file
 * (scratch_remove), or, when the directory was renamed to its final place,
 * the lock file alone (scratch_release). A kill at any point leaves a lock
 * file nobody holds, with or without its directory: scratch_sweep() finds
 * those by name in PARENT and removes both. A directory without a lock
 * file was not made by this scheme (an older qga-forge): it is removed
 * only when it is more than a day old, so a live run is never touched.
 *
 * The functions keep no global state and may be called from any thread;
 * error messages go through util/error.h, reports through a callback:
 * nothing here prints.
 */

#include <stdbool.h>
#include <sys/types.h>

struct scratch {
	char *path;  /* the directory; NULL when none */
	char *lock;  /* its lock file, path + ".lock" */
	int fd;      /* the held lock; -1 when none */
};

#define SCRATCH_INIT { NULL, NULL, -1 }

/*
 * Make PARENT/PREFIXxxxxxx (six random characters, as mkdtemp) with mode
 * 0700, owned by this process. 0, or a negative code naming PARENT.
 */
int scratch_create(struct scratch *s, const char *parent, const char *prefix);

/*
 * The fixed name PARENT/NAME (a build directory whose path must be the
 * same every time): waits for the lock PARENT/NAME.lock, removes what a
 * dead owner left at PARENT/NAME (reported through `report`, see below;
 * may be NULL) and makes it anew. PARENT must exist.
 */
struct scratch_leftover;
typedef void (*scratch_report_fn)(const struct scratch_leftover *left, void *payload);
int scratch_create_fixed(struct scratch *s, const char *parent, const char *name,
			 scratch_report_fn report, void *payload);

/*
 * Move the existing directory `from` aside to PARENT/PREFIXxxxxxx, owned by
 * this process (init --force keeps the old workspace there until the new
 * one is in place). `from` is unchanged on failure.
 */
int scratch_claim(struct scratch *s, const char *from, const char *parent, const char *prefix);

/* Remove the directory and then its lock; *s becomes SCRATCH_INIT. Errors are ignored. */
void scratch_remove(struct scratch *s);

/*
 * Drop the lock file and the lock, keeping whatever is at s->path (the
 * directory was renamed away, or is handed over). *s becomes SCRATCH_INIT.
 */
void scratch_release(struct scratch *s);

/*
 * Give up ownership and leave everything in place, for the next sweep to
 * handle as a dead owner's (init keeps an old workspace it could not put
 * back this way). *s becomes SCRATCH_INIT.
 */
void scratch_abandon(struct scratch *s);

/* What a sweep did with one dead owner's leftovers. */
struct scratch_leftover {
	const char *path;        /* the directory (or lock file, when it was alone) */
	long pid;                /* its owner's pid; 0 when unknown */
	const char *restored_to; /* set when the directory was renamed back there */
};

/*
 * The one line that reports a leftover: "removed 'PATH', left by an
 * interrupted run (pid N)" or "moved 'PATH' back to 'DIR' ...". Caller frees.
 */
char *scratch_leftover_describe(const struct scratch_leftover *left);

/*
 * Remove the leftovers of dead owners in PARENT: every STEM.lock that can
 * be locked and STEM beside it, for names STEM = PREFIX + six characters
 * of mkdtemp's alphabet, or, when `any_name` is set (a private directory
 * such as the rebuild topdirs), every name that starts with PREFIX. A
 * leftover directory is renamed to `restore_to` instead when that is set
 * and missing (init --force killed between its two renames). Entries that
 * are not ours (another uid, symbolic links) are left alone. `report` is
 * called once per leftover removed (may be NULL). A missing PARENT is
 * fine. Returns how many leftovers were handled, or a negative code when
 * PARENT cannot be read.
 */
int scratch_sweep(const char *parent, const char *prefix, bool any_name, const char *restore_to,
		  scratch_report_fn report, void *payload);

/*
 * Remove the temporary files killed writers left in DIR (fs.h
 * FS_TEMP_INFIX): names that start with `prefix` ("" for any) and end in
 * FS_TEMP_INFIX and six random characters, regular files of ours whose
 * flock is free (fs_write_atomic holds it until the name is gone). Only for
 * directories where no other process writes while the caller runs (the
 * caller holds the workspace lock): a writer locks its file just after
 * creating it, and files of fs_write_temp are not locked once written.
 * Returns how many went.
 */
int scratch_sweep_files(const char *dir, const char *prefix, scratch_report_fn report,
			void *payload);

/*
 * The start time of process `pid` (field 22 of /proc/PID/stat, in clock
 * ticks since boot), or 0 when it does not exist.
 */
unsigned long long scratch_proc_start_time(long pid);

/* $TMPDIR when set and not empty, else "/tmp". */
const char *scratch_tmpdir(void);

/*
 * The kinds of scratch directory qga-forge makes outside a workspace:
 * the generator cross-check (add-command) and the smoke runner's private
 * directory in $TMPDIR (smoke falls back to /tmp when $TMPDIR is too deep
 * for a socket path), and build's private rebuild topdirs,
 * scratch_rebuild_base()/NVR with fixed names.
 */
#define SCRATCH_GEN_PREFIX "qga-forge-gen."
#define SCRATCH_SMOKE_PREFIX "qga-forge-smoke."
#define SCRATCH_VM_PREFIX "qga-forge-vm."

/* $TMPDIR (else /var/tmp) + "/qga-forge-rebuild-UID". Caller frees. */
char *scratch_rebuild_base(void);

/*
 * Sweep every kind above (scratch_sweep with each parent and prefix); run
 * by every command before it starts. Returns how many leftovers went.
 */
int scratch_sweep_tmp(scratch_report_fn report, void *payload);

#endif
