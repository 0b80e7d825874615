/* test_finder.c - the annotation finder on real libclang, fixture files
 * under tests/hpcc/fixtures/, exact warning lines, and end-to-end checks
 * that the rewritten source compiles with gcc and clang and keeps the
 * compiler's file:line:col. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "finder.h"
#include "rewrite.h"
#include "test.h"

#define FIXTURES HPCC_SOURCE_DIR "/tests/hpcc/fixtures"
#define HOTPATH_H HPCC_SOURCE_DIR "/runtime/include/hotpath.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

struct run {
	int rc;
	struct site_list sites;
	char *err;     /* everything written to stderr */
	char *buf;     /* the source */
	size_t len;
};

static int blank_attributes; /* finder_opts.blank_attributes for find_buf() */

/* Run the finder on `buf` with stderr captured. */
static void find_buf(const char *path, const char *buf, size_t len, int all, int strict,
		     struct run *r)
{
	struct finder_opts o;
	FILE *cap = tmpfile();
	int saved;
	long n;

	memset(&o, 0, sizeof o);
	o.path = path;
	o.buf = buf;
	o.len = len;
	o.instrument_all = all;
	o.strict = strict;
	o.blank_attributes = blank_attributes;
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(cap), 2);
	r->rc = hpcc_finder_find(&o, &r->sites);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = ftell(cap);
	r->err = calloc(1, (size_t)n + 1);
	rewind(cap);
	if (r->err && n > 0 && fread(r->err, 1, (size_t)n, cap) != (size_t)n)
		r->err[0] = '\0';
	fclose(cap);
}

/* Run on a fixture; the path is given relative to the fixture directory,
 * which is the working directory of this test. */
static int find_file(const char *path, int all, int strict, struct run *r)
{
	memset(r, 0, sizeof *r);
	r->buf = slurp(path, &r->len);
	if (!r->buf)
		return -1;
	find_buf(path, r->buf, r->len, all, strict, r);
	return 0;
}

static void run_free(struct run *r)
{
	hpcc_sites_free(&r->sites);
	free(r->err);
	free(r->buf);
}

static int line_of(const char *buf, size_t off)
{
	int line = 1;
	size_t i;

	for (i = 0; i < off; i++)
		line += buf[i] == '\n';
	return line;
}

/* Check one site: kind, name, line:col, and that `brace` is a '{'. */
#define CHECK_SITE(r, i, kind_, name_, line_, col_)                       \
	do {                                                                  \
		const struct site *s_ = &(r).sites.v[i];                          \
		CHECK((i) < (r).sites.n);                                         \
		CHECK_STR(name_, s_->name);                                       \
		CHECK_INT(kind_, s_->kind);                                       \
		CHECK_INT(line_, s_->line);                                       \
		CHECK_INT(col_, s_->col);                                         \
		CHECK_INT('{', (r).buf[s_->brace]);                               \
	} while (0)

/* Each site knows its function: from the first byte of its declaration
 * (the name at most) to just past the '}' closing the body. */
static void check_extents(const struct run *r)
{
	size_t i;

	for (i = 0; i < r->sites.n; i++) {
		const struct site *s = &r->sites.v[i];

		if (s->fn_end == 0 || s->fn_end > r->len || r->buf[s->fn_end - 1] != '}' ||
		    s->fn_start >= s->brace || s->brace >= s->fn_end)
			TEST_FAIL_("site %zu (%s): function %zu..%zu, brace %zu", i, s->name,
				   s->fn_start, s->fn_end, s->brace);
	}
}

