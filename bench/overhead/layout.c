/* layout.c - the per-call cost of a measured call under each way the
 * runtime can be linked (issue 10): the same program built three times,
 *
 *   static   the runtime archive linked into the executable (what hpcc
 *            did before one runtime per process; -static links still do)
 *   shared   the executable calls libhotpath.so.1 (what hpcc links now)
 *   lib      the measured function lives in a shared library of its own,
 *            which calls libhotpath.so.1 (a profiled library or plugin)
 *
 * Each prints plain, measured and floor (two rdtsc reads) per call, the
 * medians of REPS interleaved repetitions, and the ratio of the overhead
 * to the floor.  bench/overhead/layout.sh runs the three alternately and
 * prints the medians side by side.  Only hotpath.h is used: the same code
 * runs against every layout.
 *
 * Usage: bench_layout_<layout> [N] [REPS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../bench.h"
#include "hotpath.h"

#define MAX_REPS 64

void layout_measured(void);

#ifndef LAYOUT_LIB
__attribute__((noinline)) void layout_measured(void)
{
	HP_FUNCTION(1, "measured", 1);
	__asm__ __volatile__("");
}
#endif

static __attribute__((noinline)) void plain(void)
{
	__asm__ __volatile__("");
}

static volatile uint64_t sink;

static double per_call(void (*f)(void), long n)
{
	uint64_t t0 = now_ns();
	long i;

	for (i = 0; i < n; i++)
		f();
	return (double)(now_ns() - t0) / (double)n;
}

static double time_floor(long n)
{
	uint64_t t0 = now_ns(), acc = 0;
	long i;

	for (i = 0; i < n; i++) {
		uint64_t a = __builtin_ia32_rdtsc();
		uint64_t b = __builtin_ia32_rdtsc();

		acc += b - a;
	}
	sink = acc;
	return (double)(now_ns() - t0) / (double)n;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000000L;
	int reps = argc > 2 ? atoi(argv[2]) : 5, r;
	double p[MAX_REPS], m[MAX_REPS], f[MAX_REPS], o[MAX_REPS];
	double mo, mf;

	if (reps < 1 || reps > MAX_REPS)
		reps = 5;
	per_call(layout_measured, n / 10); /* warm up: ring, pages, worker */
	for (r = 0; r < reps; r++) {
		p[r] = per_call(plain, n);
		m[r] = per_call(layout_measured, n);
		f[r] = time_floor(n);
		o[r] = m[r] - p[r];
	}
	mo = median(o, reps);
	mf = median(f, reps);
	printf("plain %.2f measured %.2f overhead %.2f floor %.2f ratio %.3f\n",
	       median(p, reps), median(m, reps), mo, mf, mo / mf);
	return 0;
}
