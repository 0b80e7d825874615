/* test_present.c - how the report is presented (issue 12, items 4, 6, 7
 * and 10), end to end: HOTPATH_SORT and HOTPATH_COLUMNS in the table, the
 * JSON and the HTML; every file written named on stderr (HOTPATH_QUIET);
 * what was dropped said; the threads' names in the trace.  Each test
 * re-runs this binary as a scenario child (child.h).  The Ctrl-C scenarios
 * are driven through a pty by sigint_terminal.py, the HTML labels checked
 * in Chromium by html_labels.sh.
 *
 * Nothing compares a time with a constant: orders are checked against the
 * report's own figures, and the one structural claim (a caller whose time
 * is all in its callee has less self time than that callee) holds by
 * construction. */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "test.h"

#include "child.h"
#include "child_json.h"
#include "hotpath.h"
#include "report.h"

/* ---- scenarios ---- */

static void spin(unsigned long n)
{
	volatile unsigned long sink = 0;
	unsigned long i;

	for (i = 0; i < n; i++)
		sink += i;
}

static __attribute__((noinline)) void hot(void)
{
	HP_FUNCTION(1, "hot", 1);
	spin(2000000); /* far above any hiccup in its caller */
}

static __attribute__((noinline)) void cheap(void)
{
	HP_FUNCTION(2, "cheap", 2);
	__asm__ __volatile__("");
}

/* All its time is in its callee: its total is larger than hot's, its
 * self time (its own code and the guards of 10 calls) far smaller, even
 * under a sanitizer. */
static __attribute__((noinline)) void driver(void)
{
	HP_FUNCTION(3, "driver", 3);
	int i;
	for (i = 0; i < 10; i++)
		hot();
}

static __attribute__((noinline)) unsigned long rec(unsigned long n)
{
	HP_FUNCTION(4, "rec", 4);
	return n ? 1 + rec(n - 1) : 0;
}

static int child_hot(void)
{
	HP_MAIN(5, "main", 5, "");
	int i;
	driver();
	for (i = 0; i < 1500; i++)
		cheap();
	return rec(40) == 40 ? 0 : 1;
}

/* Named before its first measured call. */
static void *reader(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "reader");
	cheap();
	return NULL;
}

/* Named after its calls, before it ends. */
static void *writer(void *arg)
{
	(void)arg;
	cheap();
	pthread_setname_np(pthread_self(), "writer");
	return NULL;
}

static void *unnamed(void *arg)
{
	(void)arg;
	cheap();
	return NULL;
}

/* Nine 2-byte characters: the kernel keeps 15 bytes, half of the 8th. */
static void *cut_name(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	      "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	cheap();
	return NULL;
}

static int child_cutname(void)
{
	HP_MAIN(6, "main", 6, "");
	pthread_t t;

	if (pthread_create(&t, NULL, cut_name, NULL))
		return 2;
	pthread_join(t, NULL);
	return 0;
}

static int child_named(void)
{
	HP_MAIN(6, "main", 6, "");
	void *(*fns[3])(void *) = { reader, writer, unnamed };
	pthread_t t;
	int i;
	for (i = 0; i < 3; i++) {
		if (pthread_create(&t, NULL, fns[i], NULL))
			return 2;
		pthread_join(t, NULL);
	}
	cheap();
	return 0;
}

/* For sigint_terminal.py: measured calls until a signal ends the
 * program (or 60 s pass: exit 3).  "ready" on stdout once the session
 * runs.  With HPTEST_OWN_HANDLER=early the program installs a SIGINT
 * handler before its first measured call, with =late after it; its
 * handler ends the loop and main returns 7. */
static volatile sig_atomic_t interrupted;

static void on_int(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void own_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_int;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
}

