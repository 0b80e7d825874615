/* test_alloc_frames.c - the frame side of allocation tracking without the
 * interposer, so it also runs under every sanitizer: compiled with
 * -DHOTPATH_ALLOC=1 but linked with libhotpath.a only.
 *
 *   unlinked   no interposer: plain records, no allocation figures at all
 *   simulated  counters driven by hand (as the interposer would) from four
 *              threads, 20,000 calls each: three-slot records wrap the
 *              ring many times, interleaved with plain records from a file
 *              built without HOTPATH_ALLOC (fixture_other.c); totals exact
 */
#include <cjson/cJSON.h>
#include <pthread.h>

#include "test.h"

#include "alloc_count.h"
#include "child.h"
#include "child_json.h"
#include "hotpath.h"

void fixture_other_call(void);

#define CALLS 20000

static void fake_alloc(int64_t n)
{
	struct hp_alloc_thread *t = &hp_alloc_tls;

	t->bytes_total += (uint64_t)n;
	t->count_total++;
	t->live_bytes += n;
	t->live_count++;
	if (t->live_bytes > t->peak_bytes)
		t->peak_bytes = t->live_bytes;
	if (t->live_count > t->peak_count)
		t->peak_count = t->live_count;
}

static void fake_free(int64_t n)
{
	hp_alloc_tls.live_bytes -= n;
	hp_alloc_tls.live_count--;
}

static __attribute__((noinline)) void leaf(void)
{
	HP_FUNCTION(1, "leaf", 1);
	fake_alloc(40);
	fake_alloc(2);
	fake_free(40);
	fake_free(2);
}

static __attribute__((noinline)) void branch(void)
{
	HP_FUNCTION(2, "branch", 2);
	fake_alloc(1000);
	leaf();
	fixture_other_call(); /* a plain record in between */
	fake_free(1000);
}

static void *body(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < CALLS; i++)
		branch();
	return NULL;
}

static int child_simulated(void)
{
	HP_MAIN(3, "main", 3, "");
	pthread_t t[4];
	int i;
	hp_alloc_linked = 1;
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, body, NULL);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	return 0;
}

static int child_unlinked(void)
{
	HP_MAIN(4, "main", 4, "");
	int i;
	for (i = 0; i < 10; i++)
		free(malloc(10)); /* a real malloc: nothing to count it */
	for (i = 0; i < 10; i++)
		leaf();
	return 0;
}

static const struct scenario scenarios[] = {
	{ "simulated", child_simulated },
	{ "unlinked", child_unlinked },
};

__attribute__((constructor)) static void child_dispatch(void)
{
	run_scenario(scenarios, sizeof scenarios / sizeof scenarios[0]);
}

static void unlinked_has_no_figures(void)
{
	struct run r;
	cJSON *root, *fn;

	run_child_wrapped("unlinked", NULL, NULL, &r);
	CHECK(exited(&r, 0));
	CHECK_STR("", r.err);
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	fn = fn_named(root, "leaf");
	CHECK_U64(10, (uint64_t)num(fn, "calls"));
	CHECK(cJSON_GetObjectItem(fn, "alloc_bytes_total") == NULL);
	CHECK(cJSON_GetObjectItem(fn_named(root, "main"), "alloc_bytes_total") == NULL);
	cJSON_Delete(root);
	free_run(&r);
}

static void simulated_counters_exact(void)
{
	struct run r;
	cJSON *root, *fn;

	run_child_wrapped("simulated", NULL, NULL, &r);
	CHECK(exited(&r, 0));
	CHECK_STR("", r.err); /* nothing from a sanitizer either */
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK_U64(0, (uint64_t)num(root, "lost"));
	fn = fn_named(root, "leaf");
	CHECK_U64(4 * CALLS, (uint64_t)num(fn, "calls"));
	CHECK_U64(4 * CALLS * 42, (uint64_t)num(fn, "alloc_bytes_total"));
	CHECK_U64(4 * CALLS * 2, (uint64_t)num(fn, "alloc_count_total"));
	CHECK_U64(42, (uint64_t)num(fn, "alloc_bytes_max"));
	CHECK_U64(2, (uint64_t)num(fn, "alloc_count_max"));
	fn = fn_named(root, "branch");
	CHECK_U64(4 * CALLS, (uint64_t)num(fn, "calls"));
	CHECK_U64(4 * CALLS * 1042, (uint64_t)num(fn, "alloc_bytes_total"));
	CHECK_U64(4 * CALLS * 3, (uint64_t)num(fn, "alloc_count_total"));
	CHECK_U64(1042, (uint64_t)num(fn, "alloc_bytes_max"));
	CHECK_U64(3, (uint64_t)num(fn, "alloc_count_max"));
	CHECK(num(cJSON_GetObjectItem(cJSON_GetObjectItem(fn, "alloc_percentiles"),
				      "bytes_max"), "p95") == 1042);
	fn = fn_named(root, "helper"); /* fixture_other.c: plain records */
	CHECK_U64(4 * CALLS, (uint64_t)num(fn, "calls"));
	CHECK(cJSON_GetObjectItem(fn, "alloc_bytes_total") == NULL);
	cJSON_Delete(root);
	free_run(&r);
}

static void cleanup(void)
{
	remove_scratch();
}

TEST_MAIN(T(unlinked_has_no_figures), T(simulated_counters_exact), T(cleanup))
