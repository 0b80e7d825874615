/* alloc.h - the one door through which the runtime allocates memory.
 *
 * Every byte the runtime allocates goes through here.  An allocation
 * tracker that interposes malloc() must never see or count the profiler's
 * own memory, and must never be re-entered by it, so these call glibc's
 * internal entry points (__libc_malloc...) which an interposed malloc does
 * not replace.  Under a sanitizer they call the ordinary functions so the
 * sanitizer still sees every block, and so they do in a program built
 * with ThreadSanitizer that links the runtime built without (alloc.c).
 *
 * hp_map() is for large, long-lived regions (the per-thread rings): whole
 * zeroed pages from mmap, so the block starts where its user does and a
 * leak checker sees it as a root, not as a heap block reached only
 * through an interior pointer (valgrind called the rings "possibly
 * lost"), and making a thread's ring needs no malloc.  Under a sanitizer
 * it is a zeroed, page-aligned heap block instead: LeakSanitizer scans no
 * anonymous mapping, and would report the heap blocks it points to.
 *
 * hp_alloc_fail_after() is fault injection for tests: after n more
 * successful allocations (hp_map's included) every allocation fails,
 * until reset with -1.
 */
#ifndef HP_ALLOC_H
#define HP_ALLOC_H

#include <stddef.h>

void *hp_malloc(size_t size);
void *hp_calloc(size_t n, size_t size);
void *hp_realloc(void *p, size_t size);
void hp_free(void *p);
char *hp_strdup(const char *s);
/* Zeroed, page-aligned; NULL on failure.  Give hp_unmap the same size. */
void *hp_map(size_t size);
void hp_unmap(void *p, size_t size);
void hp_alloc_fail_after(long n);

#endif
