/* output.h - which reports a session writes, and where (HOTPATH_FORMAT,
 * HOTPATH_OUTPUT, HOTPATH_OUTPUT_<FORMAT>).
 *
 * HOTPATH_FORMAT is a comma list of table, json, json-pretty, folded,
 * trace, html, or "none" (unset or empty: table; an unknown name: table).
 * Each listed format goes to the first of:
 *   1. HOTPATH_OUTPUT_<FORMAT> (TABLE, JSON, FOLDED, TRACE, HTML;
 *      json-pretty uses JSON), a file name ("%p" = pid);
 *   2. HOTPATH_OUTPUT, if it names a directory (an existing one, or any
 *      value ending in '/', created if missing): <dir>/hotpath-<pid>.<ext>
 *      with ext txt, json, folded, trace.json, html;
 *   3. for the first format of the list: HOTPATH_OUTPUT as a file (unset
 *      or empty: stderr), exactly as with a single format;
 *   4. otherwise hotpath-<pid>.<ext> in the current directory.
 */
#ifndef HP_OUTPUT_H
#define HP_OUTPUT_H

#include <stddef.h>

struct hp_report;

#define HP_OUT_TABLE 0x01u
#define HP_OUT_JSON 0x02u
#define HP_OUT_JSON_PRETTY 0x04u
#define HP_OUT_FOLDED 0x08u
#define HP_OUT_TRACE 0x10u
#define HP_OUT_HTML 0x20u

/* HOTPATH_FORMAT's value as HP_OUT_* bits, in list order in *order (up to
 * 8 entries, 0-terminated) when order is not NULL; 0 = "none". */
unsigned int hp_output_parse_list(const char *text, unsigned int *order);
unsigned int hp_output_parse(const char *text);
/* Is item[0..n) a format name HOTPATH_FORMAT accepts? */
int hp_output_known(const char *item, size_t n);

/* Gathers edges, paths and traces into r (rows must be filled and
 * sorted), renders every format and writes each to its destination. */
void hp_output_emit(struct hp_report *r, unsigned int formats);

#endif
