/* test_diff.c - `hpcc --diff` on hand-made report pairs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "diff.h"
#include "scratch.h"
#include "test.h"

#define FN(name, calls, avg, p95, total)                                         \
	"{\"name\":\"" name "\",\"file\":\"a.c\",\"line\":1,\"kind\":\"function\"," \
	"\"calls\":" #calls ",\"avg_ns\":" #avg ",\"total_ns\":" #total            \
	",\"percentiles\":{\"p95\":" #p95 "}}"

#define REPORT(...) "{\"program\":\"t\",\"clock\":\"tsc\",\"total_ns\":1000000,\"lost\":0," \
	"\"functions\":[" __VA_ARGS__ "]}"

/* Runs the diff of several runs per side, returns its status; the printed
 * text lands in *text. */
static int run_n(const char **base, int nbase, const char **head, int nhead,
		 double threshold, enum diff_format fmt, char **text)
{
	struct diff_opts o = { base, nbase, head, nhead, fmt, threshold };
	size_t len;
	FILE *out = open_memstream(text, &len);
	int status = hpcc_diff_run(&o, out);

	fclose(out);
	return status;
}

/* One run per side. */
static int run(const char *base, const char *head, double threshold,
	       enum diff_format fmt, char **text)
{
	return run_n(&base, 1, &head, 1, threshold, fmt, text);
}

/* The table line that names `fn`. */
static const char *row_of(const char *text, const char *fn)
{
	static char line[512];
	char key[64];
	const char *p;
	size_t n;

	snprintf(key, sizeof key, "| %s ", fn);
	p = strstr(text, key);
	if (!p)
		return "";
	n = strcspn(p, "\n");
	if (n >= sizeof line)
		n = sizeof line - 1;
	memcpy(line, p, n);
	line[n] = '\0';
	return line;
}

static void identical_reports_are_unchanged(void)
{
	const char *r = scratch_write("same.json", REPORT(FN("f", 10, 100, 120, 1000)));
	char *text = NULL;

	CHECK_INT(DIFF_EXIT_OK, run(r, r, 10, DIFF_TABLE, &text));
	CHECK_CONTAINS(row_of(text, "f"), "100.00ns\xe2\x86\x92" "100.00ns | +0.0% ");
	CHECK_CONTAINS(row_of(text, "f"), "| ~ ");
	CHECK_CONTAINS(text, "0 functions slower than the 10.0% threshold.");
	free(text);
}

static void slower_than_threshold_fails(void)
{
	const char *b = scratch_write("b1.json", REPORT(FN("f", 10, 100, 120, 1000) ","
						       FN("g", 10, 50, 60, 500)));
	const char *h = scratch_write("h1.json", REPORT(FN("f", 10, 120, 150, 1200) ","
						       FN("g", 10, 40, 45, 400)));
	char *text = NULL;

	CHECK_INT(DIFF_EXIT_SLOWER, run(b, h, 10, DIFF_TABLE, &text));
	CHECK_CONTAINS(row_of(text, "f"), "100.00ns\xe2\x86\x92" "120.00ns | +20.0% |");
	CHECK_CONTAINS(row_of(text, "f"), "| slower ");
	CHECK_CONTAINS(row_of(text, "g"), "| -20.0% |");
	CHECK_CONTAINS(row_of(text, "g"), "| faster ");
	CHECK_CONTAINS(text, "1 function slower than the 10.0% threshold.");
	free(text);

	/* the same pair under a looser threshold passes */
	CHECK_INT(DIFF_EXIT_OK, run(b, h, 25, DIFF_TABLE, &text));
	CHECK_CONTAINS(row_of(text, "f"), "| ~ ");
	free(text);
}

