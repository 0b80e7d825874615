/* format.h - text helpers of the report: a growable string and the
 * bordered table; the figure formatters are in fmt.h.  No threads,
 * no globals, so each is unit-tested on exact strings. */
#ifndef HP_FORMAT_H
#define HP_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "fmt.h"

/* A growable NUL-terminated string; `failed` sticks after an ENOMEM. */
struct hp_str {
	char *s;
	size_t len;
	size_t cap;
	int failed;
};

void hp_str_printf(struct hp_str *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void hp_str_append(struct hp_str *out, const char *text, size_t n);
void hp_str_free(struct hp_str *out);

/* Appends a bordered table, hotpath style: every row (the header is row 0)
 * between +---+ rules, cells left-aligned, padded by one space, column
 * widths in characters (UTF-8 aware).  cells[r * ncols + c]. */
void hp_fmt_table(struct hp_str *out, const char *const *cells,
		  size_t nrows, size_t ncols);

#endif
