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
 *    line tables), gets `-fdebug-prefix-map=<tmp>/<n>/=<dir>/` (the
 *    compile unit's DW_AT_name is the original path as given), and its own
 *    quoted includes that its folder holds go through a link to that
 *    folder, named back by -ffile-prefix-map (source.h); the .d file is
 *    edited afterwards to name the original source and to drop hotpath.h,
 *    and the replayed stderr is fixed up likewise (diagfix.h).  A command
 *    then stays one compiler run with only the paths of its sources
 *    replaced, so everything the compiler derives from the inputs stays
 *    the same; only sources that need -iquote <their folder> (#include
 *    MACRO) split it by folder (plan.h).
 * 3. Never break a build.  If the instrumented command fails, the original
 *    command runs; if that succeeds, one warning says so.  The instrumented
 *    run's stderr is collected and shown only when it succeeded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "depfile.h"
#include "diag.h"
#include "diagfix.h"
#include "diff.h"
#include "merge.h"
#include "exec.h"
#include "link.h"
#include "objscan.h"
#include "plan.h"
#include "readfile.h"
#include "source.h"
#include "tmp.h"
#include "top.h"
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
	"  --report=FORMAT[:PATH]      the program's report default, built in:\n"
	"                              as HOTPATH_FORMAT and HOTPATH_OUTPUT when\n"
	"                              neither is set at run time, and quiet\n"
	"                              (HPCC_REPORT=FORMAT[:PATH])\n"
	"  -v, --verbose               say what was found and done (HPCC_DEBUG=1)\n"
	"  --help                      this text\n"
	"  --version                   hpcc's version\n"
	"\n"
	"       hpcc --diff BASE.json HEAD.json [--threshold=PCT] [--format=markdown|json]\n"
	"       hpcc --diff BASE1.json BASE2.json ... -- HEAD1.json HEAD2.json ... [...]\n"
	"       hpcc --merge A.json B.json ... [-o MERGED.json] [--percentiles 50,95,99] [--format=table|html|folded]\n"
	"compares JSON reports per call (medians and run-to-run noise of several runs);\n"
	"the verdict is the self time's, so a slower callee does not blame its callers.\n"
	"\n"
	"       hpcc top [--once] [--interval SECONDS] [--sort KEY] [URL | HOST:PORT | FILE]\n"
	"a live view of a program run with HOTPATH_HTTP (hpcc top --help).\n"
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

static void sv_push(struct strvec *sv, char *s)
{
	if (sv->n + 2 > sv->cap) {
		int cap = sv->cap ? sv->cap * 2 : 64;
		char **v = realloc(sv->v, (size_t)cap * sizeof *v);

		if (!v)
			hpcc_diag_nomem();
		sv->v = v;
		sv->cap = cap;
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
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
	struct dep_rename *r = calloc((size_t)nw * 2 + 1, sizeof *r);
	int i, n = 0, changed;

	if (!r)
		hpcc_diag_nomem();
	for (i = 0; i < nw; i++) {
		r[n].from = w[i].tmp_path;
		r[n++].to = w[i].src->path;
		if (w[i].mirror) {
			r[n].from = w[i].mirror;
			/* clang's .d says "h.h" where its messages say "./h.h" */
			r[n++].to = w[i].mirror_to + (clang && !strncmp(w[i].mirror_to, "./", 2) ?
						      2 : 0);
		}
	}
	changed = hpcc_depfile_fix_file(path, r, n, header, clang);
	if (changed < 0)
		hpcc_diag_warning("cannot rewrite %s: %s", path, strerror(errno));
	else if (changed && verbose)
		fprintf(stderr, "hpcc: %s now names the original sources\n", path);
	free(r);
}

/* The finder's deferred fall-back warnings, once the compile succeeded. */
static void print_notes(const struct strvec *notes)
{
	int i;

	for (i = 0; i < notes->n; i++)
		fputs(notes->v[i], stderr);
}

/* Would the source be instrumented: --instrument=all, or a marker in its
 * text (the finder's test, loosely: a false alarm costs one line). */
static int wants_instrumenting(const char *path, const struct hpcc_opts *o)
{
	size_t len;
	char *text;
	int yes;

	if (o->instrument_all)
		return 1;
	text = hpcc_read_file(path, 0, &len);
	if (!text)
		return 0; /* the compiler will say why */
	yes = memmem(text, len, "@hotpath", 8) || memmem(text, len, "hotpath::", 9);
	free(text);
	return yes;
}

/* A command hpcc runs unchanged because of an option it cannot handle:
 * the sources it would have instrumented are named, so a missing report
 * is never a mystery. */
static void say_not_instrumented(const struct invocation *inv, const struct hpcc_opts *o)
{
	int i;

	if (inv->mode == MODE_PREPROCESS)
		return;
	for (i = 0; i < inv->nsrc; i++)
		if (wants_instrumenting(inv->src[i].path, o))
			hpcc_diag_warning("%s is compiled unchanged (not instrumented): "
					  "hpcc does not handle the option '%s'",
					  inv->src[i].path, inv->unsupported);
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
	char *path = hpcc_exec_beside(HPCC_REL_LIBDIR, name);

	if (file_exists(path))
		return path;
	hpcc_exec_no_runtime(path);
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

int main(int argc, char **argv)
{
	/* static: what main holds stays reachable until the process ends
	 * (exit() returns it), so the leak checker of the sanitizer build
	 * (-DHPCC_SANITIZE_HPCC) reports only memory lost on the way */
	static struct hpcc_opts o;
	static struct invocation inv;
	static struct work *w;
	static struct strvec notes;
	static struct runtime_link rt;
	static struct compile_plan plan;
	static struct source_ctx sc;
	static char *compiler, *err, *launcher, *tmp_name, **orig, **cmd;
	struct args in;
	const char *self;
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
	} else if (argc > 1 && !strcmp(argv[1], "--merge")) {
		return hpcc_merge_main(argc - 2, argv + 2);
	} else if (argc > 1 && !strcmp(argv[1], "top")) {
		return hpcc_top_main(argc - 2, argv + 2);
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
	if (at > 0 && at + 1 < argc && hpcc_exec_is_launcher(argv[at], argv[at + 1])) {
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
	tmp_name = launcher ? hpcc_tmp_cache_name(launcher, run_argv) : NULL;
	if (hpcc_args_process(&in, &inv) != 0)
		run_or_die(exe, run_argv);
	hpcc_diag_setup(inv.diag_color, hpcc_exec_is_clang(compiler));
	hpcc_watchdog_setup(exe, run_argv);
	if (inv.passthrough) {
		if (o.verbose)
			fprintf(stderr, "hpcc: running %s unchanged: %s\n", compiler, inv.why);
		if (inv.unsupported)
			say_not_instrumented(&inv, &o);
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
			rt.libdir = hpcc_exec_beside(HPCC_REL_LIBDIR, ".");
		rt.x_none = hpcc_link_has_x(&inv);
	}

	sc.inv = &inv;
	sc.opts = &o;
	sc.tmp_name = tmp_name;
	sc.clang = hpcc_exec_is_clang(compiler);
	w = calloc((size_t)inv.nsrc + 1, sizeof *w);
	if (!w)
		hpcc_diag_nomem();
	for (i = 0; i < inv.nsrc; i++) {
		char *note;
		int r = hpcc_source_prepare(&sc, &inv.src[i], &w[nw], &note);

		if (note)
			sv_push(&notes, note);

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
	po.clang = sc.clang;
	po.alloc = o.alloc;
	po.report = o.report_define;
	/* the compiler's stderr is our pipe: ask for the colours it would
	 * use on the terminal, unless the user chose or NO_COLOR forbids */
	po.color = nw > 0 && hpcc_diag_color_auto();
	if (hpcc_plan_build(&inv, w, nw, &po, &plan) != 0)
		hpcc_diag_nomem();
	if (hpcc_plan_lost_output(&inv, &plan, nw)) {
		hpcc_diag_warning("%s with sources from several folders, one with a computed "
			"#include, cannot be instrumented in one link; compiling %s unmodified",
			hpcc_plan_lost_output(&inv, &plan, nw), nw == 1 ? "it" : "them");
		hpcc_plan_free(&plan);
		nw = 0;
		po.color = 0;
		if (hpcc_plan_build(&inv, w, nw, &po, &plan) != 0)
			hpcc_diag_nomem();
	}
	for (i = 0; i < nw; i++)
		if (plan.objs[i] && hpcc_tmp_track(plan.objs[i]) != 0)
			hpcc_diag_nomem();
	/* an executable linked with --alloc gets the interposer even when
	 * its own objects are plain (its libraries may be instrumented) */
	if (rt.lib)
		used = hpcc_link_uses_runtime(&inv, nw) ||
		       (rt.alloc_lib && !rt.is_static && !inv.shared);

	/* the fall-back: the user's command (plus the runtime for the link:
	 * other objects may be instrumented) */
	lead = launcher ? 2 : 1; /* the launcher and the compiler */
	orig = hpcc_link_command(run_argv, in.argc + (launcher ? 1 : 0), lead, &rt, used,
				 rt.lib && used);
	if (!orig)
		hpcc_diag_nomem();

	for (c = 0, status = 0, sig = 0; c < plan.n && status == 0 && !sig; c++) {
		const struct plan_cmd *pc = &plan.cmd[c];
		char *cerr = NULL;
		size_t cerr_len = 0;

		free(cmd);
		cmd = hpcc_link_command(pc->argv, pc->argc, lead, &rt, used, pc->links);
		if (!cmd)
			hpcc_diag_nomem();
		if (o.verbose)
			verbose_argv("running", cmd);
		status = hpcc_exec_run(exe, cmd, &cerr, &cerr_len, &sig);
		if (status == 0 && !sig && pc->links && rt.lib && !rt.is_static && !used &&
		    hpcc_objscan_needs_runtime(inv.output ? inv.output : "a.out",
					       HPCC_RUNTIME_SONAME)) {
			/* instrumented code the scan could not see (an archive found
			 * through -l): link again, now with the RUNPATH */
			used = 1;
			free(cmd);
			cmd = hpcc_link_command(pc->argv, pc->argc, lead, &rt, used, pc->links);
			if (!cmd)
				hpcc_diag_nomem();
			free(cerr);
			cerr = NULL;
			cerr_len = 0;
			if (o.verbose)
				verbose_argv("running", cmd);
			status = hpcc_exec_run(exe, cmd, &cerr, &cerr_len, &sig);
		}
		if (status == 0 && cerr_len &&
		    !(cerr = hpcc_diagfix_command(cerr, &cerr_len, pc, w, sc.header, po.clang)))
			hpcc_diag_nomem();
		/* what the commands said, in order: only shown if all succeed */
		if (cerr_len) {
			char *all = realloc(err, err_len + cerr_len + 1);

			if (!all)
				hpcc_diag_nomem();
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
			fix_deps(plan.deps[i], w, nw, sc.header, po.clang, o.verbose);
			/* clang too: with the folder also in -I, which name
			 * it gives a header reached both ways is its own */
			if (!po.clang || w[i].mirror)
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
		verbose_argv("running the original command", orig);
	}
	free(err);
	if (rt.lib && used) {
		/* quietly first: if the runtime itself is what this link cannot
		 * take, the user's own command decides, without it */
		status = hpcc_exec_run(exe, orig, &err, &err_len, &sig);
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
			status = run_to_end(exe, orig);
	} else {
		status = run_to_end(exe, orig);
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
