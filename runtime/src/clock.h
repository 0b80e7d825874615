/* clock.h - timestamps for the record path, and their conversion to ns.
 *
 * The record path reads raw ticks with hp_clock_now(): rdtsc when the CPU
 * has an invariant TSC (CPUID 0x80000007 EDX bit 8), else
 * clock_gettime(CLOCK_MONOTONIC) in ns.  Nothing on the record path
 * converts: the worker keeps statistics in ticks, and the report converts
 * with one ratio measured over the whole session (a (tsc, ns) pair taken at
 * hp_clock_init() and another at hp_clock_finish()), which is far more
 * precise than any short calibration at start-up.  Relative errors (the
 * histogram's 1%) survive a linear scale unchanged.
 *
 * HOTPATH_CLOCK=monotonic (settings.h) forces the fallback (tests use it).
 */
#ifndef HP_CLOCK_H
#define HP_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Set once by hp_clock_init(), before any thread can record. */
extern int hp_clock_use_tsc;

static inline uint64_t hp_clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t hp_clock_now(void)
{
#if defined(__x86_64__) || defined(__i386__)
	if (__builtin_expect(hp_clock_use_tsc, 1))
		return __builtin_ia32_rdtsc();
#endif
	return hp_clock_mono_ns();
}

/* Chooses the clock (the fallback if force_monotonic) and takes the
 * opening calibration pair. */
void hp_clock_init(int force_monotonic);
/* Takes the closing calibration pair (spinning if the session was under
 * 2 ms) and returns the session's wall time in ns. */
uint64_t hp_clock_finish(void);
/* The same for a live snapshot: the session's wall time now, and a
 * closing pair without the 2 ms stretch (a snapshot must not spin under
 * the worker's lock), until one is HP_CLOCK_LIVE_SPAN_NS into the
 * session: that one stays for every later snapshot.  A ratio re-measured
 * at each snapshot moves by parts per million either way (read jitter,
 * NTP slewing CLOCK_MONOTONIC), so an idle function's time would go down
 * between snapshots, which a scraper (metrics.h) takes for a restart;
 * with one ratio, ticks that only grow give ns that only grow.  The
 * report's hp_clock_finish() takes a closing pair again. */
#define HP_CLOCK_LIVE_SPAN_NS 10000000u
uint64_t hp_clock_sample(void);
/* Ticks to ns with the session ratio; call after hp_clock_finish(). */
uint64_t hp_clock_to_ns(uint64_t ticks);
/* Ticks at session start (hp_clock_init). */
uint64_t hp_clock_start_ticks(void);
const char *hp_clock_name(void);

#endif
