/* top.h - `hpcc top`: a live view of a running program's profile.
 *
 *     hpcc top [--once] [--interval SECONDS] [--sort KEY] [URL | HOST:PORT | FILE]
 *
 * Reads the runtime's /report.json (HOTPATH_HTTP) or a JSON report file
 * every interval and shows, per function, what happened since the last
 * read: calls/s, self and total time per second, the average and p95 of
 * the calls of that interval.
 */
#ifndef HPCC_TOP_H
#define HPCC_TOP_H

/* The default target: the runtime's default HOTPATH_HTTP port. */
#define TOP_DEFAULT_URL "http://127.0.0.1:6770/"

#define TOP_EXIT_OK 0
#define TOP_EXIT_ERROR 1 /* the target could not be read */
#define TOP_EXIT_USAGE 2

/* The whole subcommand (argv after "top"); returns TOP_EXIT_*. */
int hpcc_top_main(int argc, char **argv);

#endif
