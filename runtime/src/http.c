/* http.c - HOTPATH_HTTP's server (http.h).
 *
 * DESIGN.  No HTTP parser of ours lives in other people's programs: the
 * server is libmicrohttpd (Debian libmicrohttpd12), opened with dlopen
 * only when HOTPATH_HTTP is set, as hpcc opens libclang, and never
 * closed (its thread may be stopped, its code stays).  microhttpd.h is
 * read at build time for types and constants only; the few entry points
 * are resolved into `http.fn`, typed from the header's own declarations.
 *
 * Threads.  One: libmicrohttpd's internal polling thread
 * (MHD_USE_INTERNAL_POLLING_THREAD), started with every signal blocked,
 * so no signal of the program lands there, and libmicrohttpd keeps
 * SIGPIPE off its own threads' sends (MSG_NOSIGNAL); we install no
 * handler.  Sockets are non-blocking and polled: a client that sends
 * nothing, half a request or a megabyte of headers holds a connection
 * slot, never the thread.  Bounds: HTTP_CONNECTIONS connections at once
 * (HTTP_PER_IP from one address), each idle for at most HTTP_TIMEOUT_S and
 * holding at most HTTP_MEMORY bytes of request (more: libmicrohttpd
 * answers 431 or closes).  Past the limit a connection waits in the
 * kernel's backlog or is closed; the program's own work never notices.
 *
 * Requests.  The handler runs on the server thread: /report.json and
 * /metrics take a snapshot through the session's function (the same path
 * as hotpath_snapshot: the worker's lock for one drain and gather, then
 * rendering unlocked; writers never wait for it) and hand the text to
 * libmicrohttpd, which frees it with hp_free once sent.  / is a constant
 * page.  The record path is untouched: this thread records nothing.
 *
 * The end.  The session's report stops the daemon before anything else
 * (hp_http_stop): libmicrohttpd wakes its thread, closes every
 * connection, idle or half-sent, and we join it; the wait is at most one
 * snapshot in progress.  So the server neither keeps the process alive
 * nor delays its exit.  main's pthread_exit path counts our thread out
 * (hp_http_threads).  A fork child has no server (its thread stayed in
 * the parent): it forgets the daemon and closes its copy of the
 * listening socket, so the parent's port is not held open by the child.
 */
#include "http.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "alloc.h"
#include "atomic.h"
#include "format.h"
#include "report.h"
#include "settings.h"

#define HTTP_SONAME "libmicrohttpd.so.12"
#define HTTP_CONNECTIONS 32u
#define HTTP_PER_IP 16u
#define HTTP_TIMEOUT_S 10u
#define HTTP_MEMORY ((size_t)32 * 1024)
#define HTTP_BACKLOG 64
#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

#define MHD_FUNCTIONS(X)                                       \
	X(MHD_start_daemon)                                    \
	X(MHD_stop_daemon)                                     \
	X(MHD_create_response_from_buffer)                     \
	X(MHD_create_response_from_buffer_with_free_callback) \
	X(MHD_add_response_header)                             \
	X(MHD_queue_response)                                  \
	X(MHD_destroy_response)

static struct http {
	void *lib;
	struct {
#define X(name) __typeof__(name) *name;
		MHD_FUNCTIONS(X)
#undef X
	} fn;
	struct MHD_Daemon *_Atomic daemon;
	_Atomic int listen_fd;    /* ours until the daemon takes it; -1 none */
	_Atomic unsigned int port;
	int (*snap)(unsigned int format, struct hp_str *out);
} http = { .listen_fd = -1 };

/* Set on the server thread by its first request: it cannot join itself. */
static __thread int on_server_thread __attribute__((tls_model("initial-exec")));

/* The page at /: inline CSS and script, nothing fetched but report.json
 * (relative, so a proxy's prefix works).  The look of html.c's report;
 * names go in with textContent, never as markup. */
