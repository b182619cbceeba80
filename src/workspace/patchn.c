#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "workspace/ws.h"
#include "specedit/spec.h"
#include "util/util.h"
#include "util/banned.h"

/*
 * A workspace spec is the workspace's own copy (installed into its private
 * topdir), so rewriting %patchN there is fine; it is done as a step of its
 * own, never inside another edit, and recorded in the state under
 * "spec_conversions" so that `status` and a later reader see why the spec
 * differs from the vendor's.
 */
int ws_convert_patchn(struct ws *ws, const char *spec, const char *step, size_t *count_out)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	struct spec_patchn_result res;
	struct json_object *st = ws_state(ws), *arr, *e, *lines;
	int ret = 0, v = spec_rpm_version();
	size_t i;

	*count_out = 0;
	memset(&res, 0, sizeof(res));
	if (!spec_rpm_rejects_patchn(0))
		return 0;
	buf_set_cap(&in, SPEC_CAP);
	if ((ret = fs_read_file(&in, spec)) < 0 ||
	    (ret = spec_convert_patchn(&out, &res, spec, &in)) < 0 || !res.count)
		goto cleanup;
	if ((ret = fs_write_atomic(spec, out.ptr, out.len, 0644)) < 0)
		goto cleanup;
	if (!json_object_object_get_ex(st, "spec_conversions", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		arr = json_object_new_array();
		json_object_object_add(st, "spec_conversions", arr);
	}
	e = json_object_new_object();
	lines = json_object_new_array();
	for (i = 0; i < res.count; i++)
		json_object_array_add(lines, json_object_new_int((int)res.lines[i]));
	json_object_object_add(e, "conversion", json_object_new_string("%patchN -> %patch -P N"));
	json_object_object_add(e, "reason", json_object_new_string("rpm >= 4.20 rejects %patchN"));
	{
		char *ver = xasprintf("%d.%d.%d", v / 10000, v / 100 % 100, v % 100);

		json_object_object_add(e, "rpm", json_object_new_string(ver));
		free(ver);
	}
	json_object_object_add(e, "step", json_object_new_string(step));
	json_object_object_add(e, "lines", lines);
	json_object_array_add(arr, e);
	*count_out = res.count;
cleanup:
	spec_patchn_result_release(&res);
	buf_release(&in);
	buf_release(&out);
	return ret;
}
