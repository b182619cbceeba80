#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "util/util.h"
#include "util/banned.h"

bool spec_policy_from_env(void)
{
	const char *v = getenv("QGA_FORGE_REFUSE_SPEC_CODE");

	return v && *v && strcmp(v, "0") != 0;
}

int spec_policy_check(const char *path, const char *label, bool option)
{
	struct buf text = BUF_INIT;
	int ret;

	if (!option && !spec_policy_from_env())
		return 0;
	buf_set_cap(&text, SPEC_CAP);
	ret = fs_read_file(&text, path);
	if (ret == 0 && (ret = spec_find_code(label ? label : path, &text)) < 0) {
		struct buf msg = BUF_INIT;

		/* error_set() replaces the message: keep a copy of it first. */
		buf_puts(&msg, error_last());
		error_set(ret, "%s; refused (%s)", msg.ptr,
			  option ? "--no-spec-code" : "QGA_FORGE_REFUSE_SPEC_CODE is set");
		buf_release(&msg);
	}
	buf_release(&text);
	return ret;
}
