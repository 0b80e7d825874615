/* rewrite.c - insert guard macros without moving a single line or column.
 *
 * DESIGN
 * Every site gets one edit: an insertion right after its body's '{'.
 * hpcc's own [[hotpath::...]] attributes, once handled, are blanked out
 * (replaced by as many spaces, tabs kept) so the compiler does not warn
 * about an attribute it does not know; nothing moves either.
 *
 *  - If only blanks or a comment follow the brace on its line, the guard is
 *    appended directly after the brace: ` HP_FUNCTION(0, "f", 12);`.  Only
 *    comment text moves right; every token keeps its line and column.
 *  - Otherwise the line is split after the brace:
 *        {
 *        HP_FUNCTION(0, "f", 12);
 *        #line 12 "src/x.c"
 *        <padding>rest of the original line
 *    The padding repeats the original line up to and including the brace
 *    with every byte turned into a space except tabs, which stay tabs, so
 *    byte columns (clang) and tab-expanded display columns (gcc) agree with
 *    the original.  The directive cannot land inside a comment or string:
 *    it follows a '{' token, which is code.
 *
 * The #line directive must name the line the compiler would otherwise have
 * presumed, so `#line` directives of the source itself (generated parsers
 * are full of them) are followed: the resynchronising directive repeats the
 * last one's file name and continues its numbering.
 *
 * The prologue `#include "<header>"` + `#line 1 "<file>"` goes before the
 * first byte of the file, after a UTF-8 byte order mark if there is one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rewrite.h"

struct sbuf {
	char *s;
	size_t n, cap;
	int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *p;

		while (cap < b->n + n + 1)
			cap *= 2;
		p = realloc(b->s, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A C string literal body: quotes, backslashes and control bytes escaped,
 * a '?' after another '?' escaped so trigraphs (-std=c99) cannot form. */
static void sb_cstring(struct sbuf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			sb_add(b, "\\", 1), sb_add(b, s + i, 1);
		else if (c == '?' && i > 0 && s[i - 1] == '?')
			sb_str(b, "\\?");
		else if (c < 0x20 || c == 0x7f)
			sb_printf(b, "\\%03o", c);
		else
			sb_add(b, s + i, 1);
	}
}

/* The presumed position at the start of each physical line, after the
 * source's own #line directives. */
struct presumed {
	const char *file; /* raw bytes of the directive's "..." contents, or NULL */
	size_t file_len;
	long delta;       /* presumed line = physical line + delta */
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

/* If the line at `p` is `# line N "f"` or `# N "f" flags`, update `pr` for
 * the lines that follow; `phys` is this directive's physical line. */
static void scan_line_directive(const char *p, const char *end, unsigned long phys,
				struct presumed *pr)
{
	unsigned long n = 0;
	int digits = 0;

	while (p < end && is_space(*p))
		p++;
	if (p >= end || *p != '#')
		return;
	p++;
	while (p < end && is_space(*p))
		p++;
	if (end - p >= 4 && memcmp(p, "line", 4) == 0 && (end - p == 4 || is_space(p[4])))
		p += 4;
	while (p < end && is_space(*p))
		p++;
	while (p < end && *p >= '0' && *p <= '9') {
		n = n * 10 + (unsigned long)(*p - '0');
		p++;
		if (n > 2147483647)
			return; /* out of range: the compiler rejects it */
		digits++;
	}
	if (!digits || (p < end && !is_space(*p) && *p != '\r'))
		return;
	pr->delta = (long)n - (long)(phys + 1);
	while (p < end && is_space(*p))
		p++;
	if (p < end && *p == '"') {
		const char *q = ++p;

		while (q < end && *q != '"') {
			if (*q == '\\' && q + 1 < end)
				q++;
			q++;
		}
		if (q < end) {
			pr->file = p;
			pr->file_len = (size_t)(q - p);
		}
	}
}

static const char *macro_of(enum site_kind k)
{
	return k == SITE_BLOCK ? "HP_BLOCK" : k == SITE_MAIN ? "HP_MAIN" : "HP_FUNCTION";
}

static void guard_text(struct sbuf *b, const struct site *s, size_t id)
{
	sb_printf(b, "%s(%zu, \"", macro_of(s->kind), id);
	sb_cstring(b, s->name, strlen(s->name));
	sb_printf(b, "\", %u", s->line);
	if (s->kind == SITE_MAIN) {
		const char *p = s->percentiles ? s->percentiles : "";

		sb_str(b, ", \"");
		sb_cstring(b, p, strlen(p));
		sb_str(b, "\"");
	}
	sb_str(b, ");");
}

/* Only blanks, or blanks and a comment that runs to (or closes before) the
 * end of the line, follow position `p`? */
static int rest_is_blank(const char *p, const char *end)
{
	while (p < end && is_space(*p))
		p++;
	if (p >= end || *p == '\n' || *p == '\r')
		return 1;
	if (end - p >= 2 && p[0] == '/' && p[1] == '/')
		return 1;
	if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
		/* a block comment closing on this line, then blanks */
		for (p += 2; p + 1 < end && *p != '\n'; p++) {
			if (p[0] == '*' && p[1] == '/')
				return rest_is_blank(p + 2, end);
		}
		return 1; /* it spans lines: nothing but comment follows */
	}
	return 0;
}

