/* diff.c - compare hotpath JSON reports (`hpcc --diff`).
 *
 * A function is the same function in two reports when its name and file
 * match.  The verdict of a row comes from the average time per call, so a
 * head run that did twice the work is not called twice as slow; the
 * percentile columns are those both sides have.  Rows are sorted by the
 * head's total time; removed functions come last.
 *
 * Several runs per side (issue 12, item 11).  One run of a program on a
 * busy machine can differ from the next by 25-80%, so a single pair of
 * runs cannot tell a regression from noise.  Given several runs per side:
 *  - each figure of a side is the median of that side's runs (robust to
 *    one disturbed run), computed over the runs the function appears in;
 *  - the function's noise is the sum of the two sides' spreads of its
 *    per-call averages (slowest - fastest run), in % of the base median:
 *    the largest difference the two medians could show by chance alone,
 *    each sitting at the far end of its own runs.  Simulated on identical
 *    binaries with 3 runs a side and 25-80% run-to-run noise (uniform,
 *    log-normal, idle/busy), a function crosses it in 0.3-2% of the
 *    comparisons, the worst case being every base run on an idle machine
 *    and every head run on a busy one: hence the README's advice to
 *    interleave base and head runs, and to use 5 runs when gating (0.1%
 *    or less).  A 2x slowdown with quiet runs is far outside it;
 *  - a function is "slower" (or "faster") only when its change is beyond
 *    both the threshold and its noise; beyond the threshold but not the
 *    noise it is "noise".
 * With one run on both sides there is no noise estimate: the output says
 * so, and the threshold alone decides, as before.
 *
 * Verdicts: "new", "removed", "slower" / "faster", "noise", and "~" within
 * the threshold (5% without one).  With --threshold, any "slower" row
 * makes the exit status 1, so CI can gate on it; unreadable or malformed
 * input is 2.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "diag.h"
#include "diff.h"
#include "readfile.h"

#define DEFAULT_BAND 5.0
#define MAX_PCTS 16

struct fig {
	const char *name;
	const char *file;
	double calls;
	double avg_ns;
	double total_ns;
	const cJSON *pcts; /* object: "p95" -> ns */
};

struct report {
	cJSON *root;
	struct fig *v;
	size_t n;
};

/* One function on one side, over the runs it appears in. */
struct side {
	int runs;         /* 0: absent from this side */
	double calls, avg_ns, total_ns; /* medians */
	double pct[MAX_PCTS];
	double lo, hi;    /* fastest and slowest per-call average */
};

struct row {
	const char *name, *file;
	struct side s[2]; /* base, head */
	double change;    /* % change of the median average; NAN when undefined */
	double noise;     /* % of the base median; NAN without 2 runs on a side */
};

static const char *usage =
	"usage: hpcc --diff BASE.json HEAD.json [--threshold PCT] [--format=table|markdown]\n"
	"       hpcc --diff BASE1.json BASE2.json ... -- HEAD1.json HEAD2.json ... [options]";

void hpcc_diff_opts_free(struct diff_opts *opts)
{
	free(opts->base);
	free(opts->head);
	opts->base = opts->head = NULL;
	opts->nbase = opts->nhead = 0;
}

