/* test_rewrite.c - the rewriter's exact output, byte for byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagfix.h"
#include "rewrite.h"
#include "test.h"

#define MAX_SITES 8

struct fixture {
	struct site v[MAX_SITES];
	size_t n;
};

static void add(struct fixture *f, enum site_kind kind, const char *name, unsigned line,
		const char *src, const char *brace_at, const char *pct)
{
	struct site *s = &f->v[f->n++];
	const char *p = strstr(src, brace_at);

	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->name = (char *)name;
	s->line = line;
	s->brace = p ? (size_t)(p - src) : (size_t)-1;
	while (p && src[s->brace] != '{')
		s->brace++;
	s->percentiles = (char *)pct;
}

/* Plan + apply with the finder's `blanks`; returns the whole output
 * (malloc'd). */
static char *run_blanks(const char *src, struct fixture *f, const char *display,
			struct blank *blanks, size_t nblanks)
{
	struct site_list list = { f->v, f->n, blanks, nblanks };
	struct edit_list edits;
	char *out = NULL;
	size_t outlen = 0;
	FILE *fp = open_memstream(&out, &outlen);

	if (hpcc_rewrite_plan(src, strlen(src), &list, display, &edits) != 0)
		return NULL;
	if (hpcc_rewrite_apply(src, strlen(src), &edits, "/rt/hotpath.h", display, fp) != 0)
		return NULL;
	fclose(fp);
	hpcc_edits_free(&edits);
	return out;
}

static char *run(const char *src, struct fixture *f, const char *display)
{
	return run_blanks(src, f, display, NULL, 0);
}

#define PRO "#include \"/rt/hotpath.h\"\n#line 1 \"x.c\"\n"

static void brace_at_eol(void)
{
	const char *src = "int f(void) {\n\treturn 1;\n}\n";
	struct fixture f = { .n = 0 };
	char *out;

	add(&f, SITE_FUNCTION, "f", 1, src, "{", NULL);
	out = run(src, &f, "x.c");
	CHECK_STR(PRO "int f(void) { HP_FUNCTION(0, \"f\", 1);\n\treturn 1;\n}\n", out);
	free(out);
}

static void brace_then_line_comment(void)
{
	const char *src = "int f(void) { // hot\n\treturn 1;\n}\n";
	struct fixture f = { .n = 0 };
	char *out;

	add(&f, SITE_FUNCTION, "f", 1, src, "{", NULL);
	out = run(src, &f, "x.c");
	CHECK_STR(PRO "int f(void) { HP_FUNCTION(0, \"f\", 1); // hot\n\treturn 1;\n}\n", out);
	free(out);
}

static void brace_then_closed_comment(void)
{
	const char *src = "int f(void) { /* a */ \n}\nint g(void) { /* b */ return 2; }\n";
	struct fixture f = { .n = 0 };
	char *out;

	add(&f, SITE_FUNCTION, "f", 1, src, "{ /* a", NULL);
	add(&f, SITE_FUNCTION, "g", 3, src, "{ /* b", NULL);
	out = run(src, &f, "x.c");
	CHECK_STR(PRO "int f(void) { HP_FUNCTION(0, \"f\", 1); /* a */ \n}\n"
		  "int g(void) {\nHP_FUNCTION(1, \"g\", 3);\n#line 3 \"x.c\"\n"
		  "              /* b */ return 2; }\n", out);
	free(out);
}

static void brace_then_multiline_comment(void)
{
	const char *src = "int f(void) { /* a\n b */ return 1; }\n";
	struct fixture f = { .n = 0 };
	char *out;

	add(&f, SITE_FUNCTION, "f", 1, src, "{", NULL);
	out = run(src, &f, "x.c");
	CHECK_STR(PRO "int f(void) { HP_FUNCTION(0, \"f\", 1); /* a\n b */ return 1; }\n", out);
	free(out);
}

static void text_after_brace(void)
{
	const char *src = "int f(void) { return 1; }\n";
	struct fixture f = { .n = 0 };
	char *out;

	add(&f, SITE_FUNCTION, "f", 1, src, "{", NULL);
	out = run(src, &f, "x.c");
	CHECK_STR(PRO "int f(void) {\nHP_FUNCTION(0, \"f\", 1);\n#line 1 \"x.c\"\n"
		  "              return 1; }\n", out);
	free(out);
}

