/* fuzz.h - shared by the libFuzzer harnesses and their regression test.
 *
 * Each harness defines `int hpcc_fuzz_<target>(const uint8_t *, size_t)`.
 * Built for libFuzzer (HPCC_FUZZ_MAIN defined) it also gets the
 * LLVMFuzzerTestOneInput entry; tests/hpcc/test_fuzz_regress.c includes the
 * harness sources instead and replays tests/fuzz/regress/<target>/ and
 * tests/fuzz/corpus/<target>/ through the same functions.
 */
#ifndef HPCC_FUZZ_H
#define HPCC_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A broken invariant is a crash, so libFuzzer keeps the input. */
#define FUZZ_ASSERT(cond)                                                   \
	do {                                                                    \
		if (!(cond)) {                                                      \
			fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n",           \
				__FILE__, __LINE__, #cond);                             \
			abort();                                                        \
		}                                                                   \
	} while (0)

int hpcc_fuzz_annot(const uint8_t *data, size_t size);
int hpcc_fuzz_rewrite(const uint8_t *data, size_t size);
int hpcc_fuzz_args(const uint8_t *data, size_t size);
int hpcc_fuzz_finder(const uint8_t *data, size_t size);

#ifdef HPCC_FUZZ_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#define FUZZ_ENTRY(fn)                                                      \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)            \
	{                                                                       \
		return fn(data, size);                                              \
	}
#else
#define FUZZ_ENTRY(fn)
#endif

#endif
