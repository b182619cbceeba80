/* spec_derive_agent_only(): the qemu-guest-agent subpackage of a qemu / qemu-kvm spec alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "specedit/spec.h"
#include "util/util.h"
#include "testutil.h"
#include "util/banned.h"

static const char spec_rhel[] =
	"%global tools_only 0\n"
	"Name: qemu-kvm\n"
	"Version: 7.2.0\n"
	"Release: 11%{?dist}\n"
	"Epoch: 17\n"
	"Summary: QEMU\n"
	"License: GPLv2\n"
	"Source0: qemu-%{version}.tar.xz\n"
	"Source10: qemu-guest-agent.service\n"
	"BuildRequires: gcc, zlib-devel\n"
	"BuildRequires: lzo-devel snappy-devel\n"
	"BuildRequires: glib2-devel >= 2.56\n"
	"BuildRequires: (libslirp-devel or slirp-devel)\n"
	"%if 0%{?with_spice}\n"
	"BuildRequires: spice-server-devel\n"
	"%endif\n"
	"\n"
	"%description\n"
	"qemu-kvm.\n"
	"\n"
	"%if 0%{?with_img}\n"
	"%package -n qemu-img\n"
	"Summary: qemu-img\n"
	"%description -n qemu-img\n"
	"qemu-img.\n"
	"%endif\n"
	"\n"
	"%package -n qemu-guest-agent\n"
	"Summary: QEMU guest agent\n"
	"Requires(post): systemd-units\n"
	"\n"
	"%description -n qemu-guest-agent\n"
	"The agent.\n"
	"\n"
	"%prep\n"
	"%setup -q -n qemu-%{version}\n"
	"%autopatch -p1\n"
	"\n"
	"%build\n"
	"%global qemu_kvm_build qemu_kvm_build\n"
	"../configure --enable-system\n"
	"%make_build\n"
	"\n"
	"%install\n"
	"%make_install\n"
	"install -D -m 0644 %{SOURCE10} %{buildroot}%{_unitdir}/qemu-guest-agent.service\n"
	"install -m 0755 %{qemu_kvm_build}/qga/qemu-ga %{buildroot}%{_bindir}/qemu-ga\n"
	"install -D -m 0644 %{_sourcedir}/ga.conf %{buildroot}%{_sysconfdir}/ga.conf\n"
	"rm -f %{buildroot}%{_bindir}/qemu-img\n"
	"\n"
	"%check\n"
	"make check\n"
	"\n"
	"%post -n qemu-guest-agent\n"
	"%systemd_post qemu-guest-agent.service\n"
	"\n"
	"%post -n qemu-img\n"
	"echo img\n"
	"\n"
	"%files\n"
	"\n"
	"%files -n qemu-img\n"
	"%{_bindir}/qemu-img\n"
	"\n"
	"%files -n qemu-guest-agent\n"
	"%doc COPYING\n"
	"%attr(0755,root,root) %{_bindir}/qemu-ga\n"
	"%config(noreplace) %{_sysconfdir}/ga.conf\n"
	"%{_unitdir}/qemu-guest-agent.service\n"
	"\n"
	"%changelog\n"
	"* Mon Nov 06 2023 Jane Packager <j@example.com> - 17:7.2.0-11\n"
	"- x\n";

static int derive(char **out, struct spec_agent_only_result *res, const char *text, const char *name,
		  const char *version)
{
	struct buf in = BUF_INIT, o = BUF_INIT;
	struct spec_agent_only_opts opts = { name, "qemu-guest-agent", version };
	int ret;

	buf_puts(&in, text);
	ret = spec_derive_agent_only(&o, res, "x.spec", &in, &opts);
	*out = ret == 0 ? buf_detach(&o, NULL) : NULL;
	buf_release(&o);
	buf_release(&in);
	return ret;
}

static void test_agentonly__keeps_the_subpackage_alone(void **state)
{
	struct spec_agent_only_result r;
	char *s = NULL;

	(void)state;
	assert_int_equal(derive(&s, &r, spec_rhel, "qemu-kvm", "7.2.0"), 0);
	/* kept verbatim */
	assert_non_null(strstr(s, "\n%package -n qemu-guest-agent\nSummary: QEMU guest agent\n"
			       "Requires(post): systemd-units\n"));
	assert_non_null(strstr(s, "\n%description -n qemu-guest-agent\nThe agent.\n"));
	assert_non_null(strstr(s, "\n%description\nqemu-kvm.\n"));
	assert_non_null(strstr(s, "\n%post -n qemu-guest-agent\n%systemd_post qemu-guest-agent.service\n"));
	assert_non_null(strstr(s, "\n%files -n qemu-guest-agent\n%doc COPYING\n%attr(0755,root,root) "
			       "%{_bindir}/qemu-ga\n%config(noreplace) %{_sysconfdir}/ga.conf\n"));
	assert_non_null(strstr(s, "\n%prep\n%setup -q -n qemu-%{version}\n%autopatch -p1\n"));
	assert_non_null(strstr(s, "\n%changelog\n* Mon Nov 06 2023"));
	/* other packages, %check, the full build: gone */
	assert_null(strstr(s, "%package -n qemu-img"));
	assert_null(strstr(s, "%files -n qemu-img"));
	assert_null(strstr(s, "echo img"));
	assert_null(strstr(s, "make check"));
	assert_null(strstr(s, "--enable-system"));
	assert_null(strstr(s, "%make_install"));
	assert_null(strstr(s, "\n%files\n"));
	/* the conditionals around what was dropped stay balanced */
	assert_non_null(strstr(s, "%if 0%{?with_img}\n%endif\n"));
	assert_int_equal(r.package_line, 28);
	assert_int_equal(r.files_line, 65);
	assert_string_equal(r.agent_path, "%{_bindir}/qemu-ga");
	assert_int_equal(r.dropped_sections, 6);
	spec_agent_only_result_release(&r);
	free(s);
}

