/* test_settings.c - the HOTPATH_* loader (settings.c): each variable's
 * good, bad and huge values, what is kept and the exact note; then whole
 * programs whose trace limit is a bad number (a heap corruption once:
 * "-1" read by strtoull, limit * 24 overflowing) run to completion.
 *
 * The unit tests call hp_settings_load() in this process after setenv;
 * the session never starts here (nothing is measured outside the
 * scenario children, child.h). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#include "test.h"

#include "child.h"
#include "alloc.h"
#include "hotpath.h"
#include "settings.h"

/* The values every numeric variable must survive. */
#define HUGE_MAX "18446744073709551615" /* 2^64 - 1 */
#define HUGE_62 "4611686018427387904"   /* 2^62: 24 times it wraps to 0 */

/* ---- the scenario (run in the child) ---- */

static __attribute__((noinline)) void leaf(void)
{
	HP_FUNCTION(1, "leaf", 1);
	__asm__ __volatile__("");
}

static __attribute__((noinline)) void inner(void)
{
	HP_FUNCTION(2, "inner", 2);
	leaf();
	leaf();
}

static void *calls(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 1000; i++)
		inner();
	return NULL;
}

static int child_calls(void)
{
	HP_MAIN(3, "main", 3, "");
	pthread_t t;

	if (pthread_create(&t, NULL, calls, NULL))
		return 2;
	calls(NULL);
	pthread_join(t, NULL);
	return 0;
}

static const struct scenario scenarios[] = {
	{ "calls", child_calls },
};

__attribute__((constructor)) static void child_dispatch(void)
{
	run_scenario(scenarios, sizeof scenarios / sizeof scenarios[0]);
}

/* ---- the loader, in this process ---- */

extern char **environ;

/* No HOTPATH_* variable left (the test's own environment included). */
static void clear_env(void)
{
	char name[256];
	int again = 1;

	while (again) {
		char **e;

		again = 0;
		for (e = environ; e && *e; e++) {
			const char *eq = strchr(*e, '=');
			size_t n = eq ? (size_t)(eq - *e) : strlen(*e);

			if (strncmp(*e, "HOTPATH_", 8) == 0 && n < sizeof name) {
				memcpy(name, *e, n);
				name[n] = '\0';
				unsetenv(name);
				again = 1;
				break;
			}
		}
	}
}

/* Loads with exactly one variable set. */
static const struct hp_settings *load1(const char *name, const char *v)
{
	clear_env();
	setenv(name, v, 1);
	(void)hp_settings_load();
	return hp_settings();
}

static void defaults(void)
{
	const struct hp_settings *s;
	unsigned int f;

	clear_env();
	CHECK_INT(0, hp_settings_load());
	s = hp_settings();
	CHECK_INT(HP_OUT_TABLE, s->formats);
	CHECK_INT(HP_OUT_TABLE, s->order[0]);
	CHECK_INT(0, s->order[1]);
	CHECK(s->output == NULL);
	for (f = 0; f < HP_OUT_FORMATS; f++)
		CHECK(s->output_for[f] == NULL);
	CHECK_INT(0, s->npcts);
	CHECK_INT(-1, s->limit);
	CHECK_INT(HP_ALLOC_ALL, s->alloc_tables);
	CHECK_INT(1, s->fork_report);
	CHECK_INT(HP_SIGNAL_REPORT_TERMINAL, s->signal_report);
	CHECK_INT(0, s->quiet);
	CHECK_INT(HP_SORT_SELF, s->sort);
	CHECK_INT(0, s->columns.min);
	CHECK_INT(0, s->columns.max);
	CHECK_INT(0, s->columns.npcts);
	CHECK_INT(0, s->clock_monotonic);
	CHECK_U64(100000, s->trace_limit);
	CHECK_U64(100000, s->tree_limit);
	CHECK_INT(0, s->tracing);
	CHECK(s->notes == NULL);
	CHECK(hp_settings() == s);
	/* empty is unset */
	s = load1("HOTPATH_LIMIT", "");
	CHECK_INT(-1, s->limit);
	CHECK(s->notes == NULL);
}

