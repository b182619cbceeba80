#ifndef QGA_FORGE_UTIL_COMPAT_H
#define QGA_FORGE_UTIL_COMPAT_H

/*
 * The one place where the library versions qga-forge builds against differ
 * (rpm 4.14 to 6.x, libgit2 1.1 to 1.9). The Makefile probes the host's
 * headers and writes config.h (in the build directory); each difference is
 * one shim below, named after what the code wants, not after a version.
 * A source file that uses the rpm digest API, a payload digest tag or
 * git_error_clear() includes this header instead of the library's own.
 *
 * Differences met, with the version they changed in:
 *   <rpm/rpmcrypto.h>        rpm 4.18 split the digest API (DIGEST_CTX,
 *                            rpmDigest*) out of rpmpgp.h; older rpm has it
 *                            in rpmpgp.h only.  Probe: HAVE_RPM_RPMCRYPTO_H.
 *   RPMTAG_PAYLOADDIGEST     rpm 6.0 renamed it RPMTAG_PAYLOADSHA256 and
 *   (and ...ALGO)            RPMTAG_PAYLOADDIGESTALGO RPMTAG_PAYLOADSHA256ALGO
 *                            (same tag numbers, 5092 and 5093), the ALGO tag
 *                            marked obsolete.  Probe: HAVE_RPMTAG_PAYLOADSHA256.
 *   RPMBUILD_MKBUILDDIR      rpm 4.20 runs %prep in %{builddir}
 *                            (BUILD/NAME-VERSION-build), which rpmSpecBuild
 *                            makes only when asked by this flag (rpmbuild, the
 *                            program, always asks).  Probe:
 *                            HAVE_RPMBUILD_MKBUILDDIR.
 *   RPMTAG_OPENPGP           rpm 6 signs packages with OpenPGP signatures
 *                            in this tag (several at once) instead of
 *                            RSAHEADER/DSAHEADER/SIGPGP/SIGGPG.  Probe:
 *                            HAVE_RPMTAG_OPENPGP.
 *   RPMSPEC_NOFINALIZE       rpm 4.19 (spec parts) finalizes the package
 *                            headers again when a build installs or packages
 *                            binaries; a spec parsed without this flag then
 *                            has Os, Platform, Optflags and Sourcerpm twice
 *                            ("Duplicate Os entries in package"). rpmbuild
 *                            passes it for every binary build.  Probe:
 *                            HAVE_RPMSPEC_NOFINALIZE.
 *   git_error_clear()        libgit2 1.8 moved it (with git_error_set_str)
 *                            to <git2/sys/errors.h>.  Probe:
 *                            HAVE_GIT2_SYS_ERRORS_H.
 */

#include "config.h"

/* rpm 4.18's rpmcrypto.h uses size_t without including <stddef.h>. */
#include <stddef.h>
#include <stdint.h>

#include <git2.h>
#ifdef HAVE_GIT2_SYS_ERRORS_H
#include <git2/sys/errors.h>
#endif

#ifdef HAVE_RPM_RPMCRYPTO_H
#include <rpm/rpmcrypto.h>
#endif
#include <rpm/rpmpgp.h>
#include <rpm/rpmtag.h>
#include <rpm/rpmbuild.h>
#include <rpm/rpmspec.h>
#include <rpm/header.h>

/* A package header carries an OpenPGP signature, in any tag rpm signs with. */
#ifdef HAVE_RPMTAG_OPENPGP
#define QGA_RPM_SIGNED_V6(h) headerIsEntry((h), RPMTAG_OPENPGP)
#else
#define QGA_RPM_SIGNED_V6(h) 0
#endif
#define qga_rpm_header_signed(h) (headerIsEntry((h), RPMTAG_RSAHEADER) || \
				  headerIsEntry((h), RPMTAG_DSAHEADER) || \
				  headerIsEntry((h), RPMTAG_SIGPGP) || \
				  headerIsEntry((h), RPMTAG_SIGGPG) || QGA_RPM_SIGNED_V6(h))

/* Parse flag for a spec that rpmSpecBuild will finalize itself (0 before rpm 4.19). */
#ifdef HAVE_RPMSPEC_NOFINALIZE
#define QGA_RPMSPEC_NOFINALIZE RPMSPEC_NOFINALIZE
#else
#define QGA_RPMSPEC_NOFINALIZE 0
#endif

/* Build amount that makes %{builddir} before %prep (0 before rpm 4.20). */
#ifdef HAVE_RPMBUILD_MKBUILDDIR
#define QGA_RPMBUILD_MKBUILDDIR RPMBUILD_MKBUILDDIR
#else
#define QGA_RPMBUILD_MKBUILDDIR 0
#endif

/*
 * The SHA-256 of the compressed payload, and the tag that names its
 * algorithm. rpm writes the ALGO tag with every payload digest from 4.14
 * on; a package without it (rpm 6 may stop writing an obsolete tag) is read
 * as rpm reads it: the algorithm is SHA-256 (rpm 6 names the tag after
 * that), so a missing ALGO never means "nothing to check".
 */
#ifdef HAVE_RPMTAG_PAYLOADSHA256
#define QGA_RPMTAG_PAYLOAD_DIGEST RPMTAG_PAYLOADSHA256
#define QGA_RPMTAG_PAYLOAD_DIGEST_ALGO RPMTAG_PAYLOADSHA256ALGO
#else
#define QGA_RPMTAG_PAYLOAD_DIGEST RPMTAG_PAYLOADDIGEST
#define QGA_RPMTAG_PAYLOAD_DIGEST_ALGO RPMTAG_PAYLOADDIGESTALGO
#endif

#endif