static int child_loop(void)
{
	const char *own = getenv("HPTEST_OWN_HANDLER");
	time_t end = time(NULL) + 60;

	if (own && strcmp(own, "early") == 0)
		own_handler();
	{
		HP_MAIN(7, "main", 7, "");
		cheap();
		if (own && strcmp(own, "late") == 0)
			own_handler();
		printf("ready\n");
		fflush(stdout);
		while (!interrupted && time(NULL) < end) {
			cheap();
			usleep(1000);
		}
		if (!interrupted)
			return 3;
	}
	return 7;
}

/* For sigint_terminal.py: Ctrl-C while the program is inside a measured
 * call that has made no measured call of its own (so it was never
 * announced to the worker): "ready", then `spin` loops until the signal
 * ends the program.  Its call must be in the report, closed then. */
static __attribute__((noinline)) void spin_until_signal(void)
{
	HP_FUNCTION(9, "spin", 9);
	time_t end = time(NULL) + 60;

	printf("ready\n");
	fflush(stdout);
	while (time(NULL) < end)
		usleep(1000); /* (a blocking call: ThreadSanitizer delivers
				 signals only in those) */
}

static int child_spin(void)
{
	{
		HP_MAIN(7, "main", 7, "");
		spin_until_signal();
	}
	return 3;
}

/* A report made by hand: main's 1 ms, the rows and call paths given,
 * sorted as the runtime sorts them. */
static void hand_report(struct hp_report *r, const char *program, struct hp_row *rows,
			size_t nrows, struct hp_path_node *nodes, size_t nnodes)
{
	memset(r, 0, sizeof *r);
	r->program = program;
	r->clock = "monotonic";
	r->total_ns = 1000000;
	r->limit = -1;
	r->sort = HP_SORT_SELF;
	r->rows = rows;
	r->nrows = nrows;
	r->nodes = nodes;
	r->nnodes = nnodes;
	hp_report_sort(r);
}

/* For html_labels.sh: the HTML page of a report made by hand, so the
 * icicle boxes have known widths (the page is 1000px for main's 1 ms):
 * names of wide and narrow letters and of two-byte UTF-8 in boxes from
 * 600px down to 3px, and two short names in 20px boxes. */
#define E "\xc3\xa9" /* é */
static int child_html_fixed(void)
{
	static const struct {
		const char *name;
		uint32_t parent, depth;
		uint64_t total;
	} tree[] = {
		{ "", 0, 0, 0 },
		{ "main", 0, 1, 1000000 },
		{ "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW_big", 1, 2, 600000 },
		{ "ab", 2, 3, 20000 },
		{ "abc", 2, 3, 20000 },
		{ "MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM_mid", 1, 2, 150000 },
		{ "iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii_small", 1, 2, 60000 },
		{ E "t" E "_" E "t" E "_" E "t" E "_" E "t" E, 1, 2, 40000 },
		{ "MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM_30", 1, 2, 30000 },
		{ "MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM_25", 1, 2, 25000 },
		{ "WWWWWWWWWWWW_10", 1, 2, 10000 },
		{ "WWWWWWWWWWWW_3", 1, 2, 3000 },
	};
	static struct hp_row rows[] = {
		{ "main", "x.c", 1, HP_KIND_MAIN, 1, 1000000, 1000000, 1000000, { 0 }, 0,
		  { { 0, 0, { 0 }, 0, 0 } }, 12000, 0, 0, NULL, 0, 0, { 0 }, { NULL }, { 0 } },
		{ "big", "x.c", 2, HP_KIND_FUNCTION, 3, 600000, 100, 300000, { 0 }, 0,
		  { { 0, 0, { 0 }, 0, 0 } }, 560000, 0, 0, NULL, 0, 0, { 0 }, { NULL }, { 0 } },
		{ "mid", "x.c", 3, HP_KIND_FUNCTION, 7, 150000, 100, 30000, { 0 }, 0,
		  { { 0, 0, { 0 }, 0, 0 } }, 150000, 0, 0, NULL, 0, 0, { 0 }, { NULL }, { 0 } },
		{ "small", "x.c", 4, HP_KIND_FUNCTION, 1, 60000, 60000, 60000, { 0 }, 0,
		  { { 0, 0, { 0 }, 0, 0 } }, 40000, 0, 0, NULL, 0, 0, { 0 }, { NULL }, { 0 } },
		{ "tiny", "x.c", 5, HP_KIND_FUNCTION, 1, 2500, 2500, 2500, { 0 }, 0,
		  { { 0, 0, { 0 }, 0, 0 } }, 2500, 0, 0, NULL, 0, 0, { 0 }, { NULL }, { 0 } },
	};
	struct hp_path_node nodes[sizeof tree / sizeof tree[0]];
	struct hp_report r;
	struct hp_str out = { 0 };
	size_t i;

	for (i = 0; i < sizeof tree / sizeof tree[0]; i++) {
		nodes[i].name = tree[i].name;
		nodes[i].parent = tree[i].parent;
		nodes[i].depth = tree[i].depth;
		nodes[i].calls = 1;
		nodes[i].total_ns = tree[i].total;
		nodes[i].self_ns = tree[i].total / 2;
	}
	hand_report(&r, "fixed", rows, sizeof rows / sizeof rows[0], nodes,
		    sizeof nodes / sizeof nodes[0]);
	if (hp_report_html(&out, &r) || fwrite(out.s, 1, out.len, stdout) != out.len)
		return 1;
	hp_str_free(&out);
	return 0;
}

