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

#if defined(__x86_64__) || defined(__i386__)
#define hp_cpu_relax() __builtin_ia32_pause()
#else
#define hp_cpu_relax() ((void)0)
#endif

#endif
