/* test_alloc.c - allocation tracking end to end: this file is compiled with
 * -DHOTPATH_ALLOC=1 and linked with the interposer (libhotpath_alloc.a,
 * whole) like a `hpcc --alloc` program.  Each test re-runs this binary as a
 * scenario child (child.h) and checks exact per-function figures in its
 * JSON report; `under_valgrind` runs the same scenarios under valgrind and
 * expects the same figures.  Not built in sanitizer trees: a sanitizer
 * owns malloc and the interposer cannot replace it there.
 *
 * -fno-builtin keeps gcc from pairing away malloc/free calls. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>

#include "test.h"

#include "alloc_count.h"
#include "child.h"
#include "child_json.h"
#include "hotpath.h"
#include "sanitized.h"

static void *volatile sink;
static volatile size_t huge = SIZE_MAX / 2; /* overflows times 4 */

/* ---- the scenarios (run in the child) ---- */

static __attribute__((noinline)) void *three_hundred(void)
{
	HP_FUNCTION(1, "three_hundred", 1);
	void *a = malloc(100), *b = malloc(200);
	free(a);
	return b;
}

static __attribute__((noinline)) void idle(void)
{
	HP_FUNCTION(2, "idle", 2);
	sink = NULL;
}

static int child_basic(void)
{
	HP_MAIN(3, "main", 3, "");
	int i;
	for (i = 0; i < 10; i++)
		free(three_hundred());
	return 0;
}

/* idle is the program's first measured call: the session starts inside
 * it (worker thread, atexit, TLS), and none of that may count. */
static int child_idle_first(void)
{
	int i;

	for (i = 0; i < 5; i++)
		idle();
	for (i = 0; i < 10; i++)
		free(three_hundred());
	for (i = 0; i < 5; i++)
		idle();
	return 0;
}

static __attribute__((noinline)) void inner(void)
{
	HP_FUNCTION(4, "inner", 4);
	void *x = malloc(10), *y = malloc(20), *z;
	free(x);
	free(y);
	z = malloc(5);
	free(z);
}

static __attribute__((noinline)) void outer(void)
{
	HP_FUNCTION(5, "outer", 5);
	void *a = malloc(1000), *b;
	inner();
	free(a);
	b = malloc(50);
	free(b);
}

/* Frees memory allocated before the call: the running value goes below
 * the value at entry, so the peak stays 0. */
static __attribute__((noinline)) void frees_older(void *old)
{
	HP_FUNCTION(6, "frees_older", 6);
	void *x;
	free(old);
	x = malloc(100);
	free(x);
}

static int child_nested(void)
{
	HP_MAIN(7, "main", 7, "");
	int i;
	for (i = 0; i < 3; i++)
		outer();
	frees_older(malloc(500));
	return 0;
}

static __attribute__((noinline)) void rec(int n)
{
	HP_FUNCTION(8, "rec", 8);
	void *p = malloc(16);
	if (n > 0)
		rec(n - 1);
	free(p);
}

static int child_recursion(void)
{
	HP_MAIN(9, "main", 9, "");
	rec(4);
	return 0;
}

static __attribute__((noinline)) void per_thread(void)
{
	HP_FUNCTION(10, "per_thread", 10);
	void *a = malloc(64), *b = calloc(4, 8);
	free(a);
	free(b);
}

static void *four_threads_body(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 1000; i++)
		per_thread();
	return NULL;
}

static void run_threads(void *(*fn)(void *), int n, void *arg)
{
	pthread_t t[8];
	int i;

	for (i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, fn, arg))
			abort();
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

static int child_threads4(void)
{
	HP_MAIN(11, "main", 11, "");
	run_threads(four_threads_body, 4, NULL);
	return 0;
}

#define HANDOVER 100
static void *handed[HANDOVER];

static __attribute__((noinline)) void *produce(void)
{
	HP_FUNCTION(12, "produce", 12);
	return malloc(256);
}

static __attribute__((noinline)) void consume(void *p)
{
	HP_FUNCTION(13, "consume", 13);
	void *q;
	free(p);
	q = malloc(8);
	free(q);
}

static void *producer(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < HANDOVER; i++)
		handed[i] = produce();
	return NULL;
}

static void *consumer(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < HANDOVER; i++)
		consume(handed[i]);
	return NULL;
}

