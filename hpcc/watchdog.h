/* watchdog.h - a build must never hang on hpcc's account.
 *
 * libclang 14 loops forever on some malformed input (fuzzing found two
 * such inputs; there may be more).  While the finder runs, a SIGALRM
 * watchdog is armed: when it fires, the handler says so in one line,
 * removes hpcc's temp files and replaces hpcc by the user's own command
 * with execv, so the build goes on as if hpcc were not there.
 *
 * HPCC_PARSE_TIMEOUT sets the seconds (default 120; 0 disables; at most
 * 86400).  Any other value is one warning, on the first parse, and 120.
 */
#ifndef HPCC_WATCHDOG_H
#define HPCC_WATCHDOG_H

/* Remembers what to run if the watchdog fires; call once, before arming.
 * `argv` must stay valid for the life of the process. */
void hpcc_watchdog_setup(const char *exe, char **argv);

/* Arms the watchdog for the parse of `path`; a no-op when disabled. */
void hpcc_watchdog_arm(const char *path);

void hpcc_watchdog_disarm(void);

#endif
