/* json.c - see json.h. */
#include "json.h"

#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

void hp_json_init(struct hp_json *j, struct hp_str *out, int pretty)
{
	memset(j, 0, sizeof *j);
	j->out = out;
	j->pretty = pretty;
}

static void indent(struct hp_json *j, unsigned int n)
{
	static const char tabs[HP_JSON_MAX_DEPTH + 1] = "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";

	hp_str_append(j->out, tabs, n);
}

const char *hp_json_short_escape(unsigned char c)
{
	switch (c) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\b': return "\\b";
	case '\f': return "\\f";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	default: return NULL;
	}
}

void hp_json_write_string(struct hp_str *out, const char *s)
{
	const char *run;
	char buf[8];

	if (!s)
		s = "";
	hp_str_append(out, "\"", 1);
	for (run = s; *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *esc;
		size_t n;

		if (c >= 0x80 && (n = hp_fmt_utf8_len((const unsigned char *)s)) != 0) {
			s += n - 1; /* a whole character */
			continue;
		}
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\')
			continue;
		hp_str_append(out, run, (size_t)(s - run));
		run = s + 1;
		if (c >= 0x80)
			esc = "\\ufffd"; /* not UTF-8 */
		else if (!(esc = hp_json_short_escape(c))) {
			snprintf(buf, sizeof buf, "\\u%04x", c);
			esc = buf;
		}
		hp_str_append(out, esc, strlen(esc));
	}
	hp_str_append(out, run, (size_t)(s - run));
	hp_str_append(out, "\"", 1);
}

/* What goes before a value: in an object the key has written it, in an
 * array it is the comma after the previous element. */
static void before_value(struct hp_json *j)
{
	unsigned int d = j->depth;

	if (j->is_object[d]) {
		if (!j->after_key)
			j->misused = 1;
		j->after_key = 0;
		return;
	}
	if (j->has_items[d] && d == 0)
		j->misused = 1; /* a second top-level value */
	else if (j->has_items[d])
		hp_str_append(j->out, ", ", j->pretty ? 2 : 1);
	j->has_items[d] = 1;
}

static void begin(struct hp_json *j, int object)
{
	before_value(j);
	if (j->depth == HP_JSON_MAX_DEPTH) {
		j->misused = 1;
		return;
	}
	j->depth++;
	j->is_object[j->depth] = (unsigned char)object;
	j->has_items[j->depth] = 0;
	if (object)
		hp_str_append(j->out, "{\n", j->pretty ? 2 : 1);
	else
		hp_str_append(j->out, "[", 1);
}

static void end(struct hp_json *j, int object)
{
	unsigned int d = j->depth;

	if (d == 0 || j->is_object[d] != object || j->after_key) {
		j->misused = 1;
		return;
	}
	if (object && j->pretty) {
		if (j->has_items[d])
			hp_str_append(j->out, "\n", 1);
		indent(j, d - 1);
	}
	hp_str_append(j->out, object ? "}" : "]", 1);
	j->depth--;
}

void hp_json_begin_object(struct hp_json *j)
{
	begin(j, 1);
}

void hp_json_end_object(struct hp_json *j)
{
	end(j, 1);
}

void hp_json_begin_array(struct hp_json *j)
{
	begin(j, 0);
}

void hp_json_end_array(struct hp_json *j)
{
	end(j, 0);
}

void hp_json_key(struct hp_json *j, const char *key)
{
	unsigned int d = j->depth;

	if (!j->is_object[d] || j->after_key) {
		j->misused = 1;
		return;
	}
	if (j->has_items[d])
		hp_str_append(j->out, ",\n", j->pretty ? 2 : 1);
	if (j->pretty)
		indent(j, d);
	hp_json_write_string(j->out, key);
	hp_str_append(j->out, ":\t", j->pretty ? 2 : 1);
	j->has_items[d] = 1;
	j->after_key = 1;
}

void hp_json_string(struct hp_json *j, const char *s)
{
	before_value(j);
	hp_json_write_string(j->out, s);
}

void hp_json_u64(struct hp_json *j, uint64_t v)
{
	before_value(j);
	hp_str_printf(j->out, "%llu", (unsigned long long)v);
}

void hp_json_int(struct hp_json *j, long long v)
{
	before_value(j);
	hp_str_printf(j->out, "%lld", v);
}

void hp_json_null(struct hp_json *j)
{
	before_value(j);
	hp_str_append(j->out, "null", 4);
}

/* cJSON's round-trip test: equal within DBL_EPSILON of the larger. */
static int close_enough(double a, double b)
{
	double fa = a < 0 ? -a : a, fb = b < 0 ? -b : b;
	double diff = a > b ? a - b : b - a;

	return diff <= (fa > fb ? fa : fb) * DBL_EPSILON;
}

void hp_json_double(struct hp_json *j, double v)
{
	char buf[32], point = localeconv()->decimal_point[0];
	char *p;

	before_value(j);
	if (isnan(v) || isinf(v)) {
		hp_str_append(j->out, "null", 4);
		return;
	}
	snprintf(buf, sizeof buf, "%1.15g", v);
	if (!close_enough(strtod(buf, NULL), v))
		snprintf(buf, sizeof buf, "%1.17g", v);
	for (p = buf; *p; p++)
		if (*p == point) /* "%g" follows LC_NUMERIC; JSON does not */
			*p = '.';
	hp_str_append(j->out, buf, strlen(buf));
}

int hp_json_finish(const struct hp_json *j)
{
	if (j->out->failed)
		return ENOMEM;
	if (j->misused || j->depth || j->after_key || !j->has_items[0])
		return EINVAL;
	return 0;
}