static int child_cross_thread(void)
{
	HP_MAIN(14, "main", 14, "");
	run_threads(producer, 1, NULL);
	run_threads(consumer, 1, NULL);
	return 0;
}

static int filled(const unsigned char *p, size_t n, unsigned char v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

/* realloc(NULL, 100): +100; grow to 1000 (contents kept): +1000, live
 * 1000; shrink to 10: +10, live 10; realloc(p, 0): freed, NULL;
 * reallocarray(NULL, 10, 10): +100.  1210 bytes, 4 allocations, peak
 * 1000 bytes and 1 block. */
static __attribute__((noinline)) int chain(void)
{
	HP_FUNCTION(15, "chain", 15);
	unsigned char *p = realloc(NULL, 100), *q;
	int ok = p != NULL;
	memset(p, 7, 100);
	p = realloc(p, 1000);
	ok = ok && p && filled(p, 100, 7);
	memset(p, 8, 1000);
	p = realloc(p, 10);
	ok = ok && p && filled(p, 10, 8);
	errno = 0;
	p = realloc(p, 0);
	ok = ok && p == NULL;
	q = reallocarray(NULL, 10, 10);
	ok = ok && q && reallocarray(q, huge, 4) == NULL && errno == ENOMEM;
	free(q);
	return ok;
}

static __attribute__((noinline)) int zeroed(void)
{
	HP_FUNCTION(16, "zeroed", 16);
	unsigned char *p = calloc(25, 4);
	int ok = p && filled(p, 100, 0) && calloc(huge, 4) == NULL;
	free(p);
	return ok;
}

static int aligned_to(void *p, size_t a)
{
	return p && ((uintptr_t)p & (a - 1)) == 0;
}

/* Usable size at least what was asked, and all of it writable. */
static int usable(void *p, size_t n)
{
	size_t u = malloc_usable_size(p);

	if (u < n)
		return 0;
	memset(p, 0x5a, u);
	return 1;
}

/* 100 + 10 + 512 + 33 + 1 + 5000 + 37 = 5693 bytes in 7 blocks, all live
 * at once; then one over-aligned block grows by realloc (+200). */
static __attribute__((noinline)) int aligned(void)
{
	HP_FUNCTION(17, "aligned", 17);
	long page = sysconf(_SC_PAGESIZE);
	void *a = NULL, *b = NULL, *c, *d, *e, *f, *g, *h, *bad = NULL;
	int ok = 1;
	ok = ok && posix_memalign(&a, 64, 100) == 0 && aligned_to(a, 64) && usable(a, 100);
	ok = ok && posix_memalign(&b, 4096, 10) == 0 && aligned_to(b, 4096) && usable(b, 10);
	c = aligned_alloc(256, 512);
	ok = ok && aligned_to(c, 256) && usable(c, 512);
	d = memalign(32, 33);
	ok = ok && aligned_to(d, 32) && usable(d, 33);
	e = valloc(1);
	ok = ok && aligned_to(e, (size_t)page) && usable(e, 1);
	f = pvalloc(5000);
	ok = ok && aligned_to(f, (size_t)page) && usable(f, 2 * (size_t)page);
	g = malloc(37);
	ok = ok && aligned_to(g, 16) && usable(g, 37);
	ok = ok && posix_memalign(&bad, 3, 8) == EINVAL && !bad;
	free(a);
	free(b);
	free(c);
	free(d);
	free(e);
	free(f);
	free(g);
	h = memalign(128, 20);
	memset(h, 3, 20);
	h = realloc(h, 200);
	ok = ok && filled(h, 20, 3) && aligned_to(h, 16) && usable(h, 200);
	free(h);
	return ok;
}

static int child_realloc_calloc_aligned(void)
{
	HP_MAIN(18, "main", 18, "");
	int ok = chain() & zeroed() & aligned();
	return ok ? 0 : 1;
}

static __attribute__((noinline)) void dup6(void)
{
	HP_FUNCTION(19, "strdup", 19);
	free(strdup("hello"));
}

static __attribute__((noinline)) int read_line(void)
{
	HP_FUNCTION(20, "fopen_getline", 20);
	FILE *f = fopen("/proc/self/cmdline", "r");
	char *line = NULL;
	size_t cap = 0;
	int ok = f && getdelim(&line, &cap, '\n', f) > 0;
	if (f)
		fclose(f);
	free(line);
	return ok;
}

static int child_libc(void)
{
	HP_MAIN(21, "main", 21, "");
	dup6();
	return read_line() ? 0 : 1;
}

/* fork() inside a measured call: the child allocates, frees and exits
 * without a report; the parent's figures are its own. */
static __attribute__((noinline)) int forks(void)
{
	HP_FUNCTION(22, "forks", 22);
	void *p = malloc(100);
	int status = -1;
	pid_t pid = fork();
	if (pid == 0) {
		uint64_t before = hp_alloc_tls.count_total;
		int i;
		for (i = 0; i < 1000; i++)
			free(strdup("child"));
		free(p);
		three_hundred();
		exit(hp_alloc_tls.count_total - before == 1002 ? 0 : 7);
	}
	waitpid(pid, &status, 0);
	free(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 9;
}

static int child_fork(void)
{
	HP_MAIN(23, "main", 23, "");
	return forks();
}

static const struct scenario scenarios[] = {
	{ "basic", child_basic },
	{ "idle_first", child_idle_first },
	{ "nested", child_nested },
	{ "recursion", child_recursion },
	{ "threads4", child_threads4 },
	{ "cross_thread", child_cross_thread },
	{ "realloc_calloc_aligned", child_realloc_calloc_aligned },
	{ "libc", child_libc },
	{ "fork", child_fork },
};

__attribute__((constructor)) static void child_dispatch(void)
{
	run_scenario(scenarios, sizeof scenarios / sizeof scenarios[0]);
}

/* ---- the driver (run in the parent) ---- */

static const char *const valgrind[] = {
	"valgrind", "-q", "--soname-synonyms=somalloc=nouserintercepts",
	"--error-exitcode=99", NULL
};

static double pct(cJSON *fn, const char *metric, const char *p)
{
	return num(cJSON_GetObjectItem(cJSON_GetObjectItem(fn, "alloc_percentiles"),
				       metric), p);
}

/* calls, then the four JSON sums/peaks: bytes_total, count_total,
 * bytes_max, count_max. */
#define CHECK_FIGURES(root, name, calls, bt, ct, bm, cm)                 \
	do {                                                             \
		cJSON *f_ = fn_named(root, name);                            \
		CHECK(f_ != NULL);                                           \
		CHECK_U64(calls, (uint64_t)num(f_, "calls"));                \
		CHECK_U64(bt, (uint64_t)num(f_, "alloc_bytes_total"));       \
		CHECK_U64(ct, (uint64_t)num(f_, "alloc_count_total"));       \
		CHECK_U64(bm, (uint64_t)num(f_, "alloc_bytes_max"));         \
		CHECK_U64(cm, (uint64_t)num(f_, "alloc_count_max"));         \
	} while (0)

/* Runs a scenario natively or under valgrind; the parsed report, or NULL
 * (a failed check) if it did not exit 0 with a report. */
static cJSON *run_ok(const char *name, const char *const *env, int vg)
{
	struct run r;
	cJSON *root;

	run_child_wrapped(name, env, vg ? valgrind : NULL, &r);
	if (!exited(&r, 0) || !r.out) {
		fprintf(stderr, "scenario %s%s: status 0x%x, stderr:\n%s\n", name,
			vg ? " under valgrind" : "", r.status, r.err ? r.err : "");
		free_run(&r);
		return NULL;
	}
	if (r.err && *r.err)
		fprintf(stderr, "scenario %s stderr:\n%s\n", name, r.err);
	root = cJSON_Parse(r.out);
	free_run(&r);
	return root;
}

static void check_basic(int vg)
{
	cJSON *root = run_ok("basic", NULL, vg), *fn;

	CHECK(root != NULL);
	CHECK_FIGURES(root, "three_hundred", 10, 3000, 20, 300, 2);
	fn = fn_named(root, "three_hundred");
	CHECK_U64(300, (uint64_t)pct(fn, "bytes_total", "p95"));
	CHECK_U64(300, (uint64_t)pct(fn, "bytes_max", "p95"));
	CHECK_U64(2, (uint64_t)pct(fn, "count_total", "p95"));
	CHECK_U64(2, (uint64_t)pct(fn, "count_max", "p95"));
	/* main: the ten calls plus the ten frees in between. */
	CHECK_FIGURES(root, "main", 1, 3000, 20, 300, 2);
	cJSON_Delete(root);
}

static void check_idle_first(int vg)
{
	cJSON *root = run_ok("idle_first", NULL, vg);

	CHECK(root != NULL);
	CHECK_FIGURES(root, "idle", 10, 0, 0, 0, 0);
	CHECK_FIGURES(root, "three_hundred", 10, 3000, 20, 300, 2);
	cJSON_Delete(root);
}

static void check_nested(int vg)
{
	cJSON *root = run_ok("nested", NULL, vg);

	CHECK(root != NULL);
	CHECK_FIGURES(root, "inner", 3, 3 * 35, 3 * 3, 30, 2);
	CHECK_FIGURES(root, "outer", 3, 3 * 1085, 3 * 5, 1030, 3);
	CHECK_FIGURES(root, "frees_older", 1, 100, 1, 0, 0);
	CHECK_FIGURES(root, "main", 1, 3 * 1085 + 500 + 100, 3 * 5 + 2, 1030, 3);
	/* self figures: each allocation once, so they add up to main's */
	{
		uint64_t bytes = 0, count = 0;
		cJSON *fn;

		cJSON_ArrayForEach(fn, cJSON_GetObjectItem(root, "functions")) {
			bytes += (uint64_t)num(fn, "alloc_bytes_self");
			count += (uint64_t)num(fn, "alloc_count_self");
		}
		CHECK_U64(3 * 1085 + 500 + 100, bytes);
		CHECK_U64(3 * 5 + 2, count);
		CHECK_U64(3 * 35, (uint64_t)num(fn_named(root, "inner"), "alloc_bytes_self"));
	}
	cJSON_Delete(root);
}

static void check_recursion(int vg)
{
	cJSON *root = run_ok("recursion", NULL, vg);

	CHECK(root != NULL);
	/* per call 16, 32, ..., 80 bytes, all live until the call returns;
	 * issue 12: the -total figures count recursion once (the outermost
	 * call's 80 bytes in 5 blocks, not 240 in 15); 16 bytes each is the
	 * calls' own (self) */
	CHECK_FIGURES(root, "rec", 5, 80, 5, 80, 5);
	CHECK_U64(80, (uint64_t)num(fn_named(root, "rec"), "alloc_bytes_self"));
	CHECK_U64(5, (uint64_t)num(fn_named(root, "rec"), "alloc_count_self"));
	cJSON_Delete(root);
}

static void check_threads4(int vg)
{
	cJSON *root = run_ok("threads4", NULL, vg);

	CHECK(root != NULL);
	CHECK_FIGURES(root, "per_thread", 4000, 4000 * 96, 8000, 96, 2);
	CHECK_U64(0, (uint64_t)num(root, "lost"));
	cJSON_Delete(root);
}

static void check_cross_thread(int vg)
{
	cJSON *root = run_ok("cross_thread", NULL, vg);

	CHECK(root != NULL);
	CHECK_FIGURES(root, "produce", HANDOVER, HANDOVER * 256, HANDOVER, 256, 1);
	/* frees of another thread's blocks lower the running value: the
	 * consumer's own 8 bytes never lift it above its entry value */
	CHECK_FIGURES(root, "consume", HANDOVER, HANDOVER * 8, HANDOVER, 0, 0);
	cJSON_Delete(root);
}

static void check_realloc_calloc_aligned(int vg)
{
	cJSON *root = run_ok("realloc_calloc_aligned", NULL, vg);

	CHECK(root != NULL);
	CHECK_FIGURES(root, "chain", 1, 1210, 4, 1000, 1);
	CHECK_FIGURES(root, "zeroed", 1, 100, 1, 100, 1);
	CHECK_FIGURES(root, "aligned", 1, 5693 + 20 + 200, 9, 5693, 7);
	cJSON_Delete(root);
}

static void check_libc(int vg)
{
	cJSON *root = run_ok("libc", NULL, vg), *fn;

	CHECK(root != NULL);
	CHECK_FIGURES(root, "strdup", 1, 6, 1, 6, 1);
	/* fopen's FILE, its buffer, getline's line: sizes are glibc's */
	fn = fn_named(root, "fopen_getline");
	CHECK(num(fn, "alloc_count_total") >= 3);
	CHECK(num(fn, "alloc_bytes_total") > 400);
	CHECK(num(fn, "alloc_count_max") >= 3);
	cJSON_Delete(root);
}

static void check_fork(int vg)
{
	const char *const env[] = { FORK_SCENARIO_ENV, NULL };
	cJSON *root = run_ok("fork", env, vg);

	CHECK(root != NULL);
	CHECK_FIGURES(root, "forks", 1, 100, 1, 100, 1);
	CHECK(fn_named(root, "three_hundred") == NULL); /* the child's */
	cJSON_Delete(root);
}

static void basic_300_per_call(void) { check_basic(0); }
static void runtime_allocations_not_counted(void) { check_idle_first(0); }
static void nested_functions(void) { check_nested(0); }
static void recursion(void) { check_recursion(0); }
static void four_threads_exact(void) { check_threads4(0); }
static void cross_thread_frees(void) { check_cross_thread(0); }
static void realloc_calloc_and_aligned(void) { check_realloc_calloc_aligned(0); }
static void libc_internal_allocations(void) { check_libc(0); }
static void fork_child_keeps_working(void) { check_fork(0); }

static void alloc_tables_selected(void)
{
	static const char *const env[] = { "HOTPATH_FORMAT=table",
					   "HOTPATH_ALLOC=count-max, bytes-total", NULL };
	struct run r;

	run_child_wrapped("basic", env, NULL, &r);
	CHECK(exited(&r, 0));
	CHECK_CONTAINS(r.out, "[hotpath] Performance summary from ");
	/* issue 12, item 3: inclusive figures said so, Total and Self, the
	 * share of what measured code allocated (main's 0B self and
	 * three_hundred's 3000 bytes: no double counting), Max over a peak */
	CHECK_CONTAINS(r.out, "\n[hotpath] Allocation summary (bytes-total: bytes "
		       "allocated per call, callees included) from rt_test_alloc:\n"
		       "+---------------+-------+---------+---------+---------+---------+---------+\n"
		       "| Function      | Calls | Avg     | P95     | Total   | Self    | % Total |\n"
		       "+---------------+-------+---------+---------+---------+---------+---------+\n"
		       "| main          | 1     | 2.93KiB | 2.93KiB | 2.93KiB | 0B      | 100.00% |\n"
		       "+---------------+-------+---------+---------+---------+---------+---------+\n"
		       "| three_hundred | 10    | 300B    | 300B    | 2.93KiB | 2.93KiB | 100.00% |\n"
		       "+---------------+-------+---------+---------+---------+---------+---------+\n"
		       "[hotpath] Total: summed over calls (recursion counted once); "
		       "Self: less what measured callees allocated; % Total: of the "
		       "2.93KiB allocated in measured code (the sum of Self)\n");
	CHECK_CONTAINS(r.out, "\n[hotpath] Allocation summary (count-max: peak of "
		       "live blocks per call, above those at its entry, callees "
		       "included) from rt_test_alloc:\n"
		       "+---------------+-------+-----+-----+-----+\n"
		       "| Function      | Calls | Avg | P95 | Max |\n");
	CHECK_CONTAINS(r.out, "| three_hundred | 10    | 2   | 2   | 2   |\n");
	CHECK_NOT_CONTAINS(r.out, "(bytes-max");
	CHECK_NOT_CONTAINS(r.out, "(count-total");
	CHECK_NOT_CONTAINS(r.out, "0.00B");
	CHECK(strstr(r.out, "(bytes-total") < strstr(r.out, "(count-max"));
	free_run(&r);
}

static void under_valgrind(void)
{
	struct run r;
	const char *const probe[] = { "valgrind", "--version", NULL };
	pid_t pid;
	int status = -1;

	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		dup2(fd, 2);
		execvp(probe[0], (char *const *)probe);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		printf("SKIP under_valgrind: valgrind not found in PATH\n");
		return;
	}
	(void)r;
	check_basic(1);
	check_idle_first(1);
	check_nested(1);
	check_recursion(1);
	check_threads4(1);
	check_cross_thread(1);
	check_realloc_calloc_aligned(1);
	check_libc(1);
	check_fork(1);
}

static void cleanup(void)
{
	remove_scratch();
}

TEST_MAIN(T(basic_300_per_call), T(runtime_allocations_not_counted),
	  T(nested_functions), T(recursion), T(four_threads_exact),
	  T(cross_thread_frees), T(realloc_calloc_and_aligned),
	  T(libc_internal_allocations), T(fork_child_keeps_working),
	  T(alloc_tables_selected), T(under_valgrind), T(cleanup))
