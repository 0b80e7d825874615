/* test_session.c - whole sessions, end to end, without hpcc: each test
 * re-executes this binary (child.h) with HPTEST_CHILD=<scenario> in the
 * environment, where a constructor runs the scenario (which uses the HP_
 * macros directly) instead of the tests, and then checks the child's
 * report (HOTPATH_OUTPUT, a scratch file), its stderr and its exit status.
 * Nothing here depends on timing: only counts, structure and text. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

#include "child.h"
#include "child_json.h"
#include "hotpath.h"
#include "sanitized.h"

void fixture_other_call(void);

/* ThreadSanitizer keeps a fixed shadow call stack per thread (64Ki frames)
 * and crashes beyond it, whatever the code: under TSan the recursion test
 * goes 30,000 deep instead of 100,000. */
#if defined(__SANITIZE_THREAD__)
#define DEPTH 30000
#else
#define DEPTH 100000
#endif

/* ---- the scenarios (run in the child) ---- */

static __attribute__((noinline)) void work(void)
{
	HP_FUNCTION(1, "work", 1);
	__asm__ __volatile__("");
}

static __attribute__((noinline)) void helper(void)
{
	HP_FUNCTION(2, "helper", 2);
	__asm__ __volatile__("");
}

static __attribute__((noinline)) void early(void)
{
	HP_FUNCTION(3, "early", 3);
	__asm__ __volatile__("");
}

static __attribute__((noinline)) void late(void)
{
	HP_FUNCTION(4, "late", 4);
	__asm__ __volatile__("");
}

static __attribute__((noinline)) void leave(int status)
{
	HP_FUNCTION(5, "leave", 5);
	exit(status);
}

static __attribute__((noinline)) void outer(void)
{
	HP_FUNCTION(6, "outer", 6);
	leave(3);
}

static __attribute__((noinline)) unsigned long recurse(unsigned long depth)
{
	HP_FUNCTION(7, "recurse", 7);
	if (depth == 0)
		return 0;
	return 1 + recurse(depth - 1);
}

#define DEFINE_F(n) \
	static __attribute__((noinline)) void f##n(void) \
	{ HP_FUNCTION(1##n, "f" #n, 10 + n); __asm__ __volatile__(""); }
DEFINE_F(1) DEFINE_F(2) DEFINE_F(3) DEFINE_F(4) DEFINE_F(5)

static void *million(void *arg)
{
	long i;

	(void)arg;
	for (i = 0; i < 1000000; i++)
		work();
	return NULL;
}

static void *thousand_early(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 1000; i++)
		early();
	return NULL;
}

static void *some_late(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 500; i++)
		late();
	return NULL;
}

static void *deep(void *arg)
{
	*(unsigned long *)arg = recurse(DEPTH - 1);
	return NULL;
}

static void run_threads(void *(*fn)(void *), int n, size_t stack, void *arg)
{
	pthread_t t[8];
	pthread_attr_t attr;
	int i;

	pthread_attr_init(&attr);
	if (stack)
		pthread_attr_setstacksize(&attr, stack);
	for (i = 0; i < n; i++)
		if (pthread_create(&t[i], &attr, fn, arg))
			abort();
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	pthread_attr_destroy(&attr);
}

static int child_threads8(void)
{
	HP_MAIN(20, "main", 20, "");
	run_threads(million, 8, 0, NULL);
	return 0;
}

static int child_early_thread(void)
{
	HP_MAIN(21, "main", 21, "");
	struct timespec pause = { 0, 20000000 };
	run_threads(thousand_early, 1, 0, NULL);
	/* Lets the worker free the dead buffer first (not needed to pass). */
	nanosleep(&pause, NULL);
	run_threads(some_late, 1, 0, NULL);
	return 0;
}

static int child_exit_nested(void)
{
	HP_MAIN(22, "main", 22, "");
	int i;
	for (i = 0; i < 5; i++)
		work();
	outer();
	return 0;
}

static void post_report_work(void)
{
	work(); /* after the report: must neither crash nor print again */
}

