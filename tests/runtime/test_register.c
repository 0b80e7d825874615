/* test_register.c - sites registered (first calls) on several threads
 * while another thread takes snapshots, which read the new sites' names.
 *
 * Built twice (CMakeLists.txt): rt_test_register links the archive, which
 * the sanitizer trees build with the sanitizer, and rt_test_register_shared
 * links libhotpath.so.1, the runtime hpcc links, which is never built with
 * one, into a test that is: the program a user builds with
 * `hpcc gcc -fsanitize=thread`.  There TSan sees the runtime's mutexes and
 * its memcpy/strcmp (intercepted) but not its atomics; before the registry
 * told TSan of its release/acquire pair (atomic.h, sites.c), every name a
 * snapshot copied was reported as a race with the memcpy that registered
 * it, and blocks the runtime freed on one thread and got back from glibc
 * on another looked like one block written by two (alloc.c).
 *
 * Each writer waits, after a site's first call, until two more snapshots
 * have started, so that one of them drained that call and read the name;
 * the writers only read the snapshot thread's counter, so nothing of the
 * test itself orders a registration before a snapshot.  Counts are exact:
 * the snapshot after the writers and the exit report hold every site with
 * its calls.  No timing is asserted (a child that hangs is killed by its
 * alarm). */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "child.h"
#include "child_json.h"
#include "hotpath.h"
#include "test.h"

#define WRITERS 4
#define HANG_SECONDS 60

/* 120 sites, f10 .. f129, each its own hp_site. */
#define F(n)                                                            \
	static __attribute__((noinline)) void f##n(void)                    \
	{                                                                   \
		HP_FUNCTION(n, "f" #n, n);                                      \
		__asm__ __volatile__("");                                       \
	}
#define F10(t) F(t##0) F(t##1) F(t##2) F(t##3) F(t##4) \
	       F(t##5) F(t##6) F(t##7) F(t##8) F(t##9)
F10(1) F10(2) F10(3) F10(4) F10(5) F10(6)
F10(7) F10(8) F10(9) F10(10) F10(11) F10(12)

#define P(n) f##n,
#define P10(t) P(t##0) P(t##1) P(t##2) P(t##3) P(t##4) \
	       P(t##5) P(t##6) P(t##7) P(t##8) P(t##9)
static void (*const fns[])(void) = {
	P10(1) P10(2) P10(3) P10(4) P10(5) P10(6)
	P10(7) P10(8) P10(9) P10(10) P10(11) P10(12)
};

#define SITES (sizeof fns / sizeof fns[0])
#define FIRST 10 /* fns[i] is f<FIRST + i> */

/* fns[i]'s calls: 1 to 4. */
static unsigned int calls_of(size_t i)
{
	return 1 + (unsigned int)(i % 4);
}

static _Atomic unsigned long snapshots;
static _Atomic int stop;

static void *snapshotter(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_acquire)) {
		(void)hotpath_snapshot("json", "/dev/null");
		atomic_fetch_add_explicit(&snapshots, 1, memory_order_release);
	}
	return NULL;
}

/* Writer k's sites: k, k + WRITERS, ...; each site's first call, then
 * two snapshots started after it, then its other calls. */
static void *writer(void *arg)
{
	size_t i;
	unsigned int c;

	for (i = (size_t)(long)arg; i < SITES; i += WRITERS) {
		unsigned long seen = atomic_load_explicit(&snapshots, memory_order_acquire);

		fns[i]();
		while (atomic_load_explicit(&snapshots, memory_order_acquire) < seen + 2)
			usleep(100);
		for (c = 1; c < calls_of(i); c++)
			fns[i]();
	}
	return NULL;
}

/* The writers and the snapshotter, then a snapshot beside the report
 * (HOTPATH_OUTPUT + ".snap"). */
static int child_register(void)
{
	pthread_t w[WRITERS], s;
	char path[600];
	long k;

	alarm(HANG_SECONDS);
	f10(); /* the session starts */
	snprintf(path, sizeof path, "%s.snap", getenv("HOTPATH_OUTPUT"));
	if (pthread_create(&s, NULL, snapshotter, NULL))
		return 10;
	for (k = 0; k < WRITERS; k++)
		if (pthread_create(&w[k], NULL, writer, (void *)k))
			return 10;
	for (k = 0; k < WRITERS; k++)
		pthread_join(w[k], NULL);
	atomic_store_explicit(&stop, 1, memory_order_release);
	pthread_join(s, NULL);
	return hotpath_snapshot("json", path) ? 11 : 0;
}

static const struct scenario scenarios[] = {
	{ "register", child_register },
};

__attribute__((constructor)) static void child_dispatch(void)
{
	run_scenario(scenarios, sizeof scenarios / sizeof scenarios[0]);
}

/* The sites missing from a JSON report, or with other calls (f10's
 * extra first call, in the child's main thread, counted): 0 when all
 * are there; -1 when it is no report. */
static int wrong_sites(const char *json)
{
	cJSON *root = json ? cJSON_Parse(json) : NULL, *fn;
	char name[16];
	size_t i;
	int wrong = 0;

	if (!root)
		return -1;
	for (i = 0; i < SITES; i++) {
		snprintf(name, sizeof name, "f%zu", FIRST + i);
		fn = fn_named(root, name);
		if (!fn || num(fn, "calls") != calls_of(i) + (i == 0)) {
			fprintf(stderr, "%s: %g calls, expected %u\n", name,
				fn ? num(fn, "calls") : -1.0, calls_of(i) + (i == 0));
			wrong++;
		}
	}
	cJSON_Delete(root);
	return wrong;
}

static void register_while_snapshots(void)
{
	struct run r;
	char path[600];
	char *snap;
	int ok, in_snap, in_report;

	run_child_wrapped("register", NULL, NULL, &r);
	snprintf(path, sizeof path, "%s/register.out.snap", scratch);
	snap = slurp(path);
	unlink(path);
	if (r.err && strstr(r.err, "Sanitizer")) {
		fprintf(stderr, "sanitizer report:\n%s\n", r.err);
		test_failed_ = 1;
	}
	ok = exited(&r, 0);
	in_snap = wrong_sites(snap);
	in_report = wrong_sites(r.out);
	free(snap);
	free_run(&r);
	CHECK_INT(1, ok);
	CHECK_INT(0, in_snap);
	CHECK_INT(0, in_report);
}

static void cleanup(void)
{
	remove_scratch();
}

TEST_MAIN(T(register_while_snapshots), T(cleanup))
