/* overhead.c - what a measured call costs, in the same run:
 *
 *   plain     N calls of an empty noinline function
 *   measured  N calls of the same function with HP_FUNCTION, every call
 *             timed (HOTPATH_SAMPLE=1)
 *   untimed   the same with sampling on and no call timed (the period
 *             set to HP_SAMPLE_MAX: one call in ~2^20 is timed), which
 *             is what the N - 1 untimed calls of HOTPATH_SAMPLE=N cost
 *   sampled   the same at HOTPATH_SAMPLE=64: the average call
 *   floor     N pairs of clock reads (the clock the runtime chose)
 *
 * overhead = measured - plain per call; ratio = overhead / floor (target
 * <= 1.25); untimed and sampled are also less plain.  Each figure is the
 * median of REPS repetitions, interleaved so that frequency drift hits
 * all of them alike (the sampling period is switched between loops:
 * hp_record_sample).  Then, with the worker
 * stopped, the consumer's drain rate on full rings, and the time of the
 * report for 1,000 sites (written to HOTPATH_OUTPUT, default /dev/null).
 *
 * Usage: bench_overhead [N] [REPS]
 * BENCH_CLOCK=cpu times the loops in the thread's CPU time instead of
 * wall time: on a machine busy with other processes, the time this
 * thread waited for a core is then left out (the clock reads stay
 * whatever the runtime chose).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../bench.h"
#include "hotpath.h"

#include "buf.h"
#include "clock.h"
#include "settings.h"
#include "sites.h"
#include "worker.h"

#define MAX_REPS 64

void hp_session_report_now(void);

static clockid_t loop_clock = CLOCK_MONOTONIC;

static uint64_t loop_ns(void)
{
	struct timespec ts;

	clock_gettime(loop_clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static __attribute__((noinline)) void plain(void)
{
	__asm__ __volatile__("");
}

static __attribute__((noinline)) void measured(void)
{
	HP_FUNCTION(1, "measured", 1);
	__asm__ __volatile__("");
}

static __attribute__((noinline)) void measured_b(void)
{
	HP_FUNCTION(2, "measured_b", 2);
	__asm__ __volatile__("");
}

static double time_plain(long n)
{
	uint64_t t0 = loop_ns();
	long i;

	for (i = 0; i < n; i++)
		plain();
	return (double)(loop_ns() - t0) / (double)n;
}

static double time_measured(long n)
{
	uint64_t t0 = loop_ns();
	long i;

	for (i = 0; i < n; i++)
		measured();
	return (double)(loop_ns() - t0) / (double)n;
}

static volatile uint64_t sink;

static double time_floor(long n)
{
	uint64_t t0 = loop_ns(), acc = 0;
	long i;

	for (i = 0; i < n; i++) {
		uint64_t a = hp_clock_now();
		uint64_t b = hp_clock_now();

		acc += b - a;
	}
	sink = acc;
	return (double)(loop_ns() - t0) / (double)n;
}

/* The report's destination, before the session reads its settings (at
 * the first measured call). */
__attribute__((constructor)) static void report_output(void)
{
	setenv("HOTPATH_OUTPUT", getenv("BENCH_REPORT_OUTPUT") ?
	       getenv("BENCH_REPORT_OUTPUT") : "/dev/null", 1);
}

/* A whole number in 1..max, into *v; 0 if text is not one. */
static int count_arg(const char *text, long max, long *v)
{
	char *end;

	*v = strtol(text, &end, 10);
	return end != text && !*end && *v >= 1 && *v <= max;
}

