/* buf.h - per-thread record rings and the registry of all of them.
 *
 * DESIGN.  Each thread that records owns one single-producer,
 * single-consumer ring of (site, duration) records.  The writer keeps its
 * own copy of the head and a cached copy of the consumer's tail, so a push
 * touches only its own cache line plus the slot: one release store of
 * `head` publishes the record (a plain mov on x86).  Only when the cached
 * tail says "full" does it acquire-load the real tail, and only if the ring
 * is really full does it wait (hp_buf_wait_space), which is the one place
 * a writer may block; it never blocks once the worker has stopped: the
 * record is then counted in `lost`.
 *
 * The consumer is the worker thread, and after the worker has been joined,
 * the reporting thread: never two at once.  It acquire-loads `head`, reads
 * the records, and release-stores `tail`.
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

struct hp_rec {
	struct hp_site *site;
	uint64_t ticks;
};

struct hp_buf {
	/* Writer's line. */
	uint64_t head_own;   /* writer's copy of head */
	uint64_t tail_seen;  /* last tail the writer read */
	_Atomic uint64_t head;
	_Atomic uint64_t lost; /* records dropped: ring full, no consumer */
	/* Consumer's line. */
	_Alignas(64) _Atomic uint64_t tail;
	_Atomic int dead;
	struct hp_buf *next; /* registry link */
	_Alignas(64) struct hp_rec rec[HP_BUF_CAP];
};

/* A new registered buffer for the calling thread, or NULL. */
struct hp_buf *hp_buf_create(void);
/* Returns 0 when there is room again, or 1 if the caller must drop the
 * record (no consumer is running). */
int hp_buf_wait_space(struct hp_buf *b);

static inline void hp_buf_push(struct hp_buf *b, struct hp_site *site,
			       uint64_t ticks)
{
	uint64_t h = b->head_own;
	struct hp_rec *r;

	if (__builtin_expect(h - b->tail_seen >= HP_BUF_CAP, 0) &&
	    hp_buf_wait_space(b))
		return;
	r = &b->rec[h & HP_BUF_MASK];
	r->site = site;
	r->ticks = ticks;
	b->head_own = h + 1;
	hp_atomic_store_release(&b->head, h + 1);
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
