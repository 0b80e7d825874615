/* record.c - the record path: what a measured call does on its thread.
 *
 * DESIGN.  Entry (hp_enter) only pushes the call on the thread's shadow
 * stack: {frame, return address, guard, site, start}; it writes nothing
 * to the ring.  Exit (hp_leave/hp_exit) pops it and writes what the
 * worker needs (buf.h has the formats).  The worker keeps its own stack
 * of the thread's calls, which gives every call its parent, self time and
 * call path, but it only needs to see a call open while one of its
 * callees finishes.  So calls are "announced" lazily: `announced` counts
 * the bottom shadow entries whose ENTER {site, start} the worker has been
 * sent.  An exit first announces its callers that are not announced yet
 * (one ENTER each; usually none), then:
 *   - a call that is not announced itself (it had no finished measured
 *     callee: a leaf, most calls) becomes one CALL record {site, duration
 *     and depth}: one 16-byte slot per call instead of two events;
 *   - an announced call (it had finished callees) ends with EXIT {depth,
 *     end} as before;
 *   - a leaf too long (>= 2^40 ticks) or too deep (>= 2^24) for CALL, and
 *     every call while tracing (the trace wants starts), is announced and
 *     exited: the two-event form.
 * The writer still does no arithmetic beyond end - start.  No lock,
 * malloc or stdio here; the only syscalls are the shadow stack's
 * mmap/mremap (when it doubles) and the futex wake of a full ring.
 * main's entry announces main at once, so the report always finds main
 * open on the worker's stack.
 *
 * Sampling (HOTPATH_SAMPLE = N > 1, "Sampling" below): every call is
 * counted in a table of the thread's own, and only about one in N per
 * site and thread goes through what this note describes; the others cost
 * a countdown, a count and the thread's innermost-call slot.
 *
 * Sites: the shadow stack and the records carry the site's slot
 * (sites.h), never the site's address, which dies with its module.  A
 * site's first call in this load of its module registers it (slot 0:
 * the slow path); after that the entry reads the slot with one load.
 *
 * Why: an ENTER and an EXIT per call were 32 bytes a call through the
 * ring, a cache line moved to the worker's core every two calls; one
 * CALL per leaf halves that, and entry no longer touches the ring at all.
 *
 * Non-local exits (longjmp, siglongjmp out of a handler): the calls left
 * that way never run their exit, so their shadow entries stay behind.
 * Two places notice:
 *   - an exit whose frame is not the top (depth mismatch): everything
 *     above it was abandoned;
 *   - an entry whose machine frame cannot be a callee of the top one.
 *     Each shadow entry keeps the machine frame's address (cfa), return
 *     address and the guard's address.  The stack grows down, so the top
 *     is dead if the new frame lies above it on the same thread stack;
 *     within one machine frame (blocks, inlined functions) the top is
 *     dead if the frame was reused by another call (other return address)
 *     or if the very guard being entered is still on the stack (a guard
 *     cannot be open twice in one machine frame).
 * Both push DROP {depth} after announcing the abandoned calls not yet
 * announced (rare: only on this path), so the worker sees the same
 * events as if every call had been announced at its entry: it discards
 * the abandoned calls, counts them as non-local exits and credits their
 * finished callees to their caller (so no time is counted twice and the
 * caller's self time holds the abandoned calls' own time).  A thread
 * that ends with calls open (pthread_exit) announces them the same way;
 * the worker counts them when it frees the ring, as before.  The frame
 * comparison is skipped when the new frame is not on the thread's stack
 * (sigaltstack, coroutines).  Known blind spot: after a longjmp, a
 * different function entered from the same call site of the same caller
 * frame (a call through a pointer), before that caller returns, nests
 * under the dead call until the caller's exit or a later entry resolves
 * it.
 *
 * Reentrancy: every operation runs between `busy = 1` and `busy = 0`
 * (with compiler fences: the interrupting code is on the same thread).
 * A signal handler that records while the flag is set gives up: its call
 * is counted in `lost` and nothing else is touched; its exit sees depth 0
 * and does nothing.  Handlers that arrive between operations record
 * normally: they push above the interrupted calls and pop before
 * returning (announcing the interrupted calls if need be), which nests
 * correctly.
 *
 * Threads: a thread's first record asks the session for a ring
 * (hp_session_attach, session.h) and makes it the thread's own: hp_tls_buf
 * (buf.h) and a pthread key whose destructor announces the calls still
 * open and marks the ring dead for the worker (thread_gone).  main's guard
 * enters here like any call; the session only learns main's site, start
 * and percentiles.  This file calls the session, never the reverse.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "alloc.h"
#include "alloc_count.h"
#include "atomic.h"
#include "buf.h"
#include "clock.h"
#include "hotpath.h"
#include "session.h"
#include "settings.h"
#include "sites.h"

#define SHADOW_FIRST 1024u /* entries mapped at first: 64 KiB */
#define ANNOUNCE_MAX (HP_BUF_CAP / 4) /* ENTERs per publication */
#define NOT_RECORDED 0ul
/* The frame depth of a call counted but not timed (sampling): this bit,
 * or'ed with the slot of its parent, which its exit restores as the
 * thread's innermost call (hp_buf.cur). */
#define UNTIMED (1ul << 62)
/* hp_samp.parent of an entry whose cell is unknown: no slot is this
 * (a fresh entry, zeroed, has left 0, which the fast path also sends
 * to count_call). */
#define NO_PARENT UINT32_MAX

static inline void enter_busy(struct hp_buf *b)
{
	b->busy = 1;
	atomic_signal_fence(memory_order_seq_cst);
}

static inline void leave_busy(struct hp_buf *b)
{
	atomic_signal_fence(memory_order_seq_cst);
	b->busy = 0;
}

static __attribute__((noinline, cold)) void count_lost(struct hp_buf *b)
{
	hp_atomic_add_relaxed(&b->lost, 1);
}

