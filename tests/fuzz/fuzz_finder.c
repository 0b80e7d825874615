/* fuzz_finder.c - finder (libclang) then rewriter on arbitrary sources.
 *
 * Byte 0 holds options (bit 0 --instrument=all, bit 1 --strict, bit 2 an
 * exclusion glob "f*"); the rest is the C source.  Every site must sit on
 * a '{' of the source, sites come sorted and distinct, and the rewriter
 * must accept them.  Slow (a libclang parse per input): run it longest.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finder.h"
#include "fuzz.h"
#include "rewrite.h"

int hpcc_fuzz_finder(const uint8_t *data, size_t size)
{
	static const char *const globs[] = { "f*" };
	struct finder_opts o;
	struct site_list sites = { NULL, 0, NULL, 0 };
	struct edit_list edits = { NULL, 0 };
	char *buf, *out = NULL;
	size_t len, i, out_len = 0;
	FILE *f;
	int rc;

	if (size < 1 || size > 8192)
		return 0;
	len = size - 1;
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);
	memset(&o, 0, sizeof o);
	o.path = "fuzz.c";
	o.buf = buf;
	o.len = len;
	o.instrument_all = data[0] & 1;
	o.strict = !!(data[0] & 2);
	if (data[0] & 4) {
		o.exclude = globs;
		o.nexclude = 1;
	}
	rc = hpcc_finder_find(&o, &sites);
	FUZZ_ASSERT(rc == FINDER_OK || rc == FINDER_FALLBACK || rc == FINDER_ERROR);
	if (rc != FINDER_OK)
		FUZZ_ASSERT(sites.n == 0);
	for (i = 0; i < sites.n; i++) {
		const struct site *s = &sites.v[i];

		FUZZ_ASSERT(s->brace < len && buf[s->brace] == '{');
		FUZZ_ASSERT(i == 0 || s->brace > sites.v[i - 1].brace);
		FUZZ_ASSERT(s->name && (s->kind != SITE_MAIN || s->percentiles));
		FUZZ_ASSERT(s->line >= 1 && s->col >= 1);
	}
	if (sites.n) {
		FUZZ_ASSERT(hpcc_rewrite_plan(buf, len, &sites, o.path, &edits) == 0);
		/* a guard per site, and up to two pragma edits per function */
		FUZZ_ASSERT(edits.n >= sites.n && edits.n <= 3 * sites.n);
		f = open_memstream(&out, &out_len);
		FUZZ_ASSERT(f);
		FUZZ_ASSERT(hpcc_rewrite_apply(buf, len, &edits, "hotpath.h", o.path, f) == 0);
		fclose(f);
		free(out);
		hpcc_edits_free(&edits);
	}
	hpcc_sites_free(&sites);
	free(buf);
	return 0;
}

FUZZ_ENTRY(hpcc_fuzz_finder)
