/* diff.h - `hpcc --diff BASE.json HEAD.json`: compare two JSON reports.
 *
 * Runs of different lengths are compared by per-call figures (average and
 * percentiles); totals and call counts are shown for context.  With a
 * threshold, the exit status tells CI whether any function got slower.
 */
#ifndef HPCC_DIFF_H
#define HPCC_DIFF_H

#include <stdio.h>

enum diff_format { DIFF_TABLE, DIFF_MARKDOWN };

struct diff_opts {
	const char *base_path;
	const char *head_path;
	enum diff_format format;
	double threshold; /* percent; < 0 when not given */
};

/* Exit statuses of hpcc_diff_main(). */
#define DIFF_EXIT_OK 0
#define DIFF_EXIT_SLOWER 1 /* a function's average grew by more than the threshold */
#define DIFF_EXIT_USAGE 2  /* bad arguments or unreadable / malformed input */

/* Parses the arguments after `--diff` (argv[0] is the first of them). */
int hpcc_diff_parse_args(int argc, char **argv, struct diff_opts *out);

/* Compares the two reports, prints the comparison to `out` and messages to
 * stderr; returns one of the DIFF_EXIT_* statuses. */
int hpcc_diff_run(const struct diff_opts *opts, FILE *out);

/* The whole subcommand: parse, run, return the exit status. */
int hpcc_diff_main(int argc, char **argv);

#endif
