/* args.c - classify one compiler command (see args.h).
 *
 * One pass over the arguments with the option table deciding what each one
 * is; the only special spellings handled here are the ones that are not
 * options at all: inputs, "-", "--" and "@file".  Anything doubtful sets
 * `passthrough`: running the real compiler with the user's arguments is
 * always correct, instrumenting is only nice.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "compopt.h"
#include "diag.h"
#include "fmt.h" /* runtime/src: the runtime's own number parser */
#include "readfile.h"

#define MAX_RESPONSE_DEPTH 16
#define MAX_RESPONSE_SIZE (16u << 20)

struct vec {
	char **v;
	int n, cap;
};

static int vec_push(struct vec *vec, char *s)
{
	if (vec->n + 1 >= vec->cap) {
		int cap = vec->cap ? vec->cap * 2 : 16;
		char **v = realloc(vec->v, (size_t)cap * sizeof *v);

		if (!v)
			return -1;
		vec->v = v;
		vec->cap = cap;
	}
	vec->v[vec->n++] = s;
	vec->v[vec->n] = NULL;
	return 0;
}

int hpcc_args_split(const char *text, char ***v, int *n)
{
	struct vec out = { *v, *n, *n };
	size_t len = strlen(text);
	char *word = malloc(len + 1);
	const char *p = text;

	if (!word)
		return -1;
	if (out.v) /* caller's array: make room the vec way */
		out.cap = *n + 1;
	for (;;) {
		size_t w = 0;
		char quote = 0;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		       *p == '\f' || *p == '\v')
			p++;
		if (!*p)
			break;
		for (; *p; p++) {
			if (quote) {
				if (*p == quote)
					quote = 0;
				else if (*p == '\\' && p[1])
					word[w++] = *++p;
				else
					word[w++] = *p;
			} else if (*p == '\'' || *p == '"') {
				quote = *p;
			} else if (*p == '\\' && p[1]) {
				word[w++] = *++p;
			} else if (*p == ' ' || *p == '\t' || *p == '\n' ||
				   *p == '\r' || *p == '\f' || *p == '\v') {
				break;
			} else {
				word[w++] = *p;
			}
		}
		word[w] = '\0';
		{
			char *copy = strdup(word);

			if (!copy || vec_push(&out, copy) < 0) {
				free(copy);
				free(word);
				*v = out.v;
				*n = out.n;
				return -1;
			}
		}
	}
	free(word);
	*v = out.v;
	*n = out.n;
	return 0;
}

/* Appends argv[0..argc) to `out`, expanding @file in place (recursively,
 * as gcc does).  Returns 0, 1 when a response file cannot be read (the
 * compiler will say why), or -1 on allocation failure. */
static int expand(char *const *argv, int argc, struct vec *out, struct vec *owned,
		  int depth)
{
	int i, r;

	for (i = 0; i < argc; i++) {
		char *text, **words = NULL;
		int nwords = 0, j;

		if (argv[i][0] != '@' || !argv[i][1]) {
			if (vec_push(out, argv[i]) < 0)
				return -1;
			continue;
		}
		if (depth >= MAX_RESPONSE_DEPTH)
			return 1;
		text = hpcc_read_file(argv[i] + 1, MAX_RESPONSE_SIZE, NULL);
		if (!text)
			return 1;
		r = hpcc_args_split(text, &words, &nwords);
		free(text);
		for (j = 0; j < nwords; j++) {
			if (vec_push(owned, words[j]) < 0) {
				for (; j < nwords; j++)
					free(words[j]);
				free(words);
				return -1;
			}
		}
		if (r == 0)
			r = expand(words, nwords, out, owned, depth + 1);
		free(words);
		if (r != 0)
			return r;
	}
	return 0;
}

static int is_c_source(const char *path, const char *lang)
{
	const char *dot;

	if (lang)
		return strcmp(lang, "c") == 0;
	dot = strrchr(path, '.');
	return dot && strcmp(dot, ".c") == 0 && !strchr(dot, '/');
}

