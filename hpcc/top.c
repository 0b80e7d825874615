/* top.c - `hpcc top`: a live view of a running program's profile.
 *
 * DESIGN.  Each frame reads one snapshot (a JSON report, the exit
 * report's schema) from the program's HTTP server (httpget.h) or from a
 * file, and shows each function's figures over the interval since the
 * previous snapshot: the difference of two cumulative reports.  The
 * interval is the difference of the two reports' total_ns (the program's
 * own clock, so the time a fetch takes does not skew the rates); the
 * first frame, having no previous snapshot, shows the figures since the
 * program started.  A report whose total_ns went back is a new process:
 * its figures are shown since its start.
 *
 * The p95 of an interval is not an estimate: the report carries each
 * function's histogram as [value_ns, calls] pairs, so the calls of the
 * interval are the bucket-wise difference of the two histograms, and the
 * percentile of those is taken by --merge's rule (nearest rank, clamped
 * to [min, max]).  Buckets are matched to the nearest value, not the
 * equal one (see nearest()).  A report without histograms falls back to
 * the cumulative p95.
 *
 * Three ways to show it:
 *  - on a terminal: the alternate screen, redrawn every interval and at
 *    each key (s t c a p n: sort by self, total, calls, avg, p95, name;
 *    q or Ctrl-C: quit), cut to the terminal's width and height, which
 *    are asked for at each draw (and SIGWINCH redraws at once).  Raw
 *    mode keeps ISIG off, so Ctrl-C is a key; SIGINT, SIGTERM, SIGHUP
 *    from elsewhere restore the terminal and then end hpcc by the same
 *    signal, as does an exit through atexit (out of memory).  Ctrl-Z
 *    (the terminal's suspend key) and SIGTSTP restore it too, then stop
 *    hpcc as SIGTSTP's default would (Ctrl-Z: the whole process group,
 *    as the terminal's own); at SIGCONT it takes the terminal again (its
 *    modes as the shell left them; in the background that stops it by
 *    SIGTTOU until fg) and redraws.  SIGCONT after a SIGSTOP, which
 *    cannot be caught, redraws.
 *  - --once: one frame as plain text on stdout, then exit.  With an
 *    interval it reads twice, one interval apart, and shows that
 *    interval; with --interval 0 it reads once and shows the figures
 *    since the start.
 *  - stdout not a terminal (a pipe, a file): frames as plain text, one
 *    after the other with a blank line between (as top -b), until killed.
 *
 * Figures go through the runtime's own formatters (fmt.c): one
 * formatter, not two.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "diag.h"
#include "fmt.h" /* runtime/src/fmt.h: the runtime's formatters */
#include "httpget.h"
#include "merge.h"
#include "readfile.h"
#include "top.h"

#define TOP_MAX_BYTES ((size_t)256 << 20) /* a report larger than this is not one */
#define TOP_TIMEOUT_MS 3000
#define NUM_COLS 6
#define NUM_W 10 /* each figure's column, with its leading blanks */

static const char usage[] =
	"usage: hpcc top [--once] [--interval SECONDS] [--sort KEY] [URL | HOST:PORT | FILE]\n"
	"\n"
	"A live view of a program run with HOTPATH_HTTP=[HOST:]PORT: per function,\n"
	"what happened over the last interval (calls/s, self and total time per\n"
	"second, avg and p95 of those calls), sorted by self time.\n"
	"\n"
	"  URL                  http://HOST:PORT/ (its /report.json), HOST:PORT or PORT;\n"
	"                       default " TOP_DEFAULT_URL "\n"
	"  FILE                 a JSON report, read again each interval\n"
	"  --interval SECONDS   between frames (default 1; 0.1 to 3600)\n"
	"  --once               print one frame as plain text and exit: the last\n"
	"                       interval, or with --interval 0 the figures since\n"
	"                       the program started\n"
	"  --sort KEY           self (default), total, calls, avg, p95 or name\n"
	"\n"
	"keys: s self  t total  c calls  a avg  p p95  n name  q quit\n"
	"When stdout is not a terminal, frames are printed as plain text one\n"
	"after the other.\n";

enum sort_key { SORT_SELF, SORT_TOTAL, SORT_CALLS, SORT_AVG, SORT_P95, SORT_NAME };
static const char *const sort_names[] = { "self", "total", "calls", "avg", "p95", "name" };
static const char sort_keys[] = "stcapn";