static int child_main_once(void)
{
	HP_MAIN(23, "main", 23, "");
	int i;
	atexit(post_report_work);
	for (i = 0; i < 10; i++)
		work();
	return 0;
}

static int child_lazy(void)
{
	int i;

	for (i = 0; i < 10; i++)
		work();
	return 0;
}

static int child_five(void)
{
	HP_MAIN(24, "main", 24, "90");
	f1(); f2(); f3(); f4(); f5();
	return 0;
}

static int child_same_name(void)
{
	HP_MAIN(25, "main", 25, "");
	helper();
	fixture_other_call();
	fixture_other_call();
	return 0;
}

static int child_recursion(void)
{
	HP_MAIN(26, "main", 26, "");
	unsigned long depth = 0;
	run_threads(deep, 1, (size_t)512 << 20, &depth);
	return depth == DEPTH - 1 ? 0 : 1;
}

static int child_signal(void)
{
	HP_MAIN(27, "main", 27, "");
	work();
	raise(SIGTERM);
	return 0;
}

static int child_fork(void)
{
	HP_MAIN(28, "main", 28, "");
	pid_t pid;
	int status;
	work();
	pid = fork();
	if (pid == 0) {
		work();
		exit(0);
	}
	waitpid(pid, &status, 0);
	work();
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* Runs last among the exit handlers (registered before the session's):
 * the SIGPIPE the program had pending before the report must still be
 * pending after it. */
static void pipe_still_pending(void)
{
	sigset_t pending;

	sigpending(&pending);
	_exit(sigismember(&pending, SIGPIPE) == 1 ? 0 : 3);
}

static int child_pending_pipe(void)
{
	sigset_t pipe;

	atexit(pipe_still_pending);
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, NULL);
	raise(SIGPIPE);
	{
		HP_MAIN(29, "main", 29, "");
		work();
	}
	return 0;
}

/* Reports under a file size limit of 256 bytes, as the program's own
 * choice (SIGXFSZ ignored): writes past it fail with EFBIG. */
static int child_fsize(void)
{
	struct rlimit lim = { 256, 256 };

	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &lim);
	return child_five();
}

static const struct scenario scenarios[] = {
	{ "threads8", child_threads8 },
	{ "early_thread", child_early_thread },
	{ "exit_nested", child_exit_nested },
	{ "main_once", child_main_once },
	{ "lazy", child_lazy },
	{ "five", child_five },
	{ "same_name", child_same_name },
	{ "recursion", child_recursion },
	{ "signal", child_signal },
	{ "fork", child_fork },
	{ "pending_pipe", child_pending_pipe },
	{ "fsize", child_fsize },
};

__attribute__((constructor)) static void child_dispatch(void)
{
	run_scenario(scenarios, sizeof scenarios / sizeof scenarios[0]);
}

/* ---- the driver (run in the parent) ---- */

/* Runs a scenario; env is a NULL-terminated list of "K=V" (a HOTPATH_OUTPUT
 * there replaces the default scratch/<name>.out). */
static void run_child(const char *name, const char *const *env, struct run *r)
{
	run_child_wrapped(name, env, NULL, r);
}

static void eight_threads_exact(void)
{
	struct run r;
	cJSON *root, *fn;

	run_child("threads8", NULL, &r);
	CHECK(exited(&r, 0));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	fn = fn_named(root, "work");
	CHECK(fn != NULL);
	CHECK_U64(8000000, (uint64_t)num(fn, "calls"));
	CHECK_STR("function", cJSON_GetStringValue(cJSON_GetObjectItem(fn, "kind")));
	CHECK(num(fn, "min_ns") <= num(fn, "avg_ns"));
	CHECK(num(fn, "avg_ns") <= num(fn, "max_ns"));
	CHECK(num(cJSON_GetObjectItem(fn, "percentiles"), "p95") >= num(fn, "min_ns"));
	CHECK_U64(1, (uint64_t)num(fn_named(root, "main"), "calls"));
	CHECK_U64(0, (uint64_t)num(root, "lost"));
	CHECK_STR("", r.err); /* nothing from a sanitizer either */
	cJSON_Delete(root);
	free_run(&r);
}

