/* test_json.c - the JSON writer, exact strings: nesting and empty
 * containers in both layouts, string escapes, numbers, misuse, a failing
 * allocator, and a whole report.  Every expected string is what cJSON
 * 1.7.15 prints for the same document (the format the report kept when
 * the runtime stopped using cJSON). */
#include <errno.h>
#include <locale.h>
#include <math.h>

#include "test.h"

#include "alloc.h"
#include "format.h"
#include "hotpath.h"
#include "json.h"
#include "report.h"

static struct hp_str out;
static struct hp_json j;

static void start(int pretty)
{
	hp_str_free(&out);
	hp_json_init(&j, &out, pretty);
}

/* The text written so far, after checking the document is complete. */
static const char *text(void)
{
	int err = hp_json_finish(&j);

	if (err)
		return err == ENOMEM ? "(ENOMEM)" : "(EINVAL)";
	return out.s ? out.s : "";
}

static void empty_containers(void)
{
	start(0);
	hp_json_begin_object(&j);
	hp_json_end_object(&j);
	CHECK_STR("{}", text());
	start(1);
	hp_json_begin_object(&j);
	hp_json_end_object(&j);
	CHECK_STR("{\n}", text());
	start(0);
	hp_json_begin_array(&j);
	hp_json_end_array(&j);
	CHECK_STR("[]", text());
	start(1);
	hp_json_begin_array(&j);
	hp_json_end_array(&j);
	CHECK_STR("[]", text());
}

/* {"e":{},"a":[]} */
static void empty_members(int pretty)
{
	start(pretty);
	hp_json_begin_object(&j);
	hp_json_key(&j, "e");
	hp_json_begin_object(&j);
	hp_json_end_object(&j);
	hp_json_key(&j, "a");
	hp_json_begin_array(&j);
	hp_json_end_array(&j);
	hp_json_end_object(&j);
}

static void empty_nested(void)
{
	empty_members(0);
	CHECK_STR("{\"e\":{},\"a\":[]}", text());
	empty_members(1);
	CHECK_STR("{\n\t\"e\":\t{\n\t},\n\t\"a\":\t[]\n}", text());
}

/* {"a":[{"n":1,"in":{}},{},[],[1,"s"]],"k\"\n":"v"} */
static void nested_doc(int pretty)
{
	start(pretty);
	hp_json_begin_object(&j);
	hp_json_key(&j, "a");
	hp_json_begin_array(&j);
	hp_json_begin_object(&j);
	hp_json_key(&j, "n");
	hp_json_u64(&j, 1);
	hp_json_key(&j, "in");
	hp_json_begin_object(&j);
	hp_json_end_object(&j);
	hp_json_end_object(&j);
	hp_json_begin_object(&j);
	hp_json_end_object(&j);
	hp_json_begin_array(&j);
	hp_json_end_array(&j);
	hp_json_begin_array(&j);
	hp_json_u64(&j, 1);
	hp_json_string(&j, "s");
	hp_json_end_array(&j);
	hp_json_end_array(&j);
	hp_json_key(&j, "k\"\n");
	hp_json_string(&j, "v");
	hp_json_end_object(&j);
}

static void nesting(void)
{
	nested_doc(0);
	CHECK_STR("{\"a\":[{\"n\":1,\"in\":{}},{},[],[1,\"s\"]],\"k\\\"\\n\":\"v\"}",
		  text());
	nested_doc(1);
	CHECK_STR("{\n"
		  "\t\"a\":\t[{\n"
		  "\t\t\t\"n\":\t1,\n"
		  "\t\t\t\"in\":\t{\n"
		  "\t\t\t}\n"
		  "\t\t}, {\n"
		  "\t\t}, [], [1, \"s\"]],\n"
		  "\t\"k\\\"\\n\":\t\"v\"\n"
		  "}", text());
}

static void top_level_scalars(void)
{
	start(1);
	hp_json_string(&j, "top");
	CHECK_STR("\"top\"", text());
	start(0);
	hp_json_u64(&j, 3);
	CHECK_STR("3", text());
}

