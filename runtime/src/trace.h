/* trace.h - the most recent calls of each thread, for HOTPATH_FORMAT=trace
 * (Chrome trace event JSON).
 *
 * DESIGN.  Only the worker writes here: it already sees every call's
 * start and end in the event stream, so tracing costs the measured
 * program nothing; when `trace` is not requested (or its limit is 0)
 * the worker skips this module with one branch.  Each thread's ring keeps
 * its last HOTPATH_TRACE_LIMIT finished calls (settings.h: default
 * 100,000, at most 100,000,000; 24 bytes each, allocated on the thread's
 * first finished call, the size checked for overflow) and counts the
 * older ones it overwrote as dropped.  Calls finish callee first, so a
 * kept call's callers finish later and are kept too (unless they never
 * finish): the kept events nest.  The module keeps every ring it made in
 * one list; the record ring of each thread (buf.h) points at its own, and
 * when that ring is freed its trace stays in the list, retired.
 */
#ifndef HP_TRACE_H
#define HP_TRACE_H

#include <stddef.h>
#include <stdint.h>

struct hp_trace_ev {
	uint64_t slot; /* the site's (sites.h) */
	uint64_t start, end; /* ticks */
};

struct hp_trace_ring {
	struct hp_trace_ring *next; /* every ring, newest first */
	int retired;                /* its thread is gone */
	long tid;
	char name[16];              /* its thread's name, "" = unknown */
	size_t cap, n, head; /* events kept; next write at head */
	uint64_t dropped;
	struct hp_trace_ev ev[];
};

/* Events kept per thread (> 0).  Set before the worker starts. */
void hp_trace_set_limit(size_t events);

/* A finished call of thread tid (named `name`, 16 bytes as prctl gives
 * them), into the thread's ring *ring (made on its first call, at the
 * limit's size). */
void hp_trace_add(struct hp_trace_ring **ring, long tid, const char *name,
		  uint32_t slot, uint64_t start, uint64_t end);
/* The ring's thread is gone (its record ring is being freed): its events
 * stay, under the name it had at its end (when known).  NULL is fine. */
void hp_trace_retire(struct hp_trace_ring *ring, const char *final_name);
/* Calls f on every thread's ring, live and finished. */
void hp_trace_each(void (*f)(const struct hp_trace_ring *r, void *arg),
		   void *arg);
/* Events that could not be kept (overwritten, or no memory). */
uint64_t hp_trace_dropped(void);
/* Fork child: forget every event kept so far. */
void hp_trace_reset(void);

#endif