static void formats(void)
{
	const struct hp_settings *s;

	s = load1("HOTPATH_FORMAT", "json");
	CHECK_INT(HP_OUT_JSON, s->formats);
	CHECK(s->notes == NULL);
	s = load1("HOTPATH_FORMAT", "html, json-pretty,folded,html,trace");
	CHECK_INT(HP_OUT_HTML | HP_OUT_JSON_PRETTY | HP_OUT_FOLDED | HP_OUT_TRACE,
		  s->formats);
	CHECK_INT(HP_OUT_HTML, s->order[0]);
	CHECK_INT(HP_OUT_JSON_PRETTY, s->order[1]);
	CHECK_INT(HP_OUT_FOLDED, s->order[2]);
	CHECK_INT(HP_OUT_TRACE, s->order[3]);
	CHECK_INT(0, s->order[4]);
	CHECK(s->notes == NULL);
	CHECK_INT(1, s->tracing);
	clear_env();
	setenv("HOTPATH_FORMAT", "trace", 1);
	setenv("HOTPATH_TRACE_LIMIT", "0", 1);
	CHECK_INT(0, hp_settings_load());
	CHECK_INT(0, hp_settings()->tracing); /* nothing to keep */
	s = load1("HOTPATH_FORMAT", "none");
	CHECK_INT(0, s->formats);
	CHECK_INT(0, s->order[0]);
	CHECK(s->notes == NULL);
	s = load1("HOTPATH_FORMAT", "json,none");
	CHECK_INT(HP_OUT_JSON, s->formats);
	s = load1("HOTPATH_FORMAT", "tabel");
	CHECK_INT(HP_OUT_TABLE, s->formats);
	CHECK_STR("[hotpath] unknown format 'tabel' in HOTPATH_FORMAT (table, json, "
		  "json-pretty, folded, trace, html, metrics, none): the table is shown "
		  "instead\n", s->notes);
	/* one note, for the first unknown name */
	s = load1("HOTPATH_FORMAT", "json,tabel,bogus");
	CHECK_INT(HP_OUT_JSON | HP_OUT_TABLE, s->formats);
	CHECK_INT(HP_OUT_JSON, s->order[0]);
	CHECK_INT(HP_OUT_TABLE, s->order[1]);
	CHECK_INT(1, count_substr(s->notes, "\n"));
	CHECK_STR("table", hp_settings_format_name(HP_OUT_TABLE));
	CHECK_STR("json-pretty", hp_settings_format_name(HP_OUT_JSON_PRETTY));
	CHECK(hp_settings_format_name(0x80) == NULL);
	CHECK_INT(4, hp_settings_format_index(HP_OUT_TRACE));
	/* Prometheus text (issue 11): a format like the others */
	s = load1("HOTPATH_FORMAT", "metrics,json");
	CHECK_INT(HP_OUT_METRICS | HP_OUT_JSON, s->formats);
	CHECK_INT(HP_OUT_METRICS, s->order[0]);
	CHECK(s->notes == NULL);
	CHECK_STR("metrics", hp_settings_format_name(HP_OUT_METRICS));
	CHECK_INT(HP_OUT_METRICS, hp_settings_format_bit("metrics"));
	clear_env();
	setenv("HOTPATH_OUTPUT_METRICS", "m-%p.prom", 1);
	CHECK_INT(0, hp_settings_load());
	CHECK_STR("m-%p.prom",
		  hp_settings()->output_for[hp_settings_format_index(HP_OUT_METRICS)]);
	CHECK(hp_settings()->notes == NULL);
}

static void outputs(void)
{
	const struct hp_settings *s;

	clear_env();
	setenv("HOTPATH_OUTPUT", "r-%p.txt", 1);
	setenv("HOTPATH_OUTPUT_JSON", "j.json", 1);
	setenv("HOTPATH_OUTPUT_TRACE", "", 1);
	CHECK_INT(0, hp_settings_load());
	s = hp_settings();
	CHECK_STR("r-%p.txt", s->output);
	CHECK_STR("j.json", s->output_for[hp_settings_format_index(HP_OUT_JSON)]);
	CHECK_STR("j.json", s->output_for[hp_settings_format_index(HP_OUT_JSON_PRETTY)]);
	CHECK(s->output_for[hp_settings_format_index(HP_OUT_TRACE)] == NULL);
	CHECK(s->output_for[hp_settings_format_index(HP_OUT_TABLE)] == NULL);
	/* a copy: changing the environment afterwards changes nothing */
	setenv("HOTPATH_OUTPUT", "other", 1);
	CHECK_STR("r-%p.txt", hp_settings()->output);
	CHECK(s->notes == NULL);
}

