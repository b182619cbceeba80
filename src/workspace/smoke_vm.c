#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "internal.h"
#include "deploy/deploy.h"
#include "rpm/srpm.h"
#include "smoke_vm.h"
#include "vm/vm.h"
#include "util/banned.h"

#define PAYLOAD_FILE_CAP ((uint64_t)256 << 20)

/* Where the guest's libraries come from: the host's, in its own layout. */
static const char *const lib_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
	NULL
};

struct stage {
	struct vm_cpio cpio;
	struct buf dirs;      /* directories added */
	struct buf files;     /* "\npath\n" of every file added */
	char **needed;        /* sonames still to resolve */
	size_t nneeded;
};

static bool added(struct stage *s, const char *path)
{
	char *key = xasprintf("\n%s\n", path);
	bool r = strstr(s->files.ptr, key) != NULL;

	free(key);
	return r;
}

static void mark(struct stage *s, const char *path)
{
	if (!s->files.len)
		buf_putc(&s->files, '\n');
	buf_printf(&s->files, "%s\n", path);
}

/* In the archive, names have no leading '/'. */
static const char *rel(const char *path)
{
	while (*path == '/')
		path++;
	return path;
}

static void note_needed(struct stage *s, const unsigned char *data, size_t len, const char *name)
{
	struct deploy_elf e = DEPLOY_ELF_INIT;
	size_t i;

	if (deploy_elf_read(&e, data, len, name) <= 0) {
		error_clear();
		return;
	}
	for (i = 0; i < e.nneeded; i++) {
		s->needed = xrealloc(s->needed, (s->nneeded + 1) * sizeof(*s->needed));
		s->needed[s->nneeded++] = xstrdup(e.needed[i]);
	}
	deploy_elf_release(&e);
}

static void add_data(struct stage *s, const char *path, unsigned mode, const void *data, size_t len)
{
	if (added(s, path))
		return;
	vm_cpio_parents(&s->cpio, &s->dirs, rel(path));
	vm_cpio_file(&s->cpio, rel(path), mode, data, len);
	mark(s, path);
	note_needed(s, data, len, path);
}

static int payload_file(struct srpm_payload_file *f, void *arg)
{
	struct stage *s = arg;
	unsigned mode = srpm_payload_mode(f);
	uint64_t size = srpm_payload_size(f);
	struct buf b = BUF_INIT;
	char chunk[65536];
	long got;

	if (S_ISDIR(mode)) {
		char *key = xasprintf("\n%s\n", rel(srpm_payload_name(f)));

		if (!strstr(s->dirs.ptr, key)) {
			vm_cpio_parents(&s->cpio, &s->dirs, rel(srpm_payload_name(f)));
			vm_cpio_dir(&s->cpio, rel(srpm_payload_name(f)), mode);
			buf_printf(&s->dirs, "%s\n", rel(srpm_payload_name(f)));
		}
		free(key);
		return 0;
	}
	if (!S_ISREG(mode) || size > PAYLOAD_FILE_CAP)
		return 0;  /* links of the payload (.build-id) are not needed to run */
	while ((got = srpm_payload_read(f, chunk, sizeof(chunk))) > 0)
		buf_put(&b, chunk, (size_t)got);
	if (got < 0) {
		buf_release(&b);
		return (int)got;
	}
	add_data(s, srpm_payload_name(f), mode, b.ptr, b.len);
	buf_release(&b);
	return 0;
}

static int add_host_file(struct stage *s, const char *guest_path, const char *host_path)
{
	struct buf b = BUF_INIT;
	struct stat st;
	int ret;

	if (added(s, guest_path))
		return 0;
	if (stat(host_path, &st) < 0)
		return error_set_errno(ERR_NOTFOUND, "cannot read '%s'", host_path);
	if ((ret = fs_read_file(&b, host_path)) < 0)
		return ret;
	add_data(s, guest_path, st.st_mode, b.ptr, b.len);
	buf_release(&b);
	return 0;
}

