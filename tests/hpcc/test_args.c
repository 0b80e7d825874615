/* test_args.c - classification of compiler commands (ccache's cases). */
#include <stdarg.h>
#include <unistd.h>

#include "args.h"
#include "diag.h"
#include "test.h"

static struct invocation inv;

/* Processes the NULL-terminated command; returns hpcc_args_process(). */
static int process(const char *first, ...)
{
	char *argv[64];
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
	return hpcc_args_process(&in, &inv);
}

static void compile_c(void)
{
	CHECK_INT(0, process("gcc", "-O2", "-c", "a.c", NULL));
	CHECK_INT(MODE_COMPILE, inv.mode);
	CHECK_INT(0, inv.passthrough);
	CHECK_INT(1, inv.nsrc);
	CHECK_STR("a.c", inv.src[0].path);
	CHECK_INT(3, inv.src[0].argi);
	CHECK_INT(0, inv.links);
	CHECK(inv.output == NULL);
}

static void compile_S(void)
{
	CHECK_INT(0, process("gcc", "-S", "src/a.c", "-o", "a.s", NULL));
	CHECK_INT(MODE_ASSEMBLY, inv.mode);
	CHECK_INT(0, inv.passthrough);
	CHECK_STR("a.s", inv.output);
	/* -S wins over -c */
	CHECK_INT(0, process("gcc", "-c", "-S", "a.c", NULL));
	CHECK_INT(MODE_ASSEMBLY, inv.mode);
}

static void compile_and_link(void)
{
	CHECK_INT(0, process("gcc", "-o", "prog", "a.c", "b.c", "-lm", NULL));
	CHECK_INT(MODE_LINK, inv.mode);
	CHECK_INT(0, inv.passthrough);
	CHECK_INT(1, inv.links);
	CHECK_INT(2, inv.nsrc);
	CHECK_STR("b.c", inv.src[1].path);
	CHECK_INT(4, inv.src[1].argi);
	CHECK_STR("prog", inv.output);
}

static void several_sources_compile(void)
{
	CHECK_INT(0, process("clang", "-c", "a.c", "dir/b.c", NULL));
	CHECK_INT(0, inv.passthrough);
	CHECK_INT(2, inv.nsrc);
	/* -o with several inputs is the compiler's error to report */
	CHECK_INT(0, process("gcc", "-c", "a.c", "b.c", "-o", "x.o", NULL));
	CHECK_INT(1, inv.passthrough);
}

static void link_only(void)
{
	CHECK_INT(0, process("gcc", "-o", "prog", "a.o", "b.o", "libx.a", NULL));
	CHECK_INT(0, inv.passthrough);
	CHECK_INT(1, inv.links);
	CHECK_INT(0, inv.nsrc);
	CHECK_INT(3, inv.ninputs);
	CHECK_INT(0, process("gcc", "-shared", "-o", "libx.so", "a.o", NULL));
	CHECK_INT(1, inv.links);
	CHECK_INT(1, inv.shared);
	CHECK_INT(0, inv.static_link);
	CHECK_INT(0, inv.partial_link);
}

/* How the runtime is linked depends on the kind of link; the inputs are
 * known by index (objscan looks into them). */
static void link_kinds(void)
{
	CHECK_INT(0, process("gcc", "-static", "-o", "prog", "a.o", NULL));
	CHECK_INT(1, inv.static_link);
	CHECK_INT(0, process("gcc", "-static-pie", "a.o", NULL));
	CHECK_INT(1, inv.static_link);
	CHECK_INT(0, process("gcc", "-r", "-o", "all.o", "a.o", "b.o", NULL));
	CHECK_INT(1, inv.partial_link);
	CHECK_INT(0, inv.static_link);
	CHECK_INT(2, inv.ninputs);
	CHECK_STR("a.o", inv.argv[inv.input_argi[0]]);
	CHECK_STR("b.o", inv.argv[inv.input_argi[1]]);
	CHECK_INT(0, process("gcc", "--static", "a.o", NULL));
	CHECK_INT(1, inv.static_link);
	/* ld's own spellings of a relocatable link */
	CHECK_INT(0, process("gcc", "-nostdlib", "-Wl,-r", "-o", "r.o", "a.o", NULL));
	CHECK_INT(1, inv.partial_link);
	CHECK_INT(0, process("gcc", "-Wl,--as-needed,--relocatable", "a.o", NULL));
	CHECK_INT(1, inv.partial_link);
	CHECK_INT(0, process("gcc", "-Xlinker", "-r", "a.o", NULL));
	CHECK_INT(1, inv.partial_link);
	CHECK_INT(0, process("gcc", "-Wl,-rpath,/x,-z,now", "-Xlinker", "-rpath", "a.o", NULL));
	CHECK_INT(0, inv.partial_link);
	CHECK_INT(1, inv.ninputs);
	/* -rdynamic is not -r, -static-libgcc is not -static */
	CHECK_INT(0, process("gcc", "-rdynamic", "-static-libgcc", "-o", "p", "-L", "d", "x.o", "-lm", NULL));
	CHECK_INT(0, inv.partial_link);
	CHECK_INT(0, inv.static_link);
	CHECK_INT(1, inv.ninputs);
	CHECK_STR("x.o", inv.argv[inv.input_argi[0]]);
}

