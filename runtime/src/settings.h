/* settings.h - say which HOTPATH_* values the runtime could not use.
 *
 * Every run-time setting falls back to its default when its value makes no
 * sense (the program must run on, and the runtime never prints outside
 * the report).  The report then names each such value in one line under
 * the table, so a typo is never silently ignored.
 */
#ifndef HP_SETTINGS_H
#define HP_SETTINGS_H

#include "format.h"

void hp_settings_notes(struct hp_str *out);

#endif