static void every_spelling(void)
{
	struct run r;

	CHECK_INT(0, find_file("spellings.c", 0, 0, &r));
	CHECK_INT(FINDER_OK, r.rc);
	CHECK_STR("", r.err);
	CHECK_INT(10, r.sites.n);
	CHECK_SITE(r, 0, SITE_FUNCTION, "comment_block", 5, 12);
	CHECK_SITE(r, 1, SITE_FUNCTION, "comment_line", 8, 5);
	CHECK_SITE(r, 2, SITE_FUNCTION, "attr_start", 13, 26);
	CHECK_SITE(r, 3, SITE_FUNCTION, "attr_after_name", 15, 5);
	CHECK_SITE(r, 4, SITE_FUNCTION, "attr_in_list", 17, 41);
	CHECK_SITE(r, 5, SITE_FUNCTION, "static_inline", 23, 19);
	CHECK_SITE(r, 6, SITE_FUNCTION, "gnu_attr_prefix", 26, 41);
	CHECK_SITE(r, 7, SITE_FUNCTION, "comment_then_attr", 31, 34);
	CHECK_SITE(r, 8, SITE_FUNCTION, "k_and_r", 35, 1);
	CHECK_SITE(r, 9, SITE_MAIN, "main", 46, 5);
	CHECK_STR("50,99", r.sites.v[9].percentiles);
	CHECK(r.sites.v[0].percentiles == NULL);
	/* the K&R body's '{' comes after the parameter declarations */
	CHECK_INT(38, line_of(r.buf, r.sites.v[8].brace));
	check_extents(&r);
	run_free(&r);
}

#define CHECK_BLANK(r, i, text)                                              \
	do {                                                                 \
		CHECK((i) < (r).sites.nblanks);                                  \
		if ((i) < (r).sites.nblanks) {                                   \
			CHECK_INT(strlen(text), (r).sites.blanks[i].len);            \
			CHECK_INT(0, strncmp((r).buf + (r).sites.blanks[i].off, text,  \
					     strlen(text)));                          \
		}                                                                \
	} while (0)

/* The attributes hpcc uses are handed to the rewriter to blank out, so
 * the compiler does not warn about them (issue 12, item 9): the whole
 * `[[...]]` when alone, else the item and one comma; not one that links
 * to nothing, and none unless the compiler takes [[ns::attr]]. */
static void attribute_blanks(void)
{
	static const char src[] =
		"[[hotpath::measure]] int a(void) { return 1; }\n"
		"[[gnu::cold, hotpath::measure]] int b(void) { return 2; }\n"
		"[[hotpath::main(percentiles = [101]) , gnu::cold]] int main(void) { return 0; }\n"
		"int c [[hotpath::measure]] (void) { return 3; }\n"
		"int x [[hotpath::measure]];\n";
	struct run r;

	memset(&r, 0, sizeof r);
	blank_attributes = 1;
	find_buf("b.c", src, strlen(src), 0, 0, &r);
	blank_attributes = 0;
	r.buf = NULL;
	CHECK_INT(FINDER_OK, r.rc);
	CHECK_INT(4, r.sites.n);
	CHECK_INT(4, r.sites.nblanks);
	r.buf = (char *)src;
	CHECK_BLANK(r, 0, "[[hotpath::measure]]");
	CHECK_BLANK(r, 1, ", hotpath::measure");
	CHECK_BLANK(r, 2, "hotpath::main(percentiles = [101]) ,");
	CHECK_BLANK(r, 3, "[[hotpath::measure]]");
	CHECK_CONTAINS(r.err, "b.c:5:9: warning: hotpath: marker not followed by a function definition");
	r.buf = NULL;
	run_free(&r);
	memset(&r, 0, sizeof r);
	find_buf("b.c", src, strlen(src), 0, 0, &r);
	CHECK_INT(4, r.sites.n);
	CHECK_INT(0, r.sites.nblanks);
	run_free(&r);
}

static void attribute_main_defaults(void)
{
	struct run r;

	CHECK_INT(0, find_file("attr_main.c", 0, 0, &r));
	CHECK_INT(FINDER_OK, r.rc);
	CHECK_INT(1, r.sites.n);
	CHECK_SITE(r, 0, SITE_MAIN, "main", 1, 23);
	CHECK_STR("", r.sites.v[0].percentiles);
	run_free(&r);
}

