/* layout_lib.c - bench_layout_lib's measured function, in a shared
 * library of its own that calls libhotpath.so.1 (see layout.c). */
#include "hotpath.h"

void layout_measured(void);

__attribute__((noinline)) void layout_measured(void)
{
	HP_FUNCTION(1, "measured", 1);
	__asm__ __volatile__("");
}
