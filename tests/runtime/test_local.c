/* test_local.c - writer-side statistics (runtime/src/local.h): the
 * per-thread tables themselves (every slot the registry can give is kept;
 * a merge without memory), and a program in that mode whose threads
 * record, start and end while snapshots read their tables (run under
 * ThreadSanitizer in the sanitizer trees: the `sanitize` label).
 *
 * The scenario re-runs this binary as a child (child.h) with the table
 * format, which selects writer-side statistics; it checks every live
 * snapshot for consistency itself and writes a final one whose counts
 * are known in advance.  Others (metrics format, also writer-side) put
 * calls of known length (hp_record) in known buckets and end the thread
 * or the process every way the exit report knows (a thread's end, main's
 * return, exit(), pthread_exit, a fork child, SIGINT): each call must be
 * in its bucket exactly once.  Exact counts only, never timing. */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdatomic.h>
#include <unistd.h>

#include "test.h"

#include "alloc.h"
#include "child.h"
#include "child_json.h"
#include "hotpath.h"
#include "local.h"
#include "prom_text.h"
#include "sanitized.h"
#include "sites.h"

#define HANG_SECONDS 120


/* ---- the tables ---- */

struct seen {
	uint32_t slot[8];
	uint64_t calls[8];
	int n;
};

static void collect(uint32_t slot, const struct hp_lstat *s, void *arg)
{
	struct seen *x = arg;

	if (x->n < 8) {
		x->slot[x->n] = slot;
		x->calls[x->n++] = atomic_load(&s->calls);
	}
}

/* A program with more sites than the fast path's pages cover (262,143)
 * keeps them all, as the worker does, rather than losing their calls. */
static void far_slots_kept(void)
{
	static const uint32_t slots[] = { 1, HP_LSLOTS - 1, HP_LSLOTS,
					  HP_LSLOTS + 300, HP_SITES_MAX };
	struct hp_local *l = calloc(1, sizeof *l);
	struct seen x = { { 0 }, { 0 }, 0 };
	size_t i;

	CHECK(l != NULL);
	for (i = 0; i < sizeof slots / sizeof slots[0]; i++) {
		struct hp_lstat *s = hp_local_stat(l, slots[i]);

		if (!s)
			TEST_FAIL_("slot %u has no statistics", slots[i]);
		hp_local_add(l, s, 100 + i, 100 + i, 0);
		CHECK(hp_local_peek(l, slots[i]) == s);
	}
	CHECK(hp_local_stat(l, UINT32_MAX) == NULL); /* no site has it */
	CHECK(hp_local_peek(l, HP_LSLOTS + 301) != NULL); /* same page, 0 calls */
	CHECK(hp_local_peek(l, HP_LSLOTS + 3000) == NULL); /* page not mapped */
	hp_local_each(l, collect, &x);
	CHECK_INT(5, x.n);
	for (i = 0; i < 5; i++) {
		CHECK_U64(slots[i], x.slot[i]);
		CHECK_U64(1, x.calls[i]);
	}
	hp_local_zero(l);
	x.n = 0;
	hp_local_each(l, collect, &x);
	CHECK_INT(0, x.n);
	hp_local_free(l);
	CHECK(hp_local_peek(l, HP_LSLOTS) == NULL);
	free(l);
}

/* A reader that finds no memory for a bucket counts the bucket's values
 * as unbucketed once: percentiles then fall back to the exact bounds
 * rather than read past the count. */
static void merge_without_memory(void)
{
	struct hp_local *l = calloc(1, sizeof *l);
	struct hp_lstat *s;
	struct hp_hist h;
	uint64_t self = 0, nested = 0;

	CHECK(l != NULL);
	CHECK((s = hp_local_stat(l, 3)) != NULL);
	hp_local_add(l, s, 1000, 900, 0);
	hp_local_add(l, s, 2000, 1500, 0);
	hp_local_add(l, s, 3000, 3000, 0);
	hp_hist_init(&h);
	hp_alloc_fail_after(0);
	hp_local_merge(&h, &self, &nested, l, s);
	hp_alloc_fail_after(-1);
	CHECK_U64(3, h.count);
	CHECK_U64(6000, h.total);
	CHECK_U64(5400, self);
	CHECK_U64(1000, h.min);
	CHECK_U64(3000, h.max);
	CHECK_U64(3, h.unbucketed);
	CHECK_U64(3000, hp_hist_percentile(&h, 50));
	/* with memory, the buckets are there */
	hp_hist_free(&h);
	hp_local_merge(&h, &self, &nested, l, s);
	CHECK_U64(0, h.unbucketed);
	CHECK(hp_hist_percentile(&h, 50) >= 1980 && hp_hist_percentile(&h, 50) <= 2020);
	hp_hist_free(&h);
	hp_local_free(l);
	free(l);
}