static void test_agentonly__install_keeps_the_subpackage_files(void **state)
{
	struct spec_agent_only_result r;
	char *s = NULL, *inst;

	(void)state;
	assert_int_equal(derive(&s, &r, spec_rhel, "qemu-kvm", "7.2.0"), 0);
	inst = strstr(s, "\n%install\n");
	assert_non_null(inst);
	/* ours first, where %files lists it; then the vendor lines naming its files */
	assert_non_null(strstr(inst, "install -D -p -m 0755 qga-forge-build/qga/qemu-ga "
			       "%{buildroot}%{_bindir}/qemu-ga\n"));
	assert_non_null(strstr(inst, "install -D -m 0644 %{SOURCE10} %{buildroot}%{_unitdir}/"
			       "qemu-guest-agent.service\n"));
	assert_non_null(strstr(inst, "install -D -m 0644 %{_sourcedir}/ga.conf "
			       "%{buildroot}%{_sysconfdir}/ga.conf\n"));
	/* the vendor's own agent build is not there, nor what other packages need */
	assert_null(strstr(inst, "%{qemu_kvm_build}/qga/qemu-ga"));
	assert_null(strstr(inst, "qemu-img"));
	assert_int_equal(r.kept_install_lines, 2);
	/* a macro definition of a dropped %build stays */
	assert_non_null(strstr(s, "%global qemu_kvm_build qemu_kvm_build\n"));
	spec_agent_only_result_release(&r);
	free(s);
}

static void test_agentonly__buildrequires(void **state)
{
	struct spec_agent_only_result r;
	char *s = NULL;

	(void)state;
	assert_int_equal(derive(&s, &r, spec_rhel, "qemu-kvm", "7.2.0"), 0);
	assert_non_null(strstr(s, "\nBuildRequires: gcc\n"));
	assert_non_null(strstr(s, "\nBuildRequires: glib2-devel >= 2.56\n"));
	assert_null(strstr(s, "zlib-devel"));
	assert_null(strstr(s, "lzo-devel"));
	assert_null(strstr(s, "slirp"));
	assert_null(strstr(s, "spice-server-devel"));
	assert_non_null(strstr(s, "%if 0%{?with_spice}\n%endif\n"));
	assert_int_equal(r.kept_buildrequires, 2);
	assert_int_equal(r.dropped_buildrequires, 3);
	spec_agent_only_result_release(&r);
	free(s);
}

