/* worker.h - the background thread that drains every ring and owns the
 * statistics.
 *
 * DESIGN.  One worker per process.  It walks the registry of rings,
 * consumes each ring's records in one batch (acquire head, release tail),
 * and folds them into per-site statistics.  The statistics slot of a site
 * is cached in the site's runtime-owned `slot` field, which only the
 * consumer reads or writes, so the hot loop does no hashing; a site seen
 * for the first time is looked up by (name, file, line, kind) in a hash
 * table so that copies of one source site (a measured static function in a
 * header included by several files) share one row.
 *
 * Sleeping: when a whole pass finds nothing, the worker sleeps on a futex
 * for at most 1 ms.  A writer whose ring is full bumps `wake_seq` and wakes
 * it; because the worker reads wake_seq before its pass and futex_wait
 * compares it, a wake-up between the pass and the sleep is never missed.
 *
 * Allocation records (buf.h) add the call's time as usual and, per site,
 * four more histograms of per-call values (bytes and counts, not ticks):
 * their exact totals are the sums over calls and their exact maxima the
 * largest per-call peaks.  They are allocated on the first allocation
 * record of the site, and their octave chunks lazily like any histogram,
 * so a site without allocation data costs one NULL pointer.
 *
 * hp_worker_stop() clears `running` (writers then drop rather than wait),
 * joins the thread, and hands ownership of the statistics to the caller,
 * which must then drain with hp_worker_drain_all() itself.
 */
#ifndef HP_WORKER_H
#define HP_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "hist.h"

struct hp_site;
struct hp_alloc_delta;

/* Index of the allocation metrics: the order of struct hp_alloc_delta. */
#define HP_ALLOC_BYTES_TOTAL 0
#define HP_ALLOC_BYTES_MAX 1
#define HP_ALLOC_COUNT_TOTAL 2
#define HP_ALLOC_COUNT_MAX 3
#define HP_ALLOC_METRICS 4

struct hp_alloc_stat {
	struct hp_hist metric[HP_ALLOC_METRICS]; /* per-call values */
};

struct hp_stat {
	struct hp_site *site; /* first site seen with this identity */
	struct hp_hist hist;  /* in clock ticks */
	struct hp_alloc_stat *alloc; /* NULL until an allocation record */
};

int hp_worker_start(void);
void hp_worker_stop(void);
int hp_worker_running(void);
void hp_worker_wake(void);
/* Fork child: there is no worker thread any more. */
void hp_worker_forget(void);
/* The worker's pass lock: whoever holds it may read or reset the
 * statistics while the worker runs (fork handlers, the reporter). */
void hp_worker_lock(void);
void hp_worker_unlock(void);
/* Fork child, worker not running, pass lock held: every aggregate back to
 * zero (rows then have 0 calls, and the report leaves them out). */
void hp_worker_reset_stats(void);
/* Drains every ring once; returns the number of records consumed.
 * Consumer only: the worker, or the caller after hp_worker_stop(). */
uint64_t hp_worker_drain_all(void);
/* Adds one record directly (consumer only). */
void hp_worker_add(struct hp_site *site, uint64_t ticks);
void hp_worker_add_alloc(struct hp_site *site, uint64_t ticks,
			 const struct hp_alloc_delta *d);

size_t hp_stats_count(void);
struct hp_stat *hp_stats_get(size_t i);

#endif
