/* threads.c - the one workload of bench/threads: calls per second of a
 * tiny measured function with T threads calling it at once.
 *
 * DESIGN
 * `work` is a one-line function the compiler may neither inline, clone nor
 * reason about across the call (noipa).  main starts T threads; each makes
 * `warm` calls first (its first measured call sets up the runtime's
 * per-thread state, page faults, lazy binding), then waits at a barrier
 * that main also waits at.  main reads CLOCK_MONOTONIC when it leaves the
 * barrier and again when it has joined every thread: that wall time, and
 * nothing else (process start, thread creation, the report at exit), is
 * the parallel section, and calls/s = T * calls / its length.  The
 * process's CPU time over the same section (all its threads: a profiler's
 * own threads too) divided by that wall time is the cores it got, which
 * on a shared machine says whether T threads had T cores.  Each thread
 * feeds its results into a sum (in a slot of its own, a cache line apart)
 * that main prints, so no call can be dropped.
 *
 * The same file is built twice by run.sh: with plain `gcc -O2` (the
 * reference: what the machine gives to T threads that share nothing) and
 * with `hpcc gcc -O2`, which measures `work` (the annotation below) and
 * main.
 *
 * Each thread also times its own calls (from its leaving the barrier to
 * its last call): rate_sum adds up every thread's calls / its own time,
 * the calls per second the threads made while they all ran.  It differs
 * from calls_per_s when the threads run at different speeds (on this
 * VM the two vCPUs do): calls_per_s is set by the slowest thread.
 *
 * Output, one line on stdout:
 *   threads: T <n> calls <per thread> warm <per thread> ns <parallel ns>
 *            cpu_ns <process CPU ns in it> calls_per_s <float>
 *            rate_sum <float> sink <hex>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__clang__)
#define THREADS_OPAQUE __attribute__((noinline))
#else
#define THREADS_OPAQUE __attribute__((noinline, noipa))
#endif

#define THREADS_MAX 1024

/* One thread's argument and result, padded so that no two threads write
 * the same cache line (the plain build must scale as far as the machine
 * lets it: it is the reference). */
struct slot {
	unsigned long seed;
	unsigned long sink;
	double ns; /* the thread's own time for its calls */
	char pad[64 - 2 * sizeof(unsigned long) - sizeof(double)];
} __attribute__((aligned(64)));

static struct slot slots[THREADS_MAX];
static pthread_barrier_t start;
static unsigned long calls, warm;

/* @hotpath */
static THREADS_OPAQUE unsigned long work(unsigned long x)
{
	return x * 2654435761ul + 1;
}

static double now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *run(void *arg)
{
	struct slot *s = arg;
	unsigned long sink = s->seed, i;
	double t0;

	for (i = 0; i < warm; i++)
		sink += work(sink ^ i);
	pthread_barrier_wait(&start);
	t0 = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < calls; i++)
		sink += work(sink ^ i);
	s->ns = now_ns(CLOCK_MONOTONIC) - t0;
	s->sink = sink;
	return NULL;
}

/* A whole number into *v: 0, or -1 for anything else. */
static int number(const char *s, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || end == s || *end || *s == '-' ? -1 : 0;
}

/* @hotpath main */
int main(int argc, char **argv)
{
	static pthread_t tids[THREADS_MAX];
	unsigned long n, t, sink = 0;
	double t0, t1, c0, c1, rate_sum = 0;
	int err;

	if (argc != 4 || number(argv[1], &n) || n < 1 || n > THREADS_MAX ||
	    number(argv[2], &calls) || calls < 1 || number(argv[3], &warm)) {
		fprintf(stderr, "usage: %s THREADS(1..%d) CALLS_PER_THREAD(>0) "
				"WARM_UP_CALLS_PER_THREAD\n",
			argv[0], THREADS_MAX);
		return 2;
	}
	err = pthread_barrier_init(&start, NULL, (unsigned)n + 1);
	if (err) {
		fprintf(stderr, "%s: pthread_barrier_init: %s\n", argv[0], strerror(err));
		return 1;
	}
	for (t = 0; t < n; t++) {
		slots[t].seed = t + 1;
		err = pthread_create(&tids[t], NULL, run, &slots[t]);
		if (err) {
			fprintf(stderr, "%s: pthread_create: %s\n", argv[0], strerror(err));
			return 1;
		}
	}
	pthread_barrier_wait(&start);
	t0 = now_ns(CLOCK_MONOTONIC);
	c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	for (t = 0; t < n; t++)
		pthread_join(tids[t], NULL);
	c1 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	t1 = now_ns(CLOCK_MONOTONIC);
	for (t = 0; t < n; t++) {
		sink += slots[t].sink;
		if (slots[t].ns > 0)
			rate_sum += (double)calls / (slots[t].ns / 1e9);
	}

	printf("threads: T %lu calls %lu warm %lu ns %.0f cpu_ns %.0f "
	       "calls_per_s %.6g rate_sum %.6g sink %lx\n",
	       n, calls, warm, t1 - t0, c1 - c0,
	       (double)n * (double)calls / ((t1 - t0) / 1e9), rate_sum, sink);
	return 0;
}