static const char page[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	"<title>hotpath: live</title>\n<style>\n"
	"body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}\n"
	"table{border-collapse:collapse;margin:1em 0}\n"
	"th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}\n"
	"th:first-child,td:first-child{text-align:left}\n"
	"#status.gone{color:#c0504d}\n"
	"</style></head><body>\n"
	"<h1 id=\"title\">hotpath: live</h1>\n"
	"<p id=\"status\">waiting for the first snapshot</p>\n"
	"<table id=\"summary\"><thead><tr id=\"head\"></tr></thead>"
	"<tbody id=\"rows\"></tbody></table>\n"
	"<script>\n"
	"\"use strict\";\n"
	"// hp_fmt_duration's units and rounding (fmt.c)\n"
	"function dur(ns) {\n"
	"  var u = [[1, \"ns\"], [1e3, \"\\u00b5s\"], [1e6, \"ms\"], [1e9, \"s\"]], i;\n"
	"  if (!(ns > 0)) ns = 0;\n"
	"  for (i = 0; i < 3 && ns / u[i][0] >= 999.995; i++);\n"
	"  return (ns / u[i][0]).toFixed(2) + u[i][1];\n"
	"}\n"
	"function cell(tr, tag, text) {\n"
	"  var c = document.createElement(tag);\n"
	"  c.textContent = text;\n"
	"  tr.appendChild(c);\n"
	"}\n"
	"var polls = 0;\n"
	"function show(r) {\n"
	"  var pcts = r.percentiles || [], head = document.getElementById(\"head\"),\n"
	"      body = document.getElementById(\"rows\"), rows = r.functions.slice(), st;\n"
	"  rows.sort(function (a, b) {\n"
	"    return b.self_ns - a.self_ns || b.total_ns - a.total_ns ||\n"
	"           (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);\n"
	"  });\n"
	"  head.textContent = \"\";\n"
	"  [\"Function\", \"Self\", \"Total\", \"Calls\", \"Avg\"].concat(pcts.map(function (p) {\n"
	"    return \"P\" + p;\n"
	"  })).forEach(function (h) { cell(head, \"th\", h); });\n"
	"  body.textContent = \"\";\n"
	"  rows.forEach(function (f) {\n"
	"    var tr = document.createElement(\"tr\");\n"
	"    cell(tr, \"td\", f.name);\n"
	"    cell(tr, \"td\", dur(f.self_ns));\n"
	"    cell(tr, \"td\", dur(f.total_ns));\n"
	"    cell(tr, \"td\", String(f.calls));\n"
	"    cell(tr, \"td\", dur(f.avg_ns));\n"
	"    pcts.forEach(function (p) {\n"
	"      cell(tr, \"td\", dur((f.percentiles || {})[\"p\" + p]));\n"
	"    });\n"
	"    tr.setAttribute(\"data-calls\", String(f.calls));\n"
	"    body.appendChild(tr);\n"
	"  });\n"
	"  document.title = \"hotpath: \" + r.program + \" (live)\";\n"
	"  document.getElementById(\"title\").textContent = \"hotpath: \" + r.program;\n"
	"  st = document.getElementById(\"status\");\n"
	"  st.className = \"\";\n"
	"  st.textContent = \"Running for \" + dur(r.total_ns) + \", \" + rows.length +\n"
	"    \" functions, updated every second (snapshot \" + (++polls) + \")\" +\n"
	"    (r.lost ? \", \" + r.lost + \" measurements lost\" : \"\");\n"
	"  st.setAttribute(\"data-polls\", String(polls));\n"
	"}\n"
	"function poll() {\n"
	"  fetch(\"report.json\", { cache: \"no-store\" }).then(function (res) {\n"
	"    if (!res.ok) throw new Error(\"HTTP \" + res.status);\n"
	"    return res.json();\n"
	"  }).then(show, function (e) {\n"
	"    var st = document.getElementById(\"status\");\n"
	"    st.className = \"gone\";\n"
	"    st.textContent = \"No snapshot (\" + e.message + \"): the program may have \" +\n"
	"      \"ended; the last figures stay\";\n"
	"  }).then(function () { setTimeout(poll, 1000); });\n"
	"}\n"
	"poll();\n"
	"</script>\n</body></html>\n";

/* One line on stderr, through the report module (the only one that
 * prints). */
static void say(const struct hp_str *msg)
{
	if (msg->len && !msg->failed)
		hp_report_write(NULL, msg->s, msg->len, 0);
}

static int load_library(struct hp_str *msg)
{
	void *h, *sym;
	const char *e;

	if (http.lib)
		return 0;
	h = dlopen(HTTP_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		e = dlerror();
		hp_str_printf(msg, "[hotpath] HOTPATH_HTTP: cannot load " HTTP_SONAME
			      " (%s): no HTTP server (Debian package "
			      "libmicrohttpd12)\n", e ? e : "unknown error");
		return -1;
	}
#define X(name)                                                               \
	sym = dlsym(h, #name);                                                \
	if (!sym) {                                                           \
		hp_str_printf(msg, "[hotpath] HOTPATH_HTTP: " HTTP_SONAME     \
			      " has no " #name " (too old?): no HTTP server\n"); \
		dlclose(h);                                                   \
		return -1;                                                    \
	}                                                                     \
	memcpy(&http.fn.name, &sym, sizeof sym);
	MHD_FUNCTIONS(X)
#undef X
	http.lib = h;
	return 0;
}

/* "127.0.0.1:8080" or "[::1]:8080" */
static void address(struct hp_str *out, const struct hp_http_addr *a,
		    unsigned int port)
{
	char text[INET6_ADDRSTRLEN];

	if (!inet_ntop(a->v6 ? AF_INET6 : AF_INET, a->addr, text, sizeof text))
		strcpy(text, "?");
	hp_str_printf(out, a->v6 ? "[%s]:%u" : "%s:%u", text, port);
}

static void socket_error(struct hp_str *msg, const char *what,
			 const struct hp_http_addr *a, int err)
{
	char buf[128];

	hp_str_printf(msg, "[hotpath] HOTPATH_HTTP: cannot %s ", what);
	address(msg, a, a->port);
	hp_str_printf(msg, ": %s: no HTTP server\n",
		      strerror_r(err, buf, sizeof buf));
}

/* Our own listening socket, so a failure says its errno, and port 0
 * says the port the kernel chose. */
static int listen_on(const struct hp_http_addr *a, struct hp_str *msg)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, err;

	memset(&ss, 0, sizeof ss);
	if (a->v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)a->port);
		memcpy(&s6->sin6_addr, a->addr, 16);
		len = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)a->port);
		memcpy(&s4->sin_addr, a->addr, 4);
		len = sizeof *s4;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		socket_error(msg, "open a socket for", a, errno);
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (a->v6) /* [::]:PORT is IPv6 only, as written */
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    listen(fd, HTTP_BACKLOG) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		err = errno;
		close(fd);
		socket_error(msg, "listen on", a, err);
		return -1;
	}
	hp_atomic_store_release(&http.port, ntohs(ss.ss_family == AF_INET6 ?
		((struct sockaddr_in6 *)&ss)->sin6_port :
		((struct sockaddr_in *)&ss)->sin_port));
	hp_atomic_store_release(&http.listen_fd, fd);
	return 0;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status,
			     const char *type, struct MHD_Response *res)
{
	enum MHD_Result ok;

	if (!res)
		return MHD_NO; /* no memory: libmicrohttpd closes the connection */
	http.fn.MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	http.fn.MHD_add_response_header(res, MHD_HTTP_HEADER_CACHE_CONTROL,
					 "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		http.fn.MHD_add_response_header(res, MHD_HTTP_HEADER_ALLOW,
						 "GET, HEAD");
	ok = http.fn.MHD_queue_response(c, status, res);
	http.fn.MHD_destroy_response(res);
	return ok;
}

