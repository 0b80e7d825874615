/* gather.h - the report's data: from the statistics to struct hp_report.
 *
 * DESIGN.  The one place where what the worker kept becomes the plain
 * data the renderers show: per-site statistics (worker.h) become rows,
 * the call graph (callgraph.h) edges and call-path nodes, the trace rings
 * (trace.h) per-thread events, sites (sites.h) their names, and every
 * figure goes from ticks to ns with the session-long calibration
 * (clock.h: after hp_clock_finish).  It runs once, in the reporting
 * thread, after the worker has stopped and every ring has been drained,
 * so it reads the consumer's data without a lock.  What only the session
 * knows (main, the span, the percentiles) comes in struct hp_gather_in;
 * what the user asked for comes from the settings.
 *
 * Rows: one per slot that has calls (a fork child's zeroed statistics
 * leave none), sorted by total time.  Edges (json, json-pretty, html),
 * the call-path tree in depth-first order (folded, html) and the threads'
 * traces (trace) are gathered only when a format of the settings shows
 * them.  The renderers (report.c, html.c) and the writer (output.c) see
 * only the struct, so tests feed them hand-made reports.
 */
#ifndef HP_GATHER_H
#define HP_GATHER_H

#include <stdint.h>

struct hp_report;
struct hp_settings;

struct hp_gather_in {
	uint32_t main_slot;        /* main's site (sites.h), 0 = none */
	uint64_t total_ns;         /* the session's span */
	uint64_t lost_base;        /* records lost before this session began */
	const unsigned int *pcts;  /* the percentiles shown */
	int npcts;
};

/* Fills r (cleared first).  0, or ENOMEM: then r holds nothing. */
int hp_gather(struct hp_report *r, const struct hp_gather_in *in,
	      const struct hp_settings *set);
/* Frees what hp_gather allocated. */
void hp_gather_free(struct hp_report *r);

#endif
