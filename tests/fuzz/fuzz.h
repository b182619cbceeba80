#ifndef QGA_FORGE_FUZZ_H
#define QGA_FORGE_FUZZ_H

/*
 * Shared by the libFuzzer harnesses in tests/fuzz/. Each harness defines
 * LLVMFuzzerTestOneInput(); an invariant that does not hold calls
 * fuzz_fail(), which aborts, so libFuzzer records the input as a crash.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define fuzz_fail(...)                                                          \
	do {                                                                    \
		fprintf(stderr, "fuzz invariant broken at %s:%d: ", __FILE__,   \
			__LINE__);                                              \
		fprintf(stderr, __VA_ARGS__);                                   \
		fputc('\n', stderr);                                            \
		abort();                                                        \
	} while (0)

#endif