static void tabs_kept_in_padding(void)
{
	const char *src = "void f(int x)\n{\n\tif (x)\t{ g(); }\n}\n";
	struct fixture f = { .n = 0 };
	char *out;

	add(&f, SITE_FUNCTION, "f", 1, src, "{\n\tif", NULL);
	add(&f, SITE_BLOCK, "then", 3, src, "{ g", NULL);
	out = run(src, &f, "x.c");
	CHECK_STR(PRO "void f(int x)\n{ HP_FUNCTION(0, \"f\", 1);\n\tif (x)\t{\n"
		  "HP_BLOCK(1, \"then\", 3);\n#line 3 \"x.c\"\n\t      \t  g(); }\n}\n", out);
	free(out);
}

static void crlf_line_endings(void)
{
	const char *src = "int f(void) {\r\n\treturn 1;\r\n}\r\nint g(void) { return 2; }\r\n";
	struct fixture f = { .n = 0 };
	char *out;

	add(&f, SITE_FUNCTION, "f", 1, src, "{\r", NULL);
	add(&f, SITE_FUNCTION, "g", 4, src, "{ return 2", NULL);
	out = run(src, &f, "x.c");
	CHECK_STR(PRO "int f(void) { HP_FUNCTION(0, \"f\", 1);\r\n\treturn 1;\r\n}\r\n"
		  "int g(void) {\nHP_FUNCTION(1, \"g\", 4);\n#line 4 \"x.c\"\n"
		  "              return 2; }\r\n", out);
	free(out);
}

/* Sites given out of order get ids in file order; three on one line. */
static void several_sites_one_line(void)
{
	const char *src = "void f(void) { { a(); } { b(); } }\n";
	struct fixture f = { .n = 0 };
	char *out;

	add(&f, SITE_BLOCK, "two", 1, src, "{ b", NULL);
	add(&f, SITE_FUNCTION, "f", 1, src, "{ {", NULL);
	add(&f, SITE_BLOCK, "one", 1, src, "{ a", NULL);
	out = run(src, &f, "x.c");
	CHECK_STR(PRO "void f(void) {\nHP_FUNCTION(0, \"f\", 1);\n#line 1 \"x.c\"\n"
		  "               {\nHP_BLOCK(1, \"one\", 1);\n#line 1 \"x.c\"\n"
		  "                 a(); } {\nHP_BLOCK(2, \"two\", 1);\n#line 1 \"x.c\"\n"
		  "                          b(); } }\n", out);
	free(out);
}

static void nested_blocks(void)
{
	const char *src = "void f(void)\n{\n\tfor (;;) {\n\t\tif (x) {\n\t\t\tbreak;\n\t\t}\n\t}\n}\n";
	struct fixture f = { .n = 0 };
	char *out;

	add(&f, SITE_BLOCK, "inner", 4, src, "{\n\t\t\tbreak", NULL);
	add(&f, SITE_BLOCK, "outer", 3, src, "{\n\t\tif", NULL);
	out = run(src, &f, "x.c");
	CHECK_STR(PRO "void f(void)\n{\n\tfor (;;) { HP_BLOCK(0, \"outer\", 3);\n"
		  "\t\tif (x) { HP_BLOCK(1, \"inner\", 4);\n\t\t\tbreak;\n\t\t}\n\t}\n}\n", out);
	free(out);
}

static void main_with_percentiles(void)
{
	const char *src = "int main(void) {\n\treturn 0;\n}\n";
	struct fixture f = { .n = 0 };
	char *out;

	add(&f, SITE_MAIN, "main", 1, src, "{", "50,99.9");
	out = run(src, &f, "x.c");
	CHECK_STR(PRO "int main(void) { HP_MAIN(0, \"main\", 1, \"50,99.9\");\n\treturn 0;\n}\n", out);
	free(out);
	f.n = 0;
	add(&f, SITE_MAIN, "main", 1, src, "{", "");
	out = run(src, &f, "x.c");
	CHECK_STR(PRO "int main(void) { HP_MAIN(0, \"main\", 1, \"\");\n\treturn 0;\n}\n", out);
	free(out);
}