struct top_fn {
	const char *name, *file, *kind; /* into the snapshot's cJSON tree */
	uint64_t calls, total, recursive, self, min, max;
	uint64_t p95;       /* the cumulative one, when the report has it */
	int has_p95;
	struct merge_pair *hist; /* sorted by value; NULL without a histogram */
	size_t nhist;
	int has_hist;
};

struct snapshot {
	cJSON *root;
	const char *program;
	uint64_t total_ns;
	uint64_t omitted; /* rows HOTPATH_LIMIT left out of the report */
	struct top_fn *fn; /* sorted by name, file, kind */
	size_t n;
};

/* One function's figures over the interval. */
struct row {
	const struct top_fn *fn;
	uint64_t calls, self, total, avg, p95;
	int has_p95;
};

struct source {
	int is_file;
	const char *path;
	struct http_url url;
	char label[1200];
};

struct top_opts {
	int once;
	double interval; /* seconds */
	enum sort_key sort;
	const char *target;
};

/* Raised by the signal handlers; the self-pipe wakes the key wait. */
static volatile sig_atomic_t got_signal, got_winch, got_tstp;
static int wake_pipe[2] = { -1, -1 };

/* ---- reading a snapshot ---- */

static int u64_of(const cJSON *obj, const char *key, uint64_t *out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(it) || !(it->valuedouble >= 0) ||
	    it->valuedouble >= 18446744073709551616.0)
		return -1;
	*out = (uint64_t)it->valuedouble;
	return 0;
}

static const char *str_of(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

static int cmp_fn(const void *a, const void *b)
{
	const struct top_fn *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (!c)
		c = strcmp(x->file, y->file);
	return c ? c : strcmp(x->kind, y->kind);
}

static int cmp_pair(const void *a, const void *b)
{
	const struct merge_pair *x = a, *y = b;

	return x->value_ns < y->value_ns ? -1 : x->value_ns > y->value_ns;
}

static void snapshot_free(struct snapshot *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->fn[i].hist);
	free(s->fn);
	cJSON_Delete(s->root);
	memset(s, 0, sizeof *s);
}

static int read_hist(struct top_fn *f, const cJSON *hist)
{
	const cJSON *pair;
	int n = cJSON_GetArraySize(hist);

	f->has_hist = 1;
	if (n == 0)
		return 0;
	f->hist = calloc((size_t)n, sizeof *f->hist);
	if (!f->hist)
		hpcc_diag_nomem();
	cJSON_ArrayForEach(pair, hist) {
		const cJSON *v = cJSON_GetArrayItem(pair, 0), *c = cJSON_GetArrayItem(pair, 1);

		if (cJSON_GetArraySize(pair) != 2 || !cJSON_IsNumber(v) || !cJSON_IsNumber(c) ||
		    v->valuedouble < 0 || c->valuedouble < 0)
			return -1;
		f->hist[f->nhist].value_ns = (uint64_t)v->valuedouble;
		f->hist[f->nhist++].count = (uint64_t)c->valuedouble;
	}
	qsort(f->hist, f->nhist, sizeof *f->hist, cmp_pair);
	return 0;
}

