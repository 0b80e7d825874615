/* exec.h - find and run the real compiler.
 *
 * Never through a shell: arguments reach the compiler exactly as given.
 */
#ifndef HPCC_EXEC_H
#define HPCC_EXEC_H

#include <stddef.h>

/* The real compiler for `name`: `name` itself when it contains a '/',
 * else the first executable `dir/name` in PATH that is not hpcc itself
 * (same device and inode as /proc/self/exe), so `CC=hpcc` or a
 * `gcc -> hpcc` symlink earlier in PATH never recurses.  Returns a
 * malloc'd path, or NULL with errno set (ENOENT: not found; ELOOP: `name`
 * is hpcc).  *skipped_self tells whether a PATH entry was hpcc. */
char *hpcc_exec_find(const char *name, int *skipped_self);

/* How deep hpcc runs in hpcc: a copy of hpcc named gcc later in PATH than
 * a gcc -> hpcc symlink would exec the symlink, which execs the copy, and
 * so on forever (the self-check compares inodes).  Each hpcc tells its
 * children with HPCC_DEPTH.  Returns this process's depth (0 at the top),
 * or -1 when it reaches HPCC_MAX_DEPTH.  A value hpcc never sets (not a
 * number from 0 to HPCC_MAX_DEPTH) is warned about and counts as 0. */
#define HPCC_MAX_DEPTH 8
int hpcc_exec_depth(void);

/* Replaces this process with `path` (argv[0] as given).  Returns only on
 * failure, with errno set. */
int hpcc_exec_replace(const char *path, char *const argv[]);

/* Runs `path` and waits.  When `err` is non-NULL the child's stderr is
 * collected into *err / *err_len (malloc'd, NUL-terminated) instead of
 * reaching ours.  Returns the exit status 0..255, 128+n when the child was
 * killed by signal n (then *sig = n, else 0), or -1 with errno set when it
 * could not be started. */
int hpcc_exec_run(const char *path, char *const argv[], char **err,
		  size_t *err_len, int *sig);

/* Exits like a process whose child ended with `status` / `sig`: a killed
 * child makes us die of the same signal (so make sees it), else
 * exit(status). */
void hpcc_exec_exit(int status, int sig) __attribute__((noreturn));

/* <exe dir>/../<rel>/<name>, from /proc/self/exe: the same layout in the
 * build tree and after install, wherever the prefix is moved.  Returns a
 * malloc'd path, or NULL when /proc/self/exe cannot be read. */
char *hpcc_exec_beside(const char *rel, const char *name);

/* The error for a runtime file (library or header) missing at `path`,
 * with the way to make it: hpcc in a CMake build tree (CMakeCache.txt one
 * level above its bin/) names that tree for `cmake --build`, an installed
 * hpcc its prefix for `cmake --install`. */
void hpcc_exec_no_runtime(const char *path);

/* A compiler launcher in front of the compiler: `hpcc ccache gcc ...`,
 * `hpcc distcc gcc ...`.  The rewrite happens here and the launcher gets
 * the rewritten command, so ccache hashes the instrumented source and
 * distcc ships it.  Only when the next word names a program: `distcc -c
 * a.c` (distcc picking the compiler) is a compiler command of its own. */
int hpcc_exec_is_launcher(const char *word, const char *next);

/* Is `compiler` (after symlinks) clang? */
int hpcc_exec_is_clang(const char *compiler);

#endif
