/* test_count.c - hpcc's numeric settings (issue 13, item 2): one parser,
 * bounds checked digit by digit, and a bad value is one warning plus the
 * default, never a failed build. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "args.h"
#include "test.h"

/* hpcc_parse_count(text, max): its status, and the value through *v. */
static int parse(const char *text, unsigned long max, unsigned long *v)
{
	*v = 777; /* untouched on failure */
	return hpcc_parse_count(text, max, v);
}

static void whole_numbers(void)
{
	unsigned long v;

	CHECK_INT(0, parse("0", 100, &v));
	CHECK_INT(0, v);
	CHECK_INT(0, parse("42", 100, &v));
	CHECK_INT(42, v);
	CHECK_INT(0, parse("100", 100, &v));
	CHECK_INT(100, v);
	CHECK_INT(0, parse(" 7\t", 100, &v)); /* blanks around, as the runtime */
	CHECK_INT(7, v);
	CHECK_INT(0, parse("000000000000000000000000000009", 100, &v));
	CHECK_INT(9, v);
	CHECK_INT(0, parse("18446744073709551615", ULONG_MAX, &v));
	CHECK(v == ULONG_MAX);
}

static void not_numbers(void)
{
	static const char *const bad[] = {
		"", " ", "-1", "-0", "+5", "1e3", "0x10", "12abc", "abc", "1 2",
		"3.5", "1,000", "\n", "١",
	};
	unsigned long v;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse(bad[i], 86400, &v) != EINVAL)
			TEST_FAIL_("'%s': expected EINVAL", bad[i]);
		CHECK_INT(777, v);
	}
	/* garbage after an overlong number is garbage, not a range error */
	CHECK_INT(EINVAL, parse("99999999999999999999999x", 86400, &v));
}

static void out_of_range(void)
{
	unsigned long v;

	CHECK_INT(ERANGE, parse("101", 100, &v));
	CHECK_INT(777, v);
	CHECK_INT(ERANGE, parse("86401", 86400, &v));
	CHECK_INT(ERANGE, parse("4294967296", 86400, &v));
	/* 2^64 and past it: strtoul's wrap-around would accept these */
	CHECK_INT(ERANGE, parse("18446744073709551616", ULONG_MAX, &v));
	CHECK_INT(ERANGE, parse("99999999999999999999999999999", ULONG_MAX, &v));
	CHECK_INT(ERANGE, parse("9", 8, &v));
	CHECK_INT(ERANGE, parse("1", 0, &v));
	CHECK_INT(0, parse("0", 0, &v));
	CHECK_INT(0, v);
}

/* hpcc_env_count() with NAME=value (NULL: unset); its stderr into err. */
static unsigned long env_count(const char *value, unsigned long max,
			       unsigned long def, const char *unit,
			       char *err, size_t size)
{
	char path[] = "/tmp/hpcc-test-count-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	unsigned long r;
	ssize_t n;

	if (value)
		setenv("HPCC_TEST_COUNT", value, 1);
	else
		unsetenv("HPCC_TEST_COUNT");
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	r = hpcc_env_count("HPCC_TEST_COUNT", max, def, unit);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, err, size - 1, 0);
	err[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return r;
}

static void env_values(void)
{
	char err[1024];

	setenv("NO_COLOR", "1", 1);
	CHECK_INT(120, env_count(NULL, 86400, 120, "seconds", err, sizeof err));
	CHECK_STR("", err);
	CHECK_INT(5, env_count("5", 86400, 120, "seconds", err, sizeof err));
	CHECK_STR("", err);
	CHECK_INT(0, env_count("0", 86400, 120, "seconds", err, sizeof err));
	CHECK_STR("", err);

	CHECK_INT(120, env_count("-1", 86400, 120, "seconds", err, sizeof err));
	CHECK_STR("hpcc: warning: HPCC_TEST_COUNT='-1' is not a whole number of "
		  "seconds from 0 to 86400; using 120\n", err);
	CHECK_INT(120, env_count("", 86400, 120, "seconds", err, sizeof err));
	CHECK_STR("hpcc: warning: HPCC_TEST_COUNT='' is not a whole number of "
		  "seconds from 0 to 86400; using 120\n", err);
	CHECK_INT(0, env_count("18446744073709551616", 8, 0, NULL, err, sizeof err));
	CHECK_STR("hpcc: warning: HPCC_TEST_COUNT='18446744073709551616' is not "
		  "a whole number from 0 to 8; using 0\n", err);
}

/* The warning is one line whatever the value holds, and bounded. */
static void env_value_shown_safely(void)
{
	char err[1024], longv[300];

	setenv("NO_COLOR", "1", 1);
	CHECK_INT(3, env_count("1\n2\033[31m", 9, 3, NULL, err, sizeof err));
	CHECK_STR("hpcc: warning: HPCC_TEST_COUNT='1\\x0a2\\x1b[31m' is not a "
		  "whole number from 0 to 9; using 3\n", err);
	memset(longv, '\n', sizeof longv - 1);
	longv[sizeof longv - 1] = '\0';
	CHECK_INT(3, env_count(longv, 9, 3, NULL, err, sizeof err));
	CHECK(strchr(err, '\n') == err + strlen(err) - 1);
	CHECK_CONTAINS(err, "\\x0a...' is not");
}

TEST_MAIN(T(whole_numbers), T(not_numbers), T(out_of_range), T(env_values),
	  T(env_value_shown_safely))
