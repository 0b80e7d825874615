/* report.h - the report, from plain data to text to its destination.
 *
 * gather.c fills a struct hp_report (everything already in ns); this
 * module (with html.c) only sorts, lays out and writes it, so tests feed
 * it hand-made rows and compare exact strings.  output.c picks the
 * formats and destinations.  This is the only module that prints.
 */
#ifndef HP_REPORT_H
#define HP_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "settings.h"

#define HP_COL_PCT(k) (HP_MAX_PERCENTILES + (k))

/* One allocation metric of a row: per-call values of calls with data. */
struct hp_alloc_fig {
	uint64_t sum; /* over calls */
	uint64_t max; /* largest per-call value */
	uint64_t pct[HP_MAX_PERCENTILES]; /* parallel to hp_report.pcts */
	/* The -total metrics only: */
	uint64_t recursive; /* the part of sum from recursive calls */
	uint64_t self;      /* sum less what finished measured callees
			       allocated */
};

/* One non-empty histogram bucket: the value (ns) percentiles report for
 * it and the calls in it. */
struct hp_hist_pair {
	uint64_t value_ns;
	uint64_t count;
};

struct hp_row {
	const char *name;
	const char *file;
	int line;
	int kind; /* HP_KIND_* */
	uint64_t calls;
	uint64_t total_ns; /* inclusive; recursive calls (made while a call of
			      the same row was open on their thread) are in
			      their outermost call's time only */
	uint64_t min_ns;
	uint64_t max_ns;
	/* parallel to hp_report.pcts, then from HP_COL_PCT(0) on to
	 * hp_report.columns.pcts (HOTPATH_COLUMNS) */
	uint64_t pct_ns[HP_MAX_PERCENTILES + HP_MAX_COLUMN_PCTS];
	uint64_t alloc_calls; /* calls with allocation figures; 0 = none */
	struct hp_alloc_fig alloc[4]; /* bytes-total, bytes-max, count-total, count-max */
	uint64_t self_ns; /* total minus the time of measured callees */
	uint64_t recursive_ns; /* the recursive calls' own inclusive time */
	uint64_t unfinished;   /* calls still open at the report, closed then */
	/* the duration histogram's non-empty buckets, ascending (JSON only:
	 * `hpcc --merge` recomputes percentiles from them); may be NULL */
	struct hp_hist_pair *hist;
	size_t nhist;
};

/* Per call, every call (recursive ones too). */
static inline double hp_row_avg_ns(const struct hp_row *w)
{
	return w->calls ? (double)(w->total_ns + w->recursive_ns) /
			  (double)w->calls : 0.0;
}

/* Sampling (hp_report.sample > 1): the calls timed, from which every
 * time figure of the row is estimated (gather.c).  Each timed call is
 * one count of the histogram, so they are its sum (0 when the row could
 * keep no histogram). */
static inline uint64_t hp_row_timed(const struct hp_row *w)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < w->nhist; i++)
		n += w->hist[i].count;
	return n;
}

/* A site as edges and paths name it. */
struct hp_site_ref {
	const char *name;
	const char *file;
	int line;
};

/* Calls of `callee` made by `caller` (both measured). */
struct hp_edge_row {
	struct hp_site_ref caller, callee;
	uint64_t calls, total_ns, self_ns;
};

/* One call path; nodes[0] is the root (no site), parents come before
 * their children.  name NULL (besides the root): "[truncated]". */
struct hp_path_node {
	const char *name;
	uint32_t parent, depth;
	uint64_t calls, total_ns, self_ns;
};

/* One finished call in a thread's trace, ns from the session's start. */
struct hp_trace_event {
	const char *name;
	uint64_t start_ns, end_ns;
};

struct hp_trace_thread {
	long tid;
	char name[24]; /* in the trace: its own, "main" or "thread N" */
	struct hp_trace_event *ev;
	size_t n;
};

struct hp_report {
	const char *program;
	const char *clock;
	uint64_t total_ns; /* session wall time */
	uint64_t lost;
	unsigned int pcts[HP_MAX_PERCENTILES];
	int npcts;
	long limit; /* rows kept besides main; < 0 = all */
	int sort; /* HP_SORT_* (settings.h); 0 = by total */
	struct hp_columns columns; /* the table's optional columns (settings.h) */
	struct hp_row *rows;
	size_t nrows;
	unsigned int alloc_tables; /* which allocation tables to print: bit m
				      for metric m (HP_ALLOC_ALL, settings.h) */
	uint64_t nonlocal_exits; /* calls left by longjmp & co. */
	struct hp_edge_row *edges;
	size_t nedges;
	struct hp_path_node *nodes; /* folded and html only */
	size_t nnodes;
	uint64_t truncated; /* calls under "[truncated]" path nodes */
	struct hp_trace_thread *threads; /* trace only */
	size_t nthreads;
	uint64_t trace_dropped;
	long pid;
	unsigned int sample; /* HOTPATH_SAMPLE: > 1, times are estimates */
	const char *notes; /* lines for under the table (settings.h), or NULL */
};

/* "function", "block" or "main" for an HP_KIND_* (the JSON's and the
 * metrics' kind). */
const char *hp_report_kind_name(int kind);
/* Sorts rows by r->sort: main first, then by the key (largest first;
 * by name A to Z), then by total, name, file and line. */
void hp_report_sort(struct hp_report *r);
/* HOTPATH_COLUMNS's pN k is a column of its own: not one of the
 * percentiles already shown, nor listed before. */
int hp_report_extra_pct(const struct hp_report *r, int k);
/* A pN column's heading: "P99.9" for 99900 thousandths.  Returns buf. */
char *hp_report_pct_heading(char *buf, size_t size, unsigned int milli);
/* Render into out; rows must be sorted.  0 or ENOMEM.  The table report
 * ends with the notes, then one allocation table per bit of alloc_tables
 * when any row has allocation figures. */
int hp_report_table(struct hp_str *out, const struct hp_report *r);
int hp_report_json(struct hp_str *out, const struct hp_report *r, int pretty);
/* Collapsed stacks: "main;parse;lex 1234\n" per path with self time (ns),
 * paths in tree order. */
int hp_report_folded(struct hp_str *out, const struct hp_report *r);
/* Chrome trace event JSON: one complete ("X") event per kept call. */
int hp_report_trace(struct hp_str *out, const struct hp_report *r);
/* One self-contained HTML page: table, bar chart, icicle graph (html.c). */
int hp_report_html(struct hp_str *out, const struct hp_report *r);
/* HOTPATH_OUTPUT pattern to a path: "%p" is the pid, "%%" a '%'. */
void hp_report_expand_path(const char *pattern, long pid, struct hp_str *out);
/* Writes text to the file named by pattern (NULL/"" = stderr); if it
 * cannot be opened, says so on stderr and writes to stderr instead; if a
 * write fails, says so on stderr and leaves no partial file (report.c).
 * With `announce`, a regular file written is named on stderr:
 * "[hotpath] wrote <path>" (a device or FIFO is not). */
void hp_report_write(const char *pattern, const char *text, size_t n,
		     int announce);
/* The same for a snapshot (session.c): a file only, complete or absent,
 * nothing said on stderr; 0 or the errno of what failed. */
int hp_report_write_file(const char *pattern, const char *text, size_t n);

#endif
