/* diff.h - `hpcc --diff`: compare JSON reports of a base and a head.
 *
 *     hpcc --diff BASE.json HEAD.json
 *     hpcc --diff BASE1.json BASE2.json ... -- HEAD1.json HEAD2.json ...
 *
 * Runs of different lengths are compared by per-call figures; the verdict
 * is the self time's, so a slower callee does not blame its callers.  With
 * several runs per side each figure is the median of the runs', and each
 * function's run-to-run noise is measured from the runs themselves: a
 * function is slower only when its change exceeds both the threshold and
 * that noise.  With a threshold, the exit status tells CI whether any
 * function got slower.
 */
#ifndef HPCC_DIFF_H
#define HPCC_DIFF_H

#include <stdio.h>

enum diff_format { DIFF_TABLE, DIFF_MARKDOWN, DIFF_JSON };

struct diff_opts {
	const char **base; /* the base reports (nbase >= 1) */
	int nbase;
	const char **head; /* the head reports (nhead >= 1) */
	int nhead;
	enum diff_format format;
	double threshold; /* percent; < 0 when not given */
};

/* Exit statuses of hpcc_diff_main(). */
#define DIFF_EXIT_OK 0
#define DIFF_EXIT_SLOWER 1 /* a function got slower beyond the threshold and its noise */
#define DIFF_EXIT_USAGE 2  /* bad arguments or unreadable / malformed input */

/* Parses the arguments after `--diff` (argv[0] is the first of them);
 * out's path arrays point into argv and are freed by hpcc_diff_opts_free. */
int hpcc_diff_parse_args(int argc, char **argv, struct diff_opts *out);

void hpcc_diff_opts_free(struct diff_opts *opts);

/* Compares the reports, prints the comparison to `out` and messages to
 * stderr; returns one of the DIFF_EXIT_* statuses. */
int hpcc_diff_run(const struct diff_opts *opts, FILE *out);

/* The whole subcommand: parse, run, return the exit status. */
int hpcc_diff_main(int argc, char **argv);

#endif
