/* prom_text.h - reading one figure back from a metrics report's text
 * (Prometheus exposition format), for the runtime tests that check
 * histogram buckets: test_metrics (the renderer) and test_local (the
 * buckets a program's exit report holds). */
#ifndef HPTEST_PROM_TEXT_H
#define HPTEST_PROM_TEXT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The le="…" count of `fn`'s duration histogram for bound text `le`;
 * -1 if the report has no such line. */
static inline long long prom_bucket(const char *text, const char *fn,
				    const char *le)
{
	char key[256], tail[64];
	const char *p, *end, *at;

	snprintf(key, sizeof key,
		 "hotpath_call_duration_seconds_bucket{function=\"%s\",", fn);
	snprintf(tail, sizeof tail, ",le=\"%s\"} ", le);
	for (p = text; p && *p; p = end ? end + 1 : NULL) {
		end = strchr(p, '\n');
		if (strncmp(p, key, strlen(key)) == 0 && (at = strstr(p, tail)) &&
		    (!end || at < end))
			return atoll(at + strlen(tail));
	}
	return -1;
}

#endif
