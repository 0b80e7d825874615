/* hotpath.h - the interface between code rewritten by hpcc and the runtime.
 *
 * hpcc inserts one macro call right after the opening brace of every
 * measured function or block:
 *
 *     HP_FUNCTION(id, "name", line)      a measured function
 *     HP_BLOCK(id, "label", line)        a measured compound statement
 *     HP_MAIN(id, "name", line, "50,99") main: starts the session, reports
 *                                        when main returns ("" = defaults)
 *
 * `id` is a small integer unique within the translation unit; it only makes
 * the local names unique so nested guards do not shadow each other.  Each
 * macro expands to declarations only (a static site descriptor and a guard
 * variable whose cleanup records the call), so it is valid as the first
 * thing in any block under every -std from gnu89 to c2x and stays
 * warning-free under -Wall -Wextra -pedantic -Wshadow
 * -Wdeclaration-after-statement.  This header is C89: no // comments, no
 * inline keyword, no declarations after statements.
 */
#ifndef HOTPATH_H
#define HOTPATH_H

/* Warnings about this header's own text are not the user's business. */
#if defined(__GNUC__)
#pragma GCC system_header
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define HP_KIND_FUNCTION 0
#define HP_KIND_BLOCK 1
#define HP_KIND_MAIN 2

/* One annotated function or block.  Static storage, one per site.  The
 * fields after `kind` belong to the runtime and start zeroed. */
struct hp_site {
	const char *name;
	const char *file;
	int line;
	int kind;
	unsigned int slot;     /* runtime-owned: statistics index + 1 */
	unsigned int reserved; /* runtime-owned; keeps the layout unpadded */
};

/* One open call, on the caller's stack. */
struct hp_frame {
	struct hp_site *site;
	__extension__ unsigned long long start;
};

#if defined(__GNUC__) || defined(__clang__)
#define HP_API_ __attribute__((visibility("default")))
#define HP_GUARD_ATTR_(fn) __attribute__((cleanup(fn), unused))
#else
#error "hotpath.h needs GCC or Clang (__attribute__((cleanup)))"
#endif

HP_API_ struct hp_frame hp_frame_enter(struct hp_site *site);
HP_API_ void hp_frame_exit(struct hp_frame *frame);
HP_API_ struct hp_frame hp_main_enter(struct hp_site *site, const char *percentiles);
HP_API_ void hp_main_exit(struct hp_frame *frame);

#define HP_SITE_(id, name, line, kind)                                  \
	static struct hp_site hp_site_##id = { name, __FILE__, line, kind, 0, 0 }

#define HP_FUNCTION(id, name, line)                                     \
	HP_SITE_(id, name, line, HP_KIND_FUNCTION);                         \
	struct hp_frame hp_frame_##id HP_GUARD_ATTR_(hp_frame_exit) =       \
		hp_frame_enter(&hp_site_##id)

#define HP_BLOCK(id, label, line)                                       \
	HP_SITE_(id, label, line, HP_KIND_BLOCK);                           \
	struct hp_frame hp_frame_##id HP_GUARD_ATTR_(hp_frame_exit) =       \
		hp_frame_enter(&hp_site_##id)

#define HP_MAIN(id, name, line, percentiles)                            \
	HP_SITE_(id, name, line, HP_KIND_MAIN);                             \
	struct hp_frame hp_frame_##id HP_GUARD_ATTR_(hp_main_exit) =        \
		hp_main_enter(&hp_site_##id, percentiles)

#ifdef __cplusplus
}
#endif

#endif
