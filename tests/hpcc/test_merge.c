/* test_merge.c - `hpcc --merge` on crafted reports, and its percentiles
 * against the runtime's own histogram (runtime/src/hist.c is linked in):
 * reports made from two histograms, merged, must give the percentiles of
 * one histogram holding both sets of values. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "alloc.h"
#include "hist.h"
#include "merge.h"
#include "scratch.h"
#include "test.h"

/* Runs hpcc --merge with argv (NULL-terminated); returns the status and
 * the merged text in *out (malloc'd) when -o was not given. */
static int run_merge(char **out, char *const *args)
{
	char *argv[32], path[300];
	int argc = 0, status;
	FILE *saved;

	while (args[argc])
		argv[argc] = args[argc], argc++;
	snprintf(path, sizeof path, "%s/stdout", scratch_dir());
	fflush(stdout);
	saved = stdout;
	stdout = fopen(path, "w");
	status = hpcc_merge_main(argc, argv);
	fclose(stdout);
	stdout = saved;
	if (out) {
		FILE *f = fopen(path, "r");
		long n;

		fseek(f, 0, SEEK_END);
		n = ftell(f);
		rewind(f);
		*out = calloc((size_t)n + 1, 1);
		if (fread(*out, 1, (size_t)n, f) != (size_t)n)
			n = 0;
		fclose(f);
	}
	return status;
}

struct pairs {
	char *s;
	size_t len, cap;
};

static void add_pair(void *arg, uint64_t value, uint64_t count)
{
	struct pairs *p = arg;
	char buf[64];
	int n = snprintf(buf, sizeof buf, "%s[%llu,%llu]", p->len ? "," : "",
			 (unsigned long long)value, (unsigned long long)count);

	if (p->len + (size_t)n + 1 > p->cap) {
		p->cap = (p->len + (size_t)n + 1) * 2;
		p->s = realloc(p->s, p->cap);
	}
	memcpy(p->s + p->len, buf, (size_t)n + 1);
	p->len += (size_t)n;
}

/* A one-function report of histogram h, as the runtime writes it. */
static char *report_of(const struct hp_hist *h)
{
	struct pairs p = { NULL, 0, 0 };
	char *text;

	add_pair(&p, 0, 0); /* allocates; then reset */
	p.len = 0;
	p.s[0] = '\0';
	hp_hist_each(h, add_pair, &p);
	text = malloc(p.len + 1024);
	sprintf(text, "{\"program\":\"t\",\"clock\":\"monotonic\",\"total_ns\":%llu,\"lost\":0,"
		"\"omitted\":0,\"nonlocal_exits\":0,\"percentiles\":[50,95,99],\"functions\":["
		"{\"name\":\"f\",\"file\":\"a.c\",\"line\":3,\"kind\":\"function\",\"calls\":%llu,"
		"\"unfinished\":0,\"total_ns\":%llu,\"recursive_ns\":0,\"self_ns\":%llu,"
		"\"avg_ns\":0,\"min_ns\":%llu,\"max_ns\":%llu,\"percent_total\":1,"
		"\"percentiles\":{},\"histogram\":[%s]}],\"edges\":[]}",
		(unsigned long long)h->total, (unsigned long long)h->count,
		(unsigned long long)h->total, (unsigned long long)h->total,
		(unsigned long long)h->min, (unsigned long long)h->max, p.s);
	free(p.s);
	return text;
}

static const cJSON *first_fn(const cJSON *root)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "functions"), 0);
}

