/* alloc_count.h - per-thread allocation counters, shared by the allocator
 * interposer (runtime/alloc/interpose.c, libhotpath_alloc.a, linked only
 * with `hpcc --alloc`) and the frame code (record.c, session.c).  The
 * counters are defined in the core runtime (alloc_count.c) so that frame
 * code links whether or not the interposer is there; without it they stay
 * zero and hp_alloc_linked stays 0.
 *
 * The interposer is the only writer of a thread's counters and it writes
 * them from that thread only, so plain (non-atomic) thread-local fields are
 * enough.  A measured call takes a mark at entry (struct hp_alloc_mark, in
 * hotpath.h, kept in the caller's frame) and turns it into four figures at
 * exit:
 *
 *   bytes_total  bytes requested during the call (malloc(100) counts 100)
 *   count_total  allocations during the call
 *   bytes_max    peak of (live bytes - live bytes at entry) during the call
 *   count_max    the same peak for the number of live blocks
 *
 * "Live" is per thread: an allocation adds to the allocating thread, a free
 * subtracts from the freeing thread, so frees of memory allocated before the
 * call (or on another thread) lower the running value, and the peak is never
 * below 0 because the value at entry is itself a candidate.  Summed over all
 * threads the live figures are exact, whatever thread frees what.  Nested
 * calls work through `peak_*`: the running maximum since the innermost open
 * mark; entering saves it and restarts it, leaving folds it back into the
 * saved one, so every level sees the true peak of its own span.
 */
#ifndef HP_ALLOC_COUNT_H
#define HP_ALLOC_COUNT_H

#include <stdint.h>

#include "hotpath.h"

struct hp_alloc_thread {
	uint64_t bytes_total;
	uint64_t count_total;
	int64_t live_bytes;
	int64_t live_count;
	int64_t peak_bytes; /* max live_bytes since the innermost open mark */
	int64_t peak_count;
};

/* The four figures of one call, in the order of HP_ALLOC_* (report.h). */
struct hp_alloc_delta {
	uint64_t bytes_total;
	uint64_t bytes_max;
	uint64_t count_total;
	uint64_t count_max;
};

/* Shared with the interposer, which is a module of its own
 * (libhotpath_alloc.so.1) in a dynamic link: exported under the runtime's
 * hotpath_* names.  Initial-exec is fine for 48 bytes: glibc's static TLS
 * surplus holds them even when a dlopen()ed plugin brings the runtime. */
extern __thread struct hp_alloc_thread hp_alloc_tls HP_SYM_("hotpath_alloc_tls")
	__attribute__((tls_model("initial-exec"), visibility("default")));

/* Nonzero when the interposer's malloc is the process's malloc. */
extern int hp_alloc_linked HP_SYM_("hotpath_alloc_linked")
	__attribute__((visibility("default")));

static inline void hp_alloc_mark_enter(struct hp_alloc_mark *m)
{
	struct hp_alloc_thread *t = &hp_alloc_tls;

	m->bytes_total = t->bytes_total;
	m->count_total = t->count_total;
	m->live_bytes = t->live_bytes;
	m->live_count = t->live_count;
	m->saved_peak_bytes = t->peak_bytes;
	m->saved_peak_count = t->peak_count;
	t->peak_bytes = t->live_bytes;
	t->peak_count = t->live_count;
}

static inline void hp_alloc_mark_exit(const struct hp_alloc_mark *m,
				      struct hp_alloc_delta *d)
{
	struct hp_alloc_thread *t = &hp_alloc_tls;

	d->bytes_total = t->bytes_total - m->bytes_total;
	d->count_total = t->count_total - m->count_total;
	d->bytes_max = (uint64_t)(t->peak_bytes - m->live_bytes);
	d->count_max = (uint64_t)(t->peak_count - m->live_count);
	/* the enclosing span's peak includes ours */
	if (m->saved_peak_bytes > t->peak_bytes)
		t->peak_bytes = m->saved_peak_bytes;
	if (m->saved_peak_count > t->peak_count)
		t->peak_count = m->saved_peak_count;
}

#endif
