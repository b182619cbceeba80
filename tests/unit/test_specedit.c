/*
 * Unit tests of the specedit module: the lossless model and its edits on
 * small inline specs (exact expected text), and rpm's view of a spec
 * (spec_query, spec_verify_patches) on specs written to the test directory.
 * The layout fixtures under tests/data/specs are exercised by the CLI tests
 * with rpmbuild itself. The table of %patch forms (model.h, internal to the
 * module) is walked both ways: each row's line written, then read back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "specedit/spec.h"
#include "specedit/model.h"
#include "util/util.h"
#include "testutil.h"
#include "util/banned.h"

#define MBOX "From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001\n" \
	     "From: A <a@example.com>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n" \
	     "Subject: [PATCH] x\n\n---\n" \
	     "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n"
#define PLAIN "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n"
#define P0 "--- f.orig\n+++ f\n@@ -1 +1 @@\n-a\n+b\n"

#define HEAD "Name: t\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n"
#define TAIL "\n%description\nd\n\n%prep\n"

/* Run spec_add_patch on `in`; the new text, or NULL with the error kept. */
static char *add_full(const char *in, const char *name, const char *comment, const char *patch,
		      int rpmver, struct spec_add_patch_result *res_out)
{
	struct buf b = BUF_INIT, out = BUF_INIT;
	struct spec_add_patch_opts o;
	struct spec_add_patch_result res;
	int ret;

	buf_puts(&b, in);
	memset(&o, 0, sizeof(o));
	o.name = name;
	o.comment = comment;
	o.patch_data = patch;
	o.patch_len = patch ? strlen(patch) : 0;
	o.rpm_version = rpmver;
	buf_puts(&out, "");
	ret = spec_add_patch(&out, &res, "t.spec", &b, &o);
	buf_release(&b);
	if (res_out)
		*res_out = res;
	else
		spec_add_patch_result_release(&res);
	if (ret < 0) {
		assert_int_equal(out.len, 0);
		buf_release(&out);
		return NULL;
	}
	return buf_detach(&out, NULL);
}

static char *add(const char *in, const char *patch)
{
	return add_full(in, "new.patch", NULL, patch, 41800, NULL);
}

#define assert_add(in, patch, want) do { \
		char *got_ = add((in), (patch)); \
		if (!got_) \
			fail_msg("add failed: %s", error_last()); \
		assert_string_equal(got_, (want)); \
		free(got_); \
	} while (0)

#define assert_add_fails(in, patch, msg) do { \
		char *got_ = add((in), (patch)); \
		if (got_) \
			fail_msg("add succeeded:\n%s", got_); \
		if (!strstr(error_last(), (msg))) \
			fail_msg("message '%s' lacks '%s'", error_last(), (msg)); \
	} while (0)

static void test_specedit__patchn_with_gaps_and_comments(void **state)
{
	(void)state;
	assert_add(HEAD "# For bz#1 - a\nPatch1: a.patch\n# For bz#2 - b\nPatch5: b.patch\n"
		   "BuildRequires: gcc\n" TAIL "%setup -q\n%patch1 -p1\n%patch5 -p1\n\n"
		   "Helper()\n{\n  patch -p1 < $1\n}\n\n%build\n",
		   MBOX,
		   HEAD "# For bz#1 - a\nPatch1: a.patch\n# For bz#2 - b\nPatch5: b.patch\n"
		   "Patch6: new.patch\nBuildRequires: gcc\n" TAIL "%setup -q\n%patch1 -p1\n%patch5 -p1\n"
		   "%patch6 -p1\n\nHelper()\n{\n  patch -p1 < $1\n}\n\n%build\n");
}

static void test_specedit__comment_lines_escaped(void **state)
{
	struct spec_add_patch_result res;
	char *got;

	(void)state;
	got = add_full(HEAD "Patch1: a.patch\n" TAIL "%setup\n%patch1 -p1\n", "new.patch",
		       "qga-forge: new.patch\n100% better  \n", MBOX, 41800, &res);
	assert_non_null(got);
	assert_string_equal(got, HEAD "Patch1: a.patch\n# qga-forge: new.patch\n# 100%% better\n"
			    "Patch2: new.patch\n" TAIL "%setup\n%patch1 -p1\n%patch2 -p1\n");
	assert_int_equal(res.number, 2);
	assert_true(res.numbered);
	assert_int_equal(res.tag_line, 9);
	assert_int_equal(res.prep_line, 17);
	spec_add_patch_result_release(&res);
	free(got);
}

static void test_specedit__padding_and_alignment(void **state)
{
	(void)state;
	/* openSUSE: padded numbers aligned to a column, %patchNNNNN lines */
	assert_add("Name:           t\nPatch00000:     a.patch\nPatch01000:     b.patch\n"
		   "# Patches end here\n\n%prep\n%setup -q\n%patch00000 -p1\n%patch01000 -p1\n",
		   MBOX,
		   "Name:           t\nPatch00000:     a.patch\nPatch01000:     b.patch\n"
		   "Patch01001:     new.patch\n# Patches end here\n\n%prep\n%setup -q\n%patch00000 -p1\n"
		   "%patch01000 -p1\n%patch01001 -p1\n");
	/* RHEL: Patch0004 padded, then Patch17 unpadded: the last one's style */
	assert_add("Name: t\nPatch0004: a.patch\n# For RHEL-1 - x  \nPatch17: b.patch\n\n%prep\n"
		   "%setup\n%autopatch -p1\n", MBOX,
		   "Name: t\nPatch0004: a.patch\n# For RHEL-1 - x  \nPatch17: b.patch\nPatch18: new.patch\n"
		   "\n%prep\n%setup\n%autopatch -p1\n");
	/* a longer number keeps the value's column */
	assert_add("Name: t\nPatch9:    a.patch\n\n%prep\n%setup\n%patch9 -p1\n", MBOX,
		   "Name: t\nPatch9:    a.patch\nPatch10:   new.patch\n\n%prep\n%setup\n%patch9 -p1\n"
		   "%patch10 -p1\n");
}

static void test_specedit__tabs_after_colon(void **state)
{
	(void)state;
	assert_add("Name:\tt\nPatch1:\t\ta.patch\n\n%prep\n%setup\n%patch -P 1 -p1 -b .orig\n", MBOX,
		   "Name:\tt\nPatch1:\t\ta.patch\nPatch2:\t\tnew.patch\n\n%prep\n%setup\n"
		   "%patch -P 1 -p1 -b .orig\n%patch -P 2 -p1\n");
	assert_add("Name:\tt\nPatch9:\ta.patch\n\n%prep\n%setup\n%patch 9 -p1\n", MBOX,
		   "Name:\tt\nPatch9:\ta.patch\nPatch10:\tnew.patch\n\n%prep\n%setup\n%patch 9 -p1\n"
		   "%patch 10 -p1\n");
}