static enum MHD_Result reply_text(struct MHD_Connection *c,
				  unsigned int status, const char *type,
				  const char *text)
{
	return reply(c, status, type, http.fn.MHD_create_response_from_buffer(
		strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT));
}

/* The metrics engineer's format (issue 11, item 1): its HP_OUT_* bit
 * once HOTPATH_FORMAT knows "metrics", 0 before that (404). */
static unsigned int metrics_format(void)
{
	return hp_settings_format_bit("metrics");
}

/* A snapshot of one format as the response; libmicrohttpd frees the
 * text with hp_free once it is sent. */
static enum MHD_Result reply_snapshot(struct MHD_Connection *c,
				      unsigned int format, const char *type)
{
	struct hp_str text = { 0 };
	struct MHD_Response *res;
	int err = http.snap(format, &text);

	if (!err && (text.failed || !text.s))
		err = ENOMEM;
	if (err) {
		hp_str_free(&text);
		if (err == ESRCH)
			return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					  "text/plain", "the program's report is "
					  "out: no more snapshots\n");
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "text/plain", "no snapshot: out of memory\n");
	}
	res = http.fn.MHD_create_response_from_buffer_with_free_callback(
		text.len, text.s, hp_free);
	if (!res)
		hp_free(text.s);
	return reply(c, MHD_HTTP_OK, type, res);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_size, void **con_cls)
{
	unsigned int metrics;

	(void)cls, (void)version, (void)upload_data, (void)upload_size,
	(void)con_cls;
	on_server_thread = 1;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
				  "only GET and HEAD\n");
	if (strcmp(url, "/") == 0)
		return reply_text(c, MHD_HTTP_OK, "text/html; charset=utf-8", page);
	if (strcmp(url, "/report.json") == 0)
		return reply_snapshot(c, HP_OUT_JSON, "application/json");
	if (strcmp(url, "/metrics") == 0 && (metrics = metrics_format()))
		return reply_snapshot(c, metrics, METRICS_TYPE);
	return reply_text(c, MHD_HTTP_NOT_FOUND, "text/plain",
			  "not found: /, /report.json and /metrics are served\n");
}

