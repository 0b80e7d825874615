/* format.h - pure text helpers of the report: a growable string, duration
 * formatting, percentile-list parsing and the bordered table.  No threads,
 * no globals, so each is unit-tested on exact strings. */
#ifndef HP_FORMAT_H
#define HP_FORMAT_H

#include <stddef.h>
#include <stdint.h>

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

/* "512.00ns", "17.09µs", "1.16ms", "3.50s": the largest unit that keeps
 * the rounded value under 1000, two decimals.  Returns out. */
char *hp_fmt_duration(char *out, size_t n, double ns);

/* Bytes: "0B", "300B", "12.50B", "2.93KiB", "1.50MiB", "4.00GiB": the
 * largest binary unit that keeps the rounded value under 1024, two
 * decimals, except whole bytes (as counts are). */
char *hp_fmt_bytes(char *out, size_t n, double bytes);
/* Counts: "20" when whole, else two decimals ("2.50"). */
char *hp_fmt_count(char *out, size_t n, double count);

#define HP_MAX_PERCENTILES 16
/* Parses "50, 95,99" (integers 0..100, at most HP_MAX_PERCENTILES).
 * Returns the count, or -1 if the text is not such a list. */
int hp_fmt_parse_percentiles(const char *text, unsigned int *out);

/* Appends a bordered table, hotpath style: every row (the header is row 0)
 * between +---+ rules, cells left-aligned, padded by one space, column
 * widths in characters (UTF-8 aware).  cells[r * ncols + c]. */
void hp_fmt_table(struct hp_str *out, const char *const *cells,
		  size_t nrows, size_t ncols);

/* Display width of UTF-8 text, in code points. */
size_t hp_fmt_width(const char *s);

#endif