static const struct scenario scenarios[] = {
	{ "html_fixed", child_html_fixed },
	{ "hot", child_hot },
	{ "named", child_named },
	{ "cutname", child_cutname },
	{ "loop", child_loop },
	{ "spin", child_spin },
};

__attribute__((constructor)) static void child_dispatch(void)
{
	run_scenario(scenarios, sizeof scenarios / sizeof scenarios[0]);
}

/* ---- helpers ---- */

static void run_child(const char *name, const char *const *env, struct run *r)
{
	run_child_wrapped(name, env, NULL, r);
}

/* The table's row names, in order, main's row left out (the table may
 * or may not show it: issue 12, item 5, is another change). */
static int table_names(const char *table, char names[][32], int max)
{
	const char *p = table;
	int n = 0;

	while ((p = strstr(p, "\n| ")) && n < max) {
		size_t len;

		p += 3;
		len = strcspn(p, " ");
		if (len < 32 && strncmp(p, "Function ", 9) != 0 &&
		    strncmp(p, "main ", 5) != 0) {
			memcpy(names[n], p, len);
			names[n++][len] = '\0';
		}
	}
	return n;
}

/* The key of sort k for a JSON row, as a number (name: none). */
static double key(cJSON *fn, int k)
{
	switch (k) {
	case HP_SORT_SELF: return num(fn, "self_ns");
	case HP_SORT_CALLS: return num(fn, "calls");
	case HP_SORT_AVG: return num(fn, "total_ns") / num(fn, "calls");
	case HP_SORT_MAX: return num(fn, "max_ns");
	default: return num(fn, "total_ns");
	}
}

/* ---- tests ---- */

/* Item 4: the default order puts the hot spot (self time) above the
 * caller whose total holds it; HOTPATH_SORT=total is the old order. */
static void default_sort_puts_hot_spot_first(void)
{
	static const char *const dflt[] = { "HOTPATH_FORMAT=table", NULL };
	static const char *const total[] = { "HOTPATH_FORMAT=table",
					     "HOTPATH_SORT=total", NULL };
	char names[16][32];
	struct run r;
	int n;

	run_child("hot", dflt, &r);
	CHECK(exited(&r, 0));
	n = table_names(r.out, names, 16);
	CHECK_INT(4, n);
	CHECK(strstr(r.out, "| hot ") < strstr(r.out, "| driver "));
	free_run(&r);
	run_child("hot", total, &r);
	CHECK(exited(&r, 0));
	n = table_names(r.out, names, 16);
	CHECK_INT(4, n);
	CHECK(strstr(r.out, "| driver ") < strstr(r.out, "| hot "));
	free_run(&r);
}

