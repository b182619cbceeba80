/*
 * guest-get-statvfs: file system statistics from statvfs(3), the numbers
 * `df` prints, without running `df` through guest-exec.
 */
#include "qemu/osdep.h"
#include <sys/statvfs.h>
#include "qapi/error.h"
#include "qga-qapi-commands.h"

GuestFileSystemStatistics *qmp_guest_get_statvfs(const char *path, Error **errp)
{
    GuestFileSystemStatistics *stats;
    struct statvfs st;

    if (statvfs(path, &st) < 0) {
        error_setg_errno(errp, errno, "cannot get the statistics of '%s'", path);
        return NULL;
    }
    stats = g_new0(GuestFileSystemStatistics, 1);
    stats->total_bytes = (uint64_t)st.f_blocks * st.f_frsize;
    stats->free_bytes = (uint64_t)st.f_bfree * st.f_frsize;
    stats->avail_bytes = (uint64_t)st.f_bavail * st.f_frsize;
    stats->total_files = st.f_files;
    stats->free_files = st.f_ffree;
    stats->avail_files = st.f_favail;
    stats->block_size = st.f_bsize;
    stats->fragment_size = st.f_frsize;
    stats->max_name_length = st.f_namemax;
    return stats;
}
