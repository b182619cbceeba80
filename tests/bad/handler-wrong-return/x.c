#include "qemu/osdep.h"
#include "qga-qapi-commands.h"

char *qmp_guest_x(const char *path, Error **errp)
{
    return NULL;
}
