/* test_lifecycle.c - the process life cycle (issue 5): threads that start
 * before or after the session, detached ones, ones still running at the
 * report, pthread_exit from main; fork in both HOTPATH_FORK modes, fork +
 * exec, vfork, posix_spawn; every way out (return, exit, _exit, abort, a
 * fatal signal, quick_exit, SIGINT with and without HOTPATH_SIGNAL_REPORT).
 *
 * Each test re-runs this binary as a scenario child (child.h) and checks
 * exact counts, the report's presence and the exit status: never timing.
 * Every scenario arms alarm(): a hang ends it with SIGALRM, which no test
 * accepts. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

#include "child.h"
#include "hotpath.h"

#include "sanitized.h"

#define HANG_SECONDS 60

extern char **environ;

/* ---- the scenarios (run in the child) ---- */

static __attribute__((noinline)) void work(void)
{
	HP_FUNCTION(1, "work", 1);
	__asm__ __volatile__("");
}

static __attribute__((noinline)) void early(void)
{
	HP_FUNCTION(2, "early", 2);
	__asm__ __volatile__("");
}

static __attribute__((noinline)) void late(void)
{
	HP_FUNCTION(3, "late", 3);
	__asm__ __volatile__("");
}

static __attribute__((noinline)) void spin(void)
{
	HP_FUNCTION(4, "spin", 4);
	__asm__ __volatile__("");
}

static __attribute__((noinline)) void in_child(void)
{
	HP_FUNCTION(5, "in_child", 5);
	__asm__ __volatile__("");
}

static void repeat(void (*fn)(void), int n)
{
	int i;

	for (i = 0; i < n; i++)
		fn();
}

static _Atomic int go, finished, spinning;

static void wait_for(_Atomic int *flag, int value)
{
	while (atomic_load(flag) < value)
		sched_yield();
}

static void *early_thread(void *arg)
{
	(void)arg;
	wait_for(&go, 1);
	repeat(early, 1000);
	return NULL;
}

static void *late_thread(void *arg)
{
	(void)arg;
	repeat(late, 500);
	return NULL;
}

/* Records without end: during the report, after it, until the process
 * is gone. */
static void *spin_thread(void *arg)
{
	(void)arg;
	for (;;) {
		spin();
		atomic_store(&spinning, 1);
	}
	return NULL;
}

static void *finish_thread(void *arg)
{
	(void)arg;
	repeat(work, 1000);
	atomic_fetch_add(&finished, 1);
	return NULL;
}

static pthread_t start(void *(*fn)(void *), int detached)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	if (detached)
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, fn, NULL))
		abort();
	pthread_attr_destroy(&attr);
	return t;
}

/* One thread exists before the session starts (no measured call yet),
 * one is created after. */
static int before_after_main(pthread_t before)
{
	HP_MAIN(20, "main", 20, "");
	pthread_t after;
	atomic_store(&go, 1);
	pthread_create(&after, NULL, late_thread, NULL);
	pthread_join(before, NULL);
	pthread_join(after, NULL);
	return 0;
}

static int child_before_after(void)
{
	pthread_t before;

	if (hp_clock_mode != 0) /* the session must not have started yet */
		return 10;
	pthread_create(&before, NULL, early_thread, NULL);
	return before_after_main(before);
}

static int child_detached(void)
{
	HP_MAIN(21, "main", 21, "");
	int i;
	for (i = 0; i < 4; i++)
		start(finish_thread, 1);
	wait_for(&finished, 4);
	return 0;
}

static int child_running_at_return(void)
{
	HP_MAIN(22, "main", 22, "");
	start(spin_thread, 1);
	start(spin_thread, 0);
	pthread_join(start(finish_thread, 0), NULL); /* (TSan: no leak) */
	wait_for(&spinning, 1);
	return 0;
}

static __attribute__((noinline)) void leave(int status)
{
	HP_FUNCTION(6, "leave", 6);
	exit(status);
}

static int child_running_at_exit(void)
{
	HP_MAIN(23, "main", 23, "");
	start(spin_thread, 1);
	pthread_join(start(finish_thread, 0), NULL);
	wait_for(&spinning, 1);
	leave(5);
	return 0;
}