static void thread_exits_early(void)
{
	struct run r;
	cJSON *root;

	run_child("early_thread", NULL, &r);
	CHECK(exited(&r, 0));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK_U64(1000, (uint64_t)num(fn_named(root, "early"), "calls"));
	CHECK_U64(500, (uint64_t)num(fn_named(root, "late"), "calls"));
	CHECK_STR("", r.err);
	cJSON_Delete(root);
	free_run(&r);
}

/* Issue 12, item 2: exit() from main -> outer -> leave.  The calls still
 * open (none of them announced to the worker: no measured callee of outer
 * or leave finished) end at exit and are counted, marked unfinished; the
 * time adds up exactly (monotonic clock: ticks are ns). */
static void exit_from_nested_function_reports(void)
{
	static const char *const env[] = { "HOTPATH_CLOCK=monotonic", NULL };
	static const char *const table[] = { "HOTPATH_FORMAT=table", NULL };
	struct run r;
	cJSON *root, *m, *o, *l, *w;

	run_child("exit_nested", env, &r);
	CHECK(exited(&r, 3));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	w = fn_named(root, "work");
	CHECK_U64(5, (uint64_t)num(w, "calls"));
	CHECK_U64(0, (uint64_t)num(w, "unfinished"));
	m = fn_named(root, "main");
	CHECK(m != NULL);
	CHECK_STR("main", cJSON_GetStringValue(cJSON_GetObjectItem(m, "kind")));
	CHECK_U64(1, (uint64_t)num(m, "calls"));
	CHECK_U64(1, (uint64_t)num(m, "unfinished")); /* main never returned */
	o = fn_named(root, "outer");
	l = fn_named(root, "leave");
	CHECK(o != NULL && l != NULL);
	CHECK_U64(1, (uint64_t)num(o, "calls"));
	CHECK_U64(1, (uint64_t)num(o, "unfinished"));
	CHECK_U64(1, (uint64_t)num(l, "calls"));
	CHECK_U64(1, (uint64_t)num(l, "unfinished"));
	/* nested: leave within outer within main, self times add up */
	CHECK(num(l, "total_ns") <= num(o, "total_ns"));
	CHECK(num(o, "total_ns") <= num(m, "total_ns"));
	CHECK_U64((uint64_t)num(m, "total_ns"),
		  (uint64_t)num(m, "self_ns") + (uint64_t)num(w, "self_ns") +
		  (uint64_t)num(o, "self_ns") + (uint64_t)num(l, "self_ns"));
	CHECK_STR("", r.err);
	cJSON_Delete(root);
	free_run(&r);
	/* the table marks them, with a footnote */
	run_child("exit_nested", table, &r);
	CHECK(exited(&r, 3));
	CHECK_CONTAINS(r.out, "\n| outer *  | 1 ");
	CHECK_CONTAINS(r.out, "\n| leave *  | 1 ");
	CHECK_CONTAINS(r.out, "\n| main *   | 1 ");
	CHECK_CONTAINS(r.out, "\n| work     | 5 ");
	CHECK_CONTAINS(r.out, "+\n[hotpath] * 3 calls still open at exit were "
		       "closed then and counted\n");
	free_run(&r);
}

static void main_return_reports_once(void)
{
	static const char *const env[] = { "HOTPATH_FORMAT=table", NULL };
	struct run r;

	run_child("main_once", env, &r);
	CHECK(exited(&r, 0));
	CHECK_INT(1, count_substr(r.out, "[hotpath] Performance summary from "));
	CHECK(strncmp(r.out, "[hotpath] Performance summary from rt_test_session "
		      "(Total time: ", 60) == 0);
	CHECK_CONTAINS(r.out, "\n| Function | Calls | Avg ");
	CHECK_CONTAINS(r.out, "| P95 ");
	CHECK_CONTAINS(r.out, "\n| work     | 10    | ");
	/* issue 12, item 5: main's row is in the table as in the JSON, and
	 * main returned: nothing unfinished */
	CHECK_CONTAINS(r.out, "\n| main     | 1     | ");
	CHECK_NOT_CONTAINS(r.out, " * ");
	CHECK_CONTAINS(r.out, "\n[hotpath] % Total: Total (inclusive, recursion "
		       "counted once) / main's wall time; threads run in parallel, "
		       "so a row can exceed 100%\n");
	CHECK_STR("", r.err);
	free_run(&r);
}