/* Every soname the guest's ELF files need, from the host's library directories. */
static int resolve_libraries(struct stage *s)
{
	size_t i, k;
	int ret = 0;

	/* the dynamic loader, where binaries look for it */
	for (i = 0; lib_dirs[i]; i++) {
		char *p = fs_path_join(lib_dirs[i], "ld-linux-x86-64.so.2");

		if (fs_exists(p)) {
			ret = add_host_file(s, "/lib64/ld-linux-x86-64.so.2", p);
			free(p);
			break;
		}
		free(p);
	}
	for (i = 0; i < s->nneeded && ret == 0; i++) {
		bool found = false;

		for (k = 0; lib_dirs[k] && !found; k++) {
			char *p = fs_path_join(lib_dirs[k], s->needed[i]);

			if (fs_exists(p)) {
				found = true;
				ret = add_host_file(s, p, p);
			}
			free(p);
		}
		if (!found)
			ret = error_set(ERR_NOTFOUND, "the guest needs '%s', which this host does not "
					"have in its library directories", s->needed[i]);
	}
	return ret;
}

/* 'text' quoted for the guest's shell. */
static void shell_quote(struct buf *b, const char *text)
{
	const char *p;

	buf_putc(b, '\'');
	for (p = text; *p; p++) {
		if (*p == '\'')
			buf_puts(b, "'\\''");
		else
			buf_putc(b, *p);
	}
	buf_putc(b, '\'');
}

static void write_init(struct stage *s, struct buf *modules, const char *const *argv, size_t argc,
		       char **shown)
{
	struct buf init = BUF_INIT, cmd = BUF_INIT;
	size_t i;

	buf_puts(&init,
		 "#!/bin/busybox sh\n"
		 "# qga-forge smoke --vm: what systemd and udev do on a real guest, in a few lines\n"
		 "export PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
		 "/bin/busybox mount -t proc proc /proc\n"
		 "/bin/busybox mount -t sysfs sysfs /sys\n"
		 "/bin/busybox mount -t devtmpfs devtmpfs /dev\n"
		 "/bin/busybox mount -t tmpfs tmpfs /run\n"
		 "/bin/busybox mkdir -p /run/lock /var/run /var/local/run /var/lib /var/log /var/tmp /tmp \\\n"
		 "  /etc/modprobe.d /etc/sysconfig /etc/qemu-ga /usr/lib/modules\n");
	buf_printf(&init, "for m in %s; do /bin/busybox insmod /lib/modules/$m || "
		   "echo \"qga-forge: insmod $m failed\"; done\n", modules->ptr);
	buf_puts(&init,
		 "/bin/busybox mkdir -p /dev/virtio-ports\n"
		 "for p in /sys/class/virtio-ports/*; do\n"
		 "  [ -e \"$p/name\" ] && /bin/busybox ln -sf \"/dev/${p##*/}\" "
		 "\"/dev/virtio-ports/$(/bin/busybox cat \"$p/name\")\"\n"
		 "done\n"
		 "echo \"qga-forge: starting the agent\"\n");
	for (i = 0; i < argc; i++) {
		if (i)
			buf_putc(&cmd, ' ');
		shell_quote(&cmd, argv[i]);
	}
	buf_printf(&init, "%s\necho \"qga-forge: the agent exited with status $?\"\n"
		   "/bin/busybox poweroff -f\n", cmd.ptr);
	vm_cpio_file(&s->cpio, "init", 0755, init.ptr, init.len);
	*shown = buf_detach(&cmd, NULL);
	buf_release(&init);
}

