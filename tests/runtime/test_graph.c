/* test_graph.c - self time, call edges, call paths, non-local exits,
 * reentrancy and the extra output formats (issue 6, issue 5's longjmp and
 * signal items), end to end: each test re-runs this binary as a scenario
 * child (child.h) and checks exact structure and counts.  With
 * HOTPATH_CLOCK=monotonic ticks are ns, so sums of the same measurements
 * are exact; nothing here compares a time with a constant. */
#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include "test.h"

#include "buf.h"
#include "child.h"
#include "child_json.h"
#include "hotpath.h"

#if defined(__SANITIZE_THREAD__)
#define DEPTH 30000
#else
#define DEPTH 100000
#endif

static void spin(unsigned long n)
{
	volatile unsigned long sink = 0; /* per call: threads spin too */
	unsigned long i;

	for (i = 0; i < n; i++)
		sink += i;
}

/* ---- scenarios ---- */

static __attribute__((noinline)) void leaf_c(void)
{
	HP_FUNCTION(1, "leaf_c", 1);
	spin(1000);
}

static __attribute__((noinline)) void mid_b(void)
{
	HP_FUNCTION(2, "mid_b", 2);
	spin(2000);
	leaf_c();
	{
		HP_BLOCK(3, "b_block", 3);
		spin(500);
		leaf_c();
	}
}

static __attribute__((noinline)) void top_a(void)
{
	HP_FUNCTION(4, "top_a", 4);
	spin(3000);
	mid_b();
	mid_b();
	leaf_c();
}

static __attribute__((noinline)) unsigned long rec(unsigned long n)
{
	HP_FUNCTION(5, "rec", 5);
	spin(100);
	return n ? 1 + rec(n - 1) : 0;
}

static int child_tree(void)
{
	HP_MAIN(6, "main", 6, "");
	int i;
	for (i = 0; i < 3; i++)
		top_a();
	for (i = 0; i < 4; i++)
		rec(5);
	return 0;
}

static jmp_buf jb;
static unsigned long depth_after;

static __attribute__((noinline)) void thrower(void)
{
	HP_FUNCTION(10, "thrower", 10);
	spin(50);
	longjmp(jb, 1);
}

static __attribute__((noinline)) void middle(void)
{
	HP_FUNCTION(11, "middle", 11);
	leaf_c(); /* finishes: keeps its own row and self time */
	thrower();
}

static __attribute__((noinline)) void upper(void)
{
	HP_FUNCTION(12, "upper", 12);
	middle();
}

/* Catches at its own level, then returns normally: the exit notices. */
static __attribute__((noinline)) int catcher(void)
{
	HP_FUNCTION(13, "catcher", 13);
	if (setjmp(jb) == 0) {
		upper();
		return 0;
	}
	return 1;
}

/* Catches repeatedly without returning: entries notice. */
static __attribute__((noinline)) int looper(int n)
{
	HP_FUNCTION(14, "looper", 14);
	volatile int caught = 0;
	unsigned long before = hp_tls_buf->depth;
	if (setjmp(jb))
		caught++;
	if (caught < n) {
		if (hp_tls_buf->depth > before + 3)
			return -1; /* abandoned calls pile up */
		upper();
	}
	return caught;
}

/* Lua's pattern: a protected call through a function pointer. */
static jmp_buf *lua_jb;

static __attribute__((noinline)) void lua_error(void)
{
	HP_FUNCTION(20, "lua_error", 20);
	longjmp(*lua_jb, 1);
}

static __attribute__((noinline)) void lua_fails(void *ud)
{
	HP_FUNCTION(21, "lua_fails", 21);
	(void)ud;
	leaf_c();
	lua_error();
}

static __attribute__((noinline)) void lua_works(void *ud)
{
	HP_FUNCTION(22, "lua_works", 22);
	(void)ud;
	leaf_c();
}

static __attribute__((noinline)) int rawrunprotected(void (*f)(void *), void *ud)
{
	HP_FUNCTION(23, "rawrunprotected", 23);
	jmp_buf here, *old = lua_jb;
	volatile int status = 0;
	lua_jb = &here;
	if (setjmp(here) == 0)
		f(ud);
	else
		status = 1;
	lua_jb = old;
	return status;
}

static __attribute__((noinline)) int pcall(void (*f)(void *))
{
	HP_FUNCTION(24, "pcall", 24);
	return rawrunprotected(f, NULL);
}

