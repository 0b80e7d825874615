/* plan.c - the compiler commands of one instrumented command (see plan.h).
 *
 * DESIGN
 * Every argv position of the user's command gets a role first: an input
 * (with its place among the inputs), `-o` or its value, `-x` or its
 * value, or anything else.  A command of the plan is then the user's argv
 * filtered by role: the inputs it does not compile dropped, a rewritten
 * source replaced by its temp copy (or, in the link, by its object), and
 * `-x` options that would dangle after its last input dropped (gcc warns
 * "'-x c' after last input file has no effect" where the user's command
 * did not).  Options keep their order, so positional ones (-x, -Wl,
 * --start-group) still apply to what they applied to.
 */
#include <stdlib.h>
#include <string.h>

#include "compopt.h"
#include "depfile.h"
#include "plan.h"

enum role { R_OTHER, R_INPUT, R_OUTPUT, R_LANG, R_DEPFILE };

#define DROP(role) (1u << (role))

struct argvec {
	char **v;
	int n, cap;
};

static int av_push(struct argvec *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		int cap = a->cap ? a->cap * 2 : 32;
		char **v = realloc(a->v, (size_t)cap * sizeof *v);

		if (!v)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
	return 0;
}

/* Keeps `s` (malloc'd) until hpcc_plan_free; NULL stays NULL. */
static char *own(struct compile_plan *p, char *s)
{
	if (!s)
		return NULL;
	if (p->nowned_ == p->capowned_) {
		int cap = p->capowned_ ? p->capowned_ * 2 : 16;
		char **v = realloc(p->owned_, (size_t)cap * sizeof *v);

		if (!v) {
			free(s);
			return NULL;
		}
		p->owned_ = v;
		p->capowned_ = cap;
	}
	p->owned_[p->nowned_++] = s;
	return s;
}

static char *cat3(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *s = malloc(la + lb + lc + 1);

	if (!s)
		return NULL;
	memcpy(s, a, la);
	memcpy(s + la, b, lb);
	memcpy(s + la + lb, c, lc + 1);
	return s;
}

/* Does the preprocessor read this input?  Objects, archives, shared
 * libraries, assembly and preprocessed text do not; they cannot be
 * affected by -iquote, so they may share any command. */
static int preprocessed(const char *path, const char *lang)
{
	static const char *const raw[] = { ".o", ".a", ".so", ".s", ".i", ".ii", ".lo",
					   ".obj" };
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	const char *dot = strrchr(base, '.');
	size_t k;

	if (lang)
		return strcmp(lang, "assembler") != 0 && !strstr(lang, "cpp-output");
	if (!dot || dot == base)
		return 0; /* no suffix: gcc hands it to the linker */
	if (strstr(base, ".so."))
		return 0;
	for (k = 0; k < sizeof raw / sizeof raw[0]; k++)
		if (!strcmp(dot, raw[k]))
			return 0;
	return 1;
}

/* role[i] for every argv index, and inputno[i] (the input's place among
 * the inputs) for the inputs. */
static void assign_roles(const struct invocation *inv, enum role *role, int *inputno)
{
	int i, k;

	for (i = 0; i < inv->argc; i++)
		role[i] = R_OTHER;
	for (k = 0; k < inv->ninputs; k++) {
		role[inv->input_argi[k]] = R_INPUT;
		inputno[inv->input_argi[k]] = k;
	}
	for (i = 1; i < inv->argc; i++) {
		const char *a = inv->argv[i];
		const struct compopt *opt;
		enum role r;
		size_t n;

		if (role[i] == R_INPUT || a[0] != '-')
			continue;
		if (!strcmp(a, "--"))
			break; /* only inputs follow */
		r = !strncmp(a, "-MF", 3) ? R_DEPFILE : a[1] == 'o' ? R_OUTPUT :
			a[1] == 'x' ? R_LANG : R_OTHER;
		n = r == R_DEPFILE ? 3 : 2;
		opt = hpcc_compopt_find(a);
		if (opt && (opt->flags & TAKES_ARG)) {
			if (i + 1 < inv->argc && strlen(a) == n && r != R_OTHER)
				role[i] = role[i + 1] = r;
			i++; /* the value, whatever it looks like */
		} else if (r != R_OTHER && !opt) {
			opt = hpcc_compopt_prefix(a);
			if (opt && strlen(opt->name) == n)
				role[i] = r; /* -ofile, -xc, -MFfile */
		}
	}
}

