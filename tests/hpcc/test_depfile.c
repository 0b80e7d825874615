/* test_depfile.c - dependency files of rewritten sources: where they are
 * and how their text becomes the plain compile's, byte for byte. */
#include <stdarg.h>

#include "args.h"
#include "depfile.h"
#include "test.h"

static struct invocation inv;

static void process(const char *first, ...)
{
	static char *argv[64];
	struct args in;
	va_list ap;
	int n = 0;
	const char *a;

	va_start(ap, first);
	for (a = first; a && n < 63; a = va_arg(ap, const char *))
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	in.argc = n;
	in.argv = argv;
	hpcc_invocation_free(&inv);
	if (hpcc_args_process(&in, &inv) != 0)
		abort();
}

static void paths(void)
{
	char *d;

	process("gcc", "-c", "-MD", "src/a.c", NULL);
	d = hpcc_depfile_path(&inv, "src/a.c", 0);
	CHECK_STR("a.d", d);
	free(d);
	process("gcc", "-c", "-MD", "src/a.c", "-o", "obj/.x", NULL);
	d = hpcc_depfile_path(&inv, "src/a.c", 0);
	CHECK_STR("obj/.x.d", d);
	free(d);
	process("gcc", "-c", "-MD", "src/a.c", "-o", "obj/x.o", NULL);
	d = hpcc_depfile_path(&inv, "src/a.c", 0);
	CHECK_STR("obj/x.d", d);
	free(d);
	process("gcc", "-MD", "-MF", "deps/x", "src/a.c", NULL);
	d = hpcc_depfile_path(&inv, "src/a.c", 0);
	CHECK_STR("deps/x", d);
	free(d);
	/* linking: gcc 11+ says a-a.d, clang a.d */
	process("gcc", "-MD", "src/a.c", NULL);
	d = hpcc_depfile_path(&inv, "src/a.c", 0);
	CHECK_STR("a-a.d", d);
	free(d);
	d = hpcc_depfile_path(&inv, "src/a.c", 1);
	CHECK_STR("a.d", d);
	free(d);
}

static const struct dep_rename tmp_a = { "/tmp/hpcc-Xy/1/a.c", "a.c" };
#define HDR "/opt/hp/include/hotpath.h"
#define L "some_rather_long_directory_name/header_number_"

/* Written by gcc 12 for a.c including six headers (-MMD -MP). */
static const char gcc_plain[] =
	"a.o: a.c " L "1.h \\\n"
	" " L "2.h \\\n"
	" " L "3.h \\\n"
	" " L "4.h \\\n"
	" " L "5.h \\\n"
	" " L "6.h\n"
	L "1.h:\n" L "2.h:\n" L "3.h:\n" L "4.h:\n" L "5.h:\n" L "6.h:\n";

/* ... and by clang 14. */
static const char clang_plain[] =
	"a.o: a.c " L "1.h \\\n"
	"  " L "2.h \\\n"
	"  " L "3.h \\\n"
	"  " L "4.h \\\n"
	"  " L "5.h \\\n"
	"  " L "6.h\n"
	"\n" L "1.h:\n\n" L "2.h:\n\n" L "3.h:\n\n" L "4.h:\n\n" L "5.h:\n\n" L "6.h:\n";

static void gcc_rewrapped(void)
{
	static const char in[] =
		"a.o: /tmp/hpcc-Xy/1/a.c " HDR " \\\n"
		" " L "1.h " L "2.h \\\n"
		" " L "3.h \\\n"
		" " L "4.h \\\n"
		" " L "5.h \\\n"
		" " L "6.h\n"
		HDR ":\n"
		L "1.h:\n" L "2.h:\n" L "3.h:\n" L "4.h:\n" L "5.h:\n" L "6.h:\n";
	size_t n;
	int changed;
	char *out = hpcc_depfile_fix(in, sizeof in - 1, &tmp_a, 1, HDR, 0, &n, &changed);

	CHECK_INT(1, changed);
	CHECK_STR(gcc_plain, out);
	CHECK_INT(strlen(gcc_plain), n);
	free(out);
}

static void clang_rewrapped(void)
{
	static const char in[] =
		"a.o: /tmp/hpcc-Xy/1/a.c " HDR " \\\n"
		"  " L "1.h \\\n"
		"  " L "2.h \\\n"
		"  " L "3.h \\\n"
		"  " L "4.h \\\n"
		"  " L "5.h \\\n"
		"  " L "6.h\n"
		"\n" HDR ":\n"
		"\n" L "1.h:\n\n" L "2.h:\n\n" L "3.h:\n\n" L "4.h:\n\n" L "5.h:\n\n" L "6.h:\n";
	size_t n;
	int changed;
	char *out = hpcc_depfile_fix(in, sizeof in - 1, &tmp_a, 1, HDR, 1, &n, &changed);

	CHECK_INT(1, changed);
	CHECK_STR(clang_plain, out);
	free(out);
}

