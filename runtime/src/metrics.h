/* metrics.h - HOTPATH_FORMAT=metrics: the report as Prometheus text
 * exposition (format 0.0.4, Content-Type "text/plain; version=0.0.4"),
 * for a file, a snapshot, or the HTTP server's /metrics.
 *
 * DESIGN.  Like the other renderers it reads a struct hp_report only
 * (gather.h), so tests feed it hand-made rows.  Names follow Prometheus's
 * conventions: a `hotpath_` prefix, base units (seconds, bytes), `_total`
 * on counters.  One series per site, labelled
 *   function="…",file="…",line="N",kind="function|block|main"
 * The line is always there: a site's identity is (name, file, line,
 * kind) (sites.h), and two measure_block()s with the same label in one
 * file, or a static function that different builds of one header define
 * at different lines, would otherwise be one series twice.  Adding the
 * label only where names clash would not do: a clash can appear mid-run
 * (the second site is reached later), and a series must keep its labels
 * for its whole life.  Every row is listed, HOTPATH_LIMIT or not (a
 * series must not vanish when the ranking changes), sorted by function,
 * file, line and kind, so successive scrapes list series alike.
 *
 * Label values are escaped as the format says: backslash, double quote
 * and line feed as \\, \" and \n; every other byte passes, except that a
 * byte which is not part of well-formed UTF-8 (a file name in Latin-1)
 * becomes U+FFFD, as the format is UTF-8.
 *
 * hotpath_call_duration_seconds: the runtime's histogram (hist.h: buckets
 * at most 1/64 of their value wide) counted into fixed Prometheus buckets,
 * HP_METRICS_LE below: 100 ns to 10 s, 1 and 3 per decade.  The runtime's
 * buckets do not nest in those bounds (their edges are clock ticks, the
 * bounds ns), so the rule is this: a runtime bucket counts, whole, under
 * every le at or above its value, the value percentiles report for it
 * (its midpoint, clamped to the site's exact min and max; the JSON
 * report's "histogram").  A call within 0.8% of a bound may thus be
 * counted on the other side of it; a site whose calls all took the same
 * time is counted exactly (its min and max are that time).  le="+Inf"
 * and _count are the calls, so the few calls a histogram could not bucket
 * (out of memory) are in +Inf only.  _sum is the time of every call, a
 * recursive call's too, so it is hotpath_time_seconds_total (recursion
 * counted once, as the report's Total) plus the recursive calls' own.
 */
#ifndef HP_METRICS_H
#define HP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "format.h"

struct hp_report;

/* The histogram's upper bounds, ns, ascending; le="+Inf" follows. */
#define HP_METRICS_NLE 17
extern const uint64_t hp_metrics_le_ns[HP_METRICS_NLE];

/* The whole exposition, rows in any order.  0 or ENOMEM. */
int hp_metrics_render(struct hp_str *out, const struct hp_report *r);
/* A label value between its quotes, escaped (above). */
void hp_metrics_escape(struct hp_str *out, const char *s);

#endif
