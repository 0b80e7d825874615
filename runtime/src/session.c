/* session.c - the session's life cycle behind hotpath.h (the clock's
 * slow path, main's exit) and the report's orchestration; the record path
 * is record.c.
 *
 * LAYERS.  Each module depends only on those below it (runtime/src has no
 * #include cycle: tests/runtime/include_cycles.sh):
 *   record.c     what a measured call does on its thread (hotpath.h)
 *   session.c    start (settings, clock, worker), fork, signals, the end
 *   http.c       HOTPATH_HTTP's server: serves snapshots that session.c
 *                hands it as a function (it never calls up)
 *   gather.c, output.c   the report: statistics -> struct hp_report ->
 *                formats and files (report.c, html.c, json.c render)
 *   worker.c     drains the rings into the statistics: hist.c,
 *                callgraph.c, trace.c
 *   buf.c        the per-thread rings, their registry and doorbell
 *   sites.c, clock.c, settings.c, format.c, alloc.c   the ground floor
 * Data flows record -> buffer -> worker -> statistics -> report; calls go
 * down only (the worker never calls the record path, buffers never call
 * the worker: writers ring the registry's doorbell).
 *
 * DESIGN.  hp_clock_mode == 0 sends the clock read to hp_clock_slow(),
 * which starts the session on first use (pthread_once: settings, clock,
 * percentiles, main's key, atexit and fork handlers, worker); a thread's
 * first record calls hp_session_attach() (session.h), which gives the
 * thread a ring; record.c makes it the thread's (hp_tls_buf, buf.h) and
 * ends it with the thread.  The session never calls the record path.
 *
 * The session ends exactly once (atomic `reported`): when the annotated
 * main's guard runs, or from the atexit handler when the program calls
 * exit() (main still open: its row ends now).  Signals end nothing.  The
 * report stops and joins the worker (writers then drop instead of waiting,
 * so exit cannot hang), drains every ring itself, closes main's call and
 * every other call still open (hp_worker_close_all), and the clock's
 * calibration, and hands over: gather.c turns the statistics
 * into a struct hp_report, output.c renders and writes it.
 *
 * Allocation-aware frames (HOTPATH_ALLOC, see alloc_count.h): entry
 * first does whatever set-up the thread still needs (session start, its
 * ring: they allocate, through libc's pthread_create, atexit... and must
 * never count as the program's), then takes the mark; exit turns the mark
 * into the call's four figures and pushes a three-slot record.  Without
 * the interposer (hp_alloc_linked == 0) the record is a plain one, so such
 * a program has no allocation figures at all.  main's mark is kept in the
 * session (there is one main); its figures exist when main returns, or
 * when the main thread calls exit(), not when another thread does.
 *
 * State: one struct session (below), plus the thread-local `in_report`.
 * The settings are loaded once, by init_session (settings.h).
 *
 * HOTPATH_HTTP (http.h): the server starts last in init_session, once
 * the worker runs and the clock mode is out, and is stopped first in
 * report(), before the worker's lock is taken, so a request under way
 * finishes (its snapshot says ESRCH from then on) and the exit waits for
 * nothing else.  Its thread is ours: main's pthread_exit does not wait
 * for it; a fork child forgets it.
 *
 * Threads: a pthread key destructor marks a finished thread's ring dead;
 * the worker drains and frees it.  Our own threads (the worker, the signal
 * reporter) block every signal, so process-directed signals always reach a
 * program thread.  A report is written once; a second caller (another
 * thread's exit(), a signal) waits for it, bounded, rather than letting
 * the process end under a half-written report.  pthread_exit() from main:
 * the process would end with its last thread, but our worker is a thread
 * too, so main's exit (a key destructor, which only pthread_exit runs)
 * waits until no program thread is left (counted in /proc/self/task),
 * reports, stops our threads and lets glibc end the process as usual.
 *
 * fork() (LIFECYCLE below): the handlers hold the worker's pass lock and
 * the registry lock across the fork, so the child gets both free and the
 * statistics whole.  HOTPATH_FORK=report (default): the child does nothing
 * until it records; then it drains what the parent left in the rings,
 * zeroes the statistics and starts its own worker; at its exit it reports
 * the calls that ended in it, if there is one besides main.
 * HOTPATH_FORK=none: the child records nothing and never reports.  vfork
 * and posix_spawn run no handler; their child only execs.  The child's
 * reset is two assignments (session.fork, session.reporter) here and one
 * call for the statistics (hp_worker_reset_stats) at its restart.
 *
 * Exit paths: return from main and exit() report; quick_exit() too
 * (at_quick_exit); _exit, abort and fatal signals do not, except these:
 * by default (HOTPATH_SIGNAL_REPORT unset) SIGINT, when stdin or stderr
 * is a terminal at the session's start (Ctrl-C on a program run by
 * hand); with HOTPATH_SIGNAL_REPORT=1 SIGINT and SIGTERM always; with 0
 * none.  Such a signal whose disposition is still the default gets a
 * handler: it asks the reporter thread for the report, waits for it
 * (bounded, so a lock held by the interrupted thread cannot hang us),
 * restores the default action and re-raises, so the process still dies
 * by that signal.  A program's own handler (or SIG_IGN) is never
 * replaced, and one it installs later replaces ours.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>


#include "alloc_count.h"
#include "atomic.h"
#include "buf.h"
#include "clock.h"
#include "format.h"
#include "gather.h"
#include "hotpath.h"
#include "http.h"
#include "output.h"
#include "report.h"
#include "session.h"
#include "settings.h"
#include "sites.h"
#include "worker.h"


/* The session: all of this file's state but the thread-local in_report.
 * A fork child resets `fork` and `reporter` (fork_child), nothing else. */
