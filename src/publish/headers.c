/* Package headers: what publish needs to know of each rpm. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <createrepo_c/createrepo_c.h>
#include <rpm/header.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmpgp.h>
#include <rpm/rpmsign.h>
#include <rpm/rpmts.h>

#include "publish.h"
#include "internal.h"
#include "util/util.h"
#include "util/banned.h"

/* ---- package headers (librpm) ---- */

int pub_rpm_setup(void)
{
	static int done;

	if (done)
		return 0;
	if (rpmReadConfigFiles(NULL, NULL) != 0)
		return error_set(ERR_GENERIC, "cannot read rpm's configuration");
	done = 1;
	return 0;
}


void pub_pkginfo_release(struct pkginfo *p)
{
	free(p->nevra);
	free(p->hdrid);
	memset(p, 0, sizeof(*p));
}

/* rpm's own messages would go to stderr: this module never prints. */
int pub_quiet_log(rpmlogRec rec, rpmlogCallbackData data)
{
	(void)rec;
	(void)data;
	return 0;
}

int pub_read_pkginfo(struct pkginfo *out, const char *path)
{
	rpmts ts = NULL;
	FD_t fd = NULL;
	Header h = NULL;
	rpmRC rc;
	const char *id;
	rpmlogCallback old_cb;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = pub_rpm_setup()) < 0)
		return ret;
	fd = Fopen(path, "r.ufdio");
	if (!fd || Ferror(fd)) {
		ret = error_set(ERR_GENERIC, "cannot read '%s': %s", path, fd ? Fstrerror(fd) : "open failed");
		goto cleanup;
	}
	ts = rpmtsCreate();
	/* Identity only: a signature by a key we do not have is not an error here. */
	rpmtsSetVSFlags(ts, RPMVSF_MASK_NOSIGNATURES);
	/* rpm 4.18 cannot tell a callback's data: qga-forge's callbacks take none. */
	old_cb = rpmlogSetCallback(pub_quiet_log, NULL);
	rc = rpmReadPackageFile(ts, fd, path, &h);
	rpmlogSetCallback(old_cb, NULL);
	if (rc != RPMRC_OK && rc != RPMRC_NOKEY && rc != RPMRC_NOTTRUSTED) {
		ret = error_set(ERR_INPUT, "'%s': not a readable rpm package", path);
		goto cleanup;
	}
	out->is_source = headerIsSource(h);
	out->is_signed = headerIsEntry(h, RPMTAG_RSAHEADER) || headerIsEntry(h, RPMTAG_DSAHEADER) ||
			 headerIsEntry(h, RPMTAG_SIGPGP) || headerIsEntry(h, RPMTAG_SIGGPG);
	out->nevra = headerGetAsString(h, RPMTAG_NEVRA);
	id = headerGetString(h, RPMTAG_SHA256HEADER);
	if (!id)
		id = headerGetString(h, RPMTAG_SHA1HEADER);
	if (id) {
		out->hdrid = xstrdup(id);
	} else {
		char hex[65];

		if ((ret = hash_sha256_file(hex, path)) < 0)
			goto cleanup;
		out->hdrid = xstrdup(hex);
	}
cleanup:
	headerFree(h);
	rpmtsFree(ts);
	if (fd)
		Fclose(fd);
	if (ret < 0)
		pub_pkginfo_release(out);
	return ret;
}