static void escapes(void)
{
	char ctl[32];
	int c;

	for (c = 1; c < 32; c++)
		ctl[c - 1] = (char)c;
	ctl[31] = '\0';
	start(0);
	hp_json_begin_array(&j);
	hp_json_string(&j, ctl);
	hp_json_string(&j, "q\"b\\s/ \x7f \xc3\xa9 \xff");
	hp_json_string(&j, "");
	hp_json_string(&j, NULL);
	hp_json_end_array(&j);
	CHECK_STR("[\"\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n"
		  "\\u000b\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014"
		  "\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d"
		  "\\u001e\\u001f\",\"q\\\"b\\\\s/ \x7f \xc3\xa9 \\ufffd\",\"\",\"\"]",
		  text());
	/* UTF-8 passes through whole; each byte of anything else is \ufffd:
	 * a lone continuation byte, a character cut short (at the end and
	 * before ASCII), an overlong form, a surrogate, past U+10FFFF */
	start(0);
	hp_json_string(&j, "\xf0\x9f\x98\x80 \xc2\x85 \xef\xbf\xbf|\x80|\xe2\x82|\xc0\x80|"
			   "\xed\xa0\x80|\xf4\x90\x80\x80|\xc3");
	CHECK_STR("\"\xf0\x9f\x98\x80 \xc2\x85 \xef\xbf\xbf|\\ufffd|\\ufffd\\ufffd|"
		  "\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\\ufffd|\\ufffd\"",
		  text());
	/* keys are escaped the same way */
	start(0);
	hp_json_begin_object(&j);
	hp_json_key(&j, "a\tb\\");
	hp_json_string(&j, "x\x1b[0m");
	hp_json_end_object(&j);
	CHECK_STR("{\"a\\tb\\\\\":\"x\\u001b[0m\"}", text());
}

static void doubles(void)
{
	static const struct {
		double v;
		const char *text;
	} cases[] = {
		{ 0, "0" },
		{ -0.0, "-0" },
		{ 1, "1" },
		{ -1, "-1" },
		{ 2.5, "2.5" },
		{ 0.1, "0.1" },
		{ 1.0 / 3, "0.33333333333333331" },
		{ 2147483648.0, "2147483648" },
		{ -2147483649.0, "-2147483649" },
		{ 3e9, "3000000000" },
		{ 1e15, "1e+15" },
		{ 123456789012345678.0, "1.2345678901234568e+17" },
		{ 1e21, "1e+21" },
		{ 1e-7, "1e-07" },
		{ 100.0 * 2 / 3, "66.666666666666671" },
		{ 8.6609541887791242, "8.6609541887791242" },
		{ 5e-324, "4.94065645841247e-324" },
		{ 9007199254740993.0, "9.00719925474099e+15" },
		{ 1234567890123456.0, "1234567890123456" },
		{ 1234567890123450.0, "1.23456789012345e+15" },
		{ 0.1 + 0.2, "0.3" }, /* within DBL_EPSILON: cJSON's round trip */
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		start(0);
		hp_json_double(&j, cases[i].v);
		CHECK_STR(cases[i].text, text());
	}
	start(1);
	hp_json_begin_array(&j);
	hp_json_double(&j, NAN);
	hp_json_double(&j, INFINITY);
	hp_json_double(&j, -INFINITY);
	hp_json_end_array(&j);
	CHECK_STR("[null, null, null]", text());
}

/* A comma locale must not leak into the JSON (cJSON swapped it back too);
 * skipped where no such locale is installed. */
static void decimal_comma(void)
{
	static const char *const names[] = { "de_DE.UTF-8", "de_DE.utf8",
					     "fr_FR.UTF-8", "fr_FR.utf8" };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (setlocale(LC_NUMERIC, names[i]))
			break;
	if (i == sizeof names / sizeof names[0])
		return;
	start(0);
	hp_json_double(&j, 2.5);
	setlocale(LC_NUMERIC, "C");
	CHECK_STR("2.5", text());
}

static void integers(void)
{
	start(0);
	hp_json_begin_array(&j);
	hp_json_u64(&j, 0);
	hp_json_u64(&j, 9007199254740993ull); /* past 2^53: still exact */
	hp_json_u64(&j, UINT64_MAX);
	hp_json_int(&j, -42);
	hp_json_int(&j, -9223372036854775807ll - 1);
	hp_json_end_array(&j);
	CHECK_STR("[0,9007199254740993,18446744073709551615,-42,"
		  "-9223372036854775808]", text());
}

