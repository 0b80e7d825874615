/* sanitized.h - which sanitizer this test binary was built with
 * (UNDER_TSAN, UNDER_ASAN: 1 or 0), for the scenarios a sanitizer
 * cannot run (they say so with a skip line). */
#ifndef HPTEST_SANITIZED_H
#define HPTEST_SANITIZED_H

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

/* The environment entry for a scenario whose fork child ends by exit()
 * (NULL without a sanitizer).  Under ASan, the child's exit-time leak
 * check can wait forever on an allocator lock that another thread of
 * the parent (the runtime's worker, allocating) held at the fork:
 * LeakSanitizer's own deadlock in this compiler's libasan (seen in
 * test_lifecycle's fork_quiet 1 in ~80 runs and once in test_session's
 * fork, the child in __lsan::LockAllocator), not the runtime's; the test
 * binaries themselves still check for leaks.  Under TSan, a child of a
 * threaded parent goes on (die_after_fork=0). */
#define FORK_SCENARIO_ENV                                          \
	(UNDER_TSAN ? "TSAN_OPTIONS=die_after_fork=0" :            \
	 UNDER_ASAN ? "ASAN_OPTIONS=detect_leaks=0" : NULL)

#endif
