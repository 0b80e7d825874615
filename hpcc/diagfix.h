/* diagfix.h - the compiler's stderr, replayed as the plain compile says it.
 *
 * hpcc collects what an instrumented command writes on stderr and replays
 * it when the command succeeded.  The rewritten source sits elsewhere and
 * reads one more header, so a few things in that text differ from what
 * the user's own command would have printed; these functions put them
 * back.  Pure text work on buffers: no compiler, no files.
 */
#ifndef HPCC_DIAGFIX_H
#define HPCC_DIAGFIX_H

#include <stddef.h>

#include "plan.h"
#include "rewrite.h"

/* gcc names a header found through `-iquote .` "./x.h" where, included
 * from a source named without a directory, it would say "x.h".  Drops a
 * "./" that starts a location (after optional colour escapes) at the
 * start of a line or after "In file included from " / "from ".  Works in
 * place; returns the new length. */
size_t hpcc_diagfix_strip_dot_slash(char *buf, size_t len);

/* `-H` lists every header the compiler opens: drops the depth-1 line
 * ". <header>" for hotpath.h.  In place; returns the new length. */
size_t hpcc_diagfix_drop_header_line(char *buf, size_t len, const char *header);

/* clang quotes the rewritten file under a diagnostic (gcc the file #line
 * names): replaces every line of `text` that equals a fix's rewritten
 * text by its original.  Returns a malloc'd copy (length in *out_len), or
 * NULL when out of memory. */
char *hpcc_diagfix_swap_lines(const char *text, size_t len, const struct line_fix_list *fixes,
			      size_t *out_len);

/* A source's own quoted includes are found through a link to its folder
 * (source.h): every occurrence of `from` (that link, "<tmp>/<m>/src/")
 * becomes `to` (the folder as the plain compile spells it).  Returns a
 * malloc'd copy (length in *out_len), or NULL when out of memory. */
char *hpcc_diagfix_rename(const char *text, size_t len, const char *from, const char *to,
			  size_t *out_len);

/* All of the above that apply to the stderr `text` (malloc'd, *len bytes)
 * of plan command `pc` over the work items `w`: `header` is hotpath.h's
 * path, `clang` whether the compiler is clang.  Returns the fixed text
 * (`text` itself or a new buffer, `text` then freed; *len updated), or
 * NULL when out of memory (`text` freed too). */
char *hpcc_diagfix_command(char *text, size_t *len, const struct plan_cmd *pc,
			   const struct work *w, const char *header, int clang);

#endif
