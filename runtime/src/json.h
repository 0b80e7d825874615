/* json.h - a streaming JSON writer on struct hp_str, for the report.
 *
 * DESIGN.  The runtime depends on libc and pthreads only, so it writes its
 * JSON itself.  The writer keeps no tree: each call appends to the string
 * at once, and the writer only remembers, per open container, whether it
 * is an object and whether it holds anything yet.  Misuse (a value in an
 * object without a key, unbalanced ends, nesting deeper than
 * HP_JSON_MAX_DEPTH) is not checked call by call; it sets a flag that
 * hp_json_finish() reports.
 *
 * The output is the bytes cJSON 1.7.15 printed before, because tests and
 * `hpcc --diff` read it:
 *   compact  {"a":1,"b":[1,2],"c":{}}
 *   pretty   {\n\t"a":\t1,\n\t"b":\t[1, 2],\n\t"c":\t{\n\t}\n}
 * i.e. pretty objects put each member on its own line, indented with one
 * tab per open container, with a tab after the colon; arrays stay on one
 * line with ", " between elements, and an empty object is "{", newline,
 * indent, "}".  Strings escape '"', '\\', \b \f \n \r \t and every other
 * byte below 0x20 as \u00XX; UTF-8 passes through, and each byte that is
 * not part of a well-formed UTF-8 character becomes \ufffd: a label, a
 * path or argv[0] may hold any byte, a thread name cut at 15 bytes may end
 * inside a character, and one bad byte makes the file unreadable to
 * strict readers (Python's json, trace viewers).
 * Numbers: see hp_json_double().
 */
#ifndef HP_JSON_H
#define HP_JSON_H

#include <stdint.h>

#include "format.h"

#define HP_JSON_MAX_DEPTH 16

struct hp_json {
	struct hp_str *out;
	int pretty;
	unsigned int depth; /* open containers; level 0 is the top */
	unsigned char is_object[HP_JSON_MAX_DEPTH + 1];
	unsigned char has_items[HP_JSON_MAX_DEPTH + 1];
	int after_key; /* a member's value is due */
	int misused;
};

void hp_json_init(struct hp_json *j, struct hp_str *out, int pretty);
/* JSON's two-character escape of byte c ("\\n" for a newline; quote,
 * backslash, \b \f \n \r \t), or NULL when it has none (\u00XX then).
 * The table's label escaping uses the same forms. */
const char *hp_json_short_escape(unsigned char c);
/* s as a JSON string literal ("" for NULL), escaped as above. */
void hp_json_write_string(struct hp_str *out, const char *s);
void hp_json_begin_object(struct hp_json *j);
void hp_json_end_object(struct hp_json *j);
void hp_json_begin_array(struct hp_json *j);
void hp_json_end_array(struct hp_json *j);
/* The next member's name; the value call that follows completes it. */
void hp_json_key(struct hp_json *j, const char *key);

/* A string value; NULL is written as "". */
void hp_json_string(struct hp_json *j, const char *s);
/* Exact decimal integers. */
void hp_json_u64(struct hp_json *j, uint64_t v);
void hp_json_int(struct hp_json *j, long long v);
void hp_json_null(struct hp_json *j);
/* cJSON 1.7.15's rule: "%1.15g", or "%1.17g" when that does not read back
 * as the same double within DBL_EPSILON of the larger (so 3, -0, 2.5, 0.3
 * for 0.1 + 0.2, 66.666666666666671, 1e+15); NaN and infinities are null.
 * The decimal point is '.' whatever the locale. */
void hp_json_double(struct hp_json *j, double v);

/* 0 when one complete value was written, ENOMEM when the string ran out
 * of memory, EINVAL on misuse. */
int hp_json_finish(const struct hp_json *j);

#endif