static void misuse(void)
{
	int d;

	start(0); /* nothing written */
	CHECK_INT(EINVAL, hp_json_finish(&j));
	start(0); /* a member without a key */
	hp_json_begin_object(&j);
	hp_json_u64(&j, 1);
	hp_json_end_object(&j);
	CHECK_INT(EINVAL, hp_json_finish(&j));
	start(0); /* a key without a value */
	hp_json_begin_object(&j);
	hp_json_key(&j, "k");
	hp_json_end_object(&j);
	CHECK_INT(EINVAL, hp_json_finish(&j));
	start(0); /* a key in an array */
	hp_json_begin_array(&j);
	hp_json_key(&j, "k");
	hp_json_end_array(&j);
	CHECK_INT(EINVAL, hp_json_finish(&j));
	start(0); /* unbalanced, and mismatched */
	hp_json_begin_array(&j);
	CHECK_INT(EINVAL, hp_json_finish(&j));
	hp_json_end_object(&j);
	CHECK_INT(EINVAL, hp_json_finish(&j));
	start(0); /* an end too many */
	hp_json_begin_array(&j);
	hp_json_end_array(&j);
	hp_json_end_array(&j);
	CHECK_INT(EINVAL, hp_json_finish(&j));
	start(0); /* two documents */
	hp_json_u64(&j, 1);
	hp_json_u64(&j, 2);
	CHECK_INT(EINVAL, hp_json_finish(&j));
	start(1); /* deepest allowed, then one more */
	for (d = 0; d < HP_JSON_MAX_DEPTH; d++)
		hp_json_begin_array(&j);
	for (d = 0; d < HP_JSON_MAX_DEPTH; d++)
		hp_json_end_array(&j);
	CHECK_INT(0, hp_json_finish(&j));
	start(1);
	for (d = 0; d <= HP_JSON_MAX_DEPTH; d++)
		hp_json_begin_object(&j);
	CHECK_INT(EINVAL, hp_json_finish(&j));
}

static void out_of_memory(void)
{
	int err;

	start(1);
	hp_alloc_fail_after(0);
	nested_doc(1);
	err = hp_json_finish(&j);
	hp_alloc_fail_after(-1);
	CHECK_INT(ENOMEM, err);
}

/* One main row, one function with allocation figures, a percentile listed
 * twice, one edge. */
static struct hp_hist_pair main_hist[] = { { 3000, 1 } };
static struct hp_hist_pair f_hist[] = { { 500, 1 }, { 600, 1 }, { 900, 1 } };

static void small_report(struct hp_report *r, struct hp_row *rows,
			 struct hp_edge_row *edge)
{
	memset(r, 0, sizeof *r);
	memset(rows, 0, 2 * sizeof *rows);
	memset(edge, 0, sizeof *edge);
	r->program = "prog";
	r->clock = "tsc";
	r->total_ns = 3000;
	r->pcts[0] = 50;
	r->pcts[1] = 99;
	r->pcts[2] = 50;
	r->npcts = 3;
	r->limit = -1;
	r->rows = rows;
	r->nrows = 2;
	rows[0].name = "main";
	rows[0].file = "m.c";
	rows[0].line = 3;
	rows[0].kind = HP_KIND_MAIN;
	rows[0].calls = 1;
	rows[0].total_ns = rows[0].min_ns = rows[0].max_ns = 3000;
	rows[0].pct_ns[0] = rows[0].pct_ns[1] = rows[0].pct_ns[2] = 3000;
	rows[0].self_ns = 1000;
	rows[0].hist = main_hist;
	rows[0].nhist = 1;
	rows[1].name = "f\"";
	rows[1].file = "m.c";
	rows[1].line = 9;
	rows[1].kind = HP_KIND_FUNCTION;
	rows[1].calls = 3;
	rows[1].total_ns = rows[1].self_ns = 2000;
	rows[1].min_ns = 500;
	rows[1].max_ns = 900;
	rows[1].pct_ns[0] = 600;
	rows[1].pct_ns[1] = 900;
	rows[1].pct_ns[2] = 1;
	rows[1].hist = f_hist;
	rows[1].nhist = 3;
	rows[1].alloc_calls = 3;
	rows[1].alloc[0].sum = 300;
	rows[1].alloc[0].pct[0] = 100;
	rows[1].alloc[1].max = 200;
	rows[1].alloc[2].sum = 3;
	rows[1].alloc[3].max = 1;
	r->edges = edge;
	r->nedges = 1;
	edge->caller.name = "main";
	edge->caller.file = "m.c";
	edge->caller.line = 3;
	edge->callee.name = "f\"";
	edge->callee.file = "m.c";
	edge->callee.line = 9;
	edge->calls = 3;
	edge->total_ns = edge->self_ns = 2000;
}

