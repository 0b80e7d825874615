/* test_diagfix.c - the replayed stderr of an instrumented command reads as
 * the plain command's: no "./" gcc adds under `-iquote .`, no -H line for
 * hotpath.h, clang's quoted lines swapped back; everything else untouched. */
#include "diagfix.h"
#include "test.h"

#define HDR "/opt/hp/include/hotpath.h"

static char *dup_text(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort();
	return d;
}

static void strip_dot_slash_at_locations_only(void)
{
	char *t = dup_text("./x.h:3:5: warning: unused variable 'v'\n"
			   "In file included from ./x.h:1,\n"
			   "                 from main.c:2:\n"
			   "\033[01m\033[K./y.h:1:1:\033[m\033[K note: see ./z.h\n"
			   "    3 |   int v = f(\"./q\");\n"
			   ".//abs.h:1: stays\n"
			   "./");
	size_t n = hpcc_diagfix_strip_dot_slash(t, strlen(t));

	t[n] = '\0';
	CHECK_STR("x.h:3:5: warning: unused variable 'v'\n"
		  "In file included from x.h:1,\n"
		  "                 from main.c:2:\n"
		  "\033[01m\033[Ky.h:1:1:\033[m\033[K note: see ./z.h\n"
		  "    3 |   int v = f(\"./q\");\n"
		  ".//abs.h:1: stays\n"
		  "./", t);
	free(t);
}

static void drop_header_line_depth_one_only(void)
{
	char *t = dup_text(". " HDR "\n"
			   ". inc/a.h\n"
			   ".. " HDR "\n"
			   ". " HDR "x\n"
			   "Multiple include guards may be useful for:\n");
	size_t n = hpcc_diagfix_drop_header_line(t, strlen(t), HDR);

	t[n] = '\0';
	CHECK_STR(". inc/a.h\n"
		  ".. " HDR "\n"
		  ". " HDR "x\n"
		  "Multiple include guards may be useful for:\n", t);
	free(t);
}

static void swap_lines_whole_lines_only(void)
{
	struct line_fix fx = { (char *)"      x = 1; }", (char *)"{ int x; x = 1; }" };
	struct line_fix_list fixes = { &fx, 1 };
	const char *in = "a.c:3:7: note\n      x = 1; }\n      ^\n  x = 1; }\n      x = 1; }";
	size_t n;
	char *out = hpcc_diagfix_swap_lines(in, strlen(in), &fixes, &n);

	CHECK_STR("a.c:3:7: note\n{ int x; x = 1; }\n      ^\n  x = 1; }\n{ int x; x = 1; }", out);
	CHECK_INT(strlen(out), n);
	free(out);
}

/* Which fix-ups a command gets: hotpath.h's line only where a rewritten
 * source compiles, "./" only for gcc under -iquote ., lines only for
 * clang. */
static void command_picks_its_fixups(void)
{
	struct line_fix fx = { (char *)"   b();", (char *)"{ a(); b();" };
	struct work w[2];
	struct plan_cmd pc;
	const char *text = ". " HDR "\n./x.h:1:1: warning: w\n   b();\n";
	char *t;
	size_t n;

	memset(w, 0, sizeof w);
	w[1].fixes.v = &fx;
	w[1].fixes.n = 1;
	memset(&pc, 0, sizeof pc);
	pc.wfirst = 1;
	pc.wcount = 1;
	pc.quote_dir = ".";

	n = strlen(text);
	t = hpcc_diagfix_command(dup_text(text), &n, &pc, w, HDR, 0);
	CHECK(t != NULL);
	t[n] = '\0';
	CHECK_STR("x.h:1:1: warning: w\n   b();\n", t);
	free(t);

	n = strlen(text);
	t = hpcc_diagfix_command(dup_text(text), &n, &pc, w, HDR, 1);
	CHECK(t != NULL);
	CHECK_STR("./x.h:1:1: warning: w\n{ a(); b();\n", t);
	free(t);

	pc.wcount = 0; /* the link: no rewritten source, nothing to fix */
	pc.quote_dir = NULL;
	n = strlen(text);
	t = hpcc_diagfix_command(dup_text(text), &n, &pc, w, HDR, 1);
	t[n] = '\0';
	CHECK_STR(text, t);
	free(t);
}

/* The link to a source's folder is named as the plain compile names the
 * folder, wherever it appears (locations, -H, notes). */
static void folder_link_renamed(void)
{
	struct work w[1];
	struct plan_cmd pc;
	const char *text = "In file included from /T/2/src/own.h:4,\n"
			   "                 from src/main.c:2:\n"
			   "/T/2/src/nest.h:1:12: warning: 'v' defined but not used\n"
			   ". /T/2/src/own.h\n";
	char *t;
	size_t n = strlen(text);

	memset(w, 0, sizeof w);
	w[0].mirror = (char *)"/T/2/src/";
	w[0].mirror_to = (char *)"src/";
	memset(&pc, 0, sizeof pc);
	pc.wcount = 1;
	t = hpcc_diagfix_command(dup_text(text), &n, &pc, w, HDR, 0);
	CHECK(t != NULL);
	t[n] = '\0';
	CHECK_STR("In file included from src/own.h:4,\n"
		  "                 from src/main.c:2:\n"
		  "src/nest.h:1:12: warning: 'v' defined but not used\n"
		  ". src/own.h\n", t);
	free(t);
	t = hpcc_diagfix_rename("a/T/b/T/", 8, "/T/", "/LONGER/", &n);
	CHECK_STR("a/LONGER/b/LONGER/", t);
	CHECK_INT(18, n);
	free(t);
}

TEST_MAIN(T(folder_link_renamed), T(strip_dot_slash_at_locations_only), T(drop_header_line_depth_one_only),
	  T(swap_lines_whole_lines_only), T(command_picks_its_fixups))
