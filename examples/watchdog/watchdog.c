/*
 * guest-set-watchdog-timeout: write the watchdog drivers' module options.
 *
 * The file is replaced atomically (temporary file in the same directory,
 * fsync, rename), so a crash leaves the old options or the new ones and
 * never a truncated file. Nothing is run through a shell.
 *
 * The path is /etc/modprobe.d/qemu-ga-watchdog.conf. The environment
 * variable QGA_WATCHDOG_CONF (set by whoever starts the agent) points it
 * elsewhere; under `qga-forge smoke`, which runs the agent on the build
 * host, the file goes to the smoke run's scratch directory
 * ($QGA_FORGE_SMOKE_DIR) so testing never touches the host's /etc.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qga-qapi-commands.h"

#define QGA_WATCHDOG_CONF "/etc/modprobe.d/qemu-ga-watchdog.conf"
#define QGA_WATCHDOG_MAX_TIMEOUT 86400

static int ga_watchdog_write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        buf += n;
        len -= n;
    }
    return 0;
}

void qmp_guest_set_watchdog_timeout(int64_t timeout, Error **errp)
{
    const char *path = g_getenv("QGA_WATCHDOG_CONF");
    g_autofree char *text = NULL;
    g_autofree char *tmp = NULL;
    g_autofree char *scratch = NULL;
    int fd;

    if (timeout < 1 || timeout > QGA_WATCHDOG_MAX_TIMEOUT) {
        error_setg(errp, "timeout %" PRId64 " is out of range (1 to %d seconds)",
                   timeout, QGA_WATCHDOG_MAX_TIMEOUT);
        return;
    }
    if ((!path || !*path) && g_getenv("QGA_FORGE_SMOKE_DIR")) {
        scratch = g_build_filename(g_getenv("QGA_FORGE_SMOKE_DIR"),
                                   "qemu-ga-watchdog.conf", NULL);
        path = scratch;
    }
    if (!path || !*path) {
        path = QGA_WATCHDOG_CONF;
    }
    text = g_strdup_printf("# written by qemu-ga (guest-set-watchdog-timeout)\n"
                           "options i6300esb heartbeat=%" PRId64 "\n"
                           "options softdog soft_margin=%" PRId64 "\n",
                           timeout, timeout);
    tmp = g_strdup_printf("%s.XXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0) {
        error_setg_errno(errp, errno, "cannot create a temporary file for '%s'", path);
        return;
    }
    if (fchmod(fd, 0644) < 0 ||
        ga_watchdog_write_all(fd, text, strlen(text)) < 0 ||
        fsync(fd) < 0) {
        error_setg_errno(errp, errno, "cannot write '%s'", tmp);
        close(fd);
        unlink(tmp);
        return;
    }
    if (close(fd) < 0) {
        error_setg_errno(errp, errno, "cannot write '%s'", tmp);
        unlink(tmp);
        return;
    }
    if (rename(tmp, path) < 0) {
        error_setg_errno(errp, errno, "cannot replace '%s'", path);
        unlink(tmp);
        return;
    }
}