/* Does ld's argument `val` (a -Wl, comma list when `list`, else one
 * -Xlinker word) ask for a relocatable output (-r, -i, --relocatable)? */
static int linker_partial(const char *val, int list)
{
	static const char *const words[] = { "-r", "-i", "--relocatable", "-relocatable" };
	size_t i, n;

	while (val && *val) {
		n = list ? strcspn(val, ",") : strlen(val);
		for (i = 0; i < sizeof words / sizeof words[0]; i++)
			if (strlen(words[i]) == n && !strncmp(val, words[i], n))
				return 1;
		val += n;
		if (*val == ',')
			val++;
	}
	return 0;
}

static void pass(struct invocation *out, const char *why)
{
	if (!out->passthrough) {
		out->passthrough = 1;
		out->why = why;
	}
}

void hpcc_invocation_free(struct invocation *inv)
{
	int i;

	for (i = 0; i < inv->nowned_; i++)
		free(inv->owned_[i]);
	free(inv->owned_);
	free(inv->argv);
	free(inv->src);
	free(inv->input_argi);
	free(inv->input_lang);
	free(inv->parse_argv);
	memset(inv, 0, sizeof *inv);
}

/* -fdiagnostics-color[=always|never|auto], -f[no-]color-diagnostics,
 * -fno-diagnostics-color: HPCC_COLOR_* (the last one given wins). */
static int color_choice(const char *name, const char *val)
{
	if (strstr(name, "-fno-"))
		return HPCC_COLOR_NEVER;
	if (!strcmp(name, "-fdiagnostics-color=") && val) {
		if (!strcmp(val, "never"))
			return HPCC_COLOR_NEVER;
		if (!strcmp(val, "auto"))
			return HPCC_COLOR_AUTO_GIVEN;
	}
	return HPCC_COLOR_ALWAYS;
}

