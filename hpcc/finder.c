/* finder.c - find annotated functions and blocks with libclang.
 *
 * DESIGN
 * The only file of hpcc that includes clang-c/Index.h.  libclang is loaded
 * with dlopen on first use and the few entry points we call are resolved
 * into a static table, so hpcc neither links against it nor pays ~80 ms of
 * loading for files that contain no "hotpath" text at all.
 *
 * libclang 14 does not expose unknown [[ns::attr]] attributes as cursors
 * and only attaches doc comments to declarations, so markers come from the
 * raw token stream of the main file (clang_tokenize yields comment tokens);
 * the AST only supplies the function definitions and their bodies.  A
 * marker links to the next function definition when nothing but attributes
 * and declaration specifiers separate them: a ';', '{', '}' or a
 * preprocessor directive in between breaks the link.
 *
 * Speed: unless the file has a measure_block annotation, the file is parsed
 * with CXTranslationUnit_SkipFunctionBodies.  Skipped bodies are not in the
 * AST (and such functions do not even count as definitions), so the body's
 * '{' is found in the tokens right after the declarator.  When that is
 * ambiguous (K&R parameter declarations, a '{' hidden in a macro) for a
 * function we need, the file is parsed again with bodies.
 *
 * Messages are collected while analysing and printed at the end, sorted by
 * position, so that a second parse never prints anything twice.
 */
#include <dlfcn.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <clang-c/Index.h>

#include "annot.h"
#include "diag.h"
#include "finder.h"

#ifndef HPCC_LIBCLANG_PATH
#define HPCC_LIBCLANG_PATH ""
#endif

/* ---- libclang, loaded on demand ---------------------------------------- */

#define LIBCLANG_FUNCTIONS(X)                         \
	X(clang_createIndex)                              \
	X(clang_disposeIndex)                             \
	X(clang_parseTranslationUnit2)                    \
	X(clang_disposeTranslationUnit)                   \
	X(clang_getClangVersion)                          \
	X(clang_getCString)                               \
	X(clang_disposeString)                            \
	X(clang_getNumDiagnostics)                        \
	X(clang_getDiagnostic)                            \
	X(clang_disposeDiagnostic)                        \
	X(clang_getDiagnosticSeverity)                    \
	X(clang_getDiagnosticSpelling)                    \
	X(clang_getDiagnosticLocation)                    \
	X(clang_getFile)                                  \
	X(clang_getFileName)                              \
	X(clang_File_isEqual)                             \
	X(clang_getFileContents)                          \
	X(clang_getLocationForOffset)                     \
	X(clang_getRange)                                 \
	X(clang_getRangeStart)                            \
	X(clang_getRangeEnd)                              \
	X(clang_getExpansionLocation)                     \
	X(clang_getFileLocation)                          \
	X(clang_getSpellingLocation)                      \
	X(clang_Location_isInSystemHeader)                \
	X(clang_tokenize)                                 \
	X(clang_disposeTokens)                            \
	X(clang_getTokenKind)                             \
	X(clang_getTokenExtent)                           \
	X(clang_getSkippedRanges)                         \
	X(clang_disposeSourceRangeList)                   \
	X(clang_getInclusions)                            \
	X(clang_getTranslationUnitCursor)                 \
	X(clang_visitChildren)                            \
	X(clang_getCursor)                                \
	X(clang_getCursorKind)                            \
	X(clang_getCursorSpelling)                        \
	X(clang_getCursorLocation)                        \
	X(clang_getCursorExtent)                          \
	X(clang_isCursorDefinition)                       \
	X(clang_Cursor_isFunctionInlined)                 \
	X(clang_Cursor_getStorageClass)

static struct {
#define X(name) __typeof__(name) *name;
	LIBCLANG_FUNCTIONS(X)
#undef X
} cx;

static int cx_state;         /* 0 not tried, 1 loaded, -1 failed */
static char cx_error[512];
static int cx_major;         /* libclang's major version */

static int try_load(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL), *sym;

	if (!h) {
		snprintf(cx_error, sizeof cx_error, "%s", dlerror());
		return -1;
	}
