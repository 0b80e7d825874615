/* hist.c - see hist.h for the bucket layout and its error bound. */
#include "hist.h"

#include <errno.h>
#include <string.h>

#include "alloc.h"

#define OCTAVE_BYTES (HP_HIST_SUB * sizeof(uint64_t))


/* The value a bucket stands for: its midpoint (exact for width 1). */
static uint64_t bucket_mid(unsigned int oct, unsigned int sub)
{
	unsigned int shift;

	if (oct == 0)
		return sub;
	shift = oct - 1;
	return ((uint64_t)(HP_HIST_SUB + sub) << shift) +
	       (shift ? (uint64_t)1 << (shift - 1) : 0);
}

void hp_hist_init(struct hp_hist *h)
{
	memset(h, 0, sizeof *h);
	h->min = UINT64_MAX;
}

void hp_hist_free(struct hp_hist *h)
{
	unsigned int i;

	for (i = 0; i < HP_HIST_OCTAVES; i++)
		hp_free(h->octave[i]);
	hp_hist_init(h);
}

static int add_to_bucket(struct hp_hist *h, unsigned int oct,
			 unsigned int sub, uint64_t n)
{
	uint64_t *chunk = h->octave[oct];

	if (__builtin_expect(chunk == NULL, 0)) {
		chunk = hp_calloc(HP_HIST_SUB, sizeof *chunk);
		if (!chunk) {
			h->unbucketed += n;
			return ENOMEM;
		}
		h->octave[oct] = chunk;
	}
	chunk[sub] += n;
	return 0;
}

int hp_hist_record(struct hp_hist *h, uint64_t value)
{
	unsigned int oct, sub;

	h->count++;
	h->total += value;
	if (value < h->min)
		h->min = value;
	if (value > h->max)
		h->max = value;
	hp_hist_bucket_of(value, &oct, &sub);
	return add_to_bucket(h, oct, sub, 1);
}

int hp_hist_add_bucket(struct hp_hist *h, unsigned int oct, unsigned int sub,
		       uint64_t n)
{
	return add_to_bucket(h, oct, sub, n);
}

int hp_hist_merge(struct hp_hist *dst, const struct hp_hist *src)
{
	unsigned int oct, sub;
	int err = 0;

	if (src->count == 0)
		return 0;
	dst->count += src->count;
	dst->total += src->total;
	dst->unbucketed += src->unbucketed;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	for (oct = 0; oct < HP_HIST_OCTAVES; oct++) {
		if (!src->octave[oct])
			continue;
		for (sub = 0; sub < HP_HIST_SUB; sub++)
			if (src->octave[oct][sub] &&
			    add_to_bucket(dst, oct, sub, src->octave[oct][sub]))
				err = ENOMEM;
	}
	return err;
}

uint64_t hp_hist_percentile(const struct hp_hist *h, unsigned int p)
{
	return hp_hist_percentile_milli(h, p >= 100 ? 100000 : p * 1000);
}

uint64_t hp_hist_percentile_milli(const struct hp_hist *h, unsigned int p)
{
	uint64_t bucketed, rank, seen = 0, v;
	unsigned int oct, sub;

	if (h->count == 0)
		return 0;
	if (p == 0)
		return h->min;
	if (p >= 100000)
		return h->max;
	bucketed = h->count - h->unbucketed;
	if (bucketed == 0)
		return h->max;
	/* Nearest rank: the smallest value with at least p% at or below
	 * (128 bits: the count times 100000 may not fit in 64). */
	rank = (uint64_t)(((unsigned __int128)bucketed * p + 99999) / 100000);
	if (rank == 0)
		rank = 1;
	for (oct = 0; oct < HP_HIST_OCTAVES; oct++) {
		if (!h->octave[oct])
			continue;
		for (sub = 0; sub < HP_HIST_SUB; sub++) {
			seen += h->octave[oct][sub];
			if (seen >= rank) {
				v = bucket_mid(oct, sub);
				if (v < h->min)
					v = h->min;
				if (v > h->max)
					v = h->max;
				return v;
			}
		}
	}
	return h->max;
}

void hp_hist_each(const struct hp_hist *h,
		  void (*fn)(void *arg, uint64_t value, uint64_t count),
		  void *arg)
{
	unsigned int oct, sub;

	for (oct = 0; oct < HP_HIST_OCTAVES; oct++) {
		if (!h->octave[oct])
			continue;
		for (sub = 0; sub < HP_HIST_SUB; sub++)
			if (h->octave[oct][sub])
				fn(arg, bucket_mid(oct, sub), h->octave[oct][sub]);
	}
}

uint64_t hp_hist_bytes(const struct hp_hist *h)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < HP_HIST_OCTAVES; i++)
		if (h->octave[i])
			n += OCTAVE_BYTES;
	return n;
}