static uint64_t bucket_sum(struct hp_hist *h)
{
	uint64_t n = 0;
	unsigned int o, i;

	for (o = 0; o < HP_HIST_OCTAVES; o++)
		for (i = 0; h->octave[o] && i < HP_HIST_SUB; i++)
			n += h->octave[o][i];
	return n;
}

/* A thread's last call has its bucket counted at its next one
 * (hp_local_add_at): a reader in between counts it from `pending`, in
 * the right site and bucket, and settling counts it once. */
static void pending_bucket(void)
{
	struct hp_local *l = calloc(1, sizeof *l);
	struct hp_lstat *a, *b;
	struct hp_hist h;
	uint64_t self = 0, nested = 0;

	CHECK(l != NULL);
	CHECK((a = hp_local_stat(l, 5)) != NULL);
	CHECK((b = hp_local_stat(l, 6)) != NULL);
	hp_local_add(l, a, 10, 10, 0);
	hp_local_add(l, a, 5000, 5000, 0); /* a's last: pending */
	hp_hist_init(&h);
	hp_local_merge(&h, &self, &nested, l, a);
	CHECK_U64(2, bucket_sum(&h));
	CHECK_U64(0, h.unbucketed);
	CHECK(hp_hist_percentile(&h, 100) == 5000);
	CHECK(hp_hist_percentile(&h, 99) >= 4950); /* the bucket of 5000 */
	hp_hist_free(&h);
	hp_local_add(l, b, 7, 7, 0); /* a's 5000 counted now; b's pending */
	hp_local_merge(&h, &self, &nested, l, a);
	CHECK_U64(2, bucket_sum(&h));
	CHECK(hp_hist_percentile(&h, 99) >= 4950);
	hp_hist_free(&h);
	/* a reader without the thread's `pending` lacks b's call */
	hp_local_merge(&h, &self, &nested, NULL, b);
	CHECK_U64(0, bucket_sum(&h));
	CHECK_U64(1, h.unbucketed);
	hp_hist_free(&h);
	hp_local_settle(l);
	CHECK(hp_atomic_load_relaxed(&l->pending) == NULL);
	hp_local_settle(l); /* nothing left: no second count */
	hp_local_merge(&h, &self, &nested, l, b);
	CHECK_U64(1, bucket_sum(&h));
	CHECK_U64(0, h.unbucketed);
	hp_hist_free(&h);
	hp_local_merge(&h, &self, &nested, NULL, a);
	CHECK_U64(2, bucket_sum(&h));
	hp_hist_free(&h);
	/* a fork child's zeroing leaves nothing pending in a zeroed chunk */
	hp_local_add(l, a, 10, 10, 0);
	hp_local_zero(l);
	CHECK(hp_atomic_load_relaxed(&l->pending) == NULL);
	hp_local_add(l, a, 20, 20, 0);
	hp_local_settle(l);
	hp_local_merge(&h, &self, &nested, NULL, a);
	CHECK_U64(1, h.count);
	CHECK_U64(1, bucket_sum(&h));
	CHECK_U64(20, hp_hist_percentile(&h, 50));
	hp_hist_free(&h);
	hp_local_free(l);
	free(l);
}

/* ---- the scenario (in the child) ---- */

#define WORKERS 3
#define K 20000
#define R 50
#define J 20
#define CHURN 200
#define CHURN_CALLS 10

static __thread volatile unsigned long sink;
static __thread jmp_buf jb;
static atomic_int running;

static __attribute__((noinline)) void leaf(int x)
{
	HP_FUNCTION(1, "leaf", 1);
	sink += (unsigned long)x;
}