static void new_and_removed_functions_are_marked(void)
{
	const char *b = scratch_write("b2.json", REPORT(FN("old", 1, 10, 10, 10) ","
						       FN("kept", 1, 10, 10, 10)));
	const char *h = scratch_write("h2.json", REPORT(FN("kept", 1, 10, 10, 10) ","
						       FN("fresh", 3, 10, 10, 30)));
	char *text = NULL;

	/* new and removed never fail the gate: only "slower" does */
	CHECK_INT(DIFF_EXIT_OK, run(b, h, 0, DIFF_TABLE, &text));
	CHECK_CONTAINS(row_of(text, "fresh"), "| new ");
	CHECK_CONTAINS(row_of(text, "fresh"), "| 3 ");
	CHECK_CONTAINS(row_of(text, "old"), "| removed ");
	CHECK_CONTAINS(row_of(text, "old"), "10.00ns\xe2\x86\x92-");
	/* sorted by head total, removed last */
	CHECK(strstr(text, "| fresh ") < strstr(text, "| kept "));
	CHECK(strstr(text, "| kept ") < strstr(text, "| old "));
	free(text);
}

static void runs_of_different_length_compare_per_call(void)
{
	const char *b = scratch_write("b3.json", REPORT(FN("f", 100, 1000, 1100, 100000)));
	const char *h = scratch_write("h3.json", REPORT(FN("f", 400, 1000, 1100, 400000)));
	char *text = NULL;

	CHECK_INT(DIFF_EXIT_OK, run(b, h, 1, DIFF_TABLE, &text));
	CHECK_CONTAINS(row_of(text, "f"), "| 400 ");
	/* the runtime's formatter: 1.00µs, never 1000.00ns (issue 12, item 13) */
	CHECK_CONTAINS(row_of(text, "f"), "1.00\xc2\xb5s\xe2\x86\x92" "1.00\xc2\xb5s | +0.0% ");
	CHECK_CONTAINS(row_of(text, "f"), "| ~ ");
	free(text);
}

static void markdown_is_a_pull_request_table(void)
{
	const char *b = scratch_write("b4.json", REPORT(FN("f", 1, 2000000, 2000000, 2000000)));
	char *text = NULL;

	CHECK_INT(DIFF_EXIT_OK, run(b, b, -1, DIFF_MARKDOWN, &text));
	CHECK_CONTAINS(text, "### [hotpath] Comparison of ");
	CHECK_CONTAINS(text, "| Function | Calls | Self | Avg | Change | Verdict |\n"
			     "|---|---:|---:|---:|---:|---:|\n"
			     "| f | 1 | 2.00ms\xe2\x86\x92" "2.00ms | 2.00ms\xe2\x86\x92" "2.00ms | +0.0% | ~ |");
	CHECK_NOT_CONTAINS(text, "+---");
	CHECK_NOT_CONTAINS(text, "threshold");
	free(text);
}

static void bad_input_is_a_usage_error(void)
{
	const char *good = scratch_write("g.json", REPORT(FN("f", 1, 1, 1, 1)));
	const char *junk = scratch_write("junk.json", "{not json");
	const char *other = scratch_write("other.json", "{\"functions\": 3}");
	const char *huge = scratch_write("huge.json", REPORT(FN("f", 1e308, 1, 1, 1)));
	const char *fract = scratch_write("fract.json", REPORT(FN("f", 2.5, 1, 1, 1)));
	char missing[300];
	char *text = NULL;

	snprintf(missing, sizeof missing, "%s/none.json", scratch_dir());
	CHECK_INT(DIFF_EXIT_USAGE, run(good, junk, -1, DIFF_TABLE, &text));
	free(text);
	CHECK_INT(DIFF_EXIT_USAGE, run(other, good, -1, DIFF_TABLE, &text));
	free(text);
	CHECK_INT(DIFF_EXIT_USAGE, run(missing, good, -1, DIFF_TABLE, &text));
	CHECK_STR("", text);
	free(text);
	/* numbers that are no call counts */
	CHECK_INT(DIFF_EXIT_USAGE, run(good, huge, -1, DIFF_TABLE, &text));
	CHECK_STR("", text);
	free(text);
	CHECK_INT(DIFF_EXIT_USAGE, run(fract, good, -1, DIFF_TABLE, &text));
	free(text);
	CHECK_INT(DIFF_EXIT_USAGE, run(scratch_dir(), good, -1, DIFF_TABLE, &text));
	free(text);
}

