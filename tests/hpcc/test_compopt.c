/* test_compopt.c - the option table stays sorted and its lookups work. */
#include "compopt.h"
#include "test.h"

static void table_is_sorted_and_unique(void)
{
	unsigned n, i;
	const struct compopt *t = hpcc_compopt_table(&n);

	CHECK(n > 50);
	for (i = 1; i < n; i++)
		if (strcmp(t[i - 1].name, t[i].name) >= 0)
			TEST_FAIL_("table not sorted at \"%s\" >= \"%s\"", t[i - 1].name,
				   t[i].name);
}

static void flags_are_consistent(void)
{
	unsigned n, i;
	const struct compopt *t = hpcc_compopt_table(&n);

	for (i = 0; i < n; i++) {
		size_t len = strlen(t[i].name);

		/* "-std=" style names only make sense glued to their value */
		if (t[i].name[len - 1] == '=' && !(t[i].flags & TAKES_CONCAT_ARG))
			TEST_FAIL_("%s ends in '=' but is not TAKES_CONCAT_ARG", t[i].name);
		if ((t[i].flags & TAKES_PATH) &&
		    !(t[i].flags & (TAKES_ARG | TAKES_CONCAT_ARG)))
			TEST_FAIL_("%s is TAKES_PATH without an argument", t[i].name);
	}
}

static void exact_lookup(void)
{
	const struct compopt *o = hpcc_compopt_find("-o");

	CHECK(o != NULL);
	CHECK(o->flags & TAKES_ARG);
	CHECK(o->flags & TAKES_CONCAT_ARG);
	CHECK(hpcc_compopt_find("-c")->flags & OUTPUT_MODE);
	CHECK(hpcc_compopt_find("-MMD")->flags & DEP_OPT);
	CHECK(hpcc_compopt_find("-include")->flags & AFFECTS_PARSE);
	CHECK(hpcc_compopt_find("-Xclang")->flags & TOO_HARD);
	CHECK(hpcc_compopt_find("--version")->flags & PASS_THROUGH);
	CHECK(hpcc_compopt_find("-shared")->flags & LINK_SHARED);
	CHECK(hpcc_compopt_find("-Wall") == NULL);
	CHECK(hpcc_compopt_find("") == NULL);
}

static void prefix_lookup(void)
{
	CHECK_STR("-I", hpcc_compopt_prefix("-Iinclude")->name);
	CHECK_STR("-o", hpcc_compopt_prefix("-ofoo.o")->name);
	CHECK_STR("-std=", hpcc_compopt_prefix("-std=gnu11")->name);
	CHECK_STR("-MF", hpcc_compopt_prefix("-MFdeps.d")->name);
	CHECK_STR("-x", hpcc_compopt_prefix("-xc")->name);
	CHECK_STR("-fno-builtin-", hpcc_compopt_prefix("-fno-builtin-printf")->name);
	CHECK_STR("-print-", hpcc_compopt_prefix("-print-prog-name=cc1")->name);
	CHECK_STR("-isystem", hpcc_compopt_prefix("-isystem/usr/x")->name);
	CHECK_STR("-include", hpcc_compopt_prefix("-includeconfig.h")->name);
	CHECK_STR("-Wp,", hpcc_compopt_prefix("-Wp,-MD,x.d")->name);
	/* not options with a glued value */
	CHECK(hpcc_compopt_prefix("-Wall") == NULL);
	CHECK(hpcc_compopt_prefix("-MD") == NULL);
	CHECK(hpcc_compopt_prefix("-c") == NULL);
	CHECK(hpcc_compopt_prefix("-emit-llvm") == NULL); /* "-e" is separate only */
	CHECK(hpcc_compopt_prefix("-O2") == NULL);
	/* a very long argument does not overflow the lookup buffer */
	{
		char big[300];

		memset(big, 'a', sizeof big);
		big[0] = '-';
		big[1] = 'I';
		big[sizeof big - 1] = '\0';
		CHECK_STR("-I", hpcc_compopt_prefix(big)->name);
	}
}

/* Where gcc 12 and clang 14 take [[ns::attr]] (checked by hand with
 * `[[hotpath::measure]] int f(void);` in every -std), hpcc blanks its own. */
static void std_attributes(void)
{
#define STD(clang, ...) \
	hpcc_compopt_std_attributes(clang, (const char *const[]){ __VA_ARGS__, NULL }, \
				    (int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *)))
	CHECK_INT(1, hpcc_compopt_std_attributes(0, NULL, 0)); /* gcc: gnu17 */
	CHECK_INT(0, hpcc_compopt_std_attributes(1, NULL, 0)); /* clang: gnu17 */
	CHECK_INT(1, STD(0, "-std=gnu99"));
	CHECK_INT(1, STD(0, "-std=gnu89"));
	CHECK_INT(0, STD(0, "-std=c99"));
	CHECK_INT(0, STD(0, "-std=c17"));
	CHECK_INT(0, STD(0, "-std=iso9899:1999"));
	CHECK_INT(0, STD(0, "-ansi"));
	CHECK_INT(1, STD(0, "-std=c2x"));
	CHECK_INT(1, STD(0, "-std=c23"));
	CHECK_INT(1, STD(0, "-std=c11", "-std=gnu2x")); /* the last one counts */
	CHECK_INT(0, STD(0, "-std=gnu2x", "--std", "c11"));
	CHECK_INT(1, STD(0, "--std=gnu11"));
	CHECK_INT(0, STD(1, "-std=gnu17"));
	CHECK_INT(0, STD(1, "-std=c11"));
	CHECK_INT(1, STD(1, "-std=c2x"));
	CHECK_INT(1, STD(1, "-std=gnu2x"));
	CHECK_INT(1, STD(1, "-std=c17", "-fdouble-square-bracket-attributes"));
	CHECK_INT(0, STD(1, "-std=c2x", "-fno-double-square-bracket-attributes"));
	CHECK_INT(1, STD(1, "-I", "x", "-std=c2x", "-DA=1"));
#undef STD
}

TEST_MAIN(T(table_is_sorted_and_unique), T(flags_are_consistent), T(exact_lookup),
	  T(prefix_lookup), T(std_attributes))
