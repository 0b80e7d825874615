/* annot.c - the grammar of hotpath annotations (see annot.h).
 *
 * A small recursive-descent parser over bytes.  Comment and attribute
 * spellings share the argument grammar of `main(...)` and
 * `measure_block(...)`.  Errors carry the byte offset of the offending
 * character so the finder can turn it into line:col.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annot.h"

struct cursor {
	const char *s;
	size_t n;   /* end of the parsable text */
	size_t i;
	struct annot *out;
};

static int is_ident(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int fail(struct cursor *c, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct cursor *c, size_t at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->out->detail, sizeof c->out->detail, fmt, ap);
	va_end(ap);
	c->out->error_at = at;
	return ANNOT_MALFORMED;
}

static int peek(const struct cursor *c)
{
	return c->i < c->n ? (unsigned char)c->s[c->i] : -1;
}

/* Spaces, tabs and newlines: annotations may wrap inside their parentheses. */
static void skip_space(struct cursor *c)
{
	while (c->i < c->n && strchr(" \t\r\n\v\f", c->s[c->i]))
		c->i++;
}

static size_t ident_len(const struct cursor *c)
{
	size_t k = c->i;

	while (k < c->n && is_ident((unsigned char)c->s[k]))
		k++;
	return k - c->i;
}

static int word_is(const struct cursor *c, size_t len, const char *w)
{
	return len == strlen(w) && memcmp(c->s + c->i, w, len) == 0;
}

static int unterminated(struct cursor *c, const char *what)
{
	return fail(c, c->i, "unterminated %s", what);
}

/* The runtime reports at most this many percentiles, each a whole number
 * (runtime/src/format.h: HP_MAX_PERCENTILES); what it cannot show is an
 * error here, not a silent fall-back to the default at run time. */
#define MAX_PERCENTILES 16

/* The runtime's bound on HOTPATH_SAMPLE (runtime/src/settings.h:
 * HP_SAMPLE_MAX). */
#define MAX_SAMPLE 1048576ul

/* sample = N: a whole number from 1 to MAX_SAMPLE into *sample; c->i on
 * the number. */
static int parse_sample(struct cursor *c, unsigned long *sample)
{
	size_t start = c->i;
	unsigned long v = 0;

	while (is_digit(peek(c))) {
		v = v * 10 + (unsigned long)(peek(c) - '0');
		if (v > MAX_SAMPLE)
			return fail(c, start, "sample must be a whole number from 1 to %lu",
				    MAX_SAMPLE);
		c->i++;
	}
	if (c->i == start || is_ident(peek(c)) || peek(c) == '.' || v == 0)
		return peek(c) < 0 ? unterminated(c, "main(...)")
				   : fail(c, start, "sample must be a whole number from 1 to %lu",
					  MAX_SAMPLE);
	*sample = v;
	return ANNOT_OK;
}

/* percentiles = [50, 99] -> buf = "50,99" (whole numbers as the runtime
 * parses them: "050" is stored as "50"); sample = N -> *sample.  Strict:
 * the first problem is the result, with c->i anywhere; parse_main_args()
 * recovers from it. */