static void percentiles(void)
{
	static const char *const bad[] = { "50,99.9", "-1", HUGE_MAX, HUGE_62,
					   "101", "50,,99", "p99" };
	const struct hp_settings *s;
	char want[256];
	size_t i;

	s = load1("HOTPATH_PERCENTILES", "50, 90,99");
	CHECK_INT(3, s->npcts);
	CHECK_INT(50, s->pcts[0]);
	CHECK_INT(90, s->pcts[1]);
	CHECK_INT(99, s->pcts[2]);
	CHECK(s->notes == NULL);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s = load1("HOTPATH_PERCENTILES", bad[i]);
		CHECK_INT(0, s->npcts);
		snprintf(want, sizeof want, "[hotpath] ignored HOTPATH_PERCENTILES=%s "
			 "(expected up to 16 whole numbers from 0 to 100, "
			 "comma-separated)\n", bad[i]);
		CHECK_STR(want, s->notes);
	}
}

/* A numeric variable: `good` values are kept as they are, `bad` ones leave
 * `dflt` and give exactly the note `tail` (after "NAME=value "). */
static void check_number(const char *name, const uint64_t *good, size_t ngood,
			 const char *const *bad, size_t nbad, uint64_t dflt,
			 uint64_t (*get)(const struct hp_settings *),
			 const char *tail)
{
	const struct hp_settings *s;
	char text[64], want[512];
	size_t i;

	for (i = 0; i < ngood; i++) {
		snprintf(text, sizeof text, "%llu", (unsigned long long)good[i]);
		s = load1(name, text);
		CHECK_U64(good[i], get(s));
		CHECK(s->notes == NULL);
	}
	for (i = 0; i < nbad; i++) {
		s = load1(name, bad[i]);
		CHECK_U64(dflt, get(s));
		snprintf(want, sizeof want, "[hotpath] ignored %s=%s %s", name,
			 bad[i], tail);
		CHECK_STR(want, s->notes);
	}
}

static uint64_t get_limit(const struct hp_settings *s)
{
	return (uint64_t)s->limit;
}

static uint64_t get_trace(const struct hp_settings *s)
{
	return s->trace_limit;
}

static uint64_t get_tree(const struct hp_settings *s)
{
	return s->tree_limit;
}

static void limit(void)
{
	static const uint64_t good[] = { 0, 1, 25, 100000000 };
	static const char *const bad[] = { "-1", HUGE_MAX, HUGE_62, "100000001",
					   "ten", "1e3", "+5", "0x10", "2 3", "9999999999999999999999" };
	const struct hp_settings *s;

	check_number("HOTPATH_LIMIT", good, 4, bad, sizeof bad / sizeof bad[0],
		     (uint64_t)-1, get_limit,
		     "(expected a whole number of rows from 0 to 100000000): "
		     "every row is shown\n");
	s = load1("HOTPATH_LIMIT", " 7\t");
	CHECK_INT(7, s->limit);
	CHECK(s->notes == NULL);
}

static void trace_limit(void)
{
	static const uint64_t good[] = { 0, 1, 50, 100000000 };
	static const char *const bad[] = { "-1", HUGE_MAX, HUGE_62, "100000001",
					   "many", "-0", "1.5" };

	check_number("HOTPATH_TRACE_LIMIT", good, 4, bad, sizeof bad / sizeof bad[0],
		     100000, get_trace,
		     "(expected a whole number of events from 0 to 100000000): "
		     "100000 are kept per thread\n");
}

static void tree_limit(void)
{
	static const uint64_t good[] = { 16, 17, 1000, 100000000 };
	static const char *const bad[] = { "-1", HUGE_MAX, HUGE_62, "100000001",
					   "15", "0", "lots" };

	check_number("HOTPATH_TREE_LIMIT", good, 4, bad, sizeof bad / sizeof bad[0],
		     100000, get_tree,
		     "(expected a whole number of nodes from 16 to 100000000): "
		     "at most 100000 are kept\n");
}