static void arguments(void)
{
	struct diff_opts o;
	char *ok[] = { "a.json", "--threshold", "7.5", "b.json", "--format=markdown" };
	char *eq[] = { "--threshold=3", "a", "b" };
	char *bad_pct[] = { "a", "b", "--threshold", "fast" };
	char *neg_pct[] = { "a", "b", "--threshold=-1" };
	char *one[] = { "a" };
	char *three[] = { "a", "b", "c" };
	char *fmt[] = { "a", "b", "--format=html" };
	char *noval[] = { "a", "b", "--threshold" };
	char *runs[] = { "b1", "b2", "b3", "--", "h1", "--threshold=5", "h2", "h3" };
	char *one_each[] = { "b", "--", "h" };
	char *no_base[] = { "--", "h1", "h2" };
	char *no_head[] = { "b1", "b2", "--" };
	char *two_dashes[] = { "b", "--", "h", "--", "x" };

	CHECK_INT(0, hpcc_diff_parse_args(5, ok, &o));
	CHECK_INT(1, o.nbase);
	CHECK_INT(1, o.nhead);
	CHECK_STR("a.json", o.base[0]);
	CHECK_STR("b.json", o.head[0]);
	CHECK(o.threshold == 7.5);
	CHECK_INT(DIFF_MARKDOWN, o.format);
	hpcc_diff_opts_free(&o);
	CHECK_INT(0, hpcc_diff_parse_args(3, eq, &o));
	CHECK(o.threshold == 3);
	CHECK_INT(DIFF_TABLE, o.format);
	hpcc_diff_opts_free(&o);
	CHECK_INT(-1, hpcc_diff_parse_args(4, bad_pct, &o));
	CHECK_INT(-1, hpcc_diff_parse_args(3, neg_pct, &o));
	CHECK_INT(-1, hpcc_diff_parse_args(1, one, &o));
	CHECK_INT(-1, hpcc_diff_parse_args(3, three, &o));
	CHECK_INT(-1, hpcc_diff_parse_args(3, fmt, &o));
	CHECK_INT(-1, hpcc_diff_parse_args(3, noval, &o));
	/* several runs per side (issue 12, item 11) */
	CHECK_INT(0, hpcc_diff_parse_args(8, runs, &o));
	CHECK_INT(3, o.nbase);
	CHECK_INT(3, o.nhead);
	CHECK_STR("b3", o.base[2]);
	CHECK_STR("h1", o.head[0]);
	CHECK_STR("h3", o.head[2]);
	CHECK(o.threshold == 5);
	hpcc_diff_opts_free(&o);
	CHECK_INT(0, hpcc_diff_parse_args(3, one_each, &o));
	CHECK_INT(1, o.nbase);
	CHECK_INT(1, o.nhead);
	hpcc_diff_opts_free(&o);
	CHECK_INT(-1, hpcc_diff_parse_args(3, no_base, &o));
	CHECK_INT(-1, hpcc_diff_parse_args(3, no_head, &o));
	CHECK_INT(-1, hpcc_diff_parse_args(5, two_dashes, &o));
}

/* Reports of one function per run: f's per-call average in each run, g
 * steady at 50ns. */
static void runs_of(const char *prefix, const double *avg, int n, const char **paths)
{
	int i;

	for (i = 0; i < n; i++) {
		char name[64], json[1024];

		snprintf(name, sizeof name, "%s%d.json", prefix, i);
		snprintf(json, sizeof json, REPORT(
			"{\"name\":\"f\",\"file\":\"a.c\",\"calls\":1000,\"avg_ns\":%g,"
			"\"total_ns\":%g,\"percentiles\":{\"p95\":%g}}" ","
			FN("g", 1000, 50, 60, 50000)), avg[i], avg[i] * 1000, avg[i] * 1.2);
		paths[i] = scratch_write(name, json);
	}
}

