/* format.c - see format.h. */
#include "format.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"

static int reserve(struct hp_str *out, size_t extra)
{
	size_t cap;
	char *s;

	if (out->failed)
		return -1;
	if (out->len + extra + 1 <= out->cap)
		return 0;
	cap = out->cap ? out->cap : 256;
	while (cap < out->len + extra + 1)
		cap *= 2;
	s = hp_realloc(out->s, cap);
	if (!s) {
		out->failed = 1;
		return -1;
	}
	out->s = s;
	out->cap = cap;
	return 0;
}

void hp_str_append(struct hp_str *out, const char *text, size_t n)
{
	if (reserve(out, n))
		return;
	memcpy(out->s + out->len, text, n);
	out->len += n;
	out->s[out->len] = '\0';
}

void hp_str_printf(struct hp_str *out, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (reserve(out, 64))
		return;
	va_start(ap, fmt);
	n = vsnprintf(out->s + out->len, out->cap - out->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= out->cap - out->len) {
		if (reserve(out, (size_t)n))
			return;
		va_start(ap, fmt);
		vsnprintf(out->s + out->len, out->cap - out->len, fmt, ap);
		va_end(ap);
	}
	out->len += (size_t)n;
}

void hp_str_free(struct hp_str *out)
{
	hp_free(out->s);
	memset(out, 0, sizeof *out);
}

char *hp_fmt_duration(char *out, size_t n, double ns)
{
	static const struct {
		double scale;
		const char *unit;
	} units[] = { { 1, "ns" }, { 1e3, "\xc2\xb5s" }, { 1e6, "ms" }, { 1e9, "s" } };
	size_t i;

	if (ns < 0)
		ns = 0;
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		snprintf(out, n, "%.2f%s", ns / units[i].scale, units[i].unit);
		/* Rounding up to "1000.00" means the next unit reads better. */
		if (ns / units[i].scale < 999.995 ||
		    i + 1 == sizeof units / sizeof units[0])
			break;
	}
	return out;
}

char *hp_fmt_bytes(char *out, size_t n, double bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB" };
	double v = bytes < 0 ? 0 : bytes;
	size_t i;

	for (i = 0; i + 1 < sizeof units / sizeof units[0]; i++) {
		if (v < 1023.995) /* "1024.00KiB" reads better as MiB */
			break;
		v /= 1024;
	}
	if (i == 0 && v == (double)(unsigned long long)v)
		snprintf(out, n, "%.0fB", v); /* whole bytes: "0B", never "0.00B" */
	else
		snprintf(out, n, "%.2f%s", v, units[i]);
	return out;
}

char *hp_fmt_count(char *out, size_t n, double count)
{
	if (count < 0)
		count = 0;
	if (count < 1e19 && count == (double)(unsigned long long)count)
		snprintf(out, n, "%llu", (unsigned long long)count);
	else
		snprintf(out, n, "%.2f", count);
	return out;
}

int hp_fmt_parse_percentiles(const char *text, unsigned int *out)
{
	int count = 0;
	const char *p = text;

	if (!text)
		return -1;
	for (;;) {
		unsigned int v = 0;
		int digits = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		while (*p >= '0' && *p <= '9' && digits < 4) {
			v = v * 10 + (unsigned int)(*p++ - '0');
			digits++;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (!digits || v > 100 || count == HP_MAX_PERCENTILES)
			return -1;
		out[count++] = v;
		if (*p == '\0')
			return count;
		if (*p++ != ',')
			return -1;
	}
}

size_t hp_fmt_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void rule(struct hp_str *out, const size_t *width, size_t ncols)
{
	size_t c, i;

	for (c = 0; c < ncols; c++) {
		hp_str_append(out, "+", 1);
		for (i = 0; i < width[c] + 2; i++)
			hp_str_append(out, "-", 1);
	}
	hp_str_append(out, "+\n", 2);
}

void hp_fmt_table(struct hp_str *out, const char *const *cells,
		  size_t nrows, size_t ncols)
{
	size_t width[32], r, c, w;

	if (ncols > sizeof width / sizeof width[0])
		ncols = sizeof width / sizeof width[0];
	for (c = 0; c < ncols; c++) {
		width[c] = 0;
		for (r = 0; r < nrows; r++) {
			w = hp_fmt_width(cells[r * ncols + c]);
			if (w > width[c])
				width[c] = w;
		}
	}
	rule(out, width, ncols);
	for (r = 0; r < nrows; r++) {
		for (c = 0; c < ncols; c++) {
			const char *cell = cells[r * ncols + c];

			hp_str_printf(out, "| %s%*s ", cell,
				      (int)(width[c] - hp_fmt_width(cell)), "");
		}
		hp_str_append(out, "|\n", 2);
		rule(out, width, ncols);
	}
}
