/* exec.c - find and run the real compiler (see exec.h).
 *
 * posix_spawn rather than fork: hpcc's address space is small, but the
 * instrumented path may have libclang mapped, and vfork-style spawning
 * keeps the cost of starting the compiler flat.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "diag.h"
#include "exec.h"
#include "tmp.h"

extern char **environ;

static int is_self(const struct stat *st)
{
	static int have;
	static struct stat self;

	if (!have) {
		if (stat("/proc/self/exe", &self) != 0)
			return 0;
		have = 1;
	}
	return st->st_dev == self.st_dev && st->st_ino == self.st_ino;
}

char *hpcc_exec_find(const char *name, int *skipped_self)
{
	const char *path = getenv("PATH");
	char defpath[256];
	size_t nlen = strlen(name);
	struct stat st;

	*skipped_self = 0;
	if (!*name) {
		errno = ENOENT;
		return NULL;
	}
	if (strchr(name, '/')) {
		if (stat(name, &st) == 0 && is_self(&st)) {
			errno = ELOOP;
			return NULL;
		}
		return strdup(name);
	}
	if (!path) {
		size_t n = confstr(_CS_PATH, defpath, sizeof defpath);

		path = n > 0 && n <= sizeof defpath ? defpath : "/usr/bin:/bin";
	}
	while (*path) {
		const char *end = strchr(path, ':');
		size_t dlen = end ? (size_t)(end - path) : strlen(path);
		char *cand = malloc(dlen + nlen + 3);

		if (!cand)
			return NULL;
		if (dlen == 0) /* an empty entry is the current directory */
			memcpy(cand, ".", 2);
		else {
			memcpy(cand, path, dlen);
			cand[dlen] = '\0';
		}
		strcat(cand, "/");
		strcat(cand, name);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(cand, X_OK) == 0) {
			if (!is_self(&st))
				return cand;
			*skipped_self = 1;
		}
		free(cand);
		if (!end)
			break;
		path = end + 1;
	}
	errno = ENOENT;
	return NULL;
}

int hpcc_exec_depth(void)
{
	char buf[16];
	unsigned long n;

	/* hpcc only ever sets 0..HPCC_MAX_DEPTH; anything else is warned
	 * about and counts as the top */
	n = hpcc_env_count("HPCC_DEPTH", HPCC_MAX_DEPTH, 0, NULL);
	if (n >= HPCC_MAX_DEPTH)
		return -1;
	snprintf(buf, sizeof buf, "%lu", n + 1);
	setenv("HPCC_DEPTH", buf, 1);
	return (int)n;
}

int hpcc_exec_replace(const char *path, char *const argv[])
{
	fflush(NULL);
	execv(path, argv);
	return -1;
}

static int collect(int fd, char **err, size_t *err_len)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	int rc = 0;

	for (;;) {
		ssize_t got;

		if (buf && cap - len < 1024) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				buf = NULL;
			} else {
				buf = nb;
				cap *= 2;
			}
		}
		if (!buf) { /* out of memory: drain so the child never blocks */
			char sink[4096];

			got = read(fd, sink, sizeof sink);
			rc = -1;
		} else {
			got = read(fd, buf + len, cap - len - 1);
		}
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (buf)
			len += (size_t)got;
	}
	if (buf)
		buf[len] = '\0';
	*err = buf;
	*err_len = buf ? len : 0;
	return rc;
}

int hpcc_exec_run(const char *path, char *const argv[], char **err,
		  size_t *err_len, int *sig)
{
	posix_spawn_file_actions_t fa;
	int pipefd[2] = { -1, -1 }, status, rc;
	pid_t pid;

	*sig = 0;
	fflush(NULL);
	if (err) {
		*err = NULL;
		*err_len = 0;
		if (pipe2(pipefd, O_CLOEXEC) != 0)
			return -1;
	}
	posix_spawn_file_actions_init(&fa);
	if (err)
		posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
	rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		close(pipefd[1]);
	if (rc != 0) {
		if (err)
			close(pipefd[0]);
		errno = rc;
		return -1;
	}
	hpcc_tmp_child(pid);
	if (err) {
		collect(pipefd[0], err, err_len);
		close(pipefd[0]);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			hpcc_tmp_child(0);
			return -1;
		}
	}
	hpcc_tmp_child(0);
	if (WIFSIGNALED(status)) {
		*sig = WTERMSIG(status);
		return 128 + *sig;
	}
	return WEXITSTATUS(status);
}

void hpcc_exec_exit(int status, int sig)
{
	fflush(NULL);
	if (sig > 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_DFL;
		sigaction(sig, &sa, NULL);
		raise(sig);
	}
	exit(status);
}

char *hpcc_exec_beside(const char *rel, const char *name)
{
	char exe[PATH_MAX], *slash, *out;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	size_t len;

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	len = strlen(exe) + strlen(rel) + strlen(name) + 8;
	out = malloc(len);
	if (!out)
		hpcc_diag_nomem();
	snprintf(out, len, "%s/../%s/%s", exe, rel, name);
	return out;
}

void hpcc_exec_no_runtime(const char *path)
{
	char *cache = hpcc_exec_beside("", "CMakeCache.txt");
	char *top = hpcc_exec_beside("", "");
	char real[PATH_MAX];

	if (!path || !top || !realpath(top, real))
		snprintf(real, sizeof real, "<build dir>");
	if (cache && access(cache, F_OK) == 0)
		hpcc_diag_error("runtime not found at %s; build it with: cmake --build %s",
				path ? path : "(unknown)", real);
	else
		hpcc_diag_error("runtime not found at %s; reinstall hpcc: cmake --install "
				"<build dir> --prefix %s", path ? path : "(unknown)", real);
	free(cache);
	free(top);
}

int hpcc_exec_is_launcher(const char *word, const char *next)
{
	static const char *const names[] = { "ccache", "distcc", "icecc", "sccache" };
	const char *base = strrchr(word, '/');
	char *found;
	size_t k;
	int skipped, ok;
	struct stat st;

	base = base ? base + 1 : word;
	for (k = 0; k < sizeof names / sizeof names[0]; k++)
		if (!strcmp(base, names[k]))
			break;
	if (k == sizeof names / sizeof names[0] || !next || next[0] == '-')
		return 0;
	found = hpcc_exec_find(next, &skipped);
	ok = found && (skipped || (stat(found, &st) == 0 && S_ISREG(st.st_mode) &&
				   access(found, X_OK) == 0));
	free(found);
	return ok;
}


int hpcc_exec_is_clang(const char *compiler)
{
	char real[PATH_MAX];
	const char *base;

	if (!realpath(compiler, real))
		snprintf(real, sizeof real, "%s", compiler);
	base = strrchr(real, '/');
	return strstr(base ? base + 1 : real, "clang") != NULL;
}
