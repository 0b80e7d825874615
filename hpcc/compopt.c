/* compopt.c - the option table and its lookups.
 *
 * Kept sorted by strcmp (tests/hpcc/test_compopt.c checks it) so that both
 * lookups are binary searches: a pass-through invocation must cost
 * microseconds, not a scan per argument.
 */
#include <stdlib.h>
#include <string.h>

#include "compopt.h"

static const struct compopt table[] = {
	{ "-###", PASS_THROUGH },
	{ "--help", PASS_THROUGH },
	{ "--param", TAKES_ARG },
	{ "--param=", TAKES_CONCAT_ARG },
	{ "--specs", TAKES_ARG | TAKES_PATH },
	{ "--specs=", TAKES_CONCAT_ARG | TAKES_PATH },
	{ "--static", LINK_STATIC },
	{ "--std", TAKES_ARG | AFFECTS_PARSE },
	{ "--std=", TAKES_CONCAT_ARG | AFFECTS_PARSE },
	{ "--sysroot", TAKES_ARG | TAKES_PATH | AFFECTS_PARSE },
	{ "--sysroot=", TAKES_CONCAT_ARG | TAKES_PATH | AFFECTS_PARSE },
	{ "--target", TAKES_ARG | AFFECTS_PARSE },
	{ "--target=", TAKES_CONCAT_ARG | AFFECTS_PARSE },
	{ "--version", PASS_THROUGH },
	{ "-A", TAKES_ARG | TAKES_CONCAT_ARG | AFFECTS_PARSE },
	{ "-B", TAKES_ARG | TAKES_CONCAT_ARG | TAKES_PATH },
	{ "-D", TAKES_ARG | TAKES_CONCAT_ARG | AFFECTS_PARSE },
	{ "-E", OUTPUT_MODE },
	{ "-F", TAKES_ARG | TAKES_CONCAT_ARG | TAKES_PATH | AFFECTS_PARSE },
	{ "-I", TAKES_ARG | TAKES_CONCAT_ARG | TAKES_PATH | AFFECTS_PARSE },
	{ "-I-", TOO_HARD },
	{ "-L", TAKES_ARG | TAKES_CONCAT_ARG | TAKES_PATH },
	{ "-M", OUTPUT_MODE | DEP_OPT },
	{ "-MD", DEP_OPT },
	{ "-MF", TAKES_ARG | TAKES_CONCAT_ARG | TAKES_PATH | DEP_OPT },
	{ "-MG", DEP_OPT },
	{ "-MM", OUTPUT_MODE | DEP_OPT },
	{ "-MMD", DEP_OPT },
	{ "-MP", DEP_OPT },
	{ "-MQ", TAKES_ARG | TAKES_CONCAT_ARG | DEP_OPT },
	{ "-MT", TAKES_ARG | TAKES_CONCAT_ARG | DEP_OPT },
	{ "-S", OUTPUT_MODE },
	{ "-T", TAKES_ARG | TAKES_CONCAT_ARG | TAKES_PATH },
	{ "-U", TAKES_ARG | TAKES_CONCAT_ARG | AFFECTS_PARSE },
	{ "-Wl,", TAKES_CONCAT_ARG | LINKER_ARG },
	{ "-Wp,", TAKES_CONCAT_ARG | TOO_HARD },
	{ "-Xanalyzer", TAKES_ARG },
	{ "-Xassembler", TAKES_ARG },
	{ "-Xclang", TAKES_ARG | TOO_HARD },
	{ "-Xlinker", TAKES_ARG | LINKER_ARG },
	{ "-Xpreprocessor", TAKES_ARG | TOO_HARD },
	{ "-ansi", AFFECTS_PARSE },
	{ "-arch", TAKES_ARG | TOO_HARD },
	{ "-aux-info", TAKES_ARG | TAKES_PATH },
	{ "-c", OUTPUT_MODE },
	{ "-dumpbase", TAKES_ARG | TAKES_PATH },
	{ "-dumpbase-ext", TAKES_ARG },
	{ "-dumpdir", TAKES_ARG | TAKES_PATH },
	{ "-dumpfullversion", PASS_THROUGH },
	{ "-dumpmachine", PASS_THROUGH },
	{ "-dumpspecs", PASS_THROUGH },
	{ "-dumpversion", PASS_THROUGH },
	{ "-e", TAKES_ARG },
	{ "-fPIC", AFFECTS_PARSE },
	{ "-fPIE", AFFECTS_PARSE },
	{ "-fblocks", AFFECTS_PARSE },
	{ "-fcolor-diagnostics", DIAG_COLOR },
	{ "-fdiagnostics-color", DIAG_COLOR },
	{ "-fdiagnostics-color=", TAKES_CONCAT_ARG | DIAG_COLOR },
	{ "-fdollars-in-identifiers", AFFECTS_PARSE },
	{ "-fdouble-square-bracket-attributes", AFFECTS_PARSE },
	{ "-ffreestanding", AFFECTS_PARSE },
	{ "-fgnu89-inline", AFFECTS_PARSE },
	{ "-finput-charset=", TAKES_CONCAT_ARG | AFFECTS_PARSE },
	{ "-fms-extensions", AFFECTS_PARSE },
	{ "-fno-asm", AFFECTS_PARSE },
	{ "-fno-builtin", AFFECTS_PARSE },
	{ "-fno-builtin-", TAKES_CONCAT_ARG | AFFECTS_PARSE },
	{ "-fno-color-diagnostics", DIAG_COLOR },
	{ "-fno-diagnostics-color", DIAG_COLOR },
	{ "-fno-dollars-in-identifiers", AFFECTS_PARSE },
	{ "-fno-double-square-bracket-attributes", AFFECTS_PARSE },
	{ "-fno-gnu89-inline", AFFECTS_PARSE },
	{ "-fno-ms-extensions", AFFECTS_PARSE },
	{ "-fno-short-enums", AFFECTS_PARSE },
	{ "-fno-signed-char", AFFECTS_PARSE },
	{ "-fno-unsigned-char", AFFECTS_PARSE },
	{ "-fopenmp", AFFECTS_PARSE },
	{ "-fpic", AFFECTS_PARSE },
	{ "-fpie", AFFECTS_PARSE },
	{ "-fshort-enums", AFFECTS_PARSE },
	{ "-fshort-wchar", AFFECTS_PARSE },
	{ "-fsigned-char", AFFECTS_PARSE },
	{ "-fsyntax-only", OUTPUT_MODE },
	{ "-funsigned-char", AFFECTS_PARSE },
	{ "-idirafter", TAKES_ARG | TAKES_CONCAT_ARG | TAKES_PATH | AFFECTS_PARSE },
	{ "-imacros", TAKES_ARG | TAKES_CONCAT_ARG | TAKES_PATH | AFFECTS_PARSE },
	{ "-imultilib", TAKES_ARG | TAKES_CONCAT_ARG | TAKES_PATH | AFFECTS_PARSE },
	{ "-include", TAKES_ARG | TAKES_CONCAT_ARG | TAKES_PATH | AFFECTS_PARSE },
	{ "-iprefix", TAKES_ARG | TAKES_CONCAT_ARG | TAKES_PATH | AFFECTS_PARSE },
	{ "-iquote", TAKES_ARG | TAKES_CONCAT_ARG | TAKES_PATH | AFFECTS_PARSE },
	{ "-isysroot", TAKES_ARG | TAKES_CONCAT_ARG | TAKES_PATH | AFFECTS_PARSE },
	{ "-isystem", TAKES_ARG | TAKES_CONCAT_ARG | TAKES_PATH | AFFECTS_PARSE },
	{ "-iwithprefix", TAKES_ARG | TAKES_CONCAT_ARG | TAKES_PATH | AFFECTS_PARSE },
	{ "-iwithprefixbefore", TAKES_ARG | TAKES_CONCAT_ARG | TAKES_PATH | AFFECTS_PARSE },
	{ "-l", TAKES_ARG | TAKES_CONCAT_ARG },
	{ "-m32", AFFECTS_PARSE },
	{ "-m64", AFFECTS_PARSE },
	{ "-march=", TAKES_CONCAT_ARG | AFFECTS_PARSE },
	{ "-mllvm", TAKES_ARG },
	{ "-mx32", AFFECTS_PARSE },
	{ "-nostdinc", AFFECTS_PARSE },
	{ "-o", TAKES_ARG | TAKES_CONCAT_ARG | TAKES_PATH },
	{ "-print-", TAKES_CONCAT_ARG | PASS_THROUGH },
	{ "-pthread", AFFECTS_PARSE },
	{ "-r", LINK_PARTIAL },
	{ "-shared", LINK_SHARED },
	{ "-specs", TAKES_ARG | TAKES_PATH },
	{ "-specs=", TAKES_CONCAT_ARG | TAKES_PATH },
	{ "-static", LINK_STATIC },
	{ "-static-pie", LINK_STATIC },
	{ "-std=", TAKES_CONCAT_ARG | AFFECTS_PARSE },
	{ "-target", TAKES_ARG | AFFECTS_PARSE },
	{ "-traditional", TOO_HARD },
	{ "-traditional-cpp", TOO_HARD },
	{ "-trigraphs", AFFECTS_PARSE },
	{ "-u", TAKES_ARG | TAKES_CONCAT_ARG },
	{ "-undef", AFFECTS_PARSE },
	{ "-wrapper", TAKES_ARG },
	{ "-x", TAKES_ARG | TAKES_CONCAT_ARG },
	{ "-z", TAKES_ARG },
};

