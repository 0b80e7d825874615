/* gather.c - see gather.h. */
#include "gather.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "callgraph.h"
#include "clock.h"
#include "counts.h"
#include "hotpath.h"
#include "report.h"
#include "settings.h"
#include "sites.h"
#include "trace.h"
#include "worker.h"

/* The statistics being gathered (hp_worker_view), for the length of
 * hp_gather: the pass lock is held, so one gathering at a time. */
static struct {
	struct hp_stat *v;
	size_t n;
} view;

static const char *program_name(uint32_t main)
{
	const struct hp_site_info *s = hp_sites_get(main);

	if (program_invocation_short_name && *program_invocation_short_name)
		return program_invocation_short_name;
	return s ? s->name : "?";
}

static void count_bucket(void *arg, uint64_t value, uint64_t count)
{
	(void)value;
	(void)count;
	++*(size_t *)arg;
}

/* Buckets that convert to the same ns (a slow TSC) become one pair, so
 * the pairs stay strictly ascending; the nearest rank picks the same
 * value either way, as the conversion is monotonic. */
static void add_pair(void *arg, uint64_t value, uint64_t count)
{
	struct hp_row *w = arg;
	uint64_t ns = hp_clock_to_ns(value);

	if (w->nhist && w->hist[w->nhist - 1].value_ns == ns) {
		w->hist[w->nhist - 1].count += count;
		return;
	}
	w->hist[w->nhist].value_ns = ns;
	w->hist[w->nhist++].count = count;
}

/* Without memory the row keeps no histogram; its JSON shows an empty one. */
static void hist_row(struct hp_row *w, const struct hp_hist *h)
{
	size_t n = 0;

	hp_hist_each(h, count_bucket, &n);
	if (!n || !(w->hist = hp_calloc(n, sizeof *w->hist)))
		return;
	hp_hist_each(h, add_pair, w);
}

struct pairs {
	struct hp_hist_pair *v;
	size_t n;
};

static void add_raw_pair(void *arg, uint64_t value, uint64_t count)
{
	struct pairs *p = arg;

	p->v[p->n].value_ns = value;
	p->v[p->n++].count = count;
}

static void alloc_row(struct hp_row *w, const struct hp_alloc_stat *a,
		      const struct hp_gather_in *in)
{
	struct pairs p;
	size_t n;
	int m, k;

	w->alloc_calls = a->metric[0].count;
	for (m = 0; m < HP_ALLOC_METRICS; m++) {
		w->alloc[m].sum = a->metric[m].total;
		w->alloc[m].recursive = a->nested[m];
		w->alloc[m].self = a->self[m];
		w->alloc[m].max = a->metric[m].max;
		for (k = 0; k < in->npcts; k++)
			w->alloc[m].pct[k] = hp_hist_percentile(&a->metric[m], in->pcts[k]);
		w->alloc_min[m] = a->metric[m].count ? a->metric[m].min : 0;
		n = 0; /* without memory, an empty histogram */
		hp_hist_each(&a->metric[m], count_bucket, &n);
		if (n && (p.v = hp_calloc(n, sizeof *p.v))) {
			p.n = 0;
			hp_hist_each(&a->metric[m], add_raw_pair, &p);
			w->alloc_hist[m] = p.v;
			w->alloc_nhist[m] = p.n;
		}
	}
}

/* Sampling (HOTPATH_SAMPLE > 1, record.c): every call was counted, one
 * in about N was timed.  THE ESTIMATOR.  Calls and caller->callee calls
 * are the exact counts.  The timed calls of a site are a random sample
 * of its calls (random gaps: record.c), so avg, min, max and percentiles
 * are those of the timed calls, and the site's total, recursive and self
 * times are the timed calls' sums scaled by one factor, calls / timed:
 * total and self stay in the same ratio as measured, so self is never
 * negative nor above total.  What "self" means moves a little: an untimed
 * call is not on the worker's stack, so its time is in the self time of
 * its nearest timed ancestor (and its timed callees are that ancestor's
 * children); a site's self time is then its own time plus, on average,
 * (N - 1) / N of the time of its direct measured callees' own time. The
 * edges' times are the callee's per-call averages times the edge's
 * exact calls, and the call paths (folded, html) are the timed calls'
 * paths (through timed calls only), scaled by their site's factor. */
