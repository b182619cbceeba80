#ifndef QGA_FORGE_WORKSPACE_SMOKE_VM_H
#define QGA_FORGE_WORKSPACE_SMOKE_VM_H

/*
 * `smoke --vm`: the packages' payload in a small VM, the agent started in
 * it as the package's unit starts it, on a virtio-serial port wired as
 * libvirt wires it (vm/vm.h). The initramfs holds every file of the
 * packages, the host libraries their ELF files need (found from DT_NEEDED,
 * deploy/deploy.h), a static busybox, the kernel's virtio modules and an
 * init that loads them, makes the /dev/virtio-ports links (no udev) and
 * runs the unit's command line. The smoke runner then talks to the agent
 * through the chardev socket (qga_smoke_opts.socket).
 */

#include <stdbool.h>
#include <stddef.h>

#include "util/scratch.h"

struct deploy_installed;
struct ws_progress;
struct json_object;
struct vm;

struct smoke_vm_opts {
	const char *kernel_dir;     /* scripts/vm-kernel.sh's output; NULL: run that script */
	const char *qemu;           /* NULL: qemu-system-x86_64 */
	const char *accel;          /* "kvm", "tcg", or NULL: probe */
	const char *const *rpms;    /* the packages to install in the guest */
	size_t nrpms;
	const struct deploy_installed *inst;  /* the unit's command line (inst->rpm NULL: none) */
	const char *datadir;        /* holds scripts/vm-kernel.sh */
	const struct ws_progress *progress;
};

struct smoke_vm {
	struct vm *vm;
	char *dir;          /* private directory: initrd, socket, console (removed at stop) */
	struct scratch own; /* ... owner-marked: the next run removes it when this one was killed */
	char *socket;       /* the chardev's host end */
	char *console;      /* the guest's serial console */
	char *qemu_log;     /* QEMU's own output */
	char *kernel;       /* the kernel image */
	char *release;      /* its release (uname -r in the guest) */
	const char *accel;  /* "kvm" or "tcg" */
	const char *accel_why;
	double initrd_seconds;  /* time to make the initramfs */
	size_t initrd_bytes;
	char *guest_argv;   /* the agent's command line in the guest, for reports */
	char **qemu_argv;   /* QEMU's command line (NULL-terminated) */
	long long started_ms;
};

/* Make the initramfs and start the VM; on failure nothing is left running. */
int smoke_vm_boot(struct smoke_vm *sv, const struct smoke_vm_opts *o);
/* Stop the VM (if running), keeping its directory (the console) until smoke_vm_stop(). */
void smoke_vm_halt(struct smoke_vm *sv);
/* Stop the VM (if running) and remove its directory. */
void smoke_vm_stop(struct smoke_vm *sv);
/* {"kernel", "release", "accelerator", "accelerator_reason", "qemu", "initrd_bytes", ...}; console_tail adds the last console lines. */
struct json_object *smoke_vm_json(const struct smoke_vm *sv, bool console_tail);
/* The last `bytes` of the guest console (caller frees), or NULL. */
char *smoke_vm_console_tail(const struct smoke_vm *sv, size_t bytes);

#endif