/* Parses a report's text; 0, or -1 with the reason in err. */
static int snapshot_parse(const char *text, size_t len, struct snapshot *s, char *err,
			  size_t errlen)
{
	const cJSON *fns, *j, *hist, *pcts;
	size_t i = 0;

	memset(s, 0, sizeof *s);
	s->root = cJSON_ParseWithLength(text, len);
	if (!s->root) {
		snprintf(err, errlen, "not JSON (near byte %zu)",
			 cJSON_GetErrorPtr() && cJSON_GetErrorPtr() >= text &&
			 cJSON_GetErrorPtr() <= text + len ?
			 (size_t)(cJSON_GetErrorPtr() - text) : (size_t)0);
		return -1;
	}
	fns = cJSON_GetObjectItemCaseSensitive(s->root, "functions");
	if (!cJSON_IsArray(fns) || u64_of(s->root, "total_ns", &s->total_ns)) {
		snprintf(err, errlen, "not a hotpath JSON report (no functions or total_ns)");
		goto fail;
	}
	s->program = str_of(s->root, "program");
	if (u64_of(s->root, "omitted", &s->omitted))
		s->omitted = 0;
	s->fn = calloc((size_t)cJSON_GetArraySize(fns) + 1, sizeof *s->fn);
	if (!s->fn)
		hpcc_diag_nomem();
	cJSON_ArrayForEach(j, fns) {
		struct top_fn *f = &s->fn[i];

		f->name = str_of(j, "name");
		f->file = str_of(j, "file");
		f->kind = str_of(j, "kind");
		if (!f->name || !f->file || !f->kind || u64_of(j, "calls", &f->calls) ||
		    u64_of(j, "total_ns", &f->total) || u64_of(j, "self_ns", &f->self)) {
			snprintf(err, errlen, "a function without name, file, kind, calls, "
				 "total_ns or self_ns");
			goto fail;
		}
		if (u64_of(j, "recursive_ns", &f->recursive))
			f->recursive = 0;
		if (u64_of(j, "min_ns", &f->min))
			f->min = 0;
		if (u64_of(j, "max_ns", &f->max))
			f->max = UINT64_MAX;
		pcts = cJSON_GetObjectItemCaseSensitive(j, "percentiles");
		f->has_p95 = u64_of(pcts, "p95", &f->p95) == 0;
		hist = cJSON_GetObjectItemCaseSensitive(j, "histogram");
		s->n = ++i; /* freed with the rest from here on */
		if (cJSON_IsArray(hist) && read_hist(f, hist)) {
			snprintf(err, errlen, "function '%s' has a malformed histogram", f->name);
			goto fail;
		}
	}
	qsort(s->fn, s->n, sizeof *s->fn, cmp_fn);
	return 0;
fail:
	snapshot_free(s);
	return -1;
}

/* "FILE" when such a file exists (or the text cannot be a URL), else a
 * URL; 0 or -1 (message printed). */
static int source_setup(const char *target, struct source *src)
{
	char err[256];
	struct stat st;

	memset(src, 0, sizeof *src);
	if (strncmp(target, "http://", 7) && strstr(target, "://") == NULL &&
	    (stat(target, &st) == 0 || strchr(target, '/') || strstr(target, ".json"))) {
		src->is_file = 1;
		src->path = target;
		snprintf(src->label, sizeof src->label, "%s", target);
		return 0;
	}
	if (hpcc_http_parse_url(target, &src->url, err, sizeof err)) {
		hpcc_diag_error("'%s': %s", target, err);
		return -1;
	}
	hpcc_http_url_text(&src->url, src->label, sizeof src->label);
	return 0;
}

/* Reads one snapshot; 0, or -1 with the reason in err. */
static int fetch(const struct source *src, struct snapshot *s, char *err, size_t errlen)
{
	char why[300], *text;
	size_t len = 0;
	int r;

	if (src->is_file) {
		text = hpcc_read_file(src->path, TOP_MAX_BYTES, &len);
		if (!text) {
			snprintf(err, errlen, "cannot read %s: %s", src->path,
				 errno == EFBIG ? "larger than 256 MiB" : strerror(errno));
			return -1;
		}
	} else {
		text = hpcc_http_get(&src->url, TOP_TIMEOUT_MS, TOP_MAX_BYTES, &got_signal, &len,
				     why, sizeof why);
		if (!text) {
			snprintf(err, errlen, "%s: %s", src->label, why);
			return -1;
		}
	}
	r = snapshot_parse(text, len, s, why, sizeof why);
	free(text);
	if (r)
		snprintf(err, errlen, "%s: %s", src->label, why);
	return r;
}

/* ---- the interval's figures ---- */

static const struct top_fn *find_fn(const struct snapshot *s, const struct top_fn *key)
{
	return s ? bsearch(key, s->fn, s->n, sizeof *s->fn, cmp_fn) : NULL;
}

