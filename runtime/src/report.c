/* report.c - see report.h. */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "hotpath.h"
#include "json.h"

/* The allocation metrics: table titles (HOTPATH_ALLOC's names), what a
 * per-call figure is, JSON names, whether the values are bytes, and
 * whether the row's figure is a sum, "Total" (the -total metrics), or the
 * largest per-call peak, "Max" (the -max metrics).  Every figure is
 * inclusive: a call's includes its callees'. */
static const struct {
	const char *name;
	const char *what;
	const char *json;
	int bytes;
	int is_peak;
} metrics[4] = {
	{ "bytes-total", "bytes allocated per call", "bytes_total", 1, 0 },
	{ "bytes-max", "peak of live bytes per call, above those at its "
	  "entry", "bytes_max", 1, 1 },
	{ "count-total", "allocations per call", "count_total", 0, 0 },
	{ "count-max", "peak of live blocks per call, above those at its "
	  "entry", "count_max", 0, 1 },
};

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/* a's key against b's: negative when a comes first (larger first). */
static int by_key(const struct hp_row *a, const struct hp_row *b, int key)
{
	unsigned __int128 x, y;

	switch (key) {
	case HP_SORT_SELF:
		x = a->self_ns, y = b->self_ns;
		break;
	case HP_SORT_CALLS:
		x = a->calls, y = b->calls;
		break;
	case HP_SORT_AVG: /* total/calls, cross-multiplied: exact */
		x = (unsigned __int128)a->total_ns * b->calls;
		y = (unsigned __int128)b->total_ns * a->calls;
		break;
	case HP_SORT_MAX:
		x = a->max_ns, y = b->max_ns;
		break;
	case HP_SORT_NAME:
		return cmp_str(a->name, b->name);
	default:
		x = a->total_ns, y = b->total_ns;
	}
	return x == y ? 0 : x > y ? -1 : 1;
}

static int by_sort(const void *pa, const void *pb, void *arg)
{
	const struct hp_row *a = pa, *b = pb;
	int c;

	/* main is the reference every row is a share of: always first */
	if ((a->kind == HP_KIND_MAIN) != (b->kind == HP_KIND_MAIN))
		return a->kind == HP_KIND_MAIN ? -1 : 1;
	if ((c = by_key(a, b, *(const int *)arg)) != 0)
		return c;
	if ((c = by_key(a, b, HP_SORT_TOTAL)) != 0)
		return c;
	if ((c = cmp_str(a->name, b->name)) != 0)
		return c;
	if ((c = cmp_str(a->file, b->file)) != 0)
		return c;
	return a->line - b->line;
}

void hp_report_sort(struct hp_report *r)
{
	qsort_r(r->rows, r->nrows, sizeof *r->rows, by_sort, &r->sort);
}

static const char *base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path ? path : "?";
}

/* Appends s with what would break the table or drive a terminal escaped
 * as the JSON output does: \\, \b, \f, \n, \r, \t, other C0 controls
 * and DEL as \u00XX, and the C1 controls (U+0080..U+009F, which some
 * terminals obey) as \u00XX too.  Labels and argv[0] come from the
 * program, so a label must not move the cursor or start an escape
 * sequence. */
static void append_escaped(struct hp_str *out, const char *s)
{
	const char *run;

	for (run = s; *s; s++) {
		unsigned char c = (unsigned char)*s, c1 = 0;
		const char *esc = NULL;

		if (c == 0xc2 && (unsigned char)s[1] >= 0x80 &&
		    (unsigned char)s[1] <= 0x9f)
			c1 = (unsigned char)s[1];
		else if (c >= 0x20 && c != 0x7f && c != '\\')
			continue;
		hp_str_append(out, run, (size_t)(s - run));
		if (!c1)
			esc = hp_json_short_escape(c); /* '"' cannot come here */
		if (esc)
			hp_str_append(out, esc, strlen(esc));
		else
			hp_str_printf(out, "\\u%04x", c1 ? c1 : c);
		if (c1)
			s++;
		run = s + 1;
	}
	hp_str_append(out, run, (size_t)(s - run));
}

/* The label of row w, escaped, "file.c:name" when shared; main's row
 * says so when its name does not ("real_main (main)"); a row with calls
 * closed at exit gets the footnote's " *".  NULL on ENOMEM. */
static char *dup_label(const struct hp_row *w, int shared)
{
	struct hp_str label = { 0 };

	if (shared) {
		append_escaped(&label, base_name(w->file));
		hp_str_append(&label, ":", 1);
	}
	append_escaped(&label, w->name ? w->name : "?");
	if (w->kind == HP_KIND_MAIN && cmp_str(w->name, "main") != 0)
		hp_str_append(&label, " (main)", 7);
	if (w->unfinished)
		hp_str_append(&label, " *", 2);
	if (!label.s)
		hp_str_append(&label, "", 0);
	if (label.failed) {
		hp_str_free(&label);
		return NULL;
	}
	return label.s;
}

