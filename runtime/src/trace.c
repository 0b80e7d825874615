/* trace.c - see trace.h.  Consumer only. */
#include "trace.h"

#include <stdint.h>
#include <string.h>

#include "alloc.h"

/* Every ring made (newest first: live threads' and finished ones'), the
 * limit, and what could not be kept. */
static struct trace {
	size_t limit;              /* events kept a thread */
	struct hp_trace_ring *all;
	uint64_t unkept;           /* events of threads whose ring could not be had */
} trace;

void hp_trace_set_limit(size_t events)
{
	trace.limit = events;
}

void hp_trace_add(struct hp_trace_ring **ring, long tid, const char *name,
		  uint32_t slot, uint64_t start, uint64_t end)
{
	struct hp_trace_ring *r = *ring;
	struct hp_trace_ev *e;

	if (__builtin_expect(r == NULL, 0)) {
		/* The limit is bounded (settings.h); the size is checked anyway. */
		if (trace.limit == 0 ||
		    trace.limit > (SIZE_MAX - sizeof *r) / sizeof r->ev[0])
			r = NULL;
		else
			r = hp_malloc(sizeof *r + trace.limit * sizeof r->ev[0]);
		if (!r) {
			trace.unkept++;
			return;
		}
		r->next = trace.all;
		r->retired = 0;
		r->tid = tid;
		memcpy(r->name, name, sizeof r->name);
		r->name[sizeof r->name - 1] = '\0';
		r->cap = trace.limit;
		r->n = r->head = 0;
		r->dropped = 0;
		trace.all = r;
		*ring = r;
	}
	if (r->n == r->cap)
		r->dropped++;
	else
		r->n++;
	e = &r->ev[r->head];
	e->slot = slot;
	e->start = start;
	e->end = end;
	if (++r->head == r->cap)
		r->head = 0;
}

void hp_trace_retire(struct hp_trace_ring *ring, const char *final_name)
{
	if (!ring)
		return;
	ring->retired = 1;
	if (final_name[0]) {
		memcpy(ring->name, final_name, sizeof ring->name);
		ring->name[sizeof ring->name - 1] = '\0';
	}
}

void hp_trace_each(void (*f)(const struct hp_trace_ring *r, void *arg),
		   void *arg)
{
	struct hp_trace_ring *r;

	for (r = trace.all; r; r = r->next)
		f(r, arg);
}

uint64_t hp_trace_dropped(void)
{
	const struct hp_trace_ring *r;
	uint64_t n = trace.unkept;

	for (r = trace.all; r; r = r->next)
		n += r->dropped;
	return n;
}

void hp_trace_reset(void)
{
	struct hp_trace_ring **p = &trace.all, *r;

	while ((r = *p)) {
		if (r->retired) {
			*p = r->next; /* its thread is not in the child */
			hp_free(r);
			continue;
		}
		r->n = r->head = 0;
		r->dropped = 0;
		p = &r->next;
	}
	trace.unkept = 0;
}