static uint64_t minus(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* The index of cur's bucket nearest to value u (by ratio): a bucket of
 * prev is the one of cur that reads nearest.  Not equality: the runtime
 * turns clock ticks into ns with a calibration it refines as the program
 * runs, so one bucket can read 0.1% apart in two snapshots; neighbouring
 * buckets are at least 0.78% apart (hist.h), so the nearest is the one. */
static size_t nearest(const struct merge_pair *v, size_t n, size_t from, uint64_t u)
{
	size_t j = from;

	while (j + 1 < n && v[j + 1].value_ns <= u)
		j++;
	/* u between v[j] and v[j + 1]: the nearer in ratio, u^2 against
	 * their product */
	if (j + 1 < n && v[j].value_ns < u &&
	    (unsigned __int128)u * u > (unsigned __int128)v[j].value_ns * v[j + 1].value_ns)
		j++;
	return j;
}

/* The p95 of the calls between prev and cur: the histograms' difference,
 * bucket by bucket. */
static int interval_p95(const struct top_fn *cur, const struct top_fn *prev, uint64_t calls,
			uint64_t *out)
{
	struct merge_pair *d;
	size_t i, j = 0;

	if (!cur->has_hist || (prev && !prev->has_hist)) {
		*out = cur->p95;
		return cur->has_p95;
	}
	if (!calls || !cur->nhist)
		return 0;
	d = calloc(cur->nhist, sizeof *d);
	if (!d)
		hpcc_diag_nomem();
	memcpy(d, cur->hist, cur->nhist * sizeof *d);
	for (i = 0; prev && i < prev->nhist; i++) {
		j = nearest(d, cur->nhist, j, prev->hist[i].value_ns);
		d[j].count = minus(d[j].count, prev->hist[i].count);
	}
	*out = hpcc_merge_percentile(d, cur->nhist, calls, cur->min, cur->max, 95000);
	free(d);
	return 1;
}

/* cur's rows over the interval since prev (NULL: since the start);
 * *interval_ns gets its length, *n the number of rows. */
static struct row *make_rows(const struct snapshot *cur, const struct snapshot *prev,
			     uint64_t *interval_ns, size_t *n)
{
	struct row *rows = calloc(cur->n + 1, sizeof *rows);
	size_t i;

	if (!rows)
		hpcc_diag_nomem();
	if (prev && cur->total_ns < prev->total_ns)
		prev = NULL; /* another process (restarted) */
	*interval_ns = prev ? cur->total_ns - prev->total_ns : cur->total_ns;
	for (*n = 0, i = 0; i < cur->n; i++) {
		const struct top_fn *f = &cur->fn[i], *p = find_fn(prev, f);
		struct row *r = &rows[*n];

		/* a row HOTPATH_LIMIT cut from prev: its figures then are
		 * unknown, so it waits for the next frame */
		if (prev && !p && prev->omitted)
			continue;
		(*n)++;
		if (p && p->calls > f->calls)
			p = NULL;
		r->fn = f;
		r->calls = minus(f->calls, p ? p->calls : 0);
		r->self = minus(f->self, p ? p->self : 0);
		r->total = minus(f->total, p ? p->total : 0);
		if (r->calls)
			r->avg = (r->total + minus(f->recursive, p ? p->recursive : 0)) / r->calls;
		r->has_p95 = interval_p95(f, p, r->calls, &r->p95);
	}
	return rows;
}

static enum sort_key current_sort;

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a > b ? -1 : a < b;
}

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = 0;

	switch (current_sort) {
	case SORT_SELF: c = cmp_u64_desc(x->self, y->self); break;
	case SORT_TOTAL: c = cmp_u64_desc(x->total, y->total); break;
	case SORT_CALLS: c = cmp_u64_desc(x->calls, y->calls); break;
	case SORT_AVG: c = cmp_u64_desc(x->avg, y->avg); break;
	case SORT_P95:
		c = cmp_u64_desc(x->has_p95 ? x->p95 : 0, y->has_p95 ? y->p95 : 0);
		break;
	case SORT_NAME: break;
	}
	return c ? c : cmp_fn(x->fn, y->fn);
}

/* ---- drawing ---- */

struct text {
	char *s;
	size_t n, cap;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->n + n + 1 > t->cap) {
		size_t cap = (t->n + n + 1) * 2;
		char *p = realloc(t->s, cap);

		if (!p)
			hpcc_diag_nomem();
		t->s = p;
		t->cap = cap;
	}
	memcpy(t->s + t->n, s, n);
	t->n += n;
	t->s[t->n] = '\0';
}

/* s right-aligned in w display columns (after at least one blank). */
static void put_right(struct text *t, const char *s, size_t w)
{
	size_t sw = hp_fmt_width(s);

	for (; sw < w; sw++)
		put(t, " ", 1);
	put(t, s, strlen(s));
}

/* s with its control characters (a name's escape sequence would be the
 * terminal's) as '?'. */