int hpcc_diff_parse_args(int argc, char **argv, struct diff_opts *out)
{
	int i, dashdash = 0, npos = 0;
	const char **pos;
	char *end;
	const char *val;

	memset(out, 0, sizeof *out);
	out->threshold = -1;
	out->format = DIFF_TABLE;
	pos = calloc((size_t)argc + 1, sizeof *pos);
	out->base = calloc((size_t)argc + 1, sizeof *out->base);
	out->head = calloc((size_t)argc + 1, sizeof *out->head);
	if (!pos || !out->base || !out->head) {
		hpcc_diag_error("out of memory");
		goto fail;
	}
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--threshold") == 0 || strncmp(a, "--threshold=", 12) == 0) {
			val = a[11] == '=' ? a + 12 : (i + 1 < argc ? argv[++i] : NULL);
			if (!val) {
				hpcc_diag_error("--threshold needs a percentage");
				goto fail;
			}
			errno = 0;
			out->threshold = strtod(val, &end);
			if (errno || end == val || *end || out->threshold < 0 ||
			    !isfinite(out->threshold)) {
				hpcc_diag_error("--threshold: '%s' is not a percentage", val);
				goto fail;
			}
		} else if (strcmp(a, "--format=markdown") == 0) {
			out->format = DIFF_MARKDOWN;
		} else if (strcmp(a, "--format=table") == 0) {
			out->format = DIFF_TABLE;
		} else if (strncmp(a, "--format", 8) == 0) {
			hpcc_diag_error("unknown diff format '%s' (table or markdown)", a);
			goto fail;
		} else if (strcmp(a, "--") == 0) {
			if (dashdash++) {
				hpcc_diag_error("--diff takes one '--' between the base and head reports\n%s",
						usage);
				goto fail;
			}
			out->nbase = npos; /* what came before are the base runs */
		} else if (a[0] == '-' && a[1]) {
			hpcc_diag_error("unknown diff option '%s'\n%s", a, usage);
			goto fail;
		} else {
			pos[npos++] = a;
		}
	}
	if (!dashdash) {
		if (npos != 2) {
			hpcc_diag_error("--diff takes two reports, or base reports, '--' and head reports\n%s",
					usage);
			goto fail;
		}
		out->nbase = 1;
	}
	out->nhead = npos - out->nbase;
	if (out->nbase < 1 || out->nhead < 1) {
		hpcc_diag_error("--diff needs at least one %s report%s\n%s",
				out->nbase < 1 ? "base" : "head",
				out->nbase < 1 ? " before '--'" : " after '--'", usage);
		goto fail;
	}
	memcpy(out->base, pos, (size_t)out->nbase * sizeof *pos);
	memcpy(out->head, pos + out->nbase, (size_t)out->nhead * sizeof *pos);
	free(pos);
	return 0;
fail:
	free(pos);
	hpcc_diff_opts_free(out);
	return -1;
}

static double num(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNumber(it) ? it->valuedouble : NAN;
}