int hpcc_args_process(const struct args *in, struct invocation *out)
{
	struct vec argv = { 0 }, owned = { 0 }, parse = { 0 };
	int i, r, dashdash = 0, seen_E = 0, seen_syntax = 0, seen_S = 0, seen_c = 0;
	const char *lang = NULL;

	memset(out, 0, sizeof *out);
	if (in->argc < 1 || vec_push(&argv, in->argv[0]) < 0)
		goto nomem;
	r = expand(in->argv + 1, in->argc - 1, &argv, &owned, 0);
	out->owned_ = owned.v;
	out->nowned_ = owned.n;
	if (r < 0)
		goto nomem;
	if (r > 0) {
		/* keep what was expanded so far out of the way: analyse the
		 * original command only to say why nothing is done */
		pass(out, "unreadable @response file");
		free(argv.v);
		argv.v = NULL;
		argv.n = argv.cap = 0;
		for (i = 0; i < in->argc; i++)
			if (vec_push(&argv, in->argv[i]) < 0)
				goto nomem;
	}
	out->argv = argv.v;
	out->argc = argv.n;
	out->src = calloc((size_t)argv.n + 1, sizeof *out->src);
	out->input_argi = calloc((size_t)argv.n + 1, sizeof *out->input_argi);
	out->input_lang = calloc((size_t)argv.n + 1, sizeof *out->input_lang);
	if (!out->src || !out->input_argi || !out->input_lang)
		goto nomem;

	for (i = 1; i < argv.n; i++) {
		char *arg = argv.v[i];
		const struct compopt *opt;
		const char *val = NULL;
		int separate = 0;

		if (dashdash || arg[0] != '-' || arg[1] == '\0') {
			out->input_lang[out->ninputs] = lang;
			out->input_argi[out->ninputs++] = i;
			if (strcmp(arg, "-") == 0)
				pass(out, "input from stdin");
			else if (is_c_source(arg, lang)) {
				out->src[out->nsrc].path = arg;
				out->src[out->nsrc].argi = i;
				out->nsrc++;
			}
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			dashdash = 1;
			continue;
		}
		opt = hpcc_compopt_find(arg);
		if (opt && (opt->flags & TAKES_ARG)) {
			if (i + 1 >= argv.n) {
				pass(out, "option without its argument");
				break;
			}
			val = argv.v[++i];
			separate = 1;
		} else if (!opt) {
			opt = hpcc_compopt_prefix(arg);
			if (!opt)
				continue; /* an option hpcc need not know */
			val = arg + strlen(opt->name);
		}

		if (opt->flags & PASS_THROUGH)
			pass(out, "the command does not compile");
		if (opt->flags & TOO_HARD)
			pass(out, "an option hpcc does not handle");
		if (opt->flags & DIAG_COLOR)
			out->diag_color = color_choice(opt->name, val);
		if (opt->flags & LINK_SHARED)
			out->shared = 1;
		if (opt->flags & LINK_STATIC)
			out->static_link = 1;
		if ((opt->flags & LINK_PARTIAL) ||
		    ((opt->flags & LINKER_ARG) && linker_partial(val, opt->name[1] == 'W')))
			out->partial_link = 1;
		if (opt->flags & OUTPUT_MODE) {
			switch (opt->name[1]) {
			case 'E':
			case 'M':
				seen_E = 1;
				break;
			case 'f':
				seen_syntax = 1;
				break;
			case 'S':
				seen_S = 1;
				break;
			default:
				seen_c = 1;
				break;
			}
		}
		if (opt->flags & DEP_OPT) {
			if (!strcmp(opt->name, "-MD") || !strcmp(opt->name, "-MMD"))
				out->dep = 1;
			else if (!strcmp(opt->name, "-MF"))
				out->dep_file = val;
			else if (!strcmp(opt->name, "-MT") || !strcmp(opt->name, "-MQ"))
				out->dep_target = 1;
		}
		if (!strcmp(opt->name, "-o"))
			out->output = val;
		else if (!strcmp(opt->name, "-x"))
			lang = strcmp(val, "none") ? val : NULL;
		if (opt->flags & AFFECTS_PARSE) {
			if (vec_push(&parse, arg) < 0 ||
			    (separate && vec_push(&parse, argv.v[i]) < 0))
				goto nomem;
		}
	}

	if (seen_E)
		out->mode = MODE_PREPROCESS;
	else if (seen_syntax)
		out->mode = MODE_SYNTAX;
	else if (seen_S)
		out->mode = MODE_ASSEMBLY;
	else if (seen_c)
		out->mode = MODE_COMPILE;
	else
		out->mode = MODE_LINK;
	out->links = out->mode == MODE_LINK && out->ninputs > 0 && !out->passthrough;

	if (out->mode == MODE_PREPROCESS)
		pass(out, "preprocessing only");
	else if (out->mode == MODE_SYNTAX)
		pass(out, "syntax check only");
	else if (out->ninputs == 0)
		pass(out, "no input files");
	else if (out->output && out->mode != MODE_LINK && out->ninputs > 1)
		pass(out, "-o with several inputs"); /* the compiler rejects it */
	else if (out->nsrc == 0 && !out->links)
		pass(out, "no C source");

	out->parse_argv = parse.v;
	out->parse_argc = parse.n;
	if (!out->parse_argv) {
		out->parse_argv = calloc(1, sizeof *out->parse_argv);
		if (!out->parse_argv)
			goto nomem_parse_done;
	}
	return 0;

nomem:
	free(parse.v);
	if (!out->argv)
		free(argv.v);
nomem_parse_done:
	hpcc_invocation_free(out);
	errno = ENOMEM;
	return -1;
}

int hpcc_parse_count(const char *text, unsigned long max, unsigned long *out)
{
	uint64_t v;
	int err = hp_fmt_parse_number(text, 0, max, &v);

	if (!err)
		*out = (unsigned long)v;
	return err;
}

