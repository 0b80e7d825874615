/* test_exclude.c - --instrument=all with exclusion globs (finder_opts
 * exclude/nexclude): which functions the finder still hands over. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finder.h"
#include "test.h"

static const char source[] =
	"static int get_x(int x) { return x; }\n"
	"static int get_y(int y) { return y; }\n"
	"static int set_x(int x) { return -x; }\n"
	"/* @hotpath */\n"
	"static int get_annotated(int v) { return v + 1; }\n"
	"static int tiny_helper(int v) { return v; }\n"
	"int main(void)\n"
	"{\n"
	"\treturn get_x(1) + get_y(2) + set_x(3) + get_annotated(4) + tiny_helper(5);\n"
	"}\n";

/* Runs the finder on `source` with --instrument=all and `globs`; writes
 * the measured names, space-separated, into `out`. */
static int names(const char *const *globs, int n, char *out, size_t cap)
{
	struct finder_opts o;
	struct site_list sites;
	size_t i, used = 0;
	int rc;

	memset(&o, 0, sizeof o);
	o.path = "exclude.c";
	o.buf = source;
	o.len = sizeof source - 1;
	o.instrument_all = 1;
	o.exclude = globs;
	o.nexclude = n;
	rc = hpcc_finder_find(&o, &sites);
	out[0] = '\0';
	for (i = 0; i < sites.n; i++)
		used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? " " : "",
					 sites.v[i].name);
	hpcc_sites_free(&sites);
	return rc;
}

static void no_globs_measures_everything(void)
{
	char got[256];

	CHECK_INT(FINDER_OK, names(NULL, 0, got, sizeof got));
	CHECK_STR("get_x get_y set_x get_annotated tiny_helper main", got);
}

static void one_exact_name(void)
{
	static const char *const g[] = { "tiny_helper" };
	char got[256];

	CHECK_INT(FINDER_OK, names(g, 1, got, sizeof got));
	CHECK_STR("get_x get_y set_x get_annotated main", got);
}

static void wildcards_and_classes(void)
{
	static const char *const g[] = { "get_?", "[st]*_helper" };
	char got[256];

	CHECK_INT(FINDER_OK, names(g, 2, got, sizeof got));
	CHECK_STR("set_x get_annotated main", got);
}

static void annotated_function_beats_exclusion(void)
{
	static const char *const g[] = { "get_*" };
	char got[256];

	CHECK_INT(FINDER_OK, names(g, 1, got, sizeof got));
	CHECK_STR("set_x get_annotated tiny_helper main", got);
}

static void main_is_never_excluded(void)
{
	static const char *const g[] = { "*" };
	char got[256];

	CHECK_INT(FINDER_OK, names(g, 1, got, sizeof got));
	CHECK_STR("get_annotated main", got);
}

static void glob_must_match_whole_name(void)
{
	static const char *const g[] = { "get", "x", "tiny" };
	char got[256];

	CHECK_INT(FINDER_OK, names(g, 3, got, sizeof got));
	CHECK_STR("get_x get_y set_x get_annotated tiny_helper main", got);
}

static void null_and_empty_globs_match_nothing(void)
{
	static const char *const g[] = { NULL, "" };
	char got[256];

	CHECK_INT(FINDER_OK, names(g, 2, got, sizeof got));
	CHECK_STR("get_x get_y set_x get_annotated tiny_helper main", got);
}

TEST_MAIN(T(no_globs_measures_everything), T(one_exact_name), T(wildcards_and_classes),
	  T(annotated_function_beats_exclusion), T(main_is_never_excluded),
	  T(glob_must_match_whole_name), T(null_and_empty_globs_match_nothing))