static void put_clean(struct text *t, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put(t, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? "?" : s + i, 1);
}

/* s left-aligned in w columns, cut (at a character's start) past them. */
static void put_left(struct text *t, const char *s, size_t w)
{
	size_t cols = 0, i;

	for (i = 0; s[i]; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && cols++ == w)
			break;
	put_clean(t, s, i);
	for (cols = hp_fmt_width(s); cols < w; cols++)
		put(t, " ", 1);
}

static void fmt_rate(char *buf, size_t n, uint64_t count, uint64_t interval_ns)
{
	if (!interval_ns)
		snprintf(buf, n, "-");
	else
		hp_fmt_count(buf, n, round((double)count * 1e9 / (double)interval_ns * 100) / 100);
}

static void fmt_per_s(char *buf, size_t n, uint64_t ns, uint64_t interval_ns)
{
	if (!interval_ns)
		snprintf(buf, n, "-");
	else
		hp_fmt_duration(buf, n, (double)ns * 1e9 / (double)interval_ns);
}

/* One frame as text: a title, a summary, the header and up to max_rows
 * rows (0: all), each line ending in "\n".  Lines are not cut here. */
static void render(struct text *t, const struct snapshot *cur, const struct snapshot *prev,
		   const struct source *src, enum sort_key sort, size_t max_rows,
		   size_t name_w, const char *status)
{
	static const char *const heads[NUM_COLS] = {
		"Calls/s", "Calls", "Self/s", "Total/s", "Avg", "P95"
	};
	char line[1600], f[NUM_COLS][40], dur[40];
	uint64_t interval, calls = 0;
	size_t i, k, n;
	struct row *rows = make_rows(cur, prev, &interval, &n);

	current_sort = sort;
	qsort(rows, n, sizeof *rows, cmp_row);
	for (i = 0; i < n; i++)
		calls += rows[i].calls;
	hp_fmt_duration(dur, sizeof dur, (double)interval);
	snprintf(line, sizeof line, "hpcc top - %s - %s\n", cur->program ? cur->program : "?",
		 src->label);
	put_clean(t, line, strlen(line) - 1);
	put(t, "\n", 1);
	if (prev && cur->total_ns == prev->total_ns) /* the same snapshot again */
		snprintf(line, sizeof line, "no new snapshot: %zu functions   sort: %s\n",
			 cur->n, sort_names[sort]);
	else
		snprintf(line, sizeof line, "%s %s: %llu calls in %zu functions   sort: %s\n",
			 prev && cur->total_ns > prev->total_ns ? "last" : "since start,", dur,
			 (unsigned long long)calls, n, sort_names[sort]);
	put(t, line, strlen(line));
	if (status)
		put_clean(t, status, strlen(status));
	else if (cur->omitted) {
		snprintf(line, sizeof line, "(%llu more functions left out of the report by "
			 "HOTPATH_LIMIT)", (unsigned long long)cur->omitted);
		put(t, line, strlen(line));
	}
	put(t, "\n", 1);
	if (name_w < 8)
		name_w = 8;
	put_left(t, "Function", name_w);
	for (k = 0; k < NUM_COLS; k++)
		put_right(t, heads[k], NUM_W);
	put(t, "\n", 1);
	for (i = 0; i < n && (!max_rows || i < max_rows); i++) {
		const struct row *r = &rows[i];

		fmt_rate(f[0], sizeof f[0], r->calls, interval);
		hp_fmt_count(f[1], sizeof f[1], (double)r->calls);
		fmt_per_s(f[2], sizeof f[2], r->self, interval);
		fmt_per_s(f[3], sizeof f[3], r->total, interval);
		if (r->calls)
			hp_fmt_duration(f[4], sizeof f[4], (double)r->avg);
		else
			snprintf(f[4], sizeof f[4], "-");
		if (r->has_p95)
			hp_fmt_duration(f[5], sizeof f[5], (double)r->p95);
		else
			snprintf(f[5], sizeof f[5], "-");
		put_left(t, r->fn->name, name_w);
		for (k = 0; k < NUM_COLS; k++)
			put_right(t, f[k], NUM_W);
		put(t, "\n", 1);
	}
	free(rows);
}

static size_t widest_name(const struct snapshot *s)
{
	size_t i, w = 0;

	for (i = 0; i < s->n; i++)
		if (hp_fmt_width(s->fn[i].name) > w)
			w = hp_fmt_width(s->fn[i].name);
	return w;
}

