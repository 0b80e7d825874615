/* worker.h - the background thread that drains every ring and owns the
 * statistics.
 *
 * DESIGN.  One worker per process.  It walks the registry of rings,
 * consumes each ring's records in one batch (acquire head, release tail),
 * and folds them into per-site statistics.  Records name sites by slot
 * (sites.h: the writer registered the site at its first call), so the hot
 * loop does no hashing and never touches a module's memory; statistics
 * are an array indexed by slot, grown when a new slot shows up.
 *
 * Sleeping: when a whole pass finds little, the worker sleeps on the
 * registry's doorbell (buf.h, a futex) for at most 1 ms.  A writer whose
 * ring is half full rings it; because the worker reads the bell before its
 * pass and futex_wait compares it, a wake-up between the pass and the
 * sleep is never missed.  The worker is the registry's consumer while it
 * runs (hp_buf_set_consumer): writers wait for room only then.
 *
 * Events (buf.h): the worker replays each ring's ENTER/EXIT/DROP events
 * into that ring's stack of open calls (struct hp_open, consumer-side
 * fields of the ring, grown with hp_realloc: no depth limit).  The writer
 * sends a call's ENTER only once the call has a finished callee (or must
 * be exited with an EXIT anyway), so this stack holds the thread's open
 * calls that matter here, which always include the callers of the call
 * being recorded.  An exit gives the call's total (end - start) and self
 * time (total minus the totals of its finished measured callees, summed
 * into the open parent as they finish), so self time is exact under
 * nesting and recursion and the self times of all calls add up to the
 * time of the outermost ones.  A CALL record is a whole call that had no
 * finished callee: its total is its duration and its self time too, its
 * parent is the top of the stack, and it is folded in exactly as its
 * ENTER and EXIT would have been.  Each finished call also feeds its
 * caller->callee edge, its call-path node (callgraph.h) and, when
 * tracing (then the writers send no CALL), its thread's trace ring
 * (trace.h).  DROP, and an exit that finds calls above its own, discard
 * the abandoned calls (the writer announces any it had not before the
 * DROP): they count as non-local exits, not as calls, and their finished
 * callees' time is credited to their caller, so their own time stays in
 * the caller's self time and nothing is counted twice.  Calls still open
 * when a thread's ring is freed count the same way.
 *
 * Recursion: each ring also counts, per slot, its open calls (`active`,
 * grown with the slots it sees).  A finished call whose site has another
 * call open below it on the same thread is recursive: its time is inside
 * that outer call's already, so it goes to the site's `nested` instead of
 * its total (it stays a call in the histogram: avg and percentiles are
 * per call).  One load per record, no search of the stack, and nothing
 * on the writers' side.
 *
 * The end (hp_worker_close_all): calls still open when the report is
 * made end then and count as `unfinished`.  The worker sees a thread's
 * open calls only as far as they were announced; the reporting thread's
 * own are all known, because that thread may read its own shadow stack
 * (it is not inside a writer operation then), and so are those of a
 * thread whose signal handler asked for the report (Ctrl-C): it waits,
 * parked in the handler, until the report is written.  Other threads keep running
 * and their shadow stacks are theirs (remapped as they grow), so only
 * their announced calls are closed.
 *
 * Allocation records (buf.h) add the call's time as usual and, per site,
 * four more histograms of per-call values (bytes and counts, not ticks):
 * their exact totals are the sums over calls and their exact maxima the
 * largest per-call peaks.  Each open call also sums what its finished
 * callees allocated (a callee without figures passes its own callees'
 * on), so the site's self figures are exact and add up to what measured
 * code allocated.  They are allocated on the first allocation
 * record of the site, and their octave chunks lazily like any histogram,
 * so a site without allocation data costs one NULL pointer.
 *
 * Sampling (HOTPATH_SAMPLE > 1, record.c): writers send only their timed
 * calls, each nested under its nearest timed ancestor, so the statistics
 * here are those of the timed calls.  Every call is also counted by its
 * thread, per (parent slot, slot), in a table of the thread's own
 * (counts.h, in its ring's struct); the consumer reads those tables
 * without a lock (hp_worker_counts_each) and, when it frees a dead ring,
 * adds its counts to a table of its own first, so counts outlive their
 * threads.  A fork child zeroes them all with the statistics.  gather.c
 * turns counts and timed statistics into the report's estimates.
 *
 * Writer-side statistics (local.h, when the formats need no order of
 * calls and allocations are not measured): the writers send nothing and
 * keep per-site statistics and edges (with ticks) in tables of their own.
 * The worker then only folds the tables of ended threads into its own
 * statistics and counts before it frees their rings; a report or
 * snapshot adds the live threads' tables to those (hp_worker_view, and
 * the counts through hp_worker_counts_each).  At the report, the calls
 * still open on the reporting thread are read from its shadow stack and
 * closed into the worker's statistics; other threads' open calls are not
 * counted.
 *
 * hp_worker_stop() clears the consumer (writers then drop rather than wait),
 * joins the thread, and hands ownership of the statistics to the caller,
 * which must then drain with hp_worker_drain_all() itself.
 */
