/* diff.c - compare two hotpath JSON reports (`hpcc --diff`).
 *
 * A function is the same function in both runs when its name and file
 * match.  The verdict of a row comes from the average time per call, so a
 * head run that did twice the work is not called twice as slow; the
 * percentile columns are those both reports have.  Rows are sorted by the
 * head's total time; removed functions come last.
 *
 * Verdicts: "new", "removed", "slower" / "faster" when the average moved
 * by more than the noise band (the threshold when one is given, else 5%),
 * and "~" otherwise.  With --threshold, any "slower" row makes the exit
 * status 1, so CI can gate on it.
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

struct row {
	const struct fig *base; /* NULL: new */
	const struct fig *head; /* NULL: removed */
	double change;          /* % change of the average; NAN when undefined */
};

struct report {
	cJSON *root;
	struct fig *v;
	size_t n;
};

static const char *usage =
	"usage: hpcc --diff BASE.json HEAD.json [--threshold PCT] [--format=table|markdown]";

int hpcc_diff_parse_args(int argc, char **argv, struct diff_opts *out)
{
	int i, files = 0;
	char *end;
	const char *val;

	memset(out, 0, sizeof *out);
	out->threshold = -1;
	out->format = DIFF_TABLE;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--threshold") == 0 || strncmp(a, "--threshold=", 12) == 0) {
			val = a[11] == '=' ? a + 12 : (i + 1 < argc ? argv[++i] : NULL);
			if (!val) {
				hpcc_diag_error("--threshold needs a percentage");
				return -1;
			}
			errno = 0;
			out->threshold = strtod(val, &end);
			if (errno || end == val || *end || out->threshold < 0 ||
			    !isfinite(out->threshold)) {
				hpcc_diag_error("--threshold: '%s' is not a percentage", val);
				return -1;
			}
		} else if (strcmp(a, "--format=markdown") == 0) {
			out->format = DIFF_MARKDOWN;
		} else if (strcmp(a, "--format=table") == 0) {
			out->format = DIFF_TABLE;
		} else if (strncmp(a, "--format", 8) == 0) {
			hpcc_diag_error("unknown diff format '%s' (table or markdown)", a);
			return -1;
		} else if (a[0] == '-' && a[1]) {
			hpcc_diag_error("unknown diff option '%s'\n%s", a, usage);
			return -1;
		} else if (files == 0) {
			out->base_path = a;
			files++;
		} else if (files == 1) {
			out->head_path = a;
			files++;
		} else {
			hpcc_diag_error("--diff takes two reports\n%s", usage);
			return -1;
		}
	}
	if (files != 2) {
		hpcc_diag_error("--diff takes two reports\n%s", usage);
		return -1;
	}
	return 0;
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
		cJSON_Delete(r->root);
		r->root = NULL;
		return -1;
	}
	r->v = calloc((size_t)cJSON_GetArraySize(fns) + 1, sizeof *r->v);
	if (!r->v) {
		cJSON_Delete(r->root);
		return -1;
	}
	cJSON_ArrayForEach(fn, fns) {
		struct fig *f = &r->v[i];

		f->name = str(fn, "name");
		if (!f->name) {
			hpcc_diag_error("%s: a function without a name", path);
			free(r->v);
			cJSON_Delete(r->root);
			return -1;
		}
		f->file = str(fn, "file");
		f->calls = num(fn, "calls");
		f->avg_ns = num(fn, "avg_ns");
		f->total_ns = num(fn, "total_ns");
		f->pcts = cJSON_GetObjectItemCaseSensitive(fn, "percentiles");
		i++;
	}
	r->n = i;
	return 0;
}

static void unload(struct report *r)
{
	free(r->v);
	cJSON_Delete(r->root);
}

static int same_function(const struct fig *a, const struct fig *b)
{
	if (strcmp(a->name, b->name) != 0)
		return 0;
	return !a->file || !b->file || strcmp(a->file, b->file) == 0;
}

/* Percentile keys ("p50", "p99", ...) present in both reports' first
 * functions, in the base's order. */
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

static double pct_of(const struct fig *f, const char *key)
{
	return f ? num(f->pcts, key) : NAN;
}

static double change(double base, double head)
{
	if (!isfinite(base) || !isfinite(head) || base <= 0)
		return NAN;
	return (head - base) / base * 100.0;
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
	if (!r->base)
		return "new";
	if (!r->head)
		return "removed";
	if (!isfinite(r->change))
		return "~";
	if (r->change > band)
		return "slower";
	if (r->change < -band)
		return "faster";
	return "~";
}

