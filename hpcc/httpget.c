/* httpget.c - a small HTTP/1.1 GET client (see httpget.h).
 *
 * DESIGN.  One request per connection, "Connection: close": the client
 * never has to find where a response ends to reuse the socket, only where
 * its body ends (Content-Length, the last chunk of a chunked body, or the
 * close).  Every wait is a poll() against one deadline for the whole
 * exchange, so a server that accepts and then says nothing, or dribbles a
 * byte a second, costs at most the timeout.  Sizes are capped twice: the
 * headers at HTTP_HEADER_MAX, the body at the caller's max (checked
 * against Content-Length before anything is read, and against the bytes
 * received for the other two forms).
 *
 * The parser re-reads the received bytes from the start each time (it
 * keeps no state between calls): responses are a few MiB at most and
 * arrive in large reads, and a stateless parser is one the tests can feed
 * any split of the same bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "httpget.h"

static void say(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A decimal port 1..65535 spanning [s, e). */
static int copy_port(const char *s, const char *e, char *out, size_t n)
{
	unsigned long v = 0;
	const char *p;

	if (s == e || e - s > 5)
		return -1;
	for (p = s; p < e; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	snprintf(out, n, "%lu", v);
	return 0;
}

/* "host", "host:port", "[v6]", "[v6]:port" spanning [s, e). */
static int parse_authority(const char *s, const char *e, int need_port, struct http_url *out,
			   char *err, size_t errlen)
{
	const char *host = s, *host_end, *colon = NULL, *p;
	size_t hn;

	if (memchr(s, '@', (size_t)(e - s))) {
		say(err, errlen, "user names in URLs are not supported");
		return -1;
	}
	if (*s == '[') {
		host = s + 1;
		host_end = memchr(host, ']', (size_t)(e - host));
		if (!host_end) {
			say(err, errlen, "'[' without ']' in the host");
			return -1;
		}
		if (host_end + 1 < e && host_end[1] != ':') {
			say(err, errlen, "text after ']' that is not ':PORT'");
			return -1;
		}
		colon = host_end + 1 < e ? host_end + 1 : NULL;
	} else {
		for (p = s; p < e; p++)
			if (*p == ':') {
				if (colon) {
					say(err, errlen, "an IPv6 address goes in brackets: [::1]:PORT");
					return -1;
				}
				colon = p;
			}
		host_end = colon ? colon : e;
	}
	hn = (size_t)(host_end - host);
	if (hn == 0 && colon == s) { /* ":PORT": this machine */
		host = "127.0.0.1";
		hn = strlen(host);
	}
	if (hn == 0 || hn >= sizeof out->host) {
		say(err, errlen, hn ? "the host name is too long" : "no host");
		return -1;
	}
	memcpy(out->host, host, hn);
	out->host[hn] = '\0';
	if (colon) {
		if (copy_port(colon + 1, e, out->port, sizeof out->port)) {
			say(err, errlen, "'%.*s' is not a port (1 to 65535)", (int)(e - colon - 1),
			    colon + 1);
			return -1;
		}
	} else if (need_port) {
		say(err, errlen, "no port (HOST:PORT)");
		return -1;
	} else {
		strcpy(out->port, "80");
	}
	return 0;
}

int hpcc_http_parse_url(const char *text, struct http_url *out, char *err, size_t errlen)
{
	const char *rest, *slash, *scheme_end = strstr(text, "://");
	size_t pn;

	memset(out, 0, sizeof *out);
	if (scheme_end && strncasecmp(text, "http://", 7) != 0) {
		say(err, errlen, "only http:// URLs are supported");
		return -1;
	}
	if (!scheme_end) {
		size_t n = strlen(text);

		/* "6770": a port on this machine */
		if (n && strspn(text, "0123456789") == n) {
			strcpy(out->host, "127.0.0.1");
			strcpy(out->path, "/report.json");
			if (copy_port(text, text + n, out->port, sizeof out->port) == 0)
				return 0;
			say(err, errlen, "'%s' is not a port (1 to 65535)", text);
			return -1;
		}
		if (strchr(text, '/')) {
			say(err, errlen, "not HOST:PORT or http://HOST:PORT/");
			return -1;
		}
		strcpy(out->path, "/report.json");
		return parse_authority(text, text + n, 1, out, err, errlen);
	}
	rest = text + 7;
	slash = strchr(rest, '/');
	if (!slash)
		slash = rest + strlen(rest);
	if (parse_authority(rest, slash, 0, out, err, errlen))
		return -1;
	pn = strlen(slash);
	if (strchr(slash, '#'))
		pn = (size_t)(strchr(slash, '#') - slash);
	if (pn + sizeof "/report.json" > sizeof out->path) {
		say(err, errlen, "the path is too long");
		return -1;
	}
	if (pn == 0)
		strcpy(out->path, "/");
	else
		memcpy(out->path, slash, pn);
	if (out->path[strlen(out->path) - 1] == '/')
		strcat(out->path, "report.json"); /* the server's page: its report */
	for (rest = out->path; *rest; rest++)
		if ((unsigned char)*rest <= ' ' || *rest == 0x7f) {
			say(err, errlen, "a blank or control character in the path");
			return -1;
		}
	return 0;
}

void hpcc_http_url_text(const struct http_url *u, char *out, size_t n)
{
	int v6 = strchr(u->host, ':') != NULL;

	snprintf(out, n, "http://%s%s%s:%s%s", v6 ? "[" : "", u->host, v6 ? "]" : "", u->port,
		 u->path);
}

/* ---- the response ---- */

/* The end of the header block (just past the blank line), or NULL. */
static const char *headers_end(const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return buf + i + 2;
		if (buf[i + 1] == '\r' && i + 2 < n && buf[i + 2] == '\n')
			return buf + i + 3;
	}
	return NULL;
}

