/* httpget.h - a small HTTP/1.1 GET client for `hpcc top`: plain sockets,
 * one request per connection, no TLS, no redirects, no libcurl.
 *
 *     struct http_url u;
 *     char err[256];
 *     if (hpcc_http_parse_url("127.0.0.1:6770", &u, err, sizeof err) == 0)
 *             body = hpcc_http_get(&u, 2000, 64 << 20, NULL, &len, err, sizeof err);
 *
 * The response parser is a pure function on the bytes received so far
 * (hpcc_http_parse), so the unit tests drive it without a socket too.
 */
#ifndef HPCC_HTTPGET_H
#define HPCC_HTTPGET_H

#include <signal.h>
#include <stddef.h>

#define HTTP_HEADER_MAX (64 * 1024) /* status line and headers */

struct http_url {
	char host[256]; /* without the brackets of an IPv6 literal */
	char port[8];
	char path[1024]; /* starts with '/' */
};

/* "HOST:PORT", "[V6]:PORT", "http://HOST[:PORT][/PATH]": 0, or -1 with a
 * reason in err.  A path that is empty or ends with '/' gets
 * "report.json" appended; HOST:PORT means http://HOST:PORT/report.json;
 * the port of a URL without one is 80. */
int hpcc_http_parse_url(const char *text, struct http_url *out, char *err, size_t errlen);

/* The URL back as text ("http://127.0.0.1:6770/report.json"). */
void hpcc_http_url_text(const struct http_url *u, char *out, size_t n);

struct http_response {
	int status;         /* 200, 404, ... */
	char reason[64];    /* "Not Found" (cut short), or "" */
	char *body;         /* malloc'd, NUL after the last byte */
	size_t len;
};

#define HTTP_DONE 0
#define HTTP_MORE 1     /* a complete response needs more bytes */
#define HTTP_BAD (-1)   /* err says why */

/* Parses a response from the bytes received so far (`eof`: the peer has
 * closed, so a body without a length ends here).  A body of Content-Length
 * bytes, a chunked one (Transfer-Encoding: chunked) or one delimited by
 * the close; a body larger than max bytes is an error.  HTTP_DONE fills
 * out (free out->body); HTTP_BAD writes err; HTTP_MORE touches neither. */
int hpcc_http_parse(const char *buf, size_t n, int eof, size_t max,
		    struct http_response *out, char *err, size_t errlen);

/* GET u->path from u->host:u->port within timeout_ms in all (connect,
 * send, receive).  The body of a 200 response (malloc'd, NUL-terminated,
 * *len bytes), or NULL with err set: the connection refused, a timeout,
 * a status other than 200, a malformed or oversized response.  When
 * `cancel` is not NULL and becomes non-zero (a signal handler's flag),
 * the wait ends early with "interrupted". */
char *hpcc_http_get(const struct http_url *u, int timeout_ms, size_t max,
		    const volatile sig_atomic_t *cancel, size_t *len, char *err, size_t errlen);

#endif
