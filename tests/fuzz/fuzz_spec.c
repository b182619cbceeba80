/*
 * The spec model (src/specedit): parse and render back unedited
 * (byte-identical), then the pure text operations qga-forge runs on a
 * vendor's spec: the layout, renumbering, adding and removing a patch.
 * None of them asks rpm, so the spec's own code never runs here.
 *
 * Input: the spec text.
 */

#include <string.h>

#include "fuzz.h"
#include "specedit/spec.h"
#include "specedit/model.h"
#include "util/util.h"
#include "util/banned.h"

#define PATH "fuzz.spec"

static void round_trip(const struct buf *in)
{
	struct buf out = BUF_INIT;
	struct sm sm;

	if (sm_parse(&sm, PATH, in->ptr, in->len) == 0) {
		sm_render(&sm, &out);
		if (out.len != in->len || memcmp(out.ptr, in->ptr, in->len) != 0)
			fuzz_fail("render is not byte-identical (%zu bytes in, %zu out)", in->len,
				  out.len);
		sm_release(&sm);
	}
	error_clear();
	buf_release(&out);
}

static void edits(const struct buf *in)
{
	struct spec_layout l;
	struct spec_renumber_map *map = NULL;
	struct spec_add_patch_result res;
	struct spec_add_patch_opts ao;
	struct buf out = BUF_INIT, again = BUF_INIT;
	size_t nmap = 0;

	if (spec_layout(&l, PATH, in) == 0)
		spec_layout_release(&l);
	error_clear();

	if (spec_renumber(&out, &map, &nmap, PATH, in) == 0) {
		struct sm sm;

		/* What renumber wrote must still be a spec the model reads. */
		if (sm_parse(&sm, PATH, out.ptr, out.len) < 0)
			fuzz_fail("renumbered spec does not parse: %s", error_last());
		sm_release(&sm);
	}
	free(map);
	buf_reset(&out);
	error_clear();

	memset(&ao, 0, sizeof(ao));
	memset(&res, 0, sizeof(res));
	ao.name = "qga-forge-0001-qga-add-guest-fuzz.patch";
	ao.comment = "qga-forge: qga-forge-0001-qga-add-guest-fuzz.patch";
	ao.rpm_version = 41800;
	if (spec_add_patch(&out, &res, PATH, in, &ao) == 0) {
		if (spec_remove_patch(&again, PATH, &out, ao.name) < 0)
			fuzz_fail("a patch just added cannot be removed: %s", error_last());
		spec_add_patch_result_release(&res);
	}
	error_clear();
	buf_reset(&out);
	ao.rpm_version = 42000;
	memset(&res, 0, sizeof(res));
	if (spec_add_patch(&out, &res, PATH, in, &ao) == 0)
		spec_add_patch_result_release(&res);
	error_clear();

	buf_release(&out);
	buf_release(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf in = BUF_INIT;

	/* As the commands read a spec: a struct buf (NUL after the end). */
	buf_put(&in, data, size);
	round_trip(&in);
	edits(&in);
	buf_release(&in);
	return 0;
}