static struct session {
	pthread_once_t once;
	const struct hp_settings *set; /* loaded by init_session */
	pthread_key_t main_key;        /* set on the main thread */
	int main_key_ok;
	unsigned int pcts[HP_MAX_PERCENTILES]; /* HOTPATH_PERCENTILES, or main's */
	int npcts;
	_Atomic int reported;          /* the report has begun */
	_Atomic unsigned int report_done; /* futex word: the report is out */
	struct {
		_Atomic uint32_t slot;    /* main's site (sites.h), 0 = none */
		uint64_t start;
		struct hp_alloc_mark mark; /* main thread only */
		pthread_t thread;
		_Atomic int marked;       /* mark is set (by the main thread) */
		_Atomic int returned;     /* main's guard ends the session */
	} main;
	struct fork_state {
		_Atomic int pending;      /* fork child, not restarted */
		int child;                /* this process is a fork child */
		pthread_t thread;         /* the thread that forked */
		struct hp_buf *_Atomic buf; /* its ring, kept in the child */
		uint64_t ticks;
		uint64_t lost_base;       /* lost before the child's start */
	} fork;
	int report_sigint, report_sigterm; /* decided once, at the start */
	struct reporter {
		pthread_t thread;         /* signal reports (above) */
		_Atomic int alive;
		_Atomic unsigned int req; /* futex word: 1 report, 2 quit */
		_Atomic int claimed;
		/* the ring of the thread whose handler asked, when it was not
		 * in a writer operation, and a frame of its, in the handler:
		 * it stays parked there while the report reads its calls */
		struct hp_buf *interrupted;
		uintptr_t interrupted_here;
	} reporter;
	_Atomic unsigned long seq;     /* snapshots written (SNAPSHOTS below) */
} session = {
	.once = PTHREAD_ONCE_INIT,
	.set = NULL,
	.pcts = { 95 },
	.npcts = 1,
};

static void at_exit(void);
static void report(uint64_t now, const struct hp_alloc_delta *main_d);
static void interval_tick(void);
static int snapshot_text(unsigned int format, struct hp_str *out);

/* ---- LIFECYCLE: threads, fork, exit paths, signals ---- */

#define REPORT_WAIT_NS 5000000000ll /* a second reporter waits this long */

/* Threads in the process that are neither the program's nor ours: TSan
 * runs a background thread from the first pthread_create on. */
#if defined(__SANITIZE_THREAD__)
#define FOREIGN_THREADS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FOREIGN_THREADS 1
#endif
#endif
#ifndef FOREIGN_THREADS
#define FOREIGN_THREADS 0
#endif