/* True when another row shows the same name: such rows get "file.c:". */
static int name_shared(const struct hp_report *r, size_t i)
{
	size_t j;

	for (j = 0; j < r->nrows; j++)
		if (j != i && r->rows[j].kind != HP_KIND_MAIN &&
		    cmp_str(r->rows[j].name, r->rows[i].name) == 0)
			return 1;
	return 0;
}

static char *dup_duration(double ns)
{
	char buf[48];

	return hp_strdup(hp_fmt_duration(buf, sizeof buf, ns));
}

/* A time of the table: "~" before it when sampling made it an estimate. */
static char *dup_time(const struct hp_report *r, double ns)
{
	char buf[48];

	if (r->sample <= 1)
		return dup_duration(ns);
	buf[0] = '~';
	hp_fmt_duration(buf + 1, sizeof buf - 1, ns);
	return hp_strdup(buf);
}

static double percent(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* Rows shown (main excluded: it is always shown), after the limit, and
 * how many were cut. */
static size_t shown_rows(const struct hp_report *r, size_t *cut)
{
	size_t n = 0, i;

	for (i = 0; i < r->nrows; i++)
		if (r->rows[i].kind != HP_KIND_MAIN)
			n++;
	*cut = 0;
	if (r->limit >= 0 && (size_t)r->limit < n) {
		*cut = n - (size_t)r->limit;
		n = (size_t)r->limit;
	}
	return n;
}

static int alloc_table(struct hp_str *out, const struct hp_report *r, int m);
static int any_alloc(const struct hp_report *r);

static size_t main_rows(const struct hp_report *r)
{
	size_t n = 0, i;

	for (i = 0; i < r->nrows; i++)
		n += r->rows[i].kind == HP_KIND_MAIN;
	return n;
}

static uint64_t unfinished_calls(const struct hp_report *r)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < r->nrows; i++)
		n += r->rows[i].unfinished;
	return n;
}

int hp_report_extra_pct(const struct hp_report *r, int k)
{
	unsigned int v = r->columns.pcts[k];
	int j;

	for (j = 0; j < r->npcts; j++)
		if (r->pcts[j] * 1000u == v)
			return 0;
	for (j = 0; j < k; j++)
		if (r->columns.pcts[j] == v)
			return 0;
	return 1;
}

/* The optional columns (HOTPATH_COLUMNS): Min before the percentiles,
 * then the extra pN, then Max. */
static size_t extra_columns(const struct hp_report *r)
{
	size_t n = (size_t)(r->columns.min + r->columns.max);
	int k;

	for (k = 0; k < r->columns.npcts; k++)
		n += (size_t)hp_report_extra_pct(r, k);
	return n;
}

char *hp_report_pct_heading(char *buf, size_t size, unsigned int milli)
{
	int n = snprintf(buf, size, "P%u.%03u", milli / 1000, milli % 1000);

	if (n < 0 || (size_t)n >= size)
		n = (int)strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	return buf;
}

