/* interpose.c - the allocation tracker: glibc's malloc family, interposed.
 *
 * DESIGN
 * Linked only into programs built with `hpcc --alloc`: libhotpath_alloc.so.1,
 * a DT_NEEDED of the program ahead of libc (as jemalloc is), or
 * libhotpath_alloc.a pulled in whole by a -static link; a plain hpcc build
 * has no allocator interposition at all.  It stamps and counts only once
 * alloc_init() has seen that its malloc is the process's (see there).  Definitions here override glibc's for the whole
 * process, including allocations glibc makes for the program (strdup,
 * fopen, getline), which is the interposition glibc documents: a
 * replacement must provide malloc, free, calloc, realloc and, for
 * memalign-style callers, aligned_alloc, malloc_usable_size, memalign,
 * posix_memalign, pvalloc and valloc.
 *
 * Each block carries a 16-byte header just before the pointer handed out:
 * the size the program asked for (so counters are exact: malloc(100) is
 * 100 bytes, not the usable size), the distance back to the block glibc
 * returned (non-zero padding only for over-aligned blocks), and a magic
 * word.  A pointer without our magic (memory glibc handed out through its
 * __libc_* entry points, which the runtime itself uses via hp_malloc so its
 * own allocations are never counted) goes straight back to glibc.
 *
 * Counting is per thread (alloc_count.h): the tracker only touches the calling
 * thread's counters, so it takes no lock and cannot contend.  A block freed
 * on another thread lowers that thread's live figures (the sums over
 * threads stay exact).  realloc of a live block counts as one allocation of
 * the new size (bytes_total and count_total grow) that replaces the old
 * block in the live figures; realloc(NULL, n) is malloc(n); realloc(p, 0)
 * frees p and returns NULL, as glibc does.  pvalloc reserves whole pages
 * but counts what was asked.  malloc_usable_size is glibc's figure minus
 * our header, so it stays truthful and at least the requested size.
 *
 * fork(): the child inherits the forking thread's counters and keeps
 * counting; glibc's own fork handlers keep its arenas usable.
 *
 * Sanitizers (ASan, TSan, ...) interpose malloc themselves; the two cannot
 * both own it, so this archive is never combined with them (the runtime's
 * CMake skips the tests that need it in sanitizer trees).  Valgrind works
 * with --soname-synonyms=somalloc=nouserintercepts: it then replaces
 * glibc's __libc_* underneath us and checks every block.
 *
 * Cost: about 6 ns per malloc+free pair on top of glibc (bench/alloc).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "alloc_count.h"

#define EXPORT __attribute__((visibility("default")))
#define HEADER_SIZE 16u
#define MAGIC 0x68706163u /* "hpac" */

struct header {
	uint64_t size;   /* bytes the program asked for */
	uint32_t offset; /* user pointer - glibc's pointer */
	uint32_t magic;  /* MAGIC ^ low bits of size */
};

_Static_assert(sizeof(struct header) == HEADER_SIZE, "header must keep 16-byte alignment");

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static size_t (*libc_usable_size)(void *);

/* 1 once alloc_init() has found that this malloc is the process's: only
 * then are blocks stamped and counted.  Until then, and for good when it
 * is not (a dlopen()ed or RTLD_DEEPBIND plugin brought this library in
 * after libc's malloc was bound), every call goes straight to glibc, so
 * a block is never handed to a free() that does not know our header. */
static int on;
static volatile int probe; /* alloc_init's question: 1 asked, 2 answered */

static uint32_t magic_for(uint64_t size)
{
	return MAGIC ^ (uint32_t)size;
}

static struct header *header_of(void *p)
{
	struct header *h = (struct header *)((char *)p - HEADER_SIZE);

	return h->magic == magic_for(h->size) && h->offset >= HEADER_SIZE ? h : NULL;
}

