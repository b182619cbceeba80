#ifndef QGA_FORGE_VM_H
#define QGA_FORGE_VM_H

/*
 * A small virtual machine for trying an agent on a real virtio-serial port:
 * an initramfs writer (the newc cpio format the kernel unpacks) and a QEMU
 * runner that wires the agent's channel as libvirt does
 *
 *   -device virtio-serial-pci,id=vs0
 *   -chardev socket,id=qga0,path=SOCKET,server=on,wait=off
 *   -device virtserialport,bus=vs0.0,nr=1,chardev=qga0,name=org.qemu.guest_agent.0
 *
 * so that a client on SOCKET talks to the agent in the guest, as a host
 * talks to a libvirt domain's agent. The VM is QEMU's own child process
 * group; it gets SIGKILL when this process dies, and vm_stop() stops and
 * reaps it on every path.
 *
 * Functions return 0 or a negative code with a message (util/error.h).
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/buf.h"

/* ---- initramfs ---- */

struct vm_cpio {
	struct buf out;     /* the archive so far */
	unsigned ino;
};
#define VM_CPIO_INIT { BUF_INIT, 1 }

/* Add a directory, a file with `data`, or a symlink; parents are not implied. */
void vm_cpio_dir(struct vm_cpio *c, const char *name, unsigned mode);
void vm_cpio_file(struct vm_cpio *c, const char *name, unsigned mode, const void *data, size_t len);
void vm_cpio_symlink(struct vm_cpio *c, const char *name, const char *target);
/* Add the host file `path` as `name` (its mode kept, symlinks followed). */
int vm_cpio_host_file(struct vm_cpio *c, const char *name, const char *path);
/* Add every missing parent directory of `name` (mode 0755); `seen` tracks what was added. */
void vm_cpio_parents(struct vm_cpio *c, struct buf *seen, const char *name);
/* Close the archive (the TRAILER!!! entry). */
void vm_cpio_finish(struct vm_cpio *c);
void vm_cpio_release(struct vm_cpio *c);

/* ---- the machine ---- */

struct vm_opts {
	const char *qemu;        /* default: qemu-system-x86_64 from PATH */
	const char *kernel;      /* the kernel image */
	const char *initrd;      /* the initramfs */
	const char *append;      /* extra kernel command line, or NULL */
	const char *accel;       /* "kvm" or "tcg" */
	const char *socket;      /* the agent channel's host end (created by QEMU) */
	const char *console;     /* the guest's serial console goes to this file */
	const char *port_name;   /* default "org.qemu.guest_agent.0" */
	const char *log;         /* QEMU's own stdout and stderr (default /dev/null) */
	int memory_mb;           /* default 256 */
};

struct vm;

/* Start QEMU (not waiting for the guest). The argv it ran is vm_argv(). */
int vm_start(struct vm **out, const struct vm_opts *o);
/* True when QEMU has exited; *status gets its exit status (128+N for signal N). */
bool vm_exited(struct vm *vm, int *status);
/* Stop (SIGTERM, then SIGKILL after a grace period) and reap; frees vm. NULL is fine. */
void vm_stop(struct vm *vm);
const char *const *vm_argv(const struct vm *vm);

/*
 * Can KVM boot a kernel here? /dev/kvm may exist and still fail to boot a
 * standard kernel: the probe boots `kernel` under KVM without an initramfs
 * and waits up to `wait_ms` for its first console line. The answer is
 * cached in `cache_file` (when not NULL) for this boot of the host.
 * Returns "kvm" or "tcg" (static strings); *why (may be NULL) says why.
 */
const char *vm_probe_accel(const char *qemu, const char *kernel, const char *cache_file,
			   int wait_ms, const char **why);

#endif
