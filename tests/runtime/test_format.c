/* test_format.c - exact strings: durations, percentile lists, the bordered
 * table, the whole table report (hotpath's README example, to the byte),
 * same-name disambiguation, HOTPATH_LIMIT, and the JSON document. */
#include <cjson/cJSON.h>

#include "test.h"

#include "format.h"
#include "hotpath.h"
#include "report.h"
#include "settings.h"

static const char *dur(double ns)
{
	static char buf[64];

	return hp_fmt_duration(buf, sizeof buf, ns);
}

static void durations(void)
{
	CHECK_STR("0.00ns", dur(0));
	CHECK_STR("7.00ns", dur(7));
	CHECK_STR("512.00ns", dur(512));
	CHECK_STR("999.99ns", dur(999.994));
	CHECK_STR("1.00\xc2\xb5s", dur(999.996));
	CHECK_STR("1.00\xc2\xb5s", dur(1000));
	CHECK_STR("17.09\xc2\xb5s", dur(17090));
	CHECK_STR("999.99\xc2\xb5s", dur(999990));
	CHECK_STR("1.00ms", dur(999999));
	CHECK_STR("1.16ms", dur(1160000));
	CHECK_STR("122.13ms", dur(122130000));
	CHECK_STR("3.50s", dur(3.5e9));
	CHECK_STR("4000.00s", dur(4e12));
}

static void percentile_lists(void)
{
	unsigned p[HP_MAX_PERCENTILES];

	CHECK_INT(2, hp_fmt_parse_percentiles("50,99", p));
	CHECK_INT(50, p[0]);
	CHECK_INT(99, p[1]);
	CHECK_INT(3, hp_fmt_parse_percentiles(" 0 , 95,100 ", p));
	CHECK_INT(0, p[0]);
	CHECK_INT(100, p[2]);
	CHECK_INT(1, hp_fmt_parse_percentiles("95", p));
	CHECK_INT(-1, hp_fmt_parse_percentiles("", p));
	CHECK_INT(-1, hp_fmt_parse_percentiles(NULL, p));
	CHECK_INT(-1, hp_fmt_parse_percentiles("101", p));
	CHECK_INT(-1, hp_fmt_parse_percentiles("50,,99", p));
	CHECK_INT(-1, hp_fmt_parse_percentiles("50,", p));
	CHECK_INT(-1, hp_fmt_parse_percentiles("p50", p));
	CHECK_INT(-1, hp_fmt_parse_percentiles("99.9", p));
	CHECK_INT(16, hp_fmt_parse_percentiles("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", p));
	CHECK_INT(-1, hp_fmt_parse_percentiles("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", p));
}

static void table_layout(void)
{
	static const char *const cells[] = {
		"A", "Bee", "x\xc2\xb5s",
		"long cell", "2", "",
	};
	struct hp_str out = { 0 };

	hp_fmt_table(&out, cells, 2, 3);
	CHECK_STR("+-----------+-----+-----+\n"
		  "| A         | Bee | x\xc2\xb5s |\n"
		  "+-----------+-----+-----+\n"
		  "| long cell | 2   |     |\n"
		  "+-----------+-----+-----+\n", out.s);
	CHECK_INT(3, (int)hp_fmt_width("x\xc2\xb5s"));
	hp_str_free(&out);
}

/* hotpath 0.2's README example, as rows. */
static struct hp_row readme_rows[] = {
	{ "basic::sync_function", "basic.rs", 10, HP_KIND_FUNCTION, 100,
	  1699000, 1000, 40000, { 35420 }, 0, { { 0, 0, { 0 }, 0, 0 } }, 1699000, 0, 0, NULL, 0, 0, { 0 }, { NULL }, { 0 } },
	{ "basic::main", "basic.rs", 20, HP_KIND_MAIN, 1,
	  122130000, 122130000, 122130000, { 122130000 }, 0, { { 0, 0, { 0 }, 0, 0 } }, 2692000, 0, 0, NULL, 0, 0, { 0 }, { NULL }, { 0 } },
	{ "basic::async_function", "basic.rs", 15, HP_KIND_FUNCTION, 100,
	  116030000, 1000000, 1300000, { 1200000 }, 0, { { 0, 0, { 0 }, 0, 0 } }, 116030000, 0, 0, NULL, 0, 0, { 0 }, { NULL }, { 0 } },
	{ "custom_block", "basic.rs", 30, HP_KIND_BLOCK, 100,
	  1709000, 1000, 40000, { 39550 }, 0, { { 0, 0, { 0 }, 0, 0 } }, 1709000, 0, 0, NULL, 0, 0, { 0 }, { NULL }, { 0 } },
};