static int child_longjmp(void)
{
	HP_MAIN(15, "main", 15, "");
	unsigned long base = hp_tls_buf->depth;
	int i, errors = 0;
	for (i = 0; i < 1000; i++)
		if (catcher() != 1)
			return 2;
	if (looper(1000) != 1000)
		return 3;
	for (i = 0; i < 3000; i++)
		errors += pcall(i % 3 ? lua_works : lua_fails);
	if (errors != 1000)
		return 4;
	depth_after = hp_tls_buf->depth;
	return depth_after == base ? 0 : 5;
}

/* Objects built by earlier hpcc run with this runtime in one process:
 * their guards, spelt out as the earlier hotpath.h expanded them (the
 * depth guard with hp_enter's four arguments, and the first two-word
 * guard with __builtin_frame_address), mixed with today's in one call
 * tree and across longjmp.  Every frame identity must compare with every
 * other: an old caller's tiny frame right above a new callee's, too. */
#define OLD_DEPTH_FUNCTION(id, name, line)                              \
	HP_SITE_(id, name, line, HP_KIND_FUNCTION);                         \
	unsigned long hp_frame_##id __attribute__((cleanup(hp_leave_depth))) = \
		hp_enter(&hp_site_##id, &hp_frame_##id, HP_CFA_,                \
			 __builtin_return_address(0))
#define OLD_FRAME_FUNCTION(id, name, line)                              \
	HP_SITE_(id, name, line, HP_KIND_FUNCTION);                         \
	struct hp_frame hp_frame_##id __attribute__((cleanup(hp_leave))) = { \
		&hp_site_##id,                                                  \
		hp_enter(&hp_site_##id, &hp_frame_##id,                         \
			 __builtin_frame_address(0), __builtin_return_address(0)) }

static __attribute__((noinline)) void c_oldleaf(void)
{
	OLD_FRAME_FUNCTION(50, "c_oldleaf", 50);
	spin(10);
}

static __attribute__((noinline)) void c_newmid(void)
{
	HP_FUNCTION(51, "c_newmid", 51);
	c_oldleaf();
	leaf_c();
}

static __attribute__((noinline)) void c_oldtop(void)
{
	OLD_DEPTH_FUNCTION(52, "c_oldtop", 52);
	c_newmid();
}

static __attribute__((noinline)) void c_thrower(void)
{
	OLD_FRAME_FUNCTION(53, "c_thrower", 53);
	spin(5);
	longjmp(jb, 1);
}

static __attribute__((noinline)) void c_middle(void)
{
	HP_FUNCTION(54, "c_middle", 54);
	c_oldleaf();
	c_thrower();
}

static __attribute__((noinline)) void c_upper(void)
{
	OLD_DEPTH_FUNCTION(55, "c_upper", 55);
	c_middle();
}

/* looper's pattern, one old and one new: entries notice. */
static __attribute__((noinline)) int c_oldlooper(int n)
{
	OLD_DEPTH_FUNCTION(56, "c_oldlooper", 56);
	volatile int caught = 0;
	unsigned long before = hp_tls_buf->depth;
	if (setjmp(jb))
		caught++;
	if (caught < n) {
		if (hp_tls_buf->depth > before + 3)
			return -1;
		c_upper();
	}
	return caught;
}

static __attribute__((noinline)) int c_newlooper(int n)
{
	HP_FUNCTION(57, "c_newlooper", 57);
	volatile int caught = 0;
	unsigned long before = hp_tls_buf->depth;
	if (setjmp(jb))
		caught++;
	if (caught < n) {
		if (hp_tls_buf->depth > before + 3)
			return -1;
		c_upper();
	}
	return caught;
}

/* Today's guard records the frame identity and return address that the
 * earlier guards passed: __builtin_frame_address(0) and
 * __builtin_return_address(0). */
static __attribute__((noinline)) int c_identity(void)
{
	HP_FUNCTION(59, "c_identity", 59);
	const struct hp_shadow *sh = &hp_tls_buf->shadow[hp_frame_59 - 1];
	return sh->cfa == (uintptr_t)__builtin_frame_address(0) &&
	       sh->ret == (uintptr_t)__builtin_return_address(0);
}

static int child_compat(void)
{
	HP_MAIN(58, "main", 58, "");
	unsigned long base = hp_tls_buf->depth;
	int i;
	if (!c_identity())
		return 5;
	for (i = 0; i < 100; i++)
		c_oldtop();
	if (c_oldlooper(100) != 100)
		return 2;
	if (c_newlooper(100) != 100)
		return 3;
	return hp_tls_buf->depth == base ? 0 : 4;
}

