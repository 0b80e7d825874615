/* test_plan.c - the commands one instrumented compiler command becomes:
 * each command sees the -iquote of its own rewritten sources only. */
#include <stdarg.h>

#include "args.h"
#include "plan.h"
#include "test.h"

static struct invocation inv;
static struct work w[8];
static int nw;
static struct compile_plan plan;
static char joined[4096];

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
	hpcc_plan_free(&plan);
	nw = 0;
	if (hpcc_args_process(&in, &inv) != 0)
		abort();
}

/* Marks source number `k` rewritten to tmp/<n>/<base>, from `dir`. */
static void rewrite(int k, const char *tmp, const char *dir)
{
	memset(&w[nw], 0, sizeof w[nw]);
	w[nw].src = &inv.src[k];
	w[nw].tmp_path = (char *)tmp;
	w[nw].dir = (char *)dir;
	w[nw].prefix_map = (char *)"-fdebug-prefix-map=X";
	nw++;
}

static int build(int clang)
{
	struct plan_opts o = { 0 };

	o.clang = clang;
	return hpcc_plan_build(&inv, w, nw, &o, &plan);
}

/* Command `c` as one space-separated string. */
static const char *cmd(int c)
{
	int i;

	joined[0] = '\0';
	for (i = 0; i < plan.cmd[c].argc; i++) {
		if (i)
			strcat(joined, " ");
		strcat(joined, plan.cmd[c].argv[i]);
	}
	if (plan.cmd[c].argv[plan.cmd[c].argc] != NULL)
		strcpy(joined, "argv not NULL-terminated");
	return joined;
}

static void one_dir_is_one_command(void)
{
	process("gcc", "-O2", "-c", "src/a.c", "src/b.c", NULL);
	rewrite(0, "T/1/a.c", "src");
	rewrite(1, "T/2/b.c", "src");
	CHECK_INT(0, build(0));
	CHECK_INT(1, plan.n);
	CHECK_STR("gcc -iquote src -O2 -c T/1/a.c T/2/b.c -fdebug-prefix-map=X "
		  "-fdebug-prefix-map=X", cmd(0));
	CHECK_INT(0, plan.cmd[0].links);
	CHECK_STR("src", plan.cmd[0].quote_dir);
	CHECK_INT(2, plan.cmd[0].wcount);
}

/* issue 13: a/x.c must not find b/h.h */
static void two_dirs_two_commands(void)
{
	process("gcc", "-c", "a/x.c", "b/y.c", "-Iinc", NULL);
	rewrite(0, "T/1/x.c", "a");
	rewrite(1, "T/2/y.c", "b");
	CHECK_INT(0, build(0));
	CHECK_INT(2, plan.n);
	CHECK_STR("gcc -iquote a -c T/1/x.c -Iinc -fdebug-prefix-map=X", cmd(0));
	CHECK_STR("gcc -iquote b -c T/2/y.c -Iinc -fdebug-prefix-map=X", cmd(1));
	CHECK_INT(0, plan.cmd[0].wfirst);
	CHECK_INT(1, plan.cmd[1].wfirst);
	CHECK_INT(1, plan.cmd[1].wcount);
}

/* A source left alone never sees a rewritten source's -iquote; objects
 * and assembly go with any command; the order is the user's. */
static void plain_sources_apart(void)
{
	process("gcc", "-c", "a.c", "b.c", "c.s", "d.c", NULL);
	rewrite(0, "T/1/a.c", ".");
	rewrite(2, "T/2/d.c", ".");
	CHECK_INT(0, build(0));
	CHECK_INT(3, plan.n);
	CHECK_STR("gcc -iquote . -c T/1/a.c -fdebug-prefix-map=X", cmd(0));
	CHECK_STR("gcc -c b.c c.s", cmd(1));
	CHECK(plan.cmd[1].quote_dir == NULL);
	CHECK_INT(0, plan.cmd[1].wcount);
	CHECK_STR("gcc -iquote . -c T/2/d.c -fdebug-prefix-map=X", cmd(2));
	CHECK_INT(1, plan.cmd[2].wfirst);
}