static void test_specedit__outside_conditionals(void **state)
{
	(void)state;
	assert_add(HEAD "Patch1: a.patch\n%if 0%{?rhel}\nPatch2: b.patch\n%else\nPatch3: c.patch\n"
		   "%endif\nBuildRequires: x\n" TAIL "%setup\n%patch1 -p1\n%if 0%{?rhel}\n%patch2 -p1\n"
		   "%else\n%if 1\n%patch3 -p1\n%endif\n%endif\necho done\n",
		   MBOX,
		   HEAD "Patch1: a.patch\n%if 0%{?rhel}\nPatch2: b.patch\n%else\nPatch3: c.patch\n"
		   "%endif\nPatch4: new.patch\nBuildRequires: x\n" TAIL "%setup\n%patch1 -p1\n"
		   "%if 0%{?rhel}\n%patch2 -p1\n%else\n%if 1\n%patch3 -p1\n%endif\n%endif\n"
		   "%patch4 -p1\necho done\n");
}

static void test_specedit__max_counts_every_branch_and_comment(void **state)
{
	(void)state;
	/* the highest number is in the %else branch; a commented tag counts too */
	assert_add(HEAD "Patch1: a.patch\n%ifarch s390x\nPatch3: b.patch\n%else\nPatch40: c.patch\n"
		   "%endif\n#Patch41: d.patch\nPatch2: e.patch\n" TAIL "%autosetup -p1\n", MBOX,
		   HEAD "Patch1: a.patch\n%ifarch s390x\nPatch3: b.patch\n%else\nPatch40: c.patch\n"
		   "%endif\n#Patch41: d.patch\nPatch2: e.patch\nPatch42: new.patch\n" TAIL
		   "%autosetup -p1\n");
}

static void test_specedit__unnumbered_and_git_am(void **state)
{
	const char *spec = HEAD "Patch: a.patch\nPatch: b.patch\n" TAIL
			   "%setup -q\n%autosetup -S git_am\n";

	(void)state;
	assert_add(spec, MBOX, HEAD "Patch: a.patch\nPatch: b.patch\nPatch: new.patch\n" TAIL
		   "%setup -q\n%autosetup -S git_am\n");
	assert_add_fails(spec, PLAIN, "not a mailbox patch");
	assert_add_fails(spec, PLAIN, "t.spec:14:1:");
}

static void test_specedit__macro_conditional_and_patch0(void **state)
{
	(void)state;
	assert_add(HEAD "Patch0: %{name}-fix.patch\n" TAIL "%setup\n%{?with_x:%patch0 -p1}\n", MBOX,
		   HEAD "Patch0: %{name}-fix.patch\nPatch1: new.patch\n" TAIL
		   "%setup\n%{?with_x:%patch0 -p1}\n%patch1 -p1\n");
}

static void test_specedit__commented_prep_line_ignored(void **state)
{
	(void)state;
	assert_add(HEAD "Patch1: a.patch\n#Patch4: b.patch\n" TAIL "%setup\n%patch -P 1 -p1\n"
		   "#%%patch -P 4 -p1\n", MBOX,
		   HEAD "Patch1: a.patch\nPatch5: new.patch\n#Patch4: b.patch\n" TAIL
		   "%setup\n%patch -P 1 -p1\n%patch -P 5 -p1\n#%%patch -P 4 -p1\n");
}

static void test_specedit__autopatch_ranges(void **state)
{
	const char *excl = HEAD "Patch1: a.patch\nPatch2: b.patch\n" TAIL
			   "%autosetup -N\n%autopatch -p1 -M 2\n";

	(void)state;
	assert_add(HEAD "Patch1: a.patch\nPatch100: b.patch\n" TAIL
		   "%autosetup -N\n%autopatch -p1 -M 99\n%autopatch -p1 -m 100\n", MBOX,
		   HEAD "Patch1: a.patch\nPatch100: b.patch\nPatch101: new.patch\n" TAIL
		   "%autosetup -N\n%autopatch -p1 -M 99\n%autopatch -p1 -m 100\n");
	assert_add_fails(excl, MBOX, "'%autopatch -p1 -M 2' does not apply the new patch 3");
	assert_add_fails(excl, MBOX, "t.spec:14:1:");
}

/* An %autopatch range that stops early beside explicit lines: the line goes after all of them. */
static void test_specedit__autopatch_range_then_patch_lines(void **state)
{
	(void)state;
	assert_add(HEAD "Patch1: a.patch\nPatch100: b.patch\n" TAIL
		   "%autosetup -N\n%autopatch -p1 -M 99\n%patch100 -p1\n", MBOX,
		   HEAD "Patch1: a.patch\nPatch100: b.patch\nPatch101: new.patch\n" TAIL
		   "%autosetup -N\n%autopatch -p1 -M 99\n%patch100 -p1\n%patch101 -p1\n");
	assert_add(HEAD "Patch1: a.patch\nPatch100: b.patch\n" TAIL
		   "%setup\n%patch100 -p1\n%autopatch -p1 -M 99\n", MBOX,
		   HEAD "Patch1: a.patch\nPatch100: b.patch\nPatch101: new.patch\n" TAIL
		   "%setup\n%patch100 -p1\n%autopatch -p1 -M 99\n%patch101 -p1\n");
}

static void test_specedit__strip_level_checked(void **state)
{
	(void)state;
	assert_add_fails(HEAD "Patch1: a.patch\n" TAIL "%autosetup -p0\n", MBOX,
			 "applies patches with -p0 but 'new.patch' needs -p1");
	/* a -p0 patch with a -p0 spec is fine */
	assert_add(HEAD "Patch1: a.patch\n" TAIL "%autosetup -p0\n", P0,
		   HEAD "Patch1: a.patch\nPatch2: new.patch\n" TAIL "%autosetup -p0\n");
}

static void test_specedit__no_patches_yet(void **state)
{
	(void)state;
	assert_add("Name:    t\nSource0: t.tar.gz\nSource1: x\n\n%description\nd\n\n%prep\n"
		   "%setup -q\n\n%build\n", MBOX,
		   "Name:    t\nSource0: t.tar.gz\nSource1: x\nPatch1:  new.patch\n\n%description\nd\n\n"
		   "%prep\n%setup -q\n%patch -P 1 -p1\n\n%build\n");
}

static void test_specedit__rpm_version_forms(void **state)
{
	struct spec_add_patch_result res;
	const char *spec = HEAD "Patch1: a.patch\n" TAIL "%setup\n%patch1 -p1\n";
	char *got;

	(void)state;
	got = add_full(spec, "new.patch", NULL, MBOX, 42000, &res);
	assert_non_null(got);
	assert_string_equal(got, HEAD "Patch1: a.patch\nPatch2: new.patch\n" TAIL
			    "%setup\n%patch1 -p1\n%patch -P 2 -p1\n");
	assert_non_null(strstr(res.warnings.ptr, "rejects %patchN"));
	spec_add_patch_result_release(&res);
	free(got);
	got = add_full(HEAD "Patch1: a.patch\n" TAIL "%setup\n%patch 1 -p1\n", "new.patch", NULL,
		       MBOX, 41100, &res);
	assert_non_null(got);
	assert_non_null(strstr(got, "\n%patch 1 -p1\n%patch -P 2 -p1\n"));
	assert_true(res.warnings.len > 0);
	spec_add_patch_result_release(&res);
	free(got);
}