static void preprocess_and_deps_only(void)
{
	CHECK_INT(0, process("gcc", "-E", "a.c", NULL));
	CHECK_INT(MODE_PREPROCESS, inv.mode);
	CHECK_INT(1, inv.passthrough);
	CHECK_INT(0, process("gcc", "-M", "a.c", NULL));
	CHECK_INT(1, inv.passthrough);
	CHECK_INT(0, process("gcc", "-MM", "-MF", "a.d", "a.c", NULL));
	CHECK_INT(1, inv.passthrough);
	CHECK_INT(0, process("gcc", "-c", "-E", "a.c", NULL));
	CHECK_INT(MODE_PREPROCESS, inv.mode);
}

static void syntax_only(void)
{
	CHECK_INT(0, process("gcc", "-fsyntax-only", "a.c", NULL));
	CHECK_INT(MODE_SYNTAX, inv.mode);
	CHECK_INT(1, inv.passthrough);
}

static void language_option(void)
{
	CHECK_INT(0, process("gcc", "-c", "-x", "c", "file.txt", NULL));
	CHECK_INT(1, inv.nsrc);
	CHECK_STR("file.txt", inv.src[0].path);
	CHECK_INT(0, process("gcc", "-c", "-xc", "file.txt", NULL));
	CHECK_INT(1, inv.nsrc);
	CHECK_INT(0, process("gcc", "-c", "-x", "c", "a.inc", "-x", "none", "b.s", "c.c", NULL));
	CHECK_INT(2, inv.nsrc);
	CHECK_STR("a.inc", inv.src[0].path);
	CHECK_STR("c.c", inv.src[1].path);
	CHECK_INT(0, process("gcc", "-c", "-x", "c++", "a.c", NULL));
	CHECK_INT(0, inv.nsrc);
	CHECK_INT(1, inv.passthrough);
	CHECK_INT(0, process("gcc", "-c", "-x", "assembler-with-cpp", "a.c", NULL));
	CHECK_INT(0, inv.nsrc);
}

static void non_c_inputs(void)
{
	CHECK_INT(0, process("gcc", "-c", "a.s", NULL));
	CHECK_INT(1, inv.passthrough);
	CHECK_INT(0, process("gcc", "-c", "a.S", NULL));
	CHECK_INT(1, inv.passthrough);
	CHECK_INT(0, process("gcc", "-c", "a.cpp", NULL));
	CHECK_INT(1, inv.passthrough);
	CHECK_INT(0, process("gcc", "-c", "a.i", NULL));
	CHECK_INT(1, inv.passthrough);
	CHECK_INT(0, process("gcc", "-c", "x.c.txt", NULL));
	CHECK_INT(0, inv.nsrc);
	CHECK_INT(0, process("gcc", "-o", "prog", "a.c", "b.s", "c.o", "d.a", "e.so", NULL));
	CHECK_INT(1, inv.nsrc);
	CHECK_INT(5, inv.ninputs);
	CHECK_INT(1, inv.links);
	/* a directory with a dot does not make an extension */
	CHECK_INT(0, process("gcc", "-c", "dir.c/file", NULL));
	CHECK_INT(0, inv.nsrc);
}

static void output_spellings(void)
{
	CHECK_INT(0, process("gcc", "-c", "a.c", "-o", "out/a.o", NULL));
	CHECK_STR("out/a.o", inv.output);
	CHECK_INT(0, process("gcc", "-c", "a.c", "-oout/b.o", NULL));
	CHECK_STR("out/b.o", inv.output);
	CHECK_INT(1, inv.nsrc);
	CHECK_INT(0, process("gcc", "-c", "a.c", "-o", "/dev/null", NULL));
	CHECK_STR("/dev/null", inv.output);
	CHECK_INT(0, inv.passthrough);
	/* the value of -o is never an input, even if it looks like a source */
	CHECK_INT(0, process("gcc", "-o", "x.c", "a.o", NULL));
	CHECK_INT(0, inv.nsrc);
	CHECK_INT(1, inv.ninputs);
}

