/* settings.c - the one reader of HOTPATH_* variables (settings.h). */
#include "settings.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "alloc.h"

/* HOTPATH_FORMAT's names, and the variable naming each one's file. */
static const struct {
	const char *name;
	unsigned int bit;
	const char *var;
} formats[HP_OUT_FORMATS] = {
	{ "table", HP_OUT_TABLE, "HOTPATH_OUTPUT_TABLE" },
	{ "json", HP_OUT_JSON, "HOTPATH_OUTPUT_JSON" },
	{ "json-pretty", HP_OUT_JSON_PRETTY, "HOTPATH_OUTPUT_JSON" },
	{ "folded", HP_OUT_FOLDED, "HOTPATH_OUTPUT_FOLDED" },
	{ "trace", HP_OUT_TRACE, "HOTPATH_OUTPUT_TRACE" },
	{ "html", HP_OUT_HTML, "HOTPATH_OUTPUT_HTML" },
	{ "metrics", HP_OUT_METRICS, "HOTPATH_OUTPUT_METRICS" },
};

/* HOTPATH_ALLOC's names, in the order of HP_ALLOC_* (worker.h). */
static const char *const alloc_names[4] = {
	"bytes-total", "bytes-max", "count-total", "count-max",
};

/* Every variable read here (the HOTPATH_OUTPUT_* ones are in formats[]). */
static const char *const known[] = {
	"HOTPATH_FORMAT", "HOTPATH_OUTPUT", "HOTPATH_PERCENTILES",
	"HOTPATH_LIMIT", "HOTPATH_ALLOC", "HOTPATH_FORK",
	"HOTPATH_SIGNAL_REPORT", "HOTPATH_CLOCK", "HOTPATH_TRACE_LIMIT",
	"HOTPATH_TREE_LIMIT", "HOTPATH_QUIET", "HOTPATH_SORT",
	"HOTPATH_COLUMNS", "HOTPATH_INTERVAL", "HOTPATH_HTTP",
	"HOTPATH_HTTP_ALLOW_REMOTE", "HOTPATH_SAMPLE",
};

#define DEFAULTS {                                                  \
	.formats = HP_OUT_TABLE, .order = { HP_OUT_TABLE },             \
	.limit = -1, .alloc_tables = HP_ALLOC_ALL, .fork_report = 1,    \
	.signal_report = HP_SIGNAL_REPORT_TERMINAL,                     \
	.sort = HP_SORT_SELF,                                           \
	.trace_limit = HP_TRACE_LIMIT_DEFAULT,                          \
	.tree_limit = HP_TREE_LIMIT_DEFAULT, .sample = 1 }

static struct hp_settings settings = DEFAULTS;

/* hpcc --report's FORMAT[:PATH], built into a module of the program
 * (hotpath.h): weak, so NULL when no module has one.  Global symbol
 * lookup finds the executable's first, then the libraries' in load
 * order; a library dlopen'ed later is not searched. */
extern const char hp_report_default_[]
	__asm__("hotpath_report_default")
	__attribute__((weak, visibility("default")));

/* main(sample = N) of the annotation (hotpath.h: HP_SAMPLE_DEFAULT),
 * found the same way; HOTPATH_SAMPLE wins over it. */
extern const unsigned int hp_sample_default_
	__asm__("hotpath_sample_default")
	__attribute__((weak, visibility("default")));

/* That default, split, while a load runs: it stands in for HOTPATH_FORMAT
 * and HOTPATH_OUTPUT when neither is set at run time, and never in secure
 * execution (no files there: names_output below). */
static struct {
	int on;
	char format[128];
	const char *path; /* NULL: no PATH part */
} baked;

static void load_baked(void)
{
	const char *d = hp_report_default_, *f = getenv("HOTPATH_FORMAT"),
		   *o = getenv("HOTPATH_OUTPUT");
	size_t n;

	baked.on = 0;
	if (!d || !*d || (f && *f) || (o && *o) || getauxval(AT_SECURE))
		return;
	n = strcspn(d, ":");
	if (n >= sizeof baked.format)
		return;
	memcpy(baked.format, d, n);
	baked.format[n] = '\0';
	baked.path = d[n] == ':' && d[n + 1] ? d + n + 1 : NULL;
	baked.on = 1;
}

