/* metrics.c - see metrics.h. */
#include "metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fmt.h"
#include "hotpath.h"
#include "report.h"

const uint64_t hp_metrics_le_ns[HP_METRICS_NLE] = {
	100, 300, 1000, 3000, 10000, 30000, 100000, 300000,
	1000000, 3000000, 10000000, 30000000, 100000000, 300000000,
	1000000000, 3000000000, 10000000000,
};

/* The same bounds as Go's strconv.FormatFloat(v, 'g', -1) writes them,
 * which is how the Prometheus client libraries spell le. */
static const char *const le_text[HP_METRICS_NLE] = {
	"1e-07", "3e-07", "1e-06", "3e-06", "1e-05", "3e-05", "0.0001",
	"0.0003", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3",
	"10",
};

void hp_metrics_escape(struct hp_str *out, const char *s)
{
	const char *run;

	for (run = s; s && *s;) {
		unsigned char c = (unsigned char)*s;
		const char *esc = c == '\\' ? "\\\\" : c == '"' ? "\\\"" :
				  c == '\n' ? "\\n" : NULL;
		size_t n = esc ? 0 : hp_fmt_utf8_len((const unsigned char *)s);

		if (n) {
			s += n;
			continue;
		}
		hp_str_append(out, run, (size_t)(s - run));
		if (esc)
			hp_str_append(out, esc, 2);
		else
			hp_str_append(out, "\xef\xbf\xbd", 3); /* U+FFFD */
		run = ++s;
	}
	if (run)
		hp_str_append(out, run, strlen(run));
}

/* ns as seconds, exactly: "0", "1.5", "0.000000123". */
static void seconds(struct hp_str *out, uint64_t ns)
{
	char frac[16];
	int n;

	hp_str_printf(out, "%llu", (unsigned long long)(ns / 1000000000u));
	if (!(ns % 1000000000u))
		return;
	n = snprintf(frac, sizeof frac, "%09llu",
		     (unsigned long long)(ns % 1000000000u));
	while (n > 0 && frac[n - 1] == '0')
		n--;
	hp_str_append(out, ".", 1);
	hp_str_append(out, frac, (size_t)n);
}