static void test_specedit__macro_lines(void **state)
{
	(void)state;
	assert_add(HEAD "Patch1: a.patch\nPatch2: b.patch\n" TAIL
		   "%setup -q\ngit init\ngit am %{PATCH1} %{PATCH2}\n", MBOX,
		   HEAD "Patch1: a.patch\nPatch2: b.patch\nPatch3: new.patch\n" TAIL
		   "%setup -q\ngit init\ngit am %{PATCH1} %{PATCH2}\ngit am %{PATCH3}\n");
	assert_add_fails(HEAD "Patch1: a.patch\n" TAIL "%setup -q\ngit am %{PATCH1}\n", PLAIN,
			 "not a mailbox patch");
}

static void test_specedit__lossless_bytes(void **state)
{
	(void)state;
	/* CRLF line endings, trailing blanks, no newline at the end of the file */
	assert_add("Name: t  \r\nPatch1: a.patch\r\n\r\n%prep\r\n%setup\r\n%patch1 -p1", MBOX,
		   "Name: t  \r\nPatch1: a.patch\r\nPatch2: new.patch\r\n\r\n%prep\r\n%setup\r\n"
		   "%patch1 -p1\r\n%patch2 -p1\r\n");
}

static void test_specedit__bad_inputs(void **state)
{
	(void)state;
	assert_add_fails(HEAD "Patch1: a.patch\n", MBOX, "t.spec: no %prep section");
	assert_add_fails(HEAD "%if 1\nPatch1: a.patch\n" TAIL "%setup\n", MBOX,
			 "t.spec:6:1: '%if' without '%endif'");
	assert_add_fails(HEAD "Patch1: a.patch\n%endif\n" TAIL, MBOX, "t.spec:7:1: '%endif' without '%if'");
	assert_add_fails(HEAD "%else\n" TAIL, MBOX, "t.spec:6:1: '%else' without '%if'");
	assert_add_fails(HEAD "Patch1: a.patch\nPatch1: b.patch\n" TAIL "%setup\n", MBOX,
			 "t.spec:7:1: duplicate patch number 1 (also at line 6)");
	assert_add_fails(HEAD "Patch1: a\001.patch\n" TAIL, MBOX, "t.spec:6:10: binary data");
	assert_add_fails("", MBOX, "the spec is empty");
	assert_add_fails(HEAD "Patch1: new.patch\n" TAIL "%setup\n", MBOX, "already declared");
	assert_add_fails(HEAD "Patch1: http://x/y/new.patch\n" TAIL "%setup\n", MBOX, "already declared");
	assert_add_fails(HEAD "Patch123456789012: a.patch\n" TAIL, MBOX, "out of range");
	assert_add_fails(HEAD TAIL "%setup\n" "\n%prep\n", MBOX, "second '%prep' section");
	assert_null(add_full(HEAD TAIL, "bad name.patch", NULL, MBOX, 41800, NULL));
	assert_non_null(strstr(error_last(), "must not contain"));
	assert_null(add_full(HEAD TAIL, "%{x}.patch", NULL, MBOX, 41800, NULL));
}

/* Exclusive branches may reuse a number; the new one is still above both. */
static void test_specedit__duplicates_in_exclusive_branches(void **state)
{
	(void)state;
	assert_add(HEAD "%if 0%{?fedora}\nPatch1: a.patch\n%else\nPatch1: b.patch\n%endif\n" TAIL
		   "%autosetup -p1\n", MBOX,
		   HEAD "%if 0%{?fedora}\nPatch1: a.patch\n%else\nPatch1: b.patch\n%endif\n"
		   "Patch2: new.patch\n" TAIL "%autosetup -p1\n");
}

static void test_specedit__continued_lines_are_one(void **state)
{
	(void)state;
	/* a %global continued with a backslash is one line to rpm */
	assert_add(HEAD "Patch1: a.patch\n%global flags \\\n  -x\n" TAIL "%setup\n%patch1 -p1\n",
		   MBOX, HEAD "Patch1: a.patch\nPatch2: new.patch\n%global flags \\\n  -x\n" TAIL
		   "%setup\n%patch1 -p1\n%patch2 -p1\n");
}

/*
 * rpm evaluates %if/%else/%endif on every physical line, also among the
 * lines of a backslash-continued command (CentOS 7 specs put them among the
 * options of a configure call), indented or not.
 */
#define CONFIGURE "\n%build\n./configure --prefix=%{_prefix} \\\n    --a \\\n" \
	"%if 0%{?have_spice}\n    --enable-spice \\\n%else\n    --disable-spice \\\n" \
	"%endif\n  %ifarch x86_64\n    --x86 \\\n  %endif\n    --b\nmake\n"

static void test_specedit__conditionals_inside_continued_lines(void **state)
{
	(void)state;
	assert_add(HEAD "Patch1: a.patch\n" TAIL "%setup -q\n%patch1 -p1\n" CONFIGURE, MBOX,
		   HEAD "Patch1: a.patch\nPatch2: new.patch\n" TAIL "%setup -q\n%patch1 -p1\n"
		   "%patch2 -p1\n" CONFIGURE);
	/* in %prep too: the new line goes after the command, not into it */
	assert_add(HEAD "Patch1: a.patch\n" TAIL "%setup -q\n%patch1 -p1\necho a \\\n%if 1\n  b \\\n"
		   "%endif\n  c\n",
		   MBOX,
		   HEAD "Patch1: a.patch\nPatch2: new.patch\n" TAIL "%setup -q\n%patch1 -p1\n%patch2 -p1\n"
		   "echo a \\\n%if 1\n  b \\\n%endif\n  c\n");
	/* still balanced: an %if opened inside a command needs its %endif */
	assert_add_fails(HEAD TAIL "%setup -q\necho a \\\n%if 1\n  b\n", MBOX,
			 "t.spec:13:1: '%if' without '%endif'");
	assert_add_fails(HEAD TAIL "%setup -q\necho a \\\n  %endif\n  b\n", MBOX,
			 "t.spec:13:3: '%endif' without '%if'");
}

/* Uses of distribution macros that stay undefined: tests for them and escapes are not uses. */
static void test_specedit__undefined_macro_uses(void **state)
{
	struct buf text = BUF_INIT;
	struct spec_info info;
	struct spec_macro_use *uses = NULL;
	char *undef[] = { "systemd_post", "_udevrulesdir", NULL };
	size_t n = 0;

	(void)state;
	memset(&info, 0, sizeof(info));
	info.undefined = undef;
	info.nundefined = 2;
	buf_puts(&text, "%{!?_udevrulesdir:%global x 1}\n# %systemd_post in a comment\n"
		 "echo %%systemd_post %{?systemd_post:yes}\n%post\n  %systemd_post a.service\n"
		 "%files\n%{_udevrulesdir}/x.rules %{_unitdir}\n");
	assert_int_equal(spec_find_undefined_macros(&uses, &n, "t.spec", &text, &info), 0);
	assert_int_equal(n, 2);
	assert_string_equal(uses[0].name, "systemd_post");
	assert_string_equal(uses[0].package, "systemd-rpm-macros");
	assert_int_equal(uses[0].line, 5);
	assert_int_equal(uses[0].col, 3);
	assert_string_equal(uses[1].name, "_udevrulesdir");
	assert_int_equal(uses[1].line, 7);
	assert_int_equal(uses[1].col, 1);
	free(uses);
	buf_release(&text);
}

/* ---- remove ---- */