int hp_report_table(struct hp_str *out, const struct hp_report *r)
{
	size_t ncols = 6 + (size_t)r->npcts + extra_columns(r), cut, nshown, nkept, kept,
	       row, i, c;
	size_t nmain = main_rows(r);
	uint64_t open_calls = unfinished_calls(r);
	char **cells;
	char buf[256];
	int err = 0;

	nkept = shown_rows(r, &cut);
	nshown = nkept + nmain; /* main's row too, as in every format */
	cells = hp_calloc((nshown + 1) * ncols, sizeof *cells);
	if (!cells)
		return ENOMEM;
	c = 0;
	cells[c++] = hp_strdup("Function");
	cells[c++] = hp_strdup("Calls");
	cells[c++] = hp_strdup("Avg");
	if (r->columns.min)
		cells[c++] = hp_strdup("Min");
	for (i = 0; i < (size_t)r->npcts; i++) {
		snprintf(buf, sizeof buf, "P%u", r->pcts[i]);
		cells[c++] = hp_strdup(buf);
	}
	for (i = 0; i < (size_t)r->columns.npcts; i++)
		if (hp_report_extra_pct(r, (int)i))
			cells[c++] = hp_strdup(hp_report_pct_heading(buf,
				sizeof buf, r->columns.pcts[i]));
	if (r->columns.max)
		cells[c++] = hp_strdup("Max");
	cells[c++] = hp_strdup("Total");
	cells[c++] = hp_strdup("Self");
	cells[c++] = hp_strdup("% Total");
	for (i = 0, row = 1, kept = 0; i < r->nrows && row <= nshown; i++) {
		const struct hp_row *w = &r->rows[i];
		size_t k;

		if (w->kind != HP_KIND_MAIN && kept++ >= nkept)
			continue;
		c = row++ * ncols;
		cells[c++] = dup_label(w, name_shared(r, i));
		snprintf(buf, sizeof buf, "%llu", (unsigned long long)w->calls);
		cells[c++] = hp_strdup(buf);
		cells[c++] = dup_time(r, hp_row_avg_ns(w));
		if (r->columns.min)
			cells[c++] = dup_time(r, (double)w->min_ns);
		for (k = 0; k < (size_t)r->npcts; k++)
			cells[c++] = dup_time(r, (double)w->pct_ns[k]);
		for (k = 0; k < (size_t)r->columns.npcts; k++)
			if (hp_report_extra_pct(r, (int)k))
				cells[c++] = dup_time(r, (double)w->pct_ns[HP_COL_PCT(k)]);
		if (r->columns.max)
			cells[c++] = dup_time(r, (double)w->max_ns);
		cells[c++] = dup_time(r, (double)w->total_ns);
		cells[c++] = dup_time(r, (double)w->self_ns);
		snprintf(buf, sizeof buf, "%s%.2f%%", r->sample > 1 ? "~" : "",
			 percent(w->total_ns, r->total_ns));
		cells[c++] = hp_strdup(buf);
	}
	for (i = 0; i < (nshown + 1) * ncols; i++)
		if (!cells[i])
			err = ENOMEM;
	if (!err) {
		hp_str_printf(out, "[hotpath] Performance summary from ");
		append_escaped(out, r->program ? r->program : "?");
		hp_str_printf(out, " (Total time: %s):\n",
			      hp_fmt_duration(buf, sizeof buf,
					      (double)r->total_ns));
		hp_fmt_table(out, (const char *const *)cells, nshown + 1, ncols);
		if (cut)
			hp_str_printf(out, "[hotpath] %zu more not shown "
				      "(HOTPATH_LIMIT=%ld)\n", cut, r->limit);
		if (r->lost)
			hp_str_printf(out, "[hotpath] %llu measurements lost\n",
				      (unsigned long long)r->lost);
		if (r->nonlocal_exits)
			hp_str_printf(out, "[hotpath] %llu calls left by a non-local "
				      "exit (longjmp), not counted\n",
				      (unsigned long long)r->nonlocal_exits);
		if (open_calls)
			hp_str_printf(out, "[hotpath] * %llu call%s still open at "
				      "exit %s closed then and counted\n",
				      (unsigned long long)open_calls,
				      open_calls == 1 ? "" : "s",
				      open_calls == 1 ? "was" : "were");
		hp_str_printf(out, "[hotpath] %% Total: Total (inclusive, "
			      "recursion counted once) / %s; threads run in "
			      "parallel, so a row can exceed 100%%\n",
			      nmain ? "main's wall time" : "the session's wall time");
		if (r->sample > 1)
			hp_str_printf(out, "[hotpath] ~ estimated from the timed "
				      "calls, about 1 in %u per function and "
				      "thread (HOTPATH_SAMPLE); Calls are exact\n",
				      r->sample);
		if (r->notes)
			hp_str_append(out, r->notes, strlen(r->notes));
	}
	for (i = 0; i < (nshown + 1) * ncols; i++)
		hp_free(cells[i]);
	hp_free(cells);
	if (!err && any_alloc(r)) {
		int m;

		for (m = 0; m < 4 && !err; m++)
			if (r->alloc_tables & (1u << m))
				err = alloc_table(out, r, m);
	}
	return err ? err : out->failed ? ENOMEM : 0;
}

/* A row's figure in the table of metric m: Total (recursion counted
 * once, as time is) or Max. */
static uint64_t alloc_total(const struct hp_row *w, int m)
{
	return metrics[m].is_peak ? w->alloc[m].max :
	       w->alloc[m].sum - w->alloc[m].recursive;
}

static char *dup_alloc_value(int m, double v)
{
	char buf[48];

	return hp_strdup(metrics[m].bytes ? hp_fmt_bytes(buf, sizeof buf, v) :
			 hp_fmt_count(buf, sizeof buf, v));
}

struct alloc_order {
	const struct hp_report *r;
	int m;
};

