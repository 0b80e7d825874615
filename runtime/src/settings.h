/* settings.h - every HOTPATH_* variable, read once into one struct.
 *
 * DESIGN.  The session calls hp_settings_load() once, when it starts
 * (before the clock, the worker or any ring exists); from then on every
 * module reads its values from the one struct, through the const pointer
 * hp_settings() returns, never from the environment.  So the worker
 * that keeps the data and the report that shows it agree on what was
 * asked, and a program that changes its environment later changes
 * nothing.
 *
 * Every value is checked against what the runtime can do: format and
 * table names against their lists, numbers as plain decimal digits within
 * explicit bounds (no sign, so "-1" cannot wrap to 2^64 - 1, and no
 * overflow on the way to the bound).  A value that is bad, out of range or
 * unknown leaves its setting at the default, and the loader writes one
 * line about it into `notes`, which the table report prints under the
 * table: the check and the note are the same code, so they cannot
 * disagree.  HOTPATH_* variables the runtime does not know are named there
 * too.  An empty value is the same as an unset one.
 */
#ifndef HP_SETTINGS_H
#define HP_SETTINGS_H

#include <stddef.h>

#include "format.h"

/* HOTPATH_FORMAT's formats, as bits; a format's index is its bit's
 * position. */
#define HP_OUT_TABLE 0x01u
#define HP_OUT_JSON 0x02u
#define HP_OUT_JSON_PRETTY 0x04u
#define HP_OUT_FOLDED 0x08u
#define HP_OUT_TRACE 0x10u
#define HP_OUT_HTML 0x20u
#define HP_OUT_METRICS 0x40u
#define HP_OUT_FORMATS 7

/* HOTPATH_SIGNAL_REPORT: 1 on SIGINT and SIGTERM; unset: SIGINT only,
 * when stdin or stderr is a terminal (session.c decides at start); 0 off. */
#define HP_SIGNAL_REPORT_OFF 0
#define HP_SIGNAL_REPORT_ON 1
#define HP_SIGNAL_REPORT_TERMINAL 2

/* HOTPATH_ALLOC's tables, as bits in the order of HP_ALLOC_* (worker.h):
 * bytes-total, bytes-max, count-total, count-max. */
#define HP_ALLOC_ALL 0xfu

/* The numeric settings' defaults and bounds (inclusive). */
#define HP_LIMIT_MAX 100000000l /* HOTPATH_LIMIT: rows */
#define HP_TRACE_LIMIT_DEFAULT 100000u /* HOTPATH_TRACE_LIMIT: events a thread */
#define HP_TRACE_LIMIT_MAX 100000000u
#define HP_TREE_LIMIT_DEFAULT 100000u /* HOTPATH_TREE_LIMIT: call-path nodes */
#define HP_TREE_LIMIT_MIN 16u
#define HP_TREE_LIMIT_MAX 100000000u
#define HP_SAMPLE_MAX 1048576u /* HOTPATH_SAMPLE: time 1 call in N, N <= 2^20 */
#define HP_INTERVAL_MIN_MS 10u /* HOTPATH_INTERVAL: seconds, to the ms */
#define HP_INTERVAL_MAX_MS 86400000u

/* HOTPATH_SORT's keys, in the order of its words (total, self, calls,
 * avg, max, name); 0 is total, so a report made by hand sorts as
 * before.  The settings' default is self: see settings.c. */
#define HP_SORT_TOTAL 0
#define HP_SORT_SELF 1
#define HP_SORT_CALLS 2
#define HP_SORT_AVG 3
#define HP_SORT_MAX 4
#define HP_SORT_NAME 5

/* HOTPATH_COLUMNS: the table's optional columns.  Percentiles are in
 * thousandths of a percent (p99.9 is 99900), so "any percentile" is
 * exact to three decimals. */
#define HP_MAX_COLUMN_PCTS 8 /* the table's 32 columns hold 6 + 16 + 8 + 2 */
struct hp_columns {
	int min, max;                            /* show Min, Max */
	unsigned int pcts[HP_MAX_COLUMN_PCTS];   /* pN columns, as listed */
	int npcts;
};

