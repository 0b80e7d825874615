/* header_sample.c - every guard macro, nested, as hpcc emits them: the
 * macro is the first thing in its block. */
#include <hotpath.h>

static int leaf(int x)
{
	HP_FUNCTION(1, "leaf", 6);
#ifndef HOTPATH_ALLOC
	/* the guard is one word, the call's depth: less for gcc to compile */
	(void)sizeof(char[sizeof(hp_frame_1) == sizeof(unsigned long) ? 1 : -1]);
#endif
	return x + 1;
}

static int looped(int n)
{
	HP_FUNCTION(2, "looped", 12);
	int i, s = 0;
	for (i = 0; i < n; i++) {
		HP_BLOCK(3, "body", 15);
		int y = leaf(i);
		{
			HP_BLOCK(4, "inner", 18);
			s += y;
		}
	}
	return s;
}

int main(void)
{
	HP_MAIN(5, "main", 27, "50,99");
	int r = looped(3);
	if (hotpath_snapshot(0, 0) != 0) /* the public call, too */
		r++;
	return r == 6 ? 0 : 1;
}
