/* worker.c - see worker.h for the design. */
#include "worker.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "alloc_count.h"
#include "atomic.h"
#include "buf.h"
#include "callgraph.h"
#include "hotpath.h"
#include "clock.h"
#include "settings.h"
#include "sites.h"
#include "trace.h"

/* The worker's longest sleep when the writers keep the statistics. */
#define LOCAL_IDLE_NS 100000000L

/* The worker: all of this file's state. */
static struct worker {
	pthread_t thread;      /* runs while the registry has a consumer (buf.h) */
	_Atomic int stopping;
	/* Held by the worker for each pass, and by fork() across the fork
	 * (session.c's atfork handlers): a child never inherits the
	 * statistics half-updated. */
	pthread_mutex_t pass_lock;
	int tree_on;           /* keep the call-path tree (folded, html, json) */
	int trace_on;          /* keep recent calls (trace.h) */
	int local;             /* the writers keep the statistics (local.h) */
	unsigned int sample;   /* HOTPATH_SAMPLE */
	uint64_t nonlocal;     /* calls left by a non-local exit */
	struct hp_stat *stats; /* by slot - 1 */
	size_t nstats, stats_cap;
	void (*tick)(void);    /* HOTPATH_INTERVAL's snapshot, or NULL */
	uint64_t tick_ns;      /* its interval */
	/* Sampling: the exact counts of the threads whose rings were freed
	 * (the live ones are read from their rings: hp_worker_counts_each) */
	struct hp_counts counts;
	uint64_t counts_lost;  /* counts that found no memory here */
} worker = { .pass_lock = PTHREAD_MUTEX_INITIALIZER };

/* The statistics of a slot (sites.h), made on its first record; NULL
 * when out of memory. */
static struct hp_stat *stat_of(uint32_t slot)
{
	if (__builtin_expect(slot == 0, 0))
		return NULL;
	if (__builtin_expect(slot > worker.nstats, 0)) {
		if (slot > worker.stats_cap) {
			size_t cap = worker.stats_cap ? worker.stats_cap : 64;
			struct hp_stat *s;

			while (cap < slot)
				cap *= 2;
			s = hp_realloc(worker.stats, cap * sizeof *s);
			if (!s)
				return NULL;
			worker.stats = s;
			worker.stats_cap = cap;
		}
		for (; worker.nstats < slot; worker.nstats++) {
			struct hp_stat *n = &worker.stats[worker.nstats];

			n->self = n->nested = n->unfinished = 0;
			hp_hist_init(&n->hist);
			n->alloc = NULL;
		}
	}
	return &worker.stats[slot - 1];
}

/* Returns the slot's stats, or NULL (counted as lost).  A nested
 * (recursive) call is in the histogram like any call, and its time is
 * kept apart so that the site's total counts it once. */
static inline struct hp_stat *add(uint32_t slot, uint64_t ticks, uint64_t self,
				  int nested)
{
	struct hp_stat *s = stat_of(slot);

	if (!s) {
		hp_buf_count_lost(1);
		return NULL;
	}
	hp_hist_record(&s->hist, ticks);
	s->self += self;
	if (__builtin_expect(nested, 0))
		s->nested += ticks;
	return s;
}

