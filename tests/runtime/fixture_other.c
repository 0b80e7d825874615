/* fixture_other.c - a second translation unit for test_session.c: a
 * static function with the same name as one there ("helper"). */
#include "hotpath.h"

void fixture_other_call(void);

static __attribute__((noinline)) void helper(void)
{
	HP_FUNCTION(1, "helper", 7);
	__asm__ __volatile__("");
}

void fixture_other_call(void)
{
	helper();
}
