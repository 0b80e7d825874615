/* tmp.c - the private temporary directory (see tmp.h).
 *
 * Everything the signal handler touches is prepared beforehand: a table
 * of paths that hpcc created (grown with the signals blocked, so the
 * handler never sees it half-moved), removed in reverse order with
 * unlink() and rmdir(), both async-signal-safe.  Only hpcc writes into the
 * directory (compiler outputs go where the user asked), so the table is the
 * whole content.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "tmp.h"

static char *dir;
/* files and subdirectories, in creation order; the handler reads `paths`
 * and `npaths`, so both change with the signals blocked or in an order
 * that keeps them consistent */
static char **volatile paths;
static volatile sig_atomic_t npaths;
static size_t cap;
static volatile sig_atomic_t child;
static int keep;
static unsigned counter;

static const int signals[] = { SIGINT, SIGTERM, SIGHUP };

static void remove_all(void)
{
	int i;

	for (i = npaths - 1; i >= 0; i--)
		if (unlink(paths[i]) != 0)
			rmdir(paths[i]);
	if (dir)
		rmdir(dir);
}

void hpcc_tmp_cleanup_async(void)
{
	if (!keep)
		remove_all();
}

static void on_signal(int sig)
{
	struct sigaction sa;

	if (child > 0)
		kill((pid_t)child, sig);
	if (!keep)
		remove_all();
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(sig, &sa, NULL);
	raise(sig);
}

static int init(int keep_files, const char *name)
{
	const char *base = getenv("TMPDIR");
	struct sigaction sa;
	size_t i;

	if (dir)
		return 0;
	if (!base || !*base)
		base = "/tmp";
	dir = malloc(strlen(base) + sizeof "/hpcc-XXXXXX" + (name ? strlen(name) : 0));
	if (!dir)
		return -1;
	if (name)
		sprintf(dir, "%s/%s", base, name);
	else
		sprintf(dir, "%s/hpcc-XXXXXX", base);
	keep = keep_files;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof signals / sizeof signals[0]; i++)
		sigaddset(&sa.sa_mask, signals[i]);
	/* block the signals while the directory comes into existence so the
	 * handler never sees a half-made table */
	sigprocmask(SIG_BLOCK, &sa.sa_mask, NULL);
	if (name ? mkdir(dir, 0700) != 0 : !mkdtemp(dir)) {
		int e = errno;

		free(dir);
		dir = NULL;
		sigprocmask(SIG_UNBLOCK, &sa.sa_mask, NULL);
		errno = e;
		return -1;
	}
	for (i = 0; i < sizeof signals / sizeof signals[0]; i++) {
		struct sigaction old;

		/* a shell running us in the background set SIGINT to ignored:
		 * leave it that way */
		if (sigaction(signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(signals[i], &sa, NULL);
	}
	sigprocmask(SIG_UNBLOCK, &sa.sa_mask, NULL);
	return 0;
}

int hpcc_tmp_init(int keep_files)
{
	return init(keep_files, NULL);
}

int hpcc_tmp_init_named(int keep_files, const char *name)
{
	return init(keep_files, name);
}

const char *hpcc_tmp_dir(void)
{
	return dir;
}

static void block_signals(sigset_t *old)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < sizeof signals / sizeof signals[0]; i++)
		sigaddset(&set, signals[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* No limit but memory: a command may have any number of sources. */
static int add_path(char *p)
{
	if ((size_t)npaths == cap) {
		size_t ncap = cap ? cap * 2 : 64;
		char **v = malloc(ncap * sizeof *v), **prev;
		sigset_t old;

		if (!v)
			return -1;
		if (npaths)
			memcpy(v, (char **)paths, (size_t)npaths * sizeof *v);
		block_signals(&old);
		prev = paths;
		paths = v;
		cap = ncap;
		sigprocmask(SIG_SETMASK, &old, NULL);
		free(prev);
	}
	paths[npaths] = p;
	npaths = npaths + 1;
	return 0;
}

char *hpcc_tmp_file(const char *basename)
{
	char *sub, *file;

	if (!dir) {
		errno = EINVAL;
		return NULL;
	}
	sub = malloc(strlen(dir) + 16);
	file = malloc(strlen(dir) + 16 + strlen(basename) + 2);
	if (!sub || !file)
		goto fail;
	sprintf(sub, "%s/%u", dir, ++counter);
	sprintf(file, "%s/%s", sub, basename);
	if (mkdir(sub, 0700) != 0)
		goto fail;
	if (add_path(sub) != 0) {
		rmdir(sub);
		goto fail;
	}
	/* not created yet; unlink of a missing file is harmless */
	if (hpcc_tmp_track(file) != 0) {
		free(file);
		return NULL; /* `sub` is in the table: removed at cleanup */
	}
	return file;
fail:
	free(sub);
	free(file);
	return NULL;
}

int hpcc_tmp_track(const char *path)
{
	char *p = strdup(path);

	if (!p || add_path(p) != 0) {
		free(p);
		return -1;
	}
	return 0;
}

void hpcc_tmp_child(pid_t pid)
{
	child = pid;
}

void hpcc_tmp_cleanup(void)
{
	sigset_t set, old;
	size_t i;

	if (!dir)
		return;
	sigemptyset(&set);
	for (i = 0; i < sizeof signals / sizeof signals[0]; i++)
		sigaddset(&set, signals[i]);
	sigprocmask(SIG_BLOCK, &set, &old);
	if (keep)
		fprintf(stderr, "hpcc: kept temporary files in %s\n", dir);
	else
		remove_all();
	for (i = 0; i < (size_t)npaths; i++)
		free(paths[i]);
	npaths = 0;
	free((char **)paths);
	paths = NULL;
	cap = 0;
	free(dir);
	dir = NULL;
	sigprocmask(SIG_SETMASK, &old, NULL);
}

char *hpcc_tmp_cache_name(const char *launcher, char **argv)
{
	const char *base = strrchr(launcher, '/');
	unsigned long long h = 14695981039346656037ull; /* FNV-1a */
	char cwd[PATH_MAX], *name;
	const char *p;
	int i;

	base = base ? base + 1 : launcher;
	if (strcmp(base, "ccache") != 0 && strcmp(base, "sccache") != 0)
		return NULL;
	if (!getcwd(cwd, sizeof cwd))
		return NULL;
	for (i = -1; i < 0 || argv[i]; i++)
		for (p = i < 0 ? cwd : argv[i];; p++) {
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
			if (!*p)
				break;
		}
	name = malloc(64);
	if (!name)
		hpcc_diag_nomem();
	snprintf(name, 64, "hpcc-%lu-%016llx", (unsigned long)getuid(), h);
	return name;
}