/* HOTPATH_INTERVAL: seconds to the ms, bounded; a bad value is named
 * under the table and leaves the interval off. */
static void interval(void)
{
	static const struct { const char *v; unsigned long ms; } good[] = {
		{ "0", 0 }, { "0.01", 10 }, { "0.5", 500 }, { " 1 ", 1000 },
		{ "2.250", 2250 }, { "86400", 86400000 }, { "3.", 3000 },
		{ ".25", 250 },
	};
	static const char *const bad[] = { "-1", "0.001", "0.009", "1.2345",
					   "86400.001", "99999999", HUGE_MAX,
					   "abc", "1e3", "+5", "0x10", "1,5",
					   ".", "1 2", "0.5s" };
	const struct hp_settings *s;
	char want[512];
	size_t i;

	s = load1("HOTPATH_LIMIT", "1");
	CHECK_U64(0, s->interval_ms); /* unset: off */
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		s = load1("HOTPATH_INTERVAL", good[i].v);
		CHECK_U64(good[i].ms, s->interval_ms);
		CHECK(s->notes == NULL);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s = load1("HOTPATH_INTERVAL", bad[i]);
		CHECK_U64(0, s->interval_ms);
		snprintf(want, sizeof want, "[hotpath] ignored HOTPATH_INTERVAL=%s "
			 "(expected seconds from 0.010 to 86400, at most three "
			 "decimals, or 0): no interval reports\n", bad[i]);
		CHECK_STR(want, s->notes);
	}
}

static void alloc_tables(void)
{
	static const struct {
		const char *text;
		unsigned int mask;
	} good[] = {
		{ "none", 0 },
		{ "bytes-total", 1 },
		{ "bytes-max", 2 },
		{ "count-total", 4 },
		{ "count-max", 8 },
		{ "count-max, bytes-total", 9 },
		{ "bytes-total,count-max,bytes-max,count-total", HP_ALLOC_ALL },
		{ "count-max,none", 8 },
	};
	const struct hp_settings *s;
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		s = load1("HOTPATH_ALLOC", good[i].text);
		CHECK_INT(good[i].mask, s->alloc_tables);
		CHECK(s->notes == NULL);
	}
	s = load1("HOTPATH_ALLOC", "bytes-total,bogus");
	CHECK_INT(HP_ALLOC_ALL, s->alloc_tables);
	CHECK_STR("[hotpath] unknown table 'bogus' in HOTPATH_ALLOC (bytes-total, "
		  "bytes-max, count-total, count-max, none): all four are shown\n",
		  s->notes);
}

/* The word-valued variables: each accepted word, and one that is not. */
static void words(void)
{
	const struct hp_settings *s;

	CHECK_INT(1, load1("HOTPATH_FORK", "report")->fork_report);
	CHECK_INT(0, load1("HOTPATH_FORK", "none")->fork_report);
	CHECK(hp_settings()->notes == NULL);
	s = load1("HOTPATH_FORK", "yes");
	CHECK_INT(1, s->fork_report);
	CHECK_STR("[hotpath] ignored HOTPATH_FORK=yes (report or none): forked "
		  "children report\n", s->notes);

	CHECK_INT(HP_SIGNAL_REPORT_ON, load1("HOTPATH_SIGNAL_REPORT", "1")->signal_report);
	CHECK_INT(HP_SIGNAL_REPORT_OFF, load1("HOTPATH_SIGNAL_REPORT", "0")->signal_report);
	CHECK_INT(HP_SIGNAL_REPORT_TERMINAL,
		  load1("HOTPATH_SIGNAL_REPORT", "terminal")->signal_report);
	CHECK(hp_settings()->notes == NULL);
	s = load1("HOTPATH_SIGNAL_REPORT", "-1");
	CHECK_INT(HP_SIGNAL_REPORT_TERMINAL, s->signal_report);
	CHECK_STR("[hotpath] ignored HOTPATH_SIGNAL_REPORT=-1 (0, 1 or terminal): "
		  "Ctrl-C reports when run from a terminal\n", s->notes);

	CHECK_INT(1, load1("HOTPATH_QUIET", "1")->quiet);
	CHECK_INT(0, load1("HOTPATH_QUIET", "0")->quiet);
	CHECK(hp_settings()->notes == NULL);
	s = load1("HOTPATH_QUIET", "yes");
	CHECK_INT(0, s->quiet);
	CHECK_STR("[hotpath] ignored HOTPATH_QUIET=yes (1 or 0): written files "
		  "are named\n", s->notes);

	CHECK_INT(1, load1("HOTPATH_CLOCK", "monotonic")->clock_monotonic);
	CHECK_INT(0, load1("HOTPATH_CLOCK", "auto")->clock_monotonic);
	CHECK(hp_settings()->notes == NULL);
	s = load1("HOTPATH_CLOCK", "tsc");
	CHECK_INT(0, s->clock_monotonic);
	CHECK_STR("[hotpath] ignored HOTPATH_CLOCK=tsc (monotonic or auto): the "
		  "clock is chosen as usual\n", s->notes);
}

