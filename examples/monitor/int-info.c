#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-misc.h"

IntInfo *qmp_query_int_info(int64_t value, Error **errp)
{
    IntInfo *info = g_new0(IntInfo, 1);

    info->value = value;
    info->square = (int64_t)((uint64_t)value * (uint64_t)value);
    info->even = (value % 2) == 0;
    info->hex = g_strdup_printf("0x%" PRIx64, (uint64_t)value);
    return info;
}
