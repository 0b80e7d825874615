/* cyg_hooks.c - a minimal hand-rolled profiler on gcc -finstrument-functions.
 *
 * DESIGN
 * What a careful programmer writes in an afternoon, and so the fair peer
 * for "what does a timing profiler cost per call": the compiler calls
 * __cyg_profile_func_enter/exit around every function of the instrumented
 * files; enter reads rdtsc and pushes (function, start) on a per-thread
 * shadow stack; exit pops it and adds the elapsed ticks and one call to a
 * per-thread open-addressing table keyed by the function's address.  No
 * locks, no allocation, no stdio on that path.  Frames deeper than the
 * stack are counted as dropped rather than recorded.
 *
 * This file is compiled WITHOUT -finstrument-functions.  At exit, with
 * PEERS_CYG_REPORT set, it prints the main thread's totals on stderr (run.sh
 * uses that as evidence the hooks really recorded every call).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <x86intrin.h>

#define NOHOOK __attribute__((no_instrument_function))

#define STACK_MAX 256
#define TABLE_SIZE 1024 /* power of two */

struct open_call {
	void *fn;
	uint64_t start;
};

struct fn_total {
	void *fn;
	uint64_t calls;
	uint64_t ticks;
};

static __thread struct open_call stack[STACK_MAX];
static __thread unsigned int depth;
static __thread struct fn_total table[TABLE_SIZE];
static __thread uint64_t dropped;

void __cyg_profile_func_enter(void *fn, void *site) NOHOOK;
void __cyg_profile_func_exit(void *fn, void *site) NOHOOK;

void __cyg_profile_func_enter(void *fn, void *site)
{
	uint64_t now = __rdtsc();
	unsigned int d = depth++;

	(void)site;
	if (d < STACK_MAX) { /* deeper frames are dropped at exit */
		stack[d].fn = fn;
		stack[d].start = now;
	}
}

static NOHOOK struct fn_total *slot_for(void *fn)
{
	uintptr_t h = (uintptr_t)fn;
	unsigned int i, n;

	h ^= h >> 17; /* code addresses share their low and high bits */
	h *= 0x9e3779b97f4a7c15ull;
	i = (unsigned int)(h >> 54) & (TABLE_SIZE - 1);
	for (n = 0; n < TABLE_SIZE; n++, i = (i + 1) & (TABLE_SIZE - 1)) {
		if (table[i].fn == fn)
			return &table[i];
		if (!table[i].fn) {
			table[i].fn = fn;
			return &table[i];
		}
	}
	return NULL; /* table full */
}

void __cyg_profile_func_exit(void *fn, void *site)
{
	uint64_t now = __rdtsc();
	unsigned int d = --depth;
	struct fn_total *t;

	(void)site;
	if (d >= STACK_MAX || !(t = slot_for(fn))) {
		dropped++;
		return;
	}
	t->calls++;
	t->ticks += now - stack[d].start;
}

static NOHOOK __attribute__((destructor)) void report(void)
{
	unsigned int i;

	if (!getenv("PEERS_CYG_REPORT"))
		return;
	for (i = 0; i < TABLE_SIZE; i++)
		if (table[i].fn)
			fprintf(stderr, "cyg: fn %p calls %llu ticks %llu\n",
				table[i].fn, (unsigned long long)table[i].calls,
				(unsigned long long)table[i].ticks);
	fprintf(stderr, "cyg: dropped %llu\n", (unsigned long long)dropped);
}