static void lazy_session_without_main(void)
{
	struct run r;
	cJSON *root;

	run_child("lazy", NULL, &r);
	CHECK(exited(&r, 0));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK_U64(10, (uint64_t)num(fn_named(root, "work"), "calls"));
	CHECK(fn_named(root, "main") == NULL);
	CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(fn_named(root, "work"),
						      "percentiles"), "p95") != NULL);
	CHECK_STR("rt_test_session", cJSON_GetStringValue(cJSON_GetObjectItem(root, "program")));
	cJSON_Delete(root);
	free_run(&r);
}

static void output_file_pid(void)
{
	char env0[600], path[600];
	const char *env[] = { env0, NULL };
	struct run r;
	char *text;

	ensure_scratch();
	snprintf(env0, sizeof env0, "HOTPATH_OUTPUT=%s/rep-%%p.txt", scratch);
	run_child("lazy", env, &r);
	CHECK(exited(&r, 0));
	snprintf(path, sizeof path, "%s/rep-%ld.txt", scratch, (long)r.pid);
	text = slurp(path);
	unlink(path);
	CHECK(text != NULL);
	CHECK_CONTAINS(text, "\"calls\":10");
	free(text);
	free_run(&r);
}

static void limit_rows(void)
{
	static const char *const table[] = { "HOTPATH_LIMIT=2", "HOTPATH_FORMAT=table", NULL };
	static const char *const json[] = { "HOTPATH_LIMIT=2", NULL };
	struct run r;
	cJSON *root;

	run_child("five", table, &r);
	CHECK(exited(&r, 0));
	CHECK_INT(4, count_substr(r.out, "\n| ")); /* main's row is not cut */
	CHECK_CONTAINS(r.out, "\n| main ");
	CHECK_CONTAINS(r.out, "+\n[hotpath] 3 more not shown (HOTPATH_LIMIT=2)\n");
	CHECK_CONTAINS(r.out, "| P90 ");
	free_run(&r);
	run_child("five", json, &r);
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK_INT(3, cJSON_GetArraySize(cJSON_GetObjectItem(root, "functions")));
	CHECK_U64(3, (uint64_t)num(root, "omitted"));
	cJSON_Delete(root);
	free_run(&r);
}

/* Values the runtime cannot use fall back to defaults, and the report says
 * so under the table, one line each; valid values add no line. */