static void test_specedit__remove_patch(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT;

	(void)state;
	buf_puts(&in, HEAD "Patch1: a.patch\n# qga-forge: new.patch\n# second line\nPatch2: new.patch\n"
		 "BuildRequires: x\n" TAIL "%setup\n%patch1 -p1\n%patch2 -p1\necho\n");
	assert_int_equal(spec_remove_patch(&out, "t.spec", &in, "new.patch"), 0);
	assert_string_equal(out.ptr, HEAD "Patch1: a.patch\nBuildRequires: x\n" TAIL
			    "%setup\n%patch1 -p1\necho\n");
	buf_reset(&out);
	assert_int_equal(spec_remove_patch(&out, "t.spec", &in, "other.patch"), ERR_NOTFOUND);
	buf_release(&in);
	buf_release(&out);
}

/* ---- renumber ---- */

static char *renumber(const char *in, int *ret)
{
	struct buf b = BUF_INIT, out = BUF_INIT;
	struct spec_renumber_map *map = NULL;
	size_t n = 0;

	buf_puts(&b, in);
	*ret = spec_renumber(&out, &map, &n, "t.spec", &b);
	free(map);
	buf_release(&b);
	if (*ret < 0) {
		buf_release(&out);
		return NULL;
	}
	return buf_detach(&out, NULL);
}

static void test_specedit__renumber_rewrites_references(void **state)
{
	int ret;
	char *got;

	(void)state;
	got = renumber(HEAD "# c1\nPatch0004: a.patch\n# c2\nPatch17:  b.patch\n%if 1\nPatch30: c.patch\n"
		       "%endif\n" TAIL "%setup\n%patch0004 -p1\n%patch 17 -p1\n%{?with_x:%patch30 -p1}\n"
		       "%patch -P 30 -P 17 -p1\ncp %{PATCH17} %PATCH30 .\n\n%install\ncat %{SOURCE1} %{PATCH30}\n"
		       "\n%changelog\n- Patch17 and %%patch17 stay\n", &ret);
	assert_int_equal(ret, 0);
	assert_string_equal(got,
			    HEAD "# c1\nPatch0001: a.patch\n# c2\nPatch2:   b.patch\n%if 1\nPatch3: c.patch\n"
			    "%endif\n" TAIL "%setup\n%patch0001 -p1\n%patch 2 -p1\n%{?with_x:%patch3 -p1}\n"
			    "%patch -P 3 -P 2 -p1\ncp %{PATCH2} %PATCH3 .\n\n%install\ncat %{SOURCE1} %{PATCH3}\n"
			    "\n%changelog\n- Patch17 and %%patch17 stay\n");
	free(got);
}

static void test_specedit__renumber_unnumbered_and_ranges(void **state)
{
	int ret;
	char *got;

	(void)state;
	/* rpm numbers "Patch:" as one above the highest so far: 5, then 6 */
	got = renumber(HEAD "Patch5: a.patch\nPatch: b.patch\nPatch10: c.patch\n" TAIL
		       "%autosetup -N\n%autopatch -p1 -M 6\n%autopatch -p1 -m 10\n", &ret);
	assert_int_equal(ret, 0);
	assert_string_equal(got, HEAD "Patch1: a.patch\nPatch: b.patch\nPatch3: c.patch\n" TAIL
			    "%autosetup -N\n%autopatch -p1 -M 2\n%autopatch -p1 -m 3\n");
	free(got);
	/* a range that would take in other patches afterwards is refused */
	assert_null(renumber(HEAD "Patch1: a.patch\nPatch9: b.patch\nPatch2: c.patch\n" TAIL
			     "%autosetup -N\n%autopatch -p1 -M 2\n%autopatch -p1 -m 3\n", &ret));
	assert_int_equal(ret, ERR_INPUT);
	assert_non_null(strstr(error_last(), "would change which patches"));
}

/* spec_convert_patchn on `in`: the new text and the sites. */
static char *convert(const char *in, struct spec_patchn_result *res)
{
	struct buf b = BUF_INIT, out = BUF_INIT;
	int ret;

	buf_puts(&b, in);
	buf_puts(&out, "");
	ret = spec_convert_patchn(&out, res, "t.spec", &b);
	buf_release(&b);
	assert_int_equal(ret, 0);
	return buf_detach(&out, NULL);
}

static void test_specedit__convert_patchn(void **state)
{
	struct spec_patchn_result res;
	char *got;

	(void)state;
	got = convert(HEAD "Patch0: a.patch\nPatch00012:\tb.patch\nPatch3: c.patch\n" TAIL
		      "%setup -q\n%patch0 -p1\r\n%patch00012 -p1 -b .orig\n"
		      "%{?with_x:%patch3 -p1}\n#%%patch3 -p1\n# %patch3 -p1, see above\n"
		      "%patch -P 3 -p1\n%patch 3\n%patch3\n\n%build\necho %patch3\n"
		      "\n%changelog\n- %%patch3 stays\n", &res);
	assert_string_equal(got, HEAD "Patch0: a.patch\nPatch00012:\tb.patch\nPatch3: c.patch\n" TAIL
			    "%setup -q\n%patch -P 0 -p1\r\n%patch -P 12 -p1 -b .orig\n"
			    "%{?with_x:%patch -P 3 -p1}\n#%%patch3 -p1\n# %patch -P 3 -p1, see above\n"
			    "%patch -P 3 -p1\n%patch 3\n%patch -P 3\n\n%build\necho %patch3\n"
			    "\n%changelog\n- %%patch3 stays\n");
	assert_int_equal(res.count, 5);
	assert_int_equal(res.lines[0], 15);
	assert_int_equal(res.cols[0], 1);
	assert_int_equal(res.lines[2], 17);
	assert_int_equal(res.cols[2], 11);
	assert_int_equal(res.lines[3], 22);
	assert_int_equal(res.lines[4], 19);
	assert_int_equal(res.cols[4], 3);
	spec_patchn_result_release(&res);
	free(got);
	/* nothing to do: the same bytes */
	got = convert(HEAD "Patch1: a.patch\n" TAIL "%autosetup -p1\n", &res);
	assert_string_equal(got, HEAD "Patch1: a.patch\n" TAIL "%autosetup -p1\n");
	assert_int_equal(res.count, 0);
	spec_patchn_result_release(&res);
	free(got);
	assert_true(spec_rpm_rejects_patchn(42000));
	assert_true(spec_rpm_rejects_patchn(60000));
	assert_false(spec_rpm_rejects_patchn(41900));
	assert_false(spec_rpm_rejects_patchn(41100));
}

static void test_specedit__convert_patchn_parses_everywhere(void **state)
{
	struct spec_info info;
	struct buf b = BUF_INIT, out = BUF_INIT;

	(void)state;
	/* what the host's rpm makes of the converted spec: the same patches, in order */
	tu_write(tu_path("SOURCES/a.patch"), "x\n");
	tu_write(tu_path("SOURCES/b.patch"), "x\n");
	buf_puts(&b, HEAD "Patch2: b.patch\nPatch10: a.patch\n" TAIL "%setup -q -c -T\n%patch10 -p1\n"
		 "%patch2 -p1\n");
	assert_int_equal(spec_convert_patchn(&out, NULL, "t.spec", &b), 0);
	tu_write(tu_path("SPECS/c.spec"), out.ptr);
	assert_int_equal(spec_query(&info, tu_path("SPECS/c.spec"), NULL, NULL), 0);
	assert_int_equal(info.napplied, 2);
	assert_int_equal(info.applied[0].number, 10);
	assert_int_equal(info.applied[1].number, 2);
	spec_info_release(&info);
	buf_release(&b);
	buf_release(&out);
}

