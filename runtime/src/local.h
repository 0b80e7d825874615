/* local.h - statistics kept by the thread that makes the calls.
 *
 * DESIGN.  When no output needs the calls in order (no trace, no
 * call-path tree: the table and metrics formats) and allocations are not
 * measured, each thread aggregates its own calls (record.c): per site
 * (by slot), calls, total, self and recursive ticks, min, max and the
 * histogram's buckets, in tables only that thread writes.  Nothing goes
 * through the ring, so the worker no longer bounds the call rate, and no
 * cache line moves between cores per call: the writer touches its shadow
 * entry, its site's 64-byte line and one histogram bucket.  Readers (a
 * report, a snapshot, the worker folding a dead thread) merge the tables
 * of every thread (worker.c).
 *
 * Memory: per thread, pages of HP_LPAGE statistics (16 KiB) mapped on
 * the first call of a site in their range, and a histogram per site made
 * on its first call, whose octave chunks (512 B each) come from a bump
 * arena of 64 KiB blocks: the bound of hist.h per site and thread (~30
 * KiB at worst, ~2.5 KiB for durations spanning 16x).  Slots from
 * HP_LSLOTS on (a program with more than 262,143 sites) have their pages
 * in a directory of their own (`far`, mapped on the first such slot),
 * reached on the slow path only, so every slot the registry can give
 * (sites.h) is kept.  All of it is freed with the thread's ring.
 *
 * Concurrency: one writer (the owning thread, inside its busy section),
 * readers at any time.  Figures are written with relaxed stores of plain
 * adds (no lock prefix) and read with relaxed loads: a live reader may
 * see a call's count before its total (a call's worth off, never torn).
 * Pages, histograms and chunks are published with release stores before
 * their first use and read with acquire, and they never move or go away
 * while the thread lives.  A thread's last call has its bucket counted
 * at the thread's next call (hp_local_add_at), which readers add
 * themselves from `pending`; the worker settles it when the thread has
 * ended, the report for its own thread.  A live reader may count it
 * twice (the writer moved on between the reader's two loads): the cap
 * at `calls` then takes one off the last bucket, a call's worth of
 * skew in a snapshot, never in an exit report.  A site's bucketed
 * values may lag its `calls` for a reader, or a chunk could not be
 * mapped: the difference is the histogram's `unbucketed`.
 */
#ifndef HP_LOCAL_H
#define HP_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include "atomic.h"
#include "hist.h"
#include "sites.h"

#define HP_LPAGE_BITS 8
#define HP_LPAGE (1u << HP_LPAGE_BITS) /* statistics a page: 16 KiB */
#define HP_LPAGES 1024u
#define HP_LSLOTS (HP_LPAGE * HP_LPAGES) /* slots on the fast path */
/* Pages of the slots from HP_LSLOTS to HP_SITES_MAX. */
#define HP_LFAR_PAGES ((HP_SITES_MAX + HP_LPAGE) / HP_LPAGE - HP_LPAGES)

struct hp_lhist {
	_Atomic uint64_t *_Atomic oct[HP_HIST_OCTAVES]; /* HP_HIST_SUB counters */
};

/* One site on one thread: a cache line. */
struct hp_lstat {
	_Atomic uint64_t calls;
	_Atomic uint64_t total;  /* ticks, recursive calls included */
	_Atomic uint64_t self;
	_Atomic uint64_t nested; /* ticks of recursive calls */
	_Atomic uint64_t min1;   /* the shortest call + 1; 0: none yet */
	_Atomic uint64_t max;
	struct hp_lhist *_Atomic hist;
	uint32_t open;           /* writer-private: calls of the site open */
	uint32_t unused;
};

struct hp_local {
	struct hp_lstat *_Atomic page[HP_LPAGES];
	/* HP_LFAR_PAGES pages of slots from HP_LSLOTS on; NULL until one */
	struct hp_lstat *_Atomic *_Atomic far;
	_Atomic uint64_t nonlocal; /* calls left by a non-local exit */
	/* the bucket of the thread's last call (any path), not yet
	 * counted (hp_local_add_at); NULL: none */
	_Atomic uint64_t *_Atomic pending;
	/* writer-private: the arena */
	char *arena;
	size_t arena_left;
	void *blocks; /* the arena's blocks, linked by their first word */
};

/* Writer: the statistics of slot, their page mapped if need be; NULL
 * when the slot is out of range (above HP_SITES_MAX) or there is no
 * memory. */
struct hp_lstat *hp_local_page(struct hp_local *l, uint32_t slot);

/* Writer: the statistics of slot when its page is mapped and on the
 * fast path; NULL if not, without mapping it (no call: the entry's fast
 * path needs no stack frame). */
static inline __attribute__((always_inline)) struct hp_lstat *
hp_local_have_stat(struct hp_local *l, uint32_t slot)
{
	struct hp_lstat *p;

	if (__builtin_expect(slot < HP_LSLOTS, 1) &&
	    __builtin_expect((p = hp_atomic_load_relaxed(
				      &l->page[slot >> HP_LPAGE_BITS])) != NULL, 1))
		return &p[slot & (HP_LPAGE - 1)];
	return NULL;
}

static inline struct hp_lstat *hp_local_stat(struct hp_local *l, uint32_t slot)
{
	struct hp_lstat *p = hp_local_have_stat(l, slot);

	return __builtin_expect(p != NULL, 1) ? p : hp_local_page(l, slot);
}