static const char *str(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

static void unload(struct report *r)
{
	free(r->v);
	cJSON_Delete(r->root);
	memset(r, 0, sizeof *r);
}

static int load(const char *path, struct report *r)
{
	char *text = hpcc_read_file(path, 0, NULL);
	const cJSON *fns, *fn;
	size_t i = 0;

	memset(r, 0, sizeof *r);
	if (!text) {
		hpcc_diag_error("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	r->root = cJSON_Parse(text);
	free(text);
	fns = cJSON_GetObjectItemCaseSensitive(r->root, "functions");
	if (!r->root || !cJSON_IsArray(fns)) {
		hpcc_diag_error("%s is not a hotpath JSON report "
			"(HOTPATH_FORMAT=json)", path);
		unload(r);
		return -1;
	}
	r->v = calloc((size_t)cJSON_GetArraySize(fns) + 1, sizeof *r->v);
	if (!r->v) {
		hpcc_diag_error("out of memory");
		unload(r);
		return -1;
	}
	cJSON_ArrayForEach(fn, fns) {
		struct fig *f = &r->v[i];

		f->name = str(fn, "name");
		if (!f->name) {
			hpcc_diag_error("%s: a function without a name", path);
			unload(r);
			return -1;
		}
		f->file = str(fn, "file");
		f->calls = num(fn, "calls");
		f->avg_ns = num(fn, "avg_ns");
		f->total_ns = num(fn, "total_ns");
		/* a verdict needs these: a report without them is not ours */
		if (!(f->calls >= 0) || !(f->avg_ns >= 0) || !isfinite(f->avg_ns)) {
			hpcc_diag_error("%s: function '%s' has no valid calls and avg_ns", path,
					f->name);
			unload(r);
			return -1;
		}
		f->pcts = cJSON_GetObjectItemCaseSensitive(fn, "percentiles");
		i++;
	}
	r->n = i;
	return 0;
}

static const char *file_key(const struct fig *f)
{
	return f->file ? f->file : "";
}

/* Percentile keys ("p50", "p99", ...) present in the first function of
 * the first base and the first head report, in the base's order. */
static size_t common_pcts(const struct report *base, const struct report *head,
			  const char **keys)
{
	const cJSON *it;
	size_t n = 0;

	if (!base->n || !head->n || !cJSON_IsObject(base->v[0].pcts))
		return 0;
	cJSON_ArrayForEach(it, base->v[0].pcts) {
		if (n < MAX_PCTS && it->string &&
		    cJSON_GetObjectItemCaseSensitive(head->v[0].pcts, it->string))
			keys[n++] = it->string;
	}
	return n;
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return a < b ? -1 : a > b;
}

/* The median of the finite values among v[0..n); NAN if none.  Sorts v. */
static double median(double *v, size_t n)
{
	size_t m = 0, i;

	for (i = 0; i < n; i++)
		if (isfinite(v[i]))
			v[m++] = v[i];
	if (!m)
		return NAN;
	qsort(v, m, sizeof *v, cmp_double);
	return m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
}

/* A function's figures on one side: `figs` are its entries in the runs it
 * appears in (one per run). */
static void summarise(const struct fig *const *figs, size_t n, const char *const *keys,
		      size_t nkeys, double *scratch, struct side *out)
{
	size_t i, k;

	memset(out, 0, sizeof *out);
	out->runs = (int)n;
	if (!n)
		return;
	out->lo = out->hi = figs[0]->avg_ns;
	for (i = 0; i < n; i++) {
		scratch[i] = figs[i]->avg_ns;
		if (figs[i]->avg_ns < out->lo)
			out->lo = figs[i]->avg_ns;
		if (figs[i]->avg_ns > out->hi)
			out->hi = figs[i]->avg_ns;
	}
	out->avg_ns = median(scratch, n);
	for (i = 0; i < n; i++)
		scratch[i] = figs[i]->calls;
	out->calls = median(scratch, n);
	for (i = 0; i < n; i++)
		scratch[i] = figs[i]->total_ns;
	out->total_ns = median(scratch, n);
	for (k = 0; k < nkeys; k++) {
		for (i = 0; i < n; i++)
			scratch[i] = num(figs[i]->pcts, keys[k]);
		out->pct[k] = median(scratch, n);
	}
}

static double change(double base, double head)
{
	if (!isfinite(base) || !isfinite(head) || base <= 0)
		return NAN;
	return (head - base) / base * 100.0;
}

/* The run-to-run noise of a row, in % of the base median: the sum of the
 * two sides' spreads (slowest - fastest average), the largest difference
 * their medians could show by chance alone.  A side with one run borrows
 * the other side's spread; NAN when neither side has 2 runs. */
static double noise_of(const struct row *r)
{
	double sb = r->s[0].runs >= 2 ? r->s[0].hi - r->s[0].lo : -1;
	double sh = r->s[1].runs >= 2 ? r->s[1].hi - r->s[1].lo : -1;

	if ((sb < 0 && sh < 0) || !(r->s[0].avg_ns > 0))
		return NAN;
	if (sb < 0)
		sb = sh;
	if (sh < 0)
		sh = sb;
	return (sb + sh) / r->s[0].avg_ns * 100.0;
}

/* Durations as the runtime's table shows them: ns, µs, ms, s. */
static void fmt_ns(char *buf, size_t len, double ns)
{
	if (!isfinite(ns))
		snprintf(buf, len, "-");
	else if (ns < 1e3)
		snprintf(buf, len, "%.2fns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.2f\xc2\xb5s", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
}

static void fmt_pair(char *buf, size_t len, double b, double h)
{
	char sb[32], sh[32], sc[32];
	double c = change(b, h);

	fmt_ns(sb, sizeof sb, b);
	fmt_ns(sh, sizeof sh, h);
	if (isfinite(c))
		snprintf(sc, sizeof sc, " (%+.1f%%)", c);
	else
		sc[0] = '\0';
	snprintf(buf, len, "%s -> %s%s", sb, sh, sc);
}

static const char *verdict(const struct row *r, double band)
{
	double limit = band;

	if (!r->s[0].runs)
		return "new";
	if (!r->s[1].runs)
		return "removed";
	if (!isfinite(r->change) || fabs(r->change) <= band)
		return "~";
	if (isfinite(r->noise) && r->noise > limit)
		limit = r->noise;
	if (r->change > limit)
		return "slower";
	if (r->change < -limit)
		return "faster";
	return "noise"; /* beyond the threshold, within the runs' own spread */
}

static int by_head_total(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;
	double ta = a->s[1].runs ? a->s[1].total_ns : -1, tb = b->s[1].runs ? b->s[1].total_ns : -1;

	if (!a->s[1].runs && !b->s[1].runs) /* removed: by base total */
		ta = a->s[0].total_ns, tb = b->s[0].total_ns;
	if (!isfinite(ta))
		ta = -1;
	if (!isfinite(tb))
		tb = -1;
	if (ta != tb)
		return ta < tb ? 1 : -1;
	return strcmp(a->name, b->name);
}

/* One entry of the merge: a function in one run of one side. */
struct entry {
	const struct fig *f;
	int side;
};

static int by_function(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	int c = strcmp(a->f->name, b->f->name);

	if (!c)
		c = strcmp(file_key(a->f), file_key(b->f));
	return c ? c : a->side - b->side;
}

/* One table cell per column; the table writer pads them. */
#define MAX_COLS (7 + MAX_PCTS)
#define CELL 96
struct table {
	size_t ncols, nrows;
	char (*cells)[MAX_COLS][CELL];
	size_t width[MAX_COLS];
};

static void cell(struct table *t, size_t row, size_t col, const char *text)
{
	size_t w = 0;
	const unsigned char *p;

	snprintf(t->cells[row][col], CELL, "%s", text);
	for (p = (const unsigned char *)t->cells[row][col]; *p; p++)
		w += (*p & 0xc0) != 0x80; /* count UTF-8 characters, not bytes */
	if (w > t->width[col])
		t->width[col] = w;
}

static void pad(FILE *out, const char *text, size_t width)
{
	size_t w = 0;
	const unsigned char *p;

	for (p = (const unsigned char *)text; *p; p++)
		w += (*p & 0xc0) != 0x80;
	fputs(text, out);
	while (w++ < width)
		fputc(' ', out);
}

static void rule(FILE *out, const struct table *t)
{
	size_t c, i;

	for (c = 0; c < t->ncols; c++) {
		fputc('+', out);
		for (i = 0; i < t->width[c] + 2; i++)
			fputc('-', out);
	}
	fputs("+\n", out);
}

static void print_table(FILE *out, const struct table *t, enum diff_format fmt)
{
	size_t r, c;

	for (r = 0; r < t->nrows; r++) {
		if (fmt == DIFF_TABLE && r <= 1)
			rule(out, t);
		for (c = 0; c < t->ncols; c++) {
			fputs(c ? " " : "| ", out);
			pad(out, t->cells[r][c], fmt == DIFF_TABLE ? t->width[c] : 0);
			fputs(" |", out);
		}
		fputc('\n', out);
		if (fmt == DIFF_MARKDOWN && r == 0) { /* names left, figures right */
			for (c = 0; c < t->ncols; c++)
				fputs(c == 0 ? "|---" : "|---:", out);
			fputs("|\n", out);
		}
	}
	if (fmt == DIFF_TABLE)
		rule(out, t);
}

/* The names of one side's reports for the heading: "a.json" or
 * "3 runs: a.json b.json c.json". */
static void side_names(FILE *out, const char *const *paths, int n)
{
	int i;

	if (n == 1) {
		fputs(paths[0], out);
		return;
	}
	fprintf(out, "%d runs:", n);
	for (i = 0; i < n; i++)
		fprintf(out, " %s", paths[i]);
}

int hpcc_diff_run(const struct diff_opts *opts, FILE *out)
{
	int nrep = opts->nbase + opts->nhead, status = DIFF_EXIT_OK, slower = 0, noisy = 0;
	struct report *rep = calloc((size_t)nrep + 1, sizeof *rep);
	struct entry *ent = NULL;
	struct row *rows = NULL;
	const struct fig **figs = NULL;
	double *scratch = NULL;
	struct table t;
	const char *keys[MAX_PCTS];
	size_t nkeys, nent = 0, nrows = 0, i, j, k, col;
	double band = opts->threshold >= 0 ? opts->threshold : DEFAULT_BAND;
	int any_noise = 0;
	char buf[CELL];

	memset(&t, 0, sizeof t);
	if (!rep) {
		hpcc_diag_error("out of memory");
		return DIFF_EXIT_USAGE;
	}
	for (i = 0; i < (size_t)nrep; i++) {
		const char *path = (int)i < opts->nbase ? opts->base[i] : opts->head[i - (size_t)opts->nbase];

		if (load(path, &rep[i]) != 0) {
			status = DIFF_EXIT_USAGE;
			goto done;
		}
		nent += rep[i].n;
	}
	ent = calloc(nent + 1, sizeof *ent);
	rows = calloc(nent + 1, sizeof *rows);
	figs = calloc((size_t)nrep + 1, sizeof *figs);
	scratch = calloc((size_t)nrep + 1, sizeof *scratch);
	t.cells = calloc(nent + 1, sizeof *t.cells);
	if (!ent || !rows || !figs || !scratch || !t.cells) {
		hpcc_diag_error("out of memory");
		status = DIFF_EXIT_USAGE;
		goto done;
	}
	nkeys = common_pcts(&rep[0], &rep[opts->nbase], keys);
	for (i = nent = 0; i < (size_t)nrep; i++)
		for (j = 0; j < rep[i].n; j++) {
			ent[nent].f = &rep[i].v[j];
			ent[nent++].side = (int)i >= opts->nbase;
		}
	qsort(ent, nent, sizeof *ent, by_function);
	/* each run of entries with one name and file is one function; a name
	 * twice in one report counts as two runs, as the report shows it */
	for (i = 0; i < nent; i = j) {
		struct row *r = &rows[nrows++];
		int side;

		r->name = ent[i].f->name;
		r->file = ent[i].f->file;
		for (j = i; j < nent && !strcmp(ent[j].f->name, r->name) &&
			    !strcmp(file_key(ent[j].f), file_key(ent[i].f)); j++)
			;
		for (side = 0; side < 2; side++) {
			size_t n = 0;

			for (k = i; k < j; k++)
				if (ent[k].side == side && n < (size_t)nrep)
					figs[n++] = ent[k].f;
			summarise(figs, n, keys, nkeys, scratch, &r->s[side]);
		}
		r->change = r->s[0].runs && r->s[1].runs ? change(r->s[0].avg_ns, r->s[1].avg_ns)
							 : NAN;
		r->noise = r->s[0].runs && r->s[1].runs ? noise_of(r) : NAN;
		if (isfinite(r->noise))
			any_noise = 1;
	}
	qsort(rows, nrows, sizeof *rows, by_head_total);

	t.ncols = 5 + nkeys + (size_t)any_noise;
	col = 0;
	cell(&t, 0, col++, "Function");
	cell(&t, 0, col++, "Calls");
	cell(&t, 0, col++, "Avg");
	for (k = 0; k < nkeys; k++) {
		snprintf(buf, sizeof buf, "P%s", keys[k] + 1);
		cell(&t, 0, col++, buf);
	}
	cell(&t, 0, col++, "Total");
	if (any_noise)
		cell(&t, 0, col++, "Noise");
	cell(&t, 0, col, "Change");
	for (i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		const struct side *b = &r->s[0], *h = &r->s[1];
		const char *v = verdict(r, band);

		if (strcmp(v, "slower") == 0)
			slower++;
		else if (strcmp(v, "noise") == 0)
			noisy++;
		col = 0;
		cell(&t, i + 1, col++, r->name);
		snprintf(buf, sizeof buf, "%.0f -> %.0f", b->runs ? b->calls : 0.0,
			 h->runs ? h->calls : 0.0);
		cell(&t, i + 1, col++, buf);
		fmt_pair(buf, sizeof buf, b->runs ? b->avg_ns : NAN, h->runs ? h->avg_ns : NAN);
		cell(&t, i + 1, col++, buf);
		for (k = 0; k < nkeys; k++) {
			fmt_pair(buf, sizeof buf, b->runs ? b->pct[k] : NAN, h->runs ? h->pct[k] : NAN);
			cell(&t, i + 1, col++, buf);
		}
		fmt_pair(buf, sizeof buf, b->runs ? b->total_ns : NAN, h->runs ? h->total_ns : NAN);
		cell(&t, i + 1, col++, buf);
		if (any_noise) {
			if (isfinite(r->noise))
				snprintf(buf, sizeof buf, "\xc2\xb1%.1f%%", r->noise);
			else
				snprintf(buf, sizeof buf, "-");
			cell(&t, i + 1, col++, buf);
		}
		cell(&t, i + 1, col, v);
	}
	t.nrows = nrows + 1;
	fprintf(out, "%s[hotpath] Comparison of ", opts->format == DIFF_MARKDOWN ? "### " : "");
	side_names(out, opts->base, opts->nbase);
	fputs(" (base) and ", out);
	side_names(out, opts->head, opts->nhead);
	fprintf(out, " (head), per call%s:\n\n",
		opts->nbase > 1 || opts->nhead > 1 ? ", medians of the runs" : "");
	print_table(out, &t, opts->format);
	if (opts->nbase == 1 && opts->nhead == 1)
		fprintf(out, "\nOne run per side: no noise estimate, the %.1f%% %s alone decides "
			"(give several runs per side: BASE... -- HEAD...).\n", band,
			opts->threshold >= 0 ? "threshold" : "band");
	else
		fprintf(out, "\nNoise: the base's and the head's spreads (slowest - fastest run) of a "
			"function's average added, in %% of the base; a change within it is "
			"\"noise\".\n");
	if (opts->threshold >= 0) {
		if (opts->nbase == 1 && opts->nhead == 1)
			fprintf(out, "%d function%s slower than the %.1f%% threshold.\n", slower,
				slower == 1 ? "" : "s", opts->threshold);
		else
			fprintf(out, "%d function%s slower than the %.1f%% threshold and the noise"
				"; %d beyond the threshold within the noise.\n", slower,
				slower == 1 ? "" : "s", opts->threshold, noisy);
		if (slower)
			status = DIFF_EXIT_SLOWER;
	}
done:
	free(t.cells);
	free(scratch);
	free(figs);
	free(rows);
	free(ent);
	for (i = 0; i < (size_t)nrep; i++)
		unload(&rep[i]);
	free(rep);
	return status;
}

int hpcc_diff_main(int argc, char **argv)
{
	struct diff_opts opts;
	int status;

	if (hpcc_diff_parse_args(argc, argv, &opts) != 0)
		return DIFF_EXIT_USAGE;
	status = hpcc_diff_run(&opts, stdout);
	hpcc_diff_opts_free(&opts);
	return status;
}
