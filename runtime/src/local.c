/* local.c - see local.h. */
#include "local.h"

#include <string.h>

#include "alloc.h"

#define BLOCK_BYTES (64u * 1024u)
#define CHUNK_BYTES (HP_HIST_SUB * sizeof(uint64_t))

/* Writer: n bytes (a multiple of 64) from the arena, zeroed; NULL
 * without memory. */
static void *arena_take(struct hp_local *l, size_t n)
{
	void *p;

	if (l->arena_left < n) {
		char *b = hp_map(BLOCK_BYTES);

		if (!b)
			return NULL;
		*(void **)(void *)b = l->blocks;
		l->blocks = b;
		l->arena = b + 64; /* the link's line */
		l->arena_left = BLOCK_BYTES - 64;
	}
	p = l->arena;
	l->arena += n;
	l->arena_left -= n;
	return p;
}

/* The pointer to page pg (slots pg * HP_LPAGE on); the far directory
 * is mapped if `make` (the writer) and it is not yet.  NULL when pg is
 * out of range or the directory is not there. */
static struct hp_lstat *_Atomic *page_ref(struct hp_local *l, uint32_t pg,
					  int make)
{
	struct hp_lstat *_Atomic *far;

	if (pg < HP_LPAGES)
		return &l->page[pg];
	if (pg - HP_LPAGES >= HP_LFAR_PAGES)
		return NULL;
	far = hp_atomic_load_acquire(&l->far);
	if (!far) {
		if (!make || !(far = hp_map(HP_LFAR_PAGES * sizeof *far)))
			return NULL;
		hp_atomic_store_release(&l->far, far);
	}
	return &far[pg - HP_LPAGES];
}

struct hp_lstat *hp_local_page(struct hp_local *l, uint32_t slot)
{
	struct hp_lstat *_Atomic *ref = page_ref(l, slot >> HP_LPAGE_BITS, 1);
	struct hp_lstat *p;

	if (!ref)
		return NULL;
	p = hp_atomic_load_relaxed(ref);
	if (!p) {
		if (!(p = hp_map(HP_LPAGE * sizeof *p)))
			return NULL;
		hp_atomic_store_release(ref, p);
	}
	return &p[slot & (HP_LPAGE - 1)];
}

struct hp_lstat *hp_local_peek(struct hp_local *l, uint32_t slot)
{
	struct hp_lstat *_Atomic *ref = page_ref(l, slot >> HP_LPAGE_BITS, 0);
	struct hp_lstat *p;

	if (!ref || !(p = hp_atomic_load_acquire(ref)))
		return NULL;
	return &p[slot & (HP_LPAGE - 1)];
}

_Atomic uint64_t *hp_local_bucket(struct hp_local *l, struct hp_lstat *s,
				  uint64_t total)
{
	struct hp_lhist *h = hp_atomic_load_relaxed(&s->hist);
	_Atomic uint64_t *chunk;
	unsigned int oct, sub;

	hp_hist_bucket_of(total, &oct, &sub);
	if (!h) {
		/* 59 pointers: 472 bytes, taken as 512 */
		if (!(h = arena_take(l, (sizeof *h + 63) & ~(size_t)63)))
			return NULL;
		hp_atomic_store_release(&s->hist, h);
	}
	chunk = hp_atomic_load_relaxed(&h->oct[oct]);
	if (!chunk) {
		if (!(chunk = arena_take(l, CHUNK_BYTES)))
			return NULL;
		hp_atomic_store_release(&h->oct[oct], chunk);
	}
	return &chunk[sub];
}

void hp_local_merge(struct hp_hist *dst, uint64_t *self, uint64_t *nested,
		    struct hp_local *l, const struct hp_lstat *s)
{
	/* the writer's order reversed (hp_local_add): calls, self, then
	 * the rest, each at least as new as what came before */
	uint64_t calls = hp_atomic_load_acquire(&((struct hp_lstat *)s)->calls);
	uint64_t self_ticks = hp_atomic_load_acquire(&((struct hp_lstat *)s)->self);
	uint64_t min1 = hp_atomic_load_relaxed(&s->min1);
	uint64_t max = hp_atomic_load_relaxed(&s->max), bucketed = 0;
	struct hp_lhist *h = hp_atomic_load_acquire(&((struct hp_lstat *)s)->hist);
	/* after calls: every call before the one pending is in its bucket
	 * (a call after it may be too, or the pending one may have been
	 * counted since: the cap below keeps the sum to calls) */
	_Atomic uint64_t *pending = l ? hp_atomic_load_acquire(&l->pending) : NULL;
	unsigned int oct, sub;