static void test_specedit__renumber_refusals(void **state)
{
	int ret;

	(void)state;
	assert_null(renumber(HEAD "Patch1: a.patch\n" TAIL "%setup\n%patch2 -p1\n", &ret));
	assert_non_null(strstr(error_last(), "t.spec:13:7: patch 2 is used here but never declared"));
	assert_null(renumber(HEAD "%if 1\nPatch1: a.patch\n%else\nPatch1: b.patch\n%endif\n" TAIL, &ret));
	assert_non_null(strstr(error_last(), "declared twice"));
}

static void test_specedit__renumber_noop_is_identity(void **state)
{
	const char *spec = HEAD "Patch1:\ta.patch\nPatch2:\tb.patch\n" TAIL "%setup\n%patch1 -p1\n";
	int ret;
	char *got;

	(void)state;
	got = renumber(spec, &ret);
	assert_int_equal(ret, 0);
	assert_string_equal(got, spec);
	free(got);
}

/* ---- the table of forms: each row written, and recognised back ---- */

#define FORM_SPEC HEAD "Patch3: c.patch\n" TAIL "%setup -q\n"

/* A line naming patch 3 where `at` says, built from the row's recognition columns. */
static void form_line(struct buf *b, const struct sm_form_row *row, enum sm_num_at at)
{
	const char *name = row->dir == DIR_AUTOPATCH ? "%autopatch" : "%patch";

	switch (at) {
	case AT_NONE:
		buf_printf(b, "%s -p1", name);
		break;
	case AT_NAME:
		buf_printf(b, "%s3 -p1", name);
		break;
	case AT_ARG:
		buf_printf(b, "%s -p1 3", name);
		break;
	case AT_OPT:
		buf_printf(b, "%s -p1 -%c 3", name, row->opt);
		break;
	case AT_OPT_GLUED:
		buf_printf(b, "%s -p1 -%c3", name, row->opt);
		break;
	case AT_MACRO:
		buf_puts(b, "git am %{PATCH3}");
		break;
	}
}

/* What the model reads of a %prep line: its directive, and the form of its one reference. */
struct read_back {
	enum spec_patch_form dir_form, ref_form;  /* ref_form: SPEC_FORM_NONE without a reference */
	int number, strip;
	size_t digits;
	bool strip_first;
};

/* Parse FORM_SPEC + `line`: what the model reads of that last line. */
static void read_form(struct read_back *out, const char *line)
{
	struct buf text = BUF_INIT;
	struct sm sm;
	const struct sm_dir *d;
	size_t i, nrefs = 0;

	memset(out, 0, sizeof(*out));
	buf_puts(&text, FORM_SPEC);
	buf_puts(&text, line);
	buf_puts(&text, "\n");
	if (sm_parse(&sm, "t.spec", text.ptr, text.len) < 0)
		fail_msg("'%s': %s", line, error_last());
	assert_true(sm.ndirs >= 2);
	d = &sm.dirs[sm.ndirs - 1];
	out->dir_form = d->form;
	out->strip = d->strip;
	out->strip_first = d->strip_first;
	out->ref_form = SPEC_FORM_NONE;
	for (i = 0; i < sm.nrefs; i++) {
		if (sm.refs[i].line != d->line)
			continue;
		nrefs++;
		out->ref_form = sm.refs[i].form;
		out->number = sm.refs[i].number;
		out->digits = sm.refs[i].len;
	}
	assert_true(nrefs <= 1);
	sm_release(&sm);
	buf_release(&text);
}

static void test_specedit__form_table_recognises_each_row(void **state)
{
	const struct sm_form_row *forms, *row;
	size_t n, i;
	int f;

	(void)state;
	forms = sm_forms(&n);
	assert_null(sm_form(SPEC_FORM_NONE));
	for (f = SPEC_FORM_NONE + 1; f <= SPEC_FORM_AUTOPATCH_MAX; f++)
		assert_non_null(sm_form((enum spec_patch_form)f));
	for (i = 0; i < n; i++) {
		enum sm_num_at at;

		row = &forms[i];
		assert_ptr_equal(sm_form(row->form), row);
		assert_int_not_equal(row->at, 0);
		for (at = AT_NONE; at <= AT_MACRO; at++) {
			struct buf line = BUF_INIT;
			struct read_back got;

			if (!(row->at & AT(at)))
				continue;
			/* One row per place a number can sit: recognition is a lookup. */
			assert_ptr_equal(sm_form_find(row->dir, at, row->opt), row);
			form_line(&line, row, at);
			read_form(&got, line.ptr);
			if (at == AT_NONE) {
				assert_int_equal(got.ref_form, SPEC_FORM_NONE);
				assert_int_equal(got.dir_form, row->form);
			} else {
				if (got.ref_form != row->form)
					fail_msg("'%s': read as form %d, not %d", line.ptr,
						 got.ref_form, row->form);
				assert_int_equal(got.number, 3);
				if (!row->bound)
					assert_int_equal(got.dir_form, row->form);
			}
			buf_release(&line);
		}
	}
	/* Options that are not patch numbers name no patch. */
	assert_null(sm_form_find(DIR_PATCH, AT_OPT, 'p'));
	assert_null(sm_form_find(DIR_PATCH, AT_OPT, 'F'));
	assert_null(sm_form_find(DIR_AUTOSETUP, AT_ARG, 0));
	assert_null(sm_form_find(DIR_AUTOPATCH, AT_NONE, 0));
}

/* An rpm version inside, or (outside) outside, the row's bounds; 0 when it has none there. */
static int version_for(const struct sm_form_row *row, bool outside)
{
	if (!outside)
		return row->rpm_min ? row->rpm_min : row->rpm_max ? row->rpm_max : 41800;
	if (row->rpm_min)
		return row->rpm_min - 100;
	return row->rpm_max ? row->rpm_max + 1 : 0;
}

/* add-patch after a line of the row's form: the new line is the row's line for patch 4. */
static void assert_added_in_form(const struct sm_form_row *row, const char *line, int width,
				 bool strip_first, bool outside)
{
	const struct sm_form_row *every = sm_form(SPEC_FORM_PATCH_P);
	struct spec_add_patch_result res;
	struct buf spec = BUF_INIT, want = BUF_INIT, note = BUF_INIT;
	int rpmver = version_for(row, outside);
	char *got;

	if (!rpmver)
		return;
	buf_puts(&spec, FORM_SPEC);
	buf_puts(&spec, line);
	buf_puts(&spec, "\n");
	buf_puts(&want, HEAD "Patch3: c.patch\nPatch4: new.patch\n" TAIL "%setup -q\n");
	buf_puts(&want, line);
	buf_puts(&want, "\n");
	sm_form_write(&want, outside ? every : row, 4, width, 1, strip_first);
	buf_puts(&want, "\n");
	got = add_full(spec.ptr, "new.patch", NULL, PLAIN, rpmver, &res);
	if (!got)
		fail_msg("'%s' at rpm %d: %s", line, rpmver, error_last());
	assert_string_equal(got, want.ptr);
	if (outside) {
		sm_form_write(&note, every, 4, 0, -1, false);
		assert_non_null(strstr(res.warnings.ptr, note.ptr));
	} else {
		assert_int_equal(res.warnings.len, 0);
	}
	free(got);
	spec_add_patch_result_release(&res);
	buf_release(&note);
	buf_release(&want);
	buf_release(&spec);
}