/* HOTPATH_HTTP=[HOST:]PORT (http.h): where the live server listens. */
struct hp_http_addr {
	int on;                  /* HOTPATH_HTTP set to a good value */
	int v6;                  /* addr is IPv6 (16 bytes), else IPv4 (4) */
	unsigned char addr[16];  /* network order */
	unsigned int port;       /* 0: any free port */
	int loopback;            /* 127.0.0.0/8, ::1 or ::ffff:127.x.x.x */
};

struct hp_settings {
	unsigned int formats;                   /* HP_OUT_* bits; 0 = none */
	unsigned int order[HP_OUT_FORMATS + 1]; /* the same, in list order, 0-ended */
	char *output;                           /* HOTPATH_OUTPUT; NULL = stderr */
	char *output_for[HP_OUT_FORMATS];       /* HOTPATH_OUTPUT_<FORMAT>, by index */
	unsigned int pcts[HP_MAX_PERCENTILES];  /* HOTPATH_PERCENTILES */
	int npcts;                              /* 0: unset (main's list applies) */
	long limit;                             /* rows besides main; -1 = all */
	unsigned int alloc_tables;              /* HP_ALLOC_ALL bits */
	int fork_report;                        /* HOTPATH_FORK: 1 report, 0 none */
	int signal_report;                      /* HP_SIGNAL_REPORT_* */
	int quiet;                              /* HOTPATH_QUIET=1: no "wrote" lines */
	int sort;                               /* HOTPATH_SORT: HP_SORT_* */
	struct hp_columns columns;              /* HOTPATH_COLUMNS */
	int clock_monotonic;                    /* HOTPATH_CLOCK=monotonic */
	size_t trace_limit;                     /* events kept a thread (trace) */
	int tracing;                            /* trace listed, limit > 0: the
						   worker keeps every call's start */
	size_t tree_limit;                      /* call-path nodes (folded, html, json) */
	unsigned long interval_ms;              /* HOTPATH_INTERVAL; 0 = off */
	struct hp_http_addr http;               /* HOTPATH_HTTP */
	int http_allow_remote;                  /* HOTPATH_HTTP_ALLOW_REMOTE=1 */
	char *http_note;                        /* HOTPATH_HTTP's problem, one
						   line, said when the session
						   starts (http.h); or NULL */
	unsigned int sample;                    /* HOTPATH_SAMPLE, else main's
						   sample = N: time 1 call in
						   N (1: every call) */
	char *notes;                            /* a line per ignored value, or NULL */
};

/* Reads the environment into the process's settings, hp_settings()
 * (replacing what an earlier load read: the session loads once, tests
 * load again after setenv).  0, or ENOMEM when a path or the notes could
 * not be copied (they are then missing; every other value holds). */
int hp_settings_load(void);
/* The settings last loaded (the defaults before any load). */
const struct hp_settings *hp_settings(void);
/* "table", "json", ... for one HP_OUT_* bit; NULL for anything else. */
const char *hp_settings_format_name(unsigned int bit);
/* The HP_OUT_* bit of a format name ("json", ...); 0 if none. */
unsigned int hp_settings_format_bit(const char *name);
/* The index of one HP_OUT_* bit (0 .. HP_OUT_FORMATS - 1). */
unsigned int hp_settings_format_index(unsigned int bit);

/* The formats that need the calls in order (the call-path tree). */
#define HP_OUT_TREE (HP_OUT_FOLDED | HP_OUT_HTML | HP_OUT_JSON | HP_OUT_JSON_PRETTY)

/* Whether each thread keeps its own statistics (local.h) rather than
 * send its calls to the worker: when no format needs them in order and
 * allocations are not measured (alloc_linked: hp_alloc_linked). */
static inline int hp_settings_local(const struct hp_settings *s,
				    int alloc_linked)
{
	return !s->tracing && !(s->formats & HP_OUT_TREE) && !alloc_linked;
}

#endif
