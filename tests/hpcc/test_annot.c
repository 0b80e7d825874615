/* test_annot.c - the annotation grammar: every spelling, every malformed case. */
#include <string.h>

#include "annot.h"
#include "test.h"

static int comment(const char *text, struct annot *a)
{
	return hpcc_annot_parse_comment(text, strlen(text), a);
}

static int attr(const char *text, struct annot *a)
{
	return hpcc_annot_parse_attribute(text, strlen(text), a);
}

/* Expect a malformed comment: message and offset of the problem. */
#define BAD_COMMENT(text, msg, at)                               \
	do {                                                         \
		struct annot bad_;                                         \
		CHECK_INT(ANNOT_MALFORMED, comment(text, &bad_));          \
		CHECK_STR(msg, bad_.detail);                               \
		CHECK_INT(at, bad_.error_at);                              \
		hpcc_annot_free(&bad_);                                    \
	} while (0)

#define BAD_ATTR(text, msg, at)                                  \
	do {                                                         \
		struct annot bad_;                                         \
		CHECK_INT(ANNOT_MALFORMED, attr(text, &bad_));             \
		CHECK_STR(msg, bad_.detail);                               \
		CHECK_INT(at, bad_.error_at);                              \
		hpcc_annot_free(&bad_);                                    \
	} while (0)

/* Expect main kept with the default percentiles and a bad option ignored:
 * the message and offset of the problem (issue 12, item 8). */
#define IGNORED_OPTION(parse, text, msg, at)                     \
	do {                                                         \
		struct annot ign_;                                         \
		CHECK_INT(ANNOT_OK, parse(text, &ign_));                   \
		CHECK_INT(ANNOT_MAIN, ign_.kind);                          \
		CHECK_STR("", ign_.percentiles);                           \
		CHECK_INT(1, ign_.option_ignored);                         \
		CHECK_STR(msg, ign_.detail);                               \
		CHECK_INT(at, ign_.error_at);                              \
		hpcc_annot_free(&ign_);                                    \
	} while (0)

static void comment_function_forms(void)
{
	static const char *const ok[] = {
		"/* @hotpath */", "// @hotpath", "//@hotpath", "/*@hotpath*/",
		"/* @hotpath measure */", "/**\n * Sums.\n * @hotpath\n */",
		"/* @hotpath\n * free text on later lines (is fine) */",
		"// @hotpath\r", "/* note: @hotpath */",
	};
	size_t i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct annot a;

		CHECK_INT(ANNOT_OK, comment(ok[i], &a));
		CHECK_INT(ANNOT_FUNCTION, a.kind);
		CHECK(a.label == NULL && a.percentiles == NULL);
		hpcc_annot_free(&a);
	}
}

static void comment_marker_offset(void)
{
	struct annot a;

	CHECK_INT(ANNOT_OK, comment("/* x  @hotpath */", &a));
	CHECK_INT(6, a.at);
	hpcc_annot_free(&a);
}

static void not_a_marker(void)
{
	static const char *const no[] = {
		"/* @hotpathx */", "// @hotpath_fast", "/* me@hotpath */", "/* hotpath */",
		"// @HOTPATH", "/* @hot path */", "/**/", "//",
	};
	size_t i;

	for (i = 0; i < sizeof no / sizeof no[0]; i++) {
		struct annot a;

		CHECK_INT(ANNOT_ABSENT, comment(no[i], &a));
		hpcc_annot_free(&a);
	}
}

static void comment_main(void)
{
	struct annot a;

	CHECK_INT(ANNOT_OK, comment("/* @hotpath main */", &a));
	CHECK_INT(ANNOT_MAIN, a.kind);
	CHECK_STR("", a.percentiles);
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_OK, comment("/* @hotpath main(percentiles = [50, 99]) */", &a));
	CHECK_INT(ANNOT_MAIN, a.kind);
	CHECK_STR("50,99", a.percentiles);
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_OK, comment("// @hotpath main(percentiles=[0,99,100,])", &a));
	CHECK_STR("0,99,100", a.percentiles);
	hpcc_annot_free(&a);
	/* the runtime shows whole percentiles only, at most 16 */
	IGNORED_OPTION(comment, "// @hotpath main(percentiles=[50, 99.9])",
		       "percentile 99.9 is not a whole number (percentiles are whole numbers "
		       "from 0 to 100)", 34);
	CHECK_INT(ANNOT_OK, comment("// @hotpath main(percentiles=[1,2,3,4,5,6,7,8,9,10,"
				    "11,12,13,14,15,16])", &a));
	CHECK_INT(0, a.option_ignored);
	hpcc_annot_free(&a);
	IGNORED_OPTION(comment, "// @hotpath main(percentiles=[1,2,3,4,5,6,7,8,9,"
		       "10,11,12,13,14,15,16,17])", "too many percentiles (at most 16)", 69);
	/* stored as the runtime parses them: at most 4 digits, so no "00050" */
	CHECK_INT(ANNOT_OK, comment("// @hotpath main(percentiles=[00050, 0, 100])", &a));
	CHECK_STR("50,0,100", a.percentiles);
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_OK, comment("/* @hotpath main(\n   percentiles = [ 95 ]\n) */", &a));
	CHECK_STR("95", a.percentiles);
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_OK, comment("/* @hotpath main() */", &a));
	CHECK_STR("", a.percentiles);
	hpcc_annot_free(&a);
}

