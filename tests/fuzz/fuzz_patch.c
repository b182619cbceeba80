/*
 * The readers of patch files given to `spec add-patch`: whether a patch is
 * a mailbox (git am layouts) and which -p level it needs, against specs of
 * each %prep style; and libgit2's patch parser, which patchgen uses to read
 * back every exported patch.
 *
 * Input: byte 0 picks the spec; the rest up to the first NUL is the patch,
 * anything after that NUL the --comment text.
 */

#include <string.h>

#include <git2.h>

#include "fuzz.h"
#include "specedit/spec.h"
#include "specedit/model.h"
#include "util/util.h"
#include "util/banned.h"

static const char *const specs[] = {
	/* %setup and explicit %patch -P N -p1 lines */
	"Name: x\nVersion: 1\nRelease: 1\nSummary: x\nLicense: MIT\n"
	"Source0: x.tar.gz\nPatch1: a.patch\n\n%description\nx\n\n"
	"%prep\n%setup -q\n%patch -P 1 -p1\n\n%build\n\n%changelog\n",
	/* %autosetup -S git_am: mailboxes only */
	"Name: x\nVersion: 1\nRelease: 1\nSummary: x\nLicense: MIT\n"
	"Source0: x.tar.gz\nPatch: a.patch\n\n%description\nx\n\n"
	"%prep\n%autosetup -n x-1 -S git_am\n\n%build\n",
	/* %setup + %autopatch -p1 */
	"Name: x\nVersion: 1\nRelease: 1\nSummary: x\nLicense: MIT\n"
	"Source0: x.tar.gz\nPatch0001: a.patch\n\n%description\nx\n\n"
	"%prep\n%setup -q\n%autopatch -p1\n\n%build\n",
	/* a git am line naming the patch macro */
	"Name: x\nVersion: 1\nRelease: 1\nSummary: x\nLicense: MIT\n"
	"Source0: x.tar.gz\nPatch1: a.patch\n\n%description\nx\n\n"
	"%prep\n%setup -q\ngit am %{PATCH1}\n\n%build\n",
	/* %patchN without -p */
	"Name: x\nVersion: 1\nRelease: 1\nSummary: x\nLicense: MIT\n"
	"Source0: x.tar.gz\nPatch1: a.patch\n\n%description\nx\n\n"
	"%prep\n%setup -q\n%patch1\n\n%build\n",
};
#define NSPECS (sizeof(specs) / sizeof(specs[0]))

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	git_libgit2_init();
	return 0;
}

/* Counts of what the model sees in a spec, to compare before and after. */
struct shape {
	size_t sections, conds, tags;
};

static void shape_of(struct shape *sh, const struct buf *text)
{
	struct sm sm;
	size_t i;

	memset(sh, 0, sizeof(*sh));
	if (sm_parse(&sm, "fuzz.spec", text->ptr, text->len) < 0)
		fuzz_fail("spec does not parse: %s", error_last());
	sh->sections = sm.nsections;
	sh->conds = sm.nconds;
	for (i = 0; i < sm.ntags; i++)
		sh->tags += !sm.tags[i].commented;
	sm_release(&sm);
}

static void libgit2_reader(const char *data, size_t len)
{
	git_diff *diff = NULL;
	git_buf b = { 0 };

	if (git_diff_from_buffer(&diff, data, len) == 0) {
		git_diff_num_deltas(diff);
		git_diff_to_buf(&b, diff, GIT_DIFF_FORMAT_PATCH);
		git_buf_dispose(&b);
	}
	git_diff_free(diff);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec_add_patch_opts ao;
	struct spec_add_patch_result res;
	struct buf spec = BUF_INIT, out = BUF_INIT, patch = BUF_INIT;
	const uint8_t *nul;
	char *comment = NULL;
	size_t plen;

	if (size < 1)
		return 0;
	buf_puts(&spec, specs[data[0] % NSPECS]);
	data++;
	size--;
	nul = memchr(data, 0, size);
	plen = nul ? (size_t)(nul - data) : size;
	/* An exact-size copy: the readers must stay within patch_len. */
	buf_put(&patch, data, plen);
	if (nul)
		comment = xstrndup((const char *)nul + 1, size - plen - 1);

	memset(&ao, 0, sizeof(ao));
	memset(&res, 0, sizeof(res));
	ao.name = "b.patch";
	ao.comment = comment;
	ao.patch_data = plen ? xmalloc(plen) : NULL;
	if (plen)
		memcpy((void *)ao.patch_data, patch.ptr, plen);
	ao.patch_len = plen;
	ao.rpm_version = 41800;
	if (spec_add_patch(&out, &res, "fuzz.spec", &spec, &ao) == 0) {
		struct shape a, b;

		/* The comment text must not become spec syntax: one tag more, nothing else. */
		shape_of(&a, &spec);
		shape_of(&b, &out);
		if (b.sections != a.sections || b.conds != a.conds || b.tags != a.tags + 1)
			fuzz_fail("adding a patch changed the spec's shape: sections %zu->%zu, "
				  "conditionals %zu->%zu, tags %zu->%zu", a.sections, b.sections,
				  a.conds, b.conds, a.tags, b.tags);
		spec_add_patch_result_release(&res);
	}
	error_clear();

	libgit2_reader(patch.ptr, patch.len);

	free((void *)ao.patch_data);
	free(comment);
	buf_release(&spec);
	buf_release(&out);
	buf_release(&patch);
	return 0;
}
