#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "deploy/deploy.h"
#include "util/util.h"
#include "testutil.h"

/* ---- a synthetic ELF image: .dynstr, .dynamic and .gnu.version_r ---- */

#define IMG_SIZE 0x800
static const char dynstr[] = "\0libc.so.6\0libglib-2.0.so.0\0GLIBC_2.34\0GLIBC_2.2.5\0";
#define S_LIBC 1
#define S_GLIB 11
#define S_V234 28
#define S_V225 39

static void put(unsigned char *img, size_t off, uint64_t v, unsigned n, bool be)
{
	unsigned i;

	for (i = 0; i < n; i++)
		img[off + i] = (unsigned char)(v >> (be ? 8 * (n - 1 - i) : 8 * i));
}

/* Section header i at 0x400: type, offset, size, link, info. */
static void shdr(unsigned char *img, bool is64, bool be, unsigned i, uint32_t type, uint64_t off,
		 uint64_t size, uint32_t link, uint32_t info)
{
	size_t o = 0x400 + (size_t)i * (is64 ? 64 : 40);

	put(img, o + 4, type, 4, be);
	if (is64) {
		put(img, o + 24, off, 8, be);
		put(img, o + 32, size, 8, be);
		put(img, o + 40, link, 4, be);
		put(img, o + 44, info, 4, be);
	} else {
		put(img, o + 16, off, 4, be);
		put(img, o + 20, size, 4, be);
		put(img, o + 24, link, 4, be);
		put(img, o + 28, info, 4, be);
	}
}

static unsigned char *make_elf(bool is64, bool be)
{
	unsigned char *img = calloc(1, IMG_SIZE);
	unsigned w = is64 ? 8 : 4, esz = is64 ? 16 : 8;

	memcpy(img, "\177ELF", 4);
	img[4] = is64 ? 2 : 1;
	img[5] = be ? 2 : 1;
	img[6] = 1;
	put(img, 16, 3, 2, be);                   /* ET_DYN */
	put(img, 18, is64 ? 62 : 3, 2, be);       /* x86-64 / i386 */
	if (is64) {
		put(img, 40, 0x400, 8, be);       /* e_shoff */
		put(img, 58, 64, 2, be);          /* e_shentsize */
		put(img, 60, 4, 2, be);           /* e_shnum */
	} else {
		put(img, 32, 0x400, 4, be);
		put(img, 46, 40, 2, be);
		put(img, 48, 4, 2, be);
	}
	memcpy(img + 0x100, dynstr, sizeof(dynstr));
	/* .dynamic: NEEDED glib, NEEDED libc, a DT_STRSZ, NULL */
	put(img, 0x200, 1, w, be);
	put(img, 0x200 + w, S_GLIB, w, be);
	put(img, 0x200 + esz, 1, w, be);
	put(img, 0x200 + esz + w, S_LIBC, w, be);
	put(img, 0x200 + 2 * esz, 10, w, be);
	put(img, 0x200 + 2 * esz + w, sizeof(dynstr), w, be);
	/* .gnu.version_r: libc.so.6 needs GLIBC_2.2.5 and GLIBC_2.34 */
	put(img, 0x300, 1, 2, be);
	put(img, 0x302, 2, 2, be);
	put(img, 0x304, S_LIBC, 4, be);
	put(img, 0x308, 16, 4, be);
	put(img, 0x30c, 0, 4, be);
	put(img, 0x310 + 8, S_V225, 4, be);
	put(img, 0x310 + 12, 16, 4, be);
	put(img, 0x320 + 8, S_V234, 4, be);
	put(img, 0x320 + 12, 0, 4, be);
	shdr(img, is64, be, 1, 3, 0x100, sizeof(dynstr), 0, 0);
	shdr(img, is64, be, 2, 6, 0x200, 4 * esz, 1, 0);
	shdr(img, is64, be, 3, 0x6ffffffe, 0x300, 0x30, 1, 1);
	return img;
}

