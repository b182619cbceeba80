/*
 * The QEMU system emulator of a build, for `smoke --qmp`: a qemu or
 * qemu-kvm package ships it as %{_libexecdir}/qemu-kvm (RHEL) or
 * %{_bindir}/qemu-system-ARCH (Fedora). build takes it out of the binary
 * rpm into OUT/emulator/ and names it in the manifest ("emulator").
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "internal.h"
#include "rpm/srpm.h"
#include "util/banned.h"

static bool is_emulator(const char *path)
{
	const char *base = strrchr(path, '/');

	if (!base)
		return false;
	base++;
	if (strstr(path, "/libexec/") && !strcmp(base, "qemu-kvm"))
		return true;
	return strstr(path, "/bin/") && !strncmp(base, "qemu-system-", 12);
}

int ws_extract_emulator(char **out, const char *outdir, struct json_object *rpms)
{
	char *dir = fs_path_join(outdir, "emulator");
	size_t i;
	int ret;

	*out = NULL;
	if ((ret = fs_remove_tree(dir)) < 0)
		goto done;
	for (i = 0; !*out && i < json_object_array_length(rpms); i++) {
		const char *rpm = json_object_get_string(json_object_array_get_idx(rpms, i));
		struct buf list = BUF_INIT;
		char *line, *save = NULL;

		if ((ret = srpm_list_files(&list, rpm)) < 0) {
			buf_release(&list);
			goto done;
		}
		for (line = strtok_r(list.ptr, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *dest;

			if (!is_emulator(line))
				continue;
			dest = fs_path_join(dir, strrchr(line, '/') + 1);
			if ((ret = fs_mkdirs(dir, 0755)) < 0 ||
			    (ret = srpm_extract_file(rpm, line, dest)) < 0) {
				free(dest);
				buf_release(&list);
				goto done;
			}
			*out = dest;
			break;
		}
		buf_release(&list);
	}
done:
	free(dir);
	return ret;
}
