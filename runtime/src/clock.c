/* clock.c - clock selection and the session-long TSC calibration.
 * See clock.h for the design. */
#include "clock.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

int hp_clock_use_tsc;

/* The session's two calibration pairs (ticks and ns read together), and
 * whether live samples have fixed the second (hp_clock_sample). */
static struct calibration {
	uint64_t start_ticks, start_ns;
	uint64_t end_ticks, end_ns;
	int live_fixed;
} cal;

#define PAIR_TRIES 4

static int has_invariant_tsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned int a, b, c, d;

	if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u)
		return 0;
	__cpuid(0x80000007u, a, b, c, d);
	return (d >> 8) & 1;
#else
	return 0;
#endif
}

/* A (ticks, ns) pair read as close together as possible: the ns read is
 * bracketed by two tick reads and paired with their midpoint.  A thread
 * preempted inside the bracket would pair them tens of µs apart (seen
 * on a loaded machine: 5e-5 of error in a ratio taken over a second), so
 * the narrowest of a few brackets is kept. */
static void read_pair(uint64_t *ticks, uint64_t *ns)
{
	uint64_t t0, t1, n, best = UINT64_MAX;
	int i;

	if (!hp_clock_use_tsc) {
		*ns = *ticks = hp_clock_mono_ns();
		return;
	}
	for (i = 0; i < PAIR_TRIES; i++) {
		t0 = hp_clock_now();
		n = hp_clock_mono_ns();
		t1 = hp_clock_now();
		if (t1 - t0 < best) {
			best = t1 - t0;
			*ticks = t0 + (t1 - t0) / 2;
			*ns = n;
		}
	}
}

void hp_clock_init(int force_monotonic)
{
	hp_clock_use_tsc = !force_monotonic && has_invariant_tsc();
	read_pair(&cal.start_ticks, &cal.start_ns);
	cal.live_fixed = 0;
}

uint64_t hp_clock_finish(void)
{
	uint64_t wall;

	read_pair(&cal.end_ticks, &cal.end_ns);
	wall = cal.end_ns - cal.start_ns;
	/* A short session gives a poor ratio: stretch it to 2 ms. */
	while (hp_clock_use_tsc && cal.end_ns - cal.start_ns < 2000000u)
		read_pair(&cal.end_ticks, &cal.end_ns);
	return wall;
}

uint64_t hp_clock_sample(void)
{
	uint64_t ticks, ns;

	read_pair(&ticks, &ns);
	if (!cal.live_fixed) {
		cal.end_ticks = ticks;
		cal.end_ns = ns;
		cal.live_fixed = ns - cal.start_ns >= HP_CLOCK_LIVE_SPAN_NS;
	}
	return ns - cal.start_ns;
}

uint64_t hp_clock_to_ns(uint64_t ticks)
{
	if (!hp_clock_use_tsc || cal.end_ticks <= cal.start_ticks)
		return ticks;
	return (uint64_t)((unsigned __int128)ticks * (cal.end_ns - cal.start_ns) /
			  (cal.end_ticks - cal.start_ticks));
}

uint64_t hp_clock_start_ticks(void)
{
	return cal.start_ticks;
}

const char *hp_clock_name(void)
{
	return hp_clock_use_tsc ? "tsc" : "monotonic";
}