static __thread int in_report __attribute__((tls_model("initial-exec")));

static long futex_word(_Atomic unsigned int *w, int op, unsigned int val,
		       const struct timespec *timeout)
{
	return syscall(SYS_futex, (void *)w, op, val, timeout, NULL, 0);
}

static void wake_all(_Atomic unsigned int *w)
{
	futex_word(w, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
}

static long long mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000ll + t.tv_nsec;
}

/* Waits until *w != 0, at most ns; async-signal-safe (a futex and the
 * clock only).  Returns whether *w became non-zero. */
static int wait_word(_Atomic unsigned int *w, long long ns)
{
	long long end = mono_ns() + ns, left;
	struct timespec t;

	while (!hp_atomic_load_acquire(w)) {
		left = end - mono_ns();
		if (left <= 0)
			return 0;
		t.tv_sec = (time_t)(left / 1000000000ll);
		t.tv_nsec = (long)(left % 1000000000ll);
		futex_word(w, FUTEX_WAIT_PRIVATE, 0, &t);
	}
	return 1;
}

static int is_main_thread(void)
{
	return syscall(SYS_gettid) == getpid();
}

static void mark_main_thread(void)
{
	if (session.main_key_ok && is_main_thread() && !pthread_getspecific(session.main_key))
		pthread_setspecific(session.main_key, &session.main_key);
}

/* The reporter: our thread for signal reports, so a handler never runs
 * the report on the thread it interrupted (which may hold a lock). */
static void *reporter_main(void *arg)
{
	unsigned int req;

	(void)arg;
	while ((req = hp_atomic_load_acquire(&session.reporter.req)) == 0)
		futex_word(&session.reporter.req, FUTEX_WAIT_PRIVATE, 0, NULL);
	if (req == 1)
		report(hp_clock_now(), NULL);
	return NULL;
}

static void stop_reporter(void)
{
	unsigned int idle = 0;

	if (!hp_atomic_load_acquire(&session.reporter.alive) ||
	    pthread_equal(pthread_self(), session.reporter.thread))
		return;
	atomic_compare_exchange_strong(&session.reporter.req, &idle, 2);
	wake_all(&session.reporter.req);
	pthread_join(session.reporter.thread, NULL);
	hp_atomic_store_release(&session.reporter.alive, 0);
}

/* The worker and the reporter, with every signal blocked (they inherit
 * the mask). */
