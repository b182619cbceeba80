/*
 * Package headers: what publish needs to know of each rpm, read by the rpm
 * module's one header reader (publish sits beside the workspace, above rpm).
 */
#include <stdlib.h>
#include <string.h>

#include "publish.h"
#include "internal.h"
#include "rpm/srpm.h"
#include "util/util.h"
#include "util/banned.h"

void pub_pkginfo_release(struct pkginfo *p)
{
	free(p->nevra);
	free(p->hdrid);
	memset(p, 0, sizeof(*p));
}

int pub_read_pkginfo(struct pkginfo *out, const char *path)
{
	struct srpm_info info;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = srpm_read_header(&info, path);
	if (ret == ERR_INPUT)
		return error_set(ERR_INPUT, "'%s': not a readable rpm package", path);
	if (ret < 0)
		return ret;
	out->is_source = info.is_source;
	out->is_signed = info.is_signed;
	out->nevra = info.nevra;
	out->hdrid = info.hdrid;
	info.nevra = info.hdrid = NULL;
	srpm_info_release(&info);
	return 0;
}
