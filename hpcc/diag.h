/* diag.h - hpcc's own messages on stderr.
 *
 *     hpcc: error: <text>
 *     hpcc: warning: <text>
 *     src/x.c:12:5: warning: hotpath: <text>
 *
 * The same words gcc and clang print, so editors and CI parse them alike,
 * and coloured as the compiler colours its own (issue 12, item 9): gcc's
 * escapes and GCC_COLORS (error=, warning=, locus=) for gcc, clang's for
 * clang.  Whether to colour is decided as the compiler decides it:
 * -fdiagnostics-color=always/never (and -f[no-]color-diagnostics) on the
 * command line win; otherwise (auto) colour when stderr is a terminal,
 * TERM is not "dumb", GCC_COLORS is not set to "" and NO_COLOR is unset
 * or empty (https://no-color.org).
 */
#ifndef HPCC_DIAG_H
#define HPCC_DIAG_H

/* The command's colour choice (as struct invocation.diag_color). */
#define HPCC_COLOR_AUTO 0   /* none given, or =auto */
#define HPCC_COLOR_ALWAYS 1
#define HPCC_COLOR_NEVER 2
#define HPCC_COLOR_AUTO_GIVEN 3

/* Once the command is read: its colour choice and the compiler's style. */
void hpcc_diag_setup(int choice, int clang);

/* 1 when messages are coloured. */
int hpcc_diag_color(void);

/* 1 when colour comes from the auto rule (no choice on the command line):
 * what decides whether the compiler is asked for colours. */
int hpcc_diag_color_auto(void);

/* "<locus>: <what>: <text>" (no newline), coloured when hpcc_diag_color();
 * `what` is "error" or "warning".  malloc'd, or NULL. */
char *hpcc_diag_line(const char *locus, const char *what, const char *text);

void hpcc_diag_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hpcc_diag_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* `src/x.c:12:5: warning: <text>` and the error form, on stderr. */
void hpcc_diag_source_warning(const char *locus, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "hpcc: error: out of memory", the temp dir removed, exit(1): the one
 * fatal error (a compile that cannot even be planned). */
void hpcc_diag_nomem(void) __attribute__((noreturn));

#endif
