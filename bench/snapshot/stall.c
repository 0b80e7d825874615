/* stall.c - does a live snapshot stall the record path? (issue 11, item 3)
 *
 * 8 writer threads make measured calls as fast as they can; before each
 * call a writer reads the clock, and keeps the longest gap between two
 * consecutive reads: the longest time it was kept from recording, by
 * anything (the scheduler included: 8 writers share this machine's cores
 * with the worker and the server).  The run alternates phases of
 * PHASE_MS: without snapshots, then with a client thread doing 100 real
 * HTTP GETs of /report.json a second (HOTPATH_HTTP, the path a browser or
 * `hpcc top` takes: drain, gather, render, send), REPS times each.  Per
 * phase: the worst writer's longest gap and the median writer's; printed
 * per phase, then the medians over the phases of each kind, side by side.
 * Also the GETs' own latency and how many were made.
 *
 * The report has ~110 rows (100 sites called once, 8 writers' functions
 * and their callee), so each snapshot renders a realistic JSON document.
 *
 * Usage: bench_snapshot_stall [REPS] [PHASE_MS]   (defaults 5, 2000)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../bench.h"
#include "hotpath.h"

#define WRITERS 8
#define MAX_REPS 32
#define GETS_PER_S 100

unsigned int hp_http_port(void); /* http.h: the port the runtime listens on */

static __attribute__((noinline)) unsigned inner(unsigned x)
{
	HP_FUNCTION(1, "inner", 1);
	__asm__ __volatile__("");
	return x * 2654435761u;
}

