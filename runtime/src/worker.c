/* worker.c - see worker.h for the design. */
#include "worker.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "alloc_count.h"
#include "atomic.h"
#include "buf.h"
#include "hotpath.h"

static pthread_t thread;
static _Atomic int running;   /* writers may wait for space */
static _Atomic int stopping;
static _Atomic int sleeping;
static _Atomic unsigned int wake_seq;
/* Held by the worker for each pass, and by fork() across the fork
 * (session.c's atfork handlers): a child never inherits the statistics
 * half-updated. */
static pthread_mutex_t pass_lock = PTHREAD_MUTEX_INITIALIZER;

static struct hp_stat *stats;
static size_t nstats, stats_cap;

/* Identity hash table: stats index + 1, 0 = empty.  Power-of-two size. */
static uint32_t *ident;
static size_t ident_cap;

static int futex(_Atomic unsigned int *addr, int op, unsigned int val,
		 const struct timespec *timeout)
{
	return (int)syscall(SYS_futex, (void *)addr, op, val, timeout, NULL, 0);
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static uint64_t hash_site(const struct hp_site *s)
{
	uint64_t h = 14695981039346656037ull;

	h = hash_str(h, s->name);
	h = hash_str(h, s->file);
	return (h ^ (uint64_t)s->line ^ ((uint64_t)s->kind << 32)) *
	       1099511628211ull;
}

static int same_str(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return a == b || strcmp(a, b) == 0;
}

static int same_site(const struct hp_site *a, const struct hp_site *b)
{
	return a->line == b->line && a->kind == b->kind &&
	       same_str(a->name, b->name) && same_str(a->file, b->file);
}

static int ident_grow(void)
{
	size_t cap = ident_cap ? ident_cap * 2 : 256, i, j;
	uint32_t *t = hp_calloc(cap, sizeof *t);

	if (!t)
		return ENOMEM;
	for (i = 0; i < nstats; i++) {
		j = hash_site(stats[i].site) & (cap - 1);
		while (t[j])
			j = (j + 1) & (cap - 1);
		t[j] = (uint32_t)(i + 1);
	}
	hp_free(ident);
	ident = t;
	ident_cap = cap;
	return 0;
}

/* The slot for a site seen for the first time; 0 if out of memory. */
static unsigned int assign_slot(struct hp_site *site)
{
	size_t j;

	if ((nstats + 1) * 2 > ident_cap && ident_grow())
		return 0;
	j = hash_site(site) & (ident_cap - 1);
	for (; ident[j]; j = (j + 1) & (ident_cap - 1))
		if (same_site(stats[ident[j] - 1].site, site))
			return site->slot = ident[j];
	if (nstats == stats_cap) {
		size_t cap = stats_cap ? stats_cap * 2 : 64;
		struct hp_stat *s = hp_realloc(stats, cap * sizeof *s);

		if (!s)
			return 0;
		stats = s;
		stats_cap = cap;
	}
	stats[nstats].site = site;
	hp_hist_init(&stats[nstats].hist);
	stats[nstats].alloc = NULL;
	ident[j] = (uint32_t)++nstats;
	return site->slot = (unsigned int)nstats;
}

/* Returns the site's stats, or NULL (counted as lost). */
static inline struct hp_stat *add(struct hp_site *site, uint64_t ticks)
{
	unsigned int slot = site->slot;

	if (__builtin_expect(slot == 0, 0)) {
		slot = assign_slot(site);
		if (!slot) {
			hp_buf_count_lost(1);
			return NULL;
		}
	}
	/* A clock that stepped back (it should not) must not read as ~2^64. */
	if ((int64_t)ticks < 0)
		ticks = 0;
	hp_hist_record(&stats[slot - 1].hist, ticks);
	return &stats[slot - 1];
}

static void add_alloc(struct hp_site *site, uint64_t ticks, const uint64_t *fig)
{
	struct hp_stat *s = add(site, ticks);
	int m;

	if (!s)
		return;
	if (__builtin_expect(s->alloc == NULL, 0)) {
		s->alloc = hp_malloc(sizeof *s->alloc);
		if (!s->alloc)
			return; /* the time is in; these figures are not */
		for (m = 0; m < HP_ALLOC_METRICS; m++)
			hp_hist_init(&s->alloc->metric[m]);
	}
	for (m = 0; m < HP_ALLOC_METRICS; m++)
		hp_hist_record(&s->alloc->metric[m], fig[m]);
}

void hp_worker_add(struct hp_site *site, uint64_t ticks)
{
	add(site, ticks);
}

void hp_worker_add_alloc(struct hp_site *site, uint64_t ticks,
			 const struct hp_alloc_delta *d)
{
	add_alloc(site, ticks, (const uint64_t *)(const void *)d);
}

static uint64_t drain(struct hp_buf *b)
{
	uint64_t t = hp_atomic_load_relaxed(&b->tail);
	uint64_t h = hp_atomic_load_acquire(&b->head);
	uint64_t i;

	for (i = t; i != h; i++) {
		const struct hp_rec *r = &b->rec[i & HP_BUF_MASK];
		uint64_t fig[HP_ALLOC_METRICS];

		if (__builtin_expect(!(r->tag & HP_REC_ALLOC), 1)) {
			add(r->site, r->ticks);
			continue;
		}
		/* An allocation record: the writer published all 3 slots. */
		fig[0] = b->rec[(i + 1) & HP_BUF_MASK].first;
		fig[1] = b->rec[(i + 1) & HP_BUF_MASK].second;
		fig[2] = b->rec[(i + 2) & HP_BUF_MASK].first;
		fig[3] = b->rec[(i + 2) & HP_BUF_MASK].second;
		add_alloc((struct hp_site *)(r->tag & ~HP_REC_ALLOC), r->ticks, fig);
		i += HP_REC_ALLOC_SLOTS - 1;
	}
	if (h != t)
		hp_atomic_store_release(&b->tail, h);
	return h - t;
}

uint64_t hp_worker_drain_all(void)
{
	struct hp_buf *b, *prev = NULL, *next;
	uint64_t n = 0;

	for (b = hp_buf_first(); b; b = next) {
		int dead = hp_atomic_load_acquire(&b->dead);

		next = b->next;
		n += drain(b);
		if (dead) {
			/* The owner is gone: nothing can follow what we drained. */
			hp_buf_remove(prev, b);
			continue;
		}
		prev = b;
	}
	return n;
}

static void *worker_main(void *arg)
{
	static const struct timespec idle = { 0, 1000000 };

	(void)arg;
	for (;;) {
		unsigned int seq = hp_atomic_load_acquire(&wake_seq);

		uint64_t n;

		pthread_mutex_lock(&pass_lock);
		n = hp_worker_drain_all();
		pthread_mutex_unlock(&pass_lock);

		/* Busy: go on.  Otherwise let the rings fill (a writer wakes
		 * us at half full) rather than chase every record. */
		if (n >= HP_BUF_CAP / 8)
			continue;
		if (hp_atomic_load_acquire(&stopping)) {
			if (n)
				continue;
			break;
		}
		/* seq_cst: pairs with the writer's increment-then-load in
		 * hp_worker_wake() (either it sees us asleep, or we see its
		 * new wake_seq and futex_wait returns at once). */
		atomic_store(&sleeping, 1);
		futex(&wake_seq, FUTEX_WAIT_PRIVATE, seq, &idle);
		hp_atomic_store_release(&sleeping, 0);
	}
	return NULL;
}

int hp_worker_start(void)
{
	pthread_attr_t attr;
	int err;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	hp_atomic_store_release(&running, 1);
	err = pthread_create(&thread, &attr, worker_main, NULL);
	pthread_attr_destroy(&attr);
	if (err)
		hp_atomic_store_release(&running, 0);
	return err;
}

int hp_worker_running(void)
{
	return hp_atomic_load_acquire(&running);
}

void hp_worker_wake(void)
{
	atomic_fetch_add(&wake_seq, 1);
	if (atomic_load(&sleeping))
		futex(&wake_seq, FUTEX_WAKE_PRIVATE, 1, NULL);
}

void hp_worker_stop(void)
{
	if (!hp_atomic_exchange(&running, 0))
		return;
	hp_atomic_store_release(&stopping, 1);
	hp_worker_wake();
	pthread_join(thread, NULL);
}

void hp_worker_forget(void)
{
	hp_atomic_store_release(&running, 0);
}

void hp_worker_lock(void)
{
	pthread_mutex_lock(&pass_lock);
}

void hp_worker_unlock(void)
{
	pthread_mutex_unlock(&pass_lock);
}

/* Fork child: the statistics start again from nothing.  Aggregates are
 * zeroed in place; the structures stay (slots cached in sites, and open
 * calls of the consumer, keep pointing into them).  Pass lock held. */
void hp_worker_reset_stats(void)
{
	size_t i;
	int m;

	for (i = 0; i < nstats; i++) {
		hp_hist_free(&stats[i].hist); /* leaves it empty */
		if (!stats[i].alloc)
			continue;
		for (m = 0; m < HP_ALLOC_METRICS; m++)
			hp_hist_free(&stats[i].alloc->metric[m]);
		hp_free(stats[i].alloc);
		stats[i].alloc = NULL;
	}
}

size_t hp_stats_count(void)
{
	return nstats;
}

struct hp_stat *hp_stats_get(size_t i)
{
	return &stats[i];
}
