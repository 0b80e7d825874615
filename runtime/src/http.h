/* http.h - HOTPATH_HTTP: the live profile over HTTP while the program runs
 * (issue 11, items 1 to 3).
 *
 *   /report.json  a snapshot now, in the exit report's JSON schema
 *   /metrics      the "metrics" format (Prometheus text), the same way;
 *                 404 in a runtime without that format
 *   /             a self-contained page that polls /report.json
 *   other paths 404; methods other than GET and HEAD 405.
 *
 * The server is libmicrohttpd, loaded with dlopen("libmicrohttpd.so.12")
 * only when HOTPATH_HTTP is set: the runtime links nothing more, and a
 * program that does not ask maps nothing more.  http.c has the design.
 *
 * The session (session.c) starts it once, after its worker, and stops it
 * first thing in its report, before taking the worker's lock: a request
 * under way finishes its snapshot (which returns ESRCH once the report has
 * begun) and the server thread is joined.  It sits below the session: the
 * snapshot comes in as a function, so http.c never calls session.c.
 */
#ifndef HP_HTTP_H
#define HP_HTTP_H

struct hp_settings;
struct hp_str;

/* Says set->http_note, if any, and with set->http.on loads the library,
 * listens and starts the server thread; each failure is one line on
 * stderr ("[hotpath] HOTPATH_HTTP: ..."), and the program goes on without
 * a server.  Unless HOTPATH_QUIET, says "[hotpath] serving
 * http://ADDR:PORT/".  snap renders a snapshot of one format (an HP_OUT_*
 * bit) into out: 0, or an errno (ESRCH once the report is out).  errno
 * is kept. */
void hp_http_start(const struct hp_settings *set,
		   int (*snap)(unsigned int format, struct hp_str *out));
/* Stops the server and joins its thread (open connections are closed);
 * a no-op when none runs, or on the server's own thread. */
void hp_http_stop(void);
/* In a fork child: the server thread is the parent's; forgets it and
 * closes the child's copy of the listening socket.  Async-signal-safe. */
void hp_http_forget(void);
/* Threads of ours the server runs now: 0 or 1. */
int hp_http_threads(void);
/* The port listened on, 0 when no server runs (bench/snapshot). */
unsigned int hp_http_port(void);

#endif
