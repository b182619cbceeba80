#include "qemu/osdep.h"
#include "qga-qapi-commands.h"

static int helper(void)
{
    return 0;
}
