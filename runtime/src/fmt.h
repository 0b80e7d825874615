/* fmt.h - pure formatters of figures: durations, bytes, counts,
 * percentile lists, display width; and the parser of whole numbers.  They depend on libc alone (no
 * allocator, no globals): the runtime's report and `hpcc --diff` compile
 * the same fmt.c, so both print a duration the same way. */
#ifndef HP_FMT_H
#define HP_FMT_H

#include <stddef.h>
#include <stdint.h>

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

/* A whole decimal number in [lo, hi]: digits only, blanks around them
 * allowed.  No sign (strtoull reads "-1" as 2^64 - 1) and no exponent;
 * each digit is checked against the bound before it is added, so nothing
 * can overflow.  0 (*out set), EINVAL (not such a number) or ERANGE.  The
 * runtime's HOTPATH_* numbers and hpcc's HPCC_* numbers both use it. */
int hp_fmt_parse_number(const char *text, uint64_t lo, uint64_t hi, uint64_t *out);

/* The length of the well-formed UTF-8 sequence at s (RFC 3629: no
 * overlongs, surrogates or code points past U+10FFFF), 0 if there is
 * none.  The trace's JSON and the metrics' labels replace such bytes. */
size_t hp_fmt_utf8_len(const unsigned char *s);

/* Display width of UTF-8 text, in code points. */
size_t hp_fmt_width(const char *s);

#endif