/* Same binary, busy machine: runs differ by 25-80%, and the medians by
 * +25%, beyond a 10% threshold; the runs' own spread says it is noise, so
 * the exit status is 0 (issue 12, item 11).  One pair of those runs alone
 * would have failed the gate, which is what several runs are for. */
static void noisy_runs_of_one_binary_pass(void)
{
	static const double base[] = { 100, 160, 120 }, head[] = { 150, 105, 175 };
	const char *b[3], *h[3];
	char *text = NULL;

	runs_of("noisy-base", base, 3, b);
	runs_of("noisy-head", head, 3, h);
	CHECK_INT(DIFF_EXIT_OK, run_n(b, 3, h, 3, 10, DIFF_TABLE, &text));
	CHECK_CONTAINS(text, "Comparison of 3 runs: ");
	CHECK_CONTAINS(text, "(head), per call, medians of the runs:");
	CHECK_CONTAINS(row_of(text, "f"), "120.00ns\xe2\x86\x92" "150.00ns");
	CHECK_CONTAINS(row_of(text, "f"), "| \xc2\xb1" "108.3% | +25.0% | noise "); /* (60 + 70) / 120 */
	CHECK_CONTAINS(row_of(text, "g"), "| \xc2\xb1" "0.0% ");
	CHECK_CONTAINS(row_of(text, "g"), "| ~ ");
	CHECK_CONTAINS(text, "0 functions slower than the 10.0% threshold and the noise; "
		       "1 beyond the threshold within the noise.");
	free(text);
	/* the head's median run against the base's median run alone: "slower" */
	CHECK_INT(DIFF_EXIT_SLOWER, run(b[2], h[0], 10, DIFF_TABLE, &text));
	CHECK_CONTAINS(row_of(text, "f"), "| slower ");
	free(text);
}

/* Many seeded sets of same-distribution runs (5 a side, each run 1.0x to
 * 1.8x of the true cost, as a busy machine does): none is a regression.
 * Deterministic: the generator and its seed are fixed here.  (With 3 runs
 * a side this noise crosses the line for about 1 function in 100, as
 * diff.c's notes say; 5 runs are what the README advises for gating.) */
static void seeded_noisy_runs_pass(void)
{
	unsigned long long x = 0x2545F4914F6CDD1DULL;
	int trial, i, failed = 0;

	for (trial = 0; trial < 200; trial++) {
		double base[5], head[5];
		const char *b[5], *h[5];
		char *text = NULL;

		for (i = 0; i < 10; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
			(i < 5 ? base : head)[i % 5] =
				100.0 * (1.0 + 0.8 * (double)(x >> 11) / 9007199254740992.0);
		}
		runs_of("seed-base", base, 5, b);
		runs_of("seed-head", head, 5, h);
		if (run_n(b, 5, h, 5, 10, DIFF_TABLE, &text) != DIFF_EXIT_OK)
			failed++;
		free(text);
	}
	CHECK_INT(0, failed);
}