static void ignored_settings_are_named(void)
{
	static const char *const bad[] = { "HOTPATH_PERCENTILES=50,99.9", "HOTPATH_LIMIT=ten",
					   "HOTPATH_FORMAT=tabel", "HOTPATH_ALLOC=bytes",
					   "HOTPATH_FORK=yes", "HOTPATH_SIGNAL_REPORT=on",
					   "HOTPATH_CLOCK=tsc", "HOTPATH_TRACE_LIMIT=-1",
					   "HOTPATH_TREE_LIMIT=18446744073709551615",
					   "HOTPATH_FORMATS=json", NULL };
	static const char *const good[] = { "HOTPATH_PERCENTILES=50,99", "HOTPATH_LIMIT=2",
					    "HOTPATH_FORMAT=table", "HOTPATH_ALLOC=none",
					    "HOTPATH_FORK=none", "HOTPATH_SIGNAL_REPORT=0",
					    "HOTPATH_CLOCK=auto", "HOTPATH_TRACE_LIMIT=10",
					    "HOTPATH_TREE_LIMIT=1000", NULL };
	struct run r;

	run_child("five", bad, &r);
	CHECK(exited(&r, 0));
	CHECK_CONTAINS(r.out, "exceed 100%\n[hotpath] ignored HOTPATH_PERCENTILES=50,99.9 (expected up to "
		       "16 whole numbers from 0 to 100, comma-separated)\n"
		       "[hotpath] ignored HOTPATH_LIMIT=ten (expected a whole number of rows "
		       "from 0 to 100000000): every row is shown\n"
		       "[hotpath] unknown format 'tabel' in HOTPATH_FORMAT (table, json, "
		       "json-pretty, folded, trace, html, metrics, none): the table is shown instead\n"
		       "[hotpath] unknown table 'bytes' in HOTPATH_ALLOC (bytes-total, "
		       "bytes-max, count-total, count-max, none): all four are shown\n"
		       "[hotpath] ignored HOTPATH_FORK=yes (report or none): forked children "
		       "report\n"
		       "[hotpath] ignored HOTPATH_SIGNAL_REPORT=on (0, 1 or terminal): "
		       "Ctrl-C reports when run from a terminal\n"
		       "[hotpath] ignored HOTPATH_CLOCK=tsc (monotonic or auto): the clock is "
		       "chosen as usual\n"
		       "[hotpath] ignored HOTPATH_TRACE_LIMIT=-1 (expected a whole number of "
		       "events from 0 to 100000000): 100000 are kept per thread\n"
		       "[hotpath] ignored HOTPATH_TREE_LIMIT=18446744073709551615 (expected a "
		       "whole number of nodes from 16 to 100000000): at most 100000 are kept\n"
		       "[hotpath] unknown variable HOTPATH_FORMATS: ignored\n");
	CHECK_CONTAINS(r.out, "| P90 "); /* the defaults stayed */
	free_run(&r);
	run_child("five", good, &r);
	CHECK(exited(&r, 0));
	CHECK_NOT_CONTAINS(r.out, "ignored");
	CHECK_NOT_CONTAINS(r.out, "unknown");
	CHECK_CONTAINS(r.out, "| P50 ");
	free_run(&r);
}

/* With no table (json only, or none) the ignored settings are said on
 * stderr, once: they were said only under the table. */
static void ignored_settings_without_table(void)
{
	static const char *const json[] = { "HOTPATH_FORMAT=json", "HOTPATH_COLUMNS=p99.9999",
					    "HOTPATH_QUIET=1", NULL };
	static const char *const none[] = { "HOTPATH_FORMAT=none", "HOTPATH_LIMIT=ten", NULL };
	static const char *const note = "[hotpath] ignored HOTPATH_COLUMNS=p99.9999 ";
	struct run r;

	run_child("five", json, &r);
	CHECK(exited(&r, 0));
	CHECK_CONTAINS(r.out, "\"functions\"");
	CHECK_NOT_CONTAINS(r.out, "ignored");
	CHECK_CONTAINS(r.err, note);
	CHECK(strstr(r.err, note) == strrchr(r.err, '[')); /* once, and alone */
	free_run(&r);
	run_child("five", none, &r);
	CHECK(exited(&r, 0));
	CHECK(r.out == NULL);
	CHECK_CONTAINS(r.err, "[hotpath] ignored HOTPATH_LIMIT=ten ");
	free_run(&r);
}

static void format_none_prints_nothing(void)
{
	static const char *const env[] = { "HOTPATH_FORMAT=none", NULL };
	struct run r;

	run_child("five", env, &r);
	CHECK(exited(&r, 0));
	CHECK(r.out == NULL);
	CHECK_STR("", r.err);
	free_run(&r);
}

static void stderr_by_default_and_unwritable_output(void)
{
	static const char *const none[] = { "HOTPATH_OUTPUT=", "HOTPATH_FORMAT=table", NULL };
	static const char *const bad[] = { "HOTPATH_OUTPUT=/nonexistent-hp-dir/x.txt",
					   "HOTPATH_FORMAT=table", NULL };
	struct run r;

	run_child("five", none, &r);
	CHECK(strncmp(r.err, "[hotpath] Performance summary from ", 35) == 0);
	free_run(&r);
	run_child("five", bad, &r);
	CHECK(exited(&r, 0));
	CHECK(strncmp(r.err, "[hotpath] cannot write /nonexistent-hp-dir/x.txt: "
		      "No such file or directory\n[hotpath] Performance summary from ",
		      110) == 0);
	free_run(&r);
}