/* The header line starting at p (ending at its '\n', before end): its
 * length without the line end. */
static size_t line_len(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

	return n && p[n - 1] == '\r' ? n - 1 : n;
}

/* The line after the one at p (p's '\n' is before end). */
static const char *next_line(const char *p, const char *end)
{
	return (const char *)memchr(p, '\n', (size_t)(end - p)) + 1;
}

/* A header's value when the line [p, p + n) is "Name: value", else NULL
 * (*vn gets its length, blanks trimmed). */
static const char *header_value(const char *p, size_t n, const char *name, size_t *vn)
{
	size_t k = strlen(name);

	if (n <= k || strncasecmp(p, name, k) != 0 || p[k] != ':')
		return NULL;
	p += k + 1;
	n -= k + 1;
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	*vn = n;
	return p;
}

/* Walks a chunked body in [p, end): HTTP_DONE with *total decoded bytes
 * (copied to out when not NULL), HTTP_MORE, or HTTP_BAD. */
static int dechunk(const char *p, const char *end, size_t max, char *out, size_t *total,
		   char *err, size_t errlen)
{
	size_t got = 0, ln;

	for (;;) {
		uint64_t size = 0;
		const char *q = p;

		/* the size line: hex digits, optional ";extensions", CRLF */
		if (!memchr(p, '\n', (size_t)(end - p)))
			return HTTP_MORE;
		ln = line_len(p, end);
		for (; q < p + ln && *q && strchr("0123456789abcdefABCDEF", *q); q++) {
			if (size >> 60) {
				say(err, errlen, "a chunk size that overflows");
				return HTTP_BAD;
			}
			size = size * 16 + (uint64_t)(*q <= '9' ? *q - '0' : (*q | 0x20) - 'a' + 10);
		}
		if (q == p || (q < p + ln && *q != ';' && *q != ' ' && *q != '\t')) {
			say(err, errlen, "a malformed chunk size line");
			return HTTP_BAD;
		}
		p = (const char *)memchr(p, '\n', (size_t)(end - p)) + 1;
		if (size == 0)
			break;
		if (size > max - got) {
			say(err, errlen, "the body is larger than the limit of %zu bytes", max);
			return HTTP_BAD;
		}
		if ((uint64_t)(end - p) < size)
			return HTTP_MORE;
		if (out)
			memcpy(out + got, p, (size_t)size);
		got += (size_t)size;
		p += size;
		/* the chunk's CRLF */
		if (end - p < 1 || (*p == '\r' && end - p < 2))
			return HTTP_MORE;
		if (*p == '\r')
			p++;
		if (*p != '\n') {
			say(err, errlen, "a chunk longer than its size");
			return HTTP_BAD;
		}
		p++;
	}
	/* trailers, up to the blank line */
	for (;;) {
		if (!memchr(p, '\n', (size_t)(end - p)))
			return HTTP_MORE;
		ln = line_len(p, end);
		p = (const char *)memchr(p, '\n', (size_t)(end - p)) + 1;
		if (ln == 0)
			break;
	}
	*total = got;
	return HTTP_DONE;
}

int hpcc_http_parse(const char *buf, size_t n, int eof, size_t max,
		    struct http_response *out, char *err, size_t errlen)
{
	const char *hend = headers_end(buf, n), *p, *v, *body;
	size_t ln, vn, blen, total;
	uint64_t clen = 0;
	int status, has_len = 0, chunked = 0, r;
	char reason[sizeof out->reason];

