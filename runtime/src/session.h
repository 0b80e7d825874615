/* session.h - the session, as the record path (record.c) calls it.
 *
 * One session per process (session.c has the design): it starts on the
 * first clock read or the first record, loads the settings, starts the
 * worker and ends with the report.  The record path calls down into it on
 * its slow paths only: a thread's first record (hp_session_attach) and
 * main's guard.  The session never calls the record path back; the ring
 * a thread writes is hp_tls_buf (buf.h).
 */
#ifndef HP_SESSION_H
#define HP_SESSION_H

#include <stdint.h>

struct hp_buf;

/* Starts the session if needed and returns a ring for the calling
 * thread, which record.c makes the thread's own: NULL once the report is
 * out, or without memory. */
struct hp_buf *hp_session_attach(void);

/* A fork child's forking thread before its first record: the ring it
 * keeps (hp_tls_buf is NULL until then), else NULL.  Sampling's exits
 * restore the ring's innermost call there (record.c). */
struct hp_buf *hp_session_fork_buf(void);

/* main's guard, before main's call is pushed: the session has started;
 * main's percentiles (the annotation's, unless HOTPATH_PERCENTILES says
 * otherwise) and, with alloc, main's allocation mark are taken. */
void hp_session_main_enter(const char *percentiles, int alloc);
/* ... and after: main's site (its slot) and its start, in ticks. */
void hp_session_main_started(unsigned int slot, uint64_t start);

/* For bench/overhead: the report, now, as at exit.  Not in hotpath.h. */
void hp_session_report_now(void);

#endif