static void blocks_both_spellings_nested(void)
{
	struct run r;

	CHECK_INT(0, find_file("blocks.c", 0, 0, &r));
	CHECK_INT(FINDER_OK, r.rc);
	CHECK_STR("", r.err);
	CHECK_INT(4, r.sites.n);
	CHECK_SITE(r, 0, SITE_BLOCK, "outer loop", 7, 2);
	CHECK_SITE(r, 1, SITE_BLOCK, "body \"quoted\"", 8, 77);
	CHECK_SITE(r, 2, SITE_BLOCK, "inner", 11, 4);
	CHECK_SITE(r, 3, SITE_FUNCTION, "twice", 18, 5);
	check_extents(&r);
	/* a block's function is the one holding it */
	CHECK(r.sites.v[0].fn_end == r.sites.v[2].fn_end);
	run_free(&r);
}

static const char broken_warnings[] =
	"./include/annotated.h:2:4: warning: hotpath: annotation in a header is ignored (only the main file is instrumented)\n"
	"broken.c:3:4: warning: hotpath: marker not followed by a function definition\n"
	"broken.c:7:4: warning: hotpath: marker not followed by a function definition\n"
	"broken.c:11:4: warning: hotpath: marker not followed by a function definition\n"
	"broken.c:16:12: warning: hotpath: 'plain_inline' is a non-static inline function (C99 forbids static locals there); not instrumented\n"
	"broken.c:19:5: warning: hotpath: the body of 'macro_brace' starts with a '{' from a macro expansion; not instrumented\n"
	"broken.c:22:1: warning: hotpath: 'generated' is generated by a macro; not instrumented\n"
	"broken.c:24:44: warning: hotpath: 'naked_fn' is a naked function (__attribute__((naked))); not instrumented\n"
	"broken.c:26:4: warning: hotpath: marker not followed by a function definition\n"
	"broken.c:28:13: warning: hotpath: unknown annotation '@hotpath fast' (expected main or measure_block)\n"
	"broken.c:31:33: warning: hotpath: expected a number from 0 to 100 in percentiles; main keeps the default percentiles\n"
	"broken.c:34:12: warning: hotpath: measure_block needs a label: measure_block(\"label\")\n"
	"broken.c:38:5: warning: hotpath: measure_block marker not followed by a block '{ ... }'\n"
	"broken.c:42:19: warning: hotpath: 'twice_marked' has more than one hotpath annotation; the first is used\n"
	"broken.c:54:20: warning: hotpath: an attribute in a macro definition is not instrumented; write it on the function itself\n";


/* Every broken link and unsupported function, one exact line each; the
 * marker in #if 0 is silent; the good ones are still found. */
static void broken_links_warn(void)
{
	struct run r;

	CHECK_INT(0, find_file("broken.c", 0, 0, &r));
	CHECK_INT(FINDER_OK, r.rc);
	CHECK_STR(broken_warnings, r.err);
	/* a bad option of main keeps main (issue 12, item 8) */
	CHECK_INT(3, r.sites.n);
	CHECK_SITE(r, 0, SITE_MAIN, "bad_percentiles", 32, 5);
	CHECK_STR("", r.sites.v[0].percentiles);
	CHECK_SITE(r, 1, SITE_FUNCTION, "twice_marked", 42, 35);
	CHECK_SITE(r, 2, SITE_FUNCTION, "good", 50, 12);
	run_free(&r);
}

static void strict_makes_errors(void)
{
	struct run r;
	char expected[sizeof broken_warnings], *o = expected;
	const char *p = broken_warnings, *w;

	while ((w = strstr(p, ": warning: ")) != NULL) { /* same lines, error: */
		memcpy(o, p, (size_t)(w - p));
		o += w - p;
		o += sprintf(o, ": error: ");
		p = w + 11;
	}
	strcpy(o, p);
	CHECK_INT(0, find_file("broken.c", 0, 1, &r));
	CHECK_INT(FINDER_ERROR, r.rc);
	CHECK_STR(expected, r.err);
	CHECK_INT(0, r.sites.n);
	run_free(&r);
}

