/* depfile.c - dependency files (see depfile.h).
 *
 * DESIGN
 * The compiler wrote the .d file of a rewritten source; it names the temp
 * copy and lists hotpath.h.  The fix is textual: every temp path (escaped
 * as make sees it) becomes the original path, hotpath.h goes as a
 * prerequisite and as a -MP target, and the first rule is wrapped again
 * with the compiler's own line-breaking rule, since the paths changed
 * length.  The result is byte for byte what the plain compile writes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "depfile.h"
#include "readfile.h"

/* What make sees in a .d file for `path`: spaces and '#' escaped with a
 * backslash, '$' doubled (gcc's and clang's spelling). */
static char *make_escape(const char *path)
{
	char *out = malloc(strlen(path) * 2 + 1), *o = out;

	if (!out)
		return NULL;
	for (; *path; path++) {
		if (*path == ' ' || *path == '#')
			*o++ = '\\';
		else if (*path == '$')
			*o++ = '$';
		*o++ = *path;
	}
	*o = '\0';
	return out;
}

char *hpcc_depfile_stem(const char *path, int keep_dir)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	const char *dot = strrchr(base, '.'), *from = keep_dir ? path : base;
	size_t n = dot && dot != base ? (size_t)(dot - from) : strlen(from);
	char *s = malloc(n + 1);

	if (!s)
		return NULL;
	memcpy(s, from, n);
	s[n] = '\0';
	return s;
}

char *hpcc_depfile_path(const struct invocation *inv, const char *src, int clang)
{
	char *s, *d;
	/* gcc 11+ names a link's auxiliary files after a.out: a-x.d */
	int a_dash = !inv->output && inv->links && !clang;

	if (inv->dep_file)
		return strdup(inv->dep_file);
	s = hpcc_depfile_stem(inv->output ? inv->output : src, inv->output != NULL);
	d = s ? malloc(strlen(s) + 5) : NULL;
	if (d)
		sprintf(d, "%s%s.d", a_dash ? "a-" : "", s);
	free(s);
	return d;
}

static int is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\\' || c == ':' || c == '\0';
}

/* Unescaped length of a make word ("\ " "\#" "$$" count as one). */
static size_t raw_len(const char *w)
{
	size_t n = 0;

	for (; *w; w++, n++)
		if ((*w == '\\' && (w[1] == ' ' || w[1] == '#')) || (*w == '$' && w[1] == '$'))
			w++;
	return n;
}

/* Is `w` already a whole word of out[from, end)? */
static int listed(const char *out, const char *end, const char *w)
{
	size_t n = strlen(w);
	const char *p;

	for (p = out; p + n <= end; p++)
		if (!memcmp(p, w, n) && (p == out || p[-1] == ' ' || p[-1] == '\n') &&
		    (p + n == end || is_sep(p[n])))
			return 1;
	return 0;
}

/* Re-emits the first rule of a .d file (up to its first unescaped newline)
 * with the compiler's own line wrapping, so that after replacing paths the
 * file is what the plain compile writes: gcc breaks before a word that
 * would pass column 72 (libcpp mkdeps.cc), clang keeps room for " \" within
 * 75 columns (DependencyFileGenerator). */