/* make's escapes: a space, '#' and '$' in the original path. */
static void escaped_paths(void)
{
	static const struct dep_rename r = { "/tmp/hpcc-Xy/1/a.c", "my dir/#$a.c" };
	static const char in[] = "a.o: /tmp/hpcc-Xy/1/a.c " HDR "\n";
	size_t n;
	int changed;
	char *out = hpcc_depfile_fix(in, sizeof in - 1, &r, 1, HDR, 0, &n, &changed);

	CHECK_STR("a.o: my\\ dir/\\#$$a.c\n", out);
	free(out);
}

/* Nothing of ours in it: the text stays as it is. */
static void untouched(void)
{
	size_t n;
	int changed;
	char *out = hpcc_depfile_fix(gcc_plain, sizeof gcc_plain - 1, &tmp_a, 1, HDR, 0, &n,
				     &changed);

	CHECK_INT(0, changed);
	CHECK_STR(gcc_plain, out);
	free(out);
}

/* When gcc's list can differ from the plain compile's (issue 13, item 10). */
static void plain_may_differ(void)
{
	static const char dup[] = "a.o: src/a.c src/b.h src/c.h \\\n src/c.h\nsrc/b.h:\n";
	static const char once[] = "a.o: src/a.c src/b.h src/c.h\n";
	static const char other[] = "b.o: src/b.c src/c.h src/c.h\n";

	process("gcc", "-c", "-MMD", "src/a.c", NULL);
	CHECK_INT(1, hpcc_depfile_plain_differs(dup, sizeof dup - 1, "src/a.c", "src", &inv));
	CHECK_INT(0, hpcc_depfile_plain_differs(once, sizeof once - 1, "src/a.c", "src", &inv));
	/* written last by another source of the command */
	CHECK_INT(0, hpcc_depfile_plain_differs(other, sizeof other - 1, "src/a.c", "src", &inv));
	/* the folder in the user's search path, under any spelling */
	process("gcc", "-c", "-MMD", "-I./", "a.c", NULL);
	CHECK_INT(1, hpcc_depfile_plain_differs("a.o: a.c\n", 9, "a.c", ".", &inv));
	process("gcc", "-c", "-MMD", "-isystem", HPCC_SOURCE_DIR "/hpcc", "hpcc/x.c", NULL);
	CHECK_INT(0, hpcc_depfile_plain_differs("x.o: hpcc/x.c\n", 14, "hpcc/x.c", "tests",
						&inv));
	CHECK_INT(1, hpcc_depfile_plain_differs("x.o: hpcc/x.c\n", 14, "hpcc/x.c",
						HPCC_SOURCE_DIR "/hpcc", &inv));
}

static void targets(void)
{
	char *t = hpcc_depfile_target("a.o: a.c b.h\n", 13);

	CHECK_STR("a.o", t);
	free(t);
	t = hpcc_depfile_target("my\\ x.o $$y \\\n : a.c\n", 20);
	CHECK_STR("my\\ x.o $$y", t);
	free(t);
	CHECK(hpcc_depfile_target("no rule here\n", 13) == NULL);
}

/* A folder rename (from ends in '/') replaces path prefixes; clang's
 * rule and -MP rules then list a file once, as clang does. */
static void folder_renamed(void)
{
	static const char in[] = "x.o: /tmp/hpcc-Xy/1/x.c /tmp/hpcc-Xy/2/src/h.h ./h.h \\\n"
				 "  /tmp/hpcc-Xy/2/src/sub/g.h\n"
				 "\n/tmp/hpcc-Xy/2/src/h.h:\n\n./h.h:\n\n/tmp/hpcc-Xy/2/src/sub/g.h:\n";
	static const struct dep_rename r[2] = { { "/tmp/hpcc-Xy/1/x.c", "x.c" },
						{ "/tmp/hpcc-Xy/2/src/", "./" } };
	size_t n;
	int changed;
	char *out = hpcc_depfile_fix(in, sizeof in - 1, r, 2, HDR, 1, &n, &changed);

	CHECK_INT(1, changed);
	CHECK_STR("x.o: x.c ./h.h ./sub/g.h\n\n./h.h:\n\n./sub/g.h:\n", out);
	free(out);
}

TEST_MAIN(T(folder_renamed), T(paths), T(gcc_rewrapped), T(clang_rewrapped), T(escaped_paths), T(untouched),
	  T(plain_may_differ), T(targets))