/* A subpackage that ships the agent's man page (RHEL's and Fedora's do): QEMU's docs are built. */
static void test_agentonly__man_page(void **state)
{
	struct spec_agent_only_result r;
	struct buf spec = BUF_INIT;
	char *s = NULL, *inst;

	(void)state;
	/* without it: docs off, sphinx dropped */
	buf_puts(&spec, spec_rhel);
	buf_replace_all(&spec, "BuildRequires: gcc, zlib-devel\n", "BuildRequires: gcc, zlib-devel\n"
			"BuildRequires: python3-sphinx python3-sphinx_rtd_theme\n");
	assert_int_equal(derive(&s, &r, spec.ptr, "qemu-kvm", "7.2.0"), 0);
	assert_false(r.docs);
	assert_non_null(strstr(s, "    --disable-docs \\\n"));
	assert_null(strstr(s, "sphinx"));
	assert_null(strstr(s, "docs/qemu-ga.8"));
	spec_agent_only_result_release(&r);
	free(s);

	/* with it: docs on, the man page built and installed where %files lists it */
	buf_replace_all(&spec, "%config(noreplace) %{_sysconfdir}/ga.conf\n",
			"%config(noreplace) %{_sysconfdir}/ga.conf\n%{_mandir}/man8/qemu-ga.8*\n");
	assert_int_equal(derive(&s, &r, spec.ptr, "qemu-kvm", "7.2.0"), 0);
	assert_true(r.docs);
	assert_non_null(strstr(s, "    --enable-docs \\\n"));
	assert_null(strstr(s, "--disable-docs"));
	assert_non_null(strstr(s, "\nninja %{?_smp_mflags} qga/qemu-ga docs/qemu-ga.8\n"));
	assert_non_null(strstr(s, "\nBuildRequires: python3-sphinx, python3-sphinx_rtd_theme\n"));
	inst = strstr(s, "\n%install\n");
	assert_non_null(inst);
	assert_non_null(strstr(inst, "install -D -p -m 0644 qga-forge-build/docs/qemu-ga.8 "
			       "%{buildroot}%{_mandir}/man8/qemu-ga.8\n"));
	assert_non_null(strstr(s, "\n%{_mandir}/man8/qemu-ga.8*\n"));
	spec_agent_only_result_release(&r);
	free(s);
	buf_release(&spec);
}

