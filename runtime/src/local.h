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
 * while the thread lives.  A site's bucketed values may lag its `calls`
 * for a reader (or a chunk could not be mapped): the difference is the
 * histogram's `unbucketed`.
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
	/* writer-private: the arena */
	char *arena;
	size_t arena_left;
	void *blocks; /* the arena's blocks, linked by their first word */
};

/* Writer: the statistics of slot, their page mapped if need be; NULL
 * when the slot is out of range (above HP_SITES_MAX) or there is no
 * memory. */
struct hp_lstat *hp_local_page(struct hp_local *l, uint32_t slot);

static inline struct hp_lstat *hp_local_stat(struct hp_local *l, uint32_t slot)
{
	struct hp_lstat *p;

	if (__builtin_expect(slot < HP_LSLOTS, 1) &&
	    __builtin_expect((p = hp_atomic_load_relaxed(
				      &l->page[slot >> HP_LPAGE_BITS])) != NULL, 1))
		return &p[slot & (HP_LPAGE - 1)];
	return hp_local_page(l, slot);
}

/* Writer: the bucket's counter, its chunk made if need be; NULL without
 * memory. */
_Atomic uint64_t *hp_local_bucket(struct hp_local *l, struct hp_lstat *s,
				  unsigned int oct, unsigned int sub);

static inline void hp_local_inc(_Atomic uint64_t *x, uint64_t v)
{
	hp_atomic_store_relaxed(x, hp_atomic_load_relaxed(x) + v);
}

/* Writer: one finished call of s (open count already taken down). */
static inline __attribute__((always_inline)) void hp_local_add(
	struct hp_local *l, struct hp_lstat *s, uint64_t total, uint64_t self,
	int nested)
{
	struct hp_lhist *h;
	_Atomic uint64_t *chunk, *c;
	unsigned int oct, sub;
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
	hp_hist_bucket_of(total, &oct, &sub);
	h = hp_atomic_load_relaxed(&s->hist);
	if (__builtin_expect(h && (chunk = hp_atomic_load_relaxed(&h->oct[oct])), 1))
		c = &chunk[sub];
	else
		c = hp_local_bucket(l, s, oct, sub); /* NULL: unbucketed */
	if (c)
		hp_local_inc(c, 1);
	hp_atomic_store_release(&s->calls, hp_atomic_load_relaxed(&s->calls) + 1);
}

/* Reader: the statistics of slot if its page is mapped; NULL if not. */
struct hp_lstat *hp_local_peek(struct hp_local *l, uint32_t slot);

/* Reader: s's calls, total, min, max and buckets added to dst, its self
 * and recursive ticks to *self and *nested. */
void hp_local_merge(struct hp_hist *dst, uint64_t *self, uint64_t *nested,
		    const struct hp_lstat *s);

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