static void readme_report(struct hp_report *r)
{
	memset(r, 0, sizeof *r);
	r->program = "basic::main";
	r->clock = "tsc";
	r->total_ns = 122130000;
	r->pcts[0] = 99;
	r->npcts = 1;
	r->limit = -1;
	r->rows = readme_rows;
	r->nrows = sizeof readme_rows / sizeof readme_rows[0];
	hp_report_sort(r);
}

static void table_report_matches_hotpath(void)
{
	struct hp_report r;
	struct hp_str out = { 0 };

	readme_report(&r);
	CHECK_INT(0, hp_report_table(&out, &r));
	CHECK_STR(
"[hotpath] Performance summary from basic::main (Total time: 122.13ms):\n"
"+-----------------------+-------+----------+----------+----------+----------+---------+\n"
"| Function              | Calls | Avg      | P99      | Total    | Self     | % Total |\n"
"+-----------------------+-------+----------+----------+----------+----------+---------+\n"
"| basic::main (main)    | 1     | 122.13ms | 122.13ms | 122.13ms | 2.69ms   | 100.00% |\n"
"+-----------------------+-------+----------+----------+----------+----------+---------+\n"
"| basic::async_function | 100   | 1.16ms   | 1.20ms   | 116.03ms | 116.03ms | 95.01%  |\n"
"+-----------------------+-------+----------+----------+----------+----------+---------+\n"
"| custom_block          | 100   | 17.09\xc2\xb5s  | 39.55\xc2\xb5s  | 1.71ms   | 1.71ms   | 1.40%   |\n"
"+-----------------------+-------+----------+----------+----------+----------+---------+\n"
"| basic::sync_function  | 100   | 16.99\xc2\xb5s  | 35.42\xc2\xb5s  | 1.70ms   | 1.70ms   | 1.39%   |\n"
"+-----------------------+-------+----------+----------+----------+----------+---------+\n"
"[hotpath] % Total: Total (inclusive, recursion counted once) / main's wall "
"time; threads run in parallel, so a row can exceed 100%\n",
		out.s);
	hp_str_free(&out);
}

static void table_limit_and_lost(void)
{
	struct hp_report r;
	struct hp_str out = { 0 };

	readme_report(&r);
	r.limit = 1;
	r.lost = 12;
	r.notes = "[hotpath] a note\n[hotpath] another\n";
	CHECK_INT(0, hp_report_table(&out, &r));
	CHECK_CONTAINS(out.s, "| basic::async_function |");
	CHECK_NOT_CONTAINS(out.s, "custom_block");
	CHECK_CONTAINS(out.s, "\n[hotpath] 2 more not shown (HOTPATH_LIMIT=1)\n");
	/* the settings' notes come last */
	CHECK_CONTAINS(out.s, "\n[hotpath] 12 measurements lost\n"
		       "[hotpath] % Total: Total (inclusive, recursion counted "
		       "once) / main's wall time; threads run in parallel, so a "
		       "row can exceed 100%\n"
		       "[hotpath] a note\n[hotpath] another\n");
	/* issue 12, item 5: main's row is never cut, and is marked */
	CHECK_CONTAINS(out.s, "\n| basic::main (main)    | 1 ");
	hp_str_free(&out);
}

static void same_names_get_file_prefix(void)
{
	struct hp_row rows[] = {
		{ "helper", "src/a.c", 3, HP_KIND_FUNCTION, 2, 3000, 1000, 2000, { 2000 }, 0, { { 0, 0, { 0 }, 0, 0 } }, 0, 0, 0, NULL, 0, 0, { 0 }, { NULL }, { 0 } },
		{ "helper", "lib/b.c", 9, HP_KIND_FUNCTION, 1, 500, 500, 500, { 500 }, 0, { { 0, 0, { 0 }, 0, 0 } }, 0, 0, 0, NULL, 0, 0, { 0 }, { NULL }, { 0 } },
		{ "solo", "lib/b.c", 19, HP_KIND_FUNCTION, 1, 100, 100, 100, { 100 }, 0, { { 0, 0, { 0 }, 0, 0 } }, 0, 0, 0, NULL, 0, 0, { 0 }, { NULL }, { 0 } },
	};
	struct hp_report r;
	struct hp_str out = { 0 };

	readme_report(&r);
	r.rows = rows;
	r.nrows = 3;
	hp_report_sort(&r);
	CHECK_INT(0, hp_report_table(&out, &r));
	CHECK_CONTAINS(out.s, "| a.c:helper | 2 ");
	CHECK_CONTAINS(out.s, "| b.c:helper | 1 ");
	CHECK_CONTAINS(out.s, "| solo       | 1 ");
	hp_str_free(&out);
}