#define TABLE_LEN (sizeof table / sizeof table[0])

static int compare(const void *key, const void *elem)
{
	return strcmp((const char *)key, ((const struct compopt *)elem)->name);
}

const struct compopt *hpcc_compopt_find(const char *arg)
{
	return bsearch(arg, table, TABLE_LEN, sizeof table[0], compare);
}

const struct compopt *hpcc_compopt_prefix(const char *arg)
{
	char buf[64];
	size_t len = strlen(arg);
	const struct compopt *opt;

	if (len >= sizeof buf)
		len = sizeof buf - 1; /* no option name is that long */
	memcpy(buf, arg, len);
	/* longest prefix first: "-fno-builtin-" before "-f..." */
	while (len > 1) {
		buf[--len] = '\0';
		opt = hpcc_compopt_find(buf);
		if (opt && (opt->flags & TAKES_CONCAT_ARG))
			return opt;
	}
	return NULL;
}

static int std_is_c2x(const char *std)
{
	return !strcmp(std, "c2x") || !strcmp(std, "c23") || !strcmp(std, "gnu2x") ||
	       !strcmp(std, "gnu23") || !strcmp(std, "iso9899:2024") ||
	       !strcmp(std, "c2y") || !strcmp(std, "gnu2y");
}

int hpcc_compopt_std_attributes(int clang, const char *const *argv, int argc)
{
	const char *std = NULL;
	int i, brackets = -1; /* clang's -f[no-]double-square-bracket-attributes */

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strncmp(a, "-std=", 5))
			std = a + 5;
		else if (!strncmp(a, "--std=", 6))
			std = a + 6;
		else if ((!strcmp(a, "-std") || !strcmp(a, "--std")) && i + 1 < argc)
			std = argv[++i];
		else if (!strcmp(a, "-ansi"))
			std = "c89";
		else if (!strcmp(a, "-fdouble-square-bracket-attributes"))
			brackets = 1;
		else if (!strcmp(a, "-fno-double-square-bracket-attributes"))
			brackets = 0;
	}
	if (clang)
		return brackets >= 0 ? brackets : std && std_is_c2x(std);
	return !std || std_is_c2x(std) || !strncmp(std, "gnu", 3);
}

const struct compopt *hpcc_compopt_table(unsigned *n)
{
	*n = (unsigned)TABLE_LEN;
	return table;
}
