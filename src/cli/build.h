#ifndef QGA_FORGE_CLI_BUILD_H
#define QGA_FORGE_CLI_BUILD_H

/*
 * The build step shared by `build` and `forge`: sync the patch series into
 * the spec, write the src.rpm, rebuild the binary rpms from that src.rpm
 * in a private topdir (never from the workspace tree), take qemu-ga out of
 * the binary rpm, and write OUT/manifest.json.
 *
 * OUT layout: SRPMS/, RPMS/<arch>/, agent/qemu-ga, build.log, manifest.json.
 */

#include <stdbool.h>

struct json_object;
struct ws;

struct build_opts {
	const char *outdir;          /* default: WS/out */
	const char *const *defines;  /* extra "MACRO VALUE" for this build */
	bool nodeps;
	int jobs;                    /* 0: rpm's default */
	bool srpm_only;
	const char *container;       /* rebuild in this container image ("el7"); NULL: on this host */
	const char *mock_config;     /* rebuild with `mock -r CONFIG`; NULL: on this host */
	bool quiet;                  /* no progress output */
};

/* Per-step timings and inputs collected for the manifest. */
struct build_timing {
	const char *step;
	double seconds;
};

/*
 * Run the build. *manifest_out (may be NULL) receives the manifest (a new
 * reference). Progress goes to stderr (a live line on a terminal, plain
 * phase lines otherwise) unless o->quiet. Returns 0 or a negative code with
 * a message naming the failed step.
 */
int build_run(struct ws *ws, const struct build_opts *o, struct json_object *extra_timings,
	      struct json_object **manifest_out);

/*
 * build_external.c: rebuild `srpm` in o->container's image (podman or docker)
 * or with mock (o->mock_config), leaving the binary rpms in
 * rpmsdir/<arch>/. `defines` ("MACRO VALUE") go to the container's rpmbuild;
 * mock gets only o->defines. Output is appended to `log`.
 */
int build_external(const struct build_opts *o, const char *srpm, const char *outdir,
		   const char *rpmsdir, const char *log, const char *const *defines);

/* Record `seconds` (rounded to ms) as timings[step]. */
void build_add_timing(struct json_object *timings, const char *step, double seconds);

/* Write OUTDIR/manifest.json (pretty JSON, replaced atomically). */
int build_write_manifest(const char *outdir, struct json_object *m);

#endif