/* The call-path tree's compact form: a node names its function by its
 * index in "functions", as ["name", "file"] when HOTPATH_LIMIT left the
 * function out, null for "[truncated]"; no "paths" when the tree was not
 * kept. */
static void paths_form(void)
{
	struct hp_report r;
	struct hp_row rows[2];
	struct hp_edge_row edge;
	struct hp_path_node nodes[4];
	struct hp_str s = { 0 };

	small_report(&r, rows, &edge);
	CHECK_INT(0, hp_report_json(&s, &r, 0));
	CHECK_NOT_CONTAINS(s.s, "\"paths");
	hp_str_free(&s);
	memset(nodes, 0, sizeof nodes);
	rows[0].site = 1;
	rows[1].site = 2;
	nodes[0].name = "";
	nodes[1] = (struct hp_path_node){ "main", "m.c", 1, 0, 1, 1, 3000, 1000 };
	nodes[2] = (struct hp_path_node){ "f\"", "m.c", 2, 1, 2, 3, 2000, 2000 };
	nodes[3] = (struct hp_path_node){ NULL, NULL, 0, 1, 2, 5, 10, 10 };
	r.nodes = nodes;
	r.nnodes = 4;
	r.truncated = 5;
	r.paths_kept = 1;
	CHECK_INT(0, hp_report_json(&s, &r, 0));
	CHECK_CONTAINS(s.s, "\"paths_truncated\":5,\"paths\":[[0,0,1,3000,1000],"
		       "[1,1,3,2000,2000],[1,null,5,10,10]]}");
	hp_str_free(&s);
	r.limit = 0; /* f" left out of "functions" */
	CHECK_INT(0, hp_report_json(&s, &r, 0));
	CHECK_CONTAINS(s.s, "\"omitted\":1,");
	CHECK_CONTAINS(s.s, "\"paths\":[[0,0,1,3000,1000],[1,[\"f\\\"\",\"m.c\"],3,2000,2000],"
		       "[1,null,5,10,10]]}");
	hp_str_free(&s);
}

