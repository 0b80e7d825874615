/* buf.h - per-thread record rings and the registry of all of them.
 *
 * DESIGN.  Each thread that records owns one single-producer,
 * single-consumer ring of (site, duration) records.  A push touches only
 * the writer's own line plus the slot: one release store of `head`
 * publishes the record (a plain mov on x86).  The writer does not read the
 * consumer's `tail` on every push: it keeps a private `limit` (at most a
 * quarter ring ahead, never past the free space seen) and only there
 * takes the slow path, which re-reads `tail`, wakes a sleeping worker when
 * the ring is half full (so the worker drains big batches instead of
 * fighting the writer for the cache lines record by record), and, only if
 * the ring is really full, waits: the one place a writer may block.  It
 * never blocks once the worker has stopped: the record is then counted in
 * `lost`.
 *
 * The consumer is the worker thread, and after the worker has been joined,
 * the reporting thread: never two at once.  It acquire-loads `head`, reads
 * the records, and release-stores `tail`.
 *
 * Records: a plain record is one slot {site, ticks}.  A call of an
 * allocation-aware frame (HOTPATH_ALLOC) takes three consecutive slots:
 * {site | HP_REC_ALLOC, ticks}, {bytes_total, bytes_max},
 * {count_total, count_max}; the tag is the low bit of the site pointer
 * (sites hold pointers, so it is always clear in a real one).  The writer
 * publishes all three with one store of `head`, so the consumer never sees
 * part of a record, and loses nothing: it is as lossless as a plain record.
 *
 * Registry: a singly linked list, new buffers pushed at the head under
 * `registry_lock` (only slow paths take it).  Only the consumer unlinks
 * (also under the lock), so it may walk the list without the lock from a
 * head it read under the lock.  A thread's exit marks its buffer dead
 * (release); the consumer drains a dead buffer and then frees it.
 */
#ifndef HP_BUF_H
#define HP_BUF_H

#include <stdint.h>

#include "atomic.h"

struct hp_site;

#define HP_BUF_CAP 16384u /* records per thread: 256 KiB */
#define HP_BUF_MASK (HP_BUF_CAP - 1)

#define HP_REC_ALLOC ((uintptr_t)1) /* tag in the low bit of `site` */
#define HP_REC_ALLOC_SLOTS 3u

/* One slot.  `site`/`tag` and `ticks`/`second` are the same words: the
 * second names serve the payload slots of an allocation record. */
struct hp_rec {
	union {
		struct hp_site *site;
		uintptr_t tag;
		uint64_t first;
	};
	union {
		uint64_t ticks;
		uint64_t second;
	};
};

struct hp_buf {
	/* Writer's line. */
	_Atomic uint64_t head; /* written by the writer only */
	uint64_t limit;        /* writer-private: look at tail again here */
	_Atomic uint64_t lost; /* records dropped: ring full, no consumer */
	/* Consumer's line. */
	_Alignas(64) _Atomic uint64_t tail;
	_Atomic int dead;
	struct hp_buf *next; /* registry link */
	_Alignas(64) struct hp_rec rec[HP_BUF_CAP];
};

/* A new registered buffer for the calling thread, or NULL. */
struct hp_buf *hp_buf_create(void);
/* The writer reached `limit`: looks at the consumer's tail, wakes the
 * worker if the ring is half full, waits if it is full (or, with no
 * consumer running, counts the record in `lost`), pushes, and sets the
 * next limit at most a quarter ring ahead. */
void hp_buf_push_slow(struct hp_buf *b, struct hp_site *site, uint64_t ticks);

static inline void hp_buf_push(struct hp_buf *b, struct hp_site *site,
			       uint64_t ticks)
{
	/* Only this thread writes head: a relaxed load reads its own value. */
	uint64_t h = hp_atomic_load_relaxed(&b->head);
	struct hp_rec *r;

	if (__builtin_expect(h >= b->limit, 0)) {
		hp_buf_push_slow(b, site, ticks); /* a tail call */
		return;
	}
	r = &b->rec[h & HP_BUF_MASK];
	r->site = site;
	r->ticks = ticks;
	hp_atomic_store_release(&b->head, h + 1);
}

struct hp_alloc_delta;

/* An allocation record: three slots, see the design note. */
void hp_buf_push_alloc_slow(struct hp_buf *b, struct hp_site *site,
			    uint64_t ticks, const struct hp_alloc_delta *d);

static inline void hp_buf_write_alloc(struct hp_buf *b, uint64_t h,
				      struct hp_site *site, uint64_t ticks,
				      const uint64_t *fig)
{
	struct hp_rec *r = &b->rec[h & HP_BUF_MASK];

	r->tag = (uintptr_t)site | HP_REC_ALLOC;
	r->ticks = ticks;
	r = &b->rec[(h + 1) & HP_BUF_MASK];
	r->first = fig[0];
	r->second = fig[1];
	r = &b->rec[(h + 2) & HP_BUF_MASK];
	r->first = fig[2];
	r->second = fig[3];
	hp_atomic_store_release(&b->head, h + HP_REC_ALLOC_SLOTS);
}

/* d points to four uint64_t: bytes_total, bytes_max, count_total,
 * count_max (struct hp_alloc_delta). */
static inline void hp_buf_push_alloc(struct hp_buf *b, struct hp_site *site,
				     uint64_t ticks, const struct hp_alloc_delta *d)
{
	uint64_t h = hp_atomic_load_relaxed(&b->head);

	if (__builtin_expect(h + HP_REC_ALLOC_SLOTS > b->limit, 0)) {
		hp_buf_push_alloc_slow(b, site, ticks, d);
		return;
	}
	hp_buf_write_alloc(b, h, site, ticks, (const uint64_t *)(const void *)d);
}

/* The consumer's view of the registry. */
struct hp_buf *hp_buf_first(void);
/* Unlinks b (whose predecessor is prev, or NULL) and frees it, adding its
 * lost count to the registry's.  Consumer only. */
void hp_buf_remove(struct hp_buf *prev, struct hp_buf *b);
/* Lost records of all buffers, freed ones included. */
uint64_t hp_buf_lost_total(void);
void hp_buf_count_lost(uint64_t n);

/* Fork: hold the registry lock across fork() so the child gets it free. */
void hp_buf_lock(void);
void hp_buf_unlock(void);

#endif