static void family(struct hp_str *out, const char *name, const char *type,
		   const char *help)
{
	hp_str_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* "name{function=…,file=…,line=…,kind=…[,le=…]} " */
static void series(struct hp_str *out, const char *name,
		   const struct hp_row *w, const char *le)
{
	hp_str_printf(out, "%s{function=\"", name);
	hp_metrics_escape(out, w->name);
	hp_str_append(out, "\",file=\"", 8);
	hp_metrics_escape(out, w->file);
	hp_str_printf(out, "\",line=\"%d\",kind=\"%s\"", w->line,
		      hp_report_kind_name(w->kind));
	if (le)
		hp_str_printf(out, ",le=\"%s\"", le);
	hp_str_append(out, "} ", 2);
}

static void u64_line(struct hp_str *out, uint64_t v)
{
	hp_str_printf(out, "%llu\n", (unsigned long long)v);
}

static void seconds_line(struct hp_str *out, uint64_t ns)
{
	seconds(out, ns);
	hp_str_append(out, "\n", 1);
}

static int cmp_text(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int by_identity(const void *pa, const void *pb)
{
	const struct hp_row *a = *(const struct hp_row *const *)pa;
	const struct hp_row *b = *(const struct hp_row *const *)pb;
	int c;

	if ((c = cmp_text(a->name, b->name)) || (c = cmp_text(a->file, b->file)))
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return (a->kind > b->kind) - (a->kind < b->kind);
}

/* The histogram of one row (metrics.h for the rule). */
static void histogram(struct hp_str *out, const struct hp_row *w)
{
	uint64_t cum = 0;
	size_t i = 0;
	int k;

	for (k = 0; k < HP_METRICS_NLE; k++) {
		for (; i < w->nhist; i++) {
			uint64_t v = w->hist[i].value_ns;

			if (v < w->min_ns)
				v = w->min_ns;
			if (v > w->max_ns)
				v = w->max_ns;
			if (v > hp_metrics_le_ns[k])
				break;
			cum += w->hist[i].count;
		}
		series(out, "hotpath_call_duration_seconds_bucket", w, le_text[k]);
		u64_line(out, cum < w->calls ? cum : w->calls);
	}
	series(out, "hotpath_call_duration_seconds_bucket", w, "+Inf");
	u64_line(out, w->calls);
	series(out, "hotpath_call_duration_seconds_sum", w, NULL);
	seconds_line(out, w->total_ns + w->recursive_ns);
	series(out, "hotpath_call_duration_seconds_count", w, NULL);
	u64_line(out, w->calls);
}

/* The allocation families (hpcc --alloc), for rows that have figures.
 * The -total figures are counted like time: inclusive with recursion
 * once, and self. */
static void alloc_families(struct hp_str *out, struct hp_row *const *rows,
			   size_t n)
{
	static const struct {
		const char *name, *type, *help;
		int metric; /* HOTPATH_ALLOC's order: bytes-total .. count-max */
		int self;
	} fam[] = {
		{ "hotpath_alloc_bytes_total", "counter",
		  "Bytes allocated by the site's calls and their callees "
		  "(hpcc --alloc; recursive calls counted once).", 0, 0 },
		{ "hotpath_self_alloc_bytes_total", "counter",
		  "Bytes allocated by the site's calls themselves, not by "
		  "measured callees (hpcc --alloc).", 0, 1 },
		{ "hotpath_allocations_total", "counter",
		  "Allocations made by the site's calls and their callees "
		  "(hpcc --alloc; recursive calls counted once).", 2, 0 },
		{ "hotpath_self_allocations_total", "counter",
		  "Allocations made by the site's calls themselves, not by "
		  "measured callees (hpcc --alloc).", 2, 1 },
		{ "hotpath_alloc_peak_bytes", "gauge",
		  "Largest peak of live bytes during one call, above those "
		  "live at its entry (hpcc --alloc).", 1, 0 },
		{ "hotpath_alloc_peak_blocks", "gauge",
		  "Largest peak of live blocks during one call, above those "
		  "live at its entry (hpcc --alloc).", 3, 0 },
	};
	size_t f, i;

	for (f = 0; f < sizeof fam / sizeof fam[0]; f++) {
		int m = fam[f].metric;

		family(out, fam[f].name, fam[f].type, fam[f].help);
		for (i = 0; i < n; i++) {
			const struct hp_alloc_fig *a = &rows[i]->alloc[m];

			if (!rows[i]->alloc_calls)
				continue;
			series(out, fam[f].name, rows[i], NULL);
			u64_line(out, fam[f].self ? a->self :
				 (m & 1) ? a->max : a->sum - a->recursive);
		}
	}
}

int hp_metrics_render(struct hp_str *out, const struct hp_report *r)
{
	struct hp_row **rows;
	size_t i, n = r->nrows;
	int any_alloc = 0;

	rows = hp_calloc(n ? n : 1, sizeof *rows);
	if (!rows)
		return ENOMEM;
	for (i = 0; i < n; i++) {
		rows[i] = &r->rows[i];
		any_alloc |= rows[i]->alloc_calls != 0;
	}
	qsort(rows, n, sizeof *rows, by_identity);

	family(out, "hotpath_info", "gauge",
	       "The profiled program: its name, pid and clock (always 1).");
	hp_str_append(out, "hotpath_info{program=\"", 22);
	hp_metrics_escape(out, r->program);
	hp_str_printf(out, "\",pid=\"%ld\",clock=\"", r->pid);
	hp_metrics_escape(out, r->clock);
	hp_str_append(out, "\"} 1\n", 5);
	family(out, "hotpath_session_seconds", "gauge",
	       "Wall time the profile covers so far (main's, if measured).");
	hp_str_append(out, "hotpath_session_seconds ", 24);
	seconds_line(out, r->total_ns);
	family(out, "hotpath_lost_total", "counter",
	       "Calls not measured: a thread's buffer was full or memory ran "
	       "out.");
	hp_str_append(out, "hotpath_lost_total ", 19);
	u64_line(out, r->lost);
	family(out, "hotpath_nonlocal_exits_total", "counter",
	       "Measured calls left by longjmp and the like, closed when "
	       "noticed.");
	hp_str_append(out, "hotpath_nonlocal_exits_total ", 29);
	u64_line(out, r->nonlocal_exits);

	family(out, "hotpath_calls_total", "counter",
	       "Calls of the site (a function, a measure_block, or main), "
	       "recursive ones included.");
	for (i = 0; i < n; i++) {
		series(out, "hotpath_calls_total", rows[i], NULL);
		u64_line(out, rows[i]->calls);
	}
	family(out, "hotpath_time_seconds_total", "counter",
	       "Time in the site's calls, callees included; a recursive call "
	       "is inside its outermost call's time only.");
	for (i = 0; i < n; i++) {
		series(out, "hotpath_time_seconds_total", rows[i], NULL);
		seconds_line(out, rows[i]->total_ns);
	}
	family(out, "hotpath_self_seconds_total", "counter",
	       "Time in the site's calls less the time of measured callees.");
	for (i = 0; i < n; i++) {
		series(out, "hotpath_self_seconds_total", rows[i], NULL);
		seconds_line(out, rows[i]->self_ns);
	}
	family(out, "hotpath_call_duration_seconds", "histogram",
	       "Duration of each call. A call counts under the first le at or "
	       "above its runtime histogram bucket's value (the bucket's "
	       "midpoint clamped to the exact min and max, within 0.8% of the "
	       "call's duration); _sum includes recursive calls.");
	for (i = 0; i < n; i++)
		histogram(out, rows[i]);
	if (any_alloc)
		alloc_families(out, rows, n);
	hp_free(rows);
	return out->failed ? ENOMEM : 0;
}
