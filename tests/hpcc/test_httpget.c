/* test_httpget.c - hpcc top's HTTP client (hpcc/httpget.c): URL forms,
 * the response parser on every split of the same bytes, and real
 * exchanges with a server on a local socket (a forked child that reads
 * the request, then writes canned bytes in pieces and closes, or holds
 * the connection silent). */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "httpget.h"
#include "test.h"

#define MAX (1 << 20)

/* ---- URLs ---- */

static void test_urls(void)
{
	struct http_url u;
	char err[256], text[1200];

	CHECK_INT(0, hpcc_http_parse_url("127.0.0.1:6770", &u, err, sizeof err));
	CHECK_STR("127.0.0.1", u.host);
	CHECK_STR("6770", u.port);
	CHECK_STR("/report.json", u.path);
	CHECK_INT(0, hpcc_http_parse_url("http://localhost:8080/", &u, err, sizeof err));
	CHECK_STR("localhost", u.host);
	CHECK_STR("8080", u.port);
	CHECK_STR("/report.json", u.path);
	CHECK_INT(0, hpcc_http_parse_url("http://h", &u, err, sizeof err));
	CHECK_STR("80", u.port);
	CHECK_STR("/report.json", u.path);
	CHECK_INT(0, hpcc_http_parse_url("http://h:1/app/x.json#frag", &u, err, sizeof err));
	CHECK_STR("/app/x.json", u.path);
	CHECK_INT(0, hpcc_http_parse_url("http://h:1/app/", &u, err, sizeof err));
	CHECK_STR("/app/report.json", u.path);
	CHECK_INT(0, hpcc_http_parse_url("[::1]:6770", &u, err, sizeof err));
	CHECK_STR("::1", u.host);
	hpcc_http_url_text(&u, text, sizeof text);
	CHECK_STR("http://[::1]:6770/report.json", text);
	CHECK_INT(0, hpcc_http_parse_url("6770", &u, err, sizeof err));
	CHECK_STR("127.0.0.1", u.host);
	CHECK_INT(0, hpcc_http_parse_url(":6771", &u, err, sizeof err));
	CHECK_STR("127.0.0.1", u.host);
	CHECK_STR("6771", u.port);

	CHECK_INT(-1, hpcc_http_parse_url("https://h:1/", &u, err, sizeof err));
	CHECK_CONTAINS(err, "only http://");
	CHECK_INT(-1, hpcc_http_parse_url("h:99999", &u, err, sizeof err));
	CHECK_CONTAINS(err, "not a port");
	CHECK_INT(-1, hpcc_http_parse_url("h:0", &u, err, sizeof err));
	CHECK_INT(-1, hpcc_http_parse_url("h", &u, err, sizeof err));
	CHECK_CONTAINS(err, "no port");
	CHECK_INT(-1, hpcc_http_parse_url("::1:80", &u, err, sizeof err));
	CHECK_CONTAINS(err, "brackets");
	CHECK_INT(-1, hpcc_http_parse_url("http://u@h:1/", &u, err, sizeof err));
	CHECK_INT(-1, hpcc_http_parse_url("http://h:1/a b", &u, err, sizeof err));
	CHECK_INT(0, hpcc_http_parse_url("http://:1/", &u, err, sizeof err));
	CHECK_STR("127.0.0.1", u.host);
}

/* ---- the parser ---- */

/* Parses every prefix of text (not at EOF) and then all of it at EOF
 * (eof_at_end) or not: each prefix short of `done_at` bytes must ask for
 * more, the whole must give `body`.  0 on success. */
static int parse_all_splits(const char *text, size_t done_at, int eof_at_end, const char *body)
{
	struct http_response r;
	char err[256];
	size_t n = strlen(text), k;
	int got;

	for (k = 0; k < done_at; k++) {
		got = hpcc_http_parse(text, k, 0, MAX, &r, err, sizeof err);
		if (got != HTTP_MORE) {
			fprintf(stderr, "prefix of %zu bytes: %d (%s)\n", k, got, err);
			return -1;
		}
	}
	got = hpcc_http_parse(text, n, eof_at_end, MAX, &r, err, sizeof err);
	if (got != HTTP_DONE) {
		fprintf(stderr, "whole: %d (%s)\n", got, err);
		return -1;
	}
	got = r.status != 200 || r.len != strlen(body) || strcmp(r.body, body);
	if (got)
		fprintf(stderr, "status %d body '%s'\n", r.status, r.body);
	free(r.body);
	return got ? -1 : 0;
}