unsigned long hpcc_env_count(const char *name, unsigned long max,
			     unsigned long def, const char *unit)
{
	const char *v = getenv(name);
	unsigned long n;
	char shown[64 * 4 + 4];
	size_t i, k = 0;

	if (!v)
		return def;
	if (hpcc_parse_count(v, max, &n) == 0)
		return n;
	/* the value as one line: a warning must not be split or forged */
	for (i = 0; v[i] && i < 64; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c == 0x7f)
			k += (size_t)snprintf(shown + k, sizeof shown - k,
					      "\\x%02x", c);
		else
			shown[k++] = (char)c;
	}
	if (v[i])
		k += (size_t)snprintf(shown + k, sizeof shown - k, "...");
	shown[k] = '\0';
	hpcc_diag_warning("%s='%s' is not a whole number%s%s from 0 to %lu; "
			  "using %lu", name, shown, unit ? " of " : "",
			  unit ? unit : "", max, def);
	return def;
}

static int env_true(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0") != 0;
}

static int set_instrument(struct hpcc_opts *o, const char *val, const char *from)
{
	if (!strcmp(val, "annotated"))
		o->instrument_all = 0;
	else if (!strcmp(val, "all"))
		o->instrument_all = 1;
	else {
		hpcc_diag_error("%s: expected 'annotated' or 'all', got '%s'",
			from, val);
		return -1;
	}
	return 0;
}

