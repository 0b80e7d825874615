/* test_http.c - HOTPATH_HTTP inside the runtime, where the sanitizer
 * trees (ctest -L sanitize) see it: snapshots served from the server
 * thread while writers record, the report racing requests under way, and
 * the exit with a half-sent request open.  Each scenario runs in a child
 * (child.h) with HOTPATH_HTTP=127.0.0.1:0; the client is a plain socket,
 * to the port the runtime reports (hp_http_port).  Counts are exact; no
 * timing is asserted (a child that hangs is killed by its alarm). */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "child.h"
#include "child_json.h"
#include "hotpath.h"
#include "http.h"
#include "test.h"

#define WRITERS 4
#define CALLS 50000
#define GETS 40
#define HANG_SECONDS 60

static __attribute__((noinline)) void work(void)
{
	HP_FUNCTION(1, "work", 1);
	__asm__ __volatile__("");
}

static int connect_port(unsigned int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* GET path over a fresh connection (HTTP/1.0: closed after); the
 * response in a malloc'ed string, NULL on failure. */
static char *get(unsigned int port, const char *path)
{
	char req[128], *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd = connect_port(port);

	if (fd < 0)
		return NULL;
	snprintf(req, sizeof req, "GET %s HTTP/1.0\r\n\r\n", path);
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req)) {
		close(fd);
		return NULL;
	}
	do {
		if (len + 4096 + 1 > cap) {
			char *b = realloc(buf, cap = cap ? cap * 2 : 8192);

			if (!b)
				break;
			buf = b;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n > 0)
			len += (size_t)n;
	} while (n > 0);
	close(fd);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* The calls of work in a response to /report.json, -1 if it is not one. */
static long calls_in(const char *resp)
{
	const char *body = resp ? strstr(resp, "\r\n\r\n") : NULL;
	cJSON *root, *fn;
	long calls = -1;

	if (!body || strncmp(resp, "HTTP/1.1 200", 12) != 0)
		return -1;
	root = cJSON_Parse(body + 4);
	if (!root)
		return -1;
	fn = fn_named(root, "work");
	calls = fn ? (long)num(fn, "calls") : 0;
	cJSON_Delete(root);
	return calls;
}

static _Atomic int writers_done, stop_client;

static void *writer(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < CALLS; i++)
		work();
	atomic_fetch_add(&writers_done, 1);
	return NULL;
}

/* GETs while the writers run: each a whole report, counts never going
 * down; returns the number of bad answers. */
static void *client(void *arg)
{
	unsigned int port = *(unsigned int *)arg;
	long last = 0, c;
	int i, bad = 0;

	for (i = 0; i < GETS && !atomic_load(&stop_client); i++) {
		char *r = get(port, i % 4 == 3 ? "/metrics" : "/report.json");

		if (i % 4 == 3) {
			bad += !r || !strstr(r, "hotpath_calls_total{function=\"work\"");
		} else {
			c = calls_in(r);
			bad += c < last || c > (long)WRITERS * CALLS + 1;
			if (c >= 0)
				last = c;
		}
		free(r);
	}
	return (void *)(long)bad;
}

/* Writers and a client at once; then one more GET has every call. */
static int child_serve(void)
{
	pthread_t w[WRITERS], c;
	unsigned int port;
	void *bad;
	char *r;
	int i;
	long n;

	alarm(HANG_SECONDS);
	work(); /* the session starts, and the server with it */
	port = hp_http_port();
	if (!port)
		return 10;
	for (i = 0; i < WRITERS; i++)
		pthread_create(&w[i], NULL, writer, NULL);
	pthread_create(&c, NULL, client, &port);
	for (i = 0; i < WRITERS; i++)
		pthread_join(w[i], NULL);
	pthread_join(c, &bad);
	if (bad)
		return 11;
	r = get(port, "/report.json");
	n = calls_in(r);
	free(r);
	return n == (long)WRITERS * CALLS + 1 ? 0 : 12;
}

/* The exit report while a client keeps asking: the server is stopped
 * first, the process ends, the report is whole. */
static int child_exit_during_requests(void)
{
	pthread_t w[WRITERS], c;
	unsigned int port;
	int i;

	alarm(HANG_SECONDS);
	work();
	port = hp_http_port();
	if (!port)
		return 10;
	pthread_create(&c, NULL, client, &port);
	pthread_detach(c); /* it may be mid-request at exit: never joined */
	for (i = 0; i < WRITERS; i++)
		pthread_create(&w[i], NULL, writer, NULL);
	for (i = 0; i < WRITERS; i++)
		pthread_join(w[i], NULL);
	return 0;
}

/* Half a request and an idle connection open at exit. */
static int child_exit_with_clients(void)
{
	static const char half[] = "GET /report.json HTTP/1.1\r\nHost: x\r\n";
	unsigned int port;
	int idle, slow;

	alarm(HANG_SECONDS);
	work();
	port = hp_http_port();
	idle = connect_port(port);
	slow = connect_port(port);
	if (!port || idle < 0 || slow < 0 ||
	    send(slow, half, sizeof half - 1, MSG_NOSIGNAL) != sizeof half - 1)
		return 10;
	usleep(100000); /* the server has both */
	return 0;
}

static const struct scenario scenarios[] = {
	{ "serve", child_serve },
	{ "exit_during_requests", child_exit_during_requests },
	{ "exit_with_clients", child_exit_with_clients },
};

__attribute__((constructor)) static void child_dispatch(void)
{
	run_scenario(scenarios, sizeof scenarios / sizeof scenarios[0]);
}

static const char *const http_env[] = { "HOTPATH_HTTP=127.0.0.1:0", NULL };

/* A sanitizer's report in the child fails the test. */
static void run_http(const char *name, struct run *r)
{
	run_child_wrapped(name, http_env, NULL, r);
	if (r->err && strstr(r->err, "Sanitizer")) {
		fprintf(stderr, "%s: sanitizer report:\n%s\n", name, r->err);
		test_failed_ = 1;
	}
}

static long report_calls(const struct run *r)
{
	cJSON *root = r->out ? cJSON_Parse(r->out) : NULL, *fn;
	long n = -1;

	if (root && (fn = fn_named(root, "work")))
		n = (long)num(fn, "calls");
	cJSON_Delete(root);
	return n;
}

static void serve_while_recording(void)
{
	struct run r;

	run_http("serve", &r);
	CHECK_INT(1, exited(&r, 0));
	CHECK_INT((long)WRITERS * CALLS + 1, report_calls(&r));
	free_run(&r);
}

static void exit_during_requests(void)
{
	struct run r;

	run_http("exit_during_requests", &r);
	CHECK_INT(1, exited(&r, 0));
	CHECK_INT((long)WRITERS * CALLS + 1, report_calls(&r));
	free_run(&r);
}

static void exit_with_clients(void)
{
	struct run r;

	run_http("exit_with_clients", &r);
	CHECK_INT(1, exited(&r, 0));
	CHECK_INT(1, report_calls(&r));
	free_run(&r);
}

static void cleanup(void)
{
	remove_scratch();
}

TEST_MAIN(T(serve_while_recording), T(exit_during_requests), T(exit_with_clients),
	  T(cleanup))