static int kernel_dir_default(char **out, const struct smoke_vm_opts *vo)
{
	const char *env = getenv("QGA_FORGE_VM_KERNEL_DIR");
	char *script;
	struct run_result r = RUN_RESULT_INIT;
	struct run_opts o;
	const char *argv[2];
	int ret;

	*out = NULL;
	if (env && *env) {
		*out = xstrdup(env);
		return 0;
	}
	script = fs_path_join(vo->datadir ? vo->datadir : ".", "scripts/vm-kernel.sh");
	if (!fs_exists(script)) {
		ret = error_set(ERR_NOTFOUND, "no kernel for the VM: give --kernel-dir DIR (made by "
				"vm-kernel.sh) or set QGA_FORGE_VM_KERNEL_DIR");
		free(script);
		return ret;
	}
	argv[0] = script;
	argv[1] = NULL;
	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.capture = true;
	ws_info_event(vo->progress, "smoke", "smoke --vm: the kernel (%s)", script);
	ret = run_command(&r, &o);
	if (ret == 0 && r.status != 0)
		ret = error_set(ERR_GENERIC, "'%s' failed: %s", script, r.err.ptr);
	if (ret == 0) {
		buf_rtrim(&r.out);
		*out = xstrdup(r.out.ptr);
	}
	run_result_release(&r);
	free(script);
	return ret;
}

void smoke_vm_halt(struct smoke_vm *sv)
{
	vm_stop(sv->vm);
	sv->vm = NULL;
}

void smoke_vm_stop(struct smoke_vm *sv)
{
	vm_stop(sv->vm);
	sv->vm = NULL;
	if (sv->own.path)
		scratch_remove(&sv->own);
	free(sv->dir);
	free(sv->socket);
	free(sv->console);
	free(sv->qemu_log);
	free(sv->kernel);
	free(sv->release);
	free(sv->guest_argv);
	for (size_t i = 0; sv->qemu_argv && sv->qemu_argv[i]; i++)
		free(sv->qemu_argv[i]);
	free(sv->qemu_argv);
	memset(sv, 0, sizeof(*sv));
}

