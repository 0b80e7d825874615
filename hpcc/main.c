/* main.c - hpcc: a compiler wrapper that instruments annotated functions.
 *
 *     hpcc [hpcc options] COMPILER [compiler args...]
 *
 * DESIGN
 * The pipeline is argv -> struct invocation -> (per C source) sites ->
 * edits -> temp file -> compiler argv.  Three rules shape it:
 *
 * 1. Pass-through is cheap.  A command hpcc has nothing to do for (no C
 *    source, -E, --version, a source without the text "hotpath", ...) is
 *    exec'd in place with the original arguments: no fork, no temp dir, no
 *    libclang.
 * 2. Nobody notices the rewrite.  A rewritten source lives in a private
 *    temp dir under its original basename (so a.o, a.d, a.s keep their
 *    names), starts with `#line 1 "<path as given>"` (diagnostics, __FILE__,
 *    line tables), gets `-iquote <its original dir>` in front of the user's
 *    flags (quote includes resolve as before: the including file's own
 *    directory is searched first) and `-fdebug-prefix-map=<tmp>/<n>/=<dir>/`
 *    (the compile unit's DW_AT_name is the original path as given), and
 *    the .d file is edited afterwards to name the original source and to
 *    drop hotpath.h.  When every input the preprocessor reads is a
 *    rewritten source of one directory, the command runs as ONE compiler
 *    run with only their paths replaced, so everything the compiler
 *    derives from the inputs stays the same; otherwise each command of
 *    the plan (plan.h) sees the -iquote of its own sources only.
 * 3. Never break a build.  If the instrumented command fails, the original
 *    command runs; if that succeeds, one warning says so.  The instrumented
 *    run's stderr is collected and shown only when it succeeded.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "compopt.h"
#include "depfile.h"
#include "diag.h"
#include "diff.h"
#include "exec.h"
#include "finder.h"
#include "objscan.h"
#include "plan.h"
#include "readfile.h"
#include "rewrite.h"
#include "tmp.h"
#include "watchdog.h"

#ifndef HPCC_VERSION
#define HPCC_VERSION "unknown"
#endif
#ifndef HPCC_REL_LIBDIR
#define HPCC_REL_LIBDIR "lib"
#endif
#ifndef HPCC_REL_INCLUDEDIR
#define HPCC_REL_INCLUDEDIR "include"
#endif
/* The shared runtime's file names, which are their sonames. */
#define HPCC_RUNTIME_SONAME "libhotpath.so.1"
#define HPCC_ALLOC_SONAME "libhotpath_alloc.so.1"

static const char usage[] =
	"usage: hpcc [hpcc options] COMPILER [compiler args...]\n"
	"\n"
	"Compiles with COMPILER, measuring the functions annotated with\n"
	"/* @hotpath */, // @hotpath or [[hotpath::measure]], and links the\n"
	"hotpath runtime into programs and shared libraries.\n"
	"\n"
	"options (before COMPILER):\n"
	"  --instrument=annotated|all  measure annotated functions (default) or\n"
	"                              every function defined in each source\n"
	"                              (env HPCC_INSTRUMENT)\n"
	"  --exclude=GLOB              with --instrument=all, skip functions whose\n"
	"                              name matches (repeatable; HPCC_EXCLUDE=a,b)\n"
	"  --exclude-file=GLOB         with --instrument=all, skip sources whose\n"
	"                              path or file name matches (repeatable;\n"
	"                              HPCC_EXCLUDE_FILE=a,b)\n"
	"  --strict                    bad annotations are errors (HPCC_STRICT=1)\n"
	"  --keep                      keep the rewritten sources, print where\n"
	"                              (HPCC_KEEP=1)\n"
	"  --alloc                     also count allocations per measured call:\n"
	"                              compiles with -DHOTPATH_ALLOC=1 and links the\n"
	"                              malloc interposer (HPCC_ALLOC=1)\n"
	"  -v, --verbose               say what was found and done (HPCC_DEBUG=1)\n"
	"  --help                      this text\n"
	"  --version                   hpcc's version\n"
	"\n"
	"       hpcc --diff BASE.json HEAD.json [--threshold=PCT] [--format=markdown]\n"
	"       hpcc --diff BASE1.json BASE2.json ... -- HEAD1.json HEAD2.json ... [...]\n"
	"compares JSON reports per call (medians and run-to-run noise of several runs).\n"
	"\n"
	"A compiler launcher may come first: hpcc ccache gcc ..., hpcc distcc gcc\n"
	"... (ccache, distcc, icecc, sccache); it gets the rewritten command.\n"
	"\n"
	"Called through a symlink named like a compiler (gcc -> hpcc), hpcc runs\n"
	"the next compiler of that name in PATH; options then come from the\n"
	"environment.\n";

