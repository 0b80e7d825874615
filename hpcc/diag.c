/* diag.c - hpcc's own error and warning lines (see diag.h).
 *
 * One fprintf per message: make -j interleaves whole lines from several
 * hpcc processes, not pieces of them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "diag.h"
#include "tmp.h"

int hpcc_diag_color(void)
{
	const char *no = getenv("NO_COLOR");

	return (!no || !*no) && isatty(STDERR_FILENO);
}

static void say(const char *what, const char *sgr, const char *fmt, va_list ap)
{
	char text[4096];

	vsnprintf(text, sizeof text, fmt, ap);
	if (hpcc_diag_color()) /* gcc's escapes: SGR then "erase to end of line" */
		fprintf(stderr, "\033[01m\033[Khpcc:\033[m\033[K \033[%sm\033[K%s: \033[m\033[K%s\n",
			sgr, what, text);
	else
		fprintf(stderr, "hpcc: %s: %s\n", what, text);
}

void hpcc_diag_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("error", "01;31", fmt, ap);
	va_end(ap);
}

void hpcc_diag_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("warning", "01;35", fmt, ap);
	va_end(ap);
}

void hpcc_diag_nomem(void)
{
	hpcc_diag_error("out of memory");
	hpcc_tmp_cleanup();
	exit(1);
}