static int work_of(const struct work *w, int nw, int argi)
{
	int i;

	for (i = 0; i < nw; i++)
		if (w[i].src->argi == argi)
			return i;
	return -1;
}

static int add_cmd(struct compile_plan *p, struct argvec *a, int wfirst, int wcount,
		   const char *quote_dir, int links)
{
	struct plan_cmd *v = realloc(p->cmd, (size_t)(p->n + 1) * sizeof *v);

	if (!v)
		return -1;
	p->cmd = v;
	v[p->n].argv = a->v;
	v[p->n].argc = a->n;
	v[p->n].wfirst = wfirst;
	v[p->n].wcount = wcount;
	v[p->n].quote_dir = quote_dir;
	v[p->n].links = links;
	p->n++;
	a->v = NULL;
	a->n = a->cap = 0;
	return 0;
}

/* The start of every command: the launcher, the compiler, the -iquote. */
static int head(struct argvec *a, const struct invocation *inv, const struct plan_opts *o,
		const char *quote_dir)
{
	if (o->launcher && av_push(a, o->launcher))
		return -1;
	if (av_push(a, inv->argv[0]))
		return -1;
	if (quote_dir && (av_push(a, "-iquote") || av_push(a, quote_dir)))
		return -1;
	return 0;
}

/* The user's arguments for a command that compiles the inputs numbered
 * [from, to] (all of them: 0, ninputs - 1), without the options of the
 * roles in `drop` (-o when the caller names the object). */
static int body(struct argvec *a, const struct invocation *inv, const struct work *w,
		int nw, const enum role *role, const int *inputno, int from, int to,
		unsigned drop)
{
	int i, last = inv->input_argi[to];
	int dangling = to < inv->ninputs - 1; /* -x after `last` would dangle */

	for (i = 1; i < inv->argc; i++) {
		const char *arg = inv->argv[i];

		if (role[i] == R_INPUT) {
			int k = inputno[i], wi;

			if (k < from || k > to)
				continue;
			wi = work_of(w, nw, i);
			arg = wi >= 0 ? w[wi].tmp_path : arg;
		} else if (drop & DROP(role[i])) {
			continue;
		} else if (role[i] == R_LANG && dangling && i > last) {
			continue;
		}
		if (av_push(a, arg))
			return -1;
	}
	return 0;
}

/* What every command that compiles rewritten sources gets at its end. */
static int tail(struct argvec *a, const struct work *w, int wfirst, int wcount,
		const struct plan_opts *o)
{
	int i;

	for (i = wfirst; i < wfirst + wcount; i++)
		if (av_push(a, w[i].prefix_map) ||
		    (w[i].mirror_map && av_push(a, w[i].mirror_map)))
			return -1;
	if (wcount && o->alloc && av_push(a, "-DHOTPATH_ALLOC=1"))
		return -1;
	if (wcount && o->report && av_push(a, o->report))
		return -1;
	if (o->color && av_push(a, "-fdiagnostics-color=always"))
		return -1;
	return 0;
}

/* Everything in one command, as the user wrote it. */
static int plan_one(struct compile_plan *p, const struct invocation *inv,
		    const struct work *w, int nw, const struct plan_opts *o,
		    const enum role *role, const int *inputno)
{
	struct argvec a = { 0 };
	const char *quote_dir = NULL;
	int i, k;

	if (head(&a, inv, o, NULL))
		goto nomem;
	for (i = 0; i < nw; i++) {
		int dup = w[i].no_iquote;

		for (k = 0; k < i; k++)
			dup |= !w[k].no_iquote && !strcmp(w[k].dir, w[i].dir);
		if (!dup && (av_push(&a, "-iquote") || av_push(&a, w[i].dir)))
			goto nomem;
		if (!w[i].no_iquote && !quote_dir)
			quote_dir = w[i].dir;
	}
	if (body(&a, inv, w, nw, role, inputno, 0, inv->ninputs - 1, 0u) ||
	    tail(&a, w, 0, nw, o) ||
	    add_cmd(p, &a, 0, nw, quote_dir, inv->links))
		goto nomem;
	return 0;
nomem:
	free(a.v);
	return -1;
}