static void test_parse_content_length(void)
{
	const char *t = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			"content-length:  7 \r\n\r\n{\"a\":1}";

	CHECK_INT(0, parse_all_splits(t, strlen(t), 0, "{\"a\":1}"));
	/* bytes past the length are not the body's */
	CHECK_INT(0, parse_all_splits("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nabcd", 40, 0,
				      "ab"));
	/* bare LF line ends */
	CHECK_INT(0, parse_all_splits("HTTP/1.1 200 OK\nContent-Length: 3\n\nxyz", 38, 0, "xyz"));
}

static void test_parse_chunked(void)
{
	const char *t = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			"4\r\n{\"a\"\r\n"
			"A;ext=1\r\n:12345678}\r\n"
			"0\r\nX-Trailer: yes\r\n\r\n";

	CHECK_INT(0, parse_all_splits(t, strlen(t), 0, "{\"a\":12345678}"));
	t = "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n";
	CHECK_INT(0, parse_all_splits(t, strlen(t), 0, ""));
}

static void test_parse_close_delimited(void)
{
	const char *t = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n[1,2]";
	struct http_response r;
	char err[256];

	CHECK_INT(HTTP_MORE, hpcc_http_parse(t, strlen(t), 0, MAX, &r, err, sizeof err));
	CHECK_INT(0, parse_all_splits(t, strlen(t), 1, "[1,2]"));
}

static void test_parse_errors(void)
{
	struct http_response r;
	char err[256], *big;
	const char *t;

	CHECK_INT(HTTP_BAD, hpcc_http_parse("SSH-2.0-OpenSSH_9.2\r\n\r\n", 23, 0, MAX, &r, err,
					    sizeof err));
	CHECK_CONTAINS(err, "not an HTTP response");
	CHECK_INT(HTTP_BAD, hpcc_http_parse("", 0, 1, MAX, &r, err, sizeof err));
	CHECK_CONTAINS(err, "without a response");
	t = "HTTP/1.1 200 OK\r\nContent-Le";
	CHECK_INT(HTTP_BAD, hpcc_http_parse(t, strlen(t), 1, MAX, &r, err, sizeof err));
	CHECK_CONTAINS(err, "middle of the headers");
	/* a Content-Length past the limit is refused before the body comes */
	t = "HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n";
	CHECK_INT(HTTP_BAD, hpcc_http_parse(t, strlen(t), 0, MAX, &r, err, sizeof err));
	CHECK_CONTAINS(err, "larger than the limit");
	t = "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n";
	CHECK_INT(HTTP_BAD, hpcc_http_parse(t, strlen(t), 0, MAX, &r, err, sizeof err));
	t = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n";
	CHECK_INT(HTTP_BAD, hpcc_http_parse(t, strlen(t), 0, MAX, &r, err, sizeof err));
	CHECK_CONTAINS(err, "Content-Length");
	t = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
	CHECK_INT(HTTP_BAD, hpcc_http_parse(t, strlen(t), 1, MAX, &r, err, sizeof err));
	CHECK_CONTAINS(err, "after 3 of 10 bytes");
	/* chunked: too large, malformed size, a chunk longer than its size,
	 * cut short */
	t = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n";
	CHECK_INT(HTTP_BAD, hpcc_http_parse(t, strlen(t), 0, MAX, &r, err, sizeof err));
	CHECK_CONTAINS(err, "larger than the limit");
	t = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n";
	CHECK_INT(HTTP_BAD, hpcc_http_parse(t, strlen(t), 0, MAX, &r, err, sizeof err));
	t = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
	CHECK_INT(HTTP_BAD, hpcc_http_parse(t, strlen(t), 0, MAX, &r, err, sizeof err));
	CHECK_CONTAINS(err, "chunk size");
	t = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n";
	CHECK_INT(HTTP_BAD, hpcc_http_parse(t, strlen(t), 0, MAX, &r, err, sizeof err));
	CHECK_CONTAINS(err, "longer than its size");
	t = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab";
	CHECK_INT(HTTP_BAD, hpcc_http_parse(t, strlen(t), 1, MAX, &r, err, sizeof err));
	CHECK_CONTAINS(err, "chunked body");
	t = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
	CHECK_INT(HTTP_BAD, hpcc_http_parse(t, strlen(t), 0, MAX, &r, err, sizeof err));
	CHECK_CONTAINS(err, "not supported");
	t = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n";
	CHECK_INT(HTTP_BAD, hpcc_http_parse(t, strlen(t), 0, MAX, &r, err, sizeof err));
	/* a close-delimited body past the limit */
	big = malloc(MAX + 100);
	CHECK(big != NULL);
	memset(big, 'x', MAX + 100);
	memcpy(big, "HTTP/1.1 200 OK\r\n\r\n", 19);
	CHECK_INT(HTTP_BAD, hpcc_http_parse(big, MAX + 100, 0, MAX, &r, err, sizeof err));
	CHECK_CONTAINS(err, "larger than the limit");
	/* headers without end past the header limit */
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	CHECK_INT(HTTP_BAD, hpcc_http_parse(big, HTTP_HEADER_MAX + 1, 0, MAX, &r, err,
					    sizeof err));
	free(big);
	CHECK_CONTAINS(err, "headers larger");
}