static void test_specedit__form_table_writes_each_row(void **state)
{
	static const int widths[] = { 0, 4 };
	const struct sm_form_row *forms, *row;
	size_t n, i, w;
	int first, written = 0;

	(void)state;
	forms = sm_forms(&n);
	for (i = 0; i < n; i++) {
		row = &forms[i];
		if (!row->name)
			continue;
		for (w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
			for (first = 0; first <= 1; first++) {
				struct buf line = BUF_INIT;
				struct read_back got;

				sm_form_write(&line, row, 3, widths[w], 1, first);
				read_form(&got, line.ptr);
				if (got.ref_form != row->form || got.dir_form != row->form)
					fail_msg("'%s' written as form %d, read as %d", line.ptr,
						 row->form, got.ref_form);
				assert_int_equal(got.number, 3);
				assert_int_equal(got.digits, widths[w] ? (size_t)widths[w] : 1);
				assert_int_equal(got.strip, 1);
				assert_int_equal(got.strip_first, row->strip_at == STRIP_BEFORE ||
						 (row->strip_at == STRIP_AS_SPEC && first));
				/* The new line puts -p where the spec's line has it. */
				assert_added_in_form(row, line.ptr, widths[w], got.strip_first, false);
				assert_added_in_form(row, line.ptr, widths[w], got.strip_first, true);
				buf_release(&line);
				written++;
			}
		}
	}
	/* %patchN, %patch N, %patch -P N, %patch -PN and %autopatch N. */
	assert_int_equal(written, 5 * 2 * 2);
}

/* ---- layout ---- */

static void test_specedit__layout(void **state)
{
	struct buf in = BUF_INIT;
	struct spec_layout l;

	(void)state;
	buf_puts(&in, HEAD "Patch3: a.patch\n%if 1\nPatch: b.patch\n%endif\n#Patch9: c\n" TAIL
		 "%setup\n%patch -P 3 -p1\n");
	assert_int_equal(spec_layout(&l, "t.spec", &in), 0);
	assert_int_equal(l.npatches, 2);
	assert_int_equal(l.patches[1].number, 4);
	assert_false(l.patches[1].numbered);
	assert_true(l.patches[1].conditional);
	assert_string_equal(l.patches[1].value, "b.patch");
	assert_int_equal(l.max_number, 9);
	assert_int_equal(l.prep, SPEC_PREP_PATCH);
	assert_int_equal(l.form, SPEC_FORM_PATCH_P);
	assert_false(l.git_am);
	spec_layout_release(&l);
	buf_release(&in);
}

/* ---- the vendor's dist tag (rpm parses: runs a child) ---- */

static void assert_dist(const char *release_line, const char *header, const char *want, int want_ret)
{
	char *spec = xasprintf("Name: t\nVersion: 1\n%s\nSummary: s\nLicense: MIT\n\n%%description\nd\n",
			       release_line);
	char *dist = NULL;
	int ret;

	tu_write(tu_path("t.spec"), spec);
	ret = spec_infer_dist(&dist, tu_path("t.spec"), header, NULL);
	if (ret != want_ret)
		fail_msg("%s against %s: %d (%s)", release_line, header, ret, error_last());
	if (!want)
		assert_null(dist);
	else
		assert_string_equal(dist, want);
	free(dist);
	free(spec);
}

static void test_specedit__infer_dist(void **state)
{
	(void)state;
	assert_dist("Release: 3%{?dist}", "3.el7", ".el7", 0);
	assert_dist("Release: 3%{?dist}", "3", "", 0);
	assert_dist("Release: 11%{?rcrel}%{?dist}%{?cc_suffix}", "11.el9", ".el9", 0);
	assert_dist("%global baserelease 4\nRelease: %{baserelease}%{?dist}", "4.fc42", ".fc42", 0);
	assert_dist("Release: 3%{?dist}.1", "3.el7_9.1", ".el7_9", 0);
	/* no %{dist} in the template: nothing to infer */
	assert_dist("Release: 3", "3.el7", NULL, 0);
	/* a header that does not fit the template */
	assert_dist("Release: 3%{?dist}", "4.el7", NULL, ERR_NOTFOUND);
	assert_non_null(strstr(error_last(), "the src.rpm's Release '4.el7' does not fit the spec's "
				"Release '3%{dist}'"));
}

/* ---- bump (asks rpm for the version-release: runs a child) ---- */

static char *bump(const char *in, const char *suffix, const char *text, struct spec_bump_result *r)
{
	struct buf b = BUF_INIT, out = BUF_INIT;
	struct spec_bump_opts o;
	int ret;

	tu_write(tu_path("t.spec"), in);
	buf_puts(&b, in);
	memset(&o, 0, sizeof(o));
	o.suffix = suffix;
	o.changelog = text;
	o.packager = "Jane Packager <jane@example.com>";
	o.now = 1704067200; /* Mon Jan 01 2024 */
	ret = spec_bump(&out, r, tu_path("t.spec"), &b, &o);
	buf_release(&b);
	if (ret < 0) {
		buf_release(&out);
		return NULL;
	}
	return buf_detach(&out, NULL);
}

#define SPEC_EVR "Name: t\nVersion: 2.0\nEpoch: 3\nSummary: s\nLicense: MIT\n"
#define BODY "\n%description\nd\n\n%prep\n\n%files\n\n%changelog\n"

static void test_specedit__bump_release_number(void **state)
{
	struct spec_bump_result r;
	char *got;

	(void)state;
	got = bump(SPEC_EVR "Release: 3%{?dist}\n" BODY
		   "* Tue Nov 27 2018 A B <a@b> - 3:2.0-3.el7\n- old\n", NULL, "Add guest-foo (100%)", &r);
	assert_non_null(got);
	assert_string_equal(got, SPEC_EVR "Release: 4%{?dist}\n" BODY
			    "* Mon Jan 01 2024 Jane Packager <jane@example.com> - 3:2.0-4.el7\n"
			    "- Add guest-foo (100%%)\n\n"
			    "* Tue Nov 27 2018 A B <a@b> - 3:2.0-3.el7\n- old\n");
	assert_string_equal(r.old_release, "3%{?dist}");
	assert_string_equal(r.new_release, "4%{?dist}");
	spec_bump_result_release(&r);
	free(got);
}

static void test_specedit__bump_baserelease_and_style(void **state)
{
	struct spec_bump_result r;
	char *got;

	(void)state;
	/* the macro bumps, the entry shows no epoch (the newest does not) and no dash */
	got = bump("%global baserelease 9\n" SPEC_EVR "Release: %{baserelease}%{?dist}\n" BODY
		   "* Fri Mar 05 2021 X <x@y> 2.0-9\n- initial\n", NULL, NULL, &r);
	assert_non_null(got);
	assert_string_equal(got, "%global baserelease 10\n" SPEC_EVR "Release: %{baserelease}%{?dist}\n"
			    BODY "* Mon Jan 01 2024 Jane Packager <jane@example.com> 2.0-10\n- rebuilt\n\n"
			    "* Fri Mar 05 2021 X <x@y> 2.0-9\n- initial\n");
	spec_bump_result_release(&r);
	free(got);
}