static void label_and_path_escaped(void)
{
	const char *src = "void f(void) { { x(); }\n}\n";
	struct fixture f = { .n = 0 };
	char *out;

	add(&f, SITE_BLOCK, "a\"b\\c\nd?" "?=e\x01", 1, src, "{ x", NULL);
	out = run(src, &f, "dir\\q\"x.c");
	CHECK_STR("#include \"/rt/hotpath.h\"\n#line 1 \"dir\\\\q\\\"x.c\"\n"
		  "void f(void) { {\nHP_BLOCK(0, \"a\\\"b\\\\c\\012d?\\?=e\\001\", 1);\n"
		  "#line 1 \"dir\\\\q\\\"x.c\"\n                 x(); }\n}\n", out);
	free(out);
}

/* The source's own #line directives are continued, not overridden. */
static void follows_source_line_directives(void)
{
	const char *src = "#line 100 \"gen.y\"\nint f(void) { return 1; }\n"
			  "# 7 \"other.y\" 2\n\nint g(void) { return 2; }\n";
	struct fixture f = { .n = 0 };
	char *out;

	add(&f, SITE_FUNCTION, "f", 2, src, "{ return 1", NULL);
	add(&f, SITE_FUNCTION, "g", 5, src, "{ return 2", NULL);
	out = run(src, &f, "x.c");
	CHECK_STR(PRO "#line 100 \"gen.y\"\nint f(void) {\nHP_FUNCTION(0, \"f\", 2);\n"
		  "#line 100 \"gen.y\"\n              return 1; }\n# 7 \"other.y\" 2\n\n"
		  "int g(void) {\nHP_FUNCTION(1, \"g\", 5);\n#line 8 \"other.y\"\n"
		  "              return 2; }\n", out);
	free(out);
}

static void bom_stays_first(void)
{
	const char *src = "\xef\xbb\xbfint f(void) {\n}\n";
	struct fixture f = { .n = 0 };
	char *out;

	add(&f, SITE_FUNCTION, "f", 1, src, "{", NULL);
	out = run(src, &f, "x.c");
	CHECK_STR("\xef\xbb\xbf" PRO "int f(void) { HP_FUNCTION(0, \"f\", 1);\n}\n", out);
	free(out);
}

static void no_sites_only_prologue(void)
{
	const char *src = "int x;\n";
	struct fixture f = { .n = 0 };
	char *out = run(src, &f, "x.c");

	CHECK_STR(PRO "int x;\n", out);
	free(out);
}

static void header_path_with_quote_uses_angle_form(void)
{
	struct edit_list none = { NULL, 0 };
	char *out = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&out, &n);

	CHECK_INT(0, hpcc_rewrite_apply("x\n", 2, &none, "/a\"b/hotpath.h", "x.c", fp));
	fclose(fp);
	CHECK_STR("#include </a\"b/hotpath.h>\n#line 1 \"x.c\"\nx\n", out);
	free(out);
}

static void non_brace_offset_is_ignored(void)
{
	const char *src = "int f(void) {\n}\n";
	struct fixture f = { .n = 0 };
	char *out;

	add(&f, SITE_FUNCTION, "f", 1, src, "{", NULL);
	f.v[0].brace = 2;
	out = run(src, &f, "x.c");
	CHECK_STR(PRO "int f(void) {\n}\n", out);
	free(out);
}

/* The split pieces of each line map back to the whole original line, and
 * diagnostics quoting them are put back; other lines are left alone. */
