/* alloc.h - the one door through which the runtime allocates memory.
 *
 * Every byte the runtime allocates goes through here.  An allocation
 * tracker that interposes malloc() must never see or count the profiler's
 * own memory, and must never be re-entered by it, so these call glibc's
 * internal entry points (__libc_malloc...) which an interposed malloc does
 * not replace.  Under a sanitizer they call the ordinary functions so the
 * sanitizer still sees every block.
 *
 * hp_alloc_fail_after() is fault injection for tests: after n more
 * successful allocations every allocation fails, until reset with -1.
 */
#ifndef HP_ALLOC_H
#define HP_ALLOC_H

#include <stddef.h>

void *hp_malloc(size_t size);
void *hp_calloc(size_t n, size_t size);
void *hp_realloc(void *p, size_t size);
void hp_free(void *p);
char *hp_strdup(const char *s);
void hp_alloc_fail_after(long n);

#endif