static void instrument_all(void)
{
	struct run r;

	CHECK_INT(0, find_file("all.c", 1, 0, &r));
	CHECK_INT(FINDER_OK, r.rc);
	CHECK_STR("", r.err); /* the inline one is skipped silently */
	CHECK_INT(2, r.sites.n);
	CHECK_SITE(r, 0, SITE_FUNCTION, "helper", 1, 12);
	CHECK_SITE(r, 1, SITE_MAIN, "main", 8, 5);
	CHECK_STR("90", r.sites.v[1].percentiles);
	run_free(&r);
	CHECK_INT(0, find_file("all_plain_main.c", 1, 0, &r));
	CHECK_INT(2, r.sites.n);
	CHECK_SITE(r, 1, SITE_MAIN, "main", 6, 5);
	CHECK_STR("", r.sites.v[1].percentiles);
	run_free(&r);
	/* annotated mode finds only the annotated main */
	CHECK_INT(0, find_file("all.c", 0, 0, &r));
	CHECK_INT(1, r.sites.n);
	CHECK_SITE(r, 0, SITE_MAIN, "main", 8, 5);
	run_free(&r);
}

static void unparseable_falls_back(void)
{
	struct run r;

	CHECK_INT(0, find_file("nested_function.c", 0, 0, &r));
	CHECK_INT(FINDER_FALLBACK, r.rc);
	CHECK_STR("nested_function.c: warning: hotpath: libclang cannot parse this file "
		  "(nested_function.c:6:19: function definition is not allowed here); "
		  "compiling it unmodified\n", r.err);
	CHECK_INT(0, r.sites.n);
	run_free(&r);
}

static void no_hotpath_text_no_libclang(void)
{
	struct run r;
	const char *src = "int main(void) { return 0; }\n";

	memset(&r, 0, sizeof r);
	setenv("HPCC_LIBCLANG", "/nonexistent/libclang.so", 1); /* never loaded */
	find_buf("plain.c", src, strlen(src), 0, 0, &r);
	unsetenv("HPCC_LIBCLANG");
	CHECK_INT(FINDER_OK, r.rc);
	CHECK_STR("", r.err);
	CHECK_INT(0, r.sites.n);
	free(r.err);
}

/* In a child process, so the failed load is not cached for other tests. */
static void libclang_missing_falls_back(void)
{
	const char *src = "/* @hotpath */ int f(void) { return 0; }\n";
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct run r;

		memset(&r, 0, sizeof r);
		setenv("HPCC_LIBCLANG", "/nonexistent/libclang.so", 1);
		find_buf("x.c", src, strlen(src), 0, 0, &r);
		_exit(r.rc == FINDER_FALLBACK && r.sites.n == 0 &&
		      strcmp(r.err, "hpcc: warning: cannot load libclang (/nonexistent/libclang.so: "
			     "cannot open shared object file: No such file or directory); "
			     "compiling x.c unmodified\n") == 0 ? 0 : 1);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st));
	CHECK_INT(0, WEXITSTATUS(st));
}

/* CRLF, tabs and UTF-8 before the name: columns are bytes, like clang's. */
static void crlf_tabs_utf8(void)
{
	const char *src = "/* caf\xc3\xa9 */\r\n// @hotpath\r\n\tstatic int\tf(void)\t{ return 1; }\r\n"
			  "/* \xc3\xa9 */ /* @hotpath */ int g(void) {\r\n\treturn 2;\r\n}\r\n";
	struct run r;

	memset(&r, 0, sizeof r);
	find_buf("mem.c", src, strlen(src), 0, 0, &r);
	r.buf = (char *)src;
	CHECK_INT(FINDER_OK, r.rc);
	CHECK_STR("", r.err);
	CHECK_INT(2, r.sites.n);
	CHECK_SITE(r, 0, SITE_FUNCTION, "f", 3, 13);
	CHECK_SITE(r, 1, SITE_FUNCTION, "g", 4, 29);
	r.buf = NULL;
	run_free(&r);
}