/* Issue 13, items 12 and 3: labels and argv[0] come from the program; raw
 * control characters would break the layout or drive the terminal. */
static void table_escapes_control_characters(void)
{
	struct hp_row rows[] = {
		{ "a\nb\tc\x1b[31md\x01" "e\\f\x7f", "x.c", 3, HP_KIND_FUNCTION, 2, 3000, 1000, 2000, { 2000 }, 0, { { 0, 0, { 0 }, 0, 0 } }, 0, 0, 0, NULL, 0, 0, { 0 }, { NULL }, { 0 } },
		{ "c1\xc2\x9b" "2J \xc2\xb5s", "x.c", 9, HP_KIND_BLOCK, 1, 500, 500, 500, { 500 }, 0, { { 0, 0, { 0 }, 0, 0 } }, 0, 0, 0, NULL, 0, 0, { 0 }, { NULL }, { 0 } },
	};
	struct hp_report r;
	struct hp_str out = { 0 };
	size_t i;

	readme_report(&r);
	r.program = "evil\n[hotpath] forged\r\x1b]0;t\x07";
	r.rows = rows;
	r.nrows = 2;
	hp_report_sort(&r);
	CHECK_INT(0, hp_report_table(&out, &r));
	CHECK_CONTAINS(out.s, "[hotpath] Performance summary from "
		       "evil\\n[hotpath] forged\\r\\u001b]0;t\\u0007 (Total time: ");
	CHECK_CONTAINS(out.s, "| a\\nb\\tc\\u001b[31md\\u0001e\\\\f\\u007f | 2 ");
	CHECK_CONTAINS(out.s, "| c1\\u009b2J \xc2\xb5s ");
	for (i = 0; i < out.len; i++)
		if ((unsigned char)out.s[i] < 0x20 && out.s[i] != '\n')
			TEST_FAIL_("control character 0x%02x at %zu in:\n%s",
				   (unsigned char)out.s[i], i, out.s);
	/* every line of the table is as wide as its rules */
	CHECK_NOT_CONTAINS(out.s, "\nb");
	hp_str_free(&out);
	rows[0].alloc_calls = 1;
	r.alloc_tables = 1;
	CHECK_INT(0, hp_report_table(&out, &r));
	CHECK_CONTAINS(out.s, "callees included) from evil\\n[hotpath] forged\\r"
		       "\\u001b]0;t\\u0007:\n");
	hp_str_free(&out);
}

