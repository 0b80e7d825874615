/* heavy.c - a malloc-heavy measured function, compiled twice: with
 * -DHOTPATH_ALLOC=1 and the tracked malloc (as `hpcc --alloc` builds it),
 * and plain with glibc's allocator called directly (as a build without
 * --alloc, which has no interposer, gets it). */
#include <stddef.h>

#include "hotpath.h"

#ifdef HOTPATH_ALLOC
#define HEAVY heavy_alloc
#define MALLOC malloc
#define FREE free
void *malloc(size_t n);
void free(void *p);
#else
#define HEAVY heavy_plain
#define MALLOC __libc_malloc
#define FREE __libc_free
void *__libc_malloc(size_t n);
void __libc_free(void *p);
#endif

void HEAVY(unsigned int seed);

/* 16 blocks of 16..496 bytes, all live at once, then freed. */
__attribute__((noinline)) void HEAVY(unsigned int seed)
{
	HP_FUNCTION(1, "heavy", 1);
	void *p[16];
	unsigned int i;
	for (i = 0; i < 16; i++)
		p[i] = MALLOC(16 + ((seed + i * 7) & 31) * 15);
	for (i = 0; i < 16; i++)
		FREE(p[i]);
}