#ifndef HP_WORKER_H
#define HP_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "hist.h"

struct hp_alloc_delta;
struct hp_buf;
struct hp_count_fig;
struct hp_settings;

/* Index of the allocation metrics: the order of struct hp_alloc_delta. */
#define HP_ALLOC_BYTES_TOTAL 0
#define HP_ALLOC_BYTES_MAX 1
#define HP_ALLOC_COUNT_TOTAL 2
#define HP_ALLOC_COUNT_MAX 3
#define HP_ALLOC_METRICS 4

struct hp_alloc_stat {
	struct hp_hist metric[HP_ALLOC_METRICS]; /* per-call values */
	/* The -total metrics only (bytes and count): */
	uint64_t self[HP_ALLOC_METRICS];   /* minus finished callees' figures */
	uint64_t nested[HP_ALLOC_METRICS]; /* of recursive calls */
};

struct hp_stat {
	struct hp_hist hist;  /* in clock ticks, every call */
	uint64_t self;        /* ticks, summed over calls */
	uint64_t nested;      /* ticks of recursive calls (made while a call
				 of the same site was open on the thread):
				 in hist, not in the site's total */
	uint64_t unfinished;  /* calls still open at the report, closed there */
	struct hp_alloc_stat *alloc; /* NULL until an allocation record */
};

/* Starts the worker, keeping what the settings' formats need. */
int hp_worker_start(const struct hp_settings *set);
/* HOTPATH_INTERVAL: the worker calls tick every interval_ms (0: never),
 * between passes and without its lock held (tick takes it to gather a
 * snapshot: session.c).  The layer above hands it down, so the worker
 * calls nothing above itself by name.  Set before hp_worker_start. */
void hp_worker_set_tick(void (*tick)(void), unsigned long interval_ms);
void hp_worker_stop(void);
int hp_worker_running(void);
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
/* Adds one call directly, without a caller (consumer only). */
void hp_worker_add(uint32_t slot, uint64_t ticks);
/* The report, after hp_worker_stop and a drain: closes every call still
 * open at `now`, on every ring, and counts it (`unfinished`, except main's
 * call when main has returned): those of `mine` (the reporting thread's
 * own ring, or that of the thread parked in the signal handler that asked
 * for the report; or NULL) including the ones it never announced, read
 * from its shadow stack (`mine_here`: a frame address of that thread's,
 * now); other threads' only as far as they were announced (a running
 * thread's shadow stack is its own).  Calls that began after
 * `now` are discarded.  main's call (site main_slot, 0 = none) gets the
 * allocation figures d if not NULL; if it is on no stack, a call of
 * `ticks` is added instead. */
void hp_worker_close_all(struct hp_buf *mine, uintptr_t mine_here,
			 uint32_t main_slot, int main_returned, uint64_t now,
			 uint64_t ticks,
			 const struct hp_alloc_delta *d);
/* Calls left by a non-local exit (longjmp), and exits that matched no
 * open call. */
uint64_t hp_worker_nonlocal(void);
/* Whether the worker keeps the call-path tree (folded, html, json). */
int hp_worker_tree_on(void);

/* Sampling (HOTPATH_SAMPLE > 1): every (parent slot, slot, calls) of the
 * exact counts (counts.h), of live and ended threads; a pair may come
 * more than once (once per thread).  Consumer only. */
void hp_worker_counts_each(void (*fn)(const struct hp_count_fig *f, void *arg),
			   void *arg);
/* Calls whose count found no memory when their thread ended. */
uint64_t hp_worker_counts_lost(void);

/* Whether the writers keep the statistics (local.h): decided at start. */
int hp_worker_local(void);
/* Every slot's statistics as a report shows them (by slot - 1, *count
 * of them), pass lock held: the worker's own, or with writer-side
 * statistics a copy with every live thread's tables added; give it back
 * to hp_worker_view_free.  NULL without memory. */
struct hp_stat *hp_worker_view(size_t *count);
void hp_worker_view_free(struct hp_stat *v, size_t count);

/* Statistics of slots 1 .. hp_stats_count() (consumer only). */
size_t hp_stats_count(void);
struct hp_stat *hp_stats_get(size_t i); /* slot i + 1 */

#endif