int smoke_vm_boot(struct smoke_vm *sv, const struct smoke_vm_opts *o)
{
	struct stage s;
	struct buf modules = BUF_INIT, list = BUF_INIT, rel_text = BUF_INIT;
	char *kdir = NULL, *initrd = NULL, *busybox = NULL, *probe = NULL;
	const char *const *argv;
	const char *def_argv[] = { "/usr/bin/qemu-ga", "--method=virtio-serial",
				   "--path=/dev/virtio-ports/org.qemu.guest_agent.0", NULL };
	size_t argc, i;
	double t0 = clock_now();
	struct vm_opts vo;
	int ret;

	memset(sv, 0, sizeof(*sv));
	sv->own = (struct scratch)SCRATCH_INIT;
	memset(&s, 0, sizeof(s));
	s.cpio = (struct vm_cpio)VM_CPIO_INIT;
	if (o->kernel_dir)
		kdir = xstrdup(o->kernel_dir);
	else if ((ret = kernel_dir_default(&kdir, o)) < 0)
		goto out;
	/* the uncompressed kernel when there is one: it boots seconds faster under TCG */
	sv->kernel = fs_path_join(kdir, "vmlinux");
	if (!fs_exists(sv->kernel)) {
		free(sv->kernel);
		sv->kernel = fs_path_join(kdir, "vmlinuz");
	}
	{
		char *rp = fs_path_join(kdir, "release"), *lp = fs_path_join(kdir, "modules.list");

		ret = fs_read_file(&rel_text, rp);
		if (ret == 0)
			ret = fs_read_file(&list, lp);
		free(rp);
		free(lp);
		if (ret < 0 || !fs_exists(sv->kernel)) {
			ret = error_prefix(ret < 0 ? ret : ERR_NOTFOUND, "'%s' is not a kernel directory "
					   "made by vm-kernel.sh", kdir);
			goto out;
		}
	}
	buf_rtrim(&rel_text);
	sv->release = xstrdup(rel_text.ptr);
	/* In /tmp, not TMPDIR: the chardev socket's path must fit sun_path. */
	if ((ret = scratch_create(&sv->own, "/tmp", SCRATCH_VM_PREFIX)) < 0)
		goto out;
	t0 = clock_now();
	sv->dir = xstrdup(sv->own.path);
	sv->socket = fs_path_join(sv->dir, "qga.sock");
	sv->console = fs_path_join(sv->dir, "console.log");
	sv->qemu_log = fs_path_join(sv->dir, "qemu.log");
	initrd = fs_path_join(sv->dir, "initrd.cpio");

	/* a static busybox: the guest's shell, mount, insmod, ln */
	if (!run_have_program("busybox")) {
		ret = error_set(ERR_NOTFOUND, "smoke --vm needs a static busybox (package busybox-static)");
		goto out;
	}
	for (i = 0; !busybox && i < 4; i++) {
		static const char *const where[] = { "/bin/busybox", "/usr/bin/busybox", "/sbin/busybox",
						     "/usr/sbin/busybox" };

		if (fs_exists(where[i]))
			busybox = xstrdup(where[i]);
	}
	if (!busybox) {
		ret = error_set(ERR_NOTFOUND, "smoke --vm: busybox is not in /bin or /usr/bin");
		goto out;
	}
	{
		static const char *const dirs[] = { "bin", "dev", "proc", "sys", "run", "tmp", "var",
						    "lib", "lib/modules", "etc", NULL };

		buf_putc(&s.dirs, '\n');
		for (i = 0; dirs[i]; i++) {
			vm_cpio_dir(&s.cpio, dirs[i], 0755);
			buf_printf(&s.dirs, "%s\n", dirs[i]);
		}
	}
	if ((ret = vm_cpio_host_file(&s.cpio, "bin/busybox", busybox)) < 0)
		goto out;
	mark(&s, "/bin/busybox");
	{
		struct buf bb = BUF_INIT;
		struct deploy_elf e = DEPLOY_ELF_INIT;

		if (fs_read_file(&bb, busybox) == 0 &&
		    deploy_elf_read(&e, (unsigned char *)bb.ptr, bb.len, busybox) == 1 && e.nneeded) {
			deploy_elf_release(&e);
			buf_release(&bb);
			ret = error_set(ERR_INPUT, "'%s' is not a static busybox (install busybox-static)",
					busybox);
			goto out;
		}
		error_clear();
		deploy_elf_release(&e);
		buf_release(&bb);
	}
	/* the virtio modules, in the order the kernel directory lists them */
	{
		char *p = list.ptr, *nl;

		for (; p && *p; p = nl ? nl + 1 : NULL) {
			char *name, *host, *guest;

			nl = strchr(p, '\n');
			name = xstrndup(p, nl ? (size_t)(nl - p) : strlen(p));
			if (!*name || !fs_is_safe_name(name)) {
				free(name);
				continue;
			}
			host = xasprintf("%s/modules/%s", kdir, name);
			guest = xasprintf("lib/modules/%s", name);
			ret = vm_cpio_host_file(&s.cpio, guest, host);
			buf_printf(&modules, "%s%s", modules.len ? " " : "", name);
			free(name);
			free(host);
			free(guest);
			if (ret < 0)
				goto out;
		}
	}
	/* the packages, as rpm would install them */
	for (i = 0; i < o->nrpms; i++)
		if ((ret = srpm_walk_payload(o->rpms[i], payload_file, &s)) < 0)
			goto out;
	if ((ret = resolve_libraries(&s)) < 0)
		goto out;
	if (o->inst && o->inst->rpm && o->inst->argc) {
		argv = (const char *const *)o->inst->argv;
		argc = o->inst->argc;
	} else {
		argv = def_argv;
		argc = 3;
	}
	write_init(&s, &modules, argv, argc, &sv->guest_argv);
	vm_cpio_finish(&s.cpio);
	if ((ret = fs_write_atomic(initrd, s.cpio.out.ptr, s.cpio.out.len, 0600)) < 0)
		goto out;
	sv->initrd_bytes = s.cpio.out.len;
	sv->initrd_seconds = clock_now() - t0;

	probe = fs_path_join(kdir, "kvm-probe");
	if (o->accel) {
		sv->accel = !strcmp(o->accel, "kvm") ? "kvm" : "tcg";
		sv->accel_why = "chosen with --accel";
	} else {
		sv->accel = vm_probe_accel(o->qemu, sv->kernel, probe, 4000, &sv->accel_why);
	}
	memset(&vo, 0, sizeof(vo));
	vo.qemu = o->qemu;
	vo.kernel = sv->kernel;
	vo.initrd = initrd;
	vo.accel = sv->accel;
	vo.socket = sv->socket;
	vo.console = sv->console;
	vo.log = sv->qemu_log;
	vo.append = "quiet loglevel=1 tsc=reliable no_timer_check i8042.noaux i8042.nokbd "
		    "i8042.nomux i8042.nopnp mitigations=off";
	sv->started_ms = clock_now_ms();
	if ((ret = vm_start(&sv->vm, &vo)) == 0) {
		const char *const *av = vm_argv(sv->vm);
		size_t n = 0;

		while (av[n])
			n++;
		sv->qemu_argv = xcalloc(n + 1, sizeof(*sv->qemu_argv));
		for (i = 0; i < n; i++)
			sv->qemu_argv[i] = xstrdup(av[i]);
	}
out:
	if (ret < 0)
		smoke_vm_stop(sv);
	vm_cpio_release(&s.cpio);
	buf_release(&s.dirs);
	buf_release(&s.files);
	for (i = 0; i < s.nneeded; i++)
		free(s.needed[i]);
	free(s.needed);
	buf_release(&modules);
	buf_release(&list);
	buf_release(&rel_text);
	free(kdir);
	free(initrd);
	free(busybox);
	free(probe);
	return ret;
}

