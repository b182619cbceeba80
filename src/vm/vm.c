#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vm.h"
#include "util/util.h"
#include "util/banned.h"

#define STOP_GRACE_MS 2000
#define POLL_MS 20

/* ---- newc cpio ---- */

static void cpio_entry(struct vm_cpio *c, const char *name, unsigned mode, const void *data,
		       size_t len)
{
	size_t nl = strlen(name) + 1;
	static const char zeros[4] = { 0 };

	buf_printf(&c->out, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08zX%08X",
		   c->ino++, mode, 0u, 0u, 1u, 0u, (unsigned)len, 0u, 0u, 0u, 0u, nl, 0u);
	buf_put(&c->out, name, nl);
	buf_put(&c->out, zeros, (4 - c->out.len % 4) % 4);
	if (len)
		buf_put(&c->out, data, len);
	buf_put(&c->out, zeros, (4 - c->out.len % 4) % 4);
}

void vm_cpio_dir(struct vm_cpio *c, const char *name, unsigned mode)
{
	cpio_entry(c, name, S_IFDIR | (mode & 07777), NULL, 0);
}

void vm_cpio_file(struct vm_cpio *c, const char *name, unsigned mode, const void *data, size_t len)
{
	cpio_entry(c, name, S_IFREG | (mode & 07777), data, len);
}

void vm_cpio_symlink(struct vm_cpio *c, const char *name, const char *target)
{
	cpio_entry(c, name, S_IFLNK | 0777, target, strlen(target));
}

int vm_cpio_host_file(struct vm_cpio *c, const char *name, const char *path)
{
	struct buf b = BUF_INIT;
	struct stat st;
	int ret;

	if (stat(path, &st) < 0)
		return error_set_errno(ERR_NOTFOUND, "cannot read '%s'", path);
	if ((ret = fs_read_file(&b, path)) < 0)
		return ret;
	vm_cpio_file(c, name, st.st_mode, b.ptr, b.len);
	buf_release(&b);
	return 0;
}

void vm_cpio_parents(struct vm_cpio *c, struct buf *seen, const char *name)
{
	const char *p;

	if (!seen->len)
		buf_putc(seen, '\n');
	for (p = strchr(name, '/'); p; p = strchr(p + 1, '/')) {
		char *dir = xstrndup(name, (size_t)(p - name)), *key = xasprintf("\n%s\n", dir);

		if (*dir && !strstr(seen->ptr, key)) {
			vm_cpio_dir(c, dir, 0755);
			buf_printf(seen, "%s\n", dir);
		}
		free(key);
		free(dir);
	}
}

void vm_cpio_finish(struct vm_cpio *c)
{
	cpio_entry(c, "TRAILER!!!", 0, NULL, 0);
}

void vm_cpio_release(struct vm_cpio *c)
{
	buf_release(&c->out);
}

/* ---- the machine ---- */

struct vm {
	pid_t pid;
	bool exited, reaped;
	int status;
	char **argv;
};

static int wait_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

bool vm_exited(struct vm *vm, int *status)
{
	int st;

	if (!vm->exited) {
		pid_t r = waitpid(vm->pid, &st, WNOHANG);

		if (r == vm->pid) {
			vm->exited = vm->reaped = true;
			vm->status = wait_status(st);
		}
	}
	if (vm->exited && status)
		*status = vm->status;
	return vm->exited;
}

const char *const *vm_argv(const struct vm *vm)
{
	return (const char *const *)vm->argv;
}

static void push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

int vm_start(struct vm **out, const struct vm_opts *o)
{
	struct vm *vm = xcalloc(1, sizeof(*vm));
	size_t n = 0;
	pid_t parent = getpid();
	int report[2], e = 0;
	const char *port = o->port_name ? o->port_name : "org.qemu.guest_agent.0";

	*out = NULL;
	push(&vm->argv, &n, xstrdup(o->qemu ? o->qemu : "qemu-system-x86_64"));
	push(&vm->argv, &n, xstrdup("-accel"));
	push(&vm->argv, &n, xstrdup(o->accel ? o->accel : "tcg"));
	if (o->accel && !strcmp(o->accel, "kvm")) {
		push(&vm->argv, &n, xstrdup("-cpu"));
		push(&vm->argv, &n, xstrdup("host"));
	}
	push(&vm->argv, &n, xstrdup("-m"));
	push(&vm->argv, &n, xasprintf("%d", o->memory_mb > 0 ? o->memory_mb : 256));
	push(&vm->argv, &n, xstrdup("-nodefaults"));
	push(&vm->argv, &n, xstrdup("-display"));
	push(&vm->argv, &n, xstrdup("none"));
	push(&vm->argv, &n, xstrdup("-no-reboot"));
	push(&vm->argv, &n, xstrdup("-kernel"));
	push(&vm->argv, &n, xstrdup(o->kernel));
	if (o->initrd) {
		push(&vm->argv, &n, xstrdup("-initrd"));
		push(&vm->argv, &n, xstrdup(o->initrd));
	}
	push(&vm->argv, &n, xstrdup("-append"));
	push(&vm->argv, &n, xasprintf("console=ttyS0 panic=-1%s%s", o->append ? " " : "",
				      o->append ? o->append : ""));
	push(&vm->argv, &n, xstrdup("-serial"));
	push(&vm->argv, &n, xasprintf("file:%s", o->console ? o->console : "/dev/null"));
	if (o->socket) {
		push(&vm->argv, &n, xstrdup("-device"));
		push(&vm->argv, &n, xstrdup("virtio-serial-pci,id=vs0"));
		push(&vm->argv, &n, xstrdup("-chardev"));
		push(&vm->argv, &n, xasprintf("socket,id=qga0,path=%s,server=on,wait=off", o->socket));
		push(&vm->argv, &n, xstrdup("-device"));
		push(&vm->argv, &n, xasprintf("virtserialport,bus=vs0.0,nr=1,chardev=qga0,"
					      "id=channel0,name=%s", port));
	}
	if (pipe2(report, O_CLOEXEC) < 0) {
		int ret = error_set_errno(ERR_GENERIC, "cannot create a pipe");

		vm_stop(vm);
		return ret;
	}
	fflush(NULL);
	vm->pid = fork();
	if (vm->pid < 0) {
		int ret = error_set_errno(ERR_GENERIC, "cannot start '%s'", vm->argv[0]);

		close(report[0]);
		close(report[1]);
		vm->pid = 0;
		vm_stop(vm);
		return ret;
	}
	if (vm->pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		int logfd = o->log ? open(o->log, O_WRONLY | O_CREAT | O_APPEND, 0600) : -1;

		/* The VM must not outlive us, whatever ends this process. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		setpgid(0, 0);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(logfd >= 0 ? logfd : devnull, 1);
			dup2(logfd >= 0 ? logfd : devnull, 2);
		}
		execvp(vm->argv[0], vm->argv);
		e = errno;
		if (write(report[1], &e, sizeof(e)) < 0) {
			/* nothing more to do in a failed child */
		}
		_exit(127);
	}
	setpgid(vm->pid, vm->pid);
	close(report[1]);
	if (read(report[0], &e, sizeof(e)) == (ssize_t)sizeof(e)) {
		close(report[0]);
		errno = e;
		{
			int ret = error_set_errno(e == ENOENT ? ERR_NOTFOUND : ERR_GENERIC,
						  "cannot run '%s'", vm->argv[0]);

			vm_stop(vm);
			return ret;
		}
	}
	close(report[0]);
	*out = vm;
	return 0;
}