static int parse_main_options(struct cursor *c, char *buf, size_t bufsize,
			      unsigned long *sample)
{
	size_t used = 0, len;
	int count = 0, seen_percentiles = 0, seen_sample = 0;
	unsigned char seen_value[101];

	buf[0] = '\0';
	c->i++; /* '(' */
	skip_space(c);
	if (peek(c) == ')') {
		c->i++;
		return ANNOT_OK;
	}
	for (;;) {
		size_t key_at;

		skip_space(c);
		if (peek(c) < 0)
			return unterminated(c, "main(...)");
		key_at = c->i;
		len = ident_len(c);
		if (word_is(c, len, "sample")) {
			if (seen_sample)
				return fail(c, key_at, "sample given twice");
			seen_sample = 1;
			c->i += len;
			skip_space(c);
			if (peek(c) != '=')
				return peek(c) < 0 ? unterminated(c, "main(...)")
						   : fail(c, c->i, "expected '=' after sample");
			c->i++;
			skip_space(c);
			if (parse_sample(c, sample) != ANNOT_OK)
				return ANNOT_MALFORMED;
			skip_space(c);
			if (peek(c) == ',') {
				c->i++;
				continue;
			}
			if (peek(c) != ')')
				return peek(c) < 0 ? unterminated(c, "main(...)")
						   : fail(c, c->i, "expected ',' or ')' after sample = N");
			c->i++;
			return ANNOT_OK;
		}
		if (!word_is(c, len, "percentiles"))
			return fail(c, c->i, "unknown option '%.*s' for main (expected percentiles or sample)",
				    (int)(len ? len : 1), c->s + c->i);
		if (seen_percentiles)
			return fail(c, key_at, "percentiles given twice");
		seen_percentiles = 1;
		c->i += len;
		skip_space(c);
		if (peek(c) != '=')
			return peek(c) < 0 ? unterminated(c, "main(...)")
					   : fail(c, c->i, "expected '=' after percentiles");
		c->i++;
		skip_space(c);
		if (peek(c) != '[')
			return peek(c) < 0 ? unterminated(c, "main(...)")
					   : fail(c, c->i, "expected '[' after percentiles =");
		c->i++;
		memset(seen_value, 0, sizeof seen_value);
		for (;;) {
			size_t start;
			double v;
			char num[32];

			skip_space(c);
			if (peek(c) == ']' && used > 0) { /* trailing comma allowed */
				c->i++;
				break;
			}
			if (peek(c) == ']')
				return fail(c, c->i, "empty percentile list");
			if (peek(c) < 0)
				return unterminated(c, "percentile list");
			start = c->i;
			while (is_digit(peek(c)))
				c->i++;
			if (c->i > start && peek(c) == '.') {
				c->i++;
				if (!is_digit(peek(c)))
					return fail(c, c->i, "expected a digit after '.' in percentiles");
				while (is_digit(peek(c)))
					c->i++;
			}
			if (c->i == start || is_ident(peek(c)))
				return fail(c, start, "expected a number from 0 to 100 in percentiles");
			if (c->i - start >= sizeof num)
				return fail(c, start, "percentile %.8s... is too long", c->s + start);
			memcpy(num, c->s + start, c->i - start);
			num[c->i - start] = '\0';
			v = strtod(num, NULL);
			if (v > 100.0)
				return fail(c, start, "percentile %s is outside 0..100", num);
			if (strchr(num, '.'))
				return fail(c, start, "percentile %s is not a whole number "
					    "(percentiles are whole numbers from 0 to 100)", num);
			if (seen_value[(int)v])
				return fail(c, start, "percentile %d is listed twice", (int)v);
			seen_value[(int)v] = 1;
			if (++count > MAX_PERCENTILES || used + 5 > bufsize)
				return fail(c, start, "too many percentiles (at most %d)",
					    MAX_PERCENTILES);
			used += (size_t)snprintf(buf + used, bufsize - used, "%s%d",
						 used ? "," : "", (int)v);
			skip_space(c);
			if (peek(c) == ',') {
				c->i++;
				continue;
			}
			if (peek(c) == ']') {
				c->i++;
				break;
			}
			if (peek(c) < 0)
				return unterminated(c, "percentile list");
			return fail(c, c->i, "expected ',' or ']' in percentiles");
		}
		skip_space(c);
		if (peek(c) == ',') { /* another option follows */
			c->i++;
			continue;
		}
		if (peek(c) != ')')
			return peek(c) < 0 ? unterminated(c, "main(...)")
					   : fail(c, c->i, "expected ')' after the percentile list");
		c->i++;
		return ANNOT_OK;
	}
}

/* The ')' closing main's '(' at `open', minding string literals and not
 * brackets (a bad option may leave a '[' open); c->n if there is none. */
static size_t close_of(const struct cursor *c, size_t open)
{
	size_t k;
	int depth = 0;

	for (k = open; k < c->n; k++) {
		char ch = c->s[k];

		if (ch == '"' || ch == '\'') {
			for (k++; k < c->n && c->s[k] != ch && c->s[k] != '\n'; k++)
				if (c->s[k] == '\\')
					k++;
			if (k >= c->n)
				return c->n;
		} else if (ch == '(') {
			depth++;
		} else if (ch == ')' && --depth == 0) {
			return k + 1;
		}
	}
	return c->n;
}

/* main(...): a bad option is a warning and is ignored, and the annotation
 * stays (issue 12, item 8): dropping main for a typo in its percentiles
 * would lose the whole report.  out->option_ignored says so, detail and
 * error_at say why; main keeps the default percentiles. */
static int parse_main_args(struct cursor *c)
{
	char buf[256];
	size_t open = c->i;
	unsigned long sample = 0;

	if (parse_main_options(c, buf, sizeof buf, &sample) != ANNOT_OK) {
		c->out->option_ignored = 1;
		c->i = close_of(c, open);
		buf[0] = '\0';
		sample = 0;
	}
	c->out->sample = sample;
	free(c->out->percentiles);
	c->out->percentiles = strdup(buf);
	return c->out->percentiles ? ANNOT_OK : fail(c, 0, "out of memory");
}