static void check_image(bool is64, bool be)
{
	unsigned char *img = make_elf(is64, be);
	struct deploy_elf e = DEPLOY_ELF_INIT;

	assert_int_equal(deploy_elf_read(&e, img, IMG_SIZE, "img"), 1);
	assert_int_equal(e.is64, is64);
	assert_int_equal(e.big_endian, be);
	assert_int_equal(e.nneeded, 2);
	assert_string_equal(e.needed[0], "libglib-2.0.so.0");
	assert_string_equal(e.needed[1], "libc.so.6");
	assert_int_equal(e.nverneed, 2);
	assert_string_equal(e.verneed[0].file, "libc.so.6");
	assert_string_equal(e.verneed[0].version, "GLIBC_2.2.5");
	assert_string_equal(e.verneed[1].version, "GLIBC_2.34");
	deploy_elf_release(&e);
	free(img);
}

static void test_deploy__elf_64_little(void **state)
{
	(void)state;
	check_image(true, false);
}

static void test_deploy__elf_32_big(void **state)
{
	(void)state;
	check_image(false, true);
}

static void test_deploy__elf_not_elf(void **state)
{
	struct deploy_elf e = DEPLOY_ELF_INIT;
	static const unsigned char text[] = "#!/bin/sh\necho hello\n";

	(void)state;
	assert_int_equal(deploy_elf_read(&e, text, sizeof(text), "script"), 0);
	assert_int_equal(e.nneeded, 0);
	assert_int_equal(deploy_elf_read(&e, text, 0, "empty"), 0);
}

/* Every truncation of a valid image is read safely: parsed or refused, never past the end. */
static void test_deploy__elf_truncated(void **state)
{
	unsigned char *img = make_elf(true, false);
	size_t len;
	int refused = 0;

	(void)state;
	for (len = 4; len < 0x480; len++) {
		unsigned char *copy = malloc(len);
		struct deploy_elf e = DEPLOY_ELF_INIT;
		int r;

		memcpy(copy, img, len);
		r = deploy_elf_read(&e, copy, len, "cut");
		assert_true(r == 1 || r == ERR_INPUT);
		if (r < 0) {
			assert_non_null(strstr(error_last(), "'cut': damaged ELF file"));
			refused++;
		}
		deploy_elf_release(&e);
		free(copy);
	}
	assert_true(refused > 0);
	free(img);
}

static void test_deploy__elf_bad_offsets(void **state)
{
	unsigned char *img = make_elf(true, false);
	struct deploy_elf e = DEPLOY_ELF_INIT;

	(void)state;
	/* a DT_NEEDED pointing past its string table */
	put(img, 0x208, 0x7fff, 8, false);
	assert_int_equal(deploy_elf_read(&e, img, IMG_SIZE, "bad"), ERR_INPUT);
	assert_non_null(strstr(error_last(), "DT_NEEDED outside its string table"));
	free(img);

	img = make_elf(true, false);
	/* a section link to a section that does not exist */
	put(img, 0x400 + 2 * 64 + 40, 99, 4, false);
	assert_int_equal(deploy_elf_read(&e, img, IMG_SIZE, "bad"), ERR_INPUT);
	assert_non_null(strstr(error_last(), "section link out of range"));
	free(img);

	img = make_elf(true, false);
	/* a version record chain running off its section */
	put(img, 0x310 + 12, 0x1000, 4, false);
	assert_int_equal(deploy_elf_read(&e, img, IMG_SIZE, "bad"), ERR_INPUT);
	assert_non_null(strstr(error_last(), "out of its section"));
	free(img);
}

/* This test program is an ELF file linked here: the reader finds its libc. */
static void test_deploy__elf_real_binary(void **state)
{
	struct buf b = BUF_INIT;
	struct deploy_elf e = DEPLOY_ELF_INIT;
	unsigned v[3];
	size_t i;
	bool libc = false, glibc = false;

	(void)state;
	assert_int_equal(fs_read_file(&b, "/proc/self/exe"), 0);
	assert_int_equal(deploy_elf_read(&e, (unsigned char *)b.ptr, b.len, "self"), 1);
	for (i = 0; i < e.nneeded; i++)
		libc |= !strcmp(e.needed[i], "libc.so.6");
	for (i = 0; i < e.nverneed; i++)
		glibc |= deploy_glibc_version(v, e.verneed[i].version) == 1;
	assert_true(libc);
	assert_true(glibc);
	deploy_elf_release(&e);
	buf_release(&b);
}

