/* diagfix.c - the compiler's stderr, replayed as the plain compile says it
 * (see diagfix.h).
 *
 * DESIGN
 * Each fix-up works line by line and touches only what it is about: a
 * line that does not match is copied byte for byte, colour escapes
 * included.  The first two shrink the text, so they work in place; the
 * third swaps lines of any length and writes a new buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "diagfix.h"

size_t hpcc_diagfix_strip_dot_slash(char *buf, size_t len)
{
	static const char *const leads[] = { "In file included from ",
					     "                 from " };
	char *out = buf, *p = buf, *end = buf + len;

	while (p < end) {
		char *eol = memchr(p, '\n', (size_t)(end - p));
		char *q = p;
		size_t k, n;

		eol = eol ? eol + 1 : end;
		for (k = 0; k < 2; k++) {
			n = strlen(leads[k]);
			if ((size_t)(eol - q) > n && !memcmp(q, leads[k], n)) {
				q += n;
				break;
			}
		}
		while (eol - q > 3 && q[0] == '\033' && q[1] == '[') {
			char *m = memchr(q, 'm', (size_t)(eol - q));
			char *kk = memchr(q, 'K', (size_t)(eol - q));
			char *e = m && (!kk || m < kk) ? m : kk;

			if (!e)
				break;
			q = e + 1;
		}
		n = (size_t)(q - p);
		memmove(out, p, n);
		out += n;
		if (eol - q > 2 && q[0] == '.' && q[1] == '/' && q[2] != '/')
			q += 2;
		memmove(out, q, (size_t)(eol - q));
		out += eol - q;
		p = eol;
	}
	return (size_t)(out - buf);
}

size_t hpcc_diagfix_drop_header_line(char *buf, size_t len, const char *header)
{
	size_t hl = strlen(header);
	char *out = buf, *p = buf, *end = buf + len;

	while (p < end) {
		char *eol = memchr(p, '\n', (size_t)(end - p));

		eol = eol ? eol + 1 : end;
		if ((size_t)(eol - p) == hl + 3 && p[0] == '.' && p[1] == ' ' &&
		    !memcmp(p + 2, header, hl) && eol[-1] == '\n') {
			p = eol;
			continue;
		}
		memmove(out, p, (size_t)(eol - p));
		out += eol - p;
		p = eol;
	}
	return (size_t)(out - buf);
}

char *hpcc_diagfix_swap_lines(const char *text, size_t len, const struct line_fix_list *fixes,
			      size_t *out_len)
{
	const char *p = text, *end = text + len;
	size_t cap = len + 1, n = 0;
	char *b = malloc(cap);

	if (!b)
		return NULL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p), k;
		const char *line = p;
		size_t line_len = ll;

		for (k = 0; k < fixes->n; k++)
			if (strlen(fixes->v[k].rewritten) == ll &&
			    memcmp(fixes->v[k].rewritten, p, ll) == 0) {
				line = fixes->v[k].original;
				line_len = strlen(line);
				break;
			}
		if (n + line_len + 2 > cap) {
			char *nb;

			cap = (n + line_len + 2) * 2;
			nb = realloc(b, cap);
			if (!nb) {
				free(b);
				return NULL;
			}
			b = nb;
		}
		memcpy(b + n, line, line_len);
		n += line_len;
		if (nl)
			b[n++] = '\n';
		p = nl ? nl + 1 : end;
	}
	b[n] = '\0';
	*out_len = n;
	return b;
}

char *hpcc_diagfix_rename(const char *text, size_t len, const char *from, const char *to,
			  size_t *out_len)
{
	size_t fl = strlen(from), tl = strlen(to), n = 0, i = 0, cap;
	char *b;

	/* room for every occurrence to grow */
	cap = fl && tl > fl ? len / fl * (tl - fl) + len + 1 : len + 1;
	b = malloc(cap);
	if (!b)
		return NULL;
	while (i < len) {
		if (fl && len - i >= fl && !memcmp(text + i, from, fl)) {
			memcpy(b + n, to, tl);
			n += tl;
			i += fl;
		} else {
			b[n++] = text[i++];
		}
	}
	b[n] = '\0';
	*out_len = n;
	return b;
}

char *hpcc_diagfix_command(char *text, size_t *len, const struct plan_cmd *pc,
			   const struct work *w, const char *header, int clang)
{
	int i;

	if (!*len)
		return text;
	/* the source's folder, as the temp link to it spells it */
	for (i = pc->wfirst; i < pc->wfirst + pc->wcount; i++) {
		size_t n;
		char *fixed;

		if (!w[i].mirror)
			continue;
		fixed = hpcc_diagfix_rename(text, *len, w[i].mirror, w[i].mirror_to, &n);
		free(text);
		if (!fixed)
			return NULL;
		text = fixed;
		*len = n;
	}
	/* only a command that compiles rewritten sources reads hotpath.h */
	if (pc->wcount && header)
		*len = hpcc_diagfix_drop_header_line(text, *len, header);
	if (pc->quote_dir && !strcmp(pc->quote_dir, ".") && !clang)
		*len = hpcc_diagfix_strip_dot_slash(text, *len);
	if (!clang)
		return text;
	for (i = pc->wfirst; i < pc->wfirst + pc->wcount; i++) {
		size_t n;
		char *fixed;

		if (!w[i].fixes.n)
			continue;
		fixed = hpcc_diagfix_swap_lines(text, *len, &w[i].fixes, &n);
		free(text);
		if (!fixed)
			return NULL;
		text = fixed;
		*len = n;
	}
	return text;
}