static void *deep_thread(void *arg)
{
	*(unsigned long *)arg = rec(DEPTH - 1);
	return NULL;
}

/* On a thread with a big stack, as the main thread's may be too small. */
static int child_deep(void)
{
	HP_MAIN(30, "main", 30, "");
	pthread_attr_t attr;
	pthread_t t;
	unsigned long n = 0;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, (size_t)512 << 20);
	if (pthread_create(&t, &attr, deep_thread, &n))
		return 2;
	pthread_join(t, NULL);
	return n == DEPTH - 1 ? 0 : 1;
}

static void *trace_thread(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 40; i++)
		top_a();
	return NULL;
}

static int child_threads(void)
{
	HP_MAIN(31, "main", 31, "");
	pthread_t t[2];
	int i;
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, trace_thread, NULL);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	top_a();
	return 0;
}

/* Reentrancy: SIGALRM every 50 us calls a measured function while the
 * main flow is in measured code. */
static volatile sig_atomic_t in_handler_calls;

static __attribute__((noinline)) void in_handler(void)
{
	HP_FUNCTION(40, "in_handler", 40);
	spin(20);
}

static void on_alarm(int sig)
{
	(void)sig;
	in_handler();
	in_handler_calls++;
}

static int child_signal(void)
{
	HP_MAIN(41, "main", 41, "");
	struct itimerval it = { { 0, 50 }, { 0, 50 } };
	struct sigaction sa;
	long calls = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	while (in_handler_calls < 3000 && calls < 20000000) {
		leaf_c();
		calls++;
	}
	memset(&it, 0, sizeof it);
	setitimer(ITIMER_REAL, &it, NULL);
	signal(SIGALRM, SIG_IGN);
	{
		FILE *f = fopen(getenv("HPTEST_COUNTS"), "w");

		if (!f)
			return 2;
		fprintf(f, "%ld %ld\n", calls, (long)in_handler_calls);
		fclose(f);
	}
	return 0;
}

static const struct scenario scenarios[] = {
	{ "tree", child_tree },
	{ "longjmp", child_longjmp },
	{ "compat", child_compat },
	{ "deep", child_deep },
	{ "threads", child_threads },
	{ "signal", child_signal },
};

__attribute__((constructor)) static void child_dispatch(void)
{
	run_scenario(scenarios, sizeof scenarios / sizeof scenarios[0]);
}

/* ---- helpers ---- */

static void run_child(const char *name, const char *const *env, struct run *r)
{
	run_child_wrapped(name, env, NULL, r);
}

static uint64_t u64(cJSON *o, const char *key)
{
	return (uint64_t)num(o, key);
}

static cJSON *edge(cJSON *root, const char *caller, const char *callee)
{
	cJSON *e;

	cJSON_ArrayForEach(e, cJSON_GetObjectItem(root, "edges"))
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "caller")), caller) == 0 &&
		    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "callee")), callee) == 0)
			return e;
	return NULL;
}

/* Sum of self over all rows. */
static uint64_t self_sum(cJSON *root)
{
	uint64_t n = 0;
	cJSON *fn;

	cJSON_ArrayForEach(fn, cJSON_GetObjectItem(root, "functions"))
		n += u64(fn, "self_ns");
	return n;
}

/* For every row: self <= total and self + sum(total of edges from it) ==
 * total + recursive (edges count every call, as the row's calls and
 * recursive_ns do); returns the first row's name that breaks it, or
 * NULL. */
static const char *broken_identity(cJSON *root)
{
	cJSON *fn, *e;

	cJSON_ArrayForEach(fn, cJSON_GetObjectItem(root, "functions")) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(fn, "name"));
		uint64_t children = 0;

		if (u64(fn, "self_ns") > u64(fn, "total_ns"))
			return name;
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(root, "edges"))
			if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "caller")), name) == 0)
				children += u64(e, "total_ns");
		if (u64(fn, "self_ns") + children !=
		    u64(fn, "total_ns") + u64(fn, "recursive_ns"))
			return name;
	}
	return NULL;
}

static const char *const monotonic[] = { "HOTPATH_CLOCK=monotonic", NULL };

/* ---- tests ---- */