/* A measured loop that never returns: announced to the worker once its
 * first spin() has finished. */
static __attribute__((noinline)) void endless(void)
{
	HP_FUNCTION(7, "endless", 7);
	for (;;) {
		spin();
		atomic_store(&spinning, 1);
	}
}

static void *endless_thread(void *arg)
{
	(void)arg;
	endless();
	return NULL;
}

static int child_open_on_thread_at_exit(void)
{
	HP_MAIN(40, "main", 40, "");
	start(endless_thread, 1);
	wait_for(&spinning, 1);
	leave(5);
	return 0;
}

static void *exit_thread(void *arg)
{
	(void)arg;
	repeat(work, 1000);
	exit(4);
}

static int child_exit_from_thread(void)
{
	HP_MAIN(24, "main", 24, "");
	start(spin_thread, 0);
	start(exit_thread, 0);
	for (;;)
		pause();
	return 0;
}

/* main leaves by pthread_exit while its threads still have all their
 * work ahead: they wait for `go`, which the last one out of main sets. */
static void *after_main_thread(void *arg)
{
	(void)arg;
	wait_for(&go, 1);
	repeat(late, 1000);
	return NULL;
}

static void *release_thread(void *arg)
{
	static const struct timespec pause_ = { 0, 50000000 };

	(void)arg;
	nanosleep(&pause_, NULL); /* main is gone by now, usually */
	atomic_store(&go, 1);
	repeat(late, 1000);
	return NULL;
}

static int child_pthread_exit(void)
{
	HP_MAIN(25, "main", 25, "");
	repeat(work, 10);
	start(after_main_thread, 0);
	start(after_main_thread, 1);
	start(release_thread, 0);
	pthread_exit(NULL);
	return 0;
}

/* The same without an annotated main: the session starts lazily. */
static int child_pthread_exit_lazy(void)
{
	repeat(work, 10);
	start(after_main_thread, 1);
	start(release_thread, 0);
	pthread_exit(NULL);
	return 0;
}

/* fork with a thread recording in the parent all the while: the child must
 * get the runtime's locks free and start afresh.  HOTPATH_FORK decides
 * whether the child reports (its report: in_child only). */
static int child_fork(void)
{
	HP_MAIN(26, "main", 26, "");
	int status = 0, i;
	pid_t pid;
	repeat(work, 3);
	start(spin_thread, 1);
	wait_for(&spinning, 1);
	for (i = 0; i < 20; i++) {
		pid = fork();
		if (pid == 0) {
			repeat(in_child, 7);
			exit(0);
		}
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return 20;
	}
	repeat(work, 2);
	return 0;
}

/* A child that measures nothing of its own prints nothing. */
static int child_fork_quiet(void)
{
	HP_MAIN(27, "main", 27, "");
	int status = 0;
	pid_t pid;
	repeat(work, 3);
	pid = fork();
	if (pid == 0)
		exit(0);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 20;
}

/* The exec'd program's stdout and status, read back: as without hpcc. */
static int read_echo(int fd, pid_t pid)
{
	char buf[64];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	int status = -1;

	close(fd);
	waitpid(pid, &status, 0);
	if (n != 6 || memcmp(buf, "hello\n", 6) != 0)
		return 30;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 31;
}

