#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy.h"
#include "util/banned.h"

#define EL7 (1u << 0)
#define EL8 (1u << 1)
#define EL9 (1u << 2)
#define EL10 (1u << 3)
#define FEDORA (1u << 4)
#define ALL (EL7 | EL8 | EL9 | EL10 | FEDORA)

/*
 * One row per target. glibc: the version each release ships (el7 2.17,
 * el8 2.28, el9 2.34, el10 2.39; Fedora 43 2.42). A dist tag names a
 * release, so "current Fedora" is the newest row: a package that needs more
 * than that is newer than any Fedora this table knows.
 */
const struct deploy_baseline deploy_baselines[] = {
	{ "el7", "CentOS/RHEL 7", { 2, 17 }, "centos+epel-7", "el7", EL7 },
	{ "el8", "RHEL 8 and rebuilds", { 2, 28 }, "almalinux-8", NULL, EL8 },
	{ "el9", "RHEL 9 and rebuilds", { 2, 34 }, "almalinux-9", NULL, EL9 },
	{ "el10", "RHEL 10 and rebuilds", { 2, 39 }, "centos-stream-10", NULL, EL10 },
	{ "fedora", "Fedora 43", { 2, 42 }, "fedora-rawhide", NULL, FEDORA },
	{ NULL, NULL, { 0, 0 }, NULL, NULL, 0 }
};

/*
 * Libraries by soname and the targets whose base repositories ship them.
 * A library whose soname changed between releases has one row per soname;
 * the part up to ".so" names the library, so a soname of a known library
 * that no row lists for a target is known to be missing there. Sonames of
 * libraries not listed at all are unknown (a warning, not an error).
 */
static const struct {
	const char *soname;
	unsigned targets;
} sonames[] = {
	/* glibc (its libraries keep their sonames; symbol versions are checked apart) */
	{ "libc.so.6", ALL }, { "libm.so.6", ALL }, { "libpthread.so.0", ALL },
	{ "libdl.so.2", ALL }, { "librt.so.1", ALL }, { "libutil.so.1", ALL },
	{ "libresolv.so.2", ALL }, { "libanl.so.1", ALL },
	{ "ld-linux-x86-64.so.2", ALL }, { "ld-linux-aarch64.so.1", ALL },
	{ "ld64.so.2", ALL }, { "ld64.so.1", ALL }, { "ld-linux.so.2", ALL },
	/* compiler runtime */
	{ "libgcc_s.so.1", ALL }, { "libstdc++.so.6", ALL },
	/* what qemu-ga links, and its neighbours */
	{ "libglib-2.0.so.0", ALL }, { "libgio-2.0.so.0", ALL }, { "libgobject-2.0.so.0", ALL },
	{ "libgmodule-2.0.so.0", ALL }, { "libgthread-2.0.so.0", ALL },
	{ "libz.so.1", ALL }, { "libudev.so.1", ALL }, { "libsystemd.so.0", ALL },
	{ "libselinux.so.1", ALL }, { "libmount.so.1", ALL }, { "libblkid.so.1", ALL },
	{ "libuuid.so.1", ALL }, { "libnuma.so.1", ALL }, { "libpixman-1.so.0", ALL },
	{ "libcap-ng.so.0", ALL }, { "libcap.so.2", ALL }, { "libaio.so.1", ALL },
	{ "libattr.so.1", ALL }, { "libacl.so.1", ALL }, { "libbz2.so.1", ALL },
	{ "liblzma.so.5", ALL }, { "libseccomp.so.2", ALL }, { "libpam.so.0", ALL },
	{ "libxml2.so.2", ALL }, { "libcurl.so.4", ALL }, { "libexpat.so.1", ALL },
	{ "libkeyutils.so.1", ALL }, { "libpcre2-8.so.0", ALL },
	/* libraries whose soname moved */
	{ "libssl.so.10", EL7 }, { "libssl.so.1.1", EL8 | EL9 }, { "libssl.so.3", EL9 | EL10 | FEDORA },
	{ "libcrypto.so.10", EL7 }, { "libcrypto.so.1.1", EL8 | EL9 },
	{ "libcrypto.so.3", EL9 | EL10 | FEDORA },
	{ "libffi.so.6", EL7 | EL8 }, { "libffi.so.8", EL9 | EL10 | FEDORA },
	{ "libreadline.so.6", EL7 }, { "libreadline.so.7", EL8 },
	{ "libreadline.so.8", EL9 | EL10 | FEDORA },
	{ "libtinfo.so.5", EL7 | EL8 }, { "libtinfo.so.6", EL8 | EL9 | EL10 | FEDORA },
	{ "libjson-c.so.2", EL7 }, { "libjson-c.so.4", EL8 }, { "libjson-c.so.5", EL9 | EL10 | FEDORA },
	{ "libgnutls.so.28", EL7 }, { "libgnutls.so.30", EL8 | EL9 | EL10 | FEDORA },
	{ "libnettle.so.4", EL7 }, { "libnettle.so.6", EL8 }, { "libnettle.so.8", EL9 | EL10 | FEDORA },
};