char *hpcc_depfile_rewrap(const char *buf, size_t len, int clang, size_t *out_len)
{
	const char *end = buf, *w;
	char *words, *out, *o, *deps = NULL;
	size_t col = 0, rest_len, wl;
	int in_deps = 0, first = 1;

	while (end < buf + len && !(*end == '\n' && (end == buf || end[-1] != '\\')))
		end++;
	words = malloc((size_t)(end - buf) + 1);
	out = malloc(len * 2 + 16);
	if (!words || !out) {
		free(words);
		free(out);
		return NULL;
	}
	o = out;
	for (w = buf; w < end;) {
		char *p = words;

		while (w < end && (*w == ' ' || *w == '\t' || (*w == '\\' && w + 1 < end &&
								 w[1] == '\n') || *w == '\n'))
			w += *w == '\\' ? 2 : 1;
		if (w >= end)
			break;
		while (w < end && *w != ' ' && *w != '\t' && *w != '\n' &&
		       !(*w == '\\' && w + 1 < end && w[1] == '\n')) {
			if (*w == '\\' && w + 1 < end && w[1] == ' ')
				*p++ = *w++;
			*p++ = *w++;
		}
		*p = '\0';
		wl = strlen(words);
		if (!in_deps) {
			int colon = wl > 0 && words[wl - 1] == ':' && !(wl > 1 && words[wl - 2] == '\\');

			if (colon)
				words[--wl] = '\0';
			if (wl) {
				size_t n = clang ? raw_len(words) : wl;

				if (first) {
					col = n;
				} else if (clang ? col + n + 2 > 75 : col + wl > 72) {
					o += sprintf(o, clang ? " \\\n  " : " \\\n ");
					col = clang ? n + 2 : 1 + wl;
				} else {
					*o++ = ' ';
					col += n + 1;
				}
				if (!clang && first)
					col = wl;
				o += sprintf(o, "%s", words);
				first = 0;
			}
			if (colon) {
				*o++ = ':';
				col++;
				in_deps = 1;
				deps = o;
			}
			continue;
		}
		if (clang) {
			size_t n = raw_len(words);

			/* clang lists a file once; two spellings that the
			 * renaming made one are one file */
			if (listed(deps, o, words))
				continue;
			if (col + (n + 1) + 2 > 75) {
				o += sprintf(o, " \\\n ");
				col = 2;
			}
			col += n + 1;
		} else {
			if (col + wl > 72) {
				o += sprintf(o, " \\\n");
				col = 0;
			}
			col += 1 + wl;
		}
		o += sprintf(o, " %s", words);
	}
	rest_len = (size_t)(buf + len - end);
	if (!clang) {
		memcpy(o, end, rest_len);
		o += rest_len;
	} else { /* and its -MP rules once */
		const char *p = end, *rest = o;

		while (p < buf + len) {
			const char *nl = memchr(p, '\n', (size_t)(buf + len - p));
			size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(buf + len - p);
			int dup = 0;

			if (n > 2 && p[n - 1] == '\n' && p[n - 2] == ':') {
				/* (not strndup: the buffer has no NUL, which
				 * strict string checks hold against it) */
				char *t = malloc(n - 1);

				if (t) {
					memcpy(t, p, n - 2);
					t[n - 2] = '\0';
				}

				dup = t && listed(rest, o, t);
				free(t);
			}
			if (dup) {
				if (o - rest >= 2 && o[-1] == '\n' && o[-2] == '\n')
					o--; /* the blank line before it */
			} else {
				memcpy(o, p, n);
				o += n;
			}
			p += n;
		}
	}
	free(words);
	if (!in_deps) { /* not a rule we understand: leave it */
		free(out);
		return NULL;
	}
	*out_len = (size_t)(o - out);
	return out;
}

char *hpcc_depfile_fix(const char *buf, size_t len, const struct dep_rename *r, int nr,
		       const char *header, int clang, size_t *out_len, int *changed)
{
	size_t i, hlen, grow;
	char *hdr = make_escape(header), *out = NULL, *o, **from = NULL, **to = NULL;
	int k;

	*changed = 0;
	from = calloc((size_t)nr + 1, sizeof *from);
	to = calloc((size_t)nr + 1, sizeof *to);
	if (!hdr || !from || !to)
		goto nomem;
	hlen = strlen(hdr);
	/* room for every temporary path to become its (escaped) original */
	for (k = 0, grow = 2; k < nr; k++) {
		size_t g;

		from[k] = make_escape(r[k].from);
		to[k] = make_escape(r[k].to);
		if (!from[k] || !to[k])
			goto nomem;
		if (!*from[k]) {
			errno = EINVAL; /* would match everywhere */
			goto nomem;
		}
		g = strlen(to[k]) / strlen(from[k]) + 2;
		if (g > grow)
			grow = g;
	}
	out = malloc(len * grow + 1);
	if (!out)
		goto nomem;
	o = out;
	for (i = 0; i < len;) {
		int done = 0;

		if (i == 0 || is_sep(buf[i - 1])) {
			/* ` <header>` as a prerequisite, `<header>:` as a -MP target */
			if (!strncmp(buf + i, hdr, hlen) && is_sep(buf[i + hlen])) {
				i += hlen;
				if (buf[i] == ':') {
					while (i < len && buf[i] != '\n')
						i++;
					if (i < len)
						i++;
					/* clang separates -MP rules with a blank line */
					if (o > out + 1 && o[-1] == '\n' && o[-2] == '\n')
						o--;
				} else {
					while (o > out && (o[-1] == ' ' || o[-1] == '\t'))
						o--;
				}
				*changed = done = 1;
			}
			for (k = 0; !done && k < nr; k++) {
				size_t tl = strlen(from[k]);

				/* a folder ("<tmp>/<m>/src/") is replaced as a prefix */
				if (!strncmp(buf + i, from[k], tl) &&
				    (from[k][tl - 1] == '/' || is_sep(buf[i + tl]))) {
					strcpy(o, to[k]);
					o += strlen(to[k]);
					i += tl;
					*changed = done = 1;
				}
			}
		}
		if (!done)
			*o++ = buf[i++];
	}
	*out_len = (size_t)(o - out);
	if (*changed) {
		size_t nl;
		char *wrapped = hpcc_depfile_rewrap(out, *out_len, clang, &nl);

		if (wrapped) {
			free(out);
			out = wrapped;
			*out_len = nl;
		}
	}
	out[*out_len] = '\0';
	goto done;
nomem:
	free(out);
	out = NULL;
done:
	for (k = 0; k < nr && from && to; k++) {
		free(from[k]);
		free(to[k]);
	}
	free(from);
	free(to);
	free(hdr);
	return out;
}