static void comment_block(void)
{
	struct annot a;

	CHECK_INT(ANNOT_OK, comment("/* @hotpath measure_block(\"inner loop\") */", &a));
	CHECK_INT(ANNOT_BLOCK, a.kind);
	CHECK_STR("inner loop", a.label);
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_OK, comment("// @hotpath measure_block ( \"a\\\"b\\\\c\\n\\t\\x41\\101\\?\" )", &a));
	CHECK_STR("a\"b\\c\n\tAA?", a.label);
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_OK, comment("/* @hotpath measure_block(\"caf\xc3\xa9\") */", &a));
	CHECK_STR("caf\xc3\xa9", a.label);
	hpcc_annot_free(&a);
}

static void comment_malformed(void)
{
	/*            0123456789012345678901234567890 */
	BAD_COMMENT("/* @hotpath foo */",
		    "unknown annotation '@hotpath foo' (expected main or measure_block)", 12);
	BAD_COMMENT("/* @hotpath main extra */", "unexpected text after the annotation", 17);
	BAD_COMMENT("/* @hotpath (main) */", "unexpected text after @hotpath", 12);
}

/* Every malformed option of main(...): warned about and ignored, main stays. */
static void comment_main_bad_options(void)
{
	struct annot a;

	IGNORED_OPTION(comment, "/* @hotpath main(percentiles = [abc]) */",
		       "expected a number from 0 to 100 in percentiles", 32);
	IGNORED_OPTION(comment, "/* @hotpath main(percentiles = [50, 101]) */",
		       "percentile 101 is outside 0..100", 36);
	IGNORED_OPTION(comment, "/* @hotpath main(percentiles = [-1]) */",
		       "expected a number from 0 to 100 in percentiles", 32);
	IGNORED_OPTION(comment, "/* @hotpath main(percentiles = [5.]) */",
		       "expected a digit after '.' in percentiles", 34);
	IGNORED_OPTION(comment, "/* @hotpath main(percentiles = []) */",
		       "empty percentile list", 32);
	IGNORED_OPTION(comment, "/* @hotpath main(percentiles = [,]) */",
		       "expected a number from 0 to 100 in percentiles", 32);
	IGNORED_OPTION(comment, "/* @hotpath main(percentiles = [50 99]) */",
		       "expected ',' or ']' in percentiles", 35);
	IGNORED_OPTION(comment, "/* @hotpath main(pct = [50]) */",
		       "unknown option 'pct' for main (expected percentiles or sample)", 17);
	IGNORED_OPTION(comment, "/* @hotpath main(percentiles [50]) */",
		       "expected '=' after percentiles", 29);
	IGNORED_OPTION(comment, "/* @hotpath main(percentiles = 50) */",
		       "expected '[' after percentiles =", 31);
	IGNORED_OPTION(comment, "/* @hotpath main(percentiles = [50] */",
		       "unterminated main(...)", 36);
	IGNORED_OPTION(comment, "/* @hotpath main(percentiles = [50] x) */",
		       "expected ')' after the percentile list", 36);
	IGNORED_OPTION(comment, "/* @hotpath main(percentiles = [50, */",
		       "unterminated percentile list", 36);
	IGNORED_OPTION(comment, "// @hotpath main(percentiles = [50", "unterminated percentile list", 34);
	IGNORED_OPTION(comment, "/* @hotpath main(percentiles = [50) */",
		       "expected ',' or ']' in percentiles", 34);
	IGNORED_OPTION(comment, "// @hotpath main(", "unterminated main(...)", 17);
	IGNORED_OPTION(comment, "/* @hotpath main(percentiles = [50, 50]) */",
		       "percentile 50 is listed twice", 36);
	IGNORED_OPTION(comment, "/* @hotpath main(percentiles = [50], percentiles = [99]) */",
		       "percentiles given twice", 37);
	IGNORED_OPTION(comment, "/* @hotpath main(percentiles = [99999999999999999999]) */",
		       "percentile 99999999999999999999 is outside 0..100", 32);
	IGNORED_OPTION(comment, "/* @hotpath main(percentiles = [1000000000000000000000000000000000]) */",
		       "percentile 10000000... is too long", 32);
	IGNORED_OPTION(comment, "/* @hotpath main(percentiles = [1e3]) */",
		       "expected a number from 0 to 100 in percentiles", 32);
	IGNORED_OPTION(comment, "/* @hotpath main(x = \")\") */",
		       "unknown option 'x' for main (expected percentiles or sample)", 17);
	/* the text after a skipped option is still checked */
	CHECK_INT(ANNOT_MALFORMED, comment("/* @hotpath main(percentiles = [101]) extra */", &a));
	CHECK_STR("unexpected text after the annotation", a.detail);
	hpcc_annot_free(&a);
	/* a bad option with parentheses inside is skipped to its ')' */
	CHECK_INT(ANNOT_OK, comment("// @hotpath main(percentiles = [(1)])  ", &a));
	CHECK_INT(1, a.option_ignored);
	hpcc_annot_free(&a);
}