/* Item 4: every key orders the table and the JSON alike, main first in
 * the JSON, the rest by the key (checked against the JSON's own figures). */
static void every_sort_key_orders_table_and_json(void)
{
	static const char *const keys[] = { "total", "self", "calls", "avg",
					    "max", "name" };
	char env0[64], env1[700];
	const char *env[] = { "HOTPATH_FORMAT=table,json", env0, env1, NULL };
	int k;

	ensure_scratch();
	for (k = 0; k < 6; k++) {
		char names[16][32], path[600], *text;
		cJSON *root, *fn, *prev = NULL;
		struct run r;
		int n, i = 0;

		snprintf(env0, sizeof env0, "HOTPATH_SORT=%s", keys[k]);
		snprintf(path, sizeof path, "%s/sort.json", scratch);
		snprintf(env1, sizeof env1, "HOTPATH_OUTPUT_JSON=%s", path);
		run_child("hot", env, &r);
		CHECK(exited(&r, 0));
		CHECK_NOT_CONTAINS(r.out, "ignored");
		n = table_names(r.out, names, 16);
		CHECK_INT(4, n);
		text = slurp(path);
		unlink(path);
		root = cJSON_Parse(text);
		free(text);
		CHECK(root != NULL);
		cJSON_ArrayForEach(fn, cJSON_GetObjectItem(root, "functions")) {
			const char *name = cJSON_GetStringValue(
				cJSON_GetObjectItem(fn, "name"));

			if (!prev) { /* main first */
				CHECK_STR("main", cJSON_GetStringValue(
					cJSON_GetObjectItem(fn, "kind")));
				prev = fn;
				continue;
			}
			CHECK(i < n);
			CHECK_STR(names[i], name); /* the table's order */
			i++;
			if (prev != cJSON_GetArrayItem(cJSON_GetObjectItem(root,
							"functions"), 0)) {
				const char *pn = cJSON_GetStringValue(
					cJSON_GetObjectItem(prev, "name"));

				if (k == HP_SORT_NAME)
					CHECK(strcmp(pn, name) < 0);
				else
					CHECK(key(prev, k) >= key(fn, k));
			}
			prev = fn;
		}
		CHECK_INT(n, i);
		cJSON_Delete(root);
		free_run(&r);
	}
}

/* Item 4: HOTPATH_COLUMNS adds Min, pN (decimals too) and Max, in that
 * place, in the table and the HTML table; the JSON keeps its fields. */
