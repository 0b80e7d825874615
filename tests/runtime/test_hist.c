/* test_hist.c - the histogram: percentiles within 1% of the exact
 * nearest-rank percentiles of known distributions, exact count, total,
 * min and max, the footprint bound, merging, and allocation failure. */
#include <errno.h>
#include <math.h>

#include "test.h"

#include "alloc.h"
#include "hist.h"

#define N 200000

static uint64_t values[N];
static uint64_t rng = 88172645463325252ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank, as the histogram defines it. */
static uint64_t exact_percentile(const uint64_t *sorted, size_t n, unsigned p)
{
	size_t rank;

	if (p == 0)
		return sorted[0];
	rank = (n * p + 99) / 100;
	return sorted[(rank ? rank : 1) - 1];
}

/* Records values[0..n), then checks every percentile against the sorted
 * truth and count/total/min/max exactly. */
static int check_distribution(size_t n, const char *what)
{
	static const unsigned pcts[] = { 0, 1, 5, 10, 25, 50, 75, 90, 95, 99, 100 };
	struct hp_hist h;
	uint64_t total = 0;
	size_t i;
	int ok = 1;

	hp_hist_init(&h);
	for (i = 0; i < n; i++) {
		hp_hist_record(&h, values[i]);
		total += values[i];
	}
	qsort(values, n, sizeof values[0], cmp_u64);
	if (h.count != n || h.total != total || h.min != values[0] ||
	    h.max != values[n - 1]) {
		fprintf(stderr, "%s: count/total/min/max not exact\n", what);
		ok = 0;
	}
	for (i = 0; i < sizeof pcts / sizeof pcts[0]; i++) {
		uint64_t want = exact_percentile(values, n, pcts[i]);
		uint64_t got = hp_hist_percentile(&h, pcts[i]);
		double err = want ? fabs((double)got - (double)want) / (double)want
				  : (double)got;

		if (err > 0.01 || ((pcts[i] == 0 || pcts[i] == 100) && got != want)) {
			fprintf(stderr, "%s: p%u = %llu, exact %llu (error %.4f)\n",
				what, pcts[i], (unsigned long long)got,
				(unsigned long long)want, err);
			ok = 0;
		}
	}
	if (hp_hist_bytes(&h) + sizeof h > 32768) {
		fprintf(stderr, "%s: footprint %llu\n", what,
			(unsigned long long)(hp_hist_bytes(&h) + sizeof h));
		ok = 0;
	}
	hp_hist_free(&h);
	return ok;
}

static void uniform(void)
{
	size_t i;

	for (i = 0; i < N; i++)
		values[i] = 1000 + next_rand() % 1000000;
	CHECK(check_distribution(N, "uniform"));
}

static void exponential(void)
{
	size_t i;

	for (i = 0; i < N; i++) {
		double u = ((double)(next_rand() >> 11) + 1.0) / 9007199254740993.0;

		values[i] = (uint64_t)(-log(u) * 50000.0);
	}
	CHECK(check_distribution(N, "exponential"));
}

static void log_uniform_wide(void)
{
	size_t i;

	/* 1 ns to ~2^60: every octave, and the exact small buckets. */
	for (i = 0; i < N; i++)
		values[i] = (1 + next_rand() % 1000) << (next_rand() % 51);
	CHECK(check_distribution(N, "log-uniform"));
}

static void constant(void)
{
	struct hp_hist h;
	unsigned p;
	int i;

	hp_hist_init(&h);
	for (i = 0; i < 1000; i++)
		hp_hist_record(&h, 123457);
	for (p = 0; p <= 100; p++)
		CHECK_U64(123457, hp_hist_percentile(&h, p));
	CHECK_U64(1000, h.count);
	CHECK_U64(123457000, h.total);
	hp_hist_free(&h);
}

static void small_values_exact(void)
{
	struct hp_hist h;
	uint64_t v;

	hp_hist_init(&h);
	for (v = 0; v < 100; v++)
		hp_hist_record(&h, v);
	CHECK_U64(0, hp_hist_percentile(&h, 0));
	CHECK_U64(49, hp_hist_percentile(&h, 50));
	CHECK_U64(98, hp_hist_percentile(&h, 99));
	CHECK_U64(99, hp_hist_percentile(&h, 100));
	CHECK_U64(4950, h.total);
	hp_hist_free(&h);
}

static void empty(void)
{
	struct hp_hist h;

	hp_hist_init(&h);
	CHECK_U64(0, hp_hist_percentile(&h, 50));
	CHECK_U64(0, hp_hist_percentile(&h, 100));
	CHECK_U64(0, hp_hist_bytes(&h));
}

static void footprint(void)
{
	struct hp_hist h;
	int e;

	hp_hist_init(&h);
	/* A typical site: durations within a 16x range use 5 octaves. */
	for (e = 0; e < 1000; e++)
		hp_hist_record(&h, 1000 + (uint64_t)e * 15);
	CHECK(hp_hist_bytes(&h) + sizeof h <= 3 * 1024);
	/* The worst case: every octave. */
	for (e = 0; e < 64; e++)
		hp_hist_record(&h, (uint64_t)1 << e);
	hp_hist_record(&h, UINT64_MAX);
	CHECK(hp_hist_bytes(&h) + sizeof h <= 32768);
	CHECK_U64(UINT64_MAX, hp_hist_percentile(&h, 100));
	hp_hist_free(&h);
}

static void merge(void)
{
	struct hp_hist a, b, all;
	uint64_t v;

	hp_hist_init(&a);
	hp_hist_init(&b);
	hp_hist_init(&all);
	for (v = 1; v <= 10000; v++) {
		hp_hist_record(v % 2 ? &a : &b, v * 7);
		hp_hist_record(&all, v * 7);
	}
	CHECK_INT(0, hp_hist_merge(&a, &b));
	CHECK_U64(all.count, a.count);
	CHECK_U64(all.total, a.total);
	CHECK_U64(all.min, a.min);
	CHECK_U64(all.max, a.max);
	CHECK_U64(hp_hist_percentile(&all, 50), hp_hist_percentile(&a, 50));
	CHECK_U64(hp_hist_percentile(&all, 99), hp_hist_percentile(&a, 99));
	hp_hist_free(&a);
	hp_hist_free(&b);
	hp_hist_free(&all);
}

static void allocation_failure(void)
{
	struct hp_hist h;
	int err;

	hp_hist_init(&h);
	hp_alloc_fail_after(0);
	err = hp_hist_record(&h, 5000);
	hp_hist_record(&h, 7000);
	hp_alloc_fail_after(-1);
	CHECK_INT(ENOMEM, err);
	CHECK_U64(2, h.count);
	CHECK_U64(12000, h.total);
	CHECK_U64(5000, h.min);
	CHECK_U64(7000, h.max);
	CHECK_U64(2, h.unbucketed);
	/* Percentiles fall back to the exact bounds. */
	CHECK_U64(7000, hp_hist_percentile(&h, 50));
	CHECK_INT(0, hp_hist_record(&h, 6000));
	/* Within 1% of the one bucketed value, 6000. */
	CHECK(hp_hist_percentile(&h, 50) >= 5940 && hp_hist_percentile(&h, 50) <= 6060);
	hp_hist_free(&h);
}

TEST_MAIN(T(uniform), T(exponential), T(log_uniform_wide), T(constant),
	  T(small_values_exact), T(empty), T(footprint), T(merge),
	  T(allocation_failure))
