/* fuzz_rewrite.c - the rewriter (rewrite.c) on arbitrary sources and sites.
 *
 * Input: byte 0 = number of sites (mod 9); per site: two bytes of brace
 * offset, a flags byte (kind; 0x80 snaps the offset to the next '{' so
 * that most sites are real), a name length and the name; then a length and
 * the display path; the rest is the source.  The properties checked are the
 * rewriter's promises: edits only right after a '{', taking them out again
 * gives back the plain output, a guard never contains a raw newline, and
 * a split line is resynchronised with a #line naming the brace's line and
 * padded to its column.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rewrite.h"

static size_t take(const uint8_t **p, const uint8_t *end, size_t n)
{
	size_t k = (size_t)(end - *p) < n ? (size_t)(end - *p) : n;

	*p += k;
	return k;
}

static char *apply_to_mem(const char *buf, size_t len, const struct edit_list *e,
			  const char *path, size_t *out_len)
{
	char *out = NULL;
	FILE *f = open_memstream(&out, out_len);
	int rc;

	if (!f)
		return NULL;
	rc = hpcc_rewrite_apply(buf, len, e, "/opt/hp/include/hotpath.h", path, f);
	fclose(f);
	FUZZ_ASSERT(rc == 0);
	return out;
}

int hpcc_fuzz_rewrite(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct site_list sites = { NULL, 0, NULL, 0 };
	struct edit_list edits = { NULL, 0 };
	struct site *sv;
	size_t nsites, i, len, plain_len, out_len, pos, o;
	char path[40], *buf, *plain, *out;
	unsigned char snap[9];
	int no_directives;

	if (size < 1)
		return 0;
	nsites = *p++ % 9;
	sv = calloc(nsites ? nsites : 1, sizeof *sv);
	if (!sv)
		return 0;
	sites.v = sv;
	for (i = 0; i < nsites && p + 4 <= end; i++) {
		size_t nlen = p[3] % 24, got;
		const uint8_t *n0;

		sv[i].brace = (size_t)p[0] | (size_t)p[1] << 8;
		sv[i].kind = (enum site_kind)(p[2] % 3);
		sv[i].line = (unsigned)(p[2] >> 2 & 0x1f) + 1;
		sv[i].col = 1;
		snap[i] = p[2] >> 7;
		p += 4;
		n0 = p;
		got = take(&p, end, nlen);
		sv[i].name = strndup((const char *)n0, got);
		sv[i].percentiles = sv[i].kind == SITE_MAIN ? strdup("50,99.9") : NULL;
		sites.n++;
		FUZZ_ASSERT(sv[i].name && (sv[i].kind != SITE_MAIN || sv[i].percentiles));
	}
	{
		size_t plen = p < end ? *p++ % (sizeof path - 1) : 0;
		const uint8_t *p0 = p;
		size_t got = take(&p, end, plen);

		memcpy(path, p0, got);
		path[got] = '\0';
		if (!path[0])
			strcpy(path, "x.c");
	}
	len = (size_t)(end - p);
	buf = malloc(len ? len : 1);
	if (!buf)
		goto out_sites;
	memcpy(buf, p, len);
	no_directives = !memchr(buf, '#', len);
	for (i = 0; i < sites.n; i++) {
		if (snap[i] && len) {
			size_t k = sv[i].brace % len;
			const char *q = memchr(buf + k, '{', len - k);

			if (q)
				sv[i].brace = (size_t)(q - buf);
		}
	}

	if (hpcc_rewrite_plan(buf, len, &sites, path, &edits) != 0)
		goto out_buf;
	for (i = 0; i < edits.n; i++) {
		const struct edit *e = &edits.v[i];
		const char *t = e->text;
		size_t brace = e->offset - 1, ls;

		FUZZ_ASSERT(e->offset >= 1 && e->offset <= len && buf[brace] == '{');
		FUZZ_ASSERT(e->len == 0);
		FUZZ_ASSERT(i == 0 || e->offset > edits.v[i - 1].offset);
		{ /* the guard (the source's own #line spelling may hold "??") */
			const char *g = t + 1, *ge = strchr(g, '\n');
			size_t gl = ge ? (size_t)(ge - g) : strlen(g);

			FUZZ_ASSERT(!memmem(g, gl, "??", 2));
		}
		if (t[0] == ' ') { /* appended on the brace's line */
			FUZZ_ASSERT(!strchr(t, '\n') && !strchr(t, '\r'));
			continue;
		}
		/* "\n<guard>\n#line N \"file\"\n<padding>" */
		FUZZ_ASSERT(t[0] == '\n');
		t = strchr(t + 1, '\n');
		FUZZ_ASSERT(t && !strncmp(t, "\n#line ", 7));
		for (ls = brace; ls > 0 && buf[ls - 1] != '\n'; ls--)
			;
		if (no_directives) {
			unsigned long line = 1;
			size_t k;

			for (k = 0; k < ls; k++)
				line += buf[k] == '\n';
			FUZZ_ASSERT(strtoul(t + 7, NULL, 10) == line);
		}
		t = strchr(t + 1, '\n');
		FUZZ_ASSERT(t && strlen(t + 1) == brace - ls + 1);
		for (t++; *t; t++)
			FUZZ_ASSERT(*t == ' ' || *t == '\t');
	}
	{
		struct edit_list none = { NULL, 0 };

		plain = apply_to_mem(buf, len, &none, path, &plain_len);
	}
	out = apply_to_mem(buf, len, &edits, path, &out_len);
	FUZZ_ASSERT(plain && out);
	/* take the inserted texts out again: the plain output remains */
	for (i = 0, pos = 0, o = 0; i <= edits.n; i++) {
		size_t stop = i < edits.n ? edits.v[i].offset + (plain_len - len) : plain_len;
		size_t n = stop - pos;

		FUZZ_ASSERT(o + n <= out_len && !memcmp(out + o, plain + pos, n));
		o += n;
		pos = stop;
		if (i < edits.n) {
			size_t tl = strlen(edits.v[i].text);

			FUZZ_ASSERT(o + tl <= out_len && !memcmp(out + o, edits.v[i].text, tl));
			o += tl;
		}
	}
	FUZZ_ASSERT(o == out_len);
	free(plain);
	free(out);
	hpcc_edits_free(&edits);
out_buf:
	free(buf);
out_sites:
	hpcc_sites_free(&sites); /* frees sv */
	return 0;
}

FUZZ_ENTRY(hpcc_fuzz_rewrite)