static void whole_report(void)
{
	struct hp_report r;
	struct hp_row rows[2];
	struct hp_edge_row edge;
	struct hp_str s = { 0 };

	small_report(&r, rows, &edge);
	CHECK_INT(0, hp_report_json(&s, &r, 0));
	CHECK_STR("{\"program\":\"prog\",\"clock\":\"tsc\",\"total_ns\":3000,"
		  "\"lost\":0,\"omitted\":0,\"nonlocal_exits\":0,"
		  "\"percentiles\":[50,99,50],\"functions\":[{\"name\":\"main\","
		  "\"file\":\"m.c\",\"line\":3,\"kind\":\"main\",\"calls\":1,"
		  "\"unfinished\":0,\"total_ns\":3000,\"recursive_ns\":0,"
		  "\"self_ns\":1000,\"avg_ns\":3000,"
		  "\"min_ns\":3000,\"max_ns\":3000,\"percent_total\":100,"
		  "\"percentiles\":{\"p50\":3000,\"p99\":3000},"
		  "\"histogram\":[[3000,1]]},{\"name\":\"f\\\"\","
		  "\"file\":\"m.c\",\"line\":9,\"kind\":\"function\",\"calls\":3,"
		  "\"unfinished\":0,\"total_ns\":2000,\"recursive_ns\":0,"
		  "\"self_ns\":2000,\"avg_ns\":666,"
		  "\"min_ns\":500,\"max_ns\":900,"
		  "\"percent_total\":66.666666666666671,"
		  "\"percentiles\":{\"p50\":600,\"p99\":900},"
		  "\"histogram\":[[500,1],[600,1],[900,1]],"
		  "\"alloc_bytes_total\":300,\"alloc_bytes_max\":200,"
		  "\"alloc_count_total\":3,\"alloc_count_max\":1,"
		  "\"alloc_bytes_self\":0,\"alloc_count_self\":0,"
		  "\"alloc_percentiles\":{\"bytes_total\":{\"p50\":100,\"p99\":0},"
		  "\"bytes_max\":{\"p50\":0,\"p99\":0},"
		  "\"count_total\":{\"p50\":0,\"p99\":0},"
		  "\"count_max\":{\"p50\":0,\"p99\":0}},"
		  "\"alloc_histograms\":{\"bytes_total\":{\"min\":0,\"max\":0,\"histogram\":[]},"
		  "\"bytes_max\":{\"min\":0,\"max\":200,\"histogram\":[]},"
		  "\"count_total\":{\"min\":0,\"max\":0,\"histogram\":[]},"
		  "\"count_max\":{\"min\":0,\"max\":1,\"histogram\":[]}}}],"
		  "\"edges\":[{\"caller\":\"main\",\"caller_file\":\"m.c\","
		  "\"caller_line\":3,\"callee\":\"f\\\"\",\"callee_file\":\"m.c\","
		  "\"callee_line\":9,\"calls\":3,\"total_ns\":2000,"
		  "\"self_ns\":2000}]}\n", s.s);
	hp_str_free(&s);

	r.limit = 0; /* main stays, f is cut; no edges */
	r.npcts = 0;
	r.nedges = 0;
	CHECK_INT(0, hp_report_json(&s, &r, 1));
	CHECK_STR("{\n"
		  "\t\"program\":\t\"prog\",\n"
		  "\t\"clock\":\t\"tsc\",\n"
		  "\t\"total_ns\":\t3000,\n"
		  "\t\"lost\":\t0,\n"
		  "\t\"omitted\":\t1,\n"
		  "\t\"nonlocal_exits\":\t0,\n"
		  "\t\"percentiles\":\t[],\n"
		  "\t\"functions\":\t[{\n"
		  "\t\t\t\"name\":\t\"main\",\n"
		  "\t\t\t\"file\":\t\"m.c\",\n"
		  "\t\t\t\"line\":\t3,\n"
		  "\t\t\t\"kind\":\t\"main\",\n"
		  "\t\t\t\"calls\":\t1,\n"
		  "\t\t\t\"unfinished\":\t0,\n"
		  "\t\t\t\"total_ns\":\t3000,\n"
		  "\t\t\t\"recursive_ns\":\t0,\n"
		  "\t\t\t\"self_ns\":\t1000,\n"
		  "\t\t\t\"avg_ns\":\t3000,\n"
		  "\t\t\t\"min_ns\":\t3000,\n"
		  "\t\t\t\"max_ns\":\t3000,\n"
		  "\t\t\t\"percent_total\":\t100,\n"
		  "\t\t\t\"percentiles\":\t{\n"
		  "\t\t\t},\n"
		  "\t\t\t\"histogram\":\t[[3000, 1]]\n"
		  "\t\t}],\n"
		  "\t\"edges\":\t[]\n"
		  "}\n", s.s);
	hp_str_free(&s);
}

/* Issue 12: a recursive row's avg is per call, every activation (total
 * counts recursion once, recursive_ns has the rest); calls closed at exit
 * are counted in `unfinished`. */
static void recursive_and_unfinished(void)
{
	struct hp_report r;
	struct hp_row rows[2];
	struct hp_edge_row edge;
	struct hp_str s = { 0 };

	small_report(&r, rows, &edge);
	rows[1].recursive_ns = 1000;
	rows[1].unfinished = 2;
	CHECK_INT(0, hp_report_json(&s, &r, 0));
	CHECK_CONTAINS(s.s, "\"calls\":3,\"unfinished\":2,\"total_ns\":2000,"
		       "\"recursive_ns\":1000,\"self_ns\":2000,\"avg_ns\":1000,");
	hp_str_free(&s);
	CHECK_INT(0, hp_report_table(&s, &r));
	CHECK_CONTAINS(s.s, "\n| f\" *     | 3     | 1.00\xc2\xb5s | ");
	CHECK_CONTAINS(s.s, "\n[hotpath] * 2 calls still open at exit were closed "
		       "then and counted\n");
	hp_str_free(&s);
	rows[1].unfinished = 1; /* one: "was", not "were" */
	CHECK_INT(0, hp_report_table(&s, &r));
	CHECK_CONTAINS(s.s, "\n[hotpath] * 1 call still open at exit was closed "
		       "then and counted\n");
	hp_str_free(&s);
}

static void cleanup(void)
{
	hp_str_free(&out);
}

TEST_MAIN(T(empty_containers), T(empty_nested), T(nesting),
	  T(top_level_scalars), T(escapes), T(doubles), T(decimal_comma),
	  T(integers), T(misuse), T(out_of_memory), T(whole_report), T(paths_form),
	  T(recursive_and_unfinished),
	  T(cleanup))
