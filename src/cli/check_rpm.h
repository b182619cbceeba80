#ifndef QGA_FORGE_CLI_CHECK_RPM_H
#define QGA_FORGE_CLI_CHECK_RPM_H

/*
 * Printing a deployability report (src/deploy's deploy_result_json()):
 * shared by `check-rpm`, `build` and `forge`.
 */

#include <stdio.h>

struct json_object;

/*
 * One line per package ("NEVRA: target el7 (dist tag, glibc 2.17): ...")
 * and one per problem with its fix, to f. `only_problems`: print nothing
 * for a package without problems.
 */
void check_rpm_print(FILE *f, struct json_object *deploy, int only_problems);

#endif