static void optional_columns(void)
{
	static const char *const cols[] = { "HOTPATH_FORMAT=table",
					    "HOTPATH_COLUMNS=max,p90,min,p99.9,p95",
					    NULL };
	static const char *const bad[] = { "HOTPATH_FORMAT=table",
					   "HOTPATH_COLUMNS=min,p99.99.9", NULL };
	char env1[700], path[600], *text, *row, *end;
	const char *html[] = { "HOTPATH_FORMAT=html", "HOTPATH_COLUMNS=min,max,p99.9",
			       env1, NULL };
	char cells[12][32];
	struct run r;
	int n = 0;

	run_child("hot", cols, &r);
	CHECK(exited(&r, 0));
	/* the header: the default P95 once, then the extra pN as listed */
	CHECK_CONTAINS(r.out, "| Function | Calls | Avg ");
	row = strstr(r.out, "| Function ");
	CHECK(row != NULL);
	end = strchr(row, '\n');
	while (row && row + 1 < end && n < 12) {
		size_t len;

		row += 2;
		len = strcspn(row, "|");
		while (len && row[len - 1] == ' ')
			len--;
		if (!len)
			break;
		snprintf(cells[n++], sizeof cells[0], "%.*s", (int)len, row);
		row = strchr(row, '|');
		if (!row)
			break;
	}
	CHECK_INT(11, n);
	CHECK_STR("Min", cells[3]);
	CHECK_STR("P95", cells[4]);
	CHECK_STR("P90", cells[5]);
	CHECK_STR("P99.9", cells[6]);
	CHECK_STR("Max", cells[7]);
	CHECK_STR("Total", cells[8]);
	/* driver ran once: its Avg, Min, percentiles and Max are one figure */
	row = strstr(r.out, "| driver ");
	CHECK(row != NULL);
	{
		char v[8][32];
		int i;

		row = strchr(row + 2, '|'); /* Calls */
		for (i = 0; i < 7 && row; i++) {
			row = strchr(row + 1, '|');
			if (!row)
				break;
			sscanf(row + 1, " %31s", v[i]);
		}
		CHECK_INT(7, i);
		for (i = 1; i < 6; i++)
			CHECK_STR(v[0], v[i]);
	}
	free_run(&r);

	run_child("hot", bad, &r);
	CHECK(exited(&r, 0));
	CHECK_CONTAINS(r.out, "[hotpath] ignored HOTPATH_COLUMNS=min,p99.99.9 ");
	CHECK_NOT_CONTAINS(r.out, "| Min ");
	free_run(&r);

	ensure_scratch();
	snprintf(path, sizeof path, "%s/cols.html", scratch);
	snprintf(env1, sizeof env1, "HOTPATH_OUTPUT=%s", path);
	run_child("hot", html, &r);
	CHECK(exited(&r, 0));
	text = slurp(path);
	unlink(path);
	CHECK_CONTAINS(text, "<th>Avg</th><th>Min</th><th>P95</th><th>P99.9</th>"
		       "<th>Max</th><th>Total</th>");
	free(text);
	free_run(&r);
}

/* Item 6: each file written is named on stderr, in the order written;
 * HOTPATH_QUIET=1 silences exactly that. */
static void written_files_are_named(void)
{
	char env0[600], env1[600], want[2048];
	const char *env[] = { "HOTPATH_FORMAT=json,html,folded", env0,
			      "HOTPATH_QUIET=", NULL };
	const char *quiet[] = { "HOTPATH_FORMAT=json,html,folded", env0,
				"HOTPATH_QUIET=1", NULL };
	const char *devnull[] = { "HOTPATH_FORMAT=json", "HOTPATH_OUTPUT=/dev/null",
				  "HOTPATH_QUIET=", NULL };
	const char *mixed[] = { "HOTPATH_FORMAT=table,json", "HOTPATH_OUTPUT=",
				env1, "HOTPATH_QUIET=", NULL };
	struct run r;

	ensure_scratch();
	snprintf(env0, sizeof env0, "HOTPATH_OUTPUT=%s/", scratch);
	run_child("hot", env, &r);
	CHECK(exited(&r, 0));
	snprintf(want, sizeof want,
		 "[hotpath] wrote %s/hotpath-%ld.json\n"
		 "[hotpath] wrote %s/hotpath-%ld.html\n"
		 "[hotpath] wrote %s/hotpath-%ld.folded\n",
		 scratch, (long)r.pid, scratch, (long)r.pid, scratch, (long)r.pid);
	CHECK_STR(want, r.err);
	free_run(&r);

	run_child("hot", quiet, &r);
	CHECK(exited(&r, 0));
	CHECK_STR("", r.err);
	free_run(&r);

	/* a device is not a file written */
	run_child("hot", devnull, &r);
	CHECK(exited(&r, 0));
	CHECK_STR("", r.err);
	free_run(&r);

	/* the table (and its footer) on stderr, then the line naming the JSON file */
	snprintf(env1, sizeof env1, "HOTPATH_OUTPUT_JSON=%s/t-%%p.json", scratch);
	run_child("hot", mixed, &r);
	CHECK(exited(&r, 0));
	CHECK(strncmp(r.err, "[hotpath] Performance summary from ", 35) == 0);
	snprintf(want, sizeof want, "can exceed 100%%\n[hotpath] wrote %s/t-%ld.json\n", scratch,
		 (long)r.pid);
	CHECK(strlen(r.err) > strlen(want));
	CHECK_STR(want, r.err + strlen(r.err) - strlen(want));
	snprintf(want, sizeof want, "%s/t-%ld.json", scratch, (long)r.pid);
	unlink(want);
	free_run(&r);
}