/* -c / -S: one command per run of consecutive inputs of one kind. */
static int plan_runs(struct compile_plan *p, const struct invocation *inv,
		     const struct work *w, int nw, const struct plan_opts *o,
		     const enum role *role, const int *inputno)
{
	struct argvec a = { 0 };
	int k = 0, wnext = 0;

	while (k < inv->ninputs) {
		/* key: a rewritten source's directory, or "" for sources left
		 * alone; inputs the preprocessor does not read go anywhere */
		const char *key = NULL;
		int from = k, wfirst = wnext;

		for (; k < inv->ninputs; k++) {
			int argi = inv->input_argi[k], wi = work_of(w, nw, argi);
			const char *kk = wi >= 0 ? w[wi].dir :
				preprocessed(inv->argv[argi], inv->input_lang[k]) ? "" : NULL;

			if (kk && key && strcmp(kk, key) != 0)
				break;
			if (kk && !key)
				key = kk;
			if (wi >= 0)
				wnext = wi + 1;
		}
		if (head(&a, inv, o, key && *key ? key : NULL) ||
		    body(&a, inv, w, nw, role, inputno, from, k - 1, 0u) ||
		    tail(&a, w, wfirst, wnext - wfirst, o) ||
		    add_cmd(p, &a, wfirst, wnext - wfirst, key && *key ? key : NULL, 0))
			goto nomem;
	}
	return 0;
nomem:
	free(a.v);
	return -1;
}

/* Linking: each rewritten source to an object of its own, then the link. */
static int plan_link(struct compile_plan *p, const struct invocation *inv,
		     const struct work *w, int nw, const struct plan_opts *o,
		     const enum role *role, const int *inputno)
{
	struct argvec a = { 0 };
	int i;

	for (i = 0; i < nw; i++) {
		int k = inputno[w[i].src->argi];

		if (head(&a, inv, o, w[i].dir) ||
		    body(&a, inv, w, nw, role, inputno, k, k, DROP(R_OUTPUT)) ||
		    av_push(&a, "-c") || av_push(&a, "-o") || av_push(&a, p->objs[i]))
			goto nomem;
		if (inv->dep && !inv->dep_file &&
		    (av_push(&a, "-MF") || av_push(&a, p->deps[i])))
			goto nomem;
		if (inv->dep && !inv->dep_target) {
			/* the target the link would write: the output, or a.o
			 * for a.c */
			char *t = inv->output ? (char *)inv->output :
				own(p, hpcc_depfile_stem(w[i].src->path, 0));
			char *obj = inv->output ? t : own(p, t ? cat3(t, ".o", "") : NULL);

			if (!obj || av_push(&a, "-MQ") || av_push(&a, obj))
				goto nomem;
		}
		if (tail(&a, w, i, 1, o) ||
		    /* link options are unused here, and clang would say so */
		    (o->clang && av_push(&a, "-Wno-unused-command-line-argument")) ||
		    add_cmd(p, &a, i, 1, w[i].dir, 0))
			goto nomem;
	}
	if (head(&a, inv, o, NULL))
		goto nomem;
	for (i = 1; i < inv->argc; i++) {
		int wi = role[i] == R_INPUT ? work_of(w, nw, i) : -1;
		const char *lang = wi >= 0 ? inv->input_lang[inputno[i]] : NULL;

		if (wi < 0) {
			if (av_push(&a, inv->argv[i]))
				goto nomem;
		} else if (lang) { /* an object, whatever -x says */
			if (av_push(&a, "-x") || av_push(&a, "none") ||
			    av_push(&a, p->objs[wi]) || av_push(&a, "-x") || av_push(&a, lang))
				goto nomem;
		} else if (av_push(&a, p->objs[wi])) {
			goto nomem;
		}
	}
	if ((o->color && av_push(&a, "-fdiagnostics-color=always")) ||
	    add_cmd(p, &a, 0, 0, NULL, 1))
		goto nomem;
	return 0;
nomem:
	free(a.v);
	return -1;
}