#define WRITER_FN(k)                                                        \
	static __attribute__((noinline)) unsigned writer_##k(unsigned x)    \
	{                                                                   \
		HP_FUNCTION(10##k, "writer_" #k, 10##k);                    \
		return inner(x) + 1;                                        \
	}
WRITER_FN(0) WRITER_FN(1) WRITER_FN(2) WRITER_FN(3)
WRITER_FN(4) WRITER_FN(5) WRITER_FN(6) WRITER_FN(7)

static unsigned (*const writer_fn[WRITERS])(unsigned) = {
	writer_0, writer_1, writer_2, writer_3,
	writer_4, writer_5, writer_6, writer_7,
};

/* 100 more sites, called once each: rows for the snapshot to render. */
#define ONCE(n)                                                             \
	static __attribute__((noinline)) void once_##n(void)                \
	{                                                                   \
		HP_FUNCTION(2##n, "once_" #n, 2##n);                        \
		__asm__ __volatile__("");                                   \
	}
#define ONCE10(d) ONCE(d##0) ONCE(d##1) ONCE(d##2) ONCE(d##3) ONCE(d##4) \
	ONCE(d##5) ONCE(d##6) ONCE(d##7) ONCE(d##8) ONCE(d##9)
ONCE10(0) ONCE10(1) ONCE10(2) ONCE10(3) ONCE10(4)
ONCE10(5) ONCE10(6) ONCE10(7) ONCE10(8) ONCE10(9)
#define CALL(n) once_##n();
#define CALL10(d) CALL(d##0) CALL(d##1) CALL(d##2) CALL(d##3) CALL(d##4) \
	CALL(d##5) CALL(d##6) CALL(d##7) CALL(d##8) CALL(d##9)

static struct {
	_Atomic int phase;          /* the phase number; -1: stop */
	_Atomic uint64_t gap[WRITERS]; /* the last phase's longest gap, ns */
	_Atomic int seen[WRITERS];  /* the phase number gap[] is of */
	_Atomic int snapping;       /* the client does GETs now */
	unsigned int port;
} run;

static void *writer(void *arg)
{
	int k = (int)(long)arg, phase = 0, p;
	uint64_t last = now_ns(), t, longest = 0;
	unsigned i = 0, sink = 0;

	while ((p = atomic_load_explicit(&run.phase, memory_order_relaxed)) >= 0) {
		if (p != phase) { /* a new phase: publish, start over */
			atomic_store(&run.gap[k], longest);
			atomic_store(&run.seen[k], phase);
			longest = 0;
			phase = p;
			last = now_ns();
		}
		t = now_ns();
		if (t - last > longest)
			longest = t - last;
		last = t;
		sink += writer_fn[k](i++);
	}
	atomic_store(&run.gap[k], longest);
	return (void *)(unsigned long)sink;
}

/* One GET /report.json over a fresh connection: its bytes, or -1. */
static long get_report(unsigned int port)
{
	static const char req[] = "GET /report.json HTTP/1.0\r\nHost: x\r\n\r\n";
	struct sockaddr_in a;
	char buf[65536];
	long total = 0;
	ssize_t n;
	int http = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    send(fd, req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof req - 1)) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		if (!total) /* the status line: a 200 */
			http = n >= 12 && memcmp(buf, "HTTP/1.", 7) == 0 &&
			       memcmp(buf + 9, "200", 3) == 0;
		total += n;
	}
	close(fd);
	return n == 0 && http ? total : -1;
}

static struct {
	long gets, failed, bytes;
	double lat_ns[1 << 16];
	int nlat;
} client;

static void *snapper(void *arg)
{
	struct timespec next;
	uint64_t t0;
	long n;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (atomic_load(&run.phase) >= 0) {
		next.tv_nsec += 1000000000 / GETS_PER_S;
		if (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		if (!atomic_load(&run.snapping))
			continue;
		t0 = now_ns();
		n = get_report(run.port);
		if (n < 0) {
			client.failed++;
			continue;
		}
		client.gets++;
		client.bytes += n;
		if (client.nlat < (int)(sizeof client.lat_ns / sizeof client.lat_ns[0]))
			client.lat_ns[client.nlat++] = (double)(now_ns() - t0);
	}
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 5, r, k, s;
	long phase_ms = argc > 2 ? atol(argv[2]) : 2000;
	double worst[2][MAX_REPS], mid[2][MAX_REPS], g[WRITERS];
	pthread_t w[WRITERS], c;

	if (reps < 1 || reps > MAX_REPS || phase_ms < 100) {
		fprintf(stderr, "usage: %s [REPS 1-%d] [PHASE_MS >= 100]\n",
			argv[0], MAX_REPS);
		return 2;
	}
	setenv("HOTPATH_HTTP", "127.0.0.1:0", 0);
	setenv("HOTPATH_FORMAT", "none", 0);
	setenv("HOTPATH_QUIET", "1", 0);
	CALL10(0) CALL10(1) CALL10(2) CALL10(3) CALL10(4)
	CALL10(5) CALL10(6) CALL10(7) CALL10(8) CALL10(9)
	run.port = hp_http_port();
	if (!run.port || get_report(run.port) < 0) {
		fprintf(stderr, "bench_snapshot_stall: no HTTP server (HOTPATH_HTTP=%s)\n",
			getenv("HOTPATH_HTTP"));
		return 1;
	}
	for (k = 0; k < WRITERS; k++)
		pthread_create(&w[k], NULL, writer, (void *)(long)k);
	pthread_create(&c, NULL, snapper, NULL);
	printf("%d writers, phases of %ld ms, %d GET /report.json a second "
	       "in the 'with' phases\n", WRITERS, phase_ms, GETS_PER_S);
	printf("%-5s %-8s %14s %14s\n", "rep", "phase", "worst writer", "median writer");
	for (r = 0; r < reps; r++)
		for (s = 0; s < 2; s++) {
			atomic_store(&run.snapping, s);
			atomic_store(&run.phase, 2 * r + s + 1);
			sleep_ms(phase_ms);
			/* a pause phase makes writers publish this one's */
			atomic_store(&run.phase, 2 * r + s + 1000);
			for (k = 0; k < WRITERS; k++) {
				while (atomic_load(&run.seen[k]) != 2 * r + s + 1)
					sleep_ms(1);
				g[k] = (double)atomic_load(&run.gap[k]);
			}
			mid[s][r] = median(g, WRITERS);
			worst[s][r] = g[WRITERS - 1];
			printf("%-5d %-8s %11.3f ms %11.3f ms\n", r + 1,
			       s ? "with" : "without", worst[s][r] / 1e6,
			       mid[s][r] / 1e6);
		}
	atomic_store(&run.phase, -1);
	for (k = 0; k < WRITERS; k++)
		pthread_join(w[k], NULL);
	pthread_join(c, NULL);
	printf("\nlongest writer gap, median of %d phases:\n", reps);
	printf("  without snapshots: worst writer %.3f ms, median writer %.3f ms\n",
	       median(worst[0], reps) / 1e6, median(mid[0], reps) / 1e6);
	printf("  100 snapshots/s:   worst writer %.3f ms, median writer %.3f ms\n",
	       median(worst[1], reps) / 1e6, median(mid[1], reps) / 1e6);
	printf("GET /report.json: %ld made (%.0f a second of the 'with' phases), "
	       "%ld failed, %ld bytes each, median %.3f ms\n", client.gets,
	       (double)client.gets / ((double)reps * (double)phase_ms / 1000.0),
	       client.failed,
	       client.gets ? client.bytes / client.gets : 0,
	       client.nlat ? median(client.lat_ns, client.nlat) / 1e6 : 0.0);
	return client.failed ? 1 : 0;
}