static void self_time_exact_on_a_tree(void)
{
	struct run r;
	cJSON *root;
	const char *bad;

	run_child("tree", monotonic, &r);
	CHECK(exited(&r, 0));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK_U64(3, u64(fn_named(root, "top_a"), "calls"));
	CHECK_U64(6, u64(fn_named(root, "mid_b"), "calls"));
	CHECK_U64(6, u64(fn_named(root, "b_block"), "calls"));
	CHECK_U64(15, u64(fn_named(root, "leaf_c"), "calls"));
	CHECK_U64(24, u64(fn_named(root, "rec"), "calls"));
	/* edges: exact counts */
	CHECK_U64(3, u64(edge(root, "main", "top_a"), "calls"));
	CHECK_U64(6, u64(edge(root, "top_a", "mid_b"), "calls"));
	CHECK_U64(3, u64(edge(root, "top_a", "leaf_c"), "calls"));
	CHECK_U64(6, u64(edge(root, "mid_b", "leaf_c"), "calls"));
	CHECK_U64(6, u64(edge(root, "mid_b", "b_block"), "calls"));
	CHECK_U64(6, u64(edge(root, "b_block", "leaf_c"), "calls"));
	CHECK_U64(4, u64(edge(root, "main", "rec"), "calls"));
	CHECK_U64(20, u64(edge(root, "rec", "rec"), "calls"));
	CHECK_INT(8, cJSON_GetArraySize(cJSON_GetObjectItem(root, "edges")));
	/* leaves: self == total */
	CHECK_U64(u64(fn_named(root, "leaf_c"), "total_ns"),
		  u64(fn_named(root, "leaf_c"), "self_ns"));
	/* self + callees' totals == total, per row, to the tick */
	bad = broken_identity(root);
	CHECK_STR("(none)", bad ? bad : "(none)");
	/* no double counting, recursion included: the self times of all
	 * calls add up to main's total exactly */
	CHECK_U64(u64(fn_named(root, "main"), "total_ns"), self_sum(root));
	/* issue 12, item 1: recursion is counted once in Total: rec calls only
	 * itself, so its total (the 4 outermost calls) is its self time,
	 * exactly; the nested calls' time is apart, and the average is per
	 * call, nested calls included */
	CHECK_U64(u64(fn_named(root, "rec"), "self_ns"), u64(fn_named(root, "rec"), "total_ns"));
	CHECK(u64(fn_named(root, "rec"), "recursive_ns") > 0);
	CHECK_U64((u64(fn_named(root, "rec"), "total_ns") +
		   u64(fn_named(root, "rec"), "recursive_ns")) / 24,
		  u64(fn_named(root, "rec"), "avg_ns"));
	CHECK(u64(fn_named(root, "rec"), "total_ns") <= u64(fn_named(root, "main"), "total_ns"));
	CHECK_U64(0, u64(fn_named(root, "top_a"), "recursive_ns"));
	CHECK_U64(0, u64(root, "nonlocal_exits"));
	CHECK_STR("", r.err);
	cJSON_Delete(root);
	free_run(&r);
}

static void self_column_in_table(void)
{
	static const char *const env[] = { "HOTPATH_FORMAT=table", NULL };
	struct run r;

	run_child("tree", env, &r);
	CHECK(exited(&r, 0));
	CHECK_CONTAINS(r.out, "| Total ");
	CHECK_CONTAINS(r.out, "| Self ");
	CHECK_CONTAINS(r.out, " | % Total |\n");
	CHECK_NOT_CONTAINS(r.out, "non-local");
	free_run(&r);
}