/* HOTPATH_SORT: each key, and the default named when a value is bad. */
static void sort_keys(void)
{
	static const char *const keys[] = { "total", "self", "calls", "avg",
					    "max", "name" };
	const struct hp_settings *s;
	int i;

	for (i = 0; i < 6; i++) {
		s = load1("HOTPATH_SORT", keys[i]);
		CHECK_INT(i, s->sort);
		CHECK(s->notes == NULL);
	}
	CHECK_INT(HP_SORT_TOTAL, load1("HOTPATH_SORT", "total")->sort);
	CHECK_INT(HP_SORT_NAME, load1("HOTPATH_SORT", "name")->sort);
	s = load1("HOTPATH_SORT", "Total");
	CHECK_INT(HP_SORT_SELF, s->sort);
	CHECK_STR("[hotpath] ignored HOTPATH_SORT=Total (total, self, calls, avg, "
		  "max or name): rows are sorted by self time\n", s->notes);
}

/* HOTPATH_COLUMNS: min, max and pN with up to 3 decimals, all or
 * nothing. */
static void columns(void)
{
	static const char *const bad[] = { "min,bogus", "p", "p101", "p100.001",
					   "p99.9999", "p-1", "p99.", "p.5",
					   "min,,max", "p1,p2,p3,p4,p5,p6,p7,p8,p9",
					   "avg", "p1e2", "99" };
	const struct hp_settings *s;
	char want[512];
	size_t i;

	s = load1("HOTPATH_COLUMNS", "min,max,p90,p99.9");
	CHECK(s->notes == NULL);
	CHECK_INT(1, s->columns.min);
	CHECK_INT(1, s->columns.max);
	CHECK_INT(2, s->columns.npcts);
	CHECK_INT(90000, s->columns.pcts[0]);
	CHECK_INT(99900, s->columns.pcts[1]);
	s = load1("HOTPATH_COLUMNS", " P0.001 , max,p100,p50.25");
	CHECK(s->notes == NULL);
	CHECK_INT(0, s->columns.min);
	CHECK_INT(1, s->columns.max);
	CHECK_INT(3, s->columns.npcts);
	CHECK_INT(1, s->columns.pcts[0]);
	CHECK_INT(100000, s->columns.pcts[1]);
	CHECK_INT(50250, s->columns.pcts[2]);
	s = load1("HOTPATH_COLUMNS", "p1,p2,p3,p4,p5,p6,p7,p8,min");
	CHECK(s->notes == NULL);
	CHECK_INT(8, s->columns.npcts);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s = load1("HOTPATH_COLUMNS", bad[i]);
		CHECK_INT(0, s->columns.min + s->columns.max + s->columns.npcts);
		snprintf(want, sizeof want, "[hotpath] ignored HOTPATH_COLUMNS=%s "
			 "(expected a comma list of min, max and up to 8 pN, N "
			 "from 0 to 100 with at most 3 decimals, e.g. "
			 "min,max,p99.9): no extra columns\n", bad[i]);
		CHECK_STR(want, s->notes);
	}
}