struct sampled {
	size_t n;            /* slots */
	uint64_t *calls;     /* by slot - 1: exact */
	struct hp_counts all; /* (parent, slot) -> calls, all threads */
};

static void merge_count(const struct hp_count_fig *f, void *arg)
{
	struct sampled *sm = arg;

	if (f->slot >= 1 && f->slot <= sm->n) {
		sm->calls[f->slot - 1] += f->n;
		(void)hp_counts_add(&sm->all, f); /* else: no edge */
	}
}

/* 0 or ENOMEM. */
static int sampled_load(struct sampled *sm)
{
	sm->n = hp_sites_count();
	sm->calls = hp_calloc(sm->n ? sm->n : 1, sizeof *sm->calls);
	if (!sm->calls)
		return ENOMEM;
	hp_worker_counts_each(merge_count, sm);
	return 0;
}

static void sampled_free(struct sampled *sm)
{
	hp_free(sm->calls);
	hp_counts_free(&sm->all);
}

/* x (a sum over the timed calls) for all the calls. */
static uint64_t scaled(uint64_t x, uint64_t calls, uint64_t timed)
{
	return timed ? (uint64_t)((double)x * (double)calls / (double)timed + 0.5)
		     : 0;
}

/* One row per slot with calls (a fork child's zeroed statistics have
 * none); 0 or ENOMEM. */
static int gather_rows(struct hp_report *r, const struct hp_gather_in *in,
		       const struct sampled *sm)
{
	size_t i, n = view.n, nstats = n;
	int k;

	if (sm && sm->n > n)
		n = sm->n;
	r->rows = hp_calloc(n ? n : 1, sizeof *r->rows);
	if (!r->rows)
		return ENOMEM;
	for (i = 0; i < n; i++) {
		static const struct hp_stat none;
		const struct hp_stat *s = i < nstats ? &view.v[i] : &none;
		const struct hp_site_info *site = hp_sites_get((unsigned int)(i + 1));
		struct hp_row *w = &r->rows[r->nrows];
		uint64_t calls = s->hist.count;

		if (sm && i < sm->n && sm->calls[i] > calls)
			calls = sm->calls[i];
		if (!site || !calls)
			continue; /* no site cannot be: a slot is registered first */
		w->name = site->name;
		w->file = site->file;
		w->line = site->line;
		w->kind = site->kind;
		w->site = (uint32_t)(i + 1);
		w->calls = s->hist.count;
		/* converted whole, so that total + recursive is the sum */
		w->total_ns = hp_clock_to_ns(s->hist.total - s->nested);
		w->recursive_ns = hp_clock_to_ns(s->hist.total) - w->total_ns;
		w->unfinished = s->unfinished;
		w->self_ns = hp_clock_to_ns(s->self);
		if (sm) {
			w->calls = calls;
			w->total_ns = scaled(w->total_ns, calls, s->hist.count);
			w->recursive_ns = scaled(w->recursive_ns, calls, s->hist.count);
			w->self_ns = scaled(w->self_ns, calls, s->hist.count);
		}
		w->min_ns = hp_clock_to_ns(s->hist.min);
		w->max_ns = hp_clock_to_ns(s->hist.max);
		for (k = 0; k < in->npcts; k++)
			w->pct_ns[k] = hp_clock_to_ns(
				hp_hist_percentile(&s->hist, in->pcts[k]));
		for (k = 0; k < r->columns.npcts; k++)
			w->pct_ns[HP_COL_PCT(k)] = hp_clock_to_ns(hp_hist_percentile_milli(
				&s->hist, r->columns.pcts[k]));
		if (s->alloc)
			alloc_row(w, s->alloc, in);
		hist_row(w, &s->hist);
		r->nrows++;
	}
	hp_report_sort(r);
	return 0;
}

