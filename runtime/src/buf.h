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
 * Records are events, in the thread's program order (16-byte slots; the
 * low two bits of the first word say what a slot is, and for the records
 * that carry a depth instead of a site, the next two bits):
 *
 *   ENTER  {slot << 2, start ticks}       a measured call began (sent late:
 *                                          see "announced" below)
 *   CALL   {slot << 2 | 1, duration << 24 | depth}
 *                                          a whole call at `depth` that had
 *                                          no finished measured callee
 *                                          (duration < 2^40, depth < 2^24)
 *   EXIT   {depth << 4 | 3, end ticks}     the announced call open at
 *                                          `depth` ended
 *   AEXIT  {depth << 4 | 7, end ticks} + two payload slots {bytes_total,
 *          bytes_max}, {count_total, count_max}: the exit of an
 *          allocation-aware frame (HOTPATH_ALLOC)
 *   DROP   {depth << 4 | 11, 0}            the calls open above `depth`
 *                                           were left by a non-local exit
 *                                           (the writer announces them
 *                                           first)
 *
 * Sites travel as their slots (sites.h), never as pointers: a record may
 * still be in a ring when the module that holds the site is unloaded.
 * The worker keeps the thread's stack of open calls from these, so it
 * knows each call's parent, self time and call path.  The writer sends a
 * call's ENTER only when the worker needs it open: before the record of
 * its first finished callee ("announcing" it; `announced` counts the
 * bottom shadow entries sent).  A call that ends unannounced (a leaf) is
 * one CALL slot; an announced one ends with EXIT or AEXIT.  Calls too
 * long or too deep for CALL, calls with allocation figures, and every
 * call while tracing (the trace wants each call's start), are announced
 * at their exit and then exited.  So a program of leaves sends one slot a
 * call, not two; record.c has the writer's side.  A multi-slot record is
 * published with one store of `head`, so the consumer never sees part of
 * one.
 *
 * Shadow stack (writer-private): one struct hp_shadow per open measured
 * call of the thread, {frame address, return address, guard address,
 * site's slot, start ticks, parent}: the first three detect calls abandoned by longjmp
 * (record.c explains the rules), the next two make the call's record at
 * its exit (or its ENTER when it is announced), and the parent (the
 * innermost measured call at its entry, timed or not) is what sampling's
 * counts see as the innermost call again after its exit.  It lives in an mmap'ed
 * region that doubles with mremap when full, so it has no depth limit,
 * never calls malloc and is safe to grow from a signal handler.
 *
 * Reentrancy: `busy` is set around every writer operation (record.c).
 * A signal handler that records while its thread is inside one finds it
 * set and counts its call in `lost` instead of touching the ring or the
 * shadow stack, so an interrupted push can never be overwritten.
 *
 * Registry: a singly linked list, new buffers pushed at the head under
 * `registry.lock` (only slow paths take it).  Only the consumer unlinks
 * (also under the lock), so it may walk the list without the lock from a
 * head it read under the lock.  A thread's exit marks its buffer dead
 * (release); the consumer drains a dead buffer, frees its own parts
 * (open, trace) and then the buffer: up to 16 freed rings are kept, under
 * the lock, for the next threads.  Rings are mapped pages (alloc.h's
 * hp_map), never an aligned pointer into a heap block, which valgrind
 * would call "possibly lost".
 *
 * Doorbell: the registry also holds the consumer's state and its futex
 * word, so that a writer wakes the consumer (and knows whether one runs)
 * without knowing what the consumer is: this layer depends on nothing
 * above it.  worker.h has the sleeping protocol.
 */
#ifndef HP_BUF_H
#define HP_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "atomic.h"
#include "counts.h"
#include "local.h"

struct hp_site;
struct timespec;

#define HP_BUF_CAP 16384u /* records per thread: 256 KiB */
#define HP_BUF_MASK (HP_BUF_CAP - 1)

#define HP_REC_ENTER 0u /* slot << 2 */
#define HP_REC_CALL 1u  /* slot << 2 | 1 */
#define HP_REC_EXIT 3u  /* depth << 4 | 3 */
#define HP_REC_AEXIT 7u
#define HP_REC_DROP 11u
#define HP_REC_KIND(tag) ((unsigned int)(((tag) & 3u) == 3u ? (tag) & 15u : (tag) & 3u))
#define HP_REC_DEPTH(tag) ((uint64_t)(tag) >> 4)
#define HP_REC_TAG(kind, depth) (((uint64_t)(depth) << 4) | (kind))
#define HP_REC_KEY(slot) ((uint64_t)(slot) << 2) /* ENTER's first word */
#define HP_REC_SLOT(first) ((uint32_t)((first) >> 2))
/* CALL's second word: duration << 24 | depth. */
#define HP_REC_CALL_TICKS (1ull << 40)  /* durations below this */
#define HP_REC_CALL_DEPTHS (1ul << 24) /* depths below this */
#define HP_REC_CALL_WORD(dur, depth) (((uint64_t)(dur) << 24) | (uint64_t)(depth))
#define HP_REC_CALL_DUR(w) ((uint64_t)(w) >> 24)
#define HP_REC_CALL_DEPTH(w) ((uint64_t)(w) & (HP_REC_CALL_DEPTHS - 1))
#define HP_REC_ALLOC_SLOTS 3u

/* One slot.  `tag` and `ticks`/`second` are the same words: the
 * second names serve the payload slots of an allocation record. */
struct hp_rec {
	union {
		uintptr_t tag;
		uint64_t first;
	};
	union {
		uint64_t ticks;
		uint64_t second;
	};
};

/* A call's total ticks from start to end; 0 if the clock stepped back
 * (it should not), rather than ~2^64. */
static inline uint64_t hp_call_total(uint64_t start, uint64_t end)
{
	return (int64_t)(end - start) < 0 ? 0 : end - start;
}

/* A finished call's self ticks: its total less the totals of its
 * finished measured callees (`child`), never below 0. */
static inline uint64_t hp_call_self(uint64_t total, uint64_t child)
{
	return child < total ? total - child : 0;
}

/* What a finished call adds to its caller's `child`: its total, and the
 * callees that outlasted it (a signal handler that ran after its exit's
 * clock read) belong to the caller's span too, so no time is counted
 * twice.  The worker (worker.c) and the writer-side statistics
 * (record.c) keep self time by these two rules. */
static inline uint64_t hp_call_credit(uint64_t total, uint64_t child)
{
	return total + (child > total ? child - total : 0);
}

/* One open call on the writer's shadow stack. */
struct hp_shadow {
	uintptr_t cfa;   /* __builtin_frame_address(0) of the machine frame */
	uintptr_t ret;   /* its return address */
	uintptr_t guard; /* the guard variable's address */
	uint64_t key;    /* HP_REC_KEY(the site's slot) */
	uint64_t start;  /* ticks */
	uint32_t parent; /* hp_buf.cur at its entry: restored at its exit */
	/* Writer-side statistics (local.h): ticks of its finished timed
	 * callees, and its site's statistics on this thread. */
	uint64_t child;
	struct hp_lstat *ls;
};

/* Sampling (record.c): one site's countdown on this thread, and its
 * cached count cell (counts.h) for calls from `parent`. */
struct hp_samp {
	uint32_t left;   /* calls until the next timed one; 0: new */
	uint32_t parent; /* the slot the cell counts calls from */
	struct hp_count_cell *cell;
};

/* One open call on the consumer's copy of the stack. */
struct hp_open {
	uint64_t start;
	uint64_t child; /* ticks of finished measured callees */
	uint32_t slot;  /* the site's (sites.h) */
	uint32_t node;  /* call-path tree node (callgraph.h) */
	uint64_t child_bytes, child_count; /* allocations of finished callees */
};

struct hp_trace_ring; /* trace.h */

struct hp_buf {
	/* Writer's line. */
	_Atomic uint64_t head; /* written by the writer only */
	uint64_t limit;        /* writer-private: look at tail again here */
	_Atomic uint64_t lost; /* calls dropped: ring full with no consumer,
				  or a signal handler hit a busy writer */
	volatile int busy;     /* writer-private: an operation is under way */
	uint32_t depth;        /* writer-private: open calls on the shadow */
	uint32_t announced;    /* writer-private: the bottom shadow entries
				  whose ENTER went out */
	struct hp_shadow *shadow;
	size_t shadow_cap;     /* entries mapped */
	uintptr_t stack_lo, stack_hi; /* this thread's stack, 0 = unknown */
	/* Sampling (HOTPATH_SAMPLE > 1, record.c): writer-private but for
	 * `counts`, which the consumer reads and frees with the ring. */
	uint32_t cur;          /* the innermost open measured call's slot,
				  timed or not (0: none) */
	uint32_t samp_cap;     /* entries of samp, by slot */
	struct hp_samp *samp;  /* hp_map'ed */
	uint64_t rng;          /* xorshift state of the sampling intervals */
	struct hp_counts counts; /* every call, by (parent, slot) */
	/* Writer-side statistics (local.h), when the session keeps them
	 * there; the consumer reads them, and frees them with the ring. */
	struct hp_local local;
	/* Consumer's line. */
	_Alignas(64) _Atomic uint64_t tail;
	_Atomic int dead;
	struct hp_buf *next; /* registry link */
	long tid;
	struct hp_open *open; /* consumer's stack of open calls */
	size_t nopen, open_cap;
	uint32_t *active;     /* by slot: how many of `open` are that site's
				 (a call with one below it is recursive) */
	size_t active_cap;
	struct hp_trace_ring *trace; /* recent calls, HOTPATH_FORMAT=trace */
	/* The thread's name (pthread_setname_np), for the trace only: taken
	 * by the thread itself when it makes the ring (before the registry
	 * publishes it) and, in final_name, when it ends (before `dead`). */
	char name[16], final_name[16];
	/* (open, active and trace are the consumer's to free, before
	 * hp_buf_remove) */
	_Alignas(64) struct hp_rec rec[HP_BUF_CAP];
};

/* The calling thread's ring; NULL until its first record (record.c sets
 * it, the session makes the ring). */
extern __thread struct hp_buf *hp_tls_buf __attribute__((tls_model("initial-exec")));

/* record.c's sampling period (HOTPATH_SAMPLE, set when the session
 * starts); returns the previous one.  Only bench/overhead changes it
 * (between loops, with a report it does not read): counts and timings
 * of one session assume one period. */
unsigned int hp_record_sample(unsigned int n);

/* A new registered buffer for the calling thread, or NULL. */
struct hp_buf *hp_buf_create(void);
/* The writer reached `limit`: looks at the consumer's tail, wakes the
 * worker if the ring is half full, waits if it is full (or, with no
 * consumer running, returns -1: the caller counts the call as lost), and
 * sets the next limit at most a quarter ring ahead.  0 when n more slots
 * fit after head. */
int hp_buf_make_room(struct hp_buf *b, uint64_t h, unsigned int n);

/* Appends one slot; 0, or -1 if it had to be dropped. */
static inline int hp_buf_push(struct hp_buf *b, uint64_t first, uint64_t second)
{
	/* Only this thread writes head: a relaxed load reads its own value. */
	uint64_t h = hp_atomic_load_relaxed(&b->head);
	struct hp_rec *r;

	if (__builtin_expect(h >= b->limit, 0) && hp_buf_make_room(b, h, 1))
		return -1;
	r = &b->rec[h & HP_BUF_MASK];
	r->first = first;
	r->second = second;
	hp_atomic_store_release(&b->head, h + 1);
	return 0;
}

/* The consumer's view of the registry. */
struct hp_buf *hp_buf_first(void);
/* Unlinks b (whose predecessor is prev, or NULL) and frees it, adding its
 * lost count to the registry's.  Consumer only, once it has released its
 * own parts of b (open, trace). */
void hp_buf_remove(struct hp_buf *prev, struct hp_buf *b);
/* Lost records of all buffers, freed ones included. */
uint64_t hp_buf_lost_total(void);
void hp_buf_count_lost(uint64_t n);

/* Fork: hold the registry lock across fork() so the child gets it free. */
void hp_buf_lock(void);
void hp_buf_unlock(void);

/* The consumer's doorbell.  The consumer (the worker) says whether it
 * runs: a writer waits for room only while it does.  Returns the previous
 * state. */
int hp_buf_set_consumer(int running);
int hp_buf_consumer_running(void);
/* A writer rings: wakes the consumer if it sleeps. */
void hp_buf_wake(void);
/* The consumer reads the bell before a pass, and after a pass that found
 * little sleeps until a wake after that read, or the timeout. */
unsigned int hp_buf_bell(void);
void hp_buf_sleep(unsigned int seen, const struct timespec *timeout);

#endif