/* Writer: the counter of total's bucket in s's histogram, the histogram
 * and chunk made if need be; NULL without memory. */
_Atomic uint64_t *hp_local_bucket(struct hp_local *l, struct hp_lstat *s,
				  uint64_t total);

static inline void hp_local_inc(_Atomic uint64_t *x, uint64_t v)
{
	hp_atomic_store_relaxed(x, hp_atomic_load_relaxed(x) + v);
}

/* Writer: the counter of total's bucket in s's histogram when its
 * chunk is there (every call but the first of a site in an octave);
 * NULL when not, without making it: the fast path then leaves the whole
 * call to the general one, and needs no call of its own (no frame). */
static inline __attribute__((always_inline)) _Atomic uint64_t *
hp_local_have_bucket(const struct hp_lstat *s, uint64_t total)
{
	struct hp_lhist *h = hp_atomic_load_relaxed(&((struct hp_lstat *)s)->hist);
	_Atomic uint64_t *chunk;
	unsigned int oct, sub;

	hp_hist_bucket_of(total, &oct, &sub);
	if (__builtin_expect(h != NULL, 1) &&
	    __builtin_expect((chunk = hp_atomic_load_relaxed(&h->oct[oct])) != NULL, 1))
		return &chunk[sub];
	return NULL;
}

/* Writer: one finished call of s (open count already taken down), its
 * bucket's counter c (NULL: the call is left unbucketed).  The bucket is
 * counted at the thread's next call (or hp_local_settle), not now:
 * c's address comes from the clock, and on this machine a store to an
 * address that waits on rdtsc costs ~5 ns a call (measured: the same
 * exit with the bucket loaded but not stored, or not touched at all,
 * 22.5 ns a loop; stored, 28 ns); the counter named by `pending` has an
 * address known at once, and c is only stored as a value.  So a
 * reader may find each live thread's last call not yet in a bucket:
 * readers count it where `pending` points (hp_local_merge). */
static inline __attribute__((always_inline)) void hp_local_add_at(
	struct hp_local *l, struct hp_lstat *s, uint64_t total, uint64_t self,
	int nested, _Atomic uint64_t *c)
{
	_Atomic uint64_t *p = hp_atomic_load_relaxed(&l->pending);
	uint64_t m;

	/* total, then self, then calls (release: free on x86), so that a
	 * reader that loads them in the other order (hp_local_merge) never
	 * sees more self than total, nor calls without their ticks */
	hp_local_inc(&s->total, total);
	if (__builtin_expect(nested, 0)) /* after total, as self */
		hp_atomic_store_release(&s->nested,
					hp_atomic_load_relaxed(&s->nested) + total);
	hp_atomic_store_release(&s->self, hp_atomic_load_relaxed(&s->self) + self);
	m = hp_atomic_load_relaxed(&s->min1);
	if (m == 0 || total + 1 < m)
		hp_atomic_store_relaxed(&s->min1, total + 1);
	if (total > hp_atomic_load_relaxed(&s->max))
		hp_atomic_store_relaxed(&s->max, total);
	if (p)
		hp_local_inc(p, 1);
	/* release: a reader that finds c here finds p counted */
	hp_atomic_store_release(&l->pending, c);
	hp_atomic_store_release(&s->calls, hp_atomic_load_relaxed(&s->calls) + 1);
}

/* The writer, or anyone once the writer is gone for good: counts the
 * pending bucket (hp_local_add_at), so that the histograms hold every
 * call. */
static inline void hp_local_settle(struct hp_local *l)
{
	_Atomic uint64_t *p = hp_atomic_load_relaxed(&l->pending);

	if (p) {
		hp_local_inc(p, 1);
		hp_atomic_store_release(&l->pending, NULL);
	}
}

/* Writer: the counter of total's bucket, as hp_local_have_bucket when
 * the chunk is there, else made (hp_local_bucket); NULL without memory. */
static inline _Atomic uint64_t *hp_local_bucket_of(struct hp_local *l,
						   struct hp_lstat *s,
						   uint64_t total)
{
	_Atomic uint64_t *c = hp_local_have_bucket(s, total);

	return __builtin_expect(c != NULL, 1) ? c : hp_local_bucket(l, s, total);
}

/* Writer: one finished call of s (open count already taken down), its
 * histogram's chunk made if need be. */
static inline void hp_local_add(struct hp_local *l, struct hp_lstat *s,
				uint64_t total, uint64_t self, int nested)
{
	hp_local_add_at(l, s, total, self, nested, hp_local_bucket_of(l, s, total));
}

/* Reader: the statistics of slot if its page is mapped; NULL if not. */
struct hp_lstat *hp_local_peek(struct hp_local *l, uint32_t slot);

/* Reader: s's calls, total, min, max and buckets added to dst, its self
 * and recursive ticks to *self and *nested; l is s's thread's (its
 * pending bucket counted where it falls in s's histogram). */
void hp_local_merge(struct hp_hist *dst, uint64_t *self, uint64_t *nested,
		    struct hp_local *l, const struct hp_lstat *s);

/* Reader: fn for each site with calls. */
void hp_local_each(struct hp_local *l,
		   void (*fn)(uint32_t slot, const struct hp_lstat *s, void *arg),
		   void *arg);

/* No writer (a fork child's reset, only the forking thread left and
 * outside any record): every figure back to 0; the open counts, pages,
 * histograms and chunks stay. */
void hp_local_zero(struct hp_local *l);

/* No writer, no reader: unmaps everything. */
void hp_local_free(struct hp_local *l);

#endif