void vm_stop(struct vm *vm)
{
	size_t i;

	if (!vm)
		return;
	if (vm->pid > 0 && !vm_exited(vm, NULL)) {
		long long until = clock_now_ms() + STOP_GRACE_MS;

		kill(-vm->pid, SIGTERM);
		while (!vm_exited(vm, NULL) && clock_now_ms() < until)
			clock_sleep_ms(POLL_MS);
		if (!vm_exited(vm, NULL)) {
			kill(-vm->pid, SIGKILL);
			while (!vm_exited(vm, NULL))
				clock_sleep_ms(POLL_MS);
		}
	}
	if (vm->pid > 0)
		kill(-vm->pid, SIGKILL);  /* anything left in its group */
	for (i = 0; vm->argv && vm->argv[i]; i++)
		free(vm->argv[i]);
	free(vm->argv);
	free(vm);
}

/* ---- can KVM boot a kernel here? ---- */

static char *boot_id(void)
{
	struct buf b = BUF_INIT;

	if (fs_read_file(&b, "/proc/sys/kernel/random/boot_id") < 0) {
		error_clear();
		return xstrdup("unknown");
	}
	buf_rtrim(&b);
	return buf_detach(&b, NULL);
}

const char *vm_probe_accel(const char *qemu, const char *kernel, const char *cache_file,
			   int wait_ms, const char **why)
{
	struct vm_opts o;
	struct vm *vm = NULL;
	struct buf cached = BUF_INIT, console = BUF_INIT;
	char *id = boot_id(), *log = NULL, *key = NULL;
	const char *answer = "tcg";
	long long until;
	int fd;

	if (why)
		*why = "/dev/kvm cannot be opened";
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		goto out;
	close(fd);
	key = xasprintf("%s %s ", id, kernel);
	if (cache_file && fs_read_file(&cached, cache_file) == 0 &&
	    !strncmp(cached.ptr, key, strlen(key))) {
		answer = strstr(cached.ptr + strlen(key), "kvm") ? "kvm" : "tcg";
		if (why)
			*why = !strcmp(answer, "kvm") ? "KVM booted the kernel (cached probe)"
						      : "KVM did not boot the kernel (cached probe)";
		goto out;
	}
	error_clear();
	log = xasprintf("%s.console", cache_file ? cache_file : "/tmp/qga-forge-kvm-probe");
	unlink(log);
	memset(&o, 0, sizeof(o));
	o.qemu = qemu;
	o.kernel = kernel;
	o.accel = "kvm";
	o.console = log;
	o.memory_mb = 128;
	if (vm_start(&vm, &o) < 0) {
		error_clear();
		if (why)
			*why = "QEMU did not start with KVM";
		goto out;
	}
	if (why)
		*why = "KVM did not boot the kernel";
	for (until = clock_now_ms() + wait_ms; clock_now_ms() < until && !vm_exited(vm, NULL);) {
		buf_reset(&console);
		if (fs_read_file(&console, log) == 0 && strstr(console.ptr, "Linux version")) {
			answer = "kvm";
			if (why)
				*why = "KVM booted the kernel";
			break;
		}
		error_clear();
		clock_sleep_ms(50);
	}
	vm_stop(vm);
	unlink(log);
	if (cache_file) {
		char *line = xasprintf("%s%s\n", key, answer);

		if (fs_write_atomic(cache_file, line, strlen(line), 0644) < 0)
			error_clear();
		free(line);
	}
out:
	buf_release(&cached);
	buf_release(&console);
	free(id);
	free(key);
	free(log);
	return answer;
}