/* Runs a scenario with the table going to stderr, a pipe nobody reads
 * (as in `./prog 2>&1 | head -2` once head is gone); returns the wait
 * status. */
static int run_into_closed_pipe(const char *name)
{
	char self[512];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	int status = -1, p[2];
	pid_t pid;

	self[n > 0 ? n : 0] = '\0';
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (pipe(p) != 0 || dup2(p[1], 2) < 0)
			_exit(126);
		close(p[0]);
		close(p[1]);
		signal(SIGPIPE, SIG_DFL);
		setenv("HPTEST_CHILD", name, 1);
		setenv("HOTPATH_FORMAT", "table", 1);
		unsetenv("HOTPATH_OUTPUT");
		execl(self, self, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return status;
}

/* Issue 13, item 8: the report never raises SIGPIPE in the program, and
 * leaves one the program had pending alone. */
static void closed_stderr_pipe_keeps_exit_status(void)
{
	int status = run_into_closed_pipe("five");

	if (WIFSIGNALED(status))
		TEST_FAIL_("expected exit 0, got signal %d", WTERMSIG(status));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	status = run_into_closed_pipe("pending_pipe");
	CHECK(WIFEXITED(status));
	CHECK_INT(0, WEXITSTATUS(status));
}

/* Files in folder dir whose name starts with prefix. */
static int scratch_files_in(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	if (d)
		closedir(d);
	return n;
}

/* Issue 13, item 6: a failed write says so in one line naming the file
 * and the error, and leaves no partial report behind. */
static void failed_write_is_named_and_removed(void)
{
	static const char *const full[] = { "HOTPATH_OUTPUT=/dev/full",
					    "HOTPATH_FORMAT=table", NULL };
	char want[1024], mnt[600], env0[700], path[700];
	const char *env[] = { env0, NULL };
	struct run r;
	FILE *f;
	int left;

	/* a device: written in place */
	run_child("five", full, &r);
	CHECK(exited(&r, 0));
	CHECK_STR("[hotpath] cannot write /dev/full: No space left on device\n",
		  r.err);
	free_run(&r);
	/* a file: the partial one is removed, no temporary file is left */
	run_child("fsize", NULL, &r);
	CHECK(exited(&r, 0));
	snprintf(want, sizeof want, "[hotpath] cannot write %s/fsize.out: %s\n",
		 scratch, strerror(EFBIG));
	CHECK_STR(want, r.err);
	CHECK(r.out == NULL);
	CHECK_INT(0, scratch_files_in(scratch, "fsize.out"));
	free_run(&r);
	/* a full 64 KiB tmpfs, where root may mount one */
	snprintf(mnt, sizeof mnt, "%s/tmpfs", scratch);
	if (geteuid() != 0 || mkdir(mnt, 0755) != 0)
		return;
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=64k") != 0) {
		rmdir(mnt);
		return;
	}
	snprintf(path, sizeof path, "%s/filler", mnt);
	if ((f = fopen(path, "w"))) { /* every page taken */
		static char block[64 * 1024 - 512];

		fwrite(block, 1, sizeof block, f);
		fclose(f);
	}
	snprintf(env0, sizeof env0, "HOTPATH_OUTPUT=%s/r.json", mnt);
	run_child("five", env, &r);
	snprintf(path, sizeof path, "%s/r.json", mnt);
	left = access(path, F_OK) == 0 || scratch_files_in(mnt, "r.json") != 0;
	snprintf(want, sizeof want, "[hotpath] cannot write %s/r.json: %s\n",
		 mnt, strerror(ENOSPC));
	umount(mnt);
	rmdir(mnt);
	CHECK(!left);
	CHECK(exited(&r, 0));
	CHECK_STR(want, r.err);
	free_run(&r);
}

/* Issue 13, item 3: the last component is never followed, and a new file
 * gets 0644 less the umask. */
