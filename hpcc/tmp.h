/* tmp.h - hpcc's private temporary directory.
 *
 * One mkdtemp directory under $TMPDIR (or /tmp) per invocation, holding
 * each rewritten source as <dir>/<n>/<original basename>, so names the
 * compiler derives from the basename (a.o, a.d, a.s, -save-temps files)
 * come out as without hpcc.  It is removed on every exit path: normal exit,
 * error, and SIGINT/SIGTERM/SIGHUP (the handler removes it, forwards the
 * signal to a running compiler, then dies of the same signal).  --keep
 * keeps it and prints its path.
 *
 * This module owns process-wide state by necessity: a signal handler must
 * find what to delete.
 */
#ifndef HPCC_TMP_H
#define HPCC_TMP_H

#include <sys/types.h>

/* Creates the directory and installs the handlers.  Returns 0, or -1 with
 * errno set. */
int hpcc_tmp_init(int keep);

/* The same with the directory <TMPDIR>/<name>, made with mkdir, for a
 * compiler cache in front of the compiler: ccache hashes the input's path,
 * so the same command must see the same paths every time.  -1 with errno
 * EEXIST when that name is taken (the same command running elsewhere, or
 * left behind by a killed hpcc): the caller falls back to hpcc_tmp_init. */
int hpcc_tmp_init_named(int keep, const char *name);

/* The directory, or NULL before hpcc_tmp_init(). */
const char *hpcc_tmp_dir(void);

/* Creates <dir>/<n>/ (n = 1, 2, ...) and returns the malloc'd path
 * <dir>/<n>/<basename> for the caller to write, or NULL with errno set. */
char *hpcc_tmp_file(const char *basename);

/* Adds `path`, a file the compiler will write inside the directory, to
 * what is removed.  Returns 0, or -1 with errno set. */
int hpcc_tmp_track(const char *path);

/* Removes the directory (or, with keep, prints where it is).  Idempotent. */
void hpcc_tmp_cleanup(void);

/* The same, async-signal-safe and silent, for a signal handler that is
 * about to replace or end the process. */
void hpcc_tmp_cleanup_async(void);

/* The compiler currently running (0: none), to forward signals to. */
void hpcc_tmp_child(pid_t pid);

/* ccache and sccache hash the input's path (and the preprocessor's line
 * markers name it), so behind them the rewritten sources need the same
 * paths on every run of the same command: the name hpcc-<uid>-<hash of
 * the directory and the command> for hpcc_tmp_init_named, or NULL for
 * another `launcher`.  Two runs of one command in one directory at once
 * would write the same outputs anyway; the loser of the mkdir falls back
 * to a fresh directory, as does a name left by a killed hpcc. */
char *hpcc_tmp_cache_name(const char *launcher, char **argv);

#endif