static void longjmp_abandoned_calls(void)
{
	static const char *const env[] = { "HOTPATH_CLOCK=monotonic",
					   "HOTPATH_FORMAT=json,table",
					   NULL };
	struct run r;
	cJSON *root;
	const char *bad;

	run_child("longjmp", env, &r);
	CHECK(exited(&r, 0));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	/* 2000 throws through upper/middle/thrower, 1000 through
	 * lua_fails/lua_error: none of those calls ever return */
	CHECK_U64(3 * 2000 + 2 * 1000, u64(root, "nonlocal_exits"));
	CHECK(fn_named(root, "upper") == NULL);
	CHECK(fn_named(root, "middle") == NULL);
	CHECK(fn_named(root, "thrower") == NULL);
	CHECK(fn_named(root, "lua_error") == NULL);
	CHECK(fn_named(root, "lua_fails") == NULL);
	CHECK_U64(1000, u64(fn_named(root, "catcher"), "calls"));
	CHECK_U64(1, u64(fn_named(root, "looper"), "calls"));
	CHECK_U64(3000, u64(fn_named(root, "pcall"), "calls"));
	CHECK_U64(3000, u64(fn_named(root, "rawrunprotected"), "calls"));
	CHECK_U64(2000, u64(fn_named(root, "lua_works"), "calls"));
	/* leaf_c finished inside every abandoned middle and lua_fails */
	CHECK_U64(2000 + 3000, u64(fn_named(root, "leaf_c"), "calls"));
	CHECK_U64(2000, u64(edge(root, "middle", "leaf_c"), "calls"));
	CHECK_U64(1000, u64(edge(root, "lua_fails", "leaf_c"), "calls"));
	CHECK_U64(2000, u64(edge(root, "rawrunprotected", "lua_works"), "calls"));
	CHECK_U64(3000, u64(edge(root, "pcall", "rawrunprotected"), "calls"));
	CHECK_U64(1000, u64(edge(root, "main", "catcher"), "calls"));
	/* nothing attributed to a dead caller: lua_works never nests in a
	 * lua_fails that was left by longjmp */
	CHECK(edge(root, "lua_error", "lua_works") == NULL);
	CHECK(edge(root, "lua_fails", "lua_works") == NULL);
	CHECK(edge(root, "thrower", "upper") == NULL);
	/* nothing counted twice, nothing lost */
	CHECK_U64(u64(fn_named(root, "main"), "total_ns"), self_sum(root));
	bad = broken_identity(root);
	CHECK(bad == NULL || strcmp(bad, "looper") == 0 ||
	      strcmp(bad, "catcher") == 0 || strcmp(bad, "rawrunprotected") == 0);
	CHECK_STR("", r.err);
	cJSON_Delete(root);
	free_run(&r);
}

/* Guards of earlier hpcc and today's in one process (child_compat). */
static void guards_of_earlier_hpcc(void)
{
	struct run r;
	cJSON *root;

	run_child("compat", monotonic, &r);
	CHECK(exited(&r, 0));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK_U64(1, u64(fn_named(root, "c_identity"), "calls"));
	CHECK_U64(100, u64(fn_named(root, "c_oldtop"), "calls"));
	CHECK_U64(100, u64(edge(root, "c_oldtop", "c_newmid"), "calls"));
	CHECK_U64(100, u64(edge(root, "c_newmid", "c_oldleaf"), "calls"));
	CHECK_U64(100, u64(edge(root, "c_newmid", "leaf_c"), "calls"));
	CHECK_U64(200, u64(edge(root, "c_middle", "c_oldleaf"), "calls"));
	CHECK_U64(300, u64(fn_named(root, "c_oldleaf"), "calls"));
	CHECK_U64(1, u64(fn_named(root, "c_oldlooper"), "calls"));
	CHECK_U64(1, u64(fn_named(root, "c_newlooper"), "calls"));
	/* 200 throws through c_upper, c_middle and c_thrower */
	CHECK_U64(3 * 200, u64(root, "nonlocal_exits"));
	CHECK(fn_named(root, "c_upper") == NULL);
	CHECK(fn_named(root, "c_middle") == NULL);
	CHECK(fn_named(root, "c_thrower") == NULL);
	CHECK_U64(1, u64(edge(root, "main", "c_oldlooper"), "calls"));
	CHECK_U64(1, u64(edge(root, "main", "c_newlooper"), "calls"));
	CHECK_INT(8, cJSON_GetArraySize(cJSON_GetObjectItem(root, "edges")));
	CHECK_U64(u64(fn_named(root, "main"), "total_ns"), self_sum(root));
	CHECK_STR("", r.err);
	cJSON_Delete(root);
	free_run(&r);
}

static void longjmp_line_under_table(void)
{
	static const char *const env[] = { "HOTPATH_FORMAT=table", NULL };
	struct run r;

	run_child("longjmp", env, &r);
	CHECK(exited(&r, 0));
	CHECK_CONTAINS(r.out, "\n[hotpath] 8000 calls left by a non-local exit "
		       "(longjmp), not counted\n");
	free_run(&r);
}

/* Parses folded text; returns the sum of weights, -1 if malformed. */
static long long folded_sum(const char *text, int *lines)
{
	long long sum = 0;
	const char *p = text, *nl, *sp;

	*lines = 0;
	for (; p && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			return -1;
		for (sp = nl; sp > p && sp[-1] != ' '; sp--)
			;
		if (sp == p || sp == nl)
			return -1;
		sum += atoll(sp);
		(*lines)++;
	}
	return sum;
}