static struct hp_site_ref site_ref(uint32_t slot)
{
	struct hp_site_ref ref = { "?", "", 0 };
	const struct hp_site_info *s = hp_sites_get(slot);

	if (s) {
		ref.name = s->name;
		ref.file = s->file;
		ref.line = s->line;
	}
	return ref;
}

struct edge_gather {
	struct hp_report *r;
	const struct sampled *sm;
	size_t cap;
	int exact; /* the cells' ticks are every call's (writer-side
		      statistics without sampling) */
};

/* An edge of the exact counts; its times the cell's own, or from the
 * callee's timed calls. */
static void sampled_edge(const struct hp_count_fig *f, void *arg)
{
	struct edge_gather *g = arg;
	struct hp_report *r = g->r;
	const struct hp_stat *s;
	struct hp_edge_row *w;

	if (!f->parent || r->nedges == g->cap)
		return; /* a thread's outermost calls: no caller */
	w = &r->edges[r->nedges++];
	w->caller = site_ref(f->parent);
	w->callee = site_ref(f->slot);
	w->calls = f->n;
	w->total_ns = w->self_ns = 0;
	if (g->exact) {
		w->total_ns = hp_clock_to_ns(f->total);
		w->self_ns = hp_clock_to_ns(f->self);
	} else if (f->slot - 1 < view.n && (s = &view.v[f->slot - 1])->hist.count) {
		w->total_ns = scaled(hp_clock_to_ns(s->hist.total), f->n, s->hist.count);
		w->self_ns = scaled(hp_clock_to_ns(s->self), f->n, s->hist.count);
	}
}

static void gather_sampled_edges(struct hp_report *r, const struct sampled *sm,
				 int exact)
{
	struct hp_count_tab *t = hp_atomic_load_relaxed(&((struct sampled *)sm)->all.tab);
	struct edge_gather g = { r, sm, t ? t->cap : 0, exact };

	r->edges = hp_calloc(g.cap ? g.cap : 1, sizeof *r->edges);
	if (!r->edges)
		return;
	hp_counts_each((struct hp_counts *)&sm->all, sampled_edge, &g);
}

static void gather_edges(struct hp_report *r)
{
	const struct hp_edge *e = hp_cg_edges();
	size_t i, n = hp_cg_edge_count();

	r->edges = hp_calloc(n ? n : 1, sizeof *r->edges);
	if (!r->edges)
		return;
	for (i = 0; i < n; i++) {
		struct hp_edge_row *w = &r->edges[r->nedges];

		if (!e[i].calls)
			continue; /* a fork child's zeroed edge, like its empty rows */
		w->caller = site_ref(e[i].caller);
		w->callee = site_ref(e[i].callee);
		w->calls = e[i].calls;
		w->total_ns = hp_clock_to_ns(e[i].total);
		w->self_ns = hp_clock_to_ns(e[i].self);
		r->nedges++;
	}
}