static int start_daemon(const struct hp_http_addr *a, struct hp_str *msg)
{
	struct MHD_Daemon *d;
	sigset_t all, old;
	int fd = hp_atomic_load_acquire(&http.listen_fd);

	/* the server thread inherits the mask: no signal of the program's
	 * is ever delivered there */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	d = http.fn.MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
		(a->v6 ? MHD_USE_IPv6 : 0),
		0, NULL, NULL, handle, NULL,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
		MHD_OPTION_CONNECTION_LIMIT, HTTP_CONNECTIONS,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, HTTP_PER_IP,
		MHD_OPTION_CONNECTION_TIMEOUT, HTTP_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_MEMORY,
		MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!d) {
		hp_str_printf(msg, "[hotpath] HOTPATH_HTTP: libmicrohttpd could "
			      "not start on ");
		address(msg, a, hp_atomic_load_acquire(&http.port));
		hp_str_printf(msg, ": no HTTP server\n");
		hp_atomic_store_release(&http.listen_fd, -1);
		hp_atomic_store_release(&http.port, 0);
		close(fd);
		return -1;
	}
	hp_atomic_store_release(&http.daemon, d);
	return 0;
}

void hp_http_start(const struct hp_settings *set,
		   int (*snap)(unsigned int format, struct hp_str *out))
{
	struct hp_str msg = { 0 };
	int saved = errno;

	if (set->http_note)
		hp_str_append(&msg, set->http_note, strlen(set->http_note));
	if (set->http.on && !hp_atomic_load_acquire(&http.daemon)) {
		http.snap = snap;
		if (load_library(&msg) == 0 && listen_on(&set->http, &msg) == 0 &&
		    start_daemon(&set->http, &msg) == 0 && !set->quiet) {
			hp_str_printf(&msg, "[hotpath] serving http://");
			address(&msg, &set->http, hp_atomic_load_acquire(&http.port));
			hp_str_printf(&msg, "/\n");
		}
	}
	say(&msg);
	hp_str_free(&msg);
	errno = saved;
}

void hp_http_stop(void)
{
	struct MHD_Daemon *d;
	int saved = errno;

	if (on_server_thread)
		return;
	d = hp_atomic_exchange(&http.daemon, NULL);
	if (!d)
		return;
	http.fn.MHD_stop_daemon(d); /* closes the listening socket too */
	hp_atomic_store_release(&http.listen_fd, -1);
	hp_atomic_store_release(&http.port, 0);
	errno = saved;
}

void hp_http_forget(void)
{
	int fd = hp_atomic_exchange(&http.listen_fd, -1);

	hp_atomic_store_release(&http.daemon, NULL);
	hp_atomic_store_release(&http.port, 0);
	if (fd >= 0)
		close(fd);
}

int hp_http_threads(void)
{
	return hp_atomic_load_acquire(&http.daemon) != NULL;
}

unsigned int hp_http_port(void)
{
	return hp_atomic_load_acquire(&http.port);
}