static uint64_t u64(const cJSON *o, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(it) ? (uint64_t)it->valuedouble : UINT64_MAX;
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Values spread over many octaves, with repeats, as durations are. */
static uint64_t a_value(uint64_t *s)
{
	uint64_t r = next_rand(s);

	return (r >> 8) % (1u << (r % 28));
}

static const unsigned int pcts_milli[] = { 0, 1, 10, 500, 5000, 10000, 25000, 50000,
	75000, 90000, 95000, 99000, 99900, 99990, 99999, 100000 };

/* Any percentile of merged reports equals the runtime's percentile of one
 * histogram that recorded all their values; one report merged alone gives
 * the runtime's own percentiles. */
static void test_percentiles_exact(void)
{
	char list[300], *out = NULL, *ta, *tb;
	const char *pa, *pb;
	struct hp_hist a, b, all;
	uint64_t seed = 88172645463325252ull, v;
	size_t i, k, len = 0;
	int round;

	for (k = 0; k < sizeof pcts_milli / sizeof *pcts_milli; k++)
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%u.%03u", k ? "," : "",
					pcts_milli[k] / 1000, pcts_milli[k] % 1000);
	for (round = 0; round < 6; round++) {
		size_t na = round == 5 ? 1 : (size_t)(next_rand(&seed) % 3000) + 1;
		size_t nb = (size_t)(next_rand(&seed) % 3000) + 1;
		char *args[] = { "--percentiles", list, NULL, NULL, NULL };
		cJSON *root;
		const cJSON *p, *f;

		hp_hist_init(&a);
		hp_hist_init(&b);
		hp_hist_init(&all);
		for (i = 0; i < na; i++) {
			v = a_value(&seed) + (round == 4 ? 1000000 : 0);
			hp_hist_record(&a, v);
			hp_hist_record(&all, v);
		}
		for (i = 0; i < nb; i++) {
			v = a_value(&seed);
			hp_hist_record(&b, v);
			hp_hist_record(&all, v);
		}
		ta = report_of(&a);
		tb = report_of(&b);
		pa = scratch_write("a.json", ta);
		pb = scratch_write("b.json", tb);
		free(ta);
		free(tb);

		/* A alone: the runtime's percentiles of A */
		args[2] = (char *)pa;
		CHECK_INT(0, run_merge(&out, args));
		root = cJSON_Parse(out);
		CHECK(root != NULL);
		f = first_fn(root);
		p = cJSON_GetObjectItemCaseSensitive(f, "percentiles");
		CHECK_INT((int)(sizeof pcts_milli / sizeof *pcts_milli), cJSON_GetArraySize(p));
		k = 0;
		cJSON_ArrayForEach(f, p)
			CHECK_U64(hp_hist_percentile_milli(&a, pcts_milli[k++]),
				  (uint64_t)f->valuedouble);
		cJSON_Delete(root);
		free(out);

		/* A and B: the runtime's percentiles of one run of both */
		args[3] = (char *)pb;
		CHECK_INT(0, run_merge(&out, args));
		root = cJSON_Parse(out);
		f = first_fn(root);
		CHECK_U64(all.count, u64(f, "calls"));
		CHECK_U64(all.total, u64(f, "total_ns"));
		CHECK_U64(all.min, u64(f, "min_ns"));
		CHECK_U64(all.max, u64(f, "max_ns"));
		p = cJSON_GetObjectItemCaseSensitive(f, "percentiles");
		k = 0;
		cJSON_ArrayForEach(f, p)
			CHECK_U64(hp_hist_percentile_milli(&all, pcts_milli[k++]),
				  (uint64_t)f->valuedouble);
		CHECK_INT((int)(sizeof pcts_milli / sizeof *pcts_milli), (int)k);
		cJSON_Delete(root);
		free(out);
		hp_hist_free(&a);
		hp_hist_free(&b);
		hp_hist_free(&all);
	}
}

#define FN(name, kind, calls, total, self, min, max, hist, extra)                       \
	"{\"name\":\"" name "\",\"file\":\"a.c\",\"line\":1,\"kind\":\"" kind "\","          \
	"\"calls\":" #calls ",\"unfinished\":1,\"total_ns\":" #total ",\"recursive_ns\":2," \
	"\"self_ns\":" #self ",\"avg_ns\":1,\"min_ns\":" #min ",\"max_ns\":" #max            \
	",\"percent_total\":1,\"percentiles\":{\"p50\":1},\"histogram\":" hist extra "}"