static void json_has_all_fields(void)
{
	static const char *const fields[] = {
		"name", "file", "line", "kind", "calls", "total_ns", "avg_ns",
		"min_ns", "max_ns", "percent_total", "percentiles",
	};
	struct hp_report r;
	struct hp_str out = { 0 };
	cJSON *root, *fns, *fn;
	int n = 0;
	size_t i;

	readme_report(&r);
	r.pcts[1] = 50;
	r.npcts = 2;
	CHECK_INT(0, hp_report_json(&out, &r, 0));
	root = cJSON_Parse(out.s);
	CHECK(root != NULL);
	CHECK_STR("basic::main", cJSON_GetStringValue(cJSON_GetObjectItem(root, "program")));
	CHECK_STR("tsc", cJSON_GetStringValue(cJSON_GetObjectItem(root, "clock")));
	CHECK(cJSON_GetObjectItem(root, "total_ns")->valuedouble == 122130000.0);
	CHECK(cJSON_GetObjectItem(root, "lost")->valuedouble == 0.0);
	fns = cJSON_GetObjectItem(root, "functions");
	CHECK(cJSON_IsArray(fns));
	CHECK_INT(4, cJSON_GetArraySize(fns));
	cJSON_ArrayForEach(fn, fns) {
		for (i = 0; i < sizeof fields / sizeof fields[0]; i++)
			CHECK(cJSON_GetObjectItem(fn, fields[i]) != NULL);
		CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(fn, "percentiles"), "p99"));
		CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(fn, "percentiles"), "p50"));
		n++;
	}
	fn = cJSON_GetArrayItem(fns, 1); /* sorted: main, async, block, sync */
	CHECK_STR("basic::async_function", cJSON_GetStringValue(cJSON_GetObjectItem(fn, "name")));
	CHECK_STR("function", cJSON_GetStringValue(cJSON_GetObjectItem(fn, "kind")));
	CHECK(cJSON_GetObjectItem(fn, "calls")->valuedouble == 100.0);
	CHECK(cJSON_GetObjectItem(fn, "avg_ns")->valuedouble == 1160300.0);
	CHECK(cJSON_GetObjectItem(fn, "total_ns")->valuedouble == 116030000.0);
	CHECK_STR("main", cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(fns, 0), "kind")));
	CHECK_STR("block", cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(fns, 2), "kind")));
	CHECK_INT(4, n);
	cJSON_Delete(root);
	hp_str_free(&out);
}

static void output_path_pattern(void)
{
	struct hp_str a = { 0 }, b = { 0 }, c = { 0 };

	hp_report_expand_path("out-%p.txt", 4242, &a);
	hp_report_expand_path("100%%-%p-%p%", 7, &b);
	hp_report_expand_path("plain", 7, &c);
	CHECK_STR("out-4242.txt", a.s);
	CHECK_STR("100%-7-7%", b.s);
	CHECK_STR("plain", c.s);
	hp_str_free(&a);
	hp_str_free(&b);
	hp_str_free(&c);
}

static void bytes_and_counts(void)
{
	char buf[64];

	/* issue 12, item 3: whole bytes as counts are, never "0.00B" */
	CHECK_STR("0B", hp_fmt_bytes(buf, sizeof buf, 0));
	CHECK_STR("300B", hp_fmt_bytes(buf, sizeof buf, 300));
	CHECK_STR("12.50B", hp_fmt_bytes(buf, sizeof buf, 12.5));
	CHECK_STR("1023.99B", hp_fmt_bytes(buf, sizeof buf, 1023.99));
	CHECK_STR("1.00KiB", hp_fmt_bytes(buf, sizeof buf, 1023.999));
	CHECK_STR("2.93KiB", hp_fmt_bytes(buf, sizeof buf, 3000));
	CHECK_STR("1.50MiB", hp_fmt_bytes(buf, sizeof buf, 1.5 * 1048576));
	CHECK_STR("4.00GiB", hp_fmt_bytes(buf, sizeof buf, 4.0 * 1073741824));
	CHECK_STR("2048.00GiB", hp_fmt_bytes(buf, sizeof buf, 2048.0 * 1073741824));
	CHECK_STR("0", hp_fmt_count(buf, sizeof buf, 0));
	CHECK_STR("20", hp_fmt_count(buf, sizeof buf, 20));
	CHECK_STR("2.50", hp_fmt_count(buf, sizeof buf, 2.5));
	CHECK_STR("0.33", hp_fmt_count(buf, sizeof buf, 1.0 / 3));
}

/* Two functions with figures (emit recursive), one without, main with
 * figures: avg per call, percentiles, Total = sum less recursive calls for
 * -total and the largest peak (Max) for -max, % Total of the sum of Self
 * (what measured code allocated: 99999999 bytes, 50 allocations). */