/* ---- the terminal ---- */

static struct termios saved_tio;
static int term_active, tio_fd = -1; /* stdin, when it is the terminal */

static void term_restore(void)
{
	static const char leave[] = "\033[?25h\033[?1049l";

	if (!term_active)
		return;
	term_active = 0;
	if (tio_fd >= 0)
		tcsetattr(tio_fd, TCSAFLUSH, &saved_tio);
	if (write(STDOUT_FILENO, leave, sizeof leave - 1) < 0) {
		/* nothing left to tell it to */
	}
}

static void on_signal(int sig)
{
	int e = errno;

	if (sig == SIGWINCH || sig == SIGCONT)
		got_winch = 1;
	else if (sig == SIGTSTP)
		got_tstp = 1;
	else
		got_signal = sig;
	if (wake_pipe[1] >= 0 && write(wake_pipe[1], "x", 1) < 0) {
		/* the pipe is full: a wake-up is pending anyway */
	}
	errno = e;
}

static int term_enter(void)
{
	static const char enter[] = "\033[?1049h\033[?25l\033[H\033[2J";
	struct termios raw;
	int have_tio = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_tio) == 0;

	if (have_tio) {
		raw = saved_tio;
		/* keys one at a time, not echoed; Ctrl-C is a key ('q') */
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
		raw.c_iflag &= ~(tcflag_t)(IXON | ICRNL);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		/* EINTR: resumed in the background (bg), tcsetattr stopped
		 * hpcc by SIGTTOU until fg, whose SIGCONT ran the handler;
		 * not when a signal asks hpcc to end */
		while (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0)
			if (errno != EINTR || got_signal) {
				have_tio = 0;
				break;
			}
	}
	if (!have_tio && isatty(STDIN_FILENO))
		return -1;
	/* stdin no terminal: no keys, and nothing to restore there */
	tio_fd = have_tio ? STDIN_FILENO : -1;
	term_active = 1;
	if (write(STDOUT_FILENO, enter, sizeof enter - 1) < 0)
		return -1;
	return 0;
}

/* Ctrl-Z or SIGTSTP: the terminal back as it was, stopped by SIGTSTP's
 * default action; on from here at SIGCONT, in the terminal again.  (A
 * process group no shell waits for is not stopped: on at once.)  The key
 * stops the whole process group, as the terminal's own Ctrl-Z does: under
 * a wrapper (sh -c, make) the shell waits for the wrapper, which must
 * stop too; SIGTSTP from elsewhere stops hpcc alone, as its default. */
static int term_suspend(const struct sigaction *sa, int key)
{
	term_restore();
	signal(SIGTSTP, SIG_DFL);
	got_tstp = 0; /* before the handler is back: a later SIGTSTP counts */
	if (key)
		kill(0, SIGTSTP);
	else
		raise(SIGTSTP);
	sigaction(SIGTSTP, sa, NULL);
	return term_enter();
}

/* The terminal's suspend key (Ctrl-Z unless stty changed it), which raw
 * mode delivers as a byte; -1 when there is none. */
static int suspend_key(void)
{
	if (tio_fd < 0 || saved_tio.c_cc[VSUSP] == _POSIX_VDISABLE)
		return -1;
	return (unsigned char)saved_tio.c_cc[VSUSP];
}

static void term_size(int *cols, int *rows)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	} else {
		*cols = 80;
		*rows = 24;
	}
}

/* The frame on the screen: from the top left, each line cut to the
 * width and cleared to its end, the rest of the screen cleared. */