unsigned int hp_settings_format_bit(const char *name)
{
	size_t f;

	for (f = 0; name && f < HP_OUT_FORMATS; f++)
		if (strcmp(formats[f].name, name) == 0)
			return formats[f].bit;
	return 0;
}

const char *hp_settings_format_name(unsigned int bit)
{
	size_t f;

	for (f = 0; f < HP_OUT_FORMATS; f++)
		if (formats[f].bit == bit)
			return formats[f].name;
	return NULL;
}

unsigned int hp_settings_format_index(unsigned int bit)
{
	return bit ? (unsigned int)__builtin_ctz(bit) : 0;
}

/* ---- parsing ---- */

/* Variables that name a file or turn on a file report.  A setuid or
 * setgid program (or one with file capabilities) run by someone else must
 * not write where that user says, as its owner: there these read as unset
 * (secure_getenv) and the table goes to stderr. */
static int names_output(const char *name)
{
	size_t f;

	if (strcmp(name, "HOTPATH_FORMAT") == 0 ||
	    strcmp(name, "HOTPATH_OUTPUT") == 0 ||
	    strcmp(name, "HOTPATH_INTERVAL") == 0)
		return 1;
	for (f = 0; f < HP_OUT_FORMATS; f++)
		if (strcmp(name, formats[f].var) == 0)
			return 1;
	return 0;
}

static const char *value(const char *name)
{
	const char *v = names_output(name) ? secure_getenv(name) : getenv(name);

	if (baked.on && strcmp(name, "HOTPATH_FORMAT") == 0)
		return baked.format;
	if (baked.on && strcmp(name, "HOTPATH_OUTPUT") == 0)
		return baked.path;
	return v && *v ? v : NULL;
}

/* Names each output variable that secure execution made us ignore. */
static void note_secure_ignored(struct hp_str *notes)
{
	static const char *const vars[] = {
		"HOTPATH_FORMAT", "HOTPATH_OUTPUT", "HOTPATH_OUTPUT_TABLE",
		"HOTPATH_OUTPUT_JSON", "HOTPATH_OUTPUT_FOLDED",
		"HOTPATH_OUTPUT_TRACE", "HOTPATH_OUTPUT_HTML",
		"HOTPATH_OUTPUT_METRICS", "HOTPATH_INTERVAL",
	};
	size_t i;

	for (i = 0; i < sizeof vars / sizeof vars[0]; i++)
		if (getenv(vars[i]) && *getenv(vars[i]) && !value(vars[i]))
			hp_str_printf(notes, "[hotpath] %s ignored in a setuid or "
				      "setgid program: the table goes to "
				      "stderr\n", vars[i]);
}

/* Steps through a comma list: the item at *p, blanks around it trimmed,
 * goes to *item and *len, and *p moves past its comma (to NULL after the
 * last item).  0 when no item is left; an empty item between two commas
 * is an item. */
static int list_next(const char **p, const char **item, size_t *len)
{
	const char *s = *p, *end;
	size_t n;

	if (!s || !*s)
		return 0;
	end = strchr(s, ',');
	n = end ? (size_t)(end - s) : strlen(s);
	while (n && *s == ' ') {
		s++;
		n--;
	}
	while (n && s[n - 1] == ' ')
		n--;
	*item = s;
	*len = n;
	*p = end ? end + 1 : NULL;
	return 1;
}

static int is_word(const char *item, size_t n, const char *word)
{
	return strlen(word) == n && strncmp(item, word, n) == 0;
}

/* Text from the environment as a note shows it: control characters
 * escaped (a value cannot break the report's lines), at most 64 bytes. */
static void note_text(struct hp_str *out, const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 64; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c == 0x7f)
			hp_str_printf(out, "\\x%02x", c);
		else
			hp_str_append(out, &v[i], 1);
	}
	if (i < n)
		hp_str_append(out, "...", 3);
}

/* "[hotpath] ignored NAME=value " */
static void note_ignored(struct hp_str *notes, const char *name, const char *v)
{
	hp_str_printf(notes, "[hotpath] ignored %s=", name);
	note_text(notes, v, strlen(v));
	hp_str_append(notes, " ", 1);
}