/* A real 2x slowdown with quiet runs (1-3% apart) is named, exit 1. */
static void real_slowdown_fails(void)
{
	static const double base[] = { 100, 102, 99 }, head[] = { 201, 198, 204 };
	const char *b[3], *h[3];
	char *text = NULL;

	runs_of("slow-base", base, 3, b);
	runs_of("slow-head", head, 3, h);
	CHECK_INT(DIFF_EXIT_SLOWER, run_n(b, 3, h, 3, 10, DIFF_TABLE, &text));
	CHECK_CONTAINS(row_of(text, "f"), "100.00ns\xe2\x86\x92" "201.00ns");
	CHECK_CONTAINS(row_of(text, "f"), "| \xc2\xb1" "9.0% | +101.0% | slower "); /* (3 + 6) / 100 */
	CHECK_CONTAINS(row_of(text, "g"), "| ~ ");
	CHECK_CONTAINS(text, "1 function slower than the 10.0% threshold and the noise; "
		       "0 beyond the threshold within the noise.");
	free(text);
	/* without a threshold: the verdict, exit 0 */
	CHECK_INT(DIFF_EXIT_OK, run_n(b, 3, h, 3, -1, DIFF_TABLE, &text));
	CHECK_CONTAINS(row_of(text, "f"), "| slower ");
	free(text);
	/* faster is symmetric */
	CHECK_INT(DIFF_EXIT_OK, run_n(h, 3, b, 3, 10, DIFF_TABLE, &text));
	CHECK_CONTAINS(row_of(text, "f"), "| faster ");
	free(text);
}

/* A single run per side: no noise estimate, and the output says so; one
 * side with several runs lends its spread to the other. */
static void single_runs_say_there_is_no_noise_estimate(void)
{
	static const double base[] = { 100, 130 }, head[] = { 150 };
	const char *b[2], *h[1];
	char *text = NULL;

	runs_of("single-base", base, 2, b);
	runs_of("single-head", head, 1, h);
	CHECK_INT(DIFF_EXIT_SLOWER, run(b[0], h[0], 10, DIFF_TABLE, &text));
	CHECK_CONTAINS(text, "One run per side: no noise estimate, the 10.0% threshold alone decides");
	CHECK_NOT_CONTAINS(text, "Noise");
	free(text);
	/* base median 115, spread 30 on both sides: noise 60 / 115 = 52.2% */
	CHECK_INT(DIFF_EXIT_OK, run_n(b, 2, h, 1, 10, DIFF_TABLE, &text));
	CHECK_CONTAINS(row_of(text, "f"), "115.00ns\xe2\x86\x92" "150.00ns");
	CHECK_CONTAINS(row_of(text, "f"), "| \xc2\xb1" "52.2% | +30.4% | noise ");
	free(text);
}

/* A function in some runs only: its figures come from those runs; one
 * that is on one side only is new or removed, never slower. */
static void functions_on_one_side_or_in_some_runs(void)
{
	const char *b[2], *h[2];
	char *text = NULL;

	b[0] = scratch_write("part-b0.json", REPORT(FN("kept", 10, 100, 120, 1000) ","
						   FN("old", 10, 10, 12, 100)));
	b[1] = scratch_write("part-b1.json", REPORT(FN("kept", 10, 102, 120, 1020)));
	h[0] = scratch_write("part-h0.json", REPORT(FN("kept", 10, 101, 120, 1010) ","
						   FN("fresh", 3, 500, 600, 1500)));
	h[1] = scratch_write("part-h1.json", REPORT(FN("kept", 10, 100, 120, 1000) ","
						   FN("fresh", 3, 700, 800, 2100)));
	CHECK_INT(DIFF_EXIT_OK, run_n(b, 2, h, 2, 0, DIFF_TABLE, &text));
	CHECK_CONTAINS(row_of(text, "fresh"), "| new ");
	CHECK_CONTAINS(row_of(text, "fresh"), "| 3 ");
	CHECK_CONTAINS(row_of(text, "fresh"), "-\xe2\x86\x92" "600.00ns");
	CHECK_CONTAINS(row_of(text, "old"), "| removed ");
	CHECK_CONTAINS(row_of(text, "old"), "10.00ns\xe2\x86\x92-");
	CHECK_CONTAINS(row_of(text, "kept"), "101.00ns\xe2\x86\x92" "100.50ns");
	free(text);
}

/* Any unreadable or malformed report of the many: a clear error and
 * status 2, not 1 (slower) and no table. */
