/* diff.c - compare hotpath JSON reports (`hpcc --diff`).
 *
 * A function is the same function in two reports when its name and file
 * match.  The verdict of a row comes from the self time per call (issue
 * 12, item 12): per call, so a head run that did twice the work is not
 * called twice as slow; self, so a leaf that got slower does not make
 * every caller slower too (their Avg, inclusive, is shown beside it).
 * The table keeps to 120 columns for names up to 30 characters, so the
 * percentiles (those both sides have) are in the JSON output only.
 * Durations use the runtime's own formatter (runtime/src/fmt.c, compiled
 * into hpcc).  Rows are sorted by the head's total time; removed
 * functions come last.
 *
 * Several runs per side (issue 12, item 11).  One run of a program on a
 * busy machine can differ from the next by 25-80%, so a single pair of
 * runs cannot tell a regression from noise.  Given several runs per side:
 *  - each figure of a side is the median of that side's runs (robust to
 *    one disturbed run), computed over the runs the function appears in;
 *  - the function's noise is the sum of the two sides' spreads of its
 *    self time per call (slowest - fastest run), in % of the base median:
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
 * Sampled runs (HOTPATH_SAMPLE: the report's "sample") time 1 call in N,
 * so their times are estimates: the output says so and with what rate
 * ("sample": {"base", "head"} in JSON, the largest of each side's runs);
 * the comparison itself is unchanged, several runs per side giving the
 * noise estimate that covers the sampling's spread too.
 *
 * Verdicts: "new", "removed", "slower" / "faster", "noise", and "~" within
 * the threshold (5% without one).  With --threshold, any "slower" row
 * makes the exit status 1, so CI can gate on it; unreadable or malformed
 * input is 2.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "diag.h"
#include "diff.h"
#include "fmt.h" /* runtime/src/fmt.h: the runtime's formatters */
#include "jsonutf8.h"
#include "readfile.h"

#define DEFAULT_BAND 5.0
#define MAX_PCTS 16

struct fig {
	const char *name;
	const char *file;
	double calls;
	double avg_ns;
	double total_ns;
	double self_ns;   /* self time per call (avg_ns without self_ns) */
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
	double calls, avg_ns, self_ns, total_ns; /* medians; self_ns per call */
	double pct[MAX_PCTS];
	double lo, hi;    /* fastest and slowest per-call self time */
};

struct row {
	const char *name, *file;
	struct side s[2]; /* base, head */
	double change;    /* % change of the median self time; NAN when undefined */
	double avg_change; /* % change of the median average (inclusive) */
	double noise;     /* % of the base median; NAN without 2 runs on a side */
};