/* -x keeps applying to what it applied to; none dangles after the last
 * input of a command when the user's did not. */
static void language_options(void)
{
	process("gcc", "-c", "-x", "c", "a/p.txt", "-xnone", "b/q.c", NULL);
	rewrite(0, "T/1/p.txt", "a");
	rewrite(1, "T/2/q.c", "b");
	CHECK_INT(0, build(0));
	CHECK_INT(2, plan.n);
	CHECK_STR("gcc -iquote a -c -x c T/1/p.txt -fdebug-prefix-map=X", cmd(0));
	CHECK_STR("gcc -iquote b -c -x c -xnone T/2/q.c -fdebug-prefix-map=X", cmd(1));
}

/* Linking from two folders: each rewritten source to its own object,
 * then the user's link with the objects in their places. */
static void link_two_dirs(void)
{
	process("gcc", "-o", "prog", "a/x.c", "main.c", "-x", "c", "b/y.txt", "-lm", NULL);
	rewrite(0, "T/1/x.c", "a");
	rewrite(2, "T/2/y.txt", "b");
	CHECK_INT(0, build(0));
	CHECK_INT(3, plan.n);
	CHECK_STR("gcc -iquote a T/1/x.c -lm -c -o T/1/x.o -fdebug-prefix-map=X", cmd(0));
	CHECK_STR("gcc -iquote b -x c T/2/y.txt -lm -c -o T/2/y.txt.o -fdebug-prefix-map=X",
		  cmd(1));
	CHECK_STR("gcc -o prog T/1/x.o main.c -x c -x none T/2/y.txt.o -x c -lm", cmd(2));
	CHECK_INT(1, plan.cmd[2].links);
	CHECK_INT(0, plan.cmd[2].wcount);
	CHECK_STR("T/1/x.o", plan.objs[0]);
}

/* The objects' dependency files are the ones the link would write. */
static void link_depfiles(void)
{
	process("gcc", "-MMD", "a/x.c", "b/y.c", NULL);
	rewrite(0, "T/1/x.c", "a");
	rewrite(1, "T/2/y.c", "b");
	CHECK_INT(0, build(0));
	CHECK_INT(3, plan.n);
	CHECK_STR("gcc -iquote a -MMD T/1/x.c -c -o T/1/x.o -MF a-x.d -MQ x.o "
		  "-fdebug-prefix-map=X", cmd(0));
	CHECK_STR("a-y.d", plan.deps[1]);
	hpcc_plan_free(&plan);
	CHECK_INT(0, build(1)); /* clang: x.d, and quiet about link options */
	CHECK_STR("gcc -iquote a -MMD T/1/x.c -c -o T/1/x.o -MF x.d -MQ x.o "
		  "-fdebug-prefix-map=X -Wno-unused-command-line-argument", cmd(0));

	process("gcc", "-MD", "-o", "out/prog", "a/x.c", "b/y.c", NULL);
	rewrite(0, "T/1/x.c", "a");
	rewrite(1, "T/2/y.c", "b");
	CHECK_INT(0, build(0));
	CHECK_STR("gcc -iquote b -MD T/2/y.c -c -o T/2/y.o -MF out/prog.d -MQ out/prog "
		  "-fdebug-prefix-map=X", cmd(1));

	process("gcc", "-MD", "-MF", "deps", "-MT", "t", "a/x.c", "b/y.c", NULL);
	rewrite(0, "T/1/x.c", "a");
	rewrite(1, "T/2/y.c", "b");
	CHECK_INT(0, build(0));
	CHECK_STR("gcc -iquote a -MD -MF deps -MT t T/1/x.c -c -o T/1/x.o "
		  "-fdebug-prefix-map=X", cmd(0));
}

/* One folder and nothing else the preprocessor reads: the user's command
 * as it is, the compiler does the compiling and the linking. */
