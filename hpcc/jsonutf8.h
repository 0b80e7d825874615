/* jsonutf8.h - the JSON hpcc prints is UTF-8, as the runtime's is.
 *
 * cJSON prints a string's bytes as they are, and names, files and paths
 * read from reports or given on the command line can hold any byte: a
 * Latin-1 file name, or a report of a runtime that passed such bytes
 * through.  One bad byte makes the whole output unreadable to strict
 * readers (Python's json), so before printing, every string of the tree
 * gets each byte that is not part of a well-formed UTF-8 character
 * replaced by U+FFFD, by the runtime's rule (hp_fmt_utf8_len).
 */
#ifndef HPCC_JSONUTF8_H
#define HPCC_JSONUTF8_H

#include <cJSON.h>

/* Makes every string value under item (item included) UTF-8.  0, or -1
 * when out of memory (strings fixed so far stay fixed). */
int hpcc_json_utf8(cJSON *item);

#endif