#ifdef HPCC_SANITIZED
/* The sanitizer tree (-DHPCC_SANITIZE_HPCC): the defaults live in the
 * binary, not in ASAN_OPTIONS, so nothing hpcc runs (compilers, launchers,
 * the programs it builds) needs a sanitizer setting to inherit.  Every
 * report, leaks included, aborts (status 134), which tests that check
 * hpcc's status or stderr cannot miss. */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *__asan_default_options(void)
{
	return "abort_on_error=1:detect_leaks=1:check_initialization_order=1:"
	       "detect_stack_use_after_return=1:strict_string_checks=1";
}

const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:abort_on_error=1:print_stacktrace=1";
}
#endif

struct strvec {
	char **v;
	int n, cap;
	char **owned; /* strings to free */
	int nowned;
};

static void die_nomem(void) __attribute__((noreturn));
static void die_nomem(void)
{
	hpcc_diag_error("out of memory");
	hpcc_tmp_cleanup();
	exit(1);
}

static void sv_push(struct strvec *sv, char *s)
{
	if (sv->n + 2 > sv->cap) {
		int cap = sv->cap ? sv->cap * 2 : 64;
		char **v = realloc(sv->v, (size_t)cap * sizeof *v);

		if (!v)
			die_nomem();
		sv->v = v;
		sv->cap = cap;
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		die_nomem();
	return d;
}

static char *xasprintf(const char *fmt, const char *a, const char *b)
{
	size_t n = strlen(fmt) + strlen(a) + (b ? strlen(b) : 0) + 1;
	char *s = malloc(n);

	if (!s)
		die_nomem();
	snprintf(s, n, fmt, a, b ? b : "");
	return s;
}

/* <exe dir>/../<rel>/<name>, from /proc/self/exe: the same layout in the
 * build tree and after install, wherever the prefix is moved. */
static char *beside_exe(const char *rel, const char *name)
{
	char exe[PATH_MAX], *slash, *out;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	size_t len;

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	len = strlen(exe) + strlen(rel) + strlen(name) + 8;
	out = malloc(len);
	if (!out)
		die_nomem();
	snprintf(out, len, "%s/../%s/%s", exe, rel, name);
	return out;
}

static int file_exists(const char *path)
{
	struct stat st;

	return path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The .d file at `path` names the original sources, not hotpath.h. */
static void fix_deps(const char *path, const struct work *w, int nw, const char *header,
		     int clang, int verbose)
{
	struct dep_rename *r = calloc((size_t)nw + 1, sizeof *r);
	int i, changed;

	if (!r)
		die_nomem();
	for (i = 0; i < nw; i++) {
		r[i].from = w[i].tmp_path;
		r[i].to = w[i].src->path;
	}
	changed = hpcc_depfile_fix_file(path, r, nw, header, clang);
	if (changed < 0)
		hpcc_diag_warning("cannot rewrite %s: %s", path, strerror(errno));
	else if (changed && verbose)
		fprintf(stderr, "hpcc: %s now names the original sources\n", path);
	free(r);
}

/* gcc names a header found through `-iquote .` "./x.h" where, included
 * from a source named without a directory, it would say "x.h" (clang says
 * "./x.h" both ways).  Undo that in the diagnostics we replay: a "./" that
 * starts a location, after optional colour escapes, at the start of a line
 * or after "In file included from " / "from ". */
static size_t strip_dot_slash(char *buf, size_t len)
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

/* `-H` lists every header the compiler opens, hpcc's prologue's too:
 * drop the depth-1 line ". <header>" for hotpath.h. */
static size_t drop_header_line(char *buf, size_t len, const char *header)
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

/* clang quotes the rewritten file under a diagnostic; where the rewriter
 * split a line, quote the user's line instead. */
static char *unsplit_lines(char *err, size_t *err_len, const struct work *w, int nw)
{
	int i;

	for (i = 0; i < nw; i++) {
		size_t n;
		char *fixed;

		if (!w[i].fixes.n)
			continue;
		fixed = hpcc_rewrite_fix_text(err, *err_len, &w[i].fixes, &n);
		if (!fixed)
			die_nomem();
		free(err);
		err = fixed;
		*err_len = n;
	}
	return err;
}

/* The finder's deferred fall-back warnings, once the compile succeeded. */
static void print_notes(const struct strvec *notes)
{
	int i;

	for (i = 0; i < notes->n; i++)
		fputs(notes->v[i], stderr);
}

static int is_clang(const char *compiler)
{
	char real[PATH_MAX];
	const char *base;

	if (!realpath(compiler, real))
		snprintf(real, sizeof real, "%s", compiler);
	base = strrchr(real, '/');
	return strstr(base ? base + 1 : real, "clang") != NULL;
}

/* A compiler launcher in front of the compiler: `hpcc ccache gcc ...`,
 * `hpcc distcc gcc ...`.  The rewrite happens here and the launcher gets
 * the rewritten command, so ccache hashes the instrumented source and
 * distcc ships it.  Only when the next word names a program: `distcc -c
 * a.c` (distcc picking the compiler) is a compiler command of its own. */
static int is_launcher(const char *word, const char *next)
{
	static const char *const names[] = { "ccache", "distcc", "icecc", "sccache" };
	const char *base = strrchr(word, '/');
	char *found;
	size_t k;
	int skipped, ok;
	struct stat st;

	base = base ? base + 1 : word;
	for (k = 0; k < sizeof names / sizeof names[0]; k++)
		if (!strcmp(base, names[k]))
			break;
	if (k == sizeof names / sizeof names[0] || !next || next[0] == '-')
		return 0;
	found = hpcc_exec_find(next, &skipped);
	ok = found && (skipped || (stat(found, &st) == 0 && S_ISREG(st.st_mode) &&
				   access(found, X_OK) == 0));
	free(found);
	return ok;
}

/* ccache and sccache hash the input's path (and the preprocessor's line
 * markers name it), so behind them the rewritten sources need the same
 * paths on every run of the same command: <TMPDIR>/hpcc-<uid>-<hash of the
 * directory and the command>.  Two runs of one command in one directory
 * at once would write the same outputs anyway; the loser of the mkdir
 * falls back to a fresh directory, as does a name left by a killed hpcc. */
static char *cache_tmp_name(const char *launcher, char **argv)
{
	const char *base = strrchr(launcher, '/');
	unsigned long long h = 14695981039346656037ull; /* FNV-1a */
	char cwd[PATH_MAX], *name;
	const char *p;
	int i;

	base = base ? base + 1 : launcher;
	if (strcmp(base, "ccache") != 0 && strcmp(base, "sccache") != 0)
		return NULL;
	if (!getcwd(cwd, sizeof cwd))
		return NULL;
	for (i = -1; i < 0 || argv[i]; i++)
		for (p = i < 0 ? cwd : argv[i];; p++) {
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
			if (!*p)
				break;
		}
	name = malloc(64);
	if (!name)
		die_nomem();
	snprintf(name, 64, "hpcc-%lu-%016llx", (unsigned long)getuid(), h);
	return name;
}

static void run_or_die(const char *compiler, char **argv) __attribute__((noreturn));
static void run_or_die(const char *compiler, char **argv)
{
	int e;

	hpcc_exec_replace(compiler, argv);
	e = errno;
	hpcc_diag_error("cannot run %s: %s", compiler, strerror(e));
	exit(e == ENOENT ? 127 : 126);
}

/* A runtime library beside hpcc (<bindir>/../lib/NAME).  Without it
 * nothing can be instrumented, so the user's command runs as it is. */
static const char *runtime_file(const char *name, const char *exe, char **run_argv)
{
	char *path = beside_exe(HPCC_REL_LIBDIR, name);

	if (file_exists(path))
		return path;
	hpcc_diag_error("runtime not found at %s", path ? path : "(unknown)");
	run_or_die(exe, run_argv);
}

/* Runs a command with stderr passed through and returns its status; a
 * command that cannot be run gives what a shell gives (127 not found, 126
 * otherwise), one killed by a signal takes hpcc down with the same one. */
static int run_to_end(const char *exe, char **argv)
{
	int status, sig;

	status = hpcc_exec_run(exe, argv, NULL, NULL, &sig);
	if (status < 0) {
		int e = errno;

		hpcc_diag_error("cannot run %s: %s", exe, strerror(e));
		return e == ENOENT ? 127 : 126;
	}
	if (sig)
		hpcc_exec_exit(status, sig);
	return status;
}

static void verbose_argv(const char *what, char **argv)
{
	int i;

	fprintf(stderr, "hpcc: %s:", what);
	for (i = 0; argv[i]; i++)
		fprintf(stderr, " %s", argv[i]);
	fputc('\n', stderr);
}

/* gcc's .d file of a rewritten source can differ from the plain one in
 * which headers it lists twice (depfile.h).  Then the plain one is made
 * by preprocessing the original source once more; if that fails, the
 * file stays as it is. */
static void plain_deps(const struct invocation *inv, const struct work *w, int wi,
		       const char *path, const char *compiler, int verbose)
{
	size_t len, n;
	char *buf = hpcc_read_file(path, 0, &len), *target, *out, **argv, *err = NULL;
	int status, sig;
	FILE *f;

	if (!buf || !hpcc_depfile_plain_differs(buf, len, w[wi].src->path, w[wi].dir, inv)) {
		free(buf);
		return;
	}
	target = hpcc_depfile_target(buf, len);
	free(buf);
	out = hpcc_tmp_file("plain.d");
	argv = out ? hpcc_plan_deps_argv(inv, w, wi, out, target) : NULL;
	if (argv) {
		if (verbose)
			verbose_argv("running", argv);
		status = hpcc_exec_run(compiler, argv, &err, &n, &sig);
		buf = status == 0 && !sig ? hpcc_read_file(out, 0, &len) : NULL;
		f = buf ? fopen(path, "wb") : NULL;
		if (f && (fwrite(buf, 1, len, f) != len) + fclose(f) != 0)
			hpcc_diag_warning("cannot rewrite %s: %s", path, strerror(errno));
		free(buf);
	}
	free(err);
	free(argv);
	free(target);
	free(out);
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

/* Decides whether `src` is worth instrumenting; if so rewrites it into
 * the temp dir and fills `w`.  Returns 1 (instrumented), 0 (compile it as
 * is), or -1 (--strict and bad annotations: the command must fail). */
static int prepare(const struct invocation *inv, const struct hpcc_opts *o, int clang,
		   const struct source *src, char **hdr_path, const char **headerp,
		   const char *tmp_name, struct work *w, struct strvec *notes)
{
	char *note = NULL;
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
	if (!*hdr_path) {
		*hdr_path = beside_exe(HPCC_REL_INCLUDEDIR, "hotpath.h");
		if (file_exists(*hdr_path))
			*headerp = *hdr_path;
		else
			hpcc_diag_error("runtime not found at %s",
				*hdr_path ? *hdr_path : "(unknown)");
	}
	if (!*headerp) {
		free(buf);
		return 0;
	}
	header = *headerp;

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
			die_nomem();
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
	fo.blank_attributes = hpcc_compopt_std_attributes(clang, fo.argv, fo.argc);
	fo.verbose = o->verbose;
	fo.deferred = &note;
	hpcc_watchdog_arm(src->path);
	r = hpcc_finder_find(&fo, &sites);
	hpcc_watchdog_disarm();
	if (note)
		sv_push(notes, note);
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
		die_nomem();

	if (!hpcc_tmp_dir() && (!tmp_name || hpcc_tmp_init_named(o->keep, tmp_name) != 0) &&
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
			die_nomem();
		if (slash == src->path) /* "/a.c" */
			strcpy(w->dir, "/");
		else {
			memcpy(w->dir, src->path, (size_t)(slash - src->path));
			w->dir[slash - src->path] = '\0';
		}
	} else {
		w->dir = xstrdup(".");
	}
	{
		size_t tl = strlen(w->tmp_path) - strlen(base);
		char *tdir = malloc(tl + 1);

		if (!tdir)
			die_nomem();
		memcpy(tdir, w->tmp_path, tl); /* keeps the trailing '/' */
		tdir[tl] = '\0';
		/* "a.c" maps to "", "src/a.c" to "src/", "/x/a.c" to "/x/" */
		if (slash) {
			char *d = malloc((size_t)(slash - src->path) + 2);

			if (!d)
				die_nomem();
			memcpy(d, src->path, (size_t)(slash - src->path) + 1);
			d[slash - src->path + 1] = '\0';
			w->prefix_map = xasprintf("-fdebug-prefix-map=%s=%s", tdir, d);
			free(d);
		} else {
			w->prefix_map = xasprintf("-fdebug-prefix-map=%s=%s", tdir, NULL);
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

/* How a link gets the runtime.  One runtime per process: every module
 * (the program, its shared libraries, plugins) that holds instrumented
 * code needs the one shared runtime, libhotpath.so.1 (DT_NEEDED, found
 * through a RUNPATH to hpcc's libdir), so the dynamic loader loads a
 * single copy however many modules ask for it.  With --alloc the
 * interposer, libhotpath_alloc.so.1, comes first: from the program's
 * DT_NEEDED list its malloc interposes libc's, as jemalloc's does.
 * -static and -static-pie links take the archives instead (the allocator
 * whole: nothing would pull malloc out of an archive); -r (a relocatable
 * object, not a program) takes nothing. */
struct runtime_link {
	const char *lib;       /* libhotpath.so.1 or libhotpath.a; NULL: none */
	const char *alloc_lib; /* the interposer, or NULL */
	char *libdir;          /* the RUNPATH (shared runtime only) */
	int is_static;
	int x_none;            /* the command has -x: end its scope first */
};

/* The runtime goes last, after the user's objects and libraries.
 * `used`: something in the link is instrumented.  If not, the shared
 * runtime is only offered --as-needed, without RUNPATH, so that a link of
 * plain objects gives the same bytes as without hpcc (the caller checks
 * afterwards that the linker did not keep it). */
static void append_runtime(struct strvec *sv, const struct runtime_link *rt, int used)
{
	if (rt->x_none) { /* else: libhotpath.* read as `-x c` input */
		sv_push(sv, "-x");
		sv_push(sv, "none");
	}
	if (rt->is_static) {
		if (rt->alloc_lib) {
			sv_push(sv, "-Wl,--whole-archive");
			sv_push(sv, (char *)rt->alloc_lib);
			sv_push(sv, "-Wl,--no-whole-archive");
		}
		sv_push(sv, (char *)rt->lib);
		sv_push(sv, "-pthread");
		return;
	}
	sv_push(sv, used ? "-Wl,--push-state,--no-as-needed" : "-Wl,--push-state,--as-needed");
	sv_push(sv, (char *)rt->lib);
	sv_push(sv, "-Wl,--pop-state");
	if (used) {
		/* -Xlinker: a comma in the path must not split it (-Wl, would) */
		sv_push(sv, "-Xlinker");
		sv_push(sv, "-rpath");
		sv_push(sv, "-Xlinker");
		sv_push(sv, rt->libdir);
		sv_push(sv, "-pthread");
	}
}

/* A command: argv[0..argc) with, for a link, the runtime.  With --alloc
 * in a dynamic link the interposer goes first, right after the compiler
 * (`lead` words: the launcher and the compiler), so that its DT_NEEDED
 * comes before any library the user names, libc included (-lc): the
 * first malloc in the program's search order is the one every module
 * gets. */
static void push_command(struct strvec *sv, char *const *argv, int argc, int lead,
			 const struct runtime_link *rt, int used, int links)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (i == lead && links && rt->lib && rt->alloc_lib && !rt->is_static && used) {
			sv_push(sv, "-Wl,--push-state,--no-as-needed");
			sv_push(sv, (char *)rt->alloc_lib);
			sv_push(sv, "-Wl,--pop-state");
		}
		sv_push(sv, argv[i]);
	}
	if (links && rt->lib)
		append_runtime(sv, rt, used);
}

/* Does anything this link reads refer to the runtime?  Objects compiled
 * by this command (nw > 0) do; the other inputs are scanned. */
static int link_uses_runtime(const struct invocation *inv, int nw)
{
	int i;

	if (nw > 0)
		return 1;
	for (i = 0; i < inv->ninputs; i++)
		if (hpcc_objscan_uses_runtime(inv->argv[inv->input_argi[i]]))
			return 1;
	return 0;
}

static int has_x_option(const struct invocation *inv)
{
	int i;

	for (i = 1; i < inv->argc; i++)
		if (!strncmp(inv->argv[i], "-x", 2))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	/* static: what main holds stays reachable until the process ends
	 * (exit() returns it), so the leak checker of the sanitizer build
	 * (-DHPCC_SANITIZE_HPCC) reports only memory lost on the way */
	static struct hpcc_opts o;
	static struct invocation inv;
	static struct work *w;
	static struct strvec cmd, orig, notes;
	static struct runtime_link rt;
	static struct compile_plan plan;
	static char *compiler, *err, *hdr_path, *launcher, *tmp_name;
	struct args in;
	const char *self, *header = NULL;
	struct plan_opts po = { 0 };
	char *exe, **run_argv;
	size_t err_len = 0;
	int at, i, c, nw = 0, status, sig, skipped_self, used = 0, lead;

	self = strrchr(argv[0], '/');
	self = self ? self + 1 : argv[0];
	if (strncmp(self, "hpcc", 4) != 0) {
		/* masquerading as the compiler: gcc -> hpcc */
		char *env_only[] = { argv[0], argv[0], NULL };

		if (hpcc_opts_parse(2, env_only, &o, &at) == OPTS_ERROR)
			return 2;
		at = 0;
		argv[0] = (char *)self;
	} else if (argc > 1 && !strcmp(argv[1], "--diff")) {
		return hpcc_diff_main(argc - 2, argv + 2);
	} else {
		switch (hpcc_opts_parse(argc, argv, &o, &at)) {
		case OPTS_HELP:
			fputs(usage, stdout);
			return 0;
		case OPTS_VERSION:
			printf("hpcc %s\n", HPCC_VERSION);
			return 0;
		case OPTS_ERROR:
			return 2;
		case OPTS_RUN:
			break;
		}
	}

	if (hpcc_exec_depth() < 0) {
		hpcc_diag_error("'%s' leads back to hpcc %d times over: is a copy of hpcc "
			"named '%s' in PATH before the real compiler?", argv[at],
			HPCC_MAX_DEPTH, argv[at]);
		return 127;
	}
	if (at > 0 && at + 1 < argc && is_launcher(argv[at], argv[at + 1])) {
		launcher = hpcc_exec_find(argv[at], &skipped_self);
		if (!launcher) {
			hpcc_diag_error("cannot find '%s' in PATH", argv[at]);
			return 127;
		}
		at++;
	}
	compiler = hpcc_exec_find(argv[at], &skipped_self);
	if (!compiler) {
		if (errno == ELOOP)
			hpcc_diag_error("'%s' is hpcc itself", argv[at]);
		else
			hpcc_diag_error("cannot find compiler '%s' in PATH",
				argv[at]);
		return 127;
	}
	in.argc = argc - at;
	in.argv = argv + at;
	/* gcc finds cc1 relative to argv[0], searching PATH when it has no '/':
	 * past a gcc -> hpcc symlink it would look beside hpcc.  Then give it
	 * its full path; otherwise keep the user's spelling (gcc -v shows it). */
	if (skipped_self || at == 0)
		argv[at] = compiler;
	/* what runs: the compiler, or the launcher with the compiler after it */
	exe = launcher ? launcher : compiler;
	run_argv = launcher ? argv + at - 1 : in.argv;
	tmp_name = launcher ? cache_tmp_name(launcher, run_argv) : NULL;
	if (hpcc_args_process(&in, &inv) != 0)
		run_or_die(exe, run_argv);
	hpcc_diag_setup(inv.diag_color, is_clang(compiler));
	hpcc_watchdog_setup(exe, run_argv);
	if (inv.passthrough) {
		if (o.verbose)
			fprintf(stderr, "hpcc: running %s unchanged: %s\n", compiler, inv.why);
		run_or_die(exe, run_argv);
	}

	/* the runtime first: without it a link of instrumented objects fails,
	 * so nothing gets instrumented */
	if (inv.links && !inv.partial_link) {
		rt.is_static = inv.static_link;
		rt.lib = runtime_file(rt.is_static ? "libhotpath.a" : HPCC_RUNTIME_SONAME,
				      exe, run_argv);
		if (o.alloc)
			rt.alloc_lib = runtime_file(rt.is_static ? "libhotpath_alloc.a"
						    : HPCC_ALLOC_SONAME, exe, run_argv);
		rt.libdir = realpath(rt.lib, NULL);
		if (rt.libdir && strrchr(rt.libdir, '/'))
			*strrchr(rt.libdir, '/') = '\0';
		else
			rt.libdir = beside_exe(HPCC_REL_LIBDIR, ".");
		rt.x_none = has_x_option(&inv);
	}

	w = calloc((size_t)inv.nsrc + 1, sizeof *w);
	if (!w)
		die_nomem();
	for (i = 0; i < inv.nsrc; i++) {
		int r = prepare(&inv, &o, is_clang(compiler), &inv.src[i], &hdr_path, &header,
				tmp_name, &w[nw], &notes);

		if (r < 0) {
			hpcc_tmp_cleanup();
			return 1;
		}
		nw += r;
	}

	if (nw == 0 && !rt.lib) {
		hpcc_tmp_cleanup();
		if (o.verbose)
			fprintf(stderr, "hpcc: nothing to instrument: running %s unchanged\n",
				compiler);
		if (!notes.n)
			run_or_die(exe, run_argv);
		/* deferred notes: only worth saying if the compile succeeds */
		status = run_to_end(exe, run_argv);
		if (status == 0)
			print_notes(&notes);
		return status;
	}

	/* the instrumented commands */
	po.launcher = launcher ? run_argv[0] : NULL;
	po.clang = is_clang(compiler);
	po.alloc = o.alloc;
	/* the compiler's stderr is our pipe: ask for the colours it would
	 * use on the terminal, unless the user chose or NO_COLOR forbids */
	po.color = nw > 0 && hpcc_diag_color_auto();
	if (hpcc_plan_build(&inv, w, nw, &po, &plan) != 0)
		die_nomem();
	for (i = 0; i < nw; i++)
		if (plan.objs[i] && hpcc_tmp_track(plan.objs[i]) != 0)
			die_nomem();
	/* an executable linked with --alloc gets the interposer even when
	 * its own objects are plain (its libraries may be instrumented) */
	if (rt.lib)
		used = link_uses_runtime(&inv, nw) ||
		       (rt.alloc_lib && !rt.is_static && !inv.shared);

	/* the fall-back: the user's command (plus the runtime for the link:
	 * other objects may be instrumented) */
	lead = launcher ? 2 : 1; /* the launcher and the compiler */
	push_command(&orig, run_argv, in.argc + (launcher ? 1 : 0), lead,
		     &rt, used, rt.lib && used);

	for (c = 0, status = 0, sig = 0; c < plan.n && status == 0 && !sig; c++) {
		const struct plan_cmd *pc = &plan.cmd[c];
		char *cerr = NULL;
		size_t cerr_len = 0;

		cmd.n = 0;
		push_command(&cmd, pc->argv, pc->argc, lead, &rt, used, pc->links);
		if (o.verbose)
			verbose_argv("running", cmd.v);
		status = hpcc_exec_run(exe, cmd.v, &cerr, &cerr_len, &sig);
		if (status == 0 && !sig && pc->links && rt.lib && !rt.is_static && !used &&
		    hpcc_objscan_needs_runtime(inv.output ? inv.output : "a.out",
					       HPCC_RUNTIME_SONAME)) {
			/* instrumented code the scan could not see (an archive found
			 * through -l): link again, now with the RUNPATH */
			used = 1;
			cmd.n = 0;
			push_command(&cmd, pc->argv, pc->argc, lead, &rt, used, pc->links);
			free(cerr);
			cerr = NULL;
			cerr_len = 0;
			if (o.verbose)
				verbose_argv("running", cmd.v);
			status = hpcc_exec_run(exe, cmd.v, &cerr, &cerr_len, &sig);
		}
		if (status == 0 && cerr_len) {
			if (pc->wcount && header)
				cerr_len = drop_header_line(cerr, cerr_len, header);
			if (pc->quote_dir && !strcmp(pc->quote_dir, ".") && !po.clang)
				cerr_len = strip_dot_slash(cerr, cerr_len);
			if (po.clang)
				cerr = unsplit_lines(cerr, &cerr_len, w + pc->wfirst, pc->wcount);
		}
		/* what the commands said, in order: only shown if all succeed */
		if (cerr_len) {
			char *all = realloc(err, err_len + cerr_len + 1);

			if (!all)
				die_nomem();
			memcpy(all + err_len, cerr, cerr_len);
			err = all;
			err_len += cerr_len;
			err[err_len] = '\0';
		}
		free(cerr);
	}
	if (status < 0) {
		int e = errno;

		hpcc_diag_error("cannot run %s: %s", exe, strerror(e));
		hpcc_tmp_cleanup();
		return e == ENOENT ? 127 : 126; /* as a shell says it */
	}
	if (sig) {
		hpcc_tmp_cleanup();
		hpcc_exec_exit(status, sig);
	}
	if (status == 0) {
		if (err_len)
			fwrite(err, 1, err_len, stderr);
		for (i = 0; i < nw; i++) {
			if (!plan.deps[i])
				continue;
			fix_deps(plan.deps[i], w, nw, header, po.clang, o.verbose);
			if (!po.clang)
				plain_deps(&inv, w, i, plan.deps[i], compiler, o.verbose);
		}
		print_notes(&notes);
		hpcc_tmp_cleanup();
		return 0;
	}

	/* never break a build: the user's own command decides */
	hpcc_tmp_cleanup();
	if (o.verbose) {
		fprintf(stderr, "hpcc: instrumented command failed (status %d); its output:\n",
			status);
		if (err_len)
			fwrite(err, 1, err_len, stderr);
		verbose_argv("running the original command", orig.v);
	}
	free(err);
	if (rt.lib && used) {
		/* quietly first: if the runtime itself is what this link cannot
		 * take, the user's own command decides, without it */
		status = hpcc_exec_run(exe, orig.v, &err, &err_len, &sig);
		if (status < 0 || sig || status == 0) {
			if (status >= 0 && !sig && err_len)
				fwrite(err, 1, err_len, stderr);
			if (sig)
				hpcc_exec_exit(status, sig);
		} else {
			if (o.verbose)
				verbose_argv("running the user's command", run_argv);
			status = run_to_end(exe, run_argv);
			if (status == 0 && nw == 0)
				hpcc_diag_warning("linking with the hotpath runtime "
					"failed; linked without it");
			return status;
		}
		if (status < 0)
			status = run_to_end(exe, orig.v);
	} else {
		status = run_to_end(exe, orig.v);
	}
	if (status == 0) {
		print_notes(&notes);
		for (i = 0; i < nw; i++)
			hpcc_diag_warning("instrumented compile of %s failed; "
				"compiled it unmodified", w[i].src->path);
		if (nw == 0)
			hpcc_diag_warning("linking with the hotpath runtime "
				"failed; linked without it");
	}
	return status;
}
