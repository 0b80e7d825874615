/* finder.h - find annotated functions and blocks in one C source file.
 *
 * The only module that talks to libclang (loaded with dlopen on first use,
 * so a compile that never needs it never pays for it).
 */
#ifndef HPCC_FINDER_H
#define HPCC_FINDER_H

#include <stddef.h>

#include "site.h"

struct finder_opts {
	const char *path;        /* the source as named on the command line */
	const char *buf;         /* its bytes, as read by hpcc */
	size_t len;
	const char *const *argv; /* compiler flags that affect parsing (-I, -D, -U,
				    -std, -include, -isystem, -iquote, ...) */
	int argc;
	int instrument_all;      /* every function defined in the file */
	const char *const *exclude; /* --instrument=all only: fnmatch(3) globs
				       on function names; a matching function
				       is not measured unless annotated, and
				       `main` always is (it starts the
				       session).  Excluding whole files by
				       path is the caller's job. */
	int nexclude;
	int strict;              /* annotation problems are errors */
	int blank_attributes;    /* the compiler takes [[ns::attr]] in this
				    mode: hpcc's own attributes that parse
				    go to out->blanks (issue 12, item 9) */
	int verbose;             /* say what was found on stderr */
	char **deferred;         /* when non-NULL, the "libclang cannot parse
				    this file" warning is stored here
				    (malloc'd line) instead of printed: the
				    caller prints it only if the compile then
				    succeeds, since on a file with a real
				    error the compiler's own errors say it */
};

/* Outcomes of hpcc_finder_find(). */
#define FINDER_OK 0          /* `out` holds the sites (possibly none) */
#define FINDER_FALLBACK (-1) /* cannot handle this file: a one-line warning
				was printed; compile it unmodified */
#define FINDER_ERROR (-2)    /* --strict and a bad annotation: errors were
				printed; the compile must fail */

int hpcc_finder_find(const struct finder_opts *opts, struct site_list *out);

#endif
