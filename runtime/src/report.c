/* report.c - see report.h. */
#include "report.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "hotpath.h"

enum hp_format hp_report_parse_format(const char *text)
{
	if (!text)
		return HP_FORMAT_TABLE;
	if (strcmp(text, "json") == 0)
		return HP_FORMAT_JSON;
	if (strcmp(text, "json-pretty") == 0)
		return HP_FORMAT_JSON_PRETTY;
	if (strcmp(text, "none") == 0)
		return HP_FORMAT_NONE;
	return HP_FORMAT_TABLE;
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int by_total(const void *pa, const void *pb)
{
	const struct hp_row *a = pa, *b = pb;
	int c;

	if (a->total_ns != b->total_ns)
		return a->total_ns > b->total_ns ? -1 : 1;
	if ((c = cmp_str(a->name, b->name)) != 0)
		return c;
	if ((c = cmp_str(a->file, b->file)) != 0)
		return c;
	return a->line - b->line;
}

void hp_report_sort(struct hp_report *r)
{
	qsort(r->rows, r->nrows, sizeof *r->rows, by_total);
}

static const char *base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path ? path : "?";
}

/* True when another row shows the same name: such rows get "file.c:". */
static int name_shared(const struct hp_report *r, size_t i)
{
	size_t j;

	for (j = 0; j < r->nrows; j++)
		if (j != i && r->rows[j].kind != HP_KIND_MAIN &&
		    cmp_str(r->rows[j].name, r->rows[i].name) == 0)
			return 1;
	return 0;
}

static char *dup_duration(double ns)
{
	char buf[48];

	return hp_strdup(hp_fmt_duration(buf, sizeof buf, ns));
}

static double percent(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* Rows shown (main excluded), after the limit, and how many were cut. */
static size_t shown_rows(const struct hp_report *r, size_t *cut)
{
	size_t n = 0, i;

	for (i = 0; i < r->nrows; i++)
		if (r->rows[i].kind != HP_KIND_MAIN)
			n++;
	*cut = 0;
	if (r->limit >= 0 && (size_t)r->limit < n) {
		*cut = n - (size_t)r->limit;
		n = (size_t)r->limit;
	}
	return n;
}

int hp_report_table(struct hp_str *out, const struct hp_report *r)
{
	size_t ncols = 5 + (size_t)r->npcts, cut, nshown, row, i, c;
	char **cells;
	char buf[256];
	int err = 0;

	nshown = shown_rows(r, &cut);
	cells = hp_calloc((nshown + 1) * ncols, sizeof *cells);
	if (!cells)
		return ENOMEM;
	c = 0;
	cells[c++] = hp_strdup("Function");
	cells[c++] = hp_strdup("Calls");
	cells[c++] = hp_strdup("Avg");
	for (i = 0; i < (size_t)r->npcts; i++) {
		snprintf(buf, sizeof buf, "P%u", r->pcts[i]);
		cells[c++] = hp_strdup(buf);
	}
	cells[c++] = hp_strdup("Total");
	cells[c++] = hp_strdup("% Total");
	for (i = 0, row = 1; i < r->nrows && row <= nshown; i++) {
		const struct hp_row *w = &r->rows[i];
		size_t k;

		if (w->kind == HP_KIND_MAIN)
			continue;
		c = row++ * ncols;
		if (name_shared(r, i))
			snprintf(buf, sizeof buf, "%s:%s", base_name(w->file),
				 w->name ? w->name : "?");
		else
			snprintf(buf, sizeof buf, "%s", w->name ? w->name : "?");
		cells[c++] = hp_strdup(buf);
		snprintf(buf, sizeof buf, "%llu", (unsigned long long)w->calls);
		cells[c++] = hp_strdup(buf);
		cells[c++] = dup_duration(w->calls ? (double)w->total_ns /
					  (double)w->calls : 0.0);
		for (k = 0; k < (size_t)r->npcts; k++)
			cells[c++] = dup_duration((double)w->pct_ns[k]);
		cells[c++] = dup_duration((double)w->total_ns);
		snprintf(buf, sizeof buf, "%.2f%%",
			 percent(w->total_ns, r->total_ns));
		cells[c++] = hp_strdup(buf);
	}
	for (i = 0; i < (nshown + 1) * ncols; i++)
		if (!cells[i])
			err = ENOMEM;
	if (!err) {
		hp_str_printf(out, "[hotpath] Performance summary from %s "
			      "(Total time: %s):\n", r->program,
			      hp_fmt_duration(buf, sizeof buf,
					      (double)r->total_ns));
		hp_fmt_table(out, (const char *const *)cells, nshown + 1, ncols);
		if (cut)
			hp_str_printf(out, "[hotpath] %zu more not shown "
				      "(HOTPATH_LIMIT=%ld)\n", cut, r->limit);
		if (r->lost)
			hp_str_printf(out, "[hotpath] %llu measurements lost\n",
				      (unsigned long long)r->lost);
	}
	for (i = 0; i < (nshown + 1) * ncols; i++)
		hp_free(cells[i]);
	hp_free(cells);
	return err ? err : out->failed ? ENOMEM : 0;
}

static const char *kind_name(int kind)
{
	return kind == HP_KIND_MAIN ? "main" :
	       kind == HP_KIND_BLOCK ? "block" : "function";
}

static cJSON *row_json(const struct hp_report *r, const struct hp_row *w)
{
	cJSON *o = cJSON_CreateObject(), *p;
	char key[16];
	int k;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "name", w->name ? w->name : "");
	cJSON_AddStringToObject(o, "file", w->file ? w->file : "");
	cJSON_AddNumberToObject(o, "line", w->line);
	cJSON_AddStringToObject(o, "kind", kind_name(w->kind));
	cJSON_AddNumberToObject(o, "calls", (double)w->calls);
	cJSON_AddNumberToObject(o, "total_ns", (double)w->total_ns);
	cJSON_AddNumberToObject(o, "avg_ns",
				(double)(w->calls ? w->total_ns / w->calls : 0));
	cJSON_AddNumberToObject(o, "min_ns", (double)w->min_ns);
	cJSON_AddNumberToObject(o, "max_ns", (double)w->max_ns);
	cJSON_AddNumberToObject(o, "percent_total",
				percent(w->total_ns, r->total_ns));
	p = cJSON_AddObjectToObject(o, "percentiles");
	for (k = 0; p && k < r->npcts; k++) {
		snprintf(key, sizeof key, "p%u", r->pcts[k]);
		if (!cJSON_GetObjectItemCaseSensitive(p, key))
			cJSON_AddNumberToObject(p, key, (double)w->pct_ns[k]);
	}
	return o;
}