static __attribute__((noinline)) void mid(int x)
{
	HP_FUNCTION(2, "mid", 2);
	leaf(x);
	leaf(x + 1);
}

static __attribute__((noinline)) int rec(int d)
{
	HP_FUNCTION(3, "rec", 3);
	if (!d) {
		leaf(0);
		return 0;
	}
	return rec(d - 1) + 1;
}

static __attribute__((noinline)) void jumper(int d)
{
	HP_FUNCTION(4, "jumper", 4);
	if (d <= 0)
		longjmp(jb, 1);
	if (d < 100)
		jumper(d - 1);
}

/* Its own frame, so that no variable of work() lives across setjmp. */
static __attribute__((noinline)) void jump_once(void)
{
	if (!setjmp(jb))
		jumper(2);
}

static void *work(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < K; i++)
		mid(i);
	for (i = 0; i < R; i++)
		sink += (unsigned long)rec(8);
	for (i = 0; i < J; i++)
		jump_once();
	atomic_fetch_sub(&running, 1);
	return NULL;
}

static void *short_lived(void *arg)
{
	int i;

	for (i = 0; i < CHURN_CALLS; i++)
		leaf(i);
	return arg;
}

/* Threads that start, record and end while the snapshots run: their
 * tables are folded and freed (and their rings reused) meanwhile. */
static void *churn(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < CHURN; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, short_lived, NULL) == 0)
			pthread_join(t, NULL);
	}
	atomic_fetch_sub(&running, 1);
	return NULL;
}

/* Every row of a snapshot holds together: self within total, the
 * histogram holding the calls, edges within their callee's calls. */
static int consistent(const char *path)
{
	char *text = slurp(path);
	cJSON *root = text ? cJSON_Parse(text) : NULL, *f, *b;
	int ok = root != NULL;

	cJSON_ArrayForEach(f, cJSON_GetObjectItem(root, "functions")) {
		double sum = 0;

		cJSON_ArrayForEach(b, cJSON_GetObjectItem(f, "histogram"))
			sum += cJSON_GetArrayItem(b, 1)->valuedouble;
		if (num(f, "self_ns") > num(f, "total_ns") + num(f, "recursive_ns") ||
		    sum != num(f, "calls"))
			ok = 0;
	}
	cJSON_ArrayForEach(f, cJSON_GetObjectItem(root, "edges"))
		if (num(f, "self_ns") > num(f, "total_ns"))
			ok = 0;
	if (!ok)
		fprintf(stderr, "inconsistent snapshot: %s\n", text ? text : "(none)");
	cJSON_Delete(root);
	free(text);
	return ok;
}

static int scenario_threads(void)
{
	HP_MAIN(9, "main", 9, NULL);
	const char *dir = getenv("HPTEST_DIR");
	pthread_t t[WORKERS + 1];
	char path[512];
	int i, snaps = 0, bad = 0;

	alarm(HANG_SECONDS);
	snprintf(path, sizeof path, "%s/live.json", dir);
	atomic_store(&running, WORKERS + 1);
	for (i = 0; i < WORKERS; i++)
		if (pthread_create(&t[i], NULL, work, NULL))
			return 2;
	if (pthread_create(&t[WORKERS], NULL, churn, NULL))
		return 2;
	/* snapshots while the threads record (at least a few) */
	while (snaps < 3 || atomic_load(&running)) {
		if (hotpath_snapshot("json", path))
			return 3;
		bad += !consistent(path);
		snaps++;
	}
	for (i = 0; i <= WORKERS; i++)
		pthread_join(t[i], NULL);
	snprintf(path, sizeof path, "%s/final.json", dir);
	if (hotpath_snapshot("json", path))
		return 3;
	return bad ? 4 : !consistent(path) ? 4 : 0;
}

/* ---- every call in its bucket at the exit report (in the child) ----
 *
 * hp_record's known lengths (HOTPATH_CLOCK=monotonic: ticks are ns) put
 * a site's calls in known buckets without timing anything: nine of 1 s,
 * then one of 1 us, the thread's last call, whose bucket is counted only
 * at the thread's next call (local.h's `pending`).  The report must hold
 * it exactly once whichever way the thread and the process end: counted
 * twice, the 1 us bucket holds 2 and the cap takes one off the 1 s
 * bucket; lost, it holds 0. */