static int by_alloc_total(const void *pa, const void *pb, void *arg)
{
	const struct alloc_order *o = arg;
	const struct hp_row *a = &o->r->rows[*(const size_t *)pa];
	const struct hp_row *b = &o->r->rows[*(const size_t *)pb];
	uint64_t x = alloc_total(a, o->m), y = alloc_total(b, o->m);
	int c;

	if (x != y)
		return x > y ? -1 : 1;
	if ((c = cmp_str(a->name, b->name)) != 0)
		return c;
	if ((c = cmp_str(a->file, b->file)) != 0)
		return c;
	return a->line - b->line;
}

/* One allocation table (metric m), hotpath's layout: rows with figures,
 * largest first, HOTPATH_LIMIT applied (main's row is always shown, as
 * in the time table).  Figures are inclusive.  Avg and the percentiles
 * are per call.  The -total metrics show Total (summed over calls,
 * recursion counted once), Self (less what finished measured callees
 * allocated) and % Total: Total as a share of the sum of Self over every
 * row, which is what measured code allocated, each allocation once.  The
 * -max metrics show Max, the largest per-call peak; peaks do not add up,
 * so they have no share. */
static int alloc_table(struct hp_str *out, const struct hp_report *r, int m)
{
	int peak = metrics[m].is_peak;
	size_t ncols = (peak ? 4 : 6) + (size_t)r->npcts, n = 0, nmain = 0;
	size_t nshown, kept, row, i, c, k;
	struct alloc_order order = { r, m };
	uint64_t whole = 0;
	size_t *idx;
	char **cells;
	char buf[256];
	int err = 0;

	idx = hp_calloc(r->nrows ? r->nrows : 1, sizeof *idx);
	if (!idx)
		return ENOMEM;
	for (i = 0; i < r->nrows; i++)
		if (r->rows[i].alloc_calls) {
			idx[n++] = i;
			nmain += r->rows[i].kind == HP_KIND_MAIN;
			whole += r->rows[i].alloc[m].self;
		}
	qsort_r(idx, n, sizeof *idx, by_alloc_total, &order);
	nshown = r->limit >= 0 && (size_t)r->limit < n - nmain ?
		 (size_t)r->limit + nmain : n;
	cells = hp_calloc((nshown + 1) * ncols, sizeof *cells);
	if (!cells) {
		hp_free(idx);
		return ENOMEM;
	}
	c = 0;
	cells[c++] = hp_strdup("Function");
	cells[c++] = hp_strdup("Calls");
	cells[c++] = hp_strdup("Avg");
	for (k = 0; k < (size_t)r->npcts; k++) {
		snprintf(buf, sizeof buf, "P%u", r->pcts[k]);
		cells[c++] = hp_strdup(buf);
	}
	cells[c++] = hp_strdup(peak ? "Max" : "Total");
	if (!peak) {
		cells[c++] = hp_strdup("Self");
		cells[c++] = hp_strdup("% Total");
	}
	for (i = 0, row = 0, kept = 0; i < n && row < nshown; i++) {
		const struct hp_row *w = &r->rows[idx[i]];
		const struct hp_alloc_fig *f = &w->alloc[m];

		if (w->kind != HP_KIND_MAIN && kept++ >= nshown - nmain)
			continue;
		c = ++row * ncols;
		cells[c++] = dup_label(w, name_shared(r, idx[i]));
		snprintf(buf, sizeof buf, "%llu", (unsigned long long)w->alloc_calls);
		cells[c++] = hp_strdup(buf);
		cells[c++] = dup_alloc_value(m, (double)f->sum / (double)w->alloc_calls);
		for (k = 0; k < (size_t)r->npcts; k++)
			cells[c++] = dup_alloc_value(m, (double)f->pct[k]);
		cells[c++] = dup_alloc_value(m, (double)alloc_total(w, m));
		if (!peak) {
			cells[c++] = dup_alloc_value(m, (double)f->self);
			snprintf(buf, sizeof buf, "%.2f%%",
				 percent(alloc_total(w, m), whole));
			cells[c++] = hp_strdup(buf);
		}
	}
	for (i = 0; i < (nshown + 1) * ncols; i++)
		if (!cells[i])
			err = ENOMEM;
	if (!err) {
		hp_str_printf(out, "[hotpath] Allocation summary (%s: %s, callees "
			      "included) from ", metrics[m].name, metrics[m].what);
		append_escaped(out, r->program ? r->program : "?");
		hp_str_append(out, ":\n", 2);
		hp_fmt_table(out, (const char *const *)cells, nshown + 1, ncols);
		if (nshown < n)
			hp_str_printf(out, "[hotpath] %zu more not shown "
				      "(HOTPATH_LIMIT=%ld)\n", n - nshown, r->limit);
		if (!peak) {
			char w[48];

			hp_str_printf(out, "[hotpath] Total: summed over calls "
				      "(recursion counted once); Self: less what "
				      "measured callees allocated; %% Total: of the "
				      "%s %s in measured code (the sum of Self)\n",
				      metrics[m].bytes ?
				      hp_fmt_bytes(w, sizeof w, (double)whole) :
				      hp_fmt_count(w, sizeof w, (double)whole),
				      metrics[m].bytes ? "allocated" : "allocations");
		}
	}
	for (i = 0; i < (nshown + 1) * ncols; i++)
		hp_free(cells[i]);
	hp_free(cells);
	hp_free(idx);
	return err;
}

