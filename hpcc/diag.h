/* diag.h - hpcc's own messages on stderr.
 *
 *     hpcc: error: <text>
 *     hpcc: warning: <text>
 *
 * The same words gcc and clang print for the driver's messages, so editors
 * and CI parse them alike.  Coloured as gcc colours them (bold "hpcc:",
 * bold magenta "warning:", bold red "error:") only when stderr is a
 * terminal and NO_COLOR is unset or empty (https://no-color.org); plain
 * text everywhere else.
 */
#ifndef HPCC_DIAG_H
#define HPCC_DIAG_H

/* 1 when stderr is a terminal and NO_COLOR is unset or empty.  Also what
 * decides whether the compiler is asked for coloured diagnostics. */
int hpcc_diag_color(void);

void hpcc_diag_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hpcc_diag_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "hpcc: error: out of memory", the temp dir removed, exit(1): the one
 * fatal error (a compile that cannot even be planned). */
void hpcc_diag_nomem(void) __attribute__((noreturn));

#endif
