/* child.h - runs this test binary again as a scenario child (shared by the
 * runtime tests): HPTEST_CHILD=<name> selects the scenario, which a
 * constructor of the test file runs instead of the tests (run_scenario()
 * for a plain table); the report goes to a scratch file (JSON unless env
 * says otherwise).  With `wrapper` set (e.g. valgrind and its options,
 * NULL-terminated) the child runs under it. */
#ifndef HPTEST_CHILD_H
#define HPTEST_CHILD_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct run {
	int status; /* waitpid status */
	pid_t pid;
	char *out;  /* NULL if no report file */
	char *err;
};

static char scratch[256];

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = malloc((size_t)n + 1);
	if (fread(s, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	s[n] = '\0';
	fclose(f);
	return s;
}

static void ensure_scratch(void)
{
	if (scratch[0])
		return;
	snprintf(scratch, sizeof scratch, "%s/hp_rt_XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(scratch))
		abort();
}

static void remove_scratch(void)
{
	DIR *d;
	struct dirent *e;
	char path[512];

	if (!scratch[0] || !(d = opendir(scratch)))
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof path, "%s/%s", scratch, e->d_name);
			unlink(path);
		}
	closedir(d);
	rmdir(scratch);
}

static void run_child_wrapped(const char *name, const char *const *env,
			      const char *const *wrapper, struct run *r)
{
	char out[512], err[512], self[512];
	ssize_t n;
	pid_t pid;

	ensure_scratch();
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = '\0';
	snprintf(out, sizeof out, "%s/%s.out", scratch, name);
	snprintf(err, sizeof err, "%s/%s.err", scratch, name);
	unlink(out);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		const char *argv[16];
		int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644), a = 0;

		dup2(fd, 2);
		/* never a terminal, however ctest is run: Ctrl-C's report
		 * (HOTPATH_SIGNAL_REPORT's default) depends on one */
		close(0);
		open("/dev/null", O_RDONLY);
		setenv("HPTEST_CHILD", name, 1);
		setenv("HOTPATH_OUTPUT", out, 1);
		setenv("HOTPATH_FORMAT", "json", 1);
		/* "[hotpath] wrote <scratch file>" is checked where it is the
		 * point (test_session.c), not in every stderr */
		setenv("HOTPATH_QUIET", "1", 1);
		unsetenv("HOTPATH_LIMIT");
		unsetenv("HOTPATH_PERCENTILES");
		unsetenv("HOTPATH_CLOCK");
		unsetenv("HOTPATH_ALLOC");
		for (; env && *env; env++)
			putenv((char *)*env);
		for (; wrapper && *wrapper && a < 14; wrapper++)
			argv[a++] = *wrapper;
		argv[a++] = self;
		argv[a] = NULL;
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	r->pid = pid;
	waitpid(pid, &r->status, 0);
	r->out = slurp(out);
	r->err = slurp(err);
	unlink(out);
	unlink(err);
}

/* Counts the occurrences of n in h (NULL counts none). */
static inline int count_substr(const char *h, const char *n)
{
	int c = 0;

	for (; h && (h = strstr(h, n)); h += strlen(n))
		c++;
	return c;
}

static void free_run(struct run *r)
{
	free(r->out);
	free(r->err);
}

static int exited(const struct run *r, int code)
{
	return WIFEXITED(r->status) && WEXITSTATUS(r->status) == code;
}

struct scenario {
	const char *name;
	int (*fn)(void);
};

/* In a scenario child, runs the scenario HPTEST_CHILD names and exits with
 * its result (99 for a name not in the table); in the parent, returns. */
static inline void run_scenario(const struct scenario *s, size_t n)
{
	const char *name = getenv("HPTEST_CHILD");
	size_t i;

	if (!name)
		return;
	for (i = 0; i < n; i++)
		if (strcmp(s[i].name, name) == 0)
			exit(s[i].fn());
	exit(99);
}

#endif
