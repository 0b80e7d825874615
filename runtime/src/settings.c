/* settings.c - notes on HOTPATH_* values that were ignored (settings.h).
 *
 * Each check mirrors the parser that reads the variable (format.c,
 * output.c, report.c, session.c), so what is called ignored here is
 * exactly what those fell back from.
 */
#include "settings.h"

#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "report.h"

static const char *value(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* The first item of a comma list that `known` rejects, or NULL. */
static int first_unknown(const char *list, int (*known)(const char *, size_t),
			 const char **item, size_t *n)
{
	const char *p = list;

	while (hp_report_list_next(&p, item, n))
		if (!known(*item, *n))
			return 1;
	return 0;
}

static int is_none(const char *item, size_t n)
{
	return n == 4 && strncmp(item, "none", 4) == 0;
}

static int alloc_known(const char *item, size_t n)
{
	return hp_report_alloc_known(item, n) || is_none(item, n);
}

void hp_settings_notes(struct hp_str *out)
{
	unsigned int p[HP_MAX_PERCENTILES];
	const char *v, *item;
	size_t n;

	if ((v = value("HOTPATH_PERCENTILES")) && hp_fmt_parse_percentiles(v, p) < 0)
		hp_str_printf(out, "[hotpath] ignored HOTPATH_PERCENTILES=%s (expected up to %d "
			      "whole numbers from 0 to 100, comma-separated)\n", v,
			      HP_MAX_PERCENTILES);
	if ((v = value("HOTPATH_LIMIT")) && hp_fmt_parse_limit(v) < 0)
		hp_str_printf(out, "[hotpath] ignored HOTPATH_LIMIT=%s (expected a "
			      "whole number of rows)\n", v);
	if ((v = value("HOTPATH_FORMAT")) && first_unknown(v, hp_output_known, &item, &n))
		hp_str_printf(out, "[hotpath] unknown format '%.*s' in HOTPATH_FORMAT (table, "
			      "json, json-pretty, folded, trace, html, none): the table is "
			      "shown instead\n", (int)n, item);
	if ((v = value("HOTPATH_ALLOC")) && first_unknown(v, alloc_known, &item, &n))
		hp_str_printf(out, "[hotpath] unknown table '%.*s' in HOTPATH_ALLOC (bytes-total, "
			      "bytes-max, count-total, count-max, none): all four are shown\n",
			      (int)n, item);
	if ((v = value("HOTPATH_FORK")) && strcmp(v, "report") != 0 && strcmp(v, "none") != 0)
		hp_str_printf(out, "[hotpath] ignored HOTPATH_FORK=%s (report or none): "
			      "forked children report\n", v);
}
