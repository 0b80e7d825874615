/* alloc.c - see alloc.h.  No state but the fault-injection counter. */
#include "alloc.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "atomic.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HP_PLAIN_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define HP_PLAIN_MALLOC 1
#endif
#endif

#ifdef HP_PLAIN_MALLOC
#define raw_malloc malloc
#define raw_calloc calloc
#define raw_realloc realloc
#define raw_free free
#else
/* glibc's own allocator, underneath any interposed malloc.  Except in a
 * program built with -fsanitize=thread (TSan's functions are there,
 * atomic.h): TSan learns of a free only through its own free, so a block
 * this thread freed and another thread got back from glibc would look to
 * it like one block written by both without an edge (a race report).
 * There the ordinary functions, which are TSan's, as in the runtime built
 * with it; no allocation tracker can be in such a process (TSan owns
 * malloc), and the choice is made at load, so a block always goes back
 * to the allocator it came from. */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);
#define raw_malloc(n) (__tsan_acquire ? malloc(n) : __libc_malloc(n))
#define raw_calloc(n, size) (__tsan_acquire ? calloc(n, size) : __libc_calloc(n, size))
#define raw_realloc(p, n) (__tsan_acquire ? realloc(p, n) : __libc_realloc(p, n))
#define raw_free(p) (__tsan_acquire ? free(p) : __libc_free(p))
#endif

static _Atomic long fail_after = -1;

/* Fault injection: true when this allocation must fail. */
static int injected_failure(void)
{
	long n = hp_atomic_load_relaxed(&fail_after);

	if (n < 0)
		return 0;
	if (n == 0)
		return 1;
	hp_atomic_store_relaxed(&fail_after, n - 1);
	return 0;
}

void hp_alloc_fail_after(long n)
{
	hp_atomic_store_relaxed(&fail_after, n);
}

void *hp_malloc(size_t size)
{
	return injected_failure() ? NULL : raw_malloc(size);
}

void *hp_calloc(size_t n, size_t size)
{
	return injected_failure() ? NULL : raw_calloc(n, size);
}

void *hp_realloc(void *p, size_t size)
{
	return injected_failure() ? NULL : raw_realloc(p, size);
}

void hp_free(void *p)
{
	raw_free(p);
}

char *hp_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *copy = hp_malloc(n);

	if (copy)
		memcpy(copy, s, n);
	return copy;
}

void *hp_map(size_t size)
{
	void *p;

	if (injected_failure())
		return NULL;
#ifdef HP_PLAIN_MALLOC
	if (posix_memalign(&p, 4096, size))
		return NULL;
	memset(p, 0, size);
#else
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#endif
	return p;
}

void hp_unmap(void *p, size_t size)
{
#ifdef HP_PLAIN_MALLOC
	(void)size;
	free(p);
#else
	if (p)
		munmap(p, size);
#endif
}