static void start_threads(void)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	hp_worker_set_tick(interval_tick, hp_settings()->interval_ms);
	hp_worker_start(hp_settings());
	if (session.report_sigint || session.report_sigterm) {
		hp_atomic_store_release(&session.reporter.req, 0);
		hp_atomic_store_release(&session.reporter.alive,
			pthread_create(&session.reporter.thread, NULL, reporter_main, NULL) == 0);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* HOTPATH_SIGNAL_REPORT's handler.  Async-signal-safe: atomics, futex,
 * clock_gettime, sigaction, pthread_sigmask, raise. */
static void on_signal(int sig)
{
	struct sigaction dfl;
	sigset_t set;

	if (!in_report && !hp_atomic_exchange(&session.reporter.claimed, 1)) {
		if (!hp_atomic_load_acquire(&session.reported) &&
		    hp_atomic_load_acquire(&session.reporter.alive)) {
			struct hp_buf *b = hp_tls_buf;

			/* this thread's calls are read by the reporter while
			 * it waits below (unless it interrupted a record):
			 * the call it was running when Ctrl-C came counts */
			if (b && !b->busy) {
				session.reporter.interrupted = b;
				session.reporter.interrupted_here =
					(uintptr_t)__builtin_frame_address(0);
			}
			hp_atomic_store_release(&session.reporter.req, 1);
			wake_all(&session.reporter.req);
		}
		/* Ours or an exit's report under way: let it finish. */
		if (hp_atomic_load_acquire(&session.reported) ||
		    hp_atomic_load_acquire(&session.reporter.req) == 1)
			wait_word(&session.report_done, REPORT_WAIT_NS);
	}
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	raise(sig); /* the default action: the exit status is the signal's */
}

/* The program left sig at its default action (no handler, no SIG_IGN). */
static int default_action(int sig)
{
	struct sigaction old;

	return sigaction(sig, NULL, &old) == 0 &&
	       !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL;
}

/* Only where the program has not chosen a disposition: a handler of its
 * own, or SIG_IGN (nohup, a background job's SIGINT) stay as they are.
 * A handler the program installs later simply replaces ours. */
static void install_signal_report(void)
{
	static const int sigs[] = { SIGINT, SIGTERM };
	struct sigaction act;
	size_t i;

	memset(&act, 0, sizeof act);
	act.sa_handler = on_signal;
	sigemptyset(&act.sa_mask);
	act.sa_flags = SA_RESTART;
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if ((i == 0 ? session.report_sigint : session.report_sigterm) &&
		    default_action(sigs[i]))
			sigaction(sigs[i], &act, NULL);
}

/* Which signals report (HOTPATH_SIGNAL_REPORT, the top of the file):
 * only those still at their default action, so a program with handlers
 * of its own gets no reporter thread.  isatty() may set errno, which is
 * the program's. */
static void choose_signals(const struct hp_settings *set)
{
	int saved = errno;

	session.report_sigint = (set->signal_report == HP_SIGNAL_REPORT_ON ||
		(set->signal_report == HP_SIGNAL_REPORT_TERMINAL &&
		 (isatty(0) || isatty(2)))) && default_action(SIGINT);
	session.report_sigterm = set->signal_report == HP_SIGNAL_REPORT_ON &&
		default_action(SIGTERM);
	errno = saved;
}

static void fork_prepare(void)
{
	/* The worker's lock first: a pass takes the registry's inside it. */
	hp_worker_lock();
	hp_buf_lock();
	hp_sites_lock();
}

static void fork_parent(void)
{
	hp_sites_unlock();
	hp_buf_unlock();
	hp_worker_unlock();
}

/* As little as possible here: fork+exec must cost what it costs without
 * us.  The child's session restarts lazily, on its first record.  The
 * child has none of our threads: it resets the reporter's state and its
 * fork state, each in one assignment. */
static void fork_child(void)
{
	struct hp_buf *mine = hp_tls_buf;

	hp_sites_unlock();
	hp_buf_unlock();
	hp_worker_unlock();
	hp_worker_forget();
	hp_http_forget(); /* the server stays the parent's */
	hp_tls_buf = NULL; /* the next record goes through hp_session_attach */
	session.reporter = (struct reporter){ 0 };
	hp_atomic_store_relaxed(&session.seq, 0); /* the child's files are its own */
	if (!session.set->fork_report || hp_atomic_load_acquire(&session.reported)) {
		/* No session here, or the parent's is already over. */
		session.fork = (struct fork_state){ 0 };
		hp_atomic_store_release(&session.reported, 1);
		hp_atomic_store_release(&session.report_done, 1);
		return;
	}
	session.fork = (struct fork_state){
		.pending = 1, .thread = pthread_self(), .buf = mine,
		.ticks = hp_clock_now(),
	};
	hp_atomic_store_relaxed(&session.main.marked, 0); /* main's mark is the parent's */
}

/* The child's first record: the parent's last records are drained (calls
 * open across the fork keep their place) and forgotten with everything
 * else the parent measured; the child's own worker starts. */
static void restart_in_child(void)
{
	struct hp_buf *b, *keep;

	hp_worker_lock();
	if (hp_atomic_load_acquire(&session.fork.pending)) {
		keep = hp_atomic_load_acquire(&session.fork.buf);
		for (b = hp_buf_first(); b; b = b->next)
			if (b != keep) /* its thread is not in the child */
				hp_atomic_store_release(&b->dead, 1);
		hp_worker_drain_all();
		hp_worker_reset_stats();
		session.fork.lost_base = hp_buf_lost_total();
		session.main.start = session.fork.ticks;
		session.fork.child = 1;
		start_threads();
		hp_atomic_store_release(&session.fork.pending, 0);
	}
	hp_worker_unlock();
}

/* Program threads still running, besides this one (main, in pthread_exit)
 * and ours. */
static int program_threads_left(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0; /* cannot tell: report now */
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	n -= 1 + FOREIGN_THREADS + hp_worker_running() + hp_http_threads() +
	     hp_atomic_load_acquire(&session.reporter.alive);
	return n > 0;
}

/* main called pthread_exit (key destructors run on no other way out):
 * wait for the program's threads, then report and step aside. */
static void main_gone(void *p)
{
	static const struct timespec poll = { 0, 2000000 };

	(void)p;
	while (!hp_atomic_load_acquire(&session.reported) && program_threads_left())
		nanosleep(&poll, NULL);
	at_exit(); /* main's row ends now, as on exit() */
	stop_reporter();
}

static void init_session(void)
{
	const struct hp_settings *set;

	(void)hp_settings_load(); /* without memory: stderr, no notes */
	set = hp_settings();

	hp_clock_init(set->clock_monotonic);
	session.set = set;
	if (set->npcts > 0) {
		memcpy(session.pcts, set->pcts, sizeof session.pcts);
		session.npcts = set->npcts;
	}
	/* Before record.c's key for the threads' rings: glibc runs
	 * destructors in key order, so main's report comes while its ring is
	 * still live. */
	session.main_key_ok = pthread_key_create(&session.main_key, main_gone) == 0;
	mark_main_thread();
	atexit(at_exit);
	at_quick_exit(at_exit);
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	choose_signals(set);
	start_threads();
	if (hp_atomic_load_acquire(&session.reporter.alive))
		install_signal_report();
	/* Last: a thread that sees the mode may skip pthread_once until it
	 * needs a buffer (hp_session_attach passes through it). */
	__atomic_store_n(&hp_clock_mode, hp_clock_use_tsc ? 1 : 2, __ATOMIC_RELEASE);
	/* After the mode: a request that comes at once finds a session. */
	hp_http_start(set, snapshot_text);
}

struct hp_buf *hp_session_attach(void)
{
	struct hp_buf *b = NULL;

	pthread_once(&session.once, init_session);
	if (hp_atomic_load_acquire(&session.fork.pending))
		restart_in_child();
	if (hp_atomic_load_acquire(&session.reported))
		return NULL; /* too late: the report is out */
	mark_main_thread();
	if (pthread_equal(pthread_self(), session.fork.thread))
		b = hp_atomic_exchange(&session.fork.buf, NULL); /* the forking thread's */
	return b ? b : hp_buf_create();
}

struct hp_buf *hp_session_fork_buf(void)
{
	if (!hp_atomic_load_acquire(&session.fork.pending) ||
	    !pthread_equal(pthread_self(), session.fork.thread))
		return NULL;
	return hp_atomic_load_acquire(&session.fork.buf);
}

int hp_clock_mode;

unsigned long long hp_clock_slow(void)
{
	if (__builtin_expect(__atomic_load_n(&hp_clock_mode, __ATOMIC_ACQUIRE) == 0, 0))
		pthread_once(&session.once, init_session);
	return hp_clock_now();
}

void hp_session_main_enter(const char *percentiles, int alloc)
{
	unsigned int p[HP_MAX_PERCENTILES];
	int n;

	pthread_once(&session.once, init_session);
	n = hp_fmt_parse_percentiles(percentiles, p);
	if (session.set->npcts == 0 && n > 0) { /* HOTPATH_PERCENTILES wins */
		memcpy(session.pcts, p, sizeof p);
		session.npcts = n;
	}
	if (alloc) {
		session.main.thread = pthread_self();
		hp_alloc_mark_enter(&session.main.mark);
		hp_atomic_store_release(&session.main.marked, 1);
	}
}

void hp_session_main_started(unsigned int slot, uint64_t start)
{
	session.main.start = start;
	hp_atomic_store_release(&session.main.slot, slot);
}

/* main's figures, when this thread may take them; NULL otherwise. */
static const struct hp_alloc_delta *main_figures(struct hp_alloc_delta *d)
{
	if (!hp_atomic_load_acquire(&session.main.marked) ||
	    !pthread_equal(pthread_self(), session.main.thread))
		return NULL;
	hp_atomic_store_relaxed(&session.main.marked, 0);
	hp_alloc_mark_exit(&session.main.mark, d);
	return hp_alloc_linked ? d : NULL;
}

/* A fork child reports only if it measured something besides main. */
static int has_own_rows(const struct hp_report *r)
{
	size_t i;

	for (i = 0; i < r->nrows; i++)
		if (r->rows[i].kind != HP_KIND_MAIN)
			return 1;
	return 0;
}

/* The report's body: worker stopped, pass lock held. */
static void write_report(uint64_t now, const struct hp_alloc_delta *main_d)
{
	const struct hp_settings *set = session.set;
	struct hp_gather_in in;
	struct hp_report r;
	struct hp_buf *mine = NULL;
	uintptr_t here = 0;

	hp_worker_drain_all();
	in.main_slot = hp_atomic_load_acquire(&session.main.slot);
	/* Calls still open (exit() from inside them, other threads' running
	 * calls) end now and are counted, as main's. */
	if (hp_tls_buf)
		mine = hp_tls_buf, here = (uintptr_t)__builtin_frame_address(0);
	else if (pthread_equal(pthread_self(), session.reporter.thread) &&
		 hp_atomic_load_acquire(&session.reporter.alive))
		mine = session.reporter.interrupted,
		here = session.reporter.interrupted_here;
	hp_worker_close_all(mine, here, in.main_slot,
			    hp_atomic_load_acquire(&session.main.returned), now,
			    now - session.main.start, main_d);
	in.total_ns = hp_clock_finish();
	/* The user's notion of the session is main, not our start-up. */
	if (in.main_slot)
		in.total_ns = hp_clock_to_ns(now - session.main.start);
	if (!set->formats) {
		/* no report, but an error in the settings is always said */
		if (set->notes && !session.fork.child)
			hp_report_write(NULL, set->notes, strlen(set->notes), 0);
		return;
	}
	in.lost_base = session.fork.lost_base;
	in.pcts = session.pcts;
	in.npcts = session.npcts;
	if (hp_gather(&r, &in, set))
		return;
	if (!session.fork.child || has_own_rows(&r))
		hp_output_emit(&r, set);
	hp_gather_free(&r);
}

/* Once per process.  A second caller waits for the first (bounded), so
 * an exit() racing main's return cannot end the process mid-report. */
static void report(uint64_t now, const struct hp_alloc_delta *main_d)
{
	if (hp_atomic_exchange(&session.reported, 1)) {
		if (!in_report)
			wait_word(&session.report_done, REPORT_WAIT_NS);
		return;
	}
	in_report = 1;
	/* The server first: a request under way ends its snapshot (ESRCH
	 * from now on) before we take the worker's lock. */
	hp_http_stop();
	hp_worker_stop();
	/* A fork from another thread now waits until the report is out. */
	hp_worker_lock();
	if (!hp_atomic_load_acquire(&session.fork.pending)) /* else: nothing of ours */
		write_report(now, main_d);
	hp_worker_unlock();
	in_report = 0;
	hp_atomic_store_release(&session.report_done, 1);
	wake_all(&session.report_done);
}

void hp_main_exit(struct hp_frame *frame)
{
	(void)frame;
	hp_atomic_store_release(&session.main.returned, 1);
	report(hp_clock_now(), NULL);
}

void hp_main_alloc_exit(struct hp_frame *frame)
{
	uint64_t now = hp_clock_now();
	struct hp_alloc_delta d;

	(void)frame;
	hp_atomic_store_release(&session.main.returned, 1);
	report(now, main_figures(&d));
}

static void at_exit(void)
{
	uint64_t now = hp_clock_now();
	struct hp_alloc_delta d;
	const struct hp_alloc_delta *main_d = main_figures(&d);

	pthread_once(&session.once, init_session); /* orders us after the init */
	report(now, main_d);
}

void hp_session_report_now(void)
{
	pthread_once(&session.once, init_session);
	report(hp_clock_now(), NULL);
}

/* ---- SNAPSHOTS: HOTPATH_INTERVAL and hotpath_snapshot() ----
 *
 * A snapshot is the report as it stands, while the program runs: the
 * calls finished so far (open ones, main's included, are not closed: they
 * have no row until they end).  Writers never wait for it: it takes the
 * worker's pass lock (the worker is the statistics' only owner, so holding
 * its lock makes this thread the consumer for a moment, as fork does),
 * drains every ring, gathers the plain data (gather.h: numbers and names,
 * copied) and lets go; rendering and writing happen after, unlocked,
 * while the worker drains again.  Writers keep pushing into their rings
 * throughout; one waits only if its ring fills during the drain and
 * gather, as it would behind any worker pass.  Snapshots of several
 * threads, and the interval's, are serialised by that lock and number
 * their files from one counter. */
/* The settings of a snapshot: format's alone, else HOTPATH_FORMAT's
 * list. */
static void snapshot_settings(struct hp_settings *set, unsigned int format)
{
	*set = *session.set;
	if (format) {
		set->formats = format;
		set->order[0] = format;
		set->order[1] = 0;
	}
}

/* The locked part of every snapshot: r gathered (free it with
 * hp_gather_free), *seq numbered when seq is given.  0 or an errno. */
static int snapshot_gather(struct hp_report *r, const struct hp_settings *set,
			   unsigned long *seq)
{
	struct hp_gather_in in;
	uint64_t now, wall;
	int err;

	if (in_report)
		return EBUSY;
	if (__atomic_load_n(&hp_clock_mode, __ATOMIC_ACQUIRE) == 0)
		return ESRCH; /* no session: nothing was measured */
	hp_worker_lock();
	if (hp_atomic_load_acquire(&session.reported) ||
	    hp_atomic_load_acquire(&session.fork.pending)) {
		hp_worker_unlock();
		return ESRCH; /* the report is out, or a fork child not started */
	}
	hp_worker_drain_all();
	now = hp_clock_now();
	wall = hp_clock_sample();
	in.main_slot = hp_atomic_load_acquire(&session.main.slot);
	in.total_ns = in.main_slot ? hp_clock_to_ns(now - session.main.start) : wall;
	in.lost_base = session.fork.lost_base;
	in.pcts = session.pcts;
	in.npcts = session.npcts;
	err = hp_gather(r, &in, set);
	if (seq)
		*seq = hp_atomic_add_relaxed(&session.seq, 1) + 1;
	hp_worker_unlock();
	return err;
}

static int snapshot(unsigned int formats, const char *path)
{
	struct hp_settings set;
	struct hp_report r;
	unsigned long seq;
	size_t k, n = 0;
	int err;

	if (in_report)
		return EBUSY;
	if (__atomic_load_n(&hp_clock_mode, __ATOMIC_ACQUIRE) == 0)
		return ESRCH; /* no session (and no settings) yet */
	if (getauxval(AT_SECURE))
		return EPERM; /* secure execution: no files (settings.c) */
	snapshot_settings(&set, formats);
	if (!set.formats)
		return 0; /* HOTPATH_FORMAT=none */
	err = snapshot_gather(&r, &set, &seq);
	if (err)
		return err;
	for (k = 0; k < r.nrows; k++)
		n += r.rows[k].kind != HP_KIND_MAIN;
	err = session.fork.child && !n ? 0 : hp_output_snapshot(&r, &set, path, seq);
	hp_gather_free(&r);
	return err;
}

/* HOTPATH_HTTP's snapshot (http.h): one format, rendered into out. */
static int snapshot_text(unsigned int format, struct hp_str *out)
{
	struct hp_settings set;
	struct hp_report r;
	int err;

	snapshot_settings(&set, format);
	err = snapshot_gather(&r, &set, NULL);
	if (err)
		return err;
	err = hp_output_render(out, &r, format);
	hp_gather_free(&r);
	return err;
}

/* The worker's HOTPATH_INTERVAL tick (worker.h). */
static void interval_tick(void)
{
	(void)snapshot(0, NULL);
}

int hp_snapshot_sym_(const char *format, const char *path)
{
	unsigned int bit = 0;
	int saved = errno, err;

	if (format && *format && !(bit = hp_settings_format_bit(format)))
		return EINVAL;
	err = snapshot(bit, path && *path ? path : NULL);
	errno = saved;
	return err;
}