/* The tree in depth-first order (parents first, children by total). */
static void gather_nodes(struct hp_report *r, const struct sampled *sm)
{
	const struct hp_node *nd = hp_cg_nodes();
	size_t n = hp_cg_node_count(), top = 0, k = 0;
	uint32_t *stack, *map;

	if (!n)
		return;
	r->nodes = hp_calloc(n, sizeof *r->nodes);
	stack = hp_calloc(n, sizeof *stack);
	map = hp_calloc(n, sizeof *map);
	if (!r->nodes || !stack || !map) {
		hp_free(r->nodes);
		r->nodes = NULL;
		goto out;
	}
	stack[top++] = 0;
	while (top) {
		uint32_t i = stack[--top], c;
		struct hp_path_node *w = &r->nodes[k];

		map[i] = (uint32_t)k++;
		w->name = i == 0 ? "" : nd[i].slot ? site_ref(nd[i].slot).name : NULL;
		w->file = i && nd[i].slot ? site_ref(nd[i].slot).file : NULL;
		w->site = i ? nd[i].slot : 0;
		w->parent = i ? map[nd[i].parent] : 0;
		w->depth = nd[i].depth;
		w->calls = nd[i].calls;
		w->total_ns = hp_clock_to_ns(nd[i].total);
		w->self_ns = hp_clock_to_ns(nd[i].self);
		if (sm && nd[i].slot && nd[i].slot <= sm->n &&
		    nd[i].slot - 1 < view.n) {
			/* the timed calls' path, for all of the site's calls */
			uint64_t timed = view.v[nd[i].slot - 1].hist.count;
			uint64_t calls = sm->calls[nd[i].slot - 1];

			w->calls = scaled(w->calls, calls, timed);
			w->total_ns = scaled(w->total_ns, calls, timed);
			w->self_ns = scaled(w->self_ns, calls, timed);
		}
		for (c = nd[i].first_child; c; c = nd[c].next_sibling)
			stack[top++] = c;
	}
	r->nnodes = k;
	r->truncated = hp_cg_truncated();
out:
	hp_free(stack);
	hp_free(map);
}

struct trace_gather {
	struct hp_report *r;
	size_t cap;
};

static void gather_thread(const struct hp_trace_ring *t, void *arg)
{
	struct trace_gather *g = arg;
	struct hp_report *r = g->r;
	struct hp_trace_thread *th;
	uint64_t t0 = hp_clock_start_ticks();
	size_t i, j;

	if (r->nthreads == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		void *p = hp_realloc(r->threads, cap * sizeof *r->threads);

		if (!p)
			return;
		r->threads = p;
		g->cap = cap;
	}
	th = &r->threads[r->nthreads];
	th->tid = t->tid;
	memcpy(th->name, t->name, sizeof t->name);
	th->n = 0;
	th->ev = hp_calloc(t->n ? t->n : 1, sizeof *th->ev);
	if (!th->ev)
		return;
	r->nthreads++;
	/* oldest first */
	j = t->n == t->cap ? t->head : 0;
	for (i = 0; i < t->n; i++, j = j + 1 == t->cap ? 0 : j + 1) {
		const struct hp_trace_ev *e = &t->ev[j];
		struct hp_trace_event *w = &th->ev[th->n++];

		w->name = site_ref((uint32_t)e->slot).name;
		w->start_ns = e->start > t0 ? hp_clock_to_ns(e->start - t0) : 0;
		w->end_ns = e->end > t0 ? hp_clock_to_ns(e->end - t0) : 0;
	}
}

static int by_tid(const void *pa, const void *pb)
{
	const struct hp_trace_thread *a = pa, *b = pb;

	return (a->tid > b->tid) - (a->tid < b->tid);
}

/* A thread's name as a new thread inherits it: the creator's, which for
 * threads of main is the program's file name (the kernel's comm: the
 * file exec'd, at most 15 bytes).  Such a name was not set by the
 * program. */
static int inherited_name(const char *name)
{
	const char *exe = (const char *)getauxval(AT_EXECFN), *slash;
	const char *names[2];
	int i;

	slash = exe ? strrchr(exe, '/') : NULL;
	names[0] = slash ? slash + 1 : exe;
	names[1] = program_invocation_short_name;
	if (!name[0])
		return 1;
	for (i = 0; i < 2; i++)
		if (names[i] && strncmp(name, names[i], 15) == 0 &&
		    strlen(name) == (strlen(names[i]) < 15 ? strlen(names[i]) : 15))
			return 1;
	return 0;
}

/* Each thread of the trace gets a name: the one the program gave it
 * (pthread_setname_np), else "main" for the main thread and "thread N"
 * for the others, N counting up in tid order.  The reporting thread's
 * own name is read now, the others' were taken by their threads (buf.h). */
