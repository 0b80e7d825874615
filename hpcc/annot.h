/* annot.h - parse the text of one hotpath annotation.
 *
 * Pure text work, no libclang: the finder hands over the bytes of a comment
 * token or of the inside of a `[[ ... ]]` attribute list and gets back what
 * the annotation asks for, or an error message and the byte offset (within
 * the given text) of the problem.  A bad option of main(...) is not a
 * malformed annotation: the result is ANNOT_OK with option_ignored set and
 * the default percentiles, and the caller warns.
 *
 * Comment grammar (the marker may appear anywhere in the comment, as a word):
 *     @hotpath
 *     @hotpath measure
 *     @hotpath main
 *     @hotpath main(percentiles = [50, 99.9])
 *     @hotpath main(percentiles = [50, 99], sample = 64)
 *     @hotpath measure_block("label")
 * Attribute grammar (one item of a comma-separated attribute list):
 *     hotpath::measure
 *     hotpath::main | hotpath::main(percentiles = [50, 99])
 *     hotpath::measure_block("label")
 */
#ifndef HPCC_ANNOT_H
#define HPCC_ANNOT_H

#include <stddef.h>

enum annot_kind { ANNOT_NONE, ANNOT_FUNCTION, ANNOT_MAIN, ANNOT_BLOCK };

struct annot {
	enum annot_kind kind;
	char *label;        /* ANNOT_BLOCK: the unescaped label (malloc'd) */
	char *percentiles;  /* ANNOT_MAIN: "50,99" or "" for defaults (malloc'd) */
	unsigned long sample; /* ANNOT_MAIN: sample = N, 0 when not given */
	size_t at;          /* offset in the text of the marker ('@' or 'hotpath') */
	size_t end;         /* attribute: offset just past it (arguments too) */
	char detail[128];   /* malformed: the message */
	size_t error_at;    /* malformed: offset in the text of the problem */
	int option_ignored; /* ANNOT_OK, main: a bad option (detail, error_at
			     * say which) was ignored; default percentiles */
};

/* Outcomes of the parsers. */
#define ANNOT_ABSENT 0     /* no hotpath marker in the text */
#define ANNOT_OK 1         /* `out` describes the annotation */
#define ANNOT_MALFORMED (-1) /* out->detail and out->error_at say why */

/* `text` is a whole comment token, delimiters included. */
int hpcc_annot_parse_comment(const char *text, size_t len, struct annot *out);

/* `text` is the attribute list between `[[` and `]]`. */
int hpcc_annot_parse_attribute(const char *text, size_t len, struct annot *out);

/* Quick byte test: could this buffer contain any annotation at all? */
int hpcc_annot_maybe_present(const char *buf, size_t len);

/* Could it contain a block annotation (measure_block)? */
int hpcc_annot_maybe_block(const char *buf, size_t len);

void hpcc_annot_free(struct annot *a);

#endif