static void report_file_no_symlink_and_umask(void)
{
	char link[600], target[600], env0[700], want[1400];
	const char *env[] = { env0, "HOTPATH_FORMAT=table", NULL };
	struct run r;
	struct stat st;
	mode_t old;
	char *kept;
	FILE *f;

	ensure_scratch();
	snprintf(target, sizeof target, "%s/target", scratch);
	snprintf(link, sizeof link, "%s/link", scratch);
	f = fopen(target, "w");
	CHECK(f != NULL);
	fputs("keep\n", f);
	fclose(f);
	unlink(link);
	CHECK_INT(0, symlink(target, link));
	snprintf(env0, sizeof env0, "HOTPATH_OUTPUT=%s", link);
	run_child("five", env, &r);
	kept = slurp(target);
	unlink(link);
	unlink(target);
	CHECK(exited(&r, 0));
	CHECK_STR("keep\n", kept);
	free(kept);
	snprintf(want, sizeof want, "[hotpath] cannot write %s: %s\n"
		 "[hotpath] Performance summary from ", link, strerror(ELOOP));
	CHECK(strncmp(r.err, want, strlen(want)) == 0);
	free_run(&r);
	snprintf(target, sizeof target, "%s/mode.txt", scratch);
	snprintf(env0, sizeof env0, "HOTPATH_OUTPUT=%s", target);
	old = umask(027);
	run_child("five", env, &r);
	umask(old);
	CHECK_INT(0, stat(target, &st));
	unlink(target);
	CHECK_INT(0640, st.st_mode & 07777);
	free_run(&r);
}

/* Issue 13, item 3: a setuid-root program run by another user writes no
 * file that user names (only as root, where the copy can be made
 * setuid). */
static void setuid_program_writes_only_stderr(void)
{
	char self[512], copy[600], owned[600], err[600], cmd[1400];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	int status = -1, fd;
	char *kept, *text;
	pid_t pid;
	FILE *f;

	if (geteuid() != 0)
		return;
	self[n > 0 ? n : 0] = '\0';
	ensure_scratch();
	chmod(scratch, 0711);
	snprintf(copy, sizeof copy, "%s/suid", scratch);
	snprintf(owned, sizeof owned, "%s/owned", scratch);
	snprintf(err, sizeof err, "%s/suid.err", scratch);
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", self, copy);
	if (system(cmd) != 0 || chmod(copy, 04755) != 0)
		return;
	f = fopen(owned, "w");
	CHECK(f != NULL);
	fputs("root's\n", f);
	fclose(f);
	fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(fd, 2);
		setenv("HPTEST_CHILD", "five", 1);
		setenv("HOTPATH_FORMAT", "table,json", 1);
		setenv("HOTPATH_OUTPUT", owned, 1);
		setenv("HOTPATH_INTERVAL", "0.01", 1); /* no numbered files either */
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(126);
		execl(copy, copy, (char *)NULL);
		_exit(127);
	}
	close(fd);
	waitpid(pid, &status, 0);
	kept = slurp(owned);
	text = slurp(err);
	unlink(owned);
	unlink(err);
	unlink(copy);
	chmod(scratch, 0700);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		free(kept);
		free(text);
		return; /* a nosuid mount: nothing to check */
	}
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR("root's\n", kept);
	CHECK(strncmp(text, "[hotpath] Performance summary from ", 35) == 0);
	CHECK_CONTAINS(text, "[hotpath] HOTPATH_OUTPUT ignored in a setuid or "
		       "setgid program: the table goes to stderr\n");
	CHECK_CONTAINS(text, "[hotpath] HOTPATH_FORMAT ignored");
	CHECK_CONTAINS(text, "[hotpath] HOTPATH_INTERVAL ignored");
	CHECK_INT(0, scratch_files_in(scratch, "hotpath-"));
	free(kept);
	free(text);
}

static void percentiles_from_main_and_env(void)
{
	static const char *const env[] = { "HOTPATH_PERCENTILES=50,99", NULL };
	struct run r;
	cJSON *root, *p;

	run_child("five", NULL, &r);
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	p = cJSON_GetObjectItem(fn_named(root, "f1"), "percentiles");
	CHECK(cJSON_GetObjectItem(p, "p90") != NULL);
	CHECK_INT(1, cJSON_GetArraySize(p));
	cJSON_Delete(root);
	free_run(&r);
	run_child("five", env, &r);
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	p = cJSON_GetObjectItem(fn_named(root, "f1"), "percentiles");
	CHECK(cJSON_GetObjectItem(p, "p50") != NULL);
	CHECK(cJSON_GetObjectItem(p, "p99") != NULL);
	CHECK_INT(2, cJSON_GetArraySize(p));
	cJSON_Delete(root);
	free_run(&r);
}