#define EDGE(caller, callee, calls, total, self)                                         \
	"{\"caller\":\"" caller "\",\"caller_file\":\"a.c\",\"caller_line\":1,"              \
	"\"callee\":\"" callee "\",\"callee_file\":\"a.c\",\"callee_line\":2,"               \
	"\"calls\":" #calls ",\"total_ns\":" #total ",\"self_ns\":" #self "}"
#define REPORT(total, fns, edges)                                                        \
	"{\"program\":\"t\",\"clock\":\"monotonic\",\"total_ns\":" #total ",\"lost\":1,"       \
	"\"omitted\":0,\"nonlocal_exits\":2,\"percentiles\":[50,95],\"functions\":[" fns    \
	"],\"edges\":[" edges "]}"
#define ALLOC(bt, bm, ct, cm) ",\"alloc_bytes_total\":" #bt ",\"alloc_bytes_max\":" #bm \
	",\"alloc_count_total\":" #ct ",\"alloc_count_max\":" #cm                           \
	",\"alloc_bytes_self\":1,\"alloc_count_self\":1"

static const cJSON *fn_named(const cJSON *root, const char *name)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(root, "functions"))
		if (!strcmp(cJSON_GetObjectItemCaseSensitive(f, "name")->valuestring, name))
			return f;
	return NULL;
}

/* Every figure adds up; functions and edges in one report only are kept. */
static void test_sums(void)
{
	const char *a = scratch_write("s1.json", REPORT(1000,
		FN("main", "main", 1, 900, 100, 900, 900, "[[900,1]]", "") ","
		FN("f", "function", 3, 60, 50, 10, 30, "[[10,1],[20,1],[30,1]]",
		   ALLOC(100, 40, 5, 2)),
		EDGE("main", "f", 3, 60, 50)));
	const char *b = scratch_write("s2.json", REPORT(2000,
		FN("f", "function", 2, 45, 40, 5, 40, "[[5,1],[40,1]]", ALLOC(7, 70, 1, 1)) ","
		FN("main", "main", 1, 1800, 200, 1800, 1800, "[[1800,1]]", "") ","
		FN("g", "function", 1, 8, 8, 8, 8, "[[8,1]]", ""),
		EDGE("main", "f", 2, 45, 40) "," EDGE("f", "g", 1, 8, 8)));
	char *args[] = { (char *)a, (char *)b, NULL }, *out = NULL;
	const cJSON *f, *e, *p;
	cJSON *root;

	CHECK_INT(0, run_merge(&out, args));
	root = cJSON_Parse(out);
	CHECK(root != NULL);
	CHECK_U64(3000, u64(root, "total_ns"));
	CHECK_U64(2, u64(root, "lost"));
	CHECK_U64(4, u64(root, "nonlocal_exits"));
	CHECK_U64(2, u64(root, "merged_reports"));
	/* main first, then by total */
	CHECK_STR("main", cJSON_GetObjectItemCaseSensitive(first_fn(root), "name")->valuestring);
	f = fn_named(root, "f");
	CHECK(f != NULL);
	CHECK_U64(5, u64(f, "calls"));
	CHECK_U64(2, u64(f, "unfinished"));
	CHECK_U64(105, u64(f, "total_ns"));
	CHECK_U64(4, u64(f, "recursive_ns"));
	CHECK_U64(90, u64(f, "self_ns"));
	CHECK_U64(21, u64(f, "avg_ns")); /* (105 + 4) / 5 */
	CHECK_U64(5, u64(f, "min_ns"));
	CHECK_U64(40, u64(f, "max_ns"));
	CHECK_U64(107, u64(f, "alloc_bytes_total"));
	CHECK_U64(70, u64(f, "alloc_bytes_max"));
	CHECK_U64(6, u64(f, "alloc_count_total"));
	CHECK_U64(2, u64(f, "alloc_count_max"));
	CHECK_U64(2, u64(f, "alloc_bytes_self"));
	p = cJSON_GetObjectItemCaseSensitive(f, "percentiles");
	CHECK_U64(20, u64(p, "p50")); /* 5 10 20 30 40: rank 3 */
	CHECK_U64(40, u64(p, "p95"));
	CHECK_INT(5, cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(f, "histogram")));
	f = fn_named(root, "g");
	CHECK_U64(1, u64(f, "calls"));
	CHECK(cJSON_GetObjectItemCaseSensitive(f, "alloc_bytes_total") == NULL);
	CHECK_INT(2, cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "edges")));
	e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "edges"), 0);
	CHECK_STR("f", cJSON_GetObjectItemCaseSensitive(e, "callee")->valuestring);
	CHECK_U64(5, u64(e, "calls"));
	CHECK_U64(105, u64(e, "total_ns"));
	CHECK_U64(90, u64(e, "self_ns"));
	cJSON_Delete(root);
	free(out);

	/* the same in the runtime's table: f's 5 calls (2 unfinished: "*"), avg (105 + 4) / 5 */
	{
		char *targs[] = { (char *)a, (char *)b, "--format=table", NULL };

		CHECK_INT(0, run_merge(&out, targs));
		CHECK_CONTAINS(out, "[hotpath] Performance summary from t (Total time: 3.00\xc2\xb5s):");
		CHECK_CONTAINS(out, "| f *      | 5     | 21.80ns | 20.00ns  | 40.00ns | 105.00ns | 90.00ns  | 3.50%   |");
		CHECK_CONTAINS(out, "[hotpath] 2 reports merged: times are summed over the processes\n");
		free(out);
	}
}

