/* diag.c - hpcc's own error and warning lines (see diag.h).
 *
 * One fprintf per message: make -j interleaves whole lines from several
 * hpcc processes, not pieces of them.  The colour decision and style are
 * one small struct set once from the command (hpcc_diag_setup); before
 * that, the auto rule and gcc's style apply.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "tmp.h"

static struct {
	int choice;  /* HPCC_COLOR_* */
	int clang;   /* clang's escapes rather than gcc's */
} diag;

void hpcc_diag_setup(int choice, int clang)
{
	diag.choice = choice;
	diag.clang = clang;
}

/* gcc: an empty GCC_COLORS turns colours off, even =always */
static int gcc_colors_off(void)
{
	const char *gcc = getenv("GCC_COLORS");

	return !diag.clang && gcc && !*gcc;
}

static int auto_color(void)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	if (no && *no)
		return 0;
	if (term && strcmp(term, "dumb") == 0)
		return 0;
	if (gcc_colors_off())
		return 0;
	return isatty(STDERR_FILENO);
}

int hpcc_diag_color(void)
{
	if (diag.choice == HPCC_COLOR_ALWAYS)
		return !gcc_colors_off();
	if (diag.choice == HPCC_COLOR_NEVER)
		return 0;
	return auto_color();
}

int hpcc_diag_color_auto(void)
{
	return diag.choice == HPCC_COLOR_AUTO && auto_color();
}

/* The SGR of `key` in GCC_COLORS ("error=01;31:warning=01;35:..."), or
 * `def`; a value that is not digits and ';' is ignored, as gcc does. */
static void gcc_color(const char *key, const char *def, char *out, size_t n)
{
	const char *v = getenv("GCC_COLORS"), *p;
	size_t klen = strlen(key);

	snprintf(out, n, "%s", def);
	for (p = v; p && *p; p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL) {
		size_t len = strcspn(p, ":");

		if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t vlen = len - klen - 1;

			if (vlen < n && strspn(p + klen + 1, "0123456789;") >= vlen)
				snprintf(out, n, "%.*s", (int)vlen, p + klen + 1);
			else
				snprintf(out, n, "%s", def);
		}
	}
}

char *hpcc_diag_line(const char *locus, const char *what, const char *text)
{
	char *line = NULL, sev[32], loc[32];
	int err = strcmp(what, "error") == 0, n;

	if (!hpcc_diag_color())
		n = asprintf(&line, "%s: %s: %s", locus, what, text);
	else if (diag.clang)
		n = asprintf(&line, "\033[1m%s: \033[0m\033[0;1;%sm%s: \033[0m\033[1m%s\033[0m",
			     locus, err ? "31" : "35", what, text);
	else { /* gcc's: SGR then "erase to end of line" */
		gcc_color(what, err ? "01;31" : "01;35", sev, sizeof sev);
		gcc_color("locus", "01", loc, sizeof loc);
		n = asprintf(&line, "\033[%sm\033[K%s:\033[m\033[K \033[%sm\033[K%s: \033[m\033[K%s",
			     loc, locus, sev, what, text);
	}
	return n < 0 ? NULL : line;
}

static void say(const char *locus, const char *what, const char *fmt, va_list ap)
{
	char text[4096], *line;

	vsnprintf(text, sizeof text, fmt, ap);
	line = hpcc_diag_line(locus, what, text);
	if (line)
		fprintf(stderr, "%s\n", line);
	else
		fprintf(stderr, "%s: %s: %s\n", locus, what, text);
	free(line);
}

void hpcc_diag_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("hpcc", "error", fmt, ap);
	va_end(ap);
}

void hpcc_diag_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("hpcc", "warning", fmt, ap);
	va_end(ap);
}

void hpcc_diag_source_warning(const char *locus, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(locus, "warning", fmt, ap);
	va_end(ap);
}

void hpcc_diag_nomem(void)
{
	hpcc_diag_error("out of memory");
	hpcc_tmp_cleanup();
	exit(1);
}
