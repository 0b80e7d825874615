/* fuzz_args.c - the compiler-argument model (args.c) on arbitrary commands.
 *
 * Input: parts separated by byte 0x01.  The first part is the command,
 * its arguments separated by NUL bytes (the compiler name is fixed); part
 * k >= 1 becomes the response file "rK" in the working directory, so that
 * "@r0", "@r1", ... (recursion included) are exercised.  The first part
 * also goes through hpcc_args_split() as response-file text, and through
 * hpcc_opts_parse() as hpcc's own options.  Run it with stdin from
 * /dev/null ("@/dev/stdin" is a valid spelling).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "fuzz.h"

#define MAX_ARGS 256
#define MAX_FILES 4

static void write_file(const char *name, const uint8_t *p, size_t n)
{
	FILE *f = fopen(name, "wb");

	if (!f)
		return;
	if (n)
		fwrite(p, 1, n, f);
	fclose(f);
}

int hpcc_fuzz_args(const uint8_t *data, size_t size)
{
	const uint8_t *end = data + size, *cmd_end, *p;
	char *cmd, *argvbuf[MAX_ARGS + 2], **words = NULL;
	struct invocation inv;
	struct args in;
	struct hpcc_opts opts;
	int argc = 0, nwords = 0, i, k, at, rc;
	size_t cmd_len;

	cmd_end = memchr(data, 1, size);
	if (!cmd_end)
		cmd_end = end;
	/* the response files */
	for (p = cmd_end, k = 0; p < end && k < MAX_FILES; k++) {
		const uint8_t *s = p + 1, *e = memchr(s, 1, (size_t)(end - s));
		char name[8];

		if (!e)
			e = end;
		snprintf(name, sizeof name, "r%d", k);
		write_file(name, s, (size_t)(e - s));
		p = e;
	}
	for (; k < MAX_FILES; k++) {
		char name[8];

		snprintf(name, sizeof name, "r%d", k);
		remove(name);
	}

	cmd_len = (size_t)(cmd_end - data);
	cmd = malloc(cmd_len + 1);
	if (!cmd)
		return 0;
	memcpy(cmd, data, cmd_len);
	cmd[cmd_len] = '\0';

	/* as response-file text (up to the first NUL) */
	rc = hpcc_args_split(cmd, &words, &nwords);
	FUZZ_ASSERT(rc == 0);
	for (i = 0; i < nwords; i++) {
		FUZZ_ASSERT(words[i] && strlen(words[i]) <= strlen(cmd));
		free(words[i]);
	}
	FUZZ_ASSERT(nwords == 0 || words[nwords] == NULL);
	free(words);

	/* as a command: NUL-separated arguments */
	argvbuf[argc++] = "gcc";
	for (i = 0; (size_t)i <= cmd_len && argc < MAX_ARGS;) {
		argvbuf[argc++] = cmd + i;
		i += (int)strlen(cmd + i) + 1;
	}
	argvbuf[argc] = NULL;
	in.argc = argc;
	in.argv = argvbuf;
	rc = hpcc_args_process(&in, &inv);
	FUZZ_ASSERT(rc == 0);
	FUZZ_ASSERT(inv.argc >= 1 && inv.argv && inv.argv[inv.argc] == NULL);
	FUZZ_ASSERT(inv.nsrc >= 0 && inv.nsrc <= inv.ninputs);
	for (i = 0; i < inv.nsrc; i++) {
		FUZZ_ASSERT(inv.src[i].argi > 0 && inv.src[i].argi < inv.argc);
		FUZZ_ASSERT(inv.argv[inv.src[i].argi] == inv.src[i].path);
	}
	FUZZ_ASSERT(inv.parse_argv && inv.parse_argc >= 0);
	for (i = 0; i < inv.parse_argc; i++)
		FUZZ_ASSERT(inv.parse_argv[i] != NULL);
	FUZZ_ASSERT(!inv.links || inv.mode == MODE_LINK);
	FUZZ_ASSERT(!inv.passthrough || inv.why);
	hpcc_invocation_free(&inv);

	/* as hpcc's own options ("hpcc" first) */
	argvbuf[0] = "hpcc";
	switch (hpcc_opts_parse(argc, argvbuf, &opts, &at)) {
	case OPTS_RUN:
		FUZZ_ASSERT(at >= 1 && at < argc);
		break;
	case OPTS_HELP:
	case OPTS_VERSION:
	case OPTS_ERROR:
		break;
	}
	free(cmd);
	return 0;
}

FUZZ_ENTRY(hpcc_fuzz_args)