static struct hp_site known_site = { "known", __FILE__, 1, HP_KIND_FUNCTION, 0, 0 };

static void known_calls(void)
{
	int i;

	for (i = 0; i < 9; i++)
		hp_record(&known_site, 1000000000ull);
	hp_record(&known_site, 1000); /* last: pending */
}

static void *known_thread(void *arg)
{
	leaf(1);
	known_calls();
	return arg;
}

/* A thread that ends: the worker (or the report) folds its table. */
static int scenario_known_thread(void)
{
	HP_MAIN(11, "main", 11, NULL);
	pthread_t t;

	alarm(HANG_SECONDS);
	if (pthread_create(&t, NULL, known_thread, NULL) || pthread_join(t, NULL))
		return 2;
	return 0;
}

/* main's own thread, main returning: the report's thread. */
static int scenario_known_main(void)
{
	HP_MAIN(12, "main", 12, NULL);

	alarm(HANG_SECONDS);
	known_calls();
	return 0;
}

/* exit() inside a measured call. */
static __attribute__((noinline)) void known_exit_in(void)
{
	HP_FUNCTION(13, "exit_in", 13);
	known_calls();
	exit(0);
}

static int scenario_known_exit(void)
{
	HP_MAIN(14, "main", 14, NULL);

	alarm(HANG_SECONDS);
	known_exit_in();
	return 1;
}

/* pthread_exit from main, another thread ending after it. */
static int scenario_known_pexit(void)
{
	HP_MAIN(15, "main", 15, NULL);
	pthread_t t;

	alarm(HANG_SECONDS);
	known_calls();
	if (pthread_create(&t, NULL, known_thread, NULL))
		return 2;
	pthread_exit(NULL);
}

/* A fork child: the parent's pending call is not the child's; each
 * report has its own ten. */