static int hex_value(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* A C string literal at c->i ('"'); stores the unescaped bytes. */
static int parse_string(struct cursor *c, char **dst)
{
	size_t start = c->i, n = 0;
	char *v = malloc(c->n - c->i + 1);

	if (!v)
		return fail(c, start, "out of memory");
	c->i++;
	for (;;) {
		int ch = peek(c), e;
		size_t at = c->i;

		if (ch < 0 || ch == '\n') {
			free(v);
			return fail(c, start, "unterminated string");
		}
		c->i++;
		if (ch == '"')
			break;
		if (ch != '\\') {
			v[n++] = (char)ch;
			continue;
		}
		e = peek(c);
		if (e < 0) {
			free(v);
			return fail(c, start, "unterminated string");
		}
		c->i++;
		switch (e) {
		case 'n': ch = '\n'; break;
		case 't': ch = '\t'; break;
		case 'r': ch = '\r'; break;
		case 'a': ch = '\a'; break;
		case 'b': ch = '\b'; break;
		case 'f': ch = '\f'; break;
		case 'v': ch = '\v'; break;
		case '\\': case '"': case '\'': case '?': ch = e; break;
		case 'x': {
			int d, any = 0;

			ch = 0;
			while ((d = hex_value(peek(c))) >= 0) {
				ch = (ch * 16 + d) & 0xff;
				c->i++;
				any = 1;
			}
			if (!any) {
				free(v);
				return fail(c, at, "\\x used with no following hex digits");
			}
			break;
		}
		default:
			if (e >= '0' && e <= '7') {
				int k;

				ch = e - '0';
				for (k = 1; k < 3 && peek(c) >= '0' && peek(c) <= '7'; k++)
					ch = ch * 8 + (peek(c) - '0'), c->i++;
				ch &= 0xff;
				break;
			}
			free(v);
			return fail(c, at, "unknown escape sequence '\\%c' in label", e);
		}
		if (ch == 0) {
			free(v);
			return fail(c, at, "label contains a NUL character");
		}
		v[n++] = (char)ch;
	}
	v[n] = '\0';
	*dst = v;
	return ANNOT_OK;
}

static int parse_block_args(struct cursor *c, size_t word_at)
{
	char *label = NULL;
	int rc;

	skip_space(c);
	if (peek(c) != '(')
		return fail(c, word_at, "measure_block needs a label: measure_block(\"label\")");
	c->i++;
	skip_space(c);
	if (peek(c) == ')')
		return fail(c, word_at, "measure_block needs a label: measure_block(\"label\")");
	if (peek(c) < 0)
		return unterminated(c, "measure_block(...)");
	if (peek(c) != '"')
		return fail(c, c->i, "expected a string literal label in measure_block(...)");
	rc = parse_string(c, &label);
	if (rc != ANNOT_OK)
		return rc;
	if (!*label) {
		free(label);
		return fail(c, word_at, "empty label in measure_block(\"\")");
	}
	skip_space(c);
	if (peek(c) != ')') {
		free(label);
		return peek(c) < 0 ? unterminated(c, "measure_block(...)")
				   : fail(c, c->i, "expected ')' after the label");
	}
	c->i++;
	free(c->out->label);
	c->out->label = label;
	return ANNOT_OK;
}

/* The word after `@hotpath` or `hotpath::` and its arguments. */
static int parse_word(struct cursor *c, int attribute)
{
	size_t at = c->i, len = ident_len(c);

	if (word_is(c, len, "measure")) {
		c->i += len;
		c->out->kind = ANNOT_FUNCTION;
		return ANNOT_OK;
	}
	if (word_is(c, len, "main")) {
		c->i += len;
		c->out->kind = ANNOT_MAIN;
		c->out->percentiles = strdup("");
		if (!c->out->percentiles)
			return fail(c, at, "out of memory");
		skip_space(c);
		return peek(c) == '(' ? parse_main_args(c) : ANNOT_OK;
	}
	if (word_is(c, len, "measure_block")) {
		c->i += len;
		c->out->kind = ANNOT_BLOCK;
		return parse_block_args(c, at);
	}
	if (attribute)
		return fail(c, at, "unknown attribute 'hotpath::%.*s' (expected measure, main or measure_block)",
			    (int)len, c->s + at);
	return fail(c, at, "unknown annotation '@hotpath %.*s' (expected main or measure_block)",
		    (int)len, c->s + at);
}

static void reset(struct annot *out)
{
	memset(out, 0, sizeof *out);
}

int hpcc_annot_parse_comment(const char *text, size_t len, struct annot *out)
{
	static const char marker[] = "@hotpath";
	const size_t mlen = sizeof marker - 1;
	struct cursor c = { text, len, 0, out };
	size_t i;
	int rc;

	reset(out);
	if (len >= 4 && text[0] == '/' && text[1] == '*' &&
	    text[len - 2] == '*' && text[len - 1] == '/')
		c.n = len - 2;
	for (i = 0; i + mlen <= c.n; i++) {
		if (memcmp(text + i, marker, mlen) != 0)
			continue;
		if (i > 0 && is_ident((unsigned char)text[i - 1]))
			continue; /* foo@hotpath: not a word */
		if (i + mlen < c.n && is_ident((unsigned char)text[i + mlen]))
			continue; /* @hotpathx */
		break;
	}
	if (i + mlen > c.n)
		return ANNOT_ABSENT;
	out->at = i;
	c.i = i + mlen;
	/* Only blanks to the end of the line (or comment): a function marker;
	 * later lines of the comment are free text. */
	while (c.i < c.n && (text[c.i] == ' ' || text[c.i] == '\t'))
		c.i++;
	if (c.i < c.n && (text[c.i] == '\r' || text[c.i] == '\n')) {
		out->kind = ANNOT_FUNCTION;
		return ANNOT_OK;
	}
	if (c.i == c.n) {
		out->kind = ANNOT_FUNCTION;
		return ANNOT_OK;
	}
	if (!is_ident((unsigned char)text[c.i]))
		return fail(&c, c.i, "unexpected text after @hotpath");
	rc = parse_word(&c, 0);
	if (rc != ANNOT_OK)
		return rc;
	while (c.i < c.n && strchr(" \t*", text[c.i]))
		c.i++;
	if (c.i < c.n && text[c.i] != '\r' && text[c.i] != '\n')
		return fail(&c, c.i, "unexpected text after the annotation");
	return ANNOT_OK;
}

/* Skip a balanced (...) of a foreign attribute, minding string literals. */
static int skip_balanced(struct cursor *c)
{
	int depth = 0;
	size_t open = c->i;

	while (c->i < c->n) {
		char ch = c->s[c->i];

		if (ch == '"' || ch == '\'') {
			c->i++;
			while (c->i < c->n && c->s[c->i] != ch) {
				if (c->s[c->i] == '\\')
					c->i++;
				c->i++;
			}
			if (c->i >= c->n)
				return fail(c, open, "unterminated attribute argument");
			c->i++;
			continue;
		}
		if (ch == '(' || ch == '[' || ch == '{')
			depth++;
		else if (ch == ')' || ch == ']' || ch == '}')
			depth--;
		c->i++;
		if (depth == 0)
			return ANNOT_OK;
	}
	return fail(c, open, "unterminated attribute argument");
}

int hpcc_annot_parse_attribute(const char *text, size_t len, struct annot *out)
{
	struct cursor c = { text, len, 0, out };
	int found = 0, rc;

	reset(out);
	for (;;) {
		size_t at, n1;
		int ours;

		skip_space(&c);
		if (c.i >= c.n)
			break;
		if (text[c.i] == ',') { /* empty items are allowed in C23 */
			c.i++;
			continue;
		}
		at = c.i;
		n1 = ident_len(&c);
		if (n1 == 0)
			return found ? fail(&c, c.i, "unexpected text in attribute list")
				     : ANNOT_ABSENT;
		ours = word_is(&c, n1, "hotpath");
		c.i += n1;
		skip_space(&c);
		if (c.i + 1 < c.n && text[c.i] == ':' && text[c.i + 1] == ':') {
			c.i += 2;
			skip_space(&c);
			if (ours) {
				if (found)
					return fail(&c, at, "more than one hotpath attribute in one list");
				out->at = at;
				found = 1;
				if (!ident_len(&c))
					return fail(&c, c.i, "expected a name after 'hotpath::'");
				rc = parse_word(&c, 1);
				if (rc != ANNOT_OK)
					return rc;
				out->end = c.i;
			} else {
				c.i += ident_len(&c);
			}
		} else if (ours) {
			ours = 0; /* a plain `hotpath` attribute is not ours */
		}
		skip_space(&c);
		if (!ours && c.i < c.n && text[c.i] == '(') {
			rc = skip_balanced(&c);
			if (rc != ANNOT_OK)
				return found ? rc : ANNOT_ABSENT;
			skip_space(&c);
		}
		if (c.i < c.n && text[c.i] != ',')
			return found ? fail(&c, c.i, "unexpected text after the attribute")
				     : ANNOT_ABSENT;
	}
	return found ? ANNOT_OK : ANNOT_ABSENT;
}

static int contains(const char *buf, size_t len, const char *needle)
{
	return memmem(buf, len, needle, strlen(needle)) != NULL;
}

int hpcc_annot_maybe_present(const char *buf, size_t len)
{
	return contains(buf, len, "hotpath");
}

int hpcc_annot_maybe_block(const char *buf, size_t len)
{
	return contains(buf, len, "measure_block");
}

void hpcc_annot_free(struct annot *a)
{
	free(a->label);
	free(a->percentiles);
	a->label = NULL;
	a->percentiles = NULL;
}