static void test_parse_status(void)
{
	const char *t = "HTTP/1.1 404 Not Found\r\nContent-Length: 100\r\n\r\n";
	struct http_response r;
	char err[256];

	CHECK_INT(HTTP_DONE, hpcc_http_parse(t, strlen(t), 0, MAX, &r, err, sizeof err));
	CHECK_INT(404, r.status);
	CHECK_STR("Not Found", r.reason);
	CHECK_INT(0, (int)r.len);
	free(r.body);
	/* the reason goes on a terminal: its control characters are not */
	t = "HTTP/1.1 500 \033[2Jgone\r\n\r\n";
	CHECK_INT(HTTP_DONE, hpcc_http_parse(t, strlen(t), 0, MAX, &r, err, sizeof err));
	CHECK_STR("?[2Jgone", r.reason);
	free(r.body);
}

/* ---- over a socket ---- */

struct server {
	pid_t pid;
	char port[8];
};

/* Listens on 127.0.0.1 (a free port) and forks a child that accepts one
 * connection, reads the request up to its blank line (written to
 * req_path when not NULL), writes each of the NULL-terminated pieces,
 * then closes; with silent, it sends nothing and holds the connection
 * until killed. */
static int serve(struct server *s, const char *const *pieces, int silent, const char *req_path)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	int lfd = socket(AF_INET, SOCK_STREAM, 0), c;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) || listen(lfd, 4) ||
	    getsockname(lfd, (struct sockaddr *)&a, &al))
		return -1;
	snprintf(s->port, sizeof s->port, "%u", ntohs(a.sin_port));
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid > 0) {
		close(lfd);
		return 0;
	}
	c = accept(lfd, NULL, NULL);
	if (c >= 0) {
		char req[4096];
		size_t n = 0;
		ssize_t k;

		while (n < sizeof req - 1 && (k = read(c, req + n, sizeof req - 1 - n)) > 0) {
			n += (size_t)k;
			req[n] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		if (req_path) {
			FILE *f = fopen(req_path, "w");

			if (f) {
				fwrite(req, 1, n, f);
				fclose(f);
			}
		}
		if (silent)
			pause();
		for (; *pieces; pieces++)
			if (write(c, *pieces, strlen(*pieces)) < 0)
				break;
		close(c);
	}
	_exit(0);
}

static void reap(struct server *s)
{
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
}

/* GET from a server writing `pieces`; the body or NULL (err set). */
static char *get(const char *const *pieces, size_t max, int silent, size_t *len, char *err,
		 size_t errlen, const char *req_path)
{
	struct server s;
	struct http_url u;
	char url[64], *body;

	if (serve(&s, pieces, silent, req_path)) {
		snprintf(err, errlen, "cannot start the server: %s", strerror(errno));
		return NULL;
	}
	snprintf(url, sizeof url, "127.0.0.1:%s", s.port);
	if (hpcc_http_parse_url(url, &u, err, errlen)) {
		reap(&s);
		return NULL;
	}
	body = hpcc_http_get(&u, silent ? 300 : 10000, max, NULL, len, err, errlen);
	reap(&s);
	return body;
}