static void link_one_dir(void)
{
	process("gcc", "-o", "prog", "src/x.c", "src/y.c", "lib.a", "-lm", NULL);
	rewrite(0, "T/1/x.c", "src");
	rewrite(1, "T/2/y.c", "src");
	CHECK_INT(0, build(0));
	CHECK_INT(1, plan.n);
	CHECK_INT(1, plan.cmd[0].links);
	CHECK_STR("gcc -iquote src -o prog T/1/x.c T/2/y.c lib.a -lm -fdebug-prefix-map=X "
		  "-fdebug-prefix-map=X", cmd(0));
	CHECK(plan.objs[0] == NULL);
	/* a source left alone compiles in the link, without the -iquote */
	process("gcc", "-o", "prog", "src/x.c", "src/y.c", "lib.a", "-lm", NULL);
	rewrite(0, "T/1/x.c", "src");
	CHECK_INT(0, build(0));
	CHECK_INT(2, plan.n);
	CHECK_STR("gcc -iquote src T/1/x.c -lm -c -o T/1/x.o -fdebug-prefix-map=X", cmd(0));
	CHECK_STR("gcc -o prog T/1/x.o src/y.c lib.a -lm", cmd(1));
}

/* The plain preprocessing run for a .d file: the source by its own path,
 * no -iquote, -o and -MF replaced. */
static void plain_deps_command(void)
{
	char **argv;
	int i;

	process("gcc", "-MMD", "-MF", "x.d", "-MP", "-o", "prog", "a/x.c", "b/y.c", NULL);
	rewrite(0, "T/1/x.c", "a");
	rewrite(1, "T/2/y.c", "b");
	argv = hpcc_plan_deps_argv(&inv, w, 1, "T/3/plain.d", "prog");
	CHECK(argv != NULL);
	joined[0] = '\0';
	for (i = 0; argv[i]; i++) {
		if (i)
			strcat(joined, " ");
		strcat(joined, argv[i]);
	}
	free(argv);
	CHECK_STR("gcc -MMD -MP b/y.c -E -o /dev/null -MF T/3/plain.d -MT prog", joined);
	process("gcc", "-MD", "-MFx.d", "-MT", "t", "-c", "a/x.c", NULL);
	rewrite(0, "T/1/x.c", "a");
	argv = hpcc_plan_deps_argv(&inv, w, 0, "P", "t");
	CHECK(argv != NULL);
	CHECK_STR("-MT", argv[2]);
	CHECK_STR("-E", argv[6]);
	CHECK(argv[11] == NULL);
	free(argv);
}

/* Sources whose quoted includes are redirected to their folders (no
 * -iquote) compile and link in one command as the user wrote it, from
 * any number of folders, each with its -ffile-prefix-map; a source that
 * still needs -iquote splits the command as before. */
static void redirected_sources_one_command(void)
{
	process("gcc", "--coverage", "-o", "prog", "a/x.c", "main.c", "b/y.c", NULL);
	rewrite(0, "T/1/x.c", "a");
	rewrite(2, "T/3/y.c", "b");
	w[0].no_iquote = w[1].no_iquote = 1;
	w[0].mirror_map = (char *)"-ffile-prefix-map=T/2/src/=a/";
	CHECK_INT(0, build(0));
	CHECK_INT(1, plan.n);
	CHECK_STR("gcc --coverage -o prog T/1/x.c main.c T/3/y.c -fdebug-prefix-map=X "
		  "-ffile-prefix-map=T/2/src/=a/ -fdebug-prefix-map=X", cmd(0));
	CHECK(plan.cmd[0].quote_dir == NULL);
	CHECK(hpcc_plan_lost_output(&inv, &plan, nw) == NULL);
	hpcc_plan_free(&plan);
	w[1].no_iquote = 0;
	CHECK_INT(0, build(0));
	CHECK_INT(3, plan.n);
	CHECK_STR("gcc -iquote b --coverage T/3/y.c -c -o T/3/y.o -fdebug-prefix-map=X", cmd(1));
	CHECK_STR("--coverage", hpcc_plan_lost_output(&inv, &plan, nw));
}

TEST_MAIN(T(redirected_sources_one_command), T(one_dir_is_one_command), T(two_dirs_two_commands), T(plain_sources_apart),
	  T(language_options), T(link_two_dirs), T(link_depfiles), T(link_one_dir),
	  T(plain_deps_command))
