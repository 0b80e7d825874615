/* source.h - one C source of a command, made ready to compile instrumented.
 *
 * Reads the source, decides whether it is worth instrumenting (a marker,
 * or --instrument=all and not --exclude-file), asks the finder for its
 * sites, and writes the rewritten copy into hpcc's temp dir: everything
 * the plan (plan.h) needs to know about it goes into a struct work.
 */
#ifndef HPCC_SOURCE_H
#define HPCC_SOURCE_H

#include "args.h"
#include "plan.h"

/* What the sources of one command share. */
struct source_ctx {
	const struct invocation *inv;
	const struct hpcc_opts *opts;
	const char *tmp_name; /* the temp dir's name behind a cache, or NULL */
	int clang;            /* the compiler is clang */
	const char *header;   /* hotpath.h, once a source needed it and it exists */
	/* private */
	char *hdr_path_;
	int looked_;
};

/* Returns 1 (rewritten: `w` filled), 0 (compile it as it is), or -1
 * (--strict and bad annotations: the command must fail).  *note gets the
 * finder's deferred fall-back warning (malloc'd, to print once the compile
 * succeeded), or NULL. */
int hpcc_source_prepare(struct source_ctx *ctx, const struct source *src, struct work *w,
			char **note);

void hpcc_source_ctx_free(struct source_ctx *ctx);

#endif
