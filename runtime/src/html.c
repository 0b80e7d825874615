/* html.c - HOTPATH_FORMAT=html: one self-contained page (inline CSS and
 * SVG, no script, nothing fetched) with the summary table, a bar chart of
 * self and total time per function (the table's order, HOTPATH_SORT; each
 * bar ends with both figures, named) and an icicle graph of the call-path
 * tree (callers above callees, widths proportional to total time; hover
 * for figures).  Drawn here in C so the page needs nothing to render and
 * works with scripts disabled.
 *
 * Icicle labels are monospace, so a box's width says how many characters
 * fit (ICICLE_CHAR_W, a little more than the 0.6em advance of common
 * monospace fonts); one rule for every box: the whole name if it fits,
 * else its first characters and "…" if at least two fit, else nothing.
 * Each label sits in a nested <svg> the size of its box, which clips it,
 * so even an unexpectedly wide font cannot spill into the next box. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "hotpath.h"
#include "report.h"

#define CHART_W 1000.0
#define BAR_ROWS 25
#define ICICLE_ROW 18
#define ICICLE_DEPTH 64
#define ICICLE_FONT 11 /* px, monospace */
#define ICICLE_CHAR_W 7.0 /* px a character, with some room to spare */
#define ICICLE_PAD 3.0 /* px left of a label */
#define BAR_FIGURES 230.0
#define HP_STR2_(x) #x
#define HP_STR_(x) HP_STR2_(x) /* px right of the longest bar: its figures */

/* Text as HTML: markup characters as entities, and each byte that is not
 * part of a UTF-8 character as U+FFFD (the page says charset utf-8; a
 * Latin-1 path or a label's "\xff" would be invalid there). */
static void esc(struct hp_str *out, const char *s)
{
	size_t n;

	for (; s && *s; s++) {
		switch (*s) {
		case '<': hp_str_append(out, "&lt;", 4); break;
		case '>': hp_str_append(out, "&gt;", 4); break;
		case '&': hp_str_append(out, "&amp;", 5); break;
		case '"': hp_str_append(out, "&quot;", 6); break;
		default:
			n = hp_fmt_utf8_len((const unsigned char *)s);
			if (n) {
				hp_str_append(out, s, n);
				s += n - 1;
			} else {
				hp_str_append(out, "\xef\xbf\xbd", 3);
			}
		}
	}
}

static void dur(struct hp_str *out, double ns)
{
	char buf[48];

	esc(out, hp_fmt_duration(buf, sizeof buf, ns));
}

static void table(struct hp_str *out, const struct hp_report *r)
{
	char head[32];
	size_t i;
	int k;

	hp_str_printf(out, "<table id=\"summary\"><thead><tr><th>Function</th>"
		      "<th>Calls</th><th>Avg</th>");
	if (r->columns.min)
		hp_str_printf(out, "<th>Min</th>");
	for (k = 0; k < r->npcts; k++)
		hp_str_printf(out, "<th>P%u</th>", r->pcts[k]);
	for (k = 0; k < r->columns.npcts; k++)
		if (hp_report_extra_pct(r, k))
			hp_str_printf(out, "<th>%s</th>", hp_report_pct_heading(
				head, sizeof head, r->columns.pcts[k]));
	if (r->columns.max)
		hp_str_printf(out, "<th>Max</th>");
	hp_str_printf(out, "<th>Total</th><th>Self</th><th>%% Total</th>"
		      "</tr></thead><tbody>\n");
	for (i = 0; i < r->nrows; i++) {
		const struct hp_row *w = &r->rows[i];

		hp_str_printf(out, "<tr%s><td>", w->kind == HP_KIND_MAIN ?
			      " class=\"main\"" : "");
		esc(out, w->name);
		hp_str_printf(out, "</td><td>%llu</td><td>",
			      (unsigned long long)w->calls);
		dur(out, hp_row_avg_ns(w)); /* per call, recursive ones too */
		if (r->columns.min) {
			hp_str_printf(out, "</td><td>");
			dur(out, (double)w->min_ns);
		}
		for (k = 0; k < r->npcts; k++) {
			hp_str_printf(out, "</td><td>");
			dur(out, (double)w->pct_ns[k]);
		}
		for (k = 0; k < r->columns.npcts; k++)
			if (hp_report_extra_pct(r, k)) {
				hp_str_printf(out, "</td><td>");
				dur(out, (double)w->pct_ns[HP_COL_PCT(k)]);
			}
		if (r->columns.max) {
			hp_str_printf(out, "</td><td>");
			dur(out, (double)w->max_ns);
		}
		hp_str_printf(out, "</td><td>");
		dur(out, (double)w->total_ns);
		hp_str_printf(out, "</td><td>");
		dur(out, (double)w->self_ns);
		hp_str_printf(out, "</td><td>%.2f%%</td></tr>\n",
			      r->total_ns ? 100.0 * (double)w->total_ns /
			      (double)r->total_ns : 0.0);
	}
	hp_str_printf(out, "</tbody></table>\n");
}