static uint64_t minus(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* A call's figures; child_bytes and child_count are its finished
 * callees' (their sum over calls is the allocation in measured code). */
static void add_alloc_figures(struct hp_stat *s, const uint64_t *fig,
			      uint64_t child_bytes, uint64_t child_count,
			      int nested)
{
	int m;

	if (__builtin_expect(s->alloc == NULL, 0)) {
		s->alloc = hp_calloc(1, sizeof *s->alloc);
		if (!s->alloc)
			return; /* the time is in; these figures are not */
		for (m = 0; m < HP_ALLOC_METRICS; m++)
			hp_hist_init(&s->alloc->metric[m]);
	}
	for (m = 0; m < HP_ALLOC_METRICS; m++)
		hp_hist_record(&s->alloc->metric[m], fig[m]);
	s->alloc->self[HP_ALLOC_BYTES_TOTAL] += minus(fig[HP_ALLOC_BYTES_TOTAL], child_bytes);
	s->alloc->self[HP_ALLOC_COUNT_TOTAL] += minus(fig[HP_ALLOC_COUNT_TOTAL], child_count);
	if (nested) {
		s->alloc->nested[HP_ALLOC_BYTES_TOTAL] += fig[HP_ALLOC_BYTES_TOTAL];
		s->alloc->nested[HP_ALLOC_COUNT_TOTAL] += fig[HP_ALLOC_COUNT_TOTAL];
	}
}

void hp_worker_add(uint32_t slot, uint64_t ticks)
{
	add(slot, ticks, ticks, 0);
}

/* ---- replaying a ring's events ---- */

/* Is a call of `slot` open on b's stack?  Then a call of it now is
 * recursive.  One load: the worker keeps a count per slot of its open
 * calls rather than searching the stack. */
static inline int is_open(const struct hp_buf *b, uint32_t slot)
{
	return __builtin_expect(slot < b->active_cap, 1) && b->active[slot] != 0;
}

/* The count of b's open calls of `slot`, with room made; NULL when out
 * of memory. */
static uint32_t *active_of(struct hp_buf *b, uint32_t slot)
{
	if (__builtin_expect(slot >= b->active_cap, 0)) {
		size_t cap = b->active_cap ? b->active_cap : 64;
		uint32_t *a;

		while (cap <= slot)
			cap *= 2;
		a = hp_realloc(b->active, cap * sizeof *a);
		if (!a)
			return NULL;
		memset(a + b->active_cap, 0, (cap - b->active_cap) * sizeof *a);
		b->active = a;
		b->active_cap = cap;
	}
	return &b->active[slot];
}

static void open_call(struct hp_buf *b, uint32_t slot, uint64_t start)
{
	struct hp_open *o;
	uint32_t parent, *active = active_of(b, slot);

	if (!active)
		return; /* its exit will find no call: counted as lost */
	if (b->nopen == b->open_cap) {
		size_t cap = b->open_cap ? b->open_cap * 2 : 256;

		o = hp_realloc(b->open, cap * sizeof *o);
		if (!o)
			return; /* its exit will find no call: counted as lost */
		b->open = o;
		b->open_cap = cap;
	}
	parent = b->nopen ? b->open[b->nopen - 1].node : 0;
	o = &b->open[b->nopen++];
	o->slot = slot;
	o->start = start;
	o->child = 0;
	o->child_bytes = o->child_count = 0;
	o->node = worker.tree_on ? hp_cg_child(parent, slot) : 0;
	++*active;
}

/* A finished (or discarded) call o passes what its finished callees
 * allocated on to its caller p when it has no figures of its own. */
static inline void credit_alloc(struct hp_open *p, const struct hp_open *o,
				const uint64_t *fig)
{
	p->child_bytes += fig ? fig[HP_ALLOC_BYTES_TOTAL] : o->child_bytes;
	p->child_count += fig ? fig[HP_ALLOC_COUNT_TOTAL] : o->child_count;
}

/* Discards the calls open above depth d.  Their finished callees' time is
 * credited to the caller below them. */
static void abandon_to(struct hp_buf *b, size_t d, int count)
{
	while (b->nopen > d) {
		const struct hp_open *o = &b->open[--b->nopen];

		b->active[o->slot]--;
		if (b->nopen) {
			b->open[b->nopen - 1].child += o->child;
			credit_alloc(&b->open[b->nopen - 1], o, NULL);
		}
		if (count)
			worker.nonlocal++;
	}
}

/* A whole call at depth d that had no finished measured callee (CALL):
 * what an ENTER and an EXIT would have done, without the open entry. */
static void whole_call(struct hp_buf *b, uint32_t slot, size_t d,
		       uint64_t total)
{
	uint32_t node = 0;

	if (b->nopen > d)
		abandon_to(b, d, 1);
	if (b->nopen != d) {
		hp_buf_count_lost(1); /* its caller's entry was never seen */
		return;
	}
	add(slot, total, total, is_open(b, slot));
	if (b->nopen) {
		struct hp_open *p = &b->open[b->nopen - 1];

		p->child += total;
		hp_cg_edge_add(p->slot, slot, total, total);
		node = p->node;
	}
	if (worker.tree_on)
		hp_cg_node_add(hp_cg_child(node, slot), total, total);
	/* Tracing: the writers send no CALL (a call's start is not in it). */
}

/* Returns the call's statistics, or NULL. */
static struct hp_stat *close_call(struct hp_buf *b, size_t d, uint64_t end,
				  const uint64_t *fig)
{
	struct hp_open *o;
	struct hp_stat *s;
	uint64_t total, self;
	int nested;

	if (b->nopen > d + 1)
		abandon_to(b, d + 1, 1);
	if (b->nopen != d + 1) {
		hp_buf_count_lost(1); /* its entry was never seen */
		return NULL;
	}
	o = &b->open[--b->nopen];
	nested = --b->active[o->slot] != 0; /* another of its calls below? */
	total = hp_call_total(o->start, end);
	self = hp_call_self(total, o->child);
	s = add(o->slot, total, self, nested);
	if (s && fig)
		add_alloc_figures(s, fig, o->child_bytes, o->child_count, nested);
	if (b->nopen) {
		struct hp_open *p = &b->open[b->nopen - 1];

		p->child += hp_call_credit(total, o->child);
		credit_alloc(p, o, fig);
		hp_cg_edge_add(p->slot, o->slot, total, self);
	}
	hp_cg_node_add(o->node, total, self);
	if (worker.trace_on)
		hp_trace_add(&b->trace, b->tid, b->name, o->slot, o->start,
			     o->start + total);
	return s;
}

/* A thread's calls that the worker was never told about (its shadow
 * stack above `announced`, buf.h), opened as their ENTERs would have
 * opened them.  The thread is the reporting one, or one parked in the
 * signal handler that asked for the report (session.c); either way it is
 * not in a writer operation (busy clear), so its writer-private fields
 * hold still.  As the record path does (record.c), an entry whose frame
 * is not above `here` (a frame of that thread's, now) was left by a
 * longjmp: it and the calls above it are discarded, as a DROP would. */
static void open_unannounced(struct hp_buf *b, uintptr_t here)
{
	uint32_t k = b->depth, i;

	if (b->busy || b->nopen != b->announced || b->announced > b->depth)
		return; /* in a writer operation, or out of step: leave it */
	if (b->stack_lo <= here && here < b->stack_hi)
		for (k = 0; k < b->depth && b->shadow[k].cfa > here; k++)
			;
	if (k < b->nopen)
		abandon_to(b, k, 1);
	for (i = (uint32_t)b->nopen; i < k; i++)
		open_call(b, HP_REC_SLOT(b->shadow[i].key), b->shadow[i].start);
}

/* ---- the end, with writer-side statistics (local.h) ---- */

/* A call closed at the report: a call of the worker's own statistics
 * (the thread's tables are left as they are), with its edge. */
static struct hp_stat *local_closed(uint32_t parent, uint32_t slot,
				    uint64_t total, uint64_t self, int nested)
{
	struct hp_stat *s = add(slot, total, self, nested);
	struct hp_count_fig f = { parent, slot, 1, total, self };

	/* with sampling, its count is in already (record.c counts at entry) */
	if (s && worker.sample <= 1 && hp_counts_add(&worker.counts, &f))
		worker.counts_lost++;
	return s;
}

/* The ticks of main's finished callees, from the edges out of main (its
 * self time when its own shadow entry is another running thread's). */
struct main_child {
	uint32_t main_slot;
	double ticks;
};

/* A site's mean ticks per timed call, all threads (sampling). */
static double mean_ticks(uint32_t slot)
{
	double total = 0, calls = 0;
	struct hp_buf *b;

	if (slot >= 1 && slot <= worker.nstats) {
		total = (double)worker.stats[slot - 1].hist.total;
		calls = (double)worker.stats[slot - 1].hist.count;
	}
	for (b = hp_buf_first(); b; b = b->next) {
		struct hp_lstat *l = hp_local_peek(&b->local, slot);

		if (l) {
			total += (double)hp_atomic_load_relaxed(&l->total);
			calls += (double)hp_atomic_load_relaxed(&l->calls);
		}
	}
	return calls > 0 ? total / calls : 0;
}

static void add_main_child(const struct hp_count_fig *f, void *arg)
{
	struct main_child *m = arg;

	if (f->parent != m->main_slot || f->slot == m->main_slot)
		return;
	m->ticks += worker.sample <= 1 ? (double)f->total
				       : (double)f->n * mean_ticks(f->slot);
}

/* hp_worker_close_all with writer-side statistics.  The calls still
 * open on `mine` are read from its shadow stack (it is not in a writer
 * operation, so it holds still) and closed into the worker's own
 * statistics; other threads' shadow stacks are theirs, so their open
 * calls are not counted (their time so far is in no row).  Recursion is
 * told by the thread's open counts, which the closed calls take down. */
static void close_all_local(struct hp_buf *mine, uintptr_t here,
			    uint32_t main_slot, int main_returned,
			    uint64_t now, uint64_t ticks)
{
	int main_done = 0;

	if (mine && !mine->busy)
		hp_local_settle(&mine->local);
	if (mine && !mine->busy && mine->depth) {
		struct hp_shadow *sh = mine->shadow;
		uint32_t k = mine->depth, j;
		int count = 1;

		if (main_returned && main_slot) {
			/* after main's return what is above it was abandoned
			 * and is discarded, as it always was */
			for (j = 0; j < mine->depth; j++)
				if (HP_REC_SLOT(sh[j].key) == main_slot) {
					k = j + 1;
					count = 0;
					break;
				}
		} else if (mine->stack_lo <= here && here < mine->stack_hi) {
			/* frames not above `here` were left by a longjmp */
			for (k = 0; k < mine->depth && sh[k].cfa > here; k++)
				;
		}
		for (j = mine->depth; j > 0; j--) {
			struct hp_shadow *e = &sh[j - 1];
			uint32_t slot = HP_REC_SLOT(e->key);
			struct hp_lstat *l = hp_local_peek(&mine->local, slot);
			int nested = l && l->open > 1, is_main;
			uint64_t total, self;
			struct hp_stat *s;

			if (l && l->open)
				l->open--;
			if (j > k || (int64_t)(now - e->start) < 0) {
				/* abandoned, or begun after now: not a call;
				 * its finished callees' time goes down */
				if (j >= 2)
					sh[j - 2].child += e->child;
				if (j > k && count)
					worker.nonlocal++;
				continue;
			}
			total = now - e->start;
			self = hp_call_self(total, e->child);
			if (j >= 2)
				sh[j - 2].child += hp_call_credit(total, e->child);
			s = local_closed(j >= 2 ? HP_REC_SLOT(sh[j - 2].key) : 0,
					 slot, total, self, nested);
			is_main = main_slot && !main_done && slot == main_slot &&
				  !nested;
			main_done |= is_main;
			if (s && !(is_main && main_returned))
				s->unfinished++;
		}
		mine->depth = 0; /* closed here: the thread's own exits from
				    now on find nothing open */
	}
	if (main_slot && !main_done) {
		struct main_child m = { main_slot, 0 };
		struct hp_stat *s;
		uint64_t child;

		hp_worker_counts_each(add_main_child, &m);
		child = m.ticks < (double)ticks ? (uint64_t)m.ticks : ticks;
		s = add(main_slot, ticks, ticks - child, 0);
		if (s && !main_returned)
			s->unfinished++;
	}
}

void hp_worker_close_all(struct hp_buf *mine, uintptr_t mine_here,
			 uint32_t main_slot, int main_returned, uint64_t now,
			 uint64_t ticks, const struct hp_alloc_delta *d)
{
	const uint64_t *fig = (const uint64_t *)(const void *)d;
	struct hp_buf *b;
	int main_done = 0;

	if (worker.local) {
		close_all_local(mine, mine_here, main_slot, main_returned, now,
				ticks);
		return;
	}

	/* After main's return nothing above it on its thread is open any
	 * more: what is left there was abandoned (longjmp) and is discarded,
	 * as it always was, not counted. */
	if (mine && !main_returned)
		open_unannounced(mine, mine_here);
	for (b = hp_buf_first(); b; b = b->next) {
		size_t i;

		for (i = 0; main_returned && main_slot && i < b->nopen; i++)
			if (b->open[i].slot == main_slot) {
				abandon_to(b, i + 1, 0);
				break;
			}
		while (b->nopen) {
			const struct hp_open *o = &b->open[b->nopen - 1];
			/* main's call: the bottom one of its site */
			int is_main = main_slot && !main_done &&
				      o->slot == main_slot &&
				      b->active[main_slot] == 1;
			struct hp_stat *s;

			if ((int64_t)(now - o->start) < 0) {
				abandon_to(b, b->nopen - 1, 0); /* began after now */
				continue;
			}
			s = close_call(b, b->nopen - 1, now, is_main ? fig : NULL);
			main_done |= is_main;
			if (s && !(is_main && main_returned))
				s->unfinished++;
		}
	}
	if (main_slot && !main_done) {
		struct hp_stat *s = add(main_slot, ticks, ticks, 0);

		if (s && fig)
			add_alloc_figures(s, fig, 0, 0, 0);
	}
}

uint64_t hp_worker_nonlocal(void)
{
	uint64_t n = worker.nonlocal;
	struct hp_buf *b;

	for (b = hp_buf_first(); worker.local && b; b = b->next)
		n += hp_atomic_load_relaxed(&b->local.nonlocal);
	return n;
}

int hp_worker_local(void)
{
	return worker.local;
}

struct view_ctx {
	struct hp_stat *v;
	size_t n;
	struct hp_local *l; /* the thread's whose sites are merged */
};

static void view_add(uint32_t slot, const struct hp_lstat *l, void *arg)
{
	struct view_ctx *c = arg;

	if (slot < 1 || slot > c->n)
		return; /* a slot registered after the view was sized */
	hp_local_merge(&c->v[slot - 1].hist, &c->v[slot - 1].self,
		       &c->v[slot - 1].nested, c->l, l);
}

struct hp_stat *hp_worker_view(size_t *count)
{
	struct view_ctx c;
	struct hp_buf *b;
	size_t i;

	if (!worker.local) {
		*count = worker.nstats;
		return worker.stats;
	}
	c.n = hp_sites_count();
	if (c.n < worker.nstats)
		c.n = worker.nstats;
	*count = c.n;
	if (!(c.v = hp_calloc(c.n ? c.n : 1, sizeof *c.v)))
		return NULL;
	for (i = 0; i < c.n; i++) {
		hp_hist_init(&c.v[i].hist);
		if (i >= worker.nstats)
			continue;
		(void)hp_hist_merge(&c.v[i].hist, &worker.stats[i].hist);
		c.v[i].self = worker.stats[i].self;
		c.v[i].nested = worker.stats[i].nested;
		c.v[i].unfinished = worker.stats[i].unfinished;
	}
	for (b = hp_buf_first(); b; b = b->next) {
		c.l = &b->local;
		hp_local_each(&b->local, view_add, &c);
	}
	*count = c.n;
	return c.v;
}

void hp_worker_view_free(struct hp_stat *v, size_t n)
{
	size_t i;

	if (!v || v == worker.stats)
		return;
	for (i = 0; i < n; i++)
		hp_hist_free(&v[i].hist);
	hp_free(v);
}

int hp_worker_tree_on(void)
{
	return worker.tree_on;
}

static uint64_t drain(struct hp_buf *b)
{
	uint64_t t = hp_atomic_load_relaxed(&b->tail);
	uint64_t h = hp_atomic_load_acquire(&b->head);
	uint64_t i;

	for (i = t; i != h; i++) {
		const struct hp_rec *r = &b->rec[i & HP_BUF_MASK];
		uint64_t fig[HP_ALLOC_METRICS];

		switch (HP_REC_KIND(r->tag)) {
		case HP_REC_ENTER:
			open_call(b, HP_REC_SLOT(r->first), r->ticks);
			break;
		case HP_REC_CALL:
			whole_call(b, HP_REC_SLOT(r->first),
				   HP_REC_CALL_DEPTH(r->second),
				   HP_REC_CALL_DUR(r->second));
			break;
		case HP_REC_EXIT:
			close_call(b, HP_REC_DEPTH(r->tag), r->ticks, NULL);
			break;
		case HP_REC_AEXIT:
			/* The writer published all 3 slots. */
			fig[0] = b->rec[(i + 1) & HP_BUF_MASK].first;
			fig[1] = b->rec[(i + 1) & HP_BUF_MASK].second;
			fig[2] = b->rec[(i + 2) & HP_BUF_MASK].first;
			fig[3] = b->rec[(i + 2) & HP_BUF_MASK].second;
			close_call(b, HP_REC_DEPTH(r->tag), r->ticks, fig);
			i += HP_REC_ALLOC_SLOTS - 1;
			break;
		case HP_REC_DROP:
			abandon_to(b, HP_REC_DEPTH(r->tag), 1);
			break;
		default: /* slot << 2 | 2: nothing writes it */
			break;
		}
	}
	if (h != t)
		hp_atomic_store_release(&b->tail, h);
	return h - t;
}

/* A dead ring's count goes to the worker's own table. */
static void keep_count(const struct hp_count_fig *f, void *arg)
{
	(void)arg;
	if (hp_counts_add(&worker.counts, f))
		worker.counts_lost += f->n;
}

/* A dead ring's statistics (local.h) go to the worker's own. */
static void keep_local(uint32_t slot, const struct hp_lstat *l, void *arg)
{
	struct hp_stat *s = stat_of(slot);

	if (!s) {
		hp_buf_count_lost(hp_atomic_load_relaxed(&l->calls));
		return;
	}
	hp_local_merge(&s->hist, &s->self, &s->nested, arg, l);
}

void hp_worker_counts_each(void (*fn)(const struct hp_count_fig *f, void *arg),
			   void *arg)
{
	struct hp_buf *b;

	hp_counts_each(&worker.counts, fn, arg);
	for (b = hp_buf_first(); b; b = b->next)
		hp_counts_each(&b->counts, fn, arg);
}

uint64_t hp_worker_counts_lost(void)
{
	return worker.counts_lost;
}

uint64_t hp_worker_drain_all(void)
{
	struct hp_buf *b, *prev = NULL, *next;
	uint64_t n = 0;

	for (b = hp_buf_first(); b; b = next) {
		int dead = hp_atomic_load_acquire(&b->dead);

		next = b->next;
		n += drain(b);
		if (dead) {
			/* The owner is gone: nothing can follow what we drained;
			 * calls still open were left by pthread_exit or the like. */
			abandon_to(b, 0, 1);
			hp_counts_each(&b->counts, keep_count, NULL);
			hp_local_settle(&b->local);
			hp_local_each(&b->local, keep_local, &b->local);
			worker.nonlocal += hp_atomic_load_relaxed(&b->local.nonlocal);
			hp_free(b->open);
			hp_free(b->active);
			hp_trace_retire(b->trace, b->final_name);
			hp_buf_remove(prev, b);
			continue;
		}
		prev = b;
	}
	return n;
}

void hp_worker_set_tick(void (*tick)(void), unsigned long interval_ms)
{
	worker.tick = interval_ms ? tick : NULL;
	worker.tick_ns = (uint64_t)interval_ms * 1000000u;
}

static void *worker_main(void *arg)
{
	static const struct timespec idle = { 0, 1000000 };
	/* The pass loop wakes at least every ms: the tick's clock. */
	uint64_t next = worker.tick ? hp_clock_mono_ns() + worker.tick_ns : 0;

	(void)arg;
	for (;;) {
		unsigned int seq = hp_buf_bell();
		uint64_t n;

		pthread_mutex_lock(&worker.pass_lock);
		n = hp_worker_drain_all();
		pthread_mutex_unlock(&worker.pass_lock);
		if (worker.tick && !hp_atomic_load_acquire(&worker.stopping) &&
		    hp_clock_mono_ns() >= next) {
			worker.tick();
			next += worker.tick_ns;
			if (next < hp_clock_mono_ns()) /* fell behind: skip, don't burst */
				next = hp_clock_mono_ns() + worker.tick_ns;
		}

		/* Busy: go on.  Otherwise let the rings fill (a writer wakes
		 * us at half full) rather than chase every record. */
		if (n >= HP_BUF_CAP / 8)
			continue;
		if (hp_atomic_load_acquire(&worker.stopping)) {
			if (n)
				continue;
			break;
		}
		if (worker.local) {
			/* Nothing comes through the rings: wake for ended
			 * threads' tables and the tick only (a stop rings). */
			struct timespec t = { 0, LOCAL_IDLE_NS };
			uint64_t now = hp_clock_mono_ns();

			if (worker.tick && next > now && next - now < LOCAL_IDLE_NS)
				t.tv_nsec = (long)(next - now);
			else if (worker.tick && next <= now)
				t.tv_nsec = 1;
			hp_buf_sleep(seq, &t);
			continue;
		}
		hp_buf_sleep(seq, &idle);
	}
	return NULL;
}

int hp_worker_start(const struct hp_settings *set)
{
	pthread_attr_t attr;
	int err;

	/* Before any record is consumed: what the worker keeps. */
	worker.trace_on = set->tracing;
	hp_trace_set_limit(set->trace_limit);
	worker.tree_on = (set->formats & HP_OUT_TREE) != 0;
	worker.local = hp_settings_local(set, hp_alloc_linked);
	worker.sample = set->sample;
	hp_cg_set_limit(set->tree_limit);

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	hp_buf_set_consumer(1);
	err = pthread_create(&worker.thread, &attr, worker_main, NULL);
	pthread_attr_destroy(&attr);
	if (err)
		hp_buf_set_consumer(0);
	return err;
}

int hp_worker_running(void)
{
	return hp_buf_consumer_running();
}

void hp_worker_stop(void)
{
	if (!hp_buf_set_consumer(0))
		return;
	hp_atomic_store_release(&worker.stopping, 1);
	hp_buf_wake();
	pthread_join(worker.thread, NULL);
}

void hp_worker_forget(void)
{
	hp_buf_set_consumer(0);
}

void hp_worker_lock(void)
{
	pthread_mutex_lock(&worker.pass_lock);
}

void hp_worker_unlock(void)
{
	pthread_mutex_unlock(&worker.pass_lock);
}

/* Fork child: the statistics start again from nothing.  Aggregates are
 * zeroed in place; the structures stay (slots cached in sites, and open
 * calls of the consumer, keep pointing into them).  Pass lock held. */
void hp_worker_reset_stats(void)
{
	struct hp_buf *b;
	size_t i;
	int m;

	worker.nonlocal = 0;
	worker.counts_lost = 0;
	hp_counts_zero(&worker.counts);
	for (b = hp_buf_first(); b; b = b->next) {
		hp_counts_zero(&b->counts); /* the parent's (only the forking
					       thread is here, outside any
					       record) */
		hp_local_zero(&b->local);
	}
	hp_cg_reset();
	hp_trace_reset();
	for (i = 0; i < worker.nstats; i++) {
		worker.stats[i].self = 0;
		worker.stats[i].nested = 0;
		worker.stats[i].unfinished = 0;
		hp_hist_free(&worker.stats[i].hist); /* leaves it empty */
		if (!worker.stats[i].alloc)
			continue;
		for (m = 0; m < HP_ALLOC_METRICS; m++)
			hp_hist_free(&worker.stats[i].alloc->metric[m]);
		hp_free(worker.stats[i].alloc);
		worker.stats[i].alloc = NULL;
	}
}

size_t hp_stats_count(void)
{
	return worker.nstats;
}

struct hp_stat *hp_stats_get(size_t i)
{
	return &worker.stats[i];
}