#define X(name)                                                            \
	sym = dlsym(h, #name);                                             \
	memcpy(&cx.name, &sym, sizeof sym);                                \
	if (!sym) {                                                        \
		snprintf(cx_error, sizeof cx_error, "%s: no symbol %s", path, #name); \
		dlclose(h);                                                \
		return -1;                                                 \
	}
	LIBCLANG_FUNCTIONS(X)
#undef X
	return 0;
}

static int load_libclang(void)
{
	static const char *const fallbacks[] = {
		HPCC_LIBCLANG_PATH, "libclang-14.so.1", "libclang.so.1", "libclang.so",
	};
	const char *env = getenv("HPCC_LIBCLANG");
	size_t i;

	if (cx_state)
		return cx_state > 0 ? 0 : -1;
	cx_state = -1;
	if (env && *env) {
		if (try_load(env) != 0)
			return -1;
	} else {
		char first[512] = "";

		for (i = 0; i < sizeof fallbacks / sizeof fallbacks[0]; i++) {
			if (!*fallbacks[i])
				continue;
			if (try_load(fallbacks[i]) == 0)
				break;
			if (!*first)
				snprintf(first, sizeof first, "%s", cx_error);
		}
		if (i == sizeof fallbacks / sizeof fallbacks[0]) {
			snprintf(cx_error, sizeof cx_error, "%s", first);
			return -1;
		}
	}
	{
		CXString v = cx.clang_getClangVersion();
		const char *s = cx.clang_getCString(v), *p = s ? strstr(s, "version ") : NULL;

		cx_major = p ? atoi(p + 8) : 0;
		cx.clang_disposeString(v);
	}
	cx_state = 1;
	return 0;
}

/* ---- messages ------------------------------------------------------------ */

struct msg {
	size_t key;  /* sort key: 0 for other files, else main-file offset + 1 */
	size_t seq;
	char *text;
};

struct ctx {
	const struct finder_opts *o;
	CXIndex index;
	CXTranslationUnit tu;
	CXFile file;
	int skip_bodies;

	struct tok *toks;
	size_t ntoks;
	struct fn *fns;
	size_t nfns, capfns;

	struct msg *msgs;
	size_t nmsgs, capmsgs;
	int problems;   /* annotation problems (errors under --strict) */
	int oom;
};

enum tok_flag { T_DIRECTIVE = 1, T_SKIPPED = 2 };

struct tok {
	CXTokenKind kind;
	size_t off, end;
	unsigned line, col;
	int flags;
};

enum fn_state { FN_UNKNOWN, FN_DECL, FN_DEF, FN_AMBIGUOUS, FN_MACRO_BRACE, FN_MACRO_GEN };

struct fn {
	char *name;
	size_t name_off, ext_start, ext_end;
	unsigned line, col;
	int non_static_inline;
	enum fn_state state;
	size_t brace;
	int linked;            /* a marker names this function */
	size_t marker_off;     /* where that marker is */
	struct annot an;       /* the annotation linked to it */
};

/* A message "<locus>: warning|error: hotpath: <what>" (coloured as
 * diag.h says), printed by flush_msgs(). */
static void add_msg(struct ctx *c, size_t key, const char *locus, const char *what)
{
	char buf[1024], *line;

	snprintf(buf, sizeof buf, "hotpath: %s", what);
	line = hpcc_diag_line(locus, c->o->strict ? "error" : "warning", buf);
	if (!line) {
		c->oom = 1;
		return;
	}
	if (c->nmsgs == c->capmsgs) {
		size_t cap = c->capmsgs ? c->capmsgs * 2 : 8;
		struct msg *m = realloc(c->msgs, cap * sizeof *m);

		if (!m) {
			free(line);
			c->oom = 1;
			return;
		}
		c->msgs = m;
		c->capmsgs = cap;
	}
	c->msgs[c->nmsgs].key = key;
	c->msgs[c->nmsgs].seq = c->nmsgs;
	c->msgs[c->nmsgs].text = line;
	c->nmsgs++;
}

static void line_col(const char *buf, size_t off, unsigned *line, unsigned *col)
{
	size_t i, start = 0;
	unsigned l = 1;

	for (i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			l++;
			start = i + 1;
		}
	}
	*line = l;
	*col = (unsigned)(off - start + 1);
}

/* An annotation problem at byte `off` of the main file. */
static void problem(struct ctx *c, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct ctx *c, size_t off, const char *fmt, ...)
{
	char what[768], locus[512];
	unsigned line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	line_col(c->o->buf, off, &line, &col);
	snprintf(locus, sizeof locus, "%s:%u:%u", c->o->path, line, col);
	add_msg(c, off + 1, locus, what);
	c->problems++;
}