/* main(sample = N): HOTPATH_SAMPLE built into the program (issue 14). */
static void comment_main_sample(void)
{
	struct annot a;

	CHECK_INT(ANNOT_OK, comment("/* @hotpath main */", &a));
	CHECK_INT(0, (int)a.sample);
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_OK, comment("/* @hotpath main(sample = 64) */", &a));
	CHECK_INT(64, (int)a.sample);
	CHECK_STR("", a.percentiles);
	CHECK_INT(0, a.option_ignored);
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_OK, comment("// @hotpath main(percentiles = [50, 99], sample=16)", &a));
	CHECK_INT(16, (int)a.sample);
	CHECK_STR("50,99", a.percentiles);
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_OK, comment("// @hotpath main(sample = 1048576, percentiles = [9])", &a));
	CHECK_INT(1048576, (int)a.sample);
	CHECK_STR("9", a.percentiles);
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_OK, attr("hotpath::main(sample = 8)", &a));
	CHECK_INT(8, (int)a.sample);
	hpcc_annot_free(&a);
	/* a bad option: ignored, and so is a good sample before it */
	IGNORED_OPTION(comment, "/* @hotpath main(sample = 0) */",
		       "sample must be a whole number from 1 to 1048576", 26);
	IGNORED_OPTION(comment, "/* @hotpath main(sample = 1048577) */",
		       "sample must be a whole number from 1 to 1048576", 26);
	IGNORED_OPTION(comment, "/* @hotpath main(sample = 1.5) */",
		       "sample must be a whole number from 1 to 1048576", 26);
	IGNORED_OPTION(comment, "/* @hotpath main(sample 16) */",
		       "expected '=' after sample", 24);
	IGNORED_OPTION(comment, "/* @hotpath main(sample = 4, sample = 4) */",
		       "sample given twice", 29);
	IGNORED_OPTION(comment, "/* @hotpath main(sample = 4 x) */",
		       "expected ',' or ')' after sample = N", 28);
	CHECK_INT(ANNOT_OK, comment("/* @hotpath main(sample = 4, pct = [1]) */", &a));
	CHECK_INT(1, a.option_ignored);
	CHECK_INT(0, (int)a.sample);
	hpcc_annot_free(&a);
}

static void comment_block_malformed(void)
{
	BAD_COMMENT("/* @hotpath measure_block() */",
		    "measure_block needs a label: measure_block(\"label\")", 12);
	BAD_COMMENT("/* @hotpath measure_block */",
		    "measure_block needs a label: measure_block(\"label\")", 12);
	BAD_COMMENT("/* @hotpath measure_block(x) */",
		    "expected a string literal label in measure_block(...)", 26);
	BAD_COMMENT("/* @hotpath measure_block(\"\") */",
		    "empty label in measure_block(\"\")", 12);
	BAD_COMMENT("// @hotpath measure_block(\"abc", "unterminated string", 26);
	BAD_COMMENT("// @hotpath measure_block(\"abc\"", "unterminated measure_block(...)", 31);
	BAD_COMMENT("/* @hotpath measure_block(\"a\" \"b\") */", "expected ')' after the label", 30);
	BAD_COMMENT("/* @hotpath measure_block(\"a\\q\") */",
		    "unknown escape sequence '\\q' in label", 28);
	BAD_COMMENT("/* @hotpath measure_block(\"a\\0\") */", "label contains a NUL character", 28);
	BAD_COMMENT("/* @hotpath measure_block(\"a\\xg\") */",
		    "\\x used with no following hex digits", 28);
}

