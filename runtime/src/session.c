/* session.c - the public API behind hotpath.h: the record path, the
 * session's life cycle, and the report's orchestration.
 *
 * DESIGN.  Record path: the guard's inline entry (hotpath.h) reads the
 * clock into the frame on the caller's stack; its inline exit reads it
 * again and calls hp_record(site, ticks), which pushes into the calling
 * thread's ring (buf.h), found through an initial-exec TLS pointer.  No
 * lock, malloc, syscall or stdio there.  hp_clock_mode == 0 sends the
 * clock read to hp_clock_slow(), which starts the session on first use
 * (pthread_once: clock, percentiles, TLS key, atexit and fork handlers,
 * worker); a NULL ring pointer sends hp_record to attach_thread(), which
 * gives the thread its ring.
 *
 * The session ends exactly once (atomic `reported`): when the annotated
 * main's guard runs, or from the atexit handler when the program calls
 * exit() (main still open: its row ends now).  Signals end nothing.  The
 * report stops and joins the worker (writers then drop instead of waiting,
 * so exit cannot hang), drains every ring itself, converts ticks to ns
 * with the session-long calibration and hands plain rows to report.c.
 *
 * Allocation-aware frames (HOTPATH_ALLOC, see alloc_count.h): entry
 * first does whatever set-up the thread still needs (session start, its
 * ring: they allocate, through libc's pthread_create, atexit... and must
 * never count as the program's), then takes the mark; exit turns the mark
 * into the call's four figures and pushes a three-slot record.  Without
 * the interposer (hp_alloc_linked == 0) the record is a plain one, so such
 * a program has no allocation figures at all.  main's mark is a static of
 * this file (there is one main); its figures exist when main returns, or
 * when the main thread calls exit(), not when another thread does.
 *
 * Threads: a pthread key destructor marks a finished thread's ring dead;
 * the worker drains and frees it.  fork(): the child has no worker; its
 * records are dropped and it does not report (the parent does).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "alloc.h"
#include "alloc_count.h"
#include "atomic.h"
#include "buf.h"
#include "clock.h"
#include "format.h"
#include "hotpath.h"
#include "report.h"
#include "worker.h"

static __thread struct hp_buf *tls_buf __attribute__((tls_model("initial-exec")));

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t thread_key;
static int thread_key_ok;
static _Atomic int reported;

static unsigned int pcts[HP_MAX_PERCENTILES] = { 95 };
static int npcts = 1;
static int pcts_from_env;

static struct hp_site *_Atomic main_site;
static uint64_t main_start;
static struct hp_alloc_mark main_mark; /* main thread only */
static pthread_t main_thread;
static _Atomic int main_marked; /* main_mark is set (by the main thread) */

static void at_exit(void);

static void thread_gone(void *p)
{
	struct hp_buf *b = p;

	tls_buf = NULL;
	hp_atomic_store_release(&b->dead, 1);
}

static void fork_prepare(void)
{
	hp_buf_lock();
}

static void fork_parent(void)
{
	hp_buf_unlock();
}

static void fork_child(void)
{
	hp_buf_unlock();
	hp_worker_forget();
	hp_atomic_store_release(&reported, 1);
}

static void init_session(void)
{
	unsigned int p[HP_MAX_PERCENTILES];
	int n = hp_fmt_parse_percentiles(getenv("HOTPATH_PERCENTILES"), p);

	hp_clock_init();
	if (n > 0) {
		memcpy(pcts, p, sizeof p);
		npcts = n;
		pcts_from_env = 1;
	}
	thread_key_ok = pthread_key_create(&thread_key, thread_gone) == 0;
	atexit(at_exit);
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	hp_worker_start();
	/* Last: a thread that sees the mode may skip pthread_once until it
	 * needs a buffer (attach_thread passes through it). */
	__atomic_store_n(&hp_clock_mode, hp_clock_use_tsc ? 1 : 2, __ATOMIC_RELEASE);
}

static __attribute__((noinline, cold)) void attach_thread(void)
{
	struct hp_buf *b;

	pthread_once(&once, init_session);
	if (hp_atomic_load_acquire(&reported))
		return; /* too late: the report is out */
	b = hp_buf_create();
	if (!b)
		return;
	if (thread_key_ok)
		pthread_setspecific(thread_key, b);
	tls_buf = b;
}

