/* alloc.c - what allocation tracking costs, in one run (issue 4):
 *
 *   glibc     N malloc+free pairs through glibc's own entry points
 *             (__libc_malloc/__libc_free: the allocator a build without
 *             --alloc uses)
 *   tracked   N malloc+free pairs through the interposer (header, exact
 *             per-thread counters), which this binary links whole
 *   added     tracked - glibc per pair (target <= 15 ns)
 *
 * and a malloc-heavy measured function (16 mallocs + 16 frees per call)
 * built plain vs with HOTPATH_ALLOC and the tracked allocator: ns per call
 * with and without --alloc.  Medians of REPS repetitions, interleaved so
 * that frequency drift hits all alike.  Sizes cycle through 16..496 bytes.
 *
 * Usage: bench_alloc [N] [REPS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../bench.h"
#include "hotpath.h"

#define MAX_REPS 64

void *__libc_malloc(size_t n);
void __libc_free(void *p);
void heavy_plain(unsigned int seed);
void heavy_alloc(unsigned int seed);
void hp_session_report_now(void);

static double pairs_glibc(long n)
{
	uint64_t t0 = now_ns();
	long i;

	for (i = 0; i < n; i++)
		__libc_free(__libc_malloc(16 + (size_t)(i & 31) * 15));
	return (double)(now_ns() - t0) / (double)n;
}

static double pairs_tracked(long n)
{
	uint64_t t0 = now_ns();
	long i;

	for (i = 0; i < n; i++)
		free(malloc(16 + (size_t)(i & 31) * 15));
	return (double)(now_ns() - t0) / (double)n;
}

static double calls(void (*fn)(unsigned int), long n)
{
	uint64_t t0 = now_ns();
	long i;

	for (i = 0; i < n; i++)
		fn((unsigned int)i);
	return (double)(now_ns() - t0) / (double)n;
}

/* The report's destination, before the session reads its settings (at
 * the first measured call). */
__attribute__((constructor)) static void report_output(void)
{
	setenv("HOTPATH_OUTPUT", getenv("BENCH_REPORT_OUTPUT") ?
	       getenv("BENCH_REPORT_OUTPUT") : "/dev/null", 1);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000000L;
	int reps = argc > 2 ? atoi(argv[2]) : 7, r;
	double g[MAX_REPS], t[MAX_REPS], d[MAX_REPS];
	double hp[MAX_REPS], ha[MAX_REPS], hd[MAX_REPS];
	long m;

	if (reps < 1 || reps > MAX_REPS)
		reps = 7;
	m = n / 16 > 0 ? n / 16 : 1;
	pairs_tracked(n / 10); /* warm up: arenas, pages, the session */
	calls(heavy_alloc, m / 10);
	calls(heavy_plain, m / 10);
	for (r = 0; r < reps; r++) {
		g[r] = pairs_glibc(n);
		t[r] = pairs_tracked(n);
		d[r] = t[r] - g[r];
		hp[r] = calls(heavy_plain, m);
		ha[r] = calls(heavy_alloc, m);
		hd[r] = ha[r] - hp[r];
	}
	printf("N:                        %ld pairs, %ld calls x %d repetitions (medians)\n",
	       n, m, reps);
	printf("malloc+free, glibc:       %.2f ns\n", median(g, reps));
	printf("malloc+free, tracked:     %.2f ns\n", median(t, reps));
	printf("added per pair:           %.2f ns (target <= 15)\n", median(d, reps));
	printf("heavy call, plain:        %.2f ns (16 mallocs + 16 frees)\n", median(hp, reps));
	printf("heavy call, --alloc:      %.2f ns\n", median(ha, reps));
	printf("added per heavy call:     %.2f ns (%.2f ns per pair)\n",
	       median(hd, reps), median(hd, reps) / 16);
	hp_session_report_now();
	return 0;
}