static void line_fixes_map_split_pieces_back(void)
{
	const char *src = "int g(void)\n{\n}\nvoid f(void) { { a(); } int x; }\r\n";
	struct fixture f = { .n = 0 };
	struct site_list list = { NULL, 0, NULL, 0 };
	struct edit_list edits;
	struct line_fix_list fixes;
	const char *diag = "x.c:4:30: warning: unused variable 'x'\n"
			   "                         int x; }\n"
			   "                             ^\n"
			   "                 a(); } int x; }\n"
			   "int g(void)\n";
	char *fixed;
	size_t n;

	add(&f, SITE_FUNCTION, "g", 1, src, "{\n}", NULL);
	add(&f, SITE_FUNCTION, "f", 4, src, "{ {", NULL);
	add(&f, SITE_BLOCK, "blk", 4, src, "{ a", NULL);
	list.v = f.v;
	list.n = f.n;
	CHECK_INT(0, hpcc_rewrite_plan(src, strlen(src), &list, "x.c", &edits));
	CHECK_INT(0, hpcc_rewrite_line_fixes(src, strlen(src), &edits, &fixes));
	CHECK_INT(2, fixes.n);
	CHECK_STR("               {", fixes.v[0].rewritten);
	CHECK_STR("                 a(); } int x; }", fixes.v[1].rewritten);
	CHECK_STR("void f(void) { { a(); } int x; }", fixes.v[0].original);
	CHECK_STR("void f(void) { { a(); } int x; }", fixes.v[1].original);

	fixed = hpcc_diagfix_swap_lines(diag, strlen(diag), &fixes, &n);
	CHECK_STR("x.c:4:30: warning: unused variable 'x'\n"
		  "                         int x; }\n"
		  "                             ^\n"
		  "void f(void) { { a(); } int x; }\n"
		  "int g(void)\n", fixed);
	CHECK_INT(strlen(fixed), n);
	free(fixed);
	hpcc_line_fixes_free(&fixes);
	hpcc_edits_free(&edits);
}

/* The function around the last added site: from `start` to just past the
 * '}' found at `close`. */
static void around(struct fixture *f, const char *src, const char *start, const char *close)
{
	struct site *s = &f->v[f->n - 1];

	s->fn_start = (size_t)(strstr(src, start) - src);
	s->fn_end = (size_t)(strstr(src, close) - src) + 1;
}

#define PUSH "#pragma GCC diagnostic push\n#ifdef __clang__\n" \
	"#pragma GCC diagnostic ignored \"-Wframe-larger-than\"\n#else\n" \
	"#pragma GCC diagnostic ignored \"-Wstack-usage=\"\n" \
	"#pragma GCC diagnostic ignored \"-Wframe-larger-than=\"\n#endif\n"

/* Frame-size warnings off from the function's first line to its '}'
 * (issue 13, item 14); lines and columns stay. */
static void frame_pragmas(void)
{
	const char *src = "/* @hotpath */\nstatic int\nf(void)\n{\n\treturn 1;\n} /* end */\nint g;\n";
	struct fixture f = { .n = 0 };
	char *out;

	add(&f, SITE_FUNCTION, "f", 3, src, "{", NULL);
	around(&f, src, "static", "} /*");
	out = run(src, &f, "x.c");
	CHECK_STR(PRO "/* @hotpath */\n" PUSH "#line 2 \"x.c\"\nstatic int\nf(void)\n"
		  "{ HP_FUNCTION(0, \"f\", 3);\n\treturn 1;\n}\n#pragma GCC diagnostic pop\n"
		  "#line 6 \"x.c\"\n  /* end */\nint g;\n", out);
	free(out);
}

/* A marker comment before the function on its line is fine; code is not,
 * nor a line continued into it, nor a second function on the line of the
 * first's '}'; a block's function gets them once. */