static void bars(struct hp_str *out, const struct hp_report *r)
{
	const struct hp_row **v = hp_calloc(r->nrows ? r->nrows : 1, sizeof *v);
	size_t i, n = 0;
	double max = 1, label = 220, y;

	if (!v) {
		out->failed = 1;
		return;
	}
	/* The table's order (HOTPATH_SORT), its first BAR_ROWS rows. */
	for (i = 0; i < r->nrows && n < BAR_ROWS; i++)
		if (r->rows[i].kind != HP_KIND_MAIN) {
			v[n++] = &r->rows[i];
			if ((double)r->rows[i].total_ns > max)
				max = (double)r->rows[i].total_ns;
		}
	hp_str_printf(out, "<svg id=\"bars\" xmlns=\"http://www.w3.org/2000/svg\" "
		      "width=\"%.0f\" height=\"%zu\">\n", CHART_W, n * 22 + 24);
	hp_str_printf(out, "<rect x=\"%.0f\" y=\"2\" width=\"12\" height=\"12\" "
		      "class=\"total\"/><text x=\"%.0f\" y=\"13\">total</text>"
		      "<rect x=\"%.0f\" y=\"2\" width=\"12\" height=\"12\" "
		      "class=\"self\"/><text x=\"%.0f\" y=\"13\">self</text>\n",
		      label, label + 16, label + 70, label + 86);
	for (i = 0; i < n; i++) {
		double wt = (CHART_W - label - BAR_FIGURES) * (double)v[i]->total_ns / max;
		double ws = (CHART_W - label - BAR_FIGURES) * (double)v[i]->self_ns / max;

		y = 24 + (double)i * 22;
		hp_str_printf(out, "<g><title>");
		esc(out, v[i]->name);
		hp_str_printf(out, ": self ");
		dur(out, (double)v[i]->self_ns);
		hp_str_printf(out, ", total ");
		dur(out, (double)v[i]->total_ns);
		hp_str_printf(out, "</title><text x=\"%.0f\" y=\"%.0f\" "
			      "text-anchor=\"end\">", label - 6, y + 14);
		esc(out, v[i]->name);
		hp_str_printf(out, "</text><rect class=\"total\" x=\"%.0f\" y=\"%.0f\" "
			      "width=\"%.1f\" height=\"18\"/><rect class=\"self\" "
			      "x=\"%.0f\" y=\"%.0f\" width=\"%.1f\" height=\"18\"/>"
			      "<text class=\"figures\" x=\"%.1f\" y=\"%.0f\">self "
			      "<tspan class=\"self\">", label, y, wt, label,
			      y, ws, label + wt + 4, y + 14);
		dur(out, (double)v[i]->self_ns);
		hp_str_printf(out, "</tspan> / total <tspan class=\"total\">");
		dur(out, (double)v[i]->total_ns);
		hp_str_printf(out, "</tspan></text></g>\n");
	}
	hp_str_printf(out, "</svg>\n");
	hp_free(v);
}