static int any_alloc(const struct hp_report *r)
{
	size_t i;

	for (i = 0; i < r->nrows; i++)
		if (r->rows[i].alloc_calls)
			return 1;
	return 0;
}

const char *hp_report_kind_name(int kind)
{
	return kind == HP_KIND_MAIN ? "main" :
	       kind == HP_KIND_BLOCK ? "block" : "function";
}

static void member_str(struct hp_json *j, const char *key, const char *s)
{
	hp_json_key(j, key);
	hp_json_string(j, s ? s : "");
}

static void member_u64(struct hp_json *j, const char *key, uint64_t v)
{
	hp_json_key(j, key);
	hp_json_u64(j, v);
}

static void member_int(struct hp_json *j, const char *key, int v)
{
	hp_json_key(j, key);
	hp_json_int(j, v);
}

/* {"p50": v[0], "p99": v[1], ...}; a percentile listed twice appears once,
 * with its first value. */
static void percentile_object(struct hp_json *j, const struct hp_report *r,
			      const uint64_t *v)
{
	char key[32];
	int k, seen;

	hp_json_begin_object(j);
	for (k = 0; k < r->npcts; k++) {
		for (seen = 0; seen < k && r->pcts[seen] != r->pcts[k]; seen++)
			;
		if (seen < k)
			continue;
		snprintf(key, sizeof key, "p%u", r->pcts[k]);
		member_u64(j, key, v[k]);
	}
	hp_json_end_object(j);
}

static void row_json(struct hp_json *j, const struct hp_report *r,
		     const struct hp_row *w)
{
	char key[32];
	size_t i;
	int m;

	hp_json_begin_object(j);
	member_str(j, "name", w->name);
	member_str(j, "file", w->file);
	member_int(j, "line", w->line);
	member_str(j, "kind", hp_report_kind_name(w->kind));
	member_u64(j, "calls", w->calls);
	if (r->sample > 1)
		member_u64(j, "timed_calls", hp_row_timed(w));
	member_u64(j, "unfinished", w->unfinished);
	member_u64(j, "total_ns", w->total_ns);
	member_u64(j, "recursive_ns", w->recursive_ns);
	member_u64(j, "self_ns", w->self_ns);
	member_u64(j, "avg_ns", w->calls ? (w->total_ns + w->recursive_ns) /
					   w->calls : 0);
	member_u64(j, "min_ns", w->min_ns);
	member_u64(j, "max_ns", w->max_ns);
	hp_json_key(j, "percent_total");
	hp_json_double(j, percent(w->total_ns, r->total_ns));
	hp_json_key(j, "percentiles");
	percentile_object(j, r, w->pct_ns);
	/* [[value_ns, calls], ...]: enough to compute any percentile of
	 * merged reports exactly as the runtime does (README) */
	hp_json_key(j, "histogram");
	hp_json_begin_array(j);
	for (i = 0; i < w->nhist; i++) {
		hp_json_begin_array(j);
		hp_json_u64(j, w->hist[i].value_ns);
		hp_json_u64(j, w->hist[i].count);
		hp_json_end_array(j);
	}
	hp_json_end_array(j);
	if (w->alloc_calls) {
		for (m = 0; m < 4; m++) {
			snprintf(key, sizeof key, "alloc_%s", metrics[m].json);
			member_u64(j, key, alloc_total(w, m));
		}
		member_u64(j, "alloc_bytes_self", w->alloc[0].self);
		member_u64(j, "alloc_count_self", w->alloc[2].self);
		hp_json_key(j, "alloc_percentiles");
		hp_json_begin_object(j);
		for (m = 0; m < 4; m++) {
			hp_json_key(j, metrics[m].json);
			percentile_object(j, r, w->alloc[m].pct);
		}
		hp_json_end_object(j);
		/* per metric {"min", "max", "histogram": [[value, calls], ...]}:
		 * the alloc percentiles of merged reports, as for time */
		hp_json_key(j, "alloc_histograms");
		hp_json_begin_object(j);
		for (m = 0; m < 4; m++) {
			hp_json_key(j, metrics[m].json);
			hp_json_begin_object(j);
			member_u64(j, "min", w->alloc_min[m]);
			member_u64(j, "max", w->alloc[m].max);
			hp_json_key(j, "histogram");
			hp_json_begin_array(j);
			for (i = 0; i < w->alloc_nhist[m]; i++) {
				hp_json_begin_array(j);
				hp_json_u64(j, w->alloc_hist[m][i].value_ns);
				hp_json_u64(j, w->alloc_hist[m][i].count);
				hp_json_end_array(j);
			}
			hp_json_end_array(j);
			hp_json_end_object(j);
		}
		hp_json_end_object(j);
	}
	hp_json_end_object(j);
}