static char *scratch_file(const char *name)
{
	char path[1024];

	snprintf(path, sizeof path, "%s/%s", scratch, name);
	return slurp(path);
}

static void folded_sums_to_self_time(void)
{
	char env0[600];
	const char *env[] = { "HOTPATH_CLOCK=monotonic",
			      "HOTPATH_FORMAT=json,folded", env0, NULL };
	struct run r;
	cJSON *root;
	char *folded, path[600];
	int lines;

	ensure_scratch();
	snprintf(env0, sizeof env0, "HOTPATH_OUTPUT=%s/", scratch);
	run_child("tree", env, &r);
	CHECK(exited(&r, 0));
	snprintf(path, sizeof path, "hotpath-%ld.json", (long)r.pid);
	r.out = scratch_file(path);
	snprintf(path, sizeof path, "%s/hotpath-%ld.json", scratch, (long)r.pid);
	unlink(path);
	snprintf(path, sizeof path, "hotpath-%ld.folded", (long)r.pid);
	folded = scratch_file(path);
	snprintf(path, sizeof path, "%s/hotpath-%ld.folded", scratch, (long)r.pid);
	unlink(path);
	CHECK(folded != NULL);
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK_U64(self_sum(root), (uint64_t)folded_sum(folded, &lines));
	CHECK_INT(13, lines); /* main, 6 paths from top_a, 6 from rec */
	CHECK(strncmp(folded, "main ", 5) == 0);
	CHECK_CONTAINS(folded, "\nmain;top_a;mid_b;b_block;leaf_c ");
	CHECK_CONTAINS(folded, "\nmain;top_a;mid_b;leaf_c ");
	CHECK_CONTAINS(folded, "\nmain;top_a;leaf_c ");
	CHECK_CONTAINS(folded, "\nmain;rec;rec;rec;rec;rec;rec ");
	CHECK_NOT_CONTAINS(folded, "main;rec;rec;rec;rec;rec;rec;rec");
	free(folded);
	cJSON_Delete(root);
	free_run(&r);
}

/* Issue 13, item 13: json and json-pretty into one folder are two files
 * (the second used to overwrite the first). */
static void json_and_pretty_json_in_one_folder(void)
{
	char env0[600];
	const char *env[] = { "HOTPATH_CLOCK=monotonic",
			      "HOTPATH_FORMAT=json,json-pretty", env0, NULL };
	struct run r;
	char *pretty, path[600];

	ensure_scratch();
	snprintf(env0, sizeof env0, "HOTPATH_OUTPUT=%s/", scratch);
	run_child("tree", env, &r);
	CHECK(exited(&r, 0));
	snprintf(path, sizeof path, "hotpath-%ld.json", (long)r.pid);
	r.out = scratch_file(path);
	snprintf(path, sizeof path, "%s/hotpath-%ld.json", scratch, (long)r.pid);
	unlink(path);
	snprintf(path, sizeof path, "hotpath-%ld.pretty.json", (long)r.pid);
	pretty = scratch_file(path);
	snprintf(path, sizeof path, "%s/hotpath-%ld.pretty.json", scratch, (long)r.pid);
	unlink(path);
	CHECK(r.out != NULL && pretty != NULL);
	CHECK(strncmp(r.out, "{\"program\":", 11) == 0); /* compact */
	CHECK(strncmp(pretty, "{\n", 2) == 0);
	free(pretty);
	free_run(&r);
}

static void folded_deep_recursion_is_bounded(void)
{
	static const char *const env[] = { "HOTPATH_CLOCK=monotonic",
					   "HOTPATH_FORMAT=folded", NULL };
	struct run r;
	long long sum;
	int lines;

	run_child("deep", env, &r);
	CHECK(exited(&r, 0));
	CHECK(r.out != NULL);
	sum = folded_sum(r.out, &lines);
	CHECK(sum > 0);
	/* main; on its own thread 256 levels of rec, then one "[truncated]"
	 * path for the rest */
	CHECK_INT(258, lines);
	CHECK_CONTAINS(r.out, ";rec;[truncated] ");
	CHECK(strlen(r.out) < 1000000);
	free_run(&r);
}