static void attribute_forms(void)
{
	struct annot a;

	CHECK_INT(ANNOT_OK, attr("hotpath::measure", &a));
	CHECK_INT(ANNOT_FUNCTION, a.kind);
	CHECK_INT(0, a.at);
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_OK, attr("gnu::noinline, hotpath::measure", &a));
	CHECK_INT(ANNOT_FUNCTION, a.kind);
	CHECK_INT(15, a.at);
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_OK, attr(" hotpath :: measure , gnu::cold", &a));
	CHECK_INT(ANNOT_FUNCTION, a.kind);
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_OK, attr("hotpath::main", &a));
	CHECK_INT(ANNOT_MAIN, a.kind);
	CHECK_STR("", a.percentiles);
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_OK, attr("hotpath::main(percentiles = [50, 99])", &a));
	CHECK_STR("50,99", a.percentiles);
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_OK, attr("hotpath::measure_block(\"lbl\\\"x\")", &a));
	CHECK_INT(ANNOT_BLOCK, a.kind);
	CHECK_STR("lbl\"x", a.label);
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_OK, attr("deprecated(\"a, ) hotpath::x\"), hotpath::measure", &a));
	CHECK_INT(ANNOT_FUNCTION, a.kind);
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_OK, attr(", hotpath::measure,", &a));
	hpcc_annot_free(&a);
}

static void attribute_not_ours(void)
{
	struct annot a;

	CHECK_INT(ANNOT_ABSENT, attr("gnu::noinline", &a));
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_ABSENT, attr("hotpath", &a));
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_ABSENT, attr("nodiscard(\"hotpath::measure\")", &a));
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_ABSENT, attr("hotpathx::measure", &a));
	hpcc_annot_free(&a);
	CHECK_INT(ANNOT_ABSENT, attr("", &a));
	hpcc_annot_free(&a);
}

static void attribute_malformed(void)
{
	BAD_ATTR("hotpath::fast",
		 "unknown attribute 'hotpath::fast' (expected measure, main or measure_block)", 9);
	IGNORED_OPTION(attr, "hotpath::main(percentiles = [abc])",
		       "expected a number from 0 to 100 in percentiles", 29);
	IGNORED_OPTION(attr, "hotpath::main(percentiles = [150])",
		       "percentile 150 is outside 0..100", 29);
	IGNORED_OPTION(attr, "hotpath::main(percentiles = [99.9]), gnu::cold",
		       "percentile 99.9 is not a whole number (percentiles are whole numbers "
		       "from 0 to 100)", 29);
	IGNORED_OPTION(attr, "hotpath::main(percentiles = [50)", "expected ',' or ']' in percentiles", 31);
	BAD_ATTR("hotpath::main(percentiles = [1]) x", "unexpected text after the attribute", 33);
	BAD_ATTR("hotpath::measure_block()",
		 "measure_block needs a label: measure_block(\"label\")", 9);
	BAD_ATTR("hotpath::measure_block",
		 "measure_block needs a label: measure_block(\"label\")", 9);
	BAD_ATTR("hotpath::measure, hotpath::main",
		 "more than one hotpath attribute in one list", 18);
	BAD_ATTR("hotpath::measure(1)", "unexpected text after the attribute", 16);
	BAD_ATTR("hotpath::", "expected a name after 'hotpath::'", 9);
	BAD_ATTR("hotpath::measure_block(\"x", "unterminated string", 23);
}

static void quick_byte_tests(void)
{
	CHECK(hpcc_annot_maybe_present("int x; /* @hotpath */", 21));
	CHECK(!hpcc_annot_maybe_present("int hot_path;", 13));
	CHECK(hpcc_annot_maybe_block("measure_block(\"x\")", 18));
	CHECK(!hpcc_annot_maybe_block("@hotpath main", 13));
}

TEST_MAIN(T(comment_function_forms), T(comment_marker_offset), T(not_a_marker),
	  T(comment_main), T(comment_block), T(comment_malformed), T(comment_main_bad_options), T(comment_main_sample),
	  T(comment_block_malformed), T(attribute_forms),
	  T(attribute_not_ours), T(attribute_malformed), T(quick_byte_tests))