static void test_agentonly__configure_by_release(void **state)
{
	static const struct {
		const char *version, *has, *lacks;
	} rows[] = {
		{ "10.0.13", "    --disable-download \\\n    --without-default-features \\\n", "--enable-tools" },
		{ "8.1.0", "--disable-download", "--enable-tools" },
		{ "8.0.5", "    --without-default-features \\\n", "--disable-download" },
		{ "7.2.0", "    --disable-tools \\\n    --disable-install-blobs\nninja %{?_smp_mflags} qga/qemu-ga\n",
		  "--disable-download" },
		{ "6.1.0", "--without-default-features", "--enable-tools" },
		{ "6.0.0", "    --enable-tools \\\n", "--without-default-features" },
		{ "5.2.0", "    --enable-guest-agent \\\n", "--without-default-features" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct spec_agent_only_result r;
		char *s = NULL;

		assert_int_equal(derive(&s, &r, spec_rhel, "qemu-kvm", rows[i].version), 0);
		if (!strstr(s, rows[i].has) || strstr(s, rows[i].lacks))
			fail_msg("QEMU %s: %s", rows[i].version, s);
		assert_non_null(strstr(s, "--disable-system"));
		assert_non_null(strstr(s, "--disable-user"));
		assert_non_null(strstr(s, "exec 1>&2\n"));
		spec_agent_only_result_release(&r);
		free(s);
	}
}

static void test_agentonly__old_qemu_refused(void **state)
{
	struct spec_agent_only_result r;
	char *s = NULL;

	(void)state;
	assert_int_equal(derive(&s, &r, spec_rhel, "qemu-kvm", "4.2.0"), ERR_INPUT);
	assert_non_null(strstr(error_last(), "QEMU 4.2.0: agent-only builds need QEMU 5.2 or later"));
	error_clear();
	assert_int_equal(spec_agent_only_supported("2.12.0"), ERR_INPUT);
	error_clear();
	assert_int_equal(spec_agent_only_supported("5.2.0"), 0);
}

static void test_agentonly__suffix_subpackage(void **state)
{
	static const char spec[] =
		"Name: qemu\nVersion: 10.0.0\nRelease: 1\nSummary: q\nLicense: GPL\n"
		"%description\nq\n"
		"%package guest-agent\nSummary: the agent\n%description guest-agent\nagent\n"
		"%prep\n%autosetup -S git_am\n%build\nmake\n%install\nmake install\n"
		"%files -n %{name}-guest-agent\n%{_libexecdir}/qemu-ga\n";
	struct spec_agent_only_result r;
	char *s = NULL;

	(void)state;
	assert_int_equal(derive(&s, &r, spec, "qemu", "10.0.0"), 0);
	assert_non_null(strstr(s, "%package guest-agent\nSummary: the agent\n"));
	assert_non_null(strstr(s, "%files -n %{name}-guest-agent\n%{_libexecdir}/qemu-ga\n"));
	assert_string_equal(r.agent_path, "%{_libexecdir}/qemu-ga");
	assert_null(strstr(s, "make install"));
	spec_agent_only_result_release(&r);
	free(s);
}

static void test_agentonly__missing_sections(void **state)
{
	static const char no_files[] =
		"Name: qemu\nVersion: 10.0.0\nRelease: 1\nSummary: q\nLicense: GPL\n%description\nq\n"
		"%package -n qemu-guest-agent\nSummary: a\n%description -n qemu-guest-agent\na\n"
		"%prep\n%build\n%install\n";
	static const char no_binary[] =
		"Name: qemu\nVersion: 10.0.0\nRelease: 1\nSummary: q\nLicense: GPL\n%description\nq\n"
		"%package -n qemu-guest-agent\nSummary: a\n%description -n qemu-guest-agent\na\n"
		"%prep\n%build\n%install\n%files -n qemu-guest-agent\n%{_sysconfdir}/qemu-ga\n";
	struct spec_agent_only_result r;
	char *s = NULL;

	(void)state;
	assert_int_equal(derive(&s, &r, no_files, "qemu", "10.0.0"), ERR_INPUT);
	assert_string_equal(error_last(), "x.spec: no '%files -n qemu-guest-agent' section: an agent-only "
			    "build needs the spec's '%package -n qemu-guest-agent', '%files -n "
			    "qemu-guest-agent', '%build' and '%install'");
	error_clear();
	assert_int_equal(derive(&s, &r, no_binary, "qemu", "10.0.0"), ERR_INPUT);
	assert_string_equal(error_last(), "x.spec:15:1: 'qemu-guest-agent' lists no qemu-ga in a bin or "
			    "libexec directory: nothing to install the agent as");
	error_clear();
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TU_TEST(test_agentonly__keeps_the_subpackage_alone),
		TU_TEST(test_agentonly__install_keeps_the_subpackage_files),
		TU_TEST(test_agentonly__buildrequires),
		TU_TEST(test_agentonly__man_page),
		TU_TEST(test_agentonly__configure_by_release),
		TU_TEST(test_agentonly__old_qemu_refused),
		TU_TEST(test_agentonly__suffix_subpackage),
		TU_TEST(test_agentonly__missing_sections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