/* A marker in a source with its own #line keeps physical positions. */
static void source_line_directive(void)
{
	const char *src = "#line 100 \"gen.y\"\n/* @hotpath */\nint f(void) { return 1; }\n";
	struct run r;

	memset(&r, 0, sizeof r);
	find_buf("gen.c", src, strlen(src), 0, 0, &r);
	r.buf = (char *)src;
	CHECK_INT(FINDER_OK, r.rc);
	CHECK_INT(1, r.sites.n);
	CHECK_SITE(r, 0, SITE_FUNCTION, "f", 3, 5);
	r.buf = NULL;
	run_free(&r);
}

/* ---- end to end: rewrite, then compile with the real compilers ---------- */

/* Run argv with stderr to `errfile`; returns the exit status. */
static int run_cmd(char *const argv[], const char *errfile)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char tmpdir[64];

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void remove_tmpdir(void)
{
	if (*tmpdir)
		nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Rewrite fixture `name` into tmpdir/name; returns 0. */
static int rewrite_fixture(const char *name, char *out_path, size_t cap)
{
	struct run r;
	struct edit_list edits;
	FILE *out;
	int rc;

	if (!*tmpdir) {
		strcpy(tmpdir, "/tmp/hpcc_test_finder_XXXXXX");
		if (!mkdtemp(tmpdir))
			return -1;
		atexit(remove_tmpdir);
	}
	if (find_file(name, 0, 0, &r) != 0 || r.rc != FINDER_OK)
		return -1;
	snprintf(out_path, cap, "%s/%s", tmpdir, name);
	out = fopen(out_path, "w");
	rc = out ? 0 : -1;
	if (!rc)
		rc = hpcc_rewrite_plan(r.buf, r.len, &r.sites, name, &edits);
	if (!rc) {
		rc = hpcc_rewrite_apply(r.buf, r.len, &edits, HOTPATH_H, name, out);
		hpcc_edits_free(&edits);
	}
	if (out)
		fclose(out);
	run_free(&r);
	return rc;
}

static void rewritten_compiles_with_gcc_and_clang(void)
{
	static const char *const files[] = { "spellings.c", "blocks.c", "attr_main.c" };
	char path[256], errfile[300];
	size_t i;

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *gcc[] = { "gcc", "-std=c2x", "-fsyntax-only", "-Wall", "-Wextra", "-Werror",
				"-Wno-old-style-definition", "-Wno-attributes=hotpath::",
				"-I", HPCC_SOURCE_DIR "/runtime/include", path, NULL };
		char *clang[] = { "clang", "-std=c2x", "-fsyntax-only", "-Wall", "-Wextra", "-Werror",
				  "-Wno-unknown-attributes", "-I", HPCC_SOURCE_DIR "/runtime/include",
				  path, NULL };
		char *text;
		size_t n;

		CHECK_INT(0, rewrite_fixture(files[i], path, sizeof path));
		snprintf(errfile, sizeof errfile, "%s.err", path);
		if (run_cmd(gcc, errfile) != 0) {
			text = slurp(errfile, &n);
			TEST_FAIL_("gcc rejects rewritten %s:\n%s", files[i], text ? text : "");
		}
		if (run_cmd(clang, errfile) != 0) {
			text = slurp(errfile, &n);
			TEST_FAIL_("clang rejects rewritten %s:\n%s", files[i], text ? text : "");
		}
	}
}

/* Keep only the lines that name a position and say error/warning. */
static void only_diagnostic_lines(char *s)
{
	char *out = s, *line = s;

	while (*line) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line + 1) : strlen(line);

		if (memmem(line, n, ": error: ", 9) || memmem(line, n, ": warning: ", 11)) {
			memmove(out, line, n);
			out += n;
		}
		line += n;
	}
	*out = '\0';
}