char *smoke_vm_console_tail(const struct smoke_vm *sv, size_t bytes)
{
	struct buf b = BUF_INIT;
	char *r;

	if (!sv->console || fs_read_file(&b, sv->console) < 0 || !b.len) {
		error_clear();
		buf_release(&b);
		return NULL;
	}
	if (b.len > bytes)
		buf_remove(&b, 0, b.len - bytes);
	r = buf_detach(&b, NULL);
	return r;
}

struct json_object *smoke_vm_json(const struct smoke_vm *sv, bool console_tail)
{
	struct json_object *o = json_object_new_object(), *q = json_object_new_array();
	char **av = sv->qemu_argv;
	size_t i;

	json_object_object_add(o, "kernel", sv->kernel ? json_object_new_string(sv->kernel) : NULL);
	json_object_object_add(o, "release", sv->release ? json_object_new_string(sv->release) : NULL);
	json_object_object_add(o, "accelerator", sv->accel ? json_object_new_string(sv->accel) : NULL);
	json_object_object_add(o, "accelerator_reason",
			       sv->accel_why ? json_object_new_string(sv->accel_why) : NULL);
	json_object_object_add(o, "initrd_bytes", json_object_new_int64((int64_t)sv->initrd_bytes));
	json_object_object_add(o, "initrd_seconds", json_object_new_double(sv->initrd_seconds));
	json_object_object_add(o, "guest_command", sv->guest_argv ?
				json_object_new_string(sv->guest_argv) : NULL);
	for (i = 0; av && av[i]; i++)
		json_object_array_add(q, json_object_new_string(av[i]));
	json_object_object_add(o, "qemu", q);
	if (console_tail) {
		char *t = smoke_vm_console_tail(sv, 4096);

		json_object_object_add(o, "console_tail", t ? json_object_new_string(t) : NULL);
		free(t);
	}
	return o;
}
