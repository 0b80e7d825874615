/* source.c - one C source of a command, made ready to compile instrumented
 * (see source.h).
 */
#include <errno.h>
#include <limits.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compopt.h"
#include "diag.h"
#include "exec.h"
#include "finder.h"
#include "readfile.h"
#include "rewrite.h"
#include "source.h"
#include "tmp.h"
#include "watchdog.h"

#ifndef HPCC_REL_INCLUDEDIR
#define HPCC_REL_INCLUDEDIR "include"
#endif

static int file_exists(const char *path)
{
	struct stat st;

	return path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* "-fdebug-prefix-map=<a><b>" */
static char *prefix_map(const char *a, const char *b)
{
	size_t n = strlen("-fdebug-prefix-map=") + strlen(a) + strlen(b) + 2;
	char *s = malloc(n);

	if (!s)
		hpcc_diag_nomem();
	snprintf(s, n, "-fdebug-prefix-map=%s=%s", a, b);
	return s;
}

/* -I- (gcc): quoted includes do not look in the including file's folder */
static int no_current_dir(const struct invocation *inv)
{
	int i;

	for (i = 1; i < inv->argc; i++)
		if (!strcmp(inv->argv[i], "-I-"))
			return 1;
	return 0;
}

struct folder {
	const char *dir; /* the source's folder as given, or NULL for "" */
};

/* What the compiler's lookup in the including file's folder finds: a
 * file, or anything but a directory (an unreadable file is an error
 * there as it is here). */
static int in_folder(const char *name, void *ctx)
{
	const struct folder *f = ctx;
	size_t n = (f->dir ? strlen(f->dir) + 1 : 0) + strlen(name) + 1;
	char *path = malloc(n);
	struct stat st;
	int r;

	if (!path)
		hpcc_diag_nomem();
	snprintf(path, n, "%s%s%s", f->dir ? f->dir : "", f->dir ? "/" : "", name);
	r = stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
	free(path);
	return r;
}

/* The quoted includes of `src` that its folder satisfies are pointed at
 * <tmp>/<m>/src/, a symlink to that folder, so that only the source
 * itself, not the headers it includes from elsewhere, finds its folder
 * first (-iquote would show it to every file), and -ffile-prefix-map
 * names what is found there as the plain compile does (__FILE__, debug
 * info); hpcc puts the same names back in the diagnostics and the .d
 * file.  When that cannot be done (#include MACRO, a temp path that
 * cannot be spelled in an #include) the copy gets -iquote <folder>.
 * Returns 0, or -1 when the source must compile unmodified. */
static int redirect_includes(const struct invocation *inv, int clang,
			     const struct source *src, const char *buf, size_t len,
			     struct work *w, struct edit_list *edits)
{
	const char *slash = strrchr(src->path, '/');
	char *dir = NULL, *link = NULL, *target = NULL, *to, *prefix = NULL, cwd[PATH_MAX];
	struct folder fo = { NULL };
	struct include_scan sc;
	int computed, n, r = 0;
	size_t k;

	w->no_iquote = 0;
	if (no_current_dir(inv)) {
		w->no_iquote = 1; /* nothing to look up there */
		return 0;
	}
	if (slash) {
		dir = strndup(src->path, slash == src->path ? 1 : (size_t)(slash - src->path));
		to = strndup(src->path, (size_t)(slash - src->path) + 1);
		if (!dir || !to)
			hpcc_diag_nomem();
		fo.dir = dir;
	} else {
		/* what a header beside "x.c" is called: clang says "./h.h" */
		to = strdup(clang ? "./" : "");
		if (!to)
			hpcc_diag_nomem();
	}
	link = hpcc_tmp_file("src");
	if (!link)
		goto out;
	if (src->path[0] == '/' || !getcwd(cwd, sizeof cwd))
		target = strdup(dir ? dir : "/");
	else if (asprintf(&target, "%s%s%s", cwd, dir ? "/" : "", dir ? dir : "") < 0)
		target = NULL;
	if (!target || asprintf(&prefix, "%s/", link) < 0)
		hpcc_diag_nomem();
	for (k = 0; prefix[k]; k++)
		if (prefix[k] == '"' || prefix[k] == '\n')
			goto out; /* cannot be spelled in an #include */
	/* -ffile-prefix-map=OLD=NEW: gcc splits at the last '=', clang at
	 * the first; a map that would split wrong leaves the temp path in
	 * __FILE__ and the debug info, so -iquote it is. */
	if (strchr(clang ? prefix : to, '='))
		goto out;
	sc.in_dir = in_folder;
	sc.ctx = &fo;
	sc.prefix = prefix;
	n = hpcc_rewrite_includes(buf, len, &sc, edits, &w->fixes, &computed);
	if (n < 0)
		hpcc_diag_nomem();
	if (n > 0 && symlink(target, link) != 0) {
		hpcc_diag_warning("cannot create %s: %s; compiling %s unmodified", link,
			strerror(errno), src->path);
		r = -1;
		goto out;
	}
	w->no_iquote = !computed;
	if (n > 0) {
		w->mirror = prefix;
		w->mirror_to = to;
		if (asprintf(&w->mirror_map, "-ffile-prefix-map=%s=%s", prefix, to) < 0)
			hpcc_diag_nomem();
		prefix = to = NULL;
	}
out:
	free(dir);
	free(link);
	free(target);
	free(prefix);
	free(to);
	return r;
}

/* --exclude-file: a glob matches the path as given or its file name. */
static int excluded_file(const struct hpcc_opts *o, const char *path)
{
	const char *base = strrchr(path, '/');
	int i;

	base = base ? base + 1 : path;
	for (i = 0; i < o->nexclude_file; i++)
		if (!fnmatch(o->exclude_file[i], path, 0) || !fnmatch(o->exclude_file[i], base, 0))
			return 1;
	return 0;
}

int hpcc_source_prepare(struct source_ctx *ctx, const struct source *src, struct work *w,
			char **note)
{
	const struct invocation *inv = ctx->inv;
	const struct hpcc_opts *o = ctx->opts;
	struct finder_opts fo;
	struct site_list sites = { 0 };
	struct edit_list edits = { 0 };
	const char *header, *dot, **xargv = NULL;
	size_t len;
	char *buf = hpcc_read_file(src->path, 0, &len);
	const char *slash, *base;
	FILE *f;
	int r;

	if (!buf)
		return 0; /* the compiler will say what is wrong with it */
	if (o->instrument_all && excluded_file(o, src->path)) {
		if (o->verbose)
			fprintf(stderr, "hpcc: %s: excluded by --exclude-file\n", src->path);
		free(buf);
		return 0;
	}
	if (!o->instrument_all && !memmem(buf, len, "hotpath", 7)) {
		free(buf);
		return 0; /* no marker: no libclang */
	}
	if (!ctx->looked_) {
		ctx->looked_ = 1;
		ctx->hdr_path_ = hpcc_exec_beside(HPCC_REL_INCLUDEDIR, "hotpath.h");
		if (file_exists(ctx->hdr_path_))
			ctx->header = ctx->hdr_path_;
		else
			hpcc_exec_no_runtime(ctx->hdr_path_);
	}
	if (!ctx->header) {
		free(buf);
		return 0;
	}
	header = ctx->header;

	memset(&fo, 0, sizeof fo);
	fo.path = src->path;
	fo.buf = buf;
	fo.len = len;
	fo.argv = (const char *const *)inv->parse_argv;
	fo.argc = inv->parse_argc;
	dot = strrchr(src->path, '.');
	if (!dot || strcmp(dot, ".c") != 0) {
		/* a C source by -x c: libclang must be told too */
		xargv = malloc(((size_t)inv->parse_argc + 3) * sizeof *xargv);
		if (!xargv)
			hpcc_diag_nomem();
		memcpy(xargv, inv->parse_argv, (size_t)inv->parse_argc * sizeof *xargv);
		xargv[inv->parse_argc] = "-x";
		xargv[inv->parse_argc + 1] = "c";
		xargv[inv->parse_argc + 2] = NULL;
		fo.argv = xargv;
		fo.argc = inv->parse_argc + 2;
	}
	fo.instrument_all = o->instrument_all;
	fo.exclude = o->exclude;
	fo.nexclude = o->nexclude;
	fo.strict = o->strict;
	fo.blank_attributes = hpcc_compopt_std_attributes(ctx->clang, fo.argv, fo.argc);
	fo.verbose = o->verbose;
	*note = NULL;
	fo.deferred = note;
	hpcc_watchdog_arm(src->path);
	r = hpcc_finder_find(&fo, &sites);
	hpcc_watchdog_disarm();
	free(xargv);
	if (r == FINDER_ERROR) {
		free(buf);
		hpcc_sites_free(&sites);
		return -1;
	}
	if (r != FINDER_OK || sites.n == 0) {
		if (o->verbose && r == FINDER_OK)
			fprintf(stderr, "hpcc: %s: nothing to measure\n", src->path);
		free(buf);
		hpcc_sites_free(&sites);
		return 0;
	}
	if (hpcc_rewrite_plan(buf, len, &sites, src->path, &edits) != 0 ||
	    hpcc_rewrite_line_fixes(buf, len, &edits, &w->fixes) != 0)
		hpcc_diag_nomem();

	if (!hpcc_tmp_dir() && (!ctx->tmp_name || hpcc_tmp_init_named(o->keep, ctx->tmp_name) != 0) &&
	    hpcc_tmp_init(o->keep) != 0) {
		hpcc_diag_warning("cannot create a temporary directory in %s: "
			"%s; compiling %s unmodified",
			getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
			strerror(errno), src->path);
		goto skip;
	}
	slash = strrchr(src->path, '/');
	base = slash ? slash + 1 : src->path;
	w->tmp_path = hpcc_tmp_file(base);
	if (!w->tmp_path) {
		hpcc_diag_warning("cannot create a temporary file in %s: %s; "
			"compiling %s unmodified", hpcc_tmp_dir(), strerror(errno), src->path);
		goto skip;
	}
	if (redirect_includes(inv, ctx->clang, src, buf, len, w, &edits) != 0) {
		free(w->tmp_path);
		w->tmp_path = NULL;
		goto skip;
	}
	f = fopen(w->tmp_path, "wb");
	if (!f || hpcc_rewrite_apply(buf, len, &edits, header, src->path, f) != 0 ||
	    fclose(f) != 0) {
		hpcc_diag_warning("cannot write %s: %s; compiling %s unmodified",
			w->tmp_path, strerror(errno), src->path);
		free(w->tmp_path);
		w->tmp_path = NULL;
		goto skip;
	}
	if (o->verbose)
		fprintf(stderr, "hpcc: %s: %zu site%s, rewritten to %s\n", src->path,
			sites.n, sites.n == 1 ? "" : "s", w->tmp_path);
	if (o->keep)
		fprintf(stderr, "hpcc: %s: rewritten source kept at %s\n", src->path,
			w->tmp_path);

	w->src = src;
	if (slash) {
		w->dir = malloc((size_t)(slash - src->path) + 2);
		if (!w->dir)
			hpcc_diag_nomem();
		if (slash == src->path) /* "/a.c" */
			strcpy(w->dir, "/");
		else {
			memcpy(w->dir, src->path, (size_t)(slash - src->path));
			w->dir[slash - src->path] = '\0';
		}
	} else {
		w->dir = strdup(".");
		if (!w->dir)
			hpcc_diag_nomem();
	}
	{
		size_t tl = strlen(w->tmp_path) - strlen(base);
		char *tdir = malloc(tl + 1);

		if (!tdir)
			hpcc_diag_nomem();
		memcpy(tdir, w->tmp_path, tl); /* keeps the trailing '/' */
		tdir[tl] = '\0';
		/* "a.c" maps to "", "src/a.c" to "src/", "/x/a.c" to "/x/" */
		if (slash) {
			char *d = malloc((size_t)(slash - src->path) + 2);

			if (!d)
				hpcc_diag_nomem();
			memcpy(d, src->path, (size_t)(slash - src->path) + 1);
			d[slash - src->path + 1] = '\0';
			w->prefix_map = prefix_map(tdir, d);
			free(d);
		} else {
			w->prefix_map = prefix_map(tdir, "");
		}
		free(tdir);
	}
	hpcc_edits_free(&edits);
	hpcc_sites_free(&sites);
	free(buf);
	return 1;
skip:
	hpcc_edits_free(&edits);
	hpcc_sites_free(&sites);
	free(buf);
	return 0;
}


void hpcc_source_ctx_free(struct source_ctx *ctx)
{
	free(ctx->hdr_path_);
	ctx->hdr_path_ = NULL;
	ctx->header = NULL;
}