static void option_values_are_not_inputs(void)
{
	CHECK_INT(0, process("gcc", "-c", "-I", "inc.c", "-include", "pre.c", "-MF",
			     "x.c", "-MT", "t.c", "-D", "X", "a.c", NULL));
	CHECK_INT(1, inv.nsrc);
	CHECK_STR("a.c", inv.src[0].path);
	CHECK_INT(1, inv.ninputs);
	CHECK_STR("x.c", inv.dep_file);
	CHECK_INT(1, inv.dep_target);
}

static void parse_flags(void)
{
	CHECK_INT(0, process("gcc", "-c", "-Iinc", "-I", "inc2", "-DX=1", "-U", "Y",
			     "-std=gnu11", "-O2", "-Wall", "-include", "cfg.h",
			     "-isystem", "sys", "-iquote", "q", "-funsigned-char",
			     "a.c", NULL));
	CHECK_INT(14, inv.parse_argc);
	CHECK_STR("-Iinc", inv.parse_argv[0]);
	CHECK_STR("-I", inv.parse_argv[1]);
	CHECK_STR("inc2", inv.parse_argv[2]);
	CHECK_STR("-DX=1", inv.parse_argv[3]);
	CHECK_STR("-U", inv.parse_argv[4]);
	CHECK_STR("Y", inv.parse_argv[5]);
	CHECK_STR("-std=gnu11", inv.parse_argv[6]);
	CHECK_STR("-include", inv.parse_argv[7]);
	CHECK_STR("cfg.h", inv.parse_argv[8]);
	CHECK_STR("-funsigned-char", inv.parse_argv[13]);
	CHECK(inv.parse_argv[14] == NULL);
}

static void dep_flags(void)
{
	CHECK_INT(0, process("gcc", "-c", "-MD", "a.c", NULL));
	CHECK_INT(1, inv.dep);
	CHECK(inv.dep_file == NULL);
	CHECK_INT(0, inv.dep_target);
	CHECK_INT(0, process("gcc", "-c", "-MMD", "-MP", "-MFdeps/a.d", "-MQ", "$(O)/a.o",
			     "a.c", NULL));
	CHECK_INT(1, inv.dep);
	CHECK_STR("deps/a.d", inv.dep_file);
	CHECK_INT(1, inv.dep_target);
	CHECK_INT(0, inv.passthrough);
	/* deps through -Wp, are too hard, as for ccache */
	CHECK_INT(0, process("gcc", "-c", "-Wp,-MD,a.d", "a.c", NULL));
	CHECK_INT(1, inv.passthrough);
}

static void stdin_input(void)
{
	CHECK_INT(0, process("gcc", "-c", "-x", "c", "-", "-o", "a.o", NULL));
	CHECK_INT(1, inv.passthrough);
}

static void double_dash(void)
{
	CHECK_INT(0, process("clang", "-c", "--", "-weird.c", NULL));
	CHECK_INT(1, inv.nsrc);
	CHECK_STR("-weird.c", inv.src[0].path);
	CHECK_INT(0, inv.passthrough);
}

static void save_temps(void)
{
	CHECK_INT(0, process("gcc", "-save-temps", "-c", "a.c", NULL));
	CHECK_INT(0, inv.passthrough);
	CHECK_INT(1, inv.nsrc);
}

static void version_and_info(void)
{
	CHECK_INT(0, process("gcc", "--version", NULL));
	CHECK_INT(1, inv.passthrough);
	CHECK_INT(0, process("gcc", "-v", NULL));
	CHECK_INT(1, inv.passthrough);
	CHECK_INT(0, process("gcc", "-dumpversion", NULL));
	CHECK_INT(1, inv.passthrough);
	CHECK_INT(0, process("gcc", "-dumpmachine", NULL));
	CHECK_INT(1, inv.passthrough);
	CHECK_INT(0, process("gcc", "-print-file-name=libc.so", NULL));
	CHECK_INT(1, inv.passthrough);
	CHECK_INT(0, process("gcc", "-print-search-dirs", NULL));
	CHECK_INT(1, inv.passthrough);
	CHECK_INT(0, process("gcc", "--version", "a.c", NULL));
	CHECK_INT(1, inv.passthrough);
	CHECK_INT(0, process("gcc", "-###", "-c", "a.c", NULL));
	CHECK_INT(1, inv.passthrough);
	/* -v with a source compiles (verbosely) */
	CHECK_INT(0, process("gcc", "-v", "-c", "a.c", NULL));
	CHECK_INT(0, inv.passthrough);
	CHECK_INT(0, process("gcc", NULL));
	CHECK_INT(1, inv.passthrough);
}