static void unknown_variables_and_odd_values(void)
{
	const struct hp_settings *s;
	char big[200];

	s = load1("HOTPATH_FROMAT", "json");
	CHECK_INT(HP_OUT_TABLE, s->formats);
	CHECK_STR("[hotpath] unknown variable HOTPATH_FROMAT: ignored\n", s->notes);
	/* control characters cannot break the report's lines */
	s = load1("HOTPATH_LIMIT", "1\n[hotpath] 2\x1b");
	CHECK_STR("[hotpath] ignored HOTPATH_LIMIT=1\\x0a[hotpath] 2\\x1b (expected "
		  "a whole number of rows from 0 to 100000000): every row is "
		  "shown\n", s->notes);
	/* a long value is cut */
	memset(big, '9', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	s = load1("HOTPATH_TREE_LIMIT", big);
	CHECK_CONTAINS(s->notes, "=9999999999999999999999999999999999999999999999"
		       "999999999999999999... (expected");
	CHECK_U64(100000, s->tree_limit);
}

/* Every bad value at once: one line each, in a fixed order, and a later
 * load with a clean environment has none. */
static void all_notes_in_order(void)
{
	const struct hp_settings *s;

	clear_env();
	setenv("HOTPATH_ZZZ", "1", 1);
	setenv("HOTPATH_TREE_LIMIT", "-1", 1);
	setenv("HOTPATH_TRACE_LIMIT", "-1", 1);
	setenv("HOTPATH_CLOCK", "x", 1);
	setenv("HOTPATH_SIGNAL_REPORT", "x", 1);
	setenv("HOTPATH_FORK", "x", 1);
	setenv("HOTPATH_ALLOC", "x", 1);
	setenv("HOTPATH_LIMIT", "x", 1);
	setenv("HOTPATH_PERCENTILES", "x", 1);
	setenv("HOTPATH_FORMAT", "x", 1);
	CHECK_INT(0, hp_settings_load());
	s = hp_settings();
	CHECK(s->notes != NULL);
	CHECK_INT(10, count_substr(s->notes, "\n"));
	CHECK(strstr(s->notes, "HOTPATH_PERCENTILES") < strstr(s->notes, "HOTPATH_LIMIT"));
	CHECK(strstr(s->notes, "HOTPATH_LIMIT") < strstr(s->notes, "HOTPATH_FORMAT"));
	CHECK(strstr(s->notes, "HOTPATH_FORMAT") < strstr(s->notes, "HOTPATH_ALLOC"));
	CHECK(strstr(s->notes, "HOTPATH_ALLOC") < strstr(s->notes, "HOTPATH_FORK"));
	CHECK(strstr(s->notes, "HOTPATH_FORK") < strstr(s->notes, "HOTPATH_SIGNAL_REPORT"));
	CHECK(strstr(s->notes, "HOTPATH_SIGNAL_REPORT") < strstr(s->notes, "HOTPATH_CLOCK"));
	CHECK(strstr(s->notes, "HOTPATH_CLOCK") < strstr(s->notes, "HOTPATH_TRACE_LIMIT"));
	CHECK(strstr(s->notes, "HOTPATH_TRACE_LIMIT") < strstr(s->notes, "HOTPATH_TREE_LIMIT"));
	CHECK(strstr(s->notes, "HOTPATH_TREE_LIMIT") < strstr(s->notes, "HOTPATH_ZZZ"));
	clear_env();
	CHECK_INT(0, hp_settings_load());
	s = hp_settings();
	CHECK(s->notes == NULL);
}

/* Without memory: the copies and notes are missing, ENOMEM says so, and
 * every other value is still read. */
static void out_of_memory(void)
{
	const struct hp_settings *s;

	clear_env();
	setenv("HOTPATH_OUTPUT", "r.txt", 1);
	setenv("HOTPATH_LIMIT", "x", 1);
	setenv("HOTPATH_FORMAT", "json", 1);
	setenv("HOTPATH_TREE_LIMIT", "20", 1);
	hp_alloc_fail_after(0);
	CHECK_INT(ENOMEM, hp_settings_load());
	hp_alloc_fail_after(-1);
	s = hp_settings();
	CHECK(s->output == NULL);
	CHECK(s->notes == NULL);
	CHECK_INT(HP_OUT_JSON, s->formats);
	CHECK_INT(-1, s->limit);
	CHECK_U64(20, s->tree_limit);
	CHECK_INT(0, hp_settings_load());
	CHECK_STR("r.txt", hp_settings()->output);
	clear_env();
}

/* ---- whole programs (scenario children) ---- */

/* The trace format with a trace limit that once corrupted the heap: the
 * program ends normally, the trace is whole (the default limit), and the
 * table names the value. */
static void bad_trace_limit_runs_to_completion(void)
{
	static const char *const values[] = { "-1", HUGE_MAX, HUGE_62 };
	char env0[600], env1[600], path[600];
	const char *env[] = { "HOTPATH_FORMAT=table,trace", env0, env1, NULL };
	size_t i;

	clear_env();
	ensure_scratch();
	for (i = 0; i < sizeof values / sizeof values[0]; i++) {
		struct run r;
		cJSON *root, *ev;
		char *text;
		int x = 0;

		snprintf(env0, sizeof env0, "HOTPATH_TRACE_LIMIT=%s", values[i]);
		snprintf(env1, sizeof env1, "HOTPATH_OUTPUT_TRACE=%s/trace-%%p.json", scratch);
		run_child_wrapped("calls", env, NULL, &r);
		CHECK(exited(&r, 0));
		CHECK_STR("", r.err);
		snprintf(path, sizeof path, "[hotpath] ignored HOTPATH_TRACE_LIMIT=%s "
			 "(expected a whole number of events from 0 to 100000000): "
			 "100000 are kept per thread\n", values[i]);
		CHECK_CONTAINS(r.out, path);
		snprintf(path, sizeof path, "%s/trace-%ld.json", scratch, (long)r.pid);
		text = slurp(path);
		unlink(path);
		root = cJSON_Parse(text);
		free(text);
		CHECK(root != NULL);
		cJSON_ArrayForEach(ev, cJSON_GetObjectItem(root, "traceEvents"))
			if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(ev, "ph")), "X") == 0)
				x++;
		/* 2 threads x 1000 x (inner + 2 leaves), and main */
		CHECK_INT(2 * 1000 * 3 + 1, x);
		cJSON_Delete(root);
		free_run(&r);
	}
}

