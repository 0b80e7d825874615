/* The seed example: two measured functions, a measured block and an
 * annotated main.  Build it with `hpcc gcc basic.c -o basic`, or with plain
 * `gcc basic.c -o basic` for a program without any profiling at all. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>

static void sleep_ns(long ns)
{
	struct timespec ts = { 0, ns };
	nanosleep(&ts, NULL);
}

/* @hotpath */
static void sync_function(long ns)
{
	sleep_ns(ns);
}

/* @hotpath */
static unsigned long checksum(const unsigned char *p, size_t n)
{
	unsigned long h = 5381;
	size_t i;

	for (i = 0; i < n; i++)
		h = h * 33 + p[i];
	return h;
}

/* @hotpath main(percentiles = [99]) */
int main(void)
{
	static unsigned char data[64 * 1024];
	unsigned long h = 0;
	int i;

	for (i = 0; i < 100; i++) {
		sync_function(i * 1000L);
		data[i] = (unsigned char)i;
		h ^= checksum(data, sizeof data);

		/* @hotpath measure_block("custom_block") */
		{
			sleep_ns(i * 3000L);
		}
	}
	printf("checksum %lx\n", h);
	return 0;
}