/* ---- the baseline table ---- */

static void test_deploy__baseline_rows(void **state)
{
	static const struct { const char *name; unsigned major, minor; } want[] = {
		{ "el7", 2, 17 }, { "el8", 2, 28 }, { "el9", 2, 34 }, { "el10", 2, 39 }, { "fedora", 2, 42 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct deploy_baseline *b = deploy_baseline_find(want[i].name);

		assert_non_null(b);
		assert_int_equal(b->glibc[0], want[i].major);
		assert_int_equal(b->glibc[1], want[i].minor);
		assert_non_null(b->mock_root);
	}
	assert_null(deploy_baseline_find("el6"));
	assert_null(deploy_baseline_find(NULL));
	assert_string_equal(deploy_baseline_find("el7")->container, "el7");
	assert_null(deploy_baseline_find("el9")->container);
}

static void test_deploy__baseline_dist_tags(void **state)
{
	static const struct { const char *release, *target; } cases[] = {
		{ "3.el7", "el7" }, { "3.el7.qga1", "el7" }, { "11.el8_4", "el8" },
		{ "1.module+el8.3.0+7421+cafe", "el8" }, { "5.el9", "el9" }, { "2.el10", "el10" },
		{ "2.fc41", "fedora" }, { "3", NULL }, { "1.elephant", NULL }, { "1.el6", NULL },
		{ "1.kernel", NULL }, { "", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct deploy_baseline *b = deploy_baseline_for_release(cases[i].release);

		if (!cases[i].target) {
			assert_null(b);
			continue;
		}
		assert_non_null(b);
		assert_string_equal(b->name, cases[i].target);
	}
	assert_null(deploy_baseline_for_release(NULL));
}

static void test_deploy__glibc_versions(void **state)
{
	unsigned v[3];

	(void)state;
	assert_int_equal(deploy_glibc_version(v, "GLIBC_2.34"), 1);
	assert_true(v[0] == 2 && v[1] == 34 && v[2] == 0);
	assert_int_equal(deploy_glibc_version(v, "GLIBC_2.2.5"), 1);
	assert_true(v[0] == 2 && v[1] == 2 && v[2] == 5);
	assert_int_equal(deploy_glibc_version(v, "GLIBC_ABI_DT_RELR"), 1);
	assert_true(v[0] == 2 && v[1] == 36);
	assert_int_equal(deploy_glibc_version(v, "GLIBC_PRIVATE"), 0);
	assert_int_equal(deploy_glibc_version(v, "GLIBCXX_3.4.29"), 0);
	assert_int_equal(deploy_glibc_version(v, "GLIBC_2"), 0);
	assert_int_equal(deploy_glibc_version(v, "GLIBC_2.3x"), 0);
	assert_int_equal(deploy_glibc_version(v, "GCC_3.0"), 0);
}

static void test_deploy__sonames(void **state)
{
	const struct deploy_baseline *el7 = deploy_baseline_find("el7");
	const struct deploy_baseline *el9 = deploy_baseline_find("el9");
	const char *instead;

	(void)state;
	assert_int_equal(deploy_soname_status(el7, "libglib-2.0.so.0", &instead), 1);
	assert_int_equal(deploy_soname_status(el7, "libc.so.6", NULL), 1);
	assert_int_equal(deploy_soname_status(el7, "libssl.so.3", &instead), 0);
	assert_string_equal(instead, "libssl.so.10");
	assert_int_equal(deploy_soname_status(el9, "libssl.so.10", &instead), 0);
	assert_string_equal(instead, "libssl.so.1.1");
	assert_int_equal(deploy_soname_status(el9, "libffi.so.8", &instead), 1);
	assert_int_equal(deploy_soname_status(el7, "libffi.so.8", &instead), 0);
	assert_string_equal(instead, "libffi.so.6");
	/* a soname of a known library that no row has */
	assert_int_equal(deploy_soname_status(el9, "libjson-c.so.99", &instead), 0);
	assert_string_equal(instead, "libjson-c.so.5");
	assert_int_equal(deploy_soname_status(el9, "libfrobnicate.so.3", &instead), -1);
	assert_null(instead);
}

/* ---- unexpanded macros ---- */

static void test_deploy__find_macro(void **state)
{
	static const struct { const char *text, *macro; } cases[] = {
		{ "%systemd_post qemu-guest-agent.service\n", "%systemd_post" },
		{ "if [ $1 -eq 0 ]; then\n%systemd_preun x.service\nfi\n", "%systemd_preun" },
		{ "cp a %{_unitdir}/x.service", "%{_unitdir}" },
		{ "echo %{?dist}", "%{?dist}" },
		{ "/usr/lib/%name/x", "%name" },
		{ "x=%_libdir", "%_libdir" },
		{ "printf '%s\\n' \"$x\"", NULL },
		{ "printf \"%-10s %5d %lu\\n\" a 1 2", NULL },
		{ "date +%Y%m%d", NULL },
		{ "echo 100%% done", NULL },
		{ "echo %%{name}", NULL },
		{ "echo ${x%.service}", NULL },
		{ "echo 50% off", NULL },
		{ "", NULL },
	};
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long off = deploy_find_macro(cases[i].text, &len);

		if (!cases[i].macro) {
			if (off >= 0)
				fail_msg("'%s': found '%.*s'", cases[i].text, (int)len, cases[i].text + off);
			continue;
		}
		assert_true(off >= 0);
		assert_int_equal(len, strlen(cases[i].macro));
		assert_memory_equal(cases[i].text + off, cases[i].macro, len);
	}
}

/* ---- deploy_check on rpms built here ---- */

/* A binary package of `spec_text` in top/RPMS, %{dist} being `dist`. */
static void rpmbuild(const char *spec_text, const char *dist)
{
	char d[64];
	const char *defines[] = { d, "__spec_install_post %{nil}", NULL };

	tu_fmt(d, "dist %s", dist);
	tu_rpmbuild("-bb", spec_text, defines);
}

static void test_deploy__check_clean_noarch(void **state)
{
	struct deploy_result r = DEPLOY_RESULT_INIT;
	struct deploy_opts o = { NULL, NULL, true };
	const char *paths[] = { "top/RPMS" };

	(void)state;
	rpmbuild("Name: clean\nVersion: 1\nRelease: 1%{?dist}\nSummary: t\nLicense: MIT\n"
		 "BuildArch: noarch\n%description\nt\n%install\nmkdir -p %{buildroot}/usr/share/clean\n"
		 "echo x > %{buildroot}/usr/share/clean/x\n%post\nprintf '%s\\n' done >/dev/null\n"
		 "%files\n/usr/share/clean/x\n", ".el9");
	assert_int_equal(deploy_check(&r, paths, 1, &o), 0);
	assert_int_equal(r.nrpms, 1);
	assert_string_equal(r.rpms[0].target, "el9");
	assert_string_equal(r.rpms[0].target_source, "dist tag");
	assert_int_equal(r.nerrors, 0);
	assert_int_equal(r.nwarnings, 0);
	deploy_result_release(&r);
}

static void test_deploy__check_macro_and_target(void **state)
{
	struct deploy_result r = DEPLOY_RESULT_INIT;
	struct deploy_opts o = { NULL, "3.el7", true };
	const char *paths[] = { "top/RPMS" };
	struct json_object *j;

	(void)state;
	rpmbuild("Name: m\nVersion: 1\nRelease: 1%{?dist}\nSummary: t\nLicense: MIT\n"
		 "BuildArch: noarch\n%description\nt\n%install\nmkdir -p %{buildroot}/usr/share/m\n"
		 "echo x > %{buildroot}/usr/share/m/x\n%preun\n%systemd_preun m.service\n"
		 "%files\n/usr/share/m/x\n", "%{nil}");
	/* no dist tag: the fallback release names the target */
	assert_int_equal(deploy_check(&r, paths, 1, &o), 0);
	assert_string_equal(r.rpms[0].target, "el7");
	assert_string_equal(r.rpms[0].target_source, "vendor src.rpm's dist tag");
	assert_int_equal(r.nerrors, 1);
	assert_string_equal(r.rpms[0].problems[0].kind, "macro-in-scriptlet");
	assert_string_equal(r.rpms[0].problems[0].where, "%preun");
	assert_non_null(strstr(r.rpms[0].problems[0].fix, "--container el7"));
	j = deploy_result_json(&r);
	assert_false(json_object_get_boolean(json_object_object_get(j, "ok")));
	json_object_put(j);
	deploy_result_release(&r);

	/* neither: a warning that the requirements went unchecked */
	o.fallback_release = "3";
	assert_int_equal(deploy_check(&r, paths, 1, &o), 0);
	assert_null(r.rpms[0].target);
	assert_int_equal(r.nwarnings, 1);
	deploy_result_release(&r);

	o.target = "el6";
	assert_int_equal(deploy_check(&r, paths, 1, &o), ERR_INPUT);
	assert_non_null(strstr(error_last(), "unknown target 'el6'"));
}

static void test_deploy__check_bad_inputs(void **state)
{
	struct deploy_result r = DEPLOY_RESULT_INIT;
	struct deploy_opts o = { NULL, NULL, true };
	const char *missing[] = { "nowhere.rpm" }, *empty[] = { "emptydir" }, *junk[] = { "junk.rpm" };

	(void)state;
	assert_int_equal(deploy_check(&r, missing, 1, &o), ERR_NOTFOUND);
	assert_int_equal(mkdir("emptydir", 0755), 0);
	assert_int_equal(deploy_check(&r, empty, 1, &o), ERR_INPUT);
	assert_non_null(strstr(error_last(), "no binary rpm found in emptydir"));
	tu_write("junk.rpm", "not an rpm at all, but long enough to have a lead\n");
	assert_int_equal(deploy_check(&r, junk, 1, &o), ERR_INPUT);
	assert_int_equal(r.nrpms, 0);
}


/* ---- the vendor's RPC policy ---- */

static const char *src_root(void)
{
	const char *r = getenv("QGA_FORGE_SRC_ROOT");

	return r && *r ? r : ".";
}

static void read_policy(struct buf *text, struct deploy_policy *p, const char *name)
{
	char *path = xasprintf("%s/tests/data/deploy/%s", src_root(), name);

	buf_reset(text);
	assert_int_equal(fs_read_file(text, path), 0);
	assert_int_equal(deploy_policy_parse(p, name, text->ptr, text->len), 0);
	free(path);
}

static void test_deploy__policy_blacklist_el7(void **state)
{
	struct buf text = BUF_INIT, out = BUF_INIT;
	struct deploy_policy p;
	const char *mine[] = { "guest-get-statvfs" }, *blocked[] = { "guest-get-statvfs", "guest-exec" };
	size_t added = 99;

	(void)state;
	read_policy(&text, &p, "sysconfig-el7");
	assert_false(p.is_conf);
	assert_int_equal(p.nlists, 1);
	assert_int_equal(p.lists[0].kind, DEPLOY_POLICY_BLOCK);
	assert_string_equal(p.lists[0].key, "BLACKLIST_RPC");
	assert_string_equal(p.lists[0].option, "--blacklist");
	assert_int_equal(p.lists[0].line, 8);
	assert_int_equal(p.lists[0].col, 15);
	assert_int_equal(p.lists[0].nnames, 8);
	assert_string_equal(p.lists[0].names[7], "guest-exec-status");
	/* not blocked, no allow-list: callable as shipped, nothing to change */
	assert_int_equal(deploy_policy_allow(&out, &added, &p, text.ptr, text.len, mine, 1), 0);
	assert_int_equal(added, 0);
	assert_int_equal(out.len, text.len);
	assert_memory_equal(out.ptr, text.ptr, text.len);
	/* blocked: refused, naming the line */
	assert_int_equal(deploy_policy_allow(&out, &added, &p, text.ptr, text.len, blocked, 2),
			 ERR_INPUT);
	assert_non_null(strstr(error_last(), "sysconfig-el7:8:15: BLACKLIST_RPC (--blacklist) blocks "
					     "'guest-exec'"));
	deploy_policy_release(&p);
	buf_release(&text);
	buf_release(&out);
}

static void test_deploy__policy_block_rpcs_el9_0(void **state)
{
	struct buf text = BUF_INIT, out = BUF_INIT;
	struct deploy_policy p;
	const char *blocked[] = { "guest-file-read" };

	(void)state;
	read_policy(&text, &p, "sysconfig-el9.0");
	assert_int_equal(p.nlists, 1);
	assert_string_equal(p.lists[0].key, "BLOCK_RPCS");
	assert_string_equal(p.lists[0].option, "--block-rpcs");
	assert_int_equal(deploy_policy_allow(&out, NULL, &p, text.ptr, text.len, blocked, 1), ERR_INPUT);
	assert_non_null(strstr(error_last(), "sysconfig-el9.0:8:12: BLOCK_RPCS (--block-rpcs) blocks "
					     "'guest-file-read'"));
	deploy_policy_release(&p);
	buf_release(&text);
	buf_release(&out);
}

static void test_deploy__policy_allow_el9_4(void **state)
{
	struct buf text = BUF_INIT, out = BUF_INIT, again = BUF_INIT;
	struct deploy_policy p, q;
	const char *mine[] = { "guest-get-statvfs", "guest-info", "guest-set-watchdog-timeout",
			       "guest-get-statvfs" };
	const char *tail = ",guest-get-users,guest-get-statvfs,guest-set-watchdog-timeout\"\n";
	size_t added;

	(void)state;
	read_policy(&text, &p, "sysconfig-el9.4");
	assert_int_equal(p.nlists, 1);
	assert_int_equal(p.lists[0].kind, DEPLOY_POLICY_ALLOW);
	assert_string_equal(p.lists[0].key, "FILTER_RPC_ARGS");
	assert_string_equal(p.lists[0].option, "--allow-rpcs");
	assert_int_equal(p.lists[0].line, 9);
	assert_int_equal(p.lists[0].col, 31);
	assert_int_equal(deploy_policy_allow(&out, &added, &p, text.ptr, text.len, mine, 4), 0);
	/* guest-info is listed already; the duplicate is added once */
	assert_int_equal(added, 2);
	assert_int_equal(out.len, text.len + strlen(",guest-get-statvfs,guest-set-watchdog-timeout"));
	assert_non_null(strstr(out.ptr, tail));
	/* nothing else changed: the bytes before and after the insertion are the vendor's */
	assert_memory_equal(out.ptr, text.ptr, p.lists[0].end);
	assert_memory_equal(out.ptr + out.len - (text.len - p.lists[0].end), text.ptr + p.lists[0].end,
			    text.len - p.lists[0].end);
	/* a second run adds nothing */
	assert_int_equal(deploy_policy_parse(&q, "again", out.ptr, out.len), 0);
	assert_int_equal(deploy_policy_allow(&again, &added, &q, out.ptr, out.len, mine, 4), 0);
	assert_int_equal(added, 0);
	assert_int_equal(again.len, out.len);
	deploy_policy_release(&q);
	deploy_policy_release(&p);
	buf_release(&text);
	buf_release(&out);
	buf_release(&again);
}

static void test_deploy__policy_conf(void **state)
{
	struct buf text = BUF_INIT, out = BUF_INIT;
	struct deploy_policy p;
	const char *exec[] = { "guest-exec" }, *mine[] = { "guest-get-statvfs" };

	(void)state;
	read_policy(&text, &p, "qemu-ga-block.conf");
	assert_true(p.is_conf);
	assert_int_equal(p.nlists, 1);
	assert_string_equal(p.lists[0].key, "block-rpcs");
	assert_int_equal(p.lists[0].nnames, 4);
	assert_int_equal(deploy_policy_allow(&out, NULL, &p, text.ptr, text.len, exec, 1), ERR_INPUT);
	assert_non_null(strstr(error_last(), "qemu-ga-block.conf:9:14: block-rpcs (--block-rpcs) "
					     "blocks 'guest-exec'"));
	deploy_policy_release(&p);

	read_policy(&text, &p, "qemu-ga-allow.conf");
	/* [other]'s key is not the agent's */
	assert_int_equal(p.nlists, 1);
	assert_string_equal(p.lists[0].key, "allow-rpcs");
	assert_int_equal(deploy_policy_allow(&out, NULL, &p, text.ptr, text.len, mine, 1), 0);
	assert_non_null(strstr(out.ptr, "allow-rpcs=guest-sync-delimited,guest-sync,guest-ping,"
				       "guest-info,guest-get-statvfs\n\n[other]\nallow-rpcs=not-this-one\n"));
	deploy_policy_release(&p);
	buf_release(&text);
	buf_release(&out);
}

static void test_deploy__policy_env_rules(void **state)
{
	/* comments do not count, the last assignment wins, "-b LIST" and '' quotes */
	static const char text[] =
		"# BLACKLIST_RPC=guest-a\n"
		"BLOCK_RPCS=guest-b\n"
		"BLOCK_RPCS=guest-c\n"
		"FILTER_RPC_ARGS='-b guest-d --allow-rpcs=guest-e,'\n"
		"  ; FILTER_RPC_ARGS=--allow-rpcs=guest-f\n";
	struct deploy_policy p;
	struct buf out = BUF_INIT;
	const char *a[] = { "guest-a", "guest-b" }, *d[] = { "guest-d" }, *x[] = { "guest-x" };

	(void)state;
	assert_int_equal(deploy_policy_parse(&p, "env", text, strlen(text)), 0);
	assert_int_equal(p.nlists, 3);
	assert_int_equal(deploy_policy_allow(&out, NULL, &p, text, strlen(text), a, 2), 0);
	assert_int_equal(deploy_policy_allow(&out, NULL, &p, text, strlen(text), d, 1), ERR_INPUT);
	assert_non_null(strstr(error_last(), "env:4:21: FILTER_RPC_ARGS (--block-rpcs) blocks 'guest-d'"));
	/* a list ending in a comma takes no second one */
	assert_int_equal(deploy_policy_allow(&out, NULL, &p, text, strlen(text), x, 1), 0);
	assert_non_null(strstr(out.ptr, "--allow-rpcs=guest-e,guest-x'\n"));
	deploy_policy_release(&p);
	buf_release(&out);
	assert_int_equal(deploy_policy_parse(&p, "bin", "A=1\0B", 5), ERR_INPUT);
}

/* ---- the unit's command line ---- */

static void free_words(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void test_deploy__unit_parse(void **state)
{
	static const char unit[] =
		"[Unit]\nDescription=QEMU Guest Agent\nExecStart=/not/this\n\n"
		"[Service]\nUMask=0077\nEnvironmentFile=/etc/sysconfig/qemu-ga\n"
		"EnvironmentFile=-/etc/sysconfig/other\n"
		"Environment=\"A=1 2\" B=3\n"
		"# ExecStart=/commented\n"
		"ExecStart=-/usr/bin/qemu-ga \\\n  --method=virtio-serial \\\n"
		"  --path=/dev/virtio-ports/org.qemu.guest_agent.0 \\\n  --blacklist=${BLACKLIST_RPC}\n"
		"[Install]\nWantedBy=multi-user.target\n";
	struct deploy_unit u;

	(void)state;
	assert_int_equal(deploy_unit_parse(&u, "u.service", unit, strlen(unit)), 0);
	assert_string_equal(u.exec_start, "/usr/bin/qemu-ga    --method=virtio-serial    "
					  "--path=/dev/virtio-ports/org.qemu.guest_agent.0    "
					  "--blacklist=${BLACKLIST_RPC}");
	assert_int_equal(u.nenv_files, 2);
	assert_string_equal(u.env_files[0], "/etc/sysconfig/qemu-ga");
	assert_false(u.env_optional[0]);
	assert_string_equal(u.env_files[1], "/etc/sysconfig/other");
	assert_true(u.env_optional[1]);
	assert_int_equal(u.nenv, 2);
	assert_string_equal(u.env[0], "A=1 2");
	assert_string_equal(u.env[1], "B=3");
	deploy_unit_release(&u);
	assert_int_equal(deploy_unit_parse(&u, "x.service", "[Service]\nType=simple\n", 23), ERR_INPUT);
	assert_non_null(strstr(error_last(), "x.service: no ExecStart= in [Service]"));
}

static void test_deploy__exec_expand(void **state)
{
	static const char env[] =
		"# comment\nBLACKLIST_RPC=guest-a,guest-b\n"
		"FILTER_RPC_ARGS=\"--allow-rpcs=guest-x,guest-y -v\"\nEMPTY=\nHOOK='/etc/qemu-ga/hook'\n";
	char **vars = NULL, **argv = NULL;
	size_t nvars = 0, argc = 0;

	(void)state;
	deploy_env_parse(&vars, &nvars, env, strlen(env));
	assert_int_equal(nvars, 4);
	assert_string_equal(vars[1], "FILTER_RPC_ARGS=--allow-rpcs=guest-x,guest-y -v");
	assert_string_equal(vars[3], "HOOK=/etc/qemu-ga/hook");
	assert_int_equal(deploy_exec_expand(&argv, &argc,
					    "/usr/bin/qemu-ga --blacklist=${BLACKLIST_RPC} $FILTER_RPC_ARGS "
					    "$EMPTY $UNSET -F${HOOK} \"a b\" x$$y ${UNSET}z",
					    (const char *const *)vars, nvars), 0);
	assert_int_equal(argc, 8);
	assert_string_equal(argv[0], "/usr/bin/qemu-ga");
	assert_string_equal(argv[1], "--blacklist=guest-a,guest-b");
	assert_string_equal(argv[2], "--allow-rpcs=guest-x,guest-y");
	assert_string_equal(argv[3], "-v");
	assert_string_equal(argv[4], "-F/etc/qemu-ga/hook");
	assert_string_equal(argv[5], "a b");
	assert_string_equal(argv[6], "x$y");
	assert_string_equal(argv[7], "z");
	assert_null(argv[8]);
	free_words(argv, argc);
	assert_int_equal(deploy_exec_expand(&argv, &argc, "/bin/x \"open", NULL, 0), ERR_INPUT);
	assert_non_null(strstr(error_last(), "unterminated quote"));
	free_words(vars, nvars);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deploy__elf_64_little),
		cmocka_unit_test(test_deploy__elf_32_big),
		cmocka_unit_test(test_deploy__elf_not_elf),
		cmocka_unit_test(test_deploy__elf_truncated),
		cmocka_unit_test(test_deploy__elf_bad_offsets),
		cmocka_unit_test(test_deploy__elf_real_binary),
		cmocka_unit_test(test_deploy__baseline_rows),
		cmocka_unit_test(test_deploy__baseline_dist_tags),
		cmocka_unit_test(test_deploy__glibc_versions),
		cmocka_unit_test(test_deploy__sonames),
		cmocka_unit_test(test_deploy__find_macro),
		cmocka_unit_test(test_deploy__policy_blacklist_el7),
		cmocka_unit_test(test_deploy__policy_block_rpcs_el9_0),
		cmocka_unit_test(test_deploy__policy_allow_el9_4),
		cmocka_unit_test(test_deploy__policy_conf),
		cmocka_unit_test(test_deploy__policy_env_rules),
		cmocka_unit_test(test_deploy__unit_parse),
		cmocka_unit_test(test_deploy__exec_expand),
		cmocka_unit_test_setup_teardown(test_deploy__check_clean_noarch, tu_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_deploy__check_macro_and_target, tu_setup,
						tu_teardown),
		cmocka_unit_test_setup_teardown(test_deploy__check_bad_inputs, tu_setup, tu_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
