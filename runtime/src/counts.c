/* counts.c - see counts.h. */
#include "counts.h"

#include <errno.h>

#include "alloc.h"

#define FIRST_CAP 128u /* cells: 4 KiB */

static struct hp_count_tab *tab_new(size_t cap)
{
	size_t size = sizeof(struct hp_count_tab) + cap * sizeof(struct hp_count_cell);
	struct hp_count_tab *t = hp_map(size);

	if (t) {
		t->cap = cap;
		t->size = size;
	}
	return t;
}

/* The cell of key in t: its own, or the empty one where it goes. */
static struct hp_count_cell *probe(struct hp_count_tab *t, uint64_t key)
{
	size_t i = hp_counts_hash(key, t->cap);

	for (;;) {
		struct hp_count_cell *c = &t->cell[i];
		uint64_t k = hp_atomic_load_relaxed(&c->key);

		if (k == key || k == 0)
			return c;
		i = (i + 1) & (t->cap - 1);
	}
}

/* A table twice the size with every cell copied, published. */
static int grow(struct hp_counts *c, struct hp_count_tab *old)
{
	struct hp_count_tab *t = tab_new(old ? old->cap * 2 : FIRST_CAP);
	size_t i;

	if (!t)
		return ENOMEM;
	for (i = 0; old && i < old->cap; i++) {
		uint64_t k = hp_atomic_load_relaxed(&old->cell[i].key);
		struct hp_count_cell *to;

		if (!k)
			continue;
		to = probe(t, k);
		hp_atomic_store_relaxed(&to->n, hp_atomic_load_relaxed(&old->cell[i].n));
		hp_atomic_store_relaxed(&to->total, hp_atomic_load_relaxed(&old->cell[i].total));
		hp_atomic_store_relaxed(&to->self, hp_atomic_load_relaxed(&old->cell[i].self));
		hp_atomic_store_relaxed(&to->key, k);
	}
	t->older = old;
	hp_atomic_store_release(&c->tab, t);
	return 0;
}

struct hp_count_cell *hp_counts_cell(struct hp_counts *c, uint32_t parent,
				     uint32_t slot, int *grew)
{
	uint64_t key = (uint64_t)parent << 32 | slot;
	struct hp_count_tab *t = hp_atomic_load_relaxed(&c->tab);
	struct hp_count_cell *cell;

	if (t) {
		cell = probe(t, key);
		if (hp_atomic_load_relaxed(&cell->key) == key)
			return cell;
	}
	if (!t || (c->used + 1) * 4 > t->cap * 3) { /* keep it 3/4 at most */
		if (grow(c, t))
			return NULL;
		*grew = 1;
		t = hp_atomic_load_relaxed(&c->tab);
	}
	cell = probe(t, key);
	hp_atomic_store_relaxed(&cell->n, 0);
	hp_atomic_store_relaxed(&cell->total, 0);
	hp_atomic_store_relaxed(&cell->self, 0);
	hp_atomic_store_release(&cell->key, key); /* after its figures */
	c->used++;
	return cell;
}

int hp_counts_add(struct hp_counts *c, const struct hp_count_fig *f)
{
	int grew = 0;
	struct hp_count_cell *cell = hp_counts_cell(c, f->parent, f->slot, &grew);

	if (!cell)
		return ENOMEM;
	hp_atomic_store_relaxed(&cell->n, hp_atomic_load_relaxed(&cell->n) + f->n);
	hp_atomic_store_relaxed(&cell->total,
				hp_atomic_load_relaxed(&cell->total) + f->total);
	hp_atomic_store_relaxed(&cell->self,
				hp_atomic_load_relaxed(&cell->self) + f->self);
	return 0;
}

void hp_counts_each(struct hp_counts *c,
		    void (*fn)(const struct hp_count_fig *f, void *arg),
		    void *arg)
{
	struct hp_count_tab *t = hp_atomic_load_acquire(&c->tab);
	size_t i;

	for (i = 0; t && i < t->cap; i++) {
		uint64_t k = hp_atomic_load_acquire(&t->cell[i].key);
		struct hp_count_fig f;

		if (!k)
			continue;
		/* the writer's order reversed (hp_counts_bump_timed) */
		f.n = hp_atomic_load_acquire(&t->cell[i].n);
		if (!f.n)
			continue;
		f.parent = (uint32_t)(k >> 32);
		f.slot = (uint32_t)k;
		f.self = hp_atomic_load_acquire(&t->cell[i].self);
		f.total = hp_atomic_load_relaxed(&t->cell[i].total);
		fn(&f, arg);
	}
}

void hp_counts_zero(struct hp_counts *c)
{
	struct hp_count_tab *t = hp_atomic_load_acquire(&c->tab);
	size_t i;

	for (i = 0; t && i < t->cap; i++) {
		hp_atomic_store_relaxed(&t->cell[i].n, 0);
		hp_atomic_store_relaxed(&t->cell[i].total, 0);
		hp_atomic_store_relaxed(&t->cell[i].self, 0);
	}
}

void hp_counts_free(struct hp_counts *c)
{
	struct hp_count_tab *t = hp_atomic_load_relaxed(&c->tab), *older;

	for (; t; t = older) {
		older = t->older;
		hp_unmap(t, t->size);
	}
	hp_atomic_store_relaxed(&c->tab, NULL);
	c->used = 0;
}
