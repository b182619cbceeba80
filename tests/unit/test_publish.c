#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "publish/publish.h"
#include "util/util.h"
#include "testutil.h"

/*
 * A trivial binary package (and its source package) built with rpmbuild into
 * out/. Paths given to publish_run are relative to the test directory (the
 * current one): tu_path() has one static buffer.
 */
static const char spec_text[] =
	"Name: %{pname}\nVersion: 1.0\nRelease: 1\nSummary: test\nLicense: MIT\n"
	"BuildArch: noarch\n%description\ntest\n%install\nmkdir -p %{buildroot}/usr/share/t\n"
	"echo %{name} > %{buildroot}/usr/share/t/%{name}\n%files\n/usr/share/t/%{name}\n";

static void build_rpm(const char *name)
{
	char rpmdir[PATH_MAX + 16], srcdir[PATH_MAX + 16], pname[64];
	const char *defines[] = { rpmdir, srcdir, pname, NULL };

	tu_fmt(rpmdir, "_rpmdir %s", tu_path("out/RPMS"));
	tu_fmt(srcdir, "_srcrpmdir %s", tu_path("out/SRPMS"));
	tu_fmt(pname, "pname %s", name);
	tu_rpmbuild("-ba", spec_text, defines);
}

static void test_publish__rejects_bad_options(void **state)
{
	struct publish_result r = PUBLISH_RESULT_INIT;
	struct publish_opts o = { .outdir = "nowhere", .repo = "repo" };

	(void)state;
	assert_int_equal(publish_run(&r, &o), ERR_NOTFOUND);
	assert_non_null(strstr(error_last(), "no such directory"));

	tu_mkdirs(tu_path("out"));
	o.outdir = "out";
	o.repo_id = "a b";
	assert_int_equal(publish_run(&r, &o), ERR_INPUT);
	assert_non_null(strstr(error_last(), "repository id"));
	o.repo_id = NULL;
	o.baseurl = "http://x/\ny";
	assert_int_equal(publish_run(&r, &o), ERR_INPUT);
	o.baseurl = NULL;
	o.sign_key = "--batch";
	assert_int_equal(publish_run(&r, &o), ERR_INPUT);
	assert_non_null(strstr(error_last(), "not a key id"));
	o.sign_key = "ABCDEF";
	o.gpg_home = "nohome";
	assert_int_equal(publish_run(&r, &o), ERR_NOTFOUND);
	/* Nothing was created for any of them. */
	assert_false(fs_exists("repo"));
}

static void test_publish__no_rpms_and_bad_rpms(void **state)
{
	struct publish_result r = PUBLISH_RESULT_INIT;
	struct publish_opts o = { .outdir = "out", .repo = "repo" };

	(void)state;
	tu_mkdirs(tu_path("out/RPMS/noarch"));
	tu_write(tu_path("out/RPMS/noarch/README"), "not a package\n");
	assert_int_equal(publish_run(&r, &o), ERR_NOTFOUND);
	assert_non_null(strstr(error_last(), "no binary rpms to publish"));

	tu_write(tu_path("out/RPMS/noarch/x-1-1.noarch.rpm"), "not a package either\n");
	assert_int_equal(publish_run(&r, &o), ERR_INPUT);
	assert_non_null(strstr(error_last(), "x-1-1.noarch.rpm': not a readable rpm package"));
	assert_false(fs_exists("repo"));
}

static void test_publish__adds_then_reuses(void **state)
{
	struct publish_result r = PUBLISH_RESULT_INIT;
	struct publish_opts o = { .outdir = "out", .repo = "repo" };
	char *primary = NULL;

	(void)state;
	build_rpm("alpha");
	assert_int_equal(publish_run(&r, &o), 0);
	assert_int_equal(r.npkgs, 1);
	assert_string_equal(r.pkgs[0].file, "Packages/alpha-1.0-1.noarch.rpm");
	assert_string_equal(r.pkgs[0].nevra, "alpha-1.0-1.noarch");
	assert_true(r.pkgs[0].added);
	assert_false(r.pkgs[0].signed_here);
	assert_int_equal(r.total, 1);
	assert_int_equal(r.read, 1);
	assert_int_equal(r.reused, 0);
	assert_null(r.gpgkey);
	assert_non_null(strstr(r.repo_file, "[qga-forge]\n"));
	assert_non_null(strstr(r.repo_file, "gpgcheck=0\n"));
	assert_true(fs_is_file(tu_path("repo/Packages/alpha-1.0-1.noarch.rpm")));
	assert_true(fs_is_file(r.repomd));
	primary = tu_read(r.repomd);
	assert_non_null(strstr(primary, "primary.xml.gz"));
	free(primary);
	publish_result_release(&r);

	/* The source package beside it is never published. */
	assert_int_equal(publish_run(&r, &o), 0);
	assert_int_equal(r.npkgs, 1);
	assert_false(r.pkgs[0].added);
	assert_int_equal(r.total, 1);
	assert_int_equal(r.read, 0);
	assert_int_equal(r.reused, 1);
	publish_result_release(&r);

	build_rpm("beta");
	o.repo_id = "custom";
	o.baseurl = "https://repo.example.invalid/qga";
	assert_int_equal(publish_run(&r, &o), 0);
	assert_int_equal(r.npkgs, 2);
	assert_int_equal(r.total, 2);
	assert_int_equal(r.read, 1);
	assert_int_equal(r.reused, 1);
	assert_non_null(strstr(r.repo_file, "[custom]\n"));
	assert_non_null(strstr(r.repo_file, "baseurl=https://repo.example.invalid/qga\n"));
	publish_result_release(&r);
}

static void test_publish__source_package_by_header_is_skipped(void **state)
{
	struct publish_result r = PUBLISH_RESULT_INIT;
	struct publish_opts o = { .outdir = "in", .repo = "repo" };
	char from[PATH_MAX], to[PATH_MAX];

	(void)state;
	build_rpm("gamma");
	tu_mkdirs(tu_path("in"));
	/* A source package under a binary package's name: its header says what it is. */
	tu_fmt(from, "%s", tu_path("out/SRPMS/gamma-1.0-1.src.rpm"));
	tu_fmt(to, "%s", tu_path("in/gamma-1.0-1.noarch.rpm"));
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(publish_run(&r, &o), ERR_NOTFOUND);
	assert_non_null(strstr(error_last(), "no binary rpms to publish"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TU_TEST(test_publish__rejects_bad_options),
		TU_TEST(test_publish__no_rpms_and_bad_rpms),
		TU_TEST(test_publish__adds_then_reuses),
		TU_TEST(test_publish__source_package_by_header_is_skipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