static void alloc_rows(struct hp_row *rows)
{
	static const struct hp_row proto[] = {
		{ "parse", "a.c", 1, HP_KIND_FUNCTION, 10, 5000, 100, 900, { 800 }, 10,
		  { { 30000, 4000, { 3900 }, 0, 30000 }, { 20000, 2500, { 2400 }, 0, 0 },
		    { 40, 6, { 6 }, 0, 40 }, { 25, 3, { 3 }, 0, 0 } }, 0, 0, 0, NULL, 0, 0, { 0 }, { NULL }, { 0 } },
		{ "emit", "a.c", 2, HP_KIND_FUNCTION, 4, 9000, 1000, 4000, { 3000 }, 4,
		  { { 10000000, 3000000, { 2900000 }, 2000000, 8000000 },
		    { 6000, 2000, { 2000 }, 0, 0 },
		    { 3, 1, { 1 }, 1, 2 }, { 3, 1, { 1 }, 0, 0 } }, 0, 0, 0, NULL, 0, 0, { 0 }, { NULL }, { 0 } },
		{ "quiet", "b.c", 3, HP_KIND_FUNCTION, 1, 100, 100, 100, { 100 }, 0,
		  { { 0, 0, { 0 }, 0, 0 } }, 0, 0, 0, NULL, 0, 0, { 0 }, { NULL }, { 0 } },
		{ "main", "a.c", 9, HP_KIND_MAIN, 1, 20000, 20000, 20000, { 20000 }, 1,
		  { { 99999999, 99999999, { 99999999 }, 0, 91969999 },
		    { 3000000, 3000000, { 3000000 }, 0, 0 },
		    { 50, 50, { 50 }, 0, 8 }, { 9, 9, { 9 }, 0, 0 } }, 0, 0, 0, NULL, 0, 0, { 0 }, { NULL }, { 0 } },
	};

	memcpy(rows, proto, sizeof proto);
}

static void alloc_tables_exact(void)
{
	struct hp_row rows[4];
	struct hp_report r;
	struct hp_str out = { 0 };
	const char *alloc;

	alloc_rows(rows);
	readme_report(&r);
	r.program = "prog";
	r.pcts[0] = 95;
	r.rows = rows;
	r.nrows = 4;
	r.alloc_tables = HP_ALLOC_ALL;
	hp_report_sort(&r);
	CHECK_INT(0, hp_report_table(&out, &r));
	alloc = strstr(out.s, "[hotpath] Allocation summary");
	CHECK(alloc != NULL);
	CHECK_STR(
"[hotpath] Allocation summary (bytes-total: bytes allocated per call, callees included) from prog:\n"
"+----------+-------+----------+----------+----------+----------+---------+\n"
"| Function | Calls | Avg      | P95      | Total    | Self     | % Total |\n"
"+----------+-------+----------+----------+----------+----------+---------+\n"
"| main     | 1     | 95.37MiB | 95.37MiB | 95.37MiB | 87.71MiB | 100.00% |\n"
"+----------+-------+----------+----------+----------+----------+---------+\n"
"| emit     | 4     | 2.38MiB  | 2.77MiB  | 7.63MiB  | 7.63MiB  | 8.00%   |\n"
"+----------+-------+----------+----------+----------+----------+---------+\n"
"| parse    | 10    | 2.93KiB  | 3.81KiB  | 29.30KiB | 29.30KiB | 0.03%   |\n"
"+----------+-------+----------+----------+----------+----------+---------+\n"
"[hotpath] Total: summed over calls (recursion counted once); Self: less what measured callees allocated; % Total: of the 95.37MiB allocated in measured code (the sum of Self)\n"
"[hotpath] Allocation summary (bytes-max: peak of live bytes per call, above those at its entry, callees included) from prog:\n"
"+----------+-------+---------+---------+---------+\n"
"| Function | Calls | Avg     | P95     | Max     |\n"
"+----------+-------+---------+---------+---------+\n"
"| main     | 1     | 2.86MiB | 2.86MiB | 2.86MiB |\n"
"+----------+-------+---------+---------+---------+\n"
"| parse    | 10    | 1.95KiB | 2.34KiB | 2.44KiB |\n"
"+----------+-------+---------+---------+---------+\n"
"| emit     | 4     | 1.46KiB | 1.95KiB | 1.95KiB |\n"
"+----------+-------+---------+---------+---------+\n"
"[hotpath] Allocation summary (count-total: allocations per call, callees included) from prog:\n"
"+----------+-------+------+-----+-------+------+---------+\n"
"| Function | Calls | Avg  | P95 | Total | Self | % Total |\n"
"+----------+-------+------+-----+-------+------+---------+\n"
"| main     | 1     | 50   | 50  | 50    | 8    | 100.00% |\n"
"+----------+-------+------+-----+-------+------+---------+\n"
"| parse    | 10    | 4    | 6   | 40    | 40   | 80.00%  |\n"
"+----------+-------+------+-----+-------+------+---------+\n"
"| emit     | 4     | 0.75 | 1   | 2     | 2    | 4.00%   |\n"
"+----------+-------+------+-----+-------+------+---------+\n"
"[hotpath] Total: summed over calls (recursion counted once); Self: less what measured callees allocated; % Total: of the 50 allocations in measured code (the sum of Self)\n"
"[hotpath] Allocation summary (count-max: peak of live blocks per call, above those at its entry, callees included) from prog:\n"
"+----------+-------+------+-----+-----+\n"
"| Function | Calls | Avg  | P95 | Max |\n"
"+----------+-------+------+-----+-----+\n"
"| main     | 1     | 9    | 9   | 9   |\n"
"+----------+-------+------+-----+-----+\n"
"| parse    | 10    | 2.50 | 3   | 3   |\n"
"+----------+-------+------+-----+-----+\n"
"| emit     | 4     | 0.75 | 1   | 1   |\n"
"+----------+-------+------+-----+-----+\n", alloc);
	hp_str_free(&out);
	/* selection, limit; no tables when no row has figures */
	r.alloc_tables = 8;
	r.limit = 1;
	CHECK_INT(0, hp_report_table(&out, &r));
	CHECK_NOT_CONTAINS(out.s, "(bytes-total");
	CHECK_CONTAINS(out.s, "(count-max: peak of live blocks per call, above those at its entry, callees included) from prog:\n");
	CHECK_CONTAINS(out.s, "+\n[hotpath] 1 more not shown (HOTPATH_LIMIT=1)\n");
	hp_str_free(&out);
	readme_report(&r);
	r.alloc_tables = HP_ALLOC_ALL;
	CHECK_INT(0, hp_report_table(&out, &r));
	CHECK_NOT_CONTAINS(out.s, "Allocation summary");
	hp_str_free(&out);
}

