/* record.h - the writer's side of the record path (record.c) and the two
 * hooks it shares with the session (session.c). */
#ifndef HP_RECORD_H
#define HP_RECORD_H

#include <stdint.h>

struct hp_buf;
struct hp_site;

/* The calling thread's ring; NULL until its first record. */
extern __thread struct hp_buf *hp_tls_buf __attribute__((tls_model("initial-exec")));

/* session.c: starts the session if needed and gives the calling thread its
 * ring (sets hp_tls_buf, or leaves it NULL once the report is out). */
void hp_session_attach(void);

/* main's guard: pushes main's call like any other (it is the outermost
 * frame) and returns its depth; *start gets its start time. */
unsigned long hp_record_enter_main(struct hp_site *site, uint64_t *start);

/* The worker, before any record: 0 while tracing (every call then goes
 * out as ENTER + EXIT, with its start), 1 otherwise (CALL records). */
void hp_record_use_calls(int on);

/* session.c, on the ending thread before its ring is marked dead: its
 * open calls the worker never saw are announced, so that the worker
 * counts them as non-local exits with the others. */
void hp_record_thread_end(struct hp_buf *b);

#endif
