#ifndef QGA_FORGE_PATCH_SYNC_H
#define QGA_FORGE_PATCH_SYNC_H

/*
 * The `patch` step, shared by `qga-forge patch`, `build` and `forge`.
 *
 * Exports the workspace's commits upstream..forge as format-patch files into
 * the spec's SOURCES and brings the spec in line: the Patch tags and %prep
 * lines qga-forge owns (state "patches", each tag marked by a
 * "# qga-forge: NAME" comment) are added, replaced or removed; Release gets
 * a local suffix once per workspace (state "spec_sync"."bumped"), and the
 * changelog entry of that bump lists the commands added (state "commands").
 * Patches, spec and state are written in one workspace transaction, after
 * rpm has checked that the new spec's %prep applies the series, in order,
 * after every vendor patch. Running it again without new commits changes
 * nothing.
 *
 * *report_out (may be NULL) receives a new JSON object:
 *   { "patches": [ {"name", "number", "commit", "subject"} ],
 *     "removed": [ NAME... ], "changed": bool, "release": "V-R as rpm sees it",
 *     "changelog": "header line" | null }
 * Returns 0 or a negative error code (util/error.h); prints nothing.
 */

struct ws;
struct json_object;

int patch_sync(struct ws *ws, struct json_object **report_out);

#endif