static void alloc_json_fields(void)
{
	struct hp_row rows[4];
	struct hp_report r;
	struct hp_str out = { 0 };
	cJSON *root, *fn, *ap;
	size_t i;

	alloc_rows(rows);
	readme_report(&r);
	r.pcts[0] = 95;
	r.pcts[1] = 50;
	r.npcts = 2;
	r.rows = rows;
	r.nrows = 4;
	r.alloc_tables = 1; /* JSON has every metric regardless */
	hp_report_sort(&r);
	CHECK_INT(0, hp_report_json(&out, &r, 0));
	root = cJSON_Parse(out.s);
	CHECK(root != NULL);
	cJSON_ArrayForEach(fn, cJSON_GetObjectItem(root, "functions")) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(fn, "name"));

		if (strcmp(name, "quiet") == 0) {
			CHECK(cJSON_GetObjectItem(fn, "alloc_bytes_total") == NULL);
			CHECK(cJSON_GetObjectItem(fn, "alloc_percentiles") == NULL);
			continue;
		}
		if (strcmp(name, "parse") != 0)
			continue;
		CHECK(cJSON_GetObjectItem(fn, "alloc_bytes_total")->valuedouble == 30000);
		CHECK(cJSON_GetObjectItem(fn, "alloc_bytes_max")->valuedouble == 2500);
		CHECK(cJSON_GetObjectItem(fn, "alloc_count_total")->valuedouble == 40);
		CHECK(cJSON_GetObjectItem(fn, "alloc_count_max")->valuedouble == 3);
		ap = cJSON_GetObjectItem(fn, "alloc_percentiles");
		CHECK_INT(4, cJSON_GetArraySize(ap));
		for (i = 0; i < 4; i++) {
			static const char *const m[] = { "bytes_total", "bytes_max",
							 "count_total", "count_max" };
			CHECK_INT(2, cJSON_GetArraySize(cJSON_GetObjectItem(ap, m[i])));
		}
		CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(ap, "bytes_total"), "p95")->valuedouble == 3900);
		CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(ap, "count_max"), "p95")->valuedouble == 3);
	}
	cJSON_Delete(root);
	hp_str_free(&out);
}

TEST_MAIN(T(durations), T(percentile_lists), T(table_layout),
	  T(table_report_matches_hotpath), T(table_limit_and_lost),
	  T(same_names_get_file_prefix), T(table_escapes_control_characters),
	  T(json_has_all_fields),
	  T(output_path_pattern), T(bytes_and_counts),
	  T(alloc_tables_exact), T(alloc_json_fields))
