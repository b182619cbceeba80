#ifndef QGA_FORGE_UTIL_H
#define QGA_FORGE_UTIL_H

/* The util module: everything the other modules build on. */

#include "buf.h"
#include "clock.h"
#include "error.h"
#include "fs.h"
#include "hash.h"
#include "rpmcfg.h"
#include "run.h"
#include "scratch.h"
#include "strvec.h"

#endif
