/* atomic.h - the runtime's only use of <stdatomic.h>.
 *
 * Thin names for the few orderings the runtime needs, so that every
 * cross-thread access reads as what it is: a release that publishes a
 * record, an acquire that consumes it, or a relaxed counter.
 */
#ifndef HP_ATOMIC_H
#define HP_ATOMIC_H

#include <stdatomic.h>

#define hp_atomic_load_relaxed(p) atomic_load_explicit((p), memory_order_relaxed)
#define hp_atomic_load_acquire(p) atomic_load_explicit((p), memory_order_acquire)
#define hp_atomic_store_relaxed(p, v) atomic_store_explicit((p), (v), memory_order_relaxed)
#define hp_atomic_store_release(p, v) atomic_store_explicit((p), (v), memory_order_release)
#define hp_atomic_add_relaxed(p, v) atomic_fetch_add_explicit((p), (v), memory_order_relaxed)
#define hp_atomic_exchange(p, v) atomic_exchange_explicit((p), (v), memory_order_acq_rel)

/* ThreadSanitizer in the program.  The runtime that hpcc links
 * (libhotpath.so.1) is never built with -fsanitize=thread, so in a program
 * that is, TSan sees the runtime's mutexes and its calls to libc (memcpy,
 * strcmp: intercepted) but none of its atomics: a release store and the
 * acquire load that reads it are, to TSan, no edge at all, and bytes
 * written with memcpy before the one and read with memcpy after the other
 * are reported as a race.  Where such bytes cross threads, the pair also
 * goes through TSan's own calls, found by weak reference: NULL (a load
 * and a branch) in a program without TSan.  Never on the record path. */
extern void __tsan_acquire(void *addr) __attribute__((weak, visibility("default")));
extern void __tsan_release(void *addr) __attribute__((weak, visibility("default")));

/* Before the release store to p that publishes bytes. */
static inline void hp_tsan_release(const volatile void *p)
{
	if (__tsan_release)
		__tsan_release((void *)p);
}

/* After the acquire load from p that reads them. */
static inline void hp_tsan_acquire(const volatile void *p)
{
	if (__tsan_acquire)
		__tsan_acquire((void *)p);
}

#if defined(__x86_64__) || defined(__i386__)
#define hp_cpu_relax() __builtin_ia32_pause()
#else
#define hp_cpu_relax() ((void)0)
#endif

#endif
