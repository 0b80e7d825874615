/* fmt.c - see fmt.h.  libc only (snprintf): hpcc compiles this same file
 * for `hpcc --diff`, so the two never disagree on how a figure reads. */
#include "fmt.h"

#include <errno.h>
#include <stdio.h>

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

int hp_fmt_parse_number(const char *text, uint64_t lo, uint64_t hi, uint64_t *out)
{
	const char *p = text;
	uint64_t v = 0;
	int digits = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		uint64_t d = (uint64_t)(*p - '0');

		if (v > (UINT64_MAX - d) / 10 || v * 10 + d > hi) {
			/* past the bound: the rest must still be digits */
			while (*p >= '0' && *p <= '9')
				p++;
			while (*p == ' ' || *p == '\t')
				p++;
			return *p ? EINVAL : ERANGE;
		}
		v = v * 10 + d;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (!digits || *p)
		return EINVAL;
	if (v < lo)
		return ERANGE;
	*out = v;
	return 0;
}

size_t hp_fmt_utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned int lo = 0x80, hi = 0xBF;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	for (i = 1; i < n; i++, lo = 0x80, hi = 0xBF)
		if (s[i] < lo || s[i] > hi)
			return 0;
	return n;
}