static void name_threads(struct hp_report *r)
{
	long me = (long)syscall(SYS_gettid), pid = (long)getpid();
	char now[16] = "";
	size_t t;
	int n = 0;

	qsort(r->threads, r->nthreads, sizeof *r->threads, by_tid);
	for (t = 0; t < r->nthreads; t++) {
		struct hp_trace_thread *th = &r->threads[t];

		if (th->tid == me && prctl(PR_GET_NAME, now) == 0)
			memcpy(th->name, now, sizeof now);
		if (!inherited_name(th->name))
			continue;
		if (th->tid == pid)
			snprintf(th->name, sizeof th->name, "main");
		else
			snprintf(th->name, sizeof th->name, "thread %d", ++n);
	}
}

/* Edges, paths and traces, for the formats that show them. */
static void gather_graph(struct hp_report *r, unsigned int want,
			 const struct sampled *sm)
{
	if (want & (HP_OUT_JSON | HP_OUT_JSON_PRETTY | HP_OUT_HTML)) {
		struct sampled own = { 0 };

		if (sm)
			gather_sampled_edges(r, sm, 0);
		else if (!hp_worker_local())
			gather_edges(r);
		else if (sampled_load(&own) == 0) /* the threads' cells */
			gather_sampled_edges(r, &own, 1);
		if (!sm && hp_worker_local())
			sampled_free(&own);
	}
	r->paths_kept = hp_worker_tree_on();
	if (want & (HP_OUT_FOLDED | HP_OUT_HTML | HP_OUT_JSON | HP_OUT_JSON_PRETTY))
		gather_nodes(r, sm);
	if (want & HP_OUT_TRACE) {
		struct trace_gather g = { r, 0 };

		hp_trace_each(gather_thread, &g);
		name_threads(r);
		r->trace_dropped = hp_trace_dropped();
	}
}

void hp_gather_free(struct hp_report *r)
{
	size_t t;

	for (t = 0; t < r->nrows; t++) {
		int m;

		hp_free(r->rows[t].hist);
		for (m = 0; m < 4; m++)
			hp_free(r->rows[t].alloc_hist[m]);
	}
	hp_free(r->rows);
	hp_free(r->edges);
	hp_free(r->nodes);
	for (t = 0; t < r->nthreads; t++)
		hp_free(r->threads[t].ev);
	hp_free(r->threads);
	memset(r, 0, sizeof *r);
}


static int gather(struct hp_report *r, const struct hp_gather_in *in,
		  const struct hp_settings *set)
{
	r->program = program_name(in->main_slot);
	r->clock = hp_clock_name();
	r->total_ns = in->total_ns;
	r->lost = hp_buf_lost_total() - in->lost_base;
	memcpy(r->pcts, in->pcts, (size_t)in->npcts * sizeof *in->pcts);
	r->npcts = in->npcts;
	r->limit = set->limit;
	r->sort = set->sort;
	r->columns = set->columns;
	r->alloc_tables = set->alloc_tables;
	r->notes = set->notes;
	r->nonlocal_exits = hp_worker_nonlocal();
	r->pid = (long)getpid();
	r->sample = set->sample;
	if (set->sample > 1) {
		struct sampled sm = { 0 };
		int err = sampled_load(&sm);

		r->lost += hp_worker_counts_lost();
		if (!err)
			err = gather_rows(r, in, &sm);
		if (!err)
			gather_graph(r, set->formats, &sm);
		sampled_free(&sm);
		return err;
	}
	if (gather_rows(r, in, NULL))
		return ENOMEM;
	gather_graph(r, set->formats, NULL);
	return 0;
}

int hp_gather(struct hp_report *r, const struct hp_gather_in *in,
	      const struct hp_settings *set)
{
	int err;

	memset(r, 0, sizeof *r);
	view.v = hp_worker_view(&view.n);
	if (!view.v && view.n)
		return ENOMEM;
	err = gather(r, in, set);
	hp_worker_view_free(view.v, view.n);
	view.v = NULL;
	view.n = 0;
	return err;
}