int hpcc_plan_build(const struct invocation *inv, const struct work *w, int nw,
		    const struct plan_opts *o, struct compile_plan *out)
{
	enum role *role = malloc((size_t)inv->argc * sizeof *role);
	int *inputno = calloc((size_t)inv->argc, sizeof *inputno);
	int i, k, one = 1, r, iquote = 0;

	memset(out, 0, sizeof *out);
	out->objs = calloc((size_t)nw + 1, sizeof *out->objs);
	out->deps = calloc((size_t)nw + 1, sizeof *out->deps);
	if (!role || !inputno || !out->objs || !out->deps)
		goto nomem;
	assign_roles(inv, role, inputno);
	for (i = 0; i < nw; i++) {
		if (inv->dep && !(out->deps[i] = own(out, hpcc_depfile_path(inv, w[i].src->path,
									      o->clang))))
			goto nomem;
		if (i > 0 && strcmp(w[i].dir, w[0].dir) != 0)
			one = 0;
	}
	for (i = 0; i < nw; i++)
		iquote |= !w[i].no_iquote;
	for (k = 0; k < inv->ninputs && nw > 0; k++)
		if (work_of(w, nw, inv->input_argi[k]) < 0 &&
		    preprocessed(inv->argv[inv->input_argi[k]], inv->input_lang[k]))
			one = 0;
	/* no -iquote: nothing a command could see that it should not */
	if (one || !iquote || inv->ninputs < 2)
		r = plan_one(out, inv, w, nw, o, role, inputno);
	else if (!inv->links)
		r = plan_runs(out, inv, w, nw, o, role, inputno);
	else {
		for (i = 0; i < nw; i++) {
			const char *t = w[i].tmp_path;
			size_t n = strlen(t);

			out->objs[i] = own(out, n > 2 && !strcmp(t + n - 2, ".c") ?
					   cat3("", t, "") : cat3(t, ".o", ""));
			if (!out->objs[i])
				goto nomem;
			if (n > 2 && !strcmp(t + n - 2, ".c"))
				out->objs[i][n - 1] = 'o';
		}
		r = plan_link(out, inv, w, nw, o, role, inputno);
	}
	free(role);
	free(inputno);
	if (r)
		hpcc_plan_free(out);
	return r;
nomem:
	free(role);
	free(inputno);
	hpcc_plan_free(out);
	return -1;
}

char **hpcc_plan_deps_argv(const struct invocation *inv, const struct work *w, int wi,
			   const char *dep_out, const char *target)
{
	enum role *role = malloc((size_t)inv->argc * sizeof *role);
	int *inputno = calloc((size_t)inv->argc, sizeof *inputno);
	struct argvec a = { 0 };
	int k;

	if (!role || !inputno)
		goto nomem;
	assign_roles(inv, role, inputno);
	k = inputno[w[wi].src->argi];
	/* no work items: the source keeps its own path */
	if (av_push(&a, inv->argv[0]) ||
	    body(&a, inv, w, 0, role, inputno, k, k, DROP(R_OUTPUT) | DROP(R_DEPFILE)) ||
	    av_push(&a, "-E") || av_push(&a, "-o") || av_push(&a, "/dev/null") ||
	    av_push(&a, "-MF") || av_push(&a, dep_out) ||
	    (!inv->dep_target && target && (av_push(&a, "-MT") || av_push(&a, target))))
		goto nomem;
	free(role);
	free(inputno);
	return a.v;
nomem:
	free(role);
	free(inputno);
	free(a.v);
	return NULL;
}

void hpcc_plan_free(struct compile_plan *p)
{
	int i;

	for (i = 0; i < p->n; i++)
		free(p->cmd[i].argv);
	free(p->cmd);
	for (i = 0; i < p->nowned_; i++)
		free(p->owned_[i]);
	free(p->owned_);
	free(p->objs);
	free(p->deps);
	memset(p, 0, sizeof *p);
}

const char *hpcc_plan_lost_output(const struct invocation *inv, const struct compile_plan *p,
				  int nw)
{
	static const char *const flags[] = { "--coverage", "-ftest-coverage", "-fprofile-arcs",
		"-fprofile-generate", "-fstack-usage", "-save-temps", "-fcallgraph-info",
		"-fdump-", "-gsplit-dwarf" };
	size_t k, n;
	int i;

	if (nw == 0 || !p->objs || !p->objs[0])
		return NULL; /* no temporary objects */
	for (i = 1; i < inv->argc; i++)
		for (k = 0; k < sizeof flags / sizeof flags[0]; k++) {
			n = strlen(flags[k]);
			if (!strncmp(inv->argv[i], flags[k], n) &&
			    (flags[k][n - 1] == '-' || !inv->argv[i][n] || inv->argv[i][n] == '='))
				return inv->argv[i];
		}
	return NULL;
}
