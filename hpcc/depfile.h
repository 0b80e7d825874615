/* depfile.h - the dependency files (-MD, -MMD) of rewritten sources.
 *
 * Where the compiler writes them, and how their text is made to be what
 * the plain compile writes: the temp paths replaced by the original ones,
 * hotpath.h dropped, the lines wrapped again as the compiler wraps them.
 * Text in, text out; only hpcc_depfile_fix_file() touches a file (and
 * hpcc_depfile_plain_differs() stats directories).
 *
 * gcc lists a header once per cached lookup of it, and the lookups of a
 * rewritten source start in the temp dir and find its own folder's headers
 * through -iquote, where the plain compile finds them in the source's
 * folder as the including file's directory: a guarded header that the
 * source and a header of its folder both include is listed twice, or
 * (when the folder is also in the user's -I) once where gcc lists it twice.
 * In those cases hpcc has gcc preprocess the original source once more,
 * for its dependency file alone.  clang lists each file once.
 */
#ifndef HPCC_DEPFILE_H
#define HPCC_DEPFILE_H

#include <stddef.h>

#include "args.h"

/* A path to replace: `from` (the temp copy) becomes `to` (as given).  A
 * `from` that ends in '/' is a folder: it is replaced where a path starts
 * with it. */
struct dep_rename {
	const char *from;
	const char *to;
};

/* Where the compiler writes the dependency file of `src` in `inv` (as
 * gcc 12 and clang 14 name it): -MF; else the output with its suffix
 * replaced by .d; else, linking with gcc, a-<base>.d; else <base>.d, in
 * the current directory.  malloc'd, or NULL. */
char *hpcc_depfile_path(const struct invocation *inv, const char *src, int clang);
/* `path` without its directory and without its last suffix (".c"), the
 * way the compilers derive a.o from src/a.c; with `keep_dir`, the
 * directory stays.  malloc'd, or NULL. */
char *hpcc_depfile_stem(const char *path, int keep_dir);

/* The .d text `buf` (buf[len] == '\0') with the paths of `r` replaced,
 * `header` dropped as a prerequisite and as a -MP target, and, when that
 * changed anything (*changed), the first rule wrapped again the way gcc
 * (or clang) wraps it.  Returns malloc'd text, its length in *out_len, or
 * NULL on allocation failure. */
char *hpcc_depfile_fix(const char *buf, size_t len, const struct dep_rename *r, int nr,
		       const char *header, int clang, size_t *out_len, int *changed);

/* The same for the file at `path`, rewritten in place.  Returns 1 when it
 * changed, 0 when there was nothing to do or no such file (-MF of another
 * source of the same command), -1 with errno set on failure. */
int hpcc_depfile_fix_file(const char *path, const struct dep_rename *r, int nr,
			  const char *header, int clang);

/* Re-emits the first rule of `buf` (up to its first unescaped newline)
 * with the compiler's own line wrapping: gcc breaks before a word that
 * would pass column 72 (libcpp mkdeps.cc), clang keeps room for " \"
 * within 75 columns (DependencyFileGenerator).  Returns the new text
 * (malloc'd, length in *out_len), or NULL when the first rule is not one
 * it knows or on allocation failure. */
char *hpcc_depfile_rewrap(const char *buf, size_t len, int clang, size_t *out_len);

/* Can the gcc .d text `buf` of the rewritten `src` (from folder `dir`)
 * differ from the plain compile's?  Yes when its first rule, which names
 * `src` first, lists a prerequisite twice, or when `dir` is also one of
 * the user's -I, -iquote, -isystem or -idirafter folders. */
int hpcc_depfile_plain_differs(const char *buf, size_t len, const char *src,
			       const char *dir, const struct invocation *inv);

/* The target(s) of the first rule, as written, separated by one space;
 * malloc'd, or NULL. */
char *hpcc_depfile_target(const char *buf, size_t len);

#endif