/* The thread's stack, once; [1, 1) when it cannot be had. */
static void stack_bounds(struct hp_buf *b)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;

	/* It allocates (the main thread's reads /proc/self/maps): not the
	 * program's allocations, so the interposer's counters are put back. */
	struct hp_alloc_thread saved = hp_alloc_tls;

	b->stack_lo = b->stack_hi = 1;
	if (pthread_getattr_np(pthread_self(), &attr) == 0) {
		if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
			b->stack_lo = (uintptr_t)addr;
			b->stack_hi = (uintptr_t)addr + size;
		}
		pthread_attr_destroy(&attr);
	}
	hp_alloc_tls = saved;
}

static void record_init(void);
static void thread_gone(void *p);

/* The threads' key, whose destructor ends a thread's ring (made after
 * the session's start, so after session.c's main key: see there). */
static struct {
	pthread_once_t once;
	pthread_key_t key;
	int key_ok;
} threads = { .once = PTHREAD_ONCE_INIT };

/* First record of a thread: its ring from the session, made the thread's
 * own, and its stack's bounds (taken here, outside any busy section:
 * pthread_getattr_np is not signal-safe). */
static __attribute__((noinline, cold)) struct hp_buf *attach(void)
{
	struct hp_buf *b = hp_session_attach();

	if (!b)
		return NULL; /* the report is out, or no memory */
	pthread_once(&threads.once, record_init);
	if (threads.key_ok)
		pthread_setspecific(threads.key, b);
	hp_tls_buf = b;
	if (!b->stack_hi)
		stack_bounds(b);
	return b;
}

static inline int on_stack(struct hp_buf *b, uintptr_t a)
{
	if (__builtin_expect(!b->stack_hi, 0))
		stack_bounds(b); /* a thread attached by the session */
	return a >= b->stack_lo && a < b->stack_hi;
}