static void compile_error_keeps_position(void)
{
	char path[256], e1[300], e2[300];
	char *orig_gcc[] = { "gcc", "-fsyntax-only", "compile_error.c", NULL };
	char *new_gcc[] = { "gcc", "-fsyntax-only", path, NULL };
	char *orig_clang[] = { "clang", "-fsyntax-only", "compile_error.c", NULL };
	char *new_clang[] = { "clang", "-fsyntax-only", path, NULL };
	char *a, *b;
	size_t n;

	CHECK_INT(0, rewrite_fixture("compile_error.c", path, sizeof path));
	snprintf(e1, sizeof e1, "%s.orig.err", path);
	snprintf(e2, sizeof e2, "%s.new.err", path);
	CHECK_INT(1, run_cmd(orig_gcc, e1));
	CHECK_INT(1, run_cmd(new_gcc, e2));
	a = slurp(e1, &n);
	b = slurp(e2, &n);
	CHECK_CONTAINS(a, "compile_error.c:2:24: error: ");
	CHECK_CONTAINS(a, "compile_error.c:7:20: error: ");
	CHECK_STR(a, b); /* gcc: byte-identical, source excerpts included */
	free(a);
	free(b);
	CHECK_INT(1, run_cmd(orig_clang, e1));
	CHECK_INT(1, run_cmd(new_clang, e2));
	a = slurp(e1, &n);
	b = slurp(e2, &n);
	only_diagnostic_lines(a);
	only_diagnostic_lines(b);
	CHECK_CONTAINS(a, "compile_error.c:2:24: error: ");
	CHECK_STR(a, b);
	free(a);
	free(b);
}

/* ---- speed -------------------------------------------------------------- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ~4,000 annotated lines in 290 functions, with the usual headers. */
static char *generate_big(int with_block, size_t *len)
{
	size_t cap = 1 << 20, n = 0;
	char *s = malloc(cap);
	int i;

	n += (size_t)sprintf(s + n, "#include <stdio.h>\n#include <stdlib.h>\n"
			     "#include <string.h>\n#include <math.h>\n\n");
	for (i = 0; i < 290; i++)
		n += (size_t)sprintf(s + n,
			"/* @hotpath */\nstatic double fn%d(const double *v, size_t n)\n{\n"
			"\tdouble s = 0;\n\tfor (size_t k = 0; k < n; k++) %s{\n"
			"\t\ts += v[k] * %d + sqrt(fabs(v[k]));\n\t\tif (s > 1e9)\n"
			"\t\t\ts = fmod(s, 7.0);\n\t}\n\tchar buf[64];\n"
			"\tsnprintf(buf, sizeof buf, \"%%f\", s);\n"
			"\treturn s + (double)strlen(buf);\n}\n\n",
			i, with_block && i == 0 ? "/* @hotpath measure_block(\"loop\") */ " : "", i);
	n += (size_t)sprintf(s + n, "int main(void)\n{\n\tdouble v[4] = {1, 2, 3, 4};\n"
			     "\tprintf(\"%%f\\n\", fn0(v, 4));\n\treturn 0;\n}\n");
	*len = n;
	return s;
}

static void speed_4000_lines(void)
{
	size_t len, lines = 0, i;
	char *src = generate_big(0, &len), *blk;
	struct run r;
	double t0, t1, t2, t3;

	for (i = 0; i < len; i++)
		lines += src[i] == '\n';
	memset(&r, 0, sizeof r);
	/* The first call of the process pays for dlopen (unless an earlier
	 * test loaded it: run this test alone for the split). */
	t0 = now_ms();
	find_buf("big.c", src, len, 0, 0, &r);
	t1 = now_ms();
	CHECK_INT(FINDER_OK, r.rc);
	CHECK_INT(290, r.sites.n);
	hpcc_sites_free(&r.sites);
	free(r.err);
	find_buf("big.c", src, len, 0, 0, &r);
	t2 = now_ms();
	hpcc_sites_free(&r.sites);
	free(r.err);
	blk = generate_big(1, &len);
	find_buf("big.c", blk, len, 0, 0, &r);
	t3 = now_ms();
	CHECK_INT(291, r.sites.n);
	hpcc_sites_free(&r.sites);
	free(r.err);
	printf("speed: %zu lines: first call %.1f ms (dlopen + parse), "
	       "skip-bodies parse %.1f ms, full parse %.1f ms\n",
	       lines, t1 - t0, t2 - t1, t3 - t2);
	CHECK(lines >= 4000);
	CHECK(t2 - t1 < 1000.0); /* generous: catches pathologies, not noise */
	free(src);
	free(blk);
}