static void edge_json(struct hp_json *j, const struct hp_edge_row *e)
{
	hp_json_begin_object(j);
	member_str(j, "caller", e->caller.name);
	member_str(j, "caller_file", e->caller.file);
	member_int(j, "caller_line", e->caller.line);
	member_str(j, "callee", e->callee.name);
	member_str(j, "callee_file", e->callee.file);
	member_int(j, "callee_line", e->callee.line);
	member_u64(j, "calls", e->calls);
	member_u64(j, "total_ns", e->total_ns);
	member_u64(j, "self_ns", e->self_ns);
	hp_json_end_object(j);
}

/* The call-path tree, the folded output's (HOTPATH_TREE_LIMIT bounds it
 * and "[truncated]" gathers the rest), as
 *     [[parent, function, calls, total_ns, self_ns], ...]
 * one element per node but the root, parents first (README, "JSON
 * report"): element k - 1 is node k, parent 0 is the root; function is
 * the node's index in "functions", null for "[truncated]", or
 * ["name", "file"] when HOTPATH_LIMIT left it out of "functions".
 * row_of maps a site to its index in "functions" + 1 (0: left out). */
static void paths_json(struct hp_json *j, const struct hp_report *r,
		       const uint32_t *row_of, size_t nsites)
{
	size_t i;

	hp_json_begin_array(j);
	for (i = 1; i < r->nnodes; i++) {
		const struct hp_path_node *n = &r->nodes[i];

		hp_json_begin_array(j);
		hp_json_u64(j, n->parent);
		if (!n->name)
			hp_json_null(j);
		else if (n->site && n->site < nsites && row_of[n->site])
			hp_json_u64(j, row_of[n->site] - 1);
		else {
			hp_json_begin_array(j);
			hp_json_string(j, n->name);
			hp_json_string(j, n->file);
			hp_json_end_array(j);
		}
		hp_json_u64(j, n->calls);
		hp_json_u64(j, n->total_ns);
		hp_json_u64(j, n->self_ns);
		hp_json_end_array(j);
	}
	hp_json_end_array(j);
}

int hp_report_json(struct hp_str *out, const struct hp_report *r, int pretty)
{
	struct hp_json j;
	size_t cut, nshown, i, row = 0, nsites = 1, listed = 0;
	uint32_t *row_of;
	int k, err;

	nshown = shown_rows(r, &cut);
	hp_json_init(&j, out, pretty);
	hp_json_begin_object(&j);
	member_str(&j, "program", r->program);
	member_str(&j, "clock", r->clock);
	member_u64(&j, "total_ns", r->total_ns);
	member_u64(&j, "lost", r->lost);
	member_u64(&j, "omitted", cut);
	member_u64(&j, "nonlocal_exits", r->nonlocal_exits);
	if (r->sample > 1)
		member_u64(&j, "sample", r->sample);
	hp_json_key(&j, "percentiles");
	hp_json_begin_array(&j);
	for (k = 0; k < r->npcts; k++)
		hp_json_u64(&j, r->pcts[k]);
	hp_json_end_array(&j);
	for (i = 0; i < r->nrows; i++)
		if (r->rows[i].site >= nsites)
			nsites = (size_t)r->rows[i].site + 1;
	row_of = hp_calloc(nsites, sizeof *row_of);
	if (!row_of)
		return ENOMEM;
	hp_json_key(&j, "functions");
	hp_json_begin_array(&j);
	for (i = 0; i < r->nrows; i++) {
		if (r->rows[i].kind != HP_KIND_MAIN && row++ >= nshown)
			continue;
		listed++;
		if (r->rows[i].site)
			row_of[r->rows[i].site] = (uint32_t)listed;
		row_json(&j, r, &r->rows[i]);
	}
	hp_json_end_array(&j);
	hp_json_key(&j, "edges");
	hp_json_begin_array(&j);
	for (i = 0; i < r->nedges; i++)
		edge_json(&j, &r->edges[i]);
	hp_json_end_array(&j);
	if (r->paths_kept) { /* else no "paths": not an empty tree */
		member_u64(&j, "paths_truncated", r->truncated);
		hp_json_key(&j, "paths");
		paths_json(&j, r, row_of, nsites);
	}
	hp_free(row_of);
	hp_json_end_object(&j);
	hp_str_append(out, "\n", 1);
	err = hp_json_finish(&j);
	return err ? err : out->failed ? ENOMEM : 0;
}

