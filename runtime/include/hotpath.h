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
 * Compiled with -DHOTPATH_ALLOC=1 (hpcc --alloc), the same three macros
 * open an allocation-aware frame instead: it also holds the thread's
 * allocation counters at entry, and its exit records the call's time
 * together with the four allocation figures of the call (see "Allocation
 * tracking" below).  Without HOTPATH_ALLOC nothing here changes.
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

/* One open call, on the caller's stack: 16 bytes on LP64.  `depth` is
 * the call's place on the thread's shadow stack + 1 (0: not recorded). */
struct hp_frame {
	struct hp_site *site;
	unsigned long depth;
};

#if defined(__GNUC__) || defined(__clang__)
/* The runtime is a shared library (libhotpath.so.1): gcc calls it through
 * its GOT entry directly rather than through a PLT stub (noplt), which
 * saves a jump per entry and exit; clang has no such attribute. */
#if defined(__has_attribute)
#if __has_attribute(noplt)
#define HP_NOPLT_ __attribute__((noplt))
#endif
#endif
#ifndef HP_NOPLT_
#define HP_NOPLT_
#endif
#define HP_API_ __attribute__((visibility("default"))) HP_NOPLT_
/* The runtime's exported symbols are named hotpath_*: an instrumented
 * object linked without the runtime (a link step that bypassed hpcc)
 * fails with "undefined reference to `hotpath_enter'", which says what is
 * missing. */
#define HP_SYM_(name) __asm__(name)
/* No `unused` on the guard nor on the inline helpers: a use of something
 * marked unused is itself a warning (clang -Wused-but-marked-unused, in
 * -Weverything), and every guard variable is used in its initialiser. */
#define HP_GUARD_ATTR_(fn) __attribute__((cleanup(fn)))
#else
#error "hotpath.h needs GCC or Clang (__attribute__((cleanup)))"
#endif

/* The record path.  Entry calls hp_enter() with the guard's address and
 * the machine frame's address and return address (which let the runtime
 * notice calls abandoned by longjmp), or on x86 hp_enter_cfa() with the
 * frame's CFA alone (see the guard below); either pushes the call on the
 * thread's shadow stack and reads the clock last, so its bookkeeping stays
 * outside the measured span.  Exit is the guard's cleanup, hp_leave_at()
 * (hp_leave_depth() and hp_leave() for earlier guards, whose objects
 * still link and run with this runtime), which reads the clock first
 * thing; keeping it out of line leaves two plain calls in each measured
 * function (small code, quick compiles).
 * The allocation-aware exit reads the clock inline (rdtsc when the
 * runtime chose the TSC: hp_clock_mode == 1; mode 0 means "session not
 * started": hp_clock_slow() starts it; mode 2 is CLOCK_MONOTONIC, read by
 * hp_clock_slow() too) and hands the time to hp_alloc_exit().
 * hp_record() (a finished call of known length) and hp_frame_enter/exit
 * remain for callers of the earlier interface. */
__extension__ typedef unsigned long long hp_ticks_;

__attribute__((visibility("default"))) extern int hp_clock_mode
	HP_SYM_("hotpath_clock_mode");
HP_API_ hp_ticks_ hp_clock_slow(void)
	HP_SYM_("hotpath_clock_slow");
HP_API_ unsigned long hp_enter(struct hp_site *site, void *guard, void *cfa,
			       void *ret)
	HP_SYM_("hotpath_enter");
HP_API_ void hp_exit(struct hp_frame *frame, hp_ticks_ end)
	HP_SYM_("hotpath_exit");
HP_API_ void hp_leave(struct hp_frame *frame)
	HP_SYM_("hotpath_leave");
HP_API_ void hp_leave_depth(unsigned long *depth)
	HP_SYM_("hotpath_leave_depth");
HP_API_ void hp_leave_at(unsigned long depth)
	HP_SYM_("hotpath_leave_at");
#if defined(__x86_64__) || defined(__i386__)
HP_API_ unsigned long hp_enter_cfa(struct hp_site *site, void *cfa)
	HP_SYM_("hotpath_enter_cfa");
#endif
HP_API_ void hp_record(struct hp_site *site, hp_ticks_ ticks)
	HP_SYM_("hotpath_record");
HP_API_ struct hp_frame hp_frame_enter(struct hp_site *site)
	HP_SYM_("hotpath_frame_enter");
HP_API_ void hp_frame_exit(struct hp_frame *frame)
	HP_SYM_("hotpath_frame_exit");
HP_API_ struct hp_frame hp_main_enter(struct hp_site *site, const char *percentiles)
	HP_SYM_("hotpath_main_enter");
HP_API_ void hp_main_exit(struct hp_frame *frame)
	HP_SYM_("hotpath_main_exit");

static __inline__ __attribute__((always_inline))
hp_ticks_ hp_now_(void)
{
#if defined(__x86_64__) || defined(__i386__)
	if (__builtin_expect(__atomic_load_n(&hp_clock_mode, __ATOMIC_RELAXED) == 1, 1)) {
		unsigned int lo, hi;
		__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
		return ((hp_ticks_)hi << 32) | lo;
	}
#endif
	return hp_clock_slow();
}

/* The machine frame's identity for the longjmp checks: its canonical
 * frame address (the caller's stack pointer at the call), which gcc
 * computes from the stack pointer without the frame pointer that
 * __builtin_frame_address(0) forces on every measured function (fewer
 * instructions per call, less work per guard at -O2). */
#if defined(__x86_64__) || defined(__i386__)
/* ... less two words: on x86 that is exactly where the frame pointer
 * would point (the saved one sits below the return address), so objects
 * built by an earlier hpcc, whose guards passed __builtin_frame_address(0),
 * compare with these in one process (the shared runtime) as before. */
#define HP_CFA_ ((void *)((char *)__builtin_dwarf_cfa() - 2 * sizeof(void *)))
#else
#define HP_CFA_ __builtin_dwarf_cfa()
#endif

/* `self` is the guard being initialised (its own address). */
static __inline__ __attribute__((always_inline))
struct hp_frame hp_enter_(struct hp_site *site, struct hp_frame *self)
{
	struct hp_frame f;
	f.site = site;
	f.depth = hp_enter(site, self, HP_CFA_, __builtin_return_address(0));
	return f;
}


/* Allocation tracking.  The counters themselves are the runtime's
 * (per-thread, written by the malloc interposer of libhotpath_alloc.a);
 * the frame only carries their values at entry.  Entry takes the mark
 * before reading the clock and exit reads the clock before turning the
 * mark into figures, so the bookkeeping stays outside the timed span.
 * Both steps are out of line: only programs built with --alloc pay them.
 * The frame is 72 bytes on LP64. */
struct hp_alloc_mark {
	__extension__ unsigned long long bytes_total;
	__extension__ unsigned long long count_total;
	__extension__ long long live_bytes;
	__extension__ long long live_count;
	__extension__ long long saved_peak_bytes;
	__extension__ long long saved_peak_count;
};

struct hp_alloc_frame {
	struct hp_site *site;
	unsigned long depth;
	struct hp_alloc_mark mark;
};

HP_API_ void hp_alloc_enter(struct hp_alloc_frame *frame, void *guard,
			    void *cfa, void *ret)
	HP_SYM_("hotpath_alloc_enter");
HP_API_ void hp_alloc_exit(struct hp_alloc_frame *frame, hp_ticks_ end)
	HP_SYM_("hotpath_alloc_exit");
HP_API_ struct hp_frame hp_main_alloc_enter(struct hp_site *site, const char *percentiles)
	HP_SYM_("hotpath_main_alloc_enter");
HP_API_ void hp_main_alloc_exit(struct hp_frame *frame)
	HP_SYM_("hotpath_main_alloc_exit");

static __inline__ __attribute__((always_inline))
struct hp_alloc_frame hp_alloc_enter_(struct hp_site *site,
				      struct hp_alloc_frame *self)
{
	struct hp_alloc_frame f;
	f.site = site;
	hp_alloc_enter(&f, self, HP_CFA_, __builtin_return_address(0));
	return f;
}

static __inline__ __attribute__((always_inline))
void hp_alloc_exit_(struct hp_alloc_frame *frame)
{
	hp_alloc_exit(frame, hp_now_());
}

/* A report now, while the program runs (a program's own call, not
 * something hpcc inserts): hotpath_snapshot(format, path).  format is one
 * of HOTPATH_FORMAT's names ("json", "table", ...; NULL or "": every
 * format of HOTPATH_FORMAT); path a file name ("%p" = pid; NULL or "":
 * each format's HOTPATH_INTERVAL file name, numbered as those are).
 * Returns 0 or an errno value: EINVAL (unknown format), ESRCH (no session:
 * nothing measured yet, or the exit report is out), EPERM (a setuid
 * program), EBUSY, ENOMEM, or what writing the file failed with.  Safe
 * from any thread, not from a signal handler.  The runtime's symbol is
 * weak here: a program built without hpcc, or linked without the runtime,
 * still links and gets ENOSYS (38 on Linux; errno.h stays out of the
 * user's translation unit).  Nothing here costs a thing until called. */
__attribute__((weak)) HP_API_ int hp_snapshot_sym_(const char *format,
						  const char *path)
	HP_SYM_("hotpath_snapshot");

static __inline__ int hp_snapshot_(const char *format, const char *path)
{
	if (!hp_snapshot_sym_)
		return 38;
	return hp_snapshot_sym_(format, path);
}
#define hotpath_snapshot(format, path) hp_snapshot_((format), (path))

/* main(sample = N) in the annotation: hpcc appends HP_SAMPLE_DEFAULT(N);
 * to the file that holds main, the program's built-in HOTPATH_SAMPLE,
 * exported so that the runtime's weak reference finds it as it finds
 * hotpath_report_default (HOTPATH_SAMPLE at run time wins). */
#define HP_SAMPLE_DEFAULT(n)                                            \
	extern const unsigned int hp_sample_default_                        \
		HP_SYM_("hotpath_sample_default");                              \
	__attribute__((weak, used, visibility("default")))                  \
	const unsigned int hp_sample_default_                               \
		HP_SYM_("hotpath_sample_default") = (n)

/* hpcc --report=FORMAT[:PATH] compiles rewritten sources with
 * -DHOTPATH_REPORT_DEFAULT="FORMAT[:PATH]": the program's built-in
 * report default, one weak definition per translation unit (the linker
 * keeps one per module), exported so that the runtime's weak reference
 * finds it (settings.c: the executable's, else the first library's in
 * load order). */
#ifdef HOTPATH_REPORT_DEFAULT
__attribute__((weak, used, visibility("default")))
const char hp_report_default_[] HP_SYM_("hotpath_report_default") =
	HOTPATH_REPORT_DEFAULT;
#endif

#define HP_SITE_(id, name, line, kind)                                  \
	static struct hp_site hp_site_##id = { name, __FILE__, line, kind, 0, 0 }

#ifndef HOTPATH_ALLOC
#define HP_FRAME_T_ struct hp_frame
#define HP_ENTER_ hp_enter_
#define HP_EXIT_ hp_leave
#define HP_MAIN_ENTER_ hp_main_enter
#define HP_MAIN_EXIT_ hp_main_exit
#else
#define HP_FRAME_T_ struct hp_alloc_frame
#define HP_ENTER_ hp_alloc_enter_
#define HP_EXIT_ hp_alloc_exit_
#define HP_MAIN_ENTER_ hp_main_alloc_enter
#define HP_MAIN_EXIT_ hp_main_alloc_exit
#endif

/* The guard.  Without HOTPATH_ALLOC it is the call's depth alone (the
 * exit needs nothing else), set straight from the entry: no struct copy
 * per site.  Each argument and each use of the guard's address is work
 * for gcc -O2 in every measured function (bench/build), so on x86 the
 * entry gets the site and the CFA only (hp_enter_cfa finds the rest
 * itself), and the cleanup hands the depth over by value: once it is
 * inlined the guard's address is no longer taken and the depth stays in
 * a register.  Elsewhere hp_enter gets the frame identity, the return
 * address and the guard's address, as before.  `(void)&hp_frame_N` only
 * makes the guard used for clang (-Wunused-variable), as in HP_MAIN. */
static __inline__ __attribute__((always_inline))
void hp_leave_at_(unsigned long *depth)
{
	hp_leave_at(*depth);
}

#ifndef HOTPATH_ALLOC
#if defined(__x86_64__) || defined(__i386__)
#define HP_GUARD_(id, site)                                             \
	unsigned long hp_frame_##id HP_GUARD_ATTR_(hp_leave_at_) =          \
		((void)&hp_frame_##id, hp_enter_cfa(site, __builtin_dwarf_cfa()))
#else
#define HP_GUARD_(id, site)                                             \
	unsigned long hp_frame_##id HP_GUARD_ATTR_(hp_leave_at_) =          \
		hp_enter(site, &hp_frame_##id, HP_CFA_, __builtin_return_address(0))
#endif
#else
#define HP_GUARD_(id, site)                                             \
	HP_FRAME_T_ hp_frame_##id HP_GUARD_ATTR_(HP_EXIT_) =                \
		HP_ENTER_(site, &hp_frame_##id)
#endif

#define HP_FUNCTION(id, name, line)                                     \
	HP_SITE_(id, name, line, HP_KIND_FUNCTION);                         \
	HP_GUARD_(id, &hp_site_##id)

#define HP_BLOCK(id, label, line)                                       \
	HP_SITE_(id, label, line, HP_KIND_BLOCK);                           \
	HP_GUARD_(id, &hp_site_##id)

/* main's allocation mark lives in the runtime (there is one main), so its
 * frame is the plain one in both modes.  `(void)&hp_frame_N` only makes
 * the guard variable used, as the other guards' are. */
#define HP_MAIN(id, name, line, percentiles)                            \
	HP_SITE_(id, name, line, HP_KIND_MAIN);                             \
	struct hp_frame hp_frame_##id HP_GUARD_ATTR_(HP_MAIN_EXIT_) =       \
		((void)&hp_frame_##id, HP_MAIN_ENTER_(&hp_site_##id, percentiles))

#ifdef __cplusplus
}
#endif

#endif
