/* test_link.c - where the runtime goes in a link command. */
#include "link.h"
#include "test.h"

static char joined[2048];

static const char *join(char **v)
{
	size_t n = 0;
	int i;

	joined[0] = '\0';
	for (i = 0; v && v[i]; i++)
		n += (size_t)snprintf(joined + n, sizeof joined - n, "%s%s", i ? " " : "", v[i]);
	return joined;
}

static char *argv_[] = { "ccache", "gcc", "-x", "c", "p.c", "-lc", "-o", "p", NULL };

static void shared_used_gets_runpath_last(void)
{
	struct runtime_link rt = { "/L/libhotpath.so.1", NULL, "/L", 0, 0 };
	char **v = hpcc_link_command(argv_ + 1, 7, 1, &rt, 1, 1);

	CHECK_STR("gcc -x c p.c -lc -o p -Wl,--push-state,--no-as-needed /L/libhotpath.so.1 "
		  "-Wl,--pop-state -Xlinker -rpath -Xlinker /L -pthread", join(v));
	free(v);
}

/* after -x c, the runtime would be read as C: -x none first */
static void x_option_ends_its_scope(void)
{
	struct runtime_link rt = { "/L/libhotpath.so.1", NULL, "/L", 0, 1 };
	char **v = hpcc_link_command(argv_ + 1, 7, 1, &rt, 0, 1);

	CHECK_STR("gcc -x c p.c -lc -o p -x none -Wl,--push-state,--as-needed "
		  "/L/libhotpath.so.1 -Wl,--pop-state", join(v));
	free(v);
}

/* --alloc: the interposer right after the launcher and the compiler,
 * before -lc; statically, whole-archive at the end */
static void alloc_first_or_whole_archive(void)
{
	struct runtime_link rt = { "/L/libhotpath.so.1", "/L/libhotpath_alloc.so.1", "/L", 0, 0 };
	struct runtime_link st = { "/L/libhotpath.a", "/L/libhotpath_alloc.a", NULL, 1, 0 };
	char **v = hpcc_link_command(argv_, 8, 2, &rt, 1, 1);

	CHECK_STR("ccache gcc -Wl,--push-state,--no-as-needed /L/libhotpath_alloc.so.1 "
		  "-Wl,--pop-state -x c p.c -lc -o p -Wl,--push-state,--no-as-needed "
		  "/L/libhotpath.so.1 -Wl,--pop-state -Xlinker -rpath -Xlinker /L -pthread",
		  join(v));
	free(v);
	v = hpcc_link_command(argv_, 8, 2, &st, 1, 1);
	CHECK_STR("ccache gcc -x c p.c -lc -o p -Wl,--whole-archive /L/libhotpath_alloc.a "
		  "-Wl,--no-whole-archive /L/libhotpath.a -pthread", join(v));
	free(v);
}

/* a command that does not link, or no runtime (-r): as it is */
static void no_link_no_runtime(void)
{
	struct runtime_link rt = { "/L/libhotpath.so.1", "/L/a.so", "/L", 0, 0 };
	struct runtime_link none = { 0 };
	char **v = hpcc_link_command(argv_ + 1, 7, 1, &rt, 1, 0);

	CHECK_STR("gcc -x c p.c -lc -o p", join(v));
	free(v);
	v = hpcc_link_command(argv_ + 1, 7, 1, &none, 1, 1);
	CHECK_STR("gcc -x c p.c -lc -o p", join(v));
	free(v);
}

TEST_MAIN(T(shared_used_gets_runpath_last), T(x_option_ends_its_scope),
	  T(alloc_first_or_whole_archive), T(no_link_no_runtime))