#define NSONAMES (sizeof(sonames) / sizeof(sonames[0]))

const struct deploy_baseline *deploy_baseline_find(const char *name)
{
	const struct deploy_baseline *b;

	for (b = deploy_baselines; name && b->name; b++)
		if (!strcmp(b->name, name))
			return b;
	return NULL;
}

/* The number right after `p`, when it is one; else -1. */
static long number_at(const char *p)
{
	char *end;
	long v;

	if (*p < '0' || *p > '9')
		return -1;
	v = strtol(p, &end, 10);
	return end == p ? -1 : v;
}

const struct deploy_baseline *deploy_baseline_for_release(const char *release)
{
	const char *p;

	if (!release)
		return NULL;
	/* ".el8_4", "+el8.3.0" (module builds), ".el10" */
	for (p = release; (p = strstr(p, "el")); p += 2) {
		long v;
		char name[16];

		if (p == release || (p[-1] != '.' && p[-1] != '+'))
			continue;
		if ((v = number_at(p + 2)) < 7 || v > 99)
			continue;
		snprintf(name, sizeof(name), "el%ld", v);
		return deploy_baseline_find(name);
	}
	for (p = release; (p = strstr(p, "fc")); p += 2) {
		if (p != release && p[-1] == '.' && number_at(p + 2) > 0)
			return deploy_baseline_find("fedora");
	}
	return NULL;
}

/* Length of the library part of a soname: "libssl.so.10" -> "libssl.so". */
static size_t family_len(const char *soname)
{
	const char *p = strstr(soname, ".so");

	return p ? (size_t)(p - soname) + 3 : strlen(soname);
}

int deploy_soname_status(const struct deploy_baseline *b, const char *soname, const char **instead)
{
	size_t i, fl = family_len(soname);
	bool known_family = false;
	const char *other = NULL;

	if (instead)
		*instead = NULL;
	for (i = 0; i < NSONAMES; i++) {
		if (!strcmp(sonames[i].soname, soname) && (sonames[i].targets & b->bit))
			return 1;
		if (family_len(sonames[i].soname) == fl && !strncmp(sonames[i].soname, soname, fl)) {
			known_family = true;
			if ((sonames[i].targets & b->bit) && !other)
				other = sonames[i].soname;
		}
	}
	if (!known_family)
		return -1;
	if (instead)
		*instead = other;
	return 0;
}

int deploy_glibc_version(unsigned out[3], const char *name)
{
	const char *p;
	int i;

	out[0] = out[1] = out[2] = 0;
	if (!strcmp(name, "GLIBC_ABI_DT_RELR")) {
		out[0] = 2;
		out[1] = 36;
		return 1;
	}
	if (strncmp(name, "GLIBC_", 6))
		return 0;
	p = name + 6;
	for (i = 0; i < 3; i++) {
		char *end;
		unsigned long v;

		if (*p < '0' || *p > '9')
			return 0;
		v = strtoul(p, &end, 10);
		if (v > 1000)
			return 0;
		out[i] = (unsigned)v;
		p = end;
		if (!*p)
			return i >= 1;
		if (*p != '.')
			return 0;
		p++;
	}
	return 0;
}
