/* merge.h - `hpcc --merge`: add up the JSON reports of many processes.
 *
 *     hpcc --merge A.json B.json ... [-o merged.json] [--percentiles 10,50,95]
 *                 [--format=json|table|html|folded]
 *
 * The JSON result has the schema of the runtime's JSON report, so --diff
 * and a second --merge read it; the table, the HTML page and the folded
 * stacks are the runtime's own code's.
 */
#ifndef HPCC_MERGE_H
#define HPCC_MERGE_H

#include <stdint.h>

#define MERGE_MAX_PCTS 16
#define MERGE_EXIT_OK 0
#define MERGE_EXIT_USAGE 2 /* bad arguments, unreadable or malformed input,
			      or the output could not be written */

enum merge_format { MERGE_JSON, MERGE_TABLE, MERGE_HTML, MERGE_FOLDED };

struct merge_opts {
	const char **inputs; /* point into argv */
	int ninputs;
	const char *output;  /* NULL: stdout */
	unsigned int pcts[MERGE_MAX_PCTS]; /* in thousandths of a percent */
	int npcts;           /* 0: the first report's list */
	enum merge_format format;
};

/* One bucket of a histogram: the value (ns) it stands for and its calls. */
struct merge_pair {
	uint64_t value_ns;
	uint64_t count;
};

/* Parses the arguments after `--merge`; 0 or -1 (message printed).
 * Free with hpcc_merge_opts_free. */
int hpcc_merge_parse_args(int argc, char **argv, struct merge_opts *out);
void hpcc_merge_opts_free(struct merge_opts *opts);

/* The runtime's percentile rule on sorted, distinct pairs: nearest rank
 * among the bucketed calls, the bucket's value clamped to [min, max];
 * 0 is min and 100000 (thousandths) is max; 0 with no calls. */
uint64_t hpcc_merge_percentile(const struct merge_pair *v, size_t n, uint64_t calls,
			       uint64_t min, uint64_t max, unsigned int milli);

/* Merges opts->inputs into the merged report's text in opts->format
 * (malloc'd), or NULL after an error message. */
char *hpcc_merge_text(const struct merge_opts *opts);

/* The whole subcommand: parse, merge, write; returns MERGE_EXIT_*. */
int hpcc_merge_main(int argc, char **argv);

#endif