/* The merged report merges again to the same figures. */
static void test_remerge(void)
{
	const char *a = scratch_write("r1.json", REPORT(10,
		FN("f", "function", 2, 30, 30, 10, 20, "[[10,1],[20,1]]", ""), ""));
	char *args[] = { (char *)a, NULL }, *out = NULL, *again = NULL;
	const char *m;

	CHECK_INT(0, run_merge(&out, args));
	m = scratch_write("r-merged.json", out);
	args[0] = (char *)m;
	CHECK_INT(0, run_merge(&again, args));
	CHECK_STR(out, again);
	free(out);
	free(again);
}

static void check_error(char *const *args, const char *what)
{
	char *out = NULL;

	CHECK_INT(MERGE_EXIT_USAGE, run_merge(&out, args));
	CHECK_STR("", out);
	(void)what;
	free(out);
}

static void test_errors(void)
{
	const char *good = scratch_write("good.json", REPORT(10,
		FN("f", "function", 1, 3, 3, 3, 3, "[[3,1]]", ""), ""));
	const char *old = scratch_write("old.json",
		"{\"program\":\"t\",\"clock\":\"tsc\",\"total_ns\":1,\"lost\":0,\"omitted\":0,"
		"\"nonlocal_exits\":0,\"percentiles\":[50],\"functions\":[{\"name\":\"f\","
		"\"file\":\"a.c\",\"line\":1,\"kind\":\"function\",\"calls\":1,\"unfinished\":0,"
		"\"total_ns\":1,\"recursive_ns\":0,\"self_ns\":1,\"avg_ns\":1,\"min_ns\":1,"
		"\"max_ns\":1,\"percent_total\":1,\"percentiles\":{\"p50\":1}}],\"edges\":[]}");
	const char *bad = scratch_write("bad.json", "{\"functions\": [");
	const char *other = scratch_write("other.json", "{\"traceEvents\":[]}");
	const char *badhist = scratch_write("badhist.json", REPORT(10,
		FN("f", "function", 1, 3, 3, 3, 3, "[[3]]", ""), ""));
	/* numbers, but no counts: a cast of 1e308 to an integer is undefined */
	const char *hugehist = scratch_write("hugehist.json", REPORT(10,
		FN("f", "function", 1, 3, 3, 3, 3, "[[3, 1e308]]", ""), ""));
	const char *fracthist = scratch_write("fracthist.json", REPORT(10,
		FN("f", "function", 1, 3, 3, 3, 3, "[[3.5, 1]]", ""), ""));
	char missing[300], outpath[300], cmd[400];

	struct stat st;
	char *a1[] = { (char *)good, missing, NULL };
	char *a2[] = { (char *)good, (char *)old, NULL };
	char *a3[] = { (char *)bad, NULL };
	char *a4[] = { (char *)other, NULL };
	char *a5[] = { NULL };
	char *a6[] = { "-o", outpath, NULL };
	char *a7[] = { (char *)badhist, NULL };
	char *a8[] = { (char *)good, "--percentiles", "50,101", NULL };
	char *a9[] = { (char *)good, "--frobnicate", NULL };
	char *a10[] = { (char *)good, (char *)bad, "-o", outpath, NULL };
	char *a11[] = { (char *)good, "-o", outpath, NULL };
	char *a12[] = { (char *)hugehist, NULL };
	char *a13[] = { (char *)fracthist, NULL };
	char *a14[] = { (char *)scratch_dir(), NULL };

	snprintf(missing, sizeof missing, "%s/missing.json", scratch_dir());
	snprintf(outpath, sizeof outpath, "%s/out.json", scratch_dir());
	check_error(a1, "missing");
	check_error(a2, "no histogram");
	check_error(a3, "not JSON");
	check_error(a4, "not a report");
	check_error(a5, "no inputs");
	check_error(a6, "no inputs with -o");
	check_error(a7, "malformed histogram");
	check_error(a8, "bad percentile");
	check_error(a9, "unknown option");
	check_error(a10, "bad input with -o");
	check_error(a12, "histogram count 1e308");
	check_error(a13, "fractional histogram value");
	check_error(a14, "a directory");
	CHECK(stat(outpath, &st) != 0); /* nothing written */

	/* an unwritable path (its directory is a file, refused even to root):
	 * an error and no file */
	snprintf(outpath, sizeof outpath, "%s/out", good);
	check_error(a11, "unwritable");
	/* -o to a directory: rename fails, the temporary file is removed */
	snprintf(outpath, sizeof outpath, "%s", scratch_dir());
	check_error(a11, "a directory");
	snprintf(cmd, sizeof cmd, "test -z \"$(ls '%s' | grep '\\.tmp\\.')\"", scratch_dir());
	CHECK_INT(0, system(cmd));

	/* and a good -o writes the file, nothing on stdout */
	snprintf(outpath, sizeof outpath, "%s/good-out.json", scratch_dir());
	{
		char *out = NULL;

		CHECK_INT(0, run_merge(&out, a11));
		CHECK_STR("", out);
		free(out);
		CHECK_INT(0, stat(outpath, &st));
	}
}

static void test_percentile_rule(void)
{
	struct merge_pair v[] = { { 10, 2 }, { 20, 1 }, { 35, 1 } };

	CHECK_U64(0, hpcc_merge_percentile(v, 4, 0, 0, 0, 50000));
	CHECK_U64(9, hpcc_merge_percentile(v, 3, 4, 9, 33, 0));      /* p0 is min */
	CHECK_U64(33, hpcc_merge_percentile(v, 3, 4, 9, 33, 100000)); /* p100 is max */
	CHECK_U64(10, hpcc_merge_percentile(v, 3, 4, 9, 33, 50000));
	CHECK_U64(20, hpcc_merge_percentile(v, 3, 4, 9, 33, 75000));
	CHECK_U64(33, hpcc_merge_percentile(v, 3, 4, 9, 33, 75001)); /* clamped to max */
	CHECK_U64(12, hpcc_merge_percentile(v, 3, 4, 12, 33, 1000)); /* clamped to min */
}

TEST_MAIN(T(test_percentile_rule), T(test_percentiles_exact), T(test_sums), T(test_remerge),
	  T(test_errors))
