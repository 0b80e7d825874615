/* buf.c - ring allocation, the writer's wait, and the registry.
 * The design is in buf.h. */
#include "buf.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "settings.h"

__thread struct hp_buf *hp_tls_buf __attribute__((tls_model("initial-exec")));

/* The registry: every live ring, newest first, and the consumer's
 * doorbell (buf.h). */
static struct registry {
	pthread_mutex_t lock;
	struct hp_buf *head;
	_Atomic uint64_t lost_freed; /* lost counts of freed buffers */
	_Atomic int consumer;        /* a consumer runs: writers may wait */
	_Atomic int sleeping;        /* ... and it sleeps on `bell` */
	_Atomic unsigned int bell;   /* futex word: bumped by each wake */
	struct hp_buf *spare;        /* freed rings for new threads (by next) */
	unsigned int nspare;
} registry = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Rings kept for reuse: a program that starts and ends threads one by
 * one gets its rings without a syscall, as it did from malloc. */
#define SPARE_MAX 16u

static long futex(_Atomic unsigned int *addr, int op, unsigned int val,
		  const struct timespec *timeout)
{
	return syscall(SYS_futex, (void *)addr, op, val, timeout, NULL, 0);
}

struct hp_buf *hp_buf_create(void)
{
	struct hp_buf *b;

	pthread_mutex_lock(&registry.lock);
	b = registry.spare;
	if (b) {
		registry.spare = b->next;
		registry.nspare--;
	}
	pthread_mutex_unlock(&registry.lock);
	if (b)
		memset(b, 0, offsetof(struct hp_buf, rec));
	else if (!(b = hp_map(sizeof *b))) /* zeroed pages: see alloc.h */
		return NULL;
	b->tid = (long)syscall(SYS_gettid);
	if (hp_settings()->tracing)
		prctl(PR_GET_NAME, b->name); /* the calling thread's */
	pthread_mutex_lock(&registry.lock);
	b->next = registry.head;
	registry.head = b;
	pthread_mutex_unlock(&registry.lock);
	return b;
}

/* Waits until `n` more slots fit after head h (the writer's slow path);
 * sets the next limit.  Returns 0, or -1 when the record must be dropped
 * (ring full and no consumer running; the caller counts it). */
int hp_buf_make_room(struct hp_buf *b, uint64_t h, unsigned int n)
{
	unsigned int spins = 0;
	uint64_t t, limit;

	for (;;) {
		t = hp_atomic_load_acquire(&b->tail);
		if (h + n - t <= HP_BUF_CAP)
			break;
		if (!hp_buf_consumer_running())
			return -1;
		if (spins == 0)
			hp_buf_wake();
		if (++spins < 200)
			hp_cpu_relax();
		else
			sched_yield();
	}
	if (h - t >= HP_BUF_CAP / 2 && spins == 0)
		hp_buf_wake();
	limit = h + HP_BUF_CAP / 4;
	b->limit = limit < t + HP_BUF_CAP ? limit : t + HP_BUF_CAP;
	return 0;
}

struct hp_buf *hp_buf_first(void)
{
	struct hp_buf *b;

	pthread_mutex_lock(&registry.lock);
	b = registry.head;
	pthread_mutex_unlock(&registry.lock);
	return b;
}

void hp_buf_remove(struct hp_buf *prev, struct hp_buf *b)
{
	pthread_mutex_lock(&registry.lock);
	if (prev)
		prev->next = b->next;
	else if (registry.head == b)
		registry.head = b->next;
	else {
		/* New buffers were pushed in front since our walk began. */
		struct hp_buf *p = registry.head;

		while (p->next != b)
			p = p->next;
		p->next = b->next;
	}
	pthread_mutex_unlock(&registry.lock);
	hp_atomic_add_relaxed(&registry.lost_freed, hp_atomic_load_relaxed(&b->lost));
	if (b->shadow)
		munmap(b->shadow, b->shadow_cap * sizeof *b->shadow);
	if (b->samp)
		hp_unmap(b->samp, b->samp_cap * sizeof *b->samp);
	hp_counts_free(&b->counts); /* the consumer has read them */
	hp_local_free(&b->local);
	pthread_mutex_lock(&registry.lock);
	if (registry.nspare < SPARE_MAX) {
		b->next = registry.spare;
		registry.spare = b;
		registry.nspare++;
		b = NULL;
	}
	pthread_mutex_unlock(&registry.lock);
	if (b)
		hp_unmap(b, sizeof *b);
}

uint64_t hp_buf_lost_total(void)
{
	uint64_t n = hp_atomic_load_relaxed(&registry.lost_freed);
	struct hp_buf *b;

	for (b = hp_buf_first(); b; b = b->next)
		n += hp_atomic_load_relaxed(&b->lost);
	return n;
}

void hp_buf_count_lost(uint64_t n)
{
	hp_atomic_add_relaxed(&registry.lost_freed, n);
}

void hp_buf_lock(void)
{
	pthread_mutex_lock(&registry.lock);
}

void hp_buf_unlock(void)
{
	pthread_mutex_unlock(&registry.lock);
}

int hp_buf_set_consumer(int running)
{
	return hp_atomic_exchange(&registry.consumer, running);
}

int hp_buf_consumer_running(void)
{
	return hp_atomic_load_acquire(&registry.consumer);
}

void hp_buf_wake(void)
{
	atomic_fetch_add(&registry.bell, 1);
	if (atomic_load(&registry.sleeping))
		futex(&registry.bell, FUTEX_WAKE_PRIVATE, 1, NULL);
}

unsigned int hp_buf_bell(void)
{
	return hp_atomic_load_acquire(&registry.bell);
}

void hp_buf_sleep(unsigned int seen, const struct timespec *timeout)
{
	/* seq_cst: pairs with the writer's increment-then-load in
	 * hp_buf_wake() (either it sees us asleep, or we see its new bell
	 * and futex_wait returns at once). */
	atomic_store(&registry.sleeping, 1);
	futex(&registry.bell, FUTEX_WAIT_PRIVATE, seen, timeout);
	hp_atomic_store_release(&registry.sleeping, 0);
}