static void one_bad_report_among_runs(void)
{
	const char *good = scratch_write("runs-good.json", REPORT(FN("f", 1, 1, 1, 1)));
	const char *no_avg = scratch_write("runs-noavg.json",
		"{\"functions\":[{\"name\":\"f\",\"calls\":3}]}");
	const char *empty = scratch_write("runs-empty.json", "");
	const char *b[3], *h[2];
	char missing[300];
	char *text = NULL;

	snprintf(missing, sizeof missing, "%s/none.json", scratch_dir());
	b[0] = good, b[1] = good, b[2] = missing;
	h[0] = good, h[1] = good;
	CHECK_INT(DIFF_EXIT_USAGE, run_n(b, 3, h, 2, 10, DIFF_TABLE, &text));
	CHECK_STR("", text);
	free(text);
	b[2] = good;
	h[1] = no_avg;
	CHECK_INT(DIFF_EXIT_USAGE, run_n(b, 3, h, 2, 10, DIFF_TABLE, &text));
	CHECK_STR("", text);
	free(text);
	h[1] = empty;
	CHECK_INT(DIFF_EXIT_USAGE, run_n(b, 3, h, 2, 10, DIFF_TABLE, &text));
	free(text);
}

/* A function with its self time: FN's reports have no self_ns. */
#define FNS(name, calls, avg, self, total)                                       \
	"{\"name\":\"" name "\",\"file\":\"a.c\",\"calls\":" #calls ",\"avg_ns\":" #avg \
	",\"self_ns\":" #self ",\"total_ns\":" #total ",\"percentiles\":{\"p95\":" #avg "}}"

/* main -> mid -> leaf; only leaf's own code got slower (100 -> 200ns a
 * call), which made mid's and main's totals grow by 50%: only leaf is
 * slower (issue 12, item 12). */
static void only_the_leaf_is_slower(void)
{
	const char *b = scratch_write("leaf-b.json", REPORT(
		FNS("main", 1, 210000, 10000, 210000) "," FNS("mid", 100, 2000, 100000, 200000) ","
		FNS("leaf", 1000, 100, 100000, 100000)));
	const char *h = scratch_write("leaf-h.json", REPORT(
		FNS("main", 1, 310000, 10000, 310000) "," FNS("mid", 100, 3000, 100000, 300000) ","
		FNS("leaf", 1000, 200, 200000, 200000)));
	const char *bs[3] = { b, b, b }, *hs[3] = { h, h, h };
	char *text = NULL;

	CHECK_INT(DIFF_EXIT_SLOWER, run(b, h, 10, DIFF_TABLE, &text));
	CHECK_CONTAINS(row_of(text, "leaf"), "100.00ns\xe2\x86\x92" "200.00ns | 100.00ns\xe2\x86\x92"
		       "200.00ns | +100.0% | slower ");
	/* the callers' Avg shows their total growing; their verdict is "~" */
	CHECK_CONTAINS(row_of(text, "mid"), "| 1.00\xc2\xb5s\xe2\x86\x92" "1.00\xc2\xb5s ");
	CHECK_CONTAINS(row_of(text, "mid"), "2.00\xc2\xb5s\xe2\x86\x92" "3.00\xc2\xb5s");
	CHECK_CONTAINS(row_of(text, "mid"), "| +0.0% ");
	CHECK_CONTAINS(row_of(text, "mid"), "| ~ ");
	CHECK_CONTAINS(row_of(text, "main"), "| ~ ");
	CHECK_CONTAINS(text, "1 function slower than the 10.0% threshold.");
	free(text);
	/* the same with several (quiet) runs a side */
	CHECK_INT(DIFF_EXIT_SLOWER, run_n(bs, 3, hs, 3, 10, DIFF_TABLE, &text));
	CHECK_CONTAINS(row_of(text, "leaf"), "| slower ");
	CHECK_CONTAINS(row_of(text, "mid"), "| ~ ");
	CHECK_CONTAINS(row_of(text, "main"), "| ~ ");
	free(text);
}