static void deep_recursion_self_time(void)
{
	struct run r;
	cJSON *root;

	run_child("deep", monotonic, &r);
	CHECK(exited(&r, 0));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK_U64(DEPTH, u64(fn_named(root, "rec"), "calls"));
	CHECK_U64(DEPTH - 1, u64(edge(root, "rec", "rec"), "calls"));
	CHECK(broken_identity(root) == NULL);
	CHECK(u64(fn_named(root, "rec"), "self_ns") <= u64(fn_named(root, "main"), "total_ns"));
	/* one outermost call on its thread: Total is that call, within main */
	CHECK_U64(u64(fn_named(root, "rec"), "self_ns"), u64(fn_named(root, "rec"), "total_ns"));
	CHECK(u64(fn_named(root, "rec"), "total_ns") <= u64(fn_named(root, "main"), "total_ns"));
	CHECK_U64(0, u64(root, "lost"));
	cJSON_Delete(root);
	free_run(&r);
}

/* Chrome trace: events parse, nest per thread, and count exactly. */
static int check_nesting(cJSON *events, long tid, int *count)
{
	uint64_t starts[64], ends[64], s, e;
	int depth = 0, n = 0, i, sorted;
	cJSON *ev, **v;

	cJSON_ArrayForEach(ev, events)
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(ev, "ph")), "X") == 0 &&
		    (long)num(ev, "tid") == tid)
			n++;
	v = calloc((size_t)n + 1, sizeof *v);
	n = 0;
	cJSON_ArrayForEach(ev, events)
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(ev, "ph")), "X") == 0 &&
		    (long)num(ev, "tid") == tid)
			v[n++] = ev;
	/* sort by start, longer first on ties (insertion sort: small n) */
	do {
		sorted = 1;
		for (i = 1; i < n; i++) {
			uint64_t s0 = (uint64_t)llround(num(v[i - 1], "ts") * 1000);
			uint64_t s1 = (uint64_t)llround(num(v[i], "ts") * 1000);
			uint64_t d0 = (uint64_t)llround(num(v[i - 1], "dur") * 1000);
			uint64_t d1 = (uint64_t)llround(num(v[i], "dur") * 1000);

			if (s1 < s0 || (s1 == s0 && d1 > d0)) {
				cJSON *t = v[i];

				v[i] = v[i - 1];
				v[i - 1] = t;
				sorted = 0;
			}
		}
	} while (!sorted);
	for (i = 0; i < n; i++) {
		s = (uint64_t)llround(num(v[i], "ts") * 1000);
		e = s + (uint64_t)llround(num(v[i], "dur") * 1000);
		while (depth && ends[depth - 1] <= s)
			depth--;
		if (depth && (s < starts[depth - 1] || e > ends[depth - 1])) {
			free(v);
			return -1; /* overlaps its enclosing event */
		}
		if (depth == 64) {
			free(v);
			return -2;
		}
		starts[depth] = s;
		ends[depth++] = e;
	}
	free(v);
	*count = n;
	return 0;
}

static void trace_events_nest_per_thread(void)
{
	static const char *const env[] = { "HOTPATH_FORMAT=trace", NULL };
	struct run r;
	cJSON *root, *events, *ev;
	long tids[8];
	int ntids = 0, i, total = 0, n;

	run_child("threads", env, &r);
	CHECK(exited(&r, 0));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	events = cJSON_GetObjectItem(root, "traceEvents");
	CHECK(cJSON_IsArray(events));
	cJSON_ArrayForEach(ev, events) {
		long tid = (long)num(ev, "tid");

		CHECK(num(ev, "pid") == (double)r.pid);
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(ev, "ph")), "M") == 0 &&
		    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(ev, "name")),
			   "thread_name") == 0) {
			CHECK(ntids < 8);
			tids[ntids++] = tid;
		}
	}
	CHECK_INT(3, ntids);
	for (i = 0; i < ntids; i++) {
		n = 0;
		CHECK_INT(0, check_nesting(events, tids[i], &n));
		total += n;
	}
	/* per top_a: itself, 2 mid_b, 2 b_block, 5 leaf_c = 10 events;
	 * 81 top_a calls, and main */
	CHECK_INT(81 * 10 + 1, total);
	CHECK_U64(0, u64(cJSON_GetObjectItem(root, "otherData"), "dropped"));
	cJSON_Delete(root);
	free_run(&r);
}