static int by_head_total(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;
	double ta = a->head ? a->head->total_ns : -1, tb = b->head ? b->head->total_ns : -1;

	if (!a->head && !b->head) /* removed: by base total */
		ta = a->base->total_ns, tb = b->base->total_ns;
	if (ta != tb)
		return ta < tb ? 1 : -1;
	return strcmp((a->head ? a->head : a->base)->name, (b->head ? b->head : b->base)->name);
}

/* One table cell per column; the table writer pads them. */
#define MAX_COLS (6 + MAX_PCTS)
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

int hpcc_diff_run(const struct diff_opts *opts, FILE *out)
{
	struct report base, head;
	struct row *rows;
	struct table t;
	const char *keys[MAX_PCTS];
	size_t nkeys, nrows = 0, i, j, k;
	double band = opts->threshold >= 0 ? opts->threshold : DEFAULT_BAND;
	int slower = 0, status = DIFF_EXIT_OK;
	char buf[CELL];

	if (load(opts->base_path, &base) != 0)
		return DIFF_EXIT_USAGE;
	if (load(opts->head_path, &head) != 0) {
		unload(&base);
		return DIFF_EXIT_USAGE;
	}
	rows = calloc(base.n + head.n + 1, sizeof *rows);
	memset(&t, 0, sizeof t);
	t.cells = calloc(base.n + head.n + 1, sizeof *t.cells);
	if (!rows || !t.cells) {
		hpcc_diag_error("out of memory");
		status = DIFF_EXIT_USAGE;
		goto done;
	}
	for (i = 0; i < head.n; i++) {
		struct row *r = &rows[nrows++];

		r->head = &head.v[i];
		for (j = 0; j < base.n; j++)
			if (same_function(&base.v[j], r->head)) {
				r->base = &base.v[j];
				break;
			}
		r->change = r->base ? change(r->base->avg_ns, r->head->avg_ns) : NAN;
	}
	for (j = 0; j < base.n; j++) {
		for (i = 0; i < head.n; i++)
			if (same_function(&base.v[j], &head.v[i]))
				break;
		if (i == head.n) {
			rows[nrows].base = &base.v[j];
			rows[nrows].change = NAN;
			nrows++;
		}
	}
	qsort(rows, nrows, sizeof *rows, by_head_total);

	nkeys = common_pcts(&base, &head, keys);
	t.ncols = 5 + nkeys;
	cell(&t, 0, 0, "Function");
	cell(&t, 0, 1, "Calls");
	cell(&t, 0, 2, "Avg");
	for (k = 0; k < nkeys; k++) {
		snprintf(buf, sizeof buf, "P%s", keys[k] + 1);
		cell(&t, 0, 3 + k, buf);
	}
	cell(&t, 0, 3 + nkeys, "Total");
	cell(&t, 0, 4 + nkeys, "Change");
	for (i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		const struct fig *any = r->head ? r->head : r->base;
		const char *v = verdict(r, band);

		if (strcmp(v, "slower") == 0)
			slower++;
		cell(&t, i + 1, 0, any->name);
		snprintf(buf, sizeof buf, "%.0f -> %.0f",
			 r->base ? r->base->calls : 0.0, r->head ? r->head->calls : 0.0);
		cell(&t, i + 1, 1, buf);
		fmt_pair(buf, sizeof buf, r->base ? r->base->avg_ns : NAN,
			 r->head ? r->head->avg_ns : NAN);
		cell(&t, i + 1, 2, buf);
		for (k = 0; k < nkeys; k++) {
			fmt_pair(buf, sizeof buf, pct_of(r->base, keys[k]), pct_of(r->head, keys[k]));
			cell(&t, i + 1, 3 + k, buf);
		}
		fmt_pair(buf, sizeof buf, r->base ? r->base->total_ns : NAN,
			 r->head ? r->head->total_ns : NAN);
		cell(&t, i + 1, 3 + nkeys, buf);
		cell(&t, i + 1, 4 + nkeys, v);
	}
	t.nrows = nrows + 1;
	fprintf(out, "%s[hotpath] Comparison of %s (base) and %s (head), per call:\n\n",
		opts->format == DIFF_MARKDOWN ? "### " : "", opts->base_path, opts->head_path);
	print_table(out, &t, opts->format);
	if (opts->threshold >= 0) {
		fprintf(out, "\n%d function%s slower than the %.1f%% threshold.\n", slower,
			slower == 1 ? "" : "s", opts->threshold);
		if (slower)
			status = DIFF_EXIT_SLOWER;
	}
done:
	free(t.cells);
	free(rows);
	unload(&base);
	unload(&head);
	return status;
}

int hpcc_diff_main(int argc, char **argv)
{
	struct diff_opts opts;

	if (hpcc_diff_parse_args(argc, argv, &opts) != 0)
		return DIFF_EXIT_USAGE;
	return hpcc_diff_run(&opts, stdout);
}
