/* test_diff.c - `hpcc --diff` on hand-made report pairs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diff.h"
#include "test.h"

static char dir[] = "/tmp/hpcc-test-diff-XXXXXX";

static void cleanup(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* The scratch directory, made on first use and removed at exit. */
static void ensure_dir(void)
{
	static int made;

	if (made++)
		return;
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	atexit(cleanup);
}

static const char *write_report(const char *name, const char *json)
{
	static char paths[8][256];
	static int next;
	char *p = paths[next++ % 8];
	FILE *f;

	ensure_dir();
	snprintf(p, 256, "%s/%s", dir, name);
	f = fopen(p, "w");
	if (!f)
		return NULL;
	fputs(json, f);
	fclose(f);
	return p;
}

#define FN(name, calls, avg, p95, total)                                         \
	"{\"name\":\"" name "\",\"file\":\"a.c\",\"line\":1,\"kind\":\"function\"," \
	"\"calls\":" #calls ",\"avg_ns\":" #avg ",\"total_ns\":" #total            \
	",\"percentiles\":{\"p95\":" #p95 "}}"

#define REPORT(...) "{\"program\":\"t\",\"clock\":\"tsc\",\"total_ns\":1000000,\"lost\":0," \
	"\"functions\":[" __VA_ARGS__ "]}"

/* Runs the diff, returns its status; the printed text lands in *text. */
static int run(const char *base, const char *head, double threshold,
	       enum diff_format fmt, char **text)
{
	struct diff_opts o = { base, head, fmt, threshold };
	size_t len;
	FILE *out = open_memstream(text, &len);
	int status = hpcc_diff_run(&o, out);

	fclose(out);
	return status;
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
	const char *r = write_report("same.json", REPORT(FN("f", 10, 100, 120, 1000)));
	char *text = NULL;

	CHECK_INT(DIFF_EXIT_OK, run(r, r, 10, DIFF_TABLE, &text));
	CHECK_CONTAINS(row_of(text, "f"), "100.00ns -> 100.00ns (+0.0%)");
	CHECK_CONTAINS(row_of(text, "f"), "| ~ ");
	CHECK_CONTAINS(text, "0 functions slower than the 10.0% threshold.");
	free(text);
}

static void slower_than_threshold_fails(void)
{
	const char *b = write_report("b1.json", REPORT(FN("f", 10, 100, 120, 1000) ","
						       FN("g", 10, 50, 60, 500)));
	const char *h = write_report("h1.json", REPORT(FN("f", 10, 120, 150, 1200) ","
						       FN("g", 10, 40, 45, 400)));
	char *text = NULL;

	CHECK_INT(DIFF_EXIT_SLOWER, run(b, h, 10, DIFF_TABLE, &text));
	CHECK_CONTAINS(row_of(text, "f"), "100.00ns -> 120.00ns (+20.0%)");
	CHECK_CONTAINS(row_of(text, "f"), "120.00ns -> 150.00ns (+25.0%)");
	CHECK_CONTAINS(row_of(text, "f"), "| slower ");
	CHECK_CONTAINS(row_of(text, "g"), "(-20.0%)");
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
	const char *b = write_report("b2.json", REPORT(FN("old", 1, 10, 10, 10) ","
						       FN("kept", 1, 10, 10, 10)));
	const char *h = write_report("h2.json", REPORT(FN("kept", 1, 10, 10, 10) ","
						       FN("fresh", 3, 10, 10, 30)));
	char *text = NULL;

	/* new and removed never fail the gate: only "slower" does */
	CHECK_INT(DIFF_EXIT_OK, run(b, h, 0, DIFF_TABLE, &text));
	CHECK_CONTAINS(row_of(text, "fresh"), "| new ");
	CHECK_CONTAINS(row_of(text, "fresh"), "0 -> 3");
	CHECK_CONTAINS(row_of(text, "old"), "| removed ");
	CHECK_CONTAINS(row_of(text, "old"), "10.00ns -> -");
	/* sorted by head total, removed last */
	CHECK(strstr(text, "| fresh ") < strstr(text, "| kept "));
	CHECK(strstr(text, "| kept ") < strstr(text, "| old "));
	free(text);
}