static void too_hard(void)
{
	CHECK_INT(0, process("clang", "-c", "-Xclang", "-load", "a.c", NULL));
	CHECK_INT(1, inv.passthrough);
	CHECK_STR("-Xclang", inv.unsupported);
	CHECK_INT(0, process("gcc", "-c", "-I-", "a.c", NULL));
	CHECK_INT(1, inv.passthrough);
	CHECK_STR("-I-", inv.unsupported);
	CHECK_INT(0, process("gcc", "-c", "-Wp,-MD,a.d", "a.c", NULL));
	CHECK_STR("-Wp,-MD,a.d", inv.unsupported);
	CHECK_INT(0, process("gcc", "-c", "a.c", "-o", NULL));
	CHECK_INT(1, inv.passthrough);
}

static void diag_color(void)
{
	CHECK_INT(0, process("gcc", "-c", "a.c", NULL));
	CHECK_INT(0, inv.diag_color);
	CHECK_INT(0, process("gcc", "-fdiagnostics-color=never", "-c", "a.c", NULL));
	CHECK_INT(HPCC_COLOR_NEVER, inv.diag_color);
	CHECK_INT(0, process("clang", "-fno-color-diagnostics", "-c", "a.c", NULL));
	CHECK_INT(HPCC_COLOR_NEVER, inv.diag_color);
	CHECK_INT(0, process("gcc", "-fno-diagnostics-color", "-c", "a.c", NULL));
	CHECK_INT(HPCC_COLOR_NEVER, inv.diag_color);
	/* which one hpcc's own lines follow (issue 12, item 9); the last wins */
	CHECK_INT(0, process("gcc", "-fdiagnostics-color=never", "-fdiagnostics-color=always",
			     "-c", "a.c", NULL));
	CHECK_INT(HPCC_COLOR_ALWAYS, inv.diag_color);
	CHECK_INT(0, process("gcc", "-fdiagnostics-color", "-c", "a.c", NULL));
	CHECK_INT(HPCC_COLOR_ALWAYS, inv.diag_color);
	CHECK_INT(0, process("clang", "-fcolor-diagnostics", "-c", "a.c", NULL));
	CHECK_INT(HPCC_COLOR_ALWAYS, inv.diag_color);
	CHECK_INT(0, process("gcc", "-fdiagnostics-color=auto", "-c", "a.c", NULL));
	CHECK_INT(HPCC_COLOR_AUTO_GIVEN, inv.diag_color);
}

