#ifndef QGA_FORGE_UTIL_RPMCFG_H
#define QGA_FORGE_UTIL_RPMCFG_H

/*
 * The one place librpm is set up: its logging routed, then its configuration
 * (macros, rpmrc) read. The parent process does it once through
 * srpm_setup(), which collects rpm's messages; the children that run an rpm
 * stage (spec parsing, %prep and builds, signing) call it afresh, since their
 * macros must not leak into the parent, with `collect` NULL so rpm prints
 * to the stderr their parent captures.
 *
 * Returns 0, or ERR_GENERIC with "cannot read rpm's configuration".
 * Not thread-safe: librpm's configuration is global to the process.
 */

#include <rpm/rpmlog.h>

int rpmcfg_setup(rpmlogCallback collect, rpmlogCallbackData data);

#endif