	if (!calls)
		return;
	*self += self_ticks;
	*nested += hp_atomic_load_acquire(&((struct hp_lstat *)s)->nested);
	dst->count += calls;
	dst->total += hp_atomic_load_relaxed(&s->total);
	if (min1 && min1 - 1 < dst->min)
		dst->min = min1 - 1;
	if (max > dst->max)
		dst->max = max;
	for (oct = 0; h && oct < HP_HIST_OCTAVES; oct++) {
		_Atomic uint64_t *chunk = hp_atomic_load_acquire(&h->oct[oct]);

		for (sub = 0; chunk && sub < HP_HIST_SUB; sub++) {
			uint64_t n = hp_atomic_load_relaxed(&chunk[sub]) +
				     (&chunk[sub] == pending);

			if (!n)
				continue;
			/* a reader racing the writer may see a bucket ahead of
			 * the calls it read: never more values than calls */
			if (n > calls - bucketed)
				n = calls - bucketed;
			bucketed += n;
			/* without memory, add_bucket counts them unbucketed
			 * itself: they are not left for the line below */
			(void)hp_hist_add_bucket(dst, oct, sub, n);
		}
	}
	dst->unbucketed += calls - bucketed;
}

/* Reader (or the only thread): page pg, NULL if not mapped. */
static struct hp_lstat *page_at(struct hp_local *l, uint32_t pg)
{
	struct hp_lstat *_Atomic *ref = page_ref(l, pg, 0);

	return ref ? hp_atomic_load_acquire(ref) : NULL;
}

/* Pages to look at: the far ones only once the directory exists. */
static uint32_t pages_in_use(struct hp_local *l)
{
	return hp_atomic_load_acquire(&l->far) ? HP_LPAGES + HP_LFAR_PAGES
					       : HP_LPAGES;
}

void hp_local_each(struct hp_local *l,
		   void (*fn)(uint32_t slot, const struct hp_lstat *s, void *arg),
		   void *arg)
{
	uint32_t i, j, n = pages_in_use(l);

	for (i = 0; i < n; i++) {
		const struct hp_lstat *p = page_at(l, i);

		for (j = 0; p && j < HP_LPAGE; j++)
			if (hp_atomic_load_relaxed(&p[j].calls))
				fn(i << HP_LPAGE_BITS | j, &p[j], arg);
	}
}

void hp_local_zero(struct hp_local *l)
{
	uint32_t i, j, oct, n = pages_in_use(l);

	hp_atomic_store_relaxed(&l->nonlocal, 0);
	hp_atomic_store_relaxed(&l->pending, NULL); /* its chunk is zeroed below */
	for (i = 0; i < n; i++) {
		struct hp_lstat *p = page_at(l, i);

		for (j = 0; p && j < HP_LPAGE; j++) {
			struct hp_lstat *s = &p[j];
			struct hp_lhist *h = hp_atomic_load_relaxed(&s->hist);

			hp_atomic_store_relaxed(&s->calls, 0);
			hp_atomic_store_relaxed(&s->total, 0);
			hp_atomic_store_relaxed(&s->self, 0);
			hp_atomic_store_relaxed(&s->nested, 0);
			hp_atomic_store_relaxed(&s->min1, 0);
			hp_atomic_store_relaxed(&s->max, 0);
			for (oct = 0; h && oct < HP_HIST_OCTAVES; oct++) {
				_Atomic uint64_t *chunk =
					hp_atomic_load_relaxed(&h->oct[oct]);

				if (chunk)
					memset((void *)chunk, 0, CHUNK_BYTES);
			}
		}
	}
}

void hp_local_free(struct hp_local *l)
{
	uint32_t i, n = pages_in_use(l);
	struct hp_lstat *_Atomic *far = hp_atomic_load_relaxed(&l->far);
	void *b, *next;

	for (i = 0; i < n; i++) {
		struct hp_lstat *p = page_at(l, i);

		if (p)
			hp_unmap(p, HP_LPAGE * sizeof *p);
		if (i < HP_LPAGES)
			hp_atomic_store_relaxed(&l->page[i], NULL);
	}
	if (far)
		hp_unmap((void *)far, HP_LFAR_PAGES * sizeof *far);
	hp_atomic_store_relaxed(&l->far, NULL);
	for (b = l->blocks; b; b = next) {
		next = *(void **)b;
		hp_unmap(b, BLOCK_BYTES);
	}
	l->blocks = NULL;
	hp_atomic_store_relaxed(&l->pending, NULL);
	l->arena = NULL;
	l->arena_left = 0;
	hp_atomic_store_relaxed(&l->nonlocal, 0);
}