static char *write_tmp(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	strcpy(path, "/tmp/hpcc-test-args-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void response_file(void)
{
	char at[80], *path = write_tmp("-c 'my dir/a.c' -o\n\"out put.o\" -DX=\\\"y\\\"\n");

	CHECK(path != NULL);
	snprintf(at, sizeof at, "@%s", path);
	CHECK_INT(0, process("gcc", "-O2", at, "-g", NULL));
	unlink(path);
	CHECK_INT(0, inv.passthrough);
	CHECK_INT(8, inv.argc);
	CHECK_STR("-O2", inv.argv[1]);
	CHECK_STR("-c", inv.argv[2]);
	CHECK_STR("my dir/a.c", inv.argv[3]);
	CHECK_STR("out put.o", inv.argv[5]);
	CHECK_STR("-DX=\"y\"", inv.argv[6]);
	CHECK_STR("-g", inv.argv[7]);
	CHECK(inv.argv[8] == NULL);
	CHECK_INT(1, inv.nsrc);
	CHECK_STR("my dir/a.c", inv.src[0].path);
	CHECK_INT(3, inv.src[0].argi);
	CHECK_STR("out put.o", inv.output);
}

static void nested_response_file(void)
{
	char at[80], inner_at[80], inner[64], *p;

	p = write_tmp("b.c");
	CHECK(p != NULL);
	strcpy(inner, p);
	snprintf(inner_at, sizeof inner_at, "-c @%s", inner);
	p = write_tmp(inner_at);
	snprintf(at, sizeof at, "@%s", p);
	CHECK_INT(0, process("gcc", at, NULL));
	unlink(p);
	unlink(inner);
	CHECK_INT(1, inv.nsrc);
	CHECK_STR("b.c", inv.src[0].path);
	CHECK_INT(MODE_COMPILE, inv.mode);
}

static void missing_response_file(void)
{
	CHECK_INT(0, process("gcc", "-c", "@/nonexistent/hpcc-rsp", "a.c", NULL));
	CHECK_INT(1, inv.passthrough);
	CHECK_STR("unreadable @response file", inv.why);
}

static void split_quoting(void)
{
	char **v = NULL;
	int n = 0, i;

	CHECK_INT(0, hpcc_args_split("  a\t'b c'  \"d\\\"e\" f\\ g ''\n", &v, &n));
	CHECK_INT(5, n);
	CHECK_STR("a", v[0]);
	CHECK_STR("b c", v[1]);
	CHECK_STR("d\"e", v[2]);
	CHECK_STR("f g", v[3]);
	CHECK_STR("", v[4]);
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void hpcc_options(void)
{
	struct hpcc_opts o;
	int at = -1;
	char *a1[] = { "hpcc", "--instrument=all", "--strict", "--keep", "-v", "--alloc",
		       "gcc", "-c", "a.c", NULL };
	char *a2[] = { "hpcc", "gcc", "-v", NULL };
	char *a3[] = { "hpcc", "--bogus", "gcc", NULL };
	char *a4[] = { "hpcc", "--help", NULL };
	char *a5[] = { "hpcc", "--version", NULL };
	char *a6[] = { "hpcc", "-v", NULL };
	char *a7[] = { "hpcc", "--instrument=some", "gcc", NULL };

	unsetenv("HPCC_INSTRUMENT");
	unsetenv("HPCC_STRICT");
	unsetenv("HPCC_KEEP");
	unsetenv("HPCC_DEBUG");
	unsetenv("HPCC_ALLOC");
	CHECK_INT(OPTS_RUN, hpcc_opts_parse(9, a1, &o, &at));
	CHECK_INT(6, at);
	CHECK_INT(1, o.alloc);
	CHECK_INT(1, o.instrument_all);
	CHECK_INT(1, o.strict);
	CHECK_INT(1, o.keep);
	CHECK_INT(1, o.verbose);
	/* -v after the compiler is the compiler's */
	CHECK_INT(OPTS_RUN, hpcc_opts_parse(3, a2, &o, &at));
	CHECK_INT(1, at);
	CHECK_INT(0, o.verbose);
	CHECK_INT(OPTS_ERROR, hpcc_opts_parse(3, a3, &o, &at));
	CHECK_INT(OPTS_HELP, hpcc_opts_parse(2, a4, &o, &at));
	CHECK_INT(OPTS_VERSION, hpcc_opts_parse(2, a5, &o, &at));
	CHECK_INT(OPTS_ERROR, hpcc_opts_parse(2, a6, &o, &at));
	CHECK_INT(OPTS_ERROR, hpcc_opts_parse(3, a7, &o, &at));
}

static void exclude_globs(void)
{
	struct hpcc_opts o;
	int at;
	char *a[] = { "hpcc", "--exclude=tiny_*", "--exclude-file=gen/*.c",
		      "--exclude=get?", "gcc", "-c", "x.c", NULL };

	setenv("HPCC_EXCLUDE", ",a,,b*,", 1);
	setenv("HPCC_EXCLUDE_FILE", "parser.c", 1);
	CHECK_INT(OPTS_RUN, hpcc_opts_parse(7, a, &o, &at));
	CHECK_INT(4, at);
	/* the environment's items first (empty ones skipped), then the flags */
	CHECK_INT(4, o.nexclude);
	CHECK_STR("a", o.exclude[0]);
	CHECK_STR("b*", o.exclude[1]);
	CHECK_STR("tiny_*", o.exclude[2]);
	CHECK_STR("get?", o.exclude[3]);
	CHECK_INT(2, o.nexclude_file);
	CHECK_STR("parser.c", o.exclude_file[0]);
	CHECK_STR("gen/*.c", o.exclude_file[1]);
	hpcc_opts_free(&o);
	CHECK_INT(0, o.nexclude);
	unsetenv("HPCC_EXCLUDE");
	unsetenv("HPCC_EXCLUDE_FILE");
	CHECK_INT(OPTS_RUN, hpcc_opts_parse(7, a, &o, &at));
	CHECK_INT(2, o.nexclude);
	CHECK_INT(1, o.nexclude_file);
	hpcc_opts_free(&o);
}

/* A failed parse keeps nothing: the globs read before the error are freed
 * (the ASan tree's leak checker saw them lost). */
static void opts_error_frees(void)
{
	struct hpcc_opts o;
	int at;
	char *a[] = { "hpcc", "--exclude=x*", "--exclude-file=y", "--bogus", "gcc", NULL };
	char *b[] = { "hpcc", "--exclude=x*", "--help", NULL };

	setenv("HPCC_EXCLUDE", "a,b", 1);
	CHECK_INT(OPTS_ERROR, hpcc_opts_parse(5, a, &o, &at));
	CHECK_INT(0, o.nexclude);
	CHECK(o.exclude == NULL && o.exclude_file == NULL);
	CHECK_INT(OPTS_HELP, hpcc_opts_parse(3, b, &o, &at));
	CHECK(o.exclude == NULL);
	unsetenv("HPCC_EXCLUDE");
}

/* `hpcc hpcc gcc` (CC="hpcc gcc" under an hpcc launcher) is `hpcc gcc`,
 * and the inner hpcc's options count too. */
static void nested_hpcc(void)
{
	struct hpcc_opts o;
	int at;
	char *a[] = { "hpcc", "hpcc", "gcc", "-c", "x.c", NULL };
	char *b[] = { "hpcc", "--alloc", "/opt/bin/hpcc", "--strict", "hpcc", "gcc", NULL };
	char *c[] = { "hpcc", "hpcc", NULL };
	char *d[] = { "hpcc", "hpcc-gcc", "-c", NULL };

	CHECK_INT(OPTS_RUN, hpcc_opts_parse(5, a, &o, &at));
	CHECK_INT(2, at);
	CHECK_INT(OPTS_RUN, hpcc_opts_parse(6, b, &o, &at));
	CHECK_INT(5, at);
	CHECK_INT(1, o.alloc);
	CHECK_INT(1, o.strict);
	CHECK_INT(OPTS_ERROR, hpcc_opts_parse(2, c, &o, &at));
	CHECK_INT(OPTS_RUN, hpcc_opts_parse(3, d, &o, &at));
	CHECK_INT(1, at);
}

static void hpcc_env(void)
{
	struct hpcc_opts o;
	int at;
	char *a[] = { "hpcc", "gcc", NULL };
	char *b[] = { "hpcc", "--instrument=annotated", "gcc", NULL };

	setenv("HPCC_INSTRUMENT", "all", 1);
	setenv("HPCC_STRICT", "1", 1);
	setenv("HPCC_DEBUG", "1", 1);
	setenv("HPCC_KEEP", "0", 1);
	setenv("HPCC_ALLOC", "1", 1);
	CHECK_INT(OPTS_RUN, hpcc_opts_parse(2, a, &o, &at));
	CHECK_INT(1, o.alloc);
	CHECK_INT(1, o.instrument_all);
	CHECK_INT(1, o.strict);
	CHECK_INT(1, o.verbose);
	CHECK_INT(0, o.keep);
	/* the command line wins over the environment */
	hpcc_opts_free(&o);
	CHECK_INT(OPTS_RUN, hpcc_opts_parse(3, b, &o, &at));
	CHECK_INT(0, o.instrument_all);
	hpcc_opts_free(&o);
	setenv("HPCC_INSTRUMENT", "bogus", 1);
	CHECK_INT(OPTS_ERROR, hpcc_opts_parse(2, a, &o, &at));
	unsetenv("HPCC_INSTRUMENT");
	unsetenv("HPCC_STRICT");
	unsetenv("HPCC_DEBUG");
	unsetenv("HPCC_KEEP");
	unsetenv("HPCC_ALLOC");
}

TEST_MAIN(T(compile_c), T(compile_S), T(opts_error_frees), T(nested_hpcc), T(compile_and_link), T(several_sources_compile),
	  T(link_only), T(link_kinds), T(preprocess_and_deps_only), T(syntax_only), T(language_option),
	  T(non_c_inputs), T(output_spellings), T(option_values_are_not_inputs),
	  T(parse_flags), T(dep_flags), T(stdin_input), T(double_dash), T(save_temps),
	  T(version_and_info), T(too_hard), T(diag_color), T(response_file),
	  T(nested_response_file), T(missing_response_file), T(split_quoting),
	  T(hpcc_options), T(hpcc_env), T(exclude_globs))