static void load_formats(struct hp_settings *s, struct hp_str *notes)
{
	const char *v = value("HOTPATH_FORMAT"), *p = v, *item;
	unsigned int mask = 0, k = 0, bit;
	int noted = 0;
	size_t n, f;

	if (!v)
		return; /* the table */
	while (list_next(&p, &item, &n)) {
		if (is_word(item, n, "none"))
			continue;
		for (f = 0; f < HP_OUT_FORMATS && !is_word(item, n, formats[f].name); f++)
			;
		if (f == HP_OUT_FORMATS && !noted++) {
			hp_str_printf(notes, "[hotpath] unknown format '");
			note_text(notes, item, n);
			hp_str_printf(notes, "' in HOTPATH_FORMAT (table, json, "
				      "json-pretty, folded, trace, html, metrics, none): "
				      "the table is shown instead\n");
		}
		/* an unknown name means the table */
		bit = f < HP_OUT_FORMATS ? formats[f].bit : HP_OUT_TABLE;
		if (!(mask & bit))
			s->order[k++] = bit;
		mask |= bit;
	}
	s->order[k] = 0;
	s->formats = mask; /* only "none" in the list: no report */
}

static void load_alloc(struct hp_settings *s, struct hp_str *notes)
{
	const char *v = value("HOTPATH_ALLOC"), *p = v, *item;
	unsigned int mask = 0, m;
	size_t n;

	if (!v)
		return; /* all four */
	while (list_next(&p, &item, &n)) {
		if (is_word(item, n, "none"))
			continue;
		for (m = 0; m < 4 && !is_word(item, n, alloc_names[m]); m++)
			;
		if (m == 4) {
			hp_str_printf(notes, "[hotpath] unknown table '");
			note_text(notes, item, n);
			hp_str_printf(notes, "' in HOTPATH_ALLOC (bytes-total, "
				      "bytes-max, count-total, count-max, none): "
				      "all four are shown\n");
			return;
		}
		mask |= 1u << m;
	}
	s->alloc_tables = mask;
}

static void load_percentiles(struct hp_settings *s, struct hp_str *notes)
{
	const char *v = value("HOTPATH_PERCENTILES");
	int n;

	if (!v)
		return;
	n = hp_fmt_parse_percentiles(v, s->pcts);
	if (n > 0) {
		s->npcts = n;
		return;
	}
	note_ignored(notes, "HOTPATH_PERCENTILES", v);
	hp_str_printf(notes, "(expected up to %d whole numbers from 0 to 100, "
		      "comma-separated)\n", HP_MAX_PERCENTILES);
}

/* A numeric variable: *out gets its value when it is a whole number in
 * [lo, hi]; otherwise *out keeps its default and a note names the value,
 * the unit, the bounds and the fallback. */
static void load_number(const char *name, uint64_t lo, uint64_t hi,
			uint64_t *out, const char *unit, const char *fallback,
			struct hp_str *notes)
{
	const char *v = value(name);

	if (!v || hp_fmt_parse_number(v, lo, hi, out) == 0)
		return;
	note_ignored(notes, name, v);
	hp_str_printf(notes, "(expected a whole number of %s from %llu to "
		      "%llu): %s\n", unit, (unsigned long long)lo,
		      (unsigned long long)hi, fallback);
}

/* HOTPATH_INTERVAL: seconds with at most three decimals ("0.5", "2"),
 * to the millisecond; "0" is off.  The same rules as hp_fmt_parse_number: no
 * sign, no exponent, bounded on the way. */