/* Display columns of each line (UTF-8 code points); the widest. */
static size_t widest_line(const char *text)
{
	size_t w = 0, max = 0;

	for (; *text; text++) {
		if (*text == '\n') {
			w = 0;
			continue;
		}
		if (((unsigned char)*text & 0xc0) != 0x80 && ++w > max)
			max = w;
	}
	return max;
}

/* With several runs (the Noise column), large figures and a 30-character
 * name the table keeps to 120 columns; a 50-character name is cut to 29
 * characters and "…", by characters, not bytes (issue 12, item 12). */
#define NAME30 "abcdefghij_abcdefghij_abcdefg"
#define NAME50 "\xc3\xa9tapes_de_la_compilation_incr\xc3\xa9mentale_et_du_caches"
static void table_fits_in_120_columns(void)
{
	const char *b[2], *h[2];
	char *text = NULL;
	const char *p;
	size_t n;

	b[0] = scratch_write("wide-b0.json", REPORT(
		FNS(NAME30 "x", 12345678, 987654321, 876543210000000, 9876543210000000) ","
		FNS(NAME50, 1000, 1000, 900000, 1000000)));
	b[1] = scratch_write("wide-b1.json", REPORT(
		FNS(NAME30 "x", 12345678, 987654321, 806543210000000, 9876543210000000) ","
		FNS(NAME50, 1000, 1000, 900000, 1000000)));
	h[0] = scratch_write("wide-h0.json", REPORT(
		FNS(NAME30 "x", 12345678, 987654321, 876543210000000, 9876543210000000) ","
		FNS(NAME50, 1000, 1000, 950000, 1000000)));
	h[1] = scratch_write("wide-h1.json", REPORT(
		FNS(NAME30 "x", 12345678, 997654321, 886543210000000, 9976543210000000) ","
		FNS(NAME50, 1000, 1000, 950000, 1000000)));
	CHECK_INT(strlen(NAME30 "x"), 30);
	CHECK_INT(DIFF_EXIT_OK, run_n(b, 2, h, 2, 10, DIFF_TABLE, &text));
	CHECK_CONTAINS(text, "| " NAME30 "x |");
	CHECK_CONTAINS(text, "| Noise ");
	CHECK(widest_line(text) > 100);
	/* the table's lines; the notes below it are prose */
	for (p = text; (p = strchr(p, '\n')) != NULL;) {
		p++;
		n = strcspn(p, "\n");
		if (n && (*p == '|' || *p == '+')) {
			char line[600];

			snprintf(line, sizeof line, "%.*s", (int)n, p);
			if (widest_line(line) > 120)
				CHECK_STR("a line of at most 120 columns", line);
		}
	}
	/* 29 characters of the 50 (two of them 2-byte é), then … */
	CHECK_NOT_CONTAINS(text, NAME50);
	CHECK_CONTAINS(text, "| \xc3\xa9tapes_de_la_compilation_incr\xe2\x80\xa6 |");
	free(text);
	/* markdown: the same cells */
	CHECK_INT(DIFF_EXIT_OK, run_n(b, 2, h, 2, 10, DIFF_MARKDOWN, &text));
	CHECK_CONTAINS(text, "| \xc3\xa9tapes_de_la_compilation_incr\xe2\x80\xa6 |");
	free(text);
}

/* --format=json: per-function medians, change, noise and verdict; the exit
 * status rules are the table's. */
