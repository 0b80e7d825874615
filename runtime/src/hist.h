/* hist.h - log-linear histogram of durations, plus exact count/total/min/max.
 *
 * DESIGN.  Values (uint64, in clock ticks) below 64 are counted exactly.
 * Above, each power of two [2^e, 2^(e+1)) is split into 64 equal
 * sub-buckets of width 2^(e-6), so a bucket is at most 1/64 of its lower
 * bound wide and its midpoint is within 1/128 (0.78%) of any value in it.
 * Percentiles are reported as bucket midpoints clamped to the exact
 * [min, max]; percentile 0 is the exact min and 100 the exact max.
 *
 * Footprint: 59 octaves (values < 64, then 2^6..2^63) of 64 uint64
 * counters, 512 bytes each, allocated lazily on the first value falling in
 * the octave: a site whose durations span a 16x range uses ~2.5 KiB, and the
 * worst case is 59 * 512 + the header = ~30 KiB.
 *
 * Not thread-safe: one owner (the worker, then the reporter).
 */
#ifndef HP_HIST_H
#define HP_HIST_H

#include <stdint.h>

#define HP_HIST_SUB_BITS 6
#define HP_HIST_SUB (1u << HP_HIST_SUB_BITS)
#define HP_HIST_OCTAVES (64 - HP_HIST_SUB_BITS + 1)

struct hp_hist {
	uint64_t count;
	uint64_t total; /* exact sum */
	uint64_t min;
	uint64_t max;
	uint64_t unbucketed; /* counted, but a chunk allocation failed */
	uint64_t *octave[HP_HIST_OCTAVES];
};

/* The bucket of v: its octave and sub-bucket. */
static inline void hp_hist_bucket_of(uint64_t v, unsigned int *oct,
				     unsigned int *sub)
{
	unsigned int e;

	if (v < HP_HIST_SUB) {
		*oct = 0;
		*sub = (unsigned int)v;
		return;
	}
	e = 63u - (unsigned int)__builtin_clzll(v);
	*oct = e - HP_HIST_SUB_BITS + 1;
	*sub = (unsigned int)(v >> (e - HP_HIST_SUB_BITS)) - HP_HIST_SUB;
}

void hp_hist_init(struct hp_hist *h);
void hp_hist_free(struct hp_hist *h);
/* Returns 0, or ENOMEM if the value could only be counted (count, total,
 * min and max stay exact either way). */
int hp_hist_record(struct hp_hist *h, uint64_t value);
/* n values in bucket (oct, sub), without count/total/min/max (the
 * caller keeps those): merging buckets kept elsewhere.  0 or ENOMEM
 * (then they are counted in `unbucketed`). */
int hp_hist_add_bucket(struct hp_hist *h, unsigned int oct, unsigned int sub,
		       uint64_t n);
/* Adds src into dst; 0 or ENOMEM. */
int hp_hist_merge(struct hp_hist *dst, const struct hp_hist *src);
/* Nearest-rank percentile p in [0, 100]; 0 for an empty histogram. */
uint64_t hp_hist_percentile(const struct hp_hist *h, unsigned int p);
/* The same for p in thousandths of a percent, 0 to 100000 (p99.9 is
 * 99900). */
uint64_t hp_hist_percentile_milli(const struct hp_hist *h, unsigned int pm);
/* The non-empty buckets in ascending order, each as the value that
 * percentiles report for it (the bucket's midpoint, exact below 64) and its
 * count: fn(arg, value, count) per bucket.  A reader that has only these
 * pairs, count, min and max computes every percentile exactly as
 * hp_hist_percentile_milli() does (the JSON report's "histogram"). */
void hp_hist_each(const struct hp_hist *h,
		  void (*fn)(void *arg, uint64_t value, uint64_t count),
		  void *arg);
/* Bytes allocated for the histogram's buckets (not the struct). */
uint64_t hp_hist_bytes(const struct hp_hist *h);

#endif