int hp_report_json(struct hp_str *out, const struct hp_report *r, int pretty)
{
	cJSON *root = cJSON_CreateObject(), *arr, *pcts;
	size_t cut, nshown, i, row = 0;
	char *text;
	int k;

	if (!root)
		return ENOMEM;
	nshown = shown_rows(r, &cut);
	cJSON_AddStringToObject(root, "program", r->program);
	cJSON_AddStringToObject(root, "clock", r->clock);
	cJSON_AddNumberToObject(root, "total_ns", (double)r->total_ns);
	cJSON_AddNumberToObject(root, "lost", (double)r->lost);
	cJSON_AddNumberToObject(root, "omitted", (double)cut);
	pcts = cJSON_AddArrayToObject(root, "percentiles");
	for (k = 0; pcts && k < r->npcts; k++)
		cJSON_AddItemToArray(pcts, cJSON_CreateNumber(r->pcts[k]));
	arr = cJSON_AddArrayToObject(root, "functions");
	for (i = 0; arr && i < r->nrows; i++) {
		if (r->rows[i].kind != HP_KIND_MAIN && row++ >= nshown)
			continue;
		cJSON_AddItemToArray(arr, row_json(r, &r->rows[i]));
	}
	text = pretty ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!text)
		return ENOMEM;
	hp_str_printf(out, "%s\n", text);
	cJSON_free(text);
	return out->failed ? ENOMEM : 0;
}

void hp_report_expand_path(const char *pattern, long pid, struct hp_str *out)
{
	const char *p;

	for (p = pattern; *p; p++) {
		if (p[0] == '%' && p[1] == 'p') {
			hp_str_printf(out, "%ld", pid);
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			hp_str_append(out, "%", 1);
			p++;
		} else {
			hp_str_append(out, p, 1);
		}
	}
	if (!out->s)
		hp_str_append(out, "", 0);
}

static void write_all(int fd, const char *text, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, text, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		text += w;
		n -= (size_t)w;
	}
}

void hp_report_write(const char *pattern, const char *text, size_t n)
{
	struct hp_str path = { 0 }, msg = { 0 };
	int fd;

	if (!pattern || !*pattern) {
		write_all(2, text, n);
		return;
	}
	hp_report_expand_path(pattern, (long)getpid(), &path);
	fd = path.failed ? -1 : open(path.s, O_WRONLY | O_CREAT | O_TRUNC |
				     O_CLOEXEC, 0644);
	if (fd < 0) {
		int err = path.failed ? ENOMEM : errno;

		hp_str_printf(&msg, "[hotpath] cannot write %s: %s\n",
			      path.s ? path.s : pattern, strerror(err));
		if (msg.s)
			write_all(2, msg.s, msg.len);
		write_all(2, text, n);
	} else {
		write_all(fd, text, n);
		close(fd);
	}
	hp_str_free(&path);
	hp_str_free(&msg);
}