/* Doubles the shadow stack (mmap/mremap: signal-safe, no malloc). */
static int shadow_grow(struct hp_buf *b)
{
	size_t cap = b->shadow_cap ? b->shadow_cap * 2 : SHADOW_FIRST;
	void *p;

	if (!b->shadow)
		p = mmap(NULL, cap * sizeof *b->shadow, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	else
		p = mremap(b->shadow, b->shadow_cap * sizeof *b->shadow,
			   cap * sizeof *b->shadow, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		return -1;
	b->shadow = p;
	b->shadow_cap = cap;
	return 0;
}

/* The depth below which the shadow stack is still alive for a new frame
 * (cfa, ret, guard); see the design note. */
static uint32_t live_depth(struct hp_buf *b, uintptr_t cfa,
			   uintptr_t ret, uintptr_t guard)
{
	uint32_t k = b->depth, j;

	while (k > 0) {
		const struct hp_shadow *t = &b->shadow[k - 1];

		if (cfa > t->cfa && on_stack(b, cfa) && on_stack(b, t->cfa))
			k--; /* the new frame is above it: it is gone */
		else if (cfa == t->cfa && ret != t->ret)
			k--; /* its machine frame now belongs to another call */
		else
			break;
	}
	/* Same machine frame, same call: is this very guard still open? */
	for (j = k; j > 0 && b->shadow[j - 1].cfa == cfa &&
		    b->shadow[j - 1].ret == ret; j--)
		if (guard && b->shadow[j - 1].guard == guard)
			return j - 1;
	return k;
}

/* CALL records are written while this is 2^40 (the longest CALL); 0 while
 * tracing, so that every call is announced and its start reaches the
 * trace.  Set by record_init before any record. */
static _Atomic uint64_t call_limit = HP_REC_CALL_TICKS;

/* HOTPATH_SAMPLE: 1 times every call; N > 1 counts every call and times
 * about one in N per site and thread (see "Sampling" below).  Set by
 * record_init before any record, never changed after. */
static unsigned int sample_period = 1;

/* Writer-side statistics (local.h, "Local statistics" below): set by
 * record_init before any record, never changed after. */
static int local_mode;

/* Announces shadow[announced .. upto - 1] (an ENTER each), then appends
 * the n slots of `tail`.  The ENTERs go in publications of at most
 * ANNOUNCE_MAX slots (a deep stack may not fit in the ring at once); the
 * last one carries the tail, so the tail's slots are published together.
 * 0, or -1 when a publication had to be dropped (then `announced` counts
 * what went out). */
static int push_announced(struct hp_buf *b, uint32_t upto,
			  const struct hp_rec *tail, unsigned int n)
{
	for (;;) {
		uint64_t h = hp_atomic_load_relaxed(&b->head);
		uint32_t a = b->announced, m = upto > a ? upto - a : 0, i;
		uint32_t chunk = m > ANNOUNCE_MAX ? ANNOUNCE_MAX : m;
		unsigned int all = chunk + (chunk == m ? n : 0);

		if (all == 0)
			return 0;
		if (h + all > b->limit && hp_buf_make_room(b, h, all))
			return -1;
		for (i = 0; i < chunk; i++) {
			struct hp_rec *r = &b->rec[(h + i) & HP_BUF_MASK];

			r->first = b->shadow[a + i].key;
			r->second = b->shadow[a + i].start;
		}
		if (chunk == m)
			for (i = 0; i < n; i++)
				b->rec[(h + chunk + i) & HP_BUF_MASK] = tail[i];
		hp_atomic_store_release(&b->head, h + all);
		b->announced = a + chunk;
		if (chunk == m)
			return 0;
	}
}

/* Local statistics (local.h).  When the session keeps statistics on
 * the writers' side (no trace, no call-path tree, no allocation figures:
 * settings.h's hp_settings_local), a timed call's exit does here what
 * the worker does with its record (worker.c), and nothing goes to the
 * ring: its total (end - start), its self time (total minus its shadow
 * entry's `child`, the totals of its finished timed callees), the
 * caller's `child`, recursion (the site's open count on this thread,
 * taken at entry: a call with another of its site open below it is
 * recursive) and, without sampling, its caller->callee edge (the count
 * table's cell, with ticks).  Non-local exits are found as before and
 * settled here too: the abandoned calls count as non-local exits and
 * their finished callees' time goes to their caller. */

static int samp_grow(struct hp_buf *b, uint32_t slot);

/* The count cell of parent -> slot, made if new, and cached in slot's
 * sampling entry (the array grown if need be); NULL without memory.  A
 * table that grew moved every cell: the other entries' caches go.  The
 * slow side of count_call and of the writer's edges. */
static __attribute__((noinline)) struct hp_count_cell *samp_cell(
	struct hp_buf *b, uint32_t parent, uint32_t slot)
{
	struct hp_count_cell *c;
	int grew = 0;
	uint32_t i;

	if (slot >= b->samp_cap && samp_grow(b, slot))
		return NULL;
	if (!(c = hp_counts_cell(&b->counts, parent, slot, &grew)))
		return NULL;
	for (i = 0; grew && i < b->samp_cap; i++) {
		b->samp[i].cell = NULL; /* the cells moved */
		b->samp[i].parent = NO_PARENT;
	}
	b->samp[slot].parent = parent;
	b->samp[slot].cell = c;
	return c;
}

/* The same when it can be had without a call: slot's cached cell, or
 * the one hp_counts_find finds for another caller (then cached); NULL
 * otherwise. */
static inline __attribute__((always_inline)) struct hp_count_cell *
samp_have_cell(struct hp_buf *b, uint32_t parent, uint32_t slot)
{
	struct hp_samp *s;
	struct hp_count_cell *cell;

	if (__builtin_expect(slot >= b->samp_cap, 0))
		return NULL;
	s = &b->samp[slot];
	cell = s->cell;
	if (__builtin_expect(s->parent != parent || !cell, 0)) {
		/* another caller than the last: its cell, if made */
		if (!(cell = hp_counts_find(&b->counts, parent, slot)))
			return NULL;
		s->parent = parent;
		s->cell = cell;
	}
	return cell;
}

/* The edge parent -> slot of a timed call (no sampling: the counts are
 * kept here).  Without memory the edge is left out; the call is in. */
static inline void local_edge(struct hp_buf *b, uint32_t parent, uint32_t slot,
			      uint64_t total, uint64_t self)
{
	struct hp_count_cell *c = samp_have_cell(b, parent, slot);

	if (__builtin_expect(c != NULL, 1) || (c = samp_cell(b, parent, slot)))
		hp_counts_bump_timed(c, total, self);
}

/* The top call, at depth d1 (= b->depth), ends after `total` ticks (b
 * busy), its bucket's counter c and its edge's cell (NULL: none) found:
 * what local_close and local_close_fast both do. */
static inline __attribute__((always_inline)) void local_close_at(
	struct hp_buf *b, uint32_t d1, uint64_t total, _Atomic uint64_t *c,
	struct hp_count_cell *cell)
{
	struct hp_shadow *sh = &b->shadow[d1 - 1];
	uint64_t self = hp_call_self(total, sh->child);

	b->cur = sh->parent;
	b->depth = d1 - 1;
	if (d1 >= 2)
		b->shadow[d1 - 2].child += hp_call_credit(total, sh->child);
	hp_local_add_at(&b->local, sh->ls, total, self, --sh->ls->open != 0, c);
	if (cell)
		hp_counts_bump_timed(cell, total, self);
}

/* The top call, at depth d1 (= b->depth), ends at `end` (b busy). */
static inline __attribute__((always_inline)) void local_close(struct hp_buf *b,
							      uint32_t d1,
							      uint64_t end)
{
	struct hp_shadow *sh = &b->shadow[d1 - 1];
	uint32_t slot = HP_REC_SLOT(sh->key);
	uint32_t parent = d1 >= 2 ? HP_REC_SLOT(b->shadow[d1 - 2].key) : 0;
	uint64_t total = hp_call_total(sh->start, end);
	struct hp_count_cell *cell = NULL;

	if (sample_period == 1 && !(cell = samp_have_cell(b, parent, slot)))
		cell = samp_cell(b, parent, slot); /* NULL: the edge left out */
	local_close_at(b, d1, total, hp_local_bucket_of(&b->local, sh->ls, total),
		       cell);
}

/* local_close's fast path, for exit_fast: the same, when the call's
 * histogram chunk and (without sampling) its edge's cell are there, as
 * they are for every call but a few first ones.  Otherwise it returns 0
 * having changed nothing, and the caller hands the call to
 * exit_general: with no call of its own here (no allocation, no slow
 * path), the exit that inlines this keeps to the caller-saved registers,
 * without a stack frame to build (6 ns a call on this machine). */
static inline __attribute__((always_inline)) int local_close_fast(
	struct hp_buf *b, uint32_t d1, uint64_t end)
{
	struct hp_shadow *sh = &b->shadow[d1 - 1];
	uint32_t slot = HP_REC_SLOT(sh->key);
	uint32_t parent = d1 >= 2 ? HP_REC_SLOT(b->shadow[d1 - 2].key) : 0;
	uint64_t total = hp_call_total(sh->start, end);
	struct hp_count_cell *cell = NULL;
	_Atomic uint64_t *c = hp_local_have_bucket(sh->ls, total);

	if (__builtin_expect(c == NULL, 0) ||
	    (sample_period == 1 && !(cell = samp_have_cell(b, parent, slot))))
		return 0;
	local_close_at(b, d1, total, c, cell);
	return 1;
}

/* The calls above depth k were abandoned (b busy): they count as
 * non-local exits, and their finished callees' time goes to their
 * caller, whose self time then holds their own time. */
static void local_drop_to(struct hp_buf *b, uint32_t k)
{
	uint32_t i;

	for (i = b->depth; i > k; i--) {
		const struct hp_shadow *e = &b->shadow[i - 1];

		if (e->ls->open)
			e->ls->open--;
		hp_local_inc(&b->local.nonlocal, 1);
		if (i >= 2)
			b->shadow[i - 2].child += e->child;
	}
	b->depth = k;
	if (b->announced > k)
		b->announced = k;
}

/* The calls above depth k were left by a non-local exit: pops them and
 * tells the worker (DROP {k}).  Those it was never told about are
 * announced first, so it sees every abandoned call open, in order, as if
 * each had been sent at its entry: they count as non-local exits and get
 * their call-path nodes exactly as before.  0 or -1 (dropped). */
static int drop_to(struct hp_buf *b, uint32_t k)
{
	struct hp_rec drop;
	int err;

	if (local_mode) {
		if (k < b->depth)
			b->cur = b->shadow[k].parent;
		local_drop_to(b, k);
		return 0;
	}
	drop.first = HP_REC_TAG(HP_REC_DROP, k);
	drop.second = 0;
	if (k < b->depth)
		b->cur = b->shadow[k].parent;
	err = push_announced(b, b->depth, &drop, 1);
	b->depth = k;
	if (b->announced > k)
		b->announced = k;
	return err;
}

/* Makes room for a push at the top; returns the depth to push at, or -1
 * when the call cannot be recorded. */
static __attribute__((noinline)) long enter_slow(struct hp_buf *b,
						uintptr_t cfa, uintptr_t ret,
						uintptr_t guard)
{
	uint32_t k = b->depth ? live_depth(b, cfa, ret, guard) : 0;

	if (k < b->depth && drop_to(b, k))
		return -1;
	if (k >= b->shadow_cap && shadow_grow(b))
		return -1;
	return k;
}

static inline unsigned long enter(struct hp_buf *b, uint64_t key,
				  uintptr_t guard, uintptr_t cfa, uintptr_t ret,
				  uint64_t *start_out, uint32_t parent)
{
	struct hp_shadow *sh;
	uint64_t start;
	long d;

	enter_busy(b);
	d = b->depth;
	/* stack full, or the new frame not below the top one? */
	if (__builtin_expect((size_t)d >= b->shadow_cap ||
			     (d && cfa >= b->shadow[d - 1].cfa), 0)) {
		d = enter_slow(b, cfa, ret, guard);
		if (d < 0) {
			leave_busy(b);
			count_lost(b);
			return NOT_RECORDED;
		}
	}
	sh = &b->shadow[d];
	if (local_mode) {
		struct hp_lstat *ls = hp_local_stat(&b->local, HP_REC_SLOT(key));

		if (!ls) {
			leave_busy(b);
			count_lost(b);
			return NOT_RECORDED;
		}
		ls->open++;
		sh->ls = ls;
	}
	sh->cfa = cfa;
	sh->ret = ret;
	sh->guard = guard;
	sh->key = key;
	sh->child = 0;
	sh->parent = parent;
	b->cur = HP_REC_SLOT(key);
	b->depth = (uint32_t)d + 1;
	start = hp_clock_now(); /* last: the bookkeeping is not the call's */
	sh->start = start;
	leave_busy(b);
	if (start_out)
		*start_out = start;
	return (unsigned long)d + 1;
}

/* The site's first call in this load of its module: registers it (a
 * lock and an allocation, so a signal handler that interrupts this finds
 * the thread busy).  0 when it cannot be registered. */
static __attribute__((noinline, cold)) uint64_t register_site(
	struct hp_buf *b, struct hp_site *site)
{
	unsigned int slot;

	enter_busy(b);
	slot = hp_sites_slot(site);
	leave_busy(b);
	return HP_REC_KEY(slot);
}

/* The site's record key (b not busy); 0 when it has none. */
static inline uint64_t site_key(struct hp_buf *b, struct hp_site *site)
{
	unsigned int slot = __atomic_load_n(&site->slot, __ATOMIC_RELAXED);

	return __builtin_expect(slot != 0, 1) ? HP_REC_KEY(slot)
					       : register_site(b, site);
}

/* Sampling (HOTPATH_SAMPLE = N > 1).  Every call is counted in the
 * thread's table (counts.h) under (b->cur, its slot): b->cur is the
 * innermost measured call open on the thread, timed or not.  About one
 * call in N per site and thread is timed as usual; the others, untimed,
 * touch neither the clock, the shadow stack nor the ring: a countdown,
 * a count and b->cur, and their frame gets UNTIMED | parent, from which
 * their exit puts b->cur back.  The worker therefore sees timed calls
 * only, each nested under its nearest timed ancestor (an untimed call's
 * time is its nearest timed ancestor's self time); the counts give the
 * exact calls and caller->callee edges (gather.c has the estimator).
 * The gaps between timed calls are drawn uniformly from 1 .. 2N - 1
 * (mean N), so that no periodic pattern of the program aliases with
 * them; a site's first call on a thread is always timed, so every site
 * that was called has a timing.  The per-site array (samp, by slot) is
 * grown with hp_map on the slow path, as the shadow stack is. */


/* The next gap (xorshift64, seeded with the thread's id). */
static uint32_t next_interval(struct hp_buf *b)
{
	uint64_t x = b->rng ? b->rng
			    : ((uint64_t)b->tid * 0x9E3779B97F4A7C15ull) | 1;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	b->rng = x;
	return 1 + (uint32_t)(((x >> 32) * (2ull * sample_period - 1)) >> 32);
}

static int samp_grow(struct hp_buf *b, uint32_t slot)
{
	size_t cap = b->samp_cap ? b->samp_cap : 64;
	struct hp_samp *p;

	while (cap <= slot)
		cap *= 2;
	if (!(p = hp_map(cap * sizeof *p)))
		return -1;
	if (b->samp) {
		memcpy(p, b->samp, b->samp_cap * sizeof *p);
		hp_unmap(b->samp, b->samp_cap * sizeof *p);
	}
	b->samp = p;
	b->samp_cap = (uint32_t)cap;
	return 0;
}

/* Counts a call of `slot` under b->cur and makes it the innermost (b
 * busy).  1: time it (always when `timed`); 0: not; -1: it cannot be
 * counted (no memory). */
static __attribute__((noinline)) int count_call(struct hp_buf *b,
						uint32_t slot, int timed)
{
	uint32_t parent = b->cur;
	struct hp_samp *s;

	if (slot >= b->samp_cap && samp_grow(b, slot))
		return -1;
	s = &b->samp[slot];
	if ((s->parent != parent || !s->cell) && !samp_cell(b, parent, slot))
		return -1;
	hp_counts_bump(s->cell);
	b->cur = slot;
	if (!timed && s->left > 1) {
		s->left--;
		return 0;
	}
	s->left = next_interval(b);
	return 1;
}

/* Everything hp_enter's fast path leaves out; `timed`: never leave the
 * call untimed (allocation frames). */
static __attribute__((noinline)) unsigned long enter_general(
	struct hp_site *site, void *guard, void *cfa, void *ret, int timed)
{
	struct hp_buf *b = hp_tls_buf;
	uint64_t key;
	uint32_t parent;
	unsigned long d;

	if (__builtin_expect(b == NULL, 0) && !(b = attach())) {
		hp_buf_count_lost(1);
		return NOT_RECORDED;
	}
	if (__builtin_expect(b->busy, 0)) {
		count_lost(b); /* a signal handler interrupted this thread's writer */
		return NOT_RECORDED;
	}
	if (!(key = site_key(b, site))) {
		count_lost(b);
		return NOT_RECORDED;
	}
	parent = b->cur;
	if (sample_period > 1) {
		int t;

		enter_busy(b);
		t = count_call(b, HP_REC_SLOT(key), timed);
		leave_busy(b);
		if (t < 0) {
			count_lost(b);
			return NOT_RECORDED;
		}
		if (t == 0)
			return UNTIMED | parent;
	}
	d = enter(b, key, (uintptr_t)guard, (uintptr_t)cfa, (uintptr_t)ret,
		  NULL, parent);
	if (d == NOT_RECORDED)
		b->cur = parent;
	return d;
}

/* An untimed call (b busy, s its slot's entry, with left > 1) counted
 * in cell, the innermost call now: what its exit puts back. */
static inline __attribute__((always_inline)) unsigned long untimed_enter(
	struct hp_buf *b, struct hp_samp *s, struct hp_count_cell *cell,
	uint32_t slot, uint32_t parent)
{
	s->left--;
	hp_counts_bump(cell);
	b->cur = slot;
	leave_busy(b);
	return UNTIMED | parent;
}

/* The same from another caller than the one s caches: the cell of this caller found
 * in the count table (no allocation), or else the general path.  Out of
 * line, so that the fast path stays a leaf. */
static __attribute__((noinline)) unsigned long untimed_other_caller(
	struct hp_buf *b, struct hp_samp *s, uint32_t slot,
	struct hp_site *site, void *guard, void *cfa, void *ret)
{
	uint32_t parent = b->cur;
	struct hp_count_cell *cell = hp_counts_find(&b->counts, parent, slot);

	if (!cell) {
		leave_busy(b);
		return enter_general(site, guard, cfa, ret, 0);
	}
	s->parent = parent;
	s->cell = cell;
	return untimed_enter(b, s, cell, slot, parent);
}

/* The fast path: a leaf without a stack frame that touches only the
 * shadow stack.  Everything unusual (no ring yet, busy, a site not
 * registered yet, shadow full, a frame not below the top, no TSC) goes to
 * enter_general, which checks again from scratch.  The body of both entry
 * points, hp_enter and hp_enter_cfa. */
static inline __attribute__((always_inline)) unsigned long enter_fast(
	struct hp_site *site, void *guard, void *cfa, void *ret)
{
#if defined(__x86_64__) || defined(__i386__)
	struct hp_buf *b = hp_tls_buf;
	unsigned int slot = __atomic_load_n(&site->slot, __ATOMIC_RELAXED);
	struct hp_shadow *sh;
	uint32_t d;

	if (__builtin_expect(b == NULL || b->busy || !slot, 0))
		return enter_general(site, guard, cfa, ret, 0);
	enter_busy(b);
	if (sample_period > 1) {
		/* an untimed call from the parent already cached, or else
		 * the general path (which counts the call itself) */
		uint32_t parent = b->cur;
		struct hp_samp *s = slot < b->samp_cap ? &b->samp[slot] : NULL;

		if (__builtin_expect(s && s->left > 1, 1)) {
			if (__builtin_expect(s->parent != parent, 0))
				return untimed_other_caller(b, s, slot, site,
							    guard, cfa, ret);
			return untimed_enter(b, s, s->cell, slot, parent);
		}
		leave_busy(b);
		return enter_general(site, guard, cfa, ret, 0);
	}
	d = b->depth;
	if (__builtin_expect(d >= b->shadow_cap || !hp_clock_use_tsc ||
			     (d && (uintptr_t)cfa >= b->shadow[d - 1].cfa), 0)) {
		leave_busy(b);
		return enter_general(site, guard, cfa, ret, 0);
	}
	sh = &b->shadow[d];
	if (local_mode) {
		struct hp_lstat *ls = hp_local_have_stat(&b->local, slot);

		if (__builtin_expect(!ls, 0)) { /* its page is made there */
			leave_busy(b);
			return enter_general(site, guard, cfa, ret, 0);
		}
		ls->open++;
		sh->ls = ls;
	}
	sh->cfa = (uintptr_t)cfa;
	sh->ret = (uintptr_t)ret;
	sh->guard = (uintptr_t)guard;
	sh->key = HP_REC_KEY(slot);
	sh->child = 0;
	b->depth = d + 1;
	sh->start = __builtin_ia32_rdtsc(); /* last: the bookkeeping is not the call's */
	leave_busy(b);
	return (unsigned long)d + 1;
#else
	return enter_general(site, guard, cfa, ret, 0);
#endif
}

unsigned long hp_enter(struct hp_site *site, void *guard, void *cfa, void *ret)
{
	return enter_fast(site, guard, cfa, ret);
}

#if defined(__x86_64__) || defined(__i386__)
/* Where a function's return address lies below its CFA on x86: one
 * call-pushed slot (8 bytes on x86-64, x32 included; 4 on i386). */
#if defined(__x86_64__)
#define RET_SLOT 8
#else
#define RET_SLOT 4
#endif

/* The guard's entry on x86 (hotpath.h), given the measured function's
 * own CFA.  The frame identity that earlier guards passed (the CFA less
 * two words: where the frame pointer would point, so that old and new
 * objects compare in one process) and the return address, which sits
 * right below the CFA, are found here rather than passed; the guard's
 * identity (the design note's "very guard still open") is this call's
 * return address, the guard's call site in the measured code, rather
 * than the guard's address.  Fewer arguments and a guard that need not
 * live in memory: less for the compiler to build per measured function.
 * One more blind spot: a guard whose entry the compiler duplicated (a
 * loop unrolled around a block) and that is re-entered through another
 * copy after a longjmp in the same frame nests under its abandoned self
 * until that copy's next entry or the frame's exit resolves it. */
unsigned long hp_enter_cfa(struct hp_site *site, void *cfa)
{
	char *c = cfa;

	return enter_fast(site, __builtin_return_address(0),
			  c - 2 * sizeof(void *), *(void **)(c - RET_SLOT));
}
#endif

/* main's call: pushed like any other (it is the outermost frame) and
 * announced at once; returns its depth, *start gets its start. */
static unsigned long enter_main(struct hp_site *site, uint64_t *start)
{
	struct hp_buf *b = hp_tls_buf;
	unsigned long d;
	uint64_t key;
	uint32_t parent;

	*start = hp_clock_now();
	if (!b && !(b = attach()))
		return NOT_RECORDED;
	if (!b->stack_hi)
		stack_bounds(b);
	if (b->busy || !(key = site_key(b, site)))
		return NOT_RECORDED;
	parent = b->cur;
	if (sample_period > 1) {
		enter_busy(b);
		d = count_call(b, HP_REC_SLOT(key), 1) < 0;
		leave_busy(b);
		if (d)
			return NOT_RECORDED;
	}
	/* main is the outermost frame: nothing can lie above it. */
	d = enter(b, key, 0, UINTPTR_MAX, 0, start, parent);
	if (d == NOT_RECORDED)
		return d;
	/* Announced now: the report finds main open on the worker's stack. */
	enter_busy(b);
	if (!local_mode && b->depth == d &&
	    push_announced(b, (uint32_t)d, NULL, 0)) {
		b->depth = (uint32_t)(d - 1);
		if (b->announced > d - 1)
			b->announced = (uint32_t)(d - 1);
		leave_busy(b);
		count_lost(b);
		return NOT_RECORDED;
	}
	leave_busy(b);
	return d;
}

/* The exit of the call at depth d1 - 1: drops the calls above it if a
 * non-local exit left them; 0 when the call is then the top. */
static inline int exit_pop(struct hp_buf *b, unsigned long d1)
{
	if (__builtin_expect(b->depth != d1, 0)) {
		if (b->depth < d1)
			return -1; /* already dropped as abandoned */
		/* calls above this one were left by a non-local exit */
		if (drop_to(b, (uint32_t)d1)) {
			b->depth = (uint32_t)(d1 - 1);
			if (b->announced > d1 - 1)
				b->announced = (uint32_t)(d1 - 1);
			count_lost(b);
			return -1;
		}
	}
	return 0;
}

/* Pops the top call, at depth d1 - 1, after pushing its record (and
 * announcing its callers) with `tail` (n slots: EXIT or AEXIT) as its
 * exit when it must be announced.  0, or -1 when it was dropped. */
static int exit_push(struct hp_buf *b, uint32_t d1, uint64_t end,
		     const struct hp_rec *tail, unsigned int n)
{
	const struct hp_shadow *sh = &b->shadow[d1 - 1];
	uint64_t dur = end - sh->start;
	struct hp_rec call;
	int err;

	b->cur = sh->parent;
	if (n == 0 && b->announced < d1 &&
	    dur < hp_atomic_load_relaxed(&call_limit) &&
	    d1 - 1 < HP_REC_CALL_DEPTHS) {
		call.first = sh->key | HP_REC_CALL;
		call.second = HP_REC_CALL_WORD(dur, d1 - 1);
		err = push_announced(b, d1 - 1, &call, 1);
	} else {
		struct hp_rec ex[1];

		if (n == 0) {
			ex[0].first = HP_REC_TAG(HP_REC_EXIT, d1 - 1);
			ex[0].second = end;
			tail = ex;
			n = 1;
		}
		err = push_announced(b, d1, tail, n);
	}
	b->depth = d1 - 1;
	if (b->announced > d1 - 1)
		b->announced = d1 - 1;
	return err;
}

/* A call ends in a fork child before the forking thread's first record
 * there (hp_tls_buf NULL): its parent is the innermost call again in the
 * ring the thread keeps, or the child's counts would put its next calls
 * under it.  d1: an untimed frame's depth, or a timed call's. */
static __attribute__((noinline, cold)) void orphan_exit(unsigned long d1)
{
	struct hp_buf *b;

	if (sample_period <= 1 || d1 == NOT_RECORDED ||
	    !(b = hp_session_fork_buf()))
		return;
	if (d1 >= UNTIMED)
		b->cur = (uint32_t)d1;
	else if (d1 <= b->depth)
		b->cur = b->shadow[d1 - 1].parent;
}

/* An untimed call ends: its parent is the innermost call again. */
static inline void untimed_exit(struct hp_buf *b, unsigned long d1)
{
	if (b)
		b->cur = (uint32_t)d1;
	else
		orphan_exit(d1);
}

static __attribute__((noinline)) void exit_general(unsigned long d1,
						   uint64_t end)
{
	struct hp_buf *b = hp_tls_buf;

	if (d1 >= UNTIMED) {
		untimed_exit(b, d1);
		return;
	}
	if (__builtin_expect(b == NULL, 0)) {
		orphan_exit(d1);
		return;
	}
	if (__builtin_expect(d1 == NOT_RECORDED, 0))
		return; /* counted as lost at entry */
	if (__builtin_expect(b->busy, 0)) {
		count_lost(b);
		return;
	}
	enter_busy(b);
	if (exit_pop(b, d1) == 0) {
		if (local_mode)
			local_close(b, (uint32_t)d1, end);
		else if (exit_push(b, (uint32_t)d1, end, NULL, 0))
			count_lost(b);
	}
	leave_busy(b);
}

/* The common case: the top call, its callers announced and itself not
 * (a leaf): one CALL slot, or ENTER + EXIT when CALL will not do. */
static inline __attribute__((always_inline)) void exit_fast(unsigned long d1,
							    uint64_t end)
{
	struct hp_buf *b = hp_tls_buf;
	const struct hp_shadow *sh;
	struct hp_rec *r;
	uint64_t h, dur;

	if (__builtin_expect(d1 == NOT_RECORDED || b == NULL || b->busy, 0)) {
		exit_general(d1, end);
		return;
	}
	if (local_mode) {
		enter_busy(b);
		if (__builtin_expect(b->depth != d1 ||
				     !local_close_fast(b, (uint32_t)d1, end), 0)) {
			leave_busy(b);
			exit_general(d1, end);
			return;
		}
		leave_busy(b);
		return;
	}
	enter_busy(b);
	h = hp_atomic_load_relaxed(&b->head);
	if (__builtin_expect(b->depth != d1 || b->announced != d1 - 1 ||
			     h >= b->limit, 0)) {
		leave_busy(b);
		exit_general(d1, end);
		return;
	}
	sh = &b->shadow[d1 - 1];
	b->cur = sh->parent;
	dur = end - sh->start;
	r = &b->rec[h & HP_BUF_MASK];
	if (__builtin_expect(dur < hp_atomic_load_relaxed(&call_limit) &&
			     d1 - 1 < HP_REC_CALL_DEPTHS, 1)) {
		b->depth = (uint32_t)(d1 - 1);
		r->first = sh->key | HP_REC_CALL;
		r->second = HP_REC_CALL_WORD(dur, d1 - 1);
		hp_atomic_store_release(&b->head, h + 1);
	} else {
		/* tracing, or too long/deep for CALL: ENTER + EXIT */
		if (h + 2 > b->limit) {
			leave_busy(b);
			exit_general(d1, end);
			return;
		}
		b->depth = (uint32_t)(d1 - 1);
		r->first = sh->key;
		r->second = sh->start;
		r = &b->rec[(h + 1) & HP_BUF_MASK];
		r->first = HP_REC_TAG(HP_REC_EXIT, d1 - 1);
		r->second = end;
		hp_atomic_store_release(&b->head, h + 2);
	}
	leave_busy(b);
}

void hp_exit(struct hp_frame *frame, unsigned long long end)
{
	exit_fast(frame->depth, end);
}

/* The guard's cleanup.  The clock is read here rather than inline in the
 * measured function: each measured function then carries two plain calls
 * and nothing else, which keeps instrumented code small and quick to
 * compile (gcc -O2 spent ~2.5 ms per site on the inline version), at the
 * price of the call instruction inside the measured span. */
static __attribute__((noinline)) void leave_timed_slow_clock(unsigned long d1)
{
	exit_fast(d1, hp_clock_now());
}

/* ... with the TSC read inline and the other clock's call (a function
 * call, which would make this one build a stack frame) out of line. */
static __attribute__((noinline)) void leave_timed(unsigned long d1)
{
#if defined(__x86_64__) || defined(__i386__)
	if (__builtin_expect(hp_clock_use_tsc, 1)) {
		exit_fast(d1, __builtin_ia32_rdtsc());
		return;
	}
#endif
	leave_timed_slow_clock(d1);
}

/* Split so that an untimed call's exit (sampling: no clock) is a leaf
 * without a stack frame; a timed one jumps on. */
/* Every exit's dispatch, inlined into both entry points (a call from
 * one to the other costs a call a measured call). */
static inline __attribute__((always_inline)) void leave(unsigned long d1)
{

	if (d1 >= UNTIMED) {
		untimed_exit(hp_tls_buf, d1);
		return;
	}
	leave_timed(d1);
}

void hp_leave(struct hp_frame *frame)
{
	leave(frame->depth);
}

/* A finished call of known length, from the earlier interface: a call at
 * the current depth, without a shadow entry (its callers announced, then
 * a CALL, or an ENTER and an EXIT when it does not fit one). */
void hp_record(struct hp_site *site, unsigned long long ticks)
{
	struct hp_buf *b = hp_tls_buf;
	uint64_t now = hp_clock_now();
	struct hp_rec r[2];
	uint64_t key;
	uint32_t d;

	if (__builtin_expect(b == NULL, 0) && !(b = attach())) {
		hp_buf_count_lost(1);
		return;
	}
	if (b->busy || !(key = site_key(b, site))) {
		count_lost(b);
		return;
	}
	enter_busy(b);
	if (sample_period > 1) { /* counted, timed, and not left open */
		uint32_t parent = b->cur;
		int t = count_call(b, HP_REC_SLOT(key), 1);

		b->cur = parent;
		if (t < 0) {
			leave_busy(b);
			count_lost(b);
			return;
		}
	}
	d = b->depth;
	if (local_mode) {
		struct hp_lstat *ls = hp_local_stat(&b->local, HP_REC_SLOT(key));
		uint32_t parent = d ? HP_REC_SLOT(b->shadow[d - 1].key) : 0;

		if (!ls) {
			leave_busy(b);
			count_lost(b);
			return;
		}
		hp_local_add(&b->local, ls, ticks, ticks, ls->open != 0);
		if (d)
			b->shadow[d - 1].child += ticks;
		if (sample_period == 1)
			local_edge(b, parent, HP_REC_SLOT(key), ticks, ticks);
	} else if (ticks < hp_atomic_load_relaxed(&call_limit) &&
		   d < HP_REC_CALL_DEPTHS) {
		r[0].first = key | HP_REC_CALL;
		r[0].second = HP_REC_CALL_WORD(ticks, d);
		if (push_announced(b, d, r, 1))
			count_lost(b);
	} else {
		r[0].first = key;
		r[0].second = now - ticks;
		r[1].first = HP_REC_TAG(HP_REC_EXIT, d);
		r[1].second = now;
		if (push_announced(b, d, r, 2))
			count_lost(b);
	}
	leave_busy(b);
}

struct hp_frame hp_frame_enter(struct hp_site *site)
{
	struct hp_frame f;

	f.site = site;
	f.depth = hp_enter(site, NULL, __builtin_frame_address(0),
			   __builtin_return_address(0));
	return f;
}

void hp_frame_exit(struct hp_frame *frame)
{
	hp_exit(frame, hp_clock_now());
}

/* The guard's cleanup when the guard is the depth alone (hotpath.h):
 * hp_leave's exit, inlined here too. */
void hp_leave_depth(unsigned long *depth)
{
	leave(*depth);
}

/* The same, given the depth itself (hotpath.h's inline cleanup reads
 * it, so the guard need not live in memory). */
void hp_leave_at(unsigned long depth)
{
	leave(depth);
}

/* The thread is ending (its key destructor) with calls still open: the
 * worker counts the open calls of a dead ring as non-local exits, so it
 * is told about all of them (no worker any more: nothing to do). */
static void thread_end(struct hp_buf *b)
{
	if (!b->busy && local_mode) {
		enter_busy(b);
		local_drop_to(b, 0);
		leave_busy(b);
		return;
	}
	if (b->busy || b->depth <= b->announced)
		return;
	enter_busy(b);
	(void)push_announced(b, b->depth, NULL, 0);
	leave_busy(b);
}

/* The thread's key destructor: its ring is the worker's to drain and
 * free from now on. */
static void thread_gone(void *p)
{
	struct hp_buf *b = p;

	hp_tls_buf = NULL;
	thread_end(b);
	if (hp_settings()->tracing) /* its name by now, for the trace */
		prctl(PR_GET_NAME, b->final_name);
	hp_atomic_store_release(&b->dead, 1);
	if (local_mode)
		hp_buf_wake(); /* the worker sleeps long then: free it now */
}

unsigned int hp_record_sample(unsigned int n)
{
	unsigned int old = sample_period;

	if (n >= 1 && n <= HP_SAMPLE_MAX)
		sample_period = n;
	return old;
}

/* Once per process, after the session has started (settings loaded). */
static void record_init(void)
{
	threads.key_ok = pthread_key_create(&threads.key, thread_gone) == 0;
	hp_atomic_store_relaxed(&call_limit,
				hp_settings()->tracing ? 0 : HP_REC_CALL_TICKS);
	sample_period = hp_settings()->sample;
	local_mode = hp_settings_local(hp_settings(), hp_alloc_linked);
}

/* main's guard (hotpath.h); its exit is the session's (session.c). */
static struct hp_frame main_enter(struct hp_site *site,
				  const char *percentiles, int alloc)
{
	struct hp_frame f;
	uint64_t start;

	if (hp_tls_buf == NULL)
		attach();
	hp_session_main_enter(percentiles, alloc);
	f.site = site;
	f.depth = enter_main(site, &start);
	hp_session_main_started(hp_sites_slot(site), start);
	return f;
}

struct hp_frame hp_main_enter(struct hp_site *site, const char *percentiles)
{
	return main_enter(site, percentiles, 0);
}

struct hp_frame hp_main_alloc_enter(struct hp_site *site, const char *percentiles)
{
	return main_enter(site, percentiles, 1);
}

void hp_alloc_enter(struct hp_alloc_frame *frame, void *guard, void *cfa,
		    void *ret)
{
	if (__builtin_expect(hp_tls_buf == NULL, 0))
		attach(); /* its allocations are not the call's */
	hp_alloc_mark_enter(&frame->mark);
	/* sampling times every allocation frame: its figures need its exit */
	frame->depth = sample_period > 1
		? enter_general(frame->site, guard, cfa, ret, 1)
		: hp_enter(frame->site, guard, cfa, ret);
}

void hp_alloc_exit(struct hp_alloc_frame *frame, unsigned long long end)
{
	struct hp_alloc_delta d;
	struct hp_buf *b = hp_tls_buf;
	unsigned long d1 = frame->depth;
	const uint64_t *fig = (const uint64_t *)(const void *)&d;
	struct hp_rec tail[HP_REC_ALLOC_SLOTS];

	hp_alloc_mark_exit(&frame->mark, &d); /* always: restores the peaks */
	if (d1 >= UNTIMED) {
		untimed_exit(b, d1);
		return;
	}
	if (d1 == NOT_RECORDED || b == NULL)
		return;
	if (!hp_alloc_linked) {
		struct hp_frame f = { frame->site, d1 };

		hp_exit(&f, end);
		return;
	}
	if (b->busy) {
		count_lost(b);
		return;
	}
	tail[0].first = HP_REC_TAG(HP_REC_AEXIT, d1 - 1);
	tail[0].second = end;
	tail[1].first = fig[0];
	tail[1].second = fig[1];
	tail[2].first = fig[2];
	tail[2].second = fig[3];
	enter_busy(b);
	if (exit_pop(b, d1) == 0 &&
	    exit_push(b, (uint32_t)d1, end, tail, HP_REC_ALLOC_SLOTS))
		count_lost(b);
	leave_busy(b);
}
