/* trace.c - see trace.h.  Consumer only. */
#include "trace.h"

#include <stdint.h>

#include "alloc.h"
#include "buf.h"

/* The limit, the traces of threads whose ring is gone, and what could
 * not be kept. */
static struct trace {
	size_t limit; /* events kept a thread */
	struct hp_trace_ring *finished;
	uint64_t unkept; /* events of threads whose ring could not be had */
} trace;

void hp_trace_set_limit(size_t events)
{
	trace.limit = events;
}

void hp_trace_add(struct hp_buf *b, uint32_t slot, uint64_t start,
		  uint64_t end)
{
	struct hp_trace_ring *r = b->trace;
	struct hp_trace_ev *e;

	if (__builtin_expect(r == NULL, 0)) {
		/* The limit is bounded (settings.h); the size is checked anyway. */
		if (trace.limit > (SIZE_MAX - sizeof *r) / sizeof r->ev[0])
			r = NULL;
		else
			r = hp_malloc(sizeof *r + trace.limit * sizeof r->ev[0]);
		if (!r) {
			trace.unkept++;
			return;
		}
		r->next = NULL;
		r->tid = b->tid;
		r->cap = trace.limit;
		r->n = r->head = 0;
		r->dropped = 0;
		b->trace = r;
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

void hp_trace_retire(struct hp_buf *b)
{
	if (!b->trace)
		return;
	b->trace->next = trace.finished;
	trace.finished = b->trace;
	b->trace = NULL;
}

void hp_trace_each(void (*f)(const struct hp_trace_ring *r, void *arg),
		   void *arg)
{
	struct hp_trace_ring *r;
	struct hp_buf *b;

	for (b = hp_buf_first(); b; b = b->next)
		if (b->trace)
			f(b->trace, arg);
	for (r = trace.finished; r; r = r->next)
		f(r, arg);
}

static void add_dropped(const struct hp_trace_ring *r, void *arg)
{
	*(uint64_t *)arg += r->dropped;
}

uint64_t hp_trace_dropped(void)
{
	uint64_t n = trace.unkept;

	hp_trace_each(add_dropped, &n);
	return n;
}

static void clear(const struct hp_trace_ring *r, void *arg)
{
	struct hp_trace_ring *w = (struct hp_trace_ring *)r;

	(void)arg;
	w->n = w->head = 0;
	w->dropped = 0;
}

void hp_trace_reset(void)
{
	struct hp_trace_ring *r, *next;

	hp_trace_each(clear, NULL);
	for (r = trace.finished; r; r = next) {
		next = r->next;
		hp_free(r);
	}
	trace.finished = NULL;
	trace.unkept = 0;
}
