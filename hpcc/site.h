/* site.h - what the annotation finder hands to the rewriter.
 *
 * A site is one function or block that will be measured, located in the
 * original source bytes.  Plain data: no libclang types cross this line.
 */
#ifndef HPCC_SITE_H
#define HPCC_SITE_H

#include <stddef.h>

enum site_kind { SITE_FUNCTION, SITE_BLOCK, SITE_MAIN };

struct site {
	enum site_kind kind;
	char *name;        /* function name or block label (malloc'd) */
	unsigned line;     /* 1-based line of the function's name or the block's '{' */
	unsigned col;      /* 1-based column, same place */
	size_t brace;      /* byte offset of the body's opening '{' in the buffer */
	char *percentiles; /* SITE_MAIN: "50,99", or "" for defaults; else NULL */
	unsigned long sample; /* SITE_MAIN: main(sample = N), 0 = not given */
	/* The function measured, or holding the block: its first byte and the
	 * byte after its closing '}' (fn_end 0: not known).  The rewriter
	 * brackets it with diagnostic pragmas. */
	size_t fn_start, fn_end;
};

/* Bytes of the source the rewriter turns into blanks: an hpcc attribute
 * that hpcc has handled and the compiler would only warn about (issue 12,
 * item 9).  Newlines and tabs stay, so no token moves. */
struct blank {
	size_t off, len;
};

struct site_list {
	struct site *v;
	size_t n;
	struct blank *blanks;
	size_t nblanks;
};

void hpcc_sites_free(struct site_list *list);

#endif