static int scenario_known_fork(void)
{
	HP_MAIN(16, "main", 16, NULL);
	pid_t pid;
	int st;

	alarm(HANG_SECONDS);
	known_calls();
	if ((pid = fork()) < 0)
		return 2;
	if (pid == 0) {
		leaf(2);
		known_calls();
		exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return 3;
	return 0;
}

/* SIGINT's report (the reporter thread, this thread waiting in the
 * handler with a call open). */
static __attribute__((noinline)) void known_sigint_in(void)
{
	HP_FUNCTION(17, "sigint_in", 17);
	known_calls();
	raise(SIGINT);
}

static int scenario_known_sigint(void)
{
	HP_MAIN(18, "main", 18, NULL);

	alarm(HANG_SECONDS);
	known_sigint_in();
	return 1;
}

static const struct scenario scenarios[] = {
	{ "threads", scenario_threads },
	{ "known_thread", scenario_known_thread },
	{ "known_main", scenario_known_main },
	{ "known_exit", scenario_known_exit },
	{ "known_fork", scenario_known_fork },
	{ "known_sigint", scenario_known_sigint },
};

/* known_pexit runs under main() (glibc's pthread_exit cannot unwind
 * from a constructor): the first "test" of a scenario child. */
static const struct scenario under_main[] = {
	{ "known_pexit", scenario_known_pexit },
};

static int is_under_main(void)
{
	const char *name = getenv("HPTEST_CHILD");

	return name && strcmp(name, under_main[0].name) == 0;
}

__attribute__((constructor)) static void scenario_main(void)
{
	if (!is_under_main())
		run_scenario(scenarios, sizeof scenarios / sizeof scenarios[0]);
}

static void scenario_under_main(void)
{
	if (is_under_main())
		run_scenario(under_main, 1);
}

/* ---- the scenario's checks (in the parent) ---- */

static void threads_and_snapshots(void)
{
	char env_dir[600], path[600];
	const char *env[] = { "HOTPATH_FORMAT=table", "HOTPATH_INTERVAL=0.005",
			      env_dir, NULL };
	struct run r;
	char *text;
	cJSON *root;

	ensure_scratch();
	snprintf(env_dir, sizeof env_dir, "HPTEST_DIR=%s", scratch);
	snprintf(path, sizeof path, "%s/final.json", scratch);
	run_child_wrapped("threads", env, NULL, &r);
	if (!exited(&r, 0)) {
		fprintf(stderr, "%s\n", r.err ? r.err : "");
		free_run(&r);
		TEST_FAIL_("the scenario failed (status %d)", r.status);
	}
	free_run(&r);
	text = slurp(path);
	root = text ? cJSON_Parse(text) : NULL;
	CHECK(root != NULL);
	CHECK_INT(WORKERS * (2 * K + R) + CHURN * CHURN_CALLS,
		  num(fn_named(root, "leaf"), "calls"));
	CHECK_INT(WORKERS * K, num(fn_named(root, "mid"), "calls"));
	CHECK_INT(WORKERS * R * 9, num(fn_named(root, "rec"), "calls"));
	CHECK(fn_named(root, "jumper") == NULL); /* all left by longjmp */
	CHECK_INT(WORKERS * J * 3, num(root, "nonlocal_exits"));
	CHECK_INT(0, num(root, "lost"));
	cJSON_Delete(root);
	free(text);
	remove_scratch();
}

/* Each report of the scenario (HOTPATH_OUTPUT=<scratch>/<name>.%p.prom;
 * `reports` of them) has `known` with its ten calls `times` over, one
 * in ten in the 1 us bucket; the child exits with 0, or dies of sig. */
static void known_reports(const char *name, int sig, int reports, int times)
{
	char out[600], prefix[300], path[900];
	const char *env[] = { "HOTPATH_FORMAT=metrics", "HOTPATH_CLOCK=monotonic",
			      "HOTPATH_SIGNAL_REPORT=1", out,
			      strcmp(name, "known_fork") == 0 ? FORK_SCENARIO_ENV : NULL,
			      NULL };
	struct run r;
	struct dirent *e;
	DIR *d;
	int ok;

	ensure_scratch();
	snprintf(prefix, sizeof prefix, "%s.", name);
	snprintf(out, sizeof out, "HOTPATH_OUTPUT=%s/%s%%p.prom", scratch, prefix);
	run_child_wrapped(name, env, NULL, &r);
	ok = sig ? WIFSIGNALED(r.status) && WTERMSIG(r.status) == sig : exited(&r, 0);
	if (r.err && strstr(r.err, "Sanitizer"))
		ok = 0; /* a sanitizer tree's report in the child */
	if (!ok)
		fprintf(stderr, "%s: status %d\n%s\n", name, r.status, r.err ? r.err : "");
	free_run(&r);
	CHECK(ok);
	CHECK((d = opendir(scratch)) != NULL);
	while ((e = readdir(d))) {
		char *text;

		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", scratch, e->d_name);
		text = slurp(path);
		unlink(path);
		reports--;
		if (prom_bucket(text, "known", "0.3") != times ||
		    prom_bucket(text, "known", "3") != 10 * times ||
		    prom_bucket(text, "known", "+Inf") != 10 * times)
			fprintf(stderr, "%s:\n%s\n", path, text ? text : "(none)");
		CHECK_INT(times, (int)prom_bucket(text, "known", "0.3"));
		CHECK_INT(10 * times, (int)prom_bucket(text, "known", "3"));
		CHECK_INT(10 * times, (int)prom_bucket(text, "known", "+Inf"));
		free(text);
	}
	closedir(d);
	CHECK_INT(0, reports);
}

static void known_bucket_at_exit(void)
{
	scratch[0] = '\0'; /* a new one: an earlier test removed its own */
	known_reports("known_thread", 0, 1, 1);
	known_reports("known_main", 0, 1, 1);
	known_reports("known_exit", 0, 1, 1);
	known_reports("known_sigint", SIGINT, 1, 1);
	/* as in test_lifecycle.c: after pthread_exit from main TSan's own
	 * thread keeps the process alive, and the fork child's worker is a
	 * thread started after a multi-threaded fork, which TSan rejects */
	if (UNDER_TSAN) {
		printf("skip known_pexit, known_fork: ThreadSanitizer\n");
	} else {
		known_reports("known_pexit", 0, 1, 2); /* main's and a thread's */
		known_reports("known_fork", 0, 2, 1);
	}
	remove_scratch();
}

TEST_MAIN(T(scenario_under_main), T(far_slots_kept), T(merge_without_memory), T(pending_bucket),
	  T(threads_and_snapshots), T(known_bucket_at_exit))
