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
 * The table is open addressing over 16-byte cells {key, n}, in pages
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
 * Bound: 16 bytes a cell, at most 3/4 full, so about 21 bytes per
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
_Atomic uint64_t *hp_counts_cell(struct hp_counts *c, uint32_t parent,
				 uint32_t slot, int *grew);

/* Owner: one more call. */
static inline void hp_counts_bump(_Atomic uint64_t *n)
{
	hp_atomic_store_relaxed(n, hp_atomic_load_relaxed(n) + 1);
}

/* Owner: n more calls of (parent, slot); 0 or ENOMEM. */
int hp_counts_add(struct hp_counts *c, uint32_t parent, uint32_t slot,
		  uint64_t n);

/* Reader: fn for every cell with calls. */
void hp_counts_each(struct hp_counts *c,
		    void (*fn)(uint32_t parent, uint32_t slot, uint64_t n,
			       void *arg),
		    void *arg);

/* No owner writing (a fork child's reset): every count back to 0; the
 * cells stay, so the owner's pointers stay good. */
void hp_counts_zero(struct hp_counts *c);

/* No owner, no reader: unmaps everything. */
void hp_counts_free(struct hp_counts *c);

#endif