static void test_specedit__bump_suffix_and_dates(void **state)
{
	struct spec_bump_result r;
	char *got;

	(void)state;
	/* a suffix: .qga1, then .qga2; the newest entry is dated in the future: keep its date */
	got = bump(SPEC_EVR "Release: 0.3.rc1%{?dist}.qga1\n" BODY
		   "* Wed Jun 05 2024 A <a@b> - 3:2.0-0.3.rc1.qga1\n- x\n", ".qga", "- y", &r);
	assert_non_null(got);
	assert_string_equal(got, SPEC_EVR "Release: 0.3.rc1%{?dist}.qga2\n" BODY
			    "* Wed Jun 05 2024 Jane Packager <jane@example.com> - 3:2.0-0.3.rc1.qga2\n"
			    "- y\n\n* Wed Jun 05 2024 A <a@b> - 3:2.0-0.3.rc1.qga1\n- x\n");
	spec_bump_result_release(&r);
	free(got);
	/* rpmdev-bumpspec's pre-release rule */
	got = bump(SPEC_EVR "Release: 0.3.rc1\n" BODY, NULL, "z", &r);
	assert_non_null(got);
	assert_non_null(strstr(got, "Release: 0.4.rc1\n"));
	assert_non_null(strstr(got, "%changelog\n* Mon Jan 01 2024 Jane Packager <jane@example.com> - "
				"3:2.0-0.4.rc1\n- z\n"));
	spec_bump_result_release(&r);
	free(got);
}

static void test_specedit__bump_which_macro(void **state)
{
	struct spec_bump_result r;
	char *got;

	(void)state;
	/* "rel" is one of rpmdev-bumpspec's names: it wins over a date defined before it */
	got = bump("%global snapdate 20240101\n%global rel 1\n" SPEC_EVR
		   "Release: %{rel}.%{snapdate}git%{?dist}\n" BODY, NULL, "x", &r);
	assert_non_null(got);
	assert_non_null(strstr(got, "%global snapdate 20240101\n%global rel 2\n"));
	assert_string_equal(r.new_release, "%{rel} = 2");
	spec_bump_result_release(&r);
	free(got);
	/* else the macro Release starts with */
	got = bump("%global pkgrel 4\n" SPEC_EVR "Release: %{?pkgrel}%{?dist}\n" BODY, NULL, "x", &r);
	assert_non_null(got);
	assert_non_null(strstr(got, "%global pkgrel 5\n"));
	assert_non_null(strstr(got, " - 3:2.0-5\n- x\n"));
	spec_bump_result_release(&r);
	free(got);
}

static void test_specedit__bump_managed_and_refused(void **state)
{
	struct spec_bump_result r;
	char *got;

	(void)state;
	got = bump(SPEC_EVR "Release: %autorelease\n\n%description\nd\n\n%prep\n\n%changelog\n"
		   "%autochangelog\n", NULL, NULL, &r);
	assert_non_null(got);
	assert_true(r.release_managed);
	assert_true(r.changelog_managed);
	assert_null(r.header);
	assert_non_null(strstr(got, "Release: %autorelease\n"));
	spec_bump_result_release(&r);
	free(got);
	assert_null(bump(SPEC_EVR "Release: %{rel}\n" BODY, NULL, NULL, &r));
	assert_non_null(strstr(error_last(), "cannot bump Release '%{rel}'"));
	assert_null(bump(SPEC_EVR "Release: 1\n" BODY, "~bad", NULL, &r));
	assert_null(bump(SPEC_EVR BODY, NULL, NULL, &r));
	assert_non_null(strstr(error_last(), "no Release tag"));
}

static void test_specedit__changelog_set_entry(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT;

	(void)state;
	buf_puts(&in, "Name: t\n\n%changelog\n* Mon Jan 01 2024 A <a@b> - 1-1\n- one\n- two\n\n"
		 "* Sun Dec 31 2023 A <a@b> - 1-0\n- old\n");
	assert_int_equal(spec_changelog_set_entry(&out, "t.spec", &in,
						  "* Mon Jan 01 2024 A <a@b> - 1-1", "three\nfour"), 0);
	assert_string_equal(out.ptr, "Name: t\n\n%changelog\n* Mon Jan 01 2024 A <a@b> - 1-1\n"
			    "- three\n- four\n\n* Sun Dec 31 2023 A <a@b> - 1-0\n- old\n");
	buf_reset(&out);
	assert_int_equal(spec_changelog_set_entry(&out, "t.spec", &in, "* nope", "x"), ERR_NOTFOUND);
	buf_release(&in);
	buf_release(&out);
}

/* ---- rpm's view ---- */

#define RPM_SPEC "Name: t\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\nSource0: t-1.tar.gz\n" \
	"Patch1: a.patch\nPatch2: b.patch\n\n%description\nd\n\n%prep\n%setup -q\n"

/*
 * The files RPM_SPEC declares, in `dir`: rpm up to 4.16 writes explicit
 * %patch lines into %prep only when it can see the patch files.
 */
static void rpm_spec_sources(const char *dir)
{
	char p[4096];

	tu_fmt(p, "%s/t-1.tar.gz", dir);
	tu_write(p, "not really a tarball\n");
	tu_fmt(p, "%s/a.patch", dir);
	tu_write(p, "x\n");
	tu_fmt(p, "%s/b.patch", dir);
	tu_write(p, "x\n");
}

static void test_specedit__query_order(void **state)
{
	struct spec_info info;
	struct buf text = BUF_INIT;

	(void)state;
	rpm_spec_sources(tu_path("SOURCES"));
	tu_write(tu_path("SPECS/t.spec"), RPM_SPEC "%patch -P 2 -p1\n%patch -P 1 -p1\n\n%files\n");
	assert_int_equal(spec_query(&info, tu_path("SPECS/t.spec"), NULL, NULL), 0);
	assert_string_equal(info.name, "t");
	assert_null(info.epoch);
	assert_int_equal(info.napplied, 2);
	assert_string_equal(info.applied[0].file, "b.patch");
	assert_int_equal(info.applied[0].number, 2);
	assert_string_equal(info.applied[1].file, "a.patch");
	assert_int_equal(info.npatches, 2);
	spec_info_release(&info);
	/* candidate text: checked without touching the file */
	buf_puts(&text, RPM_SPEC "%patch -P 1 -p1\n%patch -P 2 -p1\n");
	assert_int_equal(spec_query(&info, tu_path("SPECS/t.spec"), &text, NULL), 0);
	assert_string_equal(info.applied[1].file, "b.patch");
	spec_info_release(&info);
	assert_int_equal(tu_count_entries(tu_path("SPECS")), 1);
	buf_release(&text);
}