static void runs_of_different_length_compare_per_call(void)
{
	const char *b = write_report("b3.json", REPORT(FN("f", 100, 1000, 1100, 100000)));
	const char *h = write_report("h3.json", REPORT(FN("f", 400, 1000, 1100, 400000)));
	char *text = NULL;

	CHECK_INT(DIFF_EXIT_OK, run(b, h, 1, DIFF_TABLE, &text));
	CHECK_CONTAINS(row_of(text, "f"), "100 -> 400");
	CHECK_CONTAINS(row_of(text, "f"), "100.00\xc2\xb5s -> 400.00\xc2\xb5s (+300.0%)");
	CHECK_CONTAINS(row_of(text, "f"), "| ~ ");
	free(text);
}

static void markdown_is_a_pull_request_table(void)
{
	const char *b = write_report("b4.json", REPORT(FN("f", 1, 2000000, 2000000, 2000000)));
	char *text = NULL;

	CHECK_INT(DIFF_EXIT_OK, run(b, b, -1, DIFF_MARKDOWN, &text));
	CHECK_CONTAINS(text, "### [hotpath] Comparison of ");
	CHECK_CONTAINS(text, "| Function | Calls | Avg | P95 | Total | Change |\n"
			     "|---|---:|---:|---:|---:|---:|\n"
			     "| f | 1 -> 1 | 2.00ms -> 2.00ms (+0.0%) |");
	CHECK_NOT_CONTAINS(text, "+---");
	CHECK_NOT_CONTAINS(text, "threshold");
	free(text);
}

static void bad_input_is_a_usage_error(void)
{
	const char *good = write_report("g.json", REPORT(FN("f", 1, 1, 1, 1)));
	const char *junk = write_report("junk.json", "{not json");
	const char *other = write_report("other.json", "{\"functions\": 3}");
	char missing[300];
	char *text = NULL;

	snprintf(missing, sizeof missing, "%s/none.json", dir);
	CHECK_INT(DIFF_EXIT_USAGE, run(good, junk, -1, DIFF_TABLE, &text));
	free(text);
	CHECK_INT(DIFF_EXIT_USAGE, run(other, good, -1, DIFF_TABLE, &text));
	free(text);
	CHECK_INT(DIFF_EXIT_USAGE, run(missing, good, -1, DIFF_TABLE, &text));
	CHECK_STR("", text);
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

	CHECK_INT(0, hpcc_diff_parse_args(5, ok, &o));
	CHECK_STR("a.json", o.base_path);
	CHECK_STR("b.json", o.head_path);
	CHECK(o.threshold == 7.5);
	CHECK_INT(DIFF_MARKDOWN, o.format);
	CHECK_INT(0, hpcc_diff_parse_args(3, eq, &o));
	CHECK(o.threshold == 3);
	CHECK_INT(DIFF_TABLE, o.format);
	CHECK_INT(-1, hpcc_diff_parse_args(4, bad_pct, &o));
	CHECK_INT(-1, hpcc_diff_parse_args(3, neg_pct, &o));
	CHECK_INT(-1, hpcc_diff_parse_args(1, one, &o));
	CHECK_INT(-1, hpcc_diff_parse_args(3, three, &o));
	CHECK_INT(-1, hpcc_diff_parse_args(3, fmt, &o));
	CHECK_INT(-1, hpcc_diff_parse_args(3, noval, &o));
}

TEST_MAIN(T(identical_reports_are_unchanged), T(slower_than_threshold_fails),
	  T(new_and_removed_functions_are_marked), T(runs_of_different_length_compare_per_call),
	  T(markdown_is_a_pull_request_table), T(bad_input_is_a_usage_error), T(arguments))