static void draw(const struct snapshot *cur, const struct snapshot *prev,
		 const struct source *src, enum sort_key sort, const char *status)
{
	static const char keys[] = "keys: s self  t total  c calls  a avg  p p95  n name  q quit";
	struct text frame = { 0 }, out = { 0 };
	int cols, nrows;
	size_t name_w, fixed = NUM_COLS * NUM_W, i, line = 0;
	const char *p, *nl;

	term_size(&cols, &nrows);
	name_w = (size_t)cols > fixed + 8 ? (size_t)cols - fixed : 8;
	if (widest_name(cur) + 2 < name_w)
		name_w = widest_name(cur) + 2;
	/* title, summary, status, header, the rows, the keys */
	render(&frame, cur, prev, src, sort, nrows > 6 ? (size_t)nrows - 5 : 1, name_w, status);
	put(&out, "\033[H", 3);
	for (p = frame.s; *p && line + 1 < (size_t)nrows; p = nl + 1, line++) {
		size_t c = 0;

		nl = strchr(p, '\n');
		for (i = 0; p + i < nl; i++)
			if (((unsigned char)p[i] & 0xc0) != 0x80 && c++ == (size_t)cols)
				break;
		put(&out, p, i);
		put(&out, "\033[K\r\n", 5);
	}
	put(&out, "\033[J", 3);
	put(&out, "\033[7m", 4);
	put(&out, keys, strlen(keys) < (size_t)cols ? strlen(keys) : (size_t)cols);
	put(&out, "\033[0m\033[K", 7);
	for (p = out.s; p < out.s + out.n;) {
		ssize_t k = write(STDOUT_FILENO, p, (size_t)(out.s + out.n - p));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		p += k;
	}
	free(frame.s);
	free(out.s);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The key that changes the sort, or -1. */
static int sort_of_key(int c)
{
	const char *k = c ? strchr(sort_keys, c) : NULL;

	return k ? (int)(k - sort_keys) : -1;
}

static int run_screen(const struct source *src, struct snapshot *cur, const struct top_opts *o)
{
	struct snapshot prev = { 0 }, next;
	struct sigaction sa;
	enum sort_key sort = o->sort;
	long long due = now_ms() + (long long)(o->interval * 1000);
	char err[2048], status[2100] = "";
	int quit = 0, sig;
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGTSTP,
				    SIGCONT };
	size_t i;

	/* non-blocking: a handler must never wait on a full pipe */
	if (pipe2(wake_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
		hpcc_diag_error("cannot make a pipe: %s", strerror(errno));
		return TOP_EXIT_ERROR;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof *sigs; i++)
		sigaction(sigs[i], &sa, NULL);
	atexit(term_restore);
	if (term_enter() != 0) {
		term_restore();
		hpcc_diag_error("cannot set up the terminal: %s", strerror(errno));
		return TOP_EXIT_ERROR;
	}
	draw(cur, NULL, src, sort, NULL);
	while (!quit && !got_signal) {
		struct pollfd pfd[2] = { { tio_fd, POLLIN, 0 }, { wake_pipe[0], POLLIN, 0 } };
		long long left = due - now_ms();
		char keys[64];
		ssize_t n;
		int redraw = 0, suspend = 0;

		if (left <= 0) {
			due = now_ms() + (long long)(o->interval * 1000);
			if (fetch(src, &next, err, sizeof err) == 0) {
				snapshot_free(&prev);
				prev = *cur;
				*cur = next;
				status[0] = '\0';
			} else if (!got_signal) {
				snprintf(status, sizeof status, "hpcc: error: %s (trying again)", err);
			}
			redraw = 1;
		} else if (poll(pfd, 2, (int)left) > 0) {
			if (pfd[1].revents)
				while (read(wake_pipe[0], keys, sizeof keys) < 0 && errno == EINTR)
					;
			if (pfd[0].revents & POLLIN) {
				n = read(STDIN_FILENO, keys, sizeof keys);
				for (i = 0; n > 0 && i < (size_t)n; i++) {
					if (keys[i] == 'q' || keys[i] == 'Q' || keys[i] == 3)
						quit = 1;
					else if ((unsigned char)keys[i] == suspend_key())
						suspend = 1;
					else if (sort_of_key(keys[i]) >= 0)
						sort = (enum sort_key)sort_of_key(keys[i]), redraw = 1;
				}
			} else if (pfd[0].revents & (POLLHUP | POLLERR)) {
				quit = 1;
			}
		}
		if ((suspend || got_tstp) && !quit && !got_signal) {
			if (term_suspend(&sa, suspend) != 0) {
				if (got_signal)
					break; /* ended by it, below */
				term_restore();
				snapshot_free(&prev);
				hpcc_diag_error("cannot set up the terminal again: %s",
						strerror(errno));
				return TOP_EXIT_ERROR;
			}
			redraw = 1;
		}
		if (got_winch) {
			got_winch = 0;
			redraw = 1;
		}
		if (redraw && !quit && !got_signal)
			draw(cur, prev.root ? &prev : NULL, src, sort, status[0] ? status : NULL);
	}
	term_restore();
	snapshot_free(&prev);
	sig = got_signal;
	if (sig) {
		/* die of the signal, as without the handler, now that the
		 * terminal is back */
		signal(sig, SIG_DFL);
		raise(sig);
	}
	return TOP_EXIT_OK;
}

/* ---- options ---- */

static int parse_interval(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !(v == 0 || (v >= 0.1 && v <= 3600))) {
		hpcc_diag_error("--interval: '%s' is not a number of seconds (0.1 to 3600, "
				"or 0 with --once)", s);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct top_opts *o)
{
	int i, k, given = 0;

	memset(o, 0, sizeof *o);
	o->interval = 1;
	o->target = TOP_DEFAULT_URL;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *val = NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			exit(0);
		} else if (!strcmp(a, "--once")) {
			o->once = 1;
			continue;
		} else if (!strncmp(a, "--interval=", 11) || !strncmp(a, "--sort=", 7)) {
			val = strchr(a, '=') + 1;
		} else if (!strcmp(a, "--interval") || !strcmp(a, "--sort")) {
			if (i + 1 >= argc) {
				hpcc_diag_error("%s needs a value (see hpcc top --help)", a);
				return -1;
			}
			val = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			hpcc_diag_error("unknown top option '%s' (see hpcc top --help)", a);
			return -1;
		} else if (given++) {
			hpcc_diag_error("hpcc top takes one URL or file, not '%s' too", a);
			return -1;
		} else {
			o->target = a;
			continue;
		}
		if (!strncmp(a, "--sort", 6)) {
			for (k = 0; k < (int)(sizeof sort_names / sizeof *sort_names); k++)
				if (!strcmp(val, sort_names[k]))
					break;
			if (k == (int)(sizeof sort_names / sizeof *sort_names)) {
				hpcc_diag_error("--sort: '%s' is not self, total, calls, avg, p95 "
						"or name", val);
				return -1;
			}
			o->sort = (enum sort_key)k;
		} else if (parse_interval(val, &o->interval)) {
			return -1;
		}
	}
	return 0;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - floor(s)) * 1e9) };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Prints the frame of cur against prev (NULL: since the start). */
