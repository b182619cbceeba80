#ifndef QGA_FORGE_HASH_H
#define QGA_FORGE_HASH_H

/* SHA-256 digests as lowercase hex (rpmio's digest implementation). */

#include <stddef.h>

/* out must hold 65 bytes. */
void hash_sha256_hex(char out[65], const void *data, size_t len);

/* Digest of a file's contents; 0 or a negative error code. */
int hash_sha256_file(char out[65], const char *path);

#endif
