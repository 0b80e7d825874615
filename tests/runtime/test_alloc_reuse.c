/* test_alloc_reuse.c - alloc.c as libhotpath.so.1 has it (built without a
 * sanitizer: CMakeLists.txt links its object) in a test built with the
 * tree's sanitizer, as in a user's `hpcc gcc -fsanitize=thread` program.
 *
 * One thread writes a block of the runtime's, frees it and ends; another,
 * with no edge to the first that TSan could see (relaxed flags, no join),
 * allocates a block of the same size and writes it.  Blocks this big are
 * mmap'ed by glibc and unmapped at free, so the second gets the first's
 * address.  Had the runtime taken them from glibc (__libc_malloc) in a
 * TSan process, TSan would not know of the free, and the two memsets
 * (intercepted) would be one block written by two threads: a race
 * report, and TSan's exit status fails the test.  TSan's own malloc
 * knows.  Nothing is asserted of the addresses. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "alloc.h"
#include "test.h"

#define BIG (48u << 20) /* above glibc's largest mmap threshold (32 MiB) */
#define USED 65536       /* written: TSan checks each racy word slowly */

static _Atomic(void *) freed;
static _Atomic int first_done;

static void *first(void *arg)
{
	char *p = hp_malloc(BIG);

	(void)arg;
	if (p) {
		memset(p, 1, USED);
		hp_free(p);
	}
	/* relaxed: no edge to the second thread */
	atomic_store_explicit(&freed, (void *)p, memory_order_relaxed);
	atomic_store_explicit(&first_done, 1, memory_order_relaxed);
	return NULL;
}

static void *second(void *arg)
{
	char *q;

	(void)arg;
	while (!atomic_load_explicit(&first_done, memory_order_relaxed))
		sched_yield();
	q = hp_malloc(BIG);
	if (q) {
		memset(q, 2, USED);
		hp_free(q);
	}
	return q;
}

static void reuse_across_threads(void)
{
	pthread_t a, b;
	void *q;

	CHECK_INT(0, pthread_create(&a, NULL, first, NULL));
	CHECK_INT(0, pthread_create(&b, NULL, second, NULL));
	pthread_join(b, &q);
	pthread_join(a, NULL);
	CHECK(atomic_load(&freed) != NULL);
	CHECK(q != NULL);
	printf("# the second block %s the first's address\n",
	       q == atomic_load(&freed) ? "had" : "did not have");
}

TEST_MAIN(T(reuse_across_threads))