static int cmp_msg(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void flush_msgs(struct ctx *c)
{
	size_t i;

	if (c->nmsgs) /* qsort(NULL, 0) is undefined */
		qsort(c->msgs, c->nmsgs, sizeof *c->msgs, cmp_msg);
	for (i = 0; i < c->nmsgs; i++) {
		fprintf(stderr, "%s\n", c->msgs[i].text);
		free(c->msgs[i].text);
	}
	free(c->msgs);
	c->msgs = NULL;
	c->nmsgs = c->capmsgs = 0;
}

/* ---- tokens -------------------------------------------------------------- */

static int tok_is(const struct ctx *c, size_t i, const char *s)
{
	size_t n = strlen(s);

	return i < c->ntoks && c->toks[i].end - c->toks[i].off == n &&
	       memcmp(c->o->buf + c->toks[i].off, s, n) == 0;
}

/* First token at or after byte `off`. */
static size_t tok_at(const struct ctx *c, size_t off)
{
	size_t lo = 0, hi = c->ntoks;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->toks[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Next token after `i` that is not a comment. */
static size_t next_code(const struct ctx *c, size_t i)
{
	for (i++; i < c->ntoks && c->toks[i].kind == CXToken_Comment; i++)
		;
	return i;
}

static size_t loc_offset(CXSourceLocation loc, CXFile *file, unsigned *line, unsigned *col)
{
	unsigned off = 0;

	cx.clang_getExpansionLocation(loc, file, line, col, &off);
	return off;
}

static int load_tokens(struct ctx *c)
{
	CXSourceRange all = cx.clang_getRange(
		cx.clang_getLocationForOffset(c->tu, c->file, 0),
		cx.clang_getLocationForOffset(c->tu, c->file, (unsigned)c->o->len));
	CXSourceRangeList *skipped;
	CXToken *t = NULL;
	unsigned n = 0, i, last_line = 0;
	const char *buf = c->o->buf;
	size_t s, len = c->o->len, dir_end = 0;

	cx.clang_tokenize(c->tu, all, &t, &n);
	c->toks = calloc(n ? n : 1, sizeof *c->toks);
	if (!c->toks) {
		cx.clang_disposeTokens(c->tu, t, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct tok *k = &c->toks[i];
		CXSourceRange r = cx.clang_getTokenExtent(c->tu, t[i]);
		unsigned off = 0, eoff = 0;

		k->kind = cx.clang_getTokenKind(t[i]);
		cx.clang_getExpansionLocation(cx.clang_getRangeStart(r), NULL, &k->line, &k->col, &off);
		cx.clang_getExpansionLocation(cx.clang_getRangeEnd(r), NULL, NULL, NULL, &eoff);
		k->off = off;
		k->end = eoff;
		/* A '#' first on its line starts a directive, which runs to the end
		 * of its last backslash-continued line. */
		if (k->kind == CXToken_Punctuation && (i == 0 || k->line != last_line) &&
		    k->end == k->off + 1 && buf[k->off] == '#') {
			size_t e = k->off;

			for (;;) {
				while (e < len && buf[e] != '\n')
					e++;
				if (e < len && ((e >= 1 && buf[e - 1] == '\\') ||
						(e >= 2 && buf[e - 1] == '\r' && buf[e - 2] == '\\'))) {
					e++;
					continue;
				}
				break;
			}
			dir_end = e;
		}
		if (k->off < dir_end)
			k->flags |= T_DIRECTIVE;
		last_line = k->line;
	}
	c->ntoks = n;
	cx.clang_disposeTokens(c->tu, t, n);

	/* tokens inside #if 0 and friends are not code */
	skipped = cx.clang_getSkippedRanges(c->tu, c->file);
	for (s = 0; skipped && s < skipped->count; s++) {
		size_t a = loc_offset(cx.clang_getRangeStart(skipped->ranges[s]), NULL, NULL, NULL);
		size_t b = loc_offset(cx.clang_getRangeEnd(skipped->ranges[s]), NULL, NULL, NULL);
		size_t k;

		for (k = tok_at(c, a); k < c->ntoks && c->toks[k].off < b; k++)
			c->toks[k].flags |= T_SKIPPED;
	}
	if (skipped)
		cx.clang_disposeSourceRangeList(skipped);
	return 0;
}

/* ---- functions ----------------------------------------------------------- */

struct body_search {
	size_t off;
	int found;
};

static enum CXChildVisitResult find_body(CXCursor cur, CXCursor parent, CXClientData data)
{
	struct body_search *b = data;

	(void)parent;
	if (cx.clang_getCursorKind(cur) == CXCursor_CompoundStmt) {
		b->off = loc_offset(cx.clang_getRangeStart(cx.clang_getCursorExtent(cur)),
				    NULL, NULL, NULL);
		b->found = 1;
	}
	return CXChildVisit_Continue;
}

static int in_main_file(const struct ctx *c, CXFile f)
{
	return f && cx.clang_File_isEqual(f, c->file);
}

static enum CXChildVisitResult collect_fn(CXCursor cur, CXCursor parent, CXClientData data)
{
	struct ctx *c = data;
	struct fn *f;
	CXFile file = NULL;
	CXString name;
	const char *s;
	size_t nlen;

	(void)parent;
	if (cx.clang_getCursorKind(cur) != CXCursor_FunctionDecl)
		return CXChildVisit_Continue;
	if (c->nfns == c->capfns) {
		size_t cap = c->capfns ? c->capfns * 2 : 64;
		struct fn *v = realloc(c->fns, cap * sizeof *v);

		if (!v) {
			c->oom = 1;
			return CXChildVisit_Break;
		}
		c->fns = v;
		c->capfns = cap;
	}
	f = &c->fns[c->nfns];
	memset(f, 0, sizeof *f);
	f->name_off = loc_offset(cx.clang_getCursorLocation(cur), &file, &f->line, &f->col);
	if (!in_main_file(c, file))
		return CXChildVisit_Continue;
	f->ext_start = loc_offset(cx.clang_getRangeStart(cx.clang_getCursorExtent(cur)),
				  NULL, NULL, NULL);
	f->ext_end = loc_offset(cx.clang_getRangeEnd(cx.clang_getCursorExtent(cur)),
				NULL, NULL, NULL);
	name = cx.clang_getCursorSpelling(cur);
	s = cx.clang_getCString(name);
	f->name = strdup(s ? s : "");
	cx.clang_disposeString(name);
	if (!f->name) {
		c->oom = 1;
		return CXChildVisit_Break;
	}
	f->non_static_inline = cx.clang_Cursor_isFunctionInlined(cur) &&
			       cx.clang_Cursor_getStorageClass(cur) != CX_SC_Static;
	nlen = strlen(f->name);
	if (f->name_off + nlen > c->o->len ||
	    memcmp(c->o->buf + f->name_off, f->name, nlen) != 0) {
		/* the name is not spelled here: a macro made it */
		if (f->ext_start == f->name_off)
			f->state = FN_MACRO_GEN;
	}
	if (f->state == FN_UNKNOWN && !c->skip_bodies) {
		struct body_search b = { 0, 0 };

		if (!cx.clang_isCursorDefinition(cur)) {
			f->state = FN_DECL;
		} else {
			cx.clang_visitChildren(cur, find_body, &b);
			if (b.found && b.off < c->o->len && c->o->buf[b.off] == '{' &&
			    tok_is(c, tok_at(c, b.off), "{") && c->toks[tok_at(c, b.off)].off == b.off) {
				f->state = FN_DEF;
				f->brace = b.off;
			} else {
				f->state = FN_MACRO_BRACE;
			}
		}
	}
	c->nfns++;
	return CXChildVisit_Continue;
}

/* Skip a balanced (...) or [...] group starting at token `i`; returns the
 * index after it. */
static size_t skip_group(const struct ctx *c, size_t i)
{
	int depth = 0;

	for (; i < c->ntoks; i++) {
		if (tok_is(c, i, "(") || tok_is(c, i, "["))
			depth++;
		else if (tok_is(c, i, ")") || tok_is(c, i, "]"))
			depth--;
		if (depth == 0)
			return i + 1;
	}
	return i;
}

/* Without bodies: what follows the declarator decides. */
static void classify_from_tokens(struct ctx *c, struct fn *f)
{
	size_t i = tok_at(c, f->ext_end);

	if (f->state != FN_UNKNOWN)
		return;
	while (i < c->ntoks) {
		const struct tok *k = &c->toks[i];

		if (k->kind == CXToken_Comment) {
			i++;
		} else if (tok_is(c, i, "{")) {
			f->state = FN_DEF;
			f->brace = k->off;
			return;
		} else if (tok_is(c, i, ";") || tok_is(c, i, ",") || tok_is(c, i, "=")) {
			f->state = FN_DECL;
			return;
		} else if (tok_is(c, i, "__attribute__") || tok_is(c, i, "__attribute") ||
			   tok_is(c, i, "__asm__") || tok_is(c, i, "__asm") || tok_is(c, i, "asm")) {
			i = next_code(c, i);
			if (tok_is(c, i, "("))
				i = skip_group(c, i);
		} else if (tok_is(c, i, "[") && tok_is(c, next_code(c, i), "[")) {
			i = skip_group(c, i);
		} else {
			break;
		}
	}
	f->state = FN_AMBIGUOUS;
}

static int cmp_fn(const void *a, const void *b)
{
	const struct fn *x = a, *y = b;

	return x->name_off < y->name_off ? -1 : x->name_off > y->name_off;
}

/* The function whose name follows byte `off` most closely. */
static struct fn *fn_after(struct ctx *c, size_t off)
{
	size_t lo = 0, hi = c->nfns;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->fns[mid].name_off <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->nfns ? &c->fns[lo] : NULL;
}

static struct fn *fn_named_at(struct ctx *c, size_t off)
{
	size_t i;

	for (i = 0; i < c->nfns; i++)
		if (c->fns[i].name_off == off && c->fns[i].state != FN_MACRO_GEN)
			return &c->fns[i];
	return NULL;
}

static struct fn *fn_containing(struct ctx *c, size_t off)
{
	size_t i;

	for (i = 0; i < c->nfns; i++)
		if (c->fns[i].state == FN_DEF && c->fns[i].brace < off && off < c->fns[i].ext_end)
			return &c->fns[i];
	return NULL;
}

/* Does anything that ends a declaration lie in tokens [from, to_off)? */
static int link_broken(const struct ctx *c, size_t from, size_t to_off)
{
	size_t i;

	for (i = from; i < c->ntoks && c->toks[i].off < to_off; i++) {
		if (c->toks[i].kind == CXToken_Comment)
			continue;
		if (c->toks[i].flags & T_DIRECTIVE)
			return 1;
		if (tok_is(c, i, ";") || tok_is(c, i, "{") || tok_is(c, i, "}"))
			return 1;
	}
	return 0;
}

/* ---- markers ------------------------------------------------------------- */

struct site_buf {
	struct site_list *out;
	size_t cap, bcap;
};

static int push_blank(struct site_buf *sb, size_t off, size_t end)
{
	struct site_list *o = sb->out;

	if (o->nblanks == sb->bcap) {
		size_t cap = sb->bcap ? sb->bcap * 2 : 8;
		struct blank *v = realloc(o->blanks, cap * sizeof *v);

		if (!v)
			return -1;
		o->blanks = v;
		sb->bcap = cap;
	}
	o->blanks[o->nblanks].off = off;
	o->blanks[o->nblanks].len = end - off;
	o->nblanks++;
	return 0;
}

static int only_blanks_and_commas(const char *p, const char *end)
{
	for (; p < end; p++)
		if (!strchr(" \t\r\n\v\f,", *p))
			return 0;
	return 1;
}

/* The bytes to blank for our attribute at [at, end) of the list between
 * `[[` (token `open`) and `]]` (token `close` - 2): the whole `[[...]]`
 * when nothing else is in it, else the attribute and one comma next to
 * it, so that the list stays well-formed. */
static int blank_attribute(struct ctx *c, struct site_buf *sb, size_t open, size_t close,
			   size_t at, size_t end)
{
	const char *buf = c->o->buf;
	size_t a = c->toks[open + 1].end, b = c->toks[close - 2].off, k;

	if (only_blanks_and_commas(buf + a, buf + at) && only_blanks_and_commas(buf + end, buf + b))
		return push_blank(sb, c->toks[open].off, c->toks[close - 1].end);
	for (k = at; k > a && strchr(" \t\r\n\v\f", buf[k - 1]); k--)
		;
	if (k > a && buf[k - 1] == ',')
		return push_blank(sb, k - 1, end);
	for (k = end; k < b && strchr(" \t\r\n\v\f", buf[k]); k++)
		;
	return push_blank(sb, at, k < b && buf[k] == ',' ? k + 1 : end);
}

/* Just past the '}' that closes the '{' at byte `brace`, counting the
 * braces among the code tokens (not comments, directives or skipped #if
 * branches); 0 when that is not clear (a brace from a macro, say). */
static size_t close_of(const struct ctx *c, const struct fn *f)
{
	size_t i = tok_at(c, f->brace);
	long depth = 0;

	for (; i < c->ntoks; i++) {
		const struct tok *k = &c->toks[i];

		if (k->kind == CXToken_Comment || (k->flags & (T_DIRECTIVE | T_SKIPPED)))
			continue;
		if (tok_is(c, i, "{")) {
			depth++;
		} else if (tok_is(c, i, "}") && --depth == 0) {
			/* with the bodies parsed, libclang's extent must agree */
			if (!c->skip_bodies && f->ext_end != k->end)
				return 0;
			return k->end;
		}
	}
	return 0;
}

/* The start of the `[[...]]` groups right before byte `off` (only
 * comments between), else `off`.  libclang leaves attributes it does not
 * know (hotpath's own, vendor ones) out of a function's extent, and the
 * diagnostic pragmas must not land between them and the function. */
static size_t attrs_before(const struct ctx *c, size_t off)
{
	size_t k = tok_at(c, off);

	for (;;) {
		size_t j = k, m;
		long depth = 0;

		while (j > 0 && c->toks[j - 1].kind == CXToken_Comment)
			j--;
		if (j < 4 || !tok_is(c, j - 1, "]") || !tok_is(c, j - 2, "]"))
			return k < c->ntoks ? c->toks[k].off : off;
		for (m = j; m-- > 0;) {
			if (c->toks[m].flags & (T_DIRECTIVE | T_SKIPPED))
				return k < c->ntoks ? c->toks[k].off : off;
			if (tok_is(c, m, "]"))
				depth++;
			else if (tok_is(c, m, "[") && --depth == 0)
				break;
			if (m == 0)
				return k < c->ntoks ? c->toks[k].off : off;
		}
		if (!tok_is(c, m + 1, "["))
			return k < c->ntoks ? c->toks[k].off : off;
		k = m;
	}
}

static int push_site(struct ctx *c, struct site_buf *sb, enum site_kind kind,
		     const char *name, unsigned line, unsigned col, size_t brace,
		     const char *pct, const struct fn *f)
{
	struct site *s;

	if (sb->out->n == sb->cap) {
		size_t cap = sb->cap ? sb->cap * 2 : 16;
		struct site *v = realloc(sb->out->v, cap * sizeof *v);

		if (!v)
			return -1;
		sb->out->v = v;
		sb->cap = cap;
	}
	s = &sb->out->v[sb->out->n];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->line = line;
	s->col = col;
	s->brace = brace;
	s->name = strdup(name);
	s->percentiles = kind == SITE_MAIN ? strdup(pct ? pct : "") : NULL;
	if (f && f->state == FN_DEF) {
		s->fn_start = attrs_before(c, f->ext_start);
		s->fn_end = close_of(c, f);
	}
	if (!s->name || (kind == SITE_MAIN && !s->percentiles)) {
		free(s->name);
		free(s->percentiles);
		return -1;
	}
	sb->out->n++;
	return 0;
}

static int is_switch_body(const struct ctx *c, size_t brace_tok)
{
	size_t i = brace_tok;
	int depth = 0;

	/* walk back over comments and [[...]] to a ')' */
	while (i > 0) {
		i--;
		if (c->toks[i].kind == CXToken_Comment)
			continue;
		if (tok_is(c, i, "]")) {
			int d = 0;

			for (;; i--) {
				if (tok_is(c, i, "]"))
					d++;
				else if (tok_is(c, i, "["))
					d--;
				if (d == 0 || i == 0)
					break;
			}
			continue;
		}
		break;
	}
	if (!tok_is(c, i, ")"))
		return 0;
	for (;; i--) {
		if (tok_is(c, i, ")"))
			depth++;
		else if (tok_is(c, i, "("))
			depth--;
		if (depth == 0 || i == 0)
			break;
	}
	while (i > 0 && c->toks[i - 1].kind == CXToken_Comment)
		i--;
	return i > 0 && tok_is(c, i - 1, "switch");
}

/* A measure_block marker whose next code token is token `i`. */
static int link_block(struct ctx *c, struct site_buf *sb, const struct annot *an,
		      size_t marker_off, size_t i)
{
	CXCursor cur;
	struct fn *f;
	size_t off;
	unsigned line, col;

	if (!tok_is(c, i, "{") || (c->toks[i].flags & T_DIRECTIVE)) {
		problem(c, marker_off, "measure_block marker not followed by a block '{ ... }'");
		return 0;
	}
	off = c->toks[i].off;
	cur = cx.clang_getCursor(c->tu, cx.clang_getLocationForOffset(c->tu, c->file, (unsigned)off));
	if (cx.clang_getCursorKind(cur) != CXCursor_CompoundStmt ||
	    loc_offset(cx.clang_getRangeStart(cx.clang_getCursorExtent(cur)), NULL, NULL, NULL) != off ||
	    !(f = fn_containing(c, off))) {
		problem(c, marker_off, "measure_block marker not followed by a block '{ ... }'");
		return 0;
	}
	if (f->non_static_inline) {
		problem(c, marker_off, "block is in '%s', a non-static inline function "
			"(C99 forbids static locals there); not instrumented", f->name);
		return 0;
	}
	if (is_switch_body(c, i)) {
		problem(c, marker_off, "measure_block on a switch body is not supported "
			"(case labels would jump past the guard); not instrumented");
		return 0;
	}
	line = c->toks[i].line;
	col = c->toks[i].col;
	return push_site(c, sb, SITE_BLOCK, an->label, line, col, off, NULL, f);
}

/* A function marker: `f` is the function it precedes (or follows the name
 * of); the tokens from `from_tok` to f's name must not end a declaration. */
static void link_function(struct ctx *c, struct fn *f, struct annot *an, size_t marker_off,
			  size_t from_tok)
{
	if (!f || link_broken(c, from_tok, f->name_off)) {
		problem(c, marker_off, "marker not followed by a function definition");
		return;
	}
	if (f->linked) {
		problem(c, marker_off, "'%s' has more than one hotpath annotation; the first is used",
			f->name);
		return;
	}
	f->linked = 1;
	f->marker_off = marker_off;
	f->an = *an;
	an->label = an->percentiles = NULL; /* moved */
}

/* next_code() with a memory: after next_code(from) == to, every token
 * between them is a comment, so next_code(i) == to for any i in
 * [from, to).  Without it a run of N comments costs N^2/2 steps (issue 13,
 * item 7); with it each token is stepped over once. */
struct next_memo {
	size_t from, to;
};

static size_t next_code_memo(const struct ctx *c, size_t i, struct next_memo *m)
{
	if (i < m->from || i >= m->to) {
		m->from = i;
		m->to = next_code(c, i);
	}
	return m->to;
}

/* Find every marker in the tokens; link them.  Returns -1 on OOM. */
static int scan_markers(struct ctx *c, struct site_buf *sb)
{
	struct next_memo memo = { 0, 0 };
	size_t i;

	for (i = 0; i < c->ntoks; i++) {
		const struct tok *k = &c->toks[i];
		struct annot an;
		size_t marker_off, next, close = 0, a_off = 0;
		int rc, after_name = 0, problems;

		if (k->flags & (T_DIRECTIVE | T_SKIPPED))
			continue;
		if (k->kind == CXToken_Comment) {
			rc = hpcc_annot_parse_comment(c->o->buf + k->off, k->end - k->off, &an);
			marker_off = k->off + an.at;
			next = next_code_memo(c, i, &memo);
		} else if (tok_is(c, i, "[") && tok_is(c, i + 1, "[")) {
			size_t a = c->toks[i + 1].end, b;

			close = skip_group(c, i); /* the index after the outer ']' */
			if (close > c->ntoks || !tok_is(c, close - 1, "]") || !tok_is(c, close - 2, "]"))
				continue;
			b = c->toks[close - 2].off;
			if (!memmem(c->o->buf + a, b - a, "hotpath", 7))
				continue;
			rc = hpcc_annot_parse_attribute(c->o->buf + a, b - a, &an);
			marker_off = a + an.at;
			a_off = a;
			next = close < c->ntoks && c->toks[close].kind == CXToken_Comment
				       ? next_code_memo(c, close, &memo) : close;
			after_name = i > 0 && c->toks[i - 1].kind == CXToken_Identifier;
		} else {
			continue;
		}
		if (rc == ANNOT_ABSENT) {
			hpcc_annot_free(&an);
			continue;
		}
		if (rc == ANNOT_MALFORMED) {
			size_t base = k->kind == CXToken_Comment ? k->off : c->toks[i + 1].end;

			problem(c, base + an.error_at, "%s", an.detail);
			hpcc_annot_free(&an);
			continue;
		}
		if (an.option_ignored) {
			size_t base = k->kind == CXToken_Comment ? k->off : c->toks[i + 1].end;

			problem(c, base + an.error_at, "%s; main keeps the default percentiles",
				an.detail);
		}
		problems = c->problems;
		if (an.kind == ANNOT_BLOCK) {
			if (link_block(c, sb, &an, marker_off, next) != 0) {
				hpcc_annot_free(&an);
				return -1;
			}
		} else if (after_name && fn_named_at(c, c->toks[i - 1].off)) {
			link_function(c, fn_named_at(c, c->toks[i - 1].off), &an, marker_off, i);
		} else {
			link_function(c, fn_after(c, marker_off), &an, marker_off, next);
		}
		hpcc_annot_free(&an);
		/* an attribute in use is blanked; one that links to nothing
		 * may be where the compiler rejects it, and stays */
		if (close && c->o->blank_attributes && c->problems == problems &&
		    blank_attribute(c, sb, i, close, a_off + an.at, a_off + an.end) != 0)
			return -1;
		if (close)
			i = close - 1;
	}
	return 0;
}

/* ---- annotations in headers ---------------------------------------------- */

static int ident_char(char ch)
{
	return ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9');
}

/* Offset of the first "@hotpath" word or "hotpath::" in `text`, or -1. */
static long find_marker_text(const char *text, size_t len)
{
	const char *p;

	for (p = text; (p = memmem(p, len - (size_t)(p - text), "hotpath", 7)) != NULL; p += 7) {
		size_t at = (size_t)(p - text);
		int after_ok = at + 7 >= len || !ident_char(p[7]);

		if (at >= 1 && p[-1] == '@' && (at < 2 || !ident_char(p[-2])) && after_ok)
			return (long)at - 1;
		if ((at == 0 || !ident_char(p[-1])) && at + 9 <= len && p[7] == ':' && p[8] == ':')
			return (long)at;
		if (at + 7 >= len)
			break;
	}
	return -1;
}

/* Annotations in headers are not instrumented (only the main file is
 * rewritten): say so once per header, at its first annotation. */
static void header_visitor(CXFile included, CXSourceLocation *stack, unsigned n, CXClientData data)
{
	struct ctx *c = data;
	CXString name;
	const char *text;
	char locus[512];
	size_t len = 0;
	unsigned line, col;
	long off;

	(void)stack;
	if (n == 0 || in_main_file(c, included))
		return;
	if (cx.clang_Location_isInSystemHeader(cx.clang_getLocationForOffset(c->tu, included, 0)))
		return;
	text = cx.clang_getFileContents(c->tu, included, &len);
	if (!text || (off = find_marker_text(text, len)) < 0)
		return;
	line_col(text, (size_t)off, &line, &col);
	name = cx.clang_getFileName(included);
	snprintf(locus, sizeof locus, "%s:%u:%u", cx.clang_getCString(name), line, col);
	add_msg(c, 0, locus, "annotation in a header is ignored (only the main file is instrumented)");
	cx.clang_disposeString(name);
	c->problems++;
}

/* ---- driver -------------------------------------------------------------- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Is there a "::" outside comments, literals and [[...]]?  In C before
 * C23 that is a syntax error, and libclang 14 given
 * -fdouble-square-bracket-attributes loops forever on some of them
 * (`int a::b;`): such a file is parsed without the flag, so it falls back
 * with a warning and the compiler reports the error. */
static int stray_colons(const char *buf, size_t len)
{
	size_t i;
	int depth = 0; /* '[' nesting inside an attribute list */

	for (i = 0; i + 1 < len; i++) {
		char ch = buf[i], nx = buf[i + 1];

		if (ch == '/' && nx == '/') {
			while (i < len && buf[i] != '\n')
				i++;
		} else if (ch == '/' && nx == '*') {
			for (i += 2; i + 1 < len && !(buf[i] == '*' && buf[i + 1] == '/'); i++)
				;
			i++;
		} else if (ch == '"' || ch == '\'') {
			for (i++; i < len && buf[i] != ch && buf[i] != '\n'; i++)
				if (buf[i] == '\\')
					i++;
		} else if (depth == 0 && ch == '[' && nx == '[') {
			depth = 2;
			i++;
		} else if (depth > 0 && ch == '[') {
			depth++;
		} else if (depth > 0 && ch == ']') {
			depth--;
		} else if (depth > 0 && (ch == ';' || ch == '{' || ch == '}')) {
			depth = 0; /* no attribute list holds these: it was not one */
		} else if (depth == 0 && ch == ':' && nx == ':') {
			return 1;
		}
	}
	return 0;
}

static int parse(struct ctx *c, int with_bracket_flag)
{
	const struct finder_opts *o = c->o;
	struct CXUnsavedFile unsaved;
	const char **argv = calloc((size_t)o->argc + 4, sizeof *argv);
	unsigned flags = CXTranslationUnit_DetailedPreprocessingRecord;
	enum CXErrorCode err;
	int n = 0, i;

	if (!argv)
		return -1;
	for (i = 0; i < o->argc; i++)
		argv[n++] = o->argv[i];
	if (with_bracket_flag)
		argv[n++] = "-fdouble-square-bracket-attributes";
	argv[n++] = "-Wno-unknown-attributes";
	argv[n++] = "-w";
	if (c->skip_bodies)
		flags |= CXTranslationUnit_SkipFunctionBodies;
	unsaved.Filename = o->path;
	unsaved.Contents = o->buf;
	unsaved.Length = (unsigned long)o->len;
	err = cx.clang_parseTranslationUnit2(c->index, o->path, argv, n, &unsaved, 1, flags, &c->tu);
	free(argv);
	if (err != CXError_Success)
		c->tu = NULL;
	return err == CXError_Success ? 0 : -1;
}

/* The first error libclang reports, or NULL. */
static char *first_error(struct ctx *c)
{
	unsigned i, n = cx.clang_getNumDiagnostics(c->tu);
	char *res = NULL;

	for (i = 0; i < n && !res; i++) {
		CXDiagnostic d = cx.clang_getDiagnostic(c->tu, i);

		if (cx.clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
			CXString s = cx.clang_getDiagnosticSpelling(d);
			CXFile f = NULL;
			unsigned line = 0, col = 0;
			char buf[1024];

			cx.clang_getFileLocation(cx.clang_getDiagnosticLocation(d), &f, &line, &col, NULL);
			if (f) {
				CXString fn = cx.clang_getFileName(f);

				snprintf(buf, sizeof buf, "%s:%u:%u: %s",
					 in_main_file(c, f) ? c->o->path : cx.clang_getCString(fn),
					 line, col, cx.clang_getCString(s));
				cx.clang_disposeString(fn);
			} else {
				snprintf(buf, sizeof buf, "%s", cx.clang_getCString(s));
			}
			cx.clang_disposeString(s);
			res = strdup(buf);
			if (!res)
				res = strdup("out of memory");
		}
		cx.clang_disposeDiagnostic(d);
	}
	return res;
}

static void reset_analysis(struct ctx *c, struct site_list *out)
{
	size_t i;

	for (i = 0; i < c->nfns; i++) {
		free(c->fns[i].name);
		hpcc_annot_free(&c->fns[i].an);
	}
	free(c->fns);
	c->fns = NULL;
	c->nfns = c->capfns = 0;
	free(c->toks);
	c->toks = NULL;
	c->ntoks = 0;
	for (i = 0; i < c->nmsgs; i++)
		free(c->msgs[i].text);
	c->nmsgs = 0;
	c->problems = 0;
	hpcc_sites_free(out);
	if (c->tu)
		cx.clang_disposeTranslationUnit(c->tu);
	c->tu = NULL;
}

#define NEED_BODIES 1

/* Is `f` one of the functions this run measures? */
static int wanted(const struct finder_opts *o, const struct fn *f)
{
	int i;

	if (f->linked)
		return 1; /* an annotation beats an exclusion */
	if (!o->instrument_all)
		return 0;
	if (strcmp(f->name, "main") == 0)
		return 1;
	for (i = 0; i < o->nexclude; i++)
		if (o->exclude[i] && fnmatch(o->exclude[i], f->name, 0) == 0)
			return 0;
	return 1;
}

/* One analysis of the parsed file: 0, NEED_BODIES, or -1 (out of memory). */
static int analyse(struct ctx *c, struct site_list *out)
{
	const struct finder_opts *o = c->o;
	struct site_buf sb = { out, 0, 0 };
	size_t i;

	c->file = cx.clang_getFile(c->tu, o->path);
	if (!c->file || load_tokens(c) != 0)
		return -1;
	cx.clang_visitChildren(cx.clang_getTranslationUnitCursor(c->tu), collect_fn, c);
	if (c->oom)
		return -1;
	if (c->nfns)
		qsort(c->fns, c->nfns, sizeof *c->fns, cmp_fn);
	if (scan_markers(c, &sb) != 0)
		return -1;
	for (i = 0; i < c->nfns; i++) {
		struct fn *f = &c->fns[i];

		if (!wanted(o, f))
			continue;
		if (c->skip_bodies)
			classify_from_tokens(c, f);
		if (f->state == FN_AMBIGUOUS)
			return NEED_BODIES;
	}
	for (i = 0; i < c->nfns; i++) {
		struct fn *f = &c->fns[i];
		enum site_kind kind = SITE_FUNCTION;
		const char *pct = NULL;
		size_t where = f->name_off;

		if (!wanted(o, f))
			continue;
		if (f->state == FN_DECL) {
			/* a prototype; in --instrument=all mode, silently */
			if (f->linked)
				problem(c, f->marker_off, "marker not followed by a function definition");
			continue;
		}
		if (f->state == FN_MACRO_GEN || f->state == FN_MACRO_BRACE) {
			if (f->linked)
				problem(c, where, f->state == FN_MACRO_GEN
					? "'%s' is generated by a macro; not instrumented"
					: "the body of '%s' starts with a '{' from a macro expansion; not instrumented",
					f->name);
			continue;
		}
		if (f->non_static_inline) {
			if (f->linked)
				problem(c, where, "'%s' is a non-static inline function (C99 forbids "
					"static locals there); not instrumented", f->name);
			continue;
		}
		{
			size_t k, nk = tok_at(c, f->brace);
			int naked = 0;

			for (k = tok_at(c, f->ext_start); k < nk; k++)
				if (tok_is(c, k, "naked") || tok_is(c, k, "__naked__"))
					naked = 1;
			if (naked) {
				if (f->linked)
					problem(c, where, "'%s' is a naked function "
						"(__attribute__((naked))); not instrumented", f->name);
				continue;
			}
		}
		if (f->linked && f->an.kind == ANNOT_MAIN) {
			kind = SITE_MAIN;
			pct = f->an.percentiles;
		} else if (o->instrument_all && strcmp(f->name, "main") == 0) {
			kind = SITE_MAIN;
			pct = "";
		}
		if (push_site(c, &sb, kind, f->name, f->line, f->col, f->brace, pct, f) != 0)
			return -1;
		if (kind == SITE_MAIN && f->linked && f->an.kind == ANNOT_MAIN)
			sb.out->v[sb.out->n - 1].sample = f->an.sample;
	}
	cx.clang_getInclusions(c->tu, header_visitor, c);
	return c->oom ? -1 : 0;
}

static int cmp_site(const void *a, const void *b)
{
	const struct site *x = a, *y = b;

	return x->brace < y->brace ? -1 : x->brace > y->brace;
}

int hpcc_finder_find(const struct finder_opts *opts, struct site_list *out)
{
	struct ctx c;
	double t0, t1, t2;
	char *err;
	int rc, bracket_flag;

	memset(out, 0, sizeof *out);
	if (!opts->instrument_all && !hpcc_annot_maybe_present(opts->buf, opts->len))
		return FINDER_OK; /* no "hotpath" text: no libclang */
	t0 = now_ms();
	if (load_libclang() != 0) {
		hpcc_diag_warning("cannot load libclang (%s); compiling %s unmodified",
				  cx_error, opts->path);
		return FINDER_FALLBACK;
	}
	t1 = now_ms();
	memset(&c, 0, sizeof c);
	c.o = opts;
	c.index = cx.clang_createIndex(0, 0);
	c.skip_bodies = !hpcc_annot_maybe_block(opts->buf, opts->len);
	bracket_flag = cx_major > 0 && cx_major < 17 &&
		       memmem(opts->buf, opts->len, "[[", 2) &&
		       !stray_colons(opts->buf, opts->len);
again:
	if (parse(&c, bracket_flag) != 0 && (!bracket_flag || (bracket_flag = 0, parse(&c, 0) != 0))) {
		hpcc_diag_source_warning(opts->path, "hotpath: libclang cannot parse this file "
					 "(libclang refused the arguments); compiling it unmodified");
		cx.clang_disposeIndex(c.index);
		return FINDER_FALLBACK;
	}
	t2 = now_ms();
	err = first_error(&c);
	if (err) {
		char what[1200], *line = NULL;

		snprintf(what, sizeof what, "hotpath: libclang cannot parse this file (%s); "
			 "compiling it unmodified", err);
		if (opts->deferred) {
			line = hpcc_diag_line(opts->path, "warning", what);
			if (line && asprintf(opts->deferred, "%s\n", line) < 0)
				*opts->deferred = NULL;
			free(line);
		}
		if (!opts->deferred || !*opts->deferred)
			hpcc_diag_source_warning(opts->path, "%s", what);
		free(err);
		reset_analysis(&c, out);
		free(c.msgs);
		cx.clang_disposeIndex(c.index);
		return FINDER_FALLBACK;
	}
	rc = analyse(&c, out);
	if (rc == NEED_BODIES) {
		reset_analysis(&c, out);
		c.skip_bodies = 0;
		goto again;
	}
	if (rc == 0) {
		if (out->n)
			qsort(out->v, out->n, sizeof *out->v, cmp_site);
		if (opts->verbose) {
			size_t i;

			fprintf(stderr, "hpcc: libclang loaded in %.1f ms; %s parsed in %.1f ms%s\n",
				t1 - t0, opts->path, t2 - t1,
				c.skip_bodies ? " (function bodies skipped)" : "");
			for (i = 0; i < out->n; i++) {
				const struct site *s = &out->v[i];

				fprintf(stderr, "hpcc: %s:%u:%u: %s '%s'%s%s\n", opts->path, s->line, s->col,
					s->kind == SITE_BLOCK ? "block" : s->kind == SITE_MAIN ? "main" : "function",
					s->name, s->percentiles && *s->percentiles ? " percentiles " : "",
					s->percentiles ? s->percentiles : "");
			}
		}
	}
	flush_msgs(&c);
	{
		int problems = c.problems;
		struct site_list keep = *out;

		out->v = NULL;
		out->n = 0;
		out->blanks = NULL;
		out->nblanks = 0;
		reset_analysis(&c, out); /* frees tokens, functions, TU */
		*out = keep;
		cx.clang_disposeIndex(c.index);
		if (rc < 0) {
			hpcc_sites_free(out);
			fprintf(stderr, "hpcc: error: out of memory while reading %s\n", opts->path);
			return FINDER_FALLBACK;
		}
		if (opts->strict && problems) {
			hpcc_sites_free(out);
			return FINDER_ERROR;
		}
	}
	return FINDER_OK;
}