static void trace_limit_drops_oldest(void)
{
	static const char *const env[] = { "HOTPATH_FORMAT=trace",
					   "HOTPATH_TRACE_LIMIT=50", NULL };
	struct run r;
	cJSON *root, *ev;
	int x = 0;

	run_child("threads", env, &r);
	CHECK(exited(&r, 0));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	cJSON_ArrayForEach(ev, cJSON_GetObjectItem(root, "traceEvents"))
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(ev, "ph")), "X") == 0)
			x++;
	/* two threads of 400 calls keep 50 each; main's thread has 11 */
	CHECK_INT(50 + 50 + 11, x);
	CHECK_U64(2 * 350, u64(cJSON_GetObjectItem(root, "otherData"), "dropped"));
	cJSON_Delete(root);
	free_run(&r);
}

static void several_formats_and_destinations(void)
{
	char env0[600], env1[600];
	const char *env[] = { "HOTPATH_FORMAT=table,json,folded", env0, env1, NULL };
	char path[600], *text;
	struct run r;

	ensure_scratch();
	snprintf(env0, sizeof env0, "HOTPATH_OUTPUT_JSON=%s/j-%%p.json", scratch);
	snprintf(env1, sizeof env1, "HOTPATH_OUTPUT_FOLDED=%s/f.folded", scratch);
	run_child("tree", env, &r);
	CHECK(exited(&r, 0));
	/* the first format keeps HOTPATH_OUTPUT */
	CHECK(strncmp(r.out, "[hotpath] Performance summary", 29) == 0);
	snprintf(path, sizeof path, "%s/j-%ld.json", scratch, (long)r.pid);
	text = slurp(path);
	unlink(path);
	CHECK_CONTAINS(text, "\"edges\":[");
	free(text);
	snprintf(path, sizeof path, "%s/f.folded", scratch);
	text = slurp(path);
	unlink(path);
	CHECK_CONTAINS(text, "main;top_a ");
	free(text);
	free_run(&r);
}

static void signal_handler_records_or_counts(void)
{
	char out[600], env0[700];
	const char *env[] = { "HOTPATH_CLOCK=monotonic", env0, NULL };
	struct run r;
	cJSON *root;
	long calls = -1, handled = -1;

	/* the child writes its own counts there */
	ensure_scratch();
	snprintf(out, sizeof out, "%s/signal.counts", scratch);
	snprintf(env0, sizeof env0, "HPTEST_COUNTS=%s", out);
	run_child("signal", env, &r);
	{
		char *text = slurp(out);

		CHECK(text != NULL);
		CHECK_INT(2, sscanf(text, "%ld %ld", &calls, &handled));
		free(text);
		unlink(out);
	}
	CHECK(exited(&r, 0));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK(handled > 0);
	/* the main flow's calls are never lost; the handler's are recorded or
	 * counted, never silently dropped */
	CHECK_U64((uint64_t)calls, u64(fn_named(root, "leaf_c"), "calls"));
	CHECK_U64((uint64_t)handled,
		  (fn_named(root, "in_handler") ? u64(fn_named(root, "in_handler"), "calls") : 0) +
		  u64(root, "lost"));
	CHECK_U64(u64(fn_named(root, "main"), "total_ns"), self_sum(root));
	/* what was lost is said on stderr too (only JSON was asked for) */
	if (u64(root, "lost")) {
		char want[64];

		snprintf(want, sizeof want, "[hotpath] %llu measurements lost\n",
			 (unsigned long long)u64(root, "lost"));
		if (u64(root, "lost") < 1000)
			CHECK_STR(want, r.err);
		else
			CHECK_CONTAINS(r.err, " measurements lost\n");
	} else {
		CHECK_STR("", r.err);
	}
	printf("  (%ld handler calls, %llu lost)\n", handled,
	       (unsigned long long)u64(root, "lost"));
	cJSON_Delete(root);
	free_run(&r);
}

static void cleanup(void)
{
	remove_scratch();
}

TEST_MAIN(T(self_time_exact_on_a_tree), T(self_column_in_table),
	  T(longjmp_abandoned_calls), T(longjmp_line_under_table),
	  T(guards_of_earlier_hpcc),
	  T(folded_sums_to_self_time), T(json_and_pretty_json_in_one_folder),
	  T(folded_deep_recursion_is_bounded),
	  T(deep_recursion_self_time), T(trace_events_nest_per_thread),
	  T(trace_limit_drops_oldest), T(several_formats_and_destinations),
	  T(signal_handler_records_or_counts), T(cleanup))