static void load_interval(struct hp_settings *s, struct hp_str *notes)
{
	const char *v = value("HOTPATH_INTERVAL"), *p = v;
	uint64_t ms = 0;
	int digits = 0, frac = 0, bad = 0;

	if (!v)
		return;
	while (*p == ' ' || *p == '\t')
		p++;
	for (; *p >= '0' && *p <= '9' && !bad; p++, digits++) {
		ms = ms * 10 + (uint64_t)(*p - '0');
		bad = ms > HP_INTERVAL_MAX_MS / 1000;
	}
	ms *= 1000;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9' && !bad; p++, frac++) {
			static const unsigned int scale[] = { 100, 10, 1 };

			bad = frac >= 3;
			if (!bad)
				ms += (uint64_t)(*p - '0') * scale[frac];
		}
	while (*p == ' ' || *p == '\t')
		p++;
	if (!bad && !*p && digits + frac > 0 &&
	    (ms == 0 || (ms >= HP_INTERVAL_MIN_MS && ms <= HP_INTERVAL_MAX_MS))) {
		s->interval_ms = (unsigned long)ms;
		return;
	}
	note_ignored(notes, "HOTPATH_INTERVAL", v);
	hp_str_printf(notes, "(expected seconds from %u.%03u to %u, at most "
		      "three decimals, or 0): no interval reports\n",
		      HP_INTERVAL_MIN_MS / 1000, HP_INTERVAL_MIN_MS % 1000,
		      HP_INTERVAL_MAX_MS / 1000);
}

/* A variable with a few accepted words: the index of its value in words,
 * or dflt (the default's index; noted, with the fallback) when the value
 * is none of them. */
static int load_word(const char *name, const char *const *words, int nwords,
		     int dflt, const char *fallback, struct hp_str *notes)
{
	const char *v = value(name);
	int i;

	if (!v)
		return dflt;
	for (i = 0; i < nwords; i++)
		if (strcmp(v, words[i]) == 0)
			return i;
	note_ignored(notes, name, v);
	hp_str_append(notes, "(", 1);
	for (i = 0; i < nwords; i++)
		hp_str_printf(notes, "%s%s", i ? i + 1 == nwords ? " or " : ", " : "",
			      words[i]);
	hp_str_printf(notes, "): %s\n", fallback);
	return dflt;
}

/* One pN of HOTPATH_COLUMNS: N from 0 to 100 with at most three
 * decimals, in thousandths of a percent; -1 if it is not one. */
static long column_percentile(const char *item, size_t n)
{
	long v = 0, scale = 1000;
	size_t i = 1;
	int digits = 0;

	if (n < 2 || (item[0] != 'p' && item[0] != 'P'))
		return -1;
	for (; i < n && item[i] >= '0' && item[i] <= '9' && digits < 3; i++, digits++)
		v = v * 10 + (item[i] - '0');
	if (!digits)
		return -1;
	v *= 1000;
	if (i < n && item[i] == '.') {
		for (i++, digits = 0; i < n && item[i] >= '0' && item[i] <= '9' &&
		     digits < 3; i++, digits++)
			v += (item[i] - '0') * (scale /= 10);
		if (!digits)
			return -1;
	}
	return i == n && v <= 100000 ? v : -1;
}

/* HOTPATH_COLUMNS=min,max,p90,p99.9: all or nothing, like
 * HOTPATH_PERCENTILES. */
static void load_columns(struct hp_settings *s, struct hp_str *notes)
{
	const char *v = value("HOTPATH_COLUMNS"), *p = v, *item;
	struct hp_columns c = { 0 };
	size_t n;
	long pct;

	if (!v)
		return;
	while (list_next(&p, &item, &n)) {
		if (is_word(item, n, "min")) {
			c.min = 1;
		} else if (is_word(item, n, "max")) {
			c.max = 1;
		} else if ((pct = column_percentile(item, n)) >= 0 &&
			   c.npcts < HP_MAX_COLUMN_PCTS) {
			c.pcts[c.npcts++] = (unsigned int)pct;
		} else {
			note_ignored(notes, "HOTPATH_COLUMNS", v);
			hp_str_printf(notes, "(expected a comma list of min, max "
				      "and up to %d pN, N from 0 to 100 with at "
				      "most 3 decimals, e.g. min,max,p99.9): no "
				      "extra columns\n", HP_MAX_COLUMN_PCTS);
			return;
		}
	}
	s->columns = c;
}

/* HOTPATH_HTTP's [HOST:]PORT: HOST an IPv4 address, [an IPv6 one] or
 * localhost; no HOST (or ":PORT") is 127.0.0.1.  Numeric only: a name to
 * resolve could stall the program's first call on DNS.  0 or EINVAL. */