int hp_clock_mode;

unsigned long long hp_clock_slow(void)
{
	if (__builtin_expect(__atomic_load_n(&hp_clock_mode, __ATOMIC_ACQUIRE) == 0, 0))
		pthread_once(&once, init_session);
	return hp_clock_now();
}

/* First record of a thread (or one whose buffer could not be had). */
static __attribute__((noinline, cold)) void record_attach(struct hp_site *site,
							 uint64_t ticks)
{
	attach_thread();
	if (!tls_buf) {
		hp_buf_count_lost(1);
		return;
	}
	hp_buf_push(tls_buf, site, ticks);
}

void hp_record(struct hp_site *site, unsigned long long ticks)
{
	struct hp_buf *b = tls_buf;

	if (__builtin_expect(b == NULL, 0)) {
		record_attach(site, ticks); /* a tail call */
		return;
	}
	hp_buf_push(b, site, ticks);
}

struct hp_frame hp_frame_enter(struct hp_site *site)
{
	return hp_enter_(site);
}

void hp_frame_exit(struct hp_frame *frame)
{
	hp_exit_(frame);
}

void hp_alloc_enter(struct hp_alloc_frame *frame)
{
	if (__builtin_expect(tls_buf == NULL, 0))
		attach_thread(); /* its allocations are not the call's */
	hp_alloc_mark_enter(&frame->mark);
}

void hp_alloc_record(struct hp_alloc_frame *frame, unsigned long long ticks)
{
	struct hp_alloc_delta d;
	struct hp_buf *b;

	hp_alloc_mark_exit(&frame->mark, &d); /* always: restores the peaks */
	if (!hp_alloc_linked) {
		hp_record(frame->site, ticks);
		return;
	}
	b = tls_buf;
	if (__builtin_expect(b == NULL, 0)) {
		attach_thread();
		if (!(b = tls_buf)) {
			hp_buf_count_lost(1);
			return;
		}
	}
	hp_buf_push_alloc(b, frame->site, ticks, &d);
}

static struct hp_frame main_enter(struct hp_site *site, const char *percentiles,
				  int alloc)
{
	unsigned int p[HP_MAX_PERCENTILES];
	struct hp_frame f;
	int n;

	if (tls_buf == NULL)
		attach_thread();
	pthread_once(&once, init_session);
	n = hp_fmt_parse_percentiles(percentiles, p);
	if (!pcts_from_env && n > 0) {
		memcpy(pcts, p, sizeof p);
		npcts = n;
	}
	if (alloc) {
		main_thread = pthread_self();
		hp_alloc_mark_enter(&main_mark);
		hp_atomic_store_release(&main_marked, 1);
	}
	f.site = site;
	f.start = main_start = hp_clock_now();
	hp_atomic_store_release(&main_site, site);
	return f;
}

struct hp_frame hp_main_enter(struct hp_site *site, const char *percentiles)
{
	return main_enter(site, percentiles, 0);
}

struct hp_frame hp_main_alloc_enter(struct hp_site *site, const char *percentiles)
{
	return main_enter(site, percentiles, 1);
}

/* main's figures, when this thread may take them; NULL otherwise. */
static const struct hp_alloc_delta *main_figures(struct hp_alloc_delta *d)
{
	if (!hp_atomic_load_acquire(&main_marked) ||
	    !pthread_equal(pthread_self(), main_thread))
		return NULL;
	hp_atomic_store_relaxed(&main_marked, 0);
	hp_alloc_mark_exit(&main_mark, d);
	return hp_alloc_linked ? d : NULL;
}

static long env_limit(void)
{
	const char *s = getenv("HOTPATH_LIMIT");
	char *end;
	long n;

	if (!s || !*s)
		return -1;
	errno = 0;
	n = strtol(s, &end, 10);
	return (*end || errno || n < 0) ? -1 : n;
}

static const char *program_name(const struct hp_site *main)
{
	if (program_invocation_short_name && *program_invocation_short_name)
		return program_invocation_short_name;
	return main && main->name ? main->name : "?";
}

