/* output.c - see output.h.  Runs once, in the reporting thread, on the
 * data gather.c collected: it renders and writes, and reads nothing else. */
#include "output.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"
#include "report.h"
#include "settings.h"

/* The file name extension of each format, by format index (settings.h). */
static const char *const exts[HP_OUT_FORMATS] = {
	"txt", "json", "json", "folded", "trace.json", "html", "prom",
};

int hp_output_render(struct hp_str *out, const struct hp_report *r,
		     unsigned int bit)
{
	switch (bit) {
	case HP_OUT_FOLDED:
		return hp_report_folded(out, r);
	case HP_OUT_TRACE:
		return hp_report_trace(out, r);
	case HP_OUT_HTML:
		return hp_report_html(out, r);
	case HP_OUT_METRICS:
		return hp_metrics_render(out, r);
	case HP_OUT_JSON:
	case HP_OUT_JSON_PRETTY:
		return hp_report_json(out, r, bit == HP_OUT_JSON_PRETTY);
	default:
		return hp_report_table(out, r);
	}
}

static int is_dir(const char *path)
{
	struct stat st;
	size_t n = path ? strlen(path) : 0;

	if (!n)
		return 0;
	if (path[n - 1] == '/') {
		mkdir(path, 0777); /* EEXIST is fine */
		return 1;
	}
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The extension of format `bit`'s made-up file name: json and
 * json-pretty in one list must not write the same file, so json-pretty's
 * is then "pretty.json". */
static const char *ext(const struct hp_settings *s, unsigned int bit)
{
	if (bit == HP_OUT_JSON_PRETTY && (s->formats & HP_OUT_JSON))
		return "pretty.json";
	return exts[hp_settings_format_index(bit)];
}

/* The destination pattern of format `bit` (NULL = stderr), in *buf if
 * made. */
static const char *destination(const struct hp_settings *s, unsigned int bit,
			       int first, struct hp_str *buf)
{
	unsigned int f = hp_settings_format_index(bit);
	const char *out = s->output;

	if (s->output_for[f])
		return s->output_for[f];
	if (is_dir(out)) {
		size_t n = strlen(out);

		hp_str_printf(buf, "%s%shotpath-%%p.%s", out,
			      out[n - 1] == '/' ? "" : "/", ext(s, bit));
		return buf->s;
	}
	if (first)
		return out;
	hp_str_printf(buf, "hotpath-%%p.%s", ext(s, bit));
	return buf->s;
}

/* A destination that is a device, a FIFO or a directory (/dev/stdout,
 * /dev/null) gets no numbered siblings beside it: those go to the
 * current directory instead. */
static int plain_destination(const char *pattern)
{
	struct hp_str path = { 0 };
	struct stat st;
	int plain;

	hp_report_expand_path(pattern, (long)getpid(), &path);
	plain = !path.failed && (stat(path.s, &st) != 0 || S_ISREG(st.st_mode));
	hp_str_free(&path);
	return plain;
}

/* pattern with "-NNNN" before its file name's extension (output.h). */
static void sequenced(struct hp_str *out, const char *pattern, const char *e,
		      unsigned long seq)
{
	const char *base = strrchr(pattern, '/'), *dot;
	size_t n = strlen(pattern), ne = strlen(e), at;

	base = base ? base + 1 : pattern;
	if ((size_t)(pattern + n - base) > ne + 1 && pattern[n - ne - 1] == '.' &&
	    strcmp(pattern + n - ne, e) == 0)
		at = n - ne - 1; /* "x.trace.json": before the whole extension */
	else if ((dot = strrchr(base, '.')) && dot > base)
		at = (size_t)(dot - pattern);
	else
		at = n;
	hp_str_append(out, pattern, at);
	hp_str_printf(out, "-%04lu", seq);
	hp_str_append(out, pattern + at, n - at);
}

int hp_output_snapshot(const struct hp_report *r, const struct hp_settings *s,
		       const char *path, unsigned long seq)
{
	int err = 0, e;
	size_t k;

	for (k = 0; k < HP_OUT_FORMATS && s->order[k]; k++) {
		struct hp_str text = { 0 }, dest = { 0 }, name = { 0 };
		const char *to = path;

		if (!to) {
			to = destination(s, s->order[k], k == 0, &dest);
			if (!to || !*to || !plain_destination(to)) {
				hp_str_free(&dest);
				hp_str_printf(&dest, "hotpath-%%p.%s", ext(s, s->order[k]));
				to = dest.s;
			}
			if (to)
				sequenced(&name, to, ext(s, s->order[k]), seq);
			to = name.s;
		}
		e = hp_output_render(&text, r, s->order[k]);
		if (!e && (!to || dest.failed || name.failed || text.failed))
			e = ENOMEM;
		if (!e)
			e = hp_report_write_file(to, text.s, text.len);
		if (!err)
			err = e;
		hp_str_free(&text);
		hp_str_free(&dest);
		hp_str_free(&name);
		if (path)
			break; /* one file: the first format */
	}
	return err;
}

/* "2,400,000" */
static void append_grouped(struct hp_str *out, unsigned long long v)
{
	char digits[32];
	int n = snprintf(digits, sizeof digits, "%llu", v), i;

	for (i = 0; i < n; i++) {
		hp_str_append(out, &digits[i], 1);
		if (i + 1 < n && (n - i - 1) % 3 == 0)
			hp_str_append(out, ",", 1);
	}
}

/* What the files written leave out, said on stderr (the table says the
 * same under itself, so lost measurements are said here only when the
 * table is not on stderr).  So are the settings ignored when no table is
 * made, which would say them: an error in them is always said, once,
 * HOTPATH_QUIET or not. */
static void say_dropped(const struct hp_report *r, const struct hp_settings *s,
			int table_on_stderr)
{
	struct hp_str msg = { 0 };

	if (r->notes && !(s->formats & HP_OUT_TABLE))
		hp_str_append(&msg, r->notes, strlen(r->notes));
	if ((s->formats & HP_OUT_TRACE) && r->trace_dropped) {
		hp_str_printf(&msg, "[hotpath] trace: ");
		append_grouped(&msg, r->trace_dropped);
		hp_str_printf(&msg, " events dropped past HOTPATH_TRACE_LIMIT=");
		append_grouped(&msg, s->trace_limit);
		hp_str_printf(&msg, " (the oldest of each thread)\n");
	}
	if ((s->formats & (HP_OUT_FOLDED | HP_OUT_HTML | HP_OUT_JSON |
			   HP_OUT_JSON_PRETTY)) && r->truncated) {
		hp_str_printf(&msg, "[hotpath] call paths: ");
		append_grouped(&msg, r->truncated);
		hp_str_printf(&msg, " calls merged into [truncated] past "
			      "HOTPATH_TREE_LIMIT=");
		append_grouped(&msg, s->tree_limit);
		hp_str_printf(&msg, " (their time is kept)\n");
	}
	if (r->lost && !table_on_stderr) {
		hp_str_printf(&msg, "[hotpath] ");
		append_grouped(&msg, r->lost);
		hp_str_printf(&msg, " measurements lost\n");
	}
	if (msg.len && !msg.failed)
		hp_report_write(NULL, msg.s, msg.len, 0);
	hp_str_free(&msg);
}

void hp_output_emit(const struct hp_report *r, const struct hp_settings *s)
{
	int table_on_stderr = 0;
	size_t k;

	for (k = 0; k < HP_OUT_FORMATS && s->order[k]; k++) {
		struct hp_str text = { 0 }, dest = { 0 };
		const char *path = destination(s, s->order[k], k == 0, &dest);

		if (hp_output_render(&text, r, s->order[k]) == 0 && !dest.failed)
			hp_report_write(path, text.s, text.len, !s->quiet);
		if (s->order[k] == HP_OUT_TABLE && (!path || !*path))
			table_on_stderr = 1;
		hp_str_free(&text);
		hp_str_free(&dest);
	}
	say_dropped(r, s, table_on_stderr);
}