static void test_get_content_length(void)
{
	static const char *const pieces[] = {
		"HTTP/1.1 200 OK\r\nContent-", "Length: 11\r\n\r", "\nhello", " world", NULL
	};
	char err[256], req[] = "/tmp/hpcc-test-req-XXXXXX", *body, *text;
	size_t len = 0;
	FILE *f;
	int fd = mkstemp(req);

	CHECK(fd >= 0);
	close(fd);
	body = get(pieces, MAX, 0, &len, err, sizeof err, req);
	f = fopen(req, "r");
	text = calloc(1, 4096);
	if (f && text && fread(text, 1, 4095, f) == 0)
		text[0] = '\0';
	if (f)
		fclose(f);
	unlink(req);
	CHECK_STR("hello world", body);
	CHECK_INT(11, (int)len);
	free(body);
	CHECK_CONTAINS(text, "GET /report.json HTTP/1.1\r\n");
	CHECK_CONTAINS(text, "\r\nHost: 127.0.0.1:");
	CHECK_CONTAINS(text, "\r\nConnection: close\r\n");
	free(text);
}

static void test_get_chunked(void)
{
	static const char *const pieces[] = {
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n[1,",
		"\r\n2\r\n2]\r\n", "0\r\n\r\n", NULL
	};
	char err[256], *body;
	size_t len = 0;

	body = get(pieces, MAX, 0, &len, err, sizeof err, NULL);
	CHECK_STR("[1,2]", body);
	free(body);
}

static void test_get_close_delimited(void)
{
	static const char *const pieces[] = { "HTTP/1.0 200 OK\r\n\r\n{}", "\n", NULL };
	char err[256], *body;
	size_t len = 0;

	body = get(pieces, MAX, 0, &len, err, sizeof err, NULL);
	CHECK_STR("{}\n", body);
	free(body);
}

static void test_get_errors(void)
{
	static const char *const not_found[] = {
		"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found", NULL
	};
	static const char *const garbage[] = { "\x16\x03\x01 garbage\r\n\r\n", NULL };
	static const char *const nothing[] = { NULL };
	static const char *const oversized[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", NULL
	};
	static const char *const long_close[] = {
		"HTTP/1.1 200 OK\r\n\r\n0123456789", "0123456789", NULL
	};
	char err[256];
	size_t len;

	CHECK(get(not_found, MAX, 0, &len, err, sizeof err, NULL) == NULL);
	CHECK_STR("the server answered 404 Not Found, not 200", err);
	CHECK(get(garbage, MAX, 0, &len, err, sizeof err, NULL) == NULL);
	CHECK_STR("not an HTTP response", err);
	CHECK(get(nothing, MAX, 0, &len, err, sizeof err, NULL) == NULL);
	CHECK_STR("the connection closed without a response", err);
	CHECK(get(oversized, 50, 0, &len, err, sizeof err, NULL) == NULL);
	CHECK_CONTAINS(err, "larger than the limit of 50 bytes");
	CHECK(get(long_close, 15, 0, &len, err, sizeof err, NULL) == NULL);
	CHECK_CONTAINS(err, "larger than the limit of 15 bytes");
	/* accepted, then silence: the deadline ends it */
	CHECK(get(nothing, MAX, 1, &len, err, sizeof err, NULL) == NULL);
	CHECK_STR("no response within 0.3 s", err);
}

static void test_get_refused(void)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	struct http_url u;
	char url[64], err[256];
	size_t len;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* a port that was free a moment ago and has no listener now */
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	      getsockname(fd, (struct sockaddr *)&a, &al) == 0);
	close(fd);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/", ntohs(a.sin_port));
	CHECK_INT(0, hpcc_http_parse_url(url, &u, err, sizeof err));
	CHECK(hpcc_http_get(&u, 5000, MAX, NULL, &len, err, sizeof err) == NULL);
	CHECK_CONTAINS(err, "cannot connect to 127.0.0.1 port ");
	CHECK_CONTAINS(err, ": Connection refused");
}

TEST_MAIN(T(test_urls), T(test_parse_content_length), T(test_parse_chunked),
	  T(test_parse_close_delimited), T(test_parse_errors), T(test_parse_status),
	  T(test_get_content_length), T(test_get_chunked), T(test_get_close_delimited),
	  T(test_get_errors), T(test_get_refused))