/* "2400000" as "2,400,000" */
static void grouped(char *out, size_t n, unsigned long long v)
{
	char d[32];
	size_t len, i, o = 0;

	len = (size_t)snprintf(d, sizeof d, "%llu", v);
	for (i = 0; i < len && o + 2 < n; i++) {
		out[o++] = d[i];
		if (i + 1 < len && (len - i - 1) % 3 == 0)
			out[o++] = ',';
	}
	out[o] = '\0';
}

/* Item 6: trace events past HOTPATH_TRACE_LIMIT and call paths past
 * HOTPATH_TREE_LIMIT are said on stderr, with the count the file has
 * (quiet or not: they are not "wrote" lines). */
static void dropped_events_are_said(void)
{
	const char *trace[] = { "HOTPATH_FORMAT=trace", "HOTPATH_TRACE_LIMIT=5",
				NULL };
	const char *tree[] = { "HOTPATH_FORMAT=folded", "HOTPATH_TREE_LIMIT=16",
			       NULL };
	char want[256], n[32];
	struct run r;
	cJSON *root;
	unsigned long long dropped;

	run_child("hot", trace, &r);
	CHECK(exited(&r, 0));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	dropped = (unsigned long long)num(cJSON_GetObjectItem(root, "otherData"),
					  "dropped");
	cJSON_Delete(root);
	/* 10 hot, 1500 cheap, driver, 41 rec, main: 1553 calls, 5 kept */
	CHECK_U64(1553 - 5, dropped);
	grouped(n, sizeof n, dropped);
	snprintf(want, sizeof want, "[hotpath] trace: %s events dropped past "
		 "HOTPATH_TRACE_LIMIT=5 (the oldest of each thread)\n", n);
	CHECK_STR(want, r.err);
	CHECK_CONTAINS(r.err, "1,548 events");
	free_run(&r);

	run_child("hot", tree, &r);
	CHECK(exited(&r, 0));
	CHECK_CONTAINS(r.out, "[truncated]");
	CHECK(strncmp(r.err, "[hotpath] call paths: ", 22) == 0);
	CHECK_CONTAINS(r.err, " calls merged into [truncated] past "
		       "HOTPATH_TREE_LIMIT=16 (their time is kept)\n");
	CHECK_INT(1, count_substr(r.err, "\n"));
	free_run(&r);
}

/* Item 6: the trace names the process after the program and each thread
 * after itself: its pthread_setname_np name (set before or after its
 * calls), else "main" or "thread N". */
static void trace_threads_have_their_names(void)
{
	static const char *const env[] = { "HOTPATH_FORMAT=trace", NULL };
	static const char *const want[] = { "main", "reader", "writer", "thread 1" };
	const char *got[8];
	struct run r;
	cJSON *root, *ev;
	int n = 0, i, j, process = 0;

	(void)fn_named; /* child_json.h's, not needed here */

	run_child("named", env, &r);
	CHECK(exited(&r, 0));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	cJSON_ArrayForEach(ev, cJSON_GetObjectItem(root, "traceEvents")) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "name"));
		const char *arg = cJSON_GetStringValue(cJSON_GetObjectItem(
			cJSON_GetObjectItem(ev, "args"), "name"));

		if (strcmp(name, "process_name") == 0) {
			CHECK_STR("rt_test_present", arg);
			process++;
		} else if (strcmp(name, "thread_name") == 0) {
			CHECK(n < 8);
			got[n++] = arg;
			if (strcmp(arg, "main") == 0)
				CHECK(num(ev, "tid") == (double)r.pid);
		}
	}
	CHECK_INT(1, process);
	CHECK_INT(4, n);
	for (i = 0; i < 4; i++) {
		for (j = 0; j < n && strcmp(got[j], want[i]) != 0; j++)
			;
		if (j == n)
			TEST_FAIL_("no thread named \"%s\" in:\n%s", want[i], r.out);
	}
	cJSON_Delete(root);
	free_run(&r);
}