static int parse_http(const char *v, struct hp_http_addr *a)
{
	const char *port = v, *colon;
	char host[64];
	size_t hn = 0;
	uint64_t n;

	memset(a, 0, sizeof *a);
	if (v[0] == '[') {
		const char *close = strchr(v, ']');

		if (!close || close[1] != ':')
			return EINVAL;
		a->v6 = 1;
		v++;
		hn = (size_t)(close - v);
		port = close + 2;
	} else if ((colon = strrchr(v, ':'))) {
		if (memchr(v, ':', (size_t)(colon - v)))
			return EINVAL; /* an IPv6 address needs its brackets */
		hn = (size_t)(colon - v);
		port = colon + 1;
	}
	if (hn >= sizeof host)
		return EINVAL;
	memcpy(host, v, hn);
	host[hn] = '\0';
	if (!hn && a->v6)
		return EINVAL;
	if (!hn || (!a->v6 && strcmp(host, "localhost") == 0)) /* not [localhost] */
		memcpy(a->addr, "\x7f\0\0\1", 4);
	else if (inet_pton(a->v6 ? AF_INET6 : AF_INET, host, a->addr) != 1)
		return EINVAL;
	if (hp_fmt_parse_number(port, 0, 65535, &n))
		return EINVAL;
	a->port = (unsigned int)n;
	if (a->v6)
		a->loopback = memcmp(a->addr, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0 ||
			(memcmp(a->addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0 &&
			 a->addr[12] == 127);
	else
		a->loopback = a->addr[0] == 127;
	a->on = 1;
	return 0;
}

/* HOTPATH_HTTP and HOTPATH_HTTP_ALLOW_REMOTE.  Their problems go to
 * http_note, not to the notes under the report: a server may never reach
 * its report, so the session says them when it starts (http.h).  Never
 * in secure execution: a setuid program serves nobody's profile. */
static void load_http(struct hp_settings *s, struct hp_str *note)
{
	const char *v = value("HOTPATH_HTTP"), *r = value("HOTPATH_HTTP_ALLOW_REMOTE");

	if (r && strcmp(r, "1") != 0 && strcmp(r, "0") != 0) {
		note_ignored(note, "HOTPATH_HTTP_ALLOW_REMOTE", r);
		hp_str_printf(note, "(1 or 0): loopback only\n");
	}
	s->http_allow_remote = r && strcmp(r, "1") == 0;
	if (!v)
		return;
	if (getauxval(AT_SECURE)) {
		hp_str_printf(note, "[hotpath] HOTPATH_HTTP ignored in a setuid "
			      "or setgid program: no HTTP server\n");
		return;
	}
	if (parse_http(v, &s->http)) {
		note_ignored(note, "HOTPATH_HTTP", v);
		hp_str_printf(note, "(expected [HOST:]PORT, PORT from 0 to 65535, "
			      "HOST an IPv4 address, [IPv6 address] or "
			      "localhost): no HTTP server\n");
		return;
	}
	if (!s->http.loopback && !s->http_allow_remote) {
		s->http.on = 0;
		hp_str_printf(note, "[hotpath] HOTPATH_HTTP=");
		note_text(note, v, strlen(v));
		hp_str_printf(note, " is not a loopback address: no HTTP server "
			      "(HOTPATH_HTTP_ALLOW_REMOTE=1 serves other hosts "
			      "too)\n");
	}
}

static int is_known(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (is_word(name, n, known[i]))
			return 1;
	for (i = 0; i < HP_OUT_FORMATS; i++)
		if (is_word(name, n, formats[i].var))
			return 1;
	return 0;
}

/* HOTPATH_* variables that nothing reads: most likely a typo. */
static void note_unknown_variables(struct hp_str *notes)
{
	char **e;

	for (e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		size_t n = eq ? (size_t)(eq - *e) : strlen(*e);

		if (strncmp(*e, "HOTPATH_", 8) != 0 || is_known(*e, n))
			continue;
		hp_str_printf(notes, "[hotpath] unknown variable ");
		note_text(notes, *e, n);
		hp_str_printf(notes, ": ignored\n");
	}
}

static void release(struct hp_settings *s)
{
	size_t f;

	hp_free(s->output);
	for (f = 0; f < HP_OUT_FORMATS; f++)
		hp_free(s->output_for[f]);
	hp_free(s->notes);
	hp_free(s->http_note);
}

static char *copy(const char *v)
{
	return v ? hp_strdup(v) : NULL;
}

int hp_settings_load(void)
{
	static const char *const forks[] = { "report", "none" };
	static const char *const signals[] = { "0", "1", "terminal" };
	static const char *const quiet[] = { "1", "0" };
	static const char *const sorts[] = { "total", "self", "calls", "avg",
					     "max", "name" };
	static const char *const clocks[] = { "monotonic", "auto" };
	struct hp_settings s = DEFAULTS;
	struct hp_str notes = { 0 }, http_note = { 0 };
	char fallback[64];
	uint64_t n;
	size_t f;
	int err = 0;

	load_baked();
	s.output = copy(value("HOTPATH_OUTPUT"));
	if (value("HOTPATH_OUTPUT") && !s.output)
		err = ENOMEM;
	for (f = 0; f < HP_OUT_FORMATS; f++) {
		s.output_for[f] = copy(value(formats[f].var));
		if (value(formats[f].var) && !s.output_for[f])
			err = ENOMEM;
	}
	/* the notes' order */
	load_percentiles(&s, &notes);
	n = (uint64_t)-1;
	load_number("HOTPATH_LIMIT", 0, HP_LIMIT_MAX, &n, "rows",
		    "every row is shown", &notes);
	s.limit = n == (uint64_t)-1 ? -1 : (long)n;
	load_formats(&s, &notes);
	load_alloc(&s, &notes);
	s.fork_report = load_word("HOTPATH_FORK", forks, 2, 0,
				  "forked children report", &notes) == 0;
	s.signal_report = load_word("HOTPATH_SIGNAL_REPORT", signals, 3,
				    HP_SIGNAL_REPORT_TERMINAL, "Ctrl-C reports "
				    "when run from a terminal", &notes);
	s.clock_monotonic = load_word("HOTPATH_CLOCK", clocks, 2, 1,
				      "the clock is chosen as usual", &notes) == 0;
	n = s.trace_limit;
	snprintf(fallback, sizeof fallback, "%llu are kept per thread",
		 (unsigned long long)n);
	load_number("HOTPATH_TRACE_LIMIT", 0, HP_TRACE_LIMIT_MAX, &n, "events",
		    fallback, &notes);
	s.trace_limit = (size_t)n;
	s.tracing = (s.formats & HP_OUT_TRACE) && s.trace_limit;
	n = s.tree_limit;
	snprintf(fallback, sizeof fallback, "at most %llu are kept",
		 (unsigned long long)n);
	load_number("HOTPATH_TREE_LIMIT", HP_TREE_LIMIT_MIN, HP_TREE_LIMIT_MAX,
		    &n, "nodes", fallback, &notes);
	s.tree_limit = (size_t)n;
	/* A built-in default is quiet unless HOTPATH_QUIET says otherwise: a
	 * test suite's stderr stays the program's own. */
	s.quiet = load_word("HOTPATH_QUIET", quiet, 2, baked.on ? 0 : 1,
			    "written files are named", &notes) == 0;
	s.sort = load_word("HOTPATH_SORT", sorts, 6, HP_SORT_SELF,
			   "rows are sorted by self time", &notes);
	load_columns(&s, &notes);
	load_interval(&s, &notes);
	load_http(&s, &http_note);
	if (http_note.failed)
		err = ENOMEM;
	if (http_note.len && !http_note.failed)
		s.http_note = http_note.s;
	else
		hp_str_free(&http_note);
	n = &hp_sample_default_ && hp_sample_default_ >= 1 &&
	    hp_sample_default_ <= HP_SAMPLE_MAX ? hp_sample_default_ : 1;
	snprintf(fallback, sizeof fallback, "1 call in %llu is timed",
		 (unsigned long long)n);
	load_number("HOTPATH_SAMPLE", 1, HP_SAMPLE_MAX, &n, "calls", fallback,
		    &notes);
	s.sample = (unsigned int)n;
	note_secure_ignored(&notes);
	note_unknown_variables(&notes);
	if (notes.failed)
		err = ENOMEM;
	if (notes.len && !notes.failed)
		s.notes = notes.s;
	else
		hp_str_free(&notes);
	release(&settings);
	settings = s;
	return err;
}

const struct hp_settings *hp_settings(void)
{
	return &settings;
}