/* Code points in the UTF-8 text s. */
static size_t chars_in(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* An icicle box's label (see the top of the file): the name, or its
 * first characters and "…", or nothing, clipped to the box. */
static void icicle_label(struct hp_str *out, const char *name, double x,
			 double y, double w)
{
	double room = (w - 2 * ICICLE_PAD) / ICICLE_CHAR_W;
	size_t fit = room > 0 ? (size_t)room : 0, len = chars_in(name), k;
	const char *end = name;

	if (len > fit) {
		if (fit < 3)
			return; /* not even two characters and the ellipsis */
		/* fit - 1 characters, then the ellipsis */
		for (k = 0; *end; end++)
			if (((unsigned char)*end & 0xc0) != 0x80 && k++ == fit - 1)
				break;
	}
	hp_str_printf(out, "<svg x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
		      "height=\"%d\"><text x=\"%.0f\" y=\"13\">", x, y, w,
		      ICICLE_ROW - 1, ICICLE_PAD);
	if (len > fit) {
		struct hp_str cut = { 0 };

		hp_str_append(&cut, name, (size_t)(end - name));
		esc(out, cut.s ? cut.s : "");
		if (cut.failed)
			out->failed = 1;
		hp_str_free(&cut);
		hp_str_append(out, "\xe2\x80\xa6", 3);
	} else {
		esc(out, name);
	}
	hp_str_printf(out, "</text></svg>");
}

/* Nodes come parents first, so one pass places them: each node starts
 * where its parent's next child goes. */
static void icicle(struct hp_str *out, const struct hp_report *r)
{
	double *x, *next, whole = 0, scale;
	size_t i, depth = 0;

	if (r->nnodes < 2) {
		hp_str_printf(out, "<p>No call paths were recorded.</p>\n");
		return;
	}
	x = hp_calloc(r->nnodes, sizeof *x);
	next = hp_calloc(r->nnodes, sizeof *next);
	if (!x || !next) {
		hp_free(x);
		hp_free(next);
		out->failed = 1;
		return;
	}
	for (i = 1; i < r->nnodes; i++) {
		if (r->nodes[i].parent == 0)
			whole += (double)r->nodes[i].total_ns;
		if (r->nodes[i].depth > depth && r->nodes[i].depth <= ICICLE_DEPTH)
			depth = r->nodes[i].depth;
	}
	scale = whole > 0 ? CHART_W / whole : 0;
	hp_str_printf(out, "<svg id=\"icicle\" xmlns=\"http://www.w3.org/2000/svg\" "
		      "width=\"%.0f\" height=\"%zu\">\n", CHART_W, depth * ICICLE_ROW);
	for (i = 1; i < r->nnodes; i++) {
		const struct hp_path_node *n = &r->nodes[i];
		double w = (double)n->total_ns * scale;

		x[i] = next[n->parent];
		next[n->parent] += w;
		next[i] = x[i];
		if (n->depth > ICICLE_DEPTH || w < 0.5)
			continue;
		hp_str_printf(out, "<g><title>");
		esc(out, n->name ? n->name : "[truncated]");
		hp_str_printf(out, ": %llu calls, total ", (unsigned long long)n->calls);
		dur(out, (double)n->total_ns);
		hp_str_printf(out, ", self ");
		dur(out, (double)n->self_ns);
		hp_str_printf(out, "</title><rect x=\"%.1f\" y=\"%u\" width=\"%.1f\" "
			      "height=\"%d\" style=\"fill:hsl(%u,70%%,%u%%)\"/>",
			      x[i], (n->depth - 1) * ICICLE_ROW, w, ICICLE_ROW - 1,
			      (unsigned)(20 + (i * 37) % 40), 60 + (unsigned)(i % 3) * 5);
		icicle_label(out, n->name ? n->name : "[truncated]", x[i],
			     (double)(n->depth - 1) * ICICLE_ROW, w);
		hp_str_printf(out, "</g>\n");
	}
	hp_str_printf(out, "</svg>\n");
	hp_free(x);
	hp_free(next);
}

int hp_report_html(struct hp_str *out, const struct hp_report *r)
{
	hp_str_printf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
		      "<meta charset=\"utf-8\"><title>hotpath: ");
	esc(out, r->program);
	hp_str_printf(out, "</title>\n<style>\n"
		      "body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}\n"
		      "table{border-collapse:collapse;margin:1em 0}\n"
		      "th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}\n"
		      "th:first-child,td:first-child{text-align:left}\n"
		      "tr.main{color:#777}\n"
		      "svg text{font:12px system-ui,sans-serif;fill:#222}\n"
		      "rect.total{fill:#f4b183}rect.self{fill:#c0504d}\n"
		      "#icicle rect{stroke:#fff;stroke-width:0.5}\n"
		      "#icicle text{font:" HP_STR_(ICICLE_FONT) "px monospace}\n"
		      "</style></head><body>\n<h1>hotpath: ");
	esc(out, r->program);
	hp_str_printf(out, "</h1>\n<p>Total time: ");
	dur(out, (double)r->total_ns);
	hp_str_printf(out, " &middot; clock: ");
	esc(out, r->clock);
	if (r->lost)
		hp_str_printf(out, " &middot; %llu measurements lost",
			      (unsigned long long)r->lost);
	if (r->nonlocal_exits)
		hp_str_printf(out, " &middot; %llu calls left by a non-local exit",
			      (unsigned long long)r->nonlocal_exits);
	if (r->truncated)
		hp_str_printf(out, " &middot; %llu calls under [truncated] paths",
			      (unsigned long long)r->truncated);
	if (r->sample > 1)
		hp_str_printf(out, " &middot; sampled (HOTPATH_SAMPLE=%u): calls "
			      "are exact, times are estimated from about 1 call "
			      "in %u", r->sample, r->sample);
	hp_str_printf(out, "</p>\n<h2>Functions</h2>\n");
	table(out, r);
	hp_str_printf(out, "<h2>Self and total time</h2>\n");
	bars(out, r);
	hp_str_printf(out, "<h2>Call paths</h2>\n<p>Callers above callees; "
		      "width is total time.</p>\n");
	icicle(out, r);
	hp_str_printf(out, "</body></html>\n");
	return out->failed ? ENOMEM : 0;
}