/* Appends the path of node i ("a;b;c"); names' ';' and spaces would
 * break the format, so they become '_'. */
static void folded_path(struct hp_str *out, const struct hp_report *r,
			uint32_t i)
{
	const struct hp_path_node *n = &r->nodes[i];
	const char *s;

	if (n->parent)
		folded_path(out, r, n->parent);
	if (n->parent)
		hp_str_append(out, ";", 1);
	for (s = n->name ? n->name : "[truncated]"; *s; s++)
		hp_str_append(out, (*s == ';' || *s == ' ' || *s == '\n') ? "_" : s, 1);
}

int hp_report_folded(struct hp_str *out, const struct hp_report *r)
{
	size_t i;

	for (i = 1; i < r->nnodes; i++) {
		if (!r->nodes[i].calls)
			continue;
		folded_path(out, r, (uint32_t)i);
		hp_str_printf(out, " %llu\n", (unsigned long long)r->nodes[i].self_ns);
	}
	if (!out->s)
		hp_str_append(out, "", 0);
	return out->failed ? ENOMEM : 0;
}

/* Microseconds with three exact decimals: containment survives. */
static void append_us(struct hp_str *out, uint64_t ns)
{
	hp_str_printf(out, "%llu.%03llu", (unsigned long long)(ns / 1000),
		      (unsigned long long)(ns % 1000));
}

int hp_report_trace(struct hp_str *out, const struct hp_report *r)
{
	size_t t, i;

	/* The process carries the program's name, each thread its own. */
	hp_str_printf(out, "{\"traceEvents\":[\n{\"name\":\"process_name\","
		      "\"ph\":\"M\",\"pid\":%ld,\"args\":{\"name\":", r->pid);
	hp_json_write_string(out, r->program);
	hp_str_append(out, "}}", 2);
	for (t = 0; t < r->nthreads; t++) {
		const struct hp_trace_thread *th = &r->threads[t];

		hp_str_printf(out, ",\n{\"name\":\"thread_name\",\"ph\":\"M\","
			      "\"pid\":%ld,\"tid\":%ld,\"args\":{\"name\":",
			      r->pid, th->tid);
		hp_json_write_string(out, th->name);
		hp_str_append(out, "}}", 2);
		for (i = 0; i < th->n; i++) {
			const struct hp_trace_event *e = &th->ev[i];

			hp_str_append(out, ",\n{\"name\":", 10);
			hp_json_write_string(out, e->name ? e->name : "?");
			hp_str_printf(out, ",\"cat\":\"hotpath\",\"ph\":\"X\","
				      "\"pid\":%ld,\"tid\":%ld,\"ts\":", r->pid, th->tid);
			append_us(out, e->start_ns);
			hp_str_append(out, ",\"dur\":", 7);
			append_us(out, e->end_ns - e->start_ns);
			hp_str_append(out, "}", 1);
		}
	}
	hp_str_printf(out, "\n],\"displayTimeUnit\":\"ns\",\"otherData\":"
		      "{\"dropped\":%llu,\"clock\":",
		      (unsigned long long)r->trace_dropped);
	hp_json_write_string(out, r->clock);
	hp_str_append(out, "}}\n", 3);
	return out->failed ? ENOMEM : 0;
}

void hp_report_expand_path(const char *pattern, long pid, struct hp_str *out)
{
	const char *p;

	for (p = pattern; *p; p++) {
		if (p[0] == '%' && p[1] == 'p') {
			hp_str_printf(out, "%ld", pid);
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			hp_str_append(out, "%", 1);
			p++;
		} else {
			hp_str_append(out, p, 1);
		}
	}
	if (!out->s)
		hp_str_append(out, "", 0);
}

/* Returns 0, or the errno of the write that failed (a write of 0 bytes
 * counts as EIO). */
