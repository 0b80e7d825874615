/* HOTPATH_FORMAT=metrics (issue 11): the Prometheus text renderer on
 * hand-made reports, exact strings.  promtool and a real Prometheus read
 * it in tests/e2e (test_metrics.sh, test_prometheus.sh). */
#include <errno.h>
#include <stdlib.h>

#include <time.h>

#include "alloc.h"
#include "clock.h"
#include "hotpath.h"
#include "metrics.h"
#include "prom_text.h"
#include "report.h"
#include "test.h"

static void escaped(struct hp_str *out, const char *s)
{
	hp_str_free(out);
	hp_str_append(out, "", 0);
	hp_metrics_escape(out, s);
}

static void escape(void)
{
	struct hp_str out = { 0 };

	escaped(&out, "plain_name");
	CHECK_STR("plain_name", out.s);
	/* the three escapes of the format, and nothing else escaped */
	escaped(&out, "a \"q\" \\ b\nc");
	CHECK_STR("a \\\"q\\\" \\\\ b\\nc", out.s);
	escaped(&out, "\\n");
	CHECK_STR("\\\\n", out.s);
	escaped(&out, "tab\tcr\r{}=,#");
	CHECK_STR("tab\tcr\r{}=,#", out.s);
	/* UTF-8 passes whole, 2, 3 and 4 bytes */
	escaped(&out, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e");
	CHECK_STR("caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e", out.s);
	/* what is not UTF-8 becomes U+FFFD, a byte at a time: Latin-1,
	 * a cut sequence, an overlong, a surrogate */
	escaped(&out, "x\xe9y");
	CHECK_STR("x\xef\xbf\xbdy", out.s);
	escaped(&out, "\xc3");
	CHECK_STR("\xef\xbf\xbd", out.s);
	escaped(&out, "\xc0\x80\"");
	CHECK_STR("\xef\xbf\xbd\xef\xbf\xbd\\\"", out.s);
	escaped(&out, "\xed\xa0\x80");
	CHECK_STR("\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", out.s);
	escaped(&out, NULL);
	CHECK_STR("", out.s);
	hp_str_free(&out);
}

static void base_report(struct hp_report *r, struct hp_row *rows, size_t n)
{
	memset(r, 0, sizeof *r);
	r->program = "prog";
	r->clock = "monotonic";
	r->total_ns = 2000000001;
	r->lost = 7;
	r->nonlocal_exits = 2;
	r->pid = 4242;
	r->limit = -1;
	r->rows = rows;
	r->nrows = n;
}

static const char head[] =
	"# HELP hotpath_info The profiled program: its name, pid and clock (always 1).\n"
	"# TYPE hotpath_info gauge\n"
	"hotpath_info{program=\"prog\",pid=\"4242\",clock=\"monotonic\"} 1\n"
	"# HELP hotpath_session_seconds Wall time the profile covers so far (main's, if measured).\n"
	"# TYPE hotpath_session_seconds gauge\n"
	"hotpath_session_seconds 2.000000001\n"
	"# HELP hotpath_lost_total Calls not measured: a thread's buffer was full or memory ran out.\n"
	"# TYPE hotpath_lost_total counter\n"
	"hotpath_lost_total 7\n"
	"# HELP hotpath_nonlocal_exits_total Measured calls left by longjmp and the like, closed when noticed.\n"
	"# TYPE hotpath_nonlocal_exits_total counter\n"
	"hotpath_nonlocal_exits_total 2\n";

/* The whole text of a two-row report: nothing added, nothing missing. */
static void whole_text(void)
{
	struct hp_hist_pair work_hist[] = { { 150, 2 }, { 1000, 1 }, { 2500000, 1 } };
	struct hp_row rows[] = {
		{ .name = "work", .file = "src/w.c", .line = 12, .kind = HP_KIND_FUNCTION,
		  .calls = 4, .total_ns = 2501300, .min_ns = 150, .max_ns = 2500000,
		  .self_ns = 1500, .hist = work_hist, .nhist = 3 },
		{ .name = "main", .file = "src/m.c", .line = 3, .kind = HP_KIND_MAIN,
		  .calls = 1, .total_ns = 2000000001, .min_ns = 2000000001,
		  .max_ns = 2000000001, .self_ns = 1997498701 },
	};
	struct hp_report r;
	struct hp_str out = { 0 };
	static const char *const le[] = { "1e-07", "3e-07", "1e-06", "3e-06",
		"1e-05", "3e-05", "0.0001", "0.0003", "0.001", "0.003", "0.01",
		"0.03", "0.1", "0.3", "1", "3", "10", "+Inf" };
	static const unsigned int work_cum[] = { 0, 2, 3, 3, 3, 3, 3, 3, 3, 4,
		4, 4, 4, 4, 4, 4, 4, 4 };
	struct hp_str want = { 0 };
	size_t k;

	base_report(&r, rows, 2);
	CHECK_INT(0, hp_metrics_render(&out, &r));
	hp_str_append(&want, head, strlen(head));
	hp_str_printf(&want,
		"# HELP hotpath_calls_total Calls of the site (a function, a measure_block, or main), recursive ones included.\n"
		"# TYPE hotpath_calls_total counter\n"
		"hotpath_calls_total{function=\"main\",file=\"src/m.c\",line=\"3\",kind=\"main\"} 1\n"
		"hotpath_calls_total{function=\"work\",file=\"src/w.c\",line=\"12\",kind=\"function\"} 4\n"
		"# HELP hotpath_time_seconds_total Time in the site's calls, callees included; a recursive call is inside its outermost call's time only.\n"
		"# TYPE hotpath_time_seconds_total counter\n"
		"hotpath_time_seconds_total{function=\"main\",file=\"src/m.c\",line=\"3\",kind=\"main\"} 2.000000001\n"
		"hotpath_time_seconds_total{function=\"work\",file=\"src/w.c\",line=\"12\",kind=\"function\"} 0.0025013\n"
		"# HELP hotpath_self_seconds_total Time in the site's calls less the time of measured callees.\n"
		"# TYPE hotpath_self_seconds_total counter\n"
		"hotpath_self_seconds_total{function=\"main\",file=\"src/m.c\",line=\"3\",kind=\"main\"} 1.997498701\n"
		"hotpath_self_seconds_total{function=\"work\",file=\"src/w.c\",line=\"12\",kind=\"function\"} 0.0000015\n"
		"# HELP hotpath_call_duration_seconds Duration of each call. A call counts under the first le at or above the value of its runtime histogram bucket (the bucket's midpoint, within 0.8%% of the call's duration); _sum includes recursive calls.\n"
		"# TYPE hotpath_call_duration_seconds histogram\n");
	/* main has no histogram pairs (out of memory): +Inf only */
	for (k = 0; k < 18; k++)
		hp_str_printf(&want, "hotpath_call_duration_seconds_bucket{function=\"main\",file=\"src/m.c\",line=\"3\",kind=\"main\",le=\"%s\"} %d\n",
			      le[k], k == 17);
	hp_str_printf(&want,
		"hotpath_call_duration_seconds_sum{function=\"main\",file=\"src/m.c\",line=\"3\",kind=\"main\"} 2.000000001\n"
		"hotpath_call_duration_seconds_count{function=\"main\",file=\"src/m.c\",line=\"3\",kind=\"main\"} 1\n");
	for (k = 0; k < 18; k++)
		hp_str_printf(&want, "hotpath_call_duration_seconds_bucket{function=\"work\",file=\"src/w.c\",line=\"12\",kind=\"function\",le=\"%s\"} %u\n",
			      le[k], work_cum[k]);
	hp_str_printf(&want,
		"hotpath_call_duration_seconds_sum{function=\"work\",file=\"src/w.c\",line=\"12\",kind=\"function\"} 0.0025013\n"
		"hotpath_call_duration_seconds_count{function=\"work\",file=\"src/w.c\",line=\"12\",kind=\"function\"} 4\n");
	CHECK_STR(want.s, out.s);
	/* no --alloc figures, no allocation families */
	CHECK_NOT_CONTAINS(out.s, "alloc");
	hp_str_free(&out);
	hp_str_free(&want);
}

/* The rule of metrics.h: a runtime bucket counts under every le at or
 * above its value, not clamped to [min, max] (a count must never go
 * down when max grows). */
static void bucket_rule(void)
{
	struct hp_hist_pair at[] = { { 1000, 5 }, { 1001, 3 } };
	struct hp_hist_pair clamp[] = { { 1004, 6 } }; /* all calls took 1000 ns */
	struct hp_hist_pair low[] = { { 96, 1 }, { 101, 1 } }; /* min 99 */
	struct hp_hist_pair big[] = { { 30000000000ull, 2 } };
	struct hp_hist_pair over[] = { { 50, 9 } }; /* more pairs than calls */
	struct hp_row rows[] = {
		{ .name = "at", .file = "f.c", .line = 1, .calls = 10, .min_ns = 1000,
		  .max_ns = 1001, .hist = at, .nhist = 2 }, /* 2 unbucketed */
		{ .name = "clamp", .file = "f.c", .line = 2, .calls = 6, .min_ns = 1000,
		  .max_ns = 1000, .hist = clamp, .nhist = 1 },
		{ .name = "low", .file = "f.c", .line = 3, .calls = 2, .min_ns = 99,
		  .max_ns = 100, .hist = low, .nhist = 2 },
		{ .name = "big", .file = "f.c", .line = 4, .calls = 2,
		  .min_ns = 30000000000ull, .max_ns = 30000000000ull, .hist = big, .nhist = 1 },
		{ .name = "over", .file = "f.c", .line = 5, .calls = 4, .min_ns = 50,
		  .max_ns = 50, .hist = over, .nhist = 1 },
	};
	struct hp_report r;
	struct hp_str out = { 0 };

	base_report(&r, rows, 5);
	CHECK_INT(0, hp_metrics_render(&out, &r));
	CHECK_INT(0, prom_bucket(out.s, "at", "3e-07"));
	CHECK_INT(5, prom_bucket(out.s, "at", "1e-06")); /* 1000 ns <= 1e-06 */
	CHECK_INT(8, prom_bucket(out.s, "at", "3e-06"));
	CHECK_INT(8, prom_bucket(out.s, "at", "10"));
	CHECK_INT(10, prom_bucket(out.s, "at", "+Inf")); /* the unbucketed two */
	CHECK_CONTAINS(out.s, "hotpath_call_duration_seconds_count{function=\"at\",file=\"f.c\",line=\"1\",kind=\"function\"} 10\n");
	/* the bucket [1000, 1008) stays above 1e-06 whatever max says: were
	 * it clamped to max, a later call of 1005 ns would move all six up,
	 * and the le="1e-06" count would fall from 6 to 0 */
	CHECK_INT(0, prom_bucket(out.s, "clamp", "1e-06"));
	CHECK_INT(6, prom_bucket(out.s, "clamp", "3e-06"));
	CHECK_INT(1, prom_bucket(out.s, "low", "1e-07"));
	CHECK_INT(2, prom_bucket(out.s, "low", "3e-07"));
	CHECK_INT(0, prom_bucket(out.s, "big", "10"));
	CHECK_INT(2, prom_bucket(out.s, "big", "+Inf"));
	CHECK_INT(4, prom_bucket(out.s, "over", "1e-07")); /* never above +Inf */
	hp_str_free(&out);
}

/* Each le's text is its bound: parsed back, it is hp_metrics_le_ns. */
static void bounds(void)
{
	struct hp_hist_pair one[] = { { 1, 1 } };
	struct hp_row row = { .name = "f", .file = "f.c", .line = 1, .calls = 1,
			      .min_ns = 1, .max_ns = 1, .hist = one, .nhist = 1 };
	struct hp_report r;
	struct hp_str out = { 0 };
	const char *p;
	int k = 0;

	base_report(&r, &row, 1);
	CHECK_INT(0, hp_metrics_render(&out, &r));
	for (p = out.s; (p = strstr(p, ",le=\"")); k++) {
		double v = strtod(p + 5, NULL);

		p += 5;
		if (k == HP_METRICS_NLE) {
			CHECK(strncmp(p, "+Inf\"", 5) == 0);
			continue;
		}
		CHECK(k < HP_METRICS_NLE);
		CHECK_U64(hp_metrics_le_ns[k], (uint64_t)(v * 1e9 + 0.5));
		CHECK(k == 0 || hp_metrics_le_ns[k] > hp_metrics_le_ns[k - 1]);
	}
	CHECK_INT(HP_METRICS_NLE + 1, k);
	hp_str_free(&out);
}

static int count_lines(const char *s, const char *prefix)
{
	int n = 0;
	size_t len = strlen(prefix);

	for (; s && *s; s = strchr(s, '\n') + 1) {
		if (!strncmp(s, prefix, len))
			n++;
		if (!strchr(s, '\n'))
			break;
	}
	return n;
}

/* Same name in two files, same label twice in one file, a function and a
 * block of one name: one series each, in identity order. */
static void identities(void)
{
	struct hp_row rows[] = {
		{ .name = "step", .file = "b.c", .line = 9, .kind = HP_KIND_BLOCK, .calls = 5 },
		{ .name = "helper", .file = "lib/b.c", .line = 9, .calls = 1 },
		{ .name = "step", .file = "b.c", .line = 4, .kind = HP_KIND_BLOCK, .calls = 3 },
		{ .name = "helper", .file = "src/a.c", .line = 3, .calls = 2 },
		{ .name = "step", .file = "b.c", .line = 4, .kind = HP_KIND_FUNCTION, .calls = 1 },
	};
	struct hp_report r;
	struct hp_str out = { 0 };
	const char *a, *b, *c, *d, *e;

	base_report(&r, rows, 5);
	CHECK_INT(0, hp_metrics_render(&out, &r));
	CHECK_INT(5, count_lines(out.s, "hotpath_calls_total{"));
	a = strstr(out.s, "hotpath_calls_total{function=\"helper\",file=\"lib/b.c\",line=\"9\",kind=\"function\"} 1\n");
	b = strstr(out.s, "hotpath_calls_total{function=\"helper\",file=\"src/a.c\",line=\"3\",kind=\"function\"} 2\n");
	c = strstr(out.s, "hotpath_calls_total{function=\"step\",file=\"b.c\",line=\"4\",kind=\"function\"} 1\n");
	d = strstr(out.s, "hotpath_calls_total{function=\"step\",file=\"b.c\",line=\"4\",kind=\"block\"} 3\n");
	e = strstr(out.s, "hotpath_calls_total{function=\"step\",file=\"b.c\",line=\"9\",kind=\"block\"} 5\n");
	CHECK(a && b && c && d && e);
	CHECK(a < b && b < c && c < d && d < e);
	/* the report's own order is left alone */
	CHECK_STR("step", rows[0].name);
	hp_str_free(&out);
}

/* Labels from arbitrary text: a block label and a file path. */
static void label_text(void)
{
	struct hp_row row = { .name = "say \"hi\"\n\\o/ caf\xc3\xa9",
			      .file = "dir \"q\"/a\\b\n\xe9.c", .line = 7,
			      .kind = HP_KIND_BLOCK, .calls = 1 };
	struct hp_report r;
	struct hp_str out = { 0 };

	base_report(&r, &row, 1);
	r.program = "p\"1\n";
	CHECK_INT(0, hp_metrics_render(&out, &r));
	CHECK_CONTAINS(out.s, "hotpath_calls_total{function=\"say \\\"hi\\\"\\n\\\\o/ caf\xc3\xa9\","
		       "file=\"dir \\\"q\\\"/a\\\\b\\n\xef\xbf\xbd.c\",line=\"7\",kind=\"block\"} 1\n");
	CHECK_CONTAINS(out.s, "hotpath_info{program=\"p\\\"1\\n\",pid=\"4242\"");
	/* no raw newline inside any line: every line starts a sample or a
	 * comment */
	CHECK_INT(count_lines(out.s, "#") + count_lines(out.s, "hotpath_"),
		  count_lines(out.s, ""));
	hp_str_free(&out);
}

static void alloc_figures(void)
{
	struct hp_row rows[] = {
		{ .name = "grow", .file = "g.c", .line = 2, .calls = 3, .alloc_calls = 3,
		  .alloc = { { .sum = 4096, .recursive = 1024, .self = 512 },
			     { .max = 2048 },
			     { .sum = 12, .recursive = 2, .self = 4 },
			     { .max = 5 } } },
		{ .name = "none", .file = "g.c", .line = 9, .calls = 1 },
	};
	struct hp_report r;
	struct hp_str out = { 0 };

	base_report(&r, rows, 2);
	CHECK_INT(0, hp_metrics_render(&out, &r));
	CHECK_CONTAINS(out.s, "# TYPE hotpath_alloc_bytes_total counter\n"
		       "hotpath_alloc_bytes_total{function=\"grow\",file=\"g.c\",line=\"2\",kind=\"function\"} 3072\n#");
	CHECK_CONTAINS(out.s, "# TYPE hotpath_self_alloc_bytes_total counter\n"
		       "hotpath_self_alloc_bytes_total{function=\"grow\",file=\"g.c\",line=\"2\",kind=\"function\"} 512\n#");
	CHECK_CONTAINS(out.s, "# TYPE hotpath_allocations_total counter\n"
		       "hotpath_allocations_total{function=\"grow\",file=\"g.c\",line=\"2\",kind=\"function\"} 10\n#");
	CHECK_CONTAINS(out.s, "# TYPE hotpath_self_allocations_total counter\n"
		       "hotpath_self_allocations_total{function=\"grow\",file=\"g.c\",line=\"2\",kind=\"function\"} 4\n#");
	CHECK_CONTAINS(out.s, "# TYPE hotpath_alloc_peak_bytes gauge\n"
		       "hotpath_alloc_peak_bytes{function=\"grow\",file=\"g.c\",line=\"2\",kind=\"function\"} 2048\n#");
	CHECK_CONTAINS(out.s, "# TYPE hotpath_alloc_peak_blocks gauge\n"
		       "hotpath_alloc_peak_blocks{function=\"grow\",file=\"g.c\",line=\"2\",kind=\"function\"} 5\n");
	/* a row without figures has no allocation series */
	CHECK_NOT_CONTAINS(out.s, "alloc_bytes_total{function=\"none\"");
	CHECK_INT(8 + 6, count_lines(out.s, "# TYPE "));
	hp_str_free(&out);
}

/* Nothing measured yet: the families are there, with no series. */
static void empty(void)
{
	struct hp_report r;
	struct hp_str out = { 0 };

	base_report(&r, NULL, 0);
	r.total_ns = 0;
	CHECK_INT(0, hp_metrics_render(&out, &r));
	CHECK_CONTAINS(out.s, "hotpath_session_seconds 0\n");
	CHECK_CONTAINS(out.s, "# TYPE hotpath_calls_total counter\n# HELP hotpath_time_seconds_total");
	CHECK_INT(0, count_lines(out.s, "hotpath_calls_total"));
	hp_str_free(&out);
}

static void no_memory(void)
{
	struct hp_row row = { .name = "f", .file = "f.c", .line = 1, .calls = 1 };
	struct hp_report r;
	struct hp_str out = { 0 };

	base_report(&r, &row, 1);
	hp_alloc_fail_after(0);
	CHECK_INT(ENOMEM, hp_metrics_render(&out, &r));
	hp_alloc_fail_after(1); /* the row index, then not the text */
	CHECK_INT(ENOMEM, hp_metrics_render(&out, &r));
	hp_alloc_fail_after(-1);
	hp_str_free(&out);
}

static void sleep_ms(long ms)
{
	struct timespec t = { 0, ms * 1000000 };

	nanosleep(&t, NULL);
}

/* Live snapshots convert ticks with one ratio (clock.h): the same ticks
 * give the same ns at every snapshot, so a counter of an idle site never
 * goes down.  (Without an invariant TSC ticks are ns: trivially so.) */
static void live_ratio_fixed(void)
{
	const uint64_t ticks = 1000000000000ull;
	uint64_t first, wall1, wall2;
	int i;

	hp_clock_init(0);
	sleep_ms(HP_CLOCK_LIVE_SPAN_NS / 1000000 + 5);
	wall1 = hp_clock_sample();
	CHECK(wall1 >= HP_CLOCK_LIVE_SPAN_NS);
	first = hp_clock_to_ns(ticks);
	for (i = 0; i < 5; i++) {
		sleep_ms(3);
		wall2 = hp_clock_sample();
		CHECK(wall2 > wall1); /* the wall time still moves */
		wall1 = wall2;
		CHECK_U64(first, hp_clock_to_ns(ticks));
	}
	/* the exit report measures the ratio over the whole session again */
	hp_clock_finish();
	hp_clock_init(0); /* a new session samples afresh */
	sleep_ms(1);
	(void)hp_clock_sample();
	sleep_ms(HP_CLOCK_LIVE_SPAN_NS / 1000000 + 5);
	(void)hp_clock_sample();
	first = hp_clock_to_ns(ticks);
	sleep_ms(3);
	(void)hp_clock_sample();
	CHECK_U64(first, hp_clock_to_ns(ticks));
}

TEST_MAIN(T(escape), T(whole_text), T(bucket_rule), T(bounds), T(identities),
	  T(label_text), T(alloc_figures), T(empty), T(no_memory),
	  T(live_ratio_fixed))
