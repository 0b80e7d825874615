/* plan.h - the compiler commands that one instrumented command becomes.
 *
 * A rewritten source sits in hpcc's temp dir, so the compiler would look
 * for its quoted includes there; `-iquote <its original dir>` puts the
 * original directory back at the front of the quote chain.  That flag is
 * per command, not per source: two sources from different directories in
 * one command would each find the other's headers (a/x.c including b/h.h).
 * Sources whose own quoted includes are redirected to their folder
 * (source.h) need no -iquote; a source with a computed #include still
 * does.  So the plan gives every command at most one such directory:
 *
 *  - One command, as the user wrote it, when no rewritten source needs
 *    -iquote, or when every input the preprocessor reads is a rewritten
 *    source from one directory.
 *  - Otherwise, with -c or -S: one command per run of consecutive inputs
 *    (the rewritten sources of one directory, or the sources left as
 *    they are), in the user's order, so files several sources write (one
 *    -MF for all) end as they would.
 *  - Otherwise, when linking: each rewritten source compiled to a temp
 *    object with -c (its dependency file named and targeted as the link
 *    would), then the user's command links with the objects in place of
 *    the rewritten sources; the other sources compile there untouched.
 *
 * Pure data: no I/O, no compiler run; tests inspect the argv vectors.
 */
#ifndef HPCC_PLAN_H
#define HPCC_PLAN_H

#include "args.h"
#include "rewrite.h"

/* One C source being instrumented. */
struct work {
	const struct source *src;
	char *tmp_path;      /* <tmp>/<n>/<basename> */
	char *dir;           /* original directory for -iquote ("." if none) */
	char *prefix_map;    /* -fdebug-prefix-map=<tmp>/<n>/=<dir>/ */
	struct line_fix_list fixes; /* changed lines, for clang's quoted source */
	int no_iquote;       /* its folder needs no -iquote: its own quoted
			      * includes are redirected there (source.h) */
	char *mirror;        /* <tmp>/<m>/src/, the link to its folder, or NULL */
	char *mirror_to;     /* what the compile names that: "<dir>/" or "" */
	char *mirror_map;    /* -ffile-prefix-map=<mirror>=<mirror_to>, or NULL */
};

/* One command to run. */
struct plan_cmd {
	char **argv;           /* NULL-terminated */
	int argc;
	int wfirst, wcount;    /* the work items (rewritten sources) it compiles */
	const char *quote_dir; /* the -iquote it adds, or NULL */
	int links;             /* the command links: the runtime goes at its end */
};

struct plan_opts {
	const char *launcher; /* a launcher's argv[0] to put first, or NULL */
	int clang;            /* the compiler is clang */
	int alloc;            /* -DHOTPATH_ALLOC=1 where rewritten sources compile */
	int color;            /* -fdiagnostics-color=always on every command */
	const char *report;   /* -DHOTPATH_REPORT_DEFAULT=... likewise, or NULL */
};

struct compile_plan {
	struct plan_cmd *cmd;
	int n;
	char **objs;     /* per work item: its temporary object, or NULL */
	char **deps;     /* per work item: the dependency file it writes, or
			  * NULL (no -MD/-MMD) */
	/* private */
	char **owned_;
	int nowned_, capowned_;
};

/* Plans `inv` with the rewritten sources `w[0..nw)` (in argv order).
 * Returns 0, or -1 on allocation failure. */
int hpcc_plan_build(const struct invocation *inv, const struct work *w, int nw,
		    const struct plan_opts *o, struct compile_plan *out);

void hpcc_plan_free(struct compile_plan *p);

/* A link whose rewritten sources compile to temporary objects (some need
 * -iquote of their own, see source.h) cannot give the files the plain
 * link names after them (.gcno and the .gcda path, .su, -save-temps and
 * -fdump-* files, .dwo) their names and places: the option of `inv` that
 * asks for such files, or NULL. */
const char *hpcc_plan_lost_output(const struct invocation *inv, const struct compile_plan *p,
				  int nw);

/* The command (argv, malloc'd, strings borrowed) by which the compiler
 * preprocesses rewritten source `wi` as the user wrote it, its own path
 * and no -iquote, only to write its dependency file to `dep_out`, the
 * first rule's target being `target` unless the user named one: the .d
 * file of the plain compile (see depfile.h for when it is needed). */
char **hpcc_plan_deps_argv(const struct invocation *inv, const struct work *w, int wi,
			   const char *dep_out, const char *target);

#endif