static int write_all(int fd, const char *text, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, text, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno : EIO;
		text += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A closed pipe (`./prog 2>&1 | head -2`) must not kill the program with
 * SIGPIPE: the report's writes get EPIPE instead.  SIGPIPE is blocked on
 * this thread only, around the writes; one our write raised (it goes to
 * the writing thread) is taken back with a zero-timeout sigtimedwait, but
 * one that was pending before stays pending for the program.  The
 * program's disposition is never touched. */
struct pipe_guard {
	sigset_t pipe, old;
	int was_pending;
};

static void pipe_guard_begin(struct pipe_guard *g)
{
	sigset_t pending;

	sigemptyset(&g->pipe);
	sigaddset(&g->pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &g->pipe, &g->old);
	g->was_pending = sigpending(&pending) == 0 &&
			 sigismember(&pending, SIGPIPE) == 1;
}

static void pipe_guard_end(struct pipe_guard *g)
{
	static const struct timespec zero = { 0, 0 };
	sigset_t pending;

	if (!g->was_pending && sigpending(&pending) == 0 &&
	    sigismember(&pending, SIGPIPE) == 1)
		while (sigtimedwait(&g->pipe, NULL, &zero) < 0 && errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

static void write_report(const char *pattern, const char *text, size_t n,
			 int announce);

void hp_report_write(const char *pattern, const char *text, size_t n,
		     int announce)
{
	struct pipe_guard g;
	int saved = errno;

	pipe_guard_begin(&g);
	write_report(pattern, text, n, announce);
	pipe_guard_end(&g);
	errno = saved;
}

static int write_file(const char *path, const char *text, size_t n,
		      const char **failed);

int hp_report_write_file(const char *pattern, const char *text, size_t n)
{
	struct hp_str path = { 0 };
	struct pipe_guard g;
	const char *failed;
	int saved = errno, err;

	hp_report_expand_path(pattern, (long)getpid(), &path);
	pipe_guard_begin(&g);
	err = path.failed ? ENOMEM : write_file(path.s, text, n, &failed);
	pipe_guard_end(&g);
	hp_str_free(&path);
	errno = saved;
	return err;
}

/* Writes text to fd and closes it: 0 or the first errno. */
static int write_close(int fd, const char *text, size_t n)
{
	int err = write_all(fd, text, n);

	if (close(fd) != 0 && !err && errno != EINTR)
		err = errno;
	return err;
}

/* Is path missing or a regular file (not a device, FIFO or symlink)?
 * Only those are written through a temporary name and renamed: renaming
 * over /dev/stdout or a FIFO would replace it. */
static int plain_file(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT;
	return S_ISREG(st.st_mode);
}

/* A report file is complete or absent.  It is written to
 * "<path>.tmp-<pid>" in the same directory and renamed over path, so a
 * full disk (ENOSPC), EIO or a file size limit leaves no partial report
 * that looks valid: the temporary file and the earlier report at path are
 * removed, and one line on stderr names path and the error.  Where no
 * temporary file can be made (a directory we cannot write into, a
 * device, a FIFO) the file is written in place.  A symlink as the last
 * component is never followed (O_NOFOLLOW; O_EXCL for the temporary
 * file; rename replaces a link, never its target): a privileged program
 * must not be steered into someone else's file.  Mode 0644 less the
 * umask. */
static int write_file(const char *path, const char *text, size_t n,
		      const char **failed)
{
	struct hp_str tmp = { 0 };
	int fd = -1, err, plain = plain_file(path);

	*failed = path;
	if (plain) {
		hp_str_printf(&tmp, "%s.tmp-%ld", path, (long)getpid());
		if (!tmp.failed)
			fd = open(tmp.s, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				  0644);
	}
	if (fd >= 0) {
		err = write_close(fd, text, n);
		if (!err && rename(tmp.s, path) != 0)
			err = errno;
		if (err) {
			unlink(tmp.s);
			unlink(path);
		}
		hp_str_free(&tmp);
		return err;
	}
	hp_str_free(&tmp);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0644);
	if (fd < 0) {
		*failed = NULL; /* not opened: the report goes to stderr */
		return errno;
	}
	err = write_close(fd, text, n);
	if (err && plain_file(path))
		unlink(path);
	return err;
}

static void write_report(const char *pattern, const char *text, size_t n,
			 int announce)
{
	struct hp_str path = { 0 }, msg = { 0 };
	const char *failed = NULL;
	int err;

	if (!pattern || !*pattern) {
		write_all(2, text, n); /* nowhere left to say it failed */
		return;
	}
	hp_report_expand_path(pattern, (long)getpid(), &path);
	err = path.failed ? ENOMEM : write_file(path.s, text, n, &failed);
	if (err) {
		hp_str_printf(&msg, "[hotpath] cannot write %s: %s\n",
			      path.s ? path.s : pattern, strerror(err));
		if (msg.s)
			write_all(2, msg.s, msg.len);
		if (!failed) /* never opened: the report goes to stderr */
			write_all(2, text, n);
	} else if (announce && plain_file(path.s)) { /* not /dev/null & co. */
		hp_str_printf(&msg, "[hotpath] wrote %s\n", path.s);
		if (msg.s)
			write_all(2, msg.s, msg.len);
	}
	hp_str_free(&path);
	hp_str_free(&msg);
}