static void frame_pragmas_where_they_fit(void)
{
	const char *one = "\t/* @hotpath */ int f(void) {\n\treturn 1;\n}\n";
	const char *code = "int x; int f(void) {\n\treturn 1;\n}\n";
	const char *cont = "#define A \\\nint f(void) {\n\treturn 1;\n}\n";
	const char *two = "int f(void) {\n\treturn 1;\n} int g(void) {\n\treturn 2;\n}\n";
	const char *blk = "int f(void) {\n\t{ a(); }\n\treturn 1;\n}\n";
	struct fixture f = { .n = 0 };
	char *out;

	add(&f, SITE_FUNCTION, "f", 1, one, "{", NULL);
	around(&f, one, "int", "}\n");
	out = run(one, &f, "x.c");
	CHECK_STR(PRO PUSH "#line 1 \"x.c\"\n\t/* @hotpath */ int f(void) { HP_FUNCTION(0, \"f\", 1);\n"
		  "\treturn 1;\n}\n#pragma GCC diagnostic pop\n#line 3 \"x.c\"\n \n", out);
	free(out);

	f.n = 0;
	add(&f, SITE_FUNCTION, "f", 1, code, "{", NULL);
	around(&f, code, "int f", "}\n");
	out = run(code, &f, "x.c");
	CHECK_STR(PRO "int x; int f(void) { HP_FUNCTION(0, \"f\", 1);\n\treturn 1;\n}\n", out);
	free(out);

	f.n = 0;
	add(&f, SITE_FUNCTION, "f", 2, cont, "{", NULL);
	around(&f, cont, "int f", "}\n");
	out = run(cont, &f, "x.c");
	CHECK_NOT_CONTAINS(out, "#pragma");
	free(out);

	f.n = 0;
	add(&f, SITE_FUNCTION, "f", 1, two, "{", NULL);
	around(&f, two, "int f", "} int");
	add(&f, SITE_FUNCTION, "g", 3, two, "{\n\treturn 2", NULL);
	around(&f, two, "int g", "}\n");
	f.v[1].fn_start = (size_t)(strstr(two, "int g") - two);
	out = run(two, &f, "x.c");
	CHECK_STR(PRO PUSH "#line 1 \"x.c\"\nint f(void) { HP_FUNCTION(0, \"f\", 1);\n"
		  "\treturn 1;\n}\n#pragma GCC diagnostic pop\n#line 3 \"x.c\"\n"
		  "  int g(void) { HP_FUNCTION(1, \"g\", 3);\n\treturn 2;\n}\n", out);
	free(out);

	f.n = 0;
	add(&f, SITE_FUNCTION, "f", 1, blk, "{\n\t{", NULL);
	around(&f, blk, "int f", "}\n}");
	f.v[0].fn_end = strlen(blk) - 1;
	add(&f, SITE_BLOCK, "b", 2, blk, "{ a", NULL);
	f.v[1].fn_start = f.v[0].fn_start;
	f.v[1].fn_end = f.v[0].fn_end;
	out = run(blk, &f, "x.c");
	CHECK_STR(PRO PUSH "#line 1 \"x.c\"\nint f(void) { HP_FUNCTION(0, \"f\", 1);\n"
		  "\t{\nHP_BLOCK(1, \"b\", 2);\n#line 2 \"x.c\"\n\t  a(); }\n\treturn 1;\n"
		  "}\n#pragma GCC diagnostic pop\n#line 4 \"x.c\"\n \n", out);
	free(out);
}

/* hpcc's own attributes are blanked, byte for byte (issue 12, item 9):
 * spaces, tabs kept, newlines kept, even on a line split for the guard. */
static void blanks_keep_columns(void)
{
	const char *src = "[[hotpath::measure]] int f(void) { return 1; }\n"
			  "[[gnu::cold,\thotpath::main(\n  percentiles = [50])]]\nint main(void)\n{\n}\n";
	struct blank b[2];
	struct fixture f = { .n = 0 };
	char *out;

	b[0].off = 0;
	b[0].len = strlen("[[hotpath::measure]]");
	b[1].off = (size_t)(strstr(src, ",\thotpath") - src);
	b[1].len = (size_t)(strstr(src, "])]]") - src) + 2 - b[1].off;
	add(&f, SITE_FUNCTION, "f", 1, src, "{", NULL);
	add(&f, SITE_MAIN, "main", 3, src, "{\n}", "");
	out = run_blanks(src, &f, "x.c", b, 2);
	CHECK_STR(PRO "                     int f(void) {\nHP_FUNCTION(0, \"f\", 1);\n#line 1 \"x.c\"\n"
		  "                                   return 1; }\n"
		  "[[gnu::cold \t              \n                     ]]\nint main(void)\n"
		  "{ HP_MAIN(1, \"main\", 3, \"\");\n}\n", out);
	free(out);
	/* without sites too; a blank out of range or over an insertion is
	 * skipped, overlapping ones keep the first */
	f.n = 0;
	b[0].off = 2;
	b[0].len = 7;
	b[1].off = 4;
	b[1].len = 10;
	out = run_blanks(src, &f, "x.c", b, 2);
	CHECK(out != NULL && strncmp(out + strlen(PRO), "[[       ::measure]]", 20) == 0);
	free(out);
	b[0].off = strlen(src);
	b[0].len = 1;
	b[1].off = (size_t)(strstr(src, "{") - src) - 2;
	b[1].len = 4;
	add(&f, SITE_FUNCTION, "f", 1, src, "{", NULL);
	out = run_blanks(src, &f, "x.c", b, 2);
	CHECK(out != NULL && strstr(out, "(void) {") != NULL);
	free(out);
}