static int print_frame(const struct snapshot *cur, const struct snapshot *prev,
		       const struct source *src, const struct top_opts *o)
{
	struct text t = { 0 };
	int r;

	render(&t, cur, prev, src, o->sort, 0, widest_name(cur) + 2, NULL);
	fputs(t.s, stdout);
	free(t.s);
	r = fflush(stdout);
	if (r || ferror(stdout))
		hpcc_diag_error("cannot write to stdout: %s", strerror(errno));
	return r || ferror(stdout) ? -1 : 0;
}

int hpcc_top_main(int argc, char **argv)
{
	struct top_opts o;
	struct source src;
	struct snapshot cur, prev;
	char err[2048];
	int status = TOP_EXIT_OK;

	if (parse_args(argc, argv, &o) || source_setup(o.target, &src))
		return TOP_EXIT_USAGE;
	if (o.interval == 0 && !o.once) {
		hpcc_diag_error("--interval 0 is for --once only");
		return TOP_EXIT_USAGE;
	}
	if (fetch(&src, &cur, err, sizeof err)) {
		hpcc_diag_error("%s", err);
		return TOP_EXIT_ERROR;
	}
	if (!o.once && isatty(STDOUT_FILENO)) {
		status = run_screen(&src, &cur, &o);
		snapshot_free(&cur);
		return status;
	}
	/* --once with --interval 0, and the first of the plain frames: since
	 * the start */
	if ((!o.once || o.interval == 0) && print_frame(&cur, NULL, &src, &o)) {
		snapshot_free(&cur);
		return TOP_EXIT_ERROR;
	}
	while (o.interval > 0) {
		prev = cur;
		sleep_s(o.interval);
		if (fetch(&src, &cur, err, sizeof err)) {
			hpcc_diag_error("%s", err);
			snapshot_free(&prev);
			return TOP_EXIT_ERROR;
		}
		if (!o.once)
			fputs("\n", stdout);
		if (print_frame(&cur, &prev, &src, &o))
			status = TOP_EXIT_ERROR;
		snapshot_free(&prev);
		if (o.once || status)
			break;
	}
	snapshot_free(&cur);
	return status;
}