static int cmp_site_ptr(const void *a, const void *b)
{
	const struct site *x = *(const struct site *const *)a;
	const struct site *y = *(const struct site *const *)b;

	return x->brace < y->brace ? -1 : x->brace > y->brace;
}

/* The guard makes a function's frame larger: the warnings about frame
 * sizes the user asked for must not fire on the guard's account (with
 * -Werror they would make hpcc fall back and measure nothing).  gcc
 * reports -Wstack-usage= at the function's name and -Wframe-larger-than=
 * at its closing brace, clang -Wframe-larger-than at the name; clang
 * knows no -Wstack-usage= and would warn about the name. */
static const char pragma_push[] =
	"#pragma GCC diagnostic push\n"
	"#ifdef __clang__\n"
	"#pragma GCC diagnostic ignored \"-Wframe-larger-than\"\n"
	"#else\n"
	"#pragma GCC diagnostic ignored \"-Wstack-usage=\"\n"
	"#pragma GCC diagnostic ignored \"-Wframe-larger-than=\"\n"
	"#endif\n";

/* One place the plan inserts text. */
struct point {
	size_t off;
	enum { P_PUSH, P_GUARD, P_POP } kind;
	const struct site *s;
};

static int cmp_point(const void *a, const void *b)
{
	const struct point *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

/* Where diagnostic pragmas may go before the function that starts at
 * byte `start`: the start of its line, if only blanks and whole block
 * comments come before it there and the line before does not continue
 * into it with a backslash; else (size_t)-1. */
static size_t pragma_line(const char *buf, size_t start)
{
	size_t ls = start, p;

	while (ls > 0 && buf[ls - 1] != '\n')
		ls--;
	for (p = ls; p < start;) {
		if (is_space(buf[p])) {
			p++;
		} else if (p + 1 < start && buf[p] == '/' && buf[p + 1] == '*') {
			for (p += 2; p + 1 < start && !(buf[p] == '*' && buf[p + 1] == '/'); p++)
				if (buf[p] == '\n')
					return (size_t)-1;
			if (p + 1 >= start)
				return (size_t)-1;
			p += 2;
		} else {
			return (size_t)-1;
		}
	}
	if (ls > 0) {
		p = ls - 1; /* the '\n' */
		if (p > 0 && buf[p - 1] == '\r')
			p--;
		if (p > 0 && buf[p - 1] == '\\')
			return (size_t)-1;
	}
	return ls;
}

/* `#line N "file"` for the presumed position `pr` at physical line `phys`. */
static void line_directive(struct sbuf *b, unsigned long phys, const struct presumed *pr,
			   const char *display_path)
{
	size_t k;

	sb_printf(b, "#line %ld \"", (long)phys + pr->delta);
	if (pr->file) {
		/* the source's own spelling, minus NUL bytes (which would end
		 * the edit text; gcc ignores them too) */
		for (k = 0; k < pr->file_len; k++)
			if (pr->file[k])
				sb_add(b, pr->file + k, 1);
	} else {
		sb_cstring(b, display_path, strlen(display_path));
	}
	sb_str(b, "\"\n");
}

/* The points of the plan: a guard after each site's brace, and around
 * each function holding one, the pragmas (where they fit). */
static struct point *plan_points(const char *buf, size_t len, const struct site_list *sites,
				 size_t *np)
{
	const struct site **order = malloc(sites->n * sizeof *order);
	struct point *pt = calloc(3 * sites->n, sizeof *pt);
	size_t i, n = 0, prev_end = 0;

	if (!order || !pt) {
		free(order);
		free(pt);
		return NULL;
	}
	for (i = 0; i < sites->n; i++)
		order[i] = &sites->v[i];
	qsort(order, sites->n, sizeof *order, cmp_site_ptr);
	for (i = 0; i < sites->n; i++) {
		const struct site *s = order[i];

		if (s->brace >= len || buf[s->brace] != '{' ||
		    (i && s->brace == order[i - 1]->brace))
			continue; /* not a brace: the finder's bug; stay correct */
		pt[n].off = s->brace + 1;
		pt[n].kind = P_GUARD;
		pt[n++].s = s;
	}
	/* functions in order of their start: a block's function may come
	 * after its own function site, so sort by fn_start */
	for (i = 0; i < sites->n; i++)
		order[i] = &sites->v[i];
	for (i = 1; i < sites->n; i++) { /* insertion sort: few sites */
		const struct site *t = order[i];
		size_t j = i;

		for (; j > 0 && order[j - 1]->fn_start > t->fn_start; j--)
			order[j] = order[j - 1];
		order[j] = t;
	}
	for (i = 0; i < sites->n; i++) {
		const struct site *s = order[i];
		size_t ls;

		if (!s->fn_end || s->fn_end > len || buf[s->fn_end - 1] != '}' ||
		    s->fn_start >= s->fn_end || s->brace <= s->fn_start || s->brace >= s->fn_end)
			continue;
		if (i && s->fn_start == order[i - 1]->fn_start)
			continue; /* the same function */
		ls = pragma_line(buf, s->fn_start);
		if (ls == (size_t)-1 || ls < prev_end)
			continue;
		pt[n].off = ls;
		pt[n].kind = P_PUSH;
		pt[n++].s = s;
		pt[n].off = s->fn_end;
		pt[n].kind = P_POP;
		pt[n++].s = s;
		prev_end = s->fn_end;
	}
	free(order);
	qsort(pt, n, sizeof *pt, cmp_point);
	*np = n;
	return pt;
}

static int cmp_edit(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->len < y->len ? -1 : x->len > y->len; /* insertion first */
}

/* Does [off, end) hold an insertion point of `ins` strictly inside? */
static int covers_insertion(const struct edit_list *ins, size_t n_ins, size_t off, size_t end)
{
	size_t i;

	for (i = 0; i < n_ins; i++)
		if (ins->v[i].offset > off && ins->v[i].offset < end)
			return 1;
	return 0;
}

/* The sites' blanks as edits, one per line piece (so an edit never holds
 * a newline and the line fixes still pair lines): each byte becomes a
 * space, tabs stay tabs, so columns stay too.  A blank that would cover
 * one of the plan's insertions (which the finder never makes) or that is
 * out of range is skipped. */
static int add_blanks(const char *buf, size_t len, const struct site_list *sites,
		      struct edit_list *out)
{
	size_t i, j, n_ins = out->n, total = 0;
	struct edit *v;

	for (i = 0; i < sites->nblanks; i++)
		total += sites->blanks[i].len; /* pieces <= bytes */
	if (!total)
		return 0;
	v = realloc(out->v, (out->n + total + 1) * sizeof *v);
	if (!v)
		return -1;
	out->v = v;
	for (i = 0; i < sites->nblanks; i++) {
		size_t off = sites->blanks[i].off, end = off + sites->blanks[i].len, k, p, q;

		if (end > len || end <= off || covers_insertion(out, n_ins, off, end))
			continue;
		for (k = off; k < end;) {
			char *t;

			if (buf[k] == '\n' || buf[k] == '\r') {
				k++;
				continue;
			}
			for (p = k; p < end && buf[p] != '\n' && buf[p] != '\r'; p++)
				;
			t = malloc(p - k + 1);
			if (!t)
				return -1;
			for (q = k; q < p; q++)
				t[q - k] = buf[q] == '\t' ? '\t' : ' ';
			t[p - k] = '\0';
			out->v[out->n].offset = k;
			out->v[out->n].len = p - k;
			out->v[out->n].text = t;
			out->n++;
			k = p;
		}
	}
	qsort(out->v, out->n, sizeof *out->v, cmp_edit);
	for (i = j = 0; i < out->n; i++) { /* overlapping blanks: keep the first */
		if (j && out->v[i].offset < out->v[j - 1].offset + out->v[j - 1].len) {
			free(out->v[i].text);
			continue;
		}
		out->v[j++] = out->v[i];
	}
	out->n = j;
	return 0;
}

/* main(sample = N): the program's built-in HOTPATH_SAMPLE is a definition
 * at file scope (hotpath.h: HP_SAMPLE_DEFAULT), which the runtime reads
 * when the session starts, before main runs; it goes after the last
 * line, where it moves no line of the source.  Room for it was made by
 * the caller (the plan's one spare edit). */
static int add_sample_default(size_t len, const struct site_list *sites,
			      struct edit_list *out)
{
	struct sbuf b = { NULL, 0, 0, 0 };
	size_t i;

	for (i = 0; i < sites->n; i++)
		if (sites->v[i].kind == SITE_MAIN && sites->v[i].sample)
			break;
	if (i == sites->n)
		return 0;
	sb_printf(&b, "\nHP_SAMPLE_DEFAULT(%lu);\n", sites->v[i].sample);
	if (b.oom) {
		free(b.s);
		return -1;
	}
	out->v[out->n].offset = len;
	out->v[out->n].len = 0;
	out->v[out->n].text = b.s;
	out->n++;
	return 0;
}

int hpcc_rewrite_plan(const char *buf, size_t len, const struct site_list *sites,
		      const char *display_path, struct edit_list *out)
{
	struct point *pt;
	struct presumed pr = { NULL, 0, 0 };
	size_t i, np = 0, pos = 0, line_start = 0, id = 0;
	unsigned long phys = 1; /* physical line of `line_start` */

	out->v = NULL;
	out->n = 0;
	if (!sites->n)
		return add_blanks(buf, len, sites, out) ? (hpcc_edits_free(out), -1) : 0;
	pt = plan_points(buf, len, sites, &np);
	out->v = calloc(np + 1, sizeof *out->v);
	if (!pt || !out->v) {
		free(pt);
		free(out->v);
		out->v = NULL;
		return -1;
	}
	for (i = 0; i < np; i++) {
		const struct site *s = pt[i].s;
		struct sbuf b = { NULL, 0, 0, 0 };
		size_t at = pt[i].off, k, eol;

		/* advance line bookkeeping to the line of the insertion */
		for (; pos < at; pos++) {
			if (buf[pos] == '\n') {
				scan_line_directive(buf + line_start, buf + pos, phys, &pr);
				line_start = pos + 1;
				phys++;
			}
		}
		for (eol = at; eol < len && buf[eol] != '\n'; eol++)
			;
		if (pt[i].kind == P_PUSH) {
			/* whole lines before the function's first line */
			sb_str(&b, pragma_push);
			line_directive(&b, phys, &pr, display_path);
		} else if (pt[i].kind == P_GUARD && rest_is_blank(buf + at, buf + eol)) {
			sb_str(&b, " ");
			guard_text(&b, s, id++);
		} else {
			/* split the line after the brace */
			sb_str(&b, "\n");
			if (pt[i].kind == P_GUARD)
				guard_text(&b, s, id++);
			else
				sb_str(&b, "#pragma GCC diagnostic pop");
			sb_str(&b, "\n");
			line_directive(&b, phys, &pr, display_path);
			for (k = line_start; k < at; k++)
				sb_add(&b, buf[k] == '\t' ? "\t" : " ", 1);
		}
		if (b.oom) {
			free(b.s);
			free(pt);
			hpcc_edits_free(out);
			return -1;
		}
		out->v[out->n].offset = at;
		out->v[out->n].len = 0;
		out->v[out->n].text = b.s;
		out->n++;
	}
	free(pt);
	if (add_sample_default(len, sites, out) != 0) {
		hpcc_edits_free(out);
		return -1;
	}
	if (add_blanks(buf, len, sites, out) != 0) {
		hpcc_edits_free(out);
		return -1;
	}
	return 0;
}

static int put(FILE *out, const char *s, size_t n)
{
	return n && fwrite(s, 1, n, out) != n ? -1 : 0;
}

int hpcc_rewrite_apply(const char *buf, size_t len, const struct edit_list *edits,
		       const char *header_path, const char *display_path, FILE *out)
{
	struct sbuf pro = { NULL, 0, 0, 0 };
	size_t pos = 0, i;
	int rc = 0;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		pos = 3; /* a BOM is only skipped at the very start */
	/* #include takes no escapes; a '"' in the path needs the <> form. */
	if (strchr(header_path, '"')) {
		if (strchr(header_path, '>')) {
			errno = EINVAL;
			return -1;
		}
		sb_str(&pro, "#include <");
		sb_str(&pro, header_path);
		sb_str(&pro, ">\n#line 1 \"");
	} else {
		sb_str(&pro, "#include \"");
		sb_str(&pro, header_path);
		sb_str(&pro, "\"\n#line 1 \"");
	}
	sb_cstring(&pro, display_path, strlen(display_path));
	sb_str(&pro, "\"\n");
	if (pro.oom) {
		free(pro.s);
		errno = ENOMEM;
		return -1;
	}
	if (put(out, buf, pos) || put(out, pro.s, pro.n))
		rc = -1;
	free(pro.s);
	for (i = 0; i < edits->n && rc == 0; i++) {
		const struct edit *e = &edits->v[i];

		if (e->offset < pos || e->offset + e->len > len) {
			errno = EINVAL;
			return -1;
		}
		if (put(out, buf + pos, e->offset - pos) || put(out, e->text, strlen(e->text)))
			rc = -1;
		pos = e->offset + e->len;
	}
	if (rc == 0 && put(out, buf + pos, len - pos))
		rc = -1;
	if (rc == 0 && ferror(out))
		rc = -1;
	if (rc && !errno)
		errno = EIO;
	return rc;
}

void hpcc_edits_free(struct edit_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		free(list->v[i].text);
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

static int add_fix(struct line_fix_list *out, const char *rw, size_t rw_len,
		   const char *orig, size_t orig_len)
{
	struct line_fix *v = realloc(out->v, (out->n + 1) * sizeof *v);
	char *a, *b;

	if (!v)
		return -1;
	out->v = v;
	a = strndup(rw, rw_len);
	b = strndup(orig, orig_len);
	if (!a || !b) {
		free(a);
		free(b);
		return -1;
	}
	v[out->n].rewritten = a;
	v[out->n].original = b;
	out->n++;
	return 0;
}

int hpcc_rewrite_line_fixes(const char *buf, size_t len, const struct edit_list *edits,
			    struct line_fix_list *out)
{
	size_t i = 0;

	out->v = NULL;
	out->n = 0;
	while (i < edits->n) {
		size_t start = edits->v[i].offset, eol, pos, j;
		struct sbuf r = { NULL, 0, 0, 0 };
		const char *p, *end;
		int after_line = 0;

		/* the original line holding edit i, and the edits on it */
		while (start > 0 && buf[start - 1] != '\n')
			start--;
		for (eol = edits->v[i].offset; eol < len && buf[eol] != '\n'; eol++)
			;
		if (eol > start && buf[eol - 1] == '\r')
			eol--;
		for (pos = start, j = i; j < edits->n && edits->v[j].offset <= eol; j++) {
			sb_add(&r, buf + pos, edits->v[j].offset - pos);
			sb_str(&r, edits->v[j].text);
			pos = edits->v[j].offset + edits->v[j].len;
		}
		if (pos < eol)
			sb_add(&r, buf + pos, eol - pos);
		if (r.oom)
			goto nomem;
		/* every line that follows a #line directive is a split piece */
		for (p = r.s, end = r.s + r.n; p && p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

			if (after_line && add_fix(out, p, n, buf + start, eol - start) != 0)
				goto nomem;
			after_line = n > 6 && memcmp(p, "#line ", 6) == 0;
			p = nl ? nl + 1 : NULL;
		}
		free(r.s);
		i = j;
		continue;
nomem:
		free(r.s);
		hpcc_line_fixes_free(out);
		return -1;
	}
	return 0;
}

void hpcc_line_fixes_free(struct line_fix_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++) {
		free(list->v[i].rewritten);
		free(list->v[i].original);
	}
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

static int is_idchar(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* Is buf[i..] the identifier `id`, not part of a longer one? */
static int word_at(const char *buf, size_t len, size_t i, const char *id)
{
	size_t n = strlen(id);

	if (i + n > len || memcmp(buf + i, id, n) != 0)
		return 0;
	return i + n == len || !is_idchar(buf[i + n]);
}

static size_t skip_blanks(const char *buf, size_t len, size_t i)
{
	while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	return i;
}

/* The quoted name at buf[i] (a '"'): redirected when the source's folder
 * holds it.  Returns 0, or -1 when out of memory. */
static int redirect(const char *buf, size_t len, size_t i, const struct include_scan *sc,
		    struct edit_list *add, struct line_fix_list *fixes, int *n)
{
	const char *q = memchr(buf + i + 1, '"', len - i - 1), *nl;
	size_t ls, le;
	char *name;
	int yes;

	nl = memchr(buf + i + 1, '\n', len - i - 1);
	if (!q || (nl && nl < q) || q == buf + i + 1 || buf[i + 1] == '/')
		return 0; /* not a name, or absolute: no folder searched */
	name = strndup(buf + i + 1, (size_t)(q - buf) - i - 1);
	if (!name)
		return -1;
	yes = sc->in_dir(name, sc->ctx);
	free(name);
	if (!yes)
		return 0;
	{
		struct edit *v = realloc(add->v, (add->n + 1) * sizeof *v);
		struct sbuf r = { NULL, 0, 0, 0 };

		if (!v)
			return -1;
		add->v = v;
		v[add->n].offset = i + 1;
		v[add->n].len = 0;
		v[add->n].text = strdup(sc->prefix);
		if (!v[add->n].text)
			return -1;
		add->n++;
		for (ls = i; ls > 0 && buf[ls - 1] != '\n'; ls--)
			;
		for (le = i; le < len && buf[le] != '\n' && buf[le] != '\r'; le++)
			;
		sb_add(&r, buf + ls, i + 1 - ls);
		sb_str(&r, sc->prefix);
		sb_add(&r, buf + i + 1, le - i - 1);
		if (r.oom || add_fix(fixes, r.s, r.n, buf + ls, le - ls) != 0) {
			free(r.s);
			return -1;
		}
		free(r.s);
	}
	(*n)++;
	return 0;
}

static int by_offset(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

int hpcc_rewrite_includes(const char *buf, size_t len, const struct include_scan *sc,
			  struct edit_list *edits, struct line_fix_list *fixes, int *computed)
{
	struct edit_list add = { NULL, 0 };
	size_t i = 0, k;
	int n = 0, bol = 1; /* only blanks since the line began */

	*computed = 0;
	while (i < len) {
		char c = buf[i];

		if (c == '\n') {
			bol = 1;
			i++;
		} else if (c == '/' && i + 1 < len && buf[i + 1] == '*') {
			const char *e = len - i > 2 ? memmem(buf + i + 2, len - i - 2, "*/", 2) : NULL;

			i = e ? (size_t)(e - buf) + 2 : len;
		} else if (c == '/' && i + 1 < len && buf[i + 1] == '/') {
			while (i < len && buf[i] != '\n')
				i++;
		} else if (c == '"' || c == '\'') {
			for (i++; i < len && buf[i] != c && buf[i] != '\n'; i++)
				if (buf[i] == '\\' && i + 1 < len)
					i++;
			i++;
			bol = 0;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			i++;
		} else if (c == '#' && bol) {
			size_t j = skip_blanks(buf, len, i + 1);

			bol = 0;
			if (word_at(buf, len, j, "include") || word_at(buf, len, j, "include_next") ||
			    word_at(buf, len, j, "import")) {
				while (j < len && is_idchar(buf[j]))
					j++;
				j = skip_blanks(buf, len, j);
				if (j < len && buf[j] == '"') {
					if (redirect(buf, len, j, sc, &add, fixes, &n) != 0)
						goto nomem;
				} else if (j >= len || buf[j] != '<') {
					*computed = 1; /* #include MACRO: cannot tell */
				}
				while (j < len && buf[j] != '\n')
					j++;
				i = j;
			} else {
				i = j;
			}
		} else if (c == '_' && (i == 0 || !is_idchar(buf[i - 1])) &&
			   (word_at(buf, len, i, "__has_include") ||
			    word_at(buf, len, i, "__has_include_next"))) {
			size_t j = i + (word_at(buf, len, i, "__has_include") ? 13 : 18);

			bol = 0;
			j = skip_blanks(buf, len, j);
			if (j < len && buf[j] == '(') {
				j = skip_blanks(buf, len, j + 1);
				if (j < len && buf[j] == '"' &&
				    redirect(buf, len, j, sc, &add, fixes, &n) != 0)
					goto nomem;
			}
			i = j;
		} else {
			bol = 0;
			i++;
		}
	}
	if (add.n) {
		struct edit *v = realloc(edits->v, (edits->n + add.n) * sizeof *v);

		if (!v)
			goto nomem;
		edits->v = v;
		memcpy(v + edits->n, add.v, add.n * sizeof *v);
		edits->n += add.n;
		qsort(edits->v, edits->n, sizeof *v, by_offset);
		free(add.v);
	}
	return n;
nomem:
	for (k = 0; k < add.n; k++)
		free(add.v[k].text);
	free(add.v);
	return -1;
}