static const char *usage =
	"usage: hpcc --diff BASE.json HEAD.json [--threshold PCT] [--format=table|markdown|json]\n"
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
		} else if (strcmp(a, "--format=json") == 0) {
			out->format = DIFF_JSON;
		} else if (strncmp(a, "--format", 8) == 0) {
			hpcc_diag_error("unknown diff format '%s' (table, markdown or json)", a);
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
		f->self_ns = num(fn, "self_ns");
		/* self per call; a report without self_ns compares by the average */
		if (!isfinite(f->self_ns) || f->self_ns < 0)
			f->self_ns = f->avg_ns;
		else
			f->self_ns = f->calls > 0 ? f->self_ns / f->calls : 0;
		/* a verdict needs these: a report without them is not ours
		 * (calls a whole count below 2^64: 1e308 is no count) */
		if (!(f->calls >= 0) || f->calls >= 18446744073709551616.0 ||
		    f->calls != floor(f->calls) || !(f->avg_ns >= 0) || !isfinite(f->avg_ns)) {
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
	out->lo = out->hi = figs[0]->self_ns;
	for (i = 0; i < n; i++) {
		scratch[i] = figs[i]->self_ns;
		if (figs[i]->self_ns < out->lo)
			out->lo = figs[i]->self_ns;
		if (figs[i]->self_ns > out->hi)
			out->hi = figs[i]->self_ns;
	}
	out->self_ns = median(scratch, n);
	for (i = 0; i < n; i++)
		scratch[i] = figs[i]->avg_ns;
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
 * two sides' spreads (slowest - fastest self time per call), the largest
 * difference their medians could show by chance alone.  A side with one
 * run borrows the other side's spread; NAN when neither side has 2 runs. */
static double noise_of(const struct row *r)
{
	double sb = r->s[0].runs >= 2 ? r->s[0].hi - r->s[0].lo : -1;
	double sh = r->s[1].runs >= 2 ? r->s[1].hi - r->s[1].lo : -1;

	if ((sb < 0 && sh < 0) || !(r->s[0].self_ns > 0))
		return NAN;
	if (sb < 0)
		sb = sh;
	if (sh < 0)
		sh = sb;
	return (sb + sh) / r->s[0].self_ns * 100.0;
}

/* Durations by the runtime's own formatter (runtime/src/fmt.c). */
static void fmt_ns(char *buf, size_t len, double ns)
{
	if (!isfinite(ns))
		snprintf(buf, len, "-");
	else
		hp_fmt_duration(buf, len, ns);
}

/* "100.00ns→120.00ns": the arrow is one column, which the 120-column
 * budget of the table needs. */
static void fmt_pair(char *buf, size_t len, double b, double h)
{
	char sb[32], sh[32];

	fmt_ns(sb, sizeof sb, b);
	fmt_ns(sh, sizeof sh, h);
	snprintf(buf, len, "%s\xe2\x86\x92%s", sb, sh);
}

/* A name in at most NAME_COLS characters (UTF-8 code points, so a
 * multi-byte name is never cut inside a character): longer ones keep
 * NAME_COLS - 1 and end with "…". */
#define NAME_COLS 30
static void fmt_name(char *buf, size_t len, const char *name)
{
	size_t cols = 0, i;

	if (hp_fmt_width(name) <= NAME_COLS) {
		snprintf(buf, len, "%s", name);
		return;
	}
	for (i = 0; name[i]; i++) {
		if (((unsigned char)name[i] & 0xc0) != 0x80 && cols++ == NAME_COLS - 1)
			break;
	}
	snprintf(buf, len, "%.*s\xe2\x80\xa6", (int)i, name);
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
#define MAX_COLS 8
#define CELL 160
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

/* A number, or null when undefined (JSON has no NaN). */
static void add_num(cJSON *obj, const char *key, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(obj, key, v);
	else
		cJSON_AddNullToObject(obj, key);
}

static cJSON *json_side(const struct side *s, const char *const *keys, size_t nkeys)
{
	cJSON *o, *p;
	size_t k;

	if (!s->runs)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "runs", s->runs);
	add_num(o, "calls", s->calls);
	add_num(o, "avg_ns", s->avg_ns);
	add_num(o, "self_ns", s->self_ns);
	add_num(o, "total_ns", s->total_ns);
	p = cJSON_AddObjectToObject(o, "percentiles");
	for (k = 0; p && k < nkeys; k++)
		add_num(p, keys[k], s->pct[k]);
	return o;
}

static cJSON *json_paths(const char *const *paths, int n)
{
	return cJSON_CreateStringArray(paths, n);
}

/* --format=json: the same rows and verdicts as the table, for scripts.
 * avg_ns and self_ns are per call (self_ns is not the report's total self
 * time); change_pct and the verdict are the self time's. */
static int print_json(FILE *out, const struct diff_opts *opts, const struct row *rows,
		      size_t nrows, const char *const *keys, size_t nkeys, double band,
		      const double *sample, int slower, int noisy, int status)
{
	cJSON *root = cJSON_CreateObject(), *fns;
	char *text;
	size_t i;

	if (!root)
		goto oom;
	cJSON_AddItemToObject(root, "base", json_paths(opts->base, opts->nbase));
	cJSON_AddItemToObject(root, "head", json_paths(opts->head, opts->nhead));
	add_num(root, "threshold_pct", opts->threshold >= 0 ? opts->threshold : NAN);
	cJSON_AddNumberToObject(root, "band_pct", band);
	if (sample[0] > 1 || sample[1] > 1) {
		cJSON *o = cJSON_AddObjectToObject(root, "sample");

		cJSON_AddNumberToObject(o, "base", sample[0]);
		cJSON_AddNumberToObject(o, "head", sample[1]);
	}
	fns = cJSON_AddArrayToObject(root, "functions");
	for (i = 0; fns && i < nrows; i++) {
		const struct row *r = &rows[i];
		cJSON *f = cJSON_CreateObject();

		if (!f)
			break;
		cJSON_AddStringToObject(f, "name", r->name);
		if (r->file)
			cJSON_AddStringToObject(f, "file", r->file);
		else
			cJSON_AddNullToObject(f, "file");
		cJSON_AddItemToObject(f, "base", json_side(&r->s[0], keys, nkeys));
		cJSON_AddItemToObject(f, "head", json_side(&r->s[1], keys, nkeys));
		add_num(f, "change_pct", r->change);
		add_num(f, "avg_change_pct", r->avg_change);
		add_num(f, "noise_pct", r->noise);
		cJSON_AddStringToObject(f, "verdict", verdict(r, band));
		cJSON_AddItemToArray(fns, f);
	}
	cJSON_AddNumberToObject(root, "slower", slower);
	cJSON_AddNumberToObject(root, "noise", noisy);
	cJSON_AddNumberToObject(root, "exit_status", status);
	text = hpcc_json_utf8(root) == 0 ? cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	if (!text)
		goto oom;
	fprintf(out, "%s\n", text);
	cJSON_free(text);
	return 0;
oom:
	hpcc_diag_error("out of memory");
	return -1;
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
	double sample[2] = { 1, 1 }; /* the largest "sample" of each side */
	char buf[CELL];

	memset(&t, 0, sizeof t);
	if (!rep) {
		hpcc_diag_error("out of memory");
		return DIFF_EXIT_USAGE;
	}
	for (i = 0; i < (size_t)nrep; i++) {
		const char *path = (int)i < opts->nbase ? opts->base[i] : opts->head[i - (size_t)opts->nbase];
		double v;

		if (load(path, &rep[i]) != 0) {
			status = DIFF_EXIT_USAGE;
			goto done;
		}
		nent += rep[i].n;
		v = num(rep[i].root, "sample");
		if (v > sample[(int)i >= opts->nbase] && v <= UINT_MAX)
			sample[(int)i >= opts->nbase] = floor(v);
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
		r->change = r->s[0].runs && r->s[1].runs ? change(r->s[0].self_ns, r->s[1].self_ns)
							 : NAN;
		r->avg_change = r->s[0].runs && r->s[1].runs
					? change(r->s[0].avg_ns, r->s[1].avg_ns) : NAN;
		r->noise = r->s[0].runs && r->s[1].runs ? noise_of(r) : NAN;
		if (isfinite(r->noise))
			any_noise = 1;
	}
	qsort(rows, nrows, sizeof *rows, by_head_total);

	for (i = 0; i < nrows; i++) {
		const char *v = verdict(&rows[i], band);

		if (strcmp(v, "slower") == 0)
			slower++;
		else if (strcmp(v, "noise") == 0)
			noisy++;
	}
	if (opts->threshold >= 0 && slower)
		status = DIFF_EXIT_SLOWER;
	if (opts->format == DIFF_JSON) {
		if (print_json(out, opts, rows, nrows, keys, nkeys, band, sample, slower, noisy,
			       status) != 0)
			status = DIFF_EXIT_USAGE;
		goto done;
	}

	/* Percentiles are left to --format=json: with them the table could
	 * not keep to 120 columns. */
	t.ncols = 6 + (size_t)any_noise;
	col = 0;
	cell(&t, 0, col++, "Function");
	cell(&t, 0, col++, "Calls");
	cell(&t, 0, col++, "Self");
	cell(&t, 0, col++, "Avg");
	if (any_noise)
		cell(&t, 0, col++, "Noise");
	cell(&t, 0, col++, "Change");
	cell(&t, 0, col, "Verdict");
	for (i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		const struct side *b = &r->s[0], *h = &r->s[1];

		col = 0;
		fmt_name(buf, sizeof buf, r->name);
		cell(&t, i + 1, col++, buf);
		hp_fmt_count(buf, sizeof buf, h->runs ? h->calls : b->calls);
		cell(&t, i + 1, col++, buf);
		fmt_pair(buf, sizeof buf, b->runs ? b->self_ns : NAN, h->runs ? h->self_ns : NAN);
		cell(&t, i + 1, col++, buf);
		fmt_pair(buf, sizeof buf, b->runs ? b->avg_ns : NAN, h->runs ? h->avg_ns : NAN);
		cell(&t, i + 1, col++, buf);
		if (any_noise) {
			if (isfinite(r->noise))
				snprintf(buf, sizeof buf, "\xc2\xb1%.1f%%", r->noise);
			else
				snprintf(buf, sizeof buf, "-");
			cell(&t, i + 1, col++, buf);
		}
		if (isfinite(r->change))
			snprintf(buf, sizeof buf, "%+.1f%%", r->change);
		else
			snprintf(buf, sizeof buf, "-");
		cell(&t, i + 1, col++, buf);
		cell(&t, i + 1, col, verdict(r, band));
	}
	t.nrows = nrows + 1;
	fprintf(out, "%s[hotpath] Comparison of ", opts->format == DIFF_MARKDOWN ? "### " : "");
	side_names(out, opts->base, opts->nbase);
	fputs(" (base) and ", out);
	side_names(out, opts->head, opts->nhead);
	fprintf(out, " (head), per call%s:\n\n",
		opts->nbase > 1 || opts->nhead > 1 ? ", medians of the runs" : "");
	print_table(out, &t, opts->format);
	fprintf(out, "\nSelf: time in the function itself, Avg: with its callees; Calls: the head's. "
		"Change and verdict are the self time's, so a slower callee does not make its "
		"callers slower.\n");
	if (opts->nbase == 1 && opts->nhead == 1)
		fprintf(out, "One run per side: no noise estimate, the %.1f%% %s alone decides "
			"(give several runs per side: BASE... -- HEAD...).\n", band,
			opts->threshold >= 0 ? "threshold" : "band");
	else
		fprintf(out, "Noise: the base's and the head's spreads (slowest - fastest run) of a "
			"function's self time added, in %% of the base; a change within it is "
			"\"noise\".\n");
	if (sample[0] > 1 || sample[1] > 1)
		fprintf(out, "Times are estimates from sampled calls (HOTPATH_SAMPLE: base 1 in "
			"%.0f, head 1 in %.0f); few timed calls spread more, so several runs "
			"per side matter more.\n", sample[0], sample[1]);
	if (opts->threshold >= 0) {
		if (opts->nbase == 1 && opts->nhead == 1)
			fprintf(out, "%d function%s slower than the %.1f%% threshold.\n", slower,
				slower == 1 ? "" : "s", opts->threshold);
		else
			fprintf(out, "%d function%s slower than the %.1f%% threshold and the noise"
				"; %d beyond the threshold within the noise.\n", slower,
				slower == 1 ? "" : "s", opts->threshold, noisy);
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