static void test_specedit__verify(void **state)
{
	struct buf text = BUF_INIT;
	const char *b[] = { "b.patch" }, *a[] = { "a.patch" }, *c[] = { "c.patch" };

	(void)state;
	tu_write(tu_path("t.spec"), "");
	rpm_spec_sources(tu_path("."));
	buf_puts(&text, RPM_SPEC "%patch -P 1 -p1\n%patch -P 2 -p1\n");
	assert_int_equal(spec_verify_patches(tu_path("t.spec"), &text, b, 1, NULL), 0);
	assert_int_equal(spec_verify_patches(tu_path("t.spec"), &text, a, 1, NULL), ERR_INPUT);
	assert_non_null(strstr(error_last(), "applies 'a.patch' before 'b.patch', not last"));
	assert_int_equal(spec_verify_patches(tu_path("t.spec"), &text, c, 1, NULL), ERR_INPUT);
	assert_non_null(strstr(error_last(), "no Patch tag for 'c.patch'"));
	buf_reset(&text);
	buf_puts(&text, RPM_SPEC "%patch -P 1 -p1\n%patch -P 2 -p1\n%patch -P 2 -p1\n");
	assert_int_equal(spec_verify_patches(tu_path("t.spec"), &text, b, 1, NULL), ERR_INPUT);
	assert_non_null(strstr(error_last(), "applies 'b.patch' 2 times"));
	buf_reset(&text);
	buf_puts(&text, RPM_SPEC "%patch -P 1 -p1\n");
	assert_int_equal(spec_verify_patches(tu_path("t.spec"), &text, b, 1, NULL), ERR_INPUT);
	assert_non_null(strstr(error_last(), "does not apply 'b.patch'"));
	buf_reset(&text);
	buf_puts(&text, "Name: t\nVersion: 1\nRelease: 1\nBogusTag: x\n");
	assert_int_equal(spec_verify_patches(tu_path("t.spec"), &text, b, 1, NULL), ERR_INPUT);
	assert_non_null(strstr(error_last(), "t.spec:4:1: rpm: "));
	/* t.spec and its three sources: no temporary file is left */
	assert_int_equal(tu_count_entries(tu_current->path), 4);
	buf_release(&text);
}

static void test_specedit__sourcedir(void **state)
{
	char *d;

	(void)state;
	d = spec_sourcedir("/x/y/SPECS/a.spec");
	assert_string_equal(d, "/x/y/SOURCES");
	free(d);
	d = spec_sourcedir("/x/y/a.spec");
	assert_string_equal(d, "/x/y");
	free(d);
	assert_true(spec_rpm_version() >= 41100);
}

/* References to a source by its path in the source directory follow a rename; others stay. */
static void test_specedit__rename_source_refs(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT, back = BUF_INIT;
	size_t n = 0;

	(void)state;
	buf_puts(&in, "Source13: qemu-ga.sysconfig\n"
		      "%install\n"
		      "install -D -m 0644 %{_sourcedir}/qemu-ga.sysconfig %{buildroot}/etc/sysconfig/qemu-ga\n"
		      "cp $RPM_SOURCE_DIR/qemu-ga.sysconfig ${RPM_SOURCE_DIR}/qemu-ga.sysconfig x\n"
		      "cp %_sourcedir/qemu-ga.sysconfig.orig %{_sourcedir}/qemu-ga.sysconfigs y\n"
		      "cp %{_sourcedir}/qemu-ga.sysconfig\n");
	spec_rename_source_refs(&out, &in, "qemu-ga.sysconfig", "qemu-ga.sysconfig.qga-forge", &n);
	assert_int_equal(n, 4);
	assert_string_equal(out.ptr,
			    "Source13: qemu-ga.sysconfig\n"
			    "%install\n"
			    "install -D -m 0644 %{_sourcedir}/qemu-ga.sysconfig.qga-forge "
			    "%{buildroot}/etc/sysconfig/qemu-ga\n"
			    "cp $RPM_SOURCE_DIR/qemu-ga.sysconfig.qga-forge "
			    "${RPM_SOURCE_DIR}/qemu-ga.sysconfig.qga-forge x\n"
			    "cp %_sourcedir/qemu-ga.sysconfig.orig %{_sourcedir}/qemu-ga.sysconfigs y\n"
			    "cp %{_sourcedir}/qemu-ga.sysconfig.qga-forge\n");
	/* again: nothing more to change (the new name is not the old one) */
	spec_rename_source_refs(&back, &out, "qemu-ga.sysconfig", "qemu-ga.sysconfig.qga-forge", &n);
	assert_int_equal(n, 0);
	assert_string_equal(back.ptr, out.ptr);
	/* and back */
	spec_rename_source_refs(&back, &out, "qemu-ga.sysconfig.qga-forge", "qemu-ga.sysconfig", &n);
	assert_int_equal(n, 4);
	assert_string_equal(back.ptr, in.ptr);
	buf_release(&in);
	buf_release(&out);
	buf_release(&back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TU_TEST(test_specedit__patchn_with_gaps_and_comments),
		TU_TEST(test_specedit__comment_lines_escaped),
		TU_TEST(test_specedit__padding_and_alignment),
		TU_TEST(test_specedit__tabs_after_colon),
		TU_TEST(test_specedit__outside_conditionals),
		TU_TEST(test_specedit__max_counts_every_branch_and_comment),
		TU_TEST(test_specedit__unnumbered_and_git_am),
		TU_TEST(test_specedit__macro_conditional_and_patch0),
		TU_TEST(test_specedit__commented_prep_line_ignored),
		TU_TEST(test_specedit__autopatch_ranges),
		TU_TEST(test_specedit__autopatch_range_then_patch_lines),
		TU_TEST(test_specedit__strip_level_checked),
		TU_TEST(test_specedit__no_patches_yet),
		TU_TEST(test_specedit__rpm_version_forms),
		TU_TEST(test_specedit__macro_lines),
		TU_TEST(test_specedit__lossless_bytes),
		TU_TEST(test_specedit__bad_inputs),
		TU_TEST(test_specedit__duplicates_in_exclusive_branches),
		TU_TEST(test_specedit__continued_lines_are_one),
		TU_TEST(test_specedit__conditionals_inside_continued_lines),
		TU_TEST(test_specedit__undefined_macro_uses),
		TU_TEST(test_specedit__remove_patch),
		TU_TEST(test_specedit__renumber_rewrites_references),
		TU_TEST(test_specedit__renumber_unnumbered_and_ranges),
		TU_TEST(test_specedit__renumber_refusals),
		TU_TEST(test_specedit__convert_patchn),
		TU_TEST(test_specedit__convert_patchn_parses_everywhere),
		TU_TEST(test_specedit__renumber_noop_is_identity),
		TU_TEST(test_specedit__form_table_recognises_each_row),
		TU_TEST(test_specedit__form_table_writes_each_row),
		TU_TEST(test_specedit__layout),
		TU_TEST(test_specedit__bump_release_number),
		TU_TEST(test_specedit__bump_baserelease_and_style),
		TU_TEST(test_specedit__bump_suffix_and_dates),
		TU_TEST(test_specedit__bump_which_macro),
		TU_TEST(test_specedit__bump_managed_and_refused),
		TU_TEST(test_specedit__changelog_set_entry),
		TU_TEST(test_specedit__query_order),
		TU_TEST(test_specedit__infer_dist),
		TU_TEST(test_specedit__verify),
		TU_TEST(test_specedit__sourcedir),
		TU_TEST(test_specedit__rename_source_refs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