int hpcc_depfile_fix_file(const char *path, const struct dep_rename *r, int nr,
			  const char *header, int clang)
{
	size_t len, n;
	char *buf = hpcc_read_file(path, 0, &len), *out;
	int changed;
	FILE *f;

	if (!buf)
		return 0;
	out = hpcc_depfile_fix(buf, len, r, nr, header, clang, &n, &changed);
	free(buf);
	if (!out) {
		errno = ENOMEM;
		return -1;
	}
	if (changed) {
		f = fopen(path, "wb");
		if (!f || fwrite(out, 1, n, f) != n) {
			int e = errno;

			if (f)
				fclose(f);
			free(out);
			errno = e;
			return -1;
		}
		if (fclose(f) != 0) {
			free(out);
			return -1;
		}
	}
	free(out);
	return changed;
}

/* The words of the first rule of `buf`: targets before the colon, then
 * prerequisites, as written (escapes kept); each word malloc'd. */
struct rule {
	char **w;
	int n, ntargets; /* w[0..ntargets) targets, the rest prerequisites */
};

static void rule_free(struct rule *r)
{
	int i;

	for (i = 0; i < r->n; i++)
		free(r->w[i]);
	free(r->w);
}

static int rule_parse(const char *buf, size_t len, struct rule *r)
{
	const char *p = buf, *end = buf + len;
	int cap = 0;

	r->w = NULL;
	r->n = 0;
	r->ntargets = -1;
	while (p < end) {
		const char *s;
		size_t n;
		char *word, **v;

		while (p < end && (*p == ' ' || *p == '\t' || (*p == '\\' && p + 1 < end &&
								p[1] == '\n')))
			p += *p == '\\' ? 2 : 1;
		if (p >= end || *p == '\n')
			break;
		for (s = p; p < end && *p != ' ' && *p != '\t' && *p != '\n' &&
			    !(*p == '\\' && p + 1 < end && p[1] == '\n'); p++)
			if (*p == '\\' && p + 1 < end && p[1] == ' ')
				p++;
		n = (size_t)(p - s);
		if (r->ntargets < 0 && n > 0 && s[n - 1] == ':' && !(n > 1 && s[n - 2] == '\\')) {
			n--; /* "a.o:" */
			r->ntargets = r->n + (n > 0);
		}
		if (!n)
			continue;
		if (r->n == cap) {
			cap = cap ? cap * 2 : 32;
			v = realloc(r->w, (size_t)cap * sizeof *v);
			if (!v)
				goto nomem;
			r->w = v;
		}
		word = strndup(s, n);
		if (!word)
			goto nomem;
		r->w[r->n++] = word;
	}
	if (r->ntargets < 0) { /* not a rule */
		rule_free(r);
		return -1;
	}
	return 0;
nomem:
	rule_free(r);
	return -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int hpcc_depfile_plain_differs(const char *buf, size_t len, const char *src,
			       const char *dir, const struct invocation *inv)
{
	struct rule r;
	char *esc = make_escape(src), **deps;
	int i, nd, dup = 0, mine;
	struct stat d, st;

	if (!esc || rule_parse(buf, len, &r) != 0) {
		free(esc);
		return 0;
	}
	nd = r.n - r.ntargets;
	deps = r.w + r.ntargets;
	mine = nd > 0 && !strcmp(deps[0], esc);
	free(esc);
	if (!mine) { /* written last by another source (one -MF for all) */
		rule_free(&r);
		return 0;
	}
	qsort(deps, (size_t)nd, sizeof *deps, cmp_str);
	for (i = 1; i < nd && !dup; i++)
		dup = !strcmp(deps[i - 1], deps[i]);
	rule_free(&r);
	if (dup)
		return 1;
	/* the source's folder also in the user's search path */
	if (stat(dir, &d) != 0)
		return 0;
	for (i = 1; i < inv->argc; i++) {
		static const char *const opts[] = { "-I", "-iquote", "-isystem", "-idirafter" };
		const char *a = inv->argv[i], *val = NULL;
		size_t k, n;

		for (k = 0; k < sizeof opts / sizeof opts[0] && !val; k++) {
			n = strlen(opts[k]);
			if (!strncmp(a, opts[k], n))
				val = a[n] ? a + n : i + 1 < inv->argc ? inv->argv[i + 1] : NULL;
		}
		if (val && stat(val, &st) == 0 && st.st_dev == d.st_dev && st.st_ino == d.st_ino)
			return 1;
	}
	return 0;
}

char *hpcc_depfile_target(const char *buf, size_t len)
{
	struct rule r;
	size_t n = 1;
	char *t;
	int i;

	if (rule_parse(buf, len, &r) != 0)
		return NULL;
	for (i = 0; i < r.ntargets; i++)
		n += strlen(r.w[i]) + 1;
	t = r.ntargets ? malloc(n) : NULL;
	if (t) {
		*t = '\0';
		for (i = 0; i < r.ntargets; i++) {
			if (i)
				strcat(t, " ");
			strcat(t, r.w[i]);
		}
	}
	rule_free(&r);
	return t;
}
