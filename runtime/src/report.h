/* report.h - the report, from plain data to text to its destination.
 *
 * The session gathers a struct hp_report (everything already in ns); this
 * module only sorts, lays out and writes it, so tests feed it hand-made
 * rows and compare exact strings.  This is the only module that prints.
 */
#ifndef HP_REPORT_H
#define HP_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "format.h"

struct hp_row {
	const char *name;
	const char *file;
	int line;
	int kind; /* HP_KIND_* */
	uint64_t calls;
	uint64_t total_ns;
	uint64_t min_ns;
	uint64_t max_ns;
	uint64_t pct_ns[HP_MAX_PERCENTILES]; /* parallel to hp_report.pcts */
};

struct hp_report {
	const char *program;
	const char *clock;
	uint64_t total_ns; /* session wall time */
	uint64_t lost;
	unsigned int pcts[HP_MAX_PERCENTILES];
	int npcts;
	long limit; /* rows kept besides main; < 0 = all */
	struct hp_row *rows;
	size_t nrows;
};

enum hp_format { HP_FORMAT_TABLE, HP_FORMAT_JSON, HP_FORMAT_JSON_PRETTY,
		 HP_FORMAT_NONE };

/* Parses HOTPATH_FORMAT's value (NULL or unknown = table). */
enum hp_format hp_report_parse_format(const char *text);
/* Sorts rows by total time, largest first (then by name, file, line). */
void hp_report_sort(struct hp_report *r);
/* Render into out; rows must be sorted.  0 or ENOMEM. */
int hp_report_table(struct hp_str *out, const struct hp_report *r);
int hp_report_json(struct hp_str *out, const struct hp_report *r, int pretty);
/* HOTPATH_OUTPUT pattern to a path: "%p" is the pid, "%%" a '%'. */
void hp_report_expand_path(const char *pattern, long pid, struct hp_str *out);
/* Writes text to the file named by pattern (NULL/"" = stderr); if it
 * cannot be opened, says so on stderr and writes to stderr instead. */
void hp_report_write(const char *pattern, const char *text, size_t n);

#endif
