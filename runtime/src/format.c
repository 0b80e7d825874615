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
