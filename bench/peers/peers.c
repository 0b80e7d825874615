/* peers.c - the one workload every row of bench/peers measures.
 *
 * DESIGN
 * `work` is a tiny function the compiler may neither inline, clone nor
 * reason about across the call (noipa), called `calls` times in a loop
 * whose results feed a sum that is printed, so nothing can be deleted.
 * main times that loop alone with CLOCK_MONOTONIC and prints ns per call;
 * process start, the profilers' set-up and their reports at exit are
 * outside the timed region.  A warm-up of calls/10 runs first (page
 * faults, lazy binding, a profiler's first-call set-up).
 *
 * The same file is built once per row (run.sh), selected by macros:
 *   (none)               plain, or -finstrument-functions / -pg / hpcc,
 *                        whose instrumentation the compiler or hpcc adds;
 *   PEERS_FLOOR_RDTSC    two rdtsc reads per call, difference summed;
 *   PEERS_FLOOR_MONO     two clock_gettime(CLOCK_MONOTONIC) reads per call;
 *   PEERS_HAND_HOTPATH   the guard macros hpcc would insert, written by
 *                        hand (for when the hpcc binary is not built).
 * The floors keep their sum in a global so the reads cannot be dropped;
 * that is the least any timing profiler must do per call.
 *
 * Output, one line on stdout:
 *   peers: ns_per_call <float> calls <n> sink <hex>
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(PEERS_FLOOR_RDTSC)
#include <x86intrin.h>
#endif
#if defined(PEERS_HAND_HOTPATH)
#include "hotpath.h"
#endif

#if defined(__clang__)
#define PEERS_OPAQUE __attribute__((noinline))
#else
#define PEERS_OPAQUE __attribute__((noinline, noipa))
#endif

/* main is not a measured function for -finstrument-functions. */
#define PEERS_NOT_HOOKED __attribute__((no_instrument_function))

#if defined(PEERS_FLOOR_RDTSC) || defined(PEERS_FLOOR_MONO)
uint64_t peers_floor_total;
#endif

#if defined(PEERS_FLOOR_MONO)
static inline PEERS_NOT_HOOKED uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#endif

/* @hotpath */
static PEERS_OPAQUE unsigned long work(unsigned long x)
{
#if defined(PEERS_HAND_HOTPATH)
	HP_FUNCTION(1, "work", __LINE__);
#endif
#if defined(PEERS_FLOOR_RDTSC)
	uint64_t t0 = __rdtsc();
#elif defined(PEERS_FLOOR_MONO)
	uint64_t t0 = mono_ns();
#endif
	unsigned long r = x * 2654435761ul + 1;

#if defined(PEERS_FLOOR_RDTSC)
	peers_floor_total += __rdtsc() - t0;
#elif defined(PEERS_FLOOR_MONO)
	peers_floor_total += mono_ns() - t0;
#endif
	return r;
}

static PEERS_NOT_HOOKED double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* @hotpath main */
PEERS_NOT_HOOKED int main(int argc, char **argv)
{
#if defined(PEERS_HAND_HOTPATH)
	HP_MAIN(2, "main", __LINE__, "");
#endif
	unsigned long calls = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000000ul;
	unsigned long sink = 0, i;
	double t0, t1;

	if (calls == 0) {
		fprintf(stderr, "usage: %s [calls > 0]\n", argv[0]);
		return 2;
	}
	for (i = 0; i < calls / 10; i++) /* warm-up */
		sink += work(i);

	t0 = now_ns();
	for (i = 0; i < calls; i++)
		sink += work(sink ^ i);
	t1 = now_ns();

	printf("peers: ns_per_call %.4f calls %lu sink %lx\n",
	       (t1 - t0) / (double)calls, calls, sink);
	return 0;
}
