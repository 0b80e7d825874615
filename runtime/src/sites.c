/* sites.c - see sites.h for the design.
 *
 * Memory: registration runs on the record path, at a site's first call,
 * and that call may be in a signal handler that interrupted malloc.  So
 * nothing here calls malloc: entries, names and the identity table come
 * from mmap (async-signal-safe), in an arena that lives as long as the
 * process (sites are never forgotten).  The lock is held only around
 * that memory work, never around anything that can block. */
#include "sites.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "atomic.h"
#include "hotpath.h"

#define CHUNK_BITS 10u
#define CHUNK (1u << CHUNK_BITS) /* entries per chunk */
#define CHUNKS (HP_SITES_MAX / CHUNK) /* at most 4M sites */

static struct {
	pthread_mutex_t lock;
	struct hp_site_info *_Atomic chunk[CHUNKS];
	_Atomic size_t count;
	uint32_t *ident; /* slot, 0 = empty; power-of-two size; under lock */
	size_t ident_cap;
	char *arena;     /* under lock: the unused part of the last block */
	size_t arena_left;
} reg = { .lock = PTHREAD_MUTEX_INITIALIZER };

#define ARENA_BLOCK (64u * 1024u)

static void *map(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* n zeroed bytes for the rest of the process (under lock); NULL when the
 * system has no memory left. */
static void *arena_alloc(size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (n > ARENA_BLOCK / 4)
		return map(n); /* big: a mapping of its own */
	if (n > reg.arena_left) {
		if (!(reg.arena = map(ARENA_BLOCK))) {
			reg.arena_left = 0;
			return NULL;
		}
		reg.arena_left = ARENA_BLOCK;
	}
	p = reg.arena;
	reg.arena += n;
	reg.arena_left -= n;
	return p;
}

static char *arena_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static uint64_t hash_id(const char *name, const char *file, int line, int kind)
{
	uint64_t h = hash_str(hash_str(14695981039346656037ull, name), file);

	return (h ^ (uint64_t)(unsigned int)line ^ ((uint64_t)(unsigned int)kind << 32)) *
	       1099511628211ull;
}

static int same_str(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

const struct hp_site_info *hp_sites_get(unsigned int slot)
{
	struct hp_site_info *c;
	size_t n = hp_atomic_load_acquire(&reg.count);

	hp_tsan_acquire(&reg.count); /* atomic.h: the names are memcpy'd */
	if (slot == 0 || slot > n)
		return NULL;
	c = hp_atomic_load_acquire(&reg.chunk[(slot - 1) >> CHUNK_BITS]);
	return &c[(slot - 1) & (CHUNK - 1)];
}

size_t hp_sites_count(void)
{
	size_t n = hp_atomic_load_acquire(&reg.count);

	hp_tsan_acquire(&reg.count);
	return n;
}

static int ident_grow(void)
{
	size_t cap = reg.ident_cap ? reg.ident_cap * 2 : 256, i, j;
	size_t n = hp_atomic_load_relaxed(&reg.count);
	uint32_t *t = map(cap * sizeof *t);

	if (!t)
		return ENOMEM;
	for (i = 1; i <= n; i++) {
		const struct hp_site_info *s = hp_sites_get((unsigned int)i);

		j = hash_id(s->name, s->file, s->line, s->kind) & (cap - 1);
		while (t[j])
			j = (j + 1) & (cap - 1);
		t[j] = (uint32_t)i;
	}
	if (reg.ident)
		munmap(reg.ident, reg.ident_cap * sizeof *reg.ident);
	reg.ident = t;
	reg.ident_cap = cap;
	return 0;
}

/* A new entry for the identity at ident[j]; 0 when out of memory. */
static unsigned int add_entry(const struct hp_site *site, size_t j)
{
	size_t n = hp_atomic_load_relaxed(&reg.count);
	struct hp_site_info *c, *e;
	char *name, *file;

	if (n >= (size_t)CHUNK * CHUNKS)
		return 0;
	c = hp_atomic_load_relaxed(&reg.chunk[n >> CHUNK_BITS]);
	if (!c) {
		c = arena_alloc(CHUNK * sizeof *c);
		if (!c)
			return 0;
		hp_atomic_store_release(&reg.chunk[n >> CHUNK_BITS], c);
	}
	name = arena_strdup(site->name ? site->name : "?");
	file = arena_strdup(site->file ? site->file : "");
	if (!name || !file)
		return 0; /* the arena keeps what it gave: no memory anyway */
	e = &c[n & (CHUNK - 1)];
	e->name = name;
	e->file = file;
	e->line = site->line;
	e->kind = site->kind;
	reg.ident[j] = (uint32_t)(n + 1);
	hp_tsan_release(&reg.count);
	hp_atomic_store_release(&reg.count, n + 1);
	return (unsigned int)(n + 1);
}

unsigned int hp_sites_slot(struct hp_site *site)
{
	const char *name = site->name ? site->name : "?";
	const char *file = site->file ? site->file : "";
	unsigned int slot = __atomic_load_n(&site->slot, __ATOMIC_ACQUIRE);
	size_t j;

	if (slot)
		return slot;
	pthread_mutex_lock(&reg.lock);
	slot = __atomic_load_n(&site->slot, __ATOMIC_RELAXED);
	if (slot)
		goto out; /* another thread registered it meanwhile */
	if ((hp_atomic_load_relaxed(&reg.count) + 1) * 2 > reg.ident_cap &&
	    ident_grow())
		goto out;
	j = hash_id(name, file, site->line, site->kind) & (reg.ident_cap - 1);
	for (; reg.ident[j]; j = (j + 1) & (reg.ident_cap - 1)) {
		const struct hp_site_info *s = hp_sites_get(reg.ident[j]);

		if (s->line == site->line && s->kind == site->kind &&
		    same_str(s->name, name) && same_str(s->file, file)) {
			slot = reg.ident[j];
			break;
		}
	}
	if (!slot)
		slot = add_entry(site, j);
	if (slot)
		__atomic_store_n(&site->slot, slot, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&reg.lock);
	return slot;
}

void hp_sites_lock(void)
{
	pthread_mutex_lock(&reg.lock);
}

void hp_sites_unlock(void)
{
	pthread_mutex_unlock(&reg.lock);
}
