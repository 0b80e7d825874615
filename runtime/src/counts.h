/* counts.h - exact call counts per (caller, callee), kept by the thread
 * that makes the calls: what HOTPATH_SAMPLE > 1 counts every call with.
 *
 * DESIGN.  With sampling (record.c), most calls are not timed and never
 * reach the ring; each thread still counts every call of every site in
 * a table of its own, keyed by (parent slot, slot): the parent is the
 * innermost measured call open on the thread (timed or not; 0 at the
 * top).  A site's calls are the sum over its parents, and the edges into
 * it are the same cells, so edges always add up to the calls.
 *
 * One writer per table (the owning thread), one reader at a time (the
 * consumer: the worker under its pass lock, or the reporting thread).
 * The table is open addressing over 32-byte cells {key, n, total, self}, in pages
 * from hp_map.  The writer bumps n with a relaxed load and store (a
 * plain add: no lock prefix; a signal handler cannot interrupt it
 * half-way because record.c does it inside its busy section), publishes
 * a new cell's key with release after its n, and grows the table by
 * copying into one twice the size, published with release.  The old
 * table stays mapped (a reader may be walking it; it then sees the
 * counts as they were at the copy, never more) until the table is freed
 * by the consumer, which happens only once the owner is gone (a dead
 * ring).  The chain of old tables is smaller than the live one.
 *
 * Bound: 32 bytes a cell, at most 3/4 full, so about 43 bytes per
 * distinct (parent, site) pair a thread made (x2 with the old tables).
 */
#ifndef HP_COUNTS_H
#define HP_COUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "atomic.h"

struct hp_count_cell {
	_Atomic uint64_t key; /* parent << 32 | slot; 0 = empty */
	_Atomic uint64_t n;
	/* Ticks of the calls, when the writer times them all (writer-side
	 * statistics without sampling: record.c); 0 otherwise. */
	_Atomic uint64_t total, self;
};

struct hp_count_tab {
	size_t cap;  /* cells, a power of two */
	size_t size; /* bytes mapped */
	struct hp_count_tab *older;
	struct hp_count_cell cell[];
};

struct hp_counts {
	struct hp_count_tab *_Atomic tab;
	size_t used; /* owner-private */
};

/* Owner: the cell of (parent, slot), made if new; NULL without memory.
 * A grown table moves every cell: *grew is set, and pointers to cells
 * from earlier calls must not be used again. */
struct hp_count_cell *hp_counts_cell(struct hp_counts *c, uint32_t parent,
				     uint32_t slot, int *grew);

static inline size_t hp_counts_hash(uint64_t key, size_t cap)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

/* Owner: the cell of (parent, slot) when it exists and lies within a
 * few cells of its home; NULL otherwise (hp_counts_cell then finds or
 * makes it).  No call and no allocation: for the record path's fast
 * side, when a function is called from another caller than its last
 * one (an eighth of all calls in sqlite's speedtest1). */
static inline __attribute__((always_inline)) struct hp_count_cell *
hp_counts_find(struct hp_counts *c, uint32_t parent, uint32_t slot)
{
	uint64_t key = (uint64_t)parent << 32 | slot;
	struct hp_count_tab *t = hp_atomic_load_relaxed(&c->tab);
	size_t i;
	int n;

	if (__builtin_expect(t == NULL, 0))
		return NULL;
	i = hp_counts_hash(key, t->cap);
	for (n = 0; n < 4; n++) {
		struct hp_count_cell *cell = &t->cell[i];
		uint64_t k = hp_atomic_load_relaxed(&cell->key);

		if (k == key)
			return cell;
		if (k == 0)
			return NULL;
		i = (i + 1) & (t->cap - 1);
	}
	return NULL;
}

/* Owner: one more call. */
static inline void hp_counts_bump(struct hp_count_cell *c)
{
	hp_atomic_store_relaxed(&c->n, hp_atomic_load_relaxed(&c->n) + 1);
}

/* Owner: one more call of total and self ticks. */
static inline void hp_counts_bump_timed(struct hp_count_cell *c,
					uint64_t total, uint64_t self)
{
	/* total, self, then n, each a release (free on x86): a reader that
	 * loads them in the other order (hp_counts_each) never sees more
	 * self than total, nor calls without their ticks */
	hp_atomic_store_relaxed(&c->total, hp_atomic_load_relaxed(&c->total) + total);
	hp_atomic_store_release(&c->self, hp_atomic_load_relaxed(&c->self) + self);
	hp_atomic_store_release(&c->n, hp_atomic_load_relaxed(&c->n) + 1);
}

/* What a cell holds, as a reader sees it. */
struct hp_count_fig {
	uint32_t parent, slot;
	uint64_t n, total, self;
};

/* Owner: f's calls and ticks added to (f->parent, f->slot); 0 or ENOMEM. */
int hp_counts_add(struct hp_counts *c, const struct hp_count_fig *f);

/* Reader: fn for every cell with calls. */
void hp_counts_each(struct hp_counts *c,
		    void (*fn)(const struct hp_count_fig *f, void *arg),
		    void *arg);

/* No owner writing (a fork child's reset): every count back to 0; the
 * cells stay, so the owner's pointers stay good. */
void hp_counts_zero(struct hp_counts *c);

/* No owner, no reader: unmaps everything. */
void hp_counts_free(struct hp_counts *c);

#endif
