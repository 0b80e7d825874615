/* tests/test.h - the project's tiny test harness.
 *
 * One executable per area.  Each test is a function registered with TEST();
 * main() comes from TEST_MAIN().  A failed check prints
 * "file:line: expected X, got Y", marks the current test failed and returns
 * from it; the binary exits non-zero when any test failed.  Output is one
 * line per test plus a closing "N passed, N failed" line.
 */
#ifndef HPCC_TEST_H
#define HPCC_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

extern int test_failed_;

#define TEST_FAIL_(...)                                              \
	do {                                                             \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);              \
		fprintf(stderr, __VA_ARGS__);                                \
		fputc('\n', stderr);                                         \
		test_failed_ = 1;                                            \
		return;                                                      \
	} while (0)

#define CHECK(cond)                                                  \
	do {                                                             \
		if (!(cond))                                                 \
			TEST_FAIL_("expected %s, got false", #cond);             \
	} while (0)

#define CHECK_INT(expected, actual)                                  \
	do {                                                             \
		long long e_ = (long long)(expected);                        \
		long long a_ = (long long)(actual);                          \
		if (e_ != a_)                                                \
			TEST_FAIL_("expected %s == %lld, got %lld", #actual,     \
				   e_, a_);                                  \
	} while (0)

#define CHECK_U64(expected, actual)                                  \
	do {                                                             \
		uint64_t e_ = (uint64_t)(expected);                          \
		uint64_t a_ = (uint64_t)(actual);                            \
		if (e_ != a_)                                                \
			TEST_FAIL_("expected %s == %" PRIu64 ", got %" PRIu64, \
				   #actual, e_, a_);                         \
	} while (0)

#define CHECK_STR(expected, actual)                                  \
	do {                                                             \
		const char *e_ = (expected);                                 \
		const char *a_ = (actual);                                   \
		if (!a_ || strcmp(e_, a_) != 0)                              \
			TEST_FAIL_("expected %s == \"%s\", got \"%s\"",          \
				   #actual, e_, a_ ? a_ : "(null)");         \
	} while (0)

/* Substring check: prints the whole haystack on failure. */
#define CHECK_CONTAINS(haystack, needle)                             \
	do {                                                             \
		const char *h_ = (haystack);                                 \
		const char *n_ = (needle);                                   \
		if (!h_ || !strstr(h_, n_))                                  \
			TEST_FAIL_("expected \"%s\" in:\n%s", n_,                \
				   h_ ? h_ : "(null)");                      \
	} while (0)

#define CHECK_NOT_CONTAINS(haystack, needle)                         \
	do {                                                             \
		const char *h_ = (haystack);                                 \
		const char *n_ = (needle);                                   \
		if (h_ && strstr(h_, n_))                                    \
			TEST_FAIL_("expected no \"%s\" in:\n%s", n_, h_);        \
	} while (0)

#define TEST_MAIN(...)                                               \
	int test_failed_;                                                \
	int main(int argc, char **argv)                                  \
	{                                                                \
		static const struct test_case cases_[] = { __VA_ARGS__ };    \
		size_t i_, n_ = sizeof cases_ / sizeof cases_[0];            \
		int passed_ = 0, failed_ = 0;                                \
		for (i_ = 0; i_ < n_; i_++) {                                \
			if (argc > 1 && strcmp(argv[1], cases_[i_].name) != 0) \
				continue;                                            \
			test_failed_ = 0;                                        \
			cases_[i_].fn();                                         \
			printf("%s %s\n", test_failed_ ? "FAIL" : "ok  ",        \
			       cases_[i_].name);                                 \
			fflush(stdout);                                          \
			if (test_failed_)                                        \
				failed_++;                                           \
			else                                                     \
				passed_++;                                           \
		}                                                            \
		printf("%d passed, %d failed\n", passed_, failed_);          \
		return failed_ ? 1 : 0;                                      \
	}

#define T(fn) { #fn, fn }

#endif
