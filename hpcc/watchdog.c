/* watchdog.c - replace a hung hpcc by the user's command (see watchdog.h).
 *
 * Everything the handler uses is prepared before alarm() is armed: the
 * message is formatted into a static buffer, the command is a saved argv.
 * write(), the temp-file removal (unlink/rmdir) and execv() are all
 * async-signal-safe.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "diag.h"
#include "tmp.h"
#include "watchdog.h"

#define DEFAULT_SECONDS 120
#define MAX_SECONDS 86400 /* a day: alarm() takes any unsigned, but more is a typo */

static const char *run_exe;
static char **run_argv;
static char message[512];
static size_t message_len;

/* Read on the first parse only: a command hpcc passes through never
 * warns about a setting it does not use, and a command with several
 * sources warns once. */
static unsigned timeout_seconds(void)
{
	static int have;
	static unsigned secs;

	if (!have) {
		secs = (unsigned)hpcc_env_count("HPCC_PARSE_TIMEOUT", MAX_SECONDS,
						DEFAULT_SECONDS, "seconds");
		have = 1;
	}
	return secs;
}

static void fire(int sig)
{
	ssize_t w;

	(void)sig;
	w = write(STDERR_FILENO, message, message_len);
	(void)w;
	hpcc_tmp_cleanup_async();
	if (run_exe)
		execv(run_exe, run_argv);
	_exit(127);
}

void hpcc_watchdog_setup(const char *exe, char **argv)
{
	run_exe = exe;
	run_argv = argv;
}

void hpcc_watchdog_arm(const char *path)
{
	struct sigaction sa;
	unsigned secs = timeout_seconds();
	int n;

	if (secs == 0 || !run_exe)
		return;
	{
		char text[400], *line;

		snprintf(text, sizeof text, "libclang did not finish parsing %s in %u s; "
			 "compiling unmodified", path, secs);
		line = hpcc_diag_line("hpcc", "warning", text);
		n = line ? snprintf(message, sizeof message, "%s\n", line)
			 : snprintf(message, sizeof message, "hpcc: warning: %s\n", text);
		free(line);
	}
	message_len = n < 0 ? 0 : (size_t)n < sizeof message ? (size_t)n : sizeof message - 1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fire;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm(secs);
}

void hpcc_watchdog_disarm(void)
{
	alarm(0);
}