/* The same values for the other numbers: no abort, defaults kept, and
 * with no table the values ignored are said on stderr. */
static void bad_numbers_run_to_completion(void)
{
	static const char *const values[] = { "-1", HUGE_MAX, HUGE_62 };
	char env0[200], env1[200], env2[200];
	const char *env[] = { "HOTPATH_FORMAT=json", env0, env1, env2, NULL };
	size_t i;

	clear_env();
	for (i = 0; i < sizeof values / sizeof values[0]; i++) {
		struct run r;

		snprintf(env0, sizeof env0, "HOTPATH_TREE_LIMIT=%s", values[i]);
		snprintf(env1, sizeof env1, "HOTPATH_LIMIT=%s", values[i]);
		snprintf(env2, sizeof env2, "HOTPATH_PERCENTILES=%s", values[i]);
		run_child_wrapped("calls", env, NULL, &r);
		CHECK(exited(&r, 0));
		snprintf(env0, sizeof env0, "[hotpath] ignored HOTPATH_LIMIT=%s ", values[i]);
		CHECK_CONTAINS(r.err, env0);
		CHECK_CONTAINS(r.out, "\"name\":\"leaf\"");
		CHECK_CONTAINS(r.out, "\"calls\":4000,");
		CHECK_CONTAINS(r.out, "\"p95\":");
		free_run(&r);
	}
}

static void cleanup(void)
{
	remove_scratch();
}

TEST_MAIN(T(defaults), T(formats), T(outputs), T(percentiles), T(limit),
	  T(trace_limit), T(tree_limit), T(interval), T(alloc_tables), T(words),
	  T(sort_keys), T(columns),
	  T(unknown_variables_and_odd_values), T(all_notes_in_order),
	  T(out_of_memory),
	  T(bad_trace_limit_runs_to_completion), T(bad_numbers_run_to_completion),
	  T(cleanup))