int main(int argc, char **argv)
{
	HP_MAIN(0, "main", 0, "");
	long n = 10000000L, arg;
	int reps = 5, r, i;
	double p[MAX_REPS], m[MAX_REPS], f[MAX_REPS], o[MAX_REPS];
	double u[MAX_REPS], ou[MAX_REPS], s64[MAX_REPS], os64[MAX_REPS];
	double drain[MAX_REPS], mp, mm, mf, mo;
	unsigned int period;
	static struct hp_site sites[1000];
	static char names[1000][16];
	uint64_t t0, t1;

	if (argc > 3 || (argc > 1 && !count_arg(argv[1], 1000000000L, &n)) ||
	    (argc > 2 && !count_arg(argv[2], MAX_REPS, &arg))) {
		fprintf(stderr, "usage: bench_overhead [N (calls, 1..1e9)] "
				"[REPS (1..%d)]\n", MAX_REPS);
		return 2;
	}
	if (argc > 2)
		reps = (int)arg;
	if (getenv("BENCH_CLOCK") && strcmp(getenv("BENCH_CLOCK"), "cpu") == 0)
		loop_clock = CLOCK_THREAD_CPUTIME_ID;
	time_measured(n / 10); /* warm up: rings, pages, the worker */
	period = hp_record_sample(HP_SAMPLE_MAX);
	time_measured(n / 10); /* and the sampling tables */
	hp_record_sample(period);
	for (r = 0; r < reps; r++) {
		p[r] = time_plain(n);
		hp_record_sample(1);
		m[r] = time_measured(n);
		hp_record_sample(HP_SAMPLE_MAX);
		u[r] = time_measured(n);
		hp_record_sample(64);
		s64[r] = time_measured(n);
		hp_record_sample(period);
		f[r] = time_floor(n);
		o[r] = m[r] - p[r];
		ou[r] = u[r] - p[r];
		os64[r] = s64[r] - p[r];
	}
	mp = median(p, reps);
	mm = median(m, reps);
	mf = median(f, reps);
	mo = median(o, reps);
	printf("clock:                  %s\n", hp_clock_name());
	printf("N:                      %ld calls x %d repetitions (medians, %s time)\n",
	       n, reps, loop_clock == CLOCK_MONOTONIC ? "wall" : "thread CPU");
	printf("plain call:             %.2f ns\n", mp);
	printf("measured call:          %.2f ns\n", mm);
	printf("overhead per call:      %.2f ns\n", mo);
	printf("floor (2 clock reads):  %.2f ns\n", mf);
	printf("ratio overhead/floor:   %.3f\n", mo / mf);
	printf("untimed call:           %.2f ns (overhead %.2f ns; HOTPATH_SAMPLE, "
	       "not timed)\n", median(u, reps), median(ou, reps));
	printf("sampled call, N=64:     %.2f ns (overhead %.2f ns, average)\n",
	       median(s64, reps), median(os64, reps));

	/* Drain rate: the worker is stopped, each rep fills this thread's
	 * ring exactly (two sites alternating) and drains it here. */
	hp_worker_stop();
	hp_worker_drain_all();
	for (r = 0; r < reps; r++) {
		int k, rounds = 64;
		uint64_t spent = 0;

		for (k = 0; k < rounds; k++) {
			unsigned int j;

			for (j = 0; j < HP_BUF_CAP / 2; j++) {
				measured();
				measured_b();
			}
			t0 = now_ns();
			hp_worker_drain_all();
			spent += now_ns() - t0;
		}
		drain[r] = (double)rounds * HP_BUF_CAP / ((double)spent / 1e9);
	}
	printf("drain throughput:       %.1f M records/s\n", median(drain, reps) / 1e6);

	/* 1,000 sites with 1,000 varied durations each, then the report. */
	for (i = 0; i < 1000; i++) {
		int k;

		snprintf(names[i], sizeof names[i], "site_%04d", i);
		sites[i].name = names[i];
		sites[i].file = "bench.c";
		sites[i].line = i + 10;
		for (k = 0; k < 1000; k++)
			hp_worker_add(hp_sites_slot(&sites[i]), (uint64_t)(k * 37 + i) * 13 % 500000);
	}
	t0 = now_ns();
	hp_session_report_now();
	t1 = now_ns();
	printf("report, 1000 sites:     %.2f ms (HOTPATH_FORMAT=%s)\n",
	       (double)(t1 - t0) / 1e6,
	       getenv("HOTPATH_FORMAT") ? getenv("HOTPATH_FORMAT") : "table");
	return 0;
}
