/* output.c - see output.h.  Runs once, in the reporting thread, after the
 * worker has stopped: it may read the worker's data. */
#include "output.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "callgraph.h"
#include "clock.h"
#include "hotpath.h"
#include "report.h"
#include "settings.h"
#include "sites.h"
#include "trace.h"
#include "worker.h"

/* The file name extension of each format, by format index (settings.h). */
static const char *const exts[HP_OUT_FORMATS] = {
	"txt", "json", "json", "folded", "trace.json", "html",
};

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
static void gather_nodes(struct hp_report *r)
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
		w->parent = i ? map[nd[i].parent] : 0;
		w->depth = nd[i].depth;
		w->calls = nd[i].calls;
		w->total_ns = hp_clock_to_ns(nd[i].total);
		w->self_ns = hp_clock_to_ns(nd[i].self);
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

static void gather(struct hp_report *r, unsigned int want)
{
	r->nonlocal_exits = hp_worker_nonlocal();
	r->pid = (long)getpid();
	if (want & (HP_OUT_JSON | HP_OUT_JSON_PRETTY | HP_OUT_HTML))
		gather_edges(r);
	if (want & (HP_OUT_FOLDED | HP_OUT_HTML))
		gather_nodes(r);
	if (want & HP_OUT_TRACE) {
		struct trace_gather g = { r, 0 };

		hp_trace_each(gather_thread, &g);
		r->trace_dropped = hp_trace_dropped();
	}
}

static void release(struct hp_report *r)
{
	size_t t;

	hp_free(r->edges);
	hp_free(r->nodes);
	for (t = 0; t < r->nthreads; t++)
		hp_free(r->threads[t].ev);
	hp_free(r->threads);
}

static int render(struct hp_str *out, const struct hp_report *r,
		  unsigned int bit)
{
	switch (bit) {
	case HP_OUT_FOLDED:
		return hp_report_folded(out, r);
	case HP_OUT_TRACE:
		return hp_report_trace(out, r);
	case HP_OUT_HTML:
		return hp_report_html(out, r);
	case HP_OUT_JSON:
	case HP_OUT_JSON_PRETTY:
		return hp_report_json(out, r, bit == HP_OUT_JSON_PRETTY);
	default:
		return hp_report_table(out, r);
	}
}

static int is_dir(const char *path)
{
	struct stat st;
	size_t n = path ? strlen(path) : 0;

	if (!n)
		return 0;
	if (path[n - 1] == '/') {
		mkdir(path, 0777); /* EEXIST is fine */
		return 1;
	}
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The destination pattern of format `bit` (NULL = stderr), in *buf if
 * made. */
static const char *destination(const struct hp_settings *s, unsigned int bit,
			       int first, struct hp_str *buf)
{
	unsigned int f = hp_settings_format_index(bit);
	const char *out = s->output;

	if (s->output_for[f])
		return s->output_for[f];
	if (is_dir(out)) {
		size_t n = strlen(out);

		hp_str_printf(buf, "%s%shotpath-%%p.%s", out,
			      out[n - 1] == '/' ? "" : "/", exts[f]);
		return buf->s;
	}
	if (first)
		return out;
	hp_str_printf(buf, "hotpath-%%p.%s", exts[f]);
	return buf->s;
}

void hp_output_emit(struct hp_report *r, const struct hp_settings *s)
{
	size_t k;

	gather(r, s->formats);
	for (k = 0; k < HP_OUT_FORMATS && s->order[k]; k++) {
		struct hp_str text = { 0 }, dest = { 0 };
		const char *path = destination(s, s->order[k], k == 0, &dest);

		if (render(&text, r, s->order[k]) == 0 && !dest.failed)
			hp_report_write(path, text.s, text.len);
		hp_str_free(&text);
		hp_str_free(&dest);
	}
	release(r);
}