/* A thread name cut inside a character: the trace stays UTF-8 (what is
 * left of the character is U+FFFD), or viewers reject the whole file. */
static void trace_cut_name_is_utf8(void)
{
	static const char *const env[] = { "HOTPATH_FORMAT=trace", NULL };
	struct run r;

	run_child("cutname", env, &r);
	CHECK(exited(&r, 0));
	CHECK_CONTAINS(r.out, "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		       "\xc3\xa9\xc3\xa9\\ufffd\"");
	CHECK(strstr(r.out, "\xc3\"") == NULL);
	free_run(&r);
}

/* The HTML page says charset utf-8, so it is UTF-8 whatever the names
 * hold: in the program's name (the title), a row's name and a call-path
 * box (files are not shown), each byte that is not part of a character is U+FFFD;
 * UTF-8 and markup (escaped) pass as they were. */
static void html_is_utf8(void)
{
	static struct hp_row rows[] = {
		{ "main", "x.c", 1, HP_KIND_MAIN, 1, 1000000, 1000000, 1000000, { 0 }, 0,
		  { { 0, 0, { 0 }, 0, 0 } }, 12000, 0, 0, NULL, 0, 0, { 0 }, { NULL }, { 0 } },
		{ "b\xff" "d <\xc3\xa9>", "lat\xe9/b.c", 2, HP_KIND_BLOCK, 3, 600000, 100, 300000,
		  { 0 }, 0, { { 0, 0, { 0 }, 0, 0 } }, 560000, 0, 0, NULL, 0, 0, { 0 }, { NULL },
		  { 0 } },
	};
	struct hp_path_node nodes[3];
	struct hp_report r;
	struct hp_str out = { 0 };

	memset(nodes, 0, sizeof nodes);
	nodes[1].name = "main";
	nodes[1].depth = 1;
	nodes[1].calls = 1;
	nodes[1].total_ns = 1000000;
	nodes[2].name = "b\xff" "d <\xc3\xa9>";
	nodes[2].parent = 1;
	nodes[2].depth = 2;
	nodes[2].calls = 3;
	nodes[2].total_ns = 600000;
	hand_report(&r, "p\xfe\x80", rows, 2, nodes, 3);
	CHECK(hp_report_html(&out, &r) == 0);
	CHECK(out.s != NULL);
	if (!out.s)
		return;
	CHECK_CONTAINS(out.s, "p\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_CONTAINS(out.s, "b\xef\xbf\xbd" "d &lt;\xc3\xa9&gt;");
	CHECK_NOT_CONTAINS(out.s, "\xff");
	CHECK_NOT_CONTAINS(out.s, "\xfe");
	CHECK_NOT_CONTAINS(out.s, "t\xe9");
	hp_str_free(&out);
}

static void cleanup(void)
{
	remove_scratch();
}

TEST_MAIN(T(default_sort_puts_hot_spot_first),
	  T(every_sort_key_orders_table_and_json), T(optional_columns),
	  T(written_files_are_named), T(dropped_events_are_said),
	  T(trace_threads_have_their_names), T(trace_cut_name_is_utf8),
	  T(html_is_utf8), T(cleanup))