static void count_alloc(size_t n)
{
	struct hp_alloc_thread *t = &hp_alloc_tls;

	t->bytes_total += n;
	t->count_total++;
	t->live_bytes += (int64_t)n;
	t->live_count++;
	if (t->live_bytes > t->peak_bytes)
		t->peak_bytes = t->live_bytes;
	if (t->live_count > t->peak_count)
		t->peak_count = t->live_count;
}

static void count_free(size_t n)
{
	struct hp_alloc_thread *t = &hp_alloc_tls;

	t->live_bytes -= (int64_t)n;
	t->live_count--;
}

/* Stamps the header in front of `base + offset` and counts the block. */
static void *finish(void *base, size_t offset, size_t n)
{
	char *user;
	struct header *h;

	if (!base)
		return NULL;
	user = (char *)base + offset;
	h = (struct header *)(user - HEADER_SIZE);
	h->size = n;
	h->offset = (uint32_t)offset;
	h->magic = magic_for(n);
	count_alloc(n);
	return user;
}

/* `alignment` is a power of two; `size` bytes are reserved, `n` counted. */
static void *aligned_sized(size_t alignment, size_t size, size_t n)
{
	if (__builtin_expect(!on, 0))
		return __libc_memalign(alignment, size);
	if (alignment <= HEADER_SIZE) {
		if (size > SIZE_MAX - HEADER_SIZE)
			goto nomem;
		return finish(__libc_malloc(size + HEADER_SIZE), HEADER_SIZE, n);
	}
	if (size > SIZE_MAX - alignment || alignment > UINT32_MAX)
		goto nomem;
	return finish(__libc_memalign(alignment, size + alignment), alignment, n);
nomem:
	errno = ENOMEM;
	return NULL;
}

static void *aligned(size_t alignment, size_t n)
{
	return aligned_sized(alignment, n, n);
}