static void json_format(void)
{
	const char *b = scratch_write("json-b.json", REPORT(
		FNS("mid", 100, 2000, 100000, 200000) "," FNS("leaf", 1000, 100, 100000, 100000)));
	const char *h = scratch_write("json-h.json", REPORT(
		FNS("mid", 100, 3000, 100000, 300000) "," FNS("leaf", 1000, 200, 200000, 200000) ","
		FN("fresh", 3, 10, 10, 30)));
	const cJSON *fns, *f, *leaf = NULL, *mid = NULL, *fresh = NULL;
	char *text = NULL;
	cJSON *doc;

	CHECK_INT(DIFF_EXIT_SLOWER, run(b, h, 10, DIFF_JSON, &text));
	doc = cJSON_Parse(text);
	CHECK(doc != NULL);
	CHECK_NOT_CONTAINS(text, "[hotpath]");
	fns = cJSON_GetObjectItemCaseSensitive(doc, "functions");
	cJSON_ArrayForEach(f, fns) {
		const char *name = cJSON_GetObjectItemCaseSensitive(f, "name")->valuestring;

		if (!strcmp(name, "leaf"))
			leaf = f;
		else if (!strcmp(name, "mid"))
			mid = f;
		else if (!strcmp(name, "fresh"))
			fresh = f;
	}
	CHECK(leaf && mid && fresh);
	if (leaf && mid && fresh) {
		const cJSON *lb = cJSON_GetObjectItemCaseSensitive(leaf, "base");
		const cJSON *lh = cJSON_GetObjectItemCaseSensitive(leaf, "head");

		CHECK_STR("slower", cJSON_GetObjectItemCaseSensitive(leaf, "verdict")->valuestring);
		CHECK_STR("~", cJSON_GetObjectItemCaseSensitive(mid, "verdict")->valuestring);
		CHECK_STR("new", cJSON_GetObjectItemCaseSensitive(fresh, "verdict")->valuestring);
		CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(fresh, "base")));
		CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(fresh, "change_pct")));
		CHECK(cJSON_GetObjectItemCaseSensitive(leaf, "change_pct")->valuedouble == 100.0);
		CHECK(cJSON_GetObjectItemCaseSensitive(mid, "change_pct")->valuedouble == 0.0);
		CHECK(cJSON_GetObjectItemCaseSensitive(mid, "avg_change_pct")->valuedouble == 50.0);
		CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(leaf, "noise_pct")));
		CHECK(cJSON_GetObjectItemCaseSensitive(lb, "self_ns")->valuedouble == 100.0);
		CHECK(cJSON_GetObjectItemCaseSensitive(lh, "self_ns")->valuedouble == 200.0);
		CHECK(cJSON_GetObjectItemCaseSensitive(lh, "avg_ns")->valuedouble == 200.0);
		CHECK(cJSON_GetObjectItemCaseSensitive(lh, "calls")->valuedouble == 1000.0);
		CHECK(cJSON_GetObjectItemCaseSensitive(lh, "runs")->valuedouble == 1.0);
	}
	CHECK(cJSON_GetObjectItemCaseSensitive(doc, "slower")->valuedouble == 1.0);
	CHECK(cJSON_GetObjectItemCaseSensitive(doc, "exit_status")->valuedouble == 1.0);
	cJSON_Delete(doc);
	free(text);
	/* no threshold: exit 0, threshold_pct null */
	CHECK_INT(DIFF_EXIT_OK, run(b, h, -1, DIFF_JSON, &text));
	doc = cJSON_Parse(text);
	CHECK(doc && cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(doc, "threshold_pct")));
	cJSON_Delete(doc);
	free(text);
}

TEST_MAIN(T(identical_reports_are_unchanged), T(slower_than_threshold_fails),
	  T(new_and_removed_functions_are_marked), T(runs_of_different_length_compare_per_call),
	  T(markdown_is_a_pull_request_table), T(bad_input_is_a_usage_error), T(arguments),
	  T(noisy_runs_of_one_binary_pass), T(seeded_noisy_runs_pass), T(real_slowdown_fails),
	  T(single_runs_say_there_is_no_noise_estimate), T(functions_on_one_side_or_in_some_runs),
	  T(one_bad_report_among_runs), T(only_the_leaf_is_slower), T(table_fits_in_120_columns),
	  T(json_format))