	if (!hend) {
		if (n > HTTP_HEADER_MAX) {
			say(err, errlen, "headers larger than %d bytes", HTTP_HEADER_MAX);
			return HTTP_BAD;
		}
		if (!eof)
			return HTTP_MORE;
		say(err, errlen, n ? "the connection closed in the middle of the headers" :
			"the connection closed without a response");
		return HTTP_BAD;
	}
	if ((size_t)(hend - buf) > HTTP_HEADER_MAX) {
		say(err, errlen, "headers larger than %d bytes", HTTP_HEADER_MAX);
		return HTTP_BAD;
	}
	/* "HTTP/1.x SSS reason" */
	if (n < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ' ||
	    buf[9] < '1' || buf[9] > '5' || buf[10] < '0' || buf[10] > '9' ||
	    buf[11] < '0' || buf[11] > '9' || (buf[12] != ' ' && buf[12] != '\r' &&
					       buf[12] != '\n')) {
		say(err, errlen, "not an HTTP response");
		return HTTP_BAD;
	}
	status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	ln = line_len(buf, hend);
	r = ln > 13 ? (int)(ln - 13 < sizeof out->reason ? ln - 13 : sizeof out->reason - 1) : 0;
	memcpy(reason, buf + 13, (size_t)r);
	reason[r] = '\0';
	for (p = reason; *p; p++) /* it goes on a terminal: no escapes */
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			reason[p - reason] = '?';
	for (p = next_line(buf, hend); p < hend; p = next_line(p, hend)) {
		ln = line_len(p, hend);
		if ((v = header_value(p, ln, "Content-Length", &vn))) {
			uint64_t c = 0;
			size_t i;

			for (i = 0; i < vn && v[i] >= '0' && v[i] <= '9' && c < UINT64_MAX / 16; i++)
				c = c * 10 + (uint64_t)(v[i] - '0');
			if (!vn || i != vn || (has_len && c != clen)) {
				say(err, errlen, "a malformed Content-Length");
				return HTTP_BAD;
			}
			clen = c;
			has_len = 1;
		} else if ((v = header_value(p, ln, "Transfer-Encoding", &vn))) {
			if (vn != 7 || strncasecmp(v, "chunked", 7) != 0) {
				say(err, errlen, "Transfer-Encoding '%.*s' is not supported",
				    (int)(vn > 40 ? 40 : vn), v);
				return HTTP_BAD;
			}
			chunked = 1;
		} else if ((v = header_value(p, ln, "Content-Encoding", &vn)) &&
			   !(vn == 8 && !strncasecmp(v, "identity", 8))) {
			say(err, errlen, "Content-Encoding '%.*s' is not supported",
			    (int)(vn > 40 ? 40 : vn), v);
			return HTTP_BAD;
		}
	}
	body = hend;
	blen = (size_t)(buf + n - body);
	if (status != 200) {
		/* what the caller reports is the status; the body is not read */
		out->status = status;
		memcpy(out->reason, reason, sizeof reason);
		out->body = calloc(1, 1);
		out->len = 0;
		if (!out->body) {
			say(err, errlen, "out of memory");
			return HTTP_BAD;
		}
		return HTTP_DONE;
	}
	if (chunked) {
		r = dechunk(body, buf + n, max, NULL, &total, err, errlen);
		if (r == HTTP_MORE && eof) {
			say(err, errlen, "the connection closed in the middle of a chunked body");
			return HTTP_BAD;
		}
		if (r != HTTP_DONE)
			return r;
		if (!(out->body = malloc(total + 1))) {
			say(err, errlen, "out of memory");
			return HTTP_BAD;
		}
		dechunk(body, buf + n, max, out->body, &total, err, errlen);
	} else if (has_len) {
		if (clen > max) {
			say(err, errlen, "the body of %llu bytes is larger than the limit of %zu bytes",
			    (unsigned long long)clen, max);
			return HTTP_BAD;
		}
		if (blen < clen) {
			if (!eof)
				return HTTP_MORE;
			say(err, errlen, "the connection closed after %zu of %llu bytes", blen,
			    (unsigned long long)clen);
			return HTTP_BAD;
		}
		total = (size_t)clen;
	} else {
		if (blen > max) {
			say(err, errlen, "the body is larger than the limit of %zu bytes", max);
			return HTTP_BAD;
		}
		if (!eof)
			return HTTP_MORE;
		total = blen;
	}
	if (!chunked) {
		if (!(out->body = malloc(total + 1))) {
			say(err, errlen, "out of memory");
			return HTTP_BAD;
		}
		memcpy(out->body, body, total);
	}
	out->body[total] = '\0';
	out->len = total;
	out->status = status;
	memcpy(out->reason, reason, sizeof reason);
	return HTTP_DONE;
}