static size_t libc_usable(void *base)
{
	size_t (*fn)(void *) = __atomic_load_n(&libc_usable_size, __ATOMIC_RELAXED);

	if (!fn) { /* racing threads find the same function */
		fn = (size_t(*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
		__atomic_store_n(&libc_usable_size, fn, __ATOMIC_RELAXED);
	}
	return fn ? fn(base) : 0;
}

EXPORT void *malloc(size_t n)
{
	if (__builtin_expect(!on, 0)) {
		if (probe == 1)
			probe = 2; /* the process's malloc is this one */
		return __libc_malloc(n);
	}
	if (n > SIZE_MAX - HEADER_SIZE) {
		errno = ENOMEM;
		return NULL;
	}
	return finish(__libc_malloc(n + HEADER_SIZE), HEADER_SIZE, n);
}

EXPORT void free(void *p)
{
	struct header *h;

	if (!p)
		return;
	h = header_of(p);
	if (!h) { /* not ours: glibc's own or the runtime's */
		__libc_free(p);
		return;
	}
	count_free(h->size);
	h->magic = 0; /* a double free must not pass as ours twice */
	__libc_free((char *)p - h->offset);
}

EXPORT void *calloc(size_t nmemb, size_t size)
{
	size_t n;

	if (__builtin_expect(!on, 0))
		return __libc_calloc(nmemb, size);
	if (__builtin_mul_overflow(nmemb, size, &n) || n > SIZE_MAX - HEADER_SIZE) {
		errno = ENOMEM;
		return NULL;
	}
	return finish(__libc_calloc(1, n + HEADER_SIZE), HEADER_SIZE, n);
}

EXPORT void *realloc(void *p, size_t n)
{
	struct header *h;
	void *base, *q;
	size_t old;

	if (__builtin_expect(!on, 0) && (!p || !header_of(p)))
		return __libc_realloc(p, n);
	if (!p)
		return malloc(n);
	if (n == 0) { /* glibc frees and returns NULL */
		free(p);
		return NULL;
	}
	if (n > SIZE_MAX - HEADER_SIZE) {
		errno = ENOMEM;
		return NULL;
	}
	h = header_of(p);
	if (!h) { /* glibc's own block: move it into a counted one */
		old = libc_usable(p);
		q = malloc(n);
		if (!q)
			return NULL;
		memcpy(q, p, old < n ? old : n);
		__libc_free(p);
		return q;
	}
	old = h->size;
	if (h->offset != HEADER_SIZE) { /* over-aligned: move by hand */
		q = malloc(n);
		if (!q)
			return NULL;
		memcpy(q, p, old < n ? old : n);
		free(p);
		return q;
	}
	base = __libc_realloc((char *)p - HEADER_SIZE, n + HEADER_SIZE);
	if (!base)
		return NULL; /* the old block is untouched and still counted */
	count_free(old);
	return finish(base, HEADER_SIZE, n);
}

EXPORT void *reallocarray(void *p, size_t nmemb, size_t size)
{
	size_t n;

	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n);
}

static int valid_alignment(size_t a)
{
	return a != 0 && (a & (a - 1)) == 0;
}

EXPORT int posix_memalign(void **out, size_t alignment, size_t n)
{
	void *p;
	int saved = errno;

	if (!valid_alignment(alignment) || alignment % sizeof(void *) != 0)
		return EINVAL;
	p = aligned(alignment, n);
	if (!p) {
		errno = saved;
		return ENOMEM;
	}
	*out = p;
	return 0;
}

EXPORT void *aligned_alloc(size_t alignment, size_t n)
{
	if (!valid_alignment(alignment)) {
		errno = EINVAL;
		return NULL;
	}
	return aligned(alignment, n);
}

EXPORT void *memalign(size_t alignment, size_t n)
{
	if (!valid_alignment(alignment)) {
		errno = EINVAL;
		return NULL;
	}
	return aligned(alignment, n);
}

EXPORT void *valloc(size_t n)
{
	return aligned((size_t)sysconf(_SC_PAGESIZE), n);
}

EXPORT void *pvalloc(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t rounded;

	if (n > SIZE_MAX - page) {
		errno = ENOMEM;
		return NULL;
	}
	rounded = n ? (n + page - 1) & ~(page - 1) : page;
	/* reserve whole pages, count what the program asked for */
	return aligned_sized(page, rounded, n);
}

EXPORT size_t malloc_usable_size(void *p)
{
	struct header *h;
	size_t usable;

	if (!p)
		return 0;
	h = header_of(p);
	if (!h)
		return libc_usable(p);
	usable = libc_usable((char *)p - h->offset);
	/* glibc unreachable: what the program asked for is always usable */
	return usable > h->offset ? usable - h->offset : h->size;
}

/* Priority 101: before any ordinary constructor, which may already run
 * measured code.  Is this malloc the process's?  Always in a static link
 * (no dynamic symbols: dlsym finds nothing); in a dynamic one when the
 * library was loaded with the program (its DT_NEEDED, or LD_PRELOAD),
 * not when a dlopen()ed plugin brought it in after libc's malloc was
 * bound, nor inside an RTLD_DEEPBIND plugin's own scope.  The global
 * scope's malloc is asked (what every other module calls), and through a
 * call rather than an address comparison: a non-PIE program that takes
 * malloc's address has its own canonical address for it. */
__attribute__((constructor(101))) static void alloc_init(void)
{
	/* The program's handle: its global scope, not ours (RTLD_DEFAULT
	 * would search an RTLD_DEEPBIND plugin's own scope first). */
	void *prog = dlopen(NULL, RTLD_LAZY);
	void *(*global_malloc)(size_t) =
		prog ? (void *(*)(size_t))dlsym(prog, "malloc") : NULL;
	void *p;

	if (prog)
		dlclose(prog);
	if (!global_malloc) {
		on = 1;
	} else {
		probe = 1;
		p = global_malloc(1);
		__libc_free(p); /* unstamped either way: on is still 0 */
		on = probe == 2;
		probe = 0;
	}
	hp_alloc_linked = on;
}