static int in_src(const char *name, void *ctx)
{
	(void)ctx;
	return !strcmp(name, "h.h") || !strcmp(name, "sub/s.h") || !strcmp(name, "../up.h");
}

/* The source's own quoted names that its folder holds get the link's
 * path in front; angle includes, absolute paths, names the folder lacks,
 * directives in comments and strings are left; #include MACRO is told. */
static void includes_redirected(void)
{
	const char *src = "#include \"h.h\"\n"
			  "  #  include_next \"sub/s.h\"\n"
			  "#import \"../up.h\"\n"
			  "#include <h.h>\n"
			  "#include \"/abs/h.h\"\n"
			  "#include \"other.h\"\n"
			  "/* #include \"h.h\" */ // #include \"h.h\"\n"
			  "const char *s = \"#include \\\"h.h\\\"\";\n"
			  "#if __has_include(\"h.h\") && x__has_include(\"h.h\")\n"
			  "#endif\n";
	struct include_scan sc = { in_src, NULL, "/T/2/src/" };
	struct edit_list edits = { NULL, 0 };
	struct line_fix_list fixes = { NULL, 0 };
	int computed = -1;
	char *out = NULL;
	size_t n;
	FILE *f;

	CHECK_INT(4, hpcc_rewrite_includes(src, strlen(src), &sc, &edits, &fixes, &computed));
	CHECK_INT(0, computed);
	CHECK_INT(4, edits.n);
	CHECK_INT(4, fixes.n);
	CHECK_STR("  #  include_next \"/T/2/src/sub/s.h\"", fixes.v[1].rewritten);
	CHECK_STR("  #  include_next \"sub/s.h\"", fixes.v[1].original);
	f = open_memstream(&out, &n);
	CHECK(f != NULL);
	CHECK_INT(0, hpcc_rewrite_apply(src, strlen(src), &edits, "/rt/hotpath.h", "x.c", f));
	fclose(f);
	CHECK_STR(PRO "#include \"/T/2/src/h.h\"\n"
		  "  #  include_next \"/T/2/src/sub/s.h\"\n"
		  "#import \"/T/2/src/../up.h\"\n"
		  "#include <h.h>\n"
		  "#include \"/abs/h.h\"\n"
		  "#include \"other.h\"\n"
		  "/* #include \"h.h\" */ // #include \"h.h\"\n"
		  "const char *s = \"#include \\\"h.h\\\"\";\n"
		  "#if __has_include(\"/T/2/src/h.h\") && x__has_include(\"h.h\")\n"
		  "#endif\n", out);
	free(out);
	hpcc_edits_free(&edits);
	hpcc_line_fixes_free(&fixes);

	src = "#define H \"h.h\"\n#include H\n";
	CHECK_INT(0, hpcc_rewrite_includes(src, strlen(src), &sc, &edits, &fixes, &computed));
	CHECK_INT(1, computed);
	hpcc_edits_free(&edits);
}


TEST_MAIN(T(includes_redirected), T(brace_at_eol), T(brace_then_line_comment), T(brace_then_closed_comment),
	  T(brace_then_multiline_comment), T(text_after_brace), T(tabs_kept_in_padding),
	  T(crlf_line_endings), T(several_sites_one_line), T(nested_blocks),
	  T(main_with_percentiles), T(label_and_path_escaped),
	  T(follows_source_line_directives), T(bom_stays_first), T(no_sites_only_prologue),
	  T(header_path_with_quote_uses_angle_form), T(non_brace_offset_is_ignored),
	  T(line_fixes_map_split_pieces_back), T(frame_pragmas),
	  T(frame_pragmas_where_they_fit), T(blanks_keep_columns))