static int child_fork_exec(void)
{
	HP_MAIN(28, "main", 28, "");
	int fd[2], rc;
	pid_t pid;
	repeat(work, 3);
	start(spin_thread, 1);
	if (pipe(fd))
		return 32;
	pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		execl("/bin/echo", "echo", "hello", (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	rc = read_echo(fd[0], pid);
	repeat(work, 2);
	return rc;
}

static int child_vfork_exec(void)
{
	HP_MAIN(29, "main", 29, "");
	int fd[2], rc;
	pid_t pid;
	repeat(work, 3);
	start(spin_thread, 1);
	if (pipe(fd))
		return 32;
	pid = vfork();
	if (pid == 0) {
		dup2(fd[1], 1);
		execl("/bin/echo", "echo", "hello", (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	rc = read_echo(fd[0], pid);
	repeat(work, 2);
	return rc;
}

static int child_spawn(void)
{
	HP_MAIN(30, "main", 30, "");
	char *argv[] = { "echo", "hello", NULL };
	posix_spawn_file_actions_t fa;
	int fd[2], rc;
	pid_t pid;
	repeat(work, 3);
	start(spin_thread, 1);
	if (pipe(fd))
		return 32;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	if (posix_spawn(&pid, "/bin/echo", &fa, NULL, argv, environ))
		return 33;
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	rc = read_echo(fd[0], pid);
	repeat(work, 2);
	return rc;
}

static void no_core(void)
{
	struct rlimit none = { 0, 0 };

	setrlimit(RLIMIT_CORE, &none);
}

static int child_underscore_exit(void)
{
	HP_MAIN(31, "main", 31, "");
	repeat(work, 3);
	start(spin_thread, 1);
	_exit(6);
	return 0;
}

static int child_abort(void)
{
	HP_MAIN(32, "main", 32, "");
	no_core();
	repeat(work, 3);
	abort();
	return 0;
}

static int *volatile nowhere; /* NULL, out of the optimiser's sight */

static int child_segv(void)
{
	HP_MAIN(33, "main", 33, "");
	no_core();
	repeat(work, 3);
	*nowhere = 1;
	return 0;
}

static int child_quick_exit(void)
{
	HP_MAIN(34, "main", 34, "");
	repeat(work, 4);
	quick_exit(8);
	return 0;
}

/* kill(), not raise(): a process-directed signal, which must reach one of
 * the program's threads, never the runtime's. */
static int child_sigint(void)
{
	HP_MAIN(35, "main", 35, "");
	repeat(work, 2);
	kill(getpid(), SIGINT);
	for (;;)
		pause();
	return 0;
}

static int child_sigterm_busy(void)
{
	HP_MAIN(36, "main", 36, "");
	repeat(work, 2);
	start(spin_thread, 1);
	start(spin_thread, 1);
	wait_for(&spinning, 1);
	kill(getpid(), SIGTERM);
	for (;;)
		pause();
	return 0;
}

static volatile sig_atomic_t got_signal;

static void own_handler(int sig)
{
	(void)sig;
	got_signal = 1;
}

static int own_handler_main(void)
{
	HP_MAIN(37, "main", 37, "");
	repeat(work, 2);
	kill(getpid(), SIGINT);
	while (!got_signal)
		sched_yield();
	return 0;
}

/* The program's handler was there before the session: it stays. */
static int child_handler_before(void)
{
	signal(SIGINT, own_handler);
	return own_handler_main();
}

/* SIGINT ignored (as for a background job): it stays ignored. */
static int child_ignored_before(void)
{
	HP_MAIN(38, "main", 38, "");
	repeat(work, 2);
	kill(getpid(), SIGINT);
	return 0;
}

static int ignore_then(int (*fn)(void))
{
	signal(SIGINT, SIG_IGN);
	return fn();
}

static int child_ignored(void)
{
	return ignore_then(child_ignored_before);
}

/* The program installs its handler after the session started (ours was
 * there): its handler wins. */
static int child_handler_after(void)
{
	HP_MAIN(39, "main", 39, "");
	signal(SIGINT, own_handler);
	repeat(work, 2);
	kill(getpid(), SIGINT);
	while (!got_signal)
		sched_yield();
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(void);
	int in_main; /* must run under main: pthread_exit needs its frame */
} scenarios[] = {
	{ "before_after", child_before_after, 0 },
	{ "detached", child_detached, 0 },
	{ "running_at_return", child_running_at_return, 0 },
	{ "running_at_exit", child_running_at_exit, 0 },
	{ "open_on_thread_at_exit", child_open_on_thread_at_exit, 0 },
	{ "exit_from_thread", child_exit_from_thread, 0 },
	{ "pthread_exit", child_pthread_exit, 1 },
	{ "pthread_exit_lazy", child_pthread_exit_lazy, 1 },
	{ "fork", child_fork, 0 },
	{ "fork_quiet", child_fork_quiet, 0 },
	{ "fork_exec", child_fork_exec, 0 },
	{ "vfork_exec", child_vfork_exec, 0 },
	{ "spawn", child_spawn, 0 },
	{ "underscore_exit", child_underscore_exit, 0 },
	{ "abort", child_abort, 0 },
	{ "segv", child_segv, 0 },
	{ "quick_exit", child_quick_exit, 0 },
	{ "sigint", child_sigint, 0 },
	{ "sigterm_busy", child_sigterm_busy, 0 },
	{ "handler_before", child_handler_before, 0 },
	{ "ignored", child_ignored, 0 },
	{ "handler_after", child_handler_after, 0 },
};

/* Runs the scenario named by HPTEST_CHILD, if it belongs here. */
static void dispatch(int in_main)
{
	const char *name = getenv("HPTEST_CHILD");
	size_t i;

	if (!name)
		return;
	alarm(HANG_SECONDS);
	for (i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
		if (strcmp(scenarios[i].name, name) == 0) {
			if (scenarios[i].in_main != in_main)
				return;
			exit(scenarios[i].fn());
		}
	exit(99);
}

__attribute__((constructor)) static void child_dispatch(void)
{
	dispatch(0);
}

/* The first "test": in a scenario child, where main() is on the stack
 * (glibc's pthread_exit cannot unwind from a constructor). */
static void scenario_under_main(void)
{
	dispatch(1);
}

/* ---- the driver (run in the parent) ---- */

/* A sanitizer's report in any child fails the test that ran it. */
static void run_child(const char *name, const char *const *env, struct run *r)
{
	run_child_wrapped(name, env, NULL, r);
	if (r->err && strstr(r->err, "Sanitizer")) {
		fprintf(stderr, "%s: sanitizer report:\n%s\n", name, r->err);
		test_failed_ = 1;
	}
}

static cJSON *fn_named(cJSON *root, const char *name)
{
	cJSON *fn;

	cJSON_ArrayForEach(fn, cJSON_GetObjectItem(root, "functions")) {
		const char *n = cJSON_GetStringValue(cJSON_GetObjectItem(fn, "name"));

		if (n && strcmp(n, name) == 0)
			return fn;
	}
	return NULL;
}

/* Calls of the named row; -1 if there is no such row. */
static long long calls(cJSON *root, const char *name)
{
	cJSON *v = cJSON_GetObjectItem(fn_named(root, name), "calls");

	return cJSON_IsNumber(v) ? (long long)v->valuedouble : -1;
}

static int signaled(const struct run *r, int sig)
{
	return WIFSIGNALED(r->status) && WTERMSIG(r->status) == sig;
}

#define SKIP_UNDER_ASAN(why)                                         \
	do {                                                             \
		if (UNDER_ASAN) {                                            \
			printf("skip %s: %s\n", __func__, why);                  \
			return;                                                  \
		}                                                            \
	} while (0)

#define SKIP_UNDER_TSAN(why)                                         \
	do {                                                             \
		if (UNDER_TSAN) {                                            \
			printf("skip %s: %s\n", __func__, why);                  \
			return;                                                  \
		}                                                            \
	} while (0)

static void threads_before_and_after_start(void)
{
	struct run r;
	cJSON *root;

	run_child("before_after", NULL, &r);
	CHECK(exited(&r, 0));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK_INT(1000, calls(root, "early"));
	CHECK_INT(500, calls(root, "late"));
	CHECK_INT(1, calls(root, "main"));
	CHECK_INT(0, (long long)cJSON_GetNumberValue(cJSON_GetObjectItem(root, "lost")));
	cJSON_Delete(root);
	free_run(&r);
}

static void detached_threads_exact(void)
{
	struct run r;
	cJSON *root;

	run_child("detached", NULL, &r);
	CHECK(exited(&r, 0));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK_INT(4000, calls(root, "work"));
	cJSON_Delete(root);
	free_run(&r);
}

/* Finished threads exact; the spinning ones counted so far, and neither
 * their recording through and after the report nor the report's stopped
 * worker hangs or crashes anything. */
static void threads_running_at_return(void)
{
	struct run r;
	cJSON *root;

	run_child("running_at_return", NULL, &r);
	CHECK(exited(&r, 0));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK_INT(1000, calls(root, "work"));
	CHECK(calls(root, "spin") >= 1);
	CHECK_INT(1, calls(root, "main"));
	cJSON_Delete(root);
	free_run(&r);
}

static void threads_running_at_exit(void)
{
	struct run r;
	cJSON *root;

	run_child("running_at_exit", NULL, &r);
	CHECK(exited(&r, 5));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK_INT(1000, calls(root, "work"));
	CHECK(calls(root, "spin") >= 1);
	CHECK_INT(1, calls(root, "main"));
	/* issue 12, item 2: never returned, closed at exit and counted */
	CHECK_INT(1, calls(root, "leave"));
	CHECK_INT(1, (long long)cJSON_GetNumberValue(
			     cJSON_GetObjectItem(fn_named(root, "leave"), "unfinished")));
	CHECK_INT(1, (long long)cJSON_GetNumberValue(
			     cJSON_GetObjectItem(fn_named(root, "main"), "unfinished")));
	CHECK_INT(0, (long long)cJSON_GetNumberValue(
			     cJSON_GetObjectItem(fn_named(root, "work"), "unfinished")));
	cJSON_Delete(root);
	free_run(&r);
}

/* Another thread's call that the worker saw open (a callee of it had
 * finished) is closed at exit too, without stopping that thread. */
static void thread_call_open_at_exit(void)
{
	struct run r;
	cJSON *root;

	run_child("open_on_thread_at_exit", NULL, &r);
	CHECK(exited(&r, 5));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK_INT(1, calls(root, "endless"));
	CHECK_INT(1, (long long)cJSON_GetNumberValue(
			     cJSON_GetObjectItem(fn_named(root, "endless"), "unfinished")));
	CHECK(calls(root, "spin") >= 1);
	CHECK_INT(1, calls(root, "leave"));
	cJSON_Delete(root);
	free_run(&r);
}

static void exit_from_another_thread(void)
{
	struct run r;
	cJSON *root;

	run_child("exit_from_thread", NULL, &r);
	CHECK(exited(&r, 4));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK_INT(1000, calls(root, "work"));
	CHECK_INT(1, calls(root, "main"));
	cJSON_Delete(root);
	free_run(&r);
}

/* The report goes to stderr here, so a second one would show. */
static void pthread_exit_from_main(void)
{
	static const char *const env[] = { "HOTPATH_OUTPUT=", NULL };
	struct run r;
	cJSON *root;

	SKIP_UNDER_TSAN("TSan's own background thread is a pthread: after "
			"pthread_exit from main the process never ends, with or "
			"without hotpath");
	run_child("pthread_exit", env, &r);
	CHECK(exited(&r, 0));
	CHECK_INT(1, count_substr(r.err, "\"functions\""));
	root = cJSON_Parse(r.err);
	CHECK(root != NULL);
	CHECK_INT(10, calls(root, "work"));
	CHECK_INT(3000, calls(root, "late"));
	CHECK_INT(1, calls(root, "main"));
	cJSON_Delete(root);
	free_run(&r);
}

static void pthread_exit_from_lazy_main(void)
{
	static const char *const env[] = { "HOTPATH_OUTPUT=", NULL };
	struct run r;
	cJSON *root;

	SKIP_UNDER_TSAN("TSan's own background thread is a pthread: after "
			"pthread_exit from main the process never ends, with or "
			"without hotpath");
	run_child("pthread_exit_lazy", env, &r);
	CHECK(exited(&r, 0));
	CHECK_INT(1, count_substr(r.err, "\"functions\""));
	root = cJSON_Parse(r.err);
	CHECK(root != NULL);
	CHECK_INT(10, calls(root, "work"));
	CHECK_INT(2000, calls(root, "late"));
	cJSON_Delete(root);
	free_run(&r);
}

/* Runs the fork scenario with HOTPATH_OUTPUT=<scratch>/<prefix>-%p.json;
 * returns the parent's report and counts the children's, checking each. */
static cJSON *fork_reports(const char *name, const char *mode, int *children,
			   int *bad_children, struct run *r)
{
	char out[600], path[700];
	const char *env[] = { out, mode, FORK_SCENARIO_ENV, NULL };
	cJSON *parent = NULL;
	DIR *d;
	struct dirent *e;

	ensure_scratch();
	snprintf(out, sizeof out, "HOTPATH_OUTPUT=%s/%s-%%p.json", scratch, name);
	run_child(name, env, r);
	*children = *bad_children = 0;
	if (!(d = opendir(scratch)))
		return NULL;
	while ((e = readdir(d))) {
		char want[64];
		cJSON *root;
		char *text;

		if (strncmp(e->d_name, name, strlen(name)) != 0 ||
		    e->d_name[strlen(name)] != '-')
			continue;
		snprintf(path, sizeof path, "%s/%s", scratch, e->d_name);
		snprintf(want, sizeof want, "%s-%ld.json", name, (long)r->pid);
		text = slurp(path);
		unlink(path);
		root = cJSON_Parse(text);
		free(text);
		if (strcmp(e->d_name, want) == 0) {
			parent = root;
			continue;
		}
		/* A child's report: its own calls only. */
		++*children;
		if (!root || calls(root, "in_child") != 7 || calls(root, "work") != -1 ||
		    calls(root, "spin") != -1)
			++*bad_children;
		cJSON_Delete(root);
	}
	closedir(d);
	return parent;
}

static void fork_child_reports_its_own(void)
{
	struct run r;
	cJSON *parent;
	int children, bad;

	SKIP_UNDER_TSAN("the child's own worker is a thread started after a "
			"multi-threaded fork, which TSan does not support "
			"(\"dup thread with used id\")");
	SKIP_UNDER_ASAN("the child's own worker is a thread started after a "
			"multi-threaded fork; ASan's allocator lock can be held "
			"by another thread at the fork, and the child then hangs "
			"in ASan's thread start-up (about 1 run in 60)");
	parent = fork_reports("fork", "HOTPATH_FORK=report", &children, &bad, &r);
	CHECK(exited(&r, 0));
	CHECK(parent != NULL);
	CHECK_INT(5, calls(parent, "work"));
	CHECK_INT(-1, calls(parent, "in_child"));
	CHECK_INT(1, calls(parent, "main"));
	CHECK_INT(20, children);
	CHECK_INT(0, bad);
	cJSON_Delete(parent);
	free_run(&r);
}

static void fork_default_is_report(void)
{
	struct run r;
	cJSON *parent;
	int children, bad;

	SKIP_UNDER_TSAN("the child's own worker is a thread started after a "
			"multi-threaded fork, which TSan does not support "
			"(\"dup thread with used id\")");
	SKIP_UNDER_ASAN("the child's own worker is a thread started after a "
			"multi-threaded fork; ASan's allocator lock can be held "
			"by another thread at the fork, and the child then hangs "
			"in ASan's thread start-up (about 1 run in 60)");
	parent = fork_reports("fork", "HPTEST_UNUSED=1", &children, &bad, &r);
	CHECK(exited(&r, 0));
	CHECK_INT(5, calls(parent, "work"));
	CHECK_INT(20, children);
	CHECK_INT(0, bad);
	cJSON_Delete(parent);
	free_run(&r);
}

static void fork_none_child_silent(void)
{
	struct run r;
	cJSON *parent;
	int children, bad;

	parent = fork_reports("fork", "HOTPATH_FORK=none", &children, &bad, &r);
	CHECK(exited(&r, 0));
	CHECK(parent != NULL);
	CHECK_INT(5, calls(parent, "work"));
	CHECK_INT(-1, calls(parent, "in_child"));
	CHECK_INT(0, children);
	cJSON_Delete(parent);
	free_run(&r);
}

static void fork_child_without_calls_silent(void)
{
	struct run r;
	cJSON *parent;
	int children, bad;

	parent = fork_reports("fork_quiet", "HOTPATH_FORK=report", &children, &bad, &r);
	CHECK(exited(&r, 0));
	CHECK_INT(3, calls(parent, "work"));
	CHECK_INT(0, children);
	cJSON_Delete(parent);
	free_run(&r);
}

static void check_exec(const char *name)
{
	struct run r;
	cJSON *root;

	run_child(name, NULL, &r);
	CHECK(exited(&r, 0));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK_INT(5, calls(root, "work"));
	cJSON_Delete(root);
	free_run(&r);
}

static void fork_then_exec(void) { check_exec("fork_exec"); }
static void vfork_then_exec(void) { check_exec("vfork_exec"); }
static void posix_spawn_works(void) { check_exec("spawn"); }

static void underscore_exit_no_report(void)
{
	struct run r;

	run_child("underscore_exit", NULL, &r);
	CHECK(exited(&r, 6));
	CHECK(r.out == NULL);
	free_run(&r);
}

/* The sanitizers would catch these signals themselves otherwise. */
static const char *const fatal_env[] = { "ASAN_OPTIONS=handle_segv=0:handle_abort=0",
					 "TSAN_OPTIONS=handle_segv=0:handle_abort=0",
					 NULL };

static void abort_keeps_status(void)
{
	struct run r;

	run_child("abort", fatal_env, &r);
	CHECK(signaled(&r, SIGABRT));
	CHECK(r.out == NULL);
	free_run(&r);
}

static void segv_keeps_status(void)
{
	struct run r;

	run_child("segv", fatal_env, &r);
	CHECK(signaled(&r, SIGSEGV));
	CHECK(r.out == NULL);
	free_run(&r);
}

static void quick_exit_reports(void)
{
	struct run r;
	cJSON *root;

	run_child("quick_exit", NULL, &r);
	CHECK(exited(&r, 8));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK_INT(4, calls(root, "work"));
	CHECK_INT(1, calls(root, "main"));
	cJSON_Delete(root);
	free_run(&r);
}

static void sigint_keeps_status_no_report(void)
{
	struct run r;

	run_child("sigint", NULL, &r);
	CHECK(signaled(&r, SIGINT));
	CHECK(r.out == NULL);
	free_run(&r);
}

static void sigint_with_signal_report(void)
{
	static const char *const env[] = { "HOTPATH_SIGNAL_REPORT=1", NULL };
	struct run r;
	cJSON *root;

	run_child("sigint", env, &r);
	CHECK(signaled(&r, SIGINT));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK_INT(2, calls(root, "work"));
	CHECK_INT(1, calls(root, "main"));
	cJSON_Delete(root);
	free_run(&r);
}

/* SIGTERM while two threads record flat out. */
static void sigterm_with_signal_report_busy(void)
{
	static const char *const env[] = { "HOTPATH_SIGNAL_REPORT=1", NULL };
	struct run r;
	cJSON *root;

	run_child("sigterm_busy", env, &r);
	CHECK(signaled(&r, SIGTERM));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK_INT(2, calls(root, "work"));
	CHECK(calls(root, "spin") >= 1);
	cJSON_Delete(root);
	free_run(&r);
}

static void program_handlers_win(void)
{
	static const char *const env[] = { "HOTPATH_SIGNAL_REPORT=1", NULL };
	static const char *const names[] = { "handler_before", "ignored", "handler_after" };
	struct run r;
	cJSON *root;
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		run_child(names[i], env, &r);
		if (!exited(&r, 0))
			TEST_FAIL_("%s: status %#x", names[i], r.status);
		root = cJSON_Parse(r.out);
		CHECK(root != NULL);
		CHECK_INT(2, calls(root, "work"));
		cJSON_Delete(root);
		free_run(&r);
	}
}

static void cleanup(void)
{
	remove_scratch();
}

TEST_MAIN(T(scenario_under_main), T(threads_before_and_after_start), T(detached_threads_exact),
	  T(threads_running_at_return), T(threads_running_at_exit),
	  T(thread_call_open_at_exit),
	  T(exit_from_another_thread), T(pthread_exit_from_main),
	  T(pthread_exit_from_lazy_main), T(fork_child_reports_its_own),
	  T(fork_default_is_report), T(fork_none_child_silent),
	  T(fork_child_without_calls_silent), T(fork_then_exec),
	  T(vfork_then_exec), T(posix_spawn_works), T(underscore_exit_no_report),
	  T(abort_keeps_status), T(segv_keeps_status), T(quick_exit_reports),
	  T(sigint_keeps_status_no_report), T(sigint_with_signal_report),
	  T(sigterm_with_signal_report_busy), T(program_handlers_win),
	  T(cleanup))
