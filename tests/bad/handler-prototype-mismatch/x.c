#include "qemu/osdep.h"
#include "qga-qapi-commands.h"

int64_t qmp_guest_x(int path, Error **errp)
{
    return 0;
}
