#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "compat.h"
#include "hash.h"
#include "buf.h"
#include "error.h"
#include "banned.h"

static void finish(char out[65], DIGEST_CTX ctx)
{
	char *hex = NULL;
	size_t len = 0;

	rpmDigestFinal(ctx, (void **)&hex, &len, 1);
	if (hex && strlen(hex) == 64)
		memcpy(out, hex, 65);
	else
		out[0] = '\0';
	free(hex);
}

void hash_sha256_hex(char out[65], const void *data, size_t len)
{
	DIGEST_CTX ctx = rpmDigestInit(PGPHASHALGO_SHA256, RPMDIGEST_NONE);

	rpmDigestUpdate(ctx, data, len);
	finish(out, ctx);
}

int hash_sha256_file(char out[65], const char *path)
{
	DIGEST_CTX ctx;
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return error_set_errno(ERR_GENERIC, "cannot read '%s'", path);
	ctx = rpmDigestInit(PGPHASHALGO_SHA256, RPMDIGEST_NONE);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			error_set_errno(ERR_GENERIC, "cannot read '%s'", path);
			close(fd);
			finish(out, ctx);
			out[0] = '\0';
			return ERR_GENERIC;
		}
		rpmDigestUpdate(ctx, chunk, (size_t)n);
	}
	close(fd);
	finish(out, ctx);
	return 0;
}