/* ---- the exchange ---- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for `events` on fd until the deadline: 1 ready, 0 timed out,
 * -1 interrupted through cancel (or a poll error, errno set). */
static int wait_fd(int fd, short events, long long deadline, const volatile sig_atomic_t *cancel)
{
	struct pollfd pfd;
	long long left;
	int r;

	for (;;) {
		if (cancel && *cancel) {
			errno = EINTR;
			return -1;
		}
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* A connected socket to one of the host's addresses, or -1 (err set). */
static int connect_to(const struct http_url *u, long long deadline,
		      const volatile sig_atomic_t *cancel, char *err, size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, r, e = 0, timed_out = 0;
	socklen_t el = sizeof e;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	r = getaddrinfo(u->host, u->port, &hints, &res);
	if (r) {
		say(err, errlen, "cannot resolve %s: %s", u->host,
		    r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    ai->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		e = errno;
		if (e == EINPROGRESS) {
			r = wait_fd(fd, POLLOUT, deadline, cancel);
			if (r == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && !e)
				break;
			if (r == 0)
				timed_out = 1;
			else if (r < 0)
				e = errno;
		}
		close(fd);
		fd = -1;
		if (timed_out || (cancel && *cancel))
			break;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		return fd;
	if (cancel && *cancel)
		say(err, errlen, "interrupted");
	else if (timed_out)
		say(err, errlen, "cannot connect to %s port %s: timed out", u->host, u->port);
	else
		say(err, errlen, "cannot connect to %s port %s: %s", u->host, u->port,
		    strerror(e));
	return -1;
}

char *hpcc_http_get(const struct http_url *u, int timeout_ms, size_t max,
		    const volatile sig_atomic_t *cancel, size_t *len, char *err, size_t errlen)
{
	long long deadline = now_ms() + timeout_ms;
	/* chunk framing may add to the body; anything past this is not a
	 * reasonable response to a GET of a report */
	size_t raw_max = max > SIZE_MAX / 4 ? SIZE_MAX / 2 : 2 * max + HTTP_HEADER_MAX;
	struct http_response resp;
	char req[1400], *buf = NULL, *nb;
	size_t n = 0, cap = 0, sent = 0, reqlen;
	ssize_t k;
	int fd, r = HTTP_MORE, w, v6 = strchr(u->host, ':') != NULL;

	fd = connect_to(u, deadline, cancel, err, errlen);
	if (fd < 0)
		return NULL;
	snprintf(req, sizeof req,
		 "GET %s HTTP/1.1\r\nHost: %s%s%s:%s\r\nUser-Agent: hpcc-top\r\n"
		 "Accept: application/json\r\nConnection: close\r\n\r\n",
		 u->path, v6 ? "[" : "", u->host, v6 ? "]" : "", u->port);
	reqlen = strlen(req);
	while (sent < reqlen) {
		k = send(fd, req + sent, reqlen - sent, MSG_NOSIGNAL);
		if (k > 0) {
			sent += (size_t)k;
			continue;
		}
		if (k < 0 && errno != EAGAIN && errno != EINTR) {
			say(err, errlen, "cannot send the request: %s", strerror(errno));
			goto fail;
		}
		if ((w = wait_fd(fd, POLLOUT, deadline, cancel)) <= 0)
			goto waited;
	}
	while (r == HTTP_MORE) {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 131072;
			if (!(nb = realloc(buf, cap))) {
				say(err, errlen, "out of memory");
				goto fail;
			}
			buf = nb;
		}
		k = recv(fd, buf + n, cap - n, 0);
		if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
			if ((w = wait_fd(fd, POLLIN, deadline, cancel)) <= 0)
				goto waited;
			continue;
		}
		if (k < 0) {
			say(err, errlen, "cannot read the response: %s", strerror(errno));
			goto fail;
		}
		n += (size_t)k;
		r = hpcc_http_parse(buf, n, k == 0, max, &resp, err, errlen);
		if (r == HTTP_MORE && n > raw_max) {
			say(err, errlen, "the response is larger than the limit of %zu bytes",
			    raw_max);
			goto fail;
		}
	}
	close(fd);
	free(buf);
	if (r == HTTP_BAD)
		return NULL;
	if (resp.status != 200) {
		say(err, errlen, "the server answered %d%s%s, not 200", resp.status,
		    resp.reason[0] ? " " : "", resp.reason);
		free(resp.body);
		return NULL;
	}
	*len = resp.len;
	return resp.body;
waited:
	if (w == 0)
		say(err, errlen, "no response within %.1f s", timeout_ms / 1000.0);
	else
		say(err, errlen, "%s", errno == EINTR ? "interrupted" : strerror(errno));
fail:
	close(fd);
	free(buf);
	return NULL;
}
