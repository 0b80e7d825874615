/* compopt.h - the one table of gcc/clang options hpcc needs to know about.
 *
 * Options not in the table are treated as flags without an argument that
 * neither change parsing nor the mode: passed on untouched.  An option is
 * in the table when hpcc must know where its argument is (TAKES_ARG), must
 * hand it to libclang (AFFECTS_PARSE), or when it changes what the command
 * does (OUTPUT_MODE, DEP_OPT, PASS_THROUGH, TOO_HARD).
 */
#ifndef HPCC_COMPOPT_H
#define HPCC_COMPOPT_H

#define TOO_HARD         (1u << 0) /* hpcc cannot instrument: run as is */
#define TAKES_ARG        (1u << 1) /* "-o x": the next argument is its value */
#define TAKES_CONCAT_ARG (1u << 2) /* "-ox", "-std=c11": value glued on */
#define TAKES_PATH       (1u << 3) /* the value is a path */
#define AFFECTS_PARSE    (1u << 4) /* libclang must see it too */
#define OUTPUT_MODE      (1u << 5) /* -c -S -E -M -MM -fsyntax-only */
#define DEP_OPT          (1u << 6) /* -MD -MMD -MF -MT -MQ -MP -MG */
#define PASS_THROUGH     (1u << 7) /* --version, -print-*: never compiles */
#define DIAG_COLOR       (1u << 8) /* the user chose diagnostics colours */
#define LINK_SHARED      (1u << 9) /* -shared: the link makes a library */
#define LINK_STATIC      (1u << 10) /* -static, -static-pie: no shared objects */
#define LINK_PARTIAL     (1u << 11) /* -r: a relocatable object, not a program */
#define LINKER_ARG       (1u << 12) /* -Wl,a,b / -Xlinker a: words for ld */

struct compopt {
	const char *name;
	unsigned flags;
};

/* The option spelled exactly `arg`, or NULL. */
const struct compopt *hpcc_compopt_find(const char *arg);

/* The longest TAKES_CONCAT_ARG option that is a proper prefix of `arg`
 * ("-I" for "-Iinc", "-std=" for "-std=c11"), or NULL. */
const struct compopt *hpcc_compopt_prefix(const char *arg);

/* Does the compiler accept [[ns::attr]] attributes under these flags
 * (the parse flags of a command)?  gcc: in its GNU modes (the default)
 * and from C2x on; its strict ISO modes before C2x have no '::' token.
 * clang 14: from C2x on, or with -fdouble-square-bracket-attributes.
 * Where it does, hpcc blanks its own attributes out (issue 12, item 9);
 * where it does not, they stay and the compile fails as it would. */
int hpcc_compopt_std_attributes(int clang, const char *const *argv, int argc);

/* For the sortedness test. */
const struct compopt *hpcc_compopt_table(unsigned *n);

#endif