/* Runs of comments between markers and what they mark (issue 13, item 7:
 * the scan used to walk the rest of a run for every comment in it).  The
 * sites and warnings are the ones the quadratic scan found. */
static void comment_runs(void)
{
	size_t cap = 4u << 20, n = 0, lines = 0, i;
	char *s = malloc(cap);
	struct run r;
	double t0;

	CHECK(s != NULL);
	for (i = 0; i < 50000; i++)
		n += (size_t)sprintf(s + n, "/* comment %zu */\n", i);
	n += (size_t)sprintf(s + n, "/* @hotpath */\n// one\n/* two */\n"
			     "static int after_run(int x)\n{\n\treturn x;\n}\n");
	n += (size_t)sprintf(s + n, "/* @hotpath */ /* x */ /* @hotpath main */\n"
			     "static int twice(int x)\n{\n\treturn x;\n}\n");
	n += (size_t)sprintf(s + n, "int blocks(int x)\n{\n"
			     "\t/* @hotpath measure_block(\"b\") */ /* x */ /* y */\n"
			     "\t{ x++; }\n\t/* @hotpath measure_block(\"c\") */ /* x */ x++;\n"
			     "\treturn x;\n}\n");
	n += (size_t)sprintf(s + n, "[[hotpath::measure]] /* c */ /* d */\n"
			     "int attr(void)\n{\n\treturn 0;\n}\n");
	for (i = 0; i < n; i++)
		lines += s[i] == '\n';
	memset(&r, 0, sizeof r);
	t0 = now_ms();
	find_buf("runs.c", s, n, 0, 0, &r);
	printf("comment runs: %zu lines in %.1f ms\n", lines, now_ms() - t0);
	r.buf = s;
	CHECK_INT(FINDER_OK, r.rc);
	CHECK_STR("runs.c:50008:27: warning: hotpath: 'twice' has more than one hotpath "
		  "annotation; the first is used\n"
		  "runs.c:50017:5: warning: hotpath: measure_block marker not followed by a "
		  "block '{ ... }'\n", r.err);
	CHECK_INT(4, r.sites.n);
	CHECK_SITE(r, 0, SITE_FUNCTION, "after_run", 50004, 12);
	CHECK_SITE(r, 1, SITE_FUNCTION, "twice", 50009, 12);
	CHECK_SITE(r, 2, SITE_BLOCK, "b", 50016, 2);
	CHECK_SITE(r, 3, SITE_FUNCTION, "attr", 50021, 5);
	run_free(&r);
}

static void setup(void) __attribute__((constructor));
static void setup(void)
{
	if (chdir(FIXTURES) != 0) {
		perror(FIXTURES);
		exit(1);
	}
}

TEST_MAIN(T(no_hotpath_text_no_libclang), T(libclang_missing_falls_back),
	  T(speed_4000_lines), T(every_spelling), T(attribute_main_defaults), T(attribute_blanks),
	  T(blocks_both_spellings_nested), T(broken_links_warn), T(strict_makes_errors),
	  T(instrument_all), T(unparseable_falls_back),
	  T(crlf_tabs_utf8), T(source_line_directive),
	  T(rewritten_compiles_with_gcc_and_clang), T(compile_error_keeps_position),
	  T(comment_runs))