static void alloc_row(struct hp_row *w, const struct hp_alloc_stat *a)
{
	int m, k;

	w->alloc_calls = a->metric[0].count;
	for (m = 0; m < HP_ALLOC_METRICS; m++) {
		w->alloc[m].sum = a->metric[m].total;
		w->alloc[m].max = a->metric[m].max;
		for (k = 0; k < npcts; k++)
			w->alloc[m].pct[k] = hp_hist_percentile(&a->metric[m], pcts[k]);
	}
}

static int render(struct hp_str *out, const struct hp_report *r,
		  enum hp_format format)
{
	cJSON_Hooks hooks = { hp_malloc, hp_free };
	int err;

	if (format == HP_FORMAT_TABLE)
		return hp_report_table(out, r);
	/* cJSON's allocations are the runtime's: keep them off malloc. */
	cJSON_InitHooks(&hooks);
	err = hp_report_json(out, r, format == HP_FORMAT_JSON_PRETTY);
	cJSON_InitHooks(NULL);
	return err;
}

static void report(uint64_t now, const struct hp_alloc_delta *main_d)
{
	enum hp_format format = hp_report_parse_format(getenv("HOTPATH_FORMAT"));
	struct hp_report r;
	struct hp_str text = { 0 };
	struct hp_site *msite;
	size_t i;
	int k;

	if (hp_atomic_exchange(&reported, 1))
		return;
	hp_worker_stop();
	hp_worker_drain_all();
	msite = hp_atomic_load_acquire(&main_site);
	if (msite && main_d)
		hp_worker_add_alloc(msite, now - main_start, main_d);
	else if (msite)
		hp_worker_add(msite, now - main_start);
	memset(&r, 0, sizeof r);
	r.total_ns = hp_clock_finish();
	/* The user's notion of the session is main, not our start-up. */
	if (msite)
		r.total_ns = hp_clock_to_ns(now - main_start);
	if (format == HP_FORMAT_NONE)
		return;
	r.program = program_name(msite);
	r.clock = hp_clock_name();
	r.lost = hp_buf_lost_total();
	memcpy(r.pcts, pcts, sizeof pcts);
	r.npcts = npcts;
	r.limit = env_limit();
	r.alloc_tables = hp_report_parse_alloc(getenv("HOTPATH_ALLOC"));
	r.nrows = hp_stats_count();
	r.rows = hp_calloc(r.nrows ? r.nrows : 1, sizeof *r.rows);
	if (!r.rows)
		return;
	for (i = 0; i < r.nrows; i++) {
		const struct hp_stat *s = hp_stats_get(i);
		struct hp_row *w = &r.rows[i];

		w->name = s->site->name;
		w->file = s->site->file;
		w->line = s->site->line;
		w->kind = s->site->kind;
		w->calls = s->hist.count;
		w->total_ns = hp_clock_to_ns(s->hist.total);
		w->min_ns = hp_clock_to_ns(s->hist.min);
		w->max_ns = hp_clock_to_ns(s->hist.max);
		for (k = 0; k < npcts; k++)
			w->pct_ns[k] = hp_clock_to_ns(
				hp_hist_percentile(&s->hist, pcts[k]));
		if (s->alloc)
			alloc_row(w, s->alloc);
	}
	hp_report_sort(&r);
	if (render(&text, &r, format) == 0)
		hp_report_write(getenv("HOTPATH_OUTPUT"), text.s, text.len);
	hp_str_free(&text);
	hp_free(r.rows);
}

void hp_main_exit(struct hp_frame *frame)
{
	(void)frame;
	report(hp_clock_now(), NULL);
}

void hp_main_alloc_exit(struct hp_frame *frame)
{
	uint64_t now = hp_clock_now();
	struct hp_alloc_delta d;

	(void)frame;
	report(now, main_figures(&d));
}

static void at_exit(void)
{
	uint64_t now = hp_clock_now();
	struct hp_alloc_delta d;
	const struct hp_alloc_delta *main_d = main_figures(&d);

	pthread_once(&once, init_session); /* orders us after the init */
	report(now, main_d);
}

/* For bench/overhead: the report, now, as at exit.  Not in hotpath.h. */
void hp_session_report_now(void);
void hp_session_report_now(void)
{
	pthread_once(&once, init_session);
	report(hp_clock_now(), NULL);
}