static void same_name_in_two_files(void)
{
	static const char *const env[] = { "HOTPATH_FORMAT=table", NULL };
	struct run r;

	run_child("same_name", env, &r);
	CHECK(exited(&r, 0));
	CHECK_CONTAINS(r.out, "| test_session.c:helper  | 1 ");
	CHECK_CONTAINS(r.out, "| fixture_other.c:helper | 2 ");
	free_run(&r);
}

static void deep_recursion(void)
{
	struct run r;
	cJSON *root;

	run_child("recursion", NULL, &r);
	CHECK(exited(&r, 0));
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK_U64(DEPTH, (uint64_t)num(fn_named(root, "recurse"), "calls"));
	CHECK_U64(0, (uint64_t)num(root, "lost"));
	cJSON_Delete(root);
	free_run(&r);
}

static void no_report_on_signal(void)
{
	struct run r;

	run_child("signal", NULL, &r);
	CHECK(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGTERM);
	CHECK(r.out == NULL);
	free_run(&r);
}

static void monotonic_clock(void)
{
	static const char *const env[] = { "HOTPATH_CLOCK=monotonic", NULL };
	struct run r;
	cJSON *root;

	run_child("five", env, &r);
	root = cJSON_Parse(r.out);
	CHECK(root != NULL);
	CHECK_STR("monotonic", cJSON_GetStringValue(cJSON_GetObjectItem(root, "clock")));
	CHECK_U64(1, (uint64_t)num(fn_named(root, "f3"), "calls"));
	cJSON_Delete(root);
	free_run(&r);
}

/* HOTPATH_FORK=none (the default, report, is test_lifecycle's). */
static void forked_child_does_not_report(void)
{
	char env0[600];
	const char *env[] = { env0, "HOTPATH_FORK=none", FORK_SCENARIO_ENV, NULL };
	struct run r;
	DIR *d;
	struct dirent *e;
	int reports = 0;

	ensure_scratch();
	snprintf(env0, sizeof env0, "HOTPATH_OUTPUT=%s/fork-%%p.json", scratch);
	run_child("fork", env, &r);
	CHECK(exited(&r, 0));
	d = opendir(scratch);
	CHECK(d != NULL);
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "fork-", 5) == 0) {
			char path[600], want[64];
			char *text;

			snprintf(path, sizeof path, "%s/%s", scratch, e->d_name);
			snprintf(want, sizeof want, "fork-%ld.json", (long)r.pid);
			text = slurp(path);
			CHECK_STR(want, e->d_name);
			CHECK_CONTAINS(text, "\"name\":\"work\"");
			CHECK_CONTAINS(text, "\"calls\":2,");
			free(text);
			unlink(path);
			reports++;
		}
	closedir(d);
	CHECK_INT(1, reports);
	free_run(&r);
}

static void cleanup(void)
{
	remove_scratch();
}

TEST_MAIN(T(eight_threads_exact), T(thread_exits_early),
	  T(exit_from_nested_function_reports), T(main_return_reports_once),
	  T(lazy_session_without_main), T(output_file_pid), T(limit_rows),
	  T(format_none_prints_nothing), T(ignored_settings_are_named), T(ignored_settings_without_table), T(stderr_by_default_and_unwritable_output),
	  T(closed_stderr_pipe_keeps_exit_status),
	  T(failed_write_is_named_and_removed),
	  T(report_file_no_symlink_and_umask), T(setuid_program_writes_only_stderr),
	  T(percentiles_from_main_and_env), T(same_name_in_two_files),
	  T(deep_recursion), T(no_report_on_signal), T(monotonic_clock),
	  T(forked_child_does_not_report), T(cleanup))
