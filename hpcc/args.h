/* args.h - what one compiler command asks for.
 *
 * hpcc_args_process() reads a compiler command (compiler name first) and
 * fills a struct invocation: the mode, the C sources hpcc may instrument and
 * where they sit in argv, the output, the dependency-file flags, and whether
 * hpcc must leave the command alone (`passthrough`, with a reason).  No
 * globals, no I/O except reading @response files.
 *
 * hpcc_opts_parse() reads hpcc's own options, which come before the
 * compiler, and their environment equivalents.
 */
#ifndef HPCC_ARGS_H
#define HPCC_ARGS_H

struct args {
	int argc;
	char **argv; /* argv[0] is the compiler as the user named it */
};

enum cc_mode {
	MODE_LINK,       /* no stop option: compile and link */
	MODE_COMPILE,    /* -c */
	MODE_ASSEMBLY,   /* -S */
	MODE_SYNTAX,     /* -fsyntax-only */
	MODE_PREPROCESS, /* -E, -M, -MM */
};

struct source {
	const char *path; /* as given */
	int argi;         /* its index in invocation.argv */
};

struct invocation {
	/* The command with @response files expanded; argv[argc] == NULL.
	 * The instrumented compile is built from this; the fall-back and
	 * pass-through runs use the original argv. */
	int argc;
	char **argv;

	enum cc_mode mode;
	int passthrough;     /* run the compiler with the original arguments */
	const char *why;     /* ...because (for -v) */
	const char *unsupported; /* the option that made it so, when hpcc
				    cannot handle it (-I-, -Xclang, ...) */

	struct source *src;  /* C sources (by extension or -x c) */
	int nsrc;
	int ninputs;         /* all input files, C sources included */

	const char *output;  /* -o value, or NULL */
	int links;           /* the command runs the linker */
	int shared;          /* -shared */
	int static_link;     /* -static or -static-pie: the static runtime */
	int partial_link;    /* -r: no runtime at all */
	int *input_argi;     /* argv indices of the ninputs input files */
	const char **input_lang; /* the -x language in effect for each, or NULL */
	int dep;             /* -MD or -MMD */
	const char *dep_file;/* -MF value, or NULL */
	int dep_target;      /* -MT or -MQ given */
	int diag_color;      /* the user chose diagnostics colours: 0, or
				HPCC_COLOR_ALWAYS/NEVER/AUTO_GIVEN (diag.h) */

	/* options libclang must see to parse like the compiler, in order */
	int parse_argc;
	char **parse_argv;

	/* private: storage of expanded @response files */
	char **owned_;
	int nowned_;
};

/* Returns 0, or -1 on allocation failure (out is then freed). */
int hpcc_args_process(const struct args *in, struct invocation *out);
void hpcc_invocation_free(struct invocation *inv);

/* Splits the text of a response file as gcc does (whitespace, '' "",
 * backslash); appends malloc'd words to *v.  Returns 0 or -1 (ENOMEM). */
int hpcc_args_split(const char *text, char ***v, int *n);

struct hpcc_opts {
	int instrument_all; /* --instrument=all / HPCC_INSTRUMENT=all */
	int strict;         /* --strict / HPCC_STRICT=1 */
	int keep;           /* --keep / HPCC_KEEP=1 */
	int verbose;        /* -v, --verbose / HPCC_DEBUG=1 */
	int alloc;          /* --alloc / HPCC_ALLOC=1: allocation tracking */
	/* --report=FORMAT[:PATH] / HPCC_REPORT: the program's built-in report
	 * default, as the define that carries it into hotpath.h
	 * (-DHOTPATH_REPORT_DEFAULT="..."); malloc'd, or NULL */
	char *report_define;
	/* --instrument=all filters: fnmatch globs on function names
	 * (--exclude=GLOB, HPCC_EXCLUDE=a,b) and on source paths or file
	 * names (--exclude-file=GLOB, HPCC_EXCLUDE_FILE=a,b); malloc'd,
	 * freed by hpcc_opts_free */
	const char **exclude;
	int nexclude;
	const char **exclude_file;
	int nexclude_file;
};

/* hpcc's one reader of numbers from the environment (HPCC_DEPTH,
 * HPCC_PARSE_TIMEOUT).  A whole decimal number from 0 to max: digits only,
 * blanks around them allowed; no sign (strtoul reads "-1" as ULONG_MAX),
 * no exponent, no hex.  Each digit is checked against max before it is
 * added, so nothing overflows.  Returns 0 with *out set, EINVAL (not such
 * a number, "" included) or ERANGE (above max); *out is then untouched.
 * The runtime's HOTPATH_* parser underneath (hp_fmt_parse_number, fmt.c),
 * so the two accept exactly the same text. */
int hpcc_parse_count(const char *text, unsigned long max, unsigned long *out);

/* The numeric setting `name`: `def` when unset, its value when
 * hpcc_parse_count() takes it, else `def` and one warning naming the
 * variable, its value (control characters escaped), the range in `unit`s
 * (may be NULL) and the default.  A bad setting never fails the build. */
unsigned long hpcc_env_count(const char *name, unsigned long max,
			     unsigned long def, const char *unit);

enum opts_result { OPTS_RUN, OPTS_HELP, OPTS_VERSION, OPTS_ERROR };

/* Reads hpcc's options from argv[1..] (up to the compiler) and the
 * environment.  A word named hpcc (any directory) before the compiler is
 * skipped, and the options after it are read too: `hpcc hpcc gcc` is
 * `hpcc gcc`.  On OPTS_RUN, *compiler_at is the index of the compiler and
 * *o holds malloc'd globs (hpcc_opts_free); on any other result *o is
 * empty.  On OPTS_ERROR a message was printed. */
enum opts_result hpcc_opts_parse(int argc, char **argv, struct hpcc_opts *o,
				 int *compiler_at);
void hpcc_opts_free(struct hpcc_opts *o);

#endif
