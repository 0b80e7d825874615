/* rewrite.h - turn sites into edits and edits into a rewritten source.
 *
 * Pure byte work, no libclang: testable on strings.
 */
#ifndef HPCC_REWRITE_H
#define HPCC_REWRITE_H

#include <stddef.h>
#include <stdio.h>

#include "site.h"

/* Insert `text` in place of the `len` bytes at `offset` of the original. */
struct edit {
	size_t offset;
	size_t len;
	char *text; /* malloc'd */
};

struct edit_list {
	struct edit *v;
	size_t n;
};

/* Plan the guard insertions for `sites` in `buf`; `display_path` is the
 * source's name as given to the compiler (used in #line directives).
 * Returns 0, or -1 on allocation failure. */
int hpcc_rewrite_plan(const char *buf, size_t len, const struct site_list *sites,
		      const char *display_path, struct edit_list *out);

/* Write the rewritten source: a prologue that includes `header_path` and
 * resets the line to 1 of `display_path`, then `buf` with `edits` applied
 * (sorted by offset, non-overlapping).  Returns 0, or -1 with errno set on
 * a write error. */
int hpcc_rewrite_apply(const char *buf, size_t len, const struct edit_list *edits,
		       const char *header_path, const char *display_path, FILE *out);

void hpcc_edits_free(struct edit_list *list);

/* A line the rewriter split: the text after a resynchronising #line as the
 * compiler reads it in the rewritten file, and the original line.  gcc
 * quotes diagnostics from the file #line names, clang from the buffer it
 * compiled, so clang's replayed diagnostics need these swapped back
 * (hpcc_diagfix_swap_lines). */
struct line_fix {
	char *rewritten;
	char *original;
};

struct line_fix_list {
	struct line_fix *v;
	size_t n;
};

/* Collects the split lines of `buf` under `edits`.  Returns 0 or -1. */
int hpcc_rewrite_line_fixes(const char *buf, size_t len, const struct edit_list *edits,
			    struct line_fix_list *out);

void hpcc_line_fixes_free(struct line_fix_list *list);

/* Quoted includes that the source's own folder satisfies.  In place, the
 * compiler looks for `#include "h.h"` first in the including file's
 * folder; the rewritten copy lives in the temp dir, so each such name
 * (also of #include_next, #import and __has_include("...")) gets `prefix`
 * (an absolute path that leads to the folder) in front of it, and no other
 * file of the compile sees the folder.  `in_dir` says whether the folder
 * holds `name` (relative, as written). */
struct include_scan {
	int (*in_dir)(const char *name, void *ctx);
	void *ctx;
	const char *prefix;
};

/* Adds those insertions to `edits` (kept sorted by offset) and, for
 * clang's quoted lines, the changed lines to `fixes`.  Directives inside
 * comments are skipped; *computed = 1 when an #include's operand is not
 * a literal (#include MACRO), whose lookup cannot be redirected.  Returns
 * the number of names redirected, or -1 when out of memory. */
int hpcc_rewrite_includes(const char *buf, size_t len, const struct include_scan *sc,
			  struct edit_list *edits, struct line_fix_list *fixes, int *computed);

#endif