/* Appends one glob, or each non-empty item of a comma list, to *v. */
static int add_globs(const char ***v, int *n, const char *text, int comma_list)
{
	const char *p = text;

	while (*p) {
		size_t len = comma_list ? strcspn(p, ",") : strlen(p);
		const char **nv;
		char *g;

		if (len) {
			nv = realloc(*v, ((size_t)*n + 1) * sizeof *nv);
			g = strndup(p, len);
			if (!nv || !g) {
				free(g);
				if (nv)
					*v = nv;
				hpcc_diag_error("out of memory");
				return -1;
			}
			*v = nv;
			(*v)[(*n)++] = g;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

void hpcc_opts_free(struct hpcc_opts *o)
{
	int i;

	for (i = 0; i < o->nexclude; i++)
		free((char *)o->exclude[i]);
	for (i = 0; i < o->nexclude_file; i++)
		free((char *)o->exclude_file[i]);
	free(o->exclude);
	free(o->exclude_file);
	free(o->report_define);
	memset(o, 0, sizeof *o);
}

/* --report=FORMAT[:PATH]: FORMAT a list of HOTPATH_FORMAT's names, PATH
 * anything printable (the runtime expands %p).  The value travels as a C
 * string literal in a -D define (an argv word: no shell quoting), so '"'
 * and '\\' are escaped.  0, or -1 after saying why. */
static int set_report(struct hpcc_opts *o, const char *val, const char *from)
{
	static const char *const names[] = { "table", "json", "json-pretty",
		"folded", "trace", "html", "metrics", "none" };
	static const char pre[] = "-DHOTPATH_REPORT_DEFAULT=\"";
	size_t flen = strcspn(val, ":"), i, n = 0, k;
	const char *p = val;
	char *d;

	while (p < val + flen) {
		size_t len = strcspn(p, ",:");

		for (k = 0; k < sizeof names / sizeof names[0] &&
		     !(strlen(names[k]) == len && !strncmp(p, names[k], len)); k++)
			;
		if (k == sizeof names / sizeof names[0]) {
			hpcc_diag_error("%s: unknown report format '%.*s' in '%s' "
				"(table, json, json-pretty, folded, trace, html, metrics, none)",
				from, (int)len, p, val);
			return -1;
		}
		p += len + (p[len] == ',');
	}
	for (i = 0; val[i]; i++)
		if ((unsigned char)val[i] < 0x20 || val[i] == 0x7f) {
			hpcc_diag_error("%s: control character in '%s'", from, val);
			return -1;
		}
	if (!flen) {
		hpcc_diag_error("%s: no format in '%s' (FORMAT[:PATH], e.g. json:DIR/%%p.json)",
				from, val);
		return -1;
	}
	d = malloc(sizeof pre + 2 * strlen(val) + 2);
	if (!d)
		return -1;
	memcpy(d, pre, sizeof pre - 1);
	n = sizeof pre - 1;
	for (i = 0; val[i]; i++) {
		if (val[i] == '"' || val[i] == '\\')
			d[n++] = '\\';
		d[n++] = val[i];
	}
	d[n++] = '"';
	d[n] = '\0';
	free(o->report_define);
	o->report_define = d;
	return 0;
}

/* `hpcc hpcc gcc` is `hpcc gcc`: CC="hpcc gcc" under a build that also
 * puts hpcc in front (CMake's launchers, hotpath_instrument()) gives it.
 * By name, not by inode: another copy of hpcc in PATH would otherwise be
 * run as the compiler and rewrite the rewritten source again. */
static int is_hpcc(const char *word)
{
	const char *base = strrchr(word, '/');

	return strcmp(base ? base + 1 : word, "hpcc") == 0;
}

static enum opts_result parse_opts(int argc, char **argv, struct hpcc_opts *o,
				   int *compiler_at)
{
	const char *env = getenv("HPCC_INSTRUMENT");
	const char *ex = getenv("HPCC_EXCLUDE"), *exf = getenv("HPCC_EXCLUDE_FILE");
	const char *rep = getenv("HPCC_REPORT");
	int i;

	memset(o, 0, sizeof *o);
	o->strict = env_true("HPCC_STRICT");
	o->keep = env_true("HPCC_KEEP");
	o->verbose = env_true("HPCC_DEBUG");
	o->alloc = env_true("HPCC_ALLOC");
	if (env && *env && set_instrument(o, env, "HPCC_INSTRUMENT") < 0)
		return OPTS_ERROR;
	if (rep && *rep && set_report(o, rep, "HPCC_REPORT") < 0)
		return OPTS_ERROR;
	if ((ex && add_globs(&o->exclude, &o->nexclude, ex, 1) < 0) ||
	    (exf && add_globs(&o->exclude_file, &o->nexclude_file, exf, 1) < 0))
		return OPTS_ERROR;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-') {
			if (!is_hpcc(a))
				break;
			continue; /* its options follow it: read on */
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return OPTS_HELP;
		if (!strcmp(a, "--version"))
			return OPTS_VERSION;
		if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
			o->verbose = 1;
		else if (!strcmp(a, "--strict"))
			o->strict = 1;
		else if (!strcmp(a, "--keep"))
			o->keep = 1;
		else if (!strcmp(a, "--alloc"))
			o->alloc = 1;
		else if (!strncmp(a, "--exclude=", 10)) {
			if (add_globs(&o->exclude, &o->nexclude, a + 10, 0) < 0)
				return OPTS_ERROR;
		} else if (!strncmp(a, "--exclude-file=", 15)) {
			if (add_globs(&o->exclude_file, &o->nexclude_file, a + 15, 0) < 0)
				return OPTS_ERROR;
		} else if (!strncmp(a, "--report=", 9)) {
			if (set_report(o, a + 9, "--report") < 0)
				return OPTS_ERROR;
		} else if (!strncmp(a, "--instrument=", 13)) {
			if (set_instrument(o, a + 13, "--instrument") < 0)
				return OPTS_ERROR;
		} else if (!strcmp(a, "--")) {
			i++;
			break;
		} else {
			hpcc_diag_error("unknown option '%s' (the compiler comes "
				"before its options: hpcc [hpcc options] COMPILER [args...])", a);
			return OPTS_ERROR;
		}
	}
	if (i >= argc) {
		hpcc_diag_error("no compiler given\n"
			"usage: hpcc [hpcc options] COMPILER [compiler args...]");
		return OPTS_ERROR;
	}
	*compiler_at = i;
	return OPTS_RUN;
}

enum opts_result hpcc_opts_parse(int argc, char **argv, struct hpcc_opts *o,
				 int *compiler_at)
{
	enum opts_result r = parse_opts(argc, argv, o, compiler_at);

	if (r != OPTS_RUN) /* nothing of it is used */
		hpcc_opts_free(o);
	return r;
}
